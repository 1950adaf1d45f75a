//! Export: streams stored events out to analysts' tools, and reads them back in.
//! Writers for CSV in ACLED's column layout ([`acled`]), Lantern's JSON Lines with
//! evidence and provenance ([`jsonl`]), GeoJSON ([`geojson`]) and FollowTheMoney
//! entities for Aleph ([`ftm`]), plus readers turning Lantern JSON Lines and ACLED CSV
//! into store imports ([`import`]). Writers take one [`EventRecord`] at a time and write
//! to any [`std::io::Write`], so memory stays constant however many events flow through;
//! this crate opens no files and no sockets. The mapping to ACLED is documented in
//! `crates/export/README.md`.
//!
//! Public exports leave out what may identify people: attribution text (how the report
//! words its source), evidence quotes (report sentences may name private persons) and
//! local source paths. [`Options::include_sensitive`] puts them in. Reviewer notes live
//! only in the audit log and are never exported.

#![warn(missing_docs)]

pub mod acled;
pub mod atom;
pub mod ftm;
pub mod geojson;
pub mod import;
pub mod jsonl;

use std::io::Write;

use lantern_store::{EventFilter, EventRecord, ReviewState, Store, StoreError};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CSV in ACLED's column layout.
    Acled,
    /// Lantern JSON Lines: one event a line, with evidence spans and provenance.
    Jsonl,
    /// A GeoJSON FeatureCollection: one Point feature per event place.
    Geojson,
    /// FollowTheMoney entities, one JSON object a line (Aleph's `ftm` format).
    Ftm,
}

impl Format {
    /// All formats.
    pub const ALL: [Format; 4] = [Format::Acled, Format::Jsonl, Format::Geojson, Format::Ftm];

    /// The format's name on the command line and in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Acled => "acled",
            Format::Jsonl => "jsonl",
            Format::Geojson => "geojson",
            Format::Ftm => "ftm",
        }
    }

    /// Parse a format name.
    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// MIME type of the output.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Acled => "text/csv; charset=utf-8",
            Format::Jsonl => "application/x-ndjson",
            Format::Geojson => "application/geo+json",
            Format::Ftm => "application/x-ndjson",
        }
    }

    /// Usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Acled => "csv",
            Format::Jsonl => "jsonl",
            Format::Geojson => "geojson",
            Format::Ftm => "ftm.json",
        }
    }
}

/// What an export includes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Include attribution text, evidence quotes and source paths (editors only).
    pub include_sensitive: bool,
    /// Include events a reviewer rejected (left out by default, unless the filter asks
    /// for a review state).
    pub include_rejected: bool,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
}

/// A streaming writer of one format. Call [`Exporter::write`] per event, then
/// [`Exporter::finish`] (which writes any closing bytes and flushes).
pub struct Exporter<W: Write> {
    inner: Inner<W>,
    count: u64,
}

enum Inner<W: Write> {
    Acled(Box<acled::AcledWriter<W>>),
    Jsonl(jsonl::JsonlWriter<W>),
    Geojson(geojson::GeojsonWriter<W>),
    Ftm(ftm::FtmWriter<W>),
}

impl<W: Write> Exporter<W> {
    /// Start an export: writes the header (CSV columns, GeoJSON opening).
    pub fn new(format: Format, options: Options, out: W) -> std::io::Result<Self> {
        let inner = match format {
            Format::Acled => Inner::Acled(Box::new(acled::AcledWriter::new(out, options)?)),
            Format::Jsonl => Inner::Jsonl(jsonl::JsonlWriter::new(out, options)),
            Format::Geojson => Inner::Geojson(geojson::GeojsonWriter::new(out, options)?),
            Format::Ftm => Inner::Ftm(ftm::FtmWriter::new(out, options)),
        };
        Ok(Exporter { inner, count: 0 })
    }

    /// Write one event.
    pub fn write(&mut self, record: &EventRecord) -> std::io::Result<()> {
        match &mut self.inner {
            Inner::Acled(w) => w.write(record)?,
            Inner::Jsonl(w) => w.write(record)?,
            Inner::Geojson(w) => w.write(record)?,
            Inner::Ftm(w) => w.write(record)?,
        }
        self.count += 1;
        Ok(())
    }

    /// Events written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Finish the output (closing bytes, flush) and give the writer back.
    pub fn finish(self) -> std::io::Result<W> {
        match self.inner {
            Inner::Acled(w) => w.finish(),
            Inner::Jsonl(w) => w.finish(),
            Inner::Geojson(w) => w.finish(),
            Inner::Ftm(w) => w.finish(),
        }
    }
}

/// Export the events of `store` matching `filter` to `out`, streaming: one event in
/// memory at a time. Returns the number of events written.
pub fn export<W: Write>(
    store: &dyn Store,
    filter: &EventFilter,
    format: Format,
    options: Options,
    out: W,
) -> Result<u64, ExportError> {
    let mut exporter = Exporter::new(format, options, out)?;
    let mut io_error: Option<std::io::Error> = None;
    let skip_rejected = !options.include_rejected && filter.review_state.is_none();
    let walked = store.for_each_event(filter, &mut |record| {
        if skip_rejected && record.stored.review_state == ReviewState::Rejected {
            return Ok(());
        }
        exporter.write(&record).map_err(|e| {
            let reason = e.to_string();
            io_error = Some(e);
            StoreError::Invalid {
                what: "export output".into(),
                reason,
            }
        })
    });
    if let Some(e) = io_error {
        return Err(ExportError::Io(e));
    }
    walked?;
    let n = exporter.count();
    exporter.finish()?;
    Ok(n)
}

/// Stable id of an event across stores: its report id and its position in the report.
pub fn event_uid(record: &EventRecord) -> String {
    format!("{}:{}", record.report.id, record.seq)
}
