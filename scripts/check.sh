#!/bin/bash
# Static checks of the series, failing only on findings new against the base:
#  - checkpatch.pl --strict on every patch (no finding allowed)
#  - scripts/kernel-doc -none -Wall on every touched C file and header
#  - W=1 and sparse (C=1) builds of the touched objects: a warning fails
#    only if it points at a line the series added
#
# usage: check.sh SRC OBJ
set -uo pipefail

. "$(dirname "$0")/lib.sh"
top=$TOP
src=$(realpath "$1") obj=$(realpath "$2")
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git -C "$src" format-patch -q -o "$tmp/p" base..HEAD
for p in "$tmp"/p/*.patch; do
	# The base is a tarball without mainline history, so checkpatch cannot
	# resolve the commit a Fixes: tag names; that one warning is expected.
	# /usr/bin first: spdxcheck.py needs python3-ply and python3-git.
	out=$(PATH=/usr/bin:$PATH "$src/scripts/checkpatch.pl" --strict --terse --no-summary "$p" 2>&1 |
		grep -E 'ERROR|WARNING|CHECK' | grep -v "WARNING: Unknown commit id '[0-9a-f]\{12\}', maybe rebased or not pulled?")
	if [ -n "$out" ]; then
		echo "checkpatch: $(basename "$p"):"; echo "$out"; fail=1
	fi
done
[ $fail = 0 ] && echo "checkpatch --strict: $(ls "$tmp"/p/*.patch | wc -l) patches clean"

files=$(git -C "$src" diff --name-only --diff-filter=AM base..HEAD -- '*.c' '*.h')
for f in $files; do
	new=$("$src/scripts/kernel-doc" -none -Wall "$src/$f" 2>&1 | wc -l)
	old=0
	if git -C "$src" cat-file -e "base:$f" 2>/dev/null; then
		git -C "$src" show "base:$f" >"$tmp/base.${f##*.}"
		old=$("$src/scripts/kernel-doc" -none -Wall "$tmp/base.${f##*.}" 2>&1 | wc -l)
	fi
	if [ "$new" -gt "$old" ]; then
		echo "kernel-doc: $f: $new warnings, base $old"; "$src/scripts/kernel-doc" -none -Wall "$src/$f"; fail=1
	fi
done
echo "kernel-doc -Wall: checked $(echo $files | wc -w) files against the base"

# Lines added by the series, as "file:line".
git -C "$src" diff -U0 base..HEAD | awk '
	/^\+\+\+ b\// { f = substr($0, 7) }
	/^@@/ { split($3, a, ","); l = substr(a[1], 2); n = (a[2] == "" ? 1 : a[2]); for (i = 0; i < n; i++) print f ":" (l + i) }' >"$tmp/added"
# Objects kbuild builds (a .c included by another one, as some KUnit tests
# are, is checked through its includer).
objs=$(for f in $(git -C "$src" diff --name-only --diff-filter=AM base..HEAD -- '*.c'); do
	o=$(basename "$f" .c).o
	grep -qs -- "$o" "$src/$(dirname "$f")/Makefile" && echo "${f%.c}.o"
done)
for o in $objs; do rm -f "$obj/$o"; done
kmake "$src" "$obj" -s W=1 C=1 $objs >"$tmp/build.log" 2>&1 || {
	tail -20 "$tmp/build.log"; echo "check: W=1/sparse build of touched objects failed"; fail=1
}
new=0
while IFS= read -r w; do
	loc=$(echo "$w" | sed -E "s|^$src/||; s|^([^:]+):([0-9]+):.*|\1:\2|")
	if grep -qxF "$loc" "$tmp/added"; then
		echo "new: $w"; new=$((new + 1))
	fi
done < <(grep -E '(warning|error):' "$tmp/build.log")
# The touched objects must also build without KUnit (VISIBLE_IF_KUNIT and
# friends change linkage there).
nk=$obj-nokunit
# The fragments without their KUnit options, which cannot take there (the
# kconfig check would fail on them), then KUnit off.
frags= i=0
for f in $(fragments test); do
	i=$((i + 1))
	grep -v 'KUNIT' "$f" >"$tmp/nk-$i.config" || true
	frags="$frags $tmp/nk-$i.config"
done
printf '# CONFIG_KUNIT is not set\n' >"$tmp/nokunit.config"
if "$top/scripts/kconfig.sh" "$src" "$nk" $frags "$tmp/nokunit.config" >"$tmp/nk.log" 2>&1 &&
	kmake "$src" "$nk" -s -j"$(nproc)" \
		$(echo "$objs" | tr " " "\n" | grep -vE "kunit|_test\.o") >>"$tmp/nk.log" 2>&1; then
	echo "!KUNIT build of touched objects: ok"
else
	tail -20 "$tmp/nk.log"; echo "check: touched objects do not build without KUnit"; fail=1
fi
total=$(grep -cE '(warning|error):' "$tmp/build.log")
echo "W=1 + sparse: $total finding(s) in touched objects, $new on lines the series added"
[ $new = 0 ] || fail=1
exit $fail
