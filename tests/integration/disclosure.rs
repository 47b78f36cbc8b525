//! Small-number suppression through the real routes: no published output of a series (the
//! indicator page, scorecard page, series and scorecard CSV and XLSX) changes when a suppressed
//! value does, so none can be used to work it out.

use crate::on_both_backends;
use crate::support::{Browser, TestApp};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

/// The bytes of a download, as served (the browser helper keeps bodies as text).
async fn download(app: &TestApp, browser: &Browser<'_>, path: &str) -> Vec<u8> {
    let request = Request::builder()
        .uri(path)
        .header(
            header::COOKIE,
            format!(
                "masa_session={}",
                browser.cookie.clone().unwrap_or_default()
            ),
        )
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    to_bytes(response.into_body(), 50 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec()
}

/// Everything published about one indicator, as one reader sees it; workbooks as their cells.
async fn published(app: &TestApp, browser: &mut Browser<'_>, id: i64) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    for path in [
        format!("/dataset/indicators/{id}"),
        "/dataset".to_owned(),
        format!("/dataset/indicators/{id}/series.csv"),
        "/dataset/scorecard.csv".to_owned(),
    ] {
        let response = browser.get(&path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        outputs.push((path, response.body));
    }
    for path in [
        format!("/dataset/indicators/{id}/series.xlsx"),
        "/dataset/scorecard.xlsx".to_owned(),
    ] {
        let bytes = download(app, browser, &path).await;
        let cells = masa_sheets::read_rows(&bytes).expect("the workbook reads back");
        outputs.push((path, format!("{cells:?}")));
    }
    outputs
}

/// Changes the indicator's approved values as `change` says, and moves the partnership's
/// revision (as every real change does, with its audit entry) so no cached page is reused.
async fn change_values(app: &TestApp, id: i64, change: impl Fn(f64) -> Option<f64>) -> usize {
    let rows: Vec<(i64, f64)> = sqlx::query_as(
        "SELECT v.id, v.value FROM data_values v JOIN data_drops d ON d.id = v.data_drop_id \
         WHERE v.indicator_id = $1 AND d.status = 'approved'",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut change_values = masa::kernel::Change::begin(
        &app.db,
        masa::kernel::audit::Actor::system(
            "disclosure test",
            masa::kernel::ids::PartnershipId::new(1),
        ),
    )
    .await
    .unwrap();
    let tx = change_values.transaction();
    let mut changed = 0;
    for (value_id, value) in rows {
        if let Some(new) = change(value) {
            sqlx::query("UPDATE data_values SET value = $1 WHERE id = $2")
                .bind(new)
                .bind(value_id)
                .execute(&mut **tx)
                .await
                .unwrap();
            changed += 1;
        }
    }
    change_values
        .record(masa::kernel::audit::AuditEntry::new(
            masa::kernel::audit::AuditAction::Update,
            "indicator",
            id,
            "Changed values for the test",
        ))
        .await
        .unwrap();
    change_values.commit().await.unwrap();
    changed
}

/// A long line (an SVG) cut to the part around its first difference would be best; its start
/// is enough to name it.
fn cut(line: &str) -> &str {
    line.get(..300.min(line.len())).unwrap_or(line)
}

fn assert_same(before: &[(String, String)], after: &[(String, String)]) {
    for ((path, first), (_, second)) in before.iter().zip(after) {
        assert!(
            first == second,
            "{path} changed with a suppressed value:\n{}",
            first
                .lines()
                .zip(second.lines())
                .filter(|(a, b)| a != b)
                .take(3)
                .map(|(a, b)| format!("- {}\n+ {}", cut(a), cut(b)))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

on_both_backends!(published_outputs_do_not_give_away_a_small_count, |app| {
    masa::demo::load(&app.db).await.unwrap();
    // Ketamine-related referrals: a count with a threshold of 5, small in some quarters.
    let id: i64 = sqlx::query_scalar("SELECT id FROM indicators WHERE code = 'KET-01'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let mut member = app.signed_in("member@masa.example").await;
    let before = published(app, &mut member, id).await;
    assert!(before[2].1.contains("fewer than 5"), "{}", before[2].1);
    assert!(
        before[2].1.contains("left out of the mean and limits"),
        "{}",
        before[2].1
    );
    assert!(
        before[0]
            .1
            .contains("The mean and process limits leave out the"),
        "the page says the mean leaves the small counts out"
    );

    // Every small count becomes another small count (1→2, 2→3, 3→4, 4→1): nothing published moves.
    let small = |value: f64| (value > 0.0 && value < 5.0).then(|| value % 4.0 + 1.0);
    assert!(
        change_values(app, id, small).await > 0,
        "the demo has small counts"
    );
    let after = published(app, &mut member, id).await;
    assert_same(&before, &after);

    // A published value does move them, so the comparison above could have failed.
    let large = |value: f64| (value > 0.0 && value < 5.0).then_some(40.0);
    change_values(app, id, large).await;
    let published_now = published(app, &mut member, id).await;
    assert_ne!(before[2].1, published_now[2].1);
    assert!(!published_now[2].1.contains("fewer than 5"));
});
