// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-msi: make a real PCI device raise real MSI/MSI-X writes through the
 * SMMU while it is owned by VFIO, and check that they reach eventfds.
 *
 * Devices (QEMU):
 *   edu    1234:11e8  one MSI vector, fired by a write to BAR0+0x60
 *   e1000e 8086:10d3  MSI-X, vectors 0 and 1 fired through ICS (RXQ0/RXQ1)
 *
 * Options:
 *   --iommufd        use /dev/iommu and the device cdev instead of type1
 *   --cycles N       enable/fire/disable N times (default 3)
 *   --shots N        interrupts fired per vector and cycle (default 3)
 *   --corrupt        negative control (edu, MSI): point the device's MSI
 *                    address at an unmapped IOVA of the MSI window through
 *                    sysfs config space, check the interrupt is lost, then
 *                    restore it and check it is delivered again
 *   --hold           after the last enable, print "HOLD <iova>" and wait for
 *                    a line on stdin before disabling (lets a script inspect
 *                    the live state)
 *   --replace N      iommufd only: with MSIs enabled, attach the device to a
 *                    second IOAS (a replace), then back, N times in all, and
 *                    fire after each replace
 *   --race N         iommufd only: one thread replaces the device's page
 *                    table back and forth N times while another enables,
 *                    fires and disables its MSIs; every interrupt fired
 *                    while no replace is in flight must arrive, and
 *                    afterwards interrupts must still be delivered (lockdep
 *                    watches the locking); it must have fired some
 *                    interrupts during a replace and 10 or more between
 *                    replaces, unless --race-any (a caller that repeats
 *                    short races and checks their sum)
 *   --share BDF2     type1 only, BDF is an edu: open BDF2 (an e1000e) in the
 *                    same container, so both share one IOMMU domain and one
 *                    doorbell page, and check the page's lifetime: it stays
 *                    mapped while either device has MSIs enabled (the other
 *                    keeps working, the edu's DMA to the doorbell IOVA does
 *                    not fault) and is unmapped once both disabled them (the
 *                    same DMA now faults in the SMMU)
 *   --dyn BDF2       type1 only, BDF is an edu: open BDF2 (an e1000e) in the
 *                    same container, enable one MSI-X vector of BDF2 and add
 *                    a second to the live table (vfio-pci allocates it with
 *                    pci_msix_alloc_irq_at()); both must fire, the doorbell
 *                    page stays mapped while any vector is allocated (the
 *                    edu's DMA to it does not fault) and is unmapped once
 *                    MSI-X is disabled (the same DMA faults)
 *   --release        BDF is an edu (type1 or iommufd): enable its MSI, fire,
 *                    check that its DMA to the doorbell IOVA does not fault,
 *                    disable it, and check that the same DMA now faults on
 *                    that IOVA: the device's last vector released the page
 *   --read-doorbell  BDF is an edu (type1 or iommufd): enable its MSI, have
 *                    its DMA engine read 4 bytes at the doorbell IOVA, and
 *                    check that the read takes an SMMU permission fault
 *                    there (event 0x13) while the MSI keeps working: the
 *                    doorbell is mapped write-only. Only a page table with
 *                    separate read and write permissions (SMMUv3 stage 2)
 *                    can show it: a stage-1 page table cannot express
 *                    write-only, and there the read succeeds whatever the
 *                    mapping asked for.
 *   --stress SECS    type1 only, with one or more "--with BDFn": BDF and
 *                    every BDFn (each in its own IOMMU group) in one
 *                    container, one thread per device enabling its MSIs,
 *                    firing every vector and disabling them, over and over
 *                    for SECS seconds; every interrupt must arrive and, at
 *                    the end, no doorbell may be left bound for any of them.
 *                    Run it beside "--iommufd --race" on another device.
 *   --fail-nth       fault injection: fail each fault-injectable allocation
 *                    of the MSI enable, of the MSI disable (the release
 *                    path) and, with --iommufd, of a page table replace
 *                    with MSIs live, in turn; each enable or replace must
 *                    return an errno or be absorbed, a disable must succeed
 *                    and release the device's doorbells, and the retried
 *                    operation must bring working interrupts. Prints the
 *                    number of injection points reached.
 *   --sibling BDF2   with --fail-nth: BDF2 shares BDF's IOMMU group and has
 *                    a live MSI of its own (pcieport); sweep the group's
 *                    first attach instead (VFIO_SET_IOMMU, or the iommufd
 *                    attach), which moves BDF2's doorbell into the new
 *                    domain: BDF2's MSI address must stay inside a page
 *                    bound for it, whatever fails.
 *
 * Every check prints "ok:" or "FAIL:"; the exit status is 0 when every
 * check passed, 1 on any failure (never the count: 256 failures are no
 * success), 100 on a usage or setup error. A check that names a behaviour
 * of the series starts its message with a tag ("freed-doorbell:",
 * "port-msi:"): the bench's base-kernel controls expect the unpatched
 * kernel to fail exactly there. BENCH_SERIES=1 in the environment (the guest's
 * /init sets it from bench.series=1) says the kernel has the series: the
 * doorbell debugfs view must then exist, and its checks are not skipped.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define MAX_VEC 8

static int failures;
static unsigned int fail_nth_step;	/* the fail-nth step in progress */
/* A sweep that reaches this many injection points fails: no silent cap. */
#define FAIL_NTH_MAX 5000
static int race_any;
static const char *bdf;
static int series;

struct vdev {
	int fd;
	int container, group;		/* type1 */
	int iommufd;			/* iommufd */
	uint32_t devid, ioas, ioas2;
	uint64_t cfg_off, bar0_off;
	int is_edu;
	int nvec;
	int efd[MAX_VEC];
};

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf(cond ? "ok: " : "FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failures++;
}

static int verdict(void)
{
	printf("vfio-msi: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}

static void die(const char *what)
{
	if (fail_nth_step)
		printf("FAIL: %s (fail-nth step %u): %s\n", what, fail_nth_step, strerror(errno));
	else
		printf("FAIL: %s: %s\n", what, strerror(errno));
	exit(100);
}

static uint32_t sysfs_hex(const char *dev_bdf, const char *attr)
{
	char path[256], buf[32];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev_bdf, attr);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		die(path);
	fclose(f);
	return strtoul(buf, NULL, 16);
}

static void rw(struct vdev *v, int write, uint64_t off, void *buf, size_t len)
{
	ssize_t r = write ? pwrite(v->fd, buf, len, off) : pread(v->fd, buf, len, off);

	if (r != (ssize_t)len)
		die(write ? "region write" : "region read");
}

static void bar0_w32(struct vdev *v, uint32_t reg, uint32_t val)
{
	rw(v, 1, v->bar0_off + reg, &val, 4);
}

static uint64_t region_offset(struct vdev *v, unsigned int index)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("VFIO_DEVICE_GET_REGION_INFO");
	return ri.offset;
}

static int group_fd_of(const char *dev_bdf)
{
	char link[256], target[256], path[64];
	ssize_t n;
	int fd;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", dev_bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		die("iommu_group link");
	target[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(target));
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	return fd;
}

static void open_type1(struct vdev *v)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	v->container = open("/dev/vfio/vfio", O_RDWR);
	if (v->container < 0)
		die("/dev/vfio/vfio");
	v->group = group_fd_of(bdf);
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group not viable");
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	v->fd = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (v->fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
}

static uint32_t ioas_alloc(struct vdev *v)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	if (ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &a))
		die("IOMMU_IOAS_ALLOC");
	return a.out_ioas_id;
}

static int attach_pt(struct vdev *v, uint32_t pt)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = pt,
	};

	return ioctl(v->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

/* Open @bdf's VFIO cdev */
static int cdev_open(void)
{
	char dir[256], path[300];
	struct dirent *de;
	DIR *d;
	int fd;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		die(dir);
	path[0] = 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vfio", 4))
			snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
	closedir(d);
	if (!path[0])
		die("no vfio cdev");
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	return fd;
}

static void open_iommufd(struct vdev *v)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };

	v->fd = cdev_open();
	v->iommufd = open("/dev/iommu", O_RDWR);
	if (v->iommufd < 0)
		die("/dev/iommu");
	bind.iommufd = v->iommufd;
	if (ioctl(v->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	v->devid = bind.out_devid;
	v->ioas = ioas_alloc(v);
	if (attach_pt(v, v->ioas))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
}

static void set_master(struct vdev *v)
{
	uint16_t cmd;

	rw(v, 0, v->cfg_off + PCI_COMMAND, &cmd, 2);
	cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	rw(v, 1, v->cfg_off + PCI_COMMAND, &cmd, 2);
}

/* An opened device: ready for MSI and BAR0 access. */
static void vdev_setup(struct vdev *v)
{
	v->cfg_off = region_offset(v, VFIO_PCI_CONFIG_REGION_INDEX);
	v->bar0_off = region_offset(v, VFIO_PCI_BAR0_REGION_INDEX);
	set_master(v);
}

/* Open @bdf through type1 or iommufd, ready for MSI and BAR0 access. */
static void vdev_open(struct vdev *v, int use_iommufd)
{
	v->container = v->group = v->iommufd = -1;
	if (use_iommufd)
		open_iommufd(v);
	else
		open_type1(v);
	vdev_setup(v);
}

/* Close what vdev_open() opened: the IOMMU domain or IOAS goes with it. */
static void vdev_close(struct vdev *v)
{
	if (v->fd >= 0)
		close(v->fd);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	if (v->iommufd >= 0)
		close(v->iommufd);
}

static int irq_index(struct vdev *v)
{
	return v->is_edu ? VFIO_PCI_MSI_IRQ_INDEX : VFIO_PCI_MSIX_IRQ_INDEX;
}

/* Set the triggers of vectors @start.. to @fds (-1: none) */
static int irqs_set(struct vdev *v, int start, int count, const int *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + sizeof(int) * count;
	struct vfio_irq_set *set = calloc(1, sz);
	int i, ret;

	set->argsz = sz;
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = irq_index(v);
	set->start = start;
	set->count = count;
	for (i = 0; i < count; i++)
		((int *)set->data)[i] = fds[i];
	ret = ioctl(v->fd, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	return ret ? -errno : 0;
}

static int irqs_enable(struct vdev *v)
{
	return irqs_set(v, 0, v->nvec, v->efd);
}

static int irqs_disable_ret(struct vdev *v)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = irq_index(v),
	};

	return ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &set) ? -errno : 0;
}

static void irqs_disable(struct vdev *v)
{
	if (irqs_disable_ret(v))
		die("VFIO_DEVICE_SET_IRQS disable");
}

/* Wait up to @ms for eventfd @i; return the count it carried (0 = none). */
static uint64_t wait_efd(struct vdev *v, int i, int ms)
{
	struct pollfd p = { .fd = v->efd[i], .events = POLLIN };
	uint64_t cnt = 0;

	if (poll(&p, 1, ms) == 1 && read(v->efd[i], &cnt, 8) != 8)
		cnt = 0;
	return cnt;
}

static void drain(struct vdev *v)
{
	for (int i = 0; i < v->nvec; i++)
		while (wait_efd(v, i, 0))
			;
}

#define E1000_ICS	0xC8
#define E1000_IMS	0xD0
#define E1000_IMC	0xD8
#define E1000_EIAC	0xDC
#define E1000_IVAR	0xE4
#define E1000_ITR	0xC4
#define E1000_EITR(i)	(0xE8 + 4 * (i))
#define E1000_RXQ0	0x00100000
#define E1000_RXQ1	0x00200000

static void device_setup(struct vdev *v)
{
	if (v->is_edu)
		return;
	bar0_w32(v, E1000_IMC, ~0u);
	/* No interrupt throttling: QEMU 7.2 asserts if a throttling timer
	 * fires after MSI-X was disabled.
	 */
	bar0_w32(v, E1000_ITR, 0);
	for (int i = 0; i < 5; i++)
		bar0_w32(v, E1000_EITR(i), 0);
	bar0_w32(v, E1000_IVAR, (0x8 | 0) | ((0x8 | 1) << 4));
	bar0_w32(v, E1000_EIAC, E1000_RXQ0 | E1000_RXQ1);
}

static void fire(struct vdev *v, int vec)
{
	uint32_t cause = vec ? E1000_RXQ1 : E1000_RXQ0;

	if (v->is_edu) {
		bar0_w32(v, 0x60, 1);		/* raise */
		bar0_w32(v, 0x64, 1);		/* ack */
		return;
	}
	bar0_w32(v, E1000_IMS, cause);
	bar0_w32(v, E1000_ICS, cause);
}

/* Quiesce the device before its interrupts are disabled. */
static void device_quiesce(struct vdev *v)
{
	if (v->is_edu)
		return;
	bar0_w32(v, E1000_IMC, ~0u);
	usleep(20000);
}

static int fired_vectors(struct vdev *v)
{
	return v->is_edu ? 1 : 2;
}

/* Fire @shots interrupts on every vector; return how many were received. */
static int shoot(struct vdev *v, int shots, int ms)
{
	int got = 0;

	for (int s = 0; s < shots; s++)
		for (int i = 0; i < fired_vectors(v); i++) {
			fire(v, i);
			got += wait_efd(v, i, ms) ? 1 : 0;
		}
	return got;
}

/* The config space offset of capability @id of @dev_bdf, 0 if none */
static int cap_of(const char *dev_bdf, int id)
{
	char path[256];
	uint8_t cfg[256];
	int fd, pos;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev_bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, cfg, sizeof(cfg), 0) != sizeof(cfg))
		die(path);
	close(fd);
	for (pos = cfg[PCI_CAPABILITY_LIST]; pos; pos = cfg[pos + 1])
		if (cfg[pos] == id)
			return pos;
	return 0;
}

static int msi_cap(void)
{
	return cap_of(bdf, PCI_CAP_ID_MSI);
}

/* Raw config access through sysfs: goes to the device, not through VFIO. */
static uint32_t cfg_raw_of(const char *dev_bdf, int write, int off, uint32_t val)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev_bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	if ((write ? pwrite(fd, &val, 4, off) : pread(fd, &val, 4, off)) != 4)
		die("sysfs config access");
	close(fd);
	return val;
}

static uint32_t cfg_raw(int write, int off, uint32_t val)
{
	return cfg_raw_of(bdf, write, off, val);
}

/* Entry 0 of the MSI-X table of @dev_bdf, whose capability is at @cap */
static uint64_t msix_address_of(const char *dev_bdf, int cap)
{
	uint32_t tbl = cfg_raw_of(dev_bdf, 0, cap + PCI_MSIX_TABLE, 0);
	off_t off = tbl & PCI_MSIX_TABLE_OFFSET, pg = getpagesize();
	volatile uint32_t *entry;
	char path[256];
	uint64_t addr;
	void *map;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%u", dev_bdf,
		 tbl & PCI_MSIX_TABLE_BIR);
	fd = open(path, O_RDONLY | O_SYNC);
	if (fd < 0)
		die(path);
	map = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, off & ~(pg - 1));
	if (map == MAP_FAILED)
		die("mmap of the MSI-X table");
	entry = (volatile uint32_t *)((char *)map + (off & (pg - 1)));
	addr = entry[PCI_MSIX_ENTRY_LOWER_ADDR / 4] |
	       (uint64_t)entry[PCI_MSIX_ENTRY_UPPER_ADDR / 4] << 32;
	munmap(map, pg);
	close(fd);
	return addr;
}

/*
 * The MSI address @dev_bdf holds: its MSI capability's (64-bit) if MSI is
 * enabled, else entry 0 of its MSI-X table if MSI-X is; 0 if neither.
 */
static uint64_t msi_address_of(const char *dev_bdf)
{
	int cap = cap_of(dev_bdf, PCI_CAP_ID_MSI);

	if (cap && (cfg_raw_of(dev_bdf, 0, cap, 0) >> 16) & PCI_MSI_FLAGS_ENABLE)
		return cfg_raw_of(dev_bdf, 0, cap + PCI_MSI_ADDRESS_LO, 0) |
		       (uint64_t)cfg_raw_of(dev_bdf, 0, cap + PCI_MSI_ADDRESS_HI, 0) << 32;
	cap = cap_of(dev_bdf, PCI_CAP_ID_MSIX);
	if (cap && (cfg_raw_of(dev_bdf, 0, cap, 0) >> 16) & PCI_MSIX_FLAGS_ENABLE)
		return msix_address_of(dev_bdf, cap);
	return 0;
}

/* The address in the MSI capability of @bdf (an edu), enabled or not */
static uint64_t msi_address(void)
{
	int cap = msi_cap();

	return cfg_raw(0, cap + PCI_MSI_ADDRESS_LO, 0) |
	       (uint64_t)cfg_raw(0, cap + PCI_MSI_ADDRESS_HI, 0) << 32;
}

static void corrupt_test(struct vdev *v, int shots)
{
	int cap = msi_cap();
	uint32_t lo, bad;
	int got;

	if (!cap) {
		check(0, "corrupt: device has no MSI capability");
		return;
	}
	lo = cfg_raw(0, cap + PCI_MSI_ADDRESS_LO, 0);
	/* 64 KiB further into the MSI window: inside it, but nothing mapped. */
	bad = lo + 0x10000;
	printf("corrupt: doorbell IOVA %#x -> unmapped %#x\n", lo, bad);
	printf("EXPECT-FAULT-IOVA %#x\n", bad);
	cfg_raw(1, cap + PCI_MSI_ADDRESS_LO, bad);
	got = shoot(v, shots, 300);
	check(got == 0, "corrupt: %d/%d interrupts to unmapped IOVA %#x lost", shots - got,
	      shots, bad);
	printf("CORRUPT-IOVA %#x\n", bad);
	cfg_raw(1, cap + PCI_MSI_ADDRESS_LO, lo);
	got = shoot(v, shots, 1000);
	check(got == shots, "corrupt: %d/%d interrupts after restoring %#x", got, shots, lo);
}

/* Fault-injection sweeps scan the debugfs view hundreds of times: quietly. */
static int debugfs_quiet;

/* Doorbell pages the debugfs view shows held by @dev_bdf; -1 without it */
static int debugfs_pages_of(const char *dev_bdf)
{
	FILE *f = fopen("/sys/kernel/debug/iommu/msi_doorbells", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!debugfs_quiet)
			printf("  debugfs: %s", line);
		if (strstr(line, " phys ") && strstr(line, dev_bdf))
			n++;
	}
	fclose(f);
	return n;
}

/*
 * Does a doorbell page the debugfs view shows bound for @dev_bdf hold
 * @addr (an IOVA in the page's "iova" .. "iova + size" range)? 1 yes, 0 no,
 * -1 without the view.
 */
static int debugfs_binds(const char *dev_bdf, uint64_t addr)
{
	FILE *f = fopen("/sys/kernel/debug/iommu/msi_doorbells", "r");
	unsigned long long phys, iova, size;
	char line[512];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, dev_bdf) &&
		    sscanf(line, " phys %llx iova %llx size %llx", &phys, &iova, &size) == 3 &&
		    addr >= iova && addr - iova < size)
			found = 1;
	fclose(f);
	return found;
}

static int smmu_faults(void)
{
	FILE *f = popen("dmesg | grep -c 'event 0x10 received'", "r");
	int n = 0;

	if (!f || fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return n;
}

/*
 * SMMU events @id (0x10 a translation fault, 0x13 a permission fault) on
 * @iova in the kernel log: the IOVA is the third dword the driver prints
 * after the event line. Checks that expect a fault use this, not
 * smmu_faults(): the driver rate-limits its messages, and a count would
 * take a fault on any address.
 */
static int smmu_events_at(unsigned int id, uint64_t iova)
{
	FILE *f = popen("dmesg", "r");
	char line[512], want[32], event[32];
	int n = 0, after = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)iova);
	snprintf(event, sizeof(event), "event 0x%02x received", id);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, event)) {
			after = 4;
			continue;
		}
		if (after > 0) {
			after--;
			if (strstr(line, want))
				n++;
		}
	}
	pclose(f);
	return n;
}

/* Translation faults (event 0x10) on @iova */
static int smmu_faults_at(uint64_t iova)
{
	return smmu_events_at(0x10, iova);
}

/*
 * edu DMA engine: move 4 bytes between its buffer and @iova, device ->
 * memory (a write to @iova) if @to_mem, else memory -> device (a read).
 */
static void edu_dma(struct vdev *v, uint64_t iova, int to_mem)
{
	uint64_t buf = 0x40000, cnt = 4, cmd = 0x1 | (to_mem ? 0x2 : 0);
	int i;

	rw(v, 1, v->bar0_off + 0x80, to_mem ? &buf : &iova, 8);
	rw(v, 1, v->bar0_off + 0x88, to_mem ? &iova : &buf, 8);
	rw(v, 1, v->bar0_off + 0x90, &cnt, 8);
	rw(v, 1, v->bar0_off + 0x98, &cmd, 8);
	for (i = 0; i < 100; i++) {
		usleep(10000);
		rw(v, 0, v->bar0_off + 0x98, &cmd, 8);
		if (!(cmd & 1))
			break;
	}
	usleep(100000);		/* let the SMMU event reach the log */
}

static void edu_dma_write(struct vdev *v, uint64_t iova)
{
	edu_dma(v, iova, 1);
}

/*
 * The edu @a's DMA write to @doorbell, an IOVA whose doorbell was just
 * released (@what says how), must fault on that IOVA: the page is unmapped.
 */
static void expect_freed(struct vdev *a, uint64_t doorbell, const char *what)
{
	int f0;

	printf("EXPECT-FAULT-IOVA %#llx\n", (unsigned long long)doorbell);
	f0 = smmu_faults_at(doorbell);
	edu_dma_write(a, doorbell);
	check(smmu_faults_at(doorbell) > f0,
	      "freed-doorbell: %s: edu DMA to the old doorbell IOVA %#llx faults on that IOVA (unmapped)",
	      what, (unsigned long long)doorbell);
	printf("RELEASED-IOVA %#llx\n", (unsigned long long)doorbell);
}

/*
 * If the kernel has the doorbell debugfs view, the shared page must show one
 * reference per device, and both devices.
 */
static void share_debugfs(const char *bdf2)
{
	FILE *f = fopen("/sys/kernel/debug/iommu/msi_doorbells", "r");
	char line[512];
	int found = 0;

	if (!f) {
		if (series)
			check(0, "share: no doorbell debugfs view on a kernel with the series");
		else
			printf("share: no doorbell debugfs view in this kernel\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		printf("  debugfs: %s", line);
		if (strstr(line, "refs 2 ") && strstr(line, bdf) && strstr(line, bdf2))
			found = 1;
	}
	fclose(f);
	check(found, "share: debugfs shows the doorbell page with 2 references, held by both devices");
}

/*
 * Open @bdf2, an e1000e, in the type1 container of @a, as @b: the two share
 * one IOMMU domain and one doorbell page. Returns the group fd.
 */
static int open_second(struct vdev *a, const char *bdf2, struct vdev *b)
{
	int group2 = group_fd_of(bdf2);

	if (ioctl(group2, VFIO_GROUP_SET_CONTAINER, &a->container))
		die("VFIO_GROUP_SET_CONTAINER (second group)");
	b->fd = ioctl(group2, VFIO_GROUP_GET_DEVICE_FD, bdf2);
	if (b->fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD (second device)");
	b->cfg_off = region_offset(b, VFIO_PCI_CONFIG_REGION_INDEX);
	b->bar0_off = region_offset(b, VFIO_PCI_BAR0_REGION_INDEX);
	set_master(b);
	for (int i = 0; i < b->nvec; i++)
		if ((b->efd[i] = eventfd(0, EFD_NONBLOCK)) < 0)
			die("eventfd");
	return group2;
}

static void share_test(struct vdev *a, const char *bdf2, int shots)
{
	struct vdev b = { .nvec = 3 };
	int group2, f0, got, want = shots * 2;
	uint64_t doorbell;

	group2 = open_second(a, bdf2, &b);

	check(!irqs_enable(a) && !irqs_enable(&b), "share: edu MSI and %s MSI-X enabled in one container",
	      bdf2);
	device_setup(&b);
	drain(a);
	drain(&b);
	check(shoot(a, shots, 1000) == shots, "share: edu interrupts delivered");
	check(shoot(&b, shots, 1000) == want, "share: e1000e interrupts delivered");
	doorbell = msi_address();
	printf("share: doorbell IOVA %#llx\n", (unsigned long long)doorbell);
	share_debugfs(bdf2);

	/* No fault expected: counting is exact, the first fault always prints. */
	f0 = smmu_faults();
	edu_dma_write(a, doorbell);
	check(smmu_faults() == f0, "share: edu DMA to the mapped doorbell IOVA does not fault");

	irqs_disable(a);
	drain(&b);
	got = shoot(&b, shots, 1000);
	check(got == want, "share: e1000e keeps working after the edu disabled MSI (%d/%d)", got, want);
	f0 = smmu_faults();
	edu_dma_write(a, doorbell);
	check(smmu_faults() == f0, "share: doorbell still mapped while the e1000e uses it");

	device_quiesce(&b);
	irqs_disable(&b);
	expect_freed(a, doorbell, "share: both disabled");
	close(b.fd);
	close(group2);
}

/* Fire @shots interrupts on vector @vec of @v; return how many arrived */
static int shoot_vec(struct vdev *v, int vec, int shots)
{
	int got = 0;

	for (int s = 0; s < shots; s++) {
		fire(v, vec);
		got += wait_efd(v, vec, 1000) ? 1 : 0;
	}
	return got;
}

/*
 * Dynamic MSI-X, type1: @bdf2 (an e1000e) in @a's container enables one
 * MSI-X vector, then adds vector 1 to its live table, as QEMU does when a
 * guest unmasks a vector it did not enable at first: vfio-pci allocates it
 * with pci_msix_alloc_irq_at(), which binds its doorbells before it
 * activates. Every vector fires; the doorbell page stays mapped (an edu DMA
 * to it does not fault) while any vector is allocated, including after a
 * trigger went; once MSI-X is disabled the page is unmapped and the same
 * DMA faults on that IOVA.
 */
static void dyn_test(struct vdev *a, const char *bdf2, int shots)
{
	struct vdev b = { .nvec = 2 };
	int group2, f0, got, ret, none = -1, cap;
	uint64_t doorbell;

	group2 = open_second(a, bdf2, &b);
	ret = irqs_set(&b, 0, 1, &b.efd[0]);
	check(!ret, "dyn: MSI-X enabled with vector 0 only: %s", ret ? strerror(-ret) : "ok");
	if (ret)
		return;
	device_setup(&b);
	drain(&b);
	got = shoot_vec(&b, 0, shots);
	check(got == shots, "dyn: vector 0 delivers (%d/%d)", got, shots);

	ret = irqs_set(&b, 1, 1, &b.efd[1]);
	check(!ret, "dyn: vector 1 added to the live MSI-X table (pci_msix_alloc_irq_at): %s",
	      ret ? strerror(-ret) : "ok");
	if (ret)
		return;
	drain(&b);
	got = shoot_vec(&b, 1, shots);
	check(got == shots, "dyn: the added vector 1 delivers (%d/%d)", got, shots);
	got = shoot_vec(&b, 0, shots);
	check(got == shots, "dyn: vector 0 still delivers (%d/%d)", got, shots);

	cap = cap_of(bdf2, PCI_CAP_ID_MSIX);
	doorbell = cap ? msix_address_of(bdf2, cap) : 0;
	printf("dyn: doorbell IOVA %#llx\n", (unsigned long long)doorbell);
	check(doorbell != 0, "dyn: the e1000e's MSI-X table holds a doorbell address");
	got = debugfs_pages_of(bdf2);
	if (got >= 0)
		check(got == 1, "dyn: %d doorbell page(s) bound for %s with two vectors (want 1)",
		      got, bdf2);
	else if (series)
		check(0, "dyn: no doorbell debugfs view on a kernel with the series");

	/* Vector 0's trigger goes; vfio-pci keeps the vector allocated */
	ret = irqs_set(&b, 0, 1, &none);
	check(!ret, "dyn: vector 0's trigger removed: %s", ret ? strerror(-ret) : "ok");
	drain(&b);
	got = shoot_vec(&b, 1, shots);
	check(got == shots, "dyn: vector 1 delivers after vector 0's trigger went (%d/%d)",
	      got, shots);
	f0 = smmu_faults_at(doorbell);
	edu_dma_write(a, doorbell);
	check(smmu_faults_at(doorbell) == f0,
	      "dyn: edu DMA to the doorbell IOVA %#llx does not fault while vectors are allocated",
	      (unsigned long long)doorbell);

	device_quiesce(&b);
	irqs_disable(&b);
	got = debugfs_pages_of(bdf2);
	if (got >= 0)
		check(got == 0, "dyn: %d doorbell page(s) bound for %s after MSI-X disable (want 0)",
		      got, bdf2);
	expect_freed(a, doorbell, "dyn: MSI-X disabled");
	close(b.fd);
	close(group2);
}

/*
 * The release of a doorbell, type1 or iommufd: the edu's DMA to its
 * doorbell IOVA must not fault while its MSI is enabled, and must fault on
 * that IOVA once the MSI is disabled (its last vector released the page).
 */
static void release_test(struct vdev *v, int shots, int use_iommufd)
{
	const char *via = use_iommufd ? "iommufd" : "type1";
	uint64_t doorbell;
	char what[48];
	int f0;

	check(!irqs_enable(v), "release (%s): edu MSI enabled", via);
	drain(v);
	check(shoot(v, shots, 1000) == shots, "release (%s): edu interrupts delivered", via);
	doorbell = msi_address();
	printf("release: doorbell IOVA %#llx\n", (unsigned long long)doorbell);
	f0 = smmu_faults_at(doorbell);
	edu_dma_write(v, doorbell);
	check(smmu_faults_at(doorbell) == f0,
	      "release (%s): edu DMA to the doorbell IOVA %#llx does not fault while MSI is enabled",
	      via, (unsigned long long)doorbell);
	irqs_disable(v);
	snprintf(what, sizeof(what), "release (%s): MSI disabled", via);
	expect_freed(v, doorbell, what);
}

/*
 * A doorbell is mapped write-only: the edu's DMA read of the doorbell IOVA
 * must take a permission fault on that IOVA, and its MSI, a write to the
 * same IOVA, must keep arriving.
 */
static void read_doorbell_test(struct vdev *v, int shots, int use_iommufd)
{
	const char *via = use_iommufd ? "iommufd" : "type1";
	uint64_t doorbell;
	int p0, t0;

	check(!irqs_enable(v), "read-doorbell (%s): edu MSI enabled", via);
	/*
	 * Before any MSI is fired: QEMU's SMMUv3 checks only the write
	 * permission of a translation it has cached, so the read must be the
	 * first access to the page.
	 */
	doorbell = msi_address();
	printf("read-doorbell: doorbell IOVA %#llx\n", (unsigned long long)doorbell);
	printf("EXPECT-FAULT-IOVA %#llx\n", (unsigned long long)doorbell);
	p0 = smmu_events_at(0x13, doorbell);
	t0 = smmu_faults_at(doorbell);
	edu_dma(v, doorbell, 0);
	check(smmu_faults_at(doorbell) == t0,
	      "read-doorbell (%s): the doorbell IOVA %#llx is mapped (no translation fault)",
	      via, (unsigned long long)doorbell);
	check(smmu_events_at(0x13, doorbell) > p0,
	      "doorbell-write-only: %s: edu DMA read of the doorbell IOVA %#llx takes a permission fault",
	      via, (unsigned long long)doorbell);
	drain(v);
	check(shoot(v, shots, 1000) == shots,
	      "read-doorbell (%s): edu interrupts delivered after the read", via);
	irqs_disable(v);
}

/*
 * The race: one thread replaces the page table back and forth while this
 * one enables, fires and disables. An MSI raised while a replace is in
 * flight may be lost whatever the doorbells do: the SMMU driver switches
 * the device's context descriptor through an invalid one (event 0x0a,
 * C_BAD_CD). One raised while no replace is in flight must arrive: the
 * doorbell is bound in whichever domain the device is in (a doorbell
 * missing there is a translation fault, event 0x10, which the scenario
 * fails on either way). The replace thread bumps @seq around each attach
 * (odd: one in flight) and pauses between attaches, so that shots land
 * both during and between replaces; each shot is classed by @seq read
 * before and after it is fired.
 */
struct race {
	struct vdev	*v;
	int		n;
	int		errors;
	volatile int	stop;
	unsigned int	seq;
};

static void *race_replace(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < r->n; i++) {
		__atomic_add_fetch(&r->seq, 1, __ATOMIC_SEQ_CST);
		if (attach_pt(r->v, i % 2 ? r->v->ioas : r->v->ioas2))
			r->errors++;
		__atomic_add_fetch(&r->seq, 1, __ATOMIC_SEQ_CST);
		usleep(2000);
	}
	r->stop = 1;
	return NULL;
}

struct race_count {
	int	fired, quiet, lost_quiet, lost_racing, received;
	int	msi_off;		/* edu enables that left MSI Enable clear */
	uint64_t extra;
	char	enabled_msg[80];	/* the edu's message after this cycle's enable */
};

/* The message the device holds (edu: MSI; the MSI-X table is not read). */
static void msi_msg(struct vdev *v, char *buf, size_t len)
{
	int cap = v->is_edu ? msi_cap() : 0;

	buf[0] = 0;
	if (cap)
		snprintf(buf, len, "address %#llx data %#x flags %#x",
			 (unsigned long long)msi_address(),
			 cfg_raw(0, cap + PCI_MSI_DATA_64, 0) & 0xffff,
			 cfg_raw(0, cap, 0) >> 16);
}

/* Fire vector @i once; count it as raced by a replace or not, and lost. */
static void race_shot(struct vdev *v, struct race *r, int i, struct race_count *c)
{
	unsigned int s0, s1;
	uint64_t cnt;
	int racing;

	/* A late or extra one must not pass for this shot's interrupt. */
	while ((cnt = wait_efd(v, i, 0)))
		c->extra += cnt;
	/* The device's MSI write goes through the SMMU while fire()'s MMIO
	 * write is handled: a replace starting after it returns cannot
	 * touch it.
	 */
	s0 = __atomic_load_n(&r->seq, __ATOMIC_SEQ_CST);
	fire(v, i);
	s1 = __atomic_load_n(&r->seq, __ATOMIC_SEQ_CST);
	racing = (s0 & 1) || s1 != s0;
	/* With no replace to excuse it, a slow interrupt is waited for. */
	cnt = wait_efd(v, i, racing ? 50 : 1000);
	c->fired++;
	c->quiet += !racing;
	c->received += !!cnt;
	c->extra += cnt > 1 ? cnt - 1 : 0;	/* the e1000e may send two */
	if (!cnt && racing) {
		c->lost_racing++;
	} else if (!cnt) {
		char now[80];

		c->lost_quiet++;
		msi_msg(v, now, sizeof(now));
		printf("race: interrupt %d (vector %d) lost with no replace in flight; MSI %s, after the enable %s\n",
		       c->fired, i, now, c->enabled_msg);
	}
}

static void race_test(struct vdev *v, int n, int shots)
{
	struct race r = { .v = v, .n = n };
	int cycles = 0, enable_errors = 0, got;
	struct race_count c = { 0 };
	pthread_t t;

	v->ioas2 = ioas_alloc(v);
	if (pthread_create(&t, NULL, race_replace, &r))
		die("pthread_create");
	while (!r.stop) {
		if (irqs_enable(v)) {
			enable_errors++;
			continue;
		}
		device_setup(v);
		drain(v);
		msi_msg(v, c.enabled_msg, sizeof(c.enabled_msg));
		/* A message rewrite racing the enable must not undo it. */
		if (v->is_edu && !((cfg_raw(0, msi_cap(), 0) >> 16) & PCI_MSI_FLAGS_ENABLE))
			c.msi_off++;
		for (int s = 0; s < shots; s++)
			for (int i = 0; i < fired_vectors(v); i++)
				race_shot(v, &r, i, &c);
		device_quiesce(v);
		for (int i = 0; i < fired_vectors(v); i++)
			while ((got = wait_efd(v, i, 0)))
				c.extra += got;
		irqs_disable(v);
		cycles++;
	}
	pthread_join(t, NULL);
	check(!r.errors && !enable_errors,
	      "race: %d replaces and %d MSI enable/disable cycles concurrently (%d/%d errors)",
	      n, cycles, r.errors, enable_errors);
	printf("race: %d interrupts fired, %d received (+%llu extra); %d fired while a replace was in flight, %d of them lost\n",
	       c.fired, c.received, (unsigned long long)c.extra,
	       c.fired - c.quiet, c.lost_racing);
	check(!c.lost_quiet, "race: %d/%d interrupts fired with no replace in flight reached eventfds",
	      c.quiet - c.lost_quiet, c.quiet);
	if (v->is_edu)
		check(!c.msi_off, "race: the device's MSI Enable bit set after each of %d enables (%d had it clear)",
		      cycles, c.msi_off);
	/* Else the check above proved nothing (--race-any: the caller sums
	 * the rounds, printed above, itself).
	 */
	if (!race_any)
		check(c.quiet >= 10 && c.fired - c.quiet > 0,
	      "race: %d interrupts fired between replaces (want 10 or more), %d during one (want some)",
	      c.quiet, c.fired - c.quiet);
	check(!irqs_enable(v), "race: MSIs enable after the race");
	device_setup(v);
	drain(v);
	got = shoot(v, shots, 1000);
	check(got == shots * fired_vectors(v), "race: %d/%d device interrupts after the race", got,
	      shots * fired_vectors(v));
	device_quiesce(v);
	irqs_disable(v);
}

/*
 * --fail-nth: fault injection in the fail-nth pattern of upstream's
 * tools/testing/selftests/iommu/iommufd_fail_nth.c. For n = 1, 2, ...,
 * arm /proc/self/task/TID/fail-nth so that the n-th fault-injectable
 * allocation of one ioctl fails, run the ioctl, and stop at the first n
 * the ioctl no longer reaches. Each injected failure must come back as an
 * errno (or be absorbed), and the same operation retried without
 * injection must give working device interrupts. Two ioctls are swept:
 * the MSI enable (VFIO_DEVICE_SET_IRQS: MSI domain, descriptors, the
 * controller's .alloc and the doorbell mapping) and, with --iommufd and
 * MSIs enabled, a page table replace (the doorbell in the new domain).
 */
static int fail_nth_fd = -1;

static void fail_nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		die("fail-nth write");
}

/* Disarm; return 1 if the armed failure was injected. */
static int fail_nth_disarm(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) < 1)
		die("fail-nth read");
	if (pwrite(fail_nth_fd, "0", 1, 0) != 1)
		die("fail-nth disarm");
	return atoi(buf) == 0;
}

/* Fire on every vector: all @shots * vectors must arrive. */
/* A fail-nth sweep stopped at step @n: it must have ended below its cap */
static void fail_nth_sweep_done(unsigned int n, const char *what)
{
	debugfs_quiet = 0;
	fail_nth_step = 0;
	check(n < FAIL_NTH_MAX, "the %s sweep ended before its cap of %d steps", what, FAIL_NTH_MAX);
}

static void expect_irqs(struct vdev *v, int shots, const char *what, unsigned int n)
{
	int got;

	device_setup(v);
	drain(v);
	got = shoot(v, shots, 1000);
	if (got != shots * fired_vectors(v))
		check(0, "%s after injection %u: %d/%d device interrupts", what, n, got,
		      shots * fired_vectors(v));
}

/*
 * Enable, fire on every vector (all must arrive) and quiesce the device,
 * vectors left enabled: 0, or the errno of the enable (a failed check).
 */
static int enable_and_fire(struct vdev *v, int shots, const char *what, unsigned int n)
{
	int ret = irqs_enable(v);

	if (ret) {
		check(0, "%s, injection %u: the enable failed: %s", what, n, strerror(-ret));
		return ret;
	}
	expect_irqs(v, shots, what, n);
	device_quiesce(v);
	return 0;
}

static unsigned int fail_nth_enable(struct vdev *v, int use_iommufd, int shots)
{
	unsigned int n, errs = 0;
	int ret, hit, last_err = 0;

	/*
	 * Every step starts from a freshly opened device, so that the first
	 * enable in a new IOMMU domain (or IOAS), which maps the doorbell, is
	 * swept too and not only the enables that find it mapped.
	 */
	for (n = 1; n < FAIL_NTH_MAX; n++) {
		fail_nth_step = n;
		vdev_close(v);
		vdev_open(v, use_iommufd);
		fail_nth_arm(n);
		ret = irqs_enable(v);
		hit = fail_nth_disarm();
		if (!hit) {
			check(ret == 0, "enable without injection: %s", strerror(-ret));
			if (!ret) {
				expect_irqs(v, shots, "enable", n);
				device_quiesce(v);
				irqs_disable(v);
			}
			break;
		}
		if (ret) {
			errs++;
			if (ret != last_err)
				printf("  enable, injection %u: %s\n", n, strerror(-ret));
			last_err = ret;
			/* Every injection point here is a failed allocation. */
			if (ret != -ENOMEM)
				check(0, "errno: enable, injection %u: a failed allocation came back as %s, want ENOMEM",
				      n, strerror(-ret));
		} else {
			/* The failure was absorbed: the vectors must work. */
			expect_irqs(v, shots, "absorbed enable", n);
			device_quiesce(v);
			irqs_disable(v);
		}
		if (enable_and_fire(v, shots, "retry after an enable injection", n))
			break;
		irqs_disable(v);
	}
	fail_nth_step = 0;
	check(n < FAIL_NTH_MAX, "the enable sweep ended before its cap of %d steps", FAIL_NTH_MAX);
	printf("FAIL-NTH enable: %u injection point(s) reached, %u returned an errno\n", n - 1, errs);
	return n - 1;
}

static unsigned int fail_nth_replace(struct vdev *v, int shots)
{
	uint32_t other = ioas_alloc(v), cur = v->ioas;
	unsigned int n, errs = 0;
	int ret, hit;

	ret = irqs_enable(v);
	if (ret) {
		check(0, "enable before the replace sweep: %s", strerror(-ret));
		return 0;
	}
	for (n = 1; n < FAIL_NTH_MAX; n++) {
		fail_nth_step = n;
		uint32_t to = cur == v->ioas ? other : v->ioas;

		fail_nth_arm(n);
		ret = attach_pt(v, to) ? -errno : 0;
		hit = fail_nth_disarm();
		if (!ret)
			cur = to;
		else if (!hit)
			check(0, "replace without injection: %s", strerror(-ret));
		else
			errs++;
		/* Attached to @cur either way: its MSIs must work. */
		expect_irqs(v, shots, ret ? "failed replace" : "replace", n);
		if (!hit)
			break;
	}
	device_quiesce(v);
	irqs_disable(v);
	fail_nth_step = 0;
	check(n < FAIL_NTH_MAX, "the replace sweep ended before its cap of %d steps", FAIL_NTH_MAX);
	printf("FAIL-NTH replace: %u injection point(s) reached, %u returned an errno\n", n - 1, errs);
	return n - 1;
}

/*
 * After a disable, @bdf must hold no doorbell page: its last vector went,
 * and with it its bindings (which the disable must release whatever fails
 * under it: the release path has no way to report an error).
 */
static void expect_released(const char *what, unsigned int n)
{
	int pages = debugfs_pages_of(bdf);

	if (pages > 0)
		check(0, "%s, injection %u: %s still holds %d doorbell page(s)", what, n, bdf, pages);
	else if (pages < 0 && series)
		check(0, "%s: no doorbell debugfs view on a kernel with the series", what);
}

/*
 * The release path: the MSI disable (VFIO_DEVICE_SET_IRQS with no
 * eventfds: the vectors are freed, the device's last one releases its
 * doorbell bindings, the last reference unmaps the page). Each
 * fault-injectable allocation under it fails in turn; the disable must
 * succeed regardless, release every binding of the device, and the next
 * enable must bring working interrupts. Zero points reached is a result
 * too: the release path then allocates nothing.
 */
static unsigned int fail_nth_disable(struct vdev *v, int shots)
{
	uint64_t doorbell, announced = 0;
	unsigned int n;
	int ret, hit, f0;

	debugfs_quiet = 1;
	for (n = 1; n < FAIL_NTH_MAX; n++) {
		fail_nth_step = n;
		if (enable_and_fire(v, shots, "before a disable injection", n))
			break;
		doorbell = v->is_edu ? msi_address() : 0;
		fail_nth_arm(n);
		ret = irqs_disable_ret(v);
		hit = fail_nth_disarm();
		if (ret)
			check(0, "disable%s, injection %u: %s", hit ? "" : " without injection", n,
			      strerror(-ret));
		expect_released("disable", n);
		if (doorbell) {
			if (doorbell != announced)
				printf("EXPECT-FAULT-IOVA %#llx\n", (unsigned long long)doorbell);
			announced = doorbell;
			f0 = smmu_faults_at(doorbell);
			edu_dma_write(v, doorbell);
			if (smmu_faults_at(doorbell) <= f0)
				check(0, "freed-doorbell: disable, injection %u: edu DMA to the old doorbell IOVA %#llx does not fault",
				      n, (unsigned long long)doorbell);
		}
		if (!hit)
			break;
	}
	if (!enable_and_fire(v, shots, "after the disable sweep", n))
		irqs_disable(v);
	fail_nth_sweep_done(n, "disable");
	printf("FAIL-NTH disable: %u injection point(s) reached\n", n - 1);
	return n - 1;
}

/*
 * @sib, a sibling of @bdf (same IOMMU group, its own driver, a live MSI:
 * pcieport), must hold an MSI address inside a doorbell page bound for it
 * in the group's domain (@bound), or, while the group is in a blocking
 * domain, an address in IOVA page 0, which faults there (!@bound). Without
 * the debugfs view (a kernel without the series) nothing is checked.
 */
static void expect_sibling(const char *sib, int bound, const char *what, unsigned int n)
{
	uint64_t addr = msi_address_of(sib);
	int in = debugfs_binds(sib, addr);

	if (in < 0) {
		if (series)
			check(0, "%s: no doorbell debugfs view on a kernel with the series", what);
		return;
	}
	if (bound && (!addr || !in))
		check(0, "%s, injection %u: sibling %s's MSI address %#llx is in no doorbell page bound for it",
		      what, n, sib, (unsigned long long)addr);
	if (!bound && addr >= (uint64_t)getpagesize())
		check(0, "%s, injection %u: group blocked, yet sibling %s's MSI address %#llx is not the faulting IOVA page 0",
		      what, n, sib, (unsigned long long)addr);
}

/*
 * Behaviour, not bookkeeping: where @sib's MSI must be bound, the port's
 * own interrupt must arrive (pcie-port-fire: a real MSI write of the port
 * through the group's domain). Not fired while the group is blocked: the
 * lost event would stay pending in the port and hide the next one.
 */
static void expect_sibling_fires(const char *sib, const char *what, unsigned int n)
{
	char cmd[256];
	int rc;

	snprintf(cmd, sizeof(cmd), "pcie-port-fire --quiet %s '%s, injection %u'", sib, what, n);
	fflush(stdout);
	rc = system(cmd);
	if (rc)
		failures++;
}

/*
 * Domain switches with a sibling's MSI live: the claim of @bdf's group
 * (VFIO_GROUP_SET_CONTAINER for type1, VFIO_DEVICE_BIND_IOMMUFD for
 * iommufd), which moves the group, and @sib, a pcieport holding an MSI,
 * from its DMA domain into a blocking domain, then the first attach
 * (VFIO_SET_IOMMU: domain allocation, MSI cookie, attach; or
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT), which moves it into the VFIO domain and
 * binds @sib's doorbell there. fail-nth stays armed across those ioctls,
 * so each of their fault-injectable allocations fails in turn. Each ioctl
 * must return an errno or succeed, and @sib's MSI must follow the group:
 * bound in the DMA domain if the claim failed, aimed at the fault page
 * while blocked, bound in the VFIO domain once attached. Then @bdf's own
 * interrupts must work, and after the close (the group goes back to its
 * DMA domain) @sib's MSI must be bound there again.
 */
static unsigned int fail_nth_attach(struct vdev *v, int use_iommufd, const char *sib, int shots)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	unsigned int n, errs = 0;
	int ret, hit, claimed, last_err = 0;

	vdev_close(v);
	debugfs_quiet = 1;
	expect_sibling(sib, 1, "before the attach sweep", 0);
	expect_sibling_fires(sib, "before the attach sweep", 0);
	for (n = 1; n < FAIL_NTH_MAX; n++) {
		fail_nth_step = n;
		v->container = v->group = v->iommufd = v->fd = -1;
		claimed = 0;
		if (use_iommufd) {
			v->fd = cdev_open();
			v->iommufd = open("/dev/iommu", O_RDWR);
			if (v->iommufd < 0)
				die("/dev/iommu");
			bind.iommufd = v->iommufd;
			fail_nth_arm(n);
			ret = ioctl(v->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) ? -errno : 0;
			if (!ret) {
				claimed = 1;
				ret = ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &ioas) ? -errno : 0;
			}
			if (!ret) {
				v->ioas = ioas.out_ioas_id;
				ret = attach_pt(v, v->ioas) ? -errno : 0;
			}
		} else {
			v->container = open("/dev/vfio/vfio", O_RDWR);
			if (v->container < 0)
				die("/dev/vfio/vfio");
			v->group = group_fd_of(bdf);
			fail_nth_arm(n);
			ret = ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) ? -errno : 0;
			if (!ret) {
				claimed = 1;
				ret = ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) ? -errno : 0;
			}
		}
		hit = fail_nth_disarm();
		if (ret) {
			if (!hit)
				check(0, "claim and attach without injection: %s", strerror(-ret));
			errs++;
			if (ret != last_err)
				printf("  claim and attach, injection %u: %s%s\n", n, strerror(-ret),
				       claimed ? " (group claimed, not attached)" : "");
			last_err = ret;
			expect_sibling(sib, !claimed, claimed ? "failed attach" : "failed claim", n);
			if (!claimed)
				expect_sibling_fires(sib, "failed claim", n);
		} else {
			expect_sibling(sib, 1, "attach", n);
			expect_sibling_fires(sib, "attach", n);
			if (!use_iommufd) {
				v->fd = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
				if (v->fd < 0)
					die("VFIO_GROUP_GET_DEVICE_FD");
			} else if (hit) {
				/*
				 * The bind opened the device under injection,
				 * and vfio-pci lets a BAR reservation fail at
				 * open (the BAR then returns -EBUSY): the
				 * retry is a fresh open.
				 */
				vdev_close(v);
				v->container = v->group = -1;
				open_iommufd(v);
				expect_sibling(sib, 1, "attach, reopened", n);
			}
			vdev_setup(v);
			if (!enable_and_fire(v, shots, "after an attach injection", n))
				irqs_disable(v);
		}
		vdev_close(v);
		expect_sibling(sib, 1, "back in the DMA domain", n);
		expect_sibling_fires(sib, "back in the DMA domain", n);
		if (!hit)
			break;
	}
	fail_nth_sweep_done(n, "attach");
	printf("FAIL-NTH attach: %u injection point(s) reached, %u returned an errno\n", n - 1, errs);
	return n - 1;
}

/* Lines of the kernel log that contain @what */
static int dmesg_count(const char *what)
{
	char cmd[256];
	FILE *f;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -cF '%s'", what);
	f = popen(cmd, "r");
	if (!f || fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return n;
}

/*
 * [*@start, *@end) of the kernel text symbol @sym, from /proc/kallsyms: up
 * to the next text symbol. Returns 0 when found.
 */
static int ksym_range(const char *sym, unsigned long long *start, unsigned long long *end)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	unsigned long long addr, best = 0;
	char type, name[256];
	int found = 0;

	if (!f)
		return -1;
	*start = 0;
	/* The symbol, then the lowest text address above it */
	while (fscanf(f, "%llx %c %255s%*[^\n]", &addr, &type, name) == 3)
		if ((type == 't' || type == 'T') && !strcmp(name, sym)) {
			*start = addr;
			found = 1;
		}
	rewind(f);
	while (found && fscanf(f, "%llx %c %255s%*[^\n]", &addr, &type, name) == 3)
		if ((type == 't' || type == 'T') && addr > *start && (!best || addr < best))
			best = addr;
	fclose(f);
	*end = best;
	return found && *start && best ? 0 : -1;
}

/* Let failslab and fail_page_alloc fail only with [start, end) on the stack */
static void fail_nth_require(unsigned long long start, unsigned long long end)
{
	static const char * const attrs[] = { "failslab", "fail_page_alloc" };
	const char *bound[] = { "require-start", "require-end" };
	unsigned long long val[] = { start, end };
	char path[128], buf[32];
	unsigned int i, j;
	int fd;

	for (i = 0; i < 4; i++) {
		j = i & 1;
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", attrs[i / 2], bound[j]);
		snprintf(buf, sizeof(buf), "%llu", val[j]);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
			die(path);
		close(fd);
	}
}

/*
 * The release of @bdf's group with @sib's MSI live: the group goes back to
 * its DMA domain, a switch that must succeed. fail-nth stays armed across
 * the close, so each fault-injectable allocation of that switch fails in
 * turn; where one fails, @sib's doorbell cannot be bound there and its table
 * turns LOST (its MSI aimed at an IOVA that faults). The kernel must then
 * bind it again on its own, within seconds (a work item retries after 1 s):
 * @sib's MSI address must come back into a page bound for it, and its own
 * interrupt must arrive. Nothing else would ever bind it again: the port
 * neither allocates vectors nor changes domain. Only allocations made under
 * iommu_msi_doorbells_prepare() are failed (the stack-trace filter of fault
 * injection): a failed allocation of the IOMMU driver's own attach of the
 * default domain is a warning of 7.3's (__iommu_group_set_domain_nofail()),
 * which no doorbell code can absorb. On a kernel without the series there
 * is no such function and the sweep is not run: the attach sweep has failed
 * already.
 */
static unsigned int fail_nth_release(struct vdev *v, int use_iommufd, const char *sib, int shots)
{
	const char *lost_msg = "cannot move MSI doorbells to the new IOMMU domain";
	const char *again_msg = "MSI doorbells bound again in the IOMMU domain";
	int lost0 = dmesg_count(lost_msg), again0 = dmesg_count(again_msg);
	unsigned int n;
	unsigned long long start, end;
	int hit, i, in;

	/* fail_nth_attach() closed them */
	v->fd = v->container = v->group = v->iommufd = -1;
	if (ksym_range("iommu_msi_doorbells_prepare", &start, &end)) {
		check(!series, "lost-retry: no iommu_msi_doorbells_prepare in /proc/kallsyms on a kernel with the series");
		return 1;
	}
	printf("release sweep: failing allocations under iommu_msi_doorbells_prepare [%#llx, %#llx)\n", start, end);
	fail_nth_require(start, end);
	debugfs_quiet = 1;
	for (n = 1; n < FAIL_NTH_MAX; n++) {
		fail_nth_step = n;
		vdev_open(v, use_iommufd);
		if (!enable_and_fire(v, shots, "before a release injection", n))
			irqs_disable(v);
		fail_nth_arm(n);
		vdev_close(v);
		hit = fail_nth_disarm();
		v->fd = v->container = v->group = v->iommufd = -1;
		/* Bound at once, or by the retry (1 s) */
		for (i = 0, in = 0; i < 50 && in <= 0; i++) {
			in = debugfs_binds(sib, msi_address_of(sib));
			if (in <= 0)
				usleep(100000);
		}
		expect_sibling(sib, 1, "lost-retry: released to the DMA domain", n);
		expect_sibling_fires(sib, "lost-retry: released to the DMA domain", n);
		if (!hit)
			break;
	}
	fail_nth_require(0, ~0ULL);
	fail_nth_sweep_done(n, "release");
	printf("FAIL-NTH release: %u injection point(s) reached, %d left %s's doorbell LOST, %d retries bound it again\n",
	       n - 1, dmesg_count(lost_msg) - lost0, sib, dmesg_count(again_msg) - again0);
	if (series)
		check(dmesg_count(lost_msg) > lost0 &&
		      dmesg_count(again_msg) - again0 == dmesg_count(lost_msg) - lost0,
		      "lost-retry: each release that left %s's doorbell LOST was retried and bound it again", sib);
	return n - 1;
}

static void fail_nth_test(struct vdev *v, int use_iommufd, const char *sib, int shots)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", (int)syscall(SYS_gettid));
	fail_nth_fd = open(path, O_RDWR);
	if (fail_nth_fd < 0)
		die(path);
	if (sib) {
		check(fail_nth_attach(v, use_iommufd, sib, shots) > 0,
		      "the attach with %s's MSI live reached injection points", sib);
		check(fail_nth_release(v, use_iommufd, sib, shots) > 0,
		      "the release with %s's MSI live reached injection points", sib);
	} else {
		/*
		 * The release path first: its freed-doorbell check is the one
		 * the base kernel's control expects to fail first.
		 */
		fail_nth_disable(v, shots);
		check(fail_nth_enable(v, use_iommufd, shots) > 0, "the MSI enable reached injection points");
		if (use_iommufd)
			check(fail_nth_replace(v, shots) > 0, "the replace reached injection points");
	}
	close(fail_nth_fd);
}

/* The device's kind (edu or e1000e), by its IDs: @v's vector counts. */
static int vdev_kind(struct vdev *v, const char *dev_bdf)
{
	uint32_t vendor = sysfs_hex(dev_bdf, "vendor"), device = sysfs_hex(dev_bdf, "device");

	if (vendor == 0x1234 && device == 0x11e8) {
		v->is_edu = 1;
		v->nvec = 1;
	} else if (vendor == 0x8086 && device == 0x10d3) {
		v->nvec = 3;
	} else {
		fprintf(stderr, "%s: unsupported device %04x:%04x\n", dev_bdf, vendor, device);
		return -1;
	}
	return 0;
}

/*
 * --stress: devices of different IOMMU groups in one type1 container (one
 * IOMMU domain, one doorbell page shared by all), each driven by its own
 * thread: enable, fire every vector twice, disable, for @secs seconds.
 */
#define MAX_STRESS 4

struct stress {
	struct vdev	v;
	const char	*bdf;
	int		secs;
	int		cycles, fired, lost, enable_errors;
};

static void *stress_thread(void *arg)
{
	struct stress *s = arg;
	struct vdev *v = &s->v;
	time_t end = time(NULL) + s->secs;
	int want = 2 * fired_vectors(v), got;

	while (time(NULL) < end) {
		if (irqs_enable(v)) {
			s->enable_errors++;
			usleep(1000);
			continue;
		}
		device_setup(v);
		drain(v);
		got = shoot(v, 2, 1000);
		s->fired += want;
		s->lost += want - got;
		device_quiesce(v);
		irqs_disable(v);
		s->cycles++;
	}
	return NULL;
}

static void stress_test(struct vdev *a, const char **with, int nwith, int secs)
{
	struct stress st[MAX_STRESS] = { { .v = *a, .bdf = bdf } };
	pthread_t t[MAX_STRESS];
	int n = nwith + 1, fired = 0;

	for (int d = 1; d < n; d++) {
		struct vdev *v = &st[d].v;
		int group = group_fd_of(with[d - 1]);

		st[d].bdf = with[d - 1];
		if (vdev_kind(v, st[d].bdf))
			die("--with: unsupported device");
		v->container = v->group = v->iommufd = -1;
		if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &a->container))
			die("VFIO_GROUP_SET_CONTAINER (--with)");
		v->fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, st[d].bdf);
		if (v->fd < 0)
			die("VFIO_GROUP_GET_DEVICE_FD (--with)");
		v->group = group;
		v->cfg_off = region_offset(v, VFIO_PCI_CONFIG_REGION_INDEX);
		v->bar0_off = region_offset(v, VFIO_PCI_BAR0_REGION_INDEX);
		set_master(v);
		for (int i = 0; i < v->nvec; i++) {
			v->efd[i] = eventfd(0, EFD_NONBLOCK);
			if (v->efd[i] < 0)
				die("eventfd");
		}
	}
	printf("stress: %d devices in one type1 container, %d s\n", n, secs);
	fflush(stdout);
	for (int d = 0; d < n; d++) {
		st[d].secs = secs;
		if (pthread_create(&t[d], NULL, stress_thread, &st[d]))
			die("pthread_create");
	}
	for (int d = 0; d < n; d++)
		pthread_join(t[d], NULL);
	for (int d = 0; d < n; d++) {
		int pages = debugfs_pages_of(st[d].bdf);

		fired += st[d].fired;
		check(st[d].cycles > 0 && !st[d].enable_errors && !st[d].lost,
		      "stress: %s (%s): %d enable/fire/disable cycles, %d/%d interrupts arrived, %d enable error(s)",
		      st[d].bdf, st[d].v.is_edu ? "edu, MSI" : "e1000e, MSI-X", st[d].cycles,
		      st[d].fired - st[d].lost, st[d].fired, st[d].enable_errors);
		if (pages >= 0)
			check(pages == 0, "stress: %s holds %d doorbell page(s) after its last disable (want 0)",
			      st[d].bdf, pages);
		else if (series)
			check(0, "stress: no doorbell debugfs view on a kernel with the series");
	}
	printf("STRESS-FIRED %d\n", fired);
	for (int d = 1; d < n; d++) {
		close(st[d].v.fd);
		close(st[d].v.group);
	}
}

int main(int argc, char **argv)
{
	int use_iommufd = 0, cycles = 3, shots = 3, corrupt = 0, hold = 0, replace = 0;
	const char *share = NULL, *sibling = NULL, *dyn = NULL;
	int race = 0, fail_nth = 0, release = 0, read_doorbell = 0;
	struct vdev v = { .container = -1 };
	const char *with[MAX_STRESS] = { NULL };
	int c, i, ret, stress = 0, nwith = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iommufd"))
			use_iommufd = 1;
		else if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
			cycles = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--shots") && i + 1 < argc)
			shots = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--corrupt"))
			corrupt = 1;
		else if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else if (!strcmp(argv[i], "--replace") && i + 1 < argc)
			replace = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--share") && i + 1 < argc)
			share = argv[++i];
		else if (!strcmp(argv[i], "--dyn") && i + 1 < argc)
			dyn = argv[++i];
		else if (!strcmp(argv[i], "--race") && i + 1 < argc)
			race = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--release"))
			release = 1;
		else if (!strcmp(argv[i], "--read-doorbell"))
			read_doorbell = 1;
		else if (!strcmp(argv[i], "--fail-nth"))
			fail_nth = 1;
		else if (!strcmp(argv[i], "--sibling") && i + 1 < argc)
			sibling = argv[++i];
		else if (!strcmp(argv[i], "--race-any"))
			race_any = 1;
		else if (!strcmp(argv[i], "--stress") && i + 1 < argc)
			stress = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--with") && i + 1 < argc && nwith < MAX_STRESS - 1)
			with[nwith++] = argv[++i];
		else
			bdf = argv[i];
	}
	series = getenv("BENCH_SERIES") && !strcmp(getenv("BENCH_SERIES"), "1");
	if (!bdf) {
		fprintf(stderr, "usage: %s [--iommufd] [--cycles N] [--shots N] [--corrupt] [--hold] [--replace N] [--race N] [--race-any] [--share BDF2] [--dyn BDF2] [--release] [--read-doorbell] [--fail-nth [--sibling BDF2]] [--stress SECS --with BDF2 ...] BDF\n",
			argv[0]);
		return 100;
	}

	if (vdev_kind(&v, bdf))
		return 100;

	vdev_open(&v, use_iommufd);
	for (i = 0; i < v.nvec; i++) {
		v.efd[i] = eventfd(0, EFD_NONBLOCK);
		if (v.efd[i] < 0)
			die("eventfd");
	}

	if (fail_nth) {
		fail_nth_test(&v, use_iommufd, sibling, shots);
		return verdict();
	}

	if (race) {
		if (!use_iommufd) {
			fprintf(stderr, "--race needs --iommufd\n");
			return 100;
		}
		race_test(&v, race, shots);
		return verdict();
	}

	if (stress) {
		if (use_iommufd || !nwith) {
			fprintf(stderr, "--stress needs type1 and at least one --with BDF\n");
			return 100;
		}
		stress_test(&v, with, nwith, stress);
		return verdict();
	}

	/* The edu's own DMA checks, type1 or iommufd */
	if (release || read_doorbell) {
		if (!v.is_edu) {
			fprintf(stderr, "%s needs an edu as BDF\n",
				release ? "--release" : "--read-doorbell");
			return 100;
		}
		(release ? release_test : read_doorbell_test)(&v, shots, use_iommufd);
		return verdict();
	}

	if (dyn) {
		if (use_iommufd || !v.is_edu) {
			fprintf(stderr, "--dyn needs type1 and an edu as BDF\n");
			return 100;
		}
		dyn_test(&v, dyn, shots);
		return verdict();
	}

	if (share) {
		if (use_iommufd || !v.is_edu) {
			fprintf(stderr, "--share needs type1 and an edu as BDF\n");
			return 100;
		}
		share_test(&v, share, shots);
		return verdict();
	}

	printf("%s %s via %s: %d vector(s), %d cycles\n", bdf, v.is_edu ? "edu/MSI" : "e1000e/MSI-X",
	       use_iommufd ? "iommufd" : "type1", v.nvec, cycles);

	for (c = 0; c < cycles; c++) {
		int got;

		ret = irqs_enable(&v);
		if (ret) {
			check(0, "cycle %d: VFIO_DEVICE_SET_IRQS enable: %s", c, strerror(-ret));
			break;
		}
		device_setup(&v);
		drain(&v);
		got = shoot(&v, shots, 1000);
		/* Keep long runs quiet: report the first, last and any bad cycle. */
		if (got != shots * fired_vectors(&v) || c == 0 || c == cycles - 1)
			check(got == shots * fired_vectors(&v),
			      "cycle %d: %d/%d device interrupts reached eventfds (MSI address %#llx)",
			      c, got, shots * fired_vectors(&v),
			      v.is_edu ? (unsigned long long)msi_address() : 0ULL);
		if (got != shots * fired_vectors(&v)) {
			device_quiesce(&v);
			irqs_disable(&v);
			break;
		}
		if (c == cycles - 1) {
			if (corrupt)
				corrupt_test(&v, shots);
			if (replace)
				v.ioas2 = ioas_alloc(&v);
			for (int r = 0; r < replace; r++) {
				uint32_t to = r % 2 ? v.ioas : v.ioas2;

				ret = attach_pt(&v, to);
				drain(&v);
				got = ret ? 0 : shoot(&v, shots, 1000);
				if (ret || got != shots * fired_vectors(&v) || r < 2 ||
				    r == replace - 1)
					check(!ret && got == shots * fired_vectors(&v),
					      "replace %d to IOAS %u: %s, %d/%d device interrupts (MSI address %#llx)",
					      r, to, ret ? strerror(errno) : "attached", got,
					      shots * fired_vectors(&v),
					      v.is_edu ? (unsigned long long)msi_address() : 0ULL);
				if (ret || got != shots * fired_vectors(&v))
					break;
			}
			if (replace) {
				int n = debugfs_pages_of(bdf);

				if (n >= 0)
					check(n == 1, "replace: %d doorbell page(s) bound for %s after %d replaces (want 1: none left in old domains)",
					      n, bdf, replace);
				else if (series)
					check(0, "replace: no doorbell debugfs view on a kernel with the series");
				else
					printf("replace: no doorbell debugfs view in this kernel\n");
			}
			if (hold) {
				char line[16];

				printf("HOLD %#llx\n", v.is_edu ? (unsigned long long)msi_address() : 0ULL);
				fflush(stdout);
				if (!fgets(line, sizeof(line), stdin))
					line[0] = 0;
			}
		}
		device_quiesce(&v);
		irqs_disable(&v);
	}

	return verdict();
}
