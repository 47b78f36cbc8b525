//! The home page (this file): where each signed-in person starts, with what needs their
//! attention, read through other modules' public functions.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use crate::kernel::{Access, AppResult, AppState, Chrome, Ctx, Permission, Routes, render};
use crate::partnership;

pub fn routes() -> Routes {
    Routes::new().get("/", Access::Requires(Permission::SignedIn), home)
}

#[derive(Template)]
#[template(path = "home/templates/home.html")]
struct HomePage {
    chrome: Chrome,
    name: String,
    roles: Vec<&'static str>,
    can_view_partnership: bool,
    can_view_audit_trail: bool,
    can_manage_users: bool,
    rotations_due: usize,
    /// Improvement tracker actions overdue, and completed ones due a revisit.
    tracker_attention: (usize, usize),
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let user = ctx.user()?;
    let can_view_partnership = user.can(Permission::ViewPartnership);
    let rotations_due = if can_view_partnership {
        partnership::rotations_due_count(ctx.scope(&state)?).await?
    } else {
        0
    };
    let tracker_attention = if user.can(Permission::ViewTracker) {
        crate::tracker::attention_counts(&state, user.partnership(), crate::kernel::text::today())
            .await?
    } else {
        (0, 0)
    };
    render(&HomePage {
        tracker_attention,
        name: user.display_name.clone(),
        roles: user.roles.iter().map(|role| role.label()).collect(),
        can_view_partnership,
        can_view_audit_trail: user.can(Permission::ViewAuditTrail),
        can_manage_users: user.can(Permission::ManageUsers),
        rotations_due,
        chrome: ctx.chrome(&state).await?,
    })
}
