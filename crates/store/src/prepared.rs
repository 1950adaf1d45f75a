//! Files made ready for the writer: everything of an ingest that is not database work
//! (the SHA-256 of the original, JSON encoding of the event and report columns, dates as
//! text, the Hangul-bigram form of the full-text index) computed by a pure function on
//! the caller's threads, so that the single SQLite writer thread only writes rows.

use chrono::NaiveDate;
use lantern_extract::Event;
use lantern_ingest::sha256_hex;

use crate::error::{Result, StoreError};
use crate::search::index_text;
use crate::sqlite::{to_json, word, MAX_ORIGINAL};
use crate::types::FileInput;

/// A [`FileInput`] with its rows computed ahead of the write (see
/// [`crate::Store::ingest_prepared`]). Built only by [`PreparedFile::new`], which hashes
/// the original and checks every report's `original_sha256` against it, so a store can
/// trust the hash and the columns it carries without computing them again.
#[derive(Debug, Clone)]
pub struct PreparedFile {
    input: FileInput,
    rows: FileRows,
}

impl PreparedFile {
    /// Hash the original, check the reports' claims against it and encode the columns
    /// the SQLite writer stores. Pure (no I/O); meant to run on worker threads.
    /// Errors: an original over the store's size limit, a report whose
    /// `original_sha256` is not the original's hash, a value JSON cannot encode.
    pub fn new(input: FileInput) -> Result<PreparedFile> {
        let rows = FileRows::new(&input)?;
        Ok(PreparedFile { input, rows })
    }

    /// The file as given.
    pub fn input(&self) -> &FileInput {
        &self.input
    }

    /// The file as given, without the prepared columns.
    pub fn into_input(self) -> FileInput {
        self.input
    }

    /// SHA-256 (hex) of the original.
    pub fn sha256(&self) -> &str {
        &self.rows.sha256
    }

    pub(crate) fn rows(&self) -> &FileRows {
        &self.rows
    }
}

/// The computed columns of one file.
#[derive(Debug, Clone)]
pub(crate) struct FileRows {
    pub(crate) sha256: String,
    /// One per report of the file, in order.
    pub(crate) reports: Vec<ReportRows>,
}

impl FileRows {
    pub(crate) fn new(file: &FileInput) -> Result<FileRows> {
        let sha256 = checked_sha256(file)?;
        let mut reports = Vec::with_capacity(file.reports.len());
        for (r, events) in &file.reports {
            let published = r.published.as_ref().map(|p| p.date);
            let columns = events
                .iter()
                .map(|e| EventColumns::new(e, published))
                .collect::<Result<Vec<_>>>()?;
            // The report's count-table keys, summed here rather than on the writer.
            let mut tally = crate::counts::Tally::default();
            for (e, c) in events.iter().zip(&columns) {
                tally.add_event(
                    e,
                    c.eff_start.as_deref(),
                    c.eff_end.as_deref(),
                    r.outlet.as_deref(),
                );
            }
            reports.push(ReportRows {
                published: published.map(iso_date),
                published_json: match &r.published {
                    Some(p) => Some(to_json(p, "report published")?),
                    None => None,
                },
                removed_json: to_json(&r.removed, "report removed spans")?,
                fts_title: fts_form(r.title.as_deref().unwrap_or("")),
                fts_body: fts_form(&r.body),
                events: columns,
                counts: std::sync::Arc::new(tally.contribution()),
            });
        }
        Ok(FileRows { sha256, reports })
    }
}

/// [`index_text`] of `text` when it differs from `text`.
fn fts_form(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None;
    }
    let form = index_text(text);
    (form != text).then_some(form)
}

/// The computed columns of one report and its events.
#[derive(Debug, Clone)]
pub(crate) struct ReportRows {
    pub(crate) published: Option<String>,
    pub(crate) published_json: Option<String>,
    pub(crate) removed_json: String,
    /// The title's and body's full-text form ([`index_text`]), `None` when it is the
    /// text itself (no Hangul, already NFC): no second copy of the body in memory.
    pub(crate) fts_title: Option<String>,
    pub(crate) fts_body: Option<String>,
    /// One per event of the report, in order.
    pub(crate) events: Vec<EventColumns>,
    /// The events' count-table keys, summed (shared with the writer's summing thread,
    /// see [`crate::counts::Pending::add`]).
    pub(crate) counts: std::sync::Arc<crate::counts::Contribution>,
}

/// The JSON and normalised columns of one event.
#[derive(Debug, Clone)]
pub(crate) struct EventColumns {
    pub(crate) event_type: &'static str,
    pub(crate) modality: String,
    pub(crate) actors: String,
    pub(crate) places: String,
    pub(crate) date: Option<String>,
    pub(crate) attribution: Option<String>,
    pub(crate) quantities: String,
    pub(crate) evidence: String,
    pub(crate) eff_start: Option<String>,
    pub(crate) eff_end: Option<String>,
    /// The `role` word of each place, in order (the `event_places` rows).
    pub(crate) place_roles: Vec<String>,
}

impl EventColumns {
    pub(crate) fn new(e: &Event, published: Option<NaiveDate>) -> Result<EventColumns> {
        let d = e.date.as_ref();
        let start = d.and_then(|d| d.start.or(d.end)).or(published);
        let end = d.and_then(|d| d.end.or(d.start)).or(published);
        Ok(EventColumns {
            event_type: e.event_type.as_str(),
            modality: word(&e.modality)?,
            actors: to_json(&e.actors, "event actors")?,
            places: to_json(&e.places, "event places")?,
            date: match &e.date {
                Some(d) => Some(to_json(d, "event date")?),
                None => None,
            },
            attribution: match &e.attribution {
                Some(a) => Some(to_json(a, "event attribution")?),
                None => None,
            },
            quantities: to_json(&e.quantities, "event quantities")?,
            evidence: to_json(&e.evidence, "event evidence")?,
            eff_start: start.map(iso_date),
            eff_end: end.map(iso_date),
            place_roles: e
                .places
                .iter()
                .map(|p| word(&p.role))
                .collect::<Result<_>>()?,
        })
    }
}

/// `d.to_string()` (`YYYY-MM-DD`), written from its numbers for years 0 to 9999
/// (chrono's `Display` goes through the formatter a char at a time: 2,000 instructions
/// a date, two or three dates an event); other years keep chrono's form.
pub(crate) fn iso_date(d: NaiveDate) -> String {
    match lantern_extract::iso_date_ascii(d)
        .as_ref()
        .map(|b| std::str::from_utf8(b))
    {
        Some(Ok(text)) => text.to_owned(),
        _ => d.to_string(),
    }
}

/// The SHA-256 of a file's original, after checking that the original is not over the
/// size limit and that every report of the file claims that hash.
pub(crate) fn checked_sha256(file: &FileInput) -> Result<String> {
    if file.original.len() > MAX_ORIGINAL {
        return Err(StoreError::Invalid {
            what: format!("file {}", file.source_path),
            reason: format!(
                "{} bytes is too large to store (limit {MAX_ORIGINAL} bytes)",
                file.original.len()
            ),
        });
    }
    let sha256 = sha256_hex(&file.original);
    for (r, _) in &file.reports {
        if r.original_sha256 != sha256 {
            return Err(StoreError::OriginalMismatch {
                report: r.id.clone(),
                source_path: file.source_path.clone(),
                claimed: r.original_sha256.clone(),
                actual: sha256,
            });
        }
    }
    Ok(sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_date_is_chrono_display() {
        let mut d = NaiveDate::from_ymd_opt(-3, 12, 25).expect("date");
        let end = NaiveDate::from_ymd_opt(10_002, 1, 10).expect("date");
        let mut n = 0;
        while d <= end {
            assert_eq!(iso_date(d), d.to_string());
            // every day near the year edges and of a few whole years, else a day in 97
            let y = chrono::Datelike::year(&d);
            let step = if y < 3 || (1999..=2001).contains(&y) || y > 9_997 {
                1
            } else {
                97
            };
            d += chrono::Duration::days(step);
            n += 1;
        }
        assert!(n > 40_000);
        for d in [NaiveDate::MIN, NaiveDate::MAX] {
            assert_eq!(iso_date(d), d.to_string());
        }
    }
}
