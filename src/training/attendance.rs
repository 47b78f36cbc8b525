//! The register: what a trainer marks for each booking, and the online meeting's attendance
//! report matched to the bookings by e-mail, with the partial-attendance rule.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{BookingId, ChargeReason};

crate::stored_code!(AttendanceMark, "attendance mark");

/// A booking's mark on the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceMark {
    Attended,
    PartlyAttended,
    NoShow,
    LateCancellation,
}

impl AttendanceMark {
    pub const ALL: [AttendanceMark; 4] = [
        AttendanceMark::Attended,
        AttendanceMark::PartlyAttended,
        AttendanceMark::NoShow,
        AttendanceMark::LateCancellation,
    ];

    /// The booking status it sets (`training_bookings.status`).
    pub fn code(self) -> &'static str {
        match self {
            AttendanceMark::Attended => "attended",
            AttendanceMark::PartlyAttended => "partly_attended",
            AttendanceMark::NoShow => "no_show",
            AttendanceMark::LateCancellation => "late_cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<AttendanceMark> {
        AttendanceMark::ALL
            .into_iter()
            .find(|mark| mark.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            AttendanceMark::Attended => "Attended",
            AttendanceMark::PartlyAttended => "Partly attended",
            AttendanceMark::NoShow => "No-show",
            AttendanceMark::LateCancellation => "Late cancellation",
        }
    }

    /// The charge the mark raises, if the organisation is charged at all.
    pub fn charge_reason(self) -> Option<ChargeReason> {
        match self {
            AttendanceMark::NoShow => Some(ChargeReason::NoShow),
            AttendanceMark::LateCancellation => Some(ChargeReason::LateCancellation),
            AttendanceMark::Attended | AttendanceMark::PartlyAttended => None,
        }
    }

    /// Only "attended" earns a certificate.
    pub fn earns_certificate(self) -> bool {
        self == AttendanceMark::Attended
    }
}

/// The partial-attendance rule: present for at least `attended_percent` of the session's
/// minutes is attended, for any time at all partly attended, for none a no-show.
pub fn mark_from_minutes(
    minutes_present: i64,
    session_minutes: i64,
    attended_percent: i64,
) -> AttendanceMark {
    if minutes_present <= 0 {
        AttendanceMark::NoShow
    } else if session_minutes <= 0 || minutes_present * 100 >= session_minutes * attended_percent {
        AttendanceMark::Attended
    } else {
        AttendanceMark::PartlyAttended
    }
}

/// An e-mail as matched: trimmed and lower-cased.
pub fn matching_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The attendance report matched to the session's bookings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttendanceImport {
    /// Each booking with the minutes its learner was present (0 when absent from the report),
    /// in the order of the bookings given.
    pub minutes: Vec<(BookingId, i64)>,
    /// E-mails in the report that match no booking, as written, first appearance first: the
    /// import is refused while there are any, and they are listed.
    pub unknown_emails: Vec<String>,
}

/// Matches a meeting's attendance report (e-mail, minutes present — a person who rejoined
/// appears on several lines, which add up) to the session's bookings (id, learner's e-mail),
/// by e-mail case-insensitively and trimmed.
pub fn match_attendance(
    report: &[(String, i64)],
    bookings: &[(BookingId, String)],
) -> AttendanceImport {
    let booked: BTreeMap<String, BookingId> = bookings
        .iter()
        .map(|(id, email)| (matching_email(email), *id))
        .collect();
    let mut present: BTreeMap<BookingId, i64> = BTreeMap::new();
    let mut unknown_emails: Vec<String> = Vec::new();
    for (email, minutes) in report {
        let key = matching_email(email);
        if key.is_empty() {
            continue;
        }
        match booked.get(&key) {
            Some(id) => *present.entry(*id).or_default() += (*minutes).max(0),
            None => {
                let shown = email.trim().to_owned();
                if !unknown_emails
                    .iter()
                    .any(|known| matching_email(known) == key)
                {
                    unknown_emails.push(shown);
                }
            }
        }
    }
    AttendanceImport {
        minutes: bookings
            .iter()
            .map(|(id, _)| (*id, present.get(id).copied().unwrap_or(0)))
            .collect(),
        unknown_emails,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partial_attendance_rule() {
        // A 150-minute session at 80%: 120 minutes is attended, 119 partly, 0 a no-show.
        assert_eq!(mark_from_minutes(120, 150, 80), AttendanceMark::Attended);
        assert_eq!(mark_from_minutes(150, 150, 80), AttendanceMark::Attended);
        assert_eq!(
            mark_from_minutes(119, 150, 80),
            AttendanceMark::PartlyAttended
        );
        assert_eq!(
            mark_from_minutes(1, 150, 80),
            AttendanceMark::PartlyAttended
        );
        assert_eq!(mark_from_minutes(0, 150, 80), AttendanceMark::NoShow);
        assert_eq!(mark_from_minutes(-5, 150, 80), AttendanceMark::NoShow);
        // A partnership that asks for the whole session.
        assert_eq!(
            mark_from_minutes(149, 150, 100),
            AttendanceMark::PartlyAttended
        );
    }

    #[test]
    fn marks_raise_charges_and_certificates_only_as_they_should() {
        assert_eq!(
            AttendanceMark::NoShow.charge_reason(),
            Some(ChargeReason::NoShow)
        );
        assert_eq!(
            AttendanceMark::LateCancellation.charge_reason(),
            Some(ChargeReason::LateCancellation)
        );
        assert_eq!(AttendanceMark::PartlyAttended.charge_reason(), None);
        assert!(AttendanceMark::Attended.earns_certificate());
        assert!(!AttendanceMark::PartlyAttended.earns_certificate());
        for mark in AttendanceMark::ALL {
            assert_eq!(AttendanceMark::from_code(mark.code()), Some(mark));
        }
    }

    #[test]
    fn the_import_matches_by_email_trimmed_and_in_any_case() {
        let bookings = vec![
            (BookingId::new(1), "Sam.Jones@Halton.gov.uk".to_owned()),
            (BookingId::new(2), "pat@nhs.net".to_owned()),
            (BookingId::new(3), "lee@police.uk".to_owned()),
        ];
        let report = vec![
            ("  sam.jones@halton.gov.uk ".to_owned(), 70),
            ("PAT@NHS.NET".to_owned(), 150),
            // Sam dropped out and rejoined.
            ("sam.jones@halton.gov.uk".to_owned(), 60),
            ("visitor@example.org".to_owned(), 30),
            ("Visitor@Example.org ".to_owned(), 5),
            ("".to_owned(), 10),
        ];
        let import = match_attendance(&report, &bookings);
        assert_eq!(
            import.minutes,
            vec![
                (BookingId::new(1), 130),
                (BookingId::new(2), 150),
                (BookingId::new(3), 0)
            ]
        );
        assert_eq!(
            import.unknown_emails,
            vec!["visitor@example.org".to_owned()]
        );
        let marks: Vec<AttendanceMark> = import
            .minutes
            .iter()
            .map(|(_, minutes)| mark_from_minutes(*minutes, 150, 80))
            .collect();
        assert_eq!(
            marks,
            vec![
                AttendanceMark::Attended,
                AttendanceMark::Attended,
                AttendanceMark::NoShow
            ]
        );
    }
}
