#!/bin/bash
# Boot one scenario under qemu-system-aarch64 and judge its console log.
#
# usage: run-scenario.sh IMAGE INITRAMFS LOGDIR NAME
#
# The scenario's tests/scenarios/NAME.guest carries "#@ machine:", "#@ devices:"
# and "#@ append:" lines for the host side. The scenario passes when the guest
# printed "BENCH-RESULT NAME PASS" and the console holds no kernel splat. A guest
# that does not power off within BENCH_TIMEOUT seconds fails.
#
# BENCH_SERIES=1|0 says whether the kernel has the series (default: its tree,
# found through IMAGE's build directory, has drivers/iommu/msi-doorbell.c and
# its .config IOMMU_DEBUGFS); the guest gets it as bench.series=. A scenario
# with "#@ requires: series" is not booted without it: exit 77 (skipped).
# Unless it says "#@ kmemleak: off", the guest must have run its kmemleak
# check ("ok: kmemleak:"), so a kernel without kmemleak fails.
set -uo pipefail

image=$1 initrd=$2 logdir=$3 name=$4
top=$(cd "$(dirname "$0")/.." && pwd)
spec=$top/tests/scenarios/$name.guest
timeout_s=${BENCH_TIMEOUT:-300}
[ -f "$spec" ] || { echo "run-scenario: no scenario $spec" >&2; exit 2; }
mkdir -p "$logdir"
log=$logdir/$name.log

hdr() { sed -n "s/^#@ $1: *//p" "$spec"; }
machine=$(hdr machine)
append=$(hdr append)
if [ -z "${BENCH_SERIES:-}" ]; then
	obj=$(dirname "$image")/../../..
	ksrc=$obj
	[ -e "$obj/source" ] && ksrc=$obj/source
	BENCH_SERIES=0
	[ -f "$ksrc/drivers/iommu/msi-doorbell.c" ] &&
		grep -q '^CONFIG_IOMMU_DEBUGFS=y' "$obj/.config" 2>/dev/null && BENCH_SERIES=1
fi
if [ "$(hdr requires)" = series ] && [ "$BENCH_SERIES" != 1 ]; then
	printf 'SKIP  %-16s: needs a kernel with the series (BENCH_SERIES=%s)\n' "$name" "$BENCH_SERIES"
	exit 77
fi
# "#@ requires: /bin/PROG": the initramfs must carry PROG (upstream
# selftests are built only for the bases that list them).
case $(hdr requires) in
/*)
	if ! cpio -it <"$initrd" 2>/dev/null | grep -qx "$(hdr requires | sed 's|^/||')"; then
		printf 'SKIP  %-16s: %s is not in this base'"'"'s initramfs\n' "$name" "$(hdr requires)"
		exit 77
	fi
	;;
esac
append="$append bench.series=$BENCH_SERIES"
devices=()
for d in $(hdr devices); do
	case $d in
	nvme | nvme-2048)	# nvme-2048: 2048 MSI-X entries, for the benchmark
		img=$logdir/nvme.img
		[ -f "$img" ] || truncate -s 64M "$img"
		qsize=
		[ $d = nvme-2048 ] && qsize=,msix_qsize=2048
		devices+=(-drive "file=$img,if=none,id=nvm,format=raw"
			-device "nvme,drive=nvm,serial=bench0,addr=2.0$qsize")
		;;
	virtio-rng) devices+=(-device virtio-rng-pci,addr=3.0) ;;
	edu) devices+=(-device edu,addr=5.0) ;;
	e1000e) devices+=(-device e1000e,addr=6.0,romfile=) ;;
	*) echo "run-scenario: unknown device $d in $spec" >&2; exit 2 ;;
	esac
done
case " $append " in *" kunit.enable="*) ;; *) append="$append kunit.enable=0" ;; esac

start=$(date +%s.%N)
timeout --foreground -k 5 "$timeout_s" qemu-system-aarch64 \
	-M "$machine" -cpu cortex-a57 -smp 2 -m 1024 \
	-nodefaults -display none -serial stdio -monitor none -no-reboot \
	-kernel "$image" -initrd "$initrd" \
	-append "console=ttyAMA0 panic=-1 loglevel=7 bench.scenario=$name $append" \
	"${devices[@]}" </dev/null >"$log" 2>&1
rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)

why=
if [ $rc = 124 ] || [ $rc = 137 ]; then
	why="timeout after ${timeout_s}s (guest hung)"
elif ! grep -q "^BENCH-END" "$log"; then
	why="guest did not finish (qemu exit $rc)"
elif ! grep -q "^BENCH-RESULT $name PASS" "$log"; then
	why="guest checks failed"
fi
# Any of these in a console fails the scenario, whatever the guest said.
splat=$(grep -nE '(^|[^A-Z_])BUG:|WARNING:|sleeping function called from invalid context|possible (recursive|circular) locking|inconsistent lock state|INFO: trying to register non-static key|Kernel panic|Oops|unreferenced object 0x' "$log" | head -5)
if [ -n "$splat" ]; then
	why="${why:+$why; }kernel splat in console:
$splat"
fi
# A guest that skipped its kmemleak check must not pass.
if [ "$(hdr kmemleak)" != off ] && grep -q "^BENCH-END" "$log" && ! grep -q "^ok: kmemleak:" "$log"; then
	why="${why:+$why; }no kmemleak check in the guest"
fi

printf '%s %.1fs\n' "$name" "$secs" >>"$logdir/timings"
if [ -z "$why" ]; then
	printf 'PASS  %-16s (%.1fs)\n' "$name" "$secs"
	exit 0
fi
printf 'FAIL  %-16s (%.1fs): %s\n      log: %s\n' "$name" "$secs" "$why" "$log"
grep -E '^(FAIL|ok):' "$log" | sed 's/^/      /' | tail -20
exit 1
