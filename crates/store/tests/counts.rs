//! The pre-aggregated count table gives the same answers as counting the events
//! directly, for random stores and random filters, and stays right after reviews,
//! rejections, edits and re-extraction; on SQLite and, when `LANTERN_TEST_POSTGRES`
//! names a server, on PostgreSQL.

mod common;

use chrono::NaiveDate;
use common::*;
use lantern_extract::{Actor, Event, EventPlace, EventType};
use lantern_store::{
    EventFilter, Facet, FacetCount, FileInput, MonthCount, PostgresStore, ReviewDecision,
    ReviewState, SqliteStore, Store,
};

/// A small deterministic generator (64-bit LCG), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn places() -> Vec<EventPlace> {
    vec![
        hyesan(),
        onsong(),
        place("kp-musan", "Musan", "North Hamgyong"),
        place("kp-sinuiju", "Sinuiju", "North Pyongan"),
        place("kp-hoeryong", "Hoeryŏng", "North Hamgyong"),
        // Two gazetteer ids with one name: a place filter by that name is ambiguous.
        place("kp-sinpo", "Sinpo", "South Hamgyong"),
        place("kp-sinpo-2", "Sinpo", "Ryanggang"),
        place("cn-dandong", "Dandong", "Liaoning"),
        // A Korean name.
        place("kp-kimjongsuk", "김정숙군", "Ryanggang"),
    ]
}

const OUTLETS: [Option<&str>; 4] = [
    Some("Test Wire"),
    Some("Border Post"),
    Some("Daily Lamp"),
    None,
];

fn random_date(rng: &mut Rng) -> NaiveDate {
    let y = 2019 + rng.below(4) as i32;
    let m = 1 + rng.below(12) as u32;
    let d = 1 + rng.below(28) as u32;
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn random_event(rng: &mut Rng) -> Event {
    let t = EventType::ALL[rng.below(EventType::ALL.len())];
    let mut actors = Vec::new();
    for _ in 0..rng.below(4) {
        let a = Actor::ALL[rng.below(Actor::ALL.len())];
        if !actors.contains(&a) {
            actors.push(a);
        }
    }
    let pool = places();
    let mut ps = Vec::new();
    for _ in 0..rng.below(4) {
        // Repeats allowed: an event may name one place twice.
        ps.push(pool[rng.below(pool.len())].clone());
    }
    let e = event(t, actors, ps);
    match rng.below(3) {
        0 => e,
        1 => {
            let d = random_date(rng).to_string();
            dated(e, &d, None)
        }
        _ => {
            let a = random_date(rng);
            let b = a + chrono::Duration::days(rng.below(90) as i64);
            dated(e, &a.to_string(), Some(&b.to_string()))
        }
    }
}

fn random_file(rng: &mut Rng, i: usize) -> FileInput {
    let outlet = OUTLETS[rng.below(OUTLETS.len())];
    let published = if rng.chance(85) {
        format!("published: {}\n", random_date(rng))
    } else {
        String::new()
    };
    let bytes = format!(
        "---\ntitle: Report {i}\n{}{published}---\nBody of report {i}: traders and guards.\n",
        outlet.map(|o| format!("outlet: {o}\n")).unwrap_or_default()
    )
    .into_bytes();
    let events = (0..rng.below(6)).map(|_| random_event(rng)).collect();
    file_input(bytes, &format!("r{i}.txt"), events)
}

fn random_filter(rng: &mut Rng) -> EventFilter {
    let pool = places();
    let mut f = EventFilter::default();
    if rng.chance(35) {
        f.event_type = Some(EventType::ALL[rng.below(EventType::ALL.len())]);
    }
    if rng.chance(20) {
        f.review_state = Some(
            [
                ReviewState::Machine,
                ReviewState::Confirmed,
                ReviewState::Rejected,
                ReviewState::Edited,
            ][rng.below(4)],
        );
    }
    if rng.chance(30) {
        let p = &pool[rng.below(pool.len())];
        // Any spelling of case, as a user may type it.
        f.province = Some(if rng.chance(30) {
            p.admin1.to_lowercase()
        } else {
            p.admin1.clone()
        });
    }
    if rng.chance(25) {
        let p = &pool[rng.below(pool.len())];
        f.place = Some(match rng.below(4) {
            0 => p.id.clone(),
            1 => p.name.clone(),
            2 => p.admin1.clone(),
            _ => p.id.to_uppercase(),
        });
    }
    if rng.chance(25) {
        f.actor = Some(Actor::ALL[rng.below(Actor::ALL.len())]);
    }
    if rng.chance(20) {
        f.outlet = OUTLETS[rng.below(3)].map(|o| {
            if rng.chance(30) {
                o.to_uppercase()
            } else {
                o.to_string()
            }
        });
    }
    if rng.chance(15) {
        // Whole years (the table's rows by year), the other filters as drawn.
        let d = random_date(rng);
        let y = d.year() + rng.below(2) as i32;
        if rng.chance(80) {
            f.from = NaiveDate::from_ymd_opt(d.year(), 1, 1);
        }
        if rng.chance(80) {
            f.to = NaiveDate::from_ymd_opt(y, 12, 31);
        }
        return f;
    }
    if rng.chance(30) {
        let d = random_date(rng);
        // Mostly whole months (the table holds them), sometimes any day.
        f.from = Some(if rng.chance(70) {
            d.with_day0(0).expect("first")
        } else {
            d
        });
    }
    if rng.chance(30) {
        let d = random_date(rng);
        f.to = Some(if rng.chance(70) {
            let first_next = if d.month() == 12 {
                NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
            }
            .expect("date");
            first_next.pred_opt().expect("date")
        } else {
            d
        });
    }
    f
}

use chrono::Datelike;

fn pairs(v: Vec<FacetCount>) -> Vec<(String, u64)> {
    v.into_iter()
        .map(|c| (c.value.to_lowercase(), c.count))
        .collect()
}

/// One backend's store, opened concretely (for the direct counts), with its test
/// database (dropped at the end).
enum Concrete {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

struct Case {
    store: Concrete,
    test: TestStore,
}

impl std::ops::Deref for Case {
    type Target = dyn Store;
    fn deref(&self) -> &(dyn Store + 'static) {
        match &self.store {
            Concrete::Sqlite(s) => s,
            Concrete::Postgres(s) => s,
        }
    }
}

impl std::ops::DerefMut for Case {
    fn deref_mut(&mut self) -> &mut (dyn Store + 'static) {
        match &mut self.store {
            Concrete::Sqlite(s) => s,
            Concrete::Postgres(s) => s,
        }
    }
}

impl Case {
    fn new(test: TestStore) -> Case {
        let store = match &test.backend {
            Backend::Sqlite(dir) => Concrete::Sqlite(SqliteStore::open(dir.path()).unwrap()),
            Backend::Postgres { url, .. } => {
                Concrete::Postgres(PostgresStore::connect(url).unwrap())
            }
        };
        Case { store, test }
    }

    fn count_direct(&self, f: &EventFilter) -> u64 {
        match &self.store {
            Concrete::Sqlite(s) => s.count_events_direct(f),
            Concrete::Postgres(s) => s.count_events_direct(f),
        }
        .unwrap()
    }

    fn facets_direct(&self, f: &EventFilter, facet: Facet, limit: usize) -> Vec<FacetCount> {
        match &self.store {
            Concrete::Sqlite(s) => s.facet_counts_direct(f, facet, limit),
            Concrete::Postgres(s) => s.facet_counts_direct(f, facet, limit),
        }
        .unwrap()
    }

    fn months_direct(&self, f: &EventFilter) -> Vec<MonthCount> {
        match &self.store {
            Concrete::Sqlite(s) => s.month_counts_direct(f),
            Concrete::Postgres(s) => s.month_counts_direct(f),
        }
        .unwrap()
    }

    fn rebuild(&mut self) {
        match &mut self.store {
            Concrete::Sqlite(s) => s.rebuild_counts(),
            Concrete::Postgres(s) => s.rebuild_counts(),
        }
        .unwrap()
    }

    /// The table's keys with a nonzero count (summed over PostgreSQL's writer slots).
    fn table(&self) -> Vec<Vec<String>> {
        // PostgreSQL too (step 11), its dictionary case-sensitive: shown as the texts.
        let sql = "SELECT g, CASE k1 WHEN 0 THEN '' ELSE chr(k1) END, lower(t1.term),
                          CASE k2 WHEN 0 THEN '' ELSE chr(k2) END, lower(t2.term),
                          tt.term::text, ts.term::text,
                          CASE WHEN m0 = 0 THEN '' WHEN g = 1
                               THEN to_char(m0 / 100, 'FM0000') || '-' || to_char(m0 % 100, 'FM00')
                               ELSE to_char(m0, 'FM0000') END,
                          CASE WHEN m1 = 0 THEN '' WHEN g = 1
                               THEN to_char(m1 / 100, 'FM0000') || '-' || to_char(m1 % 100, 'FM00')
                               ELSE to_char(m1, 'FM0000') END,
                          CAST(sum(n) AS BIGINT)
                   FROM event_counts
                   JOIN count_terms t1 ON t1.id = v1 JOIN count_terms t2 ON t2.id = v2
                   JOIN count_terms tt ON tt.id = event_type
                   JOIN count_terms ts ON ts.id = review_state
                   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 HAVING sum(n) <> 0
                   ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9";
        // SQLite keeps integer keys (migration 13): shown as the same texts.
        let sqlite_sql = "SELECT g, CASE k1 WHEN 0 THEN '' ELSE char(k1) END, lower(t1.term),
                                 CASE k2 WHEN 0 THEN '' ELSE char(k2) END, lower(t2.term),
                                 tt.term, ts.term,
                                 CASE WHEN m0 = 0 THEN '' WHEN g = 1
                                      THEN printf('%04d-%02d', m0 / 100, m0 % 100)
                                      ELSE printf('%04d', m0) END,
                                 CASE WHEN m1 = 0 THEN '' WHEN g = 1
                                      THEN printf('%04d-%02d', m1 / 100, m1 % 100)
                                      ELSE printf('%04d', m1) END,
                                 sum(n)
                          FROM event_counts
                          JOIN count_terms t1 ON t1.id = v1 JOIN count_terms t2 ON t2.id = v2
                          JOIN count_terms tt ON tt.id = event_type
                          JOIN count_terms ts ON ts.id = review_state
                          GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 HAVING sum(n) <> 0
                          ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9";
        match &self.test.backend {
            Backend::Sqlite(dir) => {
                let raw = rusqlite::Connection::open(dir.path().join("lantern.db")).unwrap();
                let mut stmt = raw.prepare(sqlite_sql).unwrap();
                let rows = stmt
                    .query_map([], |r| {
                        (0..10)
                            .map(|i| {
                                r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                                    rusqlite::types::Value::Integer(n) => n.to_string(),
                                    rusqlite::types::Value::Text(s) => s,
                                    other => format!("{other:?}"),
                                })
                            })
                            .collect::<rusqlite::Result<Vec<String>>>()
                    })
                    .unwrap()
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .unwrap();
                rows
            }
            Backend::Postgres { url, .. } => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
                c.query(sql, &[])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        let mut v: Vec<String> = vec![r.get::<_, i16>(0).to_string()];
                        v.extend((1..9).map(|i| r.get::<_, String>(i)));
                        v.push(r.get::<_, i64>(9).to_string());
                        v
                    })
                    .collect()
            }
        }
    }
}

/// Every count the table can answer equals the direct count, for `n` random filters.
fn check_filters(store: &Case, rng: &mut Rng, n: usize) {
    let name = store.test.name();
    for i in 0..n {
        let f = if i == 0 {
            EventFilter::default()
        } else {
            random_filter(rng)
        };
        assert_eq!(
            store.count_events(&f).unwrap(),
            store.count_direct(&f),
            "{name}: count of {f:?}"
        );
        // The listing (which bounds dates with the table's longest span) lists them all.
        assert_eq!(
            store.events(&f).unwrap().len() as u64,
            store.count_direct(&f),
            "{name}: listing of {f:?}"
        );
        for facet in Facet::ALL {
            assert_eq!(
                pairs(store.facet_counts(&f, facet, 1000).unwrap()),
                pairs(store.facets_direct(&f, facet, 1000)),
                "{name}: {facet:?} of {f:?}"
            );
            // With a small limit the same values come first (ties broken alike).
            assert_eq!(
                pairs(store.facet_counts(&f, facet, 3).unwrap()),
                pairs(store.facets_direct(&f, facet, 3)),
                "{name}: {facet:?} (limit 3) of {f:?}"
            );
        }
        // All facets at once (SQLite: the joined ones over one set of ids), in order.
        for limit in [1000, 3] {
            let many = store.facet_counts_many(&f, &Facet::ALL, limit).unwrap();
            assert_eq!(many.len(), Facet::ALL.len());
            for (facet, got) in Facet::ALL.into_iter().zip(many) {
                assert_eq!(
                    pairs(got),
                    pairs(store.facets_direct(&f, facet, limit)),
                    "{name}: {facet:?} (many, limit {limit}) of {f:?}"
                );
            }
        }
        // A subset in another order, and with text filters (every report; one).
        let some = [Facet::Outlet, Facet::Place, Facet::Actor];
        let text = |t: &str| EventFilter {
            text: Some(t.to_string()),
            ..f.clone()
        };
        for g in [f.clone(), text("traders"), text("\"report 3\"")] {
            let many = store.facet_counts_many(&g, &some, 1000).unwrap();
            for (facet, got) in some.into_iter().zip(many) {
                assert_eq!(
                    pairs(got),
                    pairs(store.facets_direct(&g, facet, 1000)),
                    "{name}: {facet:?} (many, subset) of {g:?}"
                );
            }
            let many = store.facet_counts_many(&g, &Facet::ALL, 3).unwrap();
            for (facet, got) in Facet::ALL.into_iter().zip(many) {
                assert_eq!(
                    pairs(got),
                    pairs(store.facets_direct(&g, facet, 3)),
                    "{name}: {facet:?} (many, all, limit 3) of {g:?}"
                );
            }
        }
        assert_eq!(
            store.month_counts(&f).unwrap(),
            store.months_direct(&f),
            "{name}: months of {f:?}"
        );
    }
}

/// The table as kept by the writes equals the table recounted from scratch.
fn check_table(store: &mut Case) {
    let kept = store.table();
    assert!(!kept.is_empty());
    store.rebuild();
    assert_eq!(
        kept,
        store.table(),
        "{}: kept counts differ from a recount",
        store.test.name()
    );
}

/// One random store per backend.
fn random_stores(seed: u64, reports: usize) -> Vec<(Case, Rng)> {
    stores()
        .into_iter()
        .map(|t| {
            let mut store = Case::new(t);
            let mut rng = Rng(seed);
            let mut i = 0;
            while i < reports {
                let batch: Vec<FileInput> = (i..(i + 7).min(reports))
                    .map(|j| random_file(&mut rng, j))
                    .collect();
                i += batch.len();
                store.ingest_batch(&batch).unwrap();
            }
            (store, rng)
        })
        .collect()
}

#[test]
fn table_counts_equal_direct_counts_for_random_filters() {
    for seed in [1, 2, 3] {
        for (mut store, mut rng) in random_stores(seed, 60) {
            check_filters(&store, &mut rng, 120);
            check_table(&mut store);
        }
    }
}

#[test]
fn table_counts_stay_exact_after_reviews_and_reextraction() {
    for (mut store, mut rng) in random_stores(7, 50) {
        let ids: Vec<i64> = store
            .events(&EventFilter::default())
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert!(ids.len() > 60);
        // Confirm, reject and edit some events (an edit changes type, places, actors, date).
        for (k, id) in ids.iter().step_by(3).enumerate() {
            let decision = match k % 3 {
                0 => ReviewDecision::Confirm,
                1 => ReviewDecision::Reject,
                _ => ReviewDecision::Edit(Box::new(random_event(&mut rng))),
            };
            store.review_event(*id, "ana", &decision, None).unwrap();
        }
        // A second decision on an already reviewed event.
        store
            .review_event(ids[0], "ana", &ReviewDecision::Reject, None)
            .unwrap();
        check_filters(&store, &mut rng, 80);
        check_table(&mut store);

        // Re-extract some reports: machine events are replaced, reviewed ones stay.
        let reports: Vec<String> = store
            .reports(100, 0)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        for r in reports.iter().step_by(4) {
            let events: Vec<Event> = (0..rng.below(5)).map(|_| random_event(&mut rng)).collect();
            store.replace_machine_events(r, &events, "test-2").unwrap();
        }
        check_filters(&store, &mut rng, 80);
        check_table(&mut store);
        assert!(
            store
                .count_events(&EventFilter {
                    review_state: Some(ReviewState::Rejected),
                    ..Default::default()
                })
                .unwrap()
                > 0
        );
    }
}

#[test]
fn the_table_is_what_answers_the_filters_it_holds() {
    for (store, _) in random_stores(11, 20) {
        let province_outlet = EventFilter {
            province: Some("Ryanggang".into()),
            outlet: Some("test wire".into()),
            ..Default::default()
        };
        let dated = EventFilter {
            province: Some("Ryanggang".into()),
            from: NaiveDate::from_ymd_opt(2020, 1, 1),
            to: NaiveDate::from_ymd_opt(2021, 12, 31),
            ..Default::default()
        };
        let odd_day = EventFilter {
            from: NaiveDate::from_ymd_opt(2020, 1, 2),
            ..Default::default()
        };
        // Whole years with two tags (rows by year), and with a place.
        let year_two_tags = EventFilter {
            province: Some("Ryanggang".into()),
            actor: Some(Actor::ALL[0]),
            from: NaiveDate::from_ymd_opt(2020, 1, 1),
            to: NaiveDate::from_ymd_opt(2020, 12, 31),
            ..Default::default()
        };
        let year_place = EventFilter {
            place: Some("kp-musan".into()),
            from: NaiveDate::from_ymd_opt(2019, 1, 1),
            ..Default::default()
        };
        // Whole months (not years) with a province and another tag: held (the monthly
        // pairs of a province, migration 16); with two tags neither a province: not held.
        let months_two_tags = EventFilter {
            from: NaiveDate::from_ymd_opt(2020, 2, 1),
            ..year_two_tags.clone()
        };
        let months_no_province = EventFilter {
            province: None,
            outlet: Some("test wire".into()),
            ..months_two_tags.clone()
        };
        let before: Vec<u64> = [
            &EventFilter::default(),
            &province_outlet,
            &dated,
            &odd_day,
            &year_two_tags,
            &year_place,
            &months_two_tags,
            &months_no_province,
        ]
        .iter()
        .map(|f| store.count_events(f).unwrap())
        .collect();
        let facet_sum = |f: &EventFilter, facet: Facet| -> u64 {
            store
                .facet_counts(f, facet, 1000)
                .unwrap()
                .iter()
                .map(|c| c.count)
                .sum()
        };
        // A date-ranged filter with a tag: its place, actor and outlet facets.
        let province_year = EventFilter {
            province: Some("Ryanggang".into()),
            from: NaiveDate::from_ymd_opt(2020, 1, 1),
            to: NaiveDate::from_ymd_opt(2021, 12, 31),
            ..Default::default()
        };
        let facets_before: Vec<u64> = [Facet::Place, Facet::Actor, Facet::Outlet]
            .iter()
            .map(|f| facet_sum(&province_year, *f))
            .collect();
        // The search page's type x province x month: every facet from the table.
        // (The first such filter, by type and month, with an event.)
        let type_province_month = EventType::ALL
            .iter()
            .flat_map(|t| {
                (2019..2023).flat_map(move |y| {
                    (1..=12).map(move |m| {
                        let from = NaiveDate::from_ymd_opt(y, m, 1).expect("date");
                        EventFilter {
                            event_type: Some(*t),
                            province: Some("Ryanggang".into()),
                            from: Some(from),
                            to: from
                                .checked_add_months(chrono::Months::new(1))
                                .and_then(|d| d.pred_opt()),
                            ..Default::default()
                        }
                    })
                })
            })
            .find(|f| store.count_events(f).unwrap() > 0)
            .expect("a type, Ryanggang and a month with events");
        let month_facets = [Facet::Province, Facet::Place, Facet::Actor, Facet::Outlet];
        let month_before: Vec<u64> = month_facets
            .iter()
            .map(|f| facet_sum(&type_province_month, *f))
            .collect();
        // Add 1000 to every row: the answers read from the table change, the others not.
        store
            .test
            .raw_exec("UPDATE event_counts SET n = n + 1000")
            .unwrap();
        assert!(store.count_events(&EventFilter::default()).unwrap() > before[0]);
        assert!(store.count_events(&province_outlet).unwrap() > before[1]);
        assert!(store.count_events(&dated).unwrap() > before[2]);
        assert_eq!(store.count_events(&odd_day).unwrap(), before[3]);
        assert!(store.count_events(&year_two_tags).unwrap() > before[4]);
        assert!(store.count_events(&year_place).unwrap() > before[5]);
        assert!(store.count_events(&months_two_tags).unwrap() > before[6]);
        assert_eq!(store.count_events(&months_no_province).unwrap(), before[7]);
        for (i, f) in month_facets.iter().enumerate() {
            assert!(
                facet_sum(&type_province_month, *f) > month_before[i],
                "{f:?} of a type, a province and a month is read from the table"
            );
        }
        for (i, f) in [Facet::Place, Facet::Actor, Facet::Outlet]
            .iter()
            .enumerate()
        {
            assert!(
                facet_sum(&province_year, *f) > facets_before[i],
                "{f:?} of a province over whole years is read from the table"
            );
        }
    }
}

#[test]
fn a_postgres_store_migrates_to_the_count_table_with_its_data() {
    let Some(test) = postgres_store() else {
        return;
    };
    let mut store = Case::new(test);
    let mut rng = Rng(5);
    let batch: Vec<FileInput> = (0..30).map(|j| random_file(&mut rng, j)).collect();
    store.ingest_batch(&batch).unwrap();
    let kept = store.table();
    // Back to version 4: no count table (nor step 6's incremental-incident tables).
    store
        .test
        .raw_exec(
            "DROP TABLE event_counts; DROP TABLE count_terms;
             DROP TABLE report_bands; DROP TABLE incident_blocks;
             ALTER TABLE report_signatures DROP COLUMN banded;
             DROP TRIGGER events_changed ON events; DROP FUNCTION lantern_events_changed();
             DROP TABLE event_change_slots; UPDATE schema_version SET version = 4",
        )
        .unwrap();
    let again = Case::new(store.test);
    assert_eq!(again.schema_version().unwrap(), 14);
    assert_eq!(again.table(), kept);
    check_filters(&again, &mut rng, 30);
}

#[test]
fn concurrent_postgres_writers_keep_the_counts_exact() {
    let Some(test) = postgres_store() else {
        return;
    };
    let Backend::Postgres { url, .. } = &test.backend else {
        return;
    };
    // Four writers at once, each its own connection: hot keys (every event adds to its
    // type's total) are written in separate slots, so no one waits or deadlocks.
    let workers: Vec<_> = (0..4u64)
        .map(|w| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut store = PostgresStore::connect(&url).unwrap();
                let mut rng = Rng(100 + w);
                for b in 0..5 {
                    let batch: Vec<FileInput> = (0..6)
                        .map(|j| random_file(&mut rng, 1000 * w as usize + 10 * b + j))
                        .collect();
                    store.ingest_batch(&batch).unwrap();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut store = Case::new(test);
    let mut rng = Rng(9);
    check_filters(&store, &mut rng, 25);
    check_table(&mut store);
}

/// SQLite: (watermark, largest event id) of a store's file, read on a connection of
/// its own.
fn watermark_and_max(dir: &std::path::Path) -> (Option<i64>, i64) {
    let raw = rusqlite::Connection::open(dir.join("lantern.db")).unwrap();
    let w: Option<String> = raw
        .query_row(
            "SELECT value FROM settings WHERE key = 'counts_watermark'",
            [],
            |r| r.get(0),
        )
        .ok();
    let max: i64 = raw
        .query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))
        .unwrap();
    (w.map(|w| w.parse().unwrap()), max)
}

/// SQLite defers the count table of bulk batches (64 files or more) and folds them at
/// `finish_ingest`: between folds the events above the watermark are counted directly,
/// and reviews, edits and re-extractions of events on either side of it, a stopped
/// writer (its in-memory sums lost, as by kill -9) and the fold at the next open all
/// keep every count exact.
#[test]
fn sqlite_counts_stay_exact_between_folds() {
    let test = sqlite_store();
    let Backend::Sqlite(dir) = &test.backend else {
        unreachable!()
    };
    let dir = dir.path().to_path_buf();
    let mut store = Case::new(test);
    let mut rng = Rng(23);
    let mut next = 0;
    let mut bulk = |store: &mut Case, rng: &mut Rng, n: usize| {
        let batch: Vec<FileInput> = (next..next + n).map(|j| random_file(rng, j)).collect();
        next += n;
        store.ingest_batch(&batch).unwrap();
    };

    // Two deferred batches: nothing folded yet, every read exact.
    bulk(&mut store, &mut rng, 70);
    bulk(&mut store, &mut rng, 70);
    let (w, max) = watermark_and_max(&dir);
    assert_eq!(w, Some(0), "nothing folded before the first batch");
    assert!(max > 100);
    assert!(store.table().is_empty());
    check_filters(&store, &mut rng, 60);
    // The fold with the in-memory sums.
    store.finish_ingest().unwrap();
    assert_eq!(watermark_and_max(&dir), (Some(max), max));
    check_filters(&store, &mut rng, 25);
    check_table(&mut store);

    // A third batch above the watermark, then reviews and edits on both sides of it.
    bulk(&mut store, &mut rng, 80);
    let (w, max2) = watermark_and_max(&dir);
    assert_eq!(w, Some(max));
    assert!(max2 > max);
    let below: Vec<i64> = (1..=max).step_by(5).collect();
    let above: Vec<i64> = (max + 1..=max2).step_by(4).collect();
    for (k, id) in below.iter().chain(&above).enumerate() {
        let decision = match k % 3 {
            0 => ReviewDecision::Confirm,
            1 => ReviewDecision::Reject,
            _ => ReviewDecision::Edit(Box::new(random_event(&mut rng))),
        };
        store.review_event(*id, "ana", &decision, None).unwrap();
    }
    check_filters(&store, &mut rng, 25);
    check_table(&mut store);
    // Re-extraction of reports whose events are below and above the watermark.
    let reports: Vec<String> = store
        .reports(1000, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    for r in reports.iter().step_by(7) {
        let events: Vec<Event> = (0..rng.below(5)).map(|_| random_event(&mut rng)).collect();
        store.replace_machine_events(r, &events, "test-2").unwrap();
    }
    check_filters(&store, &mut rng, 25);
    check_table(&mut store);
    // The fold reads the events back (reviews made the in-memory sums stale).
    store.finish_ingest().unwrap();
    let (w, max3) = watermark_and_max(&dir);
    assert_eq!(w, Some(max3));
    check_filters(&store, &mut rng, 25);
    check_table(&mut store);

    // A writer stopped between folds: its batches are committed, its sums lost.
    bulk(&mut store, &mut rng, 90);
    let (w, max4) = watermark_and_max(&dir);
    assert_eq!(w, Some(max3));
    assert!(max4 > max3);
    let Case { test, .. } = store;
    // Another connection opening while the store is locked leaves the events unfolded
    // (it does not wait) and reads them exactly.
    let lock = rusqlite::Connection::open(dir.join("lantern.db")).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut reader = Case::new(test);
    lock.execute_batch("ROLLBACK").unwrap();
    assert_eq!(watermark_and_max(&dir), (Some(max3), max4));
    check_filters(&reader, &mut rng, 25);
    check_table(&mut reader);
    // The next open folds them.
    let Case { test, .. } = reader;
    let mut store = Case::new(test);
    assert_eq!(watermark_and_max(&dir), (Some(max4), max4));
    check_filters(&store, &mut rng, 25);
    check_table(&mut store);

    // Small batches (the web app) fold at once, including what is unfolded below them.
    bulk(&mut store, &mut rng, 70);
    bulk(&mut store, &mut rng, 3);
    let (w, max5) = watermark_and_max(&dir);
    assert_eq!(w, Some(max5));
    check_filters(&store, &mut rng, 25);
    check_table(&mut store);
}

/// A report of outlet `outlet` with one event at the new place `place_id` (province
/// `province`): terms no stored event has.
fn file_with_terms(i: usize, outlet: &str, place_id: &str, province: &str) -> FileInput {
    let bytes = format!(
        "---\ntitle: Terms {i}\noutlet: {outlet}\npublished: 2021-0{}-11\n---\nBody {i}.\n",
        1 + i % 9
    )
    .into_bytes();
    let e = dated(
        event(
            EventType::ALL[i % EventType::ALL.len()],
            vec![Actor::ALL[i % Actor::ALL.len()]],
            vec![place(place_id, &format!("Name of {place_id}"), province)],
        ),
        "2021-03-04",
        None,
    );
    file_input(bytes, &format!("terms-{i}.txt"), vec![e])
}

/// Two connections add the same new terms of the count table's dictionary at once
/// (ingest batches whose outlets, place ids and provinces no stored event has, then
/// edits that name the same new place in their transactions): each term gets one id,
/// no batch fails or deadlocks, and the counts stay exact.
#[test]
fn two_postgres_writers_add_the_same_new_terms_at_once() {
    let Some(test) = postgres_store() else {
        return;
    };
    let Backend::Postgres { url, .. } = &test.backend else {
        return;
    };
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<_> = (0..2usize)
        .map(|w| {
            let url = url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut store = PostgresStore::connect(&url).unwrap();
                for round in 0..12 {
                    // The same new terms in both workers' batches, in opposite orders.
                    let mut batch: Vec<FileInput> = (0..4)
                        .map(|j| {
                            let k = if w == 0 { j } else { 3 - j };
                            file_with_terms(
                                1000 * w + 10 * round + j,
                                &format!("Outlet {round}-{k}"),
                                &format!("new-{round}-{k}"),
                                &format!("Province {round}-{}", k % 2),
                            )
                        })
                        .collect();
                    if w == 1 {
                        batch.reverse();
                    }
                    barrier.wait();
                    store.ingest_batch(&batch).unwrap();
                }
                // Edits (terms added inside the review's transaction) naming the same
                // new places at once.
                let ids: Vec<i64> = store
                    .events(&EventFilter::default())
                    .unwrap()
                    .into_iter()
                    .map(|e| e.id)
                    .collect();
                for round in 0..6 {
                    let id = ids[(2 * round + w) % ids.len()];
                    let e = event(
                        EventType::Arrest,
                        vec![Actor::StateSecurity],
                        vec![
                            place(&format!("edit-{round}-a"), "Edited A", "Edit Province"),
                            place(&format!("edit-{round}-b"), "Edited B", "Edit Province"),
                        ],
                    );
                    barrier.wait();
                    store
                        .review_event(id, "ana", &ReviewDecision::Edit(Box::new(e)), None)
                        .unwrap();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut raw = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let terms: i64 = raw
        .query_one(
            "SELECT count(*) FROM count_terms
             WHERE term LIKE 'new-%' OR term LIKE 'Outlet %' OR term LIKE 'edit-%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(terms, 12 * 4 * 2 + 6 * 2, "each new term once");
    let mut store = Case::new(test);
    let mut rng = Rng(31);
    check_filters(&store, &mut rng, 40);
    for round in [0, 5, 11] {
        let f = EventFilter {
            outlet: Some(format!("outlet {round}-1")),
            ..Default::default()
        };
        assert_eq!(
            store.count_events(&f).unwrap(),
            2,
            "each worker stored one report of the outlet"
        );
    }
    check_table(&mut store);
}

/// A writer whose new term another open transaction has just added waits for that
/// transaction and then uses its id (committed), or adds the term itself (rolled
/// back): no error either way.
#[test]
fn a_postgres_writer_waits_for_a_term_added_by_an_open_transaction() {
    let Some(test) = postgres_store() else {
        return;
    };
    let Backend::Postgres { url, .. } = &test.backend else {
        return;
    };
    let mut holder = postgres::Client::connect(url, postgres::NoTls).unwrap();
    for (k, commit) in [(0usize, true), (1, false)] {
        let mut tx = holder.transaction().unwrap();
        let held: i32 = tx
            .query_one(
                "INSERT INTO count_terms(term) VALUES ($1) RETURNING id",
                &[&format!("Held Outlet {k}")],
            )
            .unwrap()
            .get(0);
        let url2 = url.clone();
        let writer = std::thread::spawn(move || {
            let mut store = PostgresStore::connect(&url2).unwrap();
            let file = file_with_terms(k, &format!("Held Outlet {k}"), "held-place", "Held");
            store.ingest_batch(&[file]).unwrap();
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(
            !writer.is_finished(),
            "the writer waits for the open insert"
        );
        if commit {
            tx.commit().unwrap();
        } else {
            tx.rollback().unwrap();
        }
        writer.join().unwrap();
        let id: i32 = holder
            .query_one(
                "SELECT id FROM count_terms WHERE term = $1",
                &[&format!("Held Outlet {k}")],
            )
            .unwrap()
            .get(0);
        assert_eq!(id == held, commit);
    }
    let mut store = Case::new(test);
    let f = EventFilter {
        outlet: Some("held outlet 1".into()),
        ..Default::default()
    };
    assert_eq!(store.count_events(&f).unwrap(), 1);
    check_table(&mut store);
}

/// A step-10 table (text keys, several writer slots) migrates to the latest schema with
/// the same counts, every filter exact. Step 11 converts such a table by joining the new
/// dictionary; since step 13 (month-grain province pairs) recounts after it in the same
/// run, a run from step 10 now empties the converted table and step 13 recounts it.
#[test]
fn a_postgres_text_count_table_converts_to_integer_keys() {
    let Some(test) = postgres_store() else {
        return;
    };
    let mut store = Case::new(test);
    let mut rng = Rng(17);
    let batch: Vec<FileInput> = (0..40).map(|j| random_file(&mut rng, j)).collect();
    store.ingest_batch(&batch).unwrap();
    let kept = store.table();
    // Back to step 10: the text table of that step, each key split over two slots
    // (slot 1 holds 1, slot 0 the rest, which may be 0).
    store
        .test
        .raw_exec(
            r#"CREATE TABLE counts10 (
                g smallint NOT NULL, k1 text COLLATE "C" NOT NULL, v1 text COLLATE "C" NOT NULL,
                k2 text COLLATE "C" NOT NULL, v2 text COLLATE "C" NOT NULL,
                event_type text COLLATE "C" NOT NULL, review_state text COLLATE "C" NOT NULL,
                m0 text COLLATE "C" NOT NULL, m1 text COLLATE "C" NOT NULL,
                slot smallint NOT NULL, n bigint NOT NULL,
                PRIMARY KEY (g, k1, v1, k2, v2, event_type, review_state, m0, m1, slot));
            CREATE INDEX counts10_tags ON counts10(g, k1, lower(v1), k2, lower(v2));
            INSERT INTO counts10
                SELECT g, CASE k1 WHEN 0 THEN '' ELSE chr(k1) END, t1.term,
                       CASE k2 WHEN 0 THEN '' ELSE chr(k2) END, t2.term, tt.term, ts.term,
                       CASE WHEN m0 = 0 THEN '' WHEN g = 1
                            THEN to_char(m0 / 100, 'FM0000') || '-' || to_char(m0 % 100, 'FM00')
                            ELSE to_char(m0, 'FM0000') END,
                       CASE WHEN m1 = 0 THEN '' WHEN g = 1
                            THEN to_char(m1 / 100, 'FM0000') || '-' || to_char(m1 % 100, 'FM00')
                            ELSE to_char(m1, 'FM0000') END,
                       s.slot, CASE s.slot WHEN 1 THEN 1 ELSE n - 1 END
                FROM event_counts
                JOIN count_terms t1 ON t1.id = v1 JOIN count_terms t2 ON t2.id = v2
                JOIN count_terms tt ON tt.id = event_type
                JOIN count_terms ts ON ts.id = review_state
                CROSS JOIN (VALUES (0), (1)) s(slot);
            DROP TABLE event_counts; DROP TABLE count_terms;
            ALTER TABLE counts10 RENAME TO event_counts;
            UPDATE schema_version SET version = 10"#,
        )
        .unwrap();
    let mut again = Case::new(store.test);
    assert_eq!(again.schema_version().unwrap(), 14);
    assert_eq!(again.table(), kept);
    check_filters(&again, &mut rng, 40);
    check_table(&mut again);
}
