//! The map: North Korea and its borders with China and Russia (Natural Earth outlines,
//! compiled in), provinces labelled from the gazetteer, and the current filter's events
//! as dots sized by count at their places; approximate places are drawn as hollow
//! dashed rings. Each dot links to the list of its events.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use lantern_extract::gazetteer::Gazetteer;
use lantern_extract::Level;
use lantern_store::{Facet, FacetCount};
use maud::{html, Markup};

use crate::app::Shared;
use crate::auth::Access;
use crate::error::AppError;
use crate::filter::Params;
use crate::layout::page;
use crate::search::filter_form;

/// Outlines derived by `scripts/map/build.py` from Natural Earth (via world-atlas).
const BORDERS: &str = include_str!("../data/borders.tsv");

/// The view, in degrees.
const LON_MIN: f64 = 123.3;
const LON_MAX: f64 = 131.2;
const LAT_MIN: f64 = 37.3;
const LAT_MAX: f64 = 43.4;
/// Pixels per degree of latitude.
const SCALE: f64 = 110.0;
/// Most places drawn.
const MAX_PLACES: usize = 2000;

fn kx() -> f64 {
    SCALE * (40.0f64).to_radians().cos()
}

fn width() -> f64 {
    (LON_MAX - LON_MIN) * kx()
}

fn height() -> f64 {
    (LAT_MAX - LAT_MIN) * SCALE
}

/// Project lon/lat to SVG pixels (equirectangular, scaled for 40°N).
fn project(lon: f64, lat: f64) -> (f64, f64) {
    ((lon - LON_MIN) * kx(), (LAT_MAX - lat) * SCALE)
}

fn in_view(lon: f64, lat: f64) -> bool {
    (LON_MIN..=LON_MAX).contains(&lon) && (LAT_MIN..=LAT_MAX).contains(&lat)
}

/// The outlines as (country code, SVG path data).
fn outlines() -> &'static [(String, String)] {
    static P: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        BORDERS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (code, pts) = l.split_once('\t')?;
                let mut d = String::new();
                for (i, p) in pts.split(' ').enumerate() {
                    let (lon, lat) = p.split_once(',')?;
                    let (x, y) = project(lon.parse().ok()?, lat.parse().ok()?);
                    d.push_str(&format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }));
                }
                d.push('Z');
                Some((code.to_string(), d))
            })
            .collect()
    })
}

/// A dot: place, where, how many events, approximate or not.
struct Dot<'a> {
    count: &'a FacetCount,
    x: f64,
    y: f64,
    approximate: bool,
}

/// The map as an SVG element.
pub fn svg(params: &Params, places: &[FacetCount]) -> Markup {
    let g = Gazetteer::get();
    let (w, h) = (width(), height());
    let mut dots: Vec<Dot> = places
        .iter()
        .filter_map(|c| {
            let p = g.place(g.by_id(&c.value)?);
            in_view(p.lon, p.lat).then(|| {
                let (x, y) = project(p.lon, p.lat);
                Dot {
                    count: c,
                    x,
                    y,
                    approximate: p.approximate,
                }
            })
        })
        .collect();
    // Big dots first, so small ones stay clickable on top.
    dots.sort_by_key(|d| std::cmp::Reverse(d.count.count));
    let provinces = g
        .places
        .iter()
        .filter(|p| p.level == Level::Province && p.country == "KP" && in_view(p.lon, p.lat));
    let radius = |n: u64| (3.0 + 2.5 * (n as f64).sqrt()).min(28.0);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {w:.0} {h:.0}")) width=(format!("{w:.0}")) height=(format!("{h:.0}")) role="img" aria-label="Map of events" {
            rect x="0" y="0" width=(format!("{w:.0}")) height=(format!("{h:.0}")) fill="#dfeaf3" {}
            @for (code, d) in outlines() {
                @if code == "KP" {
                    path d=(d) fill="#f6f1e7" stroke="#333" stroke-width="1.4" {}
                } @else {
                    path d=(d) fill="#e6e6e6" stroke="#999" stroke-width="0.8" {}
                }
            }
            @for (name, lon, lat) in [("CHINA", 125.2, 42.6), ("RUSSIA", 130.75, 43.15), ("SOUTH KOREA", 128.3, 37.45)] {
                @let (x, y) = project(lon, lat);
                text x=(format!("{x:.0}")) y=(format!("{y:.0}")) font-size="13" fill="#888" letter-spacing="2" text-anchor="middle" { (name) }
            }
            @for p in provinces {
                @let (x, y) = project(p.lon, p.lat);
                text x=(format!("{x:.0}")) y=(format!("{:.0}", y + 16.0)) font-size="11" fill="#6b5a3a" text-anchor="middle" { (p.name) }
            }
            @for d in &dots {
                @let r = radius(d.count.count);
                @let href = params.with("place", Some(&d.count.value)).url("/search");
                a href=(href) class="dot" {
                    @if d.approximate {
                        circle cx=(format!("{:.1}", d.x)) cy=(format!("{:.1}", d.y)) r=(format!("{r:.1}")) fill="#c0392b" fill-opacity="0.12" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="3 2" {
                            title { (d.count.label) ": " (d.count.count) " events (approximate location)" }
                        }
                    } @else {
                        circle cx=(format!("{:.1}", d.x)) cy=(format!("{:.1}", d.y)) r=(format!("{r:.1}")) fill="#c0392b" fill-opacity="0.6" stroke="#7b241c" stroke-width="1" {
                            title { (d.count.label) ": " (d.count.count) " events" }
                        }
                    }
                }
            }
            text x="6" y=(format!("{:.0}", h - 6.0)) font-size="9" fill="#666" { "Outlines: Natural Earth (public domain) via world-atlas. Places: GeoNames (CC BY 4.0)." }
        }
    }
}

/// The place counts of a filter (cached).
pub async fn places(state: &Shared, params: &Params) -> Result<Vec<FacetCount>, AppError> {
    let filter = params.filter()?;
    let cache = state.counts.clone();
    state
        .pool
        .run(move |store| {
            let version = store.data_version()?;
            Ok(cache.facet_counts(store, version, &filter, Facet::Place, MAX_PLACES)?)
        })
        .await
}

/// `/map`.
pub async fn map_page(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
) -> Result<Html<String>, AppError> {
    access.read()?;
    let places = places(&state, &params).await?;
    let g = Gazetteer::get();
    let body = html! {
        h1 { "Map" }
        (filter_form(&params, "/map"))
        p { "Dots are sized by the number of events at a place; hollow dashed rings are places known only approximately. Click a dot to list its events. "
            a href=(params.url("/timeline")) { "Timeline" } }
        div.map #map { (svg(&params, &places)) }
        (crate::export::links(&access, &params))
        h2 { "Places" }
        table {
            thead { tr { th { "Place" } th { "Province" } th { "Events" } } }
            tbody {
                @for c in places.iter().take(50) {
                    @let p = g.by_id(&c.value).map(|i| g.place(i));
                    tr {
                        td { a href=(params.with("place", Some(&c.value)).url("/search")) { (c.label) } @if p.is_some_and(|p| p.approximate) { " (approx.)" } }
                        td { (p.map(|p| p.admin1.as_str()).unwrap_or("")) }
                        td { (c.count) }
                    }
                }
            }
        }
    };
    Ok(Html(page("Map", &access, body).into_string()))
}

/// `/map.svg`: the map alone.
pub async fn map_svg(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    access.read()?;
    let places = places(&state, &params).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml")],
        svg(&params, &places).into_string(),
    )
        .into_response())
}
