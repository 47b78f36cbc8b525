//! Partner API tokens: credentials, so the kernel owns the `api_tokens` table (as it owns
//! sessions). The dataset module issues and uses them; the partnership and accounts modules
//! revoke them when an organisation or a person leaves; the business unit lists and revokes any
//! of its partnership's. Only a keyed hash of a token is stored.
//!
//! The business unit's reads take a [`Store`] (`tokens_of_partnership(scope)`) and its
//! revocations a [`Change`], recording one entry a token. The functions the dataset and
//! partnership modules call still take the pool or their transaction until those modules move to
//! `Change` (then `revoke_tokens_of_organisation` should record inside, like the others here).

use serde::Serialize;
use sqlx::Row;

use super::audit::{AuditAction, AuditEntry};
use super::auth::{self, UserRecord};
use super::db::{Db, Transaction, now_text};
use super::ids::OrganisationId;
use super::roles::Role;
use super::store::{Change, Store};

type StoreResult<T> = std::result::Result<T, sqlx::Error>;

crate::typed_id!(
    /// A partner API token.
    ApiTokenId
);

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub organisation_id: OrganisationId,
    pub label: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A token as the business unit sees it: with its organisation and who created it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PartnershipToken {
    #[sqlx(flatten)]
    pub token: ApiToken,
    pub organisation_name: String,
    pub created_by: Option<String>,
}

/// How long a token's last use may be out of date: its use is written at most this often.
const LAST_USE_SECONDS: i64 = 60;

pub async fn insert_token(
    tx: &mut Transaction,
    organisation_id: i64,
    label: &str,
    token_hash: &str,
    user_id: i64,
) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (organisation_id, label, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(organisation_id)
    .bind(label)
    .bind(token_hash)
    .bind(user_id)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

pub async fn tokens_of(db: &Db, organisation_id: i64) -> StoreResult<Vec<ApiToken>> {
    sqlx::query_as("SELECT id, organisation_id, label, created_at, last_used_at, revoked_at FROM api_tokens WHERE organisation_id = $1 ORDER BY id DESC")
        .bind(organisation_id)
        .fetch_all(&db.pool)
        .await
}

/// Every token of the partnership's organisations, live ones first, newest first.
pub async fn tokens_of_partnership(mut store: impl Store) -> StoreResult<Vec<PartnershipToken>> {
    sqlx::query_as(
        "SELECT t.id, t.organisation_id, t.label, t.created_at, t.last_used_at, t.revoked_at, \
         o.name AS organisation_name, u.display_name AS created_by \
         FROM api_tokens t JOIN organisations o ON o.id = t.organisation_id \
         LEFT JOIN users u ON u.id = t.created_by \
         WHERE o.partnership_id = $1 \
         ORDER BY CASE WHEN t.revoked_at IS NULL THEN 0 ELSE 1 END, t.id DESC",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// The organisation a live token acts for, and that organisation's partnership; records its use
/// (at most once a minute). A token of an archived organisation acts for no one, even if its
/// revocation were somehow missed.
pub async fn organisation_for_token(db: &Db, token_hash: &str) -> StoreResult<Option<(i64, i64)>> {
    let row = sqlx::query(
        "SELECT t.organisation_id, o.partnership_id, t.last_used_at FROM api_tokens t \
         JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND o.archived_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let last_used_at: Option<String> = row.try_get("last_used_at")?;
    let now = time::OffsetDateTime::now_utc();
    let stale = super::db::timestamp_text(now - time::Duration::seconds(LAST_USE_SECONDS));
    if last_used_at.is_none_or(|used| used <= stale) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(super::db::timestamp_text(now))
            .bind(token_hash)
            .execute(&db.pool)
            .await?;
    }
    Ok(Some((
        row.try_get("organisation_id")?,
        row.try_get("partnership_id")?,
    )))
}

/// Revokes one live token of the organisation (its own data lead, from its tokens page).
pub async fn revoke_token(
    tx: &mut Transaction,
    organisation_id: i64,
    token_id: i64,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND organisation_id = $3 AND revoked_at IS NULL")
        .bind(now_text())
        .bind(token_id)
        .bind(organisation_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// Revokes a live token of the change's partnership (the business unit, from its list) and
/// records it; another partnership's, or one already revoked, is not found.
pub async fn revoke_partnership_token(
    change: &mut Change,
    id: ApiTokenId,
) -> StoreResult<Option<ApiToken>> {
    let sql = format!(
        "SELECT t.id, t.organisation_id, t.label, t.created_at, t.last_used_at, t.revoked_at \
         FROM api_tokens t JOIN organisations o ON o.id = t.organisation_id \
         WHERE t.id = $1 AND o.partnership_id = $2 AND t.revoked_at IS NULL{}",
        change.for_update()
    );
    let partnership = change.partnership();
    let token: Option<ApiToken> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(partnership)
        .fetch_optional(change.conn())
        .await?;
    let Some(token) = token else { return Ok(None) };
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now_text())
        .bind(token.id)
        .execute(change.conn())
        .await?;
    record_revoked(
        change,
        &[(token.id.get(), token.label.clone())],
        "by the business unit",
    )
    .await?;
    Ok(Some(token))
}

/// Revokes the tokens that stop when a person leaves or stops being a data lead, and records
/// each: those they created, and every token of their organisation if no other live data lead
/// is left there to answer for them. `reason` ends each entry's sentence.
pub async fn revoke_tokens_of_leaver(
    change: &mut Change,
    user: &UserRecord,
    reason: &str,
) -> StoreResult<()> {
    let mut revoked = revoke_where(change.conn(), "created_by = $2", user.id.get()).await?;
    if let Some(organisation) = user.organisation_id
        && user.roles.contains(&Role::PartnerDataLead)
        && auth::other_live_data_leads(&mut *change, organisation, user.id).await? == 0
    {
        revoked
            .extend(revoke_where(change.conn(), "organisation_id = $2", organisation.get()).await?);
    }
    record_revoked(change, &revoked, reason).await
}

/// One entry a revoked token, in the change that revoked them.
async fn record_revoked(
    change: &mut Change,
    revoked: &[(i64, String)],
    reason: &str,
) -> StoreResult<()> {
    for (id, label) in revoked {
        change.record(revocation_entry(*id, label, reason)).await?;
    }
    Ok(())
}

fn revocation_entry(id: i64, label: &str, reason: &str) -> AuditEntry<'static> {
    AuditEntry::new(
        AuditAction::Archive,
        "api_token",
        id,
        format!("Revoked API token “{label}” {reason}"),
    )
}

/// What `revoke_where` revoked: (id, label) of each token, for the audit trail.
pub type Revoked = Vec<(i64, String)>;

async fn revoke_where<'c>(
    conn: impl sqlx::Executor<'c, Database = sqlx::Any>,
    condition: &str,
    id: i64,
) -> StoreResult<Revoked> {
    let sql = format!(
        "UPDATE api_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND {condition} \
         RETURNING id, label"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now_text())
        .bind(id)
        .fetch_all(conn)
        .await?;
    let mut revoked = rows
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("label")?)))
        .collect::<StoreResult<Revoked>>()?;
    revoked.sort();
    Ok(revoked)
}

/// Revokes every live token of an organisation (it is being archived) and records each;
/// `reason` ends each entry's sentence ("as … was archived").
pub async fn revoke_tokens_of_organisation(
    change: &mut Change,
    organisation: OrganisationId,
    reason: &str,
) -> StoreResult<()> {
    let revoked = revoke_where(change.conn(), "organisation_id = $2", organisation.get()).await?;
    record_revoked(change, &revoked, reason).await
}
