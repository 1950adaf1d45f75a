#!/usr/bin/env python3
"""The faceted page's listing (`Store::events` of a type x province x month filter, limit
25: the statement `postgres.rs: listing` builds, `eff_start >= lo` from the longest span
in the count table) on each DB given, for the grid of `scale_queries` (the most frequent
types and provinces, four months), run with EXPLAIN (ANALYZE, BUFFERS). Read-only (psql,
SELECT and EXPLAIN only; it never opens a store, so it migrates nothing).

Load-independent measures per page: shared buffers (hit + read), entries the listing
index returned (`Actual Rows` of its scan: with `eff_end` a key column, those passing
`eff_end >= from` too), rows fetched only to be dropped by `eff_end >= from` (`Rows
Removed by Filter` of that scan), heap fetches of an index-only scan; then the
milliseconds under whatever load there is.

    eval/scale/s8/pgfacet-explain.py [--types a,b] [--provinces x,y] DB_URL...

Without --types / --provinces they are read from the first DB's events (a whole-table
count: use them on small stores only; at 1M pass the grid's values).
"""
import argparse
import datetime
import json
import subprocess

MONTHS = [(2016, 3), (2018, 7), (2021, 11), (2024, 5)]
LONGEST_SPAN = ("SELECT CAST(max((m1 / 100 * 12 + m1 % 100) - (m0 / 100 * 12 + m0 % 100)) AS BIGINT) "
                "FROM event_counts WHERE g = 1 AND k1 = 0 AND m0 <> 0 AND n > 0")
COLS = ("e.id, e.report_id, e.extractor_version, e.review_state, e.event_type, e.modality, "
        "e.negated, e.confidence, e.actors_json, e.places_json, e.date_json, e.attribution_json, "
        "e.quantities_json, e.evidence_json, r.title, r.published "
        "FROM events e JOIN reports r ON r.id = e.report_id")


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def psql(db, sql):
    return subprocess.run(["psql", "-XAtq", db, "-c", sql], capture_output=True, text=True,
                          check=True).stdout.strip()


def page_sql(t, prov, frm, to, lo):
    where = [f"e.event_type = {lit(t)}", f"e.eff_end >= {lit(frm)}", f"e.eff_start <= {lit(to)}",
             "EXISTS (SELECT 1 FROM event_places fpp WHERE fpp.event_id = e.id\n"
             f"               AND lower(fpp.admin1) = lower({lit(prov)}))"]
    if lo:
        where.append(f"e.eff_start >= {lit(lo)}")
    return (f"SELECT {COLS} WHERE e.id IN (\n SELECT e.id FROM events e WHERE "
            + " AND ".join(where)
            + "\n ORDER BY e.eff_start, e.id LIMIT 25 OFFSET 0)\n ORDER BY e.eff_start, e.id")


def psql_date(y, m):
    return f"{y:04d}-{m:02d}-01"


def walk(node, acc):
    if node.get("Relation Name") == "events" and "listing" not in acc and \
            node.get("Index Name") in ("events_type_order", "events_order"):
        acc["listing"] = node
    for ch in node.get("Plans", []):
        walk(ch, acc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--types")
    ap.add_argument("--provinces")
    ap.add_argument("--show", action="store_true", help="print each plan as text too")
    ap.add_argument("dbs", nargs="+")
    a = ap.parse_args()
    db0 = a.dbs[0]
    types = a.types.split(",") if a.types else psql(
        db0, "SELECT event_type FROM events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 4").split("\n")
    provs = a.provinces.split(",") if a.provinces else psql(
        db0, "SELECT admin1 FROM event_places WHERE admin1_first AND admin1 <> '' "
             "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3").split("\n")
    print(f"types {types} provinces {provs}")
    for db in a.dbs:
        span = psql(db, LONGEST_SPAN)
        span = int(span) if span else None
        tot = dict(buf=0, rows=0, removed=0, fetches=0, ms=0.0, pages=0)
        print(f"## {db} longest span {span} months, load {open('/proc/loadavg').read().split()[:3]}")
        for t in types:
            for p in provs:
                for (y, m) in MONTHS:
                    frm = psql_date(y, m)
                    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
                    to = (datetime.date(ny, nm, 1) - datetime.timedelta(days=1)).isoformat()
                    lo = None
                    if span is not None:
                        k = y * 12 + (m - 1) - max(span, 0)
                        lo = psql_date(k // 12, k % 12 + 1)
                    sql = page_sql(t, p, frm, to, lo)
                    out = psql(db, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                    plan = json.loads(out)[0]
                    top = plan["Plan"]
                    acc = {}
                    walk(top, acc)
                    ix = acc.get("listing", {})
                    buf = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
                    loops = ix.get("Actual Loops", 1)
                    rows = ix.get("Actual Rows", 0) * loops
                    removed = ix.get("Rows Removed by Filter", 0) * loops
                    fetches = ix.get("Heap Fetches", 0)
                    ms = plan.get("Execution Time", 0.0)
                    print(f"  {t:12} {p:16} {frm[:7]}  {ix.get('Node Type', '-'):16} "
                          f"{ix.get('Index Name', '-'):18} entries {rows:6d}  dropped after fetch "
                          f"{removed:6d}  heap fetches {fetches:5d}  buffers {buf:6d}  {ms:7.1f} ms")
                    if a.show:
                        txt = psql(db, "EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        print("    " + txt.replace("\n", "\n    "))
                    tot["buf"] += buf
                    tot["rows"] += rows
                    tot["removed"] += removed
                    tot["fetches"] += fetches
                    tot["ms"] += ms
                    tot["pages"] += 1
        print(f"  TOTAL {tot['pages']} pages: entries {tot['rows']}, dropped after fetch "
              f"{tot['removed']}, heap fetches {tot['fetches']}, buffers {tot['buf']}, "
              f"{tot['ms']:.1f} ms")


if __name__ == "__main__":
    main()
