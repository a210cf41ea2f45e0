#!/bin/bash
# b4 reads the series directory as the series: 'b4 am' (offline) on the
# patches, in the order of the series file, must find one series of all of
# them, and the mbox it writes must 'git am' on the base to commits with the
# tree, author, subject and message of build/$BASE/src's commits.
#
# usage: b4check.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

[ -x "$B4_DIR/usr/bin/b4" ] || { echo "b4check: FAILED: no b4 in $B4_DIR (make deps)" >&2; exit 1; }
scratch_worktree b4check

n=0
for p in $(series_patches "$SERIES_DIR"); do
	cat "$SERIES_DIR/$p"
	n=$((n + 1))
done >"$tmp/series.mbox"
[ $n -gt 0 ] || { echo "b4check: FAILED: $SERIES_DIR/series names no patch" >&2; exit 1; }

# b4 writes the am-ready mbox into -o; -n names it.
if ! (cd "$tmp" && b4 --offline-mode am --no-cover -m series.mbox -o out -n series) >"$tmp/b4.log" 2>&1; then
	cat "$tmp/b4.log" >&2
	echo "b4check: FAILED: b4 am exited with an error" >&2
	exit 1
fi
got=$(sed -n 's/^Total patches: \([0-9]*\).*/\1/p' "$tmp/b4.log")
if [ "$got" != "$n" ]; then
	cat "$tmp/b4.log" >&2
	echo "b4check: FAILED: b4 am took ${got:-no} patches as one series; the series has $n" >&2
	exit 1
fi
if [ ! -f "$tmp/out/series.mbx" ]; then
	cat "$tmp/b4.log" >&2
	echo "b4check: FAILED: b4 am wrote no mbox (a patch without a Message-Id?)" >&2
	exit 1
fi

git -C "$SRC" worktree add -q --detach "$wt" "$base_tag"
if ! git -C "$wt" "${GIT_ID[@]}" am -q --no-3way "$tmp/out/series.mbx" >"$tmp/am.log" 2>&1; then
	cat "$tmp/am.log" >&2
	echo "b4check: FAILED: b4's mbox does not apply on the base" >&2
	exit 1
fi
same_commits b4check "$wt" >/dev/null
echo "b4check: b4 $(b4 --version) reads $n patches as one series; its mbox applies to the tree's $n commits"
