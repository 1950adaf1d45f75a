SELECT '{' || string_agg(id, ',') || '}' AS ids FROM (SELECT id FROM reports WHERE fts @@ '''hoeryong'''::tsquery LIMIT 1001) s \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.id FROM (SELECT e.id, e.eff_start FROM events e WHERE e.report_id = ANY(:'ids'::text[]) OFFSET 0) e ORDER BY e.eff_start, e.id LIMIT 25;
