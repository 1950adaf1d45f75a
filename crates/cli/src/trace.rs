//! An opt-in timeline of the ingest pipeline's threads: with `LANTERN_PIPELINE_TRACE`
//! set to a file path, `ingest_into` records when each thread works and when it waits
//! (span kind, start and end in seconds since the run began, and the CPU time the thread
//! used in the span) and writes them to that file as tab-separated lines, then prints a
//! per-thread summary to standard error. A busy span whose CPU time is well under its
//! length was waiting for a core (the scheduler ran other threads). Unset, recording
//! costs one branch per span.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// One recorded span: thread label, what it did, start and end (seconds), the thread's
/// CPU seconds in it.
type Span = (String, &'static str, f64, f64, f64);

/// A point in time of one thread: seconds since the run began, and the thread's CPU
/// seconds so far.
#[derive(Clone, Copy, Default)]
pub struct Mark {
    pub wall: f64,
    pub cpu: f64,
}

/// The calling thread's CPU time in seconds (0 where unavailable).
pub fn thread_cpu() -> f64 {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the call only writes to it.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        if rc == 0 {
            return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
        }
    }
    0.0
}

/// The spans of one ingest run, shared by its threads.
pub struct Trace {
    start: Instant,
    path: String,
    spans: Mutex<Vec<Span>>,
}

impl Trace {
    /// A trace when `LANTERN_PIPELINE_TRACE` names a file, else `None`.
    pub fn from_env() -> Option<Trace> {
        let path = std::env::var("LANTERN_PIPELINE_TRACE").ok()?;
        if path.is_empty() {
            return None;
        }
        Some(Trace {
            start: Instant::now(),
            path,
            spans: Mutex::new(Vec::new()),
        })
    }

    /// Now, on the calling thread.
    pub fn mark(&self) -> Mark {
        Mark {
            wall: self.start.elapsed().as_secs_f64(),
            cpu: thread_cpu(),
        }
    }

    /// Record a span of the calling thread, labelled `thread`, from `from` to now.
    pub fn span(&self, thread: &str, kind: &'static str, from: Mark) {
        self.record(thread, kind, from, self.mark());
    }

    /// Record a span of `thread` from `from` to `to` (marks of that thread).
    pub fn record(&self, thread: &str, kind: &'static str, from: Mark, to: Mark) {
        if let Ok(mut spans) = self.spans.lock() {
            spans.push((
                thread.to_string(),
                kind,
                from.wall,
                to.wall,
                (to.cpu - from.cpu).max(0.0),
            ));
        }
    }

    /// Write the spans to the file and a summary (per thread and kind: seconds and
    /// spans) to standard error.
    pub fn finish(&self) {
        let total = self.mark().wall;
        let spans = match self.spans.lock() {
            Ok(s) => s.clone(),
            Err(_) => return,
        };
        let mut text = String::from("thread\tkind\tstart\tend\tcpu\n");
        let mut sums: BTreeMap<(String, &'static str), (f64, f64, usize)> = BTreeMap::new();
        for (thread, kind, a, b, cpu) in &spans {
            text.push_str(&format!("{thread}\t{kind}\t{a:.4}\t{b:.4}\t{cpu:.4}\n"));
            let e = sums.entry((thread.clone(), kind)).or_insert((0.0, 0.0, 0));
            e.0 += b - a;
            e.1 += cpu;
            e.2 += 1;
        }
        if let Err(e) = std::fs::write(&self.path, text) {
            eprintln!("pipeline trace: cannot write {}: {e}", self.path);
        }
        eprintln!("pipeline trace: {total:.3} s in all");
        for ((thread, kind), (secs, cpu, n)) in sums {
            eprintln!("  {thread:<10} {kind:<10} {secs:8.3} s wall {cpu:8.3} s cpu {n:6} spans");
        }
    }
}

/// Record a span when tracing (`trace` is `Some`).
pub fn span(trace: Option<&Trace>, thread: &str, kind: &'static str, from: Mark) {
    if let Some(t) = trace {
        t.span(thread, kind, from);
    }
}

/// [`Trace::mark`] when tracing, else a zero mark.
pub fn now(trace: Option<&Trace>) -> Mark {
    trace.map_or(Mark::default(), Trace::mark)
}
