//! The admin page: accounts, API tokens and the public read-only switch.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use lantern_store::Role;
use maud::html;
use serde::Deserialize;

use crate::app::{Shared, PUBLIC_SETTING};
use crate::auth::{hash_password, random_token, token_hash, Access};
use crate::error::AppError;
use crate::layout::{csrf_field, page};

/// `/admin`.
pub async fn admin_page(
    State(state): State<Shared>,
    access: Access,
) -> Result<Html<String>, AppError> {
    access.require(Role::Admin)?;
    let (users, tokens) = state
        .pool
        .run(|store| Ok((store.users()?, store.api_tokens()?)))
        .await?;
    let public = state.public.load(std::sync::atomic::Ordering::Relaxed);
    Ok(Html(page("Admin", &access, html! {
        h1 { "Admin" }
        h2 { "Public read-only mode" }
        p { "When on, anyone can read search results, events, the timeline and the map without signing in. Attribution wording, reviewer names and notes, source paths and original files are never shown to them." }
        form method="post" action="/admin/public" {
            (csrf_field(&access))
            @if public {
                p { strong { "Public mode is on." } }
                input type="hidden" name="on" value="off";
                button type="submit" id="public-off" { "Turn public mode off" }
            } @else {
                p { "Public mode is off." }
                input type="hidden" name="on" value="on";
                button type="submit" id="public-on" { "Turn public mode on" }
            }
        }
        h2 { "Accounts" }
        table { thead { tr { th { "Name" } th { "Role" } th { "Created" } } }
            tbody { @for u in &users { tr { td { (u.name) } td { (u.role.as_str()) } td { (u.created_at) } } } } }
        form method="post" action="/admin/users" {
            (csrf_field(&access))
            fieldset { legend { "Add or update an account" }
                label { "Name " input type="text" name="name" required; } " "
                label { "Role " select name="role" { @for r in Role::ALL { option value=(r.as_str()) { (r.as_str()) } } } } " "
                label { "Password " input type="password" name="password" required minlength="8" autocomplete="new-password"; } " "
                button type="submit" { "Save" }
            }
        }
        h2 { "API tokens" }
        table { thead { tr { th { "Name" } th { "Role" } th { "Created" } } }
            tbody { @for t in &tokens { tr { td { (t.name) } td { (t.role.as_str()) } td { (t.created_at) } } } } }
        form method="post" action="/admin/tokens" {
            (csrf_field(&access))
            fieldset { legend { "Create a token" }
                label { "Name " input type="text" name="name" required; } " "
                label { "Role " select name="role" { @for r in Role::ALL { option value=(r.as_str()) { (r.as_str()) } } } } " "
                button type="submit" { "Create" }
            }
        }
    }).into_string()))
}

/// Public switch form.
#[derive(Deserialize)]
pub struct PublicForm {
    csrf: String,
    on: String,
}

/// `POST /admin/public`.
pub async fn set_public(
    State(state): State<Shared>,
    access: Access,
    Form(f): Form<PublicForm>,
) -> Result<Response, AppError> {
    access.require_form(Role::Admin, &f.csrf)?;
    let on = f.on == "on";
    state
        .pool
        .run(move |store| Ok(store.set_setting(PUBLIC_SETTING, if on { "on" } else { "off" })?))
        .await?;
    state.public.store(on, std::sync::atomic::Ordering::Relaxed);
    Ok(Redirect::to("/admin").into_response())
}

/// New account form.
#[derive(Deserialize)]
pub struct UserForm {
    csrf: String,
    name: String,
    role: String,
    password: String,
}

fn role(s: &str) -> Result<Role, AppError> {
    Role::parse(s)
        .ok_or_else(|| AppError::bad_request(format!("role: '{s}' is not viewer, editor or admin")))
}

/// `POST /admin/users`.
pub async fn add_user(
    State(state): State<Shared>,
    access: Access,
    Form(f): Form<UserForm>,
) -> Result<Response, AppError> {
    access.require_form(Role::Admin, &f.csrf)?;
    let role = role(&f.role)?;
    if f.password.chars().count() < 8 {
        return Err(AppError::bad_request("password: at least 8 characters"));
    }
    let hash = tokio::task::spawn_blocking(move || hash_password(&f.password))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(AppError::internal)?;
    let name = f.name.trim().to_string();
    state
        .pool
        .run(move |store| Ok(store.put_user(&name, role, &hash)?))
        .await?;
    Ok(Redirect::to("/admin").into_response())
}

/// New token form.
#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    name: String,
    role: String,
}

/// `POST /admin/tokens`: shows the token once.
pub async fn create_token(
    State(state): State<Shared>,
    access: Access,
    Form(f): Form<TokenForm>,
) -> Result<Html<String>, AppError> {
    access.require_form(Role::Admin, &f.csrf)?;
    let role = role(&f.role)?;
    let token = random_token();
    let h = token_hash(&token);
    let name = f.name.trim().to_string();
    let n = name.clone();
    state
        .pool
        .run(move |store| Ok(store.create_api_token(&h, &n, role)?))
        .await?;
    Ok(Html(page("Token created", &access, html! {
        h1 { "Token created" }
        p { "The token " strong { (name) } " (" (role.as_str()) "). Copy it now: it is not shown again." }
        pre #token { (token) }
        p { "Use it as " code { "Authorization: Bearer TOKEN" } " with " code { "/api/v1" } "." }
        p { a href="/admin" { "Back to admin" } }
    }).into_string()))
}
