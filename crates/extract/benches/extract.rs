//! Throughput of `extract` over a synthetic corpus generated from phrase templates and
//! place names (English and Korean). Run: `cargo bench -p lantern-extract`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lantern_ingest::{DateSource, Language, Published, Report};

const PLACES_EN: &[&str] = &[
    "Hyesan",
    "Musan",
    "Hoeryong",
    "Sinuiju",
    "Manpo",
    "Kanggye",
    "Onsong",
    "Chongjin",
    "Sakju",
    "Kimjongsuk County",
    "Dandong",
    "Changbai",
    "Tumen",
    "North Hamgyong Province",
];
const PLACES_KO: &[&str] = &[
    "혜산시",
    "무산군",
    "회령시",
    "신의주",
    "만포시",
    "온성군",
    "청진시",
];
const TEMPLATES_EN: &[&str] = &[
    "Ministry of State Security agents in {P} arrested three men in their 30s late last week, a source in {P} told the newsroom.",
    "The source said the provincial party committee ordered inminban heads in {P} to report any household that receives money from relatives in China.",
    "Rice sold for 5,200 won per kilogram at the market in {P} on Monday, up from 4,800 won, and one dollar bought 8,100 won.",
    "Border guards near {P} shot a woman who was trying to cross the river, and soldiers took her to the county security bureau.",
    "Residents say the broker will probably be sent to a labor camp, though no sentence has been handed down yet.",
    "\"Everyone knows the guards can be paid,\" the source said, adding that smuggling of copper has picked up since the ice began to thin.",
    "Chinese police in {P} detained two women and sent them back to North Korea earlier this month.",
    "Unlike in {P}, there were no lectures this week, and the border has been closed since January.",
];
const TEMPLATES_KO: &[&str] = &[
    "{P}에서 지난 3일 밀수를 하던 주민 2명이 보위부에 체포됐다고 현지 소식통이 전했다.",
    "소식통은 \"{P} 안전부가 중국 손전화를 단속해 벌금을 물렸다\"고 말했다.",
    "{P} 시장에서 쌀값이 1kg에 6000원으로 올랐고 위안화 환율도 1위안에 2000원까지 뛰었다.",
    "국경경비대가 강을 건너려던 40대 여성에게 총격을 가했으며, 인민반장들은 세대마다 보고하라는 지시를 받았다.",
];

fn corpus() -> Vec<Report> {
    let mut seed: u64 = 0x1234_5678_9ABC_DEF1;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut out = Vec::new();
    for i in 0..400 {
        let korean = i % 4 == 3;
        let mut body = String::new();
        for _ in 0..(20 + next() % 20) {
            let (t, p) = if korean {
                (
                    TEMPLATES_KO[(next() % TEMPLATES_KO.len() as u64) as usize],
                    PLACES_KO[(next() % PLACES_KO.len() as u64) as usize],
                )
            } else {
                (
                    TEMPLATES_EN[(next() % TEMPLATES_EN.len() as u64) as usize],
                    PLACES_EN[(next() % PLACES_EN.len() as u64) as usize],
                )
            };
            body.push_str(&t.replace("{P}", p));
            body.push_str(if next() % 3 == 0 { "\n\n" } else { " " });
        }
        out.push(Report {
            id: format!("r{i}"),
            original_sha256: String::new(),
            title: None,
            outlet: None,
            url: None,
            published: chrono::NaiveDate::from_ymd_opt(2022, 3, 18).map(|date| Published {
                date,
                source: DateSource::FrontMatter,
                raw: "2022-03-18".into(),
            }),
            language: if korean { Language::Ko } else { Language::En },
            text: body.clone(),
            removed: Vec::new(),
            body,
            captured_at: String::new(),
            source_path: String::new(),
            item: None,
            format: "text".into(),
        });
    }
    out
}

fn bench(c: &mut Criterion) {
    let reports = corpus();
    let bytes: usize = reports.iter().map(|r| r.body.len()).sum();
    let _ = lantern_extract::extract(&reports[0]); // build automata and gazetteer
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("synthetic_corpus", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for r in &reports {
                n += lantern_extract::extract(r).len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
