//! The queries of a return's evidence and actions (`assurance_evidence`, `assurance_actions`),
//! apart from `store.rs` so the two grow separately; only these two files touch the
//! `assurance_*` tables. Reads take `impl Store` scoped by the partnership (through the return);
//! writes take `&mut Change` and record their audit entry on the return. Raising a submitted
//! return's actions in the improvement tracker goes through `tracker::store`.

use serde::Serialize;
use time::Date;

use super::evidence::{ActionPlan, NewEvidence, tracker_label, tracker_reference};
use super::model::{QuestionId, ReturnId};
use super::store::{AuditReturn, Round};
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{IsoDate, now_text};
use crate::kernel::files::StoredFileId;
use crate::kernel::ids::ActionId;
use crate::kernel::text::iso_date;
use crate::kernel::{Change, Store};
use crate::tracker::model::{ActionDetails, RecommendationDetails, SourceKind};

type Result<T> = std::result::Result<T, sqlx::Error>;

pub use super::evidence::{EvidenceId, ReturnActionId};

/// An item of evidence as stored, with its file's name and size when it is a file.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: EvidenceId,
    pub return_id: ReturnId,
    pub question_id: QuestionId,
    pub kind: String,
    pub text: String,
    pub url: String,
    pub file_id: Option<StoredFileId>,
    pub file_name: Option<String>,
    pub file_size: Option<i64>,
    pub reused_from_id: Option<EvidenceId>,
    pub added_by_name: String,
    pub added_at: String,
}

const EVIDENCE_COLUMNS: &str = "e.id, e.return_id, e.question_id, e.kind, e.text, e.url, e.file_id, \
     f.file_name, f.size_bytes AS file_size, e.reused_from_id, e.added_by_name, e.added_at \
     FROM assurance_evidence e JOIN assurance_returns r ON r.id = e.return_id \
     LEFT JOIN stored_files f ON f.id = e.file_id";

/// A return's evidence, oldest first. The return is one of the partnership's: the query joins
/// on it to be sure.
pub async fn evidence_of(mut store: impl Store, return_id: ReturnId) -> Result<Vec<Evidence>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVIDENCE_COLUMNS} WHERE e.return_id = $1 AND r.partnership_id = $2 ORDER BY e.id"
    )))
    .bind(return_id)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// An item of the partnership's evidence; None for another partnership's.
pub async fn find_evidence(mut store: impl Store, id: EvidenceId) -> Result<Option<Evidence>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVIDENCE_COLUMNS} WHERE e.id = $1 AND r.partnership_id = $2"
    )))
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

/// Adds evidence to a question of a return (the caller checked both), with the file already
/// stored if it is one.
pub async fn add_evidence(
    change: &mut Change,
    audit_return: &AuditReturn,
    (question, code): (QuestionId, &str),
    evidence: &NewEvidence,
    file: Option<StoredFileId>,
    by: &str,
) -> Result<EvidenceId> {
    let id: EvidenceId = sqlx::query_scalar(
        "INSERT INTO assurance_evidence (return_id, question_id, kind, text, url, file_id, added_by_name, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(audit_return.id)
    .bind(question)
    .bind(evidence.kind.code())
    .bind(&evidence.text)
    .bind(&evidence.url)
    .bind(file)
    .bind(by)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!(
                "Added {} evidence to question {code} of {}'s return",
                evidence.kind.code(),
                audit_return.organisation_name
            ),
            &(),
            &(id, question, evidence, file),
        ))
        .await?;
    Ok(id)
}

/// Reuses an item of the previous return's evidence on this return's question: a copy of the
/// row that points back to it (`reused_from_id`); a file is shared, not copied.
pub async fn reuse_evidence(
    change: &mut Change,
    audit_return: &AuditReturn,
    (question, code): (QuestionId, &str),
    from: &Evidence,
    by: &str,
) -> Result<EvidenceId> {
    let id: EvidenceId = sqlx::query_scalar(
        "INSERT INTO assurance_evidence (return_id, question_id, kind, text, url, file_id, reused_from_id, \
         added_by_name, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(audit_return.id)
    .bind(question)
    .bind(&from.kind)
    .bind(&from.text)
    .bind(&from.url)
    .bind(from.file_id)
    .bind(from.id)
    .bind(by)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!(
                "Reused last round's evidence on question {code} of {}'s return",
                audit_return.organisation_name
            ),
            &(),
            &(id, question, from.id),
        ))
        .await?;
    Ok(id)
}

// ---- actions ----

/// An action on an answer below "met", as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReturnAction {
    pub id: ReturnActionId,
    pub return_id: ReturnId,
    pub question_id: QuestionId,
    /// The question's code in its framework version.
    pub code: String,
    pub owner: String,
    #[sqlx(try_from = "IsoDate")]
    pub due_on: Date,
    pub what_will_change: String,
    pub tracker_action_id: Option<ActionId>,
    /// The next return's answer as stored (1 or 0): see [`ReturnAction::is_completed`].
    pub completed: Option<i64>,
}

impl ReturnAction {
    /// The next return's answer: was it completed? None until it says.
    pub fn is_completed(&self) -> Option<bool> {
        self.completed.map(|value| value != 0)
    }
}

/// A return's actions, in the framework's order. The return is one of the partnership's.
pub async fn actions_of_return(
    mut store: impl Store,
    return_id: ReturnId,
) -> Result<Vec<ReturnAction>> {
    sqlx::query_as(
        "SELECT a.id, a.return_id, a.question_id, q.code, a.owner, a.due_on, a.what_will_change, \
         a.tracker_action_id, a.completed FROM assurance_actions a \
         JOIN assurance_questions q ON q.id = a.question_id \
         WHERE a.return_id = $1 AND a.partnership_id = $2 ORDER BY q.position, a.id",
    )
    .bind(return_id)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// Saves a standard's actions with its answers: each Some sets the question's action (kept
/// with its tracker action, if raised), each None removes it. Records one entry when anything
/// was set or removed.
pub async fn save_actions(
    change: &mut Change,
    audit_return: &AuditReturn,
    actions: &[(QuestionId, Option<ActionPlan>)],
    by: &str,
) -> Result<()> {
    let now = now_text();
    let mut changed = 0_u64;
    for (question, plan) in actions {
        match plan {
            None => {
                changed += sqlx::query(
                    "DELETE FROM assurance_actions WHERE return_id = $1 AND question_id = $2 AND partnership_id = $3",
                )
                .bind(audit_return.id)
                .bind(*question)
                .bind(change.partnership())
                .execute(change.conn())
                .await?
                .rows_affected();
            }
            Some(plan) => {
                let updated = sqlx::query(
                    "UPDATE assurance_actions SET owner = $1, due_on = $2, what_will_change = $3, \
                     written_by_name = $4, written_at = $5 \
                     WHERE return_id = $6 AND question_id = $7 AND partnership_id = $8",
                )
                .bind(&plan.owner)
                .bind(iso_date(plan.due_on))
                .bind(&plan.what_will_change)
                .bind(by)
                .bind(&now)
                .bind(audit_return.id)
                .bind(*question)
                .bind(change.partnership())
                .execute(change.conn())
                .await?
                .rows_affected();
                if updated == 0 {
                    sqlx::query(
                        "INSERT INTO assurance_actions (partnership_id, return_id, question_id, owner, due_on, \
                         what_will_change, written_by_name, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(change.partnership())
                    .bind(audit_return.id)
                    .bind(*question)
                    .bind(&plan.owner)
                    .bind(iso_date(plan.due_on))
                    .bind(&plan.what_will_change)
                    .bind(by)
                    .bind(&now)
                    .execute(change.conn())
                    .await?;
                }
                changed += 1;
            }
        }
    }
    if changed == 0 {
        return Ok(());
    }
    let kept: Vec<_> = actions
        .iter()
        .filter_map(|(question, plan)| Some((question, plan.as_ref()?)))
        .collect();
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!(
                "Set {} actions on {}'s return",
                kept.len(),
                audit_return.organisation_name
            ),
            &(),
            &kept,
        ))
        .await
}

/// Raises a submitted return's actions in the improvement tracker: one recommendation for the
/// return (source: this audit return) with one tracker action per action, owned by the
/// return's organisation. Run in the submit's change. A return submitted again after a reopen
/// keeps its recommendation: actions raised before are updated, new ones added. Returns how
/// many tracker actions were added.
pub async fn raise_in_tracker(
    change: &mut Change,
    audit_return: &AuditReturn,
    round: &Round,
) -> Result<usize> {
    use crate::tracker::store as tracker;
    let actions = actions_of_return(&mut *change, audit_return.id).await?;
    if actions.is_empty() {
        return Ok(0);
    }
    let source_id = audit_return.id.get();
    let existing = tracker::recommendations_from(&mut *change, SourceKind::Audit, source_id)
        .await?
        .into_iter()
        .next();
    let (recommendation, reference) = match existing {
        Some(recommendation) => (recommendation.id, recommendation.reference),
        None => {
            let base = tracker_reference(round.id.get(), source_id);
            let mut reference = base.clone();
            let mut suffix = 1;
            while tracker::reference_taken(&mut *change, &reference).await? {
                suffix += 1;
                reference = format!("{base}-{suffix}");
            }
            let details = RecommendationDetails {
                reference: reference.clone(),
                source_kind: SourceKind::Audit,
                source_id: Some(source_id),
                source_label: tracker_label(&round.title, &audit_return.organisation_name),
                recommendation: format!(
                    "Act on the answers below \u{201c}met\u{201d} in {}'s {} return",
                    audit_return.organisation_name, round.title
                ),
                priority_item_id: None,
            };
            (
                tracker::insert_recommendation(change, &details).await?,
                reference,
            )
        }
    };
    let mut added = 0;
    for action in &actions {
        let details = ActionDetails {
            title: action.what_will_change.clone(),
            owner_organisation_id: audit_return.organisation_id,
            owner_person_id: None,
            overseeing_group_id: None,
            due_on: action.due_on,
            impact_indicator_id: None,
            impact_measure: format!(
                "Question {} of the {} audit, owned by {}: the next round asks whether it was completed",
                action.code, round.title, action.owner
            ),
        };
        let raised = match action.tracker_action_id {
            Some(id) => tracker::find_action(&mut *change, id).await?,
            None => None,
        };
        match raised {
            Some(raised) => {
                if raised.title != details.title
                    || raised.state.due_on != details.due_on
                    || raised.impact_measure != details.impact_measure
                {
                    // False when the tracker action moved on (completed meanwhile): kept as it is.
                    tracker::update_action(change, &raised, &details).await?;
                }
            }
            None => {
                let id =
                    tracker::insert_action(change, (recommendation, &reference), &details).await?;
                sqlx::query(
                    "UPDATE assurance_actions SET tracker_action_id = $1 WHERE id = $2 AND partnership_id = $3",
                )
                .bind(id)
                .bind(action.id)
                .bind(change.partnership())
                .execute(change.conn())
                .await?;
                added += 1;
            }
        }
    }
    Ok(added)
}

/// Records whether each of the previous return's actions was completed, as this return says,
/// and the counts on this return (`store::record_previous_actions`). `answers` name the
/// previous return's actions; the caller checked them.
pub async fn record_completion(
    change: &mut Change,
    audit_return: &AuditReturn,
    previous: ReturnId,
    answers: &[(ReturnActionId, bool)],
    (all, done): (i64, i64),
) -> Result<()> {
    for (action, completed) in answers {
        sqlx::query(
            "UPDATE assurance_actions SET completed = $1 WHERE id = $2 AND return_id = $3 AND partnership_id = $4",
        )
        .bind(i64::from(*completed))
        .bind(*action)
        .bind(previous)
        .bind(change.partnership())
        .execute(change.conn())
        .await?;
    }
    super::store::record_previous_actions(change, audit_return, all, done).await
}
