//! Clearing an account's sign-in lock.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::kernel::auth::{self, UserRecord};
use crate::kernel::{AppResult, AppState, Ctx, Loaded};

/// Clears an account's sign-in lock: the business unit, having checked with the person.
pub async fn clear_sign_in_lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(user): Loaded<UserRecord>,
) -> AppResult<Response> {
    let id = user.id;
    let mut change = ctx.change(&state).await?;
    // Nothing to clear records nothing, and so saves nothing.
    if auth::clear_sign_in_lock(&mut change, &user).await? {
        change.commit().await?;
    }
    ctx.flash(&state, &format!("{} can sign in again", user.email))
        .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}
