//! Counting events by facet and by month in PostgreSQL (same results as SQLite's).

use lantern_extract::EventType;
use postgres::Client;

use super::{col, filter_clauses, where_sql, Params};
use crate::error::{Result, StoreError};
use crate::sqlite::{to_i64, to_u64};
use crate::types::{EventFilter, Facet, FacetCount, MonthCount};

pub(super) fn facet_counts(
    c: &mut Client,
    filter: &EventFilter,
    facet: Facet,
    limit: usize,
) -> Result<Vec<FacetCount>> {
    let mut p = Params::default();
    let mut clauses = filter_clauses(filter, &mut p);
    // (value, label, count) columns; join; extra condition; order of equal counts.
    // Places and provinces compare without ASCII case in SQLite: so do their ties here.
    let sql = if clauses.is_empty() {
        // Over all events: read the link tables alone.
        match facet {
            Facet::EventType => {
                "SELECT event_type, event_type, count(*) FROM events GROUP BY 1 ORDER BY 3 DESC, 1"
            }
            Facet::ReviewState => {
                "SELECT review_state, review_state, count(*) FROM events
                 GROUP BY 1 ORDER BY 3 DESC, 1"
            }
            Facet::Actor => {
                "SELECT actor, actor, count(*) FROM event_actors GROUP BY 1 ORDER BY 3 DESC, 1"
            }
            Facet::Place => {
                "SELECT place_id, max(name), count(DISTINCT event_id) FROM event_places
                 GROUP BY 1 ORDER BY 3 DESC, lower(place_id), 1"
            }
            Facet::Province => {
                "SELECT admin1, admin1, count(DISTINCT event_id) FROM event_places
                 GROUP BY 1 ORDER BY 3 DESC, lower(admin1), 1"
            }
            Facet::Outlet => {
                "SELECT r.outlet, r.outlet, count(*) FROM events e
                 JOIN reports r ON r.id = e.report_id WHERE r.outlet IS NOT NULL
                 GROUP BY 1 ORDER BY 3 DESC, 1"
            }
        }
        .to_string()
    } else {
        let (cols, join, order) = match facet {
            Facet::EventType => ("e.event_type, e.event_type, count(*)", "", "1"),
            Facet::ReviewState => ("e.review_state, e.review_state, count(*)", "", "1"),
            Facet::Actor => (
                "fa.actor, fa.actor, count(DISTINCT e.id)",
                " JOIN event_actors fa ON fa.event_id = e.id",
                "1",
            ),
            Facet::Place => (
                "fp.place_id, max(fp.name), count(DISTINCT e.id)",
                " JOIN event_places fp ON fp.event_id = e.id",
                "lower(fp.place_id), 1",
            ),
            Facet::Province => (
                "fp.admin1, fp.admin1, count(DISTINCT e.id)",
                " JOIN event_places fp ON fp.event_id = e.id",
                "lower(fp.admin1), 1",
            ),
            Facet::Outlet => {
                clauses.push("fr.outlet IS NOT NULL".into());
                (
                    "fr.outlet, fr.outlet, count(*)",
                    " JOIN reports fr ON fr.id = e.report_id",
                    "1",
                )
            }
        };
        format!(
            "SELECT {cols} FROM events e{join}{} GROUP BY 1 ORDER BY 3 DESC, {order}",
            where_sql(&clauses)
        )
    };
    let sql = format!("{sql} LIMIT {}", p.add(to_i64(limit)));
    c.query(&sql, &p.refs())?
        .iter()
        .map(|row| {
            Ok(FacetCount {
                value: col(row, 0)?,
                label: col(row, 1)?,
                count: to_u64(col(row, 2)?),
            })
        })
        .collect()
}

pub(super) fn month_counts(c: &mut Client, filter: &EventFilter) -> Result<Vec<MonthCount>> {
    let mut p = Params::default();
    let mut clauses = filter_clauses(filter, &mut p);
    clauses.push("e.eff_start IS NOT NULL".into());
    let sql = format!(
        "SELECT substr(e.eff_start, 1, 7) AS month, e.event_type, count(*) FROM events e{}
         GROUP BY 1, 2 ORDER BY 1, 2",
        where_sql(&clauses)
    );
    c.query(&sql, &p.refs())?
        .iter()
        .map(|row| {
            let t: String = col(row, 1)?;
            let event_type = EventType::parse(&t).ok_or_else(|| StoreError::Corrupt {
                what: "events.event_type".into(),
                reason: format!("unknown event type '{t}'"),
            })?;
            Ok(MonthCount {
                month: col(row, 0)?,
                event_type,
                count: to_u64(col(row, 2)?),
            })
        })
        .collect()
}
