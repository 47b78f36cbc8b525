//! Improvement tracker pages. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::model::*;
use super::store::{self, ActionUpdate, Evidence};
use super::{Names, SourceKind};
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::auth::CurrentUser;
use crate::kernel::files;
use crate::kernel::text::{DateParts, FormErrors, display_date, long_date, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Permission, render, render_refused,
};
use masa_sheets::{Cell, SheetTable, write_xlsx};

/// Only the owning organisation and the business unit may work on an action.
fn may_update(user: &CurrentUser, action: &TrackerAction) -> bool {
    user.can(Permission::UpdateActions)
        && (user.is_admin() || user.organisation_id == Some(action.owner_organisation_id))
}

/// One of the partnership's actions with its names; 404 for another partnership's.
async fn named_action(state: &AppState, partnership_id: i64, id: i64) -> AppResult<TrackerAction> {
    let action = store::find_action(&state.db, partnership_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Names::cached(state, partnership_id).await?.fill(action))
}

// ---- the tracker: every action, what needs attention first ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionQuery {
    /// all | mine | organisation
    view: String,
    /// source | organisation | priority | none
    group: String,
    status: String,
    organisation: String,
    source: String,
    priority: String,
}

impl ActionQuery {
    fn keeps(&self, action: &TrackerAction, user: &CurrentUser, today: time::Date) -> bool {
        let standing = action.state.standing(today);
        let status_matches = match self.status.as_str() {
            "" => true,
            "open" => action.state.status.is_open(),
            "overdue" => matches!(standing, Standing::Overdue { .. }),
            "revisit_due" => matches!(standing, Standing::RevisitDue { .. }),
            code => action.state.status.code() == code,
        };
        let view_matches = match self.view.as_str() {
            "mine" => action.owner_person_email.as_deref().is_some_and(|email| {
                crate::kernel::text::same(email.to_lowercase(), user.email.to_lowercase())
            }),
            "organisation" => user.organisation_id == Some(action.owner_organisation_id),
            _ => true,
        };
        status_matches
            && view_matches
            && (self.organisation.is_empty()
                || self.organisation == action.owner_organisation_id.to_string())
            && (self.source.is_empty() || self.source == action.source_kind.code())
            && (self.priority.is_empty()
                || action.priority_item_id.map(|id| id.to_string()).as_deref()
                    == Some(self.priority.as_str()))
    }

    fn group_of(&self, action: &TrackerAction) -> String {
        match self.group.as_str() {
            "organisation" => action.owner_organisation_name.clone(),
            "priority" => action
                .priority_title
                .clone()
                .unwrap_or_else(|| "No priority".to_owned()),
            "none" => "All actions".to_owned(),
            _ => action.source_kind.label().to_owned(),
        }
    }
}

/// Actions shown under one heading: (heading, table caption, rows).
type ActionGroup = (String, String, Vec<(TrackerAction, Standing)>);

#[derive(Template)]
#[template(path = "tracker/templates/actions.html")]
struct ActionsPage {
    chrome: Chrome,
    query: ActionQuery,
    overdue: Vec<(TrackerAction, Standing)>,
    overdue_caption: String,
    revisits_due: Vec<(TrackerAction, Standing)>,
    revisits_caption: String,
    groups: Vec<ActionGroup>,
    shown: usize,
    views: Vec<(String, String)>,
    group_choices: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    organisations: Vec<(String, String)>,
    sources: Vec<(String, String)>,
    priorities: Vec<(String, String)>,
    can_manage: bool,
    export_query: String,
}

/// "1 action", "3 actions".
fn count_of(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn with_any(
    first: &str,
    rest: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String)> {
    let mut choices = vec![(String::new(), first.to_owned())];
    choices.extend(rest);
    choices
}

pub async fn actions(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ActionQuery>,
) -> AppResult<impl IntoResponse> {
    let user = ctx.user()?;
    let partnership_id = ctx.partnership()?;
    let today = today();
    let names = Names::cached(&state, partnership_id).await?;
    let actions: Vec<TrackerAction> = store::list_actions(&state.db, partnership_id)
        .await?
        .into_iter()
        .map(|action| names.fill(action))
        .filter(|action| query.keeps(action, user, today))
        .collect();
    let with_standing = |action: &TrackerAction| (action.clone(), action.state.standing(today));
    let overdue: Vec<_> = actions
        .iter()
        .filter(|a| matches!(a.state.standing(today), Standing::Overdue { .. }))
        .map(with_standing)
        .collect();
    let revisits_due: Vec<_> = actions
        .iter()
        .filter(|a| matches!(a.state.standing(today), Standing::RevisitDue { .. }))
        .map(with_standing)
        .collect();
    let mut groups: Vec<(String, Vec<(TrackerAction, Standing)>)> = Vec::new();
    for action in &actions {
        let group = query.group_of(action);
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, members)) => members.push(with_standing(action)),
            None => groups.push((group, vec![with_standing(action)])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let groups = groups
        .into_iter()
        .map(|(group, rows)| {
            let caption = format!("{group}: {}", count_of(rows.len(), "action"));
            (group, caption, rows)
        })
        .collect();
    let mut statuses = with_any(
        "Any status",
        [
            ("open".to_owned(), "Open (not complete)".to_owned()),
            ("overdue".to_owned(), "Overdue".to_owned()),
            ("revisit_due".to_owned(), "Revisit due".to_owned()),
        ],
    );
    statuses.extend(
        ActionStatus::ALL
            .iter()
            .map(|s| (s.code().to_owned(), s.label().to_owned())),
    );
    let export_query = serde_urlencoded::to_string([
        ("view", query.view.as_str()),
        ("status", query.status.as_str()),
        ("organisation", query.organisation.as_str()),
        ("source", query.source.as_str()),
        ("priority", query.priority.as_str()),
    ])
    .unwrap_or_default();
    render(&ActionsPage {
        shown: actions.len(),
        overdue_caption: format!(
            "{} past {} due date and not complete",
            count_of(overdue.len(), "action"),
            if overdue.len() == 1 { "its" } else { "their" }
        ),
        revisits_caption: format!(
            "{} whose revisit date has come",
            count_of(revisits_due.len(), "action")
        ),
        overdue,
        revisits_due,
        groups,
        views: vec![
            (String::new(), "Every action".to_owned()),
            ("mine".to_owned(), "My actions".to_owned()),
            (
                "organisation".to_owned(),
                "My organisation's actions".to_owned(),
            ),
        ],
        group_choices: vec![
            (String::new(), "Source".to_owned()),
            ("organisation".to_owned(), "Owning organisation".to_owned()),
            ("priority".to_owned(), "Priority".to_owned()),
            ("none".to_owned(), "No grouping".to_owned()),
        ],
        statuses,
        organisations: with_any(
            "All organisations",
            names
                .organisation_choices()
                .iter()
                .map(|(id, name)| (id.to_string(), name.clone())),
        ),
        sources: with_any(
            "All sources",
            SourceKind::ALL
                .iter()
                .map(|k| (k.code().to_owned(), k.label().to_owned())),
        ),
        priorities: with_any(
            "All priorities",
            names
                .current_priorities()
                .iter()
                .map(|(id, title)| (id.to_string(), title.clone())),
        ),
        can_manage: user.can(Permission::ManageTracker),
        export_query,
        chrome: ctx.chrome(&state).await?,
        query,
    })
}

pub async fn actions_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ActionQuery>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let partnership_id = ctx.partnership()?;
    let today = today();
    let names = Names::cached(&state, partnership_id).await?;
    let text = |value: &str| Cell::Text(crate::kernel::text::spreadsheet_safe(value));
    let optional_date =
        |date: Option<time::Date>| date.map_or(Cell::Empty, |d| Cell::Text(d.to_string()));
    let rows = store::list_actions(&state.db, partnership_id)
        .await?
        .into_iter()
        .map(|action| names.fill(action))
        .filter(|action| query.keeps(action, user, today))
        .map(|action| {
            vec![
                text(&action.recommendation_reference),
                text(action.source_kind.label()),
                text(&action.source_label),
                text(action.priority_title.as_deref().unwrap_or("")),
                text(&action.title),
                text(&action.owner_organisation_name),
                text(action.owner_person_name.as_deref().unwrap_or("")),
                Cell::Text(action.state.due_on.to_string()),
                text(action.state.status.label()),
                text(&action.state.standing(today).label()),
                text(&action.impact_label()),
                Cell::Number(action.evidence_count as f64),
                optional_date(action.state.completed_on),
                optional_date(action.state.revisit_on),
                optional_date(action.state.revisited_on),
                optional_date(action.state.closed_on),
            ]
        })
        .collect();
    let table = SheetTable {
        name: "Improvement tracker",
        header: [
            "Recommendation",
            "Source kind",
            "Source",
            "Priority",
            "Action",
            "Owning organisation",
            "Owner",
            "Due",
            "Status",
            "Standing today",
            "Impact measure",
            "Evidence items",
            "Completed",
            "Revisit",
            "Last revisited",
            "Closed",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    };
    let bytes = write_xlsx(&[table])
        .map_err(|error| AppError::Internal(format!("could not write the spreadsheet: {error}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"masa-improvement-tracker.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn send_digest(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mut tx = state.db.begin_write().await?;
    let sent = super::queue_digest(&state.db, &mut tx, &actor, today()).await?;
    tx.commit().await?;
    let mut message = format!(
        "{} e-mail{} queued to owners about {} action{}.",
        sent.emails,
        if sent.emails == 1 { "" } else { "s" },
        sent.actions,
        if sent.actions == 1 { "" } else { "s" }
    );
    if sent.without_owner > 0 {
        message.push_str(&format!(
            " {} action{} needing attention {} no named owner: give {} one.",
            sent.without_owner,
            if sent.without_owner == 1 { "" } else { "s" },
            if sent.without_owner == 1 {
                "has"
            } else {
                "have"
            },
            if sent.without_owner == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    ctx.flash(&state, &message).await?;
    Ok(Redirect::to("/tracker").into_response())
}

// ---- recommendations ----

#[derive(Template)]
#[template(path = "tracker/templates/recommendations.html")]
struct RecommendationsPage {
    chrome: Chrome,
    /// (recommendation, actions, of which closed with evidence)
    recommendations: Vec<(Recommendation, usize, usize)>,
    can_manage: bool,
}

pub async fn recommendations(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    let partnership_id = ctx.partnership()?;
    let names = Names::cached(&state, partnership_id).await?;
    let actions = store::list_actions(&state.db, partnership_id).await?;
    let recommendations = store::list_recommendations(&state.db, partnership_id)
        .await?
        .into_iter()
        .map(|mut recommendation| {
            recommendation.priority_title = names.priority(recommendation.priority_item_id);
            let of_this: Vec<_> = actions
                .iter()
                .filter(|a| a.recommendation_id == recommendation.id)
                .collect();
            let closed = of_this
                .iter()
                .filter(|a| a.state.status == ActionStatus::ClosedWithEvidence)
                .count();
            (recommendation, of_this.len(), closed)
        })
        .collect();
    render(&RecommendationsPage {
        can_manage: ctx.user()?.can(Permission::ManageTracker),
        chrome: ctx.chrome(&state).await?,
        recommendations,
    })
}

#[derive(Template)]
#[template(path = "tracker/templates/recommendation_form.html")]
struct RecommendationFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: RecommendationForm,
    /// The source record this recommendation comes from, when there is one: its name and page.
    source: Option<(String, String)>,
    sources: Vec<(String, String)>,
    priorities: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SourceQuery {
    source_kind: String,
    source_id: String,
}

async fn priority_choices(state: &AppState, partnership_id: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(crate::partnership::current_priorities(&state.db, partnership_id).await?)
}

async fn recommendation_form_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: RecommendationForm,
    source: Option<(String, String)>,
) -> AppResult<RecommendationFormPage> {
    Ok(RecommendationFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        source,
        sources: SourceKind::choices()
            .into_iter()
            .map(|(code, label)| (code.to_owned(), label.to_owned()))
            .collect(),
        priorities: with_any(
            "No priority",
            priority_choices(state, ctx.partnership()?)
                .await?
                .into_iter()
                .map(|(id, title)| (id.to_string(), title)),
        ),
    })
}

/// A source given by kind and id must exist in its module, in the partnership; returns its name
/// and page. Another partnership's record is answered as a missing one.
async fn resolve_source(
    state: &AppState,
    partnership_id: i64,
    kind: &str,
    id: &str,
) -> AppResult<Option<(String, String)>> {
    if id.trim().is_empty() {
        return Ok(None);
    }
    let kind = SourceKind::from_code(kind).ok_or(AppError::NotFound)?;
    let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
    let found = super::source_of(&state.sources, &state.db, partnership_id, kind, id).await?;
    found
        .map(|source| Some((source.label, source.page)))
        .ok_or(AppError::NotFound)
}

pub async fn new_recommendation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SourceQuery>,
) -> AppResult<impl IntoResponse> {
    let source = resolve_source(
        &state,
        ctx.partnership()?,
        &query.source_kind,
        &query.source_id,
    )
    .await?;
    let form = RecommendationForm {
        source_kind: query.source_kind.clone(),
        source_id: if source.is_some() {
            query.source_id.clone()
        } else {
            String::new()
        },
        source_label: source
            .as_ref()
            .map(|(label, _)| label.clone())
            .unwrap_or_default(),
        ..RecommendationForm::default()
    };
    render(&recommendation_form_page(&state, &ctx, FormErrors::default(), form, source).await?)
}

pub async fn create_recommendation(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(mut form): Form<RecommendationForm>,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let source = resolve_source(&state, partnership_id, &form.source_kind, &form.source_id).await?;
    // A recorded source is named by its module, never by what the form says.
    if let Some((label, _)) = &source {
        form.source_label = label.clone();
    }
    let priorities: Vec<i64> = priority_choices(&state, partnership_id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, &priorities, source.is_some());
    if let Some(details) = &details
        && store::reference_taken(&state.db, partnership_id, &details.reference).await?
    {
        errors.add(
            "reference",
            "A recommendation with this reference already exists",
        );
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(
            &recommendation_form_page(&state, &ctx, errors, form, source).await?,
        );
    };
    let mut tx = state.db.begin_write().await?;
    let id = match store::insert_recommendation(&mut tx, partnership_id, &details).await {
        Ok(id) => id,
        // Someone recorded the same reference a moment ago.
        Err(error) if crate::kernel::db::is_unique_violation(&error) => {
            drop(tx);
            errors.add(
                "reference",
                "A recommendation with this reference already exists",
            );
            return render_refused(
                &recommendation_form_page(&state, &ctx, errors, form, source).await?,
            );
        }
        Err(error) => return Err(error.into()),
    };
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "recommendation",
            entity_id: Some(id),
            summary: format!(
                "Recorded recommendation {} from {}",
                details.reference, details.source_label
            ),
            before: None,
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!("{} recorded. Now add its actions.", details.reference),
    )
    .await?;
    Ok(Redirect::to(&format!("/tracker/recommendations/{id}")).into_response())
}

/// Choices for an action's owner, person and impact indicator.
struct ActionFormChoices {
    organisations: Vec<(String, String)>,
    people: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    organisation_ids: Vec<i64>,
    person_ids: Vec<(i64, i64)>,
    indicator_ids: Vec<i64>,
}

impl ActionFormChoices {
    /// The partnership's organisations, people and indicators: nothing else may be chosen.
    async fn load(state: &AppState, partnership_id: i64) -> AppResult<ActionFormChoices> {
        let organisations =
            crate::partnership::organisation_choices(&state.db, partnership_id).await?;
        let organisation_names: std::collections::HashMap<i64, String> =
            organisations.iter().cloned().collect();
        let mut people: Vec<(i64, crate::partnership::PersonSummary)> =
            crate::partnership::people_directory(&state.db, partnership_id)
                .await?
                .into_iter()
                .collect();
        people.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        let indicators = crate::dataset::indicator_choices(&state.db, partnership_id).await?;
        Ok(ActionFormChoices {
            organisation_ids: organisations.iter().map(|(id, _)| *id).collect(),
            person_ids: people
                .iter()
                .map(|(id, person)| (*id, person.organisation_id))
                .collect(),
            indicator_ids: indicators.iter().map(|(id, _)| *id).collect(),
            organisations: with_any(
                "Select an organisation",
                organisations
                    .into_iter()
                    .map(|(id, name)| (id.to_string(), name)),
            ),
            people: with_any(
                "No named owner yet",
                people.into_iter().map(|(id, person)| {
                    let organisation = organisation_names
                        .get(&person.organisation_id)
                        .cloned()
                        .unwrap_or_default();
                    (
                        id.to_string(),
                        format!("{}, {} ({organisation})", person.name, person.job_title),
                    )
                }),
            ),
            indicators: with_any(
                "No indicator: describe the measure below",
                indicators
                    .into_iter()
                    .map(|(id, name)| (id.to_string(), name)),
            ),
        })
    }

    fn rules(&self) -> ActionChoices<'_> {
        ActionChoices {
            organisations: &self.organisation_ids,
            people: &self.person_ids,
            indicators: &self.indicator_ids,
        }
    }
}

#[derive(Template)]
#[template(path = "tracker/templates/recommendation.html")]
struct RecommendationPage {
    chrome: Chrome,
    recommendation: Recommendation,
    source_page: Option<String>,
    actions: Vec<(TrackerAction, Standing)>,
    actions_caption: String,
    can_manage: bool,
    errors: FormErrors,
    form: ActionForm,
    choices: ActionFormChoices,
}

async fn recommendation_page_for(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errors: FormErrors,
    form: ActionForm,
) -> AppResult<RecommendationPage> {
    let partnership_id = ctx.partnership()?;
    let mut recommendation = store::find_recommendation(&state.db, partnership_id, id)
        .await?
        .filter(|r| r.archived_at.is_none())
        .ok_or(AppError::NotFound)?;
    let names = Names::cached(state, partnership_id).await?;
    recommendation.priority_title = names.priority(recommendation.priority_item_id);
    let source_page = match recommendation.source_id {
        Some(source_id) => super::source_of(
            &state.sources,
            &state.db,
            partnership_id,
            recommendation.source_kind,
            source_id,
        )
        .await?
        .map(|source| source.page),
        None => None,
    };
    let today = today();
    let actions: Vec<_> = store::actions_of(&state.db, partnership_id, id)
        .await?
        .into_iter()
        .map(|action| {
            let action = names.fill(action);
            let standing = action.state.standing(today);
            (action, standing)
        })
        .collect();
    Ok(RecommendationPage {
        actions_caption: count_of(actions.len(), "action"),
        actions,
        can_manage: ctx.user()?.can(Permission::ManageTracker),
        chrome: ctx.chrome(state).await?,
        choices: ActionFormChoices::load(state, partnership_id).await?,
        recommendation,
        source_page,
        errors,
        form,
    })
}

pub async fn recommendation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    render(
        &recommendation_page_for(
            &state,
            &ctx,
            id,
            FormErrors::default(),
            ActionForm::default(),
        )
        .await?,
    )
}

pub async fn create_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let recommendation = store::find_recommendation(&state.db, partnership_id, id)
        .await?
        .filter(|r| r.archived_at.is_none())
        .ok_or(AppError::NotFound)?;
    let choices = ActionFormChoices::load(&state, partnership_id).await?;
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors, &choices.rules(), today(), true) else {
        return render_refused(&recommendation_page_for(&state, &ctx, id, errors, form).await?);
    };
    let mut tx = state.db.begin_write().await?;
    let action_id = store::insert_action(&mut tx, id, &details).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "tracker_action",
            entity_id: Some(action_id),
            summary: format!(
                "Added an action to {}: {}",
                recommendation.reference, details.title
            ),
            before: None,
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, "Action added").await?;
    Ok(Redirect::to(&format!("/tracker/actions/{action_id}")).into_response())
}

// ---- one action ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProgressForm {
    status: String,
    note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CompleteForm {
    completion_note: String,
    completed_on_day: String,
    completed_on_month: String,
    completed_on_year: String,
    revisit_on_day: String,
    revisit_on_month: String,
    revisit_on_year: String,
}

impl CompleteForm {
    fn completed_on(&self) -> DateParts {
        DateParts {
            day: self.completed_on_day.clone(),
            month: self.completed_on_month.clone(),
            year: self.completed_on_year.clone(),
        }
    }

    fn revisit_on(&self) -> DateParts {
        DateParts {
            day: self.revisit_on_day.clone(),
            month: self.revisit_on_month.clone(),
            year: self.revisit_on_year.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RevisitForm {
    outcome: String,
    revisit_note: String,
    next_revisit_on_day: String,
    next_revisit_on_month: String,
    next_revisit_on_year: String,
    new_due_on_day: String,
    new_due_on_month: String,
    new_due_on_year: String,
}

impl RevisitForm {
    fn next_revisit_on(&self) -> DateParts {
        DateParts {
            day: self.next_revisit_on_day.clone(),
            month: self.next_revisit_on_month.clone(),
            year: self.next_revisit_on_year.clone(),
        }
    }

    fn new_due_on(&self) -> DateParts {
        DateParts {
            day: self.new_due_on_day.clone(),
            month: self.new_due_on_month.clone(),
            year: self.new_due_on_year.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct EvidenceForm {
    description: String,
    link: String,
}

/// The forms on an action's page, as typed when one was refused.
#[derive(Default)]
struct ActionForms {
    progress: ProgressForm,
    complete: CompleteForm,
    revisit: RevisitForm,
    evidence: EvidenceForm,
}

#[derive(Template)]
#[template(path = "tracker/templates/action.html")]
struct ActionPage {
    chrome: Chrome,
    action: TrackerAction,
    standing: Standing,
    recommendation_text: String,
    trend: Option<crate::dataset::IndicatorTrend>,
    /// Quarter label, value, and whether it ended after the action began (or was completed).
    trend_rows: Vec<(String, String, bool)>,
    trend_since: &'static str,
    updates: Vec<ActionUpdate>,
    evidence: Vec<Evidence>,
    can_update: bool,
    can_manage: bool,
    errors: FormErrors,
    forms: ActionForms,
    progress_statuses: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
    accepted_files: String,
}

fn status_label(code: &str) -> &'static str {
    ActionStatus::from_code(code).map_or("", ActionStatus::label)
}

fn update_kind_label(kind: &str) -> &'static str {
    match kind {
        "progress" => "Progress",
        "complete" => "Completed",
        "revisit" => "Revisited",
        _ => "Update",
    }
}

async fn action_page_for(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errors: FormErrors,
    mut forms: ActionForms,
) -> AppResult<ActionPage> {
    let partnership_id = ctx.partnership()?;
    let action = named_action(state, partnership_id, id).await?;
    if forms.progress.status.is_empty() {
        forms.progress.status = action.state.status.code().to_owned();
    }
    let user = ctx.user()?;
    let recommendation =
        store::find_recommendation(&state.db, partnership_id, action.recommendation_id)
            .await?
            .ok_or(AppError::NotFound)?;
    let trend = match action.impact_indicator_id {
        Some(indicator) => {
            crate::dataset::indicator_trend(&state.db, partnership_id, indicator).await?
        }
        None => None,
    };
    // Impact shows in the quarters after the work was done; before completion, after it began.
    let since = action
        .state
        .completed_on
        .map(crate::kernel::text::iso_date)
        .unwrap_or_else(|| action.created_at.get(..10).unwrap_or_default().to_owned());
    let trend_rows = trend
        .as_ref()
        .map(|trend| {
            trend
                .points
                .iter()
                .rev()
                .take(8)
                .map(|(quarter, value)| {
                    let after = quarter_end(quarter).is_some_and(|end| end >= since);
                    (quarter.clone(), value.clone(), after)
                })
                .collect()
        })
        .unwrap_or_default();
    let trend_since = if action.state.completed_on.is_some() {
        "completed"
    } else {
        "began"
    };
    Ok(ActionPage {
        standing: action.state.standing(today()),
        recommendation_text: recommendation.recommendation,
        trend,
        trend_rows,
        trend_since,
        updates: store::updates_of(&state.db, id).await?,
        evidence: store::evidence_of(&state.db, id).await?,
        can_update: may_update(user, &action),
        can_manage: user.can(Permission::ManageTracker),
        chrome: ctx.chrome(state).await?,
        action,
        errors,
        forms,
        progress_statuses: ActionStatus::IN_PROGRESS
            .iter()
            .map(|s| (s.code().to_owned(), s.label().to_owned()))
            .collect(),
        outcomes: with_any(
            "Select the outcome of the revisit",
            RevisitOutcome::ALL
                .iter()
                .map(|o| (o.code().to_owned(), o.label().to_owned())),
        ),
        accepted_files: files::accepted_extensions(),
    })
}

/// "2025-26 Q3" → "2025-12-31", the financial quarter's last day as ISO text.
fn quarter_end(label: &str) -> Option<String> {
    let (year, quarter) = label.split_once(' ')?;
    let year: i32 = year.get(..4)?.parse().ok()?;
    Some(match quarter {
        "Q1" => format!("{year}-06-30"),
        "Q2" => format!("{year}-09-30"),
        "Q3" => format!("{year}-12-31"),
        "Q4" => format!("{}-03-31", year + 1),
        _ => return None,
    })
}

pub async fn action_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    render(
        &action_page_for(
            &state,
            &ctx,
            id,
            FormErrors::default(),
            ActionForms::default(),
        )
        .await?,
    )
}

/// Shows the action's page again with a refused form's errors and what was typed (422).
async fn show_refused(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errors: FormErrors,
    forms: ActionForms,
) -> AppResult<Response> {
    render_refused(&action_page_for(state, ctx, id, errors, forms).await?)
}

/// After a change: the message, then the action's page.
async fn back_to_action(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    message: &str,
) -> AppResult<Response> {
    ctx.flash(state, message).await?;
    Ok(Redirect::to(&format!("/tracker/actions/{id}")).into_response())
}

/// The action, if this person may work on it: 404 for no such action, 403 for another
/// organisation's.
async fn updatable_action(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<TrackerAction> {
    let action = named_action(state, ctx.partnership()?, id).await?;
    if !may_update(ctx.user()?, &action) {
        return Err(AppError::Forbidden);
    }
    Ok(action)
}

/// Why an action's change did not happen: refused by the rules (shown against the form's
/// field), or a failure of the request.
#[derive(Debug)]
enum ChangeError {
    Refused(Refusal),
    Failed(AppError),
}

impl ChangeError {
    /// The refusal to show on the form; a failure goes on as the request's error.
    fn refusal(self) -> AppResult<Refusal> {
        match self {
            ChangeError::Refused(refusal) => Ok(refusal),
            ChangeError::Failed(error) => Err(error),
        }
    }
}

impl From<Refusal> for ChangeError {
    fn from(refusal: Refusal) -> ChangeError {
        ChangeError::Refused(refusal)
    }
}

impl<E: Into<AppError>> From<E> for ChangeError {
    fn from(error: E) -> ChangeError {
        ChangeError::Failed(error.into())
    }
}

/// Applies a change through the rules, with its note, in one transaction with its audit entry.
async fn change_action(
    state: &AppState,
    ctx: &Ctx,
    action: &TrackerAction,
    (kind, change): (&str, Change),
    note: &str,
) -> Result<ActionState, ChangeError> {
    // Only evidence added since the action was last reopened can close it.
    let evidence = usize::try_from(action.current_evidence).unwrap_or(0);
    let next = apply(&action.state, change, evidence, today())?;
    let actor = ctx.actor()?;
    let mut tx = state.db.begin_write().await?;
    if !store::set_state(&mut tx, action.id, &action.state, &next).await? {
        return Err(ChangeError::Refused(Refusal {
            field: conflict_field(&change),
            message: "Someone else updated this action a moment ago: check the latest update and try again".into(),
        }));
    }
    store::insert_update(
        &mut tx,
        action.id,
        kind,
        (action.state.status, next.status),
        note,
        &actor.label,
    )
    .await?;
    audit::record(
        &mut tx,
        &actor,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "tracker_action",
            entity_id: Some(action.id),
            summary: format!(
                "{} action \"{}\": {} → {}",
                update_kind_label(kind),
                action.title,
                action.state.status.label(),
                next.status.label()
            ),
            before: Some(snapshot(&action.state)),
            after: Some(serde_json::json!({ "state": snapshot(&next), "note": note })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// The field a "changed meanwhile" refusal is shown against: one on the form that was sent.
fn conflict_field(change: &Change) -> &'static str {
    match change {
        Change::Progress { .. } => "status",
        Change::Complete { .. } => "completion_note",
        Change::Revisit { .. } => "outcome",
    }
}

fn required_note(errors: &mut FormErrors, field: &str, label: &str, note: &str) -> String {
    let note = errors.required_text(field, label, note, 4000);
    check_free_text(errors, field, label, &note);
    note
}

pub async fn report_progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ProgressForm>,
) -> AppResult<Response> {
    let action = updatable_action(&state, &ctx, id).await?;
    let mut errors = FormErrors::default();
    let status = ActionStatus::from_code(&form.status);
    if status.is_none() {
        errors.add("status", "Select the action's status");
    }
    let note = required_note(&mut errors, "note", "Progress note", &form.note);
    if let Some(status) = status.filter(|_| errors.is_empty()) {
        let change = ("progress", Change::Progress { status });
        match change_action(&state, &ctx, &action, change, &note).await {
            Ok(_) => return back_to_action(&state, &ctx, id, "Progress recorded").await,
            Err(refused) => {
                let refusal = refused.refusal()?;
                errors.add(refusal.field, refusal.message);
            }
        }
    }
    let forms = ActionForms {
        progress: form,
        ..ActionForms::default()
    };
    show_refused(&state, &ctx, id, errors, forms).await
}

pub async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CompleteForm>,
) -> AppResult<Response> {
    let action = updatable_action(&state, &ctx, id).await?;
    let mut errors = FormErrors::default();
    let note = required_note(
        &mut errors,
        "completion_note",
        "What was done",
        &form.completion_note,
    );
    let completed_on = errors.date("completed_on", "Date completed", &form.completed_on(), true);
    let revisit_on = errors.date("revisit_on", "Revisit date", &form.revisit_on(), true);
    let mut outcome = None;
    if let (Some(completed_on), Some(revisit_on), true) =
        (completed_on, revisit_on, errors.is_empty())
    {
        match change_action(
            &state,
            &ctx,
            &action,
            (
                "complete",
                Change::Complete {
                    completed_on,
                    revisit_on,
                },
            ),
            &note,
        )
        .await
        {
            Ok(next) => outcome = Some(next),
            Err(refused) => {
                let refusal = refused.refusal()?;
                errors.add(refusal.field, refusal.message);
            }
        }
    }
    match outcome {
        Some(next) => {
            let revisit = next.revisit_on.map(long_date).unwrap_or_default();
            let message = format!("Action complete. It comes back for its revisit on {revisit}.");
            back_to_action(&state, &ctx, id, &message).await
        }
        None => {
            show_refused(
                &state,
                &ctx,
                id,
                errors,
                ActionForms {
                    complete: form,
                    ..ActionForms::default()
                },
            )
            .await
        }
    }
}

pub async fn revisit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RevisitForm>,
) -> AppResult<Response> {
    let action = updatable_action(&state, &ctx, id).await?;
    let mut errors = FormErrors::default();
    let outcome = RevisitOutcome::from_code(&form.outcome);
    if outcome.is_none() {
        errors.add("outcome", "Select the outcome of the revisit");
    }
    let note = required_note(
        &mut errors,
        "revisit_note",
        "What the revisit found",
        &form.revisit_note,
    );
    let next_revisit_on = errors.date(
        "next_revisit_on",
        "Date to revisit again",
        &form.next_revisit_on(),
        false,
    );
    let new_due_on = errors.date("new_due_on", "New due date", &form.new_due_on(), false);
    let mut done = None;
    if let (Some(outcome), true) = (outcome, errors.is_empty()) {
        let change = Change::Revisit {
            outcome,
            next_revisit_on,
            new_due_on,
        };
        match change_action(&state, &ctx, &action, ("revisit", change), &note).await {
            Ok(next) => done = Some(next),
            Err(refused) => {
                let refusal = refused.refusal()?;
                errors.add(refusal.field, refusal.message);
            }
        }
    }
    match done {
        Some(next) => {
            let message = match next.status {
                ActionStatus::ClosedWithEvidence => "Action closed with evidence".to_owned(),
                ActionStatus::Complete => format!(
                    "Revisit recorded. It comes back on {}.",
                    next.revisit_on.map(long_date).unwrap_or_default()
                ),
                _ => format!("Action reopened, now due {}", long_date(next.due_on)),
            };
            back_to_action(&state, &ctx, id, &message).await
        }
        None => {
            show_refused(
                &state,
                &ctx,
                id,
                errors,
                ActionForms {
                    revisit: form,
                    ..ActionForms::default()
                },
            )
            .await
        }
    }
}

pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    // Authorise before reading the upload, so a refusal never depends on the body.
    let action = updatable_action(&state, &ctx, id).await?;
    let upload_form =
        files::read_upload_form(request, "the evidence form", "evidence files").await?;
    let form = EvidenceForm {
        description: upload_form.field("description"),
        link: upload_form.field("link"),
    };
    let file = upload_form.file;
    let mut errors = FormErrors::default();
    let description = errors.required_text(
        "description",
        "Description of the evidence",
        &form.description,
        1000,
    );
    check_free_text(
        &mut errors,
        "description",
        "Description of the evidence",
        &description,
    );
    let link = check_link(&mut errors, "link", &form.link);
    let upload = match &file {
        Some((name, bytes)) => match files::check_upload(name, bytes) {
            Ok(upload) => Some(upload),
            Err(message) => {
                errors.add("file", message);
                None
            }
        },
        None => None,
    };
    if errors.is_empty() && link.is_none() && upload.is_none() {
        errors.add("file", "Choose a file or enter a link to the evidence");
    }
    if action.state.status == ActionStatus::ClosedWithEvidence {
        errors.add("description", "This action is closed with evidence");
    }
    if !errors.is_empty() {
        return show_refused(
            &state,
            &ctx,
            id,
            errors,
            ActionForms {
                evidence: form,
                ..ActionForms::default()
            },
        )
        .await;
    }
    let actor = ctx.actor()?;
    let mut tx = state.db.begin_write().await?;
    let file_id = match &upload {
        Some(upload) => Some(files::store(&mut tx, upload, &actor.label).await?),
        None => None,
    };
    let evidence_id = store::insert_evidence(
        &mut tx,
        id,
        &description,
        link.as_deref(),
        file_id,
        &actor.label,
    )
    .await?;
    audit::record(
        &mut tx,
        &actor,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "action_evidence",
            entity_id: Some(evidence_id),
            summary: format!(
                "Added evidence to action \"{}\": {description}",
                action.title
            ),
            before: None,
            after: Some(serde_json::json!({
                "action_id": id,
                "description": description,
                "link": link,
                "file": upload.as_ref().map(|u| &u.file_name),
                "file_id": file_id,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, "Evidence added").await?;
    Ok(Redirect::to(&format!("/tracker/actions/{id}#evidence")).into_response())
}

/// A file of evidence, reached only through an action of the partnership.
pub async fn evidence_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let evidence = store::find_evidence(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let file_id = evidence.file_id.ok_or(AppError::NotFound)?;
    let (file, bytes) = files::fetch(&state.db, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(files::download(&file, bytes))
}

// ---- editing an action's owner, dates and measure ----

#[derive(Template)]
#[template(path = "tracker/templates/action_form.html")]
struct ActionFormPage {
    chrome: Chrome,
    action: TrackerAction,
    errors: FormErrors,
    form: ActionForm,
    choices: ActionFormChoices,
}

pub async fn edit_action_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let partnership_id = ctx.partnership()?;
    let action = named_action(&state, partnership_id, id).await?;
    let form = ActionForm::of(&ActionDetails {
        title: action.title.clone(),
        owner_organisation_id: action.owner_organisation_id,
        owner_person_id: action.owner_person_id,
        due_on: action.state.due_on,
        impact_indicator_id: action.impact_indicator_id,
        impact_measure: action.impact_measure.clone(),
    });
    render(&ActionFormPage {
        chrome: ctx.chrome(&state).await?,
        choices: ActionFormChoices::load(&state, partnership_id).await?,
        action,
        errors: FormErrors::default(),
        form,
    })
}

pub async fn update_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let partnership_id = ctx.partnership()?;
    let action = named_action(&state, partnership_id, id).await?;
    let choices = ActionFormChoices::load(&state, partnership_id).await?;
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, &choices.rules(), today(), false);
    // A past due date may stay as it was, but not be set anew.
    if let Some(details) = &details
        && details.due_on < today()
        && details.due_on != action.state.due_on
    {
        errors.add("due_on", "Due date must be today or in the future");
    }
    if action.state.status == ActionStatus::ClosedWithEvidence {
        errors.add(
            "title",
            "This action is closed with evidence and can no longer change",
        );
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&ActionFormPage {
            chrome: ctx.chrome(&state).await?,
            action,
            errors,
            form,
            choices,
        });
    };
    let before = ActionDetails {
        title: action.title.clone(),
        owner_organisation_id: action.owner_organisation_id,
        owner_person_id: action.owner_person_id,
        due_on: action.state.due_on,
        impact_indicator_id: action.impact_indicator_id,
        impact_measure: action.impact_measure.clone(),
    };
    let mut tx = state.db.begin_write().await?;
    if !store::update_action(&mut tx, id, &details, &action.state).await? {
        drop(tx);
        errors.add(
            "title",
            "Someone else updated this action while you were editing it: check it and edit again",
        );
        return render_refused(&ActionFormPage {
            chrome: ctx.chrome(&state).await?,
            action,
            errors,
            form,
            choices,
        });
    }
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "tracker_action",
            entity_id: Some(id),
            summary: format!("Edited action \"{}\"", details.title),
            before: Some(snapshot(&before)),
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
    back_to_action(&state, &ctx, id, "Action saved").await
}

/// A date as the tracker's pages show it.
pub fn day(date: &time::Date) -> String {
    long_date(*date)
}

pub fn file_size(bytes: &i64) -> String {
    files::size_label(*bytes)
}

/// Stored timestamps as the tracker's pages show them.
pub fn shown_date(text: &str) -> String {
    display_date(text)
}

pub fn status_name(code: &str) -> &'static str {
    status_label(code)
}

pub fn update_name(kind: &str) -> &'static str {
    update_kind_label(kind)
}

#[cfg(test)]
mod tests {
    use super::quarter_end;

    #[test]
    fn financial_quarters_end_where_they_should() {
        assert_eq!(quarter_end("2025-26 Q1").as_deref(), Some("2025-06-30"));
        assert_eq!(quarter_end("2025-26 Q3").as_deref(), Some("2025-12-31"));
        assert_eq!(quarter_end("2025-26 Q4").as_deref(), Some("2026-03-31"));
        assert_eq!(quarter_end("2025-26 Q5"), None);
        assert_eq!(quarter_end("nonsense"), None);
    }
}
