//! Format detection: content first, the file extension as a hint.

use std::borrow::Cow;

use encoding_rs::{UTF_16BE, UTF_16LE};

/// Sniff the format of a file: `"html"`, `"rss"`, `"atom"`, `"jsonl"` or `"text"`.
/// Only the first 64 KiB are looked at.
pub fn detect_format(bytes: &[u8], path: &str) -> &'static str {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    // Borrowed when the head is valid UTF-8 (no copy of it).
    let text: Cow<'_, str> = match crate::decode::bom(head) {
        Some((enc, len)) if enc == UTF_16LE || enc == UTF_16BE => {
            enc.decode_without_bom_handling(&head[len..]).0
        }
        Some((_, len)) => lossy(&head[len..]),
        None => lossy(head),
    };
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let t = text.trim_start();
    // The first 4096 chars, ASCII-lowercased; only markup-like files need it.
    let lower = || {
        let end = t.char_indices().nth(4096).map_or(t.len(), |(i, _)| i);
        t[..end].to_ascii_lowercase()
    };

    if t.starts_with('<') {
        if let Some(root) = first_element(&lower()) {
            match root.as_str() {
                "rss" | "rdf:rdf" => return "rss",
                "feed" => return "atom",
                _ => return "html",
            }
        }
        return "html";
    }
    let json_ext = matches!(ext.as_str(), "jsonl" | "ndjson" | "json");
    if t.starts_with('{') {
        let first = t.lines().next().unwrap_or("").trim();
        let object_line = matches!(
            serde_json::from_str::<serde_json::Value>(first),
            Ok(serde_json::Value::Object(_))
        );
        if json_ext || object_line {
            return "jsonl";
        }
    }
    if t.starts_with('[') && json_ext {
        return "jsonl";
    }
    match ext.as_str() {
        "html" | "htm" | "xhtml" => {
            let lower = lower();
            if lower.contains("<html") || lower.contains("<body") || lower.contains("<p") {
                "html"
            } else {
                "text"
            }
        }
        _ => "text",
    }
}

/// `String::from_utf8_lossy`, with the faster validation of `str::from_utf8` first (most
/// files are valid UTF-8).
fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Name of the first element, skipping the XML declaration, comments and doctype.
fn first_element(lower: &str) -> Option<String> {
    let mut s = lower;
    loop {
        s = s.trim_start();
        if let Some(r) = s.strip_prefix("<?") {
            s = &r[r.find("?>")? + 2..];
        } else if let Some(r) = s.strip_prefix("<!--") {
            s = &r[r.find("-->")? + 3..];
        } else if let Some(r) = s.strip_prefix("<!") {
            s = &r[r.find('>')? + 1..];
        } else if let Some(r) = s.strip_prefix('<') {
            let name: String = r
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_'))
                .collect();
            return (!name.is_empty()).then_some(name);
        } else {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff() {
        assert_eq!(
            detect_format(b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\">", "a.xml"),
            "rss"
        );
        assert_eq!(
            detect_format(
                b"<?xml version=\"1.0\"?><!-- x --><feed xmlns=\"http://www.w3.org/2005/Atom\">",
                "a"
            ),
            "atom"
        );
        assert_eq!(detect_format(b"<!DOCTYPE html><html>", "a.txt"), "html");
        assert_eq!(detect_format(b"{\"title\": 1}\n{}", "a"), "jsonl");
        assert_eq!(detect_format(b"---\ntitle: x\n---\n", "a.html"), "text");
        assert_eq!(detect_format(b"plain", "a.txt"), "text");
        assert_eq!(
            detect_format(b"{Editor's note} The source said.", "a.txt"),
            "text"
        );
        assert_eq!(detect_format(b"[{\"body\": \"x\"}]", "a.json"), "jsonl");
        assert_eq!(detect_format(b"{\n  \"body\": \"x\"\n}", "a.json"), "jsonl");
    }
}
