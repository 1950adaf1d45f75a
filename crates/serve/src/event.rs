//! The event page (every field, the report text with the evidence highlighted, the
//! original's download, the audit log) and the review form handler.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use lantern_extract::gazetteer::Gazetteer;
use lantern_extract::{Actor, EventDate, EventPlace, EventType, PlaceRole, Precision};
use lantern_store::{AuditEntry, ReviewDecision, Role, StoredEvent};
use maud::{html, Markup};

use crate::app::Shared;
use crate::auth::Access;
use crate::error::AppError;
use crate::layout::{csrf_field, label, page};
use crate::search::{all_actors, all_types, date_text};
use crate::text::{render, Mark, MarkKind};

/// Largest reviewer note kept.
const MAX_NOTE: usize = 4000;

/// Marks for the report text: the event's evidence, other events' evidence (linked),
/// and attribution withheld when sensitive fields are hidden.
pub fn marks(events: &[StoredEvent], focus: Option<i64>, sensitive: bool) -> Vec<Mark> {
    let mut out = Vec::new();
    for e in events {
        let kind = match focus {
            Some(id) if id == e.id => MarkKind::Evidence,
            Some(_) => MarkKind::Other,
            None => MarkKind::Evidence,
        };
        for (s, t) in &e.event.evidence {
            out.push(Mark {
                start: *s,
                end: *t,
                kind,
                href: (focus != Some(e.id)).then(|| format!("/events/{}", e.id)),
                title: format!("event {}: {}", e.id, label(e.event.event_type.as_str())),
            });
        }
        if !sensitive {
            if let Some(a) = &e.event.attribution {
                out.push(Mark {
                    start: a.span.0,
                    end: a.span.1,
                    kind: MarkKind::Withheld,
                    href: None,
                    title: String::new(),
                });
            }
        }
    }
    out
}

/// `/events/{id}`.
pub async fn event_page(
    State(state): State<Shared>,
    access: Access,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    access.read()?;
    let sensitive = access.sensitive();
    let (event, report, siblings, audit) = state
        .pool
        .run(move |store| {
            let event = store
                .event(id)?
                .ok_or_else(|| AppError::not_found(format!("event {id}")))?;
            let report = store
                .report(&event.report_id)?
                .ok_or_else(|| AppError::not_found(format!("report {}", event.report_id)))?;
            let siblings = store.report_events(&event.report_id)?;
            let audit = if sensitive {
                store.audit_log(Some(id))?
            } else {
                Vec::new()
            };
            Ok((event, report, siblings, audit))
        })
        .await?;
    let e = &event.event;
    let can_review = access.who.as_ref().is_some_and(|w| w.role >= Role::Editor);
    let body = html! {
        h1 { (label(e.event_type.as_str())) " " span.count { "event " (event.id) } }
        table.fields {
            tr { th { "Type" } td { (label(e.event_type.as_str())) } }
            tr { th { "Review status" } td class=(format!("state-{}", event.review_state.as_str())) { (event.review_state.as_str()) } }
            tr { th { "Modality" } td { (format!("{:?}", e.modality).to_lowercase()) @if e.negated { " (negated)" } } }
            tr { th { "Date" } td { (date_text(&event)) @if let Some(d) = &e.date { " · " (format!("{:?}", d.precision).to_lowercase()) " · “" (d.text) "”" } } }
            tr { th { "Actors" } td { (e.actors.iter().map(|a| label(a.as_str())).collect::<Vec<_>>().join(", ")) } }
            tr { th { "Places" } td {
                @for p in &e.places {
                    div {
                        a href=(format!("/search?place={}", crate::filter::encode(&p.id))) { (p.name) }
                        " (" (p.admin1) ", " (format!("{:?}", p.level).to_lowercase()) ", " (format!("{:?}", p.role).to_lowercase())
                        ", " (format!("{:.3}, {:.3}", p.lat, p.lon)) @if p.approximate { ", approximate" } ")"
                    }
                }
            } }
            tr { th { "Attribution" } td {
                @match (&e.attribution, sensitive) {
                    (Some(a), true) => { "“" (a.text) "”" }
                    (Some(_), false) => { "withheld in the public view" }
                    (None, _) => { "none" }
                }
            } }
            tr { th { "Quantities" } td {
                @for q in &e.quantities {
                    div { (format!("{:?}", q.kind).to_lowercase()) ": “" (q.text) "”"
                        @if let Some(v) = q.value { " = " (v) } @if let Some(u) = &q.unit { " " (u) } }
                }
            } }
            tr { th { "Confidence" } td { (format!("{:.2}", e.confidence)) } }
            tr { th { "Extractor" } td { (event.extractor_version) } }
            tr { th { "Report" } td {
                a href=(format!("/reports/{}", report.id)) { (report.title.as_deref().unwrap_or("(untitled)")) }
                @if let Some(o) = &report.outlet { " · " (o) }
                @if let Some(p) = &report.published { " · " (p.date.to_string()) }
            } }
            @if sensitive {
                tr { th { "Original" } td {
                    a href=(format!("/originals/{}", report.original_sha256)) download { "download the original file" }
                    " · SHA-256 " code { (report.original_sha256) }
                } }
            }
        }
        @if can_review { (review_form(&access, &event)) }
        h2 { "Evidence in the report" }
        p.legend { span { i.sw-ev {} "this event" } span { i.sw-other {} "other events" } span { i.sw-boiler {} "removed boilerplate (grey text)" } }
        (render(&report, &marks(&siblings, Some(event.id), sensitive)))
        @if sensitive {
            h2 { "Audit log" }
            (audit_table(&audit))
        }
    };
    Ok(Html(
        page(&format!("Event {}", event.id), &access, body).into_string(),
    ))
}

fn review_form(access: &Access, event: &StoredEvent) -> Markup {
    let e = &event.event;
    let places: Vec<&str> = e.places.iter().map(|p| p.id.as_str()).collect();
    let (start, end) = e
        .date
        .as_ref()
        .map(|d| (d.start, d.end))
        .unwrap_or((None, None));
    html! {
        section.review {
            h2 { "Review" }
            form method="post" action=(format!("/events/{}/review", event.id)) {
                (csrf_field(access))
                label { "Note " input type="text" name="note" size="60" maxlength="4000"; }
                " "
                button type="submit" name="action" value="confirm" id="confirm" { "Confirm" }
                " "
                button type="submit" name="action" value="reject" id="reject" data-confirm="Reject this event?" { "Reject" }
            }
            details {
                summary { "Edit the event" }
                form method="post" action=(format!("/events/{}/review", event.id)) {
                    (csrf_field(access))
                    input type="hidden" name="action" value="edit";
                    fieldset {
                        label { "Type " select name="type" {
                            @for t in all_types() {
                                option value=(t) selected[t == e.event_type.as_str()] { (label(t)) }
                            }
                        } }
                        br;
                        label { "Places (gazetteer ids or names, comma separated) " input type="text" name="places" size="60" value=(places.join(", ")); }
                        br;
                        "Actors: "
                        @for a in all_actors() {
                            label { input type="checkbox" name="actor" value=(a) checked[e.actors.iter().any(|x| x.as_str() == a)]; (label(a)) } " "
                        }
                        br;
                        label { "Date from " input type="date" name="start" value=(start.map(|d| d.to_string()).unwrap_or_default()); }
                        label { " to " input type="date" name="end" value=(end.map(|d| d.to_string()).unwrap_or_default()); }
                        br;
                        label { "Note " input type="text" name="note" size="60" maxlength="4000"; }
                        br;
                        button type="submit" { "Save the edit" }
                    }
                }
            }
        }
    }
}

/// What changed between an audit entry's old and new values, one line per field.
fn changes(a: &AuditEntry) -> Vec<String> {
    let mut out = Vec::new();
    if a.action.starts_with("incident_") {
        // An analyst's merge or split (crate::incidents).
        let incidents: Vec<&str> = a.old["incidents"]
            .as_array()
            .map(|v| v.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        let n = |k: &str| a.new[k].as_array().map_or(0, |v| v.len());
        out.push(format!(
            "incidents {}: {} of {} events{}",
            incidents.join(", "),
            a.new["kind"].as_str().unwrap_or("?"),
            n("keys"),
            if n("others") > 0 {
                format!(" away from {}", n("others"))
            } else {
                String::new()
            }
        ));
        return out;
    }
    let old_state = &a.old["review_state"];
    let new_state = &a.new["review_state"];
    if old_state != new_state {
        out.push(format!("review_state: {old_state} → {new_state}"));
    }
    if let (Some(o), Some(n)) = (a.old["event"].as_object(), a.new["event"].as_object()) {
        for (k, nv) in n {
            let ov = o.get(k).unwrap_or(&serde_json::Value::Null);
            if ov != nv {
                out.push(format!("{k}: {ov} → {nv}"));
            }
        }
    }
    out
}

fn audit_table(entries: &[AuditEntry]) -> Markup {
    html! {
        @if entries.is_empty() {
            p { "No review yet." }
        } @else {
            table.audit {
                thead { tr { th { "When" } th { "Who" } th { "Action" } th { "Change (old → new)" } th { "Note" } } }
                tbody {
                    @for a in entries {
                        tr {
                            td { (a.at) }
                            td { (a.who) }
                            td { (a.action) }
                            td { pre { (changes(a).join("\n")) } }
                            td { (a.note.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

/// Resolve "id or name" to a gazetteer place, keeping the old span if it was there.
fn place(token: &str, old: &[EventPlace]) -> Result<EventPlace, AppError> {
    let g = Gazetteer::get();
    let idx = g
        .by_id(token)
        .or_else(|| g.lookup(token).into_iter().next())
        .ok_or_else(|| {
            AppError::bad_request(format!("places: '{token}' is not in the gazetteer"))
        })?;
    let p = g.place(idx);
    let span = old.iter().find(|o| o.id == p.id).map_or((0, 0), |o| o.span);
    Ok(EventPlace {
        id: p.id.clone(),
        name: p.name.clone(),
        admin1: p.admin1.clone(),
        level: p.level,
        lat: p.lat,
        lon: p.lon,
        approximate: p.approximate,
        role: PlaceRole::Location,
        span,
    })
}

fn form_date(field: &str, v: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::bad_request(format!("{field}: '{s}' is not a YYYY-MM-DD date"))),
    }
}

/// An edit's new event from form fields (`type`, `places`, `actor`..., `start`, `end`).
pub fn edited(
    old: &StoredEvent,
    fields: &[(String, String)],
) -> Result<lantern_extract::Event, AppError> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut e = old.event.clone();
    if let Some(t) = get("type") {
        e.event_type = EventType::parse(t)
            .ok_or_else(|| AppError::bad_request(format!("type: unknown event type '{t}'")))?;
    }
    if let Some(list) = get("places") {
        let mut places = Vec::new();
        for token in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let p = place(token, &old.event.places)?;
            if !places.iter().any(|x: &EventPlace| x.id == p.id) {
                places.push(p);
            }
        }
        e.places = places;
    }
    let mut actors = Vec::new();
    for (k, v) in fields {
        if k == "actor" {
            let a = Actor::parse(v)
                .ok_or_else(|| AppError::bad_request(format!("actor: unknown actor id '{v}'")))?;
            if !actors.contains(&a) {
                actors.push(a);
            }
        }
    }
    e.actors = actors;
    let start = form_date("start", get("start"))?;
    let end = form_date("end", get("end"))?.or(start);
    let start = start.or(end);
    if let (Some(s), Some(t)) = (start, end) {
        if t < s {
            return Err(AppError::bad_request(
                "end: the date range ends before it starts",
            ));
        }
        let same = old
            .event
            .date
            .as_ref()
            .is_some_and(|d| d.start == Some(s) && d.end == Some(t));
        if !same {
            let (text, span) = old
                .event
                .date
                .as_ref()
                .map_or((String::from("set by reviewer"), (0, 0)), |d| {
                    (d.text.clone(), d.span)
                });
            e.date = Some(EventDate {
                start: Some(s),
                end: Some(t),
                precision: if s == t {
                    Precision::Day
                } else {
                    Precision::Range
                },
                text,
                span,
            });
        }
    } else {
        e.date = None;
    }
    Ok(e)
}

/// Apply a review decision given as form fields; returns the updated event.
pub async fn apply_review(
    state: &Shared,
    id: i64,
    who: String,
    fields: Vec<(String, String)>,
) -> Result<StoredEvent, AppError> {
    let action = fields
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let note = fields
        .iter()
        .find(|(k, _)| k == "note")
        .map(|(_, v)| v.trim().to_string())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.len() > MAX_NOTE) {
        return Err(AppError::bad_request(format!(
            "note: longer than {MAX_NOTE} bytes"
        )));
    }
    state
        .pool
        .run(move |store| {
            let decision = match action.as_str() {
                "confirm" => ReviewDecision::Confirm,
                "reject" => ReviewDecision::Reject,
                "edit" => {
                    let old = store
                        .event(id)?
                        .ok_or_else(|| AppError::not_found(format!("event {id}")))?;
                    ReviewDecision::Edit(Box::new(edited(&old, &fields)?))
                }
                other => {
                    return Err(AppError::bad_request(format!(
                        "action: '{other}' is not confirm, reject or edit"
                    )))
                }
            };
            Ok(store.review_event(id, &who, &decision, note.as_deref())?)
        })
        .await
}

/// `POST /events/{id}/review`.
pub async fn review(
    State(state): State<Shared>,
    access: Access,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let who = access.require_form(Role::Editor, csrf)?.name.clone();
    apply_review(&state, id, who, fields).await?;
    Ok(Redirect::to(&format!("/events/{id}")).into_response())
}
