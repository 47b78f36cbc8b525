//! A return: its standards with the questions asked of the organisation, each standard answered
//! through its own form (submitting it: `submission.rs`). Each handler: extract, authorise, act,
//! render.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{form_pairs, may_answer_return};
use crate::assurance::evidence::{
    ActionTyped, EvidenceTyped, action_field, evidence_field, read_standard_actions,
};
use crate::assurance::evidence_store::{self, Evidence, EvidenceId, ReturnAction};
use crate::assurance::forms::{answer_field, answer_label, read_standard_answers, typed_value};
use crate::assurance::grades::Grade;
use crate::assurance::model::{QuestionId, QuestionKind, ReturnId, Setting};
use crate::assurance::progress::{ReturnStage, is_overdue, is_submitted, required_graded};
use crate::assurance::store::{
    self, Answer, AnswerValue, AuditReturn, FrameworkVersion, Question, Round,
};
use crate::kernel::files::{accepted_extensions, size_label};
use crate::kernel::text::{DateParts, FormErrors, long_date, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Scope, filters, render,
    render_refused,
};
use crate::tracker::model::SourceKind;

/// An item of evidence as a question shows it.
struct EvidenceView {
    id: EvidenceId,
    text: String,
    url: String,
    /// A file's name and size.
    file: Option<(String, String)>,
    /// Reused from last round's return.
    reused: bool,
    added_by: String,
    added_at: String,
}

impl EvidenceView {
    fn of(evidence: &Evidence) -> EvidenceView {
        EvidenceView {
            id: evidence.id,
            text: evidence.text.clone(),
            url: evidence.url.clone(),
            file: evidence
                .file_name
                .clone()
                .map(|name| (name, evidence.file_size.map(size_label).unwrap_or_default())),
            reused: evidence.reused_from_id.is_some(),
            added_by: evidence.added_by_name.clone(),
            added_at: evidence.added_at.clone(),
        }
    }

    /// What it is, in a few words, for a "Reuse" button.
    fn summary(&self) -> String {
        if let Some((name, _)) = &self.file {
            name.clone()
        } else if !self.url.is_empty() {
            self.url.clone()
        } else {
            self.text.chars().take(60).collect()
        }
    }
}

/// A question's action (answers below "met") as its boxes show it.
struct ActionView {
    owner: String,
    what: String,
    due: DateParts,
    /// As read, when stored: "Head teacher, due 31 March 2027: ...".
    stored: Option<String>,
    /// Raised in the improvement tracker.
    tracker_action: Option<crate::kernel::ids::ActionId>,
}

/// One of the previous return's actions, asked about on this return.
struct PreviousActionView {
    field: String,
    code: String,
    owner: String,
    due: String,
    what: String,
    completed: Option<bool>,
}

/// One question as the return shows it.
struct QuestionView {
    field: String,
    code: String,
    text: String,
    guidance: String,
    /// The evidence the framework expects.
    expected: String,
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
    /// The id of the question (for its evidence form's address).
    id: QuestionId,
    is_grade: bool,
    /// The answer held needs an action (partially met, not met).
    needs_action: bool,
    action: ActionView,
    evidence: Vec<EvidenceView>,
    /// Last round's evidence for the question, not yet reused: (id, what it is).
    reusable: Vec<(EvidenceId, String)>,
    /// The evidence form as typed, when it was refused.
    evidence_typed: EvidenceTyped,
    /// Whether the evidence form opens (refused).
    evidence_open: bool,
}

impl QuestionView {
    fn field_of(&self, part: &str) -> String {
        evidence_field(self.id, part)
    }

    fn action_of(&self, part: &str) -> String {
        action_field(self.id, part)
    }
}

struct StandardView {
    number: i64,
    title: String,
    summary: String,
    questions: Vec<QuestionView>,
    /// A refusal of the standard's form as a whole (a forged question, a submitted return).
    error: Option<String>,
}

impl StandardView {
    /// The id of the standard's answers form, which its questions' inputs name.
    fn form_id(&self) -> String {
        format!("answers-{}", self.number)
    }
}

#[derive(Template)]
#[template(path = "assurance/templates/return.html")]
pub(super) struct ReturnPage {
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
    /// Codes of the answers below "met" with no action yet: the submit refuses them.
    lacking: Vec<String>,
    /// The previous return's actions, asked about here.
    previous_actions: Vec<PreviousActionView>,
    /// The year of the previous round, for "Reuse from 2023".
    previous_year: String,
    tracker_actions: crate::tracker::SourceActions,
    can_record: bool,
    accepted_files: String,
    /// One return for several partnerships (`shared.rs`).
    sharing: super::shared::Sharing,
}

/// A form of the return refused: which standard (0 for none), the values as typed, and the
/// refusals.
#[derive(Default)]
pub(super) struct Refused {
    pub(super) standard: i64,
    pub(super) typed: HashMap<QuestionId, String>,
    pub(super) actions: HashMap<QuestionId, ActionTyped>,
    pub(super) evidence: Option<EvidenceTyped>,
    /// The "Actions from the last audit" answers as typed.
    pub(super) completions: Option<HashMap<evidence_store::ReturnActionId, bool>>,
    pub(super) errors: FormErrors,
}

fn standard_field(number: i64) -> String {
    format!("standard-{number}")
}

/// What a return is answered against: its round, the round's framework version, and the
/// setting the organisation is audited as.
pub(super) struct Framing {
    pub(super) round: Round,
    pub(super) version: FrameworkVersion,
    pub(super) setting: Option<Setting>,
}

pub(super) async fn framing(scope: Scope<'_>, audit_return: &AuditReturn) -> AppResult<Framing> {
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

/// The organisation's return to the round before: its answers and evidence by question code
/// (the version may differ), and the round's year.
#[derive(Default)]
pub(super) struct Previous {
    pub(super) answers: HashMap<String, Answer>,
    pub(super) evidence: HashMap<String, Vec<Evidence>>,
    pub(super) year: String,
}

pub(super) async fn previous_return(
    scope: Scope<'_>,
    audit_return: &AuditReturn,
) -> AppResult<Previous> {
    let Some(previous) = audit_return.previous_return_id else {
        return Ok(Previous::default());
    };
    let Some(previous_return) = store::find_return(scope, previous).await? else {
        return Ok(Previous::default());
    };
    let Some(previous_round) = store::find_round(scope, previous_return.round_id).await? else {
        return Ok(Previous::default());
    };
    let Some(version) = store::framework_version(scope, previous_round.version_id).await? else {
        return Ok(Previous::default());
    };
    let mut answers = store::answers_of(scope, previous).await?;
    let codes: HashMap<QuestionId, &str> = version
        .questions()
        .map(|question| (question.id, question.code.as_str()))
        .collect();
    let mut evidence: HashMap<String, Vec<Evidence>> = HashMap::new();
    for item in evidence_store::evidence_of(scope, previous).await? {
        if let Some(code) = codes.get(&item.question_id) {
            evidence.entry((*code).to_owned()).or_default().push(item);
        }
    }
    Ok(Previous {
        answers: version
            .questions()
            .filter_map(|question| Some((question.code.clone(), answers.remove(&question.id)?)))
            .collect(),
        evidence,
        year: previous_round.opens_on.year().to_string(),
    })
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

/// What a question is shown with besides its answer: its evidence and action, last round's
/// answer and evidence, and any refused form's values.
struct Around<'a> {
    answer: Option<&'a Answer>,
    previous: Option<&'a Answer>,
    typed: Option<&'a String>,
    action: Option<&'a ReturnAction>,
    action_typed: Option<&'a ActionTyped>,
    evidence: Vec<EvidenceView>,
    reusable: Vec<(EvidenceId, String)>,
    evidence_typed: Option<&'a EvidenceTyped>,
}

fn question_view(question: &Question, around: Around<'_>, errors: &FormErrors) -> QuestionView {
    let Around {
        answer,
        previous,
        typed,
        action,
        action_typed,
        evidence,
        reusable,
        evidence_typed,
    } = around;
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
    let needs_action = answer.is_some_and(|answer| {
        !answer.to_review
            && matches!(answer.value, AnswerValue::Grade(grade) if grade.needs_action())
    });
    let action = match (action_typed, action) {
        (Some(typed), stored) => ActionView {
            owner: typed.owner.clone(),
            what: typed.what.clone(),
            due: typed.due.clone(),
            stored: None,
            tracker_action: stored.and_then(|stored| stored.tracker_action_id),
        },
        (None, Some(stored)) => ActionView {
            owner: stored.owner.clone(),
            what: stored.what_will_change.clone(),
            due: DateParts::from_date(Some(stored.due_on)),
            stored: Some(format!(
                "{}, due {}: {}",
                stored.owner,
                long_date(stored.due_on),
                stored.what_will_change
            )),
            tracker_action: stored.tracker_action_id,
        },
        (None, None) => ActionView {
            owner: String::new(),
            what: String::new(),
            due: DateParts::default(),
            stored: None,
            tracker_action: None,
        },
    };
    let evidence_open = evidence_typed.is_some();
    QuestionView {
        error: errors.get(&field).map(str::to_owned),
        code: question.code.clone(),
        text: question.text.clone(),
        guidance: question.guidance.clone(),
        evidence,
        input,
        options,
        value,
        current: answer.map(|answer| answer_label(&answer.value)),
        to_review: answer.is_some_and(|answer| answer.to_review),
        previous: previous.map(|answer| answer_label(&answer.value)),
        field,
        id: question.id,
        is_grade: question.kind == QuestionKind::Grade,
        needs_action,
        action,
        reusable,
        evidence_typed: evidence_typed.cloned().unwrap_or(EvidenceTyped {
            question: question.id,
            text: String::new(),
            link: String::new(),
        }),
        evidence_open,
        expected: question.evidence.clone(),
    }
}

pub(super) async fn return_page_for(
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
    let previous = previous_return(scope, &audit_return).await?;
    let mut evidence: HashMap<QuestionId, Vec<Evidence>> = HashMap::new();
    for item in evidence_store::evidence_of(scope, audit_return.id).await? {
        evidence.entry(item.question_id).or_default().push(item);
    }
    let actions: HashMap<QuestionId, ReturnAction> =
        evidence_store::actions_of_return(scope, audit_return.id)
            .await?
            .into_iter()
            .map(|action| (action.question_id, action))
            .collect();
    let refused = refused.unwrap_or_default();
    let previous_actions = match audit_return.previous_return_id {
        Some(previous) => evidence_store::actions_of_return(scope, previous)
            .await?
            .into_iter()
            .map(|action| PreviousActionView {
                field: crate::assurance::evidence::completed_field(action.id),
                completed: match &refused.completions {
                    Some(typed) => typed.get(&action.id).copied(),
                    None => action.is_completed(),
                },
                code: action.code,
                owner: action.owner,
                due: long_date(action.due_on),
                what: action.what_will_change,
            })
            .collect(),
        None => Vec::new(),
    };
    let no_typing = HashMap::new();
    let no_actions = HashMap::new();
    let errors = refused.errors.clone();
    let mut unanswered = Vec::new();
    let mut lacking = Vec::new();
    let standards = version
        .standards
        .iter()
        .map(|standard| {
            let this_standard = refused.standard == standard.number;
            let typed = if this_standard {
                &refused.typed
            } else {
                &no_typing
            };
            let actions_typed = if this_standard {
                &refused.actions
            } else {
                &no_actions
            };
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
                    let shown: Vec<EvidenceView> = evidence
                        .get(&question.id)
                        .map(|items| items.iter().map(EvidenceView::of).collect())
                        .unwrap_or_default();
                    let reused: Vec<EvidenceId> = evidence
                        .get(&question.id)
                        .map(|items| {
                            items
                                .iter()
                                .filter_map(|item| item.reused_from_id)
                                .collect()
                        })
                        .unwrap_or_default();
                    let reusable = previous
                        .evidence
                        .get(&question.code)
                        .map(|items| {
                            items
                                .iter()
                                .filter(|item| !reused.contains(&item.id))
                                .map(|item| (item.id, EvidenceView::of(item).summary()))
                                .collect()
                        })
                        .unwrap_or_default();
                    let view = question_view(
                        question,
                        Around {
                            answer,
                            previous: previous.answers.get(&question.code),
                            typed: typed.get(&question.id),
                            action: actions.get(&question.id),
                            action_typed: actions_typed.get(&question.id),
                            evidence: shown,
                            reusable,
                            evidence_typed: refused
                                .evidence
                                .as_ref()
                                .filter(|typed| typed.question == question.id),
                        },
                        &errors,
                    );
                    if view.needs_action && !actions.contains_key(&question.id) {
                        lacking.push(question.code.clone());
                    }
                    view
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
    let sharing = super::shared::sharing_for(scope, user, &audit_return, &round).await?;
    // A return that follows another partnership's is changed only where it is answered.
    let may_answer = may_answer && sharing.answered_in.is_none();
    let tracker_actions = crate::tracker::actions_from(
        state,
        scope.partnership(),
        SourceKind::Audit,
        audit_return.id.get(),
    )
    .await?;
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
        lacking,
        previous_actions,
        previous_year: previous.year,
        tracker_actions,
        can_record: false,
        accepted_files: accepted_extensions(),
        sharing,
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
/// found (the business unit answers any), and one that follows another partnership's return
/// is refused (it changes only there).
pub(super) async fn answerable(
    state: &AppState,
    ctx: &Ctx,
    id: ReturnId,
) -> AppResult<AuditReturn> {
    let audit_return = AuditReturn::look_up(state, ctx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_answer_return(ctx.user()?, audit_return.organisation_id) {
        return Err(AppError::NotFound);
    }
    super::shared::refuse_if_following(ctx.scope(state)?, &audit_return).await?;
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
    let mut action_errors = FormErrors::default();
    let actions = read_standard_actions(&asked, &read.answers, &pairs, &mut action_errors);
    for refusal in action_errors.items {
        read.errors.add(&refusal.field, refusal.message);
    }
    if !read.errors.is_empty() {
        read.answers.clear();
    }
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
            actions: actions.typed,
            evidence: None,
            completions: None,
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
    evidence_store::save_actions(&mut change, &current, &actions.actions, &by).await?;
    crate::assurance::shared_store::bring_into_step(&mut change, id).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Standard {number} saved ({} answers)", read.answers.len()),
    )
    .await?;
    Ok(Redirect::to(&format!("/assurance/returns/{id}#standard-{number}")).into_response())
}
