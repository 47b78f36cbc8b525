//! The case-file audits' queries. Only this file (and `work.rs`, for home pages) touches the
//! `case_audit*` tables. Reads take `impl Store` kept to `store.partnership()`; writes take
//! `&mut Change` and record their own audit entry.

use serde::Serialize;
use time::Date;

use super::model::*;
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{IsoDate, now_text};
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::iso_date;
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

// ---- audits ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseAudit {
    pub id: CaseAuditId,
    pub title: String,
    pub theme: String,
    #[sqlx(try_from = "IsoDate")]
    pub held_on: Date,
    pub lead: String,
    pub grade_scale: String,
    pub previous_audit_id: Option<CaseAuditId>,
    pub created_by_name: String,
    pub cases: i64,
    pub findings: i64,
    /// The re-audit that followed this one, if any.
    pub reaudit_id: Option<CaseAuditId>,
}

impl CaseAudit {
    /// When it was held, as the seed names it: "July 2024".
    pub fn month(&self) -> String {
        format!("{} {}", self.held_on.month(), self.held_on.year())
    }

    pub fn page(&self) -> String {
        format!("/assurance/case-audits/{}", self.id)
    }
}

const AUDIT_SELECT: &str = "SELECT a.id, a.title, a.theme, a.held_on, a.lead, a.grade_scale, a.previous_audit_id, \
     a.created_by_name, \
     (SELECT COUNT(*) FROM case_audit_cases c WHERE c.audit_id = a.id) AS cases, \
     (SELECT COUNT(*) FROM case_audit_findings f WHERE f.audit_id = a.id) AS findings, \
     (SELECT MIN(r.id) FROM case_audits r WHERE r.previous_audit_id = a.id) AS reaudit_id \
     FROM case_audits a";

/// Every case-file audit of the partnership, latest first.
pub async fn list_audits(mut store: impl Store) -> Result<Vec<CaseAudit>> {
    let sql =
        format!("{AUDIT_SELECT} WHERE a.partnership_id = $1 ORDER BY a.held_on DESC, a.id DESC");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

/// The audits held between two dates (inclusive), in date order: for the yearly report.
pub async fn audits_held(mut store: impl Store, from: Date, to: Date) -> Result<Vec<CaseAudit>> {
    let sql = format!(
        "{AUDIT_SELECT} WHERE a.partnership_id = $1 AND a.held_on >= $2 AND a.held_on <= $3 \
         ORDER BY a.held_on, a.id"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(store.partnership())
        .bind(iso_date(from))
        .bind(iso_date(to))
        .fetch_all(store.conn())
        .await
}

/// One of the partnership's audits; None for another partnership's.
pub async fn find_audit(mut store: impl Store, id: CaseAuditId) -> Result<Option<CaseAudit>> {
    let sql = format!("{AUDIT_SELECT} WHERE a.id = $1 AND a.partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// The partnership has an audit with this title (a double submit, or two audits that could not
/// be told apart).
pub async fn title_taken(mut store: impl Store, title: &str) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_audits WHERE partnership_id = $1 AND lower(title) = lower($2)",
    )
    .bind(store.partnership())
    .bind(title)
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// The organisations taking part in an audit.
pub async fn agencies_of(mut store: impl Store, audit: CaseAuditId) -> Result<Vec<OrganisationId>> {
    sqlx::query_scalar(
        "SELECT organisation_id FROM case_audit_agencies WHERE audit_id = $1 AND partnership_id = $2 \
         ORDER BY id",
    )
    .bind(audit)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

async fn insert_audit(
    change: &mut Change,
    details: &AuditDetails,
    previous: Option<CaseAuditId>,
    by: &str,
) -> Result<CaseAuditId> {
    let id: CaseAuditId = sqlx::query_scalar(
        "INSERT INTO case_audits (partnership_id, title, theme, held_on, lead, grade_scale, \
         previous_audit_id, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING id",
    )
    .bind(change.partnership())
    .bind(&details.title)
    .bind(&details.theme)
    .bind(iso_date(details.held_on))
    .bind(&details.lead)
    .bind(GRADE_SCALE)
    .bind(previous)
    .bind(by)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    for agency in &details.agencies {
        sqlx::query(
            "INSERT INTO case_audit_agencies (partnership_id, audit_id, organisation_id) VALUES ($1, $2, $3)",
        )
        .bind(change.partnership())
        .bind(id)
        .bind(agency)
        .execute(change.conn())
        .await?;
    }
    Ok(id)
}

/// Records a new audit with its participating agencies.
pub async fn add_audit(
    change: &mut Change,
    details: &AuditDetails,
    by: &str,
) -> Result<CaseAuditId> {
    let id = insert_audit(change, details, None, by).await?;
    change
        .record(AuditEntry::created(
            "case_file_audit",
            id,
            format!("Set up the multi-agency case-file audit {}", details.title),
            details,
        ))
        .await?;
    Ok(id)
}

/// Starts a re-audit of `earlier`: a new audit linked to it, with its agencies, its questions
/// and its cases (each copy naming what it was copied from), and no answers yet.
pub async fn start_reaudit(
    change: &mut Change,
    earlier: &CaseAudit,
    title: &str,
    held_on: Date,
    by: &str,
) -> Result<CaseAuditId> {
    let details = AuditDetails {
        title: title.to_owned(),
        theme: earlier.theme.clone(),
        lead: earlier.lead.clone(),
        held_on,
        agencies: agencies_of(&mut *change, earlier.id).await?,
    };
    let id = insert_audit(change, &details, Some(earlier.id), by).await?;
    sqlx::query(
        "INSERT INTO case_audit_questions (partnership_id, audit_id, position, text, guidance, copied_from_id) \
         SELECT partnership_id, $1, position, text, guidance, id FROM case_audit_questions \
         WHERE audit_id = $2 AND partnership_id = $3",
    )
    .bind(id)
    .bind(earlier.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    sqlx::query(
        "INSERT INTO case_audit_cases (partnership_id, audit_id, pseudonym, context, copied_from_id, created_at) \
         SELECT partnership_id, $1, pseudonym, context, id, $2 FROM case_audit_cases \
         WHERE audit_id = $3 AND partnership_id = $4",
    )
    .bind(id)
    .bind(now_text())
    .bind(earlier.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "case_file_audit",
            id,
            format!(
                "Started {title}, a re-audit of the multi-agency case-file audit {}",
                earlier.title
            ),
            &details,
        ))
        .await?;
    Ok(id)
}

// ---- questions ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseQuestion {
    pub id: CaseQuestionId,
    pub audit_id: CaseAuditId,
    pub position: i64,
    pub text: String,
    pub guidance: String,
    pub copied_from_id: Option<CaseQuestionId>,
}

pub async fn questions_of(mut store: impl Store, audit: CaseAuditId) -> Result<Vec<CaseQuestion>> {
    sqlx::query_as(
        "SELECT id, audit_id, position, text, guidance, copied_from_id FROM case_audit_questions \
         WHERE audit_id = $1 AND partnership_id = $2 ORDER BY position",
    )
    .bind(audit)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

pub async fn find_question(
    mut store: impl Store,
    id: CaseQuestionId,
) -> Result<Option<CaseQuestion>> {
    sqlx::query_as(
        "SELECT id, audit_id, position, text, guidance, copied_from_id FROM case_audit_questions \
         WHERE id = $1 AND partnership_id = $2",
    )
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

/// How many answers the audit holds: its questions are fixed once there is one.
pub async fn answer_count(mut store: impl Store, audit: CaseAuditId) -> Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_audit_answers a JOIN case_audit_cases c ON c.id = a.case_id \
         WHERE c.audit_id = $1 AND a.partnership_id = $2",
    )
    .bind(audit)
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await
}

pub async fn add_question(
    change: &mut Change,
    audit: &CaseAudit,
    details: &QuestionDetails,
) -> Result<CaseQuestionId> {
    let position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM case_audit_questions WHERE audit_id = $1",
    )
    .bind(audit.id)
    .fetch_one(change.conn())
    .await?;
    let id: CaseQuestionId = sqlx::query_scalar(
        "INSERT INTO case_audit_questions (partnership_id, audit_id, position, text, guidance) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(change.partnership())
    .bind(audit.id)
    .bind(position)
    .bind(&details.text)
    .bind(&details.guidance)
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "case_file_audit_question",
            id,
            format!("Added question {position} to {}", audit.title),
            details,
        ))
        .await?;
    Ok(id)
}

pub async fn update_question(
    change: &mut Change,
    question: &CaseQuestion,
    details: &QuestionDetails,
) -> Result<()> {
    sqlx::query(
        "UPDATE case_audit_questions SET text = $1, guidance = $2 WHERE id = $3 AND partnership_id = $4",
    )
    .bind(&details.text)
    .bind(&details.guidance)
    .bind(question.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "case_file_audit_question",
            question.id,
            format!("Changed question {}", question.position),
            &QuestionDetails {
                text: question.text.clone(),
                guidance: question.guidance.clone(),
            },
            details,
        ))
        .await
}

// ---- cases ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditedCase {
    pub id: AuditedCaseId,
    pub audit_id: CaseAuditId,
    pub pseudonym: String,
    pub context: String,
    pub copied_from_id: Option<AuditedCaseId>,
    #[sqlx(rename = "round_table_grade")]
    pub round_table_grade_code: Option<String>,
    pub round_table_learning: String,
    pub round_table_by_name: Option<String>,
    pub answers: i64,
}

impl AuditedCase {
    pub fn round_table_grade(&self) -> Option<CaseGrade> {
        self.round_table_grade_code
            .as_deref()
            .and_then(CaseGrade::from_code)
    }

    pub fn round_table_held(&self) -> bool {
        self.round_table_grade().is_some()
    }

    pub fn page(&self) -> String {
        format!("/assurance/case-audits/cases/{}", self.id)
    }
}

const CASE_SELECT: &str = "SELECT c.id, c.audit_id, c.pseudonym, c.context, c.copied_from_id, c.round_table_grade, \
     c.round_table_learning, c.round_table_by_name, \
     (SELECT COUNT(*) FROM case_audit_answers a WHERE a.case_id = c.id) AS answers \
     FROM case_audit_cases c";

pub async fn cases_of(mut store: impl Store, audit: CaseAuditId) -> Result<Vec<AuditedCase>> {
    let sql =
        format!("{CASE_SELECT} WHERE c.audit_id = $1 AND c.partnership_id = $2 ORDER BY c.id");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(audit)
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn find_case(mut store: impl Store, id: AuditedCaseId) -> Result<Option<AuditedCase>> {
    let sql = format!("{CASE_SELECT} WHERE c.id = $1 AND c.partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

pub async fn pseudonym_taken(
    mut store: impl Store,
    audit: CaseAuditId,
    pseudonym: &str,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_audit_cases WHERE audit_id = $1 AND partnership_id = $2 \
         AND lower(pseudonym) = lower($3)",
    )
    .bind(audit)
    .bind(store.partnership())
    .bind(pseudonym)
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

pub async fn add_case(
    change: &mut Change,
    audit: &CaseAudit,
    details: &CaseDetails,
) -> Result<AuditedCaseId> {
    let id: AuditedCaseId = sqlx::query_scalar(
        "INSERT INTO case_audit_cases (partnership_id, audit_id, pseudonym, context, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(change.partnership())
    .bind(audit.id)
    .bind(&details.pseudonym)
    .bind(&details.context)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "case_file_audit_case",
            id,
            format!("Added {} to {}", details.pseudonym, audit.title),
            details,
        ))
        .await?;
    Ok(id)
}

/// Records (or changes) the round-table's agreed grade and learning for a case.
pub async fn record_round_table(
    change: &mut Change,
    case: &AuditedCase,
    outcome: &RoundTableOutcome,
    by: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE case_audit_cases SET round_table_grade = $1, round_table_learning = $2, \
         round_table_by_name = $3, round_table_at = $4 WHERE id = $5 AND partnership_id = $6",
    )
    .bind(outcome.grade.code())
    .bind(&outcome.learning)
    .bind(by)
    .bind(now_text())
    .bind(case.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let before = serde_json::json!({
        "grade": case.round_table_grade_code,
        "learning": case.round_table_learning,
    });
    change
        .record(AuditEntry::updated(
            "case_file_audit_case",
            case.id,
            format!("Recorded the round-table outcome for {}", case.pseudonym),
            &before,
            outcome,
        ))
        .await
}

// ---- answers ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseAnswer {
    pub question_id: CaseQuestionId,
    pub organisation_id: OrganisationId,
    #[sqlx(try_from = "String")]
    pub grade: CaseGrade,
    pub comment: String,
    pub answered_by_name: String,
}

pub async fn answers_for_case(
    mut store: impl Store,
    case: AuditedCaseId,
) -> Result<Vec<CaseAnswer>> {
    sqlx::query_as(
        "SELECT question_id, organisation_id, grade, comment, answered_by_name FROM case_audit_answers \
         WHERE case_id = $1 AND partnership_id = $2 ORDER BY organisation_id, question_id",
    )
    .bind(case)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// Every answer's grade in an audit, by question: for comparing a re-audit with its audit.
pub async fn grades_of(
    mut store: impl Store,
    audit: CaseAuditId,
) -> Result<Vec<(CaseQuestionId, CaseGrade)>> {
    let rows: Vec<(CaseQuestionId, String)> = sqlx::query_as(
        "SELECT a.question_id, a.grade FROM case_audit_answers a \
         JOIN case_audit_cases c ON c.id = a.case_id \
         WHERE c.audit_id = $1 AND a.partnership_id = $2",
    )
    .bind(audit)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(question, code)| Some((question, CaseGrade::from_code(&code)?)))
        .collect())
}

/// Saves one agency's answers for a case, replacing what it answered before.
pub async fn save_answers(
    change: &mut Change,
    case: &AuditedCase,
    agency: OrganisationId,
    agency_name: &str,
    answers: &[AnswerDetails],
    by: &str,
) -> Result<()> {
    let before = answers_for_case(&mut *change, case.id)
        .await?
        .into_iter()
        .filter(|answer| answer.organisation_id == agency)
        .collect::<Vec<_>>();
    sqlx::query(
        "DELETE FROM case_audit_answers WHERE case_id = $1 AND organisation_id = $2 AND partnership_id = $3",
    )
    .bind(case.id)
    .bind(agency)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let now = now_text();
    for answer in answers {
        sqlx::query(
            "INSERT INTO case_audit_answers (partnership_id, case_id, question_id, organisation_id, grade, \
             comment, answered_by_name, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(change.partnership())
        .bind(case.id)
        .bind(answer.question_id)
        .bind(agency)
        .bind(answer.grade.code())
        .bind(&answer.comment)
        .bind(by)
        .bind(&now)
        .execute(change.conn())
        .await?;
    }
    change
        .record(AuditEntry::updated(
            "case_file_audit_case",
            case.id,
            format!("{agency_name} answered for {}", case.pseudonym),
            &before,
            &answers,
        ))
        .await
}

// ---- findings ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseFinding {
    pub id: CaseFindingId,
    pub audit_id: CaseAuditId,
    pub position: i64,
    pub theme: String,
    #[sqlx(try_from = "String")]
    pub kind: FindingKind,
    pub text: String,
    pub recommendation: String,
    pub recommendation_id: Option<crate::kernel::ids::RecommendationId>,
}

const FINDING_SELECT: &str = "SELECT id, audit_id, position, theme, kind, text, recommendation, recommendation_id \
     FROM case_audit_findings";

pub async fn findings_of(mut store: impl Store, audit: CaseAuditId) -> Result<Vec<CaseFinding>> {
    let sql =
        format!("{FINDING_SELECT} WHERE audit_id = $1 AND partnership_id = $2 ORDER BY position");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(audit)
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

pub async fn find_finding(mut store: impl Store, id: CaseFindingId) -> Result<Option<CaseFinding>> {
    let sql = format!("{FINDING_SELECT} WHERE id = $1 AND partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

pub async fn add_finding(
    change: &mut Change,
    audit: &CaseAudit,
    details: &FindingDetails,
    by: &str,
) -> Result<CaseFindingId> {
    let position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM case_audit_findings WHERE audit_id = $1",
    )
    .bind(audit.id)
    .fetch_one(change.conn())
    .await?;
    let id: CaseFindingId = sqlx::query_scalar(
        "INSERT INTO case_audit_findings (partnership_id, audit_id, position, theme, kind, text, \
         recommendation, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(change.partnership())
    .bind(audit.id)
    .bind(position)
    .bind(&details.theme)
    .bind(details.kind.code())
    .bind(&details.text)
    .bind(&details.recommendation)
    .bind(by)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "case_file_audit_finding",
            id,
            format!("Recorded finding {position} of {}", audit.title),
            details,
        ))
        .await?;
    Ok(id)
}

/// Raises a finding's recommendation in the improvement tracker, in the same change: the
/// tracker's recommendation names the audit as its source. False when it was raised already.
pub async fn raise_recommendation(
    change: &mut Change,
    audit: &CaseAudit,
    finding: &CaseFinding,
) -> Result<bool> {
    let sql = format!(
        "SELECT recommendation_id FROM case_audit_findings WHERE id = $1 AND partnership_id = $2{}",
        change.for_update()
    );
    let raised: Option<Option<i64>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(finding.id)
        .bind(change.partnership())
        .fetch_optional(change.conn())
        .await?;
    if !matches!(raised, Some(None)) {
        return Ok(false);
    }
    let details = crate::tracker::model::RecommendationDetails {
        reference: recommendation_reference(audit.id, finding.position),
        source_kind: crate::tracker::model::SourceKind::CaseFileAudit,
        source_id: Some(audit.id.get()),
        source_label: audit_source_label(audit),
        recommendation: finding.recommendation.clone(),
        priority_item_id: None,
    };
    let recommendation = crate::tracker::store::insert_recommendation(change, &details).await?;
    sqlx::query("UPDATE case_audit_findings SET recommendation_id = $1 WHERE id = $2 AND partnership_id = $3")
        .bind(recommendation)
        .bind(finding.id)
        .bind(change.partnership())
        .execute(change.conn())
        .await?;
    change
        .record(AuditEntry::updated(
            "case_file_audit_finding",
            finding.id,
            format!(
                "Raised finding {} of {} in the improvement tracker as {}",
                finding.position, audit.title, details.reference
            ),
            &serde_json::json!({ "recommendation_id": null }),
            &serde_json::json!({ "recommendation_id": recommendation, "reference": details.reference }),
        ))
        .await?;
    Ok(true)
}

/// How the tracker names an audit: "Multi-agency case-file audit: Neglect (March 2025)".
pub fn audit_source_label(audit: &CaseAudit) -> String {
    format!(
        "Multi-agency case-file audit: {} ({})",
        audit.title,
        audit.month()
    )
}
