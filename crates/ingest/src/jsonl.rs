//! JSON Lines: one report per line, an object with `title`, `url`, `published`, `outlet`
//! and either `body` (plain text) or `html` (a page or fragment, read through the HTML path).
//! A line that is not valid JSON, not an object, or has no text is an [`ItemError`] naming
//! its line; the other lines still come back.

use serde_json::{Map, Value};

use crate::date::parse_date;
use crate::html;
use crate::model::{DateSource, Published};
use crate::{
    build_report, normalise_newlines, FileCtx, ItemError, Meta, Report, MAX_DOCUMENT_BYTES,
};

fn string_field(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match obj.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    })
}

/// Parse a JSON Lines file: one result per non-blank line, `item` = 1-based line number.
/// A plain JSON file (one pretty-printed object, or an array of objects) is also accepted:
/// then `item` is 1 for the object or the 1-based array index.
pub fn parse(text: &str, ctx: &FileCtx<'_>) -> Vec<Result<Report, ItemError>> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if !matches!(serde_json::from_str::<Value>(first), Ok(Value::Object(_))) {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(records)) => {
                return records
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        record(v, i + 1, ctx).map_err(|reason| ItemError {
                            item: i + 1,
                            reason: format!("record {}: {reason}", i + 1),
                        })
                    })
                    .collect();
            }
            Ok(v @ Value::Object(_)) => {
                return vec![record(v, 1, ctx).map_err(|reason| ItemError { item: 1, reason })];
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        out.push(parse_line(line, line_no, ctx).map_err(|reason| ItemError {
            item: line_no,
            reason: format!("line {line_no}: {reason}"),
        }));
    }
    out
}

fn parse_line(line: &str, line_no: usize, ctx: &FileCtx<'_>) -> Result<Report, String> {
    if line.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "record is {} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit for one report",
            line.len()
        ));
    }
    let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    record(value, line_no, ctx)
}

/// One JSON record (object) to a report.
fn record(value: Value, item: usize, ctx: &FileCtx<'_>) -> Result<Report, String> {
    let Value::Object(obj) = value else {
        return Err("not a JSON object".into());
    };
    let published =
        string_field(&obj, &["published", "date", "pubDate", "published_at"]).and_then(|raw| {
            parse_date(&raw).map(|date| Published {
                date,
                source: DateSource::JsonField,
                raw,
            })
        });
    let meta = Meta {
        title: string_field(&obj, &["title", "headline"]),
        outlet: string_field(&obj, &["outlet", "source", "publisher", "site"]),
        url: string_field(&obj, &["url", "link"]),
        published,
    };
    let (text, meta) = if let Some(body) = string_field(&obj, &["body", "text", "content"]) {
        (normalise_newlines(&body), meta)
    } else if let Some(markup) = string_field(&obj, &["html", "content_html"]) {
        let markup = normalise_newlines(&markup);
        if markup.to_ascii_lowercase().contains("<html")
            || markup.to_ascii_lowercase().contains("<body")
        {
            let page = html::extract(&markup);
            (page.text, meta.or(page.meta))
        } else {
            (html::fragment_text(&markup), meta)
        }
    } else {
        return Err("no \"body\" or \"html\" field with text".into());
    };
    if text.trim().is_empty() {
        return Err("the report text is empty".into());
    }
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "record text is {} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit for one report",
            text.len()
        ));
    }
    let report = build_report(text, meta, ctx, Some(item), "jsonl");
    if report.body.is_empty() {
        return Err("only boilerplate found, no story text".into());
    }
    Ok(report)
}
