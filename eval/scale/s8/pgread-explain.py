#!/usr/bin/env python3
"""Buffers and GIN bitmap entries of one app-path search request on PostgreSQL (the
statements of `search_bounded(q, 20, 0, 10_000)` + `count_search_upto(q, 10_000)`), as
main (4597d14) and branch pgread issue them, each run with EXPLAIN (ANALYZE, BUFFERS).
Read-only. Load-independent measures: shared buffers (hit + read), entries of the GIN
bitmaps built, rows whose vector was read; times are under whatever load there is.

    eval/scale/s8/pgread-explain.py DB_URL [river|phrase|korean|place ...]
"""
import json
import math
import subprocess
import sys

QUERIES = {
    "river": ("(('river'))", None),
    "phrase": ("((('labor' <-> 'training' <-> 'camp')))", "((('labor training' & 'training camp')))"),
    "korean": ("(('국경'))", None),
    "place": (("(('hoeryong'))"), None),
}
RANK = "ts_rank('{0.25, 0.25, 0.25, 1.0}', r.fts, q.q, 1)"
BITMAP_ONLY = [
    "SET LOCAL enable_seqscan = off", "SET LOCAL enable_indexscan = off",
    "SET LOCAL max_parallel_workers_per_gather = 0", "SET LOCAL work_mem = '32MB'",
]
WALK = ["SET LOCAL enable_seqscan = off", "SET LOCAL enable_bitmapscan = off",
        "SET LOCAL max_parallel_workers_per_gather = 0"]
BROAD, K, RANK_WINDOW = 1000, 500, 2000


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def psql(db, stmts):
    out = subprocess.run(["psql", "-XAtq", db] + sum((["-c", s] for s in stmts), []),
                         capture_output=True, text=True, check=True).stdout
    return out


def rows(db, sql, settings=()):
    stmts = ["BEGIN"] + list(settings) + [sql, "COMMIT"]
    out = psql(db, stmts)
    return [l.split("|") for l in out.splitlines() if l and l not in ("BEGIN", "COMMIT", "SET")]


def walk_plan(node, acc):
    if node.get("Node Type") == "Bitmap Index Scan" and "fts" in node.get("Index Name", ""):
        acc["bitmap"] += node.get("Actual Rows", 0)
    if node.get("Relation Name") == "reports" and node.get("Node Type") in (
            "Index Scan", "Seq Scan", "Bitmap Heap Scan"):
        if "Filter" in node or "Recheck Cond" in node and node.get("Rows Removed by Index Recheck", 0):
            acc["tested"] += node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
    for ch in node.get("Plans", []):
        walk_plan(ch, acc)


TOTAL = {}


def explain(db, side, label, sql, settings=()):
    out = psql(db, ["BEGIN"] + list(settings) +
               ["EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, "COMMIT"])
    text = "\n".join(l for l in out.splitlines() if l not in ("BEGIN", "COMMIT", "SET"))
    plan = json.loads(text)[0]
    top = plan["Plan"]
    acc = {"bitmap": 0, "tested": 0}
    walk_plan(top, acc)
    buf = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    t = plan.get("Execution Time", 0.0)
    print(f"  {side:6} {label:34} buffers {buf:7d}  bitmap entries {acc['bitmap']:7d}  "
          f"rows tested {acc['tested']:5d}  {t:8.1f} ms")
    tot = TOTAL.setdefault(side, [0, 0, 0, 0.0, 0])
    tot[0] += buf
    tot[1] += acc["bitmap"]
    tot[2] += acc["tested"]
    tot[3] += t
    tot[4] += 1


def cond(ts, pq, alias="r"):
    if pq:
        return f"({alias}.fts_pairs @@ CAST({lit(pq)} AS text)::tsquery AND ts_match_vq({alias}.fts, CAST({lit(ts)} AS text)::tsquery))"
    return f"{alias}.fts @@ CAST({lit(ts)} AS text)::tsquery"


def sample_sql(c, limit):
    return f"SELECT count(*), min(n), max(n) FROM (SELECT r.n FROM reports r WHERE {c} LIMIT {limit}) s"


def listing_sql(ts, pq):
    return (f"SELECT r.id, r.title, r.published, r.body, 0::float8 AS score FROM reports r "
            f"WHERE {cond(ts, pq)} ORDER BY r.published DESC NULLS LAST, r.n LIMIT 20 OFFSET 0")


def count(db, side, ts, pq):
    cap = 1000 if "<->" in ts else 10_000
    found = int(rows(db, sample_sql(cond(ts, pq), cap + 1), BITMAP_ONLY)[0][0])
    explain(db, side, f"count sample (cap {cap} + 1)", sample_sql(cond(ts, pq), cap + 1), BITMAP_ONLY)
    if found > cap:
        explain(db, side, "min/max n of reports", "SELECT min(n), max(n) FROM reports")


def gin_bounded(db, side, ts, pq, walk_density=None):
    """Main's search_bounded after its sample; the branch's listing choice when side is after."""
    if walk_density is None:
        sc = f"r.fts_pairs @@ CAST({lit(pq)} AS text)::tsquery" if pq else cond(ts, pq)
        found, lo, hi = rows(db, sample_sql(sc, BROAD + 1), BITMAP_ONLY)[0]
        explain(db, side, "broad sample (1,001)", sample_sql(sc, BROAD + 1), BITMAP_ONLY)
        found = int(found)
        if found <= BROAD:
            explain(db, side, "rank every match", f"SELECT r.id, {RANK} AS score FROM reports r, "
                    f"(SELECT CAST({lit(ts)} AS text)::tsquery AS q) q WHERE {cond(ts, pq)} "
                    "ORDER BY score DESC, r.n LIMIT 20")
            return
        density = min(1.0, found / (int(hi) - int(lo) + 1))
        window = math.ceil(1.5 * K / density)
        if window <= RANK_WINDOW:
            last = int(rows(db, "SELECT max(n) FROM reports")[0][0])
            explain(db, side, "max n", "SELECT max(n) FROM reports")
            newest_sql = (f"SELECT r.n FROM reports r WHERE {cond(ts, pq)} AND r.n > {last - window} "
                          f"ORDER BY r.n DESC LIMIT {K}")
            ns = [r[0] for r in rows(db, newest_sql, BITMAP_ONLY)]
            explain(db, side, "newest matches", newest_sql, BITMAP_ONLY)
            if ns:
                explain(db, side, "rank the newest", f"SELECT r.id, r.title, r.published, r.body, {RANK}::float8 AS score "
                        f"FROM reports r, (SELECT CAST({lit(ts)} AS text)::tsquery AS q) q "
                        f"WHERE r.n = ANY('{{{','.join(ns)}}}'::bigint[]) ORDER BY score DESC, r.n LIMIT 20")
                return
    else:
        density = walk_density
    if side == "after" and density * 1000 < 20:
        explain(db, side, "unranked page from the bitmap", listing_sql(ts, pq), BITMAP_ONLY)
    else:
        explain(db, side, "unranked page (listing index)", listing_sql(ts, pq))


def branch(db, ts, pq):
    walk_sql = (f"SELECT r.n, CASE WHEN r.fts @@ q.q THEN {RANK}::float8 END FROM reports r, "
                f"(SELECT CAST({lit(ts)} AS text)::tsquery AS q) q ORDER BY r.n DESC LIMIT {RANK_WINDOW}")
    got = rows(db, walk_sql, WALK)
    first_n = int(got[0][0]) if got else 0
    found, walked, batch, i, outcome = [], 0, 64, 0, None
    while outcome is None:
        part = got[i:i + batch]
        i += batch
        for n, score in part:
            walked += 1
            if score != "":
                found.append((int(n), float(score)))
                if len(found) >= K:
                    break
        if len(found) >= K:
            outcome = "newest"
        elif len(part) < batch and walked < RANK_WINDOW:
            outcome = "all"
        elif len(part) < batch or walked >= RANK_WINDOW:
            outcome = "newest" if found else "sparse"
        elif batch == 64 and len(found) * RANK_WINDOW < K * walked:
            d = len(found) / walked
            outcome = "broad" if len(found) >= 8 and d * first_n >= 10 * BROAD else "sparse"
        batch = 256
    fetched = min(i, RANK_WINDOW)
    explain(TOTAL_DB, "after", f"walk newest ({fetched} fetched): {outcome}",
            walk_sql.replace(f"LIMIT {RANK_WINDOW}", f"LIMIT {fetched}"), WALK)
    if outcome in ("newest", "all"):
        found.sort(key=lambda x: (-x[1], x[0]))
        page = found[:20]
        ns = ",".join(str(n) for n, _ in page)
        sc = ",".join(repr(s) for _, s in page)
        explain(db, "after", "page rows", "SELECT r.id, r.title, r.published, r.body, u.score FROM "
                f"unnest('{{{ns}}}'::bigint[], '{{{sc}}}'::float8[]) WITH ORDINALITY u(n, score, o) "
                "JOIN reports r ON r.n = u.n ORDER BY u.o")
    elif outcome == "broad":
        gin_bounded(db, "after", ts, pq, walk_density=len(found) / walked)
    else:
        gin_bounded(db, "after", ts, pq)


if __name__ == "__main__":
    TOTAL_DB = sys.argv[1]
    for name in sys.argv[2:] or list(QUERIES):
        ts, pq = QUERIES[name]
        TOTAL.clear()
        print(f"{name}: {ts}")
        gin_bounded(TOTAL_DB, "main", ts, pq)
        count(TOTAL_DB, "main", ts, pq)
        branch(TOTAL_DB, ts, pq)
        count(TOTAL_DB, "after", ts, pq)
        for side, (b, e, tested, t, n) in TOTAL.items():
            print(f"  {side:6} TOTAL {n} statements: buffers {b}, GIN bitmap entries {e}, "
                  f"rows tested {tested}, {t:.1f} ms")
