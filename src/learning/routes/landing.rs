//! The learning landing page: counts and the clocks needing attention.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use super::super::model::*;
use super::super::store;
use crate::kernel::text::today;
use crate::kernel::{AppResult, AppState, Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "learning/templates/landing.html")]
struct LandingPage {
    chrome: Chrome,
    /// Clocks due within 2 working days or breached: (incident, clock).
    attention: Vec<(SeriousIncident, Clock)>,
    notifications: usize,
    open_reviews: usize,
    untriaged: i64,
}

pub async fn landing(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let calendar = crate::learning::calendar(&state.db).await?;
    let incidents = store::list_incidents(scope).await?;
    let notifications = incidents.len();
    let attention = incidents
        .into_iter()
        .flat_map(|incident| {
            clocks(&incident, &calendar, today())
                .into_iter()
                .filter(|clock| warning_for(clock).is_some())
                .map(|clock| (incident.clone(), clock))
                .collect::<Vec<_>>()
        })
        .collect();
    let open_reviews = store::list_reviews(scope, None, None)
        .await?
        .iter()
        .filter(|review| !review.status.is_finished())
        .count();
    let untriaged = store::list_national_reviews(scope)
        .await?
        .iter()
        .map(|(_, _, untriaged)| untriaged)
        .sum();
    render(&LandingPage {
        chrome: ctx.chrome(&state).await?,
        attention,
        notifications,
        open_reviews,
        untriaged,
    })
}
