#!/usr/bin/env bash
# The faceted grid of scale_queries (type x province x month: a page of 25 events, the
# total and every facet; `facet.part.page` is the page alone) on two PostgreSQL databases
# holding the same data, one with step 13's listing indexes (`before`), one with step
# 14's (`after`), run interleaved by one binary, with the load before each run.
# Read-only on the databases (the binary must accept both schema versions as found, or
# it would migrate one: see BENCHMARKS.md, pgfacet).
#
#   eval/scale/s8/pgfacet-compare.sh BEFORE_URL AFTER_URL SCALE_QUERIES [PAIRS] [REPS]
set -u
before=$1 after=$2 bin=$3 pairs=${4:-3} reps=${5:-1}
for i in $(seq "$pairs"); do
    for side in before after; do
        if [ "$side" = before ]; then db=$before; else db=$after; fi
        echo "## $side run $i at $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
        LANTERN_SCALE_FACETS_ONLY=1 "$bin" "$db" "$reps" |
            grep -E '^(store\.|facet\.(p50|p99|combos|part\.page|many))'
    done
done
