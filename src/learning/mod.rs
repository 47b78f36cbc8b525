//! Learning: serious incident notifications and the statutory clocks of rapid reviews and
//! local child safeguarding practice reviews, counted in working days that skip England and
//! Wales bank holidays (bundled, plus any the business unit adds); learning reviews (rapid
//! reviews, local CSPRs, learning circles, reflective reviews, thematic audits) with findings
//! tagged by the business unit's themes; triage of national and other areas' reviews; and
//! advance warnings of the clocks through the e-mail outbox.
//!
//! Files: `model.rs` (types and the clock rules), `store.rs` (its queries:
//! `store::find_review(scope, id)`, `store::insert_review(&mut change, &details)`, each write
//! recording its audit entry), `routes/` (one file per sub-resource), `warnings.rs` (the clock
//! warnings job), `demo.rs` (the demo reviews and triage).
//!
//! Reviews and triaged national recommendations raise improvement-tracker recommendations:
//! `sources()` registers how to name them (merged into the source directory in `src/lib.rs`),
//! and review pages show their actions with `tracker::actions_from`. Learning uses the tracker;
//! the tracker never names learning.

mod demo;
pub mod model;
pub mod report;
mod routes;
pub mod store;
mod warnings;
pub mod work;

pub use routes::routes;
pub use warnings::queue_clock_warnings;

use std::collections::HashMap;

use crate::kernel::db::Db;
use crate::kernel::ids::{OrganisationId, ReviewId};
use crate::kernel::sources::{Found, SourceDirectory, SourceRecord};
use crate::kernel::{Change, Scope};
use crate::tracker::model::SourceKind;

/// The learning records the improvement tracker can name as a recommendation's source.
pub fn sources() -> SourceDirectory {
    SourceDirectory::new()
        .register(SourceKind::LearningReview.code(), review_source)
        .register(SourceKind::NationalReview.code(), national_review_source)
}

/// A review (by its id): "Rapid review RR-2025-01 (Child N)" and its page.
fn review_source(scope: Scope<'_>, id: i64) -> Found<'_> {
    Box::pin(async move {
        Ok(store::find_review(scope, ReviewId::new(id))
            .await?
            .map(|review| SourceRecord {
                label: review.label(),
                page: format!("/learning/reviews/{}", review.id),
            }))
    })
}

/// A triaged recommendation of a national review (by the recommendation's id): named by the
/// review it came from, shown on that review's triage page.
fn national_review_source(scope: Scope<'_>, id: i64) -> Found<'_> {
    Box::pin(async move {
        let id = model::NationalRecommendationId::new(id);
        let Some(recommendation) = store::find_recommendation(scope, id).await? else {
            return Ok(None);
        };
        Ok(
            store::find_national_review(scope, recommendation.national_review_id)
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
            .chain(added.into_iter().map(|holiday| holiday.day)),
    ))
}

/// Demo notifications (one reviewed, one rapid review past its deadline, one just notified),
/// then the learning reviews, themes and triage of the 2024-25 yearly report, all in the
/// change's partnership, through the store writes the pages use. `organisations` are the demo
/// organisations by name; the reviews come back by reference.
pub async fn load_demo(
    change: &mut Change,
    organisations: &HashMap<String, i64>,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut incidents = HashMap::new();
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
        let id = store::insert_incident(change, &details).await?;
        incidents.insert(reference, id);
        let dates = model::ReviewDates {
            notified_on: notified,
            rapid_review_completed_on: completed,
            local_review_decided_on: decided,
            local_review_published_on: published,
        };
        if dates != model::ReviewDates::default()
            && let Some(incident) = store::find_incident(&mut *change, id).await?
        {
            store::set_review_dates(change, &incident, &dates).await?;
        }
    }
    let organisations = organisations
        .iter()
        .map(|(name, id)| (name.clone(), OrganisationId::new(*id)))
        .collect();
    let reviews = demo::load(change, &organisations, &incidents).await?;
    Ok(reviews
        .into_iter()
        .map(|(reference, id)| (reference, id.get()))
        .collect())
}
