//! The ingest page: upload files or paste a report; each file is parsed, extracted and
//! stored, and its outcome (or its error) listed.

use axum::extract::{Multipart, State};
use axum::response::Html;
use lantern_extract::EXTRACTOR_VERSION;
use lantern_store::{FileInput, ReportOutcome, Role};
use maud::html;

use crate::app::Shared;
use crate::auth::Access;
use crate::error::AppError;
use crate::layout::{csrf_field, page};

/// Files accepted in one upload.
const MAX_FILES: usize = 200;

/// What happened to one uploaded file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileResult {
    /// The file name as uploaded.
    pub name: String,
    /// Reports stored (id, events), or duplicates (id).
    pub stored: Vec<(String, usize)>,
    /// Ids of reports already stored.
    pub duplicates: Vec<String>,
    /// Why the file (or an item of it) failed.
    pub errors: Vec<String>,
}

/// `/ingest`.
pub async fn ingest_page(access: Access) -> Result<Html<String>, AppError> {
    access.require(Role::Editor)?;
    Ok(Html(
        page("Ingest", &access, form(&access, &[])).into_string(),
    ))
}

fn form(access: &Access, results: &[FileResult]) -> maud::Markup {
    html! {
        h1 { "Ingest reports" }
        @if !results.is_empty() {
            h2 { "Result" }
            table.results {
                thead { tr { th { "File" } th { "Outcome" } } }
                tbody {
                    @for r in results {
                        tr {
                            td { (r.name) }
                            td {
                                @for (id, n) in &r.stored {
                                    div.ok { "stored " a href=(format!("/reports/{id}")) { (id.get(..12).unwrap_or(id)) } " with " (n) " events" }
                                }
                                @for id in &r.duplicates {
                                    div { "already stored: " a href=(format!("/reports/{id}")) { (id.get(..12).unwrap_or(id)) } }
                                }
                                @for e in &r.errors { div.error { (e) } }
                            }
                        }
                    }
                }
            }
        }
        form #upload method="post" action="/ingest" enctype="multipart/form-data" {
            (csrf_field(access))
            fieldset {
                legend { "Upload files" }
                p { "Text (with or without --- front matter), HTML, JSON Lines, RSS or Atom; UTF-8 or EUC-KR." }
                input type="file" name="files" multiple;
            }
            fieldset {
                legend { "Or paste a report" }
                label { "Name " input type="text" name="paste_name" value="pasted.txt"; }
                br;
                textarea name="paste" rows="12" cols="90" placeholder="---\ntitle: ...\npublished: 2024-03-05\n---\nText of the report" {}
            }
            button type="submit" id="ingest-submit" { "Ingest" }
            " "
            progress #progress .hidden max="100" value="0" {}
        }
    }
}

/// Parse, extract and store uploaded files, one outcome per file.
pub async fn ingest_files(
    state: &Shared,
    files: Vec<(String, Vec<u8>)>,
) -> Result<Vec<FileResult>, AppError> {
    state
        .pool
        .run(move |store| {
            let mut results = Vec::new();
            for (name, bytes) in files {
                let mut r = FileResult {
                    name: name.clone(),
                    stored: Vec::new(),
                    duplicates: Vec::new(),
                    errors: Vec::new(),
                };
                let source = format!("upload:{name}");
                let captured =
                    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let parsed = std::panic::catch_unwind(|| {
                    lantern_ingest::parse_file(&bytes, &source, &captured)
                });
                let items = match parsed {
                    Ok(Ok(items)) => items,
                    Ok(Err(e)) => {
                        r.errors.push(e.reason);
                        results.push(r);
                        continue;
                    }
                    Err(_) => {
                        r.errors.push("internal error while parsing".into());
                        results.push(r);
                        continue;
                    }
                };
                let mut reports = Vec::new();
                for item in items {
                    match item {
                        Ok(report) => {
                            let events =
                                std::panic::catch_unwind(|| lantern_extract::extract(&report))
                                    .unwrap_or_default();
                            reports.push((report, events));
                        }
                        Err(e) => r.errors.push(format!("item {}: {}", e.item, e.reason)),
                    }
                }
                let input = FileInput {
                    original: bytes,
                    source_path: source,
                    reports,
                    extractor_version: EXTRACTOR_VERSION.to_string(),
                };
                match store.ingest_batch(std::slice::from_ref(&input)) {
                    Ok(outcomes) => {
                        for o in outcomes.iter().flat_map(|o| &o.reports) {
                            match o {
                                ReportOutcome::Stored { id, events } => {
                                    r.stored.push((id.clone(), *events))
                                }
                                ReportOutcome::Duplicate { existing_id, .. } => {
                                    r.duplicates.push(existing_id.clone())
                                }
                            }
                        }
                    }
                    Err(e) => r.errors.push(e.to_string()),
                }
                results.push(r);
            }
            // New reports: regroup incidents (a failure here loses nothing stored).
            if results.iter().any(|r| !r.stored.is_empty()) {
                if let Err(e) = lantern_store::incidents::refresh(store) {
                    if let Some(last) = results.last_mut() {
                        last.errors.push(format!("incidents not recomputed: {e}"));
                    }
                }
            }
            Ok(results)
        })
        .await
}

/// Read the multipart form: files, pasted text, CSRF token.
async fn read_form(mut mp: Multipart) -> Result<(String, Vec<(String, Vec<u8>)>), AppError> {
    let mut csrf = String::new();
    let mut files = Vec::new();
    let mut paste_name = String::from("pasted.txt");
    let mut paste: Option<Vec<u8>> = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(format!("upload: {e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let data = field
            .bytes()
            .await
            .map_err(|e| AppError::bad_request(format!("upload of {name}: {e}")))?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&data).into_owned(),
            "paste_name" => {
                let n = String::from_utf8_lossy(&data).trim().to_string();
                if !n.is_empty() {
                    paste_name = n.chars().take(200).collect();
                }
            }
            "paste" if !data.iter().all(|b| b.is_ascii_whitespace()) => {
                paste = Some(data.to_vec());
            }
            "files" => {
                let fname = file_name.unwrap_or_default();
                if fname.is_empty() && data.is_empty() {
                    continue;
                }
                if files.len() >= MAX_FILES {
                    return Err(AppError::bad_request(format!(
                        "files: more than {MAX_FILES} in one upload"
                    )));
                }
                files.push((fname.chars().take(200).collect(), data.to_vec()));
            }
            _ => {}
        }
    }
    if let Some(p) = paste {
        // Browsers send textarea line ends as CRLF.
        let text = String::from_utf8_lossy(&p).replace("\r\n", "\n");
        files.push((paste_name, text.into_bytes()));
    }
    Ok((csrf, files))
}

/// `POST /ingest`.
pub async fn ingest_post(
    State(state): State<Shared>,
    access: Access,
    mp: Multipart,
) -> Result<Html<String>, AppError> {
    access.require(Role::Editor)?;
    let (csrf, files) = read_form(mp).await?;
    access.require_form(Role::Editor, &csrf)?;
    if files.is_empty() {
        return Err(AppError::bad_request(
            "nothing to ingest: choose files or paste a report",
        ));
    }
    let results = ingest_files(&state, files).await?;
    Ok(Html(
        page("Ingest", &access, form(&access, &results)).into_string(),
    ))
}
