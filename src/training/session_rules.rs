//! What a session must be before it is saved, each refusal naming its field (the session
//! form's ids), so the page can show the GOV.UK error summary.

use time::OffsetDateTime;

use crate::kernel::text::FormErrors;

/// A session's times and places as entered.
#[derive(Debug, Clone)]
pub struct SessionPlan {
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
    /// The venue's own capacity, when held at a venue.
    pub venue_capacity: Option<i64>,
    pub online_link: Option<String>,
    pub booking_opens_at: OffsetDateTime,
    pub booking_closes_at: OffsetDateTime,
    pub cut_off_working_days: i64,
    pub no_show_charge_pence: i64,
    pub late_cancellation_charge_pence: i64,
}

/// Longest course a session may run for: a day's training, with room for a two-day event.
const LONGEST_HOURS: i64 = 48;

/// Checks a new (or changed) session entered at `now`.
pub fn check_session(plan: &SessionPlan, now: OffsetDateTime) -> FormErrors {
    let mut errors = FormErrors::default();
    if plan.starts_at <= now {
        errors.add("starts_at", "The session must start in the future");
    }
    if plan.ends_at <= plan.starts_at {
        errors.add("ends_at", "The session must end after it starts");
    } else if plan.ends_at - plan.starts_at > time::Duration::hours(LONGEST_HOURS) {
        errors.add("ends_at", "A session can last at most 2 days");
    }
    if plan.capacity < 1 {
        errors.add("capacity", "Enter the number of places, 1 or more");
    } else if let Some(venue) = plan.venue_capacity
        && plan.capacity > venue
    {
        errors.add(
            "capacity",
            format!("The venue holds {venue} people: enter {venue} places or fewer"),
        );
    }
    let link = plan.online_link.as_deref().map(str::trim).unwrap_or("");
    if plan.venue_capacity.is_none() && link.is_empty() {
        errors.add("venue", "Choose a venue or enter the online meeting link");
    } else if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
        errors.add("online_link", "Enter the meeting link starting https://");
    }
    if plan.booking_closes_at <= plan.booking_opens_at {
        errors.add("booking_closes_at", "Booking must close after it opens");
    } else if plan.booking_closes_at > plan.starts_at {
        errors.add(
            "booking_closes_at",
            "Booking must close before the session starts",
        );
    }
    if !(0..=20).contains(&plan.cut_off_working_days) {
        errors.add(
            "cut_off_working_days",
            "Enter a cut-off from 0 to 20 working days",
        );
    }
    if plan.no_show_charge_pence < 0 {
        errors.add("no_show_charge", "The no-show charge cannot be negative");
    }
    if plan.late_cancellation_charge_pence < 0 {
        errors.add(
            "late_cancellation_charge",
            "The late-cancellation charge cannot be negative",
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-05 09:00 UTC);

    fn plan() -> SessionPlan {
        let starts_at = datetime!(2026-02-05 09:30 UTC);
        SessionPlan {
            starts_at,
            ends_at: starts_at + Duration::minutes(150),
            capacity: 30,
            venue_capacity: Some(40),
            online_link: None,
            booking_opens_at: NOW,
            booking_closes_at: starts_at - Duration::days(1),
            cut_off_working_days: 3,
            no_show_charge_pence: 5000,
            late_cancellation_charge_pence: 5000,
        }
    }

    fn fields(errors: &FormErrors) -> Vec<&str> {
        errors.items.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_sound_session_passes() {
        assert!(check_session(&plan(), NOW).is_empty());
        let online = SessionPlan {
            venue_capacity: None,
            online_link: Some("https://meet.example/abc".into()),
            ..plan()
        };
        assert!(check_session(&online, NOW).is_empty());
    }

    #[test]
    fn past_dates_and_no_places_are_refused_naming_the_field() {
        let past = SessionPlan {
            starts_at: NOW - Duration::days(1),
            ends_at: NOW - Duration::days(2),
            capacity: 0,
            booking_closes_at: NOW - Duration::days(3),
            ..plan()
        };
        assert_eq!(
            fields(&check_session(&past, NOW)),
            vec!["starts_at", "ends_at", "capacity", "booking_closes_at"]
        );
        let too_many = SessionPlan {
            capacity: 41,
            ..plan()
        };
        assert_eq!(
            check_session(&too_many, NOW).get("capacity"),
            Some("The venue holds 40 people: enter 40 places or fewer")
        );
    }

    #[test]
    fn a_session_needs_a_venue_or_a_link_and_sane_charges() {
        let nowhere = SessionPlan {
            venue_capacity: None,
            online_link: Some("  ".into()),
            cut_off_working_days: -1,
            no_show_charge_pence: -1,
            late_cancellation_charge_pence: -5,
            ..plan()
        };
        assert_eq!(
            fields(&check_session(&nowhere, NOW)),
            vec![
                "venue",
                "cut_off_working_days",
                "no_show_charge",
                "late_cancellation_charge"
            ]
        );
        let script = SessionPlan {
            venue_capacity: None,
            online_link: Some("javascript:alert(1)".into()),
            ..plan()
        };
        assert_eq!(fields(&check_session(&script, NOW)), vec!["online_link"]);
        let late_close = SessionPlan {
            booking_closes_at: plan().starts_at + Duration::hours(1),
            ..plan()
        };
        assert_eq!(
            fields(&check_session(&late_close, NOW)),
            vec!["booking_closes_at"]
        );
    }
}
