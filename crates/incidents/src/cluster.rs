//! Incidents: events of different reports that describe one happening, grouped.
//!
//! 1. Every event becomes an [`EventItem`]: its type, its most specific places, a date
//!    window (the event's dates widened by their precision, else the report's published
//!    date with a window before it), its actors and the content words of its evidence.
//! 2. Candidate pairs come from blocks keyed by (county-level place, 14-day bucket,
//!    event type); events known only to a province are compared with their province's
//!    block. Events of the same report whose places and dates agree are candidates too
//!    (one report usually tells one happening through several events).
//! 3. Each candidate pair is scored (type, place specificity, date agreement, actors,
//!    wording, equal numbers); pairs over a threshold are merged greedily, best first,
//!    but two groups join only if most pairs of their events (`min_agreement`) agree on
//!    place and date, and no analyst split separates them: no chaining across counties
//!    or months through one vague event.
//! 4. Analyst merges are applied first and never undone; analyst splits are never
//!    crossed.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use lantern_extract::gazetteer::PlaceIdx;
use lantern_extract::{Actor, Event, EventType, PlaceRole, Precision, QuantityKind};
use lantern_ingest::Report;
use serde::{Deserialize, Serialize};

use crate::geo::Geo;
use crate::text::{content_tokens, fnv1a, jaccard};
use crate::unionfind::UnionFind;

/// What clustering needs to know about a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInfo {
    /// The report id (SHA-256 of its body).
    pub id: String,
    /// The outlet, as the report names it.
    pub outlet: Option<String>,
    /// The report's URL (a fallback source key when there is no outlet).
    pub url: Option<String>,
    /// The published date, for the fallback date window.
    pub published: Option<NaiveDate>,
    /// Index (among the reports given) of the original this report copies, if it is a
    /// near-duplicate. Its events are then left out of clustering and the report is
    /// listed with its original's incidents.
    pub duplicate_of: Option<usize>,
    /// Hashed content words of the title and body ([`crate::text::content_tokens`]):
    /// the report-level wording signal.
    #[serde(default)]
    pub tokens: Vec<u64>,
}

impl ReportInfo {
    /// The info of a report that is not (yet) known to be a copy.
    pub fn of(report: &Report) -> ReportInfo {
        ReportInfo {
            id: report.id.clone(),
            outlet: report.outlet.clone(),
            url: report.url.clone(),
            published: report.published.as_ref().map(|p| p.date),
            duplicate_of: None,
            tokens: content_tokens(&format!(
                "{} {}",
                report.title.as_deref().unwrap_or(""),
                report.body
            )),
        }
    }

    /// Who is speaking, for counting independent outlets: the outlet name folded to
    /// lower case, else the URL's host, else the report itself.
    pub fn source_key(&self) -> String {
        if let Some(o) = self
            .outlet
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            return o.to_lowercase();
        }
        if let Some(u) = self.url.as_deref() {
            let rest = u.split_once("://").map_or(u, |(_, r)| r);
            let host = rest.split('/').next().unwrap_or("");
            if !host.is_empty() {
                return host.to_lowercase();
            }
        }
        format!("report:{}", self.id)
    }
}

/// How much an event's date window says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateKind {
    /// A day or a range of days named by the report.
    Precise,
    /// A month named by the report.
    Month,
    /// A year, or a range longer than four months: too wide to tell happenings apart.
    Year,
    /// No date of its own: the window before the report's published date.
    Fallback,
    /// No date at all.
    None,
}

/// One event, prepared for clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventItem {
    /// A stable key chosen by the caller (the store's event id, or
    /// `"<report id>#<n>"` from [`EventItem::of_report`]). Pins name events by it.
    pub key: String,
    /// Index of the event's report in the `reports` given to [`group_incidents`].
    pub report: usize,
    /// The codebook type.
    pub event_type: EventType,
    /// Gazetteer indices of the most specific places (no place that contains another).
    pub places: Vec<PlaceIdx>,
    /// The date window `[start, end]` (inclusive), widened by precision.
    pub window: Option<(NaiveDate, NaiveDate)>,
    /// Where the window comes from, and so how much it says.
    pub date_kind: DateKind,
    /// The first day, when the report names the day (for disagreement flags).
    pub day: Option<NaiveDate>,
    /// Bit set of [`Actor`]s (bit = position in [`Actor::ALL`]).
    pub actors: u16,
    /// Hashed content words of the evidence (sorted, deduplicated).
    pub tokens: Vec<u64>,
    /// Counted things: people, money, amounts (kind, value, unit).
    pub quantities: Vec<(QuantityKind, f64, Option<String>)>,
}

/// Days of widening on each side of a window, by precision.
fn widen(precision: Precision) -> i64 {
    match precision {
        Precision::Day => 2,
        Precision::Range => 3,
        Precision::Month => 7,
        Precision::Year | Precision::Unresolved => 0,
    }
}

/// True when a date is written as a weekday ("last Friday", "지난 금요일").
fn names_weekday(text: &str) -> bool {
    const DAYS: &[&str] = &[
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "월요일",
        "화요일",
        "수요일",
        "목요일",
        "금요일",
        "토요일",
        "일요일",
    ];
    let t = text.to_lowercase();
    DAYS.iter().any(|d| t.contains(d))
}

/// Days before the published date covered by the fallback window.
const FALLBACK_DAYS: i64 = 30;
/// Windows longer than this many days are treated as a year: they tell nothing apart.
const WIDE_DAYS: i64 = 120;

fn actor_bits(actors: &[Actor]) -> u16 {
    actors.iter().fold(0u16, |acc, a| {
        acc | Actor::ALL
            .iter()
            .position(|x| x == a)
            .map_or(0, |p| 1u16 << p)
    })
}

impl EventItem {
    /// Prepare one extracted event. `body` is its report's clean body (evidence spans
    /// index it); `published` the report's date; `report_places` the gazetteer places
    /// where the report's other events happen, used when this event names none.
    pub fn new(
        key: String,
        report: usize,
        event: &Event,
        body: &str,
        published: Option<NaiveDate>,
        report_places: &[PlaceIdx],
    ) -> EventItem {
        let geo = Geo::get();
        let ids = |role: PlaceRole| -> Vec<PlaceIdx> {
            event
                .places
                .iter()
                .filter(|p| p.role == role)
                .filter_map(|p| geo.by_id.get(&p.id).copied())
                .collect()
        };
        let mut places = ids(PlaceRole::Location);
        if places.is_empty() {
            places = report_places.to_vec();
        }
        if places.is_empty() {
            places = ids(PlaceRole::Source);
        }
        let places = geo.leaves(places);

        let (mut window, mut date_kind, mut day) = (None, DateKind::None, None);
        if let Some(d) = &event.date {
            if let Some(start) = d.start {
                let end = d.end.unwrap_or(start).max(start);
                let w = widen(d.precision);
                // "last Friday", "지난 금요일": which week is often unclear.
                let early = if names_weekday(&d.text) { 7 } else { w };
                let wide = (end - start).num_days() > WIDE_DAYS;
                date_kind = match d.precision {
                    _ if wide => DateKind::Year,
                    Precision::Day | Precision::Range => DateKind::Precise,
                    Precision::Month => DateKind::Month,
                    Precision::Year | Precision::Unresolved => DateKind::Year,
                };
                window = Some((start - Duration::days(early), end + Duration::days(w)));
                if d.precision == Precision::Day {
                    day = Some(start);
                }
            }
        }
        if window.is_none() {
            if let Some(p) = published {
                window = Some((p - Duration::days(FALLBACK_DAYS), p + Duration::days(1)));
                date_kind = DateKind::Fallback;
            }
        }

        let mut evidence = String::new();
        for &(s, e) in &event.evidence {
            if let Some(t) = body.get(s..e) {
                evidence.push_str(t);
                evidence.push(' ');
            }
        }
        let quantities = event
            .quantities
            .iter()
            .filter(|q| {
                matches!(
                    q.kind,
                    QuantityKind::People | QuantityKind::Money | QuantityKind::Amount
                )
            })
            .filter_map(|q| q.value.map(|v| (q.kind, v, q.unit.clone())))
            .collect();
        EventItem {
            key,
            report,
            event_type: event.event_type,
            places,
            window,
            date_kind,
            day,
            actors: actor_bits(&event.actors),
            tokens: content_tokens(&evidence),
            quantities,
        }
    }

    /// Prepare all events of one report, keyed `"<report id>#<n>"` (n = position in
    /// `events`). `report_index` is the report's index in the `reports` given to
    /// [`group_incidents`].
    pub fn of_report(report_index: usize, report: &Report, events: &[Event]) -> Vec<EventItem> {
        let geo = Geo::get();
        let report_places: Vec<PlaceIdx> = geo.leaves(
            events
                .iter()
                .flat_map(|e| e.places.iter())
                .filter(|p| p.role == PlaceRole::Location)
                .filter_map(|p| geo.by_id.get(&p.id).copied())
                .collect(),
        );
        let published = report.published.as_ref().map(|p| p.date);
        events
            .iter()
            .enumerate()
            .map(|(n, e)| {
                EventItem::new(
                    format!("{}#{n}", report.id),
                    report_index,
                    e,
                    &report.body,
                    published,
                    &report_places,
                )
            })
            .collect()
    }
}

/// Related event types: reports of one happening often name it differently (a
/// crackdown that made arrests; an arrest reported as its sentence). Pairs of the same
/// type are always compatible.
pub const RELATED_TYPES: &[(EventType, EventType)] = &[
    (EventType::Arrest, EventType::Punishment),
    (EventType::Arrest, EventType::Crackdown),
    (EventType::Crackdown, EventType::Punishment),
    (EventType::Punishment, EventType::Execution),
    (EventType::BorderCrossing, EventType::Repatriation),
    (EventType::BorderCrossing, EventType::UseOfForce),
    (EventType::Smuggling, EventType::Corruption),
    (EventType::Directive, EventType::Restriction),
    (EventType::Directive, EventType::Crackdown),
    (EventType::Directive, EventType::Ideology),
    (EventType::Surveillance, EventType::Crackdown),
];

/// 1.0 for the same type, 0.5 for a related pair, `None` otherwise.
pub fn type_match(a: EventType, b: EventType) -> Option<f32> {
    if a == b {
        return Some(1.0);
    }
    RELATED_TYPES
        .iter()
        .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
        .then_some(0.5)
}

/// Settings of [`group_incidents`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupParams {
    /// Least score for two events of different reports to be one happening. The score
    /// adds: type (1 same, 0.5 related), place (1 same city/county/town, 0.7 one inside
    /// the other, 0.3 a province and a place in it, 0.2 the same province), date (1
    /// days that agree, 0.6 a month, 0.3 published-date windows, 0 a year), actors
    /// (0.5 x Jaccard), wording (the larger of 3 x Jaccard of the evidence words, at
    /// most 1.5, and 3 x Jaccard of the two reports' words, at most 1), equal numbers
    /// (0.5) and `shared_type_bonus`. The default, 2.8, was chosen on the labelled
    /// fixtures: 2.7 lets in a same-city, same-month look-alike, 2.9 loses a
    /// cross-language pair and much recall under extraction noise.
    pub threshold: f32,
    /// Days per time bucket of the blocking.
    pub bucket_days: i64,
    /// Two groups join only if at least this share of their event pairs agree on place
    /// and date (sampled for very large groups). 1.0 would be complete linkage; a half
    /// tolerates an odd event (a place only named to locate another, a misread date)
    /// while still stopping chains across counties or months.
    pub min_agreement: f32,
    /// In a crowded block, an event is compared with at most this many members, the
    /// nearest in time: this bounds the work per event, so grouping stays near-linear
    /// even when one place and fortnight hold thousands of events.
    pub max_block_neighbours: usize,
    /// Added to every event pair of two reports for each event type (beyond the first,
    /// at most two) that the two reports share at a compatible place and date.
    pub shared_type_bonus: f32,
}

impl Default for GroupParams {
    fn default() -> Self {
        GroupParams {
            threshold: 2.8,
            bucket_days: 14,
            min_agreement: 0.5,
            max_block_neighbours: 24,
            shared_type_bonus: 0.25,
        }
    }
}

/// Analyst decisions, by event key: pairs that must be in one incident, and pairs that
/// must not. They survive re-clustering as long as the keys do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pins {
    /// Pairs of event keys that must be in one incident.
    pub merges: Vec<(String, String)>,
    /// Pairs of event keys that must be in different incidents.
    pub splits: Vec<(String, String)>,
}

/// A difference between the reports of one incident, for the analyst to look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// "date", "place" or "quantity".
    pub field: String,
    /// What each report says: (report index, value), one entry per report that says it.
    pub values: Vec<(usize, String)>,
}

/// One happening and everything reported about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// `inc-` and 16 hex digits of the hash of the smallest event key: stable across
    /// re-clustering while that event stays in the incident.
    pub id: String,
    /// Indices into the events given, sorted.
    pub events: Vec<usize>,
    /// Reports with events in the incident (not copies), sorted.
    pub reports: Vec<usize>,
    /// Copies of those reports (reposts, syndication), sorted. Not counted again.
    pub duplicates: Vec<usize>,
    /// The distinct sources of `reports` (see [`ReportInfo::source_key`]), sorted.
    pub outlets: Vec<String>,
    /// Number of independent outlets: `outlets.len()`.
    pub corroboration: usize,
    /// Distinct event types, sorted.
    pub types: Vec<EventType>,
    /// Gazetteer ids of the most specific places, sorted.
    pub places: Vec<String>,
    /// The narrowest day range all dated events agree on (or their hull if none).
    pub date: Option<(NaiveDate, NaiveDate)>,
    /// Dates, places or numbers on which the reports differ.
    pub disagreements: Vec<Disagreement>,
}

/// The result of [`group_incidents`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Grouping {
    /// Every event in exactly one incident; sorted by date, then id.
    pub incidents: Vec<Incident>,
    /// Splits that could not be honoured because merges join the two events.
    pub pin_conflicts: Vec<(String, String)>,
    /// Pinned keys that name no event given.
    pub unknown_pins: Vec<String>,
    /// Number of candidate pairs scored (a measure of the work done).
    pub candidates: usize,
}

fn overlap(a: Option<(NaiveDate, NaiveDate)>, b: Option<(NaiveDate, NaiveDate)>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.0 <= b.1 && b.0 <= a.1,
        _ => true,
    }
}

fn date_score(a: &EventItem, b: &EventItem) -> f32 {
    use DateKind::*;
    match (a.date_kind, b.date_kind) {
        (Precise, Precise) => 1.0,
        (Precise | Month, Precise | Month) => 0.6,
        (Precise | Month | Fallback, Precise | Month | Fallback) => 0.3,
        _ => 0.0,
    }
}

/// The hard constraints: places compatible and date windows overlapping.
fn agree(geo: &Geo, a: &EventItem, b: &EventItem) -> bool {
    overlap(a.window, b.window) && geo.place_match(&a.places, &b.places).is_some()
}

/// Score of two events of different reports, `None` when they cannot be one happening.
/// `reports` are those the events' `report` indices point into.
pub fn pair_score(reports: &[ReportInfo], a: &EventItem, b: &EventItem) -> Option<f32> {
    pair_score_in(Geo::get(), reports, a, b)
}

fn pair_score_in(geo: &Geo, reports: &[ReportInfo], a: &EventItem, b: &EventItem) -> Option<f32> {
    let t = type_match(a.event_type, b.event_type)?;
    if !overlap(a.window, b.window) {
        return None;
    }
    let p = geo.place_match(&a.places, &b.places)?;
    let d = date_score(a, b);
    let actors = if a.actors != 0 && b.actors != 0 {
        0.5 * (a.actors & b.actors).count_ones() as f32 / (a.actors | b.actors).count_ones() as f32
    } else {
        0.0
    };
    let body = match (reports.get(a.report), reports.get(b.report)) {
        (Some(ra), Some(rb)) => (3.0 * jaccard(&ra.tokens, &rb.tokens)).min(1.0),
        _ => 0.0,
    };
    let words = (3.0 * jaccard(&a.tokens, &b.tokens)).min(1.5).max(body);
    let numbers = a.quantities.iter().any(|(k, v, u)| {
        b.quantities
            .iter()
            .any(|(k2, v2, u2)| k == k2 && u == u2 && (v - v2).abs() < 1e-9)
    });
    Some(t + p + d + actors + words + if numbers { 0.5 } else { 0.0 })
}

/// Score given to pairs of events of one report that agree on place and date.
const SAME_REPORT: f32 = 100.0;
/// Each event of a report is tried against at most this many later events of it.
const MAX_SAME_REPORT: usize = 64;
/// Above this many event pairs, the complete-linkage check samples the two groups.
const MAX_CHECK: usize = 40_000;

/// Group events into incidents. `reports[i].duplicate_of` marks copies (set it from
/// [`crate::near_duplicates`]); their events are skipped. Deterministic; near-linear in
/// the number of events when events spread over places and time.
pub fn group_incidents(
    reports: &[ReportInfo],
    events: &[EventItem],
    pins: &Pins,
    params: &GroupParams,
) -> Grouping {
    let geo = Geo::get();
    let n = events.len();
    let is_copy = |i: usize| {
        reports
            .get(events[i].report)
            .map(|r| r.duplicate_of.is_some())
            .unwrap_or(true)
    };
    let active: Vec<bool> = (0..n).map(|i| !is_copy(i)).collect();

    // Blocking.
    let bucket = |d: NaiveDate| i64::from(d.num_days_from_ce()) / params.bucket_days.max(1);
    let buckets_of = |e: &EventItem| -> Vec<i64> {
        match e.window {
            Some((s, t)) => {
                let (a, b) = (bucket(s), bucket(t));
                (a..=b.min(a + 40)).collect()
            }
            None => vec![i64::MIN],
        }
    };
    // Compact copies of what the candidate search reads, stored in the blocks
    // themselves so that scanning a block touches contiguous memory only.
    let days = |d: NaiveDate| d.num_days_from_ce();
    let slot = |i: usize| -> Slot {
        let e = &events[i];
        let (start, end) = e
            .window
            .map_or((i32::MIN, i32::MAX), |(s, t)| (days(s), days(t)));
        Slot {
            centre: e.window.map_or(0, |(s, t)| {
                ((i64::from(days(s)) + i64::from(days(t))) / 2) as i32
            }),
            start,
            end,
            report: e.report,
            idx: i,
        }
    };
    let mut fine: FastMap<(usize, i64, EventType), Vec<Slot>> = FastMap::default();
    let mut coarse: FastMap<(usize, i64, EventType), Vec<Slot>> = FastMap::default();
    for (i, e) in events.iter().enumerate() {
        if !active[i] {
            continue;
        }
        let sl = slot(i);
        let anchors = anchors_of(geo, e);
        let provs = provinces_of(geo, e);
        for b in buckets_of(e) {
            for &a in &anchors {
                fine.entry((a, b, e.event_type)).or_default().push(sl);
            }
            for &p in &provs {
                coarse.entry((p, b, e.event_type)).or_default().push(sl);
            }
        }
    }
    // Blocks sorted by the middle day of each event's window, so that a crowded block
    // is searched outward from the query's own date.
    for v in fine.values_mut().chain(coarse.values_mut()) {
        v.sort_unstable_by_key(|s| (s.centre, s.idx));
    }

    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let k = params.max_block_neighbours;
    for (i, e) in events.iter().enumerate() {
        if !active[i] {
            continue;
        }
        let me = slot(i);
        let mut take = |o: &Slot| {
            if o.idx != i && o.report != me.report && o.start <= me.end && me.start <= o.end {
                pairs.push((i.min(o.idx), i.max(o.idx)));
            }
        };
        let compatible: Vec<EventType> = EventType::ALL
            .into_iter()
            .filter(|t| type_match(e.event_type, *t).is_some())
            .collect();
        let is_coarse = !e.places.is_empty()
            && e.places
                .iter()
                .any(|&p| geo.anchor.get(p).copied().flatten().is_none());
        let anchors = anchors_of(geo, e);
        for b in buckets_of(e) {
            for &t in &compatible {
                for &a in &anchors {
                    if let Some(block) = fine.get(&(a, b, t)) {
                        nearest(block, me.centre, k, &mut take);
                    }
                }
                // An event known only by its province is vague: it is compared with
                // events of its own type only.
                if is_coarse && t == e.event_type {
                    for &p in &e.places {
                        if geo.is_province(p) {
                            if let Some(block) = coarse.get(&(p, b, t)) {
                                nearest(block, me.centre, k, &mut take);
                            }
                        }
                    }
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let candidates = pairs.len();

    let scored: Vec<(f32, usize, usize)> = pairs
        .into_iter()
        .filter_map(|(i, j)| Some((pair_score_in(geo, reports, &events[i], &events[j])?, i, j)))
        .collect();
    // Two reports of one happening usually agree on more than one event: each further
    // event type they share at a compatible place and date adds to every pair of theirs.
    let mut shared: FastMap<(usize, usize), u32> = FastMap::default();
    for &(_, i, j) in &scored {
        let (a, b) = (&events[i], &events[j]);
        if a.event_type == b.event_type {
            let key = (a.report.min(b.report), a.report.max(b.report));
            *shared.entry(key).or_default() |= 1u32 << (a.event_type as u32);
        }
    }
    let mut edges: Vec<(f32, usize, usize)> = scored
        .into_iter()
        .filter_map(|(s, i, j)| {
            let (ra, rb) = (events[i].report, events[j].report);
            let types = shared
                .get(&(ra.min(rb), ra.max(rb)))
                .map_or(0, |m| m.count_ones());
            let s = s + params.shared_type_bonus * types.saturating_sub(1).min(2) as f32;
            (s >= params.threshold).then_some((s, i, j))
        })
        .collect();

    // Events of one report that agree on place and date.
    let mut by_report: Vec<(usize, usize)> = (0..n)
        .filter(|&i| active[i])
        .map(|i| (events[i].report, i))
        .collect();
    by_report.sort_unstable();
    for members in by_report
        .chunk_by(|a, b| a.0 == b.0)
        .map(|c| c.iter().map(|x| x.1).collect::<Vec<usize>>())
    {
        for (x, &i) in members.iter().enumerate() {
            // A very long report (a bulletin of hundreds of events) is linked to its
            // nearby events only, which keeps this linear.
            let end = members.len().min(x + 1 + MAX_SAME_REPORT);
            for &j in &members[x + 1..end] {
                if agree(geo, &events[i], &events[j]) {
                    let p = geo
                        .place_match(&events[i].places, &events[j].places)
                        .unwrap_or(0.0);
                    edges.push((SAME_REPORT + p, i, j));
                }
            }
        }
    }
    edges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));

    // Pins.
    let key_index: HashMap<&str, usize> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.as_str(), i))
        .collect();
    let mut unknown_pins = Vec::new();
    let mut resolve = |a: &String, b: &String| -> Option<(usize, usize)> {
        let ia = key_index.get(a.as_str()).copied();
        let ib = key_index.get(b.as_str()).copied();
        for (k, i) in [(a, ia), (b, ib)] {
            if i.is_none() && !unknown_pins.contains(k) {
                unknown_pins.push(k.clone());
            }
        }
        Some((ia?, ib?))
    };
    let merges: Vec<(usize, usize)> = pins
        .merges
        .iter()
        .filter_map(|(a, b)| resolve(a, b))
        .collect();
    let splits: Vec<(usize, usize)> = pins
        .splits
        .iter()
        .filter_map(|(a, b)| resolve(a, b))
        .collect();
    let mut forbidden: HashMap<usize, Vec<usize>> = HashMap::new();
    for &(a, b) in &splits {
        forbidden.entry(a).or_default().push(b);
        forbidden.entry(b).or_default().push(a);
    }

    let mut uf = UnionFind::new(n);
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let join = |uf: &mut UnionFind, members: &mut Vec<Vec<usize>>, ra: usize, rb: usize| {
        let root = uf.union(ra, rb);
        let other = if root == ra { rb } else { ra };
        let moved = std::mem::take(&mut members[other]);
        members[root].extend(moved);
    };
    for &(a, b) in &merges {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra != rb {
            join(&mut uf, &mut members, ra, rb);
        }
    }
    let mut pin_conflicts = Vec::new();
    for &(a, b) in &splits {
        if uf.find(a) == uf.find(b) {
            pin_conflicts.push((events[a].key.clone(), events[b].key.clone()));
        }
    }
    for (_, i, j) in edges {
        let (ra, rb) = (uf.find(i), uf.find(j));
        if ra == rb {
            continue;
        }
        let (small, big) = if members[ra].len() <= members[rb].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        let split_crossed = members[small].iter().any(|m| {
            forbidden
                .get(m)
                .is_some_and(|fs| fs.iter().any(|&f| uf.find(f) == big))
        });
        if split_crossed {
            continue;
        }
        let (sa, sb) = (&members[small], &members[big]);
        let take = |v: &Vec<usize>, k: usize| -> Vec<usize> { v.iter().copied().take(k).collect() };
        let (ca, cb) = if sa.len() * sb.len() > MAX_CHECK {
            (take(sa, 200), take(sb, 200))
        } else {
            (sa.clone(), sb.clone())
        };
        let agreeing = ca
            .iter()
            .map(|&x| {
                cb.iter()
                    .filter(|&&y| agree(geo, &events[x], &events[y]))
                    .count()
            })
            .sum::<usize>();
        let ok = agreeing as f32 >= params.min_agreement * (ca.len() * cb.len()) as f32;
        if ok {
            join(&mut uf, &mut members, ra, rb);
        }
    }

    let mut copies: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, r) in reports.iter().enumerate() {
        if let Some(o) = r.duplicate_of {
            copies.entry(o).or_default().push(i);
        }
    }
    let mut incidents = Vec::new();
    for root in 0..n {
        if uf.find(root) != root || !active[root] && members[root].iter().all(|&m| !active[m]) {
            continue;
        }
        let mut evs: Vec<usize> = members[root]
            .iter()
            .copied()
            .filter(|&m| active[m])
            .collect();
        if evs.is_empty() {
            continue;
        }
        evs.sort_unstable();
        incidents.push(describe(geo, reports, &copies, events, evs));
    }
    incidents.sort_by(|a, b| {
        a.date
            .map(|d| d.0)
            .cmp(&b.date.map(|d| d.0))
            .then(a.id.cmp(&b.id))
    });
    Grouping {
        incidents,
        pin_conflicts,
        unknown_pins,
        candidates,
    }
}

/// Time buckets of an event's window (at most 41), as the blocking uses them.
fn buckets_of(e: &EventItem, bucket_days: i64) -> Vec<i64> {
    let bucket = |d: NaiveDate| i64::from(d.num_days_from_ce()) / bucket_days.max(1);
    match e.window {
        Some((s, t)) => {
            let (a, b) = (bucket(s), bucket(t));
            (a..=b.min(a + 40)).collect()
        }
        None => vec![i64::MIN],
    }
}

/// A block key for the stored block index: what kind of block, which place, bucket and
/// (for the province blocks) event type, hashed.
fn block_hash(kind: u64, place: usize, bucket: i64, event_type: Option<EventType>) -> u64 {
    let t = event_type.map_or(u64::MAX, |t| t as u64);
    [place as u64, bucket as u64, t]
        .iter()
        .fold(kind, |acc, v| crate::text::mix64(acc ^ v.rotate_left(29)))
}

const KEY_FINE: u64 = 0x66;
const KEY_IN_PROVINCE: u64 = 0x71;
const KEY_COARSE: u64 = 0x63;

/// The anchor of an event without places.
const NO_PLACE: usize = usize::MAX;

/// The anchor places of an event, sorted and without repeats; an event without places
/// has the one anchor [`NO_PLACE`].
fn anchors_of(geo: &Geo, e: &EventItem) -> Vec<usize> {
    let mut anchors: Vec<usize> = e
        .places
        .iter()
        .filter_map(|&p| geo.anchor.get(p).copied().flatten())
        .collect();
    if e.places.is_empty() {
        anchors.push(NO_PLACE);
    }
    anchors.sort_unstable();
    anchors.dedup();
    anchors
}

/// The provinces of an event's places, sorted and without repeats.
fn provinces_of(geo: &Geo, e: &EventItem) -> Vec<usize> {
    let mut provs: Vec<usize> = e
        .places
        .iter()
        .filter_map(|&p| geo.province.get(p).copied().flatten())
        .collect();
    provs.sort_unstable();
    provs.dedup();
    provs
}

/// Places, provinces and coarseness of an event as the blocking sees them.
fn block_parts(geo: &Geo, e: &EventItem) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let anchors = anchors_of(geo, e);
    let provs = provinces_of(geo, e);
    let is_coarse = !e.places.is_empty()
        && e.places
            .iter()
            .any(|&p| geo.anchor.get(p).copied().flatten().is_none());
    let mut coarse: Vec<usize> = if is_coarse {
        e.places
            .iter()
            .copied()
            .filter(|&p| geo.is_province(p))
            .collect()
    } else {
        Vec::new()
    };
    coarse.sort_unstable();
    coarse.dedup();
    (anchors, provs, coarse)
}

/// The keys under which an incident holding this event is indexed, so that a later
/// event that [`group_incidents`] could compare with it finds it through
/// [`probe_keys`]: its place blocks (county-level place and time bucket), its
/// provinces with bucket and type, and, for an event known only by its province, that
/// province with bucket and type. Every candidate pair of the blocking shares a key
/// (`probe_keys` of one ∩ `block_keys` of the other); hashing may add a few more.
pub fn block_keys(e: &EventItem, params: &GroupParams) -> Vec<u64> {
    keys_of(e, params, false)
}

/// The keys to look up for a new event (see [`block_keys`]).
pub fn probe_keys(e: &EventItem, params: &GroupParams) -> Vec<u64> {
    keys_of(e, params, true)
}

/// [`block_keys`] (`probe` false) or [`probe_keys`] (`probe` true). They differ only in
/// which side of the province blocking an event takes: an event known only by its
/// province is compared with the events in it, and events known only by one of its
/// provinces are compared with it.
fn keys_of(e: &EventItem, params: &GroupParams, probe: bool) -> Vec<u64> {
    let (anchors, provs, coarse) = block_parts(Geo::get(), e);
    let (in_province, coarse) = if probe {
        (&coarse, &provs)
    } else {
        (&provs, &coarse)
    };
    let mut keys = Vec::new();
    for b in buckets_of(e, params.bucket_days) {
        keys.extend(anchors.iter().map(|&a| block_hash(KEY_FINE, a, b, None)));
        keys.extend(
            in_province
                .iter()
                .map(|&p| block_hash(KEY_IN_PROVINCE, p, b, Some(e.event_type))),
        );
        keys.extend(
            coarse
                .iter()
                .map(|&p| block_hash(KEY_COARSE, p, b, Some(e.event_type))),
        );
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// One event in a block: what the candidate search needs, stored inline.
#[derive(Debug, Clone, Copy)]
struct Slot {
    centre: i32,
    start: i32,
    end: i32,
    report: usize,
    idx: usize,
}

/// Call `f` on at most `k` members of a block (sorted by centre), nearest in time to
/// `at` first. The whole block when it is small.
fn nearest(block: &[Slot], at: i32, k: usize, f: &mut impl FnMut(&Slot)) {
    if block.len() <= k {
        block.iter().for_each(f);
        return;
    }
    let mut hi = block.partition_point(|s| s.centre < at);
    let mut lo = hi;
    for _ in 0..k {
        let take_lo = match (lo > 0, hi < block.len()) {
            (true, true) => {
                i64::from(at) - i64::from(block[lo - 1].centre)
                    <= i64::from(block[hi].centre) - i64::from(at)
            }
            (true, false) => true,
            (false, true) => false,
            (false, false) => break,
        };
        if take_lo {
            lo -= 1;
            f(&block[lo]);
        } else {
            f(&block[hi]);
            hi += 1;
        }
    }
}

/// A small, fixed (seedless) hasher for the blocking maps: FxHash's multiply-rotate.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
    fn write_isize(&mut self, v: isize) {
        self.write_u64(v as u64);
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Build the incident record of a group of events.
fn describe(
    geo: &Geo,
    reports: &[ReportInfo],
    copies: &HashMap<usize, Vec<usize>>,
    events: &[EventItem],
    evs: Vec<usize>,
) -> Incident {
    let min_key = evs
        .iter()
        .map(|&i| events[i].key.as_str())
        .min()
        .unwrap_or("");
    let id = format!("inc-{:016x}", fnv1a(min_key.as_bytes()));
    let mut reps: Vec<usize> = evs.iter().map(|&i| events[i].report).collect();
    reps.sort_unstable();
    reps.dedup();
    let mut duplicates: Vec<usize> = reps
        .iter()
        .filter_map(|r| copies.get(r))
        .flatten()
        .copied()
        .collect();
    duplicates.sort_unstable();
    duplicates.dedup();
    let mut outlets: Vec<String> = reps
        .iter()
        .filter_map(|&r| reports.get(r).map(ReportInfo::source_key))
        .collect();
    outlets.sort();
    outlets.dedup();
    let mut types: Vec<EventType> = evs.iter().map(|&i| events[i].event_type).collect();
    types.sort();
    types.dedup();
    let leaves = geo.leaves(
        evs.iter()
            .flat_map(|&i| events[i].places.iter().copied())
            .collect(),
    );
    let mut places: Vec<String> = leaves
        .iter()
        .filter_map(|&p| geo.g.places.get(p).map(|pl| pl.id.clone()))
        .collect();
    places.sort();

    // Date: intersection of the precise/month windows, else their hull.
    let dated: Vec<(NaiveDate, NaiveDate)> = evs
        .iter()
        .filter(|&&i| matches!(events[i].date_kind, DateKind::Precise | DateKind::Month))
        .filter_map(|&i| events[i].window)
        .collect();
    let date = if dated.is_empty() {
        None
    } else {
        let lo = dated.iter().map(|w| w.0).max();
        let hi = dated.iter().map(|w| w.1).min();
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo <= hi => Some((lo, hi)),
            _ => dated
                .iter()
                .map(|w| w.0)
                .min()
                .zip(dated.iter().map(|w| w.1).max()),
        }
    };

    let mut disagreements = Vec::new();
    if reps.len() > 1 {
        // Dates: the first day each report names.
        let days: Vec<(usize, NaiveDate)> = reps
            .iter()
            .filter_map(|&r| {
                evs.iter()
                    .filter(|&&i| events[i].report == r)
                    .filter_map(|&i| events[i].day)
                    .min()
                    .map(|d| (r, d))
            })
            .collect();
        let spread = days
            .iter()
            .map(|d| d.1)
            .max()
            .zip(days.iter().map(|d| d.1).min())
            .map_or(0, |(hi, lo)| (hi - lo).num_days());
        if days.len() > 1 && spread > 1 {
            disagreements.push(Disagreement {
                field: "date".into(),
                values: days.iter().map(|(r, d)| (*r, d.to_string())).collect(),
            });
        }
        // Places: a report whose places are all outside another report's places.
        let per_report: Vec<(usize, Vec<PlaceIdx>)> = reps
            .iter()
            .map(|&r| {
                let ps: Vec<PlaceIdx> = evs
                    .iter()
                    .filter(|&&i| events[i].report == r)
                    .flat_map(|&i| events[i].places.iter().copied())
                    .filter(|&p| !geo.is_province(p))
                    .collect();
                (r, geo.leaves(ps))
            })
            .filter(|(_, ps)| !ps.is_empty())
            .collect();
        let clash = per_report.iter().enumerate().any(|(x, (_, a))| {
            per_report[x + 1..]
                .iter()
                .any(|(_, b)| geo.place_match(a, b).is_none())
        });
        if clash {
            disagreements.push(Disagreement {
                field: "place".into(),
                values: per_report
                    .iter()
                    .map(|(r, ps)| {
                        let names: Vec<&str> = ps
                            .iter()
                            .filter_map(|&p| geo.g.places.get(p).map(|pl| pl.name.as_str()))
                            .collect();
                        (*r, names.join(", "))
                    })
                    .collect(),
            });
        }
        // Quantities: per kind and unit, reports whose values share nothing.
        let mut kinds: Vec<(QuantityKind, Option<String>)> = evs
            .iter()
            .flat_map(|&i| events[i].quantities.iter().map(|(k, _, u)| (*k, u.clone())))
            .collect();
        kinds.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        kinds.dedup();
        for (kind, unit) in kinds {
            let vals: Vec<(usize, Vec<f64>)> = reps
                .iter()
                .map(|&r| {
                    let mut vs: Vec<f64> = evs
                        .iter()
                        .filter(|&&i| events[i].report == r)
                        .flat_map(|&i| events[i].quantities.iter())
                        .filter(|(k, _, u)| *k == kind && *u == unit)
                        .map(|(_, v, _)| *v)
                        .collect();
                    vs.sort_by(f64::total_cmp);
                    vs.dedup();
                    (r, vs)
                })
                .filter(|(_, vs)| !vs.is_empty())
                .collect();
            let clash = vals.iter().enumerate().any(|(x, (_, a))| {
                vals[x + 1..]
                    .iter()
                    .any(|(_, b)| !a.iter().any(|v| b.iter().any(|w| (v - w).abs() < 1e-9)))
            });
            if clash {
                let label = |v: f64| match &unit {
                    Some(u) => format!("{} {u}", fmt_num(v)),
                    None => fmt_num(v),
                };
                disagreements.push(Disagreement {
                    field: "quantity".into(),
                    values: vals
                        .iter()
                        .map(|(r, vs)| {
                            let s: Vec<String> = vs.iter().map(|v| label(*v)).collect();
                            (*r, s.join(", "))
                        })
                        .collect(),
                });
            }
        }
    }

    Incident {
        id,
        corroboration: outlets.len(),
        events: evs,
        reports: reps,
        duplicates,
        outlets,
        types,
        places,
        date,
        disagreements,
    }
}
