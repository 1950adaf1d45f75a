//! HTTP tests of the router: access control, escaping, security headers, review, API,
//! public mode, ingest, timeline and map. Requests go through `tower::ServiceExt::oneshot`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;

#[tokio::test]
async fn without_login_only_login_and_static_assets() {
    let app = setup();
    for uri in [
        "/",
        "/search",
        "/events/1",
        "/timeline",
        "/map",
        "/ingest",
        "/admin",
        "/reports/ab",
    ] {
        let r = get(&app, uri, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(r.headers["location"], "/login", "{uri}");
    }
    assert_eq!(get(&app, "/login", None).await.status, StatusCode::OK);
    let css = get(&app, "/static/app.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert_eq!(
        get(&app, "/static/app.js", None).await.status,
        StatusCode::OK
    );
    let api = get(&app, "/api/v1/events", None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(api.json()["error"].as_str().unwrap().contains("Bearer"));
    let doc = get(&app, "/api/v1/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.json()["openapi"], "3.0.3");
    let bad = get_bearer(&app, "/api/v1/events", "wrong-token").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = setup();
    for uri in [
        "/login",
        "/static/app.css",
        "/search",
        "/api/v1/openapi.json",
        "/nope",
    ] {
        let r = get(&app, uri, None).await;
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}");
        assert!(csp.contains("script-src 'self'"), "{uri}");
        assert!(!csp.contains("unsafe-inline"), "{uri}");
        assert_eq!(r.headers["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(r.headers["referrer-policy"], "no-referrer", "{uri}");
    }
}

#[tokio::test]
async fn login_cookie_csrf_and_rate_limit() {
    let app = setup();
    let page = get(&app, "/login", None).await;
    let c = page.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Strict"),
        "{c}"
    );
    let login_cookie = set_cookie(&page, "lantern_login_csrf").unwrap();
    let csrf = csrf_in(&page.body);
    // No CSRF token: refused.
    let r = post_form(
        &app,
        "/login",
        Some(&login_cookie),
        &[("name", "ana"), ("password", PASSWORD), ("csrf", "x")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Session cookie flags.
    let ok = post_form(
        &app,
        "/login",
        Some(&login_cookie),
        &[("name", "ana"), ("password", PASSWORD), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let sc = ok.headers["set-cookie"].to_str().unwrap();
    assert!(
        sc.starts_with("lantern_session=")
            && sc.contains("HttpOnly")
            && sc.contains("SameSite=Strict")
            && !sc.contains("Secure"),
        "{sc}"
    );
    // Wrong passwords: 401, then 429 after five.
    for i in 0..5 {
        let r = post_form(
            &app,
            "/login",
            Some(&login_cookie),
            &[("name", "vi"), ("password", "wrong"), ("csrf", &csrf)],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = post_form(
        &app,
        "/login",
        Some(&login_cookie),
        &[("name", "vi"), ("password", PASSWORD), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Behind an HTTPS proxy the cookie is Secure.
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &login_cookie)
        .header("x-forwarded-proto", "https")
        .body(Body::from(format!(
            "name=ed&password={}&csrf={csrf}",
            lantern_serve::filter::encode(PASSWORD)
        )))
        .unwrap();
    let r = send(&app, req).await;
    assert!(r.headers["set-cookie"].to_str().unwrap().contains("Secure"));
    // Logout needs the CSRF token, then the session is gone.
    let (session, csrf) = login(&app, "ana").await;
    let r = post_form(&app, "/logout", Some(&session), &[("csrf", "bad")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(&app, "/logout", Some(&session), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&app, "/search", Some(&session)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn report_text_is_escaped_everywhere() {
    let app = setup();
    let (s, _) = login(&app, "vi").await;
    let q = get(&app, "/search?q=traders", Some(&s)).await;
    assert_eq!(q.status, StatusCode::OK);
    let id = first_event(&app, "q=traders").await;
    let report_id = get_bearer(&app, &format!("/api/v1/events/{id}"), TOKEN)
        .await
        .json()["report_id"]
        .as_str()
        .unwrap()
        .to_string();
    for uri in [
        "/search?q=traders".to_string(),
        "/search".to_string(),
        format!("/events/{id}"),
        format!("/reports/{report_id}"),
    ] {
        let r = get(&app, &uri, Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(!r.body.contains("<script>alert"), "{uri}: raw script");
        assert!(!r.body.contains("<img src=x"), "{uri}: raw img");
        assert!(
            !r.body.contains("<script>"),
            "{uri}: no inline script at all"
        );
    }
    let r = get(&app, &format!("/reports/{report_id}"), Some(&s)).await;
    assert!(r.body.contains("&lt;script&gt;alert"));
    assert!(r.body.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // A hostile query string is escaped too.
    let r = get(
        &app,
        "/search?q=%3Cscript%3Ex%3C/script%3E&place=%22%3E%3Cb%3E",
        Some(&s),
    )
    .await;
    assert!(!r.body.contains("<script>x"));
    assert!(!r.body.contains("\"><b>"));
}

#[tokio::test]
async fn event_page_shows_fields_evidence_and_download() {
    let app = setup();
    let (s, _) = login(&app, "vi").await;
    let id = first_event(&app, "q=traders&type=arrest").await;
    let r = get(&app, &format!("/events/{id}"), Some(&s)).await;
    assert!(
        r.body.contains("<mark class=\"ev\""),
        "evidence highlighted"
    );
    assert!(r.body.contains("Hyesan"));
    assert!(r.body.contains("state_security") || r.body.contains("state security"));
    let sha = {
        let i = r.body.find("/originals/").unwrap() + "/originals/".len();
        r.body[i..i + 64].to_string()
    };
    assert!(r.body.contains(&format!("<code>{sha}</code>")));
    assert!(
        !r.body.contains("id=\"confirm\""),
        "viewers get no review form"
    );
    let d = get(&app, &format!("/originals/{sha}"), Some(&s)).await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.body.starts_with("---\ntitle: Arrests in Hyesan <script>"));
    assert_eq!(d.headers["content-type"], "application/octet-stream");
    assert!(d.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(
        get(&app, "/events/999999", Some(&s)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/originals/zz", Some(&s)).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn editor_confirms_rejects_and_edits_with_audit() {
    let app = setup();
    let id = first_event(&app, "q=traders&type=arrest").await;
    let (vs, vcsrf) = login(&app, "vi").await;
    let r = post_form(
        &app,
        &format!("/events/{id}/review"),
        Some(&vs),
        &[("csrf", &vcsrf), ("action", "confirm")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "viewer may not review");
    let (s, csrf) = login(&app, "ed").await;
    let r = post_form(
        &app,
        &format!("/events/{id}/review"),
        Some(&s),
        &[("csrf", "stale"), ("action", "confirm")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF checked");
    let page = get(&app, &format!("/events/{id}"), Some(&s)).await;
    assert!(page.body.contains("id=\"confirm\""));
    let r = post_form(
        &app,
        &format!("/events/{id}/review"),
        Some(&s),
        &[
            ("csrf", &csrf),
            ("action", "confirm"),
            ("note", "checked <b>twice</b>"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = get(&app, &format!("/events/{id}"), Some(&s)).await;
    assert!(page.body.contains("state-confirmed"));
    assert!(page.body.contains("<td>ed</td>"), "audit shows who");
    assert!(
        page.body.contains("checked &lt;b&gt;twice&lt;/b&gt;"),
        "note escaped"
    );
    assert!(
        page.body
            .contains("review_state: &quot;machine&quot; → &quot;confirmed&quot;"),
        "{}",
        page.body
    );
    // Edit: type, places, actors, dates.
    let r = post_form(
        &app,
        &format!("/events/{id}/review"),
        Some(&s),
        &[
            ("csrf", &csrf),
            ("action", "edit"),
            ("type", "crackdown"),
            ("places", "Hyesan, Hoeryong"),
            ("actor", "social_security"),
            ("start", "2024-02-26"),
            ("end", "2024-03-03"),
            ("note", "fix"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = get_bearer(&app, &format!("/api/v1/events/{id}"), EDITOR_TOKEN)
        .await
        .json();
    assert_eq!(e["review_state"], "edited");
    assert_eq!(e["event"]["type"], "crackdown");
    assert_eq!(e["event"]["actors"], serde_json::json!(["social_security"]));
    assert_eq!(e["event"]["places"].as_array().unwrap().len(), 2);
    assert_eq!(e["event"]["date"]["start"], "2024-02-26");
    assert_eq!(e["audit"].as_array().unwrap().len(), 2);
    // Bad input names the field.
    let r = post_form(
        &app,
        &format!("/events/{id}/review"),
        Some(&s),
        &[("csrf", &csrf), ("action", "edit"), ("places", "Atlantis")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("places: &#39;Atlantis&#39;") || r.body.contains("places: 'Atlantis'"),
        "{}",
        r.body
    );
    // Review status is a facet.
    let r = get(&app, "/search?status=edited", Some(&s)).await;
    assert!(r.body.contains("Events (1)"), "{}", r.body);
}

#[tokio::test]
async fn api_filters_facets_timeline_and_review() {
    let app = setup();
    let all = get_bearer(&app, "/api/v1/events?per_page=1", TOKEN)
        .await
        .json();
    let total = all["total"].as_u64().unwrap();
    assert!(total >= 2, "{all}");
    assert_eq!(all["events"].as_array().unwrap().len(), 1);
    let arrests = get_bearer(&app, "/api/v1/events?type=arrest", TOKEN)
        .await
        .json();
    assert!(arrests["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["event"]["type"] == "arrest"));
    let prov = get_bearer(&app, "/api/v1/events?province=North%20Hamgyong", TOKEN)
        .await
        .json();
    assert!(prov["total"].as_u64().unwrap() >= 1, "{prov}");
    let out = get_bearer(&app, "/api/v1/events?outlet=Other%20Wire", TOKEN)
        .await
        .json();
    assert_eq!(out["total"], prov["total"]);
    let bad = get_bearer(&app, "/api/v1/events?from=yesterday", TOKEN).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().unwrap().starts_with("from:"));
    let f = get_bearer(&app, "/api/v1/facets", TOKEN).await.json();
    for k in ["type", "province", "place", "actor", "outlet", "status"] {
        assert!(f[k].is_array(), "facet {k}");
    }
    assert_eq!(f["status"][0]["value"], "machine");
    let t = get_bearer(&app, "/api/v1/timeline", TOKEN).await.json();
    assert!(
        t["months"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["month"] == "2024-03" || m["month"] == "2024-02"),
        "{t}"
    );
    let s = get_bearer(&app, "/api/v1/search?q=traders", TOKEN)
        .await
        .json();
    assert_eq!(s["total"], 1);
    // Under the cap (10,000) the count is exact, and `count=exact` changes nothing.
    assert_eq!(s["counted"], true, "{s}");
    assert!(s.get("total_more_than").is_none(), "{s}");
    let e = get_bearer(&app, "/api/v1/search?q=traders&count=exact", TOKEN)
        .await
        .json();
    assert_eq!(
        (e["total"].clone(), e["counted"].clone()),
        (1.into(), true.into())
    );
    let bad = get_bearer(&app, "/api/v1/search?q=traders&count=some", TOKEN).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().unwrap().starts_with("count:"));
    let rid = s["hits"][0]["report_id"].as_str().unwrap();
    let rep = get_bearer(&app, &format!("/api/v1/reports/{}", &rid[..10]), TOKEN)
        .await
        .json();
    assert_eq!(rep["id"], rid);
    // Review: viewer token refused, editor token accepted.
    let id = first_event(&app, "type=arrest").await;
    let review = |token: &'static str, body: &'static str| {
        Request::post(format!("/api/v1/events/{id}/review"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(
        send(&app, review(TOKEN, r#"{"action":"confirm"}"#))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = send(
        &app,
        review(EDITOR_TOKEN, r#"{"action":"reject","note":"duplicate"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["review_state"], "rejected");
    let e = get_bearer(&app, &format!("/api/v1/events/{id}"), TOKEN)
        .await
        .json();
    assert_eq!(e["audit"][0]["who"], "token:bot");
    // A session needs the CSRF header for API writes.
    let (sess, csrf) = login(&app, "ed").await;
    let mk = |h: Option<&str>| {
        let mut b = Request::post(format!("/api/v1/events/{id}/review"))
            .header("cookie", &sess)
            .header("content-type", "application/json");
        if let Some(h) = h {
            b = b.header("x-csrf-token", h);
        }
        b.body(Body::from(r#"{"action":"confirm"}"#)).unwrap()
    };
    assert_eq!(send(&app, mk(None)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, mk(Some(&csrf))).await.status, StatusCode::OK);
}

#[tokio::test]
async fn public_mode_reads_without_sensitive_fields() {
    let app = setup();
    let id = first_event(&app, "q=traders&type=arrest").await;
    let e = get_bearer(&app, &format!("/api/v1/events/{id}"), TOKEN)
        .await
        .json();
    let attribution = e["event"]["attribution"]["text"]
        .as_str()
        .map(str::to_string);
    let (s, csrf) = login(&app, "ed").await;
    post_form(
        &app,
        &format!("/events/{id}/review"),
        Some(&s),
        &[
            ("csrf", &csrf),
            ("action", "confirm"),
            ("note", "secret reviewer note"),
        ],
    )
    .await;
    let (a, acsrf) = login(&app, "ana").await;
    let (es, ecsrf) = login(&app, "ed").await;
    let r = post_form(
        &app,
        "/admin/public",
        Some(&es),
        &[("csrf", &ecsrf), ("on", "on")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only admins");
    let r = post_form(
        &app,
        "/admin/public",
        Some(&a),
        &[("csrf", &acsrf), ("on", "on")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = get(&app, &format!("/events/{id}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("secret reviewer note"));
    assert!(!page.body.contains("<td>ed</td>"));
    assert!(!page.body.contains("/originals/"));
    assert!(page.body.contains("public read-only"));
    if let Some(t) = &attribution {
        assert!(!page.body.contains(t.as_str()), "attribution {t} hidden");
        assert!(page.body.contains("[source withheld]"));
    }
    let api = get(&app, &format!("/api/v1/events/{id}"), None)
        .await
        .json();
    assert!(api["event"]["attribution"].is_null());
    assert!(api.get("audit").is_none());
    assert_eq!(get(&app, "/search", None).await.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/ingest", None).await.status,
        StatusCode::SEE_OTHER
    );
    let sha = e["report_id"].as_str().unwrap();
    assert_eq!(
        get(&app, &format!("/originals/{sha}"), None).await.status,
        StatusCode::SEE_OTHER
    );
    let r = post_form(
        &app,
        &format!("/events/{id}/review"),
        None,
        &[("csrf", ""), ("action", "reject")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "no writes in public mode");
}

fn multipart(csrf: &str, files: &[(&str, &[u8])], paste: &str) -> (String, Vec<u8>) {
    let b = "XBOUNDARYX";
    let mut body = Vec::new();
    let mut part = |head: String, data: &[u8]| {
        body.extend_from_slice(format!("--{b}\r\n{head}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    part(
        "Content-Disposition: form-data; name=\"csrf\"".into(),
        csrf.as_bytes(),
    );
    for (name, data) in files {
        part(format!("Content-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream"), data);
    }
    part(
        "Content-Disposition: form-data; name=\"paste\"".into(),
        paste.as_bytes(),
    );
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

#[tokio::test]
async fn ingest_upload_and_paste_with_per_file_errors() {
    let app = setup();
    let (s, csrf) = login(&app, "ed").await;
    assert!(get(&app, "/ingest", Some(&s))
        .await
        .body
        .contains("multipart/form-data"));
    let good = b"---\ntitle: Crossing at Musan\npublished: 2024-06-02\n---\nBorder guards in Musan caught two people crossing the Tumen River into China.\n";
    let (ct, body) = multipart(
        &csrf,
        &[
            ("musan.txt", good),
            ("empty.txt", b""),
            ("bad.jsonl", b"{not json\n"),
        ],
        "---\ntitle: Pasted\npublished: 2024-07-01\n---\nPolice in Sinuiju arrested a smuggler.\n",
    );
    let req = Request::post("/ingest")
        .header("cookie", &s)
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("musan.txt"));
    assert!(r.body.matches("class=\"ok\"").count() >= 2, "{}", r.body);
    assert!(
        r.body.contains("class=\"error\""),
        "per-file errors: {}",
        r.body
    );
    let q = get_bearer(&app, "/api/v1/search?q=Musan", TOKEN)
        .await
        .json();
    assert_eq!(q["total"], 1);
    // Without the CSRF token nothing is stored.
    let (ct, body) = multipart(
        "nope",
        &[("x.txt", b"---\ntitle: X\n---\nAnother text about Hyesan.\n")],
        "",
    );
    let req = Request::post("/ingest")
        .header("cookie", &s)
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
    // Viewers may not ingest.
    let (v, vcsrf) = login(&app, "vi").await;
    let (ct, body) = multipart(&vcsrf, &[("y.txt", good)], "");
    let req = Request::post("/ingest")
        .header("cookie", &v)
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn request_size_is_limited() {
    let app = setup();
    let (s, _) = login(&app, "ed").await;
    let big = vec![b'a'; lantern_serve::app::MAX_BODY + 1024];
    let req = Request::post("/ingest")
        .header("cookie", &s)
        .header("content-type", "multipart/form-data; boundary=B")
        .body(Body::from(big))
        .unwrap();
    let r = send(&app, req).await;
    assert!(
        r.status == StatusCode::PAYLOAD_TOO_LARGE || r.status == StatusCode::BAD_REQUEST,
        "{}",
        r.status
    );
}

#[tokio::test]
async fn timeline_and_map_draw_the_filtered_events() {
    let app = setup();
    let (s, _) = login(&app, "vi").await;
    let t = get(&app, "/timeline", Some(&s)).await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.body.contains("<svg"));
    assert!(t.body.contains("<rect x="), "bars drawn");
    assert!(t.body.contains("/search?type="), "bars link to the search");
    let svg = get(&app, "/timeline.svg?type=arrest", Some(&s)).await;
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(svg.body.starts_with("<svg"));
    let m = get(&app, "/map", Some(&s)).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("<path d=\"M"), "outlines drawn");
    assert!(m.body.contains("North Hamgyong"), "provinces labelled");
    assert!(m.body.contains("<circle"), "dots drawn");
    assert!(m.body.contains("place=kp-"), "dots link to their events");
    let none = get(&app, "/map?type=execution", Some(&s)).await;
    assert!(!none.body.contains("<circle"));
    let bad = get(&app, "/map?type=nope", Some(&s)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
