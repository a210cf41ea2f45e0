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
# usage: fresh-root.sh   (env: FRESH_ROOT=DIR, default build/fresh-root;
#                         FRESH_KEEP=1 keeps the root afterwards)
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

echo
echo "fresh-root: Debian 12 root $root, logs $logs"
printf '%s\n' "${summary[@]}"
[ $fails = 0 ] && echo "fresh-root: PASS" || echo "fresh-root: FAILED ($fails phase(s))"
[ $fails = 0 ]
