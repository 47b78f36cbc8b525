//! Partner API tokens as the business unit sees them: the list and revoking one.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::kernel::api_tokens;
use crate::kernel::filters;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render};

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
    let tokens = api_tokens::tokens_of_partnership(ctx.scope(&state)?).await?;
    render(&ApiTokensPage {
        chrome: ctx.chrome(&state).await?,
        tokens,
    })
}

pub async fn revoke_api_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<api_tokens::ApiTokenId>,
) -> AppResult<Response> {
    let mut change = ctx.change(&state).await?;
    let token = api_tokens::revoke_partnership_token(&mut change, id)
        .await?
        .ok_or(AppError::NotFound)?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Token “{}” revoked: it no longer works", token.label),
    )
    .await?;
    Ok(Redirect::to("/users/api-tokens").into_response())
}
