//! Signing in and out, sessions, throttling, passwords and account administration.

use crate::on_both_backends;
use axum::http::StatusCode;
use masa::demo::DEMO_PASSWORD;

on_both_backends!(sign_in_rotates_the_session_and_sign_out_ends_it, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut browser = app.browser();
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/sign-in?return_to=/");

    browser.get("/sign-in?return_to=/partnership/groups").await;
    assert!(
        browser.cookie.is_none(),
        "the sign-in form needs no session"
    );
    // A session cookie someone planted before sign-in (here: one that was never issued).
    let before = "ab".repeat(32);
    browser.cookie = Some(before.clone());
    let wrong = browser
        .post(
            "/sign-in",
            &[
                ("email", "admin@masa.example"),
                ("password", "not the password"),
                ("return_to", "/partnership/groups"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong
        .assert_contains("There is a problem")
        .assert_contains("Enter a correct email address and password");
    let signed_in = browser
        .post(
            "/sign-in",
            &[
                ("email", "ADMIN@masa.example "),
                ("password", DEMO_PASSWORD),
                ("return_to", "/partnership/groups"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location(), "/partnership/groups");
    let after = browser.cookie.clone().unwrap();
    assert_ne!(before, after, "a new session begins at sign-in");
    browser
        .get("/")
        .await
        .assert_contains("Welcome, Partnership Business Manager");

    // The pre-sign-in cookie is dead: someone who planted it gains nothing.
    let mut planted = app.browser();
    planted.cookie = Some(before);
    assert_eq!(planted.get("/").await.status, StatusCode::SEE_OTHER);

    let signed_out = browser.post("/sign-out", &[]).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert!(browser.cookie.is_none(), "the cookie is cleared");
    let mut replay = app.browser();
    replay.cookie = Some(after);
    assert_eq!(
        replay.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the old session no longer works"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('sign_in', 'sign_out')")
            .await,
        2
    );
});

on_both_backends!(
    repeated_failures_lock_the_address_and_open_redirects_are_refused,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut browser = app.browser();
        browser.get("/sign-in").await;
        for _ in 0..5 {
            let response = browser
                .post(
                    "/sign-in",
                    &[
                        ("email", "police.data@masa.example"),
                        ("password", "guess guess guess"),
                    ],
                )
                .await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let locked = browser
            .post(
                "/sign-in",
                &[
                    ("email", "police.data@masa.example"),
                    ("password", DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(locked.status, StatusCode::UNPROCESSABLE_ENTITY);
        locked.assert_contains("Too many failed attempts");
        // Another account is not affected.
        let other = browser
            .post(
                "/sign-in",
                &[
                    ("email", "admin@masa.example"),
                    ("password", DEMO_PASSWORD),
                    ("return_to", "https://evil.example/"),
                ],
            )
            .await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);
        assert_eq!(
            other.location(),
            "/",
            "only local return paths are followed"
        );
    }
);

on_both_backends!(admins_create_accounts_that_must_choose_a_password, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    admin
        .get("/users/new")
        .await
        .assert_contains("Create an account");
    let users_before = app.count("SELECT COUNT(*) FROM users").await;

    // Everything wrong at once: each field named, nothing saved.
    let bad = admin
        .post(
            "/users/new",
            &[
                ("display_name", ""),
                ("email", "admin@masa.example"),
                ("organisation_id", "99999"),
                ("temporary_password", "password1234"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("href=\"#display_name\"")
        .assert_contains("Enter name")
        .assert_contains("An account with this email address already exists")
        .assert_contains("Select an organisation from the list")
        .assert_contains("Select at least one role")
        .assert_contains("Password is too common");
    let scoped = admin
        .post(
            "/users/new",
            &[
                ("display_name", "Data Lead"),
                ("email", "lead@masa.example"),
                ("roles", "partner_data_lead"),
                ("temporary_password", "granite lantern copper"),
            ],
        )
        .await;
    assert_eq!(scoped.status, StatusCode::UNPROCESSABLE_ENTITY);
    scoped.assert_contains("their role is scoped to one");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);

    let created = admin
        .post(
            "/users/new",
            &[
                ("display_name", "New Reviewer <b>"),
                ("email", "new.reviewer@masa.example"),
                ("roles", "reviewer"),
                ("roles", "group_member"),
                ("temporary_password", "granite lantern copper"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let user_page = admin.get(created.location()).await;
    user_page
        .assert_contains("New Reviewer &#60;b&#62;")
        .assert_contains("Reviewer, Group member")
        .assert_contains("must choose a new password");

    // First sign-in goes to the password page and nowhere else until it is changed.
    let mut newcomer = app.browser();
    let first = newcomer
        .sign_in("new.reviewer@masa.example", "granite lantern copper")
        .await;
    assert_eq!(first.location(), "/account/password");
    let elsewhere = newcomer.get("/partnership").await;
    assert_eq!(elsewhere.location(), "/account/password");
    newcomer.get("/account/password").await;
    let weak = newcomer
        .post(
            "/account/password",
            &[
                ("current_password", "granite lantern copper"),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    weak.assert_contains("12 characters or more");
    let mismatch = newcomer
        .post(
            "/account/password",
            &[
                ("current_password", "granite lantern copper"),
                ("new_password", "willow ember harbour"),
                ("confirm_password", "willow ember harbor"),
            ],
        )
        .await;
    mismatch.assert_contains("The passwords do not match");
    let changed = newcomer
        .post(
            "/account/password",
            &[
                ("current_password", "granite lantern copper"),
                ("new_password", "willow ember harbour"),
                ("confirm_password", "willow ember harbour"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let mut again = app.browser();
    assert_eq!(
        again
            .sign_in("new.reviewer@masa.example", "willow ember harbour")
            .await
            .location(),
        "/"
    );
    again
        .get("/partnership")
        .await
        .assert_contains("Partnership");

    // A reset ends their sessions and makes them choose again.
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'new.reviewer@masa.example'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    admin.get(&format!("/users/{id}")).await;
    let reset = admin
        .post(
            &format!("/users/{id}/reset-password"),
            &[("temporary_password", "copper lantern granite")],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert_eq!(
        again.get("/partnership").await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        again
            .get("/partnership")
            .await
            .location()
            .starts_with("/sign-in")
    );

    // Archived accounts cannot sign in.
    admin.get(&format!("/users/{id}")).await;
    assert_eq!(
        admin
            .post(&format!("/users/{id}/archive"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut archived = app.browser();
    assert_eq!(
        archived
            .sign_in("new.reviewer@masa.example", "copper lantern granite")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE entity_type = 'user' AND entity_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    for expected in [
        "create",
        "sign_in",
        "password_change",
        "password_reset",
        "archive",
    ] {
        assert!(
            actions.iter().any(|action| action == expected),
            "{expected} missing from {actions:?}"
        );
    }
});

on_both_backends!(admins_change_roles_which_apply_at_once, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let mut practitioner = app.signed_in("practitioner@masa.example").await;
    assert_eq!(
        practitioner.get("/partnership").await.status,
        StatusCode::FORBIDDEN
    );
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'practitioner@masa.example'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    admin
        .get(&format!("/users/{id}/edit"))
        .await
        .assert_contains("Edit Social Worker");
    let police: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Cheshire Constabulary'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let police = police.to_string();
    let none = admin
        .post(
            &format!("/users/{id}/edit"),
            &[("display_name", "Social Worker"), ("organisation_id", "")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    none.assert_contains("Select at least one role");
    let changed = admin
        .post(
            &format!("/users/{id}/edit"),
            &[
                ("display_name", "Senior Social Worker"),
                ("organisation_id", &police),
                ("roles", "group_member"),
                ("roles", "partner_data_lead"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    // The change applies to the session already open.
    assert_eq!(
        practitioner.get("/partnership").await.status,
        StatusCode::OK
    );
    let audit: String = sqlx::query_scalar("SELECT after_values FROM audit_events WHERE entity_type = 'user' AND action = 'update' AND entity_id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap();
    assert!(audit.contains("partner_data_lead"));
    // An admin cannot take away their own admin role.
    let admin_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'admin@masa.example'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let demote = admin
        .post(
            &format!("/users/{admin_id}/edit"),
            &[
                ("display_name", "Partnership Business Manager"),
                ("roles", "reviewer"),
            ],
        )
        .await;
    assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
    demote.assert_contains("You cannot remove your own business unit admin role");
});
