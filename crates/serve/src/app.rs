//! The application state and the router: every route, the static assets, request size
//! limits and the security headers sent with every response.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::LoginLimiter;
use crate::pool::{Opener, Pool};

/// The setting key of public read-only mode.
pub const PUBLIC_SETTING: &str = "public_read_only";

/// Largest request body accepted (uploads included).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// What every handler shares.
pub struct AppState {
    /// Store connections.
    pub pool: Arc<Pool>,
    /// Public read-only mode (mirrors the stored setting).
    pub public: AtomicBool,
    /// Failed logins.
    pub limiter: LoginLimiter,
    /// Mark cookies Secure even without an HTTPS proxy header.
    pub secure_cookies: bool,
    /// Event counts, kept while the data is unchanged.
    pub counts: Arc<crate::cache::CountCache>,
}

/// The state as handlers get it.
pub type Shared = Arc<AppState>;

/// Build the state: opens one connection to read the settings.
pub fn state(opener: Opener, secure_cookies: bool) -> Result<Shared, lantern_store::StoreError> {
    let store = opener()?;
    let public = store.setting(PUBLIC_SETTING)?.as_deref() == Some("on");
    let pool = Pool::new(opener, 16);
    Ok(Arc::new(AppState {
        pool: Arc::new(pool),
        public: AtomicBool::new(public),
        limiter: LoginLimiter::default(),
        secure_cookies,
        counts: Arc::default(),
    }))
}

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}

/// The Content-Security-Policy: nothing inline, nothing from elsewhere.
pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The whole application.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(crate::search::home))
        .route("/search", get(crate::search::search_page))
        .route("/events/{id}", get(crate::event::event_page))
        .route("/events/{id}/review", post(crate::event::review))
        .route("/reports/{id}", get(crate::report::report_page))
        .route("/originals/{sha}", get(crate::report::original))
        .route("/timeline", get(crate::timeline::timeline_page))
        .route("/timeline.svg", get(crate::timeline::timeline_svg))
        .route("/map", get(crate::map::map_page))
        .route("/map.svg", get(crate::map::map_svg))
        .route(
            "/ingest",
            get(crate::ingest::ingest_page).post(crate::ingest::ingest_post),
        )
        .route(
            "/login",
            get(crate::login::login_page).post(crate::login::login_post),
        )
        .route("/logout", post(crate::login::logout))
        .route("/admin", get(crate::admin::admin_page))
        .route("/admin/public", post(crate::admin::set_public))
        .route("/admin/users", post(crate::admin::add_user))
        .route("/admin/tokens", post(crate::admin::create_token))
        // Interop: downloads of filtered views, alerts and their feeds.
        .route("/export", get(crate::export::any))
        .route("/export.csv", get(crate::export::csv))
        .route("/export.jsonl", get(crate::export::jsonl))
        .route("/export.geojson", get(crate::export::geojson))
        .route("/export.ftm.json", get(crate::export::ftm))
        .route(
            "/alerts",
            get(crate::alerts::alerts_page).post(crate::alerts::save),
        )
        .route("/alerts/{name}", get(crate::alerts::alert_page))
        .route("/alerts/{name}/seen", post(crate::alerts::mark_seen))
        .route("/alerts/{name}/delete", post(crate::alerts::delete))
        .route("/alerts/{name}/feed.atom", get(crate::alerts::feed))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .nest("/api/v1", crate::api::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}
