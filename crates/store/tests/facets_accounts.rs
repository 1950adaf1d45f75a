//! Facet and month counts, the new event filters, accounts, sessions, tokens, settings.

mod common;

use common::*;
use lantern_extract::{Actor, EventType};
use lantern_store::{EventFilter, Facet, ReviewDecision, Role, SqliteStore, Store};

fn setups() -> Vec<TestStore> {
    stores().into_iter().map(setup).collect()
}

fn setup(mut store: TestStore) -> TestStore {
    let a = file_input(
        text_file("A", "2024-03-05", "Agents arrested traders in Hyesan."),
        "a.txt",
        three_events(),
    );
    let b = file_input(
        text_file("B", "2023-07-01", "A public execution was held in Onsong."),
        "b.txt",
        vec![event(
            EventType::Execution,
            vec![Actor::Courts],
            vec![onsong()],
        )],
    );
    store.ingest_batch(&[a, b]).unwrap();
    store
}

fn pairs(v: Vec<lantern_store::FacetCount>) -> Vec<(String, u64)> {
    v.into_iter().map(|c| (c.value, c.count)).collect()
}

#[test]
fn facet_counts_follow_the_filter() {
    for store in setups() {
        let all = EventFilter::default();
        let types = pairs(store.facet_counts(&all, Facet::EventType, 10).unwrap());
        assert_eq!(types.len(), 4);
        assert!(types.iter().all(|(_, n)| *n == 1));
        let prov = pairs(store.facet_counts(&all, Facet::Province, 10).unwrap());
        assert_eq!(
            prov,
            vec![("North Hamgyong".into(), 2), ("Ryanggang".into(), 2)]
        );
        let places = store.facet_counts(&all, Facet::Place, 10).unwrap();
        assert_eq!(places[0].value, "kp-hyesan");
        assert_eq!(places[0].label, "Hyesan");
        let actors = pairs(store.facet_counts(&all, Facet::Actor, 2).unwrap());
        assert_eq!(actors.len(), 2, "limit applies");
        let outlets = pairs(store.facet_counts(&all, Facet::Outlet, 10).unwrap());
        assert_eq!(outlets, vec![("Test Wire".into(), 4)]);
        let states = pairs(store.facet_counts(&all, Facet::ReviewState, 10).unwrap());
        assert_eq!(states, vec![("machine".into(), 4)]);

        let f = EventFilter {
            province: Some("north hamgyong".into()),
            ..Default::default()
        };
        assert_eq!(store.count_events(&f).unwrap(), 2);
        let types = pairs(store.facet_counts(&f, Facet::EventType, 10).unwrap());
        assert_eq!(
            types,
            vec![("crackdown".into(), 1), ("execution".into(), 1)]
        );
        let f = EventFilter {
            outlet: Some("test wire".into()),
            ..Default::default()
        };
        assert_eq!(store.count_events(&f).unwrap(), 4);
        let f = EventFilter {
            outlet: Some("Other".into()),
            ..Default::default()
        };
        assert_eq!(store.count_events(&f).unwrap(), 0);
    }
}

#[test]
fn text_filter_uses_the_full_text_index() {
    for store in setups() {
        let f = |t: &str| {
            store
                .count_events(&EventFilter {
                    text: Some(t.into()),
                    ..Default::default()
                })
                .unwrap()
        };
        assert_eq!(f("execution"), 1);
        assert_eq!(f("traders"), 3);
        assert_eq!(f("nothingmatches"), 0);
        assert_eq!(f("   "), 0, "no searchable word matches nothing");
    }
}

#[test]
fn month_counts_by_type() {
    for mut store in setups() {
        let m = store.month_counts(&EventFilter::default()).unwrap();
        let got: Vec<(String, &str, u64)> = m
            .iter()
            .map(|c| (c.month.clone(), c.event_type.as_str(), c.count))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2023-07".into(), "execution", 1),
                ("2024-03".into(), "arrest", 1),
                ("2024-03".into(), "crackdown", 1),
                ("2024-03".into(), "smuggling", 1),
            ]
        );
        // A review shows in the review-state facet.
        let id = store.events(&EventFilter::default()).unwrap()[0].id;
        store
            .review_event(id, "ed", &ReviewDecision::Confirm, None)
            .unwrap();
        let states = pairs(
            store
                .facet_counts(&EventFilter::default(), Facet::ReviewState, 10)
                .unwrap(),
        );
        assert_eq!(states, vec![("machine".into(), 3), ("confirmed".into(), 1)]);
    }
}

#[test]
fn users_sessions_tokens_settings() {
    for mut store in stores() {
        // PostgreSQL: 5 the count table, 6 incremental incidents, 7 no all-dates count
        // rows, 8 the event-change counter in rows. SQLite: 5 the count table, 6 the cold read path's indexes and count rows
        // by year, 7 the dropped plain date indexes, 8 incremental incidents, 9 the
        // dropped `events_state` and `reports_original` indexes, 10 the listing indexes
        // with `eff_end`, 11 no all-dates count rows, 12 the report listing's index, 13
        // the count table's integer keys, 14 the `places` dictionary instead of
        // `event_places`' indexes, 15 the full-text index in a file of its own for
        // stores without reports, 16 a province's pairs by month in the count table.
        // PostgreSQL: 8 the transactional event-change counter, 9 cheaper ingest writes (no link-row foreign keys, count-table fillfactor, lz4),
        // 10 events added to signed reports counted as changes, 11 the count table's
        // integer keys, 12 the vectors of adjacent-lexeme pairs for phrases, 13 (with
        // SQLite's 16) a province's pairs by month in the count table, 14 (as SQLite's 10)
        // the listing indexes with `eff_end`.
        let latest = if store.is_postgres() { 14 } else { 16 };
        assert_eq!(store.schema_version().unwrap(), latest, "{}", store.name());
        assert!(store.put_user("bad name", Role::Viewer, "h").is_err());
        store.put_user("ana", Role::Editor, "hash1").unwrap();
        store.put_user("ana", Role::Admin, "hash2").unwrap();
        let u = store.user("ana").unwrap().unwrap();
        assert_eq!((u.role, u.password_hash.as_str()), (Role::Admin, "hash2"));
        assert_eq!(store.users().unwrap().len(), 1);
        assert!(store.user("bo").unwrap().is_none());

        store
            .create_session("t1", "ana", "c1", "2999-01-01T00:00:00.000Z")
            .unwrap();
        store
            .create_session("t2", "ana", "c2", "2000-01-01T00:00:00.000Z")
            .unwrap();
        let s = store.session("t1").unwrap().unwrap();
        assert_eq!(
            (s.user.as_str(), s.role, s.csrf.as_str()),
            ("ana", Role::Admin, "c1")
        );
        assert!(store.session("t2").unwrap().is_none(), "expired");
        store.delete_session("t1").unwrap();
        assert!(store.session("t1").unwrap().is_none());

        store
            .create_api_token("th", "script", Role::Viewer)
            .unwrap();
        assert!(store
            .create_api_token("th2", "script", Role::Viewer)
            .is_err());
        assert_eq!(store.api_token("th").unwrap().unwrap().name, "script");
        assert_eq!(store.api_tokens().unwrap().len(), 1);
        assert!(store.delete_api_token("script").unwrap());
        assert!(store.api_token("th").unwrap().is_none());

        assert_eq!(store.setting("public").unwrap(), None);
        store.set_setting("public", "on").unwrap();
        store.set_setting("public", "off").unwrap();
        assert_eq!(store.setting("public").unwrap().as_deref(), Some("off"));
    }
}

#[test]
fn a_version_1_database_is_migrated_keeping_its_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = SqliteStore::open(dir.path()).unwrap();
        store.ingest_batch(&[synthetic(1)]).unwrap();
    }
    {
        // Make it look like a database written before accounts existed.
        let raw = rusqlite::Connection::open(dir.path().join("lantern.db")).unwrap();
        raw.execute_batch(
            "DROP TABLE users; DROP TABLE sessions; DROP TABLE api_tokens; DROP TABLE settings;
             DROP INDEX reports_outlet; DROP INDEX events_order;
             DROP INDEX events_type_order;
             DROP TABLE report_imports; DROP TABLE feed_state; DROP TABLE alerts;
             DROP TABLE incident_pins; DROP TABLE incident_events; DROP TABLE incidents;
             DROP TABLE report_signatures;
             DROP TABLE event_counts;
             DROP INDEX events_state_order; DROP INDEX reports_rowid_id;
             DROP TABLE report_bands; DROP TABLE incident_blocks; DROP TABLE event_changes;
             DROP TRIGGER events_changed_update; DROP TRIGGER events_changed_delete;
             DROP TABLE places;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let mut store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), 16);
    assert_eq!(store.count_reports().unwrap(), 1);
    store.put_user("ana", Role::Viewer, "h").unwrap();
    // Migration 5 filled the count table from the existing events.
    let all = EventFilter::default();
    assert!(store.count_events(&all).unwrap() > 0);
    assert_eq!(
        store.count_events(&all).unwrap(),
        store.count_events_direct(&all).unwrap()
    );
    for f in Facet::ALL {
        assert_eq!(
            pairs(store.facet_counts(&all, f, 50).unwrap()),
            pairs(store.facet_counts_direct(&all, f, 50).unwrap()),
            "{f:?}"
        );
    }
}

#[test]
fn data_version_changes_with_every_write() {
    for mut store in setups() {
        let v1 = store.data_version().unwrap();
        assert!(v1 > 0);
        let id = store.events(&EventFilter::default()).unwrap()[0].id;
        store
            .review_event(id, "ed", &ReviewDecision::Reject, None)
            .unwrap();
        let v2 = store.data_version().unwrap();
        assert!(v2 > v1);
        let rid = store.events(&EventFilter::default()).unwrap()[0]
            .report_id
            .clone();
        store.replace_machine_events(&rid, &[], "x").unwrap();
        assert!(store.data_version().unwrap() > v2);
        store.set_setting("public_read_only", "on").unwrap();
        let v3 = store.data_version().unwrap();
        store.ingest_batch(&[synthetic(7)]).unwrap();
        assert!(store.data_version().unwrap() > v3);
    }
}

/// An event naming a place twice counts once for that place and its province.
#[test]
fn facets_count_events_not_place_mentions() {
    for mut store in stores() {
        let mut twice = event(EventType::Arrest, vec![], vec![hyesan(), hyesan()]);
        twice.places[1].role = lantern_extract::PlaceRole::Source;
        let f = file_input(
            text_file(
                "T",
                "2024-01-01",
                "Arrests in Hyesan, of people from Hyesan.",
            ),
            "t.txt",
            vec![twice],
        );
        store.ingest_batch(&[f]).unwrap();
        for filter in [
            EventFilter::default(),
            EventFilter {
                event_type: Some(EventType::Arrest),
                ..Default::default()
            },
        ] {
            let places = pairs(store.facet_counts(&filter, Facet::Place, 10).unwrap());
            assert_eq!(places, vec![("kp-hyesan".into(), 1)], "{}", store.name());
            let prov = pairs(store.facet_counts(&filter, Facet::Province, 10).unwrap());
            assert_eq!(prov, vec![("Ryanggang".into(), 1)], "{}", store.name());
        }
    }
}
