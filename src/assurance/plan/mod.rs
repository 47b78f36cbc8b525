//! The QA plan on a page: a one-year calendar (April to March, the partnership's year) of every
//! assurance activity — the s11 and s175 rounds (from the rounds themselves), and the activities
//! the business unit plans (multi-agency case-file audits, CSPR triage events, training reports,
//! moderation panels and peer challenge). Partners read it on a page and subscribe to it as an
//! iCalendar feed.
//!
//! Files: here the pure rules (the plan year, which months an activity falls in, the activity
//! form's checks, the iCalendar text), `store.rs` (the queries), `routes.rs` (the pages and the
//! feeds).

pub mod demo;
pub mod routes;
pub mod store;

use serde::Serialize;
use time::{Date, Month};

use crate::kernel::text::{DateParts, FormErrors};

crate::typed_id!(
    /// An activity the business unit put on the QA plan.
    PlanActivityId
);

/// The longest activity title and lead.
pub const LONGEST_TITLE: usize = 200;
/// The longest notes on an activity.
pub const LONGEST_NOTES: usize = 2_000;
/// The longest an activity may run: a year.
const LONGEST_RUN_DAYS: i64 = 366;

/// What kind of assurance activity is on the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ActivityKind {
    S11Audit,
    S175Audit,
    CaseFileAudit,
    Moderation,
    CsprTriage,
    TrainingReport,
    Other,
}

crate::stored_code!(ActivityKind, "QA plan activity kind");

impl ActivityKind {
    pub const ALL: [ActivityKind; 7] = [
        ActivityKind::S11Audit,
        ActivityKind::S175Audit,
        ActivityKind::CaseFileAudit,
        ActivityKind::Moderation,
        ActivityKind::CsprTriage,
        ActivityKind::TrainingReport,
        ActivityKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::S11Audit => "s11_audit",
            ActivityKind::S175Audit => "s175_audit",
            ActivityKind::CaseFileAudit => "case_file_audit",
            ActivityKind::Moderation => "moderation",
            ActivityKind::CsprTriage => "cspr_triage",
            ActivityKind::TrainingReport => "training_report",
            ActivityKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::S11Audit => "Section 11 audit",
            ActivityKind::S175Audit => "Section 175 audit",
            ActivityKind::CaseFileAudit => "Multi-agency case-file audit",
            ActivityKind::Moderation => "Moderation panel or peer challenge",
            ActivityKind::CsprTriage => "CSPR triage",
            ActivityKind::TrainingReport => "Training report",
            ActivityKind::Other => "Other assurance activity",
        }
    }

    pub fn from_code(code: &str) -> Option<ActivityKind> {
        ActivityKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
    }

    /// The kind a round of this framework is: s11 and s175 by the framework's code, any other
    /// framework an "other" activity.
    pub fn of_framework(code: &str) -> ActivityKind {
        match code {
            "s11" => ActivityKind::S11Audit,
            "s175" => ActivityKind::S175Audit,
            _ => ActivityKind::Other,
        }
    }
}

/// The partnership's year the plan shows: 1 April to 31 March, named by the year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanYear {
    pub starts: i32,
}

impl PlanYear {
    /// The plan year a date falls in.
    pub fn containing(date: Date) -> PlanYear {
        let starts = if date.month() >= Month::April {
            date.year()
        } else {
            date.year() - 1
        };
        PlanYear { starts }
    }

    /// A year as typed in the address (`?year=2025`); None for anything else or a year no plan
    /// could hold.
    pub fn parse(text: &str) -> Option<PlanYear> {
        let starts: i32 = text.trim().parse().ok()?;
        (2000..=2100)
            .contains(&starts)
            .then_some(PlanYear { starts })
    }

    /// "2025/26".
    pub fn label(self) -> String {
        format!("{}/{:02}", self.starts, (self.starts + 1).rem_euclid(100))
    }

    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.starts, Month::April, 1).unwrap_or(Date::MIN)
    }

    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.starts + 1, Month::March, 31).unwrap_or(Date::MAX)
    }

    pub fn previous(self) -> PlanYear {
        PlanYear {
            starts: self.starts - 1,
        }
    }

    pub fn next(self) -> PlanYear {
        PlanYear {
            starts: self.starts + 1,
        }
    }

    /// The year's twelve months, April first: (year, month).
    pub fn months(self) -> [(i32, Month); 12] {
        let mut months = [(self.starts, Month::April); 12];
        let mut month = Month::April;
        let mut year = self.starts;
        for slot in &mut months {
            *slot = (year, month);
            if month == Month::December {
                year += 1;
            }
            month = month.next();
        }
        months
    }
}

/// One activity on the plan, from whichever record it comes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// Stable across feeds, so a calendar updates an event rather than adding another:
    /// "round-12", "activity-7".
    pub key: String,
    pub kind: ActivityKind,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub lead: String,
    pub notes: String,
    /// The page that shows it.
    pub page: String,
    /// Planned by the business unit on the plan itself (so it can be changed there).
    pub planned: Option<PlanActivityId>,
}

impl Activity {
    /// Whether the activity runs on any day of this month.
    pub fn runs_in(&self, year: i32, month: Month) -> bool {
        let Ok(first) = Date::from_calendar_date(year, month, 1) else {
            return false;
        };
        let last = Date::from_calendar_date(year, month, time::util::days_in_month(month, year))
            .unwrap_or(first);
        self.starts_on <= last && self.ends_on >= first
    }

    /// Whether the activity runs on any day of the plan year.
    pub fn in_year(&self, year: PlanYear) -> bool {
        self.starts_on <= year.last_day() && self.ends_on >= year.first_day()
    }
}

/// The activities of one plan year, in date order, with the months each runs in.
pub fn year_plan(activities: &[Activity], year: PlanYear) -> Vec<(Activity, [bool; 12])> {
    let months = year.months();
    let mut plan: Vec<(Activity, [bool; 12])> = activities
        .iter()
        .filter(|activity| activity.in_year(year))
        .map(|activity| {
            let mut runs = [false; 12];
            for (slot, (y, m)) in runs.iter_mut().zip(months) {
                *slot = activity.runs_in(y, m);
            }
            (activity.clone(), runs)
        })
        .collect();
    plan.sort_by(|(a, _), (b, _)| {
        (a.starts_on, a.ends_on, &a.title).cmp(&(b.starts_on, b.ends_on, &b.title))
    });
    plan
}

// ---- the activity form ----

/// An activity as typed on its form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ActivityForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub starts_on_day: String,
    #[serde(default)]
    pub starts_on_month: String,
    #[serde(default)]
    pub starts_on_year: String,
    #[serde(default)]
    pub ends_on_day: String,
    #[serde(default)]
    pub ends_on_month: String,
    #[serde(default)]
    pub ends_on_year: String,
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub notes: String,
}

/// An activity as checked, ready to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityDetails {
    pub kind: ActivityKind,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub lead: String,
    pub notes: String,
}

impl ActivityForm {
    pub fn starts_on(&self) -> DateParts {
        DateParts {
            day: self.starts_on_day.clone(),
            month: self.starts_on_month.clone(),
            year: self.starts_on_year.clone(),
        }
    }

    pub fn ends_on(&self) -> DateParts {
        DateParts {
            day: self.ends_on_day.clone(),
            month: self.ends_on_month.clone(),
            year: self.ends_on_year.clone(),
        }
    }

    /// The form filled from a stored activity, for editing.
    pub fn of(details: &ActivityDetails) -> ActivityForm {
        let starts = DateParts::from_date(Some(details.starts_on));
        let ends = DateParts::from_date(Some(details.ends_on));
        ActivityForm {
            kind: details.kind.code().to_owned(),
            title: details.title.clone(),
            starts_on_day: starts.day,
            starts_on_month: starts.month,
            starts_on_year: starts.year,
            ends_on_day: ends.day,
            ends_on_month: ends.month,
            ends_on_year: ends.year,
            lead: details.lead.clone(),
            notes: details.notes.clone(),
        }
    }

    /// The activity, or every problem in `errors`. A one-day activity may leave the end date
    /// blank.
    pub fn validate(&self, errors: &mut FormErrors) -> Option<ActivityDetails> {
        let kind = ActivityKind::from_code(self.kind.trim());
        if kind.is_none() {
            errors.add("kind", "Select the kind of activity");
        }
        let title = errors.required_text("title", "Title", &self.title, LONGEST_TITLE);
        let starts_on = errors.date("starts_on", "Start date", &self.starts_on(), true);
        let ends_on = errors.date("ends_on", "End date", &self.ends_on(), false);
        if let (Some(starts), Some(ends)) = (starts_on, ends_on) {
            if ends < starts {
                errors.add(
                    "ends_on",
                    "End date must be the same as or after the start date",
                );
            } else if (ends - starts).whole_days() > LONGEST_RUN_DAYS {
                errors.add(
                    "ends_on",
                    "End date must be within a year of the start date",
                );
            }
        }
        let lead = errors.optional_text("lead", "Lead", &self.lead, LONGEST_TITLE);
        let notes = errors.optional_text("notes", "Notes", &self.notes, LONGEST_NOTES);
        if !errors.is_empty() {
            return None;
        }
        let starts_on = starts_on?;
        Some(ActivityDetails {
            kind: kind?,
            title,
            starts_on,
            ends_on: ends_on.unwrap_or(starts_on),
            lead,
            notes,
        })
    }
}

// ---- the iCalendar feed ----

/// The plan as an iCalendar (RFC 5545) document: one all-day event per activity, its UID
/// stable so a subscribed calendar updates rather than duplicates. `host` names the
/// installation in the UIDs; `stamp` is when the feed was made.
pub fn icalendar(
    partnership: &str,
    activities: &[Activity],
    host: &str,
    stamp: time::OffsetDateTime,
) -> String {
    use icalendar::{Component, EventLike};
    let mut calendar = icalendar::Calendar::new();
    calendar.name(&format!("{partnership}: QA plan"));
    let stamp = chrono::DateTime::from_timestamp(stamp.unix_timestamp(), 0).unwrap_or_default();
    for activity in activities {
        let (Some(starts), Some(after_end)) = (
            naive(activity.starts_on),
            activity.ends_on.next_day().and_then(naive),
        ) else {
            continue;
        };
        let mut description = activity.kind.label().to_owned();
        if !activity.lead.is_empty() {
            description.push_str(&format!("\nLead: {}", activity.lead));
        }
        if !activity.notes.is_empty() {
            description.push_str(&format!("\n{}", activity.notes));
        }
        let event = icalendar::Event::new()
            .uid(&format!("{}@{host}", activity.key))
            .timestamp(stamp)
            .summary(&activity.title)
            .description(&description)
            .starts(starts)
            // DTEND of an all-day event is the day after its last (RFC 5545 3.6.1).
            .ends(after_end)
            .add_property("CATEGORIES", activity.kind.label())
            .done();
        calendar.push(event);
    }
    calendar.done().to_string()
}

fn naive(date: Date) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(
        date.year(),
        u8::from(date.month()).into(),
        date.day().into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn activity(key: &str, starts_on: Date, ends_on: Date) -> Activity {
        Activity {
            key: key.to_owned(),
            kind: ActivityKind::CaseFileAudit,
            title: format!("Audit {key}"),
            starts_on,
            ends_on,
            lead: String::new(),
            notes: String::new(),
            page: String::new(),
            planned: None,
        }
    }

    #[test]
    fn the_plan_year_runs_april_to_march() {
        assert_eq!(PlanYear::containing(date!(2025 - 04 - 01)).starts, 2025);
        assert_eq!(PlanYear::containing(date!(2026 - 03 - 31)).starts, 2025);
        assert_eq!(PlanYear::containing(date!(2025 - 03 - 31)).starts, 2024);
        let year = PlanYear { starts: 2099 };
        assert_eq!(year.label(), "2099/00");
        assert_eq!(PlanYear { starts: 2025 }.label(), "2025/26");
        let months = PlanYear { starts: 2025 }.months();
        assert_eq!(months[0], (2025, Month::April));
        assert_eq!(months[8], (2025, Month::December));
        assert_eq!(months[9], (2026, Month::January));
        assert_eq!(months[11], (2026, Month::March));
        assert_eq!(PlanYear::parse(" 2024 "), Some(PlanYear { starts: 2024 }));
        assert_eq!(PlanYear::parse("1999"), None);
        assert_eq!(PlanYear::parse("2024/25"), None);
    }

    #[test]
    fn an_activity_is_marked_in_every_month_it_runs_in_and_only_in_its_year() {
        let year = PlanYear { starts: 2024 };
        let across = activity("a", date!(2024 - 11 - 20), date!(2025 - 01 - 10));
        let before = activity("b", date!(2024 - 01 - 01), date!(2024 - 03 - 31));
        let last_day = activity("c", date!(2025 - 03 - 31), date!(2025 - 03 - 31));
        let plan = year_plan(&[last_day, across, before], year);
        assert_eq!(
            plan.len(),
            2,
            "the activity before April is not in the year"
        );
        assert_eq!(plan[0].0.key, "a", "in date order");
        let marked: Vec<usize> = (0..12).filter(|i| plan[0].1[*i]).collect();
        assert_eq!(marked, vec![7, 8, 9], "November, December, January");
        assert_eq!(plan[1].1.iter().filter(|m| **m).count(), 1);
        assert!(plan[1].1[11]);
    }

    fn form(
        kind: &str,
        title: &str,
        starts: (&str, &str, &str),
        ends: (&str, &str, &str),
    ) -> ActivityForm {
        ActivityForm {
            kind: kind.into(),
            title: title.into(),
            starts_on_day: starts.0.into(),
            starts_on_month: starts.1.into(),
            starts_on_year: starts.2.into(),
            ends_on_day: ends.0.into(),
            ends_on_month: ends.1.into(),
            ends_on_year: ends.2.into(),
            ..ActivityForm::default()
        }
    }

    #[test]
    fn the_activity_form_names_each_field_at_fault() {
        let mut errors = FormErrors::default();
        let details = form(
            "case_file_audit",
            "Neglect",
            ("3", "2", "2025"),
            ("", "", ""),
        )
        .validate(&mut errors)
        .expect("a one-day activity");
        assert_eq!(details.ends_on, date!(2025 - 02 - 03));

        let mut errors = FormErrors::default();
        assert!(
            form("meeting", "", ("31", "2", "2025"), ("", "", ""))
                .validate(&mut errors)
                .is_none()
        );
        assert!(errors.get("kind").is_some());
        assert!(errors.get("title").is_some());
        assert!(errors.get("starts_on").is_some());

        let mut errors = FormErrors::default();
        assert!(
            form("other", "x", ("3", "2", "2025"), ("2", "2", "2025"))
                .validate(&mut errors)
                .is_none()
        );
        assert!(errors.get("ends_on").unwrap().contains("after the start"));

        let mut errors = FormErrors::default();
        assert!(
            form("other", "x", ("3", "2", "2025"), ("3", "2", "2027"))
                .validate(&mut errors)
                .is_none()
        );
        assert!(errors.get("ends_on").unwrap().contains("within a year"));

        let mut errors = FormErrors::default();
        let long = "x".repeat(LONGEST_TITLE + 1);
        assert!(
            form("other", &long, ("3", "2", "2025"), ("", "", ""))
                .validate(&mut errors)
                .is_none()
        );
        assert!(errors.get("title").is_some());
    }

    #[test]
    fn the_feed_has_one_all_day_event_per_activity_with_text_escaped() {
        let mut risky = activity("activity-7", date!(2025 - 02 - 03), date!(2025 - 02 - 05));
        risky.title = "Neglect; re-audit, part 2 <script>".into();
        risky.lead = "Head of QA".into();
        let feed = icalendar(
            "Halton",
            &[
                risky,
                activity("round-1", date!(2025 - 06 - 01), date!(2025 - 06 - 01)),
            ],
            "masa.example",
            datetime!(2026-12-07 10:00 UTC),
        );
        assert!(feed.starts_with("BEGIN:VCALENDAR\r\n"));
        assert_eq!(feed.matches("BEGIN:VEVENT").count(), 2);
        assert!(feed.contains("UID:activity-7@masa.example"));
        assert!(feed.contains("DTSTART;VALUE=DATE:20250203"));
        assert!(feed.contains("DTEND;VALUE=DATE:20250206"), "{feed}");
        assert!(
            feed.contains("SUMMARY:Neglect\\; re-audit\\, part 2 <script>"),
            "{feed}"
        );
        assert!(feed.contains("DTEND;VALUE=DATE:20250602"));
        assert!(
            feed.lines().all(|line| line.len() <= 75),
            "folded at 75 octets"
        );
    }
}
