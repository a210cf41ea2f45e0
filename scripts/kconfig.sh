#!/bin/bash
# Merge the kconfig fragments onto allnoconfig and verify that every option
# they request took effect in the final .config. With KCONFIG_BASE=FILE (a
# defconfig), merge onto alldefconfig with FILE first; FILE's own options
# are not verified (a stale defconfig entry is not ours to fix).
#
# usage: kconfig.sh SRC OBJ FRAGMENT...
set -euo pipefail

src=$(realpath "$1")
mkdir -p "$2"
obj=$(realpath "$2")
shift 2
frags=()
for f in "$@"; do frags+=("$(realpath "$f")"); done
set -- "${frags[@]}"
. "$(dirname "$0")/lib.sh"

mkdir -p "$obj"
want=$(mktemp)
trap 'rm -f "$want"' EXIT
# Later fragments override earlier ones, as merge_config.sh does.
cat "$@" | grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' |
	awk '{ k = $0; sub(/^# /, "", k); sub(/[= ].*/, "", k); if (!(k in v)) o[n++] = k; v[k] = $0 }
	     END { for (i = 0; i < n; i++) print v[o[i]] }' >"$want"

# Only rewrite .config when a fragment is newer, so a rebuild stays incremental;
# a .config newer than the stamp was rewritten by kbuild (a build at another
# commit of the tree drops the options that commit does not know): merge again.
stamp=$obj/.config.fragments
if [ -f "$obj/.config" ] && [ -f "$stamp" ] && cmp -s "$want" "$stamp" &&
	[ ! "$obj/.config" -nt "$stamp" ]; then
	echo "kconfig: $obj/.config is up to date"
else
	(cd "$src" && env "${KARCH[@]}" scripts/kconfig/merge_config.sh \
		$([ -n "${KCONFIG_BASE:-}" ] || echo -n) -O "$obj" ${KCONFIG_BASE:-} "$@" >"$obj/merge_config.log" 2>&1) || {
		cat "$obj/merge_config.log" >&2
		echo "kconfig: merge_config.sh failed" >&2
		exit 1
	}
	cp "$want" "$stamp"
fi

# Every requested value must be in the final .config, verbatim.
bad=0
while IFS= read -r line; do
	case $line in
	"# CONFIG_"*)
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=" "$obj/.config"; then
			echo "kconfig: $opt requested off but is $(grep "^$opt=" "$obj/.config")" >&2
			bad=1
		fi
		;;
	*)
		opt=${line%%=*}
		if ! grep -qxF -- "$line" "$obj/.config"; then
			have=$(grep -E "^$opt=|^# $opt is not set" "$obj/.config" || echo "absent (dependencies not met or no such option)")
			echo "kconfig: requested $line, got: $have" >&2
			bad=1
		fi
		;;
	esac
done <"$want"
if [ $bad -ne 0 ]; then
	echo "kconfig: FAILED: the options above did not take; fix the fragments in tests/config/" >&2
	rm -f "$stamp"
	exit 1
fi
echo "kconfig: all $(wc -l <"$want") requested options present in $obj/.config"
