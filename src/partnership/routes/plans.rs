//! Business plans and their items (priorities and cross-cutting themes).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{can_manage, record, restore};
use crate::kernel::audit::{AuditAction, snapshot};
use crate::kernel::text::FormErrors;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render, render_refused};
use crate::partnership::model::*;
use crate::partnership::store::{self, Table};

// ---- business plans ----

#[derive(Template)]
#[template(path = "partnership/templates/plan_list.html")]
struct PlanListPage {
    chrome: Chrome,
    plans: Vec<BusinessPlan>,
    can_manage: bool,
}

pub async fn plan_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let plans = store::list_plans(&state.db, ctx.partnership()?, false).await?;
    render(&PlanListPage {
        can_manage: can_manage(ctx.user()?),
        chrome: ctx.chrome(&state).await?,
        plans,
    })
}

#[derive(Template)]
#[template(path = "partnership/templates/plan_form.html")]
struct PlanFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: BusinessPlanForm,
    plan: Option<BusinessPlan>,
}

async fn validate_plan(
    state: &AppState,
    ctx: &Ctx,
    form: &BusinessPlanForm,
    editing: Option<i64>,
) -> AppResult<(FormErrors, Option<BusinessPlanDetails>)> {
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    if let Some(details) = &details
        && store::plan_name_taken(&state.db, ctx.partnership()?, &details.name, editing).await?
    {
        errors.add("name", "A business plan with this name already exists");
    }
    Ok((errors, details))
}

pub async fn new_plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<impl IntoResponse> {
    render(&PlanFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: BusinessPlanForm::default(),
        plan: None,
    })
}

pub async fn create_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<BusinessPlanForm>,
) -> AppResult<Response> {
    let (errors, details) = validate_plan(&state, &ctx, &form, None).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&PlanFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan: None,
        });
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_plan(&mut tx, ctx.partnership()?, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("business_plan", id),
        format!("Created {}", details.name),
        None,
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "{} created. Add its priorities and cross-cutting themes.",
            details.name
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "partnership/templates/plan.html")]
struct PlanPage {
    chrome: Chrome,
    plan: BusinessPlan,
    priorities: Vec<PlanItem>,
    themes: Vec<PlanItem>,
    can_manage: bool,
}

pub async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let plan = store::find_plan(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (priorities, themes) = store::plan_items(&state.db, id)
        .await?
        .into_iter()
        .partition(|item| item.kind == PlanItemKind::Priority);
    render(&PlanPage {
        can_manage: can_manage(ctx.user()?),
        chrome: ctx.chrome(&state).await?,
        plan,
        priorities,
        themes,
    })
}

async fn live_plan(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<BusinessPlan> {
    let plan = store::find_plan(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if plan.archived_at.is_some() {
        return Err(AppError::BadRequest(
            "This business plan is archived.".into(),
        ));
    }
    Ok(plan)
}

pub async fn edit_plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let plan = live_plan(&state, &ctx, id).await?;
    render(&PlanFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: BusinessPlanForm::from_plan(&plan),
        plan: Some(plan),
    })
}

pub async fn update_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<BusinessPlanForm>,
) -> AppResult<Response> {
    let plan = live_plan(&state, &ctx, id).await?;
    let (errors, details) = validate_plan(&state, &ctx, &form, Some(id)).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&PlanFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan: Some(plan),
        });
    };
    let before = BusinessPlanDetails {
        name: plan.name.clone(),
        starts_on: plan.starts_on,
        ends_on: plan.ends_on,
    };
    let mut tx = state.db.begin_write().await?;
    store::update_plan(&mut tx, id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("business_plan", id),
        format!("Updated {}", details.name),
        Some(snapshot(&before)),
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

pub async fn archive_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let plan = store::find_plan(&state.db, ctx.partnership()?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if plan.archived_at.is_none() {
        let mut tx = state.db.begin_write().await?;
        store::archive(&mut tx, Table::BusinessPlans, id).await?;
        record(
            &mut tx,
            &ctx,
            AuditAction::Archive,
            ("business_plan", id),
            format!("Archived {}", plan.name),
            Some(snapshot(&plan)),
            None,
        )
        .await?;
        tx.commit().await?;
        ctx.flash(&state, &format!("{} archived", plan.name))
            .await?;
    }
    Ok(Redirect::to("/partnership/business-plans").into_response())
}

pub async fn restore_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    restore(
        &state,
        &ctx,
        Table::BusinessPlans,
        ("business_plan", id),
        "business-plans",
    )
    .await
}

#[derive(Template)]
#[template(path = "partnership/templates/item_form.html")]
struct ItemFormPage {
    chrome: Chrome,
    errors: FormErrors,
    form: PlanItemForm,
    plan: BusinessPlan,
    item: Option<PlanItem>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ItemQuery {
    kind: String,
}

pub async fn new_item_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<ItemQuery>,
) -> AppResult<impl IntoResponse> {
    let plan = live_plan(&state, &ctx, id).await?;
    let form = PlanItemForm {
        kind: query.kind,
        ..PlanItemForm::default()
    };
    render(&ItemFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form,
        plan,
        item: None,
    })
}

pub async fn create_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PlanItemForm>,
) -> AppResult<Response> {
    let plan = live_plan(&state, &ctx, id).await?;
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors) else {
        return render_refused(&ItemFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan,
            item: None,
        });
    };
    let mut tx = state.db.begin_write().await?;
    let item_id = store::insert_item(&mut tx, id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Create,
        ("business_plan_item", item_id),
        format!(
            "Added {} to {}: {}",
            details.kind.label().to_lowercase(),
            plan.name,
            details.title
        ),
        None,
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} added", details.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

/// An item of this plan; an item id from another plan in the URL is refused.
async fn plan_item(
    state: &AppState,
    ctx: &Ctx,
    plan_id: i64,
    item_id: i64,
) -> AppResult<(BusinessPlan, PlanItem)> {
    let plan = live_plan(state, ctx, plan_id).await?;
    let item = store::find_item(&state.db, ctx.partnership()?, item_id)
        .await?
        .filter(|item| item.business_plan_id == plan_id && item.archived_at.is_none())
        .ok_or(AppError::NotFound)?;
    Ok((plan, item))
}

pub async fn edit_item_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, item_id)): Path<(i64, i64)>,
) -> AppResult<impl IntoResponse> {
    let (plan, item) = plan_item(&state, &ctx, id, item_id).await?;
    render(&ItemFormPage {
        chrome: ctx.chrome(&state).await?,
        errors: FormErrors::default(),
        form: PlanItemForm::from_item(&item),
        plan,
        item: Some(item),
    })
}

pub async fn update_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, item_id)): Path<(i64, i64)>,
    Form(form): Form<PlanItemForm>,
) -> AppResult<Response> {
    let (plan, item) = plan_item(&state, &ctx, id, item_id).await?;
    let mut errors = FormErrors::default();
    let Some(details) = form.validate(&mut errors) else {
        return render_refused(&ItemFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan,
            item: Some(item),
        });
    };
    let before = PlanItemDetails {
        kind: item.kind,
        title: item.title.clone(),
        description: item.description.clone(),
    };
    let mut tx = state.db.begin_write().await?;
    store::update_item(&mut tx, item_id, &details).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Update,
        ("business_plan_item", item_id),
        format!(
            "Updated {}: {}",
            details.kind.label().to_lowercase(),
            details.title
        ),
        Some(snapshot(&before)),
        Some(snapshot(&details)),
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

pub async fn archive_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, item_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (_, item) = plan_item(&state, &ctx, id, item_id).await?;
    let mut tx = state.db.begin_write().await?;
    store::archive(&mut tx, Table::PlanItems, item_id).await?;
    record(
        &mut tx,
        &ctx,
        AuditAction::Archive,
        ("business_plan_item", item_id),
        format!(
            "Archived {}: {}",
            item.kind.label().to_lowercase(),
            item.title
        ),
        Some(snapshot(&item)),
        None,
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&state, &format!("{} archived", item.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}
