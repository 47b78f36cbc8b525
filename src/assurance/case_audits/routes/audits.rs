//! The case-file audits list, setting one up, one audit, starting its re-audit, and comparing
//! a re-audit with the audit before it. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{audit_of, form_pairs, named_agencies};
use crate::assurance::case_audits::model::{
    AuditForm, CaseGrade, ComparedQuestion, QuestionComparison, ReauditForm, compare,
};
use crate::assurance::case_audits::store::{
    self, AuditedCase, CaseAudit, CaseFinding, CaseQuestion,
};
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::{DateParts, FormErrors};
use crate::kernel::{AppResult, AppState, Chrome, Ctx, Loaded, Permission, render, render_refused};

// ---- the list ----

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/list.html")]
struct ListPage {
    chrome: Chrome,
    audits: Vec<CaseAudit>,
    can_manage: bool,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    render(&ListPage {
        audits: store::list_audits(ctx.scope(&state)?).await?,
        can_manage: ctx.user()?.can(Permission::ManageAssurance),
        chrome: ctx.chrome(&state).await?,
    })
}

// ---- a new audit ----

/// A kind of organisation and its members, for the agencies' checkboxes.
struct AgencyGroup {
    heading: String,
    /// (id, name, ticked)
    organisations: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/audit_form.html")]
struct AuditFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: AuditForm,
    held_on: DateParts,
    groups: Vec<AgencyGroup>,
}

async fn audit_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: AuditForm,
) -> AppResult<AuditFormPage> {
    let groups = crate::partnership::organisation_select(ctx.scope(state)?, "")
        .await?
        .groups;
    Ok(AuditFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        held_on: form.held_on(),
        groups: groups
            .into_iter()
            .map(|group| AgencyGroup {
                heading: group.label,
                organisations: group
                    .choices
                    .into_iter()
                    .map(|(id, name)| {
                        let ticked = form.is_ticked(&id);
                        (id, name, ticked)
                    })
                    .collect(),
            })
            .collect(),
        form,
    })
}

pub async fn new_audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(&audit_form_page(&state, &ctx, FormErrors::default(), AuditForm::default()).await?)
}

pub async fn create_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let form = AuditForm::from_pairs(&form_pairs(&body)?);
    let organisations: Vec<OrganisationId> =
        crate::partnership::organisation_names(ctx.scope(&state)?)
            .await?
            .into_keys()
            .collect();
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, &organisations);
    if let Some(details) = &details
        && store::title_taken(ctx.scope(&state)?, &details.title).await?
    {
        errors.add(
            "title",
            "The partnership already has a case-file audit with this title",
        );
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&audit_form_page(&state, &ctx, errors, form).await?);
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let id = store::add_audit(&mut change, &details, &by).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Set up {}: now add its questions and cases", details.title),
    )
    .await?;
    Ok(Redirect::to(&format!("/assurance/case-audits/{id}/questions")).into_response())
}

// ---- one audit ----

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/audit.html")]
struct AuditPage {
    chrome: Chrome,
    audit: CaseAudit,
    previous: Option<CaseAudit>,
    agencies: Vec<(OrganisationId, String)>,
    questions: Vec<CaseQuestion>,
    cases: Vec<AuditedCase>,
    findings: Vec<CaseFinding>,
    can_manage: bool,
    grades: Vec<CaseGrade>,
}

pub async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let previous = match audit.previous_audit_id {
        Some(id) => store::find_audit(scope, id).await?,
        None => None,
    };
    render(&AuditPage {
        agencies: named_agencies(scope, audit.id).await?,
        questions: store::questions_of(scope, audit.id).await?,
        cases: store::cases_of(scope, audit.id).await?,
        findings: store::findings_of(scope, audit.id).await?,
        can_manage: ctx.user()?.can(Permission::ManageAssurance),
        grades: CaseGrade::ALL.to_vec(),
        chrome: ctx.chrome(&state).await?,
        previous,
        audit,
    })
}

// ---- a re-audit ----

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/reaudit_form.html")]
struct ReauditPage {
    chrome: Chrome,
    errors: FormErrors,
    audit: CaseAudit,
    form: ReauditForm,
    held_on: DateParts,
}

fn reaudit_page(
    chrome: Chrome,
    errors: FormErrors,
    audit: CaseAudit,
    form: ReauditForm,
) -> ReauditPage {
    ReauditPage {
        chrome,
        errors,
        held_on: form.held_on(),
        audit,
        form,
    }
}

pub async fn new_reaudit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
) -> AppResult<impl IntoResponse> {
    let form = ReauditForm {
        title: format!("{} (re-audit)", audit.title),
        ..ReauditForm::default()
    };
    render(&reaudit_page(
        ctx.chrome(&state).await?,
        FormErrors::default(),
        audit,
        form,
    ))
}

/// Starts a re-audit: the same template, agencies and cases, linked to this audit.
pub async fn start_reaudit(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
    Form(form): Form<ReauditForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    if audit.reaudit_id.is_some() {
        errors.add(
            "title",
            "This audit has been re-audited already: open its re-audit",
        );
    }
    let valid = form.validate(&mut errors, audit.held_on);
    if let Some((title, _)) = &valid
        && store::title_taken(ctx.scope(&state)?, title).await?
    {
        errors.add(
            "title",
            "The partnership already has a case-file audit with this title",
        );
    }
    let Some((title, held_on)) = valid.filter(|_| errors.is_empty()) else {
        return render_refused(&reaudit_page(
            ctx.chrome(&state).await?,
            errors,
            audit,
            form,
        ));
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let id = store::start_reaudit(&mut change, &audit, &title, held_on, &by).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Started {title} with the same questions, agencies and cases"),
    )
    .await?;
    Ok(Redirect::to(&format!("/assurance/case-audits/{id}")).into_response())
}

// ---- the comparison ----

/// One row of the comparison: the question, and before and after each grade's count and share.
struct ComparisonRow {
    comparison: QuestionComparison,
    /// (label, before count, before %, after count, after %)
    grades: Vec<(&'static str, i64, i64, i64, i64)>,
}

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/comparison.html")]
struct ComparisonPage {
    chrome: Chrome,
    audit: CaseAudit,
    previous: CaseAudit,
    rows: Vec<ComparisonRow>,
}

pub async fn comparison_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let Some(previous_id) = audit.previous_audit_id else {
        // An audit that is not a re-audit is compared by the re-audit that followed it.
        return Ok(match audit.reaudit_id {
            Some(reaudit) => Redirect::to(&format!("/assurance/case-audits/{reaudit}/comparison"))
                .into_response(),
            None => Redirect::to(&audit.page()).into_response(),
        });
    };
    let previous = audit_of(scope, previous_id).await?;
    let questions: Vec<ComparedQuestion> = store::questions_of(scope, audit.id)
        .await?
        .into_iter()
        .map(|question| ComparedQuestion {
            id: question.id,
            position: question.position,
            text: question.text,
            copied_from: question.copied_from_id,
        })
        .collect();
    let before = store::grades_of(scope, previous.id).await?;
    let after = store::grades_of(scope, audit.id).await?;
    let rows = compare(&questions, &before, &after)
        .into_iter()
        .map(|comparison| {
            let before_shares = comparison.before.percentages();
            let after_shares = comparison.after.percentages();
            let grades = CaseGrade::ALL
                .into_iter()
                .enumerate()
                .map(|(index, grade)| {
                    (
                        grade.label(),
                        comparison.before.count(grade),
                        before_shares[index],
                        comparison.after.count(grade),
                        after_shares[index],
                    )
                })
                .collect();
            ComparisonRow { comparison, grades }
        })
        .collect();
    Ok(render(&ComparisonPage {
        chrome: ctx.chrome(&state).await?,
        audit,
        previous,
        rows,
    })?
    .into_response())
}
