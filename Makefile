# MSI doorbell premapping: build, boot and test a patched arm64 Linux kernel
# under QEMU. See README.md. Every target installs what it needs.
#
# BASE=7.3 (the default, and the only base in bases/) picks bases/$(BASE).conf:
# the Debian source package, its series directory, and build/$(BASE) for
# everything built.
# Paths, kconfig fragments and the cross-make line live in scripts/lib.sh.

SHELL		:= /bin/bash
LIB		:= set -eo pipefail; . scripts/lib.sh
JOBS		?= $(shell nproc)
export BASE JOBS

.PHONY: pages16k pages64k help all demo test base-kernel deps deps-core tree export roundtrip b4check config kernel initramfs kunit kunit-tool vmm \
	scenario check series fixes-build bisect-check bisect-boot bench matrix kasan rt fresh-root clean distclean

help: ## list the targets
	@echo "usage: make TARGET [BASE=7.3] [SCENARIOS=\"a b\"] [FORCE=1] [BENCH_ROUNDS=N]"
	@sed -n 's/^\([a-z0-9-]*\):.*## \(.*\)/  \1\t\2/p' $(MAKEFILE_LIST) | expand -t 16

all: kernel initramfs ## the test kernel and the initramfs

deps: ## install the Debian packages, unpack QEMU 10 and b4, fetch the base kernel source
	@scripts/deps.sh

deps-core: ## what make demo needs: the Debian packages and the base source (no QEMU 10, no b4)
	@scripts/deps.sh --core

tree: deps-core ## build/BASE/src: the base commit + one commit per patch of the series
	@scripts/tree.sh $(if $(FORCE),--force)

export: ## write build/BASE/src's commits back to the series directory and overlay
	@scripts/export.sh

roundtrip: tree ## the series directory and overlay agree with the tree
	@scripts/roundtrip.sh

b4check: deps tree ## b4 am reads the series directory as one series; its mbox applies to the tree
	@scripts/b4check.sh

config: tree ## merge the test kernel's fragments, verify every option took
	@$(LIB); scripts/kconfig.sh "$$SRC" "$$OBJ" $$(fragments test)

kernel: config ## build the test kernel Image (incremental)
	@$(LIB); echo "kernel: building $$IMAGE (make -j$(JOBS), log $$B/kbuild.log)"; \
	kmake "$$SRC" "$$OBJ" -j$(JOBS) Image >"$$B/kbuild.log" 2>&1 || { tail -40 "$$B/kbuild.log"; \
		echo "kernel: FAILED: build error, see $$B/kbuild.log" >&2; exit 1; }; \
	echo "kernel: $$IMAGE ready"

initramfs: tree ## busybox, the guest programs and the scenarios, as a cpio
	@$(LIB); scripts/initramfs.sh "$$SRC" "$$OBJ" "$$INITRAMFS"

demo: kernel initramfs ## boot the demo tour and print it (README's first command)
	@$(LIB); BENCH_TIMEOUT=300 scripts/run-scenario.sh "$$IMAGE" "$$INITRAMFS" "$$LOGS" demo && rc=0 || rc=$$?; \
	sed -n '/^BENCH-START/,/^BENCH-END/p' "$$LOGS/demo.log"; exit $$rc

base-kernel: tree ## the unpatched base kernel (same test config), for make test's controls
	@scripts/base-kernel.sh

test: deps kernel base-kernel initramfs vmm ## every test, the base kernel's controls included; last line "N passed, N failed[, N skipped]"
	@$(LIB); export BENCH_FRAGMENTS="$$(fragments test)" BASE_IMAGE BASE_LOGS; \
	scripts/test.sh "$$SRC" "$$OBJ" "$$IMAGE" "$$INITRAMFS" "$$LOGS" $(SCENARIOS)

vmm: deps ## the nested guest's VMM (Debian's arm64 QEMU 10 and its libraries) for the vm-* scenarios
	@scripts/vmm.sh build/vmm/vmm.cpio

kunit: deps kernel initramfs ## the KUnit boot alone
	@$(LIB); export BENCH_FRAGMENTS="$$(fragments test)"; \
	scripts/test.sh "$$SRC" "$$OBJ" "$$IMAGE" "$$INITRAMFS" "$$LOGS" kunit

kunit-tool: tree ## the series' KUnit suites through kunit.py run --arch=arm64 and their .kunitconfig files
	@$(LIB); cd "$$SRC" && python3 tools/testing/kunit/kunit.py run --arch=arm64 \
		--cross_compile="$$CROSS" --build_dir="$$B/kunit-tool" --jobs=$(JOBS) \
		$$(git -C "$$SRC" diff --name-only base..HEAD -- '*.kunitconfig' | xargs -rn1 dirname | sed 's/^/--kunitconfig=/')

scenario: deps kernel initramfs vmm ## boot SCENARIOS="a b" on the series kernel, fail if any fails
	@$(LIB); rc=0; for s in $(SCENARIOS); do \
		scripts/run-scenario.sh "$$IMAGE" "$$INITRAMFS" "$$LOGS" $$s || [ $$? = 77 ] || rc=1; done; exit $$rc

check: kernel ## checkpatch --strict, kernel-doc, W=1 + sparse against the base
	@$(LIB); scripts/check.sh "$$SRC" "$$OBJ"

series: tree ## build/BASE/series: the RFC set with its cover letter
	@$(LIB); scripts/series.sh "$$SRC" "$$B/series"

fixes-build: tree base-kernel ## apply each fix alone to the bare base and build the objects it touches (W=1)
	@$(LIB); FIXES_BUILD=1 scripts/fixes-alone.sh

bisect-check: tree ## build every commit of the series in turn
	@$(LIB); scripts/bisect-check.sh "$$SRC" "$$B"

bisect-boot: tree initramfs ## build and boot (its-dma + KUnit) every commit of the series
	@$(LIB); BISECT_BOOT=1 scripts/bisect-check.sh "$$SRC" "$$B"

bench: deps ## base vs series benchmark (BENCH_ROUNDS boots each, interleaved)
	@$(LIB); scripts/bench.sh "$$B"

matrix: tree ## link kernel + modules: arm64 test/modules/16K/64K/RT, x86_64 (MATRIX="names")
	@scripts/matrix.sh $(MATRIX)

kasan: tree initramfs ## the test kernel + KASAN and KFENCE: build it, boot every scenario
	@$(LIB); scripts/variant.sh kasan $(SCENARIOS)

rt: tree initramfs ## the test kernel with PREEMPT_RT: build it, boot every scenario
	@$(LIB); scripts/variant.sh rt $(SCENARIOS)

pages16k: deps tree initramfs ## 16K-page test and base kernels: build them, boot the IOMMU scenarios on both
	@$(LIB); scripts/variant.sh pages16k $(SCENARIOS)

pages64k: deps tree initramfs ## 64K-page test and base kernels: build them, boot the IOMMU scenarios (virtio-iommu 64K granule too) on both
	@$(LIB); scripts/variant.sh pages64k $(SCENARIOS)

fresh-root: ## run the README's two commands in a new Debian 12 root from a clean clone
	@scripts/fresh-root.sh

clean: ## remove build output of BASE (keeps the trees and downloads)
	@$(LIB); rm -rf "$$OBJ" "$$B/guest" "$$INITRAMFS" "$$LOGS" "$$B/series"

distclean: ## remove all of build/
	rm -rf build
