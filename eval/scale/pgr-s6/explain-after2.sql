\timing on
BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL max_parallel_workers_per_gather = 0;
-- 1. count_search_upto (cap 10,000; a phrase 2,000): the first cap + 1 matches of the bitmap
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery LIMIT 10001) s;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''labor'' <-> ''training'' <-> ''camp''))' AS text)::tsquery LIMIT 2001) s;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''국경''))' AS text)::tsquery LIMIT 10001) s;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''hoeryong''))' AS text)::tsquery LIMIT 10001) s;
-- 2. search_bounded: the broad check (1,001 matches) and the newest candidates (river: window :win)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery LIMIT 1001) s;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT n FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery AND n > :last - :win ORDER BY n DESC LIMIT 500;
COMMIT;
-- 3. events with a text filter: the ids (Hoeryong, at most 1,001), then ANY(ids) fenced
BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL max_parallel_workers_per_gather = 0;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM reports WHERE fts @@ CAST('((''hoeryong''))' AS text)::tsquery LIMIT 1001;
SELECT '{' || string_agg(id, ',') || '}' AS ids FROM (SELECT id FROM reports WHERE fts @@ '''hoeryong'''::tsquery LIMIT 1001) s \gset
COMMIT;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.id FROM (SELECT e.id, e.eff_start FROM events e WHERE e.report_id = ANY(:'ids'::text[]) OFFSET 0) e ORDER BY e.eff_start, e.id LIMIT 25;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM events e WHERE e.report_id = ANY(:'ids'::text[]);
-- 4. the probe walk of a broad text (river): events in listing order, each report's vector tested (the first 60 rows: a page of 25 needs about 52)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.id, (SELECT r.fts @@ CAST('((''river''))' AS text)::tsquery FROM reports r WHERE r.id = e.report_id) FROM events e ORDER BY e.eff_start, e.id LIMIT 60;
