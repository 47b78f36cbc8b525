//! The audit trail's pages: filters and CSV export.

use crate::on_both_backends;
use axum::http::StatusCode;

on_both_backends!(the_trail_filters_and_exports, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let all = admin.get("/audit-trail").await;
    assert_eq!(all.status, StatusCode::OK);
    all.assert_contains("Page 1 of")
        .assert_contains("admin@masa.example signed in");
    let groups = admin
        .get("/audit-trail?entity_type=group&action=create")
        .await;
    groups
        .assert_contains("Created group")
        .assert_lacks("Created organisation");
    let by_actor = admin
        .get("/audit-trail?actor=demo+loader&entity_type=business_plan")
        .await;
    by_actor.assert_contains("1 entry");
    let future = admin.get("/audit-trail?from=2099-01-01").await;
    future.assert_contains("0 entries");
    let bad_date = admin.get("/audit-trail?from=31/02/2026").await;
    bad_date.assert_contains("From date must be a real date");

    let export = admin
        .get("/audit-trail/export.csv?entity_type=business_plan_item")
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(
        export.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let mut reader = csv::Reader::from_reader(export.body.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("id"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6, "three priorities and three themes");
    assert!(
        rows.iter()
            .all(|row| row.get(3) == Some("create") && row.get(2) == Some("demo loader"))
    );

    // A data lead cannot read the trail.
    let mut lead = app.signed_in("police.data@masa.example").await;
    assert_eq!(lead.get("/audit-trail").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        lead.get("/audit-trail/export.csv").await.status,
        StatusCode::FORBIDDEN
    );
});
