//! Positive format tests on inputs written for these tests.

use encoding_rs::{EUC_KR, UTF_16BE, UTF_16LE};
use lantern_ingest::{detect_format, parse_file, DateSource, Language, Report, SpanKind};

const AT: &str = "2026-01-01T00:00:00Z";

fn one(bytes: &[u8], path: &str) -> Report {
    let mut items = parse_file(bytes, path, AT).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(items.len(), 1);
    items.remove(0).expect("report")
}

fn all_ok(bytes: &[u8], path: &str) -> Vec<Report> {
    parse_file(bytes, path, AT)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .into_iter()
        .map(|r| r.expect("item"))
        .collect()
}

const STORY: &str = "---\ntitle: Guards detain two in Hyesan\noutlet: Test Wire\npublished: 2023-04-02\n---\n\nState security agents in Hyesan detained two smugglers on the riverbank, a source said.\r\n\r\nThe men were taken to the city security bureau.\r\n";

fn utf16(enc: &'static encoding_rs::Encoding, bom: &[u8], s: &str) -> Vec<u8> {
    let mut out = bom.to_vec();
    for unit in s.encode_utf16() {
        let b = if enc == UTF_16LE {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        };
        out.extend_from_slice(&b);
    }
    out
}

#[test]
fn utf16_with_bom() {
    for (enc, bom) in [(UTF_16LE, &[0xff, 0xfe][..]), (UTF_16BE, &[0xfe, 0xff][..])] {
        let bytes = utf16(enc, bom, STORY);
        let r = one(&bytes, "story.txt");
        assert_eq!(r.title.as_deref(), Some("Guards detain two in Hyesan"));
        assert_eq!(
            r.published.as_ref().map(|p| p.date.to_string()).as_deref(),
            Some("2023-04-02")
        );
        assert!(!r.text.contains('\r'));
        assert_eq!(
            r.body,
            "State security agents in Hyesan detained two smugglers on the riverbank, a source said.\n\nThe men were taken to the city security bureau."
        );
        assert_eq!(r.original_sha256, lantern_ingest::sha256_hex(&bytes));
        assert_eq!(r.id, lantern_ingest::sha256_hex(r.body.as_bytes()));
    }
}

#[test]
fn utf8_bom_and_crlf() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(STORY.as_bytes());
    let r = one(&bytes, "story.txt");
    assert_eq!(r.outlet.as_deref(), Some("Test Wire"));
    assert_eq!(r.published.expect("date").source, DateSource::FrontMatter);
}

const KO_STORY: &str = "---\ntitle: \"신의주 세관 밀수 단속\"\noutlet: 시험통신\npublished: \"2022-11-03 14:20\"\n---\n\n평안북도 신의주시에서 세관 검사원 2명이 밀수품을 눈감아 준 혐의로 보위부에 체포됐다고 소식통이 전했다.\n\n▲ 신의주 세관 앞 도로. /사진=시험통신\n\n소식통은 \"두 사람은 노동단련대 6개월 처벌을 받았다\"고 말했다.\n\n박OO 기자\n";

#[test]
fn euc_kr_text() {
    let (bytes, _, had_errors) = EUC_KR.encode(KO_STORY);
    assert!(!had_errors);
    assert!(std::str::from_utf8(&bytes).is_err());
    let r = one(&bytes, "ko.txt");
    assert_eq!(r.language, Language::Ko);
    assert_eq!(r.title.as_deref(), Some("신의주 세관 밀수 단속"));
    assert_eq!(
        r.published.as_ref().map(|p| p.date.to_string()).as_deref(),
        Some("2022-11-03")
    );
    assert!(r.body.contains("보위부에 체포됐다"));
    assert!(!r.body.contains("사진="));
    assert!(!r.body.contains("기자"));
    let kinds: Vec<SpanKind> = r.removed.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, vec![SpanKind::Caption, SpanKind::Byline]);
}

#[test]
fn html_meta_charset_euc_kr() {
    let page = "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=euc-kr\">\
<title>혜산 송금 브로커 체포 - 시험통신</title><meta property=\"og:site_name\" content=\"시험통신\">\
<meta name=\"date\" content=\"2021-08-09\"></head><body><div class=\"article-body\">\
<p>양강도 혜산시 보위부가 송금 브로커 1명을 체포했다고 소식통이 전했다. 브로커는 중국 손전화로 한국과 통화하다 전파탐지기에 걸렸다.</p>\
<p>소식통은 \"보위부가 브로커의 집에서 현금 2만 위안을 압수했다\"고 말했다. 주민들 사이에서는 단속이 더 심해질 것이라는 말이 나온다.</p>\
</div><div class=\"share-buttons\"><a href=\"#\">공유하기</a></div></body></html>";
    let (bytes, _, had_errors) = EUC_KR.encode(page);
    assert!(!had_errors);
    let r = one(&bytes, "page.html");
    assert_eq!(r.format, "html");
    assert_eq!(r.language, Language::Ko);
    assert_eq!(r.title.as_deref(), Some("혜산 송금 브로커 체포"));
    assert_eq!(r.outlet.as_deref(), Some("시험통신"));
    let p = r.published.expect("date");
    assert_eq!(
        (p.date.to_string().as_str(), p.source),
        ("2021-08-09", DateSource::MetaTag)
    );
    assert_eq!(r.body.split("\n\n").count(), 2);
    assert!(!r.body.contains("공유하기"));
}

#[test]
fn html_page_with_chrome() {
    let page = r#"<html><head><title>Lockdown extended in Rason | Sample Desk</title>
<link rel="canonical" href="https://example.org/rason-lockdown">
<script>var x = "<p>not text</p>";</script><style>p { color: red }</style></head>
<body><header><a href="/">Sample Desk</a><ul><li><a href="/a">Politics</a></li></ul></header>
<main><h1>Lockdown extended in Rason</h1>
<p class="byline">By Han Ji-won</p>
<time datetime="2021-02-11T08:00:00+09:00">February 11, 2021</time>
<p>Authorities in Rason have extended a lockdown of the city for another three weeks, a source said.</p>
<figure><img src="x.jpg"><figcaption>A street in Rason. / Photo: Sample Desk</figcaption></figure>
<p>Residents may not leave their homes except to collect rations, and people's unit heads check every household twice a day.</p>
<aside><h3>Related</h3><ul><li><a href="/1">Rice prices in Chongjin</a></li></ul></aside>
<ul class="links"><li><a href="/2">Market prices in Hyesan rise</a></li><li><a href="/3">Guards rotated in Musan</a></li></ul>
<form><input name="q"><button>Search</button></form>
</main><footer><p>Contact us</p></footer></body></html>"#;
    let r = one(page.as_bytes(), "page.html");
    assert_eq!(r.title.as_deref(), Some("Lockdown extended in Rason"));
    assert_eq!(r.outlet.as_deref(), Some("Sample Desk"));
    assert_eq!(r.url.as_deref(), Some("https://example.org/rason-lockdown"));
    let p = r.published.expect("date");
    assert_eq!(
        (p.date.to_string().as_str(), p.source),
        ("2021-02-11", DateSource::TimeElement)
    );
    assert_eq!(
        r.body,
        "Authorities in Rason have extended a lockdown of the city for another three weeks, a source said.\n\nResidents may not leave their homes except to collect rations, and people's unit heads check every household twice a day."
    );
    // The byline and the date line stay in text as removed spans.
    assert!(r.removed.iter().any(|s| s.kind == SpanKind::Byline));
    for gone in [
        "not text", "color", "Politics", "Photo", "Chongjin", "Hyesan", "Search", "Contact",
    ] {
        assert!(!r.text.contains(gone), "{gone}");
    }
}

#[test]
fn rss_with_three_items() {
    let rss = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Border Test Feed</title><link>https://example.org</link>
<item><title>Broker held in Hoeryong</title><link>https://example.org/1</link>
<pubDate>Mon, 06 Mar 2023 09:30:00 +0900</pubDate>
<content:encoded><![CDATA[<p>Security agents in Hoeryong arrested a remittance broker, a source said.</p><figure><figcaption>Hoeryong. / Image: Border Test Feed</figcaption></figure><p>She was taken to the city security bureau.</p>]]></content:encoded>
<description>Short summary.</description></item>
<item><title>Lectures in Sinuiju</title><link>https://example.org/2</link>
<dc:date>2023-03-07</dc:date>
<description>&lt;p&gt;Party officials in Sinuiju ordered nightly lectures.&lt;/p&gt;&lt;p&gt;Attendance is recorded.&lt;/p&gt;</description></item>
<item><title>Plain text item</title><guid>https://example.org/3</guid>
<pubDate>Wed, 08 Mar 2023 10:00:00 GMT</pubDate>
<description>Guards in Manpo were rotated.

Residents were told to stay away from the river.</description></item>
</channel></rss>"#;
    assert_eq!(detect_format(rss.as_bytes(), "feed.xml"), "rss");
    let items = all_ok(rss.as_bytes(), "feed.xml");
    assert_eq!(items.len(), 3);
    assert!(items
        .iter()
        .all(|r| r.format == "rss" && r.outlet.as_deref() == Some("Border Test Feed")));
    assert_eq!(
        items.iter().map(|r| r.item).collect::<Vec<_>>(),
        vec![Some(1), Some(2), Some(3)]
    );
    assert_eq!(
        items[0].body,
        "Security agents in Hoeryong arrested a remittance broker, a source said.\n\nShe was taken to the city security bureau."
    );
    assert_eq!(items[0].url.as_deref(), Some("https://example.org/1"));
    assert_eq!(
        items[0]
            .published
            .as_ref()
            .map(|p| (p.date.to_string(), p.source)),
        Some(("2023-03-06".into(), DateSource::Feed))
    );
    assert_eq!(
        items[1].body,
        "Party officials in Sinuiju ordered nightly lectures.\n\nAttendance is recorded."
    );
    assert_eq!(
        items[1]
            .published
            .as_ref()
            .map(|p| p.date.to_string())
            .as_deref(),
        Some("2023-03-07")
    );
    assert_eq!(items[2].url.as_deref(), Some("https://example.org/3"));
    assert_eq!(
        items[2].body,
        "Guards in Manpo were rotated.\n\nResidents were told to stay away from the river."
    );
}

#[test]
fn atom_with_two_entries() {
    let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Test</title>
<entry><title type="html">Repatriation via &lt;b&gt;Tumen&lt;/b&gt;</title>
<link rel="alternate" href="https://example.org/a1"/><link rel="edit" href="https://example.org/edit"/>
<published>2024-05-02T10:00:00+09:00</published><updated>2024-05-03T10:00:00+09:00</updated>
<content type="html">&lt;p&gt;Chinese police handed over five people at the Tumen bridge.&lt;/p&gt;</content></entry>
<entry><title>Second</title><link href="https://example.org/a2"/>
<updated>2024-05-04T00:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Guards in Namyang questioned them.</p><p>A &lt; B stays text.</p></div></content></entry>
</feed>"#;
    assert_eq!(detect_format(atom.as_bytes(), "x"), "atom");
    let items = all_ok(atom.as_bytes(), "feed.atom");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].title.as_deref(), Some("Repatriation via Tumen"));
    assert_eq!(items[0].url.as_deref(), Some("https://example.org/a1"));
    assert_eq!(
        items[0]
            .published
            .as_ref()
            .map(|p| p.date.to_string())
            .as_deref(),
        Some("2024-05-02")
    );
    assert_eq!(
        items[0].body,
        "Chinese police handed over five people at the Tumen bridge."
    );
    assert_eq!(
        items[1].body,
        "Guards in Namyang questioned them.\n\nA < B stays text."
    );
    assert_eq!(
        items[1]
            .published
            .as_ref()
            .map(|p| p.date.to_string())
            .as_deref(),
        Some("2024-05-04")
    );
    assert_eq!(items[1].outlet.as_deref(), Some("Atom Test"));
    assert!(items.iter().all(|r| r.format == "atom"));
}

#[test]
fn jsonl_body_and_html() {
    let data = concat!(
        r#"{"title": "Body one", "outlet": "J", "url": "https://example.org/j1", "published": "2020-07-01T12:00:00Z", "body": "Guards in Musan shot at a man.\n\nFILE PHOTO: The Tumen at Musan.\n\nHe survived."}"#,
        "\n",
        r#"{"title": "Html one", "published": "July 2, 2020", "html": "<p>Agents in Kanggye searched homes.</p><figure><figcaption>x</figcaption></figure><p>Two phones were seized.</p>"}"#,
        "\n",
        r#"{"html": "<html><head><title>Full page</title><meta property=\"article:published_time\" content=\"2020-07-03\"></head><body><article><p>Rice rose in Pyongsong markets this week, a source said, as traders held back stock.</p><p>Corn also rose in Pyongsong, where the price passed 2,000 won for the first time this year.</p></article></body></html>"}"#,
        "\n"
    );
    let items = all_ok(data.as_bytes(), "x.jsonl");
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0].body,
        "Guards in Musan shot at a man.\n\nHe survived."
    );
    assert_eq!(items[0].removed[0].kind, SpanKind::Caption);
    assert_eq!(
        items[0]
            .published
            .as_ref()
            .map(|p| (p.date.to_string(), p.source)),
        Some(("2020-07-01".into(), DateSource::JsonField))
    );
    assert_eq!(
        items[1].body,
        "Agents in Kanggye searched homes.\n\nTwo phones were seized."
    );
    assert_eq!(
        items[1]
            .published
            .as_ref()
            .map(|p| p.date.to_string())
            .as_deref(),
        Some("2020-07-02")
    );
    assert_eq!(items[2].title.as_deref(), Some("Full page"));
    assert_eq!(
        items[2].published.as_ref().map(|p| p.source),
        Some(DateSource::ArticlePublishedTime)
    );
    assert!(items.iter().all(|r| r.format == "jsonl"));
    assert_eq!(
        items.iter().map(|r| r.item).collect::<Vec<_>>(),
        vec![Some(1), Some(2), Some(3)]
    );
}

#[test]
fn plain_text_without_front_matter() {
    let r = one(
        b"Officers in Pochon beat a man.\n\nHe was released.\n",
        "note.txt",
    );
    assert!(r.title.is_none() && r.published.is_none());
    assert_eq!(r.body, "Officers in Pochon beat a man.\n\nHe was released.");
    assert_eq!(r.source_path, "note.txt");
    assert_eq!(r.captured_at, AT);
    assert_eq!(r.item, None);
}

#[test]
fn html_without_article_uses_densest_block_and_br_paragraphs() {
    let page = r#"<html><head><title>Old style page</title>
<script>var big = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.";</script></head>
<body><div id="top"><a href="/">Home</a> <a href="/n">News</a></div>
<table><tr><td class="left"><a href="/x">Menu item one</a><br><a href="/y">Menu item two</a></td>
<td><div id="articleBody">함경북도 온성군에서 국경경비대원 2명이 밀수꾼에게 뇌물을 받은 혐의로 보위부에 체포됐다고 소식통이 전했다.<br><br>소식통은 "이들은 한 번에 300위안씩 받고 근무 시간을 알려줬다"고 말했다. 보위부는 이들과 거래한 주민 4명도 함께 체포했다.<br><br>▲ 온성군 두만강 연선. /사진=시험통신</div></td></tr></table>
</body></html>"#;
    let r = one(page.as_bytes(), "old.html");
    assert_eq!(
        r.body,
        "함경북도 온성군에서 국경경비대원 2명이 밀수꾼에게 뇌물을 받은 혐의로 보위부에 체포됐다고 소식통이 전했다.\n\n소식통은 \"이들은 한 번에 300위안씩 받고 근무 시간을 알려줬다\"고 말했다. 보위부는 이들과 거래한 주민 4명도 함께 체포했다."
    );
    assert_eq!(r.removed.len(), 1);
    assert_eq!(r.language, Language::Ko);
}

#[test]
fn rss_declared_euc_kr() {
    let rss = "<?xml version=\"1.0\" encoding=\"EUC-KR\"?>\n<rss version=\"2.0\"><channel><title>시험 피드</title>\
<item><title>만포 단속</title><pubDate>Fri, 10 Nov 2023 09:00:00 +0900</pubDate>\
<description>자강도 만포시 보위부가 밀수꾼 2명을 체포했다.</description></item></channel></rss>";
    let (bytes, _, had_errors) = EUC_KR.encode(rss);
    assert!(!had_errors);
    let items = all_ok(&bytes, "ko.xml");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].outlet.as_deref(), Some("시험 피드"));
    assert_eq!(
        items[0].body,
        "자강도 만포시 보위부가 밀수꾼 2명을 체포했다."
    );
    assert_eq!(items[0].language, Language::Ko);
}

#[test]
fn plain_json_object_and_array() {
    let one_obj = "{\n  \"title\": \"Pretty\",\n  \"published\": \"2021-01-05\",\n  \"body\": \"Guards in Sinuiju searched boats on the Yalu.\"\n}\n";
    let items = all_ok(one_obj.as_bytes(), "x.json");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].title.as_deref(), Some("Pretty"));
    assert_eq!(items[0].item, Some(1));
    let arr = r#"[{"title": "A", "body": "Agents in Hyesan arrested a broker."}, {"title": "B"}]"#;
    let items = parse_file(arr.as_bytes(), "x.json", AT).expect("file");
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert_eq!(items[1].as_ref().expect_err("no body").item, 2);
}

#[test]
fn parse_file_hashed_is_parse_file() {
    let files: [(&str, &[u8]); 3] = [
        (
            "a.txt",
            b"---\ntitle: T\n---\nA source said the market was closed.\n\nPhoto: X\n",
        ),
        (
            "b.jsonl",
            b"{\"text\": \"One line.\"}\n{\"text\": \"\"}\n{\"text\": \"Two.\"}\n",
        ),
        (
            "c.html",
            b"<html><body><p>Text of the page.</p></body></html>",
        ),
    ];
    for (path, bytes) in files {
        let sha = lantern_ingest::sha256_hex(bytes);
        let at = "2026-01-01T00:00:00Z";
        let plain = lantern_ingest::parse_file(bytes, path, at).expect("parses");
        let hashed = lantern_ingest::parse_file_hashed(bytes, sha, path, at).expect("parses");
        assert_eq!(plain, hashed, "{path}");
    }
}
