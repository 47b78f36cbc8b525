//! The learning improvement tracker's domain: recommendations from any source, their actions,
//! and the rules an action's life follows. Pure: no SQL, no HTTP.
//!
//! An action is worked on (not started → on track ⇄ at risk), completed with a date to revisit
//! it, and revisited: if its impact is evidenced it is closed with evidence; if not yet, it
//! comes back at a later revisit date; if the change was not sustained it is reopened. It can
//! never be closed without evidence, and "overdue" and "revisit due" are computed from dates,
//! never typed.

use serde::Serialize;
use time::Date;

use crate::kernel::filters::count_of;
use crate::kernel::ids::{
    ActionId, GroupId, IndicatorId, OrganisationId, PersonId, PlanItemId, RecommendationId,
};
use crate::kernel::text::{DateParts, FormErrors, long_date};

crate::typed_id!(
    /// An item of evidence on an action.
    EvidenceId
);

/// Where a recommendation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    LearningReview,
    NationalReview,
    Audit,
    /// A multi-agency case-file audit (assurance): kept apart from the s11 and s175 audits.
    CaseFileAudit,
    Scrutiny,
    Meeting,
    Risk,
    Other,
}

crate::stored_code!(SourceKind, "source kind");

impl SourceKind {
    pub const ALL: [SourceKind; 8] = [
        SourceKind::LearningReview,
        SourceKind::NationalReview,
        SourceKind::Audit,
        SourceKind::CaseFileAudit,
        SourceKind::Scrutiny,
        SourceKind::Meeting,
        SourceKind::Risk,
        SourceKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SourceKind::LearningReview => "learning_review",
            SourceKind::NationalReview => "national_review",
            SourceKind::Audit => "audit",
            SourceKind::CaseFileAudit => "case_file_audit",
            SourceKind::Scrutiny => "scrutiny",
            SourceKind::Meeting => "meeting",
            SourceKind::Risk => "risk",
            SourceKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SourceKind::LearningReview => "Learning review",
            SourceKind::NationalReview => "National review (CSPR triage)",
            SourceKind::Audit => "Audit",
            SourceKind::CaseFileAudit => "Multi-agency case-file audit",
            SourceKind::Scrutiny => "Independent scrutiny",
            SourceKind::Meeting => "Meeting",
            SourceKind::Risk => "Risk register",
            SourceKind::Other => "Other",
        }
    }

    pub fn from_code(code: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    pub fn choices() -> Vec<(&'static str, &'static str)> {
        SourceKind::ALL
            .iter()
            .map(|kind| (kind.code(), kind.label()))
            .collect()
    }
}

/// The status people set. "Overdue" and "revisit due" are not among them: they follow from
/// the dates (see `Standing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    NotStarted,
    OnTrack,
    AtRisk,
    Complete,
    ClosedWithEvidence,
}

crate::stored_code!(ActionStatus, "action status");

impl ActionStatus {
    pub const ALL: [ActionStatus; 5] = [
        ActionStatus::NotStarted,
        ActionStatus::OnTrack,
        ActionStatus::AtRisk,
        ActionStatus::Complete,
        ActionStatus::ClosedWithEvidence,
    ];
    /// The statuses a progress update may set.
    pub const IN_PROGRESS: [ActionStatus; 3] = [
        ActionStatus::NotStarted,
        ActionStatus::OnTrack,
        ActionStatus::AtRisk,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "not_started",
            ActionStatus::OnTrack => "on_track",
            ActionStatus::AtRisk => "at_risk",
            ActionStatus::Complete => "complete",
            ActionStatus::ClosedWithEvidence => "closed_with_evidence",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "Not started",
            ActionStatus::OnTrack => "On track",
            ActionStatus::AtRisk => "At risk",
            ActionStatus::Complete => "Complete",
            ActionStatus::ClosedWithEvidence => "Closed with evidence",
        }
    }

    pub fn from_code(code: &str) -> Option<ActionStatus> {
        ActionStatus::ALL
            .into_iter()
            .find(|status| status.code() == code)
    }

    pub fn is_open(self) -> bool {
        ActionStatus::IN_PROGRESS.contains(&self)
    }
}

/// Where an action stands today: its status read against its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Standing {
    NotStarted,
    OnTrack,
    AtRisk,
    /// Open and past its due date.
    Overdue {
        days: i64,
    },
    /// Complete and waiting for its revisit.
    AwaitingRevisit,
    /// Complete and its revisit date has come: the loop is not closed until someone looks.
    RevisitDue {
        days: i64,
    },
    Closed,
}

impl Standing {
    pub fn label(&self) -> String {
        match self {
            Standing::NotStarted => "Not started".into(),
            Standing::OnTrack => "On track".into(),
            Standing::AtRisk => "At risk".into(),
            Standing::Overdue { days } => format!("Overdue by {}", count_of(*days, "day", "days")),
            Standing::AwaitingRevisit => "Complete, awaiting revisit".into(),
            Standing::RevisitDue { days: 0 } => "Revisit due today".into(),
            Standing::RevisitDue { days } => {
                format!("Revisit overdue by {}", count_of(*days, "day", "days"))
            }
            Standing::Closed => "Closed with evidence".into(),
        }
    }

    pub fn tag_class(&self) -> &'static str {
        match self {
            Standing::NotStarted => "govuk-tag--grey",
            Standing::OnTrack => "govuk-tag--blue",
            Standing::AtRisk => "govuk-tag--yellow",
            Standing::Overdue { .. } | Standing::RevisitDue { .. } => "govuk-tag--red",
            Standing::AwaitingRevisit => "govuk-tag--turquoise",
            Standing::Closed => "govuk-tag--green",
        }
    }

    /// Needs someone's attention now: the lists shown first.
    pub fn needs_attention(&self) -> bool {
        matches!(self, Standing::Overdue { .. } | Standing::RevisitDue { .. })
    }
}

/// "Progress", "Completed", "Revisited": an update's kind as the action's history shows it.
pub fn update_kind_label(kind: &str) -> &'static str {
    match kind {
        "progress" => "Progress",
        "complete" => "Completed",
        "revisit" => "Revisited",
        _ => "Update",
    }
}

/// The dated part of an action: what the rules read and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ActionState {
    pub status: ActionStatus,
    pub due_on: Date,
    pub completed_on: Option<Date>,
    pub revisit_on: Option<Date>,
    pub revisited_on: Option<Date>,
    pub closed_on: Option<Date>,
}

impl ActionState {
    pub fn new(due_on: Date) -> ActionState {
        ActionState {
            status: ActionStatus::NotStarted,
            due_on,
            completed_on: None,
            revisit_on: None,
            revisited_on: None,
            closed_on: None,
        }
    }

    pub fn standing(&self, today: Date) -> Standing {
        match self.status {
            ActionStatus::ClosedWithEvidence => Standing::Closed,
            ActionStatus::Complete => match self.revisit_on {
                Some(revisit) if revisit <= today => Standing::RevisitDue {
                    days: (today - revisit).whole_days(),
                },
                _ => Standing::AwaitingRevisit,
            },
            _ if today > self.due_on => Standing::Overdue {
                days: (today - self.due_on).whole_days(),
            },
            ActionStatus::NotStarted => Standing::NotStarted,
            ActionStatus::OnTrack => Standing::OnTrack,
            ActionStatus::AtRisk => Standing::AtRisk,
        }
    }
}

/// What a revisit found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisitOutcome {
    /// The change made a difference and the evidence shows it: close the action.
    ImpactEvidenced,
    /// Too early to tell: look again on a later date.
    NotYetEvident,
    /// The change did not last: reopen the action with a new due date.
    NotSustained,
}

impl RevisitOutcome {
    pub const ALL: [RevisitOutcome; 3] = [
        RevisitOutcome::ImpactEvidenced,
        RevisitOutcome::NotYetEvident,
        RevisitOutcome::NotSustained,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RevisitOutcome::ImpactEvidenced => "impact_evidenced",
            RevisitOutcome::NotYetEvident => "not_yet_evident",
            RevisitOutcome::NotSustained => "not_sustained",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RevisitOutcome::ImpactEvidenced => "Impact evidenced: close the action",
            RevisitOutcome::NotYetEvident => "Not yet evident: revisit again later",
            RevisitOutcome::NotSustained => "Not sustained: reopen the action",
        }
    }

    pub fn from_code(code: &str) -> Option<RevisitOutcome> {
        RevisitOutcome::ALL
            .into_iter()
            .find(|outcome| outcome.code() == code)
    }
}

/// A change someone asks for. The rules decide whether it may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Progress {
        status: ActionStatus,
    },
    Complete {
        completed_on: Date,
        revisit_on: Date,
    },
    Revisit {
        outcome: RevisitOutcome,
        /// For "not yet evident": when to look again.
        next_revisit_on: Option<Date>,
        /// For "not sustained": the reopened action's new due date.
        new_due_on: Option<Date>,
    },
}

/// Why a change was refused: the form field to mark and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        field,
        message: message.into(),
    })
}

/// Applies a change to an action, or says why it cannot happen. `evidence` is how many items
/// of evidence the action has.
pub fn apply(
    state: &ActionState,
    change: Change,
    evidence: usize,
    today: Date,
) -> Result<ActionState, Refusal> {
    if state.status == ActionStatus::ClosedWithEvidence {
        return refuse(
            "status",
            "This action is closed with evidence: record a new action if more is needed",
        );
    }
    let mut next = *state;
    match change {
        Change::Progress { status } => {
            if !state.status.is_open() {
                return refuse(
                    "status",
                    "This action is complete: revisit it to reopen or close it",
                );
            }
            if !status.is_open() {
                return refuse(
                    "status",
                    "Select not started, on track or at risk; use Complete the action to complete it",
                );
            }
            next.status = status;
        }
        Change::Complete {
            completed_on,
            revisit_on,
        } => {
            if !state.status.is_open() {
                return refuse("completed_on", "This action is already complete");
            }
            if completed_on > today {
                return refuse(
                    "completed_on",
                    "Date completed must be today or in the past",
                );
            }
            if revisit_on <= completed_on {
                return refuse(
                    "revisit_on",
                    format!(
                        "Revisit date must be after the date completed ({})",
                        long_date(completed_on)
                    ),
                );
            }
            next.status = ActionStatus::Complete;
            next.completed_on = Some(completed_on);
            next.revisit_on = Some(revisit_on);
        }
        Change::Revisit {
            outcome,
            next_revisit_on,
            new_due_on,
        } => {
            if state.status != ActionStatus::Complete {
                return refuse(
                    "outcome",
                    "Only a completed action can be revisited: complete it first",
                );
            }
            next.revisited_on = Some(today);
            match outcome {
                RevisitOutcome::ImpactEvidenced => {
                    if evidence == 0 {
                        return refuse(
                            "outcome",
                            "An action cannot be closed without evidence: add evidence of its impact first",
                        );
                    }
                    next.status = ActionStatus::ClosedWithEvidence;
                    next.closed_on = Some(today);
                }
                RevisitOutcome::NotYetEvident => {
                    let Some(next_revisit) = next_revisit_on else {
                        return refuse("next_revisit_on", "Enter the date to revisit again");
                    };
                    if next_revisit <= today {
                        return refuse(
                            "next_revisit_on",
                            "The date to revisit again must be in the future",
                        );
                    }
                    next.revisit_on = Some(next_revisit);
                }
                RevisitOutcome::NotSustained => {
                    let Some(due) = new_due_on else {
                        return refuse("new_due_on", "Enter the reopened action's new due date");
                    };
                    if due <= today {
                        return refuse("new_due_on", "The new due date must be in the future");
                    }
                    next.status = ActionStatus::OnTrack;
                    next.due_on = due;
                    next.completed_on = None;
                    next.revisit_on = None;
                }
            }
        }
    }
    Ok(next)
}

/// A recommendation as recorded.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Recommendation {
    pub id: RecommendationId,
    pub reference: String,
    #[sqlx(try_from = "String")]
    pub source_kind: SourceKind,
    pub source_id: Option<i64>,
    pub source_label: String,
    pub recommendation: String,
    pub priority_item_id: Option<PlanItemId>,
    /// Filled in from the business plan, not stored here.
    #[sqlx(skip)]
    pub priority_title: Option<String>,
    pub created_at: String,
    pub archived_at: Option<String>,
}

/// An action with the names it is shown with.
#[derive(Debug, Clone, Serialize)]
pub struct TrackerAction {
    pub id: ActionId,
    pub recommendation_id: RecommendationId,
    pub recommendation_reference: String,
    pub source_kind: SourceKind,
    pub source_label: String,
    pub priority_item_id: Option<PlanItemId>,
    pub priority_title: Option<String>,
    pub title: String,
    pub owner_organisation_id: OrganisationId,
    pub owner_organisation_name: String,
    pub owner_person_id: Option<PersonId>,
    pub owner_person_name: Option<String>,
    pub owner_person_email: Option<String>,
    /// The partnership group that oversees the action, whose chair sees it when it needs
    /// attention.
    pub overseeing_group_id: Option<GroupId>,
    pub overseeing_group_name: Option<String>,
    pub impact_indicator_id: Option<IndicatorId>,
    pub impact_indicator_name: Option<String>,
    pub impact_measure: String,
    pub state: ActionState,
    pub evidence_count: i64,
    /// Evidence added since the action was last reopened: what a revisit may close it on.
    pub current_evidence: i64,
    pub created_at: String,
}

impl TrackerAction {
    pub fn impact_label(&self) -> String {
        match (&self.impact_indicator_name, self.impact_measure.is_empty()) {
            (Some(indicator), true) => format!("Indicator: {indicator}"),
            (Some(indicator), false) => {
                format!("Indicator: {indicator}; {}", self.impact_measure)
            }
            (None, _) => self.impact_measure.clone(),
        }
    }

    pub fn due_label(&self) -> String {
        long_date(self.state.due_on)
    }
}

// ---- forms ----

/// The reference a recommendation is known by: short, no spaces.
fn check_reference(errors: &mut FormErrors, reference: &str) -> String {
    let reference = errors.required_text("reference", "Reference", reference, 30);
    if !reference.is_empty()
        && !reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.'))
    {
        errors.add(
            "reference",
            "Reference must use only letters, numbers, hyphens, slashes and full stops, for example REC-2025-04",
        );
    }
    reference
}

/// Free text that must not identify a child or family.
pub fn check_free_text(errors: &mut FormErrors, field: &str, label: &str, text: &str) {
    if let Some(found) = crate::kernel::personal_data::likely_identifier(text) {
        errors.add(
            field,
            format!("{label} seems to contain {found}. Remove it: use pseudonyms and roles only"),
        );
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RecommendationForm {
    pub reference: String,
    pub source_kind: String,
    pub source_id: String,
    pub source_label: String,
    pub recommendation: String,
    pub priority_item_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecommendationDetails {
    pub reference: String,
    pub source_kind: SourceKind,
    pub source_id: Option<i64>,
    pub source_label: String,
    pub recommendation: String,
    pub priority_item_id: Option<PlanItemId>,
}

/// Reads an optional id from a select; `known` are the ids offered.
pub fn optional_choice<Id: std::str::FromStr + PartialEq>(
    errors: &mut FormErrors,
    field: &str,
    label: &str,
    value: &str,
    known: &[Id],
) -> Option<Id> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match value.parse::<Id>() {
        Ok(id) if known.contains(&id) => Some(id),
        _ => {
            errors.add(
                field,
                format!("Select {} from the list", label.to_lowercase()),
            );
            None
        }
    }
}

impl RecommendationForm {
    /// `priorities` are the ids offered. `named_by_record` when the source is a record of
    /// another module, whose own name replaces whatever the form said and so is not checked.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        priorities: &[PlanItemId],
        named_by_record: bool,
    ) -> Option<RecommendationDetails> {
        let reference = check_reference(errors, &self.reference);
        let source_kind = SourceKind::from_code(&self.source_kind);
        if source_kind.is_none() {
            errors.add("source_kind", "Select where the recommendation came from");
        }
        let source_id = match self.source_id.trim() {
            "" => None,
            id => match id.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.add("source_label", "The source could not be found");
                    None
                }
            },
        };
        let source_label = if named_by_record {
            self.source_label.clone()
        } else {
            let label = errors.required_text("source_label", "Source", &self.source_label, 300);
            check_free_text(errors, "source_label", "Source", &label);
            label
        };
        let recommendation = errors.required_text(
            "recommendation",
            "Recommendation",
            &self.recommendation,
            4000,
        );
        check_free_text(errors, "recommendation", "Recommendation", &recommendation);
        let priority_item_id = optional_choice(
            errors,
            "priority_item_id",
            "Priority",
            &self.priority_item_id,
            priorities,
        );
        if !errors.is_empty() {
            return None;
        }
        Some(RecommendationDetails {
            reference,
            source_kind: source_kind?,
            source_id,
            source_label,
            recommendation,
            priority_item_id,
        })
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub title: String,
    pub owner_organisation_id: String,
    pub owner_person_id: String,
    pub overseeing_group_id: String,
    pub due_on_day: String,
    pub due_on_month: String,
    pub due_on_year: String,
    pub impact_indicator_id: String,
    pub impact_measure: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionDetails {
    pub title: String,
    pub owner_organisation_id: OrganisationId,
    pub owner_person_id: Option<PersonId>,
    pub overseeing_group_id: Option<GroupId>,
    pub due_on: Date,
    pub impact_indicator_id: Option<IndicatorId>,
    pub impact_measure: String,
}

/// The choices an action form offers, so a forged id is refused by name.
pub struct ActionChoices<'a> {
    pub organisations: &'a [OrganisationId],
    /// (person id, their organisation id).
    pub people: &'a [(PersonId, OrganisationId)],
    /// The partnership's live groups.
    pub groups: &'a [GroupId],
    pub indicators: &'a [IndicatorId],
}

impl ActionForm {
    pub fn due_on(&self) -> DateParts {
        DateParts {
            day: self.due_on_day.clone(),
            month: self.due_on_month.clone(),
            year: self.due_on_year.clone(),
        }
    }

    pub fn of(details: &ActionDetails) -> ActionForm {
        let due = DateParts::from_date(Some(details.due_on));
        ActionForm {
            title: details.title.clone(),
            owner_organisation_id: details.owner_organisation_id.to_string(),
            owner_person_id: details
                .owner_person_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            overseeing_group_id: details
                .overseeing_group_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            due_on_day: due.day,
            due_on_month: due.month,
            due_on_year: due.year,
            impact_indicator_id: details
                .impact_indicator_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            impact_measure: details.impact_measure.clone(),
        }
    }

    /// `new` actions must be due in the future; an edit may keep a past due date.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        choices: &ActionChoices,
        today: Date,
        new: bool,
    ) -> Option<ActionDetails> {
        let title = errors.required_text("title", "Action", &self.title, 500);
        check_free_text(errors, "title", "Action", &title);
        let organisation_ids = choices.organisations;
        let owner_organisation_id = match self.owner_organisation_id.trim() {
            "" => {
                errors.add(
                    "owner_organisation_id",
                    "Select the organisation that owns the action",
                );
                None
            }
            value => optional_choice(
                errors,
                "owner_organisation_id",
                "Owning organisation",
                value,
                organisation_ids,
            ),
        };
        let people: Vec<PersonId> = choices.people.iter().map(|(id, _)| *id).collect();
        let owner_person_id = optional_choice(
            errors,
            "owner_person_id",
            "Owner",
            &self.owner_person_id,
            &people,
        );
        if let (Some(person), Some(organisation)) = (owner_person_id, owner_organisation_id)
            && !choices
                .people
                .iter()
                .any(|(id, org)| *id == person && *org == organisation)
        {
            errors.add(
                "owner_person_id",
                "The owner must work for the organisation that owns the action",
            );
        }
        let overseeing_group_id = optional_choice(
            errors,
            "overseeing_group_id",
            "Overseeing group",
            &self.overseeing_group_id,
            choices.groups,
        );
        let due_on = errors.date("due_on", "Due date", &self.due_on(), true);
        if new && due_on.is_some_and(|due| due <= today) {
            errors.add("due_on", "Due date must be in the future");
        }
        let impact_indicator_id = optional_choice(
            errors,
            "impact_indicator_id",
            "Indicator",
            &self.impact_indicator_id,
            choices.indicators,
        );
        let impact_measure = errors.optional_text(
            "impact_measure",
            "Impact measure",
            &self.impact_measure,
            1000,
        );
        check_free_text(errors, "impact_measure", "Impact measure", &impact_measure);
        if impact_indicator_id.is_none() && impact_measure.is_empty() {
            errors.add(
                "impact_measure",
                "Choose an indicator or describe how impact will be measured",
            );
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ActionDetails {
            title,
            owner_organisation_id: owner_organisation_id?,
            owner_person_id,
            overseeing_group_id,
            due_on: due_on?,
            impact_indicator_id,
            impact_measure,
        })
    }
}

/// A link given as evidence: only web addresses, never `javascript:` or local files.
pub fn check_link(errors: &mut FormErrors, field: &str, link: &str) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let lower = link.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or_default();
    let valid = !host.is_empty()
        && link.len() <= 1000
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Some(link.to_owned())
    } else {
        errors.add(
            field,
            "Enter a web address starting with https://, for example https://example.org/report.pdf",
        );
        None
    }
}

/// An owner's digest of their overdue actions and revisits due, as one e-mail body.
pub fn digest_body(owner_name: &str, actions: &[&TrackerAction], today: Date) -> String {
    let mut body = format!(
        "Dear {owner_name},\n\nThese improvement tracker actions you own need your attention as of {}:\n\n",
        long_date(today)
    );
    for action in actions {
        body.push_str(&format!(
            "- {} ({}; from {}): {}\n",
            action.title,
            action.recommendation_reference,
            action.source_label,
            action.state.standing(today).label()
        ));
    }
    body.push_str(
        "\nPlease update each action in MASA: report progress, add evidence, or record its revisit.\n",
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn open(due: Date) -> ActionState {
        ActionState::new(due)
    }

    #[test]
    fn standing_follows_the_dates() {
        let mut state = open(date!(2026 - 11 - 30));
        assert_eq!(state.standing(TODAY), Standing::NotStarted);
        state.status = ActionStatus::AtRisk;
        assert_eq!(state.standing(TODAY), Standing::AtRisk);
        // Due yesterday, still open: overdue by one day.
        state.due_on = date!(2026 - 11 - 22);
        assert_eq!(state.standing(TODAY), Standing::Overdue { days: 1 });
        assert_eq!(state.standing(TODAY).label(), "Overdue by 1 day");
        // Due today is not yet overdue.
        state.due_on = TODAY;
        assert_eq!(state.standing(TODAY), Standing::AtRisk);
        // A completed action is not overdue, whatever its due date; its revisit can be.
        state.status = ActionStatus::Complete;
        state.due_on = date!(2026 - 01 - 01);
        state.revisit_on = Some(date!(2026 - 12 - 01));
        assert_eq!(state.standing(TODAY), Standing::AwaitingRevisit);
        state.revisit_on = Some(date!(2026 - 11 - 13));
        assert_eq!(state.standing(TODAY), Standing::RevisitDue { days: 10 });
        assert!(state.standing(TODAY).needs_attention());
        state.status = ActionStatus::ClosedWithEvidence;
        assert_eq!(state.standing(TODAY), Standing::Closed);
    }

    #[test]
    fn progress_moves_between_open_statuses_only() {
        let state = open(date!(2027 - 03 - 31));
        let on_track = apply(
            &state,
            Change::Progress {
                status: ActionStatus::OnTrack,
            },
            0,
            TODAY,
        )
        .unwrap();
        assert_eq!(on_track.status, ActionStatus::OnTrack);
        let at_risk = apply(
            &on_track,
            Change::Progress {
                status: ActionStatus::AtRisk,
            },
            0,
            TODAY,
        )
        .unwrap();
        assert_eq!(at_risk.status, ActionStatus::AtRisk);
        // A progress update cannot complete or close an action.
        for status in [ActionStatus::Complete, ActionStatus::ClosedWithEvidence] {
            let refused = apply(&at_risk, Change::Progress { status }, 5, TODAY).unwrap_err();
            assert_eq!(refused.field, "status");
        }
    }

    #[test]
    fn completing_needs_a_later_revisit_date() {
        let state = open(date!(2027 - 03 - 31));
        let refused = apply(
            &state,
            Change::Complete {
                completed_on: TODAY,
                revisit_on: TODAY,
            },
            0,
            TODAY,
        )
        .unwrap_err();
        assert_eq!(refused.field, "revisit_on");
        assert!(
            refused
                .message
                .contains("after the date completed (23 November 2026)")
        );
        let refused = apply(
            &state,
            Change::Complete {
                completed_on: date!(2026 - 11 - 24),
                revisit_on: date!(2027 - 02 - 24),
            },
            0,
            TODAY,
        )
        .unwrap_err();
        assert_eq!(refused.field, "completed_on");
        let complete = apply(
            &state,
            Change::Complete {
                completed_on: date!(2026 - 11 - 20),
                revisit_on: date!(2027 - 02 - 20),
            },
            0,
            TODAY,
        )
        .unwrap();
        assert_eq!(complete.status, ActionStatus::Complete);
        assert_eq!(complete.completed_on, Some(date!(2026 - 11 - 20)));
        assert_eq!(complete.revisit_on, Some(date!(2027 - 02 - 20)));
        // Completing twice, or reporting progress on a completed action, is refused.
        assert!(
            apply(
                &complete,
                Change::Complete {
                    completed_on: TODAY,
                    revisit_on: date!(2027 - 05 - 01)
                },
                0,
                TODAY
            )
            .is_err()
        );
        assert!(
            apply(
                &complete,
                Change::Progress {
                    status: ActionStatus::OnTrack
                },
                0,
                TODAY
            )
            .is_err()
        );
    }

    fn completed() -> ActionState {
        ActionState {
            status: ActionStatus::Complete,
            due_on: date!(2026 - 09 - 30),
            completed_on: Some(date!(2026 - 08 - 14)),
            revisit_on: Some(date!(2026 - 11 - 14)),
            revisited_on: None,
            closed_on: None,
        }
    }

    #[test]
    fn an_action_cannot_be_closed_without_evidence() {
        let revisit = Change::Revisit {
            outcome: RevisitOutcome::ImpactEvidenced,
            next_revisit_on: None,
            new_due_on: None,
        };
        let refused = apply(&completed(), revisit, 0, TODAY).unwrap_err();
        assert_eq!(refused.field, "outcome");
        assert!(
            refused
                .message
                .contains("cannot be closed without evidence")
        );
        let closed = apply(&completed(), revisit, 1, TODAY).unwrap();
        assert_eq!(closed.status, ActionStatus::ClosedWithEvidence);
        assert_eq!(closed.closed_on, Some(TODAY));
        assert_eq!(closed.revisited_on, Some(TODAY));
        // Closed is final.
        let after = apply(
            &closed,
            Change::Progress {
                status: ActionStatus::OnTrack,
            },
            1,
            TODAY,
        )
        .unwrap_err();
        assert!(after.message.contains("closed with evidence"));
        // An open action cannot be revisited (and so cannot be closed) at all.
        assert!(apply(&open(date!(2027 - 01 - 01)), revisit, 3, TODAY).is_err());
    }

    #[test]
    fn a_revisit_can_look_again_later_or_reopen() {
        let later = apply(
            &completed(),
            Change::Revisit {
                outcome: RevisitOutcome::NotYetEvident,
                next_revisit_on: Some(date!(2027 - 02 - 23)),
                new_due_on: None,
            },
            0,
            TODAY,
        )
        .unwrap();
        assert_eq!(later.status, ActionStatus::Complete);
        assert_eq!(later.revisit_on, Some(date!(2027 - 02 - 23)));
        assert_eq!(later.standing(TODAY), Standing::AwaitingRevisit);
        let missing = apply(
            &completed(),
            Change::Revisit {
                outcome: RevisitOutcome::NotYetEvident,
                next_revisit_on: Some(TODAY),
                new_due_on: None,
            },
            0,
            TODAY,
        )
        .unwrap_err();
        assert_eq!(missing.field, "next_revisit_on");
        let reopened = apply(
            &completed(),
            Change::Revisit {
                outcome: RevisitOutcome::NotSustained,
                next_revisit_on: None,
                new_due_on: Some(date!(2027 - 03 - 31)),
            },
            0,
            TODAY,
        )
        .unwrap();
        assert_eq!(reopened.status, ActionStatus::OnTrack);
        assert_eq!(reopened.due_on, date!(2027 - 03 - 31));
        assert_eq!(reopened.completed_on, None);
        assert_eq!(reopened.revisit_on, None);
        assert_eq!(reopened.revisited_on, Some(TODAY));
        let no_date = apply(
            &completed(),
            Change::Revisit {
                outcome: RevisitOutcome::NotSustained,
                next_revisit_on: None,
                new_due_on: None,
            },
            0,
            TODAY,
        )
        .unwrap_err();
        assert_eq!(no_date.field, "new_due_on");
    }

    /// Every sequence of changes keeps the invariants: closed only with evidence, a complete
    /// action always has a revisit date after its completion, an open one has neither.
    #[test]
    fn no_sequence_of_changes_breaks_the_invariants() {
        let changes = [
            Change::Progress {
                status: ActionStatus::OnTrack,
            },
            Change::Progress {
                status: ActionStatus::AtRisk,
            },
            Change::Complete {
                completed_on: TODAY,
                revisit_on: date!(2027 - 01 - 10),
            },
            Change::Revisit {
                outcome: RevisitOutcome::ImpactEvidenced,
                next_revisit_on: None,
                new_due_on: None,
            },
            Change::Revisit {
                outcome: RevisitOutcome::NotYetEvident,
                next_revisit_on: Some(date!(2027 - 04 - 01)),
                new_due_on: None,
            },
            Change::Revisit {
                outcome: RevisitOutcome::NotSustained,
                next_revisit_on: None,
                new_due_on: Some(date!(2027 - 06 - 30)),
            },
        ];
        // All sequences of length 5 over 6 changes, with and without evidence: 2 × 6^5.
        for evidence in [0, 1] {
            for mut code in 0..6usize.pow(5) {
                let mut state = open(date!(2027 - 03 - 31));
                for _ in 0..5 {
                    let change = changes[code % 6];
                    code /= 6;
                    if let Ok(next) = apply(&state, change, evidence, TODAY) {
                        state = next;
                    }
                    match state.status {
                        ActionStatus::ClosedWithEvidence => {
                            assert!(evidence > 0);
                            assert!(state.closed_on.is_some());
                        }
                        ActionStatus::Complete => {
                            let (done, revisit) =
                                (state.completed_on.unwrap(), state.revisit_on.unwrap());
                            assert!(revisit > done);
                        }
                        _ => {
                            assert_eq!(state.completed_on, None);
                            assert_eq!(state.revisit_on, None);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn links_must_be_web_addresses() {
        let mut errors = FormErrors::default();
        assert_eq!(
            check_link(&mut errors, "link", " https://example.org/audit.pdf "),
            Some("https://example.org/audit.pdf".into())
        );
        assert_eq!(
            check_link(&mut errors, "link", "http://a"),
            Some("http://a".into())
        );
        assert!(errors.is_empty());
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://",
            "https://a b",
        ] {
            let mut errors = FormErrors::default();
            assert_eq!(check_link(&mut errors, "link", bad), None, "{bad}");
            assert!(errors.get("link").is_some(), "{bad}");
        }
    }

    #[test]
    fn an_action_needs_an_owner_and_a_measure_of_impact() {
        let choices = ActionChoices {
            organisations: &[OrganisationId::new(1), OrganisationId::new(2)],
            people: &[
                (PersonId::new(10), OrganisationId::new(1)),
                (PersonId::new(20), OrganisationId::new(2)),
            ],
            groups: &[GroupId::new(4)],
            indicators: &[IndicatorId::new(7)],
        };
        let mut errors = FormErrors::default();
        let form = ActionForm {
            title: "Audit <b>escalation</b> use".into(),
            owner_organisation_id: "1".into(),
            owner_person_id: "20".into(),
            overseeing_group_id: "4".into(),
            due_on_day: "31".into(),
            due_on_month: "3".into(),
            due_on_year: "2027".into(),
            impact_indicator_id: "".into(),
            impact_measure: "".into(),
        };
        assert!(form.validate(&mut errors, &choices, TODAY, true).is_none());
        assert!(
            errors
                .get("owner_person_id")
                .unwrap()
                .contains("must work for")
        );
        assert!(
            errors
                .get("impact_measure")
                .unwrap()
                .contains("Choose an indicator")
        );
        let mut errors = FormErrors::default();
        let form = ActionForm {
            owner_person_id: "10".into(),
            impact_indicator_id: "7".into(),
            ..form
        };
        let details = form.validate(&mut errors, &choices, TODAY, true).unwrap();
        assert_eq!(details.owner_person_id, Some(PersonId::new(10)));
        assert_eq!(details.overseeing_group_id, Some(GroupId::new(4)));
        assert_eq!(details.impact_indicator_id, Some(IndicatorId::new(7)));
        let mut errors = FormErrors::default();
        let forged = ActionForm {
            owner_organisation_id: "99".into(),
            overseeing_group_id: "5".into(),
            impact_indicator_id: "8".into(),
            due_on_year: "2025".into(),
            ..form
        };
        assert!(
            forged
                .validate(&mut errors, &choices, TODAY, true)
                .is_none()
        );
        assert!(errors.get("owner_organisation_id").is_some());
        assert!(errors.get("overseeing_group_id").is_some());
        assert!(errors.get("impact_indicator_id").is_some());
        assert!(errors.get("due_on").unwrap().contains("future"));
    }
}
