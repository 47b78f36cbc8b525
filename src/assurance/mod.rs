//! Assurance: the statutory s11 and s175 audits, their deep dives and moderation, the
//! multi-agency case-file audits and the QA plan on a page. Frameworks (standards and questions)
//! are data, versioned; a round sends a framework version to a population of organisations, each
//! of which completes one return, pre-filled from its last; answers below "met" need an action,
//! raised in the improvement tracker when the return is submitted (source kind "audit", the
//! return's id: `sources()` names them there).
//!
//! Files: `model.rs` (frameworks as written, settings), `store.rs` (the queries), `routes/` (the
//! pages), `work.rs` (home-page items), `report.rs` (the yearly report's Quality assurance
//! section), `demo.rs` and `deep_dive_demo.rs` (the demo, and its deep dive loaded once the
//! accounts exist), `generate.rs` (the national-scale benchmark round). The pure rules:
//! `grades.rs` (grade shares, return completion), `progress.rs` (a return's stage, the return
//! rate), `forms.rs` (a round and an answer as typed), `analysis.rs` (a round's analysis from
//! counted answers), `chasers.rs` (the reminder schedule, and the job that queues it),
//! `evidence.rs` (evidence and actions on answers; queries in `evidence_store.rs`),
//! `sampling.rs` (the seeded deep-dive sample), `agreement.rs` (agreement between moderators),
//! `deep_dive.rs`, `moderation.rs` and `letter.rs` (the sample's form, a panel member's
//! judgements, the feedback letter; queries in `deep_dive_store.rs`), `sheet.rs` (a framework as
//! a spreadsheet). Sub-modules: `case_audits/` (multi-agency case-file audits) and `plan/` (the
//! QA plan on a page and its calendar feeds).

pub mod agreement;
pub mod analysis;
pub mod case_audits;
pub mod chasers;
pub mod dashboard_store;
pub mod deep_dive;
pub mod deep_dive_demo;
pub mod deep_dive_store;
pub mod demo;
pub mod evidence;
pub mod evidence_store;
pub mod figures;
pub mod forms;
pub mod generate;
pub mod grades;
pub mod letter;
pub mod model;
pub mod moderation;
pub mod plan;
pub mod progress;
pub mod report;
mod routes;
pub mod sampling;
pub mod shared;
pub mod shared_demo;
pub mod shared_store;
pub mod sheet;
pub mod store;
pub mod work;

pub use chasers::queue_chasers;

use crate::kernel::sources::{Found, SourceDirectory, SourceRecord};
use crate::kernel::{Access, Permission, Routes, Scope};
use crate::tracker::model::SourceKind;

const VIEW: Access = Access::Requires(Permission::ViewAssurance);
const MANAGE: Access = Access::Requires(Permission::ManageAssurance);
const RESPOND: Access = Access::Requires(Permission::RespondToAudit);
const MODERATE: Access = Access::Requires(Permission::ModerateAudit);

pub fn routes() -> Routes {
    use routes::{
        analysis, chasers, deep_dive, evidence, frameworks, letter, moderation, returns, rounds,
        shared, submission,
    };
    Routes::new()
        .merge(plan_routes())
        .get("/assurance", VIEW, frameworks::overview)
        .post(
            "/assurance/frameworks/shipped",
            MANAGE,
            frameworks::add_shipped,
        )
        .get(
            "/assurance/frameworks/import",
            MANAGE,
            frameworks::import_page,
        )
        .post("/assurance/frameworks/import", MANAGE, frameworks::import)
        .get("/assurance/frameworks/{id}", VIEW, frameworks::framework)
        .get(
            "/assurance/frameworks/{id}/export.toml",
            VIEW,
            frameworks::export_framework,
        )
        .get("/assurance/rounds/new", MANAGE, rounds::new_round_page)
        .post("/assurance/rounds/new", MANAGE, rounds::open_round)
        .get("/assurance/rounds/{id}", VIEW, rounds::round_page)
        // Totals only: someone who acts for one organisation sees no other's return in them.
        .get(
            "/assurance/rounds/{id}/analysis",
            VIEW,
            analysis::analysis_page,
        )
        .get(
            "/assurance/rounds/{id}/analysis.xlsx",
            VIEW,
            analysis::analysis_xlsx,
        )
        .post(
            "/assurance/returns/{id}/chasers",
            MANAGE,
            chasers::send_reminder,
        )
        .get(
            "/assurance/returns/{id}/extensions",
            MANAGE,
            chasers::extension_page,
        )
        .post(
            "/assurance/returns/{id}/extensions",
            MANAGE,
            chasers::grant_extension,
        )
        // A return is read with ViewAssurance; the handler hides another organisation's from
        // those who act for one (`routes::may_see_return`).
        .get("/assurance/returns/{id}", VIEW, returns::return_page)
        .post(
            "/assurance/returns/{id}/standards/{number}",
            RESPOND,
            returns::save_standard,
        )
        .post(
            "/assurance/returns/{id}/submit",
            RESPOND,
            submission::submit_return,
        )
        .post(
            "/assurance/returns/{id}/questions/{number}/evidence",
            RESPOND,
            evidence::add_evidence,
        )
        .post(
            "/assurance/returns/{id}/evidence/reuse",
            RESPOND,
            evidence::reuse_evidence,
        )
        // One return for several partnerships (`shared.rs`).
        .post(
            "/assurance/returns/{id}/shares",
            RESPOND,
            shared::share_return,
        )
        .post(
            "/assurance/returns/{id}/answer-here",
            MANAGE,
            shared::stop_following,
        )
        .post(
            "/assurance/returns/{id}/previous-actions",
            RESPOND,
            evidence::save_previous_actions,
        )
        // A file is read through its return (`routes::may_see_return`).
        .get("/assurance/evidence/{id}", VIEW, evidence::evidence_file)
        .post(
            "/assurance/returns/{id}/reopen",
            MANAGE,
            rounds::reopen_return,
        )
        .get(
            "/assurance/frameworks/{id}/export.xlsx",
            VIEW,
            frameworks::export_framework_xlsx,
        )
        .merge(case_audits::routes())
        // Deep dives: the sample (read across the partnership, drawn by the business unit),
        // moderation by the panel, and the feedback letter (the handlers hide another
        // organisation's from those who act for one).
        .get(
            "/assurance/rounds/{id}/sample",
            VIEW,
            deep_dive::sample_page,
        )
        .post(
            "/assurance/rounds/{id}/sample",
            MANAGE,
            deep_dive::draw_sample,
        )
        .get(
            "/assurance/returns/{id}/moderation",
            VIEW,
            moderation::moderation_page,
        )
        .post(
            "/assurance/returns/{id}/moderation",
            MODERATE,
            moderation::save_moderation,
        )
        .post(
            "/assurance/returns/{id}/moderated",
            MANAGE,
            moderation::mark_moderated,
        )
        .get("/assurance/returns/{id}/letter", VIEW, letter::letter_page)
        .post(
            "/assurance/returns/{id}/letter",
            MANAGE,
            letter::save_letter,
        )
        .get(
            "/assurance/returns/{id}/letter.pdf",
            VIEW,
            letter::letter_pdf,
        )
}

/// The QA plan on a page and its calendar feeds.
fn plan_routes() -> Routes {
    use plan::routes as plan;
    Routes::new()
        .get("/assurance/plan", VIEW, plan::plan_page)
        .get("/assurance/plan.ics", VIEW, plan::plan_calendar)
        // The subscription address is its own credential (a keyed check of the person), for
        // calendar applications that hold no session; it answers only while the person may
        // view assurance.
        .get(
            "/assurance/plan/feed/{token}",
            Access::Public,
            plan::subscribed_calendar,
        )
        .get(
            "/assurance/plan/activities/new",
            MANAGE,
            plan::new_activity_page,
        )
        .post("/assurance/plan/activities/new", MANAGE, plan::add_activity)
        .get(
            "/assurance/plan/activities/{id}",
            MANAGE,
            plan::activity_page,
        )
        .post(
            "/assurance/plan/activities/{id}",
            MANAGE,
            plan::change_activity,
        )
        .post(
            "/assurance/plan/activities/{id}/remove",
            MANAGE,
            plan::remove_activity,
        )
}

/// The assurance records the improvement tracker names as a recommendation's source.
pub fn sources() -> SourceDirectory {
    SourceDirectory::new().register(SourceKind::Audit.code(), return_source)
}

/// An audit return (by its id): "s175 audit 2025: Example School" and its page.
fn return_source(scope: Scope<'_>, id: i64) -> Found<'_> {
    Box::pin(async move {
        let Some(audit_return) = store::find_return(scope, model::ReturnId::new(id)).await? else {
            return Ok(None);
        };
        Ok(store::find_round(scope, audit_return.round_id)
            .await?
            .map(|round| SourceRecord {
                label: evidence::tracker_label(&round.title, &audit_return.organisation_name),
                page: format!("/assurance/returns/{}", audit_return.id),
            }))
    })
}
