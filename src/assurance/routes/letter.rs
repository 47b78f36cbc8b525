//! The feedback letter to a moderated return's organisation: drafted from the moderated
//! grades, edited and sent by the business unit (an e-mail to the organisation's audit
//! respondents saying it is ready), read and downloaded as an accessible PDF by the business unit
//! and the organisation's own people. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::moderation::moderation_state;
use crate::assurance::deep_dive_store::{self as deep, Letter};
use crate::assurance::letter::{LetterDocument, LetterText, draft};
use crate::assurance::store::{AuditReturn, ReturnStatus, Round};
use crate::kernel::auth::CurrentUser;
use crate::kernel::text::{FormErrors, display_date, long_date, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Scope, render, render_refused,
};

#[derive(Template)]
#[template(path = "assurance/templates/letter.html")]
struct LetterPage {
    chrome: Chrome,
    errors: FormErrors,
    audit_return: AuditReturn,
    round: Round,
    text: LetterText,
    /// The business unit edits it (a draft of a moderated return).
    editable: bool,
    moderated: bool,
    sent: Option<(String, String)>,
    saved_draft: bool,
}

/// The business unit sees every letter; the organisation's own people see theirs once sent.
fn may_read_letter(
    user: &CurrentUser,
    audit_return: &AuditReturn,
    letter: Option<&Letter>,
) -> bool {
    user.is_admin()
        || (user.organisation() == Some(audit_return.organisation_id)
            && letter.is_some_and(Letter::is_sent))
}

/// The letter as stored, or the draft from the moderated grades.
async fn letter_text(
    scope: Scope<'_>,
    audit_return: &AuditReturn,
    letter: Option<&Letter>,
) -> AppResult<(Round, LetterText)> {
    let moderation = moderation_state(scope, audit_return).await?;
    let text = match letter {
        Some(letter) => letter.text(),
        None => draft(
            &audit_return.organisation_name,
            &moderation.round.title,
            &moderation.outcomes(),
        ),
    };
    Ok((moderation.round, text))
}

async fn letter_page_for(
    state: &AppState,
    ctx: &Ctx,
    audit_return: AuditReturn,
    typed: Option<LetterText>,
    errors: FormErrors,
) -> AppResult<LetterPage> {
    let user = ctx.user()?;
    let scope = ctx.scope(state)?;
    let letter = deep::letter_of(scope, audit_return.id).await?;
    if !may_read_letter(user, &audit_return, letter.as_ref()) {
        return Err(AppError::NotFound);
    }
    let (round, text) = letter_text(scope, &audit_return, letter.as_ref()).await?;
    let moderated = audit_return.status == ReturnStatus::Moderated;
    let sent = letter.as_ref().filter(|l| l.is_sent()).map(|l| {
        (
            l.sent_by_name.clone().unwrap_or_default(),
            l.sent_at.as_deref().map(display_date).unwrap_or_default(),
        )
    });
    Ok(LetterPage {
        chrome: ctx.chrome(state).await?,
        editable: user.is_admin() && moderated && sent.is_none(),
        saved_draft: letter.is_some() && sent.is_none(),
        text: typed.unwrap_or(text),
        errors,
        audit_return,
        round,
        moderated,
        sent,
    })
}

/// The letter: a form for the business unit while it is a draft, the letter as sent otherwise.
pub async fn letter_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
) -> AppResult<impl IntoResponse> {
    render(&letter_page_for(&state, &ctx, audit_return, None, FormErrors::default()).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LetterForm {
    pub opening: String,
    pub strengths: String,
    pub areas_to_develop: String,
    pub closing: String,
    /// `save` (a draft) or `send`.
    pub action: String,
}

/// Saves the letter as a draft, or sends it: stored as sent, and an e-mail queued to each of
/// the organisation's audit respondents saying it is ready. A sent letter is not changed.
pub async fn save_letter(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
    Form(form): Form<LetterForm>,
) -> AppResult<Response> {
    let typed = LetterText {
        opening: form.opening,
        strengths: form.strengths,
        areas_to_develop: form.areas_to_develop,
        closing: form.closing,
    };
    let mut errors = FormErrors::default();
    let text = typed.checked(&mut errors);
    if audit_return.status != ReturnStatus::Moderated {
        errors = FormErrors::default();
        errors.add(
            "opening",
            "The return is not marked moderated: the letter is written from the moderated grades. Nothing was saved",
        );
    }
    if !errors.is_empty() {
        return render_refused(
            &letter_page_for(&state, &ctx, audit_return, Some(typed), errors).await?,
        );
    }
    let send = form.action == "send";
    let by = ctx.user()?.display_name.clone();
    let partnership = ctx.user()?.partnership();
    let mut change = ctx.change(&state).await?;
    let recipients = deep::respondent_emails(&mut change, audit_return.organisation_id).await?;
    if !deep::save_letter(&mut change, &audit_return, &text, send, &by).await? {
        change.rollback().await?;
        ctx.flash(&state, "This letter was already sent: nothing changed")
            .await?;
        return Ok(
            Redirect::to(&format!("/assurance/returns/{}/letter", audit_return.id)).into_response(),
        );
    }
    if send {
        let round = crate::assurance::store::find_round(&mut change, audit_return.round_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let subject = format!("Your {} feedback letter is ready", round.title);
        let body = format!(
            "The partnership's panel has moderated {}'s {} return, and its feedback letter is ready.\n\n\
             Sign in to MASA to read it and download it as a PDF: /assurance/returns/{}/letter\n",
            audit_return.organisation_name, round.title, audit_return.id
        );
        for to in &recipients {
            crate::kernel::outbox::queue(change.transaction(), partnership, to, &subject, &body)
                .await?;
        }
    }
    change.commit().await?;
    let said = if send {
        format!(
            "Feedback letter sent to {}: {}",
            audit_return.organisation_name,
            crate::kernel::filters::count_of(
                recipients.len() as i64,
                "respondent e-mailed",
                "respondents e-mailed"
            )
        )
    } else {
        "Draft letter saved".to_owned()
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/returns/{}/letter", audit_return.id)).into_response())
}

/// The letter as an accessible PDF: for the business unit (a draft too, to check it) and, once
/// sent, the organisation's own people; not found for anyone else.
pub async fn letter_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let scope = ctx.scope(&state)?;
    let letter = deep::letter_of(scope, audit_return.id).await?;
    if !may_read_letter(user, &audit_return, letter.as_ref()) {
        return Err(AppError::NotFound);
    }
    if letter.is_none() && audit_return.status != ReturnStatus::Moderated {
        return Err(AppError::NotFound);
    }
    let (round, text) = letter_text(scope, &audit_return, letter.as_ref()).await?;
    let dated = letter
        .as_ref()
        .and_then(|l| l.sent_at.clone().or(Some(l.updated_at.clone())))
        .and_then(|at| crate::kernel::text::parse_iso_date(at.get(..10)?))
        .unwrap_or_else(today);
    let document = LetterDocument {
        title: format!("Feedback on your {} return", round.title),
        partnership: deep::partnership_name(scope).await?,
        organisation: audit_return.organisation_name.clone(),
        round: round.title.clone(),
        date: long_date(dated),
        text,
    };
    let timestamp = dated.midnight().assume_utc();
    let identifier = format!("masa-letter-{}", audit_return.id);
    let rendered = tokio::task::spawn_blocking(move || {
        crate::assurance::letter::render_pdf(&document, timestamp, &identifier)
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?;
    let bytes = rendered.map_err(AppError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"feedback-letter-{}.pdf\"",
                    audit_return.id
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
