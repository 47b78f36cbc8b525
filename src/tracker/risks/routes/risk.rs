//! One risk: its page, recording a risk and editing it.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::*;
use crate::kernel::filters;
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{AppResult, AppState, Chrome, Ctx, Loaded, render, render_refused};
use crate::tracker::risks::model::*;
use crate::tracker::risks::store;

// ------------------------------------------------------------------------------ one risk

#[derive(Template)]
#[template(path = "tracker/risks/templates/risk.html")]
struct RiskPage {
    chrome: Chrome,
    risk: Risk,
    review: ReviewState,
    controls: Vec<Control>,
    history: Vec<ScoreRecord>,
    can_manage: bool,
    /// Recommendations raised against this risk in the improvement tracker, and their actions.
    tracker_actions: crate::tracker::SourceActions,
    can_record: bool,
}

pub async fn risk_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(risk): Loaded<Risk>,
) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let id = risk.id;
    render(&RiskPage {
        tracker_actions: crate::tracker::actions_from(
            &state,
            scope.partnership(),
            crate::tracker::model::SourceKind::Risk,
            id.get(),
        )
        .await?,
        can_record: ctx.user()?.can(Permission::ManageTracker),
        review: risk.review(today()),
        controls: store::controls(scope, id).await?,
        history: store::score_history(scope, id).await?,
        can_manage: can_manage(&ctx)?,
        chrome: ctx.chrome(&state).await?,
        risk,
    })
}

// ------------------------------------------------------------------------ create and edit

#[derive(Template)]
#[template(path = "tracker/risks/templates/risk_form.html")]
struct RiskFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: RiskForm,
    /// None for a new risk.
    risk: Option<Risk>,
    organisations: crate::kernel::choices::GroupedChoices,
    likelihoods: Vec<(String, String)>,
    impacts: Vec<(String, String)>,
}

async fn risk_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: RiskForm,
    risk: Option<Risk>,
) -> AppResult<RiskFormPage> {
    let organisations =
        crate::partnership::organisation_select(ctx.scope(state)?, "Choose an organisation")
            .await?;
    Ok(RiskFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        risk,
        organisations,
        likelihoods: level_choices(&LIKELIHOOD_LABELS),
        impacts: level_choices(&IMPACT_LABELS),
    })
}

pub async fn new_risk_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(
        &risk_form_page(
            &state,
            &ctx,
            FormErrors::default(),
            RiskForm::default(),
            None,
        )
        .await?,
    )
}

pub async fn create_risk(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<RiskForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    // Only the partnership's organisations may own its risks: another's id is refused.
    let organisations: Vec<(OrganisationId, String)> =
        crate::partnership::organisation_choices(scope).await?;
    let mut errors = FormErrors::default();
    let valid = form.validate_new(&mut errors, &organisations, today());
    if let Some((details, _)) = &valid
        && store::reference_taken(scope, &details.reference, None).await?
    {
        errors.add("reference", "A risk with this reference already exists");
    }
    let Some((details, first)) = valid.filter(|_| errors.is_empty()) else {
        return render_refused(&risk_form_page(&state, &ctx, errors, form, None).await?);
    };
    let mut change = ctx.change(&state).await?;
    let id = store::insert_risk(&mut change, &details, &first, &ctx.user()?.display_name).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Risk {} added to the register", details.reference),
    )
    .await?;
    Ok(Redirect::to(&format!("/tracker/risks/{id}")).into_response())
}

pub async fn edit_risk_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(risk): Loaded<Risk>,
) -> AppResult<impl IntoResponse> {
    let form = RiskForm::from_risk(&risk);
    render(&risk_form_page(&state, &ctx, FormErrors::default(), form, Some(risk)).await?)
}

pub async fn update_risk(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(risk): Loaded<Risk>,
    Form(form): Form<RiskForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let id = risk.id;
    let organisations: Vec<(OrganisationId, String)> =
        crate::partnership::organisation_choices(scope).await?;
    let mut errors = FormErrors::default();
    let details = form.validate_details(&mut errors, &organisations);
    if let Some(details) = &details
        && store::reference_taken(scope, &details.reference, Some(id)).await?
    {
        errors.add("reference", "A risk with this reference already exists");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&risk_form_page(&state, &ctx, errors, form, Some(risk)).await?);
    };
    let mut change = ctx.change(&state).await?;
    store::update_details(&mut change, &risk, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("Risk {} updated", details.reference))
        .await?;
    Ok(Redirect::to(&format!("/tracker/risks/{id}")).into_response())
}
