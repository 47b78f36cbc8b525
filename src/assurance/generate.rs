//! `masa generate-audit`: a national-scale audit round for the assurance benchmark — N schools
//! (24,000 by default) in the first partnership, a framework of 12 areas × 5 graded questions, a
//! round answered and submitted by every school, then the next round opened, pre-filled from it.
//! Prints how long each round took to open. The grades come from a seeded generator (about 90%
//! met or exceeded), so the same options give the same data. Written through the module's own
//! store functions, with their audit entries, in transactions of a few hundred returns.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};

use time::macros::date;

use super::grades::Grade;
use super::model::{
    FrameworkDefinition, QuestionDefinition, QuestionId, QuestionKind, RoundId, Setting,
    StandardDefinition,
};
use super::store::{self, AnswerValue, AuditSetting, NewRound};
use crate::kernel::audit::Actor;
use crate::kernel::db::Db;
use crate::kernel::ids::{OrganisationId, PartnershipId};
use crate::kernel::store::{Change, ChangeError};
use crate::partnership::model::{OrganisationDetails, OrganisationKind};

#[derive(Debug, Clone)]
pub struct AuditGenerateOptions {
    /// Schools, one return each.
    pub returns: usize,
    /// Graded questions in the framework (spread over 12 areas).
    pub questions: usize,
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub struct GeneratedAudit {
    /// The answered round, for the analysis page.
    pub answered_round: RoundId,
    /// The round opened after it, pre-filled from it.
    pub prefilled_round: RoundId,
    pub returns: usize,
    pub answers: usize,
    pub first_open: Duration,
    pub prefilled_open: Duration,
    pub total: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditGenerateError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Change(#[from] ChangeError),
    #[error("could not add the generated schools: {0}")]
    Organisation(String),
}

/// Returns answered per transaction: commits stay small at any scale.
const RETURNS_PER_COMMIT: usize = 500;
/// The areas the questions are spread over (as the s175 framework has).
const AREAS: usize = 12;

fn framework(questions: usize) -> FrameworkDefinition {
    let per_area = questions.div_ceil(AREAS).max(1);
    let standards = (0..AREAS)
        .map(|area| StandardDefinition {
            number: area as u32 + 1,
            title: format!("Generated area {}", area + 1),
            summary: String::new(),
            questions: (0..per_area)
                .filter(|q| area * per_area + q < questions)
                .map(|q| QuestionDefinition {
                    code: format!("{}.{}", area + 1, q + 1),
                    kind: QuestionKind::Grade,
                    text: format!("Generated question {} of area {}", q + 1, area + 1),
                    guidance: String::new(),
                    evidence: String::new(),
                    choices: Vec::new(),
                    applies_to: Vec::new(),
                })
                .collect(),
        })
        .filter(|standard: &StandardDefinition| !standard.questions.is_empty())
        .collect();
    FrameworkDefinition {
        code: "bench".into(),
        title: "Generated national audit".into(),
        description: "A benchmark framework: graded questions only.".into(),
        version: 1,
        standards,
    }
}

/// A grade with about the seed report's spread: mostly met, some exceeds, a few below.
fn grade(random: &mut StdRng) -> Grade {
    match random.random_range(0..1000) {
        0..=199 => Grade::Exceeds,
        200..=924 => Grade::Met,
        925..=978 => Grade::PartiallyMet,
        _ => Grade::NotMet,
    }
}

async fn begin(db: &Db) -> Result<Change, sqlx::Error> {
    Change::begin(
        db,
        Actor::system("masa generate-audit", PartnershipId::new(1)),
    )
    .await
}

pub async fn generate_audit(
    db: &Db,
    options: &AuditGenerateOptions,
) -> Result<GeneratedAudit, AuditGenerateError> {
    let started = Instant::now();
    let mut random = StdRng::seed_from_u64(options.seed);
    let settings = [
        Setting::Primary,
        Setting::Secondary,
        Setting::Special,
        Setting::College,
    ];

    // The schools, each with its audit setting.
    let mut schools: Vec<OrganisationId> = Vec::with_capacity(options.returns);
    for batch in (0..options.returns)
        .collect::<Vec<_>>()
        .chunks(RETURNS_PER_COMMIT)
    {
        let mut change = begin(db).await?;
        for number in batch {
            let details = OrganisationDetails {
                name: format!("Generated school {:05}", number + 1),
                kind: OrganisationKind::School,
                sector: "Generated for benchmarks".into(),
                active_from: date!(2015 - 04 - 01),
                active_to: None,
            };
            let id = crate::partnership::add_organisation(&mut change, &details)
                .await
                .map_err(|error| AuditGenerateError::Organisation(error.to_string()))?;
            store::set_setting(
                &mut change,
                &AuditSetting {
                    organisation_id: id,
                    setting: settings[number % settings.len()],
                    inspection_grade: Some(random.random_range(1..=4u8)),
                    last_inspected_on: None,
                    new_provision: number % 97 == 0,
                },
            )
            .await?;
            schools.push(id);
        }
        change.commit().await?;
    }

    let mut change = begin(db).await?;
    let (framework_id, version_id) = store::add_framework(
        &mut change,
        &framework(options.questions),
        "masa generate-audit",
    )
    .await?;
    change.commit().await?;
    let version = store::framework_version(
        crate::kernel::Scope::new(db, PartnershipId::new(1)),
        version_id,
    )
    .await?
    .ok_or(sqlx::Error::RowNotFound)?;
    let questions: Vec<QuestionId> = version
        .standards
        .iter()
        .flat_map(|standard| standard.questions.iter().map(|question| question.id))
        .collect();

    let round = |title: &str, opens_on, due_on| NewRound {
        framework_id,
        version_id,
        title: title.to_owned(),
        opens_on,
        due_on,
        target_percent: 95,
        organisations: schools.clone(),
    };

    // The first round: timed from the first statement to the commit.
    let opening = Instant::now();
    let mut change = begin(db).await?;
    let answered_round = store::open_round(
        &mut change,
        &round(
            "Generated audit 2025",
            date!(2025 - 01 - 06),
            date!(2025 - 03 - 28),
        ),
        "masa generate-audit",
    )
    .await?;
    change.commit().await?;
    let first_open = opening.elapsed();

    // Every school answers every question and submits.
    let returns = store::returns_of_round(
        crate::kernel::Scope::new(db, PartnershipId::new(1)),
        answered_round,
    )
    .await?;
    let mut answers = 0;
    for batch in returns.chunks(RETURNS_PER_COMMIT) {
        let mut change = begin(db).await?;
        for audit_return in batch {
            let given: Vec<(QuestionId, AnswerValue)> = questions
                .iter()
                .map(|question| (*question, AnswerValue::Grade(grade(&mut random))))
                .collect();
            answers += given.len();
            store::save_answers(
                &mut change,
                audit_return,
                &given,
                "Designated safeguarding lead",
            )
            .await?;
            store::submit_return(&mut change, audit_return, "Designated safeguarding lead").await?;
        }
        change.commit().await?;
    }

    // The next round, every return pre-filled from the answered one.
    let opening = Instant::now();
    let mut change = begin(db).await?;
    let prefilled_round = store::open_round(
        &mut change,
        &round(
            "Generated audit 2027",
            date!(2027 - 01 - 04),
            date!(2027 - 03 - 26),
        ),
        "masa generate-audit",
    )
    .await?;
    change.commit().await?;
    let prefilled_open = opening.elapsed();

    Ok(GeneratedAudit {
        answered_round,
        prefilled_round,
        returns: returns.len(),
        answers,
        first_open,
        prefilled_open,
        total: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_framework_has_the_questions_asked_for_over_twelve_areas() {
        let definition = framework(60);
        assert_eq!(definition.standards.len(), 12);
        let questions: usize = definition.standards.iter().map(|s| s.questions.len()).sum();
        assert_eq!(questions, 60);
        assert!(definition.check().is_ok(), "{:?}", definition.check());
        let small = framework(7);
        assert_eq!(
            small
                .standards
                .iter()
                .map(|s| s.questions.len())
                .sum::<usize>(),
            7
        );
    }

    #[test]
    fn grades_follow_the_seed_reports_spread() {
        let mut random = StdRng::seed_from_u64(2026);
        let grades: Vec<Grade> = (0..10_000).map(|_| grade(&mut random)).collect();
        let met_or_better = grades
            .iter()
            .filter(|g| matches!(g, Grade::Exceeds | Grade::Met))
            .count();
        assert!((9_000..9_500).contains(&met_or_better), "{met_or_better}");
    }
}
