//! The learning module's queries. Only this file touches its tables.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

use super::model::{IncidentDetails, ReviewDates, SeriousIncident};
use crate::kernel::db::{Db, Transaction, date_column, now_text, optional_date_column};
use crate::kernel::text::iso_date;

type Result<T> = std::result::Result<T, sqlx::Error>;

fn incident_from_row(row: &AnyRow) -> Result<SeriousIncident> {
    Ok(SeriousIncident {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        subject: row.try_get("subject")?,
        summary: row.try_get("summary")?,
        became_aware_on: date_column(row, "became_aware_on")?,
        notified_on: optional_date_column(row, "notified_on")?,
        rapid_review_completed_on: optional_date_column(row, "rapid_review_completed_on")?,
        local_review_decided_on: optional_date_column(row, "local_review_decided_on")?,
        local_review_published_on: optional_date_column(row, "local_review_published_on")?,
        archived_at: row.try_get("archived_at")?,
    })
}

/// Newest first.
pub async fn list_incidents(db: &Db) -> Result<Vec<SeriousIncident>> {
    let rows = sqlx::query("SELECT * FROM serious_incidents WHERE archived_at IS NULL ORDER BY became_aware_on DESC, id DESC").fetch_all(&db.pool).await?;
    rows.iter().map(incident_from_row).collect()
}

pub async fn find_incident(db: &Db, id: i64) -> Result<Option<SeriousIncident>> {
    let row = sqlx::query("SELECT * FROM serious_incidents WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(incident_from_row).transpose()
}

pub async fn reference_taken(db: &Db, reference: &str) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM serious_incidents WHERE upper(reference) = upper($1)",
    )
    .bind(reference)
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

pub async fn insert_incident(tx: &mut Transaction, details: &IncidentDetails) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO serious_incidents (reference, subject, summary, became_aware_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&details.reference)
    .bind(&details.subject)
    .bind(&details.summary)
    .bind(iso_date(details.became_aware_on))
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_review_dates(tx: &mut Transaction, id: i64, dates: &ReviewDates) -> Result<()> {
    sqlx::query(
        "UPDATE serious_incidents SET notified_on = $1, rapid_review_completed_on = $2, local_review_decided_on = $3, \
         local_review_published_on = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(dates.notified_on.map(iso_date))
    .bind(dates.rapid_review_completed_on.map(iso_date))
    .bind(dates.local_review_decided_on.map(iso_date))
    .bind(dates.local_review_published_on.map(iso_date))
    .bind(now_text())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Bank holidays the business unit added, as (id, day, name), in date order.
pub async fn added_holidays(db: &Db) -> Result<Vec<(i64, Date, String)>> {
    let rows = sqlx::query("SELECT id, day, name FROM bank_holidays ORDER BY day")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                date_column(row, "day")?,
                row.try_get("name")?,
            ))
        })
        .collect()
}

pub async fn insert_holiday(tx: &mut Transaction, day: Date, name: &str) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO bank_holidays (day, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(iso_date(day))
    .bind(name)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}
