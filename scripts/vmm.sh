#!/bin/bash
# The VMM of the "#@ vmm: on" scenarios, which run a nested KVM guest with
# a device assigned through VFIO: Debian's arm64 build of QEMU, at the
# version of make deps' QEMU 10 (7.2 has no -object iommufd), with the
# shared libraries it links, packed as a cpio that run-scenario.sh appends
# to the initramfs of those scenarios:
#   /vmm/bin/qemu-system-aarch64  the binary
#   /vmm/lib/                     its DT_NEEDED closure, loader included
#   /vmm/bin/qemu                 runs the binary through that loader
# Fetched through a private arm64 apt state (apt-lib.sh): apt resolves the
# dependency closure against an empty status, so nothing of the host's
# apt configuration or dpkg architectures is touched.
#
# usage: vmm.sh OUT.cpio
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out=$1
work=$TOP/build/vmm
root=$work/root
version=$(cat "$QEMU10_DIR/.version" 2>/dev/null) || {
	echo "vmm: FAILED: no QEMU 10 in $QEMU10_DIR to take the version from (make deps)" >&2
	exit 1
}
pkgs=(qemu-system-arm qemu-system-common qemu-system-data)
if [ "$(cat "$root/.complete" 2>/dev/null)" != "$version" ]; then
	. "$TOP/scripts/apt-lib.sh"
	apt=$work/apt
	private_apt "$apt" arm64 bookworm "$QEMU10_SUITE" || exit 1
	rm -rf "$apt/dl" "$root" && mkdir -p "$apt/dl/partial" "$root"
	apt-get -q install --download-only --no-install-recommends -y -o Debug::NoLocking=1 \
		-o Dir::Cache::archives="$apt/dl" "${pkgs[@]/%/=$version}" >"$apt/download.log" 2>&1 || {
		tail -20 "$apt/download.log" >&2
		echo "vmm: FAILED: apt could not fetch ${pkgs[*]} $version (arm64) and what they depend on" >&2
		exit 1
	}
	for d in "$apt"/dl/*.deb; do dpkg-deb -x "$d" "$root"; done
	echo "$version" >"$root/.complete"
fi
bin=$root/usr/bin/qemu-system-aarch64
[ -x "$bin" ] || { echo "vmm: FAILED: $bin is not in the unpacked packages" >&2; exit 1; }
if [ -f "$out" ] && [ "$out" -nt "$root/.complete" ]; then
	echo "vmm: $out is up to date (QEMU $version, arm64)"
	exit 0
fi

# The DT_NEEDED closure of the binary, each library found in the unpacked tree.
stage=$work/stage
rm -rf "$stage" && mkdir -p "$stage/vmm/bin" "$stage/vmm/lib"
cp "$bin" "$stage/vmm/bin/"
queue=("$bin")
declare -A seen=()
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	for n in $("${CROSS}readelf" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -z "${seen[$n]:-}" ] || continue
		p=
		for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib; do
			[ -e "$root/$d/$n" ] && { p=$(realpath "$root/$d/$n"); break; }
		done
		[ -n "$p" ] || { echo "vmm: FAILED: $n, which $(basename "$f") links, is in none of the packages" >&2; exit 1; }
		seen[$n]=$p
		cp "$p" "$stage/vmm/lib/$n"
		queue+=("$p")
	done
done
[ -f "$stage/vmm/lib/ld-linux-aarch64.so.1" ] || { echo "vmm: FAILED: no arm64 loader in the closure" >&2; exit 1; }
cat >"$stage/vmm/bin/qemu" <<'EOS'
#!/bin/sh
exec /vmm/lib/ld-linux-aarch64.so.1 --library-path /vmm/lib /vmm/bin/qemu-system-aarch64 "$@"
EOS
chmod 0755 "$stage/vmm/bin/qemu" "$stage/vmm/bin/qemu-system-aarch64"
(cd "$stage" && find vmm | sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
echo "vmm: $out (QEMU $version arm64, ${#seen[@]} libraries, $(du -k "$out" | cut -f1) KiB)"
