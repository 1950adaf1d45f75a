//! Crash safety: a child process ingesting batches is killed with SIGKILL; the store must
//! reopen intact, with whole batches only, and a re-run must complete it exactly.
//!
//! The child is this test binary itself, re-run with `LANTERN_CRASH_CHILD=<dir>` and
//! `--exact crash_child`.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use lantern_store::{EventFilter, FileInput, SqliteStore, Store};

const BATCHES: usize = 100;
const PER_BATCH: usize = 20;
const KILL_AFTER: usize = 5;
const CHILD_ENV: &str = "LANTERN_CRASH_CHILD";

/// Batch `b`: `PER_BATCH` new files, plus (after the first batch) a re-sent file 0, which
/// is a duplicate original and report.
fn batch(b: usize) -> Vec<FileInput> {
    let mut files: Vec<FileInput> = (b * PER_BATCH..(b + 1) * PER_BATCH)
        .map(synthetic)
        .collect();
    if b > 0 {
        files.push(synthetic(0));
    }
    files
}

fn ingest_all(store: &mut SqliteStore, progress: Option<&Path>) {
    for b in 0..BATCHES {
        store.ingest_batch(&batch(b)).expect("ingest batch");
        if let Some(p) = progress {
            // Written after the commit: the parent kills only once this says enough.
            std::fs::write(p, (b + 1).to_string()).expect("progress");
        }
    }
}

/// The child side; does nothing in a normal test run.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let mut store = SqliteStore::open(&dir.join("data")).expect("child open");
    ingest_all(&mut store, Some(&dir.join("progress")));
    // Finished before being killed: wait to be killed.
    std::thread::sleep(Duration::from_secs(120));
}

fn snapshot(store: &SqliteStore) -> (u64, u64, u64, Vec<String>) {
    let mut ids: Vec<String> = store
        .reports(usize::MAX >> 1, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    (
        store.count_reports().unwrap(),
        store.count_originals().unwrap(),
        store.count_events(&EventFilter::default()).unwrap(),
        ids,
    )
}

/// Start this test binary's `test` as a child (`env` set to `dir`) and return it, still
/// running, once the count of committed batches it writes to `dir/progress` reaches
/// `at_least`. Panics if the child exits first or makes no progress within `timeout`.
fn child_past(
    test: &str,
    env: &str,
    dir: &Path,
    at_least: usize,
    timeout: Duration,
    poll: Duration,
) -> Child {
    let progress = dir.join("progress");
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(env, dir)
        // Checkpoints every 8 WAL pages on the bulk writer's checkpoint thread and a WAL
        // restart from 64: the kill lands among checkpoints and restarts.
        .env("LANTERN_WAL_CKPT", "8,64")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let started = Instant::now();
    loop {
        let done: usize = std::fs::read_to_string(&progress)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        if done >= at_least {
            return child;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("child exited early with {status}");
        }
        assert!(started.elapsed() < timeout, "child made no progress");
        std::thread::sleep(poll);
    }
}

#[test]
fn killed_ingest_leaves_whole_batches_and_resumes() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let progress = dir.path().join("progress");
    let mut child = child_past(
        "crash_child",
        CHILD_ENV,
        dir.path(),
        KILL_AFTER,
        Duration::from_secs(120),
        Duration::from_millis(5),
    );
    // Let it get into the next batch's transaction before the kill.
    std::thread::sleep(Duration::from_millis(3));
    child.kill().expect("kill -9 child");
    child.wait().unwrap();
    let committed: usize = std::fs::read_to_string(&progress)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(KILL_AFTER);

    // Reopen after the crash.
    let mut store = SqliteStore::open(&dir.path().join("data")).unwrap();
    let v = store.verify().unwrap();
    assert!(v.is_ok(), "{v:?}");
    let (reports, originals, events, ids) = snapshot(&store);
    assert!(
        reports as usize >= committed * PER_BATCH,
        "committed batches survive"
    );
    assert_eq!(
        reports as usize % PER_BATCH,
        0,
        "whole batches only: {reports}"
    );
    assert_eq!(originals, reports);
    assert_eq!(events, 3 * reports);
    for id in &ids {
        let r = store.report(id).unwrap().unwrap();
        assert!(store.has_original(&r.original_sha256).unwrap(), "{id}");
        assert_eq!(store.report_events(id).unwrap().len(), 3, "{id}");
    }
    eprintln!(
        "killed after {committed} reported batches; {} batches on disk",
        reports as usize / PER_BATCH
    );

    // Re-run the whole ingest to completion and compare with a clean run.
    ingest_all(&mut store, None);
    let resumed = snapshot(&store);
    let v = store.verify().unwrap();
    assert!(v.is_ok(), "{v:?}");

    let clean_dir = tempfile::tempdir().unwrap();
    let mut clean = SqliteStore::open(clean_dir.path()).unwrap();
    ingest_all(&mut clean, None);
    let expected = snapshot(&clean);
    assert_eq!(expected.0 as usize, BATCHES * PER_BATCH);
    assert_eq!(resumed, expected, "nothing lost or duplicated");
}

// ---- Both writers: the main file's and the full-text index's (migration 15).

const BULK_BATCHES: usize = 30;
const BULK_PER_BATCH: usize = 80;
const BULK_CHILD_ENV: &str = "LANTERN_CRASH_BULK_CHILD";

fn bulk_batch(b: usize) -> Vec<lantern_store::PreparedFile> {
    (b * BULK_PER_BATCH..(b + 1) * BULK_PER_BATCH)
        .map(|i| lantern_store::PreparedFile::new(synthetic(i)).expect("prepare"))
        .collect()
}

/// Bulk batches through `ingest_prepared`, so that the index's own thread indexes each
/// committed batch while the main writer writes the next.
fn ingest_bulk(store: &mut SqliteStore, progress: Option<&Path>) {
    for b in 0..BULK_BATCHES {
        store.ingest_prepared(bulk_batch(b)).expect("ingest batch");
        if let Some(p) = progress {
            std::fs::write(p, (b + 1).to_string()).expect("progress");
        }
    }
    store.finish_ingest().expect("finish ingest");
}

#[test]
fn crash_bulk_child() {
    let Ok(dir) = std::env::var(BULK_CHILD_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let mut store = SqliteStore::open(&dir.join("data")).expect("child open");
    ingest_bulk(&mut store, Some(&dir.join("progress")));
    std::thread::sleep(Duration::from_secs(120));
}

/// Reports the index finds for a word every synthetic report has, and for one only
/// report `i` has.
fn searchable(store: &SqliteStore) -> (u64, u64) {
    (
        store.count_search("Hyesan").unwrap(),
        store.count_search("\"Report number 7\"").unwrap(),
    )
}

#[test]
fn killed_while_both_writers_run_the_index_catches_up() {
    if std::env::var(CHILD_ENV).is_ok() || std::env::var(BULK_CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = child_past(
        "crash_bulk_child",
        BULK_CHILD_ENV,
        dir.path(),
        3,
        Duration::from_secs(300),
        Duration::from_millis(2),
    );
    child.kill().expect("kill -9 child");
    child.wait().unwrap();
    assert!(
        data.join(lantern_store::FTS_FILE).is_file(),
        "a new store keeps its index in its own file"
    );
    // What the kill left: the index at or behind the main file, never ahead.
    let fts_mark: i64 = rusqlite::Connection::open(data.join(lantern_store::FTS_FILE))
        .unwrap()
        .query_row(
            "SELECT value FROM fts_state WHERE key = 'watermark'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let main_max: i64 = rusqlite::Connection::open(data.join("lantern.db"))
        .unwrap()
        .query_row("SELECT coalesce(max(rowid), 0) FROM reports", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(fts_mark <= main_max, "index {fts_mark} ahead of {main_max}");
    eprintln!("killed: reports up to rowid {main_max}, index up to {fts_mark}");

    // The next open catches the index up: searches and counts are exact.
    let mut store = SqliteStore::open(&data).unwrap();
    let v = store.verify().unwrap();
    assert!(v.is_ok(), "{v:?}");
    let reports = store.count_reports().unwrap();
    assert_eq!(
        reports as usize % BULK_PER_BATCH,
        0,
        "whole batches: {reports}"
    );
    assert_eq!(searchable(&store), (reports, 1));
    assert_eq!(
        store.count_events(&EventFilter::default()).unwrap(),
        store.count_events_direct(&EventFilter::default()).unwrap()
    );

    // The re-run completes it; a clean run gives the same.
    ingest_bulk(&mut store, None);
    let v = store.verify().unwrap();
    assert!(v.is_ok(), "{v:?}");
    let total = (BULK_BATCHES * BULK_PER_BATCH) as u64;
    assert_eq!(store.count_reports().unwrap(), total);
    assert_eq!(searchable(&store), (total, 1));
    let filter = EventFilter {
        text: Some("Hyesan".into()),
        ..EventFilter::default()
    };
    assert_eq!(store.count_events(&filter).unwrap(), 3 * total);
    assert_eq!(
        store.count_events(&EventFilter::default()).unwrap(),
        store.count_events_direct(&EventFilter::default()).unwrap()
    );
    let clean_dir = tempfile::tempdir().unwrap();
    let mut clean = SqliteStore::open(clean_dir.path()).unwrap();
    ingest_bulk(&mut clean, None);
    assert_eq!(searchable(&clean), searchable(&store));
    assert_eq!(snapshot(&clean), snapshot(&store));
    // Closed, each file's writer checkpoints its WAL into it.
    drop(clean);
    for wal in ["lantern.db-wal", "lantern-fts.db-wal"] {
        assert!(!clean_dir.path().join(wal).exists(), "{wal} left behind");
    }
}
