//! Near-duplicate reports: MinHash signatures over shingles of the clean body, LSH
//! banding to find candidate pairs in near-linear time, and a link from every copy to
//! its original (the earliest published, then the earliest captured).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use lantern_ingest::{Language, Report};
use serde::{Deserialize, Serialize};

use crate::text::{mix64, shingles};
use crate::unionfind::UnionFind;

/// Number of MinHash functions in a signature.
pub const SIGNATURE_LEN: usize = 128;
/// LSH bands; `SIGNATURE_LEN / BANDS` rows each. 32 bands of 4 rows make two texts with
/// Jaccard similarity 0.5 candidates with probability 0.87, at 0.7 with 0.9998.
pub const BANDS: usize = 32;
const ROWS: usize = SIGNATURE_LEN / BANDS;
/// Fixed seed of the MinHash family, so signatures are the same in every run and can be
/// stored.
const SEED: u64 = 0x6c61_6e74_6572_6e21;

/// Settings for [`near_duplicates`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DupParams {
    /// Least estimated Jaccard similarity of the shingle sets for two reports to be
    /// copies of one story. Chosen on the labelled fixtures: copies (other headline,
    /// captions, footers, light edits) score 0.89 and more, different stories 0.14 and
    /// less, so 0.5 leaves room on both sides.
    pub threshold: f32,
}

impl Default for DupParams {
    fn default() -> Self {
        DupParams { threshold: 0.5 }
    }
}

/// The fixed (multiplier, addend) pairs of the MinHash functions, derived from `SEED`.
fn coefficients() -> &'static [(u64, u64); SIGNATURE_LEN] {
    static C: std::sync::OnceLock<[(u64, u64); SIGNATURE_LEN]> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let mut c = [(0u64, 0u64); SIGNATURE_LEN];
        for (i, slot) in c.iter_mut().enumerate() {
            let a = mix64(SEED ^ (2 * i as u64 + 1)) | 1;
            let b = mix64(SEED.rotate_left(32) ^ (2 * i as u64 + 2));
            *slot = (a, b);
        }
        c
    })
}

/// A MinHash signature of one report body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature(pub Vec<u64>);

impl Signature {
    /// The signature of a clean body. `korean` selects character shingles.
    pub fn of(body: &str, korean: bool) -> Signature {
        let sh = shingles(body, korean);
        let mut sig = vec![u64::MAX; SIGNATURE_LEN];
        let coeffs = coefficients();
        for s in sh {
            let base = mix64(s ^ SEED);
            for (slot, &(a, b)) in sig.iter_mut().zip(coeffs.iter()) {
                // Function i: a multiply-add with its own odd multiplier, on a
                // well-mixed input.
                let h = base.wrapping_mul(a).wrapping_add(b);
                if h < *slot {
                    *slot = h;
                }
            }
        }
        Signature(sig)
    }

    /// Estimated Jaccard similarity: the share of equal positions. Two empty texts are
    /// not similar (0.0).
    pub fn similarity(&self, other: &Signature) -> f32 {
        if self.0.len() != other.0.len() || self.0.is_empty() {
            return 0.0;
        }
        let eq = self
            .0
            .iter()
            .zip(&other.0)
            .filter(|(a, b)| a == b && **a != u64::MAX)
            .count();
        eq as f32 / self.0.len() as f32
    }
}

/// What near-duplicate detection needs to know about a report.
#[derive(Debug, Clone, PartialEq)]
pub struct DocInfo {
    /// MinHash of the clean body.
    pub signature: Signature,
    /// Published date: the earliest published copy is the original.
    pub published: Option<NaiveDate>,
    /// RFC 3339 capture time (compared as text, which orders RFC 3339 UTC times).
    pub captured_at: String,
}

impl DocInfo {
    /// Signature and dates of a report; Korean reports use character shingles.
    pub fn of(report: &Report) -> DocInfo {
        DocInfo {
            signature: Signature::of(&report.body, report.language == Language::Ko),
            published: report.published.as_ref().map(|p| p.date),
            captured_at: report.captured_at.clone(),
        }
    }
}

/// A report found to be a copy of another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateLink {
    /// Index of the copy in the input.
    pub duplicate: usize,
    /// Index of the original it copies: the earliest published member of its group of
    /// copies, then the earliest captured, then the first in the input.
    pub original: usize,
    /// Estimated Jaccard similarity of the two bodies' shingles.
    pub similarity: f32,
}

/// Link every repost or syndicated copy among `reports` to its original. Near-linear:
/// reports are compared only when one of their LSH bands agrees. Deterministic.
pub fn near_duplicates(reports: &[&Report], params: &DupParams) -> Vec<DuplicateLink> {
    let docs: Vec<DocInfo> = reports.iter().map(|r| DocInfo::of(r)).collect();
    near_duplicates_of(&docs, params)
}

/// [`near_duplicates`] over precomputed signatures (for example stored ones).
pub fn near_duplicates_of(docs: &[DocInfo], params: &DupParams) -> Vec<DuplicateLink> {
    let mut uf = UnionFind::new(docs.len());
    // Large buckets (many copies of one text) are compared in a star from their first
    // members, which keeps the work linear and still connects the copies.
    let heads = |len: usize| if len > 64 { 4 } else { len };
    union_similar(docs, &mut uf, params, heads, |_, _| true);
    links_of(docs, &mut uf)
}

/// Compare the docs that share an LSH band, each pair once, and join those at least
/// `params.threshold` similar in `uf`. In each bucket (the docs with one band key, in
/// doc order) only the first `heads(bucket length)` members are compared with the
/// members after them, and only the pairs `wanted` admits.
fn union_similar(
    docs: &[DocInfo],
    uf: &mut UnionFind,
    params: &DupParams,
    heads: impl Fn(usize) -> usize,
    wanted: impl Fn(usize, usize) -> bool,
) {
    let mut verified: HashSet<(usize, usize)> = HashSet::new();
    let mut keyed: Vec<(u64, usize)> = Vec::with_capacity(docs.len());
    for band in 0..BANDS {
        // Bucket by sorting (key, report): contiguous memory, no hash map per band.
        keyed.clear();
        for (i, d) in docs.iter().enumerate() {
            if let Some(key) = band_key(&d.signature, band) {
                keyed.push((key, i));
            }
        }
        keyed.sort_unstable();
        for bucket in keyed.chunk_by(|a, b| a.0 == b.0) {
            if bucket.len() < 2 {
                continue;
            }
            for (x, &(_, i)) in bucket.iter().enumerate().take(heads(bucket.len())) {
                for &(_, j) in &bucket[x + 1..] {
                    if !wanted(i, j) || !verified.insert((i.min(j), i.max(j))) {
                        continue;
                    }
                    if docs[i].signature.similarity(&docs[j].signature) >= params.threshold {
                        uf.union(i, j);
                    }
                }
            }
        }
    }
}

/// The LSH key of one band of a signature; `None` for an empty text (all rows empty) or
/// a signature of the wrong length. Keys of different bands differ (the band number is
/// mixed in), so the keys of all bands can be kept in one index.
fn band_key(signature: &Signature, band: usize) -> Option<u64> {
    let rows = signature.0.get(band * ROWS..(band + 1) * ROWS)?;
    if rows.iter().all(|h| *h == u64::MAX) {
        return None;
    }
    Some(
        rows.iter()
            .fold(band as u64, |acc, h| mix64(acc ^ h.rotate_left(17))),
    )
}

/// The LSH keys of a signature, one per band (fewer for an empty text): two reports
/// are compared by [`near_duplicates_of`] exactly when they share one. Stores index them
/// so that the candidates of a new report are found without reading every signature.
pub fn band_keys(signature: &Signature) -> Vec<u64> {
    (0..BANDS).filter_map(|b| band_key(signature, b)).collect()
}

/// Copies among `docs` when only the docs flagged `new` are new: `groups` are the
/// groups of copies known before (each an original with its copies, indices into
/// `docs`), kept together; new docs are compared with every doc sharing an LSH band
/// and joined to its group when similar. Each group's original is then chosen as in
/// [`near_duplicates_of`]: the earliest published, then captured, then first given.
/// Used for an incremental refresh, where `docs` are the new reports, the stored
/// reports sharing a band with one of them, and the other members of their groups.
pub fn near_duplicates_with(
    docs: &[DocInfo],
    groups: &[Vec<usize>],
    new: &[bool],
    params: &DupParams,
) -> Vec<DuplicateLink> {
    let n = docs.len();
    let mut uf = UnionFind::new(n);
    for g in groups {
        for w in g.windows(2) {
            if w[0] < n && w[1] < n {
                uf.union(w[0], w[1]);
            }
        }
    }
    let is_new = |k: usize| new.get(k).copied().unwrap_or(false);
    union_similar(
        docs,
        &mut uf,
        params,
        |len| len,
        |i, j| is_new(i) || is_new(j),
    );
    links_of(docs, &mut uf)
}

/// Each group of `uf` with more than one member: its copies linked to its original.
fn links_of(docs: &[DocInfo], uf: &mut UnionFind) -> Vec<DuplicateLink> {
    let n = docs.len();
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        groups.entry(uf.find(i)).or_default().push(i);
    }
    let mut links = Vec::new();
    for members in groups.values() {
        if members.len() < 2 {
            continue;
        }
        let original = members
            .iter()
            .copied()
            .min_by(|&a, &b| {
                let da = (docs[a].published.is_none(), docs[a].published);
                let db = (docs[b].published.is_none(), docs[b].published);
                da.cmp(&db)
                    .then_with(|| docs[a].captured_at.cmp(&docs[b].captured_at))
                    .then(a.cmp(&b))
            })
            .unwrap_or(members[0]);
        for &m in members {
            if m != original {
                links.push(DuplicateLink {
                    duplicate: m,
                    original,
                    similarity: docs[m].signature.similarity(&docs[original].signature),
                });
            }
        }
    }
    links.sort_by_key(|l| l.duplicate);
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str, published: &str) -> DocInfo {
        DocInfo {
            signature: Signature::of(body, false),
            published: NaiveDate::parse_from_str(published, "%Y-%m-%d").ok(),
            captured_at: "2024-01-01T00:00:00Z".into(),
        }
    }

    const STORY: &str = "Security agents in Hyesan detained four residents on March 9 after \
        catching them using Chinese mobile phones to arrange money transfers from relatives \
        in South Korea. The four were picked up in a single night from homes near the river. \
        The phones and roughly 8,000 yuan in cash were confiscated, and the detainees are \
        being interrogated at the city security bureau.";

    #[test]
    fn copies_link_to_the_earliest() {
        let edited = STORY.replace("roughly", "about") + " Read in Korean";
        let other = "Rice prices in Sinuiju rose to 7,500 won per kilogram as traders hoarded \
            grain ahead of a feared lockdown of several districts of the city.";
        let docs = vec![
            doc(&edited, "2023-03-15"),
            doc(STORY, "2023-03-14"),
            doc(other, "2023-03-14"),
            doc("", "2023-03-14"),
            doc("", "2023-03-14"),
        ];
        let links = near_duplicates_of(&docs, &DupParams::default());
        assert_eq!(links.len(), 1, "{links:?}");
        assert_eq!((links[0].duplicate, links[0].original), (0, 1));
        assert!(links[0].similarity > 0.7);
    }

    #[test]
    fn signatures_are_deterministic() {
        assert_eq!(Signature::of(STORY, false), Signature::of(STORY, false));
        assert_eq!(
            Signature::of(STORY, false).similarity(&Signature::of(STORY, false)),
            1.0
        );
    }
}
