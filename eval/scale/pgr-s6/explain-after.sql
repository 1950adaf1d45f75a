\timing on
BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL max_parallel_workers_per_gather = 0;
-- match_sample / count_search_upto (cap 10,000; phrase 2,000; the broad check 1,001)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery LIMIT 10001) s;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''labor'' <-> ''training'' <-> ''camp''))' AS text)::tsquery LIMIT 2001) s;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''국경''))' AS text)::tsquery LIMIT 10001) s;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''hoeryong''))' AS text)::tsquery LIMIT 10001) s;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery LIMIT 1001) s;
-- newest_matches: river, window for 1.5 x 1000 at the sampled density (:win rows)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT n FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery AND n > (SELECT max(n) FROM reports) - :win ORDER BY n DESC LIMIT 1000;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT n FROM reports WHERE fts @@ CAST('((''labor'' <-> ''training'' <-> ''camp''))' AS text)::tsquery AND n > (SELECT max(n) FROM reports) - :winp ORDER BY n DESC LIMIT 1000;
COMMIT;
