//! API tokens: listing, creating and revoking an organisation's tokens.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dataset::store::{self};
use crate::kernel::api_tokens::ApiTokenId;
use crate::kernel::auth::{self};
use crate::kernel::filters;
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render, render_refused};
use crate::partnership;

#[derive(Template)]
#[template(path = "dataset/templates/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    organisation_name: String,
    tokens: Vec<store::ApiToken>,
    new_token: Option<String>,
    errors: FormErrors,
}

async fn own_organisation(state: &AppState, ctx: &Ctx) -> AppResult<(OrganisationId, String)> {
    let id = ctx.user()?.organisation_id.ok_or_else(|| {
        AppError::BadRequest(
            "API tokens belong to an organisation, and your account has none.".into(),
        )
    })?;
    let name = partnership::organisation_name(ctx.scope(state)?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((id, name))
}

pub async fn tokens(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let (organisation_id, organisation_name) = own_organisation(&state, &ctx).await?;
    let tokens = store::tokens_of(&state.db, organisation_id.get()).await?;
    render(&TokensPage {
        chrome: ctx.chrome(&state).await?,
        organisation_name,
        tokens,
        new_token: None,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    label: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let (organisation_id, organisation_name) = own_organisation(&state, &ctx).await?;
    let mut errors = FormErrors::default();
    let label = errors.required_text("label", "What the token is for", &form.label, 100);
    if !errors.is_empty() {
        let tokens = store::tokens_of(&state.db, organisation_id.get()).await?;
        return render_refused(&TokensPage {
            chrome: ctx.chrome(&state).await?,
            organisation_name,
            tokens,
            new_token: None,
            errors,
        });
    }
    let token = format!("masa_{}", auth::new_token());
    let mut change = ctx.change(&state).await?;
    store::create_token(
        &mut change,
        (organisation_id, &organisation_name),
        &label,
        &auth::token_hash(&state.config.secret_key, &token),
        ctx.user()?.user_id(),
    )
    .await?;
    change.commit().await?;
    let tokens = store::tokens_of(&state.db, organisation_id.get()).await?;
    // Shown once: only its hash is kept.
    Ok(render(&TokensPage {
        chrome: ctx.chrome(&state).await?,
        organisation_name,
        tokens,
        new_token: Some(token),
        errors: FormErrors::default(),
    })?
    .into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApiTokenId>,
) -> AppResult<Response> {
    let (organisation_id, _) = own_organisation(&state, &ctx).await?;
    let mut change = ctx.change(&state).await?;
    if !store::revoke_organisation_token(&mut change, organisation_id, id).await? {
        return Err(AppError::NotFound);
    }
    change.commit().await?;
    ctx.flash(&state, "Token revoked: it no longer works")
        .await?;
    Ok(Redirect::to("/dataset/tokens").into_response())
}
