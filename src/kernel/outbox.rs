//! The e-mail outbox: messages are queued in the same transaction as the change that caused
//! them, so a reminder is never lost nor sent for a change that rolled back. `deliver_pending`
//! sends what is waiting through an SMTP server (run every minute by `masa serve` when one is
//! configured); a message that fails is retried, up to MAX_ATTEMPTS, with the error kept.
//!
//! A partnership's messages are read through a [`Store`] (`outbox::recent(scope, 200)`).
//! `queue` still takes its callers' transaction, and `deliver_pending` (a job across every
//! partnership) the pool, until the modules that queue mail write through a `Change`.

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

use super::config::{Config, SmtpCredentials, SmtpTls};
use super::db::{Db, Transaction, now_text};
use super::store::Store;

crate::typed_id!(
    /// A message in the outbox.
    EmailId
);

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Email {
    pub id: EmailId,
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
    partnership_id: super::ids::PartnershipId,
    to_address: &str,
    subject: &str,
    body: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO email_outbox (to_address, subject, body, created_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(to_address)
    .bind(subject)
    .bind(body)
    .bind(now_text())
    .bind(partnership_id)
    .fetch_one(&mut **tx)
    .await
}

/// A partnership's newest messages first, sent or not.
pub async fn recent(mut store: impl Store, limit: i64) -> Result<Vec<Email>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, to_address, subject, body, created_at, sent_at, attempts, last_error \
         FROM email_outbox WHERE partnership_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(store.partnership())
    .bind(limit)
    .fetch_all(store.conn())
    .await
}

/// A partnership's messages not yet sent.
pub async fn unsent_count(mut store: impl Store) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL AND partnership_id = $1",
    )
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await
}

/// A partnership's messages that failed every attempt: left for the business unit to look at.
pub async fn stuck_count(mut store: impl Store) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL AND attempts >= $2 \
         AND partnership_id = $1",
    )
    .bind(store.partnership())
    .bind(MAX_ATTEMPTS)
    .fetch_one(store.conn())
    .await
}

/// Attempts before a message is left for the business unit to look at.
pub const MAX_ATTEMPTS: i64 = 5;

/// The SMTP server to send through: a relay in plain SMTP, or a remote server over STARTTLS or
/// TLS (certificates checked against the webpki roots), signing in when credentials are given.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(
        host: &str,
        port: u16,
        tls: SmtpTls,
        credentials: Option<&SmtpCredentials>,
        from: &str,
    ) -> Result<Mailer, String> {
        let from = from.parse::<Mailbox>().map_err(|error| {
            format!("MASA_MAIL_FROM {from:?} is not an e-mail address: {error}")
        })?;
        let builder = match tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|error| format!("MASA_SMTP_HOST {host:?}: {error}"))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|error| format!("MASA_SMTP_HOST {host:?}: {error}"))?,
        };
        let mut builder = builder
            .port(port)
            .timeout(Some(std::time::Duration::from_secs(20)));
        if let Some(credentials) = credentials {
            builder = builder.credentials(Credentials::new(
                credentials.username.clone(),
                credentials.password.clone(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// The mailer the configuration asks for, if it names a server.
    pub fn from_config(config: &Config) -> Option<Result<Mailer, String>> {
        config.smtp_host.as_deref().map(|host| {
            Mailer::new(
                host,
                config.smtp_port,
                config.smtp_tls,
                config.smtp_credentials.as_ref(),
                &config.mail_from,
            )
        })
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub failed: usize,
}

/// Sends up to `batch` waiting messages, oldest first, recording each outcome.
pub async fn deliver_pending(
    db: &Db,
    mailer: &Mailer,
    batch: i64,
) -> Result<Delivery, sqlx::Error> {
    let rows = sqlx::query("SELECT id, to_address, subject, body FROM email_outbox WHERE sent_at IS NULL AND attempts < $1 ORDER BY id LIMIT $2")
        .bind(MAX_ATTEMPTS)
        .bind(batch)
        .fetch_all(&db.pool)
        .await?;
    let mut delivery = Delivery::default();
    for row in &rows {
        let id: EmailId = row.try_get("id")?;
        let to: String = row.try_get("to_address")?;
        let subject: String = row.try_get("subject")?;
        let body: String = row.try_get("body")?;
        let outcome = match to.parse::<Mailbox>() {
            Ok(recipient) => match Message::builder()
                .from(mailer.from.clone())
                .to(recipient)
                .subject(subject)
                .body(body)
            {
                Ok(message) => mailer
                    .transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            },
            Err(error) => Err(format!("{to:?} is not an e-mail address: {error}")),
        };
        match outcome {
            Ok(()) => {
                sqlx::query("UPDATE email_outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
                    .bind(now_text())
                    .bind(id)
                    .execute(&db.pool)
                    .await?;
                delivery.sent += 1;
            }
            Err(error) => {
                tracing::warn!(email = id.get(), %error, "could not send e-mail");
                sqlx::query("UPDATE email_outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
                    .bind(error)
                    .bind(id)
                    .execute(&db.pool)
                    .await?;
                delivery.failed += 1;
            }
        }
    }
    Ok(delivery)
}
