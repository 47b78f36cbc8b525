//! Learning reviews: serious incident notifications and their statutory clocks (Working
//! Together 2023), counted in working days with England and Wales bank holidays. Pure rules.

use masa_workdays::{Calendar, add_months, clocks};
use serde::Serialize;
use time::Date;

use crate::kernel::text::{DateParts, FormErrors};

#[derive(Debug, Clone, Serialize)]
pub struct SeriousIncident {
    pub id: i64,
    pub reference: String,
    /// A pseudonym, never a name: "Child N", "Sibling Group Q".
    pub subject: String,
    pub summary: String,
    pub became_aware_on: Date,
    pub notified_on: Option<Date>,
    pub rapid_review_completed_on: Option<Date>,
    pub local_review_decided_on: Option<Date>,
    pub local_review_published_on: Option<Date>,
    pub archived_at: Option<String>,
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

/// Subjects are recorded by pseudonym only.
pub fn check_subject(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn incident(aware: Date) -> SeriousIncident {
        SeriousIncident {
            id: 1,
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
}
