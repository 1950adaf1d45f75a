//! `lantern incidents`: list the stored incidents (one happening reported many times)
//! with their events, reports, outlets, corroboration and disagreements. Incidents are
//! refreshed by `lantern-store`'s `incidents::refresh` after `ingest`, `reextract`
//! and `import` (incrementally when only new reports were stored, else a full
//! `incidents::recompute`), here when the stored ones are out of date, and fully
//! recomputed with `--recompute`.

use lantern_store::StoreSpec;
use std::collections::HashMap;

use lantern_store::incidents::{recompute, refresh};
use lantern_store::{IncidentFilter, IncidentState, Store};
use serde_json::json;

use crate::util::ellipsize;

/// Print one line about a recomputation.
fn say(state: &IncidentState) {
    let how = if state.incremental {
        format!(
            "incremental refresh ({} new reports, {} incidents replaced)",
            state.new_signatures, state.replaced
        )
    } else {
        "full recomputation".to_string()
    };
    println!(
        "incidents: {} from {} events in {} reports ({} corroborated by 2+ outlets); {} reposts linked to their originals; {how}, {} ms (read {}, group {}, write {})",
        state.incidents,
        state.grouped_events,
        state.reports,
        state.corroborated,
        state.duplicates,
        state.millis,
        state.read_millis,
        state.group_millis,
        state.millis.saturating_sub(state.read_millis + state.group_millis)
    );
    for (a, b) in &state.pin_conflicts {
        eprintln!(
            "warning: analyst split of {a} and {b} is contradicted by merges; the merges hold"
        );
    }
    if !state.unknown_pins.is_empty() {
        eprintln!(
            "note: {} pinned events no longer exist (their reports were re-extracted differently)",
            state.unknown_pins.len()
        );
    }
}

/// Recompute the stored incidents if reports, events or reviews changed since the last
/// run (after ingest, reextract, import).
pub fn after_write(store: &mut dyn Store) -> anyhow::Result<()> {
    if let Some(state) = refresh(store)? {
        say(&state);
    }
    Ok(())
}

pub fn run(
    data: &StoreSpec,
    json_out: bool,
    force: bool,
    min_outlets: Option<u32>,
    limit: Option<usize>,
) -> anyhow::Result<bool> {
    let mut store = crate::store_cmds::open(data)?;
    let state = if force {
        Some(recompute(store.as_mut())?)
    } else {
        refresh(store.as_mut())?
    };
    if let Some(state) = state {
        if !json_out {
            say(&state);
        }
    }
    let filter = IncidentFilter {
        min_outlets,
        limit,
        ..Default::default()
    };
    let incidents = store.incidents(&filter)?;
    let total = store.count_incidents(&filter)?;
    let mut titles: HashMap<String, String> = HashMap::new();
    let mut title = |id: &str| -> anyhow::Result<String> {
        if let Some(t) = titles.get(id) {
            return Ok(t.clone());
        }
        let t = store
            .report(id)?
            .and_then(|r| r.title)
            .unwrap_or_else(|| "(untitled)".into());
        titles.insert(id.to_string(), t.clone());
        Ok(t)
    };
    let gazetteer = lantern_extract::gazetteer::Gazetteer::get();
    let place_name = |id: &String| {
        gazetteer
            .by_id(id)
            .map(|i| gazetteer.place(i).name.clone())
            .unwrap_or_else(|| id.clone())
    };
    for inc in &incidents {
        let events: Vec<i64> = store
            .incident(&inc.id)?
            .map(|d| d.events.iter().map(|e| e.event_id).collect())
            .unwrap_or_default();
        if json_out {
            let mut reports = Vec::new();
            for r in &inc.reports {
                reports.push(json!({"id": r, "title": title(r)?}));
            }
            let value = json!({
                "id": inc.id,
                "date": inc.date_start.zip(inc.date_end).map(|(s, e)| json!({"start": s.to_string(), "end": e.to_string()})),
                "types": inc.types,
                "places": inc.places.iter().map(|id| json!({"id": id, "name": place_name(id)})).collect::<Vec<_>>(),
                "corroboration": inc.corroboration,
                "outlets": inc.outlets,
                "reports": reports,
                "duplicates": inc.duplicates,
                "events": events,
                "disagreements": inc.disagreements.iter().map(|d| json!({
                    "field": d.field,
                    "values": d.values.iter().map(|v| json!({"report": v.report_id, "value": v.value})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            println!("{value}");
            continue;
        }
        let date = match (inc.date_start, inc.date_end) {
            (Some(s), Some(e)) if s == e => s.to_string(),
            (Some(s), Some(e)) => format!("{s}..{e}"),
            _ => "-".into(),
        };
        let types: Vec<&str> = inc.types.iter().map(|t| t.as_str()).collect();
        println!(
            "{}  {}  {}  [{}]  {} events, corroboration {}",
            inc.id,
            date,
            inc.places
                .iter()
                .map(place_name)
                .collect::<Vec<_>>()
                .join(", "),
            types.join(","),
            events.len(),
            inc.corroboration
        );
        for r in &inc.reports {
            println!("    {}  {}", short(r), ellipsize(&title(r)?, 80));
        }
        for r in &inc.duplicates {
            println!("    {}  (copy) {}", short(r), ellipsize(&title(r)?, 72));
        }
        for d in &inc.disagreements {
            let values: Vec<&str> = d.values.iter().map(|v| v.value.as_str()).collect();
            println!(
                "    ! reports disagree on {}: {}",
                d.field,
                values.join(" / ")
            );
        }
    }
    if !json_out {
        println!("{} of {total} incidents", incidents.len());
    }
    Ok(true)
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
