#!/bin/bash
# Build the unpatched base kernel of make test's controls: a git worktree
# of build/$BASE/src at its base commit (build/$BASE/base-src), configured
# with the test kernel's fragments but the series' own ("fragments
# base-test") and built out of tree in build/$BASE/base-obj. Incremental:
# the series changing does not rebuild it.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"
want=$(git -C "$SRC" rev-parse "$base_tag^{commit}")
if [ -e "$BASE_SRC" ] && [ "$(git -C "$BASE_SRC" rev-parse HEAD 2>/dev/null)" != "$want" ]; then
	# A worktree of an earlier SRC (make clean, a new base): start afresh.
	echo "base-kernel: $BASE_SRC is not the base commit $want: recreating it"
	rm -rf "$BASE_SRC" "$BASE_OBJ"
	git -C "$SRC" worktree prune
fi
if [ ! -e "$BASE_SRC" ]; then
	git -C "$SRC" worktree prune
	git -C "$SRC" worktree add -q --detach "$BASE_SRC" "$want"
fi
if [ -n "$(git -C "$BASE_SRC" status --porcelain -uno)" ]; then
	echo "base-kernel: FAILED: $BASE_SRC has local changes; it must stay the unpatched base" >&2
	exit 1
fi
if [ -f "$BASE_SRC/drivers/iommu/msi-doorbell.c" ]; then
	echo "base-kernel: FAILED: $BASE_SRC has the series' msi-doorbell.c: not the base" >&2
	exit 1
fi
"$TOP/scripts/kconfig.sh" "$BASE_SRC" "$BASE_OBJ" $(fragments base-test)
echo "base-kernel: building $BASE_IMAGE (make -j$JOBS, log $B/base-kbuild.log)"
kmake "$BASE_SRC" "$BASE_OBJ" -j"$JOBS" Image >"$B/base-kbuild.log" 2>&1 || {
	tail -40 "$B/base-kbuild.log"
	echo "base-kernel: FAILED: build error, see $B/base-kbuild.log" >&2
	exit 1
}
echo "base-kernel: $BASE_IMAGE ready"
