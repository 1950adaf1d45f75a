//! The shared dev reports (read from /work/shared when present): every file's bytes
//! round-trip, and each Korean report is found by Korean words cut from its own body,
//! with particles still attached in the text (e.g. 회령 inside 회령시에서).

mod common;

use std::path::Path;

use lantern_ingest::Language;
use lantern_store::FileInput;

const DEV: &str = "/work/shared/eval/dev";

#[test]
fn dev_reports_round_trip_and_korean_search() {
    let Ok(entries) = std::fs::read_dir(DEV) else {
        eprintln!("{DEV} not present; skipped");
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut files = Vec::new();
    for p in &paths {
        let bytes = std::fs::read(p).unwrap();
        let name = p.display().to_string();
        let Ok(items) = lantern_ingest::parse_file(&bytes, &name, "2026-11-28T12:00:00Z") else {
            continue;
        };
        let reports: Vec<_> = items.into_iter().flatten().map(|r| (r, vec![])).collect();
        files.push(FileInput {
            original: bytes,
            source_path: name,
            reports,
            extractor_version: common::VERSION.into(),
        });
    }
    assert!(!files.is_empty());
    for mut store in common::stores() {
        let out = store.ingest_batch(&files).unwrap();
        for (f, o) in files.iter().zip(&out) {
            assert_eq!(
                store.original(&o.original_sha256).unwrap().unwrap(),
                f.original
            );
        }
        assert!(store.verify().unwrap().is_ok());

        let mut korean = 0;
        for f in &files {
            for (r, _) in &f.reports {
                if r.language != Language::Ko {
                    continue;
                }
                korean += 1;
                // The first two syllables of each of the first Hangul words of 3+ syllables.
                let words: Vec<String> = r
                    .body
                    .split(|c: char| !('\u{ac00}'..='\u{d7a3}').contains(&c))
                    .filter(|w| w.chars().count() >= 3)
                    .take(5)
                    .map(|w| w.chars().take(2).collect())
                    .collect();
                assert!(!words.is_empty(), "{}", f.source_path);
                for w in words {
                    let hits = store.search(&w, 100, 0).unwrap();
                    let hit = hits.iter().find(|h| h.report_id == r.id);
                    let hit = hit.unwrap_or_else(|| panic!("{w} in {}", f.source_path));
                    assert!(hit.snippet.contains(&format!("«{w}")), "{}", hit.snippet);
                }
            }
        }
        assert!(korean >= 1 || !Path::new(DEV).join("dev-026.txt").exists());
    }
}
