//! PostgreSQL side of the interop methods: streaming events for exports, imports, feed
//! state and saved searches (same behaviour as SQLite's).

use lantern_ingest::{sha256_hex, Language};
use postgres::{Client, Transaction};

use super::{
    bump_data_version, col, filter_clauses, stored_event, where_sql, EventArrays, Params,
    EVENT_COLS,
};
use crate::error::{Result, StoreError};
use crate::interop::*;
use crate::search::ts_vector;
use crate::sqlite::{from_json, from_word, to_i64, to_json, MAX_ORIGINAL};
use crate::types::EventFilter;

/// Rows fetched from the server at a time while streaming.
const STREAM_BATCH: i32 = 256;

pub(super) fn for_each_event(
    c: &mut Client,
    filter: &EventFilter,
    f: &mut dyn FnMut(EventRecord) -> Result<()>,
) -> Result<u64> {
    let mut p = Params::default();
    let clauses = filter_clauses(filter, &mut p);
    let limit = p.add(filter.limit.map(to_i64));
    let offset = p.add(to_i64(filter.offset));
    // EVENT_COLS (16 columns), then the rest; ordered as Store::events, by the
    // events_order index (undated last).
    let sql = format!(
        "SELECT {EVENT_COLS}
            LEFT JOIN report_imports i ON i.report_id = r.id
         {}
         ORDER BY e.eff_start, e.id LIMIT {limit} OFFSET {offset}",
        where_sql(&clauses)
    )
    .replacen(
        "r.title, r.published\n    FROM",
        "r.title, r.published, e.seq, e.updated_at, r.outlet, r.url,
         COALESCE(i.upstream_original_sha256, r.original_sha256), r.language,
         r.source_path, r.format, r.body
         FROM",
        1,
    );
    // One read-only snapshot; a portal fetches a few rows at a time (constant memory).
    let mut tx = c
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()?;
    let portal = tx.bind(&sql, &p.refs())?;
    let mut n = 0u64;
    loop {
        let rows = tx.query_portal(&portal, STREAM_BATCH)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let stored = stored_event(row)?;
            let seq: i64 = col(row, 16)?;
            let body: &str = col(row, 24)?;
            let evidence_text = stored
                .event
                .evidence
                .iter()
                .map(|&(s, e)| body.get(s..e).unwrap_or("").to_string())
                .collect();
            let language: Language = from_word(
                &col::<String>(row, 21)?,
                &format!("reports.language of {}", stored.report_id),
            )?;
            let report = ReportMeta {
                id: stored.report_id.clone(),
                title: stored.report_title.clone(),
                outlet: col(row, 18)?,
                url: col(row, 19)?,
                published: stored.report_published,
                language,
                original_sha256: col(row, 20)?,
                source_path: col(row, 22)?,
                format: col(row, 23)?,
            };
            let record = EventRecord {
                seq: u32::try_from(seq).map_err(|_| StoreError::Corrupt {
                    what: format!("events.seq of event {}", stored.id),
                    reason: format!("out of range: {seq}"),
                })?,
                updated_at: col(row, 17)?,
                stored,
                report,
                evidence_text,
            };
            f(record)?;
            n += 1;
        }
    }
    tx.commit()?;
    Ok(n)
}

pub(super) fn import_reports(
    tx: &mut Transaction<'_>,
    items: &[ImportReport],
    at: &str,
) -> Result<ImportOutcome> {
    let mut out = ImportOutcome::default();
    let mut explicit_ids = false;
    for item in items {
        let r = &item.report;
        let what = || format!("imported report {}", r.id);
        if !IMPORT_FORMATS.contains(&r.format.as_str()) {
            return Err(StoreError::Invalid {
                what: what(),
                reason: format!(
                    "format '{}' is not an import format ({})",
                    r.format,
                    IMPORT_FORMATS.join(", ")
                ),
            });
        }
        if item.original.len() > MAX_ORIGINAL {
            return Err(StoreError::Invalid {
                what: what(),
                reason: "import record too large".into(),
            });
        }
        let sha = sha256_hex(&item.original);
        if r.original_sha256 != sha {
            return Err(StoreError::OriginalMismatch {
                report: r.id.clone(),
                source_path: r.source_path.clone(),
                claimed: r.original_sha256.clone(),
                actual: sha,
            });
        }
        tx.execute(
            "INSERT INTO originals(sha256, bytes, size, first_path, first_seen)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
            &[
                &sha,
                &item.original,
                &to_i64(item.original.len()),
                &r.source_path,
                &at,
            ],
        )?;
        let published = r.published.as_ref().map(|p| p.date);
        let published_json = match &r.published {
            Some(p) => Some(to_json(p, "report published")?),
            None => None,
        };
        let inserted = tx.query_opt(
            "INSERT INTO reports(id, original_sha256, title, outlet, url, published,
                published_json, language, text, removed_json, body, captured_at,
                source_path, item, format, ingested_at, extracted_with, fts)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                NULL, CAST($17 AS text)::tsvector)
             ON CONFLICT (id) DO NOTHING RETURNING id",
            &[
                &r.id,
                &sha,
                &r.title,
                &r.outlet,
                &r.url,
                &published.map(|d| d.to_string()),
                &published_json,
                &r.language.as_str(),
                &r.text,
                &to_json(&r.removed, "report removed spans")?,
                &r.body,
                &r.captured_at,
                &r.source_path,
                &r.item.map(to_i64),
                &r.format,
                &at,
                &ts_vector(r.title.as_deref().unwrap_or(""), &r.body),
            ],
        )?;
        if inserted.is_none() {
            out.reports_existing += 1;
            out.events_skipped += item.events.len() as u64;
            continue;
        }
        // Sightings as in SQLite: only for the reports stored.
        tx.execute(
            "INSERT INTO sightings(sha256, source_path, first_seen, last_seen)
             VALUES ($1, $2, $3, $3)
             ON CONFLICT (sha256, source_path)
             DO UPDATE SET last_seen = excluded.last_seen, times = sightings.times + 1",
            &[&sha, &r.source_path, &at],
        )?;
        tx.execute(
            "INSERT INTO report_imports(report_id, format, upstream_original_sha256, imported_at)
             VALUES ($1, $2, $3, $4)",
            &[&r.id, &r.format, &item.upstream_original_sha256, &at],
        )?;
        out.reports_stored += 1;
        for ev in &item.events {
            let wanted = match ev.id {
                Some(id) if id > 0 => {
                    let taken = tx
                        .query_opt("SELECT 1 FROM events WHERE id = $1", &[&id])?
                        .is_some();
                    if taken {
                        out.events_renumbered += 1;
                        None
                    } else {
                        Some(id)
                    }
                }
                _ => None,
            };
            let id = match wanted {
                Some(id) => {
                    explicit_ids = true;
                    id
                }
                None => fresh_event_id(tx)?,
            };
            let mut a = EventArrays::default();
            a.push(
                id,
                &r.id,
                i64::from(ev.seq),
                &ev.extractor_version,
                ev.review_state,
                &ev.event,
                published,
                r.outlet.as_deref(),
            )?;
            a.insert(tx, at)?;
            out.events_stored += 1;
        }
        if explicit_ids {
            // Keep the id sequence past every id given explicitly.
            tx.execute(
                "SELECT setval(pg_get_serial_sequence('events', 'id'),
                    GREATEST((SELECT max(id) FROM events),
                             (SELECT last_value FROM events_id_seq)))",
                &[],
            )?;
        }
    }
    bump_data_version(tx)?;
    Ok(out)
}

/// A new event id that no stored event has (explicit ids may be ahead of the sequence).
fn fresh_event_id(tx: &mut Transaction<'_>) -> Result<i64> {
    loop {
        let id: i64 = col(
            &tx.query_one(
                "SELECT nextval(pg_get_serial_sequence('events', 'id'))",
                &[],
            )?,
            0,
        )?;
        if tx
            .query_opt("SELECT 1 FROM events WHERE id = $1", &[&id])?
            .is_none()
        {
            return Ok(id);
        }
    }
}

pub(super) fn feed_state(c: &mut Client, url: &str) -> Result<Option<FeedState>> {
    let Some(row) = c.query_opt(
        "SELECT url, etag, last_modified, checked_at, ok_at, failures, last_error
         FROM feed_state WHERE url = $1",
        &[&url],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(FeedState {
        url: col(&row, 0)?,
        etag: col(&row, 1)?,
        last_modified: col(&row, 2)?,
        checked_at: col(&row, 3)?,
        ok_at: col(&row, 4)?,
        failures: u32::try_from(col::<i64>(&row, 5)?).unwrap_or(u32::MAX),
        last_error: col(&row, 6)?,
    }))
}

pub(super) fn set_feed_state(c: &mut Client, s: &FeedState) -> Result<()> {
    if s.url.trim().is_empty() {
        return Err(StoreError::Invalid {
            what: "feed url".into(),
            reason: "empty".into(),
        });
    }
    super::check_text(
        || format!("feed state of {}", s.url),
        &[
            Some(&s.url),
            s.etag.as_deref(),
            s.last_modified.as_deref(),
            s.last_error.as_deref(),
        ],
    )?;
    c.execute(
        "INSERT INTO feed_state(url, etag, last_modified, checked_at, ok_at, failures,
            last_error) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,
            last_modified = excluded.last_modified, checked_at = excluded.checked_at,
            ok_at = excluded.ok_at, failures = excluded.failures,
            last_error = excluded.last_error",
        &[
            &s.url,
            &s.etag,
            &s.last_modified,
            &s.checked_at,
            &s.ok_at,
            &i64::from(s.failures),
            &s.last_error,
        ],
    )?;
    Ok(())
}

fn check_alert_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 100
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(StoreError::Invalid {
            what: format!("alert name {name:?}"),
            reason: "use 1 to 100 letters, digits, '-', '_' or '.'".into(),
        });
    }
    Ok(name.to_string())
}

pub(super) fn save_alert(
    c: &mut Client,
    name: &str,
    query: &AlertQuery,
    now: &str,
) -> Result<Alert> {
    let name = check_alert_name(name)?;
    let json = to_json(query, "alert query")?;
    super::check_text(|| format!("alert {name}"), &[Some(&json)])?;
    c.execute(
        "INSERT INTO alerts(name, query_json, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET query_json = excluded.query_json",
        &[&name, &json, &now],
    )?;
    alerts(c)?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("alert {name}"),
            reason: "not found after saving".into(),
        })
}

pub(super) fn alerts(c: &mut Client) -> Result<Vec<Alert>> {
    c.query(
        "SELECT name, query_json, created_at, checked_at, last_event_id FROM alerts
         ORDER BY name",
        &[],
    )?
    .iter()
    .map(|row| {
        let name: String = col(row, 0)?;
        Ok(Alert {
            query: from_json(col(row, 1)?, || format!("alerts.query_json of {name}"))?,
            created_at: col(row, 2)?,
            checked_at: col(row, 3)?,
            last_event_id: col(row, 4)?,
            name,
        })
    })
    .collect()
}

pub(super) fn delete_alert(c: &mut Client, name: &str) -> Result<bool> {
    Ok(c.execute("DELETE FROM alerts WHERE name = $1", &[&name.trim()])? > 0)
}

pub(super) fn mark_alert_checked(
    c: &mut Client,
    name: &str,
    last_event_id: i64,
    now: &str,
) -> Result<()> {
    let n = c.execute(
        "UPDATE alerts SET checked_at = $2, last_event_id = GREATEST(last_event_id, $3)
         WHERE name = $1",
        &[&name.trim(), &now, &last_event_id],
    )?;
    if n == 0 {
        return Err(StoreError::Invalid {
            what: format!("alert {name:?}"),
            reason: "no saved search with this name".into(),
        });
    }
    Ok(())
}
