//! Boilerplate rules on report variants written for these tests: what must go, and story
//! lines that look a little like boilerplate but must stay.

use lantern_ingest::{parse_file, Report, SpanKind};

fn parse(text: &str) -> Report {
    let mut items = parse_file(text.as_bytes(), "t.txt", "2026-01-01T00:00:00Z").expect("parses");
    items.remove(0).expect("report")
}

fn removed(r: &Report) -> Vec<(String, SpanKind)> {
    r.removed
        .iter()
        .map(|s| {
            (
                r.text[s.offset..s.offset + s.length].trim().to_string(),
                s.kind,
            )
        })
        .collect()
}

const EN: &str = "\
Home > North Korea > Border
By Choi Eun-ha
Published: March 3, 2024

Market prices this week
Hyesan: rice 5,900 won/kg
Hoeryong: rice 6,100 won/kg

Agents of the Ministry of State Security arrested four people in Hyesan last week for carrying Chinese phones, a source in Ryanggang Province said.
smuggling phones hyesan arrests

FILE PHOTO: A guard post on the Yalu near Hyesan.

The four were held at the provincial security bureau, and one of them was beaten during questioning, according to the source. Agents also seized two
chinese phones hidden under floor boards
in the kitchen of one house, the source said.
(Photo: Sample Wire)

Photographs of the arrests were shown at a lecture for people's unit heads, the source added.

rice sold for 6,000 won a kilogram at the Hyesan market on Monday, a second source said.

Kim Sun-hee is a reporter at the provincial party newspaper, the source said, and she attended the lecture.

Related articles
Guards rotated along the Yalu
Rice prices rise in Hyesan

Share this article
Sign up for our weekly newsletter
© 2024 Sample Wire. All rights reserved.
Choi Eun-ha is a Sample Wire correspondent based in Seoul.
";

#[test]
fn english_variant() {
    let r = parse(EN);
    let got = removed(&r);
    let want: Vec<(&str, SpanKind)> = vec![
        ("Home > North Korea > Border", SpanKind::Nav),
        ("By Choi Eun-ha", SpanKind::Byline),
        ("Published: March 3, 2024", SpanKind::Byline),
        ("Market prices this week", SpanKind::Other),
        ("Hyesan: rice 5,900 won/kg", SpanKind::Other),
        ("Hoeryong: rice 6,100 won/kg", SpanKind::Other),
        ("smuggling phones hyesan arrests", SpanKind::TagLine),
        (
            "FILE PHOTO: A guard post on the Yalu near Hyesan.",
            SpanKind::Caption,
        ),
        ("(Photo: Sample Wire)", SpanKind::Caption),
        ("Related articles", SpanKind::Nav),
        ("Guards rotated along the Yalu", SpanKind::Nav),
        ("Rice prices rise in Hyesan", SpanKind::Nav),
        ("Share this article", SpanKind::Footer),
        ("Sign up for our weekly newsletter", SpanKind::Footer),
        ("© 2024 Sample Wire. All rights reserved.", SpanKind::Footer),
        (
            "Choi Eun-ha is a Sample Wire correspondent based in Seoul.",
            SpanKind::Byline,
        ),
    ];
    let got_ref: Vec<(&str, SpanKind)> = got.iter().map(|(s, k)| (s.as_str(), *k)).collect();
    assert_eq!(got_ref, want);
    // Story lines that resemble boilerplate stay: a lower-case line inside a hard-wrapped
    // paragraph,
    // a sentence starting with "Photographs", a lower-case sentence with a price, and a
    // mid-story "X is a reporter" sentence.
    for keep in [
        "chinese phones hidden under floor boards",
        "Photographs of the arrests were shown",
        "rice sold for 6,000 won a kilogram",
        "Kim Sun-hee is a reporter at the provincial party newspaper",
    ] {
        assert!(r.body.contains(keep), "lost: {keep}");
    }
    assert!(r
        .body
        .starts_with("Agents of the Ministry of State Security"));
    assert!(r.body.ends_with("she attended the lecture."));
    assert!(!r.body.contains("\n\n\n"));
}

const KO: &str = "\
---
title: 회령시 보위부, 밀수꾼 3명 체포
published: 2023년 9월 14일
---
입력 2023.09.14 10:30
최영수 기자 choi@example.org

함경북도 회령시 보위부가 중국산 의약품을 몰래 들여온 밀수꾼 3명을 체포했다고 현지 소식통이 전했다.

(사진=시험통신) 회령시 두만강 연선
사진: 시험통신

소식통은 \"체포된 사람들은 노동단련대로 보내질 것\"이라고 말했다.

#회령 #밀수 #보위부

▶ 관련기사: 무산군 국경경비대 교대
관련기사
혜산 장마당 쌀값 상승

ⓒ 시험통신 무단 전재 및 재배포 금지
한국어로 읽기
";

#[test]
fn korean_variant() {
    let r = parse(KO);
    assert_eq!(
        r.published.as_ref().map(|p| p.date.to_string()).as_deref(),
        Some("2023-09-14")
    );
    let kinds: Vec<SpanKind> = r.removed.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        vec![
            SpanKind::Byline,
            SpanKind::Byline,
            SpanKind::Caption,
            SpanKind::Caption,
            SpanKind::TagLine,
            SpanKind::Nav,
            SpanKind::Nav,
            SpanKind::Nav,
            SpanKind::Footer,
            SpanKind::Footer,
        ],
        "{:#?}",
        removed(&r)
    );
    assert_eq!(
        r.body,
        "함경북도 회령시 보위부가 중국산 의약품을 몰래 들여온 밀수꾼 3명을 체포했다고 현지 소식통이 전했다.\n\n소식통은 \"체포된 사람들은 노동단련대로 보내질 것\"이라고 말했다."
    );
}

#[test]
fn spans_index_text_and_body_is_deterministic() {
    let a = parse(EN);
    let b = parse(EN);
    assert_eq!(a.body, b.body);
    assert_eq!(a.id, b.id);
    let mut last = 0;
    for s in &a.removed {
        assert!(s.offset >= last);
        assert!(a.text.is_char_boundary(s.offset) && a.text.is_char_boundary(s.offset + s.length));
        last = s.offset + s.length;
    }
}

#[test]
fn a_report_that_is_all_story_loses_nothing() {
    let text = "Guards in Manpo fired at a man crossing the Yalu on the night of May 3.\n\nHe was wounded and taken to the county security bureau.\n\nMarket traders said rice was 5,500 won per kilogram that week.\n\nThe order to shoot was read out at a meeting of people's unit heads.\n";
    let r = parse(text);
    assert!(r.removed.is_empty(), "{:?}", removed(&r));
    assert_eq!(r.body, text.trim_end());
}
