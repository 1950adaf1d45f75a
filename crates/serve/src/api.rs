//! The JSON API under `/api/v1`: the same filters as the pages, token auth
//! (`Authorization: Bearer TOKEN`) or the session cookie, and an OpenAPI document.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use lantern_store::{EventFilter, Facet, Role, SearchCount, StoredEvent};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::Shared;
use crate::auth::{same, Access};
use crate::error::{ApiError, AppError};
use crate::filter::Params;
use crate::search::{BROAD_TEXT_REPORTS, COUNT_CAP, RANK_CANDIDATES};

/// Largest page size.
const MAX_PER_PAGE: usize = 500;

/// The API routes (nested under `/api/v1`).
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/events", get(events))
        .route("/events/{id}", get(event))
        .route("/events/{id}/review", post(review))
        .route("/reports/{id}", get(report))
        .route("/search", get(search))
        .route("/facets", get(facets))
        .route("/timeline", get(timeline))
        .route("/export", get(crate::export::api))
        .route("/alerts", get(crate::alerts::api_list))
        .merge(crate::incidents::api_routes())
}

const OPENAPI: &str = include_str!("../assets/openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

pub(crate) fn read(access: &Access) -> Result<(), ApiError> {
    access.read().map_err(|_| {
        ApiError(AppError {
            status: axum::http::StatusCode::UNAUTHORIZED,
            message: "sign in or send Authorization: Bearer TOKEN".into(),
        })
    })
}

/// An event for output: attribution dropped when sensitive fields are hidden.
fn visible(mut e: StoredEvent, sensitive: bool) -> StoredEvent {
    if !sensitive {
        e.event.attribution = None;
    }
    e
}

/// Paging and counting parameters of `/events`.
#[derive(Deserialize, Default)]
struct Paging {
    per_page: Option<usize>,
    /// `exact`: count the events even for a broad text query.
    count: Option<String>,
}

async fn events(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(paging): Query<Paging>,
) -> Result<Json<Value>, ApiError> {
    read(&access)?;
    let filter = params.filter()?;
    let page = params.page()?;
    let per_page = paging.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
    let exact = exact_count(paging.count.as_deref())?;
    let sensitive = access.sensitive();
    let cache = state.counts.clone();
    let (total, hit_total, list) = state
        .pool
        .run(move |store| {
            let version = store.data_version()?;
            // As on the search page: a broad text query's events are listed, not
            // counted, unless the client asks for the exact count.
            let hit_total = match &filter.text {
                Some(q) => Some(cache.count_search_upto(store, version, q, COUNT_CAP)?),
                None => None,
            };
            let broad = !exact && hit_total.is_some_and(|n| n.more_than(BROAD_TEXT_REPORTS));
            let total = if broad {
                None
            } else {
                Some(cache.count_events(store, version, &filter)?)
            };
            let list = store.events(&EventFilter {
                limit: Some(per_page),
                offset: (page - 1) * per_page,
                ..filter
            })?;
            Ok((total, hit_total, list))
        })
        .await?;
    let list: Vec<StoredEvent> = list.into_iter().map(|e| visible(e, sensitive)).collect();
    let mut v = json!({
        "total": total, "counted": total.is_some(), "page": page, "per_page": per_page,
        "events": list,
    });
    if let Some(n) = hit_total {
        put_report_count(&mut v, "matching_reports", &n);
    }
    Ok(Json(v))
}

async fn event(
    State(state): State<Shared>,
    access: Access,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    read(&access)?;
    let sensitive = access.sensitive();
    let (e, audit) = state
        .pool
        .run(move |store| {
            let e = store
                .event(id)?
                .ok_or_else(|| AppError::not_found(format!("event {id}")))?;
            let audit = if sensitive {
                store.audit_log(Some(id))?
            } else {
                Vec::new()
            };
            Ok((e, audit))
        })
        .await?;
    let mut v = serde_json::to_value(visible(e, sensitive))
        .map_err(|e| AppError::internal(e.to_string()))?;
    if sensitive {
        v["audit"] = serde_json::to_value(audit).map_err(|e| AppError::internal(e.to_string()))?;
    }
    Ok(Json(v))
}

/// A review through the API.
#[derive(Deserialize)]
struct ReviewBody {
    action: String,
    note: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    places: Option<Vec<String>>,
    actors: Option<Vec<String>>,
    start: Option<String>,
    end: Option<String>,
}

async fn review(
    State(state): State<Shared>,
    access: Access,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<ReviewBody>,
) -> Result<Json<StoredEvent>, ApiError> {
    read(&access)?;
    let who = access.require(Role::Editor)?;
    // A browser session must prove the request is its own; tokens need no CSRF token.
    if !who.csrf.is_empty() {
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !same(sent, &who.csrf) {
            return Err(AppError::forbidden("x-csrf-token header missing or wrong").into());
        }
    }
    let mut fields = vec![("action".to_string(), body.action)];
    if let Some(n) = body.note {
        fields.push(("note".into(), n));
    }
    if let Some(t) = body.event_type {
        fields.push(("type".into(), t));
    }
    if let Some(p) = body.places {
        fields.push(("places".into(), p.join(",")));
    }
    match body.actors {
        Some(list) => fields.extend(list.into_iter().map(|a| ("actor".to_string(), a))),
        None => {
            // Keep the actors when the edit does not name them.
            let old = state.pool.run(move |s| Ok(s.event(id)?)).await?;
            if let Some(old) = old {
                fields.extend(
                    old.event
                        .actors
                        .iter()
                        .map(|a| ("actor".to_string(), a.as_str().to_string())),
                );
            }
        }
    }
    if let Some(s) = body.start {
        fields.push(("start".into(), s));
    }
    if let Some(e) = body.end {
        fields.push(("end".into(), e));
    }
    let updated = crate::event::apply_review(&state, id, who.name.clone(), fields).await?;
    Ok(Json(updated))
}

async fn report(
    State(state): State<Shared>,
    access: Access,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    read(&access)?;
    let sensitive = access.sensitive();
    let (r, events) = state
        .pool
        .run(move |store| {
            let r = store
                .report(&id)?
                .ok_or_else(|| AppError::not_found(format!("report {id}")))?;
            let events = store.report_events(&r.id)?;
            Ok((r, events))
        })
        .await?;
    let events: Vec<StoredEvent> = events.into_iter().map(|e| visible(e, sensitive)).collect();
    let mut v = json!({
        "id": r.id, "original_sha256": r.original_sha256, "title": r.title, "outlet": r.outlet,
        "url": r.url, "published": r.published, "language": r.language, "body": r.body,
        "removed": r.removed, "format": r.format, "item": r.item, "captured_at": r.captured_at,
        "events": events,
    });
    if sensitive {
        v["source_path"] = json!(r.source_path);
        v["text"] = json!(r.text);
    }
    Ok(Json(v))
}

/// A count of matching reports as JSON: `KEY` is the number when counted exactly, else
/// null with `KEY_more_than` (the cap: more than this many match) and, when there is
/// one, `KEY_estimate` (an estimate, not a count).
fn put_report_count(v: &mut Value, key: &str, n: &SearchCount) {
    if n.exact {
        v[key] = json!(n.count);
    } else {
        v[key] = Value::Null;
        v[format!("{key}_more_than")] = json!(n.count);
        if let Some(e) = n.estimate {
            v[format!("{key}_estimate")] = json!(e);
        }
    }
}

/// `/search` parameters.
#[derive(Deserialize)]
struct SearchQuery {
    q: String,
    limit: Option<usize>,
    offset: Option<usize>,
    /// `exact`: count every matching report (else counted up to [`COUNT_CAP`]).
    count: Option<String>,
}

async fn search(
    State(state): State<Shared>,
    access: Access,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    read(&access)?;
    if q.q.len() > 500 {
        return Err(AppError::bad_request("q: longer than 500 bytes").into());
    }
    let limit = q.limit.unwrap_or(20).clamp(1, MAX_PER_PAGE);
    let offset = q.offset.unwrap_or(0).min(100_000);
    let exact = exact_count(q.count.as_deref())?;
    let (total, ranked) = state
        .pool
        .run(move |store| {
            let total = if exact {
                SearchCount::exact(store.count_search(&q.q)?)
            } else {
                store.count_search_upto(&q.q, COUNT_CAP)?
            };
            Ok((
                total,
                store.search_bounded(&q.q, limit, offset, RANK_CANDIDATES)?,
            ))
        })
        .await?;
    let mut v = json!({
        "counted": total.exact, "ranked_among": ranked.ranked_among, "hits": ranked.hits,
    });
    put_report_count(&mut v, "total", &total);
    Ok(Json(v))
}

fn facet_name(f: Facet) -> &'static str {
    Params::facet_key(f)
}

async fn facets(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    read(&access)?;
    params.filter()?;
    let cache = state.counts.clone();
    let out = state
        .pool
        .run(move |store| {
            let version = store.data_version()?;
            let mut asks = Vec::new();
            for f in Facet::ALL {
                asks.push((params.with(Params::facet_key(f), None).filter()?, f));
            }
            let counted = cache.facet_counts_each(store, version, &asks, 50)?;
            let mut out = serde_json::Map::new();
            for (f, counts) in Facet::ALL.into_iter().zip(counted) {
                out.insert(
                    facet_name(f).to_string(),
                    serde_json::to_value(counts).map_err(|e| AppError::internal(e.to_string()))?,
                );
            }
            Ok(out)
        })
        .await?;
    Ok(Json(Value::Object(out)))
}

async fn timeline(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    read(&access)?;
    let filter = params.filter()?;
    let cache = state.counts.clone();
    let months = state
        .pool
        .run(move |store| {
            let version = store.data_version()?;
            Ok(cache.month_counts(store, version, &filter)?)
        })
        .await?;
    Ok(Json(json!({ "months": months })))
}

/// The `count` parameter: absent (totals past the cap are estimates) or `exact`.
fn exact_count(mode: Option<&str>) -> Result<bool, AppError> {
    match mode {
        None => Ok(false),
        Some("exact") => Ok(true),
        Some(other) => Err(AppError::bad_request(format!(
            "count: '{other}' is not a counting mode (only 'exact')"
        ))),
    }
}
