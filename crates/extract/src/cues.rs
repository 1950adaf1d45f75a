//! The cue scanner: one Aho-Corasick automaton over every lexicon entry (English and
//! Korean), built once. A scan yields non-overlapping hits (longest first), English
//! ones only at word boundaries. Linear in the text length.

use crate::lexicon::{Tag, EN, KO};
use aho_corasick::dfa::DFA;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One lexicon hit: byte range and the pattern's index into [`Lexicon::tags`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub pat: u32,
}

pub struct Lexicon {
    dfa: DFA,
    /// Per automaton pattern: the tags it signals.
    tags: Vec<Vec<Tag>>,
    /// Per automaton pattern: may the word continue after the match (`*`)?
    prefix: Vec<bool>,
    /// Per automaton pattern: does it need word boundaries (English)?
    ascii: Vec<bool>,
}

impl Lexicon {
    pub fn get() -> &'static Lexicon {
        static L: OnceLock<Lexicon> = OnceLock::new();
        L.get_or_init(Lexicon::build)
    }

    fn build() -> Lexicon {
        let mut index: HashMap<(String, bool), usize> = HashMap::new();
        let mut pats: Vec<String> = Vec::new();
        let mut tags: Vec<Vec<Tag>> = Vec::new();
        let mut prefix = Vec::new();
        let mut ascii = Vec::new();
        let mut add = |p: &str, tag: Tag| {
            let (p, pre) = match p.strip_suffix('*') {
                Some(x) => (x, true),
                None => (p, false),
            };
            let mut variants = vec![p.to_string()];
            if p.contains('\'') {
                variants.push(p.replace('\'', "\u{2019}"));
            }
            for v in variants {
                let key = (v.clone(), pre);
                let k = *index.entry(key).or_insert_with(|| {
                    pats.push(v.clone());
                    tags.push(Vec::new());
                    prefix.push(pre);
                    ascii.push(v.is_ascii());
                    pats.len() - 1
                });
                if !tags[k].contains(&tag) {
                    tags[k].push(tag);
                }
            }
        };
        for (p, t) in EN.iter().chain(KO.iter()) {
            add(p, *t);
        }
        let dfa = crate::overlap::build(&pats, true).expect("lexicon patterns build");
        Lexicon {
            dfa,
            tags,
            prefix,
            ascii,
        }
    }

    pub fn tags(&self, pat: u32) -> &[Tag] {
        self.tags
            .get(pat as usize)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// All hits in `text`, non-overlapping (longest match wins, then leftmost), sorted.
    /// Hits inside `skip` ranges (sorted, non-overlapping) are dropped.
    pub fn scan(&self, text: &str, skip: &[(usize, usize)]) -> Vec<Hit> {
        let bytes = text.as_bytes();
        // candidates and the taken-bytes bitmap live in per-thread buffers reused from
        // report to report (allocations of the text's size per report cost more than
        // the sort)
        thread_local! {
            static SCRATCH: std::cell::Cell<(Vec<Hit>, Vec<u32>, Vec<u64>)> =
                const { std::cell::Cell::new((Vec::new(), Vec::new(), Vec::new())) };
        }
        let (mut cands, mut sorted, mut taken) = SCRATCH.with(|c| c.take());
        cands.clear();
        crate::overlap::each_match(&self.dfa, bytes, |s, e, p| {
            if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                return;
            }
            if self.ascii[p] {
                let first = bytes[s];
                let last = bytes[e - 1];
                // start boundary: previous char not a letter/digit (if pattern starts with one)
                if first.is_ascii_alphanumeric() && s > 0 && is_word_byte_before(text, s) {
                    return;
                }
                if last.is_ascii_alphanumeric() && !self.prefix[p] && is_word_byte_at(text, e) {
                    return;
                }
            }
            if crate::text::in_ranges(skip, s) {
                return;
            }
            cands.push(Hit {
                start: s,
                end: e,
                pat: p as u32,
            });
        });
        // Longest first, then leftmost, each accepted if its bytes are free. The automaton reports matches in order of their
        // end, so matches of one length come in order of their start; no two lexicon
        // patterns match the same span (they are unique even ignoring ASCII case). A
        // counting sort by length (longest bucket first, each bucket in arrival order)
        // is therefore that order, in linear time. It sorts candidate indices.
        let max_len = cands.iter().map(|h| h.end - h.start).max().unwrap_or(0);
        let mut first = vec![0usize; max_len + 2];
        for h in &cands {
            first[max_len - (h.end - h.start) + 1] += 1;
        }
        for l in 1..first.len() {
            first[l] += first[l - 1];
        }
        sorted.clear();
        sorted.resize(cands.len(), 0);
        for (k, h) in cands.iter().enumerate() {
            let slot = &mut first[max_len - (h.end - h.start)];
            sorted[*slot] = k as u32;
            *slot += 1;
        }
        taken.clear();
        taken.resize(text.len() / 64 + 1, 0);
        let mut accepted = 0usize;
        'c: for &k in &sorted {
            let h = &mut cands[k as usize];
            for i in h.start..h.end {
                if taken[i / 64] & (1u64 << (i % 64)) != 0 {
                    // not taken: marked by an empty span, dropped below
                    h.end = h.start;
                    continue 'c;
                }
            }
            for i in h.start..h.end {
                taken[i / 64] |= 1u64 << (i % 64);
            }
            accepted += 1;
        }
        // accepted hits do not overlap, so their order of end (the candidates' order) is
        // their order of start: no sort needed
        let mut out = Vec::with_capacity(accepted);
        out.extend(cands.iter().filter(|h| h.end > h.start).copied());
        // keep the buffers of ordinary reports; huge ones are dropped, not held
        if cands.capacity() <= 1 << 16 && taken.capacity() <= 1 << 16 {
            SCRATCH.with(|c| c.set((cands, sorted, taken)));
        }
        out
    }
}

fn is_word_byte_before(text: &str, i: usize) -> bool {
    text[..i]
        .chars()
        .next_back()
        .map(|c| c.is_ascii_alphanumeric())
        .unwrap_or(false)
}

fn is_word_byte_at(text: &str, i: usize) -> bool {
    text[i..]
        .chars()
        .next()
        .map(|c| c.is_ascii_alphanumeric())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_and_boundaries() {
        let l = Lexicon::get();
        let t = "Defectors said agents arrested him; the state security bureau executives.";
        let hits = l.scan(t, &[]);
        let words: Vec<&str> = hits.iter().map(|h| &t[h.start..h.end]).collect();
        assert!(words.contains(&"arrest"));
        assert!(words.contains(&"state security bureau"));
        assert!(!words.contains(&"the state"));
        assert!(words.contains(&"Defectors"));
        assert!(words.contains(&"executive"));
    }
}
