#!/bin/bash
# Prove the README's two commands on a new machine: bootstrap a Debian 12
# root with mmdebstrap (the machine's own archive and apt settings, nothing
# else installed), clone this repository's committed HEAD into it, and run
# inside it, as a newcomer would:
#
#   apt-get install git make     (the README's prerequisite line)
#   make demo                    (the README's first command)
#   make test                    (the README's second command)
#
# Prints each phase's verdict and time; exits non-zero if any phase failed.
# Uncommitted changes are not tested: commit first.
#
# With FRESH_PINS=gone the clone's pins (the base source in bases/$BASE.conf,
# QEMU 10 and b4 in scripts/lib.sh) are first moved to versions the archive
# has never had, committed in the clone: both commands must then take the
# versions the suites have now, say so (deps.sh's "has left the archive"
# warning, checked here per pin), and still pass.
#
# usage: fresh-root.sh   (env: FRESH_ROOT=DIR, default build/fresh-root;
#                         FRESH_KEEP=1 keeps the root afterwards;
#                         FRESH_PINS=gone pins versions that are not there)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/apt-lib.sh"

root=${FRESH_ROOT:-$TOP/build/fresh-root}
logs=$root.logs
[ "$(id -u)" = 0 ] || { echo "fresh-root: FAILED: needs root (mmdebstrap, chroot, mounts)" >&2; exit 1; }
if ! command -v mmdebstrap >/dev/null; then
	echo "fresh-root: installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends mmdebstrap \
		>/tmp/fresh-root-apt.log 2>&1 || {
		tail -5 /tmp/fresh-root-apt.log >&2
		echo "fresh-root: FAILED: cannot install mmdebstrap" >&2
		exit 1
	}
fi
[ -z "$(git -C "$TOP" status --porcelain -uno)" ] ||
	echo "fresh-root: note: uncommitted changes in $TOP are not part of the clone" >&2

mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null; done
	[ "${FRESH_KEEP:-0}" = 1 ] || rm -rf "$root"
}
trap cleanup EXIT
rm -rf "$root" "$logs"
mkdir -p "$logs"

fails=0
summary=()
phase() { # name command...
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	"$@" >"$logs/$name.log" 2>&1
	rc=$?
	local secs=$(($(date +%s) - t0))
	if [ $rc = 0 ]; then
		summary+=("$(printf 'PASS  %-12s %5ss' "$name" "$secs")")
	else
		summary+=("$(printf 'FAIL  %-12s %5ss  (exit %s, log %s)' "$name" "$secs" "$rc" "$logs/$name.log")")
		fails=$((fails + 1))
	fi
	echo "${summary[-1]}"
	tail -3 "$logs/$name.log" | sed 's/^/      /'
	return $rc
}

# The machine's own sources (deb822 or one-line) and apt settings.
mirrors=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
	[ -s "$f" ] && mirrors+=("$f")
done
aptopts=()
for f in /etc/apt/apt.conf.d/*; do [ -f "$f" ] && aptopts+=(--aptopt="$f"); done

bootstrap() {
	mmdebstrap --variant=minbase "${aptopts[@]}" bookworm "$root" "${mirrors[@]}" || return 1
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	cp /etc/hosts "$root/etc/hosts" 2>/dev/null
	for m in proc sys dev dev/pts; do
		mount --bind "/$m" "$root/$m" && mounted=("$root/$m" "${mounted[@]}")
	done
	git clone -q --no-hardlinks "$TOP" "$root/root/msi-doorbell" || return 1
	[ ! -d "$TOP/../shared" ] || cp -a "$TOP/../shared" "$root/root/shared"
	echo "cloned $(git -C "$root/root/msi-doorbell" log -1 --format='%h %s')"
	[ "${FRESH_PINS:-}" != gone ] || gone_pins "$root/root/msi-doorbell"
}
# Versions no Debian upload has had ("~gone" sorts before any real one).
GONE_BASE=$BASE_KVER-0~gone1
GONE_QEMU10=1:10.0.0+ds-0~gone1
GONE_B4=0.14.0-0~gone1
gone_pins() { # CLONE
	sed -i "s/^base_version=.*/base_version=$GONE_BASE/" "$1/bases/$BASE.conf" &&
		sed -i -e "s/^QEMU10_VERSION=.*/QEMU10_VERSION=$GONE_QEMU10/" \
			-e "s/^B4_VERSION=.*/B4_VERSION=$GONE_B4/" "$1/scripts/lib.sh" &&
		git -C "$1" -c user.name=fresh-root -c user.email=fresh-root@localhost \
			commit -q -am "fresh-root: pin versions the archive does not have" || return 1
	git -C "$1" show --stat --format='pins moved: %s' | sed 's/^/  /'
}
# gone_warned LOG NAME PIN: deps.sh said that PIN of NAME left the archive.
gone_warned() {
	grep -qF "deps: WARNING: $2 $3 (pinned) has left the archive; taking " "$1" && return 0
	echo "fresh-root: FAILED: $(basename "$1") does not say that $2 $3 left the archive" >&2
	return 1
}
in_root() { # command line, run in the clone as root with a clean environment
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/msi-doorbell && $1"
}

phase bootstrap bootstrap &&
	phase prereq in_root "apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q install -y git make" &&
	{
		phase demo in_root "make demo"
		phase test in_root "make test"
		echo "      last line of make test: $(grep . "$logs/test.log" | tail -1)"
	}
if [ "${FRESH_PINS:-}" = gone ] && [ -f "$logs/test.log" ]; then
	# make demo fetches only the base; make test unpacks QEMU 10 and b4.
	gone_warned "$logs/demo.log" "$base_pkg" "$GONE_BASE" || fails=$((fails + 1))
	gone_warned "$logs/test.log" qemu-system-arm "$GONE_QEMU10" || fails=$((fails + 1))
	gone_warned "$logs/test.log" b4 "$GONE_B4" || fails=$((fails + 1))
	[ $fails != 0 ] || summary+=("PASS  pins gone    each pin's warning seen, versions taken: $(
		grep -ho 'has left the archive; taking [^,]*' "$logs/demo.log" "$logs/test.log" |
			sed 's/.*taking //' | sort -u | tr '\n' ' ')")
fi

echo
echo "fresh-root: Debian 12 root $root, logs $logs"
printf '%s\n' "${summary[@]}"
[ $fails = 0 ] && echo "fresh-root: PASS" || echo "fresh-root: FAILED ($fails phase(s))"
[ $fails = 0 ]
