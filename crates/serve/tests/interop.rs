//! HTTP tests of the interop pages: downloads of filtered views (same bytes as
//! `lantern export`, which calls [`lantern_export::export`]), sensitive fields only for
//! editors who ask, alerts (save, new events, mark as seen, roles) and their Atom feeds
//! with token auth.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use lantern_export::{Format, Options};
use lantern_serve::filter::Params;
use lantern_store::{AlertQuery, SqliteStore, Store};
use tower::ServiceExt;

/// What `lantern export --format F` writes for these filter parameters.
fn cli_export(app: &App, params: &Params, format: Format, options: Options) -> String {
    let store = SqliteStore::open(app.dir.path()).unwrap();
    let mut out = Vec::new();
    lantern_export::export(&store, &params.filter().unwrap(), format, options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A report written for these tests: another arrest in Hyesan.
const NEW_REPORT: &str = "---\ntitle: More arrests in Hyesan & <b>Wiyon</b>\noutlet: Test Wire\npublished: 2024-06-02\n---\nThe Ministry of State Security arrested two smugglers in Hyesan on June 1, a resident of Hyesan said.\n";

#[tokio::test]
async fn downloads_of_each_format_equal_the_cli_export() {
    let app = setup();
    let (vi, _) = login(&app, "vi").await;
    let params = Params {
        event_type: Some("arrest".into()),
        place: Some("Hyesan".into()),
        ..Default::default()
    };
    for (path, format, ctype) in [
        ("/export.csv", Format::Acled, "text/csv"),
        ("/export.jsonl", Format::Jsonl, "application/x-ndjson"),
        ("/export.geojson", Format::Geojson, "application/geo+json"),
        ("/export.ftm.json", Format::Ftm, "application/x-ndjson"),
    ] {
        let want = cli_export(&app, &params, format, Options::default());
        assert!(want.len() > 50, "{path}: the filter matches events");
        let r = get(&app, &params.url(path), Some(&vi)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(ctype),
            "{path}"
        );
        let cd = r.headers["content-disposition"].to_str().unwrap();
        assert!(
            cd.starts_with("attachment; filename=\"lantern-events-")
                && cd.ends_with(&format!(".{}\"", format.extension())),
            "{cd}"
        );
        assert_eq!(r.body, want, "{path}");
        // The same through /export?format= and the API with a token.
        let any = get(
            &app,
            &format!("/export?format={}&{}", format.as_str(), params.query()),
            Some(&vi),
        )
        .await;
        assert_eq!(any.body, want, "/export?format={}", format.as_str());
        let api = get_bearer(
            &app,
            &format!(
                "/api/v1/export?format={}&{}",
                format.as_str(),
                params.query()
            ),
            TOKEN,
        )
        .await;
        assert_eq!(api.status, StatusCode::OK);
        assert_eq!(api.body, want, "api {}", format.as_str());
    }
    // The filter is applied: the Korean report's arrest is not in the Hyesan export.
    let all = get(&app, "/export.jsonl", Some(&vi)).await;
    let hyesan = get(&app, &params.url("/export.jsonl"), Some(&vi)).await;
    assert!(all.body.lines().count() > hyesan.body.lines().count());
    // Errors name the parameter; anonymous downloads need a login (or public mode).
    let bad = get_bearer(&app, "/api/v1/export?format=xml", TOKEN).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().unwrap().starts_with("format:"));
    let bad = get(&app, "/export.csv?from=2024-99-01", Some(&vi)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&app, "/export.csv", None).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        get(&app, "/api/v1/export?format=jsonl", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The OpenAPI document names the new endpoints.
    let doc = get(&app, "/api/v1/openapi.json", None).await.json();
    for path in ["/export", "/alerts", "/alerts/{name}/feed.atom"] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    // Every filtered view links to the downloads with its filter.
    for view in ["/search", "/timeline", "/map"] {
        let page = get(&app, &params.url(view), Some(&vi)).await;
        assert!(
            page.body
                .contains("href=\"/export.csv?type=arrest&amp;place=Hyesan\""),
            "{view}"
        );
        assert!(page.body.contains("/export.ftm.json?type=arrest"), "{view}");
        assert!(!page.body.contains("include_sensitive"), "{view}: viewer");
    }
}

#[tokio::test]
async fn sensitive_fields_only_for_editors_who_ask() {
    let app = setup();
    let params = Params {
        q: Some("traders".into()),
        ..Default::default()
    };
    let public = cli_export(&app, &params, Format::Jsonl, Options::default());
    let sensitive = cli_export(
        &app,
        &params,
        Format::Jsonl,
        Options {
            include_sensitive: true,
            ..Default::default()
        },
    );
    assert_ne!(public, sensitive, "the fixture has sensitive fields");
    let (vi, _) = login(&app, "vi").await;
    let (ed, _) = login(&app, "ed").await;
    let url = format!("/export.jsonl?{}&include_sensitive=1", params.query());
    let r = get(&app, &url, Some(&vi)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("include_sensitive"));
    let r = get_bearer(
        &app,
        &format!(
            "/api/v1/export?format=jsonl&{}&include_sensitive=1",
            params.query()
        ),
        TOKEN,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "viewer token");
    // Editors get them only when they ask.
    let r = get(&app, &params.url("/export.jsonl"), Some(&ed)).await;
    assert_eq!(r.body, public);
    let r = get(&app, &url, Some(&ed)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, sensitive);
    let r = get_bearer(
        &app,
        &format!(
            "/api/v1/export?format=jsonl&{}&include_sensitive=1",
            params.query()
        ),
        EDITOR_TOKEN,
    )
    .await;
    assert_eq!(r.body, sensitive);
    let page = get(&app, &params.url("/search"), Some(&ed)).await;
    assert!(page.body.contains("name=\"include_sensitive\""));
    // Public read-only mode: anonymous downloads without sensitive fields, never with.
    app.state
        .public
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let r = get(&app, &params.url("/export.jsonl"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, public);
    let r = get(&app, &url, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Save an alert through the search page's form.
async fn save_alert(app: &App, cookie: &str, csrf: &str, name: &str, seen_existing: bool) -> Resp {
    let mut form = vec![
        ("csrf", csrf),
        ("name", name),
        ("type", "arrest"),
        ("place", "Hyesan"),
    ];
    if seen_existing {
        form.push(("seen_existing", "1"));
    }
    post_form(app, "/alerts", Some(cookie), &form).await
}

fn new_count(page: &str, name: &str) -> usize {
    let i = page.find(&format!(">{name}</a>")).expect("alert listed");
    let rest = &page[i..];
    let j = rest.find(" new</span>").expect("count");
    let k = rest[..j].rfind('>').unwrap();
    rest[k + 1..j].parse().unwrap()
}

#[tokio::test]
async fn alerts_flow_save_new_event_mark_seen() {
    let app = setup();
    let (ed, csrf) = login(&app, "ed").await;
    // The search page offers to save its filter.
    let page = get(&app, "/search?type=arrest&place=Hyesan", Some(&ed)).await;
    assert!(page.body.contains("action=\"/alerts\""));
    assert!(page.body.contains("name=\"place\" value=\"Hyesan\""));
    let r = save_alert(&app, &ed, &csrf, "arrests-hyesan", true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.headers["location"], "/alerts/arrests-hyesan");
    // Existing events count as seen; a second alert that did not ask sees them as new.
    let r = save_alert(&app, &ed, &csrf, "all-hyesan-arrests", false).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = get(&app, "/alerts", Some(&ed)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(new_count(&list.body, "arrests-hyesan"), 0);
    let existing = new_count(&list.body, "all-hyesan-arrests");
    assert!(existing >= 1);
    // The same name again is refused, not overwritten; a bad name names the field.
    let r = save_alert(&app, &ed, &csrf, "arrests-hyesan", true).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = save_alert(&app, &ed, &csrf, "a b", true).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A new matching report arrives.
    {
        let mut store = SqliteStore::open(app.dir.path()).unwrap();
        ingest(&mut store, "hyesan-2.txt", NEW_REPORT);
    }
    let list = get(&app, "/alerts", Some(&ed)).await;
    let n = new_count(&list.body, "arrests-hyesan");
    assert!(n >= 1, "the new event is new");
    assert_eq!(new_count(&list.body, "all-hyesan-arrests"), existing + n);
    assert!(list
        .body
        .contains("More arrests in Hyesan &amp; &lt;b&gt;Wiyon"));
    let page = get(&app, "/alerts/arrests-hyesan", Some(&ed)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("More arrests in Hyesan"));
    assert!(
        !page.body.contains("Arrests in Hyesan &lt;script"),
        "old event not new"
    );
    assert!(page
        .body
        .contains("/alerts/arrests-hyesan/feed.atom?token="));
    let i = page.body.find("name=\"upto\" value=\"").unwrap() + 19;
    let upto = &page.body[i..i + page.body[i..].find('"').unwrap()];
    // Viewers read but do not manage.
    let (vi, vcsrf) = login(&app, "vi").await;
    let vpage = get(&app, "/alerts/arrests-hyesan", Some(&vi)).await;
    assert_eq!(vpage.status, StatusCode::OK);
    assert!(!vpage.body.contains("mark-seen") && !vpage.body.contains("delete-alert"));
    let search = get(&app, "/search?type=arrest", Some(&vi)).await;
    assert!(!search.body.contains("action=\"/alerts\""));
    let r = post_form(
        &app,
        "/alerts/arrests-hyesan/seen",
        Some(&vi),
        &[("csrf", &vcsrf), ("upto", upto)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        save_alert(&app, &vi, &vcsrf, "mine", true).await.status,
        StatusCode::FORBIDDEN
    );
    // A stale CSRF token is refused.
    let r = post_form(
        &app,
        "/alerts/arrests-hyesan/seen",
        Some(&ed),
        &[("csrf", "stale"), ("upto", upto)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Mark as seen.
    let r = post_form(
        &app,
        "/alerts/arrests-hyesan/seen",
        Some(&ed),
        &[("csrf", &csrf), ("upto", upto)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = get(&app, "/alerts", Some(&ed)).await;
    assert_eq!(new_count(&list.body, "arrests-hyesan"), 0);
    assert_eq!(new_count(&list.body, "all-hyesan-arrests"), existing + n);
    let api = get_bearer(&app, "/api/v1/alerts", TOKEN).await.json();
    assert_eq!(api["alerts"].as_array().unwrap().len(), 2);
    // Public read-only mode exposes no alerts.
    app.state
        .public
        .store(true, std::sync::atomic::Ordering::Relaxed);
    for uri in ["/alerts", "/alerts/arrests-hyesan"] {
        assert_eq!(get(&app, uri, None).await.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        get(&app, "/api/v1/alerts", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&app, "/alerts/arrests-hyesan/feed.atom", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Delete.
    let r = post_form(
        &app,
        "/alerts/arrests-hyesan/delete",
        Some(&ed),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&app, "/alerts/arrests-hyesan", Some(&ed)).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Check that `xml` is well-formed.
fn assert_well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML: {e}\n{xml}"),
        }
    }
    assert_eq!(depth, 0, "{xml}");
}

#[tokio::test]
async fn atom_feed_with_token_auth_and_no_sensitive_fields() {
    let app = setup();
    let id = first_event(&app, "q=traders&type=arrest").await;
    let e = get_bearer(&app, &format!("/api/v1/events/{id}"), TOKEN)
        .await
        .json();
    // A reviewer note, which must stay out of feeds.
    let (ed, csrf) = login(&app, "ed").await;
    post_form(
        &app,
        &format!("/events/{id}/review"),
        Some(&ed),
        &[
            ("csrf", &csrf),
            ("action", "confirm"),
            ("note", "secret reviewer note"),
        ],
    )
    .await;
    {
        let mut store = SqliteStore::open(app.dir.path()).unwrap();
        let q = AlertQuery {
            event_type: Some(lantern_extract::EventType::Arrest),
            ..Default::default()
        };
        store.save_alert("arrests", &q).unwrap();
    }
    let path = "/alerts/arrests/feed.atom";
    let r = get(&app, path, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    assert_eq!(
        get(&app, &format!("{path}?token=wrong"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get_bearer(&app, path, "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    let req = Request::get(format!("{path}?token={TOKEN}"))
        .header("host", "lantern.example:8080")
        .body(Body::empty())
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.headers["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let xml = &r.body;
    assert_well_formed(xml);
    assert!(xml.contains("<id>urn:lantern:alert:arrests</id>"));
    assert!(xml.contains(
        "<link rel=\"self\" href=\"http://lantern.example:8080/alerts/arrests/feed.atom\"/>"
    ));
    assert!(xml.contains(&format!(
        "<link rel=\"alternate\" href=\"http://lantern.example:8080/events/{id}\"/>"
    )));
    let report = e["report_id"].as_str().unwrap();
    assert!(xml.contains(&format!("<id>urn:lantern:event:{report}:")));
    assert!(xml.matches("<updated>").count() >= 2);
    assert!(
        xml.contains("Arrests in Hyesan &lt;script&gt;"),
        "escaped: {xml}"
    );
    assert!(!xml.contains("<script"));
    assert!(!xml.contains("secret reviewer note"));
    assert!(!xml.contains("three traders"), "no evidence quotes");
    if let Some(t) = e["event"]["attribution"]["text"].as_str() {
        assert!(!xml.contains(t), "attribution {t} left out");
    }
    // Newest first (most recently stored), stable ids: same feed twice.
    let again = send(
        &app,
        Request::get(path)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("host", "lantern.example:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(&again.body, xml);
    let ids: Vec<i64> = xml
        .match_indices("/events/")
        .filter_map(|(i, _)| {
            let rest = &xml[i + 8..];
            rest[..rest.find('"')?].parse().ok()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    // A signed-in browser opens it too (no Host header: relative links); an unknown
    // alert is a 404.
    let r = get(&app, path, Some(&ed)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .body
        .contains(&format!("<link rel=\"alternate\" href=\"/events/{id}\"/>")));
    assert_eq!(
        get(&app, &format!("/alerts/nope/feed.atom?token={TOKEN}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn large_download_streams_in_bounded_chunks() {
    let app = setup();
    const REPORTS: usize = 600;
    {
        let mut store = SqliteStore::open(app.dir.path()).unwrap();
        let mut inputs = Vec::new();
        for i in 0..REPORTS {
            let text = format!(
                "---\ntitle: Bulletin {i}\noutlet: Test Wire\npublished: 2024-02-{:02}\n---\nBulletin number {i}. Security agents arrested {} traders in Hyesan for smuggling copper, a source said. Police detained a broker in Sinuiju over phone calls abroad.\n",
                1 + i % 28,
                2 + i % 7
            );
            let bytes = text.into_bytes();
            let reports =
                lantern_ingest::parse_file(&bytes, &format!("b{i}.txt"), "2026-01-01T00:00:00Z")
                    .unwrap()
                    .into_iter()
                    .map(|r| {
                        let r = r.unwrap();
                        let e = lantern_extract::extract(&r);
                        (r, e)
                    })
                    .collect();
            inputs.push(lantern_store::FileInput {
                original: bytes,
                source_path: format!("b{i}.txt"),
                reports,
                extractor_version: lantern_extract::EXTRACTOR_VERSION.into(),
            });
        }
        store.ingest_batch(&inputs).unwrap();
    }
    let (vi, _) = login(&app, "vi").await;
    let want = cli_export(&app, &Params::default(), Format::Jsonl, Options::default());
    let events = want.lines().count();
    assert!(events > REPORTS, "{events} events");
    let res = app
        .router
        .clone()
        .oneshot(
            Request::get("/export.jsonl")
                .header("cookie", &vi)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = res.into_body();
    let mut got = Vec::new();
    let mut frames = 0;
    while let Some(frame) = body.frame().await {
        let data = frame.unwrap().into_data().unwrap();
        assert!(
            data.len() <= lantern_serve::export::CHUNK + 16 * 1024,
            "chunk of {} bytes",
            data.len()
        );
        frames += 1;
        got.extend_from_slice(&data);
    }
    assert!(frames > 2, "{frames} chunks for {} bytes", got.len());
    assert_eq!(String::from_utf8(got).unwrap(), want);
    // A client that goes away after the first chunk stops the export; the app goes on.
    let res = app
        .router
        .clone()
        .oneshot(
            Request::get("/export.geojson")
                .header("cookie", &vi)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = res.into_body();
    assert!(body.frame().await.is_some());
    drop(body);
    let r = get(&app, "/export.csv?type=execution", Some(&vi)).await;
    assert_eq!(r.status, StatusCode::OK);
}
