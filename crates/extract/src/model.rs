//! Event model. Field and variant names are the codebook's words.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The codebook's event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Directive,
    Surveillance,
    Crackdown,
    Arrest,
    Punishment,
    Execution,
    UseOfForce,
    Smuggling,
    BorderCrossing,
    Repatriation,
    Restriction,
    Ideology,
    Economy,
    Remittance,
    Corruption,
}

impl EventType {
    pub const ALL: [EventType; 15] = [
        EventType::Directive,
        EventType::Surveillance,
        EventType::Crackdown,
        EventType::Arrest,
        EventType::Punishment,
        EventType::Execution,
        EventType::UseOfForce,
        EventType::Smuggling,
        EventType::BorderCrossing,
        EventType::Repatriation,
        EventType::Restriction,
        EventType::Ideology,
        EventType::Economy,
        EventType::Remittance,
        EventType::Corruption,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Directive => "directive",
            EventType::Surveillance => "surveillance",
            EventType::Crackdown => "crackdown",
            EventType::Arrest => "arrest",
            EventType::Punishment => "punishment",
            EventType::Execution => "execution",
            EventType::UseOfForce => "use_of_force",
            EventType::Smuggling => "smuggling",
            EventType::BorderCrossing => "border_crossing",
            EventType::Repatriation => "repatriation",
            EventType::Restriction => "restriction",
            EventType::Ideology => "ideology",
            EventType::Economy => "economy",
            EventType::Remittance => "remittance",
            EventType::Corruption => "corruption",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The codebook's canonical actor ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    StateSecurity,
    SocialSecurity,
    Military,
    MilitarySecurity,
    Party,
    Prosecutors,
    Courts,
    Inminban,
    Government,
    ChinaAuthorities,
}

impl Actor {
    pub const ALL: [Actor; 10] = [
        Actor::StateSecurity,
        Actor::SocialSecurity,
        Actor::Military,
        Actor::MilitarySecurity,
        Actor::Party,
        Actor::Prosecutors,
        Actor::Courts,
        Actor::Inminban,
        Actor::Government,
        Actor::ChinaAuthorities,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Actor::StateSecurity => "state_security",
            Actor::SocialSecurity => "social_security",
            Actor::Military => "military",
            Actor::MilitarySecurity => "military_security",
            Actor::Party => "party",
            Actor::Prosecutors => "prosecutors",
            Actor::Courts => "courts",
            Actor::Inminban => "inminban",
            Actor::Government => "government",
            Actor::ChinaAuthorities => "china_authorities",
        }
    }

    pub fn parse(s: &str) -> Option<Actor> {
        Actor::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// How the report presents an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    Happened,
    Ongoing,
    Ordered,
    Planned,
    Feared,
    Denied,
}

/// Administrative level of a place, as the codebook names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    District,
    Town,
}

/// Why a place is attached to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceRole {
    /// Something happens there.
    Location,
    /// The report's source is there.
    Source,
}

/// A gazetteer place attached to an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPlace {
    /// Stable gazetteer id.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// Canonical name of the first-level division (province, or Chinese province).
    pub admin1: String,
    pub level: Level,
    pub lat: f64,
    pub lon: f64,
    /// True when the coordinates are only the parent's (approximate).
    pub approximate: bool,
    pub role: PlaceRole,
    /// The mention in the body: byte range `[start, end)`.
    pub span: (usize, usize),
}

/// How precisely a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Day,
    Range,
    Month,
    Year,
    /// Words kept, but no published date to resolve them against.
    Unresolved,
}

/// When an event happened, with the report's own words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDate {
    #[serde(serialize_with = "iso_date")]
    pub start: Option<NaiveDate>,
    #[serde(serialize_with = "iso_date")]
    pub end: Option<NaiveDate>,
    pub precision: Precision,
    /// The original words ("late last month", "지난 20일").
    pub text: String,
    pub span: (usize, usize),
}

/// Who the report says told it, as worded. Never resolved to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub text: String,
    pub span: (usize, usize),
}

/// What a number in the report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantityKind {
    People,
    Age,
    Amount,
    Money,
    ExchangeRate,
    Duration,
}

/// A number attached to an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    pub kind: QuantityKind,
    pub value: Option<f64>,
    /// Unit or currency as normalised ("person", "kg", "KPW", "CNY", "USD", "year").
    pub unit: Option<String>,
    pub text: String,
    pub span: (usize, usize),
}

/// One codebook event found in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub modality: Modality,
    pub negated: bool,
    pub actors: Vec<Actor>,
    pub places: Vec<EventPlace>,
    pub date: Option<EventDate>,
    pub attribution: Option<Attribution>,
    pub quantities: Vec<Quantity>,
    /// Byte ranges `[start, end)` into `Report::body`.
    pub evidence: Vec<(usize, usize)>,
    pub confidence: f32,
}

/// A date as chrono writes it ("2024-05-03"), as ASCII bytes on the stack, for the years
/// 0 to 9999 (`None` for other years, which callers leave to chrono's own `Display`).
/// Shared by the JSON of events here and the date columns the store writes.
pub fn iso_date_ascii(d: NaiveDate) -> Option<[u8; 10]> {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        return None;
    }
    let y = y as u32;
    let digit = |v: u32| b'0' + (v % 10) as u8;
    Some([
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(day / 10),
        digit(day),
    ])
}

/// Serializes a date as chrono does ("2024-05-03"), written into a stack buffer for the
/// years 0 to 9999 rather than through `Display` one char at a time (the JSON of every
/// stored event has two of these); other years go through chrono's own impl.
fn iso_date<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    let Some(d) = d else {
        return s.serialize_none();
    };
    // only ASCII digits and '-': always UTF-8
    match iso_date_ascii(*d).as_ref().map(|b| std::str::from_utf8(b)) {
        Some(Ok(text)) => s.serialize_some(text),
        _ => s.serialize_some(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `iso_date` writes what chrono's own `Serialize` writes, for every day of some
    /// ordinary years and the edges of the four-digit range and beyond.
    #[test]
    fn iso_date_matches_chrono() {
        let mut days: Vec<NaiveDate> = Vec::new();
        for y in [1, 999, 1000, 1999, 2000, 2024, 2025, 9999] {
            let mut d = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
            while chrono::Datelike::year(&d) == y {
                days.push(d);
                d = d.succ_opt().unwrap();
            }
        }
        for y in [-1, 0, 10000, 12345] {
            days.push(NaiveDate::from_ymd_opt(y, 2, 28).unwrap());
        }
        days.push(NaiveDate::MIN);
        days.push(NaiveDate::MAX);
        for d in days {
            for (start, end) in [(Some(d), None), (None, Some(d)), (Some(d), Some(d))] {
                let e = EventDate {
                    start,
                    end,
                    precision: Precision::Day,
                    text: "x".into(),
                    span: (0, 1),
                };
                let chrono_json = format!(
                    r#"{{"start":{},"end":{},"precision":"day","text":"x","span":[0,1]}}"#,
                    serde_json::to_string(&start).unwrap(),
                    serde_json::to_string(&end).unwrap()
                );
                assert_eq!(serde_json::to_string(&e).unwrap(), chrono_json, "{d}");
                let back: EventDate = serde_json::from_str(&chrono_json).unwrap();
                assert_eq!(back, e);
            }
        }
    }
}
