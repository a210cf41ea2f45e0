#!/bin/bash
# Build a variant of the test kernel and boot every scenario on it, with the
# same verdicts as make test (the KUnit boot included):
#
#   kasan   + tests/config/kasan.config (generic KASAN, KFENCE sampling
#           every 10 ms); build/$BASE/variant/kasan
#   rt      + tests/config/matrix-rt.config (PREEMPT_RT); builds in the build
#           matrix's arm64-rt directory (the same configuration), so one
#           build serves both
#
# Logs go to build/$BASE/logs-NAME. Prints the build and test times, and
# ends with test.sh's "N passed, N failed[, N skipped]".
#
# usage: variant.sh NAME [SCENARIO...]
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=${1:?usage: variant.sh kasan|rt [SCENARIO...]}
shift
cfg=$TOP/tests/config
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
*) echo "variant: unknown variant $name (kasan, rt)" >&2; exit 2 ;;
esac
mkdir -p "$obj"
t0=$(date +%s)
"$TOP/scripts/kconfig.sh" "$SRC" "$obj" $frags || exit 1
echo "variant $name: building $obj/arch/arm64/boot/Image (log $obj/kbuild.log)"
kmake "$SRC" "$obj" -j"${JOBS:-$(nproc)}" Image >"$obj/kbuild.log" 2>&1 || {
	tail -30 "$obj/kbuild.log"
	echo "variant $name: FAILED: build error, see $obj/kbuild.log" >&2
	exit 1
}
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
