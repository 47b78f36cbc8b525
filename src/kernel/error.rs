//! The web layer's one error type, turned into a response in one place.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::layout::{Chrome, render_error_page};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    #[error("you do not have permission to do this")]
    Forbidden,
    #[error("sign in required")]
    SignInRequired { return_to: String },
    #[error("the form was out of date or not from this service")]
    CsrfRejected,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl super::db::Retryable for AppError {
    fn is_retryable(&self) -> bool {
        matches!(self, AppError::Database(error) if super::db::is_retryable(error))
    }
}

impl From<super::auth::AccountError> for AppError {
    fn from(error: super::auth::AccountError) -> AppError {
        match error {
            super::auth::AccountError::Database(error) => AppError::Database(error),
            super::auth::AccountError::PasswordHashing(message) => AppError::Internal(message),
        }
    }
}

impl From<super::store::ChangeError> for AppError {
    fn from(error: super::store::ChangeError) -> AppError {
        match error {
            super::store::ChangeError::Database(error) => AppError::Database(error),
            super::store::ChangeError::Unrecorded => AppError::Internal(error.to_string()),
        }
    }
}

pub fn not_found() -> AppError {
    AppError::NotFound
}

pub fn forbidden() -> AppError {
    AppError::Forbidden
}

pub fn bad_request(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

/// What an error response says. The error-page layer (`kernel::http`) dresses it as a GOV.UK
/// page with the signed-in person's header, or as JSON under `/api/`; a response is only ever
/// described here, so every error reads the same wherever it arose.
#[derive(Debug, Clone)]
pub struct ErrorDescription {
    pub heading: &'static str,
    pub detail: String,
}

impl ErrorDescription {
    /// For an error response the service did not describe itself (an unknown URL, a malformed
    /// id, a method a route does not take, a body over the limit): by its status alone.
    pub fn of_status(status: StatusCode) -> ErrorDescription {
        let (heading, detail) = match status {
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => (
                "Page not found",
                "If you typed the web address, check it is correct. If you followed a link, the record may have been archived or may not be yours to see.",
            ),
            StatusCode::FORBIDDEN => (
                "You do not have permission to see or change this",
                "Your role does not allow this. Ask the partnership business unit if you think you need access.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "The file or form is too large",
                "Nothing was saved. Choose a smaller file, or split the upload into parts.",
            ),
            status if status.is_client_error() => (
                "There is a problem",
                "The service could not read what was sent. Nothing was saved: go back, reload the page and try again.",
            ),
            _ => (
                "Sorry, there is a problem with the service",
                "Try again later. Nothing you entered has been half-saved: the change was either made in full or not at all.",
            ),
        };
        ErrorDescription {
            heading,
            detail: detail.to_owned(),
        }
    }
}

/// An error page with the description attached for the error-page layer; until that layer
/// dresses it, it is a page without the signed-in header.
fn described(status: StatusCode, heading: &'static str, detail: String) -> Response {
    let body = render_error_page(&Chrome::bare(), heading, &detail);
    let mut response = (status, body).into_response();
    response
        .extensions_mut()
        .insert(ErrorDescription { heading, detail });
    response
}

/// An error page in the words [`ErrorDescription::of_status`] gives its status, so a refusal
/// reads the same whether a handler or the router gave it.
fn by_status(status: StatusCode) -> Response {
    let ErrorDescription { heading, detail } = ErrorDescription::of_status(status);
    described(status, heading, detail)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, heading, detail) = match &self {
            AppError::SignInRequired { return_to } => {
                let target = format!(
                    "/sign-in?return_to={}",
                    super::text::url_encode(return_to)
                );
                return Redirect::to(&target).into_response();
            }
            AppError::NotFound => return by_status(StatusCode::NOT_FOUND),
            AppError::Forbidden => return by_status(StatusCode::FORBIDDEN),
            AppError::CsrfRejected => (
                StatusCode::FORBIDDEN,
                "Your form could not be accepted",
                "The form had expired or did not come from this service. Go back, reload the page and try again. Nothing was changed.".to_owned(),
            ),
            AppError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "There is a problem", message.clone())
            }
            AppError::PayloadTooLarge(message) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "The file or form is too large",
                message.clone(),
            ),
            // A write that lost a race with another, past its retries (kernel::db::retrying),
            // or a record that another request made at the same moment (a name, a reference
            // taken between the check and the insert): the service is working, so not a 500.
            AppError::Database(error) if super::db::is_retryable(error) => {
                tracing::warn!(error = %self, "a write kept losing races with others");
                let mut response = described(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service is busy",
                    "Others were changing the same records at the same moment. Nothing you entered was saved: try again in a few seconds.".to_owned(),
                );
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, 2.into());
                return response;
            }
            AppError::Database(error) if super::db::is_unique_violation(error) => {
                tracing::warn!(error = %self, "a record was made twice at the same moment");
                (
                    StatusCode::CONFLICT,
                    "Someone else made the same change at the same moment",
                    "A record with the same name or reference was saved a moment ago. Nothing you entered was saved: go back, reload the page and check.".to_owned(),
                )
            }
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                return by_status(StatusCode::INTERNAL_SERVER_ERROR);
            }
        };
        described(status, heading, detail)
    }
}
