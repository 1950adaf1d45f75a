//! SQLite schema, as an ordered list of migrations. The database's `PRAGMA user_version`
//! is the number of migrations applied; each step runs in its own transaction together
//! with the version bump. Never edit a released step: append a new one.

/// Migration steps; step `i` brings the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: originals, sightings, reports, full-text index, events, audit log.
    r#"
CREATE TABLE originals (
    sha256     TEXT PRIMARY KEY NOT NULL,
    bytes      BLOB NOT NULL,
    size       INTEGER NOT NULL,
    first_path TEXT NOT NULL,
    first_seen TEXT NOT NULL
);
CREATE TRIGGER originals_no_update BEFORE UPDATE ON originals
BEGIN SELECT RAISE(ABORT, 'originals are immutable: UPDATE refused'); END;
CREATE TRIGGER originals_no_delete BEFORE DELETE ON originals
BEGIN SELECT RAISE(ABORT, 'originals are immutable: DELETE refused'); END;

CREATE TABLE sightings (
    sha256      TEXT NOT NULL REFERENCES originals(sha256),
    source_path TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    times       INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (sha256, source_path)
) WITHOUT ROWID;

CREATE TABLE reports (
    rowid           INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    original_sha256 TEXT NOT NULL REFERENCES originals(sha256),
    title           TEXT,
    outlet          TEXT,
    url             TEXT,
    published       TEXT,
    published_json  TEXT,
    language        TEXT NOT NULL,
    text            TEXT NOT NULL,
    removed_json    TEXT NOT NULL,
    body            TEXT NOT NULL,
    captured_at     TEXT NOT NULL,
    source_path     TEXT NOT NULL,
    item            INTEGER,
    format          TEXT NOT NULL,
    ingested_at     TEXT NOT NULL,
    extracted_with  TEXT
);
CREATE INDEX reports_published ON reports(published);
CREATE INDEX reports_original ON reports(original_sha256);

-- Contentless index: columns hold the text with Hangul runs rewritten as
-- overlapping bigrams (see search.rs); snippets are made from reports.body.
CREATE VIRTUAL TABLE report_fts USING fts5(
    title, body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE events (
    id                INTEGER PRIMARY KEY,
    report_id         TEXT NOT NULL REFERENCES reports(id),
    seq               INTEGER NOT NULL,
    extractor_version TEXT NOT NULL,
    review_state      TEXT NOT NULL DEFAULT 'machine'
                      CHECK (review_state IN ('machine', 'confirmed', 'rejected', 'edited')),
    event_type        TEXT NOT NULL,
    modality          TEXT NOT NULL,
    negated           INTEGER NOT NULL,
    confidence        REAL NOT NULL,
    actors_json       TEXT NOT NULL,
    places_json       TEXT NOT NULL,
    date_json         TEXT,
    attribution_json  TEXT,
    quantities_json   TEXT NOT NULL,
    evidence_json     TEXT NOT NULL,
    eff_start         TEXT,
    eff_end           TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX events_report ON events(report_id, seq);
CREATE INDEX events_type ON events(event_type, eff_start);
CREATE INDEX events_start ON events(eff_start);

CREATE TABLE event_actors (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    actor    TEXT NOT NULL,
    PRIMARY KEY (event_id, actor)
) WITHOUT ROWID;
CREATE INDEX event_actors_actor ON event_actors(actor, event_id);

CREATE TABLE event_places (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    place_id TEXT NOT NULL COLLATE NOCASE,
    name     TEXT NOT NULL COLLATE NOCASE,
    admin1   TEXT NOT NULL COLLATE NOCASE,
    role     TEXT NOT NULL,
    PRIMARY KEY (event_id, seq)
) WITHOUT ROWID;
CREATE INDEX event_places_id ON event_places(place_id);
CREATE INDEX event_places_name ON event_places(name);
CREATE INDEX event_places_admin1 ON event_places(admin1);

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    who      TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    action   TEXT NOT NULL,
    old_json TEXT NOT NULL,
    new_json TEXT NOT NULL,
    note     TEXT
);
CREATE INDEX audit_log_event ON audit_log(event_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
"#,
    // 2: accounts, sessions, API tokens, settings.
    r#"
CREATE TABLE users (
    name          TEXT PRIMARY KEY NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_name  TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at TEXT NOT NULL
);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX reports_outlet ON reports(outlet COLLATE NOCASE);
-- The events listing's order (undated last), and counts by review state.
CREATE INDEX events_order ON events(eff_start IS NULL, eff_start, id);
CREATE INDEX events_type_order ON events(event_type, eff_start IS NULL, eff_start, id);
CREATE INDEX events_state ON events(review_state, eff_start, id);
"#,
    // 3: interop: provenance of imported reports, feed polling state, saved searches.
    r#"
CREATE TABLE report_imports (
    report_id                TEXT PRIMARY KEY NOT NULL REFERENCES reports(id),
    format                   TEXT NOT NULL,
    upstream_original_sha256 TEXT,
    imported_at              TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE feed_state (
    url           TEXT PRIMARY KEY NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    checked_at    TEXT,
    ok_at         TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
) WITHOUT ROWID;

CREATE TABLE alerts (
    name          TEXT PRIMARY KEY NOT NULL,
    query_json    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    checked_at    TEXT,
    last_event_id INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
"#,
    // 4: incidents: report signatures and copies, incidents, their events, analyst pins.
    r#"
CREATE TABLE report_signatures (
    report_id    TEXT PRIMARY KEY NOT NULL REFERENCES reports(id),
    signature    BLOB NOT NULL,
    duplicate_of TEXT,
    similarity   REAL
) WITHOUT ROWID;
CREATE INDEX report_signatures_copies ON report_signatures(duplicate_of)
    WHERE duplicate_of IS NOT NULL;

CREATE TABLE incidents (
    id            TEXT PRIMARY KEY NOT NULL,
    date_start    TEXT,
    date_end      TEXT,
    corroboration INTEGER NOT NULL,
    n_events      INTEGER NOT NULL,
    n_reports     INTEGER NOT NULL,
    n_disagree    INTEGER NOT NULL,
    summary_json  TEXT NOT NULL
);
CREATE INDEX incidents_order ON incidents(date_start IS NULL, date_start DESC, id);
CREATE INDEX incidents_corroboration ON incidents(corroboration);

CREATE TABLE incident_events (
    event_id    INTEGER PRIMARY KEY NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    event_key   TEXT NOT NULL,
    -- The incident's corroboration, copied here so that event filters need no join.
    corroboration INTEGER NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, event_id);

CREATE TABLE incident_pins (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    who            TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
    keys_json      TEXT NOT NULL,
    others_json    TEXT NOT NULL,
    incidents_json TEXT NOT NULL,
    note           TEXT
);
CREATE TRIGGER incident_pins_no_update BEFORE UPDATE ON incident_pins
BEGIN SELECT RAISE(ABORT, 'incident_pins is append-only: UPDATE refused'); END;
CREATE TRIGGER incident_pins_no_delete BEFORE DELETE ON incident_pins
BEGIN SELECT RAISE(ABORT, 'incident_pins is append-only: DELETE refused'); END;
"#,
    // 5: pre-aggregated event counts (see counts.rs); filled by `counts::rebuild` right
    // after this step, in the same transaction.
    r#"
CREATE TABLE event_counts (
    g            INTEGER NOT NULL,
    k1           TEXT NOT NULL,
    v1           TEXT NOT NULL COLLATE NOCASE,
    k2           TEXT NOT NULL,
    v2           TEXT NOT NULL COLLATE NOCASE,
    event_type   TEXT NOT NULL,
    review_state TEXT NOT NULL,
    m0           TEXT NOT NULL,
    m1           TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (g, k1, v1, k2, v2, event_type, review_state, m0, m1)
) WITHOUT ROWID;
"#,
    // 6: cold read paths.
    // The events listing in its order per review state; the report ids by rowid without
    // reading the wide report rows (text filters); the count table's rows by year
    // (`g = 2`, see counts.rs), filled by `counts::rebuild` in the same transaction.
    r#"
CREATE INDEX events_state_order ON events(review_state, eff_start IS NULL, eff_start, id);
CREATE INDEX reports_rowid_id ON reports(rowid, id);
"#,
    // 7: fewer index writes per event. `events_start` (eff_start) and `events_type`
    // (event_type, eff_start) repeat `events_order` and `events_type_order` but for where
    // undated events sort; date ranges and date-ordered scans now name the dated/undated
    // key of those (`sqlite::DATED`, `sqlite::UNDATED`) and use them instead.
    r#"
DROP INDEX IF EXISTS events_start;
DROP INDEX IF EXISTS events_type;
"#,
    // 8: incremental
    // incident refresh. LSH band keys of the stored signatures (`banded` marks the
    // signatures whose keys are in `report_bands`; older ones are keyed by the next full
    // recomputation), the block keys of each incident, and a counter of event changes
    // (UPDATE or DELETE on events: reviews, re-extraction) that makes the next refresh a
    // full one.
    r#"
ALTER TABLE report_signatures ADD COLUMN banded INTEGER NOT NULL DEFAULT 0;
CREATE TABLE report_bands (
    band_key  INTEGER NOT NULL,
    report_id TEXT NOT NULL,
    PRIMARY KEY (band_key, report_id)
) WITHOUT ROWID;
CREATE TABLE incident_blocks (
    block_key   INTEGER NOT NULL,
    incident_id TEXT NOT NULL,
    PRIMARY KEY (block_key, incident_id)
) WITHOUT ROWID;
CREATE INDEX incident_blocks_incident ON incident_blocks(incident_id);
CREATE TABLE event_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO event_changes(id, n) VALUES (1, 0);
CREATE TRIGGER events_changed_update AFTER UPDATE ON events
BEGIN UPDATE event_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER events_changed_delete AFTER DELETE ON events
BEGIN UPDATE event_changes SET n = n + 1 WHERE id = 1; END;
"#,
    // 9 (branch `wrt`): fewer index writes per ingested report. `events_state`
    // (review_state, eff_start, id) repeats `events_state_order` (migration 6) but for where
    // undated events sort, and no query chooses it over that one; `reports_original`
    // (original_sha256) serves no query (originals are never deleted, so the foreign key
    // never looks up the reports of an original).
    r#"
DROP INDEX IF EXISTS events_state;
DROP INDEX IF EXISTS reports_original;
"#,
    // 10 (branch `coldq2`): the listing indexes also
    // carry `eff_end`, after `id`, so they still give the listing order while a date
    // range's `eff_end >= from` is tested from the index: a type x province x month
    // filter's listing and its directly counted facets walk the index without reading
    // each event's row. Same number of indexes, so no extra write per event.
    r#"
DROP INDEX IF EXISTS events_order;
CREATE INDEX events_order ON events(eff_start IS NULL, eff_start, id, eff_end);
DROP INDEX IF EXISTS events_type_order;
CREATE INDEX events_type_order ON events(event_type, eff_start IS NULL, eff_start, id, eff_end);
"#,
    // 11 (branch `cnt`): cheaper count-table writes. The all-dates rows (`g = 0`) are the
    // sums of the rows by year (`g = 2`, written since step 6) over the years; readers sum
    // those instead (see counts.rs), and an ingest no longer writes them.
    r#"
DELETE FROM event_counts WHERE g = 0;
"#,
    // 12: the report listing (`lantern reports`, newest published first) follows an index
    // instead of sorting every report: at 1,000,000 reports the sort read the whole
    // `reports` table (3 min 52 s for the first page).
    r#"
CREATE INDEX IF NOT EXISTS reports_listing ON reports(published IS NULL, published DESC);
"#,
    // 13 (branch `cdict`): the count table's key columns are integers. Texts (tag values,
    // event type, review state) are numbered once in `count_terms` (NOCASE, as the old
    // tag columns compared; id 0 is the empty text), kinds are their ASCII code (0 for
    // none), months `YYYYMM` and years `YYYY` (0 undated): an upsert's B-tree search
    // compares integers instead of NOCASE texts. The table is recounted from the events
    // in Rust after this step (see `COUNTS_VERSIONS`).
    r#"
DROP TABLE IF EXISTS event_counts;
DROP TABLE IF EXISTS count_terms;
CREATE TABLE count_terms (
    id   INTEGER PRIMARY KEY,
    term TEXT NOT NULL UNIQUE COLLATE NOCASE
);
INSERT INTO count_terms(id, term) VALUES (0, '');
CREATE TABLE event_counts (
    g            INTEGER NOT NULL,
    k1           INTEGER NOT NULL,
    v1           INTEGER NOT NULL,
    k2           INTEGER NOT NULL,
    v2           INTEGER NOT NULL,
    event_type   INTEGER NOT NULL,
    review_state INTEGER NOT NULL,
    m0           INTEGER NOT NULL,
    m1           INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (g, k1, v1, k2, v2, event_type, review_state, m0, m1)
) WITHOUT ROWID;
"#,
    // 14 (branch `evrow`):
    // fewer B-tree writes per ingested place. The three NOCASE indexes of
    // `event_places` (place_id, name, admin1: three index inserts per place row, a
    // fifth of the event and link rows' cost at ingest) served only lookups of whether
    // a place id, name or province is stored at all (`counts::SqlitePlaces`, the place
    // labels of facets), never the filters (those test an event's rows by its key).
    // `places` keeps each distinct (place_id, name, admin1) once, written once per
    // batch per place; it may keep a place whose events are gone (reviews,
    // re-extraction), which only makes a lookup fall back to a direct count or count 0.
    // Fills from `event_places` (one scan) and drops the indexes; `events` is not
    // rewritten.
    r#"
CREATE TABLE places (
    place_id TEXT NOT NULL COLLATE NOCASE,
    name     TEXT NOT NULL COLLATE NOCASE,
    admin1   TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (place_id, name, admin1)
) WITHOUT ROWID;
INSERT OR IGNORE INTO places(place_id, name, admin1)
    SELECT place_id, name, admin1 FROM event_places;
CREATE INDEX places_name ON places(name);
CREATE INDEX places_admin1 ON places(admin1);
DROP INDEX IF EXISTS event_places_id;
DROP INDEX IF EXISTS event_places_name;
DROP INDEX IF EXISTS event_places_admin1;
"#,
    // 15 (branch `wsplit`): the full-text index in a file of its own,
    // `lantern-fts.db`, written by its own connection (during `lantern ingest` by its own
    // thread, in parallel with the main writer; see `sqlite/fts.rs`). Only a store with
    // no reports moves: `migrate` drops its empty `report_fts` (`FTS_SPLIT_VERSION`), and
    // the store opens the index in the other file. A store that holds reports keeps
    // its index in `lantern.db` (moving it would re-index every report: at 1M reports
    // a rebuild of several GB, on a disk that may not have the room); both layouts are
    // read by the same SQL (`report_fts` unqualified), `lantern copy` into a new store
    // moves a store to the split layout.
    "-- the rest of step 15 is in `migrate`",
    // 16 (branch `sfacet`): the count table also holds, by month, each province paired
    // with every tag of its events (`k1 = 'p'`: places, actors, outlets, provinces, itself
    // included; see `counts::MONTHLY_PAIR_KIND`), so that the search page's type x
    // province x month reads its place, actor, outlet and province facets from the table
    // instead of the month's events and their link rows. No change of shape: the table
    // is recounted from the events in Rust after this step (see `COUNTS_VERSIONS`).
    r#"
-- recount only
"#,
];

/// The migration that moves an empty store's full-text index to its own file.
pub(crate) const FTS_SPLIT_VERSION: u32 = 15;

/// Migration steps followed by a recount of `event_counts` written in Rust, run in the
/// step's transaction: the one creating the table, the one adding its rows by year and
/// the one making its keys integers. Only the last of them a migration runs recounts
/// (the earlier ones' tables are replaced by step 13's; a crash in between leaves a
/// version below 13, so step 13 and its recount run again).
pub(crate) const COUNTS_VERSIONS: &[u32] = &[5, 6, 13, 16];

/// The schema version this program writes.
pub(crate) fn latest_version() -> u32 {
    MIGRATIONS.len() as u32
}
