\timing on
-- main's statements at 100k (as the store sends them; ts_query text from search.rs)
-- 1. count_search (exact, seqscan/indexscan off as main's count_matches)
BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM reports WHERE fts @@ CAST('((''river''))' AS text)::tsquery;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM reports WHERE fts @@ CAST('((''labor'' <-> ''training'' <-> ''camp''))' AS text)::tsquery;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM reports WHERE fts @@ CAST('((''국경''))' AS text)::tsquery;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM reports WHERE fts @@ CAST('((''hoeryong''))' AS text)::tsquery;
COMMIT;
-- 2. the broad listing (newest first, unranked) and the ranked one (Hoeryong)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT r.id, r.title, r.published, r.body, 0::float8 AS score FROM reports r WHERE r.fts @@ CAST('((''river''))' AS text)::tsquery ORDER BY r.published DESC NULLS LAST, r.n LIMIT 20 OFFSET 0;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT r.id, r.title, r.published, r.body, 0::float8 AS score FROM reports r WHERE r.fts @@ CAST('((''labor'' <-> ''training'' <-> ''camp''))' AS text)::tsquery ORDER BY r.published DESC NULLS LAST, r.n LIMIT 20 OFFSET 0;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT r.id, r.title, r.published, r.body, ts_rank('{0.25, 0.25, 0.25, 1.0}', r.fts, q.q, 1)::float8 AS score FROM reports r, (SELECT CAST('((''hoeryong''))' AS text)::tsquery AS q) q WHERE r.fts @@ q.q ORDER BY score DESC, r.n LIMIT 20 OFFSET 0;
-- 3. events listing with a text filter (the search page's event table): river (broad), Hoeryong
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.id FROM events e WHERE e.report_id IN (SELECT frt.id FROM reports frt WHERE frt.fts @@ CAST('((''river''))' AS text)::tsquery) ORDER BY e.eff_start, e.id LIMIT 25 OFFSET 0;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.id FROM events e WHERE e.report_id IN (SELECT frt.id FROM reports frt WHERE frt.fts @@ CAST('((''hoeryong''))' AS text)::tsquery) ORDER BY e.eff_start, e.id LIMIT 25 OFFSET 0;
-- 4. count of events with the text Hoeryong (not broad: the page counts it)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM events e WHERE e.report_id IN (SELECT frt.id FROM reports frt WHERE frt.fts @@ CAST('((''hoeryong''))' AS text)::tsquery);
