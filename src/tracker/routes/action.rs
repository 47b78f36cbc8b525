//! One action's page, with the forms for its progress, completion, revisit and evidence.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::*;
use crate::kernel::text::{DateParts, FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, render, render_refused,
};
use crate::kernel::{files, filters};
use crate::tracker::model::*;
use crate::tracker::store::{self, ActionUpdate, Evidence};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProgressForm {
    pub(super) status: String,
    pub(super) note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CompleteForm {
    pub(super) completion_note: String,
    pub(super) completed_on_day: String,
    pub(super) completed_on_month: String,
    pub(super) completed_on_year: String,
    pub(super) revisit_on_day: String,
    pub(super) revisit_on_month: String,
    pub(super) revisit_on_year: String,
}

impl CompleteForm {
    pub(super) fn completed_on(&self) -> DateParts {
        DateParts {
            day: self.completed_on_day.clone(),
            month: self.completed_on_month.clone(),
            year: self.completed_on_year.clone(),
        }
    }

    pub(super) fn revisit_on(&self) -> DateParts {
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
    pub(super) outcome: String,
    pub(super) revisit_note: String,
    pub(super) next_revisit_on_day: String,
    pub(super) next_revisit_on_month: String,
    pub(super) next_revisit_on_year: String,
    pub(super) new_due_on_day: String,
    pub(super) new_due_on_month: String,
    pub(super) new_due_on_year: String,
}

impl RevisitForm {
    pub(super) fn next_revisit_on(&self) -> DateParts {
        DateParts {
            day: self.next_revisit_on_day.clone(),
            month: self.next_revisit_on_month.clone(),
            year: self.next_revisit_on_year.clone(),
        }
    }

    pub(super) fn new_due_on(&self) -> DateParts {
        DateParts {
            day: self.new_due_on_day.clone(),
            month: self.new_due_on_month.clone(),
            year: self.new_due_on_year.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct EvidenceForm {
    pub(super) description: String,
    pub(super) link: String,
}

/// The forms on an action's page, as typed when one was refused.
#[derive(Default)]
pub(super) struct ActionForms {
    pub(super) progress: ProgressForm,
    pub(super) complete: CompleteForm,
    pub(super) revisit: RevisitForm,
    pub(super) evidence: EvidenceForm,
}

impl ActionForms {
    /// The forms with the progress form as typed.
    pub(super) fn progress(progress: ProgressForm) -> Self {
        ActionForms {
            progress,
            ..ActionForms::default()
        }
    }

    /// The forms with the completion form as typed.
    pub(super) fn complete(complete: CompleteForm) -> Self {
        ActionForms {
            complete,
            ..ActionForms::default()
        }
    }

    /// The forms with the revisit form as typed.
    pub(super) fn revisit(revisit: RevisitForm) -> Self {
        ActionForms {
            revisit,
            ..ActionForms::default()
        }
    }

    /// The forms with the evidence form as typed.
    pub(super) fn evidence(evidence: EvidenceForm) -> Self {
        ActionForms {
            evidence,
            ..ActionForms::default()
        }
    }
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

async fn action_page_for(
    state: &AppState,
    ctx: &Ctx,
    action: TrackerAction,
    errors: FormErrors,
    mut forms: ActionForms,
) -> AppResult<ActionPage> {
    let scope = ctx.scope(state)?;
    let id = action.id;
    if forms.progress.status.is_empty() {
        forms.progress.status = action.state.status.code().to_owned();
    }
    let user = ctx.user()?;
    let recommendation = store::find_recommendation(ctx.scope(state)?, action.recommendation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let trend = match action.impact_indicator_id {
        Some(indicator) => {
            // The dataset still takes plain ids: untyped at this one boundary.
            crate::dataset::indicator_trend(scope, indicator).await?
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
        updates: store::updates_of(ctx.scope(state)?, id).await?,
        evidence: store::evidence_of(ctx.scope(state)?, id).await?,
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
    Loaded(action): Loaded<TrackerAction>,
) -> AppResult<impl IntoResponse> {
    render(
        &action_page_for(
            &state,
            &ctx,
            action,
            FormErrors::default(),
            ActionForms::default(),
        )
        .await?,
    )
}

/// Shows the action's page again with a refused form's errors and what was typed (422). The
/// action is read again, so a change refused because someone else's came first shows theirs.
pub(super) async fn show_refused(
    state: &AppState,
    ctx: &Ctx,
    id: ActionId,
    errors: FormErrors,
    forms: ActionForms,
) -> AppResult<Response> {
    let action = TrackerAction::look_up(state, ctx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render_refused(&action_page_for(state, ctx, action, errors, forms).await?)
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
