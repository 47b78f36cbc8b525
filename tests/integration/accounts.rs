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
    assert_eq!(
        signed_out.headers.get("clear-site-data").unwrap(),
        "\"cache\", \"storage\"",
        "the browser drops what it kept of the session"
    );
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

/// The address's row of failed sign-ins: failures in a row, last failure, next attempt.
async fn sign_in_row(app: &crate::support::TestApp, email: &str) -> Option<(i64, String, String)> {
    sqlx::query_as(
        "SELECT failures, last_failure_at, next_attempt_at FROM sign_in_attempts \
         WHERE email = $1 AND client = 'anyone'",
    )
    .bind(email)
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
}

/// Sets an address's failures in a row with its wait just ended, as if the run had gone on for
/// a while and its last wait had passed (the test does not sleep through real waits).
async fn failures_with_wait_over(app: &crate::support::TestApp, email: &str, failures: i64) {
    let now = time::OffsetDateTime::now_utc();
    let text = masa::kernel::db::timestamp_text;
    sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1")
        .bind(email)
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO sign_in_attempts (email, client, failures, last_failure_at, next_attempt_at) \
         VALUES ($1, 'anyone', $2, $3, $4)",
    )
    .bind(email)
    .bind(failures)
    .bind(text(now - time::Duration::minutes(20)))
    .bind(text(now - time::Duration::seconds(1)))
    .execute(&app.db.pool)
    .await
    .unwrap();
}

fn seconds_between(from: &str, to: &str) -> i64 {
    let parse = |text: &str| masa::kernel::db::parse_timestamp(text).unwrap();
    (parse(to) - parse(from)).whole_seconds()
}

on_both_backends!(
    wrong_passwords_slow_the_address_and_open_redirects_are_refused,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let victim = "police.data@masa.example";
        let mut browser = app.browser();
        browser.get("/sign-in").await;
        let guess =
            async |browser: &mut crate::support::Browser<'_>, email: &str, password: &str| {
                browser
                    .post("/sign-in", &[("email", email), ("password", password)])
                    .await
            };
        // Three mistypes are free: each is checked and counted.
        for _ in 0..3 {
            let response = guess(&mut browser, victim, "guess guess guess").await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
            response.assert_contains("Enter a correct email address and password");
        }
        let (failures, last, next) = sign_in_row(app, victim).await.unwrap();
        assert_eq!(failures, 3);
        assert!(
            seconds_between(&last, &next) >= 1,
            "the third failure asks for a wait: {last} to {next}"
        );

        // Ten failures in a row, the last wait over: the next guess is checked, and its failure
        // (the eleventh) doubles the wait to 2^8 seconds.
        failures_with_wait_over(app, victim, 10).await;
        let checked = guess(&mut browser, victim, "guess guess guess").await;
        checked.assert_contains("Enter a correct email address and password");
        let (failures, last, next) = sign_in_row(app, victim).await.unwrap();
        assert_eq!(failures, 11);
        assert!(
            (256..=257).contains(&seconds_between(&last, &next)),
            "{last} to {next}"
        );

        // Inside the wait even the right password is refused unchecked, and the refusal does
        // not lengthen the wait.
        let refused = guess(&mut browser, victim, DEMO_PASSWORD).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains(
            "Too many wrong passwords for this email address. Wait 5 minutes before trying again",
        );
        assert_eq!(
            sign_in_row(app, victim).await.unwrap(),
            (11, last, next),
            "a refused attempt changes nothing"
        );
        // An address with no account is slowed the same way, in the same words.
        let nobody = "nobody@masa.example";
        failures_with_wait_over(app, nobody, 10).await;
        guess(&mut browser, nobody, "guess guess guess").await;
        guess(&mut browser, nobody, DEMO_PASSWORD)
            .await
            .assert_contains("Too many wrong passwords for this email address. Wait 5 minutes");

        // Once the wait is over, the right password always works, and clears the failures.
        failures_with_wait_over(app, victim, 11).await;
        let signed_in = guess(&mut browser, victim, DEMO_PASSWORD).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        assert!(sign_in_row(app, victim).await.is_none());

        // A stranger who keeps the address waiting never keeps its person out: the browser
        // they signed in from before has a delay of its own (a device cookie).
        let mut own = app.browser();
        own.sign_in(victim, DEMO_PASSWORD).await;
        let device = own
            .device_cookie
            .clone()
            .expect("a device cookie at sign-in");
        own.post("/sign-out", &[]).await;
        own.get("/sign-in").await;
        let mut browser = app.browser();
        browser.get("/sign-in").await;
        failures_with_wait_over(app, victim, 11).await;
        guess(&mut browser, victim, "guess guess guess").await;
        guess(&mut browser, victim, DEMO_PASSWORD)
            .await
            .assert_contains("Too many wrong passwords for this email address");
        let known = guess(&mut own, victim, DEMO_PASSWORD).await;
        assert_eq!(known.status, StatusCode::SEE_OTHER, "{}", known.body);
        // A forged device cookie, or another address's, counts as anyone's.
        failures_with_wait_over(app, victim, 11).await;
        guess(&mut browser, victim, "guess guess guess").await;
        for forged in ["f".repeat(128), device.clone()[..64].to_owned(), {
            let mut other = app.browser();
            other.sign_in("admin@masa.example", DEMO_PASSWORD).await;
            other.device_cookie.clone().unwrap()
        }] {
            let mut stranger = app.browser();
            stranger.get("/sign-in").await;
            stranger.device_cookie = Some(forged);
            guess(&mut stranger, victim, DEMO_PASSWORD)
                .await
                .assert_contains("Too many wrong passwords for this email address");
        }

        // Another account is not affected.
        let mut browser = app.browser();
        browser.get("/sign-in").await;
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

// ---- issue 9: sign-in limits, session lifetimes, API tokens at offboarding ----

async fn user_id(app: &crate::support::TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Sends each request at once (the password checks run on the blocking pool, in parallel) and
/// returns each answer's status and page.
async fn all_at_once(
    app: &crate::support::TestApp,
    requests: Vec<axum::http::Request<axum::body::Body>>,
) -> Vec<(StatusCode, String)> {
    use tower::ServiceExt;
    let mut set = tokio::task::JoinSet::new();
    for request in requests {
        let router = app.router.clone();
        set.spawn(async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        });
    }
    set.join_all().await
}

on_both_backends!(
    parallel_guesses_are_counted_before_the_password_is_checked,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let victim = "police.data@masa.example";
        // The person is signed in elsewhere and will see the delay on their account page.
        let mut own = app.signed_in(victim).await;
        own.get("/account").await.assert_contains("Not locked");

        // 40 guesses at once, each from its own address (a spread-out attacker), so the
        // per-address limit plays no part: only the address's delay stands in the way.
        let burst = async |first: u8| {
            let mut requests = Vec::new();
            for n in 0..40u8 {
                let mut browser = app.browser();
                browser.client = Some(([198, 51, first, n + 1], 40000).into());
                browser.get("/sign-in").await;
                let token = browser.csrf.clone().unwrap();
                requests.push(browser.form_request(
                    "/sign-in",
                    &[
                        ("csrf_token", &token),
                        ("email", victim),
                        ("password", &format!("guess number {n}")),
                    ],
                ));
            }
            let answers = all_at_once(app, requests).await;
            assert!(
                answers
                    .iter()
                    .all(|(status, _)| *status == StatusCode::UNPROCESSABLE_ENTITY),
                "every guess refused, none a server error"
            );
            let checked = answers
                .iter()
                .filter(|(_, body)| body.contains("Enter a correct email address and password"))
                .count();
            let delayed = answers
                .iter()
                .filter(|(_, body)| {
                    body.contains("Too many wrong passwords for this email address")
                })
                .count();
            assert_eq!(checked + delayed, 40);
            checked
        };
        // From a clean start: the three free guesses, then at most one per wait (1 s, 2 s, 4 s…
        // if the burst lasts that long), and every password checked was counted first.
        let checked = burst(100).await;
        let (failures, _, _) = sign_in_row(app, victim).await.unwrap();
        assert!(checked >= 3, "the free guesses are checked");
        // (An eighth would need the burst to outlast 1 + 2 + 4 + 8 + 16 seconds of waits.)
        assert!(
            checked <= 7,
            "{checked} of 40 parallel guesses were checked"
        );
        assert_eq!(
            i64::try_from(checked).unwrap(),
            failures,
            "every checked guess was counted, none slipped through"
        );
        // Deep into a run, with one wait just over: of 40 parallel guesses exactly one takes
        // the slot; the rest see its new wait and are refused unchecked.
        failures_with_wait_over(app, victim, 10).await;
        assert_eq!(burst(101).await, 1, "one password checked per wait");
        assert_eq!(sign_in_row(app, victim).await.unwrap().0, 11);

        // Inside the wait even the right password is refused, and the person sees why.
        let mut browser = app.browser();
        let refused = browser.sign_in(victim, DEMO_PASSWORD).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Wait 5 minutes before trying again");
        own.get("/account")
            .await
            .assert_contains("Delayed")
            .assert_contains("after 11 wrong passwords in a row");

        // Only the business unit of this partnership can clear it, by a form.
        let id = user_id(app, victim).await;
        let mut other_lead = app.signed_in("icb.data@masa.example").await;
        assert_eq!(
            other_lead
                .post(&format!("/users/{id}/unlock"), &[])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let second = app.second_partnership().await;
        let mut other_admin = app
            .signed_in(second.email(masa::kernel::Role::BusinessUnitAdmin))
            .await;
        assert_eq!(
            other_admin
                .post(&format!("/users/{id}/unlock"), &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let mut admin = app.signed_in("admin@masa.example").await;
        assert_eq!(
            admin
                .post_raw(&format!("/users/{id}/unlock"), &[])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "clearing a lock needs the form's CSRF token"
        );
        admin
            .get(&format!("/users/{id}"))
            .await
            .assert_contains("Delayed")
            .assert_contains("Clear the sign-in lock");
        let cleared = admin.post(&format!("/users/{id}/unlock"), &[]).await;
        assert_eq!(cleared.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'user' AND summary LIKE 'Cleared the sign-in lock%'"
            )
            .await,
            1
        );
        let mut browser = app.browser();
        assert_eq!(
            browser.sign_in(victim, DEMO_PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
    }
);

on_both_backends!(one_address_is_limited_across_accounts, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let router = app.router_with(|config| config.sign_in_attempts_per_ip = 3);
    let mut noisy = app.browser_on(router.clone());
    noisy.client = Some(([203, 0, 113, 7], 50000).into());
    noisy.get("/sign-in").await;
    // Different accounts, so no account's lock is reached: the address is what is limited.
    for email in [
        "chair@masa.example",
        "member@masa.example",
        "reviewer@masa.example",
    ] {
        let wrong = noisy
            .post(
                "/sign-in",
                &[("email", email), ("password", "not it at all")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = noisy
        .post(
            "/sign-in",
            &[("email", "admin@masa.example"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    limited.assert_contains("Too many attempts to sign in from your network");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sign_in_attempts WHERE email = 'admin@masa.example'")
            .await,
        0,
        "a limited request checks no password"
    );
    // Another address is not held back.
    let mut quiet = app.browser_on(router);
    quiet.client = Some(([203, 0, 113, 8], 50000).into());
    assert_eq!(
        quiet
            .sign_in("admin@masa.example", DEMO_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
});

on_both_backends!(showing_the_sign_in_form_stores_nothing, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut anonymous = app.browser();
    for _ in 0..1000 {
        let page = anonymous.get("/sign-in").await;
        assert_eq!(page.status, StatusCode::OK);
        anonymous.sign_in_cookie = None; // as a cookieless client would
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    let mut browser = app.browser();
    assert_eq!(
        browser
            .sign_in("admin@masa.example", DEMO_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
});

on_both_backends!(
    the_sign_in_form_token_must_be_genuine_current_and_its_own,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let fields = [("email", "admin@masa.example"), ("password", DEMO_PASSWORD)];
        let with = |token: &str| {
            let mut all = vec![("csrf_token", token.to_owned())];
            all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
            all
        };
        let post = async |browser: &mut crate::support::Browser<'_>, token: Option<&str>| {
            let all = match token {
                Some(token) => with(token),
                None => fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            };
            let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_raw("/sign-in", &refs).await.status
        };
        let mut browser = app.browser();
        browser.get("/sign-in").await;
        let nonce = browser.sign_in_cookie.clone().unwrap();
        let secret = app.state.config.secret_key.clone();

        // Missing, forged, or signed under another key.
        assert_eq!(post(&mut browser, None).await, StatusCode::FORBIDDEN);
        assert_eq!(
            post(&mut browser, Some("1999999999.00ff")).await,
            StatusCode::FORBIDDEN
        );
        let now = time::OffsetDateTime::now_utc();
        let other_key =
            masa::kernel::auth::sign_in_form_token(b"some other secret key", &nonce, now);
        assert_eq!(
            post(&mut browser, Some(&other_key)).await,
            StatusCode::FORBIDDEN
        );
        // Expired: made two hours ago.
        let old =
            masa::kernel::auth::sign_in_form_token(&secret, &nonce, now - time::Duration::hours(2));
        assert_eq!(post(&mut browser, Some(&old)).await, StatusCode::FORBIDDEN);
        // Another browser's genuine token does not fit this browser's cookie (login CSRF).
        let mut attacker = app.browser();
        attacker.get("/sign-in").await;
        let theirs = attacker.csrf.clone().unwrap();
        assert_eq!(
            post(&mut browser, Some(&theirs)).await,
            StatusCode::FORBIDDEN
        );
        // A genuine token with no cookie at all.
        let mut cookieless = app.browser();
        let own = browser.csrf.clone().unwrap();
        assert_eq!(
            post(&mut cookieless, Some(&own)).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM sign_in_attempts").await,
            0,
            "no refused form reached the password check"
        );
        // Its own current token works.
        assert_eq!(post(&mut browser, Some(&own)).await, StatusCode::SEE_OTHER);
    }
);

on_both_backends!(sessions_end_when_idle_and_at_their_lifetime, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let set = async |sql: &'static str, at: time::OffsetDateTime| {
        sqlx::query(sql)
            .bind(masa::kernel::db::timestamp_text(at))
            .execute(&app.db.pool)
            .await
            .unwrap();
    };
    let now = time::OffsetDateTime::now_utc();
    let mut browser = app.signed_in("admin@masa.example").await;
    // Used 30 s ago: not written again on this request (at most once a minute).
    set(
        "UPDATE sessions SET last_used_at = $1",
        now - time::Duration::seconds(30),
    )
    .await;
    let before: String = sqlx::query_scalar("SELECT last_used_at FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    let after: String = sqlx::query_scalar("SELECT last_used_at FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(before, after);
    // Used 2 minutes ago: touched.
    set(
        "UPDATE sessions SET last_used_at = $1",
        now - time::Duration::minutes(2),
    )
    .await;
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    let touched: String = sqlx::query_scalar("SELECT last_used_at FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(touched > before, "{touched} after {before}");

    // Idle longer than the setting (60 minutes in the test config): ended.
    set(
        "UPDATE sessions SET last_used_at = $1",
        now - time::Duration::minutes(61),
    )
    .await;
    let idle = browser.get("/").await;
    assert_eq!(idle.status, StatusCode::SEE_OTHER);
    assert!(idle.location().starts_with("/sign-in"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);

    // In use a moment ago but past its absolute lifetime: ended too.
    let mut browser = app.signed_in("admin@masa.example").await;
    set(
        "UPDATE sessions SET expires_at = $1",
        now - time::Duration::seconds(1),
    )
    .await;
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);

    // A short idle setting applies as set, and housekeeping purges what has lapsed.
    let router = app.router_with(|config| config.session_idle_minutes = 1);
    let mut short = app.browser_on(router);
    assert_eq!(
        short
            .sign_in("admin@masa.example", DEMO_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    set(
        "UPDATE sessions SET last_used_at = $1",
        now - time::Duration::seconds(90),
    )
    .await;
    assert_eq!(short.get("/").await.status, StatusCode::SEE_OTHER);
    let mut lingering = app.signed_in("admin@masa.example").await;
    set(
        "UPDATE sessions SET last_used_at = $1",
        now - time::Duration::hours(2),
    )
    .await;
    let limits = app.state.session_limits();
    assert_eq!(
        masa::kernel::auth::purge_expired(&app.db, limits)
            .await
            .unwrap(),
        1
    );
    assert_eq!(lingering.get("/").await.status, StatusCode::SEE_OTHER);
});

/// A GET of the API with a bearer token: its status.
async fn api_status(app: &crate::support::TestApp, token: &str) -> StatusCode {
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .uri("/api/v1/indicators")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    app.router.clone().oneshot(request).await.unwrap().status()
}

on_both_backends!(archiving_an_organisation_revokes_its_tokens, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut police = app.signed_in("police.data@masa.example").await;
    let token = police.new_api_token("Nightly export").await;
    let mut icb = app.signed_in("icb.data@masa.example").await;
    let icb_token = icb.new_api_token("ICB export").await;
    assert_eq!(api_status(app, &token).await, StatusCode::OK);

    let organisation: i64 = sqlx::query_scalar(
        "SELECT organisation_id FROM users WHERE email = 'police.data@masa.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let archived = admin
        .post(
            &format!("/partnership/organisations/{organisation}/archive"),
            &[],
        )
        .await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER);
    assert_eq!(api_status(app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api_status(app, &icb_token).await,
        StatusCode::OK,
        "others' tokens go on"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'api_token' AND summary LIKE 'Revoked API token “Nightly export” as organisation%'"
        )
        .await,
        1
    );
    // Restoring the organisation does not bring its old tokens back.
    admin
        .post(
            &format!("/partnership/organisations/{organisation}/restore"),
            &[],
        )
        .await;
    assert_eq!(api_status(app, &token).await, StatusCode::UNAUTHORIZED);
});

on_both_backends!(
    archiving_a_data_lead_revokes_the_tokens_they_answer_for,
    |app| {
        use masa::kernel::Role;
        masa::demo::load(&app.db).await.unwrap();
        let mut police = app.signed_in("police.data@masa.example").await;
        let token = police.new_api_token("Nightly export").await;
        let mut icb = app.signed_in("icb.data@masa.example").await;
        let icb_token = icb.new_api_token("ICB export").await;
        let police_org: i64 = sqlx::query_scalar(
            "SELECT organisation_id FROM users WHERE email = 'police.data@masa.example'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;

        // A second ICB data lead: archiving the first revokes only the tokens the first created.
        let icb_org: i64 = sqlx::query_scalar(
            "SELECT organisation_id FROM users WHERE email = 'icb.data@masa.example'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let mut change = masa::kernel::Change::begin(
            &app.db,
            masa::kernel::audit::Actor::system("tests", masa::demo::DEMO_PARTNERSHIP),
        )
        .await
        .unwrap();
        let deputy = masa::kernel::auth::insert_user(
            &mut change,
            &masa::kernel::auth::NewUser {
                email: "icb.deputy@masa.example",
                display_name: "ICB deputy",
                password: DEMO_PASSWORD,
                organisation: Some(masa::kernel::ids::OrganisationId::new(icb_org)),
                roles: &[Role::PartnerDataLead],
                must_change_password: false,
            },
            "",
        )
        .await
        .unwrap();
        change.commit().await.unwrap();
        let mut deputy_browser = app.signed_in("icb.deputy@masa.example").await;
        let deputy_token = deputy_browser.new_api_token("Deputy's export").await;
        let icb_lead = user_id(app, "icb.data@masa.example").await;
        assert_eq!(
            admin
                .post(&format!("/users/{icb_lead}/archive"), &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(api_status(app, &icb_token).await, StatusCode::UNAUTHORIZED);
        assert_eq!(
            api_status(app, &deputy_token).await,
            StatusCode::OK,
            "another data lead still answers for the organisation"
        );

        // The police's only data lead: every police token stops, one made by the business unit
        // on their behalf too.
        let mut tx = app.db.begin_write().await.unwrap();
        let admin_id = user_id(app, "admin@masa.example").await;
        let hash =
            masa::kernel::auth::token_hash(&app.state.config.secret_key, "masa_made_by_admin");
        masa::kernel::api_tokens::insert_token(
            &mut tx,
            police_org,
            "Made by admin",
            &hash,
            admin_id,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(api_status(app, "masa_made_by_admin").await, StatusCode::OK);
        let police_lead = user_id(app, "police.data@masa.example").await;
        admin
            .post(&format!("/users/{police_lead}/archive"), &[])
            .await;
        assert_eq!(api_status(app, &token).await, StatusCode::UNAUTHORIZED);
        assert_eq!(
            api_status(app, "masa_made_by_admin").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(api_status(app, &deputy_token).await, StatusCode::OK);
        assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'api_token' AND summary LIKE '%as the account of % was archived'"
        )
        .await,
        3
    );
        let _ = deputy;
    }
);

on_both_backends!(
    the_business_unit_lists_and_revokes_any_token_of_its_partnership,
    |app| {
        use masa::kernel::Role;
        masa::demo::load(&app.db).await.unwrap();
        let mut police = app.signed_in("police.data@masa.example").await;
        let token = police.new_api_token("Nightly export").await;
        assert_eq!(api_status(app, &token).await, StatusCode::OK);
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM api_tokens WHERE label = 'Nightly export'")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();

        let mut admin = app.signed_in("admin@masa.example").await;
        let list = admin.get("/users/api-tokens").await;
        assert_eq!(list.status, StatusCode::OK);
        list.assert_contains("Cheshire Constabulary")
            .assert_contains("Nightly export")
            .assert_contains("Police Performance Analyst")
            .assert_lacks("Never"); // it has been used, and says when

        // Not the business unit: a data lead of another organisation, a scrutineer.
        for email in ["icb.data@masa.example", "scrutineer@masa.example"] {
            let mut other = app.signed_in(email).await;
            assert_eq!(
                other.get("/users/api-tokens").await.status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                other
                    .post(&format!("/users/api-tokens/{id}/revoke"), &[])
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
        }
        let mut icb = app.signed_in("icb.data@masa.example").await;
        icb.get("/dataset/tokens").await;
        assert_eq!(
            icb.post(&format!("/dataset/tokens/{id}/revoke"), &[])
                .await
                .status,
            StatusCode::NOT_FOUND,
            "another organisation's data lead cannot revoke it from their own page"
        );
        // Another partnership's business unit: not found, and not listed.
        let second = app.second_partnership().await;
        let mut other_admin = app.signed_in(second.email(Role::BusinessUnitAdmin)).await;
        other_admin
            .get("/users/api-tokens")
            .await
            .assert_lacks("Nightly export");
        assert_eq!(
            other_admin
                .post(&format!("/users/api-tokens/{id}/revoke"), &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(api_status(app, &token).await, StatusCode::OK);

        admin.get("/users/api-tokens").await;
        let revoked = admin
            .post(&format!("/users/api-tokens/{id}/revoke"), &[])
            .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert_eq!(api_status(app, &token).await, StatusCode::UNAUTHORIZED);
        admin
            .get("/users/api-tokens")
            .await
            .assert_contains("Revoked");
        assert_eq!(
            admin
                .post(&format!("/users/api-tokens/{id}/revoke"), &[])
                .await
                .status,
            StatusCode::NOT_FOUND,
            "a revoked token cannot be revoked twice"
        );
        assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'api_token' AND summary LIKE '%by the business unit'"
        )
        .await,
        1
    );
    }
);

on_both_backends!(a_data_lead_moved_off_the_role_stops_their_tokens, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut police = app.signed_in("police.data@masa.example").await;
    let token = police.new_api_token("Nightly export").await;
    let mut icb = app.signed_in("icb.data@masa.example").await;
    let icb_token = icb.new_api_token("ICB export").await;
    let id = user_id(app, "police.data@masa.example").await;
    let organisation: i64 = sqlx::query_scalar("SELECT organisation_id FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let organisation = organisation.to_string();
    let mut admin = app.signed_in("admin@masa.example").await;
    admin.get(&format!("/users/{id}/edit")).await;
    // A name change keeps the role: the token goes on.
    let renamed = admin
        .post(
            &format!("/users/{id}/edit"),
            &[
                ("display_name", "Police Analyst"),
                ("organisation_id", &organisation),
                ("roles", "partner_data_lead"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    assert_eq!(api_status(app, &token).await, StatusCode::OK);
    // No longer a data lead: their organisation has no other, so its tokens stop.
    let moved = admin
        .post(
            &format!("/users/{id}/edit"),
            &[
                ("display_name", "Police Analyst"),
                ("organisation_id", &organisation),
                ("roles", "group_member"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert_eq!(api_status(app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(api_status(app, &icb_token).await, StatusCode::OK);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'api_token' AND summary LIKE '%is no longer a data lead there'"
        )
        .await,
        1
    );
});

on_both_backends!(
    a_password_reset_by_the_business_unit_clears_the_lock,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let victim = "police.data@masa.example";
        let mut guesser = app.browser();
        for _ in 0..3 {
            guesser.sign_in(victim, "not the password at all").await;
        }
        assert!(
            masa::kernel::auth::sign_in_lock(&app.db, victim)
                .await
                .unwrap()
                .is_some(),
            "three wrong guesses slow the address"
        );
        let id = user_id(app, victim).await;
        let mut admin = app.signed_in("admin@masa.example").await;
        admin.get(&format!("/users/{id}")).await;
        let reset = admin
            .post(
                &format!("/users/{id}/reset-password"),
                &[("temporary_password", "granite lantern copper")],
            )
            .await;
        assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.body);
        assert!(
            masa::kernel::auth::sign_in_lock(&app.db, victim)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            app.browser()
                .sign_in(victim, "granite lantern copper")
                .await
                .status,
            StatusCode::SEE_OTHER,
            "the person signs in with the new password at once"
        );
        assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE summary LIKE 'Reset the password of police.data@masa.example and cleared its sign-in lock'"
        )
        .await,
        1
    );
    }
);
