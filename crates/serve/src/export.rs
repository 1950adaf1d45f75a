//! Downloads of the events of any filtered view (search, timeline, map) in the formats of
//! `lantern export`: ACLED CSV (`/export.csv`), JSON Lines (`/export.jsonl`), GeoJSON
//! (`/export.geojson`) and FollowTheMoney (`/export.ftm.json`), plus `/export?format=`
//! and `/api/v1/export?format=`. The bytes are those of `lantern export` for the same
//! filter ([`lantern_export::export`]).
//!
//! Streaming: the export runs on a blocking thread with one store connection and writes
//! 64 KiB chunks into a bounded channel that feeds the response body, so memory stays
//! constant whatever the number of events, and a slow client slows the export down
//! instead of filling memory. A client that goes away stops the export. An error in the
//! middle aborts the response (the client sees a broken download, never a silently
//! short file).
//!
//! Sensitive fields (attribution wording, evidence quotes, source paths) are left out
//! unless an editor asks with `include_sensitive=1`; anyone else asking gets a 403, and
//! every such export is written to the server log.

use std::io::{self, Write};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use lantern_export::{ExportError, Format, Options};
use lantern_store::{EventFilter, Role};
use maud::{html, Markup};
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::app::Shared;
use crate::auth::Access;
use crate::error::{ApiError, AppError};
use crate::filter::Params;

/// Size of the chunks sent to the client.
pub const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the export thread and the client (bounds memory per download).
pub const IN_FLIGHT: usize = 4;

/// Export options in the query string, beside the filter.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    /// `acled` (or `csv`), `jsonl`, `geojson`, `ftm` (for `/export` and the API).
    pub format: Option<String>,
    /// `1` (or `true`, `on`, `yes`): include sensitive fields (editors only).
    pub include_sensitive: Option<String>,
}

fn flag(v: &Option<String>) -> bool {
    matches!(
        v.as_deref().map(str::trim),
        Some("1" | "true" | "on" | "yes")
    )
}

/// Parse a format name (`csv` is accepted for `acled`).
pub fn parse_format(s: &str) -> Result<Format, AppError> {
    let s = s.trim();
    let s = if s.eq_ignore_ascii_case("csv") {
        "acled"
    } else {
        s
    };
    Format::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
        AppError::bad_request(format!(
            "format: '{s}' is not an export format; one of acled, jsonl, geojson, ftm"
        ))
    })
}

/// The export options this request may have. Sensitive fields need an editor (or
/// admin) who asks for them; the request is logged.
pub fn options(
    access: &Access,
    q: &ExportQuery,
    format: Format,
    params: &Params,
) -> Result<Options, AppError> {
    if !flag(&q.include_sensitive) {
        return Ok(Options::default());
    }
    let who = match &access.who {
        Some(w) if w.role >= Role::Editor => w,
        _ => {
            return Err(AppError::forbidden(
                "include_sensitive: only editors and admins may export sensitive fields",
            ))
        }
    };
    eprintln!(
        "lantern serve: audit: {} ({}) exported {} with sensitive fields, filter [{}]",
        who.name,
        who.role.as_str(),
        format.as_str(),
        params.with("page", None).query()
    );
    Ok(Options {
        include_sensitive: true,
        ..Options::default()
    })
}

/// An [`io::Write`] sending fixed-size chunks into a bounded channel (blocking when it
/// is full). Fails with `BrokenPipe` once the receiver is gone.
struct ChannelWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The response body of an export: started on a blocking thread, streamed through a
/// bounded channel.
pub fn stream(state: &Shared, filter: EventFilter, format: Format, options: Options) -> Body {
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, io::Error>>(IN_FLIGHT);
    let pool = state.pool.clone();
    let err_tx = tx.clone();
    tokio::spawn(async move {
        let result = pool
            .run(move |store| {
                let w = ChannelWriter {
                    buf: Vec::with_capacity(CHUNK),
                    tx,
                };
                match lantern_export::export(&*store, &filter, format, options, w) {
                    Ok(_) => Ok(()),
                    Err(ExportError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    Err(e) => Err(AppError::internal(format!("export: {e}"))),
                }
            })
            .await;
        if let Err(e) = result {
            let _ = err_tx.send(Err(io::Error::other(e.message))).await;
        }
    });
    Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// The file name of a download, e.g. `lantern-events-2026-11-28.csv`.
pub fn file_name(format: Format) -> String {
    format!(
        "lantern-events-{}.{}",
        chrono::Utc::now().format("%Y-%m-%d"),
        format.extension()
    )
}

/// A streaming download response with its type and file name.
pub fn response(state: &Shared, filter: EventFilter, format: Format, options: Options) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file_name(format));
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        stream(state, filter, format, options),
    )
        .into_response()
}

async fn download(
    state: Shared,
    access: Access,
    params: Params,
    q: ExportQuery,
    format: Format,
) -> Result<Response, AppError> {
    access.read()?;
    let filter = params.filter()?;
    let options = options(&access, &q, format, &params)?;
    Ok(response(&state, filter, format, options))
}

/// `/export.csv`: ACLED-layout CSV.
pub async fn csv(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    download(state, access, params, q, Format::Acled).await
}

/// `/export.jsonl`: Lantern JSON Lines.
pub async fn jsonl(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    download(state, access, params, q, Format::Jsonl).await
}

/// `/export.geojson`: a GeoJSON FeatureCollection.
pub async fn geojson(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    download(state, access, params, q, Format::Geojson).await
}

/// `/export.ftm.json`: FollowTheMoney entities.
pub async fn ftm(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    download(state, access, params, q, Format::Ftm).await
}

/// `/export?format=…` (the editors' form on filtered views).
pub async fn any(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let format = parse_format(q.format.as_deref().unwrap_or(""))?;
    download(state, access, params, q, format).await
}

/// `/api/v1/export?format=…`: the same, with errors as JSON.
pub async fn api(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    crate::api::read(&access)?;
    let format = parse_format(q.format.as_deref().unwrap_or(""))?;
    let filter = params.filter()?;
    let options = options(&access, &q, format, &params)?;
    Ok(response(&state, filter, format, options))
}

/// The download links of a filtered view, carrying its filter; editors also get a form
/// that can include sensitive fields.
pub fn links(access: &Access, params: &Params) -> Markup {
    let p = params.with("page", None);
    let editor = access.who.as_ref().is_some_and(|w| w.role >= Role::Editor);
    html! {
        div.downloads {
            "Download these events: "
            a href=(p.url("/export.csv")) download { "ACLED CSV" } " · "
            a href=(p.url("/export.jsonl")) download { "JSON Lines" } " · "
            a href=(p.url("/export.geojson")) download { "GeoJSON" } " · "
            a href=(p.url("/export.ftm.json")) download { "FtM" }
            @if editor {
                form.inline method="get" action="/export" {
                    @for key in ["q", "type", "province", "place", "actor", "outlet", "from", "to", "status"] {
                        @if let Some(v) = p.get(key) {
                            input type="hidden" name=(key) value=(v);
                        }
                    }
                    " · "
                    select name="format" aria-label="format" {
                        option value="acled" { "ACLED CSV" }
                        option value="jsonl" { "JSON Lines" }
                        option value="geojson" { "GeoJSON" }
                        option value="ftm" { "FtM" }
                    }
                    " "
                    label { input type="checkbox" name="include_sensitive" value="1"; " with sensitive fields (logged)" }
                    " "
                    button type="submit" { "Download" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_with_a_clear_error() {
        assert_eq!(parse_format("csv").unwrap(), Format::Acled);
        assert_eq!(parse_format("FTM").unwrap(), Format::Ftm);
        assert!(parse_format("xml")
            .unwrap_err()
            .message
            .starts_with("format:"));
        assert!(flag(&Some("1".into())) && !flag(&Some("0".into())) && !flag(&None));
    }
}
