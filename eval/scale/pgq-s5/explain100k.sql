\timing on
SELECT CAST(max((CAST(substr(m1, 1, 4) AS INTEGER) * 12 + CAST(substr(m1, 6, 2) AS INTEGER)) - (CAST(substr(m0, 1, 4) AS INTEGER) * 12 + CAST(substr(m0, 6, 2) AS INTEGER))) AS BIGINT) AS longest_span_months FROM event_counts WHERE g = 1 AND k1 = '' AND m0 <> '' AND n > 0;
-- 1. phrase count (count_search)
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM reports WHERE fts @@ CAST('(''labor'' <-> ''training'' <-> ''camp'')' AS text)::tsquery;
-- 1b. the same words without the phrase
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM reports WHERE fts @@ CAST('(''labor'' & ''training'' & ''camp'')' AS text)::tsquery;
-- 2. word count
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM reports WHERE fts @@ CAST('(''river'')' AS text)::tsquery;
-- 3. actor facet, type x province x month, as before (jit on, the server default)
SET jit = on;
EXPLAIN (ANALYZE, BUFFERS) SELECT fa.actor, fa.actor, count(*) FROM events e JOIN event_actors fa ON fa.event_id = e.id WHERE e.event_type = 'arrest' AND EXISTS (SELECT 1 FROM event_places fpp WHERE fpp.event_id = e.id AND lower(fpp.admin1) = lower('North Hamgyong')) AND e.eff_end >= '2018-07-01' AND e.eff_start <= '2018-07-31' GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 20;
SET jit = off;
EXPLAIN (ANALYZE, BUFFERS) SELECT fa.actor, fa.actor, count(*) FROM events e JOIN event_actors fa ON fa.event_id = e.id WHERE e.event_type = 'arrest' AND EXISTS (SELECT 1 FROM event_places fpp WHERE fpp.event_id = e.id AND lower(fpp.admin1) = lower('North Hamgyong')) AND e.eff_end >= '2018-07-01' AND e.eff_start <= '2018-07-31' GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 20;
-- 4. the same with the lower bound on eff_start (this branch), jit off
EXPLAIN (ANALYZE, BUFFERS) SELECT fa.actor, fa.actor, count(*) FROM events e JOIN event_actors fa ON fa.event_id = e.id WHERE e.event_type = 'arrest' AND EXISTS (SELECT 1 FROM event_places fpp WHERE fpp.event_id = e.id AND lower(fpp.admin1) = lower('North Hamgyong')) AND e.eff_end >= '2018-07-01' AND e.eff_start <= '2018-07-31' AND e.eff_start >= :'lo' GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 20;
