//! A form posted after its session ended is not lost. When a form arrives with the cookie of a
//! session that has expired, its fields are kept here for a few minutes under a new random
//! token (the browser keeps the token in a cookie), and the person is sent to sign in; once
//! signed in, `/kept-form` shows what they typed, ready to send again with a fresh CSRF token.
//!
//! Only a request that carries a session cookie is kept: the session cookie is `SameSite=Lax`,
//! so a cross-site form never carries it, and no other site can plant a form for someone to
//! send. Nothing is sent for the person: they see the fields and press the button themselves.
//! File uploads are not kept (their size), and are refused as before.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{new_token, token_hash};
use super::db::{Db, now_text};
use super::http::cookie_value;
use super::text::safe_return_path;
use super::{AppResult, AppState, Chrome, Ctx, render};

/// The cookie that holds a kept form's token.
pub const COOKIE: &str = "masa_kept_form";
/// How long a kept form waits for its person to sign in again.
pub const KEPT_MINUTES: i64 = 30;

/// Keeps a form's fields (without its stale CSRF token) for the path it was posted to, and
/// returns the token for the cookie.
pub async fn keep(
    db: &Db,
    secret: &[u8],
    path: &str,
    fields: Vec<(String, String)>,
) -> Result<String, sqlx::Error> {
    let token = new_token();
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(name, _)| name != "csrf_token")
        .collect();
    let body = serde_json::to_string(&fields).unwrap_or_else(|_| "[]".to_owned());
    sqlx::query(
        "INSERT INTO kept_forms (token_hash, path, body, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(secret, &token))
    .bind(safe_return_path(path))
    .bind(body)
    .bind(now_text())
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// The answer to a form whose session ended: keep it, set the cookie, and go to sign in.
pub fn to_sign_in(token: &str) -> Response {
    let mut response = Redirect::to("/sign-in?return_to=%2Fkept-form").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age={}",
        KEPT_MINUTES * 60
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A kept form, taken out of the store (it is shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptForm {
    pub path: String,
    pub fields: Vec<(String, String)>,
}

/// The form kept under `token`, if it is younger than [`KEPT_MINUTES`]; it is removed.
pub async fn take(db: &Db, secret: &[u8], token: &str) -> Result<Option<KeptForm>, sqlx::Error> {
    let hash = token_hash(secret, token);
    let row: Option<(String, String, String)> = sqlx::query_as(
        "DELETE FROM kept_forms WHERE token_hash = $1 RETURNING path, body, created_at",
    )
    .bind(&hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some((path, body, created_at)) = row else {
        return Ok(None);
    };
    if created_at < oldest_kept() {
        return Ok(None);
    }
    let fields = serde_json::from_str(&body).unwrap_or_default();
    Ok(Some(KeptForm { path, fields }))
}

/// Forgets kept forms nobody came back for.
pub async fn purge(db: &Db) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM kept_forms WHERE created_at < $1")
        .bind(oldest_kept())
        .execute(&db.pool)
        .await?
        .rows_affected())
}

fn oldest_kept() -> String {
    let oldest = time::OffsetDateTime::now_utc() - time::Duration::minutes(KEPT_MINUTES);
    super::db::timestamp_text(oldest)
}

#[derive(Template)]
#[template(path = "kernel/templates/kept_form.html")]
struct KeptFormPage {
    chrome: Chrome,
    form: KeptForm,
    /// The fields that hold something, for the person to read before sending.
    shown: Vec<(String, String)>,
}

/// After signing in again: what was typed before the session ended, to send with a fresh token.
pub async fn kept_form_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> AppResult<Response> {
    let kept = match cookie_value(&headers, COOKIE) {
        Some(token) => take(&state.db, &state.config.secret_key, &token).await?,
        None => None,
    };
    let forget = HeaderValue::from_static(
        "masa_kept_form=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0",
    );
    let Some(form) = kept else {
        let mut response = Redirect::to("/").into_response();
        response.headers_mut().append(header::SET_COOKIE, forget);
        return Ok(response);
    };
    let shown = form
        .fields
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| (name.replace('_', " "), value.clone()))
        .collect();
    let mut response = render(&KeptFormPage {
        chrome: ctx.chrome(&state).await?,
        form,
        shown,
    })?
    .into_response();
    response.headers_mut().append(header::SET_COOKIE, forget);
    Ok(response)
}
