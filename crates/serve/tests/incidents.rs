//! Incidents in the web app and the API: list and detail pages, merge and split by
//! form and by API (editors only, CSRF for forms), audit entries, the search facet and
//! the per-incident timeline and map. Uses the incidents crate's labelled fixtures.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use lantern_store::SqliteStore;

/// The common setup plus six fixture reports (two incidents, one repost), grouped.
fn setup_incidents() -> App {
    let app = setup();
    let mut store = SqliteStore::open(app.dir.path()).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../incidents/tests/fixtures/reports");
    for name in ["i01-a", "i01-b", "i01-c", "i01-r", "i02-a", "i02-b"] {
        let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
        ingest(&mut store, &format!("{name}.txt"), &text);
    }
    lantern_store::incidents::recompute(&mut store).unwrap();
    app
}

fn post_json(uri: &str, token: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// The id of the incident holding the first event of the report titled `title`.
async fn incident_with(app: &App, words: &str) -> String {
    let list = get_bearer(
        app,
        &format!("/api/v1/incidents?q={words}&outlets=2"),
        TOKEN,
    )
    .await
    .json();
    list["incidents"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no incident for {words}: {list}"))
        .to_string()
}

#[tokio::test]
async fn pages_list_detail_facet_timeline_map() {
    let app = setup_incidents();
    let (s, _) = login(&app, "vi").await;
    let list = get(&app, "/incidents", Some(&s)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Incidents"));
    assert!(list.body.contains("class=\"corroborated\""));
    assert!(
        !list.body.contains("Merge selected"),
        "viewers get no merge form"
    );
    let id = incident_with(&app, "detector").await;
    let detail = get(&app, &format!("/incidents/{id}"), Some(&s)).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert!(detail.body.contains("Independent outlets"));
    assert!(detail.body.contains("Reposts of these reports"));
    assert!(detail.body.contains("/events/"));
    assert!(!detail.body.contains("Move out"));
    assert_eq!(
        get(&app, "/incidents/inc-nope", Some(&s)).await.status,
        StatusCode::NOT_FOUND
    );
    // Filters.
    let r = get(&app, "/incidents?outlets=2&type=arrest", Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/incidents?outlets=zero", Some(&s)).await.status,
        StatusCode::BAD_REQUEST
    );
    // The search facet and the counts of reposts.
    let search = get(&app, "/search", Some(&s)).await;
    assert!(search.body.contains("corroborated by 2+ outlets"));
    assert!(search.body.contains("Counts include the events of reposts"));
    let only = get(&app, "/search?outlets=2", Some(&s)).await;
    assert_eq!(only.status, StatusCode::OK);
    // Timeline and map per incident.
    for uri in [
        "/timeline?per=incident",
        "/map?per=incident",
        "/timeline.svg?per=incident",
        "/map.svg?per=incident",
    ] {
        let r = get(&app, uri, Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
    assert!(get(&app, "/map?per=incident", Some(&s))
        .await
        .body
        .contains("Incidents"));
    assert_eq!(
        get(&app, "/map?per=dots", Some(&s)).await.status,
        StatusCode::BAD_REQUEST
    );
    // Not signed in: the login page.
    assert_eq!(
        get(&app, "/incidents", None).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn merge_and_split_by_form_with_csrf_and_audit() {
    let app = setup_incidents();
    let a = incident_with(&app, "detector").await;
    let b = incident_with(&app, "informant").await;
    assert_ne!(a, b);
    let (vs, vcsrf) = login(&app, "vi").await;
    let r = post_form(
        &app,
        "/incidents/merge",
        Some(&vs),
        &[("csrf", &vcsrf), ("incident", &a), ("incident", &b)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "viewers may not merge");
    let (s, csrf) = login(&app, "ed").await;
    assert!(get(&app, "/incidents", Some(&s))
        .await
        .body
        .contains("Merge selected"));
    let r = post_form(
        &app,
        "/incidents/merge",
        Some(&s),
        &[("csrf", "stale"), ("incident", &a), ("incident", &b)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "stale CSRF token");
    let r = post_form(
        &app,
        "/incidents/merge",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("incident", &a),
            ("incident", &b),
            ("note", "one operation"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.headers["location"].to_str().unwrap().to_string();
    let merged = get(&app, &to, Some(&s)).await;
    assert!(merged.body.contains("Analyst decisions"));
    assert!(merged.body.contains("one operation"));
    assert!(merged.body.contains("Move out"));
    let merged_id = to.trim_start_matches("/incidents/").to_string();
    let d = get_bearer(&app, &format!("/api/v1/incidents/{merged_id}"), TOKEN)
        .await
        .json();
    assert!(d["corroboration"].as_u64().unwrap() >= 3, "{d}");
    let first = d["event_list"][0]["id"].as_i64().unwrap();
    // The audit log of the first event names the merge.
    let e = get_bearer(&app, &format!("/api/v1/events/{first}"), TOKEN)
        .await
        .json();
    let audit = e["audit"].as_array().unwrap();
    assert!(audit
        .iter()
        .any(|x| x["action"] == "incident_merge" && x["who"] == "ed"));
    let page = get(&app, &format!("/events/{first}"), Some(&s)).await;
    assert!(page.body.contains("incident_merge"));
    assert!(
        page.body.contains(&format!("incidents {a}, {b}: merge of"))
            || page.body.contains(&format!("incidents {b}, {a}: merge of")),
        "{}",
        page.body
    );

    // Split one event out by form.
    let event = d["event_list"][1]["id"].as_i64().unwrap();
    let r = post_form(
        &app,
        &format!("/incidents/{merged_id}/split"),
        Some(&s),
        &[("csrf", &csrf), ("event", &event.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = get_bearer(&app, &format!("/api/v1/events/{event}"), TOKEN)
        .await
        .json();
    assert!(e["audit"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["action"] == "incident_split"));
    // The event is now in an incident of its own.
    let rest = r.headers["location"].to_str().unwrap().to_string();
    let rest = get_bearer(&app, &format!("/api/v1{rest}"), TOKEN)
        .await
        .json();
    assert!(!rest["event_list"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == event));
}

#[tokio::test]
async fn api_list_detail_merge_split() {
    let app = setup_incidents();
    let list = get_bearer(&app, "/api/v1/incidents?per_page=100", TOKEN)
        .await
        .json();
    assert!(list["total"].as_u64().unwrap() >= 2, "{list}");
    assert!(list["computed_at"].is_string());
    let a = incident_with(&app, "detector").await;
    let b = incident_with(&app, "informant").await;
    let d = get_bearer(&app, &format!("/api/v1/incidents/{a}"), TOKEN)
        .await
        .json();
    assert_eq!(d["id"], a.as_str());
    assert!(d["outlets"].as_array().unwrap().len() >= 2);
    assert_eq!(d["duplicates"].as_array().unwrap().len(), 1);
    assert_eq!(
        get_bearer(&app, "/api/v1/incidents/inc-0", TOKEN)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let body = format!(r#"{{"incidents":["{a}","{b}"],"note":"same ring"}}"#);
    let r = send(&app, post_json("/api/v1/incidents/merge", TOKEN, &body)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "viewer token");
    let r = send(
        &app,
        post_json(
            "/api/v1/incidents/merge",
            EDITOR_TOKEN,
            r#"{"incidents":["x"]}"#,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &app,
        post_json("/api/v1/incidents/merge", EDITOR_TOKEN, &body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let merged = r.json()["incident"].as_str().unwrap().to_string();
    let d = get_bearer(&app, &format!("/api/v1/incidents/{merged}"), TOKEN)
        .await
        .json();
    assert_eq!(d["decisions"][0]["kind"], "merge");
    assert_eq!(d["decisions"][0]["who"], "token:bot");
    let events: Vec<i64> = d["event_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(events.len() >= 2);

    // Split: an event not in the incident is refused; a good one moves.
    let r = send(
        &app,
        post_json(
            &format!("/api/v1/incidents/{merged}/split"),
            EDITOR_TOKEN,
            r#"{"events":[999999]}"#,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &app,
        post_json(
            &format!("/api/v1/incidents/{merged}/split"),
            EDITOR_TOKEN,
            &format!(r#"{{"events":[{}],"note":"other night"}}"#, events[0]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let out = r.json();
    assert_ne!(out["moved_to"], out["rest"]);
    let e = get_bearer(&app, &format!("/api/v1/events/{}", events[0]), TOKEN)
        .await
        .json();
    let last = e["audit"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "incident_split");
    assert_eq!(last["who"], "token:bot");
    assert_eq!(last["note"], "other night");
    // Documented in the OpenAPI document.
    let doc = get(&app, "/api/v1/openapi.json", None).await.json();
    for p in [
        "/incidents",
        "/incidents/{id}",
        "/incidents/merge",
        "/incidents/{id}/split",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} in openapi.json");
    }
}
