//! The store's error type.

use std::path::PathBuf;

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a store operation failed. Each message is one line, fit for a CLI.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data folder could not be created.
    #[error("cannot create data folder {}: {source}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database file could not be opened or configured.
    #[error("cannot open database {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer Lantern.
    #[error(
        "database {} has schema version {found}, newer than this program supports ({supported}); use a newer lantern",
        path.display()
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// Version found in the file.
        found: u32,
        /// Newest version this program knows.
        supported: u32,
    },
    /// A schema migration failed; the database stays at the previous version.
    #[error("schema migration to version {version} failed: {source}")]
    Migration {
        /// The version being migrated to.
        version: u32,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL server could not be reached or refused the connection.
    #[error("cannot connect to PostgreSQL at {url}: {source}")]
    Connect {
        /// The database URL, without its password.
        url: String,
        /// The client error.
        source: postgres::Error,
    },
    /// A PostgreSQL schema migration failed; the database stays at the previous version.
    #[error("PostgreSQL schema migration to version {version} failed: {source}")]
    PgMigration {
        /// The version being migrated to.
        version: u32,
        /// The client error.
        source: postgres::Error,
    },
    /// Any other PostgreSQL error.
    #[error("PostgreSQL error: {0}")]
    Postgres(#[from] postgres::Error),
    /// A JSON column could not be written or read back.
    #[error("bad JSON in {what}: {source}")]
    Json {
        /// Which value (table, column, row).
        what: String,
        /// The serde error.
        source: serde_json::Error,
    },
    /// An incremental incident refresh lost a race: another writer changed the incidents
    /// after it read them (the caller recomputes instead).
    #[error("incidents were changed by another writer during the refresh")]
    IncidentsChanged,
    /// A stored value has an unexpected form.
    #[error("corrupt stored value in {what}: {reason}")]
    Corrupt {
        /// Which value (table, column, row).
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A report id prefix matches more than one report.
    #[error("report id prefix '{prefix}' is ambiguous: it matches {} and more; give more characters", candidates.join(", "))]
    AmbiguousPrefix {
        /// The prefix given.
        prefix: String,
        /// Some of the matching ids.
        candidates: Vec<String>,
    },
    /// No report with this id.
    #[error("no report with id {0}")]
    NoSuchReport(String),
    /// No event with this id.
    #[error("no event with id {0}")]
    NoSuchEvent(i64),
    /// A report in a batch names an original other than the file it came with.
    #[error("report {report} from {source_path} names original {claimed}, but the file's bytes hash to {actual}")]
    OriginalMismatch {
        /// The report id.
        report: String,
        /// The file's source path.
        source_path: String,
        /// `Report::original_sha256`.
        claimed: String,
        /// SHA-256 of the bytes supplied.
        actual: String,
    },
    /// A caller-supplied value is not acceptable.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which argument or field.
        what: String,
        /// Why.
        reason: String,
    },
}
