//! `lantern extract`: events of files, printed, without a store.

use std::io::Write;
use std::path::{Path, PathBuf};

use lantern_extract::Event;
use lantern_ingest::Report;

use crate::read::{read_reports, FileReports};
use crate::walk::collect_files;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Table,
}

/// The codebook's report name: the file name without extension, and for files holding
/// several reports the item number after a '#'.
pub fn report_name(path: &Path, report: &Report, several: bool) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match (several, report.item) {
        (true, Some(item)) => format!("{stem}#{item}"),
        _ => stem,
    }
}

pub fn run(paths: &[PathBuf], format: Format) -> anyhow::Result<bool> {
    let (files, walk_errors) = collect_files(paths);
    let mut ok = true;
    for e in &walk_errors {
        eprintln!("error: {}: {}", e.path.display(), e.reason);
        ok = false;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for path in files {
        match read_reports(&path) {
            FileReports::Failed(reason) => {
                eprintln!("error: {}: {reason}", path.display());
                ok = false;
            }
            FileReports::Parsed { items, .. } => {
                let several = items.len() > 1;
                for item in items {
                    match item {
                        Err(e) => {
                            eprintln!("error: {}: item {}: {}", path.display(), e.item, e.reason);
                            ok = false;
                        }
                        Ok(report) => {
                            let events = crate::read::extract_guarded(&report);
                            let name = report_name(&path, &report, several);
                            match format {
                                Format::Jsonl => {
                                    let line = lantern_extract::codebook_json(&name, &events);
                                    writeln!(out, "{line}")?;
                                }
                                Format::Table => write_table(&mut out, &name, &report, &events)?,
                            }
                        }
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(ok)
}

/// A human-readable listing of one report's events.
pub fn write_table(
    out: &mut impl Write,
    name: &str,
    report: &Report,
    events: &[Event],
) -> std::io::Result<()> {
    writeln!(
        out,
        "{name}  {}  ({} events)",
        report.title.as_deref().unwrap_or("(untitled)"),
        events.len()
    )?;
    for ev in events {
        let places: Vec<&str> = ev.places.iter().map(|p| p.name.as_str()).collect();
        let actors: Vec<&str> = ev.actors.iter().map(|a| a.as_str()).collect();
        let date = ev
            .date
            .as_ref()
            .map(|d| match d.start {
                Some(s) => format!("{s} ({})", d.text),
                None => format!("? ({})", d.text),
            })
            .unwrap_or_default();
        let evidence = ev
            .evidence
            .first()
            .and_then(|&(s, e)| report.body.get(s..e))
            .map(|t| crate::util::ellipsize(t, 70))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<16} {:<9} {:<28} {:<34} {:<26} {:.2}  {}",
            ev.event_type.as_str(),
            format!("{:?}", ev.modality).to_lowercase(),
            places.join(","),
            actors.join(","),
            date,
            ev.confidence,
            evidence
        )?;
    }
    Ok(())
}
