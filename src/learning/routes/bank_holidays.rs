//! The bank holidays the clocks skip: the list and adding one.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::super::store;
use crate::kernel::ids::PartnershipId;
use crate::kernel::text::{DateParts, FormErrors, long_date, today};
use crate::kernel::{AppResult, AppState, Chrome, Ctx, Permission, render, render_refused};

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

impl HolidayForm {
    /// The date as typed, in its three boxes.
    pub fn day(&self) -> DateParts {
        DateParts {
            day: self.day_day.clone(),
            month: self.day_month.clone(),
            year: self.day_year.clone(),
        }
    }
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
            .filter(|holiday| holiday.day.year() >= this_year)
            .map(|holiday| (holiday.day, format!("Added: {}", holiday.name))),
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
    let day = errors.date("day", "Date", &form.day(), true);
    if let Some(day) = day {
        if crate::learning::calendar(&state.db).await?.is_holiday(day) {
            errors.add(
                "day",
                format!("{} is already a bank holiday", long_date(day)),
            );
        } else if !crate::learning::calendar(&state.db)
            .await?
            .is_working_day(day)
        {
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
    // Bank holidays are the installation's (England and Wales), so the change moves every
    // partnership's clocks: each partnership's trail shows it, not only the adder's.
    let partnerships: Vec<PartnershipId> = crate::partnership::partnerships(&state.db)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut change = ctx.change(&state).await?;
    store::insert_holiday(&mut change, day, &name, &partnerships).await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("{name} added: the clocks now skip {}", long_date(day)),
    )
    .await?;
    Ok(Redirect::to("/learning/bank-holidays").into_response())
}
