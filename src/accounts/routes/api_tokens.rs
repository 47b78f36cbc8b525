//! Partner API tokens as the business unit sees them: the list and revoking one.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::kernel::api_tokens;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render};

// ---- partner API tokens, for the business unit ----

#[derive(Template)]
#[template(path = "accounts/templates/api_tokens.html")]
struct ApiTokensPage {
    chrome: Chrome,
    tokens: Vec<api_tokens::PartnershipToken>,
}

pub async fn api_token_list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let tokens = api_tokens::tokens_of_partnership(&state.db, ctx.partnership()?).await?;
    render(&ApiTokensPage {
        chrome: ctx.chrome(&state).await?,
        tokens,
    })
}

pub async fn revoke_api_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut tx = state.db.begin_write().await?;
    let token = api_tokens::find_live_token_of_partnership(&mut tx, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    api_tokens::revoke_token(&mut tx, token.organisation_id, token.id).await?;
    api_tokens::record_revocations(
        &mut tx,
        &ctx.actor()?,
        &[(token.id, token.label.clone())],
        "by the business unit",
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!("Token “{}” revoked: it no longer works", token.label),
    )
    .await?;
    Ok(Redirect::to("/users/api-tokens").into_response())
}
