//! One error type for handlers: a status and a message, shown as a page (or JSON for the
//! API). Internal details are logged to stderr, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error a handler returns.
#[derive(Debug)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// What to tell the user.
    pub message: String,
}

impl AppError {
    /// A 400 with a message naming the field and reason.
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// A 404.
    pub fn not_found(what: impl Into<String>) -> AppError {
        AppError {
            status: StatusCode::NOT_FOUND,
            message: format!("{} not found", what.into()),
        }
    }

    /// A 403.
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
        }
    }

    /// A 500; the detail goes to stderr only.
    pub fn internal(detail: impl Into<String>) -> AppError {
        eprintln!("lantern serve: internal error: {}", detail.into());
        AppError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error (see the server log)".into(),
        }
    }
}

impl From<lantern_store::StoreError> for AppError {
    fn from(e: lantern_store::StoreError) -> AppError {
        use lantern_store::StoreError as E;
        match e {
            E::NoSuchEvent(id) => AppError::not_found(format!("event {id}")),
            E::NoSuchReport(id) => AppError::not_found(format!("report {id}")),
            E::Invalid { .. } | E::AmbiguousPrefix { .. } => AppError::bad_request(e.to_string()),
            other => AppError::internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::UNAUTHORIZED {
            return axum::response::Redirect::to("/login").into_response();
        }
        let page = crate::layout::error_page(self.status, &self.message);
        (self.status, axum::response::Html(page.into_string())).into_response()
    }
}

/// The same error as JSON, for the API.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        ApiError(e)
    }
}

impl From<lantern_store::StoreError> for ApiError {
    fn from(e: lantern_store::StoreError) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.0.message });
        (self.0.status, axum::Json(body)).into_response()
    }
}

impl AppError {
    /// Not signed in: the page handlers send the browser to the login page.
    pub fn login() -> AppError {
        AppError {
            status: StatusCode::UNAUTHORIZED,
            message: "sign in first".into(),
        }
    }
}
