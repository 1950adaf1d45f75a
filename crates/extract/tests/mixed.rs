//! Mixed-language documents: an English report that quotes Korean, and a Korean report
//! that writes place names in romanisation. Both go through the real ingest.

use lantern_extract::{extract, Actor, EventType};

fn events_of(name: &str) -> Vec<lantern_extract::Event> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/mixed")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    let items = lantern_ingest::parse_file(&bytes, name, "2026-01-01T00:00:00Z").unwrap();
    let report = items.into_iter().next().unwrap().unwrap();
    extract(&report)
}

fn has(events: &[lantern_extract::Event], t: EventType, place: &str) -> bool {
    events
        .iter()
        .any(|e| e.event_type == t && e.places.iter().any(|p| p.name == place))
}

#[test]
fn english_report_quoting_korean() {
    let events = events_of("en-quoting-ko.txt");
    assert!(has(&events, EventType::Arrest, "Hyesan"), "{events:#?}");
    assert!(events
        .iter()
        .any(|e| e.event_type == EventType::Arrest && e.actors.contains(&Actor::StateSecurity)));
    assert!(events.iter().any(|e| e.event_type == EventType::Punishment));
    let arrest = events
        .iter()
        .find(|e| e.event_type == EventType::Arrest)
        .unwrap();
    assert!(arrest.attribution.is_some(), "the source is kept as worded");
}

#[test]
fn korean_report_with_romanised_names() {
    let events = events_of("ko-romanised.txt");
    assert!(has(&events, EventType::Arrest, "Hoeryong"), "{events:#?}");
    assert!(
        has(&events, EventType::Remittance, "Hoeryong"),
        "{events:#?}"
    );
    let arrest = events
        .iter()
        .find(|e| e.event_type == EventType::Arrest)
        .unwrap();
    assert!(arrest.actors.contains(&Actor::StateSecurity));
    let date = arrest.date.as_ref().expect("지난 15일 is resolved");
    assert_eq!(
        date.start.map(|d| d.to_string()).as_deref(),
        Some("2023-09-15")
    );
    assert!(arrest.places.iter().any(|p| p.admin1 == "North Hamgyong"));
}
