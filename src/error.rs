//! `AppError`: the one error type. Models return it; its `ResponseError` impl is the HTTP answer,
//! always a page in the app's frame and never internals (SQL, paths, stack traces).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::models::validation::FieldErrors;
use crate::pages::ErrorPage;

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or belongs to someone else (answered identically).
    #[error("not found")]
    NotFound,
    /// Signed in, but this role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// A form without a valid CSRF token, or sent from another site.
    #[error("request forgery check failed")]
    Csrf,
    /// The page needs a signed-in user; carries where to return after signing in.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// Input that breaks a rule; the form is shown again with these errors beside the fields.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// A request that cannot be read at all (malformed form, unknown fields).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A body larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge,
    /// An address (path and query) longer than allowed.
    #[error("address too long")]
    AddressTooLong,
    /// Too many attempts; try again after this many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    /// The database is down, locked or too busy; try again shortly.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The database's storage is full: nothing can be saved until space is freed (reads work).
    #[error("storage full: {0}")]
    StorageFull(String),
    /// A bug or an unexpected failure; logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A one-field validation error.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        Self::Invalid(errors)
    }

    /// Any unexpected failure, logged with its cause.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound,
            e if crate::db::is_unavailable(&e) => Self::Unavailable(e.to_string()),
            e if crate::db::is_storage_full(&e) => Self::StorageFull(e.to_string()),
            e => Self::Internal(format!("database: {e}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(format!("no database connection: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(format!("template: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Unavailable(format!("blocking pool: {e}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::SignInRequired { .. } => StatusCode::SEE_OTHER,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::AddressTooLong => StatusCode::URI_TOO_LONG,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::StorageFull(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::SignInRequired { next } => {
                let location = if next == "/" || next.is_empty() {
                    "/login".to_string()
                } else {
                    format!("/login?next={}", crate::pages::encode_query(next))
                };
                return HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location)).finish();
            }
            Self::Internal(cause) => tracing::error!(%cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "service unavailable"),
            Self::StorageFull(cause) => {
                tracing::error!(%cause, "storage full: nothing can be saved until space is freed")
            }
            _ => {}
        }
        let status = self.status_code();
        let message = match self {
            Self::Forbidden(why) => (*why).to_string(),
            Self::BadRequest(why) => why.clone(),
            Self::Invalid(errors) => errors.summary(),
            _ => String::new(),
        };
        let page = match self {
            Self::StorageFull(_) => ErrorPage::storage_full(),
            _ => ErrorPage::for_status(status, message),
        };
        let mut response = page.into_response(status);
        if let Self::TooManyRequests { retry_after_seconds } = self {
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(*retry_after_seconds),
            );
        }
        // Freeing disk space takes a person; a lock or a restart passes in seconds.
        let retry_after: Option<u64> = match self {
            Self::Unavailable(_) => Some(5),
            Self::StorageFull(_) => Some(60),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(seconds));
        }
        response
    }
}
