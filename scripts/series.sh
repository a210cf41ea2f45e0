#!/bin/bash
# Write the series as an RFC patch set with a cover letter, ready for
# 'git send-email' or 'b4 send', and checkpatch it.
#
# usage: series.sh SRC OUTDIR
set -euo pipefail

. "$(dirname "$0")/lib.sh"
src=$1 out=$2
rm -rf "$out"
git -C "$src" format-patch -q --rfc --cover-letter --thread -o "$out" base..HEAD
cover=$(ls "$out"/0000-cover-letter.patch)
subject=$(head -n1 "$SERIES_DIR/cover-letter")
python3 - "$cover" "$SERIES_DIR/cover-letter" <<'PY'
import sys
cover, text = sys.argv[1], open(sys.argv[2]).read().split('\n', 2)
s = open(cover).read()
s = s.replace('*** SUBJECT HERE ***', text[0]).replace('*** BLURB HERE ***', text[2].rstrip('\n'))
open(cover, 'w').write(s)
PY
ls "$out"
echo "series: $(ls "$out"/*.patch | wc -l) files in $out ($subject)"
