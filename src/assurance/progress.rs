//! How far a return has got: its stage (not started, in progress, partly complete, complete,
//! moderated), whether it is overdue, and its completion. Pure rules over
//! `grades::completion`, used by the returns dashboard, the analysis (which counts a round's
//! returns by them from the database's tallies) and the yearly report alike.

use serde::Serialize;
use time::Date;

use super::grades::{Completion, completion};
use super::model::{QuestionKind, Setting};
use super::store::{AuditReturn, FrameworkVersion, ReturnStatus};

/// Graded questions answered, counted up to those asked: a changed setting may leave answers
/// to questions no longer asked, which do not count past them.
pub fn answered_up_to(required_graded: usize, answered_graded: i64) -> usize {
    usize::try_from(answered_graded)
        .unwrap_or(0)
        .min(required_graded)
}

/// A return's completion from its status and its graded answers: the one rule by which the
/// dashboard, the analysis and the yearly report count a round's returns.
pub fn completion_of(
    status: ReturnStatus,
    required_graded: usize,
    answered_graded: i64,
) -> Completion {
    completion(
        required_graded,
        answered_up_to(required_graded, answered_graded),
        is_submitted(status),
    )
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
        let answered = answered_up_to(required, audit_return.graded_answered);
        ReturnProgress {
            stage: ReturnStage::of(audit_return.status, required, answered),
            overdue: is_overdue(audit_return.status, audit_return.due_on, today),
            required_graded: required,
            answered_graded: answered,
            audit_return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

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
    fn answers_to_questions_no_longer_asked_do_not_count_past_those_asked() {
        assert_eq!(answered_up_to(12, 14), 12);
        assert_eq!(answered_up_to(12, 3), 3);
        assert_eq!(answered_up_to(12, -1), 0);
        assert_eq!(
            completion_of(ReturnStatus::Submitted, 12, 14),
            Completion::Complete
        );
        assert_eq!(
            completion_of(ReturnStatus::Moderated, 12, 11),
            Completion::PartlyComplete
        );
        assert_eq!(
            completion_of(ReturnStatus::InProgress, 12, 12),
            Completion::InProgress
        );
        assert_eq!(
            completion_of(ReturnStatus::NotStarted, 12, 0),
            Completion::NotStarted
        );
    }
}
