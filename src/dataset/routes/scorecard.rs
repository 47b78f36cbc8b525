//! The scorecard page and its spreadsheet and CSV exports.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

use crate::dataset::model::*;
use crate::dataset::scorecard::{ScorecardRow, Summary, rag_label};
use crate::dataset::store::{self, IndicatorFilter};
use crate::kernel::Scope;
use crate::kernel::filters;
use crate::kernel::ids::{OrganisationId, PlanItemId};
use crate::kernel::paging::{page_count, page_links};
use crate::kernel::{AppResult, AppState, Chrome, Ctx, cache, render};
use crate::partnership;
use masa_sheets::{self as sheets, Cell, SheetTable};

use super::{CSV, XLSX, download, is_manager, sheet_error};

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
    priority: Option<PlanItemId>,
    organisation: Option<OrganisationId>,
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
    scope: Scope<'_>,
    filter: &ScorecardFilter,
) -> AppResult<Arc<Vec<ScorecardRow>>> {
    let revision = cache::revision(scope).await?;
    let key = format!(
        "dataset/{}/scorecard/{:?}/{:?}/{:?}/{:?}",
        scope.partnership(),
        filter.priority,
        filter.organisation,
        filter.from,
        filter.to
    );
    state
        .cache
        .get_or_compute_weighed(
            key,
            revision,
            compute_scorecard_rows(scope, filter),
            Vec::len,
        )
        .await
}

async fn compute_scorecard_rows(
    scope: Scope<'_>,
    filter: &ScorecardFilter,
) -> AppResult<Vec<ScorecardRow>> {
    // An organisation or priority of another partnership names none of this one's indicators,
    // so such a filter shows an empty scorecard.
    let indicators = store::list_indicators(
        scope,
        &IndicatorFilter {
            owner_organisation_id: filter.organisation,
            priority_item_id: filter.priority,
            include_archived: false,
        },
    )
    .await?;
    let series_scope = match filter.organisation {
        Some(organisation) => store::SeriesScope::Owner(organisation),
        None => store::SeriesScope::All,
    };
    let series = store::approved_series(scope, series_scope).await?;
    let comparators = store::comparators(scope, None).await?;
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
    plan_items: Vec<(PlanItemId, String)>,
    organisations: Vec<(String, String)>,
    periods: Vec<(String, String)>,
}

/// The organisations expected to send a data drop (those owning active indicators), kept until
/// the data changes: counting a national-size catalogue's indicators on every completeness
/// view cost more than the rest of the page.
pub(super) async fn expected_organisations(
    state: &AppState,
    scope: Scope<'_>,
) -> AppResult<Arc<Vec<store::Expected>>> {
    let revision = cache::revision(scope).await?;
    let key = format!("dataset/{}/expected-organisations", scope.partnership());
    Ok(state
        .cache
        .get_or_compute(key, revision, store::expected_organisations(scope))
        .await?)
}

async fn scorecard_choices(state: &AppState, scope: Scope<'_>) -> AppResult<Arc<ScorecardChoices>> {
    let revision = cache::revision(scope).await?;
    let key = format!("dataset/{}/scorecard-choices", scope.partnership());
    state
        .cache
        .get_or_compute(key, revision, async {
            let mut organisations = vec![(String::new(), "All organisations".to_owned())];
            organisations.extend(
                store::expected_organisations(scope)
                    .await?
                    .into_iter()
                    .map(|o| (o.organisation_id.to_string(), o.organisation_name)),
            );
            Ok(ScorecardChoices {
                plan_items: partnership::current_priorities(scope).await?,
                organisations,
                periods: period_choices(scope).await?,
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
    let scope = ctx.scope(&state)?;
    let filter = query.filter();
    let rows = scorecard_rows(&state, scope, &filter).await?;
    let choices = scorecard_choices(&state, scope).await?;
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
    let pages = page_count(rows.len(), SCORECARD_PAGE_SIZE);
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
async fn period_choices(scope: Scope<'_>) -> AppResult<Vec<(String, String)>> {
    let quarters = store::approved_quarters(scope).await?;
    let mut choices = vec![(String::new(), "Any".to_owned())];
    choices.extend(
        quarters
            .into_iter()
            .rev()
            .map(|quarter| (quarter.label(), quarter.label())),
    );
    Ok(choices)
}

pub(super) fn scorecard_table(rows: &[ScorecardRow]) -> SheetTable<'static> {
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

pub async fn scorecard_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ScorecardQuery>,
) -> AppResult<Response> {
    let rows = scorecard_rows(&state, ctx.scope(&state)?, &query.filter()).await?;
    let bytes = sheets::write_xlsx(&[scorecard_table(&rows)]).map_err(sheet_error)?;
    Ok(download(bytes, XLSX, "masa-scorecard.xlsx"))
}

pub async fn scorecard_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ScorecardQuery>,
) -> AppResult<Response> {
    let rows = scorecard_rows(&state, ctx.scope(&state)?, &query.filter()).await?;
    let bytes = sheets::write_csv(&scorecard_table(&rows)).map_err(sheet_error)?;
    Ok(download(bytes, CSV, "masa-scorecard.csv"))
}
