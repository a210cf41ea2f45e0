#!/bin/bash
# Build a variant of the test kernel and boot every scenario on it, with the
# same verdicts as make test (the KUnit boot included):
#
#   kasan   + tests/config/kasan.config (generic KASAN, KFENCE sampling
#           every 10 ms); build/$BASE/variant/kasan
#   rt      + tests/config/matrix-rt.config (PREEMPT_RT); builds in the build
#           matrix's arm64-rt directory (the same configuration), so one
#           build serves both
#   pages16k, pages64k
#           + tests/config/matrix-16k.config / matrix-64k.config: the test
#           kernel with 16 KiB or 64 KiB pages, and the unpatched base with
#           the same pages (build/$BASE/variant/NAME and NAME-base), so that
#           every scenario has its control as in make test. By default the
#           IOMMU scenarios of $page_scenarios, and those whose "#@ pages:"
#           line names the page size (virtio-iommu with a 64 KiB granule).
#
# Logs go to build/$BASE/logs-NAME. Prints the build and test times, and
# ends with test.sh's "N passed, N failed[, N skipped]".
#
# usage: variant.sh NAME [SCENARIO...]
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=${1:?usage: variant.sh kasan|rt|pages16k|pages64k [SCENARIO...]}
shift
cfg=$TOP/tests/config
# The scenarios of the page-size variants: the VFIO pair, release, replace,
# fail-nth, stress and hot-unplug on SMMUv3, DMA domains, virtio-iommu
# (4 KiB granule) and the KUnit suites. Each boots on both kernels.
page_scenarios="kunit its-dma its-vfio-type1 its-iommufd its-vfio-release
	its-iommufd-release its-iommufd-replace its-fail-nth its-stress
	its-hotplug viommu-dma viommu-vfio-type1"
base_obj=
case $name in
kasan)
	obj=$B/variant/kasan
	frags="$(fragments test) $cfg/kasan.config"
	export BENCH_APPEND="kfence.sample_interval=10"
	;;
rt)
	obj=$B/matrix/arm64-rt
	frags="$(fragments test) $cfg/matrix-rt.config"
	;;
pages16k | pages64k)
	pages=${name#pages}
	obj=$B/variant/$name
	base_obj=$B/variant/$name-base
	frags="$(fragments test) $cfg/matrix-$pages.config"
	base_frags="$(fragments base-test) $cfg/matrix-$pages.config"
	export BENCH_PAGES=$pages
	if [ $# = 0 ]; then
		set -- $page_scenarios $(cd "$TOP/tests/scenarios" &&
			grep -l "^#@ pages:.*\b$pages\b" *.guest | sed 's/\.guest$//')
	fi
	;;
*) echo "variant: unknown variant $name (kasan, rt, pages16k, pages64k)" >&2; exit 2 ;;
esac
# build_image WHAT SRC OBJ FRAGMENT...: configure and build one Image
build_image() {
	local what=$1 src=$2 o=$3
	shift 3
	mkdir -p "$o"
	"$TOP/scripts/kconfig.sh" "$src" "$o" "$@" || exit 1
	echo "variant $name: building $what $o/arch/arm64/boot/Image (log $o/kbuild.log)"
	kmake "$src" "$o" -j"${JOBS:-$(nproc)}" Image >"$o/kbuild.log" 2>&1 || {
		tail -30 "$o/kbuild.log"
		echo "variant $name: FAILED: build error ($what), see $o/kbuild.log" >&2
		exit 1
	}
}
t0=$(date +%s)
build_image "the series" "$SRC" "$obj" $frags
if [ -n "$base_obj" ]; then
	# The unpatched base with the same pages: the worktree of make
	# base-kernel (which checks that it is the base), configured here.
	"$TOP/scripts/base-kernel.sh" >/dev/null || exit 1
	build_image "the base" "$BASE_SRC" "$base_obj" $base_frags
	export BASE_IMAGE=$base_obj/arch/arm64/boot/Image BASE_LOGS=$B/logs-$name-base
fi
t1=$(date +%s)
# Sanitizers slow the guest down several times over.
export BENCH_TIMEOUT=${BENCH_TIMEOUT:-1200}
export BENCH_FRAGMENTS=$frags
out=$B/logs-$name
"$TOP/scripts/test.sh" "$SRC" "$obj" "$obj/arch/arm64/boot/Image" "$INITRAMFS" "$out" "$@" |
	tee "$out.out"
rc=${PIPESTATUS[0]}
t2=$(date +%s)
echo "variant $name: build $((t1 - t0)) s, tests $((t2 - t1)) s" | tee -a "$out.out"
exit $rc
