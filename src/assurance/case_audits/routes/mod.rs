//! The case-file audits' pages, one file per resource: `audits.rs` (the list, a new audit, an
//! audit, its re-audit and the comparison), `questions.rs` (the question template),
//! `cases.rs` (cases, each agency's answers, the round-table), `findings.rs` (findings and
//! raising them in the tracker). Here: the lookups route ids go through, and who acts for
//! which agency.

pub mod audits;
pub mod cases;
pub mod findings;
pub mod questions;

use std::collections::HashMap;

use super::model::{AuditedCaseId, CaseAuditId, CaseFindingId, CaseQuestionId};
use super::store::{self, AuditedCase, CaseAudit, CaseFinding, CaseQuestion};
use crate::kernel::auth::CurrentUser;
use crate::kernel::ids::OrganisationId;
use crate::kernel::{AppError, AppResult, AppState, Ctx, Lookup, Scope};

/// The agency a person's answers are kept to: their organisation, if they act for one (an
/// audit respondent, a partner's data lead); None for the business unit and those who act for
/// no organisation. Someone organisation-scoped without an organisation acts for none that
/// takes part (`OrganisationId` 0 is never an organisation's).
pub fn acts_for(user: &CurrentUser) -> Option<OrganisationId> {
    if crate::assurance::routes::sees_only_own_organisation(&user.roles) {
        Some(user.organisation().unwrap_or(OrganisationId::new(0)))
    } else {
        None
    }
}

/// The partnership's organisations' names, for the agencies of an audit.
pub async fn agency_names(scope: Scope<'_>) -> AppResult<HashMap<OrganisationId, String>> {
    Ok(crate::partnership::organisation_names(scope).await?)
}

/// An audit's agencies with their names, in the order they were added.
pub async fn named_agencies(
    scope: Scope<'_>,
    audit: CaseAuditId,
) -> AppResult<Vec<(OrganisationId, String)>> {
    let names = agency_names(scope).await?;
    Ok(store::agencies_of(scope, audit)
        .await?
        .into_iter()
        .map(|id| {
            let name = names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("Organisation {id}"));
            (id, name)
        })
        .collect())
}

/// A form's fields in order; several may share a name (checkboxes).
fn form_pairs(body: &[u8]) -> AppResult<Vec<(String, String)>> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))
}

impl Lookup for CaseAudit {
    type Id = CaseAuditId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: CaseAuditId) -> AppResult<Option<CaseAudit>> {
        Ok(store::find_audit(ctx.scope(state)?, id).await?)
    }
}

impl Lookup for AuditedCase {
    type Id = AuditedCaseId;

    async fn look_up(
        state: &AppState,
        ctx: &Ctx,
        id: AuditedCaseId,
    ) -> AppResult<Option<AuditedCase>> {
        Ok(store::find_case(ctx.scope(state)?, id).await?)
    }
}

impl Lookup for CaseQuestion {
    type Id = CaseQuestionId;

    async fn look_up(
        state: &AppState,
        ctx: &Ctx,
        id: CaseQuestionId,
    ) -> AppResult<Option<CaseQuestion>> {
        Ok(store::find_question(ctx.scope(state)?, id).await?)
    }
}

impl Lookup for CaseFinding {
    type Id = CaseFindingId;

    async fn look_up(
        state: &AppState,
        ctx: &Ctx,
        id: CaseFindingId,
    ) -> AppResult<Option<CaseFinding>> {
        Ok(store::find_finding(ctx.scope(state)?, id).await?)
    }
}

/// The audit a case, question or finding belongs to (in the same partnership, so always found).
async fn audit_of(scope: Scope<'_>, id: CaseAuditId) -> AppResult<CaseAudit> {
    store::find_audit(scope, id)
        .await?
        .ok_or(AppError::NotFound)
}
