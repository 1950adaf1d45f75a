#!/usr/bin/env bash
# lantern serve against the PostgreSQL 1M store: first request / again per page (curl
# time_total, bearer token), then VmRSS / VmHWM of the server. Usage: serve-pg.sh LANTERN DB_URL
set -u
L=$1; DB=$2; ADDR=127.0.0.1:47833
TOK=$($L --database "$DB" token create "bench-s8-$$" | grep -Eo '[A-Za-z0-9_-]{20,}' | tail -1)
$L --database "$DB" serve --addr $ADDR >/work/bench/s8/serve.log 2>&1 & PID=$!
for i in $(seq 50); do curl -s -o /dev/null http://$ADDR/ && break; sleep 0.2; done
echo "serve start RSS $(grep VmRSS /proc/$PID/status)"
for q in 'search?q=river' 'search?q=%22labor+training+camp%22' 'search?q=%EA%B5%AD%EA%B2%BD' 'search?q=Hoeryong' \
  'search?type=arrest&province=North+Hamgyong' 'search?type=arrest&province=North+Hamgyong&from=2018-07-01&to=2018-07-31' \
  'search?type=crackdown&province=Yanggang&from=2021-11-01&to=2021-11-30' 'api/v1/events?type=arrest' 'api/v1/search?q=Hoeryong'; do
  t=""; for k in 1 2 3; do t="$t $(curl -s -o /dev/null -w '%{http_code}:%{time_total}' -H "Authorization: Bearer $TOK" "http://$ADDR/$q")"; done
  echo "/$q $t"
done
echo "serve end $(grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr -s ' \n' ' ')"
kill $PID
