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
use crate::kernel::filters::{self, count_of};
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::{DateParts, FormErrors, long_date, today};
use crate::kernel::{
    AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, Role, outbox, render,
    render_refused,
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
    pub position: Position,
    pub state: &'static str,
    pub tag: &'static str,
}

impl Completeness {
    /// Sent, approved figures under revision included ([`Position::is_sent`]).
    pub fn is_sent(&self) -> bool {
        self.position.is_sent()
    }
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
            let versions: Vec<&DataDrop> = drops
                .iter()
                .filter(|d| d.organisation_id == expected.organisation_id)
                .collect();
            // Newest version first in list order.
            let latest = versions.first().map(|d| (*d).clone());
            let statuses: Vec<DropStatus> = versions.iter().map(|d| d.status).collect();
            let position = Position::of(latest.as_ref().map(|d| d.status), &statuses, overdue);
            let (state, tag) = position.label();
            Completeness {
                organisation_id: expected.organisation_id,
                organisation_name: expected.organisation_name,
                indicators: expected.indicators,
                latest,
                position,
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
    /// Organisations that have not sent figures and have no data lead to remind.
    no_data_lead: Vec<String>,
    /// The viewer may add the missing data lead accounts themselves.
    can_add_users: bool,
}

/// The partnership's live data leads of one organisation.
fn data_leads_of(
    users: &[auth::UserRecord],
    organisation_id: OrganisationId,
) -> impl Iterator<Item = &auth::UserRecord> {
    users.iter().filter(move |user| {
        user.archived_at.is_none()
            && user.organisation_id == Some(organisation_id)
            && user.roles.contains(&Role::PartnerDataLead)
    })
}

pub async fn period_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(period): Loaded<CollectionPeriod>,
) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let rows = completeness(&state, scope, &period).await?;
    let submitted = rows.iter().filter(|row| row.is_sent()).count();
    let users = auth::list_users(scope).await?;
    let no_data_lead = rows
        .iter()
        .filter(|row| !row.is_sent())
        .filter(|row| data_leads_of(&users, row.organisation_id).next().is_none())
        .map(|row| row.organisation_name.clone())
        .collect();
    render(&PeriodPage {
        chrome: ctx.chrome(&state).await?,
        overdue: today() > period.due_on,
        outstanding: rows.len() - submitted,
        submitted,
        no_data_lead,
        can_add_users: ctx.user()?.can(Permission::ManageUsers),
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
/// submitted; only the partnership's own people are written to. The confirmation counts the
/// e-mails queued and the organisations that had no data lead to receive one.
pub async fn send_reminders(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(period): Loaded<CollectionPeriod>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let outstanding: Vec<Completeness> = completeness(&state, scope, &period)
        .await?
        .into_iter()
        .filter(|row| !row.is_sent())
        .collect();
    let leads = auth::list_users(scope).await?;
    let mut change = ctx.change(&state).await?;
    let mut queued = 0;
    let mut reached = 0;
    let mut unreached = Vec::new();
    for row in &outstanding {
        let mut any = false;
        for user in data_leads_of(&leads, row.organisation_id) {
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
            any = true;
        }
        if any {
            reached += 1;
        } else {
            unreached.push(row.organisation_name.clone());
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
        &reminders_sent(
            queued,
            reached,
            &unreached,
            ctx.user()?.can(Permission::ManageUsers),
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/dataset/periods/{}", period.period.key())).into_response())
}

/// The reminders' confirmation: "2 reminder e-mails queued for 2 organisations. 1 organisation
/// had no one to receive it (no data lead): Bridgewater. …"
fn reminders_sent(
    queued: usize,
    reached: usize,
    unreached: &[String],
    can_add_users: bool,
) -> String {
    let mut message = format!(
        "{} queued for {}.",
        count_of(queued as i64, "reminder e-mail", "reminder e-mails"),
        count_of(reached as i64, "organisation", "organisations")
    );
    if !unreached.is_empty() {
        let (had, it) = if unreached.len() == 1 {
            ("organisation had", "it")
        } else {
            ("organisations had", "them")
        };
        message.push_str(&format!(
            " {} {had} no one to receive {it} (no data lead): {}. {}",
            unreached.len(),
            unreached.join(", "),
            if can_add_users {
                "Add a data lead account for each from Users (see below)."
            } else {
                "Ask a business unit admin to add a data lead account for each."
            }
        ));
    }
    message
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

#[cfg(test)]
mod tests {
    use super::reminders_sent;

    #[test]
    fn the_reminders_confirmation_counts_in_words() {
        assert_eq!(
            reminders_sent(1, 1, &[], true),
            "1 reminder e-mail queued for 1 organisation."
        );
        assert_eq!(
            reminders_sent(3, 2, &["Bridgewater".to_owned()], true),
            "3 reminder e-mails queued for 2 organisations. 1 organisation had no one to receive it (no data lead): Bridgewater. Add a data lead account for each from Users (see below)."
        );
        assert_eq!(
            reminders_sent(0, 0, &["A".to_owned(), "B".to_owned()], false),
            "0 reminder e-mails queued for 0 organisations. 2 organisations had no one to receive them (no data lead): A, B. Ask a business unit admin to add a data lead account for each."
        );
    }
}
