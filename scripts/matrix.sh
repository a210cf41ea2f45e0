#!/bin/bash
# Build matrix: link a kernel and its modules for each configuration a
# reviewer will try, from the tree of $BASE (base + series):
#
#   arm64-test      the test kernel (make test's configuration)
#   arm64-modules   VFIO, IOMMUFD, SMMUv3 as modules; fsl-mc and CDX built
#   arm64-16k       16K pages
#   arm64-64k       64K pages
#   arm64-rt        PREEMPT_RT
#   x86_64-iommu    x86_64 defconfig plus the IOMMU and VFIO options
#   x86_64-nomsi    x86_64 with IOMMU_DMA but PCI_MSI=n (no GENERIC_MSI_IRQ)
#
# Each builds in build/$BASE/matrix/NAME (incremental). Prints one verdict
# line per configuration and "N passed, N failed".
#
# usage: matrix.sh [NAME...]
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cfg=$TOP/tests/config
all=(arm64-test arm64-modules arm64-16k arm64-64k arm64-rt x86_64-iommu x86_64-nomsi)
[ $# -gt 0 ] && all=("$@")
pass=0 fail=0
for name in "${all[@]}"; do
	obj=$B/matrix/$name
	mkdir -p "$obj"
	kbase=
	case $name in
	arm64-test) arch=arm64 frags=($(fragments test)) ;;
	arm64-modules) arch=arm64 frags=($(fragments test) "$cfg/matrix-modules.config") ;;
	arm64-16k) arch=arm64 frags=($(fragments test) "$cfg/matrix-16k.config") ;;
	arm64-64k) arch=arm64 frags=($(fragments test) "$cfg/matrix-64k.config") ;;
	arm64-rt) arch=arm64 frags=($(fragments test) "$cfg/matrix-rt.config") ;;
	x86_64-iommu) arch=x86_64 kbase=$SRC/arch/x86/configs/x86_64_defconfig frags=("$cfg/matrix-x86-iommu.config") ;;
	x86_64-nomsi) arch=x86_64 frags=("$cfg/matrix-x86-nomsi.config") ;;
	*) echo "matrix: unknown configuration $name" >&2; exit 2 ;;
	esac
	t0=$(date +%s)
	log=$obj/build.log
	if BENCH_ARCH=$arch KCONFIG_BASE=$kbase "$TOP/scripts/kconfig.sh" "$SRC" "$obj" "${frags[@]}" >"$log" 2>&1 &&
		(BENCH_ARCH=$arch; . "$TOP/scripts/lib.sh"; kmake "$SRC" "$obj" -j"${JOBS:-$(nproc)}" all) >>"$log" 2>&1; then
		grep -q '^CONFIG_MODULES=y' "$obj/.config" && mods="$(find "$obj" -name '*.ko' | wc -l) modules" || mods="no modules"
		printf 'PASS  %-14s %4ss  (%s)\n' "$name" $(($(date +%s) - t0)) "$mods"
		pass=$((pass + 1))
	else
		printf 'FAIL  %-14s %4ss  log %s\n' "$name" $(($(date +%s) - t0)) "$log"
		grep -E 'error|undefined reference|kconfig: (requested|FAILED)' "$log" | head -8 | sed 's/^/      /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
