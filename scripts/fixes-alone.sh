#!/bin/bash
# The first patch set of the series (patches/sets: the fixes) is posted for
# 7.3 on its own, and its cover letter says that each of its patches applies
# to the base alone: check it, patch by patch, with 'git apply --check' in a
# scratch worktree of the base (no fuzz).
#
# usage: fixes-alone.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

first=$(series_sets "$SERIES_DIR" | head -1 | cut -d' ' -f1)
[ -n "$first" ] || { echo "fixes-alone: FAILED: $SERIES_DIR/sets names no patch set" >&2; exit 1; }
scratch_worktree fixes-alone
git -C "$SRC" worktree add -q --detach "$wt" "$base_tag"
n=0 bad=
for p in $(set_patches "$SERIES_DIR" "$first"); do
	n=$((n + 1))
	git -C "$wt" apply --check "$SERIES_DIR/$p" 2>"$tmp/apply.log" || {
		cat "$tmp/apply.log" >&2
		bad="$bad $(basename "$p")"
	}
done
[ $n -gt 0 ] || { echo "fixes-alone: FAILED: set $first names no patch" >&2; exit 1; }
[ -z "$bad" ] || { echo "fixes-alone: FAILED: patches of $first that do not apply to the base alone:$bad" >&2; exit 1; }
echo "fixes-alone: each of the $n patches of $first applies to the base on its own"
