//! Pre-aggregated event counts (table `event_counts`, migration 4), so that facet, month
//! and total counts of the common filters are read from a few hundred rows instead of
//! counting millions of events.
//!
//! Every event has scalar dimensions (type, review state, start and end month) and a set
//! of *tags*: its distinct provinces (`p`), places (`l`, by gazetteer id), actors (`a`)
//! and its report's outlet (`o`). The table holds, per combination of the scalars, the
//! number of events carrying:
//! - nothing in particular (`k1 = ''`), at both granularities;
//! - one tag (`k1, v1`), at both granularities;
//! - two tags of different kinds (`k1, v1, k2, v2`, stored in both orders), for all dates
//!   only.
//!
//! Granularity `g = 0` rows are for all dates (`m0 = m1 = ''`); `g = 1` rows keep the
//! month of the effective start and end (`''` when undated).
//!
//! Because an event's tags are distinct within a kind, summing `n` over rows with a fixed
//! tag counts each event once: the answers are exact. A filter the table cannot answer
//! (text query, report, a date range not on month boundaries, more tags than stored,
//! an ambiguous place name) is counted directly from the events ([`plan`] says `None`).
//!
//! The write path keeps the table in step inside the same transaction: [`adjust`] adds
//! (+1) or removes (-1) the contributions of a set of events, computed from the events
//! and their link rows as they are at that moment. Call it with -1 before events are
//! deleted or changed and with +1 after they are written.

use chrono::{Datelike, NaiveDate};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::error::Result;
use crate::types::{EventFilter, Facet};

/// A set of events whose contributions are added or removed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EventSet<'a> {
    /// Every event.
    All,
    /// Events with an id above this one (the rows of one ingest transaction).
    After(i64),
    /// These events.
    Ids(&'a [i64]),
    /// The machine events of this report (before re-extraction deletes them).
    MachineOf(&'a str),
}

/// The contributions of the events selected by `{cond}` (on `events e`), grouped by key.
fn entries_sql(cond: &str, sign: i64) -> String {
    format!(
        "WITH ev AS MATERIALIZED (
           SELECT e.id AS id, e.event_type AS t, e.review_state AS s, e.report_id AS rid,
                  coalesce(substr(e.eff_start, 1, 7), '') AS m0,
                  coalesce(substr(e.eff_end, 1, 7), '') AS m1
           FROM events e WHERE {cond}),
         tg AS MATERIALIZED (
           SELECT a.event_id AS id, 'a' AS k, a.actor AS v
             FROM ev JOIN event_actors a ON a.event_id = ev.id
           UNION ALL
           SELECT DISTINCT p.event_id, 'l', p.place_id
             FROM ev JOIN event_places p ON p.event_id = ev.id
           UNION ALL
           SELECT DISTINCT p.event_id, 'p', p.admin1
             FROM ev JOIN event_places p ON p.event_id = ev.id
           UNION ALL
           SELECT ev.id, 'o', r.outlet
             FROM ev JOIN reports r ON r.id = ev.rid WHERE r.outlet IS NOT NULL),
         en(g, m0, m1, t, s, k1, v1, k2, v2) AS (
           SELECT 0, '', '', t, s, '', '', '', '' FROM ev
           UNION ALL
           SELECT 1, m0, m1, t, s, '', '', '', '' FROM ev
           UNION ALL
           SELECT 0, '', '', t, s, x.k, x.v, '', '' FROM ev JOIN tg x ON x.id = ev.id
           UNION ALL
           SELECT 1, m0, m1, t, s, x.k, x.v, '', '' FROM ev JOIN tg x ON x.id = ev.id
           UNION ALL
           SELECT 0, '', '', t, s, x.k, x.v, y.k, y.v
             FROM ev JOIN tg x ON x.id = ev.id JOIN tg y ON y.id = ev.id AND y.k <> x.k)
         INSERT INTO event_counts(g, k1, v1, k2, v2, event_type, review_state, m0, m1, n)
         SELECT g, k1, v1, k2, v2, t, s, m0, m1, {sign} * count(*) FROM en WHERE true
         GROUP BY g, k1, v1 COLLATE NOCASE, k2, v2 COLLATE NOCASE, t, s, m0, m1
         ON CONFLICT DO UPDATE SET n = n + excluded.n"
    )
}

/// Add (`sign` = 1) or remove (`sign` = -1) the contributions of `set`.
pub(crate) fn adjust(conn: &Connection, set: EventSet<'_>, sign: i64) -> Result<()> {
    let sign = sign.signum();
    match set {
        EventSet::All => {
            conn.execute(&entries_sql("1", sign), [])?;
        }
        EventSet::After(id) => {
            conn.prepare_cached(&entries_sql("e.id > ?1", sign))?
                .execute([id])?;
        }
        EventSet::Ids(ids) => {
            if ids.is_empty() {
                return Ok(());
            }
            let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
            conn.prepare_cached(&entries_sql(
                "e.id IN (SELECT value FROM json_each(?1))",
                sign,
            ))?
            .execute([json])?;
        }
        EventSet::MachineOf(report) => {
            conn.prepare_cached(&entries_sql(
                "e.report_id = ?1 AND e.review_state = 'machine'",
                sign,
            ))?
            .execute([report])?;
        }
    }
    Ok(())
}

/// Recount the whole table from the events (the migration's backfill).
pub(crate) fn rebuild(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM event_counts", [])?;
    adjust(conn, EventSet::All, 1)
}

/// The largest event id, or 0 (ids start at 1).
pub(crate) fn max_event_id(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM events")?
        .query_row([], |r| r.get(0))?)
}

/// How a filter reads from the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// 0: all dates; 1: by month.
    g: i64,
    event_type: Option<String>,
    review_state: Option<String>,
    /// `YYYY-MM` of `from` (a first of month): events ending in or after it.
    from_month: Option<String>,
    /// `YYYY-MM` of `to` (a last of month): events starting in or before it.
    to_month: Option<String>,
    /// (kind, value) of the tag constraints, at most two, of different kinds.
    tags: Vec<(&'static str, String)>,
}

fn is_month_start(d: NaiveDate) -> bool {
    d.day() == 1
}

fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|n| n.day() == 1)
}

fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The table plan of `filter`, or `None` when it must be counted from the events.
pub(crate) fn plan(conn: &Connection, filter: &EventFilter) -> Result<Option<Plan>> {
    if filter.text.is_some() || filter.report_id.is_some() {
        return Ok(None);
    }
    let mut g = 0;
    let mut from_month = None;
    let mut to_month = None;
    if let Some(from) = filter.from {
        if !is_month_start(from) {
            return Ok(None);
        }
        g = 1;
        from_month = Some(month(from));
    }
    if let Some(to) = filter.to {
        if !is_month_end(to) {
            return Ok(None);
        }
        g = 1;
        to_month = Some(month(to));
    }
    let mut tags: Vec<(&'static str, String)> = Vec::new();
    if let Some(p) = &filter.province {
        tags.push(("p", p.trim().to_string()));
    }
    if let Some(a) = filter.actor {
        tags.push(("a", a.as_str().to_string()));
    }
    if let Some(o) = &filter.outlet {
        tags.push(("o", o.trim().to_string()));
    }
    if let Some(place) = &filter.place {
        match place_tag(conn, place.trim())? {
            Some(t) => tags.push(t),
            None => return Ok(None),
        }
    }
    // Two constraints of one kind (a place that is a province, and a province) are an
    // intersection the table does not hold.
    for (i, (k, _)) in tags.iter().enumerate() {
        if tags[..i].iter().any(|(k2, _)| k2 == k) {
            return Ok(None);
        }
    }
    if tags.len() > 2 - g as usize {
        return Ok(None);
    }
    Ok(Some(Plan {
        g,
        event_type: filter.event_type.map(|t| t.as_str().to_string()),
        review_state: filter.review_state.map(|s| s.as_str().to_string()),
        from_month,
        to_month,
        tags,
    }))
}

/// The tag equivalent to a place filter (events with a place whose id, name or admin1
/// equals `value`), when there is exactly one: one gazetteer id, or one province.
fn place_tag(conn: &Connection, value: &str) -> Result<Option<(&'static str, String)>> {
    let by_id: Option<String> = conn
        .prepare_cached("SELECT place_id FROM event_places WHERE place_id = ?1 LIMIT 1")?
        .query_row([value], |r| r.get(0))
        .optional()?;
    let by_name: Option<String> = conn
        .prepare_cached(
            "SELECT place_id FROM event_places WHERE name = ?1 AND place_id <> ?1 LIMIT 1",
        )?
        .query_row([value], |r| r.get(0))
        .optional()?;
    let is_admin1 = conn
        .prepare_cached("SELECT 1 FROM event_places WHERE admin1 = ?1 LIMIT 1")?
        .exists([value])?;
    Ok(match (by_id, by_name, is_admin1) {
        (None, None, false) => Some(("l", value.to_string())), // matches nothing
        (None, None, true) => Some(("p", value.to_string())),
        (Some(id), None, false) => Some(("l", id)),
        (None, Some(id), false) => {
            // One name may belong to several gazetteer ids.
            let other = conn
                .prepare_cached(
                    "SELECT 1 FROM event_places WHERE name = ?1 AND place_id <> ?2 LIMIT 1",
                )?
                .exists([value, id.as_str()])?;
            if other {
                None
            } else {
                Some(("l", id))
            }
        }
        _ => None,
    })
}

fn kind_of(f: Facet) -> Option<&'static str> {
    match f {
        Facet::Province => Some("p"),
        Facet::Place => Some("l"),
        Facet::Actor => Some("a"),
        Facet::Outlet => Some("o"),
        Facet::EventType | Facet::ReviewState => None,
    }
}

impl Plan {
    /// Conditions and parameters for the rows holding exactly `tags` (plus, when
    /// `group_kind` is set, one more tag of that kind, any value).
    fn conditions(&self, group_kind: Option<&'static str>) -> (Vec<String>, Vec<Value>) {
        let mut c = vec!["g = ?".to_string()];
        let mut p = vec![Value::Integer(self.g)];
        let mut slots: Vec<(&str, Option<&str>)> = self
            .tags
            .iter()
            .map(|(k, v)| (*k, Some(v.as_str())))
            .collect();
        if let Some(k) = group_kind {
            slots.push((k, None));
        }
        let names = [("k1", "v1"), ("k2", "v2")];
        for (i, (kc, vc)) in names.iter().enumerate() {
            match slots.get(i) {
                Some((k, v)) => {
                    c.push(format!("{kc} = ?"));
                    p.push(Value::Text((*k).to_string()));
                    if let Some(v) = v {
                        c.push(format!("{vc} = ?"));
                        p.push(Value::Text((*v).to_string()));
                    }
                }
                None => {
                    c.push(format!("{kc} = ''"));
                    c.push(format!("{vc} = ''"));
                }
            }
        }
        if let Some(t) = &self.event_type {
            c.push("event_type = ?".into());
            p.push(Value::Text(t.clone()));
        }
        if let Some(s) = &self.review_state {
            c.push("review_state = ?".into());
            p.push(Value::Text(s.clone()));
        }
        if let Some(m) = &self.from_month {
            c.push("m1 >= ?".into());
            p.push(Value::Text(m.clone()));
        }
        if let Some(m) = &self.to_month {
            c.push("m0 <= ? AND m0 <> ''".into());
            p.push(Value::Text(m.clone()));
        }
        (c, p)
    }

    /// Number of events matching.
    pub(crate) fn count(&self, conn: &Connection) -> Result<u64> {
        let (c, p) = self.conditions(None);
        let sql = format!(
            "SELECT coalesce(sum(n), 0) FROM event_counts WHERE {}",
            c.join(" AND ")
        );
        let n: i64 = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(p.iter()), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Counts by the value of `facet`, most first (ties by value), at most `limit`;
    /// `None` when the table does not hold this combination.
    pub(crate) fn facet(
        &self,
        conn: &Connection,
        facet: Facet,
        limit: usize,
    ) -> Result<Option<Vec<(String, u64)>>> {
        let kind = kind_of(facet);
        let (col, group_kind) = match kind {
            None => (
                if facet == Facet::EventType {
                    "event_type"
                } else {
                    "review_state"
                },
                None,
            ),
            Some(k) => {
                if self.tags.iter().any(|(t, _)| *t == k) || self.tags.len() + 1 > 2 - self.g as usize
                {
                    return Ok(None);
                }
                (if self.tags.is_empty() { "v1" } else { "v2" }, Some(k))
            }
        };
        let (c, mut p) = self.conditions(group_kind);
        let sql = format!(
            "SELECT {col}, sum(n) FROM event_counts WHERE {} GROUP BY 1 HAVING sum(n) > 0
             ORDER BY 2 DESC, 1 COLLATE NOCASE LIMIT ?",
            c.join(" AND ")
        );
        p.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let rows = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(p.iter()), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(
            rows.into_iter()
                .map(|(v, n)| (v, u64::try_from(n).unwrap_or(0)))
                .collect(),
        ))
    }

    /// Counts by start month and type (undated left out); `None` when not held.
    pub(crate) fn months(&self, conn: &Connection) -> Result<Option<Vec<(String, String, u64)>>> {
        if self.tags.len() > 1 {
            return Ok(None);
        }
        let plan = Plan {
            g: 1,
            ..self.clone()
        };
        let (c, p) = plan.conditions(None);
        let sql = format!(
            "SELECT m0, event_type, sum(n) FROM event_counts WHERE {} AND m0 <> ''
             GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2",
            c.join(" AND ")
        );
        let rows = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(p.iter()), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(
            rows.into_iter()
                .map(|(m, t, n)| (m, t, u64::try_from(n).unwrap_or(0)))
                .collect(),
        ))
    }
}
