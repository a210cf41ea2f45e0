// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for MSI doorbell reports: what the MSI core does with the
 * doorbells an MSI parent reports before it allocates vectors. Included at
 * the end of kernel/irq/msi.c to reach msi_domain_bind_doorbells().
 *
 * The device is not behind an IOMMU, so that the binding itself is a no-op
 * and only the report handling is under test; drivers/iommu/msi-doorbell.c
 * has the tests of the binding.
 */
#include <kunit/device.h>
#include <kunit/test.h>

static int mock_report_ret;

static int mock_report(struct irq_domain *domain, struct device *dev,
		       msi_alloc_info_t *arg, struct msi_doorbell *dbs,
		       unsigned int max)
{
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

static struct kunit_case msi_report_test_cases[] = {
	KUNIT_CASE(msi_report_test_required),
	KUNIT_CASE(msi_report_test_results),
	{}
};

static struct kunit_suite msi_report_test_suite = {
	.name		= "msi-doorbell-report",
	.init		= msi_report_test_init,
	.test_cases	= msi_report_test_cases,
};

kunit_test_suite(msi_report_test_suite);
