//! Report figures and sections: what each module contributes to the statutory yearly report and
//! the quarterly board report. A module offers a [`ReportContribution`] (its figure definitions,
//! its arithmetic checks and its sections); `src/lib.rs` merges them, as it does the navigation;
//! the reports module computes, checks, renders and freezes. The kernel names no module.
//!
//! Every number a report prints is a [`Figure`] computed by a registered
//! [`FigureDefinition`]: a section refers to it by key ([`FigureRef`]) and never formats a number
//! itself. Words a section writes are `&'static str` ([`Inline::Text`]), words read from records
//! are [`Inline::Data`]; a test walks every generated report and fails on a digit in the former.
//! See `docs/reports.md` for the contract, with an example.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::store::Scope;

// ---- periods ----

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The statutory yearly report, for a financial year (April to March).
    Yearly,
    /// The quarterly report to the board, for a financial-year quarter.
    Quarterly,
}

impl ReportKind {
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Yearly => "yearly",
            ReportKind::Quarterly => "quarterly",
        }
    }

    pub fn from_code(code: &str) -> Option<ReportKind> {
        match code {
            "yearly" => Some(ReportKind::Yearly),
            "quarterly" => Some(ReportKind::Quarterly),
            _ => None,
        }
    }
}

/// The period a report covers: a financial year (`quarter` none) or one of its quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReportPeriod {
    /// The calendar year the financial year starts in: 2024 for 2024/25.
    pub year: i32,
    /// 1 to 4 (Q1 is April to June), or none for the whole year.
    pub quarter: Option<u8>,
}

impl ReportPeriod {
    pub fn financial_year(year: i32) -> ReportPeriod {
        ReportPeriod {
            year,
            quarter: None,
        }
    }

    pub fn quarter(year: i32, number: u8) -> Option<ReportPeriod> {
        (1..=4).contains(&number).then_some(ReportPeriod {
            year,
            quarter: Some(number),
        })
    }

    pub fn kind(self) -> ReportKind {
        match self.quarter {
            None => ReportKind::Yearly,
            Some(_) => ReportKind::Quarterly,
        }
    }

    /// The first day.
    pub fn start(self) -> Date {
        let (year, month) = match self.quarter {
            None | Some(1) => (self.year, Month::April),
            Some(2) => (self.year, Month::July),
            Some(3) => (self.year, Month::October),
            Some(_) => (self.year + 1, Month::January),
        };
        Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN)
    }

    /// The last day.
    pub fn end(self) -> Date {
        let (year, month, day) = match self.quarter {
            None | Some(4) => (self.year + 1, Month::March, 31),
            Some(1) => (self.year, Month::June, 30),
            Some(2) => (self.year, Month::September, 30),
            Some(_) => (self.year, Month::December, 31),
        };
        Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
    }

    pub fn contains(self, date: Date) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// The period compared against: the year before, or the quarter before.
    pub fn previous(self) -> ReportPeriod {
        match self.quarter {
            None | Some(1) => ReportPeriod {
                year: self.year - 1,
                quarter: self.quarter.map(|_| 4),
            },
            Some(number) => ReportPeriod {
                year: self.year,
                quarter: Some(number - 1),
            },
        }
    }

    /// The quarters it spans, as (financial year, quarter number).
    pub fn quarters(self) -> Vec<(i32, u8)> {
        match self.quarter {
            Some(number) => vec![(self.year, number)],
            None => (1..=4).map(|number| (self.year, number)).collect(),
        }
    }

    /// "2024/25" or "2025/26 Q2", as the partnership writes them.
    pub fn label(self) -> String {
        let years = format!("{}/{:02}", self.year, (self.year + 1).rem_euclid(100));
        match self.quarter {
            None => years,
            Some(number) => format!("{years} Q{number}"),
        }
    }

    /// As in URLs and on the command line: "2024-25" or "2025-26-Q2".
    pub fn code(self) -> String {
        let years = format!("{}-{:02}", self.year, (self.year + 1).rem_euclid(100));
        match self.quarter {
            None => years,
            Some(number) => format!("{years}-Q{number}"),
        }
    }

    /// Reads "2024-25", "2024/25", "2025-26-Q2", "2025/26 Q2" or "2025-26 Q2".
    pub fn parse(text: &str) -> Option<ReportPeriod> {
        let upper = text.trim().to_uppercase().replace(['/', ' '], "-");
        let (years, quarter) = match upper.rsplit_once("-Q") {
            Some((years, number)) => (years, Some(number.parse::<u8>().ok()?)),
            None => (upper.as_str(), None),
        };
        let (first, second) = years.split_once('-')?;
        let year: i32 = first.parse().ok()?;
        let second: i32 = second.parse().ok()?;
        if !(1900..=2200).contains(&year)
            || (second != (year + 1).rem_euclid(100) && second != year + 1)
        {
            return None;
        }
        match quarter {
            None => Some(ReportPeriod::financial_year(year)),
            Some(number) => ReportPeriod::quarter(year, number),
        }
    }
}

impl std::fmt::Display for ReportPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

// ---- figures ----

/// How a figure's value is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum Unit {
    /// A whole number of things: "56".
    Count,
    /// A rate, written to `places` decimals: "83%". Give the numerator and denominator.
    Percent { places: u8 },
    /// Money in pence, written in pounds: "£214,394".
    Pence,
    /// Days, or working days: "15 days", "12 working days".
    Days { working: bool },
    /// Anything else, as an indicator's own unit: "3.4 per 10,000".
    Number { places: u8, suffix: String },
}

/// A record a figure was computed from: named, linked and fingerprinted, so the figure's
/// records can be listed, opened and hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRef {
    /// The kind of record, in words: "tracker action", "learning review", "indicator value".
    pub kind: String,
    pub id: i64,
    /// Its name as the records give it.
    pub label: String,
    /// The page that shows it.
    pub href: String,
    /// What of the record the figure depends on (status, value, dates), so the hash changes
    /// when the record does.
    pub fingerprint: String,
}

impl RecordRef {
    pub fn new(
        kind: impl Into<String>,
        id: i64,
        label: impl Into<String>,
        href: impl Into<String>,
        fingerprint: impl Into<String>,
    ) -> RecordRef {
        RecordRef {
            kind: kind.into(),
            id,
            label: label.into(),
            href: href.into(),
            fingerprint: fingerprint.into(),
        }
    }
}

/// One computed figure: a definition's value for one instance ("" when the definition has a
/// single value; an indicator's code, a priority's number, a review type's code for families).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub instance: String,
    /// What the instance is, in words from the records ("Missing from home episodes").
    pub label: String,
    /// None when the partnership holds no value for the period: printed "not held".
    pub value: Option<f64>,
    pub unit: Unit,
    /// A rate's counts: printed beside it, and the rate is recomputed from them as a check.
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// The records behind it (their count and hash are kept with the figure).
    pub records: Vec<RecordRef>,
}

impl Figure {
    /// A count of the records given.
    pub fn count(
        instance: impl Into<String>,
        label: impl Into<String>,
        records: Vec<RecordRef>,
    ) -> Figure {
        Figure {
            instance: instance.into(),
            label: label.into(),
            value: Some(records.len() as f64),
            unit: Unit::Count,
            numerator: None,
            denominator: None,
            records,
        }
    }

    /// `numerator` of `denominator` as a percentage (none when the denominator is nought).
    pub fn rate(
        instance: impl Into<String>,
        label: impl Into<String>,
        numerator: i64,
        denominator: i64,
        places: u8,
        records: Vec<RecordRef>,
    ) -> Figure {
        Figure {
            instance: instance.into(),
            label: label.into(),
            value: (denominator != 0).then(|| numerator as f64 * 100.0 / denominator as f64),
            unit: Unit::Percent { places },
            numerator: Some(numerator),
            denominator: Some(denominator),
            records,
        }
    }

    /// Any other value.
    pub fn value(
        instance: impl Into<String>,
        label: impl Into<String>,
        value: Option<f64>,
        unit: Unit,
        records: Vec<RecordRef>,
    ) -> Figure {
        Figure {
            instance: instance.into(),
            label: label.into(),
            value,
            unit,
            numerator: None,
            denominator: None,
            records,
        }
    }
}

/// What a definition's computation answers.
pub type FigureFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Figure>, sqlx::Error>> + Send + 'a>>;

/// Computes a definition's figures for the input's partnership and period, from the store.
pub type ComputeFigures = for<'a> fn(&'a ReportInput<'a>) -> FigureFuture<'a>;

/// A named, versioned figure: bump `version` whenever what `compute` counts changes, so a
/// frozen report's appendix still says which rule made its numbers.
#[derive(Clone, Copy)]
pub struct FigureDefinition {
    /// "module.what": "learning.reviews_started". Unique across the registry.
    pub key: &'static str,
    pub version: u32,
    /// As a reader would name it: "Learning reviews started".
    pub title: &'static str,
    /// What is counted, from which records, in one or two sentences (printed in the appendix).
    pub definition: &'static str,
    pub compute: ComputeFigures,
}

/// A figure named by a section: a definition's key and an instance ("" for a single value).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FigureRef {
    pub key: Cow<'static, str>,
    pub instance: Cow<'static, str>,
}

impl FigureRef {
    pub fn single(key: &'static str) -> FigureRef {
        FigureRef {
            key: Cow::Borrowed(key),
            instance: Cow::Borrowed(""),
        }
    }

    pub fn of(key: &'static str, instance: impl Into<String>) -> FigureRef {
        FigureRef {
            key: Cow::Borrowed(key),
            instance: Cow::Owned(instance.into()),
        }
    }
}

/// An arithmetic check run as the figures are computed; a failure is shown to the business unit
/// before anything is approved, naming both sides. (Rates are always recomputed from their
/// numerator and denominator, without being declared.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FigureCheck {
    /// The total equals the sum of the parts.
    PartsSumToTotal { total: FigureRef, parts: Parts },
}

/// The parts of a total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parts {
    /// Every instance a family definition produced (for example the actions by status).
    EveryInstanceOf(&'static str),
    /// The figures named.
    Figures(Vec<FigureRef>),
}

// ---- sections ----

/// The yearly report's sections, in the seed report's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearlySection {
    Foreword,
    AtAGlance,
    PartnershipAndGovernance,
    Budget,
    ProgressAgainstPriorities,
    AchievementsAndChallenges,
    EngagingWithChildrenAndFamilies,
    LearningFromCaseReviews,
    QualityAssurance,
    HowDataIsUsed,
    WorkforceDevelopment,
    Communications,
    IndependentScrutiny,
    NextYearsPriorities,
    Glossary,
}

impl YearlySection {
    pub const ALL: [YearlySection; 15] = [
        YearlySection::Foreword,
        YearlySection::AtAGlance,
        YearlySection::PartnershipAndGovernance,
        YearlySection::Budget,
        YearlySection::ProgressAgainstPriorities,
        YearlySection::AchievementsAndChallenges,
        YearlySection::EngagingWithChildrenAndFamilies,
        YearlySection::LearningFromCaseReviews,
        YearlySection::QualityAssurance,
        YearlySection::HowDataIsUsed,
        YearlySection::WorkforceDevelopment,
        YearlySection::Communications,
        YearlySection::IndependentScrutiny,
        YearlySection::NextYearsPriorities,
        YearlySection::Glossary,
    ];

    pub fn title(self) -> &'static str {
        match self {
            YearlySection::Foreword => "Foreword",
            YearlySection::AtAGlance => "At a glance",
            YearlySection::PartnershipAndGovernance => "The partnership and its governance",
            YearlySection::Budget => "Budget",
            YearlySection::ProgressAgainstPriorities => "Progress against our priorities",
            YearlySection::AchievementsAndChallenges => "Achievements and challenges",
            YearlySection::EngagingWithChildrenAndFamilies => "Engaging with children and families",
            YearlySection::LearningFromCaseReviews => "Learning from case reviews",
            YearlySection::QualityAssurance => "Quality assurance",
            YearlySection::HowDataIsUsed => "How data is used",
            YearlySection::WorkforceDevelopment => "Workforce development",
            YearlySection::Communications => "Communications",
            YearlySection::IndependentScrutiny => "Independent scrutiny",
            YearlySection::NextYearsPriorities => "Next year's priorities",
            YearlySection::Glossary => "Glossary",
        }
    }

    /// Its number in the report, from 1.
    pub fn number(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    /// Which module will hold it, for the "not yet held in MASA" notice.
    pub fn held_by(self) -> &'static str {
        match self {
            YearlySection::Budget => "finance",
            YearlySection::EngagingWithChildrenAndFamilies | YearlySection::IndependentScrutiny => {
                "governance"
            }
            YearlySection::QualityAssurance => "assurance",
            YearlySection::WorkforceDevelopment => "training",
            YearlySection::Communications => "communications",
            _ => "reports",
        }
    }
}

/// The quarterly board report's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarterlySection {
    PriorityProgress,
    IndicatorExceptions,
    ReviewsUnderWay,
    AuditCompletion,
    TrainingAttendance,
    OverdueActions,
    TopRisks,
}

impl QuarterlySection {
    pub const ALL: [QuarterlySection; 7] = [
        QuarterlySection::PriorityProgress,
        QuarterlySection::IndicatorExceptions,
        QuarterlySection::ReviewsUnderWay,
        QuarterlySection::AuditCompletion,
        QuarterlySection::TrainingAttendance,
        QuarterlySection::OverdueActions,
        QuarterlySection::TopRisks,
    ];

    pub fn title(self) -> &'static str {
        match self {
            QuarterlySection::PriorityProgress => "Progress against our priorities",
            QuarterlySection::IndicatorExceptions => "Indicator exceptions",
            QuarterlySection::ReviewsUnderWay => "Reviews under way",
            QuarterlySection::AuditCompletion => "Audit completion",
            QuarterlySection::TrainingAttendance => "Training attendance",
            QuarterlySection::OverdueActions => "Overdue actions",
            QuarterlySection::TopRisks => "Top risks",
        }
    }

    pub fn number(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    pub fn held_by(self) -> &'static str {
        match self {
            QuarterlySection::AuditCompletion => "assurance",
            QuarterlySection::TrainingAttendance => "training",
            _ => "reports",
        }
    }
}

/// Where a contribution goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "report", content = "section", rename_all = "snake_case")]
pub enum SectionSlot {
    Yearly(YearlySection),
    Quarterly(QuarterlySection),
}

impl SectionSlot {
    pub fn report(self) -> ReportKind {
        match self {
            SectionSlot::Yearly(_) => ReportKind::Yearly,
            SectionSlot::Quarterly(_) => ReportKind::Quarterly,
        }
    }
}

/// Words in a report. Template words are `'static` (a section's own text, checked to hold no
/// literal number); data are words read from records (names, titles); a figure is printed from
/// the computed figures, with its numerator and denominator where it is a rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inline {
    Text {
        text: Cow<'static, str>,
    },
    Data {
        text: String,
    },
    /// A figure's value, linked (in HTML) to the records behind it.
    Figure {
        figure: FigureRef,
    },
    /// The figure's value for the period before, for comparisons.
    PreviousFigure {
        figure: FigureRef,
    },
    /// A record's name linked to its page (HTML) — data, like [`Inline::Data`].
    Link {
        text: String,
        href: String,
    },
}

impl Inline {
    pub fn text(text: &'static str) -> Inline {
        Inline::Text {
            text: Cow::Borrowed(text),
        }
    }

    pub fn data(text: impl Into<String>) -> Inline {
        Inline::Data { text: text.into() }
    }

    pub fn figure(figure: FigureRef) -> Inline {
        Inline::Figure { figure }
    }

    pub fn previous(figure: FigureRef) -> Inline {
        Inline::PreviousFigure { figure }
    }

    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Inline {
        Inline::Link {
            text: text.into(),
            href: href.into(),
        }
    }
}

/// A run of inlines: a paragraph, a list item, a table cell.
pub type Words = Vec<Inline>;

/// A bar of a chart: its label (data) and the figure it draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub figure: FigureRef,
}

/// A piece of a section, rendered to HTML by the reports module and to PDF by typst.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A sub-heading within the section.
    Heading {
        text: Words,
    },
    Paragraph {
        content: Words,
    },
    List {
        items: Vec<Words>,
    },
    /// A table with a header row; `numeric[i]` right-aligns column i.
    Table {
        caption: Words,
        headers: Vec<Words>,
        rows: Vec<Vec<Words>>,
        numeric: Vec<bool>,
    },
    /// A bar chart drawn from figures, with its text alternative made from the same figures.
    BarChart {
        title: Words,
        bars: Vec<Bar>,
    },
    /// A boxed note: something not held, a caveat.
    Notice {
        content: Words,
    },
}

/// What a figure definition's computation and a section's builder are given: the partnership,
/// the period, and the generation's shared loads.
///
/// One generation computes every definition for two periods and builds every section; many of
/// them read the same records (the dataset's scorecard, the organisations of the partnership).
/// [`ReportInput::shared`] loads such records once per generation and period and hands every
/// later reader the same value, so a report costs one load of each, not one per figure.
pub struct ReportInput<'a> {
    pub scope: Scope<'a>,
    pub period: ReportPeriod,
    loads: &'a SharedLoads,
}

/// The records loaded during one generation, by name, period (none for every period) and type.
#[derive(Default)]
pub struct SharedLoads {
    loaded: Mutex<HashMap<LoadKey, Arc<dyn Any + Send + Sync>>>,
}

type LoadKey = (&'static str, Option<ReportPeriod>, TypeId);

impl SharedLoads {
    fn lock(&self) -> MutexGuard<'_, HashMap<LoadKey, Arc<dyn Any + Send + Sync>>> {
        // A panic while the map was held leaves it whole (inserts are single calls).
        self.loaded.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<'a> ReportInput<'a> {
    pub fn new(scope: Scope<'a>, period: ReportPeriod, loads: &'a SharedLoads) -> ReportInput<'a> {
        ReportInput {
            scope,
            period,
            loads,
        }
    }

    /// The same partnership and loads for another period (the period compared against).
    pub fn for_period(&self, period: ReportPeriod) -> ReportInput<'a> {
        ReportInput {
            scope: self.scope,
            period,
            loads: self.loads,
        }
    }

    /// `load`'s value for this period, loaded by the first caller of the generation that names
    /// it and shared with every later one. `name` is "module.what", as figure keys are.
    pub async fn shared<T, Load>(
        &self,
        name: &'static str,
        load: impl FnOnce() -> Load,
    ) -> Result<Arc<T>, sqlx::Error>
    where
        T: Send + Sync + 'static,
        Load: Future<Output = Result<T, sqlx::Error>>,
    {
        self.shared_under((name, Some(self.period), TypeId::of::<T>()), load)
            .await
    }

    /// As [`ReportInput::shared`], for records that do not depend on the period (a whole
    /// series, read "as at" each period by its callers): loaded once per generation.
    pub async fn shared_by_periods<T, Load>(
        &self,
        name: &'static str,
        load: impl FnOnce() -> Load,
    ) -> Result<Arc<T>, sqlx::Error>
    where
        T: Send + Sync + 'static,
        Load: Future<Output = Result<T, sqlx::Error>>,
    {
        self.shared_under((name, None, TypeId::of::<T>()), load)
            .await
    }

    async fn shared_under<T, Load>(
        &self,
        key: LoadKey,
        load: impl FnOnce() -> Load,
    ) -> Result<Arc<T>, sqlx::Error>
    where
        T: Send + Sync + 'static,
        Load: Future<Output = Result<T, sqlx::Error>>,
    {
        let found = self.loads.lock().get(&key).cloned();
        if let Some(Ok(value)) = found.map(|value| value.downcast::<T>()) {
            return Ok(value);
        }
        let value = Arc::new(load().await?);
        self.loads.lock().insert(key, value.clone());
        Ok(value)
    }
}

/// A section's blocks, built from the store (names, lists) and figure references.
pub type SectionFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Block>, sqlx::Error>> + Send + 'a>>;

/// Builds a module's part of a section.
pub type BuildSection = for<'a> fn(&'a ReportInput<'a>) -> SectionFuture<'a>;

/// A module's part of one section of one report.
#[derive(Clone, Copy)]
pub struct SectionDefinition {
    pub slot: SectionSlot,
    /// The module writing it, for the registry's listing ("learning").
    pub module: &'static str,
    /// Its sub-heading where several modules share a section; none for the only part.
    pub heading: Option<&'static str>,
    pub build: BuildSection,
}

/// Everything one module contributes to the reports.
#[derive(Clone, Default)]
pub struct ReportContribution {
    pub figures: Vec<FigureDefinition>,
    pub checks: Vec<FigureCheck>,
    pub sections: Vec<SectionDefinition>,
}

impl ReportContribution {
    pub fn new() -> ReportContribution {
        ReportContribution::default()
    }

    pub fn figure(mut self, definition: FigureDefinition) -> ReportContribution {
        self.figures.push(definition);
        self
    }

    pub fn check(mut self, check: FigureCheck) -> ReportContribution {
        self.checks.push(check);
        self
    }

    pub fn section(mut self, section: SectionDefinition) -> ReportContribution {
        self.sections.push(section);
        self
    }

    /// Adds another module's contribution. Two modules claiming one figure key is a wiring
    /// mistake, caught when the app is built, never on a request.
    pub fn merge(mut self, other: ReportContribution) -> ReportContribution {
        for definition in &other.figures {
            assert!(
                self.figures.iter().all(|d| d.key != definition.key),
                "report figure {:?} is registered twice",
                definition.key
            );
        }
        self.figures.extend(other.figures);
        self.checks.extend(other.checks);
        self.sections.extend(other.sections);
        self
    }

    pub fn definition(&self, key: &str) -> Option<&FigureDefinition> {
        self.figures.iter().find(|d| d.key == key)
    }

    /// The parts of one section, in registration order.
    pub fn sections_in(&self, slot: SectionSlot) -> Vec<&SectionDefinition> {
        self.sections.iter().filter(|s| s.slot == slot).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_and_write_as_the_partnership_does() {
        let year = ReportPeriod::parse("2024-25").unwrap();
        assert_eq!(year, ReportPeriod::financial_year(2024));
        assert_eq!(ReportPeriod::parse("2024/25"), Some(year));
        assert_eq!(year.label(), "2024/25");
        assert_eq!(year.code(), "2024-25");
        assert_eq!(year.start().to_string(), "2024-04-01");
        assert_eq!(year.end().to_string(), "2025-03-31");
        assert_eq!(year.previous(), ReportPeriod::financial_year(2023));
        let q2 = ReportPeriod::parse("2025-26-Q2").unwrap();
        assert_eq!(ReportPeriod::parse("2025/26 Q2"), Some(q2));
        assert_eq!(q2.label(), "2025/26 Q2");
        assert_eq!(q2.code(), "2025-26-Q2");
        assert_eq!(q2.start().to_string(), "2025-07-01");
        assert_eq!(q2.end().to_string(), "2025-09-30");
        assert_eq!(q2.previous(), ReportPeriod::quarter(2025, 1).unwrap());
        let q1 = ReportPeriod::quarter(2025, 1).unwrap();
        assert_eq!(q1.previous(), ReportPeriod::quarter(2024, 4).unwrap());
        let q4 = ReportPeriod::quarter(2024, 4).unwrap();
        assert_eq!(q4.start().to_string(), "2025-01-01");
        assert_eq!(q4.end().to_string(), "2025-03-31");
        assert_eq!(year.quarters().len(), 4);
        assert!(year.contains(q4.end()));
        for bad in ["2024-26", "2024", "2025-26-Q5", "Q2", "", "x-y"] {
            assert_eq!(ReportPeriod::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn sections_are_numbered_in_the_seed_order() {
        assert_eq!(YearlySection::Foreword.number(), 1);
        assert_eq!(YearlySection::LearningFromCaseReviews.number(), 8);
        assert_eq!(YearlySection::Glossary.number(), 15);
        assert_eq!(QuarterlySection::TopRisks.number(), 7);
    }

    #[test]
    fn a_rate_keeps_its_counts_and_refuses_a_nought_denominator() {
        let rate = Figure::rate("", "Seen in time", 35, 42, 0, Vec::new());
        assert_eq!(rate.numerator, Some(35));
        assert!((rate.value.unwrap() - 83.333).abs() < 0.01);
        assert_eq!(Figure::rate("", "None", 0, 0, 0, Vec::new()).value, None);
    }
}
