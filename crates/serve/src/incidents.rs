//! Incidents: one happening reported many times. The list (with the search filters,
//! corroboration and disagreement flags), the detail page (events with their evidence
//! links, reports, copies, disagreements, analyst decisions), the editors' merge and
//! split forms, a recompute button, the JSON API under `/api/v1/incidents`, and the
//! per-incident counts the timeline and the map draw with `per=incident`.
//!
//! A merge or split is stored as a pin by stable event keys (see
//! `lantern_store::incidents`), written to the audit log, and takes effect at once: the
//! handler regroups the incidents concerned (`regroup`) before answering; the next full
//! recomputation (after a write, or the recompute button) replays the pin everywhere.

use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use lantern_extract::gazetteer::Gazetteer;
use lantern_store::incidents::{recompute, regroup, stale};
use lantern_store::{
    FacetCount, IncidentFilter, IncidentPin, IncidentState, IncidentSummary, MonthCount,
    NewIncidentPin, PinKind, Role, Store, StoredEvent,
};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::Shared;
use crate::auth::{same, Access};
use crate::error::{ApiError, AppError};
use crate::filter::{Params, PAGE_SIZE};
use crate::layout::{csrf_field, label, page};
use crate::search::{event_table, filter_form};

/// Largest note kept with a decision.
const MAX_NOTE: usize = 4000;
/// Most incidents one merge may join.
const MAX_MERGE: usize = 50;
/// Largest API page.
const MAX_PER_PAGE: usize = 500;

/// The web routes (merged into the app's router).
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/incidents", get(list_page))
        .route("/incidents/merge", post(merge_form))
        .route("/incidents/recompute", post(recompute_form))
        .route("/incidents/{id}", get(detail_page))
        .route("/incidents/{id}/split", post(split_form))
}

/// The API routes (merged into `/api/v1`).
pub fn api_routes() -> Router<Shared> {
    Router::new()
        .route("/incidents", get(api_list))
        .route("/incidents/merge", post(api_merge))
        .route("/incidents/{id}", get(api_detail))
        .route("/incidents/{id}/split", post(api_split))
}

/// Incident-only parameters of the list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    /// Only incidents with at least this many reports.
    pub min_reports: Option<u32>,
    /// `1`: only incidents whose reports disagree.
    pub disagree: Option<String>,
    /// API page size.
    pub per_page: Option<usize>,
}

impl ListParams {
    fn disagree(&self) -> bool {
        matches!(
            self.disagree.as_deref(),
            Some("1") | Some("true") | Some("on")
        )
    }
}

/// The incident filter of the URL parameters: the event filters select incidents with
/// a matching event; `outlets` is the least corroboration.
pub fn incident_filter(params: &Params, extra: &ListParams) -> Result<IncidentFilter, AppError> {
    let mut events = params.filter()?;
    let min_outlets = events.min_outlets.take();
    events.skip_copies = false;
    Ok(IncidentFilter {
        events,
        min_outlets,
        min_reports: extra.min_reports,
        disagreements: extra.disagree(),
        limit: None,
        offset: 0,
    })
}

fn place_name(id: &str) -> String {
    let g = Gazetteer::get();
    g.by_id(id)
        .map(|i| g.place(i).name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn date_window(i: &IncidentSummary) -> String {
    match (i.date_start, i.date_end) {
        (Some(s), Some(e)) if s == e => s.to_string(),
        (Some(s), Some(e)) => format!("{s} – {e}"),
        _ => "undated".into(),
    }
}

fn types_text(i: &IncidentSummary) -> String {
    i.types
        .iter()
        .map(|t| label(t.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn places_text(i: &IncidentSummary) -> String {
    i.places
        .iter()
        .map(|p| place_name(p))
        .collect::<Vec<_>>()
        .join(", ")
}

fn can_edit(access: &Access) -> bool {
    access.who.as_ref().is_some_and(|w| w.role >= Role::Editor)
}

// ---- Decisions (shared by the forms and the API).

fn note_of(note: Option<String>) -> Result<Option<String>, AppError> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.len() > MAX_NOTE) {
        return Err(AppError::bad_request(format!(
            "note: longer than {MAX_NOTE} bytes"
        )));
    }
    Ok(note)
}

/// Merge incidents into one: pin their events together, log it, recompute. Returns the
/// id of the merged incident.
pub fn merge(
    store: &mut dyn Store,
    who: &str,
    ids: &[String],
    note: Option<String>,
) -> Result<String, AppError> {
    let mut ids: Vec<String> = ids.iter().map(|s| s.trim().to_string()).collect();
    ids.retain(|s| !s.is_empty());
    ids.sort();
    ids.dedup();
    if ids.len() < 2 {
        return Err(AppError::bad_request(
            "incidents: choose at least two incidents to merge",
        ));
    }
    if ids.len() > MAX_MERGE {
        return Err(AppError::bad_request(format!(
            "incidents: at most {MAX_MERGE} at once"
        )));
    }
    let note = note_of(note)?;
    let mut keys = Vec::new();
    let mut first_event = None;
    for id in &ids {
        let d = store
            .incident(id)?
            .ok_or_else(|| AppError::not_found(format!("incident {id}")))?;
        // The audit log files the merge under the merged incident's first event.
        first_event = d.events.iter().map(|e| e.event_id).chain(first_event).min();
        keys.extend(d.events.into_iter().map(|e| e.key));
    }
    let audit_event_id =
        first_event.ok_or_else(|| AppError::bad_request("incidents: they hold no event"))?;
    store.add_incident_pin(
        &NewIncidentPin {
            kind: PinKind::Merge,
            keys,
            others: vec![],
            incidents: ids.clone(),
            audit_event_id,
            note,
        },
        who,
    )?;
    regroup(store, &ids)?;
    store
        .incident_of_event(audit_event_id)?
        .ok_or_else(|| AppError::internal("the merged incident is missing after recomputation"))
}

/// Move events out of an incident (they stay together): pin, log, recompute. Returns
/// (the incident the moved events are now in, the incident the rest are in).
pub fn split(
    store: &mut dyn Store,
    who: &str,
    id: &str,
    event_ids: &[i64],
    note: Option<String>,
) -> Result<(String, Option<String>), AppError> {
    let note = note_of(note)?;
    let d = store
        .incident(id)?
        .ok_or_else(|| AppError::not_found(format!("incident {id}")))?;
    let chosen: HashSet<i64> = event_ids.iter().copied().collect();
    if chosen.is_empty() {
        return Err(AppError::bad_request(
            "events: choose the events to move out",
        ));
    }
    if let Some(bad) = chosen
        .iter()
        .find(|e| !d.events.iter().any(|x| x.event_id == **e))
    {
        return Err(AppError::bad_request(format!(
            "events: event {bad} is not in incident {id}"
        )));
    }
    let (moved, rest): (Vec<_>, Vec<_>) =
        d.events.iter().partition(|e| chosen.contains(&e.event_id));
    if rest.is_empty() {
        return Err(AppError::bad_request(
            "events: leave at least one event in the incident",
        ));
    }
    let first_moved = moved[0].event_id;
    let first_rest = rest[0].event_id;
    store.add_incident_pin(
        &NewIncidentPin {
            kind: PinKind::Split,
            keys: moved.iter().map(|e| e.key.clone()).collect(),
            others: rest.iter().map(|e| e.key.clone()).collect(),
            incidents: vec![id.to_string()],
            audit_event_id: first_moved,
            note,
        },
        who,
    )?;
    regroup(store, &[id.to_string()])?;
    let moved_to = store
        .incident_of_event(first_moved)?
        .ok_or_else(|| AppError::internal("the moved events are missing after recomputation"))?;
    Ok((moved_to, store.incident_of_event(first_rest)?))
}

/// The decisions that concern an incident: those naming any of its events' keys or
/// the incident itself.
fn decisions_for(pins: Vec<IncidentPin>, id: &str, keys: &HashSet<&str>) -> Vec<IncidentPin> {
    pins.into_iter()
        .filter(|p| {
            p.incidents.iter().any(|i| i == id)
                || p.keys
                    .iter()
                    .chain(&p.others)
                    .any(|k| keys.contains(k.as_str()))
        })
        .collect()
}

// ---- Pages.

/// `/incidents`.
pub async fn list_page(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(extra): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    access.read()?;
    let filter = incident_filter(&params, &extra)?;
    let page_no = params.page()?;
    let (total, list, status, is_stale) = state
        .pool
        .run(move |store| {
            let total = store.count_incidents(&filter)?;
            let list = store.incidents(&IncidentFilter {
                limit: Some(PAGE_SIZE),
                offset: (page_no - 1) * PAGE_SIZE,
                ..filter
            })?;
            Ok((total, list, store.incident_state()?, stale(store)?))
        })
        .await?;
    let pages = (total as usize).div_ceil(PAGE_SIZE).max(1);
    let editor = can_edit(&access);
    let extra_q = |min_reports: Option<u32>, disagree: bool| {
        let mut q = params.url("/incidents");
        let mut add = |s: String| {
            q.push(if q.contains('?') { '&' } else { '?' });
            q.push_str(&s);
        };
        if let Some(n) = min_reports {
            add(format!("min_reports={n}"));
        }
        if disagree {
            add("disagree=1".into());
        }
        q
    };
    let body = html! {
        h1 { "Incidents" }
        (filter_form(&params, "/incidents"))
        p.incident-filters {
            "Show: "
            a href=(params.with("outlets", None).url("/incidents")) { "all" } " · "
            a href=(params.with("outlets", Some("2")).url("/incidents")) { "corroborated by 2+ outlets" } " · "
            a href=(params.with("outlets", Some("3")).url("/incidents")) { "3+ outlets" } " · "
            a href=(extra_q(Some(2), extra.disagree())) { "2+ reports" } " · "
            a href=(extra_q(extra.min_reports, true)) { "reports disagree" }
        }
        (state_line(status.as_ref(), is_stale, &access))
        p { (total) " incidents. An incident is one happening; its events come from one or more reports. Reposts (copies of a report) are listed with it and not counted again. "
            a href=(params.with("per", Some("incident")).url("/timeline")) { "Timeline of incidents" } " · "
            a href=(params.with("per", Some("incident")).url("/map")) { "Map of incidents" } }
        @if list.is_empty() {
            p { "No incident matches." }
        } @else {
            form #merge-form method="post" action="/incidents/merge" {
                @if editor { (csrf_field(&access)) }
                table.incidents {
                    thead { tr {
                        @if editor { th { "Merge" } }
                        th { "Incident" } th { "Types" } th { "Places" } th { "Date window" }
                        th { "Reports" } th { "Outlets" } th { "Disagreement" }
                    } }
                    tbody {
                        @for i in &list {
                            tr {
                                @if editor { td { input type="checkbox" name="incident" value=(i.id) aria-label=(format!("select {}", i.id)); } }
                                td { a href=(format!("/incidents/{}", i.id)) { (i.id) } }
                                td { (types_text(i)) }
                                td { (places_text(i)) }
                                td { (date_window(i)) }
                                td { (i.reports.len()) @if !i.duplicates.is_empty() { " (+" (i.duplicates.len()) " reposts)" } }
                                td class=(if i.corroboration >= 2 { "corroborated" } else { "" }) { (i.corroboration) }
                                td { @if i.disagreements.is_empty() { "" } @else { span.flag title="the reports disagree" { "⚠ " (i.disagreements.iter().map(|d| d.field.as_str()).collect::<Vec<_>>().join(", ")) } } }
                            }
                        }
                    }
                }
                @if editor {
                    p {
                        label { "Note " input type="text" name="note" size="50" maxlength="4000"; }
                        " "
                        button type="submit" #merge data-confirm="Merge the selected incidents into one?" { "Merge selected incidents" }
                    }
                }
            }
        }
        nav.pager {
            @if page_no > 1 { a href=(params.on_page(page_no - 1).url("/incidents")) rel="prev" { "← previous" } }
            span { "page " (page_no) " of " (pages) }
            @if page_no < pages { a href=(params.on_page(page_no + 1).url("/incidents")) rel="next" { "next →" } }
        }
    };
    Ok(Html(page("Incidents", &access, body).into_string()))
}

fn state_line(s: Option<&IncidentState>, is_stale: bool, access: &Access) -> Markup {
    html! {
        p.state {
            @match s {
                Some(s) => { "Computed " (s.computed_at) ": " (s.incidents) " incidents from " (s.grouped_events) " events of " (s.reports) " reports; " (s.duplicates) " reposts linked to their originals." }
                None => { "Incidents have not been computed yet." }
            }
            @if is_stale { " " strong { "Reports or reviews changed since." } }
            @if can_edit(access) {
                form.inline method="post" action="/incidents/recompute" {
                    (csrf_field(access))
                    " " button type="submit" { "Recompute now" }
                }
            }
        }
    }
}

/// `/incidents/{id}`.
pub async fn detail_page(
    State(state): State<Shared>,
    access: Access,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    access.read()?;
    let sensitive = access.sensitive();
    let (inc, events, reports, copies, decisions) = state
        .pool
        .run(move |store| load_detail(store, &id, sensitive))
        .await?;
    let editor = can_edit(&access);
    let body = html! {
        h1 { "Incident " span.count { (inc.id) } }
        table.fields {
            tr { th { "Types" } td { (types_text(&inc)) } }
            tr { th { "Places" } td {
                @for (n, p) in inc.places.iter().enumerate() {
                    @if n > 0 { ", " }
                    a href=(format!("/search?place={}", crate::filter::encode(p))) { (place_name(p)) }
                } } }
            tr { th { "Date window" } td { (date_window(&inc)) } }
            tr { th { "Events" } td { (inc.events) } }
            tr { th { "Reports" } td { (inc.reports.len()) @if !inc.duplicates.is_empty() { " and " (inc.duplicates.len()) " reposts (not counted again)" } } }
            tr { th { "Independent outlets" } td.corroboration { (inc.corroboration) ": " (inc.outlets.join(", ")) } }
        }
        @if !inc.disagreements.is_empty() {
            h2 { "⚠ The reports disagree" }
            table.disagreements {
                thead { tr { th { "On" } th { "Report" } th { "Says" } } }
                tbody {
                    @for d in &inc.disagreements {
                        @for v in &d.values {
                            tr {
                                td { (d.field) }
                                td { a href=(format!("/reports/{}", v.report_id)) { (report_title(&reports, &v.report_id)) } }
                                td { (v.value) }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Reports" }
        ul.reports {
            @for (rid, title, outlet, published) in &reports {
                li { a href=(format!("/reports/{rid}")) { (title) } " " span.count { (outlet) " · " (published) } }
            }
        }
        @if !copies.is_empty() {
            h3 { "Reposts of these reports" }
            ul.reports {
                @for (rid, title, outlet, published) in &copies {
                    li { a href=(format!("/reports/{rid}")) { (title) } " " span.count { (outlet) " · " (published) " · copy" } }
                }
            }
        }
        h2 { "Events" }
        p { "Each event links to its page, where its evidence is highlighted in the report text." }
        (event_table(&events))
        @if editor && events.len() > 1 {
            section.split {
                h2 { "Split" }
                form #split-form method="post" action=(format!("/incidents/{}/split", inc.id)) {
                    (csrf_field(&access))
                    p { "Move the chosen events out of this incident (they stay together in a new one):" }
                    ul {
                        @for e in &events {
                            li { label { input type="checkbox" name="event" value=(e.id);
                                " event " (e.id) ": " (label(e.event.event_type.as_str())) " · " (e.report_title.as_deref().unwrap_or("(untitled)")) } }
                        }
                    }
                    label { "Note " input type="text" name="note" size="50" maxlength="4000"; }
                    " "
                    button type="submit" #split data-confirm="Move the chosen events out of this incident?" { "Move out" }
                }
            }
        }
        h2 { "Analyst decisions" }
        @if decisions.is_empty() {
            p { "None: this grouping is the machine's." }
        } @else {
            table.audit {
                thead { tr { th { "When" } th { "Who" } th { "Decision" } th { "Incidents then" } th { "Note" } } }
                tbody {
                    @for p in &decisions {
                        tr {
                            td { (p.at) }
                            td { @if sensitive { (p.who) } @else { "an analyst" } }
                            td { (p.kind.as_str()) ": " (p.keys.len()) " events"
                                 @if p.kind == PinKind::Split { " moved away from " (p.others.len()) } }
                            td { (p.incidents.join(", ")) }
                            td { @if sensitive { (p.note.as_deref().unwrap_or("")) } }
                        }
                    }
                }
            }
        }
    };
    Ok(Html(
        page(&format!("Incident {}", inc.id), &access, body).into_string(),
    ))
}

type ReportLine = (String, String, String, String);

fn report_title(reports: &[ReportLine], id: &str) -> String {
    reports
        .iter()
        .find(|r| r.0 == id)
        .map(|r| r.1.clone())
        .unwrap_or_else(|| id.get(..12).unwrap_or(id).to_string())
}

type Detail = (
    IncidentSummary,
    Vec<StoredEvent>,
    Vec<ReportLine>,
    Vec<ReportLine>,
    Vec<IncidentPin>,
);

fn load_detail(store: &mut dyn Store, id: &str, sensitive: bool) -> Result<Detail, AppError> {
    let d = store
        .incident(id)?
        .ok_or_else(|| AppError::not_found(format!("incident {id}")))?;
    let mut events = Vec::with_capacity(d.events.len());
    for e in &d.events {
        if let Some(mut ev) = store.event(e.event_id)? {
            if !sensitive {
                ev.event.attribution = None;
            }
            events.push(ev);
        }
    }
    let line = |store: &mut dyn Store, rid: &str| -> Result<ReportLine, AppError> {
        let r = store.report(rid)?;
        Ok((
            rid.to_string(),
            r.as_ref()
                .and_then(|r| r.title.clone())
                .unwrap_or_else(|| "(untitled)".into()),
            r.as_ref()
                .and_then(|r| r.outlet.clone())
                .unwrap_or_default(),
            r.as_ref()
                .and_then(|r| r.published.as_ref().map(|p| p.date.to_string()))
                .unwrap_or_default(),
        ))
    };
    let mut reports = Vec::new();
    for r in &d.incident.reports {
        reports.push(line(store, r)?);
    }
    let mut copies = Vec::new();
    for r in &d.incident.duplicates {
        copies.push(line(store, r)?);
    }
    let keys: HashSet<&str> = d.events.iter().map(|e| e.key.as_str()).collect();
    let decisions = decisions_for(store.incident_pins()?, id, &keys);
    Ok((d.incident, events, reports, copies, decisions))
}

fn form_value<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `POST /incidents/merge`.
pub async fn merge_form(
    State(state): State<Shared>,
    access: Access,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let who = access
        .require_form(Role::Editor, form_value(&fields, "csrf").unwrap_or(""))?
        .name
        .clone();
    let ids: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "incident")
        .map(|(_, v)| v.clone())
        .collect();
    let note = form_value(&fields, "note").map(str::to_string);
    let merged = state
        .pool
        .run(move |store| merge(store, &who, &ids, note))
        .await?;
    Ok(Redirect::to(&format!("/incidents/{merged}")).into_response())
}

/// `POST /incidents/{id}/split`.
pub async fn split_form(
    State(state): State<Shared>,
    access: Access,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let who = access
        .require_form(Role::Editor, form_value(&fields, "csrf").unwrap_or(""))?
        .name
        .clone();
    let mut events = Vec::new();
    for (k, v) in &fields {
        if k == "event" {
            events.push(
                v.trim().parse::<i64>().map_err(|_| {
                    AppError::bad_request(format!("event: '{v}' is not an event id"))
                })?,
            );
        }
    }
    let note = form_value(&fields, "note").map(str::to_string);
    let (_, rest) = state
        .pool
        .run(move |store| split(store, &who, &id, &events, note))
        .await?;
    let to = rest.map_or("/incidents".to_string(), |r| format!("/incidents/{r}"));
    Ok(Redirect::to(&to).into_response())
}

/// `POST /incidents/recompute`.
pub async fn recompute_form(
    State(state): State<Shared>,
    access: Access,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    access.require_form(Role::Editor, form_value(&fields, "csrf").unwrap_or(""))?;
    state.pool.run(move |store| Ok(recompute(store)?)).await?;
    Ok(Redirect::to("/incidents").into_response())
}

// ---- Timeline and map, one count per incident.

/// Incidents per month (of their first day) and type (the first of their types), for
/// the timeline's `per=incident`.
pub async fn month_counts(state: &Shared, params: &Params) -> Result<Vec<MonthCount>, AppError> {
    let filter = incident_filter(params, &ListParams::default())?;
    let list = state
        .pool
        .run(move |store| Ok(store.incidents(&filter)?))
        .await?;
    let mut by: BTreeMap<(String, usize), u64> = BTreeMap::new();
    for i in &list {
        let (Some(d), Some(t)) = (i.date_start, i.types.first()) else {
            continue;
        };
        let ti = lantern_extract::EventType::ALL
            .iter()
            .position(|x| x == t)
            .unwrap_or(0);
        *by.entry((d.format("%Y-%m").to_string(), ti)).or_default() += 1;
    }
    Ok(by
        .into_iter()
        .map(|((month, ti), count)| MonthCount {
            month,
            event_type: lantern_extract::EventType::ALL[ti],
            count,
        })
        .collect())
}

/// Incidents per place (each incident once at each of its places), for the map's
/// `per=incident`; most first.
pub async fn place_counts(state: &Shared, params: &Params) -> Result<Vec<FacetCount>, AppError> {
    let filter = incident_filter(params, &ListParams::default())?;
    let list = state
        .pool
        .run(move |store| Ok(store.incidents(&filter)?))
        .await?;
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for i in &list {
        for p in &i.places {
            *by.entry(p.clone()).or_default() += 1;
        }
    }
    let mut out: Vec<FacetCount> = by
        .into_iter()
        .map(|(value, count)| FacetCount {
            label: place_name(&value),
            value,
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    Ok(out)
}

// ---- API.

fn api_read(access: &Access) -> Result<(), ApiError> {
    access.read().map_err(|_| {
        ApiError(AppError {
            status: axum::http::StatusCode::UNAUTHORIZED,
            message: "sign in or send Authorization: Bearer TOKEN".into(),
        })
    })
}

/// An editor, with the CSRF header when the caller is a browser session.
fn api_editor(access: &Access, headers: &HeaderMap) -> Result<String, ApiError> {
    api_read(access)?;
    let who = access.require(Role::Editor)?;
    if !who.csrf.is_empty() {
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !same(sent, &who.csrf) {
            return Err(AppError::forbidden("x-csrf-token header missing or wrong").into());
        }
    }
    Ok(who.name.clone())
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::internal(e.to_string()))
}

async fn api_list(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(extra): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    api_read(&access)?;
    let filter = incident_filter(&params, &extra)?;
    let page = params.page()?;
    let per_page = extra.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
    let (total, list, status) = state
        .pool
        .run(move |store| {
            let total = store.count_incidents(&filter)?;
            let list = store.incidents(&IncidentFilter {
                limit: Some(per_page),
                offset: (page - 1) * per_page,
                ..filter
            })?;
            Ok((total, list, store.incident_state()?))
        })
        .await?;
    Ok(Json(json!({
        "total": total, "page": page, "per_page": per_page,
        "computed_at": status.map(|s| s.computed_at),
        "incidents": to_value(&list)?,
    })))
}

async fn api_detail(
    State(state): State<Shared>,
    access: Access,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    api_read(&access)?;
    let sensitive = access.sensitive();
    let (inc, events, _, _, mut decisions) = state
        .pool
        .run(move |store| load_detail(store, &id, sensitive))
        .await?;
    if !sensitive {
        for d in &mut decisions {
            d.who = String::new();
            d.note = None;
        }
    }
    let mut v = to_value(&inc)?;
    v["event_list"] = to_value(&events)?;
    v["decisions"] = to_value(&decisions)?;
    Ok(Json(v))
}

/// `POST /api/v1/incidents/merge` body.
#[derive(Deserialize)]
struct MergeBody {
    incidents: Vec<String>,
    note: Option<String>,
}

async fn api_merge(
    State(state): State<Shared>,
    access: Access,
    headers: HeaderMap,
    Json(body): Json<MergeBody>,
) -> Result<Json<Value>, ApiError> {
    let who = api_editor(&access, &headers)?;
    let merged = state
        .pool
        .run(move |store| merge(store, &who, &body.incidents, body.note))
        .await?;
    Ok(Json(json!({ "incident": merged })))
}

/// `POST /api/v1/incidents/{id}/split` body.
#[derive(Deserialize)]
struct SplitBody {
    events: Vec<i64>,
    note: Option<String>,
}

async fn api_split(
    State(state): State<Shared>,
    access: Access,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<SplitBody>,
) -> Result<Json<Value>, ApiError> {
    let who = api_editor(&access, &headers)?;
    let (moved, rest) = state
        .pool
        .run(move |store| split(store, &who, &id, &body.events, body.note))
        .await?;
    Ok(Json(json!({ "moved_to": moved, "rest": rest })))
}

// ---- The search page's incidents facet.

/// The incidents facet of the search page: filters by corroboration and leaves out the
/// events of reposts. No counts of its own (they would cost a full count per option on
/// every new filter); the active option's count is the page's event count. Event
/// counts elsewhere include the events of reposts (each stored report keeps its
/// events), and the box says so.
pub fn facet_box(params: &Params) -> Markup {
    let options: [(&str, &str, &str); 4] = [
        ("outlets", "1", "in an incident"),
        ("outlets", "2", "corroborated by 2+ outlets"),
        ("outlets", "3", "corroborated by 3+ outlets"),
        ("copies", "skip", "leave out reposts"),
    ];
    html! {
        h3 { "Incidents" }
        ul.incident-facet {
            @for (key, value, text) in options {
                @let on = params.get(key) == Some(value);
                li class=(if on { "active" } else { "" }) {
                    @if on {
                        span { (text) " " a href=(params.with(key, None).url("/search")) title="remove this filter" { "×" } }
                    } @else {
                        a href=(params.with(key, Some(value)).url("/search")) { (text) }
                    }
                }
            }
            @if params.get("copies").is_none() {
                li.count { "Counts include the events of reposts (copies of another report)." }
            }
            li { a href=(params.with("outlets", None).with("copies", None).url("/incidents")) { "list the incidents" } }
        }
    }
}
