//! The policy tracker's queries. Only this file touches `policies` and `policy_versions`. Group
//! names come from the partnership module's public functions.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::*;
use crate::kernel::db::{Db, Transaction, date_column, now_text, optional_date_column};
use crate::kernel::text::iso_date;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// Groups (archived too, so old policies keep their owner's name) by id.
async fn group_names(db: &Db, partnership_id: i64) -> Result<HashMap<i64, String>> {
    Ok(crate::partnership::group_choices(
        crate::kernel::Scope::new(db, crate::kernel::ids::PartnershipId::new(partnership_id)),
        true,
    )
    .await?
    .into_iter()
    .map(|(id, name)| (id.get(), name))
    .collect())
}

fn policy_from_row(row: &AnyRow, groups: &HashMap<i64, String>) -> Result<Policy> {
    let status: String = row.try_get("status")?;
    let owner_group_id: i64 = row.try_get("owner_group_id")?;
    Ok(Policy {
        id: row.try_get("id")?,
        details: PolicyDetails {
            title: row.try_get("title")?,
            owner_group_id,
            status: PolicyStatus::from_code(&status).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown policy status {status:?}").into())
            })?,
            document_url: row.try_get("document_url")?,
        },
        owner_group: groups
            .get(&owner_group_id)
            .cloned()
            .unwrap_or_else(|| "Unknown group".to_owned()),
        version: row.try_get("version")?,
        approved_on: optional_date_column(row, "approved_on")?,
        next_review_on: optional_date_column(row, "next_review_on")?,
    })
}

/// Every policy of the partnership in title order.
pub async fn list_policies(db: &Db, partnership_id: i64) -> Result<Vec<Policy>> {
    let groups = group_names(db, partnership_id).await?;
    let rows = sqlx::query("SELECT * FROM policies WHERE partnership_id = $1 ORDER BY title")
        .bind(partnership_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|row| policy_from_row(row, &groups))
        .collect()
}

/// One of the partnership's policies; None for another partnership's.
pub async fn find_policy(db: &Db, partnership_id: i64, id: i64) -> Result<Option<Policy>> {
    let row = sqlx::query("SELECT * FROM policies WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let groups = group_names(db, partnership_id).await?;
    policy_from_row(&row, &groups).map(Some)
}

/// Whether another of the partnership's policies has this title (compared without case).
pub async fn title_taken(
    db: &Db,
    partnership_id: i64,
    title: &str,
    except: Option<i64>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM policies WHERE partnership_id = $1 AND upper(title) = upper($2) AND id <> $3",
    )
    .bind(partnership_id)
    .bind(title)
    .bind(except.unwrap_or(0))
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

pub async fn insert_policy(
    tx: &mut Transaction,
    partnership_id: i64,
    details: &PolicyDetails,
    version: &str,
    approval: Option<&Approval>,
    recorded_by: &str,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (title, owner_group_id, version, status, document_url, created_at, updated_at, \
         partnership_id) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(&details.title)
    .bind(details.owner_group_id)
    .bind(version)
    .bind(details.status.code())
    .bind(&details.document_url)
    .bind(now_text())
    .bind(partnership_id)
    .fetch_one(&mut **tx)
    .await?;
    if let Some(approval) = approval {
        approve_version(tx, id, approval, recorded_by, (version, None)).await?;
    }
    Ok(id)
}

pub async fn update_details(tx: &mut Transaction, id: i64, details: &PolicyDetails) -> Result<()> {
    sqlx::query(
        "UPDATE policies SET title = $1, owner_group_id = $2, status = $3, document_url = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(&details.title)
    .bind(details.owner_group_id)
    .bind(details.status.code())
    .bind(&details.document_url)
    .bind(now_text())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A new approved version: it becomes the policy's current one and joins the version history.
/// Records an approval, but only over the version it was judged against (`judged`: the
/// policy's version and approval date then), so two approvals at once cannot both record the
/// same new version. Returns false, changing nothing, when the policy had moved on.
pub async fn approve_version(
    tx: &mut Transaction,
    policy_id: i64,
    approval: &Approval,
    recorded_by: &str,
    judged: (&str, Option<time::Date>),
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policies SET version = $1, status = 'approved', approved_on = $2, next_review_on = $3, \
         document_url = $4, updated_at = $5 WHERE id = $6 AND version = $7 AND COALESCE(approved_on, '') = $8",
    )
    .bind(&approval.version)
    .bind(iso_date(approval.approved_on))
    .bind(iso_date(approval.next_review_on))
    .bind(&approval.document_url)
    .bind(now_text())
    .bind(policy_id)
    .bind(judged.0)
    .bind(judged.1.map(iso_date).unwrap_or_default())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO policy_versions (policy_id, version, approved_on, next_review_on, document_url, note, \
         recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(policy_id)
    .bind(&approval.version)
    .bind(iso_date(approval.approved_on))
    .bind(iso_date(approval.next_review_on))
    .bind(&approval.document_url)
    .bind(&approval.note)
    .bind(recorded_by)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// A policy's approved versions, newest first.
pub async fn versions(db: &Db, policy_id: i64) -> Result<Vec<VersionRecord>> {
    let rows = sqlx::query(
        "SELECT * FROM policy_versions WHERE policy_id = $1 ORDER BY approved_on DESC, id DESC",
    )
    .bind(policy_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(VersionRecord {
                id: row.try_get("id")?,
                recorded_by: row.try_get("recorded_by")?,
                approval: Approval {
                    version: row.try_get("version")?,
                    approved_on: date_column(row, "approved_on")?,
                    next_review_on: date_column(row, "next_review_on")?,
                    document_url: row.try_get("document_url")?,
                    note: row.try_get("note")?,
                },
            })
        })
        .collect()
}

/// An uploaded copy of a policy's document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyDocument {
    pub id: i64,
    pub version: String,
    pub file_id: i64,
    pub file_name: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

const DOCUMENT_SELECT: &str = "SELECT d.id, d.policy_id, d.version, d.file_id, f.file_name, f.size_bytes, d.uploaded_by, d.uploaded_at \
     FROM policy_documents d JOIN stored_files f ON f.id = d.file_id";

fn document_from_row(row: &AnyRow) -> Result<PolicyDocument> {
    Ok(PolicyDocument {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        file_id: row.try_get("file_id")?,
        file_name: row.try_get("file_name")?,
        size_bytes: row.try_get("size_bytes")?,
        uploaded_by: row.try_get("uploaded_by")?,
        uploaded_at: row.try_get("uploaded_at")?,
    })
}

/// Newest first.
pub async fn documents(db: &Db, policy_id: i64) -> Result<Vec<PolicyDocument>> {
    let sql = format!("{DOCUMENT_SELECT} WHERE d.policy_id = $1 ORDER BY d.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(policy_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(document_from_row).collect()
}

/// An uploaded document of one of the partnership's policies (found through its policy); None
/// for another partnership's.
pub async fn find_document(
    db: &Db,
    partnership_id: i64,
    id: i64,
) -> Result<Option<PolicyDocument>> {
    let sql = format!(
        "{DOCUMENT_SELECT} JOIN policies p ON p.id = d.policy_id WHERE d.id = $1 AND p.partnership_id = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(document_from_row).transpose()
}

pub async fn insert_document(
    tx: &mut Transaction,
    policy_id: i64,
    version: &str,
    file_id: i64,
    uploaded_by: &str,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO policy_documents (policy_id, version, file_id, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(policy_id)
    .bind(version)
    .bind(file_id)
    .bind(uploaded_by)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}
