//! One risk: its page, recording a risk and editing it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::*;
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{AppResult, AppState, Chrome, Ctx, render, render_refused};
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let risk = find(&state, &ctx, id).await?;
    render(&RiskPage {
        tracker_actions: crate::tracker::actions_from(
            &state,
            ctx.user()?.partnership(),
            crate::tracker::model::SourceKind::Risk,
            id,
        )
        .await?,
        can_record: ctx.user()?.can(Permission::ManageTracker),
        review: risk.review(today()),
        controls: store::controls(&state.db, id).await?,
        history: store::score_history(&state.db, id).await?,
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
    organisations: Vec<(String, String)>,
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
    let mut organisations = vec![(String::new(), "Choose an organisation".to_owned())];
    organisations.extend(
        crate::partnership::organisation_choices(ctx.scope(state)?)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name)),
    );
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
    let partnership_id = ctx.partnership()?;
    // Only the partnership's organisations may own its risks: another's id is refused.
    let organisations: Vec<(i64, String)> =
        crate::partnership::organisation_choices(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ))
        .await?
        .into_iter()
        .map(|(id, name)| (id.get(), name))
        .collect();
    let mut errors = FormErrors::default();
    let valid = form.validate_new(&mut errors, &organisations, today());
    if let Some((details, _)) = &valid
        && store::reference_taken(&state.db, partnership_id, &details.reference, None).await?
    {
        errors.add("reference", "A risk with this reference already exists");
    }
    let Some((details, first)) = valid.filter(|_| errors.is_empty()) else {
        return render_refused(&risk_form_page(&state, &ctx, errors, form, None).await?);
    };
    let actor = ctx.actor()?;
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_risk(
        &mut tx,
        partnership_id,
        &details,
        &first,
        &ctx.user()?.display_name,
    )
    .await?;
    audit::record(
        &mut tx,
        &actor,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "risk",
            entity_id: Some(id),
            summary: format!("Added risk {}: {}", details.reference, details.title),
            before: None,
            after: Some(snapshot(&(&details, &first))),
        },
    )
    .await?;
    tx.commit().await?;
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let risk = find(&state, &ctx, id).await?;
    let form = RiskForm::from_risk(&risk);
    render(&risk_form_page(&state, &ctx, FormErrors::default(), form, Some(risk)).await?)
}

pub async fn update_risk(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RiskForm>,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let risk = find(&state, &ctx, id).await?;
    let organisations: Vec<(i64, String)> =
        crate::partnership::organisation_choices(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ))
        .await?
        .into_iter()
        .map(|(id, name)| (id.get(), name))
        .collect();
    let mut errors = FormErrors::default();
    let details = form.validate_details(&mut errors, &organisations);
    if let Some(details) = &details
        && store::reference_taken(&state.db, partnership_id, &details.reference, Some(id)).await?
    {
        errors.add("reference", "A risk with this reference already exists");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&risk_form_page(&state, &ctx, errors, form, Some(risk)).await?);
    };
    let mut tx = state.db.begin_write().await?;
    store::update_details(&mut tx, id, &details).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "risk",
            entity_id: Some(id),
            summary: format!("Updated risk {}: {}", details.reference, details.title),
            before: Some(snapshot(&risk.details)),
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("Risk {} updated", details.reference))
        .await?;
    Ok(Redirect::to(&format!("/tracker/risks/{id}")).into_response())
}
