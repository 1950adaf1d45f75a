//! Quantities: numbers of people, ages, amounts, money and prices, exchange rates and
//! durations, in English and Korean. One pass over a sentence; bounded look-ahead.

use crate::model::{Quantity, QuantityKind};
use crate::text::{ceil_cb, floor_cb};

const NUM_WORDS: &[(&str, f64)] = &[
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("dozens", f64::NAN),
    ("hundreds", f64::NAN),
    ("thousands", f64::NAN),
    ("several", f64::NAN),
    ("a dozen", 12.0),
    ("a hundred", 100.0),
    ("a thousand", 1000.0),
    ("두", 2.0),
    ("세", 3.0),
    ("네", 4.0),
    ("다섯", 5.0),
    ("여섯", 6.0),
    ("한", 1.0),
];

const DECADES: &[(&str, f64)] = &[
    ("twenties", 20.0),
    ("thirties", 30.0),
    ("forties", 40.0),
    ("fifties", 50.0),
    ("sixties", 60.0),
    ("seventies", 70.0),
];

/// (unit word as written, kind, normalised unit). Longest first within a kind is not
/// needed: the first match in this order wins, so longer words come first.
const UNITS: &[(&str, QuantityKind, &str)] = &[
    ("us dollars", QuantityKind::Money, "USD"),
    ("dollars", QuantityKind::Money, "USD"),
    ("dollar", QuantityKind::Money, "USD"),
    ("yuan", QuantityKind::Money, "CNY"),
    ("won", QuantityKind::Money, "KPW"),
    ("위안화", QuantityKind::Money, "CNY"),
    ("위안", QuantityKind::Money, "CNY"),
    ("달러", QuantityKind::Money, "USD"),
    ("원", QuantityKind::Money, "KPW"),
    ("percent", QuantityKind::Amount, "%"),
    ("per cent", QuantityKind::Amount, "%"),
    ("%", QuantityKind::Amount, "%"),
    ("퍼센트", QuantityKind::Amount, "%"),
    ("kilograms", QuantityKind::Amount, "kg"),
    ("kilogram", QuantityKind::Amount, "kg"),
    ("kg", QuantityKind::Amount, "kg"),
    ("킬로그램", QuantityKind::Amount, "kg"),
    ("tonnes", QuantityKind::Amount, "t"),
    ("tons", QuantityKind::Amount, "t"),
    ("tonne", QuantityKind::Amount, "t"),
    ("ton", QuantityKind::Amount, "t"),
    ("톤", QuantityKind::Amount, "t"),
    ("grams", QuantityKind::Amount, "g"),
    ("sacks", QuantityKind::Amount, "sack"),
    ("trucks", QuantityKind::Amount, "truck"),
    ("대", QuantityKind::Amount, "item"),
    ("years", QuantityKind::Duration, "year"),
    ("year", QuantityKind::Duration, "year"),
    ("months", QuantityKind::Duration, "month"),
    ("month", QuantityKind::Duration, "month"),
    ("weeks", QuantityKind::Duration, "week"),
    ("week", QuantityKind::Duration, "week"),
    ("days", QuantityKind::Duration, "day"),
    ("nights", QuantityKind::Duration, "day"),
    ("hours", QuantityKind::Duration, "hour"),
    ("개월", QuantityKind::Duration, "month"),
    ("년", QuantityKind::Duration, "year"),
    ("일째", QuantityKind::Duration, "day"),
    ("일간", QuantityKind::Duration, "day"),
    ("시간", QuantityKind::Duration, "hour"),
    ("people", QuantityKind::People, "person"),
    ("persons", QuantityKind::People, "person"),
    ("residents", QuantityKind::People, "person"),
    ("north koreans", QuantityKind::People, "person"),
    ("young people", QuantityKind::People, "person"),
    ("men", QuantityKind::People, "person"),
    ("women", QuantityKind::People, "person"),
    ("officers", QuantityKind::People, "person"),
    ("officials", QuantityKind::People, "person"),
    ("soldiers", QuantityKind::People, "person"),
    ("guards", QuantityKind::People, "person"),
    ("agents", QuantityKind::People, "person"),
    ("brokers", QuantityKind::People, "person"),
    ("workers", QuantityKind::People, "person"),
    ("students", QuantityKind::People, "person"),
    ("families", QuantityKind::People, "family"),
    ("households", QuantityKind::People, "household"),
    ("others", QuantityKind::People, "person"),
    ("accomplices", QuantityKind::People, "person"),
    ("villagers", QuantityKind::People, "person"),
    ("명", QuantityKind::People, "person"),
    ("여 명", QuantityKind::People, "person"),
];

fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.is_char_boundary(needle.len())
        && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

fn word_end_ok(rest: &str, n: usize) -> bool {
    rest[n..]
        .chars()
        .next()
        .map(|c| !c.is_ascii_alphabetic())
        .unwrap_or(true)
}

/// Quantities in `body[start..end]`, spans into `body`.
pub fn scan(body: &str, start: usize, end: usize) -> Vec<Quantity> {
    let start = floor_cb(body, start);
    let end = ceil_cb(body, end);
    let s = &body[start..end];
    // is this an exchange-rate sentence? computed once, only if money turns up
    let mut fx_cache: Option<bool> = None;
    let mut fx = || {
        *fx_cache.get_or_insert_with(|| {
            if s.contains("환율") || s.contains("1위안에") {
                return true;
            }
            if s.len() > 4000 {
                return false;
            }
            let l = s.to_ascii_lowercase();
            [
                "exchange rate",
                "one dollar",
                "one yuan",
                "dollar was trading",
            ]
            .iter()
            .any(|w| l.contains(w))
        })
    };
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        // ages: "in his 40s" / "in her early forties" / "aged 26" / "35-year-old" / "40대"
        let c = b[i];
        let at_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if at_word && (c == b'i' || c == b'a' || c == b'I' || c == b'A') && maybe_age(&b[i..]) {
            if let Some((len, v)) = age_phrase(&s[i..]) {
                out.push(q(
                    body,
                    start + i,
                    start + i + len,
                    QuantityKind::Age,
                    v,
                    "year",
                ));
                i += len;
                continue;
            }
        }
        let mut num: Option<(usize, usize, f64)> = None; // (from, to, value)
        if c.is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphabetic()) {
            let mut j = i;
            while j < b.len()
                && (b[j].is_ascii_digit()
                    || ((b[j] == b',' || b[j] == b'.')
                        && j + 1 < b.len()
                        && b[j + 1].is_ascii_digit()))
            {
                j += 1;
            }
            let digits = &s[i..j];
            let mut v: f64 = if digits.contains(',') {
                let raw: String = digits.chars().filter(|c| *c != ',').collect();
                raw.parse().unwrap_or(f64::NAN)
            } else {
                digits.parse().unwrap_or(f64::NAN)
            };
            // Korean myriads: 3만, 2만 8000, 100만
            let mut k = j;
            if s[k..].starts_with('만') {
                v *= 10_000.0;
                k += '만'.len_utf8();
                let rest = &s[k..];
                let t = rest.trim_start_matches(' ');
                let skip = rest.len() - t.len();
                let dl = t.bytes().take_while(|x| x.is_ascii_digit()).count();
                if dl > 0 && dl <= 4 {
                    if let Ok(x) = t[..dl].parse::<f64>() {
                        v += x;
                        k += skip + dl;
                    }
                }
            } else if s[k..].starts_with('천') {
                v *= 1000.0;
                k += '천'.len_utf8();
            }
            if k >= 1 && b[i..k].iter().all(|x| x.is_ascii_digit()) && k - i == 4 {
                // a bare year like 2019: not a quantity unless a unit follows
            }
            num = Some((i, k, v));
        } else if at_word && could_start_number_word(c) {
            num = number_word(s, i);
        }
        if let Some((from, to, v)) = num {
            let dollar = from > 0 && b[from - 1] == b'$';
            let rest = &s[to..];
            let t = rest.trim_start_matches([' ', '-']);
            let gap = rest.len() - t.len();
            // "aged between 26 and 41", "35-year-old"
            if starts_with_ci(t, "year-old") || starts_with_ci(t, "years old") {
                let l = if starts_with_ci(t, "year-old") { 8 } else { 9 };
                out.push(q(
                    body,
                    start + from,
                    start + to + gap + l,
                    QuantityKind::Age,
                    v,
                    "year",
                ));
                i = to + gap + l;
                continue;
            }
            if t.starts_with('대') && from + 2 <= to && s[from..to].ends_with('0') {
                out.push(q(
                    body,
                    start + from,
                    start + to + gap + '대'.len_utf8(),
                    QuantityKind::Age,
                    v,
                    "year",
                ));
                i = to + gap + '대'.len_utf8();
                continue;
            }
            if dollar {
                out.push(q(
                    body,
                    start + from - 1,
                    start + to,
                    QuantityKind::Money,
                    v,
                    "USD",
                ));
                i = to;
                continue;
            }
            // skip an adjective or two between number and unit: "five young people",
            // "300 kilograms", "two local safety agents" (bounded)
            let mut matched = None;
            let mut probe = t;
            let mut consumed = gap;
            for _ in 0..3 {
                // first byte first: most units do not start with the probe's letter
                let p0 = probe.as_bytes().first().map(|x| x.to_ascii_lowercase());
                for (w, kind, unit) in UNITS {
                    if w.as_bytes().first().copied() != p0 {
                        continue;
                    }
                    if starts_with_ci(probe, w)
                        && (!w.is_ascii() || word_end_ok(probe, w.len()) || *w == "%")
                    {
                        matched = Some((consumed + w.len(), *kind, *unit));
                        break;
                    }
                }
                if matched.is_some() || probe.len() > 64 && !probe.is_ascii() {
                    break;
                }
                // skip one ASCII lower-case word
                let wl = probe
                    .bytes()
                    .take_while(|x| x.is_ascii_lowercase() || *x == b'-')
                    .count();
                if wl == 0 || wl > 12 {
                    break;
                }
                let after = &probe[wl..];
                let t2 = after.trim_start_matches(' ');
                if t2.len() == after.len() {
                    break;
                }
                consumed += wl + (after.len() - t2.len());
                probe = t2;
            }
            if let Some((len, mut kind, unit)) = matched {
                if kind == QuantityKind::Money && fx() {
                    kind = QuantityKind::ExchangeRate;
                }
                let v = if v.is_nan() { None } else { Some(v) };
                out.push(Quantity {
                    kind,
                    value: v,
                    unit: Some(unit.to_string()),
                    text: body[start + from..start + to + len].to_string(),
                    span: (start + from, start + to + len),
                });
                i = to + len;
                continue;
            }
            i = to.max(i + 1);
            continue;
        }
        // next char: step over a multi-byte char by its lead byte; the rest of an ASCII
        // word starts nothing (not at a word start, and digits after letters are no
        // number)
        i += utf8_len(c);
        if c.is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
        }
        // nothing starts at an ASCII byte that is no letter or digit (spaces,
        // punctuation: a '$' is looked at from the number after it): step over them
        while i < b.len() && b[i] < 0x80 && !b[i].is_ascii_alphanumeric() {
            i += 1;
        }
    }
    out
}

/// Length of the UTF-8 sequence that starts with lead byte `c` (1 for anything else).
fn utf8_len(c: u8) -> usize {
    if c < 0x80 {
        return 1;
    }
    match c {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// A number word at `i` ("three", "a dozen", "두 "): (from, to, value).
fn number_word(s: &str, i: usize) -> Option<(usize, usize, f64)> {
    let b = s.as_bytes();
    if b[i].is_ascii_alphabetic() {
        // the first two letters of the words of two or more letters of `num_word_value`
        // ("on", "tw", "th", ...): a word starting otherwise is none of them, and of the
        // one-letter words only "a" starts anything ("a dozen")
        let c2 = b.get(i + 1).map_or(0, u8::to_ascii_lowercase);
        if !c2.is_ascii_lowercase() {
            if !b[i].eq_ignore_ascii_case(&b'a') {
                return None;
            }
        } else if !matches!(
            [b[i].to_ascii_lowercase(), c2],
            [b'o', b'n']
                | [b't', b'w' | b'h' | b'e']
                | [b'f', b'o' | b'i']
                | [b's', b'i' | b'e']
                | [b'e', b'i' | b'l']
                | [b'n', b'i']
                | [b'd', b'o']
                | [b'h', b'u']
        ) {
            return None;
        }
        let mut w = [0u8; 10];
        let mut n = 0;
        for &x in &b[i..] {
            if !x.is_ascii_alphabetic() {
                break;
            }
            if n == w.len() {
                return None;
            }
            w[n] = x.to_ascii_lowercase();
            n += 1;
        }
        let word = &w[..n];
        if word == b"a" {
            for (p, v) in NUM_WORDS.iter().filter(|(p, _)| p.starts_with("a ")) {
                if starts_with_ci(&s[i..], p) && word_end_ok(&s[i..], p.len()) {
                    return Some((i, i + p.len(), *v));
                }
            }
            return None;
        }
        return num_word_value(word).map(|v| (i, i + n, v));
    }
    // the second UTF-8 byte of '두', '세', '네', '다', '여', '한' (the words' first
    // syllables): any other rules out every word at once
    if !matches!(b.get(i + 1), Some(0x91 | 0x84 | 0x8B | 0x97 | 0x95)) {
        return None;
    }
    NUM_WORDS_KO
        .iter()
        .find(|(p, _)| {
            b[i..].starts_with(p.as_bytes()) && b.get(i + p.len()).copied() == Some(b' ')
        })
        .map(|(p, v)| (i, i + p.len(), *v))
}

/// The value of a lowercase ASCII word of [`NUM_WORDS`] (one match instead of a search).
fn num_word_value(word: &[u8]) -> Option<f64> {
    Some(match word {
        b"one" => 1.0,
        b"two" => 2.0,
        b"three" => 3.0,
        b"four" => 4.0,
        b"five" => 5.0,
        b"six" => 6.0,
        b"seven" => 7.0,
        b"eight" => 8.0,
        b"nine" => 9.0,
        b"ten" => 10.0,
        b"eleven" => 11.0,
        b"twelve" => 12.0,
        b"thirteen" => 13.0,
        b"fourteen" => 14.0,
        b"fifteen" => 15.0,
        b"sixteen" => 16.0,
        b"seventeen" => 17.0,
        b"eighteen" => 18.0,
        b"nineteen" => 19.0,
        b"twenty" => 20.0,
        b"thirty" => 30.0,
        b"forty" => 40.0,
        b"fifty" => 50.0,
        b"dozens" | b"hundreds" | b"thousands" | b"several" => f64::NAN,
        _ => return None,
    })
}

/// The non-ASCII entries of [`NUM_WORDS`], in the same order.
const NUM_WORDS_KO: &[(&str, f64)] = &[
    ("두", 2.0),
    ("세", 3.0),
    ("네", 4.0),
    ("다섯", 5.0),
    ("여섯", 6.0),
    ("한", 1.0),
];

/// First bytes of the number words (ASCII letters, or the lead byte of the Hangul ones).
fn could_start_number_word(c: u8) -> bool {
    matches!(
        c.to_ascii_lowercase(),
        b'o' | b't' | b'f' | b's' | b'e' | b'n' | b'd' | b'h' | b'a' | 0xEB..=0xED
    )
}

fn q(body: &str, a: usize, e: usize, kind: QuantityKind, v: f64, unit: &str) -> Quantity {
    Quantity {
        kind,
        value: if v.is_nan() { None } else { Some(v) },
        unit: Some(unit.to_string()),
        text: body[a..e].to_string(),
        span: (a, e),
    }
}

/// Cheap pre-check for [`age_phrase`]: "in h..", "in t..", "aged", "all ".
fn maybe_age(r: &[u8]) -> bool {
    if r.len() < 6 {
        return false;
    }
    let l = |i: usize| r[i] | 0x20;
    (l(0) == b'i' && l(1) == b'n' && r[2] == b' ' && matches!(l(3), b'h' | b't'))
        || (l(0) == b'a' && l(1) == b'g' && l(2) == b'e' && l(3) == b'd')
        || (l(0) == b'a' && l(1) == b'l' && l(2) == b'l' && r[3] == b' ')
}

/// "in his 40s", "in her early forties", "in their twenties and thirties", "aged 26".
fn age_phrase(t: &str) -> Option<(usize, f64)> {
    let mut pos = 0usize;
    if starts_with_ci(t, "aged ") {
        let r = &t[5..];
        let r2 = r.strip_prefix("between ").unwrap_or(r);
        let off = 5 + (r.len() - r2.len());
        let dl = r2.bytes().take_while(|x| x.is_ascii_digit()).count();
        if dl > 0 && dl <= 3 {
            let v = r2[..dl].parse::<f64>().ok()?;
            return Some((off + dl, v));
        }
        return None;
    }
    for p in ["in his ", "in her ", "in their ", "all in their "] {
        if starts_with_ci(t, p) {
            pos = p.len();
            break;
        }
    }
    if pos == 0 {
        return None;
    }
    let mut r = &t[pos..];
    for m in ["early ", "mid-", "mid ", "late "] {
        if starts_with_ci(r, m) {
            pos += m.len();
            r = &t[pos..];
            break;
        }
    }
    let dl = r.bytes().take_while(|x| x.is_ascii_digit()).count();
    if dl == 2 && r[dl..].starts_with('s') {
        let v = r[..dl].parse::<f64>().ok()?;
        return Some((pos + dl + 1, v));
    }
    for (w, v) in DECADES {
        if starts_with_ci(r, w) {
            return Some((pos + w.len(), *v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<(QuantityKind, Option<f64>, String)> {
        scan(t, 0, t.len())
            .into_iter()
            .map(|q| (q.kind, q.value, q.text))
            .collect()
    }

    #[test]
    fn english() {
        let k = kinds("MSS agents arrested three men in their 30s with 300 kilograms of copper and 2,000 yuan; a 35-year-old got 15 years.");
        assert!(k.contains(&(QuantityKind::People, Some(3.0), "three men".into())));
        assert!(k.contains(&(QuantityKind::Age, Some(30.0), "in their 30s".into())));
        assert!(k.contains(&(QuantityKind::Amount, Some(300.0), "300 kilograms".into())));
        assert!(k.contains(&(QuantityKind::Money, Some(2000.0), "2,000 yuan".into())));
        assert!(k.contains(&(QuantityKind::Age, Some(35.0), "35-year-old".into())));
        assert!(k.contains(&(QuantityKind::Duration, Some(15.0), "15 years".into())));
    }

    #[test]
    fn number_word_match_agrees_with_table() {
        for (w, v) in NUM_WORDS
            .iter()
            .filter(|(w, _)| w.is_ascii() && !w.contains(' '))
        {
            let got = num_word_value(w.as_bytes()).unwrap();
            assert!(got == *v || (got.is_nan() && v.is_nan()), "{w}");
        }
        // the two-letter filter in `number_word` lets every table word through
        for (w, _) in NUM_WORDS.iter().filter(|(w, _)| w.is_ascii()) {
            let t = format!("{w} people");
            assert!(number_word(&t, 0).is_some(), "{w}");
            assert!(number_word(&t.to_uppercase(), 0).is_some(), "{w}");
        }
        assert_eq!(num_word_value(b"a"), None);
        assert_eq!(num_word_value(b"tens"), None);
    }

    #[test]
    fn korean() {
        let k = kinds("40대 여성 브로커와 두 아들 등 4명이 현금 3만 위안, 식용유 1kg이 2만 8000원, 노동단련대 6개월");
        assert!(k.contains(&(QuantityKind::Age, Some(40.0), "40대".into())));
        assert!(k.contains(&(QuantityKind::People, Some(4.0), "4명".into())));
        assert!(k.contains(&(QuantityKind::Money, Some(30000.0), "3만 위안".into())));
        assert!(k.contains(&(QuantityKind::Money, Some(28000.0), "2만 8000원".into())));
        assert!(k.contains(&(QuantityKind::Duration, Some(6.0), "6개월".into())));
    }
}
