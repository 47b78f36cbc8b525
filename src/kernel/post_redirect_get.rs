//! Post/redirect/get for refused forms. A handler refuses a form by rendering its page again
//! with the errors and the typed values (`render_refused`, 422). Answered straight to the
//! POST, that page would sit at the POST's address: Back or Reload would then ask to send the
//! form again. So this layer keeps the refused page for a few minutes under a random token
//! (the browser holds it in a cookie), redirects (303) to the address the form was on, and
//! shows the kept page there once. Every form gets this by rendering its errors; no handler
//! has to flash its fields.
//!
//! The form's address is the request's `Referer`, accepted only when it names this same host
//! (the service sends `Referrer-Policy: same-origin`, so browsers send it on every form post).
//! Without one (a script, a privacy tool) the refused page is answered to the POST as before,
//! so nothing typed is lost either way.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{new_token, token_hash};
use super::db::{Db, now_text, timestamp_text};
use super::http::cookie_value;
use super::text::safe_return_path;
use super::{AppError, AppState};

/// The cookie that holds a refused page's token.
pub const COOKIE: &str = "masa_refused_page";
/// How long a refused page waits to be shown: the redirect follows at once, so this is only
/// the slack for a slow connection.
pub const KEPT_MINUTES: i64 = 10;
/// The largest refused page kept (a page is tens of kilobytes); a larger one is answered to
/// the POST as it is.
const PAGE_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// The layer: shows a kept refused page on the GET it was kept for, and turns a refused form
/// (422 HTML to a POST) into a redirect to the form's own address.
pub async fn post_redirect_get(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let token = cookie_value(request.headers(), COOKIE);
    if request.method() == Method::GET
        && let Some(token) = token
    {
        let path = path_and_query(&request);
        return match take(&state.db, &state.config.secret_key, &token, &path).await {
            Ok(Some(body)) => shown_again(body),
            Ok(None) => next.run(request).await,
            Err(error) => AppError::Database(error).into_response(),
        };
    }
    if request.method() != Method::POST || request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let form_address = form_address(request.headers());
    let response = next.run(request).await;
    let is_refused_page = response.status() == StatusCode::UNPROCESSABLE_ENTITY
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
    let Some(form_address) = form_address.filter(|_| is_refused_page) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, PAGE_LIMIT_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = String::from_utf8_lossy(&bytes).into_owned();
    match keep(&state.db, &state.config.secret_key, &form_address, &page).await {
        Ok(token) => to_form_address(&form_address, &token),
        // The page cannot be kept: answer it to the POST, as it was, rather than lose it.
        Err(error) => {
            tracing::warn!(%error, "could not keep a refused form page");
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}

/// The path and query a request asked for.
fn path_and_query(request: &Request) -> String {
    request
        .uri()
        .path_and_query()
        .map(|value| value.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned())
}

/// The address of the page the form was posted from: the `Referer`'s path and query, when it
/// names the host the request was sent to.
pub fn form_address(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, "/"),
    };
    if !authority.eq_ignore_ascii_case(host) {
        return None;
    }
    let path = path.split('#').next().unwrap_or("/");
    let path = safe_return_path(path);
    (!path.starts_with("/api/")).then_some(path)
}

async fn keep(db: &Db, secret: &[u8], path: &str, page: &str) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO refused_pages (token_hash, path, body, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(secret, &token))
    .bind(path)
    .bind(page)
    .bind(now_text())
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// The page kept under `token` for `path`, if it is younger than [`KEPT_MINUTES`]; it is
/// removed. A page kept for another address stays until it is shown or expires.
async fn take(
    db: &Db,
    secret: &[u8],
    token: &str,
    path: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "DELETE FROM refused_pages WHERE token_hash = $1 AND path = $2 RETURNING body, created_at",
    )
    .bind(token_hash(secret, token))
    .bind(path)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row
        .filter(|(_, created_at)| *created_at >= oldest_kept())
        .map(|(body, _)| body))
}

/// Forgets refused pages nobody came back for.
pub async fn purge(db: &Db) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM refused_pages WHERE created_at < $1")
            .bind(oldest_kept())
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}

fn oldest_kept() -> String {
    timestamp_text(time::OffsetDateTime::now_utc() - time::Duration::minutes(KEPT_MINUTES))
}

fn to_form_address(path: &str, token: &str) -> Response {
    let mut response = Redirect::to(path).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age={}",
        KEPT_MINUTES * 60
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The kept page, answered as the refusal it is (422), with its cookie spent.
fn shown_again(body: String) -> Response {
    let mut response = (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("masa_refused_page=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, referer: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        headers.insert(header::REFERER, HeaderValue::from_str(referer).unwrap());
        headers
    }

    #[test]
    fn the_form_address_is_the_referer_on_this_host_only() {
        assert_eq!(
            form_address(&headers(
                "masa.test",
                "https://masa.test/tracker/actions/new"
            )),
            Some("/tracker/actions/new".to_owned())
        );
        assert_eq!(
            form_address(&headers(
                "127.0.0.1:3000",
                "http://127.0.0.1:3000/dataset/drops/4?tab=values#values"
            )),
            Some("/dataset/drops/4?tab=values".to_owned())
        );
        assert_eq!(
            form_address(&headers("masa.test", "https://masa.test")),
            Some("/".to_owned())
        );
        assert_eq!(
            form_address(&headers("masa.test", "https://evil.test/tracker")),
            None
        );
        assert_eq!(
            form_address(&headers("masa.test", "https://masa.test.evil.test/x")),
            None
        );
        assert_eq!(
            form_address(&headers("masa.test", "javascript:alert(1)")),
            None
        );
        assert_eq!(
            form_address(&headers("masa.test", "https://masa.test//evil.test/x")),
            Some("/".to_owned())
        );
        assert_eq!(
            form_address(&headers("masa.test", "https://masa.test/api/v1/data-drops")),
            None
        );
        assert_eq!(form_address(&HeaderMap::new()), None);
    }
}
