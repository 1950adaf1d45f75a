//! Event filters, re-extraction, review and the audit log.

mod common;

use chrono::NaiveDate;
use common::*;
use lantern_extract::{Actor, Event, EventType, Modality};
use lantern_store::{
    EventFilter, FileInput, PostgresStore, ReviewDecision, ReviewState, Store, StoreError,
};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Two reports: A (published 2024-03-05, three events), B (published 2023-07-01, one
/// undated execution event in Onsŏng), on each backend.
fn setups() -> Vec<(TestStore, String, String)> {
    stores().into_iter().map(setup).collect()
}

fn setup(mut store: TestStore) -> (TestStore, String, String) {
    let a = file_input(
        text_file("A", "2024-03-05", "Agents arrested traders in Hyesan."),
        "a.txt",
        three_events(),
    );
    let b = file_input(
        text_file("B", "2023-07-01", "A public execution was held in Onsŏng."),
        "b.txt",
        vec![event(
            EventType::Execution,
            vec![Actor::Courts],
            vec![onsong()],
        )],
    );
    store.ingest_batch(&[a.clone(), b.clone()]).unwrap();
    let (ida, idb) = (a.reports[0].0.id.clone(), b.reports[0].0.id.clone());
    (store, ida, idb)
}

fn types(store: &dyn Store, f: EventFilter) -> Vec<EventType> {
    let n = store.count_events(&f).unwrap();
    let ev = store.events(&f).unwrap();
    if f.limit.is_none() && f.offset == 0 {
        assert_eq!(n as usize, ev.len(), "count_events agrees with events");
    }
    ev.into_iter().map(|e| e.event.event_type).collect()
}

#[test]
fn event_filters() {
    for (store, ida, idb) in setups() {
        let all = store.events(&EventFilter::default()).unwrap();
        assert_eq!(all.len(), 4);
        // Ordered by effective start: B's (2023-07-01) first.
        assert_eq!(all[0].report_id, idb);
        assert_eq!(all[0].report_published, Some(date("2023-07-01")));
        assert_eq!(all[0].review_state, ReviewState::Machine);

        let f = |e: EventFilter| types(&*store, e);
        assert_eq!(
            f(EventFilter {
                event_type: Some(EventType::Arrest),
                ..Default::default()
            }),
            vec![EventType::Arrest]
        );
        // Place by name, id or admin1, any case.
        for p in ["hyesan", "KP-HYESAN", "ryanggang", "Hyesan"] {
            assert_eq!(
                f(EventFilter {
                    place: Some(p.into()),
                    ..Default::default()
                })
                .len(),
                2,
                "place {p}"
            );
        }
        assert_eq!(
            f(EventFilter {
                place: Some("Onsŏng".into()),
                ..Default::default()
            }),
            vec![EventType::Execution, EventType::Crackdown]
        );
        assert!(f(EventFilter {
            place: Some("Musan".into()),
            ..Default::default()
        })
        .is_empty());
        // Actor.
        assert_eq!(
            f(EventFilter {
                actor: Some(Actor::Party),
                ..Default::default()
            }),
            vec![EventType::Crackdown]
        );
        // Dates: the crackdown has its own range 2024-03-01..10; the others fall back to
        // their report's published date.
        assert_eq!(
            f(EventFilter {
                from: Some(date("2024-03-06")),
                ..Default::default()
            }),
            vec![EventType::Crackdown]
        );
        assert_eq!(
            f(EventFilter {
                to: Some(date("2024-03-02")),
                ..Default::default()
            }),
            vec![EventType::Execution, EventType::Crackdown]
        );
        assert_eq!(
            f(EventFilter {
                from: Some(date("2023-01-01")),
                to: Some(date("2023-12-31")),
                ..Default::default()
            }),
            vec![EventType::Execution]
        );
        // Report, combined filters, paging.
        assert_eq!(
            f(EventFilter {
                report_id: Some(ida.clone()),
                ..Default::default()
            })
            .len(),
            3
        );
        assert_eq!(
            f(EventFilter {
                report_id: Some(ida.clone()),
                place: Some("hyesan".into()),
                actor: Some(Actor::StateSecurity),
                ..Default::default()
            }),
            vec![EventType::Arrest]
        );
        let page = store
            .events(&EventFilter {
                limit: Some(2),
                offset: 1,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(page.len(), 2);
        assert_eq!(page[0].id, all[1].id);
        assert_eq!(
            store
                .count_events(&EventFilter {
                    limit: Some(1),
                    ..Default::default()
                })
                .unwrap(),
            4,
            "count ignores limit"
        );
        assert_eq!(
            f(EventFilter {
                review_state: Some(ReviewState::Confirmed),
                ..Default::default()
            })
            .len(),
            0
        );
    }
}

#[test]
fn reextraction_replaces_only_machine_events() {
    for (mut store, ida, idb) in setups() {
        assert!(store.stale_reports(VERSION).unwrap().is_empty());
        let mut stale = store.stale_reports("test-2").unwrap();
        stale.sort();
        let mut both = vec![ida.clone(), idb.clone()];
        both.sort();
        assert_eq!(stale, both);

        let ev = store.report_events(&ida).unwrap();
        let confirmed = store
            .review_event(ev[0].id, "reviewer-1", &ReviewDecision::Confirm, None)
            .unwrap();
        assert_eq!(confirmed.review_state, ReviewState::Confirmed);
        let mut fixed = ev[1].event.clone();
        fixed.modality = Modality::Ordered;
        fixed.actors = vec![Actor::Military];
        store
            .review_event(
                ev[1].id,
                "reviewer-2",
                &ReviewDecision::Edit(Box::new(fixed.clone())),
                Some("source says ordered, not done"),
            )
            .unwrap();
        store
            .review_event(
                ev[2].id,
                "reviewer-1",
                &ReviewDecision::Reject,
                Some("not a crackdown"),
            )
            .unwrap();

        // Edits are visible through the normalised tables too.
        assert_eq!(
            store
                .count_events(&EventFilter {
                    actor: Some(Actor::Military),
                    ..Default::default()
                })
                .unwrap(),
            1
        );
        // Rejected events do not count in the report listing.
        let summary = store.reports(10, 0).unwrap();
        assert_eq!(summary[0].id, ida);
        assert_eq!(summary[0].event_count, 2);

        let new_events = vec![
            event(
                EventType::Surveillance,
                vec![Actor::StateSecurity],
                vec![hyesan()],
            ),
            event(EventType::Restriction, vec![], vec![]),
        ];
        let n = store
            .replace_machine_events(&ida, &new_events, "test-2")
            .unwrap();
        assert_eq!(n, 2);
        let after = store.report_events(&ida).unwrap();
        assert_eq!(after.len(), 5, "3 reviewed kept + 2 new");
        let kept: Vec<_> = after
            .iter()
            .filter(|e| e.review_state != ReviewState::Machine)
            .collect();
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[0].id, ev[0].id, "reviewed events keep their ids");
        assert_eq!(kept[0].event, ev[0].event);
        assert_eq!(kept[1].event, fixed);
        assert_eq!(kept[1].review_state, ReviewState::Edited);
        assert_eq!(kept[2].review_state, ReviewState::Rejected);
        let machine: Vec<_> = after
            .iter()
            .filter(|e| e.review_state == ReviewState::Machine)
            .collect();
        assert_eq!(machine.len(), 2);
        assert!(machine.iter().all(|e| e.extractor_version == "test-2"));
        assert_eq!(machine[0].event, new_events[0]);

        // Replacing again is idempotent for the reviewed ones.
        store.replace_machine_events(&ida, &[], "test-2").unwrap();
        assert_eq!(store.report_events(&ida).unwrap().len(), 3);
        // Only B is stale now; a report with no events is not stale once extracted.
        assert_eq!(store.stale_reports("test-2").unwrap(), vec![idb.clone()]);
        store.replace_machine_events(&idb, &[], "test-2").unwrap();
        assert!(store.stale_reports("test-2").unwrap().is_empty());
        if store.is_postgres() {
            // The link tables have no foreign key since step 9: the replaced events'
            // links must be gone with them.
            store
                .raw_exec(
                    "DO $$ BEGIN
                        IF EXISTS (SELECT 1 FROM event_actors a WHERE NOT EXISTS
                                     (SELECT 1 FROM events e WHERE e.id = a.event_id))
                           OR EXISTS (SELECT 1 FROM event_places p WHERE NOT EXISTS
                                     (SELECT 1 FROM events e WHERE e.id = p.event_id))
                        THEN RAISE EXCEPTION 'link rows of deleted events remain';
                        END IF;
                     END $$",
                )
                .unwrap();
        }

        let err = store
            .replace_machine_events(&"f".repeat(64), &[], "test-2")
            .unwrap_err();
        assert!(matches!(err, StoreError::NoSuchReport(_)), "{err}");
    }
}

#[test]
fn review_writes_an_append_only_audit_log() {
    for (mut store, ida, _idb) in setups() {
        let ev = store.report_events(&ida).unwrap();
        store
            .review_event(ev[0].id, "ana", &ReviewDecision::Reject, Some("duplicate"))
            .unwrap();
        let mut edited = ev[1].event.clone();
        edited.negated = true;
        store
            .review_event(
                ev[1].id,
                "ben",
                &ReviewDecision::Edit(Box::new(edited.clone())),
                None,
            )
            .unwrap();
        let log = store.audit_log(None).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].who, "ana");
        assert_eq!(log[0].action, "reject");
        assert_eq!(log[0].event_id, ev[0].id);
        assert_eq!(log[0].note.as_deref(), Some("duplicate"));
        assert_eq!(log[0].old["review_state"], "machine");
        assert_eq!(log[0].new["review_state"], "rejected");
        assert_eq!(log[1].old["event"]["negated"], false);
        assert_eq!(log[1].new["event"]["negated"], true);
        assert_eq!(store.audit_log(Some(ev[1].id)).unwrap().len(), 1);
        assert_eq!(store.event(ev[1].id).unwrap().unwrap().event, edited);

        assert!(matches!(
            store.review_event(999_999, "ana", &ReviewDecision::Confirm, None),
            Err(StoreError::NoSuchEvent(999_999))
        ));
        assert!(matches!(
            store.review_event(ev[0].id, "  ", &ReviewDecision::Confirm, None),
            Err(StoreError::Invalid { .. })
        ));

        let upd = store.raw_exec("UPDATE audit_log SET who = 'mallory'");
        assert!(upd.unwrap_err().contains("append-only"));
        let del = store.raw_exec("DELETE FROM audit_log");
        assert!(del.unwrap_err().contains("append-only"));
        assert_eq!(store.audit_log(None).unwrap().len(), 2);
    }
}

/// `events_after` (an id-range query) agrees with walking every match, leaves rejected
/// events out and keeps the highest ids first.
#[test]
fn events_after_agrees_with_the_walk() {
    for (mut store, _, _) in setups() {
        let all = store.events(&EventFilter::default()).unwrap();
        assert_eq!(all.len(), 4);
        let rejected = all[0].id;
        store
            .review_event(rejected, "reviewer-1", &ReviewDecision::Reject, None)
            .unwrap();
        let filters = [
            EventFilter::default(),
            EventFilter {
                event_type: Some(EventType::Arrest),
                ..Default::default()
            },
            EventFilter {
                place: Some("Hyesan".into()),
                limit: Some(1),
                ..Default::default()
            },
            EventFilter {
                event_type: Some(EventType::Execution),
                review_state: Some(ReviewState::Machine),
                ..Default::default()
            },
        ];
        let min = all.iter().map(|e| e.id).min().unwrap();
        for f in &filters {
            for after in [0, min, min + 1, i64::MAX] {
                for keep in [0, 1, 10] {
                    let fast = store.events_after(f, after, keep).unwrap();
                    let walk =
                        lantern_store::events_after_by_walk(&*store, f, after, keep).unwrap();
                    assert_eq!(fast, walk, "{f:?} after {after} keep {keep}");
                    assert!(fast.1.iter().all(|e| e.id != rejected && e.id > after));
                    assert!(fast.1.windows(2).all(|w| w[0].id > w[1].id));
                }
            }
        }
        assert_eq!(
            store
                .events_after(&EventFilter::default(), 0, 10)
                .unwrap()
                .0,
            3
        );
    }
}

/// PostgreSQL step 14: the listing indexes carry `eff_end` after `id`, so that a type x
/// province x month page tests `eff_end >= from` on the index entries (not on the rows of
/// the events of the month before that end before it), and a store at step 13 migrates to
/// them, keeping a new index built beforehand and rebuilding an invalid one, with the
/// same pages.
#[test]
fn postgres_listing_indexes_test_eff_end() {
    let Some(mut store) = postgres_store() else {
        return;
    };
    let Backend::Postgres { url, db, .. } = &store.backend else {
        unreachable!("a PostgreSQL test store");
    };
    let (url, db) = (url.clone(), db.clone());
    // Arrests in Hyesan (Ryanggang) starting in February and March 2024, every third
    // one lasting a month, and crackdowns in Onsŏng: the March page takes the February
    // ones that end in March.
    let files: Vec<FileInput> = (0..60)
        .map(|i| {
            let month = 2 + i % 2;
            let day = 1 + i % 28;
            let start = format!("2024-{month:02}-{day:02}");
            let end = format!("2024-{:02}-{day:02}", month + 1);
            let end = (i % 3 == 0).then_some(end.as_str());
            let events = vec![
                dated(
                    event(EventType::Arrest, vec![], vec![hyesan()]),
                    &start,
                    end,
                ),
                dated(
                    event(EventType::Crackdown, vec![], vec![onsong()]),
                    &start,
                    end,
                ),
            ];
            file_input(
                text_file(&format!("R{i}"), &start, &format!("Report number {i}.")),
                &format!("r{i}.txt"),
                events,
            )
        })
        .collect();
    store.ingest_batch(&files).unwrap();
    let page = EventFilter {
        event_type: Some(EventType::Arrest),
        province: Some("Ryanggang".into()),
        from: Some(date("2024-03-01")),
        to: Some(date("2024-03-31")),
        limit: Some(25),
        ..Default::default()
    };
    let ids =
        |s: &dyn Store| -> Vec<i64> { s.events(&page).unwrap().iter().map(|e| e.id).collect() };
    let listed = ids(&*store);
    // 30 start in March, and the 10 of February lasting a month end in it.
    assert_eq!(store.count_events(&page).unwrap(), 40);
    assert_eq!(listed.len(), 25);

    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let defs = |c: &mut postgres::Client| -> Vec<(String, String, bool)> {
        c.query(
            "SELECT ci.relname::text, pg_get_indexdef(i.indexrelid), i.indisvalid
             FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
             WHERE i.indrelid = 'events'::regclass AND ci.relname LIKE 'events_%order%'
             ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
    };
    let latest = |c: &mut postgres::Client| {
        let d = defs(c);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].0, "events_order");
        assert!(d[0].1.ends_with("(eff_start, id, eff_end)"), "{d:?}");
        assert_eq!(d[1].0, "events_type_order");
        assert!(
            d[1].1.ends_with("(event_type, eff_start, id, eff_end)"),
            "{d:?}"
        );
        assert!(d[0].2 && d[1].2, "valid: {d:?}");
    };
    latest(&mut c);

    // The page's plan, with the planner kept off the whole-table scans a store this
    // small would take: the type's index, `eff_end` among its index conditions.
    c.batch_execute(&format!(
        "ALTER DATABASE {db} SET enable_seqscan = off;
         ALTER DATABASE {db} SET enable_bitmapscan = off"
    ))
    .unwrap();
    let plan = PostgresStore::connect(&url)
        .unwrap()
        .explain_events(&page, false)
        .unwrap();
    let text = plan.join("\n");
    eprintln!("{text}");
    let at = plan
        .iter()
        .position(|l| l.contains("using events_type_order"))
        .unwrap_or_else(|| panic!("the type's listing index:\n{text}"));
    assert!(
        plan[at + 1].contains("Index Cond") && plan[at + 1].contains("eff_end >="),
        "eff_end tested on the index:\n{text}"
    );
    assert!(!text.contains("Filter: (eff_end"), "{text}");
    let analyzed = PostgresStore::connect(&url)
        .unwrap()
        .explain_events(&page, true)
        .unwrap();
    assert!(
        analyzed.iter().any(|l| l.contains("Buffers")),
        "{analyzed:?}"
    );

    // Back to step 13's indexes, with the new type index built beforehand and an invalid
    // leftover of the other (as a failed `CREATE INDEX CONCURRENTLY` leaves).
    store
        .raw_exec(
            "DROP INDEX events_order; DROP INDEX events_type_order;
             CREATE INDEX events_order ON events(eff_start, id);
             CREATE INDEX events_type_order ON events(event_type, eff_start, id);
             CREATE INDEX events_type_order_end ON events(event_type, eff_start, id, eff_end);
             CREATE INDEX events_order_end ON events(eff_start, id, eff_end);
             UPDATE pg_index SET indisvalid = false
                 WHERE indexrelid = 'events_order_end'::regclass;
             UPDATE schema_version SET version = 13",
        )
        .unwrap();
    assert_eq!(defs(&mut c).len(), 4);
    let again = store.reopen();
    assert_eq!(again.schema_version().unwrap(), 14);
    latest(&mut c);
    assert_eq!(ids(&*again), listed);
}

/// Every row of the event tables of a SQLite test store (timestamps left out), in key
/// order.
fn sqlite_event_rows(store: &TestStore) -> (Vec<String>, Vec<String>, Vec<String>) {
    let Backend::Sqlite(dir) = &store.backend else {
        panic!("a SQLite store");
    };
    let db = rusqlite::Connection::open(dir.path().join("lantern.db")).unwrap();
    // Bulk batches insert with foreign-key checks off: every row still has its parent.
    let violations = db
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |_| Ok(()))
        .unwrap()
        .count();
    assert_eq!(violations, 0, "rows without their parent row");
    let rows = |sql: &str| -> Vec<String> {
        let mut st = db.prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.join("|"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    (
        rows(
            "SELECT id, report_id, seq, extractor_version, review_state, event_type,
                    modality, negated, confidence, actors_json, places_json, date_json,
                    attribution_json, quantities_json, evidence_json, eff_start, eff_end,
                    created_at = updated_at
             FROM events ORDER BY id",
        ),
        rows("SELECT event_id, actor FROM event_actors ORDER BY event_id, actor"),
        rows("SELECT * FROM event_places ORDER BY event_id, seq"),
    )
}

/// `n` events of assorted shapes (no, one or several actors, a repeated actor, up to
/// three places), different for each `salt`.
fn assorted_events(n: usize, salt: usize) -> Vec<Event> {
    let types = [
        EventType::Arrest,
        EventType::Smuggling,
        EventType::Crackdown,
    ];
    let actors = [Actor::StateSecurity, Actor::SocialSecurity, Actor::Party];
    (0..n)
        .map(|i| {
            let k = i + salt;
            let mut e = event(
                types[k % 3],
                actors.iter().copied().take(k % 4).collect(),
                [hyesan(), onsong(), place("kp-x", "Musan", "North Hamgyong")]
                    .into_iter()
                    .take(k % 4)
                    .collect(),
            );
            if k.is_multiple_of(5) {
                e.actors.push(Actor::StateSecurity);
            }
            if k.is_multiple_of(2) {
                e = dated(e, "2024-02-01", None);
            }
            e
        })
        .collect()
}

#[test]
fn sqlite_multi_row_event_writes_store_what_single_rows_do() {
    // One bulk batch (many events and link rows per statement) against the same files
    // written one file per batch (every report's few events one by one).
    let files: Vec<FileInput> = (0..70)
        .map(|i| {
            let mut f = synthetic(i);
            let events = assorted_events(i % 7, i);
            for (_, ev) in &mut f.reports {
                *ev = events.clone();
            }
            f
        })
        .collect();
    let mut bulk = sqlite_store();
    bulk.ingest_batch(&files).unwrap();
    let mut single = sqlite_store();
    for f in &files {
        single.ingest_batch(std::slice::from_ref(f)).unwrap();
    }
    let (events, actors, places) = sqlite_event_rows(&bulk);
    assert_eq!(events.len(), (0..70).map(|i| i % 7).sum::<usize>());
    assert!(!actors.is_empty() && !places.is_empty());
    // Ids 1..=n, in the order of the files and of the events in each.
    for (i, row) in events.iter().enumerate() {
        assert!(row.starts_with(&format!("Integer({})|", i + 1)), "{row}");
    }
    assert_eq!((events, actors, places), sqlite_event_rows(&single));

    // Re-extraction with more events than one statement holds: the new ids follow the
    // largest, in both stores alike.
    let id = files[3].reports[0].0.id.clone();
    for store in [&mut bulk, &mut single] {
        assert_eq!(
            store
                .replace_machine_events(&id, &assorted_events(75, 1), "test-2")
                .unwrap(),
            75
        );
    }
    let (events, actors, places) = sqlite_event_rows(&bulk);
    assert_eq!(events.len(), 210 - 3 + 75);
    assert!(events.last().unwrap().starts_with("Integer(285)|"));
    assert_eq!((events, actors, places), sqlite_event_rows(&single));
}
