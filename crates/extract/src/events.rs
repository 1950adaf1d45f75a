//! Event assembly: sentences and clauses, cue hits with their conditions, negation and
//! speculation, actors, places, dates, attribution and quantities, merged into events.

use crate::actors::{self, Country};
use crate::attribution;
use crate::cues::{Hit, Lexicon};
use crate::dates;
use crate::gazetteer::Gazetteer;
use crate::lexicon::{flag, ActCue, Tag};
use crate::model::*;
use crate::places::{self, Judged};
use crate::quantities;
use crate::text::{self, ceil_cb, floor_cb, Sentence};
use lantern_ingest::Report;

const MAX_QUANTITIES: usize = 24;
const MAX_EVIDENCE: usize = 32;

/// A cue that survived its checks.
#[derive(Debug, Clone, Copy)]
struct Cue {
    ty: EventType,
    start: usize,
    end: usize,
    clause: usize,
    weak: bool,
    modality: Modality,
}

#[derive(Debug, Clone)]
struct SentEvents {
    sent: usize,
    cues: Vec<Cue>,
    /// (clause, actor)
    actors: Vec<(usize, Actor)>,
    broker: Option<(usize, usize, usize)>,
    has_rem: bool,
    has_cross: bool,
    /// The sentence's quantities, when a cue check already scanned them.
    quants: Option<Vec<Quantity>>,
}

fn merge_ranges(mut v: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    merge_ranges_in_place(&mut v);
    v
}

/// [`merge_ranges`] without a second vector: sorted, then compacted in place.
fn merge_ranges_in_place(v: &mut Vec<(usize, usize)>) {
    v.sort();
    let mut n = 0usize;
    for i in 0..v.len() {
        let r = v[i];
        if n > 0 && r.0 <= v[n - 1].1 {
            v[n - 1].1 = v[n - 1].1.max(r.1);
            continue;
        }
        v[n] = r;
        n += 1;
    }
    v.truncate(n);
}

/// Occurrences of the outlet's name in the body ("told Border Monitor"), and of
/// capitalised names right after "told"/"seen by" at a clause end: media names, whose
/// words ("Monitor", "Tumen Dispatch") are neither cues nor places.
fn outlet_ranges(body: &str, outlet: Option<&str>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if let Some(o) = outlet.map(str::trim).filter(|o| o.len() >= 4) {
        // `memmem` (vectorised) instead of `str::find`, which was 1.5% of extraction
        let finder = memchr::memmem::Finder::new(o.as_bytes());
        let mut from = 0;
        while let Some(p) = finder.find(&body.as_bytes()[from..]) {
            out.push((from + p, from + p + o.len()));
            from += p + o.len();
        }
    }
    // where one of the five words ends: a vectorised `memmem` pass per word (a scalar
    // pass over the spaces cost more; `str::find` more still). No word overlaps
    // itself, so non-overlapping matches are all of them; sorted, they come in the
    // order of the text as before
    let bytes = body.as_bytes();
    let mut told_ends: Vec<usize> = Vec::new();
    for w in [
        &b"told "[..],
        b"seen by ",
        b"reported to ",
        b"confirmed to ",
        b"tells ",
    ] {
        told_ends.extend(memchr::memmem::find_iter(bytes, w).map(|p| p + w.len()));
    }
    told_ends.sort_unstable();
    told_ends.dedup();
    for s in told_ends {
        {
            let rest = &body[s..ceil_cb(body, (s + 50).min(body.len()))];
            let mut n = 0usize;
            let mut words = 0;
            for w in rest.split(' ') {
                let cap = w
                    .chars()
                    .next()
                    .map(|c| c.is_ascii_uppercase())
                    .unwrap_or(false);
                if !cap || words >= 4 {
                    break;
                }
                let clean = w.trim_end_matches([',', '.', ';', ':']);
                n += clean.len();
                words += 1;
                if clean.len() != w.len() {
                    n += w.len() - clean.len();
                    break;
                }
                n += 1;
            }
            if words >= 1 {
                let end = floor_cb(body, (s + n).min(body.len()).max(s));
                let name = body[s..end].trim_end_matches([' ', ',', '.', ';', ':']);
                // ends at a clause boundary or before "on"/"that"/"in"
                let tail = &body[s + name.len()..];
                let ok = tail.is_empty()
                    || tail.starts_with([',', '.', ';', ':', '\n'])
                    || tail.starts_with(" on ")
                    || tail.starts_with(" that ")
                    || tail.starts_with(" last ")
                    || tail.starts_with(" earlier ");
                // a person's name would be told *to* something; media names end the clause
                if ok && !name.is_empty() && name.split(' ').count() >= 2 {
                    out.push((s, s + name.len()));
                }
            }
        }
    }
    out
}

/// Extract the events of one report.
pub fn extract(report: &Report) -> Vec<Event> {
    let body = report.body.as_str();
    if body.is_empty() {
        return Vec::new();
    }
    let published = report.published.as_ref().map(|p| p.date);
    let lex = Lexicon::get();
    let gaz = Gazetteer::get();

    let mut skip = text::furniture_lines(body);
    skip.extend(outlet_ranges(body, report.outlet.as_deref()));
    let skip = merge_ranges(skip);

    let hits = lex.scan(body, &skip);
    let sents: Vec<Sentence> = text::sentences(body)
        .into_iter()
        .filter(|s| !text::in_ranges(&skip, s.start))
        .collect();
    let mentions = gaz.find_mentions(body, &skip);
    let judged = places::judge(body, &mentions);
    let mss = actors::mss_meaning(body);
    let military_report = actors::military_report(body);

    // report-level country default: majority of counted mentions
    let (mut cn, mut kp) = (0, 0);
    for j in &judged {
        if j.role.is_some() && j.m.place < gaz.places.len() {
            if gaz.place(j.m.place).country == "CN" {
                cn += 1;
            } else {
                kp += 1;
            }
        }
    }
    let default_country = if cn > kp { Country::Cn } else { Country::Kp };

    // ---- pass 1: cues per sentence
    let mut per_sent: Vec<SentEvents> = Vec::with_capacity(sents.len());
    let mut hi = 0usize; // hit cursor
    let mut mi = 0usize; // mention cursor
    let mut last_agency: Option<Actor> = None;
    let mut last_country = default_country;
    let mut scratch = HitScratch::default();
    for (si, s) in sents.iter().enumerate() {
        while hi < hits.len() && hits[hi].start < s.start {
            hi += 1;
        }
        let h0 = hi;
        while hi < hits.len() && hits[hi].start < s.end {
            hi += 1;
        }
        let sh = &hits[h0..hi];
        while mi < judged.len() && judged[mi].m.start < s.start {
            if judged[mi].m.place < gaz.places.len() && judged[mi].role.is_some() {
                last_country = country_of(gaz, judged[mi].m.place);
            }
            mi += 1;
        }
        let m0 = mi;
        let mut m1 = mi;
        while m1 < judged.len() && judged[m1].m.start < s.end {
            m1 += 1;
        }
        let sm = &judged[m0..m1];
        let se = sentence_cues(
            body,
            si,
            s,
            sh,
            sm,
            gaz,
            mss,
            military_report,
            &mut last_agency,
            &mut last_country,
            &mut scratch,
        );
        per_sent.push(se);
    }

    // ---- broker: remittance or border crossing
    let report_rem = per_sent.iter().any(|s| s.has_rem);
    let report_cross = per_sent.iter().any(|s| s.has_cross);
    for se in per_sent.iter_mut() {
        if let Some((a, e, clause)) = se.broker {
            let ty = if se.has_rem || se.has_cross {
                None
            } else if report_rem {
                Some(EventType::Remittance)
            } else if report_cross {
                Some(EventType::BorderCrossing)
            } else {
                None
            };
            if let Some(ty) = ty {
                se.cues.push(Cue {
                    ty,
                    start: a,
                    end: e,
                    clause,
                    weak: true,
                    modality: Modality::Happened,
                });
            }
        }
    }

    // ---- counted places per sentence
    // (one flat list: sentences come in order, so each one's places are a contiguous
    // range of it, and no sentence needs a vector of its own)
    let mut place_list: Vec<usize> = Vec::new();
    let mut place_range: Vec<(usize, usize)> = vec![(0, 0); sents.len()];
    {
        let mut si = 0usize;
        for (k, j) in judged.iter().enumerate() {
            if j.role.is_none() {
                continue;
            }
            while si < sents.len() && sents[si].end <= j.m.start {
                si += 1;
            }
            if si < sents.len() && sents[si].start <= j.m.start {
                let (a, e) = place_range[si];
                let here = &place_list[a..e];
                if !here.iter().any(|&x| judged[x].m.place == j.m.place) && here.len() < 32 {
                    if a == e {
                        place_range[si] = (place_list.len(), place_list.len());
                    }
                    place_list.push(k);
                    place_range[si].1 += 1;
                }
            }
        }
    }
    let sent_places = |si: usize| -> &[usize] {
        let (a, e) = place_range[si];
        &place_list[a..e]
    };
    // main place: most-mentioned counted place below province level, else province
    let main_place = {
        let mut counts: Vec<(usize, usize, bool)> = Vec::new(); // (place, count, first k)
        for j in judged.iter().filter(|j| j.role.is_some()) {
            if j.m.place >= gaz.places.len() {
                continue;
            }
            let prov = gaz.place(j.m.place).level == Level::Province;
            if let Some(c) = counts.iter_mut().find(|c| c.0 == j.m.place) {
                c.1 += 1;
            } else {
                counts.push((j.m.place, 1, prov));
            }
        }
        // most mentions first; on a tie the earliest named (counts are in text order)
        fn pick(v: &[(usize, usize, bool)], below_province: bool) -> Option<&(usize, usize, bool)> {
            let ok = |c: &&(usize, usize, bool)| !below_province || !c.2;
            let m = v.iter().filter(ok).map(|c| c.1).max()?;
            v.iter().filter(ok).find(|c| c.1 == m)
        }
        let best = pick(&counts, true).or_else(|| pick(&counts, false));
        best.and_then(|b| {
            judged
                .iter()
                .position(|j| j.m.place == b.0 && j.role.is_some())
        })
    };

    // ---- attributions per sentence
    let mut hi = 0usize;
    let mut sent_attr: Vec<Vec<Attribution>> = Vec::with_capacity(sents.len());
    for s in &sents {
        while hi < hits.len() && hits[hi].start < s.start {
            hi += 1;
        }
        let h0 = hi;
        while hi < hits.len() && hits[hi].start < s.end {
            hi += 1;
        }
        sent_attr.push(attribution::in_sentence(
            body,
            (s.start, s.end),
            &hits[h0..hi],
        ));
    }

    // nearest sentence with places earlier in the same paragraph
    let mut prev_places: Vec<Option<usize>> = vec![None; sents.len()];
    {
        let mut last: Option<usize> = None;
        for (k, s) in sents.iter().enumerate() {
            if k > 0 && sents[k - 1].para != s.para {
                last = None;
            }
            prev_places[k] = last;
            if !sent_places(k).is_empty() {
                last = Some(k);
            }
        }
    }
    // nearest sentence with an attribution in the same paragraph (before, else after)
    let mut near_attr: Vec<Option<usize>> = vec![None; sents.len()];
    {
        let mut last: Option<usize> = None;
        for (k, s) in sents.iter().enumerate() {
            if k > 0 && sents[k - 1].para != s.para {
                last = None;
            }
            if !sent_attr[k].is_empty() {
                last = Some(k);
            }
            near_attr[k] = last;
        }
        let mut next: Option<usize> = None;
        for k in (0..sents.len()).rev() {
            if k + 1 < sents.len() && sents[k + 1].para != sents[k].para {
                next = None;
            }
            if !sent_attr[k].is_empty() {
                next = Some(k);
            }
            near_attr[k] = match (near_attr[k], next) {
                (Some(a), Some(b)) => Some(if k - a <= b - k { a } else { b }),
                (a, b) => a.or(b),
            };
        }
    }

    // actors named in a sentence without events of its own, for the next sentence
    let mut dangling: Vec<Vec<Actor>> = vec![Vec::new(); sents.len()];
    for se in &per_sent {
        if se.cues.is_empty()
            && !se.actors.is_empty()
            && se.sent + 1 < sents.len()
            && sents[se.sent + 1].para == sents[se.sent].para
        {
            let mut v: Vec<Actor> = se.actors.iter().map(|(_, a)| *a).collect();
            v.sort();
            v.dedup();
            dangling[se.sent + 1] = v;
        }
    }

    // ---- pass 2: events
    let mut events: Vec<(usize, Event)> = Vec::new(); // (sentence index, event)
    let mut attached = vec![false; judged.len()];
    let mut para_date: Option<(usize, EventDate)> = None;
    // per-sentence buffers reused across sentences
    let mut types: Vec<EventType> = Vec::new();
    let mut cs: Vec<Cue> = Vec::new();
    for se in per_sent.iter_mut() {
        if se.cues.is_empty() {
            continue;
        }
        let s = &sents[se.sent];
        let sdates = dates::scan(body, s.start, s.end, published);
        if let Some(d) = sdates.first() {
            para_date = Some((s.para, d.date.clone()));
        }
        let quants = se
            .quants
            .take()
            .unwrap_or_else(|| quantities::scan(body, s.start, s.end));
        // places of this sentence, else of the paragraph so far, else the main place
        // (a slice of the flat list, or the main place alone: no vector of its own)
        let main_one = main_place.map(|mp| [mp]);
        let mut place_ks: &[usize] = sent_places(se.sent);
        let own_places = !place_ks.is_empty();
        if place_ks.is_empty() {
            if let Some(k) = prev_places[se.sent] {
                place_ks = sent_places(k);
            }
        }
        if place_ks.is_empty() {
            if let Some(mp) = &main_one {
                place_ks = mp;
            }
        }
        let mut attr = near_attr[se.sent].and_then(|k| sent_attr[k].first().cloned());
        let mut quants = quants;
        quants.truncate(MAX_QUANTITIES);
        // group cues by type
        types.clear();
        types.extend(se.cues.iter().map(|c| c.ty));
        types.sort();
        types.dedup();
        for (ti, &ty) in types.iter().enumerate() {
            // the sentence's last type takes its attribution and quantities, the others
            // copy them (most sentences have one type: no copies)
            let last_type = ti + 1 == types.len();
            cs.clear();
            cs.extend(se.cues.iter().filter(|c| c.ty == ty).copied());
            let mut acts: Vec<Actor> = se
                .actors
                .iter()
                .filter(|(cl, _)| cs.iter().any(|c| c.clause == *cl))
                .map(|(_, a)| *a)
                .collect();
            // acts by the people themselves take only the actors of their own clause
            let own_act = matches!(
                ty,
                EventType::BorderCrossing
                    | EventType::Smuggling
                    | EventType::Remittance
                    | EventType::Economy
            );
            if acts.is_empty() && !own_act {
                acts = se.actors.iter().map(|(_, a)| *a).collect();
            }
            if acts.is_empty() && !own_act {
                acts = dangling[se.sent].clone();
            }
            acts.sort();
            acts.dedup();
            let slen = s.end - s.start;
            let mut evidence: Vec<(usize, usize)> = Vec::with_capacity(cs.len());
            for c in &cs {
                if slen <= 600 {
                    evidence.push((s.start, s.end));
                } else {
                    let a = floor_cb(body, c.start.saturating_sub(150).max(s.start));
                    let e = ceil_cb(body, (c.end + 150).min(s.end));
                    evidence.push((a, e));
                }
            }
            merge_ranges_in_place(&mut evidence);
            evidence.truncate(MAX_EVIDENCE);
            let mut eplaces: Vec<EventPlace> = Vec::with_capacity(place_ks.len());
            for (n, &k) in place_ks.iter().enumerate() {
                attached[k] = true;
                // one gazetteer place has one id: skip repeats before building the value
                let place = judged[k].m.place;
                if place_ks[..n].iter().any(|&x| judged[x].m.place == place) {
                    continue;
                }
                if let Some(p) = places::event_place(gaz, &judged[k]) {
                    eplaces.push(p);
                }
            }
            let first = cs[0];
            let date = sdates
                .iter()
                .min_by_key(|d| (d.start.abs_diff(first.start), dates::rank(d.date.precision)))
                .map(|d| d.date.clone())
                .or_else(|| {
                    para_date
                        .as_ref()
                        .filter(|(p, _)| *p == s.para)
                        .map(|(_, d)| d.clone())
                });
            let weak = cs.iter().all(|c| c.weak);
            let modality = cs
                .iter()
                .map(|c| c.modality)
                .find(|m| *m != Modality::Happened)
                .unwrap_or(Modality::Happened);
            let mut conf: f32 = if weak { 0.45 } else { 0.65 };
            if !acts.is_empty() {
                conf += 0.1;
            }
            if own_places {
                conf += 0.1;
            }
            if cs.len() > 1 {
                conf += 0.05;
            }
            if modality == Modality::Feared {
                conf -= 0.15;
            }
            let conf = (conf.clamp(0.05, 0.95) * 100.0).round() / 100.0;
            events.push((
                se.sent,
                Event {
                    event_type: ty,
                    modality,
                    negated: false,
                    actors: acts,
                    places: eplaces,
                    date,
                    attribution: if last_type { attr.take() } else { attr.clone() },
                    quantities: if last_type {
                        std::mem::take(&mut quants)
                    } else {
                        quants.clone()
                    },
                    evidence,
                    confidence: conf,
                },
            ));
        }
    }

    // ---- counted places not attached yet: give them to the nearest event
    if !events.is_empty() {
        let mut si = 0usize;
        let mut done: Vec<usize> = judged
            .iter()
            .zip(attached.iter())
            .filter(|(_, a)| **a)
            .map(|(j, _)| j.m.place)
            .collect();
        done.sort();
        done.dedup();
        for (k, j) in judged.iter().enumerate() {
            if j.role.is_none() || attached[k] || done.binary_search(&j.m.place).is_ok() {
                continue;
            }
            if let Err(pos) = done.binary_search(&j.m.place) {
                done.insert(pos, j.m.place);
            }
            while si < sents.len() && sents[si].end <= j.m.start {
                si += 1;
            }
            let sidx = si.min(sents.len().saturating_sub(1));
            // events are in sentence order: the nearest one, preferring the following
            let p = events.partition_point(|(es, _)| *es < sidx);
            let best = match (p.checked_sub(1), (p < events.len()).then_some(p)) {
                (Some(a), Some(b)) => Some(if sidx - events[a].0 < events[b].0 - sidx {
                    a
                } else {
                    b
                }),
                (a, b) => b.or(a),
            };
            if let Some(b) = best {
                if let Some(p) = places::event_place(gaz, j) {
                    let ev = &mut events[b].1;
                    if !ev.places.iter().any(|x| x.id == p.id) {
                        ev.places.push(p);
                    }
                }
            }
        }
    }

    // ---- merge consecutive same-type events of one paragraph with the same places
    let mut out: Vec<(usize, Event)> = Vec::with_capacity(events.len());
    for (si, ev) in events {
        let para = sents[si].para;
        if let Some((psi, prev)) = out
            .iter_mut()
            .rev()
            .take(8)
            .find(|(_, e)| e.event_type == ev.event_type)
        {
            // an event's place ids are distinct (one place, one id; repeats are skipped
            // when places are attached), so equal sets are equal lengths plus inclusion
            let same_places = if prev.places.len() <= 16 {
                prev.places.len() == ev.places.len()
                    && prev
                        .places
                        .iter()
                        .all(|p| ev.places.iter().any(|q| q.id == p.id))
            } else {
                let mut a: Vec<&str> = prev.places.iter().map(|p| p.id.as_str()).collect();
                let mut b: Vec<&str> = ev.places.iter().map(|p| p.id.as_str()).collect();
                a.sort();
                b.sort();
                a == b
            };
            if sents[*psi].para == para && si <= *psi + 1 && same_places {
                prev.evidence.extend_from_slice(&ev.evidence);
                merge_ranges_in_place(&mut prev.evidence);
                for a in ev.actors {
                    if !prev.actors.contains(&a) {
                        prev.actors.push(a);
                    }
                }
                prev.actors.sort();
                for q in ev.quantities {
                    if prev.quantities.len() < MAX_QUANTITIES
                        && !prev.quantities.iter().any(|x| x.span == q.span)
                    {
                        prev.quantities.push(q);
                    }
                }
                prev.evidence.truncate(MAX_EVIDENCE);
                if prev.date.is_none() {
                    prev.date = ev.date;
                }
                if prev.attribution.is_none() {
                    prev.attribution = ev.attribution;
                }
                prev.confidence = prev.confidence.max(ev.confidence);
                *psi = si;
                continue;
            }
        }
        out.push((si, ev));
    }
    merge_repeats(out.into_iter().map(|(_, e)| e).collect())
}

/// Are two events of one report the same happening told twice? Same type, modality,
/// negation, set of places and date (its range, or its words when unresolved).
fn same_happening(a: &Event, b: &Event) -> bool {
    let date_eq = match (&a.date, &b.date) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            x.precision == y.precision
                && x.start == y.start
                && x.end == y.end
                && (x.precision != Precision::Unresolved || x.text == y.text)
        }
        _ => false,
    };
    // place lists hold each id once
    date_eq
        && a.event_type == b.event_type
        && a.modality == b.modality
        && a.negated == b.negated
        && a.places.len() == b.places.len()
        && a.places
            .iter()
            .all(|p| b.places.iter().any(|q| q.id == p.id))
}

/// A cheap fingerprint of what [`same_happening`] compares (equal events, equal prints).
fn happening_print(e: &Event) -> u64 {
    fn mix(h: u64, x: u64) -> u64 {
        (h ^ x).wrapping_mul(0x0100_0000_01b3).rotate_left(29)
    }
    fn str_hash(s: &str) -> u64 {
        s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }
    let mut h = mix(0x9e37_79b9, e.event_type as u64);
    h = mix(h, e.modality as u64);
    h = mix(h, u64::from(e.negated));
    // order-independent over the place ids
    let places = e
        .places
        .iter()
        .fold(0u64, |acc, p| acc.wrapping_add(str_hash(&p.id)));
    h = mix(h, places);
    if let Some(d) = &e.date {
        let day = |x: Option<chrono::NaiveDate>| {
            x.map_or(u64::MAX, |x| chrono::Datelike::num_days_from_ce(&x) as u64)
        };
        h = mix(h, d.precision as u64);
        h = mix(h, day(d.start));
        h = mix(h, day(d.end));
        if d.precision == Precision::Unresolved {
            h = mix(h, str_hash(&d.text));
        }
    }
    h
}

/// One event per happening per report (as ACLED counts them): events that are
/// [`same_happening`] are merged into the first, which takes the others' evidence spans,
/// actors and quantities (bounded), the first attribution found and the highest
/// confidence. Report-level sets (types, places, actors) do not change. Events are
/// grouped by fingerprint with a sort, so this is O(n log n) however many there are.
fn merge_repeats(events: Vec<Event>) -> Vec<Event> {
    let n = events.len();
    if n < 2 {
        return events;
    }
    let prints: Vec<u64> = events.iter().map(happening_print).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by_key(|&i| (prints[i], i));
    // target[i]: the earliest event that event i repeats (itself when none)
    let mut target: Vec<usize> = (0..n).collect();
    let mut g = 0;
    while g < n {
        let mut h = g + 1;
        while h < n && prints[order[h]] == prints[order[g]] {
            h += 1;
        }
        for x in g + 1..h {
            let i = order[x];
            if let Some(&j) = order[g..x]
                .iter()
                .find(|&&j| target[j] == j && same_happening(&events[j], &events[i]))
            {
                target[i] = j;
            }
        }
        g = h;
    }
    let mut out: Vec<Event> = Vec::with_capacity(n);
    let mut pos: Vec<usize> = vec![0; n];
    for (i, ev) in events.into_iter().enumerate() {
        if target[i] == i {
            pos[i] = out.len();
            out.push(ev);
            continue;
        }
        let prev = &mut out[pos[target[i]]];
        if prev.evidence.len() < MAX_EVIDENCE {
            prev.evidence = merge_ranges(
                prev.evidence
                    .iter()
                    .chain(ev.evidence.iter())
                    .copied()
                    .collect(),
            );
            prev.evidence.truncate(MAX_EVIDENCE);
        }
        for a in ev.actors {
            if !prev.actors.contains(&a) {
                prev.actors.push(a);
            }
        }
        prev.actors.sort();
        for q in ev.quantities {
            if prev.quantities.len() < MAX_QUANTITIES
                && !prev.quantities.iter().any(|x| x.span == q.span)
            {
                prev.quantities.push(q);
            }
        }
        if prev.attribution.is_none() {
            prev.attribution = ev.attribution;
        }
        prev.confidence = prev.confidence.max(ev.confidence);
    }
    out
}

fn country_of(gaz: &Gazetteer, idx: usize) -> Country {
    if gaz.place(idx).country == "CN" {
        Country::Cn
    } else {
        Country::Kp
    }
}

fn has_tag(lex: &Lexicon, h: &Hit, t: Tag) -> bool {
    lex.tags(h.pat).contains(&t)
}

fn ev_tag(lex: &Lexicon, h: &Hit) -> Option<(EventType, u16)> {
    lex.tags(h.pat).iter().find_map(|t| match t {
        Tag::Ev(e, f) => Some((*e, *f)),
        _ => None,
    })
}

fn act_tag(lex: &Lexicon, h: &Hit) -> Option<ActCue> {
    lex.tags(h.pat).iter().find_map(|t| match t {
        Tag::Act(a) => Some(*a),
        _ => None,
    })
}

/// Per-hit buffers of [`sentence_cues`], reused from sentence to sentence of a report.
#[derive(Default)]
struct HitScratch {
    clause_of: Vec<usize>,
    spec_before: Vec<bool>,
    spec_after: Vec<bool>,
}

#[allow(clippy::too_many_arguments)]
fn sentence_cues(
    body: &str,
    si: usize,
    s: &Sentence,
    sh: &[Hit],
    sm: &[Judged],
    gaz: &Gazetteer,
    mss: Actor,
    military_report: bool,
    last_agency: &mut Option<Actor>,
    last_country: &mut Country,
    scratch: &mut HitScratch,
) -> SentEvents {
    let lex = Lexicon::get();
    let mut se = SentEvents {
        sent: si,
        cues: Vec::new(),
        actors: Vec::new(),
        broker: None,
        has_rem: false,
        has_cross: false,
        quants: None,
    };
    if sh.is_empty() {
        for j in sm {
            if j.m.place < gaz.places.len() && j.role.is_some() {
                *last_country = country_of(gaz, j.m.place);
            }
        }
        return se;
    }
    // clause index per hit
    let HitScratch {
        clause_of,
        spec_before,
        spec_after,
    } = scratch;
    clause_of.clear();
    let mut cl = 0usize;
    for h in sh {
        if has_tag(lex, h, Tag::Clause) {
            cl += 1;
        }
        clause_of.push(cl);
    }
    let korean_hit = |h: &Hit| !body.as_bytes()[h.start].is_ascii();

    // negation of hit k
    let negated = |k: usize| -> bool {
        let h = &sh[k];
        if korean_hit(h) {
            for n in sh.iter().skip(k + 1).take(3) {
                if n.start > h.end + 12 {
                    break;
                }
                if has_tag(lex, n, Tag::NegAfter) {
                    return true;
                }
            }
            return false;
        }
        for j in (0..k).rev().take(4) {
            let n = &sh[j];
            if h.start > n.end + 26 || clause_of[j] != clause_of[k] {
                break;
            }
            if has_tag(lex, n, Tag::Neg) {
                return true;
            }
            // a negator governs the first cue after it, not the ones beyond
            if ev_tag(lex, n).is_some() {
                return false;
            }
        }
        false
    };
    // is hit k inside a speculation? English: a marker earlier in its clause; Korean: a
    // marker later in the sentence. Precomputed in one pass each way.
    // English scope: the rest of the clause, at most SPEC_SCOPE bytes after the marker;
    // "could not", "may not" state an inability, not a guess.
    const SPEC_SCOPE: usize = 60;
    spec_before.clear();
    spec_before.resize(sh.len(), false);
    {
        let mut cur = usize::MAX;
        let mut on: Option<usize> = None; // end of the active marker
        for (k, n) in sh.iter().enumerate() {
            if clause_of[k] != cur {
                cur = clause_of[k];
                on = None;
            }
            spec_before[k] = on.map(|e| n.start <= e + SPEC_SCOPE).unwrap_or(false);
            if has_tag(lex, n, Tag::Spec)
                && !is_month_may(body, n)
                && body.as_bytes()[n.start].is_ascii()
                && !followed_by_not(body, n.end)
            {
                on = Some(n.end);
            }
        }
    }
    spec_after.clear();
    spec_after.resize(sh.len(), false);
    {
        let mut on = false;
        for k in (0..sh.len()).rev() {
            spec_after[k] = on;
            if has_tag(lex, &sh[k], Tag::Spec) && !body.as_bytes()[sh[k].start].is_ascii() {
                on = true;
            }
        }
    }
    let speculative = |k: usize| -> bool {
        if korean_hit(&sh[k]) {
            // "체포된 브로커": a past participle states a fact even before a guess
            let rest = &body[sh[k].end..ceil_cb(body, (sh[k].end + 8).min(body.len()))];
            let fact = ["된 ", "한 ", "당한 ", "됐던 ", "했던 "]
                .iter()
                .any(|p| rest.starts_with(p));
            spec_after[k] && !fact
        } else {
            spec_before[k]
        }
    };
    // "will/must/should" after k in the sentence (bounded)
    let will_after = |k: usize| -> bool {
        let h = &sh[k];
        sh[k + 1..]
            .iter()
            .take_while(|n| n.start < h.end + 250)
            .any(|n| has_tag(lex, n, Tag::Will))
    };
    // authority frame: a directive cue that is not negated, or an actor before a
    // concern verb
    let mut directive_here = false;
    for (k, h) in sh.iter().enumerate() {
        if let Some((ty, f)) = ev_tag(lex, h) {
            if ty == EventType::Directive && !negated(k) {
                if f & flag::THREAT != 0 {
                    if will_after(k) {
                        directive_here = true;
                    }
                } else if f & flag::TO_AFTER != 0 {
                    if to_after(body, h, s.end) {
                        directive_here = true;
                    }
                } else {
                    directive_here = true;
                }
            }
        }
    }
    let mut concern_frame = false;
    let mut seen_actor = false;
    for h in sh {
        if act_tag(lex, h).is_some() {
            seen_actor = true;
        }
        if seen_actor && has_tag(lex, h, Tag::Concern) {
            concern_frame = true;
        }
    }
    let override_spec = directive_here || concern_frame;

    // actors
    let mut mi = 0usize;
    for (k, h) in sh.iter().enumerate() {
        while mi < sm.len() && sm[mi].m.start < h.start {
            if sm[mi].m.place < gaz.places.len() && sm[mi].role.is_some() {
                *last_country = country_of(gaz, sm[mi].m.place);
            }
            mi += 1;
        }
        if let Some(cue) = act_tag(lex, h) {
            // "a former soldier": a label
            if k > 0 && has_tag(lex, &sh[k - 1], Tag::Former) && h.start <= sh[k - 1].end + 2 {
                continue;
            }
            // country: nearest mention before in the sentence, or the next one after it
            let mut country = *last_country;
            if mi == 0
                || sm
                    .get(mi.wrapping_sub(1))
                    .map(|j| j.m.end + 200 < h.start)
                    .unwrap_or(true)
            {
                if let Some(j) = sm.get(mi) {
                    if j.m.start < h.end + 80 && j.m.place < gaz.places.len() && j.role.is_some() {
                        country = country_of(gaz, j.m.place);
                    }
                }
            }
            // "agents of the State Security Department": the agency named right after
            if matches!(cue, ActCue::Agents)
                && sh[k + 1..]
                    .iter()
                    .take_while(|n| n.start <= h.end + 40)
                    .any(|n| act_tag(lex, n).is_some())
            {
                continue;
            }
            if let Some(a) = actors::resolve(cue, mss, country, *last_agency, military_report) {
                if actors::is_agency(a) && !matches!(cue, ActCue::Agents) {
                    *last_agency = Some(a);
                }
                // an actor inside a speculation is not asserted
                if !override_spec && !korean_hit(h) && speculative(k) {
                    continue;
                }
                se.actors.push((clause_of[k], a));
            }
        }
    }
    for j in &sm[mi..] {
        if j.m.place < gaz.places.len() && j.role.is_some() {
            *last_country = country_of(gaz, j.m.place);
        }
    }

    // a place standing for a government ("Pyongyang has ordered") names that government
    for j in sm.iter().filter(|j| j.metonym) {
        if j.m.place < gaz.places.len() {
            let a = match country_of(gaz, j.m.place) {
                Country::Cn => Actor::ChinaAuthorities,
                Country::Kp => Actor::Government,
            };
            let upto = sh.partition_point(|h| h.start < j.m.start);
            let cl = if upto == 0 { 0 } else { clause_of[upto - 1] };
            se.actors.push((cl, a));
        }
    }
    let has_exec = sh.iter().any(|h| {
        matches!(ev_tag(lex, h), Some((EventType::Execution, f)) if f & flag::WEAK == 0)
            || matches!(act_tag(lex, h), Some(ActCue::Fixed(Actor::Courts)))
    }) || {
        let t = &body[s.start..s.end];
        t.len() < 3000 && t.contains("to death")
    };
    let mut econ_cache: Option<bool> = None;
    let mut directive_seen = false;
    for (k, h) in sh.iter().enumerate() {
        let Some((mut ty, f)) = ev_tag(lex, h) else {
            continue;
        };
        if proper_name(body, s, h) {
            continue;
        }
        // "have not received rations" is still an economic fact
        if negated(k) && ty != EventType::Economy {
            continue;
        }
        let spec = speculative(k);
        if spec && !override_spec {
            continue;
        }
        // conditions
        if f & flag::PERSON != 0 && !person_before(lex, sh, k) {
            continue;
        }
        if f & flag::ECON != 0
            && !*econ_cache.get_or_insert_with(|| econ_fact(body, s, sh, lex, &mut se.quants))
        {
            continue;
        }
        if f & flag::BORDER != 0 && !near_word(body, s, h, &["border", "국경"], 120) {
            continue;
        }
        if f & flag::OFFICIAL != 0 && !official_near(lex, sh, k, 110) {
            continue;
        }
        if f & flag::TO_AFTER != 0 && !to_after(body, h, s.end) {
            continue;
        }
        if f & flag::THREAT != 0 && !will_after(k) {
            continue;
        }
        if f & flag::TRAFFIC != 0 {
            ty = if person_near(lex, sh, k, 60) {
                EventType::BorderCrossing
            } else {
                EventType::Smuggling
            };
        }
        if f & flag::BROKER != 0 {
            if se.broker.is_none() {
                se.broker = Some((h.start, h.end, clause_of[k]));
            }
            continue;
        }
        // "sentenced the man ... to death" is an execution
        if ty == EventType::Punishment && body[h.start..h.end].eq_ignore_ascii_case("sentenced") {
            let w = &body[h.end..ceil_cb(body, (h.end + 120).min(s.end))];
            if w.contains("to death") {
                ty = EventType::Execution;
            }
        }
        // "shot" right after a verdict or by firing squad is the execution itself
        if ty == EventType::UseOfForce && has_exec {
            let w = body[h.start..h.end].to_ascii_lowercase();
            if w == "shot" || w == "shoot" || w == "shot dead" {
                continue;
            }
        }
        // "banned residents ... from going near the riverbank": a ban on movement
        if ty == EventType::Directive {
            let w = body[h.start..h.end].to_ascii_lowercase();
            if matches!(
                w.as_str(),
                "ban" | "bans" | "banned" | "banning" | "forbade"
            ) || w.starts_with("prohibit")
                || w.starts_with("forbid")
            {
                let t = &body[h.end..ceil_cb(body, (h.end + 80).min(s.end))];
                if t.contains(" from ") || t.contains(" going ") || t.contains(" travel") {
                    se.cues.push(Cue {
                        ty: EventType::Restriction,
                        start: h.start,
                        end: h.end,
                        clause: clause_of[k],
                        weak: false,
                        modality: Modality::Happened,
                    });
                }
            }
        }
        match ty {
            EventType::Remittance => se.has_rem = true,
            EventType::BorderCrossing => se.has_cross = true,
            _ => {}
        }
        let modality = if spec {
            Modality::Feared
        } else if ty != EventType::Directive && (directive_here || directive_seen) {
            Modality::Ordered
        } else if marker_before(lex, sh, clause_of, k, Tag::Planned, 40) {
            Modality::Planned
        } else if marker_before(lex, sh, clause_of, k, Tag::Ongoing, 40)
            || marker_after(lex, sh, k, Tag::Ongoing, 14)
        {
            Modality::Ongoing
        } else {
            Modality::Happened
        };
        if ty == EventType::Directive {
            directive_seen = true;
        }
        se.cues.push(Cue {
            ty,
            start: h.start,
            end: h.end,
            clause: clause_of[k],
            weak: f & flag::WEAK != 0,
            modality,
        });
    }
    // a money word in a remittance-free sentence still tells the broker apart
    if se.broker.is_some() && !se.has_rem && !se.has_cross {
        let t = &body[s.start..s.end];
        if t.len() < 2000 {
            let l = t.to_ascii_lowercase();
            if [
                "transfer",
                "remit",
                "deliver",
                "money from",
                "sent by",
                "send money",
                "phone call",
            ]
            .iter()
            .any(|w| l.contains(w))
                || t.contains("송금")
                || t.contains("돈을 전달")
                || t.contains("보내")
            {
                se.has_rem = true;
            } else if l.contains("south korea")
                || l.contains("southeast asia")
                || l.contains("guide")
                || t.contains("한국행")
                || t.contains("탈북")
            {
                se.has_cross = true;
            }
            if se.has_rem {
                let (a, e, c) = se.broker.unwrap_or((0, 0, 0));
                se.cues.push(Cue {
                    ty: EventType::Remittance,
                    start: a,
                    end: e,
                    clause: c,
                    weak: true,
                    modality: Modality::Happened,
                });
            } else if se.has_cross {
                let (a, e, c) = se.broker.unwrap_or((0, 0, 0));
                se.cues.push(Cue {
                    ty: EventType::BorderCrossing,
                    start: a,
                    end: e,
                    clause: c,
                    weak: true,
                    modality: Modality::Happened,
                });
            }
        }
    }
    se
}

fn followed_by_not(body: &str, end: usize) -> bool {
    let rest = &body[end..ceil_cb(body, (end + 5).min(body.len()))];
    rest.starts_with(" not") || rest.starts_with("n't") || rest.starts_with("n\u{2019}t")
}

fn is_month_may(body: &str, h: &Hit) -> bool {
    body[h.start..h.end].starts_with('M') && &body[h.start..h.end] == "May"
}

/// A capitalised cue word inside a run of capitalised words mid-sentence is part of a
/// name ("Border Monitor", "Northern Watch").
fn proper_name(body: &str, s: &Sentence, h: &Hit) -> bool {
    let w = &body[h.start..h.end];
    if !w.as_bytes()[0].is_ascii_uppercase() || h.start == s.start {
        return false;
    }
    let before = body[s.start..h.start].trim_end();
    let prev_word = before.rsplit([' ', '"', '(']).next().unwrap_or("");
    let prev_cap = prev_word
        .chars()
        .next()
        .map(|c| c.is_ascii_uppercase())
        .unwrap_or(false)
        && !before.ends_with(['.', ',', ':', ';']);
    let after = &body[h.end..s.end];
    let after_word = after.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let next = after_word.trim_start();
    let next_cap = after_word.starts_with(' ')
        && next
            .chars()
            .next()
            .map(|c| c.is_ascii_uppercase())
            .unwrap_or(false);
    let sentence_initial = before.is_empty() || before.ends_with(['"', '“']);
    !sentence_initial && (prev_cap || next_cap)
}

fn person_before(lex: &Lexicon, sh: &[Hit], k: usize) -> bool {
    let h = &sh[k];
    sh[..k]
        .iter()
        .rev()
        .take_while(|n| n.end + 160 >= h.start)
        .any(|n| has_tag(lex, n, Tag::Person))
}

fn person_near(lex: &Lexicon, sh: &[Hit], k: usize, w: usize) -> bool {
    window(sh, k, w).any(|(_, n)| has_tag(lex, n, Tag::Person))
}

fn official_near(lex: &Lexicon, sh: &[Hit], k: usize, w: usize) -> bool {
    window(sh, k, w)
        .any(|(j, n)| j != k && (has_tag(lex, n, Tag::Official) || act_tag(lex, n).is_some()))
}

/// A marker tag within `w` bytes before hit k, in its clause.
fn marker_before(
    lex: &Lexicon,
    sh: &[Hit],
    clause_of: &[usize],
    k: usize,
    t: Tag,
    w: usize,
) -> bool {
    let h = &sh[k];
    (0..k)
        .rev()
        .take_while(|&j| clause_of[j] == clause_of[k] && sh[j].end + w >= h.start)
        .any(|j| has_tag(lex, &sh[j], t))
}

/// A marker tag within `w` bytes after hit k (Korean "-고 있다").
fn marker_after(lex: &Lexicon, sh: &[Hit], k: usize, t: Tag, w: usize) -> bool {
    let h = &sh[k];
    sh[k + 1..]
        .iter()
        .take_while(|n| n.start <= h.end + w)
        .any(|n| has_tag(lex, n, t))
}

/// Hits whose span comes within `w` bytes of hit k (bounded: hits are sorted and do
/// not overlap, so ends are sorted too).
fn window(sh: &[Hit], k: usize, w: usize) -> impl Iterator<Item = (usize, &Hit)> {
    let h = sh[k];
    let lo = sh.partition_point(|n| n.end + w < h.start);
    sh[lo..]
        .iter()
        .enumerate()
        .map(move |(i, n)| (lo + i, n))
        .take_while(move |(_, n)| n.start <= h.end + w)
}

fn near_word(body: &str, s: &Sentence, h: &Hit, words: &[&str], w: usize) -> bool {
    let a = floor_cb(body, h.start.saturating_sub(w).max(s.start));
    let e = ceil_cb(body, (h.end + w).min(s.end));
    let t = body[a..e].to_ascii_lowercase();
    words.iter().any(|x| t.contains(x))
}

fn to_after(body: &str, h: &Hit, send: usize) -> bool {
    let e = ceil_cb(body, (h.end + 34).min(send));
    let w = &body[h.end..e];
    match w.find(" to ") {
        Some(p) => !w[..p].contains(" that") && !w[..p].contains(','),
        None => false,
    }
}

/// Does the sentence state an economic fact: money, a percentage, or a price movement?
/// The sentence's quantities are kept in `quants` for the event.
fn econ_fact(
    body: &str,
    s: &Sentence,
    sh: &[Hit],
    lex: &Lexicon,
    quants: &mut Option<Vec<Quantity>>,
) -> bool {
    if sh.iter().any(|h| has_tag(lex, h, Tag::Change)) {
        return true;
    }
    let qs = quants.get_or_insert_with(|| quantities::scan(body, s.start, s.end));
    qs.iter().any(|q| {
        matches!(q.kind, QuantityKind::Money | QuantityKind::ExchangeRate)
            || q.unit.as_deref() == Some("%")
    })
}
