//! How far a round's returns have got: each return's stage (not started, in progress, partly
//! complete, complete, moderated), whether it is overdue, and the round's return rate. The
//! stage is a pure rule over `grades::completion`; `round_progress` reads what it needs.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use super::grades::{
    Completion, CompletionRates, Share, completion, completion_rates, round_half_up,
};
use super::model::{QuestionKind, Setting};
use super::store::{self, AuditReturn, FrameworkVersion, ReturnStatus, Round};
use crate::kernel::ids::OrganisationId;
use crate::kernel::{AppError, AppResult, Scope};

/// A share as the partnership prints it: "96%", "92.5%"; "no returns" for none.
pub fn percent_text(share: Share) -> String {
    match share.percent().map(|percent| round_half_up(percent, 1)) {
        None => "no returns".to_owned(),
        Some(percent) if percent.fract() == 0.0 => format!("{percent:.0}%"),
        Some(percent) => format!("{percent:.1}%"),
    }
}

/// Where a return stands on the returns dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ReturnStage {
    NotStarted,
    InProgress,
    /// Submitted with graded questions unanswered.
    PartlyComplete,
    /// Submitted with every graded question answered.
    Complete,
    Moderated,
}

impl ReturnStage {
    pub const ALL: [ReturnStage; 5] = [
        ReturnStage::NotStarted,
        ReturnStage::InProgress,
        ReturnStage::PartlyComplete,
        ReturnStage::Complete,
        ReturnStage::Moderated,
    ];

    /// A return's stage from its stored status and how many of the graded questions asked of
    /// it are answered.
    pub fn of(status: ReturnStatus, required_graded: usize, answered_graded: usize) -> ReturnStage {
        if status == ReturnStatus::Moderated {
            return ReturnStage::Moderated;
        }
        match completion(required_graded, answered_graded, is_submitted(status)) {
            // Answers saved, though none graded yet: the respondent has started.
            Completion::NotStarted if status == ReturnStatus::InProgress => ReturnStage::InProgress,
            Completion::NotStarted => ReturnStage::NotStarted,
            Completion::InProgress => ReturnStage::InProgress,
            Completion::PartlyComplete => ReturnStage::PartlyComplete,
            Completion::Complete => ReturnStage::Complete,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReturnStage::NotStarted => "Not started",
            ReturnStage::InProgress => "In progress",
            ReturnStage::PartlyComplete => "Partly complete",
            ReturnStage::Complete => "Complete",
            ReturnStage::Moderated => "Moderated",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            ReturnStage::NotStarted => "govuk-tag--grey",
            ReturnStage::InProgress => "govuk-tag--blue",
            ReturnStage::PartlyComplete => "govuk-tag--yellow",
            ReturnStage::Complete => "govuk-tag--green",
            ReturnStage::Moderated => "govuk-tag--purple",
        }
    }
}

/// Submitted (and so no longer changed without a reopen): moderated returns were submitted too.
pub fn is_submitted(status: ReturnStatus) -> bool {
    matches!(status, ReturnStatus::Submitted | ReturnStatus::Moderated)
}

/// A return is overdue the day after its due date while it is not submitted.
pub fn is_overdue(status: ReturnStatus, due_on: Date, today: Date) -> bool {
    !is_submitted(status) && today > due_on
}

/// The graded questions of a version asked of an organisation audited as `setting` (none: an
/// agency, asked everything).
pub fn required_graded(version: &FrameworkVersion, setting: Option<Setting>) -> usize {
    version
        .questions()
        .filter(|question| question.kind == QuestionKind::Grade && question.applies(setting))
        .count()
}

/// One return on the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnProgress {
    pub audit_return: AuditReturn,
    pub required_graded: usize,
    pub answered_graded: usize,
    pub stage: ReturnStage,
    pub overdue: bool,
}

impl ReturnProgress {
    pub fn of(
        audit_return: AuditReturn,
        version: &FrameworkVersion,
        setting: Option<Setting>,
        today: Date,
    ) -> ReturnProgress {
        let required = required_graded(version, setting);
        // Only questions asked of it can be answered through the pages; a changed setting may
        // leave answers to questions no longer asked, which do not count past the required.
        let answered = usize::try_from(audit_return.graded_answered)
            .unwrap_or(0)
            .min(required);
        ReturnProgress {
            stage: ReturnStage::of(audit_return.status, required, answered),
            overdue: is_overdue(audit_return.status, audit_return.due_on, today),
            required_graded: required,
            answered_graded: answered,
            audit_return,
        }
    }

    fn completion(&self) -> Completion {
        completion(
            self.required_graded,
            self.answered_graded,
            is_submitted(self.audit_return.status),
        )
    }
}

/// A round's returns with their progress, and the round's completion rates (the return rate is
/// `rates.complete`: submitted complete returns of all, moderated ones included).
pub struct RoundProgress {
    pub returns: Vec<ReturnProgress>,
    pub rates: CompletionRates,
}

impl RoundProgress {
    /// How many returns are at each stage, in stage order.
    pub fn counts(&self) -> Vec<(ReturnStage, usize)> {
        ReturnStage::ALL
            .into_iter()
            .map(|stage| {
                (
                    stage,
                    self.returns.iter().filter(|r| r.stage == stage).count(),
                )
            })
            .collect()
    }

    /// Below its target: the share of complete returns is under the round's target percentage.
    pub fn below_target(&self, target_percent: i64) -> bool {
        let complete = self.rates.complete;
        // count / of < target / 100, in whole numbers.
        complete.count * 100 < target_percent * complete.of
    }
}

/// The progress of every return of a round.
pub async fn round_progress(
    scope: Scope<'_>,
    round: &Round,
    today: Date,
) -> AppResult<RoundProgress> {
    let version = store::framework_version(scope, round.version_id)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!("round {} has no framework version", round.id))
        })?;
    let settings = setting_by_organisation(scope).await?;
    let returns: Vec<ReturnProgress> = store::returns_of_round(scope, round.id)
        .await?
        .into_iter()
        .map(|audit_return| {
            let setting = settings.get(&audit_return.organisation_id).copied();
            ReturnProgress::of(audit_return, &version, setting, today)
        })
        .collect();
    let rates = completion_rates(returns.iter().map(ReturnProgress::completion));
    Ok(RoundProgress { returns, rates })
}

/// The setting each organisation that has one is audited as.
pub async fn setting_by_organisation(
    scope: Scope<'_>,
) -> AppResult<HashMap<OrganisationId, Setting>> {
    Ok(store::settings(scope)
        .await?
        .into_iter()
        .map(|(organisation, setting)| (organisation, setting.setting))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn shares_print_as_the_partnership_prints_them() {
        assert_eq!(percent_text(Share { count: 24, of: 25 }), "96%");
        assert_eq!(
            percent_text(Share {
                count: 185,
                of: 200
            }),
            "92.5%"
        );
        assert_eq!(percent_text(Share { count: 1, of: 3 }), "33.3%");
        assert_eq!(percent_text(Share { count: 0, of: 4 }), "0%");
        assert_eq!(percent_text(Share { count: 0, of: 0 }), "no returns");
    }

    #[test]
    fn a_return_is_partly_complete_when_submitted_with_grades_missing() {
        use ReturnStatus::*;
        assert_eq!(ReturnStage::of(NotStarted, 12, 0), ReturnStage::NotStarted);
        assert_eq!(ReturnStage::of(InProgress, 12, 0), ReturnStage::InProgress);
        assert_eq!(ReturnStage::of(InProgress, 12, 3), ReturnStage::InProgress);
        assert_eq!(ReturnStage::of(InProgress, 12, 12), ReturnStage::InProgress);
        assert_eq!(
            ReturnStage::of(Submitted, 12, 11),
            ReturnStage::PartlyComplete
        );
        assert_eq!(ReturnStage::of(Submitted, 12, 12), ReturnStage::Complete);
        assert_eq!(ReturnStage::of(Moderated, 12, 12), ReturnStage::Moderated);
    }

    #[test]
    fn a_return_is_overdue_the_day_after_its_due_date_until_submitted() {
        let due = date!(2026 - 11 - 27);
        assert!(!is_overdue(ReturnStatus::InProgress, due, due));
        assert!(is_overdue(
            ReturnStatus::InProgress,
            due,
            date!(2026 - 11 - 28)
        ));
        assert!(!is_overdue(
            ReturnStatus::Submitted,
            due,
            date!(2026 - 12 - 28)
        ));
        assert!(!is_overdue(
            ReturnStatus::Moderated,
            due,
            date!(2026 - 12 - 28)
        ));
    }

    #[test]
    fn a_round_is_below_target_when_its_complete_share_is_under_it() {
        let progress = |complete: i64, of: i64| RoundProgress {
            returns: Vec::new(),
            rates: CompletionRates {
                complete: Share {
                    count: complete,
                    of,
                },
                ..CompletionRates::default()
            },
        };
        assert!(progress(94, 100).below_target(95));
        assert!(!progress(95, 100).below_target(95));
        assert!(!progress(24, 25).below_target(96));
        assert!(progress(23, 25).below_target(93));
        assert!(
            !progress(0, 0).below_target(95),
            "no returns: nothing to chase"
        );
    }
}
