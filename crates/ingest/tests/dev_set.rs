//! Every dev report parses, with title and published date wherever the file gives them
//! (checked against dev-gold.jsonl), and the boilerplate noted in the gold is removed.

use lantern_ingest::{parse_file, Report};

const DEV: &str = "/work/shared/eval/dev";
const GOLD: &str = "/work/shared/eval/dev-gold.jsonl";

fn load(path: &str) -> Report {
    let bytes = std::fs::read(path).expect("read");
    let mut items =
        parse_file(&bytes, path, "2026-01-01T00:00:00Z").unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(items.len(), 1, "{path}");
    items.remove(0).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn all_dev_files_parse_with_metadata() {
    let Ok(gold) = std::fs::read_to_string(GOLD) else {
        eprintln!("dev set not available, skipping");
        return;
    };
    let mut seen = 0;
    for line in gold.lines().filter(|l| !l.trim().is_empty()) {
        let g: serde_json::Value = serde_json::from_str(line).expect("gold line");
        let id = g["id"].as_str().expect("id");
        let path = ["txt", "html"]
            .iter()
            .map(|ext| format!("{DEV}/{id}.{ext}"))
            .find(|p| std::path::Path::new(p).exists())
            .expect("dev file exists");
        let r = load(&path);
        seen += 1;
        let want = g["published"].as_str();
        assert_eq!(
            r.published.as_ref().map(|p| p.date.to_string()),
            want.map(str::to_string),
            "{id} published"
        );
        let raw = std::fs::read_to_string(&path).expect("read");
        let has_header = raw.starts_with("---\n") || raw.contains("<title>");
        assert_eq!(r.title.is_some(), has_header, "{id} title");
        assert!(!r.body.is_empty());
        assert!(!r.body.contains("\n\n\n"), "{id}: blank-line run in body");
        // Removed spans are sorted, non-overlapping, whole lines.
        let mut end = 0;
        for s in &r.removed {
            assert!(s.offset >= end, "{id}: overlapping spans");
            end = s.offset + s.length;
            assert!(s.offset == 0 || r.text.as_bytes()[s.offset - 1] == b'\n');
        }
        // Noise-only place names (English spellings) never survive in the body.
        if r.language.as_str() == "en" {
            for p in g["noise_places"].as_array().expect("noise") {
                let p = p.as_str().expect("str");
                assert!(
                    !r.body.to_lowercase().contains(&p.to_lowercase()),
                    "{id}: noise place {p} left in body"
                );
            }
        }
        let lang = if id >= "dev-026" { "ko" } else { "en" };
        assert_eq!(r.language.as_str(), lang, "{id}");
    }
    assert_eq!(seen, 31);
}

#[test]
fn dev_013_html() {
    let path = format!("{DEV}/dev-013.html");
    if !std::path::Path::new(&path).exists() {
        return;
    }
    let r = load(&path);
    assert_eq!(r.format, "html");
    assert_eq!(
        r.title.as_deref(),
        Some("Social security agents hunt remittance brokers in Manpo")
    );
    assert_eq!(r.outlet.as_deref(), Some("Border Light News"));
    let p = r.published.expect("date");
    assert_eq!(p.date.to_string(), "2021-05-14");
    assert_eq!(p.source, lantern_ingest::DateSource::ArticlePublishedTime);
    assert_eq!(r.body.split("\n\n").count(), 6);
    for gone in [
        "Sinuiju market prices",
        "Ji'an",
        "Image:",
        "newsletter",
        "Yanji",
        "Opinion",
    ] {
        assert!(!r.body.contains(gone), "{gone}");
    }
    assert!(r
        .body
        .starts_with("The Ministry of Social Security in Jagang Province"));
}

#[test]
fn dev_widgets_removed() {
    for (id, gone) in [
        ("dev-016", "MARKET PRICES"),
        ("dev-022", "Market prices this week"),
        ("dev-022", "USD 8,000 won"),
        ("dev-029", "관련기사"),
        ("dev-029", "사진="),
        ("dev-026", "김성민 기자"),
        ("dev-028", "이지현 기자"),
        ("dev-015", "contributing reporter"),
        ("dev-004", "previously reported from Musan"),
        // Korean noise places, all in captions or related-article links.
        ("dev-026", "장백"),
        ("dev-027", "온성"),
        ("dev-028", "무산"),
        ("dev-029", "삼지연"),
        ("dev-029", "신의주"),
        ("dev-030", "위원군"),
    ] {
        let path = format!("{DEV}/{id}.txt");
        if !std::path::Path::new(&path).exists() {
            return;
        }
        let r = load(&path);
        assert!(!r.body.contains(gone), "{id}: {gone}");
        assert!(r.text.contains(gone), "{id}: {gone} should be in text");
    }
}
