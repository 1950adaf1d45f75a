//! `lantern backup OUT` and `lantern restore IN`: a consistent copy of a whole store
//! (SQLite or PostgreSQL) while the server keeps running, and its restore into an empty
//! store. `lantern copy --to SPEC` copies a whole store into an empty store of either
//! backend (`lantern_store::copy`).

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

/// `lantern copy [--from SPEC] --to SPEC`: progress on stderr (a line per table, and
/// every 50,000 rows of a big one), the summary on stdout.
pub fn copy(from: &StoreSpec, to: &StoreSpec, quiet: bool) -> anyhow::Result<bool> {
    let start = Instant::now();
    let mut last = (String::new(), 0u64);
    let summary = lantern_store::copy::copy(from, to, &mut |p| {
        if quiet {
            return;
        }
        let new_table = last.0 != p.table;
        if new_table {
            last = (p.table.to_string(), 0);
        }
        if p.rows == p.total || p.rows >= last.1 + 50_000 {
            last.1 = p.rows;
            eprintln!("copying {}: {} of {} rows", p.table, p.rows, p.total);
        }
    })
    .with_context(|| format!("cannot copy {from} to {to}"))?;
    let rows = |t: &str| summary.rows(t);
    println!(
        "copied {from} ({}) to {to} ({}) in {:.1} s: {} originals ({}, every SHA-256 \
         checked), {} reports, {} events, {} audit entries, {} accounts, {} API tokens, \
         {} incidents ({}); login sessions are not copied",
        from.backend(),
        to.backend(),
        start.elapsed().as_secs_f64(),
        rows("originals"),
        human_bytes(summary.original_bytes),
        rows("reports"),
        rows("events"),
        rows("audit_log"),
        rows("users"),
        rows("api_tokens"),
        rows("incidents"),
        if summary.watermark_kept {
            "the next refresh can be incremental"
        } else {
            "the next refresh recomputes them in full"
        },
    );
    Ok(true)
}
