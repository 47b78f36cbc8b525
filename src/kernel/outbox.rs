//! The e-mail outbox: messages are queued in the same transaction as the change that caused
//! them, so a reminder is never lost nor sent for a change that rolled back. The business unit
//! sees the queue; delivery over SMTP reads it (not yet built: messages wait, marked unsent).

use sqlx::Row;

use super::db::{Db, Transaction, now_text};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Email {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub async fn queue(
    tx: &mut Transaction,
    to_address: &str,
    subject: &str,
    body: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO email_outbox (to_address, subject, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(to_address)
        .bind(subject)
        .bind(body)
        .bind(now_text())
        .fetch_one(&mut **tx)
        .await
}

/// The newest messages first, sent or not.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Email>, sqlx::Error> {
    let rows = sqlx::query("SELECT * FROM email_outbox ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Email {
                id: row.try_get("id")?,
                to_address: row.try_get("to_address")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                created_at: row.try_get("created_at")?,
                sent_at: row.try_get("sent_at")?,
                attempts: row.try_get("attempts")?,
                last_error: row.try_get("last_error")?,
            })
        })
        .collect()
}

pub async fn unsent_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL")
        .fetch_one(&db.pool)
        .await
}
