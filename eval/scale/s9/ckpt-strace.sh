#!/bin/bash
# usage: ckpt-strace.sh BINARY LABEL -- one ingest of /work/bench/c10k into a fresh store under
# $OUT (default /work/bench/ckpt) under `strace -f -T`, then per thread (the writing thread is
# the process's first thread): calls and seconds spent in fsync/fdatasync, pwrite64, pread64 and sleeps
# (SQLite's busy handler sleeps when a lock is taken).
BIN=$1; LABEL=$2; OUT=${OUT:-/work/bench/ckpt}
D=$OUT/S-$LABEL; rm -rf $D
echo "== $LABEL $(date -u +%H:%M:%S) $(uptime | sed 's/.*load/load/')"
strace -f -T -e trace=fsync,fdatasync,pwrite64,pread64,nanosleep,clock_nanosleep -o $OUT/strace-$LABEL.txt \
  env LANTERN_PIPELINE_TRACE=/dev/null $BIN --data $D ingest --quiet --no-incidents /work/bench/c10k 2>&1 | sed 's/^/   /'
# Thread names are gone after the run: the writing thread is the first pid in the log;
# other threads are told apart by what they do (the index thread writes lantern-fts.db's
# WAL, the checkpoint thread fsyncs lantern.db without writing WAL frames).
awk 'NR==1{main=$1} {tid=$1; call=$2; sub(/\(.*/,"",call); t=$NF; gsub(/[<>]/,"",t);
  if (call ~ /^[a-z0-9_]+$/) { n[tid" "call]++; s[tid" "call]+=t } }
  END{ for (k in n) { split(k,a," "); printf "   %s %-10s %-9s %7d calls %8.3f s\n", (a[1]==main?"main":a[1]), "", a[2], n[k], s[k] } }' \
  $OUT/strace-$LABEL.txt | sort
rm -rf $D
