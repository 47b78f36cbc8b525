//! A return's evidence and the actions of the return before: adding evidence (text, a link or
//! a file) to a question, reusing last round's, downloading a file, and saying whether each of
//! the previous return's actions was completed. Each handler: extract, authorise, act, render.

use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::form_pairs;
use super::returns::{Framing, Refused, answerable, framing, previous_return, return_page_for};
use crate::assurance::evidence::{
    EvidenceTyped, completion_count, evidence_field, read_completions, read_evidence,
};
use crate::assurance::evidence_store::{self, Evidence, EvidenceId};
use crate::assurance::model::{QuestionId, ReturnId};
use crate::assurance::progress::is_submitted;
use crate::assurance::store::{self, AuditReturn};
use crate::kernel::files;
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Ctx, Loaded, Lookup, render_refused};

const SUBMITTED: &str = "This return has been submitted: reopen it first (the business unit reopens returns). Nothing was saved";

/// A route's `{id}` is an item of the partnership's evidence on a return the person may see.
impl Lookup for Evidence {
    type Id = EvidenceId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: Self::Id) -> AppResult<Option<Evidence>> {
        let Some(evidence) = evidence_store::find_evidence(ctx.scope(state)?, id).await? else {
            return Ok(None);
        };
        let visible = AuditReturn::look_up(state, ctx, evidence.return_id)
            .await?
            .is_some();
        Ok(visible.then_some(evidence))
    }
}

/// The return is still being answered inside the change (a submit at the same moment wins).
async fn still_open(change: &mut crate::kernel::Change, id: ReturnId) -> AppResult<AuditReturn> {
    let current = store::find_return(&mut *change, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if is_submitted(current.status) {
        return Err(AppError::BadRequest(
            "This return was submitted a moment ago: reopen it first. Nothing was saved.".into(),
        ));
    }
    Ok(current)
}

/// Adds evidence to one question of a return: text, a link, a file, or any of them together.
pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, question_id)): Path<(ReturnId, QuestionId)>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    // Authorise before reading the upload, so a refusal never depends on the body.
    let audit_return = answerable(&state, &ctx, id).await?;
    let Framing {
        version, setting, ..
    } = framing(ctx.scope(&state)?, &audit_return).await?;
    let question = version
        .questions()
        .find(|question| question.id == question_id && question.applies(setting))
        .ok_or(AppError::NotFound)?;
    let form = files::read_upload_form(request, "the evidence form", "evidence files").await?;
    let typed = EvidenceTyped {
        question: question.id,
        text: form.field("text"),
        link: form.field("link"),
    };
    let upload = form
        .file
        .as_ref()
        .map(|(name, bytes)| files::check_upload(name, bytes));
    let file_error = upload
        .as_ref()
        .and_then(|checked| checked.as_ref().err().cloned());
    let mut errors = FormErrors::default();
    let evidence = read_evidence(&typed, upload.is_some(), file_error, &mut errors);
    if is_submitted(audit_return.status) {
        errors.add(&evidence_field(question.id, "text"), SUBMITTED);
    }
    let (Some(evidence), true) = (evidence, errors.is_empty()) else {
        let refused = Refused {
            evidence: Some(typed),
            errors,
            ..Refused::default()
        };
        return render_refused(&return_page_for(&state, &ctx, audit_return, Some(refused)).await?);
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let current = still_open(&mut change, id).await?;
    let file = match upload {
        Some(Ok(upload)) => Some(files::store(change.transaction(), &upload, &by).await?),
        _ => None,
    };
    evidence_store::add_evidence(
        &mut change,
        &current,
        (question.id, &question.code),
        &evidence,
        file,
        &by,
    )
    .await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Evidence added to question {}", question.code),
    )
    .await?;
    Ok(Redirect::to(&format!("/assurance/returns/{id}#question-{question_id}")).into_response())
}

/// Reuses an item of the previous return's evidence on this return's question of the same
/// code; a second reuse of the same item changes nothing.
pub async fn reuse_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ReturnId>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let audit_return = answerable(&state, &ctx, id).await?;
    let scope = ctx.scope(&state)?;
    let pairs = form_pairs(&body)?;
    let chosen = pairs
        .iter()
        .find(|(key, _)| key == "evidence")
        .and_then(|(_, value)| value.trim().parse::<EvidenceId>().ok());
    let previous = previous_return(scope, &audit_return).await?;
    let found = chosen.and_then(|chosen| {
        previous.evidence.iter().find_map(|(code, items)| {
            items
                .iter()
                .find(|item| item.id == chosen)
                .map(|item| (code.clone(), item.clone()))
        })
    });
    let Framing {
        version, setting, ..
    } = framing(scope, &audit_return).await?;
    let Some((question, from)) = found.and_then(|(code, item)| {
        version
            .questions()
            .find(|question| question.code == code && question.applies(setting))
            .map(|question| (question.clone(), item))
    }) else {
        return Err(AppError::BadRequest(
            "Evidence: choose evidence offered for reuse on this return. Nothing was saved.".into(),
        ));
    };
    if is_submitted(audit_return.status) {
        let mut errors = FormErrors::default();
        errors.add(&evidence_field(question.id, "text"), SUBMITTED);
        let refused = Refused {
            errors,
            ..Refused::default()
        };
        return render_refused(&return_page_for(&state, &ctx, audit_return, Some(refused)).await?);
    }
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let current = still_open(&mut change, id).await?;
    let already = evidence_store::evidence_of(&mut change, id)
        .await?
        .iter()
        .any(|item| item.reused_from_id == Some(from.id));
    let said = if already {
        change.rollback().await?;
        "That evidence was already reused: nothing changed".to_owned()
    } else {
        evidence_store::reuse_evidence(
            &mut change,
            &current,
            (question.id, &question.code),
            &from,
            &by,
        )
        .await?;
        change.commit().await?;
        format!(
            "Evidence from {} reused on question {}",
            previous.year, question.code
        )
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/returns/{id}#question-{}", question.id)).into_response())
}

/// A file of evidence, reached only through a return the person may see.
pub async fn evidence_file(
    State(state): State<AppState>,
    Loaded(evidence): Loaded<Evidence>,
) -> AppResult<Response> {
    let file_id = evidence.file_id.ok_or(AppError::NotFound)?;
    let (file, bytes) = files::fetch(&state.db, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(files::download(&file, bytes))
}

/// Records whether each of the previous return's actions was completed, and the counts the
/// yearly report reads.
pub async fn save_previous_actions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ReturnId>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let audit_return = answerable(&state, &ctx, id).await?;
    let previous = audit_return.previous_return_id.ok_or(AppError::NotFound)?;
    let actions = evidence_store::actions_of_return(ctx.scope(&state)?, previous).await?;
    if actions.is_empty() {
        return Err(AppError::NotFound);
    }
    let pairs = form_pairs(&body)?;
    let listed: Vec<_> = actions
        .iter()
        .map(|action| (action.id, action.code.as_str()))
        .collect();
    let read = read_completions(&listed, &pairs);
    let refusal = match (&read, is_submitted(audit_return.status)) {
        (Err((typed, errors)), _) => Some((Some(typed.clone()), errors.clone())),
        (Ok(_), true) => {
            let mut errors = FormErrors::default();
            errors.add("previous-actions", SUBMITTED);
            Some((None, errors))
        }
        (Ok(_), false) => None,
    };
    if let Some((completions, errors)) = refusal {
        let refused = Refused {
            completions,
            errors,
            ..Refused::default()
        };
        return render_refused(&return_page_for(&state, &ctx, audit_return, Some(refused)).await?);
    }
    let answers = read.unwrap_or_default();
    let flags: Vec<Option<bool>> = answers.iter().map(|(_, done)| Some(*done)).collect();
    let (all, done) = completion_count(&flags);
    let mut change = ctx.change(&state).await?;
    let current = still_open(&mut change, id).await?;
    evidence_store::record_completion(&mut change, &current, previous, &answers, (all, done))
        .await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Saved: {done} of {all} actions from the last audit completed"),
    )
    .await?;
    Ok(Redirect::to(&format!("/assurance/returns/{id}#previous-actions")).into_response())
}
