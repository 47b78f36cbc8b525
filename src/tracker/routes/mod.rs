//! Improvement tracker pages, one file per sub-resource; this file keeps the registry and what
//! they share. Each handler: extract, authorise, act, render.

mod action;
mod action_edit;
mod action_progress;
mod actions;
mod recommendations;

use axum::response::{IntoResponse, Redirect, Response};

use super::Names;
use super::model::*;
use super::store::{self};
use super::{MANAGE, UPDATE, VIEW};
use crate::kernel::Scope;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::ids::{ActionId, IndicatorId, OrganisationId, PersonId, RecommendationId};

use crate::kernel::{AppResult, AppState, Ctx, Lookup, Permission, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/tracker", VIEW, actions::actions)
        .get("/tracker/actions.xlsx", VIEW, actions::actions_xlsx)
        .post("/tracker/digest", MANAGE, actions::send_digest)
        .get(
            "/tracker/recommendations",
            VIEW,
            recommendations::recommendations,
        )
        .get(
            "/tracker/recommendations/new",
            MANAGE,
            recommendations::new_recommendation_page,
        )
        .post(
            "/tracker/recommendations/new",
            MANAGE,
            recommendations::create_recommendation,
        )
        .get(
            "/tracker/recommendations/{id}",
            VIEW,
            recommendations::recommendation_page,
        )
        .post(
            "/tracker/recommendations/{id}/actions",
            MANAGE,
            recommendations::create_action,
        )
        .get("/tracker/actions/{id}", VIEW, action::action_page)
        .get(
            "/tracker/actions/{id}/edit",
            MANAGE,
            action_edit::edit_action_page,
        )
        .post(
            "/tracker/actions/{id}/edit",
            MANAGE,
            action_edit::update_action,
        )
        .post(
            "/tracker/actions/{id}/progress",
            UPDATE,
            action_progress::report_progress,
        )
        .post(
            "/tracker/actions/{id}/complete",
            UPDATE,
            action_progress::complete,
        )
        .post(
            "/tracker/actions/{id}/revisit",
            UPDATE,
            action_progress::revisit,
        )
        .post(
            "/tracker/actions/{id}/evidence",
            UPDATE,
            action_progress::add_evidence,
        )
        .get(
            "/tracker/evidence/{id}",
            VIEW,
            action_progress::evidence_file,
        )
}

/// Only the owning organisation and the business unit may work on an action.
pub(super) fn may_update(user: &CurrentUser, action: &TrackerAction) -> bool {
    user.can(Permission::UpdateActions)
        && (user.is_admin() || user.organisation() == Some(action.owner_organisation_id))
}

/// A route's `{id}` is one of the partnership's actions, with its names; another
/// partnership's is not found.
impl Lookup for TrackerAction {
    type Id = ActionId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: ActionId) -> AppResult<Option<Self>> {
        let scope = ctx.scope(state)?;
        let Some(action) = store::find_action(scope, id).await? else {
            return Ok(None);
        };
        Ok(Some(
            Names::cached(state, scope.partnership())
                .await?
                .fill(action),
        ))
    }
}

/// A route's `{id}` is one of the partnership's live recommendations; an archived one, or
/// another partnership's, is not found.
impl Lookup for Recommendation {
    type Id = RecommendationId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: RecommendationId) -> AppResult<Option<Self>> {
        Ok(store::find_recommendation(ctx.scope(state)?, id)
            .await?
            .filter(|recommendation| recommendation.archived_at.is_none()))
    }
}

pub(super) fn with_any(
    first: &str,
    rest: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String)> {
    let mut choices = vec![(String::new(), first.to_owned())];
    choices.extend(rest);
    choices
}

/// Choices for an action's owner, person and impact indicator.
pub(super) struct ActionFormChoices {
    organisations: Vec<(String, String)>,
    people: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    organisation_ids: Vec<OrganisationId>,
    person_ids: Vec<(PersonId, OrganisationId)>,
    indicator_ids: Vec<IndicatorId>,
}

impl ActionFormChoices {
    /// The partnership's organisations, people and indicators: nothing else may be chosen.
    async fn load(scope: Scope<'_>) -> AppResult<ActionFormChoices> {
        let organisations = crate::partnership::organisation_choices(scope).await?;
        let organisation_names: std::collections::HashMap<OrganisationId, String> =
            organisations.iter().cloned().collect();
        let mut people: Vec<(PersonId, crate::partnership::PersonSummary)> =
            crate::partnership::people_directory(scope)
                .await?
                .into_iter()
                .collect();
        people.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        let indicators: Vec<(IndicatorId, String)> =
            crate::dataset::indicator_choices(scope).await?;
        Ok(ActionFormChoices {
            organisation_ids: organisations.iter().map(|(id, _)| *id).collect(),
            person_ids: people
                .iter()
                .map(|(id, person)| (*id, person.organisation_id))
                .collect(),
            indicator_ids: indicators.iter().map(|(id, _)| *id).collect(),
            organisations: with_any(
                "Select an organisation",
                organisations
                    .into_iter()
                    .map(|(id, name)| (id.to_string(), name)),
            ),
            people: with_any(
                "No named owner yet",
                people.into_iter().map(|(id, person)| {
                    let organisation = organisation_names
                        .get(&person.organisation_id)
                        .cloned()
                        .unwrap_or_default();
                    (
                        id.to_string(),
                        format!("{}, {} ({organisation})", person.name, person.job_title),
                    )
                }),
            ),
            indicators: with_any(
                "No indicator: describe the measure below",
                indicators
                    .into_iter()
                    .map(|(id, name)| (id.to_string(), name)),
            ),
        })
    }

    fn rules(&self) -> ActionChoices<'_> {
        ActionChoices {
            organisations: &self.organisation_ids,
            people: &self.person_ids,
            indicators: &self.indicator_ids,
        }
    }
}

/// After a change: the message, then the action's page.
pub(super) async fn back_to_action(
    state: &AppState,
    ctx: &Ctx,
    id: ActionId,
    message: &str,
) -> AppResult<Response> {
    ctx.flash(state, message).await?;
    Ok(Redirect::to(&format!("/tracker/actions/{id}")).into_response())
}
