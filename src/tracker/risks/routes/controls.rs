//! A risk's controls: adding one and retiring it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::*;
use crate::kernel::ids::RiskId;
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, Loaded, render, render_refused};
use crate::tracker::risks::model::*;
use crate::tracker::risks::store;

// -------------------------------------------------------------------------------- controls

#[derive(Template)]
#[template(path = "tracker/risks/templates/control_form.html")]
struct ControlFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: ControlForm,
    risk: Risk,
    effectiveness: Vec<(&'static str, &'static str)>,
}

pub async fn new_control_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(risk): Loaded<Risk>,
) -> AppResult<impl IntoResponse> {
    render(&ControlFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: ControlForm {
            effectiveness: Effectiveness::NotAssessed.code().to_owned(),
            ..ControlForm::default()
        },
        risk,
        effectiveness: Effectiveness::choices(),
    })
}

pub async fn add_control(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(risk): Loaded<Risk>,
    Form(form): Form<ControlForm>,
) -> AppResult<Response> {
    let id = risk.id;
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors) else {
        return render_refused(&ControlFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            risk,
            effectiveness: Effectiveness::choices(),
        });
    };
    let mut change = ctx.change(&state).await?;
    store::insert_control(&mut change, id, &risk.details.reference, &details).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Control added to risk {}", risk.details.reference),
    )
    .await?;
    Ok(Redirect::to(&format!("/tracker/risks/{id}")).into_response())
}

pub async fn retire_control(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, control_id)): Path<(RiskId, ControlId)>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let risk = find(scope, id).await?;
    let control = store::find_control(scope, id, control_id)
        .await?
        .filter(|control| control.retired_at.is_none())
        .ok_or(AppError::NotFound)?;
    let mut change = ctx.change(&state).await?;
    store::retire_control(&mut change, &risk.details.reference, &control).await?;
    change.commit().await?;
    ctx.flash(&state, "Control retired: it stays in the audit trail")
        .await?;
    Ok(Redirect::to(&format!("/tracker/risks/{id}")).into_response())
}
