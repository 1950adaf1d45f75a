EXPLAIN (ANALYZE, BUFFERS) SELECT e.id, r.title FROM events e JOIN reports r ON r.id = e.report_id WHERE e.id IN (
 SELECT e.id FROM events e WHERE e.event_type = 'arrest' AND e.eff_end >= '2021-11-01' AND e.eff_start <= '2021-11-30'
 AND EXISTS (SELECT 1 FROM event_places fpp WHERE fpp.event_id = e.id AND lower(fpp.admin1) = lower('North Pyongan'))
 AND e.eff_start >= '2021-10-01' ORDER BY e.eff_start, e.id LIMIT 25 OFFSET 0) ORDER BY e.eff_start, e.id;
