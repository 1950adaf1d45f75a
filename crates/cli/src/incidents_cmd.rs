//! `lantern incidents`: group the stored events into incidents (one happening reported
//! many times) and link reposts to their originals, with `lantern-incidents`. Computed
//! from the store on each call; rejected events are left out, edited ones count as edited.

use lantern_extract::Event;
use lantern_incidents::{analyse, Pins};
use lantern_ingest::Report;
use lantern_store::{ReviewState, StoreSpec};
use serde_json::json;

use crate::util::ellipsize;

pub fn run(data: &StoreSpec, json_out: bool) -> anyhow::Result<bool> {
    let store = crate::store_cmds::open(data)?;
    let n = store.count_reports()? as usize;
    let mut reports: Vec<Report> = Vec::with_capacity(n);
    let mut events: Vec<Vec<Event>> = Vec::with_capacity(n);
    let mut event_ids: Vec<Vec<i64>> = Vec::with_capacity(n);
    for summary in store.reports(n, 0)? {
        let Some(report) = store.report(&summary.id)? else {
            continue;
        };
        let stored: Vec<_> = store
            .report_events(&report.id)?
            .into_iter()
            .filter(|e| e.review_state != ReviewState::Rejected)
            .collect();
        event_ids.push(stored.iter().map(|e| e.id).collect());
        events.push(stored.into_iter().map(|e| e.event).collect());
        reports.push(report);
    }
    let inputs: Vec<(&Report, &[Event])> = reports
        .iter()
        .zip(&events)
        .map(|(r, e)| (r, e.as_slice()))
        .collect();
    let analysis = analyse(&inputs, &Pins::default());
    // Map the clustering's event indices back to stored event ids.
    let mut flat_ids = Vec::new();
    for ids in &event_ids {
        flat_ids.extend(ids.iter().copied());
    }
    let title = |i: usize| reports[i].title.clone().unwrap_or_default();
    let gazetteer = lantern_extract::gazetteer::Gazetteer::get();
    let place_name = |id: &String| {
        gazetteer
            .by_id(id)
            .map(|i| gazetteer.place(i).name.clone())
            .unwrap_or_else(|| id.clone())
    };
    if json_out {
        for inc in &analysis.grouping.incidents {
            let value = json!({
                "id": inc.id,
                "date": inc.date.map(|(s, e)| json!({"start": s.to_string(), "end": e.to_string()})),
                "types": inc.types,
                "places": inc.places.iter().map(|id| json!({"id": id, "name": place_name(id)})).collect::<Vec<_>>(),
                "corroboration": inc.corroboration,
                "outlets": inc.outlets,
                "reports": inc.reports.iter().map(|&i| json!({"id": reports[i].id, "title": title(i)})).collect::<Vec<_>>(),
                "duplicates": inc.duplicates.iter().map(|&i| reports[i].id.clone()).collect::<Vec<_>>(),
                "events": inc.events.iter().filter_map(|&i| flat_ids.get(i).copied()).collect::<Vec<_>>(),
                "disagreements": inc.disagreements.iter().map(|d| json!({
                    "field": d.field,
                    "values": d.values.iter().map(|(i, v)| json!({"report": reports[*i].id, "value": v})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            println!("{value}");
        }
        return Ok(true);
    }
    for inc in &analysis.grouping.incidents {
        let date = inc
            .date
            .map(|(s, e)| {
                if s == e {
                    s.to_string()
                } else {
                    format!("{s}..{e}")
                }
            })
            .unwrap_or_else(|| "-".into());
        let types: Vec<&str> = inc.types.iter().map(|t| t.as_str()).collect();
        println!(
            "{}  {}  {}  [{}]  corroboration {}",
            inc.id,
            date,
            inc.places
                .iter()
                .map(place_name)
                .collect::<Vec<_>>()
                .join(", "),
            types.join(","),
            inc.corroboration
        );
        for &i in &inc.reports {
            println!("    {}  {}", &reports[i].id[..12], ellipsize(&title(i), 80));
        }
        for &i in &inc.duplicates {
            println!(
                "    {}  (copy) {}",
                &reports[i].id[..12],
                ellipsize(&title(i), 72)
            );
        }
        for d in &inc.disagreements {
            let values: Vec<String> = d.values.iter().map(|(_, v)| v.clone()).collect();
            println!(
                "    ! reports disagree on {}: {}",
                d.field,
                values.join(" / ")
            );
        }
    }
    println!(
        "{} incidents from {} events in {} reports; {} reposts linked to their originals",
        analysis.grouping.incidents.len(),
        flat_ids.len(),
        reports.len(),
        analysis.duplicates.len()
    );
    Ok(true)
}
