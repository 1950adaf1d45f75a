//! Full-text search helpers, independent of the database: the indexed form of a text,
//! the user query language and snippets.
//!
//! Korean is written in words with attached particles and endings (혜산시에서 = 혜산시 +
//! 에서), so whole-word tokens would miss most searches. Each run of Hangul syllables is
//! therefore indexed as its overlapping bigrams (혜산시에서 -> 혜산 산시 시에 에서) and a
//! Hangul query word becomes the phrase of its bigrams, which finds the word inside any
//! longer form. A one-syllable Hangul word becomes a prefix query. Other scripts are
//! tokenised by SQLite's `unicode61` with diacritics removed (Onsong finds Onsŏng).
//!
//! Query language, all user text being quoted before it reaches FTS5:
//! - `word word`: all words must occur (in title or body);
//! - `"a phrase"`: the words in this order;
//! - `a OR b`: either (upper-case `OR` between two terms);
//! - `-word`, `-"a phrase"`: exclude reports containing it;
//! - `word*`: prefix.
//!
//! Anything else (punctuation, `AND`, `NEAR(`, stray quotes) is treated as plain text;
//! words joined by punctuation (`Kim's`, `2024-03-01`) are a phrase. A query with no
//! letters or digits matches nothing; terms after the 64th are ignored.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// True for a precomposed Hangul syllable (U+AC00..U+D7A3).
pub fn is_hangul(c: char) -> bool {
    ('\u{ac00}'..='\u{d7a3}').contains(&c)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    if plainly_nfc(text) || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}

/// True when every char of `text` is below U+0300, a Hangul syllable or in U+2010..U+2027
/// (dashes, quotes, ellipsis): chars that are NFC alone with combining class 0, so the
/// text is NFC. Decided on the UTF-8 bytes, without `is_nfc_quick`'s table search per
/// char (most of `index_text` for Korean reports); `false` leaves it to that check.
fn plainly_nfc(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            i += 1;
        } else if (0xC2..=0xCB).contains(&c) {
            // U+0080..U+02FF (a valid str: one continuation byte follows)
            i += 2;
        } else if (0xEA..=0xED).contains(&c) && i + 2 < b.len() {
            let cp = ((u32::from(c) & 0x0F) << 12)
                | ((u32::from(b[i + 1]) & 0x3F) << 6)
                | (u32::from(b[i + 2]) & 0x3F);
            if !(0xAC00..=0xD7A3).contains(&cp) {
                return false;
            }
            i += 3;
        } else if c == 0xE2
            && b.get(i + 1) == Some(&0x80)
            && matches!(b.get(i + 2), Some(0x90..=0xA7))
        {
            i += 3;
        } else {
            return false;
        }
    }
    true
}

/// The text as it is put into the full-text index: NFC, each Hangul run replaced by its
/// overlapping bigrams (a one-syllable run is kept), everything else unchanged.
///
/// Text between Hangul runs is copied as whole slices; ASCII text (already NFC, no
/// Hangul) is copied as is.
pub fn index_text(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let text = nfc(text);
    let text = text.as_ref();
    let mut out = String::with_capacity(text.len() * 2 + 16);
    // Start of the text not yet copied (outside a run), and the current Hangul run:
    // its first syllable's offset, the previous syllable's offset and its length.
    let mut plain_start = 0;
    let mut run: Option<(usize, usize, usize)> = None;
    for (i, c) in text.char_indices() {
        if is_hangul(c) {
            let w = c.len_utf8();
            run = Some(match run {
                None => {
                    out.push_str(&text[plain_start..i]);
                    out.push(' ');
                    (i, i, 1)
                }
                Some((first, prev, n)) => {
                    out.push_str(&text[prev..i + w]);
                    out.push(' ');
                    (first, i, n + 1)
                }
            });
        } else if let Some((first, _, n)) = run.take() {
            end_run(&mut out, text, first, n);
            plain_start = i;
        }
    }
    match run {
        Some((first, _, n)) => end_run(&mut out, text, first, n),
        None => out.push_str(&text[plain_start..]),
    }
    out
}

/// Close a Hangul run of `n` syllables starting at byte `first`: a one-syllable run is
/// written as itself (its bigrams were written as the run went).
fn end_run(out: &mut String, text: &str, first: usize, n: usize) {
    if n == 1 {
        if let Some(c) = text[first..].chars().next() {
            out.push(c);
        }
    }
    out.push(' ');
}

/// The form of [`index_text`] before it was rewritten for speed; the tests check that
/// both agree.
#[cfg(test)]
fn index_text_reference(text: &str) -> String {
    let text = nfc(text);
    let mut out = String::with_capacity(text.len() * 2 + 16);
    let mut run: Vec<char> = Vec::new();
    let flush = |out: &mut String, run: &mut Vec<char>| {
        if run.is_empty() {
            return;
        }
        out.push(' ');
        if run.len() == 1 {
            out.push(run[0]);
        } else {
            for pair in run.windows(2) {
                out.push(pair[0]);
                out.push(pair[1]);
                out.push(' ');
            }
        }
        out.push(' ');
        run.clear();
    };
    for c in text.chars() {
        if is_hangul(c) {
            run.push(c);
        } else {
            flush(&mut out, &mut run);
            out.push(c);
        }
    }
    flush(&mut out, &mut run);
    out
}

/// One piece of a query term, as written by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// A run of Hangul syllables.
    Hangul(String),
    /// A run of other letters/digits.
    Word(String),
}

/// A query term: a word or a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    pieces: Vec<Piece>,
    prefix: bool,
}

impl Term {
    fn new(text: &str, prefix: bool) -> Option<Term> {
        let text = nfc(text);
        let mut pieces = Vec::new();
        let mut cur = String::new();
        let mut cur_hangul = false;
        for c in text.chars() {
            let kind = if is_hangul(c) {
                Some(true)
            } else if is_word_char(c) {
                Some(false)
            } else {
                None
            };
            match kind {
                Some(h) if cur.is_empty() || h == cur_hangul => {
                    cur_hangul = h;
                    cur.push(c);
                }
                _ => {
                    if !cur.is_empty() {
                        pieces.push(piece(std::mem::take(&mut cur), cur_hangul));
                    }
                    if let Some(h) = kind {
                        cur_hangul = h;
                        cur.push(c);
                    }
                }
            }
        }
        if !cur.is_empty() {
            pieces.push(piece(cur, cur_hangul));
        }
        // A word of only combining marks has nothing to search for.
        pieces.retain(|p| match p {
            Piece::Word(w) => w.chars().any(|c| c.is_alphanumeric()),
            Piece::Hangul(_) => true,
        });
        if pieces.is_empty() {
            None
        } else {
            Some(Term { pieces, prefix })
        }
    }

    /// The FTS5 phrase for this term: tokens inside double quotes (they hold only letters,
    /// digits and spaces, so no escaping is needed), `*` for a prefix.
    fn fts_phrase(&self) -> String {
        let (tokens, prefix) = self.tokens();
        let mut s = String::with_capacity(tokens.iter().map(|t| t.len() + 1).sum::<usize>() + 3);
        s.push('"');
        s.push_str(&tokens.join(" "));
        s.push('"');
        if prefix {
            s.push('*');
        }
        s
    }

    /// The PostgreSQL `tsquery` phrase for this term: folded lexemes joined by `<->`,
    /// the last one a prefix (`:*`) when the term is one.
    fn ts_phrase(&self) -> String {
        let (tokens, prefix) = self.tokens();
        let mut parts: Vec<String> = tokens.iter().map(|t| ts_quote(&fold_token(t))).collect();
        if prefix {
            if let Some(last) = parts.last_mut() {
                last.push_str(":*");
            }
        }
        format!("({})", parts.join(" <-> "))
    }

    /// The index tokens of this term and whether its last token is a prefix.
    fn tokens(&self) -> (Vec<String>, bool) {
        let mut tokens: Vec<String> = Vec::new();
        let mut prefix = self.prefix;
        for (i, p) in self.pieces.iter().enumerate() {
            match p {
                Piece::Word(w) => tokens.push(w.clone()),
                Piece::Hangul(h) => {
                    let chars: Vec<char> = h.chars().collect();
                    if chars.len() == 1 {
                        tokens.push(h.clone());
                        if i + 1 == self.pieces.len() {
                            prefix = true;
                        }
                    } else {
                        for pair in chars.windows(2) {
                            tokens.push(pair.iter().collect());
                        }
                    }
                }
            }
        }
        (tokens, prefix)
    }
}

fn piece(s: String, hangul: bool) -> Piece {
    if hangul {
        Piece::Hangul(s)
    } else {
        Piece::Word(s)
    }
}

/// Terms beyond this many are ignored, to bound the cost of a pasted text.
const MAX_TERMS: usize = 64;

/// A parsed user query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// All groups must match; a group matches when any of its terms does.
    groups: Vec<Vec<Term>>,
    /// None of these may match.
    excluded: Vec<Term>,
}

impl Query {
    /// A limited event listing with a text filter, split for a walk in listing order:
    /// the parsed text, the limit, and the same filter without its text, limit and
    /// offset. `None` without a (parsable) text or a limit.
    pub(crate) fn split_listing(
        filter: &crate::types::EventFilter,
    ) -> Option<(Query, usize, crate::types::EventFilter)> {
        let q = filter.text.as_deref().and_then(Query::parse)?;
        let limit = filter.limit?;
        let rest = crate::types::EventFilter {
            text: None,
            limit: None,
            offset: 0,
            ..filter.clone()
        };
        Some((q, limit, rest))
    }

    /// Parse user text. Never fails: unusable parts are dropped. `None` when nothing
    /// searchable remains (e.g. only punctuation, or only exclusions).
    pub fn parse(input: &str) -> Option<Query> {
        let mut groups: Vec<Vec<Term>> = Vec::new();
        let mut excluded = Vec::new();
        let mut pending_or = false;
        let mut terms = 0;
        let chars: Vec<char> = input.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_whitespace() {
                i += 1;
                continue;
            }
            let mut negated = false;
            if chars[i] == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
                negated = true;
                i += 1;
            }
            let (text, quoted): (String, bool) = if chars[i] == '"' {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && chars[end] != '"' {
                    end += 1;
                }
                i = end + 1;
                (chars[start..end.min(chars.len())].iter().collect(), true)
            } else {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                (chars[start..i].iter().collect(), false)
            };
            if !quoted && !negated && text == "OR" {
                pending_or = !groups.is_empty();
                continue;
            }
            let prefix = !quoted && text.ends_with('*') && text.len() > 1;
            let Some(term) = Term::new(&text, prefix) else {
                continue;
            };
            terms += 1;
            if terms > MAX_TERMS {
                break;
            }
            if negated {
                excluded.push(term);
            } else if pending_or {
                if let Some(last) = groups.last_mut() {
                    last.push(term);
                }
                pending_or = false;
            } else {
                groups.push(vec![term]);
            }
        }
        if groups.is_empty() {
            None
        } else {
            Some(Query { groups, excluded })
        }
    }

    /// The FTS5 MATCH expression for the index written by [`index_text`].
    pub fn fts_expression(&self) -> String {
        let group = |terms: &[Term]| {
            let inner: Vec<String> = terms.iter().map(Term::fts_phrase).collect();
            format!("({})", inner.join(" OR "))
        };
        let positive: Vec<String> = self.groups.iter().map(|g| group(g)).collect();
        let mut expr = positive.join(" AND ");
        if !self.excluded.is_empty() {
            expr = format!("({expr}) NOT {}", group(&self.excluded));
        }
        expr
    }

    /// The PostgreSQL `tsquery` text for the `tsvector` written by [`ts_vector`]: the
    /// same groups, phrases, prefixes and exclusions as [`Query::fts_expression`].
    pub fn ts_query(&self) -> String {
        let group = |terms: &[Term]| {
            let inner: Vec<String> = terms.iter().map(Term::ts_phrase).collect();
            format!("({})", inner.join(" | "))
        };
        let positive: Vec<String> = self.groups.iter().map(|g| group(g)).collect();
        let mut expr = positive.join(" & ");
        if !self.excluded.is_empty() {
            expr = format!("({expr}) & !{}", group(&self.excluded));
        }
        expr
    }

    /// A `tsquery` text over the vectors of pairs of [`ts_vectors`] that every report
    /// matching [`Query::ts_query`] also matches, or `None` when the query has no group
    /// made only of phrases (two tokens or more): each such group asks for every pair
    /// of adjacent tokens of one of its phrases (the last pair a prefix when the phrase
    /// is one); other groups and exclusions ask nothing of the pairs. Every report's
    /// [`TS_PAIRS_ALL`] matches too. A candidate still needs [`Query::ts_query`]
    /// (three words have both pairs without being a phrase), but the pairs' posting
    /// lists hold about the phrase's reports, not every report with its words.
    pub fn ts_pairs_query(&self) -> Option<String> {
        let phrase = |t: &Term| -> Option<String> {
            let (tokens, prefix) = t.tokens();
            if tokens.len() < 2 {
                return None;
            }
            let folded: Vec<String> = tokens.iter().map(|t| fold_token(t)).collect();
            let n = folded.len() - 1;
            let pairs: Vec<String> = folded
                .windows(2)
                .enumerate()
                .map(|(i, w)| {
                    let mut q = ts_quote(&format!("{} {}", w[0], w[1]));
                    if prefix && i + 1 == n {
                        q.push_str(":*");
                    }
                    q
                })
                .collect();
            Some(format!("({})", pairs.join(" & ")))
        };
        let groups: Vec<String> = self
            .groups
            .iter()
            .filter_map(|g| {
                let terms: Option<Vec<String>> = g.iter().map(phrase).collect();
                terms.map(|t| format!("({})", t.join(" | ")))
            })
            .collect();
        if groups.is_empty() {
            return None;
        }
        Some(format!(
            "({}) | {}",
            groups.join(" & "),
            ts_quote(TS_PAIRS_ALL)
        ))
    }

    /// A snippet of `body` around the first match of a positive term, matches marked
    /// «like this», whitespace collapsed, about `width` bytes long.
    pub fn snippet(&self, body: &str, width: usize) -> String {
        let ranges = self.match_ranges(body);
        make_snippet(body, &ranges, width)
    }

    fn match_ranges(&self, body: &str) -> Vec<(usize, usize)> {
        const MAX: usize = 500;
        let mut hangul: Vec<&str> = Vec::new();
        let mut words: Vec<(String, bool)> = Vec::new();
        for term in self.groups.iter().flatten() {
            let last = term.pieces.len().saturating_sub(1);
            for (i, p) in term.pieces.iter().enumerate() {
                match p {
                    Piece::Hangul(h) => hangul.push(h),
                    Piece::Word(w) => words.push((fold(w), term.prefix && i == last)),
                }
            }
        }
        let mut ranges = Vec::new();
        for h in hangul {
            for (at, m) in body.match_indices(h).take(MAX) {
                ranges.push((at, at + m.len()));
            }
        }
        if !words.is_empty() {
            let mut start: Option<usize> = None;
            let check = |s: usize, e: usize, ranges: &mut Vec<(usize, usize)>| {
                let f = fold(&body[s..e]);
                if words.iter().any(|(w, prefix)| {
                    if *prefix {
                        f.starts_with(w.as_str())
                    } else {
                        f == *w
                    }
                }) {
                    ranges.push((s, e));
                }
            };
            for (at, c) in body.char_indices() {
                let word = is_word_char(c) && !is_hangul(c);
                match (word, start) {
                    (true, None) => start = Some(at),
                    (false, Some(s)) => {
                        check(s, at, &mut ranges);
                        start = None;
                        if ranges.len() > 2 * MAX {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if let Some(s) = start {
                check(s, body.len(), &mut ranges);
            }
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }
}

/// A lexeme quoted for `tsvector` / `tsquery` input.
fn ts_quote(lexeme: &str) -> String {
    let mut s = String::with_capacity(lexeme.len() + 2);
    s.push('\'');
    for c in lexeme.chars() {
        match c {
            '\'' => s.push_str("''"),
            '\\' => s.push_str("\\\\"),
            c => s.push(c),
        }
    }
    s.push('\'');
    s
}

/// One index token as a lexeme: Hangul kept as is, anything else folded like FTS5's
/// `unicode61 remove_diacritics` (lower case, no combining marks).
fn fold_token(token: &str) -> String {
    if token.chars().any(is_hangul) {
        token.to_string()
    } else {
        fold(token)
    }
}

/// Largest lexeme PostgreSQL accepts (bytes); longer tokens are not indexed.
const TS_MAX_LEXEME: usize = 2046;
/// Largest position PostgreSQL keeps in a `tsvector` (later tokens share it).
const TS_MAX_POS: usize = 16_383;
/// Positions kept per lexeme (PostgreSQL keeps at most 256).
const TS_MAX_POSITIONS: usize = 256;
/// Budget for one `tsvector` (PostgreSQL refuses more than 1 MB).
const TS_MAX_BYTES: usize = 900_000;

/// The PostgreSQL `tsvector` text of a report for the index searched by
/// [`Query::ts_query`]: the tokens of [`index_text`] (runs of letters, digits and
/// combining marks, Hangul as bigrams), folded, with their positions; title tokens
/// weighted `A`, body tokens (after a gap, so no phrase spans both) unweighted (`D`).
/// Lexemes are made here, not by a text-search parser, so that the index and queries
/// agree exactly whatever the server's locale.
pub fn ts_vector(title: &str, body: &str) -> String {
    ts_vectors(title, body).0
}

/// The lexeme of a vector of pairs ([`ts_vectors`]) that stands for every pair: written
/// instead of the pairs when they would not fit in a `tsvector` (or one pair would be a
/// lexeme too long), and matched by every query of pairs ([`Query::ts_pairs_query`]),
/// so that the pairs never leave out a match. No real pair is like it (a pair is two
/// lexemes of word characters and a space).
pub const TS_PAIRS_ALL: &str = "~all";

/// [`ts_vector`] and the report's vector of adjacent pairs (PostgreSQL column
/// `fts_pairs`): one lexeme `'a b'` for every two lexemes of the first vector at
/// consecutive positions, without positions. A phrase of two or more words needs its
/// pairs, so a GIN index on these finds a phrase's candidates nearly exactly (exactly
/// for two words) instead of every report with all its words. Made from the same
/// positions PostgreSQL keeps, as the SQL function `lantern_ts_pairs` of the stored
/// vector makes it (schema step 12): [`TS_PAIRS_ALL`] alone past the size budget.
pub fn ts_vectors(title: &str, body: &str) -> (String, String) {
    use std::collections::{BTreeMap, BTreeSet};
    let mut lexemes: BTreeMap<String, Vec<(usize, bool)>> = BTreeMap::new();
    let mut pos = 0usize;
    let mut bytes = 0usize;
    for (text, is_title) in [(title, true), (body, false)] {
        let indexed = index_text(text);
        for token in indexed.split(|c: char| !is_word_char(c)) {
            if token.is_empty() {
                continue;
            }
            let lexeme = fold_token(token);
            if lexeme.is_empty() || lexeme.len() > TS_MAX_LEXEME {
                continue;
            }
            pos = (pos + 1).min(TS_MAX_POS);
            match lexemes.get_mut(&lexeme) {
                Some(p) => {
                    if p.len() < TS_MAX_POSITIONS && p.last().map(|l| l.0) != Some(pos) {
                        p.push((pos, is_title));
                        bytes += 7;
                    }
                }
                None => {
                    if bytes + lexeme.len() + 16 > TS_MAX_BYTES {
                        continue;
                    }
                    bytes += lexeme.len() + 16;
                    lexemes.insert(lexeme, vec![(pos, is_title)]);
                }
            }
        }
        // A gap between title and body.
        pos = (pos + 1).min(TS_MAX_POS);
    }
    // Lexemes by position (several only at the last position PostgreSQL keeps).
    let mut at: Vec<(usize, &str)> = lexemes
        .iter()
        .flat_map(|(l, ps)| ps.iter().map(move |(p, _)| (*p, l.as_str())))
        .collect();
    at.sort_unstable();
    let mut pairs: BTreeSet<String> = BTreeSet::new();
    let mut pair_bytes = 0usize;
    let mut all = false;
    let mut i = 0;
    while i < at.len() && !all {
        let p = at[i].0;
        let j = at[i..]
            .iter()
            .position(|x| x.0 != p)
            .map_or(at.len(), |k| i + k);
        let next = &at[j..];
        let k = next.iter().position(|x| x.0 != p + 1).unwrap_or(next.len());
        for (_, a) in &at[i..j] {
            for (_, b) in &next[..k] {
                let pair = format!("{a} {b}");
                if pair.len() > TS_MAX_LEXEME {
                    all = true;
                } else if !pairs.contains(&pair) {
                    pair_bytes += pair.len();
                    pairs.insert(pair);
                }
            }
        }
        if pair_bytes > TS_MAX_BYTES {
            all = true;
        }
        i = j;
    }
    let pairs = if all {
        ts_quote(TS_PAIRS_ALL)
    } else {
        let mut s = String::with_capacity(pair_bytes + 3 * pairs.len());
        for pair in &pairs {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&ts_quote(pair));
        }
        s
    };
    let mut out = String::with_capacity(bytes + 16);
    for (lexeme, positions) in &lexemes {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&ts_quote(lexeme));
        out.push(':');
        for (i, (p, is_title)) in positions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&p.to_string());
            if *is_title {
                out.push('A');
            }
        }
    }
    (out, pairs)
}

/// Lower-case and strip diacritics (NFD, combining marks removed).
fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn make_snippet(body: &str, ranges: &[(usize, usize)], width: usize) -> String {
    let width = width.max(40);
    let first = ranges.first().map(|r| r.0).unwrap_or(0);
    let mut start = floor_boundary(body, first.saturating_sub(width / 3));
    if start > 0 {
        // Start at a word boundary when one is near.
        if let Some(ws) = body[start..first].find(char::is_whitespace) {
            if ws < width / 6 {
                start += ws;
            }
        }
    }
    let mut end = ceil_boundary(body, start + width);
    if end < body.len() {
        if let Some(ws) = body[start..end].rfind(char::is_whitespace) {
            if start + ws > first && end - (start + ws) < width / 6 {
                end = start + ws;
            }
        }
    }
    // Never cut a marked match in two.
    for &(s, e) in ranges {
        if s < end && e > end {
            end = e;
        }
    }
    let mut out = String::with_capacity(end - start + 16);
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    let push = |out: &mut String, text: &str| {
        let mut last_space = out.ends_with(' ');
        for c in text.chars() {
            if c.is_whitespace() {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
            } else {
                out.push(c);
                last_space = false;
            }
        }
    };
    for &(s, e) in ranges {
        if e <= start || s >= end {
            continue;
        }
        let s = s.max(start);
        let e = e.min(end);
        push(&mut out, &body[pos..s]);
        out.push('«');
        push(&mut out, &body[s..e]);
        out.push('»');
        pos = e;
    }
    push(&mut out, &body[pos..end]);
    let mut out = out.trim().to_string();
    if end < body.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plainly_nfc_chars_are_nfc_with_class_zero() {
        use unicode_normalization::char::canonical_combining_class;
        let mut taken = 0;
        for cp in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let mut buf = [0u8; 4];
            let one = c.encode_utf8(&mut buf);
            if plainly_nfc(one) {
                taken += 1;
                assert_eq!(is_nfc_quick(one.chars()), IsNormalized::Yes, "{cp:X}");
                assert_eq!(canonical_combining_class(c), 0, "{cp:X}");
            }
        }
        assert_eq!(taken, 0x300 + 0x18 + (0xD7A3 - 0xAC00 + 1));
        for t in [
            "",
            "abc",
            "혜산시에서 “quoted” – Onsŏng…",
            "e\u{301}",
            "\u{1100}\u{1161}",
        ] {
            assert_eq!(
                plainly_nfc(t) || is_nfc_quick(t.chars()) == IsNormalized::Yes,
                is_nfc_quick(t.chars()) == IsNormalized::Yes,
                "{t:?}"
            );
        }
        assert!(!plainly_nfc("e\u{301}"));
        assert!(!plainly_nfc("\u{1100}\u{1161}"));
    }

    #[test]
    fn bigrams() {
        assert_eq!(index_text("혜산시에서 x"), " 혜산 산시 시에 에서   x");
        assert_eq!(index_text("a 집 b"), "a  집  b");
        for t in [
            "",
            "x",
            "집",
            "혜산",
            "혜산시에서",
            "혜산시에서, 회령 x 집 y",
            "Onso\u{306}ng 혜산 e\u{301}",
            "ascii only text",
            "가나다라마바사 é 가",
            "끝 한글",
            "a혜b산c",
            "\u{1100}\u{1161} 조합형",
        ] {
            assert_eq!(index_text(t), index_text_reference(t), "{t:?}");
        }
    }

    #[test]
    fn expressions() {
        let q = Query::parse("혜산").unwrap();
        assert_eq!(q.fts_expression(), "(\"혜산\")");
        let q = Query::parse("양강도 OR Onsong -\"border guard\" 산").unwrap();
        assert_eq!(
            q.fts_expression(),
            "((\"양강 강도\" OR \"Onsong\") AND (\"산\"*)) NOT (\"border guard\")"
        );
        assert!(Query::parse("*** \"\" -- ( )").is_none());
        assert!(Query::parse("-only").is_none());
        let q = Query::parse("NEAR( AND \"x").unwrap();
        assert_eq!(q.fts_expression(), "(\"NEAR\") AND (\"AND\") AND (\"x\")");
        let q = Query::parse("2023년").unwrap();
        assert_eq!(q.fts_expression(), "(\"2023 년\"*)");
    }

    #[test]
    fn postgres_vectors_and_queries() {
        assert_eq!(
            ts_vector("Onsŏng 혜산", "혜산시에서 ONSONG"),
            "'onsong':1A,8 '산시':5 '시에':6 '에서':7 '혜산':2A,4"
        );
        let q = Query::parse("양강도 OR Onsŏng -\"border guard\" 산").unwrap();
        assert_eq!(
            q.ts_query(),
            "((('양강' <-> '강도') | ('onsong')) & (('산':*))) & !(('border' <-> 'guard'))"
        );
        let q = Query::parse("2023년 it's").unwrap();
        assert_eq!(q.ts_query(), "(('2023' <-> '년':*)) & (('it' <-> 's'))");
    }

    #[test]
    fn pairs_of_adjacent_lexemes() {
        let (v, pairs) = ts_vectors("Labor camp", "the labor TRAINING camp; 국경경비");
        assert_eq!(
            v,
            "'camp':2A,7 'labor':1A,5 'the':4 'training':6 '경경':9 '경비':10 '국경':8"
        );
        // No pair spans the title and the body.
        assert_eq!(
            pairs,
            "'camp 국경' 'labor camp' 'labor training' 'the labor' 'training camp' \
             '경경 경비' '국경 경경'"
        );
        let q = Query::parse("\"labor training camp\" river").unwrap();
        assert_eq!(
            q.ts_pairs_query().as_deref(),
            Some("((('labor training' & 'training camp'))) | '~all'")
        );
        let q = Query::parse("국경경 OR 2023년 -\"a b\"").unwrap();
        assert_eq!(
            q.ts_pairs_query().as_deref(),
            Some("((('국경 경경') | ('2023 년':*))) | '~all'")
        );
        assert_eq!(
            Query::parse("river OR \"a b\"").unwrap().ts_pairs_query(),
            None
        );
        assert_eq!(Query::parse("국경").unwrap().ts_pairs_query(), None);
        // Too many pairs for one vector: the one lexeme that every query matches.
        let long: String = (0..8_000)
            .map(|i| format!("{}{i} ", "w".repeat(100)))
            .collect();
        assert_eq!(ts_vectors("", &long).1, "'~all'");
    }

    #[test]
    fn snippets() {
        let q = Query::parse("onsong 혜산").unwrap();
        let s = q.snippet("In Onsŏng county,\n people from 혜산시에서 came.", 200);
        assert_eq!(s, "In «Onsŏng» county, people from «혜산»시에서 came.");
        let long = "word ".repeat(100) + "target here " + &"tail ".repeat(100);
        let s = Query::parse("target").unwrap().snippet(&long, 100);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("«target»"), "{s}");
    }
}
