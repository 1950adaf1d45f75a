//! SQLite side of the incident methods: signatures and copies (`report_signatures`),
//! incidents and their events (`incidents`, `incident_events`), analyst decisions
//! (`incident_pins`, append-only) and the recomputation state (a setting). Plain SQL,
//! one statement per step, so that other databases can follow it.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::{bump_data_version, filter_clauses, from_json, query_events, to_i64, to_json, to_u64};
use super::{SqliteStore, EVENT_COLS};
use crate::error::{Result, StoreError};
use crate::incidents::*;

/// The settings key holding the last [`IncidentState`] as JSON.
const STATE_KEY: &str = "incidents_state";

pub(super) fn for_each_incident_input(
    store: &SqliteStore,
    only: Option<&[String]>,
    f: &mut dyn FnMut(IncidentInput) -> Result<()>,
) -> Result<u64> {
    let conn = &store.conn;
    // One read transaction: every report and event from the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let ids: Vec<(String, Option<Vec<u8>>)> = match only {
        None => tx
            .prepare(
                "SELECT r.id, s.signature FROM reports r
                 LEFT JOIN report_signatures s ON s.report_id = r.id ORDER BY r.id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        Some(list) => {
            let mut sorted: Vec<&String> = list.iter().collect();
            sorted.sort();
            sorted.dedup();
            let mut stmt = tx.prepare_cached(
                "SELECT r.id, s.signature FROM reports r
                 LEFT JOIN report_signatures s ON s.report_id = r.id WHERE r.id = ?1",
            )?;
            let mut out = Vec::with_capacity(sorted.len());
            for id in sorted {
                if let Some(row) = stmt
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                {
                    out.push(row);
                }
            }
            out
        }
    };
    let events_sql = format!(
        "SELECT {EVENT_COLS} WHERE e.report_id = ? AND e.review_state <> 'rejected'
         ORDER BY e.seq, e.id"
    );
    let mut n = 0u64;
    for (id, sig) in ids {
        let Some(report) = store.load_report(&id)? else {
            continue;
        };
        let events = query_events(&tx, &events_sql, &[Value::Text(id)])?;
        f(IncidentInput {
            report,
            events,
            signature: sig.map(|b| signature_of(&b)),
        })?;
        n += 1;
    }
    tx.finish()?;
    Ok(n)
}

fn generation(tx: &rusqlite::Transaction<'_>) -> Result<u64> {
    let v: Option<String> = tx
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([GENERATION_KEY], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

pub(super) fn replace_incidents(conn: &mut Connection, set: &IncidentSet, at: &str) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current = generation(&tx)?;
    if let Some(g) = set.generation {
        if g != current {
            return Err(StoreError::IncidentsChanged);
        }
    }
    tx.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![GENERATION_KEY, (current + 1).to_string()],
    )?;
    if let Some(only) = &set.only {
        {
            let mut ev = tx.prepare_cached("DELETE FROM incident_events WHERE incident_id = ?1")?;
            let mut inc = tx.prepare_cached("DELETE FROM incidents WHERE id = ?1")?;
            let mut blk =
                tx.prepare_cached("DELETE FROM incident_blocks WHERE incident_id = ?1")?;
            for id in only {
                ev.execute([id])?;
                inc.execute([id])?;
                blk.execute([id])?;
            }
            insert_incidents(&tx, &set.incidents)?;
            insert_blocks(&tx, &set.blocks)?;
            if set.generation.is_some() {
                insert_signatures(&tx, &set.signatures)?;
                let mut clear = tx.prepare_cached(
                    "UPDATE report_signatures SET duplicate_of = NULL, similarity = NULL
                     WHERE report_id = ?1",
                )?;
                for id in &set.relinked {
                    clear.execute([id])?;
                }
                set_duplicates(&tx, &set.duplicates)?;
                write_state(&tx, &set.state, at)?;
            }
        }
        finish_write(&tx, set)?;
        tx.commit()?;
        return Ok(());
    }
    {
        insert_signatures(&tx, &set.signatures)?;
        // Signatures stored before band keys were kept (older stores) get them now.
        let unbanded: Vec<(String, Vec<u8>)> = tx
            .prepare("SELECT report_id, signature FROM report_signatures WHERE banded = 0")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let unbanded: Vec<(String, Vec<u64>)> = unbanded
            .into_iter()
            .map(|(id, b)| (id, signature_of(&b)))
            .collect();
        insert_signatures(&tx, &unbanded)?;
        if let Some(read) = &set.read {
            let signed = tx
                .prepare("SELECT report_id FROM report_signatures")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            let mut bands = tx.prepare("DELETE FROM report_bands WHERE report_id = ?1")?;
            let mut sigs = tx.prepare("DELETE FROM report_signatures WHERE report_id = ?1")?;
            for id in unread(signed, read) {
                bands.execute([&id])?;
                sigs.execute([&id])?;
            }
        }
        tx.execute(
            "UPDATE report_signatures SET duplicate_of = NULL, similarity = NULL
             WHERE duplicate_of IS NOT NULL",
            [],
        )?;
        set_duplicates(&tx, &set.duplicates)?;
        tx.execute("DELETE FROM incident_events", [])?;
        tx.execute("DELETE FROM incidents", [])?;
        tx.execute("DELETE FROM incident_blocks", [])?;
        insert_incidents(&tx, &set.incidents)?;
        insert_blocks(&tx, &set.blocks)?;
        write_state(&tx, &set.state, at)?;
    }
    finish_write(&tx, set)?;
    tx.commit()?;
    Ok(())
}

/// Bump the data version and, for a refresh, record its [`RefreshMark`] in the same
/// (immediate, so serialised) transaction.
fn finish_write(tx: &rusqlite::Transaction<'_>, set: &IncidentSet) -> Result<()> {
    bump_data_version(tx)?;
    if let Some(mark) = &set.mark {
        let version: i64 = tx.query_row(
            "SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?1",
            [super::DATA_VERSION_KEY],
            |r| r.get(0),
        )?;
        let mut put = tx.prepare_cached(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )?;
        put.execute(params![WATERMARK_KEY, mark.watermark_json()?])?;
        let at = mark.computed_at(to_u64(version)).to_string();
        put.execute(params![COMPUTED_AT_VERSION, at])?;
    }
    Ok(())
}

/// Store signatures with their LSH band keys.
fn insert_signatures(tx: &rusqlite::Transaction<'_>, sigs: &[(String, Vec<u64>)]) -> Result<()> {
    let mut sig = tx.prepare_cached(
        "INSERT INTO report_signatures(report_id, signature, banded) VALUES (?1, ?2, 1)
         ON CONFLICT(report_id) DO UPDATE SET signature = excluded.signature, banded = 1",
    )?;
    let mut band = tx.prepare_cached(
        "INSERT OR IGNORE INTO report_bands(band_key, report_id) VALUES (?1, ?2)",
    )?;
    for (id, s) in sigs {
        sig.execute(params![id, signature_bytes(s)])?;
        for k in lantern_incidents::band_keys(&lantern_incidents::Signature(s.clone())) {
            band.execute(params![k as i64, id])?;
        }
    }
    Ok(())
}

fn set_duplicates(tx: &rusqlite::Transaction<'_>, dups: &[DuplicateOf]) -> Result<()> {
    let mut dup = tx.prepare_cached(
        "UPDATE report_signatures SET duplicate_of = ?2, similarity = ?3 WHERE report_id = ?1",
    )?;
    for d in dups {
        dup.execute(params![d.report_id, d.original_id, f64::from(d.similarity)])?;
    }
    Ok(())
}

fn insert_blocks(tx: &rusqlite::Transaction<'_>, blocks: &[(String, Vec<u64>)]) -> Result<()> {
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO incident_blocks(block_key, incident_id) VALUES (?1, ?2)",
    )?;
    for (id, keys) in blocks {
        for k in keys {
            ins.execute(params![*k as i64, id])?;
        }
    }
    Ok(())
}

fn write_state(tx: &rusqlite::Transaction<'_>, state: &IncidentState, at: &str) -> Result<()> {
    let mut state = state.clone();
    state.computed_at = at.to_string();
    tx.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![STATE_KEY, to_json(&state, "incident state")?],
    )?;
    Ok(())
}

pub(super) fn incident_delta(
    conn: &Connection,
    since: Option<&IncidentWatermark>,
) -> Result<IncidentDelta> {
    let tx = conn.unchecked_transaction()?;
    let max_event_id: i64 =
        tx.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?;
    let event_changes: i64 =
        tx.query_row("SELECT n FROM event_changes WHERE id = 1", [], |r| r.get(0))?;
    let new_reports = tx
        .prepare(
            "SELECT r.id FROM reports r WHERE NOT EXISTS
               (SELECT 1 FROM report_signatures s WHERE s.report_id = r.id) ORDER BY r.id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let reports: i64 = tx.query_row("SELECT count(*) FROM reports", [], |r| r.get(0))?;
    let data_version: Option<i64> = tx
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?1",
            [super::DATA_VERSION_KEY],
            |r| r.get(0),
        )
        .optional()?;
    let only_new = match since {
        Some(w) if w.event_changes == event_changes => !tx
            .prepare(
                "SELECT 1 FROM events e JOIN report_signatures s ON s.report_id = e.report_id
                 WHERE e.id > ?1 LIMIT 1",
            )?
            .exists([w.max_event_id])?,
        _ => false,
    };
    let generation: Option<String> = tx
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [GENERATION_KEY],
            |r| r.get(0),
        )
        .optional()?;
    tx.finish()?;
    Ok(IncidentDelta {
        now: IncidentWatermark {
            max_event_id,
            event_changes,
        },
        new_reports,
        only_new,
        generation: generation.and_then(|v| v.parse().ok()).unwrap_or(0),
        reports: to_u64(reports),
        data_version: data_version.map_or(0, to_u64),
    })
}

pub(super) fn incident_lookup(conn: &Connection, lookup: &IncidentLookup) -> Result<Vec<String>> {
    let mut out = std::collections::BTreeSet::new();
    match lookup {
        IncidentLookup::ReportsByBands(keys) | IncidentLookup::IncidentsByBlocks(keys) => {
            let sql = if matches!(lookup, IncidentLookup::ReportsByBands(_)) {
                "SELECT report_id FROM report_bands WHERE band_key = ?1"
            } else {
                "SELECT incident_id FROM incident_blocks WHERE block_key = ?1"
            };
            let mut stmt = conn.prepare_cached(sql)?;
            for k in keys {
                for id in stmt.query_map([*k as i64], |r| r.get::<_, String>(0))? {
                    out.insert(id?);
                }
            }
        }
        IncidentLookup::IncidentsOfReports(reports) => {
            let mut stmt = conn.prepare_cached(
                "SELECT ie.incident_id FROM events e JOIN incident_events ie ON ie.event_id = e.id
                 WHERE e.report_id = ?1",
            )?;
            for r in reports {
                for id in stmt.query_map([r], |r| r.get::<_, String>(0))? {
                    out.insert(id?);
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// A row (report_id, duplicate_of, similarity) of `report_signatures`.
fn copy_link(r: &rusqlite::Row<'_>) -> rusqlite::Result<DuplicateOf> {
    Ok(DuplicateOf {
        report_id: r.get(0)?,
        original_id: r.get(1)?,
        similarity: r.get::<_, Option<f64>>(2)?.unwrap_or(0.0) as f32,
    })
}

pub(super) fn copy_links_of(conn: &Connection, reports: &[String]) -> Result<Vec<DuplicateOf>> {
    let mut out: std::collections::BTreeMap<String, DuplicateOf> = Default::default();
    let mut as_copy = conn.prepare_cached(
        "SELECT report_id, duplicate_of, similarity FROM report_signatures
         WHERE report_id = ?1 AND duplicate_of IS NOT NULL",
    )?;
    let mut as_original = conn.prepare_cached(
        "SELECT report_id, duplicate_of, similarity FROM report_signatures
         WHERE duplicate_of = ?1 AND duplicate_of IS NOT NULL",
    )?;
    for id in reports {
        for d in as_copy.query_map([id], copy_link)? {
            let d = d?;
            out.insert(d.report_id.clone(), d);
        }
        for d in as_original.query_map([id], copy_link)? {
            let d = d?;
            out.insert(d.report_id.clone(), d);
        }
    }
    Ok(out.into_values().collect())
}

/// Insert incidents and their events.
fn insert_incidents(tx: &rusqlite::Transaction<'_>, incidents: &[NewIncident]) -> Result<()> {
    let mut inc = tx.prepare_cached(
        "INSERT INTO incidents(id, date_start, date_end, corroboration, n_events,
                n_reports, n_disagree, summary_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    // An event deleted since it was read (a concurrent re-extraction) is skipped;
    // the next recomputation places its successor.
    let mut ev = tx.prepare_cached(
        "INSERT INTO incident_events(event_id, incident_id, event_key, corroboration)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1)",
    )?;
    for n in incidents {
        let i = &n.incident;
        inc.execute(params![
            i.id,
            i.date_start.map(|d| d.to_string()),
            i.date_end.map(|d| d.to_string()),
            i.corroboration,
            i.events,
            to_i64(i.reports.len()),
            to_i64(i.disagreements.len()),
            to_json(i, "incident summary")?,
        ])?;
        for e in &n.events {
            ev.execute(params![e.event_id, i.id, e.key, i.corroboration])?;
        }
    }
    Ok(())
}

pub(super) fn incident_state(conn: &Connection) -> Result<Option<IncidentState>> {
    let v: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([STATE_KEY], |r| r.get(0))
        .optional()?;
    match v {
        Some(j) => Ok(Some(from_json(&j, || format!("setting {STATE_KEY}"))?)),
        None => Ok(None),
    }
}

/// `WHERE` clause and parameters of an incident filter (on `incidents i`).
fn incident_where(f: &IncidentFilter) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let mut ef = f.events.clone();
    ef.min_outlets = None;
    ef.skip_copies = false;
    let (ec, ep) = filter_clauses(&ef);
    if !ec.is_empty() {
        clauses.push(format!(
            "i.id IN (SELECT ie.incident_id FROM incident_events ie
               JOIN events e ON e.id = ie.event_id WHERE {})",
            ec.join(" AND ")
        ));
        params.extend(ep);
    }
    if let Some(n) = f.min_outlets {
        clauses.push("i.corroboration >= ?".into());
        params.push(Value::Integer(i64::from(n)));
    }
    if let Some(n) = f.min_reports {
        clauses.push("i.n_reports >= ?".into());
        params.push(Value::Integer(i64::from(n)));
    }
    if f.disagreements {
        clauses.push("i.n_disagree > 0".into());
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (sql, params)
}

fn summary(json: &str, id: &str) -> Result<IncidentSummary> {
    from_json(json, || format!("incidents.summary_json of {id}"))
}

pub(super) fn incidents(conn: &Connection, f: &IncidentFilter) -> Result<Vec<IncidentSummary>> {
    let (where_sql, mut params) = incident_where(f);
    let sql = format!(
        "SELECT i.id, i.summary_json FROM incidents i{where_sql}
         ORDER BY i.date_start IS NULL, i.date_start DESC, i.id LIMIT ? OFFSET ?"
    );
    params.push(Value::Integer(f.limit.map(to_i64).unwrap_or(-1)));
    params.push(Value::Integer(to_i64(f.offset)));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(params.iter()), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.iter().map(|(id, j)| summary(j, id)).collect()
}

pub(super) fn count_incidents(conn: &Connection, f: &IncidentFilter) -> Result<u64> {
    let (where_sql, params) = incident_where(f);
    let sql = format!("SELECT count(*) FROM incidents i{where_sql}");
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
    Ok(to_u64(n))
}

pub(super) fn incident(conn: &Connection, id: &str) -> Result<Option<IncidentDetail>> {
    let id = id.trim();
    let json: Option<String> = conn
        .prepare_cached("SELECT summary_json FROM incidents WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some(json) = json else {
        return Ok(None);
    };
    let events = conn
        .prepare_cached(
            "SELECT event_id, event_key FROM incident_events WHERE incident_id = ?1
             ORDER BY event_id",
        )?
        .query_map([id], |r| {
            Ok(IncidentEvent {
                event_id: r.get(0)?,
                key: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(IncidentDetail {
        incident: summary(&json, id)?,
        events,
    }))
}

pub(super) fn incident_of_event(conn: &Connection, event_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT incident_id FROM incident_events WHERE event_id = ?1")?
        .query_row([event_id], |r| r.get(0))
        .optional()?)
}

pub(super) fn duplicate_links(conn: &Connection) -> Result<Vec<DuplicateOf>> {
    Ok(conn
        .prepare_cached(
            "SELECT report_id, duplicate_of, similarity FROM report_signatures
             WHERE duplicate_of IS NOT NULL ORDER BY report_id",
        )?
        .query_map([], copy_link)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn add_incident_pin(
    conn: &mut Connection,
    pin: &NewIncidentPin,
    who: &str,
    at: &str,
) -> Result<IncidentPin> {
    let who = who.trim();
    check_pin(pin, who)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let exists = tx
        .prepare_cached("SELECT 1 FROM events WHERE id = ?1")?
        .exists([pin.audit_event_id])?;
    if !exists {
        return Err(StoreError::NoSuchEvent(pin.audit_event_id));
    }
    let [keys, others, incidents] = pin_lists(pin)?;
    tx.prepare_cached(
        "INSERT INTO incident_pins(at, who, kind, keys_json, others_json, incidents_json, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        at,
        who,
        pin.kind.as_str(),
        keys,
        others,
        incidents,
        pin.note
    ])?;
    let id = tx.last_insert_rowid();
    let (action, old, new) = pin_audit(pin, id)?;
    tx.prepare_cached(
        "INSERT INTO audit_log(at, who, event_id, action, old_json, new_json, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        at,
        who,
        pin.audit_event_id,
        action,
        old,
        new,
        pin.note
    ])?;
    tx.commit()?;
    Ok(pin.stored(id, at, who))
}

pub(super) fn incident_pins(conn: &Connection) -> Result<Vec<IncidentPin>> {
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT id, at, who, kind, keys_json, others_json, incidents_json, note
             FROM incident_pins ORDER BY id",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, at, who, kind, keys, others, incidents, note)| {
            pin_of_row(id, at, who, &kind, [&keys, &others, &incidents], note)
        })
        .collect()
}
