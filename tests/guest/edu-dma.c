// SPDX-License-Identifier: GPL-2.0
/*
 * edu-dma: make a QEMU edu device that no driver owns write 4 bytes of its
 * buffer to an IOVA, through sysfs: bus mastering is set in its config
 * space and its DMA engine programmed through a mapping of BAR0
 * (resource0). The write is translated in the device's IOMMU domain,
 * whatever it is (a kernel DMA domain here): a caller checks for the SMMU
 * fault, or its absence.
 *
 * usage: edu-dma BDF IOVA
 *
 * The edu clamps DMA addresses to its dma_mask property (28 bits unless
 * the device is created with a wider one). Exit 0 once the engine is done,
 * 100 on an error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>

int main(int argc, char **argv)
{
	volatile uint64_t *bar;
	char path[256];
	uint16_t cmd;
	uint64_t iova;
	char *end;
	int fd, i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s BDF IOVA\n", argv[0]);
		return 100;
	}
	iova = strtoull(argv[2], &end, 0);
	if (!*argv[2] || *end) {
		fprintf(stderr, "edu-dma: '%s' is not an IOVA\n", argv[2]);
		return 100;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", argv[1]);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &cmd, 2, PCI_COMMAND) != 2) {
		perror(path);
		return 100;
	}
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(fd, &cmd, 2, PCI_COMMAND) != 2) {
		perror("PCI_COMMAND");
		return 100;
	}
	close(fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", argv[1]);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0) {
		perror(path);
		return 100;
	}
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED) {
		perror("mmap resource0");
		return 100;
	}
	/* src: the edu buffer, dst: @iova, 4 bytes, start, edu -> RAM */
	bar[0x80 / 8] = 0x40000;
	bar[0x88 / 8] = iova;
	bar[0x90 / 8] = 4;
	bar[0x98 / 8] = 0x1 | 0x2;
	for (i = 0; i < 100 && (bar[0x98 / 8] & 1); i++)
		usleep(10000);
	if (bar[0x98 / 8] & 1) {
		fprintf(stderr, "edu-dma: the DMA engine did not finish\n");
		return 100;
	}
	usleep(100000);		/* let the SMMU event reach the log */
	printf("edu-dma: %s wrote 4 bytes to IOVA %#llx\n", argv[1], (unsigned long long)iova);
	return 0;
}
