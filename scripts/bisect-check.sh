#!/bin/bash
# Build every commit of the series in turn (in a scratch worktree, with the
# test kernel's configuration), so that the series stays bisectable. Only
# the directories the series touches are rebuilt for each commit, on top of
# one full build of the first commit.
#
# usage: bisect-check.sh SRC BUILDDIR
set -uo pipefail

. "$(dirname "$0")/lib.sh"
top=$TOP
src=$(realpath "$1") b=$(realpath "$2")
wt=$b/bisect-src obj=$b/bisect-obj
frags=$(fragments test | grep -v series.config)
dirs=$(git -C "$src" diff --name-only base..HEAD -- '*.c' | xargs -n1 dirname | sort -u | sed 's|$|/|')

[ -d "$wt" ] || git -C "$src" worktree add -q --detach "$wt" base
fail=0 n=0
for c in $(git -C "$src" rev-list --reverse base..HEAD); do
	n=$((n + 1))
	git -C "$wt" checkout -q --detach "$c"
	"$top/scripts/kconfig.sh" "$wt" "$obj" $frags >/dev/null 2>&1 ||
		kmake "$wt" "$obj" -s olddefconfig >/dev/null 2>&1
	if [ $n = 1 ]; then
		target=Image
	else
		target=$dirs
	fi
	if kmake "$wt" "$obj" -s -j"$(nproc)" $target >"$b/bisect-$n.log" 2>&1; then
		echo "ok   $n $(git -C "$src" log -1 --format=%s "$c")"
	else
		echo "FAIL $n $(git -C "$src" log -1 --format=%s "$c") (log $b/bisect-$n.log)"
		grep -E 'error' "$b/bisect-$n.log" | head -5
		fail=1
	fi
done
exit $fail
