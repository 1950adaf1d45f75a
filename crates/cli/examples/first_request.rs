//! The store calls of one search page's first request (no cache), timed piece by piece:
//! the report count of the text, the event total, the page of events, the six facets and
//! the ranked report hits, as `search::run` makes them.
//!
//! `first_request DATA 'q=river' 'type=arrest&province=North Hamgyong&from=2018-07-01&to=2018-07-31' ...`
//! (values are not URL-decoded; DATA is a SQLite file or a `postgres://` URL, as
//! `--database`). Each query runs on a freshly opened store; prints one
//! line per query: milliseconds per piece and in all.

use std::time::Instant;

use lantern_serve::filter::{Params, PAGE_SIZE};
use lantern_serve::search::{BROAD_TEXT_REPORTS, COUNT_CAP, RANK_CANDIDATES};
use lantern_store::{EventFilter, Facet, SearchCount};

fn params(s: &str) -> Params {
    let mut p = Params::default();
    for kv in s.split('&') {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let v = Some(v.to_string());
        match k {
            "q" => p.q = v,
            "type" => p.event_type = v,
            "province" => p.province = v,
            "place" => p.place = v,
            "actor" => p.actor = v,
            "outlet" => p.outlet = v,
            "from" => p.from = v,
            "to" => p.to = v,
            "status" => p.status = v,
            _ => eprintln!("first_request: ignoring '{k}'"),
        }
    }
    p
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((data, queries)) = args.split_first() else {
        eprintln!("usage: first_request DATA QUERY...");
        std::process::exit(2);
    };
    for q in queries {
        let store = lantern_store::open(data)?;
        let p = params(q);
        let filter = p.filter().map_err(|e| format!("{q}: {e:?}"))?;
        let mut parts: Vec<(String, f64)> = Vec::new();
        let t_all = Instant::now();
        let mut t = Instant::now();
        let mut lap = |name: &str, t: &mut Instant| {
            parts.push((name.to_string(), t.elapsed().as_secs_f64() * 1000.0));
            *t = Instant::now();
        };
        let hit_total = match &filter.text {
            Some(text) => store.count_search_upto(text, COUNT_CAP)?,
            None => SearchCount::exact(0),
        };
        lap("hits", &mut t);
        let broad = filter.text.is_some() && hit_total.more_than(BROAD_TEXT_REPORTS);
        if !broad {
            store.count_events(&filter)?;
        }
        lap("total", &mut t);
        let page = store.events(&EventFilter {
            limit: Some(PAGE_SIZE),
            ..filter.clone()
        })?;
        lap("page", &mut t);
        // As the page asks them: facets under equal filters together.
        let mut groups: Vec<(EventFilter, Vec<Facet>)> = Vec::new();
        for f in Facet::ALL {
            let mut without = p.with(Params::facet_key(f), None);
            if broad {
                without = without.with("q", None);
            }
            let wf = without.filter().map_err(|e| format!("{q}: {e:?}"))?;
            match groups.iter_mut().find(|(g, _)| *g == wf) {
                Some((_, fs)) => fs.push(f),
                None => groups.push((wf, vec![f])),
            }
        }
        for (wf, fs) in &groups {
            store.facet_counts_many(wf, fs, 12)?;
            let names: Vec<String> = fs.iter().map(|f| format!("{f:?}").to_lowercase()).collect();
            lap(&names.join("+"), &mut t);
        }
        if let Some(text) = &filter.text {
            store.search_bounded(text, 10, 0, RANK_CANDIDATES)?;
        }
        lap("ranked", &mut t);
        let all = t_all.elapsed().as_secs_f64() * 1000.0;
        let detail: Vec<String> = parts.iter().map(|(n, ms)| format!("{n} {ms:.1}")).collect();
        println!(
            "{q} | all {all:.1} ms | hits {}{} events_on_page {} | {}",
            if hit_total.exact { "" } else { "more than " },
            hit_total.count,
            page.len(),
            detail.join(", ")
        );
    }
    Ok(())
}
