//! The dataset module's queries. Only this file touches its tables.

use std::collections::HashMap;

use super::model::*;
use crate::kernel::api_tokens::ApiTokenId;
use crate::kernel::audit::{Actor, AuditAction, AuditEntry};
use crate::kernel::db::{Db, IsoDate, Transaction, now_text, retrying};
use crate::kernel::ids::{DropId, IndicatorId, OrganisationId, PeriodId, PlanItemId, UserId};
use crate::kernel::{Change, Store};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// A yes/no flag stored as 0 or 1 (`#[sqlx(try_from = "StoredFlag")]` in a derived row).
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct StoredFlag(i64);

impl From<StoredFlag> for bool {
    fn from(StoredFlag(flag): StoredFlag) -> bool {
        flag != 0
    }
}

/// A quarter in a one-column row, for lists of quarters.
#[derive(sqlx::FromRow)]
struct StoredQuarter {
    #[sqlx(rename = "period_start", try_from = "String")]
    period: Quarter,
}

// ---- indicators ----

const INDICATOR_SELECT: &str = "SELECT i.id, i.code, i.name, i.definition, i.unit, i.polarity, i.frequency, \
     i.owner_organisation_id, o.name AS owner_name, i.priority_item_id, i.target, i.suppression_threshold, \
     i.decimals, i.source, i.archived_at FROM indicators i JOIN organisations o ON o.id = i.owner_organisation_id";

#[derive(Debug, Clone, Default)]
pub struct IndicatorFilter {
    pub owner_organisation_id: Option<OrganisationId>,
    pub priority_item_id: Option<PlanItemId>,
    pub include_archived: bool,
}

/// A partnership's indicators, in code order.
pub async fn list_indicators(
    mut store: impl Store,
    filter: &IndicatorFilter,
) -> Result<Vec<Indicator>> {
    let sql = format!(
        "{INDICATOR_SELECT} WHERE i.partnership_id = $4 AND ($1 = -1 OR i.owner_organisation_id = $1) \
         AND ($2 = -1 OR i.priority_item_id = $2) AND ($3 = 1 OR i.archived_at IS NULL) ORDER BY i.code"
    );
    let rows = sqlx::query_as::<_, Indicator>(sqlx::AssertSqlSafe(sql))
        .bind(filter.owner_organisation_id.map_or(-1, i64::from))
        .bind(filter.priority_item_id.map_or(-1, i64::from))
        .bind(i64::from(filter.include_archived))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await?;
    Ok(rows)
}

/// One of the partnership's indicators; another partnership's is not found.
pub async fn find_indicator(mut store: impl Store, id: IndicatorId) -> Result<Option<Indicator>> {
    let sql = format!("{INDICATOR_SELECT} WHERE i.id = $1 AND i.partnership_id = $2");
    let row = sqlx::query_as::<_, Indicator>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await?;
    Ok(row)
}

/// Codes are unique within a partnership: two partnerships may both have "CP-RATE".
pub async fn indicator_code_taken(
    mut store: impl Store,
    code: &str,
    except: Option<IndicatorId>,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM indicators WHERE partnership_id = $3 AND upper(code) = upper($1) AND id <> $2",
    )
    .bind(code)
    .bind(except.map_or(-1, i64::from))
    .bind(store.partnership())
    .fetch_one(store.conn())
    .await?;
    Ok(count > 0)
}

/// An indicator as entered, before it has an id.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndicatorDetails {
    pub code: String,
    pub name: String,
    pub definition: String,
    pub unit: Unit,
    #[serde(serialize_with = "serialize_polarity")]
    pub polarity: Polarity,
    pub frequency: Frequency,
    pub owner_organisation_id: OrganisationId,
    pub priority_item_id: Option<PlanItemId>,
    pub target: Option<f64>,
    pub suppression_threshold: i64,
    pub decimals: i64,
    pub source: String,
}

fn serialize_polarity<S: serde::Serializer>(
    polarity: &Polarity,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(polarity_code(*polarity))
}

impl IndicatorDetails {
    pub fn of(indicator: &Indicator) -> IndicatorDetails {
        IndicatorDetails {
            code: indicator.code.clone(),
            name: indicator.name.clone(),
            definition: indicator.definition.clone(),
            unit: indicator.unit,
            polarity: indicator.polarity,
            frequency: indicator.frequency,
            owner_organisation_id: indicator.owner_organisation_id,
            priority_item_id: indicator.priority_item_id,
            target: indicator.target,
            suppression_threshold: indicator.suppression_threshold,
            decimals: indicator.decimals,
            source: indicator.source.clone(),
        }
    }
}

/// Adds an indicator to the catalogue, with the entry recording it.
pub async fn insert_indicator(
    change: &mut Change,
    details: &IndicatorDetails,
    active_from: Quarter,
) -> Result<IndicatorId> {
    let partnership = change.partnership();
    let id: IndicatorId = sqlx::query_scalar(
        "INSERT INTO indicators (code, name, definition, unit, polarity, frequency, owner_organisation_id, priority_item_id, \
         target, suppression_threshold, decimals, source, active_from, created_at, updated_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) RETURNING id",
    )
    .bind(&details.code)
    .bind(&details.name)
    .bind(&details.definition)
    .bind(details.unit.code())
    .bind(polarity_code(details.polarity))
    .bind(details.frequency.code())
    .bind(details.owner_organisation_id)
    .bind(details.priority_item_id)
    .bind(details.target)
    .bind(details.suppression_threshold)
    .bind(details.decimals)
    .bind(&details.source)
    .bind(active_from.key())
    .bind(now_text())
    .bind(partnership)
    // Not cached: sqlx's Any driver declares a NULL f64 as float4, which would fix the type of
    // `target` for every later use of a cached statement on PostgreSQL.
    .persistent(false)
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "indicator",
            id,
            format!("Added indicator {} {}", details.code, details.name),
            details,
        ))
        .await?;
    Ok(id)
}

/// Saves an indicator's new details, with the entry recording them against its old ones.
pub async fn update_indicator(
    change: &mut Change,
    indicator: &Indicator,
    details: &IndicatorDetails,
) -> Result<()> {
    let partnership = change.partnership();
    sqlx::query(
        "UPDATE indicators SET code = $1, name = $2, definition = $3, unit = $4, polarity = $5, frequency = $6, \
         owner_organisation_id = $7, priority_item_id = $8, target = $9, suppression_threshold = $10, decimals = $11, \
         source = $12, updated_at = $13 WHERE id = $14 AND partnership_id = $15",
    )
    .bind(&details.code)
    .bind(&details.name)
    .bind(&details.definition)
    .bind(details.unit.code())
    .bind(polarity_code(details.polarity))
    .bind(details.frequency.code())
    .bind(details.owner_organisation_id)
    .bind(details.priority_item_id)
    .bind(details.target)
    .bind(details.suppression_threshold)
    .bind(details.decimals)
    .bind(&details.source)
    .bind(now_text())
    .bind(indicator.id)
    .bind(partnership)
    .persistent(false) // see insert_indicator
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "indicator",
            indicator.id,
            format!("Updated indicator {}", details.code),
            &IndicatorDetails::of(indicator),
            details,
        ))
        .await
}

/// Archives or restores an indicator, with the entry recording it.
pub async fn set_indicator_archived(
    change: &mut Change,
    indicator: &Indicator,
    archived: bool,
) -> Result<()> {
    let partnership = change.partnership();
    let sql = if archived {
        "UPDATE indicators SET archived_at = $1, updated_at = $1 WHERE id = $2 AND partnership_id = $3"
    } else {
        "UPDATE indicators SET archived_at = NULL, updated_at = $1 WHERE id = $2 AND partnership_id = $3"
    };
    sqlx::query(sql)
        .bind(now_text())
        .bind(indicator.id)
        .bind(partnership)
        .execute(change.conn())
        .await?;
    let (action, verb) = if archived {
        (AuditAction::Archive, "Archived")
    } else {
        (AuditAction::Restore, "Restored")
    };
    change
        .record(
            AuditEntry::new(
                action,
                "indicator",
                indicator.id,
                format!("{verb} indicator {}", indicator.code),
            )
            .before(indicator),
        )
        .await
}

/// The partnership's live indicators as an upload checks them (all its organisations', to name
/// the right owner). Another partnership's codes are not in the catalogue.
pub async fn upload_indicators(store: impl Store) -> Result<Vec<UploadIndicator>> {
    Ok(list_indicators(store, &IndicatorFilter::default())
        .await?
        .into_iter()
        .map(|indicator| UploadIndicator {
            id: indicator.id,
            code: indicator.code,
            unit: indicator.unit,
            owner_organisation_id: indicator.owner_organisation_id,
            owner_name: indicator.owner_name,
        })
        .collect())
}

// ---- comparators ----

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Comparator {
    pub indicator_id: IndicatorId,
    #[sqlx(rename = "period_start", try_from = "String")]
    pub period: Quarter,
    pub name: String,
    pub value: f64,
}

/// Every comparator of the partnership's indicators (or of one of them), oldest first.
pub async fn comparators(
    mut store: impl Store,
    indicator_id: Option<IndicatorId>,
) -> Result<Vec<Comparator>> {
    sqlx::query_as(
        "SELECT c.indicator_id, c.period_start, c.name, c.value FROM indicator_comparators c \
         JOIN indicators i ON i.id = c.indicator_id WHERE i.partnership_id = $2 AND ($1 = -1 OR c.indicator_id = $1) \
         ORDER BY c.period_start, c.name",
    )
    .bind(indicator_id.map_or(-1, i64::from))
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// Sets (or replaces) a comparator's value for a period: one statement, so two people setting
/// the same comparator at once both succeed and the later value stands. Recorded against the
/// indicator (`code` names it in the entry).
pub async fn set_comparator(
    change: &mut Change,
    (indicator_id, code): (IndicatorId, &str),
    period: Quarter,
    name: &str,
    value: f64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO indicator_comparators (indicator_id, period_start, name, value) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (indicator_id, period_start, name) DO UPDATE SET value = excluded.value",
    )
    .bind(indicator_id)
    .bind(period.key())
    .bind(name)
    .bind(value)
    .execute(change.conn())
    .await?;
    change
        .record(
            AuditEntry::new(
                AuditAction::Update,
                "indicator",
                indicator_id,
                format!("Set the {name} comparator of {code} for {period}"),
            )
            .after(&serde_json::json!({ "period": period.label(), "name": name, "value": value })),
        )
        .await
}

// ---- collection periods ----

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct CollectionPeriod {
    pub id: PeriodId,
    #[sqlx(rename = "period_start", try_from = "String")]
    pub period: Quarter,
    #[sqlx(try_from = "IsoDate")]
    pub due_on: time::Date,
    pub closed_at: Option<String>,
}

impl CollectionPeriod {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// The partnership's collection periods, newest first.
pub async fn list_periods(mut store: impl Store) -> Result<Vec<CollectionPeriod>> {
    sqlx::query_as("SELECT id, period_start, due_on, closed_at FROM collection_periods WHERE partnership_id = $1 ORDER BY period_start DESC")
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await
}

/// One of the partnership's collection periods, by its quarter.
pub async fn find_period(
    mut store: impl Store,
    period: Quarter,
) -> Result<Option<CollectionPeriod>> {
    sqlx::query_as("SELECT id, period_start, due_on, closed_at FROM collection_periods WHERE partnership_id = $2 AND period_start = $1")
        .bind(period.key())
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Opens a quarter for data drops, with the entry recording it.
pub async fn insert_period(
    change: &mut Change,
    period: Quarter,
    due_on: time::Date,
) -> Result<PeriodId> {
    let partnership = change.partnership();
    let id: PeriodId = sqlx::query_scalar(
        "INSERT INTO collection_periods (period_start, due_on, created_at, updated_at, partnership_id) VALUES ($1, $2, $3, $3, $4) RETURNING id",
    )
    .bind(period.key())
    .bind(due_on.to_string())
    .bind(now_text())
    .bind(partnership)
    .fetch_one(change.conn())
    .await?;
    change
        .record(AuditEntry::created(
            "collection_period",
            id,
            format!(
                "Opened {period} for data drops, due {}",
                crate::kernel::text::long_date(due_on)
            ),
            &serde_json::json!({ "period": period.label(), "due_on": due_on.to_string() }),
        ))
        .await?;
    Ok(id)
}

/// Closes or reopens a period (`id` is its record, `period` its quarter), with the entry
/// recording it.
pub async fn set_period_closed(
    change: &mut Change,
    (id, period): (PeriodId, Quarter),
    closed: bool,
) -> Result<()> {
    let partnership = change.partnership();
    let sql = if closed {
        "UPDATE collection_periods SET closed_at = $1, updated_at = $1 WHERE period_start = $2 AND partnership_id = $3"
    } else {
        "UPDATE collection_periods SET closed_at = NULL, updated_at = $1 WHERE period_start = $2 AND partnership_id = $3"
    };
    sqlx::query(sql)
        .bind(now_text())
        .bind(period.key())
        .bind(partnership)
        .execute(change.conn())
        .await?;
    let verb = if closed { "Closed" } else { "Reopened" };
    change
        .record(
            AuditEntry::new(
                AuditAction::Update,
                "collection_period",
                id,
                format!("{verb} {period} for data drops"),
            )
            .after(&serde_json::json!({ "closed": closed })),
        )
        .await
}

/// Records the reminders just queued (in `change`) to the data leads of `organisations`.
pub async fn reminders_queued(
    change: &mut Change,
    period: &CollectionPeriod,
    queued: usize,
    organisations: &[String],
) -> Result<()> {
    change
        .record(AuditEntry::created(
            "collection_period",
            period.id,
            format!(
                "Queued {} for {}",
                crate::kernel::filters::count_of(queued as i64, "reminder", "reminders"),
                period.period
            ),
            &serde_json::json!({ "organisations": organisations }),
        ))
        .await
}

// ---- data drops ----

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct DataDrop {
    pub id: DropId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    #[sqlx(rename = "period_start", try_from = "String")]
    pub period: Quarter,
    pub version: i64,
    #[sqlx(try_from = "String")]
    pub status: DropStatus,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(flatten)]
    pub storyboard: Storyboard,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub decided_at: Option<String>,
    pub decision_comment: String,
}

const DROP_SELECT: &str = "SELECT d.id, d.organisation_id, o.name AS organisation_name, d.period_start, d.version, d.status, \
     d.channel, d.working_well, d.worried_about, d.doing_about_it, d.previous_actions, d.created_at, d.submitted_at, \
     d.decided_at, d.decision_comment FROM data_drops d JOIN organisations o ON o.id = d.organisation_id";

#[derive(Debug, Clone, Default)]
pub struct DropFilter {
    pub organisation_id: Option<OrganisationId>,
    pub period: Option<Quarter>,
    pub status: Option<DropStatus>,
    /// Leave drafts out, for a reader who sees every organisation's drops but no drafts (the
    /// scrutineer), so a page of them is not cut short by drafts it may not show.
    pub without_drafts: bool,
}

/// The partnership's drops, newest period first, then the newest drops within it.
pub async fn list_drops(store: impl Store, filter: &DropFilter) -> Result<Vec<DataDrop>> {
    list_drops_limited(store, filter, i64::MAX).await
}

/// At most `limit` of the partnership's drops, newest first, for lists that page. The order is
/// that of the index data_drops_partnership (partnership_id, period_start, id), so a page
/// reads only its own rows however many partnerships share the table.
pub async fn list_drops_limited(
    mut store: impl Store,
    filter: &DropFilter,
    limit: i64,
) -> Result<Vec<DataDrop>> {
    let sql = format!(
        "{DROP_SELECT} WHERE d.partnership_id = $5 AND ($1 = -1 OR d.organisation_id = $1) \
         AND ($2 = '' OR d.period_start = $2) AND ($3 = '' OR d.status = $3) \
         AND ($6 = 0 OR d.status <> 'draft') \
         ORDER BY d.period_start DESC, d.id DESC LIMIT $4"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(filter.organisation_id.map_or(-1, i64::from))
        .bind(filter.period.map(Quarter::key).unwrap_or_default())
        .bind(filter.status.map(DropStatus::code).unwrap_or(""))
        .bind(limit)
        .bind(store.partnership())
        .bind(i64::from(filter.without_drafts))
        .fetch_all(store.conn())
        .await
}

/// A drop as the visibility rule sees it: whose it is and where it stands, without the
/// storyboard.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct DropState {
    pub id: DropId,
    pub organisation_id: OrganisationId,
    #[sqlx(try_from = "String")]
    pub status: DropStatus,
}

/// Every drop of the partnership, as the visibility rule sees it.
pub async fn drop_states(mut store: impl Store) -> Result<Vec<DropState>> {
    sqlx::query_as(
        "SELECT id, organisation_id, status FROM data_drops WHERE partnership_id = $1 ORDER BY id",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// One of the partnership's drops; another partnership's is not found.
pub async fn find_drop(mut store: impl Store, id: DropId) -> Result<Option<DataDrop>> {
    let sql = format!("{DROP_SELECT} WHERE d.id = $1 AND d.partnership_id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// Starts a draft for an organisation and period, the next version, copying the latest
/// version's values and storyboard so a resubmission only changes what changed (the old
/// version is kept). "Insert or find": None when the organisation already has an open version
/// (a draft, or one waiting for a decision) for the period. The unique index
/// data_drops_one_open (0013) makes that so even when two requests start one at the same
/// moment: the second's insert waits for the first's and then does nothing.
pub async fn start_draft(
    change: &mut Change,
    organisation_id: OrganisationId,
    period: Quarter,
    channel: Channel,
) -> Result<Option<DropId>> {
    let now = now_text();
    let partnership = change.partnership();
    let user_id = change.actor().user_id;
    let id: Option<DropId> = sqlx::query_scalar(
        "INSERT INTO data_drops (organisation_id, period_start, version, status, channel, created_by, created_at, updated_at, \
         partnership_id) VALUES ($1, $2, \
         COALESCE((SELECT MAX(version) FROM data_drops WHERE organisation_id = $1 AND period_start = $2), 0) + 1, \
         'draft', $3, $4, $5, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(organisation_id)
    .bind(period.key())
    .bind(channel.code())
    .bind(user_id)
    .bind(&now)
    .bind(partnership)
    .fetch_optional(change.conn())
    .await?;
    let Some(id) = id else { return Ok(None) };
    let previous: Option<DropId> = sqlx::query_scalar(
        "SELECT id FROM data_drops WHERE organisation_id = $1 AND period_start = $2 AND id <> $3 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(organisation_id)
    .bind(period.key())
    .bind(id)
    .fetch_optional(change.conn())
    .await?;
    if let Some(previous) = previous {
        sqlx::query(
            "UPDATE data_drops SET working_well = (SELECT working_well FROM data_drops WHERE id = $1), \
             worried_about = (SELECT worried_about FROM data_drops WHERE id = $1), \
             doing_about_it = (SELECT doing_about_it FROM data_drops WHERE id = $1), \
             previous_actions = (SELECT previous_actions FROM data_drops WHERE id = $1) WHERE id = $2",
        )
        .bind(previous)
        .bind(id)
        .execute(change.conn())
        .await?;
        sqlx::query(
            "INSERT INTO data_values (data_drop_id, indicator_id, value, note, outlier_confirmed) \
             SELECT $1, indicator_id, value, note, outlier_confirmed FROM data_values WHERE data_drop_id = $2",
        )
        .bind(id)
        .bind(previous)
        .execute(change.conn())
        .await?;
    }
    Ok(Some(id))
}

/// The organisation's open version for a period (a draft, or one waiting for a decision),
/// locked for the rest of the change.
async fn open_drop_locked(
    mut store: impl Store,
    organisation_id: OrganisationId,
    period: Quarter,
) -> Result<Option<OpenDrop>> {
    let sql = format!(
        "SELECT id, status FROM data_drops WHERE organisation_id = $1 AND period_start = $2 \
         AND status IN ('draft', 'submitted') AND partnership_id = $3{}",
        store.for_update()
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(organisation_id)
        .bind(period.key())
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await
}

/// An organisation's open version for a period: a draft, or one waiting for a decision.
#[derive(sqlx::FromRow)]
struct OpenDrop {
    id: DropId,
    #[sqlx(try_from = "String")]
    status: DropStatus,
}

/// A drop's version and status, as a save into it checks them.
#[derive(sqlx::FromRow)]
struct DraftState {
    version: i64,
    #[sqlx(try_from = "String")]
    status: DropStatus,
}

// ---- saving into a draft: read, check and write in one locked transaction ----

/// Which draft a save goes into.
#[derive(Debug, Clone, Copy)]
pub enum DraftTarget {
    /// A drop by id, from its page (the form and the upload): refused unless still a draft.
    Drop(DropId),
    /// The organisation's draft for a period, started if it has none (the API).
    Open {
        organisation_id: OrganisationId,
        period: Quarter,
    },
}

/// A change to a draft, whichever way it came.
#[derive(Debug, Clone)]
pub struct DraftChange {
    /// Values set, one per indicator; the draft's other values are kept.
    pub set: Vec<DropValue>,
    /// Indicators whose value is removed (a form field left empty).
    pub cleared: Vec<IndicatorId>,
    /// The storyboard, when the change sets it.
    pub storyboard: Option<Storyboard>,
    pub channel: Channel,
    /// Send the draft to the business unit once saved.
    pub submit: bool,
}

/// A draft after a save.
#[derive(Debug, Clone)]
pub struct SavedDraft {
    pub data_drop: DataDrop,
    pub values: Vec<DropValue>,
    /// The save started the draft.
    pub started: bool,
}

/// Why a save into a draft was refused (nothing of it is kept).
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("no such data drop")]
    NotFound,
    #[error("version {version} is {} and cannot be changed", status.label().to_lowercase())]
    NotDraft { version: i64, status: DropStatus },
    #[error("the data drop for {0} is waiting for the business unit's decision")]
    AwaitingDecision(Quarter),
    #[error("{0} is not open for data drops")]
    PeriodClosed(Quarter),
    #[error("the data drop is not ready to submit")]
    NotReady(Vec<NotReady>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A save that forgot its audit entry: a bug, refused and reported as a failed save.
    #[error("a change was about to be saved without its audit entry")]
    Unrecorded,
}

impl From<crate::kernel::store::ChangeError> for DraftError {
    fn from(error: crate::kernel::store::ChangeError) -> DraftError {
        match error {
            crate::kernel::store::ChangeError::Database(error) => DraftError::Database(error),
            crate::kernel::store::ChangeError::Unrecorded => DraftError::Unrecorded,
        }
    }
}

impl crate::kernel::db::Retryable for DraftError {
    fn is_retryable(&self) -> bool {
        matches!(self, DraftError::Database(error) if crate::kernel::db::is_retryable(error))
    }
}

/// Saves a change into a draft: the form, the upload and the API all come here. The draft is
/// found (or started) and locked, and everything the change depends on (its status, the
/// period being open, the values it keeps, what submitting needs) is read inside the same
/// transaction, so two saves at once each keep the other's values. Records the whole change
/// in the audit trail: the draft's start, its values and storyboard before and after, and
/// the submission. A save that loses a race with another is tried again (kernel::db::retrying).
/// `is_outlier` judges a value against its approved history (for the submit check).
pub async fn save_draft(
    db: &Db,
    actor: &Actor,
    target: DraftTarget,
    change: &DraftChange,
    is_outlier: &(dyn Fn(&DraftValue) -> bool + Sync),
) -> std::result::Result<SavedDraft, DraftError> {
    retrying(|| save_draft_once(db, actor, target, change, is_outlier)).await
}

async fn save_draft_once(
    db: &Db,
    actor: &Actor,
    target: DraftTarget,
    edit: &DraftChange,
    is_outlier: &(dyn Fn(&DraftValue) -> bool + Sync),
) -> std::result::Result<SavedDraft, DraftError> {
    let mut change = Change::begin(db, actor.clone()).await?;
    let partnership = change.partnership();
    let (id, started) = match target {
        DraftTarget::Drop(id) => {
            let sql = format!(
                "SELECT version, status FROM data_drops WHERE id = $1 AND partnership_id = $2{}",
                change.for_update()
            );
            let DraftState { version, status } = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(partnership)
                .fetch_optional(change.conn())
                .await?
                .ok_or(DraftError::NotFound)?;
            if status != DropStatus::Draft {
                return Err(DraftError::NotDraft { version, status });
            }
            (id, false)
        }
        DraftTarget::Open {
            organisation_id,
            period,
        } => find_or_start_draft(&mut change, organisation_id, period, edit.channel).await?,
    };
    let before = find_drop(&mut change, id)
        .await?
        .ok_or(DraftError::NotFound)?;
    let period = before.period;
    if !find_period(&mut change, period)
        .await?
        .is_some_and(|open| open.is_open())
    {
        return Err(DraftError::PeriodClosed(period));
    }
    let before_values = drop_values(&mut change, id).await?;
    let mut values: Vec<DropValue> = before_values
        .iter()
        .filter(|value| {
            !edit.cleared.contains(&value.indicator_id)
                && !edit
                    .set
                    .iter()
                    .any(|set| set.indicator_id == value.indicator_id)
        })
        .cloned()
        .chain(edit.set.iter().cloned())
        .collect();
    values.sort_by_key(|value| value.indicator_id);
    let storyboard = edit.storyboard.as_ref().unwrap_or(&before.storyboard);
    replace_values(change.transaction(), id, &values).await?;
    set_storyboard(change.transaction(), id, storyboard).await?;
    // The drop records how its values came in bulk: a form edit after an upload keeps "upload".
    let channel = match edit.channel {
        Channel::WebForm => before.channel,
        bulk => bulk,
    };
    set_channel(change.transaction(), id, channel).await?;
    let how = match edit.channel {
        Channel::WebForm => "in the form",
        Channel::Upload => "from a spreadsheet",
        Channel::Api => "through the API",
    };
    change
        .record(AuditEntry::updated(
            "data_drop",
            id,
            format!(
                "Saved {} {how} to {}'s data drop for {period}{}",
                crate::kernel::filters::count_of(edit.set.len() as i64, "value", "values"),
                before.organisation_name,
                if edit.storyboard.is_some() {
                    ", with the storyboard"
                } else {
                    ""
                }
            ),
            &serde_json::json!({
                "values": before_values,
                "storyboard": before.storyboard,
                "channel": before.channel.code(),
            }),
            &serde_json::json!({
                "values": values,
                "storyboard": storyboard,
                "channel": channel.code(),
            }),
        ))
        .await?;
    if edit.submit {
        let live: Vec<IndicatorId> = sqlx::query_scalar(
            "SELECT id FROM indicators WHERE partnership_id = $1 AND owner_organisation_id = $2 \
             AND archived_at IS NULL ORDER BY code",
        )
        .bind(partnership)
        .bind(before.organisation_id)
        .fetch_all(change.conn())
        .await?;
        let checked: Vec<DraftValue> = values
            .iter()
            .map(|value| DraftValue {
                indicator_id: value.indicator_id,
                value: value.value,
                outlier_confirmed: value.outlier_confirmed,
            })
            .collect();
        let problems = submit_problems(&live, &checked, storyboard, is_outlier);
        if !problems.is_empty() {
            return Err(DraftError::NotReady(problems));
        }
        // The draft is locked, so it is still a draft.
        set_status(
            change.transaction(),
            id,
            DropStatus::Draft,
            DropStatus::Submitted,
            actor.user_id,
            "",
        )
        .await?;
        change
            .record(AuditEntry::updated(
                "data_drop",
                id,
                format!(
                    "Submitted {}'s data drop for {period} (version {}) {how}",
                    before.organisation_name, before.version
                ),
                &serde_json::json!({ "status": "draft" }),
                &serde_json::json!({ "status": "submitted" }),
            ))
            .await?;
    }
    let data_drop = find_drop(&mut change, id)
        .await?
        .ok_or(DraftError::NotFound)?;
    change.commit().await?;
    Ok(SavedDraft {
        data_drop,
        values,
        started,
    })
}

/// `find_or_start_draft` in a transaction of its own (starting a draft from its page).
pub async fn open_or_start_draft(
    db: &Db,
    actor: &Actor,
    organisation_id: OrganisationId,
    period: Quarter,
    channel: Channel,
) -> std::result::Result<(DropId, bool), DraftError> {
    retrying(|| async {
        let mut change = Change::begin(db, actor.clone()).await?;
        let found = find_or_start_draft(&mut change, organisation_id, period, channel).await?;
        // A draft found (not started) records nothing, so there is nothing to commit.
        if found.1 {
            change.commit().await?;
        }
        Ok(found)
    })
    .await
}

/// The organisation's draft for a period, locked, started (and its start recorded) if it has
/// none; refused while a version waits for the business unit's decision. Whether it started.
pub async fn find_or_start_draft(
    change: &mut Change,
    organisation_id: OrganisationId,
    period: Quarter,
    channel: Channel,
) -> std::result::Result<(DropId, bool), DraftError> {
    // Twice at most: an insert that found another's open version finds it the second time.
    for _ in 0..2 {
        match open_drop_locked(&mut *change, organisation_id, period).await? {
            Some(OpenDrop {
                id,
                status: DropStatus::Draft,
            }) => return Ok((id, false)),
            Some(_) => return Err(DraftError::AwaitingDecision(period)),
            None => {}
        }
        if !find_period(&mut *change, period)
            .await?
            .is_some_and(|open| open.is_open())
        {
            return Err(DraftError::PeriodClosed(period));
        }
        let started = start_draft(change, organisation_id, period, channel).await?;
        if let Some(id) = started {
            let version: i64 = sqlx::query_scalar("SELECT version FROM data_drops WHERE id = $1")
                .bind(id)
                .fetch_one(change.conn())
                .await?;
            change
                .record(AuditEntry::created(
                    "data_drop",
                    id,
                    format!("Started a data drop for {period}"),
                    &serde_json::json!({
                        "organisation_id": organisation_id,
                        "period": period.label(),
                        "version": version,
                        "channel": channel.code(),
                    }),
                ))
                .await?;
            return Ok((id, true));
        }
    }
    // Another request's open version came and went between our insert and our look: rare,
    // and a race like any other, so the whole save is tried again.
    Err(DraftError::Database(sqlx::Error::RowNotFound))
}

/// The open draft for an organisation and period, if there is one.
pub async fn open_draft(
    db: &Db,
    organisation_id: OrganisationId,
    period: Quarter,
) -> Result<Option<DropId>> {
    sqlx::query_scalar("SELECT id FROM data_drops WHERE organisation_id = $1 AND period_start = $2 AND status = 'draft'")
        .bind(organisation_id)
        .bind(period.key())
        .fetch_optional(&db.pool)
        .await
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct DropValue {
    pub indicator_id: IndicatorId,
    pub value: f64,
    pub note: String,
    #[sqlx(try_from = "StoredFlag")]
    pub outlier_confirmed: bool,
}

/// A drop's values (one of the partnership's drops), by indicator.
pub async fn drop_values(mut store: impl Store, drop_id: DropId) -> Result<Vec<DropValue>> {
    sqlx::query_as(
        "SELECT v.indicator_id, v.value, v.note, v.outlier_confirmed FROM data_values v \
         JOIN data_drops d ON d.id = v.data_drop_id WHERE v.data_drop_id = $1 AND d.partnership_id = $2 \
         ORDER BY v.indicator_id",
    )
    .bind(drop_id)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

/// Replaces all of a draft's values, in the caller's transaction.
pub async fn replace_values(
    tx: &mut Transaction,
    drop_id: DropId,
    values: &[DropValue],
) -> Result<()> {
    sqlx::query("DELETE FROM data_values WHERE data_drop_id = $1")
        .bind(drop_id)
        .execute(&mut **tx)
        .await?;
    insert_values(tx, values.iter().map(|value| (drop_id, value))).await?;
    sqlx::query("UPDATE data_drops SET updated_at = $1 WHERE id = $2")
        .bind(now_text())
        .bind(drop_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Rows per statement. Values travel as one JSON array per statement, unpacked by the
/// database itself: binding five parameters per row costs more than the insert, and this is
/// what lets a million-value import finish in seconds.
const ROWS_PER_INSERT: usize = 5000;

/// Inserts values in bulk.
pub async fn insert_values<'a>(
    tx: &mut Transaction,
    values: impl IntoIterator<Item = (DropId, &'a DropValue)>,
) -> Result<u64> {
    let sql = if tx.backend_name().eq_ignore_ascii_case("postgresql") {
        "INSERT INTO data_values (data_drop_id, indicator_id, value, note, outlier_confirmed) \
         SELECT (e->>0)::bigint, (e->>1)::bigint, (e->>2)::double precision, e->>3, (e->>4)::bigint \
         FROM json_array_elements($1::json) AS e"
    } else {
        "INSERT INTO data_values (data_drop_id, indicator_id, value, note, outlier_confirmed) \
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each($1)"
    };
    let values: Vec<(DropId, &DropValue)> = values.into_iter().collect();
    let mut inserted = 0;
    for chunk in values.chunks(ROWS_PER_INSERT) {
        let rows: Vec<serde_json::Value> = chunk
            .iter()
            .map(|(drop_id, value)| {
                serde_json::json!([
                    drop_id,
                    value.indicator_id,
                    value.value,
                    value.note,
                    i64::from(value.outlier_confirmed)
                ])
            })
            .collect();
        let json = serde_json::Value::Array(rows).to_string();
        inserted += sqlx::query(sql)
            .bind(json)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    Ok(inserted)
}

/// Many values at once (generated or imported history), inside `tx`. On PostgreSQL they are
/// streamed with COPY into a staging table of their own, then moved into `data_values` by one
/// `INSERT … SELECT` in `tx`, so they commit or vanish with the rest of it: the `Any` driver has
/// no COPY, and a second (native) connection cannot write into `tx` itself. The staging table
/// is unlogged and carries no constraints, so filling it is cheap; it is dropped in `tx` too.
/// SQLite takes the values as `insert_values` does.
pub async fn insert_values_bulk<'a>(
    db: &Db,
    tx: &mut Transaction,
    values: impl IntoIterator<Item = (DropId, &'a DropValue)>,
) -> Result<u64> {
    insert_values_bulk_from(db, tx, values, BULK_COPY_FROM).await
}

/// `insert_values_bulk`, using COPY from `copy_from` values on (tests take every path with it).
pub async fn insert_values_bulk_from<'a>(
    db: &Db,
    tx: &mut Transaction,
    values: impl IntoIterator<Item = (DropId, &'a DropValue)>,
    copy_from: usize,
) -> Result<u64> {
    let values: Vec<(DropId, &DropValue)> = values.into_iter().collect();
    // Creating and dropping the staging table costs tens of milliseconds (measured 3.1 s for
    // forty batches of 300), more than COPY saves on a small batch.
    let native = match &db.native_postgres {
        Some(native) if values.len() >= copy_from => native,
        _ => return insert_values(tx, values).await,
    };
    let mut connection = native.acquire().await?;
    drop_stale_staging(&mut connection).await;
    // Named by its creation time (for the sweep) and a random part, so concurrent imports
    // never meet; digits and hex only, so safe to splice into SQL.
    let staging = format!(
        "{STAGING_PREFIX}{}_{}",
        time::OffsetDateTime::now_utc().unix_timestamp(),
        hex::encode(rand::random::<[u8; 6]>())
    );
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE UNLOGGED TABLE {staging} (data_drop_id BIGINT NOT NULL, indicator_id BIGINT NOT NULL, \
         value DOUBLE PRECISION NOT NULL, note TEXT NOT NULL, outlier_confirmed BIGINT NOT NULL)"
    )))
    .execute(&mut *connection)
    .await?;
    let moved = async {
        copy_values(&mut connection, &staging, values).await?;
        let moved = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO data_values (data_drop_id, indicator_id, value, note, outlier_confirmed) \
             SELECT data_drop_id, indicator_id, value, note, outlier_confirmed FROM {staging}"
        )))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE {staging}")))
            .execute(&mut **tx)
            .await?;
        Ok(moved)
    }
    .await;
    if moved.is_err() {
        // `tx` is failing and its DROP with it, so remove the staging table here. (PostgreSQL
        // frees a failed transaction's locks at the error; the timeout is only a safeguard.)
        let _ = sqlx::query("SET lock_timeout = '1s'")
            .execute(&mut *connection)
            .await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP TABLE IF EXISTS {staging}"
        )))
        .execute(&mut *connection)
        .await;
        let _ = sqlx::query("RESET lock_timeout")
            .execute(&mut *connection)
            .await;
    }
    moved
}

/// Batches smaller than this are inserted as `insert_values` does, on PostgreSQL too.
pub const BULK_COPY_FROM: usize = 10_000;

/// Staging tables are left out of backups by their prefix (kernel::backup::STAGING_PREFIX).
const STAGING_PREFIX: &str = "staging_data_values_";

/// Removes staging tables more than an hour old: those of an import whose transaction failed
/// after its values were staged (the transaction's DROP was undone with it). Best effort: one
/// still locked by a running transaction is left for a later sweep.
async fn drop_stale_staging(connection: &mut sqlx::PgConnection) {
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)",
    )
    .bind(STAGING_PREFIX)
    .fetch_all(&mut *connection)
    .await
    else {
        return;
    };
    let hour_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
    let stale: Vec<&String> = names
        .iter()
        .filter(|name| {
            name[STAGING_PREFIX.len()..]
                .split('_')
                .next()
                .and_then(|seconds| seconds.parse::<i64>().ok())
                .is_some_and(|seconds| seconds < hour_ago)
        })
        .collect();
    if stale.is_empty() {
        return;
    }
    let _ = sqlx::query("SET lock_timeout = '1s'")
        .execute(&mut *connection)
        .await;
    for name in stale {
        // Only names made above reach here (the prefix, digits, '_' and hex).
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {name}")))
                .execute(&mut *connection)
                .await;
        }
    }
    let _ = sqlx::query("RESET lock_timeout")
        .execute(&mut *connection)
        .await;
}

/// Streams values into `table` with `COPY … FROM STDIN (FORMAT csv)`, in chunks of about 1 MB.
async fn copy_values<'a>(
    connection: &mut sqlx::PgConnection,
    table: &str,
    values: impl IntoIterator<Item = (DropId, &'a DropValue)>,
) -> Result<u64> {
    use std::fmt::Write;
    const CHUNK: usize = 1 << 20;
    let mut copy = connection
        .copy_in_raw(&format!(
            "COPY {table} (data_drop_id, indicator_id, value, note, outlier_confirmed) FROM STDIN (FORMAT csv)"
        ))
        .await?;
    let mut buffer = String::with_capacity(CHUNK + 4096);
    for (drop_id, value) in values {
        // Writing to a String cannot fail. The note is always quoted, so an empty note stays
        // an empty string rather than NULL, and its quotes are doubled.
        let _ = writeln!(
            buffer,
            "{drop_id},{},{},\"{}\",{}",
            value.indicator_id,
            value.value,
            value.note.replace('"', "\"\""),
            i64::from(value.outlier_confirmed)
        );
        if buffer.len() >= CHUNK {
            if let Err(error) = copy.send(buffer.as_bytes()).await {
                let _ = copy.abort("sending failed").await;
                return Err(error);
            }
            buffer.clear();
        }
    }
    if !buffer.is_empty()
        && let Err(error) = copy.send(buffer.as_bytes()).await
    {
        let _ = copy.abort("sending failed").await;
        return Err(error);
    }
    copy.finish().await
}

pub async fn set_storyboard(
    tx: &mut Transaction,
    drop_id: DropId,
    storyboard: &Storyboard,
) -> Result<()> {
    sqlx::query(
        "UPDATE data_drops SET working_well = $1, worried_about = $2, doing_about_it = $3, previous_actions = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(&storyboard.working_well)
    .bind(&storyboard.worried_about)
    .bind(&storyboard.doing_about_it)
    .bind(&storyboard.previous_actions)
    .bind(now_text())
    .bind(drop_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_channel(tx: &mut Transaction, drop_id: DropId, channel: Channel) -> Result<()> {
    sqlx::query("UPDATE data_drops SET channel = $1 WHERE id = $2")
        .bind(channel.code())
        .bind(drop_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves a drop on; `only_if` guards against two people acting on the same drop at once.
/// Returns whether the move happened.
pub async fn set_status(
    tx: &mut Transaction,
    drop_id: DropId,
    only_if: DropStatus,
    status: DropStatus,
    user_id: Option<UserId>,
    comment: &str,
) -> Result<bool> {
    let now = now_text();
    let query = if status == DropStatus::Submitted {
        sqlx::query(
            "UPDATE data_drops SET status = $1, submitted_by = $2, submitted_at = $3, updated_at = $3 WHERE id = $4 AND status = $5",
        )
    } else {
        sqlx::query(
            "UPDATE data_drops SET status = $1, decided_by = $2, decided_at = $3, updated_at = $3, decision_comment = $6 WHERE id = $4 AND status = $5",
        )
    };
    let query = query
        .bind(status.code())
        .bind(user_id)
        .bind(&now)
        .bind(drop_id)
        .bind(only_if.code());
    let query = if status == DropStatus::Submitted {
        query
    } else {
        query.bind(comment)
    };
    Ok(query.execute(&mut **tx).await?.rows_affected() == 1)
}

/// The business unit's decision on a submitted drop (`status`: approved or returned), with the
/// entry recording it; an approval supersedes the version approved before. False, and nothing
/// changed, when someone else decided on the drop first.
pub async fn decide(
    change: &mut Change,
    data_drop: &DataDrop,
    status: DropStatus,
    comment: &str,
) -> Result<bool> {
    let user_id = change.actor().user_id;
    if !set_status(
        change.transaction(),
        data_drop.id,
        data_drop.status,
        status,
        user_id,
        comment,
    )
    .await?
    {
        return Ok(false);
    }
    if status == DropStatus::Approved {
        supersede_approved(
            change.transaction(),
            data_drop.organisation_id,
            data_drop.period,
            data_drop.id,
        )
        .await?;
    }
    let verb = if status == DropStatus::Approved {
        "Approved"
    } else {
        "Returned"
    };
    change
        .record(AuditEntry::updated(
            "data_drop",
            data_drop.id,
            format!(
                "{verb} {}'s data drop for {} (version {})",
                data_drop.organisation_name, data_drop.period, data_drop.version
            ),
            &serde_json::json!({ "status": data_drop.status.code() }),
            &serde_json::json!({ "status": status.code(), "comment": comment }),
        ))
        .await?;
    Ok(true)
}

/// Creates an API token for an organisation (only `hash` is kept), made by `created_by`, with
/// the entry recording it; `organisation_name` names the organisation in the entry.
pub async fn create_token(
    change: &mut Change,
    (organisation_id, organisation_name): (OrganisationId, &str),
    label: &str,
    hash: &str,
    created_by: UserId,
) -> Result<ApiTokenId> {
    // The kernel's token table still takes plain ids: typed at this one boundary.
    let id = ApiTokenId::new(
        insert_token(
            change.transaction(),
            organisation_id.get(),
            label,
            hash,
            created_by.get(),
        )
        .await?,
    );
    change
        .record(AuditEntry::created(
            "api_token",
            id,
            format!("Created API token “{label}” for {organisation_name}"),
            &serde_json::json!({ "label": label }),
        ))
        .await?;
    Ok(id)
}

/// Revokes one of an organisation's API tokens, with the entry recording it; false (nothing
/// recorded) when the organisation has no such live token.
pub async fn revoke_organisation_token(
    change: &mut Change,
    organisation_id: OrganisationId,
    id: ApiTokenId,
) -> Result<bool> {
    if !revoke_token(change.transaction(), organisation_id.get(), id.get()).await? {
        return Ok(false);
    }
    change
        .record(AuditEntry::new(
            AuditAction::Archive,
            "api_token",
            id,
            "Revoked an API token",
        ))
        .await?;
    Ok(true)
}

/// When a new version is approved, the previously approved one is superseded.
pub async fn supersede_approved(
    tx: &mut Transaction,
    organisation_id: OrganisationId,
    period: Quarter,
    except: DropId,
) -> Result<()> {
    sqlx::query(
        "UPDATE data_drops SET status = 'superseded', updated_at = $1 WHERE organisation_id = $2 AND period_start = $3 \
         AND status = 'approved' AND id <> $4",
    )
    .bind(now_text())
    .bind(organisation_id)
    .bind(period.key())
    .bind(except)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---- approved series: the published whole ----

/// Which approved values a page needs.
#[derive(Debug, Clone, Copy)]
pub enum SeriesScope {
    All,
    Indicator(IndicatorId),
    /// The indicators one organisation reports.
    Owner(OrganisationId),
}

/// The partnership's approved values, by indicator, oldest period first: the published whole.
/// Each scope starts from an index that leads with its own key, so the query reads only the
/// partnership's rows however many partnerships share the tables: the partnership's approved
/// drops in period order by data_drops_approved (partnership_id, status, period_start; 0009),
/// then their values by data_values_one (data_drop_id, …); one indicator's values by
/// data_values_indicator. Rows come in period order and are grouped by indicator here, so the
/// database never sorts a whole partnership's values.
pub async fn approved_series(
    mut store: impl Store,
    scope: SeriesScope,
) -> Result<HashMap<IndicatorId, Vec<(Quarter, f64)>>> {
    let (condition, id) = match scope {
        SeriesScope::All => ("$1 = -1", -1),
        SeriesScope::Indicator(id) => ("v.indicator_id = $1", id.get()),
        SeriesScope::Owner(id) => ("d.organisation_id = $1", id.get()),
    };
    let sql = format!(
        "SELECT v.indicator_id, d.period_start, v.value FROM data_values v JOIN data_drops d ON d.id = v.data_drop_id \
         WHERE d.partnership_id = $2 AND d.status = 'approved' AND {condition} ORDER BY d.period_start"
    );
    let points: Vec<SeriesPoint> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await?;
    let mut series: HashMap<IndicatorId, Vec<(Quarter, f64)>> = HashMap::new();
    for point in points {
        series
            .entry(point.indicator_id)
            .or_default()
            .push((point.period, point.value));
    }
    Ok(series)
}

/// Each indicator's latest approved value before `before` in the organisation's data drops,
/// with its quarter: the "last approved value" a data drop's template shows beside each line.
pub async fn latest_approved_values(
    mut store: impl Store,
    organisation_id: OrganisationId,
    before: Quarter,
) -> Result<HashMap<IndicatorId, (Quarter, f64)>> {
    let points: Vec<SeriesPoint> = sqlx::query_as(
        "SELECT v.indicator_id, d.period_start, v.value FROM data_values v JOIN data_drops d ON d.id = v.data_drop_id \
         WHERE d.partnership_id = $1 AND d.organisation_id = $2 AND d.status = 'approved' AND d.period_start < $3 \
         ORDER BY d.period_start, d.version",
    )
    .bind(store.partnership())
    .bind(organisation_id)
    .bind(before.key())
    .fetch_all(store.conn())
    .await?;
    // In period order, so the last one kept is the latest.
    Ok(points
        .into_iter()
        .map(|point| (point.indicator_id, (point.period, point.value)))
        .collect())
}

/// One approved value of an indicator's series.
#[derive(sqlx::FromRow)]
struct SeriesPoint {
    indicator_id: IndicatorId,
    #[sqlx(rename = "period_start", try_from = "String")]
    period: Quarter,
    value: f64,
}

/// An indicator's approved values before a quarter, oldest first: the history a new value is
/// judged against.
pub fn values_before(
    series: &HashMap<IndicatorId, Vec<(Quarter, f64)>>,
    indicator_id: IndicatorId,
    period: Quarter,
) -> Vec<f64> {
    series
        .get(&indicator_id)
        .map(|points| {
            points
                .iter()
                .filter(|(quarter, _)| *quarter < period)
                .map(|(_, value)| *value)
                .collect()
        })
        .unwrap_or_default()
}

/// Quarters that have approved data in the partnership, oldest first.
pub async fn approved_quarters(mut store: impl Store) -> Result<Vec<Quarter>> {
    let quarters: Vec<StoredQuarter> = sqlx::query_as("SELECT DISTINCT period_start FROM data_drops WHERE partnership_id = $1 AND status = 'approved' ORDER BY period_start")
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await?;
    Ok(quarters.into_iter().map(|quarter| quarter.period).collect())
}

// ---- completeness ----

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Expected {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub indicators: i64,
}

/// The partnership's organisations expected to submit: those that own a live indicator.
pub async fn expected_organisations(mut store: impl Store) -> Result<Vec<Expected>> {
    sqlx::query_as(
        "SELECT o.id AS organisation_id, o.name AS organisation_name, COUNT(i.id) AS indicators \
         FROM organisations o JOIN indicators i ON i.owner_organisation_id = o.id \
         WHERE i.partnership_id = $1 AND o.partnership_id = $1 AND i.archived_at IS NULL AND o.archived_at IS NULL \
         GROUP BY o.id, o.name ORDER BY lower(o.name)",
    )
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await
}

// ---- API tokens ----

// The kernel owns the token table (tokens are credentials, revoked when an organisation or a
// person leaves); the dataset's pages and API use it through these names.
pub use crate::kernel::api_tokens::{
    ApiToken, insert_token, organisation_for_token, revoke_token, tokens_of,
};

/// An approved drop with no values yet, for generated and imported history.
pub async fn insert_approved_drop(
    change: &mut Change,
    organisation_id: OrganisationId,
    period: Quarter,
) -> Result<DropId> {
    let now = now_text();
    sqlx::query_scalar(
        "INSERT INTO data_drops (organisation_id, period_start, version, status, channel, created_at, updated_at, submitted_at, decided_at, \
         partnership_id) \
         VALUES ($1, $2, COALESCE((SELECT MAX(version) FROM data_drops WHERE organisation_id = $1 AND period_start = $2), 0) + 1, \
         'approved', 'upload', $3, $3, $3, $3, $4) RETURNING id",
    )
    .bind(organisation_id)
    .bind(period.key())
    .bind(now)
    .bind(change.partnership())
    .fetch_one(change.conn())
    .await
}
