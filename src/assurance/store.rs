//! The assurance module's queries. Only this file touches the `assurance_*` tables. Reads take
//! `impl Store` scoped by `store.partnership()`; writes take `&mut Change` and record their own
//! audit entry. A published framework version is never changed: a round keeps the version it
//! was opened with.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use super::grades::Grade;
use super::model::*;
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{IsoDate, OptionalIsoDate, now_text};
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::iso_date;
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

// ---- frameworks ----

/// A framework with its latest published version, for the frameworks list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FrameworkSummary {
    pub id: FrameworkId,
    pub code: String,
    pub title: String,
    pub description: String,
    pub version_id: Option<FrameworkVersionId>,
    pub version_number: Option<i64>,
    pub standards: i64,
    pub questions: i64,
}

/// Every framework of the partnership, by title, with its latest published version.
pub async fn list_frameworks(mut store: impl Store) -> Result<Vec<FrameworkSummary>> {
    sqlx::query_as(
        "SELECT f.id, f.code, f.title, f.description, v.id AS version_id, v.number AS version_number, \
         (SELECT COUNT(*) FROM assurance_standards s WHERE s.version_id = v.id) AS standards, \
         (SELECT COUNT(*) FROM assurance_questions q WHERE q.version_id = v.id) AS questions \
         FROM assurance_frameworks f \
         LEFT JOIN assurance_framework_versions v ON v.framework_id = f.id AND v.status = 'published' \
           AND v.number = (SELECT MAX(number) FROM assurance_framework_versions \
                           WHERE framework_id = f.id AND status = 'published') \
         WHERE f.partnership_id = $1 AND f.archived_at IS NULL ORDER BY f.title",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// A framework's code is taken in the partnership.
pub async fn framework_code_taken(mut store: impl Store, code: &str) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM assurance_frameworks WHERE partnership_id = $1 AND code = $2",
    )
    .bind(store.partnership())
    .bind(code)
    .fetch_optional(store.conn())
    .await?;
    Ok(found.is_some())
}

/// One version of a framework: its standards and questions, in order.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkVersion {
    pub id: FrameworkVersionId,
    pub framework_id: FrameworkId,
    pub code: String,
    pub title: String,
    pub description: String,
    pub number: i64,
    pub published: bool,
    pub standards: Vec<Standard>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Standard {
    pub id: StandardId,
    pub number: i64,
    pub title: String,
    pub summary: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Question {
    pub id: QuestionId,
    pub standard_id: StandardId,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub kind: QuestionKind,
    pub text: String,
    pub guidance: String,
    pub evidence: String,
    /// One per line as stored.
    #[sqlx(rename = "choices")]
    pub choice_lines: String,
    #[sqlx(rename = "applies_to")]
    pub applies_to_codes: String,
}

impl Question {
    pub fn choices(&self) -> Vec<&str> {
        self.choice_lines
            .lines()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }

    pub fn applies_to(&self) -> Vec<Setting> {
        Setting::parse_list(&self.applies_to_codes)
    }

    pub fn applies(&self, setting: Option<Setting>) -> bool {
        question_applies(&self.applies_to(), setting)
    }
}

impl FrameworkVersion {
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.standards.iter().flat_map(|s| &s.questions)
    }

    /// The version as a framework file (for export, and to start the next draft from).
    pub fn definition(&self) -> FrameworkDefinition {
        FrameworkDefinition {
            code: self.code.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            version: u32::try_from(self.number).unwrap_or(1),
            standards: self
                .standards
                .iter()
                .map(|standard| StandardDefinition {
                    number: u32::try_from(standard.number).unwrap_or(0),
                    title: standard.title.clone(),
                    summary: standard.summary.clone(),
                    questions: standard
                        .questions
                        .iter()
                        .map(|question| QuestionDefinition {
                            code: question.code.clone(),
                            kind: question.kind,
                            text: question.text.clone(),
                            guidance: question.guidance.clone(),
                            evidence: question.evidence.clone(),
                            choices: question.choices().into_iter().map(str::to_owned).collect(),
                            applies_to: question.applies_to(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: FrameworkVersionId,
    framework_id: FrameworkId,
    code: String,
    title: String,
    description: String,
    number: i64,
    status: String,
}

#[derive(sqlx::FromRow)]
struct StandardRow {
    id: StandardId,
    number: i64,
    title: String,
    summary: String,
}

/// A version of one of the partnership's frameworks, with its standards and questions; None for
/// another partnership's.
pub async fn framework_version(
    mut store: impl Store,
    id: FrameworkVersionId,
) -> Result<Option<FrameworkVersion>> {
    let row: Option<VersionRow> = sqlx::query_as(
        "SELECT v.id, v.framework_id, f.code, f.title, f.description, v.number, v.status \
         FROM assurance_framework_versions v JOIN assurance_frameworks f ON f.id = v.framework_id \
         WHERE v.id = $1 AND v.partnership_id = $2",
    )
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let standards: Vec<StandardRow> = sqlx::query_as(
        "SELECT id, number, title, summary FROM assurance_standards WHERE version_id = $1 ORDER BY number",
    )
    .bind(id)
    .fetch_all(store.conn())
    .await?;
    let questions: Vec<Question> = sqlx::query_as(
        "SELECT id, standard_id, code, kind, text, guidance, evidence, choices, applies_to \
         FROM assurance_questions WHERE version_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(store.conn())
    .await?;
    let mut by_standard: HashMap<StandardId, Vec<Question>> = HashMap::new();
    for question in questions {
        by_standard
            .entry(question.standard_id)
            .or_default()
            .push(question);
    }
    Ok(Some(FrameworkVersion {
        id: row.id,
        framework_id: row.framework_id,
        code: row.code,
        title: row.title,
        description: row.description,
        number: row.number,
        published: row.status == "published",
        standards: standards
            .into_iter()
            .map(|s| Standard {
                questions: by_standard.remove(&s.id).unwrap_or_default(),
                id: s.id,
                number: s.number,
                title: s.title,
                summary: s.summary,
            })
            .collect(),
    }))
}

/// Adds a framework from its (checked) definition, with the definition as its first published
/// version.
pub async fn add_framework(
    change: &mut Change,
    definition: &FrameworkDefinition,
    by: &str,
) -> Result<(FrameworkId, FrameworkVersionId)> {
    let now = now_text();
    let framework: FrameworkId = sqlx::query_scalar(
        "INSERT INTO assurance_frameworks (partnership_id, code, title, description, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(change.partnership())
    .bind(&definition.code)
    .bind(&definition.title)
    .bind(&definition.description)
    .bind(&now)
    .fetch_one(change.conn())
    .await?;
    let version = insert_version(change, framework, 1, definition, by, true).await?;
    change
        .record(AuditEntry::created(
            "assurance_framework",
            framework,
            format!(
                "Added the audit framework {} ({} standards, {} questions)",
                definition.title,
                definition.standards.len(),
                definition.questions().count()
            ),
            definition,
        ))
        .await?;
    Ok((framework, version))
}

async fn insert_version(
    change: &mut Change,
    framework: FrameworkId,
    number: i64,
    definition: &FrameworkDefinition,
    by: &str,
    published: bool,
) -> Result<FrameworkVersionId> {
    let now = now_text();
    let version: FrameworkVersionId = sqlx::query_scalar(
        "INSERT INTO assurance_framework_versions \
         (partnership_id, framework_id, number, status, created_by_name, created_at, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(change.partnership())
    .bind(framework)
    .bind(number)
    .bind(if published { "published" } else { "draft" })
    .bind(by)
    .bind(&now)
    .bind(published.then_some(now.as_str()))
    .fetch_one(change.conn())
    .await?;
    let mut position = 0_i64;
    for standard in &definition.standards {
        let standard_id: StandardId = sqlx::query_scalar(
            "INSERT INTO assurance_standards (version_id, number, title, summary) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(version)
        .bind(i64::from(standard.number))
        .bind(&standard.title)
        .bind(&standard.summary)
        .fetch_one(change.conn())
        .await?;
        for question in &standard.questions {
            position += 1;
            sqlx::query(
                "INSERT INTO assurance_questions (version_id, standard_id, position, code, kind, text, \
                 guidance, evidence, choices, applies_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(version)
            .bind(standard_id)
            .bind(position)
            .bind(&question.code)
            .bind(question.kind.code())
            .bind(&question.text)
            .bind(&question.guidance)
            .bind(&question.evidence)
            .bind(question.choices.join("\n"))
            .bind(Setting::format_list(&question.applies_to))
            .execute(change.conn())
            .await?;
        }
    }
    Ok(version)
}

/// Publishes a new version of a framework from an edited definition: the versions before are
/// kept as they were, and rounds already open keep theirs.
pub async fn publish_new_version(
    change: &mut Change,
    framework: FrameworkId,
    definition: &FrameworkDefinition,
    by: &str,
) -> Result<FrameworkVersionId> {
    let latest: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(number), 0) FROM assurance_framework_versions \
         WHERE framework_id = $1 AND partnership_id = $2",
    )
    .bind(framework)
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await?;
    sqlx::query(
        "UPDATE assurance_frameworks SET title = $1, description = $2 WHERE id = $3 AND partnership_id = $4",
    )
    .bind(&definition.title)
    .bind(&definition.description)
    .bind(framework)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let version = insert_version(change, framework, latest + 1, definition, by, true).await?;
    change
        .record(AuditEntry::created(
            "assurance_framework_version",
            version,
            format!(
                "Published version {} of the audit framework {}",
                latest + 1,
                definition.title
            ),
            definition,
        ))
        .await?;
    Ok(version)
}

// ---- settings ----

/// How an organisation is audited: its setting (schools and colleges), its last inspection and
/// whether it is a new provision (for deep-dive sampling).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditSetting {
    pub organisation_id: OrganisationId,
    pub setting: Setting,
    pub inspection_grade: Option<u8>,
    pub last_inspected_on: Option<Date>,
    pub new_provision: bool,
}

#[derive(sqlx::FromRow)]
struct SettingRow {
    organisation_id: OrganisationId,
    setting: String,
    inspection_grade: Option<i64>,
    #[sqlx(try_from = "OptionalIsoDate")]
    last_inspected_on: Option<Date>,
    new_provision: i64,
}

/// The settings of the partnership's organisations that have one.
pub async fn settings(mut store: impl Store) -> Result<HashMap<OrganisationId, AuditSetting>> {
    let rows: Vec<SettingRow> = sqlx::query_as(
        "SELECT organisation_id, setting, inspection_grade, last_inspected_on, new_provision \
         FROM assurance_settings WHERE partnership_id = $1",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some((
                row.organisation_id,
                AuditSetting {
                    organisation_id: row.organisation_id,
                    setting: Setting::from_code(&row.setting)?,
                    inspection_grade: row.inspection_grade.and_then(|g| u8::try_from(g).ok()),
                    last_inspected_on: row.last_inspected_on,
                    new_provision: row.new_provision != 0,
                },
            ))
        })
        .collect())
}

/// Records (or replaces) how one of the partnership's organisations is audited.
pub async fn set_setting(change: &mut Change, setting: &AuditSetting) -> Result<()> {
    sqlx::query(
        "DELETE FROM assurance_settings WHERE organisation_id = $1 AND partnership_id = $2",
    )
    .bind(setting.organisation_id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    sqlx::query(
        "INSERT INTO assurance_settings (organisation_id, partnership_id, setting, inspection_grade, \
         last_inspected_on, new_provision) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(setting.organisation_id)
    .bind(change.partnership())
    .bind(setting.setting.code())
    .bind(setting.inspection_grade.map(i64::from))
    .bind(setting.last_inspected_on.map(iso_date))
    .bind(i64::from(setting.new_provision))
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "audit_setting",
            setting.organisation_id,
            format!("Set the audit setting to {}", setting.setting.label()),
            &(),
            setting,
        ))
        .await
}

// ---- rounds and returns ----

/// A round of an audit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Round {
    pub id: RoundId,
    pub framework_id: FrameworkId,
    pub version_id: FrameworkVersionId,
    pub framework_title: String,
    pub framework_code: String,
    pub title: String,
    #[sqlx(try_from = "IsoDate")]
    pub opens_on: Date,
    #[sqlx(try_from = "IsoDate")]
    pub due_on: Date,
    pub target_percent: i64,
    pub previous_round_id: Option<RoundId>,
    pub status: String,
}

const ROUND_COLUMNS: &str = "r.id, r.framework_id, r.version_id, f.title AS framework_title, \
     f.code AS framework_code, r.title, \
     r.opens_on, r.due_on, r.target_percent, r.previous_round_id, r.status \
     FROM assurance_rounds r JOIN assurance_frameworks f ON f.id = r.framework_id";

/// Every round of the partnership, newest first.
pub async fn list_rounds(mut store: impl Store) -> Result<Vec<Round>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLUMNS} WHERE r.partnership_id = $1 ORDER BY r.opens_on DESC, r.id DESC"
    )))
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// One of the partnership's rounds; None for another partnership's.
pub async fn find_round(mut store: impl Store, id: RoundId) -> Result<Option<Round>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLUMNS} WHERE r.id = $1 AND r.partnership_id = $2"
    )))
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

/// What a new round is.
#[derive(Debug, Clone, Serialize)]
pub struct NewRound {
    pub framework_id: FrameworkId,
    pub version_id: FrameworkVersionId,
    pub title: String,
    pub opens_on: Date,
    pub due_on: Date,
    pub target_percent: i64,
    /// The population: one return each.
    pub organisations: Vec<OrganisationId>,
}

/// How many returns are inserted by one statement when a round opens (bind parameters stay
/// well under SQLite's and PostgreSQL's limits).
const RETURNS_PER_INSERT: usize = 500;

/// Opens a round: one return per organisation of the population, each linked to its return in
/// the framework's round before (if it had one) and pre-filled from it, every pre-filled answer
/// marked "to review". Answers carry over by question code, so a new framework version keeps
/// what still applies.
pub async fn open_round(change: &mut Change, round: &NewRound, by: &str) -> Result<RoundId> {
    let now = now_text();
    let previous: Option<RoundId> = sqlx::query_scalar(
        "SELECT id FROM assurance_rounds WHERE partnership_id = $1 AND framework_id = $2 \
         ORDER BY opens_on DESC, id DESC LIMIT 1",
    )
    .bind(change.partnership())
    .bind(round.framework_id)
    .fetch_optional(change.conn())
    .await?;
    let id: RoundId = sqlx::query_scalar(
        "INSERT INTO assurance_rounds (partnership_id, framework_id, version_id, title, opens_on, due_on, \
         target_percent, previous_round_id, created_by_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(change.partnership())
    .bind(round.framework_id)
    .bind(round.version_id)
    .bind(&round.title)
    .bind(iso_date(round.opens_on))
    .bind(iso_date(round.due_on))
    .bind(round.target_percent)
    .bind(previous)
    .bind(by)
    .bind(&now)
    .fetch_one(change.conn())
    .await?;
    for chunk in round.organisations.chunks(RETURNS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO assurance_returns (partnership_id, round_id, organisation_id, due_on, updated_at) VALUES ",
        );
        for (index, _) in chunk.iter().enumerate() {
            if index > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, $2, ${}, $3, $4)", index + 5));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(change.partnership())
            .bind(id)
            .bind(iso_date(round.due_on))
            .bind(&now);
        for organisation in chunk {
            query = query.bind(*organisation);
        }
        query.execute(change.conn()).await?;
    }
    if let Some(previous) = previous {
        sqlx::query(
            "UPDATE assurance_returns SET previous_return_id = (SELECT p.id FROM assurance_returns p \
             WHERE p.round_id = $1 AND p.organisation_id = assurance_returns.organisation_id) \
             WHERE round_id = $2",
        )
        .bind(previous)
        .bind(id)
        .execute(change.conn())
        .await?;
        sqlx::query(
            "INSERT INTO assurance_answers (return_id, question_id, grade, yes_no, number, choice, text, \
             to_review, answered_by_name, answered_at) \
             SELECT r.id, q_new.id, a.grade, a.yes_no, a.number, a.choice, a.text, 1, a.answered_by_name, a.answered_at \
             FROM assurance_returns r \
             JOIN assurance_answers a ON a.return_id = r.previous_return_id \
             JOIN assurance_questions q_old ON q_old.id = a.question_id \
             JOIN assurance_questions q_new ON q_new.version_id = $1 AND q_new.code = q_old.code \
             WHERE r.round_id = $2",
        )
        .bind(round.version_id)
        .bind(id)
        .execute(change.conn())
        .await?;
    }
    change
        .record(AuditEntry::created(
            "assurance_round",
            id,
            format!(
                "Opened the round {} for {} organisations, due {}",
                round.title,
                round.organisations.len(),
                iso_date(round.due_on)
            ),
            &(
                &round.title,
                round.version_id,
                iso_date(round.opens_on),
                iso_date(round.due_on),
                round.target_percent,
            ),
        ))
        .await?;
    Ok(id)
}

/// Where a return stands, as stored (partly complete is read from its answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReturnStatus {
    NotStarted,
    InProgress,
    Submitted,
    Moderated,
}

impl ReturnStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReturnStatus::NotStarted => "not_started",
            ReturnStatus::InProgress => "in_progress",
            ReturnStatus::Submitted => "submitted",
            ReturnStatus::Moderated => "moderated",
        }
    }

    /// As the pages print it.
    pub fn label(self) -> &'static str {
        match self {
            ReturnStatus::NotStarted => "Not started",
            ReturnStatus::InProgress => "In progress",
            ReturnStatus::Submitted => "Submitted",
            ReturnStatus::Moderated => "Moderated",
        }
    }

    pub fn from_code(code: &str) -> Option<ReturnStatus> {
        [
            ReturnStatus::NotStarted,
            ReturnStatus::InProgress,
            ReturnStatus::Submitted,
            ReturnStatus::Moderated,
        ]
        .into_iter()
        .find(|status| status.code() == code)
    }
}

impl TryFrom<String> for ReturnStatus {
    type Error = String;

    fn try_from(code: String) -> std::result::Result<Self, Self::Error> {
        ReturnStatus::from_code(&code).ok_or_else(|| format!("unknown return status {code:?}"))
    }
}

/// A return, with its organisation and how far its graded questions are answered.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditReturn {
    pub id: ReturnId,
    pub round_id: RoundId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    #[sqlx(try_from = "String")]
    pub status: ReturnStatus,
    #[sqlx(try_from = "IsoDate")]
    pub due_on: Date,
    pub previous_return_id: Option<ReturnId>,
    pub submitted_at: Option<String>,
    pub submitted_by_name: Option<String>,
    pub reopened_count: i64,
    /// Graded questions answered (not "to review").
    pub graded_answered: i64,
}

/// An `AuditReturn`'s columns, of `RETURN_TABLES`.
pub(super) const RETURN_FIELDS: &str = "r.id, r.round_id, r.organisation_id, o.name AS organisation_name, r.status, \
     r.due_on, r.previous_return_id, r.submitted_at, r.submitted_by_name, r.reopened_count, \
     (SELECT COUNT(*) FROM assurance_answers a JOIN assurance_questions q ON q.id = a.question_id \
      WHERE a.return_id = r.id AND q.kind = 'grade' AND a.grade IS NOT NULL AND a.to_review = 0) AS graded_answered";
pub(super) const RETURN_TABLES: &str =
    "FROM assurance_returns r JOIN organisations o ON o.id = r.organisation_id";

/// A round's returns, by organisation name.
pub async fn returns_of_round(mut store: impl Store, round: RoundId) -> Result<Vec<AuditReturn>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RETURN_FIELDS} {RETURN_TABLES} WHERE r.round_id = $1 AND r.partnership_id = $2 ORDER BY o.name"
    )))
    .bind(round)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// An organisation's returns to the partnership's rounds, latest due first (for its home page).
pub async fn returns_of_organisation(
    mut store: impl Store,
    organisation: OrganisationId,
) -> Result<Vec<AuditReturn>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RETURN_FIELDS} {RETURN_TABLES} WHERE r.organisation_id = $1 AND r.partnership_id = $2 \
         ORDER BY r.due_on DESC, r.id DESC"
    )))
    .bind(organisation)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// One of the partnership's returns; None for another partnership's.
pub async fn find_return(mut store: impl Store, id: ReturnId) -> Result<Option<AuditReturn>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RETURN_FIELDS} {RETURN_TABLES} WHERE r.id = $1 AND r.partnership_id = $2"
    )))
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

// ---- a round's analysis, as counts ----
//
// A round's analysis is counted by the database (GROUP BY), never by loading every answer: a
// national round is tens of thousands of returns of sixty questions. `setting` narrows every
// count to the returns of organisations audited as that setting.

/// "AND the return's organisation is audited as $3", when there is a setting to filter by.
fn setting_filter(setting: Option<Setting>) -> &'static str {
    match setting {
        Some(_) => {
            " AND r.organisation_id IN (SELECT organisation_id FROM assurance_settings \
             WHERE partnership_id = $2 AND setting = $3)"
        }
        None => "",
    }
}

/// How many answers to each graded question of a round were given each grade, over its
/// submitted returns (moderated ones included): (question, grade code, answers). Answers still
/// "to review" are not answers yet.
pub async fn grade_counts(
    mut store: impl Store,
    round: RoundId,
    setting: Option<Setting>,
) -> Result<Vec<(QuestionId, String, i64)>> {
    let sql = format!(
        "SELECT a.question_id, a.grade, COUNT(*) AS answers FROM assurance_answers a \
         JOIN assurance_returns r ON r.id = a.return_id \
         JOIN assurance_questions q ON q.id = a.question_id \
         WHERE r.round_id = $1 AND r.partnership_id = $2 AND r.status IN ('submitted', 'moderated') \
         AND q.kind = 'grade' AND a.grade IS NOT NULL AND a.to_review = 0{} \
         GROUP BY a.question_id, a.grade",
        setting_filter(setting)
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(round)
        .bind(store.partnership());
    if let Some(setting) = setting {
        query = query.bind(setting.code());
    }
    query.fetch_all(store.conn()).await
}

/// A round's returns counted by what decides their completion: (status, the setting the
/// organisation is audited as, graded questions answered, returns).
pub async fn return_tallies(
    mut store: impl Store,
    round: RoundId,
    setting: Option<Setting>,
) -> Result<Vec<(String, Option<String>, i64, i64)>> {
    let sql = format!(
        "SELECT t.status, t.setting, t.answered, COUNT(*) AS returns FROM ( \
         SELECT r.status, st.setting, \
         (SELECT COUNT(*) FROM assurance_answers a JOIN assurance_questions q ON q.id = a.question_id \
          WHERE a.return_id = r.id AND q.kind = 'grade' AND a.grade IS NOT NULL AND a.to_review = 0) AS answered \
         FROM assurance_returns r \
         LEFT JOIN assurance_settings st ON st.organisation_id = r.organisation_id \
         AND st.partnership_id = r.partnership_id \
         WHERE r.round_id = $1 AND r.partnership_id = $2{}) t \
         GROUP BY t.status, t.setting, t.answered",
        setting_filter(setting)
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(round)
        .bind(store.partnership());
    if let Some(setting) = setting {
        query = query.bind(setting.code());
    }
    query.fetch_all(store.conn()).await
}

/// The actions of a round's returns' previous returns: (returns that had any, returns that
/// completed every one, actions, actions completed).
pub async fn previous_action_totals(
    mut store: impl Store,
    round: RoundId,
    setting: Option<Setting>,
) -> Result<(i64, i64, i64, i64)> {
    let sql = format!(
        "SELECT \
         CAST(COALESCE(SUM(CASE WHEN r.previous_actions > 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN r.previous_actions > 0 \
              AND r.previous_actions_completed >= r.previous_actions THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(r.previous_actions), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN r.previous_actions_completed > r.previous_actions \
              THEN r.previous_actions ELSE r.previous_actions_completed END), 0) AS BIGINT) \
         FROM assurance_returns r WHERE r.round_id = $1 AND r.partnership_id = $2{}",
        setting_filter(setting)
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(round)
        .bind(store.partnership());
    if let Some(setting) = setting {
        query = query.bind(setting.code());
    }
    query.fetch_one(store.conn()).await
}

// ---- chasers ----

/// A return not yet submitted, in a round already open: one that may be chased.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChaseableReturn {
    pub id: ReturnId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub round_title: String,
    #[sqlx(try_from = "IsoDate")]
    pub due_on: Date,
}

/// The partnership's returns not yet submitted whose round has opened by `today` and which are
/// due between `from` and `to`; not those answered in another partnership (chased there).
pub async fn chaseable_returns(
    mut store: impl Store,
    today: Date,
    from: Date,
    to: Date,
) -> Result<Vec<ChaseableReturn>> {
    sqlx::query_as(
        "SELECT r.id, r.organisation_id, o.name AS organisation_name, rd.title AS round_title, r.due_on \
         FROM assurance_returns r JOIN organisations o ON o.id = r.organisation_id \
         JOIN assurance_rounds rd ON rd.id = r.round_id \
         WHERE r.partnership_id = $1 AND r.status IN ('not_started', 'in_progress') \
         AND rd.opens_on <= $2 AND r.due_on >= $3 AND r.due_on <= $4 \
         AND NOT EXISTS (SELECT 1 FROM assurance_return_shares s WHERE s.return_id = r.id) ORDER BY r.id",
    )
    .bind(store.partnership())
    .bind(iso_date(today))
    .bind(iso_date(from))
    .bind(iso_date(to))
    .fetch_all(store.conn())
    .await
}

/// The scheduled chasers already sent for each unsubmitted return's current due date: (return,
/// kind code).
pub async fn scheduled_chasers_sent(mut store: impl Store) -> Result<Vec<(ReturnId, String)>> {
    sqlx::query_as(
        "SELECT c.return_id, c.kind FROM assurance_chasers c \
         JOIN assurance_returns r ON r.id = c.return_id AND r.due_on = c.due_on \
         WHERE c.partnership_id = $1 AND r.status IN ('not_started', 'in_progress') \
         AND c.kind <> 'manual'",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// A chaser to record: which return, which of the schedule's (or "manual"), for which due date.
#[derive(Debug, Clone)]
pub struct ChaserSent<'a> {
    pub return_id: ReturnId,
    pub kind: &'a str,
    pub due_on: Date,
    pub sent_on: Date,
    pub recipients: i64,
    pub sent_by: Option<&'a str>,
}

/// Records a chaser in `tx`; false (nothing written) when this scheduled chaser was already sent
/// for this due date. A manual one is always recorded.
pub async fn record_chaser(
    tx: &mut crate::kernel::db::Transaction,
    partnership: crate::kernel::ids::PartnershipId,
    chaser: &ChaserSent<'_>,
) -> Result<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO assurance_chasers (partnership_id, return_id, kind, due_on, sent_on, recipients, \
         sent_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(partnership)
    .bind(chaser.return_id)
    .bind(chaser.kind)
    .bind(iso_date(chaser.due_on))
    .bind(iso_date(chaser.sent_on))
    .bind(chaser.recipients)
    .bind(chaser.sent_by)
    .bind(now_text())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id)
}

/// The last chaser sent about a return.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LastChaser {
    pub return_id: ReturnId,
    pub kind: String,
    #[sqlx(try_from = "IsoDate")]
    pub sent_on: Date,
    pub recipients: i64,
    pub sent_by_name: Option<String>,
}

// ---- extensions ----

/// An extension granted to a return: its new due date and why.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Extension {
    pub return_id: ReturnId,
    #[sqlx(try_from = "IsoDate")]
    pub due_on: Date,
    pub reason: String,
    pub granted_by_name: String,
    pub granted_at: String,
}

/// Grants an extension: the return's due date moves to `due_on` (the caller checks it is after
/// the current one), the extension is kept with its reason, and the audit trail has both dates.
pub async fn grant_extension(
    change: &mut Change,
    audit_return: &AuditReturn,
    due_on: Date,
    reason: &str,
    by: &str,
) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO assurance_extensions (return_id, due_on, reason, granted_by_name, granted_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(audit_return.id)
    .bind(iso_date(due_on))
    .bind(reason)
    .bind(by)
    .bind(&now)
    .execute(change.conn())
    .await?;
    sqlx::query(
        "UPDATE assurance_returns SET due_on = $1, updated_at = $2 WHERE id = $3 AND partnership_id = $4",
    )
    .bind(iso_date(due_on))
    .bind(&now)
    .bind(audit_return.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!(
                "Extended {}'s return to {}: {reason}",
                audit_return.organisation_name,
                iso_date(due_on)
            ),
            &serde_json::json!({ "due_on": iso_date(audit_return.due_on) }),
            &serde_json::json!({ "due_on": iso_date(due_on), "reason": reason }),
        ))
        .await
}

const EXTENSION_COLUMNS: &str = "e.return_id, e.due_on, e.reason, e.granted_by_name, e.granted_at \
     FROM assurance_extensions e JOIN assurance_returns r ON r.id = e.return_id";

/// A return's extensions, first granted first.
pub async fn extensions_of_return(
    mut store: impl Store,
    audit_return: ReturnId,
) -> Result<Vec<Extension>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EXTENSION_COLUMNS} WHERE e.return_id = $1 AND r.partnership_id = $2 ORDER BY e.id"
    )))
    .bind(audit_return)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

// ---- answers ----

/// What an answer holds, by its question's kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum AnswerValue {
    Grade(Grade),
    YesNo(bool),
    Number(f64),
    Choice(String),
    Text(String),
}

/// An answer as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub question_id: QuestionId,
    pub value: AnswerValue,
    /// Pre-filled from the last round and not yet looked at.
    pub to_review: bool,
    pub answered_by_name: String,
    pub answered_at: String,
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    question_id: QuestionId,
    grade: Option<String>,
    yes_no: Option<i64>,
    number: Option<f64>,
    choice: Option<String>,
    text: Option<String>,
    to_review: i64,
    answered_by_name: String,
    answered_at: String,
}

impl AnswerRow {
    fn into_answer(self) -> Option<Answer> {
        let value = if let Some(code) = &self.grade {
            AnswerValue::Grade(Grade::from_code(code)?)
        } else if let Some(yes) = self.yes_no {
            AnswerValue::YesNo(yes != 0)
        } else if let Some(number) = self.number {
            AnswerValue::Number(number)
        } else if let Some(choice) = self.choice {
            AnswerValue::Choice(choice)
        } else {
            AnswerValue::Text(self.text?)
        };
        Some(Answer {
            question_id: self.question_id,
            value,
            to_review: self.to_review != 0,
            answered_by_name: self.answered_by_name,
            answered_at: self.answered_at,
        })
    }
}

/// A return's answers by question. The return must be one of the partnership's (looked up
/// with [`find_return`] first): the query joins on it to be sure.
pub async fn answers_of(
    mut store: impl Store,
    return_id: ReturnId,
) -> Result<HashMap<QuestionId, Answer>> {
    let rows: Vec<AnswerRow> = sqlx::query_as(
        "SELECT a.question_id, a.grade, a.yes_no, a.number, a.choice, a.text, a.to_review, \
         a.answered_by_name, a.answered_at FROM assurance_answers a \
         JOIN assurance_returns r ON r.id = a.return_id \
         WHERE a.return_id = $1 AND r.partnership_id = $2",
    )
    .bind(return_id)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(AnswerRow::into_answer)
        .map(|answer| (answer.question_id, answer))
        .collect())
}

/// Answers written by one statement (six parameters each, well under the databases' limits).
const ANSWERS_PER_STATEMENT: usize = 100;

/// Saves answers to a return (each replacing the question's answer before, and no longer "to
/// review"); a not-started return is then in progress. The questions must be the return's
/// round's (the caller checks them against the framework version).
pub async fn save_answers(
    change: &mut Change,
    audit_return: &AuditReturn,
    answers: &[(QuestionId, AnswerValue)],
    by: &str,
) -> Result<()> {
    let now = now_text();
    // One statement to clear the questions' answers and one to write them, however many.
    for chunk in answers.chunks(ANSWERS_PER_STATEMENT) {
        let mut clear =
            String::from("DELETE FROM assurance_answers WHERE return_id = $1 AND question_id IN (");
        let mut insert = String::from(
            "INSERT INTO assurance_answers (return_id, question_id, grade, yes_no, number, choice, text, \
             to_review, answered_by_name, answered_at) VALUES ",
        );
        for index in 0..chunk.len() {
            let at = 4 + index * 6;
            if index > 0 {
                clear.push_str(", ");
                insert.push_str(", ");
            }
            clear.push_str(&format!("${}", index + 2));
            insert.push_str(&format!(
                "($1, ${}, ${}, ${}, ${}, ${}, ${}, 0, $2, $3)",
                at,
                at + 1,
                at + 2,
                at + 3,
                at + 4,
                at + 5
            ));
        }
        clear.push(')');
        let mut query = sqlx::query(sqlx::AssertSqlSafe(clear)).bind(audit_return.id);
        for (question, _) in chunk {
            query = query.bind(*question);
        }
        query.execute(change.conn()).await?;
        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert))
            .bind(audit_return.id)
            .bind(by)
            .bind(&now);
        for (question, value) in chunk {
            let (grade, yes_no, number, choice, text) = match value {
                AnswerValue::Grade(grade) => (Some(grade.code()), None, None, None, None),
                AnswerValue::YesNo(yes) => (None, Some(i64::from(*yes)), None, None, None),
                AnswerValue::Number(number) => (None, None, Some(*number), None, None),
                AnswerValue::Choice(choice) => (None, None, None, Some(choice.as_str()), None),
                AnswerValue::Text(text) => (None, None, None, None, Some(text.as_str())),
            };
            query = query
                .bind(*question)
                .bind(grade)
                .bind(yes_no)
                .bind(number)
                .bind(choice)
                .bind(text);
        }
        query.execute(change.conn()).await?;
    }
    sqlx::query(
        "UPDATE assurance_returns SET status = CASE WHEN status = 'not_started' THEN 'in_progress' ELSE status END, \
         updated_at = $1 WHERE id = $2 AND partnership_id = $3",
    )
    .bind(&now)
    .bind(audit_return.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!(
                "Answered {} questions of {}'s return",
                answers.len(),
                audit_return.organisation_name
            ),
            &(),
            &answers,
        ))
        .await
}

/// Submits a return not yet submitted; false when it already was (a double submit changes
/// nothing).
pub async fn submit_return(
    change: &mut Change,
    audit_return: &AuditReturn,
    by: &str,
) -> Result<bool> {
    let now = now_text();
    let updated = sqlx::query(
        "UPDATE assurance_returns SET status = 'submitted', submitted_at = $1, submitted_by_name = $2, \
         updated_at = $1 WHERE id = $3 AND partnership_id = $4 AND status IN ('not_started', 'in_progress')",
    )
    .bind(&now)
    .bind(by)
    .bind(audit_return.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!("Submitted {}'s return", audit_return.organisation_name),
            &audit_return.status,
            &ReturnStatus::Submitted,
        ))
        .await?;
    Ok(true)
}

/// Reopens a submitted return for changes, with the reason in the audit trail; false when it
/// was not submitted.
pub async fn reopen_return(
    change: &mut Change,
    audit_return: &AuditReturn,
    reason: &str,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE assurance_returns SET status = 'in_progress', reopened_count = reopened_count + 1, \
         updated_at = $1 WHERE id = $2 AND partnership_id = $3 AND status IN ('submitted', 'moderated')",
    )
    .bind(now_text())
    .bind(audit_return.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!(
                "Reopened {}'s return: {reason}",
                audit_return.organisation_name
            ),
            &audit_return.status,
            &ReturnStatus::InProgress,
        ))
        .await?;
    Ok(true)
}

/// Records how many actions of the organisation's previous return it says it completed (the
/// seed's "completed every action from the previous audit").
pub async fn record_previous_actions(
    change: &mut Change,
    audit_return: &AuditReturn,
    actions: i64,
    completed: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE assurance_returns SET previous_actions = $1, previous_actions_completed = $2, updated_at = $3 \
         WHERE id = $4 AND partnership_id = $5",
    )
    .bind(actions)
    .bind(completed)
    .bind(now_text())
    .bind(audit_return.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!(
                "{} completed {completed} of {actions} actions from its previous return",
                audit_return.organisation_name
            ),
            &(),
            &(actions, completed),
        ))
        .await
}

/// Dates a demo return's submission on the day its demo history says it was sent (the store
/// stamps submissions with the time they are made).
pub async fn backdate_submission_for_demo(
    change: &mut Change,
    audit_return: ReturnId,
    submitted_on: Date,
) -> Result<()> {
    let at = format!("{}T10:00:00Z", iso_date(submitted_on));
    sqlx::query(
        "UPDATE assurance_returns SET submitted_at = $1, updated_at = $1 WHERE id = $2 AND partnership_id = $3",
    )
    .bind(&at)
    .bind(audit_return)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    sqlx::query("UPDATE assurance_answers SET answered_at = $1 WHERE return_id = $2")
        .bind(&at)
        .bind(audit_return)
        .execute(change.conn())
        .await?;
    Ok(())
}

// ---- analysis reads ----

/// A return's graded answers (not "to review"), for a round's analysis and the reports.
#[derive(Debug, Clone, Serialize)]
pub struct GradedReturn {
    pub audit_return: AuditReturn,
    pub previous_actions: i64,
    pub previous_actions_completed: i64,
    /// Graded questions that apply to the organisation: the return's required answers.
    pub required: usize,
    /// Each standard's grade, by standard number (none where unanswered).
    pub grades: HashMap<i64, Grade>,
}

#[derive(sqlx::FromRow)]
struct GradeRow {
    return_id: ReturnId,
    standard: i64,
    grade: String,
}

/// Every return of a round with its graded answers.
pub async fn graded_returns(mut store: impl Store, round: &Round) -> Result<Vec<GradedReturn>> {
    let returns = returns_of_round(&mut store, round.id).await?;
    let version = framework_version(&mut store, round.version_id).await?;
    let settings = settings(&mut store).await?;
    let actions: Vec<(ReturnId, i64, i64)> = sqlx::query_as(
        "SELECT id, previous_actions, previous_actions_completed FROM assurance_returns \
         WHERE round_id = $1 AND partnership_id = $2",
    )
    .bind(round.id)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    let actions: HashMap<ReturnId, (i64, i64)> = actions
        .into_iter()
        .map(|(id, all, done)| (id, (all, done)))
        .collect();
    let rows: Vec<GradeRow> = sqlx::query_as(
        "SELECT a.return_id, s.number AS standard, a.grade FROM assurance_answers a \
         JOIN assurance_returns r ON r.id = a.return_id \
         JOIN assurance_questions q ON q.id = a.question_id \
         JOIN assurance_standards s ON s.id = q.standard_id \
         WHERE r.round_id = $1 AND r.partnership_id = $2 AND q.kind = 'grade' \
         AND a.grade IS NOT NULL AND a.to_review = 0",
    )
    .bind(round.id)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    let mut grades: HashMap<ReturnId, HashMap<i64, Grade>> = HashMap::new();
    for row in rows {
        if let Some(grade) = Grade::from_code(&row.grade) {
            grades
                .entry(row.return_id)
                .or_default()
                .insert(row.standard, grade);
        }
    }
    Ok(returns
        .into_iter()
        .map(|audit_return| {
            let setting = settings
                .get(&audit_return.organisation_id)
                .map(|s| s.setting);
            let required = version.as_ref().map_or(0, |version| {
                version
                    .questions()
                    .filter(|q| q.kind == QuestionKind::Grade && q.applies(setting))
                    .count()
            });
            let (previous_actions, previous_actions_completed) =
                actions.get(&audit_return.id).copied().unwrap_or((0, 0));
            GradedReturn {
                grades: grades.remove(&audit_return.id).unwrap_or_default(),
                previous_actions,
                previous_actions_completed,
                required,
                audit_return,
            }
        })
        .collect())
}
