//! RSS 2.0 and Atom feeds: each `<item>`/`<entry>` is a report. Title, link,
//! `pubDate`/`dc:date`/`published`/`updated`, and the body from `content:encoded`,
//! `content`, `description` or `summary` (HTML is read through the HTML path). The channel
//! or feed title is the outlet. An item without any body is an [`ItemError`] naming it.
//! Parsing is event based (quick-xml) with an explicit element stack, never recursive.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::date::parse_date;
use crate::html;
use crate::model::{DateSource, Published};
use crate::{
    build_report, normalise_newlines, FileCtx, ItemError, Meta, Report, MAX_DOCUMENT_BYTES,
};

#[derive(Default)]
struct ItemBuf {
    fields: Vec<(String, String)>,
    link_href: Option<String>,
}

impl ItemBuf {
    fn get(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| {
            self.fields
                .iter()
                .find(|(k, v)| k == n && !v.trim().is_empty())
                .map(|(_, v)| v.trim())
        })
    }
}

fn lower_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.name().as_ref()).to_ascii_lowercase()
}

fn attr_value(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.as_ref().eq_ignore_ascii_case(key.as_bytes())).then(|| {
            a.unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_default()
        })
    })
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

/// Parse an RSS or Atom feed (`format` is `"rss"` or `"atom"`).
pub fn parse(
    text: &str,
    ctx: &FileCtx<'_>,
    format: &str,
) -> Result<Vec<Result<Report, ItemError>>, String> {
    let mut reader = Reader::from_str(text);
    let mut out: Vec<Result<Report, ItemError>> = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut outlet: Option<String> = None;
    let mut item: Option<(usize, ItemBuf)> = None; // (depth of the item element, buffer)
    let mut field: Option<(String, String, bool)> = None; // (name, content, is_xhtml)
    let mut count = 0usize;

    loop {
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = reader.error_position();
                if out.is_empty() && item.is_none() {
                    return Err(format!(
                        "not a well-formed {format} feed: {e} (at byte {at})"
                    ));
                }
                if item.is_some() {
                    out.push(Err(ItemError {
                        item: count,
                        reason: format!("feed item {count}: malformed XML at byte {at}: {e}"),
                    }));
                } else {
                    out.push(Err(ItemError {
                        item: count + 1,
                        reason: format!("feed ends in malformed XML at byte {at}: {e}"),
                    }));
                }
                return Ok(out);
            }
        };
        match event {
            Event::Start(e) => {
                let name = lower_name(&e);
                let depth = stack.len();
                if let Some((item_depth, buf)) = item.as_mut() {
                    if depth == *item_depth + 1 {
                        let xhtml =
                            attr_value(&e, "type").is_some_and(|t| t.eq_ignore_ascii_case("xhtml"));
                        if name == "link" {
                            capture_link(&e, buf);
                        }
                        field = Some((name.clone(), String::new(), xhtml));
                    } else if let Some((_, content, _)) = field.as_mut() {
                        content.push('<');
                        content.push_str(&name);
                        content.push('>');
                    }
                } else if name == "item" || name == "entry" {
                    count += 1;
                    item = Some((depth, ItemBuf::default()));
                } else if name == "title"
                    && outlet.is_none()
                    && matches!(stack.last().map(String::as_str), Some("channel" | "feed"))
                {
                    field = Some((name.clone(), String::new(), false));
                }
                stack.push(name);
            }
            Event::Empty(e) => {
                let name = lower_name(&e);
                if let Some((item_depth, buf)) = item.as_mut() {
                    if stack.len() == *item_depth + 1 && name == "link" {
                        capture_link(&e, buf);
                    } else if let Some((_, content, _)) = field.as_mut() {
                        content.push('<');
                        content.push_str(&name);
                        content.push_str("/>");
                    }
                }
            }
            Event::Text(t) => {
                if let Some((_, content, xhtml)) = field.as_mut() {
                    let s = t
                        .unescape()
                        .map(|c| c.into_owned())
                        .unwrap_or_else(|_| String::from_utf8_lossy(t.as_ref()).into_owned());
                    if *xhtml {
                        content.push_str(&escape_text(&s));
                    } else {
                        content.push_str(&s);
                    }
                }
            }
            Event::CData(c) => {
                if let Some((_, content, _)) = field.as_mut() {
                    content.push_str(&String::from_utf8_lossy(c.as_ref()));
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let depth = stack.len();
                match item.as_mut() {
                    Some((item_depth, buf)) => {
                        if depth == *item_depth {
                            if let Some((item_depth, buf)) = item.take() {
                                let _ = item_depth;
                                out.push(finish_item(buf, count, outlet.as_deref(), ctx, format));
                            }
                            field = None;
                        } else if depth == *item_depth + 1 {
                            if let Some((fname, content, _)) = field.take() {
                                buf.fields.push((fname, content));
                            }
                        } else if let Some((_, content, _)) = field.as_mut() {
                            content.push_str("</");
                            content.push_str(&name);
                            content.push('>');
                        }
                    }
                    None => {
                        if let Some((fname, content, _)) = field.take() {
                            if fname == name && outlet.is_none() {
                                outlet = Some(plain(&content)).filter(|s| !s.is_empty());
                            }
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if count == 0 {
        return Err(format!("{format} feed has no items"));
    }
    Ok(out)
}

fn capture_link(e: &BytesStart<'_>, buf: &mut ItemBuf) {
    if let Some(href) = attr_value(e, "href") {
        let rel = attr_value(e, "rel").unwrap_or_else(|| "alternate".into());
        if rel == "alternate" && buf.link_href.is_none() {
            buf.link_href = Some(href.trim().to_string());
        }
    }
}

/// Plain text of a value that may hold HTML.
fn plain(s: &str) -> String {
    let text = if html::looks_like_html(s) {
        html::fragment_text(s)
    } else {
        s.to_string()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn finish_item(
    buf: ItemBuf,
    n: usize,
    outlet: Option<&str>,
    ctx: &FileCtx<'_>,
    format: &str,
) -> Result<Report, ItemError> {
    let title = buf.get(&["title"]).map(plain).filter(|t| !t.is_empty());
    let name = match &title {
        Some(t) => format!("feed item {n} (\"{t}\")"),
        None => format!("feed item {n}"),
    };
    let fail = |reason: String| ItemError { item: n, reason };
    let Some(raw_body) = buf.get(&["content:encoded", "content", "description", "summary"]) else {
        return Err(fail(format!(
            "{name} has no body (no content:encoded, content, description or summary)"
        )));
    };
    if raw_body.len() > MAX_DOCUMENT_BYTES {
        return Err(fail(format!(
            "{name} body is {} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit",
            raw_body.len()
        )));
    }
    let raw_body = normalise_newlines(raw_body);
    let text = if html::looks_like_html(&raw_body) {
        html::fragment_text(&raw_body)
    } else {
        raw_body
    };
    if text.trim().is_empty() {
        return Err(fail(format!("{name} has an empty body")));
    }
    let published = buf
        .get(&["pubdate", "dc:date", "published", "updated", "date"])
        .and_then(|raw| {
            parse_date(raw).map(|date| Published {
                date,
                source: DateSource::Feed,
                raw: raw.to_string(),
            })
        });
    let url = buf
        .get(&["link"])
        .map(str::to_string)
        .or(buf.link_href.clone())
        .or_else(|| {
            buf.get(&["guid", "id"])
                .filter(|g| g.starts_with("http"))
                .map(str::to_string)
        });
    let meta = Meta {
        title,
        outlet: outlet.map(str::to_string),
        url,
        published,
    };
    let report = build_report(text, meta, ctx, Some(n), format);
    if report.body.is_empty() {
        return Err(fail(format!("{name} has only boilerplate, no story text")));
    }
    Ok(report)
}
