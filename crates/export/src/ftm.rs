//! FollowTheMoney entities, one JSON object a line (`{"id", "schema", "properties"}`),
//! as `ftm` and Aleph (`alephclient write-entities`) read them:
//!
//! - `Event` per event, id `lantern-event-<report id>-<seq>`, with `involved` actors,
//!   `proof` the report, dates, `location` and `country`;
//! - `Organization` per actor, id `lantern-actor-<actor id>`, written once;
//! - `Article` (a report with an outlet or URL) or `Document` per report, id
//!   `lantern-report-<report id>`, with `contentHash` the SHA-256 of the original
//!   (Aleph holds no copy of the file: it shows the metadata only).
//!
//! Ids are stable across exports and stores. A report entity is written before its
//! first event; to keep memory constant the writer remembers only the last few
//! thousand reports, so a report may be written again later, identical; FtM merges
//! entities with the same id (`ftm aggregate`, Aleph's loader).

use std::collections::HashSet;
use std::io::Write;

use lantern_extract::{Actor, PlaceRole};
use lantern_ingest::Language;
use lantern_store::EventRecord;
use serde_json::{json, Map, Value};

use crate::acled::Places;
use crate::Options;

/// How many report ids the writer remembers to avoid writing a report twice.
const REMEMBER_REPORTS: usize = 4096;

/// Entity id of a report.
pub fn report_entity_id(report_id: &str) -> String {
    format!("lantern-report-{report_id}")
}

/// Entity id of an actor.
pub fn actor_entity_id(a: Actor) -> String {
    format!("lantern-actor-{}", a.as_str())
}

/// Entity id of an event.
pub fn event_entity_id(report_id: &str, seq: u32) -> String {
    format!("lantern-event-{report_id}-{seq}")
}

/// The actor's full name as an organisation.
pub fn actor_name(a: Actor) -> (&'static str, &'static str) {
    match a {
        Actor::StateSecurity => ("Ministry of State Security (North Korea)", "kp"),
        Actor::SocialSecurity => ("Ministry of Social Security (North Korea)", "kp"),
        Actor::Military => ("Korean People's Army", "kp"),
        Actor::MilitarySecurity => ("Military Security Command (North Korea)", "kp"),
        Actor::Party => ("Workers' Party of Korea", "kp"),
        Actor::Prosecutors => ("Prosecutors' offices (North Korea)", "kp"),
        Actor::Courts => ("Courts (North Korea)", "kp"),
        Actor::Inminban => ("Inminban (people's units, North Korea)", "kp"),
        Actor::Government => ("Government of North Korea", "kp"),
        Actor::ChinaAuthorities => ("Chinese police and border authorities", "cn"),
    }
}

/// Writes FollowTheMoney entities.
pub struct FtmWriter<W: Write> {
    out: W,
    options: Options,
    actors_written: u32,
    reports_written: HashSet<String>,
    places: Places,
}

fn props(pairs: Vec<(&str, Vec<String>)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        let v: Vec<String> = v.into_iter().filter(|s| !s.is_empty()).collect();
        if !v.is_empty() {
            m.insert(k.to_string(), json!(v));
        }
    }
    Value::Object(m)
}

fn opt(v: &Option<String>) -> Vec<String> {
    v.iter().cloned().collect()
}

impl<W: Write> FtmWriter<W> {
    /// A writer; FtM JSON lines have no header.
    pub fn new(out: W, options: Options) -> Self {
        FtmWriter {
            out,
            options,
            actors_written: 0,
            reports_written: HashSet::new(),
            places: Places::new(),
        }
    }

    fn entity(&mut self, id: &str, schema: &str, properties: Value) -> std::io::Result<()> {
        serde_json::to_writer(
            &mut self.out,
            &json!({"id": id, "schema": schema, "properties": properties}),
        )?;
        self.out.write_all(b"\n")
    }

    /// Write the entities of one event: its actors and report when not yet written,
    /// then the event.
    pub fn write(&mut self, r: &EventRecord) -> std::io::Result<()> {
        let e = &r.stored.event;
        for a in &e.actors {
            let bit = 1u32 << (*a as u32);
            if self.actors_written & bit == 0 {
                self.actors_written |= bit;
                let (name, country) = actor_name(*a);
                let p = props(vec![
                    ("name", vec![name.to_string()]),
                    ("country", vec![country.to_string()]),
                    ("alias", vec![a.as_str().to_string()]),
                ]);
                self.entity(&actor_entity_id(*a), "Organization", p)?;
            }
        }
        let report_id = report_entity_id(&r.report.id);
        if !self.reports_written.contains(&r.report.id) {
            if self.reports_written.len() >= REMEMBER_REPORTS {
                self.reports_written.clear();
            }
            self.reports_written.insert(r.report.id.clone());
            let rep = &r.report;
            let schema = if rep.outlet.is_some() || rep.url.is_some() {
                "Article"
            } else {
                "Document"
            };
            let language = match rep.language {
                Language::En => "eng",
                Language::Ko => "kor",
                Language::Other => "",
            };
            let mut pairs = vec![
                ("title", opt(&rep.title)),
                ("publisher", opt(&rep.outlet)),
                ("sourceUrl", opt(&rep.url)),
                (
                    "publishedAt",
                    rep.published.iter().map(|d| d.to_string()).collect(),
                ),
                ("language", vec![language.to_string()]),
                ("contentHash", vec![rep.original_sha256.clone()]),
                ("recordId", vec![rep.id.clone()]),
            ];
            if self.options.include_sensitive {
                pairs.push(("fileName", vec![rep.source_path.clone()]));
            }
            self.entity(&report_id, schema, props(pairs))?;
        }

        let location = e
            .places
            .iter()
            .filter(|p| p.role == PlaceRole::Location)
            .map(|p| {
                if p.admin1 == p.name {
                    p.name.clone()
                } else {
                    format!("{}, {}", p.name, p.admin1)
                }
            })
            .collect::<Vec<_>>();
        let mut countries: Vec<String> = e
            .places
            .iter()
            .filter(|p| p.role == PlaceRole::Location)
            .map(|p| self.places.country_code(p).to_ascii_lowercase())
            .collect();
        countries.dedup();
        let type_word = e.event_type.as_str().replace('_', " ");
        let name = match location.first() {
            Some(l) => format!("{type_word} in {l}"),
            None => type_word.clone(),
        };
        let d = e.date.as_ref();
        let date = crate::acled::event_date(e, r.report.published);
        let mut pairs = vec![
            ("name", vec![name]),
            ("date", date.iter().map(|d| d.to_string()).collect()),
            (
                "startDate",
                d.and_then(|d| d.start)
                    .iter()
                    .map(|d| d.to_string())
                    .collect(),
            ),
            (
                "endDate",
                d.and_then(|d| d.end)
                    .iter()
                    .map(|d| d.to_string())
                    .collect(),
            ),
            ("location", location),
            ("country", countries),
            (
                "involved",
                e.actors.iter().map(|a| actor_entity_id(*a)).collect(),
            ),
            ("proof", vec![report_id]),
            ("sourceUrl", opt(&r.report.url)),
            ("publisher", opt(&r.report.outlet)),
            (
                "keywords",
                vec![
                    e.event_type.as_str().to_string(),
                    format!("{:?}", e.modality).to_ascii_lowercase(),
                    r.stored.review_state.as_str().to_string(),
                ],
            ),
            ("recordId", vec![crate::event_uid(r)]),
        ];
        if let Some(dt) = d.filter(|d| !d.text.is_empty()) {
            pairs.push(("summary", vec![format!("date as reported: {}", dt.text)]));
        }
        if self.options.include_sensitive {
            if let Some(a) = &e.attribution {
                pairs.push(("notes", vec![format!("source: {}", a.text)]));
            }
            pairs.push((
                "description",
                r.evidence_text
                    .iter()
                    .map(|q| q.trim().to_string())
                    .collect(),
            ));
        }
        let id = event_entity_id(&r.report.id, r.seq);
        self.entity(&id, "Event", props(pairs))
    }

    /// Flush and give the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
