//! A byte trie of patterns, walked from chosen start positions only (anchored).
//!
//! The gazetteer accepts a mention only where one can start (a capitalised word, a
//! Hangul syllable after a non-Hangul char or a level suffix): walking the trie from
//! those positions finds the same accepted matches as an Aho-Corasick automaton run
//! over every byte of a normalised copy, without reading the other bytes and without
//! the automaton's one-time build (a dense DFA over every state). (Tried for the cue
//! lexicon too, whose English entries start at every word: a walk per word start cost
//! more than the automaton's step per byte, so the lexicon keeps its automaton.)
//!
//! Nodes with many children keep a 256-entry table, the others a short list of
//! (byte, child) pairs. Building is linear in the patterns' total length.

/// No child: the walk ends. (The root, node 0, is nobody's child.)
pub(crate) const NONE: u32 = 0;

/// A node with more children than this gets a 256-entry table.
const SPARSE_MAX: usize = 6;
const DENSE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    /// Dense: index of its first table entry in `dense`; sparse: of its first edge.
    off: u32,
    /// Number of edges, or [`DENSE`].
    n: u32,
    /// The patterns ending here: `pats[pat_off..pat_off + pat_n]`, by pattern id.
    pat_off: u32,
    pat_n: u32,
}

pub(crate) struct Trie {
    nodes: Vec<Node>,
    dense: Vec<u32>,
    edge_byte: Vec<u8>,
    edge_to: Vec<u32>,
    pats: Vec<u32>,
    /// Byte map applied to pattern and text bytes alike: the identity, or ASCII
    /// lowercase for a trie that ignores ASCII case.
    fold: [u8; 256],
}

impl Trie {
    /// A trie of `patterns` (pattern id = index). With `ascii_case_insensitive`, ASCII
    /// letters match either case (as Aho-Corasick's option of that name). Empty
    /// patterns are left out (no caller has one).
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P], ascii_case_insensitive: bool) -> Trie {
        let mut fold = [0u8; 256];
        for (b, f) in fold.iter_mut().enumerate() {
            let b = b as u8;
            *f = if ascii_case_insensitive {
                b.to_ascii_lowercase()
            } else {
                b
            };
        }
        // 1. a plain trie, children as sorted (byte, node) lists
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        let mut ends: Vec<Vec<u32>> = vec![Vec::new()];
        for (id, p) in patterns.iter().enumerate() {
            let p = p.as_ref();
            if p.is_empty() {
                continue;
            }
            let mut node = 0usize;
            for &b in p {
                let b = fold[b as usize];
                let next = match children[node].binary_search_by_key(&b, |e| e.0) {
                    Ok(k) => children[node][k].1 as usize,
                    Err(k) => {
                        let n = children.len();
                        children.push(Vec::new());
                        ends.push(Vec::new());
                        children[node].insert(k, (b, n as u32));
                        n
                    }
                };
                node = next;
            }
            ends[node].push(id as u32);
        }
        // 2. flattened
        let mut t = Trie {
            nodes: Vec::with_capacity(children.len()),
            dense: Vec::new(),
            edge_byte: Vec::new(),
            edge_to: Vec::new(),
            pats: Vec::new(),
            fold,
        };
        for (k, (ch, en)) in children.iter().zip(&ends).enumerate() {
            let pat_off = t.pats.len() as u32;
            t.pats.extend_from_slice(en);
            let node = if k == 0 || ch.len() > SPARSE_MAX {
                let off = t.dense.len();
                t.dense.resize(off + 256, NONE);
                for &(b, to) in ch {
                    t.dense[off + b as usize] = to;
                }
                // a folded trie: the other case of a letter leads to the same child
                if ascii_case_insensitive {
                    for b in b'A'..=b'Z' {
                        t.dense[off + b as usize] = t.dense[off + b.to_ascii_lowercase() as usize];
                    }
                }
                Node {
                    off: off as u32,
                    n: DENSE,
                    pat_off,
                    pat_n: en.len() as u32,
                }
            } else {
                let off = t.edge_byte.len();
                for &(b, to) in ch {
                    t.edge_byte.push(b);
                    t.edge_to.push(to);
                }
                Node {
                    off: off as u32,
                    n: ch.len() as u32,
                    pat_off,
                    pat_n: en.len() as u32,
                }
            };
            t.nodes.push(node);
        }
        t
    }

    /// The root: where every walk starts.
    #[inline]
    pub(crate) fn root(&self) -> u32 {
        0
    }

    /// The child of `node` by text byte `b`, or [`NONE`].
    #[inline(always)]
    pub(crate) fn step(&self, node: u32, b: u8) -> u32 {
        let Some(nd) = self.nodes.get(node as usize) else {
            return NONE;
        };
        if nd.n == DENSE {
            // dense tables hold both cases already
            return self
                .dense
                .get(nd.off as usize + b as usize)
                .copied()
                .unwrap_or(NONE);
        }
        let b = self.fold[b as usize];
        let lo = nd.off as usize;
        let hi = lo + nd.n as usize;
        match self.edge_byte.get(lo..hi) {
            Some(es) => match es.iter().position(|&x| x == b) {
                Some(k) => self.edge_to.get(lo + k).copied().unwrap_or(NONE),
                None => NONE,
            },
            None => NONE,
        }
    }

    /// The patterns that end at `node` (ids ascending): the path from the root spells
    /// each of them.
    #[inline(always)]
    pub(crate) fn matches(&self, node: u32) -> &[u32] {
        match self.nodes.get(node as usize) {
            Some(nd) if nd.pat_n > 0 => {
                let a = nd.pat_off as usize;
                self.pats.get(a..a + nd.pat_n as usize).unwrap_or(&[])
            }
            _ => &[],
        }
    }

    /// Every pattern that starts at `hay[at..]`, as `f(end, pattern)`, by end.
    #[cfg(test)]
    pub(crate) fn walk(&self, hay: &[u8], at: usize, mut f: impl FnMut(usize, u32)) {
        let mut node = self.root();
        let Some(rest) = hay.get(at..) else {
            return;
        };
        for (k, &b) in rest.iter().enumerate() {
            node = self.step(node, b);
            if node == NONE {
                return;
            }
            for &p in self.matches(node) {
                f(at + k + 1, p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;

    /// Walks from every position find what the library's overlapping search finds.
    #[test]
    fn walks_find_every_overlapping_match() {
        let pats = [
            "he",
            "she",
            "hers",
            "his",
            "s",
            "Hangul 혜산",
            "혜산시",
            "a",
            "ab",
            "abc",
            "b",
            "bcd",
            "x y",
            "HIS",
        ];
        let hay = "ushers said HIS hers; sHe went to 혜산시 and Hangul 혜산 abcd x y";
        for ci in [false, true] {
            let t = Trie::new(&pats, ci);
            let mut mine = Vec::new();
            for s in 0..hay.len() {
                t.walk(hay.as_bytes(), s, |e, p| mine.push((s, e, p as usize)));
            }
            let ac = AhoCorasick::builder()
                .ascii_case_insensitive(ci)
                .build(pats)
                .unwrap();
            let mut lib: Vec<_> = ac
                .find_overlapping_iter(hay)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            mine.sort();
            lib.sort();
            assert_eq!(mine, lib, "case-insensitive: {ci}");
            assert!(!mine.is_empty());
        }
    }

    #[test]
    fn dense_and_sparse_nodes_agree() {
        // a root with many children, a node with many children, and sparse ones
        let pats: Vec<String> = (b'a'..=b'z')
            .map(|c| format!("q{}", c as char))
            .chain(["qz1", "Qa2", "r"].iter().map(|s| s.to_string()))
            .collect();
        let t = Trie::new(&pats, true);
        let hay = b"QA qz1 Qa2 qb r";
        let mut got = Vec::new();
        for s in 0..hay.len() {
            t.walk(hay, s, |e, p| got.push((s, e, p)));
        }
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&pats)
            .unwrap();
        let mut lib: Vec<_> = ac
            .find_overlapping_iter(&hay[..])
            .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
            .collect();
        got.sort();
        lib.sort();
        assert_eq!(got, lib);
    }
}
