//! The returns dashboard's queries: one page of a round's returns, by organisation name, with
//! what the page shows of each (graded questions answered, the setting its organisation is
//! audited as, its last chaser and latest extension). A national round is tens of thousands of
//! returns: only the page's are read; the round's counts come from `store::return_tallies`
//! through the analysis's cache. Only this file, `store.rs` and the other `*_store.rs` files
//! touch the `assurance_*` tables.

use std::collections::HashMap;

use super::model::{ReturnId, RoundId};
use super::store::{AuditReturn, Extension, LastChaser, RETURN_FIELDS, RETURN_TABLES};
use crate::kernel::Store;
use crate::kernel::ids::OrganisationId;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// A return on the dashboard, with the setting its organisation is audited as (none: not set).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedReturn {
    #[sqlx(flatten)]
    pub audit_return: AuditReturn,
    pub setting: Option<String>,
}

/// "AND the return is this organisation's" (bound as $3), for someone who acts for one; and
/// the number of the next parameter after it.
fn organisation_filter(column: &str, organisation: Option<OrganisationId>) -> (String, usize) {
    match organisation {
        Some(_) => (format!(" AND {column}.organisation_id = $3"), 4),
        None => (String::new(), 3),
    }
}

/// How many of a round's returns are listed: every one, or the one organisation's.
pub async fn returns_listed(
    mut store: impl Store,
    round: RoundId,
    organisation: Option<OrganisationId>,
) -> Result<i64> {
    let (only, _) = organisation_filter("r", organisation);
    let sql = format!(
        "SELECT COUNT(*) FROM assurance_returns r WHERE r.round_id = $1 AND r.partnership_id = $2{only}"
    );
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(round)
        .bind(store.partnership());
    if let Some(organisation) = organisation {
        query = query.bind(organisation);
    }
    query.fetch_one(store.conn()).await
}

/// How many listed returns come before this one in the dashboard's order (organisation name,
/// then id): its place, from 0, to find its page.
pub async fn returns_before(
    mut store: impl Store,
    audit_return: &AuditReturn,
    organisation: Option<OrganisationId>,
) -> Result<i64> {
    let (only, name) = organisation_filter("r", organisation);
    let id = name + 1;
    let sql = format!(
        "SELECT COUNT(*) FROM assurance_returns r JOIN organisations o ON o.id = r.organisation_id \
         WHERE r.round_id = $1 AND r.partnership_id = $2{only} \
         AND (o.name < ${name} OR (o.name = ${name} AND r.id < ${id}))"
    );
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(audit_return.round_id)
        .bind(store.partnership());
    if let Some(organisation) = organisation {
        query = query.bind(organisation);
    }
    query
        .bind(&audit_return.organisation_name)
        .bind(audit_return.id)
        .fetch_one(store.conn())
        .await
}

/// One page of a round's returns by organisation name: `limit` of them after the first
/// `offset`. The page is chosen first (by the round's index and the organisations' names);
/// the count of each return's graded answers is then made for the page's returns alone.
pub async fn returns_page(
    mut store: impl Store,
    round: RoundId,
    organisation: Option<OrganisationId>,
    limit: usize,
    offset: usize,
) -> Result<Vec<ListedReturn>> {
    let (only, limit_at) = organisation_filter("p", organisation);
    let offset_at = limit_at + 1;
    let sql = format!(
        "SELECT {RETURN_FIELDS}, st.setting {RETURN_TABLES} \
         JOIN (SELECT p.id FROM assurance_returns p JOIN organisations po ON po.id = p.organisation_id \
               WHERE p.round_id = $1 AND p.partnership_id = $2{only} \
               ORDER BY po.name, p.id LIMIT ${limit_at} OFFSET ${offset_at}) page ON page.id = r.id \
         LEFT JOIN assurance_settings st ON st.organisation_id = r.organisation_id \
         AND st.partnership_id = r.partnership_id \
         WHERE r.partnership_id = $2 ORDER BY o.name, r.id"
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(round)
        .bind(store.partnership());
    if let Some(organisation) = organisation {
        query = query.bind(organisation);
    }
    query
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(store.conn())
        .await
}

/// "$2, $3, …": a placeholder for each of the page's returns, after the partnership's $1.
fn placeholders(count: usize) -> String {
    (2..count + 2)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last chaser sent about each of these returns that has had one.
pub async fn last_chasers_of(
    mut store: impl Store,
    returns: &[ReturnId],
) -> Result<HashMap<ReturnId, LastChaser>> {
    if returns.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT c.return_id, c.kind, c.sent_on, c.recipients, c.sent_by_name FROM assurance_chasers c \
         WHERE c.partnership_id = $1 AND c.return_id IN ({}) ORDER BY c.id",
        placeholders(returns.len())
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(store.partnership());
    for id in returns {
        query = query.bind(*id);
    }
    let rows: Vec<LastChaser> = query.fetch_all(store.conn()).await?;
    // In the order sent: the last one kept is the last sent.
    Ok(rows.into_iter().map(|row| (row.return_id, row)).collect())
}

/// Of these returns, those that follow another partnership's (one return for several
/// partnerships, `shared.rs`), with the name of the partnership where each is answered.
pub async fn answered_elsewhere(
    mut store: impl Store,
    returns: &[ReturnId],
) -> Result<HashMap<ReturnId, String>> {
    if returns.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT s.return_id, p.name FROM assurance_return_shares s \
         JOIN partnerships p ON p.id = s.answered_by_partnership_id \
         WHERE s.partnership_id = $1 AND s.return_id IN ({})",
        placeholders(returns.len())
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(store.partnership());
    for id in returns {
        query = query.bind(*id);
    }
    let rows: Vec<(ReturnId, String)> = query.fetch_all(store.conn()).await?;
    Ok(rows.into_iter().collect())
}

/// The latest extension of each of these returns that has had one.
pub async fn latest_extensions_of(
    mut store: impl Store,
    returns: &[ReturnId],
) -> Result<HashMap<ReturnId, Extension>> {
    if returns.is_empty() {
        return Ok(HashMap::new());
    }
    // Found from the page's returns, each checked to be the partnership's by its id: joined to
    // every return instead, SQLite starts from the partnership's returns, all rounds of them.
    let sql = format!(
        "SELECT e.return_id, e.due_on, e.reason, e.granted_by_name, e.granted_at \
         FROM assurance_extensions e WHERE e.return_id IN ({}) AND EXISTS ( \
         SELECT 1 FROM assurance_returns r WHERE r.id = e.return_id AND r.partnership_id = $1) \
         ORDER BY e.id",
        placeholders(returns.len())
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(store.partnership());
    for id in returns {
        query = query.bind(*id);
    }
    let rows: Vec<Extension> = query.fetch_all(store.conn()).await?;
    Ok(rows.into_iter().map(|row| (row.return_id, row)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_return_of_the_page_has_its_placeholder_after_the_partnership() {
        assert_eq!(placeholders(1), "$2");
        assert_eq!(placeholders(3), "$2, $3, $4");
    }
}
