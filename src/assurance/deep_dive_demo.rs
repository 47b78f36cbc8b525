//! The demo's deep dive of the s175 audit 2025, so each role's home page has moderation work to
//! show: the sample drawn with the form's suggested criteria and a stated seed, through the same
//! rule and store functions as the sample page; then, of the sampled returns in the order
//! drawn, the first moderated by the business unit and the chair, marked moderated and its
//! feedback letter sent; the second the same with its letter left as a draft; the third
//! moderated by the business unit only, waiting for the chair; the rest waiting for the panel.
//!
//! Loaded after the demo's accounts exist (a judgement names its panel member). The first
//! sampled school has a demo respondent (`pathways.dsl@`), so its letter is e-mailed and its
//! home page shows it arrived.

use super::deep_dive::describe;
use super::deep_dive_store::{self as deep, NewJudgement, NewSample};
use super::demo::DemoError;
use super::grades::Grade;
use super::letter::{StandardOutcome, draft};
use super::moderation::{
    ModeratedStandard, members_complete, moderated_standards, panel_agreement, ready_to_mark,
};
use super::progress::is_submitted;
use super::sampling::{self, Candidate, Criterion, SampleRule};
use super::store::{self, AuditReturn, Round};
use crate::kernel::Change;
use crate::kernel::ids::UserId;

/// The seed the demo's sample is drawn with, shown on the sample page so anyone can draw it again.
pub const DEMO_SEED: u64 = 2025;

/// The round sampled.
pub const DEMO_ROUND: &str = "s175 audit 2025";

/// A panel member of the demo, by account.
#[derive(Debug, Clone, Copy)]
pub struct PanelMember<'a> {
    pub id: UserId,
    pub name: &'a str,
}

fn data(message: impl Into<String>) -> DemoError {
    DemoError::Data(message.into())
}

/// Draws the sample and records the panel's work on it. `business_unit` draws the sample and
/// sends the letter; both moderate.
pub async fn load(
    change: &mut Change,
    business_unit: PanelMember<'_>,
    chair: PanelMember<'_>,
) -> Result<(), DemoError> {
    let round = store::list_rounds(&mut *change)
        .await?
        .into_iter()
        .find(|round| round.title == DEMO_ROUND)
        .ok_or_else(|| data(format!("no {DEMO_ROUND} round")))?;
    let sampled = draw_sample(change, &round, business_unit.name).await?;
    let [first, second, third, ..] = sampled.as_slice() else {
        return Err(data("the demo's sample holds fewer than three returns"));
    };
    for (audit_return, send) in [(first, true), (second, false)] {
        let standards = standards_of(change, &round, audit_return).await?;
        moderate(change, audit_return, business_unit, &standards, None).await?;
        let differing = standards
            .iter()
            .find(|s| s.self_grade == Some(Grade::Met))
            .map(|s| {
                (
                    s.number,
                    Grade::PartiallyMet,
                    "The evidence did not show that every member of staff had this year's training.",
                )
            });
        moderate(change, audit_return, chair, &standards, differing).await?;
        mark_and_write_letter(
            change,
            &round,
            audit_return,
            &standards,
            send,
            business_unit,
        )
        .await?;
    }
    let standards = standards_of(change, &round, third).await?;
    moderate(change, third, business_unit, &standards, None).await?;
    Ok(())
}

/// Draws the round's sample as the sample page does with its suggested criteria and
/// [`DEMO_SEED`]; the sampled returns in the order drawn.
async fn draw_sample(
    change: &mut Change,
    round: &Round,
    by: &str,
) -> Result<Vec<AuditReturn>, DemoError> {
    let settings = store::settings(&mut *change).await?;
    let submitted: Vec<AuditReturn> = store::returns_of_round(&mut *change, round.id)
        .await?
        .into_iter()
        .filter(|r| is_submitted(r.status))
        .collect();
    let candidates: Vec<Candidate> = submitted
        .iter()
        .map(|r| {
            let setting = settings.get(&r.organisation_id);
            Candidate {
                id: r.id.get(),
                name: r.organisation_name.clone(),
                stratum: super::deep_dive::stratum(setting.map(|s| s.setting)),
                inspection_grade: setting.and_then(|s| s.inspection_grade),
                last_inspected: setting.and_then(|s| s.last_inspected_on),
                new_provision: setting.is_some_and(|s| s.new_provision),
            }
        })
        .collect();
    let rule = SampleRule {
        fraction_percent: 10,
        stratify: true,
        priority: vec![
            Criterion::NewProvision,
            Criterion::InspectionGradeAtLeast(3),
        ],
    };
    let drawn = sampling::draw(&candidates, &rule, DEMO_SEED);
    let sample = NewSample {
        seed: Some(DEMO_SEED),
        rule: serde_json::to_string(&rule).map_err(|error| data(error.to_string()))?,
        criteria: describe(&rule),
    };
    deep::record_sample(change, round, &sample, &drawn, by).await?;
    drawn
        .iter()
        .map(|d| {
            submitted
                .iter()
                .find(|r| r.id.get() == d.id)
                .cloned()
                .ok_or_else(|| data("a drawn return not in the round"))
        })
        .collect()
}

/// The standards a return is moderated on, with its self-grades.
async fn standards_of(
    change: &mut Change,
    round: &Round,
    audit_return: &AuditReturn,
) -> Result<Vec<ModeratedStandard>, DemoError> {
    let version = store::framework_version(&mut *change, round.version_id)
        .await?
        .ok_or_else(|| data("the round's framework version"))?;
    let setting = store::settings(&mut *change)
        .await?
        .get(&audit_return.organisation_id)
        .map(|s| s.setting);
    let answers = store::answers_of(&mut *change, audit_return.id).await?;
    Ok(moderated_standards(&version, setting, &answers))
}

/// One panel member's judgements: agreeing with every self-grade, "met" where there is none,
/// and `differing` (standard number, grade, comment) where they disagree.
async fn moderate(
    change: &mut Change,
    audit_return: &AuditReturn,
    member: PanelMember<'_>,
    standards: &[ModeratedStandard],
    differing: Option<(i64, Grade, &str)>,
) -> Result<(), DemoError> {
    let judgements: Vec<NewJudgement> = standards
        .iter()
        .map(|standard| {
            let (agrees, grade, comment) = match (differing, standard.self_grade) {
                (Some((number, grade, comment)), _) if number == standard.number => {
                    (false, grade, comment)
                }
                (_, Some(own)) => (true, own, ""),
                (_, None) => (
                    false,
                    Grade::Met,
                    "No self-grade given: met on the evidence.",
                ),
            };
            NewJudgement {
                standard_id: standard.id,
                standard_number: standard.number,
                agrees,
                grade,
                comment: comment.to_owned(),
            }
        })
        .collect();
    deep::save_moderation(change, audit_return, member.id, member.name, &judgements).await?;
    Ok(())
}

/// Marks the return moderated (refused unless two panel members recorded every standard, as
/// on the page) and saves its drafted letter, sent or as a draft.
async fn mark_and_write_letter(
    change: &mut Change,
    round: &Round,
    audit_return: &AuditReturn,
    standards: &[ModeratedStandard],
    send: bool,
    business_unit: PanelMember<'_>,
) -> Result<(), DemoError> {
    let records = deep::moderations_of(&mut *change, audit_return.id).await?;
    let complete = members_complete(
        standards,
        records
            .iter()
            .map(|r| (r.standard_id, r.moderator_user_id.get())),
    );
    if !ready_to_mark(standards, &complete) || !deep::mark_moderated(change, audit_return).await? {
        return Err(data(format!(
            "{}'s return could not be marked moderated",
            audit_return.organisation_name
        )));
    }
    let moderated = panel_agreement(
        standards,
        records
            .iter()
            .map(|r| (r.standard_number, r.moderator_user_id.get(), r.grade)),
    )
    .moderated;
    let outcomes: Vec<StandardOutcome> = standards
        .iter()
        .filter_map(|standard| {
            Some(StandardOutcome {
                number: standard.number,
                title: standard.title.clone(),
                grade: *moderated.get(&standard.number)?,
                comments: records
                    .iter()
                    .filter(|r| r.standard_id == standard.id && !r.comment.is_empty())
                    .map(|r| r.comment.clone())
                    .collect(),
            })
        })
        .collect();
    let text = draft(&audit_return.organisation_name, &round.title, &outcomes);
    deep::save_letter(change, audit_return, &text, send, business_unit.name).await?;
    Ok(())
}
