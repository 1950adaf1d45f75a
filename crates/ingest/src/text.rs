//! Plain text, with an optional `---` front-matter header.

use crate::date::parse_date;
use crate::model::{DateSource, Published};
use crate::Meta;

/// Split a `---` front-matter header off the text. Returns the metadata and the byte
/// offset where the text after the header starts. Keys `title`, `outlet`, `url` and
/// `published` are read (with the aliases `source`/`publisher`, `link`, `date`); values may
/// be quoted; unknown keys are ignored. Without a well-formed header the whole text is the
/// report.
pub fn split_front_matter(text: &str) -> (Meta, usize) {
    let mut meta = Meta::default();
    // Blank lines before the opening `---` are tolerated.
    let lead = text.len() - text.trim_start_matches(['\n', ' ', '\t']).len();
    let lead = text[..lead].rfind('\n').map_or(0, |i| i + 1);
    let Some(rest) = text[lead..].strip_prefix("---\n") else {
        return (meta, 0);
    };
    let mut offset = lead + 4;
    let mut fields = Vec::new();
    let mut closed = None;
    for line in rest.split_inclusive('\n') {
        let t = line.trim();
        if t == "---" || t == "..." {
            closed = Some(offset + line.len());
            break;
        }
        offset += line.len();
        fields.push(t);
        if fields.len() > 200 {
            break;
        }
    }
    let Some(end) = closed else {
        return (Meta::default(), 0);
    };
    for line in fields {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = unquote(v.trim());
        if v.is_empty() {
            continue;
        }
        match k.trim().to_ascii_lowercase().as_str() {
            "title" | "headline" => meta.title = Some(v),
            "outlet" => meta.outlet = Some(v),
            "source" | "publisher" | "site" if meta.outlet.is_none() => meta.outlet = Some(v),
            "url" | "link" | "canonical" => meta.url = Some(v),
            "published" | "date" | "published_at" | "pubdate"
                if meta.published.is_none() || k.trim() == "published" =>
            {
                meta.published = parse_date(&v).map(|date| Published {
                    date,
                    source: DateSource::FrontMatter,
                    raw: v.clone(),
                });
            }
            _ => {}
        }
    }
    (meta, end)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].trim().to_string();
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter() {
        let t = "---\ntitle: \"A: B\"\noutlet: 'X'\nfoo: bar\npublished: 2021-05-14T09:00:00+09:00\n---\nBody\n";
        let (m, end) = split_front_matter(t);
        assert_eq!(m.title.as_deref(), Some("A: B"));
        assert_eq!(m.outlet.as_deref(), Some("X"));
        assert_eq!(m.published.unwrap().date.to_string(), "2021-05-14");
        assert_eq!(&t[end..], "Body\n");
        let (m, end) = split_front_matter("\n\n---\ntitle: y\n---\nB");
        assert_eq!(m.title.as_deref(), Some("y"));
        assert_eq!(end, 19);
        let (m, end) = split_front_matter("---\ntitle: x\nno end\n");
        assert!(m.title.is_none());
        assert_eq!(end, 0);
    }
}
