//! The risk register's queries. Only this file touches `risks`, `risk_scores` and
//! `risk_controls`. Owners' names come from the partnership module's public functions.
//! Reads take `impl Store` scoped by `store.partnership()`; writes take `&mut Change` and record
//! their own audit entry.

use std::collections::HashMap;

use time::Date;

use super::model::*;
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::{IsoDate, OptionalIsoDate, now_text};
use crate::kernel::ids::{OrganisationId, RiskId};
use crate::kernel::text::iso_date;
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// A stored likelihood and impact as a score on the 5 × 5 grid.
fn score(likelihood: i64, impact: i64, which: &str) -> Result<Score> {
    let level = |value: i64| {
        u8::try_from(value)
            .ok()
            .filter(|level| (1..=5).contains(level))
    };
    level(likelihood)
        .zip(level(impact))
        .and_then(|(likelihood, impact)| Score::new(likelihood, impact))
        .ok_or_else(|| {
            sqlx::Error::Decode(
                format!("{which} score {likelihood} × {impact} is off the grid").into(),
            )
        })
}

/// A `risks` row as stored; the scores are checked once on the way to a [`Risk`].
#[derive(sqlx::FromRow)]
struct RiskRow {
    id: RiskId,
    reference: String,
    title: String,
    description: String,
    cause: String,
    effect: String,
    owner_organisation_id: OrganisationId,
    owner_role: String,
    theme: String,
    #[sqlx(try_from = "IsoDate")]
    review_on: Date,
    inherent_likelihood: i64,
    inherent_impact: i64,
    residual_likelihood: i64,
    residual_impact: i64,
    #[sqlx(try_from = "String")]
    status: RiskStatus,
    #[sqlx(try_from = "OptionalIsoDate")]
    closed_on: Option<Date>,
    closure_rationale: String,
}

impl RiskRow {
    fn into_risk(self, names: &HashMap<OrganisationId, String>) -> Result<Risk> {
        Ok(Risk {
            id: self.id,
            owner_organisation: names
                .get(&self.owner_organisation_id)
                .cloned()
                .unwrap_or_else(|| "An archived organisation".to_owned()),
            inherent: score(self.inherent_likelihood, self.inherent_impact, "inherent")?,
            residual: score(self.residual_likelihood, self.residual_impact, "residual")?,
            details: RiskDetails {
                reference: self.reference,
                title: self.title,
                description: self.description,
                cause: self.cause,
                effect: self.effect,
                owner_organisation_id: self.owner_organisation_id,
                owner_role: self.owner_role,
                theme: self.theme,
                review_on: self.review_on,
            },
            status: self.status,
            closed_on: self.closed_on,
            closure_rationale: self.closure_rationale,
        })
    }
}

/// Every risk of the partnership, in reference order (the register sorts them for display).
pub async fn list_risks(mut store: impl Store) -> Result<Vec<Risk>> {
    let names = crate::partnership::organisation_names(&mut store).await?;
    let rows: Vec<RiskRow> =
        sqlx::query_as("SELECT * FROM risks WHERE partnership_id = $1 ORDER BY reference")
            .bind(store.partnership())
            .fetch_all(store.conn())
            .await?;
    rows.into_iter().map(|row| row.into_risk(&names)).collect()
}

/// One of the partnership's risks; None for another partnership's.
pub async fn find_risk(mut store: impl Store, id: RiskId) -> Result<Option<Risk>> {
    let row: Option<RiskRow> =
        sqlx::query_as("SELECT * FROM risks WHERE id = $1 AND partnership_id = $2")
            .bind(id)
            .bind(store.partnership())
            .fetch_optional(store.conn())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let names = crate::partnership::organisation_names(&mut store).await?;
    row.into_risk(&names).map(Some)
}

/// Is the reference used by another of the partnership's risks? (References are compared
/// without case.)
pub async fn reference_taken(
    mut store: impl Store,
    reference: &str,
    except: Option<RiskId>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM risks WHERE partnership_id = $1 AND upper(reference) = upper($2) AND id <> $3",
    )
    .bind(store.partnership())
    .bind(reference)
    .bind(except.unwrap_or(RiskId::new(0)))
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Records a new risk with its first scores.
pub async fn insert_risk(
    change: &mut Change,
    details: &RiskDetails,
    first: &Rescore,
    scored_by: &str,
) -> Result<RiskId> {
    let id: RiskId = sqlx::query_scalar(
        "INSERT INTO risks (reference, title, description, cause, effect, owner_organisation_id, owner_role, \
         theme, inherent_likelihood, inherent_impact, residual_likelihood, residual_impact, review_on, status, \
         created_at, updated_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14, $14, $15) RETURNING id",
    )
    .bind(&details.reference)
    .bind(&details.title)
    .bind(&details.description)
    .bind(&details.cause)
    .bind(&details.effect)
    .bind(details.owner_organisation_id)
    .bind(&details.owner_role)
    .bind(&details.theme)
    .bind(i64::from(first.inherent.likelihood))
    .bind(i64::from(first.inherent.impact))
    .bind(i64::from(first.residual.likelihood))
    .bind(i64::from(first.residual.impact))
    .bind(iso_date(details.review_on))
    .bind(now_text())
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await?;
    insert_score(change, id, first, scored_by).await?;
    change
        .record(AuditEntry::created(
            "risk",
            id,
            format!("Added risk {}: {}", details.reference, details.title),
            &(details, first),
        ))
        .await?;
    Ok(id)
}

/// Changes a risk's details; `risk` is the risk as it was.
pub async fn update_details(change: &mut Change, risk: &Risk, details: &RiskDetails) -> Result<()> {
    sqlx::query(
        "UPDATE risks SET reference = $1, title = $2, description = $3, cause = $4, effect = $5, \
         owner_organisation_id = $6, owner_role = $7, theme = $8, review_on = $9, updated_at = $10 \
         WHERE id = $11 AND partnership_id = $12",
    )
    .bind(&details.reference)
    .bind(&details.title)
    .bind(&details.description)
    .bind(&details.cause)
    .bind(&details.effect)
    .bind(details.owner_organisation_id)
    .bind(&details.owner_role)
    .bind(&details.theme)
    .bind(iso_date(details.review_on))
    .bind(now_text())
    .bind(risk.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "risk",
            risk.id,
            format!("Updated risk {}: {}", details.reference, details.title),
            &risk.details,
            details,
        ))
        .await?;
    Ok(())
}

/// One scoring joins the risk's history (part of a recorded write, so no entry of its own).
async fn insert_score(
    change: &mut Change,
    risk: RiskId,
    rescore: &Rescore,
    scored_by: &str,
) -> Result<ScoreId> {
    sqlx::query_scalar(
        "INSERT INTO risk_scores (risk_id, scored_on, scored_by, inherent_likelihood, inherent_impact, \
         residual_likelihood, residual_impact, rationale, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(risk)
    .bind(iso_date(rescore.scored_on))
    .bind(scored_by)
    .bind(i64::from(rescore.inherent.likelihood))
    .bind(i64::from(rescore.inherent.impact))
    .bind(i64::from(rescore.residual.likelihood))
    .bind(i64::from(rescore.residual.impact))
    .bind(&rescore.rationale)
    .bind(now_text())
    .fetch_one(change.conn())
    .await
}

/// What a change to a risk is judged against: its status and scores.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub status: RiskStatus,
    pub inherent: Score,
    pub residual: Score,
}

#[derive(sqlx::FromRow)]
struct StandingRow {
    #[sqlx(try_from = "String")]
    status: RiskStatus,
    inherent_likelihood: i64,
    inherent_impact: i64,
    residual_likelihood: i64,
    residual_impact: i64,
}

/// The risk's standing; inside a change, read and locked: two re-scores at once each record
/// the score the other left, and a risk closed a moment ago is not re-scored.
pub async fn standing(mut store: impl Store, id: RiskId) -> Result<Option<Standing>> {
    let sql = format!(
        "SELECT status, inherent_likelihood, inherent_impact, residual_likelihood, residual_impact \
         FROM risks WHERE id = $1 AND partnership_id = $2{}",
        store.for_update()
    );
    let row: Option<StandingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await?;
    row.map(|row| {
        Ok(Standing {
            status: row.status,
            inherent: score(row.inherent_likelihood, row.inherent_impact, "inherent")?,
            residual: score(row.residual_likelihood, row.residual_impact, "residual")?,
        })
    })
    .transpose()
}

/// A re-score: the risk's current scores change and the scoring joins its history. `was` is
/// the standing read inside the same change.
pub async fn rescore(
    change: &mut Change,
    risk: RiskId,
    reference: &str,
    was: &Standing,
    rescore: &Rescore,
    scored_by: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE risks SET inherent_likelihood = $1, inherent_impact = $2, residual_likelihood = $3, \
         residual_impact = $4, updated_at = $5 WHERE id = $6 AND partnership_id = $7",
    )
    .bind(i64::from(rescore.inherent.likelihood))
    .bind(i64::from(rescore.inherent.impact))
    .bind(i64::from(rescore.residual.likelihood))
    .bind(i64::from(rescore.residual.impact))
    .bind(now_text())
    .bind(risk)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    insert_score(change, risk, rescore, scored_by).await?;
    change
        .record(AuditEntry::updated(
            "risk",
            risk,
            format!(
                "Re-scored risk {}: residual {} (was {})",
                reference,
                rescore.residual.describe(),
                was.residual.describe()
            ),
            &serde_json::json!({ "inherent": was.inherent, "residual": was.residual }),
            rescore,
        ))
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ScoreRow {
    id: ScoreId,
    scored_by: String,
    #[sqlx(try_from = "IsoDate")]
    scored_on: Date,
    inherent_likelihood: i64,
    inherent_impact: i64,
    residual_likelihood: i64,
    residual_impact: i64,
    rationale: String,
}

/// A risk's scorings, newest first. The caller found the risk in its partnership.
pub async fn score_history(mut store: impl Store, risk: RiskId) -> Result<Vec<ScoreRecord>> {
    let rows: Vec<ScoreRow> = sqlx::query_as(
        "SELECT s.* FROM risk_scores s JOIN risks r ON r.id = s.risk_id \
         WHERE s.risk_id = $1 AND r.partnership_id = $2 ORDER BY s.scored_on DESC, s.id DESC",
    )
    .bind(risk)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(ScoreRecord {
                id: row.id,
                scored_by: row.scored_by,
                rescore: Rescore {
                    scored_on: row.scored_on,
                    inherent: score(row.inherent_likelihood, row.inherent_impact, "inherent")?,
                    residual: score(row.residual_likelihood, row.residual_impact, "residual")?,
                    rationale: row.rationale,
                },
            })
        })
        .collect()
}

/// Closes or tolerates a risk; `was` is the status it had.
pub async fn close(
    change: &mut Change,
    risk: RiskId,
    reference: &str,
    was: RiskStatus,
    closure: &Closure,
) -> Result<()> {
    sqlx::query(
        "UPDATE risks SET status = $1, closed_on = $2, closure_rationale = $3, updated_at = $4 \
         WHERE id = $5 AND partnership_id = $6",
    )
    .bind(closure.status.code())
    .bind(iso_date(closure.closed_on))
    .bind(&closure.rationale)
    .bind(now_text())
    .bind(risk)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "risk",
            risk,
            format!(
                "{} risk {}",
                match closure.status {
                    RiskStatus::Tolerated => "Tolerated",
                    _ => "Closed",
                },
                reference
            ),
            &serde_json::json!({ "status": was }),
            closure,
        ))
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ControlRow {
    id: ControlId,
    risk_id: RiskId,
    description: String,
    owner: String,
    #[sqlx(try_from = "String")]
    effectiveness: Effectiveness,
    retired_at: Option<String>,
}

impl From<ControlRow> for Control {
    fn from(row: ControlRow) -> Control {
        Control {
            id: row.id,
            risk_id: row.risk_id,
            details: ControlDetails {
                description: row.description,
                owner: row.owner,
                effectiveness: row.effectiveness,
            },
            retired_at: row.retired_at,
        }
    }
}

/// Controls in force on one risk, oldest first. The caller found the risk in its partnership.
pub async fn controls(mut store: impl Store, risk: RiskId) -> Result<Vec<Control>> {
    let rows: Vec<ControlRow> = sqlx::query_as(
        "SELECT c.* FROM risk_controls c JOIN risks r ON r.id = c.risk_id \
         WHERE c.risk_id = $1 AND r.partnership_id = $2 AND c.retired_at IS NULL ORDER BY c.id",
    )
    .bind(risk)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows.into_iter().map(Control::from).collect())
}

/// Controls in force on every risk of the partnership, by risk (for the export).
pub async fn all_controls(mut store: impl Store) -> Result<HashMap<RiskId, Vec<Control>>> {
    let rows: Vec<ControlRow> = sqlx::query_as(
        "SELECT c.* FROM risk_controls c JOIN risks r ON r.id = c.risk_id \
         WHERE r.partnership_id = $1 AND c.retired_at IS NULL ORDER BY c.id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    let mut by_risk: HashMap<RiskId, Vec<Control>> = HashMap::new();
    for row in rows {
        let control = Control::from(row);
        by_risk.entry(control.risk_id).or_default().push(control);
    }
    Ok(by_risk)
}

/// One control of one of the partnership's risks.
pub async fn find_control(
    mut store: impl Store,
    risk: RiskId,
    id: ControlId,
) -> Result<Option<Control>> {
    let row: Option<ControlRow> = sqlx::query_as(
        "SELECT c.* FROM risk_controls c JOIN risks r ON r.id = c.risk_id \
         WHERE c.id = $1 AND c.risk_id = $2 AND r.partnership_id = $3",
    )
    .bind(id)
    .bind(risk)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await?;
    Ok(row.map(Control::from))
}

/// Adds a control to a risk the caller found in its partnership; `reference` names the risk.
pub async fn insert_control(
    change: &mut Change,
    risk: RiskId,
    reference: &str,
    details: &ControlDetails,
) -> Result<ControlId> {
    let id: ControlId = sqlx::query_scalar(
        "INSERT INTO risk_controls (risk_id, description, owner, effectiveness, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(risk)
    .bind(&details.description)
    .bind(&details.owner)
    .bind(details.effectiveness.code())
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "risk_control",
            id,
            format!("Added a control to risk {reference}"),
            &serde_json::json!({ "risk_id": risk, "control": details }),
        ))
        .await?;
    Ok(id)
}

/// A control no longer in force stays on record with the time it was retired.
pub async fn retire_control(change: &mut Change, reference: &str, control: &Control) -> Result<()> {
    sqlx::query("UPDATE risk_controls SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL")
        .bind(now_text())
        .bind(control.id)
        .execute(change.conn())
        .await?;
    change
        .record(AuditEntry::archived(
            "risk_control",
            control.id,
            format!("Retired a control of risk {reference}"),
            &control.details,
        ))
        .await?;
    Ok(())
}

/// The reference and title of one of the partnership's risks, for other modules to name it.
pub async fn reference_and_title(
    mut store: impl Store,
    id: RiskId,
) -> Result<Option<(String, String)>> {
    sqlx::query_as("SELECT reference, title FROM risks WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Every scoring of every one of the partnership's risks, oldest first: the register's history,
/// from which the reports read each risk's score on a past day.
pub async fn all_scores(mut store: impl Store) -> Result<Vec<(RiskId, Rescore)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        risk_id: RiskId,
        #[sqlx(flatten)]
        score: ScoreRow,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.* FROM risk_scores s JOIN risks r ON r.id = s.risk_id \
         WHERE r.partnership_id = $1 ORDER BY s.scored_on, s.id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    rows.into_iter()
        .map(|row| {
            let s = row.score;
            Ok((
                row.risk_id,
                Rescore {
                    scored_on: s.scored_on,
                    inherent: score(s.inherent_likelihood, s.inherent_impact, "inherent")?,
                    residual: score(s.residual_likelihood, s.residual_impact, "residual")?,
                    rationale: s.rationale,
                },
            ))
        })
        .collect()
}
