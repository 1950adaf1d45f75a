//! Ingest: turns the bytes of one file (plain text, HTML, JSON Lines, RSS or Atom) into
//! clean [`Report`]s. Decodes the encoding, reads metadata, finds the main text and marks
//! boilerplate (captions, tag lines, footers, bylines, navigation) as removed spans.
//!
//! Pure: no file, network or clock access. The caller reads the bytes and supplies the
//! capture time, which keeps this crate easy to test and fuzz.

mod model;

pub use model::*;

/// Why a whole file could not be read as reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestError {
    pub reason: String,
}

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for IngestError {}

/// Why one item (a JSON Lines line, a feed item) of a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// 1-based line number (JSON Lines) or item number (feeds).
    pub item: usize,
    pub reason: String,
}

/// Parse the bytes of one file into reports. `source_path` is used for format hints
/// (extension) and recorded on each report; `captured_at` is an RFC 3339 time.
///
/// A file that cannot be read at all is an `Err`; a file with several items returns one
/// result per item, so that one broken line does not lose the good ones.
pub fn parse_file(
    bytes: &[u8],
    source_path: &str,
    captured_at: &str,
) -> Result<Vec<Result<Report, ItemError>>, IngestError> {
    // Placeholder until the full ingest lands: UTF-8 text with optional front matter.
    let text = std::str::from_utf8(bytes).map_err(|e| IngestError {
        reason: format!("not valid UTF-8: {e}"),
    })?;
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err(IngestError {
            reason: "empty file".into(),
        });
    }
    let (mut title, mut outlet, mut url, mut published) = (None, None, None, None);
    let mut body = text.as_str();
    if let Some(rest) = text.strip_prefix("---\n") {
        if let Some(end) = rest.find("\n---\n") {
            for line in rest[..end].lines() {
                if let Some((k, v)) = line.split_once(':') {
                    let v = v.trim().trim_matches('"').to_string();
                    match k.trim() {
                        "title" => title = Some(v),
                        "outlet" => outlet = Some(v),
                        "url" => url = Some(v),
                        "published" => {
                            published =
                                chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                                    .ok()
                                    .map(|date| Published {
                                        date,
                                        source: DateSource::FrontMatter,
                                        raw: v.clone(),
                                    })
                        }
                        _ => {}
                    }
                }
            }
            body = &rest[end + 5..];
        }
    }
    let body = body.to_string();
    let hangul = body
        .chars()
        .filter(|c| ('\u{ac00}'..='\u{d7a3}').contains(c))
        .count();
    let language = if hangul * 4 > body.chars().filter(|c| c.is_alphabetic()).count() {
        Language::Ko
    } else {
        Language::En
    };
    Ok(vec![Ok(Report {
        id: sha256_hex(body.as_bytes()),
        original_sha256: sha256_hex(bytes),
        title,
        outlet,
        url,
        published,
        language,
        text: body.clone(),
        removed: Vec::new(),
        body,
        captured_at: captured_at.to_string(),
        source_path: source_path.to_string(),
        item: None,
        format: "text".into(),
    })])
}
