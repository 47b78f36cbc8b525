//! Moderation of a return in its round's deep-dive sample: the page shows the return's
//! self-grade per standard, each panel member's judgements and the agreement between them; a
//! panel member records theirs; the business unit marks the return moderated once two or more
//! have recorded every standard. Each handler: extract, authorise, act, render.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{form_pairs, sees_only_own_organisation};
use crate::assurance::agreement::Agreement;
use crate::assurance::deep_dive_store::{self as deep, ModerationRecord, NewJudgement};
use crate::assurance::grades::{GRADES_PLACES, Grade, Share, percent};
use crate::assurance::letter::StandardOutcome;
use crate::assurance::moderation::{
    AGREE, FORM_FIELD, ModeratedStandard, comment_field, decision_field, members_complete,
    moderated_standards, panel_agreement, read_moderation, ready_to_mark,
};
use crate::assurance::store::{self, AuditReturn, ReturnStatus, Round};
use crate::kernel::auth::CurrentUser;
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Permission, Scope, render, render_refused,
};

/// Where a return stands in moderation: its round, the standards with their self-grades, every
/// judgement recorded, the agreement between panel members, and who has recorded every standard.
pub struct ModerationState {
    pub round: Round,
    pub standards: Vec<ModeratedStandard>,
    pub records: Vec<ModerationRecord>,
    pub agreement: Agreement,
    pub complete: BTreeSet<i64>,
    /// Why the return is in its round's current sample; none when it is not in it.
    pub in_sample: Option<String>,
}

impl ModerationState {
    /// Each moderated standard's agreed grade and the panel's comments on it, for the letter.
    pub fn outcomes(&self) -> Vec<StandardOutcome> {
        self.standards
            .iter()
            .filter_map(|standard| {
                let grade = *self.agreement.moderated.get(&standard.number)?;
                Some(StandardOutcome {
                    number: standard.number,
                    title: standard.title.clone(),
                    grade,
                    comments: self
                        .records
                        .iter()
                        .filter(|r| r.standard_id == standard.id && !r.comment.is_empty())
                        .map(|r| r.comment.clone())
                        .collect(),
                })
            })
            .collect()
    }

    pub fn ready_to_mark(&self) -> bool {
        ready_to_mark(&self.standards, &self.complete)
    }
}

pub async fn moderation_state(
    scope: Scope<'_>,
    audit_return: &AuditReturn,
) -> AppResult<ModerationState> {
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
    let answers = store::answers_of(scope, audit_return.id).await?;
    let standards = moderated_standards(&version, setting, &answers);
    let records = deep::moderations_of(scope, audit_return.id).await?;
    let agreement = panel_agreement(
        &standards,
        records
            .iter()
            .map(|r| (r.standard_number, r.moderator_user_id.get(), r.grade)),
    );
    let complete = members_complete(
        &standards,
        records
            .iter()
            .map(|r| (r.standard_id, r.moderator_user_id.get())),
    );
    let in_sample = deep::reason_in_current_sample(scope, audit_return.id).await?;
    Ok(ModerationState {
        round,
        standards,
        records,
        agreement,
        complete,
        in_sample,
    })
}

/// The agreement between a return's panel members, in words for a page.
pub struct AgreementView {
    pub moderators: usize,
    /// "3 of 4 standards (75.0%)", of the standards two or more judged.
    pub between_moderators: String,
    /// Judgements agreeing with the self-grade.
    pub with_self_grade: String,
    pub cohen_kappa: String,
    pub fleiss_kappa: String,
}

fn share_words(share: Share, of_what: &str) -> String {
    if share.of == 0 {
        "not yet: no standard judged by two or more".to_owned()
    } else {
        format!(
            "{} of {} {of_what} ({})",
            share.count,
            share.of,
            percent(share, GRADES_PLACES)
        )
    }
}

fn kappa_words(kappa: Option<f64>) -> String {
    kappa.map_or_else(
        || "not defined (too few judgements, or every grade the same)".to_owned(),
        |k| format!("{k:.2}"),
    )
}

impl AgreementView {
    pub fn of(agreement: &Agreement) -> AgreementView {
        AgreementView {
            moderators: agreement.moderators,
            between_moderators: share_words(agreement.moderators_agree, "standards"),
            with_self_grade: if agreement.with_self_grade.of == 0 {
                "no judgement yet".to_owned()
            } else {
                format!(
                    "{} of {} judgements ({})",
                    agreement.with_self_grade.count,
                    agreement.with_self_grade.of,
                    percent(agreement.with_self_grade, GRADES_PLACES)
                )
            },
            cohen_kappa: kappa_words(agreement.cohen_kappa),
            fleiss_kappa: kappa_words(agreement.fleiss_kappa),
        }
    }
}

/// One panel member's judgement of a standard, as the table shows it.
struct JudgementView {
    moderator: String,
    grade: &'static str,
    agrees: bool,
    comment: String,
}

/// One standard's row: the self-grade, every judgement, the moderated grade; and the current
/// panel member's form fields.
struct StandardRow {
    number: i64,
    title: String,
    self_grade: Option<&'static str>,
    judgements: Vec<JudgementView>,
    moderated: Option<&'static str>,
    decision_field: String,
    comment_field: String,
    /// (id, value, label, checked)
    options: Vec<(String, String, String, bool)>,
    comment: String,
    decision_error: Option<String>,
    comment_error: Option<String>,
}

#[derive(Template)]
#[template(path = "assurance/templates/moderation.html")]
struct ModerationPage {
    chrome: Chrome,
    errors: FormErrors,
    audit_return: AuditReturn,
    round: Round,
    status: &'static str,
    in_sample: Option<String>,
    rows: Vec<StandardRow>,
    agreement: AgreementView,
    complete: usize,
    needed: usize,
    /// The person may record judgements on this return now.
    may_moderate: bool,
    /// Why the person may not, when they are on the panel.
    not_now: Option<String>,
    form_error: Option<String>,
    can_mark: bool,
    ready: bool,
    mark_error: Option<String>,
    is_admin: bool,
}

const MARK_FIELD: &str = "mark-moderated";

/// Why a panel member may not record judgements on this return now; none when they may.
fn why_not(
    user: &CurrentUser,
    audit_return: &AuditReturn,
    state: &ModerationState,
) -> Option<String> {
    if state.in_sample.is_none() {
        return Some(
            "This return is not in its round's deep-dive sample: only sampled returns are moderated."
                .to_owned(),
        );
    }
    if audit_return.status == ReturnStatus::Moderated {
        return Some("This return has been marked moderated: its judgements are final.".to_owned());
    }
    if audit_return.status != ReturnStatus::Submitted {
        return Some(
            "This return has been reopened: it is moderated once submitted again.".to_owned(),
        );
    }
    if user.organisation() == Some(audit_return.organisation_id) {
        return Some(
            "You cannot moderate your own organisation's return: another panel member does."
                .to_owned(),
        );
    }
    None
}

/// What the current panel member typed, per standard number: (decision, comment).
type Typed = std::collections::HashMap<i64, (String, String)>;

async fn moderation_page_for(
    state: &AppState,
    ctx: &Ctx,
    audit_return: AuditReturn,
    typed: Option<Typed>,
    errors: FormErrors,
) -> AppResult<ModerationPage> {
    let user = ctx.user()?;
    let scope = ctx.scope(state)?;
    let moderation = moderation_state(scope, &audit_return).await?;
    let on_panel = user.can(Permission::ModerateAudit);
    let not_now = if on_panel {
        why_not(user, &audit_return, &moderation)
    } else {
        None
    };
    let may_moderate = on_panel && not_now.is_none();
    let mine: Vec<&ModerationRecord> = moderation
        .records
        .iter()
        .filter(|r| r.moderator_user_id == user.id)
        .collect();
    let rows = moderation
        .standards
        .iter()
        .map(|standard| {
            let own = mine.iter().find(|r| r.standard_id == standard.id);
            let (decision, comment) = match typed.as_ref() {
                Some(typed) => typed.get(&standard.number).cloned().unwrap_or_default(),
                None => own.map_or_else(Default::default, |r| {
                    let decision = if r.agrees() {
                        AGREE.to_owned()
                    } else {
                        r.grade.code().to_owned()
                    };
                    (decision, r.comment.clone())
                }),
            };
            let field = decision_field(standard.number);
            let mut values: Vec<(String, String)> = Vec::new();
            if let Some(own_grade) = standard.self_grade {
                values.push((
                    AGREE.to_owned(),
                    format!("Agree with the self-grade ({})", own_grade.label()),
                ));
            }
            values.extend(Grade::ALL.into_iter().map(|g| {
                (
                    g.code().to_owned(),
                    format!("Moderated grade: {}", g.label()),
                )
            }));
            let options = values
                .into_iter()
                .enumerate()
                .map(|(index, (value, label))| {
                    let id = if index == 0 {
                        field.clone()
                    } else {
                        format!("{field}-{index}")
                    };
                    let checked = value == decision;
                    (id, value, label, checked)
                })
                .collect();
            StandardRow {
                number: standard.number,
                title: standard.title.clone(),
                self_grade: standard.self_grade.map(Grade::label),
                judgements: moderation
                    .records
                    .iter()
                    .filter(|r| r.standard_id == standard.id)
                    .map(|r| JudgementView {
                        moderator: r.moderator_name.clone(),
                        grade: r.grade.label(),
                        agrees: r.agrees(),
                        comment: r.comment.clone(),
                    })
                    .collect(),
                moderated: moderation
                    .agreement
                    .moderated
                    .get(&standard.number)
                    .map(|g| g.label()),
                decision_error: errors.get(&field).map(str::to_owned),
                comment_error: errors
                    .get(&comment_field(standard.number))
                    .map(str::to_owned),
                comment_field: comment_field(standard.number),
                decision_field: field,
                options,
                comment,
            }
        })
        .collect();
    let can_mark =
        user.can(Permission::ManageAssurance) && audit_return.status == ReturnStatus::Submitted;
    Ok(ModerationPage {
        chrome: ctx.chrome(state).await?,
        form_error: errors.get(FORM_FIELD).map(str::to_owned),
        mark_error: errors.get(MARK_FIELD).map(str::to_owned),
        status: audit_return.status.label(),
        in_sample: moderation.in_sample.clone(),
        agreement: AgreementView::of(&moderation.agreement),
        complete: moderation.complete.len(),
        needed: crate::assurance::moderation::MODERATORS_NEEDED,
        ready: moderation.ready_to_mark(),
        round: moderation.round,
        is_admin: user.is_admin(),
        errors,
        audit_return,
        rows,
        may_moderate,
        not_now,
        can_mark,
    })
}

/// The page is for the panel, the business unit and those who read assurance across the
/// partnership; someone who acts for one organisation reads its feedback letter instead.
fn may_read_moderation(user: &CurrentUser) -> bool {
    !sees_only_own_organisation(&user.roles)
}

/// A return's moderation: self-grades, judgements, agreement, and the panel member's form.
pub async fn moderation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
) -> AppResult<impl IntoResponse> {
    if !may_read_moderation(ctx.user()?) {
        return Err(AppError::NotFound);
    }
    render(&moderation_page_for(&state, &ctx, audit_return, None, FormErrors::default()).await?)
}

/// Saves the current panel member's judgements: every value checked first, nothing saved if
/// any is refused.
pub async fn save_moderation(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let user = ctx.user()?;
    if !may_read_moderation(user) {
        return Err(AppError::NotFound);
    }
    let pairs = form_pairs(&body)?;
    let moderation = moderation_state(ctx.scope(&state)?, &audit_return).await?;
    let mut read = read_moderation(&moderation.standards, &pairs);
    if let Some(reason) = why_not(user, &audit_return, &moderation) {
        read.errors = FormErrors::default();
        read.errors
            .add(FORM_FIELD, format!("{reason} Nothing was saved"));
    }
    if !read.errors.is_empty() {
        let page =
            moderation_page_for(&state, &ctx, audit_return, Some(read.typed), read.errors).await?;
        return render_refused(&page);
    }
    let judgements: Vec<NewJudgement> = read
        .judgements
        .iter()
        .map(|j| NewJudgement {
            standard_id: j.standard,
            standard_number: j.number,
            agrees: j.agrees,
            grade: j.grade,
            comment: j.comment.clone(),
        })
        .collect();
    let (user_id, name) = (user.id, user.display_name.clone());
    let mut change = ctx.change(&state).await?;
    // Checked again inside the change: the return marked moderated or reopened meanwhile wins.
    let current = store::find_return(&mut change, audit_return.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != ReturnStatus::Submitted {
        change.rollback().await?;
        return Err(AppError::BadRequest(
            "This return was marked moderated or reopened a moment ago. Nothing was saved.".into(),
        ));
    }
    deep::save_moderation(&mut change, &current, user_id, &name, &judgements).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Your moderation of {} standards saved", judgements.len()),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/assurance/returns/{}/moderation",
        audit_return.id
    ))
    .into_response())
}

/// Marks a return moderated, once two or more panel members have recorded every standard.
pub async fn mark_moderated(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
) -> AppResult<Response> {
    let moderation = moderation_state(ctx.scope(&state)?, &audit_return).await?;
    let mut errors = FormErrors::default();
    if audit_return.status == ReturnStatus::Moderated {
        ctx.flash(
            &state,
            "This return was already marked moderated: nothing changed",
        )
        .await?;
        return Ok(Redirect::to(&format!(
            "/assurance/returns/{}/moderation",
            audit_return.id
        ))
        .into_response());
    }
    if moderation.in_sample.is_none() || audit_return.status != ReturnStatus::Submitted {
        errors.add(
            MARK_FIELD,
            "Only a submitted return in the round's deep-dive sample can be marked moderated",
        );
    } else if !moderation.ready_to_mark() {
        errors.add(
            MARK_FIELD,
            format!(
                "Two or more panel members must each record every standard first ({} has so far)",
                crate::kernel::filters::count_of(
                    moderation.complete.len() as i64,
                    "member",
                    "members"
                )
            ),
        );
    }
    if !errors.is_empty() {
        return render_refused(
            &moderation_page_for(&state, &ctx, audit_return, None, errors).await?,
        );
    }
    let mut change = ctx.change(&state).await?;
    let said = if deep::mark_moderated(&mut change, &audit_return).await? {
        change.commit().await?;
        format!(
            "{}'s return marked moderated: its feedback letter can now be written",
            audit_return.organisation_name
        )
    } else {
        change.rollback().await?;
        "This return is no longer submitted: nothing changed".to_owned()
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!(
        "/assurance/returns/{}/moderation",
        audit_return.id
    ))
    .into_response())
}
