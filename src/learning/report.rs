//! Learning's part of the reports (kernel::report): the learning reviews held in a period, by
//! type; the themes across them; serious incident notifications and the rapid review clock; and
//! the triage of national reviews. Yearly section 8 ("Learning from case reviews") and its line
//! in "At a glance", and the quarterly "Reviews under way".
//!
//! When a review counts in a period ([`held_in`]): in the period it was completed; a review still
//! open at the period's end counts in the period it started. So a review started in one year and
//! completed in the next is counted in both (open in the first, completed in the second).
//! Clocks are read as at the period's end (or today, while the period runs), through the
//! module's own clock rules ([`model::clocks`]).

use std::collections::BTreeMap;

use masa_workdays::Calendar;
use time::Date;

use super::model::{self, ClockState, LearningReview, ReviewType, SeriousIncident, TriageDecision};
use super::store;
use crate::kernel::Scope;
use crate::kernel::report::{
    Bar, Block, FigureCheck, FigureDefinition, FigureFuture, FigureRef, Inline, Parts,
    QuarterlySection, ReportContribution, ReportInput, ReportPeriod, SectionDefinition,
    SectionFuture, SectionSlot, Unit, YearlySection,
};
use crate::kernel::report::{Figure, RecordRef};
use crate::kernel::text::long_date;

pub const REVIEWS_HELD: &str = "learning.reviews_held";
pub const REVIEWS_BY_TYPE: &str = "learning.reviews_by_type";
pub const THEMES: &str = "learning.themes";
pub const NOTIFICATIONS: &str = "learning.notifications";
pub const RAPID_REVIEW_DAYS: &str = "learning.rapid_review_working_days";
pub const RAPID_REVIEWS_ON_TIME: &str = "learning.rapid_reviews_on_time";
pub const TRIAGED: &str = "learning.national_recommendations_triaged";
pub const TRIAGED_BY_DECISION: &str = "learning.national_recommendations_by_decision";
pub const REVIEWS_UNDER_WAY: &str = "learning.reviews_under_way";
pub const REVIEW_DAYS: &str = "learning.review_days";

pub fn report_contribution() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: REVIEWS_HELD,
            version: 1,
            title: "Learning reviews held",
            definition: "Learning reviews of every type (rapid reviews, local child safeguarding practice \
                         reviews, learning circles, local reflective reviews, thematic audits, national review \
                         follow-ups), not archived, completed in the period, or started in the period and still \
                         open at its end.",
            compute: reviews_held,
        })
        .figure(FigureDefinition {
            key: REVIEWS_BY_TYPE,
            version: 1,
            title: "Learning reviews held, by type",
            definition: "The learning reviews held in the period (as counted for learning reviews held), by \
                         review type; every type is listed, with none where none was held.",
            compute: reviews_by_type,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(REVIEWS_HELD),
            parts: Parts::EveryInstanceOf(REVIEWS_BY_TYPE),
        })
        .figure(FigureDefinition {
            key: THEMES,
            version: 1,
            title: "Learning events showing each theme",
            definition: "For each theme, the number of learning reviews held in the period with at least one \
                         finding (not archived) tagged with it; a review counts once per theme however many of \
                         its findings carry it.",
            compute: themes,
        })
        .figure(FigureDefinition {
            key: NOTIFICATIONS,
            version: 1,
            title: "Serious incident notifications",
            definition: "Serious incident notifications (not archived) whose notification to the national Panel \
                         is dated in the period.",
            compute: notifications,
        })
        .figure(FigureDefinition {
            key: RAPID_REVIEW_DAYS,
            version: 1,
            title: "Working days of the rapid review clock",
            definition: "For each notification whose rapid review clock ran in the period (notified on or before \
                         its end, the rapid review not sent to the Panel before its start): working days from \
                         notification to the rapid review being sent to the Panel, or, while not yet sent, to the \
                         period's end (today while the period runs), skipping weekends and England and Wales bank \
                         holidays.",
            compute: rapid_review_days,
        })
        .figure(FigureDefinition {
            key: RAPID_REVIEWS_ON_TIME,
            version: 1,
            title: "Rapid reviews sent to the Panel on time",
            definition: "Rapid reviews sent to the national Panel in the period within fifteen working days of \
                         the notification, out of all rapid reviews sent in the period.",
            compute: rapid_reviews_on_time,
        })
        .figure(FigureDefinition {
            key: TRIAGED,
            version: 1,
            title: "National review recommendations triaged",
            definition: "Recommendations of national and other areas' reviews (not archived) given a local \
                         triage decision in the period, by the date the decision was recorded.",
            compute: triaged,
        })
        .figure(FigureDefinition {
            key: TRIAGED_BY_DECISION,
            version: 1,
            title: "National review recommendations triaged, by decision",
            definition: "The recommendations triaged in the period, by the decision recorded: applies here, \
                         already covered, not applicable.",
            compute: triaged_by_decision,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(TRIAGED),
            parts: Parts::EveryInstanceOf(TRIAGED_BY_DECISION),
        })
        .figure(FigureDefinition {
            key: REVIEWS_UNDER_WAY,
            version: 1,
            title: "Learning reviews under way",
            definition: "Learning reviews (not archived) open at some time in the period: started on or before \
                         its end and not completed before its start.",
            compute: reviews_under_way,
        })
        .figure(FigureDefinition {
            key: REVIEW_DAYS,
            version: 1,
            title: "Days a learning review has taken",
            definition: "For each learning review under way in the period, calendar days from its start to its \
                         completion, or, while still open, to the period's end (today while the period runs).",
            compute: review_days,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::AtAGlance),
            module: "learning",
            heading: Some("Learning from reviews"),
            build: at_a_glance,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::LearningFromCaseReviews),
            module: "learning",
            heading: Some("Learning reviews"),
            build: learning_from_case_reviews,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Quarterly(QuarterlySection::ReviewsUnderWay),
            module: "learning",
            heading: None,
            build: reviews_under_way_section,
        })
}

// ---- the rules (pure) ----

/// The day "as at" figures are read on: the period's last day, or today while it runs.
pub fn as_at(period: ReportPeriod, today: Date) -> Date {
    period.end().min(today)
}

/// Whether a review counts as held in the period: completed in it, or started in it and still
/// open at its end.
pub fn held_in(review: &LearningReview, period: ReportPeriod) -> bool {
    match review.completed_on {
        Some(done) if period.contains(done) => true,
        Some(done) if done < period.start() => false,
        _ => period.contains(review.started_on),
    }
}

/// Whether a review was open at some time in the period.
pub fn under_way_in(review: &LearningReview, period: ReportPeriod) -> bool {
    review.started_on <= period.end()
        && review
            .completed_on
            .is_none_or(|done| done >= period.start())
}

/// The rapid review clock of a notification as it stood on `as_at` (dates recorded after that
/// day not yet known): None when it did not run in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RapidClock {
    pub notified: Date,
    pub sent: Option<Date>,
    pub due: Date,
    pub working_days: i64,
    pub state: ClockState,
}

impl RapidClock {
    pub fn on_time(&self) -> bool {
        matches!(self.state, ClockState::Met { .. })
    }

    /// The clock's state in words ("Met", "Met late", "Running", "Breached").
    pub fn state_words(&self) -> &'static str {
        model::Clock {
            name: "",
            state: self.state,
        }
        .tag_text()
    }
}

pub fn rapid_clock(
    incident: &SeriousIncident,
    calendar: &Calendar,
    period: ReportPeriod,
    today: Date,
) -> Option<RapidClock> {
    let as_at = as_at(period, today);
    let notified = incident.notified_on.filter(|day| *day <= as_at)?;
    let sent = incident
        .rapid_review_completed_on
        .filter(|day| *day <= as_at);
    if sent.is_some_and(|day| day < period.start()) {
        return None;
    }
    let mut as_seen = incident.clone();
    as_seen.notified_on = Some(notified);
    as_seen.rapid_review_completed_on = sent;
    let state = model::clocks(&as_seen, calendar, as_at)[1].state;
    let due = match state {
        ClockState::Running { due, .. }
        | ClockState::Breached { due, .. }
        | ClockState::Met { due, .. }
        | ClockState::MetLate { due, .. } => due,
        ClockState::NotStarted => return None,
    };
    Some(RapidClock {
        notified,
        sent,
        due,
        working_days: calendar.working_days_between(notified, sent.unwrap_or(as_at)),
        state,
    })
}

/// One theme across the period's reviews: the reviews (id, reference) whose findings carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeInPeriod {
    pub theme_id: model::ThemeId,
    pub name: String,
    /// (review id, its findings carrying the theme)
    pub reviews: BTreeMap<i64, Vec<i64>>,
}

/// The themes of the findings of the reviews given (those held in the period), most reviews
/// first, then by name.
pub fn themes_of(tags: &[model::ThemeTag], reviews: &[&LearningReview]) -> Vec<ThemeInPeriod> {
    let mut themes: Vec<ThemeInPeriod> = Vec::new();
    for tag in tags {
        if !reviews.iter().any(|review| review.id == tag.review_id) {
            continue;
        }
        let index = match themes.iter().position(|t| t.theme_id == tag.theme_id) {
            Some(index) => index,
            None => {
                themes.push(ThemeInPeriod {
                    theme_id: tag.theme_id,
                    name: tag.theme_name.clone(),
                    reviews: BTreeMap::new(),
                });
                themes.len() - 1
            }
        };
        let findings = themes[index]
            .reviews
            .entry(tag.review_id.get())
            .or_default();
        if !findings.contains(&tag.finding_id.get()) {
            findings.push(tag.finding_id.get());
        }
    }
    themes.sort_by(|a, b| {
        b.reviews
            .len()
            .cmp(&a.reviews.len())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    themes
}

// ---- records ----

fn review_href(review: &LearningReview) -> String {
    format!("/learning/reviews/{}", review.id)
}

fn review_record(review: &LearningReview) -> RecordRef {
    RecordRef::new(
        "learning review",
        review.id.get(),
        review.label(),
        review_href(review),
        format!(
            "{}|{}|{}|{}",
            review.review_type.code(),
            review.status.code(),
            review.started_on,
            review
                .completed_on
                .map_or_else(String::new, |d| d.to_string())
        ),
    )
}

fn incident_label(incident: &SeriousIncident) -> String {
    format!("{} ({})", incident.reference, incident.subject)
}

fn incident_record(incident: &SeriousIncident) -> RecordRef {
    let date = |d: Option<Date>| d.map_or_else(String::new, |d| d.to_string());
    RecordRef::new(
        "serious incident notification",
        incident.id.get(),
        incident_label(incident),
        format!("/learning/notifications/{}", incident.id),
        format!(
            "{}|{}|{}",
            incident.became_aware_on,
            date(incident.notified_on),
            date(incident.rapid_review_completed_on)
        ),
    )
}

// ---- loading ----

async fn reviews_held_in(
    scope: Scope<'_>,
    period: ReportPeriod,
) -> Result<Vec<LearningReview>, sqlx::Error> {
    let mut reviews: Vec<LearningReview> = store::list_reviews(scope, None, None)
        .await?
        .into_iter()
        .filter(|review| held_in(review, period))
        .collect();
    reviews.sort_by(|a, b| {
        a.period_date()
            .cmp(&b.period_date())
            .then(a.reference.cmp(&b.reference))
    });
    Ok(reviews)
}

async fn reviews_under_way_in(
    scope: Scope<'_>,
    period: ReportPeriod,
) -> Result<Vec<LearningReview>, sqlx::Error> {
    let mut reviews: Vec<LearningReview> = store::list_reviews(scope, None, None)
        .await?
        .into_iter()
        .filter(|review| under_way_in(review, period))
        .collect();
    reviews.sort_by(|a, b| a.started_on.cmp(&b.started_on).then(a.id.cmp(&b.id)));
    Ok(reviews)
}

/// The notifications whose rapid review clock ran in the period, oldest notification first.
async fn rapid_clocks(
    scope: Scope<'_>,
    period: ReportPeriod,
) -> Result<Vec<(SeriousIncident, RapidClock)>, sqlx::Error> {
    let calendar = super::calendar(scope.db()).await?;
    let today = crate::kernel::text::today();
    let mut clocks: Vec<(SeriousIncident, RapidClock)> = store::list_incidents(scope)
        .await?
        .into_iter()
        .filter_map(|incident| {
            rapid_clock(&incident, &calendar, period, today).map(|clock| (incident, clock))
        })
        .collect();
    clocks.sort_by(|a, b| a.1.notified.cmp(&b.1.notified).then(a.0.id.cmp(&b.0.id)));
    Ok(clocks)
}

async fn themes_in(
    scope: Scope<'_>,
    period: ReportPeriod,
) -> Result<(Vec<LearningReview>, Vec<ThemeInPeriod>), sqlx::Error> {
    let reviews = reviews_held_in(scope, period).await?;
    let tags = store::theme_tags(scope).await?;
    let held: Vec<&LearningReview> = reviews.iter().collect();
    let themes = themes_of(&tags, &held);
    Ok((reviews, themes))
}

fn triaged_on(recommendation: &model::Recommendation) -> Option<Date> {
    recommendation
        .triaged_at
        .as_deref()
        .and_then(|text| text.get(..10))
        .and_then(crate::kernel::text::parse_iso_date)
}

async fn triaged_in(
    scope: Scope<'_>,
    period: ReportPeriod,
) -> Result<Vec<(model::Recommendation, TriageDecision)>, sqlx::Error> {
    Ok(store::triaged_recommendations(scope)
        .await?
        .into_iter()
        .filter(|r| triaged_on(r).is_some_and(|day| period.contains(day)))
        .filter_map(|r| r.triage_decision.map(|decision| (r, decision)))
        .collect())
}

fn triage_record(recommendation: &model::Recommendation, decision: TriageDecision) -> RecordRef {
    RecordRef::new(
        "national review recommendation",
        recommendation.id.get(),
        model::shortened(&recommendation.recommendation, 80),
        format!(
            "/learning/triage/{}#recommendation-{}",
            recommendation.national_review_id, recommendation.id
        ),
        format!(
            "{}|{}",
            decision.code(),
            recommendation.triaged_at.as_deref().unwrap_or("")
        ),
    )
}

// ---- figures ----

fn reviews_held<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let reviews = reviews_held_in(scope, period).await?;
        Ok(vec![Figure::count(
            "",
            "Learning reviews held",
            reviews.iter().map(review_record).collect(),
        )])
    })
}

fn reviews_by_type<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let reviews = reviews_held_in(scope, period).await?;
        Ok(ReviewType::ALL
            .into_iter()
            .map(|kind| {
                Figure::count(
                    kind.code(),
                    kind.label(),
                    reviews
                        .iter()
                        .filter(|review| review.review_type == kind)
                        .map(review_record)
                        .collect(),
                )
            })
            .collect())
    })
}

fn themes<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let (reviews, themes) = themes_in(scope, period).await?;
        Ok(themes
            .into_iter()
            .map(|theme| {
                let records = reviews
                    .iter()
                    .filter_map(|review| {
                        let findings = theme.reviews.get(&review.id.get())?;
                        let mut record = review_record(review);
                        record.fingerprint = format!(
                            "{}|findings {}",
                            record.fingerprint,
                            findings
                                .iter()
                                .map(i64::to_string)
                                .collect::<Vec<_>>()
                                .join(",")
                        );
                        Some(record)
                    })
                    .collect();
                Figure::count(theme.theme_id.to_string(), theme.name, records)
            })
            .collect())
    })
}

fn notifications<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let mut incidents: Vec<SeriousIncident> = store::list_incidents(scope)
            .await?
            .into_iter()
            .filter(|i| i.notified_on.is_some_and(|day| period.contains(day)))
            .collect();
        incidents.reverse();
        Ok(vec![Figure::count(
            "",
            "Serious incident notifications",
            incidents.iter().map(incident_record).collect(),
        )])
    })
}

fn rapid_review_days<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        Ok(rapid_clocks(scope, period)
            .await?
            .into_iter()
            .map(|(incident, clock)| {
                Figure::value(
                    incident.id.to_string(),
                    incident_label(&incident),
                    Some(clock.working_days as f64),
                    Unit::Days { working: true },
                    vec![incident_record(&incident)],
                )
            })
            .collect())
    })
}

fn rapid_reviews_on_time<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let sent: Vec<(SeriousIncident, RapidClock)> = rapid_clocks(scope, period)
            .await?
            .into_iter()
            .filter(|(_, clock)| clock.sent.is_some_and(|day| period.contains(day)))
            .collect();
        let on_time = sent.iter().filter(|(_, clock)| clock.on_time()).count() as i64;
        Ok(vec![Figure::rate(
            "",
            "Rapid reviews sent to the Panel within fifteen working days",
            on_time,
            sent.len() as i64,
            0,
            sent.iter()
                .map(|(incident, _)| incident_record(incident))
                .collect(),
        )])
    })
}

fn triaged<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let triaged = triaged_in(scope, period).await?;
        Ok(vec![Figure::count(
            "",
            "National review recommendations triaged",
            triaged
                .iter()
                .map(|(r, decision)| triage_record(r, *decision))
                .collect(),
        )])
    })
}

fn triaged_by_decision<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let triaged = triaged_in(scope, period).await?;
        Ok(TriageDecision::ALL
            .into_iter()
            .map(|wanted| {
                Figure::count(
                    wanted.code(),
                    wanted.label(),
                    triaged
                        .iter()
                        .filter(|(_, decision)| *decision == wanted)
                        .map(|(r, decision)| triage_record(r, *decision))
                        .collect(),
                )
            })
            .collect())
    })
}

fn reviews_under_way<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let reviews = reviews_under_way_in(scope, period).await?;
        Ok(vec![Figure::count(
            "",
            "Learning reviews under way",
            reviews.iter().map(review_record).collect(),
        )])
    })
}

/// Calendar days a review has taken, as at the period's end.
fn days_taken(review: &LearningReview, period: ReportPeriod, today: Date) -> i64 {
    let as_at = as_at(period, today);
    let end = review
        .completed_on
        .filter(|day| *day <= as_at)
        .unwrap_or(as_at);
    (end - review.started_on).whole_days().max(0)
}

fn review_days<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let today = crate::kernel::text::today();
        Ok(reviews_under_way_in(scope, period)
            .await?
            .into_iter()
            .map(|review| {
                Figure::value(
                    review.id.to_string(),
                    review.label(),
                    Some(days_taken(&review, period, today) as f64),
                    Unit::Days { working: false },
                    vec![review_record(&review)],
                )
            })
            .collect())
    })
}

// ---- sections ----

fn review_name(review: &LearningReview) -> String {
    format!("{} for {}", review.review_type.label(), review.subject)
}

fn at_a_glance<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let _ = input;
        Ok(vec![Block::Paragraph {
            content: vec![
                Inline::text("Learning reviews held: "),
                Inline::figure(FigureRef::single(REVIEWS_HELD)),
                Inline::text(". Serious incident notifications to the national Panel: "),
                Inline::figure(FigureRef::single(NOTIFICATIONS)),
                Inline::text(". Rapid reviews sent to the Panel on time: "),
                Inline::figure(FigureRef::single(RAPID_REVIEWS_ON_TIME)),
                Inline::text("."),
            ],
        }])
    })
}

fn rapid_review_table(clocks: &[(SeriousIncident, RapidClock)]) -> Block {
    let text = |words: &'static str| vec![Inline::text(words)];
    Block::Table {
        caption: text(
            "Rapid reviews and their statutory clock (fifteen working days from notification)",
        ),
        headers: vec![
            text("Notification"),
            text("Notified"),
            text("Due"),
            text("Sent to the Panel"),
            text("Working days"),
            text("Clock"),
        ],
        rows: clocks
            .iter()
            .map(|(incident, clock)| {
                vec![
                    vec![Inline::link(
                        incident_label(incident),
                        format!("/learning/notifications/{}", incident.id),
                    )],
                    vec![Inline::data(long_date(clock.notified))],
                    vec![Inline::data(long_date(clock.due))],
                    match clock.sent {
                        Some(day) => vec![Inline::data(long_date(day))],
                        None => text("Not yet"),
                    },
                    vec![Inline::figure(FigureRef::of(
                        RAPID_REVIEW_DAYS,
                        incident.id.to_string(),
                    ))],
                    text(clock.state_words()),
                ]
            })
            .collect(),
        numeric: vec![false, false, false, false, true, false],
    }
}

fn learning_from_case_reviews<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (reviews, themes) = themes_in(input.scope, input.period).await?;
        let clocks = rapid_clocks(input.scope, input.period).await?;
        let mut blocks = vec![Block::Paragraph {
            content: vec![
                Inline::text("Local child safeguarding practice reviews held in the period: "),
                Inline::figure(FigureRef::of(REVIEWS_BY_TYPE, ReviewType::LocalCspr.code())),
                Inline::text(". During the period the partnership held "),
                Inline::figure(FigureRef::single(REVIEWS_HELD)),
                Inline::text(" learning reviews."),
            ],
        }];
        if reviews.is_empty() {
            blocks.push(Block::Notice {
                content: vec![Inline::text(
                    "No learning review was completed or started in the period.",
                )],
            });
        } else {
            blocks.push(Block::List {
                items: reviews
                    .iter()
                    .map(|review| {
                        let mut item = vec![Inline::link(review_name(review), review_href(review))];
                        match review.completed_on.filter(|day| *day <= input.period.end()) {
                            Some(day) => {
                                item.push(Inline::text(", completed "));
                                item.push(Inline::data(long_date(day)));
                            }
                            None => {
                                item.push(Inline::text(", still under way at the period's end"))
                            }
                        }
                        item
                    })
                    .collect(),
            });
            let text = |words: &'static str| vec![Inline::text(words)];
            blocks.push(Block::Table {
                caption: text("Learning reviews held, by type"),
                headers: vec![text("Type of review"), text("Reviews")],
                rows: ReviewType::ALL
                    .into_iter()
                    .filter(|kind| reviews.iter().any(|r| r.review_type == *kind))
                    .map(|kind| {
                        vec![
                            text(kind.label()),
                            vec![Inline::figure(FigureRef::of(REVIEWS_BY_TYPE, kind.code()))],
                        ]
                    })
                    .collect(),
                numeric: vec![false, true],
            });
        }
        blocks.push(Block::Heading {
            text: vec![Inline::text("Themes")],
        });
        let repeated: Vec<&ThemeInPeriod> = themes
            .iter()
            .filter(|theme| theme.reviews.len() > 1)
            .collect();
        if repeated.is_empty() {
            blocks.push(Block::Notice {
                content: vec![Inline::text(
                    "No theme was evident in more than one learning event in the period.",
                )],
            });
        } else {
            blocks.push(Block::BarChart {
                title: vec![Inline::text(
                    "Themes evident in more than one learning event",
                )],
                bars: repeated
                    .iter()
                    .map(|theme| Bar {
                        label: theme.name.clone(),
                        figure: FigureRef::of(THEMES, theme.theme_id.to_string()),
                    })
                    .collect(),
            });
            let mut content = vec![Inline::text(if repeated.len() > 1 {
                "The themes that occurred most frequently were "
            } else {
                "The theme that occurred most frequently was "
            })];
            for (index, theme) in repeated.iter().take(2).enumerate() {
                if index > 0 {
                    content.push(Inline::text(" and "));
                }
                content.push(Inline::data(theme.name.clone()));
                content.push(Inline::text(" ("));
                content.push(Inline::figure(FigureRef::of(
                    THEMES,
                    theme.theme_id.to_string(),
                )));
                content.push(Inline::text(" learning events)"));
            }
            content.push(Inline::text("."));
            blocks.push(Block::Paragraph { content });
        }
        blocks.push(Block::Heading {
            text: vec![Inline::text("Rapid reviews")],
        });
        blocks.push(Block::Paragraph {
            content: vec![
                Inline::text("Serious incident notifications to the national Panel in the period: "),
                Inline::figure(FigureRef::single(NOTIFICATIONS)),
                Inline::text(". Rapid reviews sent to the Panel within fifteen working days of notification: "),
                Inline::figure(FigureRef::single(RAPID_REVIEWS_ON_TIME)),
                Inline::text("."),
            ],
        });
        if clocks.is_empty() {
            blocks.push(Block::Notice {
                content: vec![Inline::text("No rapid review clock ran in the period.")],
            });
        } else {
            blocks.push(rapid_review_table(&clocks));
        }
        let rapid: Vec<&LearningReview> = reviews
            .iter()
            .filter(|review| review.is_rapid_review() && review.completed_on.is_some())
            .collect();
        if !rapid.is_empty() {
            blocks.push(Block::List {
                items: rapid
                    .iter()
                    .map(|review| {
                        let mut item = vec![
                            Inline::link(review_name(review), review_href(review)),
                            Inline::text(": decision, "),
                            Inline::data(review.decision_label()),
                        ];
                        if !review.panel_response.trim().is_empty() {
                            item.push(Inline::text(". The national Panel's response: "));
                            item.push(Inline::data(review.panel_response.trim()));
                        }
                        item
                    })
                    .collect(),
            });
        }
        blocks.push(Block::Heading {
            text: vec![Inline::text("National and other areas' reviews")],
        });
        blocks.push(Block::Paragraph {
            content: vec![
                Inline::text(
                    "Recommendations of national and other areas' reviews triaged in the period: ",
                ),
                Inline::figure(FigureRef::single(TRIAGED)),
                Inline::text(" (applies here: "),
                Inline::figure(FigureRef::of(
                    TRIAGED_BY_DECISION,
                    TriageDecision::Applies.code(),
                )),
                Inline::text("; already covered: "),
                Inline::figure(FigureRef::of(
                    TRIAGED_BY_DECISION,
                    TriageDecision::AlreadyCovered.code(),
                )),
                Inline::text("; not applicable: "),
                Inline::figure(FigureRef::of(
                    TRIAGED_BY_DECISION,
                    TriageDecision::NotApplicable.code(),
                )),
                Inline::text(")."),
            ],
        });
        Ok(blocks)
    })
}

fn reviews_under_way_section<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let reviews = reviews_under_way_in(input.scope, input.period).await?;
        let clocks = rapid_clocks(input.scope, input.period).await?;
        let today = crate::kernel::text::today();
        let as_at = as_at(input.period, today);
        let mut blocks = vec![Block::Paragraph {
            content: vec![
                Inline::text("Learning reviews under way in the quarter: "),
                Inline::figure(FigureRef::single(REVIEWS_UNDER_WAY)),
                Inline::text(". Serious incident notifications to the national Panel: "),
                Inline::figure(FigureRef::single(NOTIFICATIONS)),
                Inline::text("."),
            ],
        }];
        if reviews.is_empty() {
            blocks.push(Block::Notice {
                content: vec![Inline::text(
                    "No learning review was under way in the quarter.",
                )],
            });
        } else {
            let text = |words: &'static str| vec![Inline::text(words)];
            blocks.push(Block::Table {
                caption: text("Learning reviews under way in the quarter"),
                headers: vec![
                    text("Review"),
                    text("Started"),
                    text("Completed"),
                    text("Days taken"),
                ],
                rows: reviews
                    .iter()
                    .map(|review| {
                        vec![
                            vec![Inline::link(review_name(review), review_href(review))],
                            vec![Inline::data(long_date(review.started_on))],
                            match review.completed_on.filter(|day| *day <= as_at) {
                                Some(day) => vec![Inline::data(long_date(day))],
                                None => text("Still open"),
                            },
                            vec![Inline::figure(FigureRef::of(
                                REVIEW_DAYS,
                                review.id.to_string(),
                            ))],
                        ]
                    })
                    .collect(),
                numeric: vec![false, false, false, true],
            });
        }
        if clocks.is_empty() {
            blocks.push(Block::Notice {
                content: vec![Inline::text("No rapid review clock ran in the quarter.")],
            });
        } else {
            blocks.push(rapid_review_table(&clocks));
        }
        Ok(blocks)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::ReviewId;
    use crate::learning::model::ReviewStatus;
    use time::macros::date;

    fn review(started_on: Date, completed_on: Option<Date>) -> LearningReview {
        LearningReview {
            id: ReviewId::new(1),
            reference: "LC-1".into(),
            review_type: ReviewType::LearningCircle,
            subject: "Child M".into(),
            serious_incident_id: None,
            chair_role: String::new(),
            summary: String::new(),
            started_on,
            completed_on,
            panel_response: String::new(),
            decision: String::new(),
            decision_rationale: String::new(),
            status: if completed_on.is_some() {
                ReviewStatus::Completed
            } else {
                ReviewStatus::InProgress
            },
            archived_at: None,
        }
    }

    #[test]
    fn a_review_counts_where_it_completed_or_where_it_started_while_open() {
        let year = ReportPeriod::financial_year(2024);
        let next = ReportPeriod::financial_year(2025);
        let done_in_year = review(date!(2024 - 05 - 08), Some(date!(2024 - 06 - 19)));
        assert!(held_in(&done_in_year, year));
        assert!(!held_in(&done_in_year, next));
        let across = review(date!(2025 - 02 - 01), Some(date!(2025 - 05 - 01)));
        assert!(held_in(&across, year), "open at the year's end");
        assert!(held_in(&across, next), "completed in the next");
        assert!(!held_in(&across, ReportPeriod::financial_year(2023)));
        let open = review(date!(2025 - 02 - 01), None);
        assert!(held_in(&open, year));
        assert!(!held_in(&open, next));
        assert!(under_way_in(&open, next));
        assert!(!under_way_in(
            &done_in_year,
            ReportPeriod::quarter(2024, 3).unwrap()
        ));
        assert!(under_way_in(
            &done_in_year,
            ReportPeriod::quarter(2024, 1).unwrap()
        ));
    }

    #[test]
    fn the_rapid_review_clock_is_read_as_at_the_period_end() {
        let calendar = Calendar::england_and_wales();
        let incident = SeriousIncident {
            id: crate::kernel::ids::IncidentId::new(3),
            reference: "SIN-2025-03".into(),
            subject: "Child N".into(),
            summary: String::new(),
            became_aware_on: date!(2025 - 03 - 10),
            notified_on: Some(date!(2025 - 03 - 13)),
            rapid_review_completed_on: Some(date!(2025 - 03 - 31)),
            local_review_decided_on: None,
            local_review_published_on: None,
            archived_at: None,
        };
        let today = date!(2026 - 12 - 07);
        let year = ReportPeriod::financial_year(2024);
        let clock = rapid_clock(&incident, &calendar, year, today).unwrap();
        assert_eq!(clock.due, date!(2025 - 04 - 03));
        assert_eq!(clock.working_days, 12);
        assert!(clock.on_time());
        // In the year before, the clock had not started.
        assert_eq!(
            rapid_clock(
                &incident,
                &calendar,
                ReportPeriod::financial_year(2023),
                today
            ),
            None
        );
        // In the year after, it had finished before the year began.
        assert_eq!(
            rapid_clock(
                &incident,
                &calendar,
                ReportPeriod::financial_year(2025),
                today
            ),
            None
        );
        // In the quarter of the notification, before it was sent, it was still running...
        let mut late = incident.clone();
        late.rapid_review_completed_on = Some(date!(2025 - 04 - 30));
        let q4 = ReportPeriod::quarter(2024, 4).unwrap();
        let running = rapid_clock(&late, &calendar, q4, today).unwrap();
        assert_eq!(running.sent, None);
        assert!(matches!(running.state, ClockState::Running { .. }));
        // ...and sent late in the next.
        let q1 = ReportPeriod::quarter(2025, 1).unwrap();
        let sent = rapid_clock(&late, &calendar, q1, today).unwrap();
        assert!(!sent.on_time());
        assert_eq!(sent.state_words(), "Met late");
    }
}
