//! Parse every file under a directory with `parse_file`, as `lantern ingest` does, and
//! report the instructions' worth of work in one place for profiling:
//!
//! ```sh
//! cargo build --release -p lantern-ingest --examples
//! target/release/examples/parse_dir DIR [ROUNDS]      # MB/s of CPU time
//! target/release/examples/parse_dir DIR --dump        # every report as a JSON line
//! valgrind --tool=callgrind --toggle-collect='parse_dir::parse_all' \
//!     target/release/examples/parse_dir DIR 1
//! ```
//!
//! `--dump` prints the reports (or the error) of every file in path order with a fixed
//! capture time, so two builds can be compared byte for byte with `cmp`.

use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
}

#[inline(never)]
fn parse_all(inputs: &[(String, Vec<u8>)]) -> usize {
    let mut n = 0;
    for (path, bytes) in inputs {
        if let Ok(items) = lantern_ingest::parse_file(bytes, path, "2026-01-01T00:00:00Z") {
            n += items.iter().filter(|r| r.is_ok()).count();
        }
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: parse_dir DIR [ROUNDS | --dump]");
        std::process::exit(2);
    };
    let mut paths = Vec::new();
    files(Path::new(dir), &mut paths);
    let inputs: Vec<(String, Vec<u8>)> = paths
        .iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read(p).ok()?)))
        .collect();
    let total: usize = inputs.iter().map(|(_, b)| b.len()).sum();
    if args.get(2).map(String::as_str) == Some("--dump") {
        for (path, bytes) in &inputs {
            match lantern_ingest::parse_file(bytes, path, "2026-01-01T00:00:00Z") {
                Err(e) => println!("{path}\tERR\t{}", e.reason),
                Ok(items) => {
                    for item in items {
                        match item {
                            Ok(r) => println!(
                                "{path}\t{}",
                                serde_json::to_string(&r).unwrap_or_default()
                            ),
                            Err(e) => println!("{path}\tITEM\t{e}"),
                        }
                    }
                }
            }
        }
        return;
    }
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let t = Instant::now();
    let mut reports = 0;
    for _ in 0..rounds {
        reports = parse_all(&inputs);
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "{} files, {} bytes, {} reports; {} rounds in {:.3} s: {:.1} MB/s, {:.1} us a file",
        inputs.len(),
        total,
        reports,
        rounds,
        s,
        (total * rounds) as f64 / s / 1e6,
        s / (rounds * inputs.len()) as f64 * 1e6
    );
}
