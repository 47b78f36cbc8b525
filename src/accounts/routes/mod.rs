//! The accounts routes, one file per sub-resource; what they share is here.

mod account;
mod api_tokens;
mod locks;
mod sign_in;
mod user_form;
mod users;

pub use account::*;
pub use api_tokens::*;
pub use locks::*;
pub use sign_in::*;
pub use user_form::*;
pub use users::*;

use crate::kernel::api_tokens as kernel_tokens;
use crate::kernel::audit::{AuditAction, AuditEntry};
use crate::kernel::auth::{self, UserRecord};
use crate::kernel::{AppResult, AppState, Ctx, Role};
use crate::partnership;

/// An audit entry about an account that records no values (passwords never enter the trail).
fn account_event(
    action: AuditAction,
    user_id: Option<i64>,
    summary: String,
) -> AuditEntry<'static> {
    AuditEntry {
        action,
        entity_type: "user",
        entity_id: user_id,
        summary,
        before: None,
        after: None,
    }
}

async fn organisation_name(
    state: &AppState,
    ctx: &Ctx,
    organisation_id: Option<i64>,
) -> AppResult<String> {
    Ok(match organisation_id {
        Some(id) => partnership::organisation_name(&state.db, ctx.partnership()?, id)
            .await?
            .unwrap_or_default(),
        None => "None (works across the partnership)".to_owned(),
    })
}

/// The tokens that stop when a person leaves: those they created, and every token of their
/// organisation if no other live data lead is left there to answer for them.
async fn revoke_tokens_of_leaver(
    tx: &mut crate::kernel::db::Transaction,
    user: &UserRecord,
) -> AppResult<kernel_tokens::Revoked> {
    let mut revoked = kernel_tokens::revoke_tokens_created_by(tx, user.id).await?;
    if let Some(organisation_id) = user.organisation_id
        && user.roles.contains(&Role::PartnerDataLead)
        && auth::other_live_data_leads(tx, organisation_id, user.id).await? == 0
    {
        revoked.extend(kernel_tokens::revoke_tokens_of_organisation(tx, organisation_id).await?);
    }
    Ok(revoked)
}
