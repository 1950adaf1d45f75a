#!/bin/bash
# usage: ckpt-run.sh BINARY LABEL -- one traced ingest of /work/bench/c10k into a fresh store
# under $OUT (default /work/bench/ckpt), printing uptime, /usr/bin/time, the trace summary,
# each `write`/`finish` span (wall, CPU, wall minus CPU) and the largest size the WAL
# (lantern.db-wal) reached, polled every 20 ms.
BIN=$1; LABEL=$2; OUT=${OUT:-/work/bench/ckpt}
D=$OUT/R-$LABEL; rm -rf $D; mkdir -p $D
echo "== $LABEL $(date -u +%H:%M:%S) $(uptime | sed 's/.*load/load/')"
( max=0; while [ ! -e $D/done ]; do
    s=$(stat -c %s $D/lantern.db-wal 2>/dev/null || echo 0); [ "$s" -gt "$max" ] && max=$s
    sleep 0.02; done; echo "   WAL max $((max / 1048576)) MB" ) &
poll=$!
LANTERN_PIPELINE_TRACE=$OUT/trace-$LABEL.tsv /usr/bin/time -f "   %e s wall, %U user, %S sys, %M KB peak RSS" \
  $BIN --data $D ingest --quiet --no-incidents /work/bench/c10k 2>&1 | sed 's/^/   /'
touch $D/done; wait $poll
awk '$2=="write"||$2=="finish"{w+=($2=="write")?$4-$3:0; c+=($2=="write")?$5:0;
  printf "   %s %.3f-%.3f wall %.3f cpu %.3f blocked %.3f\n",$2,$3,$4,$4-$3,$5,$4-$3-$5}
  END{printf "   write spans: wall %.3f cpu %.3f wall-cpu %.3f\n",w,c,w-c}' $OUT/trace-$LABEL.tsv
echo "   after: $(uptime | sed 's/.*load/load/')"
rm -rf $D
