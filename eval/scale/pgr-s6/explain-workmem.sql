-- the capped count of river with a bitmap too big for work_mem (as 4 MB is for a word in most pages of 1M reports), then with room
BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '256kB';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery LIMIT 10001) s;
SET LOCAL work_mem = '32MB';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery LIMIT 10001) s;
COMMIT;
