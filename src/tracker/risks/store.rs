//! The risk register's queries. Only this file touches `risks`, `risk_scores` and
//! `risk_controls`. Owners' names come from the partnership module's public functions.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::*;
use crate::kernel::db::{Db, Transaction, date_column, for_update, now_text, optional_date_column};
use crate::kernel::text::iso_date;

type Result<T> = std::result::Result<T, sqlx::Error>;

fn level(row: &AnyRow, column: &str) -> Result<u8> {
    let value: i64 = row.try_get(column)?;
    u8::try_from(value)
        .ok()
        .filter(|level| (1..=5).contains(level))
        .ok_or_else(|| sqlx::Error::Decode(format!("{column} holds {value}, not 1 to 5").into()))
}

fn score(row: &AnyRow, prefix: &str) -> Result<Score> {
    let likelihood = level(row, &format!("{prefix}_likelihood"))?;
    let impact = level(row, &format!("{prefix}_impact"))?;
    Score::new(likelihood, impact)
        .ok_or_else(|| sqlx::Error::Decode(format!("{prefix} score is off the grid").into()))
}

fn risk_from_row(row: &AnyRow, names: &HashMap<i64, String>) -> Result<Risk> {
    let status: String = row.try_get("status")?;
    let owner_organisation_id: i64 = row.try_get("owner_organisation_id")?;
    Ok(Risk {
        id: row.try_get("id")?,
        details: RiskDetails {
            reference: row.try_get("reference")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            cause: row.try_get("cause")?,
            effect: row.try_get("effect")?,
            owner_organisation_id,
            owner_role: row.try_get("owner_role")?,
            theme: row.try_get("theme")?,
            review_on: date_column(row, "review_on")?,
        },
        owner_organisation: names
            .get(&owner_organisation_id)
            .cloned()
            .unwrap_or_else(|| "An archived organisation".to_owned()),
        inherent: score(row, "inherent")?,
        residual: score(row, "residual")?,
        status: RiskStatus::from_code(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown risk status {status:?}").into()))?,
        closed_on: optional_date_column(row, "closed_on")?,
        closure_rationale: row.try_get("closure_rationale")?,
    })
}

/// Every risk of the partnership, in reference order (the register sorts them for display).
pub async fn list_risks(db: &Db, partnership_id: i64) -> Result<Vec<Risk>> {
    let names: HashMap<i64, String> = crate::partnership::organisation_names(
        crate::kernel::Scope::new(db, crate::kernel::ids::PartnershipId::new(partnership_id)),
    )
    .await?
    .into_iter()
    .map(|(id, name)| (id.get(), name))
    .collect();
    let rows = sqlx::query("SELECT * FROM risks WHERE partnership_id = $1 ORDER BY reference")
        .bind(partnership_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|row| risk_from_row(row, &names)).collect()
}

/// One of the partnership's risks; None for another partnership's.
pub async fn find_risk(db: &Db, partnership_id: i64, id: i64) -> Result<Option<Risk>> {
    let row = sqlx::query("SELECT * FROM risks WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let names: HashMap<i64, String> = crate::partnership::organisation_names(
        crate::kernel::Scope::new(db, crate::kernel::ids::PartnershipId::new(partnership_id)),
    )
    .await?
    .into_iter()
    .map(|(id, name)| (id.get(), name))
    .collect();
    risk_from_row(&row, &names).map(Some)
}

/// Is the reference used by another of the partnership's risks? (References are compared
/// without case.)
pub async fn reference_taken(
    db: &Db,
    partnership_id: i64,
    reference: &str,
    except: Option<i64>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM risks WHERE partnership_id = $1 AND upper(reference) = upper($2) AND id <> $3",
    )
    .bind(partnership_id)
    .bind(reference)
    .bind(except.unwrap_or(0))
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

pub async fn insert_risk(
    tx: &mut Transaction,
    partnership_id: i64,
    details: &RiskDetails,
    first: &Rescore,
    scored_by: &str,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
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
    .bind(partnership_id)
    .fetch_one(&mut **tx)
    .await?;
    insert_score(tx, id, first, scored_by).await?;
    Ok(id)
}

pub async fn update_details(tx: &mut Transaction, id: i64, details: &RiskDetails) -> Result<()> {
    sqlx::query(
        "UPDATE risks SET reference = $1, title = $2, description = $3, cause = $4, effect = $5, \
         owner_organisation_id = $6, owner_role = $7, theme = $8, review_on = $9, updated_at = $10 WHERE id = $11",
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
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_score(
    tx: &mut Transaction,
    risk_id: i64,
    rescore: &Rescore,
    scored_by: &str,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO risk_scores (risk_id, scored_on, scored_by, inherent_likelihood, inherent_impact, \
         residual_likelihood, residual_impact, rationale, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(risk_id)
    .bind(iso_date(rescore.scored_on))
    .bind(scored_by)
    .bind(i64::from(rescore.inherent.likelihood))
    .bind(i64::from(rescore.inherent.impact))
    .bind(i64::from(rescore.residual.likelihood))
    .bind(i64::from(rescore.residual.impact))
    .bind(&rescore.rationale)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

/// What a change to a risk is judged against: its status and scores.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub status: RiskStatus,
    pub inherent: Score,
    pub residual: Score,
}

/// The risk's standing, read and locked inside the change's transaction: two re-scores at once
/// each record the score the other left, and a risk closed a moment ago is not re-scored.
pub async fn standing_locked(
    tx: &mut Transaction,
    partnership_id: i64,
    id: i64,
) -> Result<Option<Standing>> {
    let sql = format!(
        "SELECT status, inherent_likelihood, inherent_impact, residual_likelihood, residual_impact \
         FROM risks WHERE id = $1 AND partnership_id = $2{}",
        for_update(tx)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(partnership_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let status: String = row.try_get("status")?;
    Ok(Some(Standing {
        status: RiskStatus::from_code(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown risk status {status:?}").into()))?,
        inherent: score(&row, "inherent")?,
        residual: score(&row, "residual")?,
    }))
}

/// A re-score: the risk's current scores change and the scoring joins its history.
pub async fn rescore(
    tx: &mut Transaction,
    risk_id: i64,
    rescore: &Rescore,
    scored_by: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE risks SET inherent_likelihood = $1, inherent_impact = $2, residual_likelihood = $3, \
         residual_impact = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(i64::from(rescore.inherent.likelihood))
    .bind(i64::from(rescore.inherent.impact))
    .bind(i64::from(rescore.residual.likelihood))
    .bind(i64::from(rescore.residual.impact))
    .bind(now_text())
    .bind(risk_id)
    .execute(&mut **tx)
    .await?;
    insert_score(tx, risk_id, rescore, scored_by).await?;
    Ok(())
}

/// A risk's scorings, newest first.
pub async fn score_history(db: &Db, risk_id: i64) -> Result<Vec<ScoreRecord>> {
    let rows = sqlx::query(
        "SELECT * FROM risk_scores WHERE risk_id = $1 ORDER BY scored_on DESC, id DESC",
    )
    .bind(risk_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ScoreRecord {
                id: row.try_get("id")?,
                scored_by: row.try_get("scored_by")?,
                rescore: Rescore {
                    scored_on: date_column(row, "scored_on")?,
                    inherent: score(row, "inherent")?,
                    residual: score(row, "residual")?,
                    rationale: row.try_get("rationale")?,
                },
            })
        })
        .collect()
}

pub async fn close(tx: &mut Transaction, risk_id: i64, closure: &Closure) -> Result<()> {
    sqlx::query(
        "UPDATE risks SET status = $1, closed_on = $2, closure_rationale = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(closure.status.code())
    .bind(iso_date(closure.closed_on))
    .bind(&closure.rationale)
    .bind(now_text())
    .bind(risk_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn control_from_row(row: &AnyRow) -> Result<Control> {
    let effectiveness: String = row.try_get("effectiveness")?;
    Ok(Control {
        id: row.try_get("id")?,
        risk_id: row.try_get("risk_id")?,
        details: ControlDetails {
            description: row.try_get("description")?,
            owner: row.try_get("owner")?,
            effectiveness: Effectiveness::from_code(&effectiveness).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown effectiveness {effectiveness:?}").into())
            })?,
        },
        retired_at: row.try_get("retired_at")?,
    })
}

/// Controls in force on one risk, oldest first.
pub async fn controls(db: &Db, risk_id: i64) -> Result<Vec<Control>> {
    let rows = sqlx::query(
        "SELECT * FROM risk_controls WHERE risk_id = $1 AND retired_at IS NULL ORDER BY id",
    )
    .bind(risk_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(control_from_row).collect()
}

/// Controls in force on every risk of the partnership, by risk (for the export).
pub async fn all_controls(db: &Db, partnership_id: i64) -> Result<HashMap<i64, Vec<Control>>> {
    let rows = sqlx::query(
        "SELECT c.* FROM risk_controls c JOIN risks r ON r.id = c.risk_id \
         WHERE r.partnership_id = $1 AND c.retired_at IS NULL ORDER BY c.id",
    )
    .bind(partnership_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_risk: HashMap<i64, Vec<Control>> = HashMap::new();
    for row in &rows {
        let control = control_from_row(row)?;
        by_risk.entry(control.risk_id).or_default().push(control);
    }
    Ok(by_risk)
}

pub async fn find_control(db: &Db, risk_id: i64, control_id: i64) -> Result<Option<Control>> {
    let row = sqlx::query("SELECT * FROM risk_controls WHERE id = $1 AND risk_id = $2")
        .bind(control_id)
        .bind(risk_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(control_from_row).transpose()
}

pub async fn insert_control(
    tx: &mut Transaction,
    risk_id: i64,
    details: &ControlDetails,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO risk_controls (risk_id, description, owner, effectiveness, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(risk_id)
    .bind(&details.description)
    .bind(&details.owner)
    .bind(details.effectiveness.code())
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

/// A control no longer in force stays on record with the time it was retired.
pub async fn retire_control(tx: &mut Transaction, control_id: i64) -> Result<()> {
    sqlx::query("UPDATE risk_controls SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL")
        .bind(now_text())
        .bind(control_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The reference and title of one of the partnership's risks, for other modules to name it.
pub async fn reference_and_title(
    db: &Db,
    partnership_id: i64,
    id: i64,
) -> Result<Option<(String, String)>> {
    let row =
        sqlx::query("SELECT reference, title FROM risks WHERE id = $1 AND partnership_id = $2")
            .bind(id)
            .bind(partnership_id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|row| Ok((row.try_get("reference")?, row.try_get("title")?)))
        .transpose()
}
