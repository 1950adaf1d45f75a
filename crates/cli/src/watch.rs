//! `lantern watch`: poll RSS and Atom feeds and ingest new items through the normal
//! pipeline. Conditional GET (ETag, Last-Modified, remembered in the store), exponential
//! backoff after errors, and no duplicate ingest: an unchanged feed is a 304 or an
//! original already stored, and items already stored are duplicates by their body hash.
//! This is the one command that uses the network, and only for the URLs it is given.

use std::io::Read;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lantern_extract::EXTRACTOR_VERSION;
use lantern_store::{FeedState, FileInput, ReportOutcome, Store};

use crate::read::{extract_guarded, parse_bytes, FileReports};

/// Largest feed body read (bytes).
pub const MAX_FEED_BYTES: u64 = 32 * 1024 * 1024;

/// Longest wait after repeated errors.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Parse an interval such as `15m`, `30s`, `1h`, `2h30m`, `1d`.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let bad = || format!("--every {s:?} is not an interval like 15m, 1h, 30s or 1d");
    let mut total = 0u64;
    let mut num = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(bad()),
        };
        let n: u64 = num.parse().map_err(|_| bad())?;
        total = total.saturating_add(n.saturating_mul(unit));
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// Wait after `failures` consecutive errors: `base` doubled per failure, at most a day.
pub fn backoff(base: Duration, failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Whether a feed is due at `now`. A failing feed waits out its backoff (from `retry`
/// doubled per failure); a healthy one waits `every` (`None`: always due).
pub fn is_due(
    state: Option<&FeedState>,
    now: DateTime<Utc>,
    every: Option<Duration>,
    retry: Duration,
) -> bool {
    let Some(s) = state else { return true };
    let Some(checked) = s
        .checked_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    else {
        return true;
    };
    let wait = if s.failures > 0 {
        backoff(retry, s.failures)
    } else {
        match every {
            Some(e) => e,
            None => return true,
        }
    };
    let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
    checked.with_timezone(&Utc) + wait <= now
}

/// What one poll did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollOutcome {
    /// HTTP status (0 when no response).
    pub status: u16,
    /// 304, or the same bytes as an original already stored.
    pub unchanged: bool,
    /// New reports stored.
    pub reports_stored: usize,
    /// Items already stored.
    pub reports_duplicate: usize,
    /// Events stored with the new reports.
    pub events: usize,
    /// Items that could not be read, with reasons.
    pub item_errors: Vec<String>,
    /// Why the poll failed, if it did.
    pub error: Option<String>,
}

fn now_string(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The HTTP client used for feeds: timeouts, redirects, a clear user agent.
pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(20))
        .timeout(Duration::from_secs(60))
        .redirects(5)
        .user_agent(concat!(
            "lantern/",
            env!("CARGO_PKG_VERSION"),
            " (feed watcher)"
        ))
        .build()
}

/// Poll one feed now and ingest what is new; records the feed's state in the store.
pub fn poll_feed(
    store: &mut dyn Store,
    agent: &ureq::Agent,
    url: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<PollOutcome> {
    let mut state = store.feed_state(url)?.unwrap_or_else(|| FeedState {
        url: url.to_string(),
        ..Default::default()
    });
    state.checked_at = Some(now_string(now));
    let mut out = PollOutcome::default();
    match fetch(agent, url, &state) {
        Err(reason) => {
            state.failures = state.failures.saturating_add(1);
            state.last_error = Some(reason.clone());
            out.error = Some(reason);
        }
        Ok(Fetched::NotModified) => {
            out.status = 304;
            out.unchanged = true;
            state.failures = 0;
            state.last_error = None;
            state.ok_at = state.checked_at.clone();
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            last_modified,
        }) => {
            out.status = 200;
            match ingest_feed_bytes(store, url, bytes, &mut out) {
                Ok(()) => {
                    state.etag = etag;
                    state.last_modified = last_modified;
                    state.failures = 0;
                    state.last_error = None;
                    state.ok_at = state.checked_at.clone();
                }
                Err(reason) => {
                    state.failures = state.failures.saturating_add(1);
                    state.last_error = Some(reason.clone());
                    out.error = Some(reason);
                }
            }
        }
    }
    store.set_feed_state(&state)?;
    Ok(out)
}

enum Fetched {
    NotModified,
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

fn fetch(agent: &ureq::Agent, url: &str, state: &FeedState) -> Result<Fetched, String> {
    let mut req = agent.get(url).set(
        "Accept",
        "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
    );
    if let Some(e) = &state.etag {
        req = req.set("If-None-Match", e);
    }
    if let Some(m) = &state.last_modified {
        req = req.set("If-Modified-Since", m);
    }
    let resp = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(code, r)) => {
            return Err(format!("HTTP {code} {}", r.status_text()));
        }
        Err(ureq::Error::Transport(t)) => return Err(t.to_string()),
    };
    if resp.status() == 304 {
        return Ok(Fetched::NotModified);
    }
    if resp.status() != 200 {
        return Err(format!("HTTP {} {}", resp.status(), resp.status_text()));
    }
    let etag = resp.header("ETag").map(str::to_string);
    let last_modified = resp.header("Last-Modified").map(str::to_string);
    let mut bytes = Vec::new();
    resp.into_reader()
        .take(MAX_FEED_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading the response: {e}"))?;
    if bytes.len() as u64 > MAX_FEED_BYTES {
        return Err(format!("feed is larger than {MAX_FEED_BYTES} bytes"));
    }
    Ok(Fetched::Body {
        bytes,
        etag,
        last_modified,
    })
}

/// Ingest a feed's bytes as one original whose items are reports.
fn ingest_feed_bytes(
    store: &mut dyn Store,
    url: &str,
    bytes: Vec<u8>,
    out: &mut PollOutcome,
) -> Result<(), String> {
    let sha = lantern_ingest::sha256_hex(&bytes);
    if store.has_original(&sha).map_err(|e| e.to_string())? {
        out.unchanged = true;
        return Ok(());
    }
    let (original, items) = match parse_bytes(bytes, url) {
        FileReports::Failed(reason) => return Err(format!("not a readable feed: {reason}")),
        FileReports::Parsed { original, items } => (original, items),
    };
    let mut reports = Vec::new();
    for item in items {
        match item {
            Ok(r) => {
                let events = extract_guarded(&r);
                reports.push((r, events));
            }
            Err(e) => out
                .item_errors
                .push(format!("item {}: {}", e.item, e.reason)),
        }
    }
    let input = FileInput {
        original,
        source_path: url.to_string(),
        reports,
        extractor_version: EXTRACTOR_VERSION.to_string(),
    };
    let outcomes = store
        .ingest_batch(std::slice::from_ref(&input))
        .map_err(|e| format!("storing failed: {e}"))?;
    for o in outcomes {
        for r in o.reports {
            match r {
                ReportOutcome::Stored { events, .. } => {
                    out.reports_stored += 1;
                    out.events += events;
                }
                ReportOutcome::Duplicate { .. } => out.reports_duplicate += 1,
            }
        }
    }
    Ok(())
}

/// Options of `lantern watch`.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Poll each feed this often.
    pub every: Duration,
    /// Poll each due feed once and stop.
    pub once: bool,
    /// First wait after an error (doubled per further error).
    pub retry: Duration,
}

/// Run `lantern watch` on an open store. Returns false if the last poll of any feed
/// failed (only meaningful with `once`).
pub fn watch(store: &mut dyn Store, urls: &[String], opts: &WatchOptions) -> anyhow::Result<bool> {
    for u in urls {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            anyhow::bail!("{u}: not an http:// or https:// URL");
        }
    }
    let agent = agent();
    loop {
        let mut all_ok = true;
        for url in urls {
            let now = Utc::now();
            let state = store.feed_state(url)?;
            let every = if opts.once { None } else { Some(opts.every) };
            if !is_due(state.as_ref(), now, every, opts.retry) {
                if opts.once {
                    if let Some(s) = &state {
                        println!(
                            "{url}: skipped, backing off after {} errors (last: {})",
                            s.failures,
                            s.last_error.as_deref().unwrap_or("?")
                        );
                        all_ok = false;
                    }
                }
                continue;
            }
            let o = poll_feed(store, &agent, url, now)?;
            report(url, &o, store, opts.retry);
            all_ok &= o.error.is_none();
        }
        // New reports: regroup incidents (only when the data changed).
        if let Err(e) = crate::incidents_cmd::after_write(store) {
            eprintln!("incidents not recomputed: {e:#}");
        }
        if opts.once {
            return Ok(all_ok);
        }
        std::thread::sleep(Duration::from_secs(30).min(opts.every));
    }
}

fn report(url: &str, o: &PollOutcome, store: &dyn Store, retry: Duration) {
    if let Some(e) = &o.error {
        let failures = store
            .feed_state(url)
            .ok()
            .flatten()
            .map(|s| s.failures)
            .unwrap_or(1);
        eprintln!(
            "{url}: error: {e}; retry in {}s",
            backoff(retry, failures).as_secs()
        );
    } else if o.unchanged {
        println!("{url}: unchanged");
    } else {
        println!(
            "{url}: {} new reports with {} events, {} already stored",
            o.reports_stored, o.events, o.reports_duplicate
        );
    }
    for e in &o.item_errors {
        eprintln!("{url}: failed: {e}");
    }
}
