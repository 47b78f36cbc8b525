//! Risk register pages. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::model::*;
use super::store;
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::db::retrying;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Permission, render, render_refused,
};

fn can_manage(ctx: &Ctx) -> AppResult<bool> {
    Ok(ctx.user()?.can(Permission::ManageRiskRegister))
}

/// One of the signed-in user's partnership's risks; 404 for another partnership's.
async fn find(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Risk> {
    store::find_risk(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)
}

// ------------------------------------------------------------------------------ the register

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterQuery {
    pub status: String,
    pub owner: String,
    pub sort: String,
}

#[derive(Template)]
#[template(path = "tracker/risks/templates/register.html")]
struct RegisterPage {
    chrome: Chrome,
    /// Each risk with its review tag (class, text), if due soon or overdue.
    risks: Vec<(Risk, Option<(&'static str, String)>)>,
    overdue: Vec<(Risk, Option<(&'static str, String)>)>,
    query: RegisterQuery,
    status_choices: Vec<(&'static str, &'static str)>,
    owner_choices: Vec<(String, String)>,
    sort_choices: Vec<(&'static str, &'static str)>,
    risks_caption: String,
    /// The filter selects have no errors.
    no_error: Option<&'static str>,
    can_manage: bool,
}

fn with_review_tag(
    risks: Vec<Risk>,
    today: time::Date,
) -> Vec<(Risk, Option<(&'static str, String)>)> {
    risks
        .into_iter()
        .map(|risk| {
            let tag = risk.review(today).tag();
            (risk, tag)
        })
        .collect()
}

const STATUS_FILTERS: [(&str, &str); 5] = [
    ("", "Open and tolerated"),
    ("open", "Open"),
    ("tolerated", "Tolerated"),
    ("closed", "Closed"),
    ("all", "All"),
];

const SORTS: [(&str, &str); 3] = [
    ("", "Overdue reviews, then highest residual score"),
    ("inherent", "Highest inherent score"),
    ("reference", "Reference"),
];

pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<RegisterQuery>,
) -> AppResult<impl IntoResponse> {
    let partnership_id = ctx.partnership()?;
    let today = today();
    let mut risks = store::list_risks(&state.db, partnership_id).await?;
    register_order(&mut risks, today);
    let overdue: Vec<Risk> = risks
        .iter()
        .filter(|risk| risk.review(today).is_overdue())
        .cloned()
        .collect();
    let owner = query.owner.parse::<i64>().ok();
    risks.retain(|risk| {
        let status_matches = match query.status.as_str() {
            "all" => true,
            code => match RiskStatus::from_code(code) {
                Some(status) => risk.status == status,
                None => risk.status.is_live(),
            },
        };
        status_matches && owner.is_none_or(|owner| risk.details.owner_organisation_id == owner)
    });
    match query.sort.as_str() {
        "inherent" => risks.sort_by(|a, b| {
            b.inherent
                .value()
                .cmp(&a.inherent.value())
                .then(a.details.reference.cmp(&b.details.reference))
        }),
        "reference" => risks.sort_by(|a, b| a.details.reference.cmp(&b.details.reference)),
        _ => {}
    }
    let mut owner_choices = vec![(String::new(), "All owners".to_owned())];
    owner_choices.extend(
        crate::partnership::organisation_choices(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ))
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name)),
    );
    render(&RegisterPage {
        risks_caption: format!(
            "{} risk{}",
            risks.len(),
            if risks.len() == 1 { "" } else { "s" }
        ),
        no_error: None,
        can_manage: can_manage(&ctx)?,
        chrome: ctx.chrome(&state).await?,
        risks: with_review_tag(risks, today),
        overdue: with_review_tag(overdue, today),
        query,
        status_choices: STATUS_FILTERS.to_vec(),
        owner_choices,
        sort_choices: SORTS.to_vec(),
    })
}

// ------------------------------------------------------------------------------- heat map

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HeatMapQuery {
    pub basis: String,
}

#[derive(Template)]
#[template(path = "tracker/risks/templates/heat_map.html")]
struct HeatMapPage {
    chrome: Chrome,
    basis: Basis,
    other: Basis,
    svg: String,
    /// Rows from likelihood 5 down to 1: (likelihood, label, counts by impact 1..5).
    rows: Vec<(u8, &'static str, [u32; 5])>,
    total: u32,
}

pub async fn heat_map(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HeatMapQuery>,
) -> AppResult<impl IntoResponse> {
    let basis = Basis::from_query(&query.basis);
    let risks = store::list_risks(&state.db, ctx.partnership()?).await?;
    let counts = heat_map_counts(&risks, basis);
    let tone = |likelihood: u8, impact: u8| {
        Score::new(likelihood, impact)
            .map(|score| score.rating().heat_tone())
            .unwrap_or(masa_charts::HeatTone::Low)
    };
    let title = format!(
        "{} risk: open and tolerated risks by likelihood and impact",
        basis.label()
    );
    let svg = masa_charts::heat_map_svg(
        &masa_charts::HeatMap {
            title: &title,
            counts,
            tone: &tone,
        },
        "risk-heat-map",
    );
    let rows = (1..=5u8)
        .rev()
        .map(|likelihood| {
            (
                likelihood,
                LIKELIHOOD_LABELS[usize::from(likelihood - 1)],
                counts[usize::from(likelihood - 1)],
            )
        })
        .collect();
    render(&HeatMapPage {
        chrome: ctx.chrome(&state).await?,
        basis,
        other: match basis {
            Basis::Residual => Basis::Inherent,
            Basis::Inherent => Basis::Residual,
        },
        svg,
        rows,
        total: counts.iter().flatten().sum(),
    })
}

// ------------------------------------------------------------------------------ export

pub async fn register_xlsx(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let today = today();
    let mut risks = store::list_risks(&state.db, partnership_id).await?;
    register_order(&mut risks, today);
    let controls = store::all_controls(&state.db, partnership_id).await?;
    let mut histories = Vec::with_capacity(risks.len());
    for risk in &risks {
        histories.push((
            risk.details.reference.clone(),
            store::score_history(&state.db, risk.id).await?,
        ));
    }
    let bytes = super::export::register_workbook(&risks, &controls, &histories, today)
        .map_err(|error| AppError::Internal(format!("could not write the spreadsheet: {error}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"masa-risk-register-{today}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

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
            ctx.partnership()?,
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

pub fn level_choices(labels: &[&str; 5]) -> Vec<(String, String)> {
    let mut choices = vec![(String::new(), "Choose a score".to_owned())];
    choices.extend(
        labels
            .iter()
            .enumerate()
            .map(|(index, label)| ((index + 1).to_string(), format!("{} – {label}", index + 1))),
    );
    choices
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
