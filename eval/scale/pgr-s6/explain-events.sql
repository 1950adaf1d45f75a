\timing on
-- (after) the ids of the text's reports, then events by ANY(ids): Hoeryong
SELECT '{' || string_agg(id, ',') || '}' AS ids FROM (SELECT id FROM reports WHERE fts @@ '''hoeryong'''::tsquery LIMIT 1001) s \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.id FROM events e WHERE e.report_id = ANY(:'ids'::text[]) ORDER BY e.eff_start, e.id LIMIT 25;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM events e WHERE e.report_id = ANY(:'ids'::text[]);
-- (after) the probe walk for a broad text (river), first 25 of the listing
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.id, (SELECT r.fts @@ CAST('((''river''))' AS text)::tsquery FROM reports r WHERE r.id = e.report_id) FROM events e ORDER BY e.eff_start, e.id LIMIT 60;
-- with type and province
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT e.id, (SELECT r.fts @@ CAST('((''river''))' AS text)::tsquery FROM reports r WHERE r.id = e.report_id) FROM events e WHERE e.event_type = 'arrest' AND EXISTS (SELECT 1 FROM event_places fpp WHERE fpp.event_id = e.id AND lower(fpp.admin1) = lower('North Hamgyong')) ORDER BY e.eff_start, e.id LIMIT 60;
