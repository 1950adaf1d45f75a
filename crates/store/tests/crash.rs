//! Crash safety: a child process ingesting batches is killed with SIGKILL; the store must
//! reopen intact, with whole batches only, and a re-run must complete it exactly.
//!
//! The child is this test binary itself, re-run with `LANTERN_CRASH_CHILD=<dir>` and
//! `--exact crash_child`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
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

#[test]
fn killed_ingest_leaves_whole_batches_and_resumes() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let progress = dir.path().join("progress");
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
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
        if done >= KILL_AFTER {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("child exited early with {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "child made no progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
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
    assert!(store.verify().unwrap().is_ok());

    let clean_dir = tempfile::tempdir().unwrap();
    let mut clean = SqliteStore::open(clean_dir.path()).unwrap();
    ingest_all(&mut clean, None);
    let expected = snapshot(&clean);
    assert_eq!(expected.0 as usize, BATCHES * PER_BATCH);
    assert_eq!(resumed, expected, "nothing lost or duplicated");
}
