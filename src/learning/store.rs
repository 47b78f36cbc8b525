//! The learning module's queries. Only this file touches its tables.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

use super::model::{
    Finding, FindingDetails, IncidentDetails, LearningReview, NationalReview,
    NationalReviewDetails, Recommendation, ReviewDates, ReviewDetails, ReviewStatus, ReviewType,
    SeriousIncident, Theme, ThemeForm, ThemeTag, TriageDecision,
};
use crate::kernel::db::{Db, Transaction, date_column, now_text, optional_date_column};
use crate::kernel::text::iso_date;

type Result<T> = std::result::Result<T, sqlx::Error>;

fn incident_from_row(row: &AnyRow) -> Result<SeriousIncident> {
    Ok(SeriousIncident {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        subject: row.try_get("subject")?,
        summary: row.try_get("summary")?,
        became_aware_on: date_column(row, "became_aware_on")?,
        notified_on: optional_date_column(row, "notified_on")?,
        rapid_review_completed_on: optional_date_column(row, "rapid_review_completed_on")?,
        local_review_decided_on: optional_date_column(row, "local_review_decided_on")?,
        local_review_published_on: optional_date_column(row, "local_review_published_on")?,
        archived_at: row.try_get("archived_at")?,
    })
}

/// Newest first.
pub async fn list_incidents(db: &Db) -> Result<Vec<SeriousIncident>> {
    let rows = sqlx::query("SELECT * FROM serious_incidents WHERE archived_at IS NULL ORDER BY became_aware_on DESC, id DESC").fetch_all(&db.pool).await?;
    rows.iter().map(incident_from_row).collect()
}

pub async fn find_incident(db: &Db, id: i64) -> Result<Option<SeriousIncident>> {
    let row = sqlx::query("SELECT * FROM serious_incidents WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(incident_from_row).transpose()
}

pub async fn reference_taken(db: &Db, reference: &str) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM serious_incidents WHERE upper(reference) = upper($1)",
    )
    .bind(reference)
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

pub async fn insert_incident(tx: &mut Transaction, details: &IncidentDetails) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO serious_incidents (reference, subject, summary, became_aware_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&details.reference)
    .bind(&details.subject)
    .bind(&details.summary)
    .bind(iso_date(details.became_aware_on))
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_review_dates(tx: &mut Transaction, id: i64, dates: &ReviewDates) -> Result<()> {
    sqlx::query(
        "UPDATE serious_incidents SET notified_on = $1, rapid_review_completed_on = $2, local_review_decided_on = $3, \
         local_review_published_on = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(dates.notified_on.map(iso_date))
    .bind(dates.rapid_review_completed_on.map(iso_date))
    .bind(dates.local_review_decided_on.map(iso_date))
    .bind(dates.local_review_published_on.map(iso_date))
    .bind(now_text())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Bank holidays the business unit added, as (id, day, name), in date order.
pub async fn added_holidays(db: &Db) -> Result<Vec<(i64, Date, String)>> {
    let rows = sqlx::query("SELECT id, day, name FROM bank_holidays ORDER BY day")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                date_column(row, "day")?,
                row.try_get("name")?,
            ))
        })
        .collect()
}

pub async fn insert_holiday(tx: &mut Transaction, day: Date, name: &str) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO bank_holidays (day, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(iso_date(day))
    .bind(name)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

// ---- Learning reviews, findings and themes ----

fn review_from_row(row: &AnyRow) -> Result<LearningReview> {
    let kind: String = row.try_get("review_type")?;
    let status: String = row.try_get("status")?;
    Ok(LearningReview {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        review_type: ReviewType::from_code(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown review type {kind:?}").into()))?,
        subject: row.try_get("subject")?,
        serious_incident_id: row.try_get("serious_incident_id")?,
        chair_role: row.try_get("chair_role")?,
        summary: row.try_get("summary")?,
        started_on: date_column(row, "started_on")?,
        completed_on: optional_date_column(row, "completed_on")?,
        panel_response: row.try_get("panel_response")?,
        decision: row.try_get("decision")?,
        decision_rationale: row.try_get("decision_rationale")?,
        status: ReviewStatus::from_code(&status).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown review status {status:?}").into())
        })?,
        archived_at: row.try_get("archived_at")?,
    })
}

/// Reviews not archived, newest first, optionally of one type and one status.
pub async fn list_reviews(
    db: &Db,
    review_type: Option<ReviewType>,
    status: Option<ReviewStatus>,
) -> Result<Vec<LearningReview>> {
    let rows = sqlx::query(
        "SELECT * FROM learning_reviews WHERE archived_at IS NULL \
         AND ($1 = '' OR review_type = $1) AND ($2 = '' OR status = $2) \
         ORDER BY started_on DESC, id DESC",
    )
    .bind(review_type.map_or("", ReviewType::code))
    .bind(status.map_or("", ReviewStatus::code))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(review_from_row).collect()
}

pub async fn find_review(db: &Db, id: i64) -> Result<Option<LearningReview>> {
    let row = sqlx::query("SELECT * FROM learning_reviews WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(review_from_row).transpose()
}

/// Reviews that came from one serious incident notification.
pub async fn reviews_of_incident(db: &Db, incident_id: i64) -> Result<Vec<LearningReview>> {
    let rows = sqlx::query(
        "SELECT * FROM learning_reviews WHERE serious_incident_id = $1 AND archived_at IS NULL ORDER BY started_on, id",
    )
    .bind(incident_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(review_from_row).collect()
}

pub async fn review_reference_taken(db: &Db, reference: &str, except: Option<i64>) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM learning_reviews WHERE upper(reference) = upper($1) AND id <> $2",
    )
    .bind(reference)
    .bind(except.unwrap_or(0))
    .fetch_one(&db.pool)
    .await?;
    Ok(count > 0)
}

/// Organisation ids of the agencies involved in a review.
pub async fn review_agencies(db: &Db, review_id: i64) -> Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT organisation_id FROM learning_review_agencies WHERE review_id = $1 ORDER BY organisation_id",
    )
    .bind(review_id)
    .fetch_all(&db.pool)
    .await
}

async fn set_review_agencies(tx: &mut Transaction, review_id: i64, agencies: &[i64]) -> Result<()> {
    sqlx::query("DELETE FROM learning_review_agencies WHERE review_id = $1")
        .bind(review_id)
        .execute(&mut **tx)
        .await?;
    for organisation_id in agencies {
        sqlx::query(
            "INSERT INTO learning_review_agencies (review_id, organisation_id) VALUES ($1, $2)",
        )
        .bind(review_id)
        .bind(organisation_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn insert_review(tx: &mut Transaction, details: &ReviewDetails) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO learning_reviews (reference, review_type, subject, serious_incident_id, chair_role, summary, \
         started_on, completed_on, panel_response, decision, decision_rationale, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(&details.reference)
    .bind(details.review_type.code())
    .bind(&details.subject)
    .bind(details.serious_incident_id)
    .bind(&details.chair_role)
    .bind(&details.summary)
    .bind(iso_date(details.started_on))
    .bind(details.completed_on.map(iso_date))
    .bind(&details.panel_response)
    .bind(&details.decision)
    .bind(&details.decision_rationale)
    .bind(details.status.code())
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await?;
    set_review_agencies(tx, id, &details.agencies).await?;
    Ok(id)
}

pub async fn update_review(tx: &mut Transaction, id: i64, details: &ReviewDetails) -> Result<()> {
    sqlx::query(
        "UPDATE learning_reviews SET reference = $1, review_type = $2, subject = $3, serious_incident_id = $4, \
         chair_role = $5, summary = $6, started_on = $7, completed_on = $8, panel_response = $9, decision = $10, \
         decision_rationale = $11, status = $12, updated_at = $13 WHERE id = $14",
    )
    .bind(&details.reference)
    .bind(details.review_type.code())
    .bind(&details.subject)
    .bind(details.serious_incident_id)
    .bind(&details.chair_role)
    .bind(&details.summary)
    .bind(iso_date(details.started_on))
    .bind(details.completed_on.map(iso_date))
    .bind(&details.panel_response)
    .bind(&details.decision)
    .bind(&details.decision_rationale)
    .bind(details.status.code())
    .bind(now_text())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    set_review_agencies(tx, id, &details.agencies).await
}

/// Archives (`Some(now)`) or restores (`None`) a review.
pub async fn set_review_archived(tx: &mut Transaction, id: i64, archived: bool) -> Result<()> {
    sqlx::query("UPDATE learning_reviews SET archived_at = $1, updated_at = $2 WHERE id = $3")
        .bind(archived.then(now_text))
        .bind(now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Serious incidents as (id, "reference (subject)") for a review's list of sources.
pub async fn incident_choices(db: &Db) -> Result<Vec<(i64, String)>> {
    Ok(list_incidents(db)
        .await?
        .into_iter()
        .map(|incident| {
            (
                incident.id,
                format!("{} ({})", incident.reference, incident.subject),
            )
        })
        .collect())
}

fn theme_from_row(row: &AnyRow) -> Result<Theme> {
    Ok(Theme {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        archived_at: row.try_get("archived_at")?,
    })
}

/// Themes in name order; archived ones only when asked.
pub async fn list_themes(db: &Db, include_archived: bool) -> Result<Vec<Theme>> {
    let rows = sqlx::query("SELECT * FROM learning_themes ORDER BY lower(name), id")
        .fetch_all(&db.pool)
        .await?;
    let themes = rows
        .iter()
        .map(theme_from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(themes
        .into_iter()
        .filter(|theme| include_archived || theme.archived_at.is_none())
        .collect())
}

pub async fn find_theme(db: &Db, id: i64) -> Result<Option<Theme>> {
    let row = sqlx::query("SELECT * FROM learning_themes WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(theme_from_row).transpose()
}

pub async fn theme_name_taken(db: &Db, name: &str) -> Result<bool> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM learning_themes WHERE upper(name) = upper($1)")
            .bind(name)
            .fetch_one(&db.pool)
            .await?;
    Ok(count > 0)
}

pub async fn insert_theme(tx: &mut Transaction, theme: &ThemeForm) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO learning_themes (name, description, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&theme.name)
    .bind(&theme.description)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_theme_archived(tx: &mut Transaction, id: i64, archived: bool) -> Result<()> {
    sqlx::query("UPDATE learning_themes SET archived_at = $1 WHERE id = $2")
        .bind(archived.then(now_text))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A review's findings (not archived), oldest first, each with its themes.
pub async fn findings_of_review(db: &Db, review_id: i64) -> Result<Vec<Finding>> {
    let rows = sqlx::query(
        "SELECT id, review_id, finding FROM learning_findings WHERE review_id = $1 AND archived_at IS NULL ORDER BY id",
    )
    .bind(review_id)
    .fetch_all(&db.pool)
    .await?;
    let tags = sqlx::query(
        "SELECT ft.finding_id, t.id AS theme_id, t.name FROM learning_finding_themes ft \
         JOIN learning_themes t ON t.id = ft.theme_id JOIN learning_findings f ON f.id = ft.finding_id \
         WHERE f.review_id = $1 ORDER BY lower(t.name)",
    )
    .bind(review_id)
    .fetch_all(&db.pool)
    .await?;
    let mut findings = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let mut themes = Vec::new();
        for tag in &tags {
            let finding_id: i64 = tag.try_get("finding_id")?;
            if finding_id == id {
                themes.push((tag.try_get("theme_id")?, tag.try_get("name")?));
            }
        }
        findings.push(Finding {
            id,
            review_id: row.try_get("review_id")?,
            finding: row.try_get("finding")?,
            themes,
        });
    }
    Ok(findings)
}

/// (finding id, review id, finding text, archived) of one finding.
pub async fn find_finding(db: &Db, id: i64) -> Result<Option<(i64, i64, String, bool)>> {
    let row = sqlx::query(
        "SELECT id, review_id, finding, archived_at FROM learning_findings WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|row| {
        let archived_at: Option<String> = row.try_get("archived_at")?;
        Ok((
            row.try_get("id")?,
            row.try_get("review_id")?,
            row.try_get("finding")?,
            archived_at.is_some(),
        ))
    })
    .transpose()
}

pub async fn insert_finding(
    tx: &mut Transaction,
    review_id: i64,
    details: &FindingDetails,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO learning_findings (review_id, finding, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(review_id)
    .bind(&details.finding)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await?;
    for theme_id in &details.themes {
        sqlx::query("INSERT INTO learning_finding_themes (finding_id, theme_id) VALUES ($1, $2)")
            .bind(id)
            .bind(theme_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

pub async fn archive_finding(tx: &mut Transaction, id: i64) -> Result<()> {
    sqlx::query("UPDATE learning_findings SET archived_at = $1 WHERE id = $2")
        .bind(now_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every theme on every finding of every review, neither archived: what the chart counts.
pub async fn theme_tags(db: &Db) -> Result<Vec<ThemeTag>> {
    let rows = sqlx::query(
        "SELECT t.id AS theme_id, t.name AS theme_name, r.id AS review_id, r.reference, \
         COALESCE(r.completed_on, r.started_on) AS period_date, f.id AS finding_id \
         FROM learning_finding_themes ft JOIN learning_themes t ON t.id = ft.theme_id \
         JOIN learning_findings f ON f.id = ft.finding_id JOIN learning_reviews r ON r.id = f.review_id \
         WHERE f.archived_at IS NULL AND r.archived_at IS NULL ORDER BY r.reference, f.id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ThemeTag {
                theme_id: row.try_get("theme_id")?,
                theme_name: row.try_get("theme_name")?,
                review_id: row.try_get("review_id")?,
                review_reference: row.try_get("reference")?,
                review_period_date: date_column(row, "period_date")?,
                finding_id: row.try_get("finding_id")?,
            })
        })
        .collect()
}

// ---- Triage of national and other areas' reviews ----

fn national_review_from_row(row: &AnyRow) -> Result<NationalReview> {
    Ok(NationalReview {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        source: row.try_get("source")?,
        published_on: date_column(row, "published_on")?,
        link: row.try_get("link")?,
        archived_at: row.try_get("archived_at")?,
    })
}

/// National reviews with (recommendations, still to triage), newest first.
pub async fn list_national_reviews(db: &Db) -> Result<Vec<(NationalReview, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT n.*, (SELECT COUNT(*) FROM national_review_recommendations r WHERE r.national_review_id = n.id) AS recommendations, \
         (SELECT COUNT(*) FROM national_review_recommendations r WHERE r.national_review_id = n.id AND r.triage_decision IS NULL) AS untriaged \
         FROM national_reviews n WHERE n.archived_at IS NULL ORDER BY n.published_on DESC, n.id DESC",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                national_review_from_row(row)?,
                row.try_get("recommendations")?,
                row.try_get("untriaged")?,
            ))
        })
        .collect()
}

pub async fn find_national_review(db: &Db, id: i64) -> Result<Option<NationalReview>> {
    let row = sqlx::query("SELECT * FROM national_reviews WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(national_review_from_row).transpose()
}

pub async fn insert_national_review(
    tx: &mut Transaction,
    details: &NationalReviewDetails,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO national_reviews (title, source, published_on, link, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&details.title)
    .bind(&details.source)
    .bind(iso_date(details.published_on))
    .bind(&details.link)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

fn recommendation_from_row(row: &AnyRow) -> Result<Recommendation> {
    let decision: Option<String> = row.try_get("triage_decision")?;
    Ok(Recommendation {
        id: row.try_get("id")?,
        national_review_id: row.try_get("national_review_id")?,
        recommendation: row.try_get("recommendation")?,
        triage_decision: decision.as_deref().and_then(TriageDecision::from_code),
        triage_rationale: row.try_get("triage_rationale")?,
        triaged_by: row.try_get("triaged_by")?,
        triaged_at: row.try_get("triaged_at")?,
    })
}

pub async fn recommendations_of(db: &Db, national_review_id: i64) -> Result<Vec<Recommendation>> {
    let rows = sqlx::query(
        "SELECT * FROM national_review_recommendations WHERE national_review_id = $1 ORDER BY id",
    )
    .bind(national_review_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(recommendation_from_row).collect()
}

pub async fn find_recommendation(db: &Db, id: i64) -> Result<Option<Recommendation>> {
    let row = sqlx::query("SELECT * FROM national_review_recommendations WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(recommendation_from_row).transpose()
}

pub async fn insert_recommendation(
    tx: &mut Transaction,
    national_review_id: i64,
    recommendation: &str,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO national_review_recommendations (national_review_id, recommendation, triage_rationale, created_at) \
         VALUES ($1, $2, '', $3) RETURNING id",
    )
    .bind(national_review_id)
    .bind(recommendation)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_triage(
    tx: &mut Transaction,
    id: i64,
    decision: TriageDecision,
    rationale: &str,
    by: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE national_review_recommendations SET triage_decision = $1, triage_rationale = $2, triaged_by = $3, triaged_at = $4 WHERE id = $5",
    )
    .bind(decision.code())
    .bind(rationale)
    .bind(by)
    .bind(now_text())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---- Advance warnings of the statutory clocks ----

/// Records that a warning was sent; false when it already had been (so it is not sent twice,
/// even by two instances at once).
pub async fn record_clock_warning(
    tx: &mut Transaction,
    incident_id: i64,
    clock: &str,
    kind: &str,
    due_on: Date,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO learning_clock_warnings (serious_incident_id, clock, kind, due_on, sent_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (serious_incident_id, clock, kind) DO NOTHING",
    )
    .bind(incident_id)
    .bind(clock)
    .bind(kind)
    .bind(iso_date(due_on))
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Whether a source the improvement tracker names (a review, or a national review's
/// recommendation) belongs to the partnership.
pub async fn source_in_partnership(
    db: &Db,
    partnership_id: i64,
    kind: &str,
    id: i64,
) -> Result<bool> {
    let sql = match kind {
        "learning_review" => {
            "SELECT COUNT(*) FROM learning_reviews WHERE id = $1 AND partnership_id = $2"
        }
        "national_review" => {
            "SELECT COUNT(*) FROM national_review_recommendations n \
             JOIN national_reviews r ON r.id = n.national_review_id \
             WHERE n.id = $1 AND r.partnership_id = $2"
        }
        _ => return Ok(false),
    };
    let count: i64 = sqlx::query_scalar(sql)
        .bind(id)
        .bind(partnership_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(count > 0)
}
