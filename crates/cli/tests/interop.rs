//! End-to-end tests of `lantern export`, `lantern import` and `lantern watch`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lantern(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run lantern")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports")
}

#[test]
fn export_import_export_gives_the_same_file() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ok(&lantern(&a, &["ingest", samples().to_str().unwrap()]));
    for extra in [&[][..], &["--include-sensitive"][..]] {
        let first = tmp.path().join("first.jsonl");
        let second = tmp.path().join("second.jsonl");
        let _ = std::fs::remove_dir_all(&b);
        let mut args = vec![
            "export",
            "--format",
            "jsonl",
            "--out",
            first.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        ok(&lantern(&a, &args));
        let out = ok(&lantern(
            &b,
            &["import", first.to_str().unwrap(), "--format", "jsonl"],
        ));
        assert!(out.contains("0 rows failed"), "{out}");
        let mut args = vec![
            "export",
            "--format",
            "jsonl",
            "--out",
            second.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        ok(&lantern(&b, &args));
        let x = std::fs::read(&first).unwrap();
        let y = std::fs::read(&second).unwrap();
        assert!(x.len() > 1000);
        assert!(x == y, "export after import differs ({extra:?})");
        // A second import stores nothing.
        let out = ok(&lantern(
            &b,
            &["import", first.to_str().unwrap(), "--format", "jsonl"],
        ));
        assert!(out.contains("imported 0 reports with 0 events"), "{out}");
    }
    // Standard output gets the same bytes as --out; filters apply.
    let stdout = ok(&lantern(&a, &["export", "--format", "jsonl"]));
    let file = std::fs::read_to_string(tmp.path().join("first.jsonl")).unwrap();
    assert_eq!(stdout.lines().count(), file.lines().count());
    let arrests = ok(&lantern(
        &a,
        &["export", "--format", "acled", "--type", "arrest"],
    ));
    assert!(arrests.lines().count() > 1);
    assert!(arrests
        .lines()
        .skip(1)
        .all(|l| l.contains("lantern_type=arrest")));
    let geo = ok(&lantern(
        &a,
        &["export", "--format", "geojson", "--place", "Yanggang"],
    ));
    let v: serde_json::Value = serde_json::from_str(&geo).unwrap();
    assert!(!v["features"].as_array().unwrap().is_empty());
    // Imported reports are left alone by re-extraction.
    let out = ok(&lantern(&b, &["reextract", "--all"]));
    assert!(out.contains("0 machine events"), "{out}");
}

#[test]
fn bad_arguments_and_files_fail_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    let o = lantern(&data, &["export", "--format", "jsonl", "--type", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an event type"));
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"not\": \"an export\"}\nnot json\n").unwrap();
    let o = lantern(
        &data,
        &["import", bad.to_str().unwrap(), "--format", "jsonl"],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("row 1") && err.contains("row 2"), "{err}");
    let o = lantern(
        &data,
        &["import", bad.to_str().unwrap(), "--format", "acled"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("event_date"));
    let missing = tmp.path().join("missing.csv");
    let o = lantern(
        &data,
        &["import", missing.to_str().unwrap(), "--format", "acled"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.csv"));
}
