#!/usr/bin/env bash
# http.sh LANTERN DBURL: lantern serve, each page's first request and one repeat (curl time_total, ms)
set -euo pipefail
L=$1; SPEC=$2
TOKEN=$("$L" --database "$SPEC" token create "pgr-$(date +%s%N)")
exec 7< <("$L" --database "$SPEC" serve --addr 127.0.0.1:0 2>/dev/null)
PID=$!
url=
while read -r -t 600 line <&7; do
    case "$line" in *http://*) url=${line##*http://}; url=http://${url%/}; break ;; esac
done
PAGES=(
    "/search|q=river"
    "/search|q=\"labor training camp\""
    "/search|q=국경"
    "/search|q=Hoeryong"
    "/search|type=arrest|province=North Hamgyong"
    "/search|type=arrest|province=North Hamgyong|from=2018-07-01|to=2018-07-31"
    "/search|q=river|type=arrest|province=North Hamgyong|from=2018-07-01|to=2018-07-31"
    "/api/v1/events|type=arrest"
    "/api/v1/events|q=river"
    "/api/v1/search|q=Hoeryong"
    "/api/v1/search|q=river"
)
for page in "${PAGES[@]}"; do
    IFS='|' read -r -a f <<<"$page"
    args=(); for a in "${f[@]:1}"; do args+=(--data-urlencode "$a"); done
    t=()
    for i in 1 2; do
        out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" -G "$url${f[0]}" "${args[@]}")
        t+=("${out%% *}:$(echo "${out#* } * 1000" | bc -l | xargs printf '%.0f')")
    done
    echo "${f[*]} | ${t[*]}"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
kill $PID
