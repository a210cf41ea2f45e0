// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for MSI doorbell reports, maps and their IOMMU bindings.
 *
 * A mock paging IOMMU domain with an MSI cookie counts the map and unmap
 * calls it gets and can fail the k-th map. Mock MSI parents are report
 * callbacks filling a &struct msi_doorbell_report the way a controller
 * driver does.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/msi.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include "dma-iommu.h"
#include "iommu-priv.h"

#define MOCK_WINDOW_BASE	0x8000000UL
#define MOCK_DOORBELL		0x8090000UL	/* GITS_TRANSLATER page */

struct mock_domain {
	struct iommu_domain	domain;
	unsigned int		maps;
	unsigned int		unmaps;
	unsigned int		fail_at;	/* fail the fail_at-th map, 0: never */
};

static struct mock_domain *to_mock(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_domain, domain);
}

static int mock_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_domain *mock = to_mock(domain);

	if (mock->fail_at && mock->maps + 1 == mock->fail_at)
		return -EIO;
	/* Doorbells are device-writable MMIO, never executable nor readable */
	if (prot != (IOMMU_WRITE | IOMMU_MMIO | IOMMU_NOEXEC))
		return -EPERM;
	mock->maps++;
	*mapped = pgsize * pgcount;
	return 0;
}

static size_t mock_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	to_mock(domain)->unmaps++;
	return pgsize * pgcount;
}

static const struct iommu_domain_ops mock_domain_ops = {
	.map_pages	= mock_map_pages,
	.unmap_pages	= mock_unmap_pages,
};

struct msi_doorbell_test {
	struct device		*dev;
	struct device		*dev2;
	struct mock_domain	*mock;
};

static void mock_domain_free(void *data)
{
	struct mock_domain *mock = data;

	iommu_put_dma_cookie(&mock->domain);
}

/* A paging domain with an MSI window of @window bytes at MOCK_WINDOW_BASE */
static struct mock_domain *mock_domain_alloc(struct kunit *test, size_t window)
{
	struct mock_domain *mock = kunit_kzalloc(test, sizeof(*mock), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mock);
	mock->domain.type = IOMMU_DOMAIN_UNMANAGED;
	mock->domain.ops = &mock_domain_ops;
	mock->domain.pgsize_bitmap = PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, iommu_get_msi_cookie(&mock->domain, MOCK_WINDOW_BASE, window), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mock_domain_free, mock), 0);
	return mock;
}

static int msi_doorbell_test_init(struct kunit *test)
{
	struct msi_doorbell_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->dev = kunit_device_register(test, "msi-doorbell-dev0");
	t->dev2 = kunit_device_register(test, "msi-doorbell-dev1");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev2);
	t->mock = mock_domain_alloc(test, SZ_1M);
	test->priv = t;
	return 0;
}

static void map_free(void *map)
{
	kfree(map);
}

/* Bind @dbs for @dev on top of @old, as a prepare does; NULL old ok */
static struct msi_doorbell_map *bind(struct kunit *test, struct device *dev,
				     struct iommu_domain *domain,
				     struct msi_doorbell_map *old,
				     const struct msi_doorbell *dbs, unsigned int nr)
{
	struct msi_doorbell_map *map;

	map = iommu_msi_doorbell_map_extend(dev, domain, old, dbs, nr);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(map), "extend failed: %ld", PTR_ERR(map));
	if (!map)
		return old;
	kfree(old);
	return map;
}

static void unbind(struct device *dev, struct msi_doorbell_map *map)
{
	iommu_msi_doorbell_map_release(dev, map);
	kfree(map);
}

static const struct msi_doorbell its_doorbell[] = {
	{ .base = MOCK_DOORBELL, .size = PAGE_SIZE },
};

/* Mappings are the distinct pages, whatever the number of vectors prepared */
static void msi_doorbell_test_vectors(struct kunit *test)
{
	const unsigned int *nvec = test->param_value;
	struct msi_doorbell_test *t = test->priv;
	struct msi_doorbell_map *map = NULL;
	dma_addr_t iova;
	unsigned int i;

	/* Each vector allocation (dynamic MSI-X) prepares the device again */
	for (i = 0; i < *nvec; i++)
		map = bind(test, t->dev, &t->mock->domain, map, its_doorbell, 1);

	KUNIT_EXPECT_EQ(test, t->mock->maps, 1);
	KUNIT_ASSERT_EQ(test, map->nr, 1);
	KUNIT_EXPECT_TRUE(test, msi_doorbell_map_lookup(map, MOCK_DOORBELL + 0x40, &iova));
	KUNIT_EXPECT_EQ(test, iova, MOCK_WINDOW_BASE + 0x40);
	unbind(t->dev, map);
	KUNIT_EXPECT_EQ(test, t->mock->unmaps, 1);
}

static const unsigned int nvecs[] = { 1, 32, 2048 };

static void nvec_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u vectors", *n);
}

KUNIT_ARRAY_PARAM(nvec, nvecs, nvec_desc);

/* Two devices share a page: mapped once, unmapped after both released */
static void msi_doorbell_test_shared(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct msi_doorbell_map *a, *b;

	a = bind(test, t->dev, &t->mock->domain, NULL, its_doorbell, 1);
	b = bind(test, t->dev2, &t->mock->domain, NULL, its_doorbell, 1);
	KUNIT_EXPECT_EQ(test, t->mock->maps, 1);
	KUNIT_EXPECT_EQ(test, a->pages[0].iova, b->pages[0].iova);

	unbind(t->dev, a);
	KUNIT_EXPECT_EQ(test, t->mock->unmaps, 0);
	unbind(t->dev2, b);
	KUNIT_EXPECT_EQ(test, t->mock->unmaps, 1);
}

/* A repeated prepare with the same doorbells returns NULL: no new reference */
static void msi_doorbell_test_reprepare(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct msi_doorbell_map *map;

	map = bind(test, t->dev, &t->mock->domain, NULL, its_doorbell, 1);
	KUNIT_EXPECT_NULL(test, iommu_msi_doorbell_map_extend(t->dev, &t->mock->domain, map,
							      its_doorbell, 1));
	unbind(t->dev, map);
	/* One reference was held: one put unmapped the page */
	KUNIT_EXPECT_EQ(test, t->mock->unmaps, 1);
	KUNIT_EXPECT_EQ(test, t->mock->maps, 1);
}

/* Two per-CPU doorbells, as a controller with one frame per CPU reports */
static const struct msi_doorbell percpu_doorbells[] = {
	{ .base = 0x9000000, .size = PAGE_SIZE },	/* CPU0 frame */
	{ .base = 0x9010000, .size = PAGE_SIZE },	/* CPU1 frame */
};

/* Stands for irq_desc::lock */
static DEFINE_RAW_SPINLOCK(msi_doorbell_test_lock);

/*
 * The compose path: look up under a raw spinlock with interrupts off, as
 * msi_domain_activate() and msi_domain_set_affinity() run under
 * irq_desc::lock. An affinity change to the other CPU finds the other
 * page's IOVA and maps nothing.
 */
static void msi_doorbell_test_atomic_lookup(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct msi_doorbell_map *map;
	dma_addr_t cpu0, cpu1, none;
	unsigned long flags;
	bool found0, found1, found_none;

	map = bind(test, t->dev, &t->mock->domain, NULL, percpu_doorbells, 2);
	KUNIT_ASSERT_EQ(test, t->mock->maps, 2);

	raw_spin_lock_irqsave(&msi_doorbell_test_lock, flags);
	found0 = msi_doorbell_map_lookup(map, 0x9000040, &cpu0);
	found1 = msi_doorbell_map_lookup(map, 0x9010040, &cpu1);
	found_none = msi_doorbell_map_lookup(map, 0x9020040, &none);
	raw_spin_unlock_irqrestore(&msi_doorbell_test_lock, flags);

	KUNIT_EXPECT_TRUE(test, found0);
	KUNIT_EXPECT_TRUE(test, found1);
	/* A doorbell nobody reported has no binding: the caller must fail */
	KUNIT_EXPECT_FALSE(test, found_none);
	KUNIT_EXPECT_NE(test, cpu0 & PAGE_MASK, cpu1 & PAGE_MASK);
	KUNIT_EXPECT_EQ(test, cpu0 & ~PAGE_MASK, 0x40);
	KUNIT_EXPECT_EQ(test, cpu1 & ~PAGE_MASK, 0x40);
	KUNIT_EXPECT_EQ(test, t->mock->maps, 2);
	unbind(t->dev, map);
	KUNIT_EXPECT_EQ(test, t->mock->unmaps, 2);
}

/* Fail the k-th map for every k: nothing mapped, no IOVA kept */
static void msi_doorbell_test_fail_nth(struct kunit *test)
{
	static const struct msi_doorbell four[] = {
		{ .base = 0x9000000, .size = 4 * PAGE_SIZE },
	};
	struct msi_doorbell_test *t = test->priv;
	struct msi_doorbell_map *map;
	unsigned int k;

	for (k = 1; k <= 4; k++) {
		struct mock_domain *mock = mock_domain_alloc(test, SZ_1M);

		mock->fail_at = k;
		map = iommu_msi_doorbell_map_extend(t->dev, &mock->domain, NULL, four, 1);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(map), -EIO, "fail at map %u", k);
		KUNIT_EXPECT_EQ_MSG(test, mock->maps, mock->unmaps, "fail at map %u", k);

		/* Every IOVA went back: a full bind now starts at the window base */
		mock->fail_at = 0;
		map = bind(test, t->dev, &mock->domain, NULL, four, 1);
		KUNIT_EXPECT_EQ(test, map->pages[0].iova, MOCK_WINDOW_BASE);
		KUNIT_EXPECT_EQ(test, map->pages[3].iova, MOCK_WINDOW_BASE + 3 * PAGE_SIZE);
		unbind(t->dev, map);
		KUNIT_EXPECT_EQ(test, mock->maps, mock->unmaps);
	}
}

/* Identity, blocked or no IOMMU: nothing mapped, the map only records pages */
static void msi_doorbell_test_no_translation(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct iommu_domain identity = { .type = IOMMU_DOMAIN_IDENTITY };
	struct msi_doorbell_map *map;

	map = bind(test, t->dev, &identity, NULL, its_doorbell, 1);
	KUNIT_EXPECT_NULL(test, map->domain);
	KUNIT_EXPECT_EQ(test, map->nr, 1);
	unbind(t->dev, map);

	map = bind(test, t->dev, NULL, NULL, its_doorbell, 1);
	KUNIT_EXPECT_NULL(test, map->domain);
	unbind(t->dev, map);
	KUNIT_EXPECT_EQ(test, t->mock->maps, 0);
}

/* A full MSI window answers -ENOSPC, leaves nothing behind, and reuses slots */
static void msi_doorbell_test_window(struct kunit *test)
{
	static const struct msi_doorbell five[] = {
		{ .base = 0x9000000, .size = 5 * PAGE_SIZE },
	};
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *mock = mock_domain_alloc(test, 4 * PAGE_SIZE);
	struct msi_doorbell_map *map;
	dma_addr_t iova;
	unsigned int i;

	map = iommu_msi_doorbell_map_extend(t->dev, &mock->domain, NULL, five, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(map), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mock->maps, 4);
	KUNIT_EXPECT_EQ(test, mock->unmaps, 4);

	for (i = 0; i < 100000; i++) {
		if (iommu_dma_get_msi_page(t->dev, &mock->domain, 0x9000000 + (i % 8) * PAGE_SIZE,
					   0, &iova)) {
			KUNIT_FAIL(test, "window exhausted after %u get/put cycles", i);
			break;
		}
		iommu_dma_put_msi_page(t->dev, &mock->domain, 0x9000000 + (i % 8) * PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, mock->maps, mock->unmaps);
}

/* A doorbell the IOMMU cannot map at its granule is rejected, nothing mapped */
static void msi_doorbell_test_unaligned(struct kunit *test)
{
	static const struct msi_doorbell bad[] = {
		{ .base = MOCK_DOORBELL + 0x40, .size = PAGE_SIZE },
	};
	struct msi_doorbell_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, PTR_ERR(iommu_msi_doorbell_map_extend(t->dev, &t->mock->domain,
								    NULL, bad, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->mock->maps, 0);
}

/* Bind @old's pages in @to as a domain switch does, then drop @old */
static struct msi_doorbell_map *switch_domain(struct kunit *test, struct device *dev,
					      struct iommu_domain *to,
					      struct msi_doorbell_map *old)
{
	struct msi_doorbell_map *map = iommu_msi_doorbell_map_rebind(dev, to, old);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(map), "rebind failed: %ld", PTR_ERR(map));
	unbind(dev, old);
	return map;
}

/* A switch between two MSI windows keeps the IOVA: messages stay valid */
static void msi_doorbell_test_switch_same_iova(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *b = mock_domain_alloc(test, SZ_1M);
	struct msi_doorbell_map *map;
	dma_addr_t before, after;

	map = bind(test, t->dev, &t->mock->domain, NULL, percpu_doorbells, 2);
	KUNIT_ASSERT_TRUE(test, msi_doorbell_map_lookup(map, 0x9010040, &before));
	map = switch_domain(test, t->dev, &b->domain, map);
	KUNIT_EXPECT_PTR_EQ(test, map->domain, &b->domain);
	KUNIT_ASSERT_TRUE(test, msi_doorbell_map_lookup(map, 0x9010040, &after));
	KUNIT_EXPECT_EQ(test, before, after);
	KUNIT_EXPECT_EQ(test, b->maps, 2);
	/* The old domain's pages are gone with the old map */
	KUNIT_EXPECT_EQ(test, t->mock->unmaps, 2);
	unbind(t->dev, map);
	KUNIT_EXPECT_EQ(test, b->unmaps, 2);
}

/* The new domain already uses the IOVA for another page: a new IOVA */
static void msi_doorbell_test_switch_other_iova(struct kunit *test)
{
	static const struct msi_doorbell other[] = { { .base = 0xa000000, .size = PAGE_SIZE } };
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *b = mock_domain_alloc(test, SZ_1M);
	struct msi_doorbell_map *map, *map2;
	dma_addr_t before, after;

	map2 = bind(test, t->dev2, &b->domain, NULL, other, 1);
	map = bind(test, t->dev, &t->mock->domain, NULL, its_doorbell, 1);
	KUNIT_ASSERT_TRUE(test, msi_doorbell_map_lookup(map, MOCK_DOORBELL + 0x40, &before));
	map = switch_domain(test, t->dev, &b->domain, map);
	KUNIT_ASSERT_TRUE(test, msi_doorbell_map_lookup(map, MOCK_DOORBELL + 0x40, &after));
	KUNIT_EXPECT_NE(test, before, after);
	KUNIT_EXPECT_EQ(test, after, MOCK_WINDOW_BASE + PAGE_SIZE + 0x40);
	unbind(t->dev, map);
	unbind(t->dev2, map2);
	KUNIT_EXPECT_EQ(test, b->maps, b->unmaps);
	KUNIT_EXPECT_EQ(test, t->mock->maps, t->mock->unmaps);
}

/* Failing at every map of the switch leaves the old bindings intact */
static void msi_doorbell_test_switch_fail_nth(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct msi_doorbell_map *map, *next;
	dma_addr_t iova;
	unsigned int k;

	map = bind(test, t->dev, &t->mock->domain, NULL, percpu_doorbells, 2);
	for (k = 1; k <= 2; k++) {
		struct mock_domain *b = mock_domain_alloc(test, SZ_1M);

		b->fail_at = k;
		next = iommu_msi_doorbell_map_rebind(t->dev, &b->domain, map);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(next), -EIO, "fail at map %u", k);
		KUNIT_EXPECT_EQ_MSG(test, b->maps, b->unmaps, "fail at map %u", k);
		KUNIT_EXPECT_TRUE(test, msi_doorbell_map_lookup(map, 0x9000040, &iova));
		KUNIT_EXPECT_EQ(test, t->mock->unmaps, 0);
	}
	unbind(t->dev, map);
	KUNIT_EXPECT_EQ(test, t->mock->unmaps, 2);
}

/* Switching there and back leaks no reference in either domain */
static void msi_doorbell_test_switch_back(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct mock_domain *b = mock_domain_alloc(test, SZ_1M);
	struct iommu_domain identity = { .type = IOMMU_DOMAIN_IDENTITY };
	struct msi_doorbell_map *map;
	unsigned int i;

	map = bind(test, t->dev, &t->mock->domain, NULL, percpu_doorbells, 2);
	for (i = 0; i < 50; i++) {
		map = switch_domain(test, t->dev, &b->domain, map);
		map = switch_domain(test, t->dev, &identity, map);
		KUNIT_EXPECT_NULL(test, map->domain);
		map = switch_domain(test, t->dev, &t->mock->domain, map);
	}
	KUNIT_EXPECT_EQ(test, map->nr, 2);
	unbind(t->dev, map);
	KUNIT_EXPECT_EQ(test, b->maps, b->unmaps);
	KUNIT_EXPECT_EQ(test, t->mock->maps, t->mock->unmaps);
	KUNIT_EXPECT_EQ(test, b->maps, 100);
}

/* A device forced into a domain where binding failed composes nothing */
static void msi_doorbell_test_switch_empty(struct kunit *test)
{
	struct msi_doorbell_test *t = test->priv;
	struct msi_doorbell_map *map = iommu_msi_doorbell_map_empty(&t->mock->domain);
	dma_addr_t iova;

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	KUNIT_EXPECT_PTR_EQ(test, map->domain, &t->mock->domain);
	KUNIT_EXPECT_FALSE(test, msi_doorbell_map_lookup(map, MOCK_DOORBELL, &iova));
	unbind(t->dev, map);
}

static struct kunit_case msi_doorbell_map_cases[] = {
	KUNIT_CASE_PARAM(msi_doorbell_test_vectors, nvec_gen_params),
	KUNIT_CASE(msi_doorbell_test_shared),
	KUNIT_CASE(msi_doorbell_test_reprepare),
	KUNIT_CASE(msi_doorbell_test_atomic_lookup),
	KUNIT_CASE(msi_doorbell_test_fail_nth),
	KUNIT_CASE(msi_doorbell_test_no_translation),
	KUNIT_CASE(msi_doorbell_test_window),
	KUNIT_CASE(msi_doorbell_test_unaligned),
	KUNIT_CASE(msi_doorbell_test_switch_same_iova),
	KUNIT_CASE(msi_doorbell_test_switch_other_iova),
	KUNIT_CASE(msi_doorbell_test_switch_fail_nth),
	KUNIT_CASE(msi_doorbell_test_switch_back),
	KUNIT_CASE(msi_doorbell_test_switch_empty),
	{}
};

static struct kunit_suite msi_doorbell_map_suite = {
	.name = "iommu_msi_doorbell",
	.init = msi_doorbell_test_init,
	.test_cases = msi_doorbell_map_cases,
};

/* Malformed reports from a mock MSI parent */
struct report_case {
	const char *name;
	unsigned int announce;
	unsigned int nr;
	struct msi_doorbell dbs[3];
	int ret;
};

static const struct report_case report_cases[] = {
	{ "valid", 2, 2, { { 0x9000000, PAGE_SIZE }, { 0x9010000, 2 * PAGE_SIZE } }, 0 },
	{ "size zero", 1, 1, { { 0x9000000, 0 } }, -EINVAL },
	{ "wraps", 1, 1, { { (phys_addr_t)-PAGE_SIZE, 2 * PAGE_SIZE } }, -EINVAL },
	{ "unaligned base", 1, 1, { { 0x9000040, PAGE_SIZE } }, -EINVAL },
	{ "unaligned size", 1, 1, { { 0x9000000, 0x40 } }, -EINVAL },
	{ "duplicate", 2, 2, { { 0x9000000, PAGE_SIZE }, { 0x9000000, PAGE_SIZE } }, -EINVAL },
	{ "overlap", 2, 2, { { 0x9000000, 2 * PAGE_SIZE }, { 0x9001000, PAGE_SIZE } }, -EINVAL },
	{ "more than announced", 1, 2, { { 0x9000000, PAGE_SIZE }, { 0x9010000, PAGE_SIZE } },
	  -EINVAL },
	{ "none", 1, 0, { }, -EINVAL },
};

static void report_case_desc(const struct report_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(report, report_cases, report_case_desc);

static void msi_doorbell_test_report(struct kunit *test)
{
	const struct report_case *c = test->param_value;
	struct msi_doorbell_report report = { };
	struct device *dev = kunit_device_register(test, "msi-doorbell-report");
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, msi_doorbell_report_announce(&report, c->announce), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, map_free, report.doorbells), 0);
	/* Announcing twice is a driver bug */
	KUNIT_EXPECT_EQ(test, msi_doorbell_report_announce(&report, 1), -EINVAL);
	for (i = 0; i < c->nr; i++)
		msi_doorbell_report_add(&report, c->dbs[i].base, c->dbs[i].size);
	KUNIT_EXPECT_EQ(test, msi_doorbell_report_validate(dev, "mock-msi-parent", &report),
			c->ret);
}

static struct kunit_case msi_doorbell_report_cases[] = {
	KUNIT_CASE_PARAM(msi_doorbell_test_report, report_gen_params),
	{}
};

static struct kunit_suite msi_doorbell_report_suite = {
	.name = "msi_doorbell_report",
	.test_cases = msi_doorbell_report_cases,
};

kunit_test_suites(&msi_doorbell_report_suite, &msi_doorbell_map_suite);

MODULE_DESCRIPTION("KUnit tests for MSI doorbell premapping");
MODULE_LICENSE("GPL");
