//! Charges in the database: raising one against the learner's organisation for a no-show or
//! late cancellation, and the business unit's and the organisation's decisions on it (waiver
//! with a reason, appeal), each audited.

use serde::Serialize;
use sqlx::Row;
use time::OffsetDateTime;

use super::bookings::Booking;
use super::model::{
    ChargeDecision, ChargeId, ChargeReason, ChargeRefusal, ChargeState, REASON_MAX, SessionCharges,
    TrainingPolicy, charge_due, decide_charge,
};
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::timestamp_text;
use crate::kernel::ids::OrganisationId;
use crate::kernel::{Change, Store};
use crate::partnership::model::OrganisationKind;

/// Raises the charge a no-show or late cancellation costs the booking's organisation, if its
/// kind is charged and the session charges anything. One charge a booking.
pub(super) async fn raise_charge(
    change: &mut Change,
    booking: &Booking,
    reason: ChargeReason,
    charges: SessionCharges,
    policy: &TrainingPolicy,
    now: OffsetDateTime,
) -> Result<Option<ChargeId>, sqlx::Error> {
    let Some(organisation) = booking.organisation else {
        return Ok(None);
    };
    let kind: Option<String> =
        sqlx::query_scalar("SELECT kind FROM organisations WHERE partnership_id = $1 AND id = $2")
            .bind(change.partnership())
            .bind(organisation)
            .fetch_optional(change.conn())
            .await?;
    let kind = kind.as_deref().and_then(OrganisationKind::from_code);
    let Some(amount) = charge_due(reason, charges, kind, policy) else {
        return Ok(None);
    };
    let already: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM training_charges WHERE partnership_id = $1 AND booking_id = $2",
    )
    .bind(change.partnership())
    .bind(booking.id)
    .fetch_optional(change.conn())
    .await?;
    if let Some(id) = already {
        return Ok(Some(ChargeId::new(id)));
    }
    let stamp = timestamp_text(now);
    let id: ChargeId = sqlx::query_scalar(
        "INSERT INTO training_charges (partnership_id, booking_id, organisation_id, amount_pence, \
         reason, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         RETURNING id",
    )
    .bind(change.partnership())
    .bind(booking.id)
    .bind(organisation)
    .bind(amount)
    .bind(reason.code())
    .bind(ChargeState::Raised.code())
    .bind(&stamp)
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "training_charge",
            id,
            format!(
                "Raised a £{}.{:02} charge for a {}",
                amount / 100,
                amount % 100,
                reason.label().to_lowercase()
            ),
            &serde_json::json!({ "booking": booking.id, "organisation": organisation,
                "amount_pence": amount, "reason": reason.code() }),
        ))
        .await?;
    Ok(Some(id))
}

/// A charge as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Charge {
    pub id: ChargeId,
    pub booking: super::model::BookingId,
    pub organisation: OrganisationId,
    pub amount_pence: i64,
    pub reason: ChargeReason,
    pub state: ChargeState,
    pub waiver_reason: Option<String>,
    pub appeal_reason: Option<String>,
}

pub async fn find_charge(
    mut store: impl Store,
    id: ChargeId,
) -> Result<Option<Charge>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, booking_id, organisation_id, amount_pence, reason, state, waiver_reason, \
         appeal_reason FROM training_charges WHERE partnership_id = $1 AND id = $2",
    )
    .bind(store.partnership())
    .bind(id)
    .fetch_optional(store.conn())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let reason: String = row.try_get("reason")?;
    let state: String = row.try_get("state")?;
    Ok(Some(Charge {
        id: ChargeId::new(row.try_get("id")?),
        booking: super::model::BookingId::new(row.try_get("booking_id")?),
        organisation: OrganisationId::new(row.try_get("organisation_id")?),
        amount_pence: row.try_get("amount_pence")?,
        reason: ChargeReason::try_from(reason).map_err(|e| sqlx::Error::Decode(e.into()))?,
        state: ChargeState::try_from(state).map_err(|e| sqlx::Error::Decode(e.into()))?,
        waiver_reason: row.try_get("waiver_reason")?,
        appeal_reason: row.try_get("appeal_reason")?,
    }))
}

/// Why a decision on a charge was not saved.
#[derive(Debug, thiserror::Error)]
pub enum ChargeError {
    #[error("There is no such charge")]
    NoSuchCharge,
    #[error(transparent)]
    Refused(#[from] ChargeRefusal),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Waives, appeals, upholds or invoices a charge, by the rules of [`decide_charge`]; the
/// waiver's or appeal's reason is kept and the decision audited with who made it.
pub async fn decide(
    change: &mut Change,
    id: ChargeId,
    decision: &ChargeDecision,
    now: OffsetDateTime,
) -> Result<ChargeState, ChargeError> {
    let charge = find_charge(&mut *change, id)
        .await?
        .ok_or(ChargeError::NoSuchCharge)?;
    let state = decide_charge(charge.state, decision)?;
    let kept = |reason: &str| -> String { reason.trim().chars().take(REASON_MAX).collect() };
    let (waiver, appeal) = match decision {
        ChargeDecision::Waive { reason } => (Some(kept(reason)), charge.appeal_reason.clone()),
        ChargeDecision::Appeal { reason } => (charge.waiver_reason.clone(), Some(kept(reason))),
        _ => (charge.waiver_reason.clone(), charge.appeal_reason.clone()),
    };
    let by = change.actor().label.clone();
    sqlx::query(
        "UPDATE training_charges SET state = $3, waiver_reason = $4, appeal_reason = $5, \
         decided_by_name = $6, decided_at = $7, updated_at = $7 \
         WHERE partnership_id = $1 AND id = $2",
    )
    .bind(change.partnership())
    .bind(id)
    .bind(state.code())
    .bind(waiver.as_deref())
    .bind(appeal.as_deref())
    .bind(&by)
    .bind(timestamp_text(now))
    .execute(change.conn())
    .await?;
    let summary = match decision {
        ChargeDecision::Waive { .. } => "Waived a training charge",
        ChargeDecision::Appeal { .. } => "Appealed a training charge",
        ChargeDecision::Uphold => "Refused the appeal against a training charge",
        ChargeDecision::Invoice => "Invoiced a training charge",
    };
    change
        .record(AuditEntry::updated(
            "training_charge",
            id,
            summary,
            &serde_json::json!({ "state": charge.state.code(),
                "waiver_reason": charge.waiver_reason, "appeal_reason": charge.appeal_reason }),
            &serde_json::json!({ "state": state.code(), "waiver_reason": waiver,
                "appeal_reason": appeal }),
        ))
        .await?;
    Ok(state)
}
