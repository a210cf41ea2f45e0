# Fetch Debian packages without touching the machine's apt configuration:
# a private apt state directory whose single source list points at the
# archive the machine already uses. No archive host name is written here.
#
# Sourced by deps.sh (the base kernel source) and initramfs.sh (arm64
# busybox-static).

# archive_uri: the first "main" Debian archive URI of the machine's own apt
# sources (deb822 *.sources or one-line *.list), security archive excluded.
# BENCH_DEBIAN_MIRROR overrides it.
archive_uri() {
	local f uri
	if [ -n "${BENCH_DEBIAN_MIRROR:-}" ]; then
		echo "${BENCH_DEBIAN_MIRROR%/}"
		return 0
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f" |
			grep -v -- '-security' | head -1)
		[ -n "$uri" ] && { echo "${uri%/}"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f" |
			grep -v -- '-security' | head -1)
		[ -n "$uri" ] && { echo "${uri%/}"; return 0; }
	done
	echo "apt-lib: no Debian archive URI in /etc/apt/sources.list{,.d/*}; set BENCH_DEBIAN_MIRROR" >&2
	return 1
}

# private_apt DIR ARCH SUITE...: set up DIR as a private apt root reading
# SUITE (main) for ARCH from archive_uri, run apt-get update, and export
# APT_CONFIG so that the caller's apt-get calls use it.
private_apt() {
	local dir=$1 arch=$2 uri s
	shift 2
	uri=$(archive_uri) || return 1
	mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial" "$dir/dl"
	touch "$dir/state/status"
	: >"$dir/sources.list"
	for s in "$@"; do
		echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $s main" \
			>>"$dir/sources.list"
	done
	cat >"$dir/apt.conf" <<EOC
Dir::State "$dir/state";
Dir::State::status "$dir/state/status";
Dir::Cache "$dir/cache";
Dir::Etc::SourceList "$dir/sources.list";
Dir::Etc::SourceParts "/dev/null";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
EOC
	export APT_CONFIG=$dir/apt.conf
	if ! apt-get -q update >"$dir/update.log" 2>&1; then
		cat "$dir/update.log" >&2
		echo "apt-lib: cannot read the package lists of $* ($arch) from $uri" >&2
		return 1
	fi
}
