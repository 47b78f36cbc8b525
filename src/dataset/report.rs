//! The dataset's part of the reports (kernel::report): each indicator's value for the period,
//! its target, RAG and SPC reading by the scorecard's own rules ([`ScorecardRow`]), the
//! indicators by rating and by priority, and data-drop completeness; and the sections that
//! print them (at a glance, the scorecard extract by priority, how data is used, and the
//! quarterly priority progress and indicator exceptions).
//!
//! A period's value of an indicator is its latest approved value within the period (for a year,
//! normally Q4), as published: a small count under the suppression threshold is not printed.
//! RAG and SPC are read at that value, over the approved series up to the period's end.

use std::collections::HashMap;
use std::sync::Arc;

use masa_spc::{Rag, Variation};

use super::model::{DropStatus, Indicator, Quarter, Unit as IndicatorUnit};
use super::scorecard::{ScorecardRow, SeriesPoint, rag_label};
use super::store::{self, DropFilter, IndicatorFilter, SeriesScope};
use crate::kernel::Scope;
use crate::kernel::ids::IndicatorId;
use crate::kernel::report::{
    Block, Figure, FigureCheck, FigureDefinition, FigureFuture, FigureRef, Inline, Parts,
    QuarterlySection, RecordRef, ReportContribution, ReportInput, ReportPeriod, SectionDefinition,
    SectionFuture, SectionSlot, Unit, Words, YearlySection,
};
use crate::partnership;

type Result<T> = std::result::Result<T, sqlx::Error>;

pub const INDICATORS_HELD: &str = "dataset.indicators_held";
pub const INDICATOR_VALUE: &str = "dataset.indicator_value";
pub const INDICATOR_TARGET: &str = "dataset.indicator_target";
pub const INDICATORS_BY_RATING: &str = "dataset.indicators_by_rating";
pub const INDICATORS_BY_VARIATION: &str = "dataset.indicators_by_variation";
pub const PRIORITY_INDICATORS: &str = "dataset.priority_indicators";
pub const PRIORITY_RATING: &str = "dataset.priority_rating";
pub const DROP_COMPLETENESS: &str = "dataset.drop_completeness";

/// The strategy-meeting timeliness bands, as the catalogue codes them: held within 24 hours,
/// after 24 and within 48, after 48 and within 72, and after more than 72 hours. Each band is
/// exclusive, so the four sum to a hundred each quarter (seed report §9.4).
pub const STRATEGY_MEETING_BANDS: [&str; 4] = ["SM-01", "SM-04", "SM-05", "SM-06"];

/// The instance of [`PRIORITY_INDICATORS`] and [`PRIORITY_RATING`] for indicators linked to no
/// priority of the period's business plan.
pub const NO_PRIORITY: &str = "none";

/// The ratings against target, as instance codes.
const RATINGS: [(&str, Option<Rag>); 4] = [
    ("green", Some(Rag::Green)),
    ("amber", Some(Rag::Amber)),
    ("red", Some(Rag::Red)),
    ("not_rated", None),
];

pub fn report_contribution() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: INDICATORS_HELD,
            version: 1,
            title: "Indicators held",
            definition: "Indicators in the partnership's catalogue not archived by the period's \
                         end. The catalogue holds no date an indicator was added, so one added \
                         after the period counts too.",
            compute: indicators_held,
        })
        .figure(FigureDefinition {
            key: INDICATOR_VALUE,
            version: 1,
            title: "Indicator value",
            definition: "Each indicator's latest approved value within the period (for a year, \
                         normally the fourth quarter's), in its own unit. A count under the \
                         indicator's suppression threshold is not published, and is printed as \
                         not held, as is an indicator with no approved value in the period.",
            compute: indicator_values,
        })
        .figure(FigureDefinition {
            key: INDICATOR_TARGET,
            version: 1,
            title: "Indicator target",
            definition: "Each indicator's target as the catalogue holds it now (targets keep no \
                         history); not held where it has none.",
            compute: indicator_targets,
        })
        .figure(FigureDefinition {
            key: INDICATORS_BY_RATING,
            version: 1,
            title: "Indicators by rating against target",
            definition: "Indicators held, by the scorecard's red, amber or green rating of their \
                         value for the period against target (amber within five per cent); not \
                         rated without a target, a published value in the period, or a better \
                         direction.",
            compute: indicators_by_rating,
        })
        .figure(FigureDefinition {
            key: INDICATORS_BY_VARIATION,
            version: 1,
            title: "Indicators by statistical process control reading",
            definition: "Indicators held, by the scorecard's SPC reading of their approved series \
                         up to the period's end: special cause improving, concerning, or neither \
                         way; common cause; or too few values to read.",
            compute: indicators_by_variation,
        })
        .figure(FigureDefinition {
            key: PRIORITY_INDICATORS,
            version: 1,
            title: "Indicators by priority",
            definition: "Indicators held, by the priority of the period's business plan they are \
                         linked to (none: linked to no priority of that plan).",
            compute: priority_indicators,
        })
        .figure(FigureDefinition {
            key: PRIORITY_RATING,
            version: 1,
            title: "Indicators by priority and rating",
            definition: "Indicators held, by priority of the period's business plan and by their \
                         rating against target for the period.",
            compute: priority_ratings,
        })
        .figure(FigureDefinition {
            key: DROP_COMPLETENESS,
            version: 1,
            title: "Data drops approved",
            definition: "Of the data drops due in the period (one per collection period opened \
                         for a quarter of it and per organisation reporting an indicator held \
                         now), those with an approved version (an approved version since revised \
                         counts).",
            compute: drop_completeness,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(INDICATORS_HELD),
            parts: Parts::EveryInstanceOf(INDICATORS_BY_RATING),
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(INDICATORS_HELD),
            parts: Parts::EveryInstanceOf(INDICATORS_BY_VARIATION),
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(INDICATORS_HELD),
            parts: Parts::EveryInstanceOf(PRIORITY_INDICATORS),
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(INDICATORS_HELD),
            parts: Parts::EveryInstanceOf(PRIORITY_RATING),
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::AtAGlance),
            module: "dataset",
            heading: Some("Our data"),
            build: at_a_glance,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::ProgressAgainstPriorities),
            module: "dataset",
            heading: Some("Scorecard extract"),
            build: scorecard_extract,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::HowDataIsUsed),
            module: "dataset",
            heading: None,
            build: how_data_is_used,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Quarterly(QuarterlySection::PriorityProgress),
            module: "dataset",
            heading: None,
            build: priority_progress,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Quarterly(QuarterlySection::IndicatorExceptions),
            module: "dataset",
            heading: None,
            build: indicator_exceptions,
        })
}

// ---- the period's scorecard ----

/// Not archived by the end of `day` (archived_at is a timestamp "YYYY-MM-DDThh:mm:ssZ").
fn live_on(archived_at: Option<&str>, day: time::Date) -> bool {
    archived_at.is_none_or(|at| {
        at.get(..10)
            .is_some_and(|date| date > day.to_string().as_str())
    })
}

fn first_quarter(period: ReportPeriod) -> Quarter {
    Quarter::containing(period.start())
}

fn last_quarter(period: ReportPeriod) -> Quarter {
    Quarter::containing(period.end())
}

/// An indicator's scorecard row as at the period's end, with its value in the period.
pub struct PeriodRow {
    pub row: ScorecardRow,
    /// The latest approved value within the period, as published.
    pub in_period: Option<SeriesPoint>,
    /// The rating of that value against target (none without a value in the period).
    pub rag: Option<Rag>,
}

impl PeriodRow {
    pub fn indicator(&self) -> &Indicator {
        &self.row.indicator
    }

    fn rating_code(&self) -> &'static str {
        RATINGS
            .iter()
            .find(|(_, rag)| *rag == self.rag)
            .map_or("not_rated", |(code, _)| code)
    }

    fn variation(&self) -> Option<Variation> {
        self.row.spc.as_ref().map(|spc| spc.variation)
    }

    fn variation_code(&self) -> &'static str {
        match self.variation() {
            None => "too_few_values",
            Some(Variation::CommonCause) => "common_cause",
            Some(Variation::Improving(_)) => "improving",
            Some(Variation::Concerning(_)) => "concerning",
            Some(Variation::NeitherWay(_)) => "neither_way",
        }
    }

    fn is_special_cause(&self) -> bool {
        !matches!(self.variation(), None | Some(Variation::CommonCause))
    }

    fn href(&self) -> String {
        format!("/dataset/indicators/{}", self.indicator().id)
    }

    fn record(&self) -> RecordRef {
        let indicator = self.indicator();
        let value = self
            .in_period
            .as_ref()
            .map(|point| format!("{}={}", point.period.key(), self.row.published(point.value)))
            .unwrap_or_default();
        RecordRef::new(
            "indicator",
            indicator.id.get(),
            format!("{}: {}", indicator.code, indicator.name),
            self.href(),
            format!(
                "{}|{}|{}|{}|{}",
                value,
                indicator.target.map(|t| t.to_string()).unwrap_or_default(),
                indicator
                    .priority_item_id
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                self.rating_code(),
                self.variation_code()
            ),
        )
    }

    /// The indicator's code and name, linked to its page.
    fn name_link(&self) -> Inline {
        let indicator = self.indicator();
        Inline::link(
            format!("{}: {}", indicator.code, indicator.name),
            self.href(),
        )
    }
}

/// Every indicator held at the period's end, with its scorecard row up to then, in code order.
/// `series` is the partnership's every approved value ([`store::approved_series`]).
async fn period_rows(
    scope: Scope<'_>,
    period: ReportPeriod,
    series: &HashMap<IndicatorId, Vec<(Quarter, f64)>>,
) -> Result<Vec<PeriodRow>> {
    let filter = IndicatorFilter {
        include_archived: true,
        ..IndicatorFilter::default()
    };
    let indicators: Vec<Indicator> = store::list_indicators(scope, &filter)
        .await?
        .into_iter()
        .filter(|indicator| live_on(indicator.archived_at.as_deref(), period.end()))
        .collect();
    let (first, last) = (first_quarter(period), last_quarter(period));
    Ok(indicators
        .into_iter()
        .map(|indicator| {
            let points = series.get(&indicator.id).map(Vec::as_slice).unwrap_or(&[]);
            let row = ScorecardRow::build(indicator, points, &[], None, Some(last));
            let in_period = row.latest.clone().filter(|point| point.period >= first);
            let rag = in_period.as_ref().and(row.target_rag);
            PeriodRow {
                row,
                in_period,
                rag,
            }
        })
        .collect())
}

/// [`period_rows`] for the input's period, loaded once per generation.
async fn shared_rows(input: &ReportInput<'_>) -> Result<Arc<Vec<PeriodRow>>> {
    input
        .shared("dataset.period_rows", || async {
            // Every approved value, read once for both periods of the report.
            let series = input
                .shared_by_periods("dataset.approved_series", || {
                    store::approved_series(input.scope, SeriesScope::All)
                })
                .await?;
            period_rows(input.scope, input.period, &series).await
        })
        .await
}

/// [`priority_instances`] for the input's period, loaded once per generation.
async fn shared_priority_instances(input: &ReportInput<'_>) -> Result<Arc<Vec<(String, String)>>> {
    input
        .shared("dataset.priority_instances", || {
            priority_instances(input.scope, input.period)
        })
        .await
}

/// How a figure of this indicator is written: in the indicator's own unit and decimals.
fn unit_of(indicator: &Indicator) -> Unit {
    let places = u8::try_from(indicator.decimals).unwrap_or(0);
    match indicator.unit {
        IndicatorUnit::Percent => Unit::Percent { places },
        IndicatorUnit::Count if places == 0 => Unit::Count,
        IndicatorUnit::Days if places == 0 => Unit::Days { working: false },
        unit => Unit::Number {
            places,
            suffix: unit.suffix().to_owned(),
        },
    }
}

/// The period's priorities (id as instance, title), then "none".
async fn priority_instances(
    scope: Scope<'_>,
    period: ReportPeriod,
) -> Result<Vec<(String, String)>> {
    let mut instances: Vec<(String, String)> =
        partnership::priorities_for_period(scope, period.start(), period.end())
            .await?
            .into_iter()
            .map(|priority| (priority.id.to_string(), priority.title))
            .collect();
    instances.push((
        NO_PRIORITY.to_owned(),
        "Not linked to a priority of the plan".to_owned(),
    ));
    Ok(instances)
}

/// The instance of the priority a row belongs to, among the period's.
fn priority_of<'a>(row: &PeriodRow, instances: &'a [(String, String)]) -> &'a str {
    let id = row
        .indicator()
        .priority_item_id
        .map(|id| id.to_string())
        .unwrap_or_default();
    instances
        .iter()
        .find(|(instance, _)| *instance == id)
        .map_or(NO_PRIORITY, |(instance, _)| instance.as_str())
}

// ---- figures ----

fn indicators_held<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        let records = rows.iter().map(PeriodRow::record).collect();
        Ok(vec![Figure::count("", "Indicators", records)])
    })
}

fn indicator_values<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        Ok(shared_rows(input)
            .await?
            .iter()
            .map(|row| {
                let indicator = row.indicator();
                let value = row.in_period.as_ref().and_then(|point| point.value.value());
                Figure::value(
                    indicator.code.clone(),
                    indicator.name.clone(),
                    value,
                    unit_of(indicator),
                    vec![row.record()],
                )
            })
            .collect())
    })
}

fn indicator_targets<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        Ok(shared_rows(input)
            .await?
            .iter()
            .map(|row| {
                let indicator = row.indicator();
                Figure::value(
                    indicator.code.clone(),
                    indicator.name.clone(),
                    indicator.target,
                    unit_of(indicator),
                    vec![row.record()],
                )
            })
            .collect())
    })
}

fn indicators_by_rating<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        Ok(RATINGS
            .iter()
            .map(|(code, rag)| {
                let records = rows
                    .iter()
                    .filter(|row| row.rag == *rag)
                    .map(PeriodRow::record)
                    .collect();
                Figure::count(*code, rag_label(*rag), records)
            })
            .collect())
    })
}

const VARIATIONS: [(&str, &str); 5] = [
    ("improving", "Special cause: improving"),
    ("concerning", "Special cause: concerning"),
    ("neither_way", "Special cause: neither way"),
    ("common_cause", "Common cause variation"),
    ("too_few_values", "Too few values"),
];

fn indicators_by_variation<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        Ok(VARIATIONS
            .iter()
            .map(|(code, label)| {
                let records = rows
                    .iter()
                    .filter(|row| row.variation_code() == *code)
                    .map(PeriodRow::record)
                    .collect();
                Figure::count(*code, *label, records)
            })
            .collect())
    })
}

fn priority_indicators<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        let instances = shared_priority_instances(input).await?;
        Ok(instances
            .iter()
            .map(|(instance, title)| {
                let records = rows
                    .iter()
                    .filter(|row| priority_of(row, &instances) == instance)
                    .map(PeriodRow::record)
                    .collect();
                Figure::count(instance.clone(), title.clone(), records)
            })
            .collect())
    })
}

/// The instance of [`PRIORITY_RATING`] for a priority instance and a rating code.
pub fn priority_rating_instance(priority: &str, rating: &str) -> String {
    format!("{priority}.{rating}")
}

fn priority_ratings<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        let instances = shared_priority_instances(input).await?;
        let mut figures = Vec::new();
        for (instance, title) in instances.iter() {
            for (code, rag) in RATINGS {
                let records = rows
                    .iter()
                    .filter(|row| priority_of(row, &instances) == instance && row.rag == rag)
                    .map(PeriodRow::record)
                    .collect();
                figures.push(Figure::count(
                    priority_rating_instance(instance, code),
                    format!("{title}: {}", rag_label(rag)),
                    records,
                ));
            }
        }
        Ok(figures)
    })
}

fn drop_completeness<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let (first, last) = (first_quarter(period), last_quarter(period));
        let periods: Vec<store::CollectionPeriod> = store::list_periods(scope)
            .await?
            .into_iter()
            .filter(|collection| first <= collection.period && collection.period <= last)
            .collect();
        let expected = store::expected_organisations(scope).await?;
        let drops = store::list_drops(scope, &DropFilter::default()).await?;
        // (organisation, quarter) → an approved (or since-revised) version, newest first.
        let mut approved: HashMap<(i64, Quarter), &store::DataDrop> = HashMap::new();
        for drop in drops
            .iter()
            .filter(|drop| matches!(drop.status, DropStatus::Approved | DropStatus::Superseded))
        {
            approved
                .entry((drop.organisation_id.get(), drop.period))
                .or_insert(drop);
        }
        let mut records = Vec::new();
        let (mut due, mut sent) = (0_i64, 0_i64);
        for collection in &periods {
            for organisation in &expected {
                due += 1;
                match approved.get(&(organisation.organisation_id.get(), collection.period)) {
                    Some(drop) => {
                        sent += 1;
                        records.push(RecordRef::new(
                            "data drop",
                            drop.id.get(),
                            format!("{} {}", drop.organisation_name, drop.period),
                            format!("/dataset/drops/{}", drop.id),
                            format!(
                                "{}|{}|{}",
                                drop.status.code(),
                                drop.version,
                                drop.decided_at.as_deref().unwrap_or("")
                            ),
                        ));
                    }
                    None => records.push(RecordRef::new(
                        "data drop due, not approved",
                        collection.id.get(),
                        format!("{} {}", organisation.organisation_name, collection.period),
                        format!("/dataset/periods/{}", collection.period.key()),
                        format!(
                            "due {}|organisation {}",
                            collection.due_on, organisation.organisation_id
                        ),
                    )),
                }
            }
        }
        Ok(vec![Figure::rate(
            "",
            "Data drops approved",
            sent,
            due,
            0,
            records,
        )])
    })
}

// ---- sections ----

fn text(words: &'static str) -> Inline {
    Inline::text(words)
}

fn single(key: &'static str) -> Inline {
    Inline::figure(FigureRef::single(key))
}

fn of(key: &'static str, instance: impl Into<String>) -> Inline {
    Inline::figure(FigureRef::of(key, instance))
}

fn paragraph(content: Words) -> Block {
    Block::Paragraph { content }
}

/// The words of a rating: "Green", "Not rated".
fn rating_words(row: &PeriodRow) -> Words {
    vec![Inline::data(rag_label(row.rag))]
}

fn at_a_glance<'a>(_input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        Ok(vec![Block::List {
            items: vec![
                vec![
                    single(INDICATORS_HELD),
                    text(" indicators in the multi-agency dataset"),
                ],
                vec![
                    single(DROP_COMPLETENESS),
                    text(" of the quarterly data drops due from partners approved"),
                ],
            ],
        }])
    })
}

/// How many indicators one table of a report lists at most. A report is read by a board; a
/// partnership with hundreds of indicators gets the ones most in need of attention, and the
/// scorecard pages (linked from every row) list the rest.
const EXTRACT_ROWS: usize = 15;

/// How much a row asks for attention, most first: red against target, then concerning
/// variation, then amber, then the rest.
fn attention(row: &PeriodRow) -> u8 {
    match (row.rag, row.variation()) {
        (Some(Rag::Red), _) => 0,
        (_, Some(Variation::Concerning(_))) => 1,
        (Some(Rag::Amber), _) => 2,
        _ => 3,
    }
}

/// At most [`EXTRACT_ROWS`] of `rows`, those most in need of attention first (in code order
/// within each), and whether any were left out.
fn most_pressing<'r>(rows: impl IntoIterator<Item = &'r PeriodRow>) -> (Vec<&'r PeriodRow>, bool) {
    let mut rows: Vec<&PeriodRow> = rows.into_iter().collect();
    rows.sort_by_key(|row| attention(row));
    let left_out = rows.len() > EXTRACT_ROWS;
    rows.truncate(EXTRACT_ROWS);
    (rows, left_out)
}

/// Said under a table that lists only the most pressing of its indicators.
fn left_out_notice() -> Block {
    Block::Notice {
        content: vec![text(
            "The table lists the indicators most in need of attention: red against target first, then those whose variation is concerning, then amber. The scorecard lists every indicator, and each row links to its indicator's page.",
        )],
    }
}

/// The scorecard extract of some rows: indicator, value this period and the period before,
/// target, rating and SPC reading.
fn extract_table(caption: Words, rows: &[&PeriodRow]) -> Block {
    Block::Table {
        caption,
        headers: vec![
            vec![text("Indicator")],
            vec![text("This year")],
            vec![text("Previous year")],
            vec![text("Target")],
            vec![text("Rating")],
            vec![text("Statistical process control")],
        ],
        rows: rows
            .iter()
            .map(|row| {
                let code = row.indicator().code.clone();
                vec![
                    vec![row.name_link()],
                    vec![of(INDICATOR_VALUE, code.clone())],
                    vec![Inline::previous(FigureRef::of(
                        INDICATOR_VALUE,
                        code.clone(),
                    ))],
                    vec![of(INDICATOR_TARGET, code)],
                    rating_words(row),
                    vec![Inline::data(row.row.variation_label())],
                ]
            })
            .collect(),
        numeric: vec![false, true, true, true, false, false],
    }
}

fn scorecard_extract<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        let instances = shared_priority_instances(input).await?;
        let priorities = partnership::priorities_for_period(
            input.scope,
            input.period.start(),
            input.period.end(),
        )
        .await?;
        if priorities.is_empty() {
            return Ok(vec![Block::Notice {
                content: vec![text(
                    "No business plan with priorities is held for the year, so the scorecard cannot be set against them.",
                )],
            }]);
        }
        let mut blocks = vec![paragraph(vec![text(
            "Each priority is measured by indicators in the multi-agency dataset. The tables give each indicator's latest approved value in the year, the year before's, its target, its rating against target and its statistical process control reading.",
        )])];
        for priority in &priorities {
            blocks.push(Block::Heading {
                text: vec![Inline::link(priority.title.clone(), priority.href.clone())],
            });
            let instance = priority.id.to_string();
            let (linked, left_out) = most_pressing(
                rows.iter()
                    .filter(|row| priority_of(row, &instances) == instance),
            );
            if linked.is_empty() {
                blocks.push(Block::Notice {
                    content: vec![text(
                        "No indicator in the dataset is linked to this priority.",
                    )],
                });
                continue;
            }
            blocks.push(paragraph(vec![
                of(PRIORITY_INDICATORS, instance.clone()),
                text(" indicators measure this priority: "),
                of(
                    PRIORITY_RATING,
                    priority_rating_instance(&instance, "green"),
                ),
                text(" green, "),
                of(
                    PRIORITY_RATING,
                    priority_rating_instance(&instance, "amber"),
                ),
                text(" amber and "),
                of(PRIORITY_RATING, priority_rating_instance(&instance, "red")),
                text(" red against target, with "),
                of(
                    PRIORITY_RATING,
                    priority_rating_instance(&instance, "not_rated"),
                ),
                text(" not rated."),
            ]));
            blocks.push(extract_table(
                vec![
                    text("Scorecard extract: "),
                    Inline::data(priority.title.clone()),
                ],
                &linked,
            ));
            if left_out {
                blocks.push(left_out_notice());
            }
        }
        Ok(blocks)
    })
}

/// Indicators by priority: indicators and their ratings, one row per priority of the period
/// (and one for indicators linked to none, when there are such).
fn priority_table(
    caption: Words,
    instances: &[(String, String)],
    rows: &[PeriodRow],
    priorities: &[partnership::PlanPriority],
) -> Block {
    Block::Table {
        caption,
        headers: vec![
            vec![text("Priority")],
            vec![text("Indicators")],
            vec![text("Green")],
            vec![text("Amber")],
            vec![text("Red")],
            vec![text("Not rated")],
        ],
        rows: instances
            .iter()
            .filter(|(instance, _)| {
                instance != NO_PRIORITY
                    || rows
                        .iter()
                        .any(|row| priority_of(row, instances) == NO_PRIORITY)
            })
            .map(|(instance, title)| {
                let name = match priorities.iter().find(|p| p.id.to_string() == *instance) {
                    Some(priority) => Inline::link(priority.title.clone(), priority.href.clone()),
                    None => Inline::data(title.clone()),
                };
                let mut cells = vec![vec![name], vec![of(PRIORITY_INDICATORS, instance.clone())]];
                for (code, _) in RATINGS {
                    cells.push(vec![of(
                        PRIORITY_RATING,
                        priority_rating_instance(instance, code),
                    )]);
                }
                cells
            })
            .collect(),
        numeric: vec![false, true, true, true, true, true],
    }
}

fn how_data_is_used<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        let instances = shared_priority_instances(input).await?;
        let priorities = partnership::priorities_for_period(
            input.scope,
            input.period.start(),
            input.period.end(),
        )
        .await?;
        let mut blocks = vec![
            paragraph(vec![
                text("The partnership's multi-agency dataset holds "),
                single(INDICATORS_HELD),
                text(
                    " indicators. Each quarter every partner that reports an indicator sends its figures as a data drop, with a storyboard of what is working well, what it is worried about and what it is doing about it; the business unit checks each drop and approves it before its figures reach the scorecard. In the year ",
                ),
                single(DROP_COMPLETENESS),
                text(" of the data drops due were approved."),
            ]),
            paragraph(vec![
                text(
                    "The scorecard rates each indicator against its target and reads its series with statistical process control, so that the partnership acts on real change rather than on noise. At the year's end ",
                ),
                of(INDICATORS_BY_RATING, "green"),
                text(" indicators were green, "),
                of(INDICATORS_BY_RATING, "amber"),
                text(" amber and "),
                of(INDICATORS_BY_RATING, "red"),
                text(" red against target; "),
                of(INDICATORS_BY_VARIATION, "improving"),
                text(" showed special cause variation that is improving and "),
                of(INDICATORS_BY_VARIATION, "concerning"),
                text(" special cause variation that is concerning."),
            ]),
            priority_table(
                vec![text("Indicators by priority and rating against target")],
                &instances,
                &rows,
                &priorities,
            ),
            Block::Table {
                caption: vec![text("Indicators by statistical process control reading")],
                headers: vec![vec![text("Reading")], vec![text("Indicators")]],
                rows: VARIATIONS
                    .iter()
                    .map(|&(code, label)| {
                        vec![vec![text(label)], vec![of(INDICATORS_BY_VARIATION, code)]]
                    })
                    .collect(),
                numeric: vec![false, true],
            },
        ];
        // The scorecard extract with SPC, by priority, for the indicators showing special cause
        // variation: where the data says something has changed.
        let (special, left_out) = most_pressing(rows.iter().filter(|row| row.is_special_cause()));
        if !special.is_empty() {
            blocks.push(extract_table(
                vec![text(
                    "Indicators showing special cause variation at the year's end",
                )],
                &special,
            ));
            if left_out {
                blocks.push(left_out_notice());
            }
        }
        blocks.push(Block::Heading {
            text: vec![text("Strategy meeting timeliness")],
        });
        let bands: Vec<&PeriodRow> = STRATEGY_MEETING_BANDS
            .iter()
            .filter_map(|code| rows.iter().find(|row| row.indicator().code == *code))
            .collect();
        if bands.is_empty() {
            blocks.push(Block::Notice {
                content: vec![text(
                    "The dataset holds no strategy meeting timeliness indicators.",
                )],
            });
        } else {
            blocks.push(paragraph(vec![text(
                "How soon multi-agency strategy meetings and discussions were held after the decision to convene, by exclusive band, at the year's latest approved quarter:",
            )]));
            blocks.push(Block::Table {
                caption: vec![text("Strategy meeting timeliness")],
                headers: vec![
                    vec![text("Held")],
                    vec![text("This year")],
                    vec![text("Previous year")],
                ],
                rows: bands
                    .iter()
                    .map(|row| {
                        let code = row.indicator().code.clone();
                        vec![
                            vec![row.name_link()],
                            vec![of(INDICATOR_VALUE, code.clone())],
                            vec![Inline::previous(FigureRef::of(INDICATOR_VALUE, code))],
                        ]
                    })
                    .collect(),
                numeric: vec![false, true, true],
            });
        }
        Ok(blocks)
    })
}

fn priority_progress<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        let instances = shared_priority_instances(input).await?;
        let priorities = partnership::priorities_for_period(
            input.scope,
            input.period.start(),
            input.period.end(),
        )
        .await?;
        let mut blocks = vec![paragraph(vec![
            text("Of the "),
            single(INDICATORS_HELD),
            text(" indicators in the dataset, "),
            of(INDICATORS_BY_RATING, "green"),
            text(" were green, "),
            of(INDICATORS_BY_RATING, "amber"),
            text(" amber and "),
            of(INDICATORS_BY_RATING, "red"),
            text(" red against target in the quarter; "),
            of(INDICATORS_BY_RATING, "not_rated"),
            text(" were not rated."),
        ])];
        if priorities.is_empty() {
            blocks.push(Block::Notice {
                content: vec![text(
                    "No business plan with priorities is held for the quarter.",
                )],
            });
        }
        blocks.push(priority_table(
            vec![text(
                "Indicators by priority and rating against target, this quarter",
            )],
            &instances,
            &rows,
            &priorities,
        ));
        Ok(blocks)
    })
}

fn indicator_exceptions<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let rows = shared_rows(input).await?;
        let (exceptions, left_out) = most_pressing(rows.iter().filter(|row| {
            row.rag == Some(Rag::Red) || (row.in_period.is_some() && row.is_special_cause())
        }));
        if exceptions.is_empty() {
            return Ok(vec![paragraph(vec![text(
                "No indicator was red against its target or showed special cause variation in the quarter.",
            )])]);
        }
        let mut blocks = vec![
            paragraph(vec![text(
                "Indicators red against their target, or whose series shows special cause variation, in the quarter:",
            )]),
            Block::Table {
                caption: vec![text("Indicator exceptions")],
                headers: vec![
                    vec![text("Indicator")],
                    vec![text("Value")],
                    vec![text("Target")],
                    vec![text("Rating")],
                    vec![text("Reason")],
                ],
                rows: exceptions
                    .iter()
                    .map(|row| {
                        let code = row.indicator().code.clone();
                        let reason = match (row.rag == Some(Rag::Red), row.is_special_cause()) {
                            (true, true) => {
                                format!("Red against target; {}", row.row.variation_label())
                            }
                            (true, false) => "Red against target".to_owned(),
                            _ => row.row.variation_label().to_owned(),
                        };
                        vec![
                            vec![row.name_link()],
                            vec![of(INDICATOR_VALUE, code.clone())],
                            vec![of(INDICATOR_TARGET, code)],
                            rating_words(row),
                            vec![Inline::data(reason)],
                        ]
                    })
                    .collect(),
                numeric: vec![false, true, true, false, false],
            },
        ];
        if left_out {
            blocks.push(left_out_notice());
        }
        Ok(blocks)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contribution_registers_its_figures_once() {
        let contribution = report_contribution();
        let mut keys: Vec<&str> = contribution.figures.iter().map(|d| d.key).collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), count);
        assert!(keys.iter().all(|key| key.starts_with("dataset.")));
    }

    #[test]
    fn labels_used_as_template_words_hold_no_digit() {
        for (_, label) in VARIATIONS {
            assert!(!label.chars().any(|c| c.is_ascii_digit()), "{label}");
        }
    }

    #[test]
    fn a_figure_keeps_the_indicators_unit() {
        let mut indicator = Indicator {
            id: crate::kernel::ids::IndicatorId::new(1),
            code: "SM-01".into(),
            name: "Strategy meetings held within 24 hours".into(),
            definition: String::new(),
            unit: IndicatorUnit::Percent,
            polarity: masa_spc::Polarity::HigherIsBetter,
            frequency: super::super::model::Frequency::Quarterly,
            owner_organisation_id: crate::kernel::ids::OrganisationId::new(1),
            owner_name: String::new(),
            priority_item_id: None,
            target: Some(90.0),
            suppression_threshold: 0,
            decimals: 0,
            source: String::new(),
            archived_at: None,
        };
        assert_eq!(unit_of(&indicator), Unit::Percent { places: 0 });
        indicator.unit = IndicatorUnit::RatePer10000;
        indicator.decimals = 1;
        assert_eq!(
            unit_of(&indicator),
            Unit::Number {
                places: 1,
                suffix: " per 10,000".into()
            }
        );
        indicator.unit = IndicatorUnit::Count;
        indicator.decimals = 0;
        assert_eq!(unit_of(&indicator), Unit::Count);
        assert!(live_on(
            Some("2025-04-01T00:00:00Z"),
            time::macros::date!(2025 - 03 - 31)
        ));
        assert!(!live_on(
            Some("2025-03-01T00:00:00Z"),
            time::macros::date!(2025 - 03 - 31)
        ));
    }
}
