#!/bin/bash
# Prepare build/$BASE/src: the base (Debian's linux-source tarball, fetched
# by deps.sh) as the "base" commit, and the series applied on top as one
# commit per patch.
#
# usage: tree.sh [--force]
#   --force  discard commits in SRC that were not exported (see export.sh)
set -euo pipefail

. "$(dirname "$0")/lib.sh"
top=$TOP
. "$top/scripts/series-lib.sh"
force=0
[ "${1:-}" = --force ] && { force=1; shift; }
src=$SRC
tarball=$TOP/build/dl/$base_pkg-$base_version/usr/src/$base_pkg.tar.xz

# The base moved (deps.sh took the archive's newer upload of the package):
# a tree whose base commit is another version is unpacked afresh, unless it
# holds work that was not exported.
if [ -d "$src/.git" ] && [ "$(git -C "$src" log -1 --format=%s "$base_tag" 2>/dev/null)" != "base: Debian $base_pkg $base_version" ]; then
	st=$src/.git/bench-series
	if [ $force = 0 ] && { [ ! -f "$st" ] || [ "$(cut -d' ' -f2 "$st")" != "$(git -C "$src" rev-parse HEAD)" ] ||
		[ -n "$(git -C "$src" status --porcelain -uno)" ]; }; then
		echo "tree: FAILED: $src is on another base than $base_pkg $base_version and has work not exported." >&2
		echo "      Run 'make export BASE=$BASE' to keep it, or 'make tree BASE=$BASE FORCE=1' to discard it." >&2
		exit 1
	fi
	echo "tree: $src is on another base ($(git -C "$src" log -1 --format=%s "$base_tag")): unpacking $base_pkg $base_version afresh" >&2
	rm -rf "$src" "$BASE_SRC"
fi
if [ ! -d "$src/.git" ]; then
	[ -f "$tarball" ] || { echo "tree: FAILED: $tarball missing ('make deps' fetches it)" >&2; exit 1; }
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	echo "tree: unpacking $tarball"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	kver=$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' "$src.tmp/Makefile" | paste -sd.)
	if [ "$kver" != "$BASE_KVER" ]; then
		echo "tree: FAILED: $tarball is $kver, bases/$BASE.conf wants $BASE_KVER" >&2
		exit 1
	fi
	git -C "$src.tmp" init -q -b series
	# Debian's .gitignore ignores every top-level entry: add everything by force.
	git -C "$src.tmp" add -A -f
	GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
		git -C "$src.tmp" "${GIT_ID[@]}" commit -q -m "base: Debian $base_pkg $base_version"
	git -C "$src.tmp" tag "$base_tag"
	mv "$src.tmp" "$src"
fi

# An interrupted run of ours (Ctrl-C in git am) leaves a half-applied
# series and git am's session behind: abort that session and start the
# series again from the base (loudly; nothing of it was exported).
if [ -d "$src/.git/rebase-apply" ]; then
	echo "tree: an interrupted 'git am' in $src: aborting it and applying the series again from base" >&2
	git -C "$src" am --abort 2>/dev/null || rm -rf "$src/.git/rebase-apply"
	force=1
fi

id=$(series_id "$SERIES_DIR")
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
		echo "      Run 'make export BASE=$BASE' to keep them, or 'make tree BASE=$BASE FORCE=1' to discard them." >&2
		exit 1
	fi
fi
git -C "$src" checkout -q -B series "$base_tag"
git -C "$src" reset -q --hard "$base_tag"
git -C "$src" clean -q -fdx
apply_series "$SERIES_DIR" "$src"
echo "$id $(git -C "$src" rev-parse HEAD)" >"$stamp"
