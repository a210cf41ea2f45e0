# Shared by tree.sh, export.sh, roundtrip.sh and b4check.sh: how a series directory maps
# onto commits of the base tree.
#
# $SERIES_DIR/series names the patches in order, one per line; the patches are
# exactly what 'git format-patch --numbered --thread --zero-commit
# --no-signature' writes for base..HEAD ("[PATCH nn/NN]", new files included,
# patches 2-N in reply to patch 1), so 'git am' applies them and b4 reads
# them as one series (b4check.sh). The
# files the series adds are also kept, with their final content, at their
# kernel path in this repository (the overlay), to be read as files;
# roundtrip.sh fails when the two disagree.

GIT_ID=(-c user.name="MSI doorbell bench" -c user.email=bench@localhost)
base_tag=base
# Fixed dates for the base commit so that every machine gets the same hashes.
BASE_DATE="2000-01-01T00:00:00Z"

# Paths a kernel commit may not add to the overlay (they are ours).
overlay_path_ok() {
	case $1 in
	scripts/* | tests/* | patches/* | series-* | bases/* | build/* | .ci/* | Makefile | README.md | .gitignore) return 1 ;;
	esac
	return 0
}

# series_patches DIR: the patch files DIR/series names, in order.
series_patches() {
	[ -f "$1/series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1/series"
}

# series_added_files DIR: the paths the patches of DIR add (the overlay).
series_added_files() {
	local p
	for p in $(series_patches "$1"); do
		awk '/^diff --git / { f = $4; sub(/^b\//, "", f) } /^new file mode/ { print f }' "$1/$p"
	done
}

# apply_series DIR WORKTREE: 'git am' every patch of DIR on top of the
# worktree's HEAD. Hard error on a missing patch or one that does not apply
# exactly (no fuzz, no 3-way).
apply_series() {
	local dir=$1 wt=$2 patch n=0
	for patch in $(series_patches "$dir"); do
		n=$((n + 1))
		if [ ! -f "$dir/$patch" ]; then
			echo "tree: FAILED: $dir/series names $patch, which does not exist" >&2
			return 1
		fi
		if ! git -C "$wt" "${GIT_ID[@]}" am -q --no-3way --empty=keep --committer-date-is-author-date \
			"$dir/$patch" >"$wt/../am.log" 2>&1; then
			cat "$wt/../am.log" >&2
			git -C "$wt" am --abort 2>/dev/null || true
			echo "tree: FAILED: patch $n ($patch) does not apply cleanly on the base (no fuzz is allowed)" >&2
			return 1
		fi
	done
	echo "tree: applied $n commit(s)"
}

# scratch_worktree NAME: a temporary directory $tmp under $B, removed at
# exit together with the worktree $wt of $SRC, which the caller adds.
scratch_worktree() {
	tmp=$(mktemp -d "$B/$1.XXXX")
	wt=$tmp/wt
	trap 'git -C "$SRC" worktree remove --force "$wt" 2>/dev/null || true; rm -rf "$tmp"' EXIT
}

# same_commits WHO WORKTREE: the commits base..HEAD of WORKTREE have, one
# for one, the tree, author and message of those of $SRC. Prints their
# number; on a difference, says which commit and fails.
same_commits() {
	local who=$1 other=$2 want got nw ng a b fmt
	want=$(git -C "$SRC" rev-list --reverse "$base_tag..HEAD")
	got=$(git -C "$other" rev-list --reverse "$base_tag..HEAD")
	nw=$(echo "$want" | grep -c . || true)
	ng=$(echo "$got" | grep -c . || true)
	if [ "$nw" != "$ng" ]; then
		echo "$who: FAILED: the tree has $nw commits, $other has $ng" >&2
		return 1
	fi
	while read -r a b; do
		[ -n "$a" ] || continue
		for fmt in '%T' '%an <%ae>' '%B'; do
			if [ "$(git -C "$SRC" log -1 --format="$fmt" "$a")" != "$(git -C "$other" log -1 --format="$fmt" "$b")" ]; then
				echo "$who: FAILED: $(git -C "$SRC" log -1 --format=%s "$a"): '$fmt' differs" >&2
				return 1
			fi
		done
	done < <(paste <(echo "$want") <(echo "$got"))
	echo "$nw"
}

# format_series SRC OUTDIR: write base..HEAD of SRC as OUTDIR/*.patch and
# OUTDIR/series (what export.sh and roundtrip.sh produce).
format_series() {
	local src=$1 out=$2
	mkdir -p "$out"
	git "${GIT_ID[@]}" -C "$src" format-patch -q --numbered --thread=shallow --zero-commit \
		--no-signature -o "$out" "$base_tag..HEAD"
	{
		echo "# The series, in order (git format-patch output); written by 'make export'."
		(cd "$out" && ls [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null || true)
	} >"$out/series"
}

# patch_headers_stable FILE: FILE without its Message-Id, In-Reply-To and
# References headers, the only part of format-patch output that git derives
# from the clock (the time of the run is in every Message-Id).
patch_headers_stable() {
	awk 'NR == 1 { hdr = 1 }
	     hdr && /^$/ { hdr = 0 }
	     hdr && /^(Message-I[Dd]|In-Reply-To|References):/ { skip = 1; next }
	     hdr && skip && /^[ \t]/ { next }
	     { skip = 0; print }' "$1"
}

# same_patch A B: A and B are the same format-patch output up to the clock.
same_patch() {
	cmp -s <(patch_headers_stable "$1") <(patch_headers_stable "$2")
}

# series_id DIR: a hash of everything apply_series reads.
series_id() {
	local dir=$1 p
	{
		series_patches "$dir"
		for p in $(series_patches "$dir"); do cat "$dir/$p"; done
	} | sha1sum | cut -d' ' -f1
}
