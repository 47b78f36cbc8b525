//! Editing an action's owner, dates and impact measure.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::*;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{AppResult, AppState, Chrome, Ctx, Loaded, render, render_refused};
use crate::tracker::model::*;
use crate::tracker::store::{self};

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
    Loaded(action): Loaded<TrackerAction>,
) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let form = ActionForm::of(&ActionDetails {
        title: action.title.clone(),
        owner_organisation_id: action.owner_organisation_id,
        owner_person_id: action.owner_person_id,
        overseeing_group_id: action.overseeing_group_id,
        due_on: action.state.due_on,
        impact_indicator_id: action.impact_indicator_id,
        impact_measure: action.impact_measure.clone(),
    });
    render(&ActionFormPage {
        chrome: ctx.chrome(&state).await?,
        choices: ActionFormChoices::load(scope).await?,
        action,
        errors: FormErrors::default(),
        form,
    })
}

pub async fn update_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(action): Loaded<TrackerAction>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let choices = ActionFormChoices::load(scope).await?;
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
    let mut change = ctx.change(&state).await?;
    if !store::update_action(&mut change, &action, &details).await? {
        drop(change);
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
    change.commit().await?;
    back_to_action(&state, &ctx, action.id, "Action saved").await
}
