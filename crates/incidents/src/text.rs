//! Text normalisation shared by duplicate detection and event similarity: case folding,
//! punctuation removal, word and character shingles, and fixed 64-bit hashes.

/// FNV-1a, 64 bits: a fixed, seedless hash so results never depend on the process.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// SplitMix64 finaliser: a cheap, well-mixed bijection on 64-bit values.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// True for Hangul syllables and jamo.
pub fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// Lower-cased words of `text`: runs of letters and digits. Thousands separators inside
/// numbers are dropped ("8,000" is one word "8000").
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_digit = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                cur.push(l);
            }
            prev_digit = c.is_ascii_digit();
            continue;
        }
        if c == ',' && prev_digit && chars.peek().is_some_and(|n| n.is_ascii_digit()) {
            continue;
        }
        prev_digit = false;
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Hashes of the shingles of a clean body, for near-duplicate detection. Korean text
/// (`korean`) is shingled as character 4-grams of its words joined without spaces
/// (spacing and particles vary between copies); other text as word 3-grams. A text too
/// short for one shingle gives one shingle of what it has; an empty text gives none.
pub fn shingles(body: &str, korean: bool) -> Vec<u64> {
    let ws = words(body);
    let mut out = Vec::new();
    if korean {
        let chars: Vec<char> = ws.iter().flat_map(|w| w.chars()).collect();
        const N: usize = 4;
        if chars.is_empty() {
            return out;
        }
        if chars.len() < N {
            let s: String = chars.iter().collect();
            out.push(fnv1a(s.as_bytes()));
        } else {
            let mut buf = String::new();
            for w in chars.windows(N) {
                buf.clear();
                buf.extend(w.iter());
                out.push(fnv1a(buf.as_bytes()));
            }
        }
    } else {
        const N: usize = 3;
        let hs: Vec<u64> = ws.iter().map(|w| fnv1a(w.as_bytes())).collect();
        if hs.is_empty() {
            return out;
        }
        // A shingle's hash combines its words' hashes in order.
        let combine = |w: &[u64]| w.iter().fold(0u64, |acc, h| mix64(acc.rotate_left(21) ^ h));
        if hs.len() < N {
            out.push(combine(&hs));
        } else {
            out.extend(hs.windows(N).map(combine));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// English words that carry no information about which happening a sentence describes.
const STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "that",
    "this",
    "with",
    "from",
    "was",
    "were",
    "are",
    "has",
    "have",
    "had",
    "been",
    "but",
    "not",
    "they",
    "them",
    "their",
    "his",
    "her",
    "its",
    "who",
    "which",
    "said",
    "says",
    "told",
    "source",
    "sources",
    "resident",
    "residents",
    "according",
    "province",
    "city",
    "county",
    "north",
    "korea",
    "korean",
    "south",
    "after",
    "before",
    "since",
    "into",
    "about",
    "than",
    "then",
    "there",
    "when",
    "where",
    "would",
    "could",
    "will",
    "one",
    "also",
    "other",
    "some",
    "all",
    "any",
    "out",
    "our",
    "she",
    "him",
    "more",
    "most",
    "over",
    "under",
    "while",
    "last",
    "week",
    "month",
    "year",
    "this",
    "these",
    "those",
    "being",
    "such",
    "only",
    "소식통은",
    "소식통이",
    "소식통에",
    "따르면",
    "전했다",
    "말했다",
    "현지",
];

/// Number words written out, mapped to digits so that "twelve" and "12명" meet.
const NUMBER_WORDS: &[(&str, &str)] = &[
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("dozen", "12"),
    ("fifteen", "15"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fifty", "50"),
    ("hundred", "100"),
];

/// Content tokens of a piece of evidence, hashed, sorted and deduplicated: English
/// words of three letters or more that are not stop words, numbers (a number word
/// becomes its digits; a Korean counter after digits is dropped), and Hangul character
/// bigrams. Used for the wording overlap between events.
pub fn content_tokens(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for w in words(text) {
        if STOP.contains(&w.as_str()) {
            continue;
        }
        if let Some((_, d)) = NUMBER_WORDS.iter().find(|(n, _)| *n == w) {
            out.push(fnv1a(d.as_bytes()));
            continue;
        }
        let digits: String = w.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() {
            out.push(fnv1a(digits.as_bytes()));
            continue;
        }
        if w.chars().any(is_hangul) {
            let cs: Vec<char> = w.chars().filter(|c| is_hangul(*c)).collect();
            for p in cs.windows(2) {
                let s: String = p.iter().collect();
                out.push(fnv1a(s.as_bytes()));
            }
            continue;
        }
        if w.chars().count() >= 3 {
            out.push(fnv1a(w.as_bytes()));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Jaccard similarity of two sorted, deduplicated lists.
pub fn jaccard(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - inter;
    inter as f32 / union as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_numbers() {
        assert_eq!(
            words("Hyesan's 8,000 yuan, (MSS)!"),
            ["hyesan", "s", "8000", "yuan", "mss"]
        );
        assert_eq!(words(""), Vec::<String>::new());
    }

    #[test]
    fn shingles_tolerate_punctuation_and_spacing() {
        let a = shingles("Four residents were detained on March 9.", false);
        let b = shingles("four residents were  detained, on March 9", false);
        assert_eq!(a, b);
        let k1 = shingles("혜산시에서 주민 4명이 체포됐다", true);
        let k2 = shingles("혜산시에서 주민 4명이  체포됐다.", true);
        assert_eq!(k1, k2);
        assert!(shingles("   ", false).is_empty());
        assert_eq!(shingles("one two", false).len(), 1);
    }

    #[test]
    fn content_tokens_meet_across_number_forms() {
        let a = content_tokens("twelve defectors");
        let b = content_tokens("탈북민 12명");
        assert!(a.iter().any(|t| b.contains(t)));
        assert!(content_tokens("the source said").is_empty());
    }

    #[test]
    fn jaccard_basics() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 0.0);
    }
}
