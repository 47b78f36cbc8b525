//! Learning: serious incident notifications and the statutory clocks of rapid reviews and
//! local child safeguarding practice reviews, counted in working days that skip England and
//! Wales bank holidays (bundled, plus any the business unit adds).

pub mod model;
mod routes;
pub mod store;

use crate::kernel::db::Db;
use crate::kernel::{Access, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewLearning);
const MANAGE: Access = Access::Requires(Permission::ManageLearning);

pub fn routes() -> Routes {
    Routes::new()
        .get("/learning", VIEW, routes::notifications)
        .get(
            "/learning/notifications/new",
            MANAGE,
            routes::new_notification_page,
        )
        .post(
            "/learning/notifications/new",
            MANAGE,
            routes::create_notification,
        )
        .get(
            "/learning/notifications/{id}",
            VIEW,
            routes::notification_page,
        )
        .post(
            "/learning/notifications/{id}/dates",
            MANAGE,
            routes::record_dates,
        )
        .get("/learning/bank-holidays", VIEW, routes::bank_holidays)
        .post(
            "/learning/bank-holidays",
            Access::Requires(Permission::ManageCalendar),
            routes::add_bank_holiday,
        )
}

/// The calendar the clocks use: the bundled England and Wales list and the days added here.
pub async fn calendar(db: &Db) -> Result<masa_workdays::Calendar, sqlx::Error> {
    let added = store::added_holidays(db).await?;
    let bundled = masa_workdays::Calendar::england_and_wales();
    Ok(masa_workdays::Calendar::from_holidays(
        bundled
            .holidays()
            .iter()
            .copied()
            .chain(added.into_iter().map(|(_, day, _)| day)),
    ))
}

/// Demo notifications: one closed review, one rapid review past its deadline, one just notified.
pub async fn load_demo(
    tx: &mut crate::kernel::db::Transaction,
    actor: &crate::kernel::audit::Actor,
) -> Result<(), sqlx::Error> {
    use time::macros::date;
    let cases = [
        (
            "SIN-2025-03",
            "Child N",
            "Rapid review of neglect and professional challenge; a local review followed.",
            date!(2025 - 03 - 10),
            [
                Some(date!(2025 - 03 - 13)),
                Some(date!(2025 - 03 - 31)),
                Some(date!(2025 - 04 - 15)),
                Some(date!(2025 - 10 - 10)),
            ],
        ),
        (
            "SIN-2026-05",
            "Child R",
            "Serious injury to an infant; agencies involved: health visiting, police, children's social care.",
            date!(2026 - 10 - 05),
            [Some(date!(2026 - 10 - 08)), None, None, None],
        ),
        (
            "SIN-2026-07",
            "Sibling Group Q",
            "Concerns about home conditions and school attendance across three siblings.",
            date!(2026 - 11 - 17),
            [None, None, None, None],
        ),
    ];
    for (reference, subject, summary, aware, [notified, completed, decided, published]) in cases {
        let details = model::IncidentDetails {
            reference: reference.into(),
            subject: subject.into(),
            summary: summary.into(),
            became_aware_on: aware,
        };
        let id = store::insert_incident(tx, &details).await?;
        let dates = model::ReviewDates {
            notified_on: notified,
            rapid_review_completed_on: completed,
            local_review_decided_on: decided,
            local_review_published_on: published,
        };
        store::set_review_dates(tx, id, &dates).await?;
        crate::kernel::audit::record(
            tx,
            actor,
            crate::kernel::audit::AuditEntry {
                action: crate::kernel::audit::AuditAction::Create,
                entity_type: "serious_incident",
                entity_id: Some(id),
                summary: format!("Recorded serious incident {reference} ({subject})"),
                before: None,
                after: Some(crate::kernel::audit::snapshot(&(details, dates))),
            },
        )
        .await?;
    }
    Ok(())
}
