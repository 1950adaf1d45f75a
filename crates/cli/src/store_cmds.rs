//! Commands that use the store: ingest, reports, show, search, events, verify,
//! reextract, demo.

use std::collections::{HashSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use lantern_extract::{Actor, EventType, EXTRACTOR_VERSION};
use lantern_store::{
    EventFilter, FileInput, OriginalLookup, PreparedFile, ReportOutcome, Store, StoreSpec,
};

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
    /// Bytes of originals read for it, counted against the limit in flight.
    bytes: usize,
    /// One slot per file handed out, in input order.
    slots: Vec<Option<PreparedOne>>,
    /// Slots still empty.
    missing: usize,
    /// Files sent to the workers in the run up to this chunk's last one: while fewer
    /// have been taken from the queue, the next one queued is this chunk's or an
    /// older one's.
    sent_end: u64,
}

/// Files per transaction of `lantern ingest` unless `--batch` says otherwise (the
/// chunks start smaller, see [`FIRST_CHUNK`]).
pub const DEFAULT_BATCH: usize = 1024;

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

/// A chunk of files as the reader thread hands it to the writing thread: read and
/// hashed, duplicates within the run taken out. With a lookup of its own
/// ([`Store::original_lookup`], SQLite) the reader has also skipped stored originals and
/// queued the rest for the workers itself (`queued`, slots 0 to `queued` - 1, sent right
/// after this message); otherwise the writing thread checks and queues `read`.
struct ReadChunk {
    /// The chunk's number (chunks are written in this order).
    seq: u64,
    /// Files of the input it covers (duplicates and unreadable ones included).
    files: u64,
    /// Bytes of the files in `read`, counted against the limit of bytes in flight.
    held_bytes: usize,
    /// Files new in this run, in input order, for the writing thread to check against
    /// the store and queue (empty when the reader did).
    read: Vec<ReadFile>,
    /// Files the reader queued for the workers itself.
    queued: usize,
    /// Files that could not be read: (path, reason).
    failed: Vec<(String, String)>,
    /// Files whose bytes an earlier file of this run already had, or (when the reader
    /// checks) already stored.
    duplicates: usize,
    /// Bytes of every file read (the summary's total).
    bytes: u64,
}

/// What the writing thread receives: a chunk from the reader, a file back from an
/// extraction worker, or the reader's end (an error when it stopped abnormally).
enum Msg {
    Read(ReadChunk),
    Done(u64, usize, PreparedOne),
    End(Result<(), String>),
}

/// Files and bytes read and not yet written, shared by the reader (which waits while
/// they are at the limit) and the writing thread (which gives them back after each
/// chunk's write, and stops the reader when it returns).
#[derive(Default)]
struct InFlight {
    files: usize,
    bytes: usize,
    stop: bool,
}

/// Stops the reader thread when the writing thread leaves the pipeline, on success or
/// on an error, so that the scope's join never waits for a reader blocked at the limit.
struct StopReader<'a>(&'a (std::sync::Mutex<InFlight>, std::sync::Condvar));

impl Drop for StopReader<'_> {
    fn drop(&mut self) {
        let (lock, cvar) = self.0;
        if let Ok(mut f) = lock.lock() {
            f.stop = true;
        }
        cvar.notify_all();
    }
}

/// The reader thread's loop: walks `files` in order, reads and hashes each one, drops
/// the ones whose bytes came earlier in this run, and sends them in chunks of
/// `FIRST_CHUNK` files doubling up to `limit` (or `max_chunk_bytes`), waiting while
/// `max_files` files or `max_bytes` bytes are read and not yet written. With `lookup`
/// it also drops originals already stored and queues the rest for the workers on
/// `job_tx`, right after the chunk's message (so that the writing thread knows the chunk
/// before any of its files comes back). Returns when every file is read or the writing
/// thread has stopped; an error of the lookup stops it.
#[allow(clippy::too_many_arguments)]
fn read_chunks(
    files: &[PathBuf],
    limit: usize,
    max_chunk_bytes: usize,
    (max_files, max_bytes): (usize, usize),
    in_flight: &(std::sync::Mutex<InFlight>, std::sync::Condvar),
    tx: &std::sync::mpsc::Sender<Msg>,
    job_tx: &std::sync::mpsc::Sender<Job>,
    mut lookup: Option<Box<dyn OriginalLookup>>,
    tr: Option<&Trace>,
) -> Result<(), String> {
    let (lock, cvar) = in_flight;
    let mut seen_in_run: HashSet<String> = HashSet::new();
    let mut pending = files.iter();
    let mut next_size = FIRST_CHUNK.min(limit);
    let mut seq = 0u64;
    while pending.len() > 0 {
        let t0 = trace::now(tr);
        {
            let Ok(mut f) = lock.lock() else {
                return Ok(());
            };
            while !f.stop && (f.files >= max_files || f.bytes >= max_bytes) {
                f = match cvar.wait(f) {
                    Ok(f) => f,
                    Err(_) => return Ok(()),
                };
            }
            if f.stop {
                return Ok(());
            }
        }
        trace::span(tr, "rd", "full", t0);
        let t0 = trace::now(tr);
        let size = next_size;
        next_size = (next_size * 2).min(limit);
        let mut chunk = ReadChunk {
            seq,
            files: 0,
            held_bytes: 0,
            read: Vec::new(),
            queued: 0,
            failed: Vec::new(),
            duplicates: 0,
            bytes: 0,
        };
        seq += 1;
        while (chunk.files as usize) < size && chunk.held_bytes < max_chunk_bytes {
            let Some(path) = pending.next() else {
                break;
            };
            chunk.files += 1;
            match read_bytes(path) {
                Err(reason) => chunk.failed.push((path.display().to_string(), reason)),
                Ok(bytes) => {
                    chunk.bytes += bytes.len() as u64;
                    let sha = lantern_ingest::sha256_hex(&bytes);
                    if !seen_in_run.insert(sha.clone()) {
                        chunk.duplicates += 1;
                    } else {
                        chunk.held_bytes += bytes.len();
                        chunk.read.push((path.clone(), bytes, sha));
                    }
                }
            }
        }
        if let Ok(mut f) = lock.lock() {
            f.files += chunk.files as usize;
            f.bytes += chunk.held_bytes;
        }
        let mut jobs = Vec::new();
        if let Some(lookup) = lookup.as_mut() {
            for file in std::mem::take(&mut chunk.read) {
                let stored = lookup.has_original(&file.2).map_err(|e| {
                    format!(
                        "checking whether {} is stored failed: {e}",
                        file.0.display()
                    )
                })?;
                if stored {
                    chunk.duplicates += 1;
                } else {
                    jobs.push((chunk.seq, jobs.len(), file));
                }
            }
            chunk.queued = jobs.len();
        }
        trace::span(tr, "rd", "read", t0);
        if tx.send(Msg::Read(chunk)).is_err() {
            return Ok(());
        }
        for job in jobs {
            if job_tx.send(job).is_err() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The writing thread's view of the pipeline: the chunks read and not yet written.
struct Pipeline {
    /// Chunks handed to the workers, oldest first, their results filled in as they
    /// arrive.
    chunks: VecDeque<Chunk>,
    /// Files sent to the workers and not yet back.
    queued: usize,
    /// Files sent to the workers in the run.
    sent: u64,
    /// Whether the reader has sent its last chunk.
    reader_done: bool,
}

impl Pipeline {
    /// A message into the pipeline's state: a read chunk's originals not yet stored go
    /// to the workers (the duplicate check against the store runs here, on the store's
    /// own connection, one indexed lookup a file), a prepared file into its slot.
    fn take(
        &mut self,
        msg: Msg,
        store: &dyn Store,
        job_tx: &std::sync::mpsc::Sender<Job>,
        summary: &mut IngestSummary,
        tr: Option<&Trace>,
    ) -> anyhow::Result<()> {
        match msg {
            Msg::Done(seq, slot, one) => {
                self.queued -= 1;
                let first = self.chunks.front().map_or(seq, |c| c.seq);
                let chunk = seq
                    .checked_sub(first)
                    .and_then(|i| self.chunks.get_mut(i as usize));
                if let Some(c) = chunk {
                    if let Some(cell) = c.slots.get_mut(slot) {
                        if cell.is_none() {
                            c.missing -= 1;
                        }
                        *cell = Some(one);
                    }
                }
            }
            Msg::End(end) => {
                end.map_err(anyhow::Error::msg)?;
                self.reader_done = true;
            }
            Msg::Read(read) => {
                let t0 = trace::now(tr);
                summary.failed.extend(read.failed);
                summary.bytes += read.bytes;
                summary.files_duplicate += read.duplicates;
                // Files the reader queued itself (slots 0 to `read.queued` - 1); their
                // jobs are sent after this message, so none of them is back yet.
                let mut chunk = Chunk {
                    seq: read.seq,
                    files: read.files,
                    bytes: read.held_bytes,
                    slots: (0..read.queued).map(|_| None).collect(),
                    missing: read.queued,
                    sent_end: 0,
                };
                self.queued += read.queued;
                self.sent += read.queued as u64;
                for (path, bytes, sha) in read.read {
                    if store.has_original(&sha)? {
                        summary.files_duplicate += 1;
                        continue;
                    }
                    let slot = chunk.slots.len();
                    chunk.slots.push(None);
                    chunk.missing += 1;
                    job_tx
                        .send((chunk.seq, slot, (path, bytes, sha)))
                        .context("the extraction workers stopped unexpectedly")?;
                    self.queued += 1;
                    self.sent += 1;
                }
                chunk.sent_end = self.sent;
                self.chunks.push_back(chunk);
                trace::span(tr, "main", "queue", t0);
            }
        }
        Ok(())
    }
}

/// Ingest files into an open store, as a pipeline of three kinds of threads. A reader
/// thread reads and hashes the files in chunks (up to `batch` files or 32 MB of
/// originals; the first chunk smaller), drops the ones repeated within the run, skips
/// the originals already stored (on its own connection, [`Store::original_lookup`];
/// without one this, the writing, thread checks them) and queues the rest file by
/// file for the extraction workers (one per core, at a lower priority), which parse,
/// extract and prepare each file's rows and send it back; whenever the oldest chunk is
/// complete this thread writes it in one transaction, in input order. Files are taken
/// one at a time, so no worker idles while another finishes a chunk, and the next chunk
/// is read and extracted while one is written; at most two `batch`es of files (and 64 MB
/// of originals) are read and not yet written.
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
    /// A chunk (one transaction) ends after this many bytes of originals even before
    /// `batch` files, so that large files do not multiply the memory in flight.
    const MAX_CHUNK_BYTES: usize = 32 * 1024 * 1024;
    let limit = batch.max(1);
    // Read and not yet written: at most two chunks' worth.
    let max_in_flight = (2 * limit, 2 * MAX_CHUNK_BYTES);
    let in_flight = (
        std::sync::Mutex::new(InFlight::default()),
        std::sync::Condvar::new(),
    );
    // The reader checks for stored originals itself when the store gives it a
    // connection of its own (SQLite); otherwise (PostgreSQL, or no second connection)
    // this thread does, one lookup a file, before it queues them.
    let lookup = store.original_lookup().unwrap_or(None);
    let trace_run = Trace::from_env();
    let tr = trace_run.as_ref();
    let (job_tx, job_rx) = std::sync::mpsc::channel::<Job>();
    let job_rx = std::sync::Mutex::new(job_rx);
    // Files taken from the job queue (by the workers or the writing thread).
    let taken = AtomicU64::new(0);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // Owned here, so that the workers stop when this closure returns.
        let job_tx = job_tx;
        let (tx, rx) = std::sync::mpsc::channel::<Msg>();
        // Dropped when this closure returns: the reader then stops too.
        let _stop_reader = StopReader(&in_flight);
        for worker in 0..threads {
            let tx = tx.clone();
            let (job_rx, taken) = (&job_rx, &taken);
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
                    taken.fetch_add(1, Ordering::AcqRel);
                    trace::span(tr, &label, "idle", t0);
                    let t0 = trace::now(tr);
                    let one = prepare_one(path, bytes, sha);
                    trace::span(tr, &label, "work", t0);
                    if tx.send(Msg::Done(seq, slot, one)).is_err() {
                        break;
                    }
                }
            });
        }
        {
            let (files, in_flight) = (&files, &in_flight);
            let job_tx = job_tx.clone();
            scope.spawn(move || {
                // The reader runs at the workers' priority: it is cheap and runs ahead of
                // the writing thread, which should have a core whenever it can run.
                lower_thread_priority(nice);
                let read = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    read_chunks(
                        files,
                        limit,
                        MAX_CHUNK_BYTES,
                        max_in_flight,
                        in_flight,
                        &tx,
                        &job_tx,
                        lookup,
                        tr,
                    )
                }));
                let end = read
                    .map_err(|_| "the reader thread stopped unexpectedly".to_string())
                    .and_then(|r| r);
                // The workers stop once this and the writing thread's senders are gone.
                drop(job_tx);
                let _ = tx.send(Msg::End(end));
            });
        }
        let lost = "the extraction workers stopped unexpectedly";
        let mut state = Pipeline {
            chunks: VecDeque::new(),
            queued: 0,
            sent: 0,
            reader_done: false,
        };
        loop {
            while let Ok(msg) = rx.try_recv() {
                state.take(msg, &*store, &job_tx, &mut summary, tr)?;
            }
            if state.chunks.front().is_some_and(|c| c.missing == 0) {
                let Some(chunk) = state.chunks.pop_front() else {
                    continue;
                };
                let t0 = trace::now(tr);
                let prepared: PreparedChunk = chunk.slots.into_iter().flatten().collect();
                write_prepared(store, prepared, &mut summary)?;
                trace::span(tr, "main", "write", t0);
                let (lock, cvar) = &in_flight;
                if let Ok(mut f) = lock.lock() {
                    f.files -= chunk.files as usize;
                    f.bytes -= chunk.bytes;
                }
                cvar.notify_all();
                bar.inc(chunk.files);
                continue;
            }
            if state.chunks.is_empty() && state.reader_done {
                break;
            }
            // The oldest chunk is not complete (or not read yet): rather than wait for
            // the workers (which may be starved of CPU by other processes at their lower
            // priority), take a queued file of that chunk and prepare it here, at this
            // thread's priority. Not a later chunk's file: the oldest one would then
            // wait for this thread.
            let t0 = trace::now(tr);
            let front_queued = state
                .chunks
                .front()
                .is_some_and(|c| taken.load(Ordering::Acquire) < c.sent_end);
            let job = if front_queued {
                job_rx.try_lock().ok().and_then(|rx| rx.try_recv().ok())
            } else {
                None
            };
            if job.is_some() {
                taken.fetch_add(1, Ordering::AcqRel);
            }
            if let Some((seq, slot, (path, bytes, sha))) = job {
                let one = prepare_one(path, bytes, sha);
                trace::span(tr, "main", "help", t0);
                state.take(
                    Msg::Done(seq, slot, one),
                    &*store,
                    &job_tx,
                    &mut summary,
                    tr,
                )?;
                continue;
            }
            let msg = rx.recv().context(lost)?;
            trace::span(tr, "main", "wait", t0);
            state.take(msg, &*store, &job_tx, &mut summary, tr)?;
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
