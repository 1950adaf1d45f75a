//! Attribution: who the report says told it, recorded as worded ("a source in North
//! Hamgyong Province told Daily NK", "according to the source", "양강도 소식통").
//! Never resolved to a person, never linked across reports.

use crate::cues::{Hit, Lexicon};
use crate::lexicon::Tag;
use crate::model::Attribution;
use crate::text::{ceil_cb, floor_cb};

const DETS: &[&str] = &[
    "a", "an", "the", "one", "another", "second", "separate", "local", "third", "two", "three",
];

/// Attributions in one sentence, from its hits (sorted, within the sentence).
pub fn in_sentence(body: &str, sent: (usize, usize), hits: &[Hit]) -> Vec<Attribution> {
    let lex = Lexicon::get();
    let mut out: Vec<Attribution> = Vec::new();
    for (k, h) in hits.iter().enumerate() {
        if !lex.tags(h.pat).contains(&Tag::Source) {
            continue;
        }
        let word = &body[h.start..h.end];
        let korean = !word.is_ascii();
        let mut a = h.start;
        let mut e = h.end;
        if korean {
            // one word before: "양강도 소식통", "현지 소식통"
            let before = &body[floor_cb(body, sent.0.max(h.start.saturating_sub(30)))..h.start];
            if let Some(t) = before.strip_suffix(' ') {
                if let Some(p) = t.rfind(' ') {
                    a = h.start - 1 - (t.len() - p - 1);
                } else {
                    a = h.start - 1 - t.len();
                }
                let w = &body[a..h.start - 1];
                if w.contains(['"', '“', '”', '.', ',']) || w.is_empty() {
                    a = h.start;
                }
            }
        } else {
            // back over determiners/adjectives ("a second source", "A separate source")
            let mut cur = h.start;
            for _ in 0..3 {
                let before = &body[floor_cb(body, sent.0.max(cur.saturating_sub(20)))..cur];
                let Some(t) = before.strip_suffix(' ') else {
                    break;
                };
                let wstart = t
                    .char_indices()
                    .rev()
                    .find(|(_, c)| matches!(c, ' ' | '"' | '“'))
                    .map(|(i, c)| i + c.len_utf8())
                    .unwrap_or(0);
                let w = &t[wstart..];
                if DETS.iter().any(|d| d.eq_ignore_ascii_case(w)) {
                    cur = cur - 1 - (t.len() - wstart);
                } else {
                    break;
                }
            }
            a = cur.max(sent.0);
            // "according to" right before
            if let Some(prev) = k.checked_sub(1).and_then(|j| hits.get(j)) {
                if lex.tags(prev.pat).contains(&Tag::Speech)
                    && a >= prev.end
                    && a - prev.end <= 6
                    && body[prev.start..prev.end].eq_ignore_ascii_case("according to")
                {
                    a = prev.start;
                }
            }
            // forward: "in North Hamgyong Province", "in the province", then a speech verb
            let rest_end = ceil_cb(body, (h.end + 80).min(sent.1));
            let rest = &body[h.end..rest_end];
            let mut fe = 0usize;
            for p in [" in ", " from ", " based in ", " living in "] {
                if let Some(r) = rest.strip_prefix(p) {
                    // capitalised words or "the province/city/county/area"
                    let mut n = p.len();
                    let mut words = 0;
                    for w in r.split(' ') {
                        let clean = w.trim_end_matches([',', '.', ')']);
                        let cap = clean
                            .chars()
                            .next()
                            .map(|c| c.is_uppercase())
                            .unwrap_or(false);
                        let ok = cap
                            || (words == 0 && clean == "the")
                            || (words <= 1
                                && matches!(
                                    clean,
                                    "province" | "city" | "county" | "area" | "region"
                                ));
                        if !ok || words >= 5 {
                            break;
                        }
                        n += clean.len() + 1;
                        words += 1;
                        if clean.len() != w.len() {
                            break;
                        }
                    }
                    if words > 0 {
                        fe = n - 1;
                    }
                    break;
                }
            }
            e = h.end + fe;
            // speech verb following within a few words
            for nh in hits.iter().skip(k + 1).take(4) {
                if nh.start > e + 40 {
                    break;
                }
                if lex.tags(nh.pat).contains(&Tag::Speech) {
                    e = nh.end;
                    break;
                }
            }
        }
        let (a, e) = (floor_cb(body, a), ceil_cb(body, e));
        if out
            .last()
            .map(|x| x.span.0 <= a && e <= x.span.1)
            .unwrap_or(false)
        {
            continue;
        }
        if out.len() >= 8 {
            break;
        }
        out.push(Attribution {
            text: body[a..e].to_string(),
            span: (a, e),
        });
    }
    out
}
