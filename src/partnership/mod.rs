//! Partnership: organisations (statutory partners, relevant agencies, schools, voluntary and
//! other), people, groups with terms of reference, chairs and members, chair rotations, and
//! business plans with their priorities and cross-cutting themes.

pub mod demo;
pub mod model;
mod routes;
pub mod store;

use std::collections::HashMap;

use crate::kernel::db::Db;

pub use routes::routes;

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
