//! The PostgreSQL implementation of [`Store`], for several processes sharing one
//! database (ingest workers, web app). Same observable behaviour as [`crate::SqliteStore`].
//!
//! - Writes are one transaction each. Ingest inserts with `ON CONFLICT DO NOTHING
//!   RETURNING`, so concurrent batches over the same files store every original and
//!   report once, and a report's events are inserted only by the transaction that
//!   inserted the report. Rows are inserted in key order (fewer lock waits, no lock
//!   cycles); a deadlock or serialization failure is retried.
//! - Batches go in with `unnest` over arrays: one statement per table per batch.
//! - Full-text search: a `tsvector` column with a GIN index; lexemes come from
//!   [`crate::search::ts_vector`] (Hangul as bigrams), queries from
//!   [`Query::ts_query`]; ranked by `ts_rank` (title weighted), snippets made in Rust
//!   from the body exactly as with SQLite.
//! - `data_version` is a counter row bumped inside each data-changing transaction.

use std::cell::{RefCell, RefMut};
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use lantern_extract::{Event, EventType};
use lantern_ingest::{sha256_hex, Language, Published, Report};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::search::{ts_vectors, Query};
use crate::sqlite::{
    from_json, from_word, now, parse_date, to_i64, to_json, to_u64, word, BROAD_TEXT_REPORTS,
};
use crate::types::*;
use crate::Store;

mod accounts;
mod counts;
mod facets;
mod incidents;
mod interop;
mod schema;

/// Snippet length in bytes (about); as with SQLite.
const SNIPPET_WIDTH: usize = 220;

/// Rank of a hit: title lexemes (weight A) count four times body ones (D), as the BM25
/// weights of the SQLite index; normalised by document length.
const RANK: &str = "ts_rank('{0.25, 0.25, 0.25, 1.0}', r.fts, q.q, 1)";

/// Advisory lock key held while migrating ("lantern" in ASCII).
const MIGRATION_LOCK: i64 = 0x006c_616e_7465_726e;

/// Largest number of rows in one multi-row statement; larger batches are split.
const CHUNK_ROWS: usize = 2000;

/// Largest total size of the originals in one statement, in bytes.
const CHUNK_BYTES: usize = 64 << 20;

/// A [`Store`] in a PostgreSQL database, over one connection. `Send`, not `Sync`:
/// open one per thread (connections are cheap next to a request's work).
pub struct PostgresStore {
    client: RefCell<Client>,
    url: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.url)
            .finish()
    }
}

/// The URL with its password (if any) replaced by `***`, fit for messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        // key=value form: hide the value of `password`.
        return url
            .split(' ')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.trim() == "password" => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    let rest = &url[scheme_end + 3..];
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..auth_end].rfind('@') else {
        return url.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

fn is_retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Postgres(e) => matches!(
            e.code(),
            Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::T_R_SERIALIZATION_FAILURE
        ),
        _ => false,
    }
}

/// Parameters of a statement built at run time, numbered `$1`, `$2`, ...
#[derive(Default)]
pub(crate) struct Params {
    values: Vec<Box<dyn ToSql + Sync>>,
}

impl Params {
    /// Add a value; returns its placeholder.
    pub(crate) fn add<T: ToSql + Sync + 'static>(&mut self, v: T) -> String {
        self.values.push(Box::new(v));
        format!("${}", self.values.len())
    }

    pub(crate) fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values.iter().map(|b| b.as_ref()).collect()
    }
}

/// A column of a row, with a type error as a [`StoreError`] instead of a panic.
pub(crate) fn col<'a, T: postgres::types::FromSql<'a>>(row: &'a Row, i: usize) -> Result<T> {
    Ok(row.try_get(i)?)
}

impl PostgresStore {
    /// Connect to the database at `url` (`postgres://user:password@host:port/db`, or
    /// the key=value form) and apply pending schema migrations.
    pub fn connect(url: &str) -> Result<PostgresStore> {
        let redacted = redact_url(url);
        let mut client = Client::connect(url, NoTls).map_err(|source| StoreError::Connect {
            url: redacted.clone(),
            source,
        })?;
        // No JIT compilation: the store's queries are short, and once a cost estimate
        // passes `jit_above_cost` the query pays for compiling (190 ms for the faceted
        // total at 100k reports before the count table; the estimates grow with N).
        client
            .batch_execute("SET client_min_messages = warning; SET jit = off")
            .map_err(|source| StoreError::Connect {
                url: redacted.clone(),
                source,
            })?;
        migrate(&mut client, &redacted)?;
        Ok(PostgresStore {
            client: RefCell::new(client),
            url: redacted,
        })
    }

    /// The plan of the statement [`Store::events`] lists `filter`'s page with through
    /// the listing order (`EXPLAIN (ANALYZE, BUFFERS)` when `analyze`, which runs it;
    /// else `EXPLAIN (COSTS OFF)`), one line per plan line. A broad text's page is
    /// first tried by a probe walk, which this does not show. For tests and benchmarks.
    #[doc(hidden)]
    pub fn explain_events(&self, filter: &EventFilter, analyze: bool) -> Result<Vec<String>> {
        let mut c = self.conn()?;
        let page = listing(&mut c, filter)?;
        let options = if analyze {
            "ANALYZE, BUFFERS"
        } else {
            "COSTS OFF"
        };
        let sql = format!("EXPLAIN ({options}) {}", page.sql);
        let rows = query_filtered(&mut c, filter, &sql, &page.params)?;
        rows.iter().map(|r| col(r, 0)).collect()
    }

    /// [`Store::count_events`] counted from the events, without the count table (for
    /// tests and benchmarks).
    #[doc(hidden)]
    pub fn count_events_direct(&self, filter: &EventFilter) -> Result<u64> {
        let mut c = self.conn()?;
        let mut p = Params::default();
        let (mut clauses, _) = read_clauses(&mut c, filter, &mut p)?;
        if let Some(lo) = counts::earliest_start(&mut c, filter)? {
            clauses.push(format!("e.eff_start >= {}", p.add(lo)));
        }
        let sql = format!("SELECT count(*) FROM events e{}", where_sql(&clauses));
        let rows = query_filtered(&mut c, filter, &sql, &p)?;
        let row = rows.first().ok_or_else(|| StoreError::Corrupt {
            what: "count of events".into(),
            reason: "no row".into(),
        })?;
        Ok(to_u64(col(row, 0)?))
    }

    /// [`Store::facet_counts`] counted from the events, without the count table.
    #[doc(hidden)]
    pub fn facet_counts_direct(
        &self,
        filter: &EventFilter,
        facet: Facet,
        limit: usize,
    ) -> Result<Vec<FacetCount>> {
        facets::facet_counts(&mut *self.conn()?, filter, facet, limit)
    }

    /// [`Store::month_counts`] counted from the events, without the count table.
    #[doc(hidden)]
    pub fn month_counts_direct(&self, filter: &EventFilter) -> Result<Vec<MonthCount>> {
        facets::month_counts(&mut *self.conn()?, filter)
    }

    /// Recount the pre-aggregated event counts from the events (normally kept in step by
    /// every write; the schema migration fills them once).
    pub fn rebuild_counts(&mut self) -> Result<()> {
        self.write(|tx| {
            counts::rebuild(tx)?;
            bump_data_version(tx)
        })
    }

    /// The database URL, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The connection, unless a [`Store::for_each_event`] walk holds it (a callback
    /// that calls back into the same store).
    pub(crate) fn conn(&self) -> Result<RefMut<'_, Client>> {
        self.client
            .try_borrow_mut()
            .map_err(|_| StoreError::Invalid {
                what: "PostgreSQL store".into(),
                reason: "its connection is busy with a for_each_event walk; open another store"
                    .into(),
            })
    }

    /// Run `f` in a transaction and commit; retried when PostgreSQL aborts it for a
    /// deadlock or a serialization failure (nothing of a failed try is kept).
    pub(crate) fn write<T>(
        &self,
        mut f: impl FnMut(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.conn()?;
        let mut attempt = 0u32;
        loop {
            let result = (|| {
                let mut tx = conn.transaction()?;
                let v = f(&mut tx)?;
                tx.commit()?;
                Ok(v)
            })();
            match result {
                Err(e) if attempt < 10 && is_retryable(&e) => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(
                        5 * u64::from(attempt) + u64::from(std::process::id() % 7),
                    ));
                }
                other => return other,
            }
        }
    }

    fn load_report(&self, id: &str) -> Result<Option<Report>> {
        load_report(&mut *self.conn()?, id)
    }
}

/// A report by its full id, through any client or transaction.
pub(crate) fn load_report(conn: &mut impl GenericClient, id: &str) -> Result<Option<Report>> {
    let row = conn.query_opt(
        "SELECT id, original_sha256, title, outlet, url, published_json, language, text,
                    removed_json, body, captured_at, source_path, item, format
             FROM reports WHERE id = $1",
        &[&id],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: String = col(&row, 0)?;
    let published: Option<Published> = match col::<Option<String>>(&row, 5)? {
        Some(j) => Some(from_json(&j, || format!("reports.published_json of {id}"))?),
        None => None,
    };
    let language: Language = from_word(
        &col::<String>(&row, 6)?,
        &format!("reports.language of {id}"),
    )?;
    let removed = from_json(&col::<String>(&row, 8)?, || {
        format!("reports.removed_json of {id}")
    })?;
    let item = match col::<Option<i64>>(&row, 12)? {
        Some(n) => Some(usize::try_from(n).map_err(|_| StoreError::Corrupt {
            what: format!("reports.item of {id}"),
            reason: format!("negative item {n}"),
        })?),
        None => None,
    };
    Ok(Some(Report {
        original_sha256: col(&row, 1)?,
        title: col(&row, 2)?,
        outlet: col(&row, 3)?,
        url: col(&row, 4)?,
        published,
        language,
        text: col(&row, 7)?,
        removed,
        body: col(&row, 9)?,
        captured_at: col(&row, 10)?,
        source_path: col(&row, 11)?,
        item,
        format: col(&row, 13)?,
        id,
    }))
}

fn migrate(client: &mut Client, url: &str) -> Result<()> {
    let setup = |client: &mut Client| -> std::result::Result<u32, postgres::Error> {
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                one     boolean PRIMARY KEY DEFAULT true CHECK (one),
                version integer NOT NULL
             );
             INSERT INTO schema_version(one, version) VALUES (true, 0) ON CONFLICT DO NOTHING;",
        )?;
        let v: i32 = client
            .query_one("SELECT version FROM schema_version", &[])?
            .try_get(0)?;
        Ok(u32::try_from(v).unwrap_or(0))
    };
    let result = (|| -> Result<()> {
        let current = setup(client).map_err(|source| StoreError::Connect {
            url: url.to_string(),
            source,
        })?;
        let latest = schema::latest_version();
        if current > latest {
            return Err(StoreError::SchemaTooNew {
                path: url.into(),
                found: current,
                supported: latest,
            });
        }
        for (i, step) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
            let version = i as u32 + 1;
            let run = |client: &mut Client| -> Result<()> {
                let mut tx = client.transaction()?;
                tx.batch_execute(&schema::step_sql(step))?;
                if schema::COUNTS_VERSIONS.contains(&version) {
                    // Only the last recounting step of the run recounts; an earlier one
                    // empties the table, which that step then recounts (an empty table
                    // with events is never a counted one, so a run stopped between
                    // steps still recounts).
                    let later = schema::COUNTS_VERSIONS
                        .iter()
                        .any(|v| *v > version && *v <= latest);
                    if later {
                        tx.batch_execute("DELETE FROM event_counts")?;
                    } else if version != schema::INTEGER_COUNTS_VERSION
                        || counts::needs_recount(&mut tx)?
                    {
                        counts::rebuild(&mut tx)?;
                    }
                }
                tx.execute(
                    "UPDATE schema_version SET version = $1",
                    &[&i32::try_from(version).unwrap_or(i32::MAX)],
                )?;
                Ok(tx.commit()?)
            };
            run(client).map_err(|e| match e {
                StoreError::Postgres(source) => StoreError::PgMigration { version, source },
                other => other,
            })?;
        }
        Ok(())
    })();
    // Session-level lock: released here whatever happened (or when the connection ends).
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    result
}

/// Columns read by [`stored_event`]; `e` is events, `r` its report.
pub(crate) const EVENT_COLS: &str = "e.id, e.report_id, e.extractor_version, e.review_state,
    e.event_type, e.modality, e.negated, e.confidence, e.actors_json, e.places_json,
    e.date_json, e.attribution_json, e.quantities_json, e.evidence_json, r.title, r.published
    FROM events e JOIN reports r ON r.id = e.report_id";

/// A row of [`EVENT_COLS`] as a stored event.
pub(crate) fn stored_event(row: &Row) -> Result<StoredEvent> {
    let id: i64 = col(row, 0)?;
    let what = |c: &str| format!("events.{c} of event {id}");
    let type_word: String = col(row, 4)?;
    let event_type = EventType::parse(&type_word).ok_or_else(|| StoreError::Corrupt {
        what: what("event_type"),
        reason: format!("unknown event type '{type_word}'"),
    })?;
    let state_word: String = col(row, 3)?;
    let review_state = ReviewState::parse(&state_word).ok_or_else(|| StoreError::Corrupt {
        what: what("review_state"),
        reason: format!("unknown review state '{state_word}'"),
    })?;
    let opt_json = |i: usize, c: &str| -> Result<Option<String>> {
        let _ = c;
        col::<Option<String>>(row, i)
    };
    let event = Event {
        event_type,
        modality: from_word(&col::<String>(row, 5)?, &what("modality"))?,
        negated: col(row, 6)?,
        actors: from_json(&col::<String>(row, 8)?, || what("actors_json"))?,
        places: from_json(&col::<String>(row, 9)?, || what("places_json"))?,
        date: match opt_json(10, "date_json")? {
            Some(j) => from_json(&j, || what("date_json"))?,
            None => None,
        },
        attribution: match opt_json(11, "attribution_json")? {
            Some(j) => from_json(&j, || what("attribution_json"))?,
            None => None,
        },
        quantities: from_json(&col::<String>(row, 12)?, || what("quantities_json"))?,
        evidence: from_json(&col::<String>(row, 13)?, || what("evidence_json"))?,
        confidence: col::<f64>(row, 7)? as f32,
    };
    let report_id: String = col(row, 1)?;
    let report_published = parse_date(col(row, 15)?, || {
        format!("reports.published of {report_id}")
    })?;
    Ok(StoredEvent {
        id,
        report_id,
        event,
        extractor_version: col(row, 2)?,
        review_state,
        report_title: col(row, 14)?,
        report_published,
    })
}

fn event_by_id(
    c: &mut impl GenericClient,
    event_id: i64,
    lock: bool,
) -> Result<Option<StoredEvent>> {
    let sql = format!(
        "SELECT {EVENT_COLS} WHERE e.id = $1{}",
        if lock { " FOR UPDATE OF e" } else { "" }
    );
    match c.query_opt(&sql, &[&event_id])? {
        Some(row) => Ok(Some(stored_event(&row)?)),
        None => Ok(None),
    }
}

/// The JSON and normalised columns of many events, as arrays for `unnest`.
#[derive(Default)]
pub(crate) struct EventArrays {
    pub(crate) ids: Vec<i64>,
    pub(crate) report_ids: Vec<String>,
    pub(crate) seqs: Vec<i64>,
    pub(crate) versions: Vec<String>,
    pub(crate) states: Vec<String>,
    pub(crate) types: Vec<String>,
    pub(crate) modalities: Vec<String>,
    pub(crate) negated: Vec<bool>,
    pub(crate) confidence: Vec<f64>,
    pub(crate) actors: Vec<String>,
    pub(crate) places: Vec<String>,
    pub(crate) dates: Vec<Option<String>>,
    pub(crate) attributions: Vec<Option<String>>,
    pub(crate) quantities: Vec<String>,
    pub(crate) evidence: Vec<String>,
    pub(crate) eff_start: Vec<Option<String>>,
    pub(crate) eff_end: Vec<Option<String>>,
    // Link rows.
    pub(crate) actor_event: Vec<i64>,
    pub(crate) actor_word: Vec<String>,
    pub(crate) place_event: Vec<i64>,
    pub(crate) place_seq: Vec<i64>,
    pub(crate) place_id: Vec<String>,
    pub(crate) place_name: Vec<String>,
    pub(crate) place_admin1: Vec<String>,
    pub(crate) place_role: Vec<String>,
    pub(crate) place_first: Vec<bool>,
    pub(crate) admin1_first: Vec<bool>,
    pub(crate) outlets: Vec<Option<String>>,
}

/// Effective start and end of an event: its own dates, else the report's.
pub(crate) fn effective(
    e: &Event,
    published: Option<NaiveDate>,
) -> (Option<String>, Option<String>) {
    let d = e.date.as_ref();
    let start = d.and_then(|d| d.start.or(d.end)).or(published);
    let end = d.and_then(|d| d.end.or(d.start)).or(published);
    (start.map(|d| d.to_string()), end.map(|d| d.to_string()))
}

impl EventArrays {
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Add one event with its id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        id: i64,
        report_id: &str,
        seq: i64,
        version: &str,
        state: ReviewState,
        e: &Event,
        published: Option<NaiveDate>,
        outlet: Option<&str>,
    ) -> Result<()> {
        let (start, end) = effective(e, published);
        self.outlets.push(outlet.map(String::from));
        self.ids.push(id);
        self.report_ids.push(report_id.to_string());
        self.seqs.push(seq);
        self.versions.push(version.to_string());
        self.states.push(state.as_str().to_string());
        self.types.push(e.event_type.as_str().to_string());
        self.modalities.push(word(&e.modality)?);
        self.negated.push(e.negated);
        self.confidence.push(f64::from(e.confidence));
        self.actors.push(to_json(&e.actors, "event actors")?);
        self.places.push(to_json(&e.places, "event places")?);
        self.dates.push(match &e.date {
            Some(d) => Some(to_json(d, "event date")?),
            None => None,
        });
        self.attributions.push(match &e.attribution {
            Some(a) => Some(to_json(a, "event attribution")?),
            None => None,
        });
        self.quantities
            .push(to_json(&e.quantities, "event quantities")?);
        self.evidence.push(to_json(&e.evidence, "event evidence")?);
        self.eff_start.push(start);
        self.eff_end.push(end);
        self.push_links(id, e)
    }

    /// Add the actor and place rows of an event.
    pub(crate) fn push_links(&mut self, id: i64, e: &Event) -> Result<()> {
        let mut seen = HashSet::new();
        for a in &e.actors {
            if seen.insert(a.as_str()) {
                self.actor_event.push(id);
                self.actor_word.push(a.as_str().to_string());
            }
        }
        let mut ids = HashSet::new();
        let mut admin1s = HashSet::new();
        for (i, p) in e.places.iter().enumerate() {
            // The first row of each place and province of an event: facets count these.
            self.place_first.push(ids.insert(p.id.as_str()));
            self.admin1_first.push(admin1s.insert(p.admin1.as_str()));
            self.place_event.push(id);
            self.place_seq.push(to_i64(i));
            self.place_id.push(p.id.clone());
            self.place_name.push(p.name.clone());
            self.place_admin1.push(p.admin1.clone());
            self.place_role.push(word(&p.role)?);
        }
        Ok(())
    }

    /// Insert the events (with their ids) and their link rows, and count the events in
    /// `event_counts`.
    pub(crate) fn insert(&self, tx: &mut Transaction<'_>, at: &str) -> Result<()> {
        self.insert_with(tx, at, None)
    }

    /// [`EventArrays::insert`]; with `pending`, the events' counts are added to it (to be
    /// written once by the caller, [`counts::write_pending`]) rather than written now.
    pub(crate) fn insert_with(
        &self,
        tx: &mut Transaction<'_>,
        at: &str,
        pending: Option<&mut crate::counts::Delta>,
    ) -> Result<()> {
        if !self.ids.is_empty() {
            tx.execute(
                "INSERT INTO events(id, report_id, seq, extractor_version, review_state,
                    event_type, modality, negated, confidence, actors_json, places_json,
                    date_json, attribution_json, quantities_json, evidence_json, eff_start,
                    eff_end, report_outlet, created_at, updated_at)
                 SELECT u.*, $19, $19 FROM unnest($1::int8[], $2::text[], $3::int8[],
                    $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[],
                    $9::float8[], $10::text[], $11::text[], $12::text[], $13::text[],
                    $14::text[], $15::text[], $16::text[], $17::text[], $18::text[]) AS u",
                &[
                    &self.ids,
                    &self.report_ids,
                    &self.seqs,
                    &self.versions,
                    &self.states,
                    &self.types,
                    &self.modalities,
                    &self.negated,
                    &self.confidence,
                    &self.actors,
                    &self.places,
                    &self.dates,
                    &self.attributions,
                    &self.quantities,
                    &self.evidence,
                    &self.eff_start,
                    &self.eff_end,
                    &self.outlets,
                    &at,
                ],
            )?;
        }
        if !self.actor_event.is_empty() {
            tx.execute(
                "INSERT INTO event_actors(event_id, actor)
                 SELECT * FROM unnest($1::int8[], $2::text[])",
                &[&self.actor_event, &self.actor_word],
            )?;
        }
        if !self.place_event.is_empty() {
            tx.execute(
                "INSERT INTO event_places(event_id, seq, place_id, name, admin1, role,
                    place_first, admin1_first)
                 SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[],
                    $5::text[], $6::text[], $7::bool[], $8::bool[])",
                &[
                    &self.place_event,
                    &self.place_seq,
                    &self.place_id,
                    &self.place_name,
                    &self.place_admin1,
                    &self.place_role,
                    &self.place_first,
                    &self.admin1_first,
                ],
            )?;
        }
        // New events are counted (links-only inserts, of an edit, by the caller).
        match pending {
            Some(delta) => {
                counts::add_to(delta, self);
                Ok(())
            }
            None => counts::add_inserted(tx, self),
        }
    }
}

/// `n` new values of a table's identity sequence, ascending.
pub(crate) fn next_ids(
    tx: &mut Transaction<'_>,
    table: &str,
    column: &str,
    n: usize,
) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let rows = tx.query(
        // The sequence is looked up once (as regclass), not once per value.
        "SELECT nextval(q.s) FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS s) q,
            generate_series(1, $3::int8)",
        &[&table, &column, &to_i64(n)],
    )?;
    let mut ids = rows
        .iter()
        .map(|r| col::<i64>(r, 0))
        .collect::<Result<Vec<_>>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// Recount the count table inside `tx` (`lantern copy`, see `crate::copy`).
pub(crate) fn rebuild_counts_in(tx: &mut Transaction<'_>) -> Result<()> {
    counts::rebuild(tx)
}

/// Count one change of the data, inside the writing transaction.
pub(crate) fn bump_data_version(tx: &mut Transaction<'_>) -> Result<()> {
    tx.execute("UPDATE data_version SET value = value + 1", &[])?;
    Ok(())
}

/// Refuse text PostgreSQL cannot hold (NUL characters), naming the field.
pub(crate) fn check_text(what: impl FnOnce() -> String, values: &[Option<&str>]) -> Result<()> {
    if values.iter().flatten().any(|v| v.contains('\0')) {
        return Err(StoreError::Invalid {
            what: what(),
            reason: "contains a NUL character, which PostgreSQL cannot store".into(),
        });
    }
    Ok(())
}

/// The conditions (on `events e`) of an event filter, their parameters added to `p`.
pub(crate) fn filter_clauses(f: &EventFilter, p: &mut Params) -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    if let Some(t) = f.event_type {
        c.push(format!("e.event_type = {}", p.add(t.as_str().to_string())));
    }
    if let Some(place) = &f.place {
        let v = p.add(place.trim().to_string());
        c.push(format!(
            "EXISTS (SELECT 1 FROM event_places fpl WHERE fpl.event_id = e.id
               AND (lower(fpl.place_id) = lower({v}) OR lower(fpl.name) = lower({v})
                    OR lower(fpl.admin1) = lower({v})))"
        ));
    }
    if let Some(a) = f.actor {
        c.push(format!(
            "EXISTS (SELECT 1 FROM event_actors fa WHERE fa.event_id = e.id AND fa.actor = {})",
            p.add(a.as_str().to_string())
        ));
    }
    if let Some(from) = f.from {
        c.push(format!("e.eff_end >= {}", p.add(from.to_string())));
    }
    if let Some(to) = f.to {
        c.push(format!("e.eff_start <= {}", p.add(to.to_string())));
    }
    if let Some(r) = &f.report_id {
        c.push(format!(
            "e.report_id = {}",
            p.add(r.trim().to_ascii_lowercase())
        ));
    }
    if let Some(s) = f.review_state {
        c.push(format!(
            "e.review_state = {}",
            p.add(s.as_str().to_string())
        ));
    }
    if let Some(prov) = &f.province {
        c.push(format!(
            "EXISTS (SELECT 1 FROM event_places fpp WHERE fpp.event_id = e.id
               AND lower(fpp.admin1) = lower({}))",
            p.add(prov.trim().to_string())
        ));
    }
    if let Some(o) = &f.outlet {
        c.push(format!(
            "lower(e.report_outlet) = lower({})",
            p.add(o.trim().to_string())
        ));
    }
    if let Some(t) = &f.text {
        match Query::parse(t) {
            Some(q) => c.push(format!(
                "e.report_id IN (SELECT frt.id FROM reports frt WHERE {})",
                text_match_params("frt", &q, p)
            )),
            None => c.push("false".into()),
        }
    }
    if let Some(n) = f.min_outlets {
        c.push(format!(
            "EXISTS (SELECT 1 FROM incident_events fie
               WHERE fie.event_id = e.id AND fie.corroboration >= {})",
            p.add(i64::from(n))
        ));
    }
    if f.skip_copies {
        c.push(
            "NOT EXISTS (SELECT 1 FROM report_signatures frs WHERE frs.report_id = e.report_id
               AND frs.duplicate_of IS NOT NULL)"
                .into(),
        );
    }
    c
}

/// ` WHERE ...` of the conditions, or nothing.
pub(crate) fn where_sql(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    }
}

/// The condition that a report matches a full-text query: `fts` (of the table aliased
/// `alias`) against `ts`, the [`Query::ts_query`] `tsquery`. A query with phrases also
/// asks `fts_pairs` for `pairs`, its [`Query::ts_pairs_query`] (schema step 12), and
/// checks `fts` by the function (`ts_match_vq`), which no index serves: the
/// candidates come from the GIN index of the pairs (about the phrase's reports) and
/// only their vectors are read, not a bitmap of every report holding the words.
pub(crate) fn text_match(alias: &str, ts: &str, pairs: Option<&str>) -> String {
    match pairs {
        Some(pairs) => format!("({alias}.fts_pairs @@ {pairs} AND ts_match_vq({alias}.fts, {ts}))"),
        None => format!("{alias}.fts @@ {ts}"),
    }
}

/// [`text_match`] of `q` with its `tsquery` texts as parameters of `p`.
pub(crate) fn text_match_params(alias: &str, q: &Query, p: &mut Params) -> String {
    let ts = format!("CAST({} AS text)::tsquery", p.add(q.ts_query()));
    let pairs = q
        .ts_pairs_query()
        .map(|pq| format!("CAST({} AS text)::tsquery", p.add(pq)));
    text_match(alias, &ts, pairs.as_deref())
}

/// Matching reports of a text filter read as a list of ids when at most this many
/// match; past it the filter is broad (see [`read_clauses`]): the search page's
/// threshold, past which it neither counts nor facets the text's events.
const TEXT_IDS_CAP: u64 = BROAD_TEXT_REPORTS;

/// [`filter_clauses`] for a read that may have a text condition, and whether that text
/// is broad. The reports a text matches are collected first through the GIN index's
/// bitmap (at most [`TEXT_IDS_CAP`] + 1 of them, so the cost follows the matches, not
/// the store) and the condition becomes `e.report_id = ANY(ids)`; left to itself the
/// planner read the text's `IN (SELECT … FROM reports …)` by a sequential scan of every
/// report's vector (BENCHMARKS.md, pgq). A broad text keeps that subquery. Run the
/// statement of a text filter with [`BITMAP_FOR_REPORTS`] either way.
pub(crate) fn read_clauses(
    c: &mut Client,
    f: &EventFilter,
    p: &mut Params,
) -> Result<(Vec<String>, bool)> {
    let Some(text) = &f.text else {
        return Ok((filter_clauses(f, p), false));
    };
    let rest = EventFilter {
        text: None,
        ..f.clone()
    };
    let mut clauses = filter_clauses(&rest, p);
    let Some(q) = Query::parse(text) else {
        clauses.push("false".into());
        return Ok((clauses, false));
    };
    let ids = matching_ids(c, &q, TEXT_IDS_CAP + 1)?;
    if ids.len() as u64 <= TEXT_IDS_CAP {
        clauses.push(format!("e.report_id = ANY({})", p.add(ids)));
        return Ok((clauses, false));
    }
    clauses.push(format!(
        "e.report_id IN (SELECT frt.id FROM reports frt WHERE {})",
        text_match_params("frt", &q, p)
    ));
    Ok((clauses, true))
}

/// Setting of a statement with a text condition (see [`read_clauses`]): no sequential
/// scans, so that a broad text's `reports` are read through the GIN index's bitmap,
/// and the events of a text's ids joined to their link rows by key (for the place
/// facet of the 550 `Hoeryong` reports at 100k the planner otherwise hashed a
/// sequential scan of all of `event_places`: 16,872 buffers and 0.74 s, against
/// 25,160 buffers in memory and 0.18 s by key, which do not grow with the store).
const BITMAP_FOR_REPORTS: &str = "SET LOCAL enable_seqscan = off";

/// Ids of the first `limit` reports the `tsquery` text matches (heap order), read
/// through the GIN index's bitmap.
fn matching_ids(c: &mut Client, q: &Query, limit: u64) -> Result<Vec<String>> {
    let mut p = Params::default();
    let cond = text_match_params("r", q, &mut p);
    let sql = format!(
        "SELECT r.id FROM reports r WHERE {cond} LIMIT {}",
        p.add(i64::try_from(limit).unwrap_or(i64::MAX))
    );
    let mut tx = c.transaction()?;
    tx.batch_execute(BITMAP_ONLY)?;
    let rows = tx.query(&sql, &p.refs())?;
    tx.commit()?;
    rows.iter().map(|r| col(r, 0)).collect()
}

/// [`query_with`] for a read under `filter`: with a text filter, the settings that make
/// the planner reach matching reports through the GIN index ([`BITMAP_FOR_REPORTS`]).
pub(crate) fn query_filtered(
    c: &mut Client,
    filter: &EventFilter,
    sql: &str,
    p: &Params,
) -> Result<Vec<Row>> {
    query_with(
        c,
        filter.text.is_some().then_some(BITMAP_FOR_REPORTS),
        sql,
        p,
    )
}

/// One query of a read: its rows, in a transaction with `settings` when there are any.
pub(crate) fn query_with(
    c: &mut Client,
    settings: Option<&str>,
    sql: &str,
    p: &Params,
) -> Result<Vec<Row>> {
    let Some(settings) = settings else {
        return Ok(c.query(sql, &p.refs())?);
    };
    let mut tx = c.transaction()?;
    tx.batch_execute(settings)?;
    let rows = tx.query(sql, &p.refs())?;
    tx.commit()?;
    Ok(rows)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One report of a batch to insert.
struct NewReport<'a> {
    report: &'a Report,
    events: &'a [Event],
    version: &'a str,
}

/// Split `0..len` into ranges of at most [`CHUNK_ROWS`] items, each also under
/// [`CHUNK_BYTES`] by `size(i)`.
fn chunks(len: usize, size: impl Fn(usize) -> usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for i in 0..len {
        let s = size(i);
        if i > start && (i - start >= CHUNK_ROWS || bytes + s > CHUNK_BYTES) {
            out.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += s;
    }
    if start < len {
        out.push(start..len);
    }
    out
}

fn ingest_tx(
    tx: &mut Transaction<'_>,
    files: &[FileInput],
    shas: &[String],
    at: &str,
    terms: &counts::TermIds,
) -> Result<Vec<FileOutcome>> {
    // Originals: each distinct hash once (first path wins), in hash order.
    let mut originals: BTreeMap<&str, (&[u8], &str)> = BTreeMap::new();
    for (file, sha) in files.iter().zip(shas) {
        originals
            .entry(sha.as_str())
            .or_insert((file.original.as_slice(), file.source_path.as_str()));
    }
    let originals: Vec<(&str, (&[u8], &str))> = originals.into_iter().collect();
    let mut new_originals: HashSet<String> = HashSet::new();
    for range in chunks(originals.len(), |i| originals[i].1 .0.len()) {
        let part = &originals[range];
        let sha: Vec<&str> = part.iter().map(|o| o.0).collect();
        let bytes: Vec<&[u8]> = part.iter().map(|o| o.1 .0).collect();
        let size: Vec<i64> = part.iter().map(|o| to_i64(o.1 .0.len())).collect();
        let path: Vec<&str> = part.iter().map(|o| o.1 .1).collect();
        for row in tx.query(
            "INSERT INTO originals(sha256, bytes, size, first_path, first_seen)
             SELECT u.*, $5 FROM unnest($1::text[], $2::bytea[], $3::int8[], $4::text[]) AS u
             ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
            &[&sha, &bytes, &size, &path, &at],
        )? {
            new_originals.insert(col(&row, 0)?);
        }
    }
    // Sightings: (hash, path) with how many times the batch names it.
    let mut sightings: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for (file, sha) in files.iter().zip(shas) {
        *sightings
            .entry((sha.as_str(), file.source_path.as_str()))
            .or_insert(0) += 1;
    }
    let sightings: Vec<((&str, &str), i64)> = sightings.into_iter().collect();
    for range in chunks(sightings.len(), |_| 0) {
        let part = &sightings[range];
        let sha: Vec<&str> = part.iter().map(|s| s.0 .0).collect();
        let path: Vec<&str> = part.iter().map(|s| s.0 .1).collect();
        let times: Vec<i64> = part.iter().map(|s| s.1).collect();
        tx.execute(
            "INSERT INTO sightings(sha256, source_path, times, first_seen, last_seen)
             SELECT u.*, $4, $4 FROM unnest($1::text[], $2::text[], $3::int8[]) AS u
             ON CONFLICT (sha256, source_path)
             DO UPDATE SET last_seen = excluded.last_seen,
                           times = sightings.times + excluded.times",
            &[&sha, &path, &times, &at],
        )?;
    }
    // Reports: the first of each id, numbered in input order, inserted in id order.
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut candidates: Vec<NewReport<'_>> = Vec::new();
    for file in files {
        for (r, events) in &file.reports {
            if !first.contains_key(r.id.as_str()) {
                first.insert(r.id.as_str(), candidates.len());
                candidates.push(NewReport {
                    report: r,
                    events,
                    version: &file.extractor_version,
                });
            }
        }
    }
    let numbers = next_ids(tx, "reports", "n", candidates.len())?;
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| candidates[a].report.id.cmp(&candidates[b].report.id));
    let mut inserted: HashSet<String> = HashSet::new();
    for range in chunks(order.len(), |i| {
        let r = candidates[order[i]].report;
        2 * (r.text.len() + r.body.len())
    }) {
        let mut n = Vec::new();
        let mut id = Vec::new();
        let mut sha = Vec::new();
        let mut title = Vec::new();
        let mut outlet = Vec::new();
        let mut url = Vec::new();
        let mut published = Vec::new();
        let mut published_json = Vec::new();
        let mut language = Vec::new();
        let mut text = Vec::new();
        let mut removed = Vec::new();
        let mut body = Vec::new();
        let mut captured = Vec::new();
        let mut source = Vec::new();
        let mut item = Vec::new();
        let mut format = Vec::new();
        let mut version = Vec::new();
        let mut fts = Vec::new();
        let mut pairs = Vec::new();
        for &k in &order[range] {
            let c = &candidates[k];
            let r = c.report;
            n.push(numbers[k]);
            id.push(r.id.as_str());
            sha.push(r.original_sha256.as_str());
            title.push(r.title.as_deref());
            outlet.push(r.outlet.as_deref());
            url.push(r.url.as_deref());
            published.push(r.published.as_ref().map(|p| p.date.to_string()));
            published_json.push(match &r.published {
                Some(p) => Some(to_json(p, "report published")?),
                None => None,
            });
            language.push(r.language.as_str());
            text.push(r.text.as_str());
            removed.push(to_json(&r.removed, "report removed spans")?);
            body.push(r.body.as_str());
            captured.push(r.captured_at.as_str());
            source.push(r.source_path.as_str());
            item.push(r.item.map(to_i64));
            format.push(r.format.as_str());
            version.push(c.version);
            let (v, pr) = ts_vectors(r.title.as_deref().unwrap_or(""), &r.body);
            fts.push(v);
            pairs.push(pr);
        }
        for row in tx.query(
            "INSERT INTO reports(n, id, original_sha256, title, outlet, url, published,
                published_json, language, text, removed_json, body, captured_at, source_path,
                item, format, extracted_with, fts, ingested_at, fts_pairs)
             SELECT u.n, u.id, u.sha, u.title, u.outlet, u.url, u.published, u.pj, u.lang,
                u.text, u.removed, u.body, u.captured, u.source, u.item, u.format, u.version,
                u.fts::tsvector, $19, u.pairs::tsvector
             FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[],
                $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                $12::text[], $13::text[], $14::text[], $15::int8[], $16::text[], $17::text[],
                $18::text[], $20::text[])
                AS u(n, id, sha, title, outlet, url, published, pj, lang, text, removed, body,
                     captured, source, item, format, version, fts, pairs)
             ON CONFLICT (id) DO NOTHING RETURNING id",
            &[
                &n,
                &id,
                &sha,
                &title,
                &outlet,
                &url,
                &published,
                &published_json,
                &language,
                &text,
                &removed,
                &body,
                &captured,
                &source,
                &item,
                &format,
                &version,
                &fts,
                &at,
                &pairs,
            ],
        )? {
            inserted.insert(col(&row, 0)?);
        }
    }
    // Events of the reports this transaction inserted, and no others.
    let stored: Vec<&NewReport<'_>> = candidates
        .iter()
        .filter(|c| inserted.contains(&c.report.id))
        .collect();
    let n_events: usize = stored.iter().map(|c| c.events.len()).sum();
    let ids = next_ids(tx, "events", "id", n_events)?;
    let mut arrays = EventArrays::default();
    let mut pending = crate::counts::Delta::default();
    let mut next = ids.into_iter();
    for c in &stored {
        let published = c.report.published.as_ref().map(|p| p.date);
        for (i, e) in c.events.iter().enumerate() {
            let id = next.next().ok_or_else(|| StoreError::Corrupt {
                what: "events id sequence".into(),
                reason: "gave fewer ids than asked".into(),
            })?;
            arrays.push(
                id,
                &c.report.id,
                to_i64(i),
                c.version,
                ReviewState::Machine,
                e,
                published,
                c.report.outlet.as_deref(),
            )?;
            if arrays.len() >= CHUNK_ROWS {
                arrays.insert_with(tx, at, Some(&mut pending))?;
                arrays = EventArrays::default();
            }
        }
    }
    arrays.insert_with(tx, at, Some(&mut pending))?;
    // The batch's counts, summed over its chunks, in one statement.
    counts::write_pending(tx, &pending, terms)?;
    // Where the reports not inserted here were first read from.
    let others: Vec<&str> = candidates
        .iter()
        .filter(|c| !inserted.contains(&c.report.id))
        .map(|c| c.report.id.as_str())
        .collect();
    let mut existing: HashMap<String, String> = HashMap::new();
    if !others.is_empty() || files.iter().map(|f| f.reports.len()).sum::<usize>() > candidates.len()
    {
        let all: Vec<&str> = candidates.iter().map(|c| c.report.id.as_str()).collect();
        for row in tx.query(
            "SELECT id, source_path FROM reports WHERE id = ANY($1::text[])",
            &[&all],
        )? {
            existing.insert(col(&row, 0)?, col(&row, 1)?);
        }
    }
    let mut outcomes = Vec::with_capacity(files.len());
    let mut original_seen: HashSet<&str> = HashSet::new();
    let mut report_claimed: HashSet<&str> = HashSet::new();
    for (file, sha) in files.iter().zip(shas) {
        let original_new = new_originals.contains(sha) && original_seen.insert(sha.as_str());
        let mut reports = Vec::with_capacity(file.reports.len());
        for (r, events) in &file.reports {
            if inserted.contains(&r.id) && report_claimed.insert(r.id.as_str()) {
                reports.push(ReportOutcome::Stored {
                    id: r.id.clone(),
                    events: events.len(),
                });
            } else {
                let existing_source_path =
                    existing
                        .get(&r.id)
                        .cloned()
                        .ok_or_else(|| StoreError::Corrupt {
                            what: format!("report {}", r.id),
                            reason: "neither inserted nor found".into(),
                        })?;
                reports.push(ReportOutcome::Duplicate {
                    existing_id: r.id.clone(),
                    existing_source_path,
                });
            }
        }
        outcomes.push(FileOutcome {
            original_sha256: sha.clone(),
            original_new,
            reports,
        });
    }
    bump_data_version(tx)?;
    Ok(outcomes)
}

impl Store for PostgresStore {
    fn ingest_batch(&mut self, files: &[FileInput]) -> Result<Vec<FileOutcome>> {
        let at = now();
        let mut shas = Vec::with_capacity(files.len());
        for file in files {
            let sha = crate::prepared::checked_sha256(file)?;
            for (report, _) in &file.reports {
                check_report_text(report)?;
            }
            check_text(
                || format!("file {}", file.source_path),
                &[Some(&file.source_path)],
            )?;
            shas.push(sha);
        }
        // The count table's new terms, each in a short transaction of its own.
        let terms = counts::batch_term_ids(&mut *self.conn()?, files)?;
        self.write(|tx| ingest_tx(tx, files, &shas, &at, &terms))
    }

    fn has_original(&self, sha256: &str) -> Result<bool> {
        let sha = sha256.trim().to_ascii_lowercase();
        Ok(self
            .conn()?
            .query_opt("SELECT 1 FROM originals WHERE sha256 = $1", &[&sha])?
            .is_some())
    }

    fn original(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let sha = sha256.trim().to_ascii_lowercase();
        match self
            .conn()?
            .query_opt("SELECT bytes FROM originals WHERE sha256 = $1", &[&sha])?
        {
            Some(row) => Ok(Some(col(&row, 0)?)),
            None => Ok(None),
        }
    }

    fn original_info(&self, sha256: &str) -> Result<Option<OriginalInfo>> {
        let sha = sha256.trim().to_ascii_lowercase();
        let mut conn = self.conn()?;
        let Some(row) = conn.query_opt(
            "SELECT sha256, size, first_path, first_seen FROM originals WHERE sha256 = $1",
            &[&sha],
        )?
        else {
            return Ok(None);
        };
        let paths = conn
            .query(
                "SELECT source_path FROM sightings WHERE sha256 = $1
                 ORDER BY first_seen, source_path",
                &[&sha],
            )?
            .iter()
            .map(|r| col::<String>(r, 0))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(OriginalInfo {
            sha256: col(&row, 0)?,
            size: to_u64(col(&row, 1)?),
            first_path: col(&row, 2)?,
            first_seen: col(&row, 3)?,
            paths,
        }))
    }

    fn count_originals(&self) -> Result<u64> {
        let row = self
            .conn()?
            .query_one("SELECT count(*) FROM originals", &[])?;
        Ok(to_u64(col(&row, 0)?))
    }

    fn report(&self, id_or_prefix: &str) -> Result<Option<Report>> {
        let prefix = id_or_prefix.trim().to_ascii_lowercase();
        if prefix.is_empty() {
            return Err(StoreError::Invalid {
                what: "report id".into(),
                reason: "empty".into(),
            });
        }
        if !is_hex(&prefix) || prefix.len() > 64 {
            return Ok(None);
        }
        if prefix.len() == 64 {
            return self.load_report(&prefix);
        }
        // Hex ids sort below "g" (byte order): [prefix, prefix + "g") is the prefix's ids.
        let upper = format!("{prefix}g");
        let ids = self
            .conn()?
            .query(
                "SELECT id FROM reports WHERE id >= $1 AND id < $2 ORDER BY id LIMIT 3",
                &[&prefix, &upper],
            )?
            .iter()
            .map(|r| col::<String>(r, 0))
            .collect::<Result<Vec<_>>>()?;
        match ids.as_slice() {
            [] => Ok(None),
            [id] => self.load_report(id),
            _ => Err(StoreError::AmbiguousPrefix {
                prefix,
                candidates: ids,
            }),
        }
    }

    fn reports(&self, limit: usize, offset: usize) -> Result<Vec<ReportSummary>> {
        let rows = self.conn()?.query(
            "SELECT r.id, r.title, r.outlet, r.published, r.language, r.source_path,
                (SELECT count(*) FROM events e
                 WHERE e.report_id = r.id AND e.review_state <> 'rejected')
             FROM reports r
             ORDER BY r.published DESC NULLS LAST, r.n
             LIMIT $1 OFFSET $2",
            &[&to_i64(limit), &to_i64(offset)],
        )?;
        rows.iter()
            .map(|row| {
                let id: String = col(row, 0)?;
                let published = parse_date(col(row, 3)?, || format!("reports.published of {id}"))?;
                let language = from_word(
                    &col::<String>(row, 4)?,
                    &format!("reports.language of {id}"),
                )?;
                Ok(ReportSummary {
                    title: col(row, 1)?,
                    outlet: col(row, 2)?,
                    published,
                    language,
                    source_path: col(row, 5)?,
                    event_count: to_u64(col(row, 6)?),
                    id,
                })
            })
            .collect()
    }

    fn count_reports(&self) -> Result<u64> {
        let row = self
            .conn()?
            .query_one("SELECT count(*) FROM reports", &[])?;
        Ok(to_u64(col(&row, 0)?))
    }

    fn search(&self, query: &str, limit: usize, offset: usize) -> Result<Vec<SearchHit>> {
        Ok(self.search_listed(query, limit, offset, None)?.0)
    }

    fn search_bounded(
        &self,
        query: &str,
        limit: usize,
        offset: usize,
        candidates: usize,
    ) -> Result<RankedHits> {
        // A broad query is ranked among its newest matches only, at most
        // `RANK_CANDIDATES` of them (`Some(m)` says how many were ranked).
        let (hits, ranked_among) = self.search_listed(query, limit, offset, Some(candidates))?;
        Ok(RankedHits { hits, ranked_among })
    }

    fn count_search(&self, query: &str) -> Result<u64> {
        let Some(q) = Query::parse(query) else {
            return Ok(0);
        };
        count_matches(&mut *self.conn()?, &q)
    }

    /// Counted through the GIN index's bitmap up to `cap` matches, then no further
    /// (see [`match_count`]). A query with a phrase (or a Korean word of three or more
    /// syllables, a phrase of bigrams) is counted exactly only up to
    /// [`PHRASE_COUNT_CAP`] when `cap` is larger: the index holds no positions, so each
    /// candidate's vector is read to check the phrase (about 30 µs each), and past that
    /// the answer is "more than [`PHRASE_COUNT_CAP`]" with its estimate.
    fn count_search_upto(&self, query: &str, cap: u64) -> Result<SearchCount> {
        let Some(q) = Query::parse(query) else {
            return Ok(SearchCount::exact(0));
        };
        let cap = if q.ts_query().contains("<->") {
            cap.min(PHRASE_COUNT_CAP)
        } else {
            cap
        };
        match_count(&mut *self.conn()?, &q, cap)
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
        let mut c = self.conn()?;
        let page = listing(&mut c, filter)?;
        if page.broad {
            let lo = page.lo.as_deref();
            if let Some(events) = events_by_probe(&mut c, filter, lo, PROBE_WINDOW)? {
                return Ok(events);
            }
        }
        let rows = query_filtered(&mut c, filter, &page.sql, &page.params)?;
        rows.iter().map(stored_event).collect()
    }

    fn count_events(&self, filter: &EventFilter) -> Result<u64> {
        let mut c = self.conn()?;
        if let Some(plan) = counts::plan(&mut c, filter)? {
            return counts::count(&mut c, &plan);
        }
        drop(c);
        self.count_events_direct(filter)
    }

    fn report_events(&self, report_id: &str) -> Result<Vec<StoredEvent>> {
        let sql = format!("SELECT {EVENT_COLS} WHERE e.report_id = $1 ORDER BY e.seq, e.id");
        let id = report_id.trim().to_ascii_lowercase();
        let rows = self.conn()?.query(&sql, &[&id])?;
        rows.iter().map(stored_event).collect()
    }

    fn event(&self, event_id: i64) -> Result<Option<StoredEvent>> {
        event_by_id(&mut *self.conn()?, event_id, false)
    }

    fn stale_reports(&self, current_version: &str) -> Result<Vec<String>> {
        self.conn()?
            .query(
                "SELECT r.id FROM reports r
                 WHERE (r.extracted_with IS NULL OR r.extracted_with <> $1
                    OR EXISTS (SELECT 1 FROM events e WHERE e.report_id = r.id
                               AND e.review_state = 'machine' AND e.extractor_version <> $1))
                   AND NOT EXISTS (SELECT 1 FROM report_imports i WHERE i.report_id = r.id)
                 ORDER BY r.n",
                &[&current_version],
            )?
            .iter()
            .map(|r| col::<String>(r, 0))
            .collect()
    }

    fn replace_machine_events(
        &mut self,
        report_id: &str,
        events: &[Event],
        version: &str,
    ) -> Result<usize> {
        let at = now();
        let report_id = report_id.trim().to_ascii_lowercase();
        self.write(|tx| {
            // Locking the report row serialises replacements of the same report.
            let Some(row) = tx.query_opt(
                "SELECT published, outlet FROM reports WHERE id = $1 FOR UPDATE",
                &[&report_id],
            )?
            else {
                return Err(StoreError::NoSuchReport(report_id.clone()));
            };
            let published = parse_date(col(&row, 0)?, || {
                format!("reports.published of {report_id}")
            })?;
            let outlet: Option<String> = col(&row, 1)?;
            counts::remove_machine_of(tx, &report_id)?;
            // The link rows first (no cascade since step 9), then the events.
            for table in ["event_actors", "event_places"] {
                tx.execute(
                    &format!(
                        "DELETE FROM {table} WHERE event_id IN (SELECT id FROM events
                         WHERE report_id = $1 AND review_state = 'machine')"
                    ),
                    &[&report_id],
                )?;
            }
            tx.execute(
                "DELETE FROM events WHERE report_id = $1 AND review_state = 'machine'",
                &[&report_id],
            )?;
            let ids = next_ids(tx, "events", "id", events.len())?;
            let mut arrays = EventArrays::default();
            for (i, (e, id)) in events.iter().zip(ids).enumerate() {
                arrays.push(
                    id,
                    &report_id,
                    to_i64(i),
                    version,
                    ReviewState::Machine,
                    e,
                    published,
                    outlet.as_deref(),
                )?;
            }
            arrays.insert(tx, &at)?;
            tx.execute(
                "UPDATE reports SET extracted_with = $1 WHERE id = $2",
                &[&version, &report_id],
            )?;
            bump_data_version(tx)?;
            Ok(events.len())
        })
    }

    fn review_event(
        &mut self,
        event_id: i64,
        who: &str,
        decision: &ReviewDecision,
        note: Option<&str>,
    ) -> Result<StoredEvent> {
        let who = who.trim();
        if who.is_empty() {
            return Err(StoreError::Invalid {
                what: "reviewer".into(),
                reason: "empty name".into(),
            });
        }
        check_text(|| "review".into(), &[Some(who), note])?;
        let at = now();
        let state = decision.state();
        self.write(|tx| {
            let old = event_by_id(tx, event_id, true)?.ok_or(StoreError::NoSuchEvent(event_id))?;
            counts::adjust_ids(tx, &[event_id], -1)?;
            match decision {
                ReviewDecision::Edit(e) => {
                    let mut a = EventArrays::default();
                    a.push(
                        event_id,
                        &old.report_id,
                        0,
                        &old.extractor_version,
                        state,
                        e,
                        old.report_published,
                        None,
                    )?;
                    tx.execute(
                        "UPDATE events SET review_state = $2, event_type = $3, modality = $4,
                            negated = $5, confidence = $6, actors_json = $7, places_json = $8,
                            date_json = $9, attribution_json = $10, quantities_json = $11,
                            evidence_json = $12, eff_start = $13, eff_end = $14,
                            updated_at = $15
                         WHERE id = $1",
                        &[
                            &event_id,
                            &state.as_str(),
                            &a.types[0],
                            &a.modalities[0],
                            &a.negated[0],
                            &a.confidence[0],
                            &a.actors[0],
                            &a.places[0],
                            &a.dates[0],
                            &a.attributions[0],
                            &a.quantities[0],
                            &a.evidence[0],
                            &a.eff_start[0],
                            &a.eff_end[0],
                            &at,
                        ],
                    )?;
                    tx.execute("DELETE FROM event_actors WHERE event_id = $1", &[&event_id])?;
                    tx.execute("DELETE FROM event_places WHERE event_id = $1", &[&event_id])?;
                    let mut links = EventArrays::default();
                    links.push_links(event_id, e)?;
                    links.insert(tx, &at)?;
                }
                _ => {
                    tx.execute(
                        "UPDATE events SET review_state = $2, updated_at = $3 WHERE id = $1",
                        &[&event_id, &state.as_str(), &at],
                    )?;
                }
            }
            counts::adjust_ids(tx, &[event_id], 1)?;
            let (new, action) = crate::types::reviewed(&old, state, decision);
            let snapshot = crate::types::review_snapshot;
            tx.execute(
                "INSERT INTO audit_log(at, who, event_id, action, old_json, new_json, note)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &at,
                    &who,
                    &event_id,
                    &action,
                    &to_json(&snapshot(&old), "audit old value")?,
                    &to_json(&snapshot(&new), "audit new value")?,
                    &note,
                ],
            )?;
            bump_data_version(tx)?;
            Ok(new)
        })
    }

    fn audit_log(&self, event_id: Option<i64>) -> Result<Vec<AuditEntry>> {
        let rows = self.conn()?.query(
            "SELECT id, at, who, event_id, action, old_json, new_json, note FROM audit_log
             WHERE $1::int8 IS NULL OR event_id = $1 ORDER BY id",
            &[&event_id],
        )?;
        rows.iter()
            .map(|row| {
                let id: i64 = col(row, 0)?;
                Ok(AuditEntry {
                    at: col(row, 1)?,
                    who: col(row, 2)?,
                    event_id: col(row, 3)?,
                    action: col(row, 4)?,
                    old: from_json(col(row, 5)?, || format!("audit_log.old_json of entry {id}"))?,
                    new: from_json(col(row, 6)?, || format!("audit_log.new_json of entry {id}"))?,
                    note: col(row, 7)?,
                    id,
                })
            })
            .collect()
    }

    fn verify(&self) -> Result<VerifyOutcome> {
        let mut out = VerifyOutcome::default();
        let mut conn = self.conn()?;
        let mut tx = conn.build_transaction().read_only(true).start()?;
        // A portal reads the originals a few at a time: memory stays bounded.
        let portal = tx.bind(
            "SELECT sha256, first_path, size, bytes FROM originals ORDER BY sha256",
            &[],
        )?;
        loop {
            let rows = tx.query_portal(&portal, 16)?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                out.originals_checked += 1;
                let sha: String = col(row, 0)?;
                let size: i64 = col(row, 2)?;
                let bytes: &[u8] = col(row, 3)?;
                let actual = sha256_hex(bytes);
                let problem = if actual != sha {
                    Some(format!("content now hashes to {actual}"))
                } else if to_i64(bytes.len()) != size {
                    Some(format!("size is {} bytes, recorded {size}", bytes.len()))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    out.mismatches.push(OriginalProblem {
                        sha256: sha,
                        first_path: col(row, 1)?,
                        problem,
                    });
                }
            }
        }
        // Foreign keys are enforced by the server; check what they cannot express.
        let checks = [
            (
                "SELECT count(*) FROM reports r
                 WHERE NOT EXISTS (SELECT 1 FROM originals o WHERE o.sha256 = r.original_sha256)",
                "reports refer to a missing original",
            ),
            (
                "SELECT count(*) FROM events e WHERE e.review_state NOT IN
                   ('machine', 'confirmed', 'rejected', 'edited')",
                "events have an unknown review state",
            ),
        ];
        for (sql, what) in checks {
            let n: i64 = col(&tx.query_one(sql, &[])?, 0)?;
            if n > 0 {
                out.integrity_problems.push(format!("{n} {what}"));
            }
        }
        tx.commit()?;
        Ok(out)
    }

    fn schema_version(&self) -> Result<u32> {
        let row = self
            .conn()?
            .query_one("SELECT version FROM schema_version", &[])?;
        Ok(u32::try_from(col::<i32>(&row, 0)?).unwrap_or(0))
    }

    fn facet_counts(
        &self,
        filter: &EventFilter,
        facet: Facet,
        limit: usize,
    ) -> Result<Vec<FacetCount>> {
        let mut c = self.conn()?;
        if let Some(plan) = counts::plan(&mut c, filter)? {
            if let Some(rows) = counts::facet(&mut c, &plan, facet, limit)? {
                return Ok(rows);
            }
        }
        facets::facet_counts(&mut c, filter, facet, limit)
    }

    /// The facets the count table holds are read from it; two or more others, under a
    /// filter, are counted together over the filter's events found once
    /// ([`facets::facet_counts_shared`]).
    fn facet_counts_many(
        &self,
        filter: &EventFilter,
        facets: &[Facet],
        limit: usize,
    ) -> Result<Vec<Vec<FacetCount>>> {
        let mut c = self.conn()?;
        let plan = counts::plan(&mut c, filter)?;
        let mut out: Vec<Option<Vec<FacetCount>>> = vec![None; facets.len()];
        let mut direct = Vec::new();
        for (i, &f) in facets.iter().enumerate() {
            if let Some(plan) = &plan {
                if let Some(rows) = counts::facet(&mut c, plan, f, limit)? {
                    out[i] = Some(rows);
                    continue;
                }
            }
            direct.push(i);
        }
        let mut p = Params::default();
        let shared = direct.len() >= 2 && !filter_clauses(filter, &mut p).is_empty();
        if shared {
            let which: Vec<Facet> = direct.iter().map(|&i| facets[i]).collect();
            let counted = facets::facet_counts_shared(&mut c, filter, &which, limit)?;
            for (i, rows) in direct.into_iter().zip(counted) {
                out[i] = Some(rows);
            }
        } else {
            for i in direct {
                out[i] = Some(facets::facet_counts(&mut c, filter, facets[i], limit)?);
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }

    fn month_counts(&self, filter: &EventFilter) -> Result<Vec<MonthCount>> {
        let mut c = self.conn()?;
        if let Some(plan) = counts::plan(&mut c, filter)? {
            if let Some(rows) = counts::months(&mut c, &plan)? {
                return Ok(rows);
            }
        }
        facets::month_counts(&mut c, filter)
    }

    fn put_user(&mut self, name: &str, role: Role, password_hash: &str) -> Result<()> {
        accounts::put_user(&mut *self.conn()?, name, role, password_hash, &now())
    }

    fn user(&self, name: &str) -> Result<Option<User>> {
        accounts::user(&mut *self.conn()?, name)
    }

    fn users(&self) -> Result<Vec<User>> {
        accounts::users(&mut *self.conn()?)
    }

    fn create_session(
        &mut self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        accounts::create_session(
            &mut *self.conn()?,
            token_hash,
            user,
            csrf,
            expires_at,
            &now(),
        )
    }

    fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        accounts::session(&mut *self.conn()?, token_hash, &now())
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        accounts::delete_session(&mut *self.conn()?, token_hash, &now())
    }

    fn create_api_token(&mut self, token_hash: &str, name: &str, role: Role) -> Result<()> {
        accounts::create_api_token(&mut *self.conn()?, token_hash, name, role, &now())
    }

    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        accounts::api_token(&mut *self.conn()?, token_hash)
    }

    fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        accounts::api_tokens(&mut *self.conn()?)
    }

    fn delete_api_token(&mut self, name: &str) -> Result<bool> {
        accounts::delete_api_token(&mut *self.conn()?, name)
    }

    fn setting(&self, key: &str) -> Result<Option<String>> {
        accounts::setting(&mut *self.conn()?, key)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        accounts::set_setting(&mut *self.conn()?, key, value)
    }

    fn data_version(&self) -> Result<u64> {
        let row = self
            .conn()?
            .query_one("SELECT value FROM data_version", &[])?;
        Ok(to_u64(col(&row, 0)?))
    }

    // ---- Incidents (postgres/incidents.rs).

    fn for_each_incident_input(
        &self,
        reports: Option<&[String]>,
        f: &mut dyn FnMut(crate::IncidentInput) -> Result<()>,
    ) -> Result<u64> {
        incidents::for_each_incident_input(self, reports, f)
    }

    fn replace_incidents(&mut self, set: &crate::IncidentSet) -> Result<()> {
        let at = now();
        self.write(|tx| incidents::replace_incidents(tx, set, &at))
    }

    fn incident_state(&self) -> Result<Option<crate::IncidentState>> {
        incidents::incident_state(&mut *self.conn()?)
    }

    fn incidents(&self, filter: &crate::IncidentFilter) -> Result<Vec<crate::IncidentSummary>> {
        incidents::incidents(&mut *self.conn()?, filter)
    }

    fn count_incidents(&self, filter: &crate::IncidentFilter) -> Result<u64> {
        incidents::count_incidents(&mut *self.conn()?, filter)
    }

    fn incident(&self, id: &str) -> Result<Option<crate::IncidentDetail>> {
        incidents::incident(&mut *self.conn()?, id)
    }

    fn incident_of_event(&self, event_id: i64) -> Result<Option<String>> {
        incidents::incident_of_event(&mut *self.conn()?, event_id)
    }

    fn duplicate_links(&self) -> Result<Vec<crate::DuplicateOf>> {
        incidents::duplicate_links(&mut *self.conn()?)
    }

    fn add_incident_pin(
        &mut self,
        pin: &crate::NewIncidentPin,
        who: &str,
    ) -> Result<crate::IncidentPin> {
        let who = who.trim();
        incidents::check_pin(pin, who)?;
        let mut texts: Vec<Option<&str>> = vec![Some(who), pin.note.as_deref()];
        texts.extend(pin.keys.iter().chain(&pin.others).map(|k| Some(k.as_str())));
        check_text(|| "incident pin".into(), &texts)?;
        let at = now();
        let id = self.write(|tx| incidents::add_incident_pin(tx, pin, who, &at))?;
        Ok(pin.stored(id, &at, who))
    }

    fn incident_pins(&self) -> Result<Vec<crate::IncidentPin>> {
        incidents::incident_pins(&mut *self.conn()?)
    }

    fn incident_delta(
        &self,
        since: Option<&crate::IncidentWatermark>,
    ) -> Result<crate::IncidentDelta> {
        incidents::incident_delta(&mut *self.conn()?, since)
    }

    fn incident_lookup(&self, lookup: &crate::IncidentLookup) -> Result<Vec<String>> {
        incidents::incident_lookup(&mut *self.conn()?, lookup)
    }

    fn copy_links_of(&self, reports: &[String]) -> Result<Vec<crate::DuplicateOf>> {
        incidents::copy_links_of(&mut *self.conn()?, reports)
    }

    // ---- Interop (postgres/interop.rs).

    fn for_each_event(
        &self,
        filter: &EventFilter,
        f: &mut dyn FnMut(crate::EventRecord) -> Result<()>,
    ) -> Result<u64> {
        interop::for_each_event(&mut *self.conn()?, filter, f)
    }

    fn import_reports(&mut self, reports: &[crate::ImportReport]) -> Result<crate::ImportOutcome> {
        let at = now();
        for item in reports {
            check_report_text(&item.report)?;
        }
        self.write(|tx| interop::import_reports(tx, reports, &at))
    }

    fn feed_state(&self, url: &str) -> Result<Option<crate::FeedState>> {
        interop::feed_state(&mut *self.conn()?, url)
    }

    fn set_feed_state(&mut self, state: &crate::FeedState) -> Result<()> {
        interop::set_feed_state(&mut *self.conn()?, state)
    }

    fn save_alert(&mut self, name: &str, query: &crate::AlertQuery) -> Result<crate::Alert> {
        interop::save_alert(&mut *self.conn()?, name, query, &now())
    }

    fn alerts(&self) -> Result<Vec<crate::Alert>> {
        interop::alerts(&mut *self.conn()?)
    }

    fn delete_alert(&mut self, name: &str) -> Result<bool> {
        interop::delete_alert(&mut *self.conn()?, name)
    }

    fn mark_alert_checked(&mut self, name: &str, last_event_id: i64) -> Result<()> {
        interop::mark_alert_checked(&mut *self.conn()?, name, last_event_id, &now())
    }

    fn events_after(
        &self,
        filter: &EventFilter,
        after_id: i64,
        newest: usize,
    ) -> Result<(u64, Vec<StoredEvent>)> {
        // An id range on the primary key: cheap when few events are new.
        let mut p = Params::default();
        let mut clauses = filter_clauses(filter, &mut p);
        clauses.push(format!("e.id > {}", p.add(after_id)));
        clauses.push("e.review_state <> 'rejected'".into());
        let where_sql = where_sql(&clauses);
        let mut conn = self.conn()?;
        let count: i64 = col(
            &conn.query_one(
                &format!("SELECT count(*) FROM events e{where_sql}"),
                &p.refs(),
            )?,
            0,
        )?;
        let limit = p.add(to_i64(newest));
        let sql = format!(
            "SELECT {EVENT_COLS} WHERE e.id IN (
                SELECT e.id FROM events e{where_sql} ORDER BY e.id DESC LIMIT {limit})
             ORDER BY e.id DESC"
        );
        let rows = conn.query(&sql, &p.refs())?;
        let events = rows.iter().map(stored_event).collect::<Result<Vec<_>>>()?;
        Ok((to_u64(count), events))
    }
}

/// Refuse a report whose text PostgreSQL cannot hold.
/// Number of reports matching a `tsquery` (a bitmap of the GIN index's posting lists
/// and a visit of the matching rows, without reading their vectors unless the query
/// needs positions, as a phrase does). Sequential and index scans are turned off for
/// it: the planner does not count the reading of each row's out-of-line vector, so
/// for a word in about half of the reports it chose a sequential scan that reads
/// every report's vector (at 100k reports: 438k buffers and 6.4 s for `river`,
/// against about 12k buffers for the bitmap; BENCHMARKS.md, pgq).
fn count_matches(c: &mut Client, q: &Query) -> Result<u64> {
    let mut p = Params::default();
    let sql = format!(
        "SELECT count(*) FROM reports r WHERE {}",
        text_match_params("r", q, &mut p)
    );
    let mut tx = c.transaction()?;
    tx.batch_execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")?;
    let row = tx.query_one(&sql, &p.refs())?;
    let n = to_u64(col(&row, 0)?);
    tx.commit()?;
    Ok(n)
}

/// Matches of a query with a phrase counted exactly at most by
/// [`Store::count_search_upto`]: each is checked against its report's vector (the GIN
/// indexes have no positions), about 30 µs each warm, 45 µs under load; past it the
/// count is an estimate. 1,000 (2,000 before branch pgq7) keeps the search page's
/// phrase count near 50 ms.
const PHRASE_COUNT_CAP: u64 = 1_000;

/// Settings of a statement that reads the matches of a full-text query through the GIN
/// index: its bitmap, whatever the planner estimates (see [`count_matches`]), in one
/// process (a parallel scan only adds start-up work to a bounded read, and visits the
/// heap in no fixed order), with room for an exact bitmap of a word in every heap page
/// of a few million reports: past `work_mem` (4 MB by default, about 65,000 pages,
/// some 600,000 reports) the bitmap turns lossy and every row of a lossy page is
/// rechecked against its vector, which a `LIMIT` no longer bounds in heap pages.
const BITMAP_ONLY: &str = "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off;
     SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '32MB'";

/// The number of reports the `tsquery` text matches, counted exactly up to `cap`, as
/// SQLite's `match_count`: the first `cap + 1` matches of the index's bitmap in heap
/// order (about the order of storage), then no further, whatever the number of
/// matches; a phrase is rechecked against those rows' vectors only. Past the cap, the
/// estimate assumes the matches are spread over the reports' numbers (`n`, in storage
/// order) as densely as among those counted: matches × (span of all numbers) / (span
/// of theirs).
fn match_count(c: &mut Client, q: &Query, cap: u64) -> Result<SearchCount> {
    let MatchSample { found, lo, hi } =
        match_sample(c, q, cap.min(i64::MAX as u64 - 1) + 1, false)?;
    if found <= cap {
        return Ok(SearchCount::exact(found));
    }
    let all = c.query_one("SELECT min(n), max(n) FROM reports", &[])?;
    let (first, last): (Option<i64>, Option<i64>) = (col(&all, 0)?, col(&all, 1)?);
    let estimate = match (lo, hi, first, last) {
        (Some(lo), Some(hi), Some(first), Some(last)) if hi >= lo && last >= first => {
            let span = (hi - lo + 1) as f64;
            let total = (last - first + 1) as f64;
            Some(((found as f64 * total / span).round() as u64).max(found))
        }
        _ => None,
    };
    Ok(SearchCount {
        count: cap,
        exact: false,
        estimate,
    })
}

/// Events of a broad text filter walked per event by [`events_by_probe`] at most
/// before it gives up for the exact listing through the index.
const PROBE_WINDOW: usize = 2_000;

/// Rows fetched from the walk at a time.
const PROBE_BATCH: i32 = 64;

/// The statement [`Store::events`] lists a page with through the listing's index order,
/// with its parameters; `broad` when its text filter is broad (the page is then first
/// tried by [`events_by_probe`], from `lo`).
struct Listing {
    sql: String,
    params: Params,
    broad: bool,
    lo: Option<String>,
}

/// The [`Listing`] of `filter` (runs the text's id lookup and the longest-span read).
fn listing(c: &mut Client, filter: &EventFilter) -> Result<Listing> {
    let mut p = Params::default();
    let (mut clauses, broad) = read_clauses(c, filter, &mut p)?;
    // `from` bounds `eff_end`, which the listing indexes hold after `id` (step 14: the
    // condition is tested on their entries) but do not order by: bound `eff_start` too,
    // so that the index range starts there instead of at the first event.
    let lo = counts::earliest_start(c, filter)?;
    if let Some(lo) = &lo {
        clauses.push(format!("e.eff_start >= {}", p.add(lo.clone())));
    }
    let limit = p.add(filter.limit.map(to_i64));
    let offset = p.add(to_i64(filter.offset));
    // Pick the page's ids first (ordering only index keys), then read those rows.
    // The events of a text resolved to its reports' ids are found by report and
    // sorted (`OFFSET 0` keeps the planner from walking the whole listing order for
    // them, as it did for the 56 `Hoeryong` reports at 10k: 7,195 events read for
    // 25, and ten times as many at ten times the reports).
    let from = if filter.text.is_some() && !broad {
        format!(
            "(SELECT e.id, e.eff_start FROM events e{} OFFSET 0) e",
            where_sql(&clauses)
        )
    } else {
        format!("events e{}", where_sql(&clauses))
    };
    let sql = format!(
        "SELECT {EVENT_COLS} WHERE e.id IN (
            SELECT e.id FROM {from}
            ORDER BY e.eff_start, e.id LIMIT {limit} OFFSET {offset})
         ORDER BY e.eff_start, e.id"
    );
    Ok(Listing {
        sql,
        params: p,
        broad,
        lo,
    })
}

/// One page of a listing whose text matches many reports (as SQLite's
/// `events_by_probe`): walk the events of the other filters in listing order (an index,
/// no sort) and test, per event, its report's vector against the query (one row by its
/// key), stopping as soon as the page is full. The cost follows the events walked, not
/// the number of matching reports. `None` when the first `window` events did not fill
/// the page (matches too sparse in listing order) or the listing has no limit: the
/// caller then lists through the index. Exact either way.
fn events_by_probe(
    c: &mut Client,
    filter: &EventFilter,
    lo: Option<&str>,
    window: usize,
) -> Result<Option<Vec<StoredEvent>>> {
    let Some((q, limit, rest)) = Query::split_listing(filter) else {
        return Ok(None);
    };
    let mut p = Params::default();
    let test = text_match_params("r", &q, &mut p);
    let mut clauses = filter_clauses(&rest, &mut p);
    if let Some(lo) = lo {
        clauses.push(format!("e.eff_start >= {}", p.add(lo.to_string())));
    }
    let sql = format!(
        "SELECT e.id, (SELECT {test} FROM reports r WHERE r.id = e.report_id)
         FROM events e{} ORDER BY e.eff_start, e.id LIMIT {}",
        where_sql(&clauses),
        p.add(to_i64(window))
    );
    let want = filter.offset.saturating_add(limit);
    let mut ids: Vec<i64> = Vec::new();
    let mut walked = 0usize;
    {
        let mut tx = c.transaction()?;
        let portal = tx.bind(sql.as_str(), &p.refs())?;
        'walk: while ids.len() < want {
            let rows = tx.query_portal(&portal, PROBE_BATCH)?;
            for row in &rows {
                walked += 1;
                if col::<Option<bool>>(row, 1)? == Some(true) {
                    ids.push(col(row, 0)?);
                    if ids.len() >= want {
                        break 'walk;
                    }
                }
            }
            if rows.len() < PROBE_BATCH as usize {
                break;
            }
        }
        tx.commit()?;
    }
    if ids.len() < want && walked >= window {
        return Ok(None);
    }
    let page: Vec<i64> = ids.into_iter().skip(filter.offset).collect();
    if page.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let sql = format!("SELECT {EVENT_COLS} WHERE e.id = ANY($1) ORDER BY e.eff_start, e.id");
    let rows = c.query(&sql, &[&page])?;
    rows.iter()
        .map(stored_event)
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

pub(crate) fn check_report_text(r: &Report) -> Result<()> {
    check_text(
        || format!("report {} from {}", r.id, r.source_path),
        &[
            Some(&r.id),
            r.title.as_deref(),
            r.outlet.as_deref(),
            r.url.as_deref(),
            Some(&r.text),
            Some(&r.body),
            Some(&r.captured_at),
            Some(&r.source_path),
            Some(&r.format),
        ],
    )
}

impl PostgresStore {
    /// The hits of [`Store::search`] (`candidates` `None`) or
    /// [`Store::search_bounded`], and what was ranked: `None` every match, `Some(0)`
    /// none (a broad query listed newest first, unranked), `Some(m)` the `m` most
    /// recently stored matches.
    fn search_listed(
        &self,
        query: &str,
        limit: usize,
        offset: usize,
        candidates: Option<usize>,
    ) -> Result<(Vec<SearchHit>, Option<u64>)> {
        let Some(q) = Query::parse(query) else {
            return Ok((Vec::new(), None));
        };
        let ts = q.ts_query();
        let pairs = q.ts_pairs_query();
        let mut c = self.conn()?;
        // Ranking reads every ranked match's vector (out of line, compressed): hundreds
        // of ms for a word in most reports. A broad query (the same threshold as the
        // search page's) is either ranked among its newest matches only (bounded
        // search), or listed newest first, unranked (score 0), which the
        // `reports_listing` index gives after reading a few rows per hit.
        // A phrase is broad by its candidates (see `match_sample`): deciding by its
        // matches read each of the first 1,001 candidates' vectors (4,700 buffers, 147
        // ms at 100k under load), for the choice alone. A phrase with fewer matches than
        // the threshold but more candidates (rare: the candidates hold all its pairs)
        // is then listed newest first rather than ranked; every hit is still a match.
        // A bounded search first walks the newest reports (see `walk_newest`): when the
        // query's matches are dense there, its candidates and the broad decision come
        // from that walk, without a bitmap of every match in the GIN index (whose
        // building grows with the store: 218,000 entries for `river` at 456k reports).
        let k = candidates.map_or(0, |k| k.min(RANK_CANDIDATES));
        let mut dense = None;
        if k > 0 {
            match walk_newest(&mut c, &q, k)? {
                Walk::Sparse => {}
                Walk::All(found) => {
                    let broad = found.len() as u64 > BROAD_TEXT_REPORTS;
                    let among = broad.then_some(found.len() as u64);
                    return ranked_page(&mut c, &q, found, limit, offset).map(|h| (h, among));
                }
                Walk::Newest { found, below, top } => {
                    if broad_below(&mut c, &q, found.len() as u64, below, top)? {
                        let among = Some(found.len() as u64);
                        return ranked_page(&mut c, &q, found, limit, offset).map(|h| (h, among));
                    }
                }
                Walk::Broad { density } => dense = Some(density),
            }
        }
        let sample = match dense {
            // Broad by the walk: the sample is used only for its density.
            Some(density) => MatchSample::of_density(density),
            None => match_sample(&mut c, &q, BROAD_TEXT_REPORTS + 1, true)?,
        };
        let rows = if sample.found <= BROAD_TEXT_REPORTS {
            let cond = text_match(
                "r",
                "q.q",
                pairs.is_some().then_some("CAST($4 AS text)::tsquery"),
            );
            let sql = format!(
                "SELECT r.id, r.title, r.published, r.body, {RANK}::float8 AS score
                 FROM reports r, (SELECT CAST($1 AS text)::tsquery AS q) q
                 WHERE {cond}
                 ORDER BY score DESC, r.n
                 LIMIT $2 OFFSET $3"
            );
            let (limit, offset) = (to_i64(limit), to_i64(offset));
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&ts, &limit, &offset];
            if let Some(pq) = &pairs {
                params.push(pq);
            }
            let rows = c.query(&sql, &params)?;
            return hits_of(&q, &rows).map(|h| (h, None));
        } else {
            let newest = if k > 0 && dense.is_none() {
                newest_matches(&mut c, &q, k, &sample)?
            } else {
                Vec::new()
            };
            if !newest.is_empty() {
                let sql = format!(
                    "SELECT r.id, r.title, r.published, r.body, {RANK}::float8 AS score
                     FROM reports r, (SELECT CAST($1 AS text)::tsquery AS q) q
                     WHERE r.n = ANY($4)
                     ORDER BY score DESC, r.n
                     LIMIT $2 OFFSET $3"
                );
                let rows = c.query(&sql, &[&ts, &to_i64(limit), &to_i64(offset), &newest])?;
                return hits_of(&q, &rows).map(|h| (h, Some(newest.len() as u64)));
            }
            let mut p = Params::default();
            let cond = text_match_params("r", &q, &mut p);
            let sql = format!(
                "SELECT r.id, r.title, r.published, r.body, 0::float8 AS score
                 FROM reports r
                 WHERE {cond}
                 ORDER BY r.published DESC NULLS LAST, r.n
                 LIMIT {} OFFSET {}",
                p.add(to_i64(limit)),
                p.add(to_i64(offset))
            );
            // Walking the listing index tests each report's vector (about 30 µs): for
            // matches sparser than that walk can afford, sort the matches of the GIN
            // bitmap instead (their heap rows only, no vector read; `Hoeryong`, one
            // report in 170: 2,325 vectors walked for 20 hits at 456k reports, 3.2 s
            // cold, against a bitmap of 2,800 entries).
            if sample.density() * (LISTING_WALK_ROWS as f64) < (offset + limit) as f64 {
                let mut tx = c.transaction()?;
                tx.batch_execute(BITMAP_ONLY)?;
                let rows = tx.query(&sql, &p.refs())?;
                tx.commit()?;
                rows
            } else {
                c.query(&sql, &p.refs())?
            }
        };
        hits_of(&q, &rows).map(|h| (h, Some(0)))
    }
}

/// Reports whose vectors the unranked listing of a broad query may test in listing
/// order for its page, at the density of its sample; past it the page is sorted from
/// the query's bitmap.
const LISTING_WALK_ROWS: usize = 1_000;

/// Reports of a store at most (by the largest report number) whose bounded search
/// makes sure a query is broad (more than [`BROAD_TEXT_REPORTS`] matches) by counting
/// the matches below the walk of [`walk_newest`] through the GIN index, a bitmap of at
/// most this many entries; in a larger store a query matching one report in four
/// among the newest is taken as broad (it would have about 5,000 matches or more).
const WALK_SMALL_STORE: i64 = 20_000;

/// Reports walked in the first fetch of [`walk_newest`], and in each later one.
const WALK_FIRST: i32 = 64;
const WALK_BATCH: i32 = 256;

/// What [`walk_newest`] found.
enum Walk {
    /// Too few matches among the newest reports to tell: ask the GIN index.
    Sparse,
    /// Every report walked: all the matches (report number, rank), newest first.
    All(Vec<(i64, f64)>),
    /// The `k` most recently stored matches (fewer when the window ended first), newest
    /// first; `below` is the number of the oldest report walked (older ones were not),
    /// `top` the newest's (the largest number).
    Newest {
        found: Vec<(i64, f64)>,
        below: i64,
        top: i64,
    },
    /// Matches too sparse among the newest reports for the `k` candidates, but dense
    /// enough in a large store to be broad: about `density` of the reports match.
    Broad { density: f64 },
}

/// The newest reports walked by their numbers downward (the primary key, no bitmap),
/// each one's vector tested against the query and the matches ranked, until `k`
/// matches are found or [`RANK_WINDOW`] reports walked (then the fewer found are the
/// candidates). The cost follows the reports walked, not the store: a word in half of
/// the reports finds 500 candidates in about 1,000 vectors. Gives up after the first
/// fetch ([`WALK_FIRST`] reports) when its density could not give `k` matches within
/// the window; never later, so no walk is wasted.
fn walk_newest(c: &mut Client, q: &Query, k: usize) -> Result<Walk> {
    let ts = q.ts_query();
    // `fts @@ q` is the match itself (the pairs only narrow an index read).
    let sql = format!(
        "SELECT r.n, CASE WHEN r.fts @@ q.q THEN {RANK}::float8 END
         FROM reports r, (SELECT CAST($1 AS text)::tsquery AS q) q
         ORDER BY r.n DESC LIMIT {RANK_WINDOW}"
    );
    let mut found: Vec<(i64, f64)> = Vec::new();
    let mut walked = 0usize;
    let mut first_n: Option<i64> = None;
    let mut last_n = 0i64;
    let mut tx = c.transaction()?;
    tx.batch_execute(
        "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
         SET LOCAL max_parallel_workers_per_gather = 0",
    )?;
    let portal = tx.bind(sql.as_str(), &[&ts])?;
    let mut batch = WALK_FIRST;
    let walk = loop {
        let rows = tx.query_portal(&portal, batch)?;
        for row in &rows {
            let n: i64 = col(row, 0)?;
            first_n.get_or_insert(n);
            last_n = n;
            walked += 1;
            if let Some(score) = col::<Option<f64>>(row, 1)? {
                found.push((n, score));
                if found.len() >= k {
                    break;
                }
            }
        }
        if found.len() >= k {
            break Walk::Newest {
                found,
                below: last_n,
                top: first_n.unwrap_or(0),
            };
        }
        if rows.len() < batch as usize && (walked as i64) < RANK_WINDOW {
            break Walk::All(found);
        }
        if rows.len() < batch as usize || walked as i64 >= RANK_WINDOW {
            // The window walked (the first fetch was dense enough to go on): fewer than
            // `k` matches, all ranked (`ranked_among` says how many).
            if found.is_empty() {
                break Walk::Sparse;
            }
            break Walk::Newest {
                found,
                below: last_n,
                top: first_n.unwrap_or(0),
            };
        }
        // After the first fetch only (later ones would waste the walk so far): at this
        // density, `k` matches need more than the window.
        if batch == WALK_FIRST && (found.len() as i64) * RANK_WINDOW < (k as i64) * (walked as i64)
        {
            let density = found.len() as f64 / walked as f64;
            let store = first_n.unwrap_or(0) as f64;
            // Broad beyond reasonable doubt: 8 matches or more seen, and about ten
            // times the threshold expected in the store.
            if found.len() >= 8 && density * store >= 10.0 * BROAD_TEXT_REPORTS as f64 {
                break Walk::Broad { density };
            }
            break Walk::Sparse;
        }
        batch = WALK_BATCH;
    };
    drop(portal);
    tx.commit()?;
    Ok(walk)
}

/// Whether a query whose newest `found` matches lie at or above report number `below`
/// has more than [`BROAD_TEXT_REPORTS`] matches: in a store of at most
/// [`WALK_SMALL_STORE`] reports (`top`, the largest report number) counted through the
/// GIN index below `below` (as many as needed, a small bitmap), in a larger one taken as
/// so (see [`WALK_SMALL_STORE`]). (`top` comes from the walk: `max(n)` read under
/// concurrent ingest cost 2,000 buffers at 770k reports.)
fn broad_below(c: &mut Client, q: &Query, found: u64, below: i64, top: i64) -> Result<bool> {
    if found > BROAD_TEXT_REPORTS || top > WALK_SMALL_STORE {
        return Ok(true);
    }
    let need = BROAD_TEXT_REPORTS + 1 - found;
    let mut p = Params::default();
    let cond = text_match_params("r", q, &mut p);
    let sql = format!(
        "SELECT count(*) FROM (SELECT FROM reports r WHERE {cond} AND r.n < {} LIMIT {}) s",
        p.add(below),
        p.add(to_i64(need as usize))
    );
    let mut tx = c.transaction()?;
    tx.batch_execute(BITMAP_ONLY)?;
    let row = tx.query_one(&sql, &p.refs())?;
    tx.commit()?;
    Ok(to_u64(col(&row, 0)?) >= need)
}

/// A page of hits from ranked matches (report number, rank): best first, then by
/// report number, as the ranked query orders them.
fn ranked_page(
    c: &mut Client,
    q: &Query,
    mut found: Vec<(i64, f64)>,
    limit: usize,
    offset: usize,
) -> Result<Vec<SearchHit>> {
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let page: Vec<(i64, f64)> = found.into_iter().skip(offset).take(limit).collect();
    if page.is_empty() {
        return Ok(Vec::new());
    }
    let ns: Vec<i64> = page.iter().map(|p| p.0).collect();
    let scores: Vec<f64> = page.iter().map(|p| p.1).collect();
    let rows = c.query(
        "SELECT r.id, r.title, r.published, r.body, u.score
         FROM unnest($1::bigint[], $2::float8[]) WITH ORDINALITY u(n, score, o)
         JOIN reports r ON r.n = u.n
         ORDER BY u.o",
        &[&ns, &scores],
    )?;
    hits_of(q, &rows)
}

/// Matches of a broad query ranked at most by [`Store::search_bounded`] on PostgreSQL
/// (whatever the candidates asked for): each ranked match's vector is read, about
/// 30 µs each.
const RANK_CANDIDATES: usize = 500;

/// Most recent reports a bounded ranking looks at for its candidates: the planner
/// reads them by their key and tests each one's vector (it does not know what that
/// costs, so it seldom combines the key range with the GIN index), so a query whose
/// candidates would need more (matches sparser than about one report in three) is
/// listed newest first instead, unranked.
const RANK_WINDOW: i64 = 2_000;

/// The first `limit` matches of a `tsquery` text in heap order (about the order of
/// storage), through the GIN index's bitmap: how many (at most `limit`) and the span of
/// their report numbers.
struct MatchSample {
    found: u64,
    lo: Option<i64>,
    hi: Option<i64>,
}

impl MatchSample {
    /// A stand-in for a broad query's sample known only by its density (matches per
    /// report number).
    fn of_density(density: f64) -> MatchSample {
        let found = BROAD_TEXT_REPORTS + 1;
        MatchSample {
            found,
            lo: Some(1),
            hi: Some((found as f64 / density.max(1e-6)).ceil() as i64),
        }
    }

    /// Matches per report number among those sampled (1 when nothing is known).
    fn density(&self) -> f64 {
        match (self.lo, self.hi) {
            (Some(lo), Some(hi)) if hi >= lo => {
                (self.found as f64 / (hi - lo + 1) as f64).clamp(f64::MIN_POSITIVE, 1.0)
            }
            _ => 1.0,
        }
    }
}

/// With `candidates`, a query with phrases samples its candidates instead: the reports
/// holding its pairs of words (schema step 12), read from the GIN index of the pairs
/// alone, no report's vector read; as many as its matches or more (equal for phrases
/// of two words).
fn match_sample(c: &mut Client, q: &Query, limit: u64, candidates: bool) -> Result<MatchSample> {
    let mut p = Params::default();
    let cond = match q.ts_pairs_query().filter(|_| candidates) {
        Some(pq) => format!("r.fts_pairs @@ CAST({} AS text)::tsquery", p.add(pq)),
        None => text_match_params("r", q, &mut p),
    };
    let sql = format!(
        "SELECT count(*), min(n), max(n) FROM (SELECT r.n FROM reports r
                                WHERE {cond} LIMIT {}) s",
        p.add(i64::try_from(limit).unwrap_or(i64::MAX))
    );
    let mut tx = c.transaction()?;
    tx.batch_execute(BITMAP_ONLY)?;
    let row = tx.query_one(&sql, &p.refs())?;
    tx.commit()?;
    Ok(MatchSample {
        found: to_u64(col(&row, 0)?),
        lo: col(&row, 1)?,
        hi: col(&row, 2)?,
    })
}

/// Report numbers of the `k` most recently stored matches of a broad query (fewer when
/// fewer match among the most recent reports): the matches among the last reports, as
/// many as should hold about 1.5 `k` of them at the density of `sample`, newest first.
/// None when that is more than [`RANK_WINDOW`] reports.
fn newest_matches(c: &mut Client, q: &Query, k: usize, sample: &MatchSample) -> Result<Vec<i64>> {
    let (Some(lo), Some(hi)) = (sample.lo, sample.hi) else {
        return Ok(Vec::new());
    };
    let span = (hi - lo + 1).max(1) as f64;
    let density = (sample.found as f64 / span).clamp(f64::MIN_POSITIVE, 1.0);
    let window = (1.5 * k as f64 / density).ceil().min(i64::MAX as f64 / 2.0) as i64;
    if window > RANK_WINDOW {
        return Ok(Vec::new());
    }
    let last: Option<i64> = col(&c.query_one("SELECT max(n) FROM reports", &[])?, 0)?;
    let from = last.unwrap_or(0).saturating_sub(window);
    let mut p = Params::default();
    let cond = text_match_params("r", q, &mut p);
    let sql = format!(
        "SELECT r.n FROM reports r WHERE {cond} AND r.n > {} ORDER BY r.n DESC LIMIT {}",
        p.add(from),
        p.add(to_i64(k))
    );
    let mut tx = c.transaction()?;
    tx.batch_execute(BITMAP_ONLY)?;
    let rows = tx.query(&sql, &p.refs())?;
    tx.commit()?;
    rows.iter().map(|r| col(r, 0)).collect()
}

/// Search hits of rows (id, title, published, body, score), snippets made from the body.
fn hits_of(q: &Query, rows: &[Row]) -> Result<Vec<SearchHit>> {
    rows.iter()
        .map(|row| {
            let report_id: String = col(row, 0)?;
            let published =
                parse_date(col(row, 2)?, || format!("reports.published of {report_id}"))?;
            let body: &str = col(row, 3)?;
            Ok(SearchHit {
                snippet: q.snippet(body, SNIPPET_WIDTH),
                title: col(row, 1)?,
                published,
                score: col(row, 4)?,
                report_id,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://ana:secret@db:5432/lantern"),
            "postgres://ana:***@db:5432/lantern"
        );
        assert_eq!(
            redact_url("postgres://ana@db/lantern"),
            "postgres://ana@db/lantern"
        );
        assert_eq!(redact_url("host=/tmp user=x"), "host=/tmp user=x");
        assert_eq!(
            redact_url("host=db password=secret user=x"),
            "host=db password=*** user=x"
        );
    }

    #[test]
    fn chunks_split_by_rows_and_bytes() {
        assert_eq!(chunks(0, |_| 0), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(chunks(3, |_| 1), vec![0..3]);
        assert_eq!(chunks(3, |_| CHUNK_BYTES), vec![0..1, 1..2, 2..3]);
        assert_eq!(chunks(CHUNK_ROWS + 1, |_| 0).len(), 2);
    }
}
