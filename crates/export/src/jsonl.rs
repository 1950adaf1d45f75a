//! Lantern JSON Lines: one event a line, every field of the event with its evidence
//! spans, its review state and extractor version, and its report's provenance (id,
//! title, outlet, URL, date, language, SHA-256 of the original). The same layout is read
//! back by [`crate::import::read_jsonl`]; an export imported into an empty store exports
//! again to the same bytes.
//!
//! Sensitive fields, only with [`Options::include_sensitive`]: `attribution`,
//! `evidence_text` (the quoted body text of each span) and `report.source_path`.

use std::io::Write;

use chrono::NaiveDate;
use lantern_extract::{Actor, Attribution, EventDate, EventPlace, EventType, Modality, Quantity};
use lantern_ingest::Language;
use lantern_store::{EventRecord, ReviewState};
use serde::{Deserialize, Serialize};

use crate::Options;

/// One line of a Lantern JSON Lines export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// Event id in the exporting store.
    pub id: i64,
    /// Stable id across stores: `report_id:seq`.
    pub uid: String,
    /// Position in the report.
    pub seq: u32,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// Modality.
    pub modality: Modality,
    /// Negated.
    pub negated: bool,
    /// Actors.
    pub actors: Vec<Actor>,
    /// Places.
    pub places: Vec<EventPlace>,
    /// Date.
    pub date: Option<EventDate>,
    /// Quantities.
    pub quantities: Vec<Quantity>,
    /// Evidence spans into the report body.
    pub evidence: Vec<(usize, usize)>,
    /// Confidence.
    pub confidence: f32,
    /// Review state.
    pub review_state: ReviewState,
    /// Extractor version.
    pub extractor_version: String,
    /// Attribution as the report words it (sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
    /// Body text of each evidence span (sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_text: Option<Vec<String>>,
    /// The report.
    pub report: LineReport,
}

/// The report part of a [`Line`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineReport {
    /// Report id.
    pub id: String,
    /// Title.
    pub title: Option<String>,
    /// Outlet.
    pub outlet: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Publication date.
    pub published: Option<NaiveDate>,
    /// Language.
    pub language: Language,
    /// SHA-256 of the original file.
    pub original_sha256: String,
    /// Where the report was read from (sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_path: Option<String>,
}

impl Line {
    /// The line for one record.
    pub fn new(r: &EventRecord, options: Options) -> Line {
        let s = &r.stored;
        let e = &s.event;
        let sensitive = options.include_sensitive;
        Line {
            id: s.id,
            uid: crate::event_uid(r),
            seq: r.seq,
            event_type: e.event_type,
            modality: e.modality,
            negated: e.negated,
            actors: e.actors.clone(),
            places: e.places.clone(),
            date: e.date.clone(),
            quantities: e.quantities.clone(),
            evidence: e.evidence.clone(),
            confidence: e.confidence,
            review_state: s.review_state,
            extractor_version: s.extractor_version.clone(),
            attribution: if sensitive {
                e.attribution.clone()
            } else {
                None
            },
            evidence_text: sensitive.then(|| r.evidence_text.clone()),
            report: LineReport {
                id: r.report.id.clone(),
                title: r.report.title.clone(),
                outlet: r.report.outlet.clone(),
                url: r.report.url.clone(),
                published: r.report.published,
                language: r.report.language,
                original_sha256: r.report.original_sha256.clone(),
                source_path: sensitive.then(|| r.report.source_path.clone()),
            },
        }
    }
}

/// Writes Lantern JSON Lines.
pub struct JsonlWriter<W: Write> {
    out: W,
    options: Options,
}

impl<W: Write> JsonlWriter<W> {
    /// A writer; JSON Lines has no header.
    pub fn new(out: W, options: Options) -> Self {
        JsonlWriter { out, options }
    }

    /// Write one event line.
    pub fn write(&mut self, r: &EventRecord) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, &Line::new(r, self.options))?;
        self.out.write_all(b"\n")
    }

    /// Flush and give the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
