//! CSPR triage: national and other areas' reviews, their recommendations and local decisions.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::super::model::*;
use super::super::store;
use crate::kernel::filters;
use crate::kernel::ids::NationalReviewId;
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, render, render_refused,
};

#[derive(Template)]
#[template(path = "learning/templates/triage_list.html")]
struct TriageListPage {
    chrome: Chrome,
    /// (review, recommendations, still to triage)
    reviews: Vec<(NationalReview, i64, i64)>,
    can_manage: bool,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    render(&TriageListPage {
        reviews: store::list_national_reviews(ctx.scope(&state)?).await?,
        can_manage: ctx.user()?.can(Permission::ManageLearning),
        chrome: ctx.chrome(&state).await?,
    })
}

#[derive(Template)]
#[template(path = "learning/templates/triage_form.html")]
struct TriageFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: NationalReviewForm,
    sources: Vec<(String, String)>,
}

fn sources() -> Vec<(String, String)> {
    std::iter::once((String::new(), "Select the source".to_owned()))
        .chain(
            REVIEW_SOURCES
                .iter()
                .map(|source| ((*source).to_owned(), (*source).to_owned())),
        )
        .collect()
}

pub async fn new_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    render(&TriageFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: NationalReviewForm::default(),
        sources: sources(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NationalReviewForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors, today()) else {
        return render_refused(&TriageFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            sources: sources(),
        });
    };
    let mut change = ctx.change(&state).await?;
    let id = store::insert_national_review(&mut change, &details).await?;
    change.commit().await?;
    ctx.flash(&state, "Review logged: add its recommendations")
        .await?;
    Ok(Redirect::to(&format!("/learning/triage/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "learning/templates/triage.html")]
struct TriagePage {
    chrome: Chrome,
    review: NationalReview,
    recommendations: Vec<Recommendation>,
    decisions: Vec<(String, String)>,
    /// The recommendation a refused form belongs to, if any.
    refused: Option<NationalRecommendationId>,
    triage_form: TriageForm,
    new_recommendation: String,
    errors: FormErrors,
    can_manage: bool,
}

impl TriagePage {
    /// The field id of a recommendation's decision, unique on the page.
    pub fn field(&self, recommendation: &Recommendation, name: &str) -> String {
        format!("{name}-{}", recommendation.id)
    }

    /// The error for a recommendation's field, only on the form that was refused.
    pub fn error_for(&self, recommendation: &Recommendation, name: &str) -> Option<&str> {
        if self.refused == Some(recommendation.id) {
            self.errors.get(&self.field(recommendation, name))
        } else {
            None
        }
    }

    /// Decided, and not the form just refused: its form is folded away under "Change".
    pub fn settled(&self, recommendation: &Recommendation) -> bool {
        recommendation.triage_decision.is_some() && self.refused != Some(recommendation.id)
    }

    /// What a recommendation's form shows: typed values after a refusal, else what is saved.
    pub fn shown(&self, recommendation: &Recommendation) -> (String, String) {
        if self.refused == Some(recommendation.id) {
            (
                self.triage_form.decision.clone(),
                self.triage_form.rationale.clone(),
            )
        } else {
            (
                recommendation
                    .triage_decision
                    .map(|decision| decision.code().to_owned())
                    .unwrap_or_default(),
                recommendation.triage_rationale.clone(),
            )
        }
    }
}

fn decisions() -> Vec<(String, String)> {
    std::iter::once((String::new(), "Not triaged yet".to_owned()))
        .chain(
            TriageDecision::ALL
                .iter()
                .map(|decision| (decision.code().to_owned(), decision.label().to_owned())),
        )
        .collect()
}

async fn triage_page(
    state: &AppState,
    ctx: &Ctx,
    review: NationalReview,
    refused: Option<NationalRecommendationId>,
    triage_form: TriageForm,
    new_recommendation: String,
    errors: FormErrors,
) -> AppResult<TriagePage> {
    Ok(TriagePage {
        recommendations: store::recommendations_of(ctx.scope(state)?, review.id).await?,
        can_manage: ctx.user()?.can(Permission::ManageLearning),
        chrome: ctx.chrome(state).await?,
        decisions: decisions(),
        review,
        refused,
        triage_form,
        new_recommendation,
        errors,
    })
}

/// A route's `{id}` is one of the signed-in user's partnership's national reviews; another's
/// is not found.
impl Lookup for NationalReview {
    type Id = NationalReviewId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: NationalReviewId) -> AppResult<Option<Self>> {
        Ok(store::find_national_review(ctx.scope(state)?, id).await?)
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(review): Loaded<NationalReview>,
) -> AppResult<impl IntoResponse> {
    render(
        &triage_page(
            &state,
            &ctx,
            review,
            None,
            TriageForm::default(),
            String::new(),
            FormErrors::default(),
        )
        .await?,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecommendationForm {
    recommendation: String,
}

pub async fn add_recommendation(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(review): Loaded<NationalReview>,
    Form(form): Form<RecommendationForm>,
) -> AppResult<Response> {
    let id = review.id;
    let mut errors = FormErrors::default();
    let text = errors.required_text(
        "recommendation",
        "Recommendation",
        &form.recommendation,
        4000,
    );
    check_free_text(&mut errors, "recommendation", "The recommendation", &text);
    if !errors.is_empty() {
        return render_refused(
            &triage_page(
                &state,
                &ctx,
                review,
                None,
                TriageForm::default(),
                form.recommendation,
                errors,
            )
            .await?,
        );
    }
    let mut change = ctx.change(&state).await?;
    let recommendation_id = store::insert_recommendation(&mut change, &review, &text).await?;
    change.commit().await?;
    ctx.flash(&state, "Recommendation added").await?;
    Ok(Redirect::to(&format!(
        "/learning/triage/{id}#recommendation-{recommendation_id}"
    ))
    .into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, recommendation_id)): Path<(NationalReviewId, NationalRecommendationId)>,
    Form(form): Form<TriageForm>,
) -> AppResult<Response> {
    let review = NationalReview::look_up(&state, &ctx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let recommendation = store::find_recommendation(ctx.scope(&state)?, recommendation_id)
        .await?
        .filter(|recommendation| recommendation.national_review_id == id)
        .ok_or(AppError::NotFound)?;
    let mut checked = FormErrors::default();
    let decided = form.validate(&mut checked);
    let Some((decision, rationale)) = decided else {
        // Field ids carry the recommendation's id so each form's errors link to its own fields.
        let mut errors = FormErrors::default();
        for item in &checked.items {
            errors.add(
                &format!("{}-{recommendation_id}", item.field),
                item.message.clone(),
            );
        }
        return render_refused(
            &triage_page(
                &state,
                &ctx,
                review,
                Some(recommendation_id),
                form,
                String::new(),
                errors,
            )
            .await?,
        );
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    store::set_triage(
        &mut change,
        &review,
        &recommendation,
        decision,
        &rationale,
        &by,
    )
    .await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!("Recommendation triaged: {}", decision.label()),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/learning/triage/{id}#recommendation-{recommendation_id}"
    ))
    .into_response())
}
