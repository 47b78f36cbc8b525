//! An audit's findings, themed, and raising a finding's recommendation in the improvement
//! tracker (its source is the audit; the actions are then added in the tracker). Each handler:
//! extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::audit_of;
use crate::assurance::case_audits::model::{FindingForm, FindingKind, recommendation_reference};
use crate::assurance::case_audits::store::{self, CaseAudit, CaseFinding};
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Permission, render, render_refused,
};

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/findings.html")]
struct FindingsPage {
    chrome: Chrome,
    errors: FormErrors,
    audit: CaseAudit,
    findings: Vec<CaseFinding>,
    form: FindingForm,
    /// (code, label)
    kinds: Vec<(&'static str, &'static str)>,
    can_manage: bool,
}

async fn findings_page(
    state: &AppState,
    ctx: &Ctx,
    audit: CaseAudit,
    errors: FormErrors,
    form: FindingForm,
) -> AppResult<FindingsPage> {
    Ok(FindingsPage {
        chrome: ctx.chrome(state).await?,
        findings: store::findings_of(ctx.scope(state)?, audit.id).await?,
        kinds: FindingKind::ALL
            .into_iter()
            .map(|kind| (kind.code(), kind.label()))
            .collect(),
        can_manage: ctx.user()?.can(Permission::ManageAssurance),
        errors,
        audit,
        form,
    })
}

pub async fn findings(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
) -> AppResult<impl IntoResponse> {
    render(
        &findings_page(
            &state,
            &ctx,
            audit,
            FormErrors::default(),
            FindingForm::default(),
        )
        .await?,
    )
}

pub async fn add_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
    Form(form): Form<FindingForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    if let Some(details) = &details
        && store::findings_of(ctx.scope(&state)?, audit.id)
            .await?
            .iter()
            .any(|finding| crate::kernel::text::same(&finding.text, &details.text))
    {
        errors.add("text", "The audit already has this finding");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&findings_page(&state, &ctx, audit, errors, form).await?);
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    store::add_finding(&mut change, &audit, &details, &by).await?;
    change.commit().await?;
    ctx.flash(&state, "Finding recorded").await?;
    Ok(Redirect::to(&format!("/assurance/case-audits/{}/findings", audit.id)).into_response())
}

/// Raises a finding's recommendation in the improvement tracker; a second press changes
/// nothing and says so.
pub async fn raise(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(finding): Loaded<CaseFinding>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let audit = audit_of(scope, finding.audit_id).await?;
    if finding.recommendation.is_empty() {
        return Err(AppError::BadRequest(
            "This finding has no recommendation to raise. Nothing was saved.".into(),
        ));
    }
    let reference = recommendation_reference(audit.id, finding.position);
    if finding.recommendation_id.is_none()
        && crate::tracker::store::reference_taken(scope, &reference).await?
    {
        return Err(AppError::BadRequest(format!(
            "The improvement tracker already has a recommendation {reference}. Nothing was saved."
        )));
    }
    let mut change = ctx.change(&state).await?;
    let said = if store::raise_recommendation(&mut change, &audit, &finding).await? {
        change.commit().await?;
        format!("Raised in the improvement tracker as {reference}: add its actions there")
    } else {
        change.rollback().await?;
        "This finding was raised in the improvement tracker already: nothing changed".to_owned()
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/case-audits/{}/findings", audit.id)).into_response())
}
