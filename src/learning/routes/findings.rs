//! A review's findings: adding one with its themes, and archiving one.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::super::model::*;
use super::super::store;
use super::reviews::{refuse_if_archived, review_page_for};
use super::{form_pairs, value, values};
use crate::kernel::ids::ReviewId;
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Ctx, Loaded, Lookup, render_refused};

pub async fn add_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(review): Loaded<LearningReview>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    refuse_if_archived(&review)?;
    let id = review.id;
    let pairs = form_pairs(&body)?;
    let finding = value(&pairs, "finding");
    let chosen = values(&pairs, "themes");
    // Only the partnership's own themes, not archived, may tag a finding.
    let known: Vec<ThemeId> = store::list_themes(ctx.scope(&state)?, false)
        .await?
        .iter()
        .map(|theme| theme.id)
        .collect();
    let mut errors = FormErrors::default();
    let Some(details) = check_finding(&finding, &chosen, &known, &mut errors) else {
        return render_refused(
            &review_page_for(&state, &ctx, review, finding, &chosen, errors).await?,
        );
    };
    let mut change = ctx.change(&state).await?;
    store::insert_finding(&mut change, &review, &details).await?;
    change.commit().await?;
    ctx.flash(&state, "Finding added").await?;
    Ok(Redirect::to(&format!("/learning/reviews/{id}#findings")).into_response())
}

pub async fn archive_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, finding_id)): Path<(ReviewId, FindingId)>,
) -> AppResult<Response> {
    // Two ids: the review is looked up as `Loaded` would, the finding must be one of it.
    let review = LearningReview::look_up(&state, &ctx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let finding = store::find_finding(ctx.scope(&state)?, finding_id)
        .await?
        .filter(|finding| finding.review_id == id)
        .ok_or(AppError::NotFound)?;
    if finding.archived_at.is_none() {
        let mut change = ctx.change(&state).await?;
        store::archive_finding(&mut change, &review, &finding).await?;
        change.commit().await?;
        ctx.flash(&state, "Finding archived").await?;
    }
    Ok(Redirect::to(&format!("/learning/reviews/{id}#findings")).into_response())
}
