//! Clearing an account's sign-in lock.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::*;
use crate::kernel::audit::{self, AuditAction};
use crate::kernel::auth::{self};
use crate::kernel::{AppError, AppResult, AppState, Ctx};

// ---- sign-in locks ----

/// Clears an account's sign-in lock: the business unit, having checked with the person.
pub async fn clear_sign_in_lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = auth::find_user_by_id(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin_write().await?;
    if auth::clear_sign_in_lock(&mut tx, &user.email).await? {
        audit::record(
            &mut tx,
            &ctx.actor()?,
            account_event(
                AuditAction::Update,
                Some(user.id),
                format!("Cleared the sign-in lock of {}", user.email),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    ctx.flash(&state, &format!("{} can sign in again", user.email))
        .await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}
