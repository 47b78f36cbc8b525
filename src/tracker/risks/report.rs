//! The risk register's part of the reports (kernel::report): the risks held at the period's end
//! by rating, and the highest-scored ones with their likelihood, impact and direction. Yearly
//! section 3 ("Risk register") and the quarterly "Top risks".
//!
//! Read as at the period's end (today while it runs) from the register's history: a risk is on
//! the register from its first scoring; it leaves it on the date it was closed; its score that
//! day is its latest scoring on or before it. A tolerated risk stays on the register.

use std::collections::HashMap;

use time::Date;

use super::model::{Rating, Rescore, Risk, RiskStatus};
use super::store;
use crate::kernel::Scope;
use crate::kernel::ids::RiskId;
use crate::kernel::report::{
    Block, Figure, FigureCheck, FigureDefinition, FigureFuture, FigureRef, Inline, Parts,
    QuarterlySection, RecordRef, ReportContribution, ReportInput, ReportPeriod, SectionDefinition,
    SectionFuture, SectionSlot, Unit, YearlySection,
};

pub const HELD: &str = "risks.held";
pub const BY_RATING: &str = "risks.by_rating";
pub const LIKELIHOOD: &str = "risks.residual_likelihood";
pub const IMPACT: &str = "risks.residual_impact";
pub const SCORE: &str = "risks.residual_score";

/// How many risks the quarterly report lists.
const TOP: usize = 5;

pub fn report_contribution() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: HELD,
            version: 1,
            title: "Risks on the register",
            definition: "Risks on the register at the period's end (today while it runs): first scored on or \
                         before that day and not closed by it (tolerated risks stay on the register).",
            compute: held,
        })
        .figure(FigureDefinition {
            key: BY_RATING,
            version: 1,
            title: "Risks on the register, by rating",
            definition: "The risks on the register at the period's end by the rating of their residual score \
                         (likelihood × impact after controls, their latest scoring on or before that day): \
                         low, medium, high, very high.",
            compute: by_rating,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(HELD),
            parts: Parts::EveryInstanceOf(BY_RATING),
        })
        .figure(FigureDefinition {
            key: LIKELIHOOD,
            version: 1,
            title: "Residual likelihood",
            definition: "For each risk on the register at the period's end, the likelihood (one to five) of its \
                         latest scoring on or before that day, after controls.",
            compute: likelihood,
        })
        .figure(FigureDefinition {
            key: IMPACT,
            version: 1,
            title: "Residual impact",
            definition: "For each risk on the register at the period's end, the impact (one to five) of its \
                         latest scoring on or before that day, after controls.",
            compute: impact,
        })
        .figure(FigureDefinition {
            key: SCORE,
            version: 1,
            title: "Residual score",
            definition: "For each risk on the register at the period's end, its residual likelihood × impact \
                         (one to twenty-five) from its latest scoring on or before that day.",
            compute: score,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::PartnershipAndGovernance),
            module: "risks",
            heading: Some("Risk register"),
            build: register_section,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Quarterly(QuarterlySection::TopRisks),
            module: "risks",
            heading: None,
            build: top_risks_section,
        })
}

// ---- the rules (pure) ----

pub fn rating_code(rating: Rating) -> &'static str {
    match rating {
        Rating::Low => "low",
        Rating::Medium => "medium",
        Rating::High => "high",
        Rating::VeryHigh => "very_high",
    }
}

/// Which way a risk's residual score moved over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// First scored in the period.
    New,
    Rising,
    Falling,
    Unchanged,
}

impl Direction {
    pub fn words(self) -> &'static str {
        match self {
            Direction::New => "New in the period",
            Direction::Rising => "Rising",
            Direction::Falling => "Falling",
            Direction::Unchanged => "No change",
        }
    }
}

/// A risk as it stood on the period's "as at" day.
#[derive(Debug, Clone)]
pub struct RiskAt {
    pub risk: Risk,
    pub score: Rescore,
    pub direction: Direction,
    /// Tolerated on or before the day: on the register, but no longer worked on.
    pub tolerated: bool,
}

/// The risk as it stood on `day` (None: not on the register that day). `scores` are its own,
/// oldest first.
pub fn risk_at(risk: &Risk, scores: &[&Rescore], period_start: Date, day: Date) -> Option<RiskAt> {
    let latest = scores.iter().rev().find(|s| s.scored_on <= day)?;
    if risk.status == RiskStatus::Closed && risk.closed_on.is_some_and(|closed| closed <= day) {
        return None;
    }
    let before = scores.iter().rev().find(|s| s.scored_on < period_start);
    let direction = match before {
        None => Direction::New,
        Some(before) => match latest.residual.value().cmp(&before.residual.value()) {
            std::cmp::Ordering::Greater => Direction::Rising,
            std::cmp::Ordering::Less => Direction::Falling,
            std::cmp::Ordering::Equal => Direction::Unchanged,
        },
    };
    Some(RiskAt {
        risk: risk.clone(),
        score: (*latest).clone(),
        direction,
        tolerated: risk.status == RiskStatus::Tolerated
            && risk.closed_on.is_some_and(|tolerated| tolerated <= day),
    })
}

// ---- loading ----

/// The risks on the register on the period's "as at" day, highest residual score first.
async fn risks_at(scope: Scope<'_>, period: ReportPeriod) -> Result<Vec<RiskAt>, sqlx::Error> {
    let day = period.end().min(crate::kernel::text::today());
    let scores = store::all_scores(scope).await?;
    let mut by_risk: HashMap<RiskId, Vec<&Rescore>> = HashMap::new();
    for (risk, score) in &scores {
        by_risk.entry(*risk).or_default().push(score);
    }
    let mut risks: Vec<RiskAt> = store::list_risks(scope)
        .await?
        .iter()
        .filter_map(|risk| {
            risk_at(
                risk,
                by_risk.get(&risk.id).map_or(&[][..], Vec::as_slice),
                period.start(),
                day,
            )
        })
        .collect();
    risks.sort_by(|a, b| {
        b.score
            .residual
            .value()
            .cmp(&a.score.residual.value())
            .then(b.score.residual.impact.cmp(&a.score.residual.impact))
            .then(a.risk.details.reference.cmp(&b.risk.details.reference))
    });
    Ok(risks)
}

fn record(at: &RiskAt) -> RecordRef {
    RecordRef::new(
        "risk",
        at.risk.id.get(),
        at.risk.label(),
        format!("/tracker/risks/{}", at.risk.id),
        format!(
            "{}|scored {}|{}x{}|{}",
            at.risk.status.code(),
            at.score.scored_on,
            at.score.residual.likelihood,
            at.score.residual.impact,
            at.risk
                .closed_on
                .map_or_else(String::new, |d| d.to_string())
        ),
    )
}

// ---- figures ----

fn held<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let risks = risks_at(scope, period).await?;
        Ok(vec![Figure::count(
            "",
            "Risks on the register",
            risks.iter().map(record).collect(),
        )])
    })
}

fn by_rating<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let risks = risks_at(scope, period).await?;
        Ok(Rating::ALL
            .into_iter()
            .map(|rating| {
                Figure::count(
                    rating_code(rating),
                    rating.label(),
                    risks
                        .iter()
                        .filter(|at| at.score.residual.rating() == rating)
                        .map(record)
                        .collect(),
                )
            })
            .collect())
    })
}

async fn per_risk(
    scope: Scope<'_>,
    period: ReportPeriod,
    value: fn(&RiskAt) -> u8,
) -> Result<Vec<Figure>, sqlx::Error> {
    Ok(risks_at(scope, period)
        .await?
        .iter()
        .map(|at| {
            Figure::value(
                at.risk.id.to_string(),
                at.risk.label(),
                Some(f64::from(value(at))),
                Unit::Number {
                    places: 0,
                    suffix: String::new(),
                },
                vec![record(at)],
            )
        })
        .collect())
}

fn likelihood<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(per_risk(scope, period, |at| at.score.residual.likelihood))
}

fn impact<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(per_risk(scope, period, |at| at.score.residual.impact))
}

fn score<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(per_risk(scope, period, |at| at.score.residual.value()))
}

// ---- sections ----

fn text(words: &'static str) -> Vec<Inline> {
    vec![Inline::text(words)]
}

fn register_section<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let _ = input;
        Ok(vec![
            Block::Paragraph {
                content: vec![
                    Inline::text(
                        "The partnership keeps a register of the risks to its safeguarding arrangements, each \
                         scored for likelihood and impact before and after its controls. At the period's end \
                         the register held ",
                    ),
                    Inline::figure(FigureRef::single(HELD)),
                    Inline::text(" risks."),
                ],
            },
            Block::Table {
                caption: text("Risks on the register at the period's end, by residual rating"),
                headers: vec![text("Rating"), text("Risks")],
                rows: Rating::ALL
                    .into_iter()
                    .map(|rating| {
                        vec![
                            text(rating.label()),
                            vec![Inline::figure(FigureRef::of(
                                BY_RATING,
                                rating_code(rating),
                            ))],
                        ]
                    })
                    .collect(),
                numeric: vec![false, true],
            },
        ])
    })
}

fn top_risks_section<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let risks = risks_at(input.scope, input.period).await?;
        let open: Vec<&RiskAt> = risks.iter().filter(|at| !at.tolerated).take(TOP).collect();
        let mut blocks = vec![Block::Paragraph {
            content: vec![
                Inline::text("Risks on the register at the quarter's end: "),
                Inline::figure(FigureRef::single(HELD)),
                Inline::text(
                    ". The open risks with the highest residual scores (likelihood × impact after controls):",
                ),
            ],
        }];
        if open.is_empty() {
            blocks.push(Block::Notice {
                content: text("No open risk was on the register at the quarter's end."),
            });
            return Ok(blocks);
        }
        let figure = |key: &'static str, at: &RiskAt| {
            vec![Inline::figure(FigureRef::of(key, at.risk.id.to_string()))]
        };
        blocks.push(Block::Table {
            caption: text("Top risks at the quarter's end"),
            headers: vec![
                text("Risk"),
                text("Owner"),
                text("Likelihood"),
                text("Impact"),
                text("Score"),
                text("Rating"),
                text("Direction"),
            ],
            rows: open
                .iter()
                .map(|at| {
                    vec![
                        vec![Inline::link(
                            at.risk.label(),
                            format!("/tracker/risks/{}", at.risk.id),
                        )],
                        vec![Inline::data(format!(
                            "{}, {}",
                            at.risk.details.owner_role, at.risk.owner_organisation
                        ))],
                        figure(LIKELIHOOD, at),
                        figure(IMPACT, at),
                        figure(SCORE, at),
                        text(at.score.residual.rating().label()),
                        text(at.direction.words()),
                    ]
                })
                .collect(),
            numeric: vec![false, false, true, true, true, false, false],
        });
        Ok(blocks)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::OrganisationId;
    use crate::tracker::risks::model::{RiskDetails, Score};
    use time::macros::date;

    fn rescore(day: Date, likelihood: u8, impact: u8) -> Rescore {
        let residual = Score::new(likelihood, impact).unwrap();
        Rescore {
            scored_on: day,
            inherent: Score::new(5, 5).unwrap(),
            residual,
            rationale: String::new(),
        }
    }

    #[test]
    fn a_risk_is_read_from_its_scorings_on_the_day() {
        let risk = Risk {
            id: RiskId::new(1),
            details: RiskDetails {
                reference: "R-01".into(),
                title: "No QA officer".into(),
                description: String::new(),
                cause: String::new(),
                effect: String::new(),
                owner_organisation_id: OrganisationId::new(1),
                owner_role: "Manager".into(),
                theme: String::new(),
                review_on: date!(2026 - 01 - 01),
            },
            owner_organisation: "Council".into(),
            inherent: Score::new(5, 5).unwrap(),
            residual: Score::new(3, 3).unwrap(),
            status: RiskStatus::Closed,
            closed_on: Some(date!(2025 - 09 - 01)),
            closure_rationale: String::new(),
        };
        let scores = [
            rescore(date!(2024 - 04 - 15), 4, 4),
            rescore(date!(2024 - 10 - 10), 4, 3),
            rescore(date!(2025 - 06 - 12), 3, 3),
        ];
        let scores: Vec<&Rescore> = scores.iter().collect();
        let year = ReportPeriod::financial_year(2024);
        let at = risk_at(&risk, &scores, year.start(), year.end()).unwrap();
        assert_eq!(at.score.residual.value(), 12);
        assert_eq!(at.direction, Direction::New);
        let q1 = ReportPeriod::quarter(2025, 1).unwrap();
        let at = risk_at(&risk, &scores, q1.start(), q1.end()).unwrap();
        assert_eq!(at.score.residual.value(), 9);
        assert_eq!(at.direction, Direction::Falling);
        let before = ReportPeriod::financial_year(2023);
        assert!(risk_at(&risk, &scores, before.start(), before.end()).is_none());
        let q3 = ReportPeriod::quarter(2025, 3).unwrap();
        assert!(
            risk_at(&risk, &scores, q3.start(), q3.end()).is_none(),
            "closed"
        );
    }
}
