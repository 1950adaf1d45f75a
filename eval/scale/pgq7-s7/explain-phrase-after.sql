\set q '''(((''''labor'''' <-> ''''training'''' <-> ''''camp'''')))'''
\set pq '''(((''''labor training'''' & ''''training camp''''))) | ''''~all'''''''
SET jit = off;
BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '32MB';
-- broad check of the page: candidates from the pairs index, LIMIT 1001
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*), min(n), max(n) FROM (SELECT r.n FROM reports r WHERE r.fts_pairs @@ CAST(:pq AS text)::tsquery LIMIT 1001) s;
-- capped count: matches, LIMIT 1001
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*), min(n), max(n) FROM (SELECT r.n FROM reports r WHERE (r.fts_pairs @@ CAST(:pq AS text)::tsquery AND ts_match_vq(r.fts, CAST(:q AS text)::tsquery)) LIMIT 1001) s;
-- exact count
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM reports r WHERE (r.fts_pairs @@ CAST(:pq AS text)::tsquery AND ts_match_vq(r.fts, CAST(:q AS text)::tsquery));
COMMIT;
EXPLAIN (ANALYZE, BUFFERS) SELECT r.id, r.title, r.published, r.body, 0::float8 AS score FROM reports r WHERE (r.fts_pairs @@ CAST(:pq AS text)::tsquery AND ts_match_vq(r.fts, CAST(:q AS text)::tsquery)) ORDER BY r.published DESC NULLS LAST, r.n LIMIT 20 OFFSET 0;
