# Helpers sourced by the guest scenarios. Each check prints "ok:" or "FAIL:"
# and returns non-zero on failure; a scenario stops at its first failed check
# by chaining checks with "|| return 1".

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; return 1; }

# Total of all CPUs' counts for the /proc/interrupts lines matching $1.
irq_count() {
	awk -v pat="$1" '$0 ~ pat { for (i = 2; i <= NF; i++) { if ($i !~ /^[0-9]+$/) break; s += $i } }
		END { print s + 0 }' /proc/interrupts
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

# Count of SMMU "event 0x10" (translation fault) lines in the kernel log.
smmu_faults() {
	dmesg | grep -c 'event 0x10 received' || true
}

kmemleak_report() {
	k=/sys/kernel/debug/kmemleak
	[ -w $k ] || return 0
	echo scan > $k
	n=$(grep -c 'unreferenced object' $k || true)
	echo "kmemleak: $n unreferenced object(s)"
	[ "$n" = 0 ] || cat $k
}

# Print a short tour of the PCI devices, their IOMMU groups and domains.
pci_tour() {
	for d in /sys/bus/pci/devices/*; do
		b=$(basename "$d")
		drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
		echo "  $b $(cat "$d/vendor"):$(cat "$d/device") driver=${drv:-none} domain=$(domain_type "$b")"
	done
}
