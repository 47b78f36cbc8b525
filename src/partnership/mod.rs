//! Partnership: organisations (statutory partners, relevant agencies, schools, voluntary and
//! other), people, groups with terms of reference, chairs and members, chair rotations, and
//! business plans with their priorities and cross-cutting themes.

pub mod demo;
pub mod model;
mod routes;
pub mod store;

use std::collections::HashMap;

use crate::kernel::db::Db;
use crate::kernel::{Access, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewPartnership);
const MANAGE: Access = Access::Requires(Permission::ManagePartnership);
const EDIT_OWN: Access = Access::Requires(Permission::EditOwnOrganisation);

pub fn routes() -> Routes {
    Routes::new()
        .get("/partnership", VIEW, routes::overview)
        .get("/partnership/rotations", VIEW, routes::rotations)
        // organisations
        .get(
            "/partnership/organisations",
            VIEW,
            routes::organisation_list,
        )
        .get(
            "/partnership/organisations/new",
            MANAGE,
            routes::new_organisation_page,
        )
        .post(
            "/partnership/organisations/new",
            MANAGE,
            routes::create_organisation,
        )
        .get(
            "/partnership/organisations/{id}",
            VIEW,
            routes::organisation_page,
        )
        .get(
            "/partnership/organisations/{id}/edit",
            EDIT_OWN,
            routes::edit_organisation_page,
        )
        .post(
            "/partnership/organisations/{id}/edit",
            EDIT_OWN,
            routes::update_organisation,
        )
        .post(
            "/partnership/organisations/{id}/archive",
            MANAGE,
            routes::archive_organisation,
        )
        .post(
            "/partnership/organisations/{id}/restore",
            MANAGE,
            routes::restore_organisation,
        )
        // people
        .get("/partnership/people", VIEW, routes::person_list)
        .get("/partnership/people/new", MANAGE, routes::new_person_page)
        .post("/partnership/people/new", MANAGE, routes::create_person)
        .get("/partnership/people/{id}", VIEW, routes::person_page)
        .get(
            "/partnership/people/{id}/edit",
            MANAGE,
            routes::edit_person_page,
        )
        .post(
            "/partnership/people/{id}/edit",
            MANAGE,
            routes::update_person,
        )
        .post(
            "/partnership/people/{id}/archive",
            MANAGE,
            routes::archive_person,
        )
        .post(
            "/partnership/people/{id}/restore",
            MANAGE,
            routes::restore_person,
        )
        // groups and memberships
        .get("/partnership/groups", VIEW, routes::group_list)
        .get("/partnership/groups/new", MANAGE, routes::new_group_page)
        .post("/partnership/groups/new", MANAGE, routes::create_group)
        .get("/partnership/groups/{id}", VIEW, routes::group_page)
        .get(
            "/partnership/groups/{id}/edit",
            MANAGE,
            routes::edit_group_page,
        )
        .post(
            "/partnership/groups/{id}/edit",
            MANAGE,
            routes::update_group,
        )
        .post(
            "/partnership/groups/{id}/archive",
            MANAGE,
            routes::archive_group,
        )
        .post(
            "/partnership/groups/{id}/restore",
            MANAGE,
            routes::restore_group,
        )
        .get(
            "/partnership/groups/{id}/members/new",
            MANAGE,
            routes::new_membership_page,
        )
        .post(
            "/partnership/groups/{id}/members/new",
            MANAGE,
            routes::create_membership,
        )
        .get(
            "/partnership/groups/{id}/members/{membership_id}/edit",
            MANAGE,
            routes::edit_membership_page,
        )
        .post(
            "/partnership/groups/{id}/members/{membership_id}/edit",
            MANAGE,
            routes::update_membership,
        )
        .post(
            "/partnership/groups/{id}/members/{membership_id}/end",
            MANAGE,
            routes::end_membership,
        )
        // business plans, priorities and cross-cutting themes
        .get("/partnership/business-plans", VIEW, routes::plan_list)
        .get(
            "/partnership/business-plans/new",
            MANAGE,
            routes::new_plan_page,
        )
        .post(
            "/partnership/business-plans/new",
            MANAGE,
            routes::create_plan,
        )
        .get("/partnership/business-plans/{id}", VIEW, routes::plan_page)
        .get(
            "/partnership/business-plans/{id}/edit",
            MANAGE,
            routes::edit_plan_page,
        )
        .post(
            "/partnership/business-plans/{id}/edit",
            MANAGE,
            routes::update_plan,
        )
        .post(
            "/partnership/business-plans/{id}/archive",
            MANAGE,
            routes::archive_plan,
        )
        .post(
            "/partnership/business-plans/{id}/restore",
            MANAGE,
            routes::restore_plan,
        )
        .get(
            "/partnership/business-plans/{id}/items/new",
            MANAGE,
            routes::new_item_page,
        )
        .post(
            "/partnership/business-plans/{id}/items/new",
            MANAGE,
            routes::create_item,
        )
        .get(
            "/partnership/business-plans/{id}/items/{item_id}/edit",
            MANAGE,
            routes::edit_item_page,
        )
        .post(
            "/partnership/business-plans/{id}/items/{item_id}/edit",
            MANAGE,
            routes::update_item,
        )
        .post(
            "/partnership/business-plans/{id}/items/{item_id}/archive",
            MANAGE,
            routes::archive_item,
        )
}

/// For other modules: an organisation's name, if it exists and is not archived.
pub async fn organisation_name(
    db: &Db,
    partnership_id: i64,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    Ok(store::find_organisation(db, partnership_id, id)
        .await?
        .filter(|o| o.archived_at.is_none())
        .map(|o| o.name))
}

/// For other modules: organisations not archived, as (id, name) in name order.
pub async fn organisation_choices(
    db: &Db,
    partnership_id: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    store::organisation_choices(db, partnership_id).await
}

/// For other modules: the names of all organisations not archived, by id.
pub async fn organisation_names(
    db: &Db,
    partnership_id: i64,
) -> Result<HashMap<i64, String>, sqlx::Error> {
    store::organisation_names(db, partnership_id).await
}

/// For the home page: chair and vice-chair terms that have ended or end within 90 days.
pub async fn rotations_due_count(db: &Db, partnership_id: i64) -> Result<usize, sqlx::Error> {
    let today = crate::kernel::text::today();
    Ok(store::chair_rotations(db, partnership_id)
        .await?
        .iter()
        .filter_map(|membership| membership.term_ends_on)
        .filter(|ends| model::rotation_status(*ends, today) != model::RotationStatus::Later)
        .count())
}

/// For other modules: the priorities of the business plan in force today (or, if none is, the
/// newest plan), as (id, title) in their order.
pub async fn current_priorities(
    db: &Db,
    partnership_id: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let today = crate::kernel::text::today();
    let plans = store::list_plans(db, partnership_id, false).await?;
    let plan = plans
        .iter()
        .find(|plan| plan.starts_on <= today && today <= plan.ends_on)
        .or(plans.first());
    let Some(plan) = plan else {
        return Ok(Vec::new());
    };
    Ok(store::plan_items(db, plan.id)
        .await?
        .into_iter()
        .filter(|item| item.kind == model::PlanItemKind::Priority)
        .map(|item| (item.id, item.title))
        .collect())
}

/// For other modules: a person's name, role and organisation, as shown beside their work.
#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub name: String,
    pub job_title: String,
    pub email: String,
    pub organisation_id: i64,
}

/// For other modules: people not archived, by id.
pub async fn people_directory(
    db: &Db,
    partnership_id: i64,
) -> Result<HashMap<i64, PersonSummary>, sqlx::Error> {
    Ok(
        store::list_people(db, partnership_id, &store::PersonFilter::default())
            .await?
            .into_iter()
            .filter(|person| person.archived_at.is_none())
            .map(|person| {
                (
                    person.id,
                    PersonSummary {
                        name: person.name,
                        job_title: person.job_title,
                        email: person.email,
                        organisation_id: person.organisation_id,
                    },
                )
            })
            .collect(),
    )
}

/// For other modules: the title of every priority of every business plan, by id, so records
/// tagged in an earlier plan keep their priority's name.
pub async fn priority_titles(
    db: &Db,
    partnership_id: i64,
) -> Result<HashMap<i64, String>, sqlx::Error> {
    let mut titles = HashMap::new();
    for plan in store::list_plans(db, partnership_id, true).await? {
        for item in store::plan_items(db, plan.id).await? {
            if item.kind == model::PlanItemKind::Priority {
                titles.insert(item.id, item.title);
            }
        }
    }
    Ok(titles)
}

/// For the command line and the data generator: adds a partnership to the installation.
pub async fn create_partnership(
    tx: &mut crate::kernel::db::Transaction,
    name: &str,
) -> Result<i64, sqlx::Error> {
    store::insert_partnership(tx, name).await
}

/// For the command line and the jobs run once per partnership: every partnership, as (id, name).
pub async fn partnerships(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    store::list_partnerships(db).await
}

/// For other modules: groups as (id, name) in name order; archived ones too when asked, so old
/// records keep their group's name.
pub async fn group_choices(
    db: &Db,
    partnership_id: i64,
    include_archived: bool,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    Ok(store::list_groups(db, partnership_id, include_archived)
        .await?
        .into_iter()
        .map(|group| (group.id, group.name))
        .collect())
}

/// For the data generator: adds an organisation to a partnership inside the caller's
/// transaction (the caller writes the audit entry for the whole run).
pub async fn add_organisation(
    tx: &mut crate::kernel::db::Transaction,
    partnership_id: i64,
    details: &model::OrganisationDetails,
) -> Result<i64, sqlx::Error> {
    store::insert_organisation(tx, partnership_id, details).await
}
