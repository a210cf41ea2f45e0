// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the MSI compose side of doorbell premapping: what
 * msi_domain_activate() and msi_domain_set_affinity() write, given a
 * device's doorbell bindings. Included at the end of kernel/irq/msi.c to
 * reach its static functions.
 *
 * A mock MSI parent chip composes a message for one of two per-CPU
 * doorbells, picked by its set_affinity callback; a mock MSI chip records
 * the messages written to the "device". Everything runs under a raw
 * spinlock with interrupts disabled, as under irq_desc::lock: with
 * CONFIG_DEBUG_ATOMIC_SLEEP any allocation or sleeping lock on that path
 * is reported.
 */
#include <kunit/device.h>
#include <kunit/test.h>

#define MOCK_DB_CPU0	0x9000000UL
#define MOCK_DB_CPU1	0x9010000UL
#define MOCK_IOVA_CPU0	0x8000000UL
#define MOCK_IOVA_CPU1	0x8001000UL

static struct {
	unsigned int	cpu;		/* doorbell the parent targets */
	unsigned int	writes;		/* messages written to the device */
	struct msi_msg	written;
} mock;

static void mock_parent_compose(struct irq_data *d, struct msi_msg *msg)
{
	phys_addr_t addr = (mock.cpu ? MOCK_DB_CPU1 : MOCK_DB_CPU0) + 0x40;

	msg->address_hi = upper_32_bits(addr);
	msg->address_lo = lower_32_bits(addr);
	msg->data = 7;
}

static int mock_parent_set_affinity(struct irq_data *d, const struct cpumask *mask,
				    bool force)
{
	mock.cpu = cpumask_first(mask) & 1;
	return IRQ_SET_MASK_OK;
}

static struct irq_chip mock_parent_chip = {
	.name			= "mock-msi-parent",
	.irq_compose_msi_msg	= mock_parent_compose,
	.irq_set_affinity	= mock_parent_set_affinity,
};

static void mock_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	mock.written = *msg;
	mock.writes++;
}

static struct irq_chip mock_msi_chip = {
	.name			= "mock-msi",
	.irq_write_msi_msg	= mock_write_msg,
};

/* Stands for irq_desc::lock */
static DEFINE_RAW_SPINLOCK(mock_desc_lock);

struct msi_compose_test {
	struct device		*dev;
	struct dev_iommu	iommu;
	struct msi_desc		desc;
	struct irq_common_data	common;
	struct irq_data		parent;
	struct irq_data		data;
	struct irq_domain	domain;
	struct msi_domain_info	info;
	struct iommu_domain	iommu_domain;
	struct msi_doorbell_map	*map;
};

static int msi_compose_test_init(struct kunit *test)
{
	struct msi_compose_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->dev = kunit_device_register(test, "msi-compose-dev");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev);
	t->dev->iommu = &t->iommu;
	t->desc.dev = t->dev;
	t->common.msi_desc = &t->desc;
	t->parent.common = &t->common;
	t->parent.chip = &mock_parent_chip;
	t->data.common = &t->common;
	t->data.chip = &mock_msi_chip;
	t->data.parent_data = &t->parent;
	t->data.domain = &t->domain;
	t->domain.host_data = &t->info;
	t->info.chip = &mock_msi_chip;

	/* Both per-CPU doorbells bound, at the IOVAs a window would give */
	t->map = kzalloc(struct_size(t->map, pages, 2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->map);
	t->map->nr = 2;
	t->map->shift = PAGE_SHIFT;
	t->map->domain = &t->iommu_domain;
	t->map->pages[0] = (struct msi_doorbell_page){ MOCK_DB_CPU0, MOCK_IOVA_CPU0 };
	t->map->pages[1] = (struct msi_doorbell_page){ MOCK_DB_CPU1, MOCK_IOVA_CPU1 };
	rcu_assign_pointer(t->iommu.msi_doorbells, t->map);

	memset(&mock, 0, sizeof(mock));
	test->priv = t;
	return 0;
}

static void msi_compose_test_exit(struct kunit *test)
{
	struct msi_compose_test *t = test->priv;

	t->dev->iommu = NULL;
	kfree(t->map);
}

static u64 written_addr(void)
{
	return ((u64)mock.written.address_hi << 32) | mock.written.address_lo;
}

static int activate(struct msi_compose_test *t)
{
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&mock_desc_lock, flags);
	ret = msi_domain_activate(&t->domain, &t->data, false);
	raw_spin_unlock_irqrestore(&mock_desc_lock, flags);
	return ret;
}

static int set_affinity(struct msi_compose_test *t, unsigned int cpu)
{
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&mock_desc_lock, flags);
	ret = msi_domain_set_affinity(&t->data, cpumask_of(cpu), true);
	raw_spin_unlock_irqrestore(&mock_desc_lock, flags);
	return ret;
}

/* Activate writes the IOVA of the composed doorbell, page offset kept */
static void msi_compose_test_activate(struct kunit *test)
{
	struct msi_compose_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, activate(t), 0);
	KUNIT_EXPECT_EQ(test, mock.writes, 1);
	KUNIT_EXPECT_EQ(test, written_addr(), MOCK_IOVA_CPU0 + 0x40);
	KUNIT_EXPECT_EQ(test, mock.written.data, 7);
}

/* Moving to a CPU with another doorbell writes that doorbell's IOVA */
static void msi_compose_test_affinity(struct kunit *test)
{
	struct msi_compose_test *t = test->priv;

	if (nr_cpu_ids < 2)
		kunit_skip(test, "needs two possible CPUs");
	KUNIT_ASSERT_EQ(test, activate(t), 0);
	KUNIT_EXPECT_EQ(test, set_affinity(t, 1), IRQ_SET_MASK_OK);
	KUNIT_EXPECT_EQ(test, written_addr(), MOCK_IOVA_CPU1 + 0x40);
	KUNIT_EXPECT_EQ(test, set_affinity(t, 0), IRQ_SET_MASK_OK);
	KUNIT_EXPECT_EQ(test, written_addr(), MOCK_IOVA_CPU0 + 0x40);
	KUNIT_EXPECT_EQ(test, mock.writes, 3);
}

/* A doorbell without binding in a translating domain: error, nothing written */
static void msi_compose_test_missing(struct kunit *test)
{
	struct msi_compose_test *t = test->priv;

	t->map->nr = 1;		/* only the CPU0 doorbell is bound */
	mock.cpu = 1;
	KUNIT_EXPECT_EQ(test, activate(t), -ENOENT);
	KUNIT_EXPECT_EQ(test, mock.writes, 0);

	if (nr_cpu_ids < 2)
		return;
	mock.cpu = 0;
	KUNIT_ASSERT_EQ(test, activate(t), 0);
	KUNIT_EXPECT_EQ(test, set_affinity(t, 1), -ENOENT);
	/* The previous, valid, message stays */
	KUNIT_EXPECT_EQ(test, mock.writes, 1);
	KUNIT_EXPECT_EQ(test, written_addr(), MOCK_IOVA_CPU0 + 0x40);
}

/* No translation (identity or blocked domain, no bindings, no IOMMU) */
static void msi_compose_test_untranslated(struct kunit *test)
{
	struct msi_compose_test *t = test->priv;

	t->map->domain = NULL;
	KUNIT_EXPECT_EQ(test, activate(t), 0);
	KUNIT_EXPECT_EQ(test, written_addr(), MOCK_DB_CPU0 + 0x40);

	rcu_assign_pointer(t->iommu.msi_doorbells, NULL);
	KUNIT_EXPECT_EQ(test, activate(t), 0);
	KUNIT_EXPECT_EQ(test, written_addr(), MOCK_DB_CPU0 + 0x40);

	t->dev->iommu = NULL;
	KUNIT_EXPECT_EQ(test, activate(t), 0);
	KUNIT_EXPECT_EQ(test, written_addr(), MOCK_DB_CPU0 + 0x40);
	KUNIT_EXPECT_EQ(test, mock.writes, 3);
}

static struct kunit_case msi_compose_cases[] = {
	KUNIT_CASE(msi_compose_test_activate),
	KUNIT_CASE(msi_compose_test_affinity),
	KUNIT_CASE(msi_compose_test_missing),
	KUNIT_CASE(msi_compose_test_untranslated),
	{}
};

static struct kunit_suite msi_compose_suite = {
	.name = "genirq_msi_doorbell",
	.init = msi_compose_test_init,
	.exit = msi_compose_test_exit,
	.test_cases = msi_compose_cases,
};

kunit_test_suite(msi_compose_suite);
