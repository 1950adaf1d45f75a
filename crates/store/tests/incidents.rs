//! Stored incidents: recomputation, copies, filters, and analyst pins that survive
//! re-clustering and re-extraction. Uses the labelled fixture reports of the incidents
//! crate (written for this project).

use lantern_store::incidents::{effective_pins, recompute, regroup};
use lantern_store::{
    EventFilter, Facet, FileInput, IncidentFilter, NewIncidentPin, PinKind, Store,
};

mod common;

fn fixture(name: &str) -> FileInput {
    common::extracted_file(&common::incident_fixtures().join(format!("{name}.txt")))
}

/// Ingest the fixture reports; returns (fixture name, report id) pairs.
fn setup(store: &mut dyn Store) -> Vec<(String, String)> {
    let names = [
        "i01-a", "i01-b", "i01-c", "i01-r", "i02-a", "i02-b", "i03-a", "i03-r",
    ];
    let files: Vec<FileInput> = names.iter().map(|n| fixture(n)).collect();
    store.ingest_batch(&files).unwrap();
    names
        .iter()
        .zip(&files)
        .map(|(n, f)| (n.to_string(), f.reports[0].0.id.clone()))
        .collect()
}

fn id_of<'a>(ids: &'a [(String, String)], name: &str) -> &'a str {
    &ids.iter().find(|(n, _)| n == name).unwrap().1
}

/// The incident holding the first event of a report.
fn incident_of_report(store: &dyn Store, report: &str) -> String {
    let ev = store.report_events(report).unwrap();
    ev.iter()
        .find_map(|e| store.incident_of_event(e.id).unwrap())
        .unwrap_or_else(|| panic!("no incident for report {report}"))
}

/// Re-extract every report: machine events get new row ids.
fn reextract(store: &mut dyn Store) {
    let ids: Vec<String> = store
        .reports(1000, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    for id in ids {
        let r = store.report(&id).unwrap().unwrap();
        let events = lantern_extract::extract(&r);
        store
            .replace_machine_events(&id, &events, lantern_extract::EXTRACTOR_VERSION)
            .unwrap();
    }
}

#[test]
fn recompute_stores_copies_and_incidents() {
    for mut store in common::stores() {
        recompute_stores_copies_and_incidents_on(&mut *store);
    }
}

fn recompute_stores_copies_and_incidents_on(store: &mut dyn Store) {
    let ids = setup(store);
    assert_eq!(store.incident_state().unwrap(), None);
    assert_eq!(
        store.count_incidents(&IncidentFilter::default()).unwrap(),
        0
    );
    let state = recompute(store).unwrap();
    assert_eq!(state.reports, 8);
    assert_eq!(state.new_signatures, 8);
    assert!(!state.computed_at.is_empty());
    assert_eq!(
        store.incident_state().unwrap().unwrap().incidents,
        state.incidents
    );

    // Reposts are linked to their originals.
    let dups = store.duplicate_links().unwrap();
    let pairs: Vec<(&str, &str)> = dups
        .iter()
        .map(|d| (d.report_id.as_str(), d.original_id.as_str()))
        .collect();
    assert!(pairs.contains(&(id_of(&ids, "i01-r"), id_of(&ids, "i01-a"))));
    assert!(pairs.contains(&(id_of(&ids, "i03-r"), id_of(&ids, "i03-a"))));
    assert_eq!(dups.len(), 2);

    // The three outlets of I01 share one incident, which lists the repost.
    let inc = incident_of_report(store, id_of(&ids, "i01-a"));
    assert_eq!(inc, incident_of_report(store, id_of(&ids, "i01-b")));
    assert_eq!(inc, incident_of_report(store, id_of(&ids, "i01-c")));
    assert_ne!(inc, incident_of_report(store, id_of(&ids, "i02-a")));
    let detail = store.incident(&inc).unwrap().unwrap();
    assert_eq!(detail.incident.corroboration, 3);
    assert_eq!(detail.incident.reports.len(), 3);
    assert_eq!(
        detail.incident.duplicates,
        vec![id_of(&ids, "i01-r").to_string()]
    );
    assert_eq!(detail.events.len() as u32, detail.incident.events);
    assert!(detail.events.iter().all(|e| e.key.contains('/')));

    // A copy's events are in no incident.
    let copy_events = store.report_events(id_of(&ids, "i01-r")).unwrap();
    assert!(!copy_events.is_empty());
    for e in &copy_events {
        assert_eq!(store.incident_of_event(e.id).unwrap(), None);
    }

    // Filters.
    let all = store.count_incidents(&IncidentFilter::default()).unwrap();
    assert_eq!(all, state.incidents);
    let corroborated = store
        .incidents(&IncidentFilter {
            min_outlets: Some(2),
            ..Default::default()
        })
        .unwrap();
    assert!(corroborated.iter().any(|i| i.id == inc));
    assert!(corroborated.iter().all(|i| i.corroboration >= 2));
    let by_type = IncidentFilter {
        events: EventFilter {
            event_type: detail.incident.types.first().copied(),
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(store
        .incidents(&by_type)
        .unwrap()
        .iter()
        .any(|i| i.id == inc));
    let page = store
        .incidents(&IncidentFilter {
            limit: Some(1),
            offset: 1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.len(), 1);

    // Event filters: in a corroborated incident; without copies.
    let every = store.count_events(&EventFilter::default()).unwrap();
    let no_copies = store
        .count_events(&EventFilter {
            skip_copies: true,
            ..Default::default()
        })
        .unwrap();
    let copies: u64 = ["i01-r", "i03-r"]
        .iter()
        .map(|n| store.report_events(id_of(&ids, n)).unwrap().len() as u64)
        .sum();
    assert_eq!(no_copies, every - copies);
    // Facets, exports and alerts follow the same filters.
    let skip = EventFilter {
        skip_copies: true,
        ..Default::default()
    };
    let by_type: u64 = store
        .facet_counts(&skip, Facet::EventType, 100)
        .unwrap()
        .iter()
        .map(|f| f.count)
        .sum();
    assert_eq!(by_type, no_copies);
    let mut walked = 0u64;
    store
        .for_each_event(&skip, &mut |_| {
            walked += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(walked, no_copies);
    let (after, _) = store.events_after(&skip, 0, 5).unwrap();
    let all_after = store.events_after(&EventFilter::default(), 0, 5).unwrap().0;
    assert_eq!(all_after - after, copies);
    let corroborated = EventFilter {
        min_outlets: Some(2),
        ..Default::default()
    };
    let months: u64 = store
        .month_counts(&corroborated)
        .unwrap()
        .iter()
        .map(|m| m.count)
        .sum();
    assert!(months <= store.count_events(&corroborated).unwrap());
    let none = EventFilter {
        min_outlets: Some(99),
        ..Default::default()
    };
    assert!(store.month_counts(&none).unwrap().is_empty());
    assert!(store
        .facet_counts(&none, Facet::Place, 10)
        .unwrap()
        .is_empty());
    let in_corroborated = store
        .events(&EventFilter {
            min_outlets: Some(2),
            ..Default::default()
        })
        .unwrap();
    assert!(!in_corroborated.is_empty());
    for e in in_corroborated {
        let i = store.incident_of_event(e.id).unwrap().unwrap();
        assert!(store.incident(&i).unwrap().unwrap().incident.corroboration >= 2);
    }

    // A second run computes no signature again and gives the same incidents.
    let before = store.incidents(&IncidentFilter::default()).unwrap();
    let again = recompute(store).unwrap();
    assert_eq!(again.new_signatures, 0);
    assert_eq!(store.incidents(&IncidentFilter::default()).unwrap(), before);
}

#[test]
fn pins_survive_recompute_and_reextract() {
    for mut store in common::stores() {
        pins_survive_recompute_and_reextract_on(&mut *store);
        // Pins are append-only in the database itself.
        for sql in [
            "UPDATE incident_pins SET who = 'x'",
            "DELETE FROM incident_pins",
        ] {
            let err = store.raw_exec(sql).unwrap_err();
            assert!(err.contains("append-only"), "{}: {err}", store.name());
        }
        assert_eq!(store.incident_pins().unwrap().len(), 2);
    }
}

fn pins_survive_recompute_and_reextract_on(store: &mut dyn Store) {
    let ids = setup(store);
    recompute(store).unwrap();
    let a = incident_of_report(store, id_of(&ids, "i01-a"));
    let b = incident_of_report(store, id_of(&ids, "i02-a"));
    assert_ne!(a, b);
    let (da, db) = (
        store.incident(&a).unwrap().unwrap(),
        store.incident(&b).unwrap().unwrap(),
    );

    // Merge the two incidents.
    let keys: Vec<String> = da
        .events
        .iter()
        .chain(&db.events)
        .map(|e| e.key.clone())
        .collect();
    let pin = store
        .add_incident_pin(
            &NewIncidentPin {
                kind: PinKind::Merge,
                keys: keys.clone(),
                others: vec![],
                incidents: vec![a.clone(), b.clone()],
                audit_event_id: da.events[0].event_id,
                note: Some("same night, same ring".into()),
            },
            "ana",
        )
        .unwrap();
    assert_eq!(pin.who, "ana");
    let log = store.audit_log(Some(da.events[0].event_id)).unwrap();
    let entry = log.last().unwrap();
    assert_eq!(entry.action, "incident_merge");
    assert_eq!(entry.who, "ana");
    assert_eq!(entry.old["incidents"][1], b.as_str());
    assert_eq!(entry.note.as_deref(), Some("same night, same ring"));

    // At once, regrouping only the two incidents; then by a full recomputation.
    let total = store.count_incidents(&IncidentFilter::default()).unwrap();
    let new = regroup(store, &[a.clone(), b.clone()]).unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(
        store.count_incidents(&IncidentFilter::default()).unwrap(),
        total - 1
    );
    let merged = incident_of_report(store, id_of(&ids, "i01-a"));
    assert_eq!(vec![merged.clone()], new);
    assert_eq!(merged, incident_of_report(store, id_of(&ids, "i02-b")));
    let local = store.incident(&merged).unwrap().unwrap();
    assert_eq!(
        local.incident.duplicates,
        vec![id_of(&ids, "i01-r").to_string()]
    );
    recompute(store).unwrap();
    assert_eq!(store.incident(&merged).unwrap().unwrap(), local);
    let merged = incident_of_report(store, id_of(&ids, "i01-a"));
    assert_eq!(merged, incident_of_report(store, id_of(&ids, "i02-b")));
    assert_eq!(merged, incident_of_report(store, id_of(&ids, "i01-c")));

    // Re-extraction gives new row ids; the pin still holds after recomputation.
    let old_ids: Vec<i64> = store
        .report_events(id_of(&ids, "i01-a"))
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    reextract(store);
    let new_ids: Vec<i64> = store
        .report_events(id_of(&ids, "i01-a"))
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert!(old_ids.iter().all(|i| !new_ids.contains(i)));
    let state = recompute(store).unwrap();
    assert!(state.unknown_pins.is_empty(), "{:?}", state.unknown_pins);
    let merged = incident_of_report(store, id_of(&ids, "i01-a"));
    assert_eq!(merged, incident_of_report(store, id_of(&ids, "i02-a")));

    // Split the events of i01-c out of the merged incident.
    let detail = store.incident(&merged).unwrap().unwrap();
    let c_events: Vec<i64> = store
        .report_events(id_of(&ids, "i01-c"))
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    let (moved, rest): (Vec<_>, Vec<_>) = detail
        .events
        .iter()
        .partition(|e| c_events.contains(&e.event_id));
    assert!(!moved.is_empty());
    common::split_out(&mut *store, &merged, &moved, &rest, "ben");
    assert_eq!(
        store
            .audit_log(Some(moved[0].event_id))
            .unwrap()
            .last()
            .unwrap()
            .action,
        "incident_split"
    );
    let new = regroup(store, std::slice::from_ref(&merged)).unwrap();
    assert!(new.len() >= 2, "{new:?}");
    assert_ne!(
        incident_of_report(store, id_of(&ids, "i01-c")),
        incident_of_report(store, id_of(&ids, "i01-a"))
    );
    for round in 0..2 {
        if round == 1 {
            reextract(store);
        }
        let state = recompute(store).unwrap();
        assert!(state.pin_conflicts.is_empty(), "{:?}", state.pin_conflicts);
        let c = incident_of_report(store, id_of(&ids, "i01-c"));
        let a = incident_of_report(store, id_of(&ids, "i01-a"));
        assert_ne!(c, a, "round {round}");
        assert_eq!(a, incident_of_report(store, id_of(&ids, "i02-a")));
    }
    assert_eq!(store.incident_pins().unwrap().len(), 2);

    // Invalid pins are refused with the reason.
    let err = store
        .add_incident_pin(
            &NewIncidentPin {
                kind: PinKind::Merge,
                keys: vec!["x".into()],
                others: vec![],
                incidents: vec![],
                audit_event_id: new_ids[0],
                note: None,
            },
            "ana",
        )
        .unwrap_err();
    assert!(err.to_string().contains("merge"), "{err}");
}

#[test]
fn effective_pins_replay_in_order() {
    use lantern_store::IncidentPin;
    let pin = |id, kind, keys: &[&str], others: &[&str]| IncidentPin {
        id,
        at: String::new(),
        who: "t".into(),
        kind,
        keys: keys.iter().map(|s| s.to_string()).collect(),
        others: others.iter().map(|s| s.to_string()).collect(),
        incidents: vec![],
        note: None,
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    // Merge a, b, c; then split a out: b and c stay linked, a is kept from both.
    let p = effective_pins(&[
        pin(1, PinKind::Merge, &["a", "b", "c"], &[]),
        pin(2, PinKind::Split, &["a"], &["b", "c"]),
    ]);
    assert_eq!(p.merges, vec![s("b", "c")]);
    assert_eq!(p.splits, vec![s("a", "b"), s("a", "c")]);
    // A later merge lifts the split between the events it names.
    let p = effective_pins(&[
        pin(1, PinKind::Split, &["a"], &["b", "c"]),
        pin(2, PinKind::Merge, &["a", "b"], &[]),
    ]);
    assert_eq!(p.merges, vec![s("a", "b")]);
    assert_eq!(p.splits, vec![s("a", "c")]);
}

#[test]
fn concurrent_recomputations_all_succeed() {
    for mut store in common::stores() {
        setup(&mut *store);
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let mut s = store.reopen();
                std::thread::spawn(move || {
                    for _ in 0..3 {
                        recompute(&mut *s).expect("concurrent recompute");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let state = store.incident_state().unwrap().unwrap();
        assert_eq!(
            store.count_incidents(&IncidentFilter::default()).unwrap(),
            state.incidents,
            "{}",
            store.name()
        );
        assert_eq!(
            store.duplicate_links().unwrap().len(),
            2,
            "{}",
            store.name()
        );
    }
}
