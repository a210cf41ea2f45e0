# Sourced by the Makefile's recipes and by every script: which base kernel,
# where its build lives, the kconfig fragments of each kernel flavour and the
# one cross-make line. Nothing else defines these.
#
#   BASE        bases/$BASE.conf (default 7.3): base_pkg, base_version,
#               base_suite, base_series (the series directory), base_overlay
#   B           build/$BASE: src (git: base + series), obj, logs, initramfs

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${BASE:-7.3}
if [ ! -f "$TOP/bases/$BASE.conf" ]; then
	echo "bench: no base '$BASE'; known: $(cd "$TOP/bases" && ls *.conf | sed 's/\.conf$//' | tr '\n' ' ')" >&2
	exit 1
fi
. "$TOP/bases/$BASE.conf"
B=$TOP/build/$BASE
SRC=$B/src
OBJ=$B/obj
LOGS=$B/logs
INITRAMFS=$B/initramfs.cpio
IMAGE=$OBJ/arch/arm64/boot/Image
SERIES_DIR=$TOP/$base_series
# Where the final content of the files the series adds is kept.
OVERLAY=$TOP/${base_overlay:-.}
# The archive moved on: deps.sh took the version it has now in place of the
# pin, and recorded both ("PINNED TAKEN").
BASE_VERSION_PINNED=
if [ -f "$TOP/build/dl/$base_pkg.version" ] &&
	[ "$(cut -d' ' -f1 "$TOP/build/dl/$base_pkg.version")" = "$base_version" ]; then
	BASE_VERSION_PINNED=$base_version
	base_version=$(cut -d' ' -f2 "$TOP/build/dl/$base_pkg.version")
fi
# Upstream version of the base ("7.3.4").
BASE_KVER=${base_version%%-*}
BASE_KVER=${BASE_KVER#*:}

# QEMU 10 from Debian 12's backports, for the scenarios that need a device
# QEMU 7.2 lacks ("#@ qemu: 10": igb, for upstream's VFIO selftests). It is
# unpacked into build/qemu-10 (make deps), never installed: the bench's
# system QEMU stays Debian 12's.
QEMU10_VERSION=1:10.0.2+ds-2+deb13u1~bpo12+1
QEMU10_SUITE=bookworm-backports
QEMU10_DIR=$TOP/build/qemu-10

# b4 from Debian 13, for the check that b4 reads the series directory
# (b4check.sh). Debian 12's b4 0.12 cannot: writing the am-ready mbox it
# copies git's folded "From:" header as is, and Python 3.11's email policy
# rejects the linefeed (b4 0.14 unfolds it). Unpacked into build/b4 (make
# deps), never installed; the Python modules it imports are Debian 12's.
B4_VERSION=0.14.2-2
B4_SUITE=trixie
B4_DIR=$TOP/build/b4
b4() {
	PYTHONPATH=$B4_DIR/usr/lib/python3/dist-packages /usr/bin/python3 "$B4_DIR/usr/bin/b4" "$@"
}

# fragments FLAVOUR: the kconfig fragments of a kernel flavour, later ones
# overriding earlier ones. "test" is the kernel make test boots; "perf" the
# benchmark kernel (no lockdep, kmemleak or KUnit); "base-test" the test
# kernel's fragments for the unpatched base (the controls). The series may add
# options of its own (its KUnit suites) in $SERIES_DIR/series.config.
fragments() {
	local f
	for f in base pci-iommu devices; do echo "$TOP/tests/config/$f.config"; done
	case $1 in
	test | base-test)
		echo "$TOP/tests/config/debug.config"
		echo "$TOP/tests/config/selftests.config"
		echo "$TOP/tests/config/kvm.config"
		[ $1 = base-test ] || [ ! -f "$SERIES_DIR/series.config" ] || echo "$SERIES_DIR/series.config"
		;;
	perf) echo "$TOP/tests/config/perf.config" ;;
	*) echo "bench: unknown kernel flavour $1" >&2; return 1 ;;
	esac
}

# The target: arm64 with Debian's cross toolchain (the build matrix also
# builds x86_64 natively: BENCH_ARCH=x86_64).
case ${BENCH_ARCH:-arm64} in
arm64) CROSS=aarch64-linux-gnu- KARCH=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
x86_64) CROSS= KARCH=(ARCH=x86_64) ;;
*) echo "bench: unknown BENCH_ARCH ${BENCH_ARCH}" >&2; exit 1 ;;
esac

# kmake SRC OBJ ARGS...: the one cross-make line (out of tree).
kmake() {
	local src=$1 obj=$2
	shift 2
	make -C "$src" O="$obj" "${KARCH[@]}" "$@"
}

# The unpatched base kernel, the controls of make test: a worktree of SRC
# at the base commit, built with the test kernel's fragments but the
# series' own (its KUnit options), out of tree like the test kernel.
BASE_SRC=$B/base-src
BASE_OBJ=$B/base-obj
BASE_IMAGE=$BASE_OBJ/arch/arm64/boot/Image
BASE_LOGS=$B/logs-base
