#!/bin/bash
# usage: pipe-pairs.sh BASE_BINARY NEW_BINARY [PAIRS] -- interleaved ingests of
# /work/bench/c10k (10,000 generated reports, --seed 42) into fresh stores, base then new,
# PAIRS times (default 3), each with uptime before and /usr/bin/time after; binaries that
# know LANTERN_PIPELINE_TRACE also print their per-thread timeline summary (the raw
# timeline goes to $OUT/trace-LABEL-N.tsv). Scratch under $OUT (default /work/bench/pipe).
BASE=$1; NEW=$2; PAIRS=${3:-3}; OUT=${OUT:-/work/bench/pipe}
mkdir -p $OUT
for i in $(seq 1 $PAIRS); do
  for pair in "base:$BASE" "new:$NEW"; do
    label=${pair%%:*}; bin=${pair#*:}
    D=$OUT/T-$label
    rm -rf $D
    echo "== $label run $i $(date -u +%H:%M:%S) $(uptime | sed 's/.*load/load/')"
    LANTERN_PIPELINE_TRACE=$OUT/trace-$label-$i.tsv \
      /usr/bin/time -f "   %e s wall, %U user, %S sys, %M KB peak RSS" \
      $bin --data $D ingest --quiet --no-incidents /work/bench/c10k 2>&1 | sed 's/^/   /'
    echo "   after: $(uptime | sed 's/.*load/load/')"
    rm -rf $D
  done
done
