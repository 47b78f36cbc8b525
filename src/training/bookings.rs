//! Bookings and the waiting list in the database: the rules of [`waiting`](super::waiting)
//! applied to one session at a time, with the session's row locked for the whole change, so
//! two bookings never both take the last place and arrival order is the order the locks are
//! granted (which is commit order). Every write records its audit entry.

use masa_workdays::Calendar;
use serde::Serialize;
use sqlx::Row;
use time::OffsetDateTime;

use super::charges::raise_charge;
use super::model::{
    BookingId, Cancellation, ChargeId, ChargeReason, TrainingPolicy, TrainingSessionId,
    cancellation,
};
use super::store::{SessionPlacesRow, session_places};
use super::waiting::{Place, offer_window, place_for_new_booking};
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{Retryable, is_unique_violation, parse_timestamp, timestamp_text};
use crate::kernel::ids::{OrganisationId, UserId};
use crate::kernel::{Change, Store};

/// A booking's status as stored (`training_bookings.status`); the register's marks
/// ([`AttendanceMark`](super::attendance::AttendanceMark)) are statuses too.
pub mod status {
    pub const CONFIRMED: &str = "confirmed";
    pub const WAITING: &str = "waiting";
    pub const OFFERED: &str = "offered";
    pub const CANCELLED: &str = "cancelled";
    pub const LATE_CANCELLED: &str = "late_cancelled";
    pub const OFFER_DECLINED: &str = "offer_declined";
    pub const OFFER_EXPIRED: &str = "offer_expired";
    pub const LEFT_WAITING_LIST: &str = "left_waiting_list";
}

/// Why a booking action was refused. The pages name the field or say why.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("There is no such session")]
    NoSuchSession,
    #[error("There is no such booking")]
    NoSuchBooking,
    #[error("This session has been cancelled")]
    SessionCancelled,
    #[error("Booking for this session has not opened yet")]
    NotOpenYet,
    #[error("Booking for this session has closed")]
    Closed,
    #[error("You already have a place, or a place on the waiting list, for this session")]
    AlreadyBooked,
    #[error("There is no such person in this partnership")]
    NoSuchLearner,
    #[error("This offer has expired or has already been answered")]
    OfferGone,
    #[error("This booking cannot be changed now")]
    NotNow,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Retryable for BookingError {
    fn is_retryable(&self) -> bool {
        matches!(self, BookingError::Database(error) if error.is_retryable())
    }
}

/// A new booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Booked {
    pub booking: BookingId,
    #[serde(skip)]
    pub place: Place,
    /// Arrival order on the session, from 1.
    pub queue_position: i64,
}

/// A place offered from the waiting list: whom to e-mail, and by when they must answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub booking: BookingId,
    pub session: TrainingSessionId,
    pub learner: UserId,
    pub expires_at: OffsetDateTime,
}

/// What a cancellation did, for the e-mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancelled {
    /// Free or late (a confirmed place); `None` for a waiting or offered entry.
    pub cancellation: Option<Cancellation>,
    pub charge: Option<ChargeId>,
    pub offers: Vec<Offer>,
}

/// A booking as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Booking {
    pub id: BookingId,
    pub session: TrainingSessionId,
    pub learner: UserId,
    pub organisation: Option<OrganisationId>,
    pub status: String,
    pub queue_position: i64,
    pub offer_expires_at: Option<String>,
}

pub async fn find_booking(
    mut store: impl Store,
    id: BookingId,
) -> Result<Option<Booking>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, session_id, learner_user_id, organisation_id, status, queue_position, \
         offer_expires_at FROM training_bookings WHERE partnership_id = $1 AND id = $2",
    )
    .bind(store.partnership())
    .bind(id)
    .fetch_optional(store.conn())
    .await?;
    row.map(|row| booking_from_row(&row)).transpose()
}

fn booking_from_row(row: &sqlx::any::AnyRow) -> Result<Booking, sqlx::Error> {
    Ok(Booking {
        id: BookingId::new(row.try_get("id")?),
        session: TrainingSessionId::new(row.try_get("session_id")?),
        learner: UserId::new(row.try_get("learner_user_id")?),
        organisation: row
            .try_get::<Option<i64>, _>("organisation_id")?
            .map(OrganisationId::new),
        status: row.try_get("status")?,
        queue_position: row.try_get("queue_position")?,
        offer_expires_at: row.try_get("offer_expires_at")?,
    })
}

/// A session's bookings in arrival order.
pub async fn session_bookings(
    mut store: impl Store,
    session: TrainingSessionId,
) -> Result<Vec<Booking>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, session_id, learner_user_id, organisation_id, status, queue_position, \
         offer_expires_at FROM training_bookings WHERE partnership_id = $1 AND session_id = $2 \
         ORDER BY queue_position",
    )
    .bind(store.partnership())
    .bind(session)
    .fetch_all(store.conn())
    .await?;
    rows.iter().map(booking_from_row).collect()
}

/// A learner's bookings, newest session first (for "my bookings").
pub async fn learner_bookings(
    mut store: impl Store,
    learner: UserId,
) -> Result<Vec<Booking>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT b.id, b.session_id, b.learner_user_id, b.organisation_id, b.status, \
         b.queue_position, b.offer_expires_at FROM training_bookings b \
         JOIN training_sessions s ON s.id = b.session_id \
         WHERE b.partnership_id = $1 AND b.learner_user_id = $2 \
         ORDER BY s.starts_at DESC, b.id DESC",
    )
    .bind(store.partnership())
    .bind(learner)
    .fetch_all(store.conn())
    .await?;
    rows.iter().map(booking_from_row).collect()
}

/// The session, locked for the rest of the change.
async fn locked_session(
    change: &mut Change,
    session: TrainingSessionId,
) -> Result<SessionPlacesRow, BookingError> {
    session_places(&mut *change, session)
        .await?
        .ok_or(BookingError::NoSuchSession)
}

/// Books `learner` on `session`: confirmed while a place is free and nobody waits, otherwise
/// on the waiting list. Decided with the session's row locked, so capacity holds at any
/// concurrency; one live booking a person and session.
pub async fn book(
    change: &mut Change,
    session: TrainingSessionId,
    learner: UserId,
    now: OffsetDateTime,
) -> Result<Booked, BookingError> {
    let places = locked_session(change, session).await?;
    if places.cancelled {
        return Err(BookingError::SessionCancelled);
    }
    if now < places.booking_opens_at {
        return Err(BookingError::NotOpenYet);
    }
    if now >= places.booking_closes_at || now >= places.starts_at {
        return Err(BookingError::Closed);
    }
    let partnership = change.partnership();
    let organisation: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT organisation_id FROM users WHERE partnership_id = $1 AND id = $2 \
         AND archived_at IS NULL",
    )
    .bind(partnership)
    .bind(learner)
    .fetch_optional(change.conn())
    .await?;
    let Some(organisation) = organisation else {
        return Err(BookingError::NoSuchLearner);
    };
    // With the session locked no other booking for it can slip in between these reads and
    // the insert; the unique index is the backstop.
    let (live, waiting): (i64, i64) = sqlx::query_as(
        "SELECT \
         COALESCE(SUM(CASE WHEN learner_user_id = $3 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), 0) \
         FROM training_bookings WHERE partnership_id = $1 AND session_id = $2 \
         AND status NOT IN ('cancelled', 'late_cancelled', 'offer_declined', 'offer_expired', \
         'left_waiting_list')",
    )
    .bind(partnership)
    .bind(session)
    .bind(learner)
    .fetch_one(change.conn())
    .await?;
    if live > 0 {
        return Err(BookingError::AlreadyBooked);
    }
    let place = place_for_new_booking(places.capacity, places.places_held, waiting);
    let queue_position = places.next_queue_position + 1;
    let taken = i64::from(place == Place::Confirmed);
    let updated = sqlx::query(
        "UPDATE training_sessions SET places_held = places_held + $3, next_queue_position = $4 \
         WHERE partnership_id = $1 AND id = $2 AND places_held + $3 <= capacity",
    )
    .bind(partnership)
    .bind(session)
    .bind(taken)
    .bind(queue_position)
    .execute(change.conn())
    .await?;
    if updated.rows_affected() != 1 {
        // Cannot happen under the lock; refused rather than overbooked if it ever did.
        return Err(BookingError::NotNow);
    }
    let status = match place {
        Place::Confirmed => status::CONFIRMED,
        Place::Waiting => status::WAITING,
    };
    let stamp = timestamp_text(now);
    let inserted: Result<BookingId, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO training_bookings (partnership_id, session_id, learner_user_id, \
         organisation_id, status, queue_position, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(partnership)
    .bind(session)
    .bind(learner)
    .bind(organisation)
    .bind(status)
    .bind(queue_position)
    .bind(&stamp)
    .fetch_one(change.conn())
    .await;
    let booking = match inserted {
        Err(error) if is_unique_violation(&error) => return Err(BookingError::AlreadyBooked),
        other => other?,
    };
    let booked = Booked {
        booking,
        place,
        queue_position,
    };
    change
        .record(AuditEntry::created(
            "training_booking",
            booking,
            match place {
                Place::Confirmed => format!("Booked a place on session {session}"),
                Place::Waiting => format!("Joined the waiting list of session {session}"),
            },
            &serde_json::json!({ "session": session, "learner": learner, "status": status,
                "queue_position": queue_position }),
        ))
        .await?;
    Ok(booked)
}

/// Sets a booking's status (and offer expiry), recording the change.
async fn set_status(
    change: &mut Change,
    booking: &Booking,
    status: &str,
    offer_expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    summary: String,
) -> Result<(), sqlx::Error> {
    let expires = offer_expires_at.map(timestamp_text);
    sqlx::query(
        "UPDATE training_bookings SET status = $3, offer_expires_at = $4, updated_at = $5 \
         WHERE partnership_id = $1 AND id = $2",
    )
    .bind(change.partnership())
    .bind(booking.id)
    .bind(status)
    .bind(expires.as_deref())
    .bind(timestamp_text(now))
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "training_booking",
            booking.id,
            summary,
            &serde_json::json!({ "status": booking.status,
                "offer_expires_at": booking.offer_expires_at }),
            &serde_json::json!({ "status": status, "offer_expires_at": expires }),
        ))
        .await
}

async fn adjust_places_held(
    change: &mut Change,
    session: TrainingSessionId,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE training_sessions SET places_held = places_held + $3 \
         WHERE partnership_id = $1 AND id = $2",
    )
    .bind(change.partnership())
    .bind(session)
    .bind(by)
    .execute(change.conn())
    .await?;
    Ok(())
}

/// Offers each free place of the (locked) session to the first person waiting, while offers
/// may still be made.
async fn offer_free_places(
    change: &mut Change,
    session: TrainingSessionId,
    now: OffsetDateTime,
    policy: &TrainingPolicy,
) -> Result<Vec<Offer>, BookingError> {
    let places = locked_session(change, session).await?;
    if places.cancelled {
        return Ok(Vec::new());
    }
    let Some(expires_at) = offer_window(now, places.starts_at, policy) else {
        return Ok(Vec::new());
    };
    let free = places.capacity - places.places_held;
    if free <= 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT id, session_id, learner_user_id, organisation_id, status, queue_position, \
         offer_expires_at FROM training_bookings WHERE partnership_id = $1 AND session_id = $2 \
         AND status = 'waiting' ORDER BY queue_position LIMIT $3",
    )
    .bind(change.partnership())
    .bind(session)
    .bind(free)
    .fetch_all(change.conn())
    .await?;
    let mut offers = Vec::new();
    for row in rows {
        let booking = booking_from_row(&row)?;
        set_status(
            change,
            &booking,
            status::OFFERED,
            Some(expires_at),
            now,
            format!(
                "Offered a place on session {session} from the waiting list, until {}",
                timestamp_text(expires_at)
            ),
        )
        .await?;
        adjust_places_held(change, session, 1).await?;
        offers.push(Offer {
            booking: booking.id,
            session,
            learner: booking.learner,
            expires_at,
        });
    }
    Ok(offers)
}

/// The booking, with its session locked.
async fn locked_booking(
    change: &mut Change,
    id: BookingId,
) -> Result<(Booking, SessionPlacesRow), BookingError> {
    let booking = find_booking(&mut *change, id)
        .await?
        .ok_or(BookingError::NoSuchBooking)?;
    let places = locked_session(change, booking.session).await?;
    // Read again under the lock: it may have changed while we waited for it.
    let booking = find_booking(&mut *change, id)
        .await?
        .ok_or(BookingError::NoSuchBooking)?;
    Ok((booking, places))
}

/// Cancels a booking: a confirmed place is freed at once (free before the session's cut-off,
/// charged after it when the organisation is charged) and offered to the first person waiting;
/// a waiting entry leaves the list; an offer is declined.
pub async fn cancel(
    change: &mut Change,
    id: BookingId,
    now: OffsetDateTime,
    calendar: &Calendar,
    policy: &TrainingPolicy,
) -> Result<Cancelled, BookingError> {
    let (booking, places) = locked_booking(change, id).await?;
    match booking.status.as_str() {
        status::WAITING => {
            let offers = leave(change, &booking, now, policy).await?;
            return Ok(Cancelled {
                cancellation: None,
                charge: None,
                offers,
            });
        }
        status::OFFERED => {
            let offers = decline(change, &booking, now, policy).await?;
            return Ok(Cancelled {
                cancellation: None,
                charge: None,
                offers,
            });
        }
        status::CONFIRMED => {}
        _ => return Err(BookingError::NotNow),
    }
    if now >= places.starts_at {
        return Err(BookingError::NotNow);
    }
    let kind = cancellation(
        calendar,
        now.date(),
        places.starts_at.date(),
        places.charges.cut_off_working_days,
    );
    let (new_status, summary) = match kind {
        Cancellation::Free => (status::CANCELLED, "Cancelled a place"),
        Cancellation::Late => (
            status::LATE_CANCELLED,
            "Cancelled a place after the cut-off",
        ),
    };
    set_status(change, &booking, new_status, None, now, summary.to_owned()).await?;
    adjust_places_held(change, booking.session, -1).await?;
    let charge = match kind {
        Cancellation::Free => None,
        Cancellation::Late => {
            raise_charge(
                change,
                &booking,
                ChargeReason::LateCancellation,
                places.charges,
                policy,
                now,
            )
            .await?
        }
    };
    let offers = offer_free_places(change, booking.session, now, policy).await?;
    Ok(Cancelled {
        cancellation: Some(kind),
        charge,
        offers,
    })
}

async fn leave(
    change: &mut Change,
    booking: &Booking,
    now: OffsetDateTime,
    policy: &TrainingPolicy,
) -> Result<Vec<Offer>, BookingError> {
    set_status(
        change,
        booking,
        status::LEFT_WAITING_LIST,
        None,
        now,
        "Left the waiting list".to_owned(),
    )
    .await?;
    // Nothing was held; but a place left free nearer the start may be offerable again.
    offer_free_places(change, booking.session, now, policy).await
}

async fn decline(
    change: &mut Change,
    booking: &Booking,
    now: OffsetDateTime,
    policy: &TrainingPolicy,
) -> Result<Vec<Offer>, BookingError> {
    set_status(
        change,
        booking,
        status::OFFER_DECLINED,
        None,
        now,
        "Declined the offer of a place".to_owned(),
    )
    .await?;
    adjust_places_held(change, booking.session, -1).await?;
    offer_free_places(change, booking.session, now, policy).await
}

/// Leaves the waiting list (one click); the caller checks it is the learner's own entry.
pub async fn leave_waiting_list(
    change: &mut Change,
    id: BookingId,
    now: OffsetDateTime,
    policy: &TrainingPolicy,
) -> Result<Vec<Offer>, BookingError> {
    let (booking, _) = locked_booking(change, id).await?;
    if booking.status != status::WAITING {
        return Err(BookingError::NotNow);
    }
    leave(change, &booking, now, policy).await
}

/// Declines an offer (one click): the place passes to the next person waiting.
pub async fn decline_offer(
    change: &mut Change,
    id: BookingId,
    now: OffsetDateTime,
    policy: &TrainingPolicy,
) -> Result<Vec<Offer>, BookingError> {
    let (booking, _) = locked_booking(change, id).await?;
    if booking.status != status::OFFERED {
        return Err(BookingError::OfferGone);
    }
    decline(change, &booking, now, policy).await
}

/// Accepts an offer still open: the place is confirmed. An expired, declined or already
/// accepted offer is refused.
pub async fn accept_offer(
    change: &mut Change,
    id: BookingId,
    now: OffsetDateTime,
) -> Result<(), BookingError> {
    let (booking, _) = locked_booking(change, id).await?;
    let open = booking.status == status::OFFERED
        && booking
            .offer_expires_at
            .as_deref()
            .and_then(parse_timestamp)
            .is_some_and(|expires| now < expires);
    if !open {
        return Err(BookingError::OfferGone);
    }
    set_status(
        change,
        &booking,
        status::CONFIRMED,
        None,
        now,
        "Accepted the offer of a place".to_owned(),
    )
    .await?;
    Ok(())
}

/// What a pass over the expired offers did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OffersPassedOn {
    /// Offers that ran out unanswered.
    pub expired: Vec<BookingId>,
    /// The offers made in their place, for the e-mails.
    pub offers: Vec<Offer>,
}

/// Passes on every offer in the partnership that ran out by `now`: each is marked expired and
/// its place offered to the next person waiting. When none had expired nothing is written (and
/// nothing recorded: the job rolls its change back).
pub async fn expire_offers(
    change: &mut Change,
    now: OffsetDateTime,
    policy: &TrainingPolicy,
) -> Result<OffersPassedOn, BookingError> {
    let sessions: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT session_id FROM training_bookings WHERE partnership_id = $1 \
         AND status = 'offered' AND offer_expires_at <= $2 ORDER BY session_id",
    )
    .bind(change.partnership())
    .bind(timestamp_text(now))
    .fetch_all(change.conn())
    .await?;
    let mut passed = OffersPassedOn::default();
    for session in sessions.into_iter().map(TrainingSessionId::new) {
        locked_session(change, session).await?;
        let rows = sqlx::query(
            "SELECT id, session_id, learner_user_id, organisation_id, status, queue_position, \
             offer_expires_at FROM training_bookings WHERE partnership_id = $1 \
             AND session_id = $2 AND status = 'offered' AND offer_expires_at <= $3 \
             ORDER BY queue_position",
        )
        .bind(change.partnership())
        .bind(session)
        .bind(timestamp_text(now))
        .fetch_all(change.conn())
        .await?;
        for row in rows {
            let booking = booking_from_row(&row)?;
            set_status(
                change,
                &booking,
                status::OFFER_EXPIRED,
                None,
                now,
                "The offer of a place expired unanswered".to_owned(),
            )
            .await?;
            adjust_places_held(change, session, -1).await?;
            passed.expired.push(booking.id);
        }
        let offers = offer_free_places(change, session, now, policy).await?;
        passed.offers.extend(offers);
    }
    Ok(passed)
}
