//! Tests of the compiled-in gazetteer and the place-mention finder.

use lantern_extract::gazetteer::{Gazetteer, Mention};
use lantern_extract::Level;

fn g() -> &'static Gazetteer {
    Gazetteer::get()
}

fn names(text: &str) -> Vec<(String, &'static str)> {
    g().find_mentions(text, &[])
        .into_iter()
        .map(|m| {
            (
                text[m.start..m.end].to_string(),
                g().place(m.place).name.as_str(),
            )
        })
        .collect()
}

fn one(name: &str) -> &'static str {
    let found = g().lookup(name);
    assert!(!found.is_empty(), "{name} not found");
    g().place(found[0]).name.as_str()
}

#[test]
fn data_file_parses_completely() {
    let lines = lantern_extract::gazetteer::DATA
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(lines, g().places.len());
    assert!(lantern_extract::gazetteer::DATA.contains("GeoNames"));
}

#[test]
fn first_level_divisions() {
    let kp: Vec<&str> = g()
        .places
        .iter()
        .filter(|p| p.country == "KP" && p.level == Level::Province)
        .map(|p| p.name.as_str())
        .collect();
    for n in [
        "Pyongyang",
        "South Pyongan",
        "North Pyongan",
        "Chagang",
        "Yanggang",
        "North Hamgyong",
        "South Hamgyong",
        "Kangwon",
        "North Hwanghae",
        "South Hwanghae",
        "Rason",
        "Nampo",
    ] {
        assert!(kp.contains(&n), "{n} missing");
    }
    assert_eq!(kp.len(), 12, "{kp:?}");
    let kaesong = &g().places[g().lookup("Kaesong")[0]];
    assert_eq!(kaesong.level, Level::City);
    assert_eq!(kaesong.admin1, "North Hwanghae");
    for n in ["Jilin", "Liaoning", "Primorsky Krai"] {
        let p = &g().places[g().lookup(n)[0]];
        assert_eq!(p.level, Level::Province, "{n}");
    }
}

#[test]
fn second_level_count_and_coordinates() {
    let n = g()
        .places
        .iter()
        .filter(|p| {
            p.country == "KP" && matches!(p.level, Level::City | Level::County | Level::District)
        })
        .count();
    assert!(n >= 180, "only {n} second-level places");
    for p in &g().places {
        assert!(p.lat > 30.0 && p.lat < 50.0, "{} lat {}", p.id, p.lat);
        assert!(p.lon > 120.0 && p.lon < 136.0, "{} lon {}", p.id, p.lon);
        if p.level != Level::Province {
            let a1 = g().province_of(g().by_id(&p.id).unwrap());
            assert!(a1.is_some(), "{}: no province {}", p.id, p.admin1);
        }
    }
}

#[test]
fn ids_unique_and_variants_resolve() {
    let mut ids = std::collections::HashSet::new();
    for (i, p) in g().places.iter().enumerate() {
        assert!(ids.insert(p.id.clone()), "duplicate id {}", p.id);
        assert_eq!(g().by_id(&p.id), Some(i));
        for v in p
            .variants
            .iter()
            .chain(&p.qualified_variants)
            .chain([&p.name])
        {
            assert!(
                g().lookup(v).contains(&i),
                "{v} does not resolve to {}",
                p.id
            );
        }
    }
}

#[test]
fn spelling_variants() {
    for (v, want) in [
        ("Onsŏng", "Onsong"),
        ("Onseong", "Onsong"),
        ("온성군", "Onsong"),
        ("온성", "Onsong"),
        ("Hamgyeongbuk-do", "North Hamgyong"),
        ("Hamgyŏng-bukto", "North Hamgyong"),
        ("Hamgyongbuk-do", "North Hamgyong"),
        ("Hamkyongbukdo", "North Hamgyong"),
        ("North Hamkyung", "North Hamgyong"),
        ("함경북도", "North Hamgyong"),
        ("함북", "North Hamgyong"),
        ("Ryanggang", "Yanggang"),
        ("Yangkang", "Yanggang"),
        ("양강도", "Yanggang"),
        ("Jagang", "Chagang"),
        ("Gangwon", "Kangwon"),
        ("Pyonganbuk-do", "North Pyongan"),
        ("Pyongannam-do", "South Pyongan"),
        ("Rajin-Sonbong", "Rason"),
        ("P'yŏngyang", "Pyongyang"),
        ("Shinuiju", "Sinuiju"),
        ("신의주", "Sinuiju"),
        ("Sinpa", "Kim Jong Suk"),
        ("Kim Jong-suk", "Kim Jong Suk"),
        ("Undok", "Kyonghung"),
        ("Saebyol", "Kyongwon"),
        ("Hoeryeong", "Hoeryong"),
        ("Cheongjin", "Chongjin"),
        ("Gimchaek", "Kimchaek"),
        ("Sakchu", "Sakju"),
        ("Bochon", "Pochon"),
        ("Samjiyeon", "Samjiyon"),
        ("단둥", "Dandong"),
        ("장백", "Changbai"),
        ("도문", "Tumen"),
        ("훈춘", "Hunchun"),
        ("연길", "Yanji"),
        ("집안", "Ji'an"),
        ("지안", "Ji'an"),
        ("심양", "Shenyang"),
        ("Onsong County", "Onsong"),
        ("Hyesan City", "Hyesan"),
    ] {
        assert_eq!(one(v), want, "{v}");
    }
}

#[test]
fn province_after_city() {
    let t = "Arrests in Hyesan, Yanggang Province, were reported.";
    let m = g().find_mentions(t, &[]);
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(&t[m[0].start..m[0].end], "Hyesan");
    assert_eq!(g().place(m[0].place).id, "kp-yanggang-hyesan");
    assert_eq!(&t[m[1].start..m[1].end], "Yanggang");
    assert_eq!(m[1].qualifier, Some(Level::Province));
    assert_eq!(g().place(m[1].place).level, Level::Province);
}

#[test]
fn qualifiers() {
    let t = "the county of Onsong and Musan County, Kim Jong Suk-gun, Hyesan-si";
    let m = g().find_mentions(t, &[]);
    let q: Vec<(&str, Option<Level>)> = m
        .iter()
        .map(|m| (g().place(m.place).name.as_str(), m.qualifier))
        .collect();
    assert_eq!(
        q,
        vec![
            ("Onsong", Some(Level::County)),
            ("Musan", Some(Level::County)),
            ("Kim Jong Suk", Some(Level::County)),
            ("Hyesan", Some(Level::City)),
        ]
    );
}

#[test]
fn rivers_and_people_are_not_places() {
    assert!(names("They waded across the Tumen River at night.").is_empty());
    assert!(names("They crossed the Tumen into China.").is_empty());
    assert!(names("두만강을 건넜다. 압록강 기슭에서.").is_empty());
    assert!(names("Kim Jong Suk was the mother of Kim Jong Il.").is_empty());
    assert!(names("statues of Kim Hyong Jik and Kim Chaek").is_empty());
    assert!(names("Mount Kumgang and the Changbai Mountains").is_empty());
    assert_eq!(
        names("in Kim Jong Suk County and Kimchaek"),
        vec![
            ("Kim Jong Suk".to_string(), "Kim Jong Suk"),
            ("Kimchaek".to_string(), "Kimchaek")
        ]
    );
    assert_eq!(
        names("the city of Tumen"),
        vec![("Tumen".to_string(), "Tumen")]
    );
    assert_eq!(names("Tumen, Jilin").len(), 2);
}

#[test]
fn not_countries_or_lowercase_words() {
    assert!(names("North Korea, South Korea, China and Seoul").is_empty());
    assert!(names("remittance ryanggang province border").is_empty());
    assert!(names("위원회 위원이 증산 계획을 말했다. 영광스러운 연탄").is_empty());
}

#[test]
fn skip_ranges() {
    let t = "Hyesan and Musan";
    assert_eq!(g().find_mentions(t, &[(0, 6)]).len(), 1);
    assert_eq!(g().find_mentions(t, &[(2, 3), (12, 13)]).len(), 0);
}

#[test]
fn hangul_particles() {
    for (t, want) in [
        ("혜산시에서 단속이 있었다", "Hyesan"),
        ("양강도의 주민", "Yanggang"),
        ("온성군으로 이동", "Onsong"),
        ("혜산에서는 물가가", "Hyesan"),
        ("회령 시장", "Hoeryong"),
        ("혜산시장에서", "Hyesan"),
    ] {
        let n = names(t);
        assert_eq!(n.len(), 1, "{t}: {n:?}");
        assert_eq!(n[0].1, want, "{t}");
    }
    assert!(names("소혜산에서").is_empty());
    assert!(names("혜산물").is_empty());
}

#[test]
fn byte_offsets_on_mixed_text() {
    let t = "« Ch’ŏngjin » — 소식통: 청진시에서, and Sinŭiju’s market; Hyesan-based";
    let m: Vec<Mention> = g().find_mentions(t, &[]);
    let spans: Vec<&str> = m.iter().map(|m| &t[m.start..m.end]).collect();
    assert_eq!(spans, vec!["Ch’ŏngjin", "청진시", "Sinŭiju", "Hyesan"]);
    for m in &m {
        assert!(t.is_char_boundary(m.start) && t.is_char_boundary(m.end));
    }
}

#[test]
fn ambiguous_names_use_context() {
    // Kowon exists once, but several names are shared; check that a province written
    // next to a shared name picks that province.
    let shared: Vec<&lantern_extract::gazetteer::Place> = g()
        .places
        .iter()
        .filter(|p| {
            p.country == "KP" && p.level != Level::Province && g().lookup(&p.name).len() > 1
        })
        .collect();
    for p in shared {
        let t = format!("In {}, {} Province, people said.", p.name, p.admin1);
        let m = g().find_mentions(&t, &[]);
        if p.qualified_variants.contains(&p.name) {
            continue;
        }
        assert!(!m.is_empty(), "{t}");
        assert_eq!(g().place(m[0].place).id, p.id, "{t}");
    }
}

#[test]
fn no_panic_on_arbitrary_input() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = Vec::new();
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push((x & 0xFF) as u8);
    }
    let s = String::from_utf8_lossy(&bytes);
    let _ = g().find_mentions(&s, &[(0, 10), (usize::MAX - 1, usize::MAX)]);
    let chars = "aŏ’'- 혜산시에서Hyesan,\u{306}ß";
    let mixed: String = (0..50_000)
        .map(|i| chars.chars().nth(i * 7 % chars.chars().count()).unwrap())
        .collect();
    let _ = g().find_mentions(&mixed, &[]);
}

#[test]
fn big_text_linear() {
    let unit =
        "Smugglers in Hyesan, Yanggang Province, met traders from Changbai. 혜산시에서 단속. ";
    let small: String = unit.repeat(1_000);
    let big: String = unit.repeat(12_000); // ~1 MB
    let t0 = std::time::Instant::now();
    let a = g().find_mentions(&small, &[]).len();
    let d_small = t0.elapsed();
    let t1 = std::time::Instant::now();
    let b = g().find_mentions(&big, &[]).len();
    let d_big = t1.elapsed();
    assert_eq!(a * 12, b);
    assert!(big.len() > 1_000_000);
    // linear: 12x the text should take well under 40x the time
    assert!(
        d_big < d_small * 40 + std::time::Duration::from_millis(200),
        "{d_small:?} vs {d_big:?}"
    );
}

/// Roughly strip a leading `---` front matter block.
fn body(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix("---") {
        if let Some(i) = rest.find("\n---") {
            let after = &rest[i + 4..];
            return after;
        }
    }
    text
}

#[test]
fn dev_set_recall() {
    let dir = std::path::Path::new("/work/shared/eval");
    let Ok(gold) = std::fs::read_to_string(dir.join("dev-gold.jsonl")) else {
        eprintln!("dev set not available, skipped");
        return;
    };
    let mut missing = Vec::new();
    for line in gold.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap();
        let path = ["txt", "html"]
            .iter()
            .map(|e| dir.join("dev").join(format!("{id}.{e}")))
            .find(|p| p.exists())
            .unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        let text = body(&raw);
        let found = g().find_mentions(text, &[]);
        let found_places: Vec<usize> = found.iter().map(|m| m.place).collect();
        let found_admin1: Vec<&str> = found
            .iter()
            .map(|m| g().place(m.place).admin1.as_str())
            .collect();
        let mut wanted: Vec<usize> = Vec::new();
        for p in v["places"].as_array().unwrap() {
            let name = p.as_str().unwrap();
            let cands = g().lookup(name);
            if cands.is_empty() {
                missing.push(format!("{id}: {name} not in gazetteer"));
                continue;
            }
            wanted.extend(&cands);
            if !cands.iter().any(|c| found_places.contains(c)) {
                missing.push(format!("{id}: place {name} not found"));
            }
        }
        for p in v["provinces"].as_array().unwrap() {
            let name = p.as_str().unwrap();
            if !found_admin1.contains(&name) {
                missing.push(format!("{id}: province {name} not found"));
            }
        }
        let extra: std::collections::BTreeSet<&str> = found
            .iter()
            .filter(|m| !wanted.contains(&m.place))
            .filter(|m| g().place(m.place).level != Level::Province)
            .map(|m| g().place(m.place).name.as_str())
            .collect();
        if !extra.is_empty() {
            println!("{id}: extra places {extra:?}");
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn outlet_names_and_acronyms_are_not_places() {
    assert!(names("a source told Tumen Post. Read the Yalu Report and Hyesan Daily").is_empty());
    assert!(names("the USI and ANJU programmes").is_empty());
    assert_eq!(names("HYESAN market").len(), 1);
    assert!(names("smuggled from the Tumen riverbank").is_empty());
    assert!(
        names("South Korea's Gangwon Province and the South Korean city of Goseong").is_empty()
    );
    assert!(names("the Samjiyon Orchestra").is_empty());
}

#[test]
fn hangul_ordinary_words_are_not_places() {
    for t in [
        "위원들이 모였다",
        "영광스러운 조국",
        "연탄을 샀다",
        "증산 투쟁",
        "온천에 갔다",
        "과일을 팔았다",
        "천리마 운동",
        "대동강 맥주",
        "장백산에 올랐다",
        "통화를 했다",
        "집안에 있었다",
    ] {
        assert!(names(t).is_empty(), "{t}: {:?}", names(t));
    }
    assert_eq!(names("천리마구역에서")[0].1, "Chollima");
    assert_eq!(names("위원군에서")[0].1, "Wiwon");
}

#[test]
fn hyphens_and_possessives() {
    let n = names("the Sinuiju-Dandong bridge, Hyesan's market, a Musan-based trader");
    let got: Vec<&str> = n.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(got, vec!["Sinuiju", "Dandong", "Hyesan", "Musan"]);
    assert!(names("Hyesanese").is_empty());
    assert!(names("xHyesan").is_empty());
}

#[test]
fn mentions_sorted_and_non_overlapping() {
    let t = "Rajin-Sonbong (Rason), Jilin City and Jilin Province; 라선시와 나선";
    let m = g().find_mentions(t, &[]);
    let spans: Vec<&str> = m.iter().map(|m| &t[m.start..m.end]).collect();
    assert_eq!(
        spans,
        vec![
            "Rajin-Sonbong",
            "Rason",
            "Jilin City",
            "Jilin",
            "라선시",
            "나선"
        ]
    );
    assert_eq!(g().place(m[2].place).level, Level::City);
    assert_eq!(g().place(m[3].place).level, Level::Province);
    for w in m.windows(2) {
        assert!(w[0].end <= w[1].start);
    }
}

#[test]
fn ambiguous_default_and_province_hint() {
    // Unsan is a county of North Pyongan (운산) and of South Pyongan (은산)
    let both = g().lookup("Unsan");
    assert_eq!(both.len(), 2);
    let m = g().find_mentions("Unsan County, South Pyongan Province", &[]);
    assert_eq!(g().place(m[0].place).admin1, "South Pyongan");
    let m = g().find_mentions("Unsan County", &[]);
    assert_eq!(g().place(m[0].place).admin1, "North Pyongan");
    let m = g().find_mentions("In Anju there was a raid. Later in Unsan too.", &[]);
    assert_eq!(g().place(m[1].place).admin1, "South Pyongan");
}

#[test]
fn hangul_qualifiers() {
    for (t, want) in [
        ("온성군에서", Some(Level::County)),
        ("혜산시의", Some(Level::City)),
        ("양강도에서", Some(Level::Province)),
        ("남양노동자구에", Some(Level::Town)),
        ("혜산 주민", None),
        ("혜산시장에서", None),
        ("장백현에서", Some(Level::County)),
    ] {
        let m = g().find_mentions(t, &[]);
        assert_eq!(m.len(), 1, "{t}");
        assert_eq!(m[0].qualifier, want, "{t}");
    }
    assert_eq!(names("청진항에서")[0].1, "Chongjin");
    assert_eq!(names("무산광산")[0].1, "Musan");
}

/// Spellings that the scorer folds together must all resolve here too.
#[test]
fn scorer_spelling_checklist() {
    for (v, want) in [
        ("Hamkyungbukdo", "North Hamgyong"),
        ("North Hamkyong", "North Hamgyong"),
        ("Hamgyeongbuk-do", "North Hamgyong"),
        ("South Hamgyung", "South Hamgyong"),
        ("North Pyeongan", "North Pyongan"),
        ("South Phyongan", "South Pyongan"),
        ("North Pyungan", "North Pyongan"),
        ("North Hwanghai", "North Hwanghae"),
        ("Gangwon-do", "Kangwon"),
        ("Jagang-do", "Chagang"),
        ("Ryangkang", "Yanggang"),
        ("Hoeryung", "Hoeryong"),
        ("Hweryong", "Hoeryong"),
        ("Hoiryeong", "Hoeryong"),
        ("Huiryeong", "Hoeryong"),
        ("Hoiryong", "Hoeryong"),
        ("Onsung", "Onsong"),
        ("Chungjin", "Chongjin"),
        ("Gaeseong", "Kaesong"),
        ("Hamheung", "Hamhung"),
        ("Ganggye", "Kanggye"),
        ("Bocheon", "Pochon"),
        ("Gyeongwon", "Kyongwon"),
        ("Saebyeol", "Kyongwon"),
        ("Setbyol", "Kyongwon"),
        ("Rasun", "Rason"),
        ("Raseon", "Rason"),
        ("Rajinsonbong", "Rason"),
        ("Pjongjang", "Pyongyang"),
        ("Baekam", "Paegam"),
        ("Paekam", "Paegam"),
        ("Pungseo", "Pungso"),
        ("Gimjeongsuk", "Kim Jong Suk"),
        ("Eundeok", "Kyonghung"),
        ("Undeok", "Kyonghung"),
        ("Gyeongheung", "Kyonghung"),
        ("Gapsan", "Kapsan"),
        ("평양시", "Pyongyang"),
        ("라선", "Rason"),
        ("나선", "Rason"),
        ("남포시", "Nampo"),
        ("혜산", "Hyesan"),
        ("회령시", "Hoeryong"),
        ("무산군", "Musan"),
        ("삼지연시", "Samjiyon"),
        ("보천군", "Pochon"),
        ("삭주군", "Sakju"),
        ("만포시", "Manpo"),
        ("강계시", "Kanggye"),
        ("함흥시", "Hamhung"),
        ("원산", "Wonsan"),
        ("개성", "Kaesong"),
        ("새별", "Kyongwon"),
        ("김정숙군", "Kim Jong Suk"),
        ("김형직군", "Kim Hyong Jik"),
        ("대홍단군", "Taehongdan"),
        ("갑산군", "Kapsan"),
        ("풍서군", "Pungso"),
        ("운흥군", "Unhung"),
        ("백암군", "Paegam"),
        ("연사군", "Yonsa"),
        ("경성군", "Kyongsong"),
        ("김책시", "Kimchaek"),
        ("황해북도", "North Hwanghae"),
        ("황해남도", "South Hwanghae"),
        ("평안남도", "South Pyongan"),
        ("평북", "North Pyongan"),
        ("자강도", "Chagang"),
        ("강원도", "Kangwon"),
        ("함남", "South Hamgyong"),
    ] {
        assert_eq!(one(v), want, "{v}");
        // and in running text
        let t = format!("Reports from {v} arrived.");
        let m = g().find_mentions(&t, &[]);
        assert_eq!(m.len(), 1, "{t}");
        assert_eq!(g().place(m[0].place).name, want, "{t}");
    }
}

#[test]
fn hangul_names_written_together() {
    let n = names("양강도혜산시에서, 함경북도 회령시와 함경북도온성군");
    let got: Vec<&str> = n.iter().map(|(_, p)| *p).collect();
    assert_eq!(
        got,
        vec![
            "Yanggang",
            "Hyesan",
            "North Hamgyong",
            "Hoeryong",
            "North Hamgyong",
            "Onsong"
        ]
    );
    // but not inside an ordinary word
    assert!(names("바다혜산").is_empty());
    assert!(names("시혜산").is_empty());
    assert!(names("남양주에 산다").is_empty());
    assert_eq!(names("양강도로 이동했다")[0].1, "Yanggang");
}

/// Random texts built from place variants, particles and noise: every mention is on char
/// boundaries, sorted, non-overlapping, and its text looks up to its place.
#[test]
fn random_texts_keep_invariants() {
    let pieces: Vec<String> = g()
        .places
        .iter()
        .flat_map(|p| p.variants.iter().cloned())
        .chain(
            [
                " ", ", ", "-", "’s ", "에서 ", "시", "군", "도", " County ", " River", "the ",
                "혜", "x", "\u{306}", "Ŏ", "\n", "«", "é",
            ]
            .iter()
            .map(|s| s.to_string()),
        )
        .collect();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..300 {
        let mut t = String::new();
        for _ in 0..40 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t.push_str(&pieces[(x % pieces.len() as u64) as usize]);
        }
        let m = g().find_mentions(&t, &[]);
        let mut last = 0;
        for mm in &m {
            assert!(mm.start < mm.end && mm.start >= last, "{t:?}");
            assert!(t.is_char_boundary(mm.start) && t.is_char_boundary(mm.end));
            last = mm.end;
            let span = &t[mm.start..mm.end];
            assert!(g().lookup(span).contains(&mm.place), "{span:?} in {t:?}");
        }
    }
}

/// Short romanized names that are also common English words would match capitalised
/// words at the start of sentences; none of the plain (unqualified) variants may be one.
#[test]
fn short_variants_are_not_english_words() {
    const COMMON: &[&str] = &[
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "for", "from", "had",
        "has", "have", "he", "her", "his", "how", "if", "in", "into", "is", "it", "its", "man",
        "may", "me", "men", "more", "most", "my", "no", "not", "now", "of", "on", "one", "or",
        "our", "out", "over", "said", "she", "so", "some", "son", "song", "sun", "sung", "than",
        "that", "the", "them", "then", "there", "they", "this", "to", "up", "upon", "us", "use",
        "was", "we", "were", "what", "when", "who", "will", "with", "won", "yes", "you", "young",
        "bang", "gang", "hang", "kong", "long", "ring", "sing", "tang", "tong", "wing", "young",
        "china", "korea", "north", "south", "east", "west", "river", "city", "town", "port",
        "army", "party", "union", "border", "market", "china", "asia", "orange", "ran", "rang",
        "run", "sin", "sang", "san", "man", "ham", "pan", "pang", "dong", "nam", "yang", "yong",
        "kang", "kim", "lee", "park", "pak", "choi", "chung", "jung", "han", "lim", "rim", "kwon",
        "song", "oh", "moon", "mun", "ko", "hong", "jang", "chang", "yoon", "hasan", "kirin",
        "jin", "li", "wang", "zhang", "liu", "chen", "yu", "hu", "anna", "mona", "sandy", "india",
        "sudan", "oman", "usa", "usb",
    ];
    for p in &g().places {
        for v in &p.variants {
            let k = lantern_extract::gazetteer::normalize_key(v);
            if k.len() <= 6 {
                assert!(
                    !COMMON.contains(&k.as_str()),
                    "{v} ({}) is a common word",
                    p.id
                );
            }
        }
    }
}
