//! The search filter as it travels in URLs: parsing query parameters into an
//! [`EventFilter`] (with clear errors) and writing links that change one parameter.

use chrono::NaiveDate;
use lantern_extract::{Actor, EventType};
use lantern_store::{EventFilter, Facet, ReviewState};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Events per page.
pub const PAGE_SIZE: usize = 25;
/// Largest page number accepted (keeps OFFSET bounded).
pub const MAX_PAGE: usize = 4000;

/// Query parameters of the search page, the timeline, the map and the API.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Params {
    /// Full-text query over report titles and bodies.
    pub q: Option<String>,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// First-level division (admin1).
    pub province: Option<String>,
    /// Place id or name.
    pub place: Option<String>,
    /// Actor id.
    pub actor: Option<String>,
    /// Report outlet.
    pub outlet: Option<String>,
    /// Earliest date, YYYY-MM-DD.
    pub from: Option<String>,
    /// Latest date, YYYY-MM-DD.
    pub to: Option<String>,
    /// Review state.
    pub status: Option<String>,
    /// Incidents: only events in an incident with at least this many independent
    /// outlets (`1`: in any incident).
    pub outlets: Option<String>,
    /// `skip`: leave out events of reports that copy another (reposts).
    pub copies: Option<String>,
    /// Timeline and map: `incident` draws one count per incident instead of per event.
    pub per: Option<String>,
    /// Page number, from 1.
    pub page: Option<usize>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, AppError> {
    match nonempty(v) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::bad_request(format!("{field}: '{s}' is not a YYYY-MM-DD date"))),
    }
}

impl Params {
    /// The store filter, without limit and offset. Names the parameter that is wrong.
    pub fn filter(&self) -> Result<EventFilter, AppError> {
        let event_type =
            match nonempty(&self.event_type) {
                None => None,
                Some(s) => Some(EventType::parse(s).ok_or_else(|| {
                    AppError::bad_request(format!("type: unknown event type '{s}'"))
                })?),
            };
        let actor =
            match nonempty(&self.actor) {
                None => None,
                Some(s) => Some(Actor::parse(s).ok_or_else(|| {
                    AppError::bad_request(format!("actor: unknown actor id '{s}'"))
                })?),
            };
        let review_state = match nonempty(&self.status) {
            None => None,
            Some(s) => Some(ReviewState::parse(s).ok_or_else(|| {
                AppError::bad_request(format!("status: unknown review state '{s}'"))
            })?),
        };
        let text = nonempty(&self.q).map(str::to_string);
        if text.as_ref().is_some_and(|t| t.len() > 500) {
            return Err(AppError::bad_request("q: longer than 500 bytes"));
        }
        let min_outlets = match nonempty(&self.outlets) {
            None => None,
            Some(s) => Some(
                s.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        AppError::bad_request(format!(
                            "outlets: '{s}' is not a number from 1 to 1000"
                        ))
                    })?,
            ),
        };
        let skip_copies = match nonempty(&self.copies) {
            None => false,
            Some("skip") => true,
            Some(s) => {
                return Err(AppError::bad_request(format!(
                    "copies: '{s}' is not 'skip'"
                )))
            }
        };
        if let Some(s) = nonempty(&self.per).filter(|s| *s != "incident" && *s != "event") {
            return Err(AppError::bad_request(format!(
                "per: '{s}' is not 'event' or 'incident'"
            )));
        }
        Ok(EventFilter {
            event_type,
            place: nonempty(&self.place).map(str::to_string),
            actor,
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            report_id: None,
            review_state,
            province: nonempty(&self.province).map(str::to_string),
            outlet: nonempty(&self.outlet).map(str::to_string),
            text,
            min_outlets,
            skip_copies,
            limit: None,
            offset: 0,
        })
    }

    /// The page number (from 1), bounded.
    pub fn page(&self) -> Result<usize, AppError> {
        match self.page {
            None | Some(0) => Ok(1),
            Some(p) if p > MAX_PAGE => Err(AppError::bad_request(format!(
                "page: {p} is past the last page allowed ({MAX_PAGE})"
            ))),
            Some(p) => Ok(p),
        }
    }

    /// The parameter a facet filters by.
    pub fn facet_key(f: Facet) -> &'static str {
        match f {
            Facet::EventType => "type",
            Facet::Province => "province",
            Facet::Place => "place",
            Facet::Actor => "actor",
            Facet::Outlet => "outlet",
            Facet::ReviewState => "status",
        }
    }

    /// Mutable access to a parameter by name.
    fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        Some(match key {
            "q" => &mut self.q,
            "type" => &mut self.event_type,
            "province" => &mut self.province,
            "place" => &mut self.place,
            "actor" => &mut self.actor,
            "outlet" => &mut self.outlet,
            "from" => &mut self.from,
            "to" => &mut self.to,
            "status" => &mut self.status,
            "outlets" => &mut self.outlets,
            "copies" => &mut self.copies,
            "per" => &mut self.per,
            _ => return None,
        })
    }

    /// The value of a parameter by name, when set.
    pub fn get(&self, key: &str) -> Option<&str> {
        match key {
            "q" => nonempty(&self.q),
            "type" => nonempty(&self.event_type),
            "province" => nonempty(&self.province),
            "place" => nonempty(&self.place),
            "actor" => nonempty(&self.actor),
            "outlet" => nonempty(&self.outlet),
            "from" => nonempty(&self.from),
            "to" => nonempty(&self.to),
            "status" => nonempty(&self.status),
            "outlets" => nonempty(&self.outlets),
            "copies" => nonempty(&self.copies),
            "per" => nonempty(&self.per),
            _ => None,
        }
    }

    /// These parameters with `key` set to `value` (or removed for `None`), page reset.
    pub fn with(&self, key: &str, value: Option<&str>) -> Params {
        let mut p = self.clone();
        if let Some(slot) = p.slot(key) {
            *slot = value.map(str::to_string);
        }
        p.page = None;
        p
    }

    /// True when the timeline and map count incidents rather than events.
    pub fn per_incident(&self) -> bool {
        nonempty(&self.per) == Some("incident")
    }

    /// These parameters on another page.
    pub fn on_page(&self, page: usize) -> Params {
        let mut p = self.clone();
        p.page = Some(page);
        p
    }

    /// The URL query string (without `?`); empty parameters are left out.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        for key in [
            "q", "type", "province", "place", "actor", "outlet", "from", "to", "status", "outlets",
            "copies", "per",
        ] {
            if let Some(v) = self.get(key) {
                parts.push(format!("{key}={}", encode(v)));
            }
        }
        if let Some(p) = self.page.filter(|p| *p > 1) {
            parts.push(format!("page={p}"));
        }
        parts.join("&")
    }

    /// `path` with these parameters.
    pub fn url(&self, path: &str) -> String {
        let q = self.query();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    }
}

/// Percent-encode a query value (everything but unreserved characters).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_with_the_field_name() {
        let p = Params {
            event_type: Some("arrest".into()),
            from: Some("2024-01-01".into()),
            status: Some("confirmed".into()),
            q: Some("  ".into()),
            ..Default::default()
        };
        let f = p.filter().unwrap();
        assert_eq!(f.event_type, Some(EventType::Arrest));
        assert_eq!(f.review_state, Some(ReviewState::Confirmed));
        assert_eq!(f.text, None);
        let bad = Params {
            from: Some("2024-13-01".into()),
            ..Default::default()
        };
        assert!(bad.filter().unwrap_err().message.starts_with("from:"));
        let bad = Params {
            actor: Some("nobody".into()),
            ..Default::default()
        };
        assert!(bad.filter().unwrap_err().message.starts_with("actor:"));
    }

    #[test]
    fn links_encode_and_reset_the_page() {
        let p = Params {
            q: Some("혜산 & co".into()),
            page: Some(3),
            ..Default::default()
        };
        let l = p.with("province", Some("North Hamgyong"));
        assert_eq!(
            l.url("/search"),
            "/search?q=%ED%98%9C%EC%82%B0%20%26%20co&province=North%20Hamgyong"
        );
        assert_eq!(
            p.on_page(2).query(),
            "q=%ED%98%9C%EC%82%B0%20%26%20co&page=2"
        );
        assert_eq!(
            l.with("province", None).url("/s"),
            "/s?q=%ED%98%9C%EC%82%B0%20%26%20co"
        );
    }
}
