//! The partnership module's queries. Only this file touches its tables. Reads take
//! `impl Store` and keep to its partnership; writes take `&mut Change` and record their entry:
//! `store::find_group(scope, id)`, `store::create_group(&mut change, &details)`.

use std::collections::HashMap;

use time::Date;

use super::model::*;
use crate::kernel::api_tokens;
use crate::kernel::audit::{Actor, AuditAction, AuditEntry};
use crate::kernel::db::{Db, Transaction, now_text};
use crate::kernel::ids::{GroupId, OrganisationId, PartnershipId, PersonId, PlanId, PlanItemId};
use crate::kernel::store::ChangeError;
use crate::kernel::text::iso_date;
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// A search term as a LIKE pattern, or empty for no search.
fn like_pattern(search: &str) -> String {
    if search.trim().is_empty() {
        String::new()
    } else {
        format!("%{}%", search.trim().to_lowercase())
    }
}

// ---- organisations ----

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub search: String,
    pub include_archived: bool,
}

const ORGANISATION_SELECT: &str =
    "SELECT id, name, kind, sector, active_from, active_to, archived_at FROM organisations";

pub async fn list_organisations(
    mut store: impl Store,
    filter: &OrganisationFilter,
) -> Result<Vec<Organisation>> {
    let sql = format!(
        "{ORGANISATION_SELECT} \
         WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR lower(name) LIKE $2 OR lower(sector) LIKE $2) \
         AND ($3 = 1 OR archived_at IS NULL) AND partnership_id = $4 ORDER BY lower(name)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(filter.kind.map(OrganisationKind::code).unwrap_or(""))
        .bind(like_pattern(&filter.search))
        .bind(i64::from(filter.include_archived))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn find_organisation(
    mut store: impl Store,
    id: OrganisationId,
) -> Result<Option<Organisation>> {
    let sql = format!("{ORGANISATION_SELECT} WHERE id = $1 AND partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

pub async fn organisation_name_taken(
    mut store: impl Store,
    name: &str,
    except: Option<OrganisationId>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM organisations WHERE lower(name) = lower($1) AND id <> $2 AND partnership_id = $3",
    )
    .bind(name)
    .bind(except.map_or(-1, OrganisationId::get))
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Organisations not archived, as (id, name) in name order: the choices in a form's list.
pub async fn organisation_choices(mut store: impl Store) -> Result<Vec<(OrganisationId, String)>> {
    sqlx::query_as(
        "SELECT id, name FROM organisations WHERE archived_at IS NULL AND partnership_id = $1 \
         ORDER BY lower(name)",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// Names of organisations not archived, by id.
pub async fn organisation_names(mut store: impl Store) -> Result<HashMap<OrganisationId, String>> {
    let rows: Vec<(OrganisationId, String)> = sqlx::query_as(
        "SELECT id, name FROM organisations WHERE archived_at IS NULL AND partnership_id = $1",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows.into_iter().collect())
}

/// Adds an organisation without an entry: for the data generator and the demo, which record
/// their own.
pub(super) async fn insert_organisation(
    tx: &mut Transaction,
    partnership: PartnershipId,
    details: &OrganisationDetails,
) -> Result<OrganisationId> {
    let now = now_text();
    sqlx::query_scalar(
        "INSERT INTO organisations (name, kind, sector, active_from, active_to, created_at, updated_at, \
         partnership_id) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(&details.name)
    .bind(details.kind.code())
    .bind(&details.sector)
    .bind(iso_date(details.active_from))
    .bind(details.active_to.map(iso_date))
    .bind(now)
    .bind(partnership)
    .fetch_one(&mut **tx)
    .await
}

pub async fn create_organisation(
    change: &mut Change,
    details: &OrganisationDetails,
) -> Result<OrganisationId> {
    let partnership = change.partnership();
    let id = insert_organisation(change.transaction(), partnership, details).await?;
    let summary = format!("Created organisation {}", details.name);
    change
        .record(AuditEntry::created("organisation", id, summary, details))
        .await?;
    Ok(id)
}

pub async fn update_organisation(
    change: &mut Change,
    organisation: &Organisation,
    details: &OrganisationDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE organisations SET name = $1, kind = $2, sector = $3, active_from = $4, active_to = $5, \
         updated_at = $6 WHERE id = $7 AND partnership_id = $8",
    )
    .bind(&details.name)
    .bind(details.kind.code())
    .bind(&details.sector)
    .bind(iso_date(details.active_from))
    .bind(details.active_to.map(iso_date))
    .bind(now_text())
    .bind(organisation.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let before = OrganisationDetails {
        name: organisation.name.clone(),
        kind: organisation.kind,
        sector: organisation.sector.clone(),
        active_from: organisation.active_from,
        active_to: organisation.active_to,
    };
    let summary = format!("Updated organisation {}", details.name);
    change
        .record(AuditEntry::updated(
            "organisation",
            organisation.id,
            summary,
            &before,
            details,
        ))
        .await
}

/// Archives an organisation. One that has left sends no more data: its API tokens stop now
/// (and stay revoked if it is restored; its data lead makes new ones).
pub async fn archive_organisation(change: &mut Change, organisation: &Organisation) -> Result<()> {
    let id = organisation.id;
    set_archived(change, Record::Organisation(id), true).await?;
    api_tokens::revoke_tokens_of_organisation(
        change,
        id,
        &format!("as organisation {} was archived", organisation.name),
    )
    .await?;
    let summary = format!("Archived organisation {}", organisation.name);
    change
        .record(AuditEntry::archived(
            "organisation",
            id,
            summary,
            organisation,
        ))
        .await
}

/// Restores an organisation; its entry holds the organisation as it was.
pub async fn restore_organisation(change: &mut Change, organisation: &Organisation) -> Result<()> {
    let id = organisation.id;
    set_archived(change, Record::Organisation(id), false).await?;
    let summary = format!("Restored organisation {}", organisation.name);
    change
        .record(
            AuditEntry::new(AuditAction::Restore, "organisation", id, summary).before(organisation),
        )
        .await
}

// ---- archiving and restoring, whatever the table ----

/// A record of one of this module's tables that can be archived and restored.
#[derive(Clone, Copy)]
pub enum Record {
    Organisation(OrganisationId),
    Person(PersonId),
    Group(GroupId),
    Plan(PlanId),
    PlanItem(PlanItemId),
}

impl Record {
    fn table(self) -> &'static str {
        match self {
            Record::Organisation(_) => "organisations",
            Record::Person(_) => "people",
            Record::Group(_) => "partnership_groups",
            Record::Plan(_) => "business_plans",
            Record::PlanItem(_) => "business_plan_priorities",
        }
    }

    /// What the audit trail calls it.
    pub fn entity_type(self) -> &'static str {
        match self {
            Record::Organisation(_) => "organisation",
            Record::Person(_) => "person",
            Record::Group(_) => "group",
            Record::Plan(_) => "business_plan",
            Record::PlanItem(_) => "business_plan_item",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Record::Organisation(id) => id.get(),
            Record::Person(id) => id.get(),
            Record::Group(id) => id.get(),
            Record::Plan(id) => id.get(),
            Record::PlanItem(id) => id.get(),
        }
    }

    /// Keeps a query to the partnership bound as $2 (plan items belong to it through their plan).
    fn partnership_condition(self) -> &'static str {
        match self {
            Record::PlanItem(_) => {
                "business_plan_id IN (SELECT id FROM business_plans WHERE partnership_id = $2)"
            }
            _ => "partnership_id = $2",
        }
    }

    /// The column that names a record to people.
    fn title_column(self) -> &'static str {
        match self {
            Record::PlanItem(_) => "title",
            _ => "name",
        }
    }
}

/// Archives or restores a record of the change's partnership.
async fn set_archived(change: &mut Change, record: Record, archived: bool) -> Result<()> {
    let sql = format!(
        "UPDATE {} SET archived_at = {}, updated_at = $3 WHERE id = $1 AND {}",
        record.table(),
        if archived { "$3" } else { "NULL" },
        record.partnership_condition()
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(record.id())
        .bind(change.partnership())
        .bind(now_text())
        .execute(change.conn())
        .await?;
    Ok(())
}

/// A record's name and when it was archived (None while it is not), whatever its table.
/// Only a record of the store's partnership is found.
pub async fn archive_state(
    mut store: impl Store,
    record: Record,
) -> Result<Option<(String, Option<String>)>> {
    let sql = format!(
        "SELECT {} AS title, archived_at FROM {} WHERE id = $1 AND {}",
        record.title_column(),
        record.table(),
        record.partnership_condition()
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(record.id())
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Restores an archived person, group or business plan, named `name`, archived at
/// `archived_at`: it is listed again and can be edited.
pub async fn restore(
    change: &mut Change,
    record: Record,
    name: &str,
    archived_at: Option<String>,
) -> Result<()> {
    set_archived(change, record, false).await?;
    let entity_type = record.entity_type();
    let summary = format!("Restored {} {name}", entity_type.replace('_', " "));
    change
        .record(
            AuditEntry::new(AuditAction::Restore, entity_type, record.id(), summary)
                .before(&serde_json::json!({ "archived_at": archived_at }))
                .after(&serde_json::json!({ "archived_at": null })),
        )
        .await
}

// ---- people ----

#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub organisation_id: Option<OrganisationId>,
    pub search: String,
    pub include_archived: bool,
}

const PERSON_SELECT: &str = "SELECT p.id, p.organisation_id, o.name AS organisation_name, p.name, p.job_title, p.email, p.archived_at \
     FROM people p JOIN organisations o ON o.id = p.organisation_id";

pub async fn list_people(mut store: impl Store, filter: &PersonFilter) -> Result<Vec<Person>> {
    let sql = format!(
        "{PERSON_SELECT} WHERE ($1 = -1 OR p.organisation_id = $1) \
         AND ($2 = '' OR lower(p.name) LIKE $2 OR lower(p.job_title) LIKE $2 OR lower(p.email) LIKE $2) \
         AND ($3 = 1 OR p.archived_at IS NULL) AND p.partnership_id = $4 ORDER BY lower(p.name)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(filter.organisation_id.map_or(-1, OrganisationId::get))
        .bind(like_pattern(&filter.search))
        .bind(i64::from(filter.include_archived))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn find_person(mut store: impl Store, id: PersonId) -> Result<Option<Person>> {
    let sql = format!("{PERSON_SELECT} WHERE p.id = $1 AND p.partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

pub async fn person_email_taken(
    mut store: impl Store,
    email: &str,
    except: Option<PersonId>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM people WHERE lower(email) = lower($1) AND id <> $2 AND partnership_id = $3",
    )
    .bind(email)
    .bind(except.map_or(-1, PersonId::get))
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Adds a person without an entry: for the demo, which records its own.
pub(super) async fn insert_person(
    tx: &mut Transaction,
    partnership: PartnershipId,
    details: &PersonDetails,
) -> Result<PersonId> {
    sqlx::query_scalar(
        "INSERT INTO people (organisation_id, name, job_title, email, created_at, updated_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
    )
    .bind(details.organisation_id)
    .bind(&details.name)
    .bind(&details.job_title)
    .bind(&details.email)
    .bind(now_text())
    .bind(partnership)
    .fetch_one(&mut **tx)
    .await
}

pub async fn create_person(change: &mut Change, details: &PersonDetails) -> Result<PersonId> {
    let partnership = change.partnership();
    let id = insert_person(change.transaction(), partnership, details).await?;
    let summary = format!("Added {}", details.name);
    change
        .record(AuditEntry::created("person", id, summary, details))
        .await?;
    Ok(id)
}

pub async fn update_person(
    change: &mut Change,
    person: &Person,
    details: &PersonDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE people SET organisation_id = $1, name = $2, job_title = $3, email = $4, updated_at = $5 \
         WHERE id = $6 AND partnership_id = $7",
    )
    .bind(details.organisation_id)
    .bind(&details.name)
    .bind(&details.job_title)
    .bind(&details.email)
    .bind(now_text())
    .bind(person.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let before = PersonDetails {
        organisation_id: person.organisation_id,
        name: person.name.clone(),
        job_title: person.job_title.clone(),
        email: person.email.clone(),
    };
    let summary = format!("Updated {}", details.name);
    change
        .record(AuditEntry::updated(
            "person", person.id, summary, &before, details,
        ))
        .await
}

/// Archives a person: leaving the partnership ends their group memberships too.
pub async fn archive_person(change: &mut Change, person: &Person) -> Result<()> {
    set_archived(change, Record::Person(person.id), true).await?;
    let today = crate::kernel::text::today();
    for membership in memberships_of_person(&mut *change, person.id)
        .await?
        .into_iter()
        .filter(|m| m.ended_on.is_none())
    {
        set_membership_ended(change, membership.id, today).await?;
    }
    let summary = format!("Archived {} and ended their group memberships", person.name);
    change
        .record(AuditEntry::archived("person", person.id, summary, person))
        .await
}

// ---- groups ----

const GROUP_SELECT: &str = "SELECT g.id, g.name, g.kind, g.parent_group_id, parent.name AS parent_name, g.meets, \
     g.terms_of_reference, g.archived_at FROM partnership_groups g \
     LEFT JOIN partnership_groups parent ON parent.id = g.parent_group_id";

pub async fn list_groups(mut store: impl Store, include_archived: bool) -> Result<Vec<Group>> {
    let sql = format!(
        "{GROUP_SELECT} WHERE ($1 = 1 OR g.archived_at IS NULL) AND g.partnership_id = $2 \
         ORDER BY lower(g.name)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(i64::from(include_archived))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn find_group(mut store: impl Store, id: GroupId) -> Result<Option<Group>> {
    let sql = format!("{GROUP_SELECT} WHERE g.id = $1 AND g.partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Every group's parent, for the who-reports-to-whom check.
pub async fn group_parents(mut store: impl Store) -> Result<Vec<(GroupId, Option<GroupId>)>> {
    sqlx::query_as(
        "SELECT id, parent_group_id FROM partnership_groups WHERE archived_at IS NULL \
         AND partnership_id = $1",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

pub async fn group_name_taken(
    mut store: impl Store,
    name: &str,
    except: Option<GroupId>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM partnership_groups WHERE lower(name) = lower($1) AND id <> $2 AND partnership_id = $3",
    )
    .bind(name)
    .bind(except.map_or(-1, GroupId::get))
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Adds a group without an entry: for the demo, which records its own.
pub(super) async fn insert_group(
    tx: &mut Transaction,
    partnership: PartnershipId,
    details: &GroupDetails,
) -> Result<GroupId> {
    sqlx::query_scalar(
        "INSERT INTO partnership_groups (name, kind, parent_group_id, meets, terms_of_reference, created_at, updated_at, \
         partnership_id) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(&details.name)
    .bind(details.kind.code())
    .bind(details.parent_group_id)
    .bind(&details.meets)
    .bind(&details.terms_of_reference)
    .bind(now_text())
    .bind(partnership)
    .fetch_one(&mut **tx)
    .await
}

pub async fn create_group(change: &mut Change, details: &GroupDetails) -> Result<GroupId> {
    let partnership = change.partnership();
    let id = insert_group(change.transaction(), partnership, details).await?;
    let summary = format!("Created group {}", details.name);
    change
        .record(AuditEntry::created("group", id, summary, details))
        .await?;
    Ok(id)
}

pub async fn update_group(
    change: &mut Change,
    group: &Group,
    details: &GroupDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE partnership_groups SET name = $1, kind = $2, parent_group_id = $3, meets = $4, terms_of_reference = $5, \
         updated_at = $6 WHERE id = $7 AND partnership_id = $8",
    )
    .bind(&details.name)
    .bind(details.kind.code())
    .bind(details.parent_group_id)
    .bind(&details.meets)
    .bind(&details.terms_of_reference)
    .bind(now_text())
    .bind(group.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let before = GroupDetails {
        name: group.name.clone(),
        kind: group.kind,
        parent_group_id: group.parent_group_id,
        meets: group.meets.clone(),
        terms_of_reference: group.terms_of_reference.clone(),
    };
    let summary = format!("Updated group {}", details.name);
    change
        .record(AuditEntry::updated(
            "group", group.id, summary, &before, details,
        ))
        .await
}

pub async fn archive_group(change: &mut Change, group: &Group) -> Result<()> {
    set_archived(change, Record::Group(group.id), true).await?;
    let summary = format!("Archived group {}", group.name);
    change
        .record(AuditEntry::archived("group", group.id, summary, group))
        .await
}

// ---- memberships ----

const MEMBERSHIP_SELECT: &str = "SELECT m.id, m.group_id, g.name AS group_name, m.person_id, p.name AS person_name, \
     o.name AS organisation_name, m.position, m.started_on, m.term_ends_on, m.ended_on \
     FROM group_memberships m JOIN partnership_groups g ON g.id = m.group_id \
     JOIN people p ON p.id = m.person_id JOIN organisations o ON o.id = p.organisation_id";

/// Current memberships of a group: chair first, then vice-chair, then members by name. Inside
/// a change the group is locked first, so two changes at once are each judged against the
/// other's (one chair and one vice-chair, a person once).
pub async fn current_memberships(mut store: impl Store, group: GroupId) -> Result<Vec<Membership>> {
    let lock = store.for_update();
    if !lock.is_empty() {
        let sql = format!(
            "SELECT id FROM partnership_groups WHERE id = $1 AND partnership_id = $2{lock}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(group)
            .bind(store.partnership())
            .fetch_optional(store.conn())
            .await?;
    }
    let sql = format!(
        "{MEMBERSHIP_SELECT} WHERE m.group_id = $1 AND g.partnership_id = $2 AND m.ended_on IS NULL \
         ORDER BY CASE m.position WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1 ELSE 2 END, lower(p.name)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(group)
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn memberships_of_person(
    mut store: impl Store,
    person: PersonId,
) -> Result<Vec<Membership>> {
    let sql = format!(
        "{MEMBERSHIP_SELECT} WHERE m.person_id = $1 AND g.partnership_id = $2 \
         ORDER BY m.ended_on IS NOT NULL, lower(g.name)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(person)
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn find_membership(
    mut store: impl Store,
    id: MembershipId,
) -> Result<Option<Membership>> {
    let sql = format!("{MEMBERSHIP_SELECT} WHERE m.id = $1 AND g.partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Chairs and vice-chairs in post, soonest term end first.
pub async fn chair_rotations(mut store: impl Store) -> Result<Vec<Membership>> {
    let sql = format!(
        "{MEMBERSHIP_SELECT} WHERE m.ended_on IS NULL AND m.position IN ('chair', 'vice_chair') \
         AND g.archived_at IS NULL AND m.term_ends_on IS NOT NULL AND g.partnership_id = $1 \
         ORDER BY m.term_ends_on, lower(g.name)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

/// The live groups whose current chair is the directory person with this e-mail address (how
/// an account is known in the directory), as (id, name) by name.
pub async fn groups_chaired_by(
    mut store: impl Store,
    email: &str,
) -> Result<Vec<(GroupId, String)>> {
    sqlx::query_as(
        "SELECT g.id, g.name FROM group_memberships m JOIN partnership_groups g ON g.id = m.group_id \
         JOIN people p ON p.id = m.person_id WHERE m.ended_on IS NULL AND m.position = 'chair' \
         AND g.archived_at IS NULL AND p.archived_at IS NULL AND lower(p.email) = lower($1) \
         AND g.partnership_id = $2 ORDER BY lower(g.name)",
    )
    .bind(email)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// Every membership of the partnership's groups held at some time between `start` and `end`
/// (started on or before `end`, not ended before `start`), archived groups too: the report's
/// "as at" view of who chaired and sat on each group. Chair first, then vice-chair, then by name.
pub async fn memberships_between(
    mut store: impl Store,
    start: Date,
    end: Date,
) -> Result<Vec<Membership>> {
    let sql = format!(
        "{MEMBERSHIP_SELECT} WHERE g.partnership_id = $1 AND m.started_on <= $2 \
         AND (m.ended_on IS NULL OR m.ended_on >= $3) \
         ORDER BY lower(g.name), CASE m.position WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1 ELSE 2 END, \
         m.started_on DESC, lower(p.name)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(store.partnership())
        .bind(iso_date(end))
        .bind(iso_date(start))
        .fetch_all(store.conn())
        .await
}

/// Adds a membership without an entry: for the demo, which records its own.
pub(super) async fn insert_membership(
    tx: &mut Transaction,
    group: GroupId,
    details: &MembershipDetails,
) -> Result<MembershipId> {
    sqlx::query_scalar(
        "INSERT INTO group_memberships (group_id, person_id, position, started_on, term_ends_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(group)
    .bind(details.person_id)
    .bind(details.position.code())
    .bind(iso_date(details.started_on))
    .bind(details.term_ends_on.map(iso_date))
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

/// Adds a membership to a group the caller found in this change.
pub async fn create_membership(
    change: &mut Change,
    group: &Group,
    details: &MembershipDetails,
) -> Result<MembershipId> {
    let id = insert_membership(change.transaction(), group.id, details).await?;
    let summary = format!(
        "Added a {} to {}",
        details.position.label().to_lowercase(),
        group.name
    );
    change
        .record(AuditEntry::created(
            "group_membership",
            id,
            summary,
            details,
        ))
        .await?;
    Ok(id)
}

/// Changes a current membership's position and term end; the person and start date stay.
pub async fn update_membership(
    change: &mut Change,
    (group, membership): (&Group, &Membership),
    details: &MembershipDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE group_memberships SET position = $1, term_ends_on = $2, updated_at = $3 \
         WHERE id = $4 AND group_id = $5 AND ended_on IS NULL",
    )
    .bind(details.position.code())
    .bind(details.term_ends_on.map(iso_date))
    .bind(now_text())
    .bind(membership.id)
    .bind(group.id)
    .execute(change.conn())
    .await?;
    let before = MembershipDetails {
        person_id: membership.person_id,
        position: membership.position,
        started_on: membership.started_on,
        term_ends_on: membership.term_ends_on,
    };
    let summary = format!(
        "Changed {}'s membership of {}",
        membership.person_name, group.name
    );
    change
        .record(AuditEntry::updated(
            "group_membership",
            membership.id,
            summary,
            &before,
            details,
        ))
        .await
}

async fn set_membership_ended(change: &mut Change, id: MembershipId, ended_on: Date) -> Result<()> {
    sqlx::query(
        "UPDATE group_memberships SET ended_on = $1, updated_at = $2 WHERE id = $3 AND ended_on IS NULL",
    )
    .bind(iso_date(ended_on))
    .bind(now_text())
    .bind(id)
    .execute(change.conn())
    .await?;
    Ok(())
}

/// Ends a current membership today.
pub async fn end_membership(change: &mut Change, membership: &Membership) -> Result<()> {
    let today = crate::kernel::text::today();
    set_membership_ended(change, membership.id, today).await?;
    let summary = format!(
        "Ended {}'s membership of {}",
        membership.person_name, membership.group_name
    );
    let after = serde_json::json!({ "ended_on": today.to_string() });
    change
        .record(AuditEntry::updated(
            "group_membership",
            membership.id,
            summary,
            membership,
            &after,
        ))
        .await
}

// ---- business plans ----

const PLAN_SELECT: &str = "SELECT id, name, starts_on, ends_on, archived_at FROM business_plans";

pub async fn list_plans(
    mut store: impl Store,
    include_archived: bool,
) -> Result<Vec<BusinessPlan>> {
    let sql = format!(
        "{PLAN_SELECT} WHERE ($1 = 1 OR archived_at IS NULL) AND partnership_id = $2 \
         ORDER BY starts_on DESC"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(i64::from(include_archived))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn find_plan(mut store: impl Store, id: PlanId) -> Result<Option<BusinessPlan>> {
    let sql = format!("{PLAN_SELECT} WHERE id = $1 AND partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

pub async fn plan_name_taken(
    mut store: impl Store,
    name: &str,
    except: Option<PlanId>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM business_plans WHERE lower(name) = lower($1) AND id <> $2 AND partnership_id = $3",
    )
    .bind(name)
    .bind(except.map_or(-1, PlanId::get))
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Adds a business plan without an entry: for the demo, which records its own.
pub(super) async fn insert_plan(
    tx: &mut Transaction,
    partnership: PartnershipId,
    details: &BusinessPlanDetails,
) -> Result<PlanId> {
    sqlx::query_scalar(
        "INSERT INTO business_plans (name, starts_on, ends_on, created_at, updated_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $4, $5) RETURNING id",
    )
    .bind(&details.name)
    .bind(iso_date(details.starts_on))
    .bind(iso_date(details.ends_on))
    .bind(now_text())
    .bind(partnership)
    .fetch_one(&mut **tx)
    .await
}

pub async fn create_plan(change: &mut Change, details: &BusinessPlanDetails) -> Result<PlanId> {
    let partnership = change.partnership();
    let id = insert_plan(change.transaction(), partnership, details).await?;
    let summary = format!("Created {}", details.name);
    change
        .record(AuditEntry::created("business_plan", id, summary, details))
        .await?;
    Ok(id)
}

pub async fn update_plan(
    change: &mut Change,
    plan: &BusinessPlan,
    details: &BusinessPlanDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE business_plans SET name = $1, starts_on = $2, ends_on = $3, updated_at = $4 \
         WHERE id = $5 AND partnership_id = $6",
    )
    .bind(&details.name)
    .bind(iso_date(details.starts_on))
    .bind(iso_date(details.ends_on))
    .bind(now_text())
    .bind(plan.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let before = BusinessPlanDetails {
        name: plan.name.clone(),
        starts_on: plan.starts_on,
        ends_on: plan.ends_on,
    };
    let summary = format!("Updated {}", details.name);
    change
        .record(AuditEntry::updated(
            "business_plan",
            plan.id,
            summary,
            &before,
            details,
        ))
        .await
}

pub async fn archive_plan(change: &mut Change, plan: &BusinessPlan) -> Result<()> {
    set_archived(change, Record::Plan(plan.id), true).await?;
    let summary = format!("Archived {}", plan.name);
    change
        .record(AuditEntry::archived(
            "business_plan",
            plan.id,
            summary,
            plan,
        ))
        .await
}

const ITEM_SELECT: &str = "SELECT i.id, i.business_plan_id, i.kind, i.position, i.title, i.description, i.archived_at \
     FROM business_plan_priorities i JOIN business_plans p ON p.id = i.business_plan_id";

/// A plan's priorities and themes in their order (archived ones left out).
pub async fn plan_items(mut store: impl Store, plan: PlanId) -> Result<Vec<PlanItem>> {
    let sql = format!(
        "{ITEM_SELECT} WHERE i.business_plan_id = $1 AND p.partnership_id = $2 \
         AND i.archived_at IS NULL ORDER BY i.kind DESC, i.position"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(plan)
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn find_item(mut store: impl Store, id: PlanItemId) -> Result<Option<PlanItem>> {
    let sql = format!("{ITEM_SELECT} WHERE i.id = $1 AND p.partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Adds a priority or theme after the others of its kind (numbered from 1), without an entry:
/// for the demo, which records its own.
pub(super) async fn insert_item(
    tx: &mut Transaction,
    plan: PlanId,
    details: &PlanItemDetails,
) -> Result<PlanItemId> {
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(position) FROM business_plan_priorities WHERE business_plan_id = $1 AND kind = $2",
    )
    .bind(plan)
    .bind(details.kind.code())
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query_scalar(
        "INSERT INTO business_plan_priorities (business_plan_id, kind, position, title, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(plan)
    .bind(details.kind.code())
    .bind(last.unwrap_or(0) + 1)
    .bind(&details.title)
    .bind(&details.description)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

/// Adds a priority or theme to a plan the caller found.
pub async fn create_item(
    change: &mut Change,
    plan: &BusinessPlan,
    details: &PlanItemDetails,
) -> Result<PlanItemId> {
    let id = insert_item(change.transaction(), plan.id, details).await?;
    let summary = format!(
        "Added {} to {}: {}",
        details.kind.label().to_lowercase(),
        plan.name,
        details.title
    );
    change
        .record(AuditEntry::created(
            "business_plan_item",
            id,
            summary,
            details,
        ))
        .await?;
    Ok(id)
}

pub async fn update_item(
    change: &mut Change,
    item: &PlanItem,
    details: &PlanItemDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE business_plan_priorities SET kind = $1, title = $2, description = $3, updated_at = $4 \
         WHERE id = $5 AND business_plan_id = $6",
    )
    .bind(details.kind.code())
    .bind(&details.title)
    .bind(&details.description)
    .bind(now_text())
    .bind(item.id)
    .bind(item.business_plan_id)
    .execute(change.conn())
    .await?;
    let before = PlanItemDetails {
        kind: item.kind,
        title: item.title.clone(),
        description: item.description.clone(),
    };
    let summary = format!(
        "Updated {}: {}",
        details.kind.label().to_lowercase(),
        details.title
    );
    change
        .record(AuditEntry::updated(
            "business_plan_item",
            item.id,
            summary,
            &before,
            details,
        ))
        .await
}

pub async fn archive_item(change: &mut Change, item: &PlanItem) -> Result<()> {
    set_archived(change, Record::PlanItem(item.id), true).await?;
    let summary = format!(
        "Archived {}: {}",
        item.kind.label().to_lowercase(),
        item.title
    );
    change
        .record(AuditEntry::archived(
            "business_plan_item",
            item.id,
            summary,
            item,
        ))
        .await
}

/// Counts for the partnership overview.
#[derive(sqlx::FromRow)]
pub struct Counts {
    pub organisations: i64,
    pub schools: i64,
    pub people: i64,
    #[sqlx(rename = "groups_count")]
    pub groups: i64,
}

pub async fn counts(mut store: impl Store) -> Result<Counts> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM organisations WHERE archived_at IS NULL AND partnership_id = $1) AS organisations, \
         (SELECT COUNT(*) FROM organisations WHERE archived_at IS NULL AND kind = 'school' AND partnership_id = $1) AS schools, \
         (SELECT COUNT(*) FROM people WHERE archived_at IS NULL AND partnership_id = $1) AS people, \
         (SELECT COUNT(*) FROM partnership_groups WHERE archived_at IS NULL AND partnership_id = $1) AS groups_count",
    )
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await
}

// ---- partnerships ----

/// Adds a partnership to the installation (from the command line or the data generator); its
/// business unit then builds it up through the pages. The partnership is the first row of the
/// change that records it, so the change is begun on its transaction once the id is known.
pub async fn create_partnership(
    db: &Db,
    name: &str,
    by: &str,
) -> std::result::Result<PartnershipId, ChangeError> {
    let mut tx = db.begin_write().await?;
    let id: PartnershipId = sqlx::query_scalar(
        "INSERT INTO partnerships (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
    )
    .bind(name)
    .bind(now_text())
    .fetch_one(&mut *tx)
    .await?;
    let mut change = Change::continuing(db, tx, Actor::system(by, id));
    let summary = format!("Added the partnership {name}");
    let after = serde_json::json!({ "name": name });
    change
        .record(AuditEntry::created("partnership", id, summary, &after))
        .await?;
    change.commit().await?;
    Ok(id)
}

/// Renames the change's partnership.
pub async fn rename_partnership(change: &mut Change, name: &str) -> Result<()> {
    let partnership = change.partnership();
    let before: String = sqlx::query_scalar("SELECT name FROM partnerships WHERE id = $1")
        .bind(partnership)
        .fetch_one(change.conn())
        .await?;
    sqlx::query("UPDATE partnerships SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name)
        .bind(now_text())
        .bind(partnership)
        .execute(change.conn())
        .await?;
    let summary = format!("Renamed the partnership {name}");
    change
        .record(AuditEntry::updated(
            "partnership",
            partnership,
            summary,
            &serde_json::json!({ "name": before }),
            &serde_json::json!({ "name": name }),
        ))
        .await
}

/// Every partnership, as (id, name), oldest first.
pub async fn list_partnerships(db: &Db) -> Result<Vec<(PartnershipId, String)>> {
    sqlx::query_as("SELECT id, name FROM partnerships WHERE archived_at IS NULL ORDER BY id")
        .fetch_all(&db.pool)
        .await
}
