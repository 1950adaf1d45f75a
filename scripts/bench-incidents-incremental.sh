#!/bin/bash
# Incremental vs full incident refresh after a 200-report ingest into a 10k-report store.
set -e
cd "${1:-/tmp/incinc-bench}"  # holds corpus10k/ and new200/ written by `lantern gen`
L=${LANTERN:-$PWD/target/release/lantern}
rm -rf base full inc
uptime
/usr/bin/time -f "ingest 10k: %e s %U user %S sys %M KB" $L --data base ingest --quiet --no-incidents corpus10k
/usr/bin/time -f "recompute 10k: %e s %U user %S sys %M KB" $L --data base incidents --recompute --limit 0
cp -r base full; cp -r base inc
for d in full inc; do $L --data $d ingest --quiet --no-incidents new200; done
uptime
/usr/bin/time -v $L --data full incidents --recompute --limit 0 2> full.time
uptime
/usr/bin/time -v $L --data inc incidents --limit 0 2> inc.time
uptime
grep -E 'Elapsed|User time|System time|Maximum resident' full.time inc.time
$L --data full incidents --json --limit 0 > full.json || true
$L --data inc incidents --json --limit 0 > inc.json || true
