//! Serious incident notifications: the list, recording one, its page and its review dates.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::super::model::*;
use super::super::store;
use super::{date_parts, form_pairs};
use crate::kernel::filters;
use crate::kernel::ids::IncidentId;
use crate::kernel::text::{DateParts, FormErrors, today};
use crate::kernel::{
    AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, render, render_refused,
};

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
    let calendar = crate::learning::calendar(&state.db).await?;
    let incidents = store::list_incidents(ctx.scope(&state)?)
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
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, today());
    if let Some(details) = &details
        && store::reference_taken(ctx.scope(&state)?, &details.reference).await?
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
    let mut change = ctx.change(&state).await?;
    let id = store::insert_incident(&mut change, &details).await?;
    change.commit().await?;
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
    let stored = incident.dates();
    let stored = [
        stored.notified_on,
        stored.rapid_review_completed_on,
        stored.local_review_decided_on,
        stored.local_review_published_on,
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
    let calendar = crate::learning::calendar(&state.db).await?;
    Ok(NotificationPage {
        reviews: store::reviews_of_incident(ctx.scope(state)?, incident.id).await?,
        clocks: clocks(&incident, &calendar, today()),
        dates: date_inputs(&incident, typed),
        can_manage: ctx.user()?.can(Permission::ManageLearning),
        chrome: ctx.chrome(state).await?,
        incident,
        errors,
    })
}

/// A route's `{id}` is one of the signed-in user's partnership's serious incidents; another's
/// is not found.
impl Lookup for SeriousIncident {
    type Id = IncidentId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: IncidentId) -> AppResult<Option<Self>> {
        Ok(store::find_incident(ctx.scope(state)?, id).await?)
    }
}

pub async fn notification_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(incident): Loaded<SeriousIncident>,
) -> AppResult<impl IntoResponse> {
    render(&notification_page_for(&state, &ctx, incident, None, FormErrors::default()).await?)
}

pub async fn record_dates(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(incident): Loaded<SeriousIncident>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let id = incident.id;
    let pairs = form_pairs(&body)?;
    let typed: [DateParts; 4] = DATE_FIELDS.map(|(name, _)| date_parts(&pairs, name));
    let mut errors = FormErrors::default();
    let dates = check_review_dates(&typed, incident.became_aware_on, today(), &mut errors);
    if !errors.is_empty() {
        return render_refused(
            &notification_page_for(&state, &ctx, incident, Some(&typed), errors).await?,
        );
    }
    let mut change = ctx.change(&state).await?;
    store::set_review_dates(&mut change, &incident, &dates).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("Dates for {} saved", incident.reference))
        .await?;
    Ok(Redirect::to(&format!("/learning/notifications/{id}")).into_response())
}
