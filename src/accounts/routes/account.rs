//! One's own account: its page and changing one's password.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::organisation_name;
use crate::kernel::auth::{self, SignInOutcome, UserRecord};
use crate::kernel::filters;
use crate::kernel::http::{expired_session_cookie, sign_in_device};
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render, render_refused};

#[derive(Template)]
#[template(path = "accounts/templates/account.html")]
struct AccountPage {
    chrome: Chrome,
    user: UserRecord,
    organisation: String,
    lock: Option<auth::SignInLock>,
}

pub async fn account_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let user = auth::find_user_by_id(scope, ctx.user()?.user_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let organisation = organisation_name(scope, user.organisation_id).await?;
    let lock = auth::sign_in_lock(&state.db, &user.email).await?;
    render(&AccountPage {
        chrome: ctx.chrome(&state).await?,
        user,
        organisation,
        lock,
    })
}

#[derive(Template)]
#[template(path = "accounts/templates/password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: FormErrors,
    must_change: bool,
}

pub async fn password_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let must_change = ctx.user()?.must_change_password;
    render(&PasswordPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        must_change,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let mut errors = FormErrors::default();
    let current_ok = match auth::attempt_sign_in(
        &state.db,
        &user.email,
        &form.current_password,
        &sign_in_device(&state, &headers, &user.email),
    )
    .await?
    {
        SignInOutcome::SignedIn(_) => true,
        SignInOutcome::WrongDetails => {
            errors.add("current_password", "Your current password is not correct");
            false
        }
        SignInOutcome::Delayed { wait } => {
            errors.add(
                "current_password",
                format!(
                    "Too many wrong passwords. Wait {} before trying again",
                    auth::wait_in_words(wait)
                ),
            );
            false
        }
    };
    if current_ok {
        if let Err(message) = auth::check_password_policy(&form.new_password, &user.email) {
            errors.add("new_password", message);
        } else if form.new_password == form.current_password {
            errors.add(
                "new_password",
                "New password must be different from your current password",
            );
        } else if form.new_password != form.confirm_password {
            errors.add("confirm_password", "The passwords do not match");
        }
    }
    if !errors.is_empty() {
        let page = PasswordPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            must_change: user.must_change_password,
        };
        return render_refused(&page);
    }
    let mut change = ctx.change(&state).await?;
    auth::change_own_password(&mut change, user.user_id(), &user.email, &form.new_password).await?;
    change.commit().await?;
    // Changing the password ended every session, this one included: sign in again.
    Ok((
        [(header::SET_COOKIE, expired_session_cookie())],
        Redirect::to("/sign-in"),
    )
        .into_response())
}
