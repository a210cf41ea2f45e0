#!/bin/bash
# The series directory is exactly what git writes, and the overlay agrees
# with it:
#  1. re-apply the series on "base" in a scratch worktree and compare every
#     commit's tree, author and message with build/$BASE/src;
#  2. 'git format-patch' of the tree, set by set, gives the series directory
#     byte for byte (the sets file, each set's series file and patches), but
#     for the Message-Id and threading headers (git takes them from the
#     clock);
#  3. every file the series adds is in the overlay with its final content,
#     and the overlay holds nothing else.
#
# usage: roundtrip.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"
src=$SRC
scratch_worktree roundtrip

git -C "$src" worktree add -q --detach "$wt" "$base_tag"
apply_series "$SERIES_DIR" "$wt" >/dev/null
nw=$(same_commits roundtrip "$wt")

format_series "$src" "$tmp/out"
for p in $(series_patches "$tmp/out") sets $(series_sets "$tmp/out" | awk '{ print $1 "/series" }'); do
	[ -f "$SERIES_DIR/$p" ] && same_patch "$tmp/out/$p" "$SERIES_DIR/$p" || {
		echo "roundtrip: FAILED: $SERIES_DIR/$p is not what 'git format-patch' writes for the tree ('make export')" >&2
		exit 1
	}
done
for p in $(series_patches "$SERIES_DIR"); do
	[ -f "$tmp/out/$p" ] || { echo "roundtrip: FAILED: $SERIES_DIR/$p is not a commit of the tree" >&2; exit 1; }
done

added=$(git -C "$src" diff --no-renames --diff-filter=A --name-only "$base_tag" HEAD)
for f in $added; do
	git -C "$src" show "HEAD:$f" | cmp -s - "$OVERLAY/$f" || {
		echo "roundtrip: FAILED: overlay $f differs from the series' final content ('make export')" >&2
		exit 1
	}
done
extra=$(for d in drivers kernel include Documentation; do
		[ ! -d "$OVERLAY/$d" ] || (cd "$OVERLAY" && find "$d" -type f)
	done | sort | comm -23 - <(echo "$added" | tr ' ' '\n' | sort))
[ -z "$extra" ] || { echo "roundtrip: FAILED: overlay files the series does not add: $extra" >&2; exit 1; }
echo "roundtrip: $nw commit(s) re-apply identically, $nw patches are format-patch output in $(series_sets "$SERIES_DIR" | wc -l) set(s) ($(series_sets "$SERIES_DIR" | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')), $(echo $added | wc -w) overlay file(s) agree"
