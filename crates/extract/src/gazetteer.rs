//! The compiled-in gazetteer and the place-mention finder.
//! (Stub: the gazetteer work fills this in behind the same API.)

use crate::model::Level;

/// Index of a place in [`Gazetteer::places`].
pub type PlaceIdx = usize;

/// One place of the gazetteer.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Stable id, e.g. "kp-yanggang-hyesan".
    pub id: String,
    /// Canonical name, e.g. "Hyesan" (the codebook's spelling).
    pub name: String,
    pub level: Level,
    /// Canonical name of the first-level division: "Yanggang", "Jilin", ...
    pub admin1: String,
    /// The enclosing county/city for towns and districts, if known.
    pub parent: Option<PlaceIdx>,
    /// ISO country code: KP, CN, RU.
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    /// True when the coordinates are only the parent's.
    pub approximate: bool,
    /// Every spelling: romanizations with and without diacritics, older names, Hangul.
    pub variants: Vec<String>,
}

/// A place name found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Byte range of the name in the text (without particles or possessives).
    pub start: usize,
    pub end: usize,
    /// The place the mention resolves to, after disambiguation.
    pub place: PlaceIdx,
    /// A level word written with the name ("County", "Province", "군", "도"), if any.
    pub qualifier: Option<Level>,
}

/// All places, compiled in.
pub struct Gazetteer {
    pub places: Vec<Place>,
}

impl Gazetteer {
    /// The compiled-in gazetteer, built on first use.
    pub fn get() -> &'static Gazetteer {
        static G: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        G.get_or_init(|| Gazetteer { places: Vec::new() })
    }

    pub fn place(&self, idx: PlaceIdx) -> &Place {
        &self.places[idx]
    }

    pub fn by_id(&self, id: &str) -> Option<PlaceIdx> {
        self.places.iter().position(|p| p.id == id)
    }

    /// Places whose name or variant equals `name` (after normalisation).
    pub fn lookup(&self, name: &str) -> Vec<PlaceIdx> {
        let _ = name;
        Vec::new()
    }

    /// Find place mentions in `text`, skipping the byte ranges in `skip`, resolving
    /// ambiguous names with the text's other places. Sorted by `start`.
    pub fn find_mentions(&self, text: &str, skip: &[(usize, usize)]) -> Vec<Mention> {
        let _ = (text, skip);
        Vec::new()
    }
}
