//! Commands that use the store: ingest, reports, show, search, events, verify,
//! reextract, demo.

use std::collections::{HashSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use lantern_extract::{Actor, EventType, EXTRACTOR_VERSION};
use lantern_store::{EventFilter, FileInput, PreparedFile, ReportOutcome, Store, StoreSpec};

use crate::read::{extract_guarded, read_bytes, FileReports};
use crate::trace::{self, Trace};
use crate::util::ellipsize;
use crate::walk::collect_files;

/// Open the store `data` names (a SQLite data folder or a PostgreSQL URL). Every
/// command opens its store through this one function.
pub fn open(data: &StoreSpec) -> anyhow::Result<Box<dyn Store>> {
    data.open()
        .with_context(|| format!("cannot open the store {data}"))
}

/// What one ingest run did.
#[derive(Default, Debug)]
pub struct IngestSummary {
    pub files: usize,
    pub reports_stored: usize,
    pub reports_duplicate: usize,
    pub files_duplicate: usize,
    pub events: usize,
    /// (path, reason), one per failed file or item.
    pub failed: Vec<(String, String)>,
    pub bytes: u64,
}

/// One file after reading, parsing and extraction.
enum Prepared {
    Input(PreparedFile),
    Failed(String),
}

/// A file read by the ingest loop: its path, bytes and their SHA-256 (hex).
type ReadFile = (PathBuf, Vec<u8>, String);

/// Parse and extract one file's bytes, whose SHA-256 the reader has computed; item errors
/// come back separately.
fn prepare(path: &Path, original: Vec<u8>, sha256: String) -> (Prepared, Vec<(String, String)>) {
    let display = path.display().to_string();
    match crate::read::parse_bytes_hashed(original, &display, Some(sha256)) {
        FileReports::Failed(reason) => (Prepared::Failed(reason), Vec::new()),
        FileReports::Parsed {
            original, items, ..
        } => {
            let mut reports = Vec::new();
            let mut item_errors = Vec::new();
            for item in items {
                match item {
                    Ok(report) => {
                        let events = extract_guarded(&report);
                        reports.push((report, events));
                    }
                    Err(e) => item_errors
                        .push((display.clone(), format!("item {}: {}", e.item, e.reason))),
                }
            }
            let input = FileInput {
                original,
                source_path: display,
                reports,
                extractor_version: EXTRACTOR_VERSION.to_string(),
            };
            // The rows the store writes (hash, JSON columns, full-text form) are computed
            // here, on a worker thread, not on the writing one.
            match PreparedFile::new(input) {
                Ok(prepared) => (Prepared::Input(prepared), item_errors),
                Err(e) => (Prepared::Failed(e.to_string()), item_errors),
            }
        }
    }
}

/// One chunk of files after parsing and extraction, in input order.
type PreparedChunk = Vec<(Prepared, Vec<(String, String)>, PathBuf)>;

/// One file after parsing and extraction, with its item errors and path.
type PreparedOne = (Prepared, Vec<(String, String)>, PathBuf);

/// A file handed to the extraction workers: its chunk's number, its place in the chunk.
type Job = (u64, usize, ReadFile);

/// A chunk read and handed to the workers, its results filled in as they arrive.
struct Chunk {
    /// The chunk's number (chunks are written in this order).
    seq: u64,
    /// Files of the input it covers (stored duplicates and unreadable ones included).
    files: u64,
    /// Bytes of new originals handed out.
    bytes: usize,
    /// One slot per file handed out, in input order.
    slots: Vec<Option<PreparedOne>>,
    /// Slots still empty.
    missing: usize,
}

/// Files in the first chunk: small, so that the writer starts early (the next chunks
/// double up to `batch`). At least 64 files, SQLite's bulk-batch size, so that the
/// count-table fold and the full-text index stay deferred.
const FIRST_CHUNK: usize = 128;

/// The niceness the extraction workers take (Linux: per thread) on an otherwise idle
/// machine: the writing thread, the pipeline's longest chain, then gets a core whenever
/// it can run and the workers fill the rest (session 8, quiet machine, 10,000 reports:
/// 5.7-6.5 s against 7.2-8.1 s without). On a busy machine the workers keep their
/// normal priority (see [`worker_nice`]): at a lower one they lose their share to the
/// other processes (with two CPU-bound processes beside it, 12.2-16.3 s against
/// 11.3-11.6 s). Whatever their priority, the writing thread prepares queued files
/// itself rather than wait for the workers.
const WORKER_NICE: i32 = 10;

/// The workers' niceness: `LANTERN_WORKER_NICE=N` (0 to 19) when set; otherwise
/// [`WORKER_NICE`] when the machine's one-minute load average is under its number of
/// cores, else 0.
fn worker_nice(cores: usize) -> i32 {
    if let Some(n) = std::env::var("LANTERN_WORKER_NICE")
        .ok()
        .and_then(|v| v.trim().parse::<i32>().ok())
    {
        return n.clamp(0, 19);
    }
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok());
    match load {
        Some(load) if load < cores as f64 => WORKER_NICE,
        _ => 0,
    }
}

/// Parse, extract and prepare one file's rows; a panic fails that file alone.
fn prepare_one(path: PathBuf, bytes: Vec<u8>, sha: String) -> PreparedOne {
    let (prep, item_errors) =
        std::panic::catch_unwind(AssertUnwindSafe(|| prepare(&path, bytes, sha))).unwrap_or_else(
            |_| {
                let reason = "parsing failed internally".to_string();
                (Prepared::Failed(reason), Vec::new())
            },
        );
    (prep, item_errors, path)
}

/// Lower the calling thread's scheduling priority by `nice` (Linux; elsewhere nothing).
fn lower_thread_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice > 0 {
        // SAFETY: plain system calls without pointers; on Linux `setpriority` with
        // PRIO_PROCESS and a thread id changes that one thread.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid, nice);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// Ingest files into an open store, as a pipeline. This thread reads and hashes chunks
/// of files (up to `batch` files or 32 MB of new originals; the first chunk smaller),
/// skips originals already stored, and queues the rest file by file for the extraction
/// workers (one per core, at a lower priority), which parse, extract and prepare each
/// file's rows and send it back; whenever the oldest chunk is complete this thread
/// writes it in one transaction. Files are taken one at a time, so no worker idles
/// while another finishes a chunk, and the next chunk is extracted while this one is
/// written; at most two `batch`es of files are read and not yet written.
pub fn ingest_into(
    store: &mut dyn Store,
    paths: &[PathBuf],
    quiet: bool,
    batch: usize,
) -> anyhow::Result<IngestSummary> {
    let (files, walk_errors) = collect_files(paths);
    let mut summary = IngestSummary {
        files: files.len(),
        ..Default::default()
    };
    for e in walk_errors {
        summary
            .failed
            .push((e.path.display().to_string(), e.reason));
    }
    let bar = if quiet || files.len() < 20 {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} files {per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.clamp(1, 8);
    let nice = worker_nice(cores);
    /// A chunk (one transaction) ends after this many bytes of new originals even
    /// before `batch` files, so that large files do not multiply the memory in flight.
    const MAX_CHUNK_BYTES: usize = 32 * 1024 * 1024;
    let limit = batch.max(1);
    // Read and not yet written: at most two chunks' worth.
    let (max_files, max_bytes) = (2 * limit, 2 * MAX_CHUNK_BYTES);
    let mut seen_in_run: HashSet<String> = HashSet::new();
    let trace_run = Trace::from_env();
    let tr = trace_run.as_ref();
    let (job_tx, job_rx) = std::sync::mpsc::channel::<Job>();
    let job_rx = std::sync::Mutex::new(job_rx);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // Owned here, so that the workers stop when this closure returns.
        let job_tx = job_tx;
        let (done_tx, done_rx) = std::sync::mpsc::channel::<(u64, usize, PreparedOne)>();
        for worker in 0..threads {
            let done_tx = done_tx.clone();
            let job_rx = &job_rx;
            scope.spawn(move || {
                lower_thread_priority(nice);
                let label = format!("x{worker}");
                loop {
                    let t0 = trace::now(tr);
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((seq, slot, (path, bytes, sha))) = job else {
                        break;
                    };
                    trace::span(tr, &label, "idle", t0);
                    let t0 = trace::now(tr);
                    let one = prepare_one(path, bytes, sha);
                    trace::span(tr, &label, "work", t0);
                    if done_tx.send((seq, slot, one)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let lost = "the extraction workers stopped unexpectedly";
        let mut chunks: VecDeque<Chunk> = VecDeque::new();
        let (mut held_files, mut held_bytes) = (0usize, 0usize);
        let mut next_seq = 0u64;
        // Files sent to the workers and not yet back.
        let mut queued = 0usize;
        let mut next_size = FIRST_CHUNK.min(limit);
        let mut pending = files.iter();
        // A finished file into its chunk's slot.
        let place = |chunks: &mut VecDeque<Chunk>, (seq, slot, one): (u64, usize, PreparedOne)| {
            let first = chunks.front().map_or(seq, |c| c.seq);
            let chunk = seq
                .checked_sub(first)
                .and_then(|i| chunks.get_mut(i as usize));
            if let Some(cell) = chunk.and_then(|c| {
                let cell = c.slots.get_mut(slot)?;
                if cell.is_none() {
                    c.missing -= 1;
                }
                Some(cell)
            }) {
                *cell = Some(one);
            }
        };
        loop {
            while let Ok(done) = done_rx.try_recv() {
                queued -= 1;
                place(&mut chunks, done);
            }
            // Read ahead (cheap) while the workers have less than half a chunk queued
            // or the oldest chunk is not complete, so that they never run dry and the
            // first write starts early.
            let front_done = chunks.front().is_some_and(|c| c.missing == 0);
            if pending.len() > 0
                && held_files < max_files
                && held_bytes < max_bytes
                && (!front_done || queued < limit / 2)
            {
                let t0 = trace::now(tr);
                let size = next_size;
                next_size = (next_size * 2).min(limit);
                let seq = next_seq;
                next_seq += 1;
                let mut chunk = Chunk {
                    seq,
                    files: 0,
                    bytes: 0,
                    slots: Vec::new(),
                    missing: 0,
                };
                while (chunk.files as usize) < size && chunk.bytes < MAX_CHUNK_BYTES {
                    let Some(path) = pending.next() else {
                        break;
                    };
                    chunk.files += 1;
                    match read_bytes(path) {
                        Err(reason) => summary.failed.push((path.display().to_string(), reason)),
                        Ok(bytes) => {
                            summary.bytes += bytes.len() as u64;
                            let sha = lantern_ingest::sha256_hex(&bytes);
                            if !seen_in_run.insert(sha.clone()) || store.has_original(&sha)? {
                                summary.files_duplicate += 1;
                            } else {
                                chunk.bytes += bytes.len();
                                let slot = chunk.slots.len();
                                chunk.slots.push(None);
                                chunk.missing += 1;
                                job_tx
                                    .send((seq, slot, (path.clone(), bytes, sha)))
                                    .context(lost)?;
                                queued += 1;
                            }
                        }
                    }
                }
                held_files += chunk.files as usize;
                held_bytes += chunk.bytes;
                chunks.push_back(chunk);
                trace::span(tr, "main", "read", t0);
                continue;
            }
            if front_done {
                let Some(chunk) = chunks.pop_front() else {
                    continue;
                };
                let t0 = trace::now(tr);
                let prepared: PreparedChunk = chunk.slots.into_iter().flatten().collect();
                write_prepared(store, prepared, &mut summary)?;
                trace::span(tr, "main", "write", t0);
                held_files -= chunk.files as usize;
                held_bytes -= chunk.bytes;
                bar.inc(chunk.files);
                continue;
            }
            if chunks.is_empty() && pending.len() == 0 {
                break;
            }
            // The oldest chunk is not complete: rather than wait for the workers (which
            // may be starved of CPU by other processes at their lower priority), take a
            // queued file and prepare it here, at this thread's priority.
            let t0 = trace::now(tr);
            let job = job_rx.try_lock().ok().and_then(|rx| rx.try_recv().ok());
            if let Some((seq, slot, (path, bytes, sha))) = job {
                let one = prepare_one(path, bytes, sha);
                trace::span(tr, "main", "help", t0);
                queued -= 1;
                place(&mut chunks, (seq, slot, one));
                continue;
            }
            let done = done_rx.recv().context(lost)?;
            trace::span(tr, "main", "wait", t0);
            queued -= 1;
            place(&mut chunks, done);
        }
        Ok(())
    })?;
    // Derived work the store deferred across the batches (SQLite: the count table's
    // fold of the run's summed keys).
    let t0 = trace::now(tr);
    store
        .finish_ingest()
        .context("finishing the ingest (folding the event counts) failed")?;
    trace::span(tr, "main", "finish", t0);
    if let Some(t) = tr {
        t.finish();
    }
    bar.finish_and_clear();
    Ok(summary)
}

/// Write one extracted chunk in one transaction and count what happened.
fn write_prepared(
    store: &mut dyn Store,
    prepared: PreparedChunk,
    summary: &mut IngestSummary,
) -> anyhow::Result<()> {
    let mut inputs = Vec::new();
    for (prep, item_errors, path) in prepared {
        summary.failed.extend(item_errors);
        match prep {
            Prepared::Failed(reason) => summary.failed.push((path.display().to_string(), reason)),
            Prepared::Input(input) => inputs.push(input),
        }
    }
    if inputs.is_empty() {
        return Ok(());
    }
    let outcomes = store
        .ingest_prepared(inputs)
        .context("writing to the store failed; this batch was rolled back")?;
    for outcome in outcomes {
        if !outcome.original_new {
            summary.files_duplicate += 1;
        }
        for r in outcome.reports {
            match r {
                ReportOutcome::Stored { events, .. } => {
                    summary.reports_stored += 1;
                    summary.events += events;
                }
                ReportOutcome::Duplicate { .. } => summary.reports_duplicate += 1,
            }
        }
    }
    Ok(())
}

fn print_summary(s: &IngestSummary, secs: f64) {
    println!(
        "{} files read ({}) in {:.2}s: {} reports stored with {} events, {} duplicate reports, {} files already stored, {} failed",
        s.files,
        crate::util::human_bytes(s.bytes),
        secs,
        s.reports_stored,
        s.events,
        s.reports_duplicate,
        s.files_duplicate,
        s.failed.len()
    );
    for (path, reason) in &s.failed {
        eprintln!("failed: {path}: {reason}");
    }
}

pub fn ingest(
    data: &StoreSpec,
    paths: &[PathBuf],
    quiet: bool,
    batch: usize,
) -> anyhow::Result<bool> {
    let mut store = open(data)?;
    let start = Instant::now();
    let summary = ingest_into(store.as_mut(), paths, quiet, batch)?;
    print_summary(&summary, start.elapsed().as_secs_f64());
    Ok(summary.failed.is_empty())
}

pub fn reports(data: &StoreSpec, json: bool, limit: usize, offset: usize) -> anyhow::Result<bool> {
    let store = open(data)?;
    let rows = store.reports(limit, offset)?;
    if json {
        // Each report with the original it copies (a repost), if any.
        let copies: std::collections::HashMap<String, String> = store
            .duplicate_links()?
            .into_iter()
            .map(|d| (d.report_id, d.original_id))
            .collect();
        for r in rows {
            let mut v = serde_json::to_value(&r)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert("duplicate_of".into(), serde_json::json!(copies.get(&r.id)));
            }
            println!("{}", serde_json::to_string(&v)?);
        }
        return Ok(true);
    }
    let total = store.count_reports()?;
    for r in &rows {
        println!(
            "{}  {:<10}  {:<2}  {:>3} ev  {}",
            &r.id[..12.min(r.id.len())],
            r.published
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            r.language.as_str(),
            r.event_count,
            ellipsize(r.title.as_deref().unwrap_or("(untitled)"), 70)
        );
    }
    println!("{} of {total} reports", rows.len());
    Ok(true)
}

pub fn show(data: &StoreSpec, id: &str, json: bool) -> anyhow::Result<bool> {
    let store = open(data)?;
    let Some(report) = store.report(id)? else {
        anyhow::bail!("no report with id {id}");
    };
    let events = store.report_events(&report.id)?;
    if json {
        let value = serde_json::json!({ "report": report, "events": events });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(true);
    }
    println!("id:        {}", report.id);
    println!("title:     {}", report.title.as_deref().unwrap_or("-"));
    println!("outlet:    {}", report.outlet.as_deref().unwrap_or("-"));
    println!("url:       {}", report.url.as_deref().unwrap_or("-"));
    match &report.published {
        Some(p) => println!("published: {} (from {:?}: {})", p.date, p.source, p.raw),
        None => println!("published: unknown"),
    }
    println!("language:  {}", report.language.as_str());
    println!("format:    {}", report.format);
    println!("source:    {}", report.source_path);
    println!("original:  sha256 {}", report.original_sha256);
    println!("captured:  {}", report.captured_at);
    println!("\nremoved boilerplate ({}):", report.removed.len());
    for span in &report.removed {
        let text = report
            .text
            .get(span.offset..span.offset + span.length)
            .unwrap_or("");
        println!(
            "  {:<8} @{:<6} {}",
            span.kind.as_str(),
            span.offset,
            ellipsize(text, 90)
        );
    }
    println!("\n{}\n", report.body.trim_end());
    println!("events ({}):", events.len());
    let plain: Vec<_> = events.iter().map(|e| e.event.clone()).collect();
    let mut out = std::io::stdout().lock();
    crate::extract_cmd::write_table(&mut out, &report.id[..12], &report, &plain)?;
    Ok(true)
}

pub fn search(data: &StoreSpec, query: &str, json: bool, limit: usize) -> anyhow::Result<bool> {
    let store = open(data)?;
    let hits = store.search(query, limit, 0)?;
    if json {
        for h in hits {
            println!("{}", serde_json::to_string(&h)?);
        }
        return Ok(true);
    }
    let total = store.count_search(query)?;
    for h in &hits {
        println!(
            "{}  {:<10}  {}\n    {}",
            &h.report_id[..12.min(h.report_id.len())],
            h.published
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            h.title.as_deref().unwrap_or("(untitled)"),
            ellipsize(&h.snippet, 150)
        );
    }
    println!("{} of {total} matching reports", hits.len());
    Ok(true)
}

pub struct EventArgs {
    pub event_type: Option<String>,
    pub place: Option<String>,
    pub actor: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: usize,
}

fn parse_date(field: &str, value: &Option<String>) -> anyhow::Result<Option<chrono::NaiveDate>> {
    value
        .as_deref()
        .map(|v| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .with_context(|| format!("--{field} {v:?} is not a date like 2021-06-30"))
        })
        .transpose()
}

/// Turn command-line filter values into an [`EventFilter`], with clear errors.
pub fn event_filter(args: &EventArgs) -> anyhow::Result<EventFilter> {
    let event_type = match &args.event_type {
        None => None,
        Some(t) => Some(EventType::parse(t).with_context(|| {
            let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            format!(
                "--type {t:?} is not an event type; one of: {}",
                all.join(", ")
            )
        })?),
    };
    let actor = match &args.actor {
        None => None,
        Some(a) => Some(Actor::parse(a).with_context(|| {
            let all: Vec<&str> = Actor::ALL.iter().map(|a| a.as_str()).collect();
            format!(
                "--actor {a:?} is not an actor id; one of: {}",
                all.join(", ")
            )
        })?),
    };
    Ok(EventFilter {
        event_type,
        place: args.place.clone(),
        actor,
        from: parse_date("from", &args.from)?,
        to: parse_date("to", &args.to)?,
        limit: Some(args.limit),
        ..Default::default()
    })
}

pub fn events(data: &StoreSpec, args: EventArgs, json: bool) -> anyhow::Result<bool> {
    let filter = event_filter(&args)?;
    let store = open(data)?;
    let rows = store.events(&filter)?;
    if json {
        for e in rows {
            println!("{}", serde_json::to_string(&e)?);
        }
        return Ok(true);
    }
    let total = store.count_events(&filter)?;
    for e in &rows {
        let ev = &e.event;
        let places: Vec<&str> = ev.places.iter().map(|p| p.name.as_str()).collect();
        let actors: Vec<&str> = ev.actors.iter().map(|a| a.as_str()).collect();
        let date = ev
            .date
            .as_ref()
            .and_then(|d| d.start)
            .or(e.report_published)
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into());
        println!(
            "{:>6}  {:<10}  {:<16} {:<24} {:<30} {:<9} {}",
            e.id,
            date,
            ev.event_type.as_str(),
            ellipsize(&places.join(","), 24),
            ellipsize(&actors.join(","), 30),
            e.review_state.as_str(),
            ellipsize(e.report_title.as_deref().unwrap_or(""), 50)
        );
    }
    println!("{} of {total} events", rows.len());
    Ok(true)
}

pub fn verify(data: &StoreSpec) -> anyhow::Result<bool> {
    let store = open(data)?;
    let outcome = store.verify()?;
    for m in &outcome.mismatches {
        println!("MISMATCH {} ({}): {}", m.sha256, m.first_path, m.problem);
    }
    for p in &outcome.integrity_problems {
        println!("DATABASE {p}");
    }
    if outcome.is_ok() {
        println!(
            "ok: {} originals re-hashed, all match; database integrity ok",
            outcome.originals_checked
        );
    } else {
        println!(
            "{} originals checked: {} mismatches, {} database problems",
            outcome.originals_checked,
            outcome.mismatches.len(),
            outcome.integrity_problems.len()
        );
    }
    Ok(outcome.is_ok())
}

pub fn reextract(data: &StoreSpec, all: bool) -> anyhow::Result<bool> {
    let mut store = open(data)?;
    let ids: Vec<String> = if all {
        let n = store.count_reports()? as usize;
        store.reports(n, 0)?.into_iter().map(|r| r.id).collect()
    } else {
        store.stale_reports(EXTRACTOR_VERSION)?
    };
    let mut events = 0;
    for id in &ids {
        let Some(report) = store.report(id)? else {
            continue;
        };
        // Imported reports hold a rebuilt body, not the report's text: never re-extracted.
        if lantern_store::IMPORT_FORMATS.contains(&report.format.as_str()) {
            continue;
        }
        let extracted = extract_guarded(&report);
        events += store.replace_machine_events(id, &extracted, EXTRACTOR_VERSION)?;
    }
    println!(
        "re-extracted {} reports with extractor {EXTRACTOR_VERSION}: {events} machine events; reviewed events untouched",
        ids.len()
    );
    Ok(true)
}

pub fn demo(data: &StoreSpec, reports_dir: &Path) -> anyhow::Result<bool> {
    if !reports_dir.is_dir() {
        anyhow::bail!(
            "{}: sample reports not found (run from the repository root, or pass --reports)",
            reports_dir.display()
        );
    }
    let mut store = open(data)?;
    let start = Instant::now();
    let summary = ingest_into(store.as_mut(), &[reports_dir.to_path_buf()], true, 256)?;
    print_summary(&summary, start.elapsed().as_secs_f64());
    crate::incidents_cmd::after_write(store.as_mut())?;
    println!("\nstore: {}\n", data);
    let n = store.count_reports()? as usize;
    for r in store.reports(n, 0)? {
        println!(
            "{}  {}  {}",
            &r.id[..12],
            r.published
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            r.title.as_deref().unwrap_or("(untitled)")
        );
        for e in store.report_events(&r.id)? {
            let places: Vec<&str> = e.event.places.iter().map(|p| p.name.as_str()).collect();
            let actors: Vec<&str> = e.event.actors.iter().map(|a| a.as_str()).collect();
            println!(
                "    {:<16} {:<26} {}",
                e.event.event_type.as_str(),
                places.join(", "),
                actors.join(", ")
            );
        }
    }
    Ok(summary.failed.is_empty())
}
