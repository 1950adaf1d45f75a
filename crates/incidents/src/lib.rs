//! Incidents: one happening reported many times. Finds reports that are copies of
//! another (reposts, syndication: MinHash over shingles of the clean body with LSH
//! banding, [`near_duplicates`]) and groups the events of different reports that
//! describe the same happening into incidents ([`group_incidents`]), with the number of
//! independent outlets (corroboration) and the points where reports disagree (dates,
//! places, numbers). Analyst merges and splits ([`Pins`]) are honoured on every run.
//!
//! Pure and deterministic: no I/O, fixed hash seeds, compiled-in gazetteer. Near-linear
//! in the number of reports and events (LSH for copies; blocking by place, time and
//! type for events).
//!
//! The usual call is [`analyse`]: reports and their extracted events in, copies and
//! incidents out. For stored data, the parts are separate: [`DocInfo`] /
//! [`Signature`] (storable) and [`near_duplicates_of`]; [`ReportInfo`] and
//! [`EventItem`] (built from a report and its events, or from stored rows) and
//! [`group_incidents`].
//!
//! Decisions:
//! - A copy's original is the earliest published member of its group of copies, then
//!   the earliest captured. Copies take no part in clustering and add no outlet; they
//!   are listed with their original's incidents ([`Incident::duplicates`]).
//! - Types are compatible when equal or in [`RELATED_TYPES`] (arrest and punishment,
//!   border crossing and repatriation, smuggling and corruption, ...). Events of one
//!   report that agree on place and date are one happening; a report usually tells one.
//! - Places are compatible when equal or one lies inside the other (gazetteer parents
//!   and provinces); a province-only event is vague and links only to its own type.
//! - An event without a date of its own takes a window of 30 days before its report's
//!   published date; a weekday ("last Friday") widens the window by a week.
//! - Corroboration counts distinct outlets (folded case; else URL host; else the report).
//! - Disagreements flag, per incident: reports naming days more than a day apart,
//!   reports whose places exclude each other, and counts (people, money, amounts with
//!   the same unit) with no value in common.
//! - Pins name events by key; merges are applied first and always hold, splits are
//!   never crossed by clustering, and a split that merges contradict is reported in
//!   [`Grouping::pin_conflicts`].

#![warn(missing_docs)]

mod cluster;
mod dedup;
mod geo;
pub mod text;
mod unionfind;

pub use cluster::{
    block_keys, group_incidents, pair_score, probe_keys, type_match, DateKind, Disagreement,
    EventItem, GroupParams, Grouping, Incident, Pins, ReportInfo, RELATED_TYPES,
};
pub use dedup::{
    band_keys, near_duplicates, near_duplicates_of, near_duplicates_with, DocInfo, DupParams,
    DuplicateLink, Signature, BANDS, SIGNATURE_LEN,
};

use lantern_extract::Event;
use lantern_ingest::Report;

/// Everything [`analyse`] finds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// Copies among the reports, each linked to its original (indices into the input).
    pub duplicates: Vec<DuplicateLink>,
    /// The reports as clustering saw them (`duplicate_of` set for copies).
    pub reports: Vec<ReportInfo>,
    /// The events as clustering saw them (keys `"<report id>#<n>"`).
    pub events: Vec<EventItem>,
    /// The incidents, with pin conflicts and the work done.
    pub grouping: Grouping,
}

/// Find copies among `inputs` (each a report with its extracted events), then group the
/// events of the other reports into incidents, honouring `pins`.
pub fn analyse(inputs: &[(&Report, &[Event])], pins: &Pins) -> Analysis {
    let reports: Vec<&Report> = inputs.iter().map(|(r, _)| *r).collect();
    let duplicates = near_duplicates(&reports, &DupParams::default());
    let mut infos: Vec<ReportInfo> = reports.iter().map(|r| ReportInfo::of(r)).collect();
    for l in &duplicates {
        if let Some(info) = infos.get_mut(l.duplicate) {
            info.duplicate_of = Some(l.original);
        }
    }
    let events: Vec<EventItem> = inputs
        .iter()
        .enumerate()
        .flat_map(|(i, (r, evs))| EventItem::of_report(i, r, evs))
        .collect();
    let grouping = group_incidents(&infos, &events, pins, &GroupParams::default());
    Analysis {
        duplicates,
        reports: infos,
        events,
        grouping,
    }
}
