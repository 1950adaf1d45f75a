#!/bin/bash
# usage: evbatch-compare.sh BASE_BINARY NEW_BINARY -- the before/after of branch `evbatch`
# (session 9) in one command, by deterministic measures:
#  1. callgrind of the write path (`--toggle-collect='*SqliteStore::write_files'`: the chunk writes of
#     the writing thread, not the fold) of a 1,000-report ingest (/work/bench/c10k/0000)
#     with each binary: the instruction count of each, and the top inclusive functions;
#  2. both binaries ingest /work/bench/c10k (10,000 reports) into fresh stores, and
#     store-digest.py of each must be identical (every content table, event ids included).
# Scratch under $OUT (default /work/bench/evbatch); the stores are deleted afterwards.
set -e
BASE=$1; NEW=$2; OUT=${OUT:-/work/bench/evbatch}
DIGEST=$(dirname "$0")/../s8/store-digest.py
mkdir -p $OUT
for pair in "base:$BASE" "new:$NEW"; do
  label=${pair%%:*}; bin=${pair#*:}
  rm -rf $OUT/cmp-$label $OUT/cg.cmp.$label.*
  valgrind --tool=callgrind --separate-threads=yes --toggle-collect='*SqliteStore::write_files' \
    --callgrind-out-file=$OUT/cg.cmp.$label.%p \
    $bin --data $OUT/cmp-$label ingest --quiet --no-incidents /work/bench/c10k/0000 \
    > $OUT/cg.cmp.$label.log 2>&1
  rm -rf $OUT/cmp-$label
  main=$(ls $OUT/cg.cmp.$label.*-01)
  echo "== $label ($bin): write_files, 1,000 reports: $(grep -m1 '^summary:' $main | cut -d' ' -f2) instructions"
  callgrind_annotate --inclusive=yes $main 2>/dev/null | grep -E '^ *[0-9,]+ \([ 0-9.]+%\)  [^ ]+\.(rs|c):' \
    | grep -E 'EventWriter::(insert|links|write_events|write_links|finish)|StaticStatement::execute|sqlite3_bind_text64|sqlite3BtreeInsert |counts.rs:.*Tally::merge' \
    | sed 's|/root/.cargo/registry/src/[^/]*/||; s|/work/[^ ]*/crates/store/src/||; s| \[.*||'
done
for pair in "base:$BASE" "new:$NEW"; do
  label=${pair%%:*}; bin=${pair#*:}
  rm -rf $OUT/cmp10k-$label
  $bin --data $OUT/cmp10k-$label ingest --quiet --no-incidents /work/bench/c10k
  python3 $DIGEST $OUT/cmp10k-$label > $OUT/digest-$label.txt
  rm -rf $OUT/cmp10k-$label
done
if diff $OUT/digest-base.txt $OUT/digest-new.txt; then
  echo "store-digest of the 10,000-report stores: identical"; cat $OUT/digest-new.txt
else
  echo "store-digest DIFFERS"; exit 1
fi
