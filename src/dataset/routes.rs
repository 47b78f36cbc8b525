//! Dataset pages: the scorecard and indicator pages, the catalogue, collection periods and
//! completeness, data drops (web form, spreadsheet upload, storyboard, submit, approve or
//! return), API tokens, and the exports. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

use super::model::*;
use super::scorecard::{ScorecardRow, Summary, rag_label, rag_tag};
use super::sheets::{self, Cell, SheetTable};
use super::store::{
    self, CollectionPeriod, DataDrop, DropFilter, DropValue, IndicatorDetails, IndicatorFilter,
};
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::auth::{self, CurrentUser};
use crate::kernel::db::Transaction;
use crate::kernel::paging::page_links;
use crate::kernel::text::{DateParts, FormErrors, display_date, long_date, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Permission, Role, cache, outbox, render,
    render_refused,
};
use crate::partnership;

async fn record(
    tx: &mut Transaction,
    ctx: &Ctx,
    action: AuditAction,
    (entity_type, entity_id): (&str, i64),
    summary: String,
    values: (Option<serde_json::Value>, Option<serde_json::Value>),
) -> AppResult<()> {
    let (before, after) = values;
    audit::record(
        tx,
        &ctx.actor()?,
        AuditEntry {
            action,
            entity_type,
            entity_id: Some(entity_id),
            summary,
            before,
            after,
        },
    )
    .await?;
    Ok(())
}

fn is_manager(user: &CurrentUser) -> bool {
    user.can(Permission::ManageDataset)
}

// ---- scorecard ----

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ScorecardQuery {
    priority: String,
    organisation: String,
    from: String,
    to: String,
    /// The page of rows (from 1); not part of the filter, so exports take every row.
    page: String,
}

struct ScorecardFilter {
    priority: Option<i64>,
    organisation: Option<i64>,
    from: Option<Quarter>,
    to: Option<Quarter>,
}

impl ScorecardQuery {
    fn filter(&self) -> ScorecardFilter {
        ScorecardFilter {
            priority: self.priority.parse().ok(),
            organisation: self.organisation.parse().ok(),
            from: Quarter::parse(&self.from),
            to: Quarter::parse(&self.to),
        }
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("priority", &self.priority),
            ("organisation", &self.organisation),
            ("from", &self.from),
            ("to", &self.to),
        ])
        .unwrap_or_default()
    }
}

/// A partnership's scorecard rows for a filter, computed once per change to the data (see
/// kernel::cache): every view of the scorecard between two changes is served from memory. Kept
/// by partnership, so one partnership never sees another's rows.
async fn scorecard_rows(
    state: &AppState,
    partnership_id: i64,
    filter: &ScorecardFilter,
) -> AppResult<Arc<Vec<ScorecardRow>>> {
    let revision = cache::revision(crate::kernel::Scope::new(
        &state.db,
        crate::kernel::ids::PartnershipId::new(partnership_id),
    ))
    .await?;
    let key = format!(
        "dataset/{partnership_id}/scorecard/{:?}/{:?}/{:?}/{:?}",
        filter.priority, filter.organisation, filter.from, filter.to
    );
    state
        .cache
        .get_or_compute_weighed(
            key,
            revision,
            compute_scorecard_rows(state, partnership_id, filter),
            Vec::len,
        )
        .await
}

async fn compute_scorecard_rows(
    state: &AppState,
    partnership_id: i64,
    filter: &ScorecardFilter,
) -> AppResult<Vec<ScorecardRow>> {
    // An organisation or priority of another partnership names none of this one's indicators,
    // so such a filter shows an empty scorecard.
    let indicators = store::list_indicators(
        &state.db,
        partnership_id,
        &IndicatorFilter {
            owner_organisation_id: filter.organisation,
            priority_item_id: filter.priority,
            include_archived: false,
        },
    )
    .await?;
    let scope = match filter.organisation {
        Some(organisation) => store::SeriesScope::Owner(organisation),
        None => store::SeriesScope::All,
    };
    let series = store::approved_series(&state.db, partnership_id, scope).await?;
    let comparators = store::comparators(&state.db, partnership_id, None).await?;
    Ok(indicators
        .into_iter()
        .map(|indicator| {
            let points = series.get(&indicator.id).map(Vec::as_slice).unwrap_or(&[]);
            ScorecardRow::build(indicator, points, &comparators, filter.from, filter.to).draw()
        })
        .collect())
}

/// The scorecard's filter choices: priorities, reporting organisations, approved quarters.
struct ScorecardChoices {
    plan_items: Vec<(i64, String)>,
    organisations: Vec<(String, String)>,
    periods: Vec<(String, String)>,
}

/// The organisations expected to send a data drop (those owning active indicators), kept until
/// the data changes: counting a national-size catalogue's indicators on every completeness
/// view cost more than the rest of the page.
async fn expected_organisations(
    state: &AppState,
    partnership_id: i64,
) -> AppResult<Arc<Vec<store::Expected>>> {
    let revision = cache::revision(crate::kernel::Scope::new(
        &state.db,
        crate::kernel::ids::PartnershipId::new(partnership_id),
    ))
    .await?;
    let key = format!("dataset/{partnership_id}/expected-organisations");
    Ok(state
        .cache
        .get_or_compute(
            key,
            revision,
            store::expected_organisations(&state.db, partnership_id),
        )
        .await?)
}

async fn scorecard_choices(
    state: &AppState,
    partnership_id: i64,
) -> AppResult<Arc<ScorecardChoices>> {
    let revision = cache::revision(crate::kernel::Scope::new(
        &state.db,
        crate::kernel::ids::PartnershipId::new(partnership_id),
    ))
    .await?;
    let key = format!("dataset/{partnership_id}/scorecard-choices");
    state
        .cache
        .get_or_compute(key, revision, async {
            let mut organisations = vec![(String::new(), "All organisations".to_owned())];
            organisations.extend(
                store::expected_organisations(&state.db, partnership_id)
                    .await?
                    .into_iter()
                    .map(|o| (o.organisation_id.to_string(), o.organisation_name)),
            );
            Ok(ScorecardChoices {
                plan_items: partnership::current_priorities(crate::kernel::Scope::new(
                    &state.db,
                    crate::kernel::ids::PartnershipId::new(partnership_id),
                ))
                .await?
                .into_iter()
                .map(|(id, name)| (id.get(), name))
                .collect(),
                organisations,
                periods: period_choices(state, partnership_id).await?,
            })
        })
        .await
}

/// Rows on one page of the scorecard. A row with its sparkline and icons is about 3 kB of HTML,
/// so a region's few hundred indicators on one page took longer to render and send than the
/// 50 ms target allows; the summary at the top still covers every row.
const SCORECARD_PAGE_SIZE: usize = 50;

/// A heading of the scorecard: a business plan priority, or the wider dataset.
struct ScorecardSection<'a> {
    heading: String,
    /// Where the section begins, for the summary's links.
    first_page: usize,
    anchor: String,
    summary: Summary,
    rows: Vec<&'a ScorecardRow>,
}

/// The part of a section shown on the current page.
struct PageSection<'a> {
    heading: &'a str,
    anchor: &'a str,
    /// The section began on an earlier page.
    continued: bool,
    rows: &'a [&'a ScorecardRow],
    /// Rows in the whole section.
    total: usize,
}

#[derive(Template)]
#[template(path = "dataset/templates/scorecard.html")]
struct ScorecardPage<'a> {
    chrome: Chrome,
    query: ScorecardQuery,
    filter_query: String,
    /// Every section in business plan order, then the wider dataset, with its summary.
    sections: &'a [ScorecardSection<'a>],
    total: Summary,
    /// The rows of this page, under their section headings.
    shown: Vec<PageSection<'a>>,
    page: usize,
    pages: usize,
    /// The rows shown, counted from 1 across the sections.
    first_shown: usize,
    last_shown: usize,
    /// Page numbers for the pagination links; None stands for the ones left out.
    page_links: Vec<Option<usize>>,
    priorities: Vec<(String, String)>,
    organisations: Vec<(String, String)>,
    periods: Vec<(String, String)>,
    can_manage: bool,
}

pub async fn scorecard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ScorecardQuery>,
) -> AppResult<impl IntoResponse> {
    let partnership_id = ctx.partnership()?;
    let filter = query.filter();
    let rows = scorecard_rows(&state, partnership_id, &filter).await?;
    let choices = scorecard_choices(&state, partnership_id).await?;
    let plan_items = &choices.plan_items;
    let mut grouped: Vec<(String, Vec<&ScorecardRow>)> = plan_items
        .iter()
        .map(|(_, title)| (title.clone(), Vec::new()))
        .collect();
    grouped.push(("Wider multi-agency dataset".to_owned(), Vec::new()));
    for row in rows.iter() {
        let index = row
            .indicator
            .priority_item_id
            .and_then(|id| plan_items.iter().position(|(item, _)| *item == id))
            .unwrap_or(plan_items.len());
        grouped[index].1.push(row);
    }
    let mut sections = Vec::new();
    let mut before = 0;
    for (number, (heading, rows)) in grouped.into_iter().enumerate() {
        if rows.is_empty() {
            continue;
        }
        sections.push(ScorecardSection {
            heading,
            first_page: before / SCORECARD_PAGE_SIZE + 1,
            anchor: format!("section-{}", number + 1),
            summary: Summary::of(rows.iter().copied()),
            rows,
        });
        before += sections.last().map_or(0, |section| section.rows.len());
    }
    let pages = rows.len().div_ceil(SCORECARD_PAGE_SIZE).max(1);
    let page = query.page.parse::<usize>().unwrap_or(1).clamp(1, pages);
    let (start, end) = ((page - 1) * SCORECARD_PAGE_SIZE, page * SCORECARD_PAGE_SIZE);
    // Cut this page's rows out of the sections they belong to.
    let mut shown = Vec::new();
    let mut offset = 0;
    for section in &sections {
        let (first, last) = (offset, offset + section.rows.len());
        offset = last;
        if last <= start || first >= end {
            continue;
        }
        let from = start.saturating_sub(first);
        let to = end.min(last) - first;
        shown.push(PageSection {
            heading: &section.heading,
            anchor: &section.anchor,
            continued: from > 0,
            rows: &section.rows[from..to],
            total: section.rows.len(),
        });
    }
    let mut priorities = vec![(String::new(), "All priorities".to_owned())];
    priorities.extend(
        plan_items
            .iter()
            .map(|(id, title)| (id.to_string(), title.clone())),
    );
    render(&ScorecardPage {
        chrome: ctx.chrome(&state).await?,
        filter_query: query.query_string(),
        query,
        total: Summary::of(rows.iter()),
        sections: &sections,
        shown,
        page,
        pages,
        first_shown: start + 1,
        last_shown: end.min(rows.len()),
        page_links: page_links(page, pages),
        priorities,
        organisations: choices.organisations.clone(),
        periods: choices.periods.clone(),
        can_manage: is_manager(ctx.user()?),
    })
}

/// Quarters that have approved data in the partnership, newest first, for the period filters.
async fn period_choices(state: &AppState, partnership_id: i64) -> AppResult<Vec<(String, String)>> {
    let quarters = store::approved_quarters(&state.db, partnership_id).await?;
    let mut choices = vec![(String::new(), "Any".to_owned())];
    choices.extend(
        quarters
            .into_iter()
            .rev()
            .map(|quarter| (quarter.label(), quarter.label())),
    );
    Ok(choices)
}

fn scorecard_table(rows: &[ScorecardRow]) -> SheetTable<'static> {
    let comparator_names: Vec<String> = {
        let mut names: Vec<String> = rows
            .iter()
            .flat_map(|row| row.comparators.iter().map(|c| c.0.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let mut header: Vec<String> = [
        "Code",
        "Indicator",
        "Owner",
        "Unit",
        "Polarity",
        "Latest period",
        "Latest value",
        "Previous value",
        "Target",
        "RAG against target",
        "Variation",
        "Assurance",
        "Mean",
        "Lower process limit",
        "Upper process limit",
    ]
    .iter()
    .map(|title| (*title).to_owned())
    .collect();
    header.extend(
        comparator_names
            .iter()
            .map(|name| format!("{name} (comparator)")),
    );
    let published = |row: &ScorecardRow, value: Option<Published>| match value {
        Some(Published::Value(value)) => Cell::Number(value),
        Some(hidden) => Cell::Text(row.published(hidden)),
        None => Cell::Empty,
    };
    let number = |value: Option<f64>| {
        value.map_or(Cell::Empty, |v| Cell::Number((v * 100.0).round() / 100.0))
    };
    let rows = rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                Cell::Text(row.indicator.code.clone()),
                Cell::Text(row.indicator.name.clone()),
                Cell::Text(row.indicator.owner_name.clone()),
                Cell::Text(row.indicator.unit.label().to_owned()),
                Cell::Text(polarity_label(row.indicator.polarity).to_owned()),
                row.latest
                    .as_ref()
                    .map_or(Cell::Empty, |p| Cell::Text(p.period.label())),
                published(row, row.latest.as_ref().map(|p| p.value)),
                published(row, row.previous.as_ref().map(|p| p.value)),
                number(row.indicator.target),
                Cell::Text(rag_label(row.target_rag).to_owned()),
                Cell::Text(row.variation_label().to_owned()),
                Cell::Text(row.assurance_label().to_owned()),
                number(row.spc.as_ref().map(|s| s.mean)),
                number(row.spc.as_ref().map(|s| s.lower_process_limit)),
                number(row.spc.as_ref().map(|s| s.upper_process_limit)),
            ];
            for name in &comparator_names {
                cells.push(number(
                    row.comparators.iter().find(|c| &c.0 == name).map(|c| c.2),
                ));
            }
            cells
        })
        .collect();
    SheetTable {
        name: "Scorecard",
        header,
        rows,
    }
}

fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

fn sheet_error(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("could not write the spreadsheet: {error}"))
}

pub async fn scorecard_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ScorecardQuery>,
) -> AppResult<Response> {
    let rows = scorecard_rows(&state, ctx.partnership()?, &query.filter()).await?;
    let bytes = sheets::write_xlsx(&[scorecard_table(&rows)]).map_err(sheet_error)?;
    Ok(download(bytes, XLSX, "masa-scorecard.xlsx"))
}

pub async fn scorecard_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ScorecardQuery>,
) -> AppResult<Response> {
    let rows = scorecard_rows(&state, ctx.partnership()?, &query.filter()).await?;
    let bytes = sheets::write_csv(&scorecard_table(&rows)).map_err(sheet_error)?;
    Ok(download(bytes, CSV, "masa-scorecard.csv"))
}

// ---- one indicator ----

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

/// What an indicator's page shows, computed once per change to the data (see kernel::cache).
struct IndicatorView {
    row: ScorecardRow,
    chart: String,
    chart_text: String,
    table: Vec<(String, String, String, Vec<String>)>,
    comparator_names: Vec<String>,
    priority: Option<String>,
}

/// Kept by partnership and id: another partnership's indicator is not found, cached or not.
async fn indicator_view(
    state: &AppState,
    partnership_id: i64,
    id: i64,
) -> AppResult<Arc<IndicatorView>> {
    let revision = cache::revision(crate::kernel::Scope::new(
        &state.db,
        crate::kernel::ids::PartnershipId::new(partnership_id),
    ))
    .await?;
    state
        .cache
        .get_or_compute(
            format!("dataset/{partnership_id}/indicator/{id}"),
            revision,
            compute_indicator_view(state, partnership_id, id),
        )
        .await
}

async fn compute_indicator_view(
    state: &AppState,
    partnership_id: i64,
    id: i64,
) -> AppResult<IndicatorView> {
    let indicator = store::find_indicator(&state.db, partnership_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let series =
        store::approved_series(&state.db, partnership_id, store::SeriesScope::Indicator(id))
            .await?
            .remove(&id)
            .unwrap_or_default();
    let comparators = store::comparators(&state.db, partnership_id, Some(id)).await?;
    let priority = match indicator.priority_item_id {
        Some(item) => partnership::current_priorities(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ))
        .await?
        .into_iter()
        .find(|(id, _)| id.get() == item)
        .map(|(_, title)| title),
        None => None,
    };
    Ok(draw_indicator(indicator, &series, &comparators, priority))
}

/// The indicator page's figures from its approved series: pure, so the suppression property
/// test runs the page's own code.
fn draw_indicator(
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
    id: i64,
    errors: FormErrors,
    comparator_form: ComparatorForm,
) -> AppResult<IndicatorPage> {
    let view = indicator_view(state, ctx.partnership()?, id).await?;
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
    Path(id): Path<i64>,
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
fn series_table(indicator: &Indicator, series: &[(Quarter, f64)]) -> SheetTable<'static> {
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

async fn series_for_export(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(Indicator, Vec<(Quarter, f64)>)> {
    let partnership_id = ctx.partnership()?;
    let indicator = store::find_indicator(&state.db, partnership_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let series =
        store::approved_series(&state.db, partnership_id, store::SeriesScope::Indicator(id))
            .await?
            .remove(&id)
            .unwrap_or_default();
    Ok((indicator, series))
}

pub async fn series_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (indicator, series) = series_for_export(&state, &ctx, id).await?;
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
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (indicator, series) = series_for_export(&state, &ctx, id).await?;
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
    Path(id): Path<i64>,
    Form(form): Form<ComparatorForm>,
) -> AppResult<Response> {
    let indicator = store::find_indicator(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
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
    let mut tx = state.db.begin_write().await?;
    store::set_comparator(&mut tx, id, period, &name, value).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("indicator", id),
        format!(
            "Set the {name} comparator of {} for {period}",
            indicator.code
        ),
        (
            None,
            Some(serde_json::json!({ "period": period.label(), "name": name, "value": value })),
        ),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{name} comparator for {period} saved"))
        .await?;
    Ok(Redirect::to(&format!("/dataset/indicators/{id}")).into_response())
}

// ---- the catalogue ----

#[derive(Template)]
#[template(path = "dataset/templates/indicator_list.html")]
struct IndicatorListPage {
    chrome: Chrome,
    indicators: Vec<Indicator>,
    include_archived: bool,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ArchivedQuery {
    archived: String,
}

pub async fn indicator_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ArchivedQuery>,
) -> AppResult<impl IntoResponse> {
    let include_archived = query.archived == "yes";
    let indicators = store::list_indicators(
        &state.db,
        ctx.partnership()?,
        &IndicatorFilter {
            include_archived,
            ..IndicatorFilter::default()
        },
    )
    .await?;
    render(&IndicatorListPage {
        chrome: ctx.chrome(&state).await?,
        indicators,
        include_archived,
        can_manage: is_manager(ctx.user()?),
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct IndicatorForm {
    code: String,
    name: String,
    definition: String,
    unit: String,
    polarity: String,
    frequency: String,
    owner_organisation_id: String,
    priority_item_id: String,
    target: String,
    suppression_threshold: String,
    decimals: String,
    source: String,
}

impl IndicatorForm {
    fn of(indicator: &Indicator) -> IndicatorForm {
        IndicatorForm {
            code: indicator.code.clone(),
            name: indicator.name.clone(),
            definition: indicator.definition.clone(),
            unit: indicator.unit.code().to_owned(),
            polarity: polarity_code(indicator.polarity).to_owned(),
            frequency: indicator.frequency.code().to_owned(),
            owner_organisation_id: indicator.owner_organisation_id.to_string(),
            priority_item_id: indicator
                .priority_item_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            target: indicator.target.map(|t| t.to_string()).unwrap_or_default(),
            suppression_threshold: indicator.suppression_threshold.to_string(),
            decimals: indicator.decimals.to_string(),
            source: indicator.source.clone(),
        }
    }

    fn validate(
        &self,
        errors: &mut FormErrors,
        organisations: &[(i64, String)],
        priorities: &[(i64, String)],
    ) -> Option<IndicatorDetails> {
        let code = errors
            .required_text("code", "Code", &self.code, 20)
            .to_uppercase();
        if !code.is_empty() && !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            errors.add(
                "code",
                "Code must use only letters, numbers and hyphens, like MFH-01",
            );
        }
        let name = errors.required_text("name", "Name", &self.name, 150);
        let definition = errors.required_text("definition", "Definition", &self.definition, 2000);
        let unit = Unit::from_code(&self.unit);
        if unit.is_none() {
            errors.add("unit", "Select the unit");
        }
        let polarity = polarity_from_code(&self.polarity);
        if polarity.is_none() {
            errors.add("polarity", "Select which direction is better");
        }
        let frequency = Frequency::from_code(&self.frequency);
        if frequency.is_none() {
            errors.add("frequency", "Select how often it is measured");
        }
        let owner = self
            .owner_organisation_id
            .parse::<i64>()
            .ok()
            .filter(|id| organisations.iter().any(|(o, _)| o == id));
        if owner.is_none() {
            errors.add(
                "owner_organisation_id",
                "Select the organisation that reports it",
            );
        }
        let priority = if self.priority_item_id.is_empty() {
            None
        } else {
            let found = self
                .priority_item_id
                .parse::<i64>()
                .ok()
                .filter(|id| priorities.iter().any(|(p, _)| p == id));
            if found.is_none() {
                errors.add("priority_item_id", "Select a priority from the list");
            }
            found
        };
        let target = if self.target.trim().is_empty() {
            None
        } else {
            match (parse_number(&self.target), unit) {
                (Some(target), Some(unit)) => match unit.check(target) {
                    Ok(()) => Some(target),
                    Err(problem) => {
                        errors.add("target", format!("The target {problem}"));
                        None
                    }
                },
                (Some(target), None) => Some(target),
                (None, _) => {
                    errors.add("target", "Target must be a number, or left blank");
                    None
                }
            }
        };
        let whole =
            |errors: &mut FormErrors, field: &str, label: &str, text: &str, max: i64| -> i64 {
                match text.trim().parse::<i64>() {
                    Ok(number) if (0..=max).contains(&number) => number,
                    _ if text.trim().is_empty() => 0,
                    _ => {
                        errors.add(
                            field,
                            format!("{label} must be a whole number from 0 to {max}"),
                        );
                        0
                    }
                }
            };
        let suppression_threshold = whole(
            errors,
            "suppression_threshold",
            "Suppression threshold",
            &self.suppression_threshold,
            100,
        );
        let decimals = whole(errors, "decimals", "Decimal places", &self.decimals, 3);
        let source = errors.optional_text("source", "Source", &self.source, 500);
        if !errors.is_empty() {
            return None;
        }
        Some(IndicatorDetails {
            code,
            name,
            definition,
            unit: unit?,
            polarity: polarity?,
            frequency: frequency?,
            owner_organisation_id: owner?,
            priority_item_id: priority,
            target,
            suppression_threshold,
            decimals,
            source,
        })
    }
}

#[derive(Template)]
#[template(path = "dataset/templates/indicator_form.html")]
struct IndicatorFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: IndicatorForm,
    indicator: Option<Indicator>,
    units: Vec<(String, String)>,
    polarities: Vec<(String, String)>,
    frequencies: Vec<(String, String)>,
    organisations: Vec<(String, String)>,
    priorities: Vec<(String, String)>,
}

fn choices<T: Copy>(
    first: &str,
    items: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    let mut options = vec![(String::new(), first.to_owned())];
    options.extend(
        items
            .iter()
            .map(|item| (code(*item).to_owned(), label(*item).to_owned())),
    );
    options
}

async fn indicator_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: IndicatorForm,
    indicator: Option<Indicator>,
) -> AppResult<IndicatorFormPage> {
    let partnership_id = ctx.partnership()?;
    let mut organisations = vec![(String::new(), "Select an organisation".to_owned())];
    organisations.extend(
        partnership::organisation_choices(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ))
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name)),
    );
    let mut priorities = vec![(String::new(), "None – the wider dataset".to_owned())];
    priorities.extend(
        partnership::current_priorities(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ))
        .await?
        .into_iter()
        .map(|(id, title)| (id.to_string(), title)),
    );
    let polarities = [
        Polarity::HigherIsBetter,
        Polarity::LowerIsBetter,
        Polarity::Neither,
    ];
    Ok(IndicatorFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        indicator,
        units: choices("Select a unit", &Unit::ALL, Unit::code, Unit::label),
        polarities: choices("Select", &polarities, polarity_code, polarity_label),
        frequencies: choices("Select", &Frequency::ALL, Frequency::code, Frequency::label),
        organisations,
        priorities,
    })
}

/// Checks the form against the partnership's own organisations and priorities, so an id of
/// another partnership's is refused as one not in the list.
async fn validate_indicator(
    state: &AppState,
    partnership_id: i64,
    form: &IndicatorForm,
    editing: Option<i64>,
) -> AppResult<(FormErrors, Option<IndicatorDetails>)> {
    let organisations: Vec<(i64, String)> =
        partnership::organisation_choices(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ))
        .await?
        .into_iter()
        .map(|(id, name)| (id.get(), name))
        .collect();
    let priorities: Vec<(i64, String)> =
        partnership::current_priorities(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership_id),
        ))
        .await?
        .into_iter()
        .map(|(id, name)| (id.get(), name))
        .collect();
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, &organisations, &priorities);
    if let Some(details) = &details
        && store::indicator_code_taken(&state.db, partnership_id, &details.code, editing).await?
    {
        errors.add("code", "An indicator with this code already exists");
    }
    Ok((errors, details))
}

pub async fn new_indicator_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let form = IndicatorForm {
        frequency: "quarterly".into(),
        suppression_threshold: "5".into(),
        decimals: "0".into(),
        ..IndicatorForm::default()
    };
    render(&indicator_form_page(&state, &ctx, FormErrors::default(), form, None).await?)
}

pub async fn create_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<IndicatorForm>,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let (errors, details) = validate_indicator(&state, partnership_id, &form, None).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&indicator_form_page(&state, &ctx, errors, form, None).await?);
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_indicator(
        &mut tx,
        partnership_id,
        &details,
        Quarter::containing(today()),
    )
    .await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("indicator", id),
        format!("Added indicator {} {}", details.code, details.name),
        (None, Some(snapshot(&details))),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} added to the catalogue", details.code))
        .await?;
    Ok(Redirect::to(&format!("/dataset/indicators/{id}")).into_response())
}

async fn live_indicator(state: &AppState, partnership_id: i64, id: i64) -> AppResult<Indicator> {
    let indicator = store::find_indicator(&state.db, partnership_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if indicator.archived_at.is_some() {
        return Err(AppError::BadRequest(
            "This indicator is archived. Restore it before editing.".into(),
        ));
    }
    Ok(indicator)
}

pub async fn edit_indicator_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let indicator = live_indicator(&state, ctx.partnership()?, id).await?;
    let form = IndicatorForm::of(&indicator);
    render(&indicator_form_page(&state, &ctx, FormErrors::default(), form, Some(indicator)).await?)
}

pub async fn update_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<IndicatorForm>,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let indicator = live_indicator(&state, partnership_id, id).await?;
    let (errors, details) = validate_indicator(&state, partnership_id, &form, Some(id)).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(
            &indicator_form_page(&state, &ctx, errors, form, Some(indicator)).await?,
        );
    };
    let mut tx = state.db.begin_write().await?;
    store::update_indicator(&mut tx, partnership_id, id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("indicator", id),
        format!("Updated indicator {}", details.code),
        (
            Some(snapshot(&IndicatorDetails::of(&indicator))),
            Some(snapshot(&details)),
        ),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.code))
        .await?;
    Ok(Redirect::to(&format!("/dataset/indicators/{id}")).into_response())
}

async fn set_indicator_archived(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    archived: bool,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let indicator = store::find_indicator(&state.db, partnership_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if indicator.archived_at.is_some() != archived {
        let mut tx = state.db.begin_write().await?;
        store::set_indicator_archived(&mut tx, partnership_id, id, archived).await?;
        let (action, verb) = if archived {
            (AuditAction::Archive, "Archived")
        } else {
            (AuditAction::Restore, "Restored")
        };
        record(
            &mut tx,
            ctx,
            action,
            ("indicator", id),
            format!("{verb} indicator {}", indicator.code),
            (Some(snapshot(&indicator)), None),
        )
        .await?;
        tx.commit().await?;
        ctx.flash(
            state,
            &format!("{} {}", indicator.code, verb.to_lowercase()),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/dataset/indicators/{id}")).into_response())
}

pub async fn archive_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_indicator_archived(&state, &ctx, id, true).await
}

pub async fn restore_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_indicator_archived(&state, &ctx, id, false).await
}

// ---- collection periods and completeness ----

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
        periods: store::list_periods(&state.db, ctx.partnership()?).await?,
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
    let partnership_id = ctx.partnership()?;
    let mut errors = FormErrors::default();
    let period = Quarter::parse(&form.period);
    match period {
        None => errors.add("period", "Enter the quarter, like 2026-27 Q2"),
        Some(period)
            if store::find_period(&state.db, partnership_id, period)
                .await?
                .is_some() =>
        {
            errors.add(
                "period",
                format!("{period} is already open or was collected"),
            )
        }
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
        let periods = store::list_periods(&state.db, partnership_id).await?;
        return render_refused(&PeriodsPage {
            chrome: ctx.chrome(&state).await?,
            periods,
            errors,
            form,
            today: today(),
        });
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_period(&mut tx, partnership_id, period, due_on).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("collection_period", id),
        format!("Opened {period} for data drops, due {}", long_date(due_on)),
        (
            None,
            Some(serde_json::json!({ "period": period.label(), "due_on": due_on.to_string() })),
        ),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{period} is open for data drops"))
        .await?;
    Ok(Redirect::to(&format!("/dataset/periods/{}", period.key())).into_response())
}

/// One of the partnership's collection periods, by its key (2026-07-01).
async fn known_period(state: &AppState, ctx: &Ctx, key: &str) -> AppResult<CollectionPeriod> {
    let quarter = Quarter::parse(key).ok_or(AppError::NotFound)?;
    store::find_period(&state.db, ctx.partnership()?, quarter)
        .await?
        .ok_or(AppError::NotFound)
}

/// One organisation's position for a period.
pub struct Completeness {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub indicators: i64,
    pub latest: Option<DataDrop>,
    pub state: &'static str,
    pub tag: &'static str,
}

/// The partnership's organisations' positions for one of its periods.
async fn completeness(
    state: &AppState,
    partnership_id: i64,
    period: &CollectionPeriod,
) -> AppResult<Vec<Completeness>> {
    let drops = store::list_drops(
        &state.db,
        partnership_id,
        &DropFilter {
            period: Some(period.period),
            ..DropFilter::default()
        },
    )
    .await?;
    let overdue = today() > period.due_on;
    Ok(expected_organisations(state, partnership_id)
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
    Path(key): Path<String>,
) -> AppResult<impl IntoResponse> {
    let period = known_period(&state, &ctx, &key).await?;
    let rows = completeness(&state, ctx.partnership()?, &period).await?;
    let submitted = rows
        .iter()
        .filter(|row| {
            row.latest.as_ref().is_some_and(|d| {
                matches!(
                    d.status,
                    DropStatus::Submitted | DropStatus::Approved | DropStatus::Superseded
                )
            })
        })
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
    Path(key): Path<String>,
) -> AppResult<Response> {
    set_period_closed(&state, &ctx, &key, true).await
}

pub async fn reopen_period(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(key): Path<String>,
) -> AppResult<Response> {
    set_period_closed(&state, &ctx, &key, false).await
}

async fn set_period_closed(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    closed: bool,
) -> AppResult<Response> {
    let period = known_period(state, ctx, key).await?;
    if period.is_open() == closed {
        let mut tx = state.db.begin_write().await?;
        store::set_period_closed(&mut tx, ctx.partnership()?, period.period, closed).await?;
        let verb = if closed { "Closed" } else { "Reopened" };
        record(
            &mut tx,
            ctx,
            AuditAction::Update,
            ("collection_period", period.id),
            format!("{verb} {} for data drops", period.period),
            (None, Some(serde_json::json!({ "closed": closed }))),
        )
        .await?;
        tx.commit().await?;
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
    Path(key): Path<String>,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let period = known_period(&state, &ctx, &key).await?;
    let outstanding: Vec<Completeness> = completeness(&state, partnership_id, &period)
        .await?
        .into_iter()
        .filter(|row| {
            !row.latest.as_ref().is_some_and(|d| {
                matches!(
                    d.status,
                    DropStatus::Submitted | DropStatus::Approved | DropStatus::Superseded
                )
            })
        })
        .collect();
    let leads = auth::list_users(ctx.scope(&state)?).await?;
    let mut tx = state.db.begin_write().await?;
    let mut queued = 0;
    for row in &outstanding {
        let recipients = leads.iter().filter(|user| {
            user.archived_at.is_none()
                && user.organisation_id.map(|id| id.get()) == Some(row.organisation_id)
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
                &mut tx,
                partnership_id,
                &user.email,
                &format!("Data drop for {} {overdue}", period.period),
                &body,
            )
            .await?;
            queued += 1;
        }
    }
    record(&mut tx, &ctx, AuditAction::Create, ("collection_period", period.id), format!("Queued {queued} reminders for {}", period.period), (None, Some(serde_json::json!({ "organisations": outstanding.iter().map(|r| r.organisation_name.clone()).collect::<Vec<_>>() })))).await?;
    tx.commit().await?;
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

// ---- data drops ----

/// May this person see this drop? The rule is [`may_see_drop`]; anything it refuses is "not
/// found", so ids cannot be probed.
fn may_view(user: &CurrentUser, data_drop: &DataDrop) -> bool {
    may_see_drop(
        &user.roles,
        user.organisation_id,
        data_drop.organisation_id,
        data_drop.status,
    )
}

/// May this person prepare drops for this organisation?
fn may_prepare(user: &CurrentUser, organisation_id: i64) -> bool {
    is_manager(user)
        || (user.can(Permission::SubmitDataDrop) && user.organisation_id == Some(organisation_id))
}

async fn viewable_drop(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<DataDrop> {
    let data_drop = store::find_drop(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_view(ctx.user()?, &data_drop) {
        return Err(AppError::NotFound);
    }
    Ok(data_drop)
}

/// A save into a draft that was refused, as the page says it. The draft is checked before a
/// save too (`editable_drop`), so these come from a change made at the same moment.
fn refused_draft(refusal: store::DraftError) -> AppError {
    use store::DraftError;
    match refusal {
        DraftError::NotFound => AppError::NotFound,
        DraftError::NotDraft { version, status } => AppError::BadRequest(format!(
            "Version {version} is {} and cannot be changed. Start a new version to resubmit.",
            status.label().to_lowercase()
        )),
        DraftError::AwaitingDecision(period) => AppError::BadRequest(format!(
            "A data drop for {period} is waiting for the business unit's decision. It can be changed once it is approved or returned."
        )),
        DraftError::PeriodClosed(period) => AppError::BadRequest(format!(
            "{period} is closed for data drops. Ask the business unit to reopen it."
        )),
        DraftError::NotReady(_) => AppError::BadRequest(
            "Someone else changed this data drop at the same moment, and it is not ready to submit. Reload the page and check it."
                .into(),
        ),
        DraftError::Database(failure) => AppError::Database(failure),
    }
}

/// A draft the person may change, in a period still open.
async fn editable_drop(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(DataDrop, CollectionPeriod)> {
    let data_drop = viewable_drop(state, ctx, id).await?;
    if !may_prepare(ctx.user()?, data_drop.organisation_id) {
        return Err(AppError::Forbidden);
    }
    if !data_drop.status.is_editable() {
        return Err(AppError::BadRequest(format!(
            "Version {} is {} and cannot be changed. Start a new version to resubmit.",
            data_drop.version,
            data_drop.status.label().to_lowercase()
        )));
    }
    let period = store::find_period(&state.db, ctx.partnership()?, data_drop.period)
        .await?
        .filter(CollectionPeriod::is_open)
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "{} is closed for data drops. Ask the business unit to reopen it.",
                data_drop.period
            ))
        })?;
    Ok((data_drop, period))
}

/// Most drops listed at once.
const DROPS_SHOWN: i64 = 50;

#[derive(Template)]
#[template(path = "dataset/templates/drops.html")]
struct DropsPage {
    chrome: Chrome,
    drops: Vec<DataDrop>,
    /// More drops match than are listed.
    truncated: bool,
    /// Open periods with, for the user's organisation, the draft to continue (if any).
    open_periods: Vec<(CollectionPeriod, Option<i64>)>,
    organisation_name: Option<String>,
    organisations: Vec<(String, String)>,
    can_manage: bool,
    can_prepare: bool,
    status: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DropsQuery {
    status: String,
}

/// What the data drop list shows for one scope (all drops, or one organisation's), status
/// filter and viewer's own organisation, computed once per change to the data (see
/// kernel::cache): the page then costs no queries of its own beyond the revision.
struct DropsView {
    /// The newest DROPS_SHOWN + 1 (the extra one tells that there are more).
    drops: Vec<DataDrop>,
    open_periods: Vec<(CollectionPeriod, Option<i64>)>,
    organisation_name: Option<String>,
    organisations: Vec<(String, String)>,
}

async fn drops_view(
    state: &AppState,
    partnership_id: i64,
    scope: Option<Option<i64>>,
    status: Option<DropStatus>,
    own: Option<i64>,
    manager: bool,
) -> AppResult<Arc<DropsView>> {
    let revision = cache::revision(crate::kernel::Scope::new(
        &state.db,
        crate::kernel::ids::PartnershipId::new(partnership_id),
    ))
    .await?;
    // Kept by partnership: "every drop" is every drop of the viewer's partnership.
    let key = format!("dataset/{partnership_id}/drops/{scope:?}/{status:?}/{own:?}/{manager}");
    state
        .cache
        .get_or_compute(key, revision, async {
            // scope: None lists nothing (a viewer with no organisation), Some(None) every drop.
            let drops = match scope {
                Some(organisation_id) => {
                    let filter = DropFilter {
                        organisation_id,
                        status,
                        // Every organisation's drops but no organisation of one's own: the
                        // scrutineer, who sees no drafts.
                        without_drafts: organisation_id.is_none() && own.is_none() && !manager,
                        ..DropFilter::default()
                    };
                    store::list_drops_limited(&state.db, partnership_id, &filter, DROPS_SHOWN + 1)
                        .await?
                }
                None => Vec::new(),
            };
            let mut open_periods = Vec::new();
            for period in store::list_periods(&state.db, partnership_id)
                .await?
                .into_iter()
                .filter(CollectionPeriod::is_open)
            {
                let draft = match own {
                    Some(organisation_id) => {
                        store::open_draft(&state.db, organisation_id, period.period).await?
                    }
                    None => None,
                };
                open_periods.push((period, draft));
            }
            let organisation_name = match own {
                Some(id) => {
                    partnership::organisation_name(
                        crate::kernel::Scope::new(
                            &state.db,
                            crate::kernel::ids::PartnershipId::new(partnership_id),
                        ),
                        crate::kernel::ids::OrganisationId::new(id),
                    )
                    .await?
                }
                None => None,
            };
            let mut organisations = Vec::new();
            if manager {
                organisations.extend(
                    store::expected_organisations(&state.db, partnership_id)
                        .await?
                        .into_iter()
                        .map(|o| (o.organisation_id.to_string(), o.organisation_name)),
                );
            }
            Ok::<_, AppError>(DropsView {
                drops,
                open_periods,
                organisation_name,
                organisations,
            })
        })
        .await
}

pub async fn drops(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<DropsQuery>,
) -> AppResult<impl IntoResponse> {
    let user = ctx.user()?;
    let manager = is_manager(user);
    let own = if manager { None } else { user.organisation_id };
    let status = DropStatus::from_code(&query.status);
    // The newest drops first; older ones are found by status.
    let scope = if manager || user.has_role(Role::IndependentScrutineer) {
        Some(None)
    } else {
        own.map(Some)
    };
    let view = drops_view(&state, ctx.partnership()?, scope, status, own, manager).await?;
    let truncated = view.drops.len() > DROPS_SHOWN as usize;
    let drops: Vec<DataDrop> = view
        .drops
        .iter()
        .take(DROPS_SHOWN as usize)
        .filter(|d| may_view(user, d))
        .cloned()
        .collect();
    let can_prepare = user.can(Permission::SubmitDataDrop) && (manager || own.is_some());
    render(&DropsPage {
        chrome: ctx.chrome(&state).await?,
        drops,
        truncated,
        open_periods: view.open_periods.clone(),
        organisation_name: view.organisation_name.clone(),
        organisations: view.organisations.clone(),
        can_manage: manager,
        can_prepare,
        status: query.status,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    period: String,
    organisation_id: String,
}

/// Opens the draft for a period (a new version if the last was submitted, approved or returned).
pub async fn start_drop(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let partnership_id = ctx.partnership()?;
    let organisation_id = if is_manager(user) {
        // Only one of the partnership's own organisations: another's id is refused as a
        // missing choice is.
        match form.organisation_id.parse::<i64>().ok() {
            Some(id)
                if partnership::organisation_name(
                    crate::kernel::Scope::new(
                        &state.db,
                        crate::kernel::ids::PartnershipId::new(partnership_id),
                    ),
                    crate::kernel::ids::OrganisationId::new(id),
                )
                .await?
                .is_some() =>
            {
                Some(id)
            }
            _ => None,
        }
    } else {
        user.organisation_id
    };
    let Some(organisation_id) = organisation_id else {
        return Err(AppError::BadRequest(
            "Choose the organisation the data drop is for.".into(),
        ));
    };
    if !may_prepare(user, organisation_id) {
        return Err(AppError::Forbidden);
    }
    let period = Quarter::parse(&form.period).ok_or_else(|| {
        AppError::BadRequest("Choose a period that is open for data drops.".into())
    })?;
    let _open = store::find_period(&state.db, partnership_id, period)
        .await?
        .filter(CollectionPeriod::is_open)
        .ok_or_else(|| AppError::BadRequest(format!("{period} is not open for data drops.")))?;
    // Insert or find: the draft already open (perhaps started by a request a moment ago), or
    // a new one with its start recorded.
    let (id, _started) = store::open_or_start_draft(
        &state.db,
        &ctx.actor()?,
        organisation_id,
        period,
        Channel::WebForm,
    )
    .await
    .map_err(refused_draft)?;
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

/// A value as typed into the data drop form, before it is checked.
pub struct TypedValue {
    pub indicator_id: i64,
    pub value: String,
    pub note: String,
    pub confirmed: bool,
}

/// A drop page shown again with what was typed and what is wrong with it.
type Retyped<'a> = (&'a [TypedValue], Storyboard, FormErrors);

/// One line of the data drop form: an indicator, its value as typed, and what the checks say.
pub struct ValueLine {
    pub indicator: Indicator,
    pub value: String,
    pub note: String,
    pub outlier: bool,
    pub outlier_confirmed: bool,
    pub last_approved: Option<(Quarter, f64)>,
}

impl ValueLine {
    pub fn field(&self) -> String {
        format!("value_{}", self.indicator.id)
    }
}

#[derive(Template)]
#[template(path = "dataset/templates/drop.html")]
struct DropPage {
    chrome: Chrome,
    data_drop: DataDrop,
    lines: Vec<ValueLine>,
    errors: FormErrors,
    upload_errors: Vec<RowError>,
    storyboard: Storyboard,
    editable: bool,
    can_decide: bool,
    versions: Vec<DataDrop>,
    decision_comment: String,
    /// The decision chosen, when the form comes back with an error.
    decision: String,
}

/// The organisation's indicators with this drop's values and their history. Only these
/// indicators' fields are read from a form, so a forged indicator id is never saved.
async fn value_lines(
    state: &AppState,
    partnership_id: i64,
    data_drop: &DataDrop,
    typed: Option<&[TypedValue]>,
) -> AppResult<Vec<ValueLine>> {
    let indicators = store::list_indicators(
        &state.db,
        partnership_id,
        &IndicatorFilter {
            owner_organisation_id: Some(data_drop.organisation_id),
            ..IndicatorFilter::default()
        },
    )
    .await?;
    let saved = store::drop_values(&state.db, data_drop.id).await?;
    let series = store::approved_series(
        &state.db,
        partnership_id,
        store::SeriesScope::Owner(data_drop.organisation_id),
    )
    .await?;
    Ok(indicators
        .into_iter()
        .map(|indicator| {
            let history: Vec<(Quarter, f64)> = series
                .get(&indicator.id)
                .map(|s| {
                    s.iter()
                        .filter(|(q, _)| *q < data_drop.period)
                        .copied()
                        .collect()
                })
                .unwrap_or_default();
            let history_values: Vec<f64> = history.iter().map(|(_, v)| *v).collect();
            let (value, note, confirmed) = match typed.and_then(|typed| {
                typed
                    .iter()
                    .find(|typed| typed.indicator_id == indicator.id)
            }) {
                Some(typed) => (typed.value.clone(), typed.note.clone(), typed.confirmed),
                None => match saved.iter().find(|v| v.indicator_id == indicator.id) {
                    Some(saved) => (
                        format_plain(saved.value),
                        saved.note.clone(),
                        saved.outlier_confirmed,
                    ),
                    None => (String::new(), String::new(), false),
                },
            };
            let outlier =
                parse_number(&value).is_some_and(|v| is_far_outside_history(v, &history_values));
            ValueLine {
                last_approved: history.last().copied(),
                indicator,
                value,
                note,
                outlier,
                outlier_confirmed: confirmed,
            }
        })
        .collect())
}

/// A stored number as it would be typed back: 36, 86.5.
fn format_plain(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

async fn drop_page(
    state: &AppState,
    ctx: &Ctx,
    data_drop: DataDrop,
    form: Option<Retyped<'_>>,
    upload_errors: Vec<RowError>,
) -> AppResult<DropPage> {
    let user = ctx.user()?;
    let partnership_id = ctx.partnership()?;
    let period_open = store::find_period(&state.db, partnership_id, data_drop.period)
        .await?
        .is_some_and(|p| p.is_open());
    let editable = data_drop.status.is_editable()
        && may_prepare(user, data_drop.organisation_id)
        && period_open;
    let (typed, storyboard, errors) = match form {
        Some((typed, storyboard, errors)) => (Some(typed), storyboard, errors),
        None => (None, data_drop.storyboard.clone(), FormErrors::default()),
    };
    let lines = value_lines(state, partnership_id, &data_drop, typed).await?;
    let mut versions = store::list_drops(
        &state.db,
        partnership_id,
        &DropFilter {
            organisation_id: Some(data_drop.organisation_id),
            period: Some(data_drop.period),
            ..DropFilter::default()
        },
    )
    .await?;
    versions.retain(|v| may_view(user, v));
    Ok(DropPage {
        chrome: ctx.chrome(state).await?,
        can_decide: is_manager(user) && data_drop.status == DropStatus::Submitted,
        editable,
        lines,
        errors,
        upload_errors,
        storyboard,
        versions,
        data_drop,
        decision_comment: String::new(),
        decision: String::new(),
    })
}

pub async fn drop_view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let data_drop = viewable_drop(&state, &ctx, id).await?;
    render(&drop_page(&state, &ctx, data_drop, None, Vec::new()).await?)
}

/// Reads the values form: `value_<indicator id>`, `note_<id>`, `confirm_<id>`, and the storyboard.
fn read_values_form(pairs: &[(String, String)]) -> (Vec<TypedValue>, Storyboard, bool) {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let mut typed = Vec::new();
    for (key, value) in pairs {
        if let Some(id) = key
            .strip_prefix("value_")
            .and_then(|id| id.parse::<i64>().ok())
        {
            let confirmed = pairs
                .iter()
                .any(|(k, v)| k == &format!("confirm_{id}") && v == "yes");
            typed.push(TypedValue {
                indicator_id: id,
                value: value.trim().to_owned(),
                note: field(&format!("note_{id}")).trim().to_owned(),
                confirmed,
            });
        }
    }
    let storyboard = Storyboard {
        working_well: field("working_well").trim().to_owned(),
        worried_about: field("worried_about").trim().to_owned(),
        doing_about_it: field("doing_about_it").trim().to_owned(),
        previous_actions: field("previous_actions").trim().to_owned(),
    };
    (typed, storyboard, field("submit") == "yes")
}

/// Checks typed values against their indicators. Empty values are allowed in a draft.
fn check_values(lines: &[ValueLine], errors: &mut FormErrors) -> Vec<DropValue> {
    let mut values = Vec::new();
    for line in lines {
        let field = line.field();
        if line.value.is_empty() {
            continue;
        }
        let Some(value) = parse_number(&line.value) else {
            errors.add(
                &field,
                format!("{}: {:?} is not a number", line.indicator.code, line.value),
            );
            continue;
        };
        if let Err(problem) = line.indicator.unit.check(value) {
            errors.add(
                &field,
                format!("{}: {} {problem}", line.indicator.code, line.value),
            );
            continue;
        }
        if line.note.chars().count() > NOTE_MAX {
            errors.add(
                &format!("note_{}", line.indicator.id),
                format!(
                    "{}: the note must be {NOTE_MAX} characters or fewer",
                    line.indicator.code
                ),
            );
        }
        values.push(DropValue {
            indicator_id: line.indicator.id,
            value,
            note: line.note.clone(),
            outlier_confirmed: line.outlier && line.outlier_confirmed,
        });
    }
    values
}

/// What must be true before a drop is submitted: every indicator answered, unusual values
/// confirmed, the storyboard's four questions answered.
fn check_ready(lines: &[ValueLine], storyboard: &Storyboard, errors: &mut FormErrors) {
    for line in lines {
        if line.value.is_empty() {
            errors.add(
                &line.field(),
                format!("{}: enter a value before submitting", line.indicator.code),
            );
        } else if line.outlier && !line.outlier_confirmed {
            errors.add(&format!("confirm_{}", line.indicator.id), format!("{}: {} is far outside its usual range – check it and tick to confirm it is right", line.indicator.code, line.value));
        }
    }
    for (field, question) in Storyboard::QUESTIONS {
        if storyboard.answer(field).is_empty() {
            errors.add(field, format!("Storyboard: answer “{question}”"));
        }
    }
}

fn check_storyboard(storyboard: &Storyboard, errors: &mut FormErrors) {
    for (field, question) in Storyboard::QUESTIONS {
        if storyboard.answer(field).chars().count() > STORYBOARD_MAX {
            errors.add(
                field,
                format!("“{question}” must be {STORYBOARD_MAX} characters or fewer"),
            );
        }
        if let Some(found) =
            crate::kernel::personal_data::likely_identifier(storyboard.answer(field))
        {
            errors.add(field, format!("“{question}” seems to contain {found}. Remove it: MASA holds no information that could identify a child or family"));
        }
    }
}

pub async fn save_values(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let (data_drop, _period) = editable_drop(&state, &ctx, id).await?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
    let (typed, storyboard, submit) = read_values_form(&pairs);
    let lines = value_lines(&state, ctx.partnership()?, &data_drop, Some(&typed)).await?;
    let mut errors = FormErrors::default();
    for line in &lines {
        if let Some(found) = crate::kernel::personal_data::likely_identifier(&line.note) {
            errors.add(
                &format!("note_{}", line.indicator.id),
                format!(
                    "{}: the note seems to contain {found}. Remove it",
                    line.indicator.code
                ),
            );
        }
    }
    let values = check_values(&lines, &mut errors);
    check_storyboard(&storyboard, &mut errors);
    if submit {
        check_ready(&lines, &storyboard, &mut errors);
    }
    if !errors.is_empty() {
        return render_refused(
            &drop_page(
                &state,
                &ctx,
                data_drop,
                Some((&typed, storyboard, errors)),
                Vec::new(),
            )
            .await?,
        );
    }
    // The form names every live indicator: an empty field clears its value.
    let change = store::DraftChange {
        set: values,
        cleared: lines
            .iter()
            .filter(|line| line.value.is_empty())
            .map(|line| line.indicator.id)
            .collect(),
        storyboard: Some(storyboard),
        channel: Channel::WebForm,
        submit,
    };
    let is_outlier = |value: &DraftValue| {
        lines
            .iter()
            .any(|line| line.indicator.id == value.indicator_id && line.outlier)
    };
    store::save_draft(
        &state.db,
        &ctx.actor()?,
        store::DraftTarget::Drop(id),
        &change,
        &is_outlier,
    )
    .await
    .map_err(refused_draft)?;
    let message = if submit {
        format!(
            "Data drop for {} submitted to the business unit",
            data_drop.period
        )
    } else {
        "Draft saved. It is visible only to your organisation until you submit it.".to_owned()
    };
    ctx.flash(&state, &message).await?;
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

pub async fn upload_values(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (data_drop, _period) = editable_drop(&state, &ctx, id).await?;
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                return Err(AppError::PayloadTooLarge(format!(
                    "The file could not be received: files can be at most {} MB.",
                    sheets::MAX_UPLOAD_BYTES / 1024 / 1024
                )));
            }
        };
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|_| {
                AppError::PayloadTooLarge(format!(
                    "The file could not be received: files can be at most {} MB.",
                    sheets::MAX_UPLOAD_BYTES / 1024 / 1024
                ))
            })?;
            file = Some(bytes.to_vec());
        }
    }
    let refuse = |errors: Vec<RowError>| async {
        let page = drop_page(&state, &ctx, data_drop.clone(), None, errors).await?;
        render_refused(&page)
    };
    let Some(bytes) = file.filter(|bytes| !bytes.is_empty()) else {
        return refuse(vec![RowError {
            row: 0,
            column: String::new(),
            message: "Choose a file to upload.".into(),
        }])
        .await;
    };
    let rows = match sheets::read_rows(&bytes) {
        Ok(rows) => rows,
        Err(error) => {
            return refuse(vec![RowError {
                row: 0,
                column: String::new(),
                message: error.to_string(),
            }])
            .await;
        }
    };
    let indicators = store::upload_indicators(&state.db, ctx.partnership()?).await?;
    let parsed = match read_upload(
        &rows,
        data_drop.period,
        data_drop.organisation_id,
        &indicators,
    ) {
        Ok(parsed) => parsed,
        Err(errors) => return refuse(errors).await,
    };
    let mut notes_with_identifiers = Vec::new();
    for value in &parsed {
        if let Some(found) = crate::kernel::personal_data::likely_identifier(&value.note) {
            notes_with_identifiers.push(RowError {
                row: value.row,
                column: "note".into(),
                message: format!("seems to contain {found}: remove it"),
            });
        }
    }
    if !notes_with_identifiers.is_empty() {
        return refuse(notes_with_identifiers).await;
    }
    // Values not in the file keep what the draft had.
    let change = store::DraftChange {
        set: parsed
            .iter()
            .map(|parsed| DropValue {
                indicator_id: parsed.indicator_id,
                value: parsed.value,
                note: parsed.note.clone(),
                outlier_confirmed: false,
            })
            .collect(),
        cleared: Vec::new(),
        storyboard: None,
        channel: Channel::Upload,
        submit: false,
    };
    store::save_draft(
        &state.db,
        &ctx.actor()?,
        store::DraftTarget::Drop(id),
        &change,
        &|_| false,
    )
    .await
    .map_err(refused_draft)?;
    ctx.flash(
        &state,
        &format!(
            "{} values uploaded. Check them, answer the storyboard, then submit.",
            parsed.len()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

/// The upload template: the organisation's indicators for this drop's period, with any values
/// already entered.
async fn template_table(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(DataDrop, SheetTable<'static>)> {
    let data_drop = viewable_drop(state, ctx, id).await?;
    let lines = value_lines(state, ctx.partnership()?, &data_drop, None).await?;
    let rows = lines
        .iter()
        .map(|line| {
            vec![
                Cell::Text(line.indicator.code.clone()),
                Cell::Text(line.indicator.name.clone()),
                Cell::Text(data_drop.period.label()),
                parse_number(&line.value).map_or(Cell::Empty, Cell::Number),
                if line.note.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(line.note.clone())
                },
            ]
        })
        .collect();
    Ok((
        data_drop,
        SheetTable {
            name: "Data drop",
            header: UPLOAD_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            rows,
        },
    ))
}

pub async fn template_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (data_drop, table) = template_table(&state, &ctx, id).await?;
    let bytes = sheets::write_xlsx(&[table]).map_err(sheet_error)?;
    Ok(download(
        bytes,
        XLSX,
        &format!("masa-data-drop-{}.xlsx", data_drop.period.key()),
    ))
}

pub async fn template_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (data_drop, table) = template_table(&state, &ctx, id).await?;
    let bytes = sheets::write_csv(&table).map_err(sheet_error)?;
    Ok(download(
        bytes,
        CSV,
        &format!("masa-data-drop-{}.csv", data_drop.period.key()),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    comment: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let data_drop = viewable_drop(&state, &ctx, id).await?;
    let decision = match form.decision.as_str() {
        "approve" => Decision::Approve,
        "return" => Decision::Return,
        _ => {
            return Err(AppError::BadRequest(
                "Choose to approve or return the data drop.".into(),
            ));
        }
    };
    let comment = form.comment.trim().to_owned();
    let mut errors = FormErrors::default();
    if decision == Decision::Return && comment.is_empty() {
        errors.add(
            "comment",
            "Say what needs to change when returning a data drop",
        );
    }
    if comment.chars().count() > 2000 {
        errors.add("comment", "Comment must be 2000 characters or fewer");
    }
    if !errors.is_empty() {
        let mut page = drop_page(&state, &ctx, data_drop, None, Vec::new()).await?;
        page.errors = errors;
        page.decision_comment = comment;
        page.decision = form.decision.clone();
        return render_refused(&page);
    }
    let status = next_status(data_drop.status, DropAction::Decide(decision))
        .map_err(|message| AppError::BadRequest(message.into()))?;
    let mut tx = state.db.begin_write().await?;
    if !store::set_status(
        &mut tx,
        id,
        data_drop.status,
        status,
        Some(ctx.user()?.id),
        &comment,
    )
    .await?
    {
        return Err(AppError::BadRequest(
            "Someone else decided on this data drop at the same moment. Reload the page.".into(),
        ));
    }
    if status == DropStatus::Approved {
        store::supersede_approved(&mut tx, data_drop.organisation_id, data_drop.period, id).await?;
    }
    let verb = if status == DropStatus::Approved {
        "Approved"
    } else {
        "Returned"
    };
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("data_drop", id),
        format!(
            "{verb} {}'s data drop for {} (version {})",
            data_drop.organisation_name, data_drop.period, data_drop.version
        ),
        (
            Some(serde_json::json!({ "status": data_drop.status.code() })),
            Some(serde_json::json!({ "status": status.code(), "comment": comment })),
        ),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "{verb} {}'s data drop for {}",
            data_drop.organisation_name, data_drop.period
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/dataset/drops/{id}")).into_response())
}

// ---- API tokens ----

#[derive(Template)]
#[template(path = "dataset/templates/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    organisation_name: String,
    tokens: Vec<store::ApiToken>,
    new_token: Option<String>,
    errors: FormErrors,
}

async fn own_organisation(state: &AppState, ctx: &Ctx) -> AppResult<(i64, String)> {
    let id = ctx.user()?.organisation_id.ok_or_else(|| {
        AppError::BadRequest(
            "API tokens belong to an organisation, and your account has none.".into(),
        )
    })?;
    let name = partnership::organisation_name(
        ctx.scope(state)?,
        crate::kernel::ids::OrganisationId::new(id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((id, name))
}

pub async fn tokens(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let (organisation_id, organisation_name) = own_organisation(&state, &ctx).await?;
    let tokens = store::tokens_of(&state.db, organisation_id).await?;
    render(&TokensPage {
        chrome: ctx.chrome(&state).await?,
        organisation_name,
        tokens,
        new_token: None,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    label: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let (organisation_id, organisation_name) = own_organisation(&state, &ctx).await?;
    let mut errors = FormErrors::default();
    let label = errors.required_text("label", "What the token is for", &form.label, 100);
    if !errors.is_empty() {
        let tokens = store::tokens_of(&state.db, organisation_id).await?;
        return render_refused(&TokensPage {
            chrome: ctx.chrome(&state).await?,
            organisation_name,
            tokens,
            new_token: None,
            errors,
        });
    }
    let token = format!("masa_{}", auth::new_token());
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_token(
        &mut tx,
        organisation_id,
        &label,
        &auth::token_hash(&state.config.secret_key, &token),
        ctx.user()?.id,
    )
    .await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("api_token", id),
        format!("Created API token “{label}” for {organisation_name}"),
        (None, Some(serde_json::json!({ "label": label }))),
    )
    .await?;
    tx.commit().await?;
    let tokens = store::tokens_of(&state.db, organisation_id).await?;
    // Shown once: only its hash is kept.
    Ok(render(&TokensPage {
        chrome: ctx.chrome(&state).await?,
        organisation_name,
        tokens,
        new_token: Some(token),
        errors: FormErrors::default(),
    })?
    .into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (organisation_id, _) = own_organisation(&state, &ctx).await?;
    let mut tx = state.db.begin_write().await?;
    if !store::revoke_token(&mut tx, organisation_id, id).await? {
        return Err(AppError::NotFound);
    }
    record(
        &mut tx,
        &ctx,
        AuditAction::Archive,
        ("api_token", id),
        "Revoked an API token".to_owned(),
        (None, None),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, "Token revoked: it no longer works")
        .await?;
    Ok(Redirect::to("/dataset/tokens").into_response())
}

/// Used by templates.
pub fn show_date(date: &time::Date) -> String {
    long_date(*date)
}

pub fn show_timestamp(text: &str) -> String {
    display_date(text)
}

pub fn show_optional_timestamp(text: &Option<String>) -> String {
    text.as_deref().map(display_date).unwrap_or_default()
}

pub fn rag_text(rag: &Option<masa_spc::Rag>) -> &'static str {
    rag_label(*rag)
}

pub fn rag_class(rag: &Option<masa_spc::Rag>) -> &'static str {
    rag_tag(*rag)
}

#[cfg(test)]
#[path = "suppression_tests.rs"]
mod suppression_tests;
