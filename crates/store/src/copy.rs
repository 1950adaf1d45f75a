//! Copying a whole store into an empty store of either backend (`lantern copy`): a team
//! that started on a laptop (SQLite) moves to PostgreSQL, or a PostgreSQL store is taken
//! offline as SQLite. [`crate::backup`] works within one backend only.
//!
//! The copy reads the source in one snapshot (SQLite: one read transaction;
//! PostgreSQL: one `REPEATABLE READ, READ ONLY` transaction, rows fetched through a
//! portal in batches) and writes the target in one transaction, so a failed copy leaves
//! the target as empty as it was. Rows stream in batches of at most [`BATCH_ROWS`] rows
//! or [`BATCH_BYTES`] bytes: memory stays bounded whatever the store's size.
//!
//! What is copied, table by table, with the columns both backends have (by name):
//! originals (each one's SHA-256 checked against its bytes), sightings, reports (in
//! their stored order, with their removed spans), events with their ids, review states,
//! edits and extractor versions, the events' actors and places, the audit log (with its
//! ids), users, API tokens (hashes only), settings, imports, feed state, alerts, and
//! incidents as stored (signatures, copy links, band and block keys, incidents, their
//! events, analyst pins). Not copied: login sessions (users log in again) and the
//! derived tables, which are rebuilt in the target: the full-text index (SQLite
//! `report_fts`; PostgreSQL `reports.fts`), PostgreSQL's `events.report_outlet` and
//! `event_places.place_first`/`admin1_first`, and the count table.
//!
//! The target ends with the source's data version, so incidents stale in the source
//! are stale in the target. The incremental-refresh watermark is kept when the
//! source's event-change counter still equals the watermark's (the copied incidents
//! stand for exactly these events); it is translated to the target's counter. Otherwise
//! it is dropped, and the next refresh is a full recomputation.

use std::collections::HashSet;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;

use crate::incidents::{IncidentWatermark, WATERMARK_KEY};
use crate::open::redact_url;
use crate::search::{index_text, ts_vector};
use crate::sqlite::DB_FILE;
use crate::{Result, StoreError, StoreSpec};

/// Most rows written in one statement (PostgreSQL) or between progress reports.
pub const BATCH_ROWS: usize = 500;
/// Most bytes of values held in one batch (originals can be large).
pub const BATCH_BYTES: usize = 8 << 20;

/// The tables copied, in an order that satisfies their foreign keys, with the order
/// their rows are read in. The incident tables come after the events, so that
/// PostgreSQL's trigger on added events (schema step 10) finds no signature yet.
const TABLES: &[(&str, &str)] = &[
    ("originals", "sha256"),
    ("sightings", "sha256, source_path"),
    ("reports", "{report_order}"),
    ("events", "id"),
    ("event_actors", "event_id, actor"),
    ("event_places", "event_id, seq"),
    ("audit_log", "id"),
    ("users", "name"),
    ("api_tokens", "token_hash"),
    ("settings", "key"),
    ("report_imports", "report_id"),
    ("feed_state", "url"),
    ("alerts", "name"),
    ("report_signatures", "report_id"),
    ("report_bands", "band_key, report_id"),
    ("incidents", "id"),
    ("incident_events", "event_id"),
    ("incident_blocks", "block_key, incident_id"),
    ("incident_pins", "id"),
];

/// Settings that are not copied as they are: the SQLite data version (PostgreSQL keeps
/// it in a table; set from the source's afterwards), the refresh watermark
/// (translated, see the module documentation) and SQLite's count-table watermark (the
/// target's count table is rebuilt from every copied event, so it has none).
const SETTINGS_SKIPPED: &[&str] = &["data_version", WATERMARK_KEY, crate::counts::WATERMARK_KEY];

/// Progress of a copy, reported after each batch.
#[derive(Debug, Clone)]
pub struct CopyProgress<'a> {
    /// The table being copied.
    pub table: &'a str,
    /// Rows of it copied so far.
    pub rows: u64,
    /// Rows it holds in the source.
    pub total: u64,
}

/// What a finished copy did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CopySummary {
    /// Rows copied per table, in copy order.
    pub tables: Vec<(String, u64)>,
    /// Bytes of originals copied (every one's SHA-256 checked).
    pub original_bytes: u64,
    /// Whether the incremental-refresh watermark was carried over (else the next
    /// incident refresh recomputes in full).
    pub watermark_kept: bool,
    /// The data version the target was left at (the source's).
    pub data_version: u64,
}

impl CopySummary {
    /// Rows copied of `table` (0 when it was not copied).
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n)
    }
}

/// Copy everything that makes the record from the store `from` into the store `to`,
/// which must be empty (it is created when missing). Both are brought to this program's
/// schema version first. `progress` is called after each batch.
pub fn copy(
    from: &StoreSpec,
    to: &StoreSpec,
    progress: &mut dyn FnMut(&CopyProgress<'_>),
) -> Result<CopySummary> {
    if from == to {
        return Err(invalid(
            &format!("copy target {to}"),
            "is the source store; copy into a new, empty store",
        ));
    }
    // Opening migrates both to this program's schema; the target must be empty.
    drop(from.open()?);
    {
        let target = to.open()?;
        if !crate::backup::is_empty(target.as_ref())? {
            return Err(invalid(
                &format!("copy target {to}"),
                "the store is not empty; copy only into a new, empty store",
            ));
        }
    }
    let mut src_client;
    let src_conn;
    let mut src = match from {
        StoreSpec::Sqlite(dir) => {
            src_conn = sqlite_connection(&dir.join(DB_FILE))?;
            // One read transaction: a snapshot while other writers go on.
            src_conn.execute_batch("BEGIN")?;
            Src::Sqlite(&src_conn)
        }
        StoreSpec::Postgres(url) => {
            src_client = pg_connection(url)?;
            let tx = src_client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            Src::Pg(tx)
        }
    };
    let mut dst_client;
    let dst_conn;
    let mut dst = match to {
        StoreSpec::Sqlite(dir) => {
            dst_conn = sqlite_connection(&dir.join(DB_FILE))?;
            dst_conn.execute_batch("PRAGMA foreign_keys = ON; BEGIN IMMEDIATE")?;
            Dst::Sqlite(&dst_conn)
        }
        StoreSpec::Postgres(url) => {
            dst_client = pg_connection(url)?;
            Dst::Pg(dst_client.transaction()?)
        }
    };
    let summary = copy_all(&mut src, &mut dst, progress)?;
    match dst {
        Dst::Sqlite(conn) => conn.execute_batch("COMMIT")?,
        Dst::Pg(tx) => tx.commit()?,
    }
    if let Src::Sqlite(conn) = src {
        conn.execute_batch("COMMIT")?;
    }
    if let StoreSpec::Sqlite(dir) = to {
        crate::SqliteStore::open(dir)?.catch_up_fts(true)?;
    }
    Ok(summary)
}

/// Whether a SQLite store keeps its full-text index in `lantern.db` (stores older than
/// migration 15) rather than in a file of its own.
fn has_main_fts(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM main.sqlite_master WHERE name = 'report_fts')",
        [],
        |r| r.get(0),
    )?)
}

fn sqlite_connection(db: &std::path::Path) -> Result<Connection> {
    let conn = Connection::open(db).map_err(|source| StoreError::Open {
        path: db.to_path_buf(),
        source,
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(conn)
}

fn pg_connection(url: &str) -> Result<postgres::Client> {
    let mut client =
        postgres::Client::connect(url, postgres::NoTls).map_err(|source| StoreError::Connect {
            url: redact_url(url),
            source,
        })?;
    client.batch_execute("SET client_min_messages = warning; SET jit = off")?;
    Ok(client)
}

fn copy_all(
    src: &mut Src<'_>,
    dst: &mut Dst<'_>,
    progress: &mut dyn FnMut(&CopyProgress<'_>),
) -> Result<CopySummary> {
    let mut summary = CopySummary::default();
    let report_order = match src {
        Src::Sqlite(_) => "rowid",
        Src::Pg(_) => "n",
    };
    for &(table, order) in TABLES {
        let order = order.replace("{report_order}", report_order);
        let rows = copy_table(src, dst, table, &order, &mut summary, progress)
            .map_err(|e| invalid(&format!("copy of table {table}"), &e.to_string()))?;
        summary.tables.push((table.to_string(), rows));
    }
    finish(src, dst, &mut summary)
        .map_err(|e| invalid("copy: finishing the target", &e.to_string()))?;
    Ok(summary)
}

/// Copy one table; returns the rows copied.
fn copy_table(
    src: &mut Src<'_>,
    dst: &mut Dst<'_>,
    table: &str,
    order: &str,
    summary: &mut CopySummary,
    progress: &mut dyn FnMut(&CopyProgress<'_>),
) -> Result<u64> {
    let src_cols = src.columns(table)?;
    let dst_cols = dst.columns(table)?;
    // The columns both have, in the target's order.
    let shared: Vec<Col> = dst_cols
        .iter()
        .filter(|c| src_cols.contains(&c.name) && !(table == "reports" && c.name == "rowid"))
        .cloned()
        .collect();
    if shared.is_empty() {
        return Err(invalid(table, "the source and target share no column"));
    }
    let names: Vec<&str> = shared.iter().map(|c| c.name.as_str()).collect();
    let pos = |name: &str| names.iter().position(|n| *n == name);
    let has = |name: &str| dst_cols.iter().any(|c| c.name == name);
    // The computed columns of a PostgreSQL target, appended after the shared ones.
    let mut fields: Vec<Field> = (0..shared.len()).map(Field::Param).collect();
    let mut cols: Vec<Col> = shared.clone();
    let mut extra = Extra::None;
    if matches!(dst, Dst::Pg(_)) {
        match table {
            "reports" if has("fts") && !names.contains(&"fts") => {
                let (t, b) = need2(pos("title"), pos("body"), table)?;
                extra = Extra::Fts { title: t, body: b };
                fields.push(Field::TsVector(shared.len()));
                cols.push(col("fts", Ty::Text));
            }
            "events" if has("report_outlet") && !names.contains(&"report_outlet") => {
                let r = pos("report_id").ok_or_else(|| invalid(table, "no report_id"))?;
                fields.push(Field::OutletOf(r));
                cols.push(col("report_outlet", Ty::Text));
            }
            "event_places" if has("place_first") && !names.contains(&"place_first") => {
                let e = pos("event_id").ok_or_else(|| invalid(table, "no event_id"))?;
                let (p, a) = need2(pos("place_id"), pos("admin1"), table)?;
                extra = Extra::Firsts {
                    event: e,
                    place: p,
                    admin1: a,
                    current: None,
                    places: HashSet::new(),
                    admin1s: HashSet::new(),
                };
                fields.push(Field::Param(shared.len()));
                fields.push(Field::Param(shared.len() + 1));
                cols.push(col("place_first", Ty::Bool));
                cols.push(col("admin1_first", Ty::Bool));
            }
            _ => {}
        }
    }
    // A target of the split layout (migration 15) indexes its reports after the
    // commit, from its own file's writer (`SqliteStore::catch_up_fts`).
    let sqlite_fts = match dst {
        Dst::Sqlite(conn) => table == "reports" && has_main_fts(conn)?,
        Dst::Pg(_) => false,
    };
    let fts_cols = if sqlite_fts {
        Some(need2(pos("title"), pos("body"), table)?)
    } else {
        None
    };
    let sha_col = (table == "originals")
        .then(|| need2(pos("sha256"), pos("bytes"), table))
        .transpose()?;
    let key_col = (table == "settings")
        .then(|| pos("key").ok_or_else(|| invalid(table, "no key column")))
        .transpose()?;
    let total = src.count(table)?;
    let select = format!(
        "SELECT {} FROM {table} ORDER BY {order}",
        names
            .iter()
            .map(|n| quote(n))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let writer = Writer {
        table,
        cols: &cols,
        fields: &fields,
        fts: fts_cols,
    };
    let mut batch: Vec<Vec<V>> = Vec::new();
    let mut bytes = 0usize;
    let mut done = 0u64;
    src.for_each(&select, &mut |mut row| {
        if let Some((s, b)) = sha_col {
            check_original(&row[s], &row[b])?;
            if let V::B(bytes) = &row[b] {
                summary.original_bytes += bytes.len() as u64;
            }
        }
        if let Some(k) = key_col {
            if matches!(&row[k], V::T(key) if SETTINGS_SKIPPED.contains(&key.as_str())) {
                return Ok(());
            }
        }
        extra.extend(&mut row);
        bytes += row.iter().map(V::size).sum::<usize>();
        batch.push(row);
        if batch.len() >= BATCH_ROWS || bytes >= BATCH_BYTES {
            dst.insert(&writer, &batch)?;
            done += batch.len() as u64;
            batch.clear();
            bytes = 0;
            progress(&CopyProgress {
                table,
                rows: done,
                total,
            });
        }
        Ok(())
    })?;
    if !batch.is_empty() {
        dst.insert(&writer, &batch)?;
        done += batch.len() as u64;
    }
    progress(&CopyProgress {
        table,
        rows: done,
        total,
    });
    Ok(done)
}

fn need2(a: Option<usize>, b: Option<usize>, table: &str) -> Result<(usize, usize)> {
    match (a, b) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(invalid(table, "a column the copy needs is missing")),
    }
}

fn check_original(sha: &V, bytes: &V) -> Result<()> {
    let (V::T(sha), V::B(bytes)) = (sha, bytes) else {
        return Err(invalid("originals", "a row without a hash or bytes"));
    };
    let actual = lantern_ingest::sha256_hex(bytes);
    if &actual != sha {
        return Err(StoreError::Corrupt {
            what: format!("original {sha} in the source store"),
            reason: format!("its bytes hash to {actual}; run `lantern verify` on the source"),
        });
    }
    Ok(())
}

/// Data version, counters, the watermark, identity sequences and the count table.
fn finish(src: &mut Src<'_>, dst: &mut Dst<'_>, summary: &mut CopySummary) -> Result<()> {
    let version = match src {
        Src::Sqlite(_) => src
            .scalar("SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'data_version'")?
            .unwrap_or(0),
        Src::Pg(_) => src.scalar("SELECT value FROM data_version")?.unwrap_or(0),
    };
    let src_changes = match src {
        Src::Sqlite(_) => src.scalar("SELECT n FROM event_changes WHERE id = 1")?,
        Src::Pg(_) => src.scalar("SELECT coalesce(sum(n), 0)::int8 FROM event_change_slots")?,
    }
    .unwrap_or(0);
    let watermark: Option<IncidentWatermark> = src
        .text(&format!(
            "SELECT value FROM settings WHERE key = '{WATERMARK_KEY}'"
        ))?
        .and_then(|json| serde_json::from_str(&json).ok());
    match dst {
        Dst::Sqlite(conn) => {
            // The dictionary of stored places (SQLite migration 14), from the copied rows.
            conn.execute(
                "INSERT OR IGNORE INTO places(place_id, name, admin1)
                 SELECT place_id, name, admin1 FROM event_places",
                [],
            )?;
            crate::counts::rebuild(conn)?;
            conn.execute(
                "INSERT INTO settings(key, value) VALUES ('data_version', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [version.to_string()],
            )?;
        }
        Dst::Pg(tx) => {
            crate::postgres::rebuild_counts_in(tx)?;
            tx.execute("UPDATE data_version SET value = $1", &[&version])?;
            for (table, column) in [
                ("events", "id"),
                ("reports", "n"),
                ("audit_log", "id"),
                ("incident_pins", "id"),
            ] {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), m)
                         FROM (SELECT max({column}) AS m FROM {table}) x WHERE m IS NOT NULL"
                    ),
                    &[],
                )?;
            }
        }
    }
    summary.data_version = u64::try_from(version).unwrap_or(0);
    if let Some(w) = watermark.filter(|w| w.event_changes == src_changes) {
        let now = match dst {
            Dst::Sqlite(conn) => {
                conn.query_row("SELECT n FROM event_changes WHERE id = 1", [], |r| r.get(0))?
            }
            Dst::Pg(tx) => tx
                .query_one(
                    "SELECT coalesce(sum(n), 0)::int8 FROM event_change_slots",
                    &[],
                )?
                .try_get(0)?,
        };
        let kept = IncidentWatermark {
            max_event_id: w.max_event_id,
            event_changes: now,
        };
        let json = serde_json::to_string(&kept).map_err(|e| StoreError::Json {
            what: "incident watermark".into(),
            source: e,
        })?;
        dst.put_setting(WATERMARK_KEY, &json)?;
        summary.watermark_kept = true;
    }
    // Every table holds as many rows as the source's.
    for (table, rows) in &summary.tables {
        let n = dst.count(table)?;
        let expected = if table == "settings" { n } else { *rows };
        if n != expected {
            return Err(invalid(
                table,
                &format!("the target holds {n} rows after copying {rows}"),
            ));
        }
    }
    Ok(())
}

/// A value read from either backend.
#[derive(Debug, Clone)]
enum V {
    Null,
    I(i64),
    F(f64),
    T(String),
    B(Vec<u8>),
}

impl V {
    fn size(&self) -> usize {
        match self {
            V::T(s) => s.len(),
            V::B(b) => b.len(),
            _ => 8,
        }
    }
}

/// A target column's type, as the PostgreSQL client needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    I64,
    I32,
    I16,
    Bool,
    F64,
    Text,
    Bytes,
}

#[derive(Debug, Clone)]
struct Col {
    name: String,
    ty: Ty,
}

fn col(name: &str, ty: Ty) -> Col {
    Col {
        name: name.to_string(),
        ty,
    }
}

/// How one target column gets its value.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// The row's value at this index.
    Param(usize),
    /// The row's value at this index (the `ts_vector` text), cast to `tsvector`.
    TsVector(usize),
    /// The outlet of the report whose id is the row's value at this index.
    OutletOf(usize),
}

/// Values computed from a row and appended to it.
enum Extra {
    None,
    Fts {
        title: usize,
        body: usize,
    },
    Firsts {
        event: usize,
        place: usize,
        admin1: usize,
        current: Option<i64>,
        places: HashSet<String>,
        admin1s: HashSet<String>,
    },
}

impl Extra {
    fn extend(&mut self, row: &mut Vec<V>) {
        match self {
            Extra::None => {}
            Extra::Fts { title, body } => {
                let title = text_of(&row[*title]);
                let body = text_of(&row[*body]);
                let v = ts_vector(title, body);
                row.push(V::T(v));
            }
            Extra::Firsts {
                event,
                place,
                admin1,
                current,
                places,
                admin1s,
            } => {
                let id = match row[*event] {
                    V::I(i) => Some(i),
                    _ => None,
                };
                if *current != id {
                    *current = id;
                    places.clear();
                    admin1s.clear();
                }
                let p = places.insert(text_of(&row[*place]).to_string());
                let a = admin1s.insert(text_of(&row[*admin1]).to_string());
                row.push(V::I(i64::from(p)));
                row.push(V::I(i64::from(a)));
            }
        }
    }
}

fn text_of(v: &V) -> &str {
    match v {
        V::T(s) => s,
        _ => "",
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The source: one read snapshot.
enum Src<'a> {
    Sqlite(&'a Connection),
    Pg(postgres::Transaction<'a>),
}

impl Src<'_> {
    fn columns(&mut self, table: &str) -> Result<Vec<String>> {
        match self {
            Src::Sqlite(conn) => {
                sqlite_columns(conn, table).map(|c| c.into_iter().map(|c| c.name).collect())
            }
            Src::Pg(tx) => pg_columns(tx, table).map(|c| c.into_iter().map(|c| c.name).collect()),
        }
    }

    fn count(&mut self, table: &str) -> Result<u64> {
        let n = self
            .scalar(&format!("SELECT count(*) FROM {table}"))?
            .unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn scalar(&mut self, sql: &str) -> Result<Option<i64>> {
        match self {
            Src::Sqlite(conn) => {
                use rusqlite::OptionalExtension;
                Ok(conn
                    .query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
                    .optional()?
                    .flatten())
            }
            Src::Pg(tx) => Ok(match tx.query_opt(sql, &[])? {
                Some(row) => row.try_get::<_, Option<i64>>(0)?,
                None => None,
            }),
        }
    }

    fn text(&mut self, sql: &str) -> Result<Option<String>> {
        match self {
            Src::Sqlite(conn) => {
                use rusqlite::OptionalExtension;
                Ok(conn
                    .query_row(sql, [], |r| r.get::<_, Option<String>>(0))
                    .optional()?
                    .flatten())
            }
            Src::Pg(tx) => Ok(match tx.query_opt(sql, &[])? {
                Some(row) => row.try_get::<_, Option<String>>(0)?,
                None => None,
            }),
        }
    }

    /// Call `f` with each row of `sql`, streaming.
    fn for_each(&mut self, sql: &str, f: &mut dyn FnMut(Vec<V>) -> Result<()>) -> Result<()> {
        match self {
            Src::Sqlite(conn) => {
                let mut stmt = conn.prepare(sql)?;
                let n = stmt.column_count();
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let mut out = Vec::with_capacity(n + 2);
                    for i in 0..n {
                        out.push(match row.get_ref(i)? {
                            ValueRef::Null => V::Null,
                            ValueRef::Integer(i) => V::I(i),
                            ValueRef::Real(f) => V::F(f),
                            ValueRef::Text(t) => V::T(String::from_utf8_lossy(t).into_owned()),
                            ValueRef::Blob(b) => V::B(b.to_vec()),
                        });
                    }
                    f(out)?;
                }
                Ok(())
            }
            Src::Pg(tx) => {
                let portal = tx.bind(sql, &[])?;
                loop {
                    let rows = tx.query_portal(&portal, BATCH_ROWS as i32)?;
                    if rows.is_empty() {
                        return Ok(());
                    }
                    for row in rows {
                        f(pg_row(&row)?)?;
                    }
                }
            }
        }
    }
}

fn pg_row(row: &postgres::Row) -> Result<Vec<V>> {
    use postgres::types::Type;
    let mut out = Vec::with_capacity(row.len() + 2);
    for (i, c) in row.columns().iter().enumerate() {
        let t = c.type_();
        let v = if *t == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?
                .map(|b| V::I(i64::from(b)))
        } else if *t == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(V::I)
        } else if *t == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?.map(|v| V::I(v.into()))
        } else if *t == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?.map(|v| V::I(v.into()))
        } else if *t == Type::FLOAT8 {
            row.try_get::<_, Option<f64>>(i)?.map(V::F)
        } else if *t == Type::FLOAT4 {
            row.try_get::<_, Option<f32>>(i)?.map(|v| V::F(v.into()))
        } else if *t == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(i)?.map(V::B)
        } else {
            row.try_get::<_, Option<String>>(i)?.map(V::T)
        };
        out.push(v.unwrap_or(V::Null));
    }
    Ok(out)
}

fn sqlite_columns(conn: &Connection, table: &str) -> Result<Vec<Col>> {
    let mut stmt = conn.prepare("SELECT name, type FROM pragma_table_info(?1)")?;
    let cols = stmt
        .query_map([table], |r| {
            let name: String = r.get(0)?;
            let ty: String = r.get(1)?;
            let ty = ty.to_ascii_uppercase();
            let ty = if ty.contains("INT") {
                Ty::I64
            } else if ty.contains("REAL") {
                Ty::F64
            } else if ty.contains("BLOB") {
                Ty::Bytes
            } else {
                Ty::Text
            };
            Ok(Col { name, ty })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if cols.is_empty() {
        return Err(invalid(table, "no such table in the SQLite store"));
    }
    Ok(cols)
}

fn pg_columns(tx: &mut postgres::Transaction<'_>, table: &str) -> Result<Vec<Col>> {
    let rows = tx.query(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        &[&table],
    )?;
    let mut cols = Vec::with_capacity(rows.len());
    for r in rows {
        let name: String = r.try_get(0)?;
        let ty: String = r.try_get(1)?;
        let ty = match ty.as_str() {
            "bigint" => Ty::I64,
            "integer" => Ty::I32,
            "smallint" => Ty::I16,
            "boolean" => Ty::Bool,
            "double precision" | "real" => Ty::F64,
            "bytea" => Ty::Bytes,
            _ => Ty::Text,
        };
        cols.push(Col { name, ty });
    }
    if cols.is_empty() {
        return Err(invalid(table, "no such table in the PostgreSQL store"));
    }
    Ok(cols)
}

/// How rows of one table are written.
struct Writer<'a> {
    table: &'a str,
    cols: &'a [Col],
    fields: &'a [Field],
    /// SQLite target's reports: the title and body columns, for `report_fts`.
    fts: Option<(usize, usize)>,
}

/// The target: one write transaction.
enum Dst<'a> {
    Sqlite(&'a Connection),
    Pg(postgres::Transaction<'a>),
}

impl Dst<'_> {
    fn columns(&mut self, table: &str) -> Result<Vec<Col>> {
        match self {
            Dst::Sqlite(conn) => sqlite_columns(conn, table),
            Dst::Pg(tx) => pg_columns(tx, table),
        }
    }

    fn count(&mut self, table: &str) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM {table}");
        let n: i64 = match self {
            Dst::Sqlite(conn) => conn.query_row(&sql, [], |r| r.get(0))?,
            Dst::Pg(tx) => tx.query_one(&sql, &[])?.try_get(0)?,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn put_setting(&mut self, key: &str, value: &str) -> Result<()> {
        match self {
            Dst::Sqlite(conn) => {
                conn.execute(
                    "INSERT INTO settings(key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )?;
            }
            Dst::Pg(tx) => {
                tx.execute(
                    "INSERT INTO settings(key, value) VALUES ($1, $2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    &[&key, &value],
                )?;
            }
        }
        Ok(())
    }

    fn insert(&mut self, w: &Writer<'_>, rows: &[Vec<V>]) -> Result<()> {
        let names = w
            .cols
            .iter()
            .map(|c| quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ");
        match self {
            Dst::Sqlite(conn) => {
                let marks = vec!["?"; w.cols.len()].join(", ");
                // Settings the new store wrote itself are replaced by the source's.
                let verb = if w.table == "settings" {
                    "INSERT OR REPLACE"
                } else {
                    "INSERT"
                };
                let mut stmt = conn.prepare_cached(&format!(
                    "{verb} INTO {}({names}) VALUES ({marks})",
                    w.table
                ))?;
                let mut fts = match w.fts {
                    Some(_) => Some(conn.prepare_cached(
                        "INSERT INTO report_fts(rowid, title, body) VALUES (?1, ?2, ?3)",
                    )?),
                    None => None,
                };
                for row in rows {
                    let values = w.fields.iter().map(|f| match f {
                        Field::Param(i) | Field::TsVector(i) | Field::OutletOf(i) => {
                            sql_value(&row[*i])
                        }
                    });
                    stmt.execute(rusqlite::params_from_iter(values))?;
                    if let (Some((t, b)), Some(fts)) = (w.fts, fts.as_mut()) {
                        let rowid = conn.last_insert_rowid();
                        let title = index_text(text_of(&row[t]));
                        let body = index_text(text_of(&row[b]));
                        fts.execute(rusqlite::params![rowid, title, body])?;
                    }
                }
                Ok(())
            }
            Dst::Pg(tx) => {
                let overriding = if matches!(w.table, "audit_log" | "incident_pins") {
                    " OVERRIDING SYSTEM VALUE"
                } else {
                    ""
                };
                let mut sql = format!("INSERT INTO {}({names}){overriding} VALUES ", w.table);
                let mut params: Vec<Box<dyn postgres::types::ToSql + Sync>> = Vec::new();
                for (r, row) in rows.iter().enumerate() {
                    sql.push_str(if r == 0 { "(" } else { ", (" });
                    for (k, (f, c)) in w.fields.iter().zip(w.cols).enumerate() {
                        if k > 0 {
                            sql.push_str(", ");
                        }
                        let (i, ty) = match f {
                            Field::Param(i) => (*i, c.ty),
                            Field::TsVector(i) | Field::OutletOf(i) => (*i, Ty::Text),
                        };
                        params.push(pg_param(&row[i], ty, w.table, &c.name)?);
                        let n = params.len();
                        match f {
                            Field::Param(_) => sql.push_str(&format!("${n}")),
                            Field::TsVector(_) => sql.push_str(&format!("${n}::text::tsvector")),
                            Field::OutletOf(_) => sql
                                .push_str(&format!("(SELECT outlet FROM reports WHERE id = ${n})")),
                        }
                    }
                    sql.push(')');
                }
                if w.table == "settings" {
                    sql.push_str(" ON CONFLICT (key) DO UPDATE SET value = excluded.value");
                }
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p.as_ref()).collect();
                tx.execute(sql.as_str(), &refs)?;
                Ok(())
            }
        }
    }
}

fn sql_value(v: &V) -> SqlValue {
    match v {
        V::Null => SqlValue::Null,
        V::I(i) => SqlValue::Integer(*i),
        V::F(f) => SqlValue::Real(*f),
        V::T(s) => SqlValue::Text(s.clone()),
        V::B(b) => SqlValue::Blob(b.clone()),
    }
}

fn pg_param(
    v: &V,
    ty: Ty,
    table: &str,
    column: &str,
) -> Result<Box<dyn postgres::types::ToSql + Sync>> {
    let bad = || {
        invalid(
            &format!("{table}.{column}"),
            &format!("a value of the wrong kind for a {ty:?} column: {v:?}"),
        )
    };
    Ok(match (ty, v) {
        (Ty::I64, V::Null) => Box::new(None::<i64>),
        (Ty::I32, V::Null) => Box::new(None::<i32>),
        (Ty::I16, V::Null) => Box::new(None::<i16>),
        (Ty::Bool, V::Null) => Box::new(None::<bool>),
        (Ty::F64, V::Null) => Box::new(None::<f64>),
        (Ty::Text, V::Null) => Box::new(None::<String>),
        (Ty::Bytes, V::Null) => Box::new(None::<Vec<u8>>),
        (Ty::I64, V::I(i)) => Box::new(*i),
        (Ty::I32, V::I(i)) => Box::new(i32::try_from(*i).map_err(|_| bad())?),
        (Ty::I16, V::I(i)) => Box::new(i16::try_from(*i).map_err(|_| bad())?),
        (Ty::Bool, V::I(i)) => Box::new(*i != 0),
        (Ty::F64, V::F(f)) => Box::new(*f),
        (Ty::F64, V::I(i)) => Box::new(*i as f64),
        (Ty::Text, V::T(s)) => Box::new(s.clone()),
        (Ty::Text, V::I(i)) => Box::new(i.to_string()),
        (Ty::Text, V::F(f)) => Box::new(f.to_string()),
        (Ty::Bytes, V::B(b)) => Box::new(b.clone()),
        (Ty::I64, V::T(s)) => Box::new(s.trim().parse::<i64>().map_err(|_| bad())?),
        _ => return Err(bad()),
    })
}

fn invalid(what: &str, reason: &str) -> StoreError {
    StoreError::Invalid {
        what: what.to_string(),
        reason: reason.to_string(),
    }
}
