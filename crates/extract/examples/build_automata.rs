//! Builds the cue lexicon and gazetteer automata once (for measuring their one-time cost).
//! usage: valgrind --tool=callgrind --toggle-collect='build_automata::build' target/release/examples/build_automata

#[inline(never)]
fn build() -> usize {
    let g = lantern_extract::gazetteer::Gazetteer::get();
    let l = lantern_extract::cues::Lexicon::get();
    g.places.len() + l.tags(0).len()
}

fn main() {
    println!("{}", build());
}
