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

use crate::kernel::auth::{self, UserRecord};
use crate::kernel::ids::{OrganisationId, UserId};
use crate::kernel::{AppResult, AppState, Ctx, Lookup, Scope};
use crate::partnership;

/// A route's `{id}` is one of the signed-in user's partnership's accounts; another
/// partnership's is not found.
impl Lookup for UserRecord {
    type Id = UserId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: UserId) -> AppResult<Option<Self>> {
        Ok(auth::find_user_by_id(ctx.scope(state)?, id).await?)
    }
}

/// The name of the organisation an account acts for, as its pages show it.
async fn organisation_name(
    scope: Scope<'_>,
    organisation: Option<OrganisationId>,
) -> AppResult<String> {
    Ok(match organisation {
        Some(id) => partnership::organisation_name(scope, id)
            .await?
            .unwrap_or_default(),
        None => "None (works across the partnership)".to_owned(),
    })
}
