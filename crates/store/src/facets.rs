//! Counting events by facet and by month, for search pages, timelines and maps.

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

pub(crate) fn facet_counts(
    conn: &Connection,
    filter: &EventFilter,
    facet: Facet,
    limit: usize,
) -> Result<Vec<FacetCount>> {
    if let Some(plan) = counts::plan(conn, filter)? {
        if let Some(rows) = plan.facet(conn, facet, limit)? {
            return label(conn, facet, rows);
        }
    }
    direct_facet_counts(conn, filter, facet, limit)
}

/// Attach labels (place names) to table counts.
fn label(conn: &Connection, facet: Facet, rows: Vec<(String, u64)>) -> Result<Vec<FacetCount>> {
    let mut name =
        conn.prepare_cached("SELECT name FROM event_places WHERE place_id = ?1 LIMIT 1")?;
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
    let (mut clauses, mut params) = filter_clauses(filter);
    start_bound(conn, filter, &mut clauses, &mut params)?;
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
    let sql = format!(
        "SELECT {cols} FROM events e{join}{} GROUP BY 1 ORDER BY 3 DESC, 1 COLLATE NOCASE LIMIT ?",
        where_sql(&clauses, extra)
    );
    params.push(Value::Integer(to_i64(limit)));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), |r| {
            Ok(FacetCount {
                value: r.get(0)?,
                label: r.get(1)?,
                count: to_u64(r.get(2)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn month_counts(conn: &Connection, filter: &EventFilter) -> Result<Vec<MonthCount>> {
    if let Some(plan) = counts::plan(conn, filter)? {
        if let Some(rows) = plan.months(conn)? {
            return rows
                .into_iter()
                .map(|(month, t, count)| {
                    let event_type = EventType::parse(&t).ok_or_else(|| StoreError::Corrupt {
                        what: "event_counts.event_type".into(),
                        reason: format!("unknown event type '{t}'"),
                    })?;
                    Ok(MonthCount {
                        month,
                        event_type,
                        count,
                    })
                })
                .collect();
        }
    }
    direct_month_counts(conn, filter)
}

/// Month counts computed from the events themselves (any filter).
pub(crate) fn direct_month_counts(
    conn: &Connection,
    filter: &EventFilter,
) -> Result<Vec<MonthCount>> {
    let (mut clauses, mut params) = filter_clauses(filter);
    start_bound(conn, filter, &mut clauses, &mut params)?;
    let sql = format!(
        "SELECT substr(e.eff_start, 1, 7), e.event_type, count(*) FROM events e{}
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
