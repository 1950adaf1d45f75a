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
//! 4. [`Store::replace_incidents`] stores new signatures, every report's `duplicate_of`
//!    and all incidents with their events in one transaction.
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
    group_incidents, near_duplicates_of, DocInfo, DupParams, EventItem, GroupParams, Pins,
    ReportInfo, Signature, SIGNATURE_LEN,
};
use lantern_ingest::{Language, Report};
use serde::{Deserialize, Serialize};

use crate::error::Result;
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

/// The setting holding the [`Store::data_version`] the stored incidents were computed at.
const COMPUTED_AT_VERSION: &str = "incidents_data_version";

/// True when reports, events or reviews changed since incidents were last computed
/// (or they never were).
pub fn stale(store: &dyn Store) -> Result<bool> {
    let at = store.setting(COMPUTED_AT_VERSION)?;
    Ok(at.and_then(|v| v.parse::<u64>().ok()) != Some(store.data_version()?))
}

/// [`recompute`] when [`stale`]; `None` when the stored incidents are current.
pub fn refresh(store: &mut dyn Store) -> Result<Option<IncidentState>> {
    if stale(store)? {
        recompute(store).map(Some)
    } else {
        Ok(None)
    }
}

/// Run near-duplicate detection and incident grouping over everything stored and
/// store the result (see the module documentation). Returns what was stored.
pub fn recompute(store: &mut dyn Store) -> Result<IncidentState> {
    let started = Instant::now();
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
        let events: Vec<Event> = input.events.iter().map(|e| e.event.clone()).collect();
        let refs: Vec<&Event> = events.iter().collect();
        let keys = event_keys(&report.id, &refs);
        for (mut item, key) in EventItem::of_report(index, report, &events)
            .into_iter()
            .zip(keys)
        {
            item.key = key;
            items.push(item);
        }
        event_ids.extend(input.events.iter().map(|e| e.id));
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
    };
    let mut set = IncidentSet {
        only: None,
        signatures,
        duplicates,
        incidents,
        state,
    };
    set.state.millis = started.elapsed().as_millis() as u64;
    store.replace_incidents(&set)?;
    let version = store.data_version()?;
    store.set_setting(COMPUTED_AT_VERSION, &version.to_string())?;
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
        let events: Vec<Event> = input.events.iter().map(|e| e.event.clone()).collect();
        let refs: Vec<&Event> = events.iter().collect();
        let keys = event_keys(&report.id, &refs);
        for ((mut item, key), stored) in EventItem::of_report(index, report, &events)
            .into_iter()
            .zip(keys)
            .zip(&input.events)
        {
            if wanted.contains(&stored.id) {
                item.key = key;
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
    store.replace_incidents(&IncidentSet {
        only: Some(ids),
        incidents,
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
