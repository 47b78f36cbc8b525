//! The home page (this file): where each signed-in person starts. It shows what is waiting for
//! them, gathered from every module's registered source (kernel::work, registered in
//! `src/lib.rs`), most urgent first; then a card for each area they may use.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use crate::kernel::auth::CurrentUser;
use crate::kernel::text::today;
use crate::kernel::work::WorkItem;
use crate::kernel::{
    Access, AppResult, AppState, Chrome, Ctx, NavEntry, Permission, Role, Routes, render,
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/", Access::Requires(Permission::SignedIn), home)
        .get("/admin", Access::Requires(Permission::UseAdmin), admin)
}

#[derive(Template)]
#[template(path = "home/templates/home.html")]
struct HomePage<'a> {
    chrome: Chrome,
    name: String,
    roles: Vec<&'static str>,
    waiting: std::sync::Arc<Vec<WorkItem>>,
    /// When nothing is waiting: what this person will do here, and who to ask.
    nothing_waiting: &'static str,
    cards: Vec<&'a NavEntry>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let user = ctx.user()?;
    let waiting = state.work.waiting_for(&state, user, today()).await?;
    let cards = state
        .navigation
        .iter()
        .filter(|entry| !entry.summary.is_empty() && user.can(entry.permission))
        .collect();
    render(&HomePage {
        name: user.display_name.clone(),
        roles: user.roles.iter().map(|role| role.label()).collect(),
        waiting,
        nothing_waiting: nothing_waiting(user),
        cards,
        chrome: ctx.chrome(&state).await?,
    })
}

/// The empty state, by the person's main role: what they will be asked to do here.
fn nothing_waiting(user: &CurrentUser) -> &'static str {
    let has = |role| user.roles.contains(&role);
    if has(Role::BusinessUnitAdmin) {
        "Nothing is overdue or due soon. Clocks, data drops, reviews and actions that need the business unit will appear here."
    } else if has(Role::PartnerDataLead) {
        "Nothing is waiting for your organisation. Data drops to prepare, returned drops and your organisation's improvement actions will appear here."
    } else if has(Role::GroupChair) {
        "Nothing is waiting for you. Your group's overdue actions and the end of your term as chair will appear here."
    } else if has(Role::IndependentScrutineer) {
        "Nothing has changed since your last visit. Changes others make to the partnership's records will be counted here."
    } else if has(Role::AuditRespondent) {
        "Nothing is waiting for you yet. When the partnership runs a section 11 or section 175 audit, your organisation's return will appear here. Ask the partnership business unit if you expected one."
    } else {
        "Nothing is waiting for you. Here you can read the partnership's multi-agency policies and procedures. Ask the partnership business unit if you need more access."
    }
}

#[derive(Template)]
#[template(path = "home/templates/admin.html")]
struct AdminPage<'a> {
    chrome: Chrome,
    cards: Vec<&'a NavEntry>,
}

/// The Admin entry's page: the administrative areas this person may use, as cards.
async fn admin(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let user = ctx.user()?;
    let cards: Vec<&NavEntry> = state
        .navigation
        .iter()
        .filter(|entry| entry.parent == Some("/admin") && user.can(entry.permission))
        .collect();
    render(&AdminPage {
        cards,
        chrome: ctx.chrome(&state).await?,
    })
}
