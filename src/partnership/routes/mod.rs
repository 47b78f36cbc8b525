//! Partnership pages, one file per sub-resource: `overview`, `organisations`, `people`, `groups`,
//! `memberships` (members, chairs and chair rotations) and `plans` (business plans and their
//! items). This file holds the route registry and what the files share.

mod groups;
mod memberships;
mod organisations;
mod overview;
mod people;
mod plans;

use axum::response::{IntoResponse, Redirect, Response};

use super::store::{self, Record};
use crate::kernel::auth::CurrentUser;
use crate::kernel::{Access, AppError, AppResult, AppState, Ctx, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewPartnership);
const MANAGE: Access = Access::Requires(Permission::ManagePartnership);
const EDIT_OWN: Access = Access::Requires(Permission::EditOwnOrganisation);

pub fn routes() -> Routes {
    Routes::new()
        .get("/partnership", VIEW, overview::overview)
        .get("/partnership/rotations", VIEW, memberships::rotations)
        // organisations
        .get(
            "/partnership/organisations",
            VIEW,
            organisations::organisation_list,
        )
        .get(
            "/partnership/organisations/new",
            MANAGE,
            organisations::new_organisation_page,
        )
        .post(
            "/partnership/organisations/new",
            MANAGE,
            organisations::create_organisation,
        )
        .get(
            "/partnership/organisations/{id}",
            VIEW,
            organisations::organisation_page,
        )
        .get(
            "/partnership/organisations/{id}/edit",
            EDIT_OWN,
            organisations::edit_organisation_page,
        )
        .post(
            "/partnership/organisations/{id}/edit",
            EDIT_OWN,
            organisations::update_organisation,
        )
        .post(
            "/partnership/organisations/{id}/archive",
            MANAGE,
            organisations::archive_organisation,
        )
        .post(
            "/partnership/organisations/{id}/restore",
            MANAGE,
            organisations::restore_organisation,
        )
        // people
        .get("/partnership/people", VIEW, people::person_list)
        .get("/partnership/people/new", MANAGE, people::new_person_page)
        .post("/partnership/people/new", MANAGE, people::create_person)
        .get("/partnership/people/{id}", VIEW, people::person_page)
        .get(
            "/partnership/people/{id}/edit",
            MANAGE,
            people::edit_person_page,
        )
        .post(
            "/partnership/people/{id}/edit",
            MANAGE,
            people::update_person,
        )
        .post(
            "/partnership/people/{id}/archive",
            MANAGE,
            people::archive_person,
        )
        .post(
            "/partnership/people/{id}/restore",
            MANAGE,
            people::restore_person,
        )
        // groups and memberships
        .get("/partnership/groups", VIEW, groups::group_list)
        .get("/partnership/groups/new", MANAGE, groups::new_group_page)
        .post("/partnership/groups/new", MANAGE, groups::create_group)
        .get("/partnership/groups/{id}", VIEW, groups::group_page)
        .get(
            "/partnership/groups/{id}/edit",
            MANAGE,
            groups::edit_group_page,
        )
        .post(
            "/partnership/groups/{id}/edit",
            MANAGE,
            groups::update_group,
        )
        .post(
            "/partnership/groups/{id}/archive",
            MANAGE,
            groups::archive_group,
        )
        .post(
            "/partnership/groups/{id}/restore",
            MANAGE,
            groups::restore_group,
        )
        .get(
            "/partnership/groups/{id}/members/new",
            MANAGE,
            memberships::new_membership_page,
        )
        .post(
            "/partnership/groups/{id}/members/new",
            MANAGE,
            memberships::create_membership,
        )
        .get(
            "/partnership/groups/{id}/members/{membership_id}/edit",
            MANAGE,
            memberships::edit_membership_page,
        )
        .post(
            "/partnership/groups/{id}/members/{membership_id}/edit",
            MANAGE,
            memberships::update_membership,
        )
        .post(
            "/partnership/groups/{id}/members/{membership_id}/end",
            MANAGE,
            memberships::end_membership,
        )
        // business plans, priorities and cross-cutting themes
        .get("/partnership/business-plans", VIEW, plans::plan_list)
        .get(
            "/partnership/business-plans/new",
            MANAGE,
            plans::new_plan_page,
        )
        .post(
            "/partnership/business-plans/new",
            MANAGE,
            plans::create_plan,
        )
        .get("/partnership/business-plans/{id}", VIEW, plans::plan_page)
        .get(
            "/partnership/business-plans/{id}/edit",
            MANAGE,
            plans::edit_plan_page,
        )
        .post(
            "/partnership/business-plans/{id}/edit",
            MANAGE,
            plans::update_plan,
        )
        .post(
            "/partnership/business-plans/{id}/archive",
            MANAGE,
            plans::archive_plan,
        )
        .post(
            "/partnership/business-plans/{id}/restore",
            MANAGE,
            plans::restore_plan,
        )
        .get(
            "/partnership/business-plans/{id}/items/new",
            MANAGE,
            plans::new_item_page,
        )
        .post(
            "/partnership/business-plans/{id}/items/new",
            MANAGE,
            plans::create_item,
        )
        .get(
            "/partnership/business-plans/{id}/items/{item_id}/edit",
            MANAGE,
            plans::edit_item_page,
        )
        .post(
            "/partnership/business-plans/{id}/items/{item_id}/edit",
            MANAGE,
            plans::update_item,
        )
        .post(
            "/partnership/business-plans/{id}/items/{item_id}/archive",
            MANAGE,
            plans::archive_item,
        )
}

pub(super) fn can_manage(user: &CurrentUser) -> bool {
    user.can(Permission::ManagePartnership)
}

/// Restores an archived record from its page (people, groups and business plans): it is listed
/// again and can be edited. Its page is /partnership/{pages}/{id}; restoring twice changes nothing.
pub(super) async fn restore(
    state: &AppState,
    ctx: &Ctx,
    record: Record,
    pages: &str,
) -> AppResult<Response> {
    let (name, archived_at) = store::archive_state(ctx.scope(state)?, record)
        .await?
        .ok_or(AppError::NotFound)?;
    if archived_at.is_some() {
        let mut change = ctx.change(state).await?;
        store::restore(&mut change, record, &name, archived_at).await?;
        change.commit().await?;
        ctx.flash(state, &format!("{name} restored")).await?;
    }
    Ok(Redirect::to(&format!("/partnership/{pages}/{}", record.id())).into_response())
}
