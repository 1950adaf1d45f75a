//! A cache of event counts (facets, months), valid while the store's
//! [`data_version`](lantern_store::Store::data_version) stays the same. Counting every
//! event by facet takes long on a big store; the answer only changes with the data.

use std::collections::HashMap;
use std::sync::Mutex;

use lantern_store::{
    EventFilter, Facet, FacetCount, MonthCount, RankedHits, SearchHit, Store, StoreError,
    StoredEvent,
};

/// Entries kept before the cache starts over.
const MAX_ENTRIES: usize = 4096;

#[derive(Clone)]
enum Counts {
    Facet(Vec<FacetCount>),
    Months(Vec<MonthCount>),
    Hits(Vec<SearchHit>),
    Ranked(RankedHits),
    Events(Vec<StoredEvent>),
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

    /// [`Store::facet_counts`], cached.
    pub fn facet_counts(
        &self,
        store: &dyn Store,
        version: u64,
        filter: &EventFilter,
        facet: Facet,
        limit: usize,
    ) -> Result<Vec<FacetCount>, StoreError> {
        let key = format!("f {facet:?} {limit} {filter:?}");
        if let Some(Counts::Facet(c)) = self.get(&key, version) {
            return Ok(c);
        }
        let c = store.facet_counts(filter, facet, limit)?;
        self.put(key, version, Counts::Facet(c.clone()));
        Ok(c)
    }

    /// [`Store::month_counts`], cached.
    pub fn month_counts(
        &self,
        store: &dyn Store,
        version: u64,
        filter: &EventFilter,
    ) -> Result<Vec<MonthCount>, StoreError> {
        let key = format!("m {filter:?}");
        if let Some(Counts::Months(c)) = self.get(&key, version) {
            return Ok(c);
        }
        let c = store.month_counts(filter)?;
        self.put(key, version, Counts::Months(c.clone()));
        Ok(c)
    }

    /// [`Store::count_events`], cached (as a one-value facet).
    pub fn count_events(
        &self,
        store: &dyn Store,
        version: u64,
        filter: &EventFilter,
    ) -> Result<u64, StoreError> {
        let key = format!("c {filter:?}");
        if let Some(Counts::Facet(c)) = self.get(&key, version) {
            return Ok(c.first().map_or(0, |c| c.count));
        }
        let n = store.count_events(filter)?;
        let one = vec![FacetCount {
            value: String::new(),
            label: String::new(),
            count: n,
        }];
        self.put(key, version, Counts::Facet(one));
        Ok(n)
    }

    /// [`Store::count_search`], cached.
    pub fn count_search(
        &self,
        store: &dyn Store,
        version: u64,
        query: &str,
    ) -> Result<u64, StoreError> {
        let key = format!("s {query:?}");
        if let Some(Counts::Facet(c)) = self.get(&key, version) {
            return Ok(c.first().map_or(0, |c| c.count));
        }
        let n = store.count_search(query)?;
        let one = vec![FacetCount {
            value: String::new(),
            label: String::new(),
            count: n,
        }];
        self.put(key, version, Counts::Facet(one));
        Ok(n)
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
        let key = format!("h {limit} {offset} {query:?}");
        if let Some(Counts::Hits(h)) = self.get(&key, version) {
            return Ok(h);
        }
        let h = store.search(query, limit, offset)?;
        self.put(key, version, Counts::Hits(h.clone()));
        Ok(h)
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
        let key = format!("b {limit} {offset} {candidates} {query:?}");
        if let Some(Counts::Ranked(h)) = self.get(&key, version) {
            return Ok(h);
        }
        let h = store.search_bounded(query, limit, offset, candidates)?;
        self.put(key, version, Counts::Ranked(h.clone()));
        Ok(h)
    }

    /// [`Store::events`] (one page), cached.
    pub fn events(
        &self,
        store: &dyn Store,
        version: u64,
        filter: &EventFilter,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let key = format!("e {filter:?}");
        if let Some(Counts::Events(e)) = self.get(&key, version) {
            return Ok(e);
        }
        let e = store.events(filter)?;
        self.put(key, version, Counts::Events(e.clone()));
        Ok(e)
    }
}
