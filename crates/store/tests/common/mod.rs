//! Helpers shared by the store tests: small hand-written reports and literal events.
#![allow(dead_code)]

use chrono::NaiveDate;
use lantern_extract::{
    Actor, Attribution, Event, EventDate, EventPlace, EventType, Level, Modality, PlaceRole,
    Precision, Quantity, QuantityKind,
};
use lantern_store::FileInput;

pub const VERSION: &str = "test-1";

/// A front-matter text file.
pub fn text_file(title: &str, published: &str, body: &str) -> Vec<u8> {
    format!("---\ntitle: {title}\noutlet: Test Wire\npublished: {published}\n---\n{body}\n")
        .into_bytes()
}

/// Parse bytes with the ingest crate and attach the given events to every report.
pub fn file_input(bytes: Vec<u8>, path: &str, events: Vec<Event>) -> FileInput {
    let reports = lantern_ingest::parse_file(&bytes, path, "2026-11-28T12:00:00Z")
        .expect("parse")
        .into_iter()
        .map(|r| (r.expect("item"), events.clone()))
        .collect();
    FileInput {
        original: bytes,
        source_path: path.to_string(),
        reports,
        extractor_version: VERSION.to_string(),
    }
}

pub fn place(id: &str, name: &str, admin1: &str) -> EventPlace {
    EventPlace {
        id: id.into(),
        name: name.into(),
        admin1: admin1.into(),
        level: Level::City,
        lat: 41.4,
        lon: 128.2,
        approximate: false,
        role: PlaceRole::Location,
        span: (0, 4),
    }
}

pub fn event(t: EventType, actors: Vec<Actor>, places: Vec<EventPlace>) -> Event {
    Event {
        event_type: t,
        modality: Modality::Happened,
        negated: false,
        actors,
        places,
        date: None,
        attribution: Some(Attribution {
            text: "a source in the province".into(),
            span: (5, 29),
        }),
        quantities: vec![Quantity {
            kind: QuantityKind::People,
            value: Some(3.0),
            unit: Some("person".into()),
            text: "three people".into(),
            span: (30, 42),
        }],
        evidence: vec![(0, 10), (12, 20)],
        confidence: 0.75,
    }
}

pub fn dated(mut e: Event, start: &str, end: Option<&str>) -> Event {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    e.date = Some(EventDate {
        start: Some(d(start)),
        end: end.map(d),
        precision: if end.is_some() {
            Precision::Range
        } else {
            Precision::Day
        },
        text: "last week".into(),
        span: (1, 9),
    });
    e
}

pub fn hyesan() -> EventPlace {
    place("kp-hyesan", "Hyesan", "Ryanggang")
}

pub fn onsong() -> EventPlace {
    place("kp-onsong", "Onsŏng", "North Hamgyong")
}

/// Three events for synthetic reports.
pub fn three_events() -> Vec<Event> {
    vec![
        event(
            EventType::Arrest,
            vec![Actor::StateSecurity],
            vec![hyesan()],
        ),
        event(EventType::Smuggling, vec![], vec![hyesan()]),
        dated(
            event(
                EventType::Crackdown,
                vec![Actor::SocialSecurity, Actor::Party],
                vec![onsong()],
            ),
            "2024-03-01",
            Some("2024-03-10"),
        ),
    ]
}

/// A synthetic report file number `i` (distinct body per `i`).
pub fn synthetic(i: usize) -> FileInput {
    let bytes = text_file(
        &format!("Market report {i}"),
        &format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
        &format!(
            "Report number {i}. Traders in Hyesan said inspections at the market grew \
             stricter this month; a source said {} people were questioned about phones.",
            i % 50
        ),
    );
    file_input(bytes, &format!("inbox/report-{i}.txt"), three_events())
}
