//! The learning module's queries. Only this file touches its tables. Reads take `impl Store`
//! and keep to its partnership; writes take `&mut Change` and record their audit entry:
//! `store::find_review(scope, id)`, `store::insert_review(&mut change, &details)`.

use time::Date;

use super::model::{
    BankHoliday, BankHolidayId, Finding, FindingDetails, FindingId, IncidentDetails,
    LearningReview, NationalRecommendationId, NationalReview, NationalReviewDetails,
    Recommendation, ReviewDates, ReviewDetails, ReviewStatus, ReviewType, SeriousIncident, Theme,
    ThemeForm, ThemeId, ThemeTag, TriageDecision,
};
use crate::kernel::audit::{AuditAction, AuditEntry, snapshot};
use crate::kernel::db::{Db, Transaction, now_text};
use crate::kernel::ids::{IncidentId, NationalReviewId, OrganisationId, PartnershipId, ReviewId};
use crate::kernel::text::{iso_date, long_date};
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// The partnership's notifications, newest first.
pub async fn list_incidents(mut store: impl Store) -> Result<Vec<SeriousIncident>> {
    sqlx::query_as(
        "SELECT * FROM serious_incidents WHERE partnership_id = $1 AND archived_at IS NULL \
         ORDER BY became_aware_on DESC, id DESC",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// One of the partnership's notifications; None for another partnership's.
pub async fn find_incident(
    mut store: impl Store,
    id: IncidentId,
) -> Result<Option<SeriousIncident>> {
    sqlx::query_as("SELECT * FROM serious_incidents WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Whether the partnership already has a notification with this reference.
pub async fn reference_taken(mut store: impl Store, reference: &str) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM serious_incidents WHERE partnership_id = $1 AND upper(reference) = upper($2)",
    )
    .bind(store.partnership())
    .bind(reference)
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Records a notification in the change's partnership.
pub async fn insert_incident(change: &mut Change, details: &IncidentDetails) -> Result<IncidentId> {
    let id: IncidentId = sqlx::query_scalar(
        "INSERT INTO serious_incidents (reference, subject, summary, became_aware_on, created_at, updated_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
    )
    .bind(&details.reference)
    .bind(&details.subject)
    .bind(&details.summary)
    .bind(iso_date(details.became_aware_on))
    .bind(now_text())
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "serious_incident",
            id,
            format!(
                "Recorded serious incident {} ({})",
                details.reference, details.subject
            ),
            details,
        ))
        .await?;
    Ok(id)
}

/// Records the dates that stop (or start) a notification's clocks.
pub async fn set_review_dates(
    change: &mut Change,
    incident: &SeriousIncident,
    dates: &ReviewDates,
) -> Result<()> {
    sqlx::query(
        "UPDATE serious_incidents SET notified_on = $1, rapid_review_completed_on = $2, local_review_decided_on = $3, \
         local_review_published_on = $4, updated_at = $5 WHERE id = $6 AND partnership_id = $7",
    )
    .bind(dates.notified_on.map(iso_date))
    .bind(dates.rapid_review_completed_on.map(iso_date))
    .bind(dates.local_review_decided_on.map(iso_date))
    .bind(dates.local_review_published_on.map(iso_date))
    .bind(now_text())
    .bind(incident.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "serious_incident",
            incident.id,
            format!("Recorded review dates for {}", incident.reference),
            &incident.dates(),
            dates,
        ))
        .await
}

/// Bank holidays the business unit added, in date order. They are the installation's (England
/// and Wales), shared by every partnership, so this reads no partnership's scope.
pub async fn added_holidays(db: &Db) -> Result<Vec<BankHoliday>> {
    sqlx::query_as("SELECT id, day, name FROM bank_holidays ORDER BY day")
        .fetch_all(&db.pool)
        .await
}

/// Adds a bank holiday. It moves every partnership's clocks, so each partnership in
/// `partnerships` gets the entry in its own trail, not only the adder's.
pub async fn insert_holiday(
    change: &mut Change,
    day: Date,
    name: &str,
    partnerships: &[PartnershipId],
) -> Result<BankHolidayId> {
    let id: BankHolidayId = sqlx::query_scalar(
        "INSERT INTO bank_holidays (day, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(iso_date(day))
    .bind(name)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    let entry = || {
        AuditEntry::created(
            "bank_holiday",
            id,
            format!("Added bank holiday {name} on {}", long_date(day)),
            &serde_json::json!({ "day": day.to_string(), "name": name }),
        )
    };
    for &partnership in partnerships {
        if partnership == change.partnership() {
            change.record(entry()).await?;
        } else {
            change.record_in(partnership, entry()).await?;
        }
    }
    Ok(id)
}

// ---- Learning reviews, findings and themes ----

/// The partnership's reviews not archived, newest first, optionally of one type and one status.
pub async fn list_reviews(
    mut store: impl Store,
    review_type: Option<ReviewType>,
    status: Option<ReviewStatus>,
) -> Result<Vec<LearningReview>> {
    sqlx::query_as(
        "SELECT * FROM learning_reviews WHERE partnership_id = $3 AND archived_at IS NULL \
         AND ($1 = '' OR review_type = $1) AND ($2 = '' OR status = $2) \
         ORDER BY started_on DESC, id DESC",
    )
    .bind(review_type.map_or("", ReviewType::code))
    .bind(status.map_or("", ReviewStatus::code))
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// One of the partnership's reviews; None for another partnership's.
pub async fn find_review(mut store: impl Store, id: ReviewId) -> Result<Option<LearningReview>> {
    sqlx::query_as("SELECT * FROM learning_reviews WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// The partnership's reviews that came from one serious incident notification.
pub async fn reviews_of_incident(
    mut store: impl Store,
    incident: IncidentId,
) -> Result<Vec<LearningReview>> {
    sqlx::query_as(
        "SELECT * FROM learning_reviews WHERE serious_incident_id = $1 AND partnership_id = $2 \
         AND archived_at IS NULL ORDER BY started_on, id",
    )
    .bind(incident)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// Whether another of the partnership's reviews has this reference.
pub async fn review_reference_taken(
    mut store: impl Store,
    reference: &str,
    except: Option<ReviewId>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM learning_reviews WHERE partnership_id = $3 AND upper(reference) = upper($1) AND id <> $2",
    )
    .bind(reference)
    .bind(except.map_or(0, ReviewId::get))
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// The agencies involved in a review (found through its partnership first).
pub async fn review_agencies(
    mut store: impl Store,
    review: ReviewId,
) -> Result<Vec<OrganisationId>> {
    sqlx::query_scalar(
        "SELECT organisation_id FROM learning_review_agencies WHERE review_id = $1 ORDER BY organisation_id",
    )
    .bind(review)
    .fetch_all(store.conn())
    .await
}

async fn set_review_agencies(
    change: &mut Change,
    review: ReviewId,
    agencies: &[OrganisationId],
) -> Result<()> {
    sqlx::query("DELETE FROM learning_review_agencies WHERE review_id = $1")
        .bind(review)
        .execute(change.conn())
        .await?;
    for organisation in agencies {
        sqlx::query(
            "INSERT INTO learning_review_agencies (review_id, organisation_id) VALUES ($1, $2)",
        )
        .bind(review)
        .bind(organisation)
        .execute(change.conn())
        .await?;
    }
    Ok(())
}

/// Records a review in the change's partnership; its incident and agencies must be the
/// partnership's (the form offers only those).
pub async fn insert_review(change: &mut Change, details: &ReviewDetails) -> Result<ReviewId> {
    let id: ReviewId = sqlx::query_scalar(
        "INSERT INTO learning_reviews (reference, review_type, subject, serious_incident_id, chair_role, summary, \
         started_on, completed_on, panel_response, decision, decision_rationale, status, created_at, updated_at, \
         partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14) RETURNING id",
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
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await?;
    set_review_agencies(change, id, &details.agencies).await?;
    change
        .record(AuditEntry::created(
            "learning_review",
            id,
            format!(
                "Recorded {} {} ({})",
                details.review_type.label().to_lowercase(),
                details.reference,
                details.subject
            ),
            details,
        ))
        .await?;
    Ok(id)
}

/// Saves an edited review; the entry keeps the review and its agencies as they were.
pub async fn update_review(
    change: &mut Change,
    review: &LearningReview,
    details: &ReviewDetails,
) -> Result<()> {
    let agencies = review_agencies(&mut *change, review.id).await?;
    sqlx::query(
        "UPDATE learning_reviews SET reference = $1, review_type = $2, subject = $3, serious_incident_id = $4, \
         chair_role = $5, summary = $6, started_on = $7, completed_on = $8, panel_response = $9, decision = $10, \
         decision_rationale = $11, status = $12, updated_at = $13 WHERE id = $14 AND partnership_id = $15",
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
    .bind(review.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    set_review_agencies(change, review.id, &details.agencies).await?;
    change
        .record(AuditEntry::updated(
            "learning_review",
            review.id,
            format!("Updated {} ({})", details.reference, details.subject),
            &serde_json::json!({ "review": snapshot(review), "agencies": agencies }),
            details,
        ))
        .await
}

/// Archives or restores a review.
pub async fn set_review_archived(
    change: &mut Change,
    review: &LearningReview,
    archived: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE learning_reviews SET archived_at = $1, updated_at = $2 WHERE id = $3 AND partnership_id = $4",
    )
    .bind(archived.then(now_text))
    .bind(now_text())
    .bind(review.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let (action, verb) = archive_words(archived);
    change
        .record(
            AuditEntry::new(
                action,
                "learning_review",
                review.id,
                format!("{verb} {} ({})", review.reference, review.subject),
            )
            .before(&serde_json::json!({ "archived_at": review.archived_at }))
            .after(&serde_json::json!({ "archived": archived })),
        )
        .await
}

/// The audit action of archiving or restoring, and its verb for the entry's summary.
pub fn archive_words(archived: bool) -> (AuditAction, &'static str) {
    if archived {
        (AuditAction::Archive, "Archived")
    } else {
        (AuditAction::Restore, "Restored")
    }
}

/// The partnership's serious incidents as (id, "reference (subject)") for a review's list of
/// sources.
pub async fn incident_choices(store: impl Store) -> Result<Vec<(IncidentId, String)>> {
    Ok(list_incidents(store)
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

/// The partnership's themes in name order; archived ones only when asked.
pub async fn list_themes(mut store: impl Store, include_archived: bool) -> Result<Vec<Theme>> {
    let themes: Vec<Theme> = sqlx::query_as(
        "SELECT * FROM learning_themes WHERE partnership_id = $1 ORDER BY lower(name), id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(themes
        .into_iter()
        .filter(|theme| include_archived || theme.archived_at.is_none())
        .collect())
}

/// One of the partnership's themes; None for another partnership's.
pub async fn find_theme(mut store: impl Store, id: ThemeId) -> Result<Option<Theme>> {
    sqlx::query_as("SELECT * FROM learning_themes WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Whether the partnership already has a theme of this name.
pub async fn theme_name_taken(mut store: impl Store, name: &str) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM learning_themes WHERE partnership_id = $1 AND upper(name) = upper($2)",
    )
    .bind(store.partnership())
    .bind(name)
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Adds a theme to the change's partnership's list.
pub async fn insert_theme(change: &mut Change, theme: &ThemeForm) -> Result<ThemeId> {
    let id: ThemeId = sqlx::query_scalar(
        "INSERT INTO learning_themes (name, description, created_at, partnership_id) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&theme.name)
    .bind(&theme.description)
    .bind(now_text())
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "learning_theme",
            id,
            format!("Added the theme {}", theme.name),
            theme,
        ))
        .await?;
    Ok(id)
}

/// Archives or restores a theme.
pub async fn set_theme_archived(change: &mut Change, theme: &Theme, archived: bool) -> Result<()> {
    sqlx::query(
        "UPDATE learning_themes SET archived_at = $1 WHERE id = $2 AND partnership_id = $3",
    )
    .bind(archived.then(now_text))
    .bind(theme.id)
    .bind(change.partnership())
    .execute(change.conn())
    .await?;
    let (action, verb) = archive_words(archived);
    change
        .record(
            AuditEntry::new(
                action,
                "learning_theme",
                theme.id,
                format!("{verb} the theme {}", theme.name),
            )
            .before(&serde_json::json!({ "archived_at": theme.archived_at }))
            .after(&serde_json::json!({ "archived": archived })),
        )
        .await
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: FindingId,
    review_id: ReviewId,
    finding: String,
}

#[derive(sqlx::FromRow)]
struct FindingThemeRow {
    finding_id: FindingId,
    theme_id: ThemeId,
    name: String,
}

/// A review's findings (not archived), oldest first, each with its themes.
pub async fn findings_of_review(mut store: impl Store, review: ReviewId) -> Result<Vec<Finding>> {
    let rows: Vec<FindingRow> = sqlx::query_as(
        "SELECT id, review_id, finding FROM learning_findings WHERE review_id = $1 AND archived_at IS NULL ORDER BY id",
    )
    .bind(review)
    .fetch_all(store.conn())
    .await?;
    let tags: Vec<FindingThemeRow> = sqlx::query_as(
        "SELECT ft.finding_id, t.id AS theme_id, t.name FROM learning_finding_themes ft \
         JOIN learning_themes t ON t.id = ft.theme_id JOIN learning_findings f ON f.id = ft.finding_id \
         WHERE f.review_id = $1 ORDER BY lower(t.name)",
    )
    .bind(review)
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Finding {
            themes: tags
                .iter()
                .filter(|tag| tag.finding_id == row.id)
                .map(|tag| (tag.theme_id, tag.name.clone()))
                .collect(),
            id: row.id,
            review_id: row.review_id,
            finding: row.finding,
        })
        .collect())
}

/// One finding of the partnership's reviews, archived or not.
#[derive(sqlx::FromRow)]
pub struct FoundFinding {
    pub id: FindingId,
    pub review_id: ReviewId,
    pub finding: String,
    pub archived_at: Option<String>,
}

/// One finding of the partnership's reviews; None for another partnership's.
pub async fn find_finding(mut store: impl Store, id: FindingId) -> Result<Option<FoundFinding>> {
    sqlx::query_as(
        "SELECT f.id, f.review_id, f.finding, f.archived_at FROM learning_findings f \
         JOIN learning_reviews r ON r.id = f.review_id WHERE f.id = $1 AND r.partnership_id = $2",
    )
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

/// Adds a finding, with its themes, to a review of the change's partnership.
pub async fn insert_finding(
    change: &mut Change,
    review: &LearningReview,
    details: &FindingDetails,
) -> Result<FindingId> {
    let id: FindingId = sqlx::query_scalar(
        "INSERT INTO learning_findings (review_id, finding, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(review.id)
    .bind(&details.finding)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    for theme in &details.themes {
        sqlx::query("INSERT INTO learning_finding_themes (finding_id, theme_id) VALUES ($1, $2)")
            .bind(id)
            .bind(theme)
            .execute(change.conn())
            .await?;
    }
    change
        .record(AuditEntry::created(
            "learning_finding",
            id,
            format!("Added a finding to {}", review.reference),
            details,
        ))
        .await?;
    Ok(id)
}

/// Archives a finding of a review (found through the review's partnership first).
pub async fn archive_finding(
    change: &mut Change,
    review: &LearningReview,
    finding: &FoundFinding,
) -> Result<()> {
    sqlx::query("UPDATE learning_findings SET archived_at = $1 WHERE id = $2")
        .bind(now_text())
        .bind(finding.id)
        .execute(change.conn())
        .await?;
    change
        .record(AuditEntry::archived(
            "learning_finding",
            finding.id,
            format!("Archived a finding of {}", review.reference),
            &serde_json::json!({ "finding": finding.finding }),
        ))
        .await
}

/// Every theme on every finding of every one of the partnership's reviews, neither archived:
/// what the chart counts.
pub async fn theme_tags(mut store: impl Store) -> Result<Vec<ThemeTag>> {
    sqlx::query_as(
        "SELECT t.id AS theme_id, t.name AS theme_name, r.id AS review_id, r.reference AS review_reference, \
         COALESCE(r.completed_on, r.started_on) AS review_period_date, f.id AS finding_id \
         FROM learning_finding_themes ft JOIN learning_themes t ON t.id = ft.theme_id \
         JOIN learning_findings f ON f.id = ft.finding_id JOIN learning_reviews r ON r.id = f.review_id \
         WHERE r.partnership_id = $1 AND t.partnership_id = $1 AND f.archived_at IS NULL AND r.archived_at IS NULL \
         ORDER BY r.reference, f.id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

// ---- Triage of national and other areas' reviews ----

#[derive(sqlx::FromRow)]
struct NationalReviewRow {
    #[sqlx(flatten)]
    review: NationalReview,
    recommendations: i64,
    untriaged: i64,
}

/// The partnership's national reviews with (recommendations, still to triage), newest first.
pub async fn list_national_reviews(
    mut store: impl Store,
) -> Result<Vec<(NationalReview, i64, i64)>> {
    let rows: Vec<NationalReviewRow> = sqlx::query_as(
        "SELECT n.*, (SELECT COUNT(*) FROM national_review_recommendations r WHERE r.national_review_id = n.id) AS recommendations, \
         (SELECT COUNT(*) FROM national_review_recommendations r WHERE r.national_review_id = n.id AND r.triage_decision IS NULL) AS untriaged \
         FROM national_reviews n WHERE n.partnership_id = $1 AND n.archived_at IS NULL \
         ORDER BY n.published_on DESC, n.id DESC",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.review, row.recommendations, row.untriaged))
        .collect())
}

/// One of the partnership's national reviews; None for another partnership's.
pub async fn find_national_review(
    mut store: impl Store,
    id: NationalReviewId,
) -> Result<Option<NationalReview>> {
    sqlx::query_as("SELECT * FROM national_reviews WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Logs a national or other area's review for triage in the change's partnership.
pub async fn insert_national_review(
    change: &mut Change,
    details: &NationalReviewDetails,
) -> Result<NationalReviewId> {
    let id: NationalReviewId = sqlx::query_scalar(
        "INSERT INTO national_reviews (title, source, published_on, link, created_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&details.title)
    .bind(&details.source)
    .bind(iso_date(details.published_on))
    .bind(&details.link)
    .bind(now_text())
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "national_review",
            id,
            format!("Logged the review {} for triage", details.title),
            details,
        ))
        .await?;
    Ok(id)
}

/// A national review's recommendations, in the order they were added.
pub async fn recommendations_of(
    mut store: impl Store,
    national_review: NationalReviewId,
) -> Result<Vec<Recommendation>> {
    sqlx::query_as(
        "SELECT * FROM national_review_recommendations WHERE national_review_id = $1 ORDER BY id",
    )
    .bind(national_review)
    .fetch_all(store.conn())
    .await
}

/// Every recommendation of the partnership's national reviews (the reviews not archived) that
/// has a triage decision, in the order they were added: what the reports count.
pub async fn triaged_recommendations(mut store: impl Store) -> Result<Vec<Recommendation>> {
    sqlx::query_as(
        "SELECT r.* FROM national_review_recommendations r \
         JOIN national_reviews n ON n.id = r.national_review_id \
         WHERE n.partnership_id = $1 AND n.archived_at IS NULL AND r.triage_decision IS NOT NULL \
         ORDER BY r.id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// One recommendation of the partnership's national reviews; None for another partnership's.
pub async fn find_recommendation(
    mut store: impl Store,
    id: NationalRecommendationId,
) -> Result<Option<Recommendation>> {
    sqlx::query_as(
        "SELECT r.* FROM national_review_recommendations r \
         JOIN national_reviews n ON n.id = r.national_review_id WHERE r.id = $1 AND n.partnership_id = $2",
    )
    .bind(id)
    .bind(store.partnership())
    .fetch_optional(store.conn())
    .await
}

/// Adds a recommendation, still to triage, to a national review of the change's partnership.
pub async fn insert_recommendation(
    change: &mut Change,
    review: &NationalReview,
    recommendation: &str,
) -> Result<NationalRecommendationId> {
    let id: NationalRecommendationId = sqlx::query_scalar(
        "INSERT INTO national_review_recommendations (national_review_id, recommendation, triage_rationale, created_at) \
         VALUES ($1, $2, '', $3) RETURNING id",
    )
    .bind(review.id)
    .bind(recommendation)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "national_review_recommendation",
            id,
            format!("Added a recommendation of {} for triage", review.title),
            &serde_json::json!({ "recommendation": recommendation }),
        ))
        .await?;
    Ok(id)
}

/// Records the local decision on a recommendation of one of the partnership's national reviews.
pub async fn set_triage(
    change: &mut Change,
    review: &NationalReview,
    recommendation: &Recommendation,
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
    .bind(recommendation.id)
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "national_review_recommendation",
            recommendation.id,
            format!(
                "Triaged a recommendation of {}: {}",
                review.title,
                decision.label().to_lowercase()
            ),
            recommendation,
            &serde_json::json!({ "decision": decision.code(), "rationale": rationale }),
        ))
        .await
}

// ---- Advance warnings of the statutory clocks ----

/// Records that a warning was sent; false when it already had been (so it is not sent twice,
/// even by two instances at once). A delivery log, not a change to a record, so it writes on
/// the warning's own transaction (with its e-mails) and carries no audit entry.
pub async fn record_clock_warning(
    tx: &mut Transaction,
    incident: IncidentId,
    clock: &str,
    kind: &str,
    due_on: Date,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO learning_clock_warnings (serious_incident_id, clock, kind, due_on, sent_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (serious_incident_id, clock, kind) DO NOTHING",
    )
    .bind(incident)
    .bind(clock)
    .bind(kind)
    .bind(iso_date(due_on))
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
