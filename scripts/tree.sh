#!/bin/bash
# Prepare build/src: the base (Debian's linux-source-6.12 tarball) as the
# "base" commit, and the series from patches/ + overlay applied on top as one
# commit per patch.
#
# usage: tree.sh [--force] SRC
#   --force  discard commits in SRC that were not exported (see export.sh)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/series-lib.sh"
force=0
[ "${1:-}" = --force ] && { force=1; shift; }
src=$1
tarball=${BENCH_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
want_sublevel=117

if [ ! -d "$src/.git" ]; then
	[ -f "$tarball" ] || { echo "tree: FAILED: $tarball missing (make deps installs linux-source-6.12)" >&2; exit 1; }
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	echo "tree: unpacking $tarball"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	sub=$(sed -n 's/^SUBLEVEL = //p' "$src.tmp/Makefile")
	if [ "$sub" != "$want_sublevel" ]; then
		echo "tree: FAILED: $tarball is 6.12.$sub, the series is against 6.12.$want_sublevel" >&2
		exit 1
	fi
	git -C "$src.tmp" init -q -b series
	# Debian's .gitignore ignores every top-level entry: add everything by force.
	git -C "$src.tmp" add -A -f
	git -C "$src.tmp" "${GIT_ID[@]}" commit -q -m "base: Debian linux-source-6.12 6.12.$sub"
	git -C "$src.tmp" tag "$base_tag"
	mv "$src.tmp" "$src"
fi

id=$(series_id "$top")
stamp=$src/.git/bench-series
head=$(git -C "$src" rev-parse HEAD)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$id $head" ] && [ -z "$(git -C "$src" status --porcelain -uno)" ]; then
	echo "tree: $src is up to date ($(git -C "$src" rev-list --count $base_tag..HEAD) commit(s) on base)"
	exit 0
fi
if [ $force = 0 ] && [ "$head" != "$(git -C "$src" rev-parse $base_tag)" ]; then
	if [ ! -f "$stamp" ] || [ "$(cut -d' ' -f2 "$stamp")" != "$head" ] ||
		[ -n "$(git -C "$src" status --porcelain -uno)" ]; then
		echo "tree: FAILED: $src has commits or changes that were not exported to patches/." >&2
		echo "      Run 'make export' to keep them, or 'make tree FORCE=1' to discard them." >&2
		exit 1
	fi
fi
git -C "$src" checkout -q -B series "$base_tag"
git -C "$src" reset -q --hard "$base_tag"
git -C "$src" clean -q -fdx
apply_series "$top" "$src"
echo "$id $(git -C "$src" rev-parse HEAD)" >"$stamp"
