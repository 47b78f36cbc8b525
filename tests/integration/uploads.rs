//! Hostile files through the real upload route, files that are not what their names say,
//! semicolon CSVs, the data drop template read back, and exports that can never carry a formula.

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
    browser
        .send(crate::support::multipart_request(
            &format!("/dataset/drops/{drop_id}/upload"),
            &cookie,
            &[("csrf_token", &token)],
            Some((file_name, bytes)),
        ))
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
                .assert_contains("There is a problem")
                .assert_contains(file.file_name)
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

/// The drop page's upload form as a browser sends it with no file chosen: an unnamed, empty part.
async fn upload_nothing(browser: &mut Browser<'_>, drop_id: i64) -> crate::support::Response {
    upload(browser, drop_id, "", b"").await
}

on_both_backends!(
    files_that_are_not_what_their_names_say_are_named_and_refused,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let draft = police_draft(app).await;
        let mut lead = app.signed_in("police.data@masa.example").await;
        let before = saved_state(app, draft).await;
        let workbook = masa_sheets::write_xlsx(&[masa_sheets::SheetTable {
            name: "Data drop",
            header: vec!["indicator_code".into(), "period".into(), "value".into()],
            rows: Vec::new(),
        }])
        .unwrap();
        let not_excel = "is not an Excel file: it is";
        let cases: Vec<(&str, Vec<u8>, String)> = vec![
            (
                "figures.xlsx",
                b"%PDF-1.7 minutes".to_vec(),
                format!(
                    "figures.xlsx {not_excel} a PDF document. Save it from Excel as .xlsx, or upload it as .csv."
                ),
            ),
            (
                "figures.xlsx",
                b"\x89PNG\r\n\x1a\n....".to_vec(),
                format!("figures.xlsx {not_excel} a PNG image."),
            ),
            (
                "figures.xlsx",
                b"indicator_code,period,value\nMFH-01,2026-27 Q2,30\n".to_vec(),
                format!("figures.xlsx {not_excel} a text file."),
            ),
            (
                "figures.csv",
                workbook,
                "figures.csv is not a CSV file: it is a zipped file".to_owned(),
            ),
            (
                "figures.csv",
                b"\x01\x02\x03binary".to_vec(),
                "figures.csv is not a CSV file: it is binary data, not text.".to_owned(),
            ),
            (
                "figures.xls",
                b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec(),
                "figures.xls is an Excel 97-2003 workbook (.xls), which MASA does not read."
                    .to_owned(),
            ),
            (
                "figures.csv",
                Vec::new(),
                "figures.csv is empty.".to_owned(),
            ),
        ];
        for (file_name, bytes, message) in cases {
            let refused = upload(&mut lead, draft, file_name, &bytes).await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{message}"
            );
            // The one message, in the summary and on the file field.
            assert_eq!(
                refused.body.matches(&message).count(),
                2,
                "{message}: {}",
                refused.body
            );
            refused
                .assert_contains("There is a problem")
                .assert_lacks("Correct these rows");
            assert_eq!(saved_state(app, draft).await, before, "{file_name}");
        }
        // No file chosen: "Choose a file to upload", and nothing else.
        let nothing = upload_nothing(&mut lead, draft).await;
        assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(nothing.body.matches("Choose a file to upload").count(), 2);
        nothing
            .assert_contains("There is a problem")
            .assert_lacks("was not uploaded")
            .assert_lacks("Correct these rows")
            .assert_lacks("Correct the rows");
        assert_eq!(saved_state(app, draft).await, before);
    }
);

async fn value_of(app: &TestApp, drop_id: i64, code: &str) -> Option<(f64, String)> {
    sqlx::query_as(
        "SELECT v.value, v.note FROM data_values v JOIN indicators i ON i.id = v.indicator_id \
         WHERE v.data_drop_id = $1 AND i.code = $2",
    )
    .bind(drop_id)
    .bind(code)
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
}

on_both_backends!(semicolon_csvs_are_read_with_their_decimal_commas, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let draft = police_draft(app).await;
    let period: String = sqlx::query_scalar("SELECT period_start FROM data_drops WHERE id = $1")
        .bind(draft)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let quarter = masa::dataset::model::Quarter::parse(&period)
        .unwrap()
        .label();
    let mut lead = app.signed_in("police.data@masa.example").await;
    // As Excel saves "CSV" where the comma is the decimal mark.
    let semicolons = format!(
        "Indicator code;Period;Value;Note\r\nMFH-01;{quarter};37;Steady\r\nSM-02;{quarter};86,5;Up; a little\r\n"
    );
    let saved = upload(&mut lead, draft, "figures.csv", semicolons.as_bytes()).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        value_of(app, draft, "SM-02").await,
        Some((86.5, "Up".to_owned()))
    );
    assert_eq!(value_of(app, draft, "MFH-01").await.unwrap().0, 37.0);
    // In a comma file, a decimal comma is named, never read as a thousands comma.
    let commas = format!("indicator_code,period,value\nMFH-01,{quarter},\"12,5\"\n");
    let refused = upload(&mut lead, draft, "figures.csv", commas.as_bytes()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("figures.csv was not uploaded")
        .assert_contains(
            "Row 2, value (column C): &#34;12,5&#34; is not a number: write decimals with a point, like 12.5",
        );
    assert_eq!(value_of(app, draft, "MFH-01").await.unwrap().0, 37.0);
});

/// A template download: its file name (from Content-Disposition) and its bytes.
async fn template(
    app: &TestApp,
    browser: &Browser<'_>,
    drop_id: i64,
    format: &str,
) -> (String, Vec<u8>) {
    let request = Request::builder()
        .uri(format!("/dataset/drops/{drop_id}/template.{format}"))
        .header(
            header::COOKIE,
            format!("masa_session={}", browser.cookie.clone().unwrap()),
        )
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .expect("router answers");
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024)
        .await
        .expect("body");
    (disposition, bytes.to_vec())
}

on_both_backends!(
    the_data_drop_template_is_named_explained_and_read_back,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let draft = police_draft(app).await;
        let period: String =
            sqlx::query_scalar("SELECT period_start FROM data_drops WHERE id = $1")
                .bind(draft)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        let quarter = masa::dataset::model::Quarter::parse(&period).unwrap();
        // The latest approved value of MFH-01 before this quarter, as the template must show it.
        let (last_period, last_value): (String, f64) = sqlx::query_as(
            "SELECT d.period_start, v.value FROM data_values v JOIN data_drops d ON d.id = v.data_drop_id \
             JOIN indicators i ON i.id = v.indicator_id JOIN organisations o ON o.id = d.organisation_id \
             WHERE i.code = 'MFH-01' AND o.name = 'Cheshire Constabulary' AND d.status = 'approved' \
             AND d.period_start < $1 ORDER BY d.period_start DESC, d.version DESC LIMIT 1",
        )
        .bind(&period)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let last_quarter = masa::dataset::model::Quarter::parse(&last_period).unwrap();
        let mut lead = app.signed_in("police.data@masa.example").await;
        let file_stem = format!(
            "Cheshire-Constabulary-{}-data-drop",
            quarter.label().replace(' ', "-")
        );
        for (format, value) in [("xlsx", "31"), ("csv", "32")] {
            let (disposition, bytes) = template(app, &lead, draft, format).await;
            assert_eq!(
                disposition,
                format!("attachment; filename=\"{file_stem}.{format}\"")
            );
            let rows = masa_sheets::read_rows(&bytes).unwrap();
            assert!(
                rows[0][0].starts_with(&format!(
                    "Cheshire Constabulary data drop for {quarter}: enter each figure in the Value column"
                )),
                "{:?}",
                rows[0]
            );
            let header = &rows[1];
            // Value and Note where the first template had them, then the unit and history.
            assert_eq!(
                header[..6],
                [
                    "Indicator code",
                    "Indicator",
                    "Period",
                    "Value",
                    "Note",
                    "Unit"
                ]
            );
            let last_column = header
                .iter()
                .position(|title| title.starts_with("Last approved value"))
                .unwrap();
            let mfh = rows.iter().find(|row| row[0] == "MFH-01").unwrap();
            assert_eq!(
                mfh[last_column].parse::<f64>().unwrap(),
                last_value,
                "{header:?} {mfh:?}"
            );
            let said = format!("Last approved value ({last_quarter})");
            if header[last_column] != said {
                assert_eq!(mfh[last_column + 1], last_quarter.label(), "{header:?}");
            }
            // Filled in as a person would: a value and a note on MFH-01, everything else kept.
            let value_column = 3;
            let mut filled = rows.clone();
            for row in filled.iter_mut().skip(2) {
                row.resize(header.len(), String::new());
                if row[0] == "MFH-01" {
                    row[value_column] = value.to_owned();
                    row[value_column + 1] = format!("Filled in the {format} template");
                }
            }
            let table = masa_sheets::SheetTable {
                name: "Data drop",
                header: filled[1].clone(),
                rows: filled[2..]
                    .iter()
                    .map(|row| {
                        row.iter()
                            .map(|cell| match cell.parse::<f64>() {
                                Ok(number) => masa_sheets::Cell::Number(number),
                                Err(_) if cell.is_empty() => masa_sheets::Cell::Empty,
                                Err(_) => masa_sheets::Cell::Text(cell.clone()),
                            })
                            .collect()
                    })
                    .collect(),
            };
            let bytes = match format {
                "xlsx" => masa_sheets::write_xlsx_with_intro(&filled[0][0], &table).unwrap(),
                _ => masa_sheets::write_csv_with_intro(&filled[0][0], &table).unwrap(),
            };
            let name = format!("{file_stem}.{format}");
            let uploaded = upload(&mut lead, draft, &name, &bytes).await;
            assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
            assert_eq!(
                value_of(app, draft, "MFH-01").await,
                Some((
                    value.parse::<f64>().unwrap(),
                    format!("Filled in the {format} template")
                ))
            );
        }
        // The first template's header is still read.
        let older = format!(
            "indicator_code,indicator_name,period,value,note\nMFH-01,Missing episodes,{quarter},29,\n"
        );
        let uploaded = upload(&mut lead, draft, "masa-data-drop.csv", older.as_bytes()).await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
        assert_eq!(value_of(app, draft, "MFH-01").await.unwrap().0, 29.0);
    }
);
