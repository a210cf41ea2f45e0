#!/bin/bash
# Benchmark the series against the base, side by side in one run: build the
# base tree and the patched tree with the same configuration
# (tests/config/perf.config: no lockdep, no kmemleak, no KUnit), boot each
# under the same QEMU workload (tests/scenarios/bench.guest) ROUNDS times,
# in an order drawn at random in each round, and print per kernel the
# median of the per-boot medians, their spread (min..max over boots) and
# the patched/base ratios with a 95% bootstrap confidence interval
# (resampling boots). The timed cycles run with no tracepoint enabled.
# Then a third kernel, the patched one plus KUnit and the series' suites
# (never timed against the base), boots once for the KUnit case that
# reports the lookup and recompose cost with 1, 16 and 256 bound doorbell
# pages (tests/scenarios/bench-lookup.guest).
#
# usage: bench.sh BUILDDIR     (env: BENCH_ROUNDS, default 9)
set -euo pipefail

. "$(dirname "$0")/lib.sh"
top=$TOP
b=$(realpath "$1")
src=$b/src
rounds=${BENCH_ROUNDS:-9}
frags=($(fragments perf))
out=$b/bench
mkdir -p "$out"

"$top/scripts/tree.sh"
# Both trees are worktrees of build/src, so editing it does not disturb a
# running benchmark: "base" and the series HEAD.
for k in base patched lookup; do
	rev=base
	[ $k != base ] && rev=$(git -C "$src" rev-parse HEAD)
	if [ ! -d "$out/$k-src" ]; then
		git -C "$src" worktree add -q --detach "$out/$k-src" "$rev"
	else
		git -C "$out/$k-src" checkout -q --detach "$rev"
	fi
done

for k in base patched lookup; do
	s=$out/$k-src
	kfrags=("${frags[@]}")
	[ $k = lookup ] && kfrags+=("$top/tests/config/bench-kunit.config" "$SERIES_DIR/series.config")
	"$top/scripts/kconfig.sh" "$s" "$out/$k-obj" "${kfrags[@]}"
	echo "bench: building the $k kernel (log $out/$k-kbuild.log)"
	kmake "$s" "$out/$k-obj" -j"$(nproc)" Image \
		>"$out/$k-kbuild.log" 2>&1 || { tail -20 "$out/$k-kbuild.log"; exit 1; }
done
"$top/scripts/initramfs.sh" "$out/patched-src" "$out/patched-obj" "$out/initramfs.cpio"

: >"$out/results"
for r in $(seq "$rounds"); do
	order=$(printf 'base\npatched\n' | shuf)
	echo "bench: round $r: $(echo $order)"
	for k in $order; do
		BENCH_TIMEOUT=900 "$top/scripts/run-scenario.sh" "$out/$k-obj/arch/arm64/boot/Image" \
			"$out/initramfs.cpio" "$out/logs-$k" bench >/dev/null || {
			echo "bench: the $k run failed, see $out/logs-$k/bench.log" >&2
			exit 1
		}
		sed -n "s/^BENCH /$k round=$r /p" "$out/logs-$k/bench.log" >>"$out/results"
		cp "$out/logs-$k/bench.log" "$out/logs-$k/bench-$r.log"
	done
done
BENCH_TIMEOUT=900 "$top/scripts/run-scenario.sh" "$out/lookup-obj/arch/arm64/boot/Image" \
	"$out/initramfs.cpio" "$out/logs-lookup" bench-lookup >/dev/null || {
	echo "bench: the lookup cost boot failed, see $out/logs-lookup/bench-lookup.log" >&2
	exit 1
}
grep -o 'BENCH-LOOKUP.*' "$out/logs-lookup/bench-lookup.log" >"$out/lookup" || {
	echo "bench: no BENCH-LOOKUP line in $out/logs-lookup/bench-lookup.log" >&2
	exit 1
}

python3 - "$out/results" "$out/lookup" <<'PY'
import random, statistics, sys


def ci(base, patched, rounds=2000):
    """95% bootstrap interval of median(patched) / median(base), boots resampled."""
    rng = random.Random(1)
    r = sorted(statistics.median(rng.choices(patched, k=len(patched))) /
               statistics.median(rng.choices(base, k=len(base))) for _ in range(rounds))
    return r[int(0.025 * rounds)], r[int(0.975 * rounds) - 1]


rows = {}
for line in open(sys.argv[1]):
    k, *kv = line.split()
    d = dict(x.split('=') for x in kv)
    rows.setdefault((k, int(d['n'])), []).append(d)
fields = ('enable_us', 'disable_us', 'maps', 'unmaps')
print(f"{'vectors':>8} {'kernel':>8} {'enable us':>10} {'(min..max)':>14} {'disable us':>11} "
      f"{'(min..max)':>14} {'maps/enable':>12} {'unmaps/disable':>15} {'boots':>6}")
for n in sorted({n for _, n in rows}):
    med, vals = {}, {}
    for k in ('base', 'patched'):
        ds = rows.get((k, n), [])
        v = vals[k] = {f: [float(d.get(f, -1)) for d in ds] for f in fields}
        med[k] = {f: statistics.median(v[f]) for f in fields}
        print(f"{n:>8} {k:>8} {med[k]['enable_us']:>10.0f} "
              f"{min(v['enable_us']):>6.0f}..{max(v['enable_us']):<6.0f} "
              f"{med[k]['disable_us']:>11.0f} "
              f"{min(v['disable_us']):>6.0f}..{max(v['disable_us']):<6.0f} "
              f"{med[k]['maps']:>12.0f} {med[k]['unmaps']:>15.0f} {len(ds):>6}")
    e_lo, e_hi = ci(vals['base']['enable_us'], vals['patched']['enable_us'])
    d_lo, d_hi = ci(vals['base']['disable_us'], vals['patched']['disable_us'])
    print(f"{n:>8} {'ratio':>8} {med['patched']['enable_us'] / med['base']['enable_us']:>10.2f} "
          f"{e_lo:>6.2f}..{e_hi:<6.2f} {med['patched']['disable_us'] / med['base']['disable_us']:>11.2f} "
          f"{d_lo:>6.2f}..{d_hi:<6.2f}   (ratio: patched/base, 95% bootstrap interval)")
print()
print("lookup and recompose cost, patched kernel, one device (KUnit, 2000 loops):")
for line in open(sys.argv[2]):
    print("  " + line.strip())
PY
