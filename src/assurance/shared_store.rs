//! The queries of one return shared by several partnerships (`assurance_return_shares`; the
//! rules are `shared.rs`). These are the assurance module's only reads across partnerships, and
//! each is bounded by the share table or by the organisation's name and the framework's code;
//! the writes to the other partnership's return go through that partnership's own store
//! functions inside [`Change::within`], so its trail records them.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use super::evidence::ActionPlan;
use super::evidence_store;
use super::model::{QuestionId, ReturnId};
use super::shared::{self, Answering, Candidate, Follow, Refusal};
use super::store::{self, AnswerValue, AuditReturn, ReturnStatus, Round};
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{IsoDate, now_text};
use crate::kernel::ids::PartnershipId;
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// "The round has no newer round of its framework in its partnership": it is the live round.
const ROUND_IS_LIVE: &str = "NOT EXISTS (SELECT 1 FROM assurance_rounds newer \
     WHERE newer.partnership_id = rd.partnership_id AND newer.framework_id = rd.framework_id \
     AND (newer.opens_on > rd.opens_on OR (newer.opens_on = rd.opens_on AND newer.id > rd.id)))";

/// Another partnership's return for the same organisation to the same framework, as offered
/// for sharing (or already following this return).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OtherReturn {
    pub return_id: ReturnId,
    pub partnership_id: PartnershipId,
    pub partnership_name: String,
    pub round_title: String,
    #[sqlx(try_from = "IsoDate")]
    pub due_on: Date,
    #[sqlx(try_from = "String")]
    pub status: ReturnStatus,
    /// 1 when its round is the live round of its framework (a number on both databases).
    pub round_live_flag: i64,
    pub own_answers: i64,
    /// The return it follows, if it follows one.
    pub follows: Option<ReturnId>,
    pub last_copied_at: Option<String>,
}

impl OtherReturn {
    /// What the rules know of it (`shared::may_follow`).
    pub fn candidate(&self) -> Candidate {
        Candidate {
            follows_a_return: self.follows.is_some(),
            round_live: self.round_live_flag != 0,
            status: self.status,
            own_answers: self.own_answers,
        }
    }
}

/// The other partnerships' returns for this return's organisation (same name) to rounds of
/// this round's framework (same code): what this return may be shared with, and what follows
/// it already.
pub async fn other_returns(
    mut store: impl Store,
    audit_return: &AuditReturn,
    round: &Round,
) -> Result<Vec<OtherReturn>> {
    let sql = format!(
        "SELECT r.id AS return_id, r.partnership_id, p.name AS partnership_name, rd.title AS round_title, \
         r.due_on, r.status, CASE WHEN {ROUND_IS_LIVE} THEN 1 ELSE 0 END AS round_live_flag, \
         (SELECT COUNT(*) FROM assurance_answers a WHERE a.return_id = r.id) AS own_answers, \
         s.answered_by_return_id AS follows, s.last_copied_at \
         FROM assurance_returns r \
         JOIN assurance_rounds rd ON rd.id = r.round_id \
         JOIN assurance_frameworks f ON f.id = rd.framework_id \
         JOIN organisations o ON o.id = r.organisation_id \
         JOIN partnerships p ON p.id = r.partnership_id \
         LEFT JOIN assurance_return_shares s ON s.return_id = r.id \
         WHERE r.partnership_id <> $1 AND lower(o.name) = lower($2) AND f.code = $3 \
         ORDER BY p.name, r.due_on DESC, r.id DESC"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(store.partnership())
        .bind(&audit_return.organisation_name)
        .bind(&round.framework_code)
        .fetch_all(store.conn())
        .await
}

/// Whether this return's round is the live round of its framework, and whether the return
/// itself follows another partnership's.
pub async fn answering(mut store: impl Store, audit_return: &AuditReturn) -> Result<Answering> {
    let (live, follows): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT CASE WHEN {ROUND_IS_LIVE} THEN 1 ELSE 0 END, \
         (SELECT COUNT(*) FROM assurance_return_shares s WHERE s.return_id = r.id) \
         FROM assurance_returns r JOIN assurance_rounds rd ON rd.id = r.round_id \
         WHERE r.id = $1 AND r.partnership_id = $2"
    )))
    .bind(audit_return.id)
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await?;
    Ok(Answering {
        follows: follows > 0,
        round_live: live != 0,
    })
}

/// Where a following return is answered, for its page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AnsweredIn {
    pub partnership_name: String,
    pub round_title: String,
    pub shared_by_name: String,
    pub shared_at: String,
    pub last_copied_at: Option<String>,
}

/// Where this return (one of the partnership's) is answered, if it follows another
/// partnership's return.
pub async fn answered_in(mut store: impl Store, return_id: ReturnId) -> Result<Option<AnsweredIn>> {
    sqlx::query_as(
        "SELECT p.name AS partnership_name, rd.title AS round_title, s.shared_by_name, s.shared_at, \
         s.last_copied_at FROM assurance_return_shares s \
         JOIN partnerships p ON p.id = s.answered_by_partnership_id \
         JOIN assurance_returns ar ON ar.id = s.answered_by_return_id \
         JOIN assurance_rounds rd ON rd.id = ar.round_id \
         WHERE s.return_id = $1 AND s.partnership_id = $2",
    )
    .bind(return_id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

/// What sharing did.
#[derive(Debug, Clone, PartialEq)]
pub enum Shared {
    /// Shared with the named partnership's round.
    With {
        partnership_name: String,
        round_title: String,
    },
    Refused(Refusal),
    /// Not a return of this organisation to this framework in another partnership.
    NotOffered,
}

/// Shares the answering return with another partnership's return (one of
/// [`other_returns`]), then brings that return into step. Checked again inside the change, so
/// two people sharing at once share once.
pub async fn share(
    change: &mut Change,
    answering_return: &AuditReturn,
    round: &Round,
    other: ReturnId,
    by: &str,
) -> Result<Shared> {
    let answering = answering(&mut *change, answering_return).await?;
    let Some(target) = other_returns(&mut *change, answering_return, round)
        .await?
        .into_iter()
        .find(|candidate| candidate.return_id == other)
    else {
        return Ok(Shared::NotOffered);
    };
    if let Err(refusal) = shared::may_follow(answering, target.candidate()) {
        return Ok(Shared::Refused(refusal));
    }
    let now = now_text();
    sqlx::query(
        "INSERT INTO assurance_return_shares (partnership_id, return_id, answered_by_partnership_id, \
         answered_by_return_id, shared_by_name, shared_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(target.partnership_id)
    .bind(target.return_id)
    .bind(change.partnership())
    .bind(answering_return.id)
    .bind(by)
    .bind(&now)
    .execute(change.conn())
    .await?;
    let answering_partnership = super::deep_dive_store::partnership_name(&mut *change).await?;
    change
        .record(AuditEntry::updated(
            "assurance_return",
            answering_return.id,
            format!(
                "Shared {}'s return with {} ({})",
                answering_return.organisation_name, target.partnership_name, target.round_title
            ),
            &(),
            &(target.partnership_id, target.return_id),
        ))
        .await?;
    change
        .record_in(
            target.partnership_id,
            AuditEntry::updated(
                "assurance_return",
                target.return_id,
                format!(
                    "{}'s return is now answered in {answering_partnership} ({}), shared by {by}",
                    answering_return.organisation_name, round.title
                ),
                &(),
                &(answering_return.id, by),
            ),
        )
        .await?;
    bring_into_step(change, answering_return.id).await?;
    Ok(Shared::With {
        partnership_name: target.partnership_name,
        round_title: target.round_title,
    })
}

/// The answering return as it stands, with what crosses to the returns that follow it: its
/// answers (not those still "to review"), evidence and actions by question code.
struct Source {
    audit_return: AuditReturn,
    partnership_name: String,
    answers: Vec<(String, AnswerValue)>,
    evidence: Vec<(String, evidence_store::Evidence)>,
    actions: Vec<(String, ActionPlan)>,
    previous_actions: (i64, i64),
}

async fn source(change: &mut Change, answering: ReturnId) -> Result<Option<Source>> {
    let Some(audit_return) = store::find_return(&mut *change, answering).await? else {
        return Ok(None);
    };
    let Some(round) = store::find_round(&mut *change, audit_return.round_id).await? else {
        return Ok(None);
    };
    let Some(version) = store::framework_version(&mut *change, round.version_id).await? else {
        return Ok(None);
    };
    let code_of: HashMap<QuestionId, String> = version
        .questions()
        .map(|question| (question.id, question.code.clone()))
        .collect();
    let mut answers: Vec<(String, AnswerValue)> = store::answers_of(&mut *change, answering)
        .await?
        .into_values()
        .filter(|answer| !answer.to_review)
        .filter_map(|answer| Some((code_of.get(&answer.question_id)?.clone(), answer.value)))
        .collect();
    answers.sort_by(|a, b| a.0.cmp(&b.0));
    let evidence = evidence_store::evidence_of(&mut *change, answering)
        .await?
        .into_iter()
        .filter_map(|item| Some((code_of.get(&item.question_id)?.clone(), item)))
        .collect();
    let actions = evidence_store::actions_of_return(&mut *change, answering)
        .await?
        .into_iter()
        .map(|action| {
            (
                action.code,
                ActionPlan {
                    owner: action.owner,
                    due_on: action.due_on,
                    what_will_change: action.what_will_change,
                },
            )
        })
        .collect();
    let (previous, completed): (i64, i64) = sqlx::query_as(
        "SELECT previous_actions, previous_actions_completed FROM assurance_returns WHERE id = $1",
    )
    .bind(answering)
    .fetch_one(change.conn())
    .await?;
    let partnership_name = super::deep_dive_store::partnership_name(&mut *change).await?;
    Ok(Some(Source {
        audit_return,
        partnership_name,
        answers,
        evidence,
        actions,
        previous_actions: (previous, completed),
    }))
}

/// Brings every return that follows this one (of the change's partnership) into step with it:
/// a submission is copied and submitted there, a reopen reopens there. Run in the change that
/// submitted, reopened or first answered the return. Returns how many followed.
pub async fn bring_into_step(change: &mut Change, answering: ReturnId) -> Result<usize> {
    let followers: Vec<(ReturnId, PartnershipId)> = sqlx::query_as(
        "SELECT return_id, partnership_id FROM assurance_return_shares \
         WHERE answered_by_return_id = $1 AND answered_by_partnership_id = $2 ORDER BY id",
    )
    .bind(answering)
    .bind(change.partnership())
    .fetch_all(change.conn())
    .await?;
    if followers.is_empty() {
        return Ok(0);
    }
    let Some(source) = source(change, answering).await? else {
        return Ok(0);
    };
    for (following, partnership) in &followers {
        change
            .within(*partnership, async |change: &mut Change| {
                follow_one(change, &source, *following).await
            })
            .await?;
    }
    Ok(followers.len())
}

/// One following return (in the change's partnership, as switched to by `within`) follows its
/// answering return.
async fn follow_one(change: &mut Change, source: &Source, following: ReturnId) -> Result<()> {
    let Some(copy) = store::find_return(&mut *change, following).await? else {
        return Ok(());
    };
    let by = source
        .audit_return
        .submitted_by_name
        .clone()
        .unwrap_or_else(|| source.audit_return.organisation_name.clone());
    match shared::follow(source.audit_return.status, copy.status) {
        Follow::Nothing => Ok(()),
        Follow::MarkInProgress => {
            sqlx::query(
                "UPDATE assurance_returns SET status = 'in_progress', updated_at = $1 \
                 WHERE id = $2 AND partnership_id = $3 AND status = 'not_started'",
            )
            .bind(now_text())
            .bind(copy.id)
            .bind(change.partnership())
            .execute(change.conn())
            .await?;
            change
                .record(AuditEntry::updated(
                    "assurance_return",
                    copy.id,
                    format!(
                        "{}'s return is being answered in {}",
                        copy.organisation_name, source.partnership_name
                    ),
                    &copy.status,
                    &ReturnStatus::InProgress,
                ))
                .await
        }
        Follow::Reopen => {
            let reason = format!(
                "its answering return in {} was reopened",
                source.partnership_name
            );
            store::reopen_return(change, &copy, &reason).await.map(drop)
        }
        Follow::Copy => copy_submission(change, source, &copy, &by).await,
    }
}

/// Copies the answering return's submission to the following return and submits it there,
/// raising its actions in that partnership's improvement tracker.
async fn copy_submission(
    change: &mut Change,
    source: &Source,
    copy: &AuditReturn,
    by: &str,
) -> Result<()> {
    let Some(round) = store::find_round(&mut *change, copy.round_id).await? else {
        return Ok(());
    };
    let Some(version) = store::framework_version(&mut *change, round.version_id).await? else {
        return Ok(());
    };
    let questions: HashMap<String, QuestionId> = version
        .questions()
        .map(|question| (question.code.clone(), question.id))
        .collect();
    // What the copy held before (a submission copied earlier, then reopened) is replaced whole.
    for table in ["assurance_answers", "assurance_evidence"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE return_id = (SELECT id FROM assurance_returns \
             WHERE id = $1 AND partnership_id = $2)"
        )))
        .bind(copy.id)
        .bind(change.partnership())
        .execute(change.conn())
        .await?;
    }
    let answers = shared::carry(source.answers.iter().cloned(), &questions);
    store::save_answers(change, copy, &answers.values, by).await?;
    let evidence = shared::carry(
        source
            .evidence
            .iter()
            .map(|(code, item)| (code.clone(), item)),
        &questions,
    );
    let copied_at = now_text();
    for (question, item) in &evidence.values {
        sqlx::query(
            "INSERT INTO assurance_evidence (return_id, question_id, kind, text, url, file_id, \
             reused_from_id, added_by_name, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(copy.id)
        .bind(*question)
        .bind(&item.kind)
        .bind(&item.text)
        .bind(&item.url)
        .bind(item.file_id)
        .bind(item.id)
        .bind(&item.added_by_name)
        .bind(&copied_at)
        .execute(change.conn())
        .await?;
    }
    let actions = shared::carry(source.actions.iter().cloned(), &questions);
    let mut plans: Vec<(QuestionId, Option<ActionPlan>)> =
        evidence_store::actions_of_return(&mut *change, copy.id)
            .await?
            .into_iter()
            .filter(|held| !actions.values.iter().any(|(q, _)| *q == held.question_id))
            .map(|held| (held.question_id, None))
            .collect();
    plans.extend(actions.values.into_iter().map(|(q, plan)| (q, Some(plan))));
    evidence_store::save_actions(change, copy, &plans, by).await?;
    let (previous, completed) = source.previous_actions;
    if previous > 0 {
        store::record_previous_actions(change, copy, previous, completed).await?;
    }
    sqlx::query(
        "UPDATE assurance_return_shares SET last_copied_at = $1 WHERE return_id = $2 AND partnership_id = $3",
    )
    .bind(&copied_at)
    .bind(copy.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let mut missing = answers.missing;
    missing.extend(evidence.missing);
    missing.sort();
    missing.dedup();
    change
        .record(AuditEntry::updated(
            "assurance_return",
            copy.id,
            format!(
                "Copied {}'s return as submitted in {}: {} answers, {} evidence{}",
                copy.organisation_name,
                source.partnership_name,
                answers.values.len(),
                evidence.values.len(),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; not in this partnership's framework: {}",
                        missing.join(", ")
                    )
                }
            ),
            &(),
            &missing,
        ))
        .await?;
    if store::submit_return(change, copy, by).await? {
        evidence_store::raise_in_tracker(change, copy, &round).await?;
    }
    Ok(())
}

/// Stops a return of the change's partnership following another partnership's: it keeps what
/// was copied and is answered here from now on (its business unit's decision, in both trails).
/// False when it followed none.
pub async fn stop_following(change: &mut Change, audit_return: &AuditReturn) -> Result<bool> {
    let followed: Option<(ReturnId, PartnershipId)> = sqlx::query_as(
        "SELECT answered_by_return_id, answered_by_partnership_id FROM assurance_return_shares \
         WHERE return_id = $1 AND partnership_id = $2",
    )
    .bind(audit_return.id)
    .bind(change.partnership())
    .fetch_optional(change.conn())
    .await?;
    let Some((answering, answering_partnership)) = followed else {
        return Ok(false);
    };
    sqlx::query("DELETE FROM assurance_return_shares WHERE return_id = $1 AND partnership_id = $2")
        .bind(audit_return.id)
        .bind(change.partnership())
        .execute(change.conn())
        .await?;
    let here = super::deep_dive_store::partnership_name(&mut *change).await?;
    change
        .record(AuditEntry::updated(
            "assurance_return",
            audit_return.id,
            format!(
                "{}'s return is answered here from now on, keeping what was copied: it no longer follows another partnership's",
                audit_return.organisation_name
            ),
            &(answering, answering_partnership),
            &(),
        ))
        .await?;
    change
        .record_in(
            answering_partnership,
            AuditEntry::updated(
                "assurance_return",
                answering,
                format!(
                    "{here} no longer follows {}'s return: it has it answered there",
                    audit_return.organisation_name
                ),
                &audit_return.id,
                &(),
            ),
        )
        .await?;
    Ok(true)
}
