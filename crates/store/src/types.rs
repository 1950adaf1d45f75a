//! Plain data types of the [`crate::Store`] interface. No database details here.

use chrono::NaiveDate;
use lantern_extract::{Actor, Event, EventType};
use lantern_ingest::{Language, Report};
use serde::{Deserialize, Serialize};

/// One file to ingest: its exact bytes and the reports (with their events) read from it.
#[derive(Debug, Clone)]
pub struct FileInput {
    /// The file's bytes, exactly as read. Stored once, keyed by their SHA-256.
    pub original: Vec<u8>,
    /// The path or URL the file was read from.
    pub source_path: String,
    /// The reports parsed from the file, each with the events extracted from it.
    pub reports: Vec<(Report, Vec<Event>)>,
    /// The extractor version that produced the events.
    pub extractor_version: String,
}

/// What happened to one file of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileOutcome {
    /// SHA-256 (hex) of the file's bytes.
    pub original_sha256: String,
    /// True when the bytes were not stored before (false: already kept, not stored again).
    pub original_new: bool,
    /// One outcome per report of the file, in input order.
    pub reports: Vec<ReportOutcome>,
}

impl FileOutcome {
    /// Number of reports newly stored from this file.
    pub fn stored(&self) -> usize {
        self.reports
            .iter()
            .filter(|r| matches!(r, ReportOutcome::Stored { .. }))
            .count()
    }

    /// Number of reports of this file that were duplicates.
    pub fn duplicates(&self) -> usize {
        self.reports.len() - self.stored()
    }
}

/// What happened to one report of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReportOutcome {
    /// Newly stored, with this many events.
    Stored {
        /// The report id.
        id: String,
        /// Events stored with it.
        events: usize,
    },
    /// A report with the same clean body is already stored; nothing was inserted.
    Duplicate {
        /// The id of the stored report (equal to this report's id: same body hash).
        existing_id: String,
        /// Where the stored report was first read from.
        existing_source_path: String,
    },
}

/// Metadata of a stored original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalInfo {
    /// SHA-256 (hex) of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The source path it was first ingested from.
    pub first_path: String,
    /// RFC 3339 time it was first stored.
    pub first_seen: String,
    /// Every source path it was seen at, in order of first sighting.
    pub paths: Vec<String>,
}

/// One line of a report listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSummary {
    /// Report id (SHA-256 of the body).
    pub id: String,
    /// Title, if the file had one.
    pub title: Option<String>,
    /// Outlet, if known.
    pub outlet: Option<String>,
    /// Publication date, if known.
    pub published: Option<NaiveDate>,
    /// Body language.
    pub language: Language,
    /// Where the report was read from.
    pub source_path: String,
    /// Number of its events that are not rejected.
    pub event_count: u64,
}

/// One full-text search hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// Report id.
    pub report_id: String,
    /// Report title.
    pub title: Option<String>,
    /// Publication date.
    pub published: Option<NaiveDate>,
    /// An excerpt of the original body with the matches marked «like this».
    pub snippet: String,
    /// Relevance; higher is better (negated BM25; `ts_rank` on PostgreSQL, where the
    /// hits of a query matching more than 1,000 reports are listed newest first with 0).
    pub score: f64,
}

/// Hits of [`Store::search_bounded`](crate::Store::search_bounded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedHits {
    /// Best first.
    pub hits: Vec<SearchHit>,
    /// `Some(n)`: more reports match than were ranked; these hits are the best of the
    /// `n` most recently stored matching reports. `Some(0)`: none was ranked, the hits
    /// are listed newest first (PostgreSQL, for a query matching more than 1,000
    /// reports). `None`: every match was ranked.
    pub ranked_among: Option<u64>,
}

/// How many reports a text query matches, counted up to a cap
/// ([`Store::count_search_upto`](crate::Store::count_search_upto)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SearchCount {
    /// The number of matching reports when `exact`; otherwise the cap, and more than
    /// this many reports match (a lower bound).
    pub count: u64,
    /// Whether `count` is the exact number of matches.
    pub exact: bool,
    /// When not `exact`: an estimate of the number of matches (not a count), from how
    /// densely the `count + 1` most recently stored matches fill the most recently
    /// stored reports. At least `count + 1`.
    pub estimate: Option<u64>,
}

impl SearchCount {
    /// An exact count.
    pub fn exact(count: u64) -> SearchCount {
        SearchCount {
            count,
            exact: true,
            estimate: None,
        }
    }

    /// Whether more than `n` reports match (known from the count whenever `n` is at
    /// most the cap).
    pub fn more_than(&self, n: u64) -> bool {
        if self.exact {
            self.count > n
        } else {
            self.count >= n
        }
    }

    /// The exact count, or else the estimate (else the lower bound): for sizing work,
    /// never for display as a count.
    pub fn approximate(&self) -> u64 {
        if self.exact {
            self.count
        } else {
            self.estimate.unwrap_or(self.count.saturating_add(1))
        }
    }
}

/// The review state of a stored event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// As extracted; replaced on re-extraction.
    Machine,
    /// A reviewer confirmed it.
    Confirmed,
    /// A reviewer rejected it.
    Rejected,
    /// A reviewer corrected it.
    Edited,
}

impl ReviewState {
    /// All states.
    pub const ALL: [ReviewState; 4] = [
        ReviewState::Machine,
        ReviewState::Confirmed,
        ReviewState::Rejected,
        ReviewState::Edited,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Machine => "machine",
            ReviewState::Confirmed => "confirmed",
            ReviewState::Rejected => "rejected",
            ReviewState::Edited => "edited",
        }
    }

    /// Parse the stored word.
    pub fn parse(s: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A reviewer's decision on an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", content = "event", rename_all = "snake_case")]
pub enum ReviewDecision {
    /// The event is right as it stands.
    Confirm,
    /// The event is wrong.
    Reject,
    /// The event, corrected.
    Edit(Box<Event>),
}

impl ReviewDecision {
    /// The review state this decision leads to.
    pub fn state(&self) -> ReviewState {
        match self {
            ReviewDecision::Confirm => ReviewState::Confirmed,
            ReviewDecision::Reject => ReviewState::Rejected,
            ReviewDecision::Edit(_) => ReviewState::Edited,
        }
    }
}

/// Which events to list. All fields are optional; `Default` lists everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Only this event type.
    pub event_type: Option<EventType>,
    /// Only events with a place whose name, gazetteer id or admin1 equals this
    /// (case-insensitive).
    pub place: Option<String>,
    /// Only events naming this actor.
    pub actor: Option<Actor>,
    /// Only events ending on or after this date (event date, else report published).
    pub from: Option<NaiveDate>,
    /// Only events starting on or before this date (event date, else report published).
    pub to: Option<NaiveDate>,
    /// Only events of this report (full id).
    pub report_id: Option<String>,
    /// Only events in this review state.
    pub review_state: Option<ReviewState>,
    /// Only events with a place in this first-level division (admin1, case-insensitive).
    pub province: Option<String>,
    /// Only events of reports from this outlet (case-insensitive).
    pub outlet: Option<String>,
    /// Only events of reports matching this full-text query (see [`crate::search`]);
    /// a query with no searchable word matches nothing.
    pub text: Option<String>,
    /// Only events in an incident reported by at least this many independent outlets
    /// (1: in any incident; events of copies are in none).
    pub min_outlets: Option<u32>,
    /// Leave out events of reports that copy another (reposts, syndication).
    pub skip_copies: bool,
    /// At most this many events (`None`: all).
    pub limit: Option<usize>,
    /// Skip this many events first.
    pub offset: usize,
}

/// An event as stored, with its identity and provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    /// Stable id for as long as the event exists (re-extraction gives machine events new ids).
    pub id: i64,
    /// The report it was extracted from.
    pub report_id: String,
    /// The event itself.
    pub event: Event,
    /// Extractor version that produced it.
    pub extractor_version: String,
    /// Review state.
    pub review_state: ReviewState,
    /// Title of the report, for display.
    pub report_title: Option<String>,
    /// Publication date of the report, for display.
    pub report_published: Option<NaiveDate>,
}

/// One entry of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// RFC 3339 time of the change.
    pub at: String,
    /// Who made it.
    pub who: String,
    /// The event concerned.
    pub event_id: i64,
    /// What was done (`confirm`, `reject`, `edit`).
    pub action: String,
    /// The event and state before, as JSON.
    pub old: serde_json::Value,
    /// The event and state after, as JSON.
    pub new: serde_json::Value,
    /// The reviewer's note.
    pub note: Option<String>,
}

/// A stored original that failed verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalProblem {
    /// The SHA-256 the original is stored under.
    pub sha256: String,
    /// The path it was first ingested from.
    pub first_path: String,
    /// What is wrong.
    pub problem: String,
}

/// Result of [`crate::Store::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct VerifyOutcome {
    /// Number of originals re-hashed.
    pub originals_checked: u64,
    /// Originals whose bytes no longer match their hash or size.
    pub mismatches: Vec<OriginalProblem>,
    /// Problems reported by the database's own integrity check (empty when fine).
    pub integrity_problems: Vec<String>,
}

impl VerifyOutcome {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.mismatches.is_empty() && self.integrity_problems.is_empty()
    }
}

/// A dimension events are counted by (see [`crate::Store::facet_counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    /// The event type (value: codebook name).
    EventType,
    /// The first-level division of any of the event's places (value: admin1 name).
    Province,
    /// Any of the event's places (value: gazetteer id, label: place name).
    Place,
    /// Any of the event's actors (value: actor id).
    Actor,
    /// The outlet of the event's report.
    Outlet,
    /// The review state (value: `machine`, `confirmed`, ...).
    ReviewState,
}

impl Facet {
    /// All facets.
    pub const ALL: [Facet; 6] = [
        Facet::EventType,
        Facet::Province,
        Facet::Place,
        Facet::Actor,
        Facet::Outlet,
        Facet::ReviewState,
    ];
}

/// Number of events with one value of a facet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value to filter by (an id or a name).
    pub value: String,
    /// What to show (a place's name; otherwise equal to `value`).
    pub label: String,
    /// Number of distinct events.
    pub count: u64,
}

/// Number of events of one type starting in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCount {
    /// `YYYY-MM` of the event's effective start date.
    pub month: String,
    /// The event type.
    pub event_type: EventType,
    /// Number of events.
    pub count: u64,
}

/// What an account may do. Ordered: each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Reads, ingests and reviews events.
    Editor,
    /// Also manages accounts, tokens and settings.
    Admin,
}

impl Role {
    /// All roles, least privileged first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parse the stored word.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An account. The password is kept only as a hash made by the caller (argon2 PHC string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Password hash (PHC string).
    pub password_hash: String,
    /// RFC 3339 time of creation.
    pub created_at: String,
}

/// A live login session, found by the hash of its cookie token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The account name.
    pub user: String,
    /// The account's current role.
    pub role: Role,
    /// The session's CSRF token, to be echoed by every form.
    pub csrf: String,
    /// RFC 3339 expiry time.
    pub expires_at: String,
}

/// An API token for scripts (the token itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Unique name given at creation.
    pub name: String,
    /// What the token may do.
    pub role: Role,
    /// RFC 3339 time of creation.
    pub created_at: String,
}

/// An event after a review decision, and the audit log's name for the decision. Shared
/// by every backend's `review_event`.
pub(crate) fn reviewed(
    old: &StoredEvent,
    state: ReviewState,
    decision: &ReviewDecision,
) -> (StoredEvent, &'static str) {
    let mut new = old.clone();
    new.review_state = state;
    if let ReviewDecision::Edit(e) = decision {
        new.event = (**e).clone();
    }
    let action = match decision {
        ReviewDecision::Confirm => "confirm",
        ReviewDecision::Reject => "reject",
        ReviewDecision::Edit(_) => "edit",
    };
    (new, action)
}

/// What the audit log keeps of an event before and after a review.
pub(crate) fn review_snapshot(s: &StoredEvent) -> serde_json::Value {
    serde_json::json!({
        "review_state": s.review_state,
        "extractor_version": s.extractor_version,
        "event": s.event,
    })
}
