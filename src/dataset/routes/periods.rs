//! Collection periods: opening, closing and reopening them, completeness, reminders and the
//! outbox.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dataset::model::*;
use crate::dataset::store::{self, CollectionPeriod, DataDrop, DropFilter};
use crate::kernel::Scope;
use crate::kernel::auth::{self};
use crate::kernel::filters;
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::{DateParts, FormErrors, long_date, today};
use crate::kernel::{
    AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Role, outbox, render, render_refused,
};

use super::scorecard::expected_organisations;

#[derive(Template)]
#[template(path = "dataset/templates/periods.html")]
struct PeriodsPage {
    chrome: Chrome,
    periods: Vec<CollectionPeriod>,
    errors: FormErrors,
    form: PeriodForm,
    today: time::Date,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PeriodForm {
    period: String,
    due_on_day: String,
    due_on_month: String,
    due_on_year: String,
}

impl PeriodForm {
    fn due_on(&self) -> DateParts {
        DateParts {
            day: self.due_on_day.clone(),
            month: self.due_on_month.clone(),
            year: self.due_on_year.clone(),
        }
    }
}

pub async fn periods(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let suggested = Quarter::containing(today()).previous();
    let form = PeriodForm {
        period: suggested.label(),
        ..PeriodForm::default()
    };
    render(&PeriodsPage {
        chrome: ctx.chrome(&state).await?,
        periods: store::list_periods(ctx.scope(&state)?).await?,
        errors: FormErrors::default(),
        form,
        today: today(),
    })
}

pub async fn open_period(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PeriodForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let mut errors = FormErrors::default();
    let period = Quarter::parse(&form.period);
    match period {
        None => errors.add("period", "Enter the quarter, like 2026-27 Q2"),
        Some(period) if store::find_period(scope, period).await?.is_some() => errors.add(
            "period",
            format!("{period} is already open or was collected"),
        ),
        Some(_) => {}
    }
    let due_on = errors.date("due_on", "Due date", &form.due_on(), true);
    if let (Some(period), Some(due_on)) = (period, due_on)
        && due_on <= period.end()
    {
        errors.add(
            "due_on",
            format!(
                "Due date must be after the quarter ends ({})",
                long_date(period.end())
            ),
        );
    }
    let (Some(period), Some(due_on)) = (period.filter(|_| errors.is_empty()), due_on) else {
        let periods = store::list_periods(scope).await?;
        return render_refused(&PeriodsPage {
            chrome: ctx.chrome(&state).await?,
            periods,
            errors,
            form,
            today: today(),
        });
    };
    let mut change = ctx.change(&state).await?;
    store::insert_period(&mut change, period, due_on).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{period} is open for data drops"))
        .await?;
    Ok(Redirect::to(&format!("/dataset/periods/{}", period.key())).into_response())
}

/// A route's `{period}` is one of the partnership's collection periods, by its quarter's key
/// (2026-07-01); a key that is no quarter, or a quarter the partnership has not opened, is not
/// found.
impl Lookup for CollectionPeriod {
    type Id = String;

    async fn look_up(
        state: &AppState,
        ctx: &Ctx,
        key: String,
    ) -> AppResult<Option<CollectionPeriod>> {
        let Some(quarter) = Quarter::parse(&key) else {
            return Ok(None);
        };
        Ok(store::find_period(ctx.scope(state)?, quarter).await?)
    }
}

/// One organisation's position for a period.
pub struct Completeness {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub indicators: i64,
    pub latest: Option<DataDrop>,
    pub state: &'static str,
    pub tag: &'static str,
}

/// The partnership's organisations' positions for one of its periods.
async fn completeness(
    state: &AppState,
    scope: Scope<'_>,
    period: &CollectionPeriod,
) -> AppResult<Vec<Completeness>> {
    let drops = store::list_drops(
        scope,
        &DropFilter {
            period: Some(period.period),
            ..DropFilter::default()
        },
    )
    .await?;
    let overdue = today() > period.due_on;
    Ok(expected_organisations(state, scope)
        .await?
        .iter()
        .cloned()
        .map(|expected| {
            // Newest version first in list order.
            let latest = drops
                .iter()
                .find(|d| d.organisation_id == expected.organisation_id)
                .cloned();
            let (state, tag) = match latest.as_ref().map(|d| d.status) {
                Some(DropStatus::Approved) => ("Approved", "govuk-tag--green"),
                Some(DropStatus::Submitted) => ("Submitted – awaiting decision", "govuk-tag--blue"),
                Some(DropStatus::Returned) if overdue => ("Returned – overdue", "govuk-tag--red"),
                Some(DropStatus::Returned) => ("Returned for changes", "govuk-tag--orange"),
                Some(DropStatus::Draft) if overdue => ("Draft – overdue", "govuk-tag--red"),
                Some(DropStatus::Draft) => ("Draft in progress", "govuk-tag--grey"),
                Some(DropStatus::Superseded) => ("Approved", "govuk-tag--green"),
                None if overdue => ("Not started – overdue", "govuk-tag--red"),
                None => ("Not started", "govuk-tag--grey"),
            };
            Completeness {
                organisation_id: expected.organisation_id,
                organisation_name: expected.organisation_name,
                indicators: expected.indicators,
                latest,
                state,
                tag,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "dataset/templates/period.html")]
struct PeriodPage {
    chrome: Chrome,
    period: CollectionPeriod,
    rows: Vec<Completeness>,
    submitted: usize,
    outstanding: usize,
    overdue: bool,
}

pub async fn period_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(period): Loaded<CollectionPeriod>,
) -> AppResult<impl IntoResponse> {
    let rows = completeness(&state, ctx.scope(&state)?, &period).await?;
    let submitted = rows
        .iter()
        .filter(|row| row.latest.as_ref().is_some_and(|d| d.status.is_sent()))
        .count();
    render(&PeriodPage {
        chrome: ctx.chrome(&state).await?,
        overdue: today() > period.due_on,
        outstanding: rows.len() - submitted,
        submitted,
        period,
        rows,
    })
}

pub async fn close_period(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(period): Loaded<CollectionPeriod>,
) -> AppResult<Response> {
    set_period_closed(&state, &ctx, period, true).await
}

pub async fn reopen_period(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(period): Loaded<CollectionPeriod>,
) -> AppResult<Response> {
    set_period_closed(&state, &ctx, period, false).await
}

async fn set_period_closed(
    state: &AppState,
    ctx: &Ctx,
    period: CollectionPeriod,
    closed: bool,
) -> AppResult<Response> {
    if period.is_open() == closed {
        let mut change = ctx.change(state).await?;
        store::set_period_closed(&mut change, (period.id, period.period), closed).await?;
        change.commit().await?;
        let verb = if closed { "Closed" } else { "Reopened" };
        ctx.flash(state, &format!("{verb} {}", period.period))
            .await?;
    }
    Ok(Redirect::to(&format!("/dataset/periods/{}", period.period.key())).into_response())
}

/// Queues a reminder to the data leads of every organisation of the partnership that has not
/// submitted; only the partnership's own people are written to.
pub async fn send_reminders(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(period): Loaded<CollectionPeriod>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let outstanding: Vec<Completeness> = completeness(&state, scope, &period)
        .await?
        .into_iter()
        .filter(|row| !row.latest.as_ref().is_some_and(|d| d.status.is_sent()))
        .collect();
    let leads = auth::list_users(ctx.scope(&state)?).await?;
    let mut change = ctx.change(&state).await?;
    let mut queued = 0;
    for row in &outstanding {
        let recipients = leads.iter().filter(|user| {
            user.archived_at.is_none()
                && user.organisation_id == Some(row.organisation_id)
                && user.roles.contains(&Role::PartnerDataLead)
        });
        for user in recipients {
            let overdue = if today() > period.due_on {
                "is now overdue"
            } else {
                "is due soon"
            };
            let body = format!(
                "Dear {},\n\n{}'s data drop and storyboard for {} {overdue}: it was due on {}.\nCurrent position: {}.\n\nSign in to MASA and open Data drops to enter the figures, upload the spreadsheet template, or send them through the API.\n\nPartnership business unit",
                user.display_name,
                row.organisation_name,
                period.period,
                long_date(period.due_on),
                row.state
            );
            outbox::queue(
                change.transaction(),
                scope.partnership(),
                &user.email,
                &format!("Data drop for {} {overdue}", period.period),
                &body,
            )
            .await?;
            queued += 1;
        }
    }
    let organisations: Vec<String> = outstanding
        .iter()
        .map(|row| row.organisation_name.clone())
        .collect();
    store::reminders_queued(&mut change, &period, queued, &organisations).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "{queued} reminder e-mails queued for {} organisations",
            outstanding.len()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/dataset/periods/{}", period.period.key())).into_response())
}

#[derive(Template)]
#[template(path = "dataset/templates/outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    emails: Vec<outbox::Email>,
    unsent: i64,
}

/// The e-mails to the partnership's own people only.
pub async fn outbox_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    render(&OutboxPage {
        chrome: ctx.chrome(&state).await?,
        emails: outbox::recent(scope, 200).await?,
        unsent: outbox::unsent_count(scope).await?,
    })
}
