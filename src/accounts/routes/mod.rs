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

use crate::kernel::ids::OrganisationId;
use crate::kernel::{AppResult, Scope};
use crate::partnership;

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
