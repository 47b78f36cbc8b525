//! Learning reviews: the list, the form, a review's page, archiving and restoring.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::super::model::*;
use super::super::store;
use super::{date_parts, form_pairs, value, values};
use crate::kernel::filters;
use crate::kernel::ids::{IncidentId, OrganisationId, ReviewId};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, render, render_refused,
};

fn review_form(pairs: &[(String, String)]) -> ReviewForm {
    ReviewForm {
        reference: value(pairs, "reference"),
        review_type: value(pairs, "review_type"),
        subject: value(pairs, "subject"),
        serious_incident_id: value(pairs, "serious_incident_id"),
        chair_role: value(pairs, "chair_role"),
        summary: value(pairs, "summary"),
        started_on: date_parts(pairs, "started_on"),
        completed_on: date_parts(pairs, "completed_on"),
        panel_response: value(pairs, "panel_response"),
        decision: value(pairs, "decision"),
        decision_rationale: value(pairs, "decision_rationale"),
        status: value(pairs, "status"),
        agencies: values(pairs, "agencies"),
    }
}

fn type_options(blank: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), blank.to_owned()))
        .chain(
            ReviewType::ALL
                .iter()
                .map(|kind| (kind.code().to_owned(), kind.label().to_owned())),
        )
        .collect()
}

fn status_options(blank: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), blank.to_owned()))
        .chain(
            ReviewStatus::ALL
                .iter()
                .map(|status| (status.code().to_owned(), status.label().to_owned())),
        )
        .collect()
}

#[derive(Template)]
#[template(path = "learning/templates/reviews.html")]
struct ReviewsPage {
    chrome: Chrome,
    reviews: Vec<LearningReview>,
    types: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    query: ReviewQuery,
    can_manage: bool,
    /// Always empty: the filter's selects share the form-field macros.
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewQuery {
    review_type: String,
    status: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReviewQuery>,
) -> AppResult<impl IntoResponse> {
    let reviews = store::list_reviews(
        ctx.scope(&state)?,
        ReviewType::from_code(&query.review_type),
        ReviewStatus::from_code(&query.status),
    )
    .await?;
    render(&ReviewsPage {
        can_manage: ctx.user()?.can(Permission::ManageLearning),
        chrome: ctx.chrome(&state).await?,
        reviews,
        types: type_options("All types"),
        statuses: status_options("All statuses"),
        query,
        errors: FormErrors::default(),
    })
}

#[derive(Template)]
#[template(path = "learning/templates/review_form.html")]
struct ReviewFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: ReviewForm,
    /// Some(review id) when editing.
    editing: Option<ReviewId>,
    types: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    decisions: Vec<(String, String)>,
    incidents: Vec<(String, String)>,
    /// (id, name, checked)
    agencies: Vec<(String, String, bool)>,
}

struct Choices {
    incidents: Vec<(IncidentId, String)>,
    organisations: Vec<(OrganisationId, String)>,
}

/// The partnership's own incidents and organisations: the only ones a review may name.
async fn choices(state: &AppState, ctx: &Ctx) -> AppResult<Choices> {
    let scope = ctx.scope(state)?;
    Ok(Choices {
        incidents: store::incident_choices(scope).await?,
        organisations: crate::partnership::organisation_choices(scope).await?,
    })
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    choices: Choices,
    form: ReviewForm,
    errors: FormErrors,
    editing: Option<ReviewId>,
) -> AppResult<ReviewFormPage> {
    let agencies = choices
        .organisations
        .iter()
        .map(|(id, name)| {
            let id = id.to_string();
            let checked = form.agencies.contains(&id);
            (id, name.clone(), checked)
        })
        .collect();
    Ok(ReviewFormPage {
        chrome: ctx.chrome(state).await?,
        errors,
        editing,
        types: type_options("Select the type of review"),
        statuses: status_options("Select the status"),
        decisions: DECISIONS
            .iter()
            .map(|(code, label)| ((*code).to_owned(), (*label).to_owned()))
            .collect(),
        incidents: std::iter::once((String::new(), "None".to_owned()))
            .chain(
                choices
                    .incidents
                    .into_iter()
                    .map(|(id, label)| (id.to_string(), label)),
            )
            .collect(),
        agencies,
        form,
    })
}

pub async fn new_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let form = ReviewForm {
        status: ReviewStatus::InProgress.code().to_owned(),
        ..ReviewForm::default()
    };
    let choices = choices(&state, &ctx).await?;
    render(&form_page(&state, &ctx, choices, form, FormErrors::default(), None).await?)
}

/// Checks a submitted review form, including that the reference is not another review's.
async fn check_review(
    state: &AppState,
    ctx: &Ctx,
    form: &ReviewForm,
    choices: &Choices,
    except: Option<ReviewId>,
) -> AppResult<(Option<ReviewDetails>, FormErrors)> {
    let mut errors = FormErrors::default();
    let incident_ids: Vec<IncidentId> = choices.incidents.iter().map(|(id, _)| *id).collect();
    let organisation_ids: Vec<OrganisationId> =
        choices.organisations.iter().map(|(id, _)| *id).collect();
    let details = form.validate(&mut errors, &incident_ids, &organisation_ids, today());
    if let Some(details) = &details
        && store::review_reference_taken(ctx.scope(state)?, &details.reference, except).await?
    {
        errors.add("reference", "A review with this reference already exists");
    }
    Ok((details.filter(|_| errors.is_empty()), errors))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let form = review_form(&form_pairs(&body)?);
    let choices = choices(&state, &ctx).await?;
    let (details, errors) = check_review(&state, &ctx, &form, &choices, None).await?;
    let Some(details) = details else {
        return render_refused(&form_page(&state, &ctx, choices, form, errors, None).await?);
    };
    let mut change = ctx.change(&state).await?;
    let id = store::insert_review(&mut change, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} recorded", details.reference))
        .await?;
    Ok(Redirect::to(&format!("/learning/reviews/{id}")).into_response())
}

/// A route's `{id}` is one of the signed-in user's partnership's reviews; another's is not
/// found.
impl Lookup for LearningReview {
    type Id = ReviewId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: ReviewId) -> AppResult<Option<Self>> {
        Ok(store::find_review(ctx.scope(state)?, id).await?)
    }
}

pub(super) fn refuse_if_archived(review: &LearningReview) -> AppResult<()> {
    if review.archived_at.is_some() {
        return Err(AppError::BadRequest(
            "This review is archived. Restore it before changing it.".into(),
        ));
    }
    Ok(())
}

pub async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(review): Loaded<LearningReview>,
) -> AppResult<impl IntoResponse> {
    refuse_if_archived(&review)?;
    let id = review.id;
    let agencies = store::review_agencies(ctx.scope(&state)?, id).await?;
    let form = ReviewForm::from_review(&review, &agencies);
    let choices = choices(&state, &ctx).await?;
    render(&form_page(&state, &ctx, choices, form, FormErrors::default(), Some(id)).await?)
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(review): Loaded<LearningReview>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    refuse_if_archived(&review)?;
    let id = review.id;
    let form = review_form(&form_pairs(&body)?);
    let choices = choices(&state, &ctx).await?;
    let (details, errors) = check_review(&state, &ctx, &form, &choices, Some(id)).await?;
    let Some(details) = details else {
        return render_refused(&form_page(&state, &ctx, choices, form, errors, Some(id)).await?);
    };
    let mut change = ctx.change(&state).await?;
    store::update_review(&mut change, &review, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} saved", details.reference))
        .await?;
    Ok(Redirect::to(&format!("/learning/reviews/{id}")).into_response())
}

async fn set_archived(
    state: &AppState,
    ctx: &Ctx,
    review: LearningReview,
    archived: bool,
) -> AppResult<Response> {
    let id = review.id;
    if review.archived_at.is_some() != archived {
        let (_, verb) = store::archive_words(archived);
        let mut change = ctx.change(state).await?;
        store::set_review_archived(&mut change, &review, archived).await?;
        change.commit().await?;
        ctx.flash(
            state,
            &format!("{} {}", review.reference, verb.to_lowercase()),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/learning/reviews/{id}")).into_response())
}

pub async fn archive(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(review): Loaded<LearningReview>,
) -> AppResult<Response> {
    set_archived(&state, &ctx, review, true).await
}

pub async fn restore(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(review): Loaded<LearningReview>,
) -> AppResult<Response> {
    set_archived(&state, &ctx, review, false).await
}

#[derive(Template)]
#[template(path = "learning/templates/review.html")]
pub(super) struct ReviewPage {
    chrome: Chrome,
    review: LearningReview,
    /// (id, "reference (subject)") of the notification it came from.
    incident: Option<(IncidentId, String)>,
    agencies: Vec<String>,
    findings: Vec<Finding>,
    /// (id, name, checked) for the finding form.
    themes: Vec<(String, String, bool)>,
    finding: String,
    errors: FormErrors,
    can_manage: bool,
    /// Recommendations from this review in the improvement tracker, and their actions.
    tracker_actions: crate::tracker::SourceActions,
    can_record: bool,
}

pub(super) async fn review_page_for(
    state: &AppState,
    ctx: &Ctx,
    review: LearningReview,
    finding: String,
    chosen_themes: &[String],
    errors: FormErrors,
) -> AppResult<ReviewPage> {
    let scope = ctx.scope(state)?;
    let incident = match review.serious_incident_id {
        Some(id) => store::find_incident(scope, id)
            .await?
            .map(|incident| (id, format!("{} ({})", incident.reference, incident.subject))),
        None => None,
    };
    let names = crate::partnership::organisation_names(scope).await?;
    let agencies = store::review_agencies(scope, review.id)
        .await?
        .into_iter()
        .map(|id| {
            names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("Organisation {id} (archived)"))
        })
        .collect();
    let themes = store::list_themes(scope, false)
        .await?
        .into_iter()
        .map(|theme| {
            let id = theme.id.to_string();
            let checked = chosen_themes.contains(&id);
            (id, theme.name, checked)
        })
        .collect();
    Ok(ReviewPage {
        tracker_actions: crate::tracker::actions_from(
            state,
            scope.partnership(),
            crate::tracker::model::SourceKind::LearningReview,
            review.id.get(),
        )
        .await?,
        can_record: ctx.user()?.can(Permission::ManageTracker),
        findings: store::findings_of_review(scope, review.id).await?,
        can_manage: ctx.user()?.can(Permission::ManageLearning),
        chrome: ctx.chrome(state).await?,
        review,
        incident,
        agencies,
        themes,
        finding,
        errors,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(review): Loaded<LearningReview>,
) -> AppResult<impl IntoResponse> {
    render(
        &review_page_for(
            &state,
            &ctx,
            review,
            String::new(),
            &[],
            FormErrors::default(),
        )
        .await?,
    )
}
