#!/bin/bash
# Write each patch set of the series as a series with its cover letter
# (OUTDIR/SET/, patch 0 from SET/cover-letter of the series directory), ready
# for 'git send-email' or 'b4 send': the fixes as [PATCH], the last set (the
# feature) as [RFC PATCH].
#
# usage: series.sh SRC OUTDIR
set -euo pipefail

. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/series-lib.sh"
src=$1 out=$2
ranges=$(series_ranges "$src")
last=$(echo "$ranges" | tail -1 | cut -d' ' -f1)
rm -rf "$out"
while read -r set from to; do
	rfc=()
	[ "$set" != "$last" ] || rfc=(--rfc)
	letter=$SERIES_DIR/$set/cover-letter
	[ -s "$letter" ] || { echo "series: FAILED: no cover letter $letter" >&2; exit 1; }
	git -C "$src" format-patch -q "${rfc[@]}" --cover-letter --thread -o "$out/$set" "$from..$to"
	python3 - "$out/$set/0000-cover-letter.patch" "$letter" <<'PY'
import sys
cover, text = sys.argv[1], open(sys.argv[2]).read().split('\n', 2)
s = open(cover).read()
s = s.replace('*** SUBJECT HERE ***', text[0]).replace('*** BLURB HERE ***', text[2].rstrip('\n'))
open(cover, 'w').write(s)
PY
	echo "series: $set: $(ls "$out/$set"/*.patch | wc -l) files in $out/$set ($(head -n1 "$letter"))"
done <<<"$ranges"
