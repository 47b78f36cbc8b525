//! A drop's versions and decisions: starting a new version, what a submission needs, and
//! approving or returning it.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dataset::model::*;
use crate::dataset::store::{self, CollectionPeriod, DataDrop};
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Ctx, Loaded, render_refused};
use crate::partnership;

use super::drop_values::ValueLine;
use super::drops::{drop_page, may_prepare, refused_draft};
use super::is_manager;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    period: String,
    organisation_id: String,
}

/// Opens the draft for a period (a new version if the last was submitted, approved or returned).
pub async fn start_drop(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let scope = ctx.scope(&state)?;
    let organisation_id = if is_manager(user) {
        // Only one of the partnership's own organisations: another's id is refused as a
        // missing choice is.
        match form.organisation_id.parse::<OrganisationId>().ok() {
            Some(id) if partnership::organisation_name(scope, id).await?.is_some() => Some(id),
            _ => None,
        }
    } else {
        user.organisation_id
    };
    let Some(organisation_id) = organisation_id else {
        return Err(AppError::BadRequest(
            "Choose the organisation the data drop is for.".into(),
        ));
    };
    if !may_prepare(user, organisation_id) {
        return Err(AppError::Forbidden);
    }
    let period = Quarter::parse(&form.period).ok_or_else(|| {
        AppError::BadRequest("Choose a period that is open for data drops.".into())
    })?;
    let _open = store::find_period(scope, period)
        .await?
        .filter(CollectionPeriod::is_open)
        .ok_or_else(|| AppError::BadRequest(format!("{period} is not open for data drops.")))?;
    // Insert or find: the draft already open (perhaps started by a request a moment ago), or
    // a new one with its start recorded.
    let (id, _started) = store::open_or_start_draft(
        &state.db,
        &ctx.actor()?,
        organisation_id,
        period,
        Channel::WebForm,
    )
    .await
    .map_err(refused_draft)?;
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

/// What must be true before a drop is submitted: every indicator answered, unusual values
/// confirmed, the storyboard's four questions answered.
pub(super) fn check_ready(lines: &[ValueLine], storyboard: &Storyboard, errors: &mut FormErrors) {
    for line in lines {
        if line.value.is_empty() {
            errors.add(
                &line.field(),
                format!("{}: enter a value before submitting", line.indicator.code),
            );
        } else if line.outlier && !line.outlier_confirmed {
            errors.add(&format!("confirm_{}", line.indicator.id), format!("{}: {} is far outside its usual range – check it and tick to confirm it is right", line.indicator.code, line.value));
        }
    }
    for (field, question) in Storyboard::QUESTIONS {
        if storyboard.answer(field).is_empty() {
            errors.add(field, format!("Storyboard: answer “{question}”"));
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    comment: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let decision = match form.decision.as_str() {
        "approve" => Decision::Approve,
        "return" => Decision::Return,
        _ => {
            return Err(AppError::BadRequest(
                "Choose to approve or return the data drop.".into(),
            ));
        }
    };
    let comment = form.comment.trim().to_owned();
    let mut errors = FormErrors::default();
    if decision == Decision::Return && comment.is_empty() {
        errors.add(
            "comment",
            "Say what needs to change when returning a data drop",
        );
    }
    if comment.chars().count() > 2000 {
        errors.add("comment", "Comment must be 2000 characters or fewer");
    }
    if !errors.is_empty() {
        let mut page = drop_page(&state, &ctx, data_drop, None, Vec::new()).await?;
        page.errors = errors;
        page.decision_comment = comment;
        page.decision = form.decision.clone();
        return render_refused(&page);
    }
    let status = next_status(data_drop.status, DropAction::Decide(decision))
        .map_err(|message| AppError::BadRequest(message.into()))?;
    let mut change = ctx.change(&state).await?;
    if !store::decide(&mut change, &data_drop, status, &comment).await? {
        return Err(AppError::BadRequest(
            "Someone else decided on this data drop at the same moment. Reload the page.".into(),
        ));
    }
    change.commit().await?;
    let verb = if status == DropStatus::Approved {
        "Approved"
    } else {
        "Returned"
    };
    ctx.flash(
        &state,
        &format!(
            "{verb} {}'s data drop for {}",
            data_drop.organisation_name, data_drop.period
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/dataset/drops/{}", data_drop.id)).into_response())
}
