//! Learning: serious incident notifications and the statutory clocks of rapid reviews and
//! local child safeguarding practice reviews, counted in working days that skip England and
//! Wales bank holidays (bundled, plus any the business unit adds); learning reviews (rapid
//! reviews, local CSPRs, learning circles, reflective reviews, thematic audits) with findings
//! tagged by the business unit's themes; triage of national and other areas' reviews; and
//! advance warnings of the clocks through the e-mail outbox.
//!
//! Reviews and triaged national recommendations raise improvement-tracker recommendations:
//! `sources()` registers how to name them (merged into the source directory in `src/lib.rs`),
//! and review pages show their actions with `tracker::actions_from`. Learning uses the tracker;
//! the tracker never names learning.

mod demo;
pub mod model;
mod reviews;
mod routes;
pub mod store;
mod triage;
mod warnings;

pub use warnings::queue_clock_warnings;

use crate::kernel::db::Db;
use crate::kernel::sources::{Found, SourceDirectory, SourceRecord};
use crate::kernel::{Access, Permission, Routes};
use crate::tracker::model::SourceKind;

const VIEW: Access = Access::Requires(Permission::ViewLearning);
const MANAGE: Access = Access::Requires(Permission::ManageLearning);
const THEMES: Access = Access::Requires(Permission::ManageThemes);

pub fn routes() -> Routes {
    Routes::new()
        .get("/learning", VIEW, routes::landing)
        .get("/learning/notifications", VIEW, routes::notifications)
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
        .get("/learning/reviews", VIEW, reviews::list)
        .get("/learning/reviews/new", MANAGE, reviews::new_page)
        .post("/learning/reviews/new", MANAGE, reviews::create)
        .get("/learning/reviews/{id}", VIEW, reviews::page)
        .get("/learning/reviews/{id}/edit", MANAGE, reviews::edit_page)
        .post("/learning/reviews/{id}/edit", MANAGE, reviews::update)
        .post("/learning/reviews/{id}/archive", MANAGE, reviews::archive)
        .post("/learning/reviews/{id}/restore", MANAGE, reviews::restore)
        .post(
            "/learning/reviews/{id}/findings",
            MANAGE,
            reviews::add_finding,
        )
        .post(
            "/learning/reviews/{id}/findings/{item_id}/archive",
            MANAGE,
            reviews::archive_finding,
        )
        .get("/learning/themes", VIEW, reviews::themes)
        .post("/learning/themes", THEMES, reviews::add_theme)
        .post(
            "/learning/themes/{id}/archive",
            THEMES,
            reviews::archive_theme,
        )
        .post(
            "/learning/themes/{id}/restore",
            THEMES,
            reviews::restore_theme,
        )
        .get("/learning/triage", VIEW, triage::list)
        .get("/learning/triage/new", MANAGE, triage::new_page)
        .post("/learning/triage/new", MANAGE, triage::create)
        .get("/learning/triage/{id}", VIEW, triage::page)
        .post(
            "/learning/triage/{id}/recommendations",
            MANAGE,
            triage::add_recommendation,
        )
        .post(
            "/learning/triage/{id}/recommendations/{item_id}",
            MANAGE,
            triage::decide,
        )
}

/// The learning records the improvement tracker can name as a recommendation's source.
pub fn sources() -> SourceDirectory {
    SourceDirectory::new()
        .register(SourceKind::LearningReview.code(), review_source)
        .register(SourceKind::NationalReview.code(), national_review_source)
}

/// A review (by its id): "Rapid review RR-2025-01 (Child N)" and its page.
fn review_source(db: &Db, partnership_id: i64, id: i64) -> Found<'_> {
    Box::pin(async move {
        Ok(store::find_review(db, partnership_id, id)
            .await?
            .map(|review| SourceRecord {
                label: review.label(),
                page: format!("/learning/reviews/{}", review.id),
            }))
    })
}

/// A triaged recommendation of a national review (by the recommendation's id): named by the
/// review it came from, shown on that review's triage page.
fn national_review_source(db: &Db, partnership_id: i64, id: i64) -> Found<'_> {
    Box::pin(async move {
        let Some(recommendation) = store::find_recommendation(db, partnership_id, id).await? else {
            return Ok(None);
        };
        Ok(
            store::find_national_review(db, partnership_id, recommendation.national_review_id)
                .await?
                .map(|review| SourceRecord {
                    label: format!(
                        "{} ({}): recommendation \u{201c}{}\u{201d}",
                        review.title,
                        review.source,
                        model::shortened(&recommendation.recommendation, 80)
                    ),
                    page: format!("/learning/triage/{}", recommendation.national_review_id),
                }),
        )
    })
}

/// The calendar the clocks use: the bundled England and Wales list and the days added here.
/// Shared by every partnership of the installation (all in England and Wales).
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

/// Demo notifications (one reviewed, one rapid review past its deadline, one just notified),
/// then the learning reviews, themes and triage of the 2024-25 yearly report, all in the actor's
/// partnership.
pub async fn load_demo(
    tx: &mut crate::kernel::db::Transaction,
    actor: &crate::kernel::audit::Actor,
    organisations: &std::collections::HashMap<String, i64>,
) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    let mut incidents = std::collections::HashMap::new();
    use time::macros::date;
    let cases = [
        (
            "SIN-2025-03",
            "Child N",
            "A young child was harmed at home; the rapid review found no need for a local review and the Panel agreed.",
            date!(2025 - 03 - 10),
            [
                Some(date!(2025 - 03 - 13)),
                Some(date!(2025 - 03 - 31)),
                None,
                None,
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
        let id = store::insert_incident(tx, actor.partnership_id, &details).await?;
        incidents.insert(reference, id);
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
    demo::load(tx, actor, organisations, &incidents).await
}
