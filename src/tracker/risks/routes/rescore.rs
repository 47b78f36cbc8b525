//! Re-scoring a risk, and closing or tolerating it.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::*;
use crate::kernel::db::retrying;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, Loaded, render, render_refused};
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
    Loaded(risk): Loaded<Risk>,
) -> AppResult<impl IntoResponse> {
    let form = RescoreForm {
        scores: ScoreInputs::from_scores(risk.inherent, risk.residual),
        rationale: String::new(),
    };
    render(&rescore_page_for(&state, &ctx, risk, form, FormErrors::default()).await?)
}

pub async fn rescore(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(risk): Loaded<Risk>,
    Form(form): Form<RescoreForm>,
) -> AppResult<Response> {
    let id = risk.id;
    let mut errors = FormErrors::default();
    if risk.status == RiskStatus::Closed {
        errors.add("rationale", "A closed risk is not re-scored");
    }
    let rescore = form.validate(&mut errors, today());
    let Some(rescore) = rescore.filter(|_| errors.is_empty()) else {
        return render_refused(&rescore_page_for(&state, &ctx, risk, form, errors).await?);
    };
    let scored_by = &ctx.user()?.display_name;
    // Judged against the risk as it is inside the change, not as the page read it.
    let rescored = retrying(|| async {
        let mut change = ctx.change(&state).await?;
        let now = store::standing(&mut change, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if now.status == RiskStatus::Closed {
            return Ok(false);
        }
        store::rescore(
            &mut change,
            id,
            &risk.details.reference,
            &now,
            &rescore,
            scored_by,
        )
        .await?;
        change.commit().await?;
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
    Loaded(risk): Loaded<Risk>,
) -> AppResult<impl IntoResponse> {
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
    Loaded(risk): Loaded<Risk>,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    let id = risk.id;
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
    let mut change = ctx.change(&state).await?;
    // The closure was judged against the status the page read; it stands only over that one.
    let now = store::standing(&mut change, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if now.status != risk.status {
        return Err(AppError::BadRequest(
            "Someone else changed this risk at the same moment. Reload the page and try again."
                .into(),
        ));
    }
    store::close(
        &mut change,
        id,
        &risk.details.reference,
        risk.status,
        &closure,
    )
    .await?;
    change.commit().await?;
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
