SET jit = off;
\set W 'e.event_type = ''arrest'' AND e.eff_end >= ''2018-07-01'' AND e.eff_start <= ''2018-07-31'' AND EXISTS (SELECT 1 FROM event_places fpp WHERE fpp.event_id = e.id AND lower(fpp.admin1) = lower(''North Pyongan'')) AND e.eff_start >= ''2018-05-01'''
-- main: one statement per facet
EXPLAIN (ANALYZE, BUFFERS, SUMMARY) SELECT fp.admin1, fp.admin1, count(*) FROM events e JOIN event_places fp ON fp.event_id = e.id AND fp.admin1_first WHERE :W GROUP BY 1 ORDER BY 3 DESC, lower(fp.admin1), 1 LIMIT 20;
EXPLAIN (ANALYZE, BUFFERS) SELECT fp.place_id, max(fp.name), count(*) FROM events e JOIN event_places fp ON fp.event_id = e.id AND fp.place_first WHERE :W GROUP BY 1 ORDER BY 3 DESC, lower(fp.place_id), 1 LIMIT 20;
EXPLAIN (ANALYZE, BUFFERS) SELECT fa.actor, fa.actor, count(*) FROM events e JOIN event_actors fa ON fa.event_id = e.id WHERE :W GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 20;
EXPLAIN (ANALYZE, BUFFERS) SELECT e.report_outlet, e.report_outlet, count(*) FROM events e WHERE :W AND e.report_outlet IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 20;
-- branch: one statement
EXPLAIN (ANALYZE, BUFFERS) WITH ev AS MATERIALIZED (SELECT e.id, e.event_type, e.review_state, e.report_outlet FROM events e WHERE :W)
SELECT * FROM (
 SELECT 0 AS k, row_number() OVER () AS r, f0.* FROM (SELECT fp.admin1, fp.admin1, count(*) FROM ev e JOIN event_places fp ON fp.event_id = e.id AND fp.admin1_first GROUP BY 1 ORDER BY 3 DESC, lower(fp.admin1), 1 LIMIT 20) f0
 UNION ALL SELECT 1, row_number() OVER (), f1.* FROM (SELECT fp.place_id, max(fp.name), count(*) FROM ev e JOIN event_places fp ON fp.event_id = e.id AND fp.place_first GROUP BY 1 ORDER BY 3 DESC, lower(fp.place_id), 1 LIMIT 20) f1
 UNION ALL SELECT 2, row_number() OVER (), f2.* FROM (SELECT fa.actor, fa.actor, count(*) FROM ev e JOIN event_actors fa ON fa.event_id = e.id GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 20) f2
 UNION ALL SELECT 3, row_number() OVER (), f3.* FROM (SELECT e.report_outlet, e.report_outlet, count(*) FROM ev e WHERE e.report_outlet IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 20) f3
) u ORDER BY k, r;
