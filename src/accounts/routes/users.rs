//! User administration by the business unit: the list, one account, password resets, archiving.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::organisation_name;
use crate::kernel::api_tokens;
use crate::kernel::auth::{self, UserRecord};
use crate::kernel::filters;
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, Loaded, render, render_refused};
use crate::partnership;

#[derive(Template)]
#[template(path = "accounts/templates/user_list.html")]
struct UserListPage {
    chrome: Chrome,
    users: Vec<(UserRecord, String)>,
}

pub async fn user_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let names = partnership::organisation_names(scope).await?;
    let users = auth::list_users(scope)
        .await?
        .into_iter()
        .map(|user| {
            let organisation = user
                .organisation_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default();
            (user, organisation)
        })
        .collect();
    render(&UserListPage {
        chrome: ctx.chrome(&state).await?,
        users,
    })
}

#[derive(Template)]
#[template(path = "accounts/templates/user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserRecord,
    organisation: String,
    lock: Option<auth::SignInLock>,
    errors: FormErrors,
}

pub async fn user_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(user): Loaded<UserRecord>,
) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let organisation = organisation_name(scope, user.organisation_id).await?;
    let lock = auth::sign_in_lock(&state.db, &user.email).await?;
    render(&UserPage {
        chrome: ctx.chrome(&state).await?,
        user,
        organisation,
        lock,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    temporary_password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(user): Loaded<UserRecord>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let id = user.id;
    let mut errors = FormErrors::default();
    if let Err(message) = auth::check_password_policy(&form.temporary_password, &user.email) {
        errors.add("temporary_password", message);
    }
    if !errors.is_empty() {
        let organisation = organisation_name(scope, user.organisation_id).await?;
        let lock = auth::sign_in_lock(&state.db, &user.email).await?;
        let page = UserPage {
            chrome: ctx.chrome(&state).await?,
            user,
            organisation,
            lock,
            errors,
        };
        return render_refused(&page);
    }
    let mut change = ctx.change(&state).await?;
    auth::reset_password(&mut change, &user, &form.temporary_password).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "Password reset for {}. They must choose a new one when they next sign in.",
            user.email
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

pub async fn archive_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(user): Loaded<UserRecord>,
) -> AppResult<Response> {
    let id = user.id;
    if user.id == ctx.user()?.user_id() {
        return Err(AppError::BadRequest(
            "You cannot archive your own account.".into(),
        ));
    }
    if user.archived_at.is_none() {
        let mut change = ctx.change(&state).await?;
        auth::archive_user(&mut change, &user).await?;
        api_tokens::revoke_tokens_of_leaver(
            &mut change,
            &user,
            &format!("as the account of {} was archived", user.email),
        )
        .await?;
        change.commit().await?;
    }
    ctx.flash(
        &state,
        &format!(
            "The account of {} is archived and can no longer sign in.",
            user.email
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}
