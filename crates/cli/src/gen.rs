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

/// One generated report as a text file with front matter.
pub fn report(rng: &mut Rng, index: usize, places: &[PlaceName]) -> String {
    let place = rng.pick(places);
    let korean = rng.below(5) == 0;
    let year = 2015 + rng.below(10);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let mut s = String::with_capacity(2048);
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
                if t.contains("place_ko") {
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
    let paragraphs = 3 + rng.below(5);
    for p in 0..paragraphs {
        if p == 2 {
            let template = rng.pick_str(CAPTIONS);
            let caption = fill(rng, template);
            let _ = writeln!(s, "{caption}\n");
        }
        let sentences = 1 + rng.below(3);
        for i in 0..sentences {
            let t = if korean {
                rng.pick_str(KO_EVENTS)
            } else {
                rng.pick_str(EN_EVENTS)
            };
            let sentence = fill(rng, t);
            if i > 0 {
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
