//! The report page (metadata, clean text with all its events marked) and the download
//! of an original file, byte for byte.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::html;

use crate::app::Shared;
use crate::auth::Access;
use crate::error::AppError;
use crate::event::marks;
use crate::layout::page;
use crate::search::event_table;
use crate::text::render;

/// `/reports/{id}` (full id or unique prefix).
pub async fn report_page(
    State(state): State<Shared>,
    access: Access,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    access.read()?;
    let sensitive = access.sensitive();
    let (report, events, info) = state
        .pool
        .run(move |store| {
            let report = store
                .report(&id)?
                .ok_or_else(|| AppError::not_found(format!("report {id}")))?;
            let events = store.report_events(&report.id)?;
            let info = store.original_info(&report.original_sha256)?;
            Ok((report, events, info))
        })
        .await?;
    let body = html! {
        h1 { (report.title.as_deref().unwrap_or("(untitled)")) }
        table.fields {
            tr { th { "Report id" } td { code { (report.id) } } }
            tr { th { "Outlet" } td { (report.outlet.as_deref().unwrap_or("unknown")) } }
            tr { th { "Published" } td {
                @if let Some(p) = &report.published { (p.date.to_string()) " (from " (format!("{:?}", p.source).to_lowercase()) ": “" (p.raw) "”)" } @else { "unknown" }
            } }
            tr { th { "Language" } td { (report.language.as_str()) } }
            tr { th { "URL" } td { (report.url.as_deref().unwrap_or("")) } }
            tr { th { "Format" } td { (report.format) @if let Some(i) = report.item { " · item " (i) } } }
            tr { th { "Captured" } td { (report.captured_at) } }
            @if sensitive {
                tr { th { "Source path" } td { (report.source_path) } }
                tr { th { "Original" } td {
                    a href=(format!("/originals/{}", report.original_sha256)) download { "download" }
                    " · SHA-256 " code { (report.original_sha256) }
                    @if let Some(i) = &info { " · " (i.size) " bytes · first stored " (i.first_seen) }
                } }
            }
        }
        h2 { "Events (" (events.len()) ")" }
        (event_table(&events))
        h2 { "Text" }
        p.legend { span { i.sw-ev {} "evidence (links to its event)" } span { "grey: removed boilerplate" } }
        (render(&report, &marks(&events, None, sensitive)))
    };
    let title = report.title.clone().unwrap_or_else(|| "Report".into());
    Ok(Html(page(&title, &access, body).into_string()))
}

/// `/originals/{sha256}`: the stored bytes, as an attachment. Not in public mode.
pub async fn original(
    State(state): State<Shared>,
    access: Access,
    Path(sha): Path<String>,
) -> Result<Response, AppError> {
    access.require(lantern_store::Role::Viewer)?;
    let sha = sha.to_ascii_lowercase();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::bad_request("sha256: expected 64 hex digits"));
    }
    let key = sha.clone();
    let bytes = state
        .pool
        .run(move |store| {
            store
                .original(&key)?
                .ok_or_else(|| AppError::not_found(format!("original {key}")))
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{sha}\""),
            ),
            (header::HeaderName::from_static("x-content-sha256"), sha),
        ],
        bytes,
    )
        .into_response())
}
