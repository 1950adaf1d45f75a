//! Bad input: every case is a clear error (or item error), never a panic.

use std::time::Instant;

use lantern_ingest::{parse_file, MAX_DOCUMENT_BYTES};

const AT: &str = "2026-01-01T00:00:00Z";

fn err(bytes: &[u8], path: &str) -> String {
    match parse_file(bytes, path, AT) {
        Err(e) => e.reason,
        Ok(items) => panic!("expected an error for {path}, got {} items", items.len()),
    }
}

#[test]
fn empty_file() {
    assert!(err(b"", "empty.txt").contains("empty file"));
    assert!(err(b"  \n\n\t ", "blank.txt").contains("empty file"));
}

#[test]
fn png_named_txt() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    png.extend_from_slice(&[0x1f, 0x15, 0xc4, 0x89]);
    let e = err(&png, "photo.txt");
    assert!(e.contains("binary file (PNG image), not a report"), "{e}");
    assert!(e.contains("photo.txt"));
    assert!(err(b"%PDF-1.7\n...", "a.txt").contains("PDF document"));
    assert!(err(b"hello\0world", "a.txt").contains("NUL byte"));
}

#[test]
fn invalid_utf8() {
    let e = err(
        b"Border guards in Hyesan \xc3\x28 detained \xff three men.",
        "bad.txt",
    );
    assert!(e.contains("not valid UTF-8"), "{e}");
    assert!(e.contains("offset 24"), "{e}");
}

#[test]
fn fifty_megabyte_text_is_refused_quickly() {
    let big = vec![b'a'; 50 * 1024 * 1024];
    let start = Instant::now();
    let e = err(&big, "huge.txt");
    let took = start.elapsed();
    assert!(e.contains("50.0 MiB"), "{e}");
    assert!(e.contains("16.0 MiB"), "{e}");
    assert!(
        e.contains(&MAX_DOCUMENT_BYTES.to_string()) || e.contains("limit"),
        "{e}"
    );
    assert!(took.as_millis() < 2000, "took {took:?}");
}

#[test]
fn deeply_nested_html_does_not_overflow() {
    let depth = 10_000;
    let mut page = String::from("<html><head><title>Deep</title></head><body>");
    for _ in 0..depth {
        page.push_str("<div>");
    }
    page.push_str("<p>Security agents in Hyesan detained a broker on Tuesday, a source said.</p>");
    for _ in 0..depth {
        page.push_str("</div>");
    }
    page.push_str("</body></html>");
    // Run on a small stack to make sure nothing recurses with the depth.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || parse_file(page.as_bytes(), "deep.html", AT))
        .expect("thread");
    let items = handle.join().expect("no stack overflow").expect("parses");
    let report = items[0].as_ref().expect("report");
    assert!(report.body.contains("detained a broker"));
    assert_eq!(report.format, "html");
}

#[test]
fn jsonl_with_one_broken_line() {
    let data = concat!(
        r#"{"title": "One", "published": "2022-03-01", "body": "Guards in Musan arrested two smugglers."}"#,
        "\n",
        r#"{"title": "Two", "body": "unterminated"#,
        "\n\n",
        r#"{"title": "Three", "url": "https://example.org/3", "body": "Rice rose in Hyesan."}"#,
        "\n",
        r#"["not", "an", "object"]"#,
        "\n",
        r#"{"title": "No text"}"#,
        "\n",
    );
    let items = parse_file(data.as_bytes(), "feed.jsonl", AT).expect("file parses");
    assert_eq!(items.len(), 5);
    let ok: Vec<_> = items.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0].item, Some(1));
    assert_eq!(ok[1].item, Some(4));
    assert_eq!(ok[1].title.as_deref(), Some("Three"));
    let errs: Vec<_> = items.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(
        errs.iter().map(|e| e.item).collect::<Vec<_>>(),
        vec![2, 5, 6]
    );
    assert!(errs[0].reason.contains("line 2") && errs[0].reason.contains("invalid JSON"));
    assert!(errs[1].reason.contains("not a JSON object"));
    assert!(errs[2].reason.contains("no \"body\" or \"html\""));
}

#[test]
fn feed_item_without_body() {
    let rss = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test Wire</title>
<item><title>Has body</title><link>https://example.org/a</link><pubDate>Tue, 01 Mar 2022 10:00:00 +0900</pubDate><description>Guards in Manpo fired on a man at the river.</description></item>
<item><title>Empty one</title><link>https://example.org/b</link></item>
</channel></rss>"#;
    let items = parse_file(rss.as_bytes(), "wire.xml", AT).expect("parses");
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    let e = items[1].as_ref().expect_err("item error");
    assert_eq!(e.item, 2);
    assert!(
        e.reason.contains("feed item 2 (\"Empty one\") has no body"),
        "{}",
        e.reason
    );
}

#[test]
fn malformed_feed_and_other_errors() {
    let e = err(
        b"<?xml version=\"1.0\"?><rss><channel></channel></rss>",
        "x.xml",
    );
    assert!(e.contains("no items"), "{e}");
    let e = err(
        b"<html><body><nav><a href=\"/\">Home</a></nav></body></html>",
        "x.html",
    );
    assert!(e.contains("no report text"), "{e}");
    // Broken XML after one good item keeps the good item.
    let rss = "<rss><channel><item><title>A</title><description>Text here.</description></item><item><title>B</title><description>x</wrong></item></channel></rss>";
    let items = parse_file(rss.as_bytes(), "x.rss", AT).expect("parses");
    assert!(items[0].is_ok());
    assert!(items.last().expect("some").is_err());
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap deterministic fuzz: pseudo-random byte strings and mutations of real input.
    let seed_inputs: [&[u8]; 7] = [
        b"\xff\xfe-\0-\0-\0\n\0t\0",
        b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>t</title><content type=\"xhtml\"><div><p>a</p></div></content></entry></feed>",
        "---\ntitle: \"x\"\n---\n다.\n▲ a /사진=b\nMarket prices\nA | rice 1 won\n".as_bytes(),
        b"---\ntitle: x\n---\nBody. / Image: X\n",
        b"<html><body><article><p>x</p></article></body></html>",
        b"{\"title\": \"x\", \"body\": \"y\"}\n",
        b"<rss><channel><item><title>t</title><description>&lt;p&gt;d&lt;/p&gt;</description></item></channel></rss>",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let rounds: usize = std::env::var("LANTERN_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    for round in 0..rounds {
        let base = seed_inputs[round % seed_inputs.len()];
        let mut bytes = base.to_vec();
        for _ in 0..(next() % 6) {
            let pos = (next() as usize) % bytes.len();
            match next() % 3 {
                0 => bytes[pos] = next() as u8,
                1 => {
                    bytes.remove(pos);
                }
                _ => bytes.insert(pos, next() as u8),
            }
            if bytes.is_empty() {
                break;
            }
        }
        if let Ok(items) = parse_file(&bytes, "fuzz.bin", AT) {
            for r in items.into_iter().flatten() {
                let mut end = 0;
                for s in &r.removed {
                    assert!(s.offset >= end && s.offset + s.length <= r.text.len());
                    assert!(r.text.is_char_boundary(s.offset));
                    assert!(r.text.is_char_boundary(s.offset + s.length));
                    end = s.offset + s.length;
                }
                assert!(!r.body.is_empty());
                assert!(!r.body.contains("\n\n\n"));
                assert_eq!(r.id, lantern_ingest::sha256_hex(r.body.as_bytes()));
            }
        }
    }
}

#[test]
fn deep_json_and_deep_feed_nesting() {
    let deep_json = format!("{}\n", "[".repeat(100_000));
    // Starts with '[' so it is read as text; the point is that nothing overflows.
    let _ = parse_file(deep_json.as_bytes(), "deep.jsonl", AT);
    let line = format!("{{\"title\": \"x\", \"body\": {}}}\n", "[".repeat(10_000));
    let items = parse_file(line.as_bytes(), "deep.jsonl", AT).expect("file parses");
    assert!(items[0].is_err());

    let mut rss = String::from("<rss><channel><item><title>Deep</title><description>");
    for _ in 0..10_000 {
        rss.push_str("<span>");
    }
    rss.push_str("Guards in Musan detained a man.");
    for _ in 0..10_000 {
        rss.push_str("</span>");
    }
    rss.push_str("</description></item></channel></rss>");
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || parse_file(rss.as_bytes(), "deep.xml", AT))
        .expect("thread");
    let items = handle.join().expect("no stack overflow").expect("parses");
    assert_eq!(items.len(), 1);
}

#[test]
fn only_boilerplate_is_an_error() {
    let e = err(b"Read in Korean\n\nPhoto: A street in Hyesan\n", "x.txt");
    assert!(e.contains("only boilerplate"), "{e}");
    let items = parse_file(b"{\"body\": \"Read in English\"}\n", "x.jsonl", AT).expect("file");
    assert!(items[0]
        .as_ref()
        .expect_err("item")
        .reason
        .contains("only boilerplate"));
}
