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
use crate::kernel::choices::GroupedChoices;
use crate::kernel::filters::count_of;
use crate::kernel::ids::{
    ActionId, GroupId, IndicatorId, OrganisationId, PersonId, RecommendationId,
};

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

/// Choices for an action's owner, person, overseeing group and impact indicator.
pub(super) struct ActionFormChoices {
    /// Statutory partners first, then by kind; searchable where scripts run.
    organisations: GroupedChoices,
    /// A group per organisation, keyed by its id, so the page narrows the list to the
    /// organisation chosen.
    people: GroupedChoices,
    groups: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    organisation_ids: Vec<OrganisationId>,
    person_ids: Vec<(PersonId, OrganisationId)>,
    group_ids: Vec<GroupId>,
    indicator_ids: Vec<IndicatorId>,
}

impl ActionFormChoices {
    /// The partnership's organisations, people, groups and indicators: nothing else may be
    /// chosen.
    async fn load(scope: Scope<'_>) -> AppResult<ActionFormChoices> {
        let organisations = crate::partnership::organisations_in_pick_list_order(scope).await?;
        let mut people: Vec<(PersonId, crate::partnership::PersonSummary)> =
            crate::partnership::people_directory(scope)
                .await?
                .into_iter()
                .collect();
        people.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        let groups = crate::partnership::group_choices(scope, false).await?;
        let indicators: Vec<(IndicatorId, String)> =
            crate::dataset::indicator_choices(scope).await?;
        let people_choices = organisations
            .iter()
            .fold(
                GroupedChoices::new("No named owner yet"),
                |choices, (organisation, name)| {
                    choices.group(
                        name.clone(),
                        organisation.to_string(),
                        people
                            .iter()
                            .filter(|(_, person)| person.organisation_id == *organisation)
                            .map(|(id, person)| {
                                (
                                    id.to_string(),
                                    format!("{}, {}", person.name, person.job_title),
                                )
                            })
                            .collect(),
                    )
                },
            )
            .keyed_by("owner_organisation_id");
        Ok(ActionFormChoices {
            organisations: crate::partnership::organisation_select(scope, "Select an organisation")
                .await?,
            people: people_choices,
            organisation_ids: organisations.iter().map(|(id, _)| *id).collect(),
            person_ids: people
                .iter()
                .map(|(id, person)| (*id, person.organisation_id))
                .collect(),
            group_ids: groups.iter().map(|(id, _)| *id).collect(),
            indicator_ids: indicators.iter().map(|(id, _)| *id).collect(),
            groups: with_any(
                "No group",
                groups.into_iter().map(|(id, name)| (id.to_string(), name)),
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
            groups: &self.group_ids,
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
