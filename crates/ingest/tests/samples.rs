//! The shipped sample reports (examples/reports at the repository root) all parse, with
//! titles, dates and their boilerplate removed.

use std::path::PathBuf;

use lantern_ingest::{parse_file, DateSource, Language, Report};

fn samples() -> Vec<(String, Report)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/reports exists")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        let bytes = std::fs::read(&path).expect("read");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for item in parse_file(&bytes, &name, "2026-01-01T00:00:00Z")
            .unwrap_or_else(|e| panic!("{name}: {e}"))
        {
            out.push((name.clone(), item.unwrap_or_else(|e| panic!("{name}: {e}"))));
        }
    }
    out
}

#[test]
fn all_samples_parse_cleanly() {
    let all = samples();
    assert_eq!(all.len(), 13, "reports in examples/reports");
    let korean = all
        .iter()
        .filter(|(_, r)| r.language == Language::Ko)
        .count();
    assert!(korean >= 5, "{korean} Korean reports");
    let formats: std::collections::BTreeSet<&str> =
        all.iter().map(|(_, r)| r.format.as_str()).collect();
    assert_eq!(
        formats.into_iter().collect::<Vec<_>>(),
        vec!["html", "jsonl", "rss", "text"]
    );
    for (name, r) in &all {
        assert!(
            r.title.is_some() || name.starts_with("manpo"),
            "{name}: title"
        );
        assert!(r.published.is_some(), "{name}: published");
        // HTML chrome is dropped by the HTML path itself, so pages may have no spans.
        assert!(
            r.format == "html" || !r.removed.is_empty(),
            "{name}: no boilerplate found"
        );
        for gone in [
            "사진=",
            "/ Image:",
            "Read in",
            "기자",
            "관련기사",
            "Related articles",
            "©",
            "ⓒ",
        ] {
            assert!(!r.body.contains(gone), "{name}: {gone} left in body");
        }
        let words = r.body.split_whitespace().count();
        assert!((100..=420).contains(&words), "{name}: {words} words");
    }
}

#[test]
fn euc_kr_sample_and_body_date() {
    let all = samples();
    let (_, r) = all
        .iter()
        .find(|(n, _)| n == "hyesan-phone-crackdown-euckr.txt")
        .expect("EUC-KR sample");
    assert_eq!(r.language, Language::Ko);
    assert!(r.body.contains("국가보위성"));
    let (_, m) = all
        .iter()
        .find(|(n, _)| n.starts_with("manpo"))
        .expect("manpo");
    let p = m.published.as_ref().expect("date");
    assert_eq!(
        (p.date.to_string().as_str(), p.source),
        ("2021-06-30", DateSource::BodyText)
    );
}
