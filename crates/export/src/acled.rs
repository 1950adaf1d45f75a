//! CSV in ACLED's column layout, one row per event. The mapping from Lantern's codebook
//! (event types, actor ids, date and place precision) is in `crates/export/README.md`;
//! the tables below are that mapping in code. The exact Lantern type, modality and
//! review state travel in `tags`, so that an import reads them back exactly.

use std::collections::HashMap;
use std::io::Write;

use chrono::NaiveDate;
use lantern_extract::gazetteer::Gazetteer;
use lantern_extract::{Actor, Event, EventPlace, EventType, Level, Modality, PlaceRole, Precision};
use lantern_store::EventRecord;

use crate::Options;

/// ACLED's columns, in order.
pub const COLUMNS: [&str; 31] = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
];

/// ACLED's categories for one Lantern event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeMapping {
    /// `disorder_type`.
    pub disorder_type: &'static str,
    /// `event_type`.
    pub event_type: &'static str,
    /// `sub_event_type`.
    pub sub_event_type: &'static str,
    /// Whether civilians are the target (`actor2` is civilians, `civilian_targeting` set).
    pub civilians_targeted: bool,
}

const VAC: &str = "Violence against civilians";
const SD: &str = "Strategic developments";

/// ACLED categories of a Lantern event type.
pub fn map_type(t: EventType) -> TypeMapping {
    let (disorder_type, event_type, sub_event_type, civilians_targeted) = match t {
        EventType::Execution | EventType::UseOfForce => ("Political violence", VAC, "Attack", true),
        EventType::Arrest => (SD, SD, "Arrests", true),
        EventType::Punishment | EventType::Repatriation => (SD, SD, "Other", true),
        EventType::Directive | EventType::Restriction => {
            (SD, SD, "Change to group/activity", false)
        }
        EventType::Surveillance
        | EventType::Crackdown
        | EventType::Smuggling
        | EventType::BorderCrossing
        | EventType::Ideology
        | EventType::Economy
        | EventType::Remittance
        | EventType::Corruption => (SD, SD, "Other", false),
    };
    TypeMapping {
        disorder_type,
        event_type,
        sub_event_type,
        civilians_targeted,
    }
}

/// ACLED actor name, associated actor and interaction code of a Lantern actor.
pub fn map_actor(a: Actor) -> (&'static str, Option<&'static str>, u8) {
    const POLICE: &str = "Police Forces of North Korea (2011-)";
    const MILITARY: &str = "Military Forces of North Korea (2011-)";
    const GOVERNMENT: &str = "Government of North Korea (2011-)";
    match a {
        Actor::StateSecurity => (POLICE, Some("Ministry of State Security"), 1),
        Actor::SocialSecurity => (POLICE, Some("Ministry of Social Security"), 1),
        Actor::Military => (MILITARY, None, 1),
        Actor::MilitarySecurity => (MILITARY, Some("Military Security Command"), 1),
        Actor::Party => (GOVERNMENT, Some("Workers' Party of Korea"), 1),
        Actor::Prosecutors => (GOVERNMENT, Some("Prosecutors' Office"), 1),
        Actor::Courts => (GOVERNMENT, Some("Courts"), 1),
        Actor::Inminban => (GOVERNMENT, Some("Inminban (people's units)"), 1),
        Actor::Government => (GOVERNMENT, None, 1),
        Actor::ChinaAuthorities => ("Police Forces of China (2012-)", None, 1),
    }
}

/// The Lantern actor an ACLED actor name (and associated actor) stands for.
pub fn actor_from_acled(name: &str, assoc: &str) -> Option<Actor> {
    let assoc = assoc.to_ascii_lowercase();
    let exact = Actor::ALL.into_iter().find(|a| {
        let (n, s, _) = map_actor(*a);
        n.eq_ignore_ascii_case(name.trim())
            && s.is_some_and(|s| assoc.contains(&s.to_ascii_lowercase()))
    });
    if exact.is_some() {
        return exact;
    }
    let name = name.to_ascii_lowercase();
    if name.contains("china") {
        Some(Actor::ChinaAuthorities)
    } else if !name.contains("north korea") {
        None
    } else if name.starts_with("police forces") {
        Some(Actor::SocialSecurity)
    } else if name.starts_with("military forces") {
        Some(Actor::Military)
    } else if name.starts_with("government") {
        Some(Actor::Government)
    } else {
        None
    }
}

/// ACLED `time_precision`: 1 a day, 2 a few days up to a week, 3 longer or unknown.
pub fn time_precision(e: &Event) -> u8 {
    match &e.date {
        Some(d) => match (d.precision, d.start, d.end) {
            (Precision::Day, Some(_), _) | (Precision::Day, _, Some(_)) => 1,
            (Precision::Range, Some(s), Some(t)) if (t - s).num_days() <= 7 => 2,
            _ => 3,
        },
        None => 3,
    }
}

/// The date ACLED gets: the event's start (else end), else the report's publication date.
pub fn event_date(e: &Event, published: Option<NaiveDate>) -> Option<NaiveDate> {
    e.date
        .as_ref()
        .and_then(|d| d.start.or(d.end))
        .or(published)
}

/// ACLED `geo_precision`: 1 the town or city itself, 2 a county or an approximate
/// point, 3 a province.
pub fn geo_precision(p: &EventPlace) -> u8 {
    let base = match p.level {
        Level::Town | Level::City | Level::District => 1,
        Level::County => 2,
        Level::Province => 3,
    };
    if p.approximate {
        base.max(2)
    } else {
        base
    }
}

/// ISO numeric code, ACLED region and country name of an ISO alpha-2 code.
fn country(code: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match code {
        "CN" => ("156", "Eastern Asia", "China", "CHN"),
        "RU" => ("643", "Europe", "Russia", "RUS"),
        _ => ("408", "Eastern Asia", "North Korea", "PRK"),
    }
}

fn type_label(t: EventType) -> String {
    let s = t.as_str().replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

fn modality_word(m: Modality) -> &'static str {
    match m {
        Modality::Happened => "happened",
        Modality::Ongoing => "ongoing",
        Modality::Ordered => "ordered",
        Modality::Planned => "planned",
        Modality::Feared => "feared",
        Modality::Denied => "denied",
    }
}

/// Number of people a quantity of the event counts, if any.
fn people(e: &Event) -> Option<u64> {
    e.quantities
        .iter()
        .find(|q| q.kind == lantern_extract::QuantityKind::People)
        .and_then(|q| q.value)
        .filter(|v| v.is_finite() && *v >= 0.0 && *v < 1e9)
        .map(|v| v as u64)
}

/// Gazetteer places by id (built once per writer: a few hundred entries).
pub(crate) struct Places {
    by_id: HashMap<&'static str, usize>,
    gaz: &'static Gazetteer,
}

impl Places {
    pub(crate) fn new() -> Places {
        let gaz = Gazetteer::get();
        let by_id = gaz
            .places
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        Places { by_id, gaz }
    }

    /// ISO alpha-2 country code of a place (KP when unknown).
    pub(crate) fn country_code(&self, p: &EventPlace) -> &'static str {
        self.by_id
            .get(p.id.as_str())
            .map(|i| self.gaz.places[*i].country.as_str())
            .unwrap_or("KP")
    }

    /// Name of the enclosing county or city of a town or district.
    fn parent_name(&self, p: &EventPlace) -> Option<&'static str> {
        let i = *self.by_id.get(p.id.as_str())?;
        let parent = self.gaz.places[i].parent?;
        self.gaz.places.get(parent).map(|q| q.name.as_str())
    }
}

/// Writes ACLED-layout CSV.
pub struct AcledWriter<W: Write> {
    csv: csv::Writer<W>,
    options: Options,
    places: Places,
}

impl<W: Write> AcledWriter<W> {
    /// A writer; writes the header row.
    pub fn new(out: W, options: Options) -> std::io::Result<Self> {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(COLUMNS).map_err(csv_io)?;
        Ok(AcledWriter {
            csv,
            options,
            places: Places::new(),
        })
    }

    /// Write one event row.
    pub fn write(&mut self, r: &EventRecord) -> std::io::Result<()> {
        let row = self.row(r);
        self.csv.write_record(&row).map_err(csv_io)
    }

    fn row(&self, r: &EventRecord) -> Vec<String> {
        let s = &r.stored;
        let e = &s.event;
        let tm = map_type(e.event_type);
        let place = e.places.iter().find(|p| p.role == PlaceRole::Location);
        let code = place.map(|p| self.places.country_code(p)).unwrap_or("KP");
        let (iso, region, country_name, iso3) = country(code);
        let date = event_date(e, r.report.published);

        // Actors: the first is actor1; everything else on the same side is associated.
        let mut actor1 = String::new();
        let mut assoc: Vec<&str> = Vec::new();
        let mut inter1 = String::new();
        for (i, a) in e.actors.iter().enumerate() {
            let (name, sub, inter) = map_actor(*a);
            if i == 0 {
                actor1 = name.to_string();
                inter1 = inter.to_string();
            } else if name != actor1 && !assoc.contains(&name) {
                assoc.push(name);
            }
            if let Some(sub) = sub {
                if !assoc.contains(&sub) {
                    assoc.push(sub);
                }
            }
        }
        let (actor2, inter2) = if tm.civilians_targeted {
            (format!("Civilians ({country_name})"), "7".to_string())
        } else {
            (String::new(), String::new())
        };
        let interaction = match (inter1.parse::<u8>().ok(), inter2.parse::<u8>().ok()) {
            (Some(a), Some(b)) => format!("{}{}", a.min(b), a.max(b)),
            (Some(a), None) => format!("{a}0"),
            (None, Some(b)) => format!("{b}0"),
            (None, None) => String::new(),
        };

        let (admin1, admin2, admin3, location, lat, lon, geo) = match place {
            None => Default::default(),
            Some(p) => {
                let (a2, a3) = match p.level {
                    Level::Province => (String::new(), String::new()),
                    Level::City | Level::County => (p.name.clone(), String::new()),
                    Level::District => (
                        self.places.parent_name(p).unwrap_or("").to_string(),
                        p.name.clone(),
                    ),
                    Level::Town => (
                        self.places.parent_name(p).unwrap_or("").to_string(),
                        String::new(),
                    ),
                };
                (
                    p.admin1.clone(),
                    a2,
                    a3,
                    p.name.clone(),
                    format!("{:.4}", p.lat),
                    format!("{:.4}", p.lon),
                    geo_precision(p).to_string(),
                )
            }
        };

        let fatalities = if e.event_type == EventType::Execution
            && e.modality == Modality::Happened
            && !e.negated
        {
            people(e).unwrap_or(0)
        } else {
            0
        };
        let mut tags = vec![
            format!("lantern_type={}", e.event_type.as_str()),
            format!("modality={}", modality_word(e.modality)),
            format!("review={}", s.review_state.as_str()),
            format!("confidence={:.2}", e.confidence),
        ];
        if e.negated {
            tags.push("negated".into());
        }
        if !e.actors.is_empty() {
            let ids: Vec<&str> = e.actors.iter().map(|a| a.as_str()).collect();
            tags.push(format!("actors={}", ids.join(",")));
        }
        let timestamp = chrono::DateTime::parse_from_rfc3339(&r.updated_at)
            .map(|t| t.timestamp().to_string())
            .unwrap_or_default();
        vec![
            format!("{iso3}{}", s.id),
            date.map(|d| d.to_string()).unwrap_or_default(),
            date.map(|d| d.format("%Y").to_string()).unwrap_or_default(),
            time_precision(e).to_string(),
            tm.disorder_type.to_string(),
            tm.event_type.to_string(),
            tm.sub_event_type.to_string(),
            actor1,
            assoc.join("; "),
            inter1,
            actor2,
            String::new(),
            inter2,
            interaction,
            if tm.event_type == VAC {
                "Civilian targeting".to_string()
            } else {
                String::new()
            },
            iso.to_string(),
            region.to_string(),
            country_name.to_string(),
            admin1,
            admin2,
            admin3,
            location,
            lat,
            lon,
            geo,
            r.report.outlet.clone().unwrap_or_default(),
            "Other".to_string(),
            self.notes(r, place),
            fatalities.to_string(),
            tags.join("; "),
            timestamp,
        ]
    }

    /// A one-paragraph description made from the structured fields (and, when
    /// sensitive fields are included, the source as worded and the first quote).
    fn notes(&self, r: &EventRecord, place: Option<&EventPlace>) -> String {
        let e = &r.stored.event;
        let mut n = type_label(e.event_type);
        if e.negated {
            n.push_str(" (denied or did not happen)");
        } else if e.modality != Modality::Happened {
            n.push_str(&format!(" ({})", modality_word(e.modality)));
        }
        if let Some(p) = place {
            n.push_str(&format!(" in {}, {}", p.name, p.admin1));
        }
        let others: Vec<&str> = e
            .places
            .iter()
            .filter(|p| p.role == PlaceRole::Location && Some(*p) != place)
            .map(|p| p.name.as_str())
            .collect();
        if !others.is_empty() {
            n.push_str(&format!(" (also {})", others.join(", ")));
        }
        if let Some(d) = &e.date {
            if !d.text.is_empty() {
                n.push_str(&format!("; date as reported: \"{}\"", d.text));
            }
        }
        if let Some(k) = people(e) {
            n.push_str(&format!("; {k} people"));
        }
        if let Some(o) = &r.report.outlet {
            n.push_str(&format!("; reported by {o}"));
        }
        if let Some(d) = r.report.published {
            n.push_str(&format!(" on {d}"));
        }
        n.push('.');
        if self.options.include_sensitive {
            if let Some(a) = &e.attribution {
                n.push_str(&format!(" Source: {}.", a.text));
            }
            if let Some(q) = r.evidence_text.iter().find(|q| !q.trim().is_empty()) {
                n.push_str(&format!(" \"{}\"", q.trim()));
            }
        }
        n
    }

    /// Flush and give the writer back.
    pub fn finish(self) -> std::io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
