//! Small hand-made cases through the real pipeline: look-alikes stay apart, copies are
//! collapsed, disagreements are flagged, odd input does not panic.

use lantern_incidents::{analyse, group_incidents, Analysis, GroupParams, Pins, ReportInfo};
use lantern_ingest::Report;

fn report(title: &str, outlet: &str, published: &str, body: &str) -> Report {
    let text = format!(
        "---\ntitle: {title}\noutlet: {outlet}\nurl: https://example.org/{}\npublished: {published}\n---\n\n{body}\n",
        title.replace(' ', "-")
    );
    lantern_ingest::parse_file(text.as_bytes(), "case.txt", "2024-06-01T00:00:00Z")
        .expect("parse")
        .remove(0)
        .expect("report")
}

fn run(reports: &[Report]) -> Analysis {
    let events: Vec<_> = reports.iter().map(lantern_extract::extract).collect();
    let inputs: Vec<_> = reports
        .iter()
        .zip(&events)
        .map(|(r, e)| (r, e.as_slice()))
        .collect();
    analyse(&inputs, &Pins::default())
}

/// Do reports `i` and `j` share an incident?
fn together(a: &Analysis, i: usize, j: usize) -> bool {
    a.grouping.incidents.iter().any(|inc| {
        let all: Vec<usize> = inc.reports.iter().chain(&inc.duplicates).copied().collect();
        all.contains(&i) && all.contains(&j)
    })
}

const ARREST_A: &str = "State security agents in Musan County arrested five men on April 4 for \
    smuggling copper wire across the Tumen River, a source in North Hamgyong Province said. \
    The five were caught on the riverbank at night with about 200 kilograms of wire.";
const ARREST_B: &str = "Five men were detained by the Ministry of State Security in Musan on \
    April 4 as they tried to smuggle copper to Chinese buyers, according to a resident of the \
    county. Agents seized about 200 kilograms of copper wire.";

#[test]
fn cross_outlet_reports_group_and_count_outlets() {
    let a = run(&[
        report(
            "Copper smugglers held in Musan",
            "Outlet One",
            "2022-04-08",
            ARREST_A,
        ),
        report("Musan copper arrests", "Outlet Two", "2022-04-09", ARREST_B),
    ]);
    assert!(together(&a, 0, 1), "{:#?}", a.grouping.incidents);
    let inc = a
        .grouping
        .incidents
        .iter()
        .find(|i| i.reports.len() == 2)
        .expect("incident");
    assert_eq!(inc.corroboration, 2);
    assert_eq!(inc.outlets, ["outlet one", "outlet two"]);
}

#[test]
fn same_place_another_month_and_same_month_another_county_stay_apart() {
    let later = ARREST_B.replace("April 4", "August 19");
    let elsewhere = ARREST_B.replace("Musan", "Onsong");
    let a = run(&[
        report(
            "Copper smugglers held in Musan",
            "Outlet One",
            "2022-04-08",
            ARREST_A,
        ),
        report(
            "Musan copper arrests again",
            "Outlet Two",
            "2022-08-23",
            &later,
        ),
        report(
            "Onsong copper arrests",
            "Outlet Two",
            "2022-04-09",
            &elsewhere,
        ),
    ]);
    assert!(
        !together(&a, 0, 1),
        "another month: {:#?}",
        a.grouping.incidents
    );
    assert!(
        !together(&a, 0, 2),
        "another county: {:#?}",
        a.grouping.incidents
    );
}

#[test]
fn copies_are_not_counted_twice() {
    let copy = format!("{ARREST_A}\n\nRead in Korean");
    let a = run(&[
        report(
            "Copper smugglers held in Musan",
            "Outlet One",
            "2022-04-08",
            ARREST_A,
        ),
        report("Musan: five held", "Syndicator", "2022-04-10", &copy),
        report("Musan copper arrests", "Outlet Two", "2022-04-09", ARREST_B),
    ]);
    assert_eq!(a.duplicates.len(), 1);
    assert_eq!(
        (a.duplicates[0].duplicate, a.duplicates[0].original),
        (1, 0)
    );
    let inc = a
        .grouping
        .incidents
        .iter()
        .find(|i| i.reports.contains(&0))
        .expect("incident");
    assert_eq!(inc.duplicates, [1]);
    assert!(!inc.reports.contains(&1));
    assert_eq!(inc.corroboration, 2, "the syndicated copy adds no outlet");
}

#[test]
fn differing_numbers_and_days_are_flagged() {
    let b = ARREST_B
        .replace("Five men", "Seven men")
        .replace("April 4", "April 2");
    let a = run(&[
        report(
            "Copper smugglers held in Musan",
            "Outlet One",
            "2022-04-08",
            ARREST_A,
        ),
        report("Musan copper arrests", "Outlet Two", "2022-04-09", &b),
    ]);
    let inc = a
        .grouping
        .incidents
        .iter()
        .find(|i| i.reports.len() == 2)
        .expect("incident");
    let fields: Vec<&str> = inc.disagreements.iter().map(|d| d.field.as_str()).collect();
    assert!(fields.contains(&"date"), "{:#?}", inc.disagreements);
    assert!(fields.contains(&"quantity"), "{:#?}", inc.disagreements);
}

#[test]
fn odd_input_does_not_panic() {
    let a = run(&[
        report("Nothing", "X", "2022-04-08", "No events here at all."),
        report("공백", "Y", "2022-04-08", "。 ！ ？"),
    ]);
    assert!(a.duplicates.is_empty());
    // Events pointing at reports that do not exist are skipped, not a panic.
    let events = run(&[report("Copper", "X", "2022-04-08", ARREST_A)]).events;
    let g = group_incidents(&[], &events, &Pins::default(), &GroupParams::default());
    assert!(g.incidents.is_empty());
    let g = group_incidents(
        &[ReportInfo {
            id: "x".into(),
            outlet: None,
            url: None,
            published: None,
            duplicate_of: None,
            tokens: vec![],
        }],
        &[],
        &Pins::default(),
        &GroupParams::default(),
    );
    assert!(g.incidents.is_empty());
}

/// The shared development reports (read in place, if present): the whole pipeline runs
/// on real formats (HTML, no front matter, Korean) without a panic, and every event
/// of a report that is not a copy lands in exactly one incident.
#[test]
fn dev_reports_run_through() {
    let dir = std::path::Path::new("/work/shared/eval/dev");
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut reports = Vec::new();
    for p in paths {
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        if let Ok(rs) =
            lantern_ingest::parse_file(&bytes, &p.to_string_lossy(), "2024-06-01T00:00:00Z")
        {
            reports.extend(rs.into_iter().flatten());
        }
    }
    let a = run(&reports);
    let mut seen = vec![0usize; a.events.len()];
    for inc in &a.grouping.incidents {
        for &e in &inc.events {
            seen[e] += 1;
        }
    }
    for (e, &c) in a.events.iter().zip(&seen) {
        let copy = a.reports[e.report].duplicate_of.is_some();
        assert_eq!(c, usize::from(!copy), "event {}", e.key);
    }
}
