//! Commands that move data between Lantern and other tools: export, import, watch.

use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use lantern_export::{ExportError, Format, Options};
use lantern_store::{ImportOutcome, Store, StoreSpec};

use crate::store_cmds::{event_filter, open, EventArgs};

/// Export format names, for the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Acled,
    Jsonl,
    Geojson,
    Ftm,
}

impl From<ExportFormat> for Format {
    fn from(f: ExportFormat) -> Format {
        match f {
            ExportFormat::Acled => Format::Acled,
            ExportFormat::Jsonl => Format::Jsonl,
            ExportFormat::Geojson => Format::Geojson,
            ExportFormat::Ftm => Format::Ftm,
        }
    }
}

/// Import format names, for the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    Acled,
    Jsonl,
}

fn is_broken_pipe(e: &ExportError) -> bool {
    matches!(e, ExportError::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Export events of the store in `data` matching `args` (without a limit unless one
/// is given) to `out` or standard output.
pub fn export(
    data: &StoreSpec,
    args: EventArgs,
    format: ExportFormat,
    options: Options,
    out: Option<&Path>,
) -> anyhow::Result<bool> {
    let mut filter = event_filter(&args)?;
    if args.limit == usize::MAX {
        filter.limit = None;
    }
    let store = open(data)?;
    match out {
        None => {
            let stdout = std::io::stdout();
            let w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            match lantern_export::export(store.as_ref(), &filter, format.into(), options, w) {
                Ok(_) => Ok(true),
                Err(e) if is_broken_pipe(&e) => Ok(true),
                Err(e) => Err(e.into()),
            }
        }
        Some(path) => {
            // Write beside the target and rename, so a failed export leaves no half file.
            let tmp = path.with_extension("lantern-export-tmp");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))?;
            let w = std::io::BufWriter::with_capacity(1 << 16, file);
            let result = lantern_export::export(store.as_ref(), &filter, format.into(), options, w);
            match result {
                Ok(n) => {
                    std::fs::rename(&tmp, path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("exported {n} events to {}", path.display());
                    Ok(true)
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(anyhow::anyhow!("{}: {e}", path.display()))
                }
            }
        }
    }
}

/// Reports per import transaction.
const IMPORT_BATCH: usize = 500;

/// Import a file into an open store; returns the outcome and the rows that failed.
pub fn import_into(
    store: &mut dyn Store,
    file: &Path,
    format: ImportFormat,
) -> anyhow::Result<(ImportOutcome, Vec<String>)> {
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let name = file.display().to_string();
    let now = crate::read::now_rfc3339();
    let read = match format {
        ImportFormat::Jsonl => lantern_export::import::read_jsonl(BufReader::new(f), &name, &now),
        ImportFormat::Acled => lantern_export::import::read_acled(BufReader::new(f), &name, &now),
    }
    .with_context(|| format!("cannot read {name}"))?;
    let mut total = ImportOutcome::default();
    for chunk in read.reports.chunks(IMPORT_BATCH) {
        let o = store
            .import_reports(chunk)
            .with_context(|| format!("{name}: import failed; this batch was rolled back"))?;
        total.reports_stored += o.reports_stored;
        total.reports_existing += o.reports_existing;
        total.events_stored += o.events_stored;
        total.events_skipped += o.events_skipped;
        total.events_renumbered += o.events_renumbered;
    }
    let errors = read.errors.iter().map(|e| format!("{name}: {e}")).collect();
    Ok((total, errors))
}

pub fn import(data: &StoreSpec, file: &Path, format: ImportFormat) -> anyhow::Result<bool> {
    let mut store = open(data)?;
    let (o, errors) = import_into(store.as_mut(), file, format)?;
    println!(
        "imported {} reports with {} events from {}; {} reports already stored ({} of their events not imported); {} event ids renumbered; {} rows failed",
        o.reports_stored,
        o.events_stored,
        file.display(),
        o.reports_existing,
        o.events_skipped,
        o.events_renumbered,
        errors.len()
    );
    for e in &errors {
        eprintln!("failed: {e}");
    }
    Ok(errors.is_empty())
}

/// What `lantern alerts` does.
pub enum AlertAction {
    /// List new matches of every saved search and mark them seen.
    Check,
    /// Save a search.
    Add(String, EventArgs),
    /// Delete a saved search.
    Remove(String),
    /// Write a saved search's Atom feed.
    Feed {
        name: String,
        out: Option<std::path::PathBuf>,
        limit: usize,
        base_url: Option<String>,
    },
}

pub fn alerts(data: &StoreSpec, action: AlertAction) -> anyhow::Result<bool> {
    let mut store = open(data)?;
    match action {
        AlertAction::Add(name, args) => {
            let filter = event_filter(&args)?;
            let query = lantern_store::AlertQuery::from_filter(&filter);
            let alert = store.save_alert(&name, &query)?;
            println!(
                "saved search {}: {}",
                alert.name,
                serde_json::to_string(&alert.query)?
            );
            Ok(true)
        }
        AlertAction::Remove(name) => {
            if store.delete_alert(&name)? {
                println!("removed saved search {name}");
                Ok(true)
            } else {
                anyhow::bail!("no saved search named {name:?}")
            }
        }
        AlertAction::Feed {
            name,
            out,
            limit,
            base_url,
        } => {
            let alert = store
                .alerts()?
                .into_iter()
                .find(|a| a.name == name)
                .with_context(|| format!("no saved search named {name:?}"))?;
            let mut buf = Vec::new();
            lantern_export::atom::write_alert_feed(
                store.as_ref(),
                &alert,
                base_url.as_deref(),
                limit,
                &mut buf,
            )?;
            match out {
                Some(p) => std::fs::write(&p, &buf)
                    .with_context(|| format!("cannot write {}", p.display()))?,
                None => {
                    use std::io::Write;
                    let mut o = std::io::stdout().lock();
                    o.write_all(&buf)?;
                    o.flush()?;
                }
            }
            Ok(true)
        }
        AlertAction::Check => {
            let alerts = store.alerts()?;
            if alerts.is_empty() {
                println!("no saved searches; add one with `lantern alerts add NAME --type ... --place ...`");
                return Ok(true);
            }
            for alert in alerts {
                let mut lines = Vec::new();
                let max = lantern_export::atom::new_matches(store.as_ref(), &alert, &mut |r| {
                    let e = &r.stored.event;
                    let places: Vec<&str> = e.places.iter().map(|p| p.name.as_str()).collect();
                    let date = lantern_export::acled::event_date(e, r.report.published)
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into());
                    lines.push(format!(
                        "  {:>6}  {:<10}  {:<16} {:<24} {}",
                        r.stored.id,
                        date,
                        e.event_type.as_str(),
                        crate::util::ellipsize(&places.join(","), 24),
                        crate::util::ellipsize(r.report.title.as_deref().unwrap_or(""), 50)
                    ));
                })?;
                println!("{}: {} new", alert.name, lines.len());
                for l in &lines {
                    println!("{l}");
                }
                store.mark_alert_checked(&alert.name, max)?;
            }
            Ok(true)
        }
    }
}
