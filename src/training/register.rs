//! The register in the database: a trainer's marks, and an online session's attendance report
//! imported whole or not at all. A no-show or late cancellation raises its charge.

use std::collections::BTreeMap;

use sqlx::Row;
use time::OffsetDateTime;

use super::attendance::{AttendanceMark, mark_from_minutes, match_attendance};
use super::bookings::{BookingError, find_booking, status};
use super::charges::raise_charge;
use super::model::{BookingId, ChargeId, TrainingPolicy, TrainingSessionId};
use super::store::session_places;
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{parse_timestamp, timestamp_text};
use crate::kernel::{Change, Store};

/// Statuses the register can mark (a booking that holds a place, or one marked already).
const MARKABLE: [&str; 5] = [
    status::CONFIRMED,
    status::LATE_CANCELLED,
    "attended",
    "partly_attended",
    "no_show",
];

/// Marks a booking on the register. A no-show or late cancellation raises its charge; a mark
/// corrected away from one leaves the charge for the business unit to waive.
pub async fn mark_attendance(
    change: &mut Change,
    id: BookingId,
    mark: AttendanceMark,
    minutes_present: Option<i64>,
    policy: &TrainingPolicy,
    now: OffsetDateTime,
) -> Result<Option<ChargeId>, BookingError> {
    let booking = find_booking(&mut *change, id)
        .await?
        .ok_or(BookingError::NoSuchBooking)?;
    if !MARKABLE.contains(&booking.status.as_str()) {
        return Err(BookingError::NotNow);
    }
    let places = session_places(&mut *change, booking.session)
        .await?
        .ok_or(BookingError::NoSuchSession)?;
    sqlx::query(
        "UPDATE training_bookings SET status = $3, attended_minutes = $4, updated_at = $5 \
         WHERE partnership_id = $1 AND id = $2",
    )
    .bind(change.partnership())
    .bind(id)
    .bind(mark.code())
    .bind(minutes_present)
    .bind(timestamp_text(now))
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "training_booking",
            id,
            format!("Marked {} on the register", mark.label().to_lowercase()),
            &serde_json::json!({ "status": booking.status }),
            &serde_json::json!({ "status": mark.code(), "minutes_present": minutes_present }),
        ))
        .await?;
    match mark.charge_reason() {
        Some(reason) => {
            Ok(raise_charge(change, &booking, reason, places.charges, policy, now).await?)
        }
        None => Ok(None),
    }
}

/// What an attendance import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttendanceImported {
    /// Refused: these e-mails match no booking on the register. Nothing was saved (and nothing
    /// recorded: the caller rolls the change back and lists them).
    UnknownEmails(Vec<String>),
    /// Every booking on the register marked, with the charges raised.
    Marked {
        marks: Vec<(BookingId, AttendanceMark)>,
        charges: Vec<ChargeId>,
    },
}

/// Imports an online session's attendance report (e-mail, minutes present): matched to the
/// register by e-mail, each booking marked by the partial-attendance rule (absent from the
/// report: a no-show); refused whole when any e-mail matches no booking.
pub async fn import_attendance(
    change: &mut Change,
    session: TrainingSessionId,
    report: &[(String, i64)],
    policy: &TrainingPolicy,
    now: OffsetDateTime,
) -> Result<AttendanceImported, BookingError> {
    let row = sqlx::query(
        "SELECT starts_at, ends_at FROM training_sessions WHERE partnership_id = $1 AND id = $2",
    )
    .bind(change.partnership())
    .bind(session)
    .fetch_optional(change.conn())
    .await?
    .ok_or(BookingError::NoSuchSession)?;
    let starts: String = row.try_get("starts_at")?;
    let ends: String = row.try_get("ends_at")?;
    let session_minutes = match (parse_timestamp(&starts), parse_timestamp(&ends)) {
        (Some(starts), Some(ends)) => (ends - starts).whole_minutes(),
        _ => 0,
    };
    let rows = sqlx::query(
        "SELECT b.id, b.status, u.email FROM training_bookings b \
         JOIN users u ON u.id = b.learner_user_id AND u.partnership_id = b.partnership_id \
         WHERE b.partnership_id = $1 AND b.session_id = $2 ORDER BY b.queue_position",
    )
    .bind(change.partnership())
    .bind(session)
    .fetch_all(change.conn())
    .await?;
    let mut register: Vec<(BookingId, String)> = Vec::new();
    let mut statuses: BTreeMap<BookingId, String> = BTreeMap::new();
    for row in rows {
        let id = BookingId::new(row.try_get("id")?);
        let booking_status: String = row.try_get("status")?;
        if MARKABLE.contains(&booking_status.as_str()) {
            register.push((id, row.try_get("email")?));
            statuses.insert(id, booking_status);
        }
    }
    let matched = match_attendance(report, &register);
    if !matched.unknown_emails.is_empty() {
        return Ok(AttendanceImported::UnknownEmails(matched.unknown_emails));
    }
    let mut marks = Vec::new();
    let mut charges = Vec::new();
    for (id, minutes) in matched.minutes {
        // A late cancellation stays one, whatever the report says.
        let mark = if statuses.get(&id).map(String::as_str) == Some(status::LATE_CANCELLED) {
            AttendanceMark::LateCancellation
        } else {
            mark_from_minutes(minutes, session_minutes, policy.attended_percent)
        };
        if let Some(charge) = mark_attendance(change, id, mark, Some(minutes), policy, now).await? {
            charges.push(charge);
        }
        marks.push((id, mark));
    }
    Ok(AttendanceImported::Marked { marks, charges })
}
