//! GeoJSON: one FeatureCollection, one Point Feature per (event, place) pair, one
//! feature a line. Events without places have no feature. Coordinates are the
//! gazetteer's (`approximate` is true when they are only the enclosing division's).
//! Properties are flat (lists joined with `;`) so GIS tools read them as columns.

use std::io::Write;

use lantern_store::EventRecord;
use serde::Serialize;

use crate::Options;

#[derive(Serialize)]
struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    geometry: Geometry,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct Properties<'a> {
    event_id: i64,
    uid: String,
    #[serde(rename = "type")]
    event_type: &'static str,
    modality: lantern_extract::Modality,
    negated: bool,
    date_start: Option<String>,
    date_end: Option<String>,
    date_precision: Option<lantern_extract::Precision>,
    actors: String,
    place_id: &'a str,
    place: &'a str,
    admin1: &'a str,
    level: lantern_extract::Level,
    approximate: bool,
    role: lantern_extract::PlaceRole,
    review_state: &'static str,
    confidence: f32,
    report_id: &'a str,
    report_title: Option<&'a str>,
    outlet: Option<&'a str>,
    url: Option<&'a str>,
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attribution: Option<&'a str>,
}

/// Writes a GeoJSON FeatureCollection.
pub struct GeojsonWriter<W: Write> {
    out: W,
    options: Options,
    first: bool,
}

impl<W: Write> GeojsonWriter<W> {
    /// Start the collection.
    pub fn new(mut out: W, options: Options) -> std::io::Result<Self> {
        out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        Ok(GeojsonWriter {
            out,
            options,
            first: true,
        })
    }

    /// Write the features of one event (one per place).
    pub fn write(&mut self, r: &EventRecord) -> std::io::Result<()> {
        let s = &r.stored;
        let e = &s.event;
        let actors: Vec<&str> = e.actors.iter().map(|a| a.as_str()).collect();
        let actors = actors.join(";");
        let uid = crate::event_uid(r);
        for (i, p) in e.places.iter().enumerate() {
            if !(p.lat.is_finite() && p.lon.is_finite()) {
                continue;
            }
            let feature = Feature {
                kind: "Feature",
                id: format!("{uid}:{i}"),
                geometry: Geometry {
                    kind: "Point",
                    coordinates: [p.lon, p.lat],
                },
                properties: Properties {
                    event_id: s.id,
                    uid: uid.clone(),
                    event_type: e.event_type.as_str(),
                    modality: e.modality,
                    negated: e.negated,
                    date_start: e.date.as_ref().and_then(|d| d.start).map(|d| d.to_string()),
                    date_end: e.date.as_ref().and_then(|d| d.end).map(|d| d.to_string()),
                    date_precision: e.date.as_ref().map(|d| d.precision),
                    actors: actors.clone(),
                    place_id: &p.id,
                    place: &p.name,
                    admin1: &p.admin1,
                    level: p.level,
                    approximate: p.approximate,
                    role: p.role,
                    review_state: s.review_state.as_str(),
                    confidence: e.confidence,
                    report_id: &r.report.id,
                    report_title: r.report.title.as_deref(),
                    outlet: r.report.outlet.as_deref(),
                    url: r.report.url.as_deref(),
                    published: r.report.published.map(|d| d.to_string()),
                    attribution: if self.options.include_sensitive {
                        e.attribution.as_ref().map(|a| a.text.as_str())
                    } else {
                        None
                    },
                },
            };
            if !self.first {
                self.out.write_all(b",\n")?;
            }
            self.first = false;
            serde_json::to_writer(&mut self.out, &feature)?;
        }
        Ok(())
    }

    /// Close the collection and flush.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}
