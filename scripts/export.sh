#!/bin/bash
# Export the commits base..HEAD of build/$BASE/src back into the series
# directory (git format-patch output + series file of each patch set that
# patches/sets names) and the overlay (the final content of every file the
# series adds, at its kernel path here).
#
# usage: export.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

[ -z "$(git -C "$SRC" status --porcelain -uno)" ] || {
	echo "export: FAILED: $SRC has uncommitted changes; commit them first" >&2
	exit 1
}
added=$(git -C "$SRC" diff --no-renames --diff-filter=A --name-only "$base_tag" HEAD)
for f in $added; do
	overlay_path_ok "$f" || {
		echo "export: FAILED: the series adds $f, a path this repository keeps for itself" >&2
		exit 1
	}
done

# Write the series into a scratch directory first (it fails, touching
# nothing, when patches/sets does not match the tree), then remove what the
# previous export wrote and put the new one in its place.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
format_series "$SRC" "$tmp/out" || {
	echo "export: FAILED: nothing written; $SERIES_DIR is as it was" >&2
	exit 1
}
for f in $(series_added_files "$SERIES_DIR"); do rm -f "$OVERLAY/$f"; done
for p in $(series_patches "$SERIES_DIR"); do rm -f "$SERIES_DIR/$p"; done
while read -r set n; do
	mkdir -p "$SERIES_DIR/$set"
	cp "$tmp/out/$set"/*.patch "$tmp/out/$set/series" "$SERIES_DIR/$set/"
done < <(series_sets "$SERIES_DIR")
for f in $added; do
	mkdir -p "$(dirname "$OVERLAY/$f")"
	git -C "$SRC" show "HEAD:$f" >"$OVERLAY/$f"
done
find "$OVERLAY/drivers" "$OVERLAY/kernel" "$OVERLAY/include" "$OVERLAY/Documentation" -depth -type d -empty -delete 2>/dev/null || true
echo "export: $(series_patches "$SERIES_DIR" | wc -l) commit(s) to $SERIES_DIR, $(echo $added | wc -w) new file(s) to the overlay"
# The tree now matches the series: record it so tree.sh leaves it alone.
echo "$(series_id "$SERIES_DIR") $(git -C "$SRC" rev-parse HEAD)" >"$(git -C "$SRC" rev-parse --absolute-git-dir)/bench-series"
