//! Recommendations: the list, recording one, one recommendation's page and adding its actions.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::*;
use crate::kernel::filters;
use crate::kernel::ids::{PartnershipId, PlanItemId};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Permission, render, render_refused,
};
use crate::tracker::model::*;
use crate::tracker::store;
use crate::tracker::{Names, SourceKind};

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
    let names = Names::cached(&state, ctx.user()?.partnership()).await?;
    let actions = store::list_actions(ctx.scope(&state)?).await?;
    let recommendations = store::list_recommendations(ctx.scope(&state)?)
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

async fn priority_choices(scope: Scope<'_>) -> AppResult<Vec<(PlanItemId, String)>> {
    Ok(crate::partnership::current_priorities(scope).await?)
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
            priority_choices(ctx.scope(state)?)
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
    partnership: PartnershipId,
    kind: &str,
    id: &str,
) -> AppResult<Option<(String, String)>> {
    if id.trim().is_empty() {
        return Ok(None);
    }
    let kind = SourceKind::from_code(kind).ok_or(AppError::NotFound)?;
    let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
    let found = crate::tracker::source_of(&state.sources, &state.db, partnership, kind, id).await?;
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
        ctx.user()?.partnership(),
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
    let scope = ctx.scope(&state)?;
    let source = resolve_source(
        &state,
        scope.partnership(),
        &form.source_kind,
        &form.source_id,
    )
    .await?;
    // A recorded source is named by its module, never by what the form says.
    if let Some((label, _)) = &source {
        form.source_label = label.clone();
    }
    let priorities: Vec<PlanItemId> = priority_choices(scope)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors, &priorities, source.is_some());
    if let Some(details) = &details
        && store::reference_taken(ctx.scope(&state)?, &details.reference).await?
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
    let mut change = ctx.change(&state).await?;
    let id = match store::insert_recommendation(&mut change, &details).await {
        Ok(id) => id,
        // Someone recorded the same reference a moment ago.
        Err(error) if crate::kernel::db::is_unique_violation(&error) => {
            drop(change);
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
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("{} recorded. Now add its actions.", details.reference),
    )
    .await?;
    Ok(Redirect::to(&format!("/tracker/recommendations/{id}")).into_response())
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
    mut recommendation: Recommendation,
    errors: FormErrors,
    form: ActionForm,
) -> AppResult<RecommendationPage> {
    let scope = ctx.scope(state)?;
    let id = recommendation.id;
    let names = Names::cached(state, scope.partnership()).await?;
    recommendation.priority_title = names.priority(recommendation.priority_item_id);
    let source_page = match recommendation.source_id {
        Some(source_id) => crate::tracker::source_of(
            &state.sources,
            &state.db,
            scope.partnership(),
            recommendation.source_kind,
            source_id,
        )
        .await?
        .map(|source| source.page),
        None => None,
    };
    let today = today();
    let actions: Vec<_> = store::actions_of(ctx.scope(state)?, id)
        .await?
        .into_iter()
        .map(|action| {
            let action = names.fill(action);
            let standing = action.state.standing(today);
            (action, standing)
        })
        .collect();
    Ok(RecommendationPage {
        actions_caption: count_of(actions.len() as i64, "action", "actions"),
        actions,
        can_manage: ctx.user()?.can(Permission::ManageTracker),
        chrome: ctx.chrome(state).await?,
        choices: ActionFormChoices::load(scope).await?,
        recommendation,
        source_page,
        errors,
        form,
    })
}

pub async fn recommendation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(recommendation): Loaded<Recommendation>,
) -> AppResult<impl IntoResponse> {
    render(
        &recommendation_page_for(
            &state,
            &ctx,
            recommendation,
            FormErrors::default(),
            ActionForm::default(),
        )
        .await?,
    )
}

pub async fn create_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(recommendation): Loaded<Recommendation>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let choices = ActionFormChoices::load(scope).await?;
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors, &choices.rules(), today(), true) else {
        return render_refused(
            &recommendation_page_for(&state, &ctx, recommendation, errors, form).await?,
        );
    };
    let mut change = ctx.change(&state).await?;
    let action_id = store::insert_action(
        &mut change,
        (recommendation.id, &recommendation.reference),
        &details,
    )
    .await?;
    change.commit().await?;
    ctx.flash(&state, "Action added").await?;
    Ok(Redirect::to(&format!("/tracker/actions/{action_id}")).into_response())
}

// ---- one action ----
