//! A return: its standards with the questions asked of the organisation, each standard answered
//! through its own form, and submitting the return. Each handler: extract, authorise, act,
//! render.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{form_pairs, may_answer_return};
use crate::assurance::forms::{answer_field, answer_label, read_standard_answers, typed_value};
use crate::assurance::grades::Grade;
use crate::assurance::model::{QuestionId, QuestionKind, ReturnId, Setting};
use crate::assurance::progress::{ReturnStage, is_overdue, is_submitted, required_graded};
use crate::assurance::store::{self, Answer, AuditReturn, FrameworkVersion, Question, Round};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Scope, filters, render,
    render_refused,
};

/// One question as the return shows it.
struct QuestionView {
    field: String,
    code: String,
    text: String,
    guidance: String,
    evidence: String,
    /// "radios", "number" or "text": how it is answered.
    input: &'static str,
    /// For radios: (id, value, label, checked).
    options: Vec<(String, String, String, bool)>,
    /// For a number or text: the value in the box.
    value: String,
    /// The answer held, as read.
    current: Option<String>,
    /// Pre-filled from the last round and not yet looked at.
    to_review: bool,
    /// Last round's answer.
    previous: Option<String>,
    error: Option<String>,
}

struct StandardView {
    number: i64,
    title: String,
    summary: String,
    questions: Vec<QuestionView>,
    /// A refusal of the standard's form as a whole (a forged question, a submitted return).
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "assurance/templates/return.html")]
struct ReturnPage {
    chrome: Chrome,
    errors: FormErrors,
    audit_return: AuditReturn,
    round: Round,
    setting: Option<&'static str>,
    stage: ReturnStage,
    overdue: bool,
    standards: Vec<StandardView>,
    /// The person may answer and submit this return, and it is not submitted.
    editable: bool,
    /// Submitted, and the person could answer it were it reopened.
    submitted_for_respondent: bool,
    /// Codes of the graded questions asked and not answered (to review counts as unanswered).
    unanswered: Vec<String>,
    required: usize,
    /// Extensions granted, first first (`routes/analysis.rs` grants them).
    extensions: Vec<store::Extension>,
    /// The business unit: may grant an extension.
    can_manage: bool,
}

/// A standard's form refused: which standard, the values as typed, and the refusals.
struct Refused {
    standard: i64,
    typed: HashMap<QuestionId, String>,
    errors: FormErrors,
}

fn standard_field(number: i64) -> String {
    format!("standard-{number}")
}

/// What a return is answered against: its round, the round's framework version, and the
/// setting the organisation is audited as.
struct Framing {
    round: Round,
    version: FrameworkVersion,
    setting: Option<Setting>,
}

async fn framing(scope: Scope<'_>, audit_return: &AuditReturn) -> AppResult<Framing> {
    let round = store::find_round(scope, audit_return.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version = store::framework_version(scope, round.version_id)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!("round {} has no framework version", round.id))
        })?;
    let setting = store::settings(scope)
        .await?
        .get(&audit_return.organisation_id)
        .map(|setting| setting.setting);
    Ok(Framing {
        round,
        version,
        setting,
    })
}

/// The organisation's answers to the round before, by question code (the version may differ).
async fn previous_answers(
    scope: Scope<'_>,
    audit_return: &AuditReturn,
) -> AppResult<HashMap<String, Answer>> {
    let Some(previous) = audit_return.previous_return_id else {
        return Ok(HashMap::new());
    };
    let Some(previous_return) = store::find_return(scope, previous).await? else {
        return Ok(HashMap::new());
    };
    let Some(previous_round) = store::find_round(scope, previous_return.round_id).await? else {
        return Ok(HashMap::new());
    };
    let Some(version) = store::framework_version(scope, previous_round.version_id).await? else {
        return Ok(HashMap::new());
    };
    let mut answers = store::answers_of(scope, previous).await?;
    Ok(version
        .questions()
        .filter_map(|question| Some((question.code.clone(), answers.remove(&question.id)?)))
        .collect())
}

fn options_of(question: &Question) -> Vec<(String, String)> {
    match question.kind {
        QuestionKind::Grade => Grade::ALL
            .into_iter()
            .map(|grade| (grade.code().to_owned(), grade.label().to_owned()))
            .collect(),
        QuestionKind::YesNo => vec![
            ("yes".to_owned(), "Yes".to_owned()),
            ("no".to_owned(), "No".to_owned()),
        ],
        QuestionKind::Choice => question
            .choices()
            .into_iter()
            .map(|choice| (choice.to_owned(), choice.to_owned()))
            .collect(),
        QuestionKind::Number | QuestionKind::Text => Vec::new(),
    }
}

fn question_view(
    question: &Question,
    answer: Option<&Answer>,
    previous: Option<&Answer>,
    typed: Option<&String>,
    errors: &FormErrors,
) -> QuestionView {
    let field = answer_field(question.id);
    let value = typed
        .cloned()
        .or_else(|| answer.map(|answer| typed_value(&answer.value)))
        .unwrap_or_default();
    let input = match question.kind {
        QuestionKind::Number => "number",
        QuestionKind::Text => "text",
        QuestionKind::Grade | QuestionKind::YesNo | QuestionKind::Choice => "radios",
    };
    let options = options_of(question)
        .into_iter()
        .enumerate()
        .map(|(index, (option, label))| {
            let id = if index == 0 {
                field.clone()
            } else {
                format!("{field}-{index}")
            };
            let checked = option == value;
            (id, option, label, checked)
        })
        .collect();
    QuestionView {
        error: errors.get(&field).map(str::to_owned),
        code: question.code.clone(),
        text: question.text.clone(),
        guidance: question.guidance.clone(),
        evidence: question.evidence.clone(),
        input,
        options,
        value,
        current: answer.map(|answer| answer_label(&answer.value)),
        to_review: answer.is_some_and(|answer| answer.to_review),
        previous: previous.map(|answer| answer_label(&answer.value)),
        field,
    }
}

async fn return_page_for(
    state: &AppState,
    ctx: &Ctx,
    audit_return: AuditReturn,
    refused: Option<Refused>,
) -> AppResult<ReturnPage> {
    let scope = ctx.scope(state)?;
    let user = ctx.user()?;
    let Framing {
        round,
        version,
        setting,
    } = framing(scope, &audit_return).await?;
    let answers = store::answers_of(scope, audit_return.id).await?;
    let previous = previous_answers(scope, &audit_return).await?;
    let no_typing = HashMap::new();
    let errors = refused
        .as_ref()
        .map(|refused| refused.errors.clone())
        .unwrap_or_default();
    let mut unanswered = Vec::new();
    let standards = version
        .standards
        .iter()
        .map(|standard| {
            let typed = refused
                .as_ref()
                .filter(|refused| refused.standard == standard.number)
                .map_or(&no_typing, |refused| &refused.typed);
            let questions = standard
                .questions
                .iter()
                .filter(|question| question.applies(setting))
                .map(|question| {
                    let answer = answers.get(&question.id);
                    if question.kind == QuestionKind::Grade
                        && answer.is_none_or(|answer| answer.to_review)
                    {
                        unanswered.push(question.code.clone());
                    }
                    question_view(
                        question,
                        answer,
                        previous.get(&question.code),
                        typed.get(&question.id),
                        &errors,
                    )
                })
                .collect();
            StandardView {
                number: standard.number,
                title: standard.title.clone(),
                summary: standard.summary.clone(),
                error: errors
                    .get(&standard_field(standard.number))
                    .map(str::to_owned),
                questions,
            }
        })
        .collect();
    let required = required_graded(&version, setting);
    let answered = required.saturating_sub(unanswered.len());
    let may_answer = may_answer_return(user, audit_return.organisation_id);
    let submitted = is_submitted(audit_return.status);
    Ok(ReturnPage {
        extensions: store::extensions_of_return(ctx.scope(state)?, audit_return.id).await?,
        can_manage: ctx.user()?.can(crate::kernel::Permission::ManageAssurance),
        chrome: ctx.chrome(state).await?,
        stage: ReturnStage::of(audit_return.status, required, answered),
        overdue: is_overdue(audit_return.status, audit_return.due_on, today()),
        setting: setting.map(Setting::label),
        editable: may_answer && !submitted,
        submitted_for_respondent: may_answer && submitted,
        errors,
        audit_return,
        round,
        standards,
        unanswered,
        required,
    })
}

/// A return, with every standard's questions that apply to the organisation.
pub async fn return_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
) -> AppResult<impl IntoResponse> {
    render(&return_page_for(&state, &ctx, audit_return, None).await?)
}

/// The return named by the route, if the person may answer it: another organisation's is not
/// found (the business unit answers any).
async fn answerable(state: &AppState, ctx: &Ctx, id: ReturnId) -> AppResult<AuditReturn> {
    let audit_return = AuditReturn::look_up(state, ctx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_answer_return(ctx.user()?, audit_return.organisation_id) {
        return Err(AppError::NotFound);
    }
    Ok(audit_return)
}

/// Saves one standard's answers: every value checked first, nothing saved if any is refused.
pub async fn save_standard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, number)): Path<(ReturnId, i64)>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let audit_return = answerable(&state, &ctx, id).await?;
    let Framing {
        version, setting, ..
    } = framing(ctx.scope(&state)?, &audit_return).await?;
    let standard = version
        .standards
        .iter()
        .find(|standard| standard.number == number)
        .ok_or(AppError::NotFound)?;
    let pairs = form_pairs(&body)?;
    let field = standard_field(number);
    let asked: Vec<&Question> = standard
        .questions
        .iter()
        .filter(|question| question.applies(setting))
        .collect();
    let mut read = read_standard_answers(&asked, version.questions(), number, &field, &pairs);
    if is_submitted(audit_return.status) {
        read.errors = FormErrors::default();
        read.errors.add(
            &field,
            "This return has been submitted: reopen it first (the business unit reopens returns). Nothing was saved",
        );
    }
    if !read.errors.is_empty() {
        let refused = Refused {
            standard: number,
            typed: read.typed,
            errors: read.errors,
        };
        return render_refused(&return_page_for(&state, &ctx, audit_return, Some(refused)).await?);
    }
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    // Checked again inside the change: a submit at the same moment wins.
    let current = store::find_return(&mut change, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if is_submitted(current.status) {
        change.rollback().await?;
        return Err(AppError::BadRequest(
            "This return was submitted a moment ago: reopen it first. Nothing was saved.".into(),
        ));
    }
    store::save_answers(&mut change, &current, &read.answers, &by).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Standard {number} saved ({} answers)", read.answers.len()),
    )
    .await?;
    Ok(Redirect::to(&format!("/assurance/returns/{id}#standard-{number}")).into_response())
}

/// Submits a return; a second submit changes nothing and says so.
pub async fn submit_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ReturnId>,
) -> AppResult<Response> {
    let audit_return = answerable(&state, &ctx, id).await?;
    let Framing {
        version, setting, ..
    } = framing(ctx.scope(&state)?, &audit_return).await?;
    let required = required_graded(&version, setting);
    let answered = usize::try_from(audit_return.graded_answered)
        .unwrap_or(0)
        .min(required);
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let said = if store::submit_return(&mut change, &audit_return, &by).await? {
        change.commit().await?;
        if answered < required {
            format!(
                "Return submitted as partly complete: {answered} of {required} graded questions answered"
            )
        } else {
            "Return submitted".to_owned()
        }
    } else {
        change.rollback().await?;
        "This return was already submitted: nothing changed".to_owned()
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/returns/{id}")).into_response())
}
