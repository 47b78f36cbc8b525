//! Learning pages. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::model::*;
use super::store;
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::text::{DateParts, FormErrors, long_date, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Permission, render, render_refused,
};

#[derive(Template)]
#[template(path = "learning/templates/landing.html")]
struct LandingPage {
    chrome: Chrome,
    /// Clocks due within 2 working days or breached: (incident, clock).
    attention: Vec<(SeriousIncident, Clock)>,
    notifications: usize,
    open_reviews: usize,
    untriaged: i64,
}

pub async fn landing(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let partnership = ctx.partnership()?;
    let calendar = super::calendar(&state.db).await?;
    let incidents = store::list_incidents(&state.db, partnership).await?;
    let notifications = incidents.len();
    let attention = incidents
        .into_iter()
        .flat_map(|incident| {
            clocks(&incident, &calendar, today())
                .into_iter()
                .filter(|clock| warning_for(clock).is_some())
                .map(|clock| (incident.clone(), clock))
                .collect::<Vec<_>>()
        })
        .collect();
    let open_reviews = store::list_reviews(&state.db, partnership, None, None)
        .await?
        .iter()
        .filter(|review| !review.status.is_finished())
        .count();
    let untriaged = store::list_national_reviews(&state.db, partnership)
        .await?
        .iter()
        .map(|(_, _, untriaged)| untriaged)
        .sum();
    render(&LandingPage {
        chrome: ctx.chrome(&state).await?,
        attention,
        notifications,
        open_reviews,
        untriaged,
    })
}

#[derive(Template)]
#[template(path = "learning/templates/notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    incidents: Vec<(SeriousIncident, [Clock; 3])>,
    can_manage: bool,
    calendar_warning: Option<String>,
}

/// A warning when the holiday list is running out, so clocks stay right in later years.
fn calendar_warning(calendar: &masa_workdays::Calendar) -> Option<String> {
    let last = calendar.covered_until()?;
    (today().year() >= last).then(|| format!("Bank holidays are known only up to {last}. Add next year's on the bank holidays page so the clocks stay right."))
}

pub async fn notifications(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let partnership = ctx.partnership()?;
    let calendar = super::calendar(&state.db).await?;
    let incidents = store::list_incidents(&state.db, partnership)
        .await?
        .into_iter()
        .map(|incident| {
            let clocks = clocks(&incident, &calendar, today());
            (incident, clocks)
        })
        .collect();
    render(&NotificationsPage {
        can_manage: ctx.user()?.can(Permission::ManageLearning),
        calendar_warning: calendar_warning(&calendar),
        chrome: ctx.chrome(&state).await?,
        incidents,
    })
}

#[derive(Template)]
#[template(path = "learning/templates/notification_form.html")]
struct NotificationFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: IncidentForm,
}

pub async fn new_notification_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(&NotificationFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: IncidentForm::default(),
    })
}

pub async fn create_notification(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<IncidentForm>,
) -> AppResult<Response> {
    let partnership = ctx.partnership()?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, today());
    if let Some(details) = &details
        && store::reference_taken(&state.db, partnership, &details.reference).await?
    {
        errors.add(
            "reference",
            "A notification with this reference already exists",
        );
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&NotificationFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
        });
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_incident(&mut tx, partnership, &details).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "serious_incident",
            entity_id: Some(id),
            summary: format!(
                "Recorded serious incident {} ({})",
                details.reference, details.subject
            ),
            before: None,
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "{} recorded. The Panel must be notified within 5 working days.",
            details.reference
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/learning/notifications/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "learning/templates/notification.html")]
struct NotificationPage {
    chrome: Chrome,
    incident: SeriousIncident,
    reviews: Vec<LearningReview>,
    clocks: [Clock; 3],
    /// (field, label, typed parts) for the dates form.
    dates: Vec<(&'static str, &'static str, DateParts)>,
    errors: FormErrors,
    can_manage: bool,
}

fn date_inputs(
    incident: &SeriousIncident,
    typed: Option<&[DateParts; 4]>,
) -> Vec<(&'static str, &'static str, DateParts)> {
    let stored = [
        incident.notified_on,
        incident.rapid_review_completed_on,
        incident.local_review_decided_on,
        incident.local_review_published_on,
    ];
    DATE_FIELDS
        .iter()
        .enumerate()
        .map(|(index, (field, label))| {
            let parts = typed
                .map(|typed| typed[index].clone())
                .unwrap_or_else(|| DateParts::from_date(stored[index]));
            (*field, *label, parts)
        })
        .collect()
}

async fn notification_page_for(
    state: &AppState,
    ctx: &Ctx,
    incident: SeriousIncident,
    typed: Option<&[DateParts; 4]>,
    errors: FormErrors,
) -> AppResult<NotificationPage> {
    let calendar = super::calendar(&state.db).await?;
    Ok(NotificationPage {
        reviews: store::reviews_of_incident(&state.db, ctx.partnership()?, incident.id).await?,
        clocks: clocks(&incident, &calendar, today()),
        dates: date_inputs(&incident, typed),
        can_manage: ctx.user()?.can(Permission::ManageLearning),
        chrome: ctx.chrome(state).await?,
        incident,
        errors,
    })
}

pub async fn notification_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let incident = store::find_incident(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&notification_page_for(&state, &ctx, incident, None, FormErrors::default()).await?)
}

pub async fn record_dates(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let incident = store::find_incident(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
    let field = |name: String| {
        pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let typed: [DateParts; 4] = DATE_FIELDS.map(|(name, _)| DateParts {
        day: field(format!("{name}_day")),
        month: field(format!("{name}_month")),
        year: field(format!("{name}_year")),
    });
    let mut errors = FormErrors::default();
    let dates = check_review_dates(&typed, incident.became_aware_on, today(), &mut errors);
    if !errors.is_empty() {
        return render_refused(
            &notification_page_for(&state, &ctx, incident, Some(&typed), errors).await?,
        );
    }
    let before = ReviewDates {
        notified_on: incident.notified_on,
        rapid_review_completed_on: incident.rapid_review_completed_on,
        local_review_decided_on: incident.local_review_decided_on,
        local_review_published_on: incident.local_review_published_on,
    };
    let mut tx = state.db.begin_write().await?;
    store::set_review_dates(&mut tx, id, &dates).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "serious_incident",
            entity_id: Some(id),
            summary: format!("Recorded review dates for {}", incident.reference),
            before: Some(snapshot(&before)),
            after: Some(snapshot(&dates)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("Dates for {} saved", incident.reference))
        .await?;
    Ok(Redirect::to(&format!("/learning/notifications/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "learning/templates/bank_holidays.html")]
struct BankHolidaysPage {
    chrome: Chrome,
    /// (date, where it comes from), from this year on.
    holidays: Vec<(String, String)>,
    errors: FormErrors,
    form: HolidayForm,
    can_add: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct HolidayForm {
    name: String,
    day_day: String,
    day_month: String,
    day_year: String,
}

async fn bank_holidays_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: HolidayForm,
) -> AppResult<BankHolidaysPage> {
    let this_year = today().year();
    let added = store::added_holidays(&state.db).await?;
    let mut holidays: Vec<(time::Date, String)> = masa_workdays::Calendar::england_and_wales()
        .holidays()
        .iter()
        .filter(|day| day.year() >= this_year)
        .map(|day| (*day, "England and Wales (bundled)".to_owned()))
        .collect();
    holidays.extend(
        added
            .into_iter()
            .filter(|(_, day, _)| day.year() >= this_year)
            .map(|(_, day, name)| (day, format!("Added: {name}"))),
    );
    holidays.sort();
    Ok(BankHolidaysPage {
        chrome: ctx.chrome(state).await?,
        holidays: holidays
            .into_iter()
            .map(|(day, source)| (format!("{} {}", day.weekday(), long_date(day)), source))
            .collect(),
        errors,
        form,
        can_add: ctx.user()?.can(Permission::ManageCalendar),
    })
}

pub async fn bank_holidays(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(&bank_holidays_page(&state, &ctx, FormErrors::default(), HolidayForm::default()).await?)
}

pub async fn add_bank_holiday(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<HolidayForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let name = errors.required_text("name", "Name", &form.name, 100);
    let parts = DateParts {
        day: form.day_day.clone(),
        month: form.day_month.clone(),
        year: form.day_year.clone(),
    };
    let day = errors.date("day", "Date", &parts, true);
    if let Some(day) = day {
        if super::calendar(&state.db).await?.is_holiday(day) {
            errors.add(
                "day",
                format!("{} is already a bank holiday", long_date(day)),
            );
        } else if !super::calendar(&state.db).await?.is_working_day(day) {
            errors.add(
                "day",
                format!(
                    "{} is a weekend day, which the clocks already skip",
                    long_date(day)
                ),
            );
        }
    }
    let Some(day) = day.filter(|_| errors.is_empty()) else {
        return render_refused(&bank_holidays_page(&state, &ctx, errors, form).await?);
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_holiday(&mut tx, day, &name).await?;
    // Bank holidays are the installation's (England and Wales), so the change moves every
    // partnership's clocks: each partnership's trail shows it, not only the adder's.
    let actor = ctx.actor()?;
    for (partnership, _) in crate::partnership::partnerships(&state.db).await? {
        let partnership_id = partnership.get();
        audit::record(
            &mut tx,
            &audit::Actor {
                partnership_id,
                ..actor.clone()
            },
            AuditEntry {
                action: AuditAction::Create,
                entity_type: "bank_holiday",
                entity_id: Some(id),
                summary: format!("Added bank holiday {name} on {}", long_date(day)),
                before: None,
                after: Some(serde_json::json!({ "day": day.to_string(), "name": name })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!("{name} added: the clocks now skip {}", long_date(day)),
    )
    .await?;
    Ok(Redirect::to("/learning/bank-holidays").into_response())
}
