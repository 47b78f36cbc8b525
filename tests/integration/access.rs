//! Access control, route by route: a test walks every route in the router and proves that each
//! role the route's permission does not grant is refused with 403 (and sees no data), and that
//! each role it does grant is let through. Then the organisation-scoped and read-only rules.

use crate::on_both_backends;
use axum::http::{Method, StatusCode};
use masa::demo::DEMO_LOGINS;
use masa::kernel::{Access, Permission, Role};

/// Fills in a route's ids. Organisation routes use the person's own organisation (and an
/// improvement tracker action it owns), so a scoped role is judged by its role, not refused for
/// someone else's record.
fn concrete(path: &str, own_organisation: Option<i64>, own_action: Option<i64>) -> String {
    let id = match (own_organisation, own_action) {
        (Some(own), _) if path.starts_with("/partnership/organisations/{id}") => own.to_string(),
        (_, Some(action)) if path.starts_with("/tracker/actions/{id}/") => action.to_string(),
        _ => "1".to_owned(),
    };
    path.replace("{id}", &id)
        .replace("{membership_id}", "1")
        .replace("{item_id}", "1")
        .replace("{number}", "1")
}

on_both_backends!(every_route_refuses_the_roles_it_should, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let routes = masa::routes();
    let specs: Vec<_> = routes
        .specs()
        .iter()
        .filter(|spec| matches!(spec.access, Access::Requires(_)))
        .cloned()
        .collect();
    assert!(
        specs.len() > 40,
        "the walk covers the whole router ({} routes)",
        specs.len()
    );
    // A name that appears on the partnership pages, which a refusal must never show.
    let secret = "Halton Borough Council";

    for role in Role::ALL {
        let login = DEMO_LOGINS
            .iter()
            .find(|login| login.role == role)
            .expect("a demo login per role");
        let mut browser = app.signed_in(login.email).await;
        let own_organisation = match login.organisation {
            Some(name) => Some(organisation_id(app, name).await),
            None => None,
        };
        let own_action: Option<i64> = match own_organisation {
            Some(own) => sqlx::query_scalar(
                "SELECT MIN(id) FROM tracker_actions WHERE owner_organisation_id = $1",
            )
            .bind(own)
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
            None => None,
        };
        for spec in &specs {
            let Access::Requires(permission) = spec.access else {
                continue;
            };
            if spec.path == "/sign-out" {
                continue; // would end the walk's session; covered in accounts.rs
            }
            let path = concrete(spec.path, own_organisation, own_action);
            // Only the owning organisation and the business unit work on an action: someone
            // with no organisation is refused by the action, whatever their role.
            let needs_an_organisation = permission == Permission::UpdateActions
                && own_action.is_none()
                && role != Role::BusinessUnitAdmin;
            // A GET first, which also refreshes the CSRF token, so a POST is judged on its role.
            browser.get("/account").await;
            let response = if spec.method == Method::GET {
                browser.get(&path).await
            } else {
                browser.post(&path, &[]).await
            };
            if permission.granted_to(role) && !needs_an_organisation {
                assert_ne!(
                    response.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} should reach {} {path}",
                    spec.method
                );
            } else {
                assert_eq!(
                    response.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} must be refused {} {path}",
                    spec.method
                );
                response
                    .assert_contains("You do not have permission")
                    .assert_lacks(secret);
            }
        }
    }

    // Signed out, every protected GET sends you to sign in, and every POST is refused.
    let mut stranger = app.browser();
    for spec in &specs {
        let path = concrete(spec.path, None, None);
        let response = if spec.method == Method::GET {
            stranger.get(&path).await
        } else {
            stranger.post_raw(&path, &[]).await
        };
        if spec.method == Method::GET {
            assert_eq!(
                response.status,
                StatusCode::SEE_OTHER,
                "GET {path} signed out"
            );
            assert!(
                response.location().starts_with("/sign-in"),
                "GET {path} goes to sign in"
            );
        } else {
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "POST {path} signed out"
            );
        }
        response.assert_lacks(secret);
    }
});

async fn organisation_id(app: &crate::support::TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

on_both_backends!(a_partner_edits_only_its_own_organisation, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let police = organisation_id(app, "Cheshire Constabulary").await;
    let icb = organisation_id(app, "NHS Cheshire and Merseyside Integrated Care Board").await;
    let mut lead = app.signed_in("police.data@masa.example").await;

    // Another organisation's record, by forged id: refused, and unchanged.
    let forged = lead
        .get(&format!("/partnership/organisations/{icb}/edit"))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    lead.get("/account").await;
    let forged_post = lead
        .post(
            &format!("/partnership/organisations/{icb}/edit"),
            &[("name", "Taken over"), ("sector", "Health")],
        )
        .await;
    assert_eq!(forged_post.status, StatusCode::FORBIDDEN);
    assert_eq!(
        masa::partnership::organisation_name(
            masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
            masa::kernel::ids::OrganisationId::new(icb),
        )
        .await
        .unwrap()
        .unwrap(),
        "NHS Cheshire and Merseyside Integrated Care Board"
    );
    // An id that does not exist is refused the same way, so ids cannot be probed.
    assert_eq!(
        lead.get("/partnership/organisations/999999/edit")
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Its own: name and sector change; type and active period stay as the business unit set them.
    let own = lead
        .get(&format!("/partnership/organisations/{police}/edit"))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    own.assert_lacks("name=\"kind\"");
    let saved = lead
        .post(
            &format!("/partnership/organisations/{police}/edit"),
            &[
                ("name", "Cheshire Police"),
                ("sector", "Police"),
                ("kind", "school"),
                ("active_from_year", "1999"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let kind: String = sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
        .bind(police)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(kind, "statutory_partner");
    let page = lead
        .get(&format!("/partnership/organisations/{police}"))
        .await;
    page.assert_contains("Cheshire Police")
        .assert_contains("Cheshire Police updated");
    // The partner cannot archive, even its own.
    assert_eq!(
        lead.post(&format!("/partnership/organisations/{police}/archive"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
});

on_both_backends!(the_scrutineer_reads_everything_and_changes_nothing, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    for path in [
        "/partnership",
        "/partnership/organisations",
        "/partnership/people",
        "/partnership/groups",
        "/partnership/business-plans",
        "/partnership/rotations",
        "/audit-trail",
        "/audit-trail/export.csv",
    ] {
        assert_eq!(
            scrutineer.get(path).await.status,
            StatusCode::OK,
            "scrutineer reads {path}"
        );
    }
    let page = scrutineer.get("/partnership/organisations").await;
    page.assert_lacks("Add an organisation");
    let audit_rows = app.count("SELECT COUNT(*) FROM audit_events").await;
    scrutineer.get("/account").await;
    for path in [
        "/partnership/organisations/new",
        "/partnership/organisations/1/edit",
        "/partnership/organisations/1/archive",
        "/partnership/groups/1/members/new",
        "/users/new",
    ] {
        assert_eq!(
            scrutineer.post(path, &[("name", "x")]).await.status,
            StatusCode::FORBIDDEN,
            "scrutineer cannot write {path}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        audit_rows,
        "nothing changed"
    );
});

/// Words only Halton's demo records contain: none may reach another partnership's people.
const HALTON_ONLY: [&str; 7] = [
    "Halton Borough Council",
    "Cheshire Constabulary",
    "Level 2 Early Help contacts with neglect",
    "LC-2024-01",
    "No Quality Assurance Officer in post",
    "Home conditions (neglect)",
    "@masa.example",
];

on_both_backends!(
    a_second_partnership_sees_and_changes_nothing_of_the_first,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let warrington = app.second_partnership().await;
        let halton_trail_before: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE partnership_id = 1")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        let specs: Vec<_> = masa::routes()
            .specs()
            .iter()
            .filter(|spec| matches!(spec.access, Access::Requires(_)) && spec.path != "/sign-out")
            .cloned()
            .collect();
        // Every id in a path is a Halton record's (the demo was loaded first, so its records hold
        // the low ids of every table), and Halton's organisation for the organisation routes.
        let halton_council = organisation_id(app, "Halton Borough Council").await;
        for role in Role::ALL {
            let mut browser = app.signed_in(warrington.email(role)).await;
            for spec in &specs {
                let path = concrete(spec.path, Some(halton_council), None);
                browser.get("/account").await;
                let response = if spec.method == Method::GET {
                    browser.get(&path).await
                } else {
                    browser.post(&path, &[]).await
                };
                if spec.path.contains('{') {
                    // 400 is a file-upload route refusing a body that is not multipart, before
                    // it looks anything up.
                    assert!(
                        response.status == StatusCode::NOT_FOUND
                            || response.status == StatusCode::FORBIDDEN
                            || (spec.method == Method::POST
                                && response.status == StatusCode::BAD_REQUEST),
                        "{role:?} of another partnership must not reach {} {path}: {}",
                        spec.method,
                        response.status
                    );
                }
                for secret in HALTON_ONLY {
                    assert!(
                        !response.body.contains(secret),
                        "{role:?} of another partnership saw {secret:?} at {} {path}",
                        spec.method
                    );
                }
            }
        }
        let halton_trail_after: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE partnership_id = 1")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(
            halton_trail_before, halton_trail_after,
            "nothing of Halton's changed"
        );

        // And the other way: Halton's business unit sees nothing of Warrington's.
        let mut halton = app.signed_in("admin@masa.example").await;
        for page in [
            "/partnership/organisations",
            "/users",
            "/audit-trail",
            "/dataset/indicators",
        ] {
            let response = halton.get(page).await;
            response
                .assert_lacks("Warrington Borough Council")
                .assert_lacks("@warrington.example");
        }
        let forged = halton
            .get(&format!(
                "/partnership/organisations/{}",
                warrington.organisation_id
            ))
            .await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND);
    }
);

// The JSON API by route: every `Access::ApiToken` route refuses a request with no token, a
// wrong one or a revoked one (401), and a live token of another organisation or another
// partnership neither sees nor changes the police's draft (404 for its id, 422 for its codes).
on_both_backends!(every_api_route_refuses_a_caller_it_is_not_for, |app| {
    use crate::dataset::{api, police_draft, values_of};
    masa::demo::load(&app.db).await.unwrap();
    let specs: Vec<_> = masa::routes()
        .specs()
        .iter()
        .filter(|spec| spec.access == Access::ApiToken)
        .cloned()
        .collect();
    assert_eq!(specs.len(), 3, "the walk covers the whole API");
    let draft = police_draft(app).await;
    let mut police = app.signed_in("police.data@masa.example").await;
    let revoked = police.new_api_token("Nightly export").await;
    let revoked_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    police.get("/dataset/tokens").await;
    assert_eq!(
        police
            .post(&format!("/dataset/tokens/{revoked_id}/revoke"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let own = police.new_api_token("Nightly export").await;
    let mut icb = app.signed_in("icb.data@masa.example").await;
    let other_organisation = icb.new_api_token("Nightly export").await;
    let warrington = app.second_partnership().await;
    let mut warrington_lead = app.signed_in(warrington.email(Role::PartnerDataLead)).await;
    let other_partnership = warrington_lead.new_api_token("Nightly export").await;

    // A write to the police's own draft, which no one else's token may make.
    let body = r#"{"period": "2026-27 Q2", "values": [{"indicator_code": "MFH-01", "value": 99}]}"#;
    let values_before = values_of(app, draft).await;
    let drops_before = app.count("SELECT COUNT(*) FROM data_drops").await;
    let trail_before = app.count("SELECT COUNT(*) FROM audit_events").await;
    for spec in &specs {
        let path = spec.path.replace("{id}", &draft.to_string());
        let method = spec.method.as_str();
        let body = if spec.method == Method::POST {
            body
        } else {
            ""
        };
        for (who, token) in [
            ("no token", ""),
            ("a wrong token", "masa_not_a_token"),
            ("a revoked token", revoked.as_str()),
        ] {
            let (status, answer) = api(app, method, &path, token, body).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{who} must be refused {method} {path}"
            );
            assert!(answer["error"].is_string(), "{who}: {answer}");
        }
        for (who, token) in [
            ("another organisation's token", other_organisation.as_str()),
            ("another partnership's token", other_partnership.as_str()),
        ] {
            let (status, answer) = api(app, method, &path, token, body).await;
            let expected = if spec.path.contains('{') {
                StatusCode::NOT_FOUND
            } else if spec.method == Method::POST {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            assert_eq!(status, expected, "{who} at {method} {path}: {answer}");
            // The police's indicators and draft stay out of the answer.
            assert!(
                !answer.to_string().contains("MFH-01") || spec.method == Method::POST,
                "{who} saw the police's indicator at {method} {path}: {answer}"
            );
            if who.contains("partnership") {
                for secret in HALTON_ONLY {
                    assert!(
                        !answer.to_string().contains(secret),
                        "{who} saw {secret:?} at {method} {path}"
                    );
                }
            }
        }
    }
    assert_eq!(
        values_of(app, draft).await,
        values_before,
        "the draft is unchanged"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_drops").await,
        drops_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        trail_before,
        "nothing was changed"
    );
    // With no Authorization header at all, likewise.
    for spec in &specs {
        use tower::ServiceExt;
        let path = spec.path.replace("{id}", &draft.to_string());
        let request = axum::http::Request::builder()
            .method(spec.method.clone())
            .uri(&path)
            .body(axum::body::Body::from(if spec.method == Method::POST {
                body
            } else {
                ""
            }))
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "no header at {} {path}",
            spec.method
        );
    }
    // The walk can fail: the police's own live token reaches its draft.
    let (status, answer) = api(app, "GET", &format!("/api/v1/data-drops/{draft}"), &own, "").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
});
