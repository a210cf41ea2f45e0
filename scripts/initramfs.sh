#!/bin/bash
# Build the guest initramfs: Debian's arm64 busybox-static, our static test
# programs and the scenario scripts, packed with the kernel's gen_init_cpio.
#
# usage: initramfs.sh SRC OBJ OUT.cpio
set -euo pipefail

src=$(realpath "$1") obj=$(realpath "$2") out=$3
. "$(dirname "$0")/lib.sh"
top=$TOP
work=$(dirname "$(realpath -m "$out")")/guest
mkdir -p "$work/bin"

# Debian arm64 packages for the guest: busybox-static, the static
# libraries upstream's selftests link (libcap for iommu, libuuid for vfio),
# and coreutils with its libc for GNU timeout, which the kselftest runner
# needs (busybox's has no --foreground). Fetched with a private apt
# configuration (apt-lib.sh), so the host's dpkg architecture list and
# suites are left alone, and unpacked into $work/sysroot.
sysroot=$work/sysroot
guest_debs=(busybox-static libcap-dev libcap2 uuid-dev libuuid1 coreutils libc6)
if [ "$(cat "$sysroot/.complete" 2>/dev/null)" != "${guest_debs[*]}" ]; then
	. "$top/scripts/apt-lib.sh"
	apt=$work/apt
	private_apt "$apt" arm64 bookworm || exit 1
	rm -rf "$apt/dl" "$sysroot" && mkdir -p "$apt/dl" "$sysroot"
	(cd "$apt/dl" && apt-get -q download "${guest_debs[@]}") >"$apt/download.log" 2>&1 || {
		cat "$apt/download.log" >&2
		echo "initramfs: FAILED: apt-get download ${guest_debs[*]} (arm64)" >&2
		exit 1
	}
	for d in "$apt"/dl/*.deb; do dpkg-deb -x "$d" "$sysroot"; done
	echo "${guest_debs[*]}" >"$sysroot/.complete"
fi
bb=$sysroot/bin/busybox
file -b "$bb" 2>/dev/null | grep -q aarch64 || [ ! -x /usr/bin/file ] || {
	echo "initramfs: $bb is not an arm64 binary" >&2
	exit 1
}

# uapi headers of the tree under test (the cross libc's are too old for iommufd).
hdr=$obj/usr-headers
if [ ! -f "$hdr/include/linux/iommufd.h" ] || [ "$src/include/uapi/linux/vfio.h" -nt "$hdr/include/linux/vfio.h" ]; then
	kmake "$src" "$obj" -s INSTALL_HDR_PATH="$hdr" headers_install
fi
for p in "$top"/tests/guest/*.c; do
	b=$work/bin/$(basename "$p" .c)
	if [ ! -x "$b" ] || [ "$p" -nt "$b" ]; then
		"${CROSS}gcc" -static -O2 -Wall -Werror -I"$hdr/include" -o "$b" "$p" -pthread
	fi
done

# Upstream's selftests the base lists (bases/*.conf: base_selftests),
# static, against the tree's uapi headers, installed by kselftest's own
# "make install" with its runner (run_kselftest.sh, kselftest-list.txt).
st=$work/selftests
rm -rf "$st" "$work/selftests-obj" && mkdir -p "$st"
if [ -n "${base_selftests:-}" ]; then
	make -s -C "$src/tools/testing/selftests" TARGETS="$base_selftests" FORCE_TARGETS=1 \
		O="$work/selftests-obj" KSFT_INSTALL_PATH="$st" "${KARCH[@]}" \
		KHDR_INCLUDES="-isystem $hdr/include" USERCFLAGS="-I$sysroot/usr/include" \
		USERLDFLAGS="-static -L$sysroot/usr/lib/aarch64-linux-gnu" install \
		>"$work/selftests.log" 2>&1 || {
		tail -20 "$work/selftests.log" >&2
		echo "initramfs: FAILED: kselftest install of $base_selftests (log $work/selftests.log)" >&2
		exit 1
	}
	for t in $base_selftests; do
		grep -q "^$t:" "$st/kselftest-list.txt" || {
			echo "initramfs: FAILED: kselftest-list.txt lists no test of $t" >&2
			exit 1
		}
	done
fi
# GNU timeout and the libc it links (not static in Debian).
ldso=$sysroot/lib/ld-linux-aarch64.so.1 libc=$sysroot/lib/aarch64-linux-gnu/libc.so.6
for f in "$sysroot/usr/bin/timeout" "$ldso" "$libc"; do
	[ -e "$f" ] || { echo "initramfs: FAILED: $f is not in the guest packages" >&2; exit 1; }
done

# gen_init_cpio list
list=$work/initramfs.list
{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /proc /sys /dev /tmp /lib /scenarios /root /kselftest; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox $bb 0755 0 0"
	echo "file /init $top/tests/guest/init 0755 0 0"
	echo "file /lib/bench.sh $top/tests/guest/bench.sh 0644 0 0"
	for b in "$work"/bin/*; do
		[ ! -f "$b" ] || [ ! -x "$b" ] || echo "file /bin/$(basename "$b") $b 0755 0 0"
	done
	echo "dir /lib/aarch64-linux-gnu 0755 0 0"
	echo "file /lib/ld-linux-aarch64.so.1 $(realpath "$ldso") 0755 0 0"
	echo "file /lib/aarch64-linux-gnu/libc.so.6 $(realpath "$libc") 0755 0 0"
	echo "file /usr/bin/timeout $sysroot/usr/bin/timeout 0755 0 0"
	# The kselftest install tree, as installed, under /kselftest.
	(cd "$st" && find . -mindepth 1 | sort) | while read -r f; do
		if [ -d "$st/$f" ]; then
			echo "dir /kselftest/${f#./} 0755 0 0"
		elif [ -f "$st/$f" ]; then
			echo "file /kselftest/${f#./} $st/$f $(stat -c %a "$st/$f") 0 0"
		fi
	done
	# tests/nested: what the nested guest of the vm-* scenarios runs.
	for s in "$top"/tests/scenarios/*.guest "$top"/tests/nested/*.guest; do
		echo "file /scenarios/$(basename "$s") $s 0644 0 0"
	done
	echo "slink /bin/sh busybox 0777 0 0"
} >"$list"

gic=$obj/usr/gen_init_cpio
if [ ! -x "$gic" ]; then
	kmake "$src" "$obj" -s usr/gen_init_cpio
fi
"$gic" "$list" >"$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(du -k "$out" | cut -f1) KiB)"
