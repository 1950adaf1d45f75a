//! A cache of event counts (facets, months), valid while the store's
//! [`data_version`](lantern_store::Store::data_version) stays the same. Counting every
//! event by facet takes long on a big store; the answer only changes with the data.

use std::collections::HashMap;
use std::sync::Mutex;

use lantern_store::{
    EventFilter, Facet, FacetCount, MonthCount, RankedHits, SearchCount, SearchHit, Store,
    StoreError, StoredEvent,
};

/// Entries kept before the cache starts over.
const MAX_ENTRIES: usize = 4096;

#[derive(Clone)]
enum Counts {
    Facet(Vec<FacetCount>),
    Months(Vec<MonthCount>),
    Count(u64),
    SearchCount(SearchCount),
    Hits(Vec<SearchHit>),
    Ranked(RankedHits),
    Events(Vec<StoredEvent>),
}

/// A value the cache holds: which [`Counts`] variant carries it.
trait Cached: Clone + Sized {
    fn into_counts(self) -> Counts;
    fn from_counts(counts: Counts) -> Option<Self>;
}

macro_rules! cached_as {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl Cached for $t {
            fn into_counts(self) -> Counts {
                Counts::$variant(self)
            }
            fn from_counts(counts: Counts) -> Option<Self> {
                match counts {
                    Counts::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    )*};
}

cached_as! {
    Vec<FacetCount> => Facet,
    Vec<MonthCount> => Months,
    u64 => Count,
    SearchCount => SearchCount,
    Vec<SearchHit> => Hits,
    RankedHits => Ranked,
    Vec<StoredEvent> => Events,
}

/// Counts by (query, data version).
#[derive(Default)]
pub struct CountCache {
    map: Mutex<HashMap<String, (u64, Counts)>>,
}

impl CountCache {
    fn get(&self, key: &str, version: u64) -> Option<Counts> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(v, _)| *v == version)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, key: String, version: u64, counts: Counts) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (version, counts));
    }

    /// The value cached under `key` at `version`, else `compute`'s (then cached).
    fn cached<T: Cached>(
        &self,
        key: String,
        version: u64,
        compute: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if let Some(v) = self.get(&key, version).and_then(T::from_counts) {
            return Ok(v);
        }
        let v = compute()?;
        self.put(key, version, v.clone().into_counts());
        Ok(v)
    }

    /// [`Store::facet_counts`], cached.
    pub fn facet_counts(
        &self,
        store: &dyn Store,
        version: u64,
        filter: &EventFilter,
        facet: Facet,
        limit: usize,
    ) -> Result<Vec<FacetCount>, StoreError> {
        self.cached(format!("f {facet:?} {limit} {filter:?}"), version, || {
            store.facet_counts(filter, facet, limit)
        })
    }

    /// [`Store::facet_counts`] of several facets, each under its own filter: the
    /// facets not cached whose filters are equal are asked together
    /// ([`Store::facet_counts_many`], which finds their events once). In the order of
    /// `asks`.
    pub fn facet_counts_each(
        &self,
        store: &dyn Store,
        version: u64,
        asks: &[(EventFilter, Facet)],
        limit: usize,
    ) -> Result<Vec<Vec<FacetCount>>, StoreError> {
        let key = |filter: &EventFilter, facet: Facet| format!("f {facet:?} {limit} {filter:?}");
        let mut out: Vec<Option<Vec<FacetCount>>> = asks
            .iter()
            .map(|(filter, facet)| {
                self.get(&key(filter, *facet), version)
                    .and_then(Vec::<FacetCount>::from_counts)
            })
            .collect();
        // The missing ones, grouped by filter (asks' indexes).
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in (0..asks.len()).filter(|&i| out[i].is_none()) {
            match groups.iter_mut().find(|g| asks[g[0]].0 == asks[i].0) {
                Some(g) => g.push(i),
                None => groups.push(vec![i]),
            }
        }
        for g in groups {
            let facets: Vec<Facet> = g.iter().map(|&i| asks[i].1).collect();
            let counted = store.facet_counts_many(&asks[g[0]].0, &facets, limit)?;
            for (i, rows) in g.into_iter().zip(counted) {
                self.put(
                    key(&asks[i].0, asks[i].1),
                    version,
                    rows.clone().into_counts(),
                );
                out[i] = Some(rows);
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// [`Store::month_counts`], cached.
    pub fn month_counts(
        &self,
        store: &dyn Store,
        version: u64,
        filter: &EventFilter,
    ) -> Result<Vec<MonthCount>, StoreError> {
        self.cached(format!("m {filter:?}"), version, || {
            store.month_counts(filter)
        })
    }

    /// [`Store::count_events`], cached.
    pub fn count_events(
        &self,
        store: &dyn Store,
        version: u64,
        filter: &EventFilter,
    ) -> Result<u64, StoreError> {
        self.cached(format!("c {filter:?}"), version, || {
            store.count_events(filter)
        })
    }

    /// [`Store::count_search`], cached.
    pub fn count_search(
        &self,
        store: &dyn Store,
        version: u64,
        query: &str,
    ) -> Result<u64, StoreError> {
        self.cached(format!("s {query:?}"), version, || {
            store.count_search(query)
        })
    }

    /// [`Store::count_search_upto`], cached.
    pub fn count_search_upto(
        &self,
        store: &dyn Store,
        version: u64,
        query: &str,
        cap: u64,
    ) -> Result<SearchCount, StoreError> {
        self.cached(format!("su {cap} {query:?}"), version, || {
            store.count_search_upto(query, cap)
        })
    }

    /// [`Store::search`], cached.
    pub fn search(
        &self,
        store: &dyn Store,
        version: u64,
        query: &str,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<SearchHit>, StoreError> {
        self.cached(format!("h {limit} {offset} {query:?}"), version, || {
            store.search(query, limit, offset)
        })
    }

    /// [`Store::search_bounded`], cached.
    pub fn search_bounded(
        &self,
        store: &dyn Store,
        version: u64,
        query: &str,
        limit: usize,
        offset: usize,
        candidates: usize,
    ) -> Result<RankedHits, StoreError> {
        self.cached(
            format!("b {limit} {offset} {candidates} {query:?}"),
            version,
            || store.search_bounded(query, limit, offset, candidates),
        )
    }

    /// [`Store::events`] (one page), cached.
    pub fn events(
        &self,
        store: &dyn Store,
        version: u64,
        filter: &EventFilter,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.cached(format!("e {filter:?}"), version, || store.events(filter))
    }
}
