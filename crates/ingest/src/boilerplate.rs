//! Boilerplate detection: marks whole lines of a report's text that are not part of the
//! story (photo captions, tag-keyword lines, footers, reporter bios and bylines, date lines,
//! navigation and related-article links, market-price widgets), and derives the clean body.
//!
//! Every rule works on single lines and is deliberately conservative: a line is removed only
//! when its shape says it cannot be a story sentence (short, no sentence punctuation, a
//! fixed caption/footer convention), because a false removal loses evidence.
//!
//! Rules (each removes whole lines):
//! - caption: "... / Image: X", "/ Photo: X", "FILE PHOTO: ...", "Photo: ...", "(Photo: X)" at
//!   the end, "▲ ..." / "△ ...", "사진=..." / "/ 사진: ...", "(... 자료사진)", "in this
//!   (undated) photo", "(Reuters)"-style credits at the end of a short line;
//! - tag_line: 3-12 lower-case words with no punctuation and at most one function word, or
//!   3-8 short Hangul nouns, standing alone (blank/boilerplate neighbours, or a finished
//!   sentence above and a new one below); "Tags:"/"키워드:" lines; "#a #b" hashtag lines;
//! - footer: "Please direct any comments...", "Read in Korean/English", "한국어로 읽기",
//!   copyright and "무단 전재" lines, share/subscribe/newsletter/donate prompts, "(END)"/"(끝)";
//! - byline: "X is (one of) ... reporter/correspondent/..." in the first 2 or last 4 lines,
//!   "By X", "Translated by X", "김OO 기자 [email]", "[매체 김OO 기자]", bare e-mail lines,
//!   credit/sign-off lines ("Reported by X ... Translated by Y.", "에디터 이OO, 웹팀 김OO",
//!   "...방송 김OO입니다."), date lines ("Published: May 14, 2021", "입력 2021.05.14 09:00");
//! - nav: breadcrumbs ("Home > News"), "Previous/Next article", "Related articles" /
//!   "관련기사" / "[관련기사]" (with the short link titles under a bare header), "▶ ..." link
//!   lines;
//! - other: market-price widgets ("Market prices this week" headers, "City | rice 4,300
//!   won/kg" or "City: rice 5,000 won" rows in a block with a header or 2+ rows, placed
//!   before the first or after the last prose line; one-line "A | B 6,200 | USD 5,050"
//!   tickers anywhere).

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use crate::date::parse_date;
use crate::model::{RemovedSpan, SpanKind};

fn set(patterns: &[&str]) -> RegexSet {
    // Constant patterns, checked by the unit tests.
    RegexSet::new(patterns).unwrap_or_else(|e| panic!("bad built-in pattern set: {e}"))
}

fn re(pattern: &str) -> Regex {
    // The patterns are constants checked by the unit tests, so this cannot fail at run time.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in pattern {pattern}: {e}"))
}

/// Caption conventions: "... / Image: Daily NK", "FILE PHOTO: ...", "(Photo: ...)",
/// "▲ ... /사진=...", "(사진=...)". The patterns that can match anywhere in a line are
/// tried only on lines holding a byte or text they cannot match without (see [`Split`]).
const CAPTION_PATTERNS: [(&str, Guard); 6] = [
    (
        r"(?i)(?:^|\s)[/|]\s*(?:images?|photos?|pictures?|photograph|photo credit|credit|graphic)\s*(?:[:=]|by(?-u:\b))\s*\S",
        Guard::AnyByte(b"/|"),
    ),
    (
        r"(?i)^[(\[]?\s*(?:file\s+photo|photos?|images?|pictures?|pictured|caption|graphic|photo\s+credit)\s*(?:[:=]|by(?-u:\b)|courtesy(?-u:\b))",
        Guard::None,
    ),
    (
        r"(?i)[(\[]\s*(?:file\s+)?(?:photos?|images?|pictures?)\s*(?:[:=]|by(?-u:\b)|courtesy(?-u:\b))[^)\]]*[)\]]\s*$",
        Guard::AnyByte(b"(["),
    ),
    (r"^\s*[▲△]", Guard::None),
    (r"사진\s*[=:：]", Guard::Text("사진")),
    (r"^[(\[<]?\s*사진\s*[)\]>]", Guard::None),
];
static CAPTION: LazyLock<Split> = LazyLock::new(|| Split::new(&CAPTION_PATTERNS));

/// When a pattern of a [`Split`] set is worth running on a line: a condition that every
/// line it matches meets and that memchr tests quickly, so that skipping the pattern on
/// the other lines changes no result. (Under `(?i)` only `k` and `s` have non-ASCII case
/// variants, so ASCII letters other than those are safe guards.)
#[derive(Clone, Copy)]
enum Guard {
    /// Always run (anchored patterns give up after a few bytes anyway).
    None,
    /// The line holds one of these ASCII bytes (one to three of them).
    AnyByte(&'static [u8]),
    /// The line holds this text.
    Text(&'static str),
}

impl Guard {
    fn holds(self, t: &str) -> bool {
        let b = t.as_bytes();
        match self {
            Guard::None => true,
            Guard::AnyByte([x]) => memchr::memchr(*x, b).is_some(),
            Guard::AnyByte([x, y]) => memchr::memchr2(*x, *y, b).is_some(),
            Guard::AnyByte([x, y, z]) => memchr::memchr3(*x, *y, *z, b).is_some(),
            Guard::AnyByte(_) => true,
            Guard::Text(s) => memchr::memmem::find(b, s.as_bytes()).is_some(),
        }
    }
}

/// A pattern set that matches when a `RegexSet` of the same patterns would (any pattern
/// matches), with the unanchored patterns, which scan the whole line, split off and run
/// only on lines that meet their [`Guard`]. Most story lines meet none, so only the
/// anchored rest runs on them.
struct Split {
    always: RegexSet,
    guarded: Vec<(Guard, Regex)>,
}

impl Split {
    fn new(patterns: &[(&str, Guard)]) -> Split {
        let always: Vec<&str> = patterns
            .iter()
            .filter(|(_, g)| matches!(g, Guard::None))
            .map(|(p, _)| *p)
            .collect();
        let guarded = patterns
            .iter()
            .filter(|(_, g)| !matches!(g, Guard::None))
            .map(|(p, g)| (*g, re(p)))
            .collect();
        Split {
            always: set(&always),
            guarded,
        }
    }

    fn is_match(&self, t: &str) -> bool {
        self.always.is_match(t)
            || self
                .guarded
                .iter()
                .any(|(g, r)| g.holds(t) && r.is_match(t))
    }
}

/// Footer lines: contact prompts, language links, copyright, share/subscribe prompts.
/// The unanchored patterns are guarded (see [`Split`]); "무단 전재 or 재배포 금지" is two.
const FOOTER_PATTERNS: [(&str, Guard); 12] = [
    (
        r"(?i)^please (?:direct|send) (?:any |your )?(?:comments|questions|feedback)",
        Guard::None,
    ),
    (
        r"(?i)^questions about (?:his|her|their|this) (?:articles?|reporting)",
        Guard::None,
    ),
    (
        r"(?i)^(?:read|view|see) (?:this (?:article|story|report) )?in (?:korean|english|chinese|japanese)(?-u:\b).{0,20}$",
        Guard::None,
    ),
    (
        r"(?i)^(?:korean|english|chinese) version(?-u:\b).{0,20}$",
        Guard::None,
    ),
    (
        r"^(?:한국어로|영어로|영문으로|한글로|영문|한국어)\s*(?:읽기|보기|기사)",
        Guard::None,
    ),
    (r"(?i)^(?:©|ⓒ|\(c\)\s|copyright(?-u:\b))", Guard::None),
    (
        r"(?i)(?-u:\b)all rights reserved(?-u:\b)",
        Guard::AnyByte(b"lL"),
    ),
    (r"무단\s*전재", Guard::Text("무단")),
    (r"재배포\s*금지", Guard::Text("재배포")),
    (
        r"(?i)^(?:share (?:this|on|via)(?-u:\b)|share$|tweet this|email this|print this|follow us(?-u:\b)|like us on|subscribe(?-u:\b)|sign up(?-u:\b)|get our (?:free |daily |weekly )?newsletter|our newsletter|support our(?-u:\b)|donate(?-u:\b)|click here(?-u:\b))",
        Guard::None,
    ),
    (
        r"^(?:구독|뉴스레터|공유하기|기사\s*공유|후원하기|제보하기|제보\s*[:=])",
        Guard::None,
    ),
    (r"^(?:\(END\)|\(끝\)|<끝>|-끝-|\[끝\]|END)$", Guard::None),
];
static FOOTER: LazyLock<Split> = LazyLock::new(|| Split::new(&FOOTER_PATTERNS));

/// Tag/keyword lines with an explicit marker.
static TAG_MARKED: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"(?i)^(?:tags?|keywords?|topics?)\s*[:：]",
        r"^(?:태그|키워드)\s*[:：]?",
        r"^#[^\s#]+(?:\s+#[^\s#]+)+\s*$",
    ])
});

/// Headers of related-article link lists.
static RELATED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[\[【<]?\s*(?:[▶►»>\-*]\s*)?(?:(?:related (?:articles?|stories|news|reports?|coverage|reading|posts?|links?)|see also|more on this|more stories|recommended(?: articles| stories)?|you may also like|most read)(?-u:\b)|관련\s*기사|관련\s*뉴스|함께\s*(?:보면|읽으면)|추천\s*기사|많이\s*본\s*기사)",
    )
});

/// Navigation lines.
static NAV: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"(?i)^(?:home|홈)\s*[>›»/|]",
        r"(?i)^(?:previous|next|prev) (?:article|story|post|page)(?-u:\b)",
        r"^(?:이전|다음)\s*(?:기사|글)",
        r"(?i)^(?:back to top|skip to (?:main )?content|menu|search|top|go to top|맨 위로|목록)$",
    ])
});

/// Reporter bio: "X is one of Daily NK's freelance reporters", "X is a ... correspondent".
static BIO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,3}\s+is\s+(?:one of\s+|a\s+|an\s+|the\s+)?[^.]{0,80}?(?-u:\b)(?:reporters?|correspondents?|journalists?|contributors?|writers?|editors?|stringers?|columnists?|freelancers?)(?-u:\b)",
    )
});

/// English byline: "By Kim Min-ji", "By Jong So Yong | Daily NK".
static BYLINE_EN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:By|BY|Written by|Reported by)\s+[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,4}\s*(?:[,|/–—\-]\s*[^.!?]{0,60})?$",
    )
});

/// Korean reporter line: "김성민 기자", "김OO 기자 kim@example.org", "(평양=) 기자".
static BYLINE_KO: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"^[가-힣A-Za-z○OＯ*]{2,5}\s*(?:기자|특파원|통신원|객원기자|논설위원)(?:\s*[=:]?\s*[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)?\s*$",
        r"^.{0,40}(?:기자|특파원|통신원)\s*[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\s*$",
        r"^[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+$",
        r"^[\[【(]\s*[^\]】)]{0,30}\s(?:기자|특파원|통신원)\s*[\]】)]$",
        r"(?i)^(?:translated|edited|additional reporting|reporting) by\s+[A-Z]",
    ])
});

/// Longer credit and sign-off lines: "Reported by X for Y's Korean Service. Translated by Z.",
/// "에디터 이OO, 웹팀 김OO", "자유아시아방송 김OO입니다."
static CREDIT: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"^(?:Reported|Written(?: in English)?|Translated|Edited|Additional reporting) by\s+[A-Z]",
        r"^(?:에디터|웹팀|편집|번역|영상편집|촬영)\s*[:：]?\s*[가-힣A-Za-z○O]{2,5}(?:\s*,\s*(?:에디터|웹팀|편집|번역|영상편집|촬영)\s*[:：]?\s*[가-힣A-Za-z○O]{2,5})*\s*$",
        r"^.{0,20}(?:방송|뉴스|통신|신문)\s*[가-힣○O]{2,4}(?:\s*기자)?입니다\.?$",
    ])
});

/// A label before a date on a date line.
static DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:published|updated|posted|last updated|date|입력|수정|등록|발행|기사입력|최종수정)\s*[:：]?\s*",
    )
});

/// Header of a market-price widget.
static PRICE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:(?:this week'?s\s+|latest\s+|north korean?\s+)?(?:market prices?|market rates?|exchange rates?|prices this week|rice prices?)(?-u:\b)|\(?\s*unit\s*:\s*(?:won|yuan)|\(?\s*단위\s*[:：]\s*(?:원|위안)|장마당\s*(?:물가|시세|가격)|시장\s*(?:물가|가격|시세)|북한\s*(?:시장\s*|장마당\s*)?(?:물가|시세)|쌀값\s*동향|환율\s*동향)",
    )
});

/// A price token in a widget row.
static PRICE_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?-u:\b)won(?-u:\b)|(?-u:\b)yuan(?-u:\b)|(?-u:\b)usd(?-u:\b)|(?-u:\b)cny(?-u:\b)|(?-u:\b)rmb(?-u:\b)|\$|/kg(?-u:\b)|(?-u:\b)kg(?-u:\b)|원|위안|달러|₩",
    )
});

/// "Label: values" shape of a widget row.
static LABEL_ROW: LazyLock<Regex> = LazyLock::new(|| re(r"^[\p{L}\d .'’\-()/]{2,30}\s*[:：]\s*\S"));

const STOPWORDS: &[&str] = &[
    "the", "a", "an", "was", "were", "is", "are", "said", "says", "has", "have", "had", "he",
    "she", "they", "it", "that", "this", "to", "for", "with", "by", "of", "and", "but", "who",
    "will", "would", "be", "been", "his", "her", "their", "its", "at", "on", "as", "we", "i",
    "you", "not", "from",
];

fn ends_like_sentence(t: &str) -> bool {
    let t = t.trim_end_matches(['"', '\'', '”', '’', ')', ']', '」', '』']);
    t.ends_with(['.', '!', '?', '。']) || t.ends_with("다") || t.ends_with("요")
}

/// Starts with a capital, a digit, an opening quote or Hangul.
fn starts_like_sentence(t: &str) -> bool {
    t.chars().next().is_some_and(|c| {
        c.is_uppercase()
            || c.is_ascii_digit()
            || matches!(c, '"' | '“' | '\'' | '‘' | '(' | '[')
            || crate::lang::is_hangul(c)
    })
}

fn char_len(t: &str) -> usize {
    t.chars().count()
}

/// Caption conventions that are only trusted on short lines: "(연합뉴스 자료사진)",
/// "... in this undated photo released by KCNA", "(Reuters)" credits at the end.
const SHORT_CAPTION_PATTERNS: [(&str, Guard); 3] = [
    (
        r"[(\[<]\s*(?:[^)\]>]{0,20}\s)?(?:자료\s*)?사진\s*[)\]>]",
        Guard::Text("사진"),
    ),
    (
        r"(?i)(?-u:\b)in this (?:undated |file |handout |recent )*(?:photo|picture|image)(?-u:\b)",
        Guard::AnyByte(b" "),
    ),
    (
        r"(?i)[(\[]\s*(?:AFP|Reuters|AP|Yonhap|EPA|KCNA|Getty Images|Rodong Sinmun|NK News|Daily NK)(?:\s*/\s*[^)\]]{0,40})?\s*[)\]]\s*$",
        Guard::AnyByte(b"(["),
    ),
];
static SHORT_CAPTION: LazyLock<Split> = LazyLock::new(|| Split::new(&SHORT_CAPTION_PATTERNS));

fn is_caption(t: &str, n: usize) -> bool {
    (n <= 400 && CAPTION.is_match(t)) || (n <= 250 && SHORT_CAPTION.is_match(t))
}

/// A line that is only a date (optionally labelled and with a time).
fn is_date_line(t: &str) -> bool {
    is_date_line_n(t, char_len(t))
}

/// [`is_date_line`] for a line of `n` chars.
fn is_date_line_n(t: &str, n: usize) -> bool {
    if n > 60 || t.ends_with('.') && !t.chars().rev().nth(1).is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    let rest = DATE_LABEL.replace(t, "");
    let rest = rest.trim();
    if rest.split_whitespace().count() > 8 || parse_date(rest).is_none() {
        return false;
    }
    // Only date/time words: digits, separators, month/weekday names, am/pm, zones.
    rest.split(|c: char| !c.is_alphabetic()).all(|w| {
        let w = w.to_ascii_lowercase();
        w.is_empty()
            || w.len() >= 3
                && [
                    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                    "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "kst", "utc", "gmt",
                ]
                .iter()
                .any(|m| w.starts_with(m))
            || matches!(w.as_str(), "am" | "pm" | "t" | "z")
            || w.chars()
                .all(|c| matches!(c, '년' | '월' | '일' | '오' | '전' | '후' | '시' | '분'))
    })
}

/// A lower-case keyword run: 3 to 12 words, no capitals, no punctuation, at most one
/// function word. Context (standing alone) is checked by the caller.
fn is_tag_candidate(t: &str) -> bool {
    if char_len(t) > 120 {
        return false;
    }
    if !t.chars().all(|c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ' ' | '-' | '\'' | '/')
    }) {
        return false;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    if !(3..=12).contains(&words.len())
        || !words
            .iter()
            .all(|w| w.chars().any(|c| c.is_ascii_lowercase()))
    {
        return false;
    }
    words.iter().filter(|w| STOPWORDS.contains(w)).count() <= 1
}

/// A Korean keyword run: 3 to 8 short all-Hangul words, no punctuation or digits, and no
/// word ending in a particle or verb ending (which would make it a phrase or headline).
fn is_korean_tag_candidate(t: &str) -> bool {
    const ENDINGS: &[char] = &[
        '에', '서', '의', '을', '를', '은', '는', '이', '가', '고', '며', '다', '도', '로', '와',
        '과', '만', '게', '요', '면',
    ];
    // One pass over the words, stopping at the first that does not fit (most lines fail
    // on their first word); no vector of words.
    let mut words = 0;
    for w in t.split_whitespace() {
        words += 1;
        let n = w.chars().count();
        if words > 8
            || !(1..=6).contains(&n)
            || !w.chars().all(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c))
            || w.ends_with(ENDINGS)
        {
            return false;
        }
    }
    (3..=8).contains(&words)
}

/// A market-price widget row of `n` chars.
fn is_price_row_n(t: &str, n: usize) -> bool {
    if n > 200 || ends_like_sentence(t) || !t.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    if !PRICE_TOKEN.is_match(t) {
        return false;
    }
    t.contains('|') || t.contains('\t') || LABEL_ROW.is_match(t)
}

/// A market-price widget header of `n` chars.
fn is_price_header_n(t: &str, n: usize) -> bool {
    n <= 80 && !ends_like_sentence(t) && PRICE_HEADER.is_match(t)
}

/// Under a widget header, a short line with a number and a price unit is a row even
/// without a separator ("Rice 5,000 won/kg").
fn is_loose_price_row_n(t: &str, n: usize) -> bool {
    n <= 60
        && !ends_like_sentence(t)
        && t.chars().any(|c| c.is_ascii_digit())
        && PRICE_TOKEN.is_match(t)
}

/// A one-line price ticker: "MARKET PRICES (won) | Pyongyang rice/kg 6,200 | ...".
/// `n` is the line's char count (the cheapest test first: the tests have no side effects).
fn is_price_ticker_n(t: &str, n: usize) -> bool {
    n <= 400
        && t.matches('|').count() >= 2
        && t.chars().filter(|c| c.is_ascii_digit()).count() >= 4
        && PRICE_TOKEN.is_match(t)
        && !ends_like_sentence(t)
}

/// Line-local classification: the kind of boilerplate a line is by its own shape.
#[cfg(test)]
fn line_kind(t: &str) -> Option<SpanKind> {
    line_kind_n(t, char_len(t))
}

/// [`line_kind`] for a line of `n` chars.
fn line_kind_n(t: &str, n: usize) -> Option<SpanKind> {
    if t.is_empty() {
        return None;
    }
    if is_caption(t, n) {
        return Some(SpanKind::Caption);
    }
    if n <= 200 && FOOTER.is_match(t) {
        return Some(SpanKind::Footer);
    }
    if n <= 300 && TAG_MARKED.is_match(t) {
        return Some(SpanKind::TagLine);
    }
    if n <= 150 && !ends_like_sentence(t) && RELATED.is_match(t) {
        return Some(SpanKind::Nav);
    }
    if n <= 120 && NAV.is_match(t) {
        return Some(SpanKind::Nav);
    }
    if n <= 120
        && !ends_like_sentence(t)
        && t.chars().filter(|c| matches!(c, '>' | '›' | '»')).count() >= 2
    {
        return Some(SpanKind::Nav);
    }
    if n <= 150 && (t.starts_with('▶') || t.starts_with('►')) && !ends_like_sentence(t) {
        return Some(SpanKind::Nav);
    }
    if n <= 100 && (BYLINE_EN.is_match(t) || BYLINE_KO.is_match(t)) {
        return Some(SpanKind::Byline);
    }
    if n <= 250 && CREDIT.is_match(t) {
        return Some(SpanKind::Byline);
    }
    if is_date_line_n(t, n) {
        return Some(SpanKind::Byline);
    }
    if is_price_ticker_n(t, n) {
        return Some(SpanKind::Other);
    }
    None
}

/// A publication date from a date line among the first three non-blank lines of the
/// text ("Published: May 14, 2021", "입력 2021.05.14 09:00"), with the line as written.
pub fn leading_date_line(text: &str) -> Option<(chrono::NaiveDate, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .find(|l| is_date_line(l))
        .and_then(|l| {
            let rest = DATE_LABEL.replace(l, "");
            parse_date(rest.trim()).map(|d| (d, l.to_string()))
        })
}

/// One line of the text: byte range including its newline, and its trimmed content.
struct Line<'a> {
    start: usize,
    end: usize,
    trimmed: &'a str,
    /// `char_len(trimmed)`, counted once (the line tests below need it several times).
    chars: usize,
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        let end = start + piece.len();
        let trimmed = piece.trim();
        lines.push(Line {
            start,
            end,
            trimmed,
            chars: char_len(trimmed),
        });
        start = end;
    }
    lines
}

/// Find the boilerplate lines of `text`. Spans cover whole lines including their newline,
/// one span per line, sorted and non-overlapping.
pub fn find_boilerplate(text: &str) -> Vec<RemovedSpan> {
    let lines = split_lines(text);
    let n = lines.len();
    let mut kinds: Vec<Option<SpanKind>> = lines
        .iter()
        .map(|l| line_kind_n(l.trimmed, l.chars))
        .collect();
    let blank = |i: usize| lines[i].trimmed.is_empty();

    // Related-article lists: a bare "Related articles" header takes the short,
    // unpunctuated lines under it (the link titles) until a blank line.
    let mut i = 0;
    while i < n {
        let header = kinds[i] == Some(SpanKind::Nav)
            && RELATED.is_match(lines[i].trimmed)
            && lines[i]
                .trimmed
                .trim_end_matches([':', '：'])
                .split_whitespace()
                .count()
                <= 4;
        i += 1;
        if !header {
            continue;
        }
        while i < n && !blank(i) {
            let t = lines[i].trimmed;
            if lines[i].chars > 150 || ends_like_sentence(t) && !t.ends_with('?') {
                break;
            }
            kinds[i] = Some(SpanKind::Nav);
            i += 1;
        }
    }

    // Market-price widgets: a run of header/row lines (blank lines allowed in between)
    // holding at least one row, printed before the first or after the last prose line of
    // the story (a price table in the middle of a market report is evidence, so it stays).
    let is_prose = |i: usize, kinds: &[Option<SpanKind>]| {
        let (t, c) = (lines[i].trimmed, lines[i].chars);
        kinds[i].is_none()
            && !t.is_empty()
            && !is_price_header_n(t, c)
            && !is_price_row_n(t, c)
            && (c >= 80 || ends_like_sentence(t))
    };
    let mut prose_before = vec![0usize; n + 1];
    for i in 0..n {
        prose_before[i + 1] = prose_before[i] + usize::from(is_prose(i, &kinds));
    }
    let total_prose = prose_before[n];
    let mut i = 0;
    while i < n {
        let (t, c) = (lines[i].trimmed, lines[i].chars);
        if kinds[i].is_none() && (is_price_header_n(t, c) || is_price_row_n(t, c)) {
            let mut j = i;
            let mut rows = 0;
            let mut has_header = false;
            let mut members = Vec::new();
            while j < n {
                let (tj, cj) = (lines[j].trimmed, lines[j].chars);
                if tj.is_empty() {
                    j += 1;
                    continue;
                }
                if is_price_row_n(tj, cj)
                    || is_price_ticker_n(tj, cj)
                    || has_header && is_loose_price_row_n(tj, cj)
                {
                    rows += 1;
                } else if is_price_header_n(tj, cj) {
                    has_header = true;
                } else {
                    break;
                }
                members.push(j);
                j += 1;
            }
            // A lone "Label: 5,000 won" line could be a story line; a widget needs a header
            // or at least two rows.
            let (first, last) = (members.first().copied(), members.last().copied());
            let at_edge = match (first, last) {
                (Some(f), Some(l)) => prose_before[f] == 0 || prose_before[l + 1] == total_prose,
                _ => false,
            };
            if rows >= 1 && (has_header || rows >= 2) && at_edge {
                for m in members {
                    kinds[m].get_or_insert(SpanKind::Other);
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }

    // Tag lines: a lower-case keyword run standing alone (no story line directly above or
    // below it, so it is not the tail of a wrapped paragraph).
    for i in 0..n {
        let t = lines[i].trimmed;
        if kinds[i].is_some() || !(is_tag_candidate(t) || is_korean_tag_candidate(t)) {
            continue;
        }
        // In files whose paragraphs are single lines without blank lines between them, a
        // neighbouring paragraph that ends a sentence (above) or starts one (below) also
        // shows the line stands alone; a hard-wrapped paragraph would not.
        let above_ok = i == 0
            || blank(i - 1)
            || kinds[i - 1].is_some()
            || (lines[i - 1].chars >= 60 && ends_like_sentence(lines[i - 1].trimmed));
        let below_ok = i + 1 >= n
            || blank(i + 1)
            || kinds[i + 1].is_some()
            || starts_like_sentence(lines[i + 1].trimmed);
        if above_ok && below_ok {
            kinds[i] = Some(SpanKind::TagLine);
        }
    }

    // Reporter bios: only at the very start or in the closing lines of the text.
    let nonblank: Vec<usize> = (0..n).filter(|&i| !blank(i)).collect();
    let m = nonblank.len();
    for (rank, &i) in nonblank.iter().enumerate() {
        let t = lines[i].trimmed;
        // A bio never reports speech; "..., the source said" makes it a story sentence.
        let reported = [" said", " told ", " says", "\"", "“", "according to"]
            .iter()
            .any(|w| t.contains(w));
        if kinds[i].is_none() && (rank < 2 || rank + 4 >= m) && !reported && BIO.is_match(t) {
            kinds[i] = Some(SpanKind::Byline);
        }
    }

    lines
        .iter()
        .zip(kinds)
        .filter_map(|(l, k)| {
            k.map(|kind| RemovedSpan {
                offset: l.start,
                length: l.end - l.start,
                kind,
            })
        })
        .collect()
}

/// The clean body: `text` without the removed spans, lines right-trimmed, runs of blank
/// lines collapsed to one, no leading or trailing blank lines.
pub fn derive_body(text: &str, removed: &[RemovedSpan]) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut pos = 0;
    for span in removed {
        if span.offset >= pos {
            kept.push_str(text.get(pos..span.offset).unwrap_or(""));
            pos = span.offset + span.length;
        }
    }
    kept.push_str(text.get(pos.min(text.len())..).unwrap_or(""));
    let mut body = String::with_capacity(kept.len());
    let mut pending_blank = false;
    for line in kept.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            pending_blank = !body.is_empty();
            continue;
        }
        if pending_blank {
            body.push_str("\n\n");
        } else if !body.is_empty() {
            body.push('\n');
        }
        pending_blank = false;
        body.push_str(line);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(String, SpanKind)> {
        find_boilerplate(text)
            .into_iter()
            .map(|s| {
                (
                    text[s.offset..s.offset + s.length].trim().to_string(),
                    s.kind,
                )
            })
            .collect()
    }

    /// A guarded [`Split`] answers as the plain `RegexSet` of its patterns, on lines
    /// written to hit every pattern, near misses, and the shared dev set's lines.
    #[test]
    fn split_sets_match_as_regex_sets() {
        let mut lines: Vec<String> = [
            "A guard post. / Image: Lantern archive",
            "Soldiers at the post | Photo by Kim",
            "FILE PHOTO: a market in Hyesan",
            "(Photo: Lantern) a caption",
            "The river at dusk (photo: archive)",
            "The river at dusk [Image courtesy of X]",
            "▲ 혜산시 장마당 모습 /사진=자료",
            "혜산시 장마당 (사진 = 데일리NK)",
            "(사진) 혜산시",
            "(연합뉴스 자료사진)",
            "Kim Jong Un in this undated photo released by KCNA",
            "KIM IN THIS FILE PICTURE",
            "Leaders met on Monday. (Reuters)",
            "Leaders met [AFP / Getty]",
            "Please direct any comments to the desk.",
            "Read in Korean",
            "Copyright 2021 Lantern. All Rights Reserved.",
            "all rights reserved",
            "ALL RIGHTS RESERVED",
            "무단 전재 및 재배포 금지",
            "재배포  금지",
            "<저작권자 무단전재>",
            "(END)",
            "Subscribe to our newsletter",
            "구독하기",
            "A plain story line with (brackets) and a / slash and rights.",
            "The source said prices rose in Hyesan (Ryanggang Province) this week.",
            "",
            "사진",
            "in this",
            "all rights",
            "( photo",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Ok(dir) = std::fs::read_dir("/work/shared/eval/dev") {
            for e in dir.flatten() {
                if let Ok(t) = std::fs::read_to_string(e.path()) {
                    lines.extend(t.lines().map(|l| l.trim().to_string()));
                }
            }
        }
        for (name, split, patterns) in [
            ("caption", &*CAPTION, &CAPTION_PATTERNS[..]),
            (
                "short caption",
                &*SHORT_CAPTION,
                &SHORT_CAPTION_PATTERNS[..],
            ),
            ("footer", &*FOOTER, &FOOTER_PATTERNS[..]),
        ] {
            let plain = set(&patterns.iter().map(|(p, _)| *p).collect::<Vec<_>>());
            for l in &lines {
                assert_eq!(split.is_match(l), plain.is_match(l), "{name}: {l:?}");
            }
        }
        // Each written line above is a hit for at least one set, and a few are not.
        let hits = lines[..25]
            .iter()
            .filter(|l| CAPTION.is_match(l) || SHORT_CAPTION.is_match(l) || FOOTER.is_match(l))
            .count();
        assert!(hits >= 22, "{hits}");
        // The old combined footer alternation equals its two split patterns.
        let old = re(r"무단\s*전재|재배포\s*금지");
        let two = set(&[r"무단\s*전재", r"재배포\s*금지"]);
        for l in &lines {
            assert_eq!(old.is_match(l), two.is_match(l), "{l:?}");
        }
    }

    #[test]
    fn patterns_compile() {
        LazyLock::force(&CAPTION);
        LazyLock::force(&SHORT_CAPTION);
        LazyLock::force(&FOOTER);
        LazyLock::force(&TAG_MARKED);
        LazyLock::force(&RELATED);
        LazyLock::force(&NAV);
        LazyLock::force(&BIO);
        LazyLock::force(&BYLINE_EN);
        LazyLock::force(&BYLINE_KO);
        LazyLock::force(&DATE_LABEL);
        LazyLock::force(&CREDIT);
        LazyLock::force(&PRICE_HEADER);
        LazyLock::force(&PRICE_TOKEN);
        LazyLock::force(&LABEL_ROW);
    }

    #[test]
    fn captions() {
        for c in [
            "Trucks at the customs house in Sinuiju. / Image: Example News",
            "FILE PHOTO: A street in Hyesan.",
            "(Photo: Example News)",
            "Photo: A market in Rason",
            "▲ 혜산시 전경. /사진=예시통신",
            "두만강 연선의 초소 (사진=예시통신)",
            "압록강 / 사진: 예시통신",
            "두만강 연선의 초소 (연합뉴스 자료사진)",
            "Kim Jong Un visits a farm in this undated photo released by KCNA.",
            "Soldiers at the Yalu River bridge. (Reuters)",
        ] {
            assert_eq!(line_kind(c), Some(SpanKind::Caption), "{c}");
        }
        assert_eq!(line_kind("The photographer said nothing."), None);
    }

    #[test]
    fn tag_lines_need_to_stand_alone() {
        let t = "First paragraph ends here.\n\nsmuggling hyesan copper border guard\n\nNext.\n";
        assert_eq!(
            kinds(t),
            vec![(
                "smuggling hyesan copper border guard".into(),
                SpanKind::TagLine
            )]
        );
        // A wrapped paragraph tail is not a tag line.
        let t = "The source said the guards were\nnot paid enough to look away\n";
        assert!(kinds(t).is_empty());
        let t = "The source said that the guards in the county were\nnot paid enough to look away\nfrom the river at night.\n";
        assert!(kinds(t).is_empty());
        // Single-line paragraphs without blank lines between them.
        let t = "Agents arrested three smugglers in Hyesan on Friday, a source said.\nsmuggling hyesan copper border guard\nThe men were taken to the bureau.\n";
        assert_eq!(
            kinds(t),
            vec![(
                "smuggling hyesan copper border guard".into(),
                SpanKind::TagLine
            )]
        );
        // Function words make it a sentence fragment.
        let t = "Intro.\n\nand the guards said that it was over\n\nEnd.\n";
        assert!(kinds(t).is_empty());
    }

    #[test]
    fn korean_tag_lines() {
        let t = "첫 문단이다.\n\n라선 봉쇄 열병 배급 노동단련대\n\n끝.\n";
        assert_eq!(
            kinds(t),
            vec![("라선 봉쇄 열병 배급 노동단련대".into(), SpanKind::TagLine)]
        );
        for keep in [
            "혜산서 주민 12명 체포",
            "주민들이 강가에 모였다",
            "국경 봉쇄가 길어지면서",
        ] {
            let t = format!("앞.\n\n{keep}\n\n뒤.\n");
            assert!(kinds(&t).is_empty(), "{keep}");
        }
    }

    #[test]
    fn footers_bylines_nav() {
        assert_eq!(line_kind("Read in Korean"), Some(SpanKind::Footer));
        assert_eq!(line_kind("Read in English"), Some(SpanKind::Footer));
        assert_eq!(line_kind("한국어로 읽기"), Some(SpanKind::Footer));
        assert_eq!(
            line_kind("© 2024 Example News. All rights reserved."),
            Some(SpanKind::Footer)
        );
        assert_eq!(
            line_kind("Sign up for our newsletter"),
            Some(SpanKind::Footer)
        );
        assert_eq!(line_kind("김성민 기자"), Some(SpanKind::Byline));
        assert_eq!(
            line_kind("박OO 기자 park@example.org"),
            Some(SpanKind::Byline)
        );
        assert_eq!(line_kind("By Kim Min-ji"), Some(SpanKind::Byline));
        let t = "Story.\n\nChoi is a former reporter for the state broadcaster, the source said.\n";
        assert!(kinds(t).is_empty());
        assert_eq!(line_kind("[시험통신 홍길동 기자]"), Some(SpanKind::Byline));
        assert_eq!(
            line_kind("Translated by Lee Ha-eun"),
            Some(SpanKind::Byline)
        );
        assert_eq!(
            line_kind("Reported by Kim Ji-eun for the Korean Service. Translated by Park Min. Written in English by Lee Han."),
            Some(SpanKind::Byline)
        );
        assert_eq!(line_kind("에디터 이OO, 웹팀 김OO"), Some(SpanKind::Byline));
        assert_eq!(
            line_kind("자유아시아방송 김OO입니다."),
            Some(SpanKind::Byline)
        );
        assert_eq!(line_kind("[관련기사]"), Some(SpanKind::Nav));
        assert_eq!(line_kind("기자 3명이 현장에 있었다."), None);
        assert_eq!(
            line_kind("A photo of the trial was shown to residents."),
            None
        );
        assert_eq!(line_kind("By the end of May the guards had left."), None);
        assert_eq!(line_kind("Published: May 14, 2021"), Some(SpanKind::Byline));
        assert_eq!(line_kind("입력 2021.05.14 09:00"), Some(SpanKind::Byline));
        assert_eq!(line_kind("관련기사: 신의주 세관 재개"), Some(SpanKind::Nav));
        assert_eq!(line_kind("Home > News > North Korea"), Some(SpanKind::Nav));
        assert_eq!(line_kind("Related articles"), Some(SpanKind::Nav));
    }

    #[test]
    fn related_list_and_prices() {
        let t = "Story line.\n\nRelated articles\nHyesan guards rotated\nRice up in Rason\n\nMarket prices this week\nHyesan | rice 5,000 won/kg\nRason: rice 5,200 won/kg\n";
        let k = kinds(t);
        assert_eq!(k.len(), 6, "{k:?}");
        assert!(k.iter().take(3).all(|(_, kind)| *kind == SpanKind::Nav));
        assert!(k.iter().skip(3).all(|(_, kind)| *kind == SpanKind::Other));
        // Korean widget with a unit line and loose rows, at the bottom.
        let t = "첫 문단이다.\n\n북한 장마당 물가\n(단위: 원)\n평양 | 쌀 6,200원\n혜산: 쌀 1kg 6,000원\n옥수수 2,900원\n";
        assert_eq!(kinds(t).len(), 5, "{:?}", kinds(t));
        // A price table in the middle of a market report is evidence and stays.
        let t = "Rice rose this week in three cities, a source said.\n\nHyesan: rice 5,900 won/kg\nSinuiju: rice 5,700 won/kg\n\nTraders blamed the closure of the border for the rise.\n";
        assert!(kinds(t).is_empty(), "{:?}", kinds(t));
        // A story sentence with a price stays.
        let t = "In Hyesan, rice sold for 5,000 won per kilogram.\n";
        assert!(kinds(t).is_empty());
    }

    #[test]
    fn body_collapses_blank_runs() {
        let text = "a\n\nX\n\nb\n";
        let spans = vec![RemovedSpan {
            offset: 3,
            length: 2,
            kind: SpanKind::Other,
        }];
        assert_eq!(derive_body(text, &spans), "a\n\nb");
    }
}
