//! MASA: the platform that runs a multi-agency Safeguarding Children Partnership.
//! Feature-first: one folder per module over a small kernel (see README "Code layout").
#![forbid(unsafe_code)]

pub mod accounts;
pub mod assurance;
pub mod audit_trail;
pub mod dataset;
pub mod demo;
pub mod home;
pub mod kernel;
pub mod learning;
pub mod partnership;
pub mod reports;
pub mod tracker;
pub mod training;

use std::sync::Arc;

use kernel::{
    AppState, NavEntry, Permission, Routes, config::Config, db::Db, report::ReportContribution,
    sources::SourceDirectory, work::WorkRegistry,
};

/// Every route of the application, with the permission each requires.
pub fn routes() -> Routes {
    kernel::routes()
        .merge(home::routes())
        .merge(accounts::routes())
        .merge(partnership::routes())
        .merge(dataset::routes())
        .merge(learning::routes())
        .merge(tracker::routes())
        .merge(tracker::risks::routes())
        .merge(tracker::policies::routes())
        .merge(reports::routes())
        .merge(assurance::routes())
        .merge(audit_trail::routes())
}

/// The service navigation, in order; each entry shows only to those who may use it.
pub fn navigation() -> Vec<NavEntry> {
    vec![
        NavEntry {
            label: "Home",
            href: "/",
            permission: Permission::SignedIn,
            summary: "",
            parent: None,
        },
        NavEntry {
            label: "Partnership",
            href: "/partnership",
            permission: Permission::ViewPartnership,
            summary: "Organisations, people, groups and their chairs, and the business plan's priorities and cross-cutting themes.",
            parent: None,
        },
        NavEntry {
            label: "Dataset",
            href: "/dataset",
            permission: Permission::ViewDataset,
            summary: "The multi-agency scorecard: each indicator's series, its run chart and its rating, and the indicator catalogue.",
            parent: None,
        },
        NavEntry {
            label: "Data drops",
            href: "/dataset/drops",
            permission: Permission::ViewDataDrops,
            summary: "Each organisation's quarterly figures and storyboard: prepare, submit, approve or return them.",
            parent: Some("/dataset"),
        },
        NavEntry {
            label: "Learning",
            href: "/learning",
            permission: Permission::ViewLearning,
            summary: "Serious incident notifications and their statutory clocks, learning reviews, findings and themes.",
            parent: None,
        },
        NavEntry {
            label: "Improvement tracker",
            href: "/tracker",
            permission: Permission::ViewTracker,
            summary: "Recommendations and the actions that answer them: owners, due dates, evidence and revisits.",
            parent: None,
        },
        NavEntry {
            label: "Risks",
            href: "/tracker/risks",
            permission: Permission::ViewRiskRegister,
            summary: "The partnership's risk register: scores, controls, the heat map and reviews.",
            parent: Some("/tracker"),
        },
        NavEntry {
            label: "Policies",
            href: "/tracker/policies",
            permission: Permission::ViewPolicies,
            summary: "Multi-agency policies and procedures: versions, approvals and review dates.",
            parent: Some("/tracker"),
        },
        NavEntry {
            label: "Assurance",
            href: "/assurance",
            permission: Permission::ViewAssurance,
            summary: "The section 11 and section 175 audits: frameworks, rounds and each organisation's return.",
            parent: None,
        },
        NavEntry {
            label: "Case-file audits",
            href: "/assurance/case-audits",
            permission: Permission::ViewAssurance,
            summary: "Multi-agency case-file audits: themed questions, cases by pseudonym, each agency's answers, round-tables, findings and re-audits.",
            parent: Some("/assurance"),
        },
        NavEntry {
            label: "Reports",
            href: "/reports",
            permission: Permission::ViewReports,
            summary: "The statutory yearly report and the quarterly board report, generated from the records, checked, commented on and approved.",
            parent: None,
        },
        NavEntry {
            label: "Admin",
            href: "/admin",
            permission: Permission::UseAdmin,
            summary: "",
            parent: None,
        },
        NavEntry {
            label: "Audit trail",
            href: "/audit-trail",
            permission: Permission::ViewAuditTrail,
            summary: "Every change to the partnership's records: who made it, when, and what it was before and after.",
            parent: Some("/admin"),
        },
        NavEntry {
            label: "Users",
            href: "/users",
            permission: Permission::ManageUsers,
            summary: "Create accounts, give roles, reset passwords and unlock accounts.",
            parent: Some("/admin"),
        },
    ]
}

/// What each module asks of a person, for their home page (kernel::work): a module whose
/// pages ask something of people registers its source here.
pub fn work() -> WorkRegistry {
    WorkRegistry::new()
        .with(learning::work::waiting)
        .with(dataset::work::waiting)
        .with(tracker::work::waiting)
        .with(tracker::risks::work::waiting)
        .with(tracker::policies::work::waiting)
        .with(assurance::work::waiting)
        .with(partnership::work::waiting)
        .with(audit_trail::work::waiting)
        .with(reports::work::waiting)
}

/// The records the improvement tracker can name as a recommendation's source, by kind: each
/// module that owns such records registers its resolvers here, so the tracker imports none.
pub fn sources() -> SourceDirectory {
    SourceDirectory::new()
        .merge(learning::sources())
        .merge(tracker::risks::sources())
        .merge(assurance::sources())
        .merge(assurance::case_audits::sources())
}

/// Each module's report figures and sections (kernel::report): a module whose records the
/// yearly or quarterly report prints registers its contribution here.
pub fn reports() -> ReportContribution {
    ReportContribution::new()
        .merge(reports::report_contribution())
        .merge(partnership::report::report_contribution())
        .merge(dataset::report::report_contribution())
        .merge(learning::report::report_contribution())
        .merge(tracker::report::report_contribution())
        .merge(tracker::risks::report::report_contribution())
        .merge(tracker::policies::report::report_contribution())
        .merge(assurance::report::report_contribution())
}

pub fn state(db: Db, config: Config) -> AppState {
    let sign_in_limiter = kernel::throttle::KeyedWindow::new(
        config.sign_in_attempts_per_ip,
        std::time::Duration::from_secs(60 * kernel::auth::SIGN_IN_WINDOW_MINUTES as u64),
    );
    AppState {
        db,
        sign_in_limiter: Arc::new(sign_in_limiter),
        config: Arc::new(config),
        navigation: Arc::new(navigation()),
        sources: Arc::new(sources()),
        work: Arc::new(work()),
        reports: Arc::new(reports()),
        cache: Arc::new(kernel::cache::RevisionCache::default()),
    }
}

/// The whole application as one axum router, with the kernel's layers.
pub fn app(state: AppState) -> axum::Router {
    kernel::http::with_layers(routes().into_router(), state)
}

/// Serves until Ctrl+C or SIGTERM, then finishes the requests in flight.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    on_listening: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    on_listening(listener.local_addr()?);
    let mailer = match kernel::outbox::Mailer::from_config(&state.config) {
        Some(Ok(mailer)) => Some(mailer),
        Some(Err(error)) => return Err(std::io::Error::other(error)),
        None => {
            tracing::warn!("MASA_SMTP_HOST is not set: e-mails wait in the outbox unsent");
            None
        }
    };
    let mail_db = state.db.clone();
    let delivery = tokio::spawn(async move {
        let Some(mailer) = mailer else { return };
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(error) = kernel::outbox::deliver_pending(&mail_db, &mailer, 100).await {
                tracing::warn!(%error, "could not read the e-mail outbox");
            }
        }
    });
    let db = state.db.clone();
    let session_limits = state.session_limits();
    let housekeeping = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(15 * 60));
        loop {
            every.tick().await;
            if let Err(error) = kernel::kept_forms::purge(&db).await {
                tracing::warn!(%error, "could not forget old kept forms");
            }
            if let Err(error) = kernel::post_redirect_get::purge(&db).await {
                tracing::warn!(%error, "could not forget old refused form pages");
            }
            if let Err(error) = kernel::auth::purge_expired(&db, session_limits).await {
                tracing::warn!(%error, "could not purge expired sessions");
            }
            let today = kernel::text::today();
            if let Err(error) = learning::queue_clock_warnings(&db, today).await {
                tracing::warn!(%error, "could not queue the statutory clock warnings");
            }
            if let Err(error) = assurance::queue_chasers(&db, today).await {
                tracing::warn!(%error, "could not queue the audit returns' chasers");
            }
            if let Err(error) = tracker::queue_weekly_digest(&db, today).await {
                tracing::warn!(%error, "could not queue the improvement tracker's weekly digest");
            }
        }
    });
    // The peer address feeds the per-address sign-in limit (kernel::throttle::ClientIp).
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    housekeeping.abort();
    delivery.abort();
    served
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
