#!/usr/bin/env bash
# One PostgreSQL ingest worker against two, as measured in BENCHMARKS.md ("After session
# 6's merges"). Usage: pgpair.sh CORPUS_DIR TAG
#   L=path/to/lantern (default target/release/lantern), PGD=cluster dir started with
#   `PG_CLUSTER_FSYNC=on scripts/pg-cluster start PGD`.
# One worker ingests CORPUS_DIR into database ${TAG}1; then two workers, alternate
# subfolders each (as scripts/scale does), into ${TAG}2. Prints wall time, the server's
# CPU seconds (from /proc of the postgres processes) and the load average.
set -u
DIR=$1; TAG=$2; L=${L:-target/release/lantern}; PGD=${PGD:?set PGD to the cluster dir}
U=$(scripts/pg-cluster url "$PGD"); B=${U%/postgres}
srvcpu() { local pm t=0; pm=$(head -1 "$PGD/data/postmaster.pid")
  for p in $pm $(pgrep -P "$pm"); do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15+$16+$17}' /proc/$p/stat))); done; echo $t; }
psql -qX "$U" -c "DROP DATABASE IF EXISTS ${TAG}1 WITH (FORCE)" -c "DROP DATABASE IF EXISTS ${TAG}2 WITH (FORCE)" \
    -c "CREATE DATABASE ${TAG}1" -c "CREATE DATABASE ${TAG}2"
"$L" --database "$B/${TAG}1" reports --limit 1 >/dev/null; "$L" --database "$B/${TAG}2" reports --limit 1 >/dev/null
echo "== one worker, load before $(cat /proc/loadavg)"
c0=$(srvcpu); t0=$(date +%s.%N)
/usr/bin/time -f "client: %e s wall, %U user, %S sys, %M KB" "$L" --database "$B/${TAG}1" ingest --quiet --no-incidents "$DIR"
t1=$(date +%s.%N); c1=$(srvcpu)
echo "wall $(echo "$t1 - $t0" | bc -l) s, server CPU $(echo "($c1 - $c0)/100" | bc -l) s, load after $(cat /proc/loadavg)"
a=(); b=(); i=0
for sub in "$DIR"/*/; do if [ $((i % 2)) = 0 ]; then a+=("$sub"); else b+=("$sub"); fi; i=$((i+1)); done
echo "== two workers, load before $(cat /proc/loadavg)"
c0=$(srvcpu); t0=$(date +%s.%N)
/usr/bin/time -f "client A: %e s wall, %U user, %S sys" "$L" --database "$B/${TAG}2" ingest --quiet --no-incidents "${a[@]}" & pa=$!
/usr/bin/time -f "client B: %e s wall, %U user, %S sys" "$L" --database "$B/${TAG}2" ingest --quiet --no-incidents "${b[@]}" & pb=$!
wait $pa; wait $pb
t1=$(date +%s.%N); c1=$(srvcpu)
echo "wall $(echo "$t1 - $t0" | bc -l) s, server CPU $(echo "($c1 - $c0)/100" | bc -l) s, load after $(cat /proc/loadavg)"
psql -qXtA "$B/${TAG}2" -c "SELECT 'reports', count(*), count(DISTINCT id) FROM reports" -c "SELECT 'events', count(*) FROM events"
echo "size ${TAG}1: $(psql -qXtA "$B/${TAG}1" -c "SELECT pg_size_pretty(pg_database_size('${TAG}1'))")"
