//! The full-text index in a file of its own (SQLite migration 15, branch `wsplit`).
//!
//! SQLite allows one writer per database file. The full-text index (`report_fts`,
//! contentless FTS5 over the reports' title and body in their Hangul-bigram form) is
//! derived data, rebuildable from `reports`, so a store created since migration 15
//! keeps it in `lantern-fts.db` next to `lantern.db`, written by its own connection:
//! during `lantern ingest` by a thread of its own, in parallel with the main writer.
//!
//! The rules that keep it correct:
//! - The index only ever holds reports committed in `lantern.db`: a batch is sent to
//!   the index's writer after the main transaction committed.
//! - `fts_state.watermark` is the largest report rowid the index covers, written in the
//!   same transaction as the index rows. Reports are never deleted and their rowids
//!   only grow, so the reports above the watermark are exactly those the index lacks;
//!   any writer of the index (the ingest thread, the synchronous path of small batches,
//!   a store opening) first indexes the reports between the watermark and its own rows,
//!   read back from `lantern.db`.
//! - An index ahead of `lantern.db` (watermark above its largest report rowid: the
//!   database was replaced, e.g. restored) is emptied and rebuilt.
//! - The main connection attaches the file read-only (`fts`): its write transactions
//!   (`BEGIN IMMEDIATE` takes a write lock on every attached file that is writable)
//!   never lock the index, and an `INSERT INTO report_fts` on it fails loudly. The
//!   index's connection attaches `lantern.db` read-only for the same reason.
//!
//! Readers name `report_fts` unqualified: SQLite finds it in `main` (stores older than
//! migration 15, which keep their index there) or in the attached `fts`.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{params, Connection, TransactionBehavior};

use crate::error::{Result, StoreError};
use crate::search::index_text;

/// Name of the full-text index's file inside the data folder.
pub const FTS_FILE: &str = "lantern-fts.db";

/// The index's schema (the same table as migration 1's) and its watermark.
const FTS_SCHEMA: &str = "
CREATE VIRTUAL TABLE IF NOT EXISTS report_fts USING fts5(
    title, body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS fts_state (
    key   TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO fts_state(key, value) VALUES ('watermark', 0);
";

/// Reports to index: `(rowid, title, body)` in their index form ([`index_text`]),
/// contiguous rowids `lo..=hi` of one committed main transaction (a report skipped as
/// a duplicate takes no rowid).
#[derive(Debug, Default)]
pub(crate) struct FtsBatch {
    pub(crate) rows: Vec<(i64, String, String)>,
}

/// `file:` URI of `path`, read-only, for `ATTACH` (`%`, `?` and `#` escaped).
fn ro_uri(path: &Path) -> String {
    let mut s = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => s.push_str("%25"),
            '?' => s.push_str("%3f"),
            '#' => s.push_str("%23"),
            c => s.push(c),
        }
    }
    s.push_str("?mode=ro");
    s
}

/// Open (creating it when missing) the index's file as a writing connection, with
/// `main_db` attached read-only as `m`.
pub(crate) fn open_writer(fts_path: &Path, main_db: &Path) -> Result<Connection> {
    let open_err = |source| StoreError::Open {
        path: fts_path.to_path_buf(),
        source,
    };
    let conn = crate::sqlite::open_wal(fts_path)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16000;")
        .map_err(open_err)?;
    conn.execute_batch(FTS_SCHEMA).map_err(open_err)?;
    conn.execute("ATTACH ?1 AS m", [ro_uri(main_db)])
        .map_err(open_err)?;
    Ok(conn)
}

/// Attach the index's file read-only to a main connection, as `fts`.
pub(crate) fn attach_ro(main: &Connection, fts_path: &Path) -> Result<()> {
    main.execute("ATTACH ?1 AS fts", [ro_uri(fts_path)])
        .map_err(|source| StoreError::Open {
            path: fts_path.to_path_buf(),
            source,
        })?;
    Ok(())
}

/// The largest report rowid the index covers.
pub(crate) fn watermark(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT value FROM fts_state WHERE key = 'watermark'",
        [],
        |r| r.get(0),
    )?)
}

/// Bring the index up to date in one transaction: the reports of `lantern.db` above the
/// watermark below `batch`'s first rowid are read back and indexed, then `batch`'s rows
/// (those above the watermark); without a batch, every report above the watermark.
/// Returns the number of reports indexed.
pub(crate) fn index(conn: &mut Connection, batch: Option<&FtsBatch>) -> Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut w = watermark(&tx)?;
    let main_max: i64 = tx.query_row("SELECT coalesce(max(rowid), 0) FROM m.reports", [], |r| {
        r.get(0)
    })?;
    if w > main_max {
        // The index covers reports `lantern.db` does not have: it belongs to another
        // database (a replaced or restored file). Rebuild it from scratch.
        tx.execute(
            "INSERT INTO report_fts(report_fts) VALUES ('delete-all')",
            [],
        )?;
        w = 0;
    }
    let first = batch
        .and_then(|b| b.rows.first().map(|r| r.0))
        .unwrap_or(i64::MAX);
    let upto = first.saturating_sub(1).min(main_max);
    let mut n = 0u64;
    {
        let mut insert =
            tx.prepare_cached("INSERT INTO report_fts(rowid, title, body) VALUES (?1, ?2, ?3)")?;
        if upto > w {
            let mut read = tx.prepare(
                "SELECT rowid, coalesce(title, ''), body FROM m.reports
                 WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid",
            )?;
            let mut rows = read.query(params![w, upto])?;
            while let Some(row) = rows.next()? {
                let rowid: i64 = row.get(0)?;
                let title = index_text(row.get_ref(1)?.as_str().unwrap_or(""));
                let body = index_text(row.get_ref(2)?.as_str().unwrap_or(""));
                insert.execute(params![rowid, title, body])?;
                n += 1;
            }
            w = upto;
        }
        if let Some(b) = batch {
            for (rowid, title, body) in &b.rows {
                if *rowid > w {
                    insert.execute(params![rowid, title, body])?;
                    n += 1;
                    w = *rowid;
                }
            }
        }
    }
    tx.execute(
        "UPDATE fts_state SET value = ?1 WHERE key = 'watermark'",
        [w],
    )?;
    tx.commit()?;
    Ok(n)
}

/// The index's writer during a bulk ingest: a thread with the index's connection that
/// indexes each committed batch it is sent, in order.
struct Worker {
    tx: SyncSender<FtsBatch>,
    handle: JoinHandle<(Connection, Result<()>)>,
}

fn run(mut conn: Connection, rx: Receiver<FtsBatch>) -> (Connection, Result<()>) {
    let mut result = Ok(());
    for batch in rx {
        if result.is_ok() {
            result = index(&mut conn, Some(&batch)).map(drop);
        }
    }
    (conn, result)
}

/// The index's side of a [`super::SqliteStore`] of the split layout: its file, its
/// writing connection (opened when first needed) and, during a bulk ingest, the thread
/// that owns that connection.
pub(crate) struct FtsSide {
    path: PathBuf,
    main_db: PathBuf,
    conn: Option<Connection>,
    worker: Option<Worker>,
}

impl FtsSide {
    /// The index of the store whose database is `main_db`, its file created when
    /// missing (and the writing connection kept open, so that the file's WAL stays
    /// in place for the read-only attachments).
    pub(crate) fn open(main_db: &Path) -> Result<FtsSide> {
        let path = main_db.with_file_name(FTS_FILE);
        let conn = open_writer(&path, main_db)?;
        Ok(FtsSide {
            path,
            main_db: main_db.to_path_buf(),
            conn: Some(conn),
            worker: None,
        })
    }

    /// Path of the index's file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Wait for the ingest thread, if one runs, to index every batch sent to it; its
    /// error, if it met one (the index then lags until the next catch-up).
    pub(crate) fn finish(&mut self) -> Result<()> {
        let Some(w) = self.worker.take() else {
            return Ok(());
        };
        drop(w.tx);
        match w.handle.join() {
            Ok((conn, r)) => {
                self.conn = Some(conn);
                r
            }
            Err(_) => Err(StoreError::Invalid {
                what: "the full-text index's writer thread".into(),
                reason: "panicked; the index is caught up at the next open".into(),
            }),
        }
    }

    /// Index `batch` (and any lag before it) now, on this thread.
    pub(crate) fn index_now(&mut self, batch: Option<&FtsBatch>) -> Result<u64> {
        self.finish()?;
        if self.conn.is_none() {
            self.conn = Some(open_writer(&self.path, &self.main_db)?);
        }
        match self.conn.as_mut() {
            Some(conn) => index(conn, batch),
            None => Ok(0),
        }
    }

    /// [`FtsSide::index_now`] without a batch, giving up at once if another
    /// connection is writing the index (its writer then catches up itself).
    pub(crate) fn index_now_nowait(&mut self) -> Result<u64> {
        self.finish()?;
        if self.conn.is_none() {
            self.conn = Some(open_writer(&self.path, &self.main_db)?);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Ok(0);
        };
        conn.busy_timeout(Duration::ZERO)?;
        let r = index(conn, None);
        conn.busy_timeout(Duration::from_secs(10))?;
        r
    }

    /// Hand a committed batch to the ingest thread (started on first use); indexes it
    /// here if no thread can run.
    pub(crate) fn send(&mut self, batch: FtsBatch) -> Result<()> {
        if self.worker.is_none() {
            let conn = match self.conn.take() {
                Some(c) => c,
                None => open_writer(&self.path, &self.main_db)?,
            };
            // Two batches may wait: the main writer waits for the index only when it
            // is more than two batches ahead.
            let (tx, rx) = sync_channel::<FtsBatch>(2);
            match std::thread::Builder::new()
                .name("lantern-fts".into())
                .spawn(move || run(conn, rx))
            {
                Ok(handle) => self.worker = Some(Worker { tx, handle }),
                Err(_) => return self.index_now(Some(&batch)).map(drop),
            }
        }
        let sent = match &self.worker {
            Some(w) => w.tx.send(batch).map_err(|e| e.0),
            None => Err(batch),
        };
        match sent {
            Ok(()) => Ok(()),
            // The thread stopped: its error, then this batch here.
            Err(batch) => {
                self.finish()?;
                self.index_now(Some(&batch)).map(drop)
            }
        }
    }
}

impl Drop for FtsSide {
    fn drop(&mut self) {
        // A store dropped mid-run still indexes what it committed.
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_only_attachment_sees_the_writers_commits() {
        let dir = tempfile::tempdir().unwrap();
        let main_db = dir.path().join("lantern.db");
        let main = Connection::open(&main_db).unwrap();
        main.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE reports(rowid INTEGER PRIMARY KEY, title, body);",
        )
        .unwrap();
        let mut side = FtsSide::open(&main_db).unwrap();
        attach_ro(&main, side.path()).unwrap();
        let count = |q: &str| -> i64 {
            main.query_row(
                "SELECT count(*) FROM report_fts WHERE report_fts MATCH ?1",
                [q],
                |r| r.get(0),
            )
            .unwrap()
        };
        let check = || {
            let r: String = main
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(r, "ok");
        };
        for round in 0..40i64 {
            let mut batch = FtsBatch::default();
            for i in 0..50i64 {
                let id = round * 50 + i + 1;
                main.execute(
                    "INSERT INTO reports(rowid, title, body) VALUES (?1, 't', ?2)",
                    params![id, format!("word{round} common other{i}")],
                )
                .unwrap();
                batch
                    .rows
                    .push((id, "t".into(), format!("word{round} common other{i}")));
            }
            if round % 2 == 0 {
                side.send(batch).unwrap();
                side.finish().unwrap();
            } else {
                side.index_now(Some(&batch)).unwrap();
            }
            if round == 0 || round == 39 {
                check();
            }
        }
        assert_eq!(count("common"), 40 * 50);
    }
}
