//! Assurance: the statutory s11 and s175 audits. Frameworks (standards and questions) are data,
//! versioned; a round sends a framework version to a population of organisations, each of which
//! completes one return, pre-filled from its last; answers below "met" need an action.
//!
//! Files: `model.rs` (frameworks as written, settings), `store.rs` (the queries), `routes/`
//! (the pages: frameworks, rounds, returns), `work.rs` (home-page items); the pure rules:
//! `grades.rs` (grade shares, return completion), `progress.rs` (a return's stage, the return
//! rate), `forms.rs` (a round and an answer as typed), `sampling.rs` (the seeded deep-dive
//! sample), `agreement.rs` (agreement between moderators); `sheet.rs` (a framework as a spreadsheet),
//! `report.rs` (the yearly report's Quality assurance section). Deep dives: `deep_dive.rs` (the
//! sample's form), `moderation.rs` (a panel member's judgements, when a return is moderated),
//! `letter.rs` (the feedback letter's draft and PDF), `deep_dive_store.rs` (their queries).

pub mod agreement;
pub mod deep_dive;
pub mod deep_dive_store;
pub mod demo;
pub mod forms;
pub mod grades;
pub mod letter;
pub mod model;
pub mod moderation;
pub mod progress;
pub mod report;
mod routes;
pub mod sampling;
pub mod sheet;
pub mod store;
pub mod work;

use crate::kernel::{Access, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewAssurance);
const MANAGE: Access = Access::Requires(Permission::ManageAssurance);
const RESPOND: Access = Access::Requires(Permission::RespondToAudit);
const MODERATE: Access = Access::Requires(Permission::ModerateAudit);

pub fn routes() -> Routes {
    use routes::{deep_dive, frameworks, letter, moderation, returns, rounds};
    Routes::new()
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
