//! Throughput of `extract` (bytes of report body per second) over a synthetic corpus
//! generated from phrase templates and place names: 400 reports of a few KB each (20-40
//! sentences in paragraphs), one in four Korean, bodies without boilerplate as ingest
//! would give them. Run: `cargo bench -p lantern-extract --bench extract`. With
//! `LANTERN_BENCH_ONCE=1` the binary makes one pass over the corpus instead (for
//! instruction counts with callgrind, see [`once`]).

use criterion::{criterion_group, Criterion, Throughput};
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
    "Prices have been unstable for months, and many families now eat only two meals a day.",
    "On March 3, the city people's committee in {P} announced that private vendors must register with the market management office.",
    "According to the source, a team from the Central Prosecutors Office arrived in {P} in early February to inspect the customs house.",
    "Authorities reportedly executed a man in {P} last year for distributing South Korean dramas on USB drives, residents said.",
    "Daily NK could not independently verify the claim.",
    "Some 200 workers were mobilized to a construction site outside {P}, where they are expected to stay until the end of the month.",
];
const TEMPLATES_KO: &[&str] = &[
    "{P}에서 지난 3일 밀수를 하던 주민 2명이 보위부에 체포됐다고 현지 소식통이 전했다.",
    "소식통은 \"{P} 안전부가 중국 손전화를 단속해 벌금을 물렸다\"고 말했다.",
    "{P} 시장에서 쌀값이 1kg에 6000원으로 올랐고 위안화 환율도 1위안에 2000원까지 뛰었다.",
    "국경경비대가 강을 건너려던 40대 여성에게 총격을 가했으며, 인민반장들은 세대마다 보고하라는 지시를 받았다.",
    "최근 {P} 일대에서는 중국에 있는 친척에게 송금을 받은 세대들이 조사를 받고 있다고 한다.",
    "이 같은 주장은 독자적으로 확인되지 않았다.",
    "지난달 말 {P} 보안서는 마약 거래 혐의로 30대 남성 3명을 구류했다고 소식통은 덧붙였다.",
    "주민들은 당국이 단속을 강화하면서 장사가 어려워졌다고 불만을 터뜨리고 있다.",
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

/// One pass over the corpus, a function of its own for callgrind:
/// `LANTERN_BENCH_ONCE=1 valgrind --tool=callgrind --toggle-collect='extract::once' BENCH_BINARY`
#[inline(never)]
fn once(reports: &[Report]) -> usize {
    reports
        .iter()
        .map(|r| lantern_extract::extract(r).len())
        .sum()
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("LANTERN_BENCH_ONCE").is_some() {
        // instruction counts: build the automata first, then one counted pass
        let reports = corpus();
        let bytes: usize = reports.iter().map(|r| r.body.len()).sum();
        let _ = lantern_extract::extract(&reports[0]);
        let n = once(&reports);
        println!("{} reports, {} bytes, {} events", reports.len(), bytes, n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
