//! WAL checkpoints of a bulk writer on a thread of their own (branch `ckpt`, session 9).
//!
//! A checkpoint copies the WAL's committed pages into `lantern.db` and fsyncs the file.
//! SQLite's automatic checkpoint runs it on the committing thread, right after a commit:
//! during `lantern ingest` that is the writing thread, the run's longest chain. A bulk
//! writer instead turns its automatic checkpoints off (its WAL hook only records the
//! WAL's size after each commit) and asks a [`Checkpointer`] thread, with a connection
//! of its own, for a `PRAGMA wal_checkpoint(PASSIVE)` after each commit that grew the
//! WAL by [`CKPT_STEP`] pages. The copy and its fsyncs then run while the writer
//! prepares and writes its next transaction (a passive checkpoint copies only committed
//! frames and takes no lock the writer needs; SQLite allows one checkpoint at a time and
//! any number of appending writers beside it).
//!
//! The WAL file restarts from its beginning only when a transaction starts while every
//! frame of it has been copied. A checkpoint running beside the writer rarely finishes
//! before the writer's next transaction starts, so the WAL would otherwise grow for the
//! whole run: once it holds [`WAL_LIMIT`] pages, the writer waits, before its next
//! transaction, for one checkpoint that covers every frame committed so far (usually
//! only the last transaction's frames are left by then), and that transaction restarts
//! the WAL. Readers holding an older snapshot (`lantern serve`, the full-text index's
//! writer reading `reports`) can keep a checkpoint from completing, as with automatic
//! checkpoints; the writer then waits again only after [`WAL_LIMIT`] / 2 more pages.
//!
//! `LANTERN_WAL_CKPT=STEP,LIMIT` (pages) changes the two sizes (tests use small ones);
//! `LANTERN_WAL_CKPT=off` keeps the automatic checkpoints on the writing thread (for
//! comparisons). With `LANTERN_PIPELINE_TRACE` set, the thread's summary (checkpoints,
//! their time, the writer's waits, WAL restarts) is printed to standard error at its end.
//!
//! Durability is unchanged: WAL with `synchronous = NORMAL` on both connections; a
//! checkpoint fsyncs the WAL before copying and the database before it records the copy,
//! so a crash at any point leaves a consistent file (the crash tests kill a bulk ingest
//! mid-run).

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use rusqlite::Connection;

use crate::error::Result;

/// WAL pages (4 KB each) a bulk writer's commits add before it asks for a checkpoint.
/// A chunk of 1,024 generated reports adds about 7,000.
pub(crate) const CKPT_STEP: i64 = 4_096;

/// WAL pages (256 MB) from which a bulk writer waits, before its next transaction, for a
/// checkpoint of everything committed, so that the transaction restarts the WAL.
pub(crate) const WAL_LIMIT: i64 = 65_536;

/// What the writer and the checkpoint thread share.
#[derive(Default)]
struct State {
    /// Checkpoints asked for (a generation number).
    asked: u64,
    /// The `asked` value the last finished checkpoint started after.
    done: u64,
    /// Whether a checkpoint is running.
    running: bool,
    /// Asked to stop (after the running checkpoint, if any).
    stop: bool,
    /// Checkpoints run, and those that left frames behind (readers) or failed.
    runs: u64,
    partial: u64,
    failed: u64,
    /// Seconds the thread spent in checkpoints (wall).
    busy: f64,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    match shared.0.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The checkpoint thread of one bulk-writing connection, and the WAL's size as the
/// connection's WAL hook last saw it.
pub(crate) struct Checkpointer {
    shared: Shared,
    handle: Option<JoinHandle<()>>,
    /// Frames in the WAL after the writer's last commit (set by its WAL hook).
    frames: Arc<AtomicI64>,
    /// `frames` when a checkpoint was last asked for (0 after the WAL restarted), and
    /// that checkpoint's generation.
    asked_at: i64,
    asked_gen: u64,
    /// `frames` after the previous commit, to see a restart.
    last_frames: i64,
    /// WAL size from which the writer waits for a full checkpoint before a transaction.
    settle_at: i64,
    step: i64,
    limit: i64,
    /// The writer's waits for a checkpoint (count, seconds) and the WAL restarts seen.
    waits: u64,
    waited: f64,
    restarts: u64,
}

/// The sizes from `LANTERN_WAL_CKPT` (`STEP,LIMIT` in pages, or `off`: `None`).
pub(crate) fn sizes() -> Option<(i64, i64)> {
    let v = std::env::var("LANTERN_WAL_CKPT").unwrap_or_default();
    if v.trim().eq_ignore_ascii_case("off") {
        return None;
    }
    let mut parts = v.split(',').map(|p| p.trim().parse::<i64>().ok());
    let step = parts
        .next()
        .flatten()
        .filter(|&n| n > 0)
        .unwrap_or(CKPT_STEP);
    let limit = parts
        .next()
        .flatten()
        .filter(|&n| n > 0)
        .unwrap_or(WAL_LIMIT);
    Some((step, limit))
}

fn run(conn: Connection, shared: Shared) {
    loop {
        let target = {
            let mut st = lock(&shared);
            while !st.stop && st.asked == st.done {
                st = match shared.1.wait(st) {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
            }
            if st.stop {
                break;
            }
            st.running = true;
            st.asked
        };
        let t = Instant::now();
        // (busy, frames in the WAL, frames checkpointed); PASSIVE never waits.
        let r: rusqlite::Result<(i64, i64, i64)> =
            conn.query_row("PRAGMA main.wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            });
        let mut st = lock(&shared);
        st.running = false;
        st.done = target;
        st.runs += 1;
        st.busy += t.elapsed().as_secs_f64();
        match r {
            Ok((busy, log, copied)) if busy != 0 || copied < log => st.partial += 1,
            Ok(_) => {}
            Err(_) => st.failed += 1,
        }
        shared.1.notify_all();
    }
    // The connection closes here, on this thread; the writer's connection is the last
    // one and checkpoints the rest of the WAL when it closes.
    drop(conn);
}

impl Checkpointer {
    /// Turn `writer`'s automatic checkpoints off and start the checkpoint thread with its
    /// own connection to `path` (the writer's database file): a checkpoint every `step`
    /// WAL pages, a wait for a full one (a WAL restart) from `limit` pages.
    pub(crate) fn start(
        writer: &mut Connection,
        path: &Path,
        (step, limit): (i64, i64),
    ) -> Result<Checkpointer> {
        let conn = crate::sqlite::open_wal(path)?;
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
        let shared: Shared = Arc::default();
        let thread_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name("lantern-ckpt".into())
            .spawn(move || run(conn, thread_shared))
            .map_err(|e| crate::error::StoreError::Invalid {
                what: "the WAL checkpoint thread".into(),
                reason: format!("could not start it: {e}"),
            })?;
        let frames = Arc::new(AtomicI64::new(0));
        let hook_frames = frames.clone();
        // Replaces the automatic checkpoint (`wal_autocheckpoint`), which is a WAL hook.
        writer.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: i32| {
            hook_frames.store(i64::from(pages), Ordering::Relaxed);
            Ok(())
        }))?;
        Ok(Checkpointer {
            shared,
            handle: Some(handle),
            frames,
            asked_at: 0,
            asked_gen: 0,
            last_frames: 0,
            settle_at: limit,
            step,
            limit,
            waits: 0,
            waited: 0.0,
            restarts: 0,
        })
    }

    fn ask(&self) -> u64 {
        let mut st = lock(&self.shared);
        st.asked += 1;
        self.shared.1.notify_all();
        st.asked
    }

    /// After a commit: ask for a checkpoint when the WAL grew by [`CKPT_STEP`] pages.
    pub(crate) fn committed(&mut self) {
        let frames = self.frames.load(Ordering::Relaxed);
        if frames < self.last_frames {
            // The WAL restarted (this transaction wrote from its beginning).
            self.asked_at = 0;
            self.settle_at = self.limit;
            self.restarts += 1;
        }
        self.last_frames = frames;
        if frames - self.asked_at >= self.step {
            self.asked_at = frames;
            self.asked_gen = self.ask();
        }
    }

    /// Before a transaction: with [`WAL_LIMIT`] pages in the WAL, wait for a checkpoint
    /// of everything committed, so that the transaction restarts the WAL.
    pub(crate) fn before_transaction(&mut self) {
        let frames = self.frames.load(Ordering::Relaxed);
        if frames < self.settle_at {
            return;
        }
        self.settle_at = frames + self.limit / 2;
        let t = Instant::now();
        // The checkpoint asked for after the last commit covers every frame: wait for
        // it; else ask for one.
        let gen = if self.asked_at == frames && self.asked_gen > 0 {
            self.asked_gen
        } else {
            self.asked_at = frames;
            self.asked_gen = self.ask();
            self.asked_gen
        };
        self.wait_for(gen);
        self.waits += 1;
        self.waited += t.elapsed().as_secs_f64();
    }

    /// Ask for a checkpoint of everything committed now (without waiting for it).
    pub(crate) fn checkpoint_now(&mut self) {
        self.asked_at = self.frames.load(Ordering::Relaxed);
        self.asked_gen = self.ask();
    }

    fn wait_for(&self, gen: u64) {
        let mut st = lock(&self.shared);
        while st.done < gen && self.handle.is_some() {
            st = match self.shared.1.wait(st) {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
        }
    }

    /// Checkpoints run so far: (all, partial ones, failed ones).
    #[cfg(test)]
    pub(crate) fn runs(&self) -> (u64, u64, u64) {
        let st = lock(&self.shared);
        (st.runs, st.partial, st.failed)
    }

    /// The writer's waits for a checkpoint so far.
    #[cfg(test)]
    pub(crate) fn waits(&self) -> u64 {
        self.waits
    }

    /// Stop the thread after its running checkpoint (if any) and close its connection.
    pub(crate) fn stop(&mut self) {
        {
            let mut st = lock(&self.shared);
            st.stop = true;
            self.shared.1.notify_all();
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
            if std::env::var_os("LANTERN_PIPELINE_TRACE").is_some() {
                let st = lock(&self.shared);
                eprintln!(
                    "wal checkpoints: {} on their thread ({} partial, {} failed), {:.3} s; \
                     the writer waited {} times, {:.3} s; {} WAL restarts; \
                     {} WAL pages at the last commit",
                    st.runs,
                    st.partial,
                    st.failed,
                    st.busy,
                    self.waits,
                    self.waited,
                    self.restarts,
                    self.last_frames
                );
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: u64 = 4096;

    /// A WAL database with a table of 4 KB blobs, its writer connection and a
    /// checkpointer with small sizes.
    fn setup(dir: &Path, step: i64, limit: i64) -> (Connection, Checkpointer) {
        let path = dir.join("t.db");
        let mut conn = crate::sqlite::open_wal(&path).unwrap();
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL;
             CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB NOT NULL);",
        )
        .unwrap();
        let c = Checkpointer::start(&mut conn, &path, (step, limit)).unwrap();
        (conn, c)
    }

    /// One transaction of `rows` new rows (about one WAL page each), as a bulk writer
    /// runs it: wait if the WAL is at its limit, then commit and ask for a checkpoint.
    fn write(conn: &mut Connection, c: &mut Checkpointer, first: i64, rows: i64) {
        c.before_transaction();
        let tx = conn.transaction().unwrap();
        for id in first..first + rows {
            tx.execute("INSERT INTO t(id, b) VALUES (?1, zeroblob(3000))", [id])
                .unwrap();
        }
        tx.commit().unwrap();
        c.committed();
    }

    fn wal_size(dir: &Path) -> u64 {
        std::fs::metadata(dir.join("t.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    #[test]
    fn checkpoints_run_on_their_thread_and_the_wal_stays_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, mut c) = setup(dir.path(), 16, 128);
        for i in 0..100 {
            write(&mut conn, &mut c, i * 40, 40);
        }
        let (runs, _, failed) = c.runs();
        assert!(runs > 0, "checkpoints ran");
        assert_eq!(failed, 0);
        // The WAL restarted whenever it reached its limit: its file holds at most the
        // limit and one more transaction (and the header and frame headers).
        let max = (128 + 2 * 45) * (PAGE + 24) + 32;
        assert!(
            wal_size(dir.path()) <= max,
            "WAL {} > {max}",
            wal_size(dir.path())
        );
        c.stop();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4000);
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }

    #[test]
    fn a_reader_holding_a_snapshot_delays_the_restart_without_blocking_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, mut c) = setup(dir.path(), 16, 64);
        write(&mut conn, &mut c, 0, 40);
        // A reader in a read transaction: checkpoints cannot copy past its snapshot.
        let reader = Connection::open(dir.path().join("t.db")).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let seen: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(seen, 40);
        for i in 1..20 {
            write(&mut conn, &mut c, i * 40, 40);
        }
        // The writer waited at most once per half limit of growth, never for the reader.
        let waits = c.waits();
        assert!(waits <= 2 * 20 * 40 / 64 + 1, "{waits} waits");
        let grown = wal_size(dir.path());
        assert!(
            grown > 19 * 40 * PAGE,
            "the WAL grew past the reader's snapshot"
        );
        // The reader still sees its snapshot, then ends; the WAL restarts again.
        let seen: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(seen, 40);
        reader.execute_batch("COMMIT").unwrap();
        for i in 20..60 {
            write(&mut conn, &mut c, i * 40, 40);
        }
        assert!(c.restarts > 0, "the WAL restarted after the reader ended");
        c.stop();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 60 * 40);
    }
}
