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

/// PostgreSQL: ingest throughput with one and two workers (own connections, disjoint
/// files), then read latencies at `LANTERN_BENCH_REPORTS` reports (default 100,000).
/// Needs a server: `LANTERN_TEST_POSTGRES=postgres://... cargo test -p lantern-store
/// --release --test bench -- --ignored --nocapture postgres`
#[test]
#[ignore = "benchmark; run with --release -- --ignored"]
fn postgres_ingest_and_reads() {
    let Some(store) = postgres_store() else {
        eprintln!("{POSTGRES_ENV} not set; skipped");
        return;
    };
    let total: usize = std::env::var("LANTERN_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let phase = (total / 5).clamp(1000, 20_000);
    let run = |from: usize, to: usize, workers: usize| -> f64 {
        let started = Instant::now();
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let mut s = store.reopen();
                std::thread::spawn(move || {
                    let ids: Vec<usize> = (from..to).filter(|i| i % workers == w).collect();
                    for chunk in ids.chunks(BATCH) {
                        let files: Vec<_> = chunk.iter().map(|&i| synthetic(i)).collect();
                        s.ingest_batch(&files).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        (to - from) as f64 / started.elapsed().as_secs_f64()
    };
    let one = run(0, phase, 1);
    let two = run(phase, 2 * phase, 2);
    eprintln!(
        "postgres ingest (parse + store, batches of {BATCH}): 1 worker {one:.0} reports/s, \
         2 workers {two:.0} reports/s ({:.2}x)",
        two / one
    );
    if total > 2 * phase {
        let rest = run(2 * phase, total, 2);
        eprintln!("filled to {total} reports at {rest:.0} reports/s");
    }
    assert_eq!(store.count_reports().unwrap() as usize, total);
    assert_eq!(
        store.count_events(&EventFilter::default()).unwrap() as usize,
        3 * total
    );
    let _ = store.raw_exec("VACUUM ANALYZE");
    read_latencies(&*store);
    if std::env::var_os("LANTERN_BENCH_KEEP").is_some() {
        if let Backend::Postgres { url, .. } = &store.backend {
            eprintln!("kept: LANTERN_BENCH_URL={url}");
        }
        std::mem::forget(store);
    }
}

/// Read latencies on an existing PostgreSQL store (one filled by the test above with
/// `LANTERN_BENCH_KEEP=1`): `LANTERN_BENCH_URL=postgres://.../db`.
#[test]
#[ignore = "benchmark; run with --release -- --ignored"]
fn postgres_reads_of_kept_store() {
    let Ok(url) = std::env::var("LANTERN_BENCH_URL") else {
        eprintln!("LANTERN_BENCH_URL not set; skipped");
        return;
    };
    let store = lantern_store::PostgresStore::connect(&url).unwrap();
    read_latencies(&store);
}

fn read_latencies(store: &dyn Store) {
    let time = |what: &str, f: &mut dyn FnMut()| {
        f();
        let mut ms: Vec<f64> = (0..10)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        eprintln!(
            "{what}: p50 {:.1} ms, max of 10 {:.1} ms",
            ms[ms.len() / 2],
            ms[ms.len() - 1]
        );
    };
    use lantern_extract::EventType;
    use lantern_store::Facet;
    time("search 'Hyesan' (every report), top 20", &mut || {
        store.search("Hyesan", 20, 0).unwrap();
    });
    time("search '\"number 4711\"' (one report)", &mut || {
        assert_eq!(store.search("\"number 4711\"", 20, 0).unwrap().len(), 1);
    });
    time("count_search 'questioned'", &mut || {
        store.count_search("questioned").unwrap();
    });
    let by_type = EventFilter {
        event_type: Some(EventType::Arrest),
        limit: Some(50),
        ..Default::default()
    };
    time("events type=arrest, page of 50", &mut || {
        store.events(&by_type).unwrap();
    });
    let by_place = EventFilter {
        event_type: Some(EventType::Crackdown),
        province: Some("North Hamgyong".into()),
        limit: Some(50),
        offset: 1000,
        ..Default::default()
    };
    time("events type+province, page 21", &mut || {
        store.events(&by_place).unwrap();
    });
    time("count_events type+province", &mut || {
        store.count_events(&by_place).unwrap();
    });
    for f in Facet::ALL {
        time(&format!("facet counts {f:?}, no filter"), &mut || {
            store.facet_counts(&EventFilter::default(), f, 20).unwrap();
        });
    }
    let text = EventFilter {
        text: Some("\"number 4711\"".into()),
        ..Default::default()
    };
    time("facet counts, all six, text filter", &mut || {
        for f in Facet::ALL {
            store.facet_counts(&text, f, 20).unwrap();
        }
    });
    time("facet counts by province, type filter", &mut || {
        store.facet_counts(&by_type, Facet::Province, 20).unwrap();
    });
    time("month counts, no filter", &mut || {
        store.month_counts(&EventFilter::default()).unwrap();
    });
    time("month counts, type filter", &mut || {
        store.month_counts(&by_type).unwrap();
    });
}
