//! Full-text search: ranking, snippets, Korean substrings, diacritics, hostile queries.

mod common;

use chrono::NaiveDate;
use common::*;
use lantern_extract::EventType;
use lantern_store::{EventFilter, SearchCount};

/// One store per backend holding `docs`, with the report ids in order.
fn stores_with(docs: &[(&str, &str)]) -> Vec<(TestStore, Vec<String>)> {
    stores().into_iter().map(|s| store_with(s, docs)).collect()
}

fn store_with(store: TestStore, docs: &[(&str, &str)]) -> (TestStore, Vec<String>) {
    let docs: Vec<(String, String)> = docs
        .iter()
        .map(|(t, b)| (t.to_string(), b.to_string()))
        .collect();
    store_in_batches(store, &docs, &[docs.len()])
}

/// [`stores_with`], one report per batch: stored in the order of `docs` (one batch is
/// stored in key order on PostgreSQL).
/// For three filters (none, arrests, the dates `range`), the ids of the events of the
/// reports matching `word` (which `n` reports match), in listing order: what a listing
/// with `word` as its text filter must give.
fn events_of_matching_reports(
    store: &TestStore,
    word: &str,
    n: usize,
    range: (Option<NaiveDate>, Option<NaiveDate>),
) -> Vec<(EventFilter, Vec<i64>)> {
    let matching: std::collections::HashSet<String> = store
        .search(word, 3000, 0)
        .unwrap()
        .into_iter()
        .map(|h| h.report_id)
        .collect();
    assert_eq!(matching.len(), n);
    let filters = [
        EventFilter::default(),
        EventFilter {
            event_type: Some(EventType::Arrest),
            ..EventFilter::default()
        },
        EventFilter {
            from: range.0,
            to: range.1,
            ..EventFilter::default()
        },
    ];
    filters
        .into_iter()
        .map(|base| {
            let expected: Vec<i64> = store
                .events(&base)
                .unwrap()
                .into_iter()
                .filter(|e| matching.contains(&e.report_id))
                .map(|e| e.id)
                .collect();
            assert!(expected.len() > 300, "{base:?}");
            (base, expected)
        })
        .collect()
}

fn stores_in_order(docs: &[(&str, &str)]) -> Vec<TestStore> {
    stores()
        .into_iter()
        .map(|mut store| {
            for (i, (title, body)) in docs.iter().enumerate() {
                let file = file_input(
                    text_file(title, "2024-05-01", body),
                    &format!("doc-{i}.txt"),
                    vec![],
                );
                store.ingest_batch(&[file]).unwrap();
            }
            store
        })
        .collect()
}

#[test]
fn english_ranked_hits_with_snippets() {
    for (store, ids) in stores_with(&[
        (
            "Smuggling arrests",
            "Police arrested two smugglers near the river. The smugglers carried \
             copper wire and smuggling goods; smuggling has grown since spring.",
        ),
        (
            "Market prices",
            "Prices of rice rose at the market. One trader mentioned smuggling once.",
        ),
        ("Weather", "Heavy rain fell across the province for a week."),
    ]) {
        let hits = store.search("smuggling", 10, 0).unwrap();
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].report_id, ids[0], "more matches rank first");
        assert!(hits[0].score > hits[1].score);
        assert!(
            hits[0].snippet.contains("«smuggling»"),
            "{}",
            hits[0].snippet
        );
        assert_eq!(hits[0].title.as_deref(), Some("Smuggling arrests"));
        assert!(
            hits[1].snippet.contains("«smuggling»"),
            "{}",
            hits[1].snippet
        );
        assert_eq!(store.count_search("smuggling").unwrap(), 2);
        // Paging.
        assert_eq!(
            store.search("smuggling", 1, 1).unwrap()[0].report_id,
            ids[1]
        );
        // Several words: all must occur.
        let hits = store.search("rice market", 10, 0).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].report_id, ids[1]);
        // Phrase, OR, exclusion, prefix.
        assert_eq!(store.search("\"heavy rain\"", 10, 0).unwrap().len(), 1);
        assert_eq!(store.search("\"rain heavy\"", 10, 0).unwrap().len(), 0);
        assert_eq!(store.search("rain OR rice", 10, 0).unwrap().len(), 2);
        assert_eq!(store.search("smuggling -rice", 10, 0).unwrap().len(), 1);
        assert_eq!(store.search("smugg*", 10, 0).unwrap().len(), 2);
        // Title is searched too.
        assert_eq!(store.search("weather", 10, 0).unwrap()[0].report_id, ids[2]);
    }
}

#[test]
fn korean_words_inside_longer_forms() {
    for (store, ids) in stores_with(&[
        (
            "혜산 소식",
            "양강도의 소식통에 따르면 혜산시에서 지난달 보위부가 주민 3명을 체포했다.",
        ),
        ("무역", "신의주에서 밀수 단속이 강화되었다고 한다."),
    ]) {
        for q in ["혜산", "양강도", "혜산시", "보위부가", "체포"] {
            let hits = store.search(q, 10, 0).unwrap();
            assert_eq!(hits.len(), 1, "query {q}");
            assert_eq!(hits[0].report_id, ids[0], "query {q}");
        }
        let hits = store.search("혜산", 10, 0).unwrap();
        assert!(
            hits[0].snippet.contains("«혜산»시에서"),
            "{}",
            hits[0].snippet
        );
        assert!(
            !hits[0].snippet.contains("산시 시에"),
            "no bigram junk: {}",
            hits[0].snippet
        );
        let hits = store.search("양강도", 10, 0).unwrap();
        assert!(
            hits[0].snippet.contains("«양강도»의"),
            "{}",
            hits[0].snippet
        );
        // Bigrams must be adjacent: a word that is not there is not found.
        assert!(store.search("혜주", 10, 0).unwrap().is_empty());
        assert!(store.search("양도", 10, 0).unwrap().is_empty());
        // One syllable: prefix.
        assert_eq!(store.search("밀", 10, 0).unwrap()[0].report_id, ids[1]);
        // Mixed Korean and digits.
        assert_eq!(store.search("3명", 10, 0).unwrap().len(), 1);
        // Korean phrase.
        assert_eq!(
            store.search("\"혜산시에서 지난달\"", 10, 0).unwrap().len(),
            1
        );
        assert_eq!(store.search("신의주 OR 혜산", 10, 0).unwrap().len(), 2);
    }
}

#[test]
fn diacritics_are_ignored() {
    for (store, ids) in stores_with(&[
        (
            "Onsŏng",
            "Residents of Onsŏng county were warned about phones.",
        ),
        ("Other", "Nothing of note in Musan."),
    ]) {
        for q in ["Onsong", "onsŏng", "ONSONG"] {
            let hits = store.search(q, 10, 0).unwrap();
            assert_eq!(hits.len(), 1, "{q}");
            assert_eq!(hits[0].report_id, ids[0]);
            assert!(hits[0].snippet.contains("«Onsŏng»"), "{}", hits[0].snippet);
        }
    }
}

#[test]
fn hostile_queries_do_not_error() {
    for (store, _ids) in stores_with(&[(
        "Near the border AND beyond",
        "Guards stood near the border; orders were given and obeyed.",
    )]) {
        for q in [
            "",
            "   ",
            "*",
            "**",
            "\"",
            "\"\"",
            "'",
            "(",
            ")",
            "NEAR(",
            "NEAR(a b)",
            "AND",
            "OR",
            "NOT",
            "a OR",
            "OR a",
            "-",
            "--",
            "- -x",
            "^",
            "title:border",
            "{border}",
            "bor*der",
            "\"unclosed phrase",
            "border\"quote",
            "a:b:c",
            "...",
            "@#$%",
            "+",
            "-border",
            "\u{0301}",
            "\0",
        ] {
            let hits = store.search(q, 10, 0);
            assert!(hits.is_ok(), "query {q:?}: {hits:?}");
            assert!(store.count_search(q).is_ok(), "count {q:?}");
        }
        assert!(store.search("*", 10, 0).unwrap().is_empty());
        assert!(store.search("...", 10, 0).unwrap().is_empty());
        // FTS keywords are plain words.
        assert_eq!(store.search("AND", 10, 0).unwrap().len(), 1);
        assert_eq!(store.search("NEAR(", 10, 0).unwrap().len(), 1);
        assert_eq!(store.search("(border:", 10, 0).unwrap().len(), 1);
        // Words joined by punctuation are a phrase.
        assert_eq!(store.search("border;orders", 10, 0).unwrap().len(), 1);
        assert_eq!(store.search("border:guards", 10, 0).unwrap().len(), 0);
    }
}

#[test]
fn bounded_ranking_ranks_the_newest_matches_and_says_so() {
    let docs: Vec<(String, String)> = (0..12)
        .map(|i| {
            // Report 0 has the most matches; later reports have fewer.
            let extra = if i == 0 { " lumber lumber lumber" } else { "" };
            (
                format!("Note {i}"),
                format!("A lumber yard, entry {i}.{extra} Nothing else of note."),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = docs.iter().map(|(t, b)| (t.as_str(), b.as_str())).collect();
    for (store, ids) in stores_with(&refs) {
        let exact = store.search("lumber", 5, 0).unwrap();
        assert_eq!(exact[0].report_id, ids[0]);
        // Enough candidates: the same hits, nothing said.
        let all = store.search_bounded("lumber", 5, 0, 12).unwrap();
        assert_eq!(all.hits, exact);
        assert_eq!(all.ranked_among, None);
        if store.is_postgres() {
            // PostgreSQL ranks every match (the trait's default).
            continue;
        }
        // Four candidates: the four most recently stored matches, ranked.
        let some = store.search_bounded("lumber", 10, 0, 4).unwrap();
        assert_eq!(some.ranked_among, Some(4));
        let mut got: Vec<String> = some.hits.iter().map(|h| h.report_id.clone()).collect();
        got.sort();
        let mut newest: Vec<String> = ids[8..].to_vec();
        newest.sort();
        assert_eq!(got, newest);
        assert!(store
            .search_bounded("no-such-word-here", 5, 0, 4)
            .unwrap()
            .hits
            .is_empty());
    }
}

/// [`store_with`] in consecutive batches ending at `ends` (each batch is stored after
/// the one before it; within one, PostgreSQL stores in key order).
fn store_in_batches(
    mut store: TestStore,
    docs: &[(String, String)],
    ends: &[usize],
) -> (TestStore, Vec<String>) {
    let files: Vec<_> = docs
        .iter()
        .enumerate()
        .map(|(i, (title, body))| {
            file_input(
                text_file(title, "2024-05-01", body),
                &format!("doc-{i}.txt"),
                vec![],
            )
        })
        .collect();
    let mut start = 0;
    for &end in ends {
        store.ingest_batch(&files[start..end]).unwrap();
        start = end;
    }
    let ids = files.iter().map(|f| f.reports[0].0.id.clone()).collect();
    (store, ids)
}

#[test]
fn a_query_dense_among_the_newest_reports_is_still_ranked_whole_when_not_broad() {
    // 700 reports, "lumber" in the 600 stored last (more than PostgreSQL's 500
    // candidates, fewer than the broad threshold of 1,000); report 650 has the most.
    let docs: Vec<(String, String)> = (0..700)
        .map(|i| {
            let word = match i {
                0..=99 => "",
                650 => " lumber lumber lumber",
                _ => " lumber",
            };
            (
                format!("Note {i}"),
                format!("A timber yard, entry {i}.{word} Nothing else."),
            )
        })
        .collect();
    for store in stores() {
        let (store, ids) = store_in_batches(store, &docs, &[100, 700]);
        let exact = store.search("lumber", 10, 0).unwrap();
        assert_eq!(exact[0].report_id, ids[650], "{}", store.name());
        let bounded = store.search_bounded("lumber", 10, 0, 10_000).unwrap();
        assert_eq!(bounded.ranked_among, None, "{}", store.name());
        assert_eq!(bounded.hits, exact, "{}", store.name());
        // A later page of the ranking, and past its end.
        let page = store.search_bounded("lumber", 10, 595, 10_000).unwrap();
        assert_eq!(page.hits, store.search("lumber", 10, 595).unwrap());
        assert_eq!(page.hits.len(), 5);
        // A word in every report: 700, all ranked (fewer than 1,000).
        let all = store.search_bounded("timber", 700, 0, 10_000).unwrap();
        assert_eq!(all.ranked_among, None, "{}", store.name());
        assert_eq!(all.hits, store.search("timber", 700, 0).unwrap());
    }
}

#[test]
fn a_broad_query_dense_only_among_the_newest_is_ranked_among_the_newest_window() {
    // 2,900 reports stored in three batches: "lumber" in all of the first 900, in every
    // tenth of the next 1,936 (194), and in all of the last 64: 1,158 matches, broad.
    // PostgreSQL walks the newest 2,000 reports (its window): 258 matches, fewer than
    // its 500 candidates, so those are ranked and said so; SQLite ranks every match.
    let docs: Vec<(String, String)> = (0..2900)
        .map(|i| {
            let word = if !(900..2836).contains(&i) || i % 10 == 0 {
                " lumber"
            } else {
                ""
            };
            (
                format!("Note {i}"),
                format!("A timber yard, entry {i}.{word} Nothing else."),
            )
        })
        .collect();
    for store in stores() {
        let (store, ids) = store_in_batches(store, &docs, &[900, 2836, 2900]);
        assert_eq!(store.count_search("lumber").unwrap(), 1158);
        let bounded = store.search_bounded("lumber", 300, 0, 10_000).unwrap();
        if !store.is_postgres() {
            assert_eq!(bounded.ranked_among, None);
            continue;
        }
        assert_eq!(bounded.ranked_among, Some(258));
        assert_eq!(bounded.hits.len(), 258);
        let window: std::collections::HashSet<&String> = ids[900..].iter().collect();
        assert!(bounded.hits.iter().all(|h| window.contains(&h.report_id)));
        assert!(bounded.hits.iter().all(|h| h.score > 0.0));
        assert!(bounded.hits.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[test]
fn a_capped_count_is_exact_up_to_the_cap_then_a_lower_bound_with_an_estimate() {
    // 40 reports; the phrase "pine lumber" in every other one (20), "lumber" in all.
    let docs: Vec<(String, String)> = (0..40)
        .map(|i| {
            let body = if i % 2 == 0 {
                format!("Pine lumber left the yard, entry {i}.")
            } else {
                format!("Lumber of pine left the yard, entry {i}.")
            };
            (format!("Note {i}"), body)
        })
        .collect();
    let refs: Vec<(&str, &str)> = docs.iter().map(|(t, b)| (t.as_str(), b.as_str())).collect();
    for store in stores_in_order(&refs) {
        let phrase = "\"pine lumber\"";
        assert_eq!(store.count_search(phrase).unwrap(), 20);
        // At or under the cap: exact, whatever the backend.
        for cap in [20, 25, 1_000] {
            let c = store.count_search_upto(phrase, cap).unwrap();
            assert_eq!(c, SearchCount::exact(20), "cap {cap} {}", store.name());
            assert!(c.more_than(19) && !c.more_than(20));
        }
        let none = store.count_search_upto("no-such-word-here", 5).unwrap();
        assert_eq!(none, SearchCount::exact(0));
        assert_eq!(
            store.count_search_upto("-", 5).unwrap(),
            SearchCount::exact(0)
        );
        // Past the cap: a lower bound, and an estimate from the density of the matches
        // counted (SQLite: six among the newest 11 or 12 rowids of 40; PostgreSQL: the
        // first six in storage order, among 11 numbers of 40: about 20).
        let c = store.count_search_upto(phrase, 5).unwrap();
        assert!(!c.exact);
        assert_eq!(c.count, 5);
        assert!(c.more_than(5) && c.more_than(1) && !c.more_than(6));
        let e = c.estimate.expect("an estimate");
        assert!((18..=24).contains(&e), "estimate {e}");
        assert_eq!(c.approximate(), e);
        let all = store.count_search_upto("lumber", 10).unwrap();
        assert!(!all.exact);
        assert_eq!(all.estimate, Some(40), "every report matches");
    }
}

#[test]
fn a_broad_query_pages_through_every_match() {
    // 1,015 reports name Hyesan: more than the broad-query threshold of 1,000.
    for mut store in stores() {
        let files: Vec<_> = (0..1015).map(synthetic).collect();
        for chunk in files.chunks(250) {
            store.ingest_batch(chunk).unwrap();
        }
        let all = store.count_search("Hyesan").unwrap();
        assert_eq!(all, 1015, "{}", store.name());
        let mut seen = std::collections::HashSet::new();
        let mut last: Option<chrono::NaiveDate> = None;
        let mut offset = 0;
        loop {
            let page = store.search("Hyesan", 100, offset).unwrap();
            if page.is_empty() {
                break;
            }
            for h in &page {
                assert!(h.snippet.contains("«Hyesan»"), "{}", h.snippet);
                assert!(seen.insert(h.report_id.clone()), "{} twice", h.report_id);
                if store.is_postgres() {
                    // PostgreSQL lists broad queries newest first, unranked.
                    assert_eq!(h.score, 0.0);
                    if let (Some(prev), Some(d)) = (last, h.published) {
                        assert!(d <= prev, "{d} after {prev}");
                    }
                    last = h.published.or(last);
                }
            }
            offset += page.len();
        }
        assert_eq!(seen.len(), 1015, "{}", store.name());
        // Bounded ranking says what was done: PostgreSQL ranked the 500 most recently
        // stored matches (its limit whatever the candidates asked), SQLite all 1,015
        // (fewer than the 10,000 candidates); with no candidates PostgreSQL ranked none.
        let bounded = store.search_bounded("Hyesan", 10, 0, 10_000).unwrap();
        let expected = if store.is_postgres() { Some(500) } else { None };
        assert_eq!(bounded.ranked_among, expected, "{}", store.name());
        assert_eq!(bounded.hits.len(), 10);
        if store.is_postgres() {
            // The 515 stored first were not ranked.
            let ranked: std::collections::HashSet<String> = store
                .search_bounded("Hyesan", 2000, 0, 10_000)
                .unwrap()
                .hits
                .into_iter()
                .map(|h| h.report_id)
                .collect();
            assert_eq!(ranked.len(), 500);
            let oldest: Vec<String> = store
                .search("Hyesan", 2000, 0)
                .unwrap()
                .into_iter()
                .map(|h| h.report_id)
                .filter(|id| !ranked.contains(id))
                .collect();
            assert_eq!(oldest.len(), 515);
            assert!(bounded.hits.iter().all(|h| h.score > 0.0));
            let none = store.search_bounded("Hyesan", 10, 0, 0).unwrap();
            assert_eq!(none.ranked_among, Some(0));
        }
        // A narrow query is still ranked.
        let narrow = store.search("\"number 1007\"", 5, 0).unwrap();
        assert_eq!(narrow.len(), 1, "{}", store.name());
        assert!(narrow[0].score > 0.0, "{}", store.name());
    }
}

#[test]
fn a_broad_text_filter_lists_the_events_of_matching_reports_in_order() {
    // 3,000 reports, "wolfram" in two of every three (2,000: a broad text filter), their
    // events interleaved in listing order with those of the other reports. Short first
    // pages are found by the per-event probe; longer and later pages walk past its
    // window (2,000 / 64 events) and take the other path.
    for mut store in stores() {
        let files: Vec<_> = (0..3000)
            .map(|i| {
                let word = if i % 3 == 2 { "tungsten" } else { "wolfram" };
                let bytes = text_file(
                    &format!("Ore note {i}"),
                    &format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                    &format!("Note number {i} on {word} prices at the border."),
                );
                file_input(bytes, &format!("ore/note-{i}.txt"), three_events())
            })
            .collect();
        for chunk in files.chunks(1000) {
            store.ingest_batch(chunk).unwrap();
        }
        assert_eq!(store.count_search("wolfram").unwrap(), 2000);
        let ranges = (
            NaiveDate::from_ymd_opt(2024, 3, 1),
            NaiveDate::from_ymd_opt(2024, 6, 30),
        );
        for (base, expected) in events_of_matching_reports(&store, "wolfram", 2000, ranges) {
            // Counted and faceted exactly too (PostgreSQL: through the GIN index).
            let texted = EventFilter {
                text: Some("wolfram".into()),
                ..base.clone()
            };
            assert_eq!(
                store.count_events(&texted).unwrap(),
                expected.len() as u64,
                "{} {base:?}",
                store.name()
            );
            let by_type: u64 = store
                .facet_counts(&texted, lantern_store::Facet::EventType, 50)
                .unwrap()
                .iter()
                .map(|f| f.count)
                .sum();
            assert_eq!(by_type, expected.len() as u64, "{base:?}");
            let by_month: u64 = store
                .month_counts(&texted)
                .unwrap()
                .iter()
                .map(|m| m.count)
                .sum();
            assert_eq!(by_month, expected.len() as u64, "{base:?}");
            for (offset, limit) in [
                (0, 10),
                (10, 10),
                (0, 25),
                (25, 25),
                (290, 25),
                (1500, 25),
                (3000, 25),
            ] {
                let got: Vec<i64> = store
                    .events(&EventFilter {
                        text: Some("wolfram".into()),
                        limit: Some(limit),
                        offset,
                        ..base.clone()
                    })
                    .unwrap()
                    .into_iter()
                    .map(|e| e.id)
                    .collect();
                let want: Vec<i64> = expected.iter().skip(offset).take(limit).copied().collect();
                assert_eq!(got, want, "{} {base:?} offset {offset}", store.name());
            }
        }
    }
}

#[test]
fn a_broad_text_filter_whose_matches_come_late_in_listing_order_is_listed_exactly() {
    // 2,700 reports: the 1,500 oldest (dated 2023) never say "kestrel", the 1,200
    // newest (2024) all do. A broad text filter (more than 1,000 matching reports) whose
    // first match comes after 4,500 events in listing order: the per-event probe gives
    // up early and the page comes from the walk with the set of matching reports.
    for mut store in stores() {
        let files: Vec<_> = (0..2700)
            .map(|i| {
                let (year, word) = if i < 1500 {
                    (2023, "falcon")
                } else {
                    (2024, "kestrel")
                };
                let bytes = text_file(
                    &format!("Bird note {i}"),
                    &format!("{year}-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                    &format!("Note number {i} on a {word} seen near the border."),
                );
                file_input(bytes, &format!("birds/note-{i}.txt"), three_events())
            })
            .collect();
        for chunk in files.chunks(900) {
            store.ingest_batch(chunk).unwrap();
        }
        assert_eq!(store.count_search("kestrel").unwrap(), 1200);
        let ranges = (
            NaiveDate::from_ymd_opt(2023, 6, 1),
            NaiveDate::from_ymd_opt(2024, 6, 30),
        );
        for (base, expected) in events_of_matching_reports(&store, "kestrel", 1200, ranges) {
            for (offset, limit) in [(0, 25), (25, 25), (1000, 25), (5000, 25)] {
                let got: Vec<i64> = store
                    .events(&EventFilter {
                        text: Some("kestrel".into()),
                        limit: Some(limit),
                        offset,
                        ..base.clone()
                    })
                    .unwrap()
                    .into_iter()
                    .map(|e| e.id)
                    .collect();
                let want: Vec<i64> = expected.iter().skip(offset).take(limit).copied().collect();
                assert_eq!(got, want, "{} {base:?} offset {offset}", store.name());
            }
        }
    }
}

/// PostgreSQL's vectors of adjacent pairs (schema step 12): the ingest writes them from
/// Rust, any other writer gets them from the stored vector by `lantern_ts_pairs`; both
/// must be the same pairs, and phrases are found through either.
#[test]
fn postgres_pairs_written_by_the_ingest_equal_the_sql_ones() {
    let Some(store) = postgres_store() else {
        return;
    };
    let long_word = "x".repeat(1500);
    let docs: Vec<(String, String)> = vec![
        (
            "Heavy rain".into(),
            "Heavy rain fell; the river rose near Hyesan.".into(),
        ),
        (
            "혜산 소식".into(),
            "혜산시에서 지난달 국경경비대가 단속했다.".into(),
        ),
        (
            "".into(),
            "pine lumber, pine-lumber and Pine Lumber again".into(),
        ),
        // Two tokens too long for one pair lexeme: the vector of pairs is '~all'.
        (
            "Long".into(),
            format!("{long_word} {long_word}y training camp"),
        ),
    ];
    let docs_ref: Vec<(&str, &str)> = docs.iter().map(|(t, b)| (t.as_str(), b.as_str())).collect();
    let (store, _ids) = store_with(store, &docs_ref);
    let same = "DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM reports WHERE fts_pairs IS DISTINCT FROM lantern_ts_pairs(fts))
        THEN RAISE EXCEPTION 'pairs differ'; END IF;
        IF NOT EXISTS (SELECT 1 FROM reports WHERE fts_pairs = '~all'::tsvector)
        THEN RAISE EXCEPTION 'no report with all pairs'; END IF; END $$";
    store.raw_exec(same).unwrap();
    let found = |store: &TestStore| {
        let s = store.reopen();
        [
            "\"heavy rain\"",
            "\"혜산시에서 지난달\"",
            "국경경비",
            "\"pine lumber\"",
            "\"training camp\"",
            "\"rain heavy\"",
        ]
        .map(|q| s.count_search(q).unwrap())
    };
    assert_eq!(found(&store), [1, 1, 1, 1, 1, 0]);
    // Written by the trigger instead (as by an import or a copy).
    store
        .raw_exec("UPDATE reports SET fts_pairs = NULL")
        .unwrap();
    store.raw_exec(same).unwrap();
    assert_eq!(found(&store), [1, 1, 1, 1, 1, 0]);
}
