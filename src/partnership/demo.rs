//! Demo data for the partnership module: a partnership modelled on the one in the seed report
//! (statutory partners, relevant agencies, schools, groups with chairs by role title, and the
//! 2024–27 business plan). Read from demo.toml, which holds role titles, never real names.

use std::collections::HashMap;

use serde::Deserialize;
use time::Date;

use super::model::*;
use super::store;
use crate::kernel::Change;
use crate::kernel::ids::{GroupId, OrganisationId, PersonId};
use crate::kernel::text::parse_iso_date;

#[derive(Deserialize)]
struct DemoFile {
    organisations: Vec<DemoOrganisation>,
    people: Vec<DemoPerson>,
    groups: Vec<DemoGroup>,
    business_plan: DemoPlan,
}

#[derive(Deserialize)]
struct DemoOrganisation {
    name: String,
    kind: String,
    sector: String,
    active_from: String,
}

#[derive(Deserialize)]
struct DemoPerson {
    name: String,
    job_title: String,
    organisation: String,
    email: String,
}

#[derive(Deserialize)]
struct DemoGroup {
    name: String,
    kind: String,
    parent: String,
    meets: String,
    terms_of_reference: String,
    chair: String,
    chair_term_ends: String,
    vice_chair: String,
    vice_chair_term_ends: String,
    members: Vec<String>,
}

#[derive(Deserialize)]
struct DemoPlan {
    name: String,
    starts_on: String,
    ends_on: String,
    priorities: Vec<DemoPlanItem>,
    cross_cutting_themes: Vec<DemoPlanItem>,
}

#[derive(Deserialize)]
struct DemoPlanItem {
    title: String,
    description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo.toml is not valid: {0}")]
    File(#[from] toml::de::Error),
    #[error("demo.toml: {0}")]
    Reference(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn date(text: &str, what: &str) -> Result<Date, DemoError> {
    parse_iso_date(text)
        .ok_or_else(|| DemoError::Reference(format!("{what}: {text:?} is not a date")))
}

fn lookup(map: &HashMap<String, i64>, name: &str, what: &str) -> Result<i64, DemoError> {
    map.get(name)
        .copied()
        .ok_or_else(|| DemoError::Reference(format!("unknown {what} {name:?}")))
}

/// What the loader made, for the demo's printed summary and for tests.
#[derive(Debug, Default)]
pub struct Loaded {
    pub organisations: HashMap<String, i64>,
    pub people: usize,
    /// People by name, for other modules' demo records.
    pub people_ids: HashMap<String, i64>,
    pub groups: usize,
    /// Group ids by name, for other modules' demo records (policy owners).
    pub group_ids: HashMap<String, i64>,
    /// The business plan's priorities, in order.
    pub priorities: Vec<i64>,
}

/// Loads the demo partnership's structure in `change`, through the store functions the pages
/// use, so the trail reads as if the business unit had entered it.
pub async fn load(change: &mut Change) -> Result<Loaded, DemoError> {
    let file: DemoFile = toml::from_str(include_str!("demo.toml"))?;
    let mut loaded = Loaded::default();
    store::rename_partnership(change, "Halton Safeguarding Children Partnership").await?;
    for organisation in &file.organisations {
        let details = OrganisationDetails {
            name: organisation.name.clone(),
            kind: OrganisationKind::from_code(&organisation.kind).ok_or_else(|| {
                DemoError::Reference(format!("unknown organisation kind {:?}", organisation.kind))
            })?,
            sector: organisation.sector.clone(),
            active_from: date(&organisation.active_from, &organisation.name)?,
            active_to: None,
        };
        let id = store::create_organisation(change, &details).await?;
        loaded.organisations.insert(details.name, id.get());
    }
    let mut people = HashMap::new();
    for person in &file.people {
        let details = PersonDetails {
            organisation_id: OrganisationId::new(lookup(
                &loaded.organisations,
                &person.organisation,
                "organisation",
            )?),
            name: person.name.clone(),
            job_title: person.job_title.clone(),
            email: person.email.clone(),
        };
        let id = store::create_person(change, &details).await?;
        people.insert(details.name, id.get());
    }
    loaded.people = people.len();
    loaded.people_ids = people.clone();
    let plan_start = date(&file.business_plan.starts_on, "business plan start")?;
    let mut groups = HashMap::new();
    for group in &file.groups {
        let details = GroupDetails {
            name: group.name.clone(),
            kind: GroupKind::from_code(&group.kind).ok_or_else(|| {
                DemoError::Reference(format!("unknown group kind {:?}", group.kind))
            })?,
            parent_group_id: if group.parent.is_empty() {
                None
            } else {
                Some(GroupId::new(lookup(&groups, &group.parent, "group")?))
            },
            meets: group.meets.clone(),
            terms_of_reference: group.terms_of_reference.clone(),
        };
        let id = store::create_group(change, &details).await?;
        let created_group = store::find_group(&mut *change, id)
            .await?
            .ok_or_else(|| DemoError::Reference(format!("group {:?} vanished", group.name)))?;
        groups.insert(details.name, id.get());
        // Chairs rotate yearly: each term began a year before it ends.
        let mut positions = vec![(
            group.chair.as_str(),
            Position::Chair,
            group.chair_term_ends.as_str(),
        )];
        if !group.vice_chair.is_empty() {
            positions.push((
                group.vice_chair.as_str(),
                Position::ViceChair,
                group.vice_chair_term_ends.as_str(),
            ));
        }
        positions.extend(
            group
                .members
                .iter()
                .map(|member| (member.as_str(), Position::Member, "")),
        );
        for (person, position, term_ends) in positions {
            let term_ends_on = if term_ends.is_empty() {
                None
            } else {
                Some(date(term_ends, &group.name)?)
            };
            let started_on = term_ends_on
                .and_then(|ends| ends.replace_year(ends.year() - 1).ok())
                .and_then(|d| d.next_day())
                .unwrap_or(plan_start);
            let membership = MembershipDetails {
                person_id: PersonId::new(lookup(&people, person, "person")?),
                position,
                started_on,
                term_ends_on,
            };
            store::create_membership(change, &created_group, &membership).await?;
        }
    }
    loaded.groups = groups.len();
    loaded.group_ids = groups.clone();
    let plan = BusinessPlanDetails {
        name: file.business_plan.name.clone(),
        starts_on: plan_start,
        ends_on: date(&file.business_plan.ends_on, "business plan end")?,
    };
    let plan_id = store::create_plan(change, &plan).await?;
    let created_plan = store::find_plan(&mut *change, plan_id)
        .await?
        .ok_or_else(|| DemoError::Reference("the business plan vanished".into()))?;
    let items = file
        .business_plan
        .priorities
        .iter()
        .map(|item| (PlanItemKind::Priority, item))
        .chain(
            file.business_plan
                .cross_cutting_themes
                .iter()
                .map(|item| (PlanItemKind::CrossCuttingTheme, item)),
        );
    for (kind, item) in items {
        let details = PlanItemDetails {
            kind,
            title: item.title.clone(),
            description: item.description.clone(),
        };
        let item_id = store::create_item(change, &created_plan, &details).await?;
        if kind == PlanItemKind::Priority {
            loaded.priorities.push(item_id.get());
        }
    }
    Ok(loaded)
}
