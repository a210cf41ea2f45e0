/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI doorbells bound in IOMMU domains.
 *
 * See Documentation/core-api/msi-doorbells.rst.
 */
#ifndef _LINUX_MSI_DOORBELL_H
#define _LINUX_MSI_DOORBELL_H

#include <linux/errno.h>
#include <linux/types.h>

struct device;
struct iommu_domain;

/*
 * Room for the doorbells an MSI parent reports for one device (each GICv2m
 * frame is one, every other controller reports one or two): the MSI core
 * first offers MSI_DOORBELLS_MAX entries, and twice as many each time the
 * parent answers -E2BIG, up to MSI_DOORBELLS_LIMIT.
 */
#define MSI_DOORBELLS_MAX	64
#define MSI_DOORBELLS_LIMIT	1024

/**
 * struct msi_doorbell - A doorbell region an MSI parent makes devices write
 * @base:	Physical address of the first byte a device may write
 * @size:	Number of bytes from @base, not zero
 *
 * A region need not be page aligned: the binding layer maps every page it
 * touches, at the granule of the device's IOMMU domain.
 */
struct msi_doorbell {
	phys_addr_t	base;
	size_t		size;
};

#if defined(CONFIG_IRQ_MSI_IOMMU) && defined(CONFIG_IOMMU_API)
int iommu_msi_doorbells_bind(struct device *dev,
			     const struct msi_doorbell *dbs, unsigned int nr);
void iommu_msi_doorbells_release(struct device *dev);
int iommu_msi_doorbell_translate(struct device *dev, phys_addr_t addr,
				 u64 *out);
#else
static inline int iommu_msi_doorbells_bind(struct device *dev,
					   const struct msi_doorbell *dbs,
					   unsigned int nr)
{
	return 0;
}

static inline void iommu_msi_doorbells_release(struct device *dev)
{
}

static inline int iommu_msi_doorbell_translate(struct device *dev,
					       phys_addr_t addr, u64 *out)
{
	*out = addr;
	return 0;
}
#endif

#ifdef CONFIG_GENERIC_MSI_IRQ
void msi_device_update_doorbells(struct device *dev);
#else
static inline void msi_device_update_doorbells(struct device *dev)
{
}
#endif

#endif /* _LINUX_MSI_DOORBELL_H */
