//! The assurance module's part of the reports (kernel::report): the yearly report's "Quality
//! assurance" section (seed §9.1 and §9.2). For the s175 audit: the completion of the round that
//! opened in the year against the rounds before it, the share of answers met or exceeded,
//! partially met and not met, the share of schools that completed every action from the previous
//! audit, and each area's share of "exceeds". For the s11 audit: the agencies that completed
//! the round that opened in the year, and each standard's share met or exceeded.
//!
//! A round belongs to the period it opened in. Shares are over the judged graded answers of
//! submitted returns (not applicable and unanswered left out), as `grades::grade_shares` counts.

use std::sync::Arc;

use super::grades::{
    ACTIONS_PLACES, AREA_PLACES, Completion, GRADES_PLACES, Grade, RETURNS_PLACES, grade_shares,
};
use super::progress::completion_of;
use super::store::{self, GradedReturn, Round};
use crate::kernel::report::{
    Block, Figure, FigureDefinition, FigureFuture, FigureRef, Inline, RecordRef,
    ReportContribution, ReportInput, SectionDefinition, SectionFuture, SectionSlot, YearlySection,
};

pub const S175_COMPLETE: &str = "assurance.s175_complete";
pub const S175_PARTLY_COMPLETE: &str = "assurance.s175_partly_complete";
pub const S175_EARLIER_COMPLETE: &str = "assurance.s175_earlier_rounds_complete";
pub const S175_GRADES: &str = "assurance.s175_grades";
pub const S175_PREVIOUS_ACTIONS: &str = "assurance.s175_previous_actions_done";
pub const S175_EXCEEDS_BY_AREA: &str = "assurance.s175_exceeds_by_area";
pub const S11_RETURNS: &str = "assurance.s11_returns";
pub const S11_MET_BY_STANDARD: &str = "assurance.s11_met_by_standard";

pub fn report_contribution() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: S175_COMPLETE,
            version: 1,
            title: "Schools and colleges that completed their s175 audit",
            definition: "Returns to the s175 round that opened in the period, submitted with every graded question that applies to the setting answered, out of all the round's returns.",
            compute: s175_complete,
        })
        .figure(FigureDefinition {
            key: S175_PARTLY_COMPLETE,
            version: 1,
            title: "Schools and colleges that partly completed their s175 audit",
            definition: "Returns to the s175 round that opened in the period, submitted or in progress with some graded questions answered but not all, out of all the round's returns.",
            compute: s175_partly_complete,
        })
        .figure(FigureDefinition {
            key: S175_EARLIER_COMPLETE,
            version: 1,
            title: "Completion of earlier s175 rounds",
            definition: "For each s175 round that opened before the period's, its returns submitted complete out of all its returns; one figure per round, by the year it opened.",
            compute: s175_earlier_complete,
        })
        .figure(FigureDefinition {
            key: S175_GRADES,
            version: 1,
            title: "s175 answers by grade",
            definition: "The graded answers of the period's s175 round (returns complete or partly complete), met or exceeded, partially met and not met, each out of every answer judged (not applicable and unanswered left out).",
            compute: s175_grades,
        })
        .figure(FigureDefinition {
            key: S175_PREVIOUS_ACTIONS,
            version: 1,
            title: "Schools that completed every action from their previous s175 audit",
            definition: "Returns to the period's s175 round reporting every action of the school's previous return completed, out of the returns whose previous return had actions.",
            compute: s175_previous_actions,
        })
        .figure(FigureDefinition {
            key: S175_EXCEEDS_BY_AREA,
            version: 1,
            title: "s175 answers graded exceeds, by area",
            definition: "For each area of the period's s175 round, its answers graded exceeds out of its answers judged; one figure per area, by its number.",
            compute: s175_exceeds_by_area,
        })
        .figure(FigureDefinition {
            key: S11_RETURNS,
            version: 1,
            title: "Agencies that completed the s11 audit",
            definition: "Returns to the s11 round that opened in the period, submitted.",
            compute: s11_returns,
        })
        .figure(FigureDefinition {
            key: S11_MET_BY_STANDARD,
            version: 1,
            title: "s11 standards met or exceeded",
            definition: "For each standard of the period's s11 round, the submitted returns grading it met or exceeded out of those judging it; one figure per standard, by its number.",
            compute: s11_met_by_standard,
        })
        .merge(super::case_audits::report::figures())
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::QualityAssurance),
            module: "assurance",
            heading: None,
            build: quality_assurance,
        })
}

// ---- loading ----

/// A round with its returns' graded answers and its framework's standards (number, title).
struct RoundAnalysis {
    round: Round,
    returns: Vec<GradedReturn>,
    standards: Vec<(i64, String)>,
}

impl RoundAnalysis {
    /// By the dashboard's and the analysis's rule: its graded questions answered (not its
    /// standards graded: a standard may ask several) against those asked of its setting.
    fn completion_of(graded: &GradedReturn) -> Completion {
        completion_of(
            graded.audit_return.status,
            graded.required,
            graded.audit_return.graded_answered,
        )
    }

    fn records(&self, keep: impl Fn(&GradedReturn) -> bool) -> Vec<RecordRef> {
        self.returns
            .iter()
            .filter(|graded| keep(graded))
            .map(|graded| {
                let r = &graded.audit_return;
                RecordRef::new(
                    "audit return",
                    r.id.get(),
                    format!("{}: {}", self.round.title, r.organisation_name),
                    format!("/assurance/returns/{}", r.id),
                    format!(
                        "{}|{}|{}|{}/{}",
                        r.status.code(),
                        graded.grades.len(),
                        r.submitted_at.as_deref().unwrap_or(""),
                        graded.previous_actions_completed,
                        graded.previous_actions
                    ),
                )
            })
            .collect()
    }

    /// Whether a return's answers count towards the shares: submitted, complete or partly.
    fn is_answered(graded: &GradedReturn) -> bool {
        matches!(
            Self::completion_of(graded),
            Completion::Complete | Completion::PartlyComplete
        )
    }

    fn answered(&self) -> impl Iterator<Item = &GradedReturn> {
        self.returns
            .iter()
            .filter(|graded| Self::is_answered(graded))
    }
}

/// The s175 rounds that opened before the period, newest first.
fn earlier_s175_rounds(
    rounds: &[Round],
    period: crate::kernel::report::ReportPeriod,
) -> Vec<&Round> {
    rounds
        .iter()
        .filter(|round| round.framework_code == "s175" && round.opens_on < period.start())
        .collect()
}

/// Every round of the partnership (loaded once per generation), newest first.
async fn rounds(input: &ReportInput<'_>) -> Result<Arc<Vec<Round>>, sqlx::Error> {
    input
        .shared_by_periods("assurance.rounds", || store::list_rounds(input.scope))
        .await
}

async fn analyse(input: &ReportInput<'_>, round: Round) -> Result<RoundAnalysis, sqlx::Error> {
    let returns = store::graded_returns(input.scope, &round).await?;
    let standards = store::framework_version(input.scope, round.version_id)
        .await?
        .map(|version| {
            version
                .standards
                .into_iter()
                .map(|s| (s.number, s.title))
                .collect()
        })
        .unwrap_or_default();
    Ok(RoundAnalysis {
        round,
        returns,
        standards,
    })
}

/// The latest round of the framework `code` that opened in the input's period, analysed (once
/// per generation and period).
async fn round_in_period(
    input: &ReportInput<'_>,
    code: &'static str,
) -> Result<Arc<Option<RoundAnalysis>>, sqlx::Error> {
    let name = match code {
        "s175" => "assurance.s175_round",
        _ => "assurance.s11_round",
    };
    input
        .shared(name, || async {
            let round = rounds(input)
                .await?
                .iter()
                .find(|round| round.framework_code == code && input.period.contains(round.opens_on))
                .cloned();
            match round {
                Some(round) => Ok(Some(analyse(input, round).await?)),
                None => Ok(None),
            }
        })
        .await
}

// ---- figures ----

fn completion_rate(
    analysis: &RoundAnalysis,
    label: &str,
    wanted: fn(Completion) -> bool,
) -> Figure {
    let records = analysis.records(|graded| wanted(RoundAnalysis::completion_of(graded)));
    Figure::rate(
        "",
        label,
        records.len() as i64,
        analysis.returns.len() as i64,
        RETURNS_PLACES,
        records,
    )
}

fn s175_complete<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let analysis = round_in_period(input, "s175").await?;
        Ok(match analysis.as_ref() {
            Some(analysis) => vec![completion_rate(analysis, "Completed", |c| {
                c == Completion::Complete
            })],
            None => vec![Figure::rate(
                "",
                "Completed",
                0,
                0,
                RETURNS_PLACES,
                Vec::new(),
            )],
        })
    })
}

fn s175_partly_complete<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let analysis = round_in_period(input, "s175").await?;
        Ok(match analysis.as_ref() {
            Some(analysis) => vec![completion_rate(analysis, "Partly completed", |c| {
                c == Completion::PartlyComplete
            })],
            None => vec![Figure::rate(
                "",
                "Partly completed",
                0,
                0,
                RETURNS_PLACES,
                Vec::new(),
            )],
        })
    })
}

fn s175_earlier_complete<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let all = rounds(input).await?;
        let earlier: Vec<Round> = earlier_s175_rounds(&all, input.period)
            .into_iter()
            .cloned()
            .collect();
        let mut figures = Vec::new();
        for round in earlier {
            let year = round.opens_on.year().to_string();
            let analysis = analyse(input, round).await?;
            let mut figure = completion_rate(&analysis, &analysis.round.title, |c| {
                c == Completion::Complete
            });
            figure.instance = year;
            figures.push(figure);
        }
        Ok(figures)
    })
}

/// The grades' instances and how each is counted.
const GRADE_SHARES: [(&str, &str); 3] = [
    ("met_or_exceeded", "Met or exceeded"),
    ("partially_met", "Partially met"),
    ("not_met", "Not met"),
];

fn s175_grades<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let analysis = round_in_period(input, "s175").await?;
        let Some(analysis) = analysis.as_ref() else {
            return Ok(GRADE_SHARES
                .iter()
                .map(|(code, label)| Figure::rate(*code, *label, 0, 0, GRADES_PLACES, Vec::new()))
                .collect());
        };
        let shares = grade_shares(
            analysis
                .answered()
                .flat_map(|graded| graded.grades.values().copied().map(Some)),
        );
        let records = analysis.records(RoundAnalysis::is_answered);
        Ok(GRADE_SHARES
            .iter()
            .map(|(code, label)| {
                let share = match *code {
                    "met_or_exceeded" => shares.met_or_exceeded,
                    "partially_met" => shares.partially_met,
                    _ => shares.not_met,
                };
                Figure::rate(
                    *code,
                    *label,
                    share.count,
                    share.of,
                    GRADES_PLACES,
                    records.clone(),
                )
            })
            .collect())
    })
}

fn s175_previous_actions<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let analysis = round_in_period(input, "s175").await?;
        let Some(analysis) = analysis.as_ref() else {
            return Ok(vec![Figure::rate(
                "",
                "Every previous action completed",
                0,
                0,
                ACTIONS_PLACES,
                Vec::new(),
            )]);
        };
        let records = analysis.records(|graded| graded.previous_actions > 0);
        let done = analysis
            .returns
            .iter()
            .filter(|graded| {
                graded.previous_actions > 0
                    && graded.previous_actions_completed >= graded.previous_actions
            })
            .count() as i64;
        Ok(vec![Figure::rate(
            "",
            "Every previous action completed",
            done,
            records.len() as i64,
            ACTIONS_PLACES,
            records,
        )])
    })
}

/// One figure per standard: `wanted` grades out of the judged answers to it, over the returns
/// whose answers count.
fn by_standard(analysis: &RoundAnalysis, wanted: fn(Grade) -> bool, places: u8) -> Vec<Figure> {
    analysis
        .standards
        .iter()
        .map(|(number, title)| {
            let judged = |graded: &GradedReturn| {
                RoundAnalysis::is_answered(graded)
                    && graded.grades.get(number).is_some_and(|g| g.is_judged())
            };
            let count = analysis
                .returns
                .iter()
                .filter(|graded| judged(graded))
                .filter(|graded| graded.grades.get(number).is_some_and(|g| wanted(*g)))
                .count() as i64;
            let records = analysis.records(judged);
            Figure::rate(
                number.to_string(),
                title.clone(),
                count,
                records.len() as i64,
                places,
                records,
            )
        })
        .collect()
}

fn s175_exceeds_by_area<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let analysis = round_in_period(input, "s175").await?;
        let Some(analysis) = analysis.as_ref() else {
            return Ok(Vec::new());
        };
        Ok(by_standard(analysis, |g| g == Grade::Exceeds, AREA_PLACES))
    })
}

fn s11_returns<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let analysis = round_in_period(input, "s11").await?;
        let records = match analysis.as_ref() {
            Some(analysis) => analysis.records(|graded| {
                matches!(
                    graded.audit_return.status,
                    store::ReturnStatus::Submitted | store::ReturnStatus::Moderated
                )
            }),
            None => Vec::new(),
        };
        Ok(vec![Figure::count("", "Agencies", records)])
    })
}

fn s11_met_by_standard<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let analysis = round_in_period(input, "s11").await?;
        let Some(analysis) = analysis.as_ref() else {
            return Ok(Vec::new());
        };
        Ok(by_standard(
            analysis,
            Grade::is_met_or_exceeded,
            RETURNS_PLACES,
        ))
    })
}

// ---- the section ----

fn text(words: &'static str) -> Inline {
    Inline::text(words)
}

fn single(key: &'static str) -> Inline {
    Inline::figure(FigureRef::single(key))
}

fn of(key: &'static str, instance: impl Into<String>) -> Inline {
    Inline::figure(FigureRef::of(key, instance))
}

fn quality_assurance<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let mut blocks = vec![Block::Heading {
            text: vec![text("Learning from the section 175 audit")],
        }];
        let s175 = round_in_period(input, "s175").await?;
        match s175.as_ref() {
            None => blocks.push(Block::Notice {
                content: vec![text("No section 175 audit round opened in the year.")],
            }),
            Some(analysis) => {
                let mut completion = vec![
                    single(S175_COMPLETE),
                    text(" of schools and colleges completed their s175 audit in the "),
                    Inline::link(analysis.round.title.clone(), "/assurance"),
                    text(" round and "),
                    single(S175_PARTLY_COMPLETE),
                    text(" partly completed it."),
                ];
                let all = rounds(input).await?;
                let earlier = earlier_s175_rounds(&all, input.period);
                if !earlier.is_empty() {
                    completion.push(text(" This compares with a completion rate of "));
                    for (index, round) in earlier.iter().enumerate() {
                        if index > 0 {
                            completion.push(text(if index + 1 == earlier.len() {
                                " and "
                            } else {
                                ", "
                            }));
                        }
                        completion
                            .push(of(S175_EARLIER_COMPLETE, round.opens_on.year().to_string()));
                        completion.push(text(" in "));
                        completion.push(Inline::data(round.opens_on.year().to_string()));
                    }
                    completion.push(text("."));
                }
                blocks.push(Block::Paragraph {
                    content: completion,
                });
                blocks.push(Block::Paragraph {
                    content: vec![
                        text("Schools judged that they met or exceeded the standard in "),
                        of(S175_GRADES, "met_or_exceeded"),
                        text(" of their answers; they partially met it in "),
                        of(S175_GRADES, "partially_met"),
                        text(" and had not met it in "),
                        of(S175_GRADES, "not_met"),
                        text("."),
                    ],
                });
                blocks.push(Block::Paragraph {
                    content: vec![
                        single(S175_PREVIOUS_ACTIONS),
                        text(" of schools with actions from their previous audit reported that they had completed every one."),
                    ],
                });
                blocks.push(Block::Table {
                    caption: vec![text("Answers graded exceeds, by area of the s175 audit")],
                    headers: vec![vec![text("Area")], vec![text("Exceeds")]],
                    rows: analysis
                        .standards
                        .iter()
                        .map(|(number, title)| {
                            vec![
                                vec![Inline::data(title.clone())],
                                vec![of(S175_EXCEEDS_BY_AREA, number.to_string())],
                            ]
                        })
                        .collect(),
                    numeric: vec![false, true],
                });
            }
        }
        blocks.push(Block::Heading {
            text: vec![text("Learning from the section 11 audit")],
        });
        let s11 = round_in_period(input, "s11").await?;
        match s11.as_ref() {
            None => blocks.push(Block::Notice {
                content: vec![text("No section 11 audit round opened in the year.")],
            }),
            Some(analysis) => {
                blocks.push(Block::Paragraph {
                    content: vec![
                        single(S11_RETURNS),
                        text(" agencies completed the section 11 self-assessment. The standards assessed, with the share of agencies that judged each met or exceeded:"),
                    ],
                });
                blocks.push(Block::Table {
                    caption: vec![text("Section 11 standards met or exceeded")],
                    headers: vec![vec![text("Standard")], vec![text("Met or exceeded")]],
                    rows: analysis
                        .standards
                        .iter()
                        .map(|(number, title)| {
                            vec![
                                vec![Inline::data(format!("{number}. {title}"))],
                                vec![of(S11_MET_BY_STANDARD, number.to_string())],
                            ]
                        })
                        .collect(),
                    numeric: vec![false, true],
                });
            }
        }
        blocks.extend(super::case_audits::report::blocks(input).await?);
        blocks.push(Block::Notice {
            content: vec![text("Deep dives and moderation are not yet held in MASA.")],
        });
        Ok(blocks)
    })
}
