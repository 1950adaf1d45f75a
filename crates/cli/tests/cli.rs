//! End-to-end tests of the `lantern` binary on real SQLite stores in temporary folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn lantern(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run lantern")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Stored reports as JSON values.
fn stored_reports(data: &Path) -> Vec<serde_json::Value> {
    let o = lantern(data, &["reports", "--json", "--limit", "1000000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const STORY: &str = "---\ntitle: Arrests in Hyesan\noutlet: Test Wire\npublished: 2021-06-30\n---\n\
A source in Yanggang Province said state security agents arrested three smugglers in Hyesan last week.\n\n\
The men were caught carrying copper to the riverbank at night.\n";

#[test]
fn ingest_twice_stores_once_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write(&input, "a.txt", STORY);
    // The same story again with other boilerplate: a repost, one report.
    write(
        &input,
        "b.txt",
        format!(
            "{STORY}\nPlease direct any comments or questions about this article to the desk.\n"
        ),
    );
    let first = lantern(&data, &["ingest", input.to_str().unwrap()]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = lantern(&data, &["ingest", input.to_str().unwrap()]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("2 files already stored"),
        "{}",
        stdout(&second)
    );
    let reports = stored_reports(&data);
    assert_eq!(
        reports.len(),
        1,
        "a repost of the same clean text is one report"
    );
    let verify = lantern(&data, &["verify"]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    assert!(stdout(&verify).contains("2 originals re-hashed"));
}

#[test]
fn bad_inputs_fail_one_by_one_and_the_batch_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write(&input, "good.txt", STORY);
    write(&input, "empty.txt", "");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(std::iter::repeat_n(0u8, 200));
    write(&input, "picture.txt", png);
    write(
        &input,
        "invalid.txt",
        b"Arrests in \xff\xfe\xfd Hyesan \xc3\x28 were \x80 reported",
    );
    let nested = format!(
        "<html><body>{}<p>Deep text about Hyesan.</p>{}</body></html>",
        "<div>".repeat(10_000),
        "</div>".repeat(10_000)
    );
    write(&input, "nested.html", nested);
    let jsonl = "{\"title\": \"One\", \"published\": \"2020-01-02\", \"body\": \"Border guards in Musan County shot at a man crossing the river.\"}\n\
                 {\"title\": \"Broken\", \"body\": \n\
                 {\"title\": \"Three\", \"published\": \"2020-01-03\", \"body\": \"Police in Hoeryong detained a broker who moved money for families.\"}\n";
    write(&input, "feed.jsonl", jsonl);
    let rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
               <item><title>Has body</title><description>Safety agents in Manpo searched homes for Chinese phones.</description></item>\
               <item><title>No body</title></item></channel></rss>";
    write(&input, "news.xml", rss);
    {
        // 50 MB of text: refused against the stated limit or streamed, never a crash.
        use std::io::Write;
        let f = std::fs::File::create(input.join("huge.txt")).unwrap();
        let mut w = std::io::BufWriter::new(f);
        let line = "Residents said the market in Hyesan was quiet again this week.\n";
        for _ in 0..(50 * 1024 * 1024 / line.len()) {
            w.write_all(line.as_bytes()).unwrap();
        }
    }
    let missing = tmp.path().join("does-not-exist.txt");
    let o = lantern(
        &data,
        &[
            "ingest",
            "--quiet",
            input.to_str().unwrap(),
            missing.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "failures give exit status 1\n{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    for (name, why) in [
        ("empty.txt", "empty"),
        ("picture.txt", "binary"),
        ("does-not-exist.txt", "no such file"),
        ("feed.jsonl", "2"),
        ("news.xml", "2"),
        ("huge.txt", "limit"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no error line for {name}:\n{err}"));
        assert!(
            line.to_lowercase().contains(why),
            "error for {name} should mention {why:?}: {line}"
        );
    }
    // Every error is one line naming its file.
    for line in err.lines() {
        assert!(
            line.starts_with("failed: "),
            "unexpected stderr line: {line}"
        );
    }
    let titles: Vec<String> = stored_reports(&data)
        .iter()
        .filter_map(|r| r["title"].as_str().map(str::to_string))
        .collect();
    for t in ["Arrests in Hyesan", "One", "Three", "Has body"] {
        assert!(titles.iter().any(|x| x == t), "{t} missing from {titles:?}");
    }
    assert!(stdout(&o).contains("failed"), "{}", stdout(&o));
}

#[test]
fn unreadable_directory_is_reported_and_the_rest_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let input = tmp.path().join("in");
    let locked = input.join("locked");
    std::fs::create_dir_all(&locked).unwrap();
    write(&input, "good.txt", STORY);
    write(&locked, "inside.txt", STORY.replace("three", "four"));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // A dangling symlink is unreadable for everyone, root included.
    std::os::unix::fs::symlink(tmp.path().join("gone"), input.join("dangling.txt")).unwrap();
    let o = lantern(&data, &["ingest", "--quiet", input.to_str().unwrap()]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("dangling.txt"), "{err}");
    if std::fs::read_dir(&locked).is_ok() && unsafe_is_root() {
        // Root reads a 0o000 folder anyway; the dangling link covers the failure path.
    }
    assert!(stored_reports(&data)
        .iter()
        .any(|r| r["title"] == "Arrests in Hyesan"));
}

fn unsafe_is_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
}

#[test]
fn kill_9_mid_ingest_then_rerun_completes_without_loss_or_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let o = lantern(
        &tmp.path().join("unused"),
        &[
            "gen",
            "--reports",
            "3000",
            "--out",
            corpus.to_str().unwrap(),
            "--seed",
            "11",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // Reference: a clean, uninterrupted run.
    let clean = tmp.path().join("clean");
    let o = lantern(&clean, &["ingest", "--quiet", corpus.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let want = stored_reports(&clean);

    // A run killed with SIGKILL once it has committed some batches.
    let crashed = tmp.path().join("crashed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("--data")
        .arg(&crashed)
        .args(["ingest", "--quiet", "--batch", "40"])
        .arg(&corpus)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db = crashed.join("lantern.db");
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let wal = crashed.join("lantern.db-wal");
        let written = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
        if written > 400_000 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
    }
    let killed_early = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let partial = stored_reports(&crashed);
    if killed_early {
        assert!(partial.len() < want.len(), "the kill came before the end");
    }
    let verify = lantern(&crashed, &["verify"]);
    assert!(
        verify.status.success(),
        "store consistent after kill: {}",
        stdout(&verify)
    );

    // The re-run completes the work: same reports, same event counts, nothing twice.
    let o = lantern(&crashed, &["ingest", "--quiet", corpus.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = stored_reports(&crashed);
    let key = |v: &Vec<serde_json::Value>| {
        let mut k: Vec<(String, u64)> = v
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_string(),
                    r["event_count"].as_u64().unwrap(),
                )
            })
            .collect();
        k.sort();
        k
    };
    assert_eq!(key(&got), key(&want));
    let verify = lantern(&crashed, &["verify"]);
    assert!(verify.status.success(), "{}", stdout(&verify));
}

#[test]
fn extract_prints_codebook_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "dev-x.txt", STORY);
    let o = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(["extract", "--format", "jsonl"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let line: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(line["report"], "dev-x");
    assert!(line["events"].is_array());
}

#[test]
fn errors_are_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let o = lantern(tmp.path(), &["events", "--type", "picnic"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("picnic") && err.contains("arrest"), "{err}");
    let o = lantern(tmp.path(), &["show", "0123456789ab"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}
