//! One event per happening per report: a report that tells the same arrest twice (the
//! lead and again further down) gives one arrest event with both evidence spans, while a
//! different date or place keeps events apart.

mod common;
use common::*;
use lantern_extract::EventType;

#[test]
fn a_happening_told_twice_is_one_event() {
    let body = "Police in Hyesan arrested two smugglers last week, a source said.\n\nThe weather was cold and the market was quiet.\n\nThe source added that police in Hyesan arrested two smugglers last week near the station.";
    let evs = en(body, Some("2024-03-14"));
    check_spans(body, &evs);
    let arrests: Vec<_> = evs
        .iter()
        .filter(|e| e.event_type == EventType::Arrest)
        .collect();
    assert_eq!(arrests.len(), 1, "{evs:#?}");
    assert_eq!(arrests[0].evidence.len(), 2, "{:?}", arrests[0].evidence);
}

#[test]
fn other_dates_or_places_stay_apart() {
    let body = "Police in Hyesan arrested two smugglers last week.\n\nThe market was quiet.\n\nPolice in Musan arrested a broker last week.\n\nThe market was quiet again.\n\nPolice in Hyesan arrested a broker on March 2.";
    let evs = en(body, Some("2024-03-14"));
    check_spans(body, &evs);
    let arrests = evs
        .iter()
        .filter(|e| e.event_type == EventType::Arrest)
        .count();
    assert_eq!(arrests, 3, "{evs:#?}");
}
