//! Re-scoring a risk, and closing or tolerating it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::*;
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::db::retrying;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render, render_refused};
use crate::tracker::risks::model::*;
use crate::tracker::risks::store;

// -------------------------------------------------------------------------------- re-score

#[derive(Template)]
#[template(path = "tracker/risks/templates/rescore.html")]
struct RescorePage {
    chrome: Chrome,
    errors: FormErrors,
    form: RescoreForm,
    risk: Risk,
    likelihoods: Vec<(String, String)>,
    impacts: Vec<(String, String)>,
}

async fn rescore_page_for(
    state: &AppState,
    ctx: &Ctx,
    risk: Risk,
    form: RescoreForm,
    errors: FormErrors,
) -> AppResult<RescorePage> {
    Ok(RescorePage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        risk,
        likelihoods: level_choices(&LIKELIHOOD_LABELS),
        impacts: level_choices(&IMPACT_LABELS),
    })
}

pub async fn rescore_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let risk = find(&state, &ctx, id).await?;
    let form = RescoreForm {
        scores: ScoreInputs::from_scores(risk.inherent, risk.residual),
        rationale: String::new(),
    };
    render(&rescore_page_for(&state, &ctx, risk, form, FormErrors::default()).await?)
}

pub async fn rescore(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RescoreForm>,
) -> AppResult<Response> {
    let risk = find(&state, &ctx, id).await?;
    let mut errors = FormErrors::default();
    if risk.status == RiskStatus::Closed {
        errors.add("rationale", "A closed risk is not re-scored");
    }
    let rescore = form.validate(&mut errors, today());
    let Some(rescore) = rescore.filter(|_| errors.is_empty()) else {
        return render_refused(&rescore_page_for(&state, &ctx, risk, form, errors).await?);
    };
    let actor = ctx.actor()?;
    let scored_by = &ctx.user()?.display_name;
    // Judged against the risk as it is inside the transaction, not as the page read it.
    let rescored = retrying(|| async {
        let mut tx = state.db.begin_write().await?;
        let now = store::standing_locked(&mut tx, actor.partnership_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if now.status == RiskStatus::Closed {
            return Ok(false);
        }
        store::rescore(&mut tx, id, &rescore, scored_by).await?;
        audit::record(
            &mut tx,
            &actor,
            AuditEntry {
                action: AuditAction::Update,
                entity_type: "risk",
                entity_id: Some(id),
                summary: format!(
                    "Re-scored risk {}: residual {} (was {})",
                    risk.details.reference,
                    rescore.residual.describe(),
                    now.residual.describe()
                ),
                before: Some(
                    serde_json::json!({ "inherent": now.inherent, "residual": now.residual }),
                ),
                after: Some(snapshot(&rescore)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(true)
    })
    .await?;
    if !rescored {
        errors.add("rationale", "A closed risk is not re-scored");
        return render_refused(&rescore_page_for(&state, &ctx, risk, form, errors).await?);
    }
    ctx.flash(
        &state,
        &format!("Risk {} re-scored", risk.details.reference),
    )
    .await?;
    Ok(Redirect::to(&format!("/tracker/risks/{id}")).into_response())
}

// ---------------------------------------------------------------------------------- close

#[derive(Template)]
#[template(path = "tracker/risks/templates/close.html")]
struct ClosePage {
    chrome: Chrome,
    errors: FormErrors,
    form: CloseForm,
    risk: Risk,
}

pub async fn close_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let risk = find(&state, &ctx, id).await?;
    render(&ClosePage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: CloseForm::default(),
        risk,
    })
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    let risk = find(&state, &ctx, id).await?;
    let mut errors = FormErrors::default();
    let closure = form.validate(&mut errors, risk.status, today());
    let Some(closure) = closure else {
        return render_refused(&ClosePage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            risk,
        });
    };
    let mut tx = state.db.begin_write().await?;
    // The closure was judged against the status the page read; it stands only over that one.
    let now = store::standing_locked(&mut tx, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if now.status != risk.status {
        return Err(AppError::BadRequest(
            "Someone else changed this risk at the same moment. Reload the page and try again."
                .into(),
        ));
    }
    store::close(&mut tx, id, &closure).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "risk",
            entity_id: Some(id),
            summary: format!(
                "{} risk {}",
                match closure.status {
                    RiskStatus::Tolerated => "Tolerated",
                    _ => "Closed",
                },
                risk.details.reference
            ),
            before: Some(serde_json::json!({ "status": risk.status })),
            after: Some(snapshot(&closure)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "Risk {} is now {}",
            risk.details.reference,
            closure.status.label().to_lowercase()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/tracker/risks/{id}")).into_response())
}
