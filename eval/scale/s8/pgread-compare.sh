#!/usr/bin/env bash
# App-path search latencies (`capped.*` of scale_queries: search_bounded + count_search_upto
# capped at 10,000), two builds interleaved on one PostgreSQL database, and the database's
# size and load before each run. Read-only on the database.
#
#   eval/scale/s8/pgread-compare.sh DB_URL BASE_SCALE_QUERIES AFTER_SCALE_QUERIES [PAIRS] [REPS]
#
# Both binaries are release builds of crates/cli/examples/scale_queries.rs with
# LANTERN_SCALE_CAPPED_ONLY (session 8), one from main, one from the branch.
set -u
db=$1 base=$2 after=$3 pairs=${4:-3} reps=${5:-20}
for i in $(seq "$pairs"); do
    for side in base after; do
        if [ "$side" = base ]; then bin=$base; else bin=$after; fi
        echo "## $side run $i at $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" \
            "max(n) $(psql -XAtc 'SELECT max(n) FROM reports' "$db")"
        LANTERN_SCALE_CAPPED_ONLY=1 LANTERN_SCALE_SEARCH_ONLY=1 "$bin" "$db" "$reps" | grep '^capped\.'
    done
done
