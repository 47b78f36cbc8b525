//! A drop's versions and decisions: starting a new version, what a submission needs, and
//! approving or returning it.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dataset::model::*;
use crate::dataset::store::{self, CollectionPeriod, DataDrop, DropFilter};
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

/// Opens the draft for a period (a new version if the last was returned). Approved figures
/// are not redrafted here: the person is sent to the approved drop, whose page offers
/// "Revise approved figures" ([`revise_drop`]).
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
    // Approved figures are revised only by their own action, on the approved drop's page,
    // which says what revising means; an open revision is continued as any draft is.
    let versions = store::list_drops(
        scope,
        &DropFilter {
            organisation_id: Some(organisation_id),
            period: Some(period),
            ..DropFilter::default()
        },
    )
    .await?;
    let open = versions
        .iter()
        .any(|v| matches!(v.status, DropStatus::Draft | DropStatus::Submitted));
    if let Some(approved) = versions.iter().find(|v| v.status == DropStatus::Approved)
        && !open
    {
        ctx.flash(
            &state,
            &format!(
                "{}'s figures for {period} are approved. To change them, choose ‘Revise approved figures’.",
                approved.organisation_name
            ),
        )
        .await?;
        return Ok(Redirect::to(&format!("/dataset/drops/{}", approved.id)).into_response());
    }
    start_version(&state, &ctx, organisation_id, period).await
}

/// Starts a revision of approved figures: a new draft from the newest version, which is
/// checked by the business unit again; the approved figures stay on the scorecard until the
/// revision is approved.
pub async fn revise_drop(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
) -> AppResult<Response> {
    if !may_prepare(ctx.user()?, data_drop.organisation_id) {
        return Err(AppError::Forbidden);
    }
    if data_drop.status != DropStatus::Approved {
        return Err(AppError::BadRequest(format!(
            "Version {} is {}: only the approved figures can be revised.",
            data_drop.version,
            data_drop.status.label().to_lowercase()
        )));
    }
    start_version(&state, &ctx, data_drop.organisation_id, data_drop.period).await
}

/// Opens the organisation's draft for the period (a new version if none is open) and says
/// where the new version's figures and storyboard came from.
async fn start_version(
    state: &AppState,
    ctx: &Ctx,
    organisation_id: OrganisationId,
    period: Quarter,
) -> AppResult<Response> {
    // Insert or find: the draft already open (perhaps started by a request a moment ago), or
    // a new one with its start recorded.
    let (id, started) = store::open_or_start_draft(
        &state.db,
        &ctx.actor()?,
        organisation_id,
        period,
        Channel::WebForm,
    )
    .await
    .map_err(refused_draft)?;
    if started
        && let Some(draft) = store::find_drop(ctx.scope(state)?, id).await?
        && draft.version > 1
    {
        let versions = store::list_drops(
            ctx.scope(state)?,
            &DropFilter {
                organisation_id: Some(organisation_id),
                period: Some(period),
                ..DropFilter::default()
            },
        )
        .await?;
        let from = versions.iter().find(|v| v.version == draft.version - 1);
        let revising = versions.iter().any(|v| v.status == DropStatus::Approved);
        ctx.flash(state, &started_message(&draft, from, revising))
            .await?;
    }
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

/// What a new version's confirmation says: its number, where its figures and storyboard came
/// from (the version before it, which [`store::start_draft`] copies), and, for a revision,
/// that the approved figures stand until it is approved.
fn started_message(draft: &DataDrop, from: Option<&DataDrop>, revising: bool) -> String {
    let mut message = format!(
        "Started version {} of {}'s data drop for {}",
        draft.version, draft.organisation_name, draft.period
    );
    if let Some(from) = from {
        message.push_str(&format!(
            ", from version {}'s figures and storyboard ({})",
            from.version,
            from.status.label().to_lowercase()
        ));
    }
    message.push('.');
    if revising {
        message.push_str(
            " The approved figures stay on the scorecard until the business unit approves this revision.",
        );
    }
    message
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
        "approve" => Some(Decision::Approve),
        "return" => Some(Decision::Return),
        _ => None,
    };
    let comment = form.comment.trim().to_owned();
    let mut errors = FormErrors::default();
    if decision.is_none() {
        errors.add(
            "decision",
            "Choose whether to approve the data drop or return it for changes",
        );
    }
    if decision == Some(Decision::Return) && comment.is_empty() {
        errors.add(
            "comment",
            "Say what needs to change when returning a data drop",
        );
    }
    if comment.chars().count() > 2000 {
        errors.add("comment", "Comment must be 2000 characters or fewer");
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        let mut page = drop_page(&state, &ctx, data_drop, None, Vec::new()).await?;
        page.errors = errors;
        page.decision_comment = comment;
        page.decision = form.decision.clone();
        return render_refused(&page);
    };
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
