//! Assurance: the statutory s11 and s175 audits. Frameworks (standards and questions) are data,
//! versioned; a round sends a framework version to a population of organisations, each of which
//! completes one return, pre-filled from its last; answers below "met" need an action.
//!
//! Files: `model.rs` (frameworks as written, settings), `store.rs` (the queries), `routes/`
//! (the pages: frameworks, rounds, returns), `work.rs` (home-page items); the pure rules:
//! `grades.rs` (grade shares, return completion), `progress.rs` (a return's stage, the return
//! rate), `forms.rs` (a round and an answer as typed), `sampling.rs` (the seeded deep-dive
//! sample), `agreement.rs` (agreement between moderators); `sheet.rs` (a framework as a spreadsheet),
//! `report.rs` (the yearly report's Quality assurance section); `analysis.rs` (a round's
//! analysis from counted answers, pure) and `chasers.rs` (the reminder schedule, pure, and the job
//! that queues it). Deep dives: `deep_dive.rs` (the
//! sample's form), `moderation.rs` (a panel member's judgements, when a return is moderated),
//! `letter.rs` (the feedback letter's draft and PDF), `deep_dive_store.rs` (their queries).

pub mod agreement;
pub mod analysis;
pub mod chasers;
pub mod deep_dive;
pub mod deep_dive_store;
pub mod demo;
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
pub mod sheet;
pub mod store;
pub mod work;

pub use chasers::queue_chasers;

use crate::kernel::{Access, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewAssurance);
const MANAGE: Access = Access::Requires(Permission::ManageAssurance);
const RESPOND: Access = Access::Requires(Permission::RespondToAudit);
const MODERATE: Access = Access::Requires(Permission::ModerateAudit);

pub fn routes() -> Routes {
    use routes::{analysis, chasers, deep_dive, frameworks, letter, moderation, returns, rounds};
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
            returns::submit_return,
        )
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
