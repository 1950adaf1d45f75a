//! Ingest throughput: generate a corpus, ingest it into a fresh SQLite store with
//! extraction, report reports/s and MB/s. Run with
//! `cargo bench -p lantern-cli --bench ingest` (LANTERN_BENCH_REPORTS sets the size).

use std::time::Instant;

use lantern_cli::{gen, store_cmds};
use lantern_store::SqliteStore;

#[allow(clippy::single_element_loop, clippy::cloned_ref_to_slice_refs)]
fn main() {
    let n: usize = std::env::var("LANTERN_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    // `cargo bench` passes --bench; any other filter argument is ignored.
    let tmp = tempfile::tempdir().expect("temp dir");
    let corpus = tmp.path().join("corpus");
    let bytes = gen::generate(&corpus, n, 42, false).expect("generate corpus");
    // The corpus just written is flushed first, so that the kernel's write-back of it
    // does not run during the measured ingest (as it would not for files already there).
    let _ = std::process::Command::new("sync").status();
    // What `lantern ingest` does by default.
    let batch = store_cmds::DEFAULT_BATCH;
    let label = format!("files, batch {batch}");
    {
        let data = tmp.path().join(format!("data-{batch}"));
        let mut store = SqliteStore::open(&data).expect("open store");
        let start = Instant::now();
        let summary =
            store_cmds::ingest_into(&mut store, std::slice::from_ref(&corpus), true, batch)
                .expect("ingest");
        let secs = start.elapsed().as_secs_f64();
        assert!(summary.failed.is_empty(), "{:?}", &summary.failed[..1]);
        println!(
            "ingest {n} reports ({label}): {:.2}s, {:.0} reports/s, {:.1} MB/s, {} events, {} duplicates",
            secs,
            n as f64 / secs,
            bytes as f64 / 1e6 / secs,
            summary.events,
            summary.reports_duplicate
        );
    }
}
