#!/bin/bash
# The first patch set of the series (patches/sets: the fixes) is posted for
# 7.3 on its own, and its cover letter says that each of its patches applies
# to the base alone, or on top of the one other patch of the set that its
# cover letter names: check it, patch by patch, with 'git apply --check' in
# a scratch worktree of the base (no fuzz).
#
# A patch that needs another one first is declared in SET/depends, one line
# per pair, by subject:
#
#   SUBJECT OF THE PATCH :: SUBJECT OF THE PATCH IT APPLIES ON TOP OF
#
# The prerequisite must be an earlier patch of the set. A line that names no
# patch of the set fails the check: a stale declaration hides nothing.
#
# With FIXES_BUILD=1 (make fixes-build), each patch is also applied and the
# objects of every C file it touches are built, with the base kernel's test
# configuration plus CDX_BUS and FSL_MC_BUS (so that every file a fix
# touches is configured), W=1, out of tree in build/$BASE/fixes-obj: each fix
# builds on the bare base, not only on top of the ones before it.
#
# usage: [FIXES_BUILD=1] fixes-alone.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"

first=$(series_sets "$SERIES_DIR" | head -1 | cut -d' ' -f1)
[ -n "$first" ] || { echo "fixes-alone: FAILED: $SERIES_DIR/sets names no patch set" >&2; exit 1; }
deps=$SERIES_DIR/$first/depends
scratch_worktree fixes-alone
git -C "$SRC" worktree add -q --detach "$wt" "$base_tag"

# The subject of a patch file, without its [PATCH n/m] prefix.
subject_of() {
	git mailinfo /dev/null /dev/null <"$SERIES_DIR/$1" | sed -n 's/^Subject: //p'
}

# The "PATCH :: PREREQUISITE" lines of the depends file, comments dropped.
dep_lines() {
	[ ! -f "$deps" ] || sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$deps"
}

declare -A file_of=()
order=()
for p in $(set_patches "$SERIES_DIR" "$first"); do
	s=$(subject_of "$p")
	[ -n "$s" ] || { echo "fixes-alone: FAILED: $p has no subject" >&2; exit 1; }
	file_of[$s]=$p
	order+=("$s")
done
[ ${#order[@]} -gt 0 ] || { echo "fixes-alone: FAILED: set $first names no patch" >&2; exit 1; }

# Check the declarations before using them.
declare -A needs=()
while IFS= read -r line; do
	case $line in
	*' :: '*) ;;
	*) echo "fixes-alone: FAILED: $deps: '$line' is not 'PATCH :: PREREQUISITE'" >&2; exit 1 ;;
	esac
	lhs=${line%% :: *} rhs=${line#* :: }
	lhs=$(echo "$lhs" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
	rhs=$(echo "$rhs" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
	for s in "$lhs" "$rhs"; do
		[ -n "${file_of[$s]+x}" ] || {
			echo "fixes-alone: FAILED: $deps names '$s', which is no patch of $first" >&2
			exit 1
		}
	done
	before=
	for s in "${order[@]}"; do
		[ "$s" != "$rhs" ] || before=1
		[ "$s" != "$lhs" ] || break
	done
	[ -n "$before" ] && [ "$lhs" != "$rhs" ] || {
		echo "fixes-alone: FAILED: $deps: '$rhs' is not an earlier patch than '$lhs'" >&2
		exit 1
	}
	needs[$lhs]="${needs[$lhs]:+${needs[$lhs]}$'\n'}$rhs"
done < <(dep_lines)

n=0 ontop=0 bad= built=0
fobj=$B/fixes-obj
if [ "${FIXES_BUILD:-0}" = 1 ]; then
	[ -f "$BASE_OBJ/.config" ] || {
		echo "fixes-alone: FAILED: $BASE_OBJ/.config is missing: run 'make base-kernel' first" >&2
		exit 1
	}
	mkdir -p "$fobj"
	cp "$BASE_OBJ/.config" "$fobj/.config"
	"$wt/scripts/config" --file "$fobj/.config" -e CDX_BUS -e FSL_MC_BUS
	kmake "$wt" "$fobj" olddefconfig >"$tmp/build.log" 2>&1 &&
		kmake "$wt" "$fobj" -j"${JOBS:-$(nproc)}" prepare >>"$tmp/build.log" 2>&1 || {
		tail -20 "$tmp/build.log" >&2
		echo "fixes-alone: FAILED: cannot prepare the base for object builds" >&2
		exit 1
	}
	for opt in CDX_BUS FSL_MC_BUS; do
		grep -q "^CONFIG_$opt=y" "$fobj/.config" || {
			echo "fixes-alone: FAILED: CONFIG_$opt did not take in $fobj/.config" >&2
			exit 1
		}
	done
fi

# The objects of the C files patch $1 touches.
objects_of() {
	local f
	for f in $(git -C "$wt" apply --numstat "$SERIES_DIR/$1" | cut -f3); do
		case $f in *.c) echo "${f%.c}.o" ;; esac
	done
}

# Build objects $2... in the worktree as it is; their W=1 warnings, without
# line numbers, go to file $1.
build_objects() {
	local out=$1
	shift
	kmake "$wt" "$fobj" -j"${JOBS:-$(nproc)}" W=1 "$@" >"$tmp/build.log" 2>&1 || {
		grep -E "error|warning" "$tmp/build.log" | head -20 >&2
		return 1
	}
	{ grep -E ": warning:" "$tmp/build.log" || true; } |
		sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u >"$out"
}

# Apply patch $1 to the base and build what it touches: no error, and no W=1
# warning the same objects did not have on the base.
build_fix() {
	local objs
	objs=$(objects_of "$1")
	[ -n "$objs" ] || { echo "fixes-alone: $(basename "$1") touches no C file" >&2; return 1; }
	# shellcheck disable=SC2086
	build_objects "$tmp/before" $objs || {
		echo "fixes-alone: the base does not build $objs" >&2
		return 1
	}
	git -C "$wt" apply "$SERIES_DIR/$1" || return 1
	# shellcheck disable=SC2086
	build_objects "$tmp/after" $objs || {
		echo "fixes-alone: $(basename "$1") does not build on its own: $objs" >&2
		return 1
	}
	if comm -13 "$tmp/before" "$tmp/after" | grep . >&2; then
		echo "fixes-alone: $(basename "$1") adds W=1 warnings" >&2
		return 1
	fi
	built=$((built + $(echo "$objs" | wc -w)))
}
for s in "${order[@]}"; do
	p=${file_of[$s]}
	n=$((n + 1))
	git -C "$wt" checkout -q -f "$base_tag"
	git -C "$wt" clean -q -fdx
	ok=1
	if [ -n "${needs[$s]+x}" ]; then
		ontop=$((ontop + 1))
		while IFS= read -r r; do
			git -C "$wt" apply "$SERIES_DIR/${file_of[$r]}" 2>"$tmp/apply.log" || {
				cat "$tmp/apply.log" >&2
				echo "fixes-alone: its prerequisite $(basename "${file_of[$r]}") does not apply to the base" >&2
				ok=
			}
		done <<<"${needs[$s]}"
	fi
	[ -z "$ok" ] || git -C "$wt" apply --check "$SERIES_DIR/$p" 2>"$tmp/apply.log" || {
		cat "$tmp/apply.log" >&2
		ok=
	}
	if [ -n "$ok" ] && [ "${FIXES_BUILD:-0}" = 1 ]; then
		build_fix "$p" || ok=
	fi
	[ -n "$ok" ] || bad="$bad $(basename "$p")"
done
[ -z "$bad" ] || { echo "fixes-alone: FAILED: patches of $first that do not apply to the base as declared${FIXES_BUILD:+, or do not build there}:$bad" >&2; exit 1; }
echo "fixes-alone: each of the $n patches of $first applies to the base on its own, $ontop of them on top of the one patch $first/depends names"
[ "${FIXES_BUILD:-0}" != 1 ] ||
	echo "fixes-alone: and builds there: $built object(s) of the files they touch, no new W=1 warning"
