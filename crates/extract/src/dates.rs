//! Dates: explicit ("Jan. 7", "June 1, 2021", "in 2019") and relative ("on Wednesday",
//! "late last month", "mid-June", "yesterday", 지난달 말, 이달 초, 지난 20일, 어제)
//! expressions, resolved against the published date with a precision. Without a
//! published date the words are kept with precision `unresolved`.

use crate::model::{EventDate, Precision};
use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// One date expression found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct DateMention {
    pub start: usize,
    pub end: usize,
    pub date: EventDate,
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan.", 1),
    ("feb.", 2),
    ("mar.", 3),
    ("apr.", 4),
    ("aug.", 8),
    ("sept.", 9),
    ("sep.", 9),
    ("oct.", 10),
    ("nov.", 11),
    ("dec.", 12),
];

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

fn sw(h: &str, n: &str) -> bool {
    h.len() >= n.len() && h.is_char_boundary(n.len()) && h[..n.len()].eq_ignore_ascii_case(n)
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1).map(|d| d - Duration::days(1))
}

fn shift_month(y: i32, m: u32, by: i32) -> (i32, u32) {
    let idx = y * 12 + (m as i32 - 1) + by;
    (idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32)
}

#[derive(Clone, Copy)]
enum Part {
    Whole,
    Early,
    Mid,
    Late,
}

fn month_range(y: i32, m: u32, part: Part) -> Option<(NaiveDate, NaiveDate, Precision)> {
    let first = NaiveDate::from_ymd_opt(y, m, 1)?;
    let last = month_end(y, m)?;
    Some(match part {
        Part::Whole => (first, last, Precision::Month),
        Part::Early => (first, NaiveDate::from_ymd_opt(y, m, 10)?, Precision::Range),
        Part::Mid => (
            NaiveDate::from_ymd_opt(y, m, 11)?,
            NaiveDate::from_ymd_opt(y, m, 20)?,
            Precision::Range,
        ),
        Part::Late => (NaiveDate::from_ymd_opt(y, m, 21)?, last, Precision::Range),
    })
}

#[derive(Clone, Copy)]
enum Week {
    /// "earlier this week": Monday of the published date's week to the published date
    ThisSoFar,
    /// "this week": the published date's calendar week, Monday to Sunday
    This,
    /// "last week": the calendar week before the published date's week
    Last,
}

fn week_range(pubd: NaiveDate, which: Week) -> (NaiveDate, NaiveDate, Precision) {
    let monday = pubd - Duration::days(i64::from(pubd.weekday().num_days_from_monday()));
    match which {
        Week::ThisSoFar => (monday, pubd, Precision::Range),
        Week::This => (monday, monday + Duration::days(6), Precision::Range),
        Week::Last => (
            monday - Duration::days(7),
            monday - Duration::days(1),
            Precision::Range,
        ),
    }
}

/// Year of a month mentioned without a year: the latest such month not after `pubd`.
fn year_for_month(pubd: NaiveDate, m: u32) -> i32 {
    if m > pubd.month() {
        pubd.year() - 1
    } else {
        pubd.year()
    }
}

fn mk(
    body: &str,
    a: usize,
    e: usize,
    r: Option<(NaiveDate, NaiveDate, Precision)>,
    has_pub: bool,
) -> DateMention {
    let text = body[a..e].to_string();
    let date = match (r, has_pub) {
        (Some((s, en, p)), true) => EventDate {
            start: Some(s),
            end: Some(en),
            precision: p,
            text,
            span: (a, e),
        },
        (Some((s, en, p)), false)
            if matches!(p, Precision::Year) || s.year() > 1900 && explicit_year(&body[a..e]) =>
        {
            EventDate {
                start: Some(s),
                end: Some(en),
                precision: p,
                text,
                span: (a, e),
            }
        }
        _ => EventDate {
            start: None,
            end: None,
            precision: Precision::Unresolved,
            text,
            span: (a, e),
        },
    };
    DateMention {
        start: a,
        end: e,
        date,
    }
}

fn explicit_year(t: &str) -> bool {
    t.as_bytes()
        .windows(4)
        .any(|w| w.iter().all(|b| b.is_ascii_digit()) && (w[0] == b'1' || w[0] == b'2'))
}

/// All date expressions in `body[start..end]`.
pub fn scan(
    body: &str,
    start: usize,
    end: usize,
    published: Option<NaiveDate>,
) -> Vec<DateMention> {
    let start = crate::text::floor_cb(body, start);
    let end = crate::text::ceil_cb(body, end);
    let has_pub = published.is_some();
    // Without a published date, resolve against a fixed date only to compute ranges for
    // explicit years; everything relative stays unresolved.
    let pubd = published.unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default());
    let s = &body[start..end];
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        if !s.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let at_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let r = &s[i..];
        if let Some(word) = (at_word && b[i].is_ascii_alphabetic())
            .then(|| date_trigger_word(r))
            .flatten()
        {
            if let Some((len, res)) = english_at(r, word, pubd) {
                out.push(mk(body, start + i, start + i + len, res, has_pub));
                i += len;
                continue;
            }
        } else if (!b[i].is_ascii() && is_ko_date_lead(r)) || b[i].is_ascii_digit() {
            if let Some((len, res)) = korean_at(s, i, pubd) {
                out.push(mk(body, start + i, start + i + len, res, has_pub));
                i += len;
                continue;
            }
            if b[i].is_ascii_digit() {
                // nothing starts at the other digits of this number: `korean_at` returns
                // None after a digit, and no English form starts with one
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                continue;
            }
        }
        // the rest of an ASCII word starts nothing (not at a word start, not a digit),
        // and a multi-byte char is stepped over whole
        match b[i] {
            c if c.is_ascii_alphabetic() => {
                i += 1;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
            }
            0xE0..=0xEF => i += 3,
            0xC0..=0xDF => i += 2,
            0xF0..=0xF7 => i += 4,
            _ => i += 1,
        }
        // nothing starts at an ASCII byte that is no letter or digit: step over them
        while i < b.len() && b[i] < 0x80 && !b[i].is_ascii_alphanumeric() {
            i += 1;
        }
    }
    out
}

type Res = Option<(NaiveDate, NaiveDate, Precision)>;

/// Cheap filter: can a date expression start with this word?
#[cfg(test)]
fn is_date_trigger(r: &str) -> bool {
    date_trigger_word(r).is_some()
}

/// The first word of `r`, lowercased (as [`first_word_lower`] gives it), if a date
/// expression can start with it.
fn date_trigger_word(r: &str) -> Option<([u8; 10], usize)> {
    // first letters of the words below, as a bit set over 'a'..='z'
    const FIRST: u32 = {
        let mut m = 0u32;
        let s = b"ytelramoisjfnd";
        let mut k = 0;
        while k < s.len() {
            m |= 1 << (s[k] - b'a');
            k += 1;
        }
        m
    };
    // first two letters of the words of two or more letters below: for each first
    // letter, a bit set of the second letters
    const SECOND: [u32; 26] = {
        let pairs: &[&[u8; 2]] = &[
            b"ye", b"to", b"ea", b"th", b"la", b"re", b"mi", b"on", b"in", b"si", b"ja", b"fe",
            b"ma", b"ap", b"ju", b"au", b"se", b"oc", b"no", b"de",
        ];
        let mut m = [0u32; 26];
        let mut k = 0;
        while k < pairs.len() {
            m[(pairs[k][0] - b'a') as usize] |= 1 << (pairs[k][1] - b'a');
            k += 1;
        }
        m
    };
    let c = r.as_bytes().first().map_or(0, u8::to_ascii_lowercase);
    if !c.is_ascii_lowercase() || FIRST & (1 << (c - b'a')) == 0 {
        return None;
    }
    let c2 = r.as_bytes().get(1).map_or(0, u8::to_ascii_lowercase);
    if !c2.is_ascii_lowercase() {
        // a one-letter word: only "a" is one of them
        return (c == b'a').then(|| first_word_lower(r)).flatten();
    }
    if SECOND[(c - b'a') as usize] & (1 << (c2 - b'a')) == 0 {
        return None;
    }
    let (w, n) = first_word_lower(r)?;
    // one match on the word (the compiler dispatches on length, then bytes)
    let hit = matches!(
        &w[..n],
        b"yesterday"
            | b"today"
            | b"earlier"
            | b"this"
            | b"last"
            | b"recently"
            | b"a"
            | b"early"
            | b"the"
            | b"mid"
            | b"late"
            | b"on"
            | b"in"
            | b"since"
            | b"january"
            | b"february"
            | b"march"
            | b"april"
            | b"may"
            | b"june"
            | b"july"
            | b"august"
            | b"september"
            | b"october"
            | b"november"
            | b"december"
            | b"jan"
            | b"feb"
            | b"mar"
            | b"apr"
            | b"aug"
            | b"sept"
            | b"sep"
            | b"oct"
            | b"nov"
            | b"dec"
    );
    hit.then_some((w, n))
}

fn is_ko_date_lead(r: &str) -> bool {
    // the UTF-8 bytes of '지', '이', '작', '올', '어', '그', '최' (no decoding)
    matches!(
        r.as_bytes(),
        [0xEC, 0xA7, 0x80, ..]
            | [0xEC, 0x9D, 0xB4, ..]
            | [0xEC, 0x9E, 0x91, ..]
            | [0xEC, 0x98, 0xAC, ..]
            | [0xEC, 0x96, 0xB4, ..]
            | [0xEA, 0xB7, 0xB8, ..]
            | [0xEC, 0xB5, 0x9C, ..]
    )
}

/// The first word of `r`, ASCII-lowercased, if it is at most 10 letters.
fn first_word_lower(r: &str) -> Option<([u8; 10], usize)> {
    let mut w = [0u8; 10];
    let mut n = 0;
    for &b in r.as_bytes() {
        if !b.is_ascii_alphabetic() {
            break;
        }
        if n == w.len() {
            return None;
        }
        w[n] = b.to_ascii_lowercase();
        n += 1;
    }
    Some((w, n))
}

/// `word`: the first word of `r`, lowercased, from [`date_trigger_word`].
fn english_at(r: &str, word: ([u8; 10], usize), pubd: NaiveDate) -> Option<(usize, Res)> {
    // frequent first words that can start only a few expressions: go there directly
    // (the checks below give the same answer, only slower)
    {
        let (w, n) = word;
        match &w[..n] {
            b"the"
                if !(sw(r, "the beginning of ")
                    || sw(r, "the start of ")
                    || sw(r, "the middle of ")
                    || sw(r, "the end of ")) =>
            {
                return None
            }
            b"a" if !sw(r, "a week later") => return None,
            b"in" | b"on" | b"since" => return english_tail(r, pubd),
            _ => {}
        }
    }
    let day = |d: NaiveDate| Some((d, d, Precision::Day));
    // simple relative words
    // calendar weeks (Monday to Sunday) around the published date
    for (w, which) in [
        ("earlier this week", Week::ThisSoFar),
        ("this week", Week::This),
        ("last week", Week::Last),
    ] {
        if sw(r, w) && end_ok(r, w.len()) {
            return Some((w.len(), Some(week_range(pubd, which))));
        }
    }
    let simple: &[(&str, i64, i64, Precision)] = &[
        ("yesterday", -1, -1, Precision::Day),
        ("today", 0, 0, Precision::Day),
        ("recently", -30, 0, Precision::Range),
        ("a week later", 0, 0, Precision::Unresolved),
    ];
    for (w, a, e, p) in simple {
        if sw(r, w) && end_ok(r, w.len()) {
            if matches!(p, Precision::Unresolved) {
                return Some((w.len(), None));
            }
            let res = Some((pubd + Duration::days(*a), pubd + Duration::days(*e), *p));
            return Some((w.len(), res));
        }
    }
    // parts of this/last month and year
    let parts: &[(&str, Part)] = &[
        ("early ", Part::Early),
        ("earlier ", Part::Early),
        ("the beginning of ", Part::Early),
        ("the start of ", Part::Early),
        ("mid-", Part::Mid),
        ("the middle of ", Part::Mid),
        ("late ", Part::Late),
        ("the end of ", Part::Late),
        ("", Part::Whole),
    ];
    for (pw, part) in parts {
        if !sw(r, pw) {
            continue;
        }
        let rr = &r[pw.len()..];
        for (w, by) in [("this month", 0), ("last month", -1)] {
            if sw(rr, w) && end_ok(rr, w.len()) {
                let (y, m) = shift_month(pubd.year(), pubd.month(), by);
                let part = if pw.starts_with("earlier") && by == 0 {
                    Part::Whole
                } else {
                    *part
                };
                return Some((pw.len() + w.len(), month_range(y, m, part)));
            }
        }
        for (w, by) in [("this year", 0), ("last year", -1)] {
            if sw(rr, w) && end_ok(rr, w.len()) {
                let y = pubd.year() + by;
                let res = match part {
                    Part::Whole => Some((
                        NaiveDate::from_ymd_opt(y, 1, 1)?,
                        NaiveDate::from_ymd_opt(y, 12, 31)?,
                        Precision::Year,
                    )),
                    Part::Early => Some((
                        NaiveDate::from_ymd_opt(y, 1, 1)?,
                        NaiveDate::from_ymd_opt(y, 4, 30)?,
                        Precision::Range,
                    )),
                    Part::Mid => Some((
                        NaiveDate::from_ymd_opt(y, 5, 1)?,
                        NaiveDate::from_ymd_opt(y, 8, 31)?,
                        Precision::Range,
                    )),
                    Part::Late => Some((
                        NaiveDate::from_ymd_opt(y, 9, 1)?,
                        NaiveDate::from_ymd_opt(y, 12, 31)?,
                        Precision::Range,
                    )),
                };
                return Some((pw.len() + w.len(), res));
            }
        }
        // month names: "March 28", "Nov. 3", "June 1, 2021", "mid-June", "March 2019"
        // first byte first: most words start no month name
        let first = rr.as_bytes().first().map(|b| b.to_ascii_lowercase());
        for (w, m) in MONTHS {
            if w.as_bytes().first().map(|b| b.to_ascii_lowercase()) != first || !sw(rr, w) {
                continue;
            }
            if !w.ends_with('.') && !end_ok(rr, w.len()) {
                continue;
            }
            // "May" only as a month when capitalised
            if *w == "may" && !rr.starts_with('M') {
                continue;
            }
            let mut len = pw.len() + w.len();
            let rest = &r[len..];
            let t = rest.trim_start_matches(' ');
            let gap = rest.len() - t.len();
            let dl = t.bytes().take_while(|x| x.is_ascii_digit()).count();
            if matches!(part, Part::Whole) && gap > 0 && (1..=2).contains(&dl) {
                let d: u32 = t[..dl].parse().ok()?;
                len += gap + dl;
                // optional ", 2021"
                let rest2 = &r[len..];
                let mut year = None;
                if let Some(y) = rest2.strip_prefix(", ") {
                    let yl = y.bytes().take_while(|x| x.is_ascii_digit()).count();
                    if yl == 4 {
                        year = y[..4].parse::<i32>().ok();
                        len += 2 + 4;
                    }
                }
                let y = year.unwrap_or_else(|| year_for_month(pubd, *m));
                let res = NaiveDate::from_ymd_opt(y, *m, d).and_then(day);
                return Some((len, res));
            }
            if gap > 0 && dl == 4 {
                let y: i32 = t[..4].parse().ok()?;
                len += gap + 4;
                return Some((len, month_range(y, *m, *part)));
            }
            if *w == "may" && pw.is_empty() {
                // bare "May" without a day: only after "in"/"since"/"until"
                return None;
            }
            // "August last year", "March this year"
            let mut y = year_for_month(pubd, *m);
            if sw(&r[len..], " last year") {
                y = pubd.year() - 1;
                len += " last year".len();
            } else if sw(&r[len..], " this year") {
                y = pubd.year();
                len += " this year".len();
            }
            return Some((len, month_range(y, *m, *part)));
        }
    }
    english_tail(r, pubd)
}

/// Weekdays ("on Wednesday", "last Friday"), "on the 6th", "in 2019", "since 2016".
fn english_tail(r: &str, pubd: NaiveDate) -> Option<(usize, Res)> {
    let day = |d: NaiveDate| Some((d, d, Precision::Day));
    // "on Wednesday": the last such weekday before the published date
    let r2 = r
        .strip_prefix("on ")
        .or_else(|| r.strip_prefix("last "))
        .or_else(|| r.strip_prefix("On "));
    if let Some(rr) = r2 {
        for (w, wd) in WEEKDAYS {
            if sw(rr, w) && end_ok(rr, w.len()) {
                let mut d = pubd - Duration::days(1);
                for _ in 0..7 {
                    if d.weekday() == *wd {
                        break;
                    }
                    d -= Duration::days(1);
                }
                return Some((r.len() - rr.len() + w.len(), day(d)));
            }
        }
    }
    // "on the 6th": a day of the published month (or of the month before)
    if let Some(rr) = r.strip_prefix("on the ") {
        let dl = rr.bytes().take_while(|x| x.is_ascii_digit()).count();
        if (1..=2).contains(&dl) {
            let suf = &rr[dl..];
            if ["st", "nd", "rd", "th"].iter().any(|s| suf.starts_with(s)) && end_ok(suf, 2) {
                let n: u32 = rr[..dl].parse().ok()?;
                let (y, m) = if n > pubd.day() {
                    shift_month(pubd.year(), pubd.month(), -1)
                } else {
                    (pubd.year(), pubd.month())
                };
                let res = NaiveDate::from_ymd_opt(y, m, n).and_then(day);
                return Some(("on the ".len() + dl + 2, res));
            }
        }
    }
    // "in 2019", "since 2016"
    for p in ["in ", "since ", "In ", "Since "] {
        if let Some(rr) = r.strip_prefix(p) {
            let dl = rr.bytes().take_while(|x| x.is_ascii_digit()).count();
            if dl == 4 && end_ok(rr, 4) && (rr.starts_with('1') || rr.starts_with('2')) {
                let y: i32 = rr[..4].parse().ok()?;
                let res = Some((
                    NaiveDate::from_ymd_opt(y, 1, 1)?,
                    NaiveDate::from_ymd_opt(y, 12, 31)?,
                    Precision::Year,
                ));
                return Some((p.len() + 4, res));
            }
        }
    }
    None
}

fn end_ok(r: &str, n: usize) -> bool {
    r.get(n..)
        .and_then(|t| t.chars().next())
        .map(|c| !c.is_alphanumeric())
        .unwrap_or(true)
}

fn korean_at(s: &str, i: usize, pubd: NaiveDate) -> Option<(usize, Res)> {
    let r = &s[i..];
    if r.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        // every word form below starts with a Hangul syllable
        return korean_number_at(s, i, r, pubd);
    }
    let fixed: &[(&str, i32, Part)] = &[
        ("지난달 초", -1, Part::Early),
        ("지난달 중순", -1, Part::Mid),
        ("지난달 말", -1, Part::Late),
        ("지난달", -1, Part::Whole),
        ("이달 초", 0, Part::Early),
        ("이달 중순", 0, Part::Mid),
        ("이달 말", 0, Part::Late),
        ("이달", 0, Part::Whole),
    ];
    for (w, by, part) in fixed {
        if r.starts_with(w) {
            let (y, m) = shift_month(pubd.year(), pubd.month(), *by);
            return Some((w.len(), month_range(y, m, *part)));
        }
    }
    let years: &[(&str, i32, u32, u32)] = &[
        ("지난해 가을", -1, 9, 11),
        ("지난해", -1, 1, 12),
        ("작년", -1, 1, 12),
        ("올해 초", 0, 1, 3),
        ("올해", 0, 1, 12),
    ];
    for (w, by, m1, m2) in years {
        if r.starts_with(w) {
            let y = pubd.year() + by;
            let p = if *m1 == 1 && *m2 == 12 {
                Precision::Year
            } else {
                Precision::Range
            };
            let res = Some((NaiveDate::from_ymd_opt(y, *m1, 1)?, month_end(y, *m2)?, p));
            return Some((w.len(), res));
        }
    }
    // calendar weeks, as in English
    for (w, which) in [
        ("지난주", Week::Last),
        ("지난 주", Week::Last),
        ("이번 주", Week::This),
    ] {
        if r.starts_with(w) {
            return Some((w.len(), Some(week_range(pubd, which))));
        }
    }
    let rel: &[(&str, i64, i64, Precision)] = &[
        ("어제", -1, -1, Precision::Day),
        ("그저께", -2, -2, Precision::Day),
        ("최근", -30, 0, Precision::Range),
    ];
    for (w, a, e, p) in rel {
        if r.starts_with(w) {
            return Some((
                w.len(),
                Some((pubd + Duration::days(*a), pubd + Duration::days(*e), *p)),
            ));
        }
    }
    korean_number_at(s, i, r, pubd)
}

/// The numeric Korean forms at `i` of `s` (`r` is `&s[i..]`): "지난 20일", "15일",
/// "3월 중순", "1월", "2019년".
fn korean_number_at(s: &str, i: usize, r: &str, pubd: NaiveDate) -> Option<(usize, Res)> {
    let (pre, rr) = match r.strip_prefix("지난 ") {
        Some(x) => ("지난 ".len(), x),
        None => (0, r),
    };
    if pre == 0 && i > 0 && s.as_bytes()[i - 1].is_ascii_digit() {
        return None;
    }
    let dl = rr.bytes().take_while(|x| x.is_ascii_digit()).count();
    if dl == 0 || dl > 4 {
        return None;
    }
    let n: u32 = rr[..dl].parse().ok()?;
    let after = &rr[dl..];
    if dl == 4 && after.starts_with('년') {
        let y = n as i32;
        return Some((
            pre + dl + '년'.len_utf8(),
            Some((
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
                Precision::Year,
            )),
        ));
    }
    if dl <= 2 && after.starts_with('월') && (1..=12).contains(&n) {
        let mut len = pre + dl + '월'.len_utf8();
        let a2 = &rr[dl + '월'.len_utf8()..];
        let y = year_for_month(pubd, n);
        for (w, part) in [
            (" 초", Part::Early),
            (" 중순", Part::Mid),
            (" 말", Part::Late),
        ] {
            if a2.starts_with(w) {
                len += w.len();
                return Some((len, month_range(y, n, part)));
            }
        }
        // "3월 15일"
        let t = a2.trim_start_matches(' ');
        let dl2 = t.bytes().take_while(|x| x.is_ascii_digit()).count();
        if (1..=2).contains(&dl2) && t[dl2..].starts_with('일') {
            let d: u32 = t[..dl2].parse().ok()?;
            len += (a2.len() - t.len()) + dl2 + '일'.len_utf8();
            return Some((
                len,
                NaiveDate::from_ymd_opt(y, n, d).map(|x| (x, x, Precision::Day)),
            ));
        }
        return Some((len, month_range(y, n, Part::Whole)));
    }
    if dl <= 2
        && after.starts_with('일')
        && !after.starts_with("일째")
        && !after.starts_with("일간")
        && (1..=31).contains(&n)
    {
        // day of this month, or of last month when after the published day
        let (y, m) = if n > pubd.day() {
            shift_month(pubd.year(), pubd.month(), -1)
        } else {
            (pubd.year(), pubd.month())
        };
        let len = pre + dl + '일'.len_utf8();
        return Some((
            len,
            NaiveDate::from_ymd_opt(y, m, n).map(|x| (x, x, Precision::Day)),
        ));
    }
    None
}

/// Rank for choosing an event's date among several in its sentence: more precise first.
pub fn rank(p: Precision) -> u8 {
    match p {
        Precision::Day => 0,
        Precision::Range => 1,
        Precision::Month => 2,
        Precision::Year => 3,
        Precision::Unresolved => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn one(t: &str, p: Option<NaiveDate>) -> EventDate {
        let v = scan(t, 0, t.len(), p);
        assert!(!v.is_empty(), "no date in {t:?}");
        v[0].date.clone()
    }

    #[test]
    fn korean_leads_by_bytes() {
        for c in ['지', '이', '작', '올', '어', '그', '최'] {
            assert!(is_ko_date_lead(&format!("{c}x")), "{c}");
        }
        for c in ['가', '혜', '산', 'a', '1'] {
            assert!(!is_ko_date_lead(&format!("{c}x")), "{c}");
        }
    }

    #[test]
    fn trigger_filter_lets_every_word_through() {
        for w in [
            "yesterday",
            "today",
            "earlier",
            "this",
            "last",
            "recently",
            "a",
            "early",
            "the",
            "mid",
            "late",
            "on",
            "in",
            "since",
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
            "jan",
            "feb",
            "mar",
            "apr",
            "aug",
            "sept",
            "sep",
            "oct",
            "nov",
            "dec",
        ] {
            for t in [format!("{w} x"), format!("{} x", w.to_uppercase())] {
                assert!(is_date_trigger(&t), "{t}");
            }
        }
        assert!(!is_date_trigger("ab x"));
        assert!(!is_date_trigger("said x"));
    }

    #[test]
    fn english_dates() {
        let p = Some(d(2021, 11, 12));
        let e = one("caught on Nov. 3 at night", p);
        assert_eq!(
            (e.start, e.precision, e.text.as_str()),
            (Some(d(2021, 11, 3)), Precision::Day, "Nov. 3")
        );
        let e = one("late last month", p);
        assert_eq!(
            (e.start, e.end),
            (Some(d(2021, 10, 21)), Some(d(2021, 10, 31)))
        );
        let e = one("in mid-June", p);
        assert_eq!(
            (e.start, e.precision),
            (Some(d(2021, 6, 11)), Precision::Range)
        );
        let e = one("told it on Wednesday", p);
        assert_eq!(e.start, Some(d(2021, 11, 10)));
        let e = one("June 1, 2020 was", p);
        assert_eq!(e.start, Some(d(2020, 6, 1)));
        let e = one("picked up on the 6th, one", p);
        assert_eq!(
            (e.start, e.text.as_str()),
            (Some(d(2021, 11, 6)), "on the 6th")
        );
        let e = one("crossed in 2018", p);
        assert_eq!(e.precision, Precision::Year);
        let e = one("held on Friday", None);
        assert_eq!((e.start, e.precision), (None, Precision::Unresolved));
    }

    #[test]
    fn calendar_relative_expressions() {
        // Thursday 2021-11-11: its week runs Monday 8 to Sunday 14
        let p = Some(d(2021, 11, 11));
        let span = |t: &str| {
            let e = one(t, p);
            (e.start.unwrap(), e.end.unwrap(), e.precision)
        };
        let r = Precision::Range;
        assert_eq!(
            span("it happened last week"),
            (d(2021, 11, 1), d(2021, 11, 7), r)
        );
        assert_eq!(
            span("earlier this week"),
            (d(2021, 11, 8), d(2021, 11, 11), r)
        );
        assert_eq!(span("this week the"), (d(2021, 11, 8), d(2021, 11, 14), r));
        assert_eq!(span("지난주 혜산"), (d(2021, 11, 1), d(2021, 11, 7), r));
        assert_eq!(span("지난 주에"), (d(2021, 11, 1), d(2021, 11, 7), r));
        assert_eq!(span("이번 주"), (d(2021, 11, 8), d(2021, 11, 14), r));
        // published on a Monday: last week is the whole week before
        let m = Some(d(2021, 11, 8));
        let e = one("last week", m);
        assert_eq!(
            (e.start, e.end),
            (Some(d(2021, 11, 1)), Some(d(2021, 11, 7)))
        );
        let e = one("earlier this week", m);
        assert_eq!(
            (e.start, e.end),
            (Some(d(2021, 11, 8)), Some(d(2021, 11, 8)))
        );
        // published on a Sunday: still the week that started six days before
        let e = one("last week", Some(d(2021, 11, 14)));
        assert_eq!(
            (e.start, e.end),
            (Some(d(2021, 11, 1)), Some(d(2021, 11, 7)))
        );
        // across a year boundary (Sunday 2023-01-01 ends the week of Dec 26)
        let e = one("last week", Some(d(2023, 1, 3)));
        assert_eq!(
            (e.start, e.end),
            (Some(d(2022, 12, 26)), Some(d(2023, 1, 1)))
        );
        // months and years: calendar ones too
        assert_eq!(
            span("late last month"),
            (d(2021, 10, 21), d(2021, 10, 31), r)
        );
        assert_eq!(
            span("early last month"),
            (d(2021, 10, 1), d(2021, 10, 10), r)
        );
        assert_eq!(
            span("this month"),
            (d(2021, 11, 1), d(2021, 11, 30), Precision::Month)
        );
        assert_eq!(
            span("earlier this month"),
            (d(2021, 11, 1), d(2021, 11, 30), Precision::Month)
        );
        assert_eq!(
            span("last year"),
            (d(2020, 1, 1), d(2020, 12, 31), Precision::Year)
        );
        assert_eq!(span("late last year"), (d(2020, 9, 1), d(2020, 12, 31), r));
        // last month from January is December of the year before
        let e = one("late last month", Some(d(2022, 1, 5)));
        assert_eq!(
            (e.start, e.end),
            (Some(d(2021, 12, 21)), Some(d(2021, 12, 31)))
        );
        // without a published date nothing relative is resolved
        let e = one("last week", None);
        assert_eq!((e.start, e.precision), (None, Precision::Unresolved));
    }

    #[test]
    fn korean_dates() {
        let p = Some(d(2022, 3, 18));
        let e = one("지난달 말 혜산시에서", p);
        assert_eq!(
            (e.start, e.end),
            (Some(d(2022, 2, 21)), Some(d(2022, 2, 28)))
        );
        let e = one("이달 10일 조사를", p);
        assert_eq!(e.precision, Precision::Month);
        let e = one("지난 20일 새벽", p);
        assert_eq!(e.start, Some(d(2022, 2, 20)));
        let e = one("소식통은 17일", p);
        assert_eq!(e.start, Some(d(2022, 3, 17)));
        let e = one("올해 초 붙잡힌", p);
        assert_eq!(e.precision, Precision::Range);
    }
}
