//! The dev set (/work/shared/eval) must meet the targets. Skipped when the folder or
//! python3 is absent. Scoring uses the shared score.py itself.

use std::path::Path;
use std::process::Command;

const DEV: &str = "/work/shared/eval/dev";
const GOLD: &str = "/work/shared/eval/dev-gold.jsonl";
const SCORER: &str = "/work/shared/eval/score.py";

#[test]
fn dev_set_meets_targets() {
    if !Path::new(DEV).is_dir() || !Path::new(GOLD).is_file() || !Path::new(SCORER).is_file() {
        eprintln!("dev set not present: skipped");
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(DEV)
        .expect("read dev dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut lines = String::new();
    for p in files {
        let name = p
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let bytes = std::fs::read(&p).expect("read dev file");
        let reports =
            lantern_ingest::parse_file(&bytes, &p.to_string_lossy(), "2026-01-01T00:00:00Z")
                .expect("parse dev file");
        let mut evs = Vec::new();
        for r in reports.into_iter().flatten() {
            evs.extend(lantern_extract::extract(&r));
        }
        lines.push_str(&lantern_extract::codebook_json(&name, &evs).to_string());
        lines.push('\n');
    }
    let pred = std::env::temp_dir().join(format!("lantern-dev-pred-{}.jsonl", std::process::id()));
    std::fs::write(&pred, lines).expect("write predictions");
    let out = match Command::new("python3")
        .arg(SCORER)
        .arg(GOLD)
        .arg(&pred)
        .arg("--json")
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            eprintln!("python3 not available: skipped");
            return;
        }
    };
    let _ = std::fs::remove_file(&pred);
    assert!(
        out.status.success(),
        "score.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("score json");
    let f1 = |d: &str| v[d]["f1"].as_f64().unwrap_or(0.0);
    assert!(f1("event_types") >= 0.85, "{v}");
    assert!(f1("provinces") >= 0.90, "{v}");
    assert!(f1("places") >= 0.85, "{v}");
    assert!(f1("actors") >= 0.85, "{v}");
    assert_eq!(v["noise_places_predicted"].as_u64(), Some(0), "{v}");
}
