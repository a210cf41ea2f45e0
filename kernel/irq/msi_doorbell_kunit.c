// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for MSI doorbell reports: what the MSI core does with the
 * doorbells an MSI parent reports before it allocates vectors, and when it
 * takes and drops a device's hold on them as vectors come and go. Included
 * at the end of kernel/irq/msi.c to reach msi_domain_bind_doorbells().
 *
 * No IOMMU domain translates for the devices here, so that the binding
 * itself is trivial and only the MSI core's part is under test;
 * drivers/iommu/msi-doorbell.c has the tests of the binding.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/iommu.h>
#include <linux/kthread.h>

static int mock_report_ret;
/* With @mock_report_frames, reports that many doorbells, one per page */
static unsigned int mock_report_frames;
static unsigned int mock_report_calls;
static unsigned int mock_report_last_max;

static int mock_report(struct irq_domain *domain, struct device *dev,
		       msi_alloc_info_t *arg, struct msi_doorbell *dbs,
		       unsigned int max)
{
	unsigned int i;

	mock_report_calls++;
	mock_report_last_max = max;
	if (mock_report_frames) {
		if (mock_report_frames > max)
			return -E2BIG;
		for (i = 0; i < mock_report_frames; i++) {
			dbs[i].base = 0x9000040 + (phys_addr_t)i * SZ_64K;
			dbs[i].size = sizeof(u32);
		}
		return mock_report_frames;
	}
	if (mock_report_ret > 0) {
		dbs[0].base = 0x9000040;
		dbs[0].size = sizeof(u32);
	}
	return mock_report_ret;
}

struct msi_report_test {
	struct device		*dev;
	struct msi_parent_ops	pops;
	struct irq_domain	parent;
	struct msi_domain_ops	ops;
	struct msi_domain_info	info;
	struct irq_domain	child;
};

static int msi_report_test_init(struct kunit *test)
{
	struct msi_report_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->dev = kunit_device_register(test, "msi-report-dev");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev);
	t->pops.iommu_doorbells = true;
	t->parent.flags = IRQ_DOMAIN_FLAG_MSI_PARENT;
	t->parent.msi_parent_ops = &t->pops;
	t->info.ops = &t->ops;
	t->child.name = "mock-child";
	t->child.parent = &t->parent;
	t->child.host_data = &t->info;
	test->priv = t;
	return 0;
}

/*
 * A domain below a parent whose doorbells go through the IOMMU must report
 * them (a legacy domain stacked on the ITS, such as CDX): without the
 * callback the allocation fails instead of composing an untranslated address.
 */
static void msi_report_test_required(struct kunit *test)
{
	struct msi_report_test *t = test->priv;
	msi_alloc_info_t arg = { };

	KUNIT_EXPECT_EQ(test, msi_domain_bind_doorbells(&t->child, t->dev, &arg),
			-EINVAL);

	/* Parents that need nothing (say, a doorbell inside the host bridge) */
	t->pops.iommu_doorbells = false;
	KUNIT_EXPECT_EQ(test, msi_domain_bind_doorbells(&t->child, t->dev, &arg),
			0);
}

/* What the callback returns decides the allocation */
static void msi_report_test_results(struct kunit *test)
{
	struct msi_report_test *t = test->priv;
	msi_alloc_info_t arg = { };

	t->ops.msi_report_doorbells = mock_report;
	mock_report_ret = 1;
	KUNIT_EXPECT_EQ(test, msi_domain_bind_doorbells(&t->child, t->dev, &arg),
			0);
	mock_report_ret = 0;
	KUNIT_EXPECT_EQ(test, msi_domain_bind_doorbells(&t->child, t->dev, &arg),
			-EINVAL);
	mock_report_ret = -E2BIG;
	KUNIT_EXPECT_EQ(test, msi_domain_bind_doorbells(&t->child, t->dev, &arg),
			-E2BIG);
	mock_report_ret = MSI_DOORBELLS_MAX + 1;
	KUNIT_EXPECT_EQ(test, msi_domain_bind_doorbells(&t->child, t->dev, &arg),
			-EINVAL);
}

/*
 * A parent with more doorbells than the first array holds (a GICv2m with
 * more than MSI_DOORBELLS_MAX frames) answers -E2BIG and is offered twice
 * the room until they fit; past MSI_DOORBELLS_LIMIT the allocation fails.
 */
static void msi_report_test_many(struct kunit *test)
{
	struct msi_report_test *t = test->priv;
	msi_alloc_info_t arg = { };

	t->ops.msi_report_doorbells = mock_report;
	mock_report_frames = 3 * MSI_DOORBELLS_MAX;
	mock_report_calls = 0;
	KUNIT_EXPECT_EQ(test, msi_domain_bind_doorbells(&t->child, t->dev, &arg),
			0);
	KUNIT_EXPECT_EQ(test, mock_report_calls, 3);
	KUNIT_EXPECT_EQ(test, mock_report_last_max, 4 * MSI_DOORBELLS_MAX);

	mock_report_frames = MSI_DOORBELLS_LIMIT + 1;
	mock_report_calls = 0;
	KUNIT_EXPECT_EQ(test, msi_domain_bind_doorbells(&t->child, t->dev, &arg),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, mock_report_last_max, MSI_DOORBELLS_LIMIT);
	KUNIT_EXPECT_EQ(test, mock_report_calls,
			ilog2(MSI_DOORBELLS_LIMIT / MSI_DOORBELLS_MAX) + 1);
	mock_report_frames = 0;
}

static struct kunit_case msi_report_test_cases[] = {
	KUNIT_CASE(msi_report_test_required),
	KUNIT_CASE(msi_report_test_results),
	KUNIT_CASE(msi_report_test_many),
	{}
};

static struct kunit_suite msi_report_test_suite = {
	.name		= "msi_doorbell_report",
	.init		= msi_report_test_init,
	.test_cases	= msi_report_test_cases,
};

/*
 * Vectors allocated and freed one at a time through the MSI core, as
 * pci_msix_alloc_irq_at() and pci_msix_free_irq() do them: a device MSI
 * domain below a mock MSI parent. The device is in an IOMMU group that has no
 * domain yet, so that its doorbells are bound untranslated: under test is
 * when the core takes the device's hold on them (before each allocation) and
 * when it drops it (with the last vector), which iommu_msi_doorbell_translate()
 * shows: -ENOENT once nothing is held.
 */
#define MOCK_ALLOC_DOORBELL	0x9000040UL
#define MOCK_ALLOC_DOORBELL2	0x9010040UL
#define MOCK_ALLOC_CLEAR	0x9000048UL

struct msi_alloc_test {
	struct device		*dev;
	struct fwnode_handle	*fwnode;
	struct irq_domain	*parent;
	struct iommu_group	*group;
	unsigned int		reports;
	unsigned int		writes;
	unsigned int		masks;
	unsigned int		bus_locks;
	unsigned int		bus_unlocks;
	bool			fail_alloc;
	bool			block_in_bus_lock;
	struct completion	in_bus_lock;
	struct completion	leave_bus_lock;
	struct completion	rewritten;
	struct completion	freed;
	unsigned int		free_index;
	u64			doorbell;
	u64			clear;
	struct msi_msg		written;
};

static int mock_alloc_report(struct irq_domain *domain, struct device *dev,
			     msi_alloc_info_t *arg, struct msi_doorbell *dbs,
			     unsigned int max)
{
	struct msi_domain_info *info = domain->host_data;
	struct msi_alloc_test *t = info->data;

	t->reports++;
	dbs[0].base = MOCK_ALLOC_DOORBELL;
	dbs[0].size = sizeof(u32);
	return 1;
}

/* The doorbell composed can move under the test; @clear makes a level MSI */
static void mock_alloc_compose(struct irq_data *d, struct msi_msg *msg)
{
	struct msi_alloc_test *t = irq_data_get_irq_chip_data(d);

	msg[0].address_hi = upper_32_bits(t->doorbell);
	msg[0].address_lo = lower_32_bits(t->doorbell);
	msg[0].data = d->hwirq;
	if (t->clear) {
		msg[1].address_hi = upper_32_bits(t->clear);
		msg[1].address_lo = lower_32_bits(t->clear);
		msg[1].data = d->hwirq;
	}
}

static struct irq_chip mock_alloc_parent_chip = {
	.name			= "mock-msi-parent",
	.irq_compose_msi_msg	= mock_alloc_compose,
};

static int mock_alloc_parent_alloc(struct irq_domain *domain, unsigned int virq,
				   unsigned int nr_irqs, void *arg)
{
	struct msi_alloc_test *t = domain->host_data;
	msi_alloc_info_t *info = arg;
	unsigned int i;

	if (t->fail_alloc)
		return -ENOMEM;
	for (i = 0; i < nr_irqs; i++)
		irq_domain_set_hwirq_and_chip(domain, virq + i,
					      info->desc->msi_index + i,
					      &mock_alloc_parent_chip, t);
	return 0;
}

static const struct irq_domain_ops mock_alloc_parent_ops = {
	.alloc	= mock_alloc_parent_alloc,
	.free	= irq_domain_free_irqs_common,
};

static bool mock_alloc_init_dev_msi_info(struct device *dev,
					 struct irq_domain *domain,
					 struct irq_domain *real_parent,
					 struct msi_domain_info *info)
{
	return true;
}

static const struct msi_parent_ops mock_alloc_parent_pops = {
	.prefix			= "mock-",
	.iommu_doorbells	= true,
	.init_dev_msi_info	= mock_alloc_init_dev_msi_info,
};

static void mock_alloc_irq_nop(struct irq_data *d)
{
}

static void mock_alloc_irq_mask(struct irq_data *d)
{
	struct msi_alloc_test *t = irq_data_get_irq_chip_data(d);

	t->masks++;
}

/* Caches what it wrote in the descriptor, as PCI/MSI does */
static void mock_alloc_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	struct msi_alloc_test *t = irq_data_get_irq_chip_data(d);

	t->writes++;
	t->written = *msg;
	irq_data_get_msi_desc(d)->msg = *msg;
}

/* With @block_in_bus_lock, the rewrite waits here until told to go on */
static void mock_alloc_bus_lock(struct irq_data *d)
{
	struct msi_alloc_test *t = irq_data_get_irq_chip_data(d);

	t->bus_locks++;
	if (t->block_in_bus_lock) {
		complete(&t->in_bus_lock);
		wait_for_completion(&t->leave_bus_lock);
	}
}

static void mock_alloc_bus_sync_unlock(struct irq_data *d)
{
	struct msi_alloc_test *t = irq_data_get_irq_chip_data(d);

	t->bus_unlocks++;
}

/* The vector's index is its hardware number, as for PCI/MSI-X */
static void mock_alloc_set_desc(msi_alloc_info_t *arg, struct msi_desc *desc)
{
	arg->desc = desc;
	arg->hwirq = desc->msi_index;
}

static const struct msi_domain_template mock_alloc_template = {
	.chip = {
		.name			= "mock-msix",
		.irq_mask		= mock_alloc_irq_mask,
		.irq_unmask		= mock_alloc_irq_nop,
		.irq_write_msi_msg	= mock_alloc_write_msg,
		.irq_bus_lock		= mock_alloc_bus_lock,
		.irq_bus_sync_unlock	= mock_alloc_bus_sync_unlock,
		.flags			= IRQCHIP_SUPPORTS_LEVEL_MSI,
	},
	.ops = {
		.set_desc		= mock_alloc_set_desc,
		.msi_report_doorbells	= mock_alloc_report,
	},
	.info = {
		.flags		= MSI_FLAG_USE_DEF_DOM_OPS |
				  MSI_FLAG_USE_DEF_CHIP_OPS |
				  MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS |
				  MSI_FLAG_FREE_MSI_DESCS |
				  MSI_FLAG_ACTIVATE_EARLY |
				  MSI_FLAG_LEVEL_CAPABLE,
		.bus_token	= DOMAIN_BUS_DEVICE_MSI,
	},
};

static int msi_alloc_test_init(struct kunit *test)
{
	struct msi_alloc_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct irq_domain_info dinfo = {
		.ops		= &mock_alloc_parent_ops,
		.hwirq_max	= 64,
		.host_data	= t,
	};
	struct dev_iommu *param;

	if (!IS_ENABLED(CONFIG_IRQ_MSI_IOMMU) || !IS_ENABLED(CONFIG_IOMMU_API))
		kunit_skip(test, "needs CONFIG_IRQ_MSI_IOMMU and CONFIG_IOMMU_API");

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->doorbell = MOCK_ALLOC_DOORBELL;
	test->priv = t;
	t->dev = kunit_device_register(test, "msi-alloc-dev");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev);

	t->fwnode = irq_domain_alloc_named_fwnode("msi-alloc-parent");
	KUNIT_ASSERT_NOT_NULL(test, t->fwnode);
	dinfo.fwnode = t->fwnode;
	t->parent = msi_create_parent_irq_domain(&dinfo, &mock_alloc_parent_pops);
	KUNIT_ASSERT_NOT_NULL(test, t->parent);
	dev_set_msi_domain(t->dev, t->parent);

	t->group = iommu_group_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->group);
	param = kzalloc_obj(*param);
	KUNIT_ASSERT_NOT_NULL(test, param);
	mutex_init(&param->lock);
	INIT_LIST_HEAD(&param->msi_retry);
	t->dev->iommu = param;
	t->dev->iommu_group = t->group;

	KUNIT_ASSERT_TRUE(test, msi_create_device_irq_domain(t->dev,
							     MSI_DEFAULT_DOMAIN,
							     &mock_alloc_template,
							     8, t, t));
	return 0;
}

static void msi_alloc_test_exit(struct kunit *test)
{
	struct msi_alloc_test *t = test->priv;

	if (!t)
		return;
	if (t->dev->msi.data) {
		msi_domain_free_irqs_all(t->dev, MSI_DEFAULT_DOMAIN);
		msi_remove_device_irq_domain(t->dev, MSI_DEFAULT_DOMAIN);
	}
	kfree(t->dev->iommu);
	t->dev->iommu = NULL;
	t->dev->iommu_group = NULL;
	if (!IS_ERR_OR_NULL(t->group))
		iommu_group_put(t->group);
	if (t->parent)
		irq_domain_remove(t->parent);
	if (t->fwnode)
		irq_domain_free_fwnode(t->fwnode);
}

static bool msi_alloc_test_held(struct msi_alloc_test *t)
{
	u64 out;

	return !iommu_msi_doorbell_translate(t->dev, MOCK_ALLOC_DOORBELL, &out);
}

/*
 * Vectors added to a live table one at a time and freed one at a time: each
 * allocation binds before it activates, and the hold goes with the last
 * vector, whichever it is.
 */
static void msi_alloc_test_dynamic(struct kunit *test)
{
	struct msi_alloc_test *t = test->priv;
	struct msi_map first, second;
	u64 written;

	KUNIT_EXPECT_FALSE(test, msi_alloc_test_held(t));

	first = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX,
					NULL, NULL);
	KUNIT_ASSERT_GE(test, first.index, 0);
	KUNIT_EXPECT_EQ(test, t->reports, 1);
	KUNIT_EXPECT_TRUE(test, msi_alloc_test_held(t));
	/* Activated at allocation, from the doorbell just bound */
	KUNIT_EXPECT_EQ(test, t->writes, 1);
	written = (u64)t->written.address_hi << 32 | t->written.address_lo;
	KUNIT_EXPECT_EQ(test, written, MOCK_ALLOC_DOORBELL);

	second = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX,
					 NULL, NULL);
	KUNIT_ASSERT_GE(test, second.index, 0);
	KUNIT_EXPECT_NE(test, second.index, first.index);
	KUNIT_EXPECT_EQ(test, t->reports, 2);
	KUNIT_EXPECT_EQ(test, t->writes, 2);

	/* The first vector goes, the second still writes the doorbell */
	msi_domain_free_irqs_range(t->dev, MSI_DEFAULT_DOMAIN, first.index,
				   first.index);
	KUNIT_EXPECT_TRUE(test, msi_alloc_test_held(t));

	/* Added again at the index it left: bound before it activates */
	first = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, first.index,
					NULL, NULL);
	KUNIT_ASSERT_GE(test, first.index, 0);
	KUNIT_EXPECT_EQ(test, t->reports, 3);

	msi_domain_free_irqs_range(t->dev, MSI_DEFAULT_DOMAIN, second.index,
				   second.index);
	KUNIT_EXPECT_TRUE(test, msi_alloc_test_held(t));
	msi_domain_free_irqs_range(t->dev, MSI_DEFAULT_DOMAIN, first.index,
				   first.index);
	KUNIT_EXPECT_FALSE(test, msi_alloc_test_held(t));
}

/*
 * An allocation that fails after its doorbells were bound (the parent runs out
 * of vectors) keeps the hold of the vectors that live, and leaves none behind
 * when no vector does.
 */
static void msi_alloc_test_failed(struct kunit *test)
{
	struct msi_alloc_test *t = test->priv;
	struct msi_map live, map;

	live = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX,
				       NULL, NULL);
	KUNIT_ASSERT_GE(test, live.index, 0);

	t->fail_alloc = true;
	map = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX,
				      NULL, NULL);
	KUNIT_EXPECT_EQ(test, map.index, -ENOMEM);
	KUNIT_EXPECT_EQ(test, t->reports, 2);
	KUNIT_EXPECT_TRUE(test, msi_alloc_test_held(t));

	msi_domain_free_irqs_range(t->dev, MSI_DEFAULT_DOMAIN, live.index,
				   live.index);
	KUNIT_EXPECT_FALSE(test, msi_alloc_test_held(t));

	map = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX,
				      NULL, NULL);
	KUNIT_EXPECT_EQ(test, map.index, -ENOMEM);
	KUNIT_EXPECT_EQ(test, t->reports, 3);
	KUNIT_EXPECT_FALSE(test, msi_alloc_test_held(t));
}

static u64 msi_alloc_test_written(struct msi_alloc_test *t)
{
	return (u64)t->written.address_hi << 32 | t->written.address_lo;
}

/*
 * msi_device_update_doorbells(), as the IOMMU core calls it once the device's
 * doorbells moved: a message that did not change is not written again, one
 * that did is written once; a level MSI is written whenever it is
 * recomposed, since the descriptor caches its first message only.
 */
static void msi_alloc_test_rewrite(struct kunit *test)
{
	struct msi_alloc_test *t = test->priv;
	struct msi_map map;

	map = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX,
				      NULL, NULL);
	KUNIT_ASSERT_GE(test, map.index, 0);
	KUNIT_ASSERT_EQ(test, t->writes, 1);

	msi_device_update_doorbells(t->dev);
	KUNIT_EXPECT_EQ(test, t->writes, 1);
	KUNIT_EXPECT_EQ(test, t->bus_locks, t->bus_unlocks);

	t->doorbell = MOCK_ALLOC_DOORBELL2;
	msi_device_update_doorbells(t->dev);
	KUNIT_EXPECT_EQ(test, t->writes, 2);
	KUNIT_EXPECT_EQ(test, msi_alloc_test_written(t), MOCK_ALLOC_DOORBELL2);

	/* Only the second message of a level MSI moves */
	t->clear = MOCK_ALLOC_CLEAR;
	msi_device_update_doorbells(t->dev);
	KUNIT_EXPECT_EQ(test, t->writes, 3);
	t->clear = MOCK_ALLOC_CLEAR + 0x1000;
	msi_device_update_doorbells(t->dev);
	KUNIT_EXPECT_EQ(test, t->writes, 4);
	KUNIT_EXPECT_EQ(test, t->bus_locks, t->bus_unlocks);
	t->clear = 0;
}

/*
 * A message that cannot be composed (its doorbell is not bound: here the
 * device's table is hidden, as for a doorbell its parent never reported) is
 * not replaced by address 0: the vector is masked and keeps its last message.
 */
static void msi_alloc_test_rewrite_unbound(struct kunit *test)
{
	struct msi_alloc_test *t = test->priv;
	struct msi_doorbell_table *table;
	struct irq_desc *desc;
	struct msi_map map;

	map = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX,
				      NULL, NULL);
	KUNIT_ASSERT_GE(test, map.index, 0);
	desc = irq_to_desc(map.virq);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	/* Unmasked, as request_irq() leaves it */
	scoped_guard(raw_spinlock_irqsave, &desc->lock)
		unmask_irq(desc);
	KUNIT_ASSERT_FALSE(test, irqd_irq_masked(&desc->irq_data));

	table = rcu_dereference_protected(t->dev->iommu->msi_doorbells, true);
	RCU_INIT_POINTER(t->dev->iommu->msi_doorbells, NULL);
	t->doorbell = MOCK_ALLOC_DOORBELL2;
	msi_device_update_doorbells(t->dev);
	rcu_assign_pointer(t->dev->iommu->msi_doorbells, table);

	KUNIT_EXPECT_EQ(test, t->writes, 1);
	KUNIT_EXPECT_EQ(test, msi_alloc_test_written(t), MOCK_ALLOC_DOORBELL);
	KUNIT_EXPECT_EQ(test, t->masks, 1);
	KUNIT_EXPECT_TRUE(test, irqd_irq_masked(&desc->irq_data));
}

static int msi_alloc_test_rewrite_fn(void *data)
{
	struct msi_alloc_test *t = data;

	msi_device_update_doorbells(t->dev);
	complete(&t->rewritten);
	return 0;
}

static int msi_alloc_test_free_fn(void *data)
{
	struct msi_alloc_test *t = data;

	msi_domain_free_irqs_range(t->dev, MSI_DEFAULT_DOMAIN, t->free_index,
				   t->free_index);
	complete(&t->freed);
	return 0;
}

/*
 * A free that races with a rewrite waits for it: while the rewrite holds the
 * bus lock of an interrupt (for CDX, a mutex every request_irq() and
 * free_irq() of the device takes), the interrupt is neither deactivated nor
 * given another chip, so the bus lock taken is the one released and the
 * message is written while the vector is live. The free then deactivates it.
 */
static void msi_alloc_test_rewrite_free(struct kunit *test)
{
	struct msi_alloc_test *t = test->priv;
	struct task_struct *rewrite, *free;
	struct irq_data *irqd;
	struct msi_map map;

	map = msi_domain_alloc_irq_at(t->dev, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX,
				      NULL, NULL);
	KUNIT_ASSERT_GE(test, map.index, 0);
	irqd = irq_get_irq_data(map.virq);
	KUNIT_ASSERT_NOT_NULL(test, irqd);
	KUNIT_ASSERT_EQ(test, t->writes, 1);

	init_completion(&t->in_bus_lock);
	init_completion(&t->leave_bus_lock);
	init_completion(&t->rewritten);
	init_completion(&t->freed);
	t->free_index = map.index;
	t->doorbell = MOCK_ALLOC_DOORBELL2;
	t->block_in_bus_lock = true;
	rewrite = kthread_run(msi_alloc_test_rewrite_fn, t, "msi-kunit-rewrite");
	KUNIT_ASSERT_FALSE(test, IS_ERR(rewrite));
	if (!wait_for_completion_timeout(&t->in_bus_lock,
					 msecs_to_jiffies(5000))) {
		/* The rewrite never took the vector's bus lock: it is done */
		t->block_in_bus_lock = false;
		wait_for_completion(&t->rewritten);
		KUNIT_FAIL(test, "the rewrite did not take the bus lock");
		return;
	}
	t->block_in_bus_lock = false;

	free = kthread_run(msi_alloc_test_free_fn, t, "msi-kunit-free");
	if (IS_ERR(free)) {
		complete(&t->leave_bus_lock);
		wait_for_completion(&t->rewritten);
		KUNIT_FAIL(test, "cannot start the free: %pe", free);
		return;
	}
	/* Give the free time to overtake the rewrite, if it can */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&t->freed,
							  msecs_to_jiffies(200)),
			0);
	KUNIT_EXPECT_TRUE(test, irqd_is_activated(irqd));
	KUNIT_EXPECT_PTR_NE(test, irqd->chip, &no_irq_chip);
	KUNIT_EXPECT_EQ(test, t->writes, 1);

	complete(&t->leave_bus_lock);
	wait_for_completion(&t->rewritten);
	wait_for_completion(&t->freed);

	KUNIT_EXPECT_EQ(test, t->bus_locks, 1);
	KUNIT_EXPECT_EQ(test, t->bus_unlocks, 1);
	/* The rewrite, then the free's deactivation (an all-zero message) */
	KUNIT_EXPECT_EQ(test, t->writes, 3);
	KUNIT_EXPECT_EQ(test, msi_alloc_test_written(t), 0);
	KUNIT_EXPECT_FALSE(test, msi_alloc_test_held(t));
}

static struct kunit_case msi_alloc_test_cases[] = {
	KUNIT_CASE(msi_alloc_test_dynamic),
	KUNIT_CASE(msi_alloc_test_failed),
	KUNIT_CASE(msi_alloc_test_rewrite),
	KUNIT_CASE(msi_alloc_test_rewrite_unbound),
	KUNIT_CASE(msi_alloc_test_rewrite_free),
	{}
};

static struct kunit_suite msi_alloc_test_suite = {
	.name		= "msi_doorbell_alloc",
	.init		= msi_alloc_test_init,
	.exit		= msi_alloc_test_exit,
	.test_cases	= msi_alloc_test_cases,
};

kunit_test_suites(&msi_report_test_suite, &msi_alloc_test_suite);
