//! Text helpers: paragraphs and sentences with byte ranges, a defensive filter for page
//! furniture that survived ingest (captions, tag lines, price widgets, bios), and small
//! char-boundary-safe slicing helpers. Everything here is a single linear pass.

/// A sentence: byte range into the body, and the paragraph it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    pub para: usize,
}

/// Largest char boundary `<= i`.
pub fn floor_cb(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Smallest char boundary `>= i`.
pub fn ceil_cb(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// `s[a..b]` with both ends moved onto char boundaries (never panics).
pub fn slice(s: &str, a: usize, b: usize) -> &str {
    let a = floor_cb(s, a);
    let b = ceil_cb(s, b.max(a));
    &s[a..b]
}

/// Trim ASCII/Unicode whitespace from a byte range.
pub fn trim_range(s: &str, a: usize, b: usize) -> (usize, usize) {
    let a = floor_cb(s, a);
    let b = ceil_cb(s, b.max(a));
    let t = &s[a..b];
    // the common case: a visible ASCII char at both ends, nothing to trim (no Unicode
    // whitespace test)
    if let (Some(f), Some(l)) = (t.as_bytes().first(), t.as_bytes().last()) {
        if f.is_ascii_graphic() && l.is_ascii_graphic() {
            return (a, b);
        }
    }
    let lead = t.len() - t.trim_start().len();
    let trail = t.len() - t.trim_end().len();
    if lead + trail >= t.len() {
        return (a, a);
    }
    (a + lead, b - trail)
}

const ABBREV: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mr",
    "mrs", "ms", "dr", "st", "no", "vs", "etc", "gen", "col", "lt", "sgt", "capt", "maj", "prof",
    "jr", "sr", "inc", "co", "corp", "approx", "est", "u.s", "a.m", "p.m", "e.g", "i.e",
];

fn is_abbrev(word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    // (a word that starts with an ASCII letter or digit has nothing to trim: no char
    // decoding for the usual case)
    let w = if word.as_bytes()[0].is_ascii_alphanumeric() {
        word
    } else {
        word.trim_start_matches(|c: char| !c.is_alphanumeric())
    };
    // a single capital letter (initials)
    if w.len() == 1 && w.chars().all(|c| c.is_ascii_uppercase()) {
        return true;
    }
    if w.len() > 5 {
        return false;
    }
    // the list is lowercase ASCII: comparing ignoring ASCII case is comparing with
    // `w.to_ascii_lowercase()`, without allocating it
    ABBREV.iter().any(|a| a.eq_ignore_ascii_case(w))
}

/// Bytes where [`sentences`] has something to decide: newline, '.', '!', '?' and the
/// lead byte of '。'.
const STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\n' as usize] = true;
    t[b'.' as usize] = true;
    t[b'!' as usize] = true;
    t[b'?' as usize] = true;
    t[0xE3] = true;
    t
};

/// Split `body` into sentences. A newline always ends a sentence (and a blank line or a
/// single newline starts a new paragraph: reports put one paragraph on a line).
/// `.`, `!`, `?` (and their full-width forms) end a sentence when followed by space, a
/// closing quote or the end, unless the word before is a known abbreviation.
pub fn sentences(body: &str) -> Vec<Sentence> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut para = 0usize;
    let mut start = 0usize;
    let mut i = 0usize;
    let mut word_start = 0usize;
    let push = |out: &mut Vec<Sentence>, a: usize, b: usize, para: usize| {
        let (a, b) = trim_range(body, a, b);
        if b > a {
            out.push(Sentence {
                start: a,
                end: b,
                para,
            });
        }
    };
    // `word_start` is where the word before an end mark starts: after the last space or
    // tab since a line start or the previous sentence's end, found when a mark turns up
    // rather than kept at every space; bytes before `seen` are accounted for
    let mut seen = 0usize;
    // the next '\n', '.' or '?' at or after `i` (the body's length when none), found by
    // `memchr3` and looked for again only once `i` has passed it; '!' and the lead byte
    // of '。' are rarer and are searched only up to it: two vectorised searches that
    // never look at a byte twice, instead of a table lookup per byte
    let mut next3 = 0usize;
    let mut have3 = false;
    while i < bytes.len() {
        // only newlines and end marks matter: skip the rest in one go
        if !have3 || next3 < i {
            next3 = memchr::memchr3(b'\n', b'.', b'?', &bytes[i..]).map_or(bytes.len(), |k| i + k);
            have3 = true;
        }
        i = memchr::memchr2(b'!', 0xE3, &bytes[i..next3]).map_or(next3, |k| i + k);
        if i >= bytes.len() {
            break;
        }
        debug_assert!(STOP[bytes[i] as usize]);
        let c = bytes[i];
        if c == b'\n' {
            push(&mut out, start, i, para);
            para += 1;
            start = i + 1;
            word_start = i + 1;
            seen = i + 1;
            i += 1;
            continue;
        }
        // look back only over the bytes not looked at yet (linear overall)
        if let Some(p) = memchr::memrchr2(b' ', b'\t', &bytes[seen..i]) {
            word_start = seen + p + 1;
        }
        seen = i;
        let (is_end, len) = if c == b'.' || c == b'!' || c == b'?' {
            (true, 1)
        } else if c == 0xE3 && i + 2 < bytes.len() && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x82 {
            (true, 3) // 。
        } else {
            (false, 1)
        };
        if is_end {
            // swallow closing quotes / brackets after the mark
            let mut j = i + len;
            loop {
                if j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b')' | b']') {
                    j += 1;
                } else if body[j.min(body.len())..].starts_with('\u{201d}')
                    || body[j.min(body.len())..].starts_with('\u{2019}')
                {
                    j += 3;
                } else {
                    break;
                }
            }
            let at_end = j >= bytes.len();
            let next_space = !at_end && matches!(bytes[j], b' ' | b'\n' | b'\t' | b'\r');
            if (at_end || next_space) && !(c == b'.' && is_abbrev(slice(body, word_start, i))) {
                push(&mut out, start, j, para);
                start = j;
                i = j;
                word_start = j;
                seen = j;
                continue;
            }
        }
        i += 1;
    }
    push(&mut out, start, bytes.len(), para);
    out
}

/// Byte ranges of lines in `body` that look like page furniture which ingest left in:
/// photo captions, lower-case tag lines, market-price widgets, "Read in Korean",
/// comment prompts, reporter bios and bylines, related-article links.
pub fn furniture_lines(body: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // the lines of `body.split('\n')` with their offsets, newlines found by `memchr`
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut off = 0usize;
    for nl in memchr::memchr_iter(b'\n', body.as_bytes()) {
        lines.push((off, &body[off..nl]));
        off = nl + 1;
    }
    lines.push((off, &body[off..]));
    let mut prev_widget_header: Option<usize> = None;
    for (idx, (o, line)) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let is = is_furniture(t)
            || (is_widget_row(t)
                && (lines
                    .get(idx + 1)
                    .map(|(_, l)| is_widget_row(l.trim()))
                    .unwrap_or(false)
                    || idx > 0 && is_widget_row(lines[idx - 1].1.trim())
                    || t.matches('|').count() >= 3));
        if is {
            // a short header right above a widget ("Market prices this week")
            if let Some(h) = prev_widget_header {
                if is_widget_row(t) {
                    out.push((h, h + lines[idx - 1].1.len()));
                }
            }
            out.push((*o, o + line.len()));
            prev_widget_header = None;
        } else if t.len() < 60 && !t.ends_with('.') && !t.ends_with('"') && !t.contains(". ") {
            prev_widget_header = Some(*o);
        } else {
            prev_widget_header = None;
        }
    }
    out.sort();
    out.dedup();
    out
}

fn is_widget_row(t: &str) -> bool {
    t.contains('|') && t.bytes().any(|b| b.is_ascii_digit()) && t.len() < 400
}

fn is_furniture(t: &str) -> bool {
    if t.len() > 600 {
        return false;
    }
    // The prefixes are ASCII or Hangul, so an ASCII case-insensitive test on `t` is the
    // test on `t.to_lowercase()` without allocating (the one exception, a Kelvin sign
    // standing for a 'k', is not worth a lowercase copy of every line). The substring
    // tests need a '/'.
    let pre =
        |p: &str| t.len() >= p.len() && t.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    // "/ image:", "/image:", "/사진=", "/ 사진=" in `t.to_lowercase()`: no char other
    // than 'I', 'M', 'A', 'G', 'E' lowercases to one of these ASCII letters (the Kelvin
    // sign gives a 'k', 'İ' an 'i' and a combining dot), so an ASCII case-insensitive
    // test after each '/' is the same test without the lowercase copy
    if t.contains('/') {
        let b = t.as_bytes();
        for (i, _) in b.iter().enumerate().filter(|(_, &c)| c == b'/') {
            let rest = &b[i + 1..];
            let rest = rest.strip_prefix(b" ").unwrap_or(rest);
            if (rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(b"image:"))
                || rest.starts_with("사진=".as_bytes())
            {
                return true;
            }
        }
    }
    if t.starts_with('▲')
        || [
            "file photo",
            "photo:",
            "read in korean",
            "read in english",
            "please direct any comments",
            "관련기사",
            "related:",
            "related article",
            "sign up for",
            "subscribe to",
            "market prices",
            "more from",
            "see also",
            "also read",
            "read more",
            "read also",
            "recommended",
            "most read",
            "you may also like",
            "related news",
            "함께 보기",
            "추천 기사",
            "많이 본 기사",
        ]
        .iter()
        .any(|p| pre(p))
    {
        return true;
    }
    // Korean byline: "김성민 기자", "이지현 기자"
    if (t.ends_with("기자") || t.ends_with("특파원")) && t.chars().count() <= 12 {
        return true;
    }
    // Reporter bio: "<Name> is a/an/one of ... reporter/correspondent ..."
    let bio_words = [
        "reporter",
        "correspondent",
        "journalist",
        "contributor",
        "columnist",
    ];
    // The name before the phrase has at most 4 words, so the phrase counts only if it
    // starts at one of the first 4 spaces: when none of the three phrases occurs that
    // early the test below is false, and the whole-line searches are skipped.
    let early = t
        .as_bytes()
        .iter()
        .enumerate()
        .filter(|(_, &c)| c == b' ')
        .take(4)
        .any(|(i, _)| {
            let r = &t.as_bytes()[i..];
            r.starts_with(b" is ")
                && (r.starts_with(b" is a ")
                    || r.starts_with(b" is an ")
                    || r.starts_with(b" is one of "))
        });
    // (`early` also gates the second and third searches: a phrase found only after the
    // fourth space leaves a name of five or more words, which is never a bio's name)
    if let Some(p) = Some(t).filter(|_| early).and_then(|t| {
        t.find(" is a ")
            .or_else(|| t.find(" is an "))
            .or_else(|| t.find(" is one of "))
    }) {
        let name = &t[..p];
        let name_ok = !name.is_empty()
            && name.split(' ').count() <= 4
            && name
                .split(' ')
                .all(|w| w.chars().next().map(|c| c.is_uppercase()).unwrap_or(false));
        if name_ok && {
            let lower = t.to_lowercase();
            bio_words.iter().any(|w| lower.contains(w))
        } {
            return true;
        }
    }
    // Tag line: 3+ lower-case words, no sentence punctuation, no digits.
    if t.is_ascii()
        && !t.bytes().any(|b| {
            matches!(
                b,
                b'.' | b',' | b'"' | b':' | b';' | b'?' | b'!' | b'(' | b')'
            ) || b.is_ascii_digit()
                || b.is_ascii_uppercase()
        })
        && t.split_whitespace().nth(2).is_some()
    {
        return true;
    }
    false
}

/// True when byte `i` lies inside one of the sorted, non-overlapping `ranges`.
pub fn in_ranges(ranges: &[(usize, usize)], i: usize) -> bool {
    let k = ranges.partition_point(|r| r.1 <= i);
    k < ranges.len() && ranges[k].0 <= i && i < ranges[k].1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_credit_lines_in_any_case() {
        for t in [
            "Border fence near Hyesan / IMAGE: Lantern",
            "Border fence near Hyesan /Image: Lantern",
            "혜산 인근 국경 /사진=연합",
            "혜산 인근 국경 / 사진=연합",
        ] {
            assert!(is_furniture(t), "{t}");
        }
        for t in ["He said 3/4 of the images: gone.", "a /  image: two spaces"] {
            assert!(
                !is_furniture(t) || t.to_lowercase().contains("/ image:"),
                "{t}"
            );
        }
    }

    #[test]
    fn splits_sentences() {
        let b =
            "He was caught on Nov. 3 at 2 a.m. on Friday. He said \"yes.\" Then left.\nNew para";
        let s = sentences(b);
        let texts: Vec<&str> = s.iter().map(|x| &b[x.start..x.end]).collect();
        assert_eq!(
            texts,
            vec![
                "He was caught on Nov. 3 at 2 a.m. on Friday.",
                "He said \"yes.\"",
                "Then left.",
                "New para"
            ]
        );
        assert_eq!(s[3].para, 1);
    }

    #[test]
    fn finds_furniture() {
        let b = "Story text here.\nremittance ryanggang province border agreement\nA view. / Image: X\nMarket prices this week\nPyongyang | rice 4,300 won/kg\nSinuiju | rice 4,450 won/kg\n";
        let f = furniture_lines(b);
        let texts: Vec<&str> = f.iter().map(|r| &b[r.0..r.1]).collect();
        assert!(texts.contains(&"remittance ryanggang province border agreement"));
        assert!(texts.contains(&"A view. / Image: X"));
        assert!(texts.contains(&"Market prices this week"));
        assert!(texts.contains(&"Pyongyang | rice 4,300 won/kg"));
        assert!(!texts.contains(&"Story text here."));
    }
}
