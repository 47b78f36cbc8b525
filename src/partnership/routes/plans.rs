//! Business plans and their items (priorities and cross-cutting themes).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{can_manage, restore};
use crate::kernel::filters;
use crate::kernel::ids::{PlanId, PlanItemId};
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, render, render_refused,
};
use crate::partnership::model::*;
use crate::partnership::store::{self, Record};

#[derive(Template)]
#[template(path = "partnership/templates/plan_list.html")]
struct PlanListPage {
    chrome: Chrome,
    plans: Vec<BusinessPlan>,
    can_manage: bool,
}

pub async fn plan_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let plans = store::list_plans(ctx.scope(&state)?, false).await?;
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
    editing: Option<PlanId>,
) -> AppResult<(FormErrors, Option<BusinessPlanDetails>)> {
    let mut errors = FormErrors::default();
    let details = form.validate(&mut errors);
    if let Some(details) = &details
        && store::plan_name_taken(ctx.scope(state)?, &details.name, editing).await?
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
    let mut change = ctx.change(&state).await?;
    let id = store::create_plan(&mut change, &details).await?;
    change.commit().await?;
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

/// A route's `{id}` is one of the signed-in user's partnership's business plans; another's is
/// not found.
impl Lookup for BusinessPlan {
    type Id = PlanId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: PlanId) -> AppResult<Option<Self>> {
        Ok(store::find_plan(ctx.scope(state)?, id).await?)
    }
}

pub async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(plan): Loaded<BusinessPlan>,
) -> AppResult<impl IntoResponse> {
    let (priorities, themes) = store::plan_items(ctx.scope(&state)?, plan.id)
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

/// The plan, if not archived: an archived plan is refused, not changed.
fn live_plan(plan: BusinessPlan) -> AppResult<BusinessPlan> {
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
    Loaded(plan): Loaded<BusinessPlan>,
) -> AppResult<impl IntoResponse> {
    let plan = live_plan(plan)?;
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
    Loaded(plan): Loaded<BusinessPlan>,
    Form(form): Form<BusinessPlanForm>,
) -> AppResult<Response> {
    let plan = live_plan(plan)?;
    let id = plan.id;
    let (errors, details) = validate_plan(&state, &ctx, &form, Some(id)).await?;
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return render_refused(&PlanFormPage {
            chrome: ctx.chrome(&state).await?,
            errors,
            form,
            plan: Some(plan),
        });
    };
    let mut change = ctx.change(&state).await?;
    store::update_plan(&mut change, &plan, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.name))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

pub async fn archive_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(plan): Loaded<BusinessPlan>,
) -> AppResult<Response> {
    if plan.archived_at.is_none() {
        let mut change = ctx.change(&state).await?;
        store::archive_plan(&mut change, &plan).await?;
        change.commit().await?;
        ctx.flash(&state, &format!("{} archived", plan.name))
            .await?;
    }
    Ok(Redirect::to("/partnership/business-plans").into_response())
}

pub async fn restore_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PlanId>,
) -> AppResult<Response> {
    restore(&state, &ctx, Record::Plan(id), "business-plans").await
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
    Loaded(plan): Loaded<BusinessPlan>,
    Query(query): Query<ItemQuery>,
) -> AppResult<impl IntoResponse> {
    let plan = live_plan(plan)?;
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
    Loaded(plan): Loaded<BusinessPlan>,
    Form(form): Form<PlanItemForm>,
) -> AppResult<Response> {
    let plan = live_plan(plan)?;
    let id = plan.id;
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
    let mut change = ctx.change(&state).await?;
    store::create_item(&mut change, &plan, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} added", details.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

/// An item of this plan; an item id from another plan in the URL is refused.
async fn plan_item(
    state: &AppState,
    ctx: &Ctx,
    plan_id: PlanId,
    item_id: PlanItemId,
) -> AppResult<(BusinessPlan, PlanItem)> {
    let plan = BusinessPlan::look_up(state, ctx, plan_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = live_plan(plan)?;
    let item = store::find_item(ctx.scope(state)?, item_id)
        .await?
        .filter(|item| item.business_plan_id == plan_id && item.archived_at.is_none())
        .ok_or(AppError::NotFound)?;
    Ok((plan, item))
}

pub async fn edit_item_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, item_id)): Path<(PlanId, PlanItemId)>,
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
    Path((id, item_id)): Path<(PlanId, PlanItemId)>,
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
    let mut change = ctx.change(&state).await?;
    store::update_item(&mut change, &item, &details).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} updated", details.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}

pub async fn archive_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, item_id)): Path<(PlanId, PlanItemId)>,
) -> AppResult<Response> {
    let (_, item) = plan_item(&state, &ctx, id, item_id).await?;
    let mut change = ctx.change(&state).await?;
    store::archive_item(&mut change, &item).await?;
    change.commit().await?;
    ctx.flash(&state, &format!("{} archived", item.kind.label()))
        .await?;
    Ok(Redirect::to(&format!("/partnership/business-plans/{id}")).into_response())
}
