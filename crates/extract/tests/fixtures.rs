//! Short reports written for these tests (English and Korean), each asserting types,
//! actors, places, dates, modality, attribution and quantities.

mod common;
use common::*;
use lantern_extract::{Actor as A, EventType as T, Modality, Precision, QuantityKind};

struct Case {
    name: &'static str,
    korean: bool,
    published: Option<&'static str>,
    body: &'static str,
    types: &'static [T],
    not_types: &'static [T],
    actors: &'static [A],
    not_actors: &'static [A],
    places: &'static [&'static str],
    not_places: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "en-arrest-speculation",
        korean: false,
        published: Some("2022-05-10"),
        body: "Agents of the Ministry of State Security detained two women in Hoeryong on May 2 after finding Chinese mobile phones in their home, a source in North Hamgyong Province told us. The women, both in their 40s, are being questioned at the city security bureau. The source said they will probably be sent to a labor camp.",
        types: &[T::Arrest, T::Remittance],
        not_types: &[T::Punishment],
        actors: &[A::StateSecurity],
        not_actors: &[],
        places: &["Hoeryong"],
        not_places: &[],
    },
    Case {
        name: "en-negation",
        korean: false,
        published: Some("2021-03-01"),
        body: "Police in Hyesan did not arrest anyone during the inspection, a resident said. No one was detained.",
        types: &[T::Crackdown],
        not_types: &[T::Arrest],
        actors: &[A::SocialSecurity],
        not_actors: &[],
        places: &["Hyesan"],
        not_places: &[],
    },
    Case {
        name: "en-metonym",
        korean: false,
        published: Some("2020-07-01"),
        body: "Pyongyang has ordered border units in Sinuiju to tighten patrols along the Yalu, a source in North Pyongan Province said.",
        types: &[T::Directive, T::Surveillance],
        not_types: &[],
        actors: &[A::Government],
        not_actors: &[],
        places: &["Sinuiju"],
        not_places: &["Pyongyang"],
    },
    Case {
        name: "en-defector-label",
        korean: false,
        published: Some("2019-02-11"),
        body: "Families of defectors in Musan have been called in for questioning by the Bowibu, according to a local source.",
        types: &[T::Arrest],
        not_types: &[T::BorderCrossing],
        actors: &[A::StateSecurity],
        not_actors: &[],
        places: &["Musan"],
        not_places: &[],
    },
    Case {
        name: "en-general-practice",
        korean: false,
        published: Some("2018-06-01"),
        body: "Women who are caught crossing into China from Onsong are routinely beaten and sent to a kyohwaso, the source said.",
        types: &[T::BorderCrossing, T::UseOfForce, T::Punishment],
        not_types: &[],
        actors: &[],
        not_actors: &[],
        places: &["Onsong"],
        not_places: &[],
    },
    Case {
        name: "en-chinese-ban",
        korean: false,
        published: Some("2017-12-01"),
        body: "Chinese customs officers in Dandong have banned imports of North Korean seafood, and officials warned traders that violators would be fined.",
        types: &[T::Directive, T::Economy, T::Punishment],
        not_types: &[],
        actors: &[A::ChinaAuthorities],
        not_actors: &[A::Government],
        places: &["Dandong"],
        not_places: &[],
    },
    Case {
        name: "en-lockdown",
        korean: false,
        published: Some("2020-09-15"),
        body: "The authorities imposed a lockdown on Hyesan last week after a fever outbreak, and residents are not allowed to leave their homes.",
        types: &[T::Restriction],
        not_types: &[T::Arrest],
        actors: &[A::Government],
        not_actors: &[],
        places: &["Hyesan"],
        not_places: &[],
    },
    Case {
        name: "en-ideology",
        korean: false,
        published: Some("2023-04-20"),
        body: "The city party committee in Kimchaek has held study sessions every Saturday since early March, where workers must criticize themselves in front of their colleagues.",
        types: &[T::Ideology],
        not_types: &[],
        actors: &[A::Party],
        not_actors: &[],
        places: &["Kimchaek"],
        not_places: &[],
    },
    Case {
        name: "en-economy",
        korean: false,
        published: Some("2019-11-05"),
        body: "At the market in Sunchon, a kilogram of rice was selling for 6,000 won on Monday, up from 5,200 won last month, and one dollar bought 8,100 won.",
        types: &[T::Economy],
        not_types: &[T::Corruption],
        actors: &[],
        not_actors: &[],
        places: &["Sunchon"],
        not_places: &[],
    },
    Case {
        name: "en-smuggling-bribe",
        korean: false,
        published: Some("2016-08-30"),
        body: "A smuggler in Sakju paid border guards 3,000 yuan to let a shipment of copper through, a source in the county said.",
        types: &[T::Smuggling, T::Corruption],
        not_types: &[T::Economy, T::BorderCrossing],
        actors: &[A::Military],
        not_actors: &[],
        places: &["Sakju"],
        not_places: &[],
    },
    Case {
        name: "en-repatriation",
        korean: false,
        published: Some("2021-01-20"),
        body: "Chinese police arrested three North Korean women in Yanji and forcibly returned them to North Korea last week.",
        types: &[T::Arrest, T::Repatriation],
        not_types: &[T::BorderCrossing],
        actors: &[A::ChinaAuthorities],
        not_actors: &[A::SocialSecurity],
        places: &["Yanji"],
        not_places: &[],
    },
    Case {
        name: "en-execution",
        korean: false,
        published: Some("2015-11-02"),
        body: "Two men were publicly executed by firing squad in Hyesan in mid-October for distributing South Korean films.",
        types: &[T::Execution],
        not_types: &[T::UseOfForce],
        actors: &[],
        not_actors: &[],
        places: &["Hyesan"],
        not_places: &[],
    },
    Case {
        name: "en-shooting",
        korean: false,
        published: Some("2022-02-02"),
        body: "A soldier of the border guard shot a woman who was trying to cross the Yalu near Hyesan, a source in Ryanggang Province reported.",
        types: &[T::UseOfForce, T::BorderCrossing],
        not_types: &[T::Execution],
        actors: &[A::Military],
        not_actors: &[],
        places: &["Hyesan"],
        not_places: &[],
    },
    Case {
        name: "en-mss-social",
        korean: false,
        published: Some("2022-10-10"),
        body: "The Ministry of Social Security (MSS) has set up new checkpoints around Chongjin. MSS officers are turning back traders without travel permits.",
        types: &[T::Restriction],
        not_types: &[],
        actors: &[A::SocialSecurity],
        not_actors: &[A::StateSecurity],
        places: &["Chongjin"],
        not_places: &[],
    },
    Case {
        name: "en-passing",
        korean: false,
        published: Some("2024-01-09"),
        body: "Unlike in Hyesan, rice prices in Kanggye have risen sharply, a source in Chagang Province said. Rice now sells for 7,000 won per kilogram in Kanggye.",
        types: &[T::Economy],
        not_types: &[],
        actors: &[],
        not_actors: &[],
        places: &["Kanggye"],
        not_places: &["Hyesan"],
    },
    Case {
        name: "en-inminban",
        korean: false,
        published: Some("2020-04-04"),
        body: "Heads of people's units in Onsong were instructed to report any household that receives visitors from other regions.",
        types: &[T::Directive, T::Surveillance],
        not_types: &[],
        actors: &[A::Inminban],
        not_actors: &[],
        places: &["Onsong"],
        not_places: &[],
    },
    Case {
        name: "en-msc-prosecutors",
        korean: false,
        published: Some("2018-03-03"),
        body: "The Military Security Command and provincial prosecutors have opened an inspection into bribery among officers of an army unit stationed in Kaesong.",
        types: &[T::Crackdown, T::Corruption],
        not_types: &[],
        actors: &[A::MilitarySecurity, A::Prosecutors],
        not_actors: &[A::StateSecurity],
        places: &["Kaesong"],
        not_places: &[],
    },
    Case {
        name: "en-could-not",
        korean: false,
        published: Some("2019-10-10"),
        body: "Residents in Hoeryong who could not pay the fines were sent to a labor training camp, a source said. The broker is likely to be executed.",
        types: &[T::Punishment],
        not_types: &[T::Execution],
        actors: &[],
        not_actors: &[],
        places: &["Hoeryong"],
        not_places: &[],
    },
    Case {
        name: "en-former-soldier",
        korean: false,
        published: Some("2018-03-03"),
        body: "A former soldier was arrested in Musan for guiding people across the river, the source said.",
        types: &[T::Arrest, T::BorderCrossing],
        not_types: &[],
        actors: &[],
        not_actors: &[A::Military],
        places: &["Musan"],
        not_places: &[],
    },
    // ---------------- Korean
    Case {
        name: "ko-smuggling-arrest",
        korean: true,
        published: Some("2022-06-20"),
        body: "양강도 혜산시에서 지난 3일 밀수를 하던 주민 2명이 보위부에 체포됐다고 현지 소식통이 전했다.",
        types: &[T::Smuggling, T::Arrest],
        not_types: &[],
        actors: &[A::StateSecurity],
        not_actors: &[],
        places: &["Hyesan"],
        not_places: &[],
    },
    Case {
        name: "ko-shooting",
        korean: true,
        published: Some("2021-09-09"),
        body: "함경북도 무산군에서 국경경비대가 강을 건너려던 20대 남성에게 총격을 가했다고 소식통이 밝혔다.",
        types: &[T::UseOfForce, T::BorderCrossing],
        not_types: &[T::Execution],
        actors: &[A::Military],
        not_actors: &[],
        places: &["Musan"],
        not_places: &[],
    },
    Case {
        name: "ko-curfew",
        korean: true,
        published: Some("2021-09-09"),
        body: "자강도 만포시 당국은 최근 주민들에게 밤 10시 이후 통행금지를 지시했다.",
        types: &[T::Restriction, T::Directive],
        not_types: &[],
        actors: &[A::Government],
        not_actors: &[],
        places: &["Manpo"],
        not_places: &[],
    },
    Case {
        name: "ko-rice-price",
        korean: true,
        published: Some("2023-02-14"),
        body: "신의주 시장에서 쌀값이 1kg에 6000원으로 올랐다고 평안북도 소식통이 전했다.",
        types: &[T::Economy],
        not_types: &[],
        actors: &[],
        not_actors: &[],
        places: &["Sinuiju"],
        not_places: &[],
    },
    Case {
        name: "ko-phone-crackdown",
        korean: true,
        published: Some("2020-12-01"),
        body: "회령시 안전부는 지난달 중국 손전화를 사용한 주민 3명을 단속해 벌금을 물렸다.",
        types: &[T::Crackdown, T::Punishment, T::Remittance],
        not_types: &[],
        actors: &[A::SocialSecurity],
        not_actors: &[],
        places: &["Hoeryong"],
        not_places: &[],
    },
    Case {
        name: "ko-execution",
        korean: true,
        published: Some("2019-07-01"),
        body: "청진시에서 공개처형이 진행됐으며, 인민반장들이 주민들을 동원했다.",
        types: &[T::Execution],
        not_types: &[T::UseOfForce],
        actors: &[A::Inminban],
        not_actors: &[],
        places: &["Chongjin"],
        not_places: &[],
    },
    Case {
        name: "ko-speculation",
        korean: true,
        published: Some("2019-07-01"),
        body: "소식통은 보위부에 체포된 브로커가 결국 교화소로 보내질 것으로 보인다고 말했다.",
        types: &[T::Arrest],
        not_types: &[T::Punishment],
        actors: &[A::StateSecurity],
        not_actors: &[],
        places: &[],
        not_places: &[],
    },
    Case {
        name: "ko-negation",
        korean: true,
        published: Some("2019-07-01"),
        body: "보위부는 이번 사건으로 아무도 체포하지 않았다고 소식통이 전했다.",
        types: &[],
        not_types: &[T::Arrest],
        actors: &[],
        not_actors: &[],
        places: &[],
        not_places: &[],
    },
    Case {
        name: "ko-defector-label",
        korean: true,
        published: Some("2018-05-05"),
        body: "한국에 있는 탈북민의 가족들이 온성군 보위부에 불려가 조사를 받았다고 소식통이 전했다.",
        types: &[T::Arrest],
        not_types: &[T::BorderCrossing],
        actors: &[A::StateSecurity],
        not_actors: &[],
        places: &["Onsong"],
        not_places: &[],
    },
    Case {
        name: "ko-repatriation",
        korean: true,
        published: Some("2023-10-10"),
        body: "중국 공안이 연길에서 여성 5명을 붙잡아 강제북송했다고 소식통이 전했다.",
        types: &[T::Arrest, T::Repatriation],
        not_types: &[],
        actors: &[A::ChinaAuthorities],
        not_actors: &[],
        places: &["Yanji"],
        not_places: &[],
    },
    Case {
        name: "ko-lectures",
        korean: true,
        published: Some("2023-10-10"),
        body: "혜산시 당위원회는 이달 초부터 공장 노동자들을 대상으로 사상교육 강연회를 열고 있다.",
        types: &[T::Ideology],
        not_types: &[],
        actors: &[A::Party],
        not_actors: &[],
        places: &["Hyesan"],
        not_places: &[],
    },
    Case {
        name: "ko-bribe",
        korean: true,
        published: Some("2024-03-03"),
        body: "무산군 국경경비대 군관이 밀수꾼들에게서 뇌물을 받고 눈감아 준 사실이 드러나 철직됐다.",
        types: &[T::Corruption, T::Smuggling, T::Punishment],
        not_types: &[],
        actors: &[A::Military],
        not_actors: &[],
        places: &["Musan"],
        not_places: &[],
    },
    Case {
        name: "ko-msc-inspection",
        korean: true,
        published: Some("2024-03-03"),
        body: "보위사령부 검열조가 개성 인근 군부대에 내려와 식량 횡령 문제를 검열하고 있다.",
        types: &[T::Crackdown, T::Corruption],
        not_types: &[],
        actors: &[A::MilitarySecurity, A::Military],
        not_actors: &[],
        places: &["Kaesong"],
        not_places: &[],
    },
    Case {
        name: "ko-lockdown",
        korean: true,
        published: Some("2020-08-08"),
        body: "라선시에서는 전염병 때문에 도시 전체가 봉쇄되고 주민들이 격리됐다.",
        types: &[T::Restriction],
        not_types: &[],
        actors: &[],
        not_actors: &[],
        places: &["Rason"],
        not_places: &[],
    },
    Case {
        name: "ko-remittance",
        korean: true,
        published: Some("2020-08-08"),
        body: "삭주군에서 송금 브로커가 한국에서 보내온 돈을 가족들에게 전달하다 보위부에 체포됐다.",
        types: &[T::Remittance, T::Arrest],
        not_types: &[T::BorderCrossing],
        actors: &[A::StateSecurity],
        not_actors: &[],
        places: &["Sakju"],
        not_places: &[],
    },
    Case {
        name: "ko-exchange",
        korean: true,
        published: Some("2025-01-30"),
        body: "남포 시장에서 위안화 환율은 1위안에 2000원으로 떨어졌다고 남포 소식통이 전했다.",
        types: &[T::Economy],
        not_types: &[],
        actors: &[],
        not_actors: &[],
        places: &["Nampo"],
        not_places: &[],
    },
    Case {
        name: "ko-court",
        korean: true,
        published: Some("2025-01-30"),
        body: "함경북도 재판소는 밀수 혐의로 기소된 3명에게 노동교화형 5년을 선고했다.",
        types: &[T::Punishment, T::Smuggling],
        not_types: &[T::Execution],
        actors: &[A::Courts],
        not_actors: &[],
        places: &["North Hamgyong"],
        not_places: &[],
    },
    Case {
        name: "ko-police-mps",
        korean: true,
        published: Some("2015-05-05"),
        body: "온성군 보안서는 국경 연선에 잠복초소를 늘리고 밤마다 순찰을 강화했다.",
        types: &[T::Surveillance],
        not_types: &[],
        actors: &[A::SocialSecurity],
        not_actors: &[],
        places: &["Onsong"],
        not_places: &[],
    },
];

#[test]
fn fixture_reports() {
    let mut failures = Vec::new();
    for c in CASES {
        let evs = if c.korean {
            ko(c.body, c.published)
        } else {
            en(c.body, c.published)
        };
        check_spans(c.body, &evs);
        let ty = types(&evs);
        let ac = actors(&evs);
        let mut pl = places(&evs);
        pl.extend(provinces(&evs));
        let mut bad = Vec::new();
        for t in c.types {
            if !ty.contains(t) {
                bad.push(format!("missing type {t:?}"));
            }
        }
        for t in c.not_types {
            if ty.contains(t) {
                bad.push(format!("extra type {t:?}"));
            }
        }
        for a in c.actors {
            if !ac.contains(a) {
                bad.push(format!("missing actor {a:?}"));
            }
        }
        for a in c.not_actors {
            if ac.contains(a) {
                bad.push(format!("extra actor {a:?}"));
            }
        }
        for p in c.places {
            if !pl.iter().any(|x| x == p) {
                bad.push(format!("missing place {p}"));
            }
        }
        for p in c.not_places {
            if pl.iter().any(|x| x == p) {
                bad.push(format!("extra place {p}"));
            }
        }
        if !bad.is_empty() {
            failures.push(format!(
                "{}: {} (got {:?} {:?} {:?})",
                c.name,
                bad.join(", "),
                ty,
                ac,
                pl
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn korean_fixture_count() {
    assert!(CASES.iter().filter(|c| c.korean).count() >= 15);
}

#[test]
fn dates_modality_attribution_quantities() {
    let body = "Agents of the Ministry of State Security detained two women in Hoeryong on May 2 after finding Chinese mobile phones in their home, a source in North Hamgyong Province told us. The women, both in their 40s, are being questioned at the city security bureau.";
    let evs = en(body, Some("2022-05-10"));
    let arrest = evs
        .iter()
        .find(|e| e.event_type == T::Arrest)
        .expect("arrest");
    let d = arrest.date.as_ref().expect("date");
    assert_eq!(d.start, chrono::NaiveDate::from_ymd_opt(2022, 5, 2));
    assert_eq!(d.precision, Precision::Day);
    assert_eq!(d.text, "May 2");
    let a = arrest.attribution.as_ref().expect("attribution");
    assert!(
        a.text.starts_with("a source in North Hamgyong Province"),
        "{}",
        a.text
    );
    assert!(arrest
        .quantities
        .iter()
        .any(|q| q.kind == QuantityKind::People && q.value == Some(2.0)));
    let evs = en(
        "The two women are still being questioned by MSS agents in Hoeryong.",
        Some("2022-05-10"),
    );
    assert!(evs
        .iter()
        .any(|e| e.event_type == T::Arrest && e.modality == Modality::Ongoing));

    // ordered measures
    let evs = en(
        "The provincial party committee ordered guards to shoot anyone crossing the river.",
        Some("2020-01-01"),
    );
    assert!(evs
        .iter()
        .any(|e| e.event_type == T::UseOfForce && e.modality == Modality::Ordered));

    // no published date: words kept, unresolved
    let evs = en(
        "Officers from the Ministry of Social Security raided a house in Hamhung on Tuesday and confiscated 20 kilograms of rice.",
        None,
    );
    let e = evs
        .iter()
        .find(|e| e.event_type == T::Crackdown)
        .expect("crackdown");
    let d = e.date.as_ref().expect("date");
    assert_eq!(d.precision, Precision::Unresolved);
    assert_eq!(d.text, "on Tuesday");
    assert!(d.start.is_none());
    assert!(e
        .quantities
        .iter()
        .any(|q| q.kind == QuantityKind::Amount && q.value == Some(20.0)));

    // Korean: date, attribution, quantities
    let body = "양강도 소식통은 17일 \"지난달 말 혜산시에 사는 40대 여성이 도 보위부에 끌려갔다\"고 말했다.";
    let evs = ko(body, Some("2022-03-18"));
    let e = evs
        .iter()
        .find(|e| e.event_type == T::Arrest)
        .expect("arrest");
    let d = e.date.as_ref().expect("date");
    assert_eq!(d.text, "지난달 말");
    assert_eq!(d.precision, Precision::Range);
    assert_eq!(
        e.attribution.as_ref().map(|a| a.text.as_str()),
        Some("양강도 소식통")
    );
    assert!(e.quantities.iter().any(|q| q.kind == QuantityKind::Age));
}

#[test]
fn evidence_contains_cue() {
    let body = "Police arrested a smuggler in Hyesan. Later, the inspection team left.";
    let evs = en(body, Some("2020-01-01"));
    let arrest = evs
        .iter()
        .find(|e| e.event_type == T::Arrest)
        .expect("arrest");
    assert!(arrest
        .evidence
        .iter()
        .any(|&(s, e)| body[s..e].contains("arrested")));
    let cd = evs
        .iter()
        .find(|e| e.event_type == T::Crackdown)
        .expect("crackdown");
    assert!(cd
        .evidence
        .iter()
        .any(|&(s, e)| body[s..e].contains("inspection team")));
}

#[test]
fn deterministic() {
    for c in CASES {
        let a = if c.korean {
            ko(c.body, c.published)
        } else {
            en(c.body, c.published)
        };
        let b = if c.korean {
            ko(c.body, c.published)
        } else {
            en(c.body, c.published)
        };
        assert_eq!(a, b, "{}", c.name);
        let ja = lantern_extract::codebook_json(c.name, &a).to_string();
        let jb = lantern_extract::codebook_json(c.name, &b).to_string();
        assert_eq!(ja, jb);
    }
}
