//! The improvement tracker's queries. Only this file touches its tables; names of
//! organisations, people, indicators and priorities come from their modules (see mod.rs).

use super::model::*;
use crate::kernel::audit::{AuditEntry, snapshot};
use crate::kernel::db::{IsoDate, OptionalIsoDate, Transaction, now_text};
// Explicit, so it wins over the model's `Change` (an action's change of state) from the glob.
use crate::kernel::ids::{
    ActionId, GroupId, IndicatorId, OrganisationId, PersonId, PlanItemId, RecommendationId,
};
use crate::kernel::text::iso_date;
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// The partnership's live recommendations, newest first.
pub async fn list_recommendations(mut store: impl Store) -> Result<Vec<Recommendation>> {
    sqlx::query_as(
        "SELECT * FROM recommendations WHERE partnership_id = $1 AND archived_at IS NULL \
         ORDER BY created_at DESC, id DESC",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// One of the partnership's recommendations; None for another partnership's.
pub async fn find_recommendation(
    mut store: impl Store,
    id: RecommendationId,
) -> Result<Option<Recommendation>> {
    sqlx::query_as("SELECT * FROM recommendations WHERE id = $1 AND partnership_id = $2")
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

pub async fn recommendations_from(
    mut store: impl Store,
    kind: SourceKind,
    source_id: i64,
) -> Result<Vec<Recommendation>> {
    sqlx::query_as(
        "SELECT * FROM recommendations WHERE partnership_id = $1 AND source_kind = $2 AND source_id = $3 \
         AND archived_at IS NULL ORDER BY id",
    )
    .bind(store.partnership())
    .bind(kind.code())
    .bind(source_id)
    .fetch_all(store.conn())
    .await
}

/// Whether the partnership already has a recommendation with this reference.
pub async fn reference_taken(mut store: impl Store, reference: &str) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM recommendations WHERE partnership_id = $1 AND upper(reference) = upper($2)",
    )
    .bind(store.partnership())
    .bind(reference)
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// Records a recommendation with its audit entry. A reference recorded by someone else a
/// moment ago fails as a unique violation, before any entry is written.
pub async fn insert_recommendation(
    change: &mut Change,
    details: &RecommendationDetails,
) -> Result<RecommendationId> {
    let id: RecommendationId = sqlx::query_scalar(
        "INSERT INTO recommendations (reference, source_kind, source_id, source_label, recommendation, priority_item_id, \
         created_at, updated_at, partnership_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(&details.reference)
    .bind(details.source_kind.code())
    .bind(details.source_id)
    .bind(&details.source_label)
    .bind(&details.recommendation)
    .bind(details.priority_item_id)
    .bind(now_text())
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "recommendation",
            id,
            format!(
                "Recorded recommendation {} from {}",
                details.reference, details.source_label
            ),
            details,
        ))
        .await?;
    Ok(id)
}

// ---- actions ----

/// An action as stored: names are filled in by the module from their owners.
/// `current_evidence` counts only evidence added since the action was last reopened by a
/// revisit (`evidence_floor`), so an action whose change did not last cannot be closed on its
/// old evidence.
const ACTION_SELECT: &str = "SELECT a.*, r.reference AS recommendation_reference, r.source_kind, r.source_label, \
     r.priority_item_id, (SELECT COUNT(*) FROM action_evidence e WHERE e.action_id = a.id) AS evidence_count, \
     (SELECT COUNT(*) FROM action_evidence e WHERE e.action_id = a.id AND e.id > a.evidence_floor) AS current_evidence \
     FROM tracker_actions a JOIN recommendations r ON r.id = a.recommendation_id";

/// An action's row as the SELECT above reads it, before the names are filled in.
#[derive(sqlx::FromRow)]
struct ActionRow {
    id: ActionId,
    recommendation_id: RecommendationId,
    recommendation_reference: String,
    #[sqlx(try_from = "String")]
    source_kind: SourceKind,
    source_label: String,
    priority_item_id: Option<PlanItemId>,
    title: String,
    owner_organisation_id: OrganisationId,
    owner_person_id: Option<PersonId>,
    overseeing_group_id: Option<GroupId>,
    impact_indicator_id: Option<IndicatorId>,
    impact_measure: String,
    #[sqlx(try_from = "String")]
    status: ActionStatus,
    #[sqlx(try_from = "IsoDate")]
    due_on: time::Date,
    #[sqlx(try_from = "OptionalIsoDate")]
    completed_on: Option<time::Date>,
    #[sqlx(try_from = "OptionalIsoDate")]
    revisit_on: Option<time::Date>,
    #[sqlx(try_from = "OptionalIsoDate")]
    revisited_on: Option<time::Date>,
    #[sqlx(try_from = "OptionalIsoDate")]
    closed_on: Option<time::Date>,
    evidence_count: i64,
    current_evidence: i64,
    created_at: String,
}

impl From<ActionRow> for TrackerAction {
    fn from(row: ActionRow) -> TrackerAction {
        TrackerAction {
            id: row.id,
            recommendation_id: row.recommendation_id,
            recommendation_reference: row.recommendation_reference,
            source_kind: row.source_kind,
            source_label: row.source_label,
            priority_item_id: row.priority_item_id,
            priority_title: None,
            title: row.title,
            owner_organisation_id: row.owner_organisation_id,
            owner_organisation_name: String::new(),
            owner_person_id: row.owner_person_id,
            owner_person_name: None,
            owner_person_email: None,
            overseeing_group_id: row.overseeing_group_id,
            overseeing_group_name: None,
            impact_indicator_id: row.impact_indicator_id,
            impact_indicator_name: None,
            impact_measure: row.impact_measure,
            state: ActionState {
                status: row.status,
                due_on: row.due_on,
                completed_on: row.completed_on,
                revisit_on: row.revisit_on,
                revisited_on: row.revisited_on,
                closed_on: row.closed_on,
            },
            evidence_count: row.evidence_count,
            current_evidence: row.current_evidence,
            created_at: row.created_at,
        }
    }
}

/// Every live action of the partnership, soonest due first.
pub async fn list_actions(mut store: impl Store) -> Result<Vec<TrackerAction>> {
    let sql = format!(
        "{ACTION_SELECT} WHERE r.partnership_id = $1 AND a.archived_at IS NULL AND r.archived_at IS NULL \
         ORDER BY a.due_on, a.id"
    );
    let rows: Vec<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await?;
    Ok(rows.into_iter().map(TrackerAction::from).collect())
}

pub async fn actions_of(
    mut store: impl Store,
    recommendation_id: RecommendationId,
) -> Result<Vec<TrackerAction>> {
    let sql = format!(
        "{ACTION_SELECT} WHERE a.recommendation_id = $1 AND r.partnership_id = $2 AND a.archived_at IS NULL \
         ORDER BY a.due_on, a.id"
    );
    let rows: Vec<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recommendation_id)
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await?;
    Ok(rows.into_iter().map(TrackerAction::from).collect())
}

/// One of the partnership's live actions; None for another partnership's.
pub async fn find_action(mut store: impl Store, id: ActionId) -> Result<Option<TrackerAction>> {
    let sql = format!(
        "{ACTION_SELECT} WHERE a.id = $1 AND r.partnership_id = $2 AND a.archived_at IS NULL \
         AND r.archived_at IS NULL"
    );
    let row: Option<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await?;
    Ok(row.map(TrackerAction::from))
}

/// Adds an action to a recommendation (known by its id and reference), with its audit entry.
pub async fn insert_action(
    change: &mut Change,
    (recommendation_id, reference): (RecommendationId, &str),
    details: &ActionDetails,
) -> Result<ActionId> {
    let id: ActionId = sqlx::query_scalar(
        "INSERT INTO tracker_actions (recommendation_id, title, owner_organisation_id, owner_person_id, due_on, status, \
         impact_indicator_id, impact_measure, created_at, updated_at, overseeing_group_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
    )
    .bind(recommendation_id)
    .bind(&details.title)
    .bind(details.owner_organisation_id)
    .bind(details.owner_person_id)
    .bind(iso_date(details.due_on))
    .bind(ActionStatus::NotStarted.code())
    .bind(details.impact_indicator_id)
    .bind(&details.impact_measure)
    .bind(now_text())
    .bind(details.overseeing_group_id)
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "tracker_action",
            id,
            format!("Added an action to {reference}: {}", details.title),
            details,
        ))
        .await?;
    Ok(id)
}

/// Saves an edit over the state it was made against, with its audit entry; false (and nothing
/// written) when the action moved on meanwhile (reopened with a new due date, completed), so an
/// edit never silently undoes that.
pub async fn update_action(
    change: &mut Change,
    action: &TrackerAction,
    details: &ActionDetails,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE tracker_actions SET title = $1, owner_organisation_id = $2, owner_person_id = $3, due_on = $4, \
         impact_indicator_id = $5, impact_measure = $6, updated_at = $7, overseeing_group_id = $11 \
         WHERE id = $8 AND status = $9 AND due_on = $10",
    )
    .bind(&details.title)
    .bind(details.owner_organisation_id)
    .bind(details.owner_person_id)
    .bind(iso_date(details.due_on))
    .bind(details.impact_indicator_id)
    .bind(&details.impact_measure)
    .bind(now_text())
    .bind(action.id)
    .bind(action.state.status.code())
    .bind(iso_date(action.state.due_on))
    .bind(details.overseeing_group_id)
    .execute(change.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let before = ActionDetails {
        title: action.title.clone(),
        owner_organisation_id: action.owner_organisation_id,
        owner_person_id: action.owner_person_id,
        overseeing_group_id: action.overseeing_group_id,
        due_on: action.state.due_on,
        impact_indicator_id: action.impact_indicator_id,
        impact_measure: action.impact_measure.clone(),
    };
    change
        .record(AuditEntry::updated(
            "tracker_action",
            action.id,
            format!("Edited action \"{}\"", details.title),
            &before,
            details,
        ))
        .await?;
    Ok(true)
}

/// One change of an action's state as it is written: which action (id and title), the kind of
/// update with its note, and the states before and after.
pub struct StateChange<'a> {
    pub id: ActionId,
    pub title: &'a str,
    pub kind: &'a str,
    pub note: &'a str,
    pub before: &'a ActionState,
    pub after: &'a ActionState,
}

/// Writes a new state with its progress note and audit entry, but only over the one the change
/// was judged against: two people updating at once cannot both win. Returns false (and writes
/// nothing) when the action had moved on.
pub async fn set_state(change: &mut Change, update: StateChange<'_>) -> Result<bool> {
    let StateChange {
        id,
        title,
        kind,
        note,
        before,
        after,
    } = update;
    let done = sqlx::query(
        "UPDATE tracker_actions SET status = $1, due_on = $2, completed_on = $3, revisit_on = $4, revisited_on = $5, \
         closed_on = $6, updated_at = $7 WHERE id = $8 AND status = $9 AND due_on = $10 \
         AND COALESCE(completed_on, '') = $11 AND COALESCE(revisit_on, '') = $12",
    )
    .bind(after.status.code())
    .bind(iso_date(after.due_on))
    .bind(after.completed_on.map(iso_date))
    .bind(after.revisit_on.map(iso_date))
    .bind(after.revisited_on.map(iso_date))
    .bind(after.closed_on.map(iso_date))
    .bind(now_text())
    .bind(id)
    .bind(before.status.code())
    .bind(iso_date(before.due_on))
    .bind(before.completed_on.map(iso_date).unwrap_or_default())
    .bind(before.revisit_on.map(iso_date).unwrap_or_default())
    .execute(change.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    if before.status == ActionStatus::Complete && after.status.is_open() {
        // Reopened: what was there has been judged and found wanting.
        sqlx::query(
            "UPDATE tracker_actions SET evidence_floor = \
             (SELECT COALESCE(MAX(e.id), 0) FROM action_evidence e WHERE e.action_id = $1) WHERE id = $1",
        )
        .bind(id)
        .execute(change.conn())
        .await?;
    }
    let written_by = change.actor().label.clone();
    sqlx::query(
        "INSERT INTO action_updates (action_id, kind, status_before, status_after, note, written_by, written_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(kind)
    .bind(before.status.code())
    .bind(after.status.code())
    .bind(note)
    .bind(written_by)
    .bind(now_text())
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "tracker_action",
            id,
            match (kind, before.status == after.status) {
                ("complete", _) => format!(
                    "Marked action \"{title}\" complete (its status was {})",
                    before.status.label()
                ),
                ("progress", true) => format!("Added a progress note to action \"{title}\""),
                ("revisit", true) => format!("Revisited action \"{title}\""),
                (_, true) => format!("Updated action \"{title}\""),
                (kind, false) => format!(
                    "{} action \"{title}\": changed its status from {} to {}",
                    match kind {
                        "revisit" => "Revisited",
                        "progress" => "Recorded progress on",
                        _ => "Updated",
                    },
                    before.status.label(),
                    after.status.label()
                ),
            },
            before,
            &serde_json::json!({ "state": snapshot(after), "note": note }),
        ))
        .await?;
    Ok(true)
}

// ---- progress notes and evidence ----

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ActionUpdate {
    pub kind: String,
    pub status_before: String,
    pub status_after: String,
    pub note: String,
    pub written_by: String,
    pub written_at: String,
}

impl ActionUpdate {
    pub fn kind_label(&self) -> &'static str {
        update_kind_label(&self.kind)
    }

    pub fn status_before_label(&self) -> &'static str {
        ActionStatus::from_code(&self.status_before).map_or("", ActionStatus::label)
    }

    pub fn status_after_label(&self) -> &'static str {
        ActionStatus::from_code(&self.status_after).map_or("", ActionStatus::label)
    }
}

/// Oldest first.
pub async fn updates_of(mut store: impl Store, action_id: ActionId) -> Result<Vec<ActionUpdate>> {
    sqlx::query_as("SELECT * FROM action_updates WHERE action_id = $1 ORDER BY id")
        .bind(action_id)
        .fetch_all(store.conn())
        .await
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: EvidenceId,
    pub action_id: ActionId,
    pub description: String,
    pub link: Option<String>,
    pub file_id: Option<crate::kernel::files::StoredFileId>,
    pub file_name: Option<String>,
    pub size_bytes: Option<i64>,
    pub added_by: String,
    pub added_at: String,
}

const EVIDENCE_SELECT: &str = "SELECT e.*, f.file_name, f.size_bytes FROM action_evidence e \
     LEFT JOIN stored_files f ON f.id = e.file_id";

pub async fn evidence_of(mut store: impl Store, action_id: ActionId) -> Result<Vec<Evidence>> {
    let sql = format!("{EVIDENCE_SELECT} WHERE e.action_id = $1 ORDER BY e.id");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(action_id)
        .fetch_all(store.conn())
        .await
}

/// An item of evidence on one of the partnership's actions (found through the action and its
/// recommendation); None for another partnership's.
pub async fn find_evidence(mut store: impl Store, id: EvidenceId) -> Result<Option<Evidence>> {
    let sql = format!(
        "{EVIDENCE_SELECT} JOIN tracker_actions a ON a.id = e.action_id \
         JOIN recommendations r ON r.id = a.recommendation_id WHERE e.id = $1 AND r.partnership_id = $2"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// What an item of evidence is: a description with a link, a stored file (its id and name),
/// or both.
pub struct NewEvidence<'a> {
    pub description: &'a str,
    pub link: Option<&'a str>,
    pub file: Option<(crate::kernel::files::StoredFileId, &'a str)>,
}

/// Adds evidence to an action (known by its id and title), with its audit entry.
pub async fn insert_evidence(
    change: &mut Change,
    (action_id, title): (ActionId, &str),
    evidence: NewEvidence<'_>,
) -> Result<EvidenceId> {
    let NewEvidence {
        description,
        link,
        file,
    } = evidence;
    let file_id = file.map(|(id, _)| id);
    let added_by = change.actor().label.clone();
    let id: EvidenceId = sqlx::query_scalar(
        "INSERT INTO action_evidence (action_id, description, link, file_id, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(action_id)
    .bind(description)
    .bind(link)
    .bind(file_id)
    .bind(added_by)
    .bind(now_text())
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "action_evidence",
            id,
            format!("Added evidence to action \"{title}\": {description}"),
            &serde_json::json!({
                "action_id": action_id,
                "description": description,
                "link": link,
                "file": file.map(|(_, name)| name),
                "file_id": file_id,
            }),
        ))
        .await?;
    Ok(id)
}

/// Records that this week's digest is being sent; false when it already was. One claim covers
/// the whole installation: the run that wins it sends every partnership's digest.
pub async fn claim_digest_week(tx: &mut Transaction, week_starting: time::Date) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO tracker_digest_runs (week_starting, sent_at) VALUES ($1, $2) ON CONFLICT (week_starting) DO NOTHING",
    )
    .bind(iso_date(week_starting))
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An action's update as the reports read it: when it was written and the status it left.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DatedUpdate {
    pub action_id: ActionId,
    pub kind: String,
    pub status_after: String,
    pub written_at: String,
}

/// Every update of the partnership's actions, oldest first: the actions' history, from which
/// the reports read where each stood on a past day.
pub async fn updates_of_partnership(mut store: impl Store) -> Result<Vec<DatedUpdate>> {
    sqlx::query_as(
        "SELECT u.action_id, u.kind, u.status_after, u.written_at FROM action_updates u \
         JOIN tracker_actions a ON a.id = u.action_id JOIN recommendations r ON r.id = a.recommendation_id \
         WHERE r.partnership_id = $1 ORDER BY u.id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// What the demo's history backdates (see `backdate_for_demo`).
#[derive(Debug, Clone, Copy)]
pub enum DemoBackdate {
    /// A recommendation's `created_at`.
    Recommendation(RecommendationId),
    /// An action's `created_at`.
    Action(ActionId),
    /// The `written_at` of an action's newest update.
    LatestUpdate(ActionId),
    /// The `added_at` of an action's newest item of evidence.
    LatestEvidence(ActionId),
}

/// Demo data only: the demo's 2024/25 history is written through the functions above, which
/// stamp "now"; this then sets the fixed historical time (10:00 UTC on `on`) so the reports,
/// which read the same tables as always, see it as it happened. Nothing but the demo calls it.
pub async fn backdate_for_demo(
    change: &mut Change,
    what: DemoBackdate,
    on: time::Date,
) -> Result<()> {
    let at =
        crate::kernel::db::timestamp_text(on.midnight().assume_utc() + time::Duration::hours(10));
    let partnership = change.partnership();
    let query = match what {
        DemoBackdate::Recommendation(id) => sqlx::query(
            "UPDATE recommendations SET created_at = $1, updated_at = $1 WHERE id = $2 AND partnership_id = $3",
        )
        .bind(at)
        .bind(id),
        DemoBackdate::Action(id) => sqlx::query(
            "UPDATE tracker_actions SET created_at = $1, updated_at = $1 WHERE id = $2 AND recommendation_id IN \
             (SELECT id FROM recommendations WHERE partnership_id = $3)",
        )
        .bind(at)
        .bind(id),
        DemoBackdate::LatestUpdate(id) => sqlx::query(
            "UPDATE action_updates SET written_at = $1 WHERE id = \
             (SELECT MAX(u.id) FROM action_updates u JOIN tracker_actions a ON a.id = u.action_id \
             JOIN recommendations r ON r.id = a.recommendation_id WHERE u.action_id = $2 AND r.partnership_id = $3)",
        )
        .bind(at)
        .bind(id),
        DemoBackdate::LatestEvidence(id) => sqlx::query(
            "UPDATE action_evidence SET added_at = $1 WHERE id = \
             (SELECT MAX(e.id) FROM action_evidence e JOIN tracker_actions a ON a.id = e.action_id \
             JOIN recommendations r ON r.id = a.recommendation_id WHERE e.action_id = $2 AND r.partnership_id = $3)",
        )
        .bind(at)
        .bind(id),
    };
    query.bind(partnership).execute(change.conn()).await?;
    Ok(())
}
