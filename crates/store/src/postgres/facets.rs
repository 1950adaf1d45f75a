//! Counting events by facet and by month in PostgreSQL (same results as SQLite's).

use lantern_extract::EventType;
use postgres::Client;

use super::{col, query_filtered, read_clauses, where_sql, Params};
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
    let (mut clauses, _) = read_clauses(c, filter, &mut p)?;
    // `from` bounds only `eff_end`, which no index orders: bound `eff_start` too, as the
    // listing does (without it a month filter walks every event before its end).
    if let Some(lo) = super::counts::earliest_start(c, filter)? {
        clauses.push(format!("e.eff_start >= {}", p.add(lo)));
    }
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
            // One row per event and place (or province): the `_first` rows.
            Facet::Place => {
                "SELECT place_id, max(name), count(*) FROM event_places WHERE place_first
                 GROUP BY 1 ORDER BY 3 DESC, lower(place_id), 1"
            }
            Facet::Province => {
                "SELECT admin1, admin1, count(*) FROM event_places WHERE admin1_first
                 GROUP BY 1 ORDER BY 3 DESC, lower(admin1), 1"
            }
            Facet::Outlet => {
                "SELECT report_outlet, report_outlet, count(*) FROM events
                 WHERE report_outlet IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 1"
            }
        }
        .to_string()
    } else {
        let w = |extra: Option<&str>| {
            let mut all = clauses.clone();
            all.extend(extra.map(String::from));
            where_sql(&all)
        };
        filtered_sql(facet, "events e", &w)
    };
    let sql = format!("{sql} LIMIT {}", p.add(to_i64(limit)));
    query_filtered(c, filter, &sql, &p)?
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

/// The SQL of a facet's counts over the events of `src` (`events e`, or a set of them
/// named `e` with the columns the facets read), `w` the ` WHERE` text of the filter
/// plus an extra condition; without its `LIMIT`.
fn filtered_sql(facet: Facet, src: &str, w: &dyn Fn(Option<&str>) -> String) -> String {
    match facet {
        Facet::EventType | Facet::ReviewState => {
            let c = if facet == Facet::EventType {
                "e.event_type"
            } else {
                "e.review_state"
            };
            format!(
                "SELECT {c}, {c}, count(*) FROM {src}{} GROUP BY 1 ORDER BY 3 DESC, 1",
                w(None)
            )
        }
        // One row per (event, actor): the link table's key.
        Facet::Actor => format!(
            "SELECT fa.actor, fa.actor, count(*) FROM {src}
             JOIN event_actors fa ON fa.event_id = e.id{} GROUP BY 1 ORDER BY 3 DESC, 1",
            w(None)
        ),
        Facet::Place => format!(
            "SELECT fp.place_id, max(fp.name), count(*) FROM {src}
             JOIN event_places fp ON fp.event_id = e.id AND fp.place_first{}
             GROUP BY 1 ORDER BY 3 DESC, lower(fp.place_id), 1",
            w(None)
        ),
        Facet::Province => format!(
            "SELECT fp.admin1, fp.admin1, count(*) FROM {src}
             JOIN event_places fp ON fp.event_id = e.id AND fp.admin1_first{}
             GROUP BY 1 ORDER BY 3 DESC, lower(fp.admin1), 1",
            w(None)
        ),
        Facet::Outlet => format!(
            "SELECT e.report_outlet, e.report_outlet, count(*) FROM {src}{}
             GROUP BY 1 ORDER BY 3 DESC, 1",
            w(Some("e.report_outlet IS NOT NULL"))
        ),
    }
}

/// [`facet_counts`] of several facets under one filter (with at least one condition),
/// in one statement: the filter's events are found once (`ev`, materialized: the
/// type's events of the date window, each tested against the province, place or
/// actor) and every facet groups those. Asked one by one, each facet walked the same
/// events again (type × province × month at 100k reports: four walks of about 4,000
/// events, 25–30 ms each; BENCHMARKS.md, pgq7).
pub(super) fn facet_counts_shared(
    c: &mut Client,
    filter: &EventFilter,
    facets: &[Facet],
    limit: usize,
) -> Result<Vec<Vec<FacetCount>>> {
    let mut p = Params::default();
    let (mut clauses, _) = read_clauses(c, filter, &mut p)?;
    if let Some(lo) = super::counts::earliest_start(c, filter)? {
        clauses.push(format!("e.eff_start >= {}", p.add(lo)));
    }
    let lim = p.add(to_i64(limit));
    let parts: Vec<String> = facets
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            let w = |extra: Option<&str>| extra.map_or(String::new(), |x| format!(" WHERE {x}"));
            // `r`: the facet's own order (a window over the sorted rows), kept through
            // the union.
            format!(
                "SELECT {i} AS k, row_number() OVER () AS r, f{i}.*
                 FROM ({} LIMIT {lim}) f{i}",
                filtered_sql(f, "ev e", &w)
            )
        })
        .collect();
    let sql = format!(
        "WITH ev AS MATERIALIZED (
             SELECT e.id, e.event_type, e.review_state, e.report_outlet FROM events e{})
         SELECT * FROM ({}) u ORDER BY k, r",
        where_sql(&clauses),
        parts.join(" UNION ALL ")
    );
    let mut out: Vec<Vec<FacetCount>> = vec![Vec::new(); facets.len()];
    for row in query_filtered(c, filter, &sql, &p)? {
        let k: i32 = col(&row, 0)?;
        let slot = usize::try_from(k)
            .ok()
            .and_then(|k| out.get_mut(k))
            .ok_or_else(|| StoreError::Corrupt {
                what: "facet counts".into(),
                reason: format!("unknown facet number {k}"),
            })?;
        slot.push(FacetCount {
            value: col(&row, 2)?,
            label: col(&row, 3)?,
            count: to_u64(col(&row, 4)?),
        });
    }
    Ok(out)
}

pub(super) fn month_counts(c: &mut Client, filter: &EventFilter) -> Result<Vec<MonthCount>> {
    let mut p = Params::default();
    let (mut clauses, _) = read_clauses(c, filter, &mut p)?;
    if let Some(lo) = super::counts::earliest_start(c, filter)? {
        clauses.push(format!("e.eff_start >= {}", p.add(lo)));
    }
    clauses.push("e.eff_start IS NOT NULL".into());
    let sql = format!(
        "SELECT substr(e.eff_start, 1, 7) AS month, e.event_type, count(*) FROM events e{}
         GROUP BY 1, 2 ORDER BY 1, 2",
        where_sql(&clauses)
    );
    query_filtered(c, filter, &sql, &p)?
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
