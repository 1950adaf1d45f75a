//! Ingest throughput. Not part of the normal test run:
//! `cargo test -p lantern-store --release --test bench -- --ignored --nocapture`

mod common;

use std::time::Instant;

use common::*;
use lantern_store::{EventFilter, SqliteStore, Store};

const REPORTS: usize = 10_000;
const BATCH: usize = 500;

#[test]
#[ignore = "benchmark; run with --release -- --ignored"]
fn ingest_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let files: Vec<_> = (0..REPORTS).map(synthetic).collect();
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    for chunk in files.chunks(BATCH) {
        store.ingest_batch(chunk).unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    assert_eq!(store.count_reports().unwrap() as usize, REPORTS);
    assert_eq!(
        store.count_events(&EventFilter::default()).unwrap() as usize,
        3 * REPORTS
    );
    eprintln!(
        "ingested {REPORTS} reports with 3 events each in batches of {BATCH}: {secs:.2} s, {:.0} reports/s",
        REPORTS as f64 / secs
    );
    if let Some(cpu) = cpu {
        eprintln!(
            "CPU time {cpu:.2} s: {:.0} reports per CPU-second",
            REPORTS as f64 / cpu
        );
    }
    let started = Instant::now();
    let hits = store.search("Hyesan market", 20, 0).unwrap();
    eprintln!(
        "search over {REPORTS} reports: {} hits in {:.1} ms",
        hits.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
}

/// User + system CPU time of this process (Linux), to see past a busy machine.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
