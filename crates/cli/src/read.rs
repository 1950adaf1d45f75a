//! Reading one file into reports, guarded: size limits, I/O errors and any panic in the
//! pure stages become one clear error for that file, and the batch goes on.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use lantern_extract::Event;
use lantern_ingest::{ItemError, Report};

use crate::util::human_bytes;

/// Files above this size are refused before they are read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
use crate::walk::describe_io;

pub enum FileReports {
    /// The whole file could not be read; the reason names no path (the caller adds it).
    Failed(String),
    Parsed {
        original: Vec<u8>,
        items: Vec<Result<Report, ItemError>>,
    },
}

/// Read the bytes of a file, refusing files above the size limit before reading them.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| describe_io(&e))?;
    if meta.is_dir() {
        return Err("is a directory".into());
    }
    let limit = MAX_FILE_BYTES;
    if meta.len() > limit {
        return Err(format!(
            "file is {}, over the {} limit for one file",
            human_bytes(meta.len()),
            human_bytes(limit)
        ));
    }
    std::fs::read(path).map_err(|e| describe_io(&e))
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Read and parse one file.
pub fn read_reports(path: &Path) -> FileReports {
    let original = match read_bytes(path) {
        Ok(b) => b,
        Err(reason) => return FileReports::Failed(reason),
    };
    parse_bytes(original, &path.display().to_string())
}

/// Parse bytes already read.
pub fn parse_bytes(original: Vec<u8>, source_path: &str) -> FileReports {
    parse_bytes_hashed(original, source_path, None)
}

/// [`parse_bytes`], given the bytes' SHA-256 (hex) when the caller has computed it, which
/// saves the parser a second pass over the file.
pub fn parse_bytes_hashed(
    original: Vec<u8>,
    source_path: &str,
    sha256: Option<String>,
) -> FileReports {
    let captured_at = now_rfc3339();
    let parsed = catch_unwind(AssertUnwindSafe(|| match sha256 {
        Some(sha) => lantern_ingest::parse_file_hashed(&original, sha, source_path, &captured_at),
        None => lantern_ingest::parse_file(&original, source_path, &captured_at),
    }));
    match parsed {
        Err(_) => FileReports::Failed("internal error while parsing (please report it)".into()),
        Ok(Err(e)) => FileReports::Failed(e.reason),
        Ok(Ok(items)) => FileReports::Parsed { original, items },
    }
}

/// Extract events; a panic in the extractor costs this report its events, not the run.
pub fn extract_guarded(report: &Report) -> Vec<Event> {
    catch_unwind(AssertUnwindSafe(|| lantern_extract::extract(report))).unwrap_or_else(|_| {
        eprintln!(
            "warning: {}: extraction failed internally; report kept without events",
            report.source_path
        );
        Vec::new()
    })
}
