//! The audit trail pages: search, one event's before and after, and CSV export (all in this
//! file). The trail itself is written by the kernel (kernel::audit) in the same transaction as
//! each change; these pages read it through the signed-in person's `Scope`:
//! `audit::page(scope.db(), scope.partnership(), …)`. What every view recounts (the kinds of
//! record in the trail, a filter's count) is kept by the trail's revision.

pub mod work;

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::kernel::audit::{self, AuditAction, AuditEvent, AuditFilter, Unseen};
use crate::kernel::auth::CurrentUser;
use crate::kernel::text::{parse_iso_date, url_encode};
use crate::kernel::{
    Access, AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, Routes, Scope,
    render,
};
use crate::kernel::{cache, filters};

crate::typed_id!(
    /// An entry of the audit trail.
    AuditEventId
);

const PAGE_SIZE: i64 = 50;
/// Export is bounded so one request cannot hold the database for long.
const EXPORT_LIMIT: i64 = 100_000;

pub fn routes() -> Routes {
    let view = Access::Requires(Permission::ViewAuditTrail);
    Routes::new()
        .get("/audit-trail", view, search)
        .get("/audit-trail/export.csv", view, export)
        .get("/audit-trail/{id}", view, event_page)
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditQuery {
    entity_type: String,
    entity_id: String,
    action: String,
    actor: String,
    from: String,
    to: String,
    page: String,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        AuditFilter {
            entity_type: Some(self.entity_type.trim().to_owned()).filter(|t| !t.is_empty()),
            entity_id: self.entity_id.trim().parse().ok(),
            action: AuditAction::from_code(&self.action).map(|action| action.code().to_owned()),
            actor: Some(self.actor.trim().to_owned()).filter(|a| !a.is_empty()),
            from: parse_iso_date(self.from.trim()),
            to: parse_iso_date(self.to.trim()),
            unseen: Unseen::default(),
        }
    }

    /// The filter as a query string, for export and page links.
    fn query_string(&self) -> String {
        [
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("action", &self.action),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", url_encode(value.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Who may read the entries about each kind of record: the permission of that record's own
/// pages, so the trail shows no one what those pages hide. Data drops also follow their
/// per-record rule (see [`unseen_by`]).
pub const RECORD_PAGES: [(&str, Permission); 28] = [
    ("partnership", Permission::ViewPartnership),
    ("organisation", Permission::ViewPartnership),
    ("person", Permission::ViewPartnership),
    ("group", Permission::ViewPartnership),
    ("group_membership", Permission::ViewPartnership),
    ("business_plan", Permission::ViewPartnership),
    ("business_plan_item", Permission::ViewPartnership),
    ("user", Permission::ManageUsers),
    ("indicator", Permission::ViewDataset),
    ("dataset", Permission::ViewDataset),
    ("collection_period", Permission::ManageDataset),
    ("data_drop", Permission::ViewDataDrops),
    ("api_token", Permission::SubmitDataDrop),
    ("serious_incident", Permission::ViewLearning),
    ("learning_review", Permission::ViewLearning),
    ("learning_finding", Permission::ViewLearning),
    ("learning_theme", Permission::ViewLearning),
    ("national_review", Permission::ViewLearning),
    ("national_review_recommendation", Permission::ViewLearning),
    ("bank_holiday", Permission::ViewLearning),
    ("recommendation", Permission::ViewTracker),
    ("tracker_action", Permission::ViewTracker),
    ("action_evidence", Permission::ViewTracker),
    ("tracker_digest", Permission::ViewTracker),
    ("risk", Permission::ViewRiskRegister),
    ("risk_control", Permission::ViewRiskRegister),
    ("policy", Permission::ViewPolicies),
    ("policy_document", Permission::ViewPolicies),
];

/// May this person read entries about this kind of record? A kind not in [`RECORD_PAGES`] is
/// the business unit's only, so a new module's entries stay private until it is listed.
pub fn may_read_kind(user: &CurrentUser, entity_type: &str) -> bool {
    let permission = RECORD_PAGES
        .iter()
        .find(|(kind, _)| *kind == entity_type)
        .map_or(Permission::ManagePartnership, |(_, permission)| *permission);
    user.can(permission)
}

/// What this person may not see in the trail: whole kinds of record their pages hide from them,
/// and the single data drops the drop pages hide (drafts of other organisations).
async fn unseen_by(scope: Scope<'_>, user: &CurrentUser, kinds: &[String]) -> AppResult<Unseen> {
    let entity_types = kinds
        .iter()
        .filter(|kind| !may_read_kind(user, kind))
        .cloned()
        .collect();
    let db = scope.db();
    let drops = crate::dataset::drops_hidden_from(db, user).await?;
    Ok(Unseen {
        entity_types,
        records: vec![("data_drop".to_owned(), drops)],
    })
}

/// [`unseen_by`] over the kinds of record in the partnership's trail.
async fn unseen_in_trail(
    state: &AppState,
    scope: Scope<'_>,
    user: &CurrentUser,
) -> AppResult<Unseen> {
    let kinds = kinds_in_trail(state, scope, cache::revision(scope).await?).await?;
    unseen_by(scope, user, &kinds).await
}

/// The kinds of record in the partnership's trail, kept until the trail grows: reading them
/// scans every entry, which at region scale cost more than the rest of the page.
async fn kinds_in_trail(
    state: &AppState,
    scope: Scope<'_>,
    revision: i64,
) -> AppResult<Arc<Vec<String>>> {
    let key = format!("audit-trail/kinds/{}", scope.partnership());
    Ok(state
        .cache
        .get_or_compute(
            key,
            revision,
            audit::entity_types(scope.db(), scope.partnership()),
        )
        .await?)
}

/// How many entries a filter finds, kept until the trail grows: counting reads every entry
/// the filter finds, while the page itself reads fifty.
async fn count_in_trail(
    state: &AppState,
    scope: Scope<'_>,
    revision: i64,
    filter: &AuditFilter,
) -> AppResult<i64> {
    let key = format!("audit-trail/count/{}/{filter:?}", scope.partnership());
    Ok(*state
        .cache
        .get_or_compute(
            key,
            revision,
            audit::count(scope.db(), scope.partnership(), filter),
        )
        .await?)
}

#[derive(Template)]
#[template(path = "audit_trail/templates/search.html")]
struct SearchPage {
    chrome: Chrome,
    query: AuditQuery,
    events: Vec<AuditEvent>,
    total: i64,
    page: i64,
    pages: i64,
    entity_types: Vec<String>,
    actions: Vec<(&'static str, &'static str)>,
    filter_query: String,
    date_errors: Vec<&'static str>,
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<AuditQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = query.filter();
    let mut date_errors = Vec::new();
    if !query.from.trim().is_empty() && filter.from.is_none() {
        date_errors.push("From date must be a real date, like 2026-11-01");
    }
    if !query.to.trim().is_empty() && filter.to.is_none() {
        date_errors.push("To date must be a real date, like 2026-11-30");
    }
    let page = query.page.parse::<i64>().unwrap_or(1).max(1);
    let user = ctx.user()?;
    let scope = ctx.scope(&state)?;
    let revision = cache::revision(scope).await?;
    let kinds = kinds_in_trail(&state, scope, revision).await?;
    let filter = AuditFilter {
        unseen: unseen_by(scope, user, &kinds).await?,
        ..filter
    };
    let total = count_in_trail(&state, scope, revision, &filter).await?;
    let events = audit::page(
        scope.db(),
        scope.partnership(),
        &filter,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    render(&SearchPage {
        chrome: ctx.chrome(&state).await?,
        filter_query: query.query_string(),
        query,
        events,
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        entity_types: kinds
            .iter()
            .filter(|kind| !filter.unseen.entity_types.contains(kind))
            .cloned()
            .collect(),
        actions: AuditAction::ALL
            .iter()
            .map(|action| (action.code(), action.label()))
            .collect(),
        date_errors,
    })
}

async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<AuditQuery>,
) -> AppResult<impl IntoResponse> {
    let user = ctx.user()?;
    let scope = ctx.scope(&state)?;
    let filter = AuditFilter {
        unseen: unseen_in_trail(&state, scope, user).await?,
        ..query.filter()
    };
    let events = audit::page(scope.db(), scope.partnership(), &filter, EXPORT_LIMIT, 0).await?;
    // Every cell, headers included, through the one safe writer.
    let mut writer = masa_sheets::SafeCsvWriter::new();
    let csv_error = |error: csv::Error| AppError::Internal(format!("could not write CSV: {error}"));
    writer
        .write_row([
            "id",
            "occurred_at",
            "actor",
            "action",
            "entity_type",
            "entity_id",
            "summary",
            "before",
            "after",
            "request_id",
        ])
        .map_err(csv_error)?;
    for event in &events {
        writer
            .write_row([
                event.id.to_string(),
                event.occurred_at.clone(),
                event.actor.clone(),
                event.action.clone(),
                event.entity_type.clone(),
                event.entity_id.map(|id| id.to_string()).unwrap_or_default(),
                event.summary.clone(),
                event.before_values.as_deref().unwrap_or("").to_owned(),
                event.after_values.as_deref().unwrap_or("").to_owned(),
                event.request_id.clone().unwrap_or_default(),
            ])
            .map_err(csv_error)?;
    }
    let bytes = writer.finish().map_err(csv_error)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"masa-audit-trail.csv\"",
            ),
        ],
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "audit_trail/templates/event.html")]
struct EventPage {
    chrome: Chrome,
    event: AuditEvent,
    changes: Vec<(String, String, String)>,
}

/// A route's `{id}` is an entry of the partnership's trail that the reader may see: an entry
/// about a record the person may not see is "not found", as the record's own page is.
impl Lookup for AuditEvent {
    type Id = AuditEventId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: AuditEventId) -> AppResult<Option<Self>> {
        let scope = ctx.scope(state)?;
        let unseen = unseen_in_trail(state, scope, ctx.user()?).await?;
        Ok(audit::find(scope.db(), scope.partnership(), id.get())
            .await?
            .filter(|event| !unseen.hides(&event.entity_type, event.entity_id)))
    }
}

async fn event_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(event): Loaded<AuditEvent>,
) -> AppResult<impl IntoResponse> {
    let changes = event.changes();
    render(&EventPage {
        chrome: ctx.chrome(&state).await?,
        event,
        changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn someone(roles: &[crate::kernel::Role]) -> CurrentUser {
        CurrentUser {
            id: crate::kernel::ids::UserId::new(1),
            partnership_id: crate::kernel::ids::PartnershipId::new(1),
            partnership_name: String::new(),
            email: String::new(),
            display_name: String::new(),
            organisation_id: None,
            roles: roles.to_vec(),
            must_change_password: false,
        }
    }

    #[test]
    fn each_kind_of_entry_is_read_by_those_who_read_its_pages() {
        use crate::kernel::Role;
        let scrutineer = someone(&[Role::IndependentScrutineer]);
        let admin = someone(&[Role::BusinessUnitAdmin]);
        for kind in [
            "data_drop",
            "indicator",
            "learning_review",
            "risk",
            "policy",
            "organisation",
        ] {
            assert!(may_read_kind(&scrutineer, kind), "{kind}");
        }
        for kind in [
            "user",
            "api_token",
            "collection_period",
            "a_kind_not_yet_listed",
        ] {
            assert!(!may_read_kind(&scrutineer, kind), "{kind}");
            assert!(may_read_kind(&admin, kind), "{kind}");
        }
        let mut kinds: Vec<&str> = RECORD_PAGES.iter().map(|(kind, _)| *kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), RECORD_PAGES.len(), "each kind listed once");
    }
}
