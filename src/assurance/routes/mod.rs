//! Assurance pages, one file per resource: `frameworks.rs` (the overview, a framework, import
//! and export), `rounds.rs` (opening a round, the returns dashboard, reopening a return),
//! `returns.rs` (a return, answering a standard), `submission.rs` (submitting a return), `deep_dive.rs` (a round's
//! deep-dive sample), `moderation.rs` (moderating a sampled return), `letter.rs` (the feedback
//! letter and its PDF). Here: who may see and answer a return, and the lookups that route ids
//! go through.

pub mod analysis;
pub mod chasers;
pub mod deep_dive;
pub mod evidence;
pub mod frameworks;
pub mod letter;
pub mod moderation;
pub mod returns;
pub mod rounds;
pub mod shared;
pub mod submission;

use super::store::{self, AuditReturn, Round};
use crate::kernel::auth::CurrentUser;
use crate::kernel::ids::OrganisationId;
use crate::kernel::{AppError, AppResult, AppState, Ctx, Lookup, Permission, Role};

/// Whether the person acts for one organisation (an audit respondent, a partner's data lead)
/// and so sees only its returns. The business unit sees every return.
pub fn sees_only_own_organisation(roles: &[Role]) -> bool {
    !roles.contains(&Role::BusinessUnitAdmin)
        && roles.iter().any(|role| role.is_organisation_scoped())
}

/// May this person see a return of this organisation listed on the dashboard (its stage, not its
/// answers)?
pub fn may_list_return(user: &CurrentUser, organisation: OrganisationId) -> bool {
    !sees_only_own_organisation(&user.roles) || user.organisation() == Some(organisation)
}

/// May this person see a return of this organisation, in this state? A return not yet
/// submitted is its organisation's draft: only its own people and the business unit read it.
pub fn may_see_return(
    user: &CurrentUser,
    organisation: OrganisationId,
    status: store::ReturnStatus,
) -> bool {
    let own = user.organisation() == Some(organisation);
    let submitted = matches!(
        status,
        store::ReturnStatus::Submitted | store::ReturnStatus::Moderated
    );
    may_list_return(user, organisation) && (user.is_admin() || own || submitted)
}

/// May this person answer and submit a return of this organisation? Its own respondents, and
/// the business unit.
pub fn may_answer_return(user: &CurrentUser, organisation: OrganisationId) -> bool {
    user.can(Permission::RespondToAudit)
        && (user.is_admin() || user.organisation() == Some(organisation))
}

/// A route's `{id}` is one of the partnership's rounds.
impl Lookup for Round {
    type Id = super::model::RoundId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: Self::Id) -> AppResult<Option<Round>> {
        Ok(store::find_round(ctx.scope(state)?, id).await?)
    }
}

/// A route's `{id}` is one of the partnership's returns that the person may see: another
/// partnership's, another organisation's for someone who acts for one, or another
/// organisation's draft, is not found.
impl Lookup for AuditReturn {
    type Id = super::model::ReturnId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: Self::Id) -> AppResult<Option<AuditReturn>> {
        let user = ctx.user()?;
        Ok(store::find_return(ctx.scope(state)?, id)
            .await?
            .filter(|audit_return| {
                may_see_return(user, audit_return.organisation_id, audit_return.status)
            }))
    }
}

/// A form's fields in order; several may share a name (checkboxes).
fn form_pairs(body: &[u8]) -> AppResult<Vec<(String, String)>> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respondents_and_data_leads_see_only_their_own_organisations_returns() {
        assert!(sees_only_own_organisation(&[Role::AuditRespondent]));
        assert!(sees_only_own_organisation(&[Role::PartnerDataLead]));
        assert!(sees_only_own_organisation(&[
            Role::GroupMember,
            Role::AuditRespondent
        ]));
        assert!(!sees_only_own_organisation(&[
            Role::BusinessUnitAdmin,
            Role::AuditRespondent
        ]));
        assert!(!sees_only_own_organisation(&[Role::IndependentScrutineer]));
        assert!(!sees_only_own_organisation(&[Role::GroupChair]));
    }
}
