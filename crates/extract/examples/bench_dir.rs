//! Time `extract` alone over the reports of a directory (parsed once up front), for
//! performance work. usage: cargo run --release -p lantern-extract --example bench_dir -- DIR [ROUNDS]
//! Instructions per byte: `valgrind --tool=callgrind --toggle-collect='bench_dir::run_rounds'
//! target/release/examples/bench_dir DIR 1`, then divide the total by the bytes printed.

use std::time::Instant;

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// CPU time of this thread in seconds (Linux: /proc/thread-self/schedstat), if known.
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// The timed loop, a function of its own so that callgrind can count it alone:
/// `valgrind --tool=callgrind --toggle-collect='bench_dir::run_rounds' bench_dir DIR 1`.
#[inline(never)]
fn run_rounds(reports: &[lantern_ingest::Report], rounds: usize) -> usize {
    let mut n = 0usize;
    for _ in 0..rounds {
        for r in reports {
            n += lantern_extract::extract(r).len();
        }
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: bench_dir DIR [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut files = Vec::new();
    walk(std::path::Path::new(dir), &mut files);
    let mut reports = Vec::new();
    for p in files {
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        if let Ok(rs) =
            lantern_ingest::parse_file(&bytes, &p.to_string_lossy(), "1970-01-01T00:00:00Z")
        {
            reports.extend(rs.into_iter().flatten());
        }
    }
    let bytes: usize = reports.iter().map(|r| r.body.len()).sum();
    let _ = lantern_extract::extract(&reports[0]);
    let t = Instant::now();
    let c0 = cpu_secs();
    let n = run_rounds(&reports, rounds);
    let d = t.elapsed().as_secs_f64();
    let c = cpu_secs().zip(c0).map(|(a, b)| a - b).unwrap_or(d);
    let mb = (bytes * rounds) as f64 / 1e6;
    println!(
        "{} reports, {} bytes, {} events, {:.1} MB/s per CPU second ({:.1} MB/s wall)",
        reports.len(),
        bytes,
        n / rounds.max(1),
        mb / c,
        mb / d
    );
}
