//! A risk's controls: adding one and retiring it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::*;
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render, render_refused};
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let risk = find(&state, &ctx, id).await?;
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
    Path(id): Path<i64>,
    Form(form): Form<ControlForm>,
) -> AppResult<Response> {
    let risk = find(&state, &ctx, id).await?;
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
    let mut tx = state.db.begin_write().await?;
    let control_id = store::insert_control(&mut tx, id, &details).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "risk_control",
            entity_id: Some(control_id),
            summary: format!("Added a control to risk {}", risk.details.reference),
            before: None,
            after: Some(serde_json::json!({ "risk_id": id, "control": details })),
        },
    )
    .await?;
    tx.commit().await?;
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
    Path((id, control_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let risk = find(&state, &ctx, id).await?;
    let control = store::find_control(&state.db, id, control_id)
        .await?
        .filter(|control| control.retired_at.is_none())
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin_write().await?;
    store::retire_control(&mut tx, control_id).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Archive,
            entity_type: "risk_control",
            entity_id: Some(control_id),
            summary: format!("Retired a control of risk {}", risk.details.reference),
            before: Some(snapshot(&control.details)),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, "Control retired: it stays in the audit trail")
        .await?;
    Ok(Redirect::to(&format!("/tracker/risks/{id}")).into_response())
}
