//! The multi-agency dataset as data and rules: quarters, units, the indicator catalogue, data
//! drops and their workflow, value validation and the outlier check, and reading an uploaded
//! sheet into values, naming every bad row and field. No SQL, no HTTP.

use crate::kernel::db::UnknownCode;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

pub use masa_spc::Polarity;

use crate::kernel::ids::{IndicatorId, OrganisationId, PlanItemId};
use crate::kernel::{Permission, Role};

// ---- quarters ----

/// A financial-year quarter: Q1 is April to June. Written "2025-26 Q1".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// The calendar year the financial year starts in (2025 for 2025-26).
    pub year: i32,
    /// 1 to 4.
    pub number: u8,
}

impl Quarter {
    pub fn new(year: i32, number: u8) -> Option<Quarter> {
        ((1..=4).contains(&number) && (1900..=2200).contains(&year))
            .then_some(Quarter { year, number })
    }

    pub fn start(self) -> Date {
        let (year, month) = match self.number {
            1 => (self.year, Month::April),
            2 => (self.year, Month::July),
            3 => (self.year, Month::October),
            _ => (self.year + 1, Month::January),
        };
        Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN)
    }

    /// The last day of the quarter.
    pub fn end(self) -> Date {
        self.next().start().previous_day().unwrap_or(Date::MAX)
    }

    pub fn containing(date: Date) -> Quarter {
        let month = u8::from(date.month());
        match month {
            4..=6 => Quarter {
                year: date.year(),
                number: 1,
            },
            7..=9 => Quarter {
                year: date.year(),
                number: 2,
            },
            10..=12 => Quarter {
                year: date.year(),
                number: 3,
            },
            _ => Quarter {
                year: date.year() - 1,
                number: 4,
            },
        }
    }

    /// The quarter that starts on this date, if one does.
    pub fn starting_on(date: Date) -> Option<Quarter> {
        let quarter = Quarter::containing(date);
        (quarter.start() == date).then_some(quarter)
    }

    pub fn next(self) -> Quarter {
        if self.number == 4 {
            Quarter {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    pub fn previous(self) -> Quarter {
        if self.number == 1 {
            Quarter {
                year: self.year - 1,
                number: 4,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number - 1,
            }
        }
    }

    pub fn label(self) -> String {
        format!(
            "{}-{:02} Q{}",
            self.year,
            (self.year + 1).rem_euclid(100),
            self.number
        )
    }

    /// Reads "2025-26 Q1", "2025/26 Q1", "Q1 2025-26" or the stored start date "2025-04-01".
    pub fn parse(text: &str) -> Option<Quarter> {
        let text = text.trim();
        if let Some(date) = crate::kernel::text::parse_iso_date(text) {
            return Quarter::starting_on(date);
        }
        let upper = text.to_uppercase().replace('/', "-");
        let parts: Vec<&str> = upper.split_whitespace().collect();
        let (years, quarter) = match parts.as_slice() {
            [years, quarter] if quarter.starts_with('Q') => (*years, *quarter),
            [quarter, years] if quarter.starts_with('Q') => (*years, *quarter),
            _ => return None,
        };
        let number: u8 = quarter.strip_prefix('Q')?.parse().ok()?;
        let (first, second) = years.split_once('-')?;
        let year: i32 = first.parse().ok()?;
        let second: i32 = second.parse().ok()?;
        if second != (year + 1).rem_euclid(100) && second != year + 1 {
            return None;
        }
        Quarter::new(year, number)
    }

    /// As stored: the ISO date of its first day.
    pub fn key(self) -> String {
        self.start().to_string()
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.label())
    }
}

impl Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label())
    }
}

// ---- units, polarity, frequency ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    RatePer10000,
    Percent,
    Days,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Count, Unit::RatePer10000, Unit::Percent, Unit::Days];

    pub fn code(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::RatePer10000 => "rate_per_10000",
            Unit::Percent => "percent",
            Unit::Days => "days",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::RatePer10000 => "Rate per 10,000 children",
            Unit::Percent => "Percentage",
            Unit::Days => "Days",
        }
    }

    /// How a value is written after its number.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Count => "",
            Unit::RatePer10000 => " per 10,000",
            Unit::Percent => "%",
            Unit::Days => " days",
        }
    }

    pub fn from_code(code: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|unit| unit.code() == code)
    }

    /// Is this a possible value in this unit? The message names what is wrong.
    pub fn check(self, value: f64) -> Result<(), String> {
        if !value.is_finite() {
            return Err("must be a number".into());
        }
        if value < 0.0 {
            return Err("cannot be negative".into());
        }
        match self {
            Unit::Percent if value > 100.0 => {
                Err("is a percentage, so must be between 0 and 100".into())
            }
            Unit::Count if value.fract() != 0.0 => {
                Err("is a count, so must be a whole number".into())
            }
            _ => Ok(()),
        }
    }
}

pub fn polarity_code(polarity: Polarity) -> &'static str {
    match polarity {
        Polarity::HigherIsBetter => "higher_is_better",
        Polarity::LowerIsBetter => "lower_is_better",
        Polarity::Neither => "neither",
    }
}

pub fn polarity_label(polarity: Polarity) -> &'static str {
    match polarity {
        Polarity::HigherIsBetter => "Higher is better",
        Polarity::LowerIsBetter => "Lower is better",
        Polarity::Neither => "Neither higher nor lower is better",
    }
}

crate::stored_code!(Quarter, "quarter", Quarter::parse);
crate::stored_code!(Unit, "unit");
crate::stored_code!(Frequency, "frequency");
crate::stored_code!(DropStatus, "status");
crate::stored_code!(Channel, "channel");

/// A stored polarity code: `Polarity` is masa_spc's, so it is decoded through this.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct PolarityCode(String);

impl TryFrom<PolarityCode> for Polarity {
    type Error = UnknownCode;
    fn try_from(PolarityCode(code): PolarityCode) -> Result<Polarity, UnknownCode> {
        polarity_from_code(&code).ok_or(UnknownCode {
            what: "polarity",
            code,
        })
    }
}

pub fn polarity_from_code(code: &str) -> Option<Polarity> {
    [
        Polarity::HigherIsBetter,
        Polarity::LowerIsBetter,
        Polarity::Neither,
    ]
    .into_iter()
    .find(|p| polarity_code(*p) == code)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
    Annual,
}

impl Frequency {
    pub const ALL: [Frequency; 3] = [Frequency::Monthly, Frequency::Quarterly, Frequency::Annual];

    pub fn code(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Annual => "annual",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Frequency::Monthly => "Monthly (reported quarterly)",
            Frequency::Quarterly => "Quarterly",
            Frequency::Annual => "Annual",
        }
    }

    pub fn from_code(code: &str) -> Option<Frequency> {
        Frequency::ALL
            .into_iter()
            .find(|frequency| frequency.code() == code)
    }
}

// ---- the catalogue ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Indicator {
    pub id: IndicatorId,
    pub code: String,
    pub name: String,
    pub definition: String,
    #[sqlx(try_from = "String")]
    pub unit: Unit,
    #[serde(serialize_with = "serialize_polarity")]
    #[sqlx(try_from = "PolarityCode")]
    pub polarity: Polarity,
    #[sqlx(try_from = "String")]
    pub frequency: Frequency,
    pub owner_organisation_id: OrganisationId,
    pub owner_name: String,
    pub priority_item_id: Option<PlanItemId>,
    pub target: Option<f64>,
    pub suppression_threshold: i64,
    pub decimals: i64,
    pub source: String,
    pub archived_at: Option<String>,
}

fn serialize_polarity<S: serde::Serializer>(
    polarity: &Polarity,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(polarity_code(*polarity))
}

impl Indicator {
    /// Which direction is better, in words.
    pub fn polarity_label(&self) -> &'static str {
        polarity_label(self.polarity)
    }

    /// A value as people read it: "86%", "72.0 per 10,000", "36".
    pub fn show(&self, value: f64) -> String {
        masa_charts::format_value(
            value,
            usize::try_from(self.decimals).unwrap_or(0),
            self.unit.suffix(),
        )
    }

    /// Published outputs hide small counts, which could identify children.
    pub fn is_suppressed(&self, value: f64) -> bool {
        self.unit == Unit::Count && value > 0.0 && value < self.suppression_threshold as f64
    }

    /// A value as it may be published.
    pub fn publish(&self, value: f64) -> Published {
        if self.is_suppressed(value) {
            Published::FewerThan(self.suppression_threshold)
        } else {
            Published::Value(value)
        }
    }

    /// A published figure as people read it: "86%", or "fewer than 5".
    pub fn show_published(&self, figure: Published) -> String {
        match figure {
            Published::Value(value) => self.show(value),
            Published::FewerThan(threshold) => format!("fewer than {threshold}"),
        }
    }
}

// ---- publishing: small-number suppression ----

/// A figure as it may be published: its value, or only that it is a small count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Published {
    Value(f64),
    /// A count under the indicator's suppression threshold: written "fewer than N", and left
    /// out of every figure derived from the series.
    FewerThan(i64),
}

impl Published {
    /// The value, if it may be published.
    pub fn value(self) -> Option<f64> {
        match self {
            Published::Value(value) => Some(value),
            Published::FewerThan(_) => None,
        }
    }

    pub fn is_suppressed(self) -> bool {
        matches!(self, Published::FewerThan(_))
    }
}

/// A series as it may be published: each small count replaced by "fewer than N". Every output
/// of a series (indicator page, chart and its text, scorecard, their CSV and XLSX, other
/// modules) is built from this alone, and every derived figure (mean, process limits, special
/// causes, change from last quarter, RAG) from its published values only. So nothing published
/// depends on a suppressed value, and none can be worked back from the rest (a mean over all
/// points would give it away exactly). Zero is published: a true zero identifies no one.
pub fn publish_series(
    indicator: &Indicator,
    series: &[(Quarter, f64)],
) -> Vec<(Quarter, Published)> {
    series
        .iter()
        .map(|(period, value)| (*period, indicator.publish(*value)))
        .collect()
}

// ---- data drops ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropStatus {
    /// Being prepared by the organisation; private to it.
    Draft,
    /// Sent to the business unit for checking.
    Submitted,
    /// Accepted: its values are the organisation's figures for the period.
    Approved,
    /// Sent back with a comment; the organisation starts a new version.
    Returned,
    /// An approved version replaced by a later approved one; kept for the record.
    Superseded,
}

impl DropStatus {
    /// Has the organisation sent its figures (whatever the business unit then decided)?
    /// A returned drop has been sent back, so it is not.
    pub fn is_sent(self) -> bool {
        matches!(
            self,
            DropStatus::Submitted | DropStatus::Approved | DropStatus::Superseded
        )
    }

    pub const ALL: [DropStatus; 5] = [
        DropStatus::Draft,
        DropStatus::Submitted,
        DropStatus::Approved,
        DropStatus::Returned,
        DropStatus::Superseded,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DropStatus::Draft => "draft",
            DropStatus::Submitted => "submitted",
            DropStatus::Approved => "approved",
            DropStatus::Returned => "returned",
            DropStatus::Superseded => "superseded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DropStatus::Draft => "Draft",
            DropStatus::Submitted => "Submitted",
            DropStatus::Approved => "Approved",
            DropStatus::Returned => "Returned",
            DropStatus::Superseded => "Superseded",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            DropStatus::Draft => "govuk-tag--grey",
            DropStatus::Submitted => "govuk-tag--blue",
            DropStatus::Approved => "govuk-tag--green",
            DropStatus::Returned => "govuk-tag--orange",
            DropStatus::Superseded => "govuk-tag--grey",
        }
    }

    pub fn from_code(code: &str) -> Option<DropStatus> {
        DropStatus::ALL
            .into_iter()
            .find(|status| status.code() == code)
    }

    /// Only a draft is edited; every other state is a record.
    pub fn is_editable(self) -> bool {
        self == DropStatus::Draft
    }
}

/// May someone with these roles, working for `own_organisation`, see a drop of
/// `drop_organisation` in `status`? The one rule for every page, export and the audit trail:
/// the business unit sees all; a data lead its own organisation's drops, drafts included; the
/// independent scrutineer every drop that has left draft. Anyone else sees none.
pub fn may_see_drop(
    roles: &[Role],
    own_organisation: Option<OrganisationId>,
    drop_organisation: OrganisationId,
    status: DropStatus,
) -> bool {
    if Permission::ManageDataset.granted_to_any(roles) {
        return true;
    }
    if roles.contains(&Role::PartnerDataLead) && own_organisation == Some(drop_organisation) {
        return true;
    }
    roles.contains(&Role::IndependentScrutineer) && status != DropStatus::Draft
}

/// Where an organisation stands for a collection period, from its versions' statuses.
/// Approved figures stay in force while a revision of them is prepared, checked or returned,
/// so an organisation with an approved version has sent its figures: the completeness page,
/// the reminders and the home page count it as submitted, never overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The status of the newest version, if there is one.
    pub latest: Option<DropStatus>,
    /// A version is approved (the figures on the scorecard for the period).
    pub approved: bool,
    /// Past the period's due date.
    pub overdue: bool,
}

impl Position {
    /// `statuses`: the organisation's versions for the period, in any order, newest first or
    /// not; `latest` is the newest version's.
    pub fn of(latest: Option<DropStatus>, statuses: &[DropStatus], overdue: bool) -> Position {
        Position {
            latest,
            approved: statuses.contains(&DropStatus::Approved)
                || statuses.contains(&DropStatus::Superseded),
            overdue,
        }
    }

    /// Has the organisation sent its figures? Approved figures under revision count.
    pub fn is_sent(self) -> bool {
        self.approved || self.latest.is_some_and(DropStatus::is_sent)
    }

    /// A newer version revising approved figures is open or was returned.
    pub fn is_revising(self) -> bool {
        self.approved
            && !matches!(
                self.latest,
                None | Some(DropStatus::Approved | DropStatus::Superseded)
            )
    }

    /// Not sent, and past the due date.
    pub fn is_overdue(self) -> bool {
        self.overdue && !self.is_sent()
    }

    /// The position in words, with its tag's class.
    pub fn label(self) -> (&'static str, &'static str) {
        use DropStatus::*;
        if self.approved {
            return match self.latest {
                Some(Draft) => ("Approved – revision in draft", "govuk-tag--green"),
                Some(Submitted) => ("Approved – revision awaiting decision", "govuk-tag--blue"),
                Some(Returned) => ("Approved – revision returned", "govuk-tag--green"),
                _ => ("Approved", "govuk-tag--green"),
            };
        }
        match (self.latest, self.overdue) {
            (Some(Approved | Superseded), _) => ("Approved", "govuk-tag--green"),
            (Some(Submitted), _) => ("Submitted – awaiting decision", "govuk-tag--blue"),
            (Some(Returned), true) => ("Returned – overdue", "govuk-tag--red"),
            (Some(Returned), false) => ("Returned for changes", "govuk-tag--orange"),
            (Some(Draft), true) => ("Draft – overdue", "govuk-tag--red"),
            (Some(Draft), false) => ("Draft in progress", "govuk-tag--grey"),
            (None, true) => ("Not started – overdue", "govuk-tag--red"),
            (None, false) => ("Not started", "govuk-tag--grey"),
        }
    }
}

/// The change from the previous quarter's approved value, as the approval page shows it:
/// "+3", "−1.5 points" (a percentage's change is in points), "No change", or "No previous
/// value" when the previous quarter has none.
pub fn change_from_previous(indicator: &Indicator, value: f64, previous: Option<f64>) -> String {
    let Some(previous) = previous else {
        return "No previous value".to_owned();
    };
    let decimals = usize::try_from(indicator.decimals).unwrap_or(0);
    // Between the figures as shown (73% against 74% is 1 point, whatever 72.5 rounded from).
    let factor = 10f64.powi(i32::try_from(decimals.min(12)).unwrap_or(0));
    let shown = |figure: f64| (figure * factor).round() / factor;
    let difference = shown(value) - shown(previous);
    let size = masa_charts::format_value(difference.abs(), decimals, "");
    if size.chars().all(|c| c == '0' || c == '.') {
        return "No change".to_owned();
    }
    let sign = if difference > 0.0 { '+' } else { '\u{2212}' };
    let unit = match indicator.unit {
        Unit::Percent if size == "1" => " point",
        Unit::Percent => " points",
        Unit::Days if size == "1" => " day",
        Unit::Days => " days",
        Unit::RatePer10000 => " per 10,000",
        Unit::Count => "",
    };
    format!("{sign}{size}{unit}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    WebForm,
    Upload,
    Api,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::WebForm => "web_form",
            Channel::Upload => "upload",
            Channel::Api => "api",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::WebForm => "Web form",
            Channel::Upload => "Spreadsheet upload",
            Channel::Api => "API",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        [Channel::WebForm, Channel::Upload, Channel::Api]
            .into_iter()
            .find(|channel| channel.code() == code)
    }
}

/// What a decision on a submitted drop does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Return,
}

/// The one place the workflow's moves are allowed or refused.
pub fn next_status(current: DropStatus, action: DropAction) -> Result<DropStatus, &'static str> {
    use DropAction::*;
    use DropStatus::*;
    match (current, action) {
        (Draft, Submit) => Ok(Submitted),
        (Submitted, Decide(Decision::Approve)) => Ok(Approved),
        (Submitted, Decide(Decision::Return)) => Ok(Returned),
        (Approved, Supersede) => Ok(Superseded),
        (Draft, _) => Err("This draft has not been submitted yet"),
        (Submitted, _) => Err("This data drop is waiting for the business unit's decision"),
        (Approved | Returned | Superseded, _) => {
            Err("This version is a record and cannot change: start a new version")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropAction {
    Submit,
    Decide(Decision),
    Supersede,
}

/// The storyboard's four questions, asked of every organisation every quarter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Storyboard {
    pub working_well: String,
    pub worried_about: String,
    pub doing_about_it: String,
    pub previous_actions: String,
}

pub const STORYBOARD_MAX: usize = 4000;

impl Storyboard {
    pub const QUESTIONS: [(&'static str, &'static str); 4] = [
        ("working_well", "What is working well?"),
        ("worried_about", "What are you worried about?"),
        ("doing_about_it", "What are you doing about it?"),
        ("previous_actions", "Updates on previous actions"),
    ];

    pub fn answer(&self, field: &str) -> &str {
        match field {
            "working_well" => &self.working_well,
            "worried_about" => &self.worried_about,
            "doing_about_it" => &self.doing_about_it,
            _ => &self.previous_actions,
        }
    }

    pub fn is_complete(&self) -> bool {
        Storyboard::QUESTIONS
            .iter()
            .all(|(field, _)| !self.answer(field).trim().is_empty())
    }
}

// ---- submitting ----

/// What keeps a draft from being submitted.
#[derive(Debug, Clone, PartialEq)]
pub enum NotReady {
    /// One of the organisation's live indicators has no value.
    Missing(IndicatorId),
    /// A value far outside its history that nobody has confirmed.
    UnconfirmedOutlier {
        indicator_id: IndicatorId,
        value: f64,
    },
    /// A storyboard question is unanswered.
    Storyboard,
}

/// A draft's value as the submit check sees it: indicator, value, and whether a person
/// confirmed it after it was flagged as unusual.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DraftValue {
    pub indicator_id: IndicatorId,
    pub value: f64,
    pub outlier_confirmed: bool,
}

/// Everything that keeps a draft from being submitted, the same whichever way it was filled:
/// every live indicator (`indicators`, in order) answered, each value `is_outlier` flags
/// confirmed, the four storyboard questions answered.
pub fn submit_problems(
    indicators: &[IndicatorId],
    values: &[DraftValue],
    storyboard: &Storyboard,
    is_outlier: impl Fn(&DraftValue) -> bool,
) -> Vec<NotReady> {
    let mut problems: Vec<NotReady> = indicators
        .iter()
        .filter(|id| !values.iter().any(|value| value.indicator_id == **id))
        .map(|id| NotReady::Missing(*id))
        .collect();
    problems.extend(
        values
            .iter()
            .filter(|value| !value.outlier_confirmed && is_outlier(value))
            .map(|value| NotReady::UnconfirmedOutlier {
                indicator_id: value.indicator_id,
                value: value.value,
            }),
    );
    if !storyboard.is_complete() {
        problems.push(NotReady::Storyboard);
    }
    problems
}

// ---- values: validation and the outlier check ----

/// A value is "far outside its history" when it lies beyond the history's process limits
/// widened to twice their distance from the mean (about six standard deviations): wide enough
/// that only likely mistakes (a misplaced decimal point, a monthly figure for a quarterly one)
/// are flagged, so that a flag is worth the partner's attention. Needs four past values.
pub fn is_far_outside_history(value: f64, history: &[f64]) -> bool {
    if history.len() < 4 {
        return false;
    }
    let Some(analysis) = masa_spc::analyse(history, Polarity::Neither, None, None) else {
        return false;
    };
    let half_width = (analysis.upper_process_limit - analysis.mean)
        .max(analysis.mean.abs() * 0.1)
        .max(1.0);
    (value - analysis.mean).abs() > 2.0 * half_width
}

/// Reads a typed number: allows spaces, thousands commas and a trailing % sign. A comma that
/// is not a thousands separator ("12,5", a decimal comma) makes it not a number, never 125.
pub fn parse_number(text: &str) -> Option<f64> {
    let compact: String = text
        .trim()
        .trim_end_matches('%')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if compact.contains(',') && !has_thousands_commas_only(&compact) {
        return None;
    }
    let cleaned = compact.replace(',', "");
    if cleaned.is_empty() {
        return None;
    }
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

/// "1,234,567.5": commas only between groups of three digits, before any decimal point.
fn has_thousands_commas_only(number: &str) -> bool {
    let whole = number.split('.').next().unwrap_or_default();
    let whole = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let digits = |group: &str| group.bytes().all(|b| b.is_ascii_digit());
    (1..=3).contains(&first.len())
        && digits(first)
        && groups.all(|group| group.len() == 3 && digits(group))
        && !number.split('.').skip(1).any(|part| part.contains(','))
}

/// Why typed text is not a number, with the likely fix for a decimal comma.
pub fn not_a_number(text: &str) -> String {
    if text.contains(',') && parse_number(&text.replace(',', ".")).is_some() {
        format!(
            "{text:?} is not a number: write decimals with a point, like {}",
            text.replace(',', ".")
        )
    } else {
        format!("{text:?} is not a number")
    }
}

// ---- reading an uploaded sheet ----

/// The columns of the first upload template, in order, as the API still names them. The
/// template now has readable names ("Indicator code", "Value"), which read as these.
pub const UPLOAD_COLUMNS: [&str; 5] = [
    "indicator_code",
    "indicator_name",
    "period",
    "value",
    "note",
];
pub const UPLOAD_MAX_ROWS: usize = 5000;
/// How far down the header row may be (below a few lines of instructions).
const HEADER_SEARCH_ROWS: usize = 10;
pub const NOTE_MAX: usize = 1000;

/// An indicator as the upload sees it.
#[derive(Debug, Clone)]
pub struct UploadIndicator {
    pub id: IndicatorId,
    pub code: String,
    pub unit: Unit,
    pub owner_organisation_id: OrganisationId,
    pub owner_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedValue {
    pub indicator_id: IndicatorId,
    pub value: f64,
    pub note: String,
    /// The sheet row (1 = the header) it came from.
    pub row: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Sheet row number as a spreadsheet shows it (1 = the header); 0 for the file as a whole.
    pub row: usize,
    /// The column's name as the API and the first template name it: `value`, `indicator_code`.
    pub column: String,
    /// The column as the file shows it, for people: "Value (column F)". Empty when unknown.
    #[serde(skip)]
    pub title: String,
    pub message: String,
}

impl RowError {
    /// A problem with the file as a whole.
    pub fn whole(message: String) -> RowError {
        RowError {
            row: 0,
            column: String::new(),
            title: String::new(),
            message,
        }
    }

    /// The same problem with the file named where the message says "The file".
    pub fn naming(self, file_name: &str) -> RowError {
        match self.message.strip_prefix("The file") {
            Some(rest) if self.row == 0 && !file_name.is_empty() => RowError {
                message: format!("{file_name}{rest}"),
                ..self
            },
            _ => self,
        }
    }
}

/// A data drop template's file name: "Cheshire-Constabulary-2025-26-Q2-data-drop.xlsx". Only
/// ASCII letters, digits and hyphens, so it is safe in a download header and on any disk.
pub fn template_file_name(organisation: &str, period: Quarter, extension: &str) -> String {
    let mut name = String::new();
    for word in format!("{organisation} {period} data drop").split(|c: char| !c.is_alphanumeric()) {
        let word: String = word.chars().filter(char::is_ascii_alphanumeric).collect();
        if !word.is_empty() {
            if !name.is_empty() {
                name.push('-');
            }
            name.push_str(&word);
        }
    }
    format!("{name}.{extension}")
}

impl std::fmt::Display for RowError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.row == 0 {
            write!(formatter, "{}", self.message)
        } else {
            let column = if self.title.is_empty() {
                &self.column
            } else {
                &self.title
            };
            write!(formatter, "Row {}, {column}: {}", self.row, self.message)
        }
    }
}

/// Turns an uploaded sheet (cells as text, header first) into values for one organisation's
/// data drop for `period`. Reports every problem at once; any problem rejects the whole sheet.
pub fn read_upload(
    rows: &[Vec<String>],
    period: Quarter,
    organisation_id: OrganisationId,
    indicators: &[UploadIndicator],
) -> Result<Vec<ParsedValue>, Vec<RowError>> {
    let whole = |message: String| vec![RowError::whole(message)];
    if rows.is_empty() {
        return Err(whole(
            "The file is empty. Download the template, fill in the value column and upload it."
                .into(),
        ));
    }
    let normalised = |cells: &[String]| -> Vec<String> {
        cells
            .iter()
            .map(|cell| cell.trim().to_lowercase().replace(' ', "_"))
            .collect()
    };
    // The header is the first row naming an indicator code and a value: the template has a
    // line of instructions above it, older templates and the API do not.
    let header_index = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|row| {
            let row = normalised(row);
            row.iter().any(|cell| cell == "indicator_code")
                && row.iter().any(|cell| cell == "value")
        })
        .unwrap_or(0);
    let header = normalised(&rows[header_index]);
    let position = |name: &str| header.iter().position(|cell| cell == name);
    let (Some(code_column), Some(period_column), Some(value_column)) = (
        position("indicator_code"),
        position("period"),
        position("value"),
    ) else {
        let first: Vec<&str> = rows[header_index]
            .iter()
            .map(|cell| cell.trim())
            .filter(|cell| !cell.is_empty())
            .collect();
        return Err(whole(format!(
            "The header row must name the columns Indicator code, Period and Value (download the template to see them); the first row has: {}",
            if first.is_empty() {
                "nothing".to_owned()
            } else {
                first.join(", ")
            }
        )));
    };
    let note_column = position("note");
    // "Value (column F)": the column as the file names it, and where it is.
    let title_of = |name: &str| {
        position(name).map_or_else(String::new, |index| {
            let shown = rows[header_index][index].trim();
            format!(
                "{} (column {})",
                if shown.is_empty() { name } else { shown },
                masa_sheets::column_letters(index as u64)
            )
        })
    };
    let titles: Vec<(&str, String)> = ["indicator_code", "period", "value", "note"]
        .into_iter()
        .map(|name| (name, title_of(name)))
        .collect();
    if rows.len() - 1 - header_index > UPLOAD_MAX_ROWS {
        return Err(whole(format!(
            "The file has {} rows; the most a data drop can have is {UPLOAD_MAX_ROWS}.",
            rows.len() - 1 - header_index
        )));
    }
    let mut errors = Vec::new();
    let mut values: Vec<ParsedValue> = Vec::new();
    for (index, row) in rows.iter().enumerate().skip(header_index + 1) {
        let row_number = index + 1;
        let cell = |column: usize| row.get(column).map(|text| text.trim()).unwrap_or("");
        if row.iter().all(|text| text.trim().is_empty()) {
            continue;
        }
        let mut error = |column: &str, message: String| {
            errors.push(RowError {
                row: row_number,
                column: column.to_owned(),
                title: titles
                    .iter()
                    .find(|(name, _)| *name == column)
                    .map(|(_, title)| title.clone())
                    .unwrap_or_default(),
                message,
            })
        };
        let code = cell(code_column);
        let indicator = if code.is_empty() {
            error(
                "indicator_code",
                "is empty: give the indicator's code from the template".into(),
            );
            None
        } else {
            match indicators
                .iter()
                .find(|indicator| indicator.code.eq_ignore_ascii_case(code))
            {
                None => {
                    error(
                        "indicator_code",
                        format!("{code:?} is not an indicator in the catalogue"),
                    );
                    None
                }
                Some(indicator) if indicator.owner_organisation_id != organisation_id => {
                    error(
                        "indicator_code",
                        format!(
                            "{} is reported by {}, not by your organisation",
                            indicator.code, indicator.owner_name
                        ),
                    );
                    None
                }
                Some(indicator) => Some(indicator),
            }
        };
        match Quarter::parse(cell(period_column)) {
            Some(quarter) if quarter == period => {}
            Some(quarter) => error(
                "period",
                format!("{quarter} is not the period of this data drop, which is {period}"),
            ),
            None => error(
                "period",
                format!(
                    "{:?} is not a quarter: write it like {period}",
                    cell(period_column)
                ),
            ),
        }
        let value = match parse_number(cell(value_column)) {
            None if cell(value_column).is_empty() => {
                error(
                    "value",
                    "is empty: enter the figure, or delete the row".into(),
                );
                None
            }
            None => {
                error("value", not_a_number(cell(value_column)));
                None
            }
            Some(value) => match indicator.map(|indicator| indicator.unit.check(value)) {
                Some(Err(problem)) => {
                    error("value", format!("{} {problem}", cell(value_column)));
                    None
                }
                _ => Some(value),
            },
        };
        let note = note_column.map(cell).unwrap_or("").to_owned();
        if note.chars().count() > NOTE_MAX {
            error("note", format!("must be {NOTE_MAX} characters or fewer"));
        }
        if let Some(indicator) = indicator
            && let Some(earlier) = values
                .iter()
                .find(|parsed| parsed.indicator_id == indicator.id)
        {
            error(
                "indicator_code",
                format!("{} is already given in row {}", indicator.code, earlier.row),
            );
            continue;
        }
        if let (Some(indicator), Some(value)) = (indicator, value) {
            values.push(ParsedValue {
                indicator_id: indicator.id,
                value,
                note,
                row: row_number,
            });
        }
    }
    if values.is_empty() && errors.is_empty() {
        errors.push(RowError::whole(
            "The file has a header but no values.".into(),
        ));
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_ready_when_every_indicator_is_answered_checked_and_storyboarded() {
        let value = |indicator_id, value, outlier_confirmed| DraftValue {
            indicator_id: IndicatorId::new(indicator_id),
            value,
            outlier_confirmed,
        };
        let storyboard = Storyboard {
            working_well: "a".into(),
            worried_about: "b".into(),
            doing_about_it: "c".into(),
            previous_actions: "d".into(),
        };
        let far = |v: &DraftValue| v.value > 100.0;
        let ready = [value(1, 5.0, false), value(2, 500.0, true)];
        assert!(
            submit_problems(
                &[IndicatorId::new(1), IndicatorId::new(2)],
                &ready,
                &storyboard,
                far
            )
            .is_empty()
        );
        let half = [value(2, 500.0, false)];
        assert_eq!(
            submit_problems(
                &[IndicatorId::new(1), IndicatorId::new(2)],
                &half,
                &Storyboard::default(),
                far
            ),
            vec![
                NotReady::Missing(IndicatorId::new(1)),
                NotReady::UnconfirmedOutlier {
                    indicator_id: IndicatorId::new(2),
                    value: 500.0
                },
                NotReady::Storyboard
            ]
        );
        // A value of an indicator no longer live does not hold a drop back.
        assert!(submit_problems(&[IndicatorId::new(2)], &ready, &storyboard, far).is_empty());
    }
    use time::macros::date;

    #[test]
    fn quarters_follow_the_financial_year() {
        let q1 = Quarter::new(2025, 1).unwrap();
        assert_eq!(q1.label(), "2025-26 Q1");
        assert_eq!(q1.start(), date!(2025 - 04 - 01));
        assert_eq!(q1.end(), date!(2025 - 06 - 30));
        let q4 = Quarter::new(2025, 4).unwrap();
        assert_eq!(q4.start(), date!(2026 - 01 - 01));
        assert_eq!(q4.end(), date!(2026 - 03 - 31));
        assert_eq!(q4.next(), Quarter::new(2026, 1).unwrap());
        assert_eq!(Quarter::new(2026, 1).unwrap().previous(), q4);
        assert_eq!(Quarter::containing(date!(2026 - 02 - 14)), q4);
        assert_eq!(
            Quarter::containing(date!(2026 - 11 - 23)).label(),
            "2026-27 Q3"
        );
        assert_eq!(Quarter::new(1999, 3).unwrap().label(), "1999-00 Q3");
        for text in [
            "2025-26 Q1",
            "2025/26 q1",
            "Q1 2025-26",
            "2025-2026 Q1",
            "2025-04-01",
        ] {
            assert_eq!(Quarter::parse(text), Some(q1), "{text}");
        }
        for text in [
            "2025-27 Q1",
            "2025-26 Q5",
            "2025-05-01",
            "Q1",
            "",
            "last quarter",
        ] {
            assert_eq!(Quarter::parse(text), None, "{text}");
        }
        assert!(Quarter::new(2025, 2).unwrap() > q1);
    }

    #[test]
    fn units_check_their_values() {
        assert!(Unit::Percent.check(86.0).is_ok());
        assert!(
            Unit::Percent
                .check(100.5)
                .unwrap_err()
                .contains("between 0 and 100")
        );
        assert!(
            Unit::Count
                .check(36.5)
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            Unit::RatePer10000
                .check(-1.0)
                .unwrap_err()
                .contains("negative")
        );
        assert!(Unit::Days.check(f64::NAN).is_err());
        assert_eq!(parse_number(" 1,234.5 "), Some(1234.5));
        assert_eq!(parse_number("-12,345,678"), Some(-12_345_678.0));
        // A decimal comma is never read as a thousands comma.
        for text in ["12,5", "1,23", "1,2345", ",5", "1.5,3", "1234,567"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
        assert_eq!(
            not_a_number("12,5"),
            "\"12,5\" is not a number: write decimals with a point, like 12.5"
        );
        assert_eq!(not_a_number("eighty"), "\"eighty\" is not a number");
        assert_eq!(parse_number("86%"), Some(86.0));
        assert_eq!(parse_number("eighty"), None);
        assert_eq!(parse_number("inf"), None);
    }

    #[test]
    fn the_workflow_allows_only_its_own_moves() {
        use DropAction::*;
        assert_eq!(
            next_status(DropStatus::Draft, Submit),
            Ok(DropStatus::Submitted)
        );
        assert_eq!(
            next_status(DropStatus::Submitted, Decide(Decision::Approve)),
            Ok(DropStatus::Approved)
        );
        assert_eq!(
            next_status(DropStatus::Submitted, Decide(Decision::Return)),
            Ok(DropStatus::Returned)
        );
        assert_eq!(
            next_status(DropStatus::Approved, Supersede),
            Ok(DropStatus::Superseded)
        );
        assert!(next_status(DropStatus::Draft, Decide(Decision::Approve)).is_err());
        assert!(next_status(DropStatus::Submitted, Submit).is_err());
        assert!(next_status(DropStatus::Returned, Submit).is_err());
        assert!(next_status(DropStatus::Approved, Submit).is_err());
        assert!(next_status(DropStatus::Superseded, Supersede).is_err());
    }

    #[test]
    fn only_values_far_from_their_history_are_flagged() {
        // Missing episodes per month, falling from 96 towards 36: mean 61.5, limits about ±38.
        let history = [96.0, 80.0, 66.0, 57.0, 50.0, 47.0, 41.0, 36.0];
        assert!(!is_far_outside_history(34.0, &history));
        assert!(!is_far_outside_history(96.0, &history));
        assert!(
            is_far_outside_history(360.0, &history),
            "a slipped decimal point"
        );
        assert!(
            !is_far_outside_history(3600.0, &history[..3]),
            "too little history to judge"
        );
        // A flat history still allows ordinary movement.
        assert!(!is_far_outside_history(55.0, &[50.0, 50.0, 50.0, 50.0]));
        assert!(is_far_outside_history(500.0, &[50.0, 50.0, 50.0, 50.0]));
    }

    fn indicators() -> Vec<UploadIndicator> {
        vec![
            UploadIndicator {
                id: IndicatorId::new(1),
                code: "RHI-01".into(),
                unit: Unit::Percent,
                owner_organisation_id: OrganisationId::new(10),
                owner_name: "Council".into(),
            },
            UploadIndicator {
                id: IndicatorId::new(2),
                code: "MFH-01".into(),
                unit: Unit::Count,
                owner_organisation_id: OrganisationId::new(10),
                owner_name: "Council".into(),
            },
            UploadIndicator {
                id: IndicatorId::new(3),
                code: "CPP-01".into(),
                unit: Unit::RatePer10000,
                owner_organisation_id: OrganisationId::new(20),
                owner_name: "Cheshire Constabulary".into(),
            },
        ]
    }

    fn sheet(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|row| row.iter().map(|cell| (*cell).to_owned()).collect())
            .collect()
    }

    #[test]
    fn a_good_sheet_becomes_values() {
        let period = Quarter::new(2026, 2).unwrap();
        let rows = sheet(&[
            &[
                "indicator_code",
                "indicator_name",
                "period",
                "value",
                "note",
            ],
            &[
                "rhi-01",
                "Return home interviews",
                "2026-27 Q2",
                "86%",
                "Up again",
            ],
            &["", "", "", "", ""],
            &["MFH-01", "Missing episodes", "2026-27 Q2", "36", ""],
        ]);
        let values = read_upload(&rows, period, OrganisationId::new(10), &indicators()).unwrap();
        assert_eq!(values.len(), 2);
        assert_eq!(
            values[0],
            ParsedValue {
                indicator_id: IndicatorId::new(1),
                value: 86.0,
                note: "Up again".into(),
                row: 2
            }
        );
        assert_eq!(values[1].row, 4);
    }

    #[test]
    fn template_file_names_are_safe_and_say_whose_and_when() {
        let q2 = Quarter::new(2025, 2).unwrap();
        assert_eq!(
            template_file_name("Cheshire Constabulary", q2, "xlsx"),
            "Cheshire-Constabulary-2025-26-Q2-data-drop.xlsx"
        );
        assert_eq!(
            template_file_name("NHS Cheshire & Merseyside ICB (Place)", q2, "csv"),
            "NHS-Cheshire-Merseyside-ICB-Place-2025-26-Q2-data-drop.csv"
        );
        assert_eq!(
            template_file_name("Cyngor Môn / \"Anglesey\"", q2, "csv"),
            "Cyngor-Mn-Anglesey-2025-26-Q2-data-drop.csv"
        );
        assert_eq!(
            RowError::whole("The file has a header but no values.".into())
                .naming("figures.csv")
                .to_string(),
            "figures.csv has a header but no values."
        );
    }

    #[test]
    fn the_template_is_read_below_its_instructions_ignoring_extra_columns() {
        let period = Quarter::new(2026, 2).unwrap();
        let rows = sheet(&[
            &[
                "Enter each figure in the Value column",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
            &[
                "Indicator code",
                "Indicator",
                "Period",
                "Value",
                "Note",
                "Unit",
                "Last approved value (2026-27 Q1)",
            ],
            &[
                "RHI-01",
                "Return home interviews",
                "2026-27 Q2",
                "86.5",
                "Up",
                "Percentage",
                "80",
            ],
            &[
                "MFH-01",
                "Missing episodes",
                "2026-27 Q2",
                "",
                "",
                "Count",
                "30",
            ],
            &[
                "MFH-01",
                "Missing episodes",
                "2026-27 Q2",
                "12,5",
                "",
                "Count",
                "30",
            ],
        ]);
        let errors =
            read_upload(&rows, period, OrganisationId::new(10), &indicators()).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "Row 4, Value (column D): is empty: enter the figure, or delete the row",
                "Row 5, Value (column D): \"12,5\" is not a number: write decimals with a point, like 12.5",
            ]
        );
        let values =
            read_upload(&rows[..3], period, OrganisationId::new(10), &indicators()).unwrap();
        assert_eq!(
            values,
            [ParsedValue {
                indicator_id: IndicatorId::new(1),
                value: 86.5,
                note: "Up".into(),
                row: 3
            }]
        );
    }

    #[test]
    fn every_bad_row_and_field_is_named_at_once() {
        let period = Quarter::new(2026, 2).unwrap();
        let rows = sheet(&[
            &[
                "Indicator code",
                "Indicator name",
                "Period",
                "Value",
                "Note",
            ],
            &["RHI-01", "", "2026-27 Q2", "eighty", ""],
            &["MFH-01", "", "2025-26 Q2", "36.5", ""],
            &["CPP-01", "", "2026-27 Q2", "72", ""],
            &["XYZ-99", "", "sometime", "", ""],
            &["RHI-01", "", "2026-27 Q2", "86", ""],
            &["RHI-01", "", "2026-27 Q2", "87", ""],
        ]);
        let errors =
            read_upload(&rows, period, OrganisationId::new(10), &indicators()).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let expected = [
            "Row 2, Value (column D): \"eighty\" is not a number",
            "Row 3, Period (column C): 2025-26 Q2 is not the period of this data drop, which is 2026-27 Q2",
            "Row 3, Value (column D): 36.5 is a count, so must be a whole number",
            "Row 4, Indicator code (column A): CPP-01 is reported by Cheshire Constabulary, not by your organisation",
            "Row 5, Indicator code (column A): \"XYZ-99\" is not an indicator in the catalogue",
            "Row 5, Period (column C): \"sometime\" is not a quarter: write it like 2026-27 Q2",
            "Row 5, Value (column D): is empty: enter the figure, or delete the row",
            "Row 7, Indicator code (column A): RHI-01 is already given in row 6",
        ];
        assert_eq!(text, expected);
    }

    #[test]
    fn sheets_with_the_wrong_shape_are_refused_whole() {
        let period = Quarter::new(2026, 2).unwrap();
        let errors = read_upload(
            &sheet(&[&["code", "amount"], &["RHI-01", "86"]]),
            period,
            OrganisationId::new(10),
            &indicators(),
        )
        .unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("must name the columns Indicator code, Period and Value")
        );
        assert!(
            errors[0]
                .message
                .contains("the first row has: code, amount")
        );
        assert!(
            read_upload(&[], period, OrganisationId::new(10), &indicators()).unwrap_err()[0]
                .message
                .contains("empty")
        );
        let header_only = read_upload(
            &sheet(&[&["indicator_code", "period", "value"]]),
            period,
            OrganisationId::new(10),
            &indicators(),
        )
        .unwrap_err();
        assert!(header_only[0].message.contains("no values"));
    }

    #[test]
    fn small_counts_are_suppressed_in_published_outputs() {
        let indicator = Indicator {
            id: IndicatorId::new(1),
            code: "LADO-01".into(),
            name: "LADO referrals".into(),
            definition: String::new(),
            unit: Unit::Count,
            polarity: Polarity::Neither,
            frequency: Frequency::Quarterly,
            owner_organisation_id: OrganisationId::new(1),
            owner_name: String::new(),
            priority_item_id: None,
            target: None,
            suppression_threshold: 5,
            decimals: 0,
            source: String::new(),
            archived_at: None,
        };
        assert!(indicator.is_suppressed(3.0));
        assert!(!indicator.is_suppressed(0.0), "a true zero reveals no one");
        assert!(!indicator.is_suppressed(5.0));
        let rate = Indicator {
            unit: Unit::RatePer10000,
            ..indicator
        };
        assert!(!rate.is_suppressed(3.0));
    }

    #[test]
    fn drafts_are_seen_only_by_their_organisation_and_the_business_unit() {
        use DropStatus::*;
        let (seven, eight) = (OrganisationId::new(7), OrganisationId::new(8));
        let admin = [Role::BusinessUnitAdmin];
        let lead = [Role::PartnerDataLead];
        let scrutineer = [Role::IndependentScrutineer];
        for status in DropStatus::ALL {
            assert!(may_see_drop(&admin, None, seven, status), "{status:?}");
            assert!(
                may_see_drop(&lead, Some(seven), seven, status),
                "{status:?}"
            );
            assert!(
                !may_see_drop(&lead, Some(eight), seven, status),
                "{status:?}"
            );
            assert!(!may_see_drop(&lead, None, seven, status), "{status:?}");
            assert!(!may_see_drop(&[Role::GroupMember], None, seven, status));
            assert_eq!(
                may_see_drop(&scrutineer, None, seven, status),
                status != Draft
            );
        }
        // Two roles see what either sees.
        let both = [Role::PartnerDataLead, Role::IndependentScrutineer];
        assert!(may_see_drop(&both, Some(seven), seven, Draft));
        assert!(!may_see_drop(&both, Some(seven), eight, Draft));
        assert!(may_see_drop(&both, Some(seven), eight, Submitted));
    }

    #[test]
    fn approved_figures_under_revision_count_as_sent_never_overdue() {
        use DropStatus::*;
        // (newest status, every status, overdue) → sent, revising, label
        let approved_then_draft = Position::of(Some(Draft), &[Draft, Approved], true);
        assert!(approved_then_draft.is_sent());
        assert!(approved_then_draft.is_revising());
        assert!(!approved_then_draft.is_overdue());
        assert_eq!(
            approved_then_draft.label().0,
            "Approved – revision in draft"
        );
        let returned_revision = Position::of(Some(Returned), &[Returned, Approved], true);
        assert!(returned_revision.is_sent() && !returned_revision.is_overdue());
        assert_eq!(returned_revision.label().0, "Approved – revision returned");
        let revision_waiting = Position::of(Some(Submitted), &[Submitted, Approved], false);
        assert_eq!(
            revision_waiting.label().0,
            "Approved – revision awaiting decision"
        );
        let approved = Position::of(Some(Approved), &[Approved, Superseded, Returned], true);
        assert!(approved.is_sent() && !approved.is_revising());
        assert_eq!(approved.label(), ("Approved", "govuk-tag--green"));
        // Without approved figures a draft or a return is not sent.
        let redraft = Position::of(Some(Draft), &[Draft, Returned], true);
        assert!(!redraft.is_sent() && redraft.is_overdue() && !redraft.is_revising());
        assert_eq!(redraft.label().0, "Draft – overdue");
        let nothing = Position::of(None, &[], false);
        assert!(!nothing.is_sent() && !nothing.is_overdue());
        assert_eq!(nothing.label().0, "Not started");
        assert!(Position::of(Some(Submitted), &[Submitted], true).is_sent());
    }

    #[test]
    fn the_change_from_the_previous_quarter_is_signed_and_in_the_unit() {
        let count = Indicator {
            id: IndicatorId::new(1),
            code: "MFH-01".into(),
            name: "Missing from home episodes".into(),
            definition: String::new(),
            unit: Unit::Count,
            polarity: Polarity::LowerIsBetter,
            frequency: Frequency::Quarterly,
            owner_organisation_id: OrganisationId::new(1),
            owner_name: String::new(),
            priority_item_id: None,
            target: None,
            suppression_threshold: 5,
            decimals: 0,
            source: String::new(),
            archived_at: None,
        };
        assert_eq!(change_from_previous(&count, 38.0, Some(35.0)), "+3");
        assert_eq!(change_from_previous(&count, 30.0, Some(35.0)), "\u{2212}5");
        assert_eq!(change_from_previous(&count, 35.0, Some(35.0)), "No change");
        assert_eq!(
            change_from_previous(&count, 35.0, None),
            "No previous value"
        );
        let percent = Indicator {
            unit: Unit::Percent,
            decimals: 1,
            ..count.clone()
        };
        assert_eq!(
            change_from_previous(&percent, 87.2, Some(89.0)),
            "\u{2212}1.8 points"
        );
        assert_eq!(
            change_from_previous(&percent, 90.0, Some(89.0)),
            "+1.0 points"
        );
        let whole_percent = Indicator {
            unit: Unit::Percent,
            ..count.clone()
        };
        // 72.5% is shown as 73%: one point below 74%, as the reader sees it.
        assert_eq!(
            change_from_previous(&whole_percent, 72.5, Some(74.0)),
            "\u{2212}1 point"
        );
        let days = Indicator {
            unit: Unit::Days,
            ..count
        };
        assert_eq!(change_from_previous(&days, 105.0, Some(104.0)), "+1 day");
    }
}
