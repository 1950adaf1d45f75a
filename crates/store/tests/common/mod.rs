//! Helpers shared by the store tests: small hand-written reports and literal events.
#![allow(dead_code)]

use chrono::NaiveDate;
use lantern_extract::{
    Actor, Attribution, Event, EventDate, EventPlace, EventType, Level, Modality, PlaceRole,
    Precision, Quantity, QuantityKind,
};
use lantern_store::FileInput;

pub const VERSION: &str = "test-1";

/// A front-matter text file.
pub fn text_file(title: &str, published: &str, body: &str) -> Vec<u8> {
    format!("---\ntitle: {title}\noutlet: Test Wire\npublished: {published}\n---\n{body}\n")
        .into_bytes()
}

/// Parse bytes with the ingest crate and attach the given events to every report.
pub fn file_input(bytes: Vec<u8>, path: &str, events: Vec<Event>) -> FileInput {
    let reports = lantern_ingest::parse_file(&bytes, path, "2026-11-28T12:00:00Z")
        .expect("parse")
        .into_iter()
        .map(|r| (r.expect("item"), events.clone()))
        .collect();
    FileInput {
        original: bytes,
        source_path: path.to_string(),
        reports,
        extractor_version: VERSION.to_string(),
    }
}

pub fn place(id: &str, name: &str, admin1: &str) -> EventPlace {
    EventPlace {
        id: id.into(),
        name: name.into(),
        admin1: admin1.into(),
        level: Level::City,
        lat: 41.4,
        lon: 128.2,
        approximate: false,
        role: PlaceRole::Location,
        span: (0, 4),
    }
}

pub fn event(t: EventType, actors: Vec<Actor>, places: Vec<EventPlace>) -> Event {
    Event {
        event_type: t,
        modality: Modality::Happened,
        negated: false,
        actors,
        places,
        date: None,
        attribution: Some(Attribution {
            text: "a source in the province".into(),
            span: (5, 29),
        }),
        quantities: vec![Quantity {
            kind: QuantityKind::People,
            value: Some(3.0),
            unit: Some("person".into()),
            text: "three people".into(),
            span: (30, 42),
        }],
        evidence: vec![(0, 10), (12, 20)],
        confidence: 0.75,
    }
}

pub fn dated(mut e: Event, start: &str, end: Option<&str>) -> Event {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    e.date = Some(EventDate {
        start: Some(d(start)),
        end: end.map(d),
        precision: if end.is_some() {
            Precision::Range
        } else {
            Precision::Day
        },
        text: "last week".into(),
        span: (1, 9),
    });
    e
}

pub fn hyesan() -> EventPlace {
    place("kp-hyesan", "Hyesan", "Ryanggang")
}

pub fn onsong() -> EventPlace {
    place("kp-onsong", "Onsŏng", "North Hamgyong")
}

/// Three events for synthetic reports.
pub fn three_events() -> Vec<Event> {
    vec![
        event(
            EventType::Arrest,
            vec![Actor::StateSecurity],
            vec![hyesan()],
        ),
        event(EventType::Smuggling, vec![], vec![hyesan()]),
        dated(
            event(
                EventType::Crackdown,
                vec![Actor::SocialSecurity, Actor::Party],
                vec![onsong()],
            ),
            "2024-03-01",
            Some("2024-03-10"),
        ),
    ]
}

/// A synthetic report file number `i` (distinct body per `i`).
pub fn synthetic(i: usize) -> FileInput {
    let bytes = text_file(
        &format!("Market report {i}"),
        &format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
        &format!(
            "Report number {i}. Traders in Hyesan said inspections at the market grew \
             stricter this month; a source said {} people were questioned about phones.",
            i % 50
        ),
    );
    file_input(bytes, &format!("inbox/report-{i}.txt"), three_events())
}

// ---- Backends: every contract test runs on each store returned by `stores()`.

use std::sync::atomic::{AtomicUsize, Ordering};

use lantern_store::{PostgresStore, SqliteStore, Store, StoreError};

/// Environment variable naming a PostgreSQL server URL (a database on it that the
/// tests may connect to, e.g. `postgres://postgres@127.0.0.1:5432/postgres`). When set,
/// every contract test also runs on PostgreSQL, in a throwaway database of its own.
pub const POSTGRES_ENV: &str = "LANTERN_TEST_POSTGRES";

/// Where a test store lives.
pub enum Backend {
    /// A SQLite data folder.
    Sqlite(tempfile::TempDir),
    /// A throwaway PostgreSQL database, dropped at the end.
    Postgres {
        admin_url: String,
        url: String,
        db: String,
    },
}

/// A store for one test, with what is needed to reach its database directly.
/// Derefs to the store; dropping it removes the database.
pub struct TestStore {
    /// `None` only while being dropped.
    store: Option<Box<dyn Store>>,
    pub backend: Backend,
}

impl std::ops::Deref for TestStore {
    type Target = dyn Store;
    fn deref(&self) -> &(dyn Store + 'static) {
        self.store.as_deref().expect("store is open")
    }
}

impl std::ops::DerefMut for TestStore {
    fn deref_mut(&mut self) -> &mut (dyn Store + 'static) {
        self.store.as_deref_mut().expect("store is open")
    }
}

impl TestStore {
    /// "sqlite" or "postgres", for messages.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }

    /// Open another connection to the same database (another process would).
    pub fn try_reopen(&self) -> Result<Box<dyn Store>, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite(dir) => Box::new(SqliteStore::open(dir.path())?),
            Backend::Postgres { url, .. } => Box::new(PostgresStore::connect(url)?),
        })
    }

    pub fn reopen(&self) -> Box<dyn Store> {
        self.try_reopen().expect("reopen store")
    }

    /// Run SQL on the database directly, past the store; the error message if it fails.
    pub fn raw_exec(&self, sql: &str) -> Result<(), String> {
        match &self.backend {
            Backend::Sqlite(dir) => {
                let raw = rusqlite::Connection::open(dir.path().join("lantern.db"))
                    .map_err(|e| e.to_string())?;
                raw.execute_batch(sql).map_err(|e| e.to_string())
            }
            Backend::Postgres { url, .. } => {
                let mut c =
                    postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
                c.batch_execute(sql).map_err(|e| match e.as_db_error() {
                    Some(db) => db.message().to_string(),
                    None => e.to_string(),
                })
            }
        }
    }

    /// Change a stored original's bytes behind the store's back (disabling the guard).
    pub fn tamper_original(&self, sha: &str) {
        let sql = match &self.backend {
            Backend::Sqlite(_) => format!(
                "DROP TRIGGER originals_no_update;
                 UPDATE originals SET bytes = CAST('tampered' AS BLOB) WHERE sha256 = '{sha}';"
            ),
            Backend::Postgres { .. } => format!(
                "ALTER TABLE originals DISABLE TRIGGER originals_no_change;
                 UPDATE originals SET bytes = 'tampered'::bytea WHERE sha256 = '{sha}';
                 ALTER TABLE originals ENABLE TRIGGER originals_no_change;"
            ),
        };
        self.raw_exec(&sql).expect("tamper");
    }

    /// Mark the database as written by a program with schema version `v`.
    pub fn set_schema_version(&self, v: u32) {
        let sql = match &self.backend {
            Backend::Sqlite(_) => format!("PRAGMA user_version = {v}"),
            Backend::Postgres { .. } => format!("UPDATE schema_version SET version = {v}"),
        };
        self.raw_exec(&sql).expect("set schema version");
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Backend::Postgres { admin_url, db, .. } = &self.backend {
            // Close the store's connection first.
            self.store = None;
            if let Ok(mut c) = postgres::Client::connect(admin_url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
    }
}

static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh SQLite store in a temporary folder.
pub fn sqlite_store() -> TestStore {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path()).expect("open sqlite store");
    TestStore {
        store: Some(Box::new(store)),
        backend: Backend::Sqlite(dir),
    }
}

/// The URL of a database `db` on the server of `admin_url`.
fn database_url(admin_url: &str, db: &str) -> String {
    let (base, query) = match admin_url.find('?') {
        Some(q) => (&admin_url[..q], &admin_url[q..]),
        None => (admin_url, ""),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    match base[scheme_end..].find('/') {
        Some(slash) => format!("{}/{db}{query}", &base[..scheme_end + slash]),
        None => format!("{base}/{db}{query}"),
    }
}

/// A fresh PostgreSQL store in a new database, when `LANTERN_TEST_POSTGRES` is set.
pub fn postgres_store() -> Option<TestStore> {
    let admin_url = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let db = format!(
        "lantern_test_{}_{}_{}",
        std::process::id(),
        DB_COUNTER.fetch_add(1, Ordering::SeqCst),
        nanos
    );
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin_url}: cannot connect: {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap_or_else(|e| panic!("CREATE DATABASE {db}: {e}"));
    let url = database_url(&admin_url, &db);
    let store = PostgresStore::connect(&url).expect("connect postgres store");
    Some(TestStore {
        store: Some(Box::new(store)),
        backend: Backend::Postgres { admin_url, url, db },
    })
}

/// One fresh store per backend: SQLite always, PostgreSQL when `LANTERN_TEST_POSTGRES`
/// names a server.
pub fn stores() -> Vec<TestStore> {
    let mut v = vec![sqlite_store()];
    v.extend(postgres_store());
    for s in &v {
        eprintln!("-- backend: {}", s.name());
    }
    v
}

/// An analyst's split: `moved` out of `incident`, away from `rest`, recorded as `who`
/// (filed in the audit log under the first moved event).
pub fn split_out(
    store: &mut dyn lantern_store::Store,
    incident: &str,
    moved: &[&lantern_store::IncidentEvent],
    rest: &[&lantern_store::IncidentEvent],
    who: &str,
) -> lantern_store::IncidentPin {
    let keys = |events: &[&lantern_store::IncidentEvent]| -> Vec<String> {
        events.iter().map(|e| e.key.clone()).collect()
    };
    store
        .add_incident_pin(
            &lantern_store::NewIncidentPin {
                kind: lantern_store::PinKind::Split,
                keys: keys(moved),
                others: keys(rest),
                incidents: vec![incident.to_string()],
                audit_event_id: moved[0].event_id,
                note: None,
            },
            who,
        )
        .expect("split pin")
}

/// The folder of the labelled fixture reports of the incidents crate (written for this
/// project).
pub fn incident_fixtures() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../incidents/tests/fixtures/reports")
}

/// A report file parsed and extracted as `lantern ingest` would, ready to store.
pub fn extracted_file(path: &std::path::Path) -> FileInput {
    let name = path
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .to_string();
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reports = lantern_ingest::parse_file(&bytes, &name, "2026-11-28T12:00:00Z")
        .expect("parse")
        .into_iter()
        .map(|r| {
            let r = r.expect("item");
            let e = lantern_extract::extract(&r);
            (r, e)
        })
        .collect();
    FileInput {
        original: bytes,
        source_path: name,
        reports,
        extractor_version: lantern_extract::EXTRACTOR_VERSION.into(),
    }
}
