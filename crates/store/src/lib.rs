//! Store: keeps the evidence and the record. Original files are written once,
//! content-addressed by SHA-256; reports, events and the full-text index live in a
//! database behind the [`Store`] trait (SQLite embedded by default).
//!
//! Callers only see the [`Store`] trait and the plain types of this module, so they
//! cannot tell which database they use. [`SqliteStore`] is the embedded implementation:
//! one `lantern.db` file in a data folder. [`PostgresStore`] keeps the same data in a
//! PostgreSQL database that several processes share (`PostgresStore::connect(url)`);
//! the store tests run the same contract on both.
//!
//! ```
//! use lantern_store::{EventFilter, FileInput, SqliteStore, Store};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut store: Box<dyn Store> = Box::new(SqliteStore::open(dir.path()).unwrap());
//! let bytes = "---\ntitle: Test\npublished: 2024-03-05\n---\n혜산시에서 단속이 있었다.\n"
//!     .as_bytes()
//!     .to_vec();
//! let reports = lantern_ingest::parse_file(&bytes, "a.txt", "2026-01-01T00:00:00Z")
//!     .unwrap()
//!     .into_iter()
//!     .flatten()
//!     .map(|r| {
//!         let events = lantern_extract::extract(&r);
//!         (r, events)
//!     })
//!     .collect();
//! let file = FileInput {
//!     original: bytes,
//!     source_path: "a.txt".into(),
//!     reports,
//!     extractor_version: lantern_extract::EXTRACTOR_VERSION.into(),
//! };
//! let outcome = store.ingest_batch(&[file]).unwrap();
//! assert!(outcome[0].original_new);
//! assert_eq!(store.count_reports().unwrap(), 1);
//! let hits = store.search("혜산", 10, 0).unwrap();
//! assert!(hits[0].snippet.contains("«혜산»시에서"));
//! let _events = store.events(&EventFilter::default()).unwrap();
//! ```

#![warn(missing_docs)]

mod accounts;
pub mod backup;
pub mod copy;
mod counts;
mod error;
mod facets;
pub mod incidents;
mod interop;
mod open;
mod postgres;
mod prepared;
mod rawstmt;
mod schema;
pub mod search;
mod sqlite;
mod types;

pub use error::{Result, StoreError};
pub use incidents::{
    DuplicateOf, IncidentDelta, IncidentDetail, IncidentDisagreement, IncidentEvent,
    IncidentFilter, IncidentInput, IncidentLookup, IncidentPin, IncidentSet, IncidentState,
    IncidentSummary, IncidentWatermark, NewIncident, NewIncidentPin, PinKind, RefreshMark,
    ReportValue,
};
pub use interop::*;
pub use open::{open, redact_url, StoreSpec};
pub use postgres::PostgresStore;
pub use prepared::PreparedFile;
pub use sqlite::{SqliteStore, FTS_FILE};
pub use types::*;

use lantern_extract::Event;
use lantern_ingest::Report;

/// Whether originals are stored, asked from a thread other than the store's (see
/// [`Store::original_lookup`]).
pub trait OriginalLookup: Send {
    /// Whether an original with this SHA-256 (hex) is stored (committed).
    fn has_original(&mut self, sha256: &str) -> Result<bool>;
}

/// Everything Lantern keeps: originals, reports, events, the search index and the
/// audit log. Object safe: use it as `Box<dyn Store>`.
///
/// Writes (`&mut self`) are atomic: each call is one transaction, so a crash leaves
/// either all of it or none of it.
pub trait Store: Send {
    /// Store a batch of files in one transaction: each original once (content-addressed),
    /// a sighting of (original, source path), every report whose id is new, and that
    /// report's events as `machine` events of the file's extractor version.
    /// Returns one outcome per input file, in order.
    fn ingest_batch(&mut self, files: &[FileInput]) -> Result<Vec<FileOutcome>>;

    /// [`Store::ingest_batch`] of files whose rows were computed ahead
    /// ([`PreparedFile::new`], on the caller's threads): the same outcome, with less
    /// work on the writing thread. The default writes the files as given.
    fn ingest_prepared(&mut self, files: Vec<PreparedFile>) -> Result<Vec<FileOutcome>> {
        let inputs: Vec<FileInput> = files.into_iter().map(PreparedFile::into_input).collect();
        self.ingest_batch(&inputs)
    }

    /// The end of an ingest run of [`Store::ingest_batch`] / [`Store::ingest_prepared`]
    /// calls: a store that defers derived work across the batches of a run (SQLite
    /// folds its batches' count-table sums into the table every so many events and
    /// here) finishes it. Reads are exact before and after; the default does nothing.
    fn finish_ingest(&mut self) -> Result<()> {
        Ok(())
    }

    /// Whether an original with this SHA-256 (hex) is stored.
    fn has_original(&self, sha256: &str) -> Result<bool>;

    /// A check of stored originals for another thread (the ingest's reader), on a
    /// connection of its own: SQLite opens a second, read-only connection to the
    /// store's file; it sees what is committed. `None` (the default) when the store has
    /// none to give: the caller then asks [`Store::has_original`] on the store's thread.
    fn original_lookup(&self) -> Result<Option<Box<dyn OriginalLookup>>> {
        Ok(None)
    }

    /// The exact bytes of a stored original.
    fn original(&self, sha256: &str) -> Result<Option<Vec<u8>>>;

    /// What is known about a stored original, without its bytes.
    fn original_info(&self, sha256: &str) -> Result<Option<OriginalInfo>>;

    /// Number of stored originals.
    fn count_originals(&self) -> Result<u64>;

    /// A report by full id or by a unique id prefix (hex, case-insensitive).
    /// An ambiguous prefix is [`StoreError::AmbiguousPrefix`].
    fn report(&self, id_or_prefix: &str) -> Result<Option<Report>>;

    /// One page of reports, newest published first (undated last, then by ingest order).
    fn reports(&self, limit: usize, offset: usize) -> Result<Vec<ReportSummary>>;

    /// Number of stored reports.
    fn count_reports(&self) -> Result<u64>;

    /// Full-text search over titles and bodies, best hits first. See [`search`] for
    /// the query language (words, "phrases", `OR`, `-exclusion`, `word*`).
    /// A query with no searchable word returns no hits. On PostgreSQL a query matching
    /// more than 1,000 reports is listed newest first, unranked (score 0).
    fn search(&self, query: &str, limit: usize, offset: usize) -> Result<Vec<SearchHit>>;

    /// [`Store::search`] that may rank only the `candidates` most recently stored
    /// matching reports when more match (a broad query), so that its cost is bounded
    /// whatever the number of matches; [`RankedHits::ranked_among`] says when it did.
    /// The default ranks every match; PostgreSQL ranks none of a query matching more
    /// than 1,000 reports and lists them newest first (`ranked_among` is `Some(0)`).
    fn search_bounded(
        &self,
        query: &str,
        limit: usize,
        offset: usize,
        candidates: usize,
    ) -> Result<RankedHits> {
        let _ = candidates;
        Ok(RankedHits {
            hits: self.search(query, limit, offset)?,
            ranked_among: None,
        })
    }

    /// Number of reports a search matches.
    fn count_search(&self, query: &str) -> Result<u64>;

    /// [`Store::count_search`] counted exactly up to `cap` matches only: past it, the
    /// answer says that more than `cap` match and may carry an estimate of how many
    /// ([`SearchCount`]). Counting a phrase walks the position lists of every match, so
    /// an exact count grows with the matches (at 1,000,000 reports a phrase matching
    /// 282,219 cost most of a 200 ms budget). The default counts exactly.
    fn count_search_upto(&self, query: &str, cap: u64) -> Result<SearchCount> {
        let _ = cap;
        Ok(SearchCount::exact(self.count_search(query)?))
    }

    /// Events matching a filter, ordered by effective start date (undated last), then id.
    fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>>;

    /// Number of events matching a filter (ignores its limit and offset).
    fn count_events(&self, filter: &EventFilter) -> Result<u64>;

    /// All events of one report (full id), in extraction order.
    fn report_events(&self, report_id: &str) -> Result<Vec<StoredEvent>>;

    /// One event by id.
    fn event(&self, event_id: i64) -> Result<Option<StoredEvent>>;

    /// Ids of reports that need (re-)extraction with `current_version`: never extracted,
    /// extracted with another version, or holding machine events of another version.
    fn stale_reports(&self, current_version: &str) -> Result<Vec<String>>;

    /// Replace a report's `machine` events with `events` extracted by `version`, in one
    /// transaction. Reviewed events (confirmed, rejected, edited) are never touched.
    /// Returns the number of events inserted.
    fn replace_machine_events(
        &mut self,
        report_id: &str,
        events: &[Event],
        version: &str,
    ) -> Result<usize>;

    /// Record a human review of an event: sets its review state (and for an edit its
    /// content) and appends the change, old and new, to the audit log. One transaction.
    fn review_event(
        &mut self,
        event_id: i64,
        who: &str,
        decision: &ReviewDecision,
        note: Option<&str>,
    ) -> Result<StoredEvent>;

    /// The audit log, oldest first; only entries for one event when `event_id` is given.
    fn audit_log(&self, event_id: Option<i64>) -> Result<Vec<AuditEntry>>;

    /// Re-hash every stored original and check the database's integrity.
    fn verify(&self) -> Result<VerifyOutcome>;

    /// The schema version of the open database.
    fn schema_version(&self) -> Result<u32>;

    /// Events matching `filter` counted by each value of `facet`, most frequent first
    /// (ties by value), at most `limit` values. Ignores the filter's limit and offset.
    fn facet_counts(
        &self,
        filter: &EventFilter,
        facet: Facet,
        limit: usize,
    ) -> Result<Vec<FacetCount>>;

    /// [`Store::facet_counts`] of several facets under one filter, in the order of
    /// `facets`. SQLite finds the filter's events once for all the facets it counts
    /// directly (not from the count table) by joining their places, actors or outlets,
    /// instead of once per facet. The default asks [`Store::facet_counts`] per facet.
    fn facet_counts_many(
        &self,
        filter: &EventFilter,
        facets: &[Facet],
        limit: usize,
    ) -> Result<Vec<Vec<FacetCount>>> {
        facets
            .iter()
            .map(|&f| self.facet_counts(filter, f, limit))
            .collect()
    }

    /// Events matching `filter` counted by month of their effective start date and by
    /// type, oldest month first. Undated events are left out.
    fn month_counts(&self, filter: &EventFilter) -> Result<Vec<MonthCount>>;

    /// Create an account, or replace the role and password hash of an existing one.
    fn put_user(&mut self, name: &str, role: Role, password_hash: &str) -> Result<()>;

    /// An account by name.
    fn user(&self, name: &str) -> Result<Option<User>>;

    /// All accounts, by name.
    fn users(&self) -> Result<Vec<User>>;

    /// Start a session for `user`, found later by `token_hash`, until `expires_at` (RFC 3339 UTC).
    fn create_session(
        &mut self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()>;

    /// The live (unexpired) session with this token hash, with its account's role.
    fn session(&self, token_hash: &str) -> Result<Option<Session>>;

    /// End a session (and drop every expired one).
    fn delete_session(&mut self, token_hash: &str) -> Result<()>;

    /// Create an API token named `name` (unique) with a role, stored by its hash.
    fn create_api_token(&mut self, token_hash: &str, name: &str, role: Role) -> Result<()>;

    /// The API token with this hash.
    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>>;

    /// All API tokens, by name.
    fn api_tokens(&self) -> Result<Vec<ApiToken>>;

    /// Delete the API token named `name`; false when there was none.
    fn delete_api_token(&mut self, name: &str) -> Result<bool>;

    /// A setting's value.
    fn setting(&self, key: &str) -> Result<Option<String>>;

    /// Set a setting.
    fn set_setting(&mut self, key: &str, value: &str) -> Result<()>;

    /// A number that changes whenever reports, events or reviews change (through any
    /// connection), so that callers can cache counts. Cheap to read.
    fn data_version(&self) -> Result<u64>;

    // ---- Interop: exports, imports, feeds. Default bodies refuse, so that other
    // implementations (test doubles) need not provide them.

    /// Call `f` with each event matching `filter` (limit and offset included), in the
    /// order of [`Store::events`], one at a time and in constant memory, with what
    /// exports need of its report. An error from `f` stops the walk and is returned.
    /// Returns the number of events passed to `f`.
    fn for_each_event(
        &self,
        filter: &EventFilter,
        f: &mut dyn FnMut(EventRecord) -> Result<()>,
    ) -> Result<u64> {
        let _ = (filter, f);
        Err(unsupported("for_each_event"))
    }

    /// Import reports with their events in one transaction. A report whose id is
    /// already stored is left untouched with its events (nothing is imported twice).
    fn import_reports(&mut self, reports: &[ImportReport]) -> Result<ImportOutcome> {
        let _ = reports;
        Err(unsupported("import_reports"))
    }

    /// The polling state of a feed URL, if it was polled before.
    fn feed_state(&self, url: &str) -> Result<Option<FeedState>> {
        let _ = url;
        Err(unsupported("feed_state"))
    }

    /// Record the polling state of a feed URL (insert or replace).
    fn set_feed_state(&mut self, state: &FeedState) -> Result<()> {
        let _ = state;
        Err(unsupported("set_feed_state"))
    }

    /// Save a search under a name (replacing the query of one with that name, which
    /// keeps its last check). A new alert has seen nothing yet.
    fn save_alert(&mut self, name: &str, query: &AlertQuery) -> Result<Alert> {
        let _ = (name, query);
        Err(unsupported("save_alert"))
    }

    /// Saved searches, by name.
    fn alerts(&self) -> Result<Vec<Alert>> {
        Err(unsupported("alerts"))
    }

    /// Delete a saved search; false if there was none with that name.
    fn delete_alert(&mut self, name: &str) -> Result<bool> {
        let _ = name;
        Err(unsupported("delete_alert"))
    }

    /// Record a check of an alert: events up to `last_event_id` are seen.
    fn mark_alert_checked(&mut self, name: &str, last_event_id: i64) -> Result<()> {
        let _ = (name, last_event_id);
        Err(unsupported("mark_alert_checked"))
    }

    /// The new matches of a saved search: events matching `filter` (its limit and offset
    /// ignored) with an id above `after_id`, rejected ones left out. Returns how many
    /// there are and the `newest` of them with the highest ids, highest first. The
    /// default walks [`Store::for_each_event`]; stores override it with an id-range query.
    fn events_after(
        &self,
        filter: &EventFilter,
        after_id: i64,
        newest: usize,
    ) -> Result<(u64, Vec<StoredEvent>)> {
        events_after_by_walk(self, filter, after_id, newest)
    }

    // ---- Incidents (see [`incidents`]): near-duplicate links, incidents, analyst pins.
    // Default bodies refuse, as above.

    /// Call `f` with every report (or only those named in `reports`), its events that
    /// are not rejected (in extraction order) and its stored MinHash signature, one
    /// report at a time, in report id order. Returns the number of reports.
    fn for_each_incident_input(
        &self,
        reports: Option<&[String]>,
        f: &mut dyn FnMut(IncidentInput) -> Result<()>,
    ) -> Result<u64> {
        let _ = (reports, f);
        Err(unsupported("for_each_incident_input"))
    }

    /// Replace, in one transaction, all incidents and their events, every report's
    /// `duplicate_of`, and the recomputation state; store the new signatures. With
    /// `set.only`, replace just those incidents.
    fn replace_incidents(&mut self, set: &IncidentSet) -> Result<()> {
        let _ = set;
        Err(unsupported("replace_incidents"))
    }

    /// The state of the last recomputation; `None` if incidents were never computed.
    fn incident_state(&self) -> Result<Option<IncidentState>> {
        Err(unsupported("incident_state"))
    }

    /// Incidents matching a filter, newest first (undated last), then by id.
    fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<IncidentSummary>> {
        let _ = filter;
        Err(unsupported("incidents"))
    }

    /// Number of incidents matching a filter (ignores its limit and offset).
    fn count_incidents(&self, filter: &IncidentFilter) -> Result<u64> {
        let _ = filter;
        Err(unsupported("count_incidents"))
    }

    /// One incident with its events.
    fn incident(&self, id: &str) -> Result<Option<IncidentDetail>> {
        let _ = id;
        Err(unsupported("incident"))
    }

    /// The incident an event belongs to, if any.
    fn incident_of_event(&self, event_id: i64) -> Result<Option<String>> {
        let _ = event_id;
        Err(unsupported("incident_of_event"))
    }

    /// Every report linked as a copy of another, by report id.
    fn duplicate_links(&self) -> Result<Vec<DuplicateOf>> {
        Err(unsupported("duplicate_links"))
    }

    /// Record an analyst's merge or split and append it to the audit log (filed under
    /// `pin.audit_event_id`, action `incident_merge` / `incident_split`), in one
    /// transaction. Takes effect at the next [`incidents::recompute`].
    fn add_incident_pin(&mut self, pin: &NewIncidentPin, who: &str) -> Result<IncidentPin> {
        let _ = (pin, who);
        Err(unsupported("add_incident_pin"))
    }

    /// All analyst decisions on incidents, oldest first.
    fn incident_pins(&self) -> Result<Vec<IncidentPin>> {
        Err(unsupported("incident_pins"))
    }

    /// What changed since an incident refresh that started at `since` (see
    /// [`IncidentDelta`]); `None`: never refreshed.
    fn incident_delta(&self, since: Option<&IncidentWatermark>) -> Result<IncidentDelta> {
        let _ = since;
        Err(unsupported("incident_delta"))
    }

    /// Look up reports or incidents by their index keys (incremental refresh).
    fn incident_lookup(&self, lookup: &IncidentLookup) -> Result<Vec<String>> {
        let _ = lookup;
        Err(unsupported("incident_lookup"))
    }

    /// The copy links of these reports: those linking one of them as a copy, and those
    /// naming one of them as the original.
    fn copy_links_of(&self, reports: &[String]) -> Result<Vec<DuplicateOf>> {
        let _ = reports;
        Err(unsupported("copy_links_of"))
    }
}

/// [`Store::events_after`] by walking every match with [`Store::for_each_event`].
pub fn events_after_by_walk<S: Store + ?Sized>(
    store: &S,
    filter: &EventFilter,
    after_id: i64,
    newest: usize,
) -> Result<(u64, Vec<StoredEvent>)> {
    let all = EventFilter {
        limit: None,
        offset: 0,
        ..filter.clone()
    };
    let mut count = 0u64;
    let mut kept: Vec<StoredEvent> = Vec::new();
    store.for_each_event(&all, &mut |r| {
        if r.stored.id > after_id && r.stored.review_state != ReviewState::Rejected {
            count += 1;
            let pos = kept.partition_point(|x| x.id > r.stored.id);
            if pos < newest {
                kept.insert(pos, r.stored);
                kept.truncate(newest);
            }
        }
        Ok(())
    })?;
    Ok((count, kept))
}

fn unsupported(what: &str) -> StoreError {
    StoreError::Invalid {
        what: what.to_string(),
        reason: "not supported by this store".to_string(),
    }
}
