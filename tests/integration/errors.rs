//! Every error answers as a GOV.UK page with the signed-in person's header (and a way on), or
//! as JSON under `/api/`: an unknown URL, a malformed id, an id that is not there, a refusal, a
//! refused CSRF token, a body over the limit, a failure.

use crate::on_both_backends;
use axum::http::StatusCode;

/// A GOV.UK error page in the signed-in frame: the heading, the person's header and
/// navigation, and a link home.
fn assert_error_page(response: &crate::support::Response, status: StatusCode, heading: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert!(
        response
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html")),
        "an error page is HTML"
    );
    response
        .assert_contains(&format!("<h1 class=\"govuk-heading-l\">{heading}</h1>"))
        .assert_contains("Go to the home page")
        .assert_contains("Sign out")
        .assert_contains("govuk-service-navigation");
}

on_both_backends!(every_error_is_a_gov_uk_page_in_the_signed_in_frame, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    assert_error_page(
        &admin.get("/no-such-page").await,
        StatusCode::NOT_FOUND,
        "Page not found",
    );
    // A malformed id is a page that does not exist, wherever the id is read.
    for path in [
        "/dataset/drops/abc",
        "/partnership/organisations/abc",
        "/tracker/risks/12x",
        "/learning/reviews/%3Cscript%3E",
    ] {
        let response = admin.get(path).await;
        assert_error_page(&response, StatusCode::NOT_FOUND, "Page not found");
        response.assert_lacks("<script>");
    }
    assert_error_page(
        &admin.get("/tracker/risks/987654").await,
        StatusCode::NOT_FOUND,
        "Page not found",
    );
    // A method a route does not take.
    let wrong_method = admin.post("/tracker/risks/heat-map", &[]).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    wrong_method
        .assert_contains("Page not found")
        .assert_contains("Sign out");

    let mut practitioner = app.signed_in("practitioner@masa.example").await;
    assert_error_page(
        &practitioner.get("/users").await,
        StatusCode::FORBIDDEN,
        "You do not have permission to see or change this",
    );

    let refused = admin
        .post_raw(
            "/partnership/organisations/new",
            &[("csrf_token", "forged"), ("name", "Forged Trust")],
        )
        .await;
    assert_error_page(
        &refused,
        StatusCode::FORBIDDEN,
        "Your form could not be accepted",
    );

    let huge = "x".repeat(1024 * 1024 + 1);
    let too_large = admin
        .post("/partnership/organisations/new", &[("name", &huge)])
        .await;
    assert_error_page(
        &too_large,
        StatusCode::PAYLOAD_TOO_LARGE,
        "The file or form is too large",
    );

    // A failure: the policies' table is gone from under the service.
    sqlx::query("ALTER TABLE policies RENAME TO policies_moved")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let failed = admin.get("/tracker/policies").await;
    assert_error_page(
        &failed,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Sorry, there is a problem with the service",
    );
    failed.assert_lacks("policies_moved");
    sqlx::query("ALTER TABLE policies_moved RENAME TO policies")
        .execute(&app.db.pool)
        .await
        .unwrap();

    // Signed out, the same pages in the frame before sign-in.
    let mut visitor = app.browser();
    let unknown = visitor.get("/no-such-page").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    unknown
        .assert_contains("Page not found")
        .assert_lacks("Sign out");
});

on_both_backends!(api_errors_are_json, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut caller = app.browser();
    for (path, status) in [
        ("/api/no-such-route", StatusCode::NOT_FOUND),
        ("/api/v1/data-drops", StatusCode::METHOD_NOT_ALLOWED),
    ] {
        let response = caller.get(path).await;
        assert_eq!(response.status, status, "{path}: {}", response.body);
        assert_eq!(
            response.headers.get("content-type").unwrap(),
            "application/json",
            "{path}"
        );
        let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
        assert!(body["error"].is_string(), "{path}: {body}");
    }
});
