//! The audit trail pages: search, one event's before and after, and CSV export. The trail itself
//! is written by the kernel (kernel::audit) in the same transaction as each change.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::kernel::audit::{self, AuditAction, AuditEvent, AuditFilter};
use crate::kernel::text::{display_date, parse_iso_date, spreadsheet_safe, url_encode};
use crate::kernel::{
    Access, AppError, AppResult, AppState, Chrome, Ctx, Permission, Routes, render,
};

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
    let partnership_id = ctx.user()?.partnership_id;
    let (events, total) = audit::search(
        &state.db,
        partnership_id,
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
        entity_types: audit::entity_types(&state.db, partnership_id).await?,
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
    let partnership_id = ctx.user()?.partnership_id;
    let (events, _) =
        audit::search(&state.db, partnership_id, &query.filter(), EXPORT_LIMIT, 0).await?;
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
                spreadsheet_safe(&event.actor),
                event.action.clone(),
                event.entity_type.clone(),
                event.entity_id.map(|id| id.to_string()).unwrap_or_default(),
                spreadsheet_safe(&event.summary),
                spreadsheet_safe(event.before_values.as_deref().unwrap_or("")),
                spreadsheet_safe(event.after_values.as_deref().unwrap_or("")),
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

async fn event_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let event = audit::find(&state.db, ctx.user()?.partnership_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let changes = event.changes();
    render(&EventPage {
        chrome: ctx.chrome(&state).await?,
        event,
        changes,
    })
}

pub fn when(text: &str) -> String {
    display_date(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_cells_cannot_be_formulas() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(
            spreadsheet_safe("Created organisation"),
            "Created organisation"
        );
    }
}
