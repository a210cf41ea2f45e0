# Shared by tree.sh, export.sh, roundtrip.sh and b4check.sh: how a series directory maps
# onto commits of the base tree.
#
# $SERIES_DIR holds one directory per patch set, each posted as a series of
# its own: the fixes first, then the feature on top. $SERIES_DIR/sets names
# them in order, "DIR COUNT" per line, COUNT being the number of commits of
# the tree the set takes, from the base up. DIR/series names the set's
# patches in order; they are exactly what 'git format-patch --numbered
# --thread --zero-commit --no-signature' writes for the set's range of
# commits ("[PATCH nn/NN]" numbered within the set, new files included,
# patches 2-N in reply to patch 1), so 'git am' applies them and b4 reads
# each set as one series (b4check.sh). DIR/cover-letter is the set's cover
# letter (first line: subject). A commit added to the tree must go into the
# count of its set: export.sh fails while the counts do not add up to the
# tree's commits. The files the series adds are also kept, with their final
# content, at their kernel path in this repository (the overlay), to be read
# as files; roundtrip.sh fails when the two disagree.

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

# series_sets DIR: the "DIR COUNT" lines of DIR/sets, in order.
series_sets() {
	[ -f "$1/sets" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1/sets"
}

# set_patches DIR SET: the patch files of set SET of DIR, in order, as
# SET/FILE paths relative to DIR.
set_patches() {
	[ ! -f "$1/$2/series" ] ||
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e "s|^|$2/|" "$1/$2/series"
}

# series_patches DIR: the patch files of every set of DIR, in order, as
# SET/FILE paths relative to DIR.
series_patches() {
	local set n
	while read -r set n; do
		set_patches "$1" "$set"
	done < <(series_sets "$1")
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
	local dir=$1 wt=$2 patch n=0 set count
	if [ -z "$(series_sets "$dir")" ]; then
		echo "tree: FAILED: $dir/sets is missing or names no patch set" >&2
		return 1
	fi
	while read -r set count; do
		[ -f "$dir/$set/series" ] || {
			echo "tree: FAILED: $dir/sets names set $set, which has no $dir/$set/series" >&2
			return 1
		}
	done < <(series_sets "$dir")
	for patch in $(series_patches "$dir"); do
		n=$((n + 1))
		if [ ! -f "$dir/$patch" ]; then
			echo "tree: FAILED: $dir/$(dirname "$patch")/series names $(basename "$patch"), which does not exist" >&2
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

# series_ranges SRC: "SET FROM TO" for each set of $SERIES_DIR/sets, in order:
# the set is the commits FROM..TO of SRC. Fails when the counts of the sets
# are not the commits base..HEAD of SRC.
series_ranges() {
	local src=$1 set n from=$base_tag used=0 total sets
	local -a commits
	sets=$(series_sets "$SERIES_DIR")
	[ -n "$sets" ] || { echo "series: FAILED: $SERIES_DIR/sets names no patch set" >&2; return 1; }
	mapfile -t commits < <(git -C "$src" rev-list --reverse "$base_tag..HEAD")
	total=${#commits[@]}
	while read -r set n; do
		case $n in '' | *[!0-9]* | 0)
			echo "series: FAILED: $SERIES_DIR/sets: set '$set' has no commit count" >&2; return 1 ;;
		esac
		used=$((used + n))
	done <<<"$sets"
	if [ $used != $total ]; then
		echo "series: FAILED: the sets of $SERIES_DIR/sets take $used commits, the tree has $total" >&2
		echo "        (a commit added or removed: change the count of its set in $SERIES_DIR/sets)" >&2
		return 1
	fi
	used=0
	while read -r set n; do
		echo "$set $from ${commits[$((used + n - 1))]}"
		from=${commits[$((used + n - 1))]}
		used=$((used + n))
	done <<<"$sets"
}

# format_series SRC OUTDIR: write base..HEAD of SRC as the sets of
# $SERIES_DIR/sets: OUTDIR/sets, and OUTDIR/SET/*.patch and OUTDIR/SET/series
# for each set (what export.sh and roundtrip.sh produce). Fails, writing
# nothing, when the counts of the sets are not the tree's commits.
format_series() {
	local src=$1 out=$2 ranges set from to
	ranges=$(series_ranges "$src") || return 1
	mkdir -p "$out"
	[ "$out/sets" -ef "$SERIES_DIR/sets" ] || cp "$SERIES_DIR/sets" "$out/sets"
	while read -r set from to; do
		mkdir -p "$out/$set"
		git "${GIT_ID[@]}" -C "$src" format-patch -q --numbered --thread=shallow --zero-commit \
			--no-signature -o "$out/$set" "$from..$to"
		{
			echo "# Set $set, in order (git format-patch output); written by 'make export'."
			(cd "$out/$set" && ls [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null || true)
		} >"$out/$set/series"
	done <<<"$ranges"
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
		series_sets "$dir"
		series_patches "$dir"
		for p in $(series_patches "$dir"); do cat "$dir/$p"; done
	} | sha1sum | cut -d' ' -f1
}
