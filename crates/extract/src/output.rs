//! Output: the codebook's JSON Lines object for one report, and a human-readable table.

use crate::model::{Event, Level};
use serde_json::{json, Value};

fn level_str(l: Level) -> &'static str {
    match l {
        Level::Province => "province",
        Level::City => "city",
        Level::County => "county",
        Level::District => "district",
        Level::Town => "town",
    }
}

/// One codebook JSON object: `{"report", "events": [...]}`. Besides the codebook's
/// fields each event carries `modality`, `attribution` and `quantities`.
pub fn codebook_json(report_name: &str, events: &[Event]) -> Value {
    let evs: Vec<Value> = events
        .iter()
        .map(|e| {
            let places: Vec<Value> = e
                .places
                .iter()
                .map(|p| {
                    json!({"name": p.name, "admin1": p.admin1, "level": level_str(p.level),
                           "lat": p.lat, "lon": p.lon})
                })
                .collect();
            let date = e.date.as_ref().map(|d| {
                json!({"start": d.start.map(|x| x.to_string()),
                       "end": d.end.map(|x| x.to_string()),
                       "precision": d.precision, "text": d.text})
            });
            let quantities: Vec<Value> = e
                .quantities
                .iter()
                .map(|q| json!({"kind": q.kind, "value": q.value, "unit": q.unit, "text": q.text}))
                .collect();
            json!({
                "type": e.event_type.as_str(),
                "places": places,
                "actors": e.actors.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                "date": date,
                "evidence": e.evidence.iter().map(|(s, t)| json!([s, t])).collect::<Vec<_>>(),
                "confidence": (e.confidence as f64 * 100.0).round() / 100.0,
                "modality": e.modality,
                "attribution": e.attribution.as_ref().map(|a| a.text.clone()),
                "quantities": quantities,
            })
        })
        .collect();
    json!({"report": report_name, "events": evs})
}

/// A plain-text table of events: type, modality, places, actors, date, evidence text.
pub fn format_table(body: &str, events: &[Event]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<16} {:<9} {:<28} {:<34} {:<12} {}\n",
        "TYPE", "MODALITY", "PLACES", "ACTORS", "DATE", "EVIDENCE"
    ));
    for e in events {
        let places: Vec<&str> = e.places.iter().map(|p| p.name.as_str()).collect();
        let actors: Vec<&str> = e.actors.iter().map(|a| a.as_str()).collect();
        let date = e
            .date
            .as_ref()
            .map(|d| {
                d.start
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| d.text.clone())
            })
            .unwrap_or_default();
        let ev = e
            .evidence
            .first()
            .map(|(s, t)| crate::text::slice(body, *s, *t))
            .unwrap_or("");
        let ev: String = ev.chars().take(70).collect();
        let modality = serde_json::to_value(e.modality)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:<16} {:<9} {:<28} {:<34} {:<12} {}\n",
            e.event_type.as_str(),
            modality,
            places.join(","),
            actors.join(","),
            date,
            ev.replace('\n', " ")
        ));
    }
    out
}
