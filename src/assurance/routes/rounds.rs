//! Rounds: opening one for a population, the returns dashboard, and reopening a submitted
//! return. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Query, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{form_pairs, sees_only_own_organisation};
use crate::assurance::dashboard_store;
use crate::assurance::figures::round_standing;
use crate::assurance::forms::{Candidate, FrameworkChoice, Population, RoundForm};
use crate::assurance::grades::{RETURNS_PLACES, Share, percent};
use crate::assurance::model::{ReturnId, Setting};
use crate::assurance::progress::{ReturnProgress, is_submitted};
use crate::assurance::store::{self, AuditReturn, Round};
use crate::kernel::auth::CurrentUser;
use crate::kernel::ids::OrganisationId;
use crate::kernel::paging::page_count;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppResult, AppState, Chrome, Ctx, Loaded, Permission, Scope, filters, render, render_refused,
};

// ---- opening a round ----

/// A kind of organisation and its members, for the population's checkboxes.
struct OrganisationGroup {
    heading: String,
    key: String,
    /// (id, name, ticked)
    organisations: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "assurance/templates/round_form.html")]
struct RoundFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: RoundForm,
    frameworks: Vec<(String, String)>,
    /// (code, label, chosen)
    populations: Vec<(&'static str, &'static str, bool)>,
    groups: Vec<OrganisationGroup>,
}

/// What a round may use and go to: the partnership's published frameworks, and its
/// organisations grouped by kind (as the pick-lists group them).
async fn offered(
    scope: Scope<'_>,
) -> AppResult<(
    Vec<FrameworkChoice>,
    Vec<crate::kernel::choices::ChoiceGroup>,
)> {
    let frameworks = store::list_frameworks(scope)
        .await?
        .into_iter()
        .filter_map(|framework| {
            Some(FrameworkChoice {
                framework_id: framework.id,
                version_id: framework.version_id?,
                label: format!(
                    "{} (version {})",
                    framework.title,
                    framework.version_number.unwrap_or(1)
                ),
            })
        })
        .collect();
    let groups = crate::partnership::organisation_select(scope, "")
        .await?
        .groups;
    Ok((frameworks, groups))
}

fn candidates(groups: &[crate::kernel::choices::ChoiceGroup]) -> Vec<Candidate> {
    groups
        .iter()
        .flat_map(|group| {
            group.choices.iter().filter_map(|(id, _)| {
                Some(Candidate {
                    id: id.parse().ok()?,
                    kind: group.key.clone(),
                })
            })
        })
        .collect()
}

async fn round_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: RoundForm,
) -> AppResult<RoundFormPage> {
    let (frameworks, groups) = offered(ctx.scope(state)?).await?;
    let mut framework_options = vec![(String::new(), "Choose a framework".to_owned())];
    framework_options.extend(
        frameworks
            .into_iter()
            .map(|choice| (choice.version_id.to_string(), choice.label)),
    );
    Ok(RoundFormPage {
        chrome: ctx.chrome(state).await?,
        frameworks: framework_options,
        populations: Population::ALL
            .into_iter()
            .map(|population| {
                (
                    population.code(),
                    population.label(),
                    form.population == population.code(),
                )
            })
            .collect(),
        groups: groups
            .into_iter()
            .map(|group| OrganisationGroup {
                organisations: group
                    .choices
                    .into_iter()
                    .map(|(id, name)| {
                        let ticked = form.is_chosen(&id);
                        (id, name, ticked)
                    })
                    .collect(),
                heading: group.label,
                key: group.key,
            })
            .collect(),
        errors,
        form,
    })
}

pub async fn new_round_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let form = RoundForm {
        target_percent: "95".to_owned(),
        ..RoundForm::default()
    };
    render(&round_form_page(&state, &ctx, FormErrors::default(), form).await?)
}

/// Opens a round: one return per organisation of the population, pre-filled from its last.
pub async fn open_round(
    State(state): State<AppState>,
    ctx: Ctx,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let form = RoundForm::from_pairs(&form_pairs(&body)?);
    let (frameworks, groups) = offered(ctx.scope(&state)?).await?;
    let mut errors = FormErrors::default();
    let Some(new_round) = form.validate(&mut errors, &frameworks, &candidates(&groups)) else {
        return render_refused(&round_form_page(&state, &ctx, errors, form).await?);
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let id = store::open_round(&mut change, &new_round, &by).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "Opened {} for {}",
            new_round.title,
            filters::count_of(
                new_round.organisations.len() as i64,
                "organisation",
                "organisations"
            )
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/assurance/rounds/{id}")).into_response())
}

// ---- the returns dashboard ----

/// One row of the dashboard's table of returns.
struct ReturnRow {
    progress: ReturnProgress,
    /// Submitted or moderated: the business unit may reopen it.
    reopenable: bool,
    reason: String,
    reason_error: Option<String>,
    /// The last reminder sent about it: (what it was, when).
    last_chaser: Option<(&'static str, time::Date)>,
    /// Its latest extension.
    extension: Option<store::Extension>,
    /// It follows another partnership's return: that partnership's name (changed only there).
    answered_in: Option<String>,
}

impl ReturnRow {
    fn audit_return(&self) -> &AuditReturn {
        &self.progress.audit_return
    }
}

#[derive(Template)]
#[template(path = "assurance/templates/round.html")]
struct RoundPage {
    chrome: Chrome,
    errors: FormErrors,
    round: Round,
    rows: Vec<ReturnRow>,
    /// (label, tag class, count)
    counts: Vec<(&'static str, &'static str, i64)>,
    rate: Share,
    rate_text: String,
    below_target: bool,
    all_returns: i64,
    page: usize,
    pages: usize,
    own_only: bool,
    can_manage: bool,
}

/// A reopen refused for want of a reason: which return, and the reason as typed.
struct RefusedReopen {
    audit_return: AuditReturn,
    reason: String,
}

fn reason_field(id: crate::assurance::model::ReturnId) -> String {
    format!("reason-{id}")
}

/// Returns listed on one page of the dashboard.
const RETURNS_PER_PAGE: usize = 50;

/// Whose returns the table lists: every one, or (for someone who acts for an organisation) its
/// own; someone organisation-scoped without an organisation sees none.
enum Listing {
    Every,
    Own(OrganisationId),
    Nothing,
}

impl Listing {
    fn of(user: &CurrentUser) -> Listing {
        if !sees_only_own_organisation(&user.roles) {
            return Listing::Every;
        }
        user.organisation().map_or(Listing::Nothing, Listing::Own)
    }

    fn organisation(&self) -> Option<OrganisationId> {
        match self {
            Listing::Own(organisation) => Some(*organisation),
            Listing::Every | Listing::Nothing => None,
        }
    }
}

/// The dashboard for a national round (tens of thousands of returns) without loading them: the
/// stage counts and the return rate are counted by the database by the analysis's rule and
/// kept until the data changes (`figures::round_standing`); the table reads one page of returns.
async fn round_page_for(
    state: &AppState,
    ctx: &Ctx,
    round: Round,
    errors: FormErrors,
    refused: Option<RefusedReopen>,
    page: usize,
) -> AppResult<RoundPage> {
    let user = ctx.user()?;
    let scope = ctx.scope(state)?;
    let standing = round_standing(state, scope, &round).await?;
    let listing = Listing::of(user);
    let organisation = listing.organisation();
    let listed = match listing {
        Listing::Nothing => 0,
        Listing::Every | Listing::Own(_) => {
            dashboard_store::returns_listed(scope, round.id, organisation).await?
        }
    };
    let pages = page_count(usize::try_from(listed).unwrap_or(0), RETURNS_PER_PAGE);
    // The page holding a refused reopen when there is one.
    let page = match &refused {
        Some(refused) => {
            let before =
                dashboard_store::returns_before(scope, &refused.audit_return, organisation).await?;
            usize::try_from(before).unwrap_or(0) / RETURNS_PER_PAGE + 1
        }
        None => page,
    }
    .clamp(1, pages);
    let shown = match listing {
        Listing::Nothing => Vec::new(),
        Listing::Every | Listing::Own(_) => {
            dashboard_store::returns_page(
                scope,
                round.id,
                organisation,
                RETURNS_PER_PAGE,
                (page - 1) * RETURNS_PER_PAGE,
            )
            .await?
        }
    };
    let ids: Vec<ReturnId> = shown.iter().map(|row| row.audit_return.id).collect();
    let mut chasers = dashboard_store::last_chasers_of(scope, &ids).await?;
    let mut extensions = dashboard_store::latest_extensions_of(scope, &ids).await?;
    let mut answered_elsewhere = dashboard_store::answered_elsewhere(scope, &ids).await?;
    let today = today();
    let rows = shown
        .into_iter()
        .map(|listed| {
            let setting = listed.setting.as_deref().and_then(Setting::from_code);
            let progress =
                ReturnProgress::of(listed.audit_return, &standing.version, setting, today);
            let id = progress.audit_return.id;
            let field = reason_field(id);
            ReturnRow {
                last_chaser: chasers.remove(&id).map(|chaser| {
                    (
                        crate::assurance::chasers::kind_label(&chaser.kind),
                        chaser.sent_on,
                    )
                }),
                extension: extensions.remove(&id),
                answered_in: answered_elsewhere.remove(&id),
                reopenable: is_submitted(progress.audit_return.status),
                reason: refused
                    .as_ref()
                    .filter(|refused| refused.audit_return.id == id)
                    .map(|refused| refused.reason.clone())
                    .unwrap_or_default(),
                reason_error: errors.get(&field).map(str::to_owned),
                progress,
            }
        })
        .collect();
    let rate = standing.returned.complete;
    Ok(RoundPage {
        chrome: ctx.chrome(state).await?,
        own_only: sees_only_own_organisation(&user.roles),
        can_manage: user.can(Permission::ManageAssurance),
        rate_text: match rate.of {
            0 => "no returns".to_owned(),
            _ => percent(rate, RETURNS_PLACES),
        },
        below_target: standing.returned.below_target(round.target_percent),
        counts: standing
            .stages
            .iter()
            .map(|(stage, count)| (stage.label(), stage.tag_class(), *count))
            .collect(),
        all_returns: rate.of,
        errors,
        round,
        rows,
        rate,
        page,
        pages,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoundQuery {
    /// The dashboard's page, from 1; anything else shows the first.
    page: String,
}

pub async fn round_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(round): Loaded<Round>,
    Query(query): Query<RoundQuery>,
) -> AppResult<impl IntoResponse> {
    let page = query.page.trim().parse().unwrap_or(1);
    render(&round_page_for(&state, &ctx, round, FormErrors::default(), None, page).await?)
}

// ---- reopening a return ----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReopenForm {
    pub reason: String,
}

/// Reopens a submitted return for changes; the reason goes to the audit trail.
pub async fn reopen_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
    Form(form): Form<ReopenForm>,
) -> AppResult<Response> {
    let round = store::find_round(ctx.scope(&state)?, audit_return.round_id)
        .await?
        .ok_or(crate::kernel::AppError::NotFound)?;
    let mut errors = FormErrors::default();
    let field = reason_field(audit_return.id);
    let reason = errors.required_text(&field, "The reason for reopening", &form.reason, 500);
    if !errors.is_empty() {
        let refused = RefusedReopen {
            audit_return,
            reason: form.reason,
        };
        return render_refused(
            &round_page_for(&state, &ctx, round, errors, Some(refused), 1).await?,
        );
    }
    super::shared::refuse_if_following(ctx.scope(&state)?, &audit_return).await?;
    let mut change = ctx.change(&state).await?;
    let reopened = store::reopen_return(&mut change, &audit_return, &reason).await?;
    let said = if reopened {
        crate::assurance::shared_store::bring_into_step(&mut change, audit_return.id).await?;
        change.commit().await?;
        format!(
            "Reopened {}'s return: its respondents can change it again",
            audit_return.organisation_name
        )
    } else {
        change.rollback().await?;
        format!(
            "{}'s return is not submitted: there is nothing to reopen",
            audit_return.organisation_name
        )
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/rounds/{}", round.id)).into_response())
}
