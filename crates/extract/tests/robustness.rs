//! No panics and no super-linear blow-up on arbitrary or pathological input.

mod common;
use common::*;
use std::time::{Duration, Instant};

/// Small deterministic PRNG (xorshift64*), so the test needs no extra crates.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "arrested",
    "MSS",
    "Ministry of Social Security (MSS)",
    "the source said",
    "Hyesan",
    "혜산시",
    "소식통은",
    "체포됐다",
    "지난달 말",
    "not",
    "probably",
    "Nov. 3",
    "2,000 yuan",
    "3만 위안",
    "\"",
    "“",
    "”",
    ".",
    ",",
    "\n",
    "\n\n",
    " | ",
    "/ Image:",
    "broker",
    "across the river from",
    "Pyongyang has ordered",
    "in his 40s",
    "40대",
    "의",
    "Ji'an",
    "’s",
    "fled to",
    "sentenced",
    "told ",
    "Border Monitor",
    "told Daily Ñews",
    "told A B C D Ä",
    "seen by ",
    "to death",
    "shot",
    "the Tumen",
    "anyone who",
    "will",
    "kg에",
    "€",
    "\u{0}",
    "\t",
    "A",
    "é",
];

fn random_text(r: &mut Rng) -> String {
    let n = r.below(200);
    let mut s = String::new();
    for _ in 0..n {
        match r.below(4) {
            0 => {
                let len = r.below(12);
                let bytes: Vec<u8> = (0..len).map(|_| r.below(256) as u8).collect();
                s.push_str(&String::from_utf8_lossy(&bytes));
            }
            _ => s.push_str(PIECES[r.below(PIECES.len())]),
        }
        if r.below(3) == 0 {
            s.push(' ');
        }
    }
    s
}

#[test]
fn random_inputs_do_not_panic() {
    let mut r = Rng(0x5EED_1234_ABCD_0001);
    for i in 0..1500 {
        let body = random_text(&mut r);
        let published = if i % 3 == 0 { None } else { Some("2021-06-15") };
        let a = en(&body, published);
        check_spans(&body, &a);
        let b = en(&body, published);
        assert_eq!(a, b);
        let _ = lantern_extract::codebook_json("r", &a);
        let _ = lantern_extract::format_table(&body, &a);
    }
}

#[test]
fn empty_and_tiny() {
    for b in ["", " ", "\n", ".", "다.", "\u{feff}", "MSS", "혜"] {
        let e = en(b, Some("2020-01-01"));
        check_spans(b, &e);
    }
}

fn time(body: &str) -> Duration {
    let t = Instant::now();
    let evs = en(body, Some("2021-06-15"));
    check_spans(body, &evs);
    t.elapsed()
}

/// Doubling the input must not much more than double the time.
fn assert_linear(make: impl Fn(usize) -> String, n: usize) {
    let small = make(n);
    let big = make(2 * n);
    let _ = time(&small); // warm up automata
    let t1 = time(&small);
    let t2 = time(&big);
    assert!(
        t2.as_secs_f64() <= 3.5 * t1.as_secs_f64() + 0.05,
        "not linear: {:?} for {} bytes, {:?} for {} bytes",
        t1,
        small.len(),
        t2,
        big.len()
    );
}

#[test]
fn repeated_cue_word_single_line() {
    assert_linear(|n| "arrested ".repeat(n), 200_000);
}

#[test]
fn repeated_korean_source_word() {
    assert_linear(|n| "소식통".repeat(n), 150_000);
}

#[test]
fn many_short_sentences_with_places() {
    assert_linear(
        |n| "A source in Hyesan said police arrested two men. ".repeat(n),
        20_000,
    );
}

#[test]
fn many_speculation_markers_and_negations() {
    assert_linear(|n| "probably not arrested, and ".repeat(n), 80_000);
}

#[test]
fn ten_megabyte_line() {
    let line =
        "the MSS arrested a broker who may be executed near Hyesan 500 yuan ".repeat(150_000);
    assert!(line.len() > 10_000_000);
    let t = Instant::now();
    let evs = en(&line, Some("2021-06-15"));
    check_spans(&line, &evs);
    assert!(t.elapsed() < Duration::from_secs(120));
}

#[test]
fn dots_without_spaces() {
    // every '.' is a possible sentence end whose word is looked up: no rescans
    assert_linear(|n| "x.".repeat(n), 200_000);
}
