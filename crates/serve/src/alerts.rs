//! Alerts: saved searches whose new matching events (stored after the alert's last
//! check, i.e. with a higher id, rejected ones left out) are listed on `/alerts`, shown
//! on `/alerts/{name}`, and served as an Atom feed at `/alerts/{name}/feed.atom`.
//!
//! Access: any signed-in account (viewer and up) reads the alerts and their feeds;
//! editors and admins save searches as alerts, mark alerts as seen and delete them
//! (forms with CSRF tokens). An alert's "seen" mark is shared by everyone. Public
//! read-only mode exposes nothing of alerts: anonymous visitors are sent to sign in.
//!
//! Feed readers cannot sign in with cookies: the feed also accepts an API token, as
//! `Authorization: Bearer TOKEN` or `?token=TOKEN` (on feed URLs only). Feed entries
//! carry no sensitive fields (see [`lantern_export::atom`]).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use lantern_export::atom;
use lantern_store::{Alert, AlertQuery, Role, Store, StoredEvent};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::json;

use crate::app::Shared;
use crate::auth::{token_hash, Access};
use crate::error::{ApiError, AppError};
use crate::filter::{encode, Params};
use crate::layout::{csrf_field, label, page};
use crate::search::event_table;

/// Newest new events listed per alert on `/alerts`.
pub const LIST_NEWEST: usize = 3;
/// New events shown on an alert's page.
pub const PAGE_NEWEST: usize = 200;
/// Entries in an alert's feed.
pub const FEED_ENTRIES: usize = 50;

/// The filter parameters of a saved search (for links to the search page).
pub fn params_of(q: &AlertQuery) -> Params {
    Params {
        q: q.text.clone(),
        event_type: q.event_type.map(|t| t.as_str().to_string()),
        province: q.province.clone(),
        place: q.place.clone(),
        actor: q.actor.map(|a| a.as_str().to_string()),
        outlet: q.outlet.clone(),
        from: q.from.map(|d| d.to_string()),
        to: q.to.map(|d| d.to_string()),
        status: q.review_state.map(|s| s.as_str().to_string()),
        page: None,
    }
}

/// A saved search in words, e.g. `type execution · province Ryanggang`.
pub fn describe(q: &AlertQuery) -> String {
    let p = params_of(q);
    let parts: Vec<String> = [
        "q", "type", "province", "place", "actor", "outlet", "from", "to", "status",
    ]
    .iter()
    .filter_map(|k| {
        let v = p.get(k)?;
        Some(match *k {
            "q" => format!("text “{v}”"),
            _ => format!("{k} {}", label(v)),
        })
    })
    .collect();
    if parts.is_empty() {
        "every event".into()
    } else {
        parts.join(" · ")
    }
}

/// An alert with its new events.
pub struct Summary {
    /// The alert.
    pub alert: Alert,
    /// Number of new events.
    pub new: u64,
    /// The most recently stored new events (highest ids first), at most the number asked.
    pub newest: Vec<StoredEvent>,
    /// Highest id among the new events (the alert's last seen id when none is new).
    pub upto: i64,
}

/// Count an alert's new events and keep the `keep` most recently stored
/// ([`Store::events_after`]: an id-range query in SQLite).
pub fn summarize(store: &dyn Store, alert: Alert, keep: usize) -> lantern_store::Result<Summary> {
    let filter = alert.query.to_filter();
    let (new, mut newest) = store.events_after(&filter, alert.last_event_id, keep.max(1))?;
    let upto = newest.first().map_or(alert.last_event_id, |e| e.id);
    newest.truncate(keep);
    Ok(Summary {
        alert,
        new,
        newest,
        upto,
    })
}

fn find(store: &dyn Store, name: &str) -> Result<Alert, AppError> {
    store
        .alerts()?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| AppError::not_found(format!("alert {name:?}")))
}

fn alert_path(name: &str) -> String {
    format!("/alerts/{}", encode(name))
}

fn can_manage(access: &Access) -> bool {
    access.who.as_ref().is_some_and(|w| w.role >= Role::Editor)
}

/// `/alerts`: every saved search with its number of new events and the newest few.
pub async fn alerts_page(
    State(state): State<Shared>,
    access: Access,
) -> Result<Html<String>, AppError> {
    access.require(Role::Viewer)?;
    let list = state
        .pool
        .run(|store| {
            let mut out = Vec::new();
            for a in store.alerts()? {
                out.push(summarize(store, a, LIST_NEWEST)?);
            }
            Ok(out)
        })
        .await?;
    let body = html! {
        h1 { "Alerts" }
        p { "Saved searches. An event is new when it was stored after the alert was last marked as seen. "
            @if can_manage(&access) {
                "Save a search as an alert from the " a href="/search" { "search page" } "."
            } @else {
                "Editors and admins save, mark and delete alerts; you can read them and follow their feeds."
            }
        }
        @if list.is_empty() { p { "No saved searches yet." } }
        @for s in &list {
            section.alert {
                h2 { a href=(alert_path(&s.alert.name)) { (s.alert.name) } " "
                    span class=(if s.new > 0 { "count new" } else { "count" }) { (s.new) " new" } }
                p { (describe(&s.alert.query)) " · "
                    a href=(params_of(&s.alert.query).url("/search")) { "all matching events" } " · "
                    a href=(format!("{}/feed.atom", alert_path(&s.alert.name))) { "Atom feed" } }
                @if !s.newest.is_empty() { (event_table(&s.newest)) }
            }
        }
    };
    Ok(Html(page("Alerts", &access, body).into_string()))
}

/// The origin to put in absolute links (`http(s)://host`), from the Host header.
fn origin(state: &Shared, headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    {
        return None;
    }
    let scheme = if crate::auth::secure(state, headers) {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}

/// `/alerts/{name}`: the alert's new events, its feed URL and (for editors) the forms.
pub async fn alert_page(
    State(state): State<Shared>,
    access: Access,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Html<String>, AppError> {
    access.require(Role::Viewer)?;
    let s = state
        .pool
        .run(move |store| {
            let a = find(store, &name)?;
            Ok(summarize(store, a, PAGE_NEWEST)?)
        })
        .await?;
    let path = alert_path(&s.alert.name);
    let feed = format!(
        "{}{path}/feed.atom?token=YOUR_API_TOKEN",
        origin(&state, &headers).unwrap_or_default()
    );
    let body = html! {
        h1 { "Alert " (s.alert.name) }
        p { (describe(&s.alert.query)) " · " a href=(params_of(&s.alert.query).url("/search")) { "all matching events" } }
        p { "Saved " (s.alert.created_at) " · last marked as seen "
            (s.alert.checked_at.as_deref().unwrap_or("never")) }
        h2 { "Feed" }
        p { "Follow this alert in a feed reader: " code #feed-url { (feed) } }
        p.hint { "Replace YOUR_API_TOKEN with an API token (admins create them on the admin page; a viewer token is enough). A reader that can send an Authorization: Bearer header can use the URL without the token. Signed in, you can open "
            a href=(format!("{path}/feed.atom")) { "the feed" } " directly." }
        h2 { "New events (" (s.new) ")" }
        @if s.new as usize > s.newest.len() {
            p { "The " (s.newest.len()) " most recently stored are shown." }
        }
        @if s.newest.is_empty() { p { "No new events." } } @else { (event_table(&s.newest)) }
        @if can_manage(&access) {
            @if s.new > 0 {
                form method="post" action=(format!("{path}/seen")) {
                    (csrf_field(&access))
                    input type="hidden" name="upto" value=(s.upto);
                    button type="submit" #mark-seen { "Mark as seen" }
                }
            }
            form method="post" action=(format!("{path}/delete")) {
                (csrf_field(&access))
                button type="submit" #delete-alert data-confirm="Delete this alert for everyone?" { "Delete this alert" }
            }
        }
    };
    Ok(Html(page("Alert", &access, body).into_string()))
}

/// The "save this search as an alert" form.
#[derive(Deserialize)]
pub struct SaveForm {
    csrf: String,
    name: String,
    /// Present (checked) when the events already stored count as seen.
    seen_existing: Option<String>,
    q: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    province: Option<String>,
    place: Option<String>,
    actor: Option<String>,
    outlet: Option<String>,
    from: Option<String>,
    to: Option<String>,
    status: Option<String>,
}

/// `POST /alerts`: save the search's filter under a name (editors). An existing name
/// is refused rather than overwritten.
pub async fn save(
    State(state): State<Shared>,
    access: Access,
    Form(f): Form<SaveForm>,
) -> Result<Response, AppError> {
    access.require_form(Role::Editor, &f.csrf)?;
    let params = Params {
        q: f.q,
        event_type: f.event_type,
        province: f.province,
        place: f.place,
        actor: f.actor,
        outlet: f.outlet,
        from: f.from,
        to: f.to,
        status: f.status,
        page: None,
    };
    let query = AlertQuery::from_filter(&params.filter()?);
    let name = f.name.trim().to_string();
    let seen_existing = f.seen_existing.is_some();
    let saved = state
        .pool
        .run(move |store| {
            if store.alerts()?.iter().any(|a| a.name == name) {
                return Err(AppError::bad_request(format!(
                    "name: an alert named {name:?} exists; pick another name or delete it first"
                )));
            }
            let alert = store.save_alert(&name, &query)?;
            if seen_existing {
                let s = summarize(store, alert.clone(), 0)?;
                store.mark_alert_checked(&alert.name, s.upto)?;
            }
            Ok(alert.name)
        })
        .await?;
    Ok(Redirect::to(&alert_path(&saved)).into_response())
}

/// The "mark as seen" form.
#[derive(Deserialize)]
pub struct SeenForm {
    csrf: String,
    /// Events up to this id were shown and are now seen.
    upto: i64,
}

/// `POST /alerts/{name}/seen` (editors): the events shown are seen; later ones stay new.
pub async fn mark_seen(
    State(state): State<Shared>,
    access: Access,
    Path(name): Path<String>,
    Form(f): Form<SeenForm>,
) -> Result<Response, AppError> {
    access.require_form(Role::Editor, &f.csrf)?;
    let upto = f.upto;
    state
        .pool
        .run(move |store| Ok(store.mark_alert_checked(&name, upto)?))
        .await?;
    Ok(Redirect::to("/alerts").into_response())
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /alerts/{name}/delete` (editors).
pub async fn delete(
    State(state): State<Shared>,
    access: Access,
    Path(name): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    access.require_form(Role::Editor, &f.csrf)?;
    let gone = state
        .pool
        .run(move |store| Ok(store.delete_alert(&name)?))
        .await?;
    if !gone {
        return Err(AppError::not_found("alert"));
    }
    Ok(Redirect::to("/alerts").into_response())
}

/// The feed's query string.
#[derive(Deserialize)]
pub struct FeedQuery {
    token: Option<String>,
}

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, "Bearer"),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        message.to_string(),
    )
        .into_response()
}

/// `/alerts/{name}/feed.atom`: the newest matching events (most recently stored
/// first), with links to their event pages. Signed in, or an API token as
/// `Authorization: Bearer` or `?token=`.
pub async fn feed(
    State(state): State<Shared>,
    access: Access,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, AppError> {
    // Absolute links when the Host header is usable, else links relative to the server.
    let base = origin(&state, &headers).unwrap_or_default();
    let signed_in = access.who.is_some();
    let token = q.token.map(|t| token_hash(t.trim())).filter(|_| !signed_in);
    if !signed_in && token.is_none() {
        return Ok(unauthorized(
            "this feed needs an API token: add ?token=TOKEN or send Authorization: Bearer TOKEN",
        ));
    }
    let out = state
        .pool
        .run(move |store| {
            if let Some(h) = token {
                if store.api_token(&h)?.is_none() {
                    return Ok(None);
                }
            }
            let alert = find(store, &name)?;
            let buf = atom::write_alert_feed(store, &alert, Some(&base), FEED_ENTRIES, Vec::new())
                .map_err(|e| AppError::internal(format!("feed of {name}: {e}")))?;
            Ok(Some(buf))
        })
        .await?;
    let Some(xml) = out else {
        return Ok(unauthorized("the API token is not valid"));
    };
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

/// The "save this search as an alert" form for a filtered view (editors only; empty
/// markup for everyone else).
pub fn save_form(access: &Access, params: &Params) -> Markup {
    if !can_manage(access) {
        return html! {};
    }
    html! {
        form.inline.save-alert method="post" action="/alerts" {
            (csrf_field(access))
            @for key in ["q", "type", "province", "place", "actor", "outlet", "from", "to", "status"] {
                @if let Some(v) = params.get(key) {
                    input type="hidden" name=(key) value=(v);
                }
            }
            label { "Save this search as an alert named "
                input type="text" name="name" required maxlength="100" pattern="[\\p{L}\\p{N}._\\-]+" placeholder="executions-yanggang"; }
            " "
            label { input type="checkbox" name="seen_existing" value="1" checked; " only events stored from now on are new" }
            " "
            button type="submit" #save-alert { "Save alert" }
        }
    }
}

/// `GET /api/v1/alerts`: saved searches with their number of new events and the ids of
/// the newest few (viewers and up; not in public mode).
pub async fn api_list(
    State(state): State<Shared>,
    access: Access,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    if access.who.is_none() {
        return Err(AppError {
            status: StatusCode::UNAUTHORIZED,
            message: "sign in or send Authorization: Bearer TOKEN".into(),
        }
        .into());
    }
    let list = state
        .pool
        .run(|store| {
            let mut out = Vec::new();
            for a in store.alerts()? {
                let s = summarize(store, a, LIST_NEWEST)?;
                out.push(json!({
                    "name": s.alert.name,
                    "query": s.alert.query,
                    "created_at": s.alert.created_at,
                    "checked_at": s.alert.checked_at,
                    "last_event_id": s.alert.last_event_id,
                    "new": s.new,
                    "newest": s.newest.iter().map(|e| e.id).collect::<Vec<_>>(),
                    "feed": format!("{}/feed.atom", alert_path(&s.alert.name)),
                }));
            }
            Ok(out)
        })
        .await?;
    Ok(axum::Json(json!({ "alerts": list })))
}
