#!/bin/bash
# usage: rdr-check.sh BASE_BINARY NEW_BINARY [PAIRS] -- branch `rdr`'s before/after in one
# command (session 9): (1) both binaries ingest /work/bench/c10k into fresh stores and
# eval/scale/s8/store-digest.py must print the same digests; (2) callgrind per thread over
# the 1,000 files of /work/bench/c10k/0000 (the writer is thread 1); (3) PAIRS interleaved
# pairs with eval/scale/s8/pipe-pairs.sh (default 3; trace summaries with the writer's
# `read`/`queue`/`wait`/`write`/`help` spans and the reader `rd`). Scratch under $OUT
# (default /work/bench/rdr); stores are deleted at the end.
set -e
BASE=$1; NEW=$2; PAIRS=${3:-3}; OUT=${OUT:-/work/bench/rdr}
HERE=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p $OUT
echo "== digests $(date -u +%H:%M:%S) $(uptime | sed 's/.*load/load/')"
for pair in "base:$BASE" "new:$NEW"; do
  label=${pair%%:*}; bin=${pair#*:}
  rm -rf $OUT/D-$label
  $bin --data $OUT/D-$label ingest --quiet --no-incidents /work/bench/c10k
  python3 $HERE/s8/store-digest.py $OUT/D-$label > $OUT/digest-$label.txt
done
if diff $OUT/digest-base.txt $OUT/digest-new.txt; then echo "   same stored content"; else echo "   STORES DIFFER"; fi
rm -rf $OUT/D-base $OUT/D-new
echo "== callgrind, 1,000 files, per thread (instructions)"
for pair in "base:$BASE" "new:$NEW"; do
  label=${pair%%:*}; bin=${pair#*:}
  rm -rf $OUT/cg-$label $OUT/CG-$label; mkdir -p $OUT/cg-$label
  (cd $OUT/cg-$label && valgrind --tool=callgrind --separate-threads=yes \
     $bin --data $OUT/CG-$label ingest --quiet --no-incidents /work/bench/c10k/0000 > out.txt 2>&1)
  for f in $OUT/cg-$label/callgrind.out.*-*; do
    echo "   $label $(grep -m1 '^thread:' $f) $(grep -m1 '^summary:' $f)"
  done
  rm -rf $OUT/CG-$label
done
echo "== pairs"
OUT=$OUT $HERE/s8/pipe-pairs.sh $BASE $NEW $PAIRS
