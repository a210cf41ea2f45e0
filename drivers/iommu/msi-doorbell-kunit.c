// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for MSI doorbells bound in IOMMU domains. Included at the end
 * of drivers/iommu/msi-doorbell.c.
 *
 * A mock IOMMU driver provides paging domains that record every map and
 * unmap they are asked for (IOVA, physical address, size, protection) and
 * can fail the k-th map, plus static identity and blocking domains; its
 * paging domains can also be left to be built at their first attach, as
 * arm-smmu builds its own. A KUnit device gets a dev_iommu of that driver
 * and an IOMMU group, and moves between domains by the calls that
 * __iommu_group_set_domain_internal() makes for each device of a group:
 * iommu_msi_doorbells_prepare() before the attach (after it, for a domain
 * built there), iommu_msi_doorbells_commit() once the group has moved. The
 * attach itself and the group's device list are not exercised here.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/msi.h>
#include <linux/sizes.h>

#define MOCK_WINDOW	0x8000000UL	/* IOMMU_RESV_SW_MSI of SMMUv3 */
#define MOCK_ITS	0x8090040UL	/* GITS_TRANSLATER */
#define MOCK_V2M0	0x8020040UL	/* two GICv2m frames 4 KiB apart */
#define MOCK_V2M1	0x8021040UL

struct mock_map {
	unsigned long	iova;
	phys_addr_t	phys;
	size_t		size;
	int		prot;
};

struct mock_domain {
	struct iommu_domain	domain;
	unsigned int		maps;
	unsigned int		unmaps;
	unsigned int		fail_at;	/* fail the fail_at-th map, 0: never */
	int			fail_err;	/* with this error, 0: -EIO */
	unsigned int		refused;	/* maps before the domain was built */
	struct mock_map		last_map;
	struct mock_map		last_unmap;
};

static struct mock_domain *to_mock(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_domain, domain);
}

/* Builds a paging domain left unbuilt at allocation, as arm-smmu does */
static int mock_attach_dev(struct iommu_domain *domain, struct device *dev,
			   struct iommu_domain *old)
{
	if (domain->type & __IOMMU_DOMAIN_PAGING)
		domain->geometry.force_aperture = true;
	return 0;
}

static int mock_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_domain *mock = to_mock(domain);

	/* arm_smmu_map_pages() before arm_smmu_init_domain_context() */
	if (!domain->geometry.force_aperture) {
		mock->refused++;
		return -ENODEV;
	}
	if (mock->fail_at && mock->maps + 1 == mock->fail_at)
		return mock->fail_err ?: -EIO;
	mock->maps++;
	mock->last_map = (struct mock_map){ iova, paddr, pgsize * pgcount, prot };
	*mapped = pgsize * pgcount;
	return 0;
}

static size_t mock_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct mock_domain *mock = to_mock(domain);

	mock->unmaps++;
	mock->last_unmap = (struct mock_map){ iova, 0, pgsize * pgcount, 0 };
	return pgsize * pgcount;
}

static void mock_domain_free(struct iommu_domain *domain)
{
	/* The memory belongs to the test */
}

static const struct iommu_domain_ops mock_paging_ops = {
	.attach_dev	= mock_attach_dev,
	.map_pages	= mock_map_pages,
	.unmap_pages	= mock_unmap_pages,
	.free		= mock_domain_free,
};

static const struct iommu_domain_ops mock_static_ops = {
	.attach_dev	= mock_attach_dev,
};

static struct iommu_domain mock_identity = {
	.type	= IOMMU_DOMAIN_IDENTITY,
	.ops	= &mock_static_ops,
};

static struct iommu_domain mock_blocked = {
	.type	= IOMMU_DOMAIN_BLOCKED,
	.ops	= &mock_static_ops,
};

/* The IOMMU_RESV_MSI region the mock IOMMU reports, if its size is not 0 */
static struct {
	phys_addr_t	start;
	size_t		size;
} mock_hw_msi;

static void mock_get_resv_regions(struct device *dev, struct list_head *head)
{
	struct iommu_resv_region *region;

	if (!mock_hw_msi.size)
		return;
	region = iommu_alloc_resv_region(mock_hw_msi.start, mock_hw_msi.size,
					 0, IOMMU_RESV_MSI, GFP_KERNEL);
	if (region)
		list_add_tail(&region->list, head);
}

static const struct iommu_ops mock_iommu_ops = {
	.identity_domain	= &mock_identity,
	.blocked_domain		= &mock_blocked,
	.get_resv_regions	= mock_get_resv_regions,
};

static struct iommu_device mock_iommu = {
	.ops	= &mock_iommu_ops,
};

/*
 * A device in a group of the mock IOMMU, attached to @cur. The tests call
 * the functions the group-level API wraps, without the group mutex: nothing
 * else knows the device.
 */
struct msi_doorbell_test {
	struct device		*dev;
	struct iommu_group	*group;
	struct iommu_domain	*cur;
	struct mock_domain	*a;
	struct mock_domain	*b;
};

static void mock_domain_release(void *data)
{
	iommu_domain_free(data);
}

/*
 * An UNMANAGED domain nobody gave an MSI cookie, freed with the test, built
 * at allocation as arm-smmu-v3 and virtio-iommu build theirs
 */
static struct mock_domain *mock_plain_domain(struct kunit *test,
					     unsigned long pgsize)
{
	struct mock_domain *mock = kunit_kzalloc(test, sizeof(*mock), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mock);
	mock->domain.type = IOMMU_DOMAIN_UNMANAGED;
	mock->domain.ops = &mock_paging_ops;
	mock->domain.owner = &mock_iommu_ops;
	mock->domain.pgsize_bitmap = pgsize;
	mock->domain.geometry.force_aperture = true;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mock_domain_release,
							&mock->domain), 0);
	return mock;
}

/* An UNMANAGED domain with an MSI window of @window bytes at MOCK_WINDOW */
static struct mock_domain *mock_msi_domain(struct kunit *test, size_t window,
					   unsigned long pgsize)
{
	struct mock_domain *mock = mock_plain_domain(test, pgsize);

	KUNIT_ASSERT_EQ(test, iommu_get_msi_cookie(&mock->domain, MOCK_WINDOW,
						   window), 0);
	return mock;
}

static void msi_doorbell_test_exit(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;

	if (!t->dev->iommu)
		goto out;
	msi_doorbells_release(t->dev);
	kfree(t->dev->iommu);
	t->dev->iommu = NULL;
	t->dev->iommu_group = NULL;
	iommu_group_put(t->group);
out:
	WRITE_ONCE(msi_doorbell_retry_by_hand, false);
}

static int msi_doorbell_test_init(struct kunit *test)
{
	struct msi_doorbell_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct dev_iommu *param;

	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	mock_hw_msi.size = 0;
	/* The retry work must not touch the test's device: retried by hand */
	WRITE_ONCE(msi_doorbell_retry_by_hand, true);
	t->dev = kunit_device_register(test, "msi-doorbell-dev");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev);

	t->group = iommu_group_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->group);
	param = kzalloc_obj(*param);
	if (!param)
		iommu_group_put(t->group);
	KUNIT_ASSERT_NOT_NULL(test, param);
	mutex_init(&param->lock);
	INIT_LIST_HEAD(&param->msi_retry);
	param->iommu_dev = &mock_iommu;
	t->dev->iommu = param;
	t->dev->iommu_group = t->group;

	t->a = mock_msi_domain(test, SZ_1M, PAGE_SIZE);
	t->b = mock_msi_domain(test, SZ_1M, PAGE_SIZE);
	t->cur = &t->a->domain;
	return 0;
}

static int bind_all(struct msi_doorbell_test *t,
		    const struct msi_doorbell *dbs, unsigned int nr)
{
	return msi_doorbells_bind(t->dev, t->cur, dbs, nr);
}

static int bind(struct msi_doorbell_test *t, phys_addr_t base, size_t size)
{
	const struct msi_doorbell db = { .base = base, .size = size };

	return bind_all(t, &db, 1);
}

/* Move @t's device to @domain as the group switch does */
static int switch_to(struct msi_doorbell_test *t, struct iommu_domain *domain,
		     bool force)
{
	struct msi_doorbell_table *next;

	next = iommu_msi_doorbells_prepare(t->dev, domain, force);
	if (IS_ERR(next))
		return PTR_ERR(next);
	t->cur = domain;
	iommu_msi_doorbells_commit(t->dev, next);
	return 0;
}

static u64 translate(struct kunit *test, struct device *dev, phys_addr_t addr)
{
	u64 out = 0;

	KUNIT_EXPECT_EQ(test, iommu_msi_doorbell_translate(dev, addr, &out), 0);
	return out;
}

/* The doorbell page is mapped once, write-only MMIO, and unmapped at release */
static void msi_doorbell_test_bind_release(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *a = t->a;
	u64 out;

	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	KUNIT_EXPECT_EQ(test, a->maps, 1);
	KUNIT_EXPECT_EQ(test, a->last_map.iova, MOCK_WINDOW);
	KUNIT_EXPECT_EQ(test, a->last_map.phys, MOCK_ITS & PAGE_MASK);
	KUNIT_EXPECT_EQ(test, a->last_map.size, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, a->last_map.prot,
			IOMMU_WRITE | IOMMU_MMIO | IOMMU_NOEXEC);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			MOCK_WINDOW + (MOCK_ITS & ~PAGE_MASK));

	/* Every further allocation reports the same doorbell: no new map */
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	KUNIT_EXPECT_EQ(test, a->maps, 1);

	/* A doorbell that was not reported is not translated */
	KUNIT_EXPECT_EQ(test, iommu_msi_doorbell_translate(t->dev, 0x9000040,
							   &out), -ENOENT);

	msi_doorbells_release(t->dev);
	KUNIT_EXPECT_EQ(test, a->unmaps, 1);
	KUNIT_EXPECT_EQ(test, a->last_unmap.iova, MOCK_WINDOW);
	KUNIT_EXPECT_EQ(test, a->last_unmap.size, PAGE_SIZE);
	/* Released: nothing is translated, so nothing composes */
	KUNIT_EXPECT_EQ(test, iommu_msi_doorbell_translate(t->dev, MOCK_ITS,
							   &out), -ENOENT);
}

/* Two devices share a page: it stays mapped until both released it */
static void msi_doorbell_test_shared(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	const struct msi_doorbell db = { .base = MOCK_ITS, .size = 4 };
	struct mock_domain *a = t->a;
	struct dev_iommu *param;
	struct device *dev2;

	dev2 = kunit_device_register(test, "msi-doorbell-dev2");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev2);
	param = kunit_kzalloc(test, sizeof(*param), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, param);
	INIT_LIST_HEAD(&param->msi_retry);
	dev2->iommu = param;
	dev2->iommu_group = t->group;

	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	KUNIT_EXPECT_EQ(test, msi_doorbells_bind(dev2, t->cur, &db, 1), 0);
	KUNIT_EXPECT_EQ(test, a->maps, 1);
	KUNIT_EXPECT_EQ(test, translate(test, dev2, MOCK_ITS),
			translate(test, t->dev, MOCK_ITS));

	msi_doorbells_release(dev2);
	KUNIT_EXPECT_EQ(test, a->unmaps, 0);
	msi_doorbells_release(t->dev);
	KUNIT_EXPECT_EQ(test, a->unmaps, 1);
	dev2->iommu_group = NULL;
	dev2->iommu = NULL;
}

/* A full window fails with -ENOSPC, loses nothing, and reuses freed slots */
static void msi_doorbell_test_window_full(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	/* Three pages: two slots and the fault slot */
	struct mock_domain *small = mock_msi_domain(test, 3 * PAGE_SIZE,
						    PAGE_SIZE);
	const struct msi_doorbell three[] = {
		{ MOCK_ITS, 4 }, { MOCK_ITS + PAGE_SIZE, 4 },
		{ MOCK_ITS + 2 * PAGE_SIZE, 4 },
	};
	u64 out;

	t->cur = &small->domain;
	KUNIT_EXPECT_EQ(test, bind_all(t, three, 3), -ENOSPC);
	KUNIT_EXPECT_EQ(test, small->maps, 2);
	KUNIT_EXPECT_EQ(test, small->unmaps, 2);
	KUNIT_EXPECT_EQ(test, iommu_msi_doorbell_translate(t->dev, MOCK_ITS,
							   &out), -ENOENT);

	/* Two pages fit, in the two slots */
	KUNIT_ASSERT_EQ(test, bind_all(t, three, 2), 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS + PAGE_SIZE),
			MOCK_WINDOW + PAGE_SIZE + (MOCK_ITS & ~PAGE_MASK));
	msi_doorbells_release(t->dev);

	/* Slots are reused once released */
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS + 2 * PAGE_SIZE, 4), 0);
	KUNIT_EXPECT_EQ(test, small->last_map.iova, MOCK_WINDOW);
	KUNIT_EXPECT_EQ(test, small->last_map.phys,
			(MOCK_ITS + 2 * PAGE_SIZE) & PAGE_MASK);
}

static const unsigned int fail_points[] = { 1, 2, 3 };

static void fail_point_desc(const unsigned int *k, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "map %u fails", *k);
}

KUNIT_ARRAY_PARAM(fail_point, fail_points, fail_point_desc);

/* A failing map unwinds every page taken before it */
static void msi_doorbell_test_map_fails(struct kunit *test)
{
	const unsigned int *k = test->param_value;
	struct msi_doorbell_test *t = test->priv;
	const struct msi_doorbell three[] = {
		{ MOCK_ITS, 4 }, { MOCK_ITS + PAGE_SIZE, 4 },
		{ MOCK_ITS + 2 * PAGE_SIZE, 4 },
	};
	struct mock_domain *a = t->a;

	a->fail_at = *k;
	KUNIT_EXPECT_EQ(test, bind_all(t, three, 3), -EIO);
	KUNIT_EXPECT_EQ(test, a->maps, *k - 1);
	KUNIT_EXPECT_EQ(test, a->unmaps, *k - 1);

	/* The device works when retried */
	a->fail_at = 0;
	KUNIT_EXPECT_EQ(test, bind_all(t, three, 3), 0);
	KUNIT_EXPECT_EQ(test, a->maps - a->unmaps, 3);
}

/* Malformed reports are refused before anything is mapped */
static void msi_doorbell_test_malformed(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *a = t->a;

	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, bind(t, (phys_addr_t)-8, 16), -EINVAL);
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, (size_t)2048 * PAGE_SIZE),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, a->maps, 0);
}

/*
 * GICv2m frames 4 KiB apart share a page on 16K/64K kernels and in domains
 * whose smallest page is larger: the regions merge into one binding.
 */
static void msi_doorbell_test_overlap(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	const struct msi_doorbell frames[] = {
		{ MOCK_V2M0, 4 }, { MOCK_V2M1, 4 },
	};
	struct mock_domain *a = t->a, *big;
	/* Two frames 4 KiB apart: two pages of 4K, one of 16K or 64K */
	unsigned int pages = DIV_ROUND_UP(SZ_8K, PAGE_SIZE);
	phys_addr_t mask = SZ_64K - 1;

	KUNIT_ASSERT_EQ(test, bind_all(t, frames, 2), 0);
	KUNIT_EXPECT_EQ(test, a->maps, pages);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_V2M1) -
			translate(test, t->dev, MOCK_V2M0),
			pages == 1 ? MOCK_V2M1 - MOCK_V2M0 : PAGE_SIZE);
	msi_doorbells_release(t->dev);

	/* An IOMMU whose smallest page is 64K: one 64K page, offsets kept */
	big = mock_msi_domain(test, SZ_1M, SZ_64K);
	t->cur = &big->domain;
	KUNIT_ASSERT_EQ(test, bind_all(t, frames, 2), 0);
	KUNIT_EXPECT_EQ(test, big->maps, 1);
	KUNIT_EXPECT_EQ(test, big->last_map.size, SZ_64K);
	KUNIT_EXPECT_EQ(test, big->last_map.phys, MOCK_V2M0 & ~mask);
	KUNIT_EXPECT_EQ(test, big->last_map.iova & mask, 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_V2M0),
			big->last_map.iova + (MOCK_V2M0 & mask));
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_V2M1),
			big->last_map.iova + (MOCK_V2M1 & mask));
}

/* Identity passes through; a blocking domain cannot take MSIs */
static void msi_doorbell_test_untranslated(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;

	t->cur = &mock_identity;
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), MOCK_ITS);
	msi_doorbells_release(t->dev);

	t->cur = &mock_blocked;
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 4), -EOPNOTSUPP);
	/* No domain at all: no IOMMU translation */
	t->cur = NULL;
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), MOCK_ITS);
}

/*
 * A paging domain without an MSI cookie (VFIO type1's, where the IOMMU
 * reports a hardware MSI region) takes a doorbell untranslated if and only
 * if the doorbell lies in an IOMMU_RESV_MSI region of the device; a
 * blocking domain never does. A live doorbell that cannot follow the device
 * there refuses the switch, or, on a switch that must succeed, leaves no
 * message to compose: its owner may map any IOVA of the domain.
 */
static void msi_doorbell_test_bypass_region(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *plain = mock_plain_domain(test, PAGE_SIZE);
	const struct msi_doorbell_table *table;
	u64 out, before;

	t->cur = &plain->domain;
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 4), -EOPNOTSUPP);
	/*
	 * A region elsewhere, one that ends inside the doorbell, one that
	 * starts after its page does, and one that holds the doorbell but
	 * not its page: pages are judged, as they are mapped elsewhere.
	 */
	mock_hw_msi.start = MOCK_V2M0 & PAGE_MASK;
	mock_hw_msi.size = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 4), -EOPNOTSUPP);
	mock_hw_msi.start = MOCK_ITS & PAGE_MASK;
	mock_hw_msi.size = (MOCK_ITS & ~PAGE_MASK) + 2;
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 4), -EOPNOTSUPP);
	mock_hw_msi.start = (MOCK_ITS & PAGE_MASK) + 4;
	mock_hw_msi.size = SZ_64K;
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 4), -EOPNOTSUPP);
	mock_hw_msi.start = MOCK_ITS;
	mock_hw_msi.size = 4;
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 4), -EOPNOTSUPP);

	/* QEMU's virtio-iommu reports the ITS frame, 64 KiB */
	mock_hw_msi.start = 0x8090000;
	mock_hw_msi.size = SZ_64K;
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	KUNIT_EXPECT_EQ(test, plain->maps, 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), MOCK_ITS);
	/* The domain translates: an address nobody reported is refused */
	KUNIT_EXPECT_EQ(test, iommu_msi_doorbell_translate(t->dev, MOCK_V2M0,
							   &out), -ENOENT);
	/* A second doorbell outside the region is refused; the first stays */
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_V2M0, 4), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), MOCK_ITS);
	msi_doorbells_release(t->dev);

	/* A live doorbell moves there from a domain that maps it */
	t->cur = &t->a->domain;
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	KUNIT_ASSERT_EQ(test, switch_to(t, &plain->domain, false), 0);
	KUNIT_EXPECT_EQ(test, t->a->unmaps, 1);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), MOCK_ITS);
	msi_doorbells_release(t->dev);

	/*
	 * Without the region it cannot follow, and its owner may map any IOVA
	 * of the domain, 0 included: the switch is refused, with nothing
	 * changed. A switch that must succeed leaves no address to compose
	 * (the vectors are masked); the next allocation where the region is
	 * back binds the page again.
	 */
	mock_hw_msi.size = 0;
	t->cur = &t->a->domain;
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	before = translate(test, t->dev, MOCK_ITS);
	table = rcu_access_pointer(t->dev->iommu->msi_doorbells);
	KUNIT_EXPECT_EQ(test, switch_to(t, &plain->domain, false), -EOPNOTSUPP);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(t->dev->iommu->msi_doorbells),
			    table);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), before);
	KUNIT_EXPECT_EQ(test, t->a->unmaps, 1);
	KUNIT_ASSERT_EQ(test, switch_to(t, &plain->domain, true), 0);
	KUNIT_EXPECT_EQ(test, t->a->unmaps, 2);
	KUNIT_EXPECT_EQ(test, iommu_msi_doorbell_translate(t->dev, MOCK_ITS,
							   &out), -ENXIO);
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS + 0x100, 4), -EOPNOTSUPP);
	mock_hw_msi.size = SZ_64K;
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS + 0x100, 4), 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), MOCK_ITS);
	KUNIT_EXPECT_EQ(test, plain->maps, 0);
	msi_doorbells_release(t->dev);

	t->cur = &mock_blocked;
	KUNIT_EXPECT_EQ(test, bind(t, MOCK_ITS, 4), -EOPNOTSUPP);
}

/* Live doorbells follow the device to a new domain, at the same IOVA */
static void msi_doorbell_test_switch(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *a = t->a, *b = t->b;
	u64 before;

	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	/* A second page first, so that the IOVA of MOCK_ITS is not slot 0 */
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS + PAGE_SIZE, 4), 0);
	msi_doorbells_release(t->dev);
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS + PAGE_SIZE, 4), 0);
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	before = translate(test, t->dev, MOCK_ITS);
	KUNIT_EXPECT_EQ(test, before, MOCK_WINDOW + PAGE_SIZE +
			(MOCK_ITS & ~PAGE_MASK));

	KUNIT_ASSERT_EQ(test, switch_to(t, &b->domain, false), 0);
	KUNIT_EXPECT_EQ(test, b->maps, 2);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), before);
	/* The old domain's pages went with the switch */
	KUNIT_EXPECT_EQ(test, a->unmaps, a->maps);

	/* Identity: the physical address, and b's pages are released */
	KUNIT_ASSERT_EQ(test, switch_to(t, &mock_identity, false), 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), MOCK_ITS);
	KUNIT_EXPECT_EQ(test, b->unmaps, 2);

	/* And back into a translating domain, bound before the move */
	KUNIT_ASSERT_EQ(test, switch_to(t, &a->domain, false), 0);
	KUNIT_EXPECT_EQ(test, a->maps - a->unmaps, 2);
	KUNIT_EXPECT_EQ(test, a->last_map.phys, (MOCK_ITS + PAGE_SIZE) & PAGE_MASK);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS + PAGE_SIZE),
			a->last_map.iova + (MOCK_ITS & ~PAGE_MASK));
}

/*
 * A switch whose new domain cannot bind is refused with everything in place.
 * A forced one, or one to a domain that cannot take MSIs at all, aims the
 * messages at an IOVA that faults there, and the old domain holds no
 * reference that could outlive it.
 */
static void msi_doorbell_test_switch_fails(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *a = t->a, *b = t->b;
	u64 before, fault_b = MOCK_WINDOW + SZ_1M - PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	before = translate(test, t->dev, MOCK_ITS);

	b->fail_at = 1;
	KUNIT_EXPECT_EQ(test, switch_to(t, &b->domain, false), -EIO);
	KUNIT_EXPECT_EQ(test, b->maps, 0);
	KUNIT_EXPECT_EQ(test, a->unmaps, 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), before);

	/* Forced: messages fault in b (its last window slot), a is released */
	KUNIT_ASSERT_EQ(test, switch_to(t, &b->domain, true), 0);
	KUNIT_EXPECT_EQ(test, a->unmaps, 1);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			fault_b + (MOCK_ITS & ~PAGE_MASK));
	KUNIT_EXPECT_TRUE(test, xa_empty(&a->domain.msi_store->pages));

	/* The next allocation binds the lost page again, with the new one */
	b->fail_at = 0;
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS + PAGE_SIZE, 4), 0);
	KUNIT_EXPECT_EQ(test, b->maps, 2);
	KUNIT_EXPECT_NE(test, translate(test, t->dev, MOCK_ITS),
			fault_b + (MOCK_ITS & ~PAGE_MASK));
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS) & ~PAGE_MASK,
			MOCK_ITS & ~PAGE_MASK);
}

/*
 * A domain that its driver builds at the first attach (arm-smmu v2/MMU-500,
 * qcom_iommu, ipmmu-vmsa, mtk) cannot map before it, so the switch binds
 * there once the devices have moved: prepare does not try before, forced or
 * not, and leaves the messages on the old domain until then.
 */
static void msi_doorbell_test_built_at_attach(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *a = t->a, *c;
	u64 before;

	c = mock_msi_domain(test, SZ_1M, PAGE_SIZE);
	c->domain.geometry.force_aperture = false;
	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	before = translate(test, t->dev, MOCK_ITS);

	KUNIT_EXPECT_PTR_EQ(test, iommu_msi_doorbells_prepare(t->dev,
							      &c->domain, false),
			    ERR_PTR(-EAGAIN));
	KUNIT_EXPECT_PTR_EQ(test, iommu_msi_doorbells_prepare(t->dev,
							      &c->domain, true),
			    ERR_PTR(-EAGAIN));
	KUNIT_EXPECT_EQ(test, c->refused, 0);
	KUNIT_EXPECT_EQ(test, c->maps, 0);
	KUNIT_EXPECT_EQ(test, a->unmaps, 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), before);

	/* The first attach builds it: the doorbell follows, a's page goes */
	KUNIT_ASSERT_EQ(test, c->domain.ops->attach_dev(&c->domain, t->dev,
							t->cur), 0);
	KUNIT_ASSERT_EQ(test, switch_to(t, &c->domain, false), 0);
	KUNIT_EXPECT_EQ(test, c->refused, 0);
	KUNIT_EXPECT_EQ(test, c->maps, 1);
	KUNIT_EXPECT_EQ(test, c->last_map.phys, MOCK_ITS & PAGE_MASK);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			c->last_map.iova + (MOCK_ITS & ~PAGE_MASK));
	KUNIT_EXPECT_EQ(test, a->unmaps, 1);
}

/*
 * VFIO and iommufd take ownership of a group through the blocking domain:
 * live vectors of the group's other devices (PCIe ports) fault there, and
 * come back in the next domain, then in the default one.
 */
static void msi_doorbell_test_blocked_and_back(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *a = t->a, *b = t->b;
	const struct msi_doorbell_table *table;

	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);

	/* The table turns LOST in place: going there needs no memory */
	table = rcu_access_pointer(t->dev->iommu->msi_doorbells);
	KUNIT_ASSERT_EQ(test, switch_to(t, &mock_blocked, false), 0);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(t->dev->iommu->msi_doorbells),
			    table);
	KUNIT_EXPECT_EQ(test, a->unmaps, 1);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			MOCK_ITS & ~PAGE_MASK);

	KUNIT_ASSERT_EQ(test, switch_to(t, &b->domain, false), 0);
	KUNIT_EXPECT_EQ(test, b->maps, 1);
	KUNIT_EXPECT_EQ(test, b->last_map.phys, MOCK_ITS & PAGE_MASK);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			b->last_map.iova + (MOCK_ITS & ~PAGE_MASK));

	KUNIT_ASSERT_EQ(test, switch_to(t, &mock_blocked, false), 0);
	KUNIT_ASSERT_EQ(test, switch_to(t, &a->domain, false), 0);
	KUNIT_EXPECT_EQ(test, b->unmaps, 1);
	KUNIT_EXPECT_EQ(test, a->maps - a->unmaps, 1);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			a->last_map.iova + (MOCK_ITS & ~PAGE_MASK));
}

/*
 * Every way into LOST keeps the device's table and its pages: an aborted
 * switch to the blocking domain changes nothing, a forced switch that
 * cannot bind moves a LOST table to the new domain's fault IOVA, and a
 * DIRECT table (identity domain) turns LOST too; the pages are bound again
 * in the next domain that can take them.
 */
static void msi_doorbell_test_lost_paths(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *a = t->a, *b = t->b;
	u64 before, fault_b = MOCK_WINDOW + SZ_1M - PAGE_SIZE;
	const struct msi_doorbell_table *table;
	struct msi_doorbell_table *next;

	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	before = translate(test, t->dev, MOCK_ITS);
	table = rcu_access_pointer(t->dev->iommu->msi_doorbells);

	next = iommu_msi_doorbells_prepare(t->dev, &mock_blocked, false);
	KUNIT_ASSERT_PTR_EQ(test, next, table);
	iommu_msi_doorbells_abort(t->dev, next);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(t->dev->iommu->msi_doorbells),
			    table);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), before);
	KUNIT_EXPECT_EQ(test, a->unmaps, 0);

	KUNIT_ASSERT_EQ(test, switch_to(t, &mock_blocked, false), 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			MOCK_ITS & ~PAGE_MASK);

	/* LOST to LOST: now aimed at b's fault slot, the same table */
	b->fail_at = 1;
	KUNIT_ASSERT_EQ(test, switch_to(t, &b->domain, true), 0);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(t->dev->iommu->msi_doorbells),
			    table);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			fault_b + (MOCK_ITS & ~PAGE_MASK));
	KUNIT_EXPECT_EQ(test, b->maps, 0);

	/* Identity, then blocked: DIRECT turns LOST, keeping the page */
	KUNIT_ASSERT_EQ(test, switch_to(t, &mock_identity, true), 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS), MOCK_ITS);
	table = rcu_access_pointer(t->dev->iommu->msi_doorbells);
	KUNIT_ASSERT_EQ(test, switch_to(t, &mock_blocked, true), 0);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(t->dev->iommu->msi_doorbells),
			    table);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			MOCK_ITS & ~PAGE_MASK);

	KUNIT_ASSERT_EQ(test, switch_to(t, &a->domain, false), 0);
	KUNIT_EXPECT_EQ(test, a->maps - a->unmaps, 1);
	KUNIT_EXPECT_EQ(test, a->last_map.phys, MOCK_ITS & PAGE_MASK);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			a->last_map.iova + (MOCK_ITS & ~PAGE_MASK));
}

/*
 * A forced switch that cannot bind for lack of memory (VFIO handing a group
 * back to its DMA domain) leaves the table LOST and queues the device: the
 * retry binds the pages in the domain the device is in and rewrites the
 * messages; while binding still fails it stays queued. A table LOST because
 * the domain cannot take doorbells at all (blocking), or because binding
 * failed for a reason that will not go away (-EIO here), is not retried.
 */
static void msi_doorbell_test_lost_retry(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *b = t->b;
	u64 fault_b = MOCK_WINDOW + SZ_1M - PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, bind(t, MOCK_ITS, 4), 0);
	KUNIT_ASSERT_EQ(test, switch_to(t, &mock_blocked, false), 0);
	KUNIT_EXPECT_FALSE(test, msi_doorbells_retry(t->dev, t->cur));
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			MOCK_ITS & ~PAGE_MASK);

	b->fail_at = 1;
	KUNIT_ASSERT_EQ(test, switch_to(t, &b->domain, true), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->dev->iommu->msi_retry));
	KUNIT_EXPECT_FALSE(test, msi_doorbells_retry(t->dev, t->cur));
	KUNIT_EXPECT_EQ(test, b->maps, 0);

	KUNIT_ASSERT_EQ(test, switch_to(t, &mock_blocked, false), 0);
	b->fail_err = -ENOMEM;
	KUNIT_ASSERT_EQ(test, switch_to(t, &b->domain, true), 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			fault_b + (MOCK_ITS & ~PAGE_MASK));
	KUNIT_EXPECT_FALSE(test, list_empty(&t->dev->iommu->msi_retry));

	/* Still failing: queued again, nothing mapped */
	b->fail_at = b->maps + 1;
	KUNIT_EXPECT_TRUE(test, msi_doorbells_retry(t->dev, t->cur));
	KUNIT_EXPECT_EQ(test, b->maps, 0);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			fault_b + (MOCK_ITS & ~PAGE_MASK));

	b->fail_at = 0;
	KUNIT_EXPECT_FALSE(test, msi_doorbells_retry(t->dev, t->cur));
	KUNIT_EXPECT_EQ(test, b->maps, 1);
	KUNIT_EXPECT_EQ(test, b->last_map.phys, MOCK_ITS & PAGE_MASK);
	KUNIT_EXPECT_EQ(test, translate(test, t->dev, MOCK_ITS),
			b->last_map.iova + (MOCK_ITS & ~PAGE_MASK));
	/* Bound: a late retry changes nothing */
	KUNIT_EXPECT_FALSE(test, msi_doorbells_retry(t->dev, t->cur));
	KUNIT_EXPECT_EQ(test, b->maps, 1);

	/* The release forgets the device */
	msi_doorbells_release(t->dev);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->dev->iommu->msi_retry));
}

/*
 * The compose side: msi_domain_set_affinity() of the MSI core, with a mock
 * MSI parent whose doorbell depends on the target CPU (one doorbell page per
 * CPU, as on some GICv2m implementations), run with interrupts disabled
 * under a raw spinlock as under irq_desc::lock. With
 * CONFIG_DEBUG_ATOMIC_SLEEP, anything that sleeps on that path is reported.
 */
#define MOCK_DB_CPU0	0x9000040UL
#define MOCK_DB_CPU1	0x9010040UL

static struct {
	unsigned int	cpu;
	unsigned int	writes;
	struct msi_msg	written;
} compose;

static void mock_parent_compose(struct irq_data *d, struct msi_msg *msg)
{
	phys_addr_t addr = compose.cpu ? MOCK_DB_CPU1 : MOCK_DB_CPU0;

	msg->address_hi = upper_32_bits(addr);
	msg->address_lo = lower_32_bits(addr);
	msg->data = 7;
}

static int mock_parent_set_affinity(struct irq_data *d,
				    const struct cpumask *mask, bool force)
{
	compose.cpu = cpumask_first(mask) & 1;
	return IRQ_SET_MASK_OK;
}

static struct irq_chip mock_parent_chip = {
	.name			= "mock-msi-parent",
	.irq_compose_msi_msg	= mock_parent_compose,
	.irq_set_affinity	= mock_parent_set_affinity,
};

static void mock_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	compose.written = *msg;
	compose.writes++;
}

static struct irq_chip mock_msi_chip = {
	.name			= "mock-msi",
	.irq_write_msi_msg	= mock_write_msg,
};

static int mock_report(struct irq_domain *domain, struct device *dev,
		       msi_alloc_info_t *arg, struct msi_doorbell *dbs,
		       unsigned int max)
{
	return 0;
}

static struct msi_domain_ops mock_msi_ops = {
	.msi_report_doorbells	= mock_report,
};

static DEFINE_RAW_SPINLOCK(mock_desc_lock);

/* One MSI of a device: its MSI domain below the mock parent */
struct mock_msi_irq {
	struct msi_domain_info	info;
	struct irq_domain	domain;
	struct msi_desc		desc;
	struct irq_common_data	common;
	struct irq_data		parent;
	struct irq_data		data;
};

static void mock_msi_irq_init(struct mock_msi_irq *m, struct device *dev)
{
	memset(m, 0, sizeof(*m));
	m->info.ops = &mock_msi_ops;
	m->info.chip = &mock_msi_chip;
	m->domain.host_data = &m->info;
	m->desc.dev = dev;
	m->common.msi_desc = &m->desc;
	m->parent.chip = &mock_parent_chip;
	m->data.irq = 1;
	m->data.common = &m->common;
	m->data.chip = &mock_msi_chip;
	m->data.domain = &m->domain;
	m->data.parent_data = &m->parent;
}

static void msi_doorbell_test_set_affinity(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	const struct msi_doorbell dbs[] = {
		{ MOCK_DB_CPU0, 4 }, { MOCK_DB_CPU1, 4 },
	};
	struct mock_domain *plain = mock_plain_domain(test, PAGE_SIZE);
	struct mock_msi_irq m;
	u64 iova0, iova1, written;
	unsigned int writes;
	unsigned long flags;
	int ret;

	mock_msi_irq_init(&m, t->dev);
	KUNIT_ASSERT_EQ(test, bind_all(t, dbs, 2), 0);
	iova0 = translate(test, t->dev, MOCK_DB_CPU0);
	iova1 = translate(test, t->dev, MOCK_DB_CPU1);
	KUNIT_ASSERT_NE(test, iova0, iova1);

	memset(&compose, 0, sizeof(compose));
	raw_spin_lock_irqsave(&mock_desc_lock, flags);
	ret = msi_domain_set_affinity(&m.data, cpumask_of(1), false);
	raw_spin_unlock_irqrestore(&mock_desc_lock, flags);
	KUNIT_EXPECT_EQ(test, ret, IRQ_SET_MASK_OK);
	KUNIT_EXPECT_EQ(test, compose.writes, 1);
	written = (u64)compose.written.address_hi << 32 | compose.written.address_lo;
	KUNIT_EXPECT_EQ(test, written, iova1);
	KUNIT_EXPECT_EQ(test, compose.written.data, 7);

	raw_spin_lock_irqsave(&mock_desc_lock, flags);
	ret = msi_domain_set_affinity(&m.data, cpumask_of(0), false);
	raw_spin_unlock_irqrestore(&mock_desc_lock, flags);
	KUNIT_EXPECT_EQ(test, ret, IRQ_SET_MASK_OK);
	KUNIT_EXPECT_EQ(test, compose.writes, 2);
	written = (u64)compose.written.address_hi << 32 | compose.written.address_lo;
	KUNIT_EXPECT_EQ(test, written, iova0);

	/* In an identity domain the same message carries the doorbell itself */
	msi_doorbells_release(t->dev);
	t->cur = &mock_identity;
	KUNIT_ASSERT_EQ(test, bind_all(t, dbs, 2), 0);
	raw_spin_lock_irqsave(&mock_desc_lock, flags);
	ret = msi_domain_set_affinity(&m.data, cpumask_of(1), false);
	raw_spin_unlock_irqrestore(&mock_desc_lock, flags);
	written = (u64)compose.written.address_hi << 32 | compose.written.address_lo;
	KUNIT_EXPECT_EQ(test, written, MOCK_DB_CPU1);

	/*
	 * Forced into a paging domain with neither an MSI cookie nor a bypass
	 * region: no address can be composed (the rewrite masks the vector),
	 * and an affinity change moves it in its parent, writing nothing.
	 */
	msi_doorbells_release(t->dev);
	t->cur = &t->a->domain;
	KUNIT_ASSERT_EQ(test, bind_all(t, dbs, 2), 0);
	KUNIT_ASSERT_EQ(test, switch_to(t, &plain->domain, true), 0);
	writes = compose.writes;
	raw_spin_lock_irqsave(&mock_desc_lock, flags);
	ret = msi_domain_set_affinity(&m.data, cpumask_of(0), false);
	raw_spin_unlock_irqrestore(&mock_desc_lock, flags);
	KUNIT_EXPECT_EQ(test, ret, IRQ_SET_MASK_OK);
	KUNIT_EXPECT_EQ(test, compose.writes, writes);
	KUNIT_EXPECT_EQ(test, compose.cpu, 0);

	/*
	 * A parent that composes a doorbell it never reported (a bug, which
	 * warns): the error is returned, nothing is written, and the parent
	 * is moved back to the affinity the interrupt keeps, so that its
	 * effective affinity matches the message that stays.
	 */
	msi_doorbells_release(t->dev);
	t->cur = &t->a->domain;
	KUNIT_ASSERT_EQ(test, bind_all(t, dbs, 1), 0);
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&m.common.affinity,
						   GFP_KERNEL));
	cpumask_copy(m.common.affinity, cpumask_of(0));
	writes = compose.writes;
	kunit_warning_suppress(test) {
		raw_spin_lock_irqsave(&mock_desc_lock, flags);
		ret = msi_domain_set_affinity(&m.data, cpumask_of(1), false);
		raw_spin_unlock_irqrestore(&mock_desc_lock, flags);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	free_cpumask_var(m.common.affinity);
	KUNIT_EXPECT_EQ(test, ret, -ENOENT);
	KUNIT_EXPECT_EQ(test, compose.writes, writes);
	KUNIT_EXPECT_EQ(test, compose.cpu, 0);
}

static const unsigned int lookup_pages[] = { 1, 16, 256 };

static void lookup_pages_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u pages", *n);
}

KUNIT_ARRAY_PARAM(lookup_pages, lookup_pages, lookup_pages_desc);

/*
 * A device holding 1, 16 or 256 doorbell pages: every page translates to its
 * own IOVA, and recomposing a message (what activation and set_affinity do)
 * costs the same whatever the number. The cost is reported for make bench,
 * not checked: it is emulated time.
 */
static void msi_doorbell_test_lookup_cost(struct kunit *test)
{
	const unsigned int *n = test->param_value, loops = 2000;
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *big = mock_msi_domain(test, (size_t)512 * PAGE_SIZE,
						  PAGE_SIZE);
	struct msi_doorbell *dbs;
	struct mock_msi_irq m;
	u64 out, ns_translate, ns_compose;
	unsigned long flags;
	unsigned int i;
	ktime_t start;

	mock_msi_irq_init(&m, t->dev);
	dbs = kunit_kcalloc(test, *n, sizeof(*dbs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dbs);
	/* The per-CPU doorbells of the mock parent, then more pages */
	dbs[0] = (struct msi_doorbell){ MOCK_DB_CPU0, 4 };
	for (i = 1; i < *n; i++)
		dbs[i] = (struct msi_doorbell){ MOCK_DB_CPU1 + (i - 1) * PAGE_SIZE, 4 };

	t->cur = &big->domain;
	KUNIT_ASSERT_EQ(test, bind_all(t, dbs, *n), 0);
	KUNIT_EXPECT_EQ(test, big->maps, *n);
	for (i = 0; i < *n; i++) {
		KUNIT_ASSERT_EQ(test,
				iommu_msi_doorbell_translate(t->dev, dbs[i].base,
							     &out), 0);
		KUNIT_EXPECT_EQ(test, out & ~PAGE_MASK, dbs[i].base & ~PAGE_MASK);
	}

	local_irq_save(flags);
	start = ktime_get();
	for (i = 0; i < loops; i++)
		iommu_msi_doorbell_translate(t->dev, dbs[*n / 2].base, &out);
	ns_translate = ktime_to_ns(ktime_sub(ktime_get(), start)) / loops;
	local_irq_restore(flags);

	raw_spin_lock_irqsave(&mock_desc_lock, flags);
	start = ktime_get();
	/* With one page only CPU0's doorbell is bound */
	for (i = 0; i < loops; i++)
		msi_domain_set_affinity(&m.data, cpumask_of(*n > 1 ? i & 1 : 0),
					false);
	ns_compose = ktime_to_ns(ktime_sub(ktime_get(), start)) / loops;
	raw_spin_unlock_irqrestore(&mock_desc_lock, flags);
	KUNIT_EXPECT_EQ(test, (u64)compose.written.address_hi << 32 |
			compose.written.address_lo,
			translate(test, t->dev, *n > 1 && (i - 1) & 1 ?
				  MOCK_DB_CPU1 : MOCK_DB_CPU0));

	kunit_info(test, "BENCH-LOOKUP pages=%u translate_ns=%llu set_affinity_ns=%llu\n",
		   *n, ns_translate, ns_compose);
}

static struct kunit_case msi_doorbell_test_cases[] = {
	KUNIT_CASE(msi_doorbell_test_bind_release),
	KUNIT_CASE(msi_doorbell_test_shared),
	KUNIT_CASE(msi_doorbell_test_window_full),
	KUNIT_CASE_PARAM(msi_doorbell_test_map_fails, fail_point_gen_params),
	KUNIT_CASE(msi_doorbell_test_malformed),
	KUNIT_CASE(msi_doorbell_test_overlap),
	KUNIT_CASE(msi_doorbell_test_untranslated),
	KUNIT_CASE(msi_doorbell_test_bypass_region),
	KUNIT_CASE(msi_doorbell_test_switch),
	KUNIT_CASE(msi_doorbell_test_switch_fails),
	KUNIT_CASE(msi_doorbell_test_built_at_attach),
	KUNIT_CASE(msi_doorbell_test_blocked_and_back),
	KUNIT_CASE(msi_doorbell_test_lost_paths),
	KUNIT_CASE(msi_doorbell_test_lost_retry),
	KUNIT_CASE(msi_doorbell_test_set_affinity),
	KUNIT_CASE_PARAM(msi_doorbell_test_lookup_cost, lookup_pages_gen_params),
	{}
};

static struct kunit_suite msi_doorbell_test_suite = {
	.name		= "iommu_msi_doorbell",
	.init		= msi_doorbell_test_init,
	.exit		= msi_doorbell_test_exit,
	.test_cases	= msi_doorbell_test_cases,
};

kunit_test_suite(msi_doorbell_test_suite);
