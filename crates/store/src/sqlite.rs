//! The embedded SQLite implementation of [`Store`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use lantern_extract::{Event, EventType};
use lantern_ingest::{sha256_hex, Language, Published, Report};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::prepared::{EventColumns, FileRows, PreparedFile};
use crate::rawstmt::{Param, StaticStatement};
use crate::schema::{latest_version, COUNTS_VERSIONS, FTS_SPLIT_VERSION, MIGRATIONS};
use crate::search::Query;
use crate::types::*;
use crate::Store;

mod ckpt;
pub(crate) mod fts;
mod incidents;
mod interop;

/// Name of the full-text index's file of a store of the split layout (migration 15).
pub const FTS_FILE: &str = fts::FTS_FILE;

/// Name of the database file inside the data folder.
pub const DB_FILE: &str = "lantern.db";

/// Above this many matching reports, a text-filtered event listing walks the events in
/// listing order rather than collecting and sorting all events of the matching reports.
pub(crate) const BROAD_TEXT_REPORTS: u64 = 1_000;

/// Snippet length in bytes (about).
const SNIPPET_WIDTH: usize = 220;

/// BM25 weights of the index columns: title, body.
const BM25: &str = "bm25(report_fts, 4.0, 1.0)";

/// A [`Store`] in one SQLite file, `lantern.db`, inside a data folder. WAL journal,
/// `synchronous = NORMAL`, foreign keys enforced, 10 s busy timeout, 16 MB page cache
/// (64 MB and rarer checkpoints once it writes large batches, see [`BULK_PRAGMAS`]).
pub struct SqliteStore {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// Whether this connection has been set up for bulk writing (see [`BULK_PRAGMAS`]).
    bulk: bool,
    /// Count-table contributions of this connection's committed bulk batches not yet
    /// folded into the table (see [`crate::counts::fold`] and [`FOLD_EVENTS`]).
    pending: Option<crate::counts::Pending>,
    /// The full-text index's own file and writer, for a store of the split layout
    /// (created since migration 15); `None`: the index is `report_fts` in `lantern.db`.
    fts: Option<Box<fts::FtsSide>>,
    /// A bulk writer's WAL checkpoint thread (see `ckpt`), from its first bulk batch to
    /// [`Store::finish_ingest`].
    ckpt: Option<ckpt::Checkpointer>,
}

/// Events a bulk writer's batches may leave above the count table's watermark before
/// it folds them into the table ([`Store::finish_ingest`] folds the rest). Readers count
/// these events directly, so this bounds the extra work of a read during an ingest;
/// folding less often saves the table's upserts of the keys the batches share.
pub(crate) const FOLD_EVENTS: i64 = 100_000;

/// Files in one [`Store::ingest_batch`] call from which the connection is treated as a
/// bulk writer (`lantern ingest`, imports of folders).
const BULK_BATCH: usize = 64;

/// Settings of a bulk-writing connection: a 64 MB page cache, so that the secondary
/// indexes' pages stay in memory across a batch instead of spilling and being read back,
/// and a checkpoint every 32,768 WAL pages (128 MB) instead of every 1,000, so that pages
/// written by several batches are copied into the database once (a batch of 1,024
/// generated reports writes about 20,000 WAL pages: most of the count table and the
/// date-ordered indexes again each time). Durability is that of WAL with
/// `synchronous = NORMAL` either way: a crash loses at most the last transactions and
/// never corrupts the file. The automatic checkpoint is the fallback: while a bulk
/// writer's checkpoint thread runs (see `ckpt`), its checkpoints run there instead.
const BULK_PRAGMAS: &str = "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 32768;";

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // The checkpoint thread's connection closes first: the writer's connection is
        // then the last one and checkpoints the rest of the WAL when it closes.
        self.end_bulk_checkpoints();
        // Each connection attaches the other file read-only, and only a file's last
        // read-write connection checkpoints its WAL into it when closing: detach the
        // index first, then close the index's writer (it waits for its thread), so
        // that both files are checkpointed by their own writers.
        if let Some(side) = self.fts.take() {
            self.conn.flush_prepared_statement_cache();
            let _ = self.conn.execute_batch("DETACH DATABASE fts");
            drop(side);
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

/// The current time, RFC 3339 with microseconds, strictly increasing within this process
/// so that the order of times is the order of writes (e.g. sightings of an original).
pub(crate) fn now() -> String {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let wall = chrono::Utc::now().timestamp_micros();
    let prev = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(wall.max(last + 1))
        })
        .unwrap_or(wall);
    let micros = wall.max(prev + 1);
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_else(chrono::Utc::now)
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The snake_case word serde writes for a unit enum variant.
pub(crate) fn word<T: Serialize + std::fmt::Debug>(v: &T) -> Result<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::Invalid {
            what: format!("{v:?}"),
            reason: format!("expected a word, serialised as {other}"),
        }),
        Err(source) => Err(StoreError::Json {
            what: format!("{v:?}"),
            source,
        }),
    }
}

pub(crate) fn from_word<T: DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|source| {
        StoreError::Json {
            what: what.to_string(),
            source,
        }
    })
}

pub(crate) fn to_json<T: Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string(v).map_err(|source| StoreError::Json {
        what: what.to_string(),
        source,
    })
}

pub(crate) fn from_json<T: DeserializeOwned>(s: &str, what: impl FnOnce() -> String) -> Result<T> {
    serde_json::from_str(s).map_err(|source| StoreError::Json {
        what: what(),
        source,
    })
}

pub(crate) fn parse_date(
    s: Option<String>,
    what: impl FnOnce() -> String,
) -> Result<Option<NaiveDate>> {
    match s {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                what: what(),
                reason: format!("date '{s}': {e}"),
            }),
    }
}

pub(crate) fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A page of reports, newest published first. `reports_listing` (migration 12) gives this
/// order, so a page reads its rows from the index instead of sorting every report.
pub(crate) const REPORTS_PAGE_SQL: &str =
    "SELECT r.id, r.title, r.outlet, r.published, r.language, r.source_path,
        (SELECT count(*) FROM events e
         WHERE e.report_id = r.id AND e.review_state <> 'rejected')
     FROM reports r
     ORDER BY r.published IS NULL, r.published DESC, r.rowid
     LIMIT ?1 OFFSET ?2";

/// A connection to the SQLite file at `path` (created when missing) in WAL mode, with
/// the 10 s busy timeout: the main file and the full-text index's file (see `fts`).
pub(crate) fn open_wal(path: &Path) -> Result<Connection> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(open_err)?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(open_err)?;
    // journal_mode returns the resulting mode as a row.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(open_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Open {
            path: path.to_path_buf(),
            source: rusqlite::Error::InvalidParameterName(format!(
                "journal_mode WAL refused (got {mode})"
            )),
        });
    }
    Ok(conn)
}

/// A second, read-only connection that checks for stored originals on another thread
/// ([`Store::original_lookup`]): the ingest's reader thread.
struct OriginalsReader(Connection);

impl crate::OriginalLookup for OriginalsReader {
    fn has_original(&mut self, sha256: &str) -> Result<bool> {
        let sha = sha256.trim().to_ascii_lowercase();
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM originals WHERE sha256 = ?1")?
            .exists([sha])?)
    }
}

impl SqliteStore {
    /// Open (or create) the store in `data_dir`: creates the folder and `lantern.db`,
    /// configures the connection and applies pending schema migrations.
    pub fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = open_wal(&path)?;
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000;",
        )
        .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        migrate(&mut conn, &path)?;
        // Split layout: the full-text index lives in `lantern-fts.db` (see `fts`).
        let split: bool = conn
            .query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM main.sqlite_master WHERE name = 'report_fts')",
                [],
                |r| r.get(0),
            )
            .map_err(open_err)?;
        let fts = if split {
            let side = fts::FtsSide::open(&path)?;
            fts::attach_ro(&conn, side.path())?;
            Some(Box::new(side))
        } else {
            None
        };
        let mut store = SqliteStore {
            conn,
            path,
            bulk: false,
            pending: None,
            fts,
            ckpt: None,
        };
        // Reports a stopped ingest left unindexed are indexed now, if the index can be
        // written without waiting (an ingest's own writer catches up otherwise).
        if store.fts_lags()? {
            let _ = store.catch_up_fts(false);
        }
        // Events a stopped ingest left above the watermark are folded now, if the store
        // can be written without waiting (reads are exact either way).
        if crate::counts::unfolded_above(&store.conn)?.is_some() {
            store.conn.busy_timeout(Duration::ZERO)?;
            let _ = store.fold_counts();
            store.conn.busy_timeout(Duration::from_secs(10))?;
        }
        Ok(store)
    }

    /// Fold every event above the count table's watermark into the table (with this
    /// connection's pending sums when still exact), in one transaction.
    fn fold_counts(&mut self) -> Result<()> {
        let pending = self.pending.take();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (_, w) = crate::counts::insert_start(&tx)?;
        if crate::counts::watermark(&tx)?.is_none() && pending.is_none() {
            return Ok(());
        }
        crate::counts::fold(&tx, pending, w)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether the split full-text index misses reports of `lantern.db` (or covers
    /// reports it does not have).
    fn fts_lags(&self) -> Result<bool> {
        if self.fts.is_none() {
            return Ok(false);
        }
        Ok(self.conn.query_row(
            "SELECT (SELECT value FROM fts.fts_state WHERE key = 'watermark')
                  <> (SELECT coalesce(max(rowid), 0) FROM main.reports)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Index every report above the split full-text index's watermark now (nothing in
    /// the one-file layout); with `wait` false, only if the index's file is not being
    /// written by another connection at this moment. Returns the reports indexed.
    pub fn catch_up_fts(&mut self, wait: bool) -> Result<u64> {
        let Some(side) = self.fts.as_mut() else {
            return Ok(0);
        };
        side.finish()?;
        if wait {
            side.index_now(None)
        } else {
            side.index_now_nowait()
        }
    }

    /// [`Store::count_events`] counted from the events, without the count table (for
    /// tests and benchmarks).
    #[doc(hidden)]
    pub fn count_events_direct(&self, filter: &EventFilter) -> Result<u64> {
        let (where_sql, params) = filter_sql(filter);
        let sql = format!("SELECT count(*) FROM events e{where_sql}");
        let n: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
        Ok(to_u64(n))
    }

    /// [`Store::facet_counts`] counted from the events, without the count table.
    #[doc(hidden)]
    pub fn facet_counts_direct(
        &self,
        filter: &EventFilter,
        facet: Facet,
        limit: usize,
    ) -> Result<Vec<FacetCount>> {
        crate::facets::direct_facet_counts(&self.conn, filter, facet, limit)
    }

    /// [`Store::month_counts`] counted from the events, without the count table.
    #[doc(hidden)]
    pub fn month_counts_direct(&self, filter: &EventFilter) -> Result<Vec<MonthCount>> {
        crate::facets::direct_month_counts(&self.conn, filter)
    }

    /// Recount the pre-aggregated event counts from the events (normally kept in step by
    /// every write; the schema migration fills them once).
    pub fn rebuild_counts(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        crate::counts::rebuild(&tx)?;
        bump_data_version(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Hits of `query` ranked by BM25, best first; with `candidates`, only among that
    /// many most recently stored matches. The page's report ids are picked from the
    /// index alone (scores sorted without reading report rows), then those rows read.
    fn ranked_hits(
        &self,
        query: &str,
        limit: usize,
        offset: usize,
        candidates: Option<usize>,
    ) -> Result<Vec<SearchHit>> {
        let Some(q) = Query::parse(query) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT r.id, r.title, r.published, r.body, -h.s
             FROM (SELECT rid, s FROM (
                     SELECT rowid AS rid, {BM25} AS s FROM report_fts
                     WHERE report_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?4)
                   ORDER BY s, rid LIMIT ?2 OFFSET ?3) h
             JOIN reports r ON r.rowid = h.rid
             ORDER BY h.s, h.rid"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(
                params![
                    q.fts_expression(),
                    to_i64(limit),
                    to_i64(offset),
                    candidates.map_or(-1, to_i64)
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, f64>(4)?,
                    ))
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(report_id, title, published, body, score)| {
                let published =
                    parse_date(published, || format!("reports.published of {report_id}"))?;
                Ok(SearchHit {
                    snippet: q.snippet(&body, SNIPPET_WIDTH),
                    report_id,
                    title,
                    published,
                    score,
                })
            })
            .collect()
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load_report(&self, id: &str) -> Result<Option<Report>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, original_sha256, title, outlet, url, published_json, language, text,
                    removed_json, body, captured_at, source_path, item, format
             FROM reports WHERE id = ?1",
        )?;
        let row = stmt
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, String>(11)?,
                    r.get::<_, Option<i64>>(12)?,
                    r.get::<_, String>(13)?,
                ))
            })
            .optional()?;
        let Some((
            id,
            original_sha256,
            title,
            outlet,
            url,
            published_json,
            language,
            text,
            removed_json,
            body,
            captured_at,
            source_path,
            item,
            format,
        )) = row
        else {
            return Ok(None);
        };
        let published: Option<Published> = match published_json {
            Some(j) => Some(from_json(&j, || format!("reports.published_json of {id}"))?),
            None => None,
        };
        let language: Language = from_word(&language, &format!("reports.language of {id}"))?;
        let removed = from_json(&removed_json, || format!("reports.removed_json of {id}"))?;
        let item = match item {
            Some(n) => Some(usize::try_from(n).map_err(|_| StoreError::Corrupt {
                what: format!("reports.item of {id}"),
                reason: format!("negative item {n}"),
            })?),
            None => None,
        };
        Ok(Some(Report {
            id,
            original_sha256,
            title,
            outlet,
            url,
            published,
            language,
            text,
            removed,
            body,
            captured_at,
            source_path,
            item,
            format,
        }))
    }

    fn query_events(&self, sql: &str, params: &[Value]) -> Result<Vec<StoredEvent>> {
        query_events(&self.conn, sql, params)
    }

    /// The number of reports the full-text expression `fts` matches, counted exactly up
    /// to `cap`: reads at most `cap + 1` rowids of the index, newest first (unlike
    /// [`Store::count_search`], which reads every match, and for a phrase every match's
    /// positions). Past the cap, the estimate assumes the matches are spread over the
    /// reports' rowids as densely as among the `cap + 1` newest: matches × (largest
    /// rowid) / (rowids from the oldest of them to the largest).
    fn match_count(&self, fts: &str, cap: u64) -> Result<SearchCount> {
        let (found, oldest): (i64, Option<i64>) = self
            .conn
            .prepare_cached(
                "SELECT count(*), min(rid) FROM (SELECT rowid AS rid FROM report_fts
                 WHERE report_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2)",
            )?
            .query_row(
                params![
                    fts,
                    i64::try_from(cap).unwrap_or(i64::MAX - 1).saturating_add(1)
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        let found = to_u64(found);
        if found <= cap {
            return Ok(SearchCount::exact(found));
        }
        let newest: Option<i64> = self
            .conn
            .prepare_cached("SELECT max(rowid) FROM reports")?
            .query_row([], |r| r.get(0))?;
        let estimate = match (oldest, newest) {
            (Some(lo), Some(hi)) if hi >= lo && lo > 0 => {
                let span = (hi - lo + 1) as f64;
                let est = (found as f64 * hi as f64 / span).round() as u64;
                Some(est.max(found))
            }
            _ => None,
        };
        Ok(SearchCount {
            count: cap,
            exact: false,
            estimate,
        })
    }

    /// One page of a text-filtered listing whose text matches many reports: walk the
    /// events of the other filters in listing order (an index, no sort) and keep those
    /// whose report matches, stopping as soon as the page is full. The cost follows the
    /// events walked, not the number of matching reports. Without `set`, each event's
    /// report is asked of the full-text index (one rowid seek in the term's doclist,
    /// 0.2 to 0.6 M instructions); with it, the report's rowid is looked up in the set of
    /// every matching report's rowid (one seek in `reports`). `None` when the first
    /// `window` events did not fill the page (matches too sparse in listing order) or
    /// the listing has no limit: the caller then tries the next way. Exact either way.
    fn events_by_walk(
        &self,
        filter: &EventFilter,
        window: usize,
        set: Option<&RowidSet>,
    ) -> Result<Option<Vec<StoredEvent>>> {
        let Some((q, limit, rest)) = Query::split_listing(filter) else {
            return Ok(None);
        };
        let (mut where_sql, rest_params) = filter_sql(&rest);
        let mut params = Vec::new();
        let test = match set {
            None => {
                params.push(Value::Text(q.fts_expression()));
                "EXISTS (SELECT 1 FROM report_fts WHERE report_fts MATCH ?
                 AND report_fts.rowid = (SELECT rt.rowid FROM reports rt WHERE rt.id = e.report_id))"
            }
            Some(_) => "e.report_id",
        };
        params.extend(rest_params);
        if let Some(from) = filter.from {
            if let Some(lo) = crate::counts::earliest_start(&self.conn, from)? {
                where_sql.push_str(" AND e.eff_start >= ?");
                params.push(Value::Text(lo));
            }
        }
        let indexed = listing_index(filter);
        let order = listing_order(filter);
        let sql = format!(
            "SELECT e.id, {test} FROM events e{indexed}{where_sql}
             ORDER BY {order} LIMIT ?"
        );
        params.push(Value::Integer(to_i64(window)));
        let want = filter.offset.saturating_add(limit);
        let mut ids: Vec<i64> = Vec::new();
        let mut walked = 0usize;
        // With the set: whether each report seen matches (a report's events are often
        // several in a walk: 14,760 events of 5,792 reports for 국경 at 1M).
        let mut seen: HashMap<String, bool> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rowid_of = self
                .conn
                .prepare_cached("SELECT rowid FROM reports WHERE id = ?1")?;
            let mut rows = stmt.query(params_from_iter(params.iter()))?;
            while ids.len() < want {
                let Some(row) = rows.next()? else { break };
                walked += 1;
                let keep = match set {
                    None => row.get::<_, bool>(1)?,
                    Some(set) => {
                        let report: String = row.get(1)?;
                        match seen.get(&report) {
                            Some(&m) => m,
                            None => {
                                let m = rowid_of
                                    .query_row([&report], |r| r.get::<_, i64>(0))
                                    .optional()?
                                    .is_some_and(|rowid| set.contains(rowid));
                                seen.insert(report, m);
                                m
                            }
                        }
                    }
                };
                if keep {
                    ids.push(row.get(0)?);
                }
            }
        }
        if ids.len() < want && walked >= window {
            return Ok(None);
        }
        let page: Vec<Value> = ids
            .into_iter()
            .skip(filter.offset)
            .map(Value::Integer)
            .collect();
        if page.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let marks = vec!["?"; page.len()].join(",");
        let sql = format!(
            "SELECT {EVENT_COLS} WHERE e.id IN ({marks})
             ORDER BY e.eff_start IS NULL, e.eff_start, e.id"
        );
        self.query_events(&sql, &page).map(Some)
    }

    /// The rowids of every report the full-text expression matches (one pass over the
    /// index's doclists: about 0.4 k instructions a match for a word, ~1.8 k for a
    /// phrase, which reads positions).
    fn matching_rowids(&self, fts: &str) -> Result<RowidSet> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rowid FROM report_fts WHERE report_fts MATCH ?1")?;
        let mut rowids = stmt
            .query_map([fts], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        // FTS5 returns them in rowid order already; sorting a sorted run is linear.
        rowids.sort_unstable();
        Ok(RowidSet { rowids })
    }
}

/// A set of report rowids, sorted (8 bytes a match; a lookup is a binary search).
struct RowidSet {
    rowids: Vec<i64>,
}

impl RowidSet {
    fn contains(&self, rowid: i64) -> bool {
        self.rowids.binary_search(&rowid).is_ok()
    }
}

/// Events of a broad text filter walked with a full-text probe each by
/// [`SqliteStore::events_by_walk`] at most before it turns to the set of matching reports.
const PROBE_WINDOW: usize = 4_000;

/// One probe of the full-text index per event costs about as much as collecting this
/// many matching rowids into a [`RowidSet`] (0.2 to 0.6 M instructions a probe, English
/// and Korean; ~0.4 k a collected word match, ~1.8 k a phrase match), so the probe walk
/// is bounded by the matches / `PROBE_COST`: a probe walk that fails costs at most about
/// as much again as collecting the set. Matches spread evenly over listing order fill a
/// page within a few hundred events (a word in half the reports: ~50), so they stay
/// on the probe walk; a text whose matches come late in listing order (a Korean word
/// when the oldest events are all from English reports) turns to the set early.
const PROBE_COST: usize = 1_024;

/// Least number of events the probe walk tries before it turns to the set.
const PROBE_MIN: usize = 64;

/// Events walked with the set of matching reports (one seek in `reports` each) at most,
/// per matching report, before the exact query over every matching report's events
/// (which reads at least one event row per matching report, and sorts them).
const SET_WALK_PER_MATCH: usize = 1;

/// Least number of events walked with the set before the exact query.
const SET_WALK_MIN: usize = 20_000;

/// Matches of a broad text filter counted exactly to size the probe walk; past this the
/// walk is sized from [`SqliteStore::match_count`]'s estimate (counting a phrase's
/// 282,219 matches at 1M reports to size it cost more than the page).
const PROBE_COUNT_CAP: u64 = 16_000;

/// The listing order of a filter's events, as its `ORDER BY` terms. Under a date range
/// every event is dated (the filter says `(e.eff_start IS NULL) = 0`), so the leading
/// `e.eff_start IS NULL` term is left out: SQLite does not see that the equality makes
/// it constant, and with it sorted the whole range in a temporary B-tree instead of
/// reading the listing index in order and stopping at the page (type x province x
/// month at 1,000,000 reports: every one of the type's 16,266 events in the window
/// tested for the province, instead of the first few hundred).
fn listing_order(filter: &EventFilter) -> &'static str {
    if filter.from.is_some() || filter.to.is_some() {
        "e.eff_start, e.id"
    } else {
        "e.eff_start IS NULL, e.eff_start, e.id"
    }
}

/// The listing index a walk in listing order uses for this filter's other columns.
fn listing_index(filter: &EventFilter) -> &'static str {
    match (filter.event_type.is_some(), filter.review_state.is_some()) {
        (true, _) => " INDEXED BY events_type_order",
        (false, true) => " INDEXED BY events_state_order",
        (false, false) => " INDEXED BY events_order",
    }
}

fn query_events(conn: &Connection, sql: &str, params: &[Value]) -> Result<Vec<StoredEvent>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let raws = stmt
        .query_map(params_from_iter(params.iter()), RawEvent::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter().map(RawEvent::into_stored).collect()
}

fn event_by_id(conn: &Connection, event_id: i64) -> Result<Option<StoredEvent>> {
    let sql = format!("SELECT {EVENT_COLS} WHERE e.id = ?");
    Ok(query_events(conn, &sql, &[Value::Integer(event_id)])?
        .into_iter()
        .next())
}

/// Largest original SQLite accepts as one value (its default length limit).
pub(crate) const MAX_ORIGINAL: usize = 1_000_000_000;

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let current: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    let latest = latest_version();
    if current > latest {
        return Err(StoreError::SchemaTooNew {
            path: path.to_path_buf(),
            found: current,
            supported: latest,
        });
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as u32 + 1;
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Another process may have migrated while we waited for the lock.
            let now_at: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if now_at >= version {
                return Ok(());
            }
            tx.execute_batch(step)?;
            if version == FTS_SPLIT_VERSION {
                let empty: bool =
                    tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM reports)", [], |r| {
                        r.get(0)
                    })?;
                if empty {
                    tx.execute_batch("DROP TABLE report_fts")?;
                }
            }
            // Only the last recounting step this run reaches recounts: the tables of the
            // earlier ones are dropped by the later ones.
            let recount_later = COUNTS_VERSIONS.iter().any(|v| *v > version && *v <= latest);
            if COUNTS_VERSIONS.contains(&version) && !recount_later {
                crate::counts::rebuild(&tx).map_err(|e| match e {
                    StoreError::Sqlite(s) => s,
                    other => rusqlite::Error::InvalidParameterName(other.to_string()),
                })?;
            }
            tx.execute_batch(&format!("PRAGMA user_version = {version}"))?;
            tx.commit()
        };
        run(conn).map_err(|source| StoreError::Migration { version, source })?;
    }
    Ok(())
}

/// One `events` row joined with its report's title and date, before JSON decoding.
struct RawEvent {
    id: i64,
    report_id: String,
    extractor_version: String,
    review_state: String,
    event_type: String,
    modality: String,
    negated: bool,
    confidence: f64,
    actors: String,
    places: String,
    date: Option<String>,
    attribution: Option<String>,
    quantities: String,
    evidence: String,
    title: Option<String>,
    published: Option<String>,
}

/// Columns read by [`RawEvent::from_row`]; `e` is events, `r` its report.
const EVENT_COLS: &str = "e.id, e.report_id, e.extractor_version, e.review_state, e.event_type,
    e.modality, e.negated, e.confidence, e.actors_json, e.places_json, e.date_json,
    e.attribution_json, e.quantities_json, e.evidence_json, r.title, r.published
    FROM events e JOIN reports r ON r.id = e.report_id";

impl RawEvent {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<RawEvent> {
        Ok(RawEvent {
            id: r.get(0)?,
            report_id: r.get(1)?,
            extractor_version: r.get(2)?,
            review_state: r.get(3)?,
            event_type: r.get(4)?,
            modality: r.get(5)?,
            negated: r.get(6)?,
            confidence: r.get(7)?,
            actors: r.get(8)?,
            places: r.get(9)?,
            date: r.get(10)?,
            attribution: r.get(11)?,
            quantities: r.get(12)?,
            evidence: r.get(13)?,
            title: r.get(14)?,
            published: r.get(15)?,
        })
    }

    fn into_stored(self) -> Result<StoredEvent> {
        let id = self.id;
        let what = |col: &str| format!("events.{col} of event {id}");
        let event_type = EventType::parse(&self.event_type).ok_or_else(|| StoreError::Corrupt {
            what: what("event_type"),
            reason: format!("unknown event type '{}'", self.event_type),
        })?;
        let review_state =
            ReviewState::parse(&self.review_state).ok_or_else(|| StoreError::Corrupt {
                what: what("review_state"),
                reason: format!("unknown review state '{}'", self.review_state),
            })?;
        let event = Event {
            event_type,
            modality: from_word(&self.modality, &what("modality"))?,
            negated: self.negated,
            actors: from_json(&self.actors, || what("actors_json"))?,
            places: from_json(&self.places, || what("places_json"))?,
            date: match &self.date {
                Some(j) => from_json(j, || what("date_json"))?,
                None => None,
            },
            attribution: match &self.attribution {
                Some(j) => from_json(j, || what("attribution_json"))?,
                None => None,
            },
            quantities: from_json(&self.quantities, || what("quantities_json"))?,
            evidence: from_json(&self.evidence, || what("evidence_json"))?,
            confidence: self.confidence as f32,
        };
        let report_published = parse_date(self.published, || {
            format!("reports.published of {}", self.report_id)
        })?;
        Ok(StoredEvent {
            id,
            report_id: self.report_id,
            event,
            extractor_version: self.extractor_version,
            review_state,
            report_title: self.title,
            report_published,
        })
    }
}

/// Insert the normalised actor and place rows of an event.
fn insert_event_links(tx: &Transaction<'_>, event_id: i64, e: &Event) -> Result<()> {
    let roles = e
        .places
        .iter()
        .map(|p| word(&p.role))
        .collect::<Result<Vec<_>>>()?;
    let mut w = EventWriter::new(tx)?;
    w.links(event_id, e, &roles)?;
    w.finish()
}

/// Insert `events` of a report as machine events of `version`; returns how many.
fn insert_events(
    tx: &Transaction<'_>,
    report_id: &str,
    published: Option<NaiveDate>,
    events: &[Event],
    version: &str,
    at: &str,
) -> Result<usize> {
    let columns = events
        .iter()
        .map(|e| EventColumns::new(e, published))
        .collect::<Result<Vec<_>>>()?;
    let mut w = EventWriter::new(tx)?;
    let n = w.insert(report_id, events, &columns, version, at)?;
    w.finish()?;
    Ok(n)
}

/// Event rows per multi-row `INSERT` of [`EventWriter`] (17 parameters each).
const EVENT_ROWS: usize = 32;
/// `event_actors` rows per multi-row `INSERT` (2 parameters each).
const ACTOR_ROWS: usize = 64;
/// `event_places` rows per multi-row `INSERT` (6 parameters each).
const PLACE_ROWS: usize = 64;

/// The columns of `events` that [`EventWriter`] binds, in order (`review_state` is the
/// literal `'machine'`, `updated_at` repeats `created_at`).
const EVENT_COLUMNS: &str = "report_id, seq, extractor_version, review_state, event_type,
    modality, negated, confidence, actors_json, places_json, date_json, attribution_json,
    quantities_json, evidence_json, eff_start, eff_end, created_at, updated_at";
/// Parameters bound per event row.
const EVENT_PARAMS: usize = 16;

/// The statement inserting `rows` event rows (numbered parameters, [`EVENT_PARAMS`] a
/// row, in the order of [`EventWriter::event_values`]).
fn events_sql(rows: usize) -> String {
    let mut sql = format!("INSERT OR FAIL INTO events({EVENT_COLUMNS}) VALUES ");
    for i in 0..rows {
        let b = i * EVENT_PARAMS;
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for k in 1..=EVENT_PARAMS {
            if k == 4 {
                sql.push_str("'machine',");
            }
            sql.push_str(&format!("?{},", b + k));
        }
        // updated_at = created_at
        sql.push_str(&format!("?{})", b + EVENT_PARAMS));
    }
    sql
}

/// The statement inserting `rows` rows of `params` parameters each into
/// `head` (`INSERT ... INTO table(columns) VALUES`).
pub(crate) fn rows_sql(head: &str, rows: usize, params: usize) -> String {
    let mut sql = String::from(head);
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for k in 0..params {
            if k > 0 {
                sql.push(',');
            }
            sql.push('?');
        }
        sql.push(')');
    }
    sql
}

const ACTOR_INSERT: &str = "INSERT OR IGNORE INTO event_actors(event_id, actor) VALUES ";
const PLACE_INSERT: &str =
    "INSERT OR FAIL INTO event_places(event_id, seq, place_id, name, admin1, role) VALUES ";

/// An event waiting in [`EventWriter`] for its row to be written.
struct PendingEvent<'a> {
    report_id: &'a str,
    seq: i64,
    version: &'a str,
    at: &'a str,
    event: &'a Event,
    columns: &'a EventColumns,
}

/// An `event_places` row waiting in [`EventWriter`].
struct PendingPlace<'a> {
    event_id: i64,
    seq: i64,
    place: &'a lantern_extract::EventPlace,
    role: &'a str,
}

/// A statement of [`EventWriter`], prepared at its first use.
struct Lazy<'c> {
    sql: String,
    stmt: Option<StaticStatement<'c>>,
}

impl<'c> Lazy<'c> {
    fn new(sql: String) -> Self {
        Lazy { sql, stmt: None }
    }

    fn execute(&mut self, conn: &'c Connection, values: &[Param<'_>]) -> Result<usize> {
        let stmt = match &mut self.stmt {
            Some(s) => s,
            None => self.stmt.insert(StaticStatement::new(conn, &self.sql)?),
        };
        stmt.execute(values)
    }
}

/// Writes events and their link rows, several rows per `INSERT` statement: rows wait in
/// the writer until a full statement's worth is there, and [`EventWriter::finish`]
/// writes the rest one by one (it must be called before the transaction reads or
/// commits them). Texts are bound without a copy ([`StaticStatement`]).
///
/// Event ids are given explicitly, from `max(id) + 1` read before each statement: what
/// SQLite would assign to rows inserted one by one without an id (`events.id` is an
/// `INTEGER PRIMARY KEY` without `AUTOINCREMENT`), so the link rows know their event's id
/// without a round trip. Should `max(id)` be too close to `i64::MAX` for that, the rows
/// go one by one with SQLite's own choice of id.
struct EventWriter<'c, 'a> {
    conn: &'c Connection,
    /// `EVENT_ROWS` event rows.
    events: Lazy<'c>,
    /// One event row (its id bound, or NULL for SQLite's choice).
    event: Lazy<'c>,
    actors: Lazy<'c>,
    actor: Lazy<'c>,
    places: Lazy<'c>,
    place: Lazy<'c>,
    /// Adds a place to the `places` dictionary (migration 14).
    known_place: rusqlite::CachedStatement<'c>,
    /// The places (place_id, name and admin1 joined by NUL) already put in `places` by
    /// this writer, so that a batch writes each distinct place once, not once per event.
    places_seen: std::collections::HashSet<String>,
    /// The key being looked up in `places_seen` (reused).
    place_key: String,
    pending_events: Vec<PendingEvent<'a>>,
    /// `event_actors` rows of written events.
    pending_actors: Vec<(i64, &'static str)>,
    /// `event_places` rows of written events.
    pending_places: Vec<PendingPlace<'a>>,
}

impl<'c, 'a> EventWriter<'c, 'a> {
    fn new(conn: &'c Connection) -> Result<Self> {
        Ok(EventWriter {
            conn,
            events: Lazy::new(events_sql(EVENT_ROWS)),
            event: Lazy::new(events_sql(1)),
            actors: Lazy::new(rows_sql(ACTOR_INSERT, ACTOR_ROWS, 2)),
            actor: Lazy::new(rows_sql(ACTOR_INSERT, 1, 2)),
            places: Lazy::new(rows_sql(PLACE_INSERT, PLACE_ROWS, 6)),
            place: Lazy::new(rows_sql(PLACE_INSERT, 1, 6)),
            known_place: conn.prepare_cached(
                "INSERT OR IGNORE INTO places(place_id, name, admin1) VALUES (?1, ?2, ?3)",
            )?,
            places_seen: std::collections::HashSet::new(),
            place_key: String::new(),
            pending_events: Vec::with_capacity(EVENT_ROWS),
            pending_actors: Vec::with_capacity(2 * ACTOR_ROWS),
            pending_places: Vec::with_capacity(2 * PLACE_ROWS),
        })
    }

    /// Queue the normalised actor and place rows of event `event_id` (already written).
    /// `roles` are the places' `role` words, in order.
    fn links(&mut self, event_id: i64, e: &'a Event, roles: &'a [String]) -> Result<()> {
        for a in &e.actors {
            self.pending_actors.push((event_id, a.as_str()));
        }
        for (i, (p, role)) in e.places.iter().zip(roles).enumerate() {
            self.pending_places.push(PendingPlace {
                event_id,
                seq: to_i64(i),
                place: p,
                role,
            });
            self.place_key.clear();
            for (j, part) in [&p.id, &p.name, &p.admin1].into_iter().enumerate() {
                if j > 0 {
                    self.place_key.push('\0');
                }
                self.place_key.push_str(part);
            }
            if !self.places_seen.contains(self.place_key.as_str()) {
                self.known_place.execute(params![p.id, p.name, p.admin1])?;
                self.places_seen.insert(self.place_key.clone());
            }
        }
        self.write_links(false)
    }

    /// Queue `events` of a report (with their `columns`, one per event, see
    /// [`EventColumns::new`]) as machine events of `version`; returns how many.
    fn insert(
        &mut self,
        report_id: &'a str,
        events: &'a [Event],
        columns: &'a [EventColumns],
        version: &'a str,
        at: &'a str,
    ) -> Result<usize> {
        for (i, (event, columns)) in events.iter().zip(columns).enumerate() {
            self.pending_events.push(PendingEvent {
                report_id,
                seq: to_i64(i),
                version,
                at,
                event,
                columns,
            });
            if self.pending_events.len() >= EVENT_ROWS {
                self.write_events()?;
            }
        }
        Ok(events.len())
    }

    /// Write every queued row.
    fn finish(&mut self) -> Result<()> {
        self.write_events()?;
        self.write_links(true)
    }

    /// Add event `p`'s parameters (with id `id`; NULL: SQLite's choice) to `values`, in
    /// the order of [`events_sql`].
    fn event_values<'v>(values: &mut Vec<Param<'v>>, p: &PendingEvent<'v>) {
        let (e, c) = (p.event, p.columns);
        values.extend([
            Param::from(p.report_id),
            Param::from(p.seq),
            Param::from(p.version),
            Param::from(c.event_type),
            Param::from(c.modality.as_str()),
            Param::from(e.negated),
            Param::from(f64::from(e.confidence)),
            Param::from(c.actors.as_str()),
            Param::from(c.places.as_str()),
            Param::from(c.date.as_deref()),
            Param::from(c.attribution.as_deref()),
            Param::from(c.quantities.as_str()),
            Param::from(c.evidence.as_str()),
            Param::from(c.eff_start.as_deref()),
            Param::from(c.eff_end.as_deref()),
            Param::from(p.at),
        ]);
    }

    /// Write the queued events (a full statement of `EVENT_ROWS` when there are that
    /// many, else one by one) and queue their link rows.
    fn write_events(&mut self) -> Result<()> {
        if self.pending_events.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending_events);
        let max: Option<i64> = self
            .conn
            .prepare_cached("SELECT max(id) FROM events")?
            .query_row([], |r| r.get(0))?;
        let first = max
            .unwrap_or(0)
            .checked_add(1)
            .filter(|f| f.checked_add(to_i64(pending.len())).is_some());
        let mut ids = Vec::with_capacity(pending.len());
        let mut values = Vec::with_capacity(EVENT_PARAMS * pending.len());
        match first {
            Some(first) if pending.len() == EVENT_ROWS => {
                for p in &pending {
                    Self::event_values(&mut values, p);
                }
                let n = self.events.execute(self.conn, &values)?;
                // SQLite gave the rows increasing ids above `first - 1`; ending at
                // `first + n - 1`, they are exactly `first..first + n`.
                let last = self.conn.last_insert_rowid();
                if n != pending.len() || last != first + to_i64(n) - 1 {
                    return Err(StoreError::Invalid {
                        what: "events".into(),
                        reason: format!(
                            "{n} rows written of {}, the last with id {last} where {} was \
                             expected",
                            pending.len(),
                            first + to_i64(pending.len()) - 1
                        ),
                    });
                }
                ids.extend(first..=last);
            }
            _ => {
                for p in &pending {
                    values.clear();
                    Self::event_values(&mut values, p);
                    self.event.execute(self.conn, &values)?;
                    ids.push(self.conn.last_insert_rowid());
                }
            }
        }
        drop(values);
        for (p, id) in pending.iter().zip(ids) {
            self.links(id, p.event, &p.columns.place_roles)?;
        }
        // The emptied queue's buffer, for the next events.
        self.pending_events = pending;
        self.pending_events.clear();
        Ok(())
    }

    /// Write queued link rows in full statements; with `all`, the rest one by one.
    fn write_links(&mut self, all: bool) -> Result<()> {
        if self.pending_actors.len() >= ACTOR_ROWS || (all && !self.pending_actors.is_empty()) {
            let mut rows = std::mem::take(&mut self.pending_actors);
            let mut values = Vec::with_capacity(2 * ACTOR_ROWS);
            let mut chunks = rows.chunks_exact(ACTOR_ROWS);
            for chunk in &mut chunks {
                values.clear();
                for &(id, actor) in chunk {
                    values.extend([Param::Int(id), Param::Text(actor)]);
                }
                self.actors.execute(self.conn, &values)?;
            }
            let rest = chunks.remainder().len();
            if all {
                for &(id, actor) in chunks.remainder() {
                    self.actor
                        .execute(self.conn, &[Param::Int(id), Param::Text(actor)])?;
                }
                rows.clear();
            } else {
                rows.drain(..rows.len() - rest);
            }
            self.pending_actors = rows;
        }
        if self.pending_places.len() >= PLACE_ROWS || (all && !self.pending_places.is_empty()) {
            let mut rows = std::mem::take(&mut self.pending_places);
            let mut values = Vec::with_capacity(6 * PLACE_ROWS);
            let mut chunks = rows.chunks_exact(PLACE_ROWS);
            for chunk in &mut chunks {
                values.clear();
                for r in chunk {
                    Self::place_values(&mut values, r);
                }
                self.places.execute(self.conn, &values)?;
            }
            let rest = chunks.remainder().len();
            if all {
                for r in chunks.remainder() {
                    values.clear();
                    Self::place_values(&mut values, r);
                    self.place.execute(self.conn, &values)?;
                }
                rows.clear();
            } else {
                rows.drain(..rows.len() - rest);
            }
            self.pending_places = rows;
        }
        Ok(())
    }

    /// Add place row `r`'s parameters to `values`.
    fn place_values<'v>(values: &mut Vec<Param<'v>>, r: &PendingPlace<'v>) {
        values.extend([
            Param::Int(r.event_id),
            Param::Int(r.seq),
            Param::Text(&r.place.id),
            Param::Text(&r.place.name),
            Param::Text(&r.place.admin1),
            Param::Text(r.role),
        ]);
    }
}

/// The condition "the event has an effective date", written as the first key of the
/// date-ordered indexes (`events_order`, `events_type_order`) so that SQLite can use them
/// for date ranges and date-ordered scans (migration 7 dropped the plain date indexes).
pub(crate) const DATED: &str = "(e.eff_start IS NULL) = 0";

/// The condition "the event has no effective date", as the same index key.
pub(crate) const UNDATED: &str = "(e.eff_start IS NULL) = 1";

/// SQL `WHERE` clause and parameters of an event filter.
fn filter_sql(f: &EventFilter) -> (String, Vec<Value>) {
    let (clauses, params) = filter_clauses(f);
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (sql, params)
}

/// The conditions (on `events e`) and parameters of an event filter.
pub(crate) fn filter_clauses(f: &EventFilter) -> (Vec<&'static str>, Vec<Value>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if let Some(t) = f.event_type {
        clauses.push("e.event_type = ?");
        params.push(Value::Text(t.as_str().into()));
    }
    if let Some(place) = &f.place {
        clauses.push(
            "EXISTS (SELECT 1 FROM event_places p WHERE p.event_id = e.id
               AND (p.place_id = ? OR p.name = ? OR p.admin1 = ?))",
        );
        for _ in 0..3 {
            params.push(Value::Text(place.trim().to_string()));
        }
    }
    if let Some(a) = f.actor {
        clauses
            .push("EXISTS (SELECT 1 FROM event_actors a WHERE a.event_id = e.id AND a.actor = ?)");
        params.push(Value::Text(a.as_str().into()));
    }
    if f.from.is_some() || f.to.is_some() {
        // Only dated events match a date range; saying so lets the date ranges use the
        // listing indexes (`events_order`, `events_type_order`, keyed by this term first).
        clauses.push(DATED);
    }
    if let Some(from) = f.from {
        clauses.push("e.eff_end >= ?");
        params.push(Value::Text(from.to_string()));
    }
    if let Some(to) = f.to {
        clauses.push("e.eff_start <= ?");
        params.push(Value::Text(to.to_string()));
    }
    if let Some(r) = &f.report_id {
        clauses.push("e.report_id = ?");
        params.push(Value::Text(r.trim().to_ascii_lowercase()));
    }
    if let Some(s) = f.review_state {
        clauses.push("e.review_state = ?");
        params.push(Value::Text(s.as_str().into()));
    }
    if let Some(p) = &f.province {
        clauses.push(
            "EXISTS (SELECT 1 FROM event_places pp WHERE pp.event_id = e.id AND pp.admin1 = ?)",
        );
        params.push(Value::Text(p.trim().to_string()));
    }
    if let Some(o) = &f.outlet {
        clauses.push(
            "EXISTS (SELECT 1 FROM reports ro WHERE ro.id = e.report_id
               AND ro.outlet = ? COLLATE NOCASE)",
        );
        params.push(Value::Text(o.trim().to_string()));
    }
    if let Some(t) = &f.text {
        match Query::parse(t) {
            Some(q) => {
                clauses.push(
                    // The ids from the narrow (rowid, id) index, not the wide rows.
                    "e.report_id IN (SELECT rt.id FROM reports rt INDEXED BY reports_rowid_id
                       WHERE rt.rowid IN (SELECT rowid FROM report_fts WHERE report_fts MATCH ?))",
                );
                params.push(Value::Text(q.fts_expression()));
            }
            None => clauses.push("0"),
        }
    }
    if let Some(n) = f.min_outlets {
        clauses.push(
            "EXISTS (SELECT 1 FROM incident_events ie
               WHERE ie.event_id = e.id AND ie.corroboration >= ?)",
        );
        params.push(Value::Integer(i64::from(n)));
    }
    if f.skip_copies {
        clauses.push(
            "NOT EXISTS (SELECT 1 FROM report_signatures rs WHERE rs.report_id = e.report_id
               AND rs.duplicate_of IS NOT NULL)",
        );
    }
    (clauses, params)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl SqliteStore {
    /// Stop a bulk writer's checkpoint thread, if one runs (after its running
    /// checkpoint), and turn the connection's automatic checkpoints back on.
    fn end_bulk_checkpoints(&mut self) {
        if let Some(mut c) = self.ckpt.take() {
            c.stop();
            let _ = self
                .conn
                .wal_hook(None::<fn(&mut rusqlite::hooks::Wal, i32) -> rusqlite::Result<()>>);
            let _ = self.conn.execute_batch(if self.bulk {
                "PRAGMA wal_autocheckpoint = 32768;"
            } else {
                "PRAGMA wal_autocheckpoint = 1000;"
            });
        }
    }

    /// Write a batch of files with their prepared rows in one transaction (the SQLite
    /// work of [`Store::ingest_batch`] and [`Store::ingest_prepared`]).
    ///
    /// In the split layout the reports' full-text rows are indexed after the commit by
    /// the index's own writer: with `defer_fts` and a bulk batch, on its thread (in
    /// parallel with the next batches; [`Store::finish_ingest`] waits for it), else here.
    fn write_files(
        &mut self,
        files: &[(&FileInput, &FileRows)],
        defer_fts: bool,
    ) -> Result<Vec<FileOutcome>> {
        if files.len() < BULK_BATCH {
            return self.write_files_tx(files, defer_fts);
        }
        // A multi-row insert whose rows have an immediate foreign key keeps a statement
        // journal (SQLite may abort it after some rows): about four index pages an
        // event, copied to a temporary file. A bulk batch writes rows whose parents it
        // has just written itself (a report before its events, an event before its
        // links), so it skips the checks (the pragma cannot change inside a
        // transaction), and with `INSERT OR FAIL` nothing else needs the journal. Back
        // on after the batch, whatever its outcome: deletes need the cascades.
        self.conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        let r = self.write_files_tx(files, defer_fts);
        let on = self.conn.execute_batch("PRAGMA foreign_keys = ON");
        let outcomes = r?;
        on?;
        Ok(outcomes)
    }

    /// [`SqliteStore::write_files`] with the connection's settings as they are.
    fn write_files_tx(
        &mut self,
        files: &[(&FileInput, &FileRows)],
        defer_fts: bool,
    ) -> Result<Vec<FileOutcome>> {
        let split_fts = self.fts.is_some();
        let mut fts_batch = fts::FtsBatch::default();
        if !self.bulk && files.len() >= BULK_BATCH {
            self.conn.execute_batch(BULK_PRAGMAS)?;
            self.bulk = true;
        }
        if self.bulk && files.len() >= BULK_BATCH && self.ckpt.is_none() {
            // Without the thread (it could not start, or `LANTERN_WAL_CKPT=off`),
            // automatic checkpoints stay on.
            if let Some(sizes) = ckpt::sizes() {
                self.ckpt = ckpt::Checkpointer::start(&mut self.conn, &self.path, sizes).ok();
            }
        }
        if let Some(c) = self.ckpt.as_mut() {
            c.before_transaction();
        }
        let at = now();
        // Taken out for the batch: should it fail, the sums are dropped and the next
        // fold reads the events of the earlier batches back instead.
        let pending = self.pending.take();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (before, w) = crate::counts::insert_start(&tx)?;
        // The count table's additions, summed as the events are written, across the
        // batches of a bulk writer.
        let mut pending = match pending {
            Some(p) => p,
            None => crate::counts::Pending::start(&tx)?,
        };
        // The contributions of this batch's stored reports, for the summing thread.
        let mut sums = Vec::new();
        let mut outcomes = Vec::with_capacity(files.len());
        {
            // Every statement is prepared once for the whole batch.
            let mut original_exists =
                tx.prepare_cached("SELECT 1 FROM originals WHERE sha256 = ?1")?;
            // The row inserts bind their texts and bytes without a copy.
            let mut insert_original = StaticStatement::new(
                &tx,
                "INSERT INTO originals(sha256, bytes, size, first_path, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut insert_sighting = StaticStatement::new(
                &tx,
                "INSERT INTO sightings(sha256, source_path, first_seen, last_seen)
                 VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT(sha256, source_path)
                 DO UPDATE SET last_seen = excluded.last_seen, times = times + 1",
            )?;
            let mut insert_report = StaticStatement::new(
                &tx,
                "INSERT INTO reports(id, original_sha256, title, outlet, url, published,
                    published_json, language, text, removed_json, body, captured_at,
                    source_path, item, format, ingested_at, extracted_with)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                    ?15, ?16, ?17)
                 ON CONFLICT(id) DO NOTHING",
            )?;
            let mut existing_path =
                tx.prepare_cached("SELECT source_path FROM reports WHERE id = ?1")?;
            let mut insert_fts = if split_fts {
                None
            } else {
                Some(tx.prepare_cached(
                    "INSERT INTO report_fts(rowid, title, body) VALUES (?1, ?2, ?3)",
                )?)
            };
            let mut events_writer = EventWriter::new(&tx)?;
            for &(file, rows) in files {
                let sha = &rows.sha256;
                let original_new = if original_exists.exists([sha])? {
                    false
                } else {
                    insert_original.execute(&[
                        Param::Text(sha),
                        Param::Blob(&file.original),
                        Param::Int(to_i64(file.original.len())),
                        Param::Text(&file.source_path),
                        Param::Text(&at),
                    ])?;
                    true
                };
                insert_sighting.execute(&[
                    Param::Text(sha),
                    Param::Text(&file.source_path),
                    Param::Text(&at),
                ])?;

                let mut reports = Vec::with_capacity(file.reports.len());
                for ((r, events), rr) in file.reports.iter().zip(&rows.reports) {
                    let inserted = insert_report.execute(&[
                        Param::Text(&r.id),
                        Param::Text(sha),
                        Param::from(r.title.as_deref()),
                        Param::from(r.outlet.as_deref()),
                        Param::from(r.url.as_deref()),
                        Param::from(rr.published.as_deref()),
                        Param::from(rr.published_json.as_deref()),
                        Param::Text(r.language.as_str()),
                        Param::Text(&r.text),
                        Param::Text(&rr.removed_json),
                        Param::Text(&r.body),
                        Param::Text(&r.captured_at),
                        Param::Text(&r.source_path),
                        Param::from(r.item.map(to_i64)),
                        Param::Text(&r.format),
                        Param::Text(&at),
                        Param::Text(&file.extractor_version),
                    ])?;
                    if inserted == 0 {
                        let existing_source_path: String =
                            existing_path.query_row([&r.id], |row| row.get(0))?;
                        reports.push(ReportOutcome::Duplicate {
                            existing_id: r.id.clone(),
                            existing_source_path,
                        });
                        continue;
                    }
                    let rowid = tx.last_insert_rowid();
                    let fts_title = rr
                        .fts_title
                        .as_deref()
                        .unwrap_or(r.title.as_deref().unwrap_or(""));
                    let fts_body = rr.fts_body.as_deref().unwrap_or(&r.body);
                    match insert_fts.as_mut() {
                        Some(insert) => {
                            insert.execute(params![rowid, fts_title, fts_body])?;
                        }
                        None => fts_batch.rows.push((
                            rowid,
                            fts_title.to_string(),
                            fts_body.to_string(),
                        )),
                    }
                    let n = events_writer.insert(
                        &r.id,
                        events,
                        &rr.events,
                        &file.extractor_version,
                        &at,
                    )?;
                    // The report's keys, summed when its rows were prepared.
                    sums.push(std::sync::Arc::clone(&rr.counts));
                    reports.push(ReportOutcome::Stored {
                        id: r.id.clone(),
                        events: n,
                    });
                }
                outcomes.push(FileOutcome {
                    original_sha256: sha.clone(),
                    original_new,
                    reports,
                });
            }
            events_writer.finish()?;
        }
        pending.add(sums, self.bulk && files.len() >= BULK_BATCH);
        pending.written(before, crate::counts::max_event_id(&tx)?);
        // A bulk writer folds its batches' sums every `FOLD_EVENTS` events (and at
        // `finish_ingest`); other writers (the web app, small imports) at once.
        let defer = self.bulk && files.len() >= BULK_BATCH && pending.events < FOLD_EVENTS;
        let keep = if defer {
            if crate::counts::watermark(&tx)?.is_none() {
                crate::counts::set_watermark(&tx, w)?;
            }
            Some(pending)
        } else {
            crate::counts::fold(&tx, Some(pending), w)?;
            None
        };
        bump_data_version(&tx)?;
        tx.commit()?;
        self.pending = keep;
        if let Some(c) = self.ckpt.as_mut() {
            c.committed();
        }
        if let Some(side) = self.fts.as_mut() {
            if !fts_batch.rows.is_empty() {
                let r = if defer_fts && self.bulk && files.len() >= BULK_BATCH {
                    side.send(fts_batch)
                } else {
                    side.index_now(Some(&fts_batch)).map(drop)
                };
                r.map_err(|e| StoreError::Invalid {
                    what: "the full-text index".into(),
                    reason: format!(
                        "the batch is stored, but indexing it failed ({e}); its reports \
                         are indexed at the next open or ingest"
                    ),
                })?;
            }
        }
        Ok(outcomes)
    }
}

impl Store for SqliteStore {
    fn ingest_batch(&mut self, files: &[FileInput]) -> Result<Vec<FileOutcome>> {
        let rows = files
            .iter()
            .map(FileRows::new)
            .collect::<Result<Vec<_>>>()?;
        let pairs: Vec<(&FileInput, &FileRows)> = files.iter().zip(&rows).collect();
        self.write_files(&pairs, false)
    }

    fn ingest_prepared(&mut self, files: Vec<PreparedFile>) -> Result<Vec<FileOutcome>> {
        let pairs: Vec<(&FileInput, &FileRows)> =
            files.iter().map(|f| (f.input(), f.rows())).collect();
        self.write_files(&pairs, true)
    }

    fn finish_ingest(&mut self) -> Result<()> {
        // The fold runs here while the index's thread finishes its last batches and the
        // checkpoint thread copies the last batches' pages; a finished ingest is then
        // fully searchable.
        if let Some(c) = self.ckpt.as_mut() {
            c.checkpoint_now();
        }
        if self.pending.is_some() || crate::counts::unfolded_above(&self.conn)?.is_some() {
            self.fold_counts()?;
        }
        if let Some(side) = self.fts.as_mut() {
            side.finish()?;
        }
        if self.fts_lags()? {
            self.catch_up_fts(true)?;
        }
        self.end_bulk_checkpoints();
        Ok(())
    }

    fn has_original(&self, sha256: &str) -> Result<bool> {
        let sha = sha256.trim().to_ascii_lowercase();
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM originals WHERE sha256 = ?1")?
            .exists([sha])?)
    }

    fn original_lookup(&self) -> Result<Option<Box<dyn crate::OriginalLookup>>> {
        let open_err = |source| StoreError::Open {
            path: self.path.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        Ok(Some(Box::new(OriginalsReader(conn))))
    }

    fn original(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let sha = sha256.trim().to_ascii_lowercase();
        Ok(self
            .conn
            .prepare_cached("SELECT bytes FROM originals WHERE sha256 = ?1")?
            .query_row([sha], |r| r.get(0))
            .optional()?)
    }

    fn original_info(&self, sha256: &str) -> Result<Option<OriginalInfo>> {
        let sha = sha256.trim().to_ascii_lowercase();
        let row = self
            .conn
            .prepare_cached(
                "SELECT sha256, size, first_path, first_seen FROM originals WHERE sha256 = ?1",
            )?
            .query_row([&sha], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()?;
        let Some((sha256, size, first_path, first_seen)) = row else {
            return Ok(None);
        };
        let paths = self
            .conn
            .prepare_cached(
                "SELECT source_path FROM sightings WHERE sha256 = ?1 ORDER BY first_seen, source_path",
            )?
            .query_map([&sha], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(Some(OriginalInfo {
            sha256,
            size: to_u64(size),
            first_path,
            first_seen,
            paths,
        }))
    }

    fn count_originals(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM originals", [], |r| r.get(0))?;
        Ok(to_u64(n))
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
        // Hex ids sort below "g": [prefix, prefix + "g") is exactly the ids with the prefix.
        let upper = format!("{prefix}g");
        let ids = self
            .conn
            .prepare_cached(
                "SELECT id FROM reports WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 3",
            )?
            .query_map([&prefix, &upper], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
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
        let mut stmt = self.conn.prepare_cached(REPORTS_PAGE_SQL)?;
        let rows = stmt
            .query_map(params![to_i64(limit), to_i64(offset)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, title, outlet, published, language, source_path, n)| {
                let published = parse_date(published, || format!("reports.published of {id}"))?;
                let language = from_word(&language, &format!("reports.language of {id}"))?;
                Ok(ReportSummary {
                    id,
                    title,
                    outlet,
                    published,
                    language,
                    source_path,
                    event_count: to_u64(n),
                })
            })
            .collect()
    }

    fn count_reports(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM reports", [], |r| r.get(0))?;
        Ok(to_u64(n))
    }

    fn search(&self, query: &str, limit: usize, offset: usize) -> Result<Vec<SearchHit>> {
        self.ranked_hits(query, limit, offset, None)
    }

    fn search_bounded(
        &self,
        query: &str,
        limit: usize,
        offset: usize,
        candidates: usize,
    ) -> Result<RankedHits> {
        let Some(q) = Query::parse(query) else {
            return Ok(RankedHits {
                hits: Vec::new(),
                ranked_among: None,
            });
        };
        // More matches than candidates? (Stops after candidates + 1 rowids.)
        let over: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT rowid FROM report_fts WHERE report_fts MATCH ?1
                 ORDER BY rowid DESC LIMIT ?2)",
            )?
            .query_row(
                params![q.fts_expression(), to_i64(candidates).saturating_add(1)],
                |r| r.get(0),
            )?;
        let bounded = to_u64(over) > candidates as u64;
        Ok(RankedHits {
            hits: self.ranked_hits(query, limit, offset, bounded.then_some(candidates))?,
            ranked_among: bounded.then_some(candidates as u64),
        })
    }

    fn count_search(&self, query: &str) -> Result<u64> {
        let Some(q) = Query::parse(query) else {
            return Ok(0);
        };
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM report_fts WHERE report_fts MATCH ?1")?
            .query_row([q.fts_expression()], |r| r.get(0))?;
        Ok(to_u64(n))
    }

    fn count_search_upto(&self, query: &str, cap: u64) -> Result<SearchCount> {
        match Query::parse(query) {
            Some(q) => self.match_count(&q.fts_expression(), cap),
            None => Ok(SearchCount::exact(0)),
        }
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
        // A text query matching many reports: walk the events in listing order and keep
        // those of matching reports (the first page comes quickly), instead of reading
        // every event of every matching report and sorting them.
        let hits = match filter.text.as_deref().and_then(Query::parse) {
            Some(q) => self.match_count(&q.fts_expression(), PROBE_COUNT_CAP)?,
            None => SearchCount::exact(0),
        };
        let broad_text = hits.more_than(BROAD_TEXT_REPORTS);
        if broad_text {
            // Sized from an estimate past PROBE_COUNT_CAP: the page is exact either way.
            let matches = usize::try_from(hits.approximate()).unwrap_or(usize::MAX);
            let window = (matches / PROBE_COST).clamp(PROBE_MIN, PROBE_WINDOW);
            if let Some(page) = self.events_by_walk(filter, window, None)? {
                return Ok(page);
            }
            // Matches sparse where the listing starts: collect the matching reports'
            // rowids once (linear in the matches, cheap per match) and walk on with a
            // cheap membership test instead of a full-text probe per event.
            if let (Some(q), Some(_)) =
                (filter.text.as_deref().and_then(Query::parse), filter.limit)
            {
                let set = self.matching_rowids(&q.fts_expression())?;
                let window = set
                    .rowids
                    .len()
                    .saturating_mul(SET_WALK_PER_MATCH)
                    .max(SET_WALK_MIN);
                if let Some(page) = self.events_by_walk(filter, window, Some(&set))? {
                    return Ok(page);
                }
            }
        }
        let (where_sql, mut params) = filter_sql(filter);
        let indexed = if broad_text {
            listing_index(filter)
        } else {
            ""
        };
        // `from` bounds only `eff_end`, which no index orders; a lower bound on `eff_start`
        // (from minus the longest event span, exact) lets the index range stop early.
        let mut where_sql = where_sql;
        if let Some(from) = filter.from {
            if let Some(lo) = crate::counts::earliest_start(&self.conn, from)? {
                where_sql.push_str(" AND e.eff_start >= ?");
                params.push(Value::Text(lo));
            }
        }
        // Pick the page's ids first (in index order where an index gives it), then read
        // those rows.
        let order = listing_order(filter);
        let sql = format!(
            "SELECT {EVENT_COLS} WHERE e.id IN (
                SELECT e.id FROM events e{indexed}{where_sql}
                ORDER BY {order} LIMIT ? OFFSET ?)
             ORDER BY e.eff_start IS NULL, e.eff_start, e.id"
        );
        params.push(Value::Integer(filter.limit.map(to_i64).unwrap_or(-1)));
        params.push(Value::Integer(to_i64(filter.offset)));
        self.query_events(&sql, &params)
    }

    fn count_events(&self, filter: &EventFilter) -> Result<u64> {
        if let Some(n) = crate::facets::count_events(&self.conn, filter)? {
            return Ok(n);
        }
        self.count_events_direct(filter)
    }

    fn report_events(&self, report_id: &str) -> Result<Vec<StoredEvent>> {
        let sql = format!("SELECT {EVENT_COLS} WHERE e.report_id = ? ORDER BY e.seq, e.id");
        self.query_events(&sql, &[Value::Text(report_id.trim().to_ascii_lowercase())])
    }

    fn event(&self, event_id: i64) -> Result<Option<StoredEvent>> {
        event_by_id(&self.conn, event_id)
    }

    fn stale_reports(&self, current_version: &str) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT r.id FROM reports r
                 WHERE (r.extracted_with IS NULL OR r.extracted_with <> ?1
                    OR EXISTS (SELECT 1 FROM events e WHERE e.report_id = r.id
                               AND e.review_state = 'machine' AND e.extractor_version <> ?1))
                   AND NOT EXISTS (SELECT 1 FROM report_imports i WHERE i.report_id = r.id)
                 ORDER BY r.rowid",
            )?
            .query_map([current_version], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?)
    }

    fn replace_machine_events(
        &mut self,
        report_id: &str,
        events: &[Event],
        version: &str,
    ) -> Result<usize> {
        let at = now();
        let report_id = report_id.trim().to_ascii_lowercase();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let published: Option<Option<String>> = tx
            .prepare_cached("SELECT published FROM reports WHERE id = ?1")?
            .query_row([&report_id], |r| r.get(0))
            .optional()?;
        let Some(published) = published else {
            return Err(StoreError::NoSuchReport(report_id));
        };
        let published = parse_date(published, || format!("reports.published of {report_id}"))?;
        crate::counts::adjust(&tx, crate::counts::EventSet::MachineOf(&report_id), -1)?;
        tx.prepare_cached("DELETE FROM events WHERE report_id = ?1 AND review_state = 'machine'")?
            .execute([&report_id])?;
        let (events_before, w) = crate::counts::insert_start(&tx)?;
        let n = insert_events(&tx, &report_id, published, events, version, &at)?;
        crate::counts::add_inserted(&tx, events_before, w)?;
        tx.prepare_cached("UPDATE reports SET extracted_with = ?1 WHERE id = ?2")?
            .execute([version, &report_id])?;
        bump_data_version(&tx)?;
        tx.commit()?;
        Ok(n)
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
        let at = now();
        let state = decision.state();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let old = event_by_id(&tx, event_id)?.ok_or(StoreError::NoSuchEvent(event_id))?;
        crate::counts::adjust(&tx, crate::counts::EventSet::Ids(&[event_id]), -1)?;
        let changed = match decision {
            ReviewDecision::Edit(e) => {
                let c = EventColumns::new(e, old.report_published)?;
                tx.prepare_cached(
                    "UPDATE events SET review_state = ?2, event_type = ?3, modality = ?4,
                        negated = ?5, confidence = ?6, actors_json = ?7, places_json = ?8,
                        date_json = ?9, attribution_json = ?10, quantities_json = ?11,
                        evidence_json = ?12, eff_start = ?13, eff_end = ?14, updated_at = ?15
                     WHERE id = ?1",
                )?
                .execute(params![
                    event_id,
                    state.as_str(),
                    c.event_type,
                    c.modality,
                    e.negated,
                    f64::from(e.confidence),
                    c.actors,
                    c.places,
                    c.date,
                    c.attribution,
                    c.quantities,
                    c.evidence,
                    c.eff_start,
                    c.eff_end,
                    at
                ])?;
                tx.prepare_cached("DELETE FROM event_actors WHERE event_id = ?1")?
                    .execute([event_id])?;
                tx.prepare_cached("DELETE FROM event_places WHERE event_id = ?1")?
                    .execute([event_id])?;
                insert_event_links(&tx, event_id, e)?;
                1
            }
            _ => tx
                .prepare_cached(
                    "UPDATE events SET review_state = ?2, updated_at = ?3 WHERE id = ?1",
                )?
                .execute(params![event_id, state.as_str(), at])?,
        };
        if changed == 0 {
            return Err(StoreError::NoSuchEvent(event_id));
        }
        crate::counts::adjust(&tx, crate::counts::EventSet::Ids(&[event_id]), 1)?;
        let (new, action) = crate::types::reviewed(&old, state, decision);
        let snapshot = crate::types::review_snapshot;
        tx.prepare_cached(
            "INSERT INTO audit_log(at, who, event_id, action, old_json, new_json, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            at,
            who,
            event_id,
            action,
            to_json(&snapshot(&old), "audit old value")?,
            to_json(&snapshot(&new), "audit new value")?,
            note
        ])?;
        bump_data_version(&tx)?;
        tx.commit()?;
        Ok(new)
    }

    fn audit_log(&self, event_id: Option<i64>) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, who, event_id, action, old_json, new_json, note FROM audit_log
             WHERE ?1 IS NULL OR event_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([event_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, at, who, event_id, action, old, new, note)| {
                Ok(AuditEntry {
                    old: from_json(&old, || format!("audit_log.old_json of entry {id}"))?,
                    new: from_json(&new, || format!("audit_log.new_json of entry {id}"))?,
                    id,
                    at,
                    who,
                    event_id,
                    action,
                    note,
                })
            })
            .collect()
    }

    fn verify(&self) -> Result<VerifyOutcome> {
        let mut out = VerifyOutcome::default();
        let mut stmt = self
            .conn
            .prepare("SELECT sha256, first_path, size, bytes FROM originals ORDER BY rowid")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            out.originals_checked += 1;
            let sha: String = row.get(0)?;
            let first_path: String = row.get(1)?;
            let size: i64 = row.get(2)?;
            let problem = match row.get_ref(3)?.as_blob() {
                Ok(bytes) => {
                    let actual = sha256_hex(bytes);
                    if actual != sha {
                        Some(format!("content now hashes to {actual}"))
                    } else if to_i64(bytes.len()) != size {
                        Some(format!("size is {} bytes, recorded {size}", bytes.len()))
                    } else {
                        None
                    }
                }
                Err(_) => Some("stored content is not a blob".to_string()),
            };
            if let Some(problem) = problem {
                out.mismatches.push(OriginalProblem {
                    sha256: sha,
                    first_path,
                    problem,
                });
            }
        }
        {
            // One read transaction. FTS5 checks whether its cached index structure is
            // still current when a query opens a cursor, not in `integrity_check`:
            // with the index in its own file, written by another connection, the
            // cursor opened first makes the check read the current structure.
            let tx = self.conn.unchecked_transaction()?;
            tx.query_row("SELECT count(*) FROM report_fts WHERE rowid = 0", [], |r| {
                r.get::<_, i64>(0)
            })?;
            let mut check = tx.prepare("PRAGMA integrity_check")?;
            for line in check.query_map([], |r| r.get::<_, String>(0))? {
                let line = line?;
                if line != "ok" {
                    out.integrity_problems.push(line);
                }
            }
            drop(check);
            tx.commit()?;
        }
        let mut fk = self.conn.prepare("PRAGMA foreign_key_check")?;
        let mut rows = fk.query([])?;
        while let Some(row) = rows.next()? {
            let table: String = row.get(0)?;
            let rowid: Option<i64> = row.get(1)?;
            let parent: String = row.get(2)?;
            out.integrity_problems.push(format!(
                "{table} row {} refers to a missing {parent} row",
                rowid.map_or("?".to_string(), |r| r.to_string())
            ));
        }
        Ok(out)
    }

    fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn facet_counts(
        &self,
        filter: &EventFilter,
        facet: Facet,
        limit: usize,
    ) -> Result<Vec<FacetCount>> {
        crate::facets::facet_counts(&self.conn, filter, facet, limit)
    }

    fn facet_counts_many(
        &self,
        filter: &EventFilter,
        facets: &[Facet],
        limit: usize,
    ) -> Result<Vec<Vec<FacetCount>>> {
        crate::facets::facet_counts_many(&self.conn, filter, facets, limit)
    }

    fn month_counts(&self, filter: &EventFilter) -> Result<Vec<MonthCount>> {
        crate::facets::month_counts(&self.conn, filter)
    }

    fn put_user(&mut self, name: &str, role: Role, password_hash: &str) -> Result<()> {
        crate::accounts::put_user(&self.conn, name, role, password_hash, &now())
    }

    fn user(&self, name: &str) -> Result<Option<User>> {
        crate::accounts::user(&self.conn, name)
    }

    fn users(&self) -> Result<Vec<User>> {
        crate::accounts::users(&self.conn)
    }

    fn create_session(
        &mut self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        crate::accounts::create_session(&self.conn, token_hash, user, csrf, expires_at, &now())
    }

    fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        crate::accounts::session(&self.conn, token_hash, &now())
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        crate::accounts::delete_session(&self.conn, token_hash, &now())
    }

    fn create_api_token(&mut self, token_hash: &str, name: &str, role: Role) -> Result<()> {
        crate::accounts::create_api_token(&self.conn, token_hash, name, role, &now())
    }

    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        crate::accounts::api_token(&self.conn, token_hash)
    }

    fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        crate::accounts::api_tokens(&self.conn)
    }

    fn delete_api_token(&mut self, name: &str) -> Result<bool> {
        crate::accounts::delete_api_token(&self.conn, name)
    }

    fn setting(&self, key: &str) -> Result<Option<String>> {
        crate::accounts::setting(&self.conn, key)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        crate::accounts::set_setting(&self.conn, key, value)
    }

    // ---- Interop (sqlite/interop.rs).

    fn for_each_event(
        &self,
        filter: &EventFilter,
        f: &mut dyn FnMut(crate::EventRecord) -> Result<()>,
    ) -> Result<u64> {
        interop::for_each_event(&self.conn, filter, f)
    }

    fn import_reports(&mut self, reports: &[crate::ImportReport]) -> Result<crate::ImportOutcome> {
        let out = interop::import_reports(&mut self.conn, reports, self.fts.is_some())?;
        self.catch_up_fts(true)?;
        Ok(out)
    }

    fn feed_state(&self, url: &str) -> Result<Option<crate::FeedState>> {
        interop::feed_state(&self.conn, url)
    }

    fn set_feed_state(&mut self, state: &crate::FeedState) -> Result<()> {
        interop::set_feed_state(&self.conn, state)
    }

    fn save_alert(&mut self, name: &str, query: &crate::AlertQuery) -> Result<crate::Alert> {
        interop::save_alert(&self.conn, name, query)
    }

    fn alerts(&self) -> Result<Vec<crate::Alert>> {
        interop::alerts(&self.conn)
    }

    fn delete_alert(&mut self, name: &str) -> Result<bool> {
        interop::delete_alert(&self.conn, name)
    }

    fn mark_alert_checked(&mut self, name: &str, last_event_id: i64) -> Result<()> {
        interop::mark_alert_checked(&self.conn, name, last_event_id)
    }

    fn events_after(
        &self,
        filter: &EventFilter,
        after_id: i64,
        newest: usize,
    ) -> Result<(u64, Vec<StoredEvent>)> {
        // An id range on the primary key: cheap when few events are new.
        let (mut clauses, mut params) = filter_clauses(filter);
        clauses.push("e.id > ?");
        clauses.push("e.review_state <> 'rejected'");
        params.push(Value::Integer(after_id));
        let where_sql = clauses.join(" AND ");
        let count: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM events e WHERE {where_sql}"))?
            .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
        params.push(Value::Integer(to_i64(newest)));
        let sql = format!(
            "SELECT {EVENT_COLS} WHERE e.id IN (
                SELECT e.id FROM events e WHERE {where_sql} ORDER BY e.id DESC LIMIT ?)
             ORDER BY e.id DESC"
        );
        Ok((to_u64(count), self.query_events(&sql, &params)?))
    }

    // ---- Incidents (sqlite/incidents.rs).

    fn for_each_incident_input(
        &self,
        reports: Option<&[String]>,
        f: &mut dyn FnMut(crate::IncidentInput) -> Result<()>,
    ) -> Result<u64> {
        incidents::for_each_incident_input(self, reports, f)
    }

    fn replace_incidents(&mut self, set: &crate::IncidentSet) -> Result<()> {
        incidents::replace_incidents(&mut self.conn, set, &now())
    }

    fn incident_state(&self) -> Result<Option<crate::IncidentState>> {
        incidents::incident_state(&self.conn)
    }

    fn incidents(&self, filter: &crate::IncidentFilter) -> Result<Vec<crate::IncidentSummary>> {
        incidents::incidents(&self.conn, filter)
    }

    fn count_incidents(&self, filter: &crate::IncidentFilter) -> Result<u64> {
        incidents::count_incidents(&self.conn, filter)
    }

    fn incident(&self, id: &str) -> Result<Option<crate::IncidentDetail>> {
        incidents::incident(&self.conn, id)
    }

    fn incident_of_event(&self, event_id: i64) -> Result<Option<String>> {
        incidents::incident_of_event(&self.conn, event_id)
    }

    fn duplicate_links(&self) -> Result<Vec<crate::DuplicateOf>> {
        incidents::duplicate_links(&self.conn)
    }

    fn add_incident_pin(
        &mut self,
        pin: &crate::NewIncidentPin,
        who: &str,
    ) -> Result<crate::IncidentPin> {
        incidents::add_incident_pin(&mut self.conn, pin, who, &now())
    }

    fn incident_pins(&self) -> Result<Vec<crate::IncidentPin>> {
        incidents::incident_pins(&self.conn)
    }

    fn incident_delta(
        &self,
        since: Option<&crate::IncidentWatermark>,
    ) -> Result<crate::IncidentDelta> {
        incidents::incident_delta(&self.conn, since)
    }

    fn incident_lookup(&self, lookup: &crate::IncidentLookup) -> Result<Vec<String>> {
        incidents::incident_lookup(&self.conn, lookup)
    }

    fn copy_links_of(&self, reports: &[String]) -> Result<Vec<crate::DuplicateOf>> {
        incidents::copy_links_of(&self.conn, reports)
    }

    fn data_version(&self) -> Result<u64> {
        let v: Option<i64> = self
            .conn
            .prepare_cached("SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?1")?
            .query_row([DATA_VERSION_KEY], |r| r.get(0))
            .optional()?;
        Ok(v.map_or(0, to_u64))
    }
}

/// The settings key of [`Store::data_version`].
const DATA_VERSION_KEY: &str = "data_version";

/// Count one change of the data, inside the writing transaction.
fn bump_data_version(tx: &Transaction<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO settings(key, value) VALUES (?1, '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
    )?
    .execute([DATA_VERSION_KEY])?;
    Ok(())
}
