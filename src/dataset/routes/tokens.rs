//! API tokens: listing, creating and revoking an organisation's tokens.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dataset::store::{self};
use crate::kernel::audit::AuditAction;
use crate::kernel::auth::{self};
use crate::kernel::filters;
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render, render_refused};
use crate::partnership;

use super::record;

#[derive(Template)]
#[template(path = "dataset/templates/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    organisation_name: String,
    tokens: Vec<store::ApiToken>,
    new_token: Option<String>,
    errors: FormErrors,
}

async fn own_organisation(state: &AppState, ctx: &Ctx) -> AppResult<(i64, String)> {
    let id = ctx.user()?.organisation_id.ok_or_else(|| {
        AppError::BadRequest(
            "API tokens belong to an organisation, and your account has none.".into(),
        )
    })?;
    let name = partnership::organisation_name(
        ctx.scope(state)?,
        crate::kernel::ids::OrganisationId::new(id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((id, name))
}

pub async fn tokens(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let (organisation_id, organisation_name) = own_organisation(&state, &ctx).await?;
    let tokens = store::tokens_of(&state.db, organisation_id).await?;
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
        let tokens = store::tokens_of(&state.db, organisation_id).await?;
        return render_refused(&TokensPage {
            chrome: ctx.chrome(&state).await?,
            organisation_name,
            tokens,
            new_token: None,
            errors,
        });
    }
    let token = format!("masa_{}", auth::new_token());
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_token(
        &mut tx,
        organisation_id,
        &label,
        &auth::token_hash(&state.config.secret_key, &token),
        ctx.user()?.id,
    )
    .await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("api_token", id),
        format!("Created API token “{label}” for {organisation_name}"),
        (None, Some(serde_json::json!({ "label": label }))),
    )
    .await?;
    tx.commit().await?;
    let tokens = store::tokens_of(&state.db, organisation_id).await?;
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
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (organisation_id, _) = own_organisation(&state, &ctx).await?;
    let mut tx = state.db.begin_write().await?;
    if !store::revoke_token(&mut tx, organisation_id, id).await? {
        return Err(AppError::NotFound);
    }
    record(
        &mut tx,
        &ctx,
        AuditAction::Archive,
        ("api_token", id),
        "Revoked an API token".to_owned(),
        (None, None),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, "Token revoked: it no longer works")
        .await?;
    Ok(Redirect::to("/dataset/tokens").into_response())
}
