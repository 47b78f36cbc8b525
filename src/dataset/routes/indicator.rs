//! One indicator's page: its series, control chart, comparators and series export.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

use crate::dataset::model::*;
use crate::dataset::scorecard::ScorecardRow;
use crate::dataset::store::{self};
use crate::kernel::Scope;

use crate::kernel::filters;
use crate::kernel::ids::IndicatorId;
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, cache, render, render_refused,
};
use crate::partnership;
use masa_sheets::{self as sheets, Cell, SheetTable};

use super::{CSV, XLSX, download, is_manager, sheet_error};

#[derive(Template)]
#[template(path = "dataset/templates/indicator.html")]
struct IndicatorPage {
    chrome: Chrome,
    row: ScorecardRow,
    chart: String,
    chart_text: String,
    /// Period, shown value, special-cause note, comparators at that period.
    table: Vec<(String, String, String, Vec<String>)>,
    comparator_names: Vec<String>,
    priority: Option<String>,
    can_manage: bool,
    errors: FormErrors,
    comparator_form: ComparatorForm,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ComparatorForm {
    period: String,
    name: String,
    value: String,
}

fn special_cause_note(point: Option<&masa_spc::SpcPoint>) -> String {
    use masa_spc::{Rule, Side};
    match point.and_then(|point| point.special_cause) {
        None => String::new(),
        Some(cause) => {
            let side = if cause.side == Side::High {
                "high"
            } else {
                "low"
            };
            match cause.rule {
                Rule::BeyondLimit => format!(
                    "Beyond the {} process limit",
                    if cause.side == Side::High {
                        "upper"
                    } else {
                        "lower"
                    }
                ),
                Rule::Run => format!(
                    "Part of a run of {} or more points {} the mean",
                    masa_spc::RUN_LENGTH,
                    if cause.side == Side::High {
                        "above"
                    } else {
                        "below"
                    }
                ),
                Rule::Trend => format!(
                    "Part of a trend of {} or more points {}",
                    masa_spc::TREND_LENGTH,
                    if cause.side == Side::High {
                        "rising"
                    } else {
                        "falling"
                    }
                ),
                Rule::TwoOfThreeNearLimit => format!("Two of three points near the {side} limit"),
            }
        }
    }
}

/// A route's `{id}` is one of the signed-in user's partnership's indicators, archived or not;
/// another partnership's is not found.
impl Lookup for Indicator {
    type Id = IndicatorId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: IndicatorId) -> AppResult<Option<Indicator>> {
        Ok(store::find_indicator(ctx.scope(state)?, id).await?)
    }
}

/// What an indicator's page shows, computed once per change to the data (see kernel::cache).
pub(super) struct IndicatorView {
    row: ScorecardRow,
    pub(super) chart: String,
    pub(super) chart_text: String,
    pub(super) table: Vec<(String, String, String, Vec<String>)>,
    comparator_names: Vec<String>,
    priority: Option<String>,
}

/// Kept by partnership and id: another partnership's indicator is not found, cached or not.
async fn indicator_view(
    state: &AppState,
    scope: Scope<'_>,
    id: IndicatorId,
) -> AppResult<Arc<IndicatorView>> {
    let revision = cache::revision(scope).await?;
    state
        .cache
        .get_or_compute(
            format!("dataset/{}/indicator/{id}", scope.partnership()),
            revision,
            compute_indicator_view(scope, id),
        )
        .await
}

async fn compute_indicator_view(scope: Scope<'_>, id: IndicatorId) -> AppResult<IndicatorView> {
    let indicator = store::find_indicator(scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let series = store::approved_series(scope, store::SeriesScope::Indicator(id))
        .await?
        .remove(&id)
        .unwrap_or_default();
    let comparators = store::comparators(scope, Some(id)).await?;
    let priority = match indicator.priority_item_id {
        Some(item) => partnership::current_priorities(scope)
            .await?
            .into_iter()
            .find(|(id, _)| *id == item)
            .map(|(_, title)| title),
        None => None,
    };
    Ok(draw_indicator(indicator, &series, &comparators, priority))
}

/// The indicator page's figures from its approved series: pure, so the suppression property
/// test runs the page's own code.
pub(super) fn draw_indicator(
    indicator: Indicator,
    series: &[(Quarter, f64)],
    comparators: &[store::Comparator],
    priority: Option<String>,
) -> IndicatorView {
    let id = indicator.id;
    let row = ScorecardRow::build(indicator, series, comparators, None, None);
    let tone = |point: Option<&masa_spc::SpcPoint>| {
        point.and_then(|p| p.special_cause).map(|cause| {
            let good = match row.indicator.polarity {
                Polarity::HigherIsBetter => cause.side == masa_spc::Side::High,
                Polarity::LowerIsBetter => cause.side == masa_spc::Side::Low,
                Polarity::Neither => return masa_charts::Tone::Neutral,
            };
            if good {
                masa_charts::Tone::Improving
            } else {
                masa_charts::Tone::Concerning
            }
        })
    };
    let chart = masa_charts::SpcChart {
        title: format!("{} ({})", row.indicator.name, row.indicator.code),
        unit_suffix: row.indicator.unit.suffix().to_owned(),
        decimals: usize::try_from(row.indicator.decimals).unwrap_or(0),
        points: row
            .points
            .iter()
            .enumerate()
            .map(|(index, point)| masa_charts::ChartPoint {
                label: point.period.label(),
                value: point.value.value(),
                special_cause: tone(row.spc_point(index)),
            })
            .collect(),
        mean: row.spc.as_ref().map(|spc| spc.mean),
        upper_limit: row.spc.as_ref().map(|spc| spc.upper_process_limit),
        lower_limit: row.spc.as_ref().map(|spc| spc.lower_process_limit),
        target: row.indicator.target,
        limits_note: Some(row.suppression_note()).filter(|note| !note.is_empty()),
    };
    let mut comparator_names: Vec<String> = comparators.iter().map(|c| c.name.clone()).collect();
    comparator_names.sort();
    comparator_names.dedup();
    let table = row
        .points
        .iter()
        .enumerate()
        .rev()
        .map(|(index, point)| {
            let at_period = comparator_names
                .iter()
                .map(|name| {
                    comparators
                        .iter()
                        .find(|c| &c.name == name && c.period == point.period)
                        .map(|c| row.indicator.show(c.value))
                        .unwrap_or_default()
                })
                .collect();
            (
                point.period.label(),
                row.published(point.value),
                series_note(&row, index),
                at_period,
            )
        })
        .collect();
    let chart_text = masa_charts::text_alternative(&chart);
    IndicatorView {
        chart: masa_charts::spc_chart_svg(&chart, &format!("indicator-{id}")),
        chart_text,
        table,
        comparator_names,
        priority,
        row,
    }
}

async fn indicator_page_for(
    state: &AppState,
    ctx: &Ctx,
    id: IndicatorId,
    errors: FormErrors,
    comparator_form: ComparatorForm,
) -> AppResult<IndicatorPage> {
    let view = indicator_view(state, ctx.scope(state)?, id).await?;
    Ok(IndicatorPage {
        chrome: ctx.chrome(state).await?,
        chart: view.chart.clone(),
        chart_text: view.chart_text.clone(),
        table: view.table.clone(),
        comparator_names: view.comparator_names.clone(),
        priority: view.priority.clone(),
        can_manage: is_manager(ctx.user()?),
        row: view.row.clone(),
        errors,
        comparator_form,
    })
}

pub async fn indicator_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<IndicatorId>,
) -> AppResult<impl IntoResponse> {
    render(
        &indicator_page_for(
            &state,
            &ctx,
            id,
            FormErrors::default(),
            ComparatorForm::default(),
        )
        .await?,
    )
}

/// A quarter's note in the series table and export: its special cause, or that it is left out
/// of the mean and limits.
fn series_note(row: &ScorecardRow, index: usize) -> String {
    match row.points.get(index) {
        Some(point) if point.value.is_suppressed() => {
            let shown = row.published(point.value);
            format!("{shown}: left out of the mean and limits")
        }
        _ => special_cause_note(row.spc_point(index)),
    }
}

/// The series export, built from the published row so it shows what the page shows.
pub(super) fn series_table(
    indicator: &Indicator,
    series: &[(Quarter, f64)],
) -> SheetTable<'static> {
    let row = ScorecardRow::build(indicator.clone(), series, &[], None, None);
    let limit = |figure: fn(&masa_spc::SpcAnalysis) -> f64| {
        row.spc.as_ref().map_or(Cell::Empty, |s| {
            Cell::Number((figure(s) * 100.0).round() / 100.0)
        })
    };
    let rows = row
        .points
        .iter()
        .enumerate()
        .map(|(index, point)| {
            let shown = match point.value {
                Published::Value(value) => Cell::Number(value),
                hidden => Cell::Text(row.published(hidden)),
            };
            vec![
                Cell::Text(indicator.code.clone()),
                Cell::Text(point.period.label()),
                shown,
                indicator.target.map_or(Cell::Empty, Cell::Number),
                limit(|s| s.mean),
                limit(|s| s.lower_process_limit),
                limit(|s| s.upper_process_limit),
                Cell::Text(series_note(&row, index)),
            ]
        })
        .collect();
    SheetTable {
        name: "Series",
        header: [
            "Code",
            "Period",
            "Value",
            "Target",
            "Mean",
            "Lower process limit",
            "Upper process limit",
            "Special cause",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect(),
        rows,
    }
}

/// The indicator's approved series, oldest first.
async fn series_for_export(
    state: &AppState,
    ctx: &Ctx,
    indicator: &Indicator,
) -> AppResult<Vec<(Quarter, f64)>> {
    let id = indicator.id;
    Ok(
        store::approved_series(ctx.scope(state)?, store::SeriesScope::Indicator(id))
            .await?
            .remove(&id)
            .unwrap_or_default(),
    )
}

pub async fn series_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(indicator): Loaded<Indicator>,
) -> AppResult<Response> {
    let series = series_for_export(&state, &ctx, &indicator).await?;
    let bytes = sheets::write_xlsx(&[series_table(&indicator, &series)]).map_err(sheet_error)?;
    Ok(download(
        bytes,
        XLSX,
        &format!("masa-{}.xlsx", indicator.code.to_lowercase()),
    ))
}

pub async fn series_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(indicator): Loaded<Indicator>,
) -> AppResult<Response> {
    let series = series_for_export(&state, &ctx, &indicator).await?;
    let bytes = sheets::write_csv(&series_table(&indicator, &series)).map_err(sheet_error)?;
    Ok(download(
        bytes,
        CSV,
        &format!("masa-{}.csv", indicator.code.to_lowercase()),
    ))
}

pub async fn add_comparator(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(indicator): Loaded<Indicator>,
    Form(form): Form<ComparatorForm>,
) -> AppResult<Response> {
    let id = indicator.id;
    let mut errors = FormErrors::default();
    let period = Quarter::parse(&form.period);
    if period.is_none() {
        errors.add(
            "period",
            "Enter the quarter the comparator is for, like 2025-26 Q4",
        );
    }
    let name = errors.required_text("name", "Comparator", &form.name, 100);
    let value = parse_number(&form.value);
    match value {
        None => errors.add("value", "Enter the comparator's value as a number"),
        Some(value) => {
            if let Err(problem) = indicator.unit.check(value) {
                errors.add("value", format!("The value {problem}"));
            }
        }
    }
    let (Some(period), Some(value)) = (period, value) else {
        return render_refused(&indicator_page_for(&state, &ctx, id, errors, form).await?);
    };
    if !errors.is_empty() {
        return render_refused(&indicator_page_for(&state, &ctx, id, errors, form).await?);
    }
    let mut change = ctx.change(&state).await?;
    store::set_comparator(&mut change, (id, &indicator.code), period, &name, value).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{name} comparator for {period} saved"))
        .await?;
    Ok(Redirect::to(&format!("/dataset/indicators/{id}")).into_response())
}
