//! The reports: the statutory yearly report and the quarterly board report, generated from the
//! figures and sections every module registers (kernel::report), cross-checked, compared with
//! the period before, drafted and approved, frozen, and rendered as HTML and PDF.
//!
//! Files: `generate.rs` (the engine), `model.rs` (its rules), `store.rs` (versions, narrative,
//! comments), `report.rs` (this module's own sections: the narrative and the glossary),
//! `html.rs` (a report as HTML, and [`standalone_html`] for the CLI), `pdf.rs` (the JSON the
//! typst template renders), `routes.rs` (the pages), `work.rs` (the home page's items).

pub mod cli;
pub mod generate;
pub mod html;
pub mod model;
pub mod pdf;
pub mod report;
mod routes;
pub mod store;
pub mod work;

pub use html::standalone_html;
pub use report::report_contribution;

use crate::kernel::{Access, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewReports);
const MANAGE: Access = Access::Requires(Permission::ManageReports);
const COMMENT: Access = Access::Requires(Permission::CommentOnReports);

pub fn routes() -> Routes {
    Routes::new()
        .get("/reports", VIEW, routes::reports)
        .post("/reports/generate", MANAGE, routes::generate_report)
        .get("/reports/{id}", VIEW, routes::report)
        .get("/reports/{id}/figures/{key}", VIEW, routes::figure)
        .post("/reports/{id}/comments", COMMENT, routes::add_comment)
        .post("/reports/{id}/approve", MANAGE, routes::approve)
        .get("/reports/{id}/report.pdf", VIEW, routes::report_pdf)
        .get(
            "/reports/narrative/{kind}/{period}/{part}",
            MANAGE,
            routes::narrative,
        )
        .post(
            "/reports/narrative/{kind}/{period}/{part}",
            MANAGE,
            routes::save_narrative,
        )
}
