//! Reading exports back into store imports ([`ImportReport`]s, for
//! [`lantern_store::Store::import_reports`]).
//!
//! **Lantern JSON Lines** ([`read_jsonl`]): lines are grouped by report. Each report
//! keeps its id, title, outlet, URL, date and language, and the upstream SHA-256 of its
//! original (shown again by exports); the import record (the report's provenance as
//! JSON) is kept as its original. The report text is not part of an export, so the body
//! is rebuilt from the evidence quotes (each at its offset, spaces elsewhere; all spaces
//! for a public export without quotes), which keeps every span valid. Events keep their
//! ids where free, their position, review state and extractor version. Importing an
//! export into an empty store and exporting again with the same options gives the same
//! bytes.
//!
//! **ACLED CSV** ([`read_acled`]): one synthetic report per row, whose body is the row's
//! `notes` followed by its ACLED id and source; the row (with the header) is kept as the
//! original. Types, actors, modality and review state come back exactly from Lantern's
//! `tags` when present, else from ACLED's categories (see the README's table). The
//! location is matched to the gazetteer by name (within `admin1` when given), else kept
//! as an `acled-` place with ACLED's coordinates.

use std::collections::HashMap;
use std::io::{BufRead, Read};

use chrono::NaiveDate;
use lantern_extract::gazetteer::Gazetteer;
use lantern_extract::{
    Actor, Event, EventDate, EventPlace, EventType, Level, Modality, PlaceRole, Precision,
    Quantity, QuantityKind,
};
use lantern_ingest::{sha256_hex, DateSource, Language, Published, Report};
use lantern_store::{ImportEvent, ImportReport, ReviewState};

use crate::jsonl::{Line, LineReport};

/// Largest body rebuilt from evidence spans (bytes).
pub const MAX_REBUILT_BODY: usize = 4 * 1024 * 1024;

/// A line or row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line (JSON Lines) or record (CSV, header excluded) number.
    pub row: u64,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}: {}", self.row, self.reason)
    }
}

/// What a reader produced: the reports to import and the rows it skipped.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Reports with their events, in order of first appearance.
    pub reports: Vec<ImportReport>,
    /// Rows that could not be read, each with its reason.
    pub errors: Vec<RowError>,
}

struct Group {
    report: LineReport,
    events: Vec<ImportEvent>,
    quotes: Vec<((usize, usize), String)>,
    max_end: usize,
}

fn is_report_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Read a Lantern JSON Lines export. `source_name` names the file (kept as the
/// reports' source path when the export has none); `captured_at` is the RFC 3339 time of
/// the import. I/O errors stop the read; bad lines are reported and skipped.
pub fn read_jsonl<R: BufRead>(
    input: R,
    source_name: &str,
    captured_at: &str,
) -> std::io::Result<ReadOutcome> {
    let mut out = ReadOutcome::default();
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, line) in input.lines().enumerate() {
        let row = i as u64 + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = match serde_json::from_str(&line) {
            Ok(l) => l,
            Err(e) => {
                out.errors.push(RowError {
                    row,
                    reason: format!("not a Lantern export line: {e}"),
                });
                continue;
            }
        };
        if let Err(reason) = check_line(&l) {
            out.errors.push(RowError { row, reason });
            continue;
        }
        let g = match index.get(&l.report.id) {
            Some(&g) => g,
            None => {
                index.insert(l.report.id.clone(), groups.len());
                groups.push(Group {
                    report: l.report.clone(),
                    events: Vec::new(),
                    quotes: Vec::new(),
                    max_end: 0,
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[g];
        if let Some(texts) = &l.evidence_text {
            for (span, text) in l.evidence.iter().zip(texts) {
                g.quotes.push((*span, text.clone()));
            }
        }
        g.max_end = l.evidence.iter().map(|s| s.1).fold(g.max_end, usize::max);
        g.events.push(ImportEvent {
            id: Some(l.id),
            seq: l.seq,
            event: Event {
                event_type: l.event_type,
                modality: l.modality,
                negated: l.negated,
                actors: l.actors,
                places: l.places,
                date: l.date,
                attribution: l.attribution,
                quantities: l.quantities,
                evidence: l.evidence,
                confidence: l.confidence,
            },
            extractor_version: l.extractor_version,
            review_state: l.review_state,
        });
    }
    for g in groups {
        let body = rebuild_body(g.max_end, &g.quotes);
        let rep = &g.report;
        let record = serde_json::json!({
            "lantern_import": "jsonl",
            "file": source_name,
            "report": rep,
        });
        let original = serde_json::to_vec(&record).map_err(std::io::Error::other)?;
        let report = Report {
            id: rep.id.clone(),
            original_sha256: sha256_hex(&original),
            title: rep.title.clone(),
            outlet: rep.outlet.clone(),
            url: rep.url.clone(),
            published: rep.published.map(|d| Published {
                date: d,
                source: DateSource::JsonField,
                raw: d.to_string(),
            }),
            language: rep.language,
            text: body.clone(),
            removed: Vec::new(),
            body,
            captured_at: captured_at.to_string(),
            source_path: rep
                .source_path
                .clone()
                .unwrap_or_else(|| source_name.to_string()),
            item: None,
            format: "lantern-jsonl".into(),
        };
        out.reports.push(ImportReport {
            report,
            original,
            upstream_original_sha256: Some(rep.original_sha256.clone()),
            events: g.events,
        });
    }
    Ok(out)
}

fn check_line(l: &Line) -> Result<(), String> {
    if !is_report_id(&l.report.id) {
        return Err(format!(
            "report id {:?} is not a lower-case hex id",
            l.report.id
        ));
    }
    for &(s, e) in &l.evidence {
        if s > e || e > MAX_REBUILT_BODY {
            return Err(format!("evidence span [{s}, {e}) is out of range"));
        }
    }
    if let Some(t) = &l.evidence_text {
        if t.len() != l.evidence.len() {
            return Err(format!(
                "{} evidence quotes for {} spans",
                t.len(),
                l.evidence.len()
            ));
        }
        for (&(s, e), q) in l.evidence.iter().zip(t) {
            if !q.is_empty() && q.len() != e - s {
                return Err(format!(
                    "evidence quote of {} bytes for span [{s}, {e})",
                    q.len()
                ));
            }
        }
    }
    if !l.confidence.is_finite() {
        return Err("confidence is not a number".into());
    }
    Ok(())
}

/// A body of `len` bytes: each quote at its span, spaces elsewhere. Quotes that would
/// leave invalid UTF-8 (inconsistent overlaps) are dropped.
fn rebuild_body(len: usize, quotes: &[((usize, usize), String)]) -> String {
    let mut bytes = vec![b' '; len.min(MAX_REBUILT_BODY)];
    for ((s, e), q) in quotes {
        if q.len() == e - s && *e <= bytes.len() {
            let before = bytes[*s..*e].to_vec();
            bytes[*s..*e].copy_from_slice(q.as_bytes());
            if std::str::from_utf8(&bytes).is_err() {
                bytes[*s..*e].copy_from_slice(&before);
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// Values of Lantern's `tags` column (`key=value; ...`).
fn tag<'a>(tags: &'a str, key: &str) -> Option<&'a str> {
    tags.split(';').map(str::trim).find_map(|t| {
        t.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
            .map(str::trim)
    })
}

fn parse_acled_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d %B %Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%B-%Y"))
        .ok()
}

fn modality_from(s: &str) -> Option<Modality> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// Read an ACLED-layout CSV (ACLED's own exports or Lantern's). Columns are found by
/// name; `event_date` and `event_type` are required.
pub fn read_acled<R: Read>(
    input: R,
    source_name: &str,
    captured_at: &str,
) -> std::io::Result<ReadOutcome> {
    let mut out = ReadOutcome::default();
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{source_name}: no CSV header: {e}"),
            ))
        }
    };
    let col: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase(),
                i,
            )
        })
        .collect();
    for required in ["event_date", "event_type"] {
        if !col.contains_key(required) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{source_name}: no '{required}' column: not an ACLED-layout CSV"),
            ));
        }
    }
    let gaz = Gazetteer::get();
    let mut seen: HashMap<String, ()> = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i as u64 + 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(RowError {
                    row,
                    reason: format!("bad CSV: {e}"),
                });
                continue;
            }
        };
        let fields = Fields {
            col: &col,
            rec: &rec,
        };
        let get = |name: &str| fields.get(name);
        match acled_row(&fields, gaz) {
            Err(reason) => out.errors.push(RowError { row, reason }),
            Ok((event, review_state, notes)) => {
                let acled_id = get("event_id_cnty");
                let source = get("source");
                let mut body = notes.clone();
                if !body.is_empty() {
                    body.push_str("\n\n");
                }
                body.push_str(&format!(
                    "ACLED {}; source: {}",
                    if acled_id.is_empty() {
                        "(no id)"
                    } else {
                        acled_id
                    },
                    if source.is_empty() { "unknown" } else { source }
                ));
                let mut event = event;
                if !notes.is_empty() {
                    event.evidence = vec![(0, notes.len())];
                }
                for p in &mut event.places {
                    if let Some(at) = body.find(&p.name) {
                        p.span = (at, at + p.name.len());
                    }
                }
                let mut original = Vec::new();
                {
                    let mut w = csv::Writer::from_writer(&mut original);
                    w.write_record(&headers)
                        .and_then(|_| w.write_record(&rec))
                        .and_then(|_| w.flush().map_err(csv::Error::from))
                        .map_err(std::io::Error::other)?;
                }
                let id = sha256_hex(body.as_bytes());
                if seen.insert(id.clone(), ()).is_some() {
                    out.errors.push(RowError {
                        row,
                        reason: "same text as an earlier row: not imported twice".into(),
                    });
                    continue;
                }
                let title = format!(
                    "ACLED {}: {} / {}{}",
                    acled_id,
                    get("event_type"),
                    get("sub_event_type"),
                    if get("location").is_empty() {
                        String::new()
                    } else {
                        format!(" in {}", get("location"))
                    }
                );
                let report = Report {
                    id,
                    original_sha256: sha256_hex(&original),
                    title: Some(title),
                    outlet: (!source.is_empty()).then(|| source.to_string()),
                    url: None,
                    published: None,
                    language: Language::En,
                    text: body.clone(),
                    removed: Vec::new(),
                    body,
                    captured_at: captured_at.to_string(),
                    source_path: source_name.to_string(),
                    item: Some(row as usize),
                    format: "acled-csv".into(),
                };
                out.reports.push(ImportReport {
                    report,
                    original,
                    upstream_original_sha256: None,
                    events: vec![ImportEvent {
                        id: None,
                        seq: 0,
                        event,
                        extractor_version: "acled-import".into(),
                        review_state,
                    }],
                });
            }
        }
    }
    Ok(out)
}

/// Named fields of one CSV record.
struct Fields<'a> {
    col: &'a HashMap<String, usize>,
    rec: &'a csv::StringRecord,
}

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> &'a str {
        self.col
            .get(name)
            .and_then(|&i| self.rec.get(i))
            .map(str::trim)
            .unwrap_or("")
    }
}

/// One ACLED row as a Lantern event (spans not yet set), its review state and notes.
fn acled_row(f: &Fields<'_>, gaz: &Gazetteer) -> Result<(Event, ReviewState, String), String> {
    let get = |name: &str| f.get(name);
    let tags = get("tags");
    let acled_type = get("event_type");
    let sub = get("sub_event_type");
    let event_type = match tag(tags, "lantern_type") {
        Some(t) => EventType::parse(t).ok_or_else(|| format!("unknown lantern_type '{t}'"))?,
        None => match (acled_type, sub) {
            ("Violence against civilians", _) => EventType::UseOfForce,
            (_, "Arrests") => EventType::Arrest,
            (_, "Change to group/activity") => EventType::Directive,
            _ => {
                return Err(format!(
                    "ACLED '{acled_type}' / '{sub}' has no codebook event type"
                ))
            }
        },
    };
    let modality = match tag(tags, "modality") {
        Some(m) => modality_from(m).ok_or_else(|| format!("unknown modality '{m}'"))?,
        None => Modality::Happened,
    };
    let review_state = match tag(tags, "review") {
        Some(r) => ReviewState::parse(r).ok_or_else(|| format!("unknown review state '{r}'"))?,
        None => ReviewState::Machine,
    };
    let confidence = tag(tags, "confidence")
        .and_then(|c| c.parse::<f32>().ok())
        .filter(|c| c.is_finite())
        .unwrap_or(0.5);
    let negated = tags.split(';').any(|t| t.trim() == "negated");
    let actors: Vec<Actor> = match tag(tags, "actors") {
        Some(list) => list
            .split(',')
            .map(|a| Actor::parse(a.trim()).ok_or_else(|| format!("unknown actor '{a}'")))
            .collect::<Result<_, _>>()?,
        None => actor_from_acled_pair(get("actor1"), get("assoc_actor_1"))
            .into_iter()
            .collect(),
    };
    let date = match get("event_date") {
        "" => None,
        d => Some(parse_acled_date(d).ok_or_else(|| format!("event_date '{d}' is not a date"))?),
    };
    let precision = match get("time_precision") {
        "1" => Precision::Day,
        "2" => Precision::Range,
        _ => Precision::Month,
    };
    let location = get("location");
    let admin1 = get("admin1");
    let mut places = Vec::new();
    if !location.is_empty() {
        let found = gaz
            .lookup(location)
            .into_iter()
            .map(|i| gaz.place(i))
            .find(|p| admin1.is_empty() || p.admin1.eq_ignore_ascii_case(admin1));
        let place = match found {
            Some(p) => Some(EventPlace {
                id: p.id.clone(),
                name: p.name.clone(),
                admin1: p.admin1.clone(),
                level: p.level,
                lat: p.lat,
                lon: p.lon,
                approximate: p.approximate,
                role: PlaceRole::Location,
                span: (0, 0),
            }),
            None => {
                let lat = get("latitude")
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite());
                let lon = get("longitude")
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite());
                match (lat, lon) {
                    (Some(lat), Some(lon)) => Some(EventPlace {
                        id: format!("acled-{}", location.to_ascii_lowercase().replace(' ', "-")),
                        name: location.to_string(),
                        admin1: admin1.to_string(),
                        level: Level::Town,
                        lat,
                        lon,
                        approximate: get("geo_precision") != "1",
                        role: PlaceRole::Location,
                        span: (0, 0),
                    }),
                    _ => None,
                }
            }
        };
        places.extend(place);
    }
    let mut quantities = Vec::new();
    if let Ok(n) = get("fatalities").parse::<u64>() {
        if n > 0 {
            quantities.push(Quantity {
                kind: QuantityKind::People,
                value: Some(n as f64),
                unit: Some("person".into()),
                text: format!("{n} fatalities (ACLED)"),
                span: (0, 0),
            });
        }
    }
    let event = Event {
        event_type,
        modality,
        negated,
        actors,
        places,
        date: date.map(|date| EventDate {
            start: Some(date),
            end: Some(date),
            precision,
            text: get("event_date").to_string(),
            span: (0, 0),
        }),
        attribution: None,
        quantities,
        evidence: Vec::new(),
        confidence,
    };
    Ok((event, review_state, get("notes").to_string()))
}

fn actor_from_acled_pair(actor1: &str, assoc: &str) -> Option<Actor> {
    crate::acled::actor_from_acled(actor1, assoc)
}
