//! `lantern gen`: a synthetic corpus for benchmarks and scale tests. Reports are made
//! from phrase templates with gazetteer places, event phrasing, boilerplate and dates
//! across ten years. Deterministic for a given seed. Invented text, not real reports.

use std::fmt::Write as _;

use lantern_extract::gazetteer::Gazetteer;
use lantern_extract::Level;

/// A small deterministic generator (SplitMix64); no dependency needed for this.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

pub struct PlaceName {
    name: String,
    admin1: String,
    level: &'static str,
}

fn places() -> Vec<PlaceName> {
    let g = Gazetteer::get();
    let mut out: Vec<PlaceName> = g
        .places
        .iter()
        .filter(|p| p.country == "KP" && matches!(p.level, Level::City | Level::County))
        .map(|p| PlaceName {
            name: p.name.clone(),
            admin1: p.admin1.clone(),
            level: if p.level == Level::City {
                "City"
            } else {
                "County"
            },
        })
        .collect();
    if out.is_empty() {
        // Before the gazetteer is filled in, a few border places keep the generator useful.
        for (name, admin1, level) in [
            ("Hyesan", "Yanggang", "City"),
            ("Hoeryong", "North Hamgyong", "City"),
            ("Musan", "North Hamgyong", "County"),
            ("Onsong", "North Hamgyong", "County"),
            ("Sinuiju", "North Pyongan", "City"),
            ("Manpo", "Chagang", "City"),
        ] {
            out.push(PlaceName {
                name: name.into(),
                admin1: admin1.into(),
                level,
            });
        }
    }
    out
}

const AGENCIES: &[&str] = &[
    "the Ministry of State Security",
    "state security agents",
    "the Ministry of Social Security",
    "safety agents",
    "border guards",
    "the provincial party committee",
    "the provincial court",
    "prosecutors",
];

const EN_EVENTS: &[&str] = &[
    "{agency} arrested {n} residents in {place} {when} on charges of smuggling copper across the river.",
    "{agency} detained a woman in her {age}s in {place} {when} after she was caught making calls on a Chinese mobile phone.",
    "The authorities issued an order {when} instructing {agency} to tighten patrols along the riverbank near {place}.",
    "{n} people were sent to a labor training camp after a public trial held in {place} {when}.",
    "Residents of {place} said {agency} had searched homes for foreign media and confiscated {n} USB drives.",
    "A broker in {place} was caught delivering remittances from defectors and fined {money} won.",
    "The price of rice at the {place} market rose to {money} won per kilogram {when}, while one dollar traded for {rate} won.",
    "Border guards in {place} took bribes of {yuan} yuan from smugglers and let goods pass at night.",
    "Lectures were held in {place} {when} warning residents that anyone who crosses the border will be severely punished.",
    "A man who tried to cross the river near {place} was shot by a border guard {when}.",
    "Chinese police handed over {n} North Koreans who had been detained in China, and they were taken to {place}.",
    "The border around {place} has remained closed and residents are barred from travelling without a permit.",
    "Inminban heads in {place} were told to report any household that receives visitors from other regions.",
    "An inspection team from the central party launched a crackdown on illegal trading in {place} {when}.",
];

const KO_EVENTS: &[&str] = &[
    "{when} {place_ko}에서 보위부가 밀수 혐의로 주민 {n}명을 체포했다고 소식통이 전했다.",
    "{place_ko} 국경경비대가 강을 건너려던 남성에게 총격을 가했다.",
    "당국은 {when} 국경 연선 주민들에게 야간 통행을 금지한다는 지시를 내렸다.",
    "{place_ko} 시장에서 쌀 가격은 1kg에 {money}원으로 올랐다.",
    "송금 브로커가 {place_ko}에서 안전원에게 붙잡혀 노동단련대 6개월 처벌을 받았다.",
    "{place_ko} 인민반장들은 외부인이 찾아오는 세대를 보고하라는 지시를 받았다.",
];

const CAPTIONS: &[&str] = &[
    "A guard post on the riverbank near {place}. / Image: Lantern sample archive",
    "FILE PHOTO: Residents queue at a market in {place}.",
];

const FOOTERS: &[&str] = &[
    "Please direct any comments or questions about this article to the editors.",
    "Read in Korean",
    "Subscribe to our newsletter for weekly updates.",
];

const EN_WHEN: &[&str] = &[
    "last week",
    "earlier this month",
    "on Tuesday",
    "in early March",
    "late last month",
    "recently",
];

const KO_WHEN: &[&str] = &["지난달", "최근", "지난 15일", "이달 초"];

/// Background sentences with no event in them: the context, colour and commentary that
/// make up most of a real report (a Daily NK report runs 400 to 900 words and carries 3
/// to 10 events). Written for this generator; they avoid the extractor's cue words.
const EN_CONTEXT: &[&str] = &[
    "Many families in {place} have been relying on vegetables grown in small private plots to get through the lean months before the autumn harvest.",
    "The source said that people in the area talk about little else these days than how they will manage to feed their children through the winter.",
    "Electricity in {place} is usually available for only a few hours in the evening, so most households still cook with firewood or coal briquettes.",
    "Several factories in the city have been operating at a fraction of their capacity for years because they lack raw materials and spare parts.",
    "Farmers in the surrounding cooperative farms were mobilised for rice transplanting in May, and many students were sent to help them for several weeks.",
    "Residents say that heavy rain in the summer damaged roads and bridges in the county, and repairs have been slow because of a shortage of cement.",
    "The source, who asked not to be named for safety reasons, described the mood among ordinary people as tired and anxious rather than openly angry.",
    "Young people in {place} increasingly look for informal work in construction or transport rather than stay at the state enterprises they were assigned to.",
    "Schools in the area have asked parents to contribute firewood, paper and cleaning supplies, a burden that poorer families find hard to carry.",
    "Local hospitals are short of basic medicine, and patients are often told to bring their own bandages, syringes and painkillers from home.",
    "According to the source, the situation has not changed much since the spring, although people had hoped that conditions would improve by now.",
    "The winters in the northern provinces are long and harsh, and temperatures in {place} regularly fall below minus twenty degrees in January.",
    "Some households have started raising rabbits, goats or chickens in their yards to add a little protein to a diet made up mostly of corn.",
    "Neighbours often share what they have during difficult times, the source said, but that kind of solidarity has its limits when everyone is struggling.",
    "Public transport between towns is unreliable, and many people travel long distances on foot or by bicycle to visit relatives or look for work.",
    "Older residents remember the famine of the 1990s and say they are determined not to let their families go through anything like it again.",
    "Construction of new apartment blocks in the centre of {place} has been promoted as a showcase project, but many units are said to remain empty.",
    "Housing is a constant worry for young couples, who often live with their parents for years before they can find a place of their own.",
    "The source noted that word of mouth remains the main way that news travels between neighbourhoods, and rumours can spread very quickly.",
    "Water supply in many apartment buildings is irregular, so residents carry buckets from public wells or collect rainwater on their balconies.",
    "Daily life in {place} follows the rhythm of the seasons: planting in spring, weeding in summer, harvest in autumn and gathering fuel before winter.",
    "It was not possible to verify the account independently, but it is consistent with what other residents of the region have described in recent months.",
    "Women in the area carry much of the burden of keeping households afloat, combining work at home with small businesses of their own.",
    "Mobile phone coverage is patchy in the mountain villages outside {place}, and some residents walk to hilltops to get a signal.",
    "Several people interviewed for this article said they were worried about the health of elderly relatives who live alone in the countryside.",
    "The local economy depends heavily on forestry and mining, and many men work away from home for months at a time.",
    "Children in the city spend their summer holidays helping their families gather herbs, mushrooms and wild greens in the nearby hills.",
    "The source added that people are cautious about what they say in public and prefer to discuss sensitive matters only with close friends.",
];

const KO_CONTEXT: &[&str] = &[
    "소식통은 요즘 주민들 사이에서는 겨울을 어떻게 날지가 가장 큰 걱정거리라고 말했다.",
    "{place_ko} 지역에는 저녁에 몇 시간 정도만 전기가 들어와 대부분의 가정이 아직도 나무나 석탄으로 밥을 짓는다.",
    "농촌에서는 모내기철을 맞아 학생들까지 동원돼 몇 주 동안 농사일을 도왔다.",
    "여름 장마로 도로와 다리가 파손됐지만 시멘트가 부족해 복구가 더디게 진행되고 있다.",
    "젊은 사람들은 배치받은 국영기업 대신 건설이나 운송 일거리를 찾아 나서고 있다.",
    "학교에서는 학부모들에게 땔감과 종이, 청소용품을 내라고 해 형편이 어려운 가정의 부담이 크다.",
    "병원에는 기본적인 약조차 부족해 환자들이 붕대와 주사기를 직접 구해 가야 한다.",
    "소식통은 봄 이후로 상황이 크게 달라지지 않았지만 주민들은 그래도 나아지기를 바라고 있다고 전했다.",
    "일부 가정은 마당에서 토끼나 염소, 닭을 길러 옥수수 위주의 식단을 보충하고 있다.",
    "도시 사이를 오가는 교통편이 불안정해 많은 사람들이 먼 길을 걷거나 자전거를 타고 다닌다.",
    "나이 든 주민들은 1990년대의 어려웠던 시절을 떠올리며 다시는 그런 일을 겪지 않겠다고 말한다.",
    "아파트에 물이 제대로 나오지 않아 주민들은 공동 우물에서 물을 길어 나르고 있다.",
    "여성들이 집안일과 장사를 함께 하며 가계를 꾸려 가는 경우가 많다.",
    "산간 마을에서는 휴대전화가 잘 터지지 않아 언덕에 올라가 통화하는 주민들도 있다.",
];

/// One generated report as a text file with front matter.
pub fn report(rng: &mut Rng, index: usize, places: &[PlaceName]) -> String {
    let place = rng.pick(places);
    let korean = rng.below(5) == 0;
    let year = 2015 + rng.below(10);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let mut s = String::with_capacity(6144);
    let title = if korean {
        format!("{} 국경 지역 소식 {index}", place.name)
    } else {
        format!("Security tightened in {} {index}", place.name)
    };
    let _ = write!(
        s,
        "---\ntitle: {title}\noutlet: Lantern Sample Wire\nurl: https://example.org/reports/{index}\npublished: {year}-{month:02}-{day:02}\n---\n"
    );
    let fill = |rng: &mut Rng, t: &str| -> String {
        t.replace("{place}", &format!("{} {}", place.name, place.level))
            .replace("{place_ko}", &place.name)
            .replace("{agency}", rng.pick_str(AGENCIES))
            .replace("{n}", &(2 + rng.below(20)).to_string())
            .replace("{age}", &(20 + 10 * rng.below(5)).to_string())
            .replace("{money}", &(1000 + 500 * rng.below(30)).to_string())
            .replace("{rate}", &(5000 + 100 * rng.below(40)).to_string())
            .replace("{yuan}", &(100 + 100 * rng.below(30)).to_string())
            .replace(
                "{when}",
                if korean {
                    rng.pick_str(KO_WHEN)
                } else {
                    rng.pick_str(EN_WHEN)
                },
            )
    };
    if korean {
        let _ = writeln!(
            s,
            "{} 소식통은 최근 국경 지역의 통제가 강화됐다고 전했다.\n",
            place.admin1
        );
    } else {
        let _ = writeln!(
            s,
            "A source in {} Province told Lantern Sample Wire that security in {} {} has been stepped up.\n",
            place.admin1, place.name, place.level
        );
    }
    // 16 to 34 sentences (about 400 to 900 words in English), 3 to 9 of them reporting
    // an event and the rest context, in paragraphs of 2 to 4 sentences.
    let sentences = 16 + rng.below(19);
    let event_sentences = 3 + rng.below(7);
    let mut is_event = vec![false; sentences];
    let mut placed = 0;
    while placed < event_sentences {
        let i = rng.below(sentences);
        if !is_event[i] {
            is_event[i] = true;
            placed += 1;
        }
    }
    let mut next = 0;
    let mut paragraph = 0;
    while next < sentences {
        if paragraph == 2 {
            let template = rng.pick_str(CAPTIONS);
            let caption = fill(rng, template);
            let _ = writeln!(s, "{caption}\n");
        }
        let len = (2 + rng.below(3)).min(sentences - next);
        for (k, &event) in is_event[next..next + len].iter().enumerate() {
            let t = match (korean, event) {
                (true, true) => rng.pick_str(KO_EVENTS),
                (true, false) => rng.pick_str(KO_CONTEXT),
                (false, true) => rng.pick_str(EN_EVENTS),
                (false, false) => rng.pick_str(EN_CONTEXT),
            };
            let sentence = fill(rng, t);
            if k > 0 {
                s.push(' ');
            }
            // Capitalise a sentence that starts with an agency's "the".
            let mut chars = sentence.chars();
            if let Some(first) = chars.next() {
                s.extend(first.to_uppercase());
                s.push_str(chars.as_str());
            }
        }
        s.push_str("\n\n");
        next += len;
        paragraph += 1;
    }
    if !korean {
        let _ = writeln!(
            s,
            "{} border security arrest smuggling",
            place.admin1.to_lowercase()
        );
    }
    for footer in FOOTERS {
        let _ = writeln!(s, "{footer}");
    }
    s
}

/// Write `n` reports into `out`, as text files in year folders, or as one JSON Lines file.
pub fn generate(out: &std::path::Path, n: usize, seed: u64, jsonl: bool) -> std::io::Result<usize> {
    use std::io::Write;
    std::fs::create_dir_all(out)?;
    let places = places();
    let mut rng = Rng::new(seed);
    let mut bytes = 0usize;
    if jsonl {
        let file = std::fs::File::create(out.join("reports.jsonl"))?;
        let mut w = std::io::BufWriter::new(file);
        for i in 0..n {
            let text = report(&mut rng, i, &places);
            let (header, body) = split_front_matter(&text);
            let mut obj = serde_json::Map::new();
            for line in header.lines() {
                if let Some((k, v)) = line.split_once(": ") {
                    obj.insert(k.to_string(), serde_json::Value::String(v.to_string()));
                }
            }
            obj.insert("body".into(), serde_json::Value::String(body.to_string()));
            let line = serde_json::Value::Object(obj).to_string();
            bytes += line.len() + 1;
            writeln!(w, "{line}")?;
        }
        w.flush()?;
    } else {
        for i in 0..n {
            let text = report(&mut rng, i, &places);
            let dir = out.join(format!("{:04}", i / 1000));
            if i % 1000 == 0 {
                std::fs::create_dir_all(&dir)?;
            }
            std::fs::write(dir.join(format!("r{i:07}.txt")), &text)?;
            bytes += text.len();
        }
    }
    Ok(bytes)
}

fn split_front_matter(text: &str) -> (&str, &str) {
    if let Some(rest) = text.strip_prefix("---\n") {
        if let Some(end) = rest.find("\n---\n") {
            return (&rest[..end], &rest[end + 5..]);
        }
    }
    ("", text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_varied() {
        let places = places();
        let a = report(&mut Rng::new(7), 1, &places);
        let b = report(&mut Rng::new(7), 1, &places);
        let c = report(&mut Rng::new(8), 1, &places);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("---\ntitle: "));
    }
}
