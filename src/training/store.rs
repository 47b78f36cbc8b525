//! Training's tables: the policy, courses, venues and sessions. Reads take `impl Store`; writes
//! take `&mut Change` and record their audit entry. Bookings, offers, the register and charges
//! are in [`bookings`](super::bookings) and [`charges`](super::charges).

use serde::Serialize;
use sqlx::Row;
use time::OffsetDateTime;

use super::model::{CourseId, SessionCharges, TrainingPolicy, TrainingSessionId, VenueId};
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{now_text, parse_timestamp, timestamp_text};
use crate::kernel::ids::{OrganisationId, UserId};
use crate::kernel::{Change, Store};

/// The partnership's training policy: its own, or the default when it has set none.
pub async fn policy(mut store: impl Store) -> Result<TrainingPolicy, sqlx::Error> {
    let row = sqlx::query(
        "SELECT charged_kinds, cut_off_working_days, no_show_charge_pence, \
         late_cancellation_charge_pence, offer_hours_far, offer_hours_near, offer_hours_last, \
         no_offers_within_hours, attended_percent FROM training_policies WHERE partnership_id = $1",
    )
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await?;
    let Some(row) = row else {
        return Ok(TrainingPolicy::default());
    };
    let codes: String = row.try_get("charged_kinds")?;
    let charged_kinds = TrainingPolicy::parse_charged_kinds(&codes)
        .ok_or_else(|| sqlx::Error::Decode(format!("charged_kinds holds {codes:?}").into()))?;
    let cut_off: i64 = row.try_get("cut_off_working_days")?;
    Ok(TrainingPolicy {
        charged_kinds,
        cut_off_working_days: u32::try_from(cut_off).unwrap_or(0),
        no_show_charge_pence: row.try_get("no_show_charge_pence")?,
        late_cancellation_charge_pence: row.try_get("late_cancellation_charge_pence")?,
        offer_hours_far: row.try_get("offer_hours_far")?,
        offer_hours_near: row.try_get("offer_hours_near")?,
        offer_hours_last: row.try_get("offer_hours_last")?,
        no_offers_within_hours: row.try_get("no_offers_within_hours")?,
        attended_percent: row.try_get("attended_percent")?,
    })
}

/// Sets the partnership's training policy.
pub async fn save_policy(change: &mut Change, policy: &TrainingPolicy) -> Result<(), sqlx::Error> {
    let before = self::policy(&mut *change).await?;
    let partnership = change.partnership();
    sqlx::query("DELETE FROM training_policies WHERE partnership_id = $1")
        .bind(partnership)
        .execute(change.conn())
        .await?;
    sqlx::query(
        "INSERT INTO training_policies (partnership_id, charged_kinds, cut_off_working_days, \
         no_show_charge_pence, late_cancellation_charge_pence, offer_hours_far, offer_hours_near, \
         offer_hours_last, no_offers_within_hours, attended_percent, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(partnership)
    .bind(policy.charged_kinds_code())
    .bind(i64::from(policy.cut_off_working_days))
    .bind(policy.no_show_charge_pence)
    .bind(policy.late_cancellation_charge_pence)
    .bind(policy.offer_hours_far)
    .bind(policy.offer_hours_near)
    .bind(policy.offer_hours_last)
    .bind(policy.no_offers_within_hours)
    .bind(policy.attended_percent)
    .bind(now_text())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "training_policy",
            partnership,
            "Changed the training policy",
            &before,
            policy,
        ))
        .await
}

/// A course as added.
#[derive(Debug, Clone, Serialize)]
pub struct NewCourse {
    pub title: String,
    pub description: String,
    pub outcomes: String,
    pub audience: String,
    pub level: String,
    pub duration_minutes: i64,
    pub needs_manager_approval: bool,
    /// Business plan priorities the course serves (this partnership's).
    pub priorities: Vec<i64>,
}

pub async fn add_course(change: &mut Change, course: &NewCourse) -> Result<CourseId, sqlx::Error> {
    let now = now_text();
    let partnership = change.partnership();
    let id: CourseId = sqlx::query_scalar(
        "INSERT INTO training_courses (partnership_id, title, description, outcomes, audience, \
         level, duration_minutes, needs_manager_approval, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(partnership)
    .bind(&course.title)
    .bind(&course.description)
    .bind(&course.outcomes)
    .bind(&course.audience)
    .bind(&course.level)
    .bind(course.duration_minutes)
    .bind(i64::from(course.needs_manager_approval))
    .bind(&now)
    .fetch_one(change.conn())
    .await?;
    for priority in &course.priorities {
        // Only a priority of one of this partnership's plans can be linked.
        sqlx::query(
            "INSERT INTO training_course_priorities (partnership_id, course_id, priority_id) \
             SELECT $1, $2, p.id FROM business_plan_priorities p \
             JOIN business_plans b ON b.id = p.business_plan_id \
             WHERE p.id = $3 AND b.partnership_id = $1",
        )
        .bind(partnership)
        .bind(id)
        .bind(priority)
        .execute(change.conn())
        .await?;
    }
    change
        .record(AuditEntry::created(
            "training_course",
            id,
            format!("Added the course {}", course.title),
            course,
        ))
        .await?;
    Ok(id)
}

/// A venue as added.
#[derive(Debug, Clone, Serialize)]
pub struct NewVenue {
    pub name: String,
    pub address: String,
    pub capacity: i64,
}

pub async fn add_venue(change: &mut Change, venue: &NewVenue) -> Result<VenueId, sqlx::Error> {
    let id: VenueId = sqlx::query_scalar(
        "INSERT INTO training_venues (partnership_id, name, address, capacity, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(change.partnership())
    .bind(&venue.name)
    .bind(&venue.address)
    .bind(venue.capacity)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "training_venue",
            id,
            format!("Added the venue {}", venue.name),
            venue,
        ))
        .await?;
    Ok(id)
}

/// A trainer of a session: from the pool (a user) or named only.
#[derive(Debug, Clone, Serialize)]
pub struct Trainer {
    pub name: String,
    pub organisation: Option<OrganisationId>,
    pub user: Option<UserId>,
}

/// A session as added. Its charges and cut-off come from the policy unless set.
#[derive(Debug, Clone, Serialize)]
pub struct NewSession {
    pub course: CourseId,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub venue: Option<VenueId>,
    pub online_link: Option<String>,
    pub capacity: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub booking_opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub booking_closes_at: OffsetDateTime,
    pub cut_off_working_days: u32,
    pub no_show_charge_pence: i64,
    pub late_cancellation_charge_pence: i64,
    pub trainers: Vec<Trainer>,
}

impl NewSession {
    /// A session of `course` with the policy's cut-off and charges, bookable from now until
    /// its start.
    pub fn with_policy(
        course: CourseId,
        starts_at: OffsetDateTime,
        ends_at: OffsetDateTime,
        capacity: i64,
        policy: &TrainingPolicy,
    ) -> NewSession {
        NewSession {
            course,
            starts_at,
            ends_at,
            venue: None,
            online_link: None,
            capacity,
            booking_opens_at: OffsetDateTime::UNIX_EPOCH,
            booking_closes_at: starts_at,
            cut_off_working_days: policy.cut_off_working_days,
            no_show_charge_pence: policy.no_show_charge_pence,
            late_cancellation_charge_pence: policy.late_cancellation_charge_pence,
            trainers: Vec::new(),
        }
    }
}

pub async fn add_session(
    change: &mut Change,
    session: &NewSession,
) -> Result<TrainingSessionId, sqlx::Error> {
    let now = now_text();
    let partnership = change.partnership();
    let id: TrainingSessionId = sqlx::query_scalar(
        "INSERT INTO training_sessions (partnership_id, course_id, starts_at, ends_at, venue_id, \
         online_link, capacity, booking_opens_at, booking_closes_at, cut_off_working_days, \
         no_show_charge_pence, late_cancellation_charge_pence, created_at, updated_at) \
         SELECT $1, c.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13 \
         FROM training_courses c WHERE c.partnership_id = $1 AND c.id = $2 RETURNING id",
    )
    .bind(partnership)
    .bind(session.course)
    .bind(timestamp_text(session.starts_at))
    .bind(timestamp_text(session.ends_at))
    .bind(session.venue)
    .bind(session.online_link.as_deref())
    .bind(session.capacity)
    .bind(timestamp_text(session.booking_opens_at))
    .bind(timestamp_text(session.booking_closes_at))
    .bind(i64::from(session.cut_off_working_days))
    .bind(session.no_show_charge_pence)
    .bind(session.late_cancellation_charge_pence)
    .bind(&now)
    .fetch_one(change.conn())
    .await?;
    for trainer in &session.trainers {
        sqlx::query(
            "INSERT INTO training_session_trainers (partnership_id, session_id, name, \
             organisation_id, user_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(partnership)
        .bind(id)
        .bind(&trainer.name)
        .bind(trainer.organisation)
        .bind(trainer.user)
        .execute(change.conn())
        .await?;
    }
    change
        .record(AuditEntry::created(
            "training_session",
            id,
            format!(
                "Added a session on {} for {} people",
                timestamp_text(session.starts_at),
                session.capacity
            ),
            session,
        ))
        .await?;
    Ok(id)
}

/// A session as the booking rules need it.
#[derive(Debug, Clone)]
pub struct SessionPlacesRow {
    pub id: TrainingSessionId,
    pub starts_at: OffsetDateTime,
    pub booking_opens_at: OffsetDateTime,
    pub booking_closes_at: OffsetDateTime,
    pub capacity: i64,
    /// Confirmed and offered bookings.
    pub places_held: i64,
    pub next_queue_position: i64,
    pub charges: SessionCharges,
    pub cancelled: bool,
}

fn timestamp_column(row: &sqlx::any::AnyRow, column: &str) -> Result<OffsetDateTime, sqlx::Error> {
    let text: String = row.try_get(column)?;
    parse_timestamp(&text)
        .ok_or_else(|| sqlx::Error::Decode(format!("{column} holds {text:?}").into()))
}

/// The session's places, locked until the change ends when read in one (`FOR UPDATE` on
/// PostgreSQL; SQLite's write transaction already excludes every other writer).
pub async fn session_places(
    mut store: impl Store,
    id: TrainingSessionId,
) -> Result<Option<SessionPlacesRow>, sqlx::Error> {
    let sql = format!(
        "SELECT id, starts_at, booking_opens_at, booking_closes_at, capacity, places_held, \
         next_queue_position, cut_off_working_days, no_show_charge_pence, \
         late_cancellation_charge_pence, cancelled_at FROM training_sessions \
         WHERE partnership_id = $1 AND id = $2{}",
        store.for_update()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(store.partnership())
        .bind(id)
        .fetch_optional(store.conn())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let cut_off: i64 = row.try_get("cut_off_working_days")?;
    let cancelled_at: Option<String> = row.try_get("cancelled_at")?;
    Ok(Some(SessionPlacesRow {
        id: TrainingSessionId::new(row.try_get("id")?),
        starts_at: timestamp_column(&row, "starts_at")?,
        booking_opens_at: timestamp_column(&row, "booking_opens_at")?,
        booking_closes_at: timestamp_column(&row, "booking_closes_at")?,
        capacity: row.try_get("capacity")?,
        places_held: row.try_get("places_held")?,
        next_queue_position: row.try_get("next_queue_position")?,
        charges: SessionCharges {
            cut_off_working_days: u32::try_from(cut_off).unwrap_or(0),
            no_show_pence: row.try_get("no_show_charge_pence")?,
            late_cancellation_pence: row.try_get("late_cancellation_charge_pence")?,
        },
        cancelled: cancelled_at.is_some(),
    }))
}

/// A session as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpcomingSession {
    pub id: TrainingSessionId,
    pub course: CourseId,
    pub course_title: String,
    pub starts_at: String,
    pub ends_at: String,
    pub venue_name: Option<String>,
    pub online: bool,
    pub capacity: i64,
    pub places_left: i64,
    pub waiting: i64,
}

/// Sessions not cancelled that start after `now`, soonest first, with their places left.
pub async fn upcoming_sessions(
    mut store: impl Store,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<UpcomingSession>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT s.id, s.course_id, c.title, s.starts_at, s.ends_at, v.name AS venue_name, \
         s.online_link, s.capacity, s.places_held, \
         (SELECT COUNT(*) FROM training_bookings b WHERE b.session_id = s.id \
          AND b.status = 'waiting') AS waiting \
         FROM training_sessions s JOIN training_courses c ON c.id = s.course_id \
         LEFT JOIN training_venues v ON v.id = s.venue_id \
         WHERE s.partnership_id = $1 AND s.cancelled_at IS NULL AND s.starts_at > $2 \
         ORDER BY s.starts_at, s.id LIMIT $3",
    )
    .bind(store.partnership())
    .bind(timestamp_text(now))
    .bind(limit)
    .fetch_all(store.conn())
    .await?;
    rows.iter()
        .map(|row| {
            let capacity: i64 = row.try_get("capacity")?;
            let held: i64 = row.try_get("places_held")?;
            let waiting: i64 = row.try_get("waiting")?;
            let link: Option<String> = row.try_get("online_link")?;
            Ok(UpcomingSession {
                id: TrainingSessionId::new(row.try_get("id")?),
                course: CourseId::new(row.try_get("course_id")?),
                course_title: row.try_get("title")?,
                starts_at: row.try_get("starts_at")?,
                ends_at: row.try_get("ends_at")?,
                venue_name: row.try_get("venue_name")?,
                online: link.is_some(),
                capacity,
                places_left: super::waiting::places_left(capacity, held, waiting),
                waiting,
            })
        })
        .collect()
}
