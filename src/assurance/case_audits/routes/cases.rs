//! An audit's cases (by pseudonym only), one case with each agency's answers, an agency's
//! answers form, and the round-table outcome. An agency's auditors see and change only their
//! agency's answers until the round-table is recorded; then the answers are fixed and everyone
//! who reads the audit sees them all. Each handler: extract, authorise, act, render.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{acts_for, audit_of, form_pairs, named_agencies};
use crate::assurance::case_audits::model::{
    AuditedCaseId, CaseForm, CaseGrade, RoundTableForm, comment_field, grade_field, may_answer,
    may_see_answers, read_answers,
};
use crate::assurance::case_audits::store::{
    self, AuditedCase, CaseAnswer, CaseAudit, CaseQuestion,
};
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, render, render_refused,
};

// ---- the cases of an audit ----

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/cases.html")]
struct CasesPage {
    chrome: Chrome,
    errors: FormErrors,
    audit: CaseAudit,
    cases: Vec<AuditedCase>,
    form: CaseForm,
    can_manage: bool,
}

async fn cases_page(
    state: &AppState,
    ctx: &Ctx,
    audit: CaseAudit,
    errors: FormErrors,
    form: CaseForm,
) -> AppResult<CasesPage> {
    Ok(CasesPage {
        chrome: ctx.chrome(state).await?,
        cases: store::cases_of(ctx.scope(state)?, audit.id).await?,
        can_manage: ctx.user()?.can(Permission::ManageAssurance),
        errors,
        audit,
        form,
    })
}

pub async fn cases(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
) -> AppResult<impl IntoResponse> {
    render(
        &cases_page(
            &state,
            &ctx,
            audit,
            FormErrors::default(),
            CaseForm::default(),
        )
        .await?,
    )
}

/// Adds a case by pseudonym: a name, a date of birth or an NHS number is refused, naming the
/// field, and nothing is saved.
pub async fn add_case(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
    Form(form): Form<CaseForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    if let Some(details) = &details
        && store::pseudonym_taken(ctx.scope(&state)?, audit.id, &details.pseudonym).await?
    {
        errors.add(
            "pseudonym",
            "The audit already has a case with this pseudonym",
        );
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&cases_page(&state, &ctx, audit, errors, form).await?);
    };
    let mut change = ctx.change(&state).await?;
    let id = match store::add_case(&mut change, &audit, &details).await {
        Ok(id) => id,
        // The same pseudonym added a moment ago.
        Err(error) if crate::kernel::db::is_unique_violation(&error) => {
            drop(change);
            errors.add(
                "pseudonym",
                "The audit already has a case with this pseudonym",
            );
            return render_refused(&cases_page(&state, &ctx, audit, errors, form).await?);
        }
        Err(error) => return Err(error.into()),
    };
    change.commit().await?;
    ctx.flash(&state, &format!("{} added", details.pseudonym))
        .await?;
    Ok(Redirect::to(&format!("/assurance/case-audits/cases/{id}")).into_response())
}

// ---- one case ----

/// One question's answer by one agency, as the case page shows it.
struct AnswerRow {
    question: String,
    grade: Option<CaseGrade>,
    comment: String,
}

/// One agency's part of a case.
struct AgencyAnswers {
    id: OrganisationId,
    name: String,
    /// The person may read this agency's answers.
    shown: bool,
    answered: bool,
    rows: Vec<AnswerRow>,
    /// The person may answer for this agency now.
    answerable: bool,
}

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/case.html")]
struct CasePage {
    chrome: Chrome,
    audit: CaseAudit,
    case: AuditedCase,
    agencies: Vec<AgencyAnswers>,
    can_manage: bool,
    questions: usize,
}

fn agency_answers(
    questions: &[CaseQuestion],
    answers: &[CaseAnswer],
    agency: OrganisationId,
) -> Vec<AnswerRow> {
    questions
        .iter()
        .map(|question| {
            let answer = answers
                .iter()
                .find(|a| a.organisation_id == agency && a.question_id == question.id);
            AnswerRow {
                question: question.text.clone(),
                grade: answer.map(|a| a.grade),
                comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

pub async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(case): Loaded<AuditedCase>,
) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let user = ctx.user()?;
    let audit = audit_of(scope, case.audit_id).await?;
    let questions = store::questions_of(scope, audit.id).await?;
    let answers = store::answers_for_case(scope, case.id).await?;
    let own = acts_for(user);
    let held = case.round_table_held();
    let agencies = named_agencies(scope, audit.id)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let shown = may_see_answers(own, id, held);
            AgencyAnswers {
                answered: answers.iter().any(|a| a.organisation_id == id),
                rows: if shown {
                    agency_answers(&questions, &answers, id)
                } else {
                    Vec::new()
                },
                answerable: user.can(Permission::RespondToAudit)
                    && !questions.is_empty()
                    && may_answer(user.is_admin(), own, id, held),
                shown,
                id,
                name,
            }
        })
        .collect();
    render(&CasePage {
        chrome: ctx.chrome(&state).await?,
        can_manage: user.can(Permission::ManageAssurance),
        questions: questions.len(),
        audit,
        case,
        agencies,
    })
}

// ---- an agency's answers ----

/// One question of the answers form.
struct QuestionField {
    number: usize,
    text: String,
    guidance: String,
    grade_name: String,
    comment_name: String,
    /// (id, code, label, checked)
    options: Vec<(String, &'static str, &'static str, bool)>,
    comment: String,
    grade_error: Option<String>,
    comment_error: Option<String>,
}

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/answers_form.html")]
struct AnswersPage {
    chrome: Chrome,
    errors: FormErrors,
    audit: CaseAudit,
    case: AuditedCase,
    agency: (OrganisationId, String),
    fields: Vec<QuestionField>,
}

/// The case and agency the route names, if the person may answer for that agency now: another
/// agency's (for an agency's auditor), an agency not in the audit, or a case whose round-table
/// is recorded, is not found.
async fn answerable(
    state: &AppState,
    ctx: &Ctx,
    id: AuditedCaseId,
    agency: i64,
) -> AppResult<(
    CaseAudit,
    AuditedCase,
    (OrganisationId, String),
    Vec<CaseQuestion>,
)> {
    let case = AuditedCase::look_up(state, ctx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = ctx.scope(state)?;
    let audit = audit_of(scope, case.audit_id).await?;
    let user = ctx.user()?;
    let agency = named_agencies(scope, audit.id)
        .await?
        .into_iter()
        .find(|(organisation, _)| organisation.get() == agency)
        .filter(|(organisation, _)| {
            may_answer(
                user.is_admin(),
                acts_for(user),
                *organisation,
                case.round_table_held(),
            )
        })
        .ok_or(AppError::NotFound)?;
    let questions = store::questions_of(scope, audit.id).await?;
    if questions.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok((audit, case, agency, questions))
}

fn answers_page(
    chrome: Chrome,
    errors: FormErrors,
    (audit, case, agency, questions): (
        CaseAudit,
        AuditedCase,
        (OrganisationId, String),
        Vec<CaseQuestion>,
    ),
    typed: &BTreeMap<String, String>,
) -> AnswersPage {
    let fields = questions
        .iter()
        .enumerate()
        .map(|(index, question)| {
            let grade_name = grade_field(question.id);
            let comment_name = comment_field(question.id);
            let chosen = typed.get(&grade_name).cloned().unwrap_or_default();
            QuestionField {
                number: index + 1,
                text: question.text.clone(),
                guidance: question.guidance.clone(),
                options: CaseGrade::ALL
                    .into_iter()
                    .enumerate()
                    .map(|(option, grade)| {
                        let id = if option == 0 {
                            grade_name.clone()
                        } else {
                            format!("{grade_name}-{option}")
                        };
                        (id, grade.code(), grade.label(), chosen == grade.code())
                    })
                    .collect(),
                comment: typed.get(&comment_name).cloned().unwrap_or_default(),
                grade_error: errors.get(&grade_name).map(str::to_owned),
                comment_error: errors.get(&comment_name).map(str::to_owned),
                grade_name,
                comment_name,
            }
        })
        .collect();
    AnswersPage {
        chrome,
        errors,
        audit,
        case,
        agency,
        fields,
    }
}

pub async fn answers_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, agency)): Path<(AuditedCaseId, i64)>,
) -> AppResult<impl IntoResponse> {
    let found = answerable(&state, &ctx, id, agency).await?;
    // The agency's answers so far, as the form's values.
    let typed: BTreeMap<String, String> = store::answers_for_case(ctx.scope(&state)?, id)
        .await?
        .into_iter()
        .filter(|answer| answer.organisation_id == found.2.0)
        .flat_map(|answer| {
            [
                (
                    grade_field(answer.question_id),
                    answer.grade.code().to_owned(),
                ),
                (comment_field(answer.question_id), answer.comment),
            ]
        })
        .collect();
    render(&answers_page(
        ctx.chrome(&state).await?,
        FormErrors::default(),
        found,
        &typed,
    ))
}

/// Saves an agency's answers for a case: every question graded, every comment checked, nothing
/// saved if anything is refused.
pub async fn save_answers(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, agency)): Path<(AuditedCaseId, i64)>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let found = answerable(&state, &ctx, id, agency).await?;
    let pairs = form_pairs(&body)?;
    let questions: Vec<_> = found.3.iter().map(|q| (q.id, q.text.clone())).collect();
    let mut errors = FormErrors::default();
    let (answers, typed) = read_answers(&questions, &pairs, &mut errors);
    if !errors.is_empty() {
        return render_refused(&answers_page(
            ctx.chrome(&state).await?,
            errors,
            found,
            &typed,
        ));
    }
    let (_, case, (organisation, name), _) = found;
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    // Checked again inside the change: a round-table recorded a moment ago fixes the answers.
    let current = store::find_case(&mut change, case.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.round_table_held() {
        change.rollback().await?;
        return Err(AppError::BadRequest(
            "The round-table for this case was recorded a moment ago: its answers are fixed. Nothing was saved.".into(),
        ));
    }
    store::save_answers(&mut change, &current, organisation, &name, &answers, &by).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("{name}'s answers for {} saved", case.pseudonym),
    )
    .await?;
    Ok(Redirect::to(&case.page()).into_response())
}

// ---- the round-table ----

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/round_table.html")]
struct RoundTablePage {
    chrome: Chrome,
    errors: FormErrors,
    audit: CaseAudit,
    case: AuditedCase,
    form: RoundTableForm,
    /// (id, code, label, checked)
    options: Vec<(String, &'static str, &'static str, bool)>,
    /// Each agency's grades for the case, for the discussion: (agency, good, RI, inadequate).
    agencies: Vec<(String, usize, usize, usize)>,
}

async fn round_table_page(
    state: &AppState,
    ctx: &Ctx,
    case: AuditedCase,
    errors: FormErrors,
    form: RoundTableForm,
) -> AppResult<RoundTablePage> {
    let scope = ctx.scope(state)?;
    let audit = audit_of(scope, case.audit_id).await?;
    let answers = store::answers_for_case(scope, case.id).await?;
    let agencies = named_agencies(scope, audit.id)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let count = |grade: CaseGrade| {
                answers
                    .iter()
                    .filter(|a| a.organisation_id == id && a.grade == grade)
                    .count()
            };
            (
                name,
                count(CaseGrade::Good),
                count(CaseGrade::RequiresImprovement),
                count(CaseGrade::Inadequate),
            )
        })
        .collect();
    Ok(RoundTablePage {
        chrome: ctx.chrome(state).await?,
        options: CaseGrade::ALL
            .into_iter()
            .enumerate()
            .map(|(index, grade)| {
                let id = if index == 0 {
                    "grade".to_owned()
                } else {
                    format!("grade-{index}")
                };
                (id, grade.code(), grade.label(), form.grade == grade.code())
            })
            .collect(),
        errors,
        audit,
        case,
        form,
        agencies,
    })
}

pub async fn round_table_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(case): Loaded<AuditedCase>,
) -> AppResult<impl IntoResponse> {
    let form = RoundTableForm {
        grade: case.round_table_grade_code.clone().unwrap_or_default(),
        learning: case.round_table_learning.clone(),
    };
    render(&round_table_page(&state, &ctx, case, FormErrors::default(), form).await?)
}

/// Records the grade the agencies agreed at the round-table and its learning; the agencies'
/// answers are fixed from then on.
pub async fn record_round_table(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(case): Loaded<AuditedCase>,
    Form(form): Form<RoundTableForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let Some(outcome) = form.validate(&mut errors) else {
        return render_refused(&round_table_page(&state, &ctx, case, errors, form).await?);
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    store::record_round_table(&mut change, &case, &outcome, &by).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Round-table outcome for {} recorded", case.pseudonym),
    )
    .await?;
    Ok(Redirect::to(&case.page()).into_response())
}
