//! The pre-aggregated event counts (`event_counts`, see [`crate::counts`] for the keys
//! and the plans, shared with SQLite) on PostgreSQL, written by concurrent processes.
//!
//! Several ingest workers touch the same hot keys (every event adds to the all-dates
//! total of its type), so a plain upsert of one row per key would make each worker
//! wait for the others' commits on those rows, in whatever order they lock them
//! (deadlocks). Instead each key has up to [`SLOTS`] rows, one per *slot*: a
//! transaction that writes counts first takes a free slot with a transaction-scoped
//! advisory lock (`pg_try_advisory_xact_lock`, never waiting while one is free) and
//! upserts only that slot's rows, which no other open transaction can hold. Readers sum
//! `n` over the rows of a key, as the SQLite queries do, so answers stay exact; the
//! table holds at most one row per key and slot actually used (about the number of
//! concurrent writers), with no compaction needed.
//!
//! Since schema step 11 the key columns are integers, as SQLite's (see
//! [`crate::counts`]): kinds their ASCII code, months `YYYYMM`, years `YYYY`, and tag
//! values, types and review states their id in `count_terms` (`term` unique and
//! case-sensitive, id 0 the empty text), so an upsert descends the primary key
//! comparing integers, not ten `COLLATE "C"` texts. Terms are added by [`term_ids`]:
//! the missing ones in one `INSERT ... ON CONFLICT DO NOTHING` in byte order, then read
//! back. An ingest batch adds its terms before its transaction
//! ([`batch_term_ids`], each statement its own short transaction), so two workers that
//! meet the same new term never wait for each other's batch: one waits at most for
//! the other's one-statement insert to commit, then both read the same id. Inside a
//! transaction (reviews, re-extraction, imports, a term the batch did not foresee) the
//! terms are added the same way; a writer that meets a term another open transaction
//! added waits for that transaction, and in byte order two such statements cannot wait
//! on each other. Ids are never reused or renumbered: the dictionary only grows.

use std::collections::HashMap;

use lantern_extract::EventType;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, Transaction};

use super::{col, EventArrays, Params};
use crate::counts::{self, Arg, Delta, Dialect, Dims, PlaceLookup, Plan};
use crate::error::{Result, StoreError};
use crate::sqlite::to_u64;
use crate::types::{EventFilter, Facet, FacetCount, MonthCount};

/// Number of slots (rows per key at most).
const SLOTS: i32 = 16;

/// First key of the slots' advisory locks (the second is the slot).
const SLOT_LOCK: i32 = 0x6c63_6e74; // "lcnt"

/// A slot for this transaction: the first free one, or (all busy) this backend's, waited
/// for. A transaction may hold several; each is held until it ends.
fn take_slot(tx: &mut Transaction<'_>) -> Result<i16> {
    let free = tx.query_opt(
        "SELECT s::int2 FROM generate_series(0, $2::int4 - 1) s
         WHERE pg_try_advisory_xact_lock($1, s) LIMIT 1",
        &[&SLOT_LOCK, &SLOTS],
    )?;
    if let Some(row) = free {
        return col(&row, 0);
    }
    let row = tx.query_one(
        "SELECT (pg_backend_pid() % $2::int4)::int2 AS s,
                pg_advisory_xact_lock($1, pg_backend_pid() % $2::int4)",
        &[&SLOT_LOCK, &SLOTS],
    )?;
    col(&row, 0)
}

/// Dictionary ids of count-table terms (`count_terms`), by text.
pub(crate) type TermIds = HashMap<String, i32>;

/// Add to `out` the ids of `texts` in `count_terms`, adding the terms not there yet (see
/// the module documentation for why two writers adding the same term both get its
/// one id, without deadlock).
pub(super) fn term_ids(
    c: &mut impl GenericClient,
    texts: &[&str],
    out: &mut TermIds,
) -> Result<()> {
    let mut missing: Vec<&str> = texts
        .iter()
        .copied()
        .filter(|t| !t.is_empty() && !out.contains_key(*t))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    let select = "SELECT id, term FROM count_terms WHERE term = ANY($1::text[])";
    for attempt in 0..2 {
        if missing.is_empty() {
            return Ok(());
        }
        if attempt == 1 {
            c.execute(
                "INSERT INTO count_terms(term)
                 SELECT t FROM unnest($1::text[]) AS t ORDER BY t COLLATE \"C\"
                 ON CONFLICT (term) DO NOTHING",
                &[&missing],
            )?;
        }
        for r in c.query(select, &[&missing])? {
            out.insert(col(&r, 1)?, col(&r, 0)?);
        }
        missing.retain(|t| !out.contains_key(*t));
    }
    match missing.first() {
        None => Ok(()),
        Some(t) => Err(StoreError::Corrupt {
            what: "count_terms".into(),
            reason: format!("no id for the term '{t}' after adding it"),
        }),
    }
}

/// The ids of the terms an ingest batch's events may count under (types, the review
/// state `machine`, outlets, actors, place ids, provinces), added where missing; called
/// outside the batch's transaction (see the module documentation). A superset: terms of
/// reports already stored cost a lookup, no row.
pub(super) fn batch_term_ids(c: &mut Client, files: &[crate::FileInput]) -> Result<TermIds> {
    let mut texts: std::collections::HashSet<&str> = std::collections::HashSet::new();
    texts.insert(crate::types::ReviewState::Machine.as_str());
    for f in files {
        for (r, events) in &f.reports {
            if let Some(o) = r.outlet.as_deref() {
                texts.insert(o);
            }
            for e in events {
                texts.insert(e.event_type.as_str());
                texts.extend(e.actors.iter().map(|a| a.as_str()));
                for p in &e.places {
                    texts.insert(p.id.as_str());
                    texts.insert(p.admin1.as_str());
                }
            }
        }
    }
    let texts: Vec<&str> = texts.into_iter().collect();
    let mut out = TermIds::new();
    term_ids(c, &texts, &mut out)?;
    Ok(out)
}

fn narrow<T: TryFrom<i64>>(v: i64, what: &str) -> Result<T> {
    T::try_from(v).map_err(|_| StoreError::Corrupt {
        what: format!("event_counts.{what}"),
        reason: format!("{v} out of range"),
    })
}

/// Write the changes of `delta` into a slot of this transaction; `known` holds ids of
/// terms added beforehand, the others are looked up (and added) here.
fn write(tx: &mut Transaction<'_>, delta: &Delta, known: &TermIds) -> Result<()> {
    let missing: Vec<&str> = delta
        .term_numbers()
        .into_iter()
        .map(|i| delta.text(i))
        .filter(|t| !known.contains_key(*t))
        .collect();
    let mut more = TermIds::new();
    term_ids(tx, &missing, &mut more)?;
    // In the primary key's order, so that consecutive upserts descend to the same or
    // the next leaf pages.
    let rows = delta.integer_rows(|i| {
        let t = delta.text(i);
        known
            .get(t)
            .or_else(|| more.get(t))
            .map(|&id| i64::from(id))
            .ok_or_else(|| StoreError::Corrupt {
                what: "count_terms".into(),
                reason: format!("no id for the term '{t}'"),
            })
    })?;
    if rows.is_empty() {
        return Ok(());
    }
    let slot = take_slot(tx)?;
    let len = rows.len();
    let (mut g, mut k1, mut k2) = (
        Vec::<i16>::with_capacity(len),
        Vec::<i16>::with_capacity(len),
        Vec::<i16>::with_capacity(len),
    );
    let mut ints: [Vec<i32>; 6] = Default::default();
    let mut n: Vec<i64> = Vec::with_capacity(len);
    for ([kg, kk1, v1, kk2, v2, t, st, m0, m1], kn) in rows {
        g.push(narrow(kg, "g")?);
        k1.push(narrow(kk1, "k1")?);
        k2.push(narrow(kk2, "k2")?);
        for (c, v) in ints.iter_mut().zip([v1, v2, t, st, m0, m1]) {
            c.push(narrow(v, "key")?);
        }
        n.push(kn);
    }
    let [v1, v2, t, st, m0, m1] = &ints;
    tx.execute(
        "INSERT INTO event_counts(slot, g, k1, v1, k2, v2, event_type, review_state, m0, m1, n)
         SELECT $1, u.* FROM unnest($2::int2[], $3::int2[], $4::int4[], $5::int2[],
            $6::int4[], $7::int4[], $8::int4[], $9::int4[], $10::int4[], $11::int8[]) AS u
         ON CONFLICT (g, k1, v1, k2, v2, event_type, review_state, m0, m1, slot)
         DO UPDATE SET n = event_counts.n + excluded.n",
        &[&slot, &g, &k1, v1, &k2, v2, t, st, m0, m1, &n],
    )?;
    Ok(())
}

/// Count the events just inserted from `a` (+1), from the arrays themselves.
pub(super) fn add_inserted(tx: &mut Transaction<'_>, a: &EventArrays) -> Result<()> {
    let mut delta = Delta::default();
    add_to(&mut delta, a);
    write(tx, &delta, &TermIds::new())
}

/// Write counts summed by [`add_to`], with the ids of [`batch_term_ids`].
pub(super) fn write_pending(
    tx: &mut Transaction<'_>,
    delta: &Delta,
    known: &TermIds,
) -> Result<()> {
    write(tx, delta, known)
}

/// Whether the table is empty while events exist: never counted (a recount of an
/// earlier step of this migration run was left to step 11, or the table was lost).
pub(super) fn needs_recount(tx: &mut Transaction<'_>) -> Result<bool> {
    col(
        &tx.query_one(
            "SELECT NOT EXISTS (SELECT 1 FROM event_counts) AND EXISTS (SELECT 1 FROM events)",
            &[],
        )?,
        0,
    )
}

/// Add the events of `a` (+1) to `delta`, from the arrays themselves.
pub(super) fn add_to(delta: &mut Delta, a: &EventArrays) {
    if a.ids.is_empty() {
        return;
    }
    let mut dims: Vec<Dims> = Vec::with_capacity(a.ids.len());
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(a.ids.len());
    for i in 0..a.ids.len() {
        let get = |v: &Vec<Option<String>>| v.get(i).cloned().flatten();
        let mut d = Dims {
            event_type: a.types.get(i).cloned().unwrap_or_default(),
            review_state: a.states.get(i).cloned().unwrap_or_default(),
            m0: counts::month_of(get(&a.eff_start).as_deref()),
            m1: counts::month_of(get(&a.eff_end).as_deref()),
            tags: Vec::new(),
        };
        if let Some(o) = get(&a.outlets) {
            d.tag("o", o);
        }
        index.insert(a.ids[i], dims.len());
        dims.push(d);
    }
    for (id, actor) in a.actor_event.iter().zip(&a.actor_word) {
        if let Some(&i) = index.get(id) {
            dims[i].tag("a", actor.clone());
        }
    }
    for ((id, place), admin1) in a.place_event.iter().zip(&a.place_id).zip(&a.place_admin1) {
        if let Some(&i) = index.get(id) {
            dims[i].tag("l", place.clone());
            dims[i].tag("p", admin1.clone());
        }
    }
    for d in &dims {
        delta.add(d, 1);
    }
}

/// The dimensions of the events selected by `cond` (on `events e`), as stored.
fn load(tx: &mut Transaction<'_>, cond: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Dims>> {
    let mut out: Vec<Dims> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    let sql = format!(
        "SELECT e.id, e.event_type, e.review_state, e.eff_start, e.eff_end, e.report_outlet
         FROM events e WHERE {cond}"
    );
    for r in tx.query(&sql, params)? {
        let start: Option<&str> = col(&r, 3)?;
        let end: Option<&str> = col(&r, 4)?;
        let mut d = Dims {
            event_type: col(&r, 1)?,
            review_state: col(&r, 2)?,
            m0: counts::month_of(start),
            m1: counts::month_of(end),
            tags: Vec::new(),
        };
        if let Some(o) = col::<Option<String>>(&r, 5)? {
            d.tag("o", o);
        }
        index.insert(col(&r, 0)?, out.len());
        out.push(d);
    }
    if out.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT a.event_id, a.actor FROM event_actors a
         WHERE a.event_id IN (SELECT e.id FROM events e WHERE {cond})"
    );
    for r in tx.query(&sql, params)? {
        if let Some(&i) = index.get(&col::<i64>(&r, 0)?) {
            out[i].tag("a", col(&r, 1)?);
        }
    }
    let sql = format!(
        "SELECT p.event_id, p.place_id, p.admin1 FROM event_places p
         WHERE p.event_id IN (SELECT e.id FROM events e WHERE {cond})
         ORDER BY p.event_id, p.seq"
    );
    for r in tx.query(&sql, params)? {
        if let Some(&i) = index.get(&col::<i64>(&r, 0)?) {
            out[i].tag("l", col(&r, 1)?);
            out[i].tag("p", col(&r, 2)?);
        }
    }
    Ok(out)
}

fn adjust_where(
    tx: &mut Transaction<'_>,
    cond: &str,
    params: &[&(dyn ToSql + Sync)],
    sign: i64,
) -> Result<()> {
    let mut delta = Delta::default();
    for d in load(tx, cond, params)? {
        delta.add(&d, sign.signum());
    }
    write(tx, &delta, &TermIds::new())
}

/// Add (`sign` 1) or remove (-1) the contributions of these events, as stored now.
pub(super) fn adjust_ids(tx: &mut Transaction<'_>, ids: &[i64], sign: i64) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids = ids.to_vec();
    adjust_where(tx, "e.id = ANY($1)", &[&ids], sign)
}

/// Remove the contributions of the machine events of a report (before they are
/// deleted).
pub(super) fn remove_machine_of(tx: &mut Transaction<'_>, report_id: &str) -> Result<()> {
    adjust_where(
        tx,
        "e.report_id = $1 AND e.review_state = 'machine'",
        &[&report_id],
        -1,
    )
}

/// Recount the whole table from the events (the migration's backfill).
pub(super) fn rebuild(tx: &mut Transaction<'_>) -> Result<()> {
    // Writers of counts wait until this transaction ends, so none is left out.
    tx.batch_execute("LOCK TABLE event_counts IN EXCLUSIVE MODE; DELETE FROM event_counts")?;
    let max: i64 = col(
        &tx.query_one("SELECT coalesce(max(id), 0)::int8 FROM events", &[])?,
        0,
    )?;
    let mut lo = 0i64;
    while lo < max {
        let hi = lo.saturating_add(200_000);
        adjust_where(tx, "e.id > $1 AND e.id <= $2", &[&lo, &hi], 1)?;
        lo = hi;
    }
    Ok(())
}

/// Place lookups of [`counts::plan_with`] on PostgreSQL (case-insensitive, like the
/// event filters; each an index range of `event_places`).
struct Places<'a, C: GenericClient>(&'a mut C);

impl<C: GenericClient> Places<'_, C> {
    fn first(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<String>> {
        match self.0.query_opt(sql, params)? {
            Some(r) => Ok(Some(col(&r, 0)?)),
            None => Ok(None),
        }
    }
}

impl<C: GenericClient> PlaceLookup for Places<'_, C> {
    fn by_id(&mut self, value: &str) -> Result<Option<String>> {
        self.first(
            "SELECT place_id FROM event_places WHERE lower(place_id) = lower($1) LIMIT 1",
            &[&value],
        )
    }
    fn by_name(&mut self, value: &str) -> Result<Option<String>> {
        self.first(
            "SELECT place_id FROM event_places
             WHERE lower(name) = lower($1) AND lower(place_id) <> lower($1) LIMIT 1",
            &[&value],
        )
    }
    fn is_admin1(&mut self, value: &str) -> Result<bool> {
        Ok(self
            .first(
                "SELECT admin1 FROM event_places WHERE lower(admin1) = lower($1) LIMIT 1",
                &[&value],
            )?
            .is_some())
    }
    fn other_named(&mut self, value: &str, id: &str) -> Result<bool> {
        Ok(self
            .first(
                "SELECT place_id FROM event_places
                 WHERE lower(name) = lower($1) AND lower(place_id) <> lower($2) LIMIT 1",
                &[&value, &id],
            )?
            .is_some())
    }
}

/// The table plan of `filter` (see [`counts::plan`]).
pub(super) fn plan(c: &mut Client, filter: &EventFilter) -> Result<Option<Plan>> {
    counts::plan_with(&mut Places(c), filter)
}

fn params(args: Vec<Arg>) -> Params {
    let mut p = Params::default();
    for a in args {
        match a {
            Arg::Int(n) => p.add(n),
            Arg::Text(s) => p.add(s),
        };
    }
    p
}

/// Number of events matching the plan.
pub(super) fn count(c: &mut Client, plan: &Plan) -> Result<u64> {
    let (sql, args) = plan.count_sql(Dialect::Postgres);
    let p = params(args);
    Ok(to_u64(col(&c.query_one(&sql, &p.refs())?, 0)?))
}

/// Facet counts from the table, with place names as labels; `None` when not held.
pub(super) fn facet(
    c: &mut Client,
    plan: &Plan,
    facet: Facet,
    limit: usize,
) -> Result<Option<Vec<FacetCount>>> {
    let Some((sql, args)) = plan.facet_sql(Dialect::Postgres, facet, limit) else {
        return Ok(None);
    };
    let p = params(args);
    let rows: Vec<(String, i64)> = c
        .query(&sql, &p.refs())?
        .iter()
        .map(|r| Ok((col(r, 0)?, col(r, 1)?)))
        .collect::<Result<_>>()?;
    let mut labels: HashMap<String, String> = HashMap::new();
    if facet == Facet::Place && !rows.is_empty() {
        let ids: Vec<&str> = rows.iter().map(|(v, _)| v.as_str()).collect();
        for r in c.query(
            "SELECT v, (SELECT max(name) FROM (SELECT name FROM event_places
                          WHERE place_id = v AND place_first LIMIT 64) n)
             FROM unnest($1::text[]) AS v",
            &[&ids],
        )? {
            if let Some(name) = col::<Option<String>>(&r, 1)? {
                labels.insert(col(&r, 0)?, name);
            }
        }
    }
    Ok(Some(
        rows.into_iter()
            .map(|(value, n)| FacetCount {
                label: labels.get(&value).cloned().unwrap_or_else(|| value.clone()),
                value,
                count: to_u64(n),
            })
            .collect(),
    ))
}

/// Month counts from the table; `None` when not held.
pub(super) fn months(c: &mut Client, plan: &Plan) -> Result<Option<Vec<MonthCount>>> {
    let Some((sql, args)) = plan.months_sql(Dialect::Postgres) else {
        return Ok(None);
    };
    let p = params(args);
    let rows = c.query(&sql, &p.refs())?;
    rows.iter()
        .map(|r| {
            let m: i32 = col(r, 0)?;
            let t: String = col(r, 1)?;
            let event_type = EventType::parse(&t).ok_or_else(|| StoreError::Corrupt {
                what: "event_counts.event_type".into(),
                reason: format!("unknown event type '{t}'"),
            })?;
            Ok(MonthCount {
                month: counts::month_text(i64::from(m)),
                event_type,
                count: to_u64(col(r, 2)?),
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// With a `from` date, the earliest effective start a matching event can have (see
/// [`counts::earliest_start`]): a lower bound on `eff_start` that lets the listing's
/// index range start there instead of at the first event. (Rows of a slot with a
/// positive count are a superset of the live keys, so the bound stays exact.)
pub(super) fn earliest_start(c: &mut Client, filter: &EventFilter) -> Result<Option<String>> {
    let Some(from) = filter.from else {
        return Ok(None);
    };
    let span: Option<i64> = col(&c.query_one(counts::LONGEST_SPAN_SQL, &[])?, 0)?;
    Ok(counts::start_bound(from, span))
}
