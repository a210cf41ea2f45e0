#!/bin/bash
# Install the Debian packages the bench needs (we run as root) and fetch the
# base kernel's source package, or stop with a message naming what is
# missing.
#
# The source package is downloaded (apt-get download) and unpacked into
# build/dl, never installed: a base from a suite the machine does not carry
# (bases/*.conf: base_suite) comes through a private apt state, so the
# machine's apt sources stay as they are.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/apt-lib.sh"

pkgs=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	make gcc bc flex bison libssl-dev libelf-dev cpio xz-utils python3 perl git sparse file
	debian-archive-keyring dpkg-dev rsync ca-certificates python3-ply python3-git procps)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "deps: FAILED: not root; install as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get -q update >/tmp/bench-apt-update.log 2>&1; then
		echo "deps: warning: apt-get update failed (see /tmp/bench-apt-update.log); trying the cached lists" >&2
	fi
	if ! apt-get -q install -y --no-install-recommends "${missing[@]}" >/tmp/bench-apt-install.log 2>&1; then
		tail -20 /tmp/bench-apt-install.log >&2
		echo "deps: FAILED: apt-get could not install: ${missing[*]} (full log /tmp/bench-apt-install.log)" >&2
		exit 1
	fi
	for p in "${missing[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
			echo "deps: FAILED: $p still missing after apt-get install" >&2
			exit 1
		}
	done
	echo "deps: installed ${missing[*]}"
else
	echo "deps: all packages present"
fi

# newest VERSION...: the highest of the Debian versions given, one a line.
newest() {
	local v best=
	for v in $1; do
		[ -z "$best" ] || dpkg --compare-versions "$v" gt "$best" && best=$v
	done
	echo "$best"
}

# The version to take of a pinned package: the pin when the archive still
# has it, else (backports and testing keep only their newest upload) the
# newest the suite has now, said loudly. Empty when there is none.
pick_version() { # NAME PIN HAVE
	if grep -qxF -- "$2" <<<"$3"; then
		echo "$2"
		return
	fi
	local v
	v=$(newest "$3")
	[ -n "$v" ] || return 0
	echo "deps: WARNING: $1 $2 (pinned) has left the archive; taking $v, the version it has now" >&2
	echo "$v"
}

# unpack_from_suite WHAT DIR SUITE VERSION CMD PKG...: download PKG... at
# VERSION from SUITE through a private apt state and unpack them into DIR
# (never installed). What they depend on, apart from each other, must be
# Debian 12's own packages: installed here when missing. Then 'CMD
# --version' must run. DIR/.version records VERSION; a DIR that has it is
# left alone.
unpack_from_suite() {
	local what=$1 dir=$2 suite=$3 version=$4 cmd=$5 apt d deps miss=() have
	shift 5
	apt=$TOP/build/dl/apt-$(basename "$dir")
	if [ "$(cat "$dir/.pinned" 2>/dev/null)" = "$version" ] && [ -f "$dir/.version" ]; then
		echo "deps: $what $(cat "$dir/.version") present ($dir)"
		[ "$(cat "$dir/.version")" = "$version" ] ||
			echo "deps: WARNING: $what $(cat "$dir/.version") in use, not the pinned $version, which left the archive" >&2
		return 0
	fi
	private_apt "$apt" amd64 "$suite" || {
		echo "deps: FAILED: cannot read $suite from the machine's Debian archive" >&2
		return 1
	}
	have=$(apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u)
	local pinned=$version
	version=$(pick_version "$1" "$pinned" "$have")
	if [ -z "$version" ]; then
		echo "deps: FAILED: $1 $pinned (scripts/lib.sh) is not in $suite, which has no version of it at all" >&2
		return 1
	fi
	rm -rf "$apt/dl" "$dir" && mkdir -p "$apt/dl" "$dir"
	(cd "$apt/dl" && apt-get -q download "${@/%/=$version}") >"$apt/download.log" 2>&1 || {
		cat "$apt/download.log" >&2
		echo "deps: FAILED: apt-get download $* ($version) from $suite" >&2
		return 1
	}
	unset APT_CONFIG
	for d in "$apt"/dl/*.deb; do dpkg-deb -x "$d" "$dir"; done
	deps=$(for d in "$apt"/dl/*.deb; do dpkg-deb -f "$d" Depends; done | tr ',' '\n' |
		sed -e 's/(.*)//' -e 's/|.*//' -e 's/:any//' -e 's/ //g' | grep . | sort -u |
		grep -vxF -f <(printf '%s\n' "$@"))
	for d in $deps; do
		dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || miss+=("$d")
	done
	if [ ${#miss[@]} -gt 0 ]; then
		echo "deps: installing what $what needs: ${miss[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${miss[@]}" \
			>"$apt/install.log" 2>&1 || {
			tail -20 "$apt/install.log" >&2
			echo "deps: FAILED: apt-get could not install ${miss[*]}" >&2
			return 1
		}
	fi
	if ! "$cmd" --version >"$apt/version.log" 2>&1; then
		cat "$apt/version.log" >&2
		echo "deps: FAILED: the unpacked $what does not run ($cmd --version)" >&2
		return 1
	fi
	echo "$version" >"$dir/.version"
	echo "$pinned" >"$dir/.pinned"
	echo "deps: $what $version unpacked into $dir ($(head -1 "$apt/version.log"))"
}

# QEMU 10 (scripts/lib.sh: QEMU10_*), for the scenarios with "#@ qemu: 10",
# and b4, for the check that b4 reads the series: make test's, not make
# demo's ("--core" leaves them out).
[ "${1:-}" = --core ] || ( unpack_from_suite "QEMU" "$QEMU10_DIR" "$QEMU10_SUITE" "$QEMU10_VERSION" \
	"$QEMU10_DIR/usr/bin/qemu-system-aarch64" qemu-system-arm qemu-system-common qemu-system-data ) || exit 1
[ "${1:-}" = --core ] || ( unpack_from_suite "b4" "$B4_DIR" "$B4_SUITE" "$B4_VERSION" b4 b4 ) || exit 1

# The base source: build/dl/$base_pkg-$VERSION/usr/src/$base_pkg.tar.xz,
# VERSION the pin of bases/$BASE.conf or, once the archive has moved on,
# the version it has now (recorded in build/dl/$base_pkg.version, which
# scripts/lib.sh reads; the series must then still apply, or tree.sh stops
# at the patch and hunk that do not).
dl=$TOP/build/dl
if [ -f "$dl/$base_pkg-$base_version/usr/src/$base_pkg.tar.xz" ]; then
	echo "deps: $base_pkg $base_version present"
	[ -z "$BASE_VERSION_PINNED" ] ||
		echo "deps: WARNING: building on $base_pkg $base_version, not the pinned $BASE_VERSION_PINNED (bases/$BASE.conf), which left the archive" >&2
	exit 0
fi
pinned=${BASE_VERSION_PINNED:-$base_version}
mkdir -p "$dl"
if [ -n "$base_suite" ]; then
	private_apt "$dl/apt-$base_suite" amd64 "$base_suite" || {
		echo "deps: FAILED: cannot read $base_suite from the machine's Debian archive" >&2
		exit 1
	}
else
	apt-get -q update >/tmp/bench-apt-update.log 2>&1 || true
fi
have=$(apt-cache madison "$base_pkg" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u)
version=$(pick_version "$base_pkg" "$pinned" "$have")
if [ -z "$version" ]; then
	echo "deps: FAILED: $base_pkg $pinned (bases/$BASE.conf) is not in the archive" \
		"(${base_suite:-the suites of this machine}), which has no version of it at all" \
		"(is the archive reachable? has the suite moved to a newer kernel?)." >&2
	echo "      To move the base: add bases/NAME.conf for a package the archive has," \
		"run 'make tree BASE=NAME' and fix the patches it reports as not applying." >&2
	exit 1
fi
tarball=$dl/$base_pkg-$version/usr/src/$base_pkg.tar.xz
if [ ! -f "$tarball" ]; then
	echo "deps: fetching $base_pkg $version"
	rm -rf "$dl/tmp" && mkdir -p "$dl/tmp"
	(cd "$dl/tmp" && apt-get -q download "$base_pkg=$version") >"$dl/download.log" 2>&1 || {
		cat "$dl/download.log" >&2
		echo "deps: FAILED: apt-get download $base_pkg=$version" >&2
		exit 1
	}
	dpkg-deb -x "$dl"/tmp/"${base_pkg}"_*.deb "$dl/tmp/x"
	[ -f "$dl/tmp/x/usr/src/$base_pkg.tar.xz" ] || {
		echo "deps: FAILED: $base_pkg has no usr/src/$base_pkg.tar.xz" >&2
		exit 1
	}
	rm -rf "$dl/$base_pkg-$version"
	mv "$dl/tmp/x" "$dl/$base_pkg-$version"
	rm -rf "$dl/tmp"
fi
if [ "$version" = "$pinned" ]; then
	rm -f "$dl/$base_pkg.version"
else
	echo "$pinned $version" >"$dl/$base_pkg.version"
	echo "deps: WARNING: building on $base_pkg $version, not the pinned $pinned (bases/$BASE.conf)" >&2
fi
echo "deps: $tarball"
