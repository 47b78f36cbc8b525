//! Learning reviews: serious incident notifications and their statutory clocks (Working
//! Together 2023), counted in working days with England and Wales bank holidays. Pure rules.

use masa_workdays::{Calendar, add_months, clocks};
use serde::Serialize;
use time::Date;

use crate::kernel::db::{IsoDate, OptionalIsoDate};
use crate::kernel::ids::{IncidentId, NationalReviewId, OrganisationId, ReviewId};
use crate::kernel::text::{DateParts, FormErrors};

crate::typed_id!(
    /// A finding of a learning review.
    FindingId
);
crate::typed_id!(
    /// A theme findings are tagged with.
    ThemeId
);
crate::typed_id!(
    /// A recommendation of a national review, given a local triage decision.
    NationalRecommendationId
);
crate::typed_id!(
    /// A bank holiday the business unit added.
    BankHolidayId
);

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SeriousIncident {
    pub id: IncidentId,
    pub reference: String,
    /// A pseudonym, never a name: "Child N", "Sibling Group Q".
    pub subject: String,
    pub summary: String,
    #[sqlx(try_from = "IsoDate")]
    pub became_aware_on: Date,
    #[sqlx(try_from = "OptionalIsoDate")]
    pub notified_on: Option<Date>,
    #[sqlx(try_from = "OptionalIsoDate")]
    pub rapid_review_completed_on: Option<Date>,
    #[sqlx(try_from = "OptionalIsoDate")]
    pub local_review_decided_on: Option<Date>,
    #[sqlx(try_from = "OptionalIsoDate")]
    pub local_review_published_on: Option<Date>,
    pub archived_at: Option<String>,
}

impl SeriousIncident {
    /// The dates recorded so far, as the dates form saves them.
    pub fn dates(&self) -> ReviewDates {
        ReviewDates {
            notified_on: self.notified_on,
            rapid_review_completed_on: self.rapid_review_completed_on,
            local_review_decided_on: self.local_review_decided_on,
            local_review_published_on: self.local_review_published_on,
        }
    }
}

/// A bank holiday the business unit added to the bundled England and Wales list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BankHoliday {
    pub id: BankHolidayId,
    #[sqlx(try_from = "IsoDate")]
    pub day: Date,
    pub name: String,
}

/// Where one statutory clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// The event that starts it has not happened.
    NotStarted,
    Running {
        due: Date,
        working_days_left: i64,
    },
    Breached {
        due: Date,
        working_days_over: i64,
    },
    Met {
        due: Date,
        done: Date,
    },
    MetLate {
        due: Date,
        done: Date,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub name: &'static str,
    pub state: ClockState,
}

impl Clock {
    pub fn summary(&self) -> String {
        use crate::kernel::text::long_date;
        match self.state {
            ClockState::NotStarted => "Not started".to_owned(),
            ClockState::Running {
                due,
                working_days_left: 0,
            } => format!("Due today: due {}", long_date(due)),
            ClockState::Running {
                due,
                working_days_left,
            } => {
                format!(
                    "{working_days_left} working day{} left: due {}",
                    if working_days_left == 1 { "" } else { "s" },
                    long_date(due)
                )
            }
            ClockState::Breached {
                due,
                working_days_over,
            } => {
                format!(
                    "Overdue: was due {} ({working_days_over} working day{} ago)",
                    long_date(due),
                    if working_days_over == 1 { "" } else { "s" }
                )
            }
            ClockState::Met { due, done } => {
                format!("Done {} (due {})", long_date(done), long_date(due))
            }
            ClockState::MetLate { due, done } => {
                format!("Done late on {} (due {})", long_date(done), long_date(due))
            }
        }
    }

    /// The words shown beside the clock's tag ([`Clock::tag_text`]), which already says its
    /// state: the dates and the count, without saying "breached" or "not started" twice.
    pub fn beside_tag(&self) -> String {
        use crate::kernel::text::long_date;
        match self.state {
            ClockState::NotStarted => String::new(),
            ClockState::Breached {
                due,
                working_days_over,
            } => format!(
                "Was due {} ({working_days_over} working day{} ago)",
                long_date(due),
                if working_days_over == 1 { "" } else { "s" }
            ),
            ClockState::MetLate { due, done } => {
                format!("Done {} (due {})", long_date(done), long_date(due))
            }
            ClockState::Running { .. } | ClockState::Met { .. } => self.summary(),
        }
    }

    pub fn tag_class(&self) -> &'static str {
        match self.state {
            ClockState::NotStarted => "govuk-tag--grey",
            ClockState::Running {
                working_days_left, ..
            } if working_days_left <= 2 => "govuk-tag--yellow",
            ClockState::Running { .. } => "govuk-tag--blue",
            ClockState::Breached { .. } | ClockState::MetLate { .. } => "govuk-tag--red",
            ClockState::Met { .. } => "govuk-tag--green",
        }
    }

    pub fn tag_text(&self) -> &'static str {
        match self.state {
            ClockState::NotStarted => "Not started",
            ClockState::Running {
                working_days_left, ..
            } if working_days_left <= 2 => "Due soon",
            ClockState::Running { .. } => "Running",
            ClockState::Breached { .. } => "Breached",
            ClockState::Met { .. } => "Met",
            ClockState::MetLate { .. } => "Met late",
        }
    }
}

fn state(calendar: &Calendar, due: Date, done: Option<Date>, today: Date) -> ClockState {
    match done {
        Some(done) if done <= due => ClockState::Met { due, done },
        Some(done) => ClockState::MetLate { due, done },
        None if today > due => ClockState::Breached {
            due,
            working_days_over: calendar.working_days_between(due, today).max(1),
        },
        None => ClockState::Running {
            due,
            working_days_left: calendar.working_days_between(today, due),
        },
    }
}

/// The three clocks: notify the Panel within 5 working days of becoming aware; complete the
/// rapid review within 15 working days of notifying; complete and publish a local CSPR within
/// 6 months of deciding to hold one.
pub fn clocks(incident: &SeriousIncident, calendar: &Calendar, today: Date) -> [Clock; 3] {
    let panel_due = calendar.add_working_days(
        incident.became_aware_on,
        clocks::PANEL_NOTIFICATION_WORKING_DAYS,
    );
    let panel = state(calendar, panel_due, incident.notified_on, today);
    let rapid = match incident.notified_on {
        Some(notified) => state(
            calendar,
            calendar.add_working_days(notified, clocks::RAPID_REVIEW_WORKING_DAYS),
            incident.rapid_review_completed_on,
            today,
        ),
        None => ClockState::NotStarted,
    };
    let local = match incident.local_review_decided_on {
        Some(decided) => state(
            calendar,
            add_months(decided, clocks::LOCAL_REVIEW_MONTHS),
            incident.local_review_published_on,
            today,
        ),
        None => ClockState::NotStarted,
    };
    [
        Clock {
            name: "Notify the national Panel (5 working days)",
            state: panel,
        },
        Clock {
            name: "Rapid review (15 working days from notification)",
            state: rapid,
        },
        Clock {
            name: "Local review published (6 months from decision)",
            state: local,
        },
    ]
}

/// Subjects are recorded by pseudonym only. An empty field is asked for (the blank-field
/// message); only a value that is there and wrong gets the pseudonym rule.
pub fn check_subject(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter the subject's pseudonym, such as Child N");
    }
    let rest = ["Child ", "Sibling Group ", "Young Person ", "Family "]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .ok_or("Subject must be a pseudonym such as Child N or Sibling Group Q, never a name")?;
    if rest.is_empty() || rest.len() > 6 || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(
            "Subject must be a pseudonym such as Child N or Sibling Group Q: a short letter or number after the word",
        );
    }
    Ok(text.to_owned())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentDetails {
    pub reference: String,
    pub subject: String,
    pub summary: String,
    pub became_aware_on: Date,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct IncidentForm {
    pub reference: String,
    pub subject: String,
    pub summary: String,
    pub became_aware_on_day: String,
    pub became_aware_on_month: String,
    pub became_aware_on_year: String,
}

impl IncidentForm {
    pub fn became_aware_on(&self) -> DateParts {
        DateParts {
            day: self.became_aware_on_day.clone(),
            month: self.became_aware_on_month.clone(),
            year: self.became_aware_on_year.clone(),
        }
    }

    pub fn validate(&self, errors: &mut FormErrors, today: Date) -> Option<IncidentDetails> {
        let reference = errors.required_text("reference", "Reference", &self.reference, 30);
        let subject = match check_subject(&self.subject) {
            Ok(subject) => subject,
            Err(message) => {
                errors.add("subject", message);
                String::new()
            }
        };
        let summary = errors.required_text("summary", "Summary", &self.summary, 4000);
        if let Some(found) = crate::kernel::personal_data::likely_identifier(&summary) {
            errors.add(
                "summary",
                format!(
                    "The summary seems to contain {found}. Remove it: use pseudonyms and roles only"
                ),
            );
        }
        let became_aware_on = errors.date(
            "became_aware_on",
            "Date the partnership became aware",
            &self.became_aware_on(),
            true,
        );
        if became_aware_on.is_some_and(|date| date > today) {
            errors.add(
                "became_aware_on",
                "Date the partnership became aware must be today or in the past",
            );
        }
        if !errors.is_empty() {
            return None;
        }
        Some(IncidentDetails {
            reference,
            subject,
            summary,
            became_aware_on: became_aware_on?,
        })
    }
}

/// The dates that stop (or start) the clocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReviewDates {
    pub notified_on: Option<Date>,
    pub rapid_review_completed_on: Option<Date>,
    pub local_review_decided_on: Option<Date>,
    pub local_review_published_on: Option<Date>,
}

pub const DATE_FIELDS: [(&str, &str); 4] = [
    ("notified_on", "Date the national Panel was notified"),
    (
        "rapid_review_completed_on",
        "Date the rapid review was completed",
    ),
    (
        "local_review_decided_on",
        "Date a local review was decided on",
    ),
    (
        "local_review_published_on",
        "Date the local review was published",
    ),
];

/// Checks the dates run in order and none is in the future. `parts` are the four date inputs.
pub fn check_review_dates(
    parts: &[DateParts; 4],
    became_aware_on: Date,
    today: Date,
    errors: &mut FormErrors,
) -> ReviewDates {
    let mut dates = [None; 4];
    for (index, (field, label)) in DATE_FIELDS.iter().enumerate() {
        dates[index] = errors.date(field, label, &parts[index], false);
        if dates[index].is_some_and(|date| date > today) {
            errors.add(field, format!("{label} must be today or in the past"));
        }
    }
    let [notified, completed, decided, published] = dates;
    if notified.is_some_and(|date| date < became_aware_on) {
        errors.add(
            "notified_on",
            "The Panel cannot be notified before the partnership became aware",
        );
    }
    if completed.is_some() && notified.is_none() {
        errors.add(
            "rapid_review_completed_on",
            "Enter the date the Panel was notified first",
        );
    }
    if let (Some(notified), Some(completed)) = (notified, completed)
        && completed < notified
    {
        errors.add(
            "rapid_review_completed_on",
            "The rapid review cannot be completed before the notification",
        );
    }
    if published.is_some() && decided.is_none() {
        errors.add(
            "local_review_published_on",
            "Enter the date the local review was decided on first",
        );
    }
    if let (Some(decided), Some(published)) = (decided, published)
        && published < decided
    {
        errors.add(
            "local_review_published_on",
            "A review cannot be published before it was decided on",
        );
    }
    ReviewDates {
        notified_on: notified,
        rapid_review_completed_on: completed,
        local_review_decided_on: decided,
        local_review_published_on: published,
    }
}

/// Codes for the three clocks, in the order `clocks` returns them: how a warning names its clock.
pub const CLOCK_CODES: [&str; 3] = ["panel_notification", "rapid_review", "local_review"];

/// The advance warnings the business unit is sent about a clock, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// Due within 2 working days (today included).
    DueSoon,
    Breached,
}

impl WarningKind {
    pub fn code(self) -> &'static str {
        match self {
            WarningKind::DueSoon => "due_soon",
            WarningKind::Breached => "breached",
        }
    }
}

/// Working days before a due date at which the business unit is warned.
pub const WARNING_WORKING_DAYS: i64 = 2;

/// The warning a clock calls for today, with its due date; none when it is not running close
/// to its deadline or has been met.
pub fn warning_for(clock: &Clock) -> Option<(WarningKind, Date)> {
    match clock.state {
        ClockState::Running {
            due,
            working_days_left,
        } if working_days_left <= WARNING_WORKING_DAYS => Some((WarningKind::DueSoon, due)),
        ClockState::Breached { due, .. } => Some((WarningKind::Breached, due)),
        _ => None,
    }
}

/// The kinds of learning review the partnership holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReviewType {
    RapidReview,
    LocalCspr,
    NationalReviewFollowUp,
    LearningCircle,
    LocalReflectiveReview,
    ThematicAudit,
}

impl ReviewType {
    pub const ALL: [ReviewType; 6] = [
        ReviewType::RapidReview,
        ReviewType::LocalCspr,
        ReviewType::NationalReviewFollowUp,
        ReviewType::LearningCircle,
        ReviewType::LocalReflectiveReview,
        ReviewType::ThematicAudit,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReviewType::RapidReview => "rapid_review",
            ReviewType::LocalCspr => "local_cspr",
            ReviewType::NationalReviewFollowUp => "national_review_follow_up",
            ReviewType::LearningCircle => "learning_circle",
            ReviewType::LocalReflectiveReview => "local_reflective_review",
            ReviewType::ThematicAudit => "thematic_audit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewType::RapidReview => "Rapid review",
            ReviewType::LocalCspr => "Local child safeguarding practice review",
            ReviewType::NationalReviewFollowUp => "National review follow-up",
            ReviewType::LearningCircle => "Learning circle",
            ReviewType::LocalReflectiveReview => "Local reflective review",
            ReviewType::ThematicAudit => "Thematic audit",
        }
    }

    pub fn from_code(code: &str) -> Option<ReviewType> {
        ReviewType::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

// A review type as stored; an unknown code refuses the row.
crate::stored_code!(ReviewType, "review type");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReviewStatus {
    Planned,
    InProgress,
    Completed,
    Published,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::Planned,
        ReviewStatus::InProgress,
        ReviewStatus::Completed,
        ReviewStatus::Published,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReviewStatus::Planned => "planned",
            ReviewStatus::InProgress => "in_progress",
            ReviewStatus::Completed => "completed",
            ReviewStatus::Published => "published",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::Planned => "Planned",
            ReviewStatus::InProgress => "In progress",
            ReviewStatus::Completed => "Completed",
            ReviewStatus::Published => "Published",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            ReviewStatus::Planned => "govuk-tag--grey",
            ReviewStatus::InProgress => "govuk-tag--blue",
            ReviewStatus::Completed => "govuk-tag--green",
            ReviewStatus::Published => "govuk-tag--purple",
        }
    }

    pub fn from_code(code: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL
            .into_iter()
            .find(|status| status.code() == code)
    }

    /// Completed and published reviews have a completion date; others do not yet.
    pub fn is_finished(self) -> bool {
        matches!(self, ReviewStatus::Completed | ReviewStatus::Published)
    }
}

// A review status as stored; an unknown code refuses the row.
crate::stored_code!(ReviewStatus, "review status");

/// What was decided at the end of a review (a rapid review decides whether a local CSPR follows).
pub const DECISIONS: [(&str, &str); 7] = [
    ("", "Not decided yet"),
    ("local_cspr", "Local child safeguarding practice review"),
    ("no_further_review", "No further review"),
    ("learning_circle", "Learning circle"),
    ("local_reflective_review", "Local reflective review"),
    ("thematic_audit", "Thematic audit"),
    ("single_agency_learning", "Single-agency learning"),
];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LearningReview {
    pub id: ReviewId,
    pub reference: String,
    #[sqlx(try_from = "String")]
    pub review_type: ReviewType,
    /// A pseudonym, never a name.
    pub subject: String,
    pub serious_incident_id: Option<IncidentId>,
    pub chair_role: String,
    pub summary: String,
    #[sqlx(try_from = "IsoDate")]
    pub started_on: Date,
    #[sqlx(try_from = "OptionalIsoDate")]
    pub completed_on: Option<Date>,
    pub panel_response: String,
    pub decision: String,
    pub decision_rationale: String,
    #[sqlx(try_from = "String")]
    pub status: ReviewStatus,
    pub archived_at: Option<String>,
}

impl LearningReview {
    /// "Rapid review RR-2025-01 (Child N)": how the tracker and the chart name a review.
    pub fn label(&self) -> String {
        format!(
            "{} {} ({})",
            self.review_type.label(),
            self.reference,
            self.subject
        )
    }

    /// What was decided at the end of the review, in words.
    pub fn decision_label(&self) -> &'static str {
        DECISIONS
            .iter()
            .find(|(known, _)| *known == self.decision)
            .map_or("Not decided yet", |(_, label)| label)
    }

    /// Only a rapid review has a response from the national Panel.
    pub fn is_rapid_review(&self) -> bool {
        self.review_type == ReviewType::RapidReview
    }

    /// "31 March 2025", or "Not yet" while open.
    pub fn completed_label(&self) -> String {
        self.completed_on
            .map_or_else(|| "Not yet".to_owned(), crate::kernel::text::long_date)
    }

    /// The date that places a review in a reporting year: when it was completed, or, while it
    /// is still open, when it started.
    pub fn period_date(&self) -> Date {
        self.completed_on.unwrap_or(self.started_on)
    }
}

/// A review as entered and checked, ready to save.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewDetails {
    pub reference: String,
    pub review_type: ReviewType,
    pub subject: String,
    pub serious_incident_id: Option<IncidentId>,
    pub chair_role: String,
    pub summary: String,
    pub started_on: Date,
    pub completed_on: Option<Date>,
    pub panel_response: String,
    pub decision: String,
    pub decision_rationale: String,
    pub status: ReviewStatus,
    pub agencies: Vec<OrganisationId>,
}

/// The review form as typed: text kept as entered so a refused form shows it again.
#[derive(Debug, Clone, Default)]
pub struct ReviewForm {
    pub reference: String,
    pub review_type: String,
    pub subject: String,
    pub serious_incident_id: String,
    pub chair_role: String,
    pub summary: String,
    pub started_on: DateParts,
    pub completed_on: DateParts,
    pub panel_response: String,
    pub decision: String,
    pub decision_rationale: String,
    pub status: String,
    pub agencies: Vec<String>,
}

/// Adds an error when free text seems to hold personal data; the label names the field.
pub fn check_free_text(errors: &mut FormErrors, field: &str, label: &str, text: &str) {
    if let Some(found) = crate::kernel::personal_data::likely_identifier(text) {
        errors.add(
            field,
            format!("{label} seems to contain {found}. Remove it: use pseudonyms and roles only"),
        );
    }
}

impl ReviewForm {
    pub fn from_review(review: &LearningReview, agencies: &[OrganisationId]) -> ReviewForm {
        ReviewForm {
            reference: review.reference.clone(),
            review_type: review.review_type.code().to_owned(),
            subject: review.subject.clone(),
            serious_incident_id: review
                .serious_incident_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            chair_role: review.chair_role.clone(),
            summary: review.summary.clone(),
            started_on: DateParts::from_date(Some(review.started_on)),
            completed_on: DateParts::from_date(review.completed_on),
            panel_response: review.panel_response.clone(),
            decision: review.decision.clone(),
            decision_rationale: review.decision_rationale.clone(),
            status: review.status.code().to_owned(),
            agencies: agencies.iter().map(|id| id.to_string()).collect(),
        }
    }

    /// Checks the form against the known serious incidents and organisations (ids offered in
    /// the form's lists); anything else is refused as not from the list.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        incidents: &[IncidentId],
        organisations: &[OrganisationId],
        today: Date,
    ) -> Option<ReviewDetails> {
        let reference = errors.required_text("reference", "Reference", &self.reference, 30);
        let review_type = ReviewType::from_code(&self.review_type);
        if review_type.is_none() {
            errors.add("review_type", "Select the type of review");
        }
        let subject = match check_subject(&self.subject) {
            Ok(subject) => subject,
            Err(message) => {
                errors.add("subject", message);
                String::new()
            }
        };
        let serious_incident_id = match self.serious_incident_id.trim() {
            "" => None,
            text => match text.parse::<IncidentId>() {
                Ok(id) if incidents.contains(&id) => Some(id),
                _ => {
                    errors.add(
                        "serious_incident_id",
                        "Select a serious incident notification from the list",
                    );
                    None
                }
            },
        };
        let chair_role = errors.required_text("chair_role", "Chair", &self.chair_role, 200);
        check_free_text(errors, "chair_role", "The chair", &chair_role);
        let summary = errors.optional_text("summary", "Summary", &self.summary, 4000);
        check_free_text(errors, "summary", "The summary", &summary);
        let started_on = errors.date("started_on", "Date started", &self.started_on, true);
        if started_on.is_some_and(|date| date > today) {
            errors.add("started_on", "Date started must be today or in the past");
        }
        let completed_on = errors.date(
            "completed_on",
            "Date completed or published",
            &self.completed_on,
            false,
        );
        if completed_on.is_some_and(|date| date > today) {
            errors.add(
                "completed_on",
                "Date completed or published must be today or in the past",
            );
        }
        if let (Some(started), Some(completed)) = (started_on, completed_on)
            && completed < started
        {
            errors.add(
                "completed_on",
                "A review cannot be completed before it started",
            );
        }
        let panel_response = errors.optional_text(
            "panel_response",
            "Panel response",
            &self.panel_response,
            4000,
        );
        check_free_text(
            errors,
            "panel_response",
            "The Panel's response",
            &panel_response,
        );
        if !panel_response.is_empty()
            && review_type.is_some_and(|kind| kind != ReviewType::RapidReview)
        {
            errors.add(
                "panel_response",
                "Only a rapid review has a response from the national Panel: leave this blank",
            );
        }
        let decision = self.decision.trim().to_owned();
        if !DECISIONS.iter().any(|(code, _)| *code == decision) {
            errors.add("decision", "Select a decision from the list");
        }
        let decision_rationale = errors.optional_text(
            "decision_rationale",
            "Rationale",
            &self.decision_rationale,
            4000,
        );
        check_free_text(
            errors,
            "decision_rationale",
            "The rationale",
            &decision_rationale,
        );
        if !decision.is_empty() && decision_rationale.is_empty() {
            errors.add("decision_rationale", "Enter the rationale for the decision");
        }
        let status = ReviewStatus::from_code(&self.status);
        match status {
            None => errors.add("status", "Select the status"),
            Some(status) if status.is_finished() && completed_on.is_none() => errors.add(
                "completed_on",
                "Enter the date the review was completed or published",
            ),
            Some(status) if !status.is_finished() && completed_on.is_some() => errors.add(
                "status",
                "A review with a completion date is completed or published",
            ),
            Some(_) => {}
        }
        let mut agencies = Vec::new();
        for text in &self.agencies {
            match text.trim().parse::<OrganisationId>() {
                Ok(id) if organisations.contains(&id) => {
                    if !agencies.contains(&id) {
                        agencies.push(id);
                    }
                }
                _ => errors.add("agencies", "Select agencies from the list"),
            }
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ReviewDetails {
            reference,
            review_type: review_type?,
            subject,
            serious_incident_id,
            chair_role,
            summary,
            started_on: started_on?,
            completed_on,
            panel_response,
            decision,
            decision_rationale,
            status: status?,
            agencies,
        })
    }
}

/// A theme the business unit keeps, which findings are tagged with.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Theme {
    pub id: ThemeId,
    pub name: String,
    pub description: String,
    pub archived_at: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ThemeForm {
    pub name: String,
    pub description: String,
}

impl ThemeForm {
    pub fn validate(&self, errors: &mut FormErrors) -> Option<ThemeForm> {
        let name = errors.required_text("name", "Theme", &self.name, 100);
        check_free_text(errors, "name", "The theme", &name);
        let description =
            errors.optional_text("description", "Description", &self.description, 1000);
        check_free_text(errors, "description", "The description", &description);
        errors.is_empty().then_some(ThemeForm { name, description })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub review_id: ReviewId,
    pub finding: String,
    /// (theme id, theme name)
    pub themes: Vec<(ThemeId, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingDetails {
    pub finding: String,
    pub themes: Vec<ThemeId>,
}

/// Checks a finding and its themes, which must be among the themes offered.
pub fn check_finding(
    finding: &str,
    themes: &[String],
    known_themes: &[ThemeId],
    errors: &mut FormErrors,
) -> Option<FindingDetails> {
    let finding = errors.required_text("finding", "Finding", finding, 4000);
    check_free_text(errors, "finding", "The finding", &finding);
    let mut chosen = Vec::new();
    for text in themes {
        match text.trim().parse::<ThemeId>() {
            Ok(id) if known_themes.contains(&id) => {
                if !chosen.contains(&id) {
                    chosen.push(id);
                }
            }
            _ => errors.add("themes", "Select themes from the list"),
        }
    }
    if themes.is_empty() {
        errors.add("themes", "Select at least one theme");
    }
    errors.is_empty().then_some(FindingDetails {
        finding,
        themes: chosen,
    })
}

/// A financial year, April to March: the partnership's reporting year ("2024-25").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FinancialYear {
    pub start_year: i32,
}

impl FinancialYear {
    pub fn containing(date: Date) -> FinancialYear {
        let start_year = if date.month() >= time::Month::April {
            date.year()
        } else {
            date.year() - 1
        };
        FinancialYear { start_year }
    }

    /// "2024-25".
    pub fn label(self) -> String {
        format!(
            "{}-{:02}",
            self.start_year,
            (self.start_year + 1).rem_euclid(100)
        )
    }

    /// Reads "2024-25" (the second part must follow the first).
    pub fn parse(text: &str) -> Option<FinancialYear> {
        let (first, second) = text.trim().split_once('-')?;
        let start_year: i32 = first.parse().ok()?;
        let end: i32 = second.parse().ok()?;
        ((1990..=2100).contains(&start_year)
            && second.len() == 2
            && end == (start_year + 1).rem_euclid(100))
        .then_some(FinancialYear { start_year })
    }

    pub fn first_day(self) -> Option<Date> {
        Date::from_calendar_date(self.start_year, time::Month::April, 1).ok()
    }

    pub fn last_day(self) -> Option<Date> {
        Date::from_calendar_date(self.start_year + 1, time::Month::March, 31).ok()
    }

    pub fn contains(self, date: Date) -> bool {
        FinancialYear::containing(date) == self
    }
}

/// One theme on one finding of one review: the rows the themes chart is counted from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThemeTag {
    pub theme_id: ThemeId,
    pub theme_name: String,
    pub review_id: ReviewId,
    pub review_reference: String,
    #[sqlx(try_from = "IsoDate")]
    pub review_period_date: Date,
    pub finding_id: FindingId,
}

/// A theme's place in a year's learning: how many reviews showed it, over how many findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeCount {
    pub theme_id: ThemeId,
    pub name: String,
    /// References of the reviews in which the theme was found, in order.
    pub reviews: Vec<String>,
    pub findings: usize,
}

/// Themes across the reviews of a year, most reviews first (then by name): a theme counts once
/// per review however many of its findings carry it, as in the yearly report's chart.
pub fn themes_across_reviews(tags: &[ThemeTag], year: FinancialYear) -> Vec<ThemeCount> {
    let mut counts: Vec<ThemeCount> = Vec::new();
    let mut seen: Vec<(ThemeId, FindingId)> = Vec::new();
    for tag in tags
        .iter()
        .filter(|tag| year.contains(tag.review_period_date))
    {
        let index = match counts
            .iter()
            .position(|count| count.theme_id == tag.theme_id)
        {
            Some(index) => index,
            None => {
                counts.push(ThemeCount {
                    theme_id: tag.theme_id,
                    name: tag.theme_name.clone(),
                    reviews: Vec::new(),
                    findings: 0,
                });
                counts.len() - 1
            }
        };
        let count = &mut counts[index];
        if !seen.contains(&(tag.theme_id, tag.finding_id)) {
            seen.push((tag.theme_id, tag.finding_id));
            count.findings += 1;
        }
        if !count.reviews.contains(&tag.review_reference) {
            count.reviews.push(tag.review_reference.clone());
        }
    }
    for count in &mut counts {
        count.reviews.sort();
    }
    counts.sort_by(|a, b| {
        b.reviews
            .len()
            .cmp(&a.reviews.len())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    counts
}

/// The first `max` characters of a text, with an ellipsis when cut.
pub fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{}\u{2026}", cut.trim_end())
}

/// The year the themes page opens on: the latest financial year, up to this one, whose reviews
/// have tagged findings (last year's report while this year's reviews are still open), else
/// this year.
pub fn default_year(tags: &[ThemeTag], today: Date) -> FinancialYear {
    let this_year = FinancialYear::containing(today);
    tags.iter()
        .map(|tag| FinancialYear::containing(tag.review_period_date))
        .filter(|year| *year <= this_year)
        .max()
        .unwrap_or(this_year)
}

/// A national review, or another area's, logged for local triage.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct NationalReview {
    pub id: NationalReviewId,
    pub title: String,
    pub source: String,
    #[sqlx(try_from = "IsoDate")]
    pub published_on: Date,
    pub link: String,
    pub archived_at: Option<String>,
}

pub const REVIEW_SOURCES: [&str; 3] = [
    "National Panel",
    "Other partnership",
    "National Panel thematic review",
];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NationalReviewDetails {
    pub title: String,
    pub source: String,
    pub published_on: Date,
    pub link: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NationalReviewForm {
    pub title: String,
    pub source: String,
    pub published_on_day: String,
    pub published_on_month: String,
    pub published_on_year: String,
    pub link: String,
}

impl NationalReviewForm {
    pub fn published_on(&self) -> DateParts {
        DateParts {
            day: self.published_on_day.clone(),
            month: self.published_on_month.clone(),
            year: self.published_on_year.clone(),
        }
    }

    pub fn validate(&self, errors: &mut FormErrors, today: Date) -> Option<NationalReviewDetails> {
        let title = errors.required_text("title", "Title", &self.title, 300);
        check_free_text(errors, "title", "The title", &title);
        let source = errors.choice("source", "Source", self.source.trim(), &REVIEW_SOURCES);
        let published_on =
            errors.date("published_on", "Date published", &self.published_on(), true);
        if published_on.is_some_and(|date| date > today) {
            errors.add(
                "published_on",
                "Date published must be today or in the past",
            );
        }
        let link = errors.required_text("link", "Link", &self.link, 500);
        if !link.is_empty() && !is_web_link(&link) {
            errors.add(
                "link",
                "Enter the link in the correct format, like https://www.gov.uk/…",
            );
        }
        if !errors.is_empty() {
            return None;
        }
        Some(NationalReviewDetails {
            title,
            source,
            published_on: published_on?,
            link,
        })
    }
}

/// A link people may follow: https (or http) with a host and no spaces or quotes.
pub fn is_web_link(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && !text
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
    })
}

/// The local decision on a national recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TriageDecision {
    Applies,
    AlreadyCovered,
    NotApplicable,
}

impl TriageDecision {
    pub const ALL: [TriageDecision; 3] = [
        TriageDecision::Applies,
        TriageDecision::AlreadyCovered,
        TriageDecision::NotApplicable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TriageDecision::Applies => "applies",
            TriageDecision::AlreadyCovered => "already_covered",
            TriageDecision::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TriageDecision::Applies => "Applies here",
            TriageDecision::AlreadyCovered => "Already covered",
            TriageDecision::NotApplicable => "Not applicable",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            TriageDecision::Applies => "govuk-tag--orange",
            TriageDecision::AlreadyCovered => "govuk-tag--green",
            TriageDecision::NotApplicable => "govuk-tag--grey",
        }
    }

    pub fn from_code(code: &str) -> Option<TriageDecision> {
        TriageDecision::ALL
            .into_iter()
            .find(|decision| decision.code() == code)
    }
}

/// A stored triage decision: none yet, or a code (one not known reads as none, as undecided).
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct StoredDecision(Option<String>);

impl From<StoredDecision> for Option<TriageDecision> {
    fn from(stored: StoredDecision) -> Option<TriageDecision> {
        stored.0.as_deref().and_then(TriageDecision::from_code)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Recommendation {
    pub id: NationalRecommendationId,
    pub national_review_id: NationalReviewId,
    pub recommendation: String,
    #[sqlx(try_from = "StoredDecision")]
    pub triage_decision: Option<TriageDecision>,
    pub triage_rationale: String,
    pub triaged_by: Option<String>,
    pub triaged_at: Option<String>,
}

impl Recommendation {
    /// Decided as applying here: the one decision that leads to the improvement tracker.
    pub fn applies_here(&self) -> bool {
        self.triage_decision == Some(TriageDecision::Applies)
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TriageForm {
    pub decision: String,
    pub rationale: String,
}

impl TriageForm {
    pub fn validate(&self, errors: &mut FormErrors) -> Option<(TriageDecision, String)> {
        let decision = TriageDecision::from_code(self.decision.trim());
        if decision.is_none() {
            errors.add("decision", "Select whether the recommendation applies here");
        }
        let rationale = errors.required_text("rationale", "Rationale", &self.rationale, 4000);
        check_free_text(errors, "rationale", "The rationale", &rationale);
        if !errors.is_empty() {
            return None;
        }
        Some((decision?, rationale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn incident(aware: Date) -> SeriousIncident {
        SeriousIncident {
            id: IncidentId::new(1),
            reference: "SIN-01".into(),
            subject: "Child N".into(),
            summary: String::new(),
            became_aware_on: aware,
            notified_on: None,
            rapid_review_completed_on: None,
            local_review_decided_on: None,
            local_review_published_on: None,
            archived_at: None,
        }
    }

    #[test]
    fn the_words_beside_a_clocks_tag_never_repeat_it() {
        let due = date!(2026 - 03 - 02);
        let done = date!(2026 - 03 - 04);
        for state in [
            ClockState::NotStarted,
            ClockState::Running {
                due,
                working_days_left: 0,
            },
            ClockState::Running {
                due,
                working_days_left: 1,
            },
            ClockState::Running {
                due,
                working_days_left: 9,
            },
            ClockState::Breached {
                due,
                working_days_over: 1,
            },
            ClockState::Met { due, done },
            ClockState::MetLate { due, done },
        ] {
            let clock = Clock {
                name: "Rapid review",
                state,
            };
            let beside = clock.beside_tag().to_lowercase();
            assert!(
                !beside.contains(&clock.tag_text().to_lowercase()),
                "{} beside {}",
                beside,
                clock.tag_text()
            );
            assert!(!beside.contains("overdue") || clock.tag_text() != "Breached");
        }
    }

    #[test]
    fn clocks_run_over_christmas_and_new_year() {
        let calendar = Calendar::england_and_wales();
        // Aware Thursday 18 December 2025: 5 working days skip Christmas and Boxing Day.
        let mut case = incident(date!(2025 - 12 - 18));
        let [panel, rapid, local] = clocks(&case, &calendar, date!(2025 - 12 - 22));
        assert_eq!(
            panel.state,
            ClockState::Running {
                due: date!(2025 - 12 - 29),
                working_days_left: 3
            }
        );
        assert_eq!(rapid.state, ClockState::NotStarted);
        assert_eq!(local.state, ClockState::NotStarted);
        // Notified on Tuesday 23 December: the rapid review is due 15 working days later,
        // skipping 25, 26 December and 1 January: 24, 29, 30, 31 Dec, 2, 5–9, 12–16 Jan,
        // so Friday 16 January 2026.
        case.notified_on = Some(date!(2025 - 12 - 23));
        let [panel, rapid, _] = clocks(&case, &calendar, date!(2026 - 01 - 20));
        assert_eq!(
            panel.state,
            ClockState::Met {
                due: date!(2025 - 12 - 29),
                done: date!(2025 - 12 - 23)
            }
        );
        assert_eq!(
            rapid.state,
            ClockState::Breached {
                due: date!(2026 - 01 - 16),
                working_days_over: 2
            }
        );
        assert_eq!(rapid.tag_text(), "Breached");
        case.rapid_review_completed_on = Some(date!(2026 - 01 - 19));
        assert_eq!(
            clocks(&case, &calendar, date!(2026 - 01 - 20))[1].state,
            ClockState::MetLate {
                due: date!(2026 - 01 - 16),
                done: date!(2026 - 01 - 19)
            }
        );
        // A local review decided on 31 August 2026 is due six calendar months later.
        case.local_review_decided_on = Some(date!(2026 - 08 - 31));
        let local = clocks(&case, &calendar, date!(2026 - 11 - 23))[2];
        assert!(
            matches!(local.state, ClockState::Running { due, .. } if due == date!(2027 - 02 - 28))
        );
    }

    #[test]
    fn subjects_are_pseudonyms() {
        assert_eq!(check_subject(" Child N "), Ok("Child N".into()));
        assert!(check_subject("Sibling Group Q").is_ok());
        assert!(check_subject("Tommy Smith").is_err());
        assert!(check_subject("Child Tommy-Smith").is_err());
        assert!(check_subject("Child ").is_err());
        assert_eq!(
            check_subject("  "),
            Err("Enter the subject's pseudonym, such as Child N"),
            "an empty field is asked for, not told the rule"
        );
        assert!(
            check_subject("Tommy Smith")
                .unwrap_err()
                .starts_with("Subject must be a pseudonym")
        );
    }

    #[test]
    fn review_dates_run_in_order() {
        let aware = date!(2026 - 03 - 02);
        let parts = |d: &str| {
            let bits: Vec<&str> = d.split('-').collect();
            if bits.len() == 3 {
                DateParts {
                    year: bits[0].into(),
                    month: bits[1].into(),
                    day: bits[2].into(),
                }
            } else {
                DateParts::default()
            }
        };
        let mut errors = FormErrors::default();
        check_review_dates(
            &[
                parts("2026-02-27"),
                parts("2026-02-20"),
                parts(""),
                parts("2026-06-01"),
            ],
            aware,
            date!(2026 - 11 - 23),
            &mut errors,
        );
        assert!(
            errors
                .get("notified_on")
                .unwrap()
                .contains("before the partnership became aware")
        );
        assert!(
            errors
                .get("rapid_review_completed_on")
                .unwrap()
                .contains("before the notification")
        );
        assert!(
            errors
                .get("local_review_published_on")
                .unwrap()
                .contains("decided on first")
        );
        let mut errors = FormErrors::default();
        let dates = check_review_dates(
            &[
                parts("2026-03-04"),
                parts("2026-03-20"),
                parts("2026-04-01"),
                parts(""),
            ],
            aware,
            date!(2026 - 11 - 23),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(dates.notified_on, Some(date!(2026 - 03 - 04)));
        let mut errors = FormErrors::default();
        check_review_dates(
            &[parts("2027-01-01"), parts(""), parts(""), parts("")],
            aware,
            date!(2026 - 11 - 23),
            &mut errors,
        );
        assert!(
            errors
                .get("notified_on")
                .unwrap()
                .contains("today or in the past")
        );
    }

    fn review_form() -> ReviewForm {
        ReviewForm {
            reference: "RR-2026-01".into(),
            review_type: "rapid_review".into(),
            subject: "Child R".into(),
            serious_incident_id: "7".into(),
            chair_role: "Designated Nurse for Safeguarding Children".into(),
            summary: "Agencies met within the 15 working days.".into(),
            started_on: DateParts::from_date(Some(date!(2026 - 10 - 09))),
            completed_on: DateParts::default(),
            panel_response: String::new(),
            decision: String::new(),
            decision_rationale: String::new(),
            status: "in_progress".into(),
            agencies: vec!["3".into(), "3".into(), "4".into()],
        }
    }

    #[test]
    fn a_review_needs_a_pseudonym_known_ids_and_consistent_dates() {
        let today = date!(2026 - 11 - 23);
        let incidents = [IncidentId::new(7)];
        let organisations = [OrganisationId::new(3), OrganisationId::new(4)];
        let mut errors = FormErrors::default();
        let details = review_form()
            .validate(&mut errors, &incidents, &organisations, today)
            .unwrap();
        assert!(errors.is_empty());
        assert_eq!(
            details.agencies,
            vec![OrganisationId::new(3), OrganisationId::new(4)]
        );
        assert_eq!(details.serious_incident_id, Some(IncidentId::new(7)));

        let mut form = review_form();
        form.subject = "Jayden Smith".into();
        form.serious_incident_id = "99".into();
        form.agencies = vec!["5".into()];
        form.chair_role = "Mr Jones".into();
        form.status = "completed".into();
        form.decision = "local_cspr".into();
        let mut errors = FormErrors::default();
        assert!(
            form.validate(&mut errors, &incidents, &organisations, today)
                .is_none()
        );
        assert!(errors.get("subject").unwrap().contains("never a name"));
        assert!(errors.get("serious_incident_id").is_some());
        assert!(errors.get("agencies").is_some());
        assert!(
            errors
                .get("chair_role")
                .unwrap()
                .contains("seems to contain")
        );
        assert!(
            errors
                .get("completed_on")
                .unwrap()
                .contains("Enter the date")
        );
        assert!(errors.get("decision_rationale").is_some());

        let mut form = review_form();
        form.review_type = "learning_circle".into();
        form.panel_response = "Agreed".into();
        form.completed_on = DateParts::from_date(Some(date!(2026 - 10 - 01)));
        let mut errors = FormErrors::default();
        form.validate(&mut errors, &incidents, &organisations, today);
        assert!(
            errors
                .get("panel_response")
                .unwrap()
                .contains("Only a rapid review")
        );
        assert!(
            errors
                .get("completed_on")
                .unwrap()
                .contains("before it started")
        );
        assert!(errors.get("status").is_some());
    }

    #[test]
    fn financial_years_run_april_to_march() {
        let year = FinancialYear::containing(date!(2025 - 03 - 31));
        assert_eq!(year.label(), "2024-25");
        assert_eq!(
            FinancialYear::containing(date!(2025 - 04 - 01)).label(),
            "2025-26"
        );
        assert_eq!(FinancialYear::parse("2024-25"), Some(year));
        assert_eq!(
            FinancialYear::parse("1999-00").map(|y| y.start_year),
            Some(1999)
        );
        assert_eq!(FinancialYear::parse("2024-26"), None);
        assert_eq!(FinancialYear::parse("2024"), None);
        assert_eq!(year.first_day(), Some(date!(2024 - 04 - 01)));
        assert_eq!(year.last_day(), Some(date!(2025 - 03 - 31)));
    }

    #[test]
    fn a_theme_counts_once_per_review_within_the_year() {
        let tag = |theme_id: i64, review_id: i64, finding_id: i64, on: Date| ThemeTag {
            theme_id: ThemeId::new(theme_id),
            theme_name: format!("Theme {theme_id}"),
            review_id: ReviewId::new(review_id),
            review_reference: format!("R{review_id}"),
            review_period_date: on,
            finding_id: FindingId::new(finding_id),
        };
        let in_year = date!(2024 - 06 - 01);
        let tags = [
            // Theme 1: two findings of review 1 and one of review 2: 2 reviews, 3 findings.
            tag(1, 1, 10, in_year),
            tag(1, 1, 11, in_year),
            tag(1, 2, 20, in_year),
            // Theme 2: review 2 only.
            tag(2, 2, 20, in_year),
            // Theme 3: only in a review of the next year.
            tag(3, 3, 30, date!(2025 - 04 - 01)),
        ];
        let counts = themes_across_reviews(&tags, FinancialYear { start_year: 2024 });
        assert_eq!(counts.len(), 2);
        assert_eq!(counts[0].name, "Theme 1");
        assert_eq!(counts[0].reviews, vec!["R1".to_owned(), "R2".to_owned()]);
        assert_eq!(counts[0].findings, 3);
        assert_eq!(counts[1].reviews.len(), 1);
        assert!(themes_across_reviews(&tags, FinancialYear { start_year: 2023 }).is_empty());
        // The page opens on the latest year with findings, never a future one.
        assert_eq!(
            default_year(&tags, date!(2026 - 11 - 23)).label(),
            "2025-26"
        );
        assert_eq!(
            default_year(&tags, date!(2025 - 01 - 10)).label(),
            "2024-25"
        );
        assert_eq!(default_year(&[], date!(2026 - 11 - 23)).label(), "2026-27");
    }

    #[test]
    fn warnings_come_two_working_days_ahead_and_when_breached() {
        let calendar = Calendar::england_and_wales();
        // Aware Monday 2 November 2026: the Panel is due Monday 9 November.
        let case = incident(date!(2026 - 11 - 02));
        let on = |today: Date| warning_for(&clocks(&case, &calendar, today)[0]);
        assert_eq!(on(date!(2026 - 11 - 04)), None); // 3 working days left
        assert_eq!(
            on(date!(2026 - 11 - 05)),
            Some((WarningKind::DueSoon, date!(2026 - 11 - 09)))
        );
        assert_eq!(
            on(date!(2026 - 11 - 09)),
            Some((WarningKind::DueSoon, date!(2026 - 11 - 09)))
        );
        assert_eq!(
            on(date!(2026 - 11 - 10)),
            Some((WarningKind::Breached, date!(2026 - 11 - 09)))
        );
        // A clock that has not started or has been met warns of nothing.
        assert_eq!(
            warning_for(&clocks(&case, &calendar, date!(2026 - 11 - 10))[1]),
            None
        );
    }

    #[test]
    fn triage_and_links_are_checked() {
        let mut errors = FormErrors::default();
        assert!(
            TriageForm {
                decision: "maybe".into(),
                rationale: String::new()
            }
            .validate(&mut errors)
            .is_none()
        );
        assert!(errors.get("decision").is_some() && errors.get("rationale").is_some());
        assert!(is_web_link("https://www.gov.uk/government/publications/x"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("https://"));
        assert!(!is_web_link("https://a b"));
    }
}
