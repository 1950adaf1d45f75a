//! Query latencies of a store for `scripts/scale`, measured at the store (no HTTP, no
//! server cache), warm: each query runs once untimed, then `REPS` times timed.
//!
//! `cargo run --release -p lantern-cli --example scale_queries -- SPEC [REPS]`
//!
//! Prints `key value` lines: `store.reports`, `store.events`, `search.<name>.p50_ms`, `search.<name>.p99_ms`,
//! `search.<name>.hits`, `bounded.<name>.p50_ms` and `.p99_ms` (the same query as the web
//! app asks it: [`Store::search_bounded`] ranking at most 10,000 candidates, plus the
//! total), `facet.p50_ms`, `facet.p99_ms`, `facet.combos`. With `LANTERN_SCALE_SEARCH_ONLY=1`
//! the faceted grid is left out; with `LANTERN_SCALE_FACETS_ONLY=1` the text queries;
//! with `LANTERN_SCALE_CAPPED_ONLY=1` only the `capped.*` lines of the text queries.

use std::time::Instant;

use chrono::NaiveDate;
use lantern_store::{EventFilter, Facet, Store};

/// Typical queries: a common English word, a phrase, a two-syllable Korean word that also
/// occurs inside longer forms (국경 in 국경경비대; `lantern gen` writes place names in
/// Latin letters, so 혜산 itself never occurs in its corpora), a place.
const QUERIES: &[(&str, &str)] = &[
    ("word", "river"),
    ("phrase", "\"labor training camp\""),
    ("korean", "국경"),
    ("place", "Hoeryong"),
];

/// Months for the type x province x month grid.
const MONTHS: &[(i32, u32)] = &[(2016, 3), (2018, 7), (2021, 11), (2024, 5)];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn report(key: &str, mut samples: Vec<f64>) {
    samples.sort_by(|a, b| a.total_cmp(b));
    println!("{key}.p50_ms {:.2}", percentile(&samples, 0.5));
    println!("{key}.p99_ms {:.2}", percentile(&samples, 0.99));
}

/// What the search page asks of the store for one filter: a page of events, the total,
/// and the counts of every facet. `parts` gets the milliseconds of each piece, in order:
/// the page, the total, then each facet of [`Facet::ALL`].
fn faceted(
    store: &dyn Store,
    filter: &EventFilter,
    parts: &mut Vec<f64>,
) -> lantern_store::Result<u64> {
    parts.clear();
    let page = EventFilter {
        limit: Some(25),
        ..filter.clone()
    };
    let t = Instant::now();
    store.events(&page)?;
    parts.push(ms(t));
    let t = Instant::now();
    let total = store.count_events(filter)?;
    parts.push(ms(t));
    for f in Facet::ALL {
        let t = Instant::now();
        store.facet_counts(filter, f, 20)?;
        parts.push(ms(t));
    }
    Ok(total)
}

/// What the web app and the API ask since branch p1m: the bounded ranking and the
/// matches counted up to 10,000 (past it: "more than", an estimate).
fn capped(store: &dyn Store, name: &str, q: &str, reps: usize) -> lantern_store::Result<()> {
    let mut samples = Vec::with_capacity(reps);
    let mut count = lantern_store::SearchCount::exact(0);
    let mut ranked_among = None;
    // One untimed run first (warm), as the other lines.
    store.search_bounded(q, 20, 0, 10_000)?;
    store.count_search_upto(q, 10_000)?;
    for _ in 0..reps {
        let t = Instant::now();
        ranked_among = store.search_bounded(q, 20, 0, 10_000)?.ranked_among;
        count = store.count_search_upto(q, 10_000)?;
        samples.push(ms(t));
    }
    println!(
        "capped.{name}.count {} exact {} estimate {} ranked_among {}",
        count.count,
        count.exact,
        count.estimate.map_or("-".to_string(), |e| e.to_string()),
        ranked_among.map_or("all".to_string(), |m| m.to_string())
    );
    report(&format!("capped.{name}"), samples);
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(spec) = args.next() else {
        eprintln!("usage: scale_queries SPEC [REPS]");
        std::process::exit(2);
    };
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(50);
    let store = match lantern_store::open(&spec) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let run = || -> lantern_store::Result<()> {
        println!("store.reports {}", store.count_reports()?);
        println!(
            "store.events {}",
            store.count_events(&EventFilter::default())?
        );
        // `LANTERN_SCALE_FACETS_ONLY=1`: the faceted grid alone.
        let queries: &[(&str, &str)] = if std::env::var_os("LANTERN_SCALE_FACETS_ONLY").is_some() {
            &[]
        } else {
            QUERIES
        };
        // `LANTERN_SCALE_CAPPED_ONLY=1`: only the app path (`capped.*`), no exact counts.
        let capped_only = std::env::var_os("LANTERN_SCALE_CAPPED_ONLY").is_some();
        for (name, q) in queries {
            if capped_only {
                capped(store.as_ref(), name, q, reps)?;
                continue;
            }
            // What a results page needs: the first 20 hits and the total.
            let hits = store.count_search(q)?;
            store.search(q, 20, 0)?;
            let mut samples = Vec::with_capacity(reps);
            for _ in 0..reps {
                let t = Instant::now();
                store.search(q, 20, 0)?;
                store.count_search(q)?;
                samples.push(ms(t));
            }
            println!("search.{name}.hits {hits}");
            report(&format!("search.{name}"), samples);
            // The web app's page and API: bounded ranking for broad queries.
            store.search_bounded(q, 20, 0, 10_000)?;
            let mut samples = Vec::with_capacity(reps);
            for _ in 0..reps {
                let t = Instant::now();
                store.search_bounded(q, 20, 0, 10_000)?;
                store.count_search(q)?;
                samples.push(ms(t));
            }
            report(&format!("bounded.{name}"), samples);
            capped(store.as_ref(), name, q, reps)?;
        }
        if std::env::var_os("LANTERN_SCALE_SEARCH_ONLY").is_some() {
            return Ok(());
        }
        // The grid: the most frequent types and provinces, four months across the decade.
        let all = EventFilter::default();
        let types = store.facet_counts(&all, Facet::EventType, 4)?;
        let provinces = store.facet_counts(&all, Facet::Province, 3)?;
        let mut filters = Vec::new();
        for t in &types {
            for p in &provinces {
                for &(y, m) in MONTHS {
                    let from = NaiveDate::from_ymd_opt(y, m, 1);
                    let to = from
                        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                        .and_then(|d| d.pred_opt());
                    filters.push(EventFilter {
                        event_type: lantern_extract::EventType::parse(&t.value),
                        province: Some(p.value.clone()),
                        from,
                        to,
                        ..Default::default()
                    });
                }
            }
        }
        let mut samples = Vec::new();
        let mut part_names = vec!["page".to_string(), "total".to_string()];
        part_names.extend(Facet::ALL.iter().map(|f| format!("{f:?}").to_lowercase()));
        let mut part_samples = vec![Vec::new(); part_names.len()];
        let mut parts = Vec::new();
        let mut matched = 0;
        for round in 0..2 {
            for f in &filters {
                let t = Instant::now();
                let n = faceted(store.as_ref(), f, &mut parts)?;
                // The first round warms the caches of the database.
                if round == 1 {
                    samples.push(ms(t));
                    matched += n;
                    for (acc, v) in part_samples.iter_mut().zip(&parts) {
                        acc.push(*v);
                    }
                }
            }
        }
        // The same, with the facets of one filter counted together
        // (`Store::facet_counts_many`, as the search page asks them since branch p1m).
        let mut many = Vec::new();
        for round in 0..2 {
            for f in &filters {
                let t = Instant::now();
                store.events(&EventFilter {
                    limit: Some(25),
                    ..f.clone()
                })?;
                store.count_events(f)?;
                store.facet_counts_many(f, &Facet::ALL, 20)?;
                if round == 1 {
                    many.push(ms(t));
                }
            }
        }
        report("facet.many", many);
        println!("facet.combos {}", filters.len());
        println!("facet.events_matched {matched}");
        report("facet", samples);
        // Which piece of the faceted query the time goes to.
        for (name, v) in part_names.iter().zip(part_samples) {
            report(&format!("facet.part.{name}"), v);
        }
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
