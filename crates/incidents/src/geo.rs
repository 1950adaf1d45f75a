//! Place containment over the compiled-in gazetteer: which place lies inside which,
//! and the county-level "anchor" used for blocking.

use std::collections::HashMap;
use std::sync::OnceLock;

use lantern_extract::gazetteer::{Gazetteer, PlaceIdx};
use lantern_extract::Level;

/// Precomputed place relations.
pub(crate) struct Geo {
    pub g: &'static Gazetteer,
    pub by_id: HashMap<String, PlaceIdx>,
    /// First-level division of each place (itself for a province), if known.
    pub province: Vec<Option<PlaceIdx>>,
    /// Nearest city or county at or above each place; `None` for provinces.
    pub anchor: Vec<Option<PlaceIdx>>,
}

impl Geo {
    pub(crate) fn get() -> &'static Geo {
        static G: OnceLock<Geo> = OnceLock::new();
        G.get_or_init(|| {
            let g = Gazetteer::get();
            let by_id: HashMap<String, PlaceIdx> = g
                .places
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.clone(), i))
                .collect();
            let provinces: HashMap<&str, PlaceIdx> = g
                .places
                .iter()
                .enumerate()
                .filter(|(_, p)| p.level == Level::Province)
                .map(|(i, p)| (p.admin1.as_str(), i))
                .collect();
            let province: Vec<Option<PlaceIdx>> = g
                .places
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    if p.level == Level::Province {
                        Some(i)
                    } else {
                        provinces.get(p.admin1.as_str()).copied()
                    }
                })
                .collect();
            let anchor = (0..g.places.len())
                .map(|i| {
                    let mut cur = i;
                    for _ in 0..8 {
                        let p = &g.places[cur];
                        match p.level {
                            Level::Province => return None,
                            Level::City | Level::County => return Some(cur),
                            _ => match p.parent {
                                Some(up) if up < g.places.len() => cur = up,
                                _ => return Some(cur),
                            },
                        }
                    }
                    Some(cur)
                })
                .collect();
            Geo {
                g,
                by_id,
                province,
                anchor,
            }
        })
    }

    pub(crate) fn is_province(&self, p: PlaceIdx) -> bool {
        self.g
            .places
            .get(p)
            .is_some_and(|pl| pl.level == Level::Province)
    }

    /// True when `outer` is `inner` or contains it (through parents or the province).
    pub(crate) fn contains(&self, outer: PlaceIdx, inner: PlaceIdx) -> bool {
        if outer == inner {
            return true;
        }
        if self.province.get(inner).copied().flatten() == Some(outer) {
            return true;
        }
        let mut cur = inner;
        for _ in 0..8 {
            match self.g.places.get(cur).and_then(|p| p.parent) {
                Some(up) if up == outer => return true,
                Some(up) => cur = up,
                None => return false,
            }
        }
        false
    }

    /// Drop every place that contains another place of the set; sorted, deduplicated.
    pub(crate) fn leaves(&self, mut set: Vec<PlaceIdx>) -> Vec<PlaceIdx> {
        set.sort_unstable();
        set.dedup();
        let keep: Vec<PlaceIdx> = set
            .iter()
            .copied()
            .filter(|&p| !set.iter().any(|&q| q != p && self.contains(p, q)))
            .collect();
        keep
    }

    /// How well two leaf sets agree on where: `None` when no place of one is, contains
    /// or lies in a place of the other; otherwise the best specificity (1.0 the same
    /// city, county or town; 0.7 one inside the other; 0.3 a province and a place in
    /// it; 0.2 the same province). Empty sets are compatible with everything (0.0).
    pub(crate) fn place_match(&self, a: &[PlaceIdx], b: &[PlaceIdx]) -> Option<f32> {
        if a.is_empty() || b.is_empty() {
            return Some(0.0);
        }
        let mut best: Option<f32> = None;
        for &p in a {
            for &q in b {
                let s = if p == q {
                    if self.is_province(p) {
                        0.2
                    } else {
                        1.0
                    }
                } else if self.contains(p, q) || self.contains(q, p) {
                    if self.is_province(p) || self.is_province(q) {
                        0.3
                    } else {
                        0.7
                    }
                } else {
                    continue;
                };
                best = Some(best.map_or(s, |b: f32| b.max(s)));
            }
        }
        best
    }
}
