# Helpers sourced by the guest scenarios. Each check prints "ok:" or "FAIL:"
# and returns non-zero on failure; a scenario stops at its first failed check
# by chaining checks with "|| return 1".

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; return 1; }

# Linux IRQ numbers of PCI device $1's MSI/MSI-X vectors: its msi_irqs
# directory, empty when the driver uses INTx (pci=nomsi, a failed MSI setup).
msi_irqs() {
	echo $(ls /sys/bus/pci/devices/$1/msi_irqs 2>/dev/null | sort -n)
}

# Total of all CPUs' counts of PCI device $1's MSI/MSI-X vectors, on the
# /proc/interrupts lines of exactly those IRQs (whatever the chip column:
# ITS-PCI-MSIX-..., GICv2m-PCI-MSIX-..., PCI-MSIX-...). Fails, printing
# nothing, when the device has no MSI vector or none of them is listed.
msi_irq_count() {
	irqs=$(msi_irqs "$1")
	[ -n "$irqs" ] || return 1
	awk -v irqs=" $irqs " '{ n = $1; sub(/:$/, "", n) }
		index(irqs, " " n " ") { seen = 1; for (i = 2; i <= NF; i++) { if ($i !~ /^[0-9]+$/) break; s += $i } }
		END { if (!seen) exit 1; print s + 0 }' /proc/interrupts
}

# Run "$3 ..." (its output discarded) and check that it raised PCI device
# $1's MSI/MSI-X interrupts; $2 names the device in the messages. A device
# that fell back to INTx fails: only the IRQs of its msi_irqs are counted.
msi_fires() {
	dev=$1 what=$2
	shift 2
	irqs=$(msi_irqs "$dev")
	n0=$(msi_irq_count "$dev") || fail "$what ($dev): no MSI/MSI-X vector in msi_irqs (INTx?)" || return 1
	err=$("$@" 2>&1 >/dev/null) || fail "$what: $*: $err" || return 1
	n1=$(msi_irq_count "$dev") || fail "$what ($dev): MSI vectors gone" || return 1
	chip=$(awk -v n="${irqs%% *}:" '$1 == n { for (i = 2; i <= NF; i++) if ($i !~ /^[0-9]+$/) { print $i; exit } }' /proc/interrupts)
	[ "$n1" -gt "$n0" ] && ok "$what: MSI interrupts $n0 -> $n1 (IRQs $irqs, $chip)" ||
		fail "$what: MSI interrupts did not increase ($n0, IRQs $irqs)"
}

# The kernel-driver scenarios' I/O. nvme_msi [WHEN [CPUMASK]]: NVMe reads
# (on CPUMASK) raise the NVMe's MSI-X interrupts; rng_msi: hwrng reads raise
# the virtio-rng's.
nvme_msi() {
	msi_fires 0000:00:02.0 "nvme${1:+ $1}" ${2:+taskset $2} \
		dd if=/dev/nvme0n1 of=/dev/null bs=4k count=256 iflag=direct
}
rng_msi() {
	msi_fires 0000:00:03.0 virtio-rng head -c 64 /dev/hwrng
}

# Bind PCI device $1 to vfio-pci, unbinding any driver first.
vfio_bind() {
	d=/sys/bus/pci/devices/$1
	[ -e "$d/driver" ] && echo "$1" > "$d/driver/unbind"
	echo vfio-pci > "$d/driver_override"
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$d/driver")")" = vfio-pci ] || fail "$1 not bound to vfio-pci" || return 1
	ok "$1 bound to vfio-pci (group $(basename "$(readlink "$d/iommu_group")"))"
}

# The IOMMU reports exactly one MSI region for PCI device $1, the ITS
# doorbell frame that MSI writes bypass ($2, "START END" in sysfs' format):
# virtio-iommu's configuration, not the SMMU's software MSI window (sysfs
# calls both "msi").
resv_msi_bypass() {
	r=/sys/kernel/iommu_groups/$(basename "$(readlink /sys/bus/pci/devices/$1/iommu_group)")/reserved_regions
	msi=$(grep ' msi$' "$r" 2>/dev/null)
	[ "$msi" = "$2 msi" ] && ok "$1: the IOMMU reports MSI bypass region $2 and no other MSI region" ||
		fail "$1: MSI regions of its group are '$(echo $msi)', want '$2 msi' (no virtio-iommu bypass region?)"
}

# Does IOVA $2 (hex) lie in the MSI region of PCI device $1's group ($3 says
# when)? On the SMMUv3 that is the software MSI window (sysfs' "msi"
# region), which every kind of domain keeps for doorbells: DMA domains
# reserve it from their IOVA allocator, type1 and iommufd from their users.
in_msi_window() {
	r=/sys/kernel/iommu_groups/$(basename "$(readlink /sys/bus/pci/devices/$1/iommu_group)")/reserved_regions
	set -- "$1" "$2" "$3" $(sed -n 's/^\(0x[0-9a-f]*\) \(0x[0-9a-f]*\) msi$/\1 \2/p' "$r" | head -1)
	[ -n "${4:-}" ] || { fail "$1: its group has no MSI region"; return; }
	[ $(($2)) -ge $(($4)) ] && [ $(($2)) -le $(($5)) ] &&
		ok "doorbell-window: $1's doorbell IOVA $2 lies in the group's MSI window [$4, $5] ($3)" ||
		fail "doorbell-window: $1's doorbell IOVA $2 lies outside the group's MSI window [$4, $5] ($3)"
}

# The SMMUv3 translates with stage 2 only: its driver's feature word
# ("oas N-bit (features 0x...)") has ARM_SMMU_FEAT_TRANS_S2 (bit 10) and
# not ARM_SMMU_FEAT_TRANS_S1 (bit 9), so every domain is a stage-2 table.
smmu_stage2_only() {
	f=$(dmesg | sed -n 's/.*arm-smmu-v3.*(features \(0x[0-9a-f]*\)).*/\1/p' | head -1)
	[ -n "$f" ] || fail "no arm-smmu-v3 feature word in the kernel log" || return 1
	[ $((f & 0x400)) != 0 ] && [ $((f & 0x200)) = 0 ] &&
		ok "SMMUv3 translates with stage 2 only (features $f)" ||
		fail "SMMUv3 features $f: want stage 2 (0x400) without stage 1 (0x200)"
}

vfio_unbind() {
	d=/sys/bus/pci/devices/$1
	[ -e "$d/driver" ] && echo "$1" > "$d/driver/unbind"
	echo > "$d/driver_override"
}

# IOMMU domain type of PCI device $1 ("none" without an IOMMU group).
domain_type() {
	t=/sys/bus/pci/devices/$1/iommu_group/type
	[ -r "$t" ] && cat "$t" || echo none
}

# Count of SMMU translation-class events (0x10-0x13: translation, address
# size, access, permission) the kernel logged. The driver rate-limits these
# messages: the host's count, from QEMU's own trace of every event the SMMU
# records (run-scenario.sh, "#@ smmu-faults:"), is the one a verdict rests
# on; this one only adds failures.
smmu_faults() {
	dmesg | grep -cE 'event 0x1[0-3] received' || true
}

# No translation-class fault in the kernel log since boot (the host checks
# QEMU's trace for the whole boot as well).
no_smmu_fault() {
	n=$(smmu_faults)
	[ "$n" = 0 ] && ok "no SMMU translation fault in the kernel log (the host checks QEMU's trace)" ||
		fail "$n SMMU translation fault(s)"
}

# Config space of PCI device $1 at offset $2: a byte (cfg8), 16 (cfg16)
# or 32 bits (cfg32), in decimal.
cfg8() { echo $(od -An -tu1 -j "$2" -N1 /sys/bus/pci/devices/$1/config); }
cfg16() { echo $(od -An -tu2 -j "$2" -N2 /sys/bus/pci/devices/$1/config); }
cfg32() { echo $(od -An -tu4 -j "$2" -N4 /sys/bus/pci/devices/$1/config); }

# Offset of capability $2 of PCI device $1 (0 if none).
cap_of() {
	p=$(($(cfg8 $1 52) & 0xfc)) i=0
	while [ $p != 0 ] && [ $i -lt 48 ]; do
		[ "$(cfg8 $1 $p)" = $(($2)) ] && { echo $p; return; }
		p=$(($(cfg8 $1 $((p + 1))) & 0xfc)) i=$((i + 1))
	done
	echo 0
}

# The MSI address PCI device $1 is programmed with, in hex: its MSI
# capability's (64-bit) if MSI is enabled, else MSI-X table entry 0
# (read with devmem) if MSI-X is; empty if neither.
msi_address() {
	c=$(cap_of $1 0x05)
	if [ $c != 0 ] && [ $(($(cfg16 $1 $((c + 2))) & 1)) = 1 ]; then
		printf '0x%x\n' $(($(cfg32 $1 $((c + 4))) + ($(cfg32 $1 $((c + 8))) << 32)))
		return
	fi
	c=$(cap_of $1 0x11)
	[ $c != 0 ] && [ $(($(cfg16 $1 $((c + 2))) & 0x8000)) != 0 ] || return 0
	t=$(cfg32 $1 $((c + 4)))
	bar=$(sed -n "$(((t & 7) + 1))p" /sys/bus/pci/devices/$1/resource | cut -d' ' -f1)
	e=$((bar + (t & ~7)))
	printf '0x%x\n' $(($(devmem $e 32) + ($(devmem $((e + 4)) 32) << 32)))
}

# Fire PCIe port $1's own interrupt (a real MSI write of the port through
# its IOMMU domain) and check that it arrives; $2 says when. See
# tests/guest/pcie-port-fire.c.
port_fires() {
	pcie-port-fire "$1" "$2"
}

# The VFIO pair, edu (MSI) and e1000e (MSI-X), owned by userspace through
# $1 (type1 or iommufd): real device interrupts reach eventfds over $2
# enable/disable cycles, and no MSI write faults.
vfio_pair() {
	opt=
	[ "$1" = iommufd ] && opt=--iommufd
	vfio_bind 0000:00:05.0 || return 1
	vfio_bind 0000:00:06.0 || return 1
	vfio-msi $opt --cycles "$2" 0000:00:05.0 || fail "edu via $1" || return 1
	vfio-msi $opt --cycles "$2" 0000:00:06.0 || fail "e1000e via $1" || return 1
	no_smmu_fault
}

# Arm the fault-injection framework for fail-nth (see vfio-msi --fail-nth):
# let every allocation be failed, sleeping ones included, and keep the log
# quiet. Fails when the kernel has no fault injection.
fault_injection_setup() {
	d=/sys/kernel/debug
	[ -d $d/failslab ] && [ -d $d/fail_page_alloc ] ||
		fail "no failslab/fail_page_alloc in debugfs (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)" ||
		return 1
	echo N > $d/failslab/ignore-gfp-wait &&
		echo N > $d/fail_page_alloc/ignore-gfp-wait &&
		echo N > $d/fail_page_alloc/ignore-gfp-highmem &&
		echo 0 > $d/fail_page_alloc/min-order || fail "cannot arm fault injection" || return 1
	[ "$(cat $d/fail_page_alloc/min-order)" = 0 ] ||
		fail "fail_page_alloc/min-order is $(cat $d/fail_page_alloc/min-order), want 0 (order-0 pages: IOMMU page tables)" ||
		return 1
	# kmemleak's own metadata (its kmemleak_object and kmemleak_scan_area
	# caches) must not count as injection points: kmemleak absorbs such a
	# failure from its pool, so the point would test kmemleak. With
	# cache-filter only caches marked failslab fail; every cache but
	# kmemleak's is marked (the scenario boots with slab_nomerge, so no
	# cache is an alias whose mark cannot be set).
	echo Y > $d/failslab/cache-filter || fail "cannot set failslab/cache-filter" || return 1
	n=0 bad=
	for c in /sys/kernel/slab/*/failslab; do
		case $c in */kmemleak_*) continue ;; esac
		echo 1 > "$c" 2>/dev/null && n=$((n + 1)) || bad="$bad $(basename "$(dirname "$c")")"
	done
	[ -z "$bad" ] || fail "cannot mark slab caches failslab:$bad" || return 1
	[ "$(cat /sys/kernel/slab/kmemleak_object/failslab 2>/dev/null)" = 0 ] ||
		fail "kmemleak_object cache missing or marked failslab" || return 1
	for f in $d/fail*/verbose; do echo 0 > "$f"; done
	ok "fault injection armed (failslab on $n caches, not kmemleak's; fail_page_alloc from order 0)"
}

# No translation fault on an IOVA in [$1, $2) (hex), for scenarios whose
# device is made to fault elsewhere on purpose. The SMMU driver prints the
# IOVA of each event it reports ("iova: 0x..."); a burst is rate-limited,
# so this sees the reported events only.
no_smmu_fault_in() {
	bad=$(dmesg | sed -n 's/.*event: F_TRANSLATION.* iova: \(0x[0-9a-f]*\).*/\1/p' |
		while read -r a; do
			[ $((a)) -ge $(($1)) ] && [ $((a)) -lt $(($2)) ] && echo "$a"
		done | sort -u | tr '\n' ' ')
	n=$(smmu_faults)
	[ -z "$bad" ] && ok "no SMMU translation fault in [$1, $2) ($n elsewhere)" ||
		fail "SMMU translation fault(s) in [$1, $2): $bad"
}

# Does the kernel log hold a translation fault on IOVA $1 (hex, with or
# without 0x)? For checks that expect a fault: the IOVA is the third dword
# printed after the event line; a count could be a fault on another address.
smmu_fault_at() {
	[ "$(smmu_faults_at "$1")" -gt 0 ]
}

# How many translation faults on IOVA $1 (hex, with or without 0x) the
# kernel log holds: the IOVA is the third dword printed after the event
# line. For a check that wants one more fault on the same IOVA.
smmu_faults_at() {
	_fault_iova=${1#0x}
	dmesg | grep -A4 'event 0x1[0-3] received' | grep -ciE "0x0*$_fault_iova\$" || true
}

# The doorbell debugfs view must list no bound page ($1 says when). A
# kernel with the series (bench.series=1) must have the view; without the
# series there is none and the check is skipped with a note.
DOORBELLS=/sys/kernel/debug/iommu/msi_doorbells
no_doorbell_bound() {
	if [ ! -r $DOORBELLS ]; then
		[ "$BENCH_SERIES" = 1 ] && { fail "no $DOORBELLS on a kernel with the series"; return; }
		echo "note: no $DOORBELLS (kernel without the series): not checked"
		return 0
	fi
	cat $DOORBELLS
	grep -q ' phys ' $DOORBELLS && { fail "doorbells still bound $1"; return; }
	ok "debugfs lists no bound doorbell $1"
}

# Doorbell pages bound for PCI device $1 in the debugfs view: bound_for
# wants one or more, none_bound_for ($2 says when) none. Without the view
# (a kernel without the series) both are skipped with a note.
doorbell_view() {
	if [ ! -r $DOORBELLS ]; then
		[ "$BENCH_SERIES" = 1 ] && { fail "no $DOORBELLS on a kernel with the series"; return 2; }
		echo "note: no $DOORBELLS (kernel without the series): not checked"
		return 1
	fi
}
bound_for() {
	doorbell_view || return $(($? - 1))
	grep ' phys ' $DOORBELLS | grep -q "$1" && ok "debugfs: a doorbell page is bound for $1" ||
		{ cat $DOORBELLS; fail "debugfs: no doorbell bound for $1"; }
}
none_bound_for() {
	doorbell_view || return $(($? - 1))
	grep ' phys ' $DOORBELLS | grep -q "$1" && { cat $DOORBELLS; fail "debugfs: doorbell still bound for $1 $2"; return; }
	ok "debugfs: no doorbell bound for $1 $2"
}

# The guest drives QEMU's monitor ("#@ monitor: on"): run-scenario.sh sends
# the command of each console line "BENCH-MONITOR CMD" to it.
monitor() {
	echo "BENCH-MONITOR $*"
}

# Wait up to $2 seconds for path $1 to appear (wait_for) or go (wait_gone).
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1)); [ $i -le $(($2 * 5)) ] || return 1; sleep 0.2
	done
}
wait_gone() {
	i=0
	while [ -e "$1" ]; do
		i=$((i + 1)); [ $i -le $(($2 * 5)) ] || return 1; sleep 0.2
	done
}

# NVMe reads on the namespace of NVMe PCI device $1 raise its MSI-X
# interrupts ($2 says when).
nvme_io() {
	wait_for /sys/bus/pci/devices/$1/nvme 20 || fail "$1: no nvme controller ${2:-}" || return 1
	c=$(ls /sys/bus/pci/devices/$1/nvme | head -1)
	wait_for /dev/${c}n1 20 || fail "$1: no /dev/${c}n1 ${2:-}" || return 1
	msi_fires $1 "nvme $1${2:+ $2}" dd if=/dev/${c}n1 of=/dev/null bs=4k count=256 iflag=direct
}

# Hot-unplug PCI device $2, QEMU id $3, below root port $1 through the
# monitor ($4 says when): the port's hotplug interrupt (attention button)
# must arrive through its MSI, and the removed device leaves no doorbell
# binding. (No replug: under TCG, QEMU 7.2 releases an unplugged device
# tens of seconds later, and plugs a new one into a slot it then reports
# empty.)
hot_unplug() {
	n0=$(msi_irq_count $1) || fail "$1: no MSI vector" || return 1
	monitor device_del $3
	wait_gone /sys/bus/pci/devices/$2 40 || fail "$2 still present 40 s after device_del ($4)" || return 1
	n1=$(msi_irq_count $1)
	[ "$n1" -gt "$n0" ] && ok "$2 hot-unplugged; root port $1's hotplug interrupts came through its MSI, $n0 -> $n1 ($4)" ||
		fail "$2 gone, but no interrupt through root port $1's MSI ($4)" || return 1
	none_bound_for $2 "after its hot-unplug ($4)"
}

# kmemleak only reports objects older than 5 s, and skips those whose
# content changed since its previous scan (a first scan sees them all as
# changed): wait, then scan twice.
# A kernel without kmemleak, or booted with kmemleak=off, fails: the
# scenarios count on it (opt out with "#@ kmemleak: off", for kernels
# built without it). Prints "ok: kmemleak: ..." which the host requires.
kmemleak_check() {
	k=/sys/kernel/debug/kmemleak
	[ -e $k ] || { fail "kmemleak: no $k (CONFIG_DEBUG_KMEMLEAK off?)"; return; }
	sleep 6
	for i in 1 2; do
		echo scan > $k || { fail "kmemleak: scan refused (kmemleak disabled?)"; return; }
	done
	n=$(grep -c 'unreferenced object' $k)
	[ "$n" = 0 ] || { cat $k; fail "kmemleak: $n unreferenced object(s)"; return; }
	ok "kmemleak: 0 unreferenced objects after two scans"
}

# Print a short tour of the PCI devices, their IOMMU groups and domains.
pci_tour() {
	for d in /sys/bus/pci/devices/*; do
		b=$(basename "$d")
		drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
		echo "  $b $(cat "$d/vendor"):$(cat "$d/device") driver=${drv:-none} domain=$(domain_type "$b")"
	done
}

# Run upstream selftest COLLECTION:PROG through the kselftest runner of the
# initramfs (/kselftest/run_kselftest.sh, installed by kselftest's "make
# install"), with a per-test timeout of $2 seconds (-o: neither iommu nor
# vfio ships a "settings" file, and the runner's 45 s default is too short
# under TCG). Arguments for PROG come from KSELFTEST_<PROG>_ARGS, as the
# runner reads them. The program's own TAP (its per-test log, the runner's
# "# " prefix removed) is echoed with a "SELFTEST PROG " prefix for the host
# to count case by case; the runner's own verdict line is checked too.
kselftest() {
	local prog=${1#*:} rc
	rm -rf /tmp/kselftest
	/kselftest/run_kselftest.sh -p /tmp/kselftest -o "$2" -t "$1" > /tmp/kselftest.top 2>&1
	rc=$?
	sed 's/^/kselftest: /' /tmp/kselftest.top
	[ -f /tmp/kselftest/$prog ] || { fail "kselftest $1: the runner wrote no log (exit $rc)"; return; }
	sed -n 's/^# \{0,1\}//p' /tmp/kselftest/$prog | sed "s/^/SELFTEST $prog /"
	grep -q "^ok 1 selftests: ${1%%:*}: $prog\$" /tmp/kselftest.top ||
		{ fail "kselftest $1: $(grep -m1 '^\(not \)\{0,1\}ok 1 ' /tmp/kselftest.top || echo "no verdict line") (exit $rc)"; return; }
	[ $rc = 0 ] || { fail "kselftest $1: runner exit $rc"; return; }
	ok "kselftest $1: $(grep -c '^# ok ' /tmp/kselftest/$prog) ok, $(grep -c '^# not ok ' /tmp/kselftest/$prog) not ok"
}
