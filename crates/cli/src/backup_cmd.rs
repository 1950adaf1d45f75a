//! `lantern backup OUT` and `lantern restore IN`: a consistent copy of a whole store
//! (SQLite or PostgreSQL) while the server keeps running, and its restore into an empty
//! store.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use lantern_store::backup::{self, BackupKind};
use lantern_store::StoreSpec;

use crate::store_cmds::open;
use crate::util::human_bytes;

/// `lantern backup OUT`.
pub fn backup(data: &StoreSpec, out: &Path) -> anyhow::Result<bool> {
    let start = Instant::now();
    // Opening first applies pending migrations and checks the store is there.
    drop(open(data)?);
    let size = backup::backup(data, out)
        .with_context(|| format!("cannot back up {data} to {}", out.display()))?;
    println!(
        "backed up {data} ({}) to {} ({}) in {:.1} s",
        data.backend(),
        out.display(),
        human_bytes(size),
        start.elapsed().as_secs_f64()
    );
    Ok(true)
}

/// `lantern restore IN`: refuses a store that holds anything.
pub fn restore(data: &StoreSpec, input: &Path) -> anyhow::Result<bool> {
    let start = Instant::now();
    let kind = backup::backup_kind(input)?;
    backup::restore(data, input)
        .with_context(|| format!("cannot restore {} into {data}", input.display()))?;
    let store = open(data)?;
    println!(
        "restored {} ({}) into {data}: {} originals, {} reports, {} accounts in {:.1} s; \
         run `lantern verify` to re-hash the originals",
        input.display(),
        match kind {
            BackupKind::Sqlite => "SQLite backup",
            BackupKind::PgDump => "pg_dump archive",
        },
        store.count_originals()?,
        store.count_reports()?,
        store.users()?.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(true)
}
