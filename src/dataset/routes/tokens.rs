//! API tokens: listing, creating and revoking an organisation's tokens.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dataset::store::{self};
use crate::kernel::api_tokens::ApiTokenId;
use crate::kernel::auth::{self};
use crate::kernel::filters;
use crate::kernel::http::raw_cookie;
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

/// A new token travels from its creation to the tokens page in this cookie, for a minute, so
/// the page that shows it once is a GET (post/redirect/get) and only its hash is ever stored.
const NEW_TOKEN_COOKIE: &str = "masa_new_api_token";

/// The new token in the request's cookie, if it has the shape of one of ours.
fn new_token_in(headers: &HeaderMap) -> Option<String> {
    raw_cookie(headers, NEW_TOKEN_COOKIE).filter(|value| {
        value.starts_with("masa_")
            && value.len() <= 100
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

fn new_token_cookie(value: &str, max_age: u32) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{NEW_TOKEN_COOKIE}={value}; Path=/dataset/tokens; HttpOnly; SameSite=Strict; Secure; Max-Age={max_age}"
    ))
    .ok()
}

pub async fn tokens(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (organisation_id, organisation_name) = own_organisation(&state, &ctx).await?;
    let tokens = store::tokens_of(&state.db, organisation_id.get()).await?;
    let new_token = new_token_in(&headers);
    let mut response = render(&TokensPage {
        chrome: ctx.chrome(&state).await?,
        organisation_name,
        tokens,
        new_token: new_token.clone(),
        errors: FormErrors::default(),
    })?
    .into_response();
    // Shown once: the cookie goes with this page.
    if new_token.is_some()
        && let Some(spent) = new_token_cookie("", 0)
    {
        response.headers_mut().append(header::SET_COOKIE, spent);
    }
    Ok(response)
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
    // Shown once, on the tokens page: only its hash is kept.
    let mut response = Redirect::to("/dataset/tokens").into_response();
    if let Some(cookie) = new_token_cookie(&token, 60) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
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
