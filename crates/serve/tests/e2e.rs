//! End-to-end test in real headless Chromium through chromedriver (WebDriver): sign in,
//! upload a report, find its event, confirm it, see it on the timeline and the map, and
//! save its search as an alert.
//! Screenshots go to target/screenshots/. Skips (with a message) only when chromedriver
//! is missing and CI is not set; in CI a missing chromedriver fails the test.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| PathBuf::from(d).join(cmd))
        .find(|p| p.is_file())
}

/// A minimal HTTP/1.1 JSON client for the WebDriver wire protocol (loopback only).
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let data = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{data}",
        data.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    // Read the head, then exactly the body (the server may keep the connection open).
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the headers ended".into());
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let chunked = head.contains("transfer-encoding: chunked");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    loop {
        let have = raw.len() - head_end;
        let done = match length {
            Some(n) => have >= n,
            None if chunked => raw.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done {
            break;
        }
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&raw[head_end..]).into_owned();
    let body = if chunked { dechunk(&text) } else { text };
    let v: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
    if head.starts_with("http/1.1 2") {
        Ok(v)
    } else {
        Err(format!("{method} {path}: {}", v))
    }
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((len, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

struct Driver {
    port: u16,
    session: String,
    child: Child,
    shots: PathBuf,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    fn start(profile: &std::path::Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let start = Instant::now();
        while http(port, "GET", "/status", None).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let binary = [
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("/usr/bin/chromium");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--window-size=1280,1000",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let v = http(port, "POST", "/session", Some(&caps)).expect("new session");
        let session = v["value"]["sessionId"]
            .as_str()
            .expect("session id")
            .to_string();
        let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let d = Driver {
            port,
            session,
            child,
            shots,
        };
        d.cmd(
            "POST",
            "timeouts",
            json!({"implicit": 5000, "pageLoad": 30000}),
        );
        d
    }

    fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let p = format!("/session/{}/{path}", self.session);
        let b = if method == "GET" { None } else { Some(&body) };
        http(self.port, method, &p, b).unwrap_or_else(|e| panic!("{e}"))["value"].clone()
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "url", json!({ "url": url }));
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "element",
            json!({"using": "css selector", "value": css}),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    fn count(&self, css: &str) -> usize {
        self.cmd(
            "POST",
            "elements",
            json!({"using": "css selector", "value": css}),
        )
        .as_array()
        .map_or(0, |a| a.len())
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("element/{e}/click"), json!({}));
    }

    fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("element/{e}/value"),
            json!({ "text": text }),
        );
    }

    fn source(&self) -> String {
        self.cmd("GET", "source", json!({}))
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.source();
            if s.contains(needle) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "page never showed {needle:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn screenshot(&self, name: &str) {
        let b64 = self.cmd("GET", "screenshot", json!({}));
        let bytes = decode_base64(b64.as_str().unwrap_or(""));
        std::fs::write(self.shots.join(format!("{name}.png")), bytes).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn browser_login_upload_confirm_timeline_map() {
    if which("chromedriver").is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("chromedriver is not installed, and CI is set: the e2e test must run in CI (scripts/test installs chromium-driver)");
        }
        eprintln!("SKIPPED browser e2e test: chromedriver not found (apt-get install chromium chromium-driver)");
        return;
    }
    // A store with accounts but no reports.
    let dir = tempfile::tempdir().unwrap();
    {
        use lantern_store::Store;
        let mut store = lantern_store::SqliteStore::open(dir.path()).unwrap();
        let hash = lantern_serve::auth::hash_password(common::PASSWORD).unwrap();
        store
            .put_user("ed", lantern_store::Role::Editor, &hash)
            .unwrap();
    }
    let state =
        lantern_serve::state(lantern_serve::sqlite_opener(dir.path().into()), false).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(lantern_serve::serve(listener, state));

    let report = dir.path().join("musan-crossing.txt");
    std::fs::write(
        &report,
        "---\ntitle: Crossing at Musan\noutlet: Test Wire\npublished: 2024-06-02\n---\nBorder guards in Musan caught two people crossing the Tumen River into China last week.\n",
    )
    .unwrap();

    let profile = tempfile::tempdir().unwrap();
    let d = Driver::start(profile.path());
    d.go(&format!("{base}/search"));
    d.wait_for("Sign in");
    d.screenshot("01-login");
    d.type_in("#name", "ed");
    d.type_in("#password", common::PASSWORD);
    d.click("#login");
    d.wait_for("Events (0)");

    d.go(&format!("{base}/ingest"));
    let input = d.find("input[type=file]");
    d.cmd(
        "POST",
        &format!("element/{input}/value"),
        json!({ "text": report.display().to_string() }),
    );
    d.screenshot("02-ingest");
    d.click("#ingest-submit");
    d.wait_for("class=\"ok\">stored");
    d.screenshot("03-ingested");

    d.go(&format!("{base}/search?q=Musan"));
    d.wait_for("Crossing at Musan");
    d.screenshot("04-search");
    d.click("table.events td a");
    d.wait_for("Evidence in the report");
    assert!(d.count("mark.ev") >= 1, "evidence highlighted");
    d.click("#confirm");
    let page = d.wait_for("state-confirmed");
    assert!(page.contains("<td>ed</td>"), "audit log names the reviewer");
    d.screenshot("05-confirmed");

    d.go(&format!("{base}/timeline?status=confirmed"));
    d.wait_for("Timeline");
    assert!(
        d.count("#timeline svg rect") >= 1,
        "the confirmed event is on the timeline"
    );
    d.screenshot("06-timeline");
    d.go(&format!("{base}/map?status=confirmed"));
    d.wait_for("Map");
    assert!(
        d.count("#map svg circle") >= 1,
        "the confirmed event is on the map"
    );
    d.screenshot("07-map");
    d.click("#map svg a.dot");
    d.wait_for("Crossing at Musan");

    // Save the search as an alert; its page shows the feed URL.
    d.go(&format!("{base}/search?q=Musan"));
    d.wait_for("Save this search as an alert");
    assert!(
        d.count("a[href^='/export.csv?q=Musan']") == 1,
        "download link with the filter"
    );
    d.type_in("form.save-alert input[name=name]", "musan-watch");
    d.click("#save-alert");
    let page = d.wait_for("Alert musan-watch");
    assert!(
        page.contains("New events (0)"),
        "existing events count as seen"
    );
    assert!(page.contains("/alerts/musan-watch/feed.atom?token="));
    d.screenshot("08-alert");
    d.go(&format!("{base}/alerts"));
    d.wait_for("musan-watch");
}
