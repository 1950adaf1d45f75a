//! Report text with marks: evidence spans highlighted, removed boilerplate greyed,
//! attribution withheld in public mode. Evidence indexes the clean body while removed
//! spans index the text as found, so body offsets are first aligned onto the text; when
//! that fails the clean body is shown instead (still with its evidence).

use lantern_ingest::Report;
use maud::{html, Markup};

/// What a mark means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// Evidence of the event the page is about (or of any event on a report page).
    Evidence,
    /// Evidence of another event of the report.
    Other,
    /// Words to hide (attribution in public mode).
    Withheld,
}

/// A span of the body to mark.
#[derive(Debug, Clone)]
pub struct Mark {
    /// Byte range of `Report::body`.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// Its meaning.
    pub kind: MarkKind,
    /// Where the mark links to (an event page), if anywhere.
    pub href: Option<String>,
    /// Tooltip.
    pub title: String,
}

/// For each char boundary of `body`, the offset of the same character in `text`
/// (outside removed spans). `None` when the body is not a whitespace-tolerant
/// subsequence of the kept text.
fn align(report: &Report) -> Option<Vec<usize>> {
    let text = &report.text;
    let body = &report.body;
    let mut keep = vec![true; text.len()];
    for r in &report.removed {
        let end = r.offset.saturating_add(r.length).min(text.len());
        for k in keep.iter_mut().take(end).skip(r.offset) {
            *k = false;
        }
    }
    let mut map = vec![usize::MAX; body.len() + 1];
    let mut t = 0;
    'body: for (bi, ch) in body.char_indices() {
        loop {
            if t >= text.len() {
                return None;
            }
            if !keep[t] || !text.is_char_boundary(t) {
                t += 1;
                continue;
            }
            let tc = text[t..].chars().next()?;
            if tc == ch {
                break;
            }
            if tc.is_whitespace() {
                t += tc.len_utf8();
                continue;
            }
            if ch.is_whitespace() {
                map[bi] = t;
                continue 'body;
            }
            return None;
        }
        map[bi] = t;
        t += ch.len_utf8();
    }
    map[body.len()] = t;
    Some(map)
}

/// Map a body span to a text span with the alignment.
fn map_span(map: &[usize], body: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    if start >= end
        || end > body.len()
        || !body.is_char_boundary(start)
        || !body.is_char_boundary(end)
    {
        return None;
    }
    let s = *map.get(start)?;
    // The end is just past the span's last character (not the next kept character,
    // which may lie beyond removed boilerplate).
    let last = body[..end].char_indices().next_back()?;
    let e = map.get(last.0)?.checked_add(last.1.len_utf8())?;
    (s != usize::MAX && e >= s).then_some((s, e))
}

/// Text to draw, boilerplate ranges, marks in its offsets, whether aligned onto the text.
type Layout<'a> = (
    &'a str,
    Vec<(usize, usize)>,
    Vec<(usize, usize, &'a Mark)>,
    bool,
);

/// Render the report's text with its marks.
pub fn render(report: &Report, marks: &[Mark]) -> Markup {
    // (text, boilerplate ranges, marks in text offsets)
    let (base, boiler, spans, aligned): Layout<'_> = match align(report) {
        Some(map) => {
            let boiler = report
                .removed
                .iter()
                .map(|r| {
                    (
                        r.offset,
                        r.offset.saturating_add(r.length).min(report.text.len()),
                    )
                })
                .filter(|(s, e)| {
                    s < e && report.text.is_char_boundary(*s) && report.text.is_char_boundary(*e)
                })
                .collect();
            let spans = marks
                .iter()
                .filter_map(|m| {
                    map_span(&map, &report.body, m.start, m.end).map(|(s, e)| (s, e, m))
                })
                .collect();
            (&report.text, boiler, spans, true)
        }
        None => {
            let body = &report.body;
            let spans = marks
                .iter()
                .filter(|m| {
                    m.start < m.end
                        && m.end <= body.len()
                        && body.is_char_boundary(m.start)
                        && body.is_char_boundary(m.end)
                })
                .map(|m| (m.start, m.end, m))
                .collect();
            (body, Vec::new(), spans, false)
        }
    };
    let mut cuts: Vec<usize> = vec![0, base.len()];
    for (s, e) in &boiler {
        cuts.extend([*s, *e]);
    }
    for (s, e, _) in &spans {
        cuts.extend([*s, *e]);
    }
    cuts.sort_unstable();
    cuts.dedup();
    html! {
        @if !aligned {
            p.note { "Showing the clean body (removed boilerplate could not be placed in the text)." }
        }
        div.reporttext {
            @for w in cuts.windows(2) {
                @let (a, b) = (w[0], w[1]);
                @let in_boiler = boiler.iter().any(|(s, e)| *s <= a && b <= *e);
                @let covering: Vec<&Mark> = spans.iter().filter(|(s, e, _)| *s <= a && b <= *e).map(|(_, _, m)| *m).collect();
                @let withheld = covering.iter().find(|m| m.kind == MarkKind::Withheld);
                @if let Some(m) = withheld {
                    @if spans.iter().any(|(s, _, x)| *s == a && std::ptr::eq(*x, *m)) {
                        span.withheld title="withheld in the public view" { "[source withheld]" }
                    }
                } @else if let Some(m) = covering.iter().find(|m| m.kind == MarkKind::Evidence).or_else(|| covering.first()) {
                    mark class=(if m.kind == MarkKind::Evidence { "ev" } else { "other" }) title=(m.title) {
                        @if let Some(href) = &m.href {
                            a href=(href) { (&base[a..b]) }
                        } @else {
                            (&base[a..b])
                        }
                    }
                } @else if in_boiler {
                    span.boiler title="removed as boilerplate" { (&base[a..b]) }
                } @else {
                    (&base[a..b])
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lantern_ingest::{Language, RemovedSpan, SpanKind};

    fn report(text: &str, removed: Vec<RemovedSpan>, body: &str) -> Report {
        Report {
            id: "x".into(),
            original_sha256: "y".into(),
            title: None,
            outlet: None,
            url: None,
            published: None,
            language: Language::En,
            text: text.into(),
            removed,
            body: body.into(),
            captured_at: String::new(),
            source_path: "t".into(),
            item: None,
            format: "text".into(),
        }
    }

    fn mark(start: usize, end: usize, kind: MarkKind) -> Mark {
        Mark {
            start,
            end,
            kind,
            href: None,
            title: "t".into(),
        }
    }

    #[test]
    fn evidence_maps_across_removed_boilerplate() {
        let text = "Photo: a caption\nAgents arrested <b>traders</b>.  \n\n\nEnd.";
        let removed = vec![RemovedSpan {
            offset: 0,
            length: 17,
            kind: SpanKind::Caption,
        }];
        let body = "Agents arrested <b>traders</b>.\n\nEnd.";
        let r = report(text, removed, body);
        let html = render(&r, &[mark(7, 15, MarkKind::Evidence)]).into_string();
        assert!(
            html.contains(
                "<span class=\"boiler\" title=\"removed as boilerplate\">Photo: a caption\n</span>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<mark class=\"ev\" title=\"t\">arrested</mark>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;b&gt;traders&lt;/b&gt;"),
            "escaped: {html}"
        );
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn withheld_and_fallback() {
        let r = report("A source said so.", vec![], "A source said so.");
        let html = render(&r, &[mark(2, 8, MarkKind::Withheld)]).into_string();
        assert!(html.contains("[source withheld]"));
        assert!(!html.contains("source said"));
        // Body that is not in the text: fall back to the body.
        let r = report("abc", vec![], "xyz");
        let html = render(
            &r,
            &[mark(0, 1, MarkKind::Evidence), mark(1, 9, MarkKind::Other)],
        )
        .into_string();
        assert!(html.contains("clean body"));
        assert!(
            html.contains("<mark class=\"ev\" title=\"t\">x</mark>yz"),
            "{html}"
        );
    }

    #[test]
    fn korean_offsets_stay_on_char_boundaries() {
        let body = "혜산시에서 단속이 있었다.";
        let r = report(
            &format!("사진 설명\n{body}"),
            vec![RemovedSpan {
                offset: 0,
                length: 14,
                kind: SpanKind::Caption,
            }],
            body,
        );
        let html = render(
            &r,
            &[mark(0, 6, MarkKind::Evidence), mark(1, 4, MarkKind::Other)],
        )
        .into_string();
        assert!(html.contains(">혜산</mark>"), "{html}");
    }
}
