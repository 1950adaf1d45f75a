#!/usr/bin/env bash
# 10k then 100k PostgreSQL stores with main's release build, two workers each step.
set -euo pipefail
URL=$(cat /work/bench/pgr/pg.url); B=${URL%/postgres}
L=/work/bench/pgr/base/lantern
C=/work/bench/pgr/c
two() {  # two DB first last
    local db=$1 a=() b=() i
    for i in $(seq $2 $3); do
        d=$C/$(printf %04d $i)
        if [ $((i % 2)) = 0 ]; then a+=("$d"); else b+=("$d"); fi
    done
    local t0=$(date +%s.%N)
    $L --database $B/$db ingest --quiet --no-incidents "${a[@]}" > /work/bench/pgr/ingest-$db-$2-a.log 2>&1 & pa=$!
    $L --database $B/$db ingest --quiet --no-incidents "${b[@]}" > /work/bench/pgr/ingest-$db-$2-b.log 2>&1 & pb=$!
    wait $pa; wait $pb
    echo "$db folders $2..$3: $(echo "$(date +%s.%N) - $t0" | bc -l) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
psql $URL -c "CREATE DATABASE pgr_10k"
$L --database $B/pgr_10k reports --limit 1 >/dev/null
two pgr_10k 0 9
psql $B/pgr_10k -c "VACUUM ANALYZE"
psql $URL -c "CREATE DATABASE pgr_100k TEMPLATE pgr_10k"
two pgr_100k 10 99
psql $B/pgr_100k -c "VACUUM ANALYZE"
echo done $(date -u)
