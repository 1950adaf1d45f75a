//! Serve: the web app and HTTP API on top of the [`lantern_store::Store`]. Server-rendered
//! HTML (maud, escaped by default) with one stylesheet and one small script compiled in;
//! nothing is loaded from elsewhere. Pages: search with facets, event (evidence,
//! review, audit log), report, timeline and map (SVG drawn here), ingest, login, admin.
//! JSON under `/api/v1` with an OpenAPI document.
//!
//! Access: viewers read, editors also ingest and review, admins manage accounts, tokens
//! and public read-only mode (which hides attribution wording, reviewer names and notes,
//! source paths and originals). Sessions are HttpOnly SameSite=Strict cookies; every
//! form carries a CSRF token.
//!
//! One module per concern: [`app`] (state, routes, headers), [`auth`], [`pool`],
//! [`filter`] (URL parameters), [`layout`], [`text`] (evidence marks), pages
//! ([`search`], [`event`], [`report`], [`ingest`], [`login`], [`admin`]), [`api`],
//! [`timeline`] and [`map`]; [`incidents`] (list, detail, merge and split, its API);
//! interop: [`export`] (streamed downloads of any filtered view) and [`alerts`] (saved
//! searches, their new events and Atom feeds).

pub mod admin;
pub mod alerts;
pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod error;
pub mod event;
pub mod export;
pub mod filter;
pub mod incidents;
pub mod ingest;
pub mod layout;
pub mod login;
pub mod map;
pub mod pool;
pub mod report;
pub mod search;
pub mod text;
pub mod timeline;

use std::net::SocketAddr;
use std::sync::Arc;

pub use app::{router, state, AppState, Shared};
pub use pool::Opener;

/// An opener for the embedded SQLite store in `data`.
pub fn sqlite_opener(data: std::path::PathBuf) -> Opener {
    Arc::new(move || {
        let s = lantern_store::SqliteStore::open(&data)?;
        Ok(Box::new(s) as Box<dyn lantern_store::Store>)
    })
}

/// An opener for any store: a SQLite data folder or a PostgreSQL URL.
pub fn opener(spec: lantern_store::StoreSpec) -> Opener {
    Arc::new(move || spec.open())
}

/// Serve the app on `listener` until the process is stopped (or Ctrl-C).
pub async fn serve(listener: tokio::net::TcpListener, state: Shared) -> std::io::Result<()> {
    // Count the unfiltered facets, timeline and map once, so the first visitors do not wait.
    let warm = state.clone();
    tokio::spawn(async move {
        let all = filter::Params::default();
        let _ = search::run(&warm, &all, false).await;
        let _ = timeline::counts(&warm, &all).await;
        let _ = map::places(&warm, &all).await;
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
