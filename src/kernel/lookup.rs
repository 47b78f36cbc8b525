//! A record a route names by its id, looked up in the reader's partnership and checked against
//! what the reader may see, as an extractor (crates.io's `CratePath` does this for a crate).
//! A handler that takes `Loaded(risk): Loaded<Risk>` starts with the record in hand; an id
//! that is not there, belongs to another partnership, or is one the reader may not see, is
//! "not found" before the handler runs, so no handler can forget the check.
//!
//! A module implements [`Lookup`] once per record kind, next to its routes:
//!
//! ```ignore
//! impl Lookup for Risk {
//!     type Id = RiskId;
//!     async fn look_up(state: &AppState, ctx: &Ctx, id: RiskId) -> AppResult<Option<Risk>> {
//!         Ok(store::find_risk(ctx.scope(state)?, id).await?)
//!     }
//! }
//! ```

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::{AppError, AppResult, AppState, Ctx};

/// A record kind that a route can name by its id.
pub trait Lookup: Sized + Send {
    /// What the route's one `{id}` parses to: the record's typed id.
    type Id: serde::de::DeserializeOwned + Send;

    /// The record, if it is in the reader's partnership and the reader may see it. `Ok(None)`
    /// is answered "not found", the same for a record that is elsewhere and one that is hidden,
    /// so a forged id tells nothing. Write rules (may this person change it?) stay with the
    /// handler: they are refusals, not absences.
    fn look_up(
        state: &AppState,
        ctx: &Ctx,
        id: Self::Id,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send;
}

/// The record named by the route's id, looked up and checked by its [`Lookup`].
#[derive(Debug, Clone)]
pub struct Loaded<T>(pub T);

impl<T: Lookup> FromRequestParts<AppState> for Loaded<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // A path that does not parse is answered as `Path<Id>` would answer it.
        let Path(id) = Path::<T::Id>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match T::look_up(state, &ctx, id).await {
            Ok(Some(record)) => Ok(Loaded(record)),
            Ok(None) => Err(AppError::NotFound.into_response()),
            Err(error) => Err(error.into_response()),
        }
    }
}
