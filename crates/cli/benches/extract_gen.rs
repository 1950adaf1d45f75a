//! Throughput of `extract` (bytes of clean report body per second) over the realistic
//! corpus: 1000 reports from `lantern gen`'s generator (seed 42, the same reports as
//! `lantern gen --reports 1000 --seed 42`), written to a temporary directory and parsed
//! with `lantern_ingest::parse_file` as ingest does (front matter read, boilerplate
//! removed), so `extract` sees the bodies ingest would give it. The worst case, a dense
//! corpus where every sentence carries an event, is `lantern-extract`'s own `extract`
//! bench. Run: `cargo bench -p lantern-cli --bench extract_gen`. With
//! `LANTERN_BENCH_ONCE=1` the binary makes one pass over the corpus instead, for
//! instruction counts:
//! `LANTERN_BENCH_ONCE=1 valgrind --tool=callgrind --toggle-collect='extract_gen::once' BENCH_BINARY`.

use criterion::{criterion_group, Criterion, Throughput};
use lantern_ingest::Report;

/// The 1000 generated reports, parsed as ingest parses them (files read in name order).
fn corpus() -> Vec<Report> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("gen");
    lantern_cli::gen::generate(&dir, 1000, 42, false).expect("generate corpus");
    let mut files = Vec::new();
    for year in std::fs::read_dir(&dir).expect("read corpus dir") {
        let year = year.expect("corpus dir entry").path();
        for f in std::fs::read_dir(&year).expect("read corpus dir") {
            files.push(f.expect("corpus dir entry").path());
        }
    }
    files.sort();
    let mut reports = Vec::new();
    for p in files {
        let bytes = std::fs::read(&p).expect("read generated report");
        let items =
            lantern_ingest::parse_file(&bytes, &p.to_string_lossy(), "2026-01-01T00:00:00Z")
                .expect("parse generated report");
        for item in items {
            reports.push(item.expect("parse generated report"));
        }
    }
    reports
}

fn bench(c: &mut Criterion) {
    let reports = corpus();
    let bytes: usize = reports.iter().map(|r| r.body.len()).sum();
    let _ = lantern_extract::extract(&reports[0]); // build automata and gazetteer
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("generated_corpus", |b| b.iter(|| once(&reports)));
    g.finish();
}

/// One pass over the corpus, a function of its own for callgrind.
#[inline(never)]
fn once(reports: &[Report]) -> usize {
    reports
        .iter()
        .map(|r| lantern_extract::extract(r).len())
        .sum()
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("LANTERN_BENCH_ONCE").is_some() {
        // instruction counts: build the automata first, then one counted pass
        let reports = corpus();
        let bytes: usize = reports.iter().map(|r| r.body.len()).sum();
        let _ = lantern_extract::extract(&reports[0]);
        let n = once(&reports);
        println!("{} reports, {} bytes, {} events", reports.len(), bytes, n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
