//! The queries of deep dives: a round's samples, panel members' moderation of a sampled return,
//! and the feedback letter. Only this file and `store.rs` touch the `assurance_*` tables. Reads
//! take `impl Store` scoped by `store.partnership()`; writes take `&mut Change` and record their
//! own audit entry (kinds `assurance_sample`, `assurance_moderation`, `assurance_letter`, and
//! `assurance_return` for the return marked moderated).

use serde::Serialize;

use super::grades::Grade;
use super::letter::LetterText;
use super::model::{ReturnId, RoundId, StandardId};
use super::sampling::Drawn;
use super::store::{AuditReturn, ReturnStatus, Round};
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::now_text;
use crate::kernel::ids::{OrganisationId, UserId};
use crate::kernel::{Change, Role, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

crate::typed_id!(
    /// A deep-dive sample of a round (one draw, or one choice by hand).
    SampleId
);

// ---- samples ----

/// A draw (or a choice by hand) of a round's deep-dive sample, as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Sample {
    pub id: SampleId,
    pub round_id: RoundId,
    /// `drawn` or `by_hand`.
    pub method: String,
    /// The seed, for a drawn sample (an unsigned 64-bit number as text).
    pub seed: Option<String>,
    /// The sampling rule as JSON, for a drawn sample.
    pub rule: String,
    /// The criteria in words.
    pub criteria: String,
    pub drawn_by_name: String,
    pub drawn_at: String,
    /// When a later draw replaced it; none for the round's current sample.
    pub replaced_at: Option<String>,
}

impl Sample {
    pub fn is_drawn(&self) -> bool {
        self.method == "drawn"
    }
}

/// A return in a sample, with why it was chosen.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SampledReturn {
    pub sample_id: SampleId,
    pub return_id: ReturnId,
    pub position: i64,
    pub reason: String,
}

/// How a new sample was made, to store beside the returns it chose.
#[derive(Debug, Clone, Serialize)]
pub struct NewSample {
    /// The seed, for a drawn sample.
    pub seed: Option<u64>,
    /// The rule as JSON, for a drawn sample.
    pub rule: String,
    pub criteria: String,
}

const SAMPLE_COLUMNS: &str =
    "id, round_id, method, seed, rule, criteria, drawn_by_name, drawn_at, replaced_at";

/// Every sample of a round, newest first (the first not replaced is the current one).
pub async fn samples_of_round(mut store: impl Store, round: RoundId) -> Result<Vec<Sample>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SAMPLE_COLUMNS} FROM assurance_samples WHERE round_id = $1 AND partnership_id = $2 \
         ORDER BY id DESC"
    )))
    .bind(round)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// The returns of a sample, in the order drawn.
pub async fn sample_returns(mut store: impl Store, sample: SampleId) -> Result<Vec<SampledReturn>> {
    sqlx::query_as(
        "SELECT sample_id, return_id, position, reason FROM assurance_sample_returns \
         WHERE sample_id = $1 AND partnership_id = $2 ORDER BY position",
    )
    .bind(sample)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// A round's current sample and its returns, if one has been drawn.
pub async fn current_sample(
    mut store: impl Store,
    round: RoundId,
) -> Result<Option<(Sample, Vec<SampledReturn>)>> {
    let sample: Option<Sample> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SAMPLE_COLUMNS} FROM assurance_samples WHERE round_id = $1 AND partnership_id = $2 \
         AND replaced_at IS NULL ORDER BY id DESC LIMIT 1"
    )))
    .bind(round)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await?;
    let Some(sample) = sample else {
        return Ok(None);
    };
    let returns = sample_returns(&mut store, sample.id).await?;
    Ok(Some((sample, returns)))
}

/// Why a return is in its round's current sample; none when it is not in it.
pub async fn reason_in_current_sample(
    mut store: impl Store,
    return_id: ReturnId,
) -> Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT sr.reason FROM assurance_sample_returns sr \
         JOIN assurance_samples s ON s.id = sr.sample_id \
         WHERE sr.return_id = $1 AND sr.partnership_id = $2 AND s.replaced_at IS NULL",
    )
    .bind(return_id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

/// How many judgements panel members have recorded on the returns of a sample: once any has,
/// the sample is kept (a redraw would leave their work outside it).
pub async fn moderations_in_sample(mut store: impl Store, sample: SampleId) -> Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM assurance_moderations m \
         JOIN assurance_sample_returns sr ON sr.return_id = m.return_id \
         WHERE sr.sample_id = $1 AND m.partnership_id = $2",
    )
    .bind(sample)
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await
}

/// Stores a round's sample: the draw's seed and criteria, who and when, and each return chosen
/// with its reason. The sample before (if any) is kept, marked replaced. The caller checks that
/// moderation of the sample before has not begun, inside the same change.
pub async fn record_sample(
    change: &mut Change,
    round: &Round,
    sample: &NewSample,
    chosen: &[Drawn],
    by: &str,
) -> Result<SampleId> {
    let now = now_text();
    sqlx::query(
        "UPDATE assurance_samples SET replaced_at = $1 WHERE round_id = $2 AND partnership_id = $3 \
         AND replaced_at IS NULL",
    )
    .bind(&now)
    .bind(round.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let method = if sample.seed.is_some() {
        "drawn"
    } else {
        "by_hand"
    };
    let id: SampleId = sqlx::query_scalar(
        "INSERT INTO assurance_samples (partnership_id, round_id, method, seed, rule, criteria, \
         drawn_by_name, drawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(change.partnership())
    .bind(round.id)
    .bind(method)
    .bind(sample.seed.map(|seed| seed.to_string()))
    .bind(&sample.rule)
    .bind(&sample.criteria)
    .bind(by)
    .bind(&now)
    .fetch_one(change.conn())
    .await?;
    for (position, drawn) in chosen.iter().enumerate() {
        sqlx::query(
            "INSERT INTO assurance_sample_returns (partnership_id, sample_id, return_id, position, reason) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(change.partnership())
        .bind(id)
        .bind(drawn.id)
        .bind(position as i64 + 1)
        .bind(&drawn.reason)
        .execute(change.conn())
        .await?;
    }
    let summary = match sample.seed {
        Some(seed) => format!(
            "Drew the deep-dive sample of {}: {} returns, seed {seed}",
            round.title,
            chosen.len()
        ),
        None => format!(
            "Chose the deep-dive sample of {} by hand: {} returns",
            round.title,
            chosen.len()
        ),
    };
    change
        .record(AuditEntry::created(
            "assurance_sample",
            id,
            summary,
            &serde_json::json!({
                "round_id": round.id,
                "seed": sample.seed.map(|seed| seed.to_string()),
                "criteria": sample.criteria,
                "rule": sample.rule,
                "returns": chosen,
            }),
        ))
        .await?;
    Ok(id)
}

// ---- moderation ----

/// One panel member's judgement of one standard of a return.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ModerationRecord {
    pub return_id: ReturnId,
    pub standard_id: StandardId,
    pub standard_number: i64,
    pub moderator_user_id: UserId,
    pub moderator_name: String,
    /// 1 when the moderator agrees with the self-grade (see [`ModerationRecord::agrees`]).
    #[sqlx(rename = "agrees")]
    pub agrees_flag: i64,
    #[sqlx(try_from = "String")]
    pub grade: Grade,
    pub comment: String,
    pub recorded_at: String,
}

const MODERATION_COLUMNS: &str = "m.return_id, m.standard_id, s.number AS standard_number, \
     m.moderator_user_id, m.moderator_name, m.agrees, m.grade, m.comment, m.recorded_at \
     FROM assurance_moderations m JOIN assurance_standards s ON s.id = m.standard_id";

/// Every judgement recorded on a return, by standard then moderator.
pub async fn moderations_of(
    mut store: impl Store,
    return_id: ReturnId,
) -> Result<Vec<ModerationRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MODERATION_COLUMNS} WHERE m.return_id = $1 AND m.partnership_id = $2 \
         ORDER BY s.number, m.moderator_name, m.moderator_user_id"
    )))
    .bind(return_id)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// A panel member's judgement of one standard, as saved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewJudgement {
    pub standard_id: StandardId,
    pub standard_number: i64,
    pub agrees: bool,
    pub grade: Grade,
    pub comment: String,
}

/// Saves one panel member's moderation of a return: their judgements replace the ones they
/// recorded before; other members' are kept.
pub async fn save_moderation(
    change: &mut Change,
    audit_return: &AuditReturn,
    moderator: UserId,
    moderator_name: &str,
    judgements: &[NewJudgement],
) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "DELETE FROM assurance_moderations WHERE return_id = $1 AND moderator_user_id = $2 \
         AND partnership_id = $3",
    )
    .bind(audit_return.id)
    .bind(moderator)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    for judgement in judgements {
        sqlx::query(
            "INSERT INTO assurance_moderations (partnership_id, return_id, standard_id, moderator_user_id, \
             moderator_name, agrees, grade, comment, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(change.partnership())
        .bind(audit_return.id)
        .bind(judgement.standard_id)
        .bind(moderator)
        .bind(moderator_name)
        .bind(i64::from(judgement.agrees))
        .bind(judgement.grade.code())
        .bind(&judgement.comment)
        .bind(&now)
        .execute(change.conn())
        .await?;
    }
    let agreed = judgements.iter().filter(|j| j.agrees).count();
    change
        .record(AuditEntry::updated(
            "assurance_moderation",
            audit_return.id,
            format!(
                "{moderator_name} moderated {} standards of {}'s return ({agreed} agreeing with the self-grade)",
                judgements.len(),
                audit_return.organisation_name
            ),
            &(),
            &judgements,
        ))
        .await
}

/// Marks a submitted return moderated; false when it is not submitted (already moderated, or
/// reopened meanwhile).
pub async fn mark_moderated(change: &mut Change, audit_return: &AuditReturn) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE assurance_returns SET status = 'moderated', updated_at = $1 \
         WHERE id = $2 AND partnership_id = $3 AND status = 'submitted'",
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
                "Marked {}'s return moderated",
                audit_return.organisation_name
            ),
            &audit_return.status,
            &ReturnStatus::Moderated,
        ))
        .await?;
    Ok(true)
}

/// A return in a current sample, for the panel's home page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReturnToModerate {
    pub return_id: ReturnId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub round_title: String,
    /// The judgements this panel member has recorded on it.
    pub recorded_by_them: i64,
}

/// Submitted (not yet moderated) returns in the partnership's current samples, with how many
/// judgements `moderator` has recorded on each.
pub async fn returns_to_moderate(
    mut store: impl Store,
    moderator: UserId,
) -> Result<Vec<ReturnToModerate>> {
    sqlx::query_as(
        "SELECT r.id AS return_id, r.organisation_id, o.name AS organisation_name, rd.title AS round_title, \
         (SELECT COUNT(*) FROM assurance_moderations m WHERE m.return_id = r.id AND m.moderator_user_id = $1) \
           AS recorded_by_them \
         FROM assurance_sample_returns sr \
         JOIN assurance_samples s ON s.id = sr.sample_id AND s.replaced_at IS NULL \
         JOIN assurance_returns r ON r.id = sr.return_id \
         JOIN assurance_rounds rd ON rd.id = r.round_id \
         JOIN organisations o ON o.id = r.organisation_id \
         WHERE sr.partnership_id = $2 AND r.status = 'submitted' ORDER BY rd.title, o.name",
    )
    .bind(moderator)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

impl ModerationRecord {
    /// Whether the moderator agrees with the self-grade.
    pub fn agrees(&self) -> bool {
        self.agrees_flag != 0
    }
}

// ---- letters ----

/// A return's feedback letter.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Letter {
    pub return_id: ReturnId,
    pub opening: String,
    pub strengths: String,
    pub areas_to_develop: String,
    pub closing: String,
    pub status: String,
    pub updated_by_name: String,
    pub updated_at: String,
    pub sent_by_name: Option<String>,
    pub sent_at: Option<String>,
}

impl Letter {
    pub fn is_sent(&self) -> bool {
        self.status == "sent"
    }

    pub fn text(&self) -> LetterText {
        LetterText {
            opening: self.opening.clone(),
            strengths: self.strengths.clone(),
            areas_to_develop: self.areas_to_develop.clone(),
            closing: self.closing.clone(),
        }
    }
}

/// A return's letter, draft or sent; none before the business unit first saves it.
pub async fn letter_of(mut store: impl Store, return_id: ReturnId) -> Result<Option<Letter>> {
    sqlx::query_as(
        "SELECT return_id, opening, strengths, areas_to_develop, closing, status, updated_by_name, \
         updated_at, sent_by_name, sent_at FROM assurance_letters WHERE return_id = $1 AND partnership_id = $2",
    )
    .bind(return_id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

/// Saves a return's letter as a draft, or as sent; false when it was already sent (a sent letter
/// is not changed, and a double send sends nothing twice).
pub async fn save_letter(
    change: &mut Change,
    audit_return: &AuditReturn,
    text: &LetterText,
    send: bool,
    by: &str,
) -> Result<bool> {
    let now = now_text();
    let before = letter_of(&mut *change, audit_return.id).await?;
    if before.as_ref().is_some_and(Letter::is_sent) {
        return Ok(false);
    }
    let status = if send { "sent" } else { "draft" };
    let sent_by = send.then_some(by);
    let sent_at = send.then_some(now.as_str());
    if before.is_some() {
        sqlx::query(
            "UPDATE assurance_letters SET opening = $1, strengths = $2, areas_to_develop = $3, closing = $4, \
             status = $5, updated_by_name = $6, updated_at = $7, sent_by_name = $8, sent_at = $9 \
             WHERE return_id = $10 AND partnership_id = $11 AND status = 'draft'",
        )
        .bind(&text.opening)
        .bind(&text.strengths)
        .bind(&text.areas_to_develop)
        .bind(&text.closing)
        .bind(status)
        .bind(by)
        .bind(&now)
        .bind(sent_by)
        .bind(sent_at)
        .bind(audit_return.id)
        .bind(change.partnership())
        .execute(change.conn())
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO assurance_letters (partnership_id, return_id, opening, strengths, areas_to_develop, \
             closing, status, updated_by_name, updated_at, sent_by_name, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(change.partnership())
        .bind(audit_return.id)
        .bind(&text.opening)
        .bind(&text.strengths)
        .bind(&text.areas_to_develop)
        .bind(&text.closing)
        .bind(status)
        .bind(by)
        .bind(&now)
        .bind(sent_by)
        .bind(sent_at)
        .execute(change.conn())
        .await?;
    }
    let summary = if send {
        format!(
            "Sent the feedback letter to {}",
            audit_return.organisation_name
        )
    } else {
        format!(
            "Saved the draft feedback letter to {}",
            audit_return.organisation_name
        )
    };
    change
        .record(AuditEntry::updated(
            "assurance_letter",
            audit_return.id,
            summary,
            &before.map(|letter| letter.text()),
            text,
        ))
        .await?;
    Ok(true)
}

/// The e-mail addresses of an organisation's audit respondents (their accounts not archived).
pub async fn respondent_emails(
    mut store: impl Store,
    organisation: OrganisationId,
) -> Result<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT email, roles FROM users WHERE partnership_id = $1 AND organisation_id = $2 \
         AND archived_at IS NULL ORDER BY email",
    )
    .bind(store.partnership())
    .bind(organisation)
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, roles)| Role::parse_list(roles).contains(&Role::AuditRespondent))
        .map(|(email, _)| email)
        .collect())
}

/// A letter sent or waiting to be sent, for home pages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LetterItem {
    pub return_id: ReturnId,
    pub organisation_name: String,
    pub round_title: String,
    pub sent_at: Option<String>,
}

/// Letters sent to an organisation, newest first.
pub async fn letters_sent_to(
    mut store: impl Store,
    organisation: OrganisationId,
) -> Result<Vec<LetterItem>> {
    sqlx::query_as(
        "SELECT r.id AS return_id, o.name AS organisation_name, rd.title AS round_title, l.sent_at \
         FROM assurance_letters l JOIN assurance_returns r ON r.id = l.return_id \
         JOIN assurance_rounds rd ON rd.id = r.round_id JOIN organisations o ON o.id = r.organisation_id \
         WHERE l.partnership_id = $1 AND r.organisation_id = $2 AND l.status = 'sent' \
         ORDER BY l.sent_at DESC",
    )
    .bind(store.partnership())
    .bind(organisation)
    .fetch_all(store.conn())
    .await
}

/// Moderated returns whose letter is not yet sent, for the business unit.
pub async fn letters_to_send(mut store: impl Store) -> Result<Vec<LetterItem>> {
    sqlx::query_as(
        "SELECT r.id AS return_id, o.name AS organisation_name, rd.title AS round_title, \
         CAST(NULL AS TEXT) AS sent_at \
         FROM assurance_returns r JOIN assurance_rounds rd ON rd.id = r.round_id \
         JOIN organisations o ON o.id = r.organisation_id \
         LEFT JOIN assurance_letters l ON l.return_id = r.id \
         WHERE r.partnership_id = $1 AND r.status = 'moderated' \
         AND (l.id IS NULL OR l.status <> 'sent') \
         AND EXISTS (SELECT 1 FROM assurance_moderations m WHERE m.return_id = r.id) \
         ORDER BY rd.title, o.name",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// The partnership's name, for the letter's heading.
pub async fn partnership_name(mut store: impl Store) -> Result<String> {
    sqlx::query_scalar("SELECT name FROM partnerships WHERE id = $1")
        .bind(store.partnership())
        .fetch_one(store.conn())
        .await
}
