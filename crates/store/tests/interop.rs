//! Interop methods on every backend: streaming events, imports, feed state, alerts.

mod common;

use common::*;
use lantern_extract::{Actor, EventType};
use lantern_store::{
    AlertQuery, EventFilter, FeedState, ImportEvent, ImportReport, ReviewState, StoreError,
};

#[test]
fn for_each_event_streams_in_listing_order() {
    for mut store in stores() {
        let files: Vec<_> = (0..12).map(synthetic).collect();
        store.ingest_batch(&files).unwrap();
        let listed = store.events(&EventFilter::default()).unwrap();
        let mut seen = Vec::new();
        let n = store
            .for_each_event(&EventFilter::default(), &mut |r| {
                let body = files
                    .iter()
                    .flat_map(|f| &f.reports)
                    .find(|(rep, _)| rep.id == r.report.id)
                    .map(|(rep, _)| rep.body.clone())
                    .unwrap();
                for (i, &(s, e)) in r.stored.event.evidence.iter().enumerate() {
                    assert_eq!(r.evidence_text[i], body.get(s..e).unwrap_or(""));
                }
                assert_eq!(r.report.outlet.as_deref(), Some("Test Wire"));
                assert_eq!(r.report.format, "text");
                seen.push((r.stored.id, r.seq));
                Ok(())
            })
            .unwrap();
        assert_eq!(n as usize, listed.len(), "{}", store.name());
        let ids: Vec<i64> = seen.iter().map(|s| s.0).collect();
        let want: Vec<i64> = listed.iter().map(|e| e.id).collect();
        assert_eq!(ids, want, "{}: same order as events()", store.name());
        // Limit, offset and a filter.
        let f = EventFilter {
            event_type: Some(EventType::Arrest),
            limit: Some(3),
            offset: 2,
            ..Default::default()
        };
        let mut page = Vec::new();
        store
            .for_each_event(&f, &mut |r| {
                page.push(r.stored.id);
                Ok(())
            })
            .unwrap();
        let want: Vec<i64> = store.events(&f).unwrap().iter().map(|e| e.id).collect();
        assert_eq!(page, want);
        // An error from the callback stops the walk and is returned.
        let mut calls = 0;
        let err = store
            .for_each_event(&EventFilter::default(), &mut |_| {
                calls += 1;
                Err(StoreError::Invalid {
                    what: "test".into(),
                    reason: "stop".into(),
                })
            })
            .unwrap_err();
        assert!(err.to_string().contains("stop"));
        assert_eq!(calls, 1);
        // The store is usable afterwards.
        assert_eq!(store.count_reports().unwrap(), 12);
    }
}

fn import_item(i: usize, ids: [Option<i64>; 2]) -> ImportReport {
    let f = synthetic(i);
    let original = format!("{{\"import\": {i}}}\n").into_bytes();
    let mut report = f.reports[0].0.clone();
    report.format = "lantern-jsonl".into();
    report.original_sha256 = lantern_ingest::sha256_hex(&original);
    let events = three_events()
        .into_iter()
        .take(2)
        .zip(ids)
        .enumerate()
        .map(|(seq, (event, id))| ImportEvent {
            id,
            seq: seq as u32,
            event,
            extractor_version: "upstream-1".into(),
            review_state: ReviewState::Confirmed,
        })
        .collect();
    ImportReport {
        report,
        original,
        upstream_original_sha256: Some("ab".repeat(32)),
        events,
    }
}

#[test]
fn imports_keep_free_ids_and_never_import_twice() {
    for mut store in stores() {
        store.ingest_batch(&[synthetic(1)]).unwrap();
        let taken = store.events(&EventFilter::default()).unwrap()[0].id;
        let item = import_item(50, [Some(1000), Some(taken)]);
        let out = store.import_reports(std::slice::from_ref(&item)).unwrap();
        assert_eq!(
            (out.reports_stored, out.events_stored, out.events_renumbered),
            (1, 2, 1),
            "{}",
            store.name()
        );
        let id = item.report.id.clone();
        let events = store.report_events(&id).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].id, 1000);
        assert_ne!(events[1].id, taken);
        assert_eq!(events[0].review_state, ReviewState::Confirmed);
        assert_eq!(events[0].extractor_version, "upstream-1");
        assert_eq!(store.report(&id).unwrap().unwrap(), item.report);
        // Imported reports are searchable and never re-extracted.
        assert!(store.count_search("inspections").unwrap() >= 2);
        assert!(!store.stale_reports("other").unwrap().contains(&id));
        // Again: nothing imported twice.
        let again = store.import_reports(&[item]).unwrap();
        assert_eq!((again.reports_existing, again.events_skipped), (1, 2));
        assert_eq!(store.report_events(&id).unwrap().len(), 2);
        // New events get ids past the imported ones.
        store.ingest_batch(&[synthetic(2)]).unwrap();
        let id2 = synthetic(2).reports[0].0.id.clone();
        assert!(store
            .report_events(&id2)
            .unwrap()
            .iter()
            .all(|e| e.id > 1000));
        // Exports name the upstream original.
        let mut upstream = Vec::new();
        store
            .for_each_event(
                &EventFilter {
                    report_id: Some(id.clone()),
                    ..Default::default()
                },
                &mut |r| {
                    upstream.push(r.report.original_sha256);
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(upstream, vec!["ab".repeat(32); 2]);
        // A non-import format is refused.
        let mut bad = import_item(51, [None, None]);
        bad.report.format = "text".into();
        assert!(store.import_reports(&[bad]).is_err());
    }
}

#[test]
fn feed_state_round_trips() {
    for mut store in stores() {
        assert_eq!(store.feed_state("http://x/feed").unwrap(), None);
        let s = FeedState {
            url: "http://x/feed".into(),
            etag: Some("\"abc\"".into()),
            last_modified: Some("Sat, 28 Nov 2026 10:00:00 GMT".into()),
            checked_at: Some("2026-11-28T10:00:00Z".into()),
            ok_at: None,
            failures: 2,
            last_error: Some("timeout".into()),
        };
        store.set_feed_state(&s).unwrap();
        assert_eq!(store.feed_state("http://x/feed").unwrap(), Some(s.clone()));
        let s2 = FeedState { failures: 0, ..s };
        store.set_feed_state(&s2).unwrap();
        assert_eq!(store.feed_state("http://x/feed").unwrap(), Some(s2));
        assert!(store.set_feed_state(&FeedState::default()).is_err());
    }
}

#[test]
fn alerts_are_saved_checked_and_removed() {
    for mut store in stores() {
        let q = AlertQuery {
            event_type: Some(EventType::Execution),
            place: Some("Yanggang".into()),
            ..Default::default()
        };
        let a = store.save_alert("executions-yanggang", &q).unwrap();
        assert_eq!((a.last_event_id, a.checked_at.clone()), (0, None));
        store.mark_alert_checked("executions-yanggang", 42).unwrap();
        store.mark_alert_checked("executions-yanggang", 7).unwrap();
        let q2 = AlertQuery {
            actor: Some(Actor::Courts),
            ..q.clone()
        };
        let a = store.save_alert("executions-yanggang", &q2).unwrap();
        assert_eq!(a.last_event_id, 42);
        assert_eq!(a.query, q2);
        assert!(a.checked_at.is_some());
        assert!(store.save_alert("", &q).is_err());
        assert!(store.save_alert("a b", &q).is_err());
        assert!(store.mark_alert_checked("nope", 1).is_err());
        assert_eq!(store.alerts().unwrap().len(), 1);
        assert!(store.delete_alert("executions-yanggang").unwrap());
        assert!(!store.delete_alert("executions-yanggang").unwrap());
        assert!(store.alerts().unwrap().is_empty());
    }
}
