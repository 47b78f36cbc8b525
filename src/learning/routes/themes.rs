//! The themes across reviews: the chart by financial year and the list of themes.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::super::model::*;
use super::super::store;
use crate::kernel::ids::ReviewId;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, render, render_refused,
};

#[derive(Template)]
#[template(path = "learning/templates/themes.html")]
struct ThemesPage {
    chrome: Chrome,
    year: String,
    years: Vec<(String, String)>,
    counts: Vec<ThemeCount>,
    reviews_in_year: usize,
    chart: String,
    chart_text: String,
    themes: Vec<Theme>,
    errors: FormErrors,
    form: ThemeForm,
    can_manage_themes: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThemesQuery {
    year: String,
}

/// `year` None: the latest year with tagged findings (see `model::default_year`).
async fn themes_page(
    state: &AppState,
    ctx: &Ctx,
    year: Option<FinancialYear>,
    errors: FormErrors,
    form: ThemeForm,
) -> AppResult<ThemesPage> {
    let scope = ctx.scope(state)?;
    let tags = store::theme_tags(scope).await?;
    let year = year.unwrap_or_else(|| default_year(&tags, today()));
    let mut years: Vec<FinancialYear> = tags
        .iter()
        .map(|tag| FinancialYear::containing(tag.review_period_date))
        .chain([year, FinancialYear::containing(today())])
        .collect();
    years.sort();
    years.dedup();
    years.reverse();
    let counts = themes_across_reviews(&tags, year);
    let mut reviews_in_year: Vec<ReviewId> = tags
        .iter()
        .filter(|tag| year.contains(tag.review_period_date))
        .map(|tag| tag.review_id)
        .collect();
    reviews_in_year.sort_unstable();
    reviews_in_year.dedup();
    let bars: Vec<(String, f64)> = counts
        .iter()
        .map(|count| (count.name.clone(), count.reviews.len() as f64))
        .collect();
    let title = format!("Themes across learning reviews, {}", year.label());
    Ok(ThemesPage {
        chart: masa_charts::bar_chart_svg(&title, &bars, "themes"),
        chart_text: format!(
            "{title}: number of reviews in which each theme was found. {}",
            masa_charts::bar_chart_text_alternative(&bars)
        ),
        year: year.label(),
        years: years
            .into_iter()
            .map(|year| (year.label(), year.label()))
            .collect(),
        counts,
        reviews_in_year: reviews_in_year.len(),
        themes: store::list_themes(scope, true).await?,
        can_manage_themes: ctx.user()?.can(Permission::ManageThemes),
        chrome: ctx.chrome(state).await?,
        errors,
        form,
    })
}

pub async fn themes(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ThemesQuery>,
) -> AppResult<impl IntoResponse> {
    let year = FinancialYear::parse(&query.year);
    render(
        &themes_page(
            &state,
            &ctx,
            year,
            FormErrors::default(),
            ThemeForm::default(),
        )
        .await?,
    )
}

pub async fn add_theme(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ThemeForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let theme = form.validate(&mut errors);
    if let Some(theme) = &theme
        && store::theme_name_taken(ctx.scope(&state)?, &theme.name).await?
    {
        errors.add("name", "This theme is already on the list");
    }
    let Some(theme) = theme.filter(|_| errors.is_empty()) else {
        return render_refused(&themes_page(&state, &ctx, None, errors, form).await?);
    };
    let mut change = ctx.change(&state).await?;
    store::insert_theme(&mut change, &theme).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} added to the themes", theme.name))
        .await?;
    Ok(Redirect::to("/learning/themes#theme-list").into_response())
}

/// A route's `{id}` is one of the signed-in user's partnership's themes; another's is not
/// found.
impl Lookup for Theme {
    type Id = ThemeId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: ThemeId) -> AppResult<Option<Self>> {
        Ok(store::find_theme(ctx.scope(state)?, id).await?)
    }
}

async fn set_theme_archived(
    state: &AppState,
    ctx: &Ctx,
    theme: Theme,
    archived: bool,
) -> AppResult<Response> {
    if theme.archived_at.is_some() != archived {
        let (_, verb) = store::archive_words(archived);
        let mut change = ctx.change(state).await?;
        store::set_theme_archived(&mut change, &theme, archived).await?;
        change.commit().await?;
        ctx.flash(state, &format!("{verb} the theme {}", theme.name))
            .await?;
    }
    Ok(Redirect::to("/learning/themes#theme-list").into_response())
}

pub async fn archive_theme(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(theme): Loaded<Theme>,
) -> AppResult<Response> {
    set_theme_archived(&state, &ctx, theme, true).await
}

pub async fn restore_theme(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(theme): Loaded<Theme>,
) -> AppResult<Response> {
    set_theme_archived(&state, &ctx, theme, false).await
}
