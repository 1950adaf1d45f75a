//! Walk a directory, parse each file with `lantern_ingest::parse_file`, extract, and print
//! one codebook JSON line per report (`report` = file name without extension).
//!
//! usage: cargo run -q -p lantern-extract --example extract_dir -- DIR [--table | --debug]

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: extract_dir DIR [--table | --debug]");
        std::process::exit(2);
    };
    let table = args.iter().any(|a| a == "--table");
    // `--debug`: every field of every event (Debug), for byte-identical output checks.
    let debug = args.iter().any(|a| a == "--debug");
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect(),
        Err(e) => {
            eprintln!("{dir}: cannot read directory: {e}");
            std::process::exit(1);
        }
    };
    files.sort();
    for path in files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                continue;
            }
        };
        let reports = match lantern_ingest::parse_file(
            &bytes,
            &path.to_string_lossy(),
            "1970-01-01T00:00:00Z",
        ) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                continue;
            }
        };
        let mut events = Vec::new();
        let mut body = String::new();
        for r in reports.into_iter().flatten() {
            let evs = lantern_extract::extract(&r);
            if table {
                body = r.body.clone();
            }
            events.extend(evs);
        }
        if debug {
            println!("== {}", name);
            for e in &events {
                println!("{e:?}");
            }
        } else if table {
            println!("== {}", name);
            print!("{}", lantern_extract::format_table(&body, &events));
        } else {
            println!("{}", lantern_extract::codebook_json(&name, &events));
        }
        let _ = Path::new(&name);
    }
}
