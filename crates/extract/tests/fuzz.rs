//! A time-bounded fuzzer for the whole pure pipeline (ingest's `parse_file`, then
//! `extract`): random bytes, random mixes of cue words, place names and punctuation in
//! both languages, and byte-level mutations of the shared dev reports. Every report that
//! comes out must extract without panicking, with evidence spans inside the body on char
//! boundaries, and deterministically.
//!
//! Ignored by default; run it for as long as you like:
//! `LANTERN_FUZZ_SECS=300 cargo test --release -p lantern-extract --test fuzz -- --ignored --nocapture`

use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "arrested",
    "executed",
    "smuggling",
    "crossed the river",
    "sent back",
    "bribe",
    "lecture",
    "lockdown",
    "price",
    "won",
    "yuan",
    "remittance",
    "broker",
    "not",
    "never",
    "probably",
    "could",
    "ordered",
    "Ministry of State Security",
    "MSS",
    "MPS",
    "police",
    "border guards",
    "inminban",
    "court",
    "Hyesan",
    "Yanggang Province",
    "Onsong County",
    "Tumen",
    "the Tumen",
    "Dandong",
    "Sinpa",
    "Kim Jong Suk",
    "County",
    "Pyongyang",
    "last month",
    "mid-June",
    "on Wednesday",
    "Jan. 7",
    "2021",
    "in her 40s",
    "500 kg",
    "a source in North Hamgyong Province said",
    "혜산시에서",
    "양강도의",
    "보위부",
    "체포",
    "총살",
    "밀수",
    "탈북",
    "강제북송",
    "봉쇄",
    "강연회",
    "송금",
    "뇌물",
    "지난달",
    "15일",
    "지난 20일",
    "소식통은",
    "전했다",
    "것으로 보인다",
    "명",
    "원",
    "위안",
    ".",
    ",",
    "!",
    "?",
    "\n",
    "\n\n",
    "“",
    "”",
    "'s",
    "-",
    "(",
    ")",
    "/ Image: Daily NK",
    "FILE PHOTO:",
    "\u{301}",
    "\u{feff}",
    "\0",
    "ŏ",
    "Ŏ",
    "İ",
    "ß",
    "😀",
];

fn dev_reports() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/dev");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(b) = std::fs::read(e.path()) {
                out.push(b);
            }
        }
    }
    out.sort();
    out
}

fn input(rng: &mut Rng, seeds: &[Vec<u8>]) -> (Vec<u8>, &'static str) {
    match rng.below(3) {
        0 => {
            let n = rng.below(4096);
            ((0..n).map(|_| rng.next() as u8).collect(), "x.txt")
        }
        1 => {
            let mut s = String::new();
            if rng.below(2) == 0 {
                s.push_str("---\ntitle: T\npublished: 2021-06-30\n---\n");
            }
            for _ in 0..rng.below(400) {
                s.push_str(WORDS[rng.below(WORDS.len())]);
                if rng.below(3) > 0 {
                    s.push(' ');
                }
            }
            (s.into_bytes(), "x.txt")
        }
        _ => {
            let mut b = seeds
                .get(rng.below(seeds.len()))
                .cloned()
                .unwrap_or_else(|| b"A source said police arrested two men in Hyesan.".to_vec());
            for _ in 0..1 + rng.below(20) {
                if b.is_empty() {
                    break;
                }
                let at = rng.below(b.len());
                match rng.below(3) {
                    0 => b[at] = rng.next() as u8,
                    1 => {
                        b.remove(at);
                    }
                    _ => {
                        let w = WORDS[rng.below(WORDS.len())].as_bytes();
                        b.splice(at..at, w.iter().copied());
                    }
                }
            }
            let name = if rng.below(4) == 0 { "x.html" } else { "x.txt" };
            (b, name)
        }
    }
}

#[test]
#[ignore = "runs for LANTERN_FUZZ_SECS seconds; see the module docs"]
fn fuzz_ingest_and_extract() {
    let secs: u64 = std::env::var("LANTERN_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("LANTERN_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let seeds = dev_reports();
    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut cases, mut reports, mut events) = (0u64, 0u64, 0u64);
    while Instant::now() < deadline {
        let (bytes, name) = input(&mut rng, &seeds);
        cases += 1;
        let Ok(items) = lantern_ingest::parse_file(&bytes, name, "2026-01-01T00:00:00Z") else {
            continue;
        };
        for report in items.into_iter().flatten() {
            reports += 1;
            let got = lantern_extract::extract(&report);
            for ev in &got {
                for &(s, e) in &ev.evidence {
                    assert!(s <= e && e <= report.body.len(), "span out of body");
                    assert!(
                        report.body.is_char_boundary(s) && report.body.is_char_boundary(e),
                        "span not on char boundaries"
                    );
                }
            }
            if cases % 16 == 0 {
                assert_eq!(got, lantern_extract::extract(&report), "not deterministic");
            }
            events += got.len() as u64;
        }
    }
    println!("fuzz: {cases} inputs, {reports} reports, {events} events in {secs}s, seed {seed}, no panic");
}
