//! Serious incident notifications and their statutory clocks, as the business unit and a
//! reviewer use them.

use crate::on_both_backends;
use axum::http::StatusCode;

on_both_backends!(notifications_start_clocks_and_bad_input_is_refused, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut reviewer = app.signed_in("reviewer@masa.example").await;
    let list = reviewer.get("/learning").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains("SIN-2026-05")
        .assert_contains("Breached")
        .assert_contains("SIN-2025-03");
    reviewer.get("/learning/notifications/new").await;
    let before = app.count("SELECT COUNT(*) FROM serious_incidents").await;
    let bad = reviewer
        .post(
            "/learning/notifications/new",
            &[
                ("reference", ""),
                ("subject", "Tommy Smith"),
                ("summary", "DOB 03/04/2019, lives at WA8 7QA"),
                ("became_aware_on_day", "1"),
                ("became_aware_on_month", "1"),
                ("became_aware_on_year", "2099"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Enter reference")
        .assert_contains("never a name")
        .assert_contains("seems to contain a date of birth")
        .assert_contains("today or in the past");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM serious_incidents").await,
        before
    );
    let created = reviewer
        .post(
            "/learning/notifications/new",
            &[
                ("reference", "SIN-2026-09"),
                ("subject", "Child T"),
                (
                    "summary",
                    "Exploitation concerns; police and health involved.",
                ),
                ("became_aware_on_day", "2"),
                ("became_aware_on_month", "11"),
                ("became_aware_on_year", "2026"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = reviewer.get(created.location()).await;
    // Aware Monday 2 November 2026: the Panel was due by Monday 9 November.
    page.assert_contains("was due 9 November 2026");
    let id = created.location().rsplit('/').next().unwrap().to_owned();
    let dates = |notified: &'static str, completed: &'static str| {
        vec![
            ("notified_on_day", notified),
            ("notified_on_month", "11"),
            ("notified_on_year", "2026"),
            ("rapid_review_completed_on_day", completed),
            (
                "rapid_review_completed_on_month",
                if completed.is_empty() { "" } else { "11" },
            ),
            (
                "rapid_review_completed_on_year",
                if completed.is_empty() { "" } else { "2026" },
            ),
        ]
    };
    let out_of_order = reviewer
        .post(
            &format!("/learning/notifications/{id}/dates"),
            &dates("5", "4"),
        )
        .await;
    assert_eq!(out_of_order.status, StatusCode::UNPROCESSABLE_ENTITY);
    out_of_order.assert_contains("cannot be completed before the notification");
    let saved = reviewer
        .post(
            &format!("/learning/notifications/{id}/dates"),
            &dates("5", ""),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // Notified Thursday 5 November: the rapid review is due 15 working days later, 26 November.
    reviewer
        .get(&format!("/learning/notifications/{id}"))
        .await
        .assert_contains("Done 5 November 2026")
        .assert_contains("due 26 November 2026");

    // A bank holiday added by the business unit moves the deadline; the scrutineer cannot add one.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    scrutineer.get("/learning/bank-holidays").await;
    assert_eq!(
        scrutineer
            .post("/learning/bank-holidays", &[("name", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut admin = app.signed_in("admin@masa.example").await;
    admin
        .get("/learning/bank-holidays")
        .await
        .assert_contains("Friday 25 December 2026");
    let weekend = admin
        .post(
            "/learning/bank-holidays",
            &[
                ("name", "A Saturday"),
                ("day_day", "21"),
                ("day_month", "11"),
                ("day_year", "2026"),
            ],
        )
        .await;
    assert_eq!(weekend.status, StatusCode::UNPROCESSABLE_ENTITY);
    weekend.assert_contains("weekend day");
    let christmas = admin
        .post(
            "/learning/bank-holidays",
            &[
                ("name", "Christmas"),
                ("day_day", "25"),
                ("day_month", "12"),
                ("day_year", "2026"),
            ],
        )
        .await;
    christmas.assert_contains("already a bank holiday");
    let added = admin
        .post(
            "/learning/bank-holidays",
            &[
                ("name", "State occasion"),
                ("day_day", "18"),
                ("day_month", "11"),
                ("day_year", "2026"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    admin
        .get(&format!("/learning/notifications/{id}"))
        .await
        .assert_contains("due 27 November 2026");
    // A practitioner cannot see learning reviews.
    let mut practitioner = app.signed_in("practitioner@masa.example").await;
    assert_eq!(
        practitioner.get("/learning").await.status,
        StatusCode::FORBIDDEN
    );
});
