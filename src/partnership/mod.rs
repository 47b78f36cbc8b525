//! Partnership: organisations (statutory partners, relevant agencies, schools, voluntary and
//! other), people, groups with terms of reference, chairs and members, chair rotations, and
//! business plans with their priorities and cross-cutting themes.
//!
//! Files: `model.rs` (the records and their rules), `store.rs` (the queries), `routes/` (the
//! pages, one file per sub-resource), `demo.rs`. Store idiom: reads take `impl Store`, writes
//! take `&mut Change` and record their audit entry: `store::find_group(scope, id)`,
//! `store::create_group(&mut change, &details)`.

pub mod demo;
pub mod model;
pub mod report;
mod routes;
pub mod store;
pub mod work;

use std::collections::HashMap;

use crate::kernel::choices::GroupedChoices;
use crate::kernel::db::Db;
use crate::kernel::ids::{GroupId, OrganisationId, PartnershipId, PersonId, PlanItemId};
use crate::kernel::{Change, Store};

pub use routes::routes;

/// For other modules: an organisation's name, if it exists and is not archived.
pub async fn organisation_name(
    store: impl Store,
    id: OrganisationId,
) -> Result<Option<String>, sqlx::Error> {
    Ok(store::find_organisation(store, id)
        .await?
        .filter(|o| o.archived_at.is_none())
        .map(|o| o.name))
}

/// For other modules: organisations not archived, as (id, name) in name order.
pub async fn organisation_choices(
    store: impl Store,
) -> Result<Vec<(OrganisationId, String)>, sqlx::Error> {
    store::organisation_choices(store).await
}

/// For other modules: organisations not archived as a pick-list, statutory partners first,
/// then a group per kind (schools and colleges together), each by name; `prompt` (when not
/// empty) is the first option, with no value.
pub async fn organisation_select(
    store: impl Store,
    prompt: &str,
) -> Result<GroupedChoices, sqlx::Error> {
    let organisations =
        store::list_organisations(store, &store::OrganisationFilter::default()).await?;
    Ok(model::organisations_by_kind(&organisations)
        .into_iter()
        .fold(GroupedChoices::new(prompt), |choices, (kind, members)| {
            choices.group(
                kind.group_heading(),
                kind.code(),
                members
                    .into_iter()
                    .map(|organisation| (organisation.id.to_string(), organisation.name.clone()))
                    .collect(),
            )
        }))
}

/// For other modules: the organisations not archived in pick-list order (statutory partners
/// first, then by kind, each by name), as (id, name).
pub async fn organisations_in_pick_list_order(
    store: impl Store,
) -> Result<Vec<(OrganisationId, String)>, sqlx::Error> {
    let organisations =
        store::list_organisations(store, &store::OrganisationFilter::default()).await?;
    Ok(model::organisations_by_kind(&organisations)
        .into_iter()
        .flat_map(|(_, members)| members)
        .map(|organisation| (organisation.id, organisation.name.clone()))
        .collect())
}

/// For other modules: the names of all organisations not archived, by id.
pub async fn organisation_names(
    store: impl Store,
) -> Result<HashMap<OrganisationId, String>, sqlx::Error> {
    store::organisation_names(store).await
}

/// For other modules: the priorities of the business plan in force today (or, if none is, the
/// newest plan), as (id, title) in their order.
pub async fn current_priorities(
    mut store: impl Store,
) -> Result<Vec<(PlanItemId, String)>, sqlx::Error> {
    let today = crate::kernel::text::today();
    let plans = store::list_plans(&mut store, false).await?;
    let plan = plans
        .iter()
        .find(|plan| plan.starts_on <= today && today <= plan.ends_on)
        .or(plans.first());
    let Some(plan) = plan else {
        return Ok(Vec::new());
    };
    Ok(store::plan_items(store, plan.id)
        .await?
        .into_iter()
        .filter(|item| item.kind == model::PlanItemKind::Priority)
        .map(|item| (item.id, item.title))
        .collect())
}

/// For other modules (the reports): a priority of the business plan for a period.
#[derive(Debug, Clone)]
pub struct PlanPriority {
    pub id: PlanItemId,
    pub title: String,
    pub description: String,
    /// The plan's page.
    pub href: String,
}

/// For other modules (the reports): the priorities of the business plan for the period from
/// `start` to `end` (the plan in force at its end, else the last to start within it), in their
/// order; empty when no plan covers the period.
pub async fn priorities_for_period(
    mut store: impl Store,
    start: time::Date,
    end: time::Date,
) -> Result<Vec<PlanPriority>, sqlx::Error> {
    let plans = store::list_plans(&mut store, true).await?;
    let Some(plan) = model::plan_for_period(&plans, start, end) else {
        return Ok(Vec::new());
    };
    Ok(store::plan_items(store, plan.id)
        .await?
        .into_iter()
        .filter(|item| item.kind == model::PlanItemKind::Priority)
        .map(|item| PlanPriority {
            id: item.id,
            title: item.title,
            description: item.description,
            href: format!("/partnership/business-plans/{}", plan.id),
        })
        .collect())
}

/// For other modules: a person's name, role and organisation, as shown beside their work.
#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub name: String,
    pub job_title: String,
    pub email: String,
    pub organisation_id: OrganisationId,
}

/// For other modules: people not archived, by id.
pub async fn people_directory(
    store: impl Store,
) -> Result<HashMap<PersonId, PersonSummary>, sqlx::Error> {
    Ok(store::list_people(store, &store::PersonFilter::default())
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
        .collect())
}

/// For other modules: the title of every priority of every business plan, by id, so records
/// tagged in an earlier plan keep their priority's name.
pub async fn priority_titles(
    mut store: impl Store,
) -> Result<HashMap<PlanItemId, String>, sqlx::Error> {
    let mut titles = HashMap::new();
    for plan in store::list_plans(&mut store, true).await? {
        for item in store::plan_items(&mut store, plan.id).await? {
            if item.kind == model::PlanItemKind::Priority {
                titles.insert(item.id, item.title);
            }
        }
    }
    Ok(titles)
}

pub use store::create_partnership;

/// For the command line and the jobs run once per partnership: every partnership, as (id, name).
pub async fn partnerships(db: &Db) -> Result<Vec<(PartnershipId, String)>, sqlx::Error> {
    store::list_partnerships(db).await
}

/// For other modules: groups as (id, name) in name order; archived ones too when asked, so old
/// records keep their group's name.
pub async fn group_choices(
    store: impl Store,
    include_archived: bool,
) -> Result<Vec<(GroupId, String)>, sqlx::Error> {
    Ok(store::list_groups(store, include_archived)
        .await?
        .into_iter()
        .map(|group| (group.id, group.name))
        .collect())
}

/// For other modules: the live groups a signed-in person chairs, found by the e-mail address
/// their directory entry shares with their account, as (id, name).
pub async fn groups_chaired_by(
    store: impl Store,
    email: &str,
) -> Result<Vec<(GroupId, String)>, sqlx::Error> {
    store::groups_chaired_by(store, email).await
}

/// For the data generator: adds an organisation to the change's partnership, as the page does.
pub async fn add_organisation(
    change: &mut Change,
    details: &model::OrganisationDetails,
) -> Result<OrganisationId, sqlx::Error> {
    store::create_organisation(change, details).await
}
