//! The kernel's promises: headers, health, assets, CSRF, the append-only audit trail.

use crate::on_both_backends;
use axum::http::StatusCode;

on_both_backends!(health_assets_and_security_headers, |app| {
    let mut browser = app.browser();
    let health = browser.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, "ok");

    let page = browser.get("/sign-in").await;
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(
        !csp.contains("unsafe-inline"),
        "CSP must not allow inline code: {csp}"
    );
    assert_eq!(
        page.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "same-origin");
    assert!(
        page.headers.get("x-request-id").is_some(),
        "every response carries its request id"
    );
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(
            cookie.contains(flag),
            "session cookie lacks {flag}: {cookie}"
        );
    }
    // The page has no inline script for the CSP to block.
    assert!(!page.body.contains("<script>"));

    let css = browser.get("/assets/govuk-frontend.min.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers.get("content-type").unwrap(), "text/css");
    let font = browser.get("/assets/fonts/bold-b542beb274-v2.woff2").await;
    assert_eq!(font.status, StatusCode::OK);
    assert_eq!(
        browser.get("/assets/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser.get("/no-such-page").await.status,
        StatusCode::NOT_FOUND
    );
});

on_both_backends!(posts_without_the_session_csrf_token_change_nothing, |app| {
    let app_with_demo = app;
    masa::demo::load(&app_with_demo.db).await.unwrap();
    let mut admin = app_with_demo.signed_in("admin@masa.example").await;
    let before = app_with_demo
        .count("SELECT COUNT(*) FROM organisations")
        .await;
    let fields = [
        ("name", "Forged Agency"),
        ("kind", "other"),
        ("sector", "Other"),
        ("active_from_day", "1"),
        ("active_from_month", "4"),
        ("active_from_year", "2024"),
    ];
    let missing = admin
        .post_raw("/partnership/organisations/new", &fields)
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    missing.assert_contains("Your form could not be accepted");
    let mut wrong = vec![("csrf_token", "0000")];
    wrong.extend_from_slice(&fields);
    assert_eq!(
        admin
            .post_raw("/partnership/organisations/new", &wrong)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A token from another session is no good either.
    let mut other = app_with_demo.signed_in("scrutineer@masa.example").await;
    other.get("/").await;
    let other_token = other.csrf.clone().unwrap();
    let mut stolen = vec![("csrf_token", other_token.as_str())];
    stolen.extend_from_slice(&fields);
    assert_eq!(
        admin
            .post_raw("/partnership/organisations/new", &stolen)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app_with_demo
            .count("SELECT COUNT(*) FROM organisations")
            .await,
        before
    );
    // With the right token the same form goes through.
    assert_eq!(
        admin
            .post("/partnership/organisations/new", &fields)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app_with_demo
            .count("SELECT COUNT(*) FROM organisations")
            .await,
        before + 1
    );
});

on_both_backends!(the_audit_trail_refuses_updates_and_deletes, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let entries = app.count("SELECT COUNT(*) FROM audit_events").await;
    assert!(entries > 100, "the demo's creations are all in the trail");
    let update = sqlx::query("UPDATE audit_events SET summary = 'rewritten'")
        .execute(&app.db.pool)
        .await;
    assert!(update.is_err(), "update must be refused");
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM audit_events")
        .execute(&app.db.pool)
        .await;
    assert!(delete.is_err(), "delete must be refused");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        entries
    );
});

on_both_backends!(the_demo_models_the_seed_partnership, |app| {
    masa::demo::load(&app.db).await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organisations WHERE partnership_id = 1 AND kind = 'statutory_partner'")
            .await,
        3
    );
    assert!(
        app.count(
            "SELECT COUNT(*) FROM organisations WHERE partnership_id = 1 AND kind = 'school'"
        )
        .await
            >= 40
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM business_plan_priorities WHERE kind = 'priority'")
            .await,
        3
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM business_plan_priorities WHERE kind = 'cross_cutting_theme'"
        )
        .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE partnership_id = 1")
            .await,
        masa::demo::DEMO_LOGINS.len() as i64
    );
    // Every group but the top reports to another, and every group has a chair.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM partnership_groups WHERE parent_group_id IS NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM partnership_groups g WHERE NOT EXISTS (SELECT 1 FROM group_memberships m WHERE m.group_id = g.id AND m.position = 'chair')").await,
        0
    );
});

on_both_backends!(
    oversized_forms_and_double_submissions_are_refused_cleanly,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;
        let before = app.count("SELECT COUNT(*) FROM organisations").await;
        let huge = "x".repeat(2 * 1024 * 1024);
        let too_big = admin
            .post(
                "/partnership/organisations/new",
                &[("name", &huge), ("kind", "other")],
            )
            .await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
        too_big.assert_contains("Forms can be at most 1024 KB");
        let fields = [
            ("name", "Double Click Trust"),
            ("kind", "voluntary"),
            ("sector", "Voluntary"),
            ("active_from_day", "1"),
            ("active_from_month", "4"),
            ("active_from_year", "2024"),
        ];
        assert_eq!(
            admin
                .post("/partnership/organisations/new", &fields)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let second = admin.post("/partnership/organisations/new", &fields).await;
        assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
        second.assert_contains("An organisation with this name already exists");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM organisations").await,
            before + 1
        );
    }
);

/// PostgreSQL can commit a transaction that took an earlier audit id after one that took a
/// later id; the cache revision must still move when it does. (SQLite serialises writers.)
#[tokio::test]
async fn the_cache_revision_moves_when_an_earlier_entry_commits_late() {
    use masa::kernel::Change;
    use masa::kernel::audit::{Actor, AuditAction, AuditEntry};
    let Some(app) = crate::support::TestApp::postgres().await else {
        return;
    };
    let entry = || AuditEntry::about_none(AuditAction::Update, "test", "x");
    let actor = Actor::system("test", masa::kernel::ids::PartnershipId::new(1));
    let mut slow = Change::begin(&app.db, actor.clone()).await.unwrap();
    slow.record(entry()).await.unwrap();
    let mut quick = Change::begin(&app.db, actor.clone()).await.unwrap();
    quick.record(entry()).await.unwrap();
    quick.commit().await.unwrap();
    let before = masa::kernel::cache::revision(masa::kernel::Scope::new(
        &app.db,
        masa::kernel::ids::PartnershipId::new(1),
    ))
    .await
    .unwrap();
    slow.commit().await.unwrap();
    let after = masa::kernel::cache::revision(masa::kernel::Scope::new(
        &app.db,
        masa::kernel::ids::PartnershipId::new(1),
    ))
    .await
    .unwrap();
    assert_ne!(before, after, "the late commit must change the revision");

    // A change in another partnership leaves this one's revision (and cached pages) alone.
    let other = masa::partnership::create_partnership(&app.db, "Elsewhere", "test")
        .await
        .unwrap()
        .get();
    assert_eq!(
        masa::kernel::cache::revision(masa::kernel::Scope::new(
            &app.db,
            masa::kernel::ids::PartnershipId::new(1)
        ))
        .await
        .unwrap(),
        after
    );
    assert_ne!(
        masa::kernel::cache::revision(masa::kernel::Scope::new(
            &app.db,
            masa::kernel::ids::PartnershipId::new(other)
        ))
        .await
        .unwrap(),
        after
    );
    app.finish().await;
}

on_both_backends!(every_response_is_private_and_closed_to_other_sites, |app| {
    let mut browser = app.browser();
    let page = browser.get("/sign-in").await;
    let header = |name: &str| {
        page.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        header("cache-control"),
        "no-store",
        "nothing kept by caches"
    );
    assert_eq!(header("cross-origin-opener-policy"), "same-origin");
    assert_eq!(header("x-frame-options"), "DENY");
    let csp = header("content-security-policy");
    for directive in ["object-src 'none'", "base-uri 'none'", "form-action 'self'"] {
        assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
    }
    assert!(
        page.headers.get("access-control-allow-origin").is_none(),
        "no site is allowed to read MASA's answers"
    );

    // No listing of the embedded files, and no TRACE.
    assert_eq!(browser.get("/assets/").await.status, StatusCode::NOT_FOUND);
    let trace = browser
        .send(
            axum::http::Request::builder()
                .method("TRACE")
                .uri("/sign-in")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    // Refused before any handler (the CSRF check takes every method but GET, HEAD and OPTIONS).
    assert!(
        matches!(
            trace.status,
            StatusCode::FORBIDDEN | StatusCode::METHOD_NOT_ALLOWED
        ),
        "TRACE answered {}",
        trace.status
    );

    // A request id from outside is kept only when plain: it reaches the logs and the audit trail.
    for (given, kept) in [
        ("lb-7f3a.42", true),
        ("=HYPERLINK(\"http://x\")", false),
        ("an id with spaces", false),
    ] {
        let response = browser
            .send(
                axum::http::Request::builder()
                    .uri("/healthz")
                    .header("x-request-id", given)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        let echoed = response
            .headers
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(echoed == given, kept, "{given:?} came back as {echoed:?}");
        assert!(!echoed.is_empty(), "every response has a request id");
    }
});

on_both_backends!(a_change_commits_only_with_its_audit_entry, |app| {
    use masa::kernel::audit::{Actor, AuditAction, AuditEntry};
    use masa::kernel::ids::PartnershipId;
    use masa::kernel::store::{Change, ChangeError, Scope, Store};
    let count = |db: &masa::kernel::db::Db| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'change test'",
            )
            .fetch_one(&db.pool)
            .await
            .unwrap()
        }
    };
    let partnership = PartnershipId::new(1);
    let actor = Actor::system("test", partnership);

    // A write path that forgot its entry is refused and rolled back.
    let mut change = Change::begin(&app.db, actor.clone()).await.unwrap();
    assert_eq!(change.partnership(), partnership);
    sqlx::query("UPDATE partnerships SET name = 'Renamed without a trace' WHERE id = $1")
        .bind(change.partnership())
        .execute(change.conn())
        .await
        .unwrap();
    assert!(matches!(
        change.commit().await,
        Err(ChangeError::Unrecorded)
    ));
    let name: String = sqlx::query_scalar("SELECT name FROM partnerships WHERE id = $1")
        .bind(partnership)
        .fetch_one(Scope::new(&app.db, partnership).conn())
        .await
        .unwrap();
    assert_ne!(name, "Renamed without a trace");

    // With its entry, the change and the entry commit together.
    let mut change = Change::begin(&app.db, actor).await.unwrap();
    change
        .record(AuditEntry {
            action: AuditAction::Update,
            entity_type: "change test",
            entity_id: None,
            summary: "recorded".into(),
            before: None,
            after: None,
        })
        .await
        .unwrap();
    change.commit().await.unwrap();
    assert_eq!(count(&app.db).await, 1);
});

/// Every free text the demo holds, in every table (storyboards, incident summaries, review
/// findings, recommendations, actions, risks, policies), passes the personal-data check: the
/// demo must not be refused when its own records are edited and saved.
#[tokio::test]
async fn the_demo_records_pass_the_personal_data_check() {
    let app = crate::support::TestApp::sqlite().await;
    masa::demo::load(&app.db).await.unwrap();
    let backup = masa::kernel::backup::take(&app.db).await.unwrap();
    let mut checked = 0;
    let mut flagged = Vec::new();
    for table in &backup.tables {
        // Accounts, sessions, the trail and the outbox hold addresses and times by design.
        if [
            "users",
            "sessions",
            "audit_events",
            "email_outbox",
            "stored_files",
        ]
        .contains(&table.name.as_str())
        {
            continue;
        }
        for row in &table.rows {
            for value in row {
                if let serde_json::Value::String(text) = value {
                    checked += 1;
                    if let Some(found) = masa::kernel::personal_data::likely_identifier(text) {
                        flagged.push(format!("{}: {found} in {text:?}", table.name));
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} texts");
    assert!(flagged.is_empty(), "{flagged:#?}");
    app.finish().await;
}
