//! One return for several partnerships, on the return's page: a return that follows another
//! partnership's says where it is answered and cannot be changed here; a return answered here
//! lists the other partnerships' live rounds that ask its organisation the same framework, and
//! shares it with any of them. Rules: `shared.rs`; queries and copying: `shared_store.rs`.

use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::returns::{Refused, answerable, return_page_for};
use super::{form_pairs, may_answer_return};
use crate::assurance::model::ReturnId;
use crate::assurance::shared;
use crate::assurance::shared_store::{self, AnsweredIn, Shared};
use crate::assurance::store::{self, AuditReturn, Round};
use crate::kernel::auth::CurrentUser;
use crate::kernel::text::{FormErrors, long_date};
use crate::kernel::{AppError, AppResult, AppState, Ctx, Loaded, Scope, render_refused};

/// The field the sharing form's refusals are named by.
pub const SHARING_FIELD: &str = "share-with";

/// Another partnership's return, as the sharing section lists it.
pub struct OtherView {
    pub return_id: ReturnId,
    pub partnership_name: String,
    pub round_title: String,
    pub due: String,
    pub stage: &'static str,
    /// Why it may not follow this return; None when it may.
    pub refusal: Option<&'static str>,
    pub last_copied_at: Option<String>,
}

/// The return page's part on sharing.
#[derive(Default)]
pub struct Sharing {
    /// This return follows another partnership's: where it is answered.
    pub answered_in: Option<AnsweredIn>,
    /// Returns of other partnerships this one may be shared with (or not, and why).
    pub offers: Vec<OtherView>,
    /// Returns of other partnerships that follow this one.
    pub followers: Vec<OtherView>,
}

/// What the return page says about sharing, for this person: its respondents and the business
/// unit see the offers; everyone who sees a following return sees where it is answered.
pub async fn sharing_for(
    scope: Scope<'_>,
    user: &CurrentUser,
    audit_return: &AuditReturn,
    round: &Round,
) -> AppResult<Sharing> {
    let answered_in = shared_store::answered_in(scope, audit_return.id).await?;
    if answered_in.is_some() || !may_answer_return(user, audit_return.organisation_id) {
        return Ok(Sharing {
            answered_in,
            ..Sharing::default()
        });
    }
    let answering = shared_store::answering(scope, audit_return).await?;
    let mut sharing = Sharing::default();
    for other in shared_store::other_returns(scope, audit_return, round).await? {
        let mut view = OtherView {
            return_id: other.return_id,
            partnership_name: other.partnership_name.clone(),
            round_title: other.round_title.clone(),
            due: long_date(other.due_on),
            stage: other.status.label(),
            refusal: None,
            last_copied_at: other.last_copied_at.clone(),
        };
        match other.follows {
            Some(answering_return) if answering_return == audit_return.id => {
                sharing.followers.push(view);
            }
            // Following another return: not this one's to offer.
            Some(_) => {}
            None if other.round_live_flag != 0 => {
                view.refusal = shared::may_follow(answering, other.candidate())
                    .err()
                    .map(shared::Refusal::message);
                sharing.offers.push(view);
            }
            None => {}
        }
    }
    Ok(sharing)
}

/// Refuses a change to a return that follows another partnership's: it changes only where it
/// is answered. Every write to a return's answers, evidence, actions or stage goes through this.
pub async fn refuse_if_following(scope: Scope<'_>, audit_return: &AuditReturn) -> AppResult<()> {
    match shared_store::answered_in(scope, audit_return.id).await? {
        Some(answered_in) => Err(AppError::BadRequest(format!(
            "{}'s return is answered in {} ({}) and shared with this partnership: it can be changed only there",
            audit_return.organisation_name, answered_in.partnership_name, answered_in.round_title
        ))),
        None => Ok(()),
    }
}

/// Shares the return with another partnership's return for the same organisation; a refusal is
/// shown on the return's page, at the sharing section.
pub async fn share_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ReturnId>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let audit_return = answerable(&state, &ctx, id).await?;
    let scope = ctx.scope(&state)?;
    let round = store::find_round(scope, audit_return.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let other = form_pairs(&body)?
        .into_iter()
        .find(|(name, _)| name == SHARING_FIELD)
        .and_then(|(_, value)| value.trim().parse::<i64>().ok())
        .map(ReturnId::new);
    let outcome = match other {
        Some(other) => {
            let by = ctx.user()?.display_name.clone();
            let mut change = ctx.change(&state).await?;
            let outcome =
                shared_store::share(&mut change, &audit_return, &round, other, &by).await?;
            if matches!(outcome, Shared::With { .. }) {
                change.commit().await?;
            } else {
                change.rollback().await?;
            }
            outcome
        }
        None => Shared::NotOffered,
    };
    let message = match outcome {
        Shared::With {
            partnership_name,
            round_title,
        } => {
            ctx.flash(
                &state,
                &format!(
                    "Shared with {partnership_name} ({round_title}): its return follows this one, and is copied there each time this one is submitted"
                ),
            )
            .await?;
            return Ok(Redirect::to(&format!("/assurance/returns/{id}#sharing")).into_response());
        }
        Shared::Refused(refusal) => refusal.message().to_owned(),
        Shared::NotOffered => {
            "Choose one of the partnerships listed: the return was not shared".to_owned()
        }
    };
    let mut errors = FormErrors::default();
    errors.add(SHARING_FIELD, message);
    let refused = Refused {
        errors,
        ..Refused::default()
    };
    render_refused(&return_page_for(&state, &ctx, audit_return, Some(refused)).await?)
}

/// The business unit stops its return following another partnership's: answered here from now
/// on, with what was copied kept.
pub async fn stop_following(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(audit_return): Loaded<AuditReturn>,
) -> AppResult<Response> {
    let mut change = ctx.change(&state).await?;
    let said = if shared_store::stop_following(&mut change, &audit_return).await? {
        change.commit().await?;
        format!(
            "{}'s return is answered here from now on: what was copied stays, and changes in the other partnership no longer reach it",
            audit_return.organisation_name
        )
    } else {
        change.rollback().await?;
        "This return does not follow another partnership's: nothing changed".to_owned()
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/returns/{}", audit_return.id)).into_response())
}
