#!/bin/bash
# Check that export.sh and apply_series round-trip losslessly: export the
# commits of SRC to a scratch directory, re-apply them on "base" in a scratch
# worktree and compare every commit's tree, subject, body and author.
#
# usage: roundtrip.sh SRC
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/series-lib.sh"
src=$(realpath "$1")
tmp=$(mktemp -d "$src/../roundtrip.XXXX")
wt=$tmp/wt
cleanup() {
	git -C "$src" worktree remove --force "$wt" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/out"
"$top/scripts/export.sh" "$src" "$tmp/out" >/dev/null
git -C "$src" worktree add -q --detach "$wt" "$base_tag"
apply_series "$tmp/out" "$wt" >/dev/null

want=$(git -C "$src" rev-list --reverse "$base_tag..HEAD")
got=$(git -C "$wt" rev-list --reverse "$base_tag..HEAD")
nw=$(echo "$want" | grep -c . || true)
ng=$(echo "$got" | grep -c . || true)
[ "$nw" = "$ng" ] || { echo "roundtrip: FAILED: $nw commits exported, $ng re-applied" >&2; exit 1; }
paste <(echo "$want") <(echo "$got") | while read -r a b; do
	[ -n "$a" ] || continue
	for fmt in '%T' '%an <%ae>' '%B'; do
		if [ "$(git -C "$src" log -1 --format="$fmt" "$a")" != "$(git -C "$wt" log -1 --format="$fmt" "$b")" ]; then
			echo "roundtrip: FAILED: $(git -C "$src" log -1 --format=%s "$a"): '$fmt' differs after export + apply" >&2
			exit 1
		fi
	done
done
echo "roundtrip: $nw commit(s) identical after export + re-apply"
