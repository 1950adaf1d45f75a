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

#[test]
fn saved_searches_alert_once_per_new_event_and_have_a_feed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    ok(&lantern(&data, &["ingest", samples().to_str().unwrap()]));
    let out = ok(&lantern(
        &data,
        &[
            "alerts",
            "add",
            "arrests-yanggang",
            "--type",
            "arrest",
            "--place",
            "Yanggang",
        ],
    ));
    assert!(out.contains("\"type\":\"arrest\""), "{out}");
    let first = ok(&lantern(&data, &["alerts"]));
    let n: usize = first
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("arrests-yanggang: "))
        .and_then(|l| l.strip_suffix(" new"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    assert!(n > 0, "{first}");
    assert!(ok(&lantern(&data, &["alerts"])).contains("arrests-yanggang: 0 new"));
    // A new report with an arrest in Hyesan is one new alert.
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(
        inbox.join("new.txt"),
        "---\ntitle: Two traders held in Hyesan\noutlet: Test Wire\npublished: 2024-02-10\n---\n\
         State security agents arrested two traders in Hyesan on Monday after they were caught \
         carrying Chinese phones, a source in Yanggang Province said.\n",
    )
    .unwrap();
    ok(&lantern(&data, &["ingest", inbox.to_str().unwrap()]));
    let again = ok(&lantern(&data, &["alerts"]));
    assert!(again.contains("arrests-yanggang: 1 new"), "{again}");
    assert!(again.contains("Two traders held in Hyesan"), "{again}");
    // The Atom feed lists the newest matches first and escapes text.
    let feed = ok(&lantern(
        &data,
        &[
            "alerts",
            "feed",
            "arrests-yanggang",
            "--base-url",
            "http://127.0.0.1:8080",
        ],
    ));
    assert!(feed.starts_with("<?xml"));
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    assert_eq!(feed.matches("<entry>").count(), n + 1);
    let first_entry = feed.split("<entry>").nth(1).unwrap();
    assert!(
        first_entry.contains("Two traders held in Hyesan"),
        "{first_entry}"
    );
    assert!(feed.contains("href=\"http://127.0.0.1:8080/alerts/arrests-yanggang/feed.atom\""));
    assert!(ok(&lantern(&data, &["alerts", "remove", "arrests-yanggang"])).contains("removed"));
    let o = lantern(&data, &["alerts", "feed", "arrests-yanggang"]);
    assert_eq!(o.status.code(), Some(2));
}
