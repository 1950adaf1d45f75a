//! Evaluation on the labelled fixtures (`tests/fixtures/`: reports written for this
//! test, `labels.tsv` mapping each to its incident and, for a copy, its original).
//! Runs the real pipeline: ingest -> extract -> near-duplicates -> incidents, and
//! scores pairwise precision and recall of report grouping and of copy detection.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use lantern_incidents::{analyse, Analysis, Pins};
use lantern_ingest::Report;

struct Labelled {
    names: Vec<String>,
    incident: Vec<String>,
    original: Vec<Option<String>>,
    reports: Vec<Report>,
    events: Vec<Vec<lantern_extract::Event>>,
}

fn load() -> Labelled {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let labels = std::fs::read_to_string(dir.join("labels.tsv")).expect("labels.tsv");
    let mut l = Labelled {
        names: vec![],
        incident: vec![],
        original: vec![],
        reports: vec![],
        events: vec![],
    };
    for line in labels
        .lines()
        .filter(|s| !s.starts_with('#') && !s.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "labels.tsv: bad line {line:?}");
        let path = dir.join("reports").join(format!("{}.txt", cols[0]));
        let bytes = std::fs::read(&path).expect("fixture file");
        let mut parsed =
            lantern_ingest::parse_file(&bytes, &path.to_string_lossy(), "2024-06-01T00:00:00Z")
                .expect("parse");
        assert_eq!(parsed.len(), 1);
        let report = parsed.remove(0).expect("report");
        l.events.push(lantern_extract::extract(&report));
        l.reports.push(report);
        l.names.push(cols[0].to_string());
        l.incident.push(cols[1].to_string());
        l.original
            .push((cols[2] != "-").then(|| cols[2].to_string()));
    }
    l
}

fn run(l: &Labelled, pins: &Pins) -> Analysis {
    let inputs: Vec<(&Report, &[lantern_extract::Event])> = l
        .reports
        .iter()
        .zip(&l.events)
        .map(|(r, e)| (r, e.as_slice()))
        .collect();
    analyse(&inputs, pins)
}

fn prf(pred: &BTreeSet<(usize, usize)>, gold: &BTreeSet<(usize, usize)>) -> (f64, f64) {
    let tp = pred.intersection(gold).count() as f64;
    let p = if pred.is_empty() {
        1.0
    } else {
        tp / pred.len() as f64
    };
    let r = if gold.is_empty() {
        1.0
    } else {
        tp / gold.len() as f64
    };
    (p, r)
}

/// Report pairs that share an incident (a copy shares its original's incidents).
fn predicted_pairs(a: &Analysis) -> BTreeSet<(usize, usize)> {
    let mut pairs = BTreeSet::new();
    for inc in &a.grouping.incidents {
        let mut all: Vec<usize> = inc.reports.iter().chain(&inc.duplicates).copied().collect();
        all.sort_unstable();
        all.dedup();
        for (x, &i) in all.iter().enumerate() {
            for &j in &all[x + 1..] {
                pairs.insert((i, j));
            }
        }
    }
    pairs
}

fn gold_pairs(groups: &[String]) -> BTreeSet<(usize, usize)> {
    let mut pairs = BTreeSet::new();
    for i in 0..groups.len() {
        for j in i + 1..groups.len() {
            if groups[i] == groups[j] {
                pairs.insert((i, j));
            }
        }
    }
    pairs
}

#[test]
fn labelled_set_is_large_enough() {
    let l = load();
    let incidents: BTreeSet<&String> = l.incident.iter().collect();
    assert!(l.reports.len() >= 60, "{} reports", l.reports.len());
    assert!(incidents.len() >= 20, "{} incidents", incidents.len());
    let korean = l
        .reports
        .iter()
        .filter(|r| r.language == lantern_ingest::Language::Ko)
        .count();
    assert!(korean >= 5, "{korean} Korean reports");
}

#[test]
fn grouping_and_duplicates_score_at_least_0_9() {
    let l = load();
    let a = run(&l, &Pins::default());
    let name = |i: usize| l.names[i].as_str();

    // Near-duplicates: pairs within the same group of copies (original + its copies).
    let dup_group: Vec<String> = (0..l.names.len())
        .map(|i| l.original[i].clone().unwrap_or_else(|| l.names[i].clone()))
        .collect();
    let gold_dup = gold_pairs(&dup_group);
    let mut dup_group_pred: Vec<usize> = (0..l.names.len()).collect();
    for link in &a.duplicates {
        dup_group_pred[link.duplicate] = link.original;
    }
    let pred_dup = gold_pairs(
        &dup_group_pred
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>(),
    );
    let (dp, dr) = prf(&pred_dup, &gold_dup);
    let mut originals_right = 0;
    for link in &a.duplicates {
        let want = l.original[link.duplicate].as_deref();
        if want == Some(name(link.original)) {
            originals_right += 1;
        } else {
            eprintln!(
                "copy link {} -> {} (labelled original {:?}, sim {:.2})",
                name(link.duplicate),
                name(link.original),
                want,
                link.similarity
            );
        }
    }
    let sims: Vec<f32> = a.duplicates.iter().map(|d| d.similarity).collect();
    eprintln!(
        "near-duplicates: {} links, {} with the labelled original; pairwise P {dp:.3} R {dr:.3}; min copy similarity {:.2}",
        a.duplicates.len(),
        originals_right,
        sims.iter().copied().fold(1.0f32, f32::min)
    );
    // Highest similarity between reports that are not copies of one another.
    let sigs: Vec<_> = l
        .reports
        .iter()
        .map(lantern_incidents::DocInfo::of)
        .collect();
    let mut worst = (0.0f32, 0, 0);
    for i in 0..sigs.len() {
        for j in i + 1..sigs.len() {
            if dup_group[i] != dup_group[j] {
                let s = sigs[i].signature.similarity(&sigs[j].signature);
                if s > worst.0 {
                    worst = (s, i, j);
                }
            }
        }
    }
    eprintln!(
        "highest similarity of two different stories: {:.2} ({} / {})",
        worst.0,
        name(worst.1),
        name(worst.2)
    );

    // Incidents.
    let gold = gold_pairs(&l.incident);
    let pred = predicted_pairs(&a);
    let (p, r) = prf(&pred, &gold);
    for &(i, j) in pred.difference(&gold) {
        eprintln!("false pair: {} + {}", name(i), name(j));
    }
    for &(i, j) in gold.difference(&pred) {
        eprintln!("missed pair: {} + {}", name(i), name(j));
    }
    let mut by_incident: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for inc in &a.grouping.incidents {
        if inc.reports.len() + inc.duplicates.len() > 1 {
            let mut v: Vec<&str> = inc
                .reports
                .iter()
                .chain(&inc.duplicates)
                .map(|&i| name(i))
                .collect();
            v.sort();
            by_incident.insert(
                format!(
                    "{} ({} outlets, {:?})",
                    inc.id,
                    inc.corroboration,
                    inc.disagreements
                        .iter()
                        .map(|d| d.field.as_str())
                        .collect::<Vec<_>>()
                ),
                v,
            );
        }
    }
    for (k, v) in &by_incident {
        eprintln!("{k}: {}", v.join(" "));
    }
    eprintln!(
        "incidents: {} ({} with several reports); report pairs: gold {}, predicted {}; pairwise P {p:.3} R {r:.3}",
        a.grouping.incidents.len(),
        by_incident.len(),
        gold.len(),
        pred.len()
    );
    assert!(
        dp >= 0.9 && dr >= 0.9,
        "near-duplicates P {dp:.3} R {dr:.3}"
    );
    assert!(p >= 0.9 && r >= 0.9, "incidents P {p:.3} R {r:.3}");
}

/// Event key -> incident id.
fn home_of(a: &Analysis) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for inc in &a.grouping.incidents {
        for &e in &inc.events {
            m.insert(a.events[e].key.clone(), inc.id.clone());
        }
    }
    m
}

#[test]
fn pins_are_honoured() {
    let l = load();
    let a = run(&l, &Pins::default());
    // Pick the largest multi-report incident and split two of its reports apart.
    let inc = a
        .grouping
        .incidents
        .iter()
        .max_by_key(|i| i.reports.len())
        .expect("an incident");
    assert!(inc.reports.len() >= 2);
    let first = inc
        .events
        .iter()
        .find(|&&e| a.events[e].report == inc.reports[0]);
    let second = inc
        .events
        .iter()
        .find(|&&e| a.events[e].report == inc.reports[1]);
    let (x, y) = (
        a.events[*first.unwrap()].key.clone(),
        a.events[*second.unwrap()].key.clone(),
    );
    let pins = Pins {
        merges: vec![],
        splits: vec![(x.clone(), y.clone())],
    };
    let b = run(&l, &pins);
    let home = home_of(&b);
    assert_ne!(home[&x], home[&y], "split not honoured");

    // Merge two events of different, unrelated incidents.
    let incs = &a.grouping.incidents;
    let (p, q) = (&incs[0], &incs[incs.len() - 1]);
    let (kp, kq) = (
        a.events[p.events[0]].key.clone(),
        a.events[q.events[0]].key.clone(),
    );
    let pins = Pins {
        merges: vec![(kp.clone(), kq.clone())],
        splits: vec![(kp.clone(), kq.clone()), ("nope#1".into(), kp.clone())],
    };
    let c = run(&l, &pins);
    let home = home_of(&c);
    assert_eq!(home[&kp], home[&kq], "merge not honoured");
    assert_eq!(c.grouping.pin_conflicts, vec![(kp, kq)]);
    assert_eq!(c.grouping.unknown_pins, vec!["nope#1".to_string()]);
}

/// Extraction noise: drop a fifth of the events, drop the date of another fifth, and
/// add an event of a random type to a fifth of the reports (fixed seeds). The grouping
/// must degrade gracefully, not collapse.
#[test]
fn grouping_survives_extraction_noise() {
    let clean = load();
    let gold = gold_pairs(&clean.incident);
    let mut worst = (1.0f64, 1.0f64);
    for seed in 1..=5u64 {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut roll = |n: u64| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) % n
        };
        let mut l = load();
        for evs in &mut l.events {
            let mut kept = Vec::new();
            for mut e in evs.drain(..) {
                match roll(5) {
                    0 => continue,
                    1 => e.date = None,
                    _ => {}
                }
                kept.push(e);
            }
            if roll(5) == 0 && !kept.is_empty() {
                let mut extra = kept[roll(kept.len() as u64) as usize].clone();
                extra.event_type = lantern_extract::EventType::ALL[roll(15) as usize];
                extra.evidence.clear();
                kept.push(extra);
            }
            *evs = kept;
        }
        let a = run(&l, &Pins::default());
        let (p, r) = prf(&predicted_pairs(&a), &gold);
        eprintln!("noise seed {seed}: P {p:.3} R {r:.3}");
        worst = (worst.0.min(p), worst.1.min(r));
    }
    eprintln!("worst under noise: P {:.3} R {:.3}", worst.0, worst.1);
    assert!(
        worst.0 >= 0.8 && worst.1 >= 0.8,
        "noise: P {:.3} R {:.3}",
        worst.0,
        worst.1
    );
}
