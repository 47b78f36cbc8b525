//! The kernel: plumbing every module uses and none of them owns. It never imports a module.

pub mod api_tokens;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod choices;
pub mod config;
pub mod db;
pub mod error;
pub mod files;
pub mod filters;
pub mod http;
pub mod ids;
pub mod kept_forms;
pub mod layout;
pub mod lookup;
pub mod outbox;
pub mod paging;
pub mod personal_data;
pub mod post_redirect_get;
pub mod private_files;
pub mod report;
pub mod roles;
pub mod routing;
pub mod sources;
pub mod store;
pub mod text;
pub mod throttle;
pub mod work;

use std::sync::Arc;

pub use error::{AppError, AppResult};
pub use layout::{Chrome, Ctx, NavEntry, render, render_refused};
pub use lookup::{Loaded, Lookup};
pub use roles::{Permission, Role};
pub use routing::{Access, Routes};
pub use store::{Change, Scope, Store};

#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub config: Arc<config::Config>,
    /// Service navigation, registered by the modules in the order shown.
    pub navigation: Arc<Vec<NavEntry>>,
    /// Who names a record the tracker points to, registered by the modules (see
    /// kernel::sources).
    pub sources: Arc<sources::SourceDirectory>,
    /// What each module asks of a person, for their home page (see kernel::work).
    pub work: Arc<work::WorkRegistry>,
    /// Each module's report figures and sections (see kernel::report).
    pub reports: Arc<report::ReportContribution>,
    /// Results kept until the data changes (see kernel::cache).
    pub cache: Arc<cache::RevisionCache>,
    /// Sign-in attempts per client address (see kernel::throttle).
    pub sign_in_limiter: Arc<throttle::KeyedWindow>,
}

impl AppState {
    pub fn session_limits(&self) -> auth::SessionLimits {
        auth::SessionLimits {
            absolute_hours: self.config.session_hours,
            idle_minutes: self.config.session_idle_minutes,
        }
    }
}

/// Kernel routes: assets and the health check.
pub fn routes() -> Routes {
    Routes::new()
        .get("/assets/{*path}", Access::Public, assets::serve)
        .get("/healthz", Access::Public, healthz)
        .get(
            "/kept-form",
            Access::Requires(Permission::SignedIn),
            kept_forms::kept_form_page,
        )
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, AppError> {
    sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(&state.db.pool)
        .await?;
    Ok("ok")
}
