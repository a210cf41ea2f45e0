// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI doorbells bound in IOMMU domains.
 *
 * A device behind an IOMMU that translates its MSI writes can only signal an
 * interrupt if the doorbell page of its MSI controller is mapped in the
 * device's IOMMU domain. The MSI core asks the controller which doorbells a
 * device may write (msi_domain_ops::msi_report_doorbells) each time it
 * allocates vectors, in process context, and binds them here with
 * iommu_msi_doorbells_bind(). When the last vector of the device is freed it
 * calls iommu_msi_doorbells_release(). Activation and affinity changes,
 * which run under irq_desc::lock, only look the doorbell up with
 * iommu_msi_doorbell_translate(): nothing there sleeps, allocates or fails
 * for lack of memory.
 *
 * Two structures hold the state:
 *
 *  - the store of an IOMMU domain (&struct iommu_msi_store, one per domain
 *    that maps doorbells), which counts the devices using each doorbell
 *    page, maps the page on first use and unmaps it on last use. The IOVA
 *    comes from the domain's owner: the IOVA allocator of a DMA domain, the
 *    bounded MSI window of VFIO type1's MSI cookie, or iommufd's fd-global
 *    IOVA in the IOMMU_RESV_SW_MSI window;
 *
 *  - the table of a device (&struct msi_doorbell_table), a sorted array of
 *    the pages the device holds and their IOVAs, which never changes once
 *    published in &dev_iommu.msi_doorbells with RCU (only its state may turn
 *    LOST, see below). A table grows by being replaced, so
 *    that a message composed from an older table keeps targeting a page that
 *    is still mapped until the release.
 *
 * When the group of a device changes domain while the device has vectors,
 * its pages are bound in the new domain before the first device of the group
 * moves (iommu_msi_doorbells_prepare()), preferably at the IOVAs they had,
 * and the new table is published once the group has moved
 * (iommu_msi_doorbells_commit()), which rewrites the messages whose IOVA
 * changed. When the new domain cannot map doorbells (a blocking domain), or
 * a switch that must succeed cannot bind them, the table of the device turns
 * LOST in place, which needs no memory: it still lists its pages but aims
 * every message at an IOVA that faults in the new domain: IOVA 0 in a DMA
 * domain, which the IOVA allocator never hands out, and a slot kept unmapped
 * at the end of the MSI window of VFIO and iommufd domains, which their
 * users cannot map. The next domain change, or the next allocation of
 * vectors, binds the pages again and rewrites the messages. A table that
 * turned LOST because binding failed for lack of memory or of a window slot
 * (not because the domain cannot take doorbells) is also retried in the
 * domain it is in, from a work item, after 1 s and then at doubling intervals
 * up to a minute: VFIO handing a group back to its DMA domain is such a forced
 * switch, and a PCIe port of the group has no other occasion to bind its AER,
 * PME and hotplug vectors again.
 *
 * A paging domain that nobody gave an MSI cookie (vhost-vdpa's, a driver's
 * own) is filled by its owner, so no IOVA is known to fault in it: unless
 * every doorbell lies in an IOMMU_RESV_MSI region, a switch to it is refused
 * while the device has vectors, as an allocation there is. A switch that
 * must succeed (only a driver bug leads there) turns the table LOST with no
 * fault IOVA: iommu_msi_doorbell_translate() fails, and the rewrite masks
 * the vectors rather than aim them at an address the owner may map.
 *
 * Locking, outermost first:
 *
 *   msi_device_data::mutex (the MSI descriptor lock of the device)
 *     iommu_group::mutex (writers of the device's table)
 *       msi_device_data::virq_lock, the bus lock of the interrupt's chip,
 *       then irq_desc::lock (message rewrite, which visits the device's
 *       own interrupts: the allocation and the free of interrupts take
 *       virq_lock inside the descriptor lock, not the group mutex)
 *       iommu_msi_store::lock (one per IOMMU domain)
 *         iommufd_ctx::sw_msi_lock
 *       msi_doorbell_retry_lock (the devices to retry)
 *
 * The MSI compose path (under irq_desc::lock) takes none of these.
 */
#include <linux/bsearch.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/msi-doorbell.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>

#include "dma-iommu.h"
#include "iommu-priv.h"

/* More pages than any device's MSI controller has doorbells: malformed */
#define MSI_DOORBELL_MAX_PAGES	1024

/**
 * struct iommu_msi_page - A doorbell page in the store of a domain
 * @phys:	Physical address of the page
 * @iova:	IOVA it is mapped at
 * @refs:	Number of devices whose table holds the page
 * @hw:		The page is in an %IOMMU_RESV_MSI region: the IOMMU does not
 *		translate it, nothing is mapped and it is not counted
 * @holders:	One &struct iommu_msi_holder per reference
 */
struct iommu_msi_page {
	phys_addr_t		phys;
	dma_addr_t		iova;
	unsigned int		refs;
	bool			hw;
	struct list_head	holders;
};

/* A device holding a reference on a page, for the debugfs view */
struct iommu_msi_holder {
	struct list_head	node;
	struct device		*dev;
};

/**
 * struct iommu_msi_store - The doorbell pages mapped in one IOMMU domain
 * @lock:	Serialises every change to @pages and the IOVA allocation; a
 *		type1 domain is shared by several groups, so the group mutex
 *		is not enough
 * @pages:	&struct iommu_msi_page by physical address >> @shift
 * @shift:	log2 of the size pages are mapped with
 * @domain:	The domain
 * @node:	Entry in the list of stores (debugfs)
 */
struct iommu_msi_store {
	struct mutex		lock;	/* see above */
	struct xarray		pages;
	unsigned int		shift;
	struct iommu_domain	*domain;
	struct list_head	node;
};

/*
 * Every store, for the debugfs view. Taken inside the group mutex (a store
 * is created by the first bind in its domain); takes no other lock.
 */
static LIST_HEAD(msi_stores);
static DEFINE_MUTEX(msi_stores_lock);

enum msi_doorbell_state {
	/* The domain does not translate MSI writes: the address is physical */
	MSI_DOORBELLS_DIRECT,
	/* Every page of the table is mapped in @domain */
	MSI_DOORBELLS_BOUND,
	/*
	 * Nothing is bound in the domain, which translates MSI writes (or
	 * blocks them): messages aim at @fault_iova
	 */
	MSI_DOORBELLS_LOST,
};

struct msi_doorbell_page {
	phys_addr_t	phys;
	dma_addr_t	iova;
};

/**
 * struct msi_doorbell_table - The doorbell pages of a device
 * @rcu:	Frees the table after a grace period once replaced
 * @state:	&enum msi_doorbell_state
 * @domain:	Domain whose store holds one reference per page (BOUND only)
 * @fault_iova:	Where messages aim in the LOST state: an IOVA nothing is
 *		mapped at in the domain, or %DMA_MAPPING_ERROR if the domain
 *		has none (messages cannot be composed: vectors are masked)
 * @next_fault_iova: Set when iommu_msi_doorbells_prepare() returns the
 *		table itself: @fault_iova once the table is turned LOST
 * @retry:	LOST because binding failed: retried in its domain
 * @next_retry:	@retry once the table is turned LOST
 * @shift:	log2 of the page size
 * @bypass:	DIRECT in a domain that translates: MSI writes to the pages
 *		bypass the IOMMU, and an address on no page is not translated
 * @nr:		Number of pages
 * @pages:	Pages sorted by physical address. With DIRECT and LOST they
 *		record what the controller reported, to bind when the device
 *		moves to a domain that can take them; their IOVAs only mean
 *		something in a BOUND table.
 */
struct msi_doorbell_table {
	struct rcu_head			rcu;
	enum msi_doorbell_state		state;
	struct iommu_domain		*domain;
	dma_addr_t			fault_iova;
	dma_addr_t			next_fault_iova;
	bool				retry;
	bool				next_retry;
	unsigned int			shift;
	bool				bypass;
	unsigned int			nr;
	struct msi_doorbell_page	pages[] __counted_by(nr);
};

/* Where and how the pages of a device are bound in a domain */
struct msi_doorbell_target {
	enum msi_doorbell_state	state;
	struct iommu_domain	*domain;	/* the group's domain */
	struct iommu_domain	*map;		/* the domain pages are mapped in */
	unsigned int		shift;
	dma_addr_t		fault_iova;	/* where LOST messages aim */
	bool			bypass;		/* DIRECT, the domain translates */
	phys_addr_t		sw_msi_start;	/* iommufd only */
	size_t			sw_msi_size;
};

/* Called with the group mutex of @dev held */
static struct msi_doorbell_table *
msi_doorbell_table_get(struct device *dev)
{
	return rcu_dereference_protected(dev->iommu->msi_doorbells, true);
}

static void msi_doorbell_table_free(struct msi_doorbell_table *table)
{
	if (table)
		kfree_rcu(table, rcu);
}

/*
 * A domain that cannot map doorbells for @dev (a paging domain nobody gave
 * an MSI cookie, an iommufd domain without a software MSI window for it)
 * takes them untranslated only if MSI writes to each of them bypass the
 * IOMMU: the pages of @table and those of the doorbells @dbs each lie in
 * an IOMMU_RESV_MSI region of @dev. Pages, as the mappings of other
 * domains are, so that a doorbell is judged the same when it is reported
 * and when its page moves with the device. The reserved regions come from
 * callbacks that cannot report a failed allocation: a page outside them
 * for any reason is refused with @err, never given its physical address in
 * a translating domain.
 */
static int msi_doorbell_msi_bypass(struct device *dev,
				   struct msi_doorbell_target *t,
				   const struct msi_doorbell_table *table,
				   const struct msi_doorbell *dbs,
				   unsigned int nr, int err)
{
	phys_addr_t start, end;
	unsigned int i;

	for (i = 0; table && i < table->nr; i++) {
		if (!iommu_resv_msi_contains(dev, table->pages[i].phys,
					     (size_t)1 << table->shift))
			return err;
	}
	for (i = 0; i < nr; i++) {
		start = round_down(dbs[i].base, PAGE_SIZE);
		end = round_up(dbs[i].base + dbs[i].size, PAGE_SIZE);
		if (end <= start ||
		    !iommu_resv_msi_contains(dev, start, end - start))
			return err;
	}
	t->bypass = true;
	return 0;
}

/*
 * How the doorbells of @dev (the pages of @table and @dbs) are bound in
 * @domain: directly (no translation), mapped, or not at all (-EOPNOTSUPP:
 * the domain cannot map them, such as a blocking domain or a paging domain
 * nobody gave an MSI cookie, and MSI writes to them do not bypass the
 * IOMMU; -ENXIO: the DMA domain cannot be set up for @dev, or an iommufd
 * domain has no MSI window for it and MSI writes do not bypass the IOMMU).
 * @t->fault_iova is set whatever the result.
 */
static int msi_doorbell_target(struct device *dev, struct iommu_domain *domain,
			       const struct msi_doorbell_table *table,
			       const struct msi_doorbell *dbs, unsigned int nr,
			       struct msi_doorbell_target *t)
{
	size_t granule;
	int ret;

	memset(t, 0, sizeof(*t));
	t->domain = domain;
	t->shift = PAGE_SHIFT;
	t->state = MSI_DOORBELLS_DIRECT;
	if (!domain || domain->type == IOMMU_DOMAIN_IDENTITY)
		return 0;

	/* IOVA 0 faults in a blocking domain, and a DMA domain never maps it */
	t->fault_iova = 0;
	switch (domain->cookie_type) {
	case IOMMU_COOKIE_DMA_IOVA:
	case IOMMU_COOKIE_DMA_MSI:
		/* Sets up a DMA domain, and so its MSI window */
		granule = iommu_dma_msi_granule(domain, dev);
		t->fault_iova = iommu_dma_msi_fault_iova(domain);
		if (!granule)
			return -ENXIO;
		t->map = domain;
		t->shift = max_t(unsigned int, PAGE_SHIFT, __ffs(granule));
		break;
	case IOMMU_COOKIE_IOMMUFD:
		ret = iommufd_sw_msi_window(domain, dev, &t->sw_msi_start,
					    &t->sw_msi_size);
		/* No IOMMU_RESV_SW_MSI: does the hardware not translate MSIs? */
		if (ret == -ENOENT)
			return msi_doorbell_msi_bypass(dev, t, table, dbs, nr,
						       -ENXIO);
		if (ret)
			return ret;
		/* iommufd hands out every page of the window but the last */
		t->fault_iova = t->sw_msi_start + t->sw_msi_size - PAGE_SIZE;
		t->map = iommufd_sw_msi_domain(domain);
		if (!t->map)
			return -EOPNOTSUPP;
		break;
	default:
		if (!(domain->type & __IOMMU_DOMAIN_PAGING))
			return -EOPNOTSUPP;
		/*
		 * VFIO type1 takes no MSI cookie where the IOMMU bypasses MSIs.
		 * Other paging domains without a cookie (vhost-vdpa's, a
		 * driver's own) are filled by their owner: no IOVA is known to
		 * fault there.
		 */
		t->fault_iova = DMA_MAPPING_ERROR;
		return msi_doorbell_msi_bypass(dev, t, table, dbs, nr,
					       -EOPNOTSUPP);
	}
	t->state = MSI_DOORBELLS_BOUND;
	return 0;
}

static struct iommu_msi_store *msi_store_get(struct iommu_domain *domain,
					     unsigned int shift)
{
	struct iommu_msi_store *store = READ_ONCE(domain->msi_store), *old;

	if (store)
		return store;

	store = kzalloc_obj(*store);
	if (!store)
		return NULL;
	mutex_init(&store->lock);
	xa_init(&store->pages);
	store->shift = shift;
	store->domain = domain;

	/* Two groups of a type1 container may race for the first page */
	old = cmpxchg(&domain->msi_store, NULL, store);
	if (old) {
		mutex_destroy(&store->lock);
		kfree(store);
		return old;
	}
	scoped_guard(mutex, &msi_stores_lock)
		list_add_tail(&store->node, &msi_stores);
	return store;
}

static int msi_store_alloc_iova(struct device *dev,
				const struct msi_doorbell_target *t,
				phys_addr_t phys, dma_addr_t hint,
				dma_addr_t *iova, bool *hw)
{
	*hw = false;
	if (t->map->cookie_type == IOMMU_COOKIE_IOMMUFD)
		return iommufd_sw_msi_iova(t->domain, phys, t->sw_msi_start,
					   t->sw_msi_size, iova);
	return iommu_dma_msi_alloc_iova(t->map, dev, phys, (size_t)1 << t->shift,
					hint, iova, hw);
}

static void msi_store_free_iova(struct iommu_domain *map, dma_addr_t iova,
				size_t size)
{
	/* iommufd keeps the IOVA of a doorbell for the life of the context */
	if (map->cookie_type != IOMMU_COOKIE_IOMMUFD)
		iommu_dma_msi_free_iova(map, iova, size);
}

/* Take a reference on @phys in the store of @t->map, mapping it if needed */
static int msi_store_get_page(struct device *dev,
			      const struct msi_doorbell_target *t,
			      phys_addr_t phys, dma_addr_t hint,
			      dma_addr_t *iova)
{
	const int prot = IOMMU_WRITE | IOMMU_MMIO | IOMMU_NOEXEC;
	size_t size = (size_t)1 << t->shift;
	struct iommu_msi_holder *holder;
	struct iommu_msi_store *store;
	struct iommu_msi_page *page;
	int ret;

	store = msi_store_get(t->map, t->shift);
	if (!store)
		return -ENOMEM;
	if (WARN_ON_ONCE(store->shift != t->shift))
		return -EINVAL;

	guard(mutex)(&store->lock);
	page = xa_load(&store->pages, phys >> t->shift);
	if (page && page->hw) {
		*iova = page->iova;
		return 0;
	}

	holder = kzalloc_obj(*holder);
	if (!holder)
		return -ENOMEM;
	holder->dev = get_device(dev);

	if (page) {
		page->refs++;
		list_add_tail(&holder->node, &page->holders);
		*iova = page->iova;
		return 0;
	}

	page = kzalloc_obj(*page);
	if (!page) {
		ret = -ENOMEM;
		goto out_free_holder;
	}
	page->phys = phys;
	INIT_LIST_HEAD(&page->holders);

	ret = msi_store_alloc_iova(dev, t, phys, hint, &page->iova, &page->hw);
	if (ret)
		goto out_free_page;

	if (!page->hw) {
		/* iommufd charges its page tables to the user */
		ret = iommu_map(t->map, page->iova, phys, size, prot,
				t->map->cookie_type == IOMMU_COOKIE_IOMMUFD ?
				GFP_KERNEL_ACCOUNT : GFP_KERNEL);
		if (ret)
			goto out_free_iova;
		page->refs = 1;
	}

	ret = xa_err(xa_store(&store->pages, phys >> t->shift, page,
			      GFP_KERNEL));
	if (ret)
		goto out_unmap;
	*iova = page->iova;
	if (page->hw) {
		put_device(holder->dev);
		kfree(holder);
	} else {
		list_add_tail(&holder->node, &page->holders);
	}
	return 0;

out_unmap:
	if (!page->hw)
		iommu_unmap(t->map, page->iova, size);
out_free_iova:
	if (!page->hw)
		msi_store_free_iova(t->map, page->iova, size);
out_free_page:
	kfree(page);
out_free_holder:
	put_device(holder->dev);
	kfree(holder);
	return ret;
}

/* Drop the reference of @dev on @phys in @map; the last one unmaps it */
static void msi_store_put_page(struct device *dev, struct iommu_domain *map,
			       unsigned int shift, phys_addr_t phys)
{
	struct iommu_msi_store *store = map->msi_store;
	size_t size = (size_t)1 << shift;
	struct iommu_msi_holder *holder;
	struct iommu_msi_page *page;
	size_t unmapped;

	if (WARN_ON_ONCE(!store))
		return;

	guard(mutex)(&store->lock);
	page = xa_load(&store->pages, phys >> shift);
	if (WARN_ON_ONCE(!page) || page->hw)
		return;

	list_for_each_entry(holder, &page->holders, node) {
		if (holder->dev == dev) {
			list_del(&holder->node);
			put_device(holder->dev);
			kfree(holder);
			break;
		}
	}
	if (--page->refs)
		return;

	xa_erase(&store->pages, phys >> shift);
	unmapped = iommu_unmap(map, page->iova, size);
	/* Never hand out an IOVA that may still reach the doorbell */
	if (!WARN_ON_ONCE(unmapped != size))
		msi_store_free_iova(map, page->iova, size);
	kfree(page);
}

/**
 * iommu_msi_store_free() - Free the MSI doorbell store of a domain
 * @domain: The domain being freed
 *
 * Context: Process context, while @domain is being freed.
 */
void iommu_msi_store_free(struct iommu_domain *domain)
{
	struct iommu_msi_store *store = domain->msi_store;
	struct iommu_msi_page *page;
	unsigned long index;

	if (!store)
		return;

	scoped_guard(mutex, &msi_stores_lock)
		list_del(&store->node);
	xa_for_each(&store->pages, index, page) {
		struct iommu_msi_holder *holder, *tmp;

		/* A device still holds the page: its table outlived the domain */
		WARN_ON_ONCE(page->refs);
		list_for_each_entry_safe(holder, tmp, &page->holders, node) {
			put_device(holder->dev);
			kfree(holder);
		}
		kfree(page);
	}
	xa_destroy(&store->pages);
	mutex_destroy(&store->lock);
	kfree(store);
	domain->msi_store = NULL;
}

/* Drop the references of the pages of @table, bound in @table->domain */
static void msi_doorbell_put_bound(struct device *dev,
				   const struct msi_doorbell_table *table)
{
	unsigned int i;

	for (i = 0; i < table->nr; i++)
		msi_store_put_page(dev, table->domain, table->shift,
				   table->pages[i].phys);
}

static void msi_doorbell_table_put_pages(struct device *dev,
					 const struct msi_doorbell_table *table)
{
	if (table && table->state == MSI_DOORBELLS_BOUND)
		msi_doorbell_put_bound(dev, table);
}

static int msi_doorbell_page_cmp(const void *a, const void *b)
{
	const struct msi_doorbell_page *pa = a, *pb = b;

	if (pa->phys == pb->phys)
		return 0;
	return pa->phys < pb->phys ? -1 : 1;
}

static const struct msi_doorbell_page *
msi_doorbell_table_find(const struct msi_doorbell_table *table,
			phys_addr_t addr)
{
	struct msi_doorbell_page key = {
		.phys = addr & ~(((phys_addr_t)1 << table->shift) - 1),
	};

	return bsearch(&key, table->pages, table->nr, sizeof(key),
		       msi_doorbell_page_cmp);
}

static int msi_doorbell_phys_cmp(const void *a, const void *b)
{
	const phys_addr_t *pa = a, *pb = b;

	if (*pa == *pb)
		return 0;
	return *pa < *pb ? -1 : 1;
}

/*
 * The distinct pages, at @shift, that the regions @dbs touch and @keep does
 * not hold yet, sorted. *@nr_out is their number.
 */
static phys_addr_t *msi_doorbell_new_pages(struct device *dev,
					   unsigned int shift,
					   const struct msi_doorbell_table *keep,
					   const struct msi_doorbell *dbs,
					   unsigned int nr,
					   unsigned int *nr_out)
{
	phys_addr_t mask = ((phys_addr_t)1 << shift) - 1;
	unsigned int i, n = 0, total = 0;
	phys_addr_t *pages, p, end;

	for (i = 0; i < nr; i++) {
		p = dbs[i].base & ~mask;
		end = dbs[i].base + dbs[i].size - 1;
		if (!dbs[i].size || end < dbs[i].base) {
			dev_err(dev, "malformed MSI doorbell %pa size %#zx\n",
				&dbs[i].base, dbs[i].size);
			return ERR_PTR(-EINVAL);
		}
		if (((end - p) >> shift) + 1 > MSI_DOORBELL_MAX_PAGES - total) {
			dev_err(dev, "MSI doorbells span more than %u pages\n",
				MSI_DOORBELL_MAX_PAGES);
			return ERR_PTR(-E2BIG);
		}
		total += ((end - p) >> shift) + 1;
	}

	pages = kmalloc_array(total, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < nr; i++) {
		end = dbs[i].base + dbs[i].size - 1;
		for (p = dbs[i].base & ~mask; p <= end && p >= (dbs[i].base & ~mask);
		     p += mask + 1) {
			if (!keep || !msi_doorbell_table_find(keep, p))
				pages[n++] = p;
			if (p + mask < p)	/* last page of the address space */
				break;
		}
	}
	sort(pages, n, sizeof(*pages), msi_doorbell_phys_cmp, NULL);
	/* Regions may share pages (GICv2m frames on 64K pages, MBI set/clr) */
	for (i = 0, total = 0; i < n; i++) {
		if (!total || pages[total - 1] != pages[i])
			pages[total++] = pages[i];
	}
	*nr_out = total;
	return pages;
}

/*
 * Build the table of @dev in @t: the pages of @keep (bound the same way;
 * the references move to the new table) plus those of @dbs it lacks, each
 * bound with a new reference. A page of @hint keeps its IOVA if it can.
 * Returns NULL if @keep already holds every page.
 */
static struct msi_doorbell_table *
msi_doorbell_table_build(struct device *dev,
			 const struct msi_doorbell_target *t,
			 const struct msi_doorbell_table *keep,
			 const struct msi_doorbell *dbs, unsigned int nr,
			 const struct msi_doorbell_table *hint)
{
	unsigned int i, added, nr_keep = keep ? keep->nr : 0;
	const struct msi_doorbell_page *prev;
	struct msi_doorbell_table *table;
	phys_addr_t *pages;
	dma_addr_t want;
	int ret;

	pages = msi_doorbell_new_pages(dev, t->shift, keep, dbs, nr, &added);
	if (IS_ERR(pages))
		return ERR_CAST(pages);
	if (!added && keep) {
		kfree(pages);
		return NULL;
	}

	table = kzalloc_flex(*table, pages, nr_keep + added);
	if (!table) {
		ret = -ENOMEM;
		goto out_free_pages;
	}
	table->nr = nr_keep + added;
	table->state = t->state;
	table->domain = t->map;
	table->shift = t->shift;
	table->bypass = t->bypass;

	for (i = 0; i < added; i++) {
		struct msi_doorbell_page *page = &table->pages[nr_keep + i];

		page->phys = pages[i];
		if (t->state == MSI_DOORBELLS_DIRECT) {
			page->iova = pages[i];
			continue;
		}
		want = 0;
		if (hint && hint->state == MSI_DOORBELLS_BOUND) {
			prev = msi_doorbell_table_find(hint, pages[i]);
			if (prev)
				want = prev->iova;
		}
		ret = msi_store_get_page(dev, t, pages[i], want, &page->iova);
		if (ret) {
			dev_err(dev, "cannot bind MSI doorbell %pa in the IOMMU domain: %d\n",
				&pages[i], ret);
			goto out_put;
		}
	}
	if (nr_keep)
		memcpy(table->pages, keep->pages, nr_keep * sizeof(*table->pages));
	sort(table->pages, table->nr, sizeof(*table->pages),
	     msi_doorbell_page_cmp, NULL);
	kfree(pages);
	return table;

out_put:
	while (i--)
		msi_store_put_page(dev, t->map, t->shift, pages[i]);
	kfree(table);
out_free_pages:
	kfree(pages);
	return ERR_PTR(ret);
}

/* The pages of @table as doorbells, followed by room for @extra more */
static struct msi_doorbell *
msi_doorbell_table_regions(const struct msi_doorbell_table *table,
			   unsigned int extra)
{
	struct msi_doorbell *dbs;
	unsigned int i;

	dbs = kmalloc_array(table->nr + extra, sizeof(*dbs), GFP_KERNEL);
	if (!dbs)
		return NULL;
	for (i = 0; i < table->nr; i++) {
		dbs[i].base = table->pages[i].phys;
		dbs[i].size = (size_t)1 << table->shift;
	}
	return dbs;
}

/*
 * The table of a device whose doorbells cannot be bound in the new domain:
 * @old itself, turned LOST in place by iommu_msi_doorbells_commit(), aiming
 * messages at @fault_iova. It needs no memory, so that a switch that must
 * succeed never loses the pages a device holds, and they are bound again
 * when it moves to a domain that can take them, or, with @retry (binding
 * failed in a domain that can take them), by msi_doorbell_retry_work.
 */
static struct msi_doorbell_table *
msi_doorbell_table_lost(struct msi_doorbell_table *old, dma_addr_t fault_iova,
			bool retry)
{
	old->next_fault_iova = fault_iova;
	old->next_retry = retry;
	return old;
}

/*
 * Devices whose table is LOST with @retry, linked by dev_iommu::msi_retry,
 * and the work that binds their doorbells again in the domain they are in.
 * The list is only changed under msi_doorbell_retry_lock; an entry leaves
 * it with its table (msi_doorbells_release()), before its dev_iommu can go.
 */
static LIST_HEAD(msi_doorbell_retry_list);
static DEFINE_SPINLOCK(msi_doorbell_retry_lock);
static unsigned long msi_doorbell_retry_delay = HZ;
/* KUnit's devices are retried by hand, never by the work */
static bool msi_doorbell_retry_by_hand;
static void msi_doorbell_retry_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(msi_doorbell_retry_work, msi_doorbell_retry_fn);

#define MSI_DOORBELL_RETRY_MAX	(60 * HZ)

/* Errors a later attempt may not meet again: memory, a full window */
static bool msi_doorbell_retry_err(int err)
{
	return err == -ENOMEM || err == -ENOSPC || err == -EAGAIN;
}

/*
 * Queue @dev for a retry; the caller holds its group mutex. A device that
 * just lost its doorbells is retried after a second, whatever the backoff of
 * the others (@fresh); the work queues a device it failed again itself.
 */
static void msi_doorbell_retry_queue(struct device *dev, bool fresh)
{
	guard(spinlock)(&msi_doorbell_retry_lock);
	if (list_empty(&dev->iommu->msi_retry)) {
		dev->iommu->msi_retry_dev = dev;
		list_add_tail(&dev->iommu->msi_retry, &msi_doorbell_retry_list);
	}
	if (fresh && !msi_doorbell_retry_by_hand) {
		msi_doorbell_retry_delay = HZ;
		mod_delayed_work(system_freezable_wq, &msi_doorbell_retry_work,
				 HZ);
	}
}

/* Forget @dev, whose table goes; the caller holds its group mutex */
static void msi_doorbell_retry_cancel(struct device *dev)
{
	guard(spinlock)(&msi_doorbell_retry_lock);
	list_del_init(&dev->iommu->msi_retry);
}

static void msi_doorbell_retry_fn(struct work_struct *work)
{
	struct dev_iommu *param;
	bool again = false;
	LIST_HEAD(todo);

	spin_lock(&msi_doorbell_retry_lock);
	if (msi_doorbell_retry_by_hand) {
		spin_unlock(&msi_doorbell_retry_lock);
		return;
	}
	list_splice_init(&msi_doorbell_retry_list, &todo);
	for (;;) {
		struct iommu_group *group;
		struct device *dev;

		param = list_first_entry_or_null(&todo, struct dev_iommu,
						 msi_retry);
		if (!param)
			break;
		list_del_init(&param->msi_retry);
		/*
		 * Listed, the device is in its group: it leaves the list with
		 * its table, under the group mutex, before it leaves the group
		 * and drops its reference. Hold both from here on.
		 */
		dev = get_device(param->msi_retry_dev);
		group = iommu_group_ref_get(dev->iommu_group);
		spin_unlock(&msi_doorbell_retry_lock);
		again |= iommu_msi_doorbells_retry(dev, group);
		iommu_group_put(group);
		put_device(dev);
		spin_lock(&msi_doorbell_retry_lock);
	}
	msi_doorbell_retry_delay = again ?
		min(2 * msi_doorbell_retry_delay, MSI_DOORBELL_RETRY_MAX) : HZ;
	if (again)
		mod_delayed_work(system_freezable_wq, &msi_doorbell_retry_work,
				 msi_doorbell_retry_delay);
	spin_unlock(&msi_doorbell_retry_lock);
}

/*
 * Turn the published @table of @dev LOST: messages are rewritten to aim at
 * @table->next_fault_iova, then the references of its pages are dropped.
 * Until its interrupt is rewritten, a message composed from the previous
 * state targets a page still bound in the domain the group left (or, from
 * LOST to LOST, the previous fault IOVA).
 */
static void msi_doorbell_table_make_lost(struct device *dev,
					 struct msi_doorbell_table *table)
{
	enum msi_doorbell_state was = table->state;

	table->retry = table->next_retry;
	if (table->retry)
		msi_doorbell_retry_queue(dev, true);
	if (was == MSI_DOORBELLS_LOST &&
	    table->fault_iova == table->next_fault_iova)
		return;
	WRITE_ONCE(table->fault_iova, table->next_fault_iova);
	/* Pairs with smp_load_acquire() in iommu_msi_doorbell_translate() */
	smp_store_release(&table->state, MSI_DOORBELLS_LOST);
	msi_device_update_doorbells(dev);
	if (was == MSI_DOORBELLS_BOUND)
		msi_doorbell_put_bound(dev, table);
	table->domain = NULL;
}

/* The group mutex of @dev is held, or @dev is private to a test */
static int msi_doorbells_bind(struct device *dev, struct iommu_domain *domain,
			      const struct msi_doorbell *dbs, unsigned int nr)
{
	struct msi_doorbell_table *old, *new, *keep;
	struct msi_doorbell *all = NULL;
	struct msi_doorbell_target t;
	int ret;

	old = msi_doorbell_table_get(dev);
	keep = old;
	if (old && old->state == MSI_DOORBELLS_LOST) {
		/* Bind the pages live vectors lost too, and rewrite them */
		all = msi_doorbell_table_regions(old, nr);
		if (!all)
			return -ENOMEM;
		memcpy(all + old->nr, dbs, nr * sizeof(*dbs));
		dbs = all;
		nr += old->nr;
		keep = NULL;
	}

	ret = msi_doorbell_target(dev, domain, NULL, dbs, nr, &t);
	if (ret) {
		kfree(all);
		return ret;
	}
	if (keep && (keep->state != t.state || keep->domain != t.map)) {
		dev_WARN_ONCE(dev, 1, "MSI doorbells bound in another IOMMU domain\n");
		return -EBUSY;
	}

	new = msi_doorbell_table_build(dev, &t, keep, dbs, nr, NULL);
	kfree(all);
	if (IS_ERR_OR_NULL(new))
		return PTR_ERR_OR_ZERO(new);

	/* The references of @keep now belong to @new */
	rcu_assign_pointer(dev->iommu->msi_doorbells, new);
	if (old && !keep)
		msi_device_update_doorbells(dev);
	msi_doorbell_table_free(old);
	return 0;
}

/**
 * __iommu_msi_doorbells_bind() - Bind the MSI doorbells of a device
 * @dev: The device
 * @domain: The domain of its group
 * @dbs: Doorbells its MSI controller reported
 * @nr: Number of entries in @dbs
 *
 * See iommu_msi_doorbells_bind().
 *
 * Context: Process context, may sleep. Called with the group mutex of @dev
 * held.
 * Return: as iommu_msi_doorbells_bind().
 */
int __iommu_msi_doorbells_bind(struct device *dev, struct iommu_domain *domain,
			       const struct msi_doorbell *dbs, unsigned int nr)
{
	iommu_group_mutex_assert(dev);
	return msi_doorbells_bind(dev, domain, dbs, nr);
}

static void msi_doorbells_release(struct device *dev)
{
	struct msi_doorbell_table *old;

	old = msi_doorbell_table_get(dev);
	RCU_INIT_POINTER(dev->iommu->msi_doorbells, NULL);
	msi_doorbell_retry_cancel(dev);
	msi_doorbell_table_put_pages(dev, old);
	msi_doorbell_table_free(old);
}

/**
 * __iommu_msi_doorbells_release() - Release the MSI doorbells of a device
 * @dev: The device
 *
 * See iommu_msi_doorbells_release().
 *
 * Context: Process context, may sleep. Called with the group mutex of @dev
 * held.
 */
void __iommu_msi_doorbells_release(struct device *dev)
{
	iommu_group_mutex_assert(dev);
	msi_doorbells_release(dev);
}

/**
 * iommu_msi_doorbell_translate() - Translate an MSI doorbell address
 * @dev: The device writing the message
 * @addr: Physical address of the doorbell
 * @out: Returns the address the device must write to
 *
 * When the doorbells of @dev could not follow it into its current domain,
 * @out is an address that faults in that domain.
 *
 * Context: Any context, including under irq_desc::lock; does not sleep.
 * Return: 0; -ENOENT if the domain of @dev translates MSI writes and @addr
 * was never bound in it (the MSI parent did not report it); or -ENXIO if the
 * doorbells could not follow @dev into a domain that has no IOVA known to
 * fault (a paging domain without an MSI cookie, on a switch that had to
 * succeed). In both cases the message must not be written.
 */
int iommu_msi_doorbell_translate(struct device *dev, phys_addr_t addr, u64 *out)
{
	const struct msi_doorbell_page *page;
	const struct msi_doorbell_table *table;
	struct dev_iommu *param;
	dma_addr_t fault_iova;

	guard(rcu)();
	param = READ_ONCE(dev->iommu);
	if (!param || !READ_ONCE(dev->iommu_group)) {
		*out = addr;
		return 0;
	}

	table = rcu_dereference(param->msi_doorbells);
	if (!table)
		return -ENOENT;

	/* A table may turn LOST in place: pairs with smp_store_release() */
	switch (smp_load_acquire(&table->state)) {
	case MSI_DOORBELLS_DIRECT:
		if (!table->bypass) {
			*out = addr;
			return 0;
		}
		fallthrough;	/* DIRECT pages have their address as IOVA */
	case MSI_DOORBELLS_BOUND:
		page = msi_doorbell_table_find(table, addr);
		if (!page)
			return -ENOENT;
		*out = page->iova + (addr - page->phys);
		return 0;
	case MSI_DOORBELLS_LOST:
		fault_iova = READ_ONCE(table->fault_iova);
		if (fault_iova == DMA_MAPPING_ERROR)
			return -ENXIO;
		*out = fault_iova + (addr & ~PAGE_MASK);
		return 0;
	default:
		return -ENOENT;
	}
}

/**
 * iommu_msi_doorbells_prepare() - Bind a device's doorbells in a new domain
 * @dev: A device of a group about to switch to @domain
 * @domain: The new domain
 * @force: The switch must succeed
 *
 * Binds the pages of @dev in @domain, at the IOVAs they have now where the
 * window of @domain allows. If @domain cannot take doorbells (a blocking
 * domain), or @force is set and they cannot be bound, the current table of
 * @dev is returned, to be turned LOST in place when the switch is committed:
 * it keeps its pages, which needs no memory, and aims the messages at an
 * IOVA that faults in @domain, until the device moves again or allocates
 * vectors again. A paging domain without an MSI cookie has no such IOVA:
 * unless the doorbells bypass the IOMMU there, the switch is refused
 * (-EOPNOTSUPP), and with @force the LOST table masks the vectors.
 *
 * Context: Process context, may sleep. Called with the group mutex held,
 * before the first device of the group moves; for a domain that answered
 * -EAGAIN, once every device of the group has moved.
 * Return: the table to publish with iommu_msi_doorbells_commit() once the
 * group has moved (the current one, when it is to be turned LOST), NULL if
 * @dev has no vector, ERR_PTR(-EAGAIN) if the IOMMU driver builds @domain
 * at its first attach and has not yet (call again after the attach, whether
 * or not @force is set), or another ERR_PTR() if @force is false and the
 * doorbells cannot be bound in @domain (the switch must be refused).
 */
struct msi_doorbell_table *iommu_msi_doorbells_prepare(struct device *dev,
						       struct iommu_domain *domain,
						       bool force)
{
	struct msi_doorbell_table *old, *new;
	struct msi_doorbell_target t;
	struct msi_doorbell *dbs;
	int ret;

	if (!dev->iommu)
		return NULL;
	old = msi_doorbell_table_get(dev);
	if (!old)
		return NULL;

	/*
	 * arm-smmu, qcom_iommu, ipmmu-vmsa and mtk build a paging domain at
	 * its first attach and set its geometry there; until then they cannot
	 * map (-ENODEV, or a page table that is not there yet), nor can
	 * anything else have mapped memory that a message still aimed at the
	 * old domain could reach.
	 */
	if (domain && (domain->type & __IOMMU_DOMAIN_PAGING) &&
	    !domain->geometry.force_aperture)
		return ERR_PTR(-EAGAIN);

	ret = msi_doorbell_target(dev, domain, old, NULL, 0, &t);
	/*
	 * Blocking domains and the like: MSIs cannot work there, and IOVA 0
	 * faults. A paging domain without an MSI cookie has no IOVA that
	 * faults: the switch is refused, or the vectors are masked.
	 */
	if (ret == -EOPNOTSUPP && t.fault_iova != DMA_MAPPING_ERROR)
		return msi_doorbell_table_lost(old, t.fault_iova, false);
	if (ret)
		goto out_err;

	dbs = msi_doorbell_table_regions(old, 0);
	if (!dbs) {
		ret = -ENOMEM;
		goto out_err;
	}
	new = msi_doorbell_table_build(dev, &t, NULL, dbs, old->nr, old);
	kfree(dbs);
	if (!IS_ERR(new))
		return new;
	ret = PTR_ERR(new);

out_err:
	dev_err(dev, "cannot move MSI doorbells to the new IOMMU domain: %d%s\n",
		ret, force && t.fault_iova == DMA_MAPPING_ERROR ?
		", masking its MSIs" : "");
	if (!force)
		return ERR_PTR(ret);
	return msi_doorbell_table_lost(old, t.fault_iova,
				       msi_doorbell_retry_err(ret));
}

static bool msi_doorbell_tables_same(const struct msi_doorbell_table *a,
				     const struct msi_doorbell_table *b)
{
	unsigned int i;

	if (a->state != b->state || a->nr != b->nr || a->shift != b->shift ||
	    a->bypass != b->bypass || a->fault_iova != b->fault_iova)
		return false;
	for (i = 0; i < a->nr; i++) {
		if (a->pages[i].phys != b->pages[i].phys ||
		    a->pages[i].iova != b->pages[i].iova)
			return false;
	}
	return true;
}

/**
 * iommu_msi_doorbells_commit() - Publish the table prepared for a switch
 * @dev: The device, whose group has switched domain
 * @new: What iommu_msi_doorbells_prepare() returned for @dev, not an error
 *
 * Publishes @new, rewrites the messages of @dev whose address changed, and
 * then drops the references of the previous table. If @new is the current
 * table, it is turned LOST in place, with the same order.
 *
 * Context: Process context, may sleep. Called with the group mutex held.
 */
void iommu_msi_doorbells_commit(struct device *dev,
				struct msi_doorbell_table *new)
{
	struct msi_doorbell_table *old;

	if (!new)
		return;
	old = msi_doorbell_table_get(dev);
	if (new == old) {
		msi_doorbell_table_make_lost(dev, old);
		return;
	}
	rcu_assign_pointer(dev->iommu->msi_doorbells, new);
	if (!old || !msi_doorbell_tables_same(old, new))
		msi_device_update_doorbells(dev);
	msi_doorbell_table_put_pages(dev, old);
	msi_doorbell_table_free(old);
}

/**
 * iommu_msi_doorbells_abort() - Drop the table prepared for a failed switch
 * @dev: The device
 * @new: What iommu_msi_doorbells_prepare() returned for @dev, or an error
 *
 * Context: Process context, may sleep. Called with the group mutex held.
 */
void iommu_msi_doorbells_abort(struct device *dev,
			       struct msi_doorbell_table *new)
{
	/* A table to be turned LOST is the published one: nothing to undo */
	if (IS_ERR_OR_NULL(new) || new == msi_doorbell_table_get(dev))
		return;
	msi_doorbell_table_put_pages(dev, new);
	kfree(new);
}

/* The group mutex of @dev is held, or @dev is private to a test */
static bool msi_doorbells_retry(struct device *dev, struct iommu_domain *domain)
{
	struct msi_doorbell_table *table, *new;

	table = msi_doorbell_table_get(dev);
	if (!table || table->state != MSI_DOORBELLS_LOST || !table->retry)
		return false;
	new = iommu_msi_doorbells_prepare(dev, domain, false);
	/*
	 * The domain cannot take doorbells after all, or binding fails for a
	 * reason that will not go away: nothing to retry
	 */
	if (new == table ||
	    (IS_ERR(new) && !msi_doorbell_retry_err(PTR_ERR(new)))) {
		table->retry = false;
		return false;
	}
	if (IS_ERR(new)) {
		msi_doorbell_retry_queue(dev, false);
		return true;
	}
	iommu_msi_doorbells_commit(dev, new);
	dev_info(dev, "MSI doorbells bound again in the IOMMU domain\n");
	return false;
}

/**
 * __iommu_msi_doorbells_retry() - Bind the pages of a LOST table again
 * @dev: A device queued for a retry by a forced switch that could not bind
 *	 its doorbells
 * @domain: The domain of its group
 *
 * Binds the pages of the LOST table of @dev in @domain and rewrites the
 * messages, as the switch would have. A device whose table is no longer LOST
 * for that reason (it moved, or allocated vectors again) is left alone.
 *
 * Context: Process context, may sleep. Called with the group mutex of @dev
 * held.
 * Return: true if binding failed again and @dev is queued for a later retry.
 */
bool __iommu_msi_doorbells_retry(struct device *dev,
				 struct iommu_domain *domain)
{
	iommu_group_mutex_assert(dev);
	return msi_doorbells_retry(dev, domain);
}

/**
 * iommu_msi_doorbells_deinit() - Drop what a departing device still holds
 * @dev: The device, leaving its group
 *
 * The MSI core releases the doorbells with the last vector, before the device
 * goes; a table left here is a bug, reported once, and released while the
 * domains it refers to still exist.
 *
 * Context: Process context, may sleep. Called with the group mutex of @dev
 * held.
 */
void iommu_msi_doorbells_deinit(struct device *dev)
{
	iommu_group_mutex_assert(dev);
	if (!rcu_access_pointer(dev->iommu->msi_doorbells))
		return;
	dev_WARN_ONCE(dev, 1, "device released with MSI doorbells bound\n");
	msi_doorbells_release(dev);
}

#ifdef CONFIG_IOMMU_DEBUGFS
/*
 * One block per IOMMU domain holding doorbells, one line per page:
 *   domain <ptr> cookie <type>
 *     phys <pa> iova <iova> size <size> refs <n> devices <dev>...
 */
static int msi_doorbells_show(struct seq_file *m, void *unused)
{
	static const char * const cookie_name[] = {
		[IOMMU_COOKIE_DMA_IOVA]	= "dma",
		[IOMMU_COOKIE_DMA_MSI]	= "msi",
		[IOMMU_COOKIE_IOMMUFD]	= "iommufd",
	};
	struct iommu_msi_holder *holder;
	struct iommu_msi_store *store;
	struct iommu_msi_page *page;
	unsigned long index;

	guard(mutex)(&msi_stores_lock);
	list_for_each_entry(store, &msi_stores, node) {
		enum iommu_domain_cookie_type type = store->domain->cookie_type;

		seq_printf(m, "domain %p cookie %s\n", store->domain,
			   type < ARRAY_SIZE(cookie_name) && cookie_name[type] ?
			   cookie_name[type] : "other");
		guard(mutex)(&store->lock);
		xa_for_each(&store->pages, index, page) {
			seq_printf(m, "  phys %pa iova %pad size %#lx", &page->phys,
				   &page->iova, 1UL << store->shift);
			if (page->hw) {
				seq_puts(m, " hw\n");
				continue;
			}
			seq_printf(m, " refs %u devices", page->refs);
			list_for_each_entry(holder, &page->holders, node)
				seq_printf(m, " %s", dev_name(holder->dev));
			seq_putc(m, '\n');
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(msi_doorbells);

static int __init msi_doorbells_debugfs_init(void)
{
	debugfs_create_file("msi_doorbells", 0400, iommu_debugfs_dir, NULL,
			    &msi_doorbells_fops);
	return 0;
}
late_initcall(msi_doorbells_debugfs_init);
#endif /* CONFIG_IOMMU_DEBUGFS */

#if IS_ENABLED(CONFIG_IOMMU_MSI_DOORBELL_KUNIT_TEST)
#include "msi-doorbell-kunit.c"
#endif
