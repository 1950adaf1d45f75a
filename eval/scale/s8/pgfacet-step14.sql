BEGIN;

SET LOCAL maintenance_work_mem = '256MB';
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = 'events'::regclass
               AND c.relname IN ('events_order_end', 'events_type_order_end')
               AND NOT (i.indisvalid AND i.indisready)
    LOOP
        EXECUTE format('DROP INDEX %I', r.relname);
    END LOOP;
END
$$;
CREATE INDEX IF NOT EXISTS events_order_end ON events(eff_start, id, eff_end);
CREATE INDEX IF NOT EXISTS events_type_order_end ON events(event_type, eff_start, id, eff_end);
DROP INDEX IF EXISTS events_order;
DROP INDEX IF EXISTS events_type_order;
ALTER INDEX events_order_end RENAME TO events_order;
ALTER INDEX events_type_order_end RENAME TO events_type_order;

UPDATE schema_version SET version = 14;
COMMIT;
