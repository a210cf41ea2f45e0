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
# Whether the kernel has the series is read from IMAGE's build tree (its
# source has drivers/iommu/msi-doorbell.c and its .config IOMMU_DEBUGFS),
# never from the environment; the guest gets it as bench.series=. A
# scenario that cannot run (a program it requires is missing from the
# initramfs) fails: nothing here is skipped.
# Unless it says "#@ kmemleak: off", the guest must have run its kmemleak
# check ("ok: kmemleak:"), so a kernel without kmemleak fails.
# Any "FAIL:" line the guest printed fails the scenario, whatever its
# BENCH-RESULT says.
#
# SMMU events are counted from QEMU's own trace (smmuv3_record_event,
# never rate-limited, in LOGDIR/NAME.smmu-events), not from the guest's
# kernel log: every translation-class event (F_TRANSLATION, F_ADDR_SIZE,
# F_ACCESS, F_PERMISSION: 0x10-0x13) fails the scenario unless it says
# "#@ smmu-faults: expected" (then each such event must hit the page of
# an IOVA the guest announced with "EXPECT-FAULT-IOVA 0x..." before) or
# "#@ smmu-faults: outside START END" (none may hit [START, END)).
set -uo pipefail

image=$1 initrd=$2 logdir=$3 name=$4
top=$(cd "$(dirname "$0")/.." && pwd)
spec=$top/tests/scenarios/$name.guest
timeout_s=${BENCH_TIMEOUT:-300}
[ -f "$spec" ] || { echo "run-scenario: no scenario $spec" >&2; exit 2; }
mkdir -p "$logdir"
log=$logdir/$name.log
events=$logdir/$name.smmu-events
# The KUnit cases of this boot (below), for make test to count: none yet.
rm -f "$logdir/$name.cases"
# A log of an earlier run must never be read as this one's.
rm -f "$log" "$events" "$logdir/$name.judged" "$logdir/$name.judged.cut"

hdr() { sed -n "s/^#@ $1: *//p" "$spec"; }
machine=$(hdr machine)
memory=$(hdr memory)	# MiB, default 1024
append=$(hdr append)
obj=$(dirname "$image")/../../..
ksrc=$obj
[ -e "$obj/source" ] && ksrc=$obj/source
BENCH_SERIES=0
[ -f "$ksrc/drivers/iommu/msi-doorbell.c" ] &&
	grep -q '^CONFIG_IOMMU_DEBUGFS=y' "$obj/.config" 2>/dev/null && BENCH_SERIES=1
# "#@ requires: /bin/PROG": the initramfs must carry PROG (upstream
# selftests are built by initramfs.sh); a missing one fails the scenario.
case $(hdr requires) in
"") ;;
/*)
	listing=$(cpio -it --quiet <"$initrd") || {
		echo "FAIL  $name: cannot list $initrd with cpio"
		exit 1
	}
	if ! grep -qxF "$(hdr requires | sed 's|^/||')" <<<"$listing"; then
		printf 'FAIL  %-16s: %s is not in the initramfs (initramfs.sh builds it)\n' "$name" "$(hdr requires)"
		exit 1
	fi
	;;
*)
	echo "run-scenario: $spec: unknown '#@ requires: $(hdr requires)'" >&2
	exit 2
	;;
esac
append="$append bench.series=$BENCH_SERIES"
# "#@ vmm: on": the guest runs a nested guest. Appended to the initramfs
# (the kernel unpacks concatenated archives in turn): vmm.sh's VMM and, for
# the nested guest to boot, the kernel under test and this same initramfs
# as /vmm/Image and /vmm/initramfs.cpio.
if [ "$(hdr vmm)" = on ]; then
	vmm=${BENCH_VMM:-$top/build/vmm/vmm.cpio}
	if [ ! -f "$vmm" ]; then
		printf 'FAIL  %-16s: no VMM payload %s (make vmm builds it)\n' "$name" "$vmm"
		exit 1
	fi
	x=$logdir/$name.vmm
	rm -rf "$x" && mkdir -p "$x/vmm"
	cp "$image" "$x/vmm/Image" && cp "$initrd" "$x/vmm/initramfs.cpio" &&
		(cd "$x" && find vmm | sort | cpio -o -H newc -R 0:0 --quiet) >"$x.cpio" &&
		cat "$initrd" "$vmm" "$x.cpio" >"$logdir/$name.initrd" || {
		printf 'FAIL  %-16s: cannot pack the nested guest into %s\n' "$name" "$logdir/$name.initrd"
		exit 1
	}
	rm -rf "$x" "$x.cpio"
	initrd=$logdir/$name.initrd
fi
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
	# virtio-iommu in front of every PCI device (a machine without
	# iommu=smmuv3): QEMU reports the ITS doorbell frame to it as an
	# IOMMU_RESV_MSI region, which MSI writes bypass.
	virtio-iommu) devices+=(-device virtio-iommu-pci,addr=1.0) ;;
	# The same with a 64 KiB granule on a 4 KiB-page kernel (QEMU >= 8.2:
	# "#@ qemu: 10"): the domains' smallest page is 64 KiB.
	virtio-iommu-64k) devices+=(-device virtio-iommu-pci,addr=1.0,granule=64k) ;;
	# The machine's SMMUv3 with stage 2 only (QEMU >= 8.1: "#@ qemu: 10"):
	# the kernel's domains are stage-2 page tables. virt >= 9.2 sets its
	# SMMU to "nested" over any -global: such scenarios boot virt-9.1.
	smmuv3-stage2) devices+=(-global arm-smmuv3.stage=2) ;;
	edu) devices+=(-device edu,addr=5.0) ;;
	e1000e) devices+=(-device e1000e,addr=6.0,romfile=) ;;
	igb) devices+=(-device igb,addr=7.0,romfile=) ;;	# QEMU >= 8.0: "#@ qemu: 10"
	edu2) devices+=(-device edu,addr=8.0) ;;
	e1000e2) devices+=(-device e1000e,addr=9.0,romfile=) ;;
	# Hotplug slots: a PCIe root port without ACS (so it shares the IOMMU
	# group of the device below it) and an NVMe in it, for device_del
	# through the monitor: rp-nvme is port rp1 (00:10.0) with NVMe hp0
	# (01:00.0), rp-nvme2 port rp2 (00:11.0) with NVMe hp1 (02:00.0).
	# rp-edu: port rp1 (00:10.0) with an edu, id hp0 (01:00.0).
	rp-edu) devices+=(-device pcie-root-port,id=rp1,chassis=1,addr=10.0,disable-acs=on
		-device edu,bus=rp1,id=hp0) ;;
	# rp-edu64: the same with an edu whose DMA reaches 64-bit IOVAs (a
	# kernel DMA domain's are near 4 GiB: the edu's default mask is 28 bits).
	rp-edu64) devices+=(-device pcie-root-port,id=rp1,chassis=1,addr=10.0,disable-acs=on
		-device edu,bus=rp1,id=hp0,dma_mask=0xffffffffffffffff) ;;
	# rp-edu64-nvme: the same with an NVMe as function 1 (01:00.1), in the
	# group too: a kernel driver that allocates DMA IOVAs in its domain.
	rp-edu64-nvme)
		img=$logdir/nvme-fn1.img
		[ -f "$img" ] || truncate -s 16M "$img"
		devices+=(-device pcie-root-port,id=rp1,chassis=1,addr=10.0,disable-acs=on
			-device edu,bus=rp1,addr=0.0,multifunction=on,id=hp0,dma_mask=0xffffffffffffffff
			-drive "file=$img,if=none,id=nvmfn1,format=raw"
			-device nvme,drive=nvmfn1,serial=fn1,bus=rp1,addr=0.1)
		;;
	rp-nvme | rp-nvme2)
		i=1
		[ $d = rp-nvme2 ] && i=2
		img=$logdir/nvme-hp$i.img
		[ -f "$img" ] || truncate -s 16M "$img"
		devices+=(-device pcie-root-port,id=rp$i,chassis=$i,addr=$((9 + i)).0,disable-acs=on
			-drive "file=$img,if=none,id=nvmhp$i,format=raw"
			-device "nvme,drive=nvmhp$i,serial=hp$((i - 1)),bus=rp$i,id=hp$((i - 1))")
		;;
	*) echo "run-scenario: unknown device $d in $spec" >&2; exit 2 ;;
	esac
done
case " $append " in *" kunit.enable="*) ;; *) append="$append kunit.enable=0" ;; esac
# BENCH_APPEND: more kernel parameters for every scenario (a kernel variant's).
append="$append ${BENCH_APPEND:-}"

# "#@ monitor: on": a QEMU monitor on a socket, driven by the guest: a
# console line "BENCH-MONITOR CMD" is sent to it as CMD (device_del hp0).
monitor=(-monitor none)
watcher=
# An interrupted run must not leave its monitor watcher behind (it would
# send this run's commands to the next run's socket).
stop_watcher() {
	[ -n "$watcher" ] || return 0
	pkill -P "$watcher" 2>/dev/null
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	watcher=
}
trap 'stop_watcher' EXIT
trap 'stop_watcher; exit 130' INT TERM
if [ "$(hdr monitor)" = on ]; then
	sock=$logdir/$name.mon
	: >"$logdir/$name.monitor"
	rm -f "$sock"
	monitor=(-monitor "unix:$sock,server=on,wait=off")
	: >"$log"
	(
		tail -n +1 -F "$log" 2>/dev/null | while IFS= read -r line; do
			case $line in
			BENCH-MONITOR\ *)
				cmd=${line#BENCH-MONITOR }
				cmd=${cmd%$'\r'}
				python3 - "$sock" "$cmd" >>"$logdir/$name.monitor" 2>&1 <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(0.5)
s.settimeout(0.5)
try:
    print(s.recv(65536).decode(errors="replace"))
except OSError:
    pass
PY
				;;
			BENCH-END*) break ;;
			esac
		done
	) &
	watcher=$!
fi

# "#@ pages: 64k" (or "16k 64k"): the scenario needs a kernel with those
# pages, read from the arm64 Image header (flags, bits 1-2: 1 = 4K, 2 =
# 16K, 3 = 64K). make test's 4K kernels leave such scenarios out; the
# pages16k/pages64k variants boot them.
want_pages=$(hdr pages)
if [ -n "$want_pages" ]; then
	flags=$(od -An -t u8 -j 24 -N 8 "$image" | tr -d ' ')
	case $(((flags >> 1) & 3)) in 1) have=4k ;; 2) have=16k ;; 3) have=64k ;; *) have=unknown ;; esac
	if [[ " $want_pages " != *" $have "* ]]; then
		echo "run-scenario: $name needs a kernel with $want_pages pages; $image has $have pages" >&2
		exit 2
	fi
fi

# "#@ qemu: 10": the unpacked QEMU 10 of make deps (scripts/lib.sh), with its
# own firmware and module directories.
qemu=(qemu-system-aarch64)
if [ "$(hdr qemu)" = 10 ]; then
	. "$top/scripts/lib.sh"
	q=$QEMU10_DIR/usr/bin/qemu-system-aarch64
	[ -x "$q" ] || { echo "run-scenario: $name needs QEMU 10: no $q (make deps)" >&2; exit 2; }
	export QEMU_MODULE_DIR=$QEMU10_DIR/usr/lib/x86_64-linux-gnu/qemu
	qemu=("$q" -L "$QEMU10_DIR/usr/share/qemu")
fi

: >"$events"
start=$(date +%s.%N)
timeout --foreground -k 5 "$timeout_s" "${qemu[@]}" \
	-M "$machine" -cpu cortex-a57 -smp 2 -m "${memory:-1024}" \
	-nodefaults -display none -serial stdio "${monitor[@]}" -no-reboot \
	-kernel "$image" -initrd "$initrd" \
	-append "console=ttyAMA0 panic=-1 loglevel=7 log_buf_len=8M bench.scenario=$name $append" \
	-trace "enable=smmuv3_record_event" -d guest_errors -D "$events" \
	"${devices[@]}" </dev/null >"$log" 2>&1
rc=$?
stop_watcher
[ "$(hdr vmm)" != on ] || rm -f "$logdir/$name.initrd"
secs=$(echo "$(date +%s.%N) - $start" | bc)

why=
if [ $rc = 124 ] || [ $rc = 137 ]; then
	why="timeout after ${timeout_s}s (guest hung)"
elif ! grep -q "^BENCH-END" "$log"; then
	why="guest did not finish (qemu exit $rc)"
elif ! grep -q "^BENCH-RESULT $name PASS" "$log"; then
	why="guest checks failed"
elif grep -q '^FAIL:' "$log"; then
	why="the guest printed FAIL: lines, yet reported PASS"
fi
# "#@ known-splat: pciehp-reset-lock": mainline 7.3's pciehp reports a
# lock-order inversion of its own on the first hot-removal (it takes
# ctrl->reset_lock again in pciehp_unconfigure_device() while holding
# pci_rescan_remove_lock). That one report, and only it, is cut out of the
# log the verdict reads; any other report still fails.
judged=$log
if [ "$(hdr known-splat)" = pciehp-reset-lock ]; then
	judged=$logdir/$name.judged
	python3 - "$log" "$judged" <<'PY'
import sys
lines = open(sys.argv[1], errors="replace").read().split("\n")
out, i, cut = [], 0, 0
while i < len(lines):
    if "WARNING: possible circular locking dependency detected" in lines[i]:
        j = i + 1
        while j < len(lines) and j < i + 120 and "ret_from_fork" not in lines[j] or \
                j < len(lines) and "stack backtrace:" not in "\n".join(lines[i:j]):
            j += 1
        block = "\n".join(lines[i:j + 1])
        head = block.split("the existing dependency chain")[0]
        if ("(&ctrl->reset_lock)" in head and "at: pciehp_unconfigure_device" in head
                and "(pci_rescan_remove_lock)" in head.split("already holding lock:")[-1]):
            cut += 1
            out.append("[known mainline pciehp lockdep report cut out: %d lines]" % (j + 1 - i))
            i = j + 1
            continue
    out.append(lines[i])
    i += 1
open(sys.argv[2], "w").write("\n".join(out))
print("known-splat: %d report(s) cut" % cut, file=open(sys.argv[2] + ".cut", "w"))
PY
fi
# Any of these in a console fails the scenario, whatever the guest said:
# kernel reports, lockdep, RCU stalls, an unhandled interrupt and printk
# messages the console dropped (a report could be among them).
splat=$(grep -nE '(^|[^A-Z_])BUG:|WARNING:|sleeping function called from invalid context|possible (recursive|circular) locking|inconsistent lock state|INFO: trying to register non-static key|Kernel panic|Oops|unreferenced object 0x|rcu: INFO: .*detected stall|self-detected stall|nobody cared|printk messages dropped' "$judged" | head -5)
if [ -n "$splat" ]; then
	why="${why:+$why; }kernel splat in console:
$splat"
fi
# SMMU events from QEMU's trace: translation-class ones are faults.
if [ ! -f "$events" ]; then
	why="${why:+$why; }no SMMU event trace from QEMU ($events)"
else
	faults=$(python3 "$top/scripts/smmu-events.py" "$events" "$log" $(hdr smmu-faults)) ||
		why="${why:+$why; }SMMU faults: $faults"
fi
# A guest that skipped its kmemleak check must not pass.
if [ "$(hdr kmemleak)" != off ] && grep -q "^BENCH-END" "$log" && ! grep -q "^ok: kmemleak:" "$log"; then
	why="${why:+$why; }no kmemleak check in the guest"
fi

# "#@ kunit-suites: A B": the KUnit cases of the console, as the kernel's own
# parser reads them (ktap-cases.py): a failed or crashed case, or a listed
# suite that reported no case, fails the scenario. make test also counts
# every case on its own line, from $name.cases. bisect-check.sh boots
# commits from before the series' suites exist: KUNIT_SUITES_REQUIRED=0.
suites=$(hdr kunit-suites)
if [ -n "$suites" ]; then
	. "$top/scripts/lib.sh"
	ktap=$logdir/$name.ktap
	sed -e 's/^\[[ 0-9.]*\] //' "$log" >"$ktap"
	cases=$(python3 "$top/scripts/ktap-cases.py" "$SRC" "$ktap" 2>&1) ||
		cases="FAIL ktap-cases.py ($(echo "$cases" | tail -1))"
	echo "$cases" >"$logdir/$name.cases"
	bad=$(echo "$cases" | grep '^FAIL' | head -5)
	[ -z "$bad" ] || why="${why:+$why; }KUnit cases failed:
$bad"
	[ "${KUNIT_SUITES_REQUIRED:-1}" = 0 ] && suites=
	for suite in $suites; do
		echo "$cases" | grep -q "^[A-Z]* $suite\." ||
			why="${why:+$why; }KUnit suite $suite reported no case"
	done
fi

printf '%s %.1fs\n' "$name" "$secs" >>"$logdir/timings"
if [ -z "$why" ]; then
	printf 'PASS  %-16s (%.1fs%s)\n' "$name" "$secs" "${faults:+, $faults}"
	exit 0
fi
printf 'FAIL  %-16s (%.1fs): %s\n      log: %s\n' "$name" "$secs" "$why" "$log"
grep -E '^(FAIL|ok):' "$log" | sed 's/^/      /' | tail -20
exit 1
