//! Pre-aggregated event counts (table `event_counts`, migration 4), so that facet, month
//! and total counts of the common filters are read from a few hundred rows instead of
//! counting millions of events.
//!
//! Every event has scalar dimensions (type, review state, start and end month) and a set
//! of *tags*: its distinct provinces (`p`), places (`l`, by gazetteer id), actors (`a`)
//! and its report's outlet (`o`). The table holds, per combination of the scalars, the
//! number of events carrying:
//! - nothing in particular (`k1 = ''`), by month and by year;
//! - one tag (`k1, v1`), by month and by year (places by year only: by month they would
//!   be most of the table);
//! - two tags of different kinds (`k1, v1, k2, v2`, stored in both orders), by year;
//! - by month (migration 16), a province with each tag of the event (`k1 = 'p'` only):
//!   its places, actors and outlet, and its provinces, itself included, so that a filter
//!   of a province over whole months (the search page's type x province x month) reads
//!   its place, actor, outlet and province facets from the table. The province facet of
//!   a province `P` sums the rows `(p, P, p, Q)` by `Q`: `Q = P` counts every event with
//!   `P` once, the others the events with both.
//!
//! Plans of granularity `g = 0` are for all dates; `g = 1` rows keep the month of the
//! effective start and end (`''` when undated); `g = 2` rows (migration 6) keep the year
//! of each (`YYYY`) and hold every shape (places and tag pairs included), so that a
//! filter over whole years with a tag still has its place, actor and outlet facets in
//! the table. A whole-month range uses `g = 1` when that holds the answer, a whole-year
//! range falls back to `g = 2` otherwise. All-dates plans read the `g = 2` rows summed
//! over the years: since migration 9 no `g = 0` rows are stored (they were the same sums,
//! and half of the keys an ingest wrote).
//!
//! Because an event's tags are distinct within a kind, summing `n` over rows with a fixed
//! tag counts each event once: the answers are exact (the province facet of a province
//! too: each event has the pair of its province with itself once). A filter the table cannot answer
//! (text query, report, a date range not on month boundaries, more tags than stored,
//! an ambiguous place name) is counted directly from the events ([`plan`] says `None`).
//!
//! The keys ([`Delta`]) and the plans with their queries ([`Plan`], rendered per
//! [`Dialect`]) serve both backends; this module also holds the SQLite write path, and
//! `postgres/counts.rs` the PostgreSQL one (one row per key and writer slot, summed by
//! the same queries).
//!
//! On SQLite (migration 13) the key columns are integers, so an upsert's B-tree search
//! compares integers rather than NOCASE texts: kinds are their ASCII code (0 none), tag
//! values, event types and review states their id in the dictionary `count_terms`
//! (`term` UNIQUE COLLATE NOCASE, id 0 the empty text; written by [`term_id`]), months
//! `YYYYMM` and years `YYYY` (0 undated, [`month_number`]). Queries name a value by
//! `(SELECT id FROM count_terms WHERE term = ?)` (evaluated once; an unknown term
//! matches no row) and name the ids they group by after summing. PostgreSQL (schema
//! step 11) has the same integer columns and its own `count_terms`, whose `term` is
//! case-sensitive (byte-wise, `COLLATE "C"`, as its text keys were), so the table keeps
//! the rows it had: its queries name a tag value by every id whose term equals it
//! without ASCII case (`v1 = ANY(ARRAY(SELECT id ... WHERE lower(term) = lower($n)))`),
//! a type or state by its one id.
//!
//! The write path keeps the table in step inside the same transaction: [`adjust`] adds
//! (+1) or removes (-1) the contributions of a set of events, read back from the events
//! and their link rows as they are at that moment, summed in memory and written once per
//! key. Call it with -1 before events are deleted or changed and with +1 after they are
//! written.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::error::Result;
use crate::types::{EventFilter, Facet};

/// A set of events whose contributions are added or removed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EventSet<'a> {
    /// Every event.
    All,
    /// These events.
    Ids(&'a [i64]),
    /// The machine events of this report (before re-extraction deletes them).
    MachineOf(&'a str),
}

/// One row key of `event_counts`, its texts interned (see [`Delta::intern`]).
#[derive(Debug, Clone, Copy, Eq)]
struct Key {
    g: i64,
    k1: &'static str,
    v1: u32,
    k2: &'static str,
    v2: u32,
    event_type: u32,
    review_state: u32,
    m0: u32,
    m1: u32,
}

/// Equal kind words: the same literal (pointer and length) or the same text.
fn same_kind(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.g == o.g
            && self.v1 == o.v1
            && self.v2 == o.v2
            && self.event_type == o.event_type
            && self.review_state == o.review_state
            && self.m0 == o.m0
            && self.m1 == o.m1
            && same_kind(self.k1, o.k1)
            && same_kind(self.k2, o.k2)
    }
}

/// Four words instead of a dozen hasher steps and two byte loops (the derived hash was
/// most of [`Delta::add`]). A kind's first byte stands for it (kinds are one letter or
/// empty; equal keys have equal first bytes either way, so the hash agrees with `==`).
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let kind = |k: &str| u64::from(k.as_bytes().first().copied().unwrap_or(0));
        h.write_u64(
            (self.g as u64)
                ^ (kind(self.k1) << 8)
                ^ (kind(self.k2) << 16)
                ^ (u64::from(self.v1) << 32),
        );
        h.write_u64(u64::from(self.v2) | (u64::from(self.event_type) << 32));
        h.write_u64(u64::from(self.review_state) | (u64::from(self.m0) << 32));
        h.write_u32(self.m1);
    }
}

/// The dimensions of one event, as stored.
#[derive(Debug, Default)]
pub(crate) struct Dims {
    pub(crate) event_type: String,
    pub(crate) review_state: String,
    /// `YYYY-MM` of the effective start and end, `''` when undated.
    pub(crate) m0: String,
    pub(crate) m1: String,
    /// Distinct (ASCII case-insensitively, like the NOCASE columns) tags.
    pub(crate) tags: Vec<(&'static str, String)>,
}

impl Dims {
    /// Add a tag (`p`, `l`, `a` or `o`) unless the event has it already.
    pub(crate) fn tag(&mut self, kind: &'static str, value: String) {
        if !self
            .tags
            .iter()
            .any(|(k, v)| *k == kind && v.eq_ignore_ascii_case(&value))
        {
            self.tags.push((kind, value));
        }
    }
}

/// The granularity whose rows answer the all-dates plans (`g = 0`): the rows by year,
/// summed over every year pair (undated events have the years `''`). They hold every
/// shape `g = 0` rows would, with the same keys but for `m0`, `m1`, so the sums are the
/// same; a read scans the few year pairs of each key instead of one row, and an ingest
/// writes about half the keys it would with separate all-dates rows (migration 9 deleted
/// them).
const STORED_ALL_DATES: i64 = 2;

/// Kinds of tag that also get rows by month (places, the most numerous, do not).
fn monthly(kind: &str) -> bool {
    kind != "l"
}

/// The kind whose pairs are also stored by month (migration 16), first: a province with
/// each tag of the event, of any kind, itself included, so that a province's place,
/// actor, outlet and province facets over whole months are read from the table (the
/// search page's type x province x month). Only in that order (`k1 = 'p'`).
const MONTHLY_PAIR_KIND: &str = "p";

/// Whether granularity `g` holds rows with tags of these kinds, in this order (`k1`,
/// `k2`).
fn holds(g: i64, kinds: &[&str]) -> bool {
    match (g, kinds) {
        (_, []) => true,
        (1, [k]) => monthly(k),
        (1, [k1, _]) => *k1 == MONTHLY_PAIR_KIND,
        (1, _) => false,
        (_, [_]) => true,
        (_, [k1, k2]) => k1 != k2,
        _ => false,
    }
}

/// Whether a whole-year range with two tags held by month ([`MONTHLY_PAIR_KIND`]) is
/// read from the rows by year instead when they hold it too: twelve times fewer rows.
fn prefer_years(g: i64, whole_years: bool, kinds: &[&str]) -> bool {
    g == 1 && whole_years && kinds.len() == 2 && holds(2, kinds)
}

/// `YYYY` of a `YYYY-MM` month text (`''` stays `''`).
fn year_of(month: &str) -> &str {
    month.get(..4).unwrap_or(month)
}

/// A fast hasher for the small integer keys of [`Delta`] and its texts (the
/// multiply-rotate step of rustc's `FxHasher`): SipHash was most of the cost of summing
/// an event's keys. The keys come from this program and the extractor's fixed
/// vocabularies (types, months, gazetteer ids, outlets), not from an adversary.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        // eight bytes a step (texts: [`Delta::intern`]'s map)
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl KeyHasher {
    fn add(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type KeyMap<V> = HashMap<Key, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// Count changes, summed in memory and written once per key.
#[derive(Debug, Default)]
pub(crate) struct Delta {
    counts: KeyMap<i64>,
    /// More changes, summed by sorting instead of in `counts` (see [`Runs`]); a key
    /// may be in both, [`Delta::integer_rows`] sums them.
    runs: Runs,
    texts: Vec<String>,
    ids: HashMap<String, u32, std::hash::BuildHasherDefault<KeyHasher>>,
}

/// A [`Key`] packed into four words whose order is a total order of keys (a kind by
/// its first byte, as the table stores it): `g | k1 << 8 | k2 << 16 | v1 << 32`,
/// `v2 | event_type << 32`, `review_state | m0 << 32`, `m1`.
type Packed = [u64; 4];

fn pack(k: &Key) -> Packed {
    let kind = |k: &str| u64::from(k.as_bytes().first().copied().unwrap_or(0));
    [
        (k.g as u64 & 0xff) | (kind(k.k1) << 8) | (kind(k.k2) << 16) | (u64::from(k.v1) << 32),
        u64::from(k.v2) | (u64::from(k.event_type) << 32),
        u64::from(k.review_state) | (u64::from(k.m0) << 32),
        u64::from(k.m1),
    ]
}

/// The fields of a packed key: g, the kinds' bytes, and v1, v2, event_type,
/// review_state, m0, m1.
fn unpack(p: &Packed) -> (i64, u8, u8, [u32; 6]) {
    let lo = |w: u64| (w & 0xffff_ffff) as u32;
    let hi = |w: u64| (w >> 32) as u32;
    (
        (p[0] & 0xff) as i64,
        ((p[0] >> 8) & 0xff) as u8,
        ((p[0] >> 16) & 0xff) as u8,
        [hi(p[0]), lo(p[1]), hi(p[1]), lo(p[2]), hi(p[2]), lo(p[3])],
    )
}

/// The key a [`Packed`] key stands for (kinds are the one-letter literals of
/// [`Dims::tag`] or empty).
fn unpacked(p: &Packed) -> Key {
    let kind = |b: u8| match b {
        b'o' => "o",
        b'a' => "a",
        b'l' => "l",
        b'p' => "p",
        _ => "",
    };
    let (g, k1, k2, v) = unpack(p);
    Key {
        g,
        k1: kind(k1),
        v1: v[0],
        k2: kind(k2),
        v2: v[1],
        event_type: v[2],
        review_state: v[3],
        m0: v[4],
        m1: v[5],
    }
}

/// Changes summed by sorting: appended to `fresh`, which is sorted, summed and merged
/// into the sorted `sums` whenever it holds [`RUN_KEYS`] entries. A bulk writer adds
/// every report's keys to one sum of hundreds of thousands of keys (409,164 for 10,000
/// generated reports); in a hash table nearly every one of those additions missed the
/// CPU cache (perf: about a fifth of the writing thread's time), while sorting and
/// merging runs reads and writes memory in order.
#[derive(Debug, Default)]
struct Runs {
    sums: Vec<(Packed, i64)>,
    fresh: Vec<(Packed, i64)>,
}

/// Entries collected before a sort and merge (see [`Runs`]).
const RUN_KEYS: usize = 1 << 18;

impl Runs {
    fn push(&mut self, k: &Key, n: i64) {
        self.fresh.push((pack(k), n));
        if self.fresh.len() >= RUN_KEYS {
            self.merge_fresh();
        }
    }

    /// Sort `fresh` and merge it into `sums`, equal keys summed, zero sums dropped.
    fn merge_fresh(&mut self) {
        if self.fresh.is_empty() {
            return;
        }
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.sort_unstable_by_key(|e| e.0);
        let old = std::mem::take(&mut self.sums);
        let mut out: Vec<(Packed, i64)> = Vec::with_capacity(old.len() + fresh.len());
        {
            let mut push = |k: Packed, n: i64| match out.last_mut() {
                Some((last, m)) if *last == k => *m += n,
                _ => out.push((k, n)),
            };
            let (mut a, mut b) = (old.into_iter().peekable(), fresh.drain(..).peekable());
            loop {
                let take_a = match (a.peek(), b.peek()) {
                    (Some(x), Some(y)) => x.0 <= y.0,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                let next = if take_a { a.next() } else { b.next() };
                if let Some((k, n)) = next {
                    push(k, n);
                }
            }
        }
        out.retain(|e| e.1 != 0);
        self.sums = out;
        // The buffer's allocation is kept for the next run.
        self.fresh = fresh;
    }

    /// Every entry (`sums` and the unsorted `fresh`; a key may appear more than once).
    fn entries(&self) -> impl Iterator<Item = &(Packed, i64)> {
        self.sums.iter().chain(self.fresh.iter())
    }

    fn len(&self) -> usize {
        self.sums.len() + self.fresh.len()
    }
}

impl Delta {
    /// The number standing for `s` (0 is the empty text).
    fn intern(&mut self, s: &str) -> u32 {
        if self.texts.is_empty() {
            self.texts.push(String::new());
            self.ids.insert(String::new(), 0);
        }
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }

    /// Add (`sign` 1) or remove (-1) the contributions of one event.
    pub(crate) fn add(&mut self, d: &Dims, sign: i64) {
        let t = self.intern(&d.event_type);
        let s = self.intern(&d.review_state);
        let m0 = self.intern(&d.m0);
        let m1 = self.intern(&d.m1);
        let y0 = self.intern(year_of(&d.m0));
        let y1 = self.intern(year_of(&d.m1));
        let tags: Vec<(&'static str, u32)> =
            d.tags.iter().map(|(k, v)| (*k, self.intern(v))).collect();
        let key = |g: i64, k1, v1, k2, v2| Key {
            g,
            k1,
            v1,
            k2,
            v2,
            event_type: t,
            review_state: s,
            m0: match g {
                1 => m0,
                2 => y0,
                _ => 0,
            },
            m1: match g {
                1 => m1,
                2 => y1,
                _ => 0,
            },
        };
        let counts = &mut self.counts;
        let mut bump = |k: Key| *counts.entry(k).or_insert(0) += sign;
        // No `g = 0` rows: they would be the sums of the `g = 2` rows over the years
        // (see [`STORED_ALL_DATES`]).
        for g in [1, 2] {
            bump(key(g, "", 0, "", 0));
        }
        for &(k, v) in &tags {
            bump(key(2, k, v, "", 0));
            if monthly(k) {
                bump(key(1, k, v, "", 0));
            }
            for &(k2, v2) in &tags {
                if k2 != k {
                    bump(key(2, k, v, k2, v2));
                }
                // By month: a province with every tag, itself and other provinces
                // included (see [`MONTHLY_PAIR_KIND`]).
                if k == MONTHLY_PAIR_KIND {
                    bump(key(1, k, v, k2, v2));
                }
            }
        }
    }

    /// The text numbered `i` by this delta (`''` when none).
    pub(crate) fn text(&self, i: u32) -> &str {
        self.texts.get(i as usize).map_or("", String::as_str)
    }

    /// The numbers of the texts the changed keys name by dictionary id (tag values,
    /// types, review states; not months, not the empty text), each once.
    pub(crate) fn term_numbers(&self) -> Vec<u32> {
        let mut used = vec![false; self.texts.len()];
        let mut mark = |ids: [u32; 4]| {
            for i in ids {
                if let Some(u) = used.get_mut(i as usize) {
                    *u = true;
                }
            }
        };
        for (k, n) in &self.counts {
            if *n != 0 {
                mark([k.v1, k.v2, k.event_type, k.review_state]);
            }
        }
        for (p, n) in self.runs.entries() {
            if *n != 0 {
                let (_, _, _, v) = unpack(p);
                mark([v[0], v[1], v[2], v[3]]);
            }
        }
        (1..self.texts.len())
            .filter(|&i| used[i])
            .filter_map(|i| u32::try_from(i).ok())
            .collect()
    }

    /// The changed rows as integer keys (g, k1, v1, k2, v2, event_type, review_state,
    /// m0, m1) with their change, in key order, rows with equal keys summed (texts
    /// equal but for ASCII case share a term id on SQLite), none zero. `term` gives the
    /// dictionary id of a text number (never called for 0, the empty text: id 0).
    pub(crate) fn integer_rows(
        &self,
        mut term: impl FnMut(u32) -> Result<i64>,
    ) -> Result<Vec<([i64; 9], i64)>> {
        let mut term = |i: u32| if i == 0 { Ok(0) } else { term(i) };
        let month = |i: u32| month_number(self.text(i));
        let kind = |k: &str| i64::from(k.bytes().next().unwrap_or(0));
        let mut rows: Vec<([i64; 9], i64)> =
            Vec::with_capacity(self.counts.len() + self.runs.len());
        for (k, n) in &self.counts {
            if *n == 0 {
                continue;
            }
            rows.push((
                [
                    k.g,
                    kind(k.k1),
                    term(k.v1)?,
                    kind(k.k2),
                    term(k.v2)?,
                    term(k.event_type)?,
                    term(k.review_state)?,
                    month(k.m0),
                    month(k.m1),
                ],
                *n,
            ));
        }
        for (p, n) in self.runs.entries() {
            if *n == 0 {
                continue;
            }
            let (g, k1, k2, v) = unpack(p);
            rows.push((
                [
                    g,
                    i64::from(k1),
                    term(v[0])?,
                    i64::from(k2),
                    term(v[1])?,
                    term(v[2])?,
                    term(v[3])?,
                    month(v[4]),
                    month(v[5]),
                ],
                *n,
            ));
        }
        rows.sort_unstable();
        let mut merged: Vec<([i64; 9], i64)> = Vec::with_capacity(rows.len());
        for (key, n) in rows {
            match merged.last_mut() {
                Some((k, m)) if *k == key => *m += n,
                _ => merged.push((key, n)),
            }
        }
        merged.retain(|(_, n)| *n != 0);
        Ok(merged)
    }

    /// Add the changes to the SQLite table (integer keys, see [`term_id`] and
    /// [`month_number`]), in the table's key order so the B-tree is walked once.
    fn write(self, conn: &Connection) -> Result<()> {
        // Each text's term id, looked up once (`None`: not yet looked up).
        let mut terms: Vec<Option<i64>> = vec![None; self.texts.len()];
        let rows = self.integer_rows(|i| match terms.get(i as usize).copied().flatten() {
            Some(id) => Ok(id),
            None => {
                let id = term_id(conn, self.text(i))?;
                if let Some(slot) = terms.get_mut(i as usize) {
                    *slot = Some(id);
                }
                Ok(id)
            }
        })?;
        // Rows go in statements of `UPSERT_ROWS` rows each (one statement's set-up per
        // many rows), the rest one by one.
        let mut many = conn.prepare_cached(&upsert_sql(UPSERT_ROWS))?;
        let mut chunks = rows.chunks_exact(UPSERT_ROWS);
        for chunk in &mut chunks {
            let values: Vec<i64> = chunk
                .iter()
                .flat_map(|(key, n)| key.iter().copied().chain(std::iter::once(*n)))
                .collect();
            many.execute(rusqlite::params_from_iter(values))?;
        }
        let mut one = conn.prepare_cached(&upsert_sql(1))?;
        for (key, n) in chunks.remainder() {
            let values = key.iter().copied().chain(std::iter::once(*n));
            one.execute(rusqlite::params_from_iter(values))?;
        }
        Ok(())
    }
}

/// Rows of the count table added or updated by one statement of [`Delta::write`]
/// (10 parameters each, under SQLite's limit of 32,766).
const UPSERT_ROWS: usize = 64;

/// The SQLite statement adding `rows` rows of changes to the count table.
fn upsert_sql(rows: usize) -> String {
    let mut sql = crate::sqlite::rows_sql(
        "INSERT INTO event_counts(g, k1, v1, k2, v2, event_type, review_state, m0, m1, n) VALUES ",
        rows,
        10,
    );
    sql.push_str(" ON CONFLICT DO UPDATE SET n = n + excluded.n");
    sql
}

/// The id of `text` in the SQLite dictionary `count_terms` (ASCII case-insensitive, like
/// the NOCASE columns it replaced), added when new. The empty text is 0.
fn term_id(conn: &Connection, text: &str) -> Result<i64> {
    if text.is_empty() {
        return Ok(0);
    }
    if let Some(id) = conn
        .prepare_cached("SELECT id FROM count_terms WHERE term = ?1")?
        .query_row([text], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO count_terms(term) VALUES (?1)")?
        .execute([text])?;
    Ok(conn.last_insert_rowid())
}

/// The integer a month (`YYYY-MM`, as `YYYYMM`) or year (`YYYY`) is stored as in the
/// SQLite table; 0 for undated (`''`). Order is kept: months compare as their texts.
/// Stored dates are `YYYY-MM-DD` with a four-digit year; anything else counts as
/// undated.
pub(crate) fn month_number(s: &str) -> i64 {
    let digits = |t: &str| -> Option<i64> {
        if t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let n = match (s.len(), s.get(..4), s.get(4..5), s.get(5..)) {
        (4, Some(y), _, _) => digits(y),
        (7, Some(y), Some("-"), Some(m)) => digits(y).zip(digits(m)).map(|(y, m)| y * 100 + m),
        _ => None,
    };
    n.unwrap_or(0)
}

/// `YYYY-MM` of a stored month number ([`month_number`] of a month).
pub(crate) fn month_text(n: i64) -> String {
    format!("{:04}-{:02}", n / 100, n % 100)
}

/// The contributions of events as they are written, summed in memory (no read-back of
/// the rows just inserted). Gives the same keys as [`adjust`] with +1 would: the same
/// dimensions and the same tag rules (an actor, place id and province once per event,
/// ASCII case-insensitively, like the link tables' keys and `NOCASE` columns).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    delta: Delta,
    dims: Dims,
}

impl Tally {
    /// Count one machine event, with its stored effective dates and its report's outlet.
    pub(crate) fn add_event(
        &mut self,
        e: &lantern_extract::Event,
        eff_start: Option<&str>,
        eff_end: Option<&str>,
        outlet: Option<&str>,
    ) {
        let d = &mut self.dims;
        d.event_type.clear();
        d.event_type.push_str(e.event_type.as_str());
        d.review_state.clear();
        d.review_state.push_str("machine");
        d.m0.clear();
        d.m0.push_str(eff_start.map_or("", |s| s.get(..7).unwrap_or(s)));
        d.m1.clear();
        d.m1.push_str(eff_end.map_or("", |s| s.get(..7).unwrap_or(s)));
        d.tags.clear();
        if let Some(o) = outlet {
            d.tag("o", o.to_string());
        }
        for a in &e.actors {
            d.tag("a", a.as_str().to_string());
        }
        for p in &e.places {
            d.tag("l", p.id.clone());
            d.tag("p", p.admin1.clone());
        }
        self.delta.add(&self.dims, 1);
    }

    /// Add the summed contributions to the table.
    pub(crate) fn write(self, conn: &Connection) -> Result<()> {
        self.delta.write(conn)
    }

    /// The summed keys, compact (for a report's events, summed on the thread that
    /// prepares its rows, see [`crate::PreparedFile::new`]).
    pub(crate) fn contribution(self) -> Contribution {
        Contribution {
            texts: self.delta.texts,
            keys: self
                .delta
                .runs
                .entries()
                .map(|(p, n)| (unpacked(p), *n))
                .collect::<Vec<_>>()
                .into_iter()
                .chain(self.delta.counts)
                .filter(|(_, n)| *n != 0)
                .collect(),
        }
    }

    /// Add a [`Contribution`]: its texts are looked up once each, then its keys are
    /// added (instead of every event's keys).
    pub(crate) fn merge(&mut self, c: &Contribution) {
        let delta = &mut self.delta;
        let ids: Vec<u32> = c.texts.iter().map(|t| delta.intern(t)).collect();
        let id = |i: u32| ids.get(i as usize).copied().unwrap_or(0);
        for (k, n) in &c.keys {
            let key = Key {
                g: k.g,
                k1: k.k1,
                v1: id(k.v1),
                k2: k.k2,
                v2: id(k.v2),
                event_type: id(k.event_type),
                review_state: id(k.review_state),
                m0: id(k.m0),
                m1: id(k.m1),
            };
            delta.runs.push(&key, *n);
        }
    }
}

/// The count-table keys of some events, summed, with their own text numbering (see
/// [`Tally::contribution`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Contribution {
    texts: Vec<String>,
    keys: Vec<(Key, i64)>,
}

/// `YYYY-MM` of a stored `YYYY-MM-DD` date, `''` for none.
pub(crate) fn month_of(date: Option<&str>) -> String {
    date.map(|s| s.get(..7).unwrap_or(s).to_string())
        .unwrap_or_default()
}

/// The dimensions of the events selected by `cond` (on `events e`, with `params`).
fn load(conn: &Connection, cond: &str, params: &[Value]) -> Result<Vec<Dims>> {
    let mut out: Vec<Dims> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    {
        let sql = format!(
            "SELECT e.id, e.event_type, e.review_state, e.eff_start, e.eff_end,
                    (SELECT r.outlet FROM reports r WHERE r.id = e.report_id)
             FROM events e WHERE {cond}"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            let month = |s: Option<String>| month_of(s.as_deref());
            let mut d = Dims {
                event_type: r.get(1)?,
                review_state: r.get(2)?,
                m0: month(r.get(3)?),
                m1: month(r.get(4)?),
                tags: Vec::new(),
            };
            if let Some(o) = r.get::<_, Option<String>>(5)? {
                d.tag("o", o);
            }
            index.insert(r.get(0)?, out.len());
            out.push(d);
        }
    }
    if out.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT a.event_id, a.actor FROM event_actors a
         WHERE a.event_id IN (SELECT e.id FROM events e WHERE {cond})"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
            out[i].tag("a", r.get(1)?);
        }
    }
    let sql = format!(
        "SELECT p.event_id, p.place_id, p.admin1 FROM event_places p
         WHERE p.event_id IN (SELECT e.id FROM events e WHERE {cond})"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
            out[i].tag("l", r.get(1)?);
            out[i].tag("p", r.get(2)?);
        }
    }
    Ok(out)
}

/// Add (`sign` = 1) or remove (`sign` = -1) the contributions of `set`.
pub(crate) fn adjust(conn: &Connection, set: EventSet<'_>, sign: i64) -> Result<()> {
    let sign = sign.signum();
    let (cond, params): (&str, Vec<Value>) = match set {
        EventSet::All => {
            // In slices of ids, so memory stays bounded on a big store.
            let max = max_event_id(conn)?;
            let mut lo = 0;
            while lo < max {
                let hi = lo.saturating_add(200_000);
                adjust_where(
                    conn,
                    "e.id > ?1 AND e.id <= ?2",
                    &[Value::Integer(lo), Value::Integer(hi)],
                    sign,
                )?;
                lo = hi;
            }
            return Ok(());
        }
        EventSet::Ids(ids) => {
            if ids.is_empty() {
                return Ok(());
            }
            let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
            (
                "e.id IN (SELECT value FROM json_each(?1))",
                vec![Value::Text(json)],
            )
        }
        EventSet::MachineOf(report) => (
            "e.report_id = ?1 AND e.review_state = 'machine'",
            vec![Value::Text(report.to_string())],
        ),
    };
    adjust_where(conn, cond, &params, sign)
}

fn adjust_where(conn: &Connection, cond: &str, params: &[Value], sign: i64) -> Result<()> {
    // Only folded events are in the table: those above the watermark are counted
    // directly by readers and added by the next [`fold`].
    let cond = format!("{cond} AND e.id <= {WATERMARK_SQL}");
    let mut delta = Delta::default();
    for d in load(conn, &cond, params)? {
        delta.add(&d, sign);
    }
    delta.write(conn)
}

/// Add the contributions of the events with ids in `(lo, hi]` (the fold's read-back).
fn add_range(conn: &Connection, lo: i64, hi: i64) -> Result<()> {
    if hi <= lo {
        return Ok(());
    }
    let mut delta = Delta::default();
    for d in load(
        conn,
        "e.id > ?1 AND e.id <= ?2",
        &[Value::Integer(lo), Value::Integer(hi)],
    )? {
        delta.add(&d, 1);
    }
    delta.write(conn)
}

/// The `settings` key of the count table's watermark: the table holds exactly the
/// contributions of the events with an id at or below it. No row: every event is
/// counted (the state before an ingest first deferred its counts).
pub(crate) const WATERMARK_KEY: &str = "counts_watermark";

/// The watermark in SQL (no row: every id).
const WATERMARK_SQL: &str = "coalesce((SELECT CAST(value AS INTEGER) FROM settings
     WHERE key = 'counts_watermark'), 9223372036854775807)";

/// The stored watermark, if any (see [`WATERMARK_KEY`]).
pub(crate) fn watermark(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?1")?
        .query_row([WATERMARK_KEY], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_watermark(conn: &Connection, w: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(rusqlite::params![WATERMARK_KEY, w.to_string()])?;
    Ok(())
}

/// `Some(watermark)` when events above the watermark exist: committed events the
/// table does not hold yet, which readers count directly (ids above it). One lookup of
/// the setting and one rowid seek.
pub(crate) fn unfolded_above(conn: &Connection) -> Result<Option<i64>> {
    let Some(w) = watermark(conn)? else {
        return Ok(None);
    };
    let any = conn
        .prepare_cached("SELECT 1 FROM events WHERE id > ?1 LIMIT 1")?
        .exists([w])?;
    Ok(any.then_some(w))
}

/// The value of the SQLite event-change counter (bumped by triggers on every update
/// or delete of an event, migration 8).
fn event_changes(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT n FROM event_changes WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

/// Before a transaction inserts events: the largest event id and the effective
/// watermark (the stored one, or that id when none is stored). A watermark above the
/// largest id (the newest events were deleted) is lowered to it first, because SQLite
/// gives the next insert the id after the largest: a reused id must not count as
/// folded.
pub(crate) fn insert_start(conn: &Connection) -> Result<(i64, i64)> {
    let before = max_event_id(conn)?;
    match watermark(conn)? {
        None => Ok((before, before)),
        Some(w) if w > before => {
            set_watermark(conn, before)?;
            Ok((before, before))
        }
        Some(w) => Ok((before, w)),
    }
}

/// After a transaction inserted events (ids above `before`, from [`insert_start`])
/// without a [`Tally`]: counts them now when nothing below them is unfolded (the
/// watermark was `before`), else leaves them to the next [`fold`], which reads every
/// unfolded event back.
pub(crate) fn add_inserted(conn: &Connection, before: i64, w: i64) -> Result<()> {
    if w < before {
        return Ok(());
    }
    let max = max_event_id(conn)?;
    add_range(conn, before, max)?;
    if watermark(conn)?.is_some() {
        set_watermark(conn, max)?;
    }
    Ok(())
}

/// Count-table contributions of ingest batches committed but not yet folded into the
/// table ([`fold`]), kept in memory by the writing connection.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The summed contributions of the events in `ranges`, as they were written.
    sums: Summer,
    /// Id ranges `(lo, hi]` of the events written by this connection's batches.
    ranges: Vec<(i64, i64)>,
    /// Events in `ranges`.
    pub(crate) events: i64,
    /// [`event_changes`] when the first batch started: if any event was updated or
    /// deleted since, the tally may be stale and the fold reads the events back.
    changes: i64,
}

impl Pending {
    /// A new, empty sum, in the transaction of its first batch.
    pub(crate) fn start(conn: &Connection) -> Result<Pending> {
        Ok(Pending {
            sums: Summer::Here(Box::default()),
            ranges: Vec::new(),
            events: 0,
            changes: event_changes(conn)?,
        })
    }

    /// The batch wrote the events with ids in `(before, after]`.
    pub(crate) fn written(&mut self, before: i64, after: i64) {
        if after > before {
            self.ranges.push((before, after));
            self.events += after - before;
        }
    }

    /// Add the contributions of a batch's reports. They are summed on a thread of
    /// their own (started by the first batch) rather than on the writing one: the sum
    /// of a bulk ingest's keys (sorted runs of hundreds of thousands of keys, see
    /// [`Runs`]) is a tenth of the writer's work otherwise, and the writer is the
    /// longest chain of an ingest. Summed here for a small batch (`bulk` false) while
    /// no thread runs, or where none can be started.
    pub(crate) fn add(&mut self, batch: Vec<Arc<Contribution>>, bulk: bool) {
        if batch.is_empty() {
            return;
        }
        if let (Summer::Here(t), true) = (&mut self.sums, bulk) {
            let tally = std::mem::take(t.as_mut());
            self.sums = Summer::start(tally);
        }
        match &mut self.sums {
            Summer::Here(t) => batch.iter().for_each(|c| t.merge(c)),
            Summer::Thread { batches, .. } => {
                if batches.send(batch).is_err() {
                    // The thread is gone (it panicked): the sum is lost, so the fold
                    // reads these events back.
                    self.sums = Summer::Lost;
                }
            }
            Summer::Lost => {}
        }
    }

    /// The sum, once the summing thread has added every batch; `None` when it was lost.
    fn into_tally(self) -> Option<Tally> {
        match self.sums {
            Summer::Here(t) => Some(*t),
            Summer::Thread { batches, thread } => {
                drop(batches);
                thread.join().ok()
            }
            Summer::Lost => None,
        }
    }
}

/// Where a [`Pending`] sum is kept.
#[derive(Debug)]
enum Summer {
    /// Summed on the calling thread.
    Here(Box<Tally>),
    /// Summed by a thread that adds the batches sent to it and returns the sum once
    /// the sender is dropped.
    Thread {
        batches: std::sync::mpsc::SyncSender<Vec<Arc<Contribution>>>,
        thread: std::thread::JoinHandle<Tally>,
    },
    /// The summing thread failed.
    Lost,
}

/// Batches queued for the summing thread before the writer waits for it (each is one
/// ingest chunk's contributions, shared, not copied).
const SUM_QUEUE: usize = 4;

impl Summer {
    /// A summing thread starting from `tally`; summing here when none can start.
    fn start(tally: Tally) -> Summer {
        let (batches, queue) = std::sync::mpsc::sync_channel::<Vec<Arc<Contribution>>>(SUM_QUEUE);
        let mut tally = tally;
        let spawned = std::thread::Builder::new()
            .name("lantern-sums".into())
            .spawn(move || {
                for batch in queue {
                    for c in &batch {
                        tally.merge(c);
                    }
                }
                tally
            });
        match spawned {
            Ok(thread) => Summer::Thread { batches, thread },
            // The tally went with the closure: the fold reads its events back.
            Err(_) => Summer::Lost,
        }
    }
}

/// Fold the unfolded events into the table and move the watermark to the largest event
/// id, in the caller's transaction. `w` is the effective watermark (from
/// [`insert_start`] in this transaction, or [`watermark`]). The in-memory sum of
/// `pending` is used when it still describes its events exactly: no event updated or
/// deleted since it started (the counter) and none of its ranges folded by another
/// connection meanwhile; events above the watermark that it does not cover (written by
/// other connections, re-extraction, imports) and, when it is stale, all of them, are
/// read back from the events and their link rows.
pub(crate) fn fold(conn: &Connection, pending: Option<Pending>, w: i64) -> Result<()> {
    let max = max_event_id(conn)?;
    let usable = match &pending {
        Some(p) => p.changes == event_changes(conn)? && p.ranges.iter().all(|&(lo, _)| lo >= w),
        None => false,
    };
    match pending {
        Some(p) if usable => {
            let mut ranges = p.ranges.clone();
            ranges.sort_unstable();
            match p.into_tally() {
                Some(tally) => tally.write(conn)?,
                // The sum was lost: these events are read back like any other.
                None => ranges.clear(),
            }
            // The gaps between this connection's ranges.
            let mut lo = w;
            for (a, b) in ranges {
                add_range(conn, lo, a.min(max))?;
                lo = lo.max(b);
            }
            add_range(conn, lo, max)?;
        }
        _ => add_range(conn, w, max)?,
    }
    set_watermark(conn, max.max(0))
}

/// Recount the whole table from the events (the migration's backfill).
pub(crate) fn rebuild(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM event_counts", [])?;
    adjust(conn, EventSet::All, 1)
}

/// The largest event id, or 0 (ids start at 1).
pub(crate) fn max_event_id(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM events")?
        .query_row([], |r| r.get(0))?)
}

/// [`LONGEST_SPAN_SQL`] on SQLite, whose months are numbers (`YYYYMM`).
const LONGEST_SPAN_SQLITE: &str =
    "SELECT max((m1 / 100 * 12 + m1 % 100) - (m0 / 100 * 12 + m0 % 100))
     FROM event_counts WHERE g = 1 AND k1 = 0 AND m0 <> 0 AND n > 0";

/// [`LONGEST_SPAN_SQLITE`] of the events above the watermark `?1`, from the events.
const UNFOLDED_SPAN_SQLITE: &str =
    "SELECT max((CAST(substr(e.eff_end, 1, 4) AS INTEGER) * 12 + CAST(substr(e.eff_end, 6, 2) AS INTEGER))
              - (CAST(substr(e.eff_start, 1, 4) AS INTEGER) * 12 + CAST(substr(e.eff_start, 6, 2) AS INTEGER)))
     FROM events e NOT INDEXED WHERE e.id > ?1 AND e.eff_start IS NOT NULL";

/// The longest span in months, end month minus start month, of any dated event, read
/// from the table's monthly rows (one integer or NULL; PostgreSQL, months `YYYYMM`).
pub(crate) const LONGEST_SPAN_SQL: &str =
    "SELECT CAST(max((m1 / 100 * 12 + m1 % 100) - (m0 / 100 * 12 + m0 % 100)) AS BIGINT)
     FROM event_counts WHERE g = 1 AND k1 = 0 AND m0 <> 0 AND n > 0";

/// The earliest effective start an event ending on or after `from` can have: the first
/// of the month `from`'s month minus the longest span in months of any event (read from
/// the monthly rows). `None` when no event is dated.
pub(crate) fn earliest_start(conn: &Connection, from: NaiveDate) -> Result<Option<String>> {
    let mut span: Option<i64> = conn
        .prepare_cached(LONGEST_SPAN_SQLITE)?
        .query_row([], |r| r.get(0))?;
    // Events above the watermark are not in the table yet: their spans are read directly.
    if let Some(w) = unfolded_above(conn)? {
        let more: Option<i64> = conn
            .prepare_cached(UNFOLDED_SPAN_SQLITE)?
            .query_row([w], |r| r.get(0))?;
        span = span.max(more);
    }
    Ok(start_bound(from, span))
}

/// [`earliest_start`] given the longest span (`None`: no event is dated).
pub(crate) fn start_bound(from: NaiveDate, span: Option<i64>) -> Option<String> {
    let span = span?;
    let months = i64::from(from.year()) * 12 + i64::from(from.month0()) - span.max(0);
    let (y, m) = (months.div_euclid(12), months.rem_euclid(12) + 1);
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, u32::try_from(m).ok()?, 1))
        .map(|d| d.to_string())
}

/// How a filter reads from the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// 0: all dates; 1: by month; 2: by year.
    g: i64,
    event_type: Option<String>,
    review_state: Option<String>,
    /// `YYYY-MM` of `from` (a first of month): events ending in or after it.
    from_month: Option<String>,
    /// `YYYY-MM` of `to` (a last of month): events starting in or before it.
    to_month: Option<String>,
    /// The range in whole years (`from` a 1 January, `to` a 31 December, each when
    /// given), as `YYYY`: the range may also be read from the `g = 2` rows.
    years: Option<(Option<String>, Option<String>)>,
    /// (kind, value) of the tag constraints, at most two, of different kinds.
    tags: Vec<(&'static str, String)>,
}

fn is_month_start(d: NaiveDate) -> bool {
    d.day() == 1
}

fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|n| n.day() == 1)
}

fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Where a filter's place value is looked up (the stored places), per backend.
pub(crate) trait PlaceLookup {
    /// The stored place id equal to `value` (without ASCII case), if any.
    fn by_id(&mut self, value: &str) -> Result<Option<String>>;
    /// The id of a stored place named `value` whose id is not `value`, if any.
    fn by_name(&mut self, value: &str) -> Result<Option<String>>;
    /// Whether `value` is a stored province (admin1).
    fn is_admin1(&mut self, value: &str) -> Result<bool>;
    /// Whether a stored place named `value` has an id other than `id`.
    fn other_named(&mut self, value: &str, id: &str) -> Result<bool>;
}

struct SqlitePlaces<'a>(&'a Connection);

impl PlaceLookup for SqlitePlaces<'_> {
    fn by_id(&mut self, value: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .prepare_cached("SELECT place_id FROM places WHERE place_id = ?1 LIMIT 1")?
            .query_row([value], |r| r.get(0))
            .optional()?)
    }
    fn by_name(&mut self, value: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT place_id FROM places WHERE name = ?1 AND place_id <> ?1 LIMIT 1",
            )?
            .query_row([value], |r| r.get(0))
            .optional()?)
    }
    fn is_admin1(&mut self, value: &str) -> Result<bool> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM places WHERE admin1 = ?1 LIMIT 1")?
            .exists([value])?)
    }
    fn other_named(&mut self, value: &str, id: &str) -> Result<bool> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM places WHERE name = ?1 AND place_id <> ?2 LIMIT 1")?
            .exists([value, id])?)
    }
}

/// The table plan of `filter`, or `None` when it must be counted from the events.
pub(crate) fn plan(conn: &Connection, filter: &EventFilter) -> Result<Option<Plan>> {
    plan_with(&mut SqlitePlaces(conn), filter)
}

/// [`plan`] with the places looked up by `places` (any backend).
pub(crate) fn plan_with(
    places: &mut dyn PlaceLookup,
    filter: &EventFilter,
) -> Result<Option<Plan>> {
    // Incident filters (corroboration, reposts) are not dimensions of the table.
    if filter.text.is_some()
        || filter.report_id.is_some()
        || filter.min_outlets.is_some()
        || filter.skip_copies
    {
        return Ok(None);
    }
    let mut g = 0;
    let mut from_month = None;
    let mut to_month = None;
    let mut from_year = None;
    let mut to_year = None;
    let mut whole_years = true;
    if let Some(from) = filter.from {
        if !is_month_start(from) {
            return Ok(None);
        }
        g = 1;
        from_month = Some(month(from));
        whole_years &= from.month() == 1;
        from_year = Some(format!("{:04}", from.year()));
    }
    if let Some(to) = filter.to {
        if !is_month_end(to) {
            return Ok(None);
        }
        g = 1;
        to_month = Some(month(to));
        whole_years &= to.month() == 12;
        to_year = Some(format!("{:04}", to.year()));
    }
    let years = (g == 1 && whole_years).then_some((from_year, to_year));
    let mut tags: Vec<(&'static str, String)> = Vec::new();
    if let Some(p) = &filter.province {
        tags.push(("p", p.trim().to_string()));
    }
    if let Some(a) = filter.actor {
        tags.push(("a", a.as_str().to_string()));
    }
    if let Some(o) = &filter.outlet {
        tags.push(("o", o.trim().to_string()));
    }
    if let Some(place) = &filter.place {
        match place_tag(places, place.trim())? {
            Some(t) => tags.push(t),
            None => return Ok(None),
        }
    }
    // A province first: its pairs with the other kinds are also stored by month.
    tags.sort_by_key(|(k, _)| *k != MONTHLY_PAIR_KIND);
    // Two constraints of one kind (a place that is a province, and a province) are an
    // intersection the table does not hold.
    for (i, (k, _)) in tags.iter().enumerate() {
        if tags[..i].iter().any(|(k2, _)| k2 == k) {
            return Ok(None);
        }
    }
    let kinds: Vec<&str> = tags.iter().map(|(k, _)| *k).collect();
    if !holds(g, &kinds) || prefer_years(g, years.is_some(), &kinds) {
        if g == 1 && years.is_some() && holds(2, &kinds) {
            g = 2;
        } else {
            return Ok(None);
        }
    }
    Ok(Some(Plan {
        g,
        event_type: filter.event_type.map(|t| t.as_str().to_string()),
        review_state: filter.review_state.map(|s| s.as_str().to_string()),
        from_month,
        to_month,
        years,
        tags,
    }))
}

/// The tag equivalent to a place filter (events with a place whose id, name or admin1
/// equals `value`), when there is exactly one: one gazetteer id, or one province.
fn place_tag(places: &mut dyn PlaceLookup, value: &str) -> Result<Option<(&'static str, String)>> {
    let by_id = places.by_id(value)?;
    let by_name = places.by_name(value)?;
    let is_admin1 = places.is_admin1(value)?;
    Ok(match (by_id, by_name, is_admin1) {
        (None, None, false) => Some(("l", value.to_string())), // matches nothing
        (None, None, true) => Some(("p", value.to_string())),
        (Some(id), None, false) => Some(("l", id)),
        (None, Some(id), false) => {
            // One name may belong to several gazetteer ids.
            if places.other_named(value, &id)? {
                None
            } else {
                Some(("l", id))
            }
        }
        _ => None,
    })
}

/// The SQL flavour a plan's queries are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `?` parameters, a NOCASE dictionary (one id per value without ASCII case).
    Sqlite,
    /// `$n` parameters, a case-sensitive dictionary (a tag value is every id of its
    /// term without ASCII case), `bigint` sums.
    Postgres,
}

/// A parameter of a plan's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

/// A query being written: its dialect and parameters so far.
struct Sql {
    dialect: Dialect,
    args: Vec<Arg>,
}

impl Sql {
    fn arg(&mut self, a: Arg) -> String {
        let int = matches!(a, Arg::Int(_));
        self.args.push(a);
        match (self.dialect, int) {
            (Dialect::Sqlite, _) => "?".into(),
            (Dialect::Postgres, true) => format!("${}::int8", self.args.len()),
            (Dialect::Postgres, false) => format!("${}", self.args.len()),
        }
    }

    /// `col = value`, without ASCII case for the tag columns. The key columns hold
    /// integers: kinds (`k1`, `k2`) their ASCII code, the others the value's id in
    /// `count_terms` (looked up once per query; no id, no row). SQLite's dictionary is
    /// NOCASE (one id per value); PostgreSQL's is case-sensitive, so a tag value
    /// (`v1`, `v2`) is every id whose term equals it without ASCII case.
    fn eq(&mut self, col: &str, value: &str) -> String {
        if col.starts_with('k') {
            let code = i64::from(value.bytes().next().unwrap_or(0));
            let ph = self.arg(Arg::Int(code));
            return format!("{col} = {ph}");
        }
        let ph = self.arg(Arg::Text(value.to_string()));
        match (self.dialect, col.starts_with('v')) {
            (Dialect::Postgres, true) => format!(
                "{col} = ANY(ARRAY(SELECT id FROM count_terms WHERE lower(term) = lower({ph})))"
            ),
            _ => format!("{col} = (SELECT id FROM count_terms WHERE term = {ph})"),
        }
    }

    /// The empty key value (kind, term or month): 0.
    fn none(&self) -> &'static str {
        "0"
    }

    /// A month (`YYYY-MM`) or year (`YYYY`) parameter: its number ([`month_number`]).
    fn month(&mut self, m: &str) -> String {
        self.arg(Arg::Int(month_number(m)))
    }

    /// `sum(n)` as an integer.
    fn sum(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "sum(n)",
            Dialect::Postgres => "sum(n)::int8",
        }
    }
}

fn kind_of(f: Facet) -> Option<&'static str> {
    match f {
        Facet::Province => Some("p"),
        Facet::Place => Some("l"),
        Facet::Actor => Some("a"),
        Facet::Outlet => Some("o"),
        Facet::EventType | Facet::ReviewState => None,
    }
}

impl Plan {
    /// Conditions for the rows holding exactly `tags` (plus, when `group_kind` is set,
    /// one more tag of that kind, any value).
    fn conditions(&self, q: &mut Sql, group_kind: Option<&'static str>) -> Vec<String> {
        // All dates are read as the sum of the rows by year.
        let stored = if self.g == 0 {
            STORED_ALL_DATES
        } else {
            self.g
        };
        let g = q.arg(Arg::Int(stored));
        let mut c = vec![format!("g = {g}")];
        let mut slots: Vec<(&str, Option<&str>)> = self
            .tags
            .iter()
            .map(|(k, v)| (*k, Some(v.as_str())))
            .collect();
        if let Some(k) = group_kind {
            slots.push((k, None));
        }
        let names = [("k1", "v1"), ("k2", "v2")];
        for (i, (kc, vc)) in names.iter().enumerate() {
            match slots.get(i) {
                Some((k, v)) => {
                    c.push(q.eq(kc, k));
                    if let Some(v) = v {
                        c.push(q.eq(vc, v));
                    }
                }
                None => {
                    let none = q.none();
                    c.push(format!("{kc} = {none}"));
                    c.push(format!("{vc} = {none}"));
                }
            }
        }
        if let Some(t) = &self.event_type {
            c.push(q.eq("event_type", t));
        }
        if let Some(s) = &self.review_state {
            c.push(q.eq("review_state", s));
        }
        let (from, to) = match (self.g, &self.years) {
            (2, Some((from, to))) => (from, to),
            _ => (&self.from_month, &self.to_month),
        };
        let none = q.none();
        if let Some(m) = from {
            let ph = q.month(m);
            c.push(format!("m1 >= {ph}"));
        }
        if let Some(m) = to {
            let ph = q.month(m);
            c.push(format!("m0 <= {ph} AND m0 <> {none}"));
        }
        c
    }

    /// The query of [`Plan::count`]: one row, one integer.
    pub(crate) fn count_sql(&self, dialect: Dialect) -> (String, Vec<Arg>) {
        let mut q = Sql {
            dialect,
            args: Vec::new(),
        };
        let c = self.conditions(&mut q, None);
        let sql = format!(
            "SELECT coalesce({}, 0) FROM event_counts WHERE {}",
            q.sum(),
            c.join(" AND ")
        );
        (sql, q.args)
    }

    /// The query of [`Plan::facet`]: rows (value, count), most first (ties by value,
    /// places and provinces without ASCII case), at most `limit`; `None` when the
    /// table does not hold this combination.
    pub(crate) fn facet_sql(
        &self,
        dialect: Dialect,
        facet: Facet,
        limit: usize,
    ) -> Option<(String, Vec<Arg>)> {
        let kind = kind_of(facet);
        let (col, group_kind) = match kind {
            None => (
                if facet == Facet::EventType {
                    "event_type"
                } else {
                    "review_state"
                },
                None,
            ),
            Some(k) => {
                // A facet of a kind the filter constrains is held only as the monthly
                // pairs of a province with itself and the other provinces ([`holds`]).
                let mut kinds: Vec<&str> = self.tags.iter().map(|(t, _)| *t).collect();
                kinds.push(k);
                if !holds(self.g, &kinds) || prefer_years(self.g, self.years.is_some(), &kinds) {
                    // A whole-year range holds more shapes by year than by month.
                    if self.g == 1 && self.years.is_some() && holds(2, &kinds) {
                        let by_year = Plan {
                            g: 2,
                            ..self.clone()
                        };
                        return by_year.facet_sql(dialect, facet, limit);
                    }
                    return None;
                }
                (if self.tags.is_empty() { "v1" } else { "v2" }, Some(k))
            }
        };
        let mut q = Sql {
            dialect,
            args: Vec::new(),
        };
        let c = self.conditions(&mut q, group_kind);
        // The same order of ties as the direct counts of each backend.
        let order = match (dialect, facet) {
            (Dialect::Sqlite, _) => "1 COLLATE NOCASE",
            (Dialect::Postgres, Facet::Place | Facet::Province) => "lower(t.term), t.term",
            (Dialect::Postgres, _) => "t.term",
        };
        let sum = q.sum();
        let lim = q.arg(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
        let sql = match dialect {
            // Summed by term id, then the ids named.
            Dialect::Sqlite => format!(
                "SELECT (SELECT term FROM count_terms WHERE id = c.v), c.n FROM
                 (SELECT {col} AS v, {sum} AS n FROM event_counts WHERE {}
                  GROUP BY 1 HAVING sum(n) > 0) c
                 ORDER BY 2 DESC, {order} LIMIT {lim}",
                c.join(" AND ")
            ),
            // Summed by term id, then named (`term` byte-wise, `COLLATE "C"`).
            Dialect::Postgres => format!(
                "SELECT t.term, c.n FROM
                 (SELECT {col} AS v, {sum} AS n FROM event_counts WHERE {}
                  GROUP BY 1 HAVING sum(n) > 0) c
                 JOIN count_terms t ON t.id = c.v
                 ORDER BY 2 DESC, {order} LIMIT {lim}",
                c.join(" AND ")
            ),
        };
        Some((sql, q.args))
    }

    /// The query of [`Plan::months`]: rows (month, type, count) by start month and
    /// type, undated left out; `None` when not held.
    pub(crate) fn months_sql(&self, dialect: Dialect) -> Option<(String, Vec<Arg>)> {
        let kinds: Vec<&str> = self.tags.iter().map(|(k, _)| *k).collect();
        if !holds(1, &kinds) {
            return None;
        }
        let plan = Plan {
            g: 1,
            ..self.clone()
        };
        let mut q = Sql {
            dialect,
            args: Vec::new(),
        };
        let c = plan.conditions(&mut q, None);
        let sql = match dialect {
            // Months as numbers (`YYYYMM`), types as term ids: [`Plan::months`] names
            // the few types and sorts (naming each row in SQL cost more than the sums).
            Dialect::Sqlite => format!(
                "SELECT m0, event_type, {} FROM event_counts WHERE {} AND m0 <> 0
                 GROUP BY 1, 2 HAVING sum(n) > 0",
                q.sum(),
                c.join(" AND ")
            ),
            // Months as numbers (`YYYYMM`, in order), types named.
            Dialect::Postgres => format!(
                "SELECT c.m0, t.term, c.n FROM
                 (SELECT m0, event_type, {} AS n FROM event_counts WHERE {} AND m0 <> 0
                  GROUP BY 1, 2 HAVING sum(n) > 0) c
                 JOIN count_terms t ON t.id = c.event_type
                 ORDER BY 1, 2",
                q.sum(),
                c.join(" AND ")
            ),
        };
        Some((sql, q.args))
    }

    /// Number of events matching.
    pub(crate) fn count(&self, conn: &Connection) -> Result<u64> {
        let (sql, args) = self.count_sql(Dialect::Sqlite);
        let n: i64 = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values(args)), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Counts by the value of `facet`, most first (ties by value), at most `limit`;
    /// `None` when the table does not hold this combination.
    pub(crate) fn facet(
        &self,
        conn: &Connection,
        facet: Facet,
        limit: usize,
    ) -> Result<Option<Vec<(String, u64)>>> {
        let Some((sql, args)) = self.facet_sql(Dialect::Sqlite, facet, limit) else {
            return Ok(None);
        };
        let rows = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(values(args)), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(
            rows.into_iter()
                .map(|(v, n)| (v, u64::try_from(n).unwrap_or(0)))
                .collect(),
        ))
    }

    /// Counts by start month and type (undated left out); `None` when not held.
    pub(crate) fn months(&self, conn: &Connection) -> Result<Option<Vec<(String, String, u64)>>> {
        let Some((sql, args)) = self.months_sql(Dialect::Sqlite) else {
            return Ok(None);
        };
        let rows = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(values(args)), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut term = conn.prepare_cached("SELECT term FROM count_terms WHERE id = ?1")?;
        let mut out = Vec::with_capacity(rows.len());
        for (m, t, n) in rows {
            let name = match names.get(&t) {
                Some(name) => name.clone(),
                None => {
                    let name: String = term.query_row([t], |r| r.get(0))?;
                    names.insert(t, name.clone());
                    name
                }
            };
            out.push((month_text(m), name, u64::try_from(n).unwrap_or(0)));
        }
        // By month, then type, as the direct counts order them.
        out.sort_unstable_by(|a, b| {
            (a.0.as_str(), a.1.as_str()).cmp(&(b.0.as_str(), b.1.as_str()))
        });
        Ok(Some(out))
    }
}

/// SQLite values of a plan's parameters.
fn values(args: Vec<Arg>) -> Vec<Value> {
    args.into_iter()
        .map(|a| match a {
            Arg::Int(n) => Value::Integer(n),
            Arg::Text(s) => Value::Text(s),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ReviewState;
    use lantern_extract::{Actor, EventType};

    /// The sorted runs a bulk writer sums its reports' keys in give the same rows as
    /// summing every event's keys in one table, across several sorts and merges (more
    /// than [`RUN_KEYS`] entries) and with sums that cancel out.
    #[test]
    fn sorted_runs_sum_like_the_hash_table() {
        let mut whole = Delta::default();
        let mut merged = Tally::default();
        let mut added = 0;
        let mut i: u32 = 0;
        while added <= 2 * RUN_KEYS + 1_000 {
            let mut report = Tally::default();
            let mut dims = Dims {
                event_type: ["arrest", "execution", "crackdown"][(i % 3) as usize].into(),
                review_state: "machine".into(),
                m0: format!("20{:02}-{:02}", 10 + i % 7, 1 + i % 12),
                m1: String::new(),
                tags: Vec::new(),
            };
            dims.tag("o", format!("Outlet {}", i % 5));
            dims.tag("p", format!("Province {}", i % 9));
            dims.tag("l", format!("place-{}", i % 400));
            dims.tag("a", format!("actor-{}", i % 13));
            // Every seventh report takes its events back again.
            let sign = if i % 7 == 6 { -1 } else { 1 };
            for _ in 0..3 {
                report.delta.add(&dims, sign);
                whole.add(&dims, sign);
            }
            let c = report.contribution();
            added += c.keys.len();
            merged.merge(&c);
            i += 1;
        }
        assert!(!merged.delta.runs.sums.is_empty());
        // The two deltas number texts in different orders: compare rows by text.
        let rows = |d: &Delta| {
            let mut rows: Vec<_> = d
                .integer_rows(|t| Ok(i64::from(t)))
                .unwrap()
                .into_iter()
                .map(|(k, n)| {
                    let text = |j: usize| d.text(u32::try_from(k[j]).unwrap()).to_string();
                    (
                        (
                            k[0],
                            k[1],
                            text(2),
                            k[3],
                            text(4),
                            text(5),
                            text(6),
                            k[7],
                            k[8],
                        ),
                        n,
                    )
                })
                .collect();
            rows.sort();
            rows
        };
        let (a, b) = (rows(&whole), rows(&merged.delta));
        assert!(!a.is_empty());
        assert_eq!(a, b);
    }

    #[test]
    fn month_numbers_keep_the_order_of_month_texts() {
        assert_eq!(month_number(""), 0);
        assert_eq!(month_number("2021"), 2021);
        assert_eq!(month_number("2021-03"), 202_103);
        assert_eq!(month_number("2021-3"), 0);
        assert_eq!(month_number("x021-03"), 0);
        assert_eq!(month_text(202_103), "2021-03");
        let months = ["1999-12", "2000-01", "2000-10", "2021-03"];
        for w in months.windows(2) {
            assert!(month_number(w[0]) < month_number(w[1]));
        }
    }

    /// Every read of the table (counts, facets, months, the longest span) searches its
    /// primary key on integer values; none scans the table.
    #[test]
    fn table_reads_search_the_integer_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::SqliteStore::open(dir.path()).unwrap();
        let conn = &store.conn;
        let filters = [
            EventFilter::default(),
            EventFilter {
                event_type: Some(EventType::Arrest),
                province: Some("Ryanggang".into()),
                ..Default::default()
            },
            EventFilter {
                actor: Some(Actor::StateSecurity),
                review_state: Some(ReviewState::Machine),
                from: NaiveDate::from_ymd_opt(2020, 3, 1),
                to: NaiveDate::from_ymd_opt(2020, 5, 31),
                ..Default::default()
            },
            EventFilter {
                outlet: Some("Daily NK".into()),
                from: NaiveDate::from_ymd_opt(2020, 1, 1),
                to: NaiveDate::from_ymd_opt(2021, 12, 31),
                ..Default::default()
            },
            // The search page's type x province x month: every facet from the monthly
            // pairs of the province.
            EventFilter {
                event_type: Some(EventType::Arrest),
                province: Some("North Hamgyong".into()),
                from: NaiveDate::from_ymd_opt(2018, 7, 1),
                to: NaiveDate::from_ymd_opt(2018, 7, 31),
                ..Default::default()
            },
        ];
        let mut queries: Vec<(String, Vec<Arg>)> =
            vec![(LONGEST_SPAN_SQLITE.to_string(), Vec::new())];
        for f in &filters {
            let plan = plan(conn, f).unwrap().expect("held by the table");
            queries.push(plan.count_sql(Dialect::Sqlite));
            for facet in [
                Facet::EventType,
                Facet::ReviewState,
                Facet::Province,
                Facet::Place,
                Facet::Actor,
                Facet::Outlet,
            ] {
                let sql = plan.facet_sql(Dialect::Sqlite, facet, 10);
                if f.province.is_some() && f.from.is_some() {
                    assert!(sql.is_some(), "{facet:?} of {f:?} is held");
                }
                queries.extend(sql);
            }
            queries.extend(plan.months_sql(Dialect::Sqlite));
        }
        for (sql, args) in queries {
            let lines: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params_from_iter(values(args)), |r| r.get::<_, String>(3))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains("SEARCH event_counts USING PRIMARY KEY (g=? AND k1=?")),
                "{sql}: {lines:?}"
            );
            assert!(
                !lines.iter().any(|l| l.contains("SCAN event_counts")),
                "{sql}: {lines:?}"
            );
        }
    }
}
