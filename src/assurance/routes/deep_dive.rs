//! A round's deep-dive sample: the page explains the current sample (its criteria, seed, who
//! drew it and when, and why each return is in it, with the panel's progress and agreement), and
//! the business unit draws it by criteria with a seed, or chooses it by hand.
//!
//! Every draw is kept. A new draw replaces the current sample only until moderation of it has
//! begun: after that the sample is fixed, so no panel member's work falls outside it. Earlier
//! draws stay listed with their seeds and criteria, so any of them can be explained and drawn
//! again. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::extract::{RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::moderation::{AgreementView, moderation_state};
use super::{form_pairs, sees_only_own_organisation};
use crate::assurance::deep_dive::{RANDOM_SEED_BELOW, SampleForm, describe, stratum};
use crate::assurance::deep_dive_store::{self as deep, NewSample, Sample};
use crate::assurance::model::ReturnId;
use crate::assurance::progress::is_submitted;
use crate::assurance::sampling::{self, Candidate};
use crate::assurance::store::{self, AuditReturn, Round};
use crate::kernel::text::{FormErrors, display_date};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Permission, Scope, render, render_refused,
};

/// A submitted return of the round, with what it is drawn by.
struct Eligible {
    audit_return: AuditReturn,
    stratum: String,
    inspection: String,
    last_inspected: String,
    candidate: Candidate,
}

async fn eligible(scope: Scope<'_>, round: &Round) -> AppResult<Vec<Eligible>> {
    let settings = store::settings(scope).await?;
    Ok(store::returns_of_round(scope, round.id)
        .await?
        .into_iter()
        .filter(|r| is_submitted(r.status))
        .map(|audit_return| {
            let setting = settings.get(&audit_return.organisation_id);
            let candidate = Candidate {
                id: audit_return.id.get(),
                name: audit_return.organisation_name.clone(),
                stratum: stratum(setting.map(|s| s.setting)),
                inspection_grade: setting.and_then(|s| s.inspection_grade),
                last_inspected: setting.and_then(|s| s.last_inspected_on),
                new_provision: setting.is_some_and(|s| s.new_provision),
            };
            Eligible {
                stratum: candidate.stratum.clone(),
                inspection: match (candidate.inspection_grade, candidate.new_provision) {
                    (_, true) => "New provision".to_owned(),
                    (Some(grade), false) => grade.to_string(),
                    (None, false) => "None on record".to_owned(),
                },
                last_inspected: candidate.last_inspected.map_or_else(
                    || "None on record".to_owned(),
                    crate::kernel::text::long_date,
                ),
                candidate,
                audit_return,
            }
        })
        .collect())
}

/// One return of the current sample, as the page lists it.
struct SampleRow {
    return_id: ReturnId,
    organisation: String,
    stratum: String,
    inspection: String,
    last_inspected: String,
    reason: String,
    status: &'static str,
    complete: usize,
    agreement: AgreementView,
}

struct SampleView {
    sample: Sample,
    drawn_at: String,
    rows: Vec<SampleRow>,
}

/// An earlier draw, replaced.
struct EarlierDraw {
    sample: Sample,
    drawn_at: String,
    replaced_at: String,
    size: usize,
}

#[derive(Template)]
#[template(path = "assurance/templates/sample.html")]
struct SamplePage {
    chrome: Chrome,
    errors: FormErrors,
    round: Round,
    current: Option<SampleView>,
    earlier: Vec<EarlierDraw>,
    /// Moderation of the current sample has begun: it is fixed.
    fixed: bool,
    can_manage: bool,
    form: SampleForm,
    /// (id, organisation, stratum, ticked) of every submitted return, for choosing by hand.
    candidates: Vec<(String, String, String, bool)>,
    submitted: usize,
    /// (code, label) of the inspection grades a draw may take first.
    grade_options: Vec<(String, String)>,
}

async fn sample_page_for(
    state: &AppState,
    ctx: &Ctx,
    round: Round,
    form: SampleForm,
    errors: FormErrors,
) -> AppResult<SamplePage> {
    let user = ctx.user()?;
    let scope = ctx.scope(state)?;
    let eligible = eligible(scope, &round).await?;
    let samples = deep::samples_of_round(scope, round.id).await?;
    let mut current = None;
    let mut earlier = Vec::new();
    let mut fixed = false;
    for sample in samples {
        let returns = deep::sample_returns(scope, sample.id).await?;
        if sample.replaced_at.is_none() && current.is_none() {
            fixed = deep::moderations_in_sample(scope, sample.id).await? > 0;
            let mut rows = Vec::new();
            for sampled in &returns {
                let Some(audit_return) = store::find_return(scope, sampled.return_id).await? else {
                    continue;
                };
                let facts = eligible
                    .iter()
                    .find(|e| e.audit_return.id == audit_return.id);
                let moderation = moderation_state(scope, &audit_return).await?;
                rows.push(SampleRow {
                    return_id: audit_return.id,
                    organisation: audit_return.organisation_name.clone(),
                    stratum: facts.map(|f| f.stratum.clone()).unwrap_or_default(),
                    inspection: facts.map(|f| f.inspection.clone()).unwrap_or_default(),
                    last_inspected: facts.map(|f| f.last_inspected.clone()).unwrap_or_default(),
                    reason: sampled.reason.clone(),
                    status: match audit_return.status {
                        store::ReturnStatus::Moderated => "Moderated",
                        store::ReturnStatus::Submitted => "Submitted",
                        _ => "Reopened",
                    },
                    complete: moderation.complete.len(),
                    agreement: AgreementView::of(&moderation.agreement),
                });
            }
            current = Some(SampleView {
                drawn_at: display_date(&sample.drawn_at),
                sample,
                rows,
            });
        } else {
            earlier.push(EarlierDraw {
                drawn_at: display_date(&sample.drawn_at),
                replaced_at: sample
                    .replaced_at
                    .as_deref()
                    .map(display_date)
                    .unwrap_or_default(),
                size: returns.len(),
                sample,
            });
        }
    }
    let ticked: Vec<&str> = form.returns.iter().map(String::as_str).collect();
    Ok(SamplePage {
        chrome: ctx.chrome(state).await?,
        can_manage: user.can(Permission::ManageAssurance),
        submitted: eligible.len(),
        grade_options: vec![
            (
                "3".to_owned(),
                "3 (requires improvement) or worse".to_owned(),
            ),
            ("4".to_owned(), "4 (inadequate)".to_owned()),
        ],
        candidates: eligible
            .iter()
            .map(|e| {
                let id = e.audit_return.id.to_string();
                let is_ticked = ticked.contains(&id.as_str());
                (
                    id,
                    e.audit_return.organisation_name.clone(),
                    e.stratum.clone(),
                    is_ticked,
                )
            })
            .collect(),
        errors,
        round,
        current,
        earlier,
        fixed,
        form,
    })
}

/// Someone who acts for one organisation does not see which others were sampled.
fn may_read_sample(ctx: &Ctx) -> AppResult<()> {
    if sees_only_own_organisation(&ctx.user()?.roles) {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The round's deep-dive sample, and (for the business unit) the form to draw it.
pub async fn sample_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(round): Loaded<Round>,
) -> AppResult<impl IntoResponse> {
    may_read_sample(&ctx)?;
    render(
        &sample_page_for(
            &state,
            &ctx,
            round,
            SampleForm::suggested(),
            FormErrors::default(),
        )
        .await?,
    )
}

/// Draws the round's sample by its criteria and seed, or stores the returns chosen by hand.
pub async fn draw_sample(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(round): Loaded<Round>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    may_read_sample(&ctx)?;
    let form = SampleForm::from_pairs(&form_pairs(&body)?);
    let scope = ctx.scope(&state)?;
    let eligible = eligible(scope, &round).await?;
    let mut errors = FormErrors::default();
    let made = if form.is_by_hand() {
        let ids: Vec<i64> = eligible.iter().map(|e| e.candidate.id).collect();
        form.chosen(&ids, &mut errors).map(|chosen| {
            (
                NewSample {
                    seed: None,
                    rule: String::new(),
                    criteria: "Chosen by hand".to_owned(),
                },
                sampling::by_hand(chosen),
            )
        })
    } else {
        form.rule(&mut errors).and_then(|(rule, seed)| {
            let seed = seed.unwrap_or_else(|| rand::random::<u64>() % RANDOM_SEED_BELOW);
            let candidates: Vec<Candidate> = eligible.iter().map(|e| e.candidate.clone()).collect();
            let drawn = sampling::draw(&candidates, &rule, seed);
            if drawn.is_empty() {
                errors.add(
                    "fraction_percent",
                    "The round has no submitted returns to draw from yet",
                );
                return None;
            }
            Some((
                NewSample {
                    seed: Some(seed),
                    rule: serde_json::to_string(&rule).unwrap_or_default(),
                    criteria: describe(&rule),
                },
                drawn,
            ))
        })
    };
    let Some((sample, chosen)) = made.filter(|_| errors.is_empty()) else {
        return render_refused(&sample_page_for(&state, &ctx, round, form, errors).await?);
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    // Checked inside the change: once a panel member has recorded a judgement, the sample holds.
    if let Some((current, _)) = deep::current_sample(&mut change, round.id).await?
        && deep::moderations_in_sample(&mut change, current.id).await? > 0
    {
        change.rollback().await?;
        let mut errors = FormErrors::default();
        errors.add(
            "method",
            "Moderation of the current sample has begun: it can no longer be redrawn. Nothing was saved",
        );
        return render_refused(&sample_page_for(&state, &ctx, round, form, errors).await?);
    }
    deep::record_sample(&mut change, &round, &sample, &chosen, &by).await?;
    change.commit().await?;
    let said = match sample.seed {
        Some(seed) => format!(
            "Drew a sample of {} with seed {seed}",
            crate::kernel::filters::count_of(chosen.len() as i64, "return", "returns")
        ),
        None => format!(
            "Chose a sample of {} by hand",
            crate::kernel::filters::count_of(chosen.len() as i64, "return", "returns")
        ),
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/rounds/{}/sample", round.id)).into_response())
}
