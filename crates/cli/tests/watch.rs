//! `lantern watch` against a feed server started in the test on 127.0.0.1: conditional
//! GET with ETag and Last-Modified, 304s, backoff after errors, no duplicate ingest.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use chrono::{Duration as CDuration, Utc};
use lantern_cli::watch::{self, is_due, poll_feed};
use lantern_store::{SqliteStore, Store};

#[derive(Default)]
struct Server {
    body: Vec<u8>,
    etag: Option<String>,
    last_modified: Option<String>,
    status: u16,
    /// Request heads received, lower-cased.
    requests: Vec<String>,
}

/// Serve `state` on 127.0.0.1 (any port); returns the feed URL.
fn serve(state: Arc<Mutex<Server>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line.to_ascii_lowercase());
            }
            let mut s = state.lock().unwrap();
            s.requests.push(head.clone());
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}:")))
                    .map(|v| v.trim().to_string())
            };
            let not_modified = match (&s.etag, header("if-none-match")) {
                (Some(e), Some(h)) => e.to_ascii_lowercase() == h,
                (None, _) => match (&s.last_modified, header("if-modified-since")) {
                    (Some(m), Some(h)) => m.to_ascii_lowercase() == h,
                    _ => false,
                },
                _ => false,
            };
            let mut resp = Vec::new();
            if s.status != 200 {
                write!(
                    resp,
                    "HTTP/1.1 {} Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    s.status
                )
                .unwrap();
            } else if not_modified {
                write!(
                    resp,
                    "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
            } else {
                write!(
                    resp,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                )
                .unwrap();
                if let Some(e) = &s.etag {
                    write!(resp, "ETag: {e}\r\n").unwrap();
                }
                if let Some(m) = &s.last_modified {
                    write!(resp, "Last-Modified: {m}\r\n").unwrap();
                }
                write!(
                    resp,
                    "Content-Length: {}\r\nConnection: close\r\n\r\n",
                    s.body.len()
                )
                .unwrap();
                resp.extend_from_slice(&s.body);
            }
            let _ = conn.write_all(&resp);
            let _ = conn.flush();
        }
    });
    format!("http://{addr}/feed.xml")
}

const ITEMS: [(&str, &str, &str); 3] = [
    (
        "Traders questioned in Hyesan",
        "Tue, 03 Oct 2023 09:00:00 +0900",
        "State security agents questioned five traders at the Hyesan market last week about \
         calls made on Chinese mobile phones, a source in Yanggang Province said.",
    ),
    (
        "Curfew on the Sinuiju riverbank",
        "Wed, 04 Oct 2023 09:00:00 +0900",
        "Authorities in Sinuiju ordered residents to stay away from the riverbank after dark \
         and border guards stepped up patrols, a source in North Pyongan Province said.",
    ),
    (
        "Rice price climbs in Hoeryong",
        "Thu, 05 Oct 2023 09:00:00 +0900",
        "The price of rice at the Hoeryong market rose to 6,200 won per kilogram this week \
         as deliveries from the farms slowed, a source in North Hamgyong Province said.",
    ),
];

fn rss(n: usize) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Test Border Wire</title><link>https://example.org/wire</link>\n",
    );
    for (i, (title, date, text)) in ITEMS.iter().take(n).enumerate() {
        s.push_str(&format!(
            "<item><title>{title}</title><link>https://example.org/wire/{i}</link>\
             <guid>https://example.org/wire/{i}</guid><pubDate>{date}</pubDate>\
             <description><![CDATA[<p>{text}</p>]]></description></item>\n"
        ));
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}

#[test]
fn conditional_get_backoff_and_no_duplicates() {
    let state = Arc::new(Mutex::new(Server {
        body: rss(2),
        etag: Some("\"v1\"".into()),
        last_modified: Some("Sat, 28 Nov 2026 10:00:00 GMT".into()),
        status: 200,
        ..Default::default()
    }));
    let url = serve(state.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let agent = watch::agent();
    let t0 = Utc::now();

    // 1. First poll: both items stored.
    let o = poll_feed(&mut store, &agent, &url, t0).unwrap();
    assert_eq!((o.status, o.reports_stored), (200, 2), "{o:?}");
    assert!(o.error.is_none());
    let s = store.feed_state(&url).unwrap().unwrap();
    assert_eq!(s.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        s.last_modified.as_deref(),
        Some("Sat, 28 Nov 2026 10:00:00 GMT")
    );

    // 2. Unchanged: the request carries both validators and gets a 304.
    let o = poll_feed(&mut store, &agent, &url, t0).unwrap();
    assert_eq!(o.status, 304);
    assert!(o.unchanged);
    {
        let s = state.lock().unwrap();
        let last = s.requests.last().unwrap();
        assert!(last.contains("if-none-match: \"v1\""), "{last}");
        assert!(
            last.contains("if-modified-since: sat, 28 nov 2026 10:00:00 gmt"),
            "{last}"
        );
        assert!(!s.requests[0].contains("if-none-match"));
    }

    // 3. A new version with one new item: only that item is stored.
    {
        let mut s = state.lock().unwrap();
        s.body = rss(3);
        s.etag = Some("\"v2\"".into());
    }
    let o = poll_feed(&mut store, &agent, &url, t0).unwrap();
    assert_eq!((o.reports_stored, o.reports_duplicate), (1, 2), "{o:?}");
    assert_eq!(store.count_reports().unwrap(), 3);

    // 4. A server that ignores validators sends the same bytes: nothing is stored.
    {
        let mut s = state.lock().unwrap();
        s.etag = None;
        s.last_modified = None;
    }
    let o = poll_feed(&mut store, &agent, &url, t0).unwrap();
    assert_eq!(o.status, 200);
    assert!(o.unchanged);
    assert_eq!(store.count_reports().unwrap(), 3);

    // 5. Errors count up and push the next poll back, doubling.
    state.lock().unwrap().status = 503;
    let retry = std::time::Duration::from_secs(60);
    let o = poll_feed(&mut store, &agent, &url, t0).unwrap();
    assert!(o.error.as_deref().unwrap().contains("503"), "{o:?}");
    let s = store.feed_state(&url).unwrap().unwrap();
    assert_eq!(s.failures, 1);
    assert!(!is_due(Some(&s), t0 + CDuration::seconds(30), None, retry));
    assert!(is_due(Some(&s), t0 + CDuration::seconds(61), None, retry));
    poll_feed(&mut store, &agent, &url, t0).unwrap();
    let s = store.feed_state(&url).unwrap().unwrap();
    assert_eq!(s.failures, 2);
    assert!(!is_due(Some(&s), t0 + CDuration::seconds(100), None, retry));
    assert!(is_due(Some(&s), t0 + CDuration::seconds(121), None, retry));
    // A healthy feed waits its interval in loop mode.
    state.lock().unwrap().status = 200;
    poll_feed(&mut store, &agent, &url, t0).unwrap();
    let s = store.feed_state(&url).unwrap().unwrap();
    assert_eq!((s.failures, s.last_error.as_deref()), (0, None));
    let every = Some(std::time::Duration::from_secs(900));
    assert!(!is_due(
        Some(&s),
        t0 + CDuration::seconds(600),
        every,
        retry
    ));
    assert!(is_due(Some(&s), t0 + CDuration::seconds(901), every, retry));
    assert_eq!(store.count_reports().unwrap(), 3);
    assert!(store.verify().unwrap().is_ok());
}

#[test]
fn the_command_polls_once_and_reports() {
    let state = Arc::new(Mutex::new(Server {
        body: rss(3),
        etag: Some("\"x\"".into()),
        status: 200,
        ..Default::default()
    }));
    let url = serve(state.clone());
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_lantern"))
            .arg("--data")
            .arg(dir.path())
            .args(["watch", &url, "--once"])
            .output()
            .unwrap()
    };
    let o = run();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("3 new reports"), "{out}");
    let o = run();
    assert!(String::from_utf8_lossy(&o.stdout).contains("unchanged"));
    // A failing feed exits 1 and the next --once run backs off without a request.
    state.lock().unwrap().status = 500;
    let o = run();
    assert_eq!(o.status.code(), Some(1));
    let n = state.lock().unwrap().requests.len();
    let o = run();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("backing off"));
    assert_eq!(
        state.lock().unwrap().requests.len(),
        n,
        "no request while backing off"
    );
    // Bad arguments.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("--data")
        .arg(dir.path())
        .args(["watch", "ftp://x", "--once", "--every", "5x"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(watch::parse_interval("2h30m").unwrap().as_secs() == 9000);
    assert!(watch::parse_interval("15").is_err());
}
