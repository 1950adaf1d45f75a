//! Team scale, end to end through the `lantern` binary: `backup` / `restore` on both
//! backends (also while ingest runs), several `lantern ingest` processes against one
//! PostgreSQL store, and the web app serving while ingest runs.
//!
//! PostgreSQL cases need `LANTERN_TEST_POSTGRES` (a server URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`; scripts/test sets it); without it they
//! print a skip note and pass. Each case works in a throwaway database of its own.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lantern_store::{EventFilter, Facet, ReviewDecision, Role, Store};
use serde_json::{json, Value};

const POSTGRES_ENV: &str = "LANTERN_TEST_POSTGRES";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A store for one test; dropping it drops its PostgreSQL database.
struct TestDb {
    spec: String,
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, db)) = &self.pg {
            let _ = psql(admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
        }
    }
}

fn pg_admin() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

fn skip(test: &str) {
    eprintln!("skipped {test}: set {POSTGRES_ENV}=postgres://USER@HOST:PORT/DB (scripts/test does) to run it on PostgreSQL");
}

fn psql(admin: &str, sql: &str) -> Result<String, String> {
    let tool = lantern_store::backup::pg_tool("psql").map_err(|e| e.to_string())?;
    let o = Command::new(tool)
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            admin,
            "-c",
            sql,
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

/// The URL of database `db` on the server of `admin`.
fn database_url(admin: &str, db: &str) -> String {
    let (base, query) = match admin.find('?') {
        Some(q) => (&admin[..q], &admin[q..]),
        None => (admin, ""),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    match base[scheme_end..].find('/') {
        Some(slash) => format!("{}/{db}{query}", &base[..scheme_end + slash]),
        None => format!("{base}/{db}{query}"),
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A new, empty store of `backend` (None: PostgreSQL is not configured).
fn new_db(backend: Backend, tmp: &Path) -> Option<TestDb> {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    match backend {
        Backend::Sqlite => Some(TestDb {
            spec: format!("sqlite:{}", tmp.join(format!("store-{n}")).display()),
            pg: None,
        }),
        Backend::Postgres => {
            let admin = pg_admin()?;
            let db = format!("lantern_cli_test_{}_{n}", std::process::id());
            psql(&admin, &format!("CREATE DATABASE {db}"))
                .unwrap_or_else(|e| panic!("CREATE DATABASE {db} on {admin}: {e}"));
            Some(TestDb {
                spec: database_url(&admin, &db),
                pg: Some((admin, db)),
            })
        }
    }
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lantern"));
    c.env_remove("LANTERN_DATA").env_remove("LANTERN_DATABASE");
    c
}

fn lantern(spec: &str, args: &[&str]) -> Output {
    bin()
        .arg("--database")
        .arg(spec)
        .args(args)
        .output()
        .expect("run lantern")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports")
}

fn open(spec: &str) -> Box<dyn Store> {
    lantern_store::open(spec).unwrap_or_else(|e| panic!("open {spec}: {e}"))
}

/// Everything a store holds that a restore must bring back, and the originals' bytes.
/// Human decisions on the first three events (confirmed with `note`, rejected, edited)
/// and an account: what a backup, restore or copy must keep. Returns the events as they
/// were listed before the decisions.
fn decide_and_add_a_user(s: &mut dyn Store, note: &str) -> Vec<lantern_store::StoredEvent> {
    let events = s.events(&lantern_store::EventFilter::default()).unwrap();
    assert!(events.len() >= 3, "samples give events");
    s.review_event(events[0].id, "ann", &ReviewDecision::Confirm, Some(note))
        .unwrap();
    s.review_event(events[1].id, "ann", &ReviewDecision::Reject, None)
        .unwrap();
    let mut edited = events[2].event.clone();
    edited.modality = lantern_extract::Modality::Feared;
    s.review_event(
        events[2].id,
        "bo",
        &ReviewDecision::Edit(Box::new(edited)),
        None,
    )
    .unwrap();
    s.put_user("ann", Role::Editor, "not-a-real-hash").unwrap();
    events
}

fn snapshot(store: &dyn Store) -> (Value, BTreeMap<String, Vec<u8>>) {
    let n = store.count_reports().unwrap() as usize;
    let mut reports = Vec::new();
    let mut originals = BTreeMap::new();
    for s in store.reports(n + 1, 0).unwrap() {
        let r = store.report(&s.id).unwrap().expect("listed report exists");
        let bytes = store
            .original(&r.original_sha256)
            .unwrap()
            .expect("report's original exists");
        originals.insert(r.original_sha256.clone(), bytes);
        reports.push(json!({
            "summary": s,
            "report": r,
            "events": store.report_events(&s.id).unwrap(),
        }));
    }
    let users: Vec<Value> = store
        .users()
        .unwrap()
        .into_iter()
        .map(|u| json!([u.name, u.role.as_str()]))
        .collect();
    let all = EventFilter::default();
    let yanggang = EventFilter {
        province: Some("Yanggang".into()),
        ..EventFilter::default()
    };
    let v = json!({
        "reports": reports,
        "originals": store.count_originals().unwrap(),
        "audit": store.audit_log(None).unwrap(),
        "users": users,
        "search_en": store.search("Hyesan", 50, 0).unwrap(),
        "search_ko": store.search("혜산", 50, 0).unwrap(),
        // Counts and facets read the count table and the stored places, which a copy
        // rebuilds rather than copies.
        "yanggang": store.count_events(&yanggang).unwrap(),
        "place_facet": store.facet_counts(&all, Facet::Place, 50).unwrap(),
        "province_facet": store.facet_counts(&all, Facet::Province, 50).unwrap(),
        "yanggang_places": store.facet_counts(&yanggang, Facet::Place, 50).unwrap(),
    });
    (v, originals)
}

fn round_trip(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let Some(a) = new_db(backend, tmp.path()) else {
        return skip("backup_restore_round_trip_postgres");
    };
    ok(&lantern(
        &a.spec,
        &["ingest", "--quiet", samples().to_str().unwrap()],
    ));
    // Human decisions and an account: a restore must keep them.
    {
        let mut s = open(&a.spec);
        decide_and_add_a_user(&mut *s, "checked");
    }
    let backup = tmp.path().join("lantern.backup");
    let out = ok(&lantern(&a.spec, &["backup", backup.to_str().unwrap()]));
    assert!(out.contains("backed up"), "{out}");
    // Never overwrites a file.
    let again = lantern(&a.spec, &["backup", backup.to_str().unwrap()]);
    assert!(!again.status.success());

    let b = new_db(backend, tmp.path()).unwrap();
    let out = ok(&lantern(&b.spec, &["restore", backup.to_str().unwrap()]));
    assert!(out.contains("restored"), "{out}");
    let (sa, oa) = snapshot(open(&a.spec).as_ref());
    let (sb, ob) = snapshot(open(&b.spec).as_ref());
    assert_eq!(sa, sb, "{backend:?}: restored store differs");
    assert_eq!(oa, ob, "{backend:?}: originals differ");
    assert!(!sb["search_en"].as_array().unwrap().is_empty());
    assert!(!sb["search_ko"].as_array().unwrap().is_empty());
    assert_eq!(sb["audit"].as_array().unwrap().len(), 3);
    let v = ok(&lantern(&b.spec, &["verify"]));
    assert!(v.contains("all match"), "{v}");
    // Still works after the restore: the next ingest, review and search.
    {
        let mut s = open(&b.spec);
        let e = s
            .events(&lantern_store::EventFilter::default())
            .unwrap()
            .into_iter()
            .find(|e| e.review_state == lantern_store::ReviewState::Machine)
            .unwrap();
        s.review_event(e.id, "cy", &ReviewDecision::Confirm, None)
            .unwrap();
        assert_eq!(s.audit_log(None).unwrap().len(), 4);
    }
    // A restore never mixes stores.
    let refused = lantern(&b.spec, &["restore", backup.to_str().unwrap()]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("not empty"), "{err}");
}

#[test]
fn backup_restore_round_trip_sqlite() {
    round_trip(Backend::Sqlite);
}

#[test]
fn backup_restore_round_trip_postgres() {
    round_trip(Backend::Postgres);
}

/// Write a generated corpus of `n` reports into `dir`.
fn corpus(dir: &Path, n: usize) {
    let o = bin()
        .args(["gen", "--reports", &n.to_string(), "--out"])
        .arg(dir)
        .output()
        .unwrap();
    ok(&o);
}

fn spawn_ingest(spec: &str, dir: &Path, batch: usize) -> Child {
    bin()
        .arg("--database")
        .arg(spec)
        .args(["ingest", "--quiet", "--batch", &batch.to_string()])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lantern ingest")
}

fn wait_ok(child: Child) -> String {
    ok(&child.wait_with_output().expect("wait"))
}

fn backup_during_ingest(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let Some(a) = new_db(backend, tmp.path()) else {
        return skip("backup_during_ingest_postgres");
    };
    let input = tmp.path().join("corpus");
    corpus(&input, 400);
    ok(&lantern(&a.spec, &["reports", "--limit", "1"]));
    let ingest = spawn_ingest(&a.spec, &input, 8);
    let start = Instant::now();
    let probe = open(&a.spec);
    while probe.count_reports().unwrap() == 0 && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let backup = tmp.path().join("mid.backup");
    ok(&lantern(&a.spec, &["backup", backup.to_str().unwrap()]));
    let during = probe.count_reports().unwrap();
    wait_ok(ingest);
    let total = probe.count_reports().unwrap();
    eprintln!("{backend:?}: backup taken at about {during} of {total} reports");

    let b = new_db(backend, tmp.path()).unwrap();
    ok(&lantern(&b.spec, &["restore", backup.to_str().unwrap()]));
    let v = ok(&lantern(&b.spec, &["verify"]));
    assert!(v.contains("all match"), "{v}");
    let restored = open(&b.spec);
    let n = restored.count_reports().unwrap();
    assert!(n >= 1 && n <= total, "{n} of {total}");
    // Each restored report is whole: its original and all its events, as in the source.
    for s in restored.reports(n as usize + 1, 0).unwrap() {
        let r = restored.report(&s.id).unwrap().unwrap();
        assert!(restored.has_original(&r.original_sha256).unwrap());
        assert_eq!(
            restored.report_events(&s.id).unwrap(),
            probe.report_events(&s.id).unwrap(),
            "report {}",
            s.id
        );
    }
}

#[test]
fn backup_during_ingest_is_consistent_sqlite() {
    backup_during_ingest(Backend::Sqlite);
}

#[test]
fn backup_during_ingest_is_consistent_postgres() {
    backup_during_ingest(Backend::Postgres);
}

/// Report ids with their event counts.
fn report_events(store: &dyn Store) -> BTreeMap<String, usize> {
    let n = store.count_reports().unwrap() as usize;
    store
        .reports(n + 1, 0)
        .unwrap()
        .into_iter()
        .map(|s| {
            let k = store.report_events(&s.id).unwrap().len();
            (s.id, k)
        })
        .collect()
}

#[test]
fn four_ingest_processes_store_every_report_once_postgres() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(db) = new_db(Backend::Postgres, tmp.path()) else {
        return skip("four_ingest_processes_store_every_report_once_postgres");
    };
    let all = tmp.path().join("all");
    corpus(&all, 240);
    // `lantern gen` writes one folder per thousand reports.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&all)
        .unwrap()
        .flat_map(|sub| std::fs::read_dir(sub.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 240);
    // Worker i gets half the corpus, starting at its quarter: every file goes to two
    // workers, in different orders.
    let k = files.len();
    let mut dirs = Vec::new();
    for w in 0..4 {
        let dir = tmp.path().join(format!("w{w}"));
        std::fs::create_dir(&dir).unwrap();
        for j in 0..k / 2 {
            let f = &files[(w * k / 4 + j) % k];
            std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
        }
        dirs.push(dir);
    }
    // The schema exists before the race (as a team's store would).
    ok(&lantern(&db.spec, &["reports", "--limit", "1"]));
    let workers: Vec<Child> = dirs.iter().map(|d| spawn_ingest(&db.spec, d, 4)).collect();
    for w in workers {
        wait_ok(w);
    }
    // The same corpus, one process, SQLite: the reference.
    let reference = new_db(Backend::Sqlite, tmp.path()).unwrap();
    ok(&lantern(
        &reference.spec,
        &["ingest", "--quiet", all.to_str().unwrap()],
    ));
    let want = report_events(open(&reference.spec).as_ref());
    let store = open(&db.spec);
    let got = report_events(store.as_ref());
    assert_eq!(got.len(), want.len(), "reports");
    assert_eq!(got, want, "every report once, with its events once");
    assert_eq!(
        store.count_originals().unwrap(),
        open(&reference.spec).count_originals().unwrap()
    );
    let v = ok(&lantern(&db.spec, &["verify"]));
    assert!(v.contains("all match"), "{v}");
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serving_during_ingest(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let Some(db) = new_db(backend, tmp.path()) else {
        return skip("web_app_serves_during_ingest_postgres");
    };
    let input = tmp.path().join("corpus");
    corpus(&input, 300);
    let token = ok(&lantern(&db.spec, &["token", "create", "poller"]))
        .trim()
        .to_string();
    let mut server = Server(
        bin()
            .arg("--database")
            .arg(&db.spec)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn lantern serve"),
    );
    let mut line = String::new();
    let mut out = BufReader::new(server.0.stdout.take().unwrap());
    while !line.contains("http://") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "server said nothing");
    }
    let base = line
        .split("http://")
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches('/')
        .to_string();
    let get = |path: &str| -> (u16, Duration) {
        let t = Instant::now();
        let status = match ureq::get(&format!("http://{base}{path}"))
            .set("Authorization", &format!("Bearer {token}"))
            .timeout(Duration::from_secs(30))
            .call()
        {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(s, _)) => s,
            Err(e) => panic!("GET {path}: {e}"),
        };
        (status, t.elapsed())
    };
    assert_eq!(get("/api/v1/events?limit=5").0, 200);

    let mut ingest = spawn_ingest(&db.spec, &input, 16);
    let mut polls = 0;
    let mut slowest = Duration::ZERO;
    loop {
        let done = ingest.try_wait().unwrap().is_some();
        for path in [
            "/api/v1/events?limit=20",
            "/api/v1/events?type=arrest&limit=5",
        ] {
            let (status, took) = get(path);
            assert_eq!(status, 200, "{path} during ingest");
            slowest = slowest.max(took);
            polls += 1;
        }
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_ok(ingest);
    eprintln!("{backend:?}: {polls} requests during ingest, all 200, slowest {slowest:?}");
    assert!(polls >= 4, "polled {polls} times");
    let stored = open(&db.spec).count_reports().unwrap();
    assert!(stored > 0);
}

#[test]
fn web_app_serves_during_ingest_sqlite() {
    serving_during_ingest(Backend::Sqlite);
}

#[test]
fn web_app_serves_during_ingest_postgres() {
    serving_during_ingest(Backend::Postgres);
}

#[test]
fn database_wins_over_data_and_bad_schemes_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let db = tmp.path().join("db");
    let o = bin()
        .arg("--data")
        .arg(&data)
        .args(["--database", &format!("sqlite:{}", db.display())])
        .args(["ingest", "--quiet", samples().to_str().unwrap()])
        .output()
        .unwrap();
    ok(&o);
    assert!(db.join("lantern.db").is_file());
    assert!(!data.exists());
    // The environment variable too, over LANTERN_DATA.
    let o = bin()
        .env("LANTERN_DATA", &data)
        .env("LANTERN_DATABASE", &db)
        .args(["reports", "--json"])
        .output()
        .unwrap();
    assert_eq!(ok(&o).lines().count(), 13);
    assert!(!data.exists());
    let o = lantern("mysql://root:secret@localhost/x", &["reports"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown scheme 'mysql:'"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

/// What `lantern copy` must carry between backends, beyond [`snapshot`]: tokens,
/// alerts, feed state, settings, incidents, copy links, pins, the data version and
/// whether incidents are stale. Search hits compare as report ids (scores and the
/// order of equal scores are the backend's own).
fn copy_snapshot(store: &dyn Store) -> (Value, BTreeMap<String, Vec<u8>>) {
    let (mut v, originals) = snapshot(store);
    for (key, q) in [("search_en", "Hyesan"), ("search_ko", "혜산")] {
        let mut ids: Vec<String> = store
            .search(q, 50, 0)
            .unwrap()
            .into_iter()
            .map(|h| h.report_id)
            .collect();
        ids.sort();
        v[key] = json!(ids);
    }
    v["tokens"] = json!(store.api_tokens().unwrap());
    v["alerts"] = json!(store.alerts().unwrap());
    v["feed"] = json!(format!(
        "{:?}",
        store.feed_state("https://example.org/feed.xml").unwrap()
    ));
    v["setting"] = json!(store.setting("site_name").unwrap());
    v["incidents"] = json!(store
        .incidents(&lantern_store::IncidentFilter::default())
        .unwrap());
    v["links"] = json!(store.duplicate_links().unwrap());
    v["pins"] = json!(format!("{:?}", store.incident_pins().unwrap()));
    v["data_version"] = json!(store.data_version().unwrap());
    v["stale"] = json!(lantern_store::incidents::stale(store).unwrap());
    (v, originals)
}

/// `lantern copy` from SQLite to PostgreSQL and back: everything that makes the record
/// arrives, the copies work on (ingest, review, incremental refresh), and a copy never
/// goes into a store that holds anything.
#[test]
fn copy_between_backends_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let a = new_db(Backend::Sqlite, tmp.path()).unwrap();
    let Some(b) = new_db(Backend::Postgres, tmp.path()) else {
        return skip("copy_between_backends_round_trip");
    };
    let c = new_db(Backend::Sqlite, tmp.path()).unwrap();
    ok(&lantern(
        &a.spec,
        &["ingest", "--quiet", samples().to_str().unwrap()],
    ));
    // An import: a report of a store of its own, exported as JSON Lines.
    let other = new_db(Backend::Sqlite, tmp.path()).unwrap();
    let own = tmp.path().join("own");
    std::fs::create_dir(&own).unwrap();
    std::fs::write(
        own.join("musan.txt"),
        "Title: Border guards detain traders in Musan\nOutlet: Test Wire\nPublished: 2025-03-02\n\n\
         Border guards in Musan detained three traders on 28 February, a source in \
         North Hamgyong Province said. The traders had carried phones across the river.\n",
    )
    .unwrap();
    ok(&lantern(
        &other.spec,
        &["ingest", "--quiet", own.to_str().unwrap()],
    ));
    let jsonl = tmp.path().join("own.jsonl");
    ok(&lantern(
        &other.spec,
        &[
            "export",
            "--format",
            "jsonl",
            "--out",
            jsonl.to_str().unwrap(),
        ],
    ));
    ok(&lantern(
        &a.spec,
        &["import", "--format", "jsonl", jsonl.to_str().unwrap()],
    ));
    {
        let mut s = open(&a.spec);
        let events = decide_and_add_a_user(&mut *s, "ok");
        s.create_api_token("feedbeef", "script", Role::Viewer)
            .unwrap();
        s.set_setting("site_name", "Border desk").unwrap();
        s.save_alert("hyesan", &Default::default()).unwrap();
        s.set_feed_state(&lantern_store::FeedState {
            url: "https://example.org/feed.xml".into(),
            etag: Some("\"v1\"".into()),
            last_modified: None,
            checked_at: Some("2026-11-29T09:00:00Z".into()),
            ok_at: Some("2026-11-29T09:00:00Z".into()),
            failures: 0,
            last_error: None,
        })
        .unwrap();
        // An analyst pin: two events of one report kept together.
        let report = &events[3].report_id;
        let mine = s.report_events(report).unwrap();
        if mine.len() >= 2 {
            let refs: Vec<_> = mine.iter().map(|e| &e.event).collect();
            let keys = lantern_store::incidents::event_keys(report, &refs);
            s.add_incident_pin(
                &lantern_store::NewIncidentPin {
                    kind: lantern_store::PinKind::Merge,
                    keys: keys[..2].to_vec(),
                    others: Vec::new(),
                    incidents: Vec::new(),
                    audit_event_id: mine[0].id,
                    note: Some("same raid".into()),
                },
                "ann",
            )
            .unwrap();
        }
    }
    ok(&lantern(&a.spec, &["incidents"]));
    let (sa, oa) = copy_snapshot(open(&a.spec).as_ref());
    assert!(!sa["incidents"].as_array().unwrap().is_empty());
    assert!(!sa["search_ko"].as_array().unwrap().is_empty());
    // SQLite to PostgreSQL.
    let out = ok(&lantern(&a.spec, &["copy", "--quiet", "--to", &b.spec]));
    assert!(out.contains("copied"), "{out}");
    let (sb, ob) = copy_snapshot(open(&b.spec).as_ref());
    assert_eq!(sa, sb, "the PostgreSQL copy differs");
    assert_eq!(oa, ob, "originals differ in the PostgreSQL copy");
    // And back to SQLite.
    let out = ok(&bin()
        .args(["copy", "--from", &b.spec, "--to", &c.spec])
        .output()
        .unwrap());
    assert!(out.contains("copied"), "{out}");
    let (sc, oc) = copy_snapshot(open(&c.spec).as_ref());
    assert_eq!(sa, sc, "the SQLite copy of the copy differs");
    assert_eq!(oa, oc, "originals differ in the SQLite copy");
    for spec in [&b.spec, &c.spec] {
        let v = ok(&lantern(spec, &["verify"]));
        assert!(v.contains("all match"), "{v}");
        // The copies go on: a review, new reports, an incremental refresh, counts.
        let mut s = open(spec);
        let e = s
            .events(&lantern_store::EventFilter::default())
            .unwrap()
            .into_iter()
            .find(|e| e.review_state == lantern_store::ReviewState::Machine)
            .unwrap();
        s.review_event(e.id, "cy", &ReviewDecision::Confirm, None)
            .unwrap();
        assert_eq!(
            s.audit_log(None).unwrap().len(),
            sa["audit"].as_array().unwrap().len() + 1
        );
        assert_eq!(
            s.count_events(&lantern_store::EventFilter::default())
                .unwrap(),
            open(&a.spec)
                .count_events(&lantern_store::EventFilter::default())
                .unwrap()
        );
    }
    // Never into a store that holds anything.
    let refused = lantern(&a.spec, &["copy", "--to", &c.spec]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("not empty") && err.lines().count() == 1,
        "{err}"
    );
}
