//! Choosing a store from one string: `sqlite:PATH` (a data folder), `postgres://…` /
//! `postgresql://…` (a PostgreSQL connection URL) or a bare path (a data folder).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{Result, SqliteStore, Store, StoreError};

/// Where a store lives, parsed from a `--database` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreSpec {
    /// The embedded store: a data folder holding `lantern.db`.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by connection URL (`postgres://user:pass@host:port/db`).
    Postgres(String),
}

impl StoreSpec {
    /// Parse `sqlite:PATH`, `sqlite://PATH`, `postgres://…`, `postgresql://…` or a bare
    /// path. Any other `scheme:` prefix (two or more letters, so `C:\…` stays a path) is
    /// an error naming the schemes Lantern knows.
    pub fn parse(spec: &str) -> Result<StoreSpec> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(invalid(
                spec,
                "empty; give sqlite:PATH, postgres://… or a path",
            ));
        }
        if let Some(rest) = spec.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            if rest.is_empty() {
                return Err(invalid(
                    spec,
                    "sqlite: needs a data folder, e.g. sqlite:lantern-data",
                ));
            }
            return Ok(StoreSpec::Sqlite(PathBuf::from(rest)));
        }
        let lower = spec.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(StoreSpec::Postgres(spec.to_string()));
        }
        if let Some(scheme) = scheme_of(spec) {
            return Err(invalid(
                spec,
                &format!(
                    "unknown scheme '{scheme}:'; use sqlite:PATH (a data folder), \
                     postgres://USER@HOST:PORT/DB, or a plain folder path"
                ),
            ));
        }
        Ok(StoreSpec::Sqlite(PathBuf::from(spec)))
    }

    /// The embedded store in a data folder.
    pub fn data_folder(path: &Path) -> StoreSpec {
        StoreSpec::Sqlite(path.to_path_buf())
    }

    /// Open (or create) the store, applying pending schema migrations.
    pub fn open(&self) -> Result<Box<dyn Store>> {
        match self {
            StoreSpec::Sqlite(dir) => Ok(Box::new(SqliteStore::open(dir)?)),
            StoreSpec::Postgres(url) => open_postgres(url),
        }
    }

    /// Short name of the backend: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            StoreSpec::Sqlite(_) => "sqlite",
            StoreSpec::Postgres(_) => "postgres",
        }
    }
}

/// For messages: the data folder, or the URL with any password replaced by `***`.
impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSpec::Sqlite(dir) => write!(f, "{}", dir.display()),
            StoreSpec::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

/// Open the store named by `spec` (see [`StoreSpec::parse`]).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let spec = format!("sqlite:{}", dir.path().display());
/// let store = lantern_store::open(&spec).unwrap();
/// assert_eq!(store.count_reports().unwrap(), 0);
/// assert!(lantern_store::open("mysql://localhost/x").is_err());
/// ```
pub fn open(spec: &str) -> Result<Box<dyn Store>> {
    StoreSpec::parse(spec)?.open()
}

fn open_postgres(url: &str) -> Result<Box<dyn Store>> {
    Ok(Box::new(crate::PostgresStore::connect(url)?))
}

/// `scheme` when `spec` starts with `scheme:` (letters, digits, `+ - .`, at least two).
fn scheme_of(spec: &str) -> Option<&str> {
    let (head, _) = spec.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    let ok = first.is_ascii_alphabetic()
        && head.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some(head)
}

/// A connection URL with the password (between `user:` and `@`) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
        None => url.to_string(),
    }
}

fn invalid(spec: &str, reason: &str) -> StoreError {
    StoreError::Invalid {
        what: format!("database '{}'", redact_url(spec)),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(
            StoreSpec::parse("sqlite:data").unwrap(),
            StoreSpec::Sqlite("data".into())
        );
        assert_eq!(
            StoreSpec::parse("sqlite:///tmp/x").unwrap(),
            StoreSpec::Sqlite("/tmp/x".into())
        );
        assert_eq!(
            StoreSpec::parse("lantern-data").unwrap(),
            StoreSpec::Sqlite("lantern-data".into())
        );
        assert_eq!(
            StoreSpec::parse("./a:b").unwrap(),
            StoreSpec::Sqlite("./a:b".into())
        );
        assert_eq!(
            StoreSpec::parse("C:\\data").unwrap(),
            StoreSpec::Sqlite("C:\\data".into())
        );
        for url in [
            "postgres://u@h/db",
            "postgresql://u:p@h:5432/db?sslmode=disable",
        ] {
            assert_eq!(
                StoreSpec::parse(url).unwrap(),
                StoreSpec::Postgres(url.into())
            );
        }
    }

    #[test]
    fn unknown_scheme_and_empty_are_clear_errors() {
        let e = StoreSpec::parse("mysql://root:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown scheme 'mysql:'"), "{e}");
        assert!(!e.contains("secret"), "{e}");
        assert!(StoreSpec::parse("  ").is_err());
        assert!(StoreSpec::parse("sqlite:").is_err());
    }

    #[test]
    fn display_hides_passwords() {
        let s = StoreSpec::parse("postgres://ann:hunter2@db.local:5433/lantern").unwrap();
        assert_eq!(s.to_string(), "postgres://ann:***@db.local:5433/lantern");
        assert_eq!(redact_url("postgres://ann@h/db"), "postgres://ann@h/db");
        assert_eq!(redact_url("postgres://h/db?x=a@b"), "postgres://h/db?x=a@b");
    }
}
