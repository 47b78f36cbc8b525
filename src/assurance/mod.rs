//! Assurance: the statutory s11 and s175 audits. Frameworks (standards and questions) are data,
//! versioned; a round sends a framework version to a population of organisations, each of which
//! completes one return, pre-filled from its last; answers below "met" need an action.
//!
//! Files: `model.rs` (frameworks as written, settings), `store.rs` (the queries), `routes.rs`
//! (the pages); the pure rules: `grades.rs` (grade shares, return completion), `sampling.rs`
//! (the seeded deep-dive sample), `agreement.rs` (agreement between moderators).

pub mod agreement;
pub mod demo;
pub mod grades;
pub mod model;
pub mod report;
mod routes;
pub mod sampling;
pub mod sheet;
pub mod store;

use crate::kernel::{Access, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewAssurance);
const MANAGE: Access = Access::Requires(Permission::ManageAssurance);

pub fn routes() -> Routes {
    Routes::new()
        .get("/assurance", VIEW, routes::overview)
        .post("/assurance/frameworks/shipped", MANAGE, routes::add_shipped)
        .get("/assurance/frameworks/import", MANAGE, routes::import_page)
        .post("/assurance/frameworks/import", MANAGE, routes::import)
        .get("/assurance/frameworks/{id}", VIEW, routes::framework)
        .get(
            "/assurance/frameworks/{id}/export.toml",
            VIEW,
            routes::export_framework,
        )
        .get(
            "/assurance/frameworks/{id}/export.xlsx",
            VIEW,
            routes::export_framework_xlsx,
        )
}
