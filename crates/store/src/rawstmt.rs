//! A SQLite statement whose text and blob parameters are bound without a copy
//! (`SQLITE_STATIC`), for the bulk writer's row inserts (events and their link rows in
//! multi-row statements, originals, sightings and reports).
//!
//! `rusqlite` binds every non-empty text with `SQLITE_TRANSIENT`, so SQLite allocates and
//! copies each bound text before the row is built, and frees it at the next bind: for an
//! event row's dozen text columns that was about 15 % of the writer's instructions
//! (callgrind). Here the values are bound, the statement run, and the bindings cleared
//! within one call of [`StaticStatement::execute`], so the borrowed texts outlive every
//! pointer SQLite holds to them: the `unsafe` is confined to this file.

use std::ffi::{c_char, c_int, CStr};
use std::ptr::NonNull;

use rusqlite::{ffi, Connection};

use crate::error::Result;

/// One parameter value of [`StaticStatement::execute`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(s: &'a str) -> Self {
        Param::Text(s)
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Param::Null, Param::Text)
    }
}

impl From<i64> for Param<'_> {
    fn from(n: i64) -> Self {
        Param::Int(n)
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Param::Null, Param::Int)
    }
}

impl From<bool> for Param<'_> {
    fn from(b: bool) -> Self {
        Param::Int(i64::from(b))
    }
}

impl From<f64> for Param<'_> {
    fn from(x: f64) -> Self {
        Param::Real(x)
    }
}

/// A prepared statement of `conn` that does not return rows, finalised when dropped.
pub(crate) struct StaticStatement<'c> {
    conn: &'c Connection,
    stmt: NonNull<ffi::sqlite3_stmt>,
    params: usize,
}

impl<'c> StaticStatement<'c> {
    /// Prepare `sql` (one statement) on `conn`.
    pub(crate) fn new(conn: &'c Connection, sql: &str) -> Result<Self> {
        let len = c_int::try_from(sql.len()).map_err(|_| {
            rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_TOOBIG),
                Some("statement text too long".into()),
            )
        })?;
        let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        // SAFETY: `conn` is an open connection (borrowed for 'c, so it outlives the
        // statement); `sql` is valid for `len` bytes; `stmt` receives the new statement.
        let rc = unsafe {
            let db = conn.handle();
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            // SAFETY: a failed prepare leaves `stmt` NULL (finalising NULL is a no-op).
            unsafe { ffi::sqlite3_finalize(stmt) };
            return Err(error(conn, rc).into());
        }
        let Some(stmt) = NonNull::new(stmt) else {
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_MISUSE),
                Some(format!("no statement in '{sql}'")),
            )
            .into());
        };
        // SAFETY: `stmt` is a live statement.
        let n = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) };
        Ok(StaticStatement {
            conn,
            stmt,
            params: usize::try_from(n).unwrap_or(0),
        })
    }

    /// Bind `values` to the parameters in order (there must be exactly as many), run the
    /// statement to completion, and return the number of rows it changed.
    pub(crate) fn execute(&mut self, values: &[Param<'_>]) -> Result<usize> {
        if values.len() != self.params {
            return Err(rusqlite::Error::InvalidParameterCount(values.len(), self.params).into());
        }
        let stmt = self.stmt.as_ptr();
        let mut rc = ffi::SQLITE_OK;
        for (i, v) in values.iter().enumerate() {
            // Parameters are numbered from 1; `params` came from a `c_int`, so `i + 1`
            // fits.
            let ndx = c_int::try_from(i + 1).unwrap_or(c_int::MAX);
            // SAFETY: `stmt` is live; a text's pointer and length come from a `&str`
            // that outlives this call, and the bindings are cleared below before
            // returning, so SQLite never reads it afterwards (SQLITE_STATIC).
            rc = unsafe {
                match *v {
                    Param::Null => ffi::sqlite3_bind_null(stmt, ndx),
                    Param::Int(n) => ffi::sqlite3_bind_int64(stmt, ndx, n),
                    Param::Real(x) => ffi::sqlite3_bind_double(stmt, ndx, x),
                    Param::Text(s) => ffi::sqlite3_bind_text64(
                        stmt,
                        ndx,
                        s.as_ptr().cast::<c_char>(),
                        s.len() as ffi::sqlite3_uint64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    // A non-null pointer even when empty (an empty slice's is
                    // dangling but not null), so an empty blob is not NULL.
                    Param::Blob(b) => ffi::sqlite3_bind_blob64(
                        stmt,
                        ndx,
                        b.as_ptr().cast(),
                        b.len() as ffi::sqlite3_uint64,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                break;
            }
        }
        let result = if rc != ffi::SQLITE_OK {
            Err(error(self.conn, rc))
        } else {
            // SAFETY: `stmt` is live and fully bound.
            match unsafe { ffi::sqlite3_step(stmt) } {
                ffi::SQLITE_DONE => {
                    // SAFETY: the connection is open.
                    let n = unsafe { ffi::sqlite3_changes64(self.conn.handle()) };
                    Ok(usize::try_from(n).unwrap_or(0))
                }
                ffi::SQLITE_ROW => Err(rusqlite::Error::ExecuteReturnedResults),
                rc => Err(error(self.conn, rc)),
            }
        };
        // SAFETY: `stmt` is live. Reset it for the next run and drop every pointer to
        // the borrowed texts.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        Ok(result?)
    }
}

impl Drop for StaticStatement<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` is live and finalised once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The error `rc` with the connection's message.
fn error(conn: &Connection, rc: c_int) -> rusqlite::Error {
    // SAFETY: the connection is open; `sqlite3_errmsg` returns a NUL-terminated string
    // owned by SQLite, copied here before any other call on the connection.
    let msg = unsafe {
        let p = ffi::sqlite3_errmsg(conn.handle());
        (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(rc), msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_runs_and_reports_errors() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL, c REAL, d)")
            .unwrap();
        let mut ins =
            StaticStatement::new(&conn, "INSERT INTO t VALUES (?, ?, ?, ?), (?, ?, ?, ?)").unwrap();
        let texts = [String::from("één"), String::from("two")];
        let n = ins
            .execute(&[
                Param::Int(1),
                Param::from(texts[0].as_str()),
                Param::Real(0.5),
                Param::Null,
                Param::Int(2),
                Param::from(texts[1].as_str()),
                Param::from(true),
                Param::from(Some("x")),
            ])
            .unwrap();
        assert_eq!(n, 2);
        drop(texts);
        let rows: Vec<(i64, String, Option<f64>, Option<String>)> = conn
            .prepare("SELECT a, b, c, d FROM t ORDER BY a")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (1, "één".to_string(), Some(0.5), None),
                (2, "two".to_string(), Some(1.0), Some("x".to_string()))
            ]
        );
        // A constraint error is reported with SQLite's message, and the statement is
        // usable afterwards.
        let e = ins
            .execute(&[
                Param::Int(3),
                Param::Text("three"),
                Param::Null,
                Param::Null,
                Param::Int(1),
                Param::Text("dup"),
                Param::Null,
                Param::Null,
            ])
            .unwrap_err();
        assert!(e.to_string().contains("UNIQUE"), "{e}");
        assert!(ins.execute(&[Param::Int(9)]).is_err());
        let n = ins
            .execute(&[
                Param::Int(3),
                Param::Text("three"),
                Param::Null,
                Param::Null,
                Param::Int(4),
                Param::Text(""),
                Param::Null,
                Param::Null,
            ])
            .unwrap();
        assert_eq!(n, 2);
        let empty: String = conn
            .query_row("SELECT b FROM t WHERE a = 4", [], |r| r.get(0))
            .unwrap();
        assert_eq!(empty, "");
        assert!(StaticStatement::new(&conn, "INSERT INTO nowhere VALUES (1)").is_err());
    }

    #[test]
    fn blobs_keep_their_bytes_and_empty_is_not_null() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE b(k INTEGER PRIMARY KEY, v BLOB)")
            .unwrap();
        let mut ins = StaticStatement::new(&conn, "INSERT INTO b VALUES (?1, ?2)").unwrap();
        let bytes = vec![0u8, 1, 2, 255];
        ins.execute(&[Param::Int(1), Param::Blob(&bytes)]).unwrap();
        ins.execute(&[Param::Int(2), Param::Blob(&[])]).unwrap();
        let rows: Vec<(i64, Option<Vec<u8>>)> = conn
            .prepare("SELECT k, v FROM b ORDER BY k")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert_eq!(rows, vec![(1, Some(bytes)), (2, Some(Vec::new()))]);
    }
}
