SELECT '{' || string_agg(id, ',') || '}' AS ids FROM (SELECT id FROM reports WHERE fts @@ '''hoeryong'''::tsquery LIMIT 1001) s \gset
BEGIN; SET LOCAL enable_seqscan = off;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT fp.place_id, max(fp.name), count(*) FROM events e JOIN event_places fp ON fp.event_id = e.id AND fp.place_first WHERE e.report_id = ANY(:'ids'::text[]) GROUP BY 1 ORDER BY 3 DESC, lower(fp.place_id), 1 LIMIT 12;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT fp.admin1, fp.admin1, count(*) FROM events e JOIN event_places fp ON fp.event_id = e.id AND fp.admin1_first WHERE e.report_id = ANY(:'ids'::text[]) GROUP BY 1 ORDER BY 3 DESC, lower(fp.admin1), 1 LIMIT 12;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.report_outlet, e.report_outlet, count(*) FROM events e WHERE e.report_id = ANY(:'ids'::text[]) AND e.report_outlet IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 12;
COMMIT;
