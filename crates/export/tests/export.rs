//! Exports from a real store built from the shipped sample reports: every format,
//! sensitive fields, and the JSON Lines round trip through an empty store.

use std::path::{Path, PathBuf};

use lantern_export::{export, Format, Options};
use lantern_store::{EventFilter, FileInput, ReviewDecision, SqliteStore, Store};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports")
}

/// A store holding the sample reports, with one event rejected and one edited.
fn sample_store(dir: &Path) -> SqliteStore {
    let mut store = SqliteStore::open(dir).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let inputs: Vec<FileInput> = files
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let name = format!("/home/editor/inbox/{name}");
            let reports = lantern_ingest::parse_file(&bytes, &name, "2026-11-28T12:00:00Z")
                .unwrap()
                .into_iter()
                .flatten()
                .map(|r| {
                    let ev = lantern_extract::extract(&r);
                    (r, ev)
                })
                .collect();
            FileInput {
                original: bytes,
                source_path: name,
                reports,
                extractor_version: lantern_extract::EXTRACTOR_VERSION.into(),
            }
        })
        .collect();
    store.ingest_batch(&inputs).unwrap();
    let events = store.events(&EventFilter::default()).unwrap();
    assert!(events.len() > 20, "samples give events: {}", events.len());
    store
        .review_event(
            events[0].id,
            "editor",
            &ReviewDecision::Reject,
            Some("wrong place"),
        )
        .unwrap();
    let mut edited = events[1].event.clone();
    edited.confidence = 0.95;
    store
        .review_event(
            events[1].id,
            "editor",
            &ReviewDecision::Edit(Box::new(edited)),
            Some("checked with the desk"),
        )
        .unwrap();
    store
}

fn run(store: &dyn Store, format: Format, options: Options) -> String {
    let mut out = Vec::new();
    export(store, &EventFilter::default(), format, options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

const ALL: Options = Options {
    include_sensitive: true,
    include_rejected: true,
};

#[test]
fn jsonl_round_trip_through_an_empty_store_is_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sample_store(&tmp.path().join("a"));
    for options in [
        ALL,
        Options::default(),
        Options {
            include_sensitive: false,
            include_rejected: true,
        },
    ] {
        let first = run(&a, Format::Jsonl, options);
        let read = lantern_export::import::read_jsonl(
            first.as_bytes(),
            "export.jsonl",
            "2026-11-28T13:00:00Z",
        )
        .unwrap();
        assert!(read.errors.is_empty(), "{:?}", read.errors);
        let dir = tempfile::tempdir().unwrap();
        let mut b = SqliteStore::open(dir.path()).unwrap();
        let outcome = b.import_reports(&read.reports).unwrap();
        assert_eq!(outcome.events_renumbered, 0);
        assert_eq!(outcome.events_stored as usize, first.lines().count());
        let second = run(&b, Format::Jsonl, options);
        assert_eq!(first, second, "round trip with {options:?}");
        // Every other format agrees too, since they read the same fields (but for
        // ACLED's `timestamp`, the time of the last change, which an import is).
        let no_timestamp = |s: String| -> Vec<String> {
            s.lines()
                .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_string())
                .collect()
        };
        if options == ALL {
            assert_eq!(
                no_timestamp(run(&a, Format::Acled, options)),
                no_timestamp(run(&b, Format::Acled, options))
            );
            for f in [Format::Geojson, Format::Ftm] {
                assert_eq!(run(&a, f, options), run(&b, f, options), "{f:?}");
            }
        }
        // Importing again stores nothing twice.
        let again = b.import_reports(&read.reports).unwrap();
        assert_eq!(again.events_stored, 0);
        assert_eq!(again.reports_existing, outcome.reports_stored);
        assert_eq!(run(&b, Format::Jsonl, options), first);
        assert!(b.verify().unwrap().is_ok());
        // Imported reports are never re-extracted.
        assert!(b
            .stale_reports(lantern_extract::EXTRACTOR_VERSION)
            .unwrap()
            .is_empty());
    }
}

#[test]
fn public_exports_leave_out_attribution_quotes_and_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sample_store(tmp.path());
    let events = a.events(&EventFilter::default()).unwrap();
    let attributions: Vec<String> = events
        .iter()
        .filter_map(|e| e.event.attribution.as_ref().map(|a| a.text.clone()))
        .filter(|t| t.len() > 12)
        .collect();
    assert!(!attributions.is_empty(), "samples have attributions");
    for f in Format::ALL {
        let public = run(&a, f, Options::default());
        let full = run(&a, f, ALL);
        for t in &attributions {
            let escaped = serde_json::to_string(t).unwrap();
            let escaped = escaped.trim_matches('"');
            assert!(
                !public.contains(escaped) && !public.contains(t.as_str()),
                "{f:?} public export holds attribution {t:?}"
            );
        }
        assert!(
            !public.contains("/home/editor"),
            "{f:?} leaks a source path"
        );
        assert!(
            !public.contains("checked with the desk") && !full.contains("checked with the desk")
        );
        if f != Format::Acled && f != Format::Geojson {
            assert!(
                full.contains("/home/editor"),
                "{f:?} sensitive export has paths"
            );
        }
        let some_attr = attributions.iter().any(|t| {
            let escaped = serde_json::to_string(t).unwrap();
            full.contains(escaped.trim_matches('"')) || full.contains(t.as_str())
        });
        assert!(some_attr, "{f:?} sensitive export holds attributions");
    }
}

#[test]
fn rejected_events_are_left_out_unless_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sample_store(tmp.path());
    let all = a.count_events(&EventFilter::default()).unwrap() as usize;
    assert_eq!(
        run(&a, Format::Jsonl, Options::default()).lines().count(),
        all - 1
    );
    assert_eq!(run(&a, Format::Jsonl, ALL).lines().count(), all);
}

#[test]
fn acled_rows_have_the_layout_and_map_back() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sample_store(tmp.path());
    let csv_text = run(&a, Format::Acled, ALL);
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, lantern_export::acled::COLUMNS);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let events = a.count_events(&EventFilter::default()).unwrap() as usize;
    assert_eq!(rows.len(), events);
    for r in &rows {
        assert_eq!(r.len(), 31);
        assert!(
            r[0].starts_with("PRK") || r[0].starts_with("CHN"),
            "{:?}",
            &r[0]
        );
        assert!(["1", "2", "3"].contains(&&r[3]));
        if !r[22].is_empty() {
            let lat: f64 = r[22].parse().unwrap();
            assert!((37.0..46.0).contains(&lat), "{lat}");
        }
    }
    // Back in: every dated row imports, with its exact type, actors and review state.
    let read =
        lantern_export::import::read_acled(csv_text.as_bytes(), "x.csv", "2026-11-28T13:00:00Z")
            .unwrap();
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert_eq!(read.reports.len(), events);
    let dir = tempfile::tempdir().unwrap();
    let mut b = SqliteStore::open(dir.path()).unwrap();
    b.import_reports(&read.reports).unwrap();
    let mut before: Vec<(String, Vec<String>, String)> = a
        .events(&EventFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.event.event_type.as_str().to_string(),
                e.event
                    .actors
                    .iter()
                    .map(|x| x.as_str().to_string())
                    .collect(),
                e.review_state.as_str().to_string(),
            )
        })
        .collect();
    let mut after: Vec<(String, Vec<String>, String)> = b
        .events(&EventFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.event.event_type.as_str().to_string(),
                e.event
                    .actors
                    .iter()
                    .map(|x| x.as_str().to_string())
                    .collect(),
                e.review_state.as_str().to_string(),
            )
        })
        .collect();
    before.sort();
    after.sort();
    assert_eq!(before, after);
}

#[test]
fn acled_import_of_acled_own_rows() {
    let csv_text = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,location,admin1,latitude,longitude,geo_precision,source,notes,fatalities\n\
PRK1,2023-04-02,2023,1,Strategic developments,Strategic developments,Arrests,Police Forces of North Korea (2011-),Ministry of State Security,1,Civilians (North Korea),Hyesan,Yanggang,41.40,128.18,1,Test Wire,Agents detained two traders at the market.,0\n\
PRK2,2023-04-03,2023,1,Political violence,Violence against civilians,Attack,Military Forces of North Korea (2011-),,1,Civilians (North Korea),Nowhere Village,Yanggang,41.1,128.1,2,Test Wire,Guards fired at a man crossing the river.,1\n\
PRK3,2023-04-04,2023,1,Demonstrations,Protests,Peaceful protest,Protesters (North Korea),,6,,Hyesan,Yanggang,41.40,128.18,1,Test Wire,Something else.,0\n\
PRK4,not a date,2023,1,Strategic developments,Strategic developments,Arrests,,,,,,,,,,,x,0\n";
    let read = lantern_export::import::read_acled(
        csv_text.as_bytes(),
        "acled.csv",
        "2026-11-28T13:00:00Z",
    )
    .unwrap();
    assert_eq!(read.reports.len(), 2);
    let rows: Vec<u64> = read.errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, vec![3, 4], "{:?}", read.errors);
    let arrest = &read.reports[0].events[0].event;
    assert_eq!(arrest.event_type, lantern_extract::EventType::Arrest);
    assert_eq!(arrest.actors, vec![lantern_extract::Actor::StateSecurity]);
    assert_eq!(arrest.places[0].name, "Hyesan");
    let body = &read.reports[0].report.body;
    let (s, e) = arrest.evidence[0];
    assert_eq!(&body[s..e], "Agents detained two traders at the market.");
    let shot = &read.reports[1].events[0].event;
    assert_eq!(shot.event_type, lantern_extract::EventType::UseOfForce);
    assert_eq!(shot.places[0].id, "acled-nowhere-village");
    assert!(shot.places[0].approximate);
    assert_eq!(shot.quantities[0].value, Some(1.0));
    let dir = tempfile::tempdir().unwrap();
    let mut b = SqliteStore::open(dir.path()).unwrap();
    let o = b.import_reports(&read.reports).unwrap();
    assert_eq!(o.events_stored, 2);
    assert!(b.verify().unwrap().is_ok());
    assert_eq!(b.search("traders", 10, 0).unwrap().len(), 1);
}

#[test]
fn geojson_and_ftm_are_well_formed() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sample_store(tmp.path());
    let events = a.events(&EventFilter::default()).unwrap();
    let places: usize = events
        .iter()
        .filter(|e| e.review_state != lantern_store::ReviewState::Rejected)
        .map(|e| e.event.places.len())
        .sum();
    let geo: serde_json::Value =
        serde_json::from_str(&run(&a, Format::Geojson, Options::default())).unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), places);
    for f in features {
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        assert!(c[0].as_f64().unwrap() > 120.0 && c[1].as_f64().unwrap() > 37.0);
    }

    let ftm = run(&a, Format::Ftm, Options::default());
    let mut seen = std::collections::HashSet::new();
    let mut orgs = std::collections::HashSet::new();
    for line in ftm.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap().to_string();
        let schema = v["schema"].as_str().unwrap();
        assert!(["Event", "Organization", "Article", "Document"].contains(&schema));
        let props = v["properties"].as_object().unwrap();
        for (_, vals) in props {
            assert!(vals.as_array().unwrap().iter().all(|x| x.is_string()));
        }
        if schema == "Organization" {
            assert!(orgs.insert(id.clone()), "organisation {id} written twice");
        }
        if schema == "Event" {
            for r in props["proof"].as_array().unwrap() {
                assert!(
                    seen.contains(r.as_str().unwrap()),
                    "proof written before event"
                );
            }
            for r in props
                .get("involved")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
            {
                assert!(seen.contains(r.as_str().unwrap()));
            }
            assert!(props.contains_key("name"));
        }
        seen.insert(id);
    }
}

#[test]
fn filters_apply_to_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sample_store(tmp.path());
    let filter = EventFilter {
        event_type: Some(lantern_extract::EventType::Arrest),
        ..Default::default()
    };
    let mut out = Vec::new();
    let n = export(&a, &filter, Format::Jsonl, ALL, &mut out).unwrap();
    assert!(n > 0);
    let text = String::from_utf8(out).unwrap();
    assert!(text.lines().all(|l| l.contains("\"type\":\"arrest\"")));
    // Same order as the events listing.
    let ids: Vec<i64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    let listed: Vec<i64> = a.events(&filter).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(ids, listed);
}

#[test]
fn a_failing_writer_stops_the_export_with_its_error() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let a = sample_store(tmp.path());
    for f in Format::ALL {
        let e = export(&a, &EventFilter::default(), f, ALL, Full).unwrap_err();
        assert!(e.to_string().contains("disk full"), "{e}");
    }
}

#[test]
fn streaming_follows_the_events_order_with_limit_and_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = sample_store(tmp.path());
    // A report without any date: its events sort last.
    let bytes = b"---\ntitle: Undated\n---\nState security agents arrested two traders in Hyesan, \
        a source in Yanggang Province said.\n"
        .to_vec();
    let reports = lantern_ingest::parse_file(&bytes, "undated.txt", "2026-11-28T12:00:00Z")
        .unwrap()
        .into_iter()
        .flatten()
        .map(|r| {
            let ev = lantern_extract::extract(&r);
            (r, ev)
        })
        .collect();
    a.ingest_batch(&[FileInput {
        original: bytes,
        source_path: "undated.txt".into(),
        reports,
        extractor_version: "t".into(),
    }])
    .unwrap();
    let all = a.events(&EventFilter::default()).unwrap();
    assert!(
        all.iter()
            .any(|e| e.event.date.is_none() && e.report_published.is_none()),
        "samples include undated events"
    );
    for (limit, offset) in [(None, 0), (Some(5), 3), (Some(1000), 10), (Some(0), 0)] {
        let filter = EventFilter {
            limit,
            offset,
            ..Default::default()
        };
        let mut streamed = Vec::new();
        let n = a
            .for_each_event(&filter, &mut |r| {
                streamed.push(r.stored);
                Ok(())
            })
            .unwrap();
        let listed = a.events(&filter).unwrap();
        assert_eq!(n as usize, listed.len());
        assert_eq!(streamed, listed, "limit {limit:?} offset {offset}");
    }
    // The stream's report metadata and quotes match the stored report.
    a.for_each_event(&EventFilter::default(), &mut |r| {
        let rep = a.report(&r.report.id).unwrap().unwrap();
        assert_eq!(r.report.url, rep.url);
        assert_eq!(r.report.original_sha256, rep.original_sha256);
        for (q, &(s, e)) in r.evidence_text.iter().zip(&r.stored.event.evidence) {
            assert_eq!(q, &rep.body[s..e]);
        }
        Ok(())
    })
    .unwrap();
}
