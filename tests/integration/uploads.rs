//! Hostile files through the real upload route, and exports that can never carry a formula.

use crate::on_both_backends;
use crate::support::{Browser, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

async fn police_draft(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT d.id FROM data_drops d JOIN organisations o ON o.id = d.organisation_id \
         WHERE o.name = 'Cheshire Constabulary' AND d.status = 'draft'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// Everything an upload could change: the drop's values, its row, and the audit trail.
async fn saved_state(app: &TestApp, drop_id: i64) -> (Vec<(i64, f64, String)>, String, i64) {
    let values = sqlx::query_as(
        "SELECT indicator_id, value, note FROM data_values WHERE data_drop_id = $1 ORDER BY indicator_id",
    )
    .bind(drop_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let (status, version): (String, i64) =
        sqlx::query_as("SELECT status, version FROM data_drops WHERE id = $1")
            .bind(drop_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let audit = app.count("SELECT COUNT(*) FROM audit_events").await;
    (values, format!("{status} v{version}"), audit)
}

async fn upload(
    browser: &mut Browser<'_>,
    drop_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> crate::support::Response {
    browser.get(&format!("/dataset/drops/{drop_id}")).await;
    let token = browser.csrf.clone().unwrap();
    let cookie = browser.cookie.clone().unwrap();
    let boundary = "masa-hostile-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    browser
        .send(
            Request::builder()
                .method("POST")
                .uri(format!("/dataset/drops/{drop_id}/upload"))
                .header(header::COOKIE, format!("masa_session={cookie}"))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
}

on_both_backends!(
    hostile_uploads_are_refused_whole_and_change_nothing,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let draft = police_draft(app).await;
        let mut lead = app.signed_in("police.data@masa.example").await;
        let before = saved_state(app, draft).await;
        for file in masa_sheets::hostile::all() {
            let started = std::time::Instant::now();
            let refused = upload(&mut lead, draft, file.file_name, &file.bytes).await;
            let elapsed = started.elapsed();
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {}",
                file.name,
                refused.body
            );
            refused
                .assert_contains("The file was not uploaded")
                .assert_contains(file.refused_with);
            assert!(
                elapsed < std::time::Duration::from_secs(30),
                "{}: {elapsed:?}",
                file.name
            );
            assert_eq!(
                saved_state(app, draft).await,
                before,
                "{}: nothing saved",
                file.name
            );
        }
    }
);

on_both_backends!(exports_never_carry_a_formula_headers_included, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let indicator: i64 = sqlx::query_scalar("SELECT id FROM indicators WHERE code = 'MFH-01'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // Through the form, as the business unit would type it.
    let added = admin
        .post(
            &format!("/dataset/indicators/{indicator}/comparators"),
            &[
                ("period", "2025-26 Q4"),
                ("name", "=HYPERLINK(\"http://evil.example\",\"England\")"),
                ("value", "3"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    // And names the form would trim, straight into the table.
    for name in ["+1+cmd", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"] {
        sqlx::query(
            "INSERT INTO indicator_comparators (indicator_id, period_start, name, value) VALUES ($1, '2026-01-01', $2, 3)",
        )
        .bind(indicator)
        .bind(name)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let csv = admin.get("/dataset/scorecard.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.body.as_bytes());
    let header = reader.records().next().unwrap().unwrap();
    let comparators: Vec<&str> = header
        .iter()
        .filter(|title| title.ends_with("(comparator)"))
        .collect();
    assert!(comparators.len() >= 6, "{comparators:?}");
    for title in &comparators {
        assert!(
            !title.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "scorecard.csv header {title:?} would run as a formula"
        );
    }
    assert!(comparators.contains(&"'=HYPERLINK(\"http://evil.example\",\"England\") (comparator)"));
    // The workbook's header too.
    let request = Request::builder()
        .uri("/dataset/scorecard.xlsx")
        .header(
            header::COOKIE,
            format!("masa_session={}", admin.cookie.clone().unwrap()),
        )
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .expect("router answers");
    let bytes = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024)
        .await
        .expect("body");
    let rows = masa_sheets::read_rows(&bytes).unwrap();
    for title in rows[0]
        .iter()
        .filter(|title| title.ends_with("(comparator)"))
    {
        assert!(
            !title.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "scorecard.xlsx header {title:?}"
        );
    }
});
