//! Signing in and out.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::kernel::audit::Actor;
use crate::kernel::auth::{self, SignInOutcome};
use crate::kernel::http::{
    SIGN_IN_COOKIE, cookie_value, device_cookie, expired_session_cookie, session_cookie,
    sign_in_cookie, sign_in_device,
};
use crate::kernel::text::{FormErrors, safe_return_path};
use crate::kernel::throttle::ClientIp;
use crate::kernel::{AppResult, AppState, Change, Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "accounts/templates/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: FormErrors,
    email: String,
    return_to: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInQuery {
    return_to: String,
}

/// The sign-in form's cookie value (kept if the browser has one) and the cookie to set, and
/// the form's signed token: showing the form stores nothing.
fn sign_in_form(state: &AppState, headers: &HeaderMap) -> (String, HeaderValue) {
    let nonce = cookie_value(headers, SIGN_IN_COOKIE).unwrap_or_else(auth::new_token);
    let token = auth::sign_in_form_token(
        &state.config.secret_key,
        &nonce,
        time::OffsetDateTime::now_utc(),
    );
    (token, sign_in_cookie(state, &nonce))
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> AppResult<Response> {
    let return_to = safe_return_path(&query.return_to);
    if ctx
        .session
        .as_ref()
        .is_some_and(|session| session.user.is_some())
    {
        return Ok(Redirect::to(&return_to).into_response());
    }
    let (csrf_token, cookie) = sign_in_form(&state, &headers);
    let page = render(&SignInPage {
        chrome: Chrome {
            csrf_token,
            ..Chrome::bare()
        },
        errors: FormErrors::default(),
        email: String::new(),
        return_to,
    })?;
    Ok(([(header::SET_COOKIE, cookie)], page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInForm {
    email: String,
    password: String,
    return_to: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> AppResult<Response> {
    let return_to = safe_return_path(&form.return_to);
    let mut errors = FormErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if !state.sign_in_limiter.allow(client) {
        tracing::warn!(%client, "sign-in attempts over the per-address limit");
        status = StatusCode::TOO_MANY_REQUESTS;
        errors.add(
            "email",
            format!(
                "Too many attempts to sign in from your network. Try again in {}",
                auth::wait_in_words(time::Duration::minutes(auth::SIGN_IN_WINDOW_MINUTES))
            ),
        );
    } else {
        if form.email.trim().is_empty() {
            errors.add("email", "Enter your email address");
        }
        if form.password.is_empty() {
            errors.add("password", "Enter your password");
        }
    }
    if errors.is_empty() {
        match auth::attempt_sign_in(
            &state.db,
            &form.email,
            &form.password,
            &sign_in_device(&state, &headers, &form.email),
        )
        .await?
        {
            SignInOutcome::SignedIn(user) => {
                // Rotate: any earlier session of this browser ends and a new one begins.
                if let Some(old) = &ctx.session {
                    auth::end_session(&state.db, &old.token_hash).await?;
                }
                let token = auth::start_session(
                    &state.db,
                    &state.config.secret_key,
                    user.id,
                    state.session_limits(),
                )
                .await?;
                let actor = Actor::user(&user.current_user(), ctx.request_id.clone());
                let mut change = Change::begin(&state.db, actor).await?;
                auth::record_sign_in(&mut change, &user).await?;
                change.commit().await?;
                let target = if user.must_change_password {
                    "/account/password".to_owned()
                } else {
                    return_to
                };
                // This browser is now one its person signs in from: its own sign-in delay.
                let device =
                    auth::SignInDevice::new_cookie_value(&state.config.secret_key, &user.email);
                return Ok((
                    axum::response::AppendHeaders([
                        (header::SET_COOKIE, session_cookie(&state, &token)),
                        (header::SET_COOKIE, device_cookie(&state, &device)),
                    ]),
                    Redirect::to(&target),
                )
                    .into_response());
            }
            SignInOutcome::WrongDetails => {
                errors.add("email", "Enter a correct email address and password");
            }
            SignInOutcome::Delayed { wait } => {
                errors.add(
                    "email",
                    format!(
                        "Too many wrong passwords for this email address. Wait {} before trying again",
                        auth::wait_in_words(wait)
                    ),
                );
            }
        }
    }
    let (csrf_token, cookie) = sign_in_form(&state, &headers);
    let page = render(&SignInPage {
        chrome: Chrome {
            csrf_token,
            ..Chrome::bare()
        },
        errors,
        email: form.email,
        return_to,
    })?;
    Ok((status, [(header::SET_COOKIE, cookie)], page).into_response())
}

pub async fn sign_out(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mut change = ctx.change(&state).await?;
    if let Some(session) = &ctx.session {
        auth::record_sign_out(&mut change).await?;
        change.commit().await?;
        auth::end_session(&state.db, &session.token_hash).await?;
    }
    // A shared computer keeps nothing of the session: the browser drops its cache and storage.
    let clear_site_data = header::HeaderName::from_static("clear-site-data");
    Ok((
        [
            (header::SET_COOKIE, expired_session_cookie()),
            (
                clear_site_data,
                header::HeaderValue::from_static("\"cache\", \"storage\""),
            ),
        ],
        Redirect::to("/sign-in"),
    )
        .into_response())
}
