//! Backups and restores of a whole store, consistent while other processes (the web
//! app, ingest workers) keep writing.
//!
//! - SQLite: `VACUUM INTO` writes a compact copy of `lantern.db` from one read
//!   transaction (a snapshot; WAL lets writers go on meanwhile). Restore copies it into
//!   the target's database with SQLite's online backup API, then applies pending
//!   migrations. A store of the split layout (migration 15) keeps its full-text index
//!   in `lantern-fts.db`, derived from the reports: the backup is `lantern.db` alone
//!   (so it is one snapshot by construction), and the restored store indexes its
//!   reports when it is first opened (the restore does it before returning).
//! - PostgreSQL: `pg_dump -Fc` (one repeatable-read snapshot) and `pg_restore` in a
//!   single transaction. The tools are found on `PATH` or in `/usr/lib/postgresql/*/bin`
//!   (newest first); passwords go to them through `PGPASSWORD`, never the command line.
//!
//! Restores refuse a target that already holds anything (originals, reports, accounts,
//! tokens or audit entries), so a restore never mixes two stores.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::open::redact_url;
use crate::sqlite::DB_FILE;
use crate::{Result, Store, StoreError, StoreSpec};

/// First bytes of a SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// First bytes of a `pg_dump -Fc` archive.
const PGDUMP_MAGIC: &[u8] = b"PGDMP";

/// The kind of a backup file, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupKind {
    /// A SQLite database (from a SQLite store).
    Sqlite,
    /// A `pg_dump` custom-format archive (from a PostgreSQL store).
    PgDump,
}

/// Write a consistent backup of the store to `out` (a new file); returns its size in
/// bytes. A failed backup leaves no file behind.
pub fn backup(spec: &StoreSpec, out: &Path) -> Result<u64> {
    if out.exists() {
        return Err(invalid(
            &out.display().to_string(),
            "already exists; backups never overwrite, choose a new file name",
        ));
    }
    let result = match spec {
        StoreSpec::Sqlite(dir) => backup_sqlite(dir, out),
        StoreSpec::Postgres(url) => backup_postgres(url, out),
    };
    match result {
        Ok(()) => std::fs::metadata(out)
            .map(|m| m.len())
            .map_err(|e| io_err(out, "cannot read the written backup", e)),
        Err(e) => {
            let _ = std::fs::remove_file(out);
            Err(e)
        }
    }
}

/// Restore the backup `input` into the store `spec`, which must be empty (it is created
/// when missing). A SQLite backup restores into a SQLite store, a `pg_dump` archive into
/// a PostgreSQL one. Afterwards the store is at this program's schema version.
pub fn restore(spec: &StoreSpec, input: &Path) -> Result<()> {
    let kind = backup_kind(input)?;
    match (spec, kind) {
        (StoreSpec::Sqlite(dir), BackupKind::Sqlite) => {
            ensure_empty(spec)?;
            restore_sqlite(dir, input)
        }
        (StoreSpec::Postgres(url), BackupKind::PgDump) => {
            ensure_empty(spec)?;
            restore_postgres(url, input)?;
            // Applies any migration newer than the backup.
            spec.open().map(drop)
        }
        (_, kind) => Err(invalid(
            &input.display().to_string(),
            &format!(
                "is a {} backup but the target store is {}; restore it into a store of \
                 the same kind (use `lantern export`/`import` to move between backends)",
                match kind {
                    BackupKind::Sqlite => "SQLite",
                    BackupKind::PgDump => "PostgreSQL (pg_dump)",
                },
                spec.backend()
            ),
        )),
    }
}

/// What kind of backup `path` is, by its first bytes.
pub fn backup_kind(path: &Path) -> Result<BackupKind> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, "cannot open the backup", e))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(path, "cannot read the backup", e)),
        }
    }
    let head = &head[..n];
    if head.starts_with(SQLITE_MAGIC) {
        Ok(BackupKind::Sqlite)
    } else if head.starts_with(PGDUMP_MAGIC) {
        Ok(BackupKind::PgDump)
    } else {
        Err(invalid(
            &path.display().to_string(),
            "is not a Lantern backup (neither a SQLite database nor a pg_dump archive)",
        ))
    }
}

/// Whether a store holds nothing: no originals, reports, accounts, tokens or audit entries.
pub fn is_empty(store: &dyn Store) -> Result<bool> {
    Ok(store.count_originals()? == 0
        && store.count_reports()? == 0
        && store.users()?.is_empty()
        && store.api_tokens()?.is_empty()
        && store.audit_log(None)?.is_empty())
}

fn ensure_empty(spec: &StoreSpec) -> Result<()> {
    let store = spec.open()?;
    if !is_empty(store.as_ref())? {
        return Err(StoreError::Invalid {
            what: format!("restore target {spec}"),
            reason: "the store is not empty; restore only into a new, empty store".into(),
        });
    }
    Ok(())
}

fn backup_sqlite(dir: &Path, out: &Path) -> Result<()> {
    let db = dir.join(DB_FILE);
    if !db.is_file() {
        return Err(invalid(
            &dir.display().to_string(),
            &format!("holds no {DB_FILE}; nothing to back up"),
        ));
    }
    let conn =
        Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|source| {
            StoreError::Open {
                path: db.clone(),
                source,
            }
        })?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let target = out.to_str().ok_or_else(|| {
        invalid(
            &out.display().to_string(),
            "the backup path must be valid UTF-8",
        )
    })?;
    // One read transaction: a snapshot even while writers commit through the WAL.
    conn.execute("VACUUM INTO ?1", [target])?;
    Ok(())
}

fn restore_sqlite(dir: &Path, input: &Path) -> Result<()> {
    let src =
        Connection::open_with_flags(input, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|source| {
            StoreError::Open {
                path: input.to_path_buf(),
                source,
            }
        })?;
    let check: String = src.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(invalid(
            &input.display().to_string(),
            &format!("the backup fails SQLite's check: {check}"),
        ));
    }
    let has_schema: bool = src
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('originals', 'reports')",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n == 2)?;
    if !has_schema {
        return Err(invalid(
            &input.display().to_string(),
            "is a SQLite database but not a Lantern store",
        ));
    }
    let db = dir.join(DB_FILE);
    let mut dst = Connection::open(&db).map_err(|source| StoreError::Open {
        path: db.clone(),
        source,
    })?;
    dst.busy_timeout(Duration::from_secs(30))?;
    {
        let b = rusqlite::backup::Backup::new(&src, &mut dst)?;
        b.run_to_completion(4096, Duration::from_millis(0), None)?;
    }
    drop(dst);
    // Reopen through the store: WAL mode, migrations newer than the backup, and (split
    // layout) the full-text index of every restored report, waiting for the file.
    crate::SqliteStore::open(dir)?.catch_up_fts(true).map(drop)
}

fn backup_postgres(url: &str, out: &Path) -> Result<()> {
    let (conn, password) = split_password(url);
    let mut cmd = Command::new(pg_tool("pg_dump")?);
    cmd.arg("--format=custom")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--file")
        .arg(out)
        .arg("--dbname")
        .arg(&conn);
    run_pg(cmd, password, "pg_dump", url)
}

fn restore_postgres(url: &str, input: &Path) -> Result<()> {
    let (conn, password) = split_password(url);
    let mut cmd = Command::new(pg_tool("pg_restore")?);
    // The target holds only an empty schema (checked): drop it and take the backup's,
    // all in one transaction.
    cmd.arg("--clean")
        .arg("--if-exists")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--single-transaction")
        .arg("--exit-on-error")
        .arg("--dbname")
        .arg(&conn)
        .arg(input);
    run_pg(cmd, password, "pg_restore", url)
}

fn run_pg(mut cmd: Command, password: Option<String>, tool: &str, url: &str) -> Result<()> {
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let output = cmd.output().map_err(|e| StoreError::Invalid {
        what: tool.to_string(),
        reason: format!("cannot run: {e}"),
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let msg: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    Err(StoreError::Invalid {
        what: format!("{tool} of {}", redact_url(url)),
        reason: format!(
            "failed ({}): {}",
            output.status,
            msg.iter().take(5).copied().collect::<Vec<_>>().join(" | ")
        ),
    })
}

/// A PostgreSQL client program (`pg_dump`, `pg_restore`, `psql`, `createdb`…): on
/// `PATH`, else the newest `/usr/lib/postgresql/*/bin`. A clear error when missing.
pub fn pg_tool(name: &str) -> Result<PathBuf> {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let p = e.path().join("bin").join(name);
            p.is_file().then_some((version, p))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, p)| p)
        .ok_or_else(|| StoreError::Invalid {
            what: name.to_string(),
            reason: "not found on PATH or in /usr/lib/postgresql/*/bin; install the \
                 PostgreSQL client (Debian: apt-get install postgresql-client)"
                .into(),
        })
}

/// The URL without its password, and the password (percent-decoded), if any.
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    match userinfo.split_once(':') {
        Some((user, pass)) => (
            format!("{scheme}://{user}@{host}{tail}"),
            Some(percent_decode(pass)),
        ),
        None => (url.to_string(), None),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn invalid(what: &str, reason: &str) -> StoreError {
    StoreError::Invalid {
        what: what.to_string(),
        reason: reason.to_string(),
    }
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> StoreError {
    invalid(&path.display().to_string(), &format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url() {
        assert_eq!(
            split_password("postgres://ann:p%40ss@h:5432/db?sslmode=disable"),
            (
                "postgres://ann@h:5432/db?sslmode=disable".to_string(),
                Some("p@ss".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://h/db"),
            ("postgres://h/db".into(), None)
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
    }

    #[test]
    fn sqlite_backup_and_restore_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let a = StoreSpec::Sqlite(tmp.path().join("a"));
        {
            let mut s = a.open().unwrap();
            s.set_setting("k", "v").unwrap();
            s.put_user("ann", crate::Role::Admin, "hash").unwrap();
        }
        let out = tmp.path().join("a.backup");
        let size = backup(&a, &out).unwrap();
        assert!(size > 0);
        assert_eq!(backup_kind(&out).unwrap(), BackupKind::Sqlite);
        // Never overwrites.
        assert!(backup(&a, &out)
            .unwrap_err()
            .to_string()
            .contains("already exists"));
        let b = StoreSpec::Sqlite(tmp.path().join("b"));
        restore(&b, &out).unwrap();
        assert!(tmp.path().join("b").join(crate::FTS_FILE).is_file());
        let s = b.open().unwrap();
        assert_eq!(s.setting("k").unwrap().as_deref(), Some("v"));
        assert!(s.user("ann").unwrap().is_some());
        drop(s);
        // b is no longer empty.
        let e = restore(&b, &out).unwrap_err().to_string();
        assert!(e.contains("not empty"), "{e}");
        // Not a backup.
        let junk = tmp.path().join("junk");
        std::fs::write(&junk, b"hello").unwrap();
        let e = restore(&StoreSpec::Sqlite(tmp.path().join("c")), &junk).unwrap_err();
        assert!(e.to_string().contains("not a Lantern backup"), "{e}");
        // Wrong backend.
        let e = restore(&StoreSpec::Postgres("postgres://h/db".into()), &out).unwrap_err();
        assert!(e.to_string().contains("same kind"), "{e}");
    }
}
