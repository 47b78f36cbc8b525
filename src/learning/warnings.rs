//! Advance warnings of the statutory clocks, sent to the business unit through the e-mail
//! outbox: when a clock is due within 2 working days, and when it has been breached. Each is
//! sent once per clock and kind; what was sent is recorded so running again never repeats it.
//! Each partnership's warnings go to its own business unit, about its own notifications only.

use time::Date;

use super::model::{CLOCK_CODES, WarningKind, clocks, warning_for};
use super::store;
use crate::kernel::db::Db;
use crate::kernel::text::long_date;
use crate::kernel::{Role, Scope};

/// Queues today's warnings for every partnership and returns how many clock warnings were newly
/// sent (each to every active business unit admin of the incident's partnership). Archived
/// notifications are not warned about.
pub async fn queue_clock_warnings(db: &Db, today: Date) -> Result<usize, sqlx::Error> {
    let calendar = super::calendar(db).await?;
    let mut sent = 0;
    for (partnership, _) in crate::partnership::partnerships(db).await? {
        let scope = Scope::new(db, partnership);
        sent += queue_partnership_warnings(scope, &calendar, today).await?;
    }
    Ok(sent)
}

/// One partnership's warnings, to its own business unit admins.
async fn queue_partnership_warnings(
    scope: Scope<'_>,
    calendar: &masa_workdays::Calendar,
    today: Date,
) -> Result<usize, sqlx::Error> {
    let recipients: Vec<String> = crate::kernel::auth::list_users(scope)
        .await?
        .into_iter()
        .filter(|user| user.archived_at.is_none() && user.roles.contains(&Role::BusinessUnitAdmin))
        .map(|user| user.email)
        .collect();
    let mut sent = 0;
    for incident in store::list_incidents(scope).await? {
        for (clock, code) in clocks(&incident, calendar, today).iter().zip(CLOCK_CODES) {
            let Some((kind, due)) = warning_for(clock) else {
                continue;
            };
            // A delivery, not a change to a record: its own transaction, no audit entry.
            let mut tx = scope.db().begin_write().await?;
            if !store::record_clock_warning(&mut tx, incident.id, code, kind.code(), due).await? {
                tx.rollback().await?;
                continue;
            }
            let (subject, opening) = match kind {
                WarningKind::DueSoon => (
                    format!("Due soon: {} for {}", clock.name, incident.reference),
                    format!(
                        "The statutory clock \"{}\" for {} ({}) is due on {}.",
                        clock.name,
                        incident.reference,
                        incident.subject,
                        long_date(due)
                    ),
                ),
                WarningKind::Breached => (
                    format!("Overdue: {} for {}", clock.name, incident.reference),
                    format!(
                        "The statutory clock \"{}\" for {} ({}) was due on {} and has not been met.",
                        clock.name,
                        incident.reference,
                        incident.subject,
                        long_date(due)
                    ),
                ),
            };
            let body = format!(
                "{opening}\n\n{}\n\nRecord the dates on MASA: /learning/notifications/{}\n",
                clock.summary(),
                incident.id
            );
            for address in &recipients {
                crate::kernel::outbox::queue(
                    &mut tx,
                    scope.partnership(),
                    address,
                    &subject,
                    &body,
                )
                .await?;
            }
            tx.commit().await?;
            sent += 1;
        }
    }
    Ok(sent)
}
