// SPDX-License-Identifier: GPL-2.0
/*
 * msi-bench: time MSI-X vector allocation and release through VFIO type1.
 *
 * usage: msi-bench BDF REPEAT N...
 *
 * For each N, REPEAT times: VFIO_DEVICE_SET_IRQS enables N MSI-X vectors
 * with eventfd triggers (pci_alloc_irq_vectors() + request_irq() of each in
 * the kernel, i.e. prepare + activate), then disables them (free). Prints
 * one line per N:
 *   BENCH n=<N> enable_us=<median> disable_us=<median> maps=<M> unmaps=<U>
 * The REPEAT timed cycles run with no tracepoint enabled; one more,
 * untimed, cycle then counts the iommu:map trace events its enable caused
 * (maps) and the iommu:unmap events its disable caused (unmaps); -1
 * without tracefs or the iommu events.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#define TRACE "/sys/kernel/tracing"

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* Count the @event ("map", "unmap") events since the last trace reset. */
static int trace_count(const char *event)
{
	FILE *f = fopen(TRACE "/trace", "r");
	char line[512], want[32];
	int n = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), " %s: ", event);
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && strstr(line, want))
			n++;
	fclose(f);
	return n;
}

static int set_irqs(int fd, int *efd, int n)
{
	size_t sz = sizeof(struct vfio_irq_set) + sizeof(int) * n;
	struct vfio_irq_set *set = calloc(1, sz);
	int ret;

	set->argsz = sz;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->flags = n ? VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER :
			 VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->count = n;
	if (n)
		memcpy(set->data, efd, sizeof(int) * n);
	ret = ioctl(fd, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	return ret;
}

int main(int argc, char **argv)
{
	char link[256], target[256], path[64];
	int container, group, fd, repeat, a, r, *efd;
	ssize_t len;

	if (argc < 4) {
		fprintf(stderr, "usage: %s BDF REPEAT N...\n", argv[0]);
		return 2;
	}
	repeat = atoi(argv[2]);
	{
		/* one eventfd per vector, up to 2048, plus the trace file */
		struct rlimit rl = { 8192, 8192 };

		if (setrlimit(RLIMIT_NOFILE, &rl))
			die("setrlimit");
	}

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", argv[1]);
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		die("iommu_group");
	target[len] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(target));
	container = open("/dev/vfio/vfio", O_RDWR);
	group = open(path, O_RDWR);
	if (container < 0 || group < 0)
		die("open vfio");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("type1");
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[1]);
	if (fd < 0)
		die("device fd");

	for (a = 3; a < argc; a++) {
		int n = atoi(argv[a]);
		double *en = calloc(repeat, sizeof(double));
		double *dis = calloc(repeat, sizeof(double));
		double maps = -1, unmaps = -1;
		double t;

		efd = calloc(n, sizeof(int));
		for (int i = 0; i < n; i++) {
			efd[i] = eventfd(0, EFD_NONBLOCK);
			if (efd[i] < 0)
				die("eventfd");
		}
		/* The timed cycles: no tracepoint is enabled. */
		for (r = 0; r < repeat; r++) {
			t = now_us();
			if (set_irqs(fd, efd, n))
				die("enable");
			en[r] = now_us() - t;
			t = now_us();
			if (set_irqs(fd, efd, 0))
				die("disable");
			dis[r] = now_us() - t;
		}
		/* Then one untimed cycle counts the IOMMU maps and unmaps. */
		if (!write_file(TRACE "/events/iommu/map/enable", "1") &&
		    !write_file(TRACE "/events/iommu/unmap/enable", "1")) {
			write_file(TRACE "/trace", "");
			if (set_irqs(fd, efd, n))
				die("enable");
			maps = trace_count("map");
			write_file(TRACE "/trace", "");
			if (set_irqs(fd, efd, 0))
				die("disable");
			unmaps = trace_count("unmap");
			write_file(TRACE "/events/iommu/map/enable", "0");
			write_file(TRACE "/events/iommu/unmap/enable", "0");
		}
		printf("BENCH n=%d enable_us=%.0f disable_us=%.0f maps=%.0f unmaps=%.0f\n",
		       n, median(en, repeat), median(dis, repeat), maps, unmaps);
		fflush(stdout);
		for (int i = 0; i < n; i++)
			close(efd[i]);
		free(efd);
		free(en);
		free(dis);
	}
	return 0;
}
