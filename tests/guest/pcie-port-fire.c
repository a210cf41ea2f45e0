// SPDX-License-Identifier: GPL-2.0
/*
 * pcie-port-fire: make a PCIe port raise a real MSI through the IOMMU, and
 * check that the interrupt arrives.
 *
 * usage: pcie-port-fire [--quiet] [--expect-lost] BDF [WHEN]
 *
 * The port's Slot Control register is written with the value it holds: a
 * hot-plug command that changes nothing. A QEMU PCIe port completes every
 * command at once and signals Command Completed, which pciehp enables
 * (PCI_EXP_SLTCTL_CCIE, when the slot does not say "no command completed
 * support"): the port writes its MSI message, which the IOMMU translates
 * in the port's domain. pciehp's handler clears the event. Only Slot
 * Control is written (2 bytes): Slot Status bits are write-1-to-clear.
 *
 * Passes ("ok:", exit 0) when the port's MSI/MSI-X count in
 * /proc/interrupts rose within a second; with --expect-lost, when it did
 * not. Otherwise prints "FAIL: port-msi: ..." (the tag names the behaviour
 * for the bench's controls) and exits 1; 100 on a setup error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#define MAX_IRQS 32

static int cap_of(const char *bdf, int id)
{
	char path[256];
	uint8_t cfg[256];
	int fd, pos, n = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, cfg, sizeof(cfg), 0) != sizeof(cfg)) {
		perror(path);
		exit(100);
	}
	close(fd);
	for (pos = cfg[PCI_CAPABILITY_LIST] & ~3; pos && n++ < 48; pos = cfg[pos + 1] & ~3)
		if (cfg[pos] == id)
			return pos;
	return 0;
}

/* Sum over CPUs of @bdf's MSI/MSI-X vectors in /proc/interrupts; -1: none */
static long msi_irq_count(const char *bdf, char *irqlist, size_t len)
{
	int irqs[MAX_IRQS], n = 0, seen = 0, i;
	char path[256], line[4096];
	struct dirent *e;
	long sum = 0;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", bdf);
	d = opendir(path);
	if (!d)
		return -1;
	irqlist[0] = 0;
	while ((e = readdir(d)) && n < MAX_IRQS) {
		if (e->d_name[0] == '.')
			continue;
		irqs[n++] = atoi(e->d_name);
		snprintf(irqlist + strlen(irqlist), len - strlen(irqlist), "%s%s",
			 n > 1 ? "," : "", e->d_name);
	}
	closedir(d);
	f = fopen("/proc/interrupts", "r");
	if (!f || !n)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *q;
		long irq = strtol(p, &q, 10);

		if (q == p || *q != ':')
			continue;
		for (i = 0; i < n; i++)
			if (irqs[i] == irq)
				break;
		if (i == n)
			continue;
		seen = 1;
		for (p = q + 1;; p = q) {
			long v = strtol(p, &q, 10);

			if (q == p)
				break;
			sum += v;
		}
	}
	fclose(f);
	return seen ? sum : -1;
}

int main(int argc, char **argv)
{
	int quiet = 0, expect_lost = 0, cap, fd, i, arg = 1;
	char path[256], irqs[256], when[128] = "";
	const char *bdf;
	long n0, n1 = -1;
	uint16_t ctl;

	for (; arg < argc && argv[arg][0] == '-'; arg++) {
		if (!strcmp(argv[arg], "--quiet"))
			quiet = 1;
		else if (!strcmp(argv[arg], "--expect-lost"))
			expect_lost = 1;
		else
			break;
	}
	if (arg >= argc) {
		fprintf(stderr, "usage: %s [--quiet] [--expect-lost] BDF [WHEN]\n", argv[0]);
		return 100;
	}
	bdf = argv[arg];
	if (arg + 1 < argc)
		snprintf(when, sizeof(when), " (%s)", argv[arg + 1]);
	cap = cap_of(bdf, PCI_CAP_ID_EXP);
	n0 = msi_irq_count(bdf, irqs, sizeof(irqs));
	if (!cap || n0 < 0) {
		printf("FAIL: port-msi: %s: %s%s\n", bdf, !cap ? "no PCIe capability" :
		       "no MSI/MSI-X vector in msi_irqs", when);
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &ctl, 2, cap + PCI_EXP_SLTCTL) != 2) {
		perror(path);
		return 100;
	}
	if (!(ctl & PCI_EXP_SLTCTL_CCIE) || !(ctl & PCI_EXP_SLTCTL_HPIE)) {
		printf("FAIL: port-msi: %s: Slot Control %#06x does not enable command-completed interrupts%s\n",
		       bdf, ctl, when);
		return 1;
	}
	if (pwrite(fd, &ctl, 2, cap + PCI_EXP_SLTCTL) != 2) {
		perror("Slot Control write");
		return 100;
	}
	close(fd);
	for (i = 0; i < 100; i++) {
		usleep(10000);
		n1 = msi_irq_count(bdf, irqs, sizeof(irqs));
		if (n1 > n0 && !expect_lost)
			break;
	}
	if ((n1 > n0) != expect_lost) {
		if (!quiet)
			printf("ok: port-msi: %s's command-completed interrupt %s (IRQs %s: %ld -> %ld)%s\n",
			       bdf, expect_lost ? "lost, as expected" : "arrived through its MSI",
			       irqs, n0, n1, when);
		return 0;
	}
	printf("FAIL: port-msi: %s's command-completed interrupt %s (IRQs %s: %ld -> %ld)%s\n",
	       bdf, expect_lost ? "arrived, want it lost" : "did not arrive through its MSI",
	       irqs, n0, n1, when);
	return 1;
}
