//! Lenient date parsing for metadata values (front matter, meta tags, feeds, JSON).

use chrono::{DateTime, NaiveDate};

/// Parse the calendar date out of a date or date-time value as the source wrote it.
///
/// Accepts ISO dates and date-times (`2021-05-14`, `2021-05-14T09:00:00+09:00`,
/// `2021/05/14`, `2021.05.14`), RFC 2822 (`Fri, 14 May 2021 09:00:00 +0900`), English
/// month names (`May 14, 2021`, `14 May 2021`) and Korean (`2021년 5월 14일`). The date is
/// the one written (no time-zone conversion), so a Seoul morning stays on its own day.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if s.is_empty() || s.len() > 100 {
        return None;
    }
    if let Some(d) = numeric_ymd(s) {
        return Some(d);
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt.date_naive());
    }
    if let Some(d) = korean_ymd(s) {
        return Some(d);
    }
    english_month(s)
}

/// `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYY.MM.DD` at the start, anything (a time) after.
fn numeric_ymd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sep = b[4];
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let rest = &s[5..];
    let mut parts = rest.splitn(2, sep as char);
    let m: u32 = parts.next()?.trim().parse().ok()?;
    let tail = parts.next()?;
    let day_digits: String = tail.chars().take_while(|c| c.is_ascii_digit()).collect();
    if day_digits.is_empty() || day_digits.len() > 2 {
        return None;
    }
    let y: i32 = s[..4].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, day_digits.parse().ok()?)
}

fn korean_ymd(s: &str) -> Option<NaiveDate> {
    let y_end = s.find('년')?;
    let y: i32 = s[..y_end].trim().parse().ok()?;
    let rest = &s[y_end + '년'.len_utf8()..];
    let m_end = rest.find('월')?;
    let m: u32 = rest[..m_end].trim().parse().ok()?;
    let rest = &rest[m_end + '월'.len_utf8()..];
    let d_end = rest.find('일')?;
    let d: u32 = rest[..d_end].trim().parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| w.starts_with(m))
        .map(|i| i as u32 + 1)
}

/// `May 14, 2021`, `14 May 2021`, `Friday, May 14 2021`.
fn english_month(s: &str) -> Option<NaiveDate> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .take(6)
        .collect();
    for (i, w) in words.iter().enumerate() {
        let Some(m) = month_number(w.trim_end_matches('.')) else {
            continue;
        };
        let num = |x: Option<&&str>| -> Option<u32> {
            x.and_then(|v| {
                v.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse()
                    .ok()
            })
        };
        // Month Day Year
        if let (Some(d), Some(y)) = (num(words.get(i + 1)), num(words.get(i + 2))) {
            if y > 1900 {
                return NaiveDate::from_ymd_opt(y as i32, m, d);
            }
        }
        // Day Month Year
        if i > 0 {
            if let (Some(d), Some(y)) = (num(words.get(i - 1)), num(words.get(i + 1))) {
                if y > 1900 {
                    return NaiveDate::from_ymd_opt(y as i32, m, d);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn formats() {
        assert_eq!(parse_date("2021-05-14"), d(2021, 5, 14));
        assert_eq!(parse_date("\"2021-05-14\""), d(2021, 5, 14));
        assert_eq!(parse_date("2021-05-14T09:00:00+09:00"), d(2021, 5, 14));
        assert_eq!(parse_date("2021-05-14 23:10"), d(2021, 5, 14));
        assert_eq!(parse_date("2021.05.14 09:00"), d(2021, 5, 14));
        assert_eq!(parse_date("2021/5/4"), d(2021, 5, 4));
        assert_eq!(
            parse_date("Fri, 14 May 2021 09:00:00 +0900"),
            d(2021, 5, 14)
        );
        assert_eq!(parse_date("May 14, 2021"), d(2021, 5, 14));
        assert_eq!(parse_date("14 May 2021"), d(2021, 5, 14));
        assert_eq!(parse_date("2021년 5월 14일"), d(2021, 5, 14));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2021-13-40"), None);
        assert_eq!(parse_date(""), None);
    }
}
