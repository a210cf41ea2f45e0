#!/bin/bash
# Every commit of the series keeps the legacy MSI domains that are stacked
# on a doorbell-reporting MSI parent working: from the commit on which the
# parent sets msi_parent_ops::iommu_doorbells, the MSI core refuses (with
# -EINVAL) to allocate from a domain below it that does not forward
# msi_report_doorbells(). No QEMU machine has these buses, so the check is
# made on each commit's tree.
#
# The pairs (child domain : its parent) are every legacy domain that 7.3
# stacks on a parent the series converts: CDX on the GICv3 ITS. (fsl-mc's
# domain is created by the ITS driver itself; ti-sci-inta's parent is not
# converted.)
#
# usage: report-chain.sh SRC [RANGE]    (RANGE: base..HEAD by default)
set -uo pipefail
src=$1 range=${2:-base..HEAD}
pairs="drivers/cdx/cdx_msi.c:drivers/irqchip/irq-gic-its-msi-parent.c"
fail=0 n=0 reporting=0
for c in $(git -C "$src" rev-list --reverse "$range"); do
	n=$((n + 1))
	for pair in $pairs; do
		child=${pair%%:*} parent=${pair#*:}
		git -C "$src" grep -qE 'iommu_doorbells[[:space:]]*= true' "$c" -- "$parent" || continue
		reporting=$((reporting + 1))
		if ! git -C "$src" grep -q '\.msi_report_doorbells' "$c" -- "$child"; then
			echo "report-chain: commit $n ($(git -C "$src" log -1 --format=%s "$c")): $parent needs reports, $child does not forward them"
			fail=1
		fi
	done
done
if [ $reporting = 0 ]; then
	echo "report-chain: no commit of $range has a reporting parent: nothing was checked"
	exit 1
fi
[ $fail = 0 ] && echo "report-chain: $n commits, every legacy child domain forwards reports where its parent needs them ($reporting commit/pair checks)"
exit $fail
