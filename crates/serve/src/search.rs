//! The search page: full-text hits over reports, and the matching events with facets
//! (counts per value, computed without the facet's own constraint) and pagination.

use axum::extract::{Query, State};
use axum::response::Html;
use lantern_extract::{Actor, EventType};
use lantern_store::{EventFilter, Facet, FacetCount, SearchCount, SearchHit, StoredEvent};
use maud::{html, Markup};

use crate::app::Shared;
use crate::auth::Access;
use crate::error::AppError;
use crate::filter::{Params, PAGE_SIZE};
use crate::layout::{label, page};

/// Values shown per facet.
const FACET_VALUES: usize = 12;

/// A text query matching more reports than this is "broad": its events are listed but
/// not counted (counting them means reading every event of every matching report).
pub const BROAD_TEXT_REPORTS: u64 = 1_000;

/// Report hits are ranked among at most this many matching reports, the most recently
/// stored (BM25 over every match of a common word costs time in proportion to the
/// matches); the page says so when more match.
pub const RANK_CANDIDATES: usize = 10_000;

/// The reports a text query matches are counted exactly up to this many; past it the
/// page says "more than 10,000" and gives an estimate labelled as one (counting a
/// phrase walks the positions of every match: 282,219 matches at 1,000,000 reports
/// took most of the 200 ms budget). Equal to [`RANK_CANDIDATES`], so a query that is
/// counted exactly is also ranked in full.
pub const COUNT_CAP: u64 = 10_000;

/// Everything the search page shows.
pub struct Results {
    /// Number of matching events; `None` for a broad text query (not counted).
    pub total: Option<u64>,
    pub events: Vec<StoredEvent>,
    /// Facet values with counts; for a broad text query, the values of the filter
    /// without its text, and no counts are shown.
    pub facets: Vec<(Facet, Vec<FacetCount>)>,
    pub hits: Vec<SearchHit>,
    /// Matching reports, counted up to [`COUNT_CAP`].
    pub hit_total: SearchCount,
    /// `Some(n)`: the hits are the best of the `n` most recently stored matching
    /// reports (more match, see [`RANK_CANDIDATES`]).
    pub ranked_among: Option<u64>,
    /// The text query matches more than [`BROAD_TEXT_REPORTS`] reports.
    pub broad: bool,
}

/// Run the queries of one search page.
pub async fn run(state: &Shared, params: &Params, with_hits: bool) -> Result<Results, AppError> {
    let filter = params.filter()?;
    let page = params.page()?;
    let params = params.clone();
    let cache = state.counts.clone();
    state
        .pool
        .run(move |store| {
            let version = store.data_version()?;
            let hit_total = match &filter.text {
                Some(q) => cache.count_search_upto(store, version, q, COUNT_CAP)?,
                None => SearchCount::exact(0),
            };
            let broad = filter.text.is_some() && hit_total.more_than(BROAD_TEXT_REPORTS);
            let total = if broad {
                None
            } else {
                Some(cache.count_events(store, version, &filter)?)
            };
            let events = cache.events(
                store,
                version,
                &EventFilter {
                    limit: Some(PAGE_SIZE),
                    offset: (page - 1) * PAGE_SIZE,
                    ..filter.clone()
                },
            )?;
            let mut asks = Vec::new();
            for f in Facet::ALL {
                let mut without = params.with(Params::facet_key(f), None);
                if broad {
                    without = without.with("q", None);
                }
                asks.push((without.filter()?, f));
            }
            // Facets under the same filter are counted together (one pass over its
            // events for those not in the count table).
            let counted = cache.facet_counts_each(store, version, &asks, FACET_VALUES)?;
            let facets: Vec<(Facet, Vec<FacetCount>)> =
                Facet::ALL.into_iter().zip(counted).collect();
            let (hits, ranked_among) = match (&filter.text, with_hits) {
                (Some(q), true) => {
                    let r = cache.search_bounded(store, version, q, 10, 0, RANK_CANDIDATES)?;
                    (r.hits, r.ranked_among)
                }
                _ => (Vec::new(), None),
            };
            Ok(Results {
                total,
                events,
                facets,
                hits,
                hit_total,
                ranked_among,
                broad,
            })
        })
        .await
}

/// `/`: the search page.
pub async fn home(
    state: State<Shared>,
    access: Access,
    params: Query<Params>,
) -> Result<Html<String>, AppError> {
    search_page(state, access, params).await
}

/// `/search`.
pub async fn search_page(
    State(state): State<Shared>,
    access: Access,
    Query(params): Query<Params>,
) -> Result<Html<String>, AppError> {
    access.read()?;
    let r = run(&state, &params, true).await?;
    let page_no = params.page()?;
    let pages = r
        .total
        .map(|total| (total as usize).div_ceil(PAGE_SIZE).max(1));
    let more = r.events.len() == PAGE_SIZE;
    let body = html! {
        h1 { "Search" }
        (filter_form(&params, "/search"))
        div.layout {
            aside.facets {
                @if r.broad {
                    p.note { "The text query matches " (hit_count_text(&r.hit_total)) " reports, too many to count their events: the values below are those of the other filters, without counts." }
                }
                @for (f, counts) in &r.facets {
                    (facet_box(&params, *f, counts, !r.broad))
                }
                (crate::incidents::facet_box(&params))
            }
            section {
                @if params.get("q").is_some() {
                    h2 { "Reports (" (hit_count_text(&r.hit_total)) ")" }
                    @if !r.hit_total.exact {
                        p.note.estimate { (estimate_note(&r.hit_total)) }
                    }
                    @if r.ranked_among == Some(0) {
                        p.note { "Newest first: " (hit_count_text(&r.hit_total)) " reports match, too many to rank here. Add a word or a phrase to rank them." }
                    } @else if let Some(n) = r.ranked_among {
                        p.note { "Best matches among the " (n) " most recently stored matching reports (ranking all " (hit_count_text(&r.hit_total)) " would take long). Add a word or a phrase to rank them all." }
                    }
                    @if r.hits.is_empty() { p { "No report matches." } }
                    ul.hits {
                        @for h in &r.hits {
                            li {
                                a href=(format!("/reports/{}", h.report_id)) { (h.title.as_deref().unwrap_or("(untitled)")) }
                                " " span.count { (h.published.map(|d| d.to_string()).unwrap_or_default()) }
                                div.snippet { (snippet(&h.snippet)) }
                            }
                        }
                    }
                }
                @match r.total {
                    Some(total) => { h2 { "Events (" (total) ")" } }
                    None => {
                        h2 { "Events (not counted)" }
                        p.note { "The text query matches more than " (BROAD_TEXT_REPORTS) " reports; events are listed but not counted. Add a filter or a more specific word to get counts." }
                    }
                }
                p {
                    a href=(params.url("/timeline")) { "Timeline of these events" } " · "
                    a href=(params.url("/map")) { "Map of these events" }
                }
                (event_table(&r.events))
                (pager(&params, page_no, pages, more))
                (crate::export::links(&access, &params))
                (crate::alerts::save_form(&access, &params))
            }
        }
    };
    Ok(Html(page("Search", &access, body).into_string()))
}

/// The number of matching reports as shown: the count, or "more than N" past the cap.
pub fn hit_count_text(c: &SearchCount) -> String {
    if c.exact {
        c.count.to_string()
    } else {
        format!("more than {}", c.count)
    }
}

/// Past the cap: what the page knows and how (an estimate is labelled as one).
pub fn estimate_note(c: &SearchCount) -> String {
    let counted = format!(
        "Counted up to {}: more than {} reports match.",
        c.count, c.count
    );
    match c.estimate {
        Some(e) => format!(
            "{counted} Estimated total: about {} (an estimate, not a count: from how densely the {} most recently stored matches fill the most recently stored reports).",
            round_estimate(e),
            c.count.saturating_add(1)
        ),
        None => counted,
    }
}

/// An estimate rounded to two significant digits, so it does not read as a count.
pub fn round_estimate(n: u64) -> u64 {
    let mut unit = 1u64;
    while n / unit >= 100 {
        unit = unit.saturating_mul(10);
    }
    n.saturating_add(unit / 2) / unit * unit
}

/// The search box and date range, keeping the other filters as hidden fields.
pub fn filter_form(params: &Params, action: &str) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            input type="search" name="q" placeholder="words, \"a phrase\", -exclude" value=(params.get("q").unwrap_or("")) size="40";
            label { "from " input type="date" name="from" value=(params.get("from").unwrap_or("")); }
            label { "to " input type="date" name="to" value=(params.get("to").unwrap_or("")); }
            @for key in ["type", "province", "place", "actor", "outlet", "status", "outlets", "copies", "per"] {
                @if let Some(v) = params.get(key) {
                    input type="hidden" name=(key) value=(v);
                }
            }
            button type="submit" { "Search" }
            " "
            a href=(action) { "clear all" }
        }
    }
}

fn facet_title(f: Facet) -> &'static str {
    match f {
        Facet::EventType => "Event type",
        Facet::Province => "Province",
        Facet::Place => "Place",
        Facet::Actor => "Actor",
        Facet::Outlet => "Outlet",
        Facet::ReviewState => "Review status",
    }
}

fn facet_box(params: &Params, f: Facet, counts: &[FacetCount], show_counts: bool) -> Markup {
    let key = Params::facet_key(f);
    let active = params.get(key);
    html! {
        h3 { (facet_title(f)) }
        ul {
            @if let Some(v) = active {
                @if !counts.iter().any(|c| c.value.eq_ignore_ascii_case(v)) {
                    li.active { span { (label(v)) } a href=(params.with(key, None).url("/search")) title="remove this filter" { "×" } }
                }
            }
            @for c in counts {
                @let on = active.is_some_and(|v| v.eq_ignore_ascii_case(&c.value));
                li class=(if on { "active" } else { "" }) {
                    @if on {
                        span { (label(&c.label)) " " a href=(params.with(key, None).url("/search")) title="remove this filter" { "×" } }
                    } @else {
                        a href=(params.with(key, Some(&c.value)).url("/search")) { (label(&c.label)) }
                    }
                    @if show_counts { span.count { (c.count) } }
                }
            }
            @if counts.is_empty() { li.count { "none" } }
        }
    }
}

/// A search snippet: «marks» become <mark>, everything else escaped.
pub fn snippet(s: &str) -> Markup {
    let mut parts: Vec<(bool, &str)> = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('«') {
        parts.push((false, &rest[..i]));
        let after = &rest[i + '«'.len_utf8()..];
        match after.find('»') {
            Some(j) => {
                parts.push((true, &after[..j]));
                rest = &after[j + '»'.len_utf8()..];
            }
            None => {
                rest = after;
            }
        }
    }
    parts.push((false, rest));
    html! {
        @for (m, t) in parts {
            @if m { mark { (t) } } @else { (t) }
        }
    }
}

/// Places of an event, comma separated.
pub fn places_text(e: &StoredEvent) -> String {
    let mut v: Vec<String> = e
        .event
        .places
        .iter()
        .map(|p| {
            if p.approximate {
                format!("{} (approx.)", p.name)
            } else {
                p.name.clone()
            }
        })
        .collect();
    v.dedup();
    v.join(", ")
}

/// The event's date as shown.
pub fn date_text(e: &StoredEvent) -> String {
    match &e.event.date {
        Some(d) => match (d.start, d.end) {
            (Some(s), Some(t)) if s != t => format!("{s} – {t}"),
            (Some(s), _) | (None, Some(s)) => s.to_string(),
            (None, None) => format!("“{}”", d.text),
        },
        None => e
            .report_published
            .map(|d| format!("{d} (published)"))
            .unwrap_or_else(|| "undated".into()),
    }
}

/// A table of events.
pub fn event_table(events: &[StoredEvent]) -> Markup {
    html! {
        @if events.is_empty() {
            p { "No event matches." }
        } @else {
            table.events {
                thead { tr { th { "Event" } th { "Date" } th { "Places" } th { "Actors" } th { "Report" } th { "Status" } } }
                tbody {
                    @for e in events {
                        tr {
                            td { a href=(format!("/events/{}", e.id)) { (label(e.event.event_type.as_str())) } }
                            td { (date_text(e)) }
                            td { (places_text(e)) }
                            td { (e.event.actors.iter().map(|a| label(a.as_str())).collect::<Vec<_>>().join(", ")) }
                            td { a href=(format!("/reports/{}", e.report_id)) { (e.report_title.as_deref().unwrap_or("(untitled)")) } }
                            td class=(format!("state-{}", e.review_state.as_str())) { (e.review_state.as_str()) }
                        }
                    }
                }
            }
        }
    }
}

fn pager(params: &Params, page_no: usize, pages: Option<usize>, more: bool) -> Markup {
    let next = match pages {
        Some(pages) => page_no < pages,
        None => more,
    };
    html! {
        nav.pager {
            @if page_no > 1 { a href=(params.on_page(page_no - 1).url("/search")) rel="prev" { "← previous" } }
            @match pages {
                Some(pages) => { span { "page " (page_no) " of " (pages) } }
                None => { span { "page " (page_no) } }
            }
            @if next { a href=(params.on_page(page_no + 1).url("/search")) rel="next" { "next →" } }
        }
    }
}

/// Every event type, for forms.
pub fn all_types() -> impl Iterator<Item = &'static str> {
    EventType::ALL.into_iter().map(EventType::as_str)
}

/// Every actor id, for forms.
pub fn all_actors() -> impl Iterator<Item = &'static str> {
    Actor::ALL.into_iter().map(Actor::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_count_reads_as_a_lower_bound_and_its_estimate_as_one() {
        assert_eq!(hit_count_text(&SearchCount::exact(282_219)), "282219");
        let c = SearchCount {
            count: 10_000,
            exact: false,
            estimate: Some(282_219),
        };
        assert_eq!(hit_count_text(&c), "more than 10000");
        let note = estimate_note(&c);
        assert!(note.contains("more than 10000 reports match"), "{note}");
        assert!(
            note.contains("about 280000 (an estimate, not a count"),
            "{note}"
        );
        let bare = SearchCount {
            estimate: None,
            ..c
        };
        assert!(!estimate_note(&bare).contains("about"));
        assert_eq!(round_estimate(282_219), 280_000);
        assert_eq!(round_estimate(286_000), 290_000);
        assert_eq!(round_estimate(99), 99);
        assert_eq!(round_estimate(10_001), 10_000);
        assert_eq!(round_estimate(u64::MAX), round_estimate(u64::MAX));
    }
}
