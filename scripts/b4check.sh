#!/bin/bash
# b4 reads each patch set of the series directory as one series: 'b4 am'
# (offline) on a set's patches, in the order of its series file, must find
# one series of all of them, and the mboxes it writes, set after set, must
# 'git am' on the base to commits with the tree, author, subject and message
# of build/$BASE/src's commits.
#
# usage: b4check.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

[ -x "$B4_DIR/usr/bin/b4" ] || { echo "b4check: FAILED: no b4 in $B4_DIR (make deps)" >&2; exit 1; }
scratch_worktree b4check
git -C "$SRC" worktree add -q --detach "$wt" "$base_tag"

total=0 report=
while read -r set count; do
	n=0
	for p in $(set_patches "$SERIES_DIR" "$set"); do
		cat "$SERIES_DIR/$p"
		n=$((n + 1))
	done >"$tmp/$set.mbox"
	[ $n -gt 0 ] || { echo "b4check: FAILED: $SERIES_DIR/$set/series names no patch" >&2; exit 1; }

	# b4 writes the am-ready mbox into -o; -n names it.
	if ! (cd "$tmp" && b4 --offline-mode am --no-cover -m "$set.mbox" -o "out-$set" -n series) </dev/null >"$tmp/b4.log" 2>&1; then
		cat "$tmp/b4.log" >&2
		echo "b4check: FAILED: b4 am exited with an error on set $set" >&2
		exit 1
	fi
	got=$(sed -n 's/^Total patches: \([0-9]*\).*/\1/p' "$tmp/b4.log")
	if [ "$got" != "$n" ]; then
		cat "$tmp/b4.log" >&2
		echo "b4check: FAILED: b4 am took ${got:-no} patches of set $set as one series; the set has $n" >&2
		exit 1
	fi
	if [ ! -f "$tmp/out-$set/series.mbx" ]; then
		cat "$tmp/b4.log" >&2
		echo "b4check: FAILED: b4 am wrote no mbox for set $set (a patch without a Message-Id?)" >&2
		exit 1
	fi
	if ! git -C "$wt" "${GIT_ID[@]}" am -q --no-3way "$tmp/out-$set/series.mbx" </dev/null >"$tmp/am.log" 2>&1; then
		cat "$tmp/am.log" >&2
		echo "b4check: FAILED: b4's mbox of set $set does not apply on the base and the sets before it" >&2
		exit 1
	fi
	total=$((total + n))
	report="$report${report:+, }$set: $n"
done < <(series_sets "$SERIES_DIR")
[ $total -gt 0 ] || { echo "b4check: FAILED: $SERIES_DIR/sets names no patch set" >&2; exit 1; }
same_commits b4check "$wt" >/dev/null
echo "b4check: b4 $(b4 --version) reads each set as one series ($report); their mboxes apply to the tree's $total commits"
