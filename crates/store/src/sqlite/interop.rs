//! SQLite side of the interop methods: streaming events for exports, imports, feed state.

use lantern_ingest::{sha256_hex, Language};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::{
    filter_sql, from_word, insert_event_links, now, to_i64, EventColumns, RawEvent, DATED,
    MAX_ORIGINAL, UNDATED,
};
use crate::error::{Result, StoreError};
use crate::interop::*;
use crate::search::index_text;
use crate::types::EventFilter;

/// Columns of one streamed event: the 16 of `RawEvent::from_row`, then the rest.
const STREAM_COLS: &str = "e.id, e.report_id, e.extractor_version, e.review_state, e.event_type,
    e.modality, e.negated, e.confidence, e.actors_json, e.places_json, e.date_json,
    e.attribution_json, e.quantities_json, e.evidence_json, r.title, r.published,
    e.seq, e.updated_at, r.outlet, r.url,
    COALESCE(i.upstream_original_sha256, r.original_sha256), r.language, r.source_path,
    r.format, r.body
    FROM events e JOIN reports r ON r.id = e.report_id
    LEFT JOIN report_imports i ON i.report_id = r.id";

/// The SQL of one of the two passes of [`for_each_event`]: dated events by
/// (eff_start, id), then undated ones by id. Both orders follow an index
/// (`events_order` or `events_type_order`, keyed by [`DATED`] / [`UNDATED`] first), so
/// SQLite never sorts the result in memory.
pub(super) fn stream_sql(filter: &EventFilter, dated: bool) -> (String, Vec<Value>) {
    let (where_sql, params) = filter_sql(filter);
    let pass = if dated { DATED } else { UNDATED };
    let where_sql = match where_sql.strip_prefix(" WHERE ") {
        Some(rest) => format!(" WHERE {pass} AND {rest}"),
        None => format!(" WHERE {pass}"),
    };
    (
        format!("SELECT {STREAM_COLS}{where_sql} ORDER BY e.eff_start, e.id"),
        params,
    )
}

pub(super) fn for_each_event(
    conn: &Connection,
    filter: &EventFilter,
    f: &mut dyn FnMut(EventRecord) -> Result<()>,
) -> Result<u64> {
    // One read transaction: both passes see the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut to_skip = filter.offset;
    let mut left = filter.limit.unwrap_or(usize::MAX);
    let mut n = 0u64;
    for dated in [true, false] {
        if left == 0 {
            break;
        }
        let (sql, params) = stream_sql(filter, dated);
        let mut stmt = tx.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        while let Some(row) = rows.next()? {
            if to_skip > 0 {
                to_skip -= 1;
                continue;
            }
            let raw = RawEvent::from_row(row)?;
            let stored = raw.into_stored()?;
            let seq: i64 = row.get(16)?;
            let updated_at: String = row.get(17)?;
            let outlet: Option<String> = row.get(18)?;
            let url: Option<String> = row.get(19)?;
            let original_sha256: String = row.get(20)?;
            let language: String = row.get(21)?;
            let source_path: String = row.get(22)?;
            let format: String = row.get(23)?;
            let body = row.get_ref(24)?.as_str().map_err(|e| StoreError::Corrupt {
                what: format!("reports.body of {}", stored.report_id),
                reason: e.to_string(),
            })?;
            let evidence_text = stored
                .event
                .evidence
                .iter()
                .map(|&(s, e)| body.get(s..e).unwrap_or("").to_string())
                .collect();
            let language: Language = from_word(
                &language,
                &format!("reports.language of {}", stored.report_id),
            )?;
            let report = ReportMeta {
                id: stored.report_id.clone(),
                title: stored.report_title.clone(),
                outlet,
                url,
                published: stored.report_published,
                language,
                original_sha256,
                source_path,
                format,
            };
            let record = EventRecord {
                seq: u32::try_from(seq).map_err(|_| StoreError::Corrupt {
                    what: format!("events.seq of event {}", stored.id),
                    reason: format!("out of range: {seq}"),
                })?,
                stored,
                updated_at,
                report,
                evidence_text,
            };
            f(record)?;
            n += 1;
            left -= 1;
            if left == 0 {
                break;
            }
        }
    }
    tx.commit()?;
    Ok(n)
}

/// `split_fts`: the store keeps its full-text index in a file of its own (see
/// [`super::fts`]); the caller indexes the imported reports after the commit.
pub(super) fn import_reports(
    conn: &mut Connection,
    items: &[ImportReport],
    split_fts: bool,
) -> Result<ImportOutcome> {
    let at = now();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut out = ImportOutcome::default();
    let (events_before, watermark) = crate::counts::insert_start(&tx)?;
    let mut new_events: Vec<i64> = Vec::new();
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
        let exists = tx
            .prepare_cached("SELECT 1 FROM reports WHERE id = ?1")?
            .exists([&r.id])?;
        if exists {
            out.reports_existing += 1;
            out.events_skipped += item.events.len() as u64;
            continue;
        }
        tx.prepare_cached(
            "INSERT INTO originals(sha256, bytes, size, first_path, first_seen)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(sha256) DO NOTHING",
        )?
        .execute(params![
            sha,
            item.original,
            to_i64(item.original.len()),
            r.source_path,
            at
        ])?;
        tx.prepare_cached(
            "INSERT INTO sightings(sha256, source_path, first_seen, last_seen)
             VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT(sha256, source_path)
             DO UPDATE SET last_seen = excluded.last_seen, times = times + 1",
        )?
        .execute(params![sha, r.source_path, at])?;
        let published = r.published.as_ref().map(|p| p.date);
        let published_json = match &r.published {
            Some(p) => Some(super::to_json(p, "report published")?),
            None => None,
        };
        tx.prepare_cached(
            "INSERT INTO reports(id, original_sha256, title, outlet, url, published,
                published_json, language, text, removed_json, body, captured_at,
                source_path, item, format, ingested_at, extracted_with)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                ?15, ?16, NULL)",
        )?
        .execute(params![
            r.id,
            sha,
            r.title,
            r.outlet,
            r.url,
            published.map(|d| d.to_string()),
            published_json,
            r.language.as_str(),
            r.text,
            super::to_json(&r.removed, "report removed spans")?,
            r.body,
            r.captured_at,
            r.source_path,
            r.item.map(to_i64),
            r.format,
            at,
        ])?;
        if !split_fts {
            let rowid = tx.last_insert_rowid();
            tx.prepare_cached("INSERT INTO report_fts(rowid, title, body) VALUES (?1, ?2, ?3)")?
                .execute(params![
                    rowid,
                    index_text(r.title.as_deref().unwrap_or("")),
                    index_text(&r.body)
                ])?;
        }
        tx.prepare_cached(
            "INSERT INTO report_imports(report_id, format, upstream_original_sha256, imported_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![r.id, r.format, item.upstream_original_sha256, at])?;
        out.reports_stored += 1;
        for ev in &item.events {
            let id = match ev.id {
                Some(id) if id > 0 => {
                    let taken = tx
                        .prepare_cached("SELECT 1 FROM events WHERE id = ?1")?
                        .exists([id])?;
                    if taken {
                        out.events_renumbered += 1;
                        None
                    } else {
                        Some(id)
                    }
                }
                _ => None,
            };
            let e = &ev.event;
            let c = EventColumns::new(e, published)?;
            tx.prepare_cached(
                "INSERT INTO events(id, report_id, seq, extractor_version, review_state,
                    event_type, modality, negated, confidence, actors_json, places_json,
                    date_json, attribution_json, quantities_json, evidence_json, eff_start,
                    eff_end, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                    ?16, ?17, ?18, ?18)",
            )?
            .execute(params![
                id,
                r.id,
                i64::from(ev.seq),
                ev.extractor_version,
                ev.review_state.as_str(),
                c.event_type,
                c.modality,
                e.negated,
                f64::from(e.confidence),
                c.actors,
                c.places,
                c.date,
                c.attribution,
                c.quantities,
                c.evidence,
                c.eff_start,
                c.eff_end,
                at,
            ])?;
            let event_id = tx.last_insert_rowid();
            insert_event_links(&tx, event_id, e)?;
            new_events.push(event_id);
            out.events_stored += 1;
        }
    }
    crate::counts::add_inserted(&tx, events_before, watermark)?;
    // Imported reports and events change what the web app counts.
    super::bump_data_version(&tx)?;
    tx.commit()?;
    Ok(out)
}

pub(super) fn feed_state(conn: &Connection, url: &str) -> Result<Option<FeedState>> {
    Ok(conn
        .prepare_cached(
            "SELECT url, etag, last_modified, checked_at, ok_at, failures, last_error
             FROM feed_state WHERE url = ?1",
        )?
        .query_row([url], |r| {
            Ok(FeedState {
                url: r.get(0)?,
                etag: r.get(1)?,
                last_modified: r.get(2)?,
                checked_at: r.get(3)?,
                ok_at: r.get(4)?,
                failures: u32::try_from(r.get::<_, i64>(5)?).unwrap_or(u32::MAX),
                last_error: r.get(6)?,
            })
        })
        .optional()?)
}

pub(super) fn set_feed_state(conn: &Connection, s: &FeedState) -> Result<()> {
    if s.url.trim().is_empty() {
        return Err(StoreError::Invalid {
            what: "feed url".into(),
            reason: "empty".into(),
        });
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO feed_state(url, etag, last_modified, checked_at, ok_at,
            failures, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        s.url,
        s.etag,
        s.last_modified,
        s.checked_at,
        s.ok_at,
        i64::from(s.failures),
        s.last_error
    ])?;
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

pub(super) fn save_alert(conn: &Connection, name: &str, query: &AlertQuery) -> Result<Alert> {
    let name = check_alert_name(name)?;
    let json = super::to_json(query, "alert query")?;
    conn.prepare_cached(
        "INSERT INTO alerts(name, query_json, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET query_json = excluded.query_json",
    )?
    .execute(params![name, json, now()])?;
    alerts(conn)?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("alert {name}"),
            reason: "not found after saving".into(),
        })
}

pub(super) fn alerts(conn: &Connection) -> Result<Vec<Alert>> {
    let rows = conn
        .prepare_cached(
            "SELECT name, query_json, created_at, checked_at, last_event_id FROM alerts
             ORDER BY name",
        )?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(name, q, created_at, checked_at, last_event_id)| {
            Ok(Alert {
                query: super::from_json(&q, || format!("alerts.query_json of {name}"))?,
                name,
                created_at,
                checked_at,
                last_event_id,
            })
        })
        .collect()
}

pub(super) fn delete_alert(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM alerts WHERE name = ?1")?
        .execute([name.trim()])?
        > 0)
}

pub(super) fn mark_alert_checked(conn: &Connection, name: &str, last_event_id: i64) -> Result<()> {
    let n = conn
        .prepare_cached(
            "UPDATE alerts SET checked_at = ?2, last_event_id = max(last_event_id, ?3)
             WHERE name = ?1",
        )?
        .execute(params![name.trim(), now(), last_event_id])?;
    if n == 0 {
        return Err(StoreError::Invalid {
            what: format!("alert {name:?}"),
            reason: "no saved search with this name".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ReviewState;
    use crate::SqliteStore;
    use lantern_extract::{Actor, EventType};

    /// Streaming never sorts the result in memory: every filter's plan follows an index.
    #[test]
    fn stream_plans_use_an_index_for_the_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let filters = [
            EventFilter::default(),
            EventFilter {
                event_type: Some(EventType::Arrest),
                ..Default::default()
            },
            EventFilter {
                place: Some("Hyesan".into()),
                actor: Some(Actor::StateSecurity),
                from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
                to: chrono::NaiveDate::from_ymd_opt(2021, 1, 1),
                review_state: Some(ReviewState::Confirmed),
                ..Default::default()
            },
        ];
        // (A report_id filter sorts, but only that one report's events.)
        for f in &filters {
            for dated in [true, false] {
                let (sql, params) = stream_sql(f, dated);
                let mut stmt = store
                    .conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .unwrap();
                let plan: Vec<String> = stmt
                    .query_map(params_from_iter(params.iter()), |r| r.get::<_, String>(3))
                    .unwrap()
                    .map(|r| r.unwrap())
                    .collect();
                assert!(
                    !plan.iter().any(|l| l.contains("TEMP B-TREE")),
                    "{f:?} sorts in memory: {plan:?}"
                );
            }
        }
    }

    /// The report listing reads its page in index order (`reports_listing`), never
    /// sorting every report.
    #[test]
    fn report_listing_follows_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let mut stmt = store
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                crate::sqlite::REPORTS_PAGE_SQL
            ))
            .unwrap();
        let plan: Vec<String> = stmt
            .query_map([25, 0], |r| r.get::<_, String>(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(
            plan.iter()
                .any(|l| l.contains("USING INDEX reports_listing")
                    || l.contains("USING COVERING INDEX reports_listing")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{plan:?}");
    }

    /// Date ranges (with or without a type) search a date-ordered index instead of
    /// scanning the events (migration 7 dropped the plain date indexes).
    #[test]
    fn date_range_counts_search_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let from = chrono::NaiveDate::from_ymd_opt(2020, 1, 1);
        let to = chrono::NaiveDate::from_ymd_opt(2020, 3, 31);
        let filters = [
            EventFilter {
                to,
                ..Default::default()
            },
            EventFilter {
                from,
                to,
                ..Default::default()
            },
            EventFilter {
                event_type: Some(EventType::Arrest),
                from,
                to,
                ..Default::default()
            },
        ];
        for f in &filters {
            let (where_sql, params) = filter_sql(f);
            let sql = format!("EXPLAIN QUERY PLAN SELECT count(*) FROM events e{where_sql}");
            let mut stmt = store.conn.prepare(&sql).unwrap();
            let plan: Vec<String> = stmt
                .query_map(params_from_iter(params.iter()), |r| r.get::<_, String>(3))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            assert!(
                plan.iter()
                    .any(|l| l.starts_with("SEARCH e USING") && l.contains("eff_start<")),
                "{f:?} does not search a date index: {plan:?}"
            );
        }
    }

    #[test]
    fn feed_state_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path()).unwrap();
        use crate::Store;
        assert_eq!(store.feed_state("http://x/feed").unwrap(), None);
        let s = FeedState {
            url: "http://x/feed".into(),
            etag: Some("\"abc\"".into()),
            last_modified: Some("Sat, 28 Nov 2026 10:00:00 GMT".into()),
            checked_at: Some("2026-11-28T10:00:00Z".into()),
            ok_at: None,
            failures: 2,
            last_error: Some("timeout".into()),
        };
        store.set_feed_state(&s).unwrap();
        assert_eq!(store.feed_state("http://x/feed").unwrap(), Some(s.clone()));
        let s2 = FeedState { failures: 0, ..s };
        store.set_feed_state(&s2).unwrap();
        assert_eq!(store.feed_state("http://x/feed").unwrap(), Some(s2));
        assert!(store.set_feed_state(&FeedState::default()).is_err());
    }

    #[test]
    fn alerts_are_saved_checked_and_removed() {
        use crate::Store;
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let q = AlertQuery {
            event_type: Some(EventType::Execution),
            place: Some("Yanggang".into()),
            ..Default::default()
        };
        let a = store.save_alert("executions-yanggang", &q).unwrap();
        assert_eq!((a.last_event_id, a.checked_at.clone()), (0, None));
        store.mark_alert_checked("executions-yanggang", 42).unwrap();
        store.mark_alert_checked("executions-yanggang", 7).unwrap();
        // Saving again changes the query and keeps the last check.
        let q2 = AlertQuery {
            actor: Some(Actor::Courts),
            province: Some("Ryanggang".into()),
            outlet: Some("Test Wire".into()),
            text: Some("copper".into()),
            ..q.clone()
        };
        let a = store.save_alert("executions-yanggang", &q2).unwrap();
        assert_eq!(a.last_event_id, 42);
        assert_eq!(a.query, q2);
        assert_eq!(a.query.to_filter().actor, Some(Actor::Courts));
        assert_eq!(a.query.to_filter().text.as_deref(), Some("copper"));
        assert_eq!(AlertQuery::from_filter(&a.query.to_filter()), q2);
        assert!(store.save_alert("", &q).is_err());
        assert!(store.save_alert("a b", &q).is_err());
        assert!(store.mark_alert_checked("nope", 1).is_err());
        assert!(store.delete_alert("executions-yanggang").unwrap());
        assert!(!store.delete_alert("executions-yanggang").unwrap());
        assert!(store.alerts().unwrap().is_empty());
    }
}
