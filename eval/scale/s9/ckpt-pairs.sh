#!/bin/bash
# usage: ckpt-pairs.sh BASE NEW [ROUNDS] -- ROUNDS (default 3) of three interleaved traced
# runs of ckpt-run.sh: BASE (e.g. main's binary), NEW with LANTERN_WAL_CKPT=off (the
# automatic checkpoints on the writing thread, as before), NEW as is (the checkpoint
# thread). Scratch and traces under $OUT (default /work/bench/ckpt).
BASE=$1; NEW=$2; ROUNDS=${3:-3}; HERE=$(dirname $0)
for i in $(seq 1 $ROUNDS); do
  LANTERN_WAL_CKPT= $HERE/ckpt-run.sh $BASE base-$i
  LANTERN_WAL_CKPT=off $HERE/ckpt-run.sh $NEW off-$i
  LANTERN_WAL_CKPT= $HERE/ckpt-run.sh $NEW new-$i
done
