//! The audit trail: who changed what, when, with the values before and after. Written in the
//! same transaction as the change it records; append-only (the database refuses updates and
//! deletes by trigger on both backends).

use serde::Serialize;
use sqlx::Row;

use super::auth::CurrentUser;
use super::db::{Db, Transaction, now_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Update,
    Archive,
    Restore,
    Delete,
    SignIn,
    SignOut,
    PasswordChange,
    PasswordReset,
}

impl AuditAction {
    pub const ALL: [AuditAction; 9] = [
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Archive,
        AuditAction::Restore,
        AuditAction::Delete,
        AuditAction::SignIn,
        AuditAction::SignOut,
        AuditAction::PasswordChange,
        AuditAction::PasswordReset,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Archive => "archive",
            AuditAction::Restore => "restore",
            AuditAction::Delete => "delete",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignOut => "sign_out",
            AuditAction::PasswordChange => "password_change",
            AuditAction::PasswordReset => "password_reset",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Create => "Created",
            AuditAction::Update => "Updated",
            AuditAction::Archive => "Archived",
            AuditAction::Restore => "Restored",
            AuditAction::Delete => "Deleted",
            AuditAction::SignIn => "Signed in",
            AuditAction::SignOut => "Signed out",
            AuditAction::PasswordChange => "Changed password",
            AuditAction::PasswordReset => "Reset password",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditAction> {
        AuditAction::ALL
            .into_iter()
            .find(|action| action.code() == code)
    }
}

/// Who did it: a signed-in user, or the system (migrations, demo loading, CLI).
#[derive(Debug, Clone)]
pub struct Actor {
    /// Whose trail the change is in.
    pub partnership_id: super::ids::PartnershipId,
    pub user_id: Option<super::ids::UserId>,
    pub label: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// Whose trail the change is in, typed.
    pub fn partnership(&self) -> super::ids::PartnershipId {
        self.partnership_id
    }

    pub fn user(user: &CurrentUser, request_id: Option<String>) -> Actor {
        Actor {
            partnership_id: user.partnership_id,
            user_id: Some(user.id),
            label: user.email.clone(),
            request_id,
        }
    }

    pub fn system(label: &str, partnership_id: super::ids::PartnershipId) -> Actor {
        Actor {
            partnership_id,
            user_id: None,
            label: label.to_owned(),
            request_id: None,
        }
    }
}

pub struct AuditEntry<'a> {
    pub action: AuditAction,
    pub entity_type: &'a str,
    pub entity_id: Option<i64>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> AuditEntry<'a> {
    /// An entry about one record, with no values yet; add them with [`before`](Self::before)
    /// and [`after`](Self::after).
    pub fn new(
        action: AuditAction,
        entity_type: &'a str,
        entity_id: impl Into<i64>,
        summary: impl Into<String>,
    ) -> Self {
        AuditEntry {
            action,
            entity_type,
            entity_id: Some(entity_id.into()),
            summary: summary.into(),
            before: None,
            after: None,
        }
    }

    /// An entry about no one record (a run of a job, a digest sent).
    pub fn about_none(
        action: AuditAction,
        entity_type: &'a str,
        summary: impl Into<String>,
    ) -> Self {
        AuditEntry {
            action,
            entity_type,
            entity_id: None,
            summary: summary.into(),
            before: None,
            after: None,
        }
    }

    /// A record added, with what it was added as.
    pub fn created(
        entity_type: &'a str,
        entity_id: impl Into<i64>,
        summary: impl Into<String>,
        after: &impl Serialize,
    ) -> Self {
        Self::new(AuditAction::Create, entity_type, entity_id, summary).after(after)
    }

    /// A record changed, with what it was and what it became.
    pub fn updated(
        entity_type: &'a str,
        entity_id: impl Into<i64>,
        summary: impl Into<String>,
        before: &impl Serialize,
        after: &impl Serialize,
    ) -> Self {
        Self::new(AuditAction::Update, entity_type, entity_id, summary)
            .before(before)
            .after(after)
    }

    /// A record archived, with what it was.
    pub fn archived(
        entity_type: &'a str,
        entity_id: impl Into<i64>,
        summary: impl Into<String>,
        before: &impl Serialize,
    ) -> Self {
        Self::new(AuditAction::Archive, entity_type, entity_id, summary).before(before)
    }

    /// The record's values before the change.
    pub fn before(mut self, values: &impl Serialize) -> Self {
        self.before = Some(snapshot(values));
        self
    }

    /// The record's values after the change.
    pub fn after(mut self, values: &impl Serialize) -> Self {
        self.after = Some(snapshot(values));
        self
    }
}

/// Writes one entry. Only a [`Change`](super::store::Change) calls this, so a write and its
/// entry always share a transaction.
pub(super) async fn record(
    tx: &mut Transaction,
    actor: &Actor,
    entry: AuditEntry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (occurred_at, actor_user_id, actor, action, entity_type, entity_id, \
         summary, before_values, after_values, request_id, partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(now_text())
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(entry.action.code())
    .bind(entry.entity_type)
    .bind(entry.entity_id)
    .bind(entry.summary)
    .bind(entry.before.map(|value| value.to_string()))
    .bind(entry.after.map(|value| value.to_string()))
    .bind(actor.request_id.as_deref())
    .bind(actor.partnership_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Serialises a record for the trail. Records are plain data, so this cannot fail in practice;
/// if it did, the trail still gets an entry, with the error in place of the values.
pub fn snapshot<T: Serialize>(record: &T) -> serde_json::Value {
    serde_json::to_value(record)
        .unwrap_or_else(|error| serde_json::json!({ "unserialisable": error.to_string() }))
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: String,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub summary: String,
    pub before_values: Option<String>,
    pub after_values: Option<String>,
    pub request_id: Option<String>,
}

impl AuditEvent {
    pub fn action_label(&self) -> &'static str {
        AuditAction::from_code(&self.action).map_or("Other", AuditAction::label)
    }

    /// The fields that changed, as (field, before, after), for the detail page.
    pub fn changes(&self) -> Vec<(String, String, String)> {
        let parse = |text: &Option<String>| -> serde_json::Map<String, serde_json::Value> {
            text.as_deref()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
                .and_then(|value| value.as_object().cloned())
                .unwrap_or_default()
        };
        let before = parse(&self.before_values);
        let after = parse(&self.after_values);
        let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
        fields.sort();
        fields.dedup();
        let show = |value: Option<&serde_json::Value>| match value {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        };
        fields
            .into_iter()
            .filter(|field| before.get(*field) != after.get(*field) || self.before_values.is_none())
            .map(|field| {
                (
                    field.clone(),
                    show(before.get(field)),
                    show(after.get(field)),
                )
            })
            .collect()
    }
}

/// Records the reader may not see, which the trail leaves out of its pages, counts and exports.
/// The modules decide what goes in (by the rules of the records' own pages); the kernel only
/// applies it.
#[derive(Debug, Clone, Default)]
pub struct Unseen {
    /// Whole kinds of record, by entity type.
    pub entity_types: Vec<String>,
    /// Single records: an entity type and the ids of it that are hidden.
    pub records: Vec<(String, Vec<i64>)>,
}

impl Unseen {
    pub fn hides(&self, entity_type: &str, entity_id: Option<i64>) -> bool {
        self.entity_types.iter().any(|hidden| hidden == entity_type)
            || entity_id.is_some_and(|id| {
                self.records
                    .iter()
                    .any(|(hidden, ids)| hidden == entity_type && ids.contains(&id))
            })
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub action: Option<String>,
    pub actor: Option<String>,
    /// Inclusive dates, `YYYY-MM-DD`.
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
    /// What this reader may not see; never shown, never counted.
    pub unseen: Unseen,
}

fn event_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEvent, sqlx::Error> {
    Ok(AuditEvent {
        id: row.try_get("id")?,
        occurred_at: row.try_get("occurred_at")?,
        actor_user_id: row.try_get("actor_user_id")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        entity_type: row.try_get("entity_type")?,
        entity_id: row.try_get("entity_id")?,
        summary: row.try_get("summary")?,
        before_values: row.try_get("before_values")?,
        after_values: row.try_get("after_values")?,
        request_id: row.try_get("request_id")?,
    })
}

/// A filter as SQL: the condition and the values it binds, in order.
struct Conditions {
    sql: String,
    values: Vec<Bound>,
}

enum Bound {
    Text(String),
    Integer(i64),
}

impl Conditions {
    fn of(partnership_id: super::ids::PartnershipId, filter: &AuditFilter) -> Conditions {
        // Only the filters in use go into the SQL, so an unfiltered page reads the newest rows
        // by the primary key instead of testing every row.
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        let mut add = |condition: &str, value: Bound| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("${}", values.len())));
        };
        add("partnership_id = ?", Bound::Integer(partnership_id.get()));
        if let Some(entity_type) = &filter.entity_type {
            add("entity_type = ?", Bound::Text(entity_type.clone()));
        }
        if let Some(entity_id) = filter.entity_id {
            add("entity_id = ?", Bound::Integer(entity_id));
        }
        if let Some(action) = &filter.action {
            add("action = ?", Bound::Text(action.clone()));
        }
        if let Some(actor) = &filter.actor {
            add(
                "lower(actor) LIKE ?",
                Bound::Text(format!("%{}%", actor.to_lowercase())),
            );
        }
        if let Some(from) = filter.from {
            add("occurred_at >= ?", Bound::Text(format!("{from}T00:00:00Z")));
        }
        if let Some(to) = filter.to {
            add("occurred_at <= ?", Bound::Text(format!("{to}T23:59:59Z")));
        }
        for entity_type in &filter.unseen.entity_types {
            add("entity_type <> ?", Bound::Text(entity_type.clone()));
        }
        for (entity_type, ids) in filter
            .unseen
            .records
            .iter()
            .filter(|(_, ids)| !ids.is_empty())
        {
            // The ids are integers from the database, written out rather than bound so a long
            // list needs no placeholders; a NULL entity_id is not one of them.
            let ids = ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            add(
                &format!("(entity_type <> ? OR entity_id IS NULL OR entity_id NOT IN ({ids}))"),
                Bound::Text(entity_type.clone()),
            );
        }
        Conditions {
            sql: conditions.join(" AND "),
            values,
        }
    }

    fn bind<'q, O>(
        &self,
        mut query: sqlx::query::QueryScalar<'q, sqlx::Any, O, sqlx::any::AnyArguments>,
    ) -> sqlx::query::QueryScalar<'q, sqlx::Any, O, sqlx::any::AnyArguments> {
        for value in &self.values {
            query = match value {
                Bound::Text(text) => query.bind(text.clone()),
                Bound::Integer(number) => query.bind(*number),
            };
        }
        query
    }
}

/// How many entries the filter finds (for the pages' pagination).
pub async fn count(
    db: &Db,
    partnership_id: super::ids::PartnershipId,
    filter: &AuditFilter,
) -> Result<i64, sqlx::Error> {
    let conditions = Conditions::of(partnership_id, filter);
    let sql = format!("SELECT COUNT(*) FROM audit_events WHERE {}", conditions.sql);
    conditions
        .bind(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)))
        .fetch_one(&db.pool)
        .await
}

/// The entries the filter finds, newest first. `limit` bounds the page; export passes a large
/// bound.
pub async fn page(
    db: &Db,
    partnership_id: super::ids::PartnershipId,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEvent>, sqlx::Error> {
    let conditions = Conditions::of(partnership_id, filter);
    // Read along the (partnership_id, id) index. Ordered by id alone, PostgreSQL walked the
    // primary key back through every other partnership's newer entries (11,000 rows for a page
    // of 50 at region scale, 3.5 ms a view); the row comparison, true of every entry of the
    // partnership ($1), is a condition only that index can serve.
    let sql = format!(
        "SELECT * FROM audit_events WHERE {} AND (partnership_id, id) <= ($1, {}) \
         ORDER BY partnership_id DESC, id DESC LIMIT ${} OFFSET ${}",
        conditions.sql,
        i64::MAX,
        conditions.values.len() + 1,
        conditions.values.len() + 2
    );
    let mut page = sqlx::query(sqlx::AssertSqlSafe(sql));
    for value in &conditions.values {
        page = match value {
            Bound::Text(text) => page.bind(text.clone()),
            Bound::Integer(number) => page.bind(*number),
        };
    }
    let rows = page.bind(limit).bind(offset).fetch_all(&db.pool).await?;
    rows.iter().map(event_from_row).collect()
}

pub async fn find(
    db: &Db,
    partnership_id: super::ids::PartnershipId,
    id: i64,
) -> Result<Option<AuditEvent>, sqlx::Error> {
    let row = sqlx::query("SELECT * FROM audit_events WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(event_from_row).transpose()
}

/// This person's sign-in before the current visit (their second newest), as its entry's id
/// and time, if they have signed in before: what "since your last visit" counts from.
pub async fn previous_sign_in(
    db: &Db,
    partnership_id: super::ids::PartnershipId,
    user: super::ids::UserId,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, occurred_at FROM audit_events WHERE partnership_id = $1 \
         AND actor_user_id = $2 AND action = 'sign_in' ORDER BY id DESC LIMIT 1 OFFSET 1",
    )
    .bind(partnership_id)
    .bind(user)
    .fetch_optional(&db.pool)
    .await
}

/// Changes to the partnership's records made by others after the entry `since` (sign-ins and
/// sign-outs are visits, not changes). Entry ids, not times: several entries share a second.
pub async fn changes_since(
    db: &Db,
    partnership_id: super::ids::PartnershipId,
    since: i64,
    not_by: super::ids::UserId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE partnership_id = $1 AND id > $2 \
         AND (actor_user_id IS NULL OR actor_user_id <> $3) \
         AND action NOT IN ('sign_in', 'sign_out')",
    )
    .bind(partnership_id)
    .bind(since)
    .bind(not_by)
    .fetch_one(&db.pool)
    .await
}

pub async fn entity_types(
    db: &Db,
    partnership_id: super::ids::PartnershipId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT entity_type FROM audit_events WHERE partnership_id = $1 ORDER BY entity_type",
    )
    .bind(partnership_id)
    .fetch_all(&db.pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unseen_hides_whole_kinds_and_single_records() {
        let unseen = Unseen {
            entity_types: vec!["user".into()],
            records: vec![("data_drop".into(), vec![4, 9])],
        };
        assert!(unseen.hides("user", None));
        assert!(unseen.hides("user", Some(1)));
        assert!(unseen.hides("data_drop", Some(9)));
        assert!(!unseen.hides("data_drop", Some(5)));
        assert!(!unseen.hides("data_drop", None));
        assert!(!unseen.hides("indicator", Some(9)));
        assert!(!Unseen::default().hides("user", Some(1)));
    }
}
