//! The reports' queries. Only this file touches `report_versions`, `report_narratives` and
//! `report_comments`. Reads take `impl Store` scoped by `store.partnership()`; writes take
//! `&mut Change` and record their own audit entry. A version once approved is never changed:
//! every write to a version names `status = 'draft'`, and one that finds none changes nothing.

use serde::Serialize;

use super::generate::GeneratedReport;
use crate::kernel::audit::{AuditAction, AuditEntry};
use crate::kernel::db::now_text;
use crate::kernel::files::StoredFileId;
use crate::kernel::ids::UserId;
use crate::kernel::report::{ReportKind, ReportPeriod};
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

crate::typed_id!(
    /// A generated version of a report.
    ReportVersionId
);

/// A version's state: a draft may be commented on and approved; an approved version is frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Approved,
}

impl VersionStatus {
    pub fn code(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Approved => "approved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VersionStatus::Draft => "Draft",
            VersionStatus::Approved => "Approved",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            VersionStatus::Draft => "govuk-tag--yellow",
            VersionStatus::Approved => "govuk-tag--green",
        }
    }

    fn from_code(code: &str) -> VersionStatus {
        if code == "approved" {
            VersionStatus::Approved
        } else {
            VersionStatus::Draft
        }
    }
}

/// A version as listed: everything but its document.
#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    pub id: ReportVersionId,
    pub kind: ReportKind,
    pub period: ReportPeriod,
    pub number: i64,
    pub status: VersionStatus,
    pub failed_checks: i64,
    pub generated_by: UserId,
    pub generated_by_name: String,
    pub generated_at: String,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<String>,
    pub pdf_file_id: Option<StoredFileId>,
    pub pdf_sha256: Option<String>,
}

impl VersionSummary {
    pub fn is_draft(&self) -> bool {
        self.status == VersionStatus::Draft
    }

    /// "Yearly report 2024/25, version 2".
    pub fn title(&self) -> String {
        format!(
            "{} {}, version {}",
            kind_title(self.kind),
            self.period.label(),
            self.number
        )
    }
}

pub fn kind_title(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Yearly => "Yearly report",
        ReportKind::Quarterly => "Quarterly board report",
    }
}

/// A version with its frozen document.
#[derive(Debug, Clone)]
pub struct ReportVersion {
    pub summary: VersionSummary,
    pub document: GeneratedReport,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    kind: String,
    period: String,
    number: i64,
    status: String,
    failed_checks: i64,
    generated_by: i64,
    generated_by_name: String,
    generated_at: String,
    approved_by_name: Option<String>,
    approved_at: Option<String>,
    pdf_file_id: Option<i64>,
    pdf_sha256: Option<String>,
}

impl VersionRow {
    fn into_summary(self) -> Option<VersionSummary> {
        Some(VersionSummary {
            id: ReportVersionId::new(self.id),
            kind: ReportKind::from_code(&self.kind)?,
            period: ReportPeriod::parse(&self.period)?,
            number: self.number,
            status: VersionStatus::from_code(&self.status),
            failed_checks: self.failed_checks,
            generated_by: UserId::new(self.generated_by),
            generated_by_name: self.generated_by_name,
            generated_at: self.generated_at,
            approved_by_name: self.approved_by_name,
            approved_at: self.approved_at,
            pdf_file_id: self.pdf_file_id.map(StoredFileId::new),
            pdf_sha256: self.pdf_sha256,
        })
    }
}

macro_rules! summary_columns {
    () => {
        "id, kind, period, number, status, failed_checks, generated_by, generated_by_name, \
         generated_at, approved_by_name, approved_at, pdf_file_id, pdf_sha256"
    };
}

/// Every version of the partnership's reports: newest period first, then newest version.
pub async fn list_versions(mut store: impl Store) -> Result<Vec<VersionSummary>> {
    let rows: Vec<VersionRow> = sqlx::query_as(concat!(
        "SELECT ",
        summary_columns!(),
        " FROM report_versions WHERE partnership_id = $1 \
         ORDER BY kind DESC, period DESC, number DESC"
    ))
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(VersionRow::into_summary)
        .collect())
}

/// One of the partnership's versions with its document; None for another partnership's.
pub async fn find_version(
    mut store: impl Store,
    id: ReportVersionId,
) -> Result<Option<ReportVersion>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT document FROM report_versions WHERE id = $1 AND partnership_id = $2",
    )
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await?;
    let Some((document,)) = row else {
        return Ok(None);
    };
    let summary: Option<VersionRow> = sqlx::query_as(concat!(
        "SELECT ",
        summary_columns!(),
        " FROM report_versions WHERE id = $1 AND partnership_id = $2"
    ))
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await?;
    let Some(summary) = summary.and_then(VersionRow::into_summary) else {
        return Ok(None);
    };
    let document: GeneratedReport =
        serde_json::from_str(&document).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
    Ok(Some(ReportVersion { summary, document }))
}

/// The newest version of the report of `kind` for `period`, if any was generated.
pub async fn latest_version(
    mut store: impl Store,
    period: ReportPeriod,
) -> Result<Option<ReportVersion>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM report_versions WHERE partnership_id = $1 AND kind = $2 AND period = $3 \
         ORDER BY number DESC LIMIT 1",
    )
    .bind(store.partnership())
    .bind(period.kind().code())
    .bind(period.code())
    .fetch_optional(store.conn())
    .await?;
    match id {
        Some(id) => find_version(store, ReportVersionId::new(id)).await,
        None => Ok(None),
    }
}

/// Keeps a generated report as the next draft version of its kind and period.
pub async fn insert_version(
    change: &mut Change,
    report: &GeneratedReport,
    generated_by: UserId,
) -> Result<ReportVersionId> {
    let partnership = change.partnership();
    let number: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM report_versions WHERE partnership_id = $1 \
         AND kind = $2 AND period = $3",
    )
    .bind(partnership)
    .bind(report.kind.code())
    .bind(report.period.code())
    .fetch_one(change.conn())
    .await?;
    let document =
        serde_json::to_string(report).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    let failed = report.failed_checks().len() as i64;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO report_versions (partnership_id, kind, period, number, status, document, \
         failed_checks, generated_by, generated_by_name, generated_at) \
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(partnership)
    .bind(report.kind.code())
    .bind(report.period.code())
    .bind(number)
    .bind(document)
    .bind(failed)
    .bind(generated_by)
    .bind(&report.generated_by)
    .bind(&report.generated_at)
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "report version",
            id,
            format!(
                "Generated {} {}, version {number} ({failed} failed checks)",
                kind_title(report.kind),
                report.period.label()
            ),
            &serde_json::json!({
                "kind": report.kind.code(),
                "period": report.period.code(),
                "number": number,
                "failed_checks": failed,
                "figures": report.figures.len(),
            }),
        ))
        .await?;
    Ok(ReportVersionId::new(id))
}

/// The approval of a draft, with the PDF kept for it (if one could be rendered).
pub struct Approval<'a> {
    pub by: UserId,
    pub by_name: &'a str,
    pub at: &'a str,
    pub pdf: Option<(StoredFileId, String)>,
}

/// Approves a draft: it is frozen from now on. Returns false, changing nothing, when the
/// version is not (or no longer) a draft of this partnership.
pub async fn approve_version(
    change: &mut Change,
    version: &VersionSummary,
    approval: &Approval<'_>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE report_versions SET status = 'approved', approved_by = $1, approved_by_name = $2, \
         approved_at = $3, pdf_file_id = $4, pdf_sha256 = $5 \
         WHERE id = $6 AND partnership_id = $7 AND status = 'draft'",
    )
    .bind(approval.by)
    .bind(approval.by_name)
    .bind(approval.at)
    .bind(approval.pdf.as_ref().map(|(id, _)| *id))
    .bind(approval.pdf.as_ref().map(|(_, sha)| sha.clone()))
    .bind(version.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?
    .rows_affected()
        == 1;
    if done {
        change
            .record(
                AuditEntry::new(
                    AuditAction::Update,
                    "report version",
                    version.id,
                    format!("Approved {}", version.title()),
                )
                .before(&serde_json::json!({"status": "draft"}))
                .after(&serde_json::json!({
                    "status": "approved",
                    "approved_by": approval.by_name,
                    "approved_at": approval.at,
                    "pdf_sha256": approval.pdf.as_ref().map(|(_, sha)| sha),
                })),
            )
            .await?;
    }
    Ok(done)
}

/// Replaces a draft's document (never an approved version's). Returns false, changing
/// nothing, when the version is approved: the store's refusal the freeze rests on.
pub async fn replace_draft_document(
    change: &mut Change,
    version: &VersionSummary,
    report: &GeneratedReport,
) -> Result<bool> {
    let document =
        serde_json::to_string(report).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    let done = sqlx::query(
        "UPDATE report_versions SET document = $1, failed_checks = $2 \
         WHERE id = $3 AND partnership_id = $4 AND status = 'draft'",
    )
    .bind(document)
    .bind(report.failed_checks().len() as i64)
    .bind(version.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?
    .rows_affected()
        == 1;
    if done {
        change
            .record(AuditEntry::new(
                AuditAction::Update,
                "report version",
                version.id,
                format!("Regenerated {}", version.title()),
            ))
            .await?;
    }
    Ok(done)
}

// ---- narrative ----

/// The narrative parts a writer keeps for a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NarrativePart {
    Foreword,
    Achievements,
    WhatNext,
}

impl NarrativePart {
    pub const ALL: [NarrativePart; 3] = [
        NarrativePart::Foreword,
        NarrativePart::Achievements,
        NarrativePart::WhatNext,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NarrativePart::Foreword => "foreword",
            NarrativePart::Achievements => "achievements",
            NarrativePart::WhatNext => "what_next",
        }
    }

    pub fn from_code(code: &str) -> Option<NarrativePart> {
        NarrativePart::ALL
            .into_iter()
            .find(|part| part.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            NarrativePart::Foreword => "Foreword",
            NarrativePart::Achievements => "Achievements and challenges",
            NarrativePart::WhatNext => "Next year's priorities",
        }
    }
}

/// One saved version of a narrative part.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Narrative {
    pub id: i64,
    pub text: String,
    pub written_by_name: String,
    pub written_at: String,
}

/// Every saved version of a part, newest first.
pub async fn narrative_history(
    mut store: impl Store,
    period: ReportPeriod,
    part: NarrativePart,
) -> Result<Vec<Narrative>> {
    sqlx::query_as(
        "SELECT id, text, written_by_name, written_at FROM report_narratives \
         WHERE partnership_id = $1 AND kind = $2 AND period = $3 AND part = $4 ORDER BY id DESC",
    )
    .bind(store.partnership())
    .bind(period.kind().code())
    .bind(period.code())
    .bind(part.code())
    .fetch_all(store.conn())
    .await
}

/// The part's current text: its newest saved version.
pub async fn latest_narrative(
    mut store: impl Store,
    period: ReportPeriod,
    part: NarrativePart,
) -> Result<Option<Narrative>> {
    sqlx::query_as(
        "SELECT id, text, written_by_name, written_at FROM report_narratives \
         WHERE partnership_id = $1 AND kind = $2 AND period = $3 AND part = $4 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(store.partnership())
    .bind(period.kind().code())
    .bind(period.code())
    .bind(part.code())
    .fetch_optional(store.conn())
    .await
}

/// Saves a new version of a narrative part (earlier versions are kept).
pub async fn insert_narrative(
    change: &mut Change,
    period: ReportPeriod,
    part: NarrativePart,
    text: &str,
    written_by: UserId,
    written_by_name: &str,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO report_narratives (partnership_id, kind, period, part, text, written_by, \
         written_by_name, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(change.partnership())
    .bind(period.kind().code())
    .bind(period.code())
    .bind(part.code())
    .bind(text)
    .bind(written_by)
    .bind(written_by_name)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "report narrative",
            id,
            format!(
                "Wrote the {} of the {} {}",
                part.label().to_lowercase(),
                kind_title(period.kind()).to_lowercase(),
                period.label()
            ),
            &serde_json::json!({"part": part.code(), "period": period.code(), "text": text}),
        ))
        .await?;
    Ok(id)
}

// ---- comments ----

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Comment {
    pub id: i64,
    pub author_name: String,
    pub body: String,
    pub at: String,
}

/// A version's comments, oldest first.
pub async fn comments(mut store: impl Store, version: ReportVersionId) -> Result<Vec<Comment>> {
    sqlx::query_as(
        "SELECT id, author_name, body, at FROM report_comments \
         WHERE partnership_id = $1 AND version_id = $2 ORDER BY id",
    )
    .bind(store.partnership())
    .bind(version)
    .fetch_all(store.conn())
    .await
}

/// Comments on a draft. Returns None, changing nothing, when the version is not a draft of
/// this partnership (an approved version takes no more comments).
pub async fn insert_comment(
    change: &mut Change,
    version: &VersionSummary,
    body: &str,
    author: UserId,
    author_name: &str,
) -> Result<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO report_comments (partnership_id, version_id, author, author_name, body, at) \
         SELECT $1, id, $2, $3, $4, $5 FROM report_versions \
         WHERE id = $6 AND partnership_id = $1 AND status = 'draft' RETURNING id",
    )
    .bind(change.partnership())
    .bind(author)
    .bind(author_name)
    .bind(body)
    .bind(now_text())
    .bind(version.id)
    .fetch_optional(change.conn())
    .await?;
    if let Some(id) = id {
        change
            .record(AuditEntry::created(
                "report comment",
                id,
                format!("Commented on {}", version.title()),
                &serde_json::json!({"version": version.id, "body": body}),
            ))
            .await?;
    }
    Ok(id)
}

/// How many comments each draft has had from someone other than the one who generated it.
pub async fn comment_counts(mut store: impl Store) -> Result<Vec<(ReportVersionId, i64)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT c.version_id, COUNT(*) FROM report_comments c JOIN report_versions v \
         ON v.id = c.version_id WHERE c.partnership_id = $1 AND v.partnership_id = $1 \
         AND v.status = 'draft' AND c.author <> v.generated_by GROUP BY c.version_id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, count)| (ReportVersionId::new(id), count))
        .collect())
}

/// Whether `user` has commented on the version.
pub async fn has_commented(
    mut store: impl Store,
    version: ReportVersionId,
    user: UserId,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_comments WHERE partnership_id = $1 AND version_id = $2 \
         AND author = $3",
    )
    .bind(store.partnership())
    .bind(version)
    .bind(user)
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}
