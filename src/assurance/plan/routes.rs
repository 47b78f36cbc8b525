//! The QA plan's pages: the year on a page, its activities' forms, and the iCalendar feeds
//! (a download for the signed-in, and a personal subscription address a calendar application
//! can poll without a session).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::store::{self, PlannedActivity};
use super::{Activity, ActivityForm, ActivityKind, PlanActivityId, PlanYear, year_plan};
use crate::kernel::auth::CurrentUser;
use crate::kernel::ids::{PartnershipId, UserId};
use crate::kernel::text::{FormErrors, long_date, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, Scope, render,
    render_refused,
};

/// A route's `{id}` is one of the partnership's planned activities still on the plan.
impl Lookup for PlannedActivity {
    type Id = PlanActivityId;

    async fn look_up(
        state: &AppState,
        ctx: &Ctx,
        id: PlanActivityId,
    ) -> AppResult<Option<PlannedActivity>> {
        Ok(store::find_activity(ctx.scope(state)?, id).await?)
    }
}

// ---- the plan on a page ----

/// One row of the plan: the activity, the months it runs in, and its dates in words.
struct PlanRow {
    activity: Activity,
    months: [bool; 12],
    dates: String,
    /// The page to follow, when the reader may open it.
    link: Option<String>,
}

/// One month of the plan as a list, for reading on a small screen or by a screen reader.
struct PlanMonth {
    name: String,
    rows: Vec<usize>,
}

#[derive(Template)]
#[template(path = "assurance/plan/templates/plan.html")]
struct PlanPage {
    chrome: Chrome,
    year: String,
    previous: i32,
    next: i32,
    /// "Apr", "May" … for the table's column headers, with the full month names.
    months: Vec<(String, String)>,
    rows: Vec<PlanRow>,
    by_month: Vec<PlanMonth>,
    /// (label, count) of the year's activities by kind.
    kinds: Vec<(&'static str, usize)>,
    can_manage: bool,
    feed_path: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanQuery {
    year: String,
}

fn dates_in_words(activity: &Activity) -> String {
    if activity.starts_on == activity.ends_on {
        long_date(activity.starts_on)
    } else {
        format!(
            "{} to {}",
            long_date(activity.starts_on),
            long_date(activity.ends_on)
        )
    }
}

/// The year's plan: every activity, a table with a column a month, and the same by month.
pub async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PlanQuery>,
) -> AppResult<Response> {
    let year = if query.year.trim().is_empty() {
        PlanYear::containing(today())
    } else {
        // A year that is not one (a forged or mistyped address) is not a page.
        PlanYear::parse(&query.year).ok_or(AppError::NotFound)?
    };
    let user = ctx.user()?;
    let can_manage = user.can(Permission::ManageAssurance);
    let activities = store::plan_activities(ctx.scope(&state)?).await?;
    let months = year.months();
    let rows: Vec<PlanRow> = year_plan(&activities, year)
        .into_iter()
        .map(|(activity, runs)| PlanRow {
            dates: dates_in_words(&activity),
            link: (activity.planned.is_none() || can_manage).then(|| activity.page.clone()),
            activity,
            months: runs,
        })
        .collect();
    let by_month = months
        .iter()
        .enumerate()
        .map(|(index, (y, month))| PlanMonth {
            name: format!("{month} {y}"),
            rows: (0..rows.len())
                .filter(|row| rows[*row].months[index])
                .collect(),
        })
        .collect();
    let kinds = ActivityKind::ALL
        .into_iter()
        .map(|kind| {
            let count = rows.iter().filter(|row| row.activity.kind == kind).count();
            (kind.label(), count)
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    let page = PlanPage {
        chrome: ctx.chrome(&state).await?,
        year: year.label(),
        previous: year.previous().starts,
        next: year.next().starts,
        months: months
            .iter()
            .map(|(_, month)| {
                let name = month.to_string();
                (name.chars().take(3).collect(), name)
            })
            .collect(),
        rows,
        by_month,
        kinds,
        can_manage,
        feed_path: feed_path(&state.config.secret_key, user),
    };
    Ok(render(&page)?.into_response())
}

// ---- the activity form ----

#[derive(Template)]
#[template(path = "assurance/plan/templates/activity_form.html")]
struct ActivityFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: ActivityForm,
    kinds: Vec<(String, String)>,
    /// The form's own address: new, or the activity's.
    action: String,
    editing: Option<PlannedActivity>,
}

impl ActivityFormPage {
    async fn new(
        state: &AppState,
        ctx: &Ctx,
        errors: FormErrors,
        form: ActivityForm,
        editing: Option<PlannedActivity>,
    ) -> AppResult<ActivityFormPage> {
        let mut kinds = vec![(String::new(), "Choose a kind".to_owned())];
        kinds.extend(
            ActivityKind::ALL
                .into_iter()
                .map(|kind| (kind.code().to_owned(), kind.label().to_owned())),
        );
        Ok(ActivityFormPage {
            chrome: ctx.chrome(state).await?,
            errors,
            action: match &editing {
                Some(activity) => format!("/assurance/plan/activities/{}", activity.id),
                None => "/assurance/plan/activities/new".to_owned(),
            },
            form,
            kinds,
            editing,
        })
    }
}

/// The plan year an activity is in, for the way back to the plan.
fn plan_address(starts_on: time::Date) -> String {
    format!(
        "/assurance/plan?year={}",
        PlanYear::containing(starts_on).starts
    )
}

pub async fn new_activity_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let page = ActivityFormPage::new(
        &state,
        &ctx,
        FormErrors::default(),
        ActivityForm::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ActivityForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors) else {
        return render_refused(&ActivityFormPage::new(&state, &ctx, errors, form, None).await?);
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    store::insert_activity(&mut change, &details, &by).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("Put {} on the QA plan", details.title))
        .await?;
    Ok(Redirect::to(&plan_address(details.starts_on)).into_response())
}

pub async fn activity_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(activity): Loaded<PlannedActivity>,
) -> AppResult<Response> {
    let form = ActivityForm::of(&activity.details());
    let page =
        ActivityFormPage::new(&state, &ctx, FormErrors::default(), form, Some(activity)).await?;
    Ok(render(&page)?.into_response())
}

pub async fn change_activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(activity): Loaded<PlannedActivity>,
    Form(form): Form<ActivityForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors) else {
        return render_refused(
            &ActivityFormPage::new(&state, &ctx, errors, form, Some(activity)).await?,
        );
    };
    let mut change = ctx.change(&state).await?;
    if !store::update_activity(&mut change, &activity, &details).await? {
        drop(change);
        let mut errors = FormErrors::default();
        errors.add(
            "title",
            "Someone changed or removed this activity while you were editing it. Your changes are below: check the plan and save again.",
        );
        return render_refused(
            &ActivityFormPage::new(&state, &ctx, errors, form, Some(activity)).await?,
        );
    }
    change.commit().await?;
    ctx.flash(&state, &format!("Changed {} on the QA plan", details.title))
        .await?;
    Ok(Redirect::to(&plan_address(details.starts_on)).into_response())
}

pub async fn remove_activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(activity): Loaded<PlannedActivity>,
) -> AppResult<Response> {
    let mut change = ctx.change(&state).await?;
    let removed = store::remove_activity(&mut change, &activity).await?;
    change.commit().await?;
    if removed {
        ctx.flash(&state, &format!("Took {} off the QA plan", activity.title))
            .await?;
    }
    Ok(Redirect::to(&plan_address(activity.starts_on)).into_response())
}

// ---- the iCalendar feeds ----

fn calendar_response(text: String, file_name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        text,
    )
        .into_response()
}

/// The installation's host as the request names it, for the events' UIDs; a fixed name when
/// the request names none (UIDs must stay the same across requests, so no address is made up).
fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(|host| host.split(':').next().unwrap_or(host))
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .unwrap_or("masa")
        .to_owned()
}

async fn feed_of(scope: Scope<'_>, partnership: &str, headers: &HeaderMap) -> AppResult<Response> {
    let activities = store::plan_activities(scope).await?;
    let text = super::icalendar(
        partnership,
        &activities,
        &host_of(headers),
        time::OffsetDateTime::now_utc(),
    );
    Ok(calendar_response(text, "qa-plan.ics"))
}

/// The whole plan (every year) as a calendar file, for the signed-in.
pub async fn plan_calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> AppResult<Response> {
    let user = ctx.user()?;
    feed_of(ctx.scope(&state)?, &user.partnership_name, &headers).await
}

/// The keyed check of a person's subscription address: it names their partnership and account,
/// so only the installation that issued it can make one.
fn feed_mac(secret: &[u8], partnership: PartnershipId, person: UserId) -> Option<String> {
    // The kernel's keyed hash (as sessions are stored), cut to 40 hex digits: the address stays
    // short enough to copy and still cannot be guessed.
    let mac =
        crate::kernel::auth::token_hash(secret, &format!("qa-plan-feed:{partnership}:{person}"));
    mac.get(..40).map(str::to_owned)
}

/// A person's subscription address: `/assurance/plan/feed/{partnership}-{person}-{check}`.
fn feed_path(secret: &[u8], user: &CurrentUser) -> String {
    format!(
        "/assurance/plan/feed/{}-{}-{}",
        user.partnership(),
        user.id,
        feed_mac(secret, user.partnership(), user.id).unwrap_or_default()
    )
}

/// The partnership and person a subscription token names, if its check is the installation's.
fn feed_owner(secret: &[u8], token: &str) -> Option<(PartnershipId, UserId)> {
    let mut parts = token.splitn(3, '-');
    let partnership = PartnershipId::new(parts.next()?.parse().ok()?);
    let person = UserId::new(parts.next()?.parse().ok()?);
    let given = parts.next()?;
    let expected = feed_mac(secret, partnership, person)?;
    let same: bool = subtle::ConstantTimeEq::ct_eq(given.as_bytes(), expected.as_bytes()).into();
    same.then_some((partnership, person))
}

/// The plan for a calendar application that polls the person's subscription address: no
/// session, so the address itself is the credential. It stops working when the account is
/// archived or no longer may view assurance; any other token is not found.
pub async fn subscribed_calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (partnership, person) =
        feed_owner(&state.config.secret_key, &token).ok_or(AppError::NotFound)?;
    let scope = Scope::new(&state.db, partnership);
    let user = crate::kernel::auth::find_user_by_id(scope, person)
        .await?
        .filter(|user| user.archived_at.is_none())
        .map(|user| user.current_user())
        .filter(|user| user.can(Permission::ViewAssurance))
        .ok_or(AppError::NotFound)?;
    feed_of(scope, &user.partnership_name, &headers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_token_names_its_owner_only_with_the_installations_check() {
        let secret = b"a secret of the installation, long enough";
        let mac = feed_mac(secret, PartnershipId::new(1), UserId::new(7)).unwrap();
        let token = format!("1-7-{mac}");
        assert_eq!(
            feed_owner(secret, &token),
            Some((PartnershipId::new(1), UserId::new(7)))
        );
        assert_eq!(feed_owner(b"another installation's secret", &token), None);
        assert_eq!(feed_owner(secret, &format!("1-8-{mac}")), None);
        assert_eq!(feed_owner(secret, &format!("2-7-{mac}")), None);
        assert_eq!(feed_owner(secret, "1-7"), None);
        assert_eq!(feed_owner(secret, "x-7-abc"), None);
    }
}
