#!/bin/bash
# Build every commit of the series in turn (in a scratch worktree, with the
# test kernel's configuration), so that the series stays bisectable. Only
# the directories the series touches are rebuilt for each commit, on top of
# one full build of the first commit.
#
# With BISECT_BOOT=1 (make bisect-boot) every commit's full Image is built
# and booted: the ITS scenario (its-dma: MSI-X of the NVMe and virtio-rng
# drivers through the GICv3 ITS behind SMMUv3) and the KUnit boot, whose
# KTAP the kernel's own parser reads; any failed or crashed case fails the
# commit. The series' own KUnit options are enabled from the commit that
# adds them. The guest checks the doorbell debugfs view (bench.series=1)
# from the commit on which the ITS reports its doorbells.
#
# BISECT_COMMITS="5 7" limits the run to those commits (1 = the first patch);
# BISECT_SCENARIOS="its-dma viommu-vfio-type1" boots those scenarios in
# place of its-dma (a fix proven on its own commit: every one must pass).
#
# usage: bisect-check.sh SRC BUILDDIR
set -uo pipefail

. "$(dirname "$0")/lib.sh"
top=$TOP
src=$(realpath "$1") b=$(realpath "$2")
wt=$b/bisect-src obj=$b/bisect-obj
boot=${BISECT_BOOT:-0}
frags=$(fragments test | grep -v series.config)
dirs=$(git -C "$src" diff --name-only base..HEAD -- '*.c' | xargs -n1 dirname | sort -u | sed 's|$|/|')
logdir=$b/bisect-logs

if [ "$boot" = 1 ] && [ ! -f "$INITRAMFS" ]; then
	echo "bisect-check: no $INITRAMFS (make initramfs first)" >&2
	exit 1
fi
[ -d "$wt" ] || git -C "$src" worktree add -q --detach "$wt" base
fail=0 n=0
for c in $(git -C "$src" rev-list --reverse base..HEAD); do
	n=$((n + 1))
	if [ -n "${BISECT_COMMITS:-}" ] && [[ " $BISECT_COMMITS " != *" $n "* ]]; then
		[ $n = 1 ] && echo "bisect-check: BISECT_COMMITS=$BISECT_COMMITS: the others are not built" >&2
		continue
	fi
	subj=$(git -C "$src" log -1 --format=%s "$c")
	git -C "$wt" checkout -q --detach "$c"
	# The series' own options, once the commit that defines them is in.
	own=$b/bisect-series.config
	: >"$own"
	if [ -f "$SERIES_DIR/series.config" ]; then
		grep -E '^CONFIG_[A-Z0-9_]+=' "$SERIES_DIR/series.config" | while IFS= read -r l; do
			sym=${l%%=*}
			sym=${sym#CONFIG_}
			grep -rqs --include='Kconfig*' -E "^(menu)?config $sym\$" "$wt" && echo "$l"
		done >"$own"
	fi
	if ! "$top/scripts/kconfig.sh" "$wt" "$obj" $frags "$own" >"$b/bisect-$n.kconfig" 2>&1; then
		echo "FAIL $n $subj (kconfig: $(tail -1 "$b/bisect-$n.kconfig"))"
		fail=1
		continue
	fi
	if [ $n = 1 ] || [ "$boot" = 1 ]; then
		target=Image
	else
		target=$dirs
	fi
	if ! kmake "$wt" "$obj" -s -j"$(nproc)" $target >"$b/bisect-$n.log" 2>&1; then
		echo "FAIL $n $subj (log $b/bisect-$n.log)"
		grep -E 'error' "$b/bisect-$n.log" | head -5
		fail=1
		continue
	fi
	if [ "$boot" != 1 ]; then
		echo "ok   $n $subj"
		continue
	fi
	series=0
	grep -qs msi_report_doorbells "$wt/drivers/irqchip/irq-gic-v3-its.c" && series=1
	why=
	mkdir -p "$logdir/$n"
	for sc in ${BISECT_SCENARIOS:-its-dma}; do
		out=$(BENCH_SERIES=$series "$top/scripts/run-scenario.sh" "$obj/arch/arm64/boot/Image" \
			"$INITRAMFS" "$logdir/$n" "$sc") || why="$why${why:+; }$sc: $(echo "$out" | head -3)"
	done
	KUNIT_SUITES_REQUIRED=0 BENCH_SERIES=$series "$top/scripts/run-scenario.sh" \
		"$obj/arch/arm64/boot/Image" "$INITRAMFS" "$logdir/$n" kunit >/dev/null ||
		why="$why${why:+; }kunit boot failed ($logdir/$n/kunit.log)"
	sed -e 's/^\[[ 0-9.]*\] //' "$logdir/$n/kunit.log" >"$logdir/$n/kunit.ktap"
	cases=$(python3 "$top/scripts/ktap-cases.py" "$wt" "$logdir/$n/kunit.ktap" 2>&1) ||
		why="$why${why:+; }ktap-cases.py failed"
	np=$(echo "$cases" | grep -c '^PASS') nf=$(echo "$cases" | grep -c '^FAIL')
	[ "$np" -gt 0 ] || why="$why${why:+; }no KUnit case passed"
	[ "$nf" = 0 ] || why="$why${why:+; }$nf KUnit case(s) failed: $(echo "$cases" | grep '^FAIL' | head -3 | tr '\n' ' ')"
	if [ -z "$why" ]; then
		echo "ok   $n $subj (booted: $(echo ${BISECT_SCENARIOS:-its-dma} | sed 's/ /, /g') PASS, kunit $np passed; bench.series=$series)"
	else
		echo "FAIL $n $subj: $why"
		fail=1
	fi
done
exit $fail
