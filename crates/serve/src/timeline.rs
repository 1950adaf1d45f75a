//! The timeline: events per month, stacked by type, for the current filter, drawn on the
//! server as SVG. Each bar segment links to the search narrowed to its month and type.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use lantern_extract::EventType;
use lantern_store::MonthCount;
use maud::{html, Markup, PreEscaped};

use crate::app::Shared;
use crate::auth::Access;
use crate::error::AppError;
use crate::filter::Params;
use crate::layout::{label, page};
use crate::search::filter_form;

/// Colour of each event type, in `EventType::ALL` order.
pub const COLOURS: [&str; 15] = [
    "#4e79a7", "#a0cbe8", "#f28e2b", "#e15759", "#b07aa1", "#7f3c8d", "#9c755f", "#59a14f",
    "#8cd17d", "#76b7b2", "#ff9d9a", "#edc948", "#bab0ac", "#d37295", "#1f5f5b",
];

/// The colour of an event type.
pub fn colour(t: EventType) -> &'static str {
    let i = EventType::ALL.iter().position(|x| *x == t).unwrap_or(0);
    COLOURS[i % COLOURS.len()]
}

const W: f64 = 960.0;
const H: f64 = 320.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 36.0;
const TOP: f64 = 12.0;

fn month_start(m: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()
}

fn next_month(d: NaiveDate) -> Option<NaiveDate> {
    if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    }
}

/// Each part with the total of the parts below it.
fn stack(parts: &[(EventType, u64)]) -> Vec<(EventType, u64, u64)> {
    let mut below = 0;
    parts
        .iter()
        .map(|(t, n)| {
            let out = (*t, *n, below);
            below += n;
            out
        })
        .collect()
}

/// Most months drawn; older ones are left out (and said so).
const MAX_MONTHS: usize = 240;

/// The chart as an SVG element.
pub fn svg(params: &Params, counts: &[MonthCount]) -> Markup {
    let mut by_month: BTreeMap<NaiveDate, Vec<(EventType, u64)>> = BTreeMap::new();
    for c in counts {
        if let Some(d) = month_start(&c.month) {
            by_month.entry(d).or_default().push((c.event_type, c.count));
        }
    }
    // Every month between the first and the last, so gaps show.
    let mut months: Vec<NaiveDate> = Vec::new();
    if let (Some(first), Some(last)) = (by_month.keys().next(), by_month.keys().next_back()) {
        let mut d = *first;
        while d <= *last && months.len() < 10_000 {
            months.push(d);
            match next_month(d) {
                Some(n) => d = n,
                None => break,
            }
        }
    }
    let skipped = months.len().saturating_sub(MAX_MONTHS);
    let months = &months[skipped..];
    let max = months
        .iter()
        .map(|m| {
            by_month
                .get(m)
                .map_or(0, |v| v.iter().map(|(_, n)| n).sum::<u64>())
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let slot = if months.is_empty() {
        plot_w
    } else {
        plot_w / months.len() as f64
    };
    let bar_w = (slot * 0.85).clamp(1.0, 40.0);
    let y = |n: u64| TOP + plot_h - plot_h * n as f64 / max as f64;
    let label_every = (months.len() / 12).max(1);
    let ticks: Vec<u64> = {
        let step = (max as f64 / 4.0).ceil().max(1.0) as u64;
        (0..=4).map(|i| i * step).filter(|v| *v <= max).collect()
    };
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {W} {H}")) width=(W) height=(H) role="img" aria-label="Events per month by type" {
            @if months.is_empty() {
                text x=(W / 2.0) y=(H / 2.0) text-anchor="middle" fill="#666" { "No dated event matches." }
            }
            @for t in &ticks {
                line x1=(LEFT) x2=(W - 8.0) y1=(y(*t)) y2=(y(*t)) stroke="#eee" {}
                text x=(LEFT - 6.0) y=(y(*t) + 4.0) text-anchor="end" font-size="11" fill="#666" { (t) }
            }
            @for (i, m) in months.iter().enumerate() {
                @let x = LEFT + i as f64 * slot + (slot - bar_w) / 2.0;
                @let end = next_month(*m).and_then(|n| n.pred_opt()).unwrap_or(*m);
                @if let Some(parts) = by_month.get(m) {
                    @for (t, n, below) in stack(parts) {
                        @let y0 = y(below + n);
                        @let h = y(below) - y0;
                        @let href = params
                            .with("type", Some(t.as_str()))
                            .with("from", Some(&m.to_string()))
                            .with("to", Some(&end.to_string()))
                            .url("/search");
                        a href=(href) {
                            rect x=(format!("{x:.1}")) y=(format!("{y0:.1}")) width=(format!("{bar_w:.1}")) height=(format!("{h:.1}")) fill=(colour(t)) {
                                title { (m.format("%Y-%m")) ": " (n) " " (label(t.as_str())) }
                            }
                        }
                    }
                }
                @if i % label_every == 0 {
                    text x=(format!("{:.1}", x + bar_w / 2.0)) y=(H - BOTTOM + 14.0) text-anchor="middle" font-size="10" fill="#444" { (m.format("%Y-%m")) }
                }
            }
            line x1=(LEFT) x2=(W - 8.0) y1=(TOP + plot_h) y2=(TOP + plot_h) stroke="#999" {}
            @if skipped > 0 {
                text x=(LEFT) y=(H - 4.0) font-size="10" fill="#a00" { (skipped) " earlier months not drawn; narrow the dates to see them" }
            }
        }
    }
}

/// The month counts of a filter (cached).
pub async fn counts(state: &Shared, params: &Params) -> Result<Vec<MonthCount>, AppError> {
    let filter = params.filter()?;
    let cache = state.counts.clone();
    state
        .pool
        .run(move |store| {
            let version = store.data_version()?;
            Ok(cache.month_counts(store, version, &filter)?)
        })
        .await
}

/// `/timeline`.
pub async fn timeline_page(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
) -> Result<Html<String>, AppError> {
    access.read()?;
    let counts = counts(&state, &params).await?;
    let total: u64 = counts.iter().map(|c| c.count).sum();
    let types: Vec<EventType> = EventType::ALL
        .into_iter()
        .filter(|t| counts.iter().any(|c| c.event_type == *t))
        .collect();
    let body = html! {
        h1 { "Timeline" }
        (filter_form(&params, "/timeline"))
        p { (total) " dated events; click a bar to list its events. "
            a href=(params.url("/search")) { "List all matching events" } " · " a href=(params.url("/map")) { "Map" } }
        div.chart #timeline { (svg(&params, &counts)) }
        (crate::export::links(&access, &params))
        p.legend {
            @for t in types {
                span { i class=(format!("t-{}", t.as_str())) {} a href=(params.with("type", Some(t.as_str())).url("/timeline")) { (label(t.as_str())) } }
            }
        }
    };
    Ok(Html(page("Timeline", &access, body).into_string()))
}

/// `/timeline.svg`: the chart alone.
pub async fn timeline_svg(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    access.read()?;
    let counts = counts(&state, &params).await?;
    let s = svg(&params, &counts).into_string();
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], PreEscaped(s).0).into_response())
}
