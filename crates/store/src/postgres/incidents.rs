//! PostgreSQL side of the incident methods, the same tables and behaviour as SQLite's
//! (`crate::sqlite::incidents`): signatures and copies (`report_signatures`), incidents
//! and their events (`incidents`, `incident_events`), analyst decisions
//! (`incident_pins`, append-only) and the recomputation state (a setting).
//!
//! Writers of incidents take a transaction-scoped advisory lock first, so that
//! concurrent recomputations (several `lantern ingest` processes) replace the tables
//! one after another instead of colliding on the same incident ids.

use postgres::{Client, IsolationLevel, Transaction};

use super::{
    col, filter_clauses, load_report, stored_event, where_sql, Params, PostgresStore, EVENT_COLS,
};
use crate::error::{Result, StoreError};
use crate::incidents::*;
use crate::sqlite::{from_json, to_i64, to_json, to_u64};

/// The settings key holding the last [`IncidentState`] as JSON (as on SQLite).
const STATE_KEY: &str = "incidents_state";

/// Advisory lock key held by a transaction writing incidents ("lanincid" in ASCII).
const INCIDENTS_LOCK: i64 = 0x6c61_6e69_6e63_6964;

pub(super) fn for_each_incident_input(
    store: &PostgresStore,
    only: Option<&[String]>,
    f: &mut dyn FnMut(IncidentInput) -> Result<()>,
) -> Result<u64> {
    let mut conn = store.conn()?;
    // One read-only snapshot: every report and event as of the same moment.
    let mut tx = conn
        .build_transaction()
        .read_only(true)
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()?;
    let rows = match only {
        None => tx.query(
            "SELECT r.id, s.signature FROM reports r
             LEFT JOIN report_signatures s ON s.report_id = r.id ORDER BY r.id",
            &[],
        )?,
        Some(list) => {
            let mut sorted: Vec<String> = list.to_vec();
            sorted.sort();
            sorted.dedup();
            tx.query(
                "SELECT r.id, s.signature FROM reports r
                 LEFT JOIN report_signatures s ON s.report_id = r.id
                 WHERE r.id = ANY($1) ORDER BY r.id",
                &[&sorted],
            )?
        }
    };
    let ids = rows
        .iter()
        .map(|r| Ok((col::<String>(r, 0)?, col::<Option<Vec<u8>>>(r, 1)?)))
        .collect::<Result<Vec<_>>>()?;
    drop(rows);
    let events_sql = format!(
        "SELECT {EVENT_COLS} WHERE e.report_id = $1 AND e.review_state <> 'rejected'
         ORDER BY e.seq, e.id"
    );
    let stmt = tx.prepare(&events_sql)?;
    let mut n = 0u64;
    for (id, sig) in ids {
        let Some(report) = load_report(&mut tx, &id)? else {
            continue;
        };
        let events = tx
            .query(&stmt, &[&id])?
            .iter()
            .map(stored_event)
            .collect::<Result<Vec<_>>>()?;
        f(IncidentInput {
            report,
            events,
            signature: sig.map(|b| signature_of(&b)),
        })?;
        n += 1;
    }
    tx.commit()?;
    Ok(n)
}

fn generation(tx: &mut Transaction<'_>) -> Result<u64> {
    let row = tx.query_opt(
        "SELECT value FROM settings WHERE key = $1",
        &[&GENERATION_KEY],
    )?;
    Ok(match row {
        Some(r) => col::<String>(&r, 0)?.parse().unwrap_or(0),
        None => 0,
    })
}

pub(super) fn replace_incidents(
    tx: &mut Transaction<'_>,
    set: &IncidentSet,
    at: &str,
) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INCIDENTS_LOCK])?;
    let current = generation(tx)?;
    if let Some(g) = set.generation {
        if g != current {
            return Err(StoreError::IncidentsChanged);
        }
    }
    tx.execute(
        "INSERT INTO settings(key, value) VALUES ($1, $2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        &[&GENERATION_KEY, &(current + 1).to_string()],
    )?;
    if let Some(only) = &set.only {
        let ev = tx.prepare("DELETE FROM incident_events WHERE incident_id = $1")?;
        let inc = tx.prepare("DELETE FROM incidents WHERE id = $1")?;
        let blk = tx.prepare("DELETE FROM incident_blocks WHERE incident_id = $1")?;
        for id in only {
            tx.execute(&ev, &[id])?;
            tx.execute(&inc, &[id])?;
            tx.execute(&blk, &[id])?;
        }
        insert_incidents(tx, &set.incidents)?;
        insert_blocks(tx, &set.blocks)?;
        if set.generation.is_some() {
            insert_signatures(tx, &set.signatures)?;
            tx.execute(
                "UPDATE report_signatures SET duplicate_of = NULL, similarity = NULL
                 WHERE report_id = ANY($1)",
                &[&set.relinked],
            )?;
            set_duplicates(tx, &set.duplicates)?;
            write_state(tx, &set.state, at)?;
        }
        return finish_write(tx, set);
    }
    insert_signatures(tx, &set.signatures)?;
    // Signatures stored before band keys were kept (older stores) get them now.
    let unbanded = tx
        .query(
            "SELECT report_id, signature FROM report_signatures WHERE NOT banded",
            &[],
        )?
        .iter()
        .map(|r| Ok((col::<String>(r, 0)?, signature_of(&col::<Vec<u8>>(r, 1)?))))
        .collect::<Result<Vec<_>>>()?;
    insert_signatures(tx, &unbanded)?;
    if let Some(read) = &set.read {
        let signed = tx
            .query("SELECT report_id FROM report_signatures", &[])?
            .iter()
            .map(|r| col::<String>(r, 0))
            .collect::<Result<Vec<_>>>()?;
        let gone = unread(signed, read);
        if !gone.is_empty() {
            tx.execute(
                "DELETE FROM report_bands WHERE report_id = ANY($1)",
                &[&gone],
            )?;
            tx.execute(
                "DELETE FROM report_signatures WHERE report_id = ANY($1)",
                &[&gone],
            )?;
        }
    }
    tx.execute(
        "UPDATE report_signatures SET duplicate_of = NULL, similarity = NULL
         WHERE duplicate_of IS NOT NULL",
        &[],
    )?;
    set_duplicates(tx, &set.duplicates)?;
    tx.execute("DELETE FROM incident_events", &[])?;
    tx.execute("DELETE FROM incidents", &[])?;
    tx.execute("DELETE FROM incident_blocks", &[])?;
    insert_incidents(tx, &set.incidents)?;
    insert_blocks(tx, &set.blocks)?;
    write_state(tx, &set.state, at)?;
    finish_write(tx, set)
}

/// Bump the data version and, for a refresh, record its [`RefreshMark`] in the same
/// transaction. The `UPDATE ... RETURNING` waits for any transaction that bumped the
/// version before and has not committed yet, so the version it returns is one more
/// than the version of everything committed before this write.
fn finish_write(tx: &mut Transaction<'_>, set: &IncidentSet) -> Result<()> {
    let row = tx.query_one(
        "UPDATE data_version SET value = value + 1 RETURNING value",
        &[],
    )?;
    let version = to_u64(col(&row, 0)?);
    if let Some(mark) = &set.mark {
        let put = tx.prepare(
            "INSERT INTO settings(key, value) VALUES ($1, $2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )?;
        tx.execute(&put, &[&WATERMARK_KEY, &mark.watermark_json()?])?;
        let at = mark.computed_at(version).to_string();
        tx.execute(&put, &[&COMPUTED_AT_VERSION, &at])?;
    }
    Ok(())
}

/// Store signatures with their LSH band keys.
fn insert_signatures(tx: &mut Transaction<'_>, sigs: &[(String, Vec<u64>)]) -> Result<()> {
    if sigs.is_empty() {
        return Ok(());
    }
    let sig = tx.prepare(
        "INSERT INTO report_signatures(report_id, signature, banded) VALUES ($1, $2, true)
         ON CONFLICT(report_id) DO UPDATE SET signature = excluded.signature, banded = true",
    )?;
    let band = tx.prepare(
        "INSERT INTO report_bands(band_key, report_id)
         SELECT unnest($1::bigint[]), $2 ON CONFLICT DO NOTHING",
    )?;
    for (id, s) in sigs {
        tx.execute(&sig, &[id, &signature_bytes(s)])?;
        let keys: Vec<i64> = lantern_incidents::band_keys(&lantern_incidents::Signature(s.clone()))
            .into_iter()
            .map(|k| k as i64)
            .collect();
        tx.execute(&band, &[&keys, id])?;
    }
    Ok(())
}

fn set_duplicates(tx: &mut Transaction<'_>, dups: &[DuplicateOf]) -> Result<()> {
    let dup = tx.prepare(
        "UPDATE report_signatures SET duplicate_of = $2, similarity = $3 WHERE report_id = $1",
    )?;
    for d in dups {
        tx.execute(
            &dup,
            &[&d.report_id, &d.original_id, &f64::from(d.similarity)],
        )?;
    }
    Ok(())
}

fn insert_blocks(tx: &mut Transaction<'_>, blocks: &[(String, Vec<u64>)]) -> Result<()> {
    if blocks.is_empty() {
        return Ok(());
    }
    let ins = tx.prepare(
        "INSERT INTO incident_blocks(block_key, incident_id)
         SELECT unnest($1::bigint[]), $2 ON CONFLICT DO NOTHING",
    )?;
    for (id, keys) in blocks {
        let keys: Vec<i64> = keys.iter().map(|&k| k as i64).collect();
        tx.execute(&ins, &[&keys, id])?;
    }
    Ok(())
}

fn write_state(tx: &mut Transaction<'_>, state: &IncidentState, at: &str) -> Result<()> {
    let mut state = state.clone();
    state.computed_at = at.to_string();
    tx.execute(
        "INSERT INTO settings(key, value) VALUES ($1, $2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        &[&STATE_KEY, &to_json(&state, "incident state")?],
    )?;
    Ok(())
}

pub(super) fn incident_delta(
    c: &mut Client,
    since: Option<&IncidentWatermark>,
) -> Result<IncidentDelta> {
    let mut tx = c
        .build_transaction()
        .read_only(true)
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()?;
    let max_event_id: i64 = col(
        &tx.query_one("SELECT coalesce(max(id), 0)::bigint FROM events", &[])?,
        0,
    )?;
    // Read in this snapshot: a change counts once its transaction has committed, as
    // do the events it changed (schema step 8).
    let event_changes: i64 = col(
        &tx.query_one(
            "SELECT coalesce(sum(n), 0)::int8 FROM event_change_slots",
            &[],
        )?,
        0,
    )?;
    let new_reports = tx
        .query(
            "SELECT r.id FROM reports r WHERE NOT EXISTS
               (SELECT 1 FROM report_signatures s WHERE s.report_id = r.id) ORDER BY r.id",
            &[],
        )?
        .iter()
        .map(|r| col::<String>(r, 0))
        .collect::<Result<Vec<_>>>()?;
    let reports: i64 = col(&tx.query_one("SELECT count(*) FROM reports", &[])?, 0)?;
    let data_version: i64 = col(&tx.query_one("SELECT value FROM data_version", &[])?, 0)?;
    let only_new = match since {
        Some(w) if w.event_changes == event_changes => tx
            .query_opt(
                "SELECT 1 FROM events e JOIN report_signatures s ON s.report_id = e.report_id
                 WHERE e.id > $1 LIMIT 1",
                &[&w.max_event_id],
            )?
            .is_none(),
        _ => false,
    };
    let generation = generation(&mut tx)?;
    tx.commit()?;
    Ok(IncidentDelta {
        now: IncidentWatermark {
            max_event_id,
            event_changes,
        },
        new_reports,
        only_new,
        generation,
        reports: to_u64(reports),
        data_version: to_u64(data_version),
    })
}

pub(super) fn incident_lookup(c: &mut Client, lookup: &IncidentLookup) -> Result<Vec<String>> {
    let rows = match lookup {
        IncidentLookup::ReportsByBands(keys) | IncidentLookup::IncidentsByBlocks(keys) => {
            let sql = if matches!(lookup, IncidentLookup::ReportsByBands(_)) {
                "SELECT DISTINCT report_id FROM report_bands WHERE band_key = ANY($1)
                 ORDER BY report_id"
            } else {
                "SELECT DISTINCT incident_id FROM incident_blocks WHERE block_key = ANY($1)
                 ORDER BY incident_id"
            };
            let keys: Vec<i64> = keys.iter().map(|&k| k as i64).collect();
            c.query(sql, &[&keys])?
        }
        IncidentLookup::IncidentsOfReports(reports) => c.query(
            "SELECT DISTINCT ie.incident_id FROM events e
               JOIN incident_events ie ON ie.event_id = e.id
             WHERE e.report_id = ANY($1) ORDER BY ie.incident_id",
            &[reports],
        )?,
    };
    rows.iter().map(|r| col::<String>(r, 0)).collect()
}

/// A row (report_id, duplicate_of, similarity) of `report_signatures`.
fn copy_link(r: &postgres::Row) -> Result<DuplicateOf> {
    Ok(DuplicateOf {
        report_id: col(r, 0)?,
        original_id: col(r, 1)?,
        similarity: col::<Option<f64>>(r, 2)?.unwrap_or(0.0) as f32,
    })
}

pub(super) fn copy_links_of(c: &mut Client, reports: &[String]) -> Result<Vec<DuplicateOf>> {
    c.query(
        "SELECT report_id, duplicate_of, similarity FROM report_signatures
         WHERE duplicate_of IS NOT NULL AND (report_id = ANY($1) OR duplicate_of = ANY($1))
         ORDER BY report_id",
        &[&reports],
    )?
    .iter()
    .map(copy_link)
    .collect()
}

/// Insert incidents and their events.
fn insert_incidents(tx: &mut Transaction<'_>, incidents: &[NewIncident]) -> Result<()> {
    let inc = tx.prepare(
        "INSERT INTO incidents(id, date_start, date_end, corroboration, n_events,
                n_reports, n_disagree, summary_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )?;
    // An event deleted since it was read (a concurrent re-extraction) is skipped;
    // the next recomputation places its successor.
    let ev = tx.prepare(
        "INSERT INTO incident_events(event_id, incident_id, event_key, corroboration)
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM events WHERE id = $1)",
    )?;
    for n in incidents {
        let i = &n.incident;
        let corroboration = i64::from(i.corroboration);
        tx.execute(
            &inc,
            &[
                &i.id,
                &i.date_start.map(|d| d.to_string()),
                &i.date_end.map(|d| d.to_string()),
                &corroboration,
                &i64::from(i.events),
                &to_i64(i.reports.len()),
                &to_i64(i.disagreements.len()),
                &to_json(i, "incident summary")?,
            ],
        )?;
        for e in &n.events {
            tx.execute(&ev, &[&e.event_id, &i.id, &e.key, &corroboration])?;
        }
    }
    Ok(())
}

pub(super) fn incident_state(c: &mut Client) -> Result<Option<IncidentState>> {
    let row = c.query_opt("SELECT value FROM settings WHERE key = $1", &[&STATE_KEY])?;
    match row {
        Some(r) => {
            let j: String = col(&r, 0)?;
            Ok(Some(from_json(&j, || format!("setting {STATE_KEY}"))?))
        }
        None => Ok(None),
    }
}

/// `WHERE` clause of an incident filter (on `incidents i`), its parameters added to `p`.
fn incident_where(f: &IncidentFilter, p: &mut Params) -> String {
    let mut clauses: Vec<String> = Vec::new();
    let mut ef = f.events.clone();
    ef.min_outlets = None;
    ef.skip_copies = false;
    let ec = filter_clauses(&ef, p);
    if !ec.is_empty() {
        clauses.push(format!(
            "i.id IN (SELECT ie.incident_id FROM incident_events ie
               JOIN events e ON e.id = ie.event_id WHERE {})",
            ec.join(" AND ")
        ));
    }
    if let Some(n) = f.min_outlets {
        clauses.push(format!("i.corroboration >= {}", p.add(i64::from(n))));
    }
    if let Some(n) = f.min_reports {
        clauses.push(format!("i.n_reports >= {}", p.add(i64::from(n))));
    }
    if f.disagreements {
        clauses.push("i.n_disagree > 0".into());
    }
    where_sql(&clauses)
}

fn summary(json: &str, id: &str) -> Result<IncidentSummary> {
    from_json(json, || format!("incidents.summary_json of {id}"))
}

pub(super) fn incidents(c: &mut Client, f: &IncidentFilter) -> Result<Vec<IncidentSummary>> {
    let mut p = Params::default();
    let where_sql = incident_where(f, &mut p);
    let limit = p.add(f.limit.map(to_i64));
    let offset = p.add(to_i64(f.offset));
    let sql = format!(
        "SELECT i.id, i.summary_json FROM incidents i{where_sql}
         ORDER BY i.date_start DESC NULLS LAST, i.id LIMIT {limit} OFFSET {offset}"
    );
    c.query(&sql, &p.refs())?
        .iter()
        .map(|r| summary(&col::<String>(r, 1)?, &col::<String>(r, 0)?))
        .collect()
}

pub(super) fn count_incidents(c: &mut Client, f: &IncidentFilter) -> Result<u64> {
    let mut p = Params::default();
    let where_sql = incident_where(f, &mut p);
    let sql = format!("SELECT count(*) FROM incidents i{where_sql}");
    let row = c.query_one(&sql, &p.refs())?;
    Ok(to_u64(col(&row, 0)?))
}

pub(super) fn incident(c: &mut Client, id: &str) -> Result<Option<IncidentDetail>> {
    let id = id.trim();
    let Some(row) = c.query_opt("SELECT summary_json FROM incidents WHERE id = $1", &[&id])? else {
        return Ok(None);
    };
    let json: String = col(&row, 0)?;
    let events = c
        .query(
            "SELECT event_id, event_key FROM incident_events WHERE incident_id = $1
             ORDER BY event_id",
            &[&id],
        )?
        .iter()
        .map(|r| {
            Ok(IncidentEvent {
                event_id: col(r, 0)?,
                key: col(r, 1)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(IncidentDetail {
        incident: summary(&json, id)?,
        events,
    }))
}

pub(super) fn incident_of_event(c: &mut Client, event_id: i64) -> Result<Option<String>> {
    match c.query_opt(
        "SELECT incident_id FROM incident_events WHERE event_id = $1",
        &[&event_id],
    )? {
        Some(r) => Ok(Some(col(&r, 0)?)),
        None => Ok(None),
    }
}

pub(super) fn duplicate_links(c: &mut Client) -> Result<Vec<DuplicateOf>> {
    c.query(
        "SELECT report_id, duplicate_of, similarity FROM report_signatures
         WHERE duplicate_of IS NOT NULL ORDER BY report_id",
        &[],
    )?
    .iter()
    .map(copy_link)
    .collect()
}

pub(super) use crate::incidents::check_pin;

/// Write a checked pin and its audit entry; returns the pin's id.
pub(super) fn add_incident_pin(
    tx: &mut Transaction<'_>,
    pin: &NewIncidentPin,
    who: &str,
    at: &str,
) -> Result<i64> {
    let exists = tx
        .query_opt("SELECT 1 FROM events WHERE id = $1", &[&pin.audit_event_id])?
        .is_some();
    if !exists {
        return Err(StoreError::NoSuchEvent(pin.audit_event_id));
    }
    let [keys, others, incidents] = pin_lists(pin)?;
    let row = tx.query_one(
        "INSERT INTO incident_pins(at, who, kind, keys_json, others_json, incidents_json, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &[
            &at,
            &who,
            &pin.kind.as_str(),
            &keys,
            &others,
            &incidents,
            &pin.note,
        ],
    )?;
    let id: i64 = col(&row, 0)?;
    let (action, old, new) = pin_audit(pin, id)?;
    tx.execute(
        "INSERT INTO audit_log(at, who, event_id, action, old_json, new_json, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &at,
            &who,
            &pin.audit_event_id,
            &action,
            &old,
            &new,
            &pin.note,
        ],
    )?;
    Ok(id)
}

pub(super) fn incident_pins(c: &mut Client) -> Result<Vec<IncidentPin>> {
    c.query(
        "SELECT id, at, who, kind, keys_json, others_json, incidents_json, note
         FROM incident_pins ORDER BY id",
        &[],
    )?
    .iter()
    .map(|r| {
        let lists: [String; 3] = [col(r, 4)?, col(r, 5)?, col(r, 6)?];
        pin_of_row(
            col(r, 0)?,
            col(r, 1)?,
            col(r, 2)?,
            &col::<String>(r, 3)?,
            [&lists[0], &lists[1], &lists[2]],
            col(r, 7)?,
        )
    })
    .collect()
}
