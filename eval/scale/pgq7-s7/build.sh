#!/usr/bin/env bash
set -u
cd /work/wt/pgq7
U=$(cat /work/bench/pgq7/url); B=${U%/postgres}
L=/work/bench/main7/lantern
psql -qX "$U" -c "CREATE DATABASE s100k"
$L --database "$B/s100k" reports --limit 1 >/dev/null
a=(); b=(); i=0
for sub in $(ls -d /work/bench/scale/corpus-1000000/*/ | head -100); do if [ $((i % 2)) = 0 ]; then a+=("$sub"); else b+=("$sub"); fi; i=$((i+1)); done
echo "start $(date -u) load $(cat /proc/loadavg)"
t0=$(date +%s.%N)
/usr/bin/time -f "client A: %e s wall" $L --database "$B/s100k" ingest --quiet --no-incidents "${a[@]}" & pa=$!
/usr/bin/time -f "client B: %e s wall" $L --database "$B/s100k" ingest --quiet --no-incidents "${b[@]}" & pb=$!
wait $pa; wait $pb
t1=$(date +%s.%N)
echo "wall $(echo "$t1 - $t0" | bc -l) s, load after $(cat /proc/loadavg)"
psql -qXtA "$B/s100k" -c "SELECT 'reports', count(*) FROM reports" -c "SELECT 'events', count(*) FROM events" -c "SELECT pg_size_pretty(pg_database_size('s100k'))"
echo done
