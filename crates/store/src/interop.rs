//! Plain types of the interop part of the [`crate::Store`] interface: streaming events
//! for exports, importing events from other stores or tools, and feed polling state.

use chrono::NaiveDate;
use lantern_extract::{Actor, Event, EventType};
use lantern_ingest::{Language, Report};
use serde::{Deserialize, Serialize};

use crate::types::{EventFilter, ReviewState, StoredEvent};

/// Formats of imported reports (`Report::format`). Reports in these formats are never
/// re-extracted: their body is a reconstruction, not the report's text.
pub const IMPORT_FORMATS: [&str; 2] = ["lantern-jsonl", "acled-csv"];

/// What an export needs to know of an event's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportMeta {
    /// Report id.
    pub id: String,
    /// Title.
    pub title: Option<String>,
    /// Outlet.
    pub outlet: Option<String>,
    /// URL of the report, if known.
    pub url: Option<String>,
    /// Publication date.
    pub published: Option<NaiveDate>,
    /// Body language.
    pub language: Language,
    /// SHA-256 of the original file. For an imported report, the hash its source
    /// export named (when it named one), not the hash of the import file.
    pub original_sha256: String,
    /// Where the report was read from (may be a local path: sensitive).
    pub source_path: String,
    /// Container format (`text`, `html`, ..., or one of [`IMPORT_FORMATS`]).
    pub format: String,
}

/// One event as streamed by [`crate::Store::for_each_event`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    /// The event with its id, review state and extractor version.
    pub stored: StoredEvent,
    /// Position of the event in its report's extraction order.
    pub seq: u32,
    /// RFC 3339 time of the event's last change.
    pub updated_at: String,
    /// Its report.
    pub report: ReportMeta,
    /// The body text of each evidence span, in order (empty when a span is not on
    /// the body's char boundaries).
    pub evidence_text: Vec<String>,
}

/// One event to import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportEvent {
    /// The id to keep, if it is free in this store (else a new one is given).
    pub id: Option<i64>,
    /// Position in its report.
    pub seq: u32,
    /// The event.
    pub event: Event,
    /// Extractor version that produced it upstream.
    pub extractor_version: String,
    /// Review state upstream.
    pub review_state: ReviewState,
}

/// One report to import with its events. The report keeps the id it is given.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// The report; `original_sha256` must be the SHA-256 of `original`, and `format`
    /// one of [`IMPORT_FORMATS`].
    pub report: Report,
    /// Bytes kept as the report's original: the import record it came from.
    pub original: Vec<u8>,
    /// The original's SHA-256 as the source export names it, if it does.
    pub upstream_original_sha256: Option<String>,
    /// Its events.
    pub events: Vec<ImportEvent>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// Reports newly stored.
    pub reports_stored: u64,
    /// Reports already in the store: they and their events were left as they are.
    pub reports_existing: u64,
    /// Events stored.
    pub events_stored: u64,
    /// Events not stored because their report was already in the store.
    pub events_skipped: u64,
    /// Stored events whose id was taken and got a new one.
    pub events_renumbered: u64,
}

/// Polling state of one feed URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedState {
    /// The feed URL.
    pub url: String,
    /// `ETag` of the last successful response.
    pub etag: Option<String>,
    /// `Last-Modified` of the last successful response.
    pub last_modified: Option<String>,
    /// RFC 3339 time of the last poll.
    pub checked_at: Option<String>,
    /// RFC 3339 time of the last successful poll.
    pub ok_at: Option<String>,
    /// Failed polls since the last success.
    pub failures: u32,
    /// Reason of the last failure.
    pub last_error: Option<String>,
}

/// The filter of a saved search: the event filters of `lantern events` and the app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// Only this event type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventType>,
    /// Only events at this place (name, id or province).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Only events naming this actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    /// Only events ending on or after this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Only events starting on or before this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Only events in this review state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_state: Option<ReviewState>,
    /// Only events with a place in this first-level division (the app's province filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Only events of reports from this outlet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// Only events of reports matching this full-text query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl AlertQuery {
    /// The event filter of this query (no limit).
    pub fn to_filter(&self) -> EventFilter {
        EventFilter {
            event_type: self.event_type,
            place: self.place.clone(),
            actor: self.actor,
            from: self.from,
            to: self.to,
            review_state: self.review_state,
            province: self.province.clone(),
            outlet: self.outlet.clone(),
            text: self.text.clone(),
            ..Default::default()
        }
    }

    /// The query of an event filter (its report id, limit and offset are dropped).
    pub fn from_filter(f: &EventFilter) -> AlertQuery {
        AlertQuery {
            event_type: f.event_type,
            place: f.place.clone(),
            actor: f.actor,
            from: f.from,
            to: f.to,
            review_state: f.review_state,
            province: f.province.clone(),
            outlet: f.outlet.clone(),
            text: f.text.clone(),
        }
    }
}

/// A saved search whose new matches are alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Unique name, e.g. `executions-yanggang`.
    pub name: String,
    /// What it matches.
    pub query: AlertQuery,
    /// RFC 3339 time it was saved.
    pub created_at: String,
    /// RFC 3339 time of the last check.
    pub checked_at: Option<String>,
    /// Events with ids up to this one were seen at the last check.
    pub last_event_id: i64,
}
