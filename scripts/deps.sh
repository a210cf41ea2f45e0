#!/bin/bash
# Install the Debian packages the bench needs (we run as root), or stop with a
# message naming what is missing.
set -euo pipefail

base_pkg=linux-source-6.12
base_ver=6.12.117-1~deb12u1
pkgs=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	make gcc bc flex bison libssl-dev libelf-dev cpio xz-utils python3 perl git sparse b4 file
	debian-archive-keyring dpkg-dev)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
have=$(dpkg-query -W -f='${Status} ${Version}' "$base_pkg" 2>/dev/null || true)
case $have in
"install ok installed $base_ver") ;;
"install ok installed "*)
	echo "deps: $base_pkg ${have##* } is installed, the series is against $base_ver; reinstalling $base_ver" ;&
*) missing+=("$base_pkg=$base_ver") ;;
esac

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all packages present"
	exit 0
fi
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
	dpkg-query -W -f='${Status}' "${p%%=*}" 2>/dev/null | grep -q "install ok installed" || {
		echo "deps: FAILED: $p still missing after apt-get install" >&2
		exit 1
	}
done
echo "deps: installed ${missing[*]}"
