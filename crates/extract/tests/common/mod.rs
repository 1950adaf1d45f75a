#![allow(dead_code)]

use lantern_extract::{Actor, Event, EventType};
use lantern_ingest::{DateSource, Language, Published, Report};

pub fn report(body: &str, published: Option<&str>, lang: Language) -> Report {
    Report {
        id: lantern_ingest::sha256_hex(body.as_bytes()),
        original_sha256: lantern_ingest::sha256_hex(body.as_bytes()),
        title: None,
        outlet: None,
        url: None,
        published: published.map(|p| Published {
            date: chrono::NaiveDate::parse_from_str(p, "%Y-%m-%d").expect("test date"),
            source: DateSource::FrontMatter,
            raw: p.to_string(),
        }),
        language: lang,
        text: body.to_string(),
        removed: Vec::new(),
        body: body.to_string(),
        captured_at: "2026-01-01T00:00:00Z".into(),
        source_path: "test".into(),
        item: None,
        format: "text".into(),
    }
}

pub fn en(body: &str, published: Option<&str>) -> Vec<Event> {
    lantern_extract::extract(&report(body, published, Language::En))
}

pub fn ko(body: &str, published: Option<&str>) -> Vec<Event> {
    lantern_extract::extract(&report(body, published, Language::Ko))
}

pub fn types(evs: &[Event]) -> Vec<EventType> {
    let mut v: Vec<EventType> = evs.iter().map(|e| e.event_type).collect();
    v.sort();
    v.dedup();
    v
}

pub fn actors(evs: &[Event]) -> Vec<Actor> {
    let mut v: Vec<Actor> = evs.iter().flat_map(|e| e.actors.iter().copied()).collect();
    v.sort();
    v.dedup();
    v
}

pub fn places(evs: &[Event]) -> Vec<String> {
    let mut v: Vec<String> = evs
        .iter()
        .flat_map(|e| e.places.iter().map(|p| p.name.clone()))
        .collect();
    v.sort();
    v.dedup();
    v
}

pub fn provinces(evs: &[Event]) -> Vec<String> {
    let mut v: Vec<String> = evs
        .iter()
        .flat_map(|e| e.places.iter().map(|p| p.admin1.clone()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Every evidence span is a valid char-boundary range into the body.
pub fn check_spans(body: &str, evs: &[Event]) {
    for e in evs {
        assert!(!e.evidence.is_empty(), "event without evidence: {e:?}");
        for &(s, t) in &e.evidence {
            assert!(s < t && t <= body.len(), "bad span {s}..{t}");
            assert!(body.is_char_boundary(s) && body.is_char_boundary(t));
        }
        for p in &e.places {
            assert!(body.is_char_boundary(p.span.0) && body.is_char_boundary(p.span.1));
        }
        for q in &e.quantities {
            assert_eq!(&body[q.span.0..q.span.1], q.text);
        }
        if let Some(a) = &e.attribution {
            assert_eq!(&body[a.span.0..a.span.1], a.text);
        }
        if let Some(d) = &e.date {
            assert_eq!(&body[d.span.0..d.span.1], d.text);
        }
    }
}
