// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI doorbell maps: which doorbell pages a device's MSIs may target, and the
 * IOVA each is bound at in the device's IOMMU domain.
 *
 * An MSI parent reports the doorbells of a device when its vectors are
 * prepared (msi_domain_prepare_irqs(), process context). Every page of them
 * is bound in the device's domain here, taking one reference on the page's
 * mapping (iommu_dma_get_msi_page()), and the result is published as a
 * sorted, immutable &struct msi_doorbell_map in &dev_iommu.msi_doorbells.
 * The MSI compose path, which runs under irq_desc::lock, only looks the
 * doorbell address up in that map. When the device's last vector is freed
 * the map is released and each reference dropped; the last reference on a
 * page unmaps it.
 *
 * A map is never modified once published: a prepare that adds pages builds
 * a new map holding the old pages (their references move over) plus the new
 * ones, and the old map is freed after an RCU grace period. Writers hold the
 * device's IOMMU group mutex, so the domain cannot change under them.
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/msi.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <kunit/visibility.h>

#include "iommu-priv.h"

/* More pages than any MSI controller has doorbells: a malformed report */
#define MSI_DOORBELL_MAX_PAGES	1024

static int msi_doorbell_phys_cmp(const void *a, const void *b)
{
	const phys_addr_t *pa = a, *pb = b;

	return *pa < *pb ? -1 : *pa > *pb;
}

static int msi_doorbell_page_cmp(const void *a, const void *b)
{
	const struct msi_doorbell_page *pa = a, *pb = b;

	return msi_doorbell_phys_cmp(&pa->phys, &pb->phys);
}

/**
 * iommu_msi_doorbell_map_release() - Drop the references a map holds
 * @dev: The device the map was built for
 * @map: A map built by iommu_msi_doorbell_map_extend(), or NULL
 *
 * Does not free @map.
 *
 * Context: Process context, may sleep.
 */
void iommu_msi_doorbell_map_release(struct device *dev,
				    const struct msi_doorbell_map *map)
{
	unsigned int i;

	might_sleep();
	if (!map || !map->domain)
		return;
	for (i = 0; i < map->nr; i++)
		iommu_dma_put_msi_page(dev, map->domain, map->pages[i].phys);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_msi_doorbell_map_release);

/*
 * The distinct pages of @dbs that @old does not hold yet, sorted, in a new
 * array; *@nr_out is their number.
 */
static phys_addr_t *msi_doorbell_new_pages(struct device *dev, unsigned int shift,
					   const struct msi_doorbell_map *old,
					   const struct msi_doorbell *dbs,
					   unsigned int nr, unsigned int *nr_out)
{
	size_t granule = (size_t)1 << shift;
	unsigned int i, n = 0, total = 0;
	phys_addr_t *pages, p;

	for (i = 0; i < nr; i++) {
		if (!IS_ALIGNED(dbs[i].base, granule) || !IS_ALIGNED(dbs[i].size, granule) ||
		    !dbs[i].size) {
			dev_err(dev, "MSI doorbell %pa size %#zx is not aligned to the IOMMU granule %#zx\n",
				&dbs[i].base, dbs[i].size, granule);
			return ERR_PTR(-EINVAL);
		}
		if (dbs[i].size >> shift > MSI_DOORBELL_MAX_PAGES - total) {
			dev_err(dev, "MSI doorbells span more than %u pages\n",
				MSI_DOORBELL_MAX_PAGES);
			return ERR_PTR(-EINVAL);
		}
		total += dbs[i].size >> shift;
	}

	pages = kmalloc_array(total, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < nr; i++) {
		for (p = dbs[i].base; p - dbs[i].base < dbs[i].size; p += granule) {
			dma_addr_t iova;

			/* @old has the same page size: same domain */
			if (!old || !msi_doorbell_map_lookup(old, p, &iova))
				pages[n++] = p;
		}
	}
	sort(pages, n, sizeof(*pages), msi_doorbell_phys_cmp, NULL);
	/* Two doorbells may share a page */
	for (i = 0, total = 0; i < n; i++) {
		if (!total || pages[total - 1] != pages[i])
			pages[total++] = pages[i];
	}
	*nr_out = total;
	return pages;
}

/*
 * Build the map of @dev in @domain: the pages of @old (whose references move
 * to the new map) plus every page of @dbs it lacks, bound with a new
 * reference each. A page also in @hint (the map of another domain) is
 * preferably bound at the same IOVA, so that messages need not change.
 */
static struct msi_doorbell_map *
msi_doorbell_map_build(struct device *dev, struct iommu_domain *domain,
		       const struct msi_doorbell_map *old,
		       const struct msi_doorbell *dbs, unsigned int nr,
		       const struct msi_doorbell_map *hint)
{
	size_t granule = iommu_dma_msi_granule(domain);
	unsigned int shift = granule ? __ffs(granule) : PAGE_SHIFT;
	struct msi_doorbell_map *map;
	unsigned int i, added = 0, nr_old = old ? old->nr : 0;
	phys_addr_t *pages;
	dma_addr_t want;
	int ret;

	might_sleep();
	if (!granule)
		domain = NULL;
	if (old && old->domain != domain) {
		dev_WARN_ONCE(dev, 1, "MSI doorbells bound in another IOMMU domain\n");
		return ERR_PTR(-EBUSY);
	}

	pages = msi_doorbell_new_pages(dev, shift, old, dbs, nr, &added);
	if (IS_ERR(pages))
		return ERR_CAST(pages);
	if (!added) {
		kfree(pages);
		return NULL;
	}

	map = kzalloc(struct_size(map, pages, nr_old + added), GFP_KERNEL);
	if (!map) {
		ret = -ENOMEM;
		goto out_free_pages;
	}
	map->nr = nr_old + added;
	map->domain = domain;
	map->shift = shift;

	for (i = 0; i < added; i++) {
		map->pages[nr_old + i].phys = pages[i];
		if (!domain)
			continue;
		if (!hint || !hint->domain || !msi_doorbell_map_lookup(hint, pages[i], &want))
			want = 0;
		ret = iommu_dma_get_msi_page(dev, domain, pages[i], want,
					     &map->pages[nr_old + i].iova);
		if (ret) {
			dev_err(dev, "cannot bind MSI doorbell %pa in the IOMMU domain: %d\n",
				&pages[i], ret);
			goto out_put;
		}
	}
	if (nr_old)
		memcpy(map->pages, old->pages, nr_old * sizeof(*map->pages));
	sort(map->pages, map->nr, sizeof(*map->pages), msi_doorbell_page_cmp, NULL);
	kfree(pages);
	return map;

out_put:
	while (i--)
		iommu_dma_put_msi_page(dev, domain, pages[i]);
	kfree(map);
out_free_pages:
	kfree(pages);
	return ERR_PTR(ret);
}

/**
 * iommu_msi_doorbell_map_empty() - A map without any binding in a domain
 * @domain: The domain, NULL for none
 *
 * In a domain translating MSIs, every lookup in the returned map fails, so
 * the MSI compose path refuses to write any message instead of writing an
 * untranslated address. Used when the bindings of a device could not follow
 * it into a domain it had to be attached to anyway.
 *
 * Context: Process context, may sleep.
 * Return: the map, or ERR_PTR(-ENOMEM).
 */
struct msi_doorbell_map *
iommu_msi_doorbell_map_empty(struct iommu_domain *domain)
{
	struct msi_doorbell_map *map = kzalloc(sizeof(*map), GFP_KERNEL);

	if (!map)
		return ERR_PTR(-ENOMEM);
	map->domain = iommu_dma_msi_granule(domain) ? domain : NULL;
	map->shift = PAGE_SHIFT;
	return map;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_msi_doorbell_map_empty);

/**
 * iommu_msi_doorbell_map_extend() - Bind more doorbells for a device
 * @dev: The device
 * @domain: The domain @dev is attached to, NULL for none
 * @old: The device's current map, or NULL
 * @dbs: Doorbells reported for @dev, validated by the MSI core
 * @nr: Number of entries in @dbs
 *
 * Every page of @dbs that @old does not hold is bound in @domain (if it
 * translates MSIs) with one new reference. On success the references of
 * @old belong to the returned map, which the caller publishes in place of
 * @old. On failure every reference taken here is dropped again.
 *
 * Context: Process context, may sleep. Called with the IOMMU group mutex of
 * @dev held (or, for tests, with @dev private to the caller).
 * Return: the new map; NULL if @old already holds every page (nothing was
 * done); or an ERR_PTR(): -EBUSY if @old was bound in another domain,
 * -EINVAL for a doorbell the IOMMU cannot map, -ENOSPC if the IOVA window is
 * full, -ENOMEM, or the error of the IOMMU mapping.
 */
struct msi_doorbell_map *
iommu_msi_doorbell_map_extend(struct device *dev, struct iommu_domain *domain,
			      const struct msi_doorbell_map *old,
			      const struct msi_doorbell *dbs, unsigned int nr)
{
	return msi_doorbell_map_build(dev, domain, old, dbs, nr, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_msi_doorbell_map_extend);

/**
 * iommu_msi_doorbell_map_rebind() - Bind a device's doorbells in a new domain
 * @dev: The device
 * @domain: The domain @dev is about to be attached to
 * @old: The device's map in its current domain
 *
 * Bind every page of @old in @domain, which @dev is not attached to yet, so
 * that its MSIs work from the moment it is. A page gets the IOVA it has in
 * @old when that IOVA is free in @domain's MSI window, so that the messages
 * of live vectors stay valid. @old is left untouched.
 *
 * Context: Process context, may sleep. Called with the IOMMU group mutex of
 * @dev held (or, for tests, with @dev private to the caller).
 * Return: the map for @domain, or an ERR_PTR() as for
 * iommu_msi_doorbell_map_extend(); on error nothing is bound in @domain.
 */
struct msi_doorbell_map *
iommu_msi_doorbell_map_rebind(struct device *dev, struct iommu_domain *domain,
			      const struct msi_doorbell_map *old)
{
	struct msi_doorbell_map *map;
	struct msi_doorbell *dbs;
	unsigned int i;

	dbs = kmalloc_array(old->nr, sizeof(*dbs), GFP_KERNEL);
	if (!dbs)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < old->nr; i++) {
		dbs[i].base = old->pages[i].phys;
		dbs[i].size = (size_t)1 << old->shift;
	}
	map = msi_doorbell_map_build(dev, domain, NULL, dbs, old->nr, old);
	kfree(dbs);
	if (!map)	/* @old was empty */
		map = iommu_msi_doorbell_map_empty(domain);
	return map;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_msi_doorbell_map_rebind);

