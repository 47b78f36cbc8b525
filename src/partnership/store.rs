//! The partnership module's queries. Only this file touches its tables.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

use super::model::*;
use crate::kernel::db::{Db, Transaction, date_column, for_update, now_text, optional_date_column};
use crate::kernel::text::iso_date;

type Result<T> = std::result::Result<T, sqlx::Error>;

fn decode_error(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

// ---- organisations ----

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub search: String,
    pub include_archived: bool,
}

fn organisation_from_row(row: &AnyRow) -> Result<Organisation> {
    let kind: String = row.try_get("kind")?;
    Ok(Organisation {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: OrganisationKind::from_code(&kind)
            .ok_or_else(|| decode_error("organisation kind", &kind))?,
        sector: row.try_get("sector")?,
        active_from: date_column(row, "active_from")?,
        active_to: optional_date_column(row, "active_to")?,
        archived_at: row.try_get("archived_at")?,
    })
}

pub async fn list_organisations(
    db: &Db,
    partnership_id: i64,
    filter: &OrganisationFilter,
) -> Result<Vec<Organisation>> {
    let rows = sqlx::query(
        "SELECT id, name, kind, sector, active_from, active_to, archived_at FROM organisations \
         WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR lower(name) LIKE $2 OR lower(sector) LIKE $2) \
         AND ($3 = 1 OR archived_at IS NULL) AND partnership_id = $4 ORDER BY lower(name)",
    )
    .bind(filter.kind.map(OrganisationKind::code).unwrap_or(""))
    .bind(if filter.search.trim().is_empty() { String::new() } else { format!("%{}%", filter.search.trim().to_lowercase()) })
    .bind(i64::from(filter.include_archived))
    .bind(partnership_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(organisation_from_row).collect()
}

pub async fn find_organisation(
    db: &Db,
    partnership_id: i64,
    id: i64,
) -> Result<Option<Organisation>> {
    let row = sqlx::query("SELECT id, name, kind, sector, active_from, active_to, archived_at FROM organisations WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(organisation_from_row).transpose()
}

pub async fn organisation_name_taken(
    db: &Db,
    partnership_id: i64,
    name: &str,
    except: Option<i64>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM organisations WHERE lower(name) = lower($1) AND id <> $2 AND partnership_id = $3",
    )
    .bind(name)
    .bind(except.unwrap_or(-1))
    .bind(partnership_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

/// Organisations not archived, as (id, name) in name order: the choices in a form's list.
pub async fn organisation_choices(db: &Db, partnership_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, name FROM organisations WHERE archived_at IS NULL AND partnership_id = $1 \
         ORDER BY lower(name)",
    )
    .bind(partnership_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("name")?)))
        .collect()
}

/// Names of organisations not archived, by id.
pub async fn organisation_names(db: &Db, partnership_id: i64) -> Result<HashMap<i64, String>> {
    let rows = sqlx::query(
        "SELECT id, name FROM organisations WHERE archived_at IS NULL AND partnership_id = $1",
    )
    .bind(partnership_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("name")?)))
        .collect()
}

pub async fn insert_organisation(
    tx: &mut Transaction,
    partnership_id: i64,
    details: &OrganisationDetails,
) -> Result<i64> {
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
    .bind(partnership_id)
    .fetch_one(&mut **tx)
    .await
}

pub async fn update_organisation(
    tx: &mut Transaction,
    id: i64,
    details: &OrganisationDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE organisations SET name = $1, kind = $2, sector = $3, active_from = $4, active_to = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&details.name)
    .bind(details.kind.code())
    .bind(&details.sector)
    .bind(iso_date(details.active_from))
    .bind(details.active_to.map(iso_date))
    .bind(now_text())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Archives or restores a record of one of this module's tables.
async fn set_archived(tx: &mut Transaction, table: Table, id: i64, archived: bool) -> Result<()> {
    let now = now_text();
    let sql = format!(
        "UPDATE {} SET archived_at = {}, updated_at = $1 WHERE id = $2",
        table.name(),
        if archived { "$1" } else { "NULL" }
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Clone, Copy)]
pub enum Table {
    Organisations,
    People,
    Groups,
    BusinessPlans,
    PlanItems,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Organisations => "organisations",
            Table::People => "people",
            Table::Groups => "partnership_groups",
            Table::BusinessPlans => "business_plans",
            Table::PlanItems => "business_plan_priorities",
        }
    }

    /// Keeps a query to the partnership bound as $2 (plan items belong to it through their plan).
    fn partnership_condition(self) -> &'static str {
        match self {
            Table::PlanItems => {
                "business_plan_id IN (SELECT id FROM business_plans WHERE partnership_id = $2)"
            }
            _ => "partnership_id = $2",
        }
    }

    /// The column that names a record to people.
    fn title_column(self) -> &'static str {
        match self {
            Table::PlanItems => "title",
            _ => "name",
        }
    }
}

/// A record's name and when it was archived (None while it is not), whatever its table.
/// Only a record of the given partnership is found.
pub async fn archive_state(
    db: &Db,
    partnership_id: i64,
    table: Table,
    id: i64,
) -> Result<Option<(String, Option<String>)>> {
    let sql = format!(
        "SELECT {} AS title, archived_at FROM {} WHERE id = $1 AND {}",
        table.title_column(),
        table.name(),
        table.partnership_condition()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| Ok((row.try_get("title")?, row.try_get("archived_at")?)))
        .transpose()
}

pub async fn archive(tx: &mut Transaction, table: Table, id: i64) -> Result<()> {
    set_archived(tx, table, id, true).await
}

pub async fn restore(tx: &mut Transaction, table: Table, id: i64) -> Result<()> {
    set_archived(tx, table, id, false).await
}

// ---- people ----

#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub organisation_id: Option<i64>,
    pub search: String,
    pub include_archived: bool,
}

const PERSON_SELECT: &str = "SELECT p.id, p.organisation_id, o.name AS organisation_name, p.name, p.job_title, p.email, p.archived_at \
     FROM people p JOIN organisations o ON o.id = p.organisation_id";

fn person_from_row(row: &AnyRow) -> Result<Person> {
    Ok(Person {
        id: row.try_get("id")?,
        organisation_id: row.try_get("organisation_id")?,
        organisation_name: row.try_get("organisation_name")?,
        name: row.try_get("name")?,
        job_title: row.try_get("job_title")?,
        email: row.try_get("email")?,
        archived_at: row.try_get("archived_at")?,
    })
}

pub async fn list_people(
    db: &Db,
    partnership_id: i64,
    filter: &PersonFilter,
) -> Result<Vec<Person>> {
    let sql = format!(
        "{PERSON_SELECT} WHERE ($1 = -1 OR p.organisation_id = $1) \
         AND ($2 = '' OR lower(p.name) LIKE $2 OR lower(p.job_title) LIKE $2 OR lower(p.email) LIKE $2) \
         AND ($3 = 1 OR p.archived_at IS NULL) AND p.partnership_id = $4 ORDER BY lower(p.name)"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.organisation_id.unwrap_or(-1))
        .bind(if filter.search.trim().is_empty() {
            String::new()
        } else {
            format!("%{}%", filter.search.trim().to_lowercase())
        })
        .bind(i64::from(filter.include_archived))
        .bind(partnership_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(person_from_row).collect()
}

pub async fn find_person(db: &Db, partnership_id: i64, id: i64) -> Result<Option<Person>> {
    let sql = format!("{PERSON_SELECT} WHERE p.id = $1 AND p.partnership_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(person_from_row).transpose()
}

pub async fn person_email_taken(
    db: &Db,
    partnership_id: i64,
    email: &str,
    except: Option<i64>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM people WHERE lower(email) = lower($1) AND id <> $2 AND partnership_id = $3",
    )
    .bind(email)
    .bind(except.unwrap_or(-1))
    .bind(partnership_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

pub async fn insert_person(
    tx: &mut Transaction,
    partnership_id: i64,
    details: &PersonDetails,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO people (organisation_id, name, job_title, email, created_at, updated_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
    )
    .bind(details.organisation_id)
    .bind(&details.name)
    .bind(&details.job_title)
    .bind(&details.email)
    .bind(now_text())
    .bind(partnership_id)
    .fetch_one(&mut **tx)
    .await
}

pub async fn update_person(tx: &mut Transaction, id: i64, details: &PersonDetails) -> Result<()> {
    sqlx::query("UPDATE people SET organisation_id = $1, name = $2, job_title = $3, email = $4, updated_at = $5 WHERE id = $6")
        .bind(details.organisation_id)
        .bind(&details.name)
        .bind(&details.job_title)
        .bind(&details.email)
        .bind(now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ---- groups ----

const GROUP_SELECT: &str = "SELECT g.id, g.name, g.kind, g.parent_group_id, parent.name AS parent_name, g.meets, \
     g.terms_of_reference, g.archived_at FROM partnership_groups g \
     LEFT JOIN partnership_groups parent ON parent.id = g.parent_group_id";

fn group_from_row(row: &AnyRow) -> Result<Group> {
    let kind: String = row.try_get("kind")?;
    Ok(Group {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: GroupKind::from_code(&kind).ok_or_else(|| decode_error("group kind", &kind))?,
        parent_group_id: row.try_get("parent_group_id")?,
        parent_name: row.try_get("parent_name")?,
        meets: row.try_get("meets")?,
        terms_of_reference: row.try_get("terms_of_reference")?,
        archived_at: row.try_get("archived_at")?,
    })
}

pub async fn list_groups(
    db: &Db,
    partnership_id: i64,
    include_archived: bool,
) -> Result<Vec<Group>> {
    let sql = format!(
        "{GROUP_SELECT} WHERE ($1 = 1 OR g.archived_at IS NULL) AND g.partnership_id = $2 \
         ORDER BY lower(g.name)"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(i64::from(include_archived))
        .bind(partnership_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(group_from_row).collect()
}

pub async fn find_group(db: &Db, partnership_id: i64, id: i64) -> Result<Option<Group>> {
    let sql = format!("{GROUP_SELECT} WHERE g.id = $1 AND g.partnership_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(group_from_row).transpose()
}

/// Every group's parent, for the who-reports-to-whom check.
pub async fn group_parents(db: &Db, partnership_id: i64) -> Result<Vec<(i64, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT id, parent_group_id FROM partnership_groups WHERE archived_at IS NULL \
         AND partnership_id = $1",
    )
    .bind(partnership_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("parent_group_id")?)))
        .collect()
}

pub async fn group_name_taken(
    db: &Db,
    partnership_id: i64,
    name: &str,
    except: Option<i64>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM partnership_groups WHERE lower(name) = lower($1) AND id <> $2 AND partnership_id = $3",
    )
    .bind(name)
    .bind(except.unwrap_or(-1))
    .bind(partnership_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

pub async fn insert_group(
    tx: &mut Transaction,
    partnership_id: i64,
    details: &GroupDetails,
) -> Result<i64> {
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
    .bind(partnership_id)
    .fetch_one(&mut **tx)
    .await
}

pub async fn update_group(tx: &mut Transaction, id: i64, details: &GroupDetails) -> Result<()> {
    sqlx::query(
        "UPDATE partnership_groups SET name = $1, kind = $2, parent_group_id = $3, meets = $4, terms_of_reference = $5, \
         updated_at = $6 WHERE id = $7",
    )
    .bind(&details.name)
    .bind(details.kind.code())
    .bind(details.parent_group_id)
    .bind(&details.meets)
    .bind(&details.terms_of_reference)
    .bind(now_text())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---- memberships ----

const MEMBERSHIP_SELECT: &str = "SELECT m.id, m.group_id, g.name AS group_name, m.person_id, p.name AS person_name, \
     o.name AS organisation_name, m.position, m.started_on, m.term_ends_on, m.ended_on \
     FROM group_memberships m JOIN partnership_groups g ON g.id = m.group_id \
     JOIN people p ON p.id = m.person_id JOIN organisations o ON o.id = p.organisation_id";

fn membership_from_row(row: &AnyRow) -> Result<Membership> {
    let position: String = row.try_get("position")?;
    Ok(Membership {
        id: row.try_get("id")?,
        group_id: row.try_get("group_id")?,
        group_name: row.try_get("group_name")?,
        person_id: row.try_get("person_id")?,
        person_name: row.try_get("person_name")?,
        organisation_name: row.try_get("organisation_name")?,
        position: Position::from_code(&position)
            .ok_or_else(|| decode_error("position", &position))?,
        started_on: date_column(row, "started_on")?,
        term_ends_on: optional_date_column(row, "term_ends_on")?,
        ended_on: optional_date_column(row, "ended_on")?,
    })
}

/// Current memberships of a group: chair first, then vice-chair, then members by name.
pub async fn current_memberships(db: &Db, group_id: i64) -> Result<Vec<Membership>> {
    let sql = format!(
        "{MEMBERSHIP_SELECT} WHERE m.group_id = $1 AND m.ended_on IS NULL \
         ORDER BY CASE m.position WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1 ELSE 2 END, lower(p.name)"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(group_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(membership_from_row).collect()
}

/// `current_memberships` inside a change's transaction, with the group locked: two changes at
/// once are each judged against the other's (one chair and one vice-chair, a person once).
pub async fn current_memberships_locked(
    tx: &mut Transaction,
    group_id: i64,
) -> Result<Vec<Membership>> {
    let lock = format!(
        "SELECT id FROM partnership_groups WHERE id = $1{}",
        for_update(tx)
    );
    sqlx::query(sqlx::AssertSqlSafe(lock))
        .bind(group_id)
        .fetch_optional(&mut **tx)
        .await?;
    let sql =
        format!("{MEMBERSHIP_SELECT} WHERE m.group_id = $1 AND m.ended_on IS NULL ORDER BY m.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(group_id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(membership_from_row).collect()
}

pub async fn memberships_of_person(db: &Db, person_id: i64) -> Result<Vec<Membership>> {
    let sql = format!(
        "{MEMBERSHIP_SELECT} WHERE m.person_id = $1 ORDER BY m.ended_on IS NOT NULL, lower(g.name)"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(person_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(membership_from_row).collect()
}

pub async fn find_membership(db: &Db, partnership_id: i64, id: i64) -> Result<Option<Membership>> {
    let sql = format!("{MEMBERSHIP_SELECT} WHERE m.id = $1 AND g.partnership_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(membership_from_row).transpose()
}

/// Chairs and vice-chairs in post, soonest term end first.
pub async fn chair_rotations(db: &Db, partnership_id: i64) -> Result<Vec<Membership>> {
    let sql = format!(
        "{MEMBERSHIP_SELECT} WHERE m.ended_on IS NULL AND m.position IN ('chair', 'vice_chair') \
         AND g.archived_at IS NULL AND m.term_ends_on IS NOT NULL AND g.partnership_id = $1 \
         ORDER BY m.term_ends_on, lower(g.name)"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(partnership_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(membership_from_row).collect()
}

pub async fn insert_membership(
    tx: &mut Transaction,
    group_id: i64,
    details: &MembershipDetails,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO group_memberships (group_id, person_id, position, started_on, term_ends_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(group_id)
    .bind(details.person_id)
    .bind(details.position.code())
    .bind(iso_date(details.started_on))
    .bind(details.term_ends_on.map(iso_date))
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

/// Changes a current membership's position and term end; the person and start date stay.
pub async fn update_membership(
    tx: &mut Transaction,
    id: i64,
    details: &MembershipDetails,
) -> Result<()> {
    sqlx::query("UPDATE group_memberships SET position = $1, term_ends_on = $2, updated_at = $3 WHERE id = $4 AND ended_on IS NULL")
        .bind(details.position.code())
        .bind(details.term_ends_on.map(iso_date))
        .bind(now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn end_membership(tx: &mut Transaction, id: i64, ended_on: Date) -> Result<()> {
    sqlx::query("UPDATE group_memberships SET ended_on = $1, updated_at = $2 WHERE id = $3 AND ended_on IS NULL")
        .bind(iso_date(ended_on))
        .bind(now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ---- business plans ----

fn plan_from_row(row: &AnyRow) -> Result<BusinessPlan> {
    Ok(BusinessPlan {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        starts_on: date_column(row, "starts_on")?,
        ends_on: date_column(row, "ends_on")?,
        archived_at: row.try_get("archived_at")?,
    })
}

pub async fn list_plans(
    db: &Db,
    partnership_id: i64,
    include_archived: bool,
) -> Result<Vec<BusinessPlan>> {
    let rows = sqlx::query(
        "SELECT id, name, starts_on, ends_on, archived_at FROM business_plans WHERE ($1 = 1 OR archived_at IS NULL) \
         AND partnership_id = $2 ORDER BY starts_on DESC",
    )
    .bind(i64::from(include_archived))
    .bind(partnership_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(plan_from_row).collect()
}

pub async fn find_plan(db: &Db, partnership_id: i64, id: i64) -> Result<Option<BusinessPlan>> {
    let row = sqlx::query(
        "SELECT id, name, starts_on, ends_on, archived_at FROM business_plans WHERE id = $1 \
         AND partnership_id = $2",
    )
    .bind(id)
    .bind(partnership_id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(plan_from_row).transpose()
}

pub async fn plan_name_taken(
    db: &Db,
    partnership_id: i64,
    name: &str,
    except: Option<i64>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM business_plans WHERE lower(name) = lower($1) AND id <> $2 AND partnership_id = $3",
    )
    .bind(name)
    .bind(except.unwrap_or(-1))
    .bind(partnership_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

pub async fn insert_plan(
    tx: &mut Transaction,
    partnership_id: i64,
    details: &BusinessPlanDetails,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO business_plans (name, starts_on, ends_on, created_at, updated_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $4, $5) RETURNING id",
    )
    .bind(&details.name)
    .bind(iso_date(details.starts_on))
    .bind(iso_date(details.ends_on))
    .bind(now_text())
    .bind(partnership_id)
    .fetch_one(&mut **tx)
    .await
}

pub async fn update_plan(
    tx: &mut Transaction,
    id: i64,
    details: &BusinessPlanDetails,
) -> Result<()> {
    sqlx::query("UPDATE business_plans SET name = $1, starts_on = $2, ends_on = $3, updated_at = $4 WHERE id = $5")
        .bind(&details.name)
        .bind(iso_date(details.starts_on))
        .bind(iso_date(details.ends_on))
        .bind(now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn item_from_row(row: &AnyRow) -> Result<PlanItem> {
    let kind: String = row.try_get("kind")?;
    Ok(PlanItem {
        id: row.try_get("id")?,
        business_plan_id: row.try_get("business_plan_id")?,
        kind: PlanItemKind::from_code(&kind)
            .ok_or_else(|| decode_error("plan item kind", &kind))?,
        position: row.try_get("position")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        archived_at: row.try_get("archived_at")?,
    })
}

/// A plan's priorities and themes in their order (archived ones left out).
pub async fn plan_items(db: &Db, plan_id: i64) -> Result<Vec<PlanItem>> {
    let rows = sqlx::query(
        "SELECT id, business_plan_id, kind, position, title, description, archived_at FROM business_plan_priorities \
         WHERE business_plan_id = $1 AND archived_at IS NULL ORDER BY kind DESC, position",
    )
    .bind(plan_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(item_from_row).collect()
}

pub async fn find_item(db: &Db, partnership_id: i64, id: i64) -> Result<Option<PlanItem>> {
    let row = sqlx::query(
        "SELECT i.id, i.business_plan_id, i.kind, i.position, i.title, i.description, i.archived_at \
         FROM business_plan_priorities i JOIN business_plans p ON p.id = i.business_plan_id \
         WHERE i.id = $1 AND p.partnership_id = $2",
    )
    .bind(id)
    .bind(partnership_id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(item_from_row).transpose()
}

/// Adds a priority or theme after the others of its kind (numbered from 1).
pub async fn insert_item(
    tx: &mut Transaction,
    plan_id: i64,
    details: &PlanItemDetails,
) -> Result<i64> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM business_plan_priorities WHERE business_plan_id = $1 AND kind = $2")
        .bind(plan_id)
        .bind(details.kind.code())
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO business_plan_priorities (business_plan_id, kind, position, title, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(plan_id)
    .bind(details.kind.code())
    .bind(last.unwrap_or(0) + 1)
    .bind(&details.title)
    .bind(&details.description)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

pub async fn update_item(tx: &mut Transaction, id: i64, details: &PlanItemDetails) -> Result<()> {
    sqlx::query("UPDATE business_plan_priorities SET kind = $1, title = $2, description = $3, updated_at = $4 WHERE id = $5")
        .bind(details.kind.code())
        .bind(&details.title)
        .bind(&details.description)
        .bind(now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Counts for the partnership overview.
pub struct Counts {
    pub organisations: i64,
    pub schools: i64,
    pub people: i64,
    pub groups: i64,
}

pub async fn counts(db: &Db, partnership_id: i64) -> Result<Counts> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM organisations WHERE archived_at IS NULL AND partnership_id = $1) AS organisations, \
         (SELECT COUNT(*) FROM organisations WHERE archived_at IS NULL AND kind = 'school' AND partnership_id = $1) AS schools, \
         (SELECT COUNT(*) FROM people WHERE archived_at IS NULL AND partnership_id = $1) AS people, \
         (SELECT COUNT(*) FROM partnership_groups WHERE archived_at IS NULL AND partnership_id = $1) AS groups_count",
    )
    .bind(partnership_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(Counts {
        organisations: row.try_get("organisations")?,
        schools: row.try_get("schools")?,
        people: row.try_get("people")?,
        groups: row.try_get("groups_count")?,
    })
}

// ---- partnerships ----

/// Adds a partnership to the installation (from the command line); its business unit then
/// builds it up through the pages.
pub async fn insert_partnership(tx: &mut Transaction, name: &str) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO partnerships (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
    )
    .bind(name)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

pub async fn rename_partnership(tx: &mut Transaction, id: i64, name: &str) -> Result<()> {
    sqlx::query("UPDATE partnerships SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name)
        .bind(now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every partnership, as (id, name), oldest first.
pub async fn list_partnerships(db: &Db) -> Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, name FROM partnerships WHERE archived_at IS NULL ORDER BY id")
        .fetch_all(&db.pool)
        .await
}
