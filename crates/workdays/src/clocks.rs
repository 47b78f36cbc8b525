//! The statutory clocks (Working Together 2023).
//!
//! *Working Together to Safeguard Children 2023*, chapter 5 (child safeguarding practice
//! reviews):
//!
//! * the safeguarding partners notify the Child Safeguarding Practice Review Panel of a serious
//!   incident within [`PANEL_NOTIFICATION_WORKING_DAYS`] working days of becoming aware of it;
//! * they complete a rapid review within [`RAPID_REVIEW_WORKING_DAYS`] working days of the
//!   notification;
//! * a local child safeguarding practice review is completed and published within
//!   [`LOCAL_REVIEW_MONTHS`] months of the decision to hold one.
//!
//! The day of the event (becoming aware, notifying, deciding) is day 0 and not counted; see the
//! crate documentation for the counting convention.

use time::Date;

use super::{Calendar, add_months};

/// Notify the Child Safeguarding Practice Review Panel within 5 working days of becoming aware.
pub const PANEL_NOTIFICATION_WORKING_DAYS: u32 = 5;

/// Complete the rapid review within 15 working days of the notification.
pub const RAPID_REVIEW_WORKING_DAYS: u32 = 15;

/// Complete and publish a local CSPR within 6 months of the decision to hold one.
pub const LOCAL_REVIEW_MONTHS: u32 = 6;

/// A statutory deadline, as seen on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Deadline {
    /// The last day on which the step is in time.
    pub due: Date,
    /// Working days from today to `due` ([`Calendar::working_days_between`]`(today, due)`): 0 on
    /// the due date, negative when breached (minus the number of working days since `due`, up to
    /// and including today).
    ///
    /// On a weekend or bank holiday straight after the due date this is still 0 although the
    /// deadline has passed; use [`Deadline::is_overdue`] to tell "due today" from "overdue".
    pub working_days_left: i64,
}

impl Deadline {
    fn new(calendar: &Calendar, due: Date, today: Date) -> Deadline {
        Deadline {
            due,
            working_days_left: calendar.working_days_between(today, due),
        }
    }

    /// Whether `today` is after the due date (by calendar date, weekends included).
    pub fn is_overdue(&self, today: Date) -> bool {
        today > self.due
    }
}

/// Panel notification: [`PANEL_NOTIFICATION_WORKING_DAYS`] working days after `became_aware`.
pub fn panel_notification_due(calendar: &Calendar, became_aware: Date, today: Date) -> Deadline {
    let due = calendar.add_working_days(became_aware, PANEL_NOTIFICATION_WORKING_DAYS);
    Deadline::new(calendar, due, today)
}

/// Rapid review: [`RAPID_REVIEW_WORKING_DAYS`] working days after `notified`.
pub fn rapid_review_due(calendar: &Calendar, notified: Date, today: Date) -> Deadline {
    let due = calendar.add_working_days(notified, RAPID_REVIEW_WORKING_DAYS);
    Deadline::new(calendar, due, today)
}

/// Local CSPR: [`LOCAL_REVIEW_MONTHS`] calendar months after `decided` (clamped to the end of
/// the month, see [`add_months`]).
///
/// Calendar months; `working_days_left` still counted in working days. The due date is not moved
/// off a weekend or bank holiday.
pub fn local_review_due(calendar: &Calendar, decided: Date, today: Date) -> Deadline {
    let due = add_months(decided, LOCAL_REVIEW_MONTHS);
    Deadline::new(calendar, due, today)
}
