# Shared by tree.sh and export.sh: how patches/ and the overlay map onto
# commits of the base tree.
#
# patches/series has one line per commit, in order:
#   NNNN-subject.patch [new/file/path ...]
# The .patch holds the commit's changelog and its diff to files that exist
# before it; each listed new file is added by that commit with the content
# kept at the same path in this repository (the overlay).

GIT_ID=(-c user.name="MSI doorbell bench" -c user.email=bench@localhost)
base_tag=base

# Paths a kernel commit may not add to the overlay (they are ours).
overlay_path_ok() {
	case $1 in
	scripts/* | tests/* | patches/* | build/* | .ci/* | Makefile | README.md | .gitignore) return 1 ;;
	esac
	return 0
}

# apply_series REPO_TOP GITDIR_WORKTREE: apply patches/ + overlay on top of
# the worktree's current HEAD, one commit per series line. Hard error on any
# patch that does not apply exactly.
apply_series() {
	local top=$1 wt=$2 line patch f n=0
	[ -f "$top/patches/series" ] || return 0
	while read -r patch files; do
		case $patch in '' | '#'*) continue ;; esac
		n=$((n + 1))
		if [ ! -f "$top/patches/$patch" ]; then
			echo "tree: FAILED: patches/series names $patch, which does not exist" >&2
			return 1
		fi
		if ! git -C "$wt" "${GIT_ID[@]}" am -q --no-3way --empty=keep --committer-date-is-author-date \
			"$top/patches/$patch" >"$wt/../am.log" 2>&1; then
			cat "$wt/../am.log" >&2
			git -C "$wt" am --abort 2>/dev/null || true
			echo "tree: FAILED: patch $n ($patch) does not apply cleanly (no fuzz is allowed)" >&2
			return 1
		fi
		if [ -n "$files" ]; then
			for f in $files; do
				if [ ! -f "$top/$f" ]; then
					echo "tree: FAILED: $patch introduces $f, missing from the overlay" >&2
					return 1
				fi
				if [ -e "$wt/$f" ]; then
					echo "tree: FAILED: $patch introduces $f, which already exists in the tree" >&2
					return 1
				fi
				mkdir -p "$(dirname "$wt/$f")"
				cp "$top/$f" "$wt/$f"
				git -C "$wt" add -f -- "$f"
			done
			git -C "$wt" "${GIT_ID[@]}" commit -q --amend --no-edit --allow-empty
		fi
	done <"$top/patches/series"
	echo "tree: applied $n commit(s)"
}

# series_id REPO_TOP: a hash of everything apply_series reads.
series_id() {
	local top=$1 f
	{
		[ -f "$top/patches/series" ] || exit 0
		cat "$top/patches/series"
		while read -r patch files; do
			case $patch in '' | '#'*) continue ;; esac
			cat "$top/patches/$patch"
			for f in $files; do cat "$top/$f"; done
		done <"$top/patches/series"
	} | sha1sum | cut -d' ' -f1
}
