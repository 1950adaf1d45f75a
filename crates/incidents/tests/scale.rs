//! Scale: grouping synthetic events at 100k and 1M to show near-linear growth.
//! Ignored by default (it takes a while in debug builds); run with
//! `cargo test --release -p lantern-incidents --test scale -- --ignored --nocapture`.

use std::time::Instant;

/// CPU time of this thread in seconds (user + system), from /proc; the machine this
/// runs on is shared, so wall time alone says little. `None` off Linux.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

use chrono::{Duration, NaiveDate};
use lantern_extract::gazetteer::Gazetteer;
use lantern_extract::{EventType, Level};
use lantern_incidents::{group_incidents, DateKind, EventItem, GroupParams, Pins, ReportInfo};

/// SplitMix64: a fixed-seed generator, so every run makes the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// About `n` events: happenings at random places (one in ten known only by province),
/// of random types, on random days of `years` years from 2015; each told by one to three reports of
/// one to three events, with dates of varying precision and overlapping wording.
fn corpus(n: usize, seed: u64, years: usize) -> (Vec<ReportInfo>, Vec<EventItem>) {
    let g = Gazetteer::get();
    let places: Vec<usize> = (0..g.places.len())
        .filter(|&i| g.places[i].level != Level::Province)
        .collect();
    let provinces: Vec<usize> = (0..g.places.len())
        .filter(|&i| g.places[i].level == Level::Province)
        .collect();
    let origin = NaiveDate::from_ymd_opt(2015, 1, 1).expect("date");
    let mut rng = Rng(seed);
    let (mut reports, mut events) = (Vec::new(), Vec::new());
    while events.len() < n {
        let place = if rng.below(10) == 0 {
            provinces[rng.below(provinces.len())]
        } else {
            places[rng.below(places.len())]
        };
        let ty = EventType::ALL[rng.below(EventType::ALL.len())];
        let day = origin + Duration::days(rng.below(years * 365) as i64);
        let words: Vec<u64> = (0..12).map(|_| rng.below(20_000) as u64).collect();
        for _ in 0..1 + rng.below(3) {
            let published = day + Duration::days(1 + rng.below(10) as i64);
            let r = reports.len();
            reports.push(ReportInfo {
                id: format!("r{r}"),
                outlet: Some(format!("outlet {}", rng.below(40))),
                url: None,
                published: Some(published),
                duplicate_of: None,
                tokens: words.clone(),
            });
            for k in 0..1 + rng.below(3) {
                let event_type = if k == 0 {
                    ty
                } else {
                    EventType::ALL[rng.below(15)]
                };
                let (window, date_kind, d) = match rng.below(5) {
                    0..=2 => (
                        Some((day - Duration::days(2), day + Duration::days(2))),
                        DateKind::Precise,
                        Some(day),
                    ),
                    3 => (
                        Some((day - Duration::days(9), day + Duration::days(9))),
                        DateKind::Month,
                        None,
                    ),
                    _ => (
                        Some((
                            published - Duration::days(30),
                            published + Duration::days(1),
                        )),
                        DateKind::Fallback,
                        None,
                    ),
                };
                let noise = rng.below(20_000) as u64;
                let mut tokens: Vec<u64> = (0..8)
                    .map(|_| words[rng.below(12)])
                    .chain([noise])
                    .collect();
                tokens.sort_unstable();
                tokens.dedup();
                events.push(EventItem {
                    key: format!("r{r}#{k}"),
                    report: r,
                    event_type,
                    places: vec![place],
                    window,
                    date_kind,
                    day: d,
                    actors: 1 << rng.below(10),
                    tokens,
                    quantities: vec![],
                });
            }
        }
    }
    (reports, events)
}

#[test]
#[ignore]
fn grouping_is_near_linear() {
    // Two regimes: the same eleven years for both sizes (1M events are ten times as
    // dense per place and fortnight, so more pairs are real candidates), and a time span
    // growing with the corpus (constant density).
    let mut rows = Vec::new();
    for (n, years) in [(100_000usize, 11), (1_000_000, 11), (1_000_000, 110)] {
        let (reports, events) = corpus(n, 7, years);
        let t = Instant::now();
        let cpu0 = thread_cpu_seconds();
        let g = group_incidents(&reports, &events, &Pins::default(), &GroupParams::default());
        let wall = t.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
        let secs = cpu.unwrap_or(wall);
        let multi = g.incidents.iter().filter(|i| i.reports.len() > 1).count();
        eprintln!(
            "{} events over {years} years, {} reports: {:.2} s CPU ({:.2} s wall), {} candidate pairs, {} incidents ({} with several reports)",
            events.len(),
            reports.len(),
            secs,
            wall,
            g.candidates,
            g.incidents.len(),
            multi
        );
        rows.push((events.len() as f64, secs));
    }
    let growth = |k: usize| (rows[k].1 / rows[0].1) / (rows[k].0 / rows[0].0);
    eprintln!(
        "CPU time ratio / size ratio (1.0 = linear): {:.2} at the same span, {:.2} at the same density",
        growth(1),
        growth(2)
    );
    assert!(
        growth(1) < 3.0,
        "grouping grows much faster than linear: {:.2}",
        growth(1)
    );
    assert!(
        growth(2) < 2.0,
        "grouping grows faster than linear: {:.2}",
        growth(2)
    );
}

#[test]
fn small_synthetic_corpus_groups_its_reports() {
    let (reports, events) = corpus(2_000, 3, 11);
    let g = group_incidents(&reports, &events, &Pins::default(), &GroupParams::default());
    let mut seen = vec![0usize; events.len()];
    for inc in &g.incidents {
        for &e in &inc.events {
            seen[e] += 1;
        }
    }
    assert!(
        seen.iter().all(|&c| c == 1),
        "every event in exactly one incident"
    );
    assert!(g.incidents.iter().any(|i| i.reports.len() > 1));
}

/// Near-duplicate detection at 20k and 200k synthetic bodies (one in five a light copy
/// of an earlier one): LSH keeps the comparisons near-linear.
#[test]
#[ignore]
fn near_duplicates_are_near_linear() {
    use lantern_incidents::{near_duplicates_of, DocInfo, DupParams, Signature};
    let mut rows = Vec::new();
    for n in [20_000usize, 200_000] {
        let mut rng = Rng(11);
        let mut bodies: Vec<String> = Vec::with_capacity(n);
        for i in 0..n {
            if i > 0 && rng.below(5) == 0 {
                let mut copy = bodies[rng.below(i)].clone();
                copy.push_str(" read in korean");
                bodies.push(copy);
            } else {
                let words: Vec<String> = (0..120)
                    .map(|_| format!("w{}", rng.below(30_000)))
                    .collect();
                bodies.push(words.join(" "));
            }
        }
        let t = Instant::now();
        let cpu0 = thread_cpu_seconds();
        let docs: Vec<DocInfo> = bodies
            .iter()
            .map(|b| DocInfo {
                signature: Signature::of(b, false),
                published: None,
                captured_at: String::new(),
            })
            .collect();
        let sig_cpu = thread_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
        let links = near_duplicates_of(&docs, &DupParams::default());
        let wall = t.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds()
            .zip(cpu0)
            .map(|(b, a)| b - a)
            .unwrap_or(wall);
        eprintln!(
            "{n} reports: {cpu:.2} s CPU ({:.2} s signatures), {wall:.2} s wall, {} copies linked",
            sig_cpu.unwrap_or(0.0),
            links.len()
        );
        rows.push((n as f64, cpu));
    }
    let growth = (rows[1].1 / rows[0].1) / (rows[1].0 / rows[0].0);
    eprintln!("CPU time ratio / size ratio: {growth:.2} (1.0 = linear)");
    assert!(
        growth < 2.0,
        "near-duplicate detection grows faster than linear: {growth:.2}"
    );
}
