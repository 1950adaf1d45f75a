//! Incidents in the store: the types of the incident methods of [`crate::Store`], the
//! stable event keys that analyst pins name, and [`recompute`], which runs
//! `lantern-incidents` over everything stored and writes the result back.
//!
//! Only [`Store`] methods are used here, so every implementation gets the same
//! recomputation:
//! 1. [`Store::incident_pins`] → the effective merge/split pins ([`effective_pins`]);
//! 2. [`Store::for_each_incident_input`] streams every report with its events that are
//!    not rejected and its stored MinHash signature (computed here when missing);
//! 3. near-duplicates (LSH over the signatures) and grouping (blocked by place, time and
//!    type) run in memory, near-linear;
//! 4. [`Store::replace_incidents`] stores new signatures (with their LSH band keys),
//!    every report's `duplicate_of` and all incidents with their events and block keys
//!    in one transaction.
//!
//! After an ingest, [`refresh`] runs [`refresh_incremental`] instead when only new
//! reports were stored since the last run: it reads just those, the stored reports
//! they may copy (found through the band keys) and the incidents their events may join
//! (found through the block keys), and rewrites only the incidents that changed.
//!
//! Event keys are `<report id>/<event type>/<start>-<end>` of the first evidence span
//! (`/2`, `/3` ... for later events of the same report with the same key): re-extraction
//! gives machine events new row ids but the same keys as long as the extractor finds
//! the same evidence, so pins survive it.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use chrono::NaiveDate;
use lantern_extract::{Event, EventType};
use lantern_incidents::{
    band_keys, block_keys, group_incidents, near_duplicates_of, near_duplicates_with, probe_keys,
    DocInfo, DupParams, EventItem, GroupParams, Pins, ReportInfo, Signature, SIGNATURE_LEN,
};
use lantern_ingest::{Language, Report};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::sqlite::{from_json, to_json};
use crate::types::{EventFilter, StoredEvent};
use crate::Store;

/// One report as recomputation reads it: the report, its events that are not rejected
/// (in extraction order) and its stored MinHash signature, if any.
#[derive(Debug, Clone)]
pub struct IncidentInput {
    /// The report.
    pub report: Report,
    /// Its events, rejected ones left out.
    pub events: Vec<StoredEvent>,
    /// The stored MinHash signature of its clean body.
    pub signature: Option<Vec<u64>>,
}

/// A report found to copy another (a repost, a syndicated copy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateOf {
    /// The copy.
    pub report_id: String,
    /// The original it copies (the earliest published of the copies).
    pub original_id: String,
    /// Estimated Jaccard similarity of the two bodies' shingles.
    pub similarity: f32,
}

/// What one report says where the reports of an incident disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportValue {
    /// The report.
    pub report_id: String,
    /// What it says.
    pub value: String,
}

/// A field on which the reports of an incident disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentDisagreement {
    /// `date`, `place` or `quantity`.
    pub field: String,
    /// What each report says.
    pub values: Vec<ReportValue>,
}

/// One incident: a happening and the reports of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    /// `inc-` and 16 hex digits (hash of its smallest event key; stable while that
    /// event stays in it).
    pub id: String,
    /// First day of the date window all dated events agree on.
    pub date_start: Option<NaiveDate>,
    /// Last day of that window.
    pub date_end: Option<NaiveDate>,
    /// Distinct event types, sorted.
    pub types: Vec<EventType>,
    /// Gazetteer ids of the most specific places, sorted.
    pub places: Vec<String>,
    /// Distinct sources (outlet folded to lower case, else URL host), sorted.
    pub outlets: Vec<String>,
    /// Number of independent outlets.
    pub corroboration: u32,
    /// Number of events.
    pub events: u32,
    /// Reports with events in it (copies not included).
    pub reports: Vec<String>,
    /// Copies of those reports (reposts), not counted again.
    pub duplicates: Vec<String>,
    /// Where its reports disagree (dates, places, numbers).
    pub disagreements: Vec<IncidentDisagreement>,
}

/// An incident with its events, as [`Store::incident`] returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentDetail {
    /// The incident.
    pub incident: IncidentSummary,
    /// Its events: (event id, stable event key), by event id.
    pub events: Vec<IncidentEvent>,
}

/// One event of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentEvent {
    /// The event's row id (changes on re-extraction).
    pub event_id: i64,
    /// Its stable key (see the module documentation).
    pub key: String,
}

/// An incident to store, with its events.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    /// The incident.
    pub incident: IncidentSummary,
    /// Its events.
    pub events: Vec<IncidentEvent>,
}

/// Which incidents to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentFilter {
    /// Only incidents with at least one event matching this filter (its limit and
    /// offset are ignored; `min_outlets` and `skip_copies` too).
    pub events: EventFilter,
    /// Only incidents with at least this many independent outlets.
    pub min_outlets: Option<u32>,
    /// Only incidents with at least this many reports.
    pub min_reports: Option<u32>,
    /// Only incidents whose reports disagree on something.
    pub disagreements: bool,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
    /// Skip this many first.
    pub offset: usize,
}

/// The kind of an analyst decision on incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinKind {
    /// These events are one incident.
    Merge,
    /// These events are not part of the incident of those.
    Split,
}

impl PinKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            PinKind::Merge => "merge",
            PinKind::Split => "split",
        }
    }

    /// Parse the stored word.
    pub fn parse(s: &str) -> Option<PinKind> {
        match s {
            "merge" => Some(PinKind::Merge),
            "split" => Some(PinKind::Split),
            _ => None,
        }
    }
}

/// An analyst decision to record (see [`Store::add_incident_pin`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewIncidentPin {
    /// Merge or split.
    pub kind: PinKind,
    /// Merge: the keys of all events to keep together. Split: the keys of the events
    /// moved out (they stay together).
    pub keys: Vec<String>,
    /// Split: the keys of the events they are moved away from. Empty for a merge.
    pub others: Vec<String>,
    /// The incidents concerned when the decision was made (for the record).
    pub incidents: Vec<String>,
    /// An event of the decision, under which the audit log files it.
    pub audit_event_id: i64,
    /// The analyst's note.
    pub note: Option<String>,
}

impl NewIncidentPin {
    /// The decision as recorded under `id`, at `at`, by `who`.
    pub(crate) fn stored(&self, id: i64, at: &str, who: &str) -> IncidentPin {
        IncidentPin {
            id,
            at: at.to_string(),
            who: who.to_string(),
            kind: self.kind,
            keys: self.keys.clone(),
            others: self.others.clone(),
            incidents: self.incidents.clone(),
            note: self.note.clone(),
        }
    }
}

/// A recorded analyst decision on incidents. Decisions are append-only and replayed in
/// order on every recomputation ([`effective_pins`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentPin {
    /// Sequence number.
    pub id: i64,
    /// RFC 3339 time of the decision.
    pub at: String,
    /// Who made it.
    pub who: String,
    /// Merge or split.
    pub kind: PinKind,
    /// See [`NewIncidentPin::keys`].
    pub keys: Vec<String>,
    /// See [`NewIncidentPin::others`].
    pub others: Vec<String>,
    /// The incidents concerned at the time.
    pub incidents: Vec<String>,
    /// The analyst's note.
    pub note: Option<String>,
}

/// The result of the last recomputation, as [`Store::incident_state`] returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentState {
    /// RFC 3339 time it finished.
    pub computed_at: String,
    /// Reports read.
    pub reports: u64,
    /// Events read (rejected ones left out).
    pub events: u64,
    /// Events in incidents (events of copies left out).
    pub grouped_events: u64,
    /// Incidents stored.
    pub incidents: u64,
    /// Incidents with at least two independent outlets.
    pub corroborated: u64,
    /// Reports linked to an original.
    pub duplicates: u64,
    /// Signatures computed (reports new since the last run).
    pub new_signatures: u64,
    /// Splits that merges contradict (pairs of event keys).
    pub pin_conflicts: Vec<(String, String)>,
    /// Pinned event keys that name no stored event any more.
    pub unknown_pins: Vec<String>,
    /// Milliseconds spent reading, computing and writing.
    pub millis: u64,
    /// Of which reading reports and events (and computing missing signatures).
    #[serde(default)]
    pub read_millis: u64,
    /// Of which finding copies and grouping.
    #[serde(default)]
    pub group_millis: u64,
    /// True when this was an incremental refresh ([`refresh`]): only the reports new
    /// since the previous run were read, with the incidents they can join.
    #[serde(default)]
    pub incremental: bool,
    /// Incremental refresh: incidents replaced (removed and written again, changed).
    #[serde(default)]
    pub replaced: u64,
}

/// Everything [`Store::replace_incidents`] writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentSet {
    /// `Some`: replace only these incidents (by id) with `incidents`, and leave
    /// everything else (other incidents, signatures, copies, state) as it is. `None`:
    /// replace everything.
    pub only: Option<Vec<String>>,
    /// Signatures computed in this run: (report id, MinHash).
    pub signatures: Vec<(String, Vec<u64>)>,
    /// Every copy with its original; all other reports are originals.
    pub duplicates: Vec<DuplicateOf>,
    /// All incidents.
    pub incidents: Vec<NewIncident>,
    /// The summary, kept for [`Store::incident_state`] (`computed_at` is set by the
    /// store).
    pub state: IncidentState,
    /// Block keys of the incidents written ([`lantern_incidents::block_keys`] of their
    /// events), by incident id: the index [`IncidentLookup::IncidentsByBlocks`] reads.
    pub blocks: Vec<(String, Vec<u64>)>,
    /// With `only` and `generation`: reports whose copy link is cleared before
    /// `duplicates` are set (the other reports keep theirs).
    pub relinked: Vec<String>,
    /// Computed from the incidents as they were at this generation
    /// ([`IncidentDelta::generation`]): the store refuses the write with
    /// [`crate::StoreError::IncidentsChanged`] if another writer changed incidents
    /// since. With `only`, this marks an incremental refresh, which also stores
    /// `signatures`, the copy links of `relinked` and `state`; `None` with `only` is a
    /// regrouping (`regroup`), incidents only.
    pub generation: Option<u64>,
    /// A refresh (full or incremental): what it records in the same transaction, so
    /// that [`stale`] and the next [`refresh`] see exactly what it covered.
    pub mark: Option<RefreshMark>,
    /// A full write without `generation` (the last attempt of [`recompute`]): the
    /// reports it read. Another writer may have stored signatures for reports this
    /// run did not see; the store removes those signatures (and band keys), so that
    /// the next refresh takes those reports as new instead of leaving their events
    /// out of incidents.
    pub read: Option<Vec<String>>,
}

/// What a refresh records with its write (see [`IncidentSet::mark`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshMark {
    /// The watermark taken before reading, for the next [`refresh_incremental`].
    pub watermark: IncidentWatermark,
    /// [`Store::data_version`] as the refresh's reads saw it ([`IncidentDelta`]).
    pub data_version: u64,
}

impl RefreshMark {
    /// The data version to record as "incidents computed at", given the version the
    /// write itself bumped the store to: that version when nothing else was committed
    /// since the reads (the write is the only change), else the version the reads
    /// saw, which is below the current one, so [`stale`] stays true and the next
    /// [`refresh`] picks up what was committed meanwhile.
    pub(crate) fn computed_at(&self, bumped_to: u64) -> u64 {
        if bumped_to == self.data_version + 1 {
            bumped_to
        } else {
            self.data_version
        }
    }

    /// The watermark as stored (JSON).
    pub(crate) fn watermark_json(&self) -> Result<String> {
        serde_json::to_string(&self.watermark).map_err(|e| crate::StoreError::Json {
            what: "incident watermark".into(),
            source: e,
        })
    }
}

/// Of the reports with a stored signature, those a full write did not read
/// ([`IncidentSet::read`]).
pub(crate) fn unread(signed: Vec<String>, read: &[String]) -> Vec<String> {
    let read: std::collections::HashSet<&str> = read.iter().map(String::as_str).collect();
    signed
        .into_iter()
        .filter(|id| !read.contains(id.as_str()))
        .collect()
}

/// Where the last incident refresh started: what [`Store::incident_delta`] compares
/// with to tell whether only new reports were added since.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentWatermark {
    /// The largest event row id then.
    pub max_event_id: i64,
    /// The counter of event updates and deletions then (reviews, re-extraction).
    pub event_changes: i64,
}

/// What changed since a [`IncidentWatermark`], as [`Store::incident_delta`] finds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentDelta {
    /// The watermark now (to keep for the next refresh).
    pub now: IncidentWatermark,
    /// Reports without a stored signature: stored since the last refresh.
    pub new_reports: Vec<String>,
    /// True when, since the watermark, events were only added, and only to reports
    /// without a signature: no event was updated or deleted, and no report already
    /// seen by a refresh got events. False without a watermark.
    pub only_new: bool,
    /// The incidents' generation now (bumped by every write of incidents).
    pub generation: u64,
    /// Number of reports stored.
    pub reports: u64,
    /// [`Store::data_version`] in the same snapshot.
    pub data_version: u64,
}

/// Index look-ups of an incremental refresh ([`Store::incident_lookup`]).
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentLookup {
    /// Ids of stored reports with one of these LSH band keys
    /// ([`lantern_incidents::band_keys`]).
    ReportsByBands(Vec<u64>),
    /// Ids of incidents indexed under one of these block keys
    /// ([`lantern_incidents::probe_keys`]).
    IncidentsByBlocks(Vec<u64>),
    /// Ids of incidents holding an event of one of these reports.
    IncidentsOfReports(Vec<String>),
}

/// The stable keys of a report's events, in order (see the module documentation).
pub fn event_keys(report_id: &str, events: &[&Event]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    events
        .iter()
        .map(|e| {
            let (s, t) = e.evidence.first().copied().unwrap_or((0, 0));
            let base = format!("{report_id}/{}/{s}-{t}", e.event_type.as_str());
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}/{n}")
            }
        })
        .collect()
}

/// Check an analyst decision before it is stored (the same rules on every backend;
/// `who` already trimmed).
pub(crate) fn check_pin(pin: &NewIncidentPin, who: &str) -> Result<()> {
    let invalid = |what: &str, reason: &str| crate::StoreError::Invalid {
        what: what.to_string(),
        reason: reason.to_string(),
    };
    if who.is_empty() {
        return Err(invalid("analyst", "empty name"));
    }
    if pin.keys.is_empty() || pin.keys.iter().any(|k| k.trim().is_empty()) {
        return Err(invalid("pin keys", "no event key, or an empty one"));
    }
    match pin.kind {
        PinKind::Merge if pin.keys.len() < 2 => {
            Err(invalid("merge", "needs events of at least two incidents"))
        }
        PinKind::Split if pin.others.is_empty() => {
            Err(invalid("split", "no events left to split from"))
        }
        _ => Ok(()),
    }
}

/// A pin's lists as every backend stores them: `keys_json`, `others_json`,
/// `incidents_json`.
pub(crate) fn pin_lists(pin: &NewIncidentPin) -> Result<[String; 3]> {
    Ok([
        to_json(&pin.keys, "pin keys")?,
        to_json(&pin.others, "pin others")?,
        to_json(&pin.incidents, "pin incidents")?,
    ])
}

/// The audit entry of the stored pin `id`: (action, old value, new value), as JSON.
pub(crate) fn pin_audit(pin: &NewIncidentPin, id: i64) -> Result<(String, String, String)> {
    let old = serde_json::json!({ "incidents": pin.incidents });
    let new = serde_json::json!({
        "pin": id,
        "kind": pin.kind,
        "keys": pin.keys,
        "others": pin.others,
    });
    Ok((
        format!("incident_{}", pin.kind.as_str()),
        to_json(&old, "audit old value")?,
        to_json(&new, "audit new value")?,
    ))
}

/// A stored pin back from its columns (`lists` as in [`pin_lists`]).
pub(crate) fn pin_of_row(
    id: i64,
    at: String,
    who: String,
    kind: &str,
    lists: [&str; 3],
    note: Option<String>,
) -> Result<IncidentPin> {
    let what = |col: &str| format!("incident_pins.{col} of pin {id}");
    Ok(IncidentPin {
        id,
        at,
        who,
        kind: PinKind::parse(kind).ok_or_else(|| crate::StoreError::Corrupt {
            what: what("kind"),
            reason: format!("unknown kind '{kind}'"),
        })?,
        keys: from_json(lists[0], || what("keys_json"))?,
        others: from_json(lists[1], || what("others_json"))?,
        incidents: from_json(lists[2], || what("incidents_json"))?,
        note,
    })
}

/// Replay analyst decisions, oldest first, into the pins clustering honours:
/// - a merge links all its events (a star on the first) and lifts earlier splits
///   between them;
/// - a split lifts earlier merges of the moved events (the events they linked stay
///   linked to each other), keeps the moved events together, and forbids each of them
///   to share an incident with the events they were moved from.
pub fn effective_pins(pins: &[IncidentPin]) -> Pins {
    let mut ordered: Vec<&IncidentPin> = pins.iter().collect();
    ordered.sort_by_key(|p| p.id);
    let pair = |a: &String, b: &String| {
        if a <= b {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        }
    };
    let mut merges: Vec<(String, String)> = Vec::new();
    let mut splits: BTreeSet<(String, String)> = BTreeSet::new();
    for p in ordered {
        match p.kind {
            PinKind::Merge => {
                let keys: BTreeSet<&String> = p.keys.iter().collect();
                splits.retain(|(a, b)| !(keys.contains(a) && keys.contains(b)));
                if let Some((first, rest)) = p.keys.split_first() {
                    for k in rest {
                        if k != first {
                            merges.push(pair(first, k));
                        }
                    }
                }
            }
            PinKind::Split => {
                let moved: BTreeSet<&String> = p.keys.iter().collect();
                let mut neighbours: BTreeSet<String> = BTreeSet::new();
                merges.retain(|(a, b)| {
                    let (ma, mb) = (moved.contains(a), moved.contains(b));
                    if ma && !mb {
                        neighbours.insert(b.clone());
                    } else if mb && !ma {
                        neighbours.insert(a.clone());
                    }
                    !(ma || mb)
                });
                let nb: Vec<String> = neighbours.into_iter().collect();
                for w in nb.windows(2) {
                    merges.push(pair(&w[0], &w[1]));
                }
                if let Some((first, rest)) = p.keys.split_first() {
                    for k in rest {
                        merges.push(pair(first, k));
                    }
                }
                for m in &p.keys {
                    for o in &p.others {
                        if !moved.contains(o) {
                            splits.insert(pair(m, o));
                        }
                    }
                }
            }
        }
    }
    merges.sort();
    merges.dedup();
    Pins {
        merges,
        splits: splits.into_iter().collect(),
    }
}

/// The setting holding the incidents' generation: bumped by every write of incidents,
/// so that an incremental refresh can tell it raced with another writer.
pub(crate) const GENERATION_KEY: &str = "incidents_generation";

/// The setting holding the [`Store::data_version`] the stored incidents were computed at
/// (written by [`Store::replace_incidents`] with a [`RefreshMark`]).
pub(crate) const COMPUTED_AT_VERSION: &str = "incidents_data_version";

/// True when reports, events or reviews changed since incidents were last computed
/// (or they never were).
pub fn stale(store: &dyn Store) -> Result<bool> {
    let at = store.setting(COMPUTED_AT_VERSION)?;
    Ok(at.and_then(|v| v.parse::<u64>().ok()) != Some(store.data_version()?))
}

/// The setting holding the [`IncidentWatermark`] of the last refresh (JSON).
pub(crate) const WATERMARK_KEY: &str = "incidents_watermark";

/// [`refresh`] recomputes everything when the new reports are more than this share of
/// the reports stored before them.
pub const MAX_NEW_SHARE: f64 = 0.25;

/// Bring the stored incidents up to date when [`stale`]; `None` when they are current.
/// Incremental ([`refresh_incremental`]) when only new reports were stored since the
/// last refresh and they are at most [`MAX_NEW_SHARE`] of the store; a full
/// [`recompute`] otherwise (see ARCHITECTURE.md, "Incidents: which refresh runs").
pub fn refresh(store: &mut dyn Store) -> Result<Option<IncidentState>> {
    if !stale(store)? {
        return Ok(None);
    }
    match refresh_incremental(store, MAX_NEW_SHARE)? {
        Some(state) => Ok(Some(state)),
        None => recompute(store).map(Some),
    }
}

/// A report's events as grouping items ([`EventItem::of_report`], the report at
/// `index`) with their stable keys ([`event_keys`]), each with its stored event.
fn keyed_items<'a>(
    index: usize,
    report: &Report,
    events: &'a [StoredEvent],
) -> Vec<(EventItem, &'a StoredEvent)> {
    let plain: Vec<Event> = events.iter().map(|e| e.event.clone()).collect();
    let refs: Vec<&Event> = plain.iter().collect();
    let keys = event_keys(&report.id, &refs);
    EventItem::of_report(index, report, &plain)
        .into_iter()
        .zip(keys)
        .zip(events)
        .map(|((mut item, key), stored)| {
            item.key = key;
            (item, stored)
        })
        .collect()
}

/// Block keys of each incident of a grouping: those of its events.
fn blocks_of(
    grouping: &lantern_incidents::Grouping,
    items: &[EventItem],
) -> Vec<(String, Vec<u64>)> {
    let params = GroupParams::default();
    grouping
        .incidents
        .iter()
        .map(|inc| {
            let mut keys: Vec<u64> = inc
                .events
                .iter()
                .filter_map(|&i| items.get(i))
                .flat_map(|e| block_keys(e, &params))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            (inc.id.clone(), keys)
        })
        .collect()
}

/// One report read by an incremental refresh.
struct Loaded {
    report: Report,
    events: Vec<StoredEvent>,
    signature: Signature,
}

fn load_into(
    store: &dyn Store,
    ids: &[String],
    loaded: &mut std::collections::BTreeMap<String, Loaded>,
    signatures: &mut Vec<(String, Vec<u64>)>,
) -> Result<()> {
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !loaded.contains_key(*id))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    store.for_each_incident_input(Some(&missing), &mut |input: IncidentInput| {
        let report = input.report;
        let signature = match input.signature {
            Some(s) if s.len() == SIGNATURE_LEN => Signature(s),
            _ => {
                let s = Signature::of(&report.body, report.language == Language::Ko);
                signatures.push((report.id.clone(), s.0.clone()));
                s
            }
        };
        loaded.insert(
            report.id.clone(),
            Loaded {
                report,
                events: input.events,
                signature,
            },
        );
        Ok(())
    })?;
    Ok(())
}

/// Refresh incidents for the reports stored since the last refresh only, when that is
/// possible; `None` when it is not (never refreshed, events changed or reviewed,
/// re-extraction, more than `max_new_share` of the store new, or another writer
/// changed incidents meanwhile), and the caller runs [`recompute`].
///
/// 1. [`Store::incident_delta`]: the reports without a signature are the new ones;
///    nothing else may have changed since the watermark of the last refresh.
/// 2. Copies: the new reports' LSH band keys find the stored reports they may copy
///    ([`IncidentLookup::ReportsByBands`]); those and the other members of their
///    groups of copies are read, and [`near_duplicates_with`] links the new reports
///    into the groups (a new report published earlier becomes its group's original).
/// 3. Grouping: the new events' [`probe_keys`] find the stored incidents they may join
///    ([`IncidentLookup::IncidentsByBlocks`]); those, and the incidents of reports whose
///    copy status changed, are read with their events and regrouped together with the
///    new events, each stored incident kept whole (its events pinned together), with
///    the analyst pins.
/// 4. Only incidents that changed are written, in one transaction, if no other writer
///    changed incidents since step 1 ([`IncidentSet::generation`]).
pub fn refresh_incremental(
    store: &mut dyn Store,
    max_new_share: f64,
) -> Result<Option<IncidentState>> {
    refresh_incremental_racing(store, max_new_share, &mut || Ok(()))
}

/// [`refresh_incremental`] that runs `before_write` between its reads and its write:
/// for tests that make another writer act in that window.
#[doc(hidden)]
pub fn refresh_incremental_racing(
    store: &mut dyn Store,
    max_new_share: f64,
    before_write: &mut dyn FnMut() -> Result<()>,
) -> Result<Option<IncidentState>> {
    let started = Instant::now();
    let since: Option<IncidentWatermark> = store
        .setting(WATERMARK_KEY)?
        .and_then(|j| serde_json::from_str(&j).ok());
    let Some(since) = since else {
        return Ok(None);
    };
    let Some(prev) = store.incident_state()? else {
        return Ok(None);
    };
    let delta = store.incident_delta(Some(&since))?;
    if !delta.only_new {
        return Ok(None);
    }
    let new_ids = delta.new_reports.clone();
    let old_reports = delta.reports.saturating_sub(new_ids.len() as u64);
    if new_ids.len() as f64 > max_new_share * old_reports.max(1) as f64 {
        return Ok(None);
    }
    let params = GroupParams::default();
    let pins = effective_pins(&store.incident_pins()?);

    // 1. The new reports.
    let mut loaded: std::collections::BTreeMap<String, Loaded> = Default::default();
    let mut signatures: Vec<(String, Vec<u64>)> = Vec::new();
    load_into(store, &new_ids, &mut loaded, &mut signatures)?;
    let new_set: BTreeSet<String> = loaded.keys().cloned().collect();
    let new_events: u64 = loaded.values().map(|l| l.events.len() as u64).sum();

    // 2. Copies.
    let mut band: Vec<u64> = loaded
        .values()
        .flat_map(|l| band_keys(&l.signature))
        .collect();
    band.sort_unstable();
    band.dedup();
    let candidates: Vec<String> = store
        .incident_lookup(&IncidentLookup::ReportsByBands(band))?
        .into_iter()
        .filter(|id| !new_set.contains(id))
        .collect();
    let mut old_link: HashMap<String, DuplicateOf> = HashMap::new();
    for d in store.copy_links_of(&candidates)? {
        old_link.insert(d.report_id.clone(), d);
    }
    let originals: BTreeSet<String> = candidates
        .iter()
        .map(|c| old_link.get(c).map_or(c.clone(), |d| d.original_id.clone()))
        .collect();
    let originals: Vec<String> = originals.into_iter().collect();
    let mut members: BTreeSet<String> = originals.iter().cloned().collect();
    for d in store.copy_links_of(&originals)? {
        members.insert(d.report_id.clone());
        old_link.insert(d.report_id.clone(), d);
    }
    // Members of the groups: only their signatures and dates are kept (a group of
    // copies can be large); those whose incidents change are read again below.
    let member_ids: Vec<String> = members
        .iter()
        .filter(|id| !new_set.contains(*id))
        .cloned()
        .collect();
    let mut member_docs: HashMap<String, DocInfo> = HashMap::new();
    {
        let mut tmp: std::collections::BTreeMap<String, Loaded> = Default::default();
        for chunk in member_ids.chunks(256) {
            load_into(store, chunk, &mut tmp, &mut signatures)?;
            for (id, l) in std::mem::take(&mut tmp) {
                member_docs.insert(
                    id,
                    DocInfo {
                        signature: l.signature,
                        published: l.report.published.as_ref().map(|p| p.date),
                        captured_at: l.report.captured_at,
                    },
                );
            }
        }
    }
    // Docs in report id order, as a full recomputation reads them (ties of the
    // original's choice go to the first).
    let doc_ids: Vec<String> = new_set
        .iter()
        .chain(members.iter())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|id| loaded.contains_key(id) || member_docs.contains_key(id))
        .collect();
    let doc_index: HashMap<&str, usize> = doc_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let docs: Vec<DocInfo> = doc_ids
        .iter()
        .filter_map(|id| match loaded.get(id) {
            Some(l) => Some(DocInfo {
                signature: l.signature.clone(),
                published: l.report.published.as_ref().map(|p| p.date),
                captured_at: l.report.captured_at.clone(),
            }),
            None => member_docs.get(id).cloned(),
        })
        .collect();
    drop(member_docs);
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for id in &doc_ids {
        if new_set.contains(id) {
            continue;
        }
        let root = old_link
            .get(id)
            .map_or(id.as_str(), |d| d.original_id.as_str());
        groups.entry(root).or_default().push(doc_index[id.as_str()]);
    }
    let groups: Vec<Vec<usize>> = groups.into_values().collect();
    let is_new: Vec<bool> = doc_ids.iter().map(|id| new_set.contains(id)).collect();
    let links = near_duplicates_with(&docs, &groups, &is_new, &DupParams::default());
    let mut new_link: HashMap<String, DuplicateOf> = HashMap::new();
    for l in &links {
        if let (Some(c), Some(o)) = (doc_ids.get(l.duplicate), doc_ids.get(l.original)) {
            new_link.insert(
                c.clone(),
                DuplicateOf {
                    report_id: c.clone(),
                    original_id: o.clone(),
                    similarity: l.similarity,
                },
            );
        }
    }
    // Reports whose link changed, and the originals whose copies changed.
    let mut relinked: Vec<String> = Vec::new();
    let mut touched_originals: BTreeSet<String> = BTreeSet::new();
    let mut demoted: Vec<String> = Vec::new();
    for id in &doc_ids {
        let (old, new) = (old_link.get(id), new_link.get(id));
        if old.map(|d| &d.original_id) == new.map(|d| &d.original_id) {
            continue;
        }
        relinked.push(id.clone());
        touched_originals.extend(old.map(|d| d.original_id.clone()));
        touched_originals.extend(new.map(|d| d.original_id.clone()));
        if old.is_none() && !new_set.contains(id) {
            demoted.push(id.clone()); // an original that became a copy
        }
    }
    let copy_changes: Vec<DuplicateOf> = relinked
        .iter()
        .filter_map(|id| new_link.get(id).cloned())
        .collect();
    let is_copy = |id: &str| -> bool {
        new_link.contains_key(id)
            || (!relinked.iter().any(|r| r == id) && old_link.contains_key(id))
    };

    // 3. The new events and the incidents they may join.
    let mut report_ids: Vec<String> = Vec::new();
    let mut infos: Vec<ReportInfo> = Vec::new();
    let mut items: Vec<EventItem> = Vec::new();
    let mut event_ids: Vec<i64> = Vec::new();
    let mut probes: Vec<u64> = Vec::new();
    for id in &new_set {
        let Some(l) = loaded.get(id) else { continue };
        if is_copy(id) {
            continue;
        }
        let index = report_ids.len();
        infos.push(ReportInfo::of(&l.report));
        for (item, stored) in keyed_items(index, &l.report, &l.events) {
            probes.extend(probe_keys(&item, &params));
            items.push(item);
            event_ids.push(stored.id);
        }
        report_ids.push(id.clone());
    }
    probes.sort_unstable();
    probes.dedup();
    let mut incident_ids: BTreeSet<String> = store
        .incident_lookup(&IncidentLookup::IncidentsByBlocks(probes))?
        .into_iter()
        .collect();
    let mut concerned: Vec<String> = demoted.clone();
    concerned.extend(touched_originals.iter().cloned());
    if !concerned.is_empty() {
        incident_ids.extend(store.incident_lookup(&IncidentLookup::IncidentsOfReports(concerned))?);
    }
    let mut old_incidents: Vec<IncidentDetail> = Vec::new();
    let mut wanted: HashMap<i64, usize> = HashMap::new();
    let mut their_reports: BTreeSet<String> = BTreeSet::new();
    for id in &incident_ids {
        if let Some(d) = store.incident(id)? {
            for e in &d.events {
                wanted.insert(e.event_id, old_incidents.len());
            }
            their_reports.extend(d.incident.reports.iter().cloned());
            old_incidents.push(d);
        }
    }
    let their_reports: Vec<String> = their_reports
        .into_iter()
        .filter(|r| !new_set.contains(r))
        .collect();
    load_into(store, &their_reports, &mut loaded, &mut signatures)?;
    // Stored incidents stay whole: their events are pinned together.
    let mut local = Pins::default();
    let mut first_key: Vec<Option<String>> = vec![None; old_incidents.len()];
    for id in &their_reports {
        let Some(l) = loaded.get(id) else { continue };
        let index = report_ids.len();
        let mut info = ReportInfo::of(&l.report);
        if is_copy(id) {
            info.duplicate_of = Some(usize::MAX);
        }
        infos.push(info);
        // Keys and report places come from all the report's events, as in recompute.
        for (item, stored) in keyed_items(index, &l.report, &l.events) {
            let Some(&inc) = wanted.get(&stored.id) else {
                continue;
            };
            match &first_key[inc] {
                Some(f) => local.merges.push((f.clone(), item.key.clone())),
                None => first_key[inc] = Some(item.key.clone()),
            }
            items.push(item);
            event_ids.push(stored.id);
        }
        report_ids.push(id.clone());
    }
    let local_keys: std::collections::HashSet<&str> =
        items.iter().map(|e| e.key.as_str()).collect();
    let both = |(a, b): &(String, String)| {
        local_keys.contains(a.as_str()) && local_keys.contains(b.as_str())
    };
    local
        .merges
        .extend(pins.merges.iter().filter(|p| both(p)).cloned());
    local.splits = pins.splits.iter().filter(|p| both(p)).cloned().collect();
    let read_millis = started.elapsed().as_millis() as u64;
    let grouping = group_incidents(&infos, &items, &local, &params);
    let (mut incidents, _, _) = to_new_incidents(&grouping, &items, &event_ids, &report_ids);
    let group_millis = started.elapsed().as_millis() as u64 - read_millis;

    // Copies listed with each incident: the stored links with the changes applied.
    let in_incidents: Vec<String> = incidents
        .iter()
        .flat_map(|n| n.incident.reports.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut copies: HashMap<String, BTreeSet<String>> = HashMap::new();
    for d in store.copy_links_of(&in_incidents)? {
        if !relinked.contains(&d.report_id) {
            copies.entry(d.original_id).or_default().insert(d.report_id);
        }
    }
    for d in &copy_changes {
        copies
            .entry(d.original_id.clone())
            .or_default()
            .insert(d.report_id.clone());
    }
    for n in &mut incidents {
        let mut dups: BTreeSet<String> = BTreeSet::new();
        for r in &n.incident.reports {
            if let Some(c) = copies.get(r) {
                dups.extend(c.iter().cloned());
            }
        }
        n.incident.duplicates = dups.into_iter().collect();
    }

    // 4. Write what changed.
    let old_by_id: HashMap<&str, &IncidentDetail> = old_incidents
        .iter()
        .map(|d| (d.incident.id.as_str(), d))
        .collect();
    let unchanged: BTreeSet<String> = incidents
        .iter()
        .filter(|n| {
            old_by_id
                .get(n.incident.id.as_str())
                .is_some_and(|d| d.incident == n.incident && d.events == n.events)
        })
        .map(|n| n.incident.id.clone())
        .collect();
    incidents.retain(|n| !unchanged.contains(&n.incident.id));
    let removed: Vec<&IncidentDetail> = old_incidents
        .iter()
        .filter(|d| !unchanged.contains(&d.incident.id))
        .collect();
    let mut blocks = blocks_of(&grouping, &items);
    blocks.retain(|(id, _)| !unchanged.contains(id));

    let count = |v: &mut dyn Iterator<Item = (u64, bool)>| {
        v.fold((0u64, 0u64, 0u64), |(n, e, c), (ev, cor)| {
            (n + 1, e + ev, c + u64::from(cor))
        })
    };
    let (rm_n, rm_e, rm_c) = count(
        &mut removed
            .iter()
            .map(|d| (d.events.len() as u64, d.incident.corroboration >= 2)),
    );
    let (add_n, add_e, add_c) = count(
        &mut incidents
            .iter()
            .map(|n| (n.events.len() as u64, n.incident.corroboration >= 2)),
    );
    let old_copies = relinked
        .iter()
        .filter(|r| old_link.contains_key(*r))
        .count() as u64;
    let state = IncidentState {
        computed_at: String::new(),
        reports: prev.reports + new_set.len() as u64,
        events: prev.events + new_events,
        grouped_events: (prev.grouped_events + add_e).saturating_sub(rm_e),
        incidents: (prev.incidents + add_n).saturating_sub(rm_n),
        corroborated: (prev.corroborated + add_c).saturating_sub(rm_c),
        duplicates: (prev.duplicates + copy_changes.len() as u64).saturating_sub(old_copies),
        new_signatures: signatures.len() as u64,
        pin_conflicts: prev.pin_conflicts.clone(),
        unknown_pins: prev.unknown_pins.clone(),
        millis: started.elapsed().as_millis() as u64,
        read_millis,
        group_millis,
        incremental: true,
        replaced: removed.len() as u64,
    };
    let set = IncidentSet {
        only: Some(removed.iter().map(|d| d.incident.id.clone()).collect()),
        signatures,
        duplicates: copy_changes,
        incidents,
        state,
        blocks,
        relinked,
        generation: Some(delta.generation),
        mark: Some(RefreshMark {
            watermark: delta.now,
            data_version: delta.data_version,
        }),
        read: None,
    };
    before_write()?;
    match store.replace_incidents(&set) {
        Ok(()) => {}
        Err(crate::StoreError::IncidentsChanged) => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut state = store.incident_state()?.unwrap_or(set.state);
    state.millis = started.elapsed().as_millis() as u64;
    Ok(Some(state))
}

/// Run near-duplicate detection and incident grouping over everything stored and
/// store the result (see the module documentation). Returns what was stored.
///
/// If another writer changes incidents while it runs (an incremental refresh or a
/// regrouping of another process), the write is refused and the recomputation runs
/// again from fresh data; the third attempt writes whatever happens (the last writer
/// wins, as concurrent recomputations always did).
pub fn recompute(store: &mut dyn Store) -> Result<IncidentState> {
    for _ in 0..2 {
        match recompute_racing(store, true, &mut || Ok(())) {
            Err(crate::StoreError::IncidentsChanged) => continue,
            other => return other,
        }
    }
    recompute_racing(store, false, &mut || Ok(()))
}

/// One attempt of [`recompute`], with the generation check (`guarded`) or without (its
/// last attempt: then the signatures other writers stored meanwhile for reports it
/// did not read are removed, see [`IncidentSet::read`]); `before_write` runs between
/// its reads and its write (for tests that make another writer act in that window).
#[doc(hidden)]
pub fn recompute_racing(
    store: &mut dyn Store,
    guarded: bool,
    before_write: &mut dyn FnMut() -> Result<()>,
) -> Result<IncidentState> {
    let started = Instant::now();
    // Taken before reading: whatever is stored after it is new to the next refresh.
    let delta = store.incident_delta(None)?;
    let pins = effective_pins(&store.incident_pins()?);

    let mut report_ids: Vec<String> = Vec::new();
    let mut docs: Vec<DocInfo> = Vec::new();
    let mut infos: Vec<ReportInfo> = Vec::new();
    let mut items: Vec<EventItem> = Vec::new();
    let mut event_ids: Vec<i64> = Vec::new();
    let mut signatures: Vec<(String, Vec<u64>)> = Vec::new();
    store.for_each_incident_input(None, &mut |input: IncidentInput| {
        let index = report_ids.len();
        let report = &input.report;
        let signature = match input.signature {
            Some(s) if s.len() == SIGNATURE_LEN => Signature(s),
            _ => {
                let s = Signature::of(&report.body, report.language == Language::Ko);
                signatures.push((report.id.clone(), s.0.clone()));
                s
            }
        };
        docs.push(DocInfo {
            signature,
            published: report.published.as_ref().map(|p| p.date),
            captured_at: report.captured_at.clone(),
        });
        infos.push(ReportInfo::of(report));
        for (item, stored) in keyed_items(index, report, &input.events) {
            items.push(item);
            event_ids.push(stored.id);
        }
        report_ids.push(report.id.clone());
        Ok(())
    })?;

    let read_millis = started.elapsed().as_millis() as u64;
    let links = near_duplicates_of(&docs, &DupParams::default());
    drop(docs);
    let mut duplicates = Vec::with_capacity(links.len());
    for l in &links {
        if let Some(info) = infos.get_mut(l.duplicate) {
            info.duplicate_of = Some(l.original);
        }
        if let (Some(c), Some(o)) = (report_ids.get(l.duplicate), report_ids.get(l.original)) {
            duplicates.push(DuplicateOf {
                report_id: c.clone(),
                original_id: o.clone(),
                similarity: l.similarity,
            });
        }
    }
    let grouping = group_incidents(&infos, &items, &pins, &GroupParams::default());

    let group_millis = started.elapsed().as_millis() as u64 - read_millis;
    let (incidents, grouped_events, corroborated) =
        to_new_incidents(&grouping, &items, &event_ids, &report_ids);
    let state = IncidentState {
        computed_at: String::new(),
        reports: report_ids.len() as u64,
        events: items.len() as u64,
        grouped_events,
        incidents: incidents.len() as u64,
        corroborated,
        duplicates: duplicates.len() as u64,
        new_signatures: signatures.len() as u64,
        pin_conflicts: grouping.pin_conflicts.clone(),
        unknown_pins: grouping.unknown_pins.clone(),
        millis: 0,
        read_millis,
        group_millis,
        incremental: false,
        replaced: 0,
    };
    let blocks = blocks_of(&grouping, &items);
    let mut set = IncidentSet {
        only: None,
        signatures,
        duplicates,
        incidents,
        state,
        blocks,
        relinked: Vec::new(),
        generation: guarded.then_some(delta.generation),
        mark: Some(RefreshMark {
            watermark: delta.now,
            data_version: delta.data_version,
        }),
        read: (!guarded).then_some(report_ids),
    };
    set.state.millis = started.elapsed().as_millis() as u64;
    before_write()?;
    store.replace_incidents(&set)?;
    let mut state = store.incident_state()?.unwrap_or(set.state);
    state.millis = started.elapsed().as_millis() as u64;
    Ok(state)
}

/// The incidents of a grouping as stored: report and event indices turned into ids.
/// Returns them with the number of grouped events and of corroborated incidents.
fn to_new_incidents(
    grouping: &lantern_incidents::Grouping,
    items: &[EventItem],
    event_ids: &[i64],
    report_ids: &[String],
) -> (Vec<NewIncident>, u64, u64) {
    let rid = |i: usize| report_ids.get(i).cloned().unwrap_or_default();
    let mut incidents = Vec::with_capacity(grouping.incidents.len());
    let mut grouped_events = 0u64;
    let mut corroborated = 0u64;
    for inc in &grouping.incidents {
        grouped_events += inc.events.len() as u64;
        if inc.corroboration >= 2 {
            corroborated += 1;
        }
        let mut events: Vec<IncidentEvent> = inc
            .events
            .iter()
            .filter_map(|&i| {
                Some(IncidentEvent {
                    event_id: *event_ids.get(i)?,
                    key: items.get(i)?.key.clone(),
                })
            })
            .collect();
        events.sort_by_key(|e| e.event_id);
        incidents.push(NewIncident {
            incident: IncidentSummary {
                id: inc.id.clone(),
                date_start: inc.date.map(|d| d.0),
                date_end: inc.date.map(|d| d.1),
                types: inc.types.clone(),
                places: inc.places.clone(),
                outlets: inc.outlets.clone(),
                corroboration: u32::try_from(inc.corroboration).unwrap_or(u32::MAX),
                events: u32::try_from(events.len()).unwrap_or(u32::MAX),
                reports: inc.reports.iter().map(|&i| rid(i)).collect(),
                duplicates: inc.duplicates.iter().map(|&i| rid(i)).collect(),
                disagreements: inc
                    .disagreements
                    .iter()
                    .map(|d| IncidentDisagreement {
                        field: d.field.clone(),
                        values: d
                            .values
                            .iter()
                            .map(|(i, v)| ReportValue {
                                report_id: rid(*i),
                                value: v.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            },
            events,
        });
    }
    (incidents, grouped_events, corroborated)
}

/// Regroup just the events of some incidents, with the analyst pins, and replace those
/// incidents: what a merge or split needs at once, in time proportional to the
/// incidents' size rather than the store's. Copies stay linked as they are; the events
/// cannot join incidents outside the set until the next [`recompute`]. Returns the ids
/// of the new incidents.
pub fn regroup(store: &mut dyn Store, incident_ids: &[String]) -> Result<Vec<String>> {
    let pins = effective_pins(&store.incident_pins()?);
    let mut wanted: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut reports: BTreeSet<String> = BTreeSet::new();
    let mut ids: Vec<String> = Vec::new();
    for id in incident_ids {
        if let Some(d) = store.incident(id)? {
            wanted.extend(d.events.iter().map(|e| e.event_id));
            reports.extend(d.incident.reports.iter().cloned());
            ids.push(d.incident.id);
        }
    }
    let reports: Vec<String> = reports.into_iter().collect();
    let mut report_ids: Vec<String> = Vec::new();
    let mut infos: Vec<ReportInfo> = Vec::new();
    let mut items: Vec<EventItem> = Vec::new();
    let mut event_ids: Vec<i64> = Vec::new();
    store.for_each_incident_input(Some(&reports), &mut |input: IncidentInput| {
        let index = report_ids.len();
        let report = &input.report;
        infos.push(ReportInfo::of(report));
        // Keys and report places come from all the report's events, as in recompute.
        for (item, stored) in keyed_items(index, report, &input.events) {
            if wanted.contains(&stored.id) {
                items.push(item);
                event_ids.push(stored.id);
            }
        }
        report_ids.push(report.id.clone());
        Ok(())
    })?;
    let grouping = group_incidents(&infos, &items, &pins, &GroupParams::default());
    let (mut incidents, _, _) = to_new_incidents(&grouping, &items, &event_ids, &report_ids);
    let mut copies: HashMap<String, Vec<String>> = HashMap::new();
    for d in store.duplicate_links()? {
        copies.entry(d.original_id).or_default().push(d.report_id);
    }
    for n in &mut incidents {
        let mut dups: Vec<String> = n
            .incident
            .reports
            .iter()
            .flat_map(|r| copies.get(r).cloned().unwrap_or_default())
            .collect();
        dups.sort();
        dups.dedup();
        n.incident.duplicates = dups;
    }
    let new_ids = incidents.iter().map(|n| n.incident.id.clone()).collect();
    let blocks = blocks_of(&grouping, &items);
    store.replace_incidents(&IncidentSet {
        only: Some(ids),
        incidents,
        blocks,
        ..Default::default()
    })?;
    Ok(new_ids)
}

/// A MinHash signature as stored (little-endian u64s), the same on every backend.
pub(crate) fn signature_bytes(sig: &[u64]) -> Vec<u8> {
    sig.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The signature back from its stored bytes.
pub(crate) fn signature_of(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect()
}
