//! The tracker: every action, what needs attention first; its spreadsheet; the owners' digest.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use masa_sheets::{Cell, SheetTable, write_xlsx};
use serde::Deserialize;

use super::*;
use crate::kernel::auth::CurrentUser;
use crate::kernel::choices::GroupedChoices;
use crate::kernel::text::today;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, Permission, render};
use crate::tracker::model::*;
use crate::tracker::store::{self};
use crate::tracker::{Names, SourceKind};

// ---- the tracker: every action, what needs attention first ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionQuery {
    /// all | mine | organisation
    view: String,
    /// source | organisation | overseeing_group | priority | none
    group: String,
    status: String,
    organisation: String,
    /// The partnership group that oversees the action.
    overseeing_group: String,
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
            "mine" => action
                .owner_person_email
                .as_deref()
                .is_some_and(|email| email.eq_ignore_ascii_case(&user.email)),
            "organisation" => user.organisation() == Some(action.owner_organisation_id),
            _ => true,
        };
        status_matches
            && view_matches
            && (self.organisation.is_empty()
                || self.organisation == action.owner_organisation_id.to_string())
            && (self.overseeing_group.is_empty()
                || action
                    .overseeing_group_id
                    .map(|id| id.to_string())
                    .as_deref()
                    == Some(self.overseeing_group.as_str()))
            && (self.source.is_empty() || self.source == action.source_kind.code())
            && (self.priority.is_empty()
                || action.priority_item_id.map(|id| id.to_string()).as_deref()
                    == Some(self.priority.as_str()))
    }

    fn group_of(&self, action: &TrackerAction) -> String {
        match self.group.as_str() {
            "organisation" => action.owner_organisation_name.clone(),
            "overseeing_group" => action
                .overseeing_group_name
                .clone()
                .unwrap_or_else(|| "No overseeing group".to_owned()),
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
    organisations: GroupedChoices,
    overseeing_groups: Vec<(String, String)>,
    sources: Vec<(String, String)>,
    priorities: Vec<(String, String)>,
    can_manage: bool,
    export_query: String,
}

pub async fn actions(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ActionQuery>,
) -> AppResult<impl IntoResponse> {
    let user = ctx.user()?;
    let today = today();
    let names = Names::cached(&state, user.partnership()).await?;
    let actions: Vec<TrackerAction> = store::list_actions(ctx.scope(&state)?)
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
            let caption = format!(
                "{group}: {}",
                count_of(rows.len() as i64, "action", "actions")
            );
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
        ("overseeing_group", query.overseeing_group.as_str()),
        ("source", query.source.as_str()),
        ("priority", query.priority.as_str()),
    ])
    .unwrap_or_default();
    render(&ActionsPage {
        shown: actions.len(),
        overdue_caption: format!(
            "{} past {} due date and not complete",
            count_of(overdue.len() as i64, "action", "actions"),
            if overdue.len() == 1 { "its" } else { "their" }
        ),
        revisits_caption: format!(
            "{} whose revisit date has come",
            count_of(revisits_due.len() as i64, "action", "actions")
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
            ("overseeing_group".to_owned(), "Overseeing group".to_owned()),
            ("priority".to_owned(), "Priority".to_owned()),
            ("none".to_owned(), "No grouping".to_owned()),
        ],
        statuses,
        organisations: names.organisation_filter().clone(),
        overseeing_groups: with_any(
            "All groups",
            names
                .group_choices()
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
    let today = today();
    let names = Names::cached(&state, user.partnership()).await?;
    let text = |value: &str| Cell::Text(crate::kernel::text::spreadsheet_safe(value));
    let optional_date =
        |date: Option<time::Date>| date.map_or(Cell::Empty, |d| Cell::Text(d.to_string()));
    let rows = store::list_actions(ctx.scope(&state)?)
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
                text(action.overseeing_group_name.as_deref().unwrap_or("")),
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
            "Overseeing group",
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
    let mut change = ctx.change(&state).await?;
    let partnership = change.actor().partnership();
    let sent = crate::tracker::queue_digest(&state.db, &mut change, partnership, today()).await?;
    change.commit().await?;
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
