\set q '''(((''''labor'''' <-> ''''training'''' <-> ''''camp'''')))'''
SET jit = off;
BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '32MB';
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST(:q AS text)::tsquery LIMIT 1001) s;
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*), min(n), max(n) FROM (SELECT n FROM reports WHERE fts @@ CAST(:q AS text)::tsquery LIMIT 2001) s;
COMMIT;
EXPLAIN (ANALYZE, BUFFERS) SELECT r.id, r.title, r.published, r.body, 0::float8 AS score FROM reports r WHERE r.fts @@ CAST(:q AS text)::tsquery ORDER BY r.published DESC NULLS LAST, r.n LIMIT 20 OFFSET 0;
