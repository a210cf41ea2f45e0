#!/bin/bash
# Benchmark the series against the base, side by side in one run: build the
# base tree and the patched tree with tests/config/perf.config (no lockdep,
# no kmemleak), boot each under the same QEMU workload (tests/scenarios/
# bench.guest) ROUNDS times, and print the medians and patched/base ratios.
#
# usage: bench.sh BUILDDIR     (env: BENCH_ROUNDS, default 3)
set -euo pipefail

. "$(dirname "$0")/lib.sh"
top=$TOP
b=$(realpath "$1")
src=$b/src
rounds=${BENCH_ROUNDS:-3}
frags=($(fragments perf))
out=$b/bench
mkdir -p "$out"

"$top/scripts/tree.sh"
# Both trees are worktrees of build/src, so editing it does not disturb a
# running benchmark: "base" and the series HEAD.
for k in base patched; do
	rev=base
	[ $k = patched ] && rev=$(git -C "$src" rev-parse HEAD)
	if [ ! -d "$out/$k-src" ]; then
		git -C "$src" worktree add -q --detach "$out/$k-src" "$rev"
	else
		git -C "$out/$k-src" checkout -q --detach "$rev"
	fi
done

for k in base patched; do
	s=$out/$k-src
	"$top/scripts/kconfig.sh" "$s" "$out/$k-obj" "${frags[@]}"
	echo "bench: building the $k kernel (log $out/$k-kbuild.log)"
	kmake "$s" "$out/$k-obj" -j"$(nproc)" Image \
		>"$out/$k-kbuild.log" 2>&1 || { tail -20 "$out/$k-kbuild.log"; exit 1; }
done
"$top/scripts/initramfs.sh" "$out/patched-src" "$out/patched-obj" "$out/initramfs.cpio"

: >"$out/results"
for r in $(seq "$rounds"); do
	for k in base patched; do
		BENCH_TIMEOUT=900 "$top/scripts/run-scenario.sh" "$out/$k-obj/arch/arm64/boot/Image" \
			"$out/initramfs.cpio" "$out/logs-$k" bench >/dev/null || {
			echo "bench: the $k run failed, see $out/logs-$k/bench.log" >&2
			exit 1
		}
		sed -n "s/^BENCH /$k /p" "$out/logs-$k/bench.log" >>"$out/results"
	done
done

python3 - "$out/results" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    k, *kv = line.split()
    d = dict(x.split('=') for x in kv)
    rows.setdefault((k, int(d['n'])), []).append(d)
print(f"{'vectors':>8} {'kernel':>8} {'enable us':>10} {'disable us':>11} {'maps/enable':>12}")
for n in sorted({n for _, n in rows}):
    med = {}
    for k in ('base', 'patched'):
        ds = rows.get((k, n), [])
        med[k] = {f: statistics.median(float(d[f]) for d in ds) for f in ('enable_us', 'disable_us', 'maps')}
        print(f"{n:>8} {k:>8} {med[k]['enable_us']:>10.0f} {med[k]['disable_us']:>11.0f} {med[k]['maps']:>12.0f}")
    print(f"{n:>8} {'ratio':>8} {med['patched']['enable_us'] / med['base']['enable_us']:>10.2f}"
          f" {med['patched']['disable_us'] / med['base']['disable_us']:>11.2f}")
PY
