//! Ingest: turns the bytes of one file (plain text, HTML, JSON Lines, RSS or Atom) into
//! clean [`Report`]s. Decodes the encoding, reads metadata, finds the main text and marks
//! boilerplate (captions, tag lines, footers, bylines, navigation) as removed spans.
//!
//! Pure: no file, network or clock access. The caller reads the bytes and supplies the
//! capture time, which keeps this crate easy to test and fuzz.
//!
//! Pipeline: [`detect_format`] sniffs the container; `decode` turns bytes into text (BOM,
//! then valid multi-byte UTF-8, then a declared charset, then clean EUC-KR/CP949; binary and
//! undecodable files are refused with the offset of the first bad byte, never decoded
//! lossily); the format module finds metadata and the main text; [`find_boilerplate`] marks
//! boilerplate lines and [`derive_body`] removes them.

#![warn(missing_docs)]

mod boilerplate;
mod date;
mod decode;
mod detect;
mod feed;
mod html;
mod jsonl;
mod lang;
mod model;
mod text;

pub use boilerplate::{derive_body, find_boilerplate};
pub use date::parse_date;
pub use detect::detect_format;
pub use lang::detect_language;
pub use model::*;

/// Largest single-document file (text, HTML) accepted: 16 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// Largest file of any format accepted: 256 MiB. Callers should check the file size
/// against this before reading it.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Why a whole file could not be read as reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestError {
    /// A human-readable reason naming what was wrong.
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
    /// A human-readable reason.
    pub reason: String,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "item {}: {}", self.item, self.reason)
    }
}

impl std::error::Error for ItemError {}

/// Metadata found for one report before its text is cleaned.
#[derive(Debug, Clone, Default)]
pub(crate) struct Meta {
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published: Option<Published>,
}

impl Meta {
    /// Fill fields that are still empty from `other`.
    pub(crate) fn or(mut self, other: Meta) -> Meta {
        self.title = self.title.or(other.title);
        self.outlet = self.outlet.or(other.outlet);
        self.url = self.url.or(other.url);
        self.published = self.published.or(other.published);
        self
    }
}

/// What every report of one file shares.
pub(crate) struct FileCtx<'a> {
    pub original_sha256: String,
    pub source_path: &'a str,
    pub captured_at: &'a str,
}

/// Normalise line ends: `\r\n` and lone `\r` become `\n`; a leading BOM is dropped.
pub(crate) fn normalise_newlines(s: &str) -> String {
    let s = s.strip_prefix('\u{feff}').unwrap_or(s);
    if memchr::memchr(b'\r', s.as_bytes()).is_none() {
        return s.to_string();
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Build a report from its main text and metadata: marks boilerplate, derives the body,
/// detects the language and hashes the body.
pub(crate) fn build_report(
    text: String,
    meta: Meta,
    ctx: &FileCtx<'_>,
    item: Option<usize>,
    format: &str,
) -> Report {
    let removed = find_boilerplate(&text);
    let mut meta = meta;
    if meta.published.is_none() {
        meta.published = boilerplate::leading_date_line(&text).map(|(date, raw)| Published {
            date,
            source: DateSource::BodyText,
            raw,
        });
    }
    let body = derive_body(&text, &removed);
    let clean = |s: Option<String>| {
        s.map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|v| !v.is_empty())
    };
    Report {
        id: sha256_hex(body.as_bytes()),
        original_sha256: ctx.original_sha256.clone(),
        title: clean(meta.title),
        outlet: clean(meta.outlet),
        url: clean(meta.url),
        published: meta.published,
        language: detect_language(&body),
        text,
        removed,
        body,
        captured_at: ctx.captured_at.to_string(),
        source_path: ctx.source_path.to_string(),
        item,
        format: format.to_string(),
    }
}

fn size_mib(n: usize) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

/// Parse the bytes of one file into reports. `source_path` is used for format hints
/// (extension) and recorded on each report; `captured_at` is an RFC 3339 time.
///
/// A file that cannot be read at all is an `Err` (empty, binary, undecodable, too large,
/// a single document without text); a file with several items (JSON Lines, RSS, Atom)
/// returns one result per item, so that one broken line does not lose the good ones.
pub fn parse_file(
    bytes: &[u8],
    source_path: &str,
    captured_at: &str,
) -> Result<Vec<Result<Report, ItemError>>, IngestError> {
    parse(bytes, source_path, captured_at, None)
}

/// [`parse_file`] for a caller that has already hashed the file, as `lantern ingest` does
/// to skip originals it has stored: `original_sha256` must be `sha256_hex(bytes)` (checked
/// in debug builds) and becomes each report's `original_sha256`, which saves a second
/// SHA-256 pass over the file. The reports are the same as [`parse_file`]'s.
pub fn parse_file_hashed(
    bytes: &[u8],
    original_sha256: String,
    source_path: &str,
    captured_at: &str,
) -> Result<Vec<Result<Report, ItemError>>, IngestError> {
    debug_assert_eq!(original_sha256, sha256_hex(bytes), "{source_path}");
    parse(bytes, source_path, captured_at, Some(original_sha256))
}

fn parse(
    bytes: &[u8],
    source_path: &str,
    captured_at: &str,
    original_sha256: Option<String>,
) -> Result<Vec<Result<Report, ItemError>>, IngestError> {
    let fail = |reason: String| IngestError { reason };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(fail(format!(
            "{source_path}: file is {} ({} bytes), over the {} limit for any file",
            size_mib(bytes.len()),
            bytes.len(),
            size_mib(MAX_FILE_BYTES)
        )));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(fail(format!("{source_path}: empty file, no report text")));
    }
    if let Some(kind) = decode::binary_kind(bytes) {
        return Err(fail(format!(
            "{source_path}: binary file ({kind}), not a report"
        )));
    }
    let format = detect_format(bytes, source_path);
    if matches!(format, "text" | "html") && bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(fail(format!(
            "{source_path}: {format} document is {} ({} bytes), over the {} limit for a single report",
            size_mib(bytes.len()),
            bytes.len(),
            size_mib(MAX_DOCUMENT_BYTES)
        )));
    }
    let decoded =
        decode::decode(bytes).map_err(|e| fail(format!("{source_path}: {}", e.reason)))?;
    let text = normalise_newlines(&decoded.text);
    drop(decoded);
    let ctx = FileCtx {
        original_sha256: original_sha256.unwrap_or_else(|| sha256_hex(bytes)),
        source_path,
        captured_at,
    };
    let one = |text: String, meta: Meta, format: &str| -> Result<_, IngestError> {
        if text.trim().is_empty() {
            return Err(fail(format!(
                "{source_path}: no report text found ({format})"
            )));
        }
        let report = build_report(text, meta, &ctx, None, format);
        if report.body.is_empty() {
            return Err(fail(format!(
                "{source_path}: only boilerplate found ({} removed lines), no story text",
                report.removed.len()
            )));
        }
        Ok(vec![Ok(report)])
    };
    match format {
        "html" => {
            let page = html::extract(&text);
            one(page.text, page.meta, "html")
        }
        "jsonl" => Ok(jsonl::parse(&text, &ctx)),
        "rss" | "atom" => {
            feed::parse(&text, &ctx, format).map_err(|e| fail(format!("{source_path}: {e}")))
        }
        _ => {
            let (meta, start) = text::split_front_matter(&text);
            let body = text[start..].trim_start_matches('\n').to_string();
            one(body, meta, "text")
        }
    }
}
