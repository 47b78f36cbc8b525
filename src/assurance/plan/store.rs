//! The QA plan's queries: the activities the business unit planned (`assurance_plan_activities`)
//! and, read-only, the rounds that are on the plan by themselves. Reads take `impl Store`
//! scoped by its partnership; writes take `&mut Change` and record their audit entry.

use time::Date;

use super::{Activity, ActivityDetails, ActivityKind, PlanActivityId};
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{IsoDate, now_text};
use crate::kernel::text::iso_date;
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// A planned activity as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlannedActivity {
    pub id: PlanActivityId,
    #[sqlx(try_from = "String")]
    pub kind: ActivityKind,
    pub title: String,
    #[sqlx(try_from = "IsoDate")]
    pub starts_on: Date,
    #[sqlx(try_from = "IsoDate")]
    pub ends_on: Date,
    pub lead: String,
    pub notes: String,
    pub created_by_name: String,
    pub updated_at: String,
}

impl PlannedActivity {
    pub fn details(&self) -> ActivityDetails {
        ActivityDetails {
            kind: self.kind,
            title: self.title.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            lead: self.lead.clone(),
            notes: self.notes.clone(),
        }
    }

    fn activity(self) -> Activity {
        Activity {
            key: format!("activity-{}", self.id),
            kind: self.kind,
            page: format!("/assurance/plan/activities/{}", self.id),
            planned: Some(self.id),
            title: self.title,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            lead: self.lead,
            notes: self.notes,
        }
    }
}

const ACTIVITY_COLUMNS: &str =
    "id, kind, title, starts_on, ends_on, lead, notes, created_by_name, updated_at";

/// One planned activity of the partnership, not taken off the plan.
pub async fn find_activity(
    mut store: impl Store,
    id: PlanActivityId,
) -> Result<Option<PlannedActivity>> {
    let sql = format!(
        "SELECT {ACTIVITY_COLUMNS} FROM assurance_plan_activities \
         WHERE id = $1 AND partnership_id = $2 AND removed_at IS NULL"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// A round as the plan shows it.
#[derive(sqlx::FromRow)]
struct RoundRow {
    id: i64,
    title: String,
    framework_code: String,
    #[sqlx(try_from = "IsoDate")]
    opens_on: Date,
    #[sqlx(try_from = "IsoDate")]
    due_on: Date,
}

/// Every activity of the partnership's plan: its planned activities and its rounds (open to
/// due), in date order. Runs once per page or feed; a partnership holds tens a year.
pub async fn plan_activities(mut store: impl Store) -> Result<Vec<Activity>> {
    let partnership = store.partnership();
    let sql = format!(
        "SELECT {ACTIVITY_COLUMNS} FROM assurance_plan_activities \
         WHERE partnership_id = $1 AND removed_at IS NULL ORDER BY starts_on, id"
    );
    let planned: Vec<PlannedActivity> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(partnership)
        .fetch_all(store.conn())
        .await?;
    let rounds: Vec<RoundRow> = sqlx::query_as(
        "SELECT r.id, r.title, f.code AS framework_code, r.opens_on, r.due_on \
         FROM assurance_rounds r JOIN assurance_frameworks f ON f.id = r.framework_id \
         WHERE r.partnership_id = $1 ORDER BY r.opens_on, r.id",
    )
    .bind(partnership)
    .fetch_all(store.conn())
    .await?;
    let mut activities: Vec<Activity> = rounds
        .into_iter()
        .map(|round| Activity {
            key: format!("round-{}", round.id),
            kind: ActivityKind::of_framework(&round.framework_code),
            title: round.title,
            starts_on: round.opens_on,
            ends_on: round.due_on.max(round.opens_on),
            lead: String::new(),
            notes: "Returns open to the due date.".to_owned(),
            page: format!("/assurance/rounds/{}", round.id),
            planned: None,
        })
        .collect();
    activities.extend(planned.into_iter().map(PlannedActivity::activity));
    activities.sort_by(|a, b| (a.starts_on, &a.key).cmp(&(b.starts_on, &b.key)));
    Ok(activities)
}

/// Puts an activity on the plan, with its audit entry.
pub async fn insert_activity(
    change: &mut Change,
    details: &ActivityDetails,
    by: &str,
) -> Result<PlanActivityId> {
    let now = now_text();
    let id: PlanActivityId = sqlx::query_scalar(
        "INSERT INTO assurance_plan_activities (partnership_id, kind, title, starts_on, ends_on, lead, notes, \
         created_by_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(change.partnership())
    .bind(details.kind.code())
    .bind(&details.title)
    .bind(iso_date(details.starts_on))
    .bind(iso_date(details.ends_on))
    .bind(&details.lead)
    .bind(&details.notes)
    .bind(by)
    .bind(&now)
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "assurance_plan_activity",
            id,
            format!("Put {} on the QA plan", details.title),
            details,
        ))
        .await?;
    Ok(id)
}

/// Saves an edit over the activity as it was read (`before`); false (nothing written) when
/// someone changed or removed it meanwhile, so an edit never silently undoes theirs.
pub async fn update_activity(
    change: &mut Change,
    before: &PlannedActivity,
    details: &ActivityDetails,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE assurance_plan_activities SET kind = $1, title = $2, starts_on = $3, ends_on = $4, lead = $5, \
         notes = $6, updated_at = $7 WHERE id = $8 AND partnership_id = $9 AND kind = $10 AND title = $11 \
         AND starts_on = $12 AND ends_on = $13 AND lead = $14 AND notes = $15 AND removed_at IS NULL",
    )
    .bind(details.kind.code())
    .bind(&details.title)
    .bind(iso_date(details.starts_on))
    .bind(iso_date(details.ends_on))
    .bind(&details.lead)
    .bind(&details.notes)
    .bind(now_text())
    .bind(before.id)
    .bind(change.partnership())
    .bind(before.kind.code())
    .bind(&before.title)
    .bind(iso_date(before.starts_on))
    .bind(iso_date(before.ends_on))
    .bind(&before.lead)
    .bind(&before.notes)
    .execute(change.conn())
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    change
        .record(AuditEntry::updated(
            "assurance_plan_activity",
            before.id,
            format!("Changed {} on the QA plan", details.title),
            &before.details(),
            details,
        ))
        .await?;
    Ok(true)
}

/// Takes an activity off the plan (kept, marked removed), with its audit entry; false when it
/// was already taken off.
pub async fn remove_activity(change: &mut Change, before: &PlannedActivity) -> Result<bool> {
    let removed = sqlx::query(
        "UPDATE assurance_plan_activities SET removed_at = $1 WHERE id = $2 AND partnership_id = $3 \
         AND removed_at IS NULL",
    )
    .bind(now_text())
    .bind(before.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?
    .rows_affected();
    if removed == 0 {
        return Ok(false);
    }
    change
        .record(AuditEntry::archived(
            "assurance_plan_activity",
            before.id,
            format!("Took {} off the QA plan", before.title),
            &before.details(),
        ))
        .await?;
    Ok(true)
}
