//! The tracker's part of the reports (kernel::report): recommendations and actions, where the
//! actions stood at the period's end, how many were completed on time, evidenced and revisited,
//! and the overdue ones. Yearly section 8 ("What happened to the recommendations"), yearly
//! section 6 (actions completed against overdue), and the quarterly "Overdue actions".
//!
//! "As at" the period's end (or today, while the period runs) is read from the actions' dates:
//! an action exists from the day it was recorded; it is closed from its closing date and
//! complete from its completion date; an open action past its due date is overdue; otherwise its
//! status is the one its last update on or before that day left. An action reopened after a
//! revisit loses its earlier completion date, and its earlier due date is not kept: for those
//! the tracker holds no history to answer "as at", and the current dates are used.

use std::collections::HashMap;

use time::Date;

use super::model::{ActionStatus, Recommendation, SourceKind, TrackerAction};
use super::store::{self, DatedUpdate};
use crate::kernel::Scope;
use crate::kernel::ids::ActionId;
use crate::kernel::report::{
    Block, Figure, FigureCheck, FigureDefinition, FigureFuture, FigureRef, Inline, Parts,
    QuarterlySection, RecordRef, ReportContribution, ReportInput, ReportPeriod, SectionDefinition,
    SectionFuture, SectionSlot, Unit, YearlySection,
};
use crate::kernel::text::{long_date, parse_iso_date};

pub const RECOMMENDATIONS_MADE: &str = "tracker.recommendations_made";
pub const ACTIONS_AGREED: &str = "tracker.actions_agreed";
pub const ACTIONS_HELD: &str = "tracker.actions_held";
pub const ACTIONS_BY_STATUS: &str = "tracker.actions_by_status";
pub const COMPLETED_ON_TIME: &str = "tracker.actions_completed_on_time";
pub const IMPACT_EVIDENCED: &str = "tracker.actions_impact_evidenced";
pub const REVISITED: &str = "tracker.actions_revisited";
pub const DAYS_OVERDUE: &str = "tracker.action_days_overdue";
pub const RECOMMENDATIONS_BY_SOURCE: &str = "tracker.recommendations_by_source";
pub const ACTIONS_BY_SOURCE: &str = "tracker.actions_by_source";
pub const DONE_BY_SOURCE: &str = "tracker.actions_done_by_source";
pub const OVERDUE_BY_SOURCE: &str = "tracker.actions_overdue_by_source";
pub const RECOMMENDATIONS_HELD: &str = "tracker.recommendations_held";
pub const ACTIONS_DONE: &str = "tracker.actions_done";

pub fn report_contribution() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: RECOMMENDATIONS_MADE,
            version: 1,
            title: "Recommendations recorded",
            definition: "Recommendations (not archived) recorded on the improvement tracker in the period, \
                         from any source.",
            compute: recommendations_made,
        })
        .figure(FigureDefinition {
            key: ACTIONS_AGREED,
            version: 1,
            title: "Actions agreed",
            definition: "Actions (not archived, of recommendations not archived) recorded on the improvement \
                         tracker in the period.",
            compute: actions_agreed,
        })
        .figure(FigureDefinition {
            key: RECOMMENDATIONS_HELD,
            version: 1,
            title: "Recommendations on the tracker",
            definition: "Recommendations (not archived) recorded on or before the period's end (today while \
                         the period runs).",
            compute: recommendations_held,
        })
        .figure(FigureDefinition {
            key: ACTIONS_HELD,
            version: 1,
            title: "Actions on the tracker",
            definition: "Actions (not archived, of recommendations not archived) recorded on or before the \
                         period's end (today while the period runs).",
            compute: actions_held,
        })
        .figure(FigureDefinition {
            key: ACTIONS_BY_STATUS,
            version: 1,
            title: "Actions by status at the period's end",
            definition: "The actions on the tracker at the period's end by where they stood that day: closed \
                         with evidence (closing date on or before it), complete (completion date on or before \
                         it), overdue (open and past its due date), otherwise the status of its last update on \
                         or before it (not started, on track, at risk). An action reopened after a revisit is \
                         read with its current dates: the tracker keeps no earlier ones.",
            compute: actions_by_status,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(ACTIONS_HELD),
            parts: Parts::EveryInstanceOf(ACTIONS_BY_STATUS),
        })
        .figure(FigureDefinition {
            key: ACTIONS_DONE,
            version: 1,
            title: "Actions completed or closed",
            definition: "The actions on the tracker at the period's end that were complete or closed with \
                         evidence that day.",
            compute: actions_done,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(ACTIONS_DONE),
            parts: Parts::Figures(vec![
                FigureRef::of(ACTIONS_BY_STATUS, "complete"),
                FigureRef::of(ACTIONS_BY_STATUS, "closed_with_evidence"),
            ]),
        })
        .figure(FigureDefinition {
            key: COMPLETED_ON_TIME,
            version: 1,
            title: "Actions completed on time",
            definition: "Actions completed in the period (by their completion date) on or before their due \
                         date, out of all actions completed in the period.",
            compute: completed_on_time,
        })
        .figure(FigureDefinition {
            key: IMPACT_EVIDENCED,
            version: 1,
            title: "Actions closed with their impact evidenced",
            definition: "Actions closed in the period at a revisit that found their impact evidenced (they \
                         cannot be closed without evidence).",
            compute: impact_evidenced,
        })
        .figure(FigureDefinition {
            key: REVISITED,
            version: 1,
            title: "Actions revisited",
            definition: "Completed actions whose latest revisit (to judge their impact) is dated in the period; \
                         an action revisited more than once counts by its latest revisit only.",
            compute: revisited,
        })
        .figure(FigureDefinition {
            key: DAYS_OVERDUE,
            version: 1,
            title: "Days overdue",
            definition: "For each action overdue at the period's end (today while the period runs), the days \
                         from its due date to that day.",
            compute: days_overdue,
        })
        .figure(FigureDefinition {
            key: RECOMMENDATIONS_BY_SOURCE,
            version: 1,
            title: "Recommendations on the tracker, by source",
            definition: "The recommendations on the tracker at the period's end, by the kind of record they came \
                         from (a learning review, a national review, an audit, scrutiny, a meeting, a risk).",
            compute: recommendations_by_source,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(RECOMMENDATIONS_HELD),
            parts: Parts::EveryInstanceOf(RECOMMENDATIONS_BY_SOURCE),
        })
        .figure(FigureDefinition {
            key: ACTIONS_BY_SOURCE,
            version: 1,
            title: "Actions on the tracker, by source",
            definition: "The actions on the tracker at the period's end, by the kind of record their \
                         recommendation came from.",
            compute: actions_by_source,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(ACTIONS_HELD),
            parts: Parts::EveryInstanceOf(ACTIONS_BY_SOURCE),
        })
        .figure(FigureDefinition {
            key: DONE_BY_SOURCE,
            version: 1,
            title: "Actions completed or closed, by source",
            definition: "The actions complete or closed with evidence at the period's end, by the kind of record \
                         their recommendation came from.",
            compute: done_by_source,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(ACTIONS_DONE),
            parts: Parts::EveryInstanceOf(DONE_BY_SOURCE),
        })
        .figure(FigureDefinition {
            key: OVERDUE_BY_SOURCE,
            version: 1,
            title: "Actions overdue, by source",
            definition: "The actions overdue at the period's end, by the kind of record their recommendation \
                         came from.",
            compute: overdue_by_source,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::of(ACTIONS_BY_STATUS, "overdue"),
            parts: Parts::EveryInstanceOf(OVERDUE_BY_SOURCE),
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::AchievementsAndChallenges),
            module: "tracker",
            heading: Some("The improvement tracker"),
            build: achievements_section,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::LearningFromCaseReviews),
            module: "tracker",
            heading: Some("What happened to the recommendations"),
            build: recommendations_section,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Quarterly(QuarterlySection::OverdueActions),
            module: "tracker",
            heading: None,
            build: overdue_section,
        })
}

// ---- the rules (pure) ----

/// Where an action stood on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAt {
    NotStarted,
    OnTrack,
    AtRisk,
    Overdue { days: i64 },
    Complete,
    ClosedWithEvidence,
}

impl StatusAt {
    pub const CODES: [(&'static str, &'static str); 6] = [
        ("not_started", "Not started"),
        ("on_track", "On track"),
        ("at_risk", "At risk"),
        ("overdue", "Overdue"),
        ("complete", "Complete, awaiting revisit"),
        ("closed_with_evidence", "Closed with evidence"),
    ];

    pub fn code(self) -> &'static str {
        match self {
            StatusAt::NotStarted => "not_started",
            StatusAt::OnTrack => "on_track",
            StatusAt::AtRisk => "at_risk",
            StatusAt::Overdue { .. } => "overdue",
            StatusAt::Complete => "complete",
            StatusAt::ClosedWithEvidence => "closed_with_evidence",
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, StatusAt::Complete | StatusAt::ClosedWithEvidence)
    }
}

/// The date of a stored date or timestamp ("2025-04-01" or "2025-04-01T09:30:00Z").
fn day_of(text: &str) -> Option<Date> {
    text.get(..10).and_then(parse_iso_date)
}

/// The day "as at" figures are read on: the period's last day, or today while it runs.
pub fn as_at(period: ReportPeriod, today: Date) -> Date {
    period.end().min(today)
}

/// Where an action stood on `day` (None: not yet recorded). `updates` are its own, oldest first.
pub fn status_at(action: &TrackerAction, updates: &[&DatedUpdate], day: Date) -> Option<StatusAt> {
    if day_of(&action.created_at).is_some_and(|created| created > day) {
        return None;
    }
    let state = &action.state;
    if state.status == ActionStatus::ClosedWithEvidence
        && state.closed_on.is_some_and(|closed| closed <= day)
    {
        return Some(StatusAt::ClosedWithEvidence);
    }
    if state.completed_on.is_some_and(|done| done <= day) {
        return Some(StatusAt::Complete);
    }
    let last = updates
        .iter()
        .rev()
        .find(|update| day_of(&update.written_at).is_some_and(|written| written <= day))
        .and_then(|update| ActionStatus::from_code(&update.status_after));
    match last {
        Some(ActionStatus::ClosedWithEvidence) => return Some(StatusAt::ClosedWithEvidence),
        Some(ActionStatus::Complete) => return Some(StatusAt::Complete),
        _ => {}
    }
    if day > state.due_on {
        return Some(StatusAt::Overdue {
            days: (day - state.due_on).whole_days(),
        });
    }
    Some(match last {
        Some(ActionStatus::OnTrack) => StatusAt::OnTrack,
        Some(ActionStatus::AtRisk) => StatusAt::AtRisk,
        _ => StatusAt::NotStarted,
    })
}

// ---- loading ----

/// The actions on the tracker on the period's "as at" day, each with where it stood.
async fn actions_at(
    scope: Scope<'_>,
    period: ReportPeriod,
) -> Result<Vec<(TrackerAction, StatusAt)>, sqlx::Error> {
    let day = as_at(period, crate::kernel::text::today());
    let updates = store::updates_of_partnership(scope).await?;
    let mut by_action: HashMap<ActionId, Vec<&DatedUpdate>> = HashMap::new();
    for update in &updates {
        by_action.entry(update.action_id).or_default().push(update);
    }
    let names = crate::partnership::organisation_names(scope).await?;
    Ok(store::list_actions(scope)
        .await?
        .into_iter()
        .filter_map(|mut action| {
            let status = status_at(
                &action,
                by_action.get(&action.id).map_or(&[][..], Vec::as_slice),
                day,
            )?;
            action.owner_organisation_name = names
                .get(&action.owner_organisation_id)
                .cloned()
                .unwrap_or_else(|| "An archived organisation".to_owned());
            Some((action, status))
        })
        .collect())
}

async fn recommendations_at(
    scope: Scope<'_>,
    period: ReportPeriod,
) -> Result<Vec<Recommendation>, sqlx::Error> {
    let day = as_at(period, crate::kernel::text::today());
    let mut recommendations: Vec<Recommendation> = store::list_recommendations(scope)
        .await?
        .into_iter()
        .filter(|r| day_of(&r.created_at).is_none_or(|created| created <= day))
        .collect();
    recommendations.reverse();
    Ok(recommendations)
}

fn action_record(action: &TrackerAction, status: Option<StatusAt>) -> RecordRef {
    let date = |d: Option<Date>| d.map_or_else(String::new, |d| d.to_string());
    RecordRef::new(
        "tracker action",
        action.id.get(),
        action.title.clone(),
        format!("/tracker/actions/{}", action.id),
        format!(
            "{}|{}|due {}|completed {}|closed {}|revisited {}|created {}",
            status.map_or("", StatusAt::code),
            action.state.status.code(),
            action.state.due_on,
            date(action.state.completed_on),
            date(action.state.closed_on),
            date(action.state.revisited_on),
            action.created_at.get(..10).unwrap_or(&action.created_at),
        ),
    )
}

fn recommendation_record(recommendation: &Recommendation) -> RecordRef {
    RecordRef::new(
        "tracker recommendation",
        recommendation.id.get(),
        format!(
            "{}: {}",
            recommendation.reference, recommendation.source_label
        ),
        format!("/tracker/recommendations/{}", recommendation.id),
        format!(
            "{}|{}",
            recommendation.source_kind.code(),
            recommendation
                .created_at
                .get(..10)
                .unwrap_or(&recommendation.created_at)
        ),
    )
}

// ---- figures ----

fn recommendations_made<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let made = recommendations_at(scope, period)
            .await?
            .into_iter()
            .filter(|r| day_of(&r.created_at).is_some_and(|day| period.contains(day)))
            .map(|r| recommendation_record(&r))
            .collect();
        Ok(vec![Figure::count("", "Recommendations recorded", made)])
    })
}

fn recommendations_held<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let held = recommendations_at(scope, period)
            .await?
            .iter()
            .map(recommendation_record)
            .collect();
        Ok(vec![Figure::count(
            "",
            "Recommendations on the tracker",
            held,
        )])
    })
}

fn actions_agreed<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let agreed = actions_at(scope, period)
            .await?
            .into_iter()
            .filter(|(a, _)| day_of(&a.created_at).is_some_and(|day| period.contains(day)))
            .map(|(a, status)| action_record(&a, Some(status)))
            .collect();
        Ok(vec![Figure::count("", "Actions agreed", agreed)])
    })
}

fn actions_held<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let held = actions_at(scope, period)
            .await?
            .into_iter()
            .map(|(a, status)| action_record(&a, Some(status)))
            .collect();
        Ok(vec![Figure::count("", "Actions on the tracker", held)])
    })
}

fn actions_by_status<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let actions = actions_at(scope, period).await?;
        Ok(StatusAt::CODES
            .iter()
            .map(|(code, label)| {
                Figure::count(
                    *code,
                    *label,
                    actions
                        .iter()
                        .filter(|(_, status)| status.code() == *code)
                        .map(|(a, status)| action_record(a, Some(*status)))
                        .collect(),
                )
            })
            .collect())
    })
}

fn actions_done<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let done = actions_at(scope, period)
            .await?
            .into_iter()
            .filter(|(_, status)| status.is_done())
            .map(|(a, status)| action_record(&a, Some(status)))
            .collect();
        Ok(vec![Figure::count("", "Actions completed or closed", done)])
    })
}

fn completed_on_time<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let completed: Vec<(TrackerAction, StatusAt)> = actions_at(scope, period)
            .await?
            .into_iter()
            .filter(|(a, _)| a.state.completed_on.is_some_and(|d| period.contains(d)))
            .collect();
        let on_time = completed
            .iter()
            .filter(|(a, _)| a.state.completed_on.is_some_and(|d| d <= a.state.due_on))
            .count() as i64;
        Ok(vec![Figure::rate(
            "",
            "Actions completed on time",
            on_time,
            completed.len() as i64,
            0,
            completed
                .iter()
                .map(|(a, status)| action_record(a, Some(*status)))
                .collect(),
        )])
    })
}

fn impact_evidenced<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let closed = actions_at(scope, period)
            .await?
            .into_iter()
            .filter(|(a, _)| {
                a.state.status == ActionStatus::ClosedWithEvidence
                    && a.state.closed_on.is_some_and(|d| period.contains(d))
            })
            .map(|(a, status)| action_record(&a, Some(status)))
            .collect();
        Ok(vec![Figure::count(
            "",
            "Actions closed with their impact evidenced",
            closed,
        )])
    })
}

fn revisited<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let revisited = actions_at(scope, period)
            .await?
            .into_iter()
            .filter(|(a, _)| a.state.revisited_on.is_some_and(|d| period.contains(d)))
            .map(|(a, status)| action_record(&a, Some(status)))
            .collect();
        Ok(vec![Figure::count("", "Actions revisited", revisited)])
    })
}

fn days_overdue<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        Ok(actions_at(scope, period)
            .await?
            .into_iter()
            .filter_map(|(a, status)| match status {
                StatusAt::Overdue { days } => Some(Figure::value(
                    a.id.to_string(),
                    a.title.clone(),
                    Some(days as f64),
                    Unit::Days { working: false },
                    vec![action_record(&a, Some(status))],
                )),
                _ => None,
            })
            .collect())
    })
}

fn recommendations_by_source<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let held = recommendations_at(scope, period).await?;
        Ok(SourceKind::ALL
            .into_iter()
            .map(|kind| {
                Figure::count(
                    kind.code(),
                    kind.label(),
                    held.iter()
                        .filter(|r| r.source_kind == kind)
                        .map(recommendation_record)
                        .collect(),
                )
            })
            .collect())
    })
}

async fn actions_by_source_where(
    scope: Scope<'_>,
    period: ReportPeriod,
    wanted: fn(StatusAt) -> bool,
) -> Result<Vec<Figure>, sqlx::Error> {
    let actions = actions_at(scope, period).await?;
    Ok(SourceKind::ALL
        .into_iter()
        .map(|kind| {
            Figure::count(
                kind.code(),
                kind.label(),
                actions
                    .iter()
                    .filter(|(a, status)| a.source_kind == kind && wanted(*status))
                    .map(|(a, status)| action_record(a, Some(*status)))
                    .collect(),
            )
        })
        .collect())
}

fn actions_by_source<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(actions_by_source_where(scope, period, |_| true))
}

fn done_by_source<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(actions_by_source_where(scope, period, StatusAt::is_done))
}

fn overdue_by_source<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(actions_by_source_where(scope, period, |status| {
        matches!(status, StatusAt::Overdue { .. })
    }))
}

// ---- sections ----

fn text(words: &'static str) -> Vec<Inline> {
    vec![Inline::text(words)]
}

fn status_table() -> Block {
    Block::Table {
        caption: text("Actions on the improvement tracker by status at the period's end"),
        headers: vec![text("Status"), text("Actions")],
        rows: StatusAt::CODES
            .iter()
            .map(|(code, label)| {
                vec![
                    text(label),
                    vec![Inline::figure(FigureRef::of(ACTIONS_BY_STATUS, *code))],
                ]
            })
            .chain(std::iter::once(vec![
                text("All actions"),
                vec![Inline::figure(FigureRef::single(ACTIONS_HELD))],
            ]))
            .collect(),
        numeric: vec![false, true],
    }
}

fn achievements_section<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let _ = input;
        Ok(vec![
            Block::Paragraph {
                content: vec![
                    Inline::text("In the period the partnership recorded "),
                    Inline::figure(FigureRef::single(RECOMMENDATIONS_MADE)),
                    Inline::text(" recommendations on its improvement tracker and agreed "),
                    Inline::figure(FigureRef::single(ACTIONS_AGREED)),
                    Inline::text(" actions. Of the "),
                    Inline::figure(FigureRef::single(ACTIONS_HELD)),
                    Inline::text(" actions on the tracker at the period's end, "),
                    Inline::figure(FigureRef::single(ACTIONS_DONE)),
                    Inline::text(" were complete or closed with evidence and "),
                    Inline::figure(FigureRef::of(ACTIONS_BY_STATUS, "overdue")),
                    Inline::text(" were overdue."),
                ],
            },
            Block::Paragraph {
                content: vec![
                    Inline::text("Actions completed on time: "),
                    Inline::figure(FigureRef::single(COMPLETED_ON_TIME)),
                    Inline::text(". Actions revisited to judge their impact: "),
                    Inline::figure(FigureRef::single(REVISITED)),
                    Inline::text("; closed with their impact evidenced: "),
                    Inline::figure(FigureRef::single(IMPACT_EVIDENCED)),
                    Inline::text("."),
                ],
            },
            status_table(),
        ])
    })
}

fn recommendations_section<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let recommendations = recommendations_at(input.scope, input.period).await?;
        let learning = [SourceKind::LearningReview, SourceKind::NationalReview];
        let mut blocks = vec![Block::Paragraph {
            content: vec![
                Inline::text(
                    "Following the learning reviews, recommendations were presented with their actions and \
                     recorded on the partnership's improvement tracker. At the period's end the tracker held ",
                ),
                Inline::figure(FigureRef::of(
                    RECOMMENDATIONS_BY_SOURCE,
                    SourceKind::LearningReview.code(),
                )),
                Inline::text(" recommendations from learning reviews, with "),
                Inline::figure(FigureRef::of(
                    ACTIONS_BY_SOURCE,
                    SourceKind::LearningReview.code(),
                )),
                Inline::text(" actions, of which "),
                Inline::figure(FigureRef::of(
                    DONE_BY_SOURCE,
                    SourceKind::LearningReview.code(),
                )),
                Inline::text(" were complete or closed with evidence and "),
                Inline::figure(FigureRef::of(
                    OVERDUE_BY_SOURCE,
                    SourceKind::LearningReview.code(),
                )),
                Inline::text(" overdue."),
            ],
        }];
        let from_learning: Vec<&Recommendation> = recommendations
            .iter()
            .filter(|r| learning.contains(&r.source_kind))
            .collect();
        if !from_learning.is_empty() {
            blocks.push(Block::List {
                items: from_learning
                    .iter()
                    .map(|r| {
                        vec![
                            Inline::link(
                                r.reference.clone(),
                                format!("/tracker/recommendations/{}", r.id),
                            ),
                            Inline::text(" (from "),
                            Inline::data(r.source_label.clone()),
                            Inline::text("): "),
                            Inline::data(r.recommendation.clone()),
                        ]
                    })
                    .collect(),
            });
        }
        let kinds: Vec<SourceKind> = SourceKind::ALL
            .into_iter()
            .filter(|kind| recommendations.iter().any(|r| r.source_kind == *kind))
            .collect();
        let figure = |key: &'static str, kind: SourceKind| {
            vec![Inline::figure(FigureRef::of(key, kind.code()))]
        };
        blocks.push(Block::Table {
            caption: text("Recommendations and their actions at the period's end, by source"),
            headers: vec![
                text("Source"),
                text("Recommendations"),
                text("Actions"),
                text("Complete or closed"),
                text("Overdue"),
            ],
            rows: kinds
                .into_iter()
                .map(|kind| {
                    vec![
                        text(kind.label()),
                        figure(RECOMMENDATIONS_BY_SOURCE, kind),
                        figure(ACTIONS_BY_SOURCE, kind),
                        figure(DONE_BY_SOURCE, kind),
                        figure(OVERDUE_BY_SOURCE, kind),
                    ]
                })
                .chain(std::iter::once(vec![
                    text("All sources"),
                    vec![Inline::figure(FigureRef::single(RECOMMENDATIONS_HELD))],
                    vec![Inline::figure(FigureRef::single(ACTIONS_HELD))],
                    vec![Inline::figure(FigureRef::single(ACTIONS_DONE))],
                    vec![Inline::figure(FigureRef::of(ACTIONS_BY_STATUS, "overdue"))],
                ]))
                .collect(),
            numeric: vec![false, true, true, true, true],
        });
        Ok(blocks)
    })
}

fn overdue_section<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let mut overdue: Vec<(TrackerAction, i64)> = actions_at(input.scope, input.period)
            .await?
            .into_iter()
            .filter_map(|(a, status)| match status {
                StatusAt::Overdue { days } => Some((a, days)),
                _ => None,
            })
            .collect();
        overdue.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
        let mut blocks = vec![Block::Paragraph {
            content: vec![
                Inline::text("Actions overdue at the quarter's end: "),
                Inline::figure(FigureRef::of(ACTIONS_BY_STATUS, "overdue")),
                Inline::text(", of "),
                Inline::figure(FigureRef::single(ACTIONS_HELD)),
                Inline::text(" actions on the improvement tracker."),
            ],
        }];
        if overdue.is_empty() {
            blocks.push(Block::Notice {
                content: text("No action was overdue at the quarter's end."),
            });
        } else {
            blocks.push(Block::Table {
                caption: text("Actions overdue at the quarter's end, longest overdue first"),
                headers: vec![
                    text("Action"),
                    text("Recommendation"),
                    text("Owner"),
                    text("Due"),
                    text("Days overdue"),
                ],
                rows: overdue
                    .iter()
                    .map(|(a, _)| {
                        vec![
                            vec![Inline::link(
                                a.title.clone(),
                                format!("/tracker/actions/{}", a.id),
                            )],
                            vec![Inline::data(a.recommendation_reference.clone())],
                            vec![Inline::data(a.owner_organisation_name.clone())],
                            vec![Inline::data(long_date(a.state.due_on))],
                            vec![Inline::figure(FigureRef::of(
                                DAYS_OVERDUE,
                                a.id.to_string(),
                            ))],
                        ]
                    })
                    .collect(),
                numeric: vec![false, false, false, false, true],
            });
        }
        Ok(blocks)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::{OrganisationId, RecommendationId};
    use crate::tracker::model::ActionState;
    use time::macros::date;

    fn action(created: &str, state: ActionState) -> TrackerAction {
        TrackerAction {
            id: ActionId::new(7),
            recommendation_id: RecommendationId::new(1),
            recommendation_reference: "REC-1".into(),
            source_kind: SourceKind::Audit,
            source_label: String::new(),
            priority_item_id: None,
            priority_title: None,
            title: "An action".into(),
            owner_organisation_id: OrganisationId::new(1),
            owner_organisation_name: String::new(),
            owner_person_id: None,
            owner_person_name: None,
            owner_person_email: None,
            overseeing_group_id: None,
            overseeing_group_name: None,
            impact_indicator_id: None,
            impact_indicator_name: None,
            impact_measure: String::new(),
            state,
            evidence_count: 0,
            current_evidence: 0,
            created_at: created.into(),
        }
    }

    fn update(status: &str, written_at: &str) -> DatedUpdate {
        DatedUpdate {
            action_id: ActionId::new(7),
            kind: "progress".into(),
            status_after: status.into(),
            written_at: written_at.into(),
        }
    }

    #[test]
    fn an_action_is_read_as_it_stood_on_the_day() {
        let mut state = ActionState::new(date!(2025 - 01 - 31));
        state.status = ActionStatus::Complete;
        state.completed_on = Some(date!(2025 - 02 - 10));
        let done = action("2024-06-01T10:00:00Z", state);
        let on_track = update("on_track", "2024-07-01T09:00:00Z");
        let complete = update("complete", "2025-02-10T09:00:00Z");
        let updates = [&on_track, &complete];
        assert_eq!(status_at(&done, &updates, date!(2024 - 05 - 31)), None);
        assert_eq!(
            status_at(&done, &updates, date!(2024 - 06 - 30)),
            Some(StatusAt::NotStarted)
        );
        assert_eq!(
            status_at(&done, &updates, date!(2024 - 12 - 31)),
            Some(StatusAt::OnTrack)
        );
        assert_eq!(
            status_at(&done, &updates, date!(2025 - 02 - 03)),
            Some(StatusAt::Overdue { days: 3 })
        );
        assert_eq!(
            status_at(&done, &updates, date!(2025 - 03 - 31)),
            Some(StatusAt::Complete)
        );
        let mut closed_state = state;
        closed_state.status = ActionStatus::ClosedWithEvidence;
        closed_state.closed_on = Some(date!(2025 - 06 - 01));
        let closed = action("2024-06-01T10:00:00Z", closed_state);
        assert_eq!(
            status_at(&closed, &updates, date!(2025 - 03 - 31)),
            Some(StatusAt::Complete)
        );
        assert_eq!(
            status_at(&closed, &updates, date!(2025 - 06 - 30)),
            Some(StatusAt::ClosedWithEvidence)
        );
    }

    #[test]
    fn the_status_codes_cover_every_status() {
        for status in [
            StatusAt::NotStarted,
            StatusAt::OnTrack,
            StatusAt::AtRisk,
            StatusAt::Overdue { days: 1 },
            StatusAt::Complete,
            StatusAt::ClosedWithEvidence,
        ] {
            assert!(
                StatusAt::CODES
                    .iter()
                    .any(|(code, _)| *code == status.code())
            );
        }
    }
}
