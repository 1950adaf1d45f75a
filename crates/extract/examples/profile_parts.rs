//! Rough per-stage timing over a synthetic corpus (for performance work).
//! usage: cargo run --release -p lantern-extract --example profile_parts

use std::time::Instant;

fn main() {
    let en = "Ministry of State Security agents in Hyesan arrested three men in their 30s late last week, a source in Ryanggang Province told the newsroom. Rice sold for 5,200 won per kilogram at the market in Musan on Monday, up from 4,800 won. Residents say the broker will probably be sent to a labor camp, though no sentence has been handed down yet. ";
    let ko = "혜산시에서 지난 3일 밀수를 하던 주민 2명이 보위부에 체포됐다고 현지 소식통이 전했다. 신의주 시장에서 쌀값이 1kg에 6000원으로 올랐다. ";
    let body = format!("{}\n\n{}", en.repeat(4000), ko.repeat(2000));
    let mb = body.len() as f64 / 1e6;
    let t = Instant::now();
    let g = lantern_extract::gazetteer::Gazetteer::get();
    let _ = g.find_mentions("Hyesan", &[]);
    let _ = lantern_extract::cues::Lexicon::get();
    println!("init {:?}", t.elapsed());
    let t = Instant::now();
    let m = g.find_mentions(&body, &[]);
    let d = t.elapsed().as_secs_f64();
    println!("gazetteer: {} mentions, {:.1} MB/s", m.len(), mb / d);
    let t = Instant::now();
    let h = lantern_extract::cues::Lexicon::get().scan(&body, &[]);
    let d = t.elapsed().as_secs_f64();
    println!("cues: {} hits, {:.1} MB/s", h.len(), mb / d);
    let t = Instant::now();
    let s = lantern_extract::text::sentences(&body);
    println!(
        "sentences: {} {:.1} MB/s",
        s.len(),
        mb / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let f = lantern_extract::text::furniture_lines(&body);
    println!(
        "furniture: {} {:.1} MB/s",
        f.len(),
        mb / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut n = 0;
    for x in &s {
        n += lantern_extract::quantities::scan(&body, x.start, x.end).len();
    }
    println!(
        "quantities: {} {:.1} MB/s",
        n,
        mb / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut n = 0;
    let p = chrono::NaiveDate::from_ymd_opt(2022, 3, 18);
    for x in &s {
        n += lantern_extract::dates::scan(&body, x.start, x.end, p).len();
    }
    println!("dates: {} {:.1} MB/s", n, mb / t.elapsed().as_secs_f64());
    let r = lantern_ingest::Report {
        id: String::new(),
        original_sha256: String::new(),
        title: None,
        outlet: None,
        url: None,
        published: None,
        language: lantern_ingest::Language::En,
        text: String::new(),
        removed: Vec::new(),
        body: body.clone(),
        captured_at: String::new(),
        source_path: String::new(),
        item: None,
        format: "text".into(),
    };
    let t = Instant::now();
    let e = lantern_extract::extract(&r);
    println!(
        "extract: {} events {:.1} MB/s",
        e.len(),
        mb / t.elapsed().as_secs_f64()
    );
}
