//! Sign in and out. The login form carries a CSRF token checked against a cookie
//! (double submit); failed attempts are rate limited per name and per address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::app::Shared;
use crate::auth::{
    cookie, random_token, same, secure, set_cookie, token_hash, verify_password, Access,
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_HOURS,
};
use crate::error::AppError;
use crate::layout::page;
use maud::html;

/// Login form fields.
#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

/// Optional message on the login page.
#[derive(Deserialize, Default)]
pub struct LoginQuery {
    failed: Option<String>,
}

fn login_html(access: &Access, csrf: &str, message: Option<&str>) -> String {
    page(
        "Sign in",
        access,
        html! {
            h1 { "Sign in" }
            @if let Some(m) = message { p.error { (m) } }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                p { label { "Name " input type="text" name="name" id="name" autocomplete="username" required; } }
                p { label { "Password " input type="password" name="password" id="password" autocomplete="current-password" required; } }
                button type="submit" id="login" { "Sign in" }
            }
        },
    )
    .into_string()
}

fn login_response(
    state: &Shared,
    headers: &HeaderMap,
    access: &Access,
    message: Option<&str>,
    status: StatusCode,
) -> Response {
    let csrf = random_token();
    let c = set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, secure(state, headers));
    (
        status,
        [(header::SET_COOKIE, c)],
        Html(login_html(access, &csrf, message)),
    )
        .into_response()
}

/// `GET /login`.
pub async fn login_page(
    State(state): State<Shared>,
    headers: HeaderMap,
    access: Access,
    Query(q): Query<LoginQuery>,
) -> Response {
    let msg = q.failed.map(|_| "Wrong name or password.");
    login_response(&state, &headers, &access, msg, StatusCode::OK)
}

/// `POST /login`.
pub async fn login_post(
    State(state): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    access: Access,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(expected, &form.csrf) {
        return Ok(login_response(
            &state,
            &headers,
            &access,
            Some("The form expired; please sign in again."),
            StatusCode::FORBIDDEN,
        ));
    }
    let name = form.name.trim().to_string();
    let ip = addr.ip().to_string();
    if !state.limiter.allowed(&name, &ip) {
        return Ok(login_response(
            &state,
            &headers,
            &access,
            Some("Too many failed attempts; wait a minute and try again."),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let password = form.password;
    let lookup = name.clone();
    let user = state
        .pool
        .run(move |store| Ok(store.user(&lookup)?))
        .await?;
    // Verify on the blocking pool: argon2 is deliberately slow. An unknown name is
    // checked against a fixed hash so that both cases take as long.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
        && user.is_some();
    if !ok {
        state.limiter.failed(&name, &ip);
        return Ok(login_response(
            &state,
            &headers,
            &access,
            Some("Wrong name or password."),
            StatusCode::UNAUTHORIZED,
        ));
    }
    state.limiter.succeeded(&name);
    let token = random_token();
    let csrf = random_token();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let h = token_hash(&token);
    state
        .pool
        .run(move |store| Ok(store.create_session(&h, &name, &csrf, &expires)?))
        .await?;
    let c = set_cookie(
        SESSION_COOKIE,
        &token,
        SESSION_HOURS * 3600,
        secure(&state, &headers),
    );
    Ok(([(header::SET_COOKIE, c)], Redirect::to("/search")).into_response())
}

/// A valid argon2 hash of a random password, used for unknown names.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$T0vXn4Bq3vX5l5wQ7bQ7nq6pXWc3fQn0cKq8xQfQ0eE";

/// Form with only a CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<Shared>,
    headers: HeaderMap,
    access: Access,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    access.require_form(lantern_store::Role::Viewer, &form.csrf)?;
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        let h = token_hash(t);
        state
            .pool
            .run(move |store| Ok(store.delete_session(&h)?))
            .await?;
    }
    let c = set_cookie(SESSION_COOKIE, "", 0, secure(&state, &headers));
    Ok(([(header::SET_COOKIE, c)], Redirect::to("/login")).into_response())
}
