//! Shared test setup: a temporary store with a few reports written for these tests,
//! accounts of every role, and helpers to send requests to the router.
#![allow(dead_code)]

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use lantern_serve::auth::{hash_password, token_hash};
use lantern_store::{FileInput, Role, SqliteStore, Store};
use tower::ServiceExt;

pub const PASSWORD: &str = "a long test password";
pub const TOKEN: &str = "test-token-0123456789";
pub const EDITOR_TOKEN: &str = "test-editor-token-0123456789";

/// Reports written for these tests: hostile markup in the title and the body.
pub const REPORTS: &[(&str, &str)] = &[
    (
        "hyesan.txt",
        "---\ntitle: Arrests in Hyesan <script>alert('t')</script>\noutlet: Test Wire\npublished: 2024-03-05\n---\nThe Ministry of State Security arrested three traders in Hyesan last week for smuggling copper across the Yalu River, a source in Ryanggang Province said. <img src=x onerror=alert(2)>\n\nThe traders were taken to a holding center in Hyesan.\n",
    ),
    (
        "hoeryong.txt",
        "---\ntitle: 회령 단속\noutlet: Other Wire\npublished: 2024-05-10\n---\n함경북도 회령시에서 보위부가 밀수꾼 2명을 체포했다고 소식통이 전했다.\n",
    ),
];

pub fn ingest(store: &mut dyn Store, name: &str, text: &str) {
    let bytes = text.as_bytes().to_vec();
    let reports = lantern_ingest::parse_file(&bytes, name, "2026-01-01T00:00:00Z")
        .unwrap()
        .into_iter()
        .map(|r| {
            let r = r.unwrap();
            let e = lantern_extract::extract(&r);
            (r, e)
        })
        .collect();
    store
        .ingest_batch(&[FileInput {
            original: bytes,
            source_path: name.into(),
            reports,
            extractor_version: lantern_extract::EXTRACTOR_VERSION.into(),
        }])
        .unwrap();
}

pub struct App {
    pub dir: tempfile::TempDir,
    pub router: Router,
    pub state: lantern_serve::Shared,
}

pub fn setup() -> App {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = SqliteStore::open(dir.path()).unwrap();
        for (name, text) in REPORTS {
            ingest(&mut store, name, text);
        }
        let hash = hash_password(PASSWORD).unwrap();
        for (name, role) in [
            ("ana", Role::Admin),
            ("ed", Role::Editor),
            ("vi", Role::Viewer),
        ] {
            store.put_user(name, role, &hash).unwrap();
        }
        store
            .create_api_token(&token_hash(TOKEN), "script", Role::Viewer)
            .unwrap();
        store
            .create_api_token(&token_hash(EDITOR_TOKEN), "bot", Role::Editor)
            .unwrap();
    }
    let state =
        lantern_serve::state(lantern_serve::sqlite_opener(dir.path().into()), false).unwrap();
    let router = lantern_serve::router(state.clone())
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 9))));
    App { dir, router, state }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

pub async fn send(app: &App, req: Request<Body>) -> Resp {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(app: &App, uri: &str, cookie: Option<&str>) -> Resp {
    let mut b = Request::get(uri);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    send(app, b.body(Body::empty()).unwrap()).await
}

pub async fn get_bearer(app: &App, uri: &str, token: &str) -> Resp {
    let b = Request::get(uri).header("authorization", format!("Bearer {token}"));
    send(app, b.body(Body::empty()).unwrap()).await
}

pub async fn post_form(app: &App, uri: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Resp {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                lantern_serve::filter::encode(k),
                lantern_serve::filter::encode(v)
            )
        })
        .collect();
    let mut b = Request::post(uri).header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    send(app, b.body(Body::from(body.join("&"))).unwrap()).await
}

/// The value of `name="csrf" value="..."` in a page.
pub fn csrf_in(page: &str) -> String {
    let i = page.find("name=\"csrf\" value=\"").expect("csrf field");
    let rest = &page[i + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The value a Set-Cookie header gives `name`.
pub fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// Sign in; returns (cookie header, csrf token of the session).
pub async fn login(app: &App, name: &str) -> (String, String) {
    let page = get(app, "/login", None).await;
    let login_cookie = set_cookie(&page, "lantern_login_csrf").unwrap();
    let csrf = csrf_in(&page.body);
    let r = post_form(
        app,
        "/login",
        Some(&login_cookie),
        &[("name", name), ("password", PASSWORD), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "login of {name}: {}",
        r.body
    );
    let session = set_cookie(&r, "lantern_session").unwrap();
    let page = get(app, "/search", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_in(&page.body);
    (session, csrf)
}

/// The first event id of the first page of `/api/v1/events`.
pub async fn first_event(app: &App, query: &str) -> i64 {
    let r = get_bearer(app, &format!("/api/v1/events?{query}"), TOKEN).await;
    r.json()["events"][0]["id"].as_i64().expect("an event")
}
