//! Extract: turns a clean [`lantern_ingest::Report`] into the events of the codebook
//! (`../shared/eval/CODEBOOK.md`): sentences, places from the compiled-in gazetteer,
//! actors, event cues, modality, dates, attribution and quantities, each event pointing
//! at the byte spans of the report body that support it.
//!
//! Rules, not models: cue lexicons (English and Korean, [`lexicon`]) scanned with one
//! Aho-Corasick automaton; per sentence and clause, negation and speculation decide what
//! is asserted; places are judged per mention ([`places`]); output follows the codebook
//! ([`output::codebook_json`]).
//!
//! Pure and deterministic: the same report and the same [`EXTRACTOR_VERSION`] always
//! give the same events. No I/O; the gazetteer is compiled in. Linear in the text.

pub mod actors;
pub mod attribution;
pub mod cues;
pub mod dates;
mod events;
pub mod gazetteer;
pub mod lexicon;
mod model;
pub mod output;
mod overlap;
pub mod places;
pub mod quantities;
pub mod text;
mod trie;

pub use model::*;
pub use output::{codebook_json, format_table};

/// Bumped whenever extraction output can change; stored with every event so that
/// `lantern reextract` knows what is stale.
pub const EXTRACTOR_VERSION: &str = "0.2.1";

/// Extract the events of one report.
pub fn extract(report: &lantern_ingest::Report) -> Vec<Event> {
    events::extract(report)
}
