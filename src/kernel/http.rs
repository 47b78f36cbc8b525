//! The layers every request passes through: request id and logging, security headers,
//! the session, and CSRF protection for every state-changing request.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_http::LatencyUnit;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use super::AppState;
use super::auth::{self, Session};
use super::error::{AppError, ErrorDescription};
use super::layout::{Chrome, render_error_page};

pub const SESSION_COOKIE: &str = "masa_session";
/// The sign-in form's own cookie: a random value its signed CSRF token is bound to (a "signed
/// double-submit cookie"), so showing the form stores nothing on the server.
pub const SIGN_IN_COOKIE: &str = "masa_sign_in";
pub const SIGN_IN_PATH: &str = "/sign-in";
/// Largest ordinary form accepted.
pub const FORM_LIMIT_BYTES: usize = 1024 * 1024;
/// Largest request body of any kind: room for a 5 MB spreadsheet and its multipart wrapping.
pub const REQUEST_LIMIT_BYTES: usize = 6 * 1024 * 1024;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let secure = if state.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.config.session_hours * 3600;
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("masa_session=; Path=/"))
}

/// The sign-in form's cookie, lasting as long as the form's token.
pub fn sign_in_cookie(state: &AppState, nonce: &str) -> HeaderValue {
    let secure = if state.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    let max_age = auth::SIGN_IN_FORM_MINUTES * 60;
    HeaderValue::from_str(&format!(
        "{SIGN_IN_COOKIE}={nonce}; Path={SIGN_IN_PATH}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("masa_sign_in=; Path=/sign-in"))
}

pub fn expired_session_cookie() -> HeaderValue {
    HeaderValue::from_static("masa_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

fn cookie_token(request: &Request) -> Option<String> {
    cookie_value(request.headers(), SESSION_COOKIE)
}

/// A cookie of ours: always 64 hex digits (see `auth::new_token`), anything else is ignored.
pub fn cookie_value(headers: &header::HeaderMap, name: &str) -> Option<String> {
    raw_cookie(headers, name)
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A cookie's value as the browser sent it; its reader checks its shape.
pub fn raw_cookie(headers: &header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_owned())
}

/// The cookie that marks a browser its person has signed in from (`auth::SignInDevice`).
pub const DEVICE_COOKIE: &str = "masa_device";

/// The device cookie set at a successful sign-in: kept a year, sent only to this service.
pub fn device_cookie(state: &AppState, value: &str) -> HeaderValue {
    let secure = if state.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        365 * 24 * 60 * 60
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("masa_device=; Path=/"))
}

/// Where a sign-in attempt with this request's cookies comes from, for `email`.
pub fn sign_in_device(
    state: &AppState,
    headers: &header::HeaderMap,
    email: &str,
) -> auth::SignInDevice {
    auth::SignInDevice::from_cookie(
        &state.config.secret_key,
        email,
        raw_cookie(headers, DEVICE_COOKIE).as_deref(),
    )
}

async fn load_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // Static files need no session: spare the database a lookup per stylesheet and font.
    if request.uri().path().starts_with("/assets/") {
        request.extensions_mut().insert(None::<Session>);
        return next.run(request).await;
    }
    let session = match cookie_token(&request) {
        Some(token) => {
            match auth::load_session(
                &state.db,
                &state.config.secret_key,
                &token,
                state.session_limits(),
            )
            .await
            {
                Ok(session) => session,
                Err(error) => return AppError::Database(error).into_response(),
            }
        }
        None => None,
    };
    request.extensions_mut().insert(session);
    next.run(request).await
}

/// Every POST must carry the session's CSRF token: in the form field `csrf_token` (ordinary
/// forms and file uploads alike) or the `X-CSRF-Token` header. Checked here,
/// once, before any handler sees the request. The sign-in form, which has no session, carries
/// a token signed for its cookie instead (`auth::sign_in_form_token`).
async fn check_csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The JSON API authenticates by bearer token alone, never by cookie, so a forged
    // cross-site request carries no credentials there.
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || request.uri().path().starts_with("/api/")
    {
        return next.run(request).await;
    }
    let is_sign_in = request.uri().path() == SIGN_IN_PATH;
    let sign_in_nonce = cookie_value(request.headers(), SIGN_IN_COOKIE);
    let expected = request
        .extensions()
        .get::<Option<Session>>()
        .cloned()
        .flatten()
        .map(|session| session.csrf_token);
    let expected = match (is_sign_in, expected, sign_in_nonce) {
        (true, _, Some(nonce)) => Expected::SignInForm(nonce),
        (false, Some(token), _) => Expected::Session(token),
        // The session ended while the form was being typed: keep it for after sign-in.
        (false, None, _)
            if cookie_token(&request).is_some()
                && is_form(&request)
                && request.uri().path() != "/sign-out" =>
        {
            return keep_for_sign_in(&state, request).await;
        }
        _ => return AppError::CsrfRejected.into_response(),
    };
    let header_token = request
        .headers()
        .get("x-csrf-token")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
    let is_multipart = content_type
        .as_ref()
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    let is_form = is_form(&request);
    let (parts, body) = request.into_parts();
    let (given, body) = if let Some(token) = header_token {
        (Some(token), body)
    } else if is_multipart {
        // A file upload's token is a hidden field like any form's (never in the URL, where
        // logs and the Referer would carry it): the body is read once, within the upload limit.
        let bytes = match to_bytes(body, REQUEST_LIMIT_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => return upload_too_large(),
        };
        (
            multipart_token(content_type, bytes.clone()).await,
            Body::from(bytes),
        )
    } else if is_form {
        let bytes = match to_bytes(body, FORM_LIMIT_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => return form_too_large(),
        };
        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| fields.into_iter().find(|(name, _)| name == "csrf_token"))
            .map(|(_, value)| value);
        (token, Body::from(bytes))
    } else {
        (None, body)
    };
    let accepted = given.is_some_and(|given| match &expected {
        Expected::Session(token) => bool::from(given.as_bytes().ct_eq(token.as_bytes())),
        Expected::SignInForm(nonce) => auth::sign_in_form_token_is_valid(
            &state.config.secret_key,
            nonce,
            &given,
            time::OffsetDateTime::now_utc(),
        ),
    });
    if accepted {
        next.run(Request::from_parts(parts, body)).await
    } else {
        tracing::warn!(path = %parts.uri.path(), "CSRF token missing or wrong");
        AppError::CsrfRejected.into_response()
    }
}

/// Is the request an ordinary form (not a file upload, not JSON)?
fn is_form(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

/// The `csrf_token` field of a file-upload form's body, if it has one.
async fn multipart_token(
    content_type: Option<HeaderValue>,
    bytes: axum::body::Bytes,
) -> Option<String> {
    let boundary = multer::parse_boundary(content_type?.to_str().ok()?).ok()?;
    let body = Body::from(bytes).into_data_stream();
    let mut multipart = multer::Multipart::new(body, boundary);
    // The page puts the token first; a forged body may bury it, but never past this many parts.
    for _ in 0..super::files::MAX_FORM_PARTS {
        let field = multipart.next_field().await.ok()??;
        if field.name() == Some("csrf_token") {
            return field.text().await.ok();
        }
    }
    None
}

/// A file upload over [`REQUEST_LIMIT_BYTES`], refused before any handler reads it.
fn upload_too_large() -> Response {
    AppError::PayloadTooLarge(format!(
        "The file could not be received: a file can be at most {} MB.",
        super::files::MAX_FILE_BYTES / 1024 / 1024
    ))
    .into_response()
}

/// A form over [`FORM_LIMIT_BYTES`], refused.
fn form_too_large() -> Response {
    AppError::PayloadTooLarge(format!(
        "Forms can be at most {} KB.",
        FORM_LIMIT_BYTES / 1024
    ))
    .into_response()
}

/// Keeps a form whose session has ended (kernel::kept_forms) and sends its person to sign in.
async fn keep_for_sign_in(state: &AppState, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let Ok(bytes) = to_bytes(request.into_body(), FORM_LIMIT_BYTES).await else {
        return form_too_large();
    };
    let fields = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default();
    match super::kept_forms::keep(&state.db, &state.config.secret_key, &path, fields).await {
        Ok(token) => super::kept_forms::to_sign_in(&token),
        Err(error) => AppError::Database(error).into_response(),
    }
}

/// What a POST's CSRF token must match.
enum Expected {
    /// The session's token.
    Session(String),
    /// A token signed for this sign-in cookie value, not yet expired.
    SignInForm(String),
}

/// Wraps the application router in the kernel's layers.
pub fn with_layers(router: Router<AppState>, state: AppState) -> Router {
    let static_header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        )
    };
    router
        // The largest body any handler reads (a spreadsheet upload, a JSON data drop); ordinary
        // forms are held to FORM_LIMIT_BYTES by the CSRF check.
        .layer(axum::extract::DefaultBodyLimit::max(REQUEST_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), check_csrf))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::post_redirect_get::post_redirect_get,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), error_pages))
        .layer(middleware::from_fn_with_state(state.clone(), load_session))
        .layer(static_header("content-security-policy", CONTENT_SECURITY_POLICY))
        .layer(static_header("x-content-type-options", "nosniff"))
        .layer(static_header("x-frame-options", "DENY"))
        .layer(static_header("referrer-policy", "same-origin"))
        .layer(static_header("cross-origin-opener-policy", "same-origin"))
        .layer(static_header("permissions-policy", "camera=(), microphone=(), geolocation=()"))
        .layer(static_header("cache-control", "no-store"))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %request_id)
            })
            // One structured line per request: status and latency, inside the request's span.
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::from_fn(drop_unsafe_request_id))
        .with_state(state)
}

/// Every error answers in the form its caller reads: a GOV.UK page with the signed-in header
/// (an unknown URL, a malformed id, a refusal, a failure alike), or JSON under `/api/`. Errors
/// the service described (`AppError`) keep their words; the rest (the router's and the
/// extractors' plain-text rejections) are described by their status. A page that is already
/// a page (a form shown again with its errors, 422) and an API refusal already in JSON pass
/// through untouched.
async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let session = request
        .extensions()
        .get::<Option<Session>>()
        .cloned()
        .flatten();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let for_api = path == "/api" || path.starts_with("/api/");
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let described = response.extensions().get::<ErrorDescription>().cloned();
    if described.is_none()
        && ((for_api && content_type.starts_with("application/json"))
            || (!for_api && content_type.starts_with("text/html")))
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let description = match described {
        Some(description) => description,
        None => {
            // The router's and extractors' rejections are a line of plain text.
            let text = to_bytes(body, 16 * 1024).await.unwrap_or_default();
            if parts.status == StatusCode::BAD_REQUEST && text.starts_with(b"Invalid URL") {
                // A malformed id in the path: a page that does not exist.
                parts.status = StatusCode::NOT_FOUND;
            }
            ErrorDescription::of_status(parts.status)
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if for_api {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Body::from(
            serde_json::json!({ "error": description.heading, "detail": description.detail })
                .to_string(),
        )
    } else {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        let chrome = Chrome::for_session(&state, session.as_ref(), &path);
        Body::from(render_error_page(&chrome, description.heading, &description.detail).0)
    };
    Response::from_parts(parts, body)
}

/// A request id from a proxy is kept for correlation, but only a short plain one: it is written
/// to the logs, the audit trail and its CSV export, so anything else is replaced by a fresh id.
async fn drop_unsafe_request_id(mut request: Request, next: Next) -> Response {
    let plain = request
        .headers()
        .get("x-request-id")
        .map(|value| is_plain_request_id(value.as_bytes()));
    if plain == Some(false) {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

fn is_plain_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id[0].is_ascii_alphanumeric()
        && id
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::is_plain_request_id;

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        assert!(is_plain_request_id(b"3f2c9a1e-7b7d-4c1a-9e55-0d1f3b2a8c44"));
        assert!(is_plain_request_id(b"lb.req_42"));
        for hostile in [
            &b""[..],
            b"=HYPERLINK(\"http://x\")",
            b"-1+1",
            b"id with spaces",
            b"line\nbreak",
            &[b'a'; 65][..],
        ] {
            assert!(!is_plain_request_id(hostile), "{hostile:?}");
        }
    }
}
