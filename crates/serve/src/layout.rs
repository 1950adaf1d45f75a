//! The page shell (header, navigation, footer) and small shared pieces of markup.
//! maud escapes every interpolated string; nothing here writes raw HTML from data.

use axum::http::StatusCode;
use maud::{html, Markup, DOCTYPE};

use crate::auth::Access;

/// A whole page around `content`.
pub fn page(title: &str, access: &Access, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Lantern" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "Lantern" }
                    @if access.who.is_some() || access.public {
                        nav {
                            a href="/search" { "Search" }
                            a href="/timeline" { "Timeline" }
                            a href="/map" { "Map" }
                            @if access.who.is_some() {
                                a href="/alerts" { "Alerts" }
                            }
                            @if access.who.as_ref().is_some_and(|w| w.role >= lantern_store::Role::Editor) {
                                a href="/ingest" { "Ingest" }
                            }
                            @if access.who.as_ref().is_some_and(|w| w.role >= lantern_store::Role::Admin) {
                                a href="/admin" { "Admin" }
                            }
                        }
                    }
                    div.who {
                        @if let Some(w) = &access.who {
                            span { (w.name) " (" (w.role.as_str()) ")" }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(w.csrf);
                                button type="submit" { "Sign out" }
                            }
                        } @else {
                            @if access.public { span.badge { "public read-only view" } }
                            a href="/login" { "Sign in" }
                        }
                    }
                }
                main { (content) }
                footer {
                    "Lantern · place data from GeoNames (CC BY 4.0) · map outlines from Natural Earth (public domain) via world-atlas"
                }
            }
        }
    }
}

/// A page for an error.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    let access = Access {
        who: None,
        public: false,
    };
    page(
        status.canonical_reason().unwrap_or("Error"),
        &access,
        html! {
            h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
            p.error { (message) }
            p { a href="/" { "Back to the start" } }
        },
    )
}

/// A hidden CSRF field.
pub fn csrf_field(access: &Access) -> Markup {
    html! { input type="hidden" name="csrf" value=(access.csrf()); }
}

/// A label for an event type ("use_of_force" -> "use of force").
pub fn label(word: &str) -> String {
    word.replace('_', " ")
}
