//! Counting events by facet and by month, for search pages, timelines and maps.

use std::collections::HashMap;

use lantern_extract::EventType;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::counts;
use crate::error::{Result, StoreError};
use crate::sqlite::{filter_clauses, to_i64, to_u64};
use crate::types::{EventFilter, Facet, FacetCount, MonthCount};

/// With a `from` date, an exact lower bound on `eff_start` (see
/// [`counts::earliest_start`]), so that the date indexes' ranges stop early.
fn start_bound(
    conn: &Connection,
    filter: &EventFilter,
    clauses: &mut Vec<&'static str>,
    params: &mut Vec<Value>,
) -> Result<()> {
    if let Some(from) = filter.from {
        if let Some(lo) = counts::earliest_start(conn, from)? {
            clauses.push("e.eff_start >= ?");
            params.push(Value::Text(lo));
        }
    }
    Ok(())
}

/// `WHERE` text for the filter's conditions plus `extra` ones.
fn where_sql(clauses: &[&str], extra: &[&str]) -> String {
    let all: Vec<&str> = clauses.iter().chain(extra.iter()).copied().collect();
    if all.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", all.join(" AND "))
    }
}

/// Run `f` in one read snapshot (a deferred transaction, unless the connection is in
/// one already), so that the count table, the watermark and the direct count of the
/// events above it all see the same commits (a fold committed between two of them would
/// count its events twice or not at all).
pub(crate) fn in_snapshot<T>(conn: &Connection, f: impl FnOnce() -> Result<T>) -> Result<T> {
    if !conn.is_autocommit() {
        return f();
    }
    conn.execute_batch("BEGIN DEFERRED")?;
    let out = f();
    match &out {
        Ok(_) => conn.execute_batch("COMMIT")?,
        Err(_) => {
            // The error of `f` is the one to report.
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    out
}

/// A facet read from the count table, plus the events above the watermark (`unfolded`,
/// see [`counts::unfolded_above`]) counted directly; `None` when the table does not
/// hold it.
fn table_facet(
    conn: &Connection,
    filter: &EventFilter,
    plan: &counts::Plan,
    facet: Facet,
    limit: usize,
    unfolded: Option<i64>,
) -> Result<Option<Vec<FacetCount>>> {
    let Some(w) = unfolded else {
        return match plan.facet(conn, facet, limit)? {
            Some(rows) => Ok(Some(label(conn, facet, rows)?)),
            None => Ok(None),
        };
    };
    // Every value of both (the top `limit` of the sum need not be in either's top).
    let Some(rows) = plan.facet(conn, facet, usize::MAX)? else {
        return Ok(None);
    };
    let above = facet_rows(conn, filter, facet, usize::MAX, Some(w))?;
    // Summed by value without ASCII case, as the table and the direct counts group them.
    let mut sums: HashMap<String, (String, u64)> = HashMap::new();
    let more = above.into_iter().map(|f| (f.value, f.count));
    for (value, n) in rows.into_iter().chain(more) {
        sums.entry(value.to_ascii_lowercase())
            .or_insert_with(|| (value, 0))
            .1 += n;
    }
    let mut rows: Vec<(String, (String, u64))> =
        sums.into_iter().filter(|(_, (_, n))| *n > 0).collect();
    // Most first, ties by value without ASCII case (`ORDER BY 2 DESC, 1 COLLATE NOCASE`).
    rows.sort_unstable_by(|a, b| b.1 .1.cmp(&a.1 .1).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(limit);
    let rows = rows.into_iter().map(|(_, v)| v).collect();
    Ok(Some(label(conn, facet, rows)?))
}

pub(crate) fn facet_counts(
    conn: &Connection,
    filter: &EventFilter,
    facet: Facet,
    limit: usize,
) -> Result<Vec<FacetCount>> {
    in_snapshot(conn, || {
        if let Some(plan) = counts::plan(conn, filter)? {
            let unfolded = counts::unfolded_above(conn)?;
            if let Some(rows) = table_facet(conn, filter, &plan, facet, limit, unfolded)? {
                return Ok(rows);
            }
        }
        direct_facet_counts(conn, filter, facet, limit)
    })
}

/// [`counts::Plan::count`] plus the events above the watermark counted directly.
pub(crate) fn count_events(conn: &Connection, filter: &EventFilter) -> Result<Option<u64>> {
    in_snapshot(conn, || {
        let Some(plan) = counts::plan(conn, filter)? else {
            return Ok(None);
        };
        let n = plan.count(conn)?;
        let Some(w) = counts::unfolded_above(conn)? else {
            return Ok(Some(n));
        };
        let (mut clauses, mut params) = filter_clauses(filter);
        clauses.push("e.id > ?");
        params.push(Value::Integer(w));
        let sql = format!(
            "SELECT count(*) FROM events e NOT INDEXED{}",
            where_sql(&clauses, &[])
        );
        let above: i64 = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
        Ok(Some(n + to_u64(above)))
    })
}

/// [`facet_counts`] of several facets under one filter. The facets the count table
/// does not hold and that join the events to other rows (place, province, actor,
/// outlet; under a text filter also type and review state) share one pass over the
/// filter's events when two or more of them are counted directly: the ids are collected once into a temporary table and each facet
/// joins it, instead of each facet walking the filter again (at 1,000,000 reports,
/// type x province x month walks ~16,000 events with a province test each, ~6,400
/// pages, for each of place, actor and outlet).
pub(crate) fn facet_counts_many(
    conn: &Connection,
    filter: &EventFilter,
    facets: &[Facet],
    limit: usize,
) -> Result<Vec<Vec<FacetCount>>> {
    in_snapshot(conn, || facet_counts_many_in(conn, filter, facets, limit))
}

fn facet_counts_many_in(
    conn: &Connection,
    filter: &EventFilter,
    facets: &[Facet],
    limit: usize,
) -> Result<Vec<Vec<FacetCount>>> {
    let plan = counts::plan(conn, filter)?;
    let unfolded = match plan {
        Some(_) => counts::unfolded_above(conn)?,
        None => None,
    };
    let mut out: Vec<Option<Vec<FacetCount>>> = vec![None; facets.len()];
    let mut joined = Vec::new();
    for (i, &f) in facets.iter().enumerate() {
        if let Some(plan) = &plan {
            if let Some(rows) = table_facet(conn, filter, plan, f, limit, unfolded)? {
                out[i] = Some(rows);
                continue;
            }
        }
        // Type and review state are in the listing indexes, so they are counted from
        // an index alone, except under a text filter (whose events are read by report).
        let joins = match f {
            Facet::Place | Facet::Province | Facet::Actor | Facet::Outlet => true,
            Facet::EventType | Facet::ReviewState => filter.text.is_some(),
        };
        if joins {
            joined.push(i);
        } else {
            out[i] = Some(direct_facet_counts(conn, filter, f, limit)?);
        }
    }
    // The shared pass writes a temporary table; should that be refused (a connection
    // that may not write at all), the facets are counted one by one instead.
    let shared = if joined.len() >= 2 {
        shared_facet_counts(conn, filter, &joined, facets, limit).ok()
    } else {
        None
    };
    if let Some(counted) = shared {
        for (i, rows) in joined.into_iter().zip(counted) {
            out[i] = Some(rows);
        }
    } else {
        for i in joined {
            out[i] = Some(direct_facet_counts(conn, filter, facets[i], limit)?);
        }
    }
    Ok(out.into_iter().map(Option::unwrap_or_default).collect())
}

/// The facets `which` (indexes into `facets`) counted over the filter's event ids,
/// collected once into `temp.facet_events`. `CROSS JOIN` keeps the temporary table
/// the outer loop: it has no statistics, and the planner otherwise scanned the whole
/// `event_places`, `event_actors` or `events` index and looked each row up in it.
fn shared_facet_counts(
    conn: &Connection,
    filter: &EventFilter,
    which: &[usize],
    facets: &[Facet],
    limit: usize,
) -> Result<Vec<Vec<FacetCount>>> {
    let (mut clauses, mut params) = filter_clauses(filter);
    start_bound(conn, filter, &mut clauses, &mut params)?;
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS facet_events (id INTEGER PRIMARY KEY);
         DELETE FROM temp.facet_events;",
    )?;
    let fill = format!(
        "INSERT INTO temp.facet_events (id) SELECT e.id FROM events e{}",
        where_sql(&clauses, &[])
    );
    let counted = (|| -> Result<Vec<Vec<FacetCount>>> {
        conn.prepare_cached(&fill)?
            .execute(params_from_iter(params.iter()))?;
        which
            .iter()
            .map(|&i| {
                let (cols, join, extra) = match facets[i] {
                    Facet::Place => (
                        "fp.place_id, max(fp.name), count(DISTINCT t.id)",
                        " CROSS JOIN event_places fp ON fp.event_id = t.id",
                        "",
                    ),
                    Facet::Province => (
                        "fp.admin1, fp.admin1, count(DISTINCT t.id)",
                        " CROSS JOIN event_places fp ON fp.event_id = t.id",
                        "",
                    ),
                    Facet::Actor => (
                        "fa.actor, fa.actor, count(DISTINCT t.id)",
                        " CROSS JOIN event_actors fa ON fa.event_id = t.id",
                        "",
                    ),
                    Facet::EventType => (
                        "e.event_type, e.event_type, count(*)",
                        " CROSS JOIN events e ON e.id = t.id",
                        "",
                    ),
                    Facet::ReviewState => (
                        "e.review_state, e.review_state, count(*)",
                        " CROSS JOIN events e ON e.id = t.id",
                        "",
                    ),
                    Facet::Outlet => (
                        "fr.outlet COLLATE NOCASE, fr.outlet, count(*)",
                        " CROSS JOIN events e ON e.id = t.id CROSS JOIN reports fr ON fr.id = e.report_id",
                        " WHERE fr.outlet IS NOT NULL",
                    ),
                };
                let sql = format!(
                    "SELECT {cols} FROM temp.facet_events t{join}{extra}
                     GROUP BY 1 ORDER BY 3 DESC, 1 COLLATE NOCASE LIMIT ?"
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let rows = stmt
                    .query_map([to_i64(limit)], facet_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .collect()
    })();
    // Emptied whatever happened, so that no later call sees these ids.
    let cleared = conn.execute_batch("DELETE FROM temp.facet_events");
    let counted = counted?;
    cleared?;
    Ok(counted)
}

/// Attach labels (place names) to table counts.
fn label(conn: &Connection, facet: Facet, rows: Vec<(String, u64)>) -> Result<Vec<FacetCount>> {
    let mut name = conn.prepare_cached("SELECT name FROM places WHERE place_id = ?1 LIMIT 1")?;
    rows.into_iter()
        .map(|(value, count)| {
            let label = if facet == Facet::Place {
                name.query_row([&value], |r| r.get(0))
                    .optional()?
                    .unwrap_or_else(|| value.clone())
            } else {
                value.clone()
            };
            Ok(FacetCount {
                value,
                label,
                count,
            })
        })
        .collect()
}

/// Facet counts computed from the events themselves (any filter).
pub(crate) fn direct_facet_counts(
    conn: &Connection,
    filter: &EventFilter,
    facet: Facet,
    limit: usize,
) -> Result<Vec<FacetCount>> {
    facet_rows(conn, filter, facet, limit, None)
}

/// [`direct_facet_counts`]; with `above`, of the events with a larger id only, walked
/// by rowid from it (the events above the count table's watermark).
fn facet_rows(
    conn: &Connection,
    filter: &EventFilter,
    facet: Facet,
    limit: usize,
    above: Option<i64>,
) -> Result<Vec<FacetCount>> {
    let (mut clauses, mut params) = filter_clauses(filter);
    start_bound(conn, filter, &mut clauses, &mut params)?;
    if let Some(w) = above {
        clauses.push("e.id > ?");
        params.push(Value::Integer(w));
    }
    // (value, label, count) columns; join; extra condition.
    let (cols, join, extra): (&str, &str, &[&str]) = match facet {
        Facet::EventType => ("e.event_type, e.event_type, count(*)", "", &[]),
        Facet::ReviewState => ("e.review_state, e.review_state, count(*)", "", &[]),
        Facet::Actor => (
            "fa.actor, fa.actor, count(DISTINCT e.id)",
            " JOIN event_actors fa ON fa.event_id = e.id",
            &[],
        ),
        Facet::Place => (
            "fp.place_id, max(fp.name), count(DISTINCT e.id)",
            " JOIN event_places fp ON fp.event_id = e.id",
            &[],
        ),
        Facet::Province => (
            "fp.admin1, fp.admin1, count(DISTINCT e.id)",
            " JOIN event_places fp ON fp.event_id = e.id",
            &[],
        ),
        Facet::Outlet => (
            "fr.outlet COLLATE NOCASE, fr.outlet, count(*)",
            " JOIN reports fr ON fr.id = e.report_id",
            &["fr.outlet IS NOT NULL"],
        ),
    };
    // Above the watermark: the rowid range is the outer loop.
    let (events, join) = match (above, join) {
        (None, join) => ("events e", join.to_string()),
        (Some(_), "") => ("events e NOT INDEXED", String::new()),
        (Some(_), join) => ("events e NOT INDEXED", format!(" CROSS{join}")),
    };
    let sql = format!(
        "SELECT {cols} FROM {events}{join}{} GROUP BY 1 ORDER BY 3 DESC, 1 COLLATE NOCASE LIMIT ?",
        where_sql(&clauses, extra)
    );
    params.push(Value::Integer(to_i64(limit)));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), facet_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn month_counts(conn: &Connection, filter: &EventFilter) -> Result<Vec<MonthCount>> {
    in_snapshot(conn, || {
        if let Some(plan) = counts::plan(conn, filter)? {
            if let Some(rows) = plan.months(conn)? {
                let mut out = rows
                    .into_iter()
                    .map(|(month, t, count)| {
                        month_count(month, &t, count, "event_counts.event_type")
                    })
                    .collect::<Result<Vec<_>>>()?;
                if let Some(w) = counts::unfolded_above(conn)? {
                    // Summed with the events above the watermark, counted directly.
                    let mut sums: HashMap<(String, &'static str), u64> = HashMap::new();
                    let above = month_rows(conn, filter, Some(w))?;
                    for m in out.drain(..).chain(above) {
                        *sums.entry((m.month, m.event_type.as_str())).or_insert(0) += m.count;
                    }
                    out = sums
                        .into_iter()
                        .filter(|(_, n)| *n > 0)
                        .map(|((month, t), count)| {
                            month_count(month, t, count, "events.event_type")
                        })
                        .collect::<Result<Vec<_>>>()?;
                    out.sort_unstable_by(|a, b| {
                        (a.month.as_str(), a.event_type.as_str())
                            .cmp(&(b.month.as_str(), b.event_type.as_str()))
                    });
                }
                return Ok(out);
            }
        }
        direct_month_counts(conn, filter)
    })
}

/// Month counts computed from the events themselves (any filter).
pub(crate) fn direct_month_counts(
    conn: &Connection,
    filter: &EventFilter,
) -> Result<Vec<MonthCount>> {
    month_rows(conn, filter, None)
}

/// [`direct_month_counts`]; with `above`, of the events with a larger id only.
fn month_rows(
    conn: &Connection,
    filter: &EventFilter,
    above: Option<i64>,
) -> Result<Vec<MonthCount>> {
    let (mut clauses, mut params) = filter_clauses(filter);
    start_bound(conn, filter, &mut clauses, &mut params)?;
    if let Some(w) = above {
        clauses.push("e.id > ?");
        params.push(Value::Integer(w));
    }
    let events = if above.is_some() {
        "events e NOT INDEXED"
    } else {
        "events e"
    };
    let sql = format!(
        "SELECT substr(e.eff_start, 1, 7), e.event_type, count(*) FROM {events}{}
         GROUP BY 1, 2 ORDER BY 1, 2",
        where_sql(&clauses, &[crate::sqlite::DATED])
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(month, t, n)| {
            let event_type = EventType::parse(&t).ok_or_else(|| StoreError::Corrupt {
                what: "events.event_type".into(),
                reason: format!("unknown event type '{t}'"),
            })?;
            Ok(MonthCount {
                month,
                event_type,
                count: to_u64(n),
            })
        })
        .collect()
}

/// A facet row of the queries here: value, label, count.
fn facet_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FacetCount> {
    Ok(FacetCount {
        value: r.get(0)?,
        label: r.get(1)?,
        count: to_u64(r.get(2)?),
    })
}

/// One [`MonthCount`] row; `what` names the column the type came from in the error.
fn month_count(month: String, t: &str, count: u64, what: &str) -> Result<MonthCount> {
    let event_type = EventType::parse(t).ok_or_else(|| StoreError::Corrupt {
        what: what.into(),
        reason: format!("unknown event type '{t}'"),
    })?;
    Ok(MonthCount {
        month,
        event_type,
        count,
    })
}
