//! Clearing an account's sign-in lock.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::kernel::auth;
use crate::kernel::ids::UserId;
use crate::kernel::{AppError, AppResult, AppState, Ctx};

/// Clears an account's sign-in lock: the business unit, having checked with the person.
pub async fn clear_sign_in_lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<UserId>,
) -> AppResult<Response> {
    let user = auth::find_user_by_id(ctx.scope(&state)?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut change = ctx.change(&state).await?;
    // Nothing to clear records nothing, and so saves nothing.
    if auth::clear_sign_in_lock(&mut change, &user).await? {
        change.commit().await?;
    }
    ctx.flash(&state, &format!("{} can sign in again", user.email))
        .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}
