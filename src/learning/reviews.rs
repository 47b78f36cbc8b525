//! Learning review pages: the list, a review with its findings, the form, archiving, and the
//! themes across reviews. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::model::*;
use super::store;
use crate::kernel::audit::{self, AuditAction, AuditEntry, snapshot};
use crate::kernel::text::{DateParts, FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Permission, render, render_refused,
};

/// Reads a form by hand when several fields share one name (checkboxes).
pub(super) fn form_pairs(body: &[u8]) -> AppResult<Vec<(String, String)>> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))
}

fn value(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

fn values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .collect()
}

fn date_parts(pairs: &[(String, String)], name: &str) -> DateParts {
    DateParts {
        day: value(pairs, &format!("{name}_day")),
        month: value(pairs, &format!("{name}_month")),
        year: value(pairs, &format!("{name}_year")),
    }
}

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
        &state.db,
        ctx.partnership()?,
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
    editing: Option<i64>,
    types: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    decisions: Vec<(String, String)>,
    incidents: Vec<(String, String)>,
    /// (id, name, checked)
    agencies: Vec<(String, String, bool)>,
}

struct Choices {
    incidents: Vec<(i64, String)>,
    organisations: Vec<(i64, String)>,
}

/// The partnership's own incidents and organisations: the only ones a review may name.
async fn choices(state: &AppState, ctx: &Ctx) -> AppResult<Choices> {
    let partnership = ctx.partnership()?;
    Ok(Choices {
        incidents: store::incident_choices(&state.db, partnership).await?,
        organisations: crate::partnership::organisation_choices(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership),
        ))
        .await?
        .into_iter()
        .map(|(id, name)| (id.get(), name))
        .collect(),
    })
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    choices: Choices,
    form: ReviewForm,
    errors: FormErrors,
    editing: Option<i64>,
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
    except: Option<i64>,
) -> AppResult<(Option<ReviewDetails>, FormErrors)> {
    let mut errors = FormErrors::default();
    let incident_ids: Vec<i64> = choices.incidents.iter().map(|(id, _)| *id).collect();
    let organisation_ids: Vec<i64> = choices.organisations.iter().map(|(id, _)| *id).collect();
    let details = form.validate(&mut errors, &incident_ids, &organisation_ids, today());
    if let Some(details) = &details
        && store::review_reference_taken(&state.db, ctx.partnership()?, &details.reference, except)
            .await?
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
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_review(&mut tx, ctx.partnership()?, &details).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "learning_review",
            entity_id: Some(id),
            summary: format!(
                "Recorded {} {} ({})",
                details.review_type.label().to_lowercase(),
                details.reference,
                details.subject
            ),
            before: None,
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} recorded", details.reference))
        .await?;
    Ok(Redirect::to(&format!("/learning/reviews/{id}")).into_response())
}

/// One of the signed-in user's partnership's reviews; another's is not found.
async fn find(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<LearningReview> {
    store::find_review(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn refuse_if_archived(review: &LearningReview) -> AppResult<()> {
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let review = find(&state, &ctx, id).await?;
    refuse_if_archived(&review)?;
    let agencies = store::review_agencies(&state.db, id).await?;
    let form = ReviewForm::from_review(&review, &agencies);
    let choices = choices(&state, &ctx).await?;
    render(&form_page(&state, &ctx, choices, form, FormErrors::default(), Some(id)).await?)
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let review = find(&state, &ctx, id).await?;
    refuse_if_archived(&review)?;
    let form = review_form(&form_pairs(&body)?);
    let choices = choices(&state, &ctx).await?;
    let (details, errors) = check_review(&state, &ctx, &form, &choices, Some(id)).await?;
    let Some(details) = details else {
        return render_refused(&form_page(&state, &ctx, choices, form, errors, Some(id)).await?);
    };
    let agencies = store::review_agencies(&state.db, id).await?;
    let mut tx = state.db.begin_write().await?;
    store::update_review(&mut tx, id, &details).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "learning_review",
            entity_id: Some(id),
            summary: format!("Updated {} ({})", details.reference, details.subject),
            before: Some(serde_json::json!({ "review": snapshot(&review), "agencies": agencies })),
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} saved", details.reference))
        .await?;
    Ok(Redirect::to(&format!("/learning/reviews/{id}")).into_response())
}

async fn set_archived(state: &AppState, ctx: &Ctx, id: i64, archived: bool) -> AppResult<Response> {
    let review = find(state, ctx, id).await?;
    if review.archived_at.is_some() != archived {
        let (action, verb) = if archived {
            (AuditAction::Archive, "Archived")
        } else {
            (AuditAction::Restore, "Restored")
        };
        let mut tx = state.db.begin_write().await?;
        store::set_review_archived(&mut tx, id, archived).await?;
        audit::record(
            &mut tx,
            &ctx.actor()?,
            AuditEntry {
                action,
                entity_type: "learning_review",
                entity_id: Some(id),
                summary: format!("{verb} {} ({})", review.reference, review.subject),
                before: Some(serde_json::json!({ "archived_at": review.archived_at })),
                after: Some(serde_json::json!({ "archived": archived })),
            },
        )
        .await?;
        tx.commit().await?;
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
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_archived(&state, &ctx, id, true).await
}

pub async fn restore(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_archived(&state, &ctx, id, false).await
}

#[derive(Template)]
#[template(path = "learning/templates/review.html")]
struct ReviewPage {
    chrome: Chrome,
    review: LearningReview,
    /// (id, "reference (subject)") of the notification it came from.
    incident: Option<(i64, String)>,
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

async fn review_page_for(
    state: &AppState,
    ctx: &Ctx,
    review: LearningReview,
    finding: String,
    chosen_themes: &[String],
    errors: FormErrors,
) -> AppResult<ReviewPage> {
    let partnership = ctx.partnership()?;
    let incident = match review.serious_incident_id {
        Some(id) => store::find_incident(&state.db, partnership, id)
            .await?
            .map(|incident| (id, format!("{} ({})", incident.reference, incident.subject))),
        None => None,
    };
    let names: std::collections::HashMap<i64, String> =
        crate::partnership::organisation_names(crate::kernel::Scope::new(
            &state.db,
            crate::kernel::ids::PartnershipId::new(partnership),
        ))
        .await?
        .into_iter()
        .map(|(id, name)| (id.get(), name))
        .collect();
    let agencies = store::review_agencies(&state.db, review.id)
        .await?
        .into_iter()
        .map(|id| {
            names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("Organisation {id} (archived)"))
        })
        .collect();
    let themes = store::list_themes(&state.db, partnership, false)
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
            ctx.partnership()?,
            crate::tracker::model::SourceKind::LearningReview,
            review.id,
        )
        .await?,
        can_record: ctx.user()?.can(Permission::ManageTracker),
        findings: store::findings_of_review(&state.db, review.id).await?,
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
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let review = find(&state, &ctx, id).await?;
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

pub async fn add_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> AppResult<Response> {
    let review = find(&state, &ctx, id).await?;
    refuse_if_archived(&review)?;
    let pairs = form_pairs(&body)?;
    let finding = value(&pairs, "finding");
    let chosen = values(&pairs, "themes");
    // Only the partnership's own themes, not archived, may tag a finding.
    let known: Vec<i64> = store::list_themes(&state.db, ctx.partnership()?, false)
        .await?
        .iter()
        .map(|theme| theme.id)
        .collect();
    let mut errors = FormErrors::default();
    let Some(details) = check_finding(&finding, &chosen, &known, &mut errors) else {
        return render_refused(
            &review_page_for(&state, &ctx, review, finding, &chosen, errors).await?,
        );
    };
    let mut tx = state.db.begin_write().await?;
    let finding_id = store::insert_finding(&mut tx, id, &details).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "learning_finding",
            entity_id: Some(finding_id),
            summary: format!("Added a finding to {}", review.reference),
            before: None,
            after: Some(snapshot(&details)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, "Finding added").await?;
    Ok(Redirect::to(&format!("/learning/reviews/{id}#findings")).into_response())
}

pub async fn archive_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, finding_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let review = find(&state, &ctx, id).await?;
    let Some((_, review_id, text, archived)) =
        store::find_finding(&state.db, ctx.partnership()?, finding_id).await?
    else {
        return Err(AppError::NotFound);
    };
    if review_id != id {
        return Err(AppError::NotFound);
    }
    if !archived {
        let mut tx = state.db.begin_write().await?;
        store::archive_finding(&mut tx, finding_id).await?;
        audit::record(
            &mut tx,
            &ctx.actor()?,
            AuditEntry {
                action: AuditAction::Archive,
                entity_type: "learning_finding",
                entity_id: Some(finding_id),
                summary: format!("Archived a finding of {}", review.reference),
                before: Some(serde_json::json!({ "finding": text })),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        ctx.flash(&state, "Finding archived").await?;
    }
    Ok(Redirect::to(&format!("/learning/reviews/{id}#findings")).into_response())
}

#[derive(Template)]
#[template(path = "learning/templates/themes.html")]
struct ThemesPage {
    chrome: Chrome,
    year: String,
    years: Vec<(String, String)>,
    counts: Vec<ThemeCount>,
    reviews_in_year: usize,
    chart: String,
    chart_text: String,
    themes: Vec<Theme>,
    errors: FormErrors,
    form: ThemeForm,
    can_manage_themes: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThemesQuery {
    year: String,
}

/// `year` None: the latest year with tagged findings (see `model::default_year`).
async fn themes_page(
    state: &AppState,
    ctx: &Ctx,
    year: Option<FinancialYear>,
    errors: FormErrors,
    form: ThemeForm,
) -> AppResult<ThemesPage> {
    let partnership = ctx.partnership()?;
    let tags = store::theme_tags(&state.db, partnership).await?;
    let year = year.unwrap_or_else(|| default_year(&tags, today()));
    let mut years: Vec<FinancialYear> = tags
        .iter()
        .map(|tag| FinancialYear::containing(tag.review_period_date))
        .chain([year, FinancialYear::containing(today())])
        .collect();
    years.sort();
    years.dedup();
    years.reverse();
    let counts = themes_across_reviews(&tags, year);
    let mut reviews_in_year: Vec<i64> = tags
        .iter()
        .filter(|tag| year.contains(tag.review_period_date))
        .map(|tag| tag.review_id)
        .collect();
    reviews_in_year.sort_unstable();
    reviews_in_year.dedup();
    let bars: Vec<(String, f64)> = counts
        .iter()
        .map(|count| (count.name.clone(), count.reviews.len() as f64))
        .collect();
    let title = format!("Themes across learning reviews, {}", year.label());
    Ok(ThemesPage {
        chart: masa_charts::bar_chart_svg(&title, &bars, "themes"),
        chart_text: format!(
            "{title}: number of reviews in which each theme was found. {}",
            masa_charts::bar_chart_text_alternative(&bars)
        ),
        year: year.label(),
        years: years
            .into_iter()
            .map(|year| (year.label(), year.label()))
            .collect(),
        counts,
        reviews_in_year: reviews_in_year.len(),
        themes: store::list_themes(&state.db, partnership, true).await?,
        can_manage_themes: ctx.user()?.can(Permission::ManageThemes),
        chrome: ctx.chrome(state).await?,
        errors,
        form,
    })
}

pub async fn themes(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ThemesQuery>,
) -> AppResult<impl IntoResponse> {
    let year = FinancialYear::parse(&query.year);
    render(
        &themes_page(
            &state,
            &ctx,
            year,
            FormErrors::default(),
            ThemeForm::default(),
        )
        .await?,
    )
}

pub async fn add_theme(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ThemeForm>,
) -> AppResult<Response> {
    let partnership = ctx.partnership()?;
    let mut errors = FormErrors::default();
    let theme = form.validate(&mut errors);
    if let Some(theme) = &theme
        && store::theme_name_taken(&state.db, partnership, &theme.name).await?
    {
        errors.add("name", "This theme is already on the list");
    }
    let Some(theme) = theme.filter(|_| errors.is_empty()) else {
        return render_refused(&themes_page(&state, &ctx, None, errors, form).await?);
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_theme(&mut tx, partnership, &theme).await?;
    audit::record(
        &mut tx,
        &ctx.actor()?,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "learning_theme",
            entity_id: Some(id),
            summary: format!("Added the theme {}", theme.name),
            before: None,
            after: Some(snapshot(&theme)),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} added to the themes", theme.name))
        .await?;
    Ok(Redirect::to("/learning/themes#theme-list").into_response())
}

async fn set_theme_archived(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    archived: bool,
) -> AppResult<Response> {
    let theme = store::find_theme(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if theme.archived_at.is_some() != archived {
        let (action, verb) = if archived {
            (AuditAction::Archive, "Archived")
        } else {
            (AuditAction::Restore, "Restored")
        };
        let mut tx = state.db.begin_write().await?;
        store::set_theme_archived(&mut tx, id, archived).await?;
        audit::record(
            &mut tx,
            &ctx.actor()?,
            AuditEntry {
                action,
                entity_type: "learning_theme",
                entity_id: Some(id),
                summary: format!("{verb} the theme {}", theme.name),
                before: Some(serde_json::json!({ "archived_at": theme.archived_at })),
                after: Some(serde_json::json!({ "archived": archived })),
            },
        )
        .await?;
        tx.commit().await?;
        ctx.flash(state, &format!("{verb} the theme {}", theme.name))
            .await?;
    }
    Ok(Redirect::to("/learning/themes#theme-list").into_response())
}

pub async fn archive_theme(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_theme_archived(&state, &ctx, id, true).await
}

pub async fn restore_theme(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_theme_archived(&state, &ctx, id, false).await
}
