//! Exports run in constant memory: the peak resident size (VmHWM) while exporting
//! 200k events is no larger than while exporting 10k. The ignored test is the 1M-event
//! benchmark: `cargo test --release -p lantern-export --test memory -- --ignored --nocapture`.

use std::time::Instant;

use chrono::NaiveDate;
use lantern_export::{export, Format, Options};
use lantern_extract::{
    Actor, Attribution, Event, EventDate, EventPlace, EventType, Level, Modality, PlaceRole,
    Precision, Quantity, QuantityKind,
};
use lantern_ingest::{sha256_hex, Language, Report};
use lantern_store::{EventFilter, FileInput, SqliteStore, Store};

const EVENTS_PER_REPORT: usize = 50;

fn event(i: usize) -> Event {
    let d = NaiveDate::from_ymd_opt(
        2015 + (i % 10) as i32,
        1 + (i % 12) as u32,
        1 + (i % 28) as u32,
    );
    Event {
        event_type: EventType::ALL[i % EventType::ALL.len()],
        modality: Modality::Happened,
        negated: false,
        actors: vec![Actor::ALL[i % Actor::ALL.len()]],
        places: vec![EventPlace {
            id: "kp-yanggang-hyesan".into(),
            name: "Hyesan".into(),
            admin1: "Yanggang".into(),
            level: Level::City,
            lat: 41.39,
            lon: 128.18,
            approximate: false,
            role: PlaceRole::Location,
            span: (10, 16),
        }],
        date: Some(EventDate {
            start: d,
            end: d,
            precision: Precision::Day,
            text: "last week".into(),
            span: (20, 29),
        }),
        attribution: Some(Attribution {
            text: "a source in the province".into(),
            span: (30, 54),
        }),
        quantities: vec![Quantity {
            kind: QuantityKind::People,
            value: Some(3.0),
            unit: Some("person".into()),
            text: "three people".into(),
            span: (60, 72),
        }],
        evidence: vec![(0, 120)],
        confidence: 0.75,
    }
}

/// A store with `n` events (50 per report).
fn build(dir: &std::path::Path, n: usize) -> SqliteStore {
    let mut store = SqliteStore::open(dir).unwrap();
    let reports = n.div_ceil(EVENTS_PER_REPORT);
    let mut made = 0;
    for chunk in (0..reports).collect::<Vec<_>>().chunks(200) {
        let files: Vec<FileInput> = chunk
            .iter()
            .map(|&r| {
                let body = format!(
                    "Report {r:08}. In Hyesan last week a source in the province said three people \
                     were held after an inspection of the market and the riverbank near the border."
                );
                let original = body.clone().into_bytes();
                let k = EVENTS_PER_REPORT.min(n - made);
                made += k;
                let report = Report {
                    id: sha256_hex(body.as_bytes()),
                    original_sha256: sha256_hex(&original),
                    title: Some(format!("Synthetic report {r}")),
                    outlet: Some("Test Wire".into()),
                    url: Some(format!("https://example.org/{r}")),
                    published: None,
                    language: Language::En,
                    text: body.clone(),
                    removed: Vec::new(),
                    body,
                    captured_at: "2026-11-28T12:00:00Z".into(),
                    source_path: format!("gen/{r}.txt"),
                    item: None,
                    format: "text".into(),
                };
                let events = (0..k).map(|i| event(r * EVENTS_PER_REPORT + i)).collect();
                FileInput {
                    original,
                    source_path: format!("gen/{r}.txt"),
                    reports: vec![(report, events)],
                    extractor_version: "bench".into(),
                }
            })
            .collect();
        store.ingest_batch(&files).unwrap();
    }
    store
}

/// Peak resident set size of this process in kB, after resetting it (Linux).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn peak_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Export `limit` events (all when None) in `format` to a sink; returns (events, secs, peak kB).
fn measure(store: &SqliteStore, format: Format, limit: Option<usize>) -> (u64, f64, u64) {
    let filter = EventFilter {
        limit,
        ..Default::default()
    };
    let options = Options {
        include_sensitive: true,
        include_rejected: true,
    };
    reset_peak();
    let start = Instant::now();
    let n = export(store, &filter, format, options, std::io::sink()).unwrap();
    (n, start.elapsed().as_secs_f64(), peak_kb())
}

/// Peak memory exporting 10k events and exporting `n`, per format.
fn check_flat(n: usize, formats: &[Format]) {
    if !reset_peak() {
        eprintln!("skipped: /proc/self/clear_refs is not writable here");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let store = build(tmp.path(), n);
    assert_eq!(
        store.count_events(&EventFilter::default()).unwrap(),
        n as u64
    );
    // Warm SQLite's page cache first, so that every run starts from the same state.
    measure(&store, Format::Acled, None);
    for &format in formats {
        let (small_n, _, small) = measure(&store, format, Some(10_000));
        let (big_n, secs, big) = measure(&store, format, None);
        assert_eq!((small_n, big_n), (10_000, n as u64));
        eprintln!(
            "{format:?}: 10k events peak {} MB, {n} events peak {} MB, {:.0} events/s",
            small / 1024,
            big / 1024,
            big_n as f64 / secs
        );
        assert!(
            big <= small + 8 * 1024,
            "{format:?}: peak grew from {small} kB (10k events) to {big} kB ({n} events)"
        );
    }
}

/// The formats that keep state between events (FtM remembers reports and actors).
#[test]
fn export_memory_does_not_grow_with_the_number_of_events() {
    check_flat(60_000, &[Format::Jsonl, Format::Ftm]);
}

/// Every format, 10k against 200k events (slow in a debug build).
#[test]
#[ignore = "slow: run with --release -- --ignored --nocapture"]
fn export_memory_200k_all_formats() {
    check_flat(200_000, &Format::ALL);
}

#[test]
#[ignore = "benchmark: 1M events; run with --release -- --ignored --nocapture"]
fn export_one_million_events() {
    let n: usize = std::env::var("LANTERN_EXPORT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let store = build(tmp.path(), n);
    eprintln!(
        "built a store of {n} events in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    for format in Format::ALL {
        let (k, _, small) = measure(&store, format, Some(10_000));
        assert_eq!(k, 10_000);
        let (k, secs, big) = measure(&store, format, None);
        assert_eq!(k, n as u64);
        eprintln!(
            "{format:?}: {n} events in {secs:.1}s ({:.0} events/s); peak RSS {} MB (10k events: {} MB)",
            n as f64 / secs,
            big / 1024,
            small / 1024
        );
    }
}
