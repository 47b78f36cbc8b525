//! The policy tracker's rules: statuses, review dates ("due within 90 days", overdue), the
//! published document's address and the forms. Pure: no SQL, no HTTP.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::kernel::ids::{GroupId, PolicyId};
use crate::kernel::personal_data::likely_identifier;
use crate::kernel::text::{DateParts, FormErrors, long_date};

crate::typed_id!(
    /// An approved version in a policy's history: never leaves this module.
    VersionId
);

crate::typed_id!(
    /// An uploaded copy of a policy's document: never leaves this module.
    DocumentId
);

crate::stored_code!(PolicyStatus, "policy status");

/// A review falls due within this many days: the tracker lists it up front.
pub const REVIEW_WINDOW_DAYS: i64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    Draft,
    Approved,
    UnderReview,
    Withdrawn,
}

impl PolicyStatus {
    pub const ALL: [PolicyStatus; 4] = [
        PolicyStatus::Draft,
        PolicyStatus::Approved,
        PolicyStatus::UnderReview,
        PolicyStatus::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PolicyStatus::Draft => "draft",
            PolicyStatus::Approved => "approved",
            PolicyStatus::UnderReview => "under_review",
            PolicyStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PolicyStatus::Draft => "Draft",
            PolicyStatus::Approved => "Approved",
            PolicyStatus::UnderReview => "Under review",
            PolicyStatus::Withdrawn => "Withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<PolicyStatus> {
        PolicyStatus::ALL
            .into_iter()
            .find(|status| status.code() == code)
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            PolicyStatus::Draft => "govuk-tag--grey",
            PolicyStatus::Approved => "govuk-tag--green",
            PolicyStatus::UnderReview => "govuk-tag--blue",
            PolicyStatus::Withdrawn => "govuk-tag--red",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyReview {
    /// Drafts without a date and withdrawn policies are not reviewed.
    NotScheduled,
    Overdue {
        days: i64,
    },
    DueSoon {
        days: i64,
    },
    Later,
}

/// Overdue the day after the review date; "due soon" from 90 days before it.
pub fn policy_review(
    status: PolicyStatus,
    next_review_on: Option<Date>,
    today: Date,
) -> PolicyReview {
    let Some(next_review_on) = next_review_on.filter(|_| status != PolicyStatus::Withdrawn) else {
        return PolicyReview::NotScheduled;
    };
    let days = (next_review_on - today).whole_days();
    if days < 0 {
        PolicyReview::Overdue { days: -days }
    } else if days <= REVIEW_WINDOW_DAYS {
        PolicyReview::DueSoon { days }
    } else {
        PolicyReview::Later
    }
}

impl PolicyReview {
    pub fn tag(self) -> Option<(&'static str, String)> {
        let s = |n: i64| if n == 1 { "" } else { "s" };
        match self {
            PolicyReview::Overdue { days } => Some((
                "govuk-tag--red",
                format!("Review overdue by {days} day{}", s(days)),
            )),
            PolicyReview::DueSoon { days: 0 } => {
                Some(("govuk-tag--yellow", "Review due today".to_owned()))
            }
            PolicyReview::DueSoon { days } => Some((
                "govuk-tag--yellow",
                format!("Review due in {days} day{}", s(days)),
            )),
            PolicyReview::NotScheduled | PolicyReview::Later => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyDetails {
    pub title: String,
    pub owner_group_id: GroupId,
    pub status: PolicyStatus,
    pub document_url: String,
}

/// An approved version: its number, dates and document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub version: String,
    pub approved_on: Date,
    pub next_review_on: Date,
    pub document_url: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub id: PolicyId,
    pub details: PolicyDetails,
    pub owner_group: String,
    pub version: String,
    pub approved_on: Option<Date>,
    pub next_review_on: Option<Date>,
}

impl Policy {
    pub fn review(&self, today: Date) -> PolicyReview {
        policy_review(self.details.status, self.next_review_on, today)
    }

    pub fn approved_date(&self) -> String {
        self.approved_on
            .map(long_date)
            .unwrap_or_else(|| "Not approved".to_owned())
    }

    pub fn review_date(&self) -> String {
        self.next_review_on
            .map(long_date)
            .unwrap_or_else(|| "Not set".to_owned())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionRecord {
    pub id: VersionId,
    pub approval: Approval,
    pub recorded_by: String,
}

/// The published document's address: https only, with a host, no spaces, at most 500
/// characters. Empty is allowed (not yet published).
pub fn check_document_url(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let Some(rest) = text.strip_prefix("https://") else {
        return Err(
            "Enter the document's address starting https://, like https://hscp.example/policies/escalation.pdf",
        );
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if text.len() > 500 {
        return Err("The document's address must be 500 characters or fewer");
    }
    if host.is_empty()
        || !host.contains('.')
        || host.starts_with('.')
        || host.ends_with('.')
        || host.contains('@')
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        || text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
    {
        return Err(
            "Enter a real web address for the document, like https://hscp.example/policies/escalation.pdf",
        );
    }
    Ok(text.to_owned())
}

fn check_version(errors: &mut FormErrors, text: &str) -> String {
    let version = errors.required_text("version", "Version", text, 20);
    if !version.is_empty()
        && !version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        errors.add(
            "version",
            "Version must use only letters, numbers, dots and hyphens, like 2.1",
        );
    }
    version
}

fn check_url(errors: &mut FormErrors, text: &str) -> String {
    match check_document_url(text) {
        Ok(url) => url,
        Err(message) => {
            errors.add("document_url", message);
            String::new()
        }
    }
}

fn date_parts(day: &str, month: &str, year: &str) -> DateParts {
    DateParts {
        day: day.to_owned(),
        month: month.to_owned(),
        year: year.to_owned(),
    }
}

/// Approval and review dates: approved today or before, reviewed after approval.
fn check_dates(
    errors: &mut FormErrors,
    approved: &DateParts,
    review: &DateParts,
    required: bool,
    today: Date,
) -> (Option<Date>, Option<Date>) {
    let approved_on = errors.date("approved_on", "Approval date", approved, required);
    let next_review_on = errors.date("next_review_on", "Next review date", review, required);
    if approved_on.is_some_and(|date| date > today) {
        errors.add("approved_on", "Approval date must be today or in the past");
    }
    if let (Some(approved), Some(review)) = (approved_on, next_review_on)
        && review <= approved
    {
        errors.add(
            "next_review_on",
            "Next review date must be after the approval date",
        );
    }
    (approved_on, next_review_on)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PolicyForm {
    pub title: String,
    pub owner_group_id: String,
    pub status: String,
    pub version: String,
    pub document_url: String,
    pub approved_on_day: String,
    pub approved_on_month: String,
    pub approved_on_year: String,
    pub next_review_on_day: String,
    pub next_review_on_month: String,
    pub next_review_on_year: String,
}

impl PolicyForm {
    pub fn from_policy(policy: &Policy) -> PolicyForm {
        PolicyForm {
            title: policy.details.title.clone(),
            owner_group_id: policy.details.owner_group_id.to_string(),
            status: policy.details.status.code().to_owned(),
            version: policy.version.clone(),
            document_url: policy.details.document_url.clone(),
            ..PolicyForm::default()
        }
    }

    pub fn approved_on(&self) -> DateParts {
        date_parts(
            &self.approved_on_day,
            &self.approved_on_month,
            &self.approved_on_year,
        )
    }

    pub fn next_review_on(&self) -> DateParts {
        date_parts(
            &self.next_review_on_day,
            &self.next_review_on_month,
            &self.next_review_on_year,
        )
    }

    /// Title, owner group, status and document. `groups` are the owners to choose from;
    /// `approved_before` says whether a version has ever been approved (only then may the status
    /// be "approved": a first approval goes through the dates).
    pub fn validate_details(
        &self,
        errors: &mut FormErrors,
        groups: &[(GroupId, String)],
        approved_before: bool,
    ) -> Option<PolicyDetails> {
        let title = errors.required_text("title", "Title", &self.title, 200);
        if let Some(found) = likely_identifier(&title) {
            errors.add(
                "title",
                format!("Title seems to contain {found}. Remove it"),
            );
        }
        let owner_group_id = self
            .owner_group_id
            .trim()
            .parse::<GroupId>()
            .ok()
            .filter(|id| groups.iter().any(|(known, _)| known == id));
        if owner_group_id.is_none() {
            errors.add("owner_group_id", "Select the group that owns the policy");
        }
        let status = PolicyStatus::from_code(&self.status);
        match status {
            None => errors.add("status", "Select the policy's status"),
            Some(PolicyStatus::Approved) if !approved_before => errors.add(
                "status",
                "A policy is approved by approving a version: give its approval and review dates",
            ),
            Some(_) => {}
        }
        let document_url = check_url(errors, &self.document_url);
        errors.is_empty().then_some(PolicyDetails {
            title,
            owner_group_id: owner_group_id?,
            status: status?,
            document_url,
        })
    }

    /// A new policy: its details, version, and (if approved) its first approval.
    pub fn validate_new(
        &self,
        errors: &mut FormErrors,
        groups: &[(GroupId, String)],
        today: Date,
    ) -> Option<(PolicyDetails, String, Option<Approval>)> {
        let approving = self.status == PolicyStatus::Approved.code();
        let details = self.validate_details(errors, groups, approving);
        let version = check_version(errors, &self.version);
        let (approved_on, next_review_on) = check_dates(
            errors,
            &self.approved_on(),
            &self.next_review_on(),
            approving,
            today,
        );
        if !errors.is_empty() {
            return None;
        }
        let details = details?;
        let approval = if approving {
            Some(Approval {
                version: version.clone(),
                approved_on: approved_on?,
                next_review_on: next_review_on?,
                document_url: details.document_url.clone(),
                note: "First version recorded".to_owned(),
            })
        } else {
            None
        };
        Some((details, version, approval))
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ApprovalForm {
    pub version: String,
    pub document_url: String,
    pub note: String,
    pub approved_on_day: String,
    pub approved_on_month: String,
    pub approved_on_year: String,
    pub next_review_on_day: String,
    pub next_review_on_month: String,
    pub next_review_on_year: String,
}

impl ApprovalForm {
    pub fn approved_on(&self) -> DateParts {
        date_parts(
            &self.approved_on_day,
            &self.approved_on_month,
            &self.approved_on_year,
        )
    }

    pub fn next_review_on(&self) -> DateParts {
        date_parts(
            &self.next_review_on_day,
            &self.next_review_on_month,
            &self.next_review_on_year,
        )
    }

    /// A new approved version: a version number not used before, dates in order and not before
    /// the last approval.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        policy: &Policy,
        used_versions: &[String],
        today: Date,
    ) -> Option<Approval> {
        if policy.details.status == PolicyStatus::Withdrawn {
            errors.add(
                "version",
                "A withdrawn policy cannot have a new version approved",
            );
        }
        let version = check_version(errors, &self.version);
        if used_versions
            .iter()
            .any(|used| used.eq_ignore_ascii_case(&version))
        {
            errors.add(
                "version",
                format!(
                    "Version {version} has already been recorded: give the new version's number"
                ),
            );
        }
        let document_url = check_url(errors, &self.document_url);
        let note = errors.optional_text("note", "What changed", &self.note, 2000);
        if let Some(found) = likely_identifier(&note) {
            errors.add(
                "note",
                format!("What changed seems to contain {found}. Remove it"),
            );
        }
        let (approved_on, next_review_on) = check_dates(
            errors,
            &self.approved_on(),
            &self.next_review_on(),
            true,
            today,
        );
        if let (Some(approved), Some(last)) = (approved_on, policy.approved_on)
            && approved < last
        {
            errors.add(
                "approved_on",
                format!(
                    "Approval date cannot be before the current version's approval on {}",
                    long_date(last)
                ),
            );
        }
        if !errors.is_empty() {
            return None;
        }
        Some(Approval {
            version,
            approved_on: approved_on?,
            next_review_on: next_review_on?,
            document_url,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn reviews_are_due_within_ninety_days_and_overdue_after_the_date() {
        let today = date!(2026 - 11 - 23);
        let approved = PolicyStatus::Approved;
        let on = |d: Date| policy_review(approved, Some(d), today);
        assert_eq!(on(date!(2026 - 11 - 22)), PolicyReview::Overdue { days: 1 });
        assert_eq!(on(date!(2026 - 11 - 23)), PolicyReview::DueSoon { days: 0 });
        // 90 days on is 21 February 2027: still within the window; the 22nd is not.
        assert_eq!(
            on(date!(2027 - 02 - 21)),
            PolicyReview::DueSoon { days: 90 }
        );
        assert_eq!(on(date!(2027 - 02 - 22)), PolicyReview::Later);
        assert_eq!(
            policy_review(PolicyStatus::Withdrawn, Some(date!(2020 - 01 - 01)), today),
            PolicyReview::NotScheduled
        );
        assert_eq!(
            policy_review(PolicyStatus::Draft, None, today),
            PolicyReview::NotScheduled
        );
        assert_eq!(
            policy_review(
                PolicyStatus::UnderReview,
                Some(date!(2026 - 11 - 01)),
                today
            ),
            PolicyReview::Overdue { days: 22 }
        );
        assert_eq!(
            PolicyReview::DueSoon { days: 1 }.tag().unwrap().1,
            "Review due in 1 day"
        );
    }

    #[test]
    fn document_addresses_must_be_https_web_addresses() {
        assert_eq!(
            check_document_url(" https://hscp.example/policies/escalation.pdf "),
            Ok("https://hscp.example/policies/escalation.pdf".to_owned())
        );
        assert_eq!(check_document_url(""), Ok(String::new()));
        for bad in [
            "http://hscp.example/a.pdf",
            "javascript:alert(1)",
            "https://",
            "https://localhost/a",
            "https://hscp.example/a b.pdf",
            "https://user@evil.example/",
            "https://hscp.example/\"><script>",
            "ftp://hscp.example/a.pdf",
        ] {
            assert!(check_document_url(bad).is_err(), "{bad}");
        }
        assert!(check_document_url(&format!("https://hscp.example/{}", "a".repeat(500))).is_err());
    }

    fn policy(status: PolicyStatus, version: &str, approved_on: Option<Date>) -> Policy {
        Policy {
            id: PolicyId::new(1),
            details: PolicyDetails {
                title: "Escalation policy".into(),
                owner_group_id: GroupId::new(3),
                status,
                document_url: String::new(),
            },
            owner_group: "HSCP Strategic Leadership Group".into(),
            version: version.into(),
            approved_on,
            next_review_on: None,
        }
    }

    fn approval_form(
        version: &str,
        approved: (&str, &str, &str),
        review: (&str, &str, &str),
    ) -> ApprovalForm {
        ApprovalForm {
            version: version.into(),
            document_url: "https://hscp.example/escalation-v3.pdf".into(),
            note: "Step 3 escalation timescales shortened.".into(),
            approved_on_day: approved.0.into(),
            approved_on_month: approved.1.into(),
            approved_on_year: approved.2.into(),
            next_review_on_day: review.0.into(),
            next_review_on_month: review.1.into(),
            next_review_on_year: review.2.into(),
        }
    }

    #[test]
    fn a_new_version_needs_a_new_number_and_dates_in_order() {
        let today = date!(2026 - 11 - 23);
        let current = policy(PolicyStatus::Approved, "2.0", Some(date!(2024 - 05 - 01)));
        let used = vec!["1.0".to_owned(), "2.0".to_owned()];
        let mut errors = FormErrors::default();
        let approval = approval_form("3.0", ("20", "11", "2026"), ("20", "11", "2028"))
            .validate(&mut errors, &current, &used, today)
            .expect("valid");
        assert_eq!(approval.next_review_on, date!(2028 - 11 - 20));

        let mut errors = FormErrors::default();
        assert!(
            approval_form("2.0", ("1", "1", "2030"), ("1", "1", "2029"))
                .validate(&mut errors, &current, &used, today)
                .is_none()
        );
        assert!(
            errors
                .get("version")
                .unwrap()
                .contains("already been recorded")
        );
        assert_eq!(
            errors.get("approved_on"),
            Some("Approval date must be today or in the past")
        );
        assert_eq!(
            errors.get("next_review_on"),
            Some("Next review date must be after the approval date")
        );

        let mut errors = FormErrors::default();
        assert!(
            approval_form("3.0", ("1", "1", "2024"), ("1", "1", "2027"))
                .validate(&mut errors, &current, &used, today)
                .is_none()
        );
        assert!(
            errors
                .get("approved_on")
                .unwrap()
                .contains("before the current version")
        );

        let withdrawn = policy(PolicyStatus::Withdrawn, "2.0", Some(date!(2024 - 05 - 01)));
        let mut errors = FormErrors::default();
        assert!(
            approval_form("3.0", ("20", "11", "2026"), ("20", "11", "2028"))
                .validate(&mut errors, &withdrawn, &used, today)
                .is_none()
        );
    }

    #[test]
    fn a_policy_is_approved_only_with_its_dates() {
        let today = date!(2026 - 11 - 23);
        let groups = vec![(
            GroupId::new(3),
            "HSCP Strategic Leadership Group".to_owned(),
        )];
        let mut form = PolicyForm {
            title: "Safe Sleep Guidance".into(),
            owner_group_id: "3".into(),
            status: "approved".into(),
            version: "1.0".into(),
            ..PolicyForm::default()
        };
        let mut errors = FormErrors::default();
        assert!(form.validate_new(&mut errors, &groups, today).is_none());
        assert_eq!(errors.get("approved_on"), Some("Enter approval date"));
        form.approved_on_day = "1".into();
        form.approved_on_month = "9".into();
        form.approved_on_year = "2026".into();
        form.next_review_on_day = "1".into();
        form.next_review_on_month = "9".into();
        form.next_review_on_year = "2028".into();
        let mut errors = FormErrors::default();
        let (_, version, approval) = form
            .validate_new(&mut errors, &groups, today)
            .expect("valid");
        assert_eq!(version, "1.0");
        assert_eq!(approval.unwrap().approved_on, date!(2026 - 09 - 01));

        // A draft needs no dates; an edit cannot jump to approved without a version approved.
        let draft = PolicyForm {
            status: "draft".into(),
            ..PolicyForm::default()
        };
        let mut errors = FormErrors::default();
        assert!(
            draft
                .validate_details(&mut errors, &groups, false)
                .is_none()
        );
        assert!(errors.get("owner_group_id").is_some());
        let jump = PolicyForm {
            title: "Pre-Birth Guidance".into(),
            owner_group_id: "3".into(),
            status: "approved".into(),
            ..PolicyForm::default()
        };
        let mut errors = FormErrors::default();
        assert!(jump.validate_details(&mut errors, &groups, false).is_none());
        assert!(
            errors
                .get("status")
                .unwrap()
                .contains("approving a version")
        );
    }
}
