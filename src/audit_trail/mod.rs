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
use crate::kernel::text::{DateInput, DateParts, FormErrors, parse_iso_date, url_encode};
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
    from_day: String,
    from_month: String,
    from_year: String,
    to_day: String,
    to_month: String,
    to_year: String,
    /// A from date as `YYYY-MM-DD`, as links from elsewhere (the home page's work list) give it.
    from: String,
    /// A to date as `YYYY-MM-DD`.
    to: String,
    page: String,
}

/// The three boxes of a date filter, or a whole date given as `YYYY-MM-DD` in a link (a date
/// that is not one is shown in the boxes as given, to be refused as not real).
fn date_parts(day: &str, month: &str, year: &str, iso: &str) -> DateParts {
    let parts = DateParts {
        day: day.to_owned(),
        month: month.to_owned(),
        year: year.to_owned(),
    };
    let iso = iso.trim();
    if iso.is_empty() || !matches!(parts.parse(), DateInput::Empty) {
        return parts;
    }
    match parse_iso_date(iso) {
        Some(date) => DateParts::from_date(Some(date)),
        None => DateParts {
            day: iso.to_owned(),
            month: "?".to_owned(),
            year: "?".to_owned(),
        },
    }
}

impl AuditQuery {
    fn date_from(&self) -> DateParts {
        date_parts(
            &self.from_day,
            &self.from_month,
            &self.from_year,
            &self.from,
        )
    }

    fn date_to(&self) -> DateParts {
        date_parts(&self.to_day, &self.to_month, &self.to_year, &self.to)
    }

    /// The filter, and what is wrong with its dates: a date that is not real or not whole is
    /// named on its field and left out of the filter.
    fn filter(&self) -> (AuditFilter, FormErrors) {
        let mut errors = FormErrors::default();
        let from = errors.date("from", "From date", &self.date_from(), false);
        let to = errors.date("to", "To date", &self.date_to(), false);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            errors.add("to", "To date must be the same as or after the from date");
        }
        let filter = AuditFilter {
            entity_type: Some(self.entity_type.trim().to_owned()).filter(|t| !t.is_empty()),
            entity_id: self.entity_id.trim().parse().ok(),
            action: AuditAction::from_code(&self.action).map(|action| action.code().to_owned()),
            actor: Some(self.actor.trim().to_owned()).filter(|a| !a.is_empty()),
            from,
            to,
            unseen: Unseen::default(),
        };
        (filter, errors)
    }

    /// The filter as a query string, for export and page links.
    fn query_string(&self) -> String {
        let (from, to) = (self.date_from(), self.date_to());
        [
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("action", &self.action),
            ("actor", &self.actor),
            ("from_day", &from.day),
            ("from_month", &from.month),
            ("from_year", &from.year),
            ("to_day", &to.day),
            ("to_month", &to.month),
            ("to_year", &to.year),
        ]
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", url_encode(value.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Each kind of record the trail holds, in words (the filter and the entries show these, not
/// the table names).
const RECORD_TYPES: [(&str, &str); 42] = [
    ("partnership", "Partnership"),
    ("organisation", "Organisation"),
    ("person", "Person"),
    ("group", "Group"),
    ("group_membership", "Group membership"),
    ("business_plan", "Business plan"),
    ("business_plan_item", "Business plan priority or theme"),
    ("user", "User account"),
    ("indicator", "Indicator"),
    ("dataset", "Dataset"),
    ("collection_period", "Collection period"),
    ("data_drop", "Data drop"),
    ("api_token", "Partner API token"),
    ("serious_incident", "Serious incident"),
    ("learning_review", "Learning review"),
    ("learning_finding", "Review finding"),
    ("learning_theme", "Learning theme"),
    ("national_review", "National review"),
    (
        "national_review_recommendation",
        "National review recommendation",
    ),
    ("bank_holiday", "Bank holiday"),
    ("recommendation", "Recommendation"),
    ("tracker_action", "Tracker action"),
    ("action_evidence", "Action evidence"),
    ("tracker_digest", "Tracker digest"),
    ("risk", "Risk"),
    ("risk_control", "Risk control"),
    ("policy", "Policy"),
    ("policy_document", "Policy document"),
    ("assurance_framework", "Audit framework"),
    ("assurance_framework_version", "Audit framework version"),
    ("assurance_round", "Audit round"),
    ("assurance_return", "Audit return"),
    ("assurance_chaser", "Audit return reminder"),
    ("audit_setting", "Audit setting"),
    ("case_file_audit", "Case-file audit"),
    ("case_file_audit_question", "Case-file audit question"),
    ("case_file_audit_case", "Case-file audit case"),
    ("case_file_audit_finding", "Case-file audit finding"),
    ("assurance_plan_activity", "QA plan activity"),
    ("assurance_sample", "Deep-dive sample"),
    ("assurance_moderation", "Audit moderation"),
    ("assurance_letter", "Audit feedback letter"),
];

/// A kind of record in words: "Tracker action" for `tracker_action`. A kind not yet named in
/// [`RECORD_TYPES`] is its code made readable ("Some new_kind" → "Some new kind").
pub fn record_type_label(kind: &str) -> String {
    if let Some((_, label)) = RECORD_TYPES.iter().find(|(code, _)| *code == kind) {
        return (*label).to_owned();
    }
    let words = kind.replace(['_', '-'], " ");
    let words = words.trim();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Other".to_owned(),
    }
}

/// A field of a record's values in words: "display_name" → "Display name", "owner_person_id"
/// → "Owner person (number)".
fn field_label(field: &str) -> String {
    match field.strip_suffix("_id") {
        Some(stem) => format!("{} (number)", record_type_label(stem)),
        None => record_type_label(field),
    }
}

/// Fields whose values are codes from a fixed list (a status, a kind, roles), shown as words.
const CODED_FIELDS: [&str; 12] = [
    "status",
    "kind",
    "position",
    "decision",
    "channel",
    "polarity",
    "frequency",
    "unit",
    "review_type",
    "sector",
    "roles",
    "action",
];

/// A value as the trail shows it: yes or no for a flag, words for a code ("on_track" → "On
/// track", roles one by one); anything else as stored.
fn value_in_words(field: &str, value: &str) -> String {
    match value {
        "true" => return "Yes".to_owned(),
        "false" => return "No".to_owned(),
        _ => {}
    }
    let is_code = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if !CODED_FIELDS.contains(&field) || !value.split(',').all(|part| is_code(part.trim())) {
        return value.to_owned();
    }
    value
        .split(',')
        .map(|code| record_type_label(code.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a kind of record has its own words in [`RECORD_TYPES`].
pub fn record_type_is_named(kind: &str) -> bool {
    RECORD_TYPES.iter().any(|(code, _)| *code == kind)
}

/// Who may read the entries about each kind of record: the permission of that record's own
/// pages, so the trail shows no one what those pages hide. Data drops also follow their
/// per-record rule (see [`unseen_by`]).
pub const RECORD_PAGES: [(&str, Permission); 42] = [
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
    ("assurance_framework", Permission::ViewAssurance),
    ("assurance_framework_version", Permission::ViewAssurance),
    ("assurance_round", Permission::ViewAssurance),
    ("audit_setting", Permission::ViewAssurance),
    // A return's answers are its organisation's until moderated: the business unit's only.
    ("assurance_return", Permission::ManageAssurance),
    ("assurance_chaser", Permission::ManageAssurance),
    ("case_file_audit", Permission::ViewAssurance),
    ("case_file_audit_question", Permission::ViewAssurance),
    ("case_file_audit_finding", Permission::ViewAssurance),
    // A case's entries hold each agency's answers, which its pages show each agency only
    // after the round-table: the business unit's only.
    ("case_file_audit_case", Permission::ManageAssurance),
    ("assurance_plan_activity", Permission::ViewAssurance),
    ("assurance_sample", Permission::ModerateAudit),
    // The panel's judgements: the panel and the business unit.
    ("assurance_moderation", Permission::ModerateAudit),
    // A letter before it is sent is the business unit's draft.
    ("assurance_letter", Permission::ManageAssurance),
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
    from: DateParts,
    to: DateParts,
    events: Vec<AuditEvent>,
    total: i64,
    page: i64,
    pages: i64,
    /// The kinds of record the reader may filter by: code and words, in order of the words.
    entity_types: Vec<(String, String)>,
    actions: Vec<(&'static str, &'static str)>,
    filter_query: String,
    errors: FormErrors,
}

impl SearchPage {
    fn record_type(&self, kind: &str) -> String {
        record_type_label(kind)
    }
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<AuditQuery>,
) -> AppResult<impl IntoResponse> {
    let (filter, errors) = query.filter();
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
    let mut entity_types: Vec<(String, String)> = kinds
        .iter()
        .filter(|kind| !filter.unseen.entity_types.contains(kind))
        .map(|kind| (kind.clone(), record_type_label(kind)))
        .collect();
    entity_types.sort_by(|a, b| a.1.cmp(&b.1));
    render(&SearchPage {
        chrome: ctx.chrome(&state).await?,
        filter_query: query.query_string(),
        from: query.date_from(),
        to: query.date_to(),
        query,
        events,
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        entity_types,
        actions: AuditAction::ALL
            .iter()
            .map(|action| (action.code(), action.label()))
            .collect(),
        errors,
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
        ..query.filter().0
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

impl EventPage {
    fn record_type(&self, kind: &str) -> String {
        record_type_label(kind)
    }
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
    let changes = event
        .changes()
        .into_iter()
        .map(|(field, before, after)| {
            (
                field_label(&field),
                value_in_words(&field, &before),
                value_in_words(&field, &after),
            )
        })
        .collect();
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

    #[test]
    fn every_kind_of_record_has_words_and_others_are_made_readable() {
        // Every kind the code writes is listed in RECORD_PAGES (the integration test
        // `every_kind_of_record_in_the_trail_names_who_reads_it` holds the trail to that).
        for (kind, _) in RECORD_PAGES {
            assert!(record_type_is_named(kind), "{kind} has no words");
            let label = record_type_label(kind);
            assert!(!label.contains('_'), "{label}");
        }
        assert_eq!(
            RECORD_TYPES.len(),
            RECORD_PAGES.len(),
            "no words for a kind never written"
        );
        assert_eq!(record_type_label("tracker_action"), "Tracker action");
        assert_eq!(record_type_label("data_drop"), "Data drop");
        assert_eq!(record_type_label("risk"), "Risk");
        assert_eq!(record_type_label("user"), "User account");
        assert_eq!(
            record_type_label("training_course_booking"),
            "Training course booking"
        );
        assert_eq!(record_type_label(""), "Other");
    }

    #[test]
    fn date_filters_come_from_boxes_or_a_linked_date_and_bad_ones_are_named() {
        let query = |pairs: &[(&str, &str)]| -> AuditQuery {
            let text = pairs
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("&");
            serde_urlencoded::from_str(&text).unwrap()
        };
        let (filter, errors) = query(&[
            ("from_day", "1"),
            ("from_month", "11"),
            ("from_year", "2026"),
        ])
        .filter();
        assert!(errors.is_empty());
        assert_eq!(filter.from, Some(time::macros::date!(2026 - 11 - 01)));
        // A link's whole date fills the boxes, and the page's own links carry the boxes.
        let linked = query(&[("from", "2026-11-05")]);
        assert_eq!(
            linked.filter().0.from,
            Some(time::macros::date!(2026 - 11 - 05))
        );
        assert_eq!(
            linked.query_string(),
            "from_day=5&from_month=11&from_year=2026"
        );
        let (filter, errors) =
            query(&[("to_day", "31"), ("to_month", "2"), ("to_year", "2026")]).filter();
        assert_eq!(filter.to, None, "a date that is not real filters nothing");
        assert_eq!(errors.get("to"), Some("To date must be a real date"));
        let (_, errors) = query(&[("from_day", "3"), ("from_year", "2026")]).filter();
        assert_eq!(errors.get("from"), Some("From date must include a month"));
        let (_, errors) = query(&[("from", "31/02/2026")]).filter();
        assert_eq!(errors.get("from"), Some("From date must be a real date"));
        let (_, errors) = query(&[
            ("from_day", "2"),
            ("from_month", "11"),
            ("from_year", "2026"),
            ("to_day", "1"),
            ("to_month", "11"),
            ("to_year", "2026"),
        ])
        .filter();
        assert_eq!(
            errors.get("to"),
            Some("To date must be the same as or after the from date")
        );
    }

    #[test]
    fn before_and_after_values_are_shown_in_words() {
        assert_eq!(field_label("display_name"), "Display name");
        assert_eq!(field_label("owner_person_id"), "Owner person (number)");
        assert_eq!(field_label("status"), "Status");
        assert_eq!(value_in_words("status", "on_track"), "On track");
        assert_eq!(value_in_words("status", "complete"), "Complete");
        assert_eq!(
            value_in_words("roles", "business_unit_admin,independent_scrutineer"),
            "Business unit admin, Independent scrutineer"
        );
        assert_eq!(value_in_words("must_change_password", "true"), "Yes");
        assert_eq!(
            value_in_words("title", "on_track"),
            "on_track",
            "free text as typed"
        );
        assert_eq!(value_in_words("status", "Not a code"), "Not a code");
        assert_eq!(value_in_words("status", ""), "");
    }
}
