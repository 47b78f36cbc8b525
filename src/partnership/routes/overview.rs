//! The partnership overview: counts, chair terms ending, the business plan in force.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use crate::kernel::filters;
use crate::kernel::text::today;
use crate::kernel::{AppResult, AppState, Chrome, Ctx, render};
use crate::partnership::model::*;
use crate::partnership::store;

#[derive(Template)]
#[template(path = "partnership/templates/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    counts: store::Counts,
    rotations_due: Vec<(Membership, RotationStatus)>,
    plan: Option<(BusinessPlan, Vec<PlanItem>)>,
}

pub async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let counts = store::counts(ctx.scope(&state)?).await?;
    let rotations_due = store::chair_rotations(ctx.scope(&state)?)
        .await?
        .into_iter()
        .filter_map(|membership| {
            let status = rotation_status(membership.term_ends_on?, today());
            (status != RotationStatus::Later).then_some((membership, status))
        })
        .collect();
    let plan = match store::list_plans(ctx.scope(&state)?, false)
        .await?
        .into_iter()
        .find(|plan| plan.starts_on <= today() && today() <= plan.ends_on)
    {
        Some(plan) => {
            let items = store::plan_items(ctx.scope(&state)?, plan.id).await?;
            Some((plan, items))
        }
        None => None,
    };
    render(&OverviewPage {
        chrome: ctx.chrome(&state).await?,
        counts,
        rotations_due,
        plan,
    })
}
