//! The business unit's reminders and extensions: send a chaser about a return now, and grant a
//! return more time (a later due date, with a reason). Each handler: extract, authorise, act,
//! render.

use askama::Template;
use axum::extract::{RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::form_pairs;
use crate::assurance::chasers;
use crate::assurance::progress::is_submitted;
use crate::assurance::store::{self, AuditReturn, Extension, Round};
use crate::kernel::text::{DateParts, FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, filters, render, render_refused,
};

/// The longest reason for an extension.
const REASON_LIMIT: usize = 1000;

async fn round_of(state: &AppState, ctx: &Ctx, audit_return: &AuditReturn) -> AppResult<Round> {
    store::find_round(ctx.scope(state)?, audit_return.round_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Sends a reminder about a return not yet submitted to its organisation's audit respondents,
/// now; recorded as the return's last chaser and in the audit trail.
pub async fn send_reminder(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
) -> AppResult<Response> {
    let round = round_of(&state, &ctx, &audit_return).await?;
    let back = Redirect::to(&format!("/assurance/rounds/{}", round.id)).into_response();
    if is_submitted(audit_return.status) {
        ctx.flash(
            &state,
            &format!(
                "{}'s return is submitted: no reminder was sent",
                audit_return.organisation_name
            ),
        )
        .await?;
        return Ok(back);
    }
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let sent = chasers::send_now(&mut change, &audit_return, &round.title, today(), &by).await?;
    let said = if sent == 0 {
        change.rollback().await?;
        format!(
            "{} has no audit respondents: no reminder was sent. Add one under Partnership, People.",
            audit_return.organisation_name
        )
    } else {
        change.commit().await?;
        format!(
            "Sent a reminder about {}'s return to {} audit respondent{}",
            audit_return.organisation_name,
            sent,
            if sent == 1 { "" } else { "s" }
        )
    };
    ctx.flash(&state, &said).await?;
    Ok(back)
}

// ---- extensions ----

#[derive(Debug, Default)]
struct ExtensionForm {
    due_on: DateParts,
    reason: String,
}

impl ExtensionForm {
    fn from_pairs(pairs: &[(String, String)]) -> ExtensionForm {
        let first = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        ExtensionForm {
            due_on: DateParts {
                day: first("due_on_day"),
                month: first("due_on_month"),
                year: first("due_on_year"),
            },
            reason: first("reason"),
        }
    }
}

#[derive(Template)]
#[template(path = "assurance/templates/extension.html")]
struct ExtensionPage {
    chrome: Chrome,
    errors: FormErrors,
    audit_return: AuditReturn,
    round: Round,
    extensions: Vec<Extension>,
    submitted: bool,
    due_on: DateParts,
    reason: String,
}

async fn extension_page_for(
    state: &AppState,
    ctx: &Ctx,
    audit_return: AuditReturn,
    errors: FormErrors,
    form: ExtensionForm,
) -> AppResult<ExtensionPage> {
    let round = round_of(state, ctx, &audit_return).await?;
    Ok(ExtensionPage {
        chrome: ctx.chrome(state).await?,
        extensions: store::extensions_of_return(ctx.scope(state)?, audit_return.id).await?,
        submitted: is_submitted(audit_return.status),
        due_on: form.due_on,
        reason: form.reason,
        errors,
        audit_return,
        round,
    })
}

/// The form to grant a return an extension, with the extensions it has had.
pub async fn extension_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
) -> AppResult<impl IntoResponse> {
    render(
        &extension_page_for(
            &state,
            &ctx,
            audit_return,
            FormErrors::default(),
            ExtensionForm::default(),
        )
        .await?,
    )
}

/// The new due date and reason, checked: a real date after the current due date, and a reason.
fn check_extension(
    form: &ExtensionForm,
    audit_return: &AuditReturn,
    errors: &mut FormErrors,
) -> Option<(time::Date, String)> {
    if is_submitted(audit_return.status) {
        errors.add(
            "due_on",
            "The return has been submitted: it needs no extension",
        );
    }
    let due_on = errors.date("due_on", "New due date", &form.due_on, true);
    if let Some(due_on) = due_on
        && due_on <= audit_return.due_on
    {
        errors.add(
            "due_on",
            format!(
                "New due date must be after the current due date, {}",
                crate::kernel::text::long_date(audit_return.due_on)
            ),
        );
    }
    let reason = errors.required_text(
        "reason",
        "The reason for the extension",
        &form.reason,
        REASON_LIMIT,
    );
    if !errors.is_empty() {
        return None;
    }
    Some((due_on?, reason))
}

/// Grants an extension: the return's due date moves, the extension is listed on the return and
/// the dashboard, and the chasers follow the new date.
pub async fn grant_extension(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let form = ExtensionForm::from_pairs(&form_pairs(&body)?);
    let mut errors = FormErrors::default();
    let Some((due_on, reason)) = check_extension(&form, &audit_return, &mut errors) else {
        return render_refused(
            &extension_page_for(&state, &ctx, audit_return, errors, form).await?,
        );
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    store::grant_extension(&mut change, &audit_return, due_on, &reason, &by).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "Extended {}'s return to {}",
            audit_return.organisation_name,
            crate::kernel::text::long_date(due_on)
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/assurance/rounds/{}", audit_return.round_id)).into_response())
}
