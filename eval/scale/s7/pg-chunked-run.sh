#!/usr/bin/env bash
# PostgreSQL 1M build, two workers (alternate folders), 10 folders (10,000 reports) per
# invocation; each chunk's folders are deleted after a successful ingest (disk).
set -u
cd /work/bench/pg1m
U=$(cd /work/main && scripts/pg-cluster url /work/bench/pg1m/pg); B=${U%/postgres}
psql -qX "$U" -c "CREATE DATABASE m1" 2>/dev/null
./lantern --database "$B/m1" reports --limit 1 >/dev/null
srvcpu() { local pm t=0; pm=$(head -1 pg/data/postmaster.pid)
  for p in $pm $(pgrep -P "$pm"); do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15+$16+$17}' /proc/$p/stat))); done; echo $t; }
worker() {
  local idx=$1 i=0 chunk=() sub
  run() {
    [ ${#chunk[@]} = 0 ] && return
    local t0=$(date +%s.%N)
    if ./lantern --database "$B/m1" ingest --quiet --no-incidents "${chunk[@]}" >>w$idx.log 2>&1; then
      rm -rf "${chunk[@]}"; rc=ok; else rc=FAIL; fi
    echo "$(date -u +%H:%M:%S) w$idx $rc ${chunk[0]##*/corpus/} +${#chunk[@]} $(echo "$(date +%s.%N) - $t0" | bc -l | cut -c1-6)s load $(cut -d' ' -f1 /proc/loadavg) srvcpu $(srvcpu) df $(df -BG --output=avail /work | tail -1)" >>progress.log
    chunk=()
  }
  for sub in corpus/*/; do
    if [ $((i % 2)) = "$idx" ]; then chunk+=("$sub"); [ ${#chunk[@]} = 10 ] && run; fi
    i=$((i+1))
  done
  run
}
echo "start $(date -u +%H:%M:%S) srvcpu $(srvcpu)" >>progress.log
worker 0 & worker 1 & wait
echo "end $(date -u +%H:%M:%S) srvcpu $(srvcpu)" >>progress.log
psql -qXtA "$B/m1" -c "SELECT 'reports', count(*) FROM reports" -c "SELECT 'events', count(*) FROM events" -c "SELECT pg_size_pretty(pg_database_size('m1'))" >>progress.log
