//! Multi-agency case-file audits (issue 13, point 6; seed §9.3 to §9.6): a themed audit (strategy
//! meetings, children as victims of domestic abuse, neglect) with its participating agencies
//! and a question template graded good / requires improvement / inadequate; cases by pseudonym
//! only (the personal-data check refuses names, dates of birth, NHS numbers); each agency's
//! auditor answers for its own records, per case; a round-table outcome per case; findings,
//! whose recommendations are raised in the improvement tracker; a re-audit that copies the
//! template and cases and is compared with the audit before it, question by question.
//!
//! Files: `model.rs` (the pure rules and the forms), `store.rs` (the queries), `routes/` (the
//! pages), `report.rs` (its part of the yearly report's Quality assurance section), `demo.rs`
//! (the four audits of 2024/25), `work.rs` (what waits on home pages, with its one query).

pub mod demo;
pub mod model;
pub mod report;
mod routes;
pub mod store;
pub mod work;

use crate::kernel::sources::{Found, SourceDirectory, SourceRecord};
use crate::kernel::{Access, Permission, Routes, Scope};
use crate::tracker::model::SourceKind;

const VIEW: Access = Access::Requires(Permission::ViewAssurance);
const MANAGE: Access = Access::Requires(Permission::ManageAssurance);
const RESPOND: Access = Access::Requires(Permission::RespondToAudit);

pub fn routes() -> Routes {
    use routes::{audits, cases, findings, questions};
    Routes::new()
        .get("/assurance/case-audits", VIEW, audits::list)
        .get("/assurance/case-audits/new", MANAGE, audits::new_audit_page)
        .post("/assurance/case-audits/new", MANAGE, audits::create_audit)
        .get("/assurance/case-audits/{id}", VIEW, audits::audit_page)
        .get(
            "/assurance/case-audits/{id}/questions",
            VIEW,
            questions::questions,
        )
        .post(
            "/assurance/case-audits/{id}/questions",
            MANAGE,
            questions::add_question,
        )
        .get(
            "/assurance/case-audits/questions/{id}",
            MANAGE,
            questions::edit_question_page,
        )
        .post(
            "/assurance/case-audits/questions/{id}",
            MANAGE,
            questions::update_question,
        )
        .get("/assurance/case-audits/{id}/cases", VIEW, cases::cases)
        .post("/assurance/case-audits/{id}/cases", MANAGE, cases::add_case)
        .get("/assurance/case-audits/cases/{id}", VIEW, cases::case_page)
        // An agency's answers: the handler finds another agency's not found for those who act
        // for one agency (`model::may_answer`).
        .get(
            "/assurance/case-audits/cases/{id}/agencies/{number}",
            RESPOND,
            cases::answers_form,
        )
        .post(
            "/assurance/case-audits/cases/{id}/agencies/{number}",
            RESPOND,
            cases::save_answers,
        )
        .get(
            "/assurance/case-audits/cases/{id}/round-table",
            MANAGE,
            cases::round_table_form,
        )
        .post(
            "/assurance/case-audits/cases/{id}/round-table",
            MANAGE,
            cases::record_round_table,
        )
        .get(
            "/assurance/case-audits/{id}/findings",
            VIEW,
            findings::findings,
        )
        .post(
            "/assurance/case-audits/{id}/findings",
            MANAGE,
            findings::add_finding,
        )
        .post(
            "/assurance/case-audits/findings/{id}/raise",
            MANAGE,
            findings::raise,
        )
        .get(
            "/assurance/case-audits/{id}/re-audit",
            MANAGE,
            audits::new_reaudit_page,
        )
        .post(
            "/assurance/case-audits/{id}/re-audit",
            MANAGE,
            audits::start_reaudit,
        )
        .get(
            "/assurance/case-audits/{id}/comparison",
            VIEW,
            audits::comparison_page,
        )
}

/// The improvement tracker's recommendations raised from a case-file audit name the audit.
pub fn sources() -> SourceDirectory {
    SourceDirectory::new().register(SourceKind::CaseFileAudit.code(), audit_source)
}

/// A case-file audit (by its id): "Multi-agency case-file audit: Neglect (March 2025)" and its
/// page.
fn audit_source(scope: Scope<'_>, id: i64) -> Found<'_> {
    Box::pin(async move {
        Ok(store::find_audit(scope, model::CaseAuditId::new(id))
            .await?
            .map(|audit| SourceRecord {
                label: store::audit_source_label(&audit),
                page: audit.page(),
            }))
    })
}
