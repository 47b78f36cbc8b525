//! The policy tracker's queries. Only this file touches `policies`, `policy_versions` and
//! `policy_documents`. Group names come from the partnership module's public functions.
//! Reads take `impl Store` scoped by `store.partnership()`; writes take `&mut Change` and record
//! their own audit entry.

use std::collections::HashMap;

use time::Date;

use super::model::*;
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{IsoDate, OptionalIsoDate, now_text};
use crate::kernel::ids::{GroupId, PolicyId};
use crate::kernel::text::iso_date;
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// Groups (archived too, so old policies keep their owner's name) by id.
async fn group_names(store: impl Store) -> Result<HashMap<GroupId, String>> {
    Ok(crate::partnership::group_choices(store, true)
        .await?
        .into_iter()
        .collect())
}

/// A `policies` row as stored; the owner's name is added on the way to a [`Policy`].
#[derive(sqlx::FromRow)]
struct PolicyRow {
    id: PolicyId,
    title: String,
    owner_group_id: GroupId,
    #[sqlx(try_from = "String")]
    status: PolicyStatus,
    document_url: String,
    version: String,
    #[sqlx(try_from = "OptionalIsoDate")]
    approved_on: Option<Date>,
    #[sqlx(try_from = "OptionalIsoDate")]
    next_review_on: Option<Date>,
}

impl PolicyRow {
    fn into_policy(self, groups: &HashMap<GroupId, String>) -> Policy {
        Policy {
            id: self.id,
            owner_group: groups
                .get(&self.owner_group_id)
                .cloned()
                .unwrap_or_else(|| "Unknown group".to_owned()),
            details: PolicyDetails {
                title: self.title,
                owner_group_id: self.owner_group_id,
                status: self.status,
                document_url: self.document_url,
            },
            version: self.version,
            approved_on: self.approved_on,
            next_review_on: self.next_review_on,
        }
    }
}

/// Every policy of the partnership in title order.
pub async fn list_policies(mut store: impl Store) -> Result<Vec<Policy>> {
    let groups = group_names(&mut store).await?;
    let rows: Vec<PolicyRow> =
        sqlx::query_as("SELECT * FROM policies WHERE partnership_id = $1 ORDER BY title")
            .bind(store.partnership())
            .fetch_all(store.conn())
            .await?;
    Ok(rows
        .into_iter()
        .map(|row| row.into_policy(&groups))
        .collect())
}

/// One of the partnership's policies; None for another partnership's.
pub async fn find_policy(mut store: impl Store, id: PolicyId) -> Result<Option<Policy>> {
    let row: Option<PolicyRow> =
        sqlx::query_as("SELECT * FROM policies WHERE id = $1 AND partnership_id = $2")
            .bind(id)
            .bind(store.partnership())
            .fetch_optional(store.conn())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let groups = group_names(&mut store).await?;
    Ok(Some(row.into_policy(&groups)))
}

/// Whether another of the partnership's policies has this title (compared without case).
pub async fn title_taken(
    mut store: impl Store,
    title: &str,
    except: Option<PolicyId>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM policies WHERE partnership_id = $1 AND upper(title) = upper($2) AND id <> $3",
    )
    .bind(store.partnership())
    .bind(title)
    .bind(except.unwrap_or(PolicyId::new(0)))
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Tracks a new policy at `version`, approved already if `approval` says so.
pub async fn insert_policy(
    change: &mut Change,
    details: &PolicyDetails,
    version: &str,
    approval: Option<&Approval>,
    recorded_by: &str,
) -> Result<PolicyId> {
    let id: PolicyId = sqlx::query_scalar(
        "INSERT INTO policies (title, owner_group_id, version, status, document_url, created_at, updated_at, \
         partnership_id) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(&details.title)
    .bind(details.owner_group_id)
    .bind(version)
    .bind(details.status.code())
    .bind(&details.document_url)
    .bind(now_text())
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await?;
    if let Some(approval) = approval {
        record_version(change, id, approval, recorded_by, (version, None)).await?;
    }
    change
        .record(AuditEntry::created(
            "policy",
            id,
            format!("Added policy {} (version {version})", details.title),
            &(details, version, approval),
        ))
        .await?;
    Ok(id)
}

/// Changes a policy's details; `policy` is the policy as it was.
pub async fn update_details(
    change: &mut Change,
    policy: &Policy,
    details: &PolicyDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE policies SET title = $1, owner_group_id = $2, status = $3, document_url = $4, updated_at = $5 \
         WHERE id = $6 AND partnership_id = $7",
    )
    .bind(&details.title)
    .bind(details.owner_group_id)
    .bind(details.status.code())
    .bind(&details.document_url)
    .bind(now_text())
    .bind(policy.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "policy",
            policy.id,
            format!("Updated policy {}", details.title),
            &policy.details,
            details,
        ))
        .await?;
    Ok(())
}

/// A new approved version: it becomes the policy's current one and joins the version history,
/// but only over the version it was judged against (`judged`: the policy's version and
/// approval date then), so two approvals at once cannot both record the same new version.
/// Returns false, changing nothing, when the policy had moved on. Part of a recorded write.
async fn record_version(
    change: &mut Change,
    policy: PolicyId,
    approval: &Approval,
    recorded_by: &str,
    judged: (&str, Option<Date>),
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policies SET version = $1, status = 'approved', approved_on = $2, next_review_on = $3, \
         document_url = $4, updated_at = $5 WHERE id = $6 AND partnership_id = $7 AND version = $8 \
         AND COALESCE(approved_on, '') = $9",
    )
    .bind(&approval.version)
    .bind(iso_date(approval.approved_on))
    .bind(iso_date(approval.next_review_on))
    .bind(&approval.document_url)
    .bind(now_text())
    .bind(policy)
    .bind(change.partnership())
    .bind(judged.0)
    .bind(judged.1.map(iso_date).unwrap_or_default())
    .execute(change.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO policy_versions (policy_id, version, approved_on, next_review_on, document_url, note, \
         recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(policy)
    .bind(&approval.version)
    .bind(iso_date(approval.approved_on))
    .bind(iso_date(approval.next_review_on))
    .bind(&approval.document_url)
    .bind(&approval.note)
    .bind(recorded_by)
    .bind(now_text())
    .execute(change.conn())
    .await?;
    Ok(true)
}

/// Approves a new version of `policy` (as the page read it), recording it only over the
/// version it was judged against: false, changing nothing, when the policy had moved on.
pub async fn approve_version(
    change: &mut Change,
    policy: &Policy,
    approval: &Approval,
    recorded_by: &str,
) -> Result<bool> {
    let judged = (policy.version.as_str(), policy.approved_on);
    if !record_version(change, policy.id, approval, recorded_by, judged).await? {
        return Ok(false);
    }
    change
        .record(AuditEntry::updated(
            "policy",
            policy.id,
            format!(
                "Approved version {} of {}",
                approval.version, policy.details.title
            ),
            &serde_json::json!({
                "version": policy.version,
                "status": policy.details.status,
                "approved_on": policy.approved_on.map(iso_date),
                "next_review_on": policy.next_review_on.map(iso_date),
                "document_url": policy.details.document_url,
            }),
            approval,
        ))
        .await?;
    Ok(true)
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: VersionId,
    recorded_by: String,
    version: String,
    #[sqlx(try_from = "IsoDate")]
    approved_on: Date,
    #[sqlx(try_from = "IsoDate")]
    next_review_on: Date,
    document_url: String,
    note: String,
}

/// A policy's approved versions, newest first. The caller found the policy in its partnership.
pub async fn versions(mut store: impl Store, policy: PolicyId) -> Result<Vec<VersionRecord>> {
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT v.* FROM policy_versions v JOIN policies p ON p.id = v.policy_id \
         WHERE v.policy_id = $1 AND p.partnership_id = $2 ORDER BY v.approved_on DESC, v.id DESC",
    )
    .bind(policy)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| VersionRecord {
            id: row.id,
            recorded_by: row.recorded_by,
            approval: Approval {
                version: row.version,
                approved_on: row.approved_on,
                next_review_on: row.next_review_on,
                document_url: row.document_url,
                note: row.note,
            },
        })
        .collect())
}

/// An uploaded copy of a policy's document.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct PolicyDocument {
    pub id: DocumentId,
    pub version: String,
    /// The kernel file store's id (the kernel keeps it a number).
    pub file_id: crate::kernel::files::StoredFileId,
    pub file_name: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

const DOCUMENT_SELECT: &str = "SELECT d.id, d.policy_id, d.version, d.file_id, f.file_name, f.size_bytes, d.uploaded_by, d.uploaded_at \
     FROM policy_documents d JOIN stored_files f ON f.id = d.file_id JOIN policies p ON p.id = d.policy_id";

/// A policy's uploaded documents, newest first.
pub async fn documents(mut store: impl Store, policy: PolicyId) -> Result<Vec<PolicyDocument>> {
    let sql = format!(
        "{DOCUMENT_SELECT} WHERE d.policy_id = $1 AND p.partnership_id = $2 ORDER BY d.id DESC"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(policy)
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

/// An uploaded document of one of the partnership's policies (found through its policy); None
/// for another partnership's.
pub async fn find_document(
    mut store: impl Store,
    id: DocumentId,
) -> Result<Option<PolicyDocument>> {
    let sql = format!("{DOCUMENT_SELECT} WHERE d.id = $1 AND p.partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Files an upload (already checked) in the kernel's file store as the document of `policy`'s
/// current version.
pub async fn insert_document(
    change: &mut Change,
    policy: &Policy,
    upload: &crate::kernel::files::Upload,
    uploaded_by: &str,
) -> Result<DocumentId> {
    let file_id = crate::kernel::files::store(change.transaction(), upload, uploaded_by).await?;
    let id: DocumentId = sqlx::query_scalar(
        "INSERT INTO policy_documents (policy_id, version, file_id, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(policy.id)
    .bind(&policy.version)
    .bind(file_id)
    .bind(uploaded_by)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "policy_document",
            id,
            format!(
                "Uploaded {} for {} version {}",
                upload.file_name, policy.details.title, policy.version
            ),
            &serde_json::json!({
                "policy_id": policy.id,
                "version": policy.version,
                "file": upload.file_name,
                "file_id": file_id,
            }),
        ))
        .await?;
    Ok(id)
}

/// Every approved version of every one of the partnership's policies, oldest approval first:
/// what the reports read a policy's standing on a past day from.
pub async fn all_versions(mut store: impl Store) -> Result<Vec<(PolicyId, Approval)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        policy_id: PolicyId,
        #[sqlx(flatten)]
        version: VersionRow,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT v.* FROM policy_versions v JOIN policies p ON p.id = v.policy_id \
         WHERE p.partnership_id = $1 ORDER BY v.approved_on, v.id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.policy_id,
                Approval {
                    version: row.version.version,
                    approved_on: row.version.approved_on,
                    next_review_on: row.version.next_review_on,
                    document_url: row.version.document_url,
                    note: row.version.note,
                },
            )
        })
        .collect())
}
