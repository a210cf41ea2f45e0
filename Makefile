# MSI doorbell premapping: build, boot and test a patched Linux 6.12 arm64
# kernel under QEMU. See README.md. Every target installs what it needs.

B		:= $(CURDIR)/build
SRC		:= $(B)/src
OBJ		:= $(B)/obj
IMAGE		:= $(OBJ)/arch/arm64/boot/Image
INITRAMFS	:= $(B)/initramfs.cpio
LOGS		:= $(B)/logs
KMAKE		:= $(MAKE) -C $(SRC) O=$(OBJ) ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
JOBS		?= $(shell nproc)
FRAGMENTS	:= $(addprefix tests/config/,base.config pci-iommu.config devices.config debug.config) \
		   $(wildcard tests/config/kunit.config)
export BENCH_FRAGMENTS := $(FRAGMENTS)

.PHONY: all demo test deps tree export roundtrip config kernel initramfs kunit \
	scenario check series bisect-check bench clean distclean help

all: kernel initramfs

help:
	@sed -n 's/^## //p' README.md

deps:
	@scripts/deps.sh

tree: deps
	@scripts/tree.sh $(if $(FORCE),--force) $(SRC)

export:
	@scripts/export.sh $(SRC)

roundtrip: tree
	@scripts/roundtrip.sh $(SRC)

config: tree
	@scripts/kconfig.sh $(SRC) $(OBJ) $(FRAGMENTS)

kernel: config
	@echo "kernel: building $(IMAGE) (make -j$(JOBS), log $(B)/kbuild.log)"
	@$(KMAKE) -j$(JOBS) Image >$(B)/kbuild.log 2>&1 || { tail -40 $(B)/kbuild.log; \
		echo "kernel: FAILED: build error, see $(B)/kbuild.log" >&2; exit 1; }
	@echo "kernel: $(IMAGE) ready"

initramfs: tree
	@scripts/initramfs.sh $(SRC) $(OBJ) $(INITRAMFS)

demo: kernel initramfs
	@BENCH_TIMEOUT=300 scripts/run-scenario.sh $(IMAGE) $(INITRAMFS) $(LOGS) demo; rc=$$?; \
	sed -n '/^BENCH-START/,/^BENCH-END/p' $(LOGS)/demo.log; exit $$rc

test: kernel initramfs
	@scripts/test.sh $(SRC) $(OBJ) $(IMAGE) $(INITRAMFS) $(LOGS) $(SCENARIOS)

kunit: kernel initramfs
	@scripts/test.sh $(SRC) $(OBJ) $(IMAGE) $(INITRAMFS) $(LOGS) kunit

scenario: kernel initramfs
	@for s in $(SCENARIOS); do scripts/run-scenario.sh $(IMAGE) $(INITRAMFS) $(LOGS) $$s; done

check: kernel
	@scripts/check.sh $(SRC) $(OBJ)

series: tree
	@scripts/series.sh $(SRC) $(B)/series

bisect-check: tree
	@scripts/bisect-check.sh $(SRC) $(B)

bench: deps
	@scripts/bench.sh $(B)

clean:
	rm -rf $(OBJ) $(B)/guest $(INITRAMFS) $(LOGS) $(B)/series

distclean:
	rm -rf $(B)
