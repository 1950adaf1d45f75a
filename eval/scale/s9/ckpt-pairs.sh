#!/bin/bash
# usage: ckpt-pairs.sh BASE NEW [PAIRS] -- PAIRS (default 3) interleaved traced runs of
# ckpt-run.sh, base then new (scratch and traces under $OUT, default /work/bench/ckpt).
BASE=$1; NEW=$2; PAIRS=${3:-3}; HERE=$(dirname $0)
for i in $(seq 1 $PAIRS); do
  $HERE/ckpt-run.sh $BASE base-$i
  $HERE/ckpt-run.sh $NEW new-$i
done
