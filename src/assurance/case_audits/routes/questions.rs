//! An audit's question template: the graded questions, added and changed on the page until the
//! first answer is recorded (then fixed, so every agency answered the same questions). Each
//! handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::audit_of;
use crate::assurance::case_audits::model::{CaseGrade, QuestionForm};
use crate::assurance::case_audits::store::{self, CaseAudit, CaseQuestion};
use crate::kernel::text::FormErrors;
use crate::kernel::{AppResult, AppState, Chrome, Ctx, Loaded, Permission, render, render_refused};

const FIXED: &str =
    "The questions are fixed once an agency has answered: every agency answers the same questions";

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/questions.html")]
struct QuestionsPage {
    chrome: Chrome,
    errors: FormErrors,
    audit: CaseAudit,
    questions: Vec<CaseQuestion>,
    form: QuestionForm,
    can_manage: bool,
    /// Answers are recorded: the template is fixed.
    fixed: bool,
    grades: Vec<CaseGrade>,
}

async fn questions_page(
    state: &AppState,
    ctx: &Ctx,
    audit: CaseAudit,
    errors: FormErrors,
    form: QuestionForm,
) -> AppResult<QuestionsPage> {
    let scope = ctx.scope(state)?;
    Ok(QuestionsPage {
        chrome: ctx.chrome(state).await?,
        questions: store::questions_of(scope, audit.id).await?,
        fixed: store::answer_count(scope, audit.id).await? > 0,
        can_manage: ctx.user()?.can(Permission::ManageAssurance),
        grades: CaseGrade::ALL.to_vec(),
        errors,
        audit,
        form,
    })
}

pub async fn questions(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
) -> AppResult<impl IntoResponse> {
    render(
        &questions_page(
            &state,
            &ctx,
            audit,
            FormErrors::default(),
            QuestionForm::default(),
        )
        .await?,
    )
}

pub async fn add_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit): Loaded<CaseAudit>,
    Form(form): Form<QuestionForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    let scope = ctx.scope(&state)?;
    if store::answer_count(scope, audit.id).await? > 0 {
        errors.add("text", format!("{FIXED}. Nothing was saved"));
    }
    if let Some(details) = &details
        && store::questions_of(scope, audit.id)
            .await?
            .iter()
            .any(|question| crate::kernel::text::same(&question.text, &details.text))
    {
        errors.add("text", "The audit already has this question");
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&questions_page(&state, &ctx, audit, errors, form).await?);
    };
    let mut change = ctx.change(&state).await?;
    store::add_question(&mut change, &audit, &details).await?;
    change.commit().await?;
    ctx.flash(&state, "Question added").await?;
    Ok(Redirect::to(&format!("/assurance/case-audits/{}/questions", audit.id)).into_response())
}

#[derive(Template)]
#[template(path = "assurance/case_audits/templates/question_form.html")]
struct QuestionFormPage {
    chrome: Chrome,
    errors: FormErrors,
    audit: CaseAudit,
    question: CaseQuestion,
    form: QuestionForm,
}

pub async fn edit_question_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(question): Loaded<CaseQuestion>,
) -> AppResult<impl IntoResponse> {
    let audit = audit_of(ctx.scope(&state)?, question.audit_id).await?;
    let form = QuestionForm {
        text: question.text.clone(),
        guidance: question.guidance.clone(),
    };
    render(&QuestionFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        audit,
        question,
        form,
    })
}

pub async fn update_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(question): Loaded<CaseQuestion>,
    Form(form): Form<QuestionForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let audit = audit_of(scope, question.audit_id).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    if store::answer_count(scope, audit.id).await? > 0 {
        errors.add("text", format!("{FIXED}. Nothing was saved"));
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&QuestionFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            audit,
            question,
            form,
        });
    };
    let mut change = ctx.change(&state).await?;
    store::update_question(&mut change, &question, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("Question {} changed", question.position))
        .await?;
    Ok(Redirect::to(&format!("/assurance/case-audits/{}/questions", audit.id)).into_response())
}
