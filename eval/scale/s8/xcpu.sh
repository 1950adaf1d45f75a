#!/bin/sh
# Session 8, branch xcpu: extraction CPU per report, before against after.
# usage: eval/scale/s8/xcpu.sh BASE_LANTERN NEW_LANTERN SCRATCH_DIR [SHARED_DIR]
#   BASE_LANTERN  release `lantern` of main before the branch
#   NEW_LANTERN   release `lantern` of the branch
#   SCRATCH_DIR   corpora, outputs and callgrind files go here (about 40 MB)
# 1. output: `lantern extract --format jsonl` of the dev set and of 2,000 generated
#    reports (gen --seed 7) by both binaries, compared with cmp;
# 2. instructions: `lantern ingest` of 1,000 generated reports (gen --seed 42) under
#    callgrind, per thread, each binary into a fresh store, summed by cg_parts.py.
set -eu
BASE=$1; NEW=$2; S=$3; SHARED=${4:-/work/shared}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$S"
[ -d "$S/g2k" ] || "$BASE" gen --reports 2000 --seed 7 --out "$S/g2k" >/dev/null
[ -d "$S/c1k" ] || "$BASE" gen --reports 1000 --seed 42 --out "$S/c1k" >/dev/null
for which in base new; do
  if [ $which = base ]; then B=$BASE; else B=$NEW; fi
  "$B" extract "$SHARED/eval/dev" --format jsonl > "$S/dev.$which.jsonl"
  "$B" extract "$S/g2k" --format jsonl > "$S/g2k.$which.jsonl"
done
for c in dev g2k; do
  cmp "$S/$c.base.jsonl" "$S/$c.new.jsonl" && echo "$c: identical ($(wc -l < "$S/$c.new.jsonl") lines)"
done
for which in base new; do
  if [ $which = base ]; then B=$BASE; else B=$NEW; fi
  rm -rf "$S/db.$which"
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$S/cg.$which" \
    "$B" --data "$S/db.$which" ingest --quiet --no-incidents "$S/c1k" > "$S/cg.$which.log" 2>&1
  rm -rf "$S/db.$which"
  echo "== $which"; python3 "$HERE/cg_parts.py" "$S/cg.$which"
done
