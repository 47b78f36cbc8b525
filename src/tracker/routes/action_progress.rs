//! Working on an action: progress notes, completion, revisits, evidence and its files.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::action::{
    ActionForms, CompleteForm, EvidenceForm, ProgressForm, RevisitForm, show_refused,
};
use super::*;
use crate::kernel::files;
use crate::kernel::text::{FormErrors, long_date, today};
use crate::kernel::{AppError, AppResult, AppState, Ctx, Loaded};
use crate::tracker::model::EvidenceId;
use crate::tracker::model::*;
use crate::tracker::store::{self};

/// Whether this person may work on the action: 403 for another organisation's (one not in
/// the partnership is already not found).
fn check_may_update(ctx: &Ctx, action: &TrackerAction) -> AppResult<()> {
    if !may_update(ctx.user()?, action) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Why an action's change did not happen: refused by the rules (shown against the form's
/// field), or a failure of the request.
#[derive(Debug)]
enum ChangeError {
    Refused(Refusal),
    Failed(AppError),
}

impl ChangeError {
    /// The form's errors with the refusal shown against its field; a failure goes on as the
    /// request's error.
    fn onto(self, mut errors: FormErrors) -> AppResult<FormErrors> {
        match self {
            ChangeError::Refused(refusal) => {
                errors.add(refusal.field, refusal.message);
                Ok(errors)
            }
            ChangeError::Failed(error) => Err(error),
        }
    }
}

impl From<Refusal> for ChangeError {
    fn from(refusal: Refusal) -> ChangeError {
        ChangeError::Refused(refusal)
    }
}

impl<E: Into<AppError>> From<E> for ChangeError {
    fn from(error: E) -> ChangeError {
        ChangeError::Failed(error.into())
    }
}

/// Applies a change through the rules, with its note, in one transaction with its audit entry.
async fn change_action(
    state: &AppState,
    ctx: &Ctx,
    action: &TrackerAction,
    (kind, change): (&str, Change),
    note: &str,
) -> Result<ActionState, ChangeError> {
    // Only evidence added since the action was last reopened can close it.
    let evidence = usize::try_from(action.current_evidence).unwrap_or(0);
    let next = apply(&action.state, change, evidence, today())?;
    let mut write = ctx.change(state).await?;
    let update = store::StateChange {
        id: action.id,
        title: &action.title,
        kind,
        note,
        before: &action.state,
        after: &next,
    };
    if !store::set_state(&mut write, update).await? {
        return Err(ChangeError::Refused(Refusal {
            field: conflict_field(&change),
            message: "Someone else updated this action a moment ago: check the latest update and try again".into(),
        }));
    }
    write.commit().await?;
    Ok(next)
}

/// The field a "changed meanwhile" refusal is shown against: one on the form that was sent.
fn conflict_field(change: &Change) -> &'static str {
    match change {
        Change::Progress { .. } => "status",
        Change::Complete { .. } => "completion_note",
        Change::Revisit { .. } => "outcome",
    }
}

fn required_note(errors: &mut FormErrors, field: &str, label: &str, note: &str) -> String {
    let note = errors.required_text(field, label, note, 4000);
    check_free_text(errors, field, label, &note);
    note
}

pub async fn report_progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(action): Loaded<TrackerAction>,
    Form(form): Form<ProgressForm>,
) -> AppResult<Response> {
    check_may_update(&ctx, &action)?;
    let id = action.id;
    let mut errors = FormErrors::default();
    let status = ActionStatus::from_code(&form.status);
    if status.is_none() {
        errors.add("status", "Select the action's status");
    }
    let note = required_note(&mut errors, "note", "Progress note", &form.note);
    let refused = |errors| show_refused(&state, &ctx, id, errors, ActionForms::progress(form));
    let Some(status) = status.filter(|_| errors.is_empty()) else {
        return refused(errors).await;
    };
    let change = ("progress", Change::Progress { status });
    if let Err(refusal) = change_action(&state, &ctx, &action, change, &note).await {
        return refused(refusal.onto(errors)?).await;
    }
    back_to_action(&state, &ctx, id, "Progress recorded").await
}

pub async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(action): Loaded<TrackerAction>,
    Form(form): Form<CompleteForm>,
) -> AppResult<Response> {
    check_may_update(&ctx, &action)?;
    let id = action.id;
    let mut errors = FormErrors::default();
    let note = required_note(
        &mut errors,
        "completion_note",
        "What was done",
        &form.completion_note,
    );
    let completed_on = errors.date("completed_on", "Date completed", &form.completed_on(), true);
    let revisit_on = errors.date("revisit_on", "Revisit date", &form.revisit_on(), true);
    let refused = |errors| show_refused(&state, &ctx, id, errors, ActionForms::complete(form));
    let (Some(completed_on), Some(revisit_on), true) =
        (completed_on, revisit_on, errors.is_empty())
    else {
        return refused(errors).await;
    };
    let change = Change::Complete {
        completed_on,
        revisit_on,
    };
    let next = match change_action(&state, &ctx, &action, ("complete", change), &note).await {
        Ok(next) => next,
        Err(refusal) => return refused(refusal.onto(errors)?).await,
    };
    let revisit = next.revisit_on.map(long_date).unwrap_or_default();
    let message = format!("Action complete. It comes back for its revisit on {revisit}.");
    back_to_action(&state, &ctx, id, &message).await
}

pub async fn revisit(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(action): Loaded<TrackerAction>,
    Form(form): Form<RevisitForm>,
) -> AppResult<Response> {
    check_may_update(&ctx, &action)?;
    let id = action.id;
    let mut errors = FormErrors::default();
    let outcome = RevisitOutcome::from_code(&form.outcome);
    if outcome.is_none() {
        errors.add("outcome", "Select the outcome of the revisit");
    }
    let note = required_note(
        &mut errors,
        "revisit_note",
        "What the revisit found",
        &form.revisit_note,
    );
    let next_revisit_on = errors.date(
        "next_revisit_on",
        "Date to revisit again",
        &form.next_revisit_on(),
        false,
    );
    let new_due_on = errors.date("new_due_on", "New due date", &form.new_due_on(), false);
    let refused = |errors| show_refused(&state, &ctx, id, errors, ActionForms::revisit(form));
    let (Some(outcome), true) = (outcome, errors.is_empty()) else {
        return refused(errors).await;
    };
    let change = Change::Revisit {
        outcome,
        next_revisit_on,
        new_due_on,
    };
    let next = match change_action(&state, &ctx, &action, ("revisit", change), &note).await {
        Ok(next) => next,
        Err(refusal) => return refused(refusal.onto(errors)?).await,
    };
    let message = match next.status {
        ActionStatus::ClosedWithEvidence => "Action closed with evidence".to_owned(),
        ActionStatus::Complete => format!(
            "Revisit recorded. It comes back on {}.",
            next.revisit_on.map(long_date).unwrap_or_default()
        ),
        _ => format!("Action reopened, now due {}", long_date(next.due_on)),
    };
    back_to_action(&state, &ctx, id, &message).await
}

pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(action): Loaded<TrackerAction>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    // Authorise before reading the upload, so a refusal never depends on the body.
    check_may_update(&ctx, &action)?;
    let id = action.id;
    let upload_form =
        files::read_upload_form(request, "the evidence form", "evidence files").await?;
    let form = EvidenceForm {
        description: upload_form.field("description"),
        link: upload_form.field("link"),
    };
    let file = upload_form.file;
    let mut errors = FormErrors::default();
    let description = errors.required_text(
        "description",
        "Description of the evidence",
        &form.description,
        1000,
    );
    check_free_text(
        &mut errors,
        "description",
        "Description of the evidence",
        &description,
    );
    let link = check_link(&mut errors, "link", &form.link);
    let upload = match &file {
        Some((name, bytes)) => match files::check_upload(name, bytes) {
            Ok(upload) => Some(upload),
            Err(message) => {
                errors.add("file", message);
                None
            }
        },
        None => None,
    };
    if errors.is_empty() && link.is_none() && upload.is_none() {
        errors.add("file", "Choose a file or enter a link to the evidence");
    }
    if action.state.status == ActionStatus::ClosedWithEvidence {
        errors.add("description", "This action is closed with evidence");
    }
    if !errors.is_empty() {
        return show_refused(&state, &ctx, id, errors, ActionForms::evidence(form)).await;
    }
    let mut change = ctx.change(&state).await?;
    let file = match &upload {
        Some(upload) => {
            let uploaded_by = change.actor().label.clone();
            let file_id = files::store(change.transaction(), upload, &uploaded_by).await?;
            Some((file_id, upload.file_name.as_str()))
        }
        None => None,
    };
    store::insert_evidence(
        &mut change,
        (id, &action.title),
        store::NewEvidence {
            description: &description,
            link: link.as_deref(),
            file,
        },
    )
    .await?;
    change.commit().await?;
    ctx.flash(&state, "Evidence added").await?;
    Ok(Redirect::to(&format!("/tracker/actions/{id}#evidence")).into_response())
}

/// A file of evidence, reached only through an action of the partnership.
pub async fn evidence_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<EvidenceId>,
) -> AppResult<Response> {
    let evidence = store::find_evidence(ctx.scope(&state)?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let file_id = evidence.file_id.ok_or(AppError::NotFound)?;
    let (file, bytes) = files::fetch(&state.db, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(files::download(&file, bytes))
}

// ---- editing an action's owner, dates and measure ----
