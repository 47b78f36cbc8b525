//! The dataset as partners and the business unit use it: data drops by web form, spreadsheet
//! and API; the checks that refuse bad input whole; drafts private to their organisation;
//! approval, versions and completeness; the scorecard, indicator pages and exports.

use crate::on_both_backends;
use crate::support::{Browser, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

async fn id_of(app: &TestApp, sql: &'static str, value: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(value)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn organisation(app: &TestApp, name: &str) -> i64 {
    id_of(app, "SELECT id FROM organisations WHERE name = $1", name).await
}

/// The draft the demo leaves for the police in the quarter being collected.
pub(crate) async fn police_draft(app: &TestApp) -> i64 {
    let police = organisation(app, "Cheshire Constabulary").await;
    sqlx::query_scalar("SELECT id FROM data_drops WHERE organisation_id = $1 AND status = 'draft'")
        .bind(police)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

pub(crate) async fn values_of(app: &TestApp, drop_id: i64) -> Vec<(i64, f64)> {
    sqlx::query_as(
        "SELECT indicator_id, value FROM data_values WHERE data_drop_id = $1 ORDER BY indicator_id",
    )
    .bind(drop_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

const STORYBOARD: [(&str, &str); 4] = [
    (
        "working_well",
        "Return home interviews stay high after the missing-from-home meeting began.",
    ),
    (
        "worried_about",
        "Exploitation referrals rose in the WA7 area over the summer.",
    ),
    (
        "doing_about_it",
        "Weekly contextual safeguarding meetings now review every medium-risk referral.",
    ),
    (
        "previous_actions",
        "The ketamine task and finish group has reported to the Executive.",
    ),
];

/// Field names and values for every police indicator, from the draft page's inputs.
fn value_fields(page: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for part in page.split("name=\"value_").skip(1) {
        let id: String = part.chars().take_while(char::is_ascii_digit).collect();
        let value = part
            .split("value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .to_owned();
        fields.push((format!("value_{id}"), value));
    }
    fields
}

async fn post_fields(
    browser: &mut Browser<'_>,
    path: &str,
    fields: &[(String, String)],
) -> crate::support::Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(path, &borrowed).await
}

on_both_backends!(
    a_partner_fills_in_submits_and_the_business_unit_approves,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let draft = police_draft(app).await;
        let mut lead = app.signed_in("police.data@masa.example").await;
        let list = lead.get("/dataset/drops").await;
        assert_eq!(list.status, StatusCode::OK);
        list.assert_contains("2026-27 Q2")
            .assert_contains(&format!("/dataset/drops/{draft}"));
        let page = lead.get(&format!("/dataset/drops/{draft}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let mut fields = value_fields(&page.body);
        assert_eq!(fields.len(), 6, "one input per police indicator");

        // A word where a number belongs: refused, named, nothing saved.
        let before = values_of(app, draft).await;
        fields[0].1 = "lots".into();
        let refused = post_fields(
            &mut lead,
            &format!("/dataset/drops/{draft}/values"),
            &fields,
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("is not a number")
            .assert_contains("govuk-error-summary");
        assert_eq!(values_of(app, draft).await, before);

        // Submitting needs the storyboard; personal data in it is refused.
        fields[0].1 = before
            .first()
            .map(|(_, v)| format!("{v}"))
            .unwrap_or_else(|| "1".into());
        let mut with_submit = fields.clone();
        with_submit.push(("submit".into(), "yes".into()));
        let unready = post_fields(
            &mut lead,
            &format!("/dataset/drops/{draft}/values"),
            &with_submit,
        )
        .await;
        assert_eq!(unready.status, StatusCode::UNPROCESSABLE_ENTITY);
        unready.assert_contains("Storyboard: answer");
        let mut identifying = with_submit.clone();
        identifying.extend(
            STORYBOARD
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        identifying.retain(|(k, _)| k != "worried_about");
        identifying.push((
            "worried_about".into(),
            "A boy called Tommy, DOB 03/04/2012, went missing again.".into(),
        ));
        let personal = post_fields(
            &mut lead,
            &format!("/dataset/drops/{draft}/values"),
            &identifying,
        )
        .await;
        assert_eq!(personal.status, StatusCode::UNPROCESSABLE_ENTITY);
        personal.assert_contains("seems to contain a date of birth");

        let mut complete = with_submit.clone();
        complete.extend(
            STORYBOARD
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let submitted = post_fields(
            &mut lead,
            &format!("/dataset/drops/{draft}/values"),
            &complete,
        )
        .await;
        assert_eq!(
            submitted.status,
            StatusCode::SEE_OTHER,
            "{}",
            submitted.body
        );
        lead.get(&format!("/dataset/drops/{draft}"))
            .await
            .assert_contains("submitted to the business unit")
            .assert_contains("Submitted");
        // A submitted drop cannot be changed.
        let late = post_fields(
            &mut lead,
            &format!("/dataset/drops/{draft}/values"),
            &fields,
        )
        .await;
        assert_eq!(late.status, StatusCode::BAD_REQUEST);

        // The business unit returns without a comment: refused; then approves.
        let mut admin = app.signed_in("admin@masa.example").await;
        admin
            .get(&format!("/dataset/drops/{draft}"))
            .await
            .assert_contains("Record decision");
        let no_comment = admin
            .post(
                &format!("/dataset/drops/{draft}/decision"),
                &[("decision", "return"), ("comment", "")],
            )
            .await;
        assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
        no_comment
            .assert_contains("Say what needs to change")
            .assert_contains("value=\"return\" checked");
        let approved = admin
            .post(
                &format!("/dataset/drops/{draft}/decision"),
                &[("decision", "approve"), ("comment", "")],
            )
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER);
        let missing = id_of(app, "SELECT id FROM indicators WHERE code = $1", "MFH-01").await;
        let indicator = admin.get(&format!("/dataset/indicators/{missing}")).await;
        indicator
            .assert_contains("2026-27 Q2")
            .assert_contains("role=\"img\"");

        // A revision is a new version; the approved one is kept until the new one is approved.
        let started = lead
            .post(&format!("/dataset/drops/{draft}/revise"), &[])
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER);
        let next = started
            .location()
            .rsplit('/')
            .next()
            .unwrap()
            .parse::<i64>()
            .unwrap();
        assert_ne!(next, draft);
        assert_eq!(
            values_of(app, next).await.len(),
            values_of(app, draft).await.len(),
            "the new version starts from the last"
        );
        let versions: Vec<(i64, String)> = sqlx::query_as("SELECT version, status FROM data_drops WHERE organisation_id = (SELECT organisation_id FROM data_drops WHERE id = $1) AND period_start = '2026-07-01' ORDER BY version")
        .bind(draft)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(
            versions,
            vec![
                (1, "returned".to_owned()),
                (2, "approved".to_owned()),
                (3, "draft".to_owned())
            ]
        );
    }
);

async fn upload(
    browser: &mut Browser<'_>,
    drop_id: i64,
    filename: &str,
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
            Some((filename, bytes)),
        ))
        .await
}

on_both_backends!(
    uploads_are_checked_whole_and_bad_files_change_nothing,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let draft = police_draft(app).await;
        let mut lead = app.signed_in("police.data@masa.example").await;
        let before = values_of(app, draft).await;

        // The template round-trips: download it, fill a value, upload it.
        let template = lead
            .get(&format!("/dataset/drops/{draft}/template.csv"))
            .await;
        assert_eq!(template.status, StatusCode::OK);
        // A line of instructions, then the header (see uploads.rs for the whole template).
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(template.body.as_bytes());
        let mut writer = csv::Writer::from_writer(Vec::new());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&records[1][0], "Indicator code");
        let value_column = records[1]
            .iter()
            .position(|title| title == "Value")
            .unwrap();
        for record in &records {
            let mut cells: Vec<&str> = record.iter().collect();
            if cells[0] == "MFH-01" {
                cells[value_column] = "33";
            }
            writer.write_record(cells).unwrap();
        }
        let filled = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let good = upload(&mut lead, draft, "drop.csv", filled.as_bytes()).await;
        assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
        let missing = id_of(app, "SELECT id FROM indicators WHERE code = $1", "MFH-01").await;
        assert!(
            values_of(app, draft).await.contains(&(missing, 33.0)),
            "the uploaded value is saved"
        );
        let xlsx = lead
            .get(&format!("/dataset/drops/{draft}/template.xlsx"))
            .await;
        assert_eq!(
            xlsx.headers.get("content-type").unwrap(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );

        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "wrong columns",
                b"code,amount\nMFH-01,36\n".to_vec(),
                "must name the columns",
            ),
            (
                "text in a number cell",
                b"indicator_code,period,value\nMFH-01,2026-27 Q2,thirty\n".to_vec(),
                "Row 2, value (column C): &#34;thirty&#34; is not a number",
            ),
            (
                "duplicate rows",
                b"indicator_code,period,value\nMFH-01,2026-27 Q2,36\nMFH-01,2026-27 Q2,37\n"
                    .to_vec(),
                "Row 3, indicator_code (column A): MFH-01 is already given in row 2",
            ),
            (
                "a period not of this drop",
                b"indicator_code,period,value\nMFH-01,2025-26 Q2,36\n".to_vec(),
                "is not the period of this data drop",
            ),
            (
                "another organisation's code",
                b"indicator_code,period,value\nNEG-01,2026-27 Q2,80\n".to_vec(),
                "not by your organisation",
            ),
            (
                "personal data in a note",
                b"indicator_code,period,value,note\nMFH-01,2026-27 Q2,36,Mrs Smith's son\n"
                    .to_vec(),
                "Row 2, Note: seems to contain a person&#39;s name",
            ),
            (
                "a zip called .csv",
                b"PK\x03\x04garbage".to_vec(),
                "drop.csv is not a CSV file: it is a zipped file",
            ),
        ];
        let saved = values_of(app, draft).await;
        for (case, bytes, message) in cases {
            let refused = upload(&mut lead, draft, "drop.csv", &bytes).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            refused.assert_contains(message);
            // Rows' problems under the file's name; a problem with the whole file alone.
            assert!(
                refused.body.contains("drop.csv was not uploaded")
                    || refused.body.contains("There is a problem"),
                "{case}"
            );
            assert_eq!(values_of(app, draft).await, saved, "{case}: nothing saved");
        }
        // A 4 MB file reaches the checks (and is refused by them, naming why); a 10 MB one is
        // refused at the door; so is a zip bomb.
        let mut long = String::from("indicator_code,period,value\n");
        while long.len() < 4 * 1024 * 1024 {
            long.push_str("MFH-01,2026-27 Q2,36\n");
        }
        let too_long = upload(&mut lead, draft, "long.csv", long.as_bytes()).await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
        too_long.assert_contains("long.csv has more than");
        let big = upload(&mut lead, draft, "big.csv", &vec![b'1'; 10 * 1024 * 1024]).await;
        assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
        big.assert_contains("at most 5 MB");
        let mut bomb = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut bomb));
            writer
                .start_file(
                    "xl/worksheets/sheet1.xml",
                    zip::write::SimpleFileOptions::default(),
                )
                .unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..80 {
                std::io::Write::write_all(&mut writer, &zeros).unwrap();
            }
            writer.finish().unwrap();
        }
        let bombed = upload(&mut lead, draft, "bomb.xlsx", &bomb).await;
        assert_eq!(bombed.status, StatusCode::UNPROCESSABLE_ENTITY);
        bombed.assert_contains("bomb.xlsx expands to more than 50 MB");
        assert_eq!(values_of(app, draft).await, saved);
        assert_eq!(before.len(), saved.len());
        // An upload without the CSRF token in its body is refused.
        let cookie = lead.cookie.clone().unwrap();
        let forged = lead
            .send(crate::support::multipart_request(
                &format!("/dataset/drops/{draft}/upload"),
                &cookie,
                &[],
                Some(("drop.csv", filled.as_bytes())),
            ))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(drafts_are_private_to_their_organisation, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let draft = police_draft(app).await;
    let mut other = app.signed_in("icb.data@masa.example").await;
    assert_eq!(
        other.get(&format!("/dataset/drops/{draft}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .get(&format!("/dataset/drops/{draft}/template.csv"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    other
        .get("/dataset/drops")
        .await
        .assert_lacks(&format!("/dataset/drops/{draft}\""));
    other.get("/account").await;
    let before = values_of(app, draft).await;
    assert_eq!(
        other
            .post(
                &format!("/dataset/drops/{draft}/values"),
                &[("submit", "yes")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(values_of(app, draft).await, before);
    // The scrutineer reads submitted drops but not drafts, and cannot change any.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    assert_eq!(
        scrutineer
            .get(&format!("/dataset/drops/{draft}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let council = organisation(app, "Halton Borough Council").await;
    let submitted: i64 = sqlx::query_scalar(
        "SELECT id FROM data_drops WHERE organisation_id = $1 AND status = 'submitted'",
    )
    .bind(council)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    scrutineer
        .get(&format!("/dataset/drops/{submitted}"))
        .await
        .assert_lacks("Record decision");
    assert_eq!(
        scrutineer
            .get(&format!("/dataset/drops/{submitted}"))
            .await
            .status,
        StatusCode::OK
    );
    scrutineer.get("/account").await;
    assert_eq!(
        scrutineer
            .post(
                &format!("/dataset/drops/{submitted}/decision"),
                &[("decision", "approve")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
});

pub(crate) async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> (StatusCode, serde_json::Value) {
    use tower::ServiceExt;
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

on_both_backends!(
    the_api_accepts_values_by_token_and_refuses_what_is_not_its_own,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut police = app.signed_in("police.data@masa.example").await;
        let police_token = police.new_api_token("Nightly export").await;
        let mut icb = app.signed_in("icb.data@masa.example").await;
        let icb_token = icb.new_api_token("Nightly export").await;
        let draft = police_draft(app).await;

        let (status, _) = api(app, "GET", "/api/v1/indicators", "masa_not_a_token", "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body) = api(app, "GET", "/api/v1/indicators", &police_token, "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["indicators"].as_array().unwrap().len(), 6);
        // Another organisation's draft, by id, with a valid token: not found.
        let (status, _) = api(
            app,
            "GET",
            &format!("/api/v1/data-drops/{draft}"),
            &icb_token,
            "",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = api(
            app,
            "GET",
            &format!("/api/v1/data-drops/{draft}"),
            &police_token,
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["status"], "draft");

        // Every problem named by position; nothing saved.
        let before = values_of(app, draft).await;
        let bad = r#"{"period": "2026-27 Q2", "values": [{"indicator_code": "MFH-01", "value": "many"}, {"indicator_code": "NEG-01", "value": 80}]}"#;
        let (status, body) = api(app, "POST", "/api/v1/data-drops", &police_token, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let problems = body["problems"].as_array().unwrap();
        assert_eq!(problems[0]["index"], 0);
        assert_eq!(problems[1]["index"], 1);
        assert!(
            problems[1]["message"]
                .as_str()
                .unwrap()
                .contains("not by your organisation")
        );
        assert_eq!(values_of(app, draft).await, before);
        let (status, _) = api(
            app,
            "POST",
            "/api/v1/data-drops",
            &police_token,
            r#"{"period": "2019-20 Q1", "values": []}"#,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = api(
            app,
            "POST",
            "/api/v1/data-drops",
            &police_token,
            "{not json",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let good = r#"{"period": "2026-27 Q2", "values": [{"indicator_code": "MFH-01", "value": 34, "note": "Quarter average"}]}"#;
        let (status, body) = api(app, "POST", "/api/v1/data-drops", &police_token, good).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["id"], draft, "values go into the open draft");
        assert!(
            body["values"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["indicator_code"] == "MFH-01" && v["value"] == 34.0)
        );
        // Submitting through the API needs a complete drop and storyboard; then it is submitted.
        // (The redraft carries the returned version's storyboard: blanked here.)
        let (status, body) = api(
            app,
            "POST",
            "/api/v1/data-drops",
            &police_token,
            r#"{"period": "2026-27 Q2", "submit": true, "storyboard": {"working_well": "", "worried_about": "", "doing_about_it": "", "previous_actions": ""}}"#,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.to_string().contains("storyboard"));
        let storyboard = r#"{"period": "2026-27 Q2", "submit": true, "confirm_outliers": true, "storyboard": {"working_well": "a", "worried_about": "b", "doing_about_it": "c", "previous_actions": "d"}}"#;
        let (status, body) =
            api(app, "POST", "/api/v1/data-drops", &police_token, storyboard).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["status"], "submitted");
        // A revoked token stops working.
        police.get("/dataset/tokens").await;
        let token_id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM api_tokens")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(
            police
                .post(&format!("/dataset/tokens/{token_id}/revoke"), &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let (status, _) = api(app, "GET", "/api/v1/indicators", &police_token, "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
);

on_both_backends!(completeness_reminders_and_outliers, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let period = admin.get("/dataset/periods/2026-07-01").await;
    assert_eq!(period.status, StatusCode::OK);
    period
        .assert_contains("Cheshire Constabulary")
        .assert_contains("overdue");
    let sent = admin
        .post("/dataset/periods/2026-07-01/reminders", &[])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let queued: Vec<String> = sqlx::query_scalar("SELECT to_address FROM email_outbox ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(
        queued.contains(&"police.data@masa.example".to_owned()),
        "{queued:?}"
    );
    assert!(
        !queued.contains(&"icb.data@masa.example".to_owned()),
        "the ICB has submitted and is not reminded"
    );
    admin
        .get("/dataset/outbox")
        .await
        .assert_contains("police.data@masa.example");

    // A value ten times its history is flagged and must be confirmed before submitting.
    let draft = police_draft(app).await;
    let mut lead = app.signed_in("police.data@masa.example").await;
    let page = lead.get(&format!("/dataset/drops/{draft}")).await;
    let missing = id_of(app, "SELECT id FROM indicators WHERE code = $1", "MFH-01").await;
    let mut fields = value_fields(&page.body);
    for field in &mut fields {
        if field.0 == format!("value_{missing}") {
            field.1 = "360".into();
        }
    }
    fields.extend(
        STORYBOARD
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    fields.push(("submit".into(), "yes".into()));
    let flagged = post_fields(
        &mut lead,
        &format!("/dataset/drops/{draft}/values"),
        &fields,
    )
    .await;
    assert_eq!(flagged.status, StatusCode::UNPROCESSABLE_ENTITY);
    flagged.assert_contains("far outside its usual range");
    fields.push((format!("confirm_{missing}"), "yes".into()));
    let confirmed = post_fields(
        &mut lead,
        &format!("/dataset/drops/{draft}/values"),
        &fields,
    )
    .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
});

on_both_backends!(the_scorecard_and_its_exports, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut chair = app.signed_in("chair@masa.example").await;
    let scorecard = chair.get("/dataset").await;
    assert_eq!(scorecard.status, StatusCode::OK);
    scorecard
        .assert_contains("Return home interviews")
        .assert_contains("in relation to neglect")
        .assert_contains("<svg");
    assert_eq!(
        chair
            .get("/dataset?from=2024-25+Q1&to=2024-25+Q4")
            .await
            .status,
        StatusCode::OK
    );
    let filtered = chair
        .get("/dataset/scorecard.csv?from=2024-25+Q1&to=2024-25+Q4")
        .await;
    assert!(
        filtered.body.contains("2024-25 Q4") && !filtered.body.contains("2025-26"),
        "{}",
        filtered.body
    );
    let xlsx = chair.get("/dataset/scorecard.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let csv = chair.get("/dataset/scorecard.csv").await;
    assert!(csv.body.starts_with("Code,Indicator,Owner"));
    assert!(csv.body.contains("MFH-01"));
    // Published outputs suppress small counts.
    let ketamine = id_of(app, "SELECT id FROM indicators WHERE code = $1", "KET-01").await;
    let series = chair
        .get(&format!("/dataset/indicators/{ketamine}/series.csv"))
        .await;
    assert!(series.body.contains("fewer than"), "{}", series.body);
    let page = chair.get(&format!("/dataset/indicators/{ketamine}")).await;
    page.assert_contains("fewer than")
        .assert_contains("<figcaption");
    // A practitioner does not see the dataset.
    let mut practitioner = app.signed_in("practitioner@masa.example").await;
    assert_eq!(
        practitioner.get("/dataset").await.status,
        StatusCode::FORBIDDEN
    );
});

on_both_backends!(the_generator_writes_the_volume_asked_for, |app| {
    use masa::dataset::generate::{GenerateOptions, generate};
    masa::demo::load(&app.db).await.unwrap();
    let before = app.count("SELECT COUNT(*) FROM data_values").await;
    let options = GenerateOptions {
        partnerships: 1,
        organisations: 3,
        indicators: 9,
        quarters: 4,
        seed: 7,
    };
    let generated = generate(&app.db, &options).await.unwrap();
    assert_eq!(
        (
            generated.organisations,
            generated.indicators,
            generated.drops
        ),
        (3, 9, 12)
    );
    assert_eq!(generated.values, 36);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_values").await,
        before + 36
    );
    // Generated values obey their units, and the pages still work with them.
    let bad: i64 = app.count("SELECT COUNT(*) FROM data_values v JOIN indicators i ON i.id = v.indicator_id WHERE i.unit = 'percent' AND (v.value < 0 OR v.value > 100)").await;
    assert_eq!(bad, 0);
    let mut admin = app.signed_in("admin@masa.example").await;
    admin
        .get("/dataset")
        .await
        .assert_contains("Generated indicator 8");
});

on_both_backends!(a_large_scorecard_is_summarised_and_paged, |app| {
    use masa::dataset::generate::{GenerateOptions, generate};
    masa::demo::load(&app.db).await.unwrap();
    let options = GenerateOptions {
        partnerships: 1,
        organisations: 2,
        indicators: 80,
        quarters: 4,
        seed: 3,
    };
    generate(&app.db, &options).await.unwrap();
    let total = app
        .count("SELECT COUNT(*) FROM indicators WHERE archived_at IS NULL")
        .await;
    let pages = (total + 49) / 50;
    let mut admin = app.signed_in("admin@masa.example").await;
    let first = admin.get("/dataset").await;
    first
        .assert_contains("At a glance")
        .assert_contains(&format!("Page 1 of {pages}"))
        .assert_contains(&format!("indicators 1 to 50 of {total}"))
        .assert_contains("aria-current=\"page\"");
    let rows_on = |body: &str| {
        body.matches("<a class=\"govuk-link\" href=\"/dataset/indicators/")
            .count()
    };
    assert_eq!(rows_on(&first.body), 50);
    // The last page holds the rest, under a continued heading; a page past the end is the last.
    let last = admin.get(&format!("/dataset?page={}", pages + 5)).await;
    last.assert_contains(&format!("Page {pages} of {pages}"))
        .assert_contains("Wider multi-agency dataset (continued)")
        .assert_contains("Generated indicator 79");
    assert_eq!(rows_on(&last.body) as i64, total - 50 * (pages - 1));
    // Filters still apply, and a filtered scorecard that fits one page is not paged.
    let police = organisation(app, "Cheshire Constabulary").await;
    let filtered = admin
        .get(&format!("/dataset?organisation={police}&page=2"))
        .await;
    filtered.assert_contains("At a glance");
    assert!(!filtered.body.contains("Page 2 of"));
    assert!(!filtered.body.contains("Generated indicator"));
});

on_both_backends!(the_bulk_writer_stores_exactly_its_values_or_none, |app| {
    use masa::dataset::model::Quarter;
    use masa::dataset::store::{self, DropValue};
    use masa::kernel::ids::{IndicatorId, OrganisationId};
    masa::demo::load(&app.db).await.unwrap();
    let indicators: Vec<IndicatorId> = sqlx::query_scalar("SELECT id FROM indicators ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    let police = OrganisationId::new(organisation(app, "Cheshire Constabulary").await);
    let quarter = Quarter::parse("2016-04-01").unwrap();
    // COPY from the first value (it is kept for large batches), notes that CSV must quote,
    // and values that must survive the text round trip.
    let notes = [
        "",
        "plain",
        "a \"quoted\", comma",
        "two\nlines",
        "£ – ü \\ end",
    ];
    let numbers = [0.0, -3.25, 1e-7, 123_456_789.125, 42.0];
    let given: Vec<DropValue> = indicators
        .iter()
        .enumerate()
        .map(|(index, id)| DropValue {
            indicator_id: *id,
            value: numbers[index % numbers.len()],
            note: notes[index % notes.len()].to_owned(),
            outlier_confirmed: index % 2 == 1,
        })
        .collect();
    let mut change = masa::kernel::Change::begin(
        &app.db,
        masa::kernel::audit::Actor::system("test", masa::kernel::ids::PartnershipId::new(1)),
    )
    .await
    .unwrap();
    let drop_id = store::insert_approved_drop(&mut change, police, quarter)
        .await
        .unwrap();
    let written = store::insert_values_bulk_from(
        &app.db,
        change.transaction(),
        given.iter().map(|v| (drop_id, v)),
        0,
    )
    .await
    .unwrap();
    change
        .record(masa::kernel::audit::AuditEntry {
            action: masa::kernel::audit::AuditAction::Create,
            entity_type: "data_drop",
            entity_id: Some(drop_id.get()),
            summary: "bulk test".into(),
            before: None,
            after: None,
        })
        .await
        .unwrap();
    change.commit().await.unwrap();
    assert_eq!(written, given.len() as u64);
    assert_eq!(
        store::drop_values(
            masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
            drop_id
        )
        .await
        .unwrap(),
        given
    );

    // One bad value (an indicator that does not exist) fails the batch, and the transaction
    // then saves nothing: neither the drop nor any value.
    let values_before = app.count("SELECT COUNT(*) FROM data_values").await;
    let drops_before = app.count("SELECT COUNT(*) FROM data_drops").await;
    let mut bad = given.clone();
    bad[3].indicator_id = IndicatorId::new(999_999);
    let mut change = masa::kernel::Change::begin(
        &app.db,
        masa::kernel::audit::Actor::system("test", masa::kernel::ids::PartnershipId::new(1)),
    )
    .await
    .unwrap();
    let drop_id = store::insert_approved_drop(&mut change, police, quarter)
        .await
        .unwrap();
    let refused = store::insert_values_bulk_from(
        &app.db,
        change.transaction(),
        bad.iter().map(|v| (drop_id, v)),
        0,
    )
    .await;
    assert!(refused.is_err());
    drop(change);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_values").await,
        values_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_drops").await,
        drops_before
    );
    // A transaction that fails after its values were written saves none of them either.
    let mut change = masa::kernel::Change::begin(
        &app.db,
        masa::kernel::audit::Actor::system("test", masa::kernel::ids::PartnershipId::new(1)),
    )
    .await
    .unwrap();
    let drop_id = store::insert_approved_drop(&mut change, police, quarter)
        .await
        .unwrap();
    store::insert_values_bulk_from(
        &app.db,
        change.transaction(),
        given.iter().map(|v| (drop_id, v)),
        0,
    )
    .await
    .unwrap();
    change.rollback().await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_values").await,
        values_before
    );
    if app.db.backend == masa::kernel::db::Backend::Postgres {
        // The refused batch removed its staging table; the rolled-back one's stays until a
        // later import sweeps it (an hour on), as the rollback undid its DROP.
        let staged = app
            .count("SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'staging_data_values_%'")
            .await;
        assert_eq!(staged, 1);
        // Staging tables are working copies, never part of a backup.
        let backup = masa::kernel::backup::take(&app.db).await.unwrap();
        let json = serde_json::to_string(&backup).unwrap();
        assert!(!json.contains(masa::kernel::backup::STAGING_PREFIX));
    }
});

on_both_backends!(a_closed_period_takes_no_more_values, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let draft = police_draft(app).await;
    let mut admin = app.signed_in("admin@masa.example").await;
    admin.get("/dataset/periods/2026-07-01").await;
    assert_eq!(
        admin
            .post("/dataset/periods/2026-07-01/close", &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut lead = app.signed_in("police.data@masa.example").await;
    let before = values_of(app, draft).await;
    let refused = upload(
        &mut lead,
        draft,
        "drop.csv",
        b"indicator_code,period,value\nMFH-01,2026-27 Q2,30\n",
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("2026-27 Q2 is closed for data drops");
    lead.get("/account").await;
    assert_eq!(
        lead.post("/dataset/drops/new", &[("period", "2026-27 Q2")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(values_of(app, draft).await, before);
    // Reopened, the same upload goes in.
    admin.get("/dataset/periods/2026-07-01").await;
    assert_eq!(
        admin
            .post("/dataset/periods/2026-07-01/reopen", &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let accepted = upload(
        &mut lead,
        draft,
        "drop.csv",
        b"indicator_code,period,value\nMFH-01,2026-27 Q2,30\n",
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
});

/// A minimal SMTP server that keeps what it is sent, for the delivery test.
async fn smtp_sink() -> (u16, std::sync::Arc<tokio::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut lines = BufReader::new(reader).lines();
                writer.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                let mut message = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            kept.lock().await.push(std::mem::take(&mut message));
                            writer.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let command = line.to_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if command.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if command.starts_with("QUIT") {
                        writer.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    writer.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

on_both_backends!(reminders_are_delivered_through_smtp, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    admin.get("/dataset/periods/2026-07-01").await;
    admin
        .post("/dataset/periods/2026-07-01/reminders", &[])
        .await;
    let queued = app
        .count("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL")
        .await;
    assert!(queued >= 1);
    // A relay that is down: each message is tried, kept, and its error recorded.
    let down = masa::kernel::outbox::Mailer::new(
        "127.0.0.1",
        9,
        masa::kernel::config::SmtpTls::None,
        None,
        "business.unit@masa.example",
    )
    .unwrap();
    let failed = masa::kernel::outbox::deliver_pending(&app.db, &down, 100)
        .await
        .unwrap();
    assert_eq!(failed.failed as i64, queued);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL AND last_error IS NOT NULL"
        )
        .await,
        queued
    );
    // A working relay: all are sent and marked.
    let (port, received) = smtp_sink().await;
    let mailer = masa::kernel::outbox::Mailer::new(
        "127.0.0.1",
        port,
        masa::kernel::config::SmtpTls::None,
        None,
        "business.unit@masa.example",
    )
    .unwrap();
    let delivery = masa::kernel::outbox::deliver_pending(&app.db, &mailer, 100)
        .await
        .unwrap();
    assert_eq!(delivery.sent as i64, queued);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL")
            .await,
        0
    );
    let messages = received.lock().await;
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Subject: Data drop for 2026-27 Q2")
                && m.contains("police.data@masa.example")),
        "{messages:?}"
    );
});

on_both_backends!(the_generator_builds_partnerships_of_their_own, |app| {
    use masa::dataset::generate::{GenerateOptions, generate_reporting};
    masa::demo::load(&app.db).await.unwrap();
    let halton_values = app.count("SELECT COUNT(*) FROM data_values").await;
    let options = GenerateOptions {
        partnerships: 3,
        organisations: 2,
        indicators: 4,
        quarters: 3,
        seed: 11,
    };
    let mut committed = Vec::new();
    let generated = generate_reporting(&app.db, &options, |so_far| {
        committed.push((so_far.partnerships, so_far.values));
    })
    .await
    .unwrap();
    // Each partnership is committed on its own, and reported as it is.
    assert_eq!(committed, vec![(1, 12), (2, 24), (3, 36)]);
    assert_eq!(
        (
            generated.partnerships,
            generated.organisations,
            generated.indicators,
            generated.drops,
            generated.values
        ),
        (3, 6, 12, 18, 36)
    );
    assert!(generated.write_rate() > 0.0);
    // The demo stays partnership 1 (its second partnership, 2, shares audit returns and has no
    // indicators); the generated ones come after them, each with its own organisations,
    // indicators (the same codes: codes are unique per partnership), periods and drops, and
    // every drop's values are of its own partnership's indicators.
    assert_eq!(app.count("SELECT COUNT(*) FROM partnerships").await, 5);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_values v JOIN data_drops d ON d.id = v.data_drop_id WHERE d.partnership_id = 1")
            .await,
        halton_values
    );
    for table in ["indicators", "collection_periods", "data_drops"] {
        let per_partnership: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT partnership_id, COUNT(*) FROM {table} WHERE partnership_id > 1 GROUP BY partnership_id ORDER BY partnership_id"
        )))
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        let expected = match table {
            "indicators" => 4,
            "collection_periods" => 3,
            _ => 6,
        };
        assert_eq!(
            per_partnership,
            vec![(3, expected), (4, expected), (5, expected)],
            "{table}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT code) FROM indicators WHERE partnership_id > 1")
            .await,
        4
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM data_values v JOIN data_drops d ON d.id = v.data_drop_id \
             JOIN indicators i ON i.id = v.indicator_id WHERE i.partnership_id <> d.partnership_id"
        )
        .await,
        0
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM indicators i JOIN organisations o ON o.id = i.owner_organisation_id \
             WHERE i.partnership_id <> o.partnership_id"
        )
        .await,
        0
    );
    // Halton's scorecard shows none of them.
    let mut admin = app.signed_in("admin@masa.example").await;
    admin
        .get("/dataset")
        .await
        .assert_contains("Return home interviews")
        .assert_lacks("Generated indicator");
});

/// The parts of a form to add an indicator, owned by `owner`.
fn indicator_form<'a>(code: &'a str, name: &'a str, owner: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("name", name),
        ("definition", "Children missing from home, per quarter."),
        ("unit", "count"),
        ("polarity", "lower_is_better"),
        ("frequency", "quarterly"),
        ("owner_organisation_id", owner),
        ("priority_item_id", ""),
        ("target", ""),
        ("suppression_threshold", "5"),
        ("decimals", "0"),
        ("source", "Case management system"),
    ]
}

on_both_backends!(
    a_second_partnership_sees_and_changes_none_of_the_dataset_of_the_first,
    |app| {
        use masa::kernel::Role;
        masa::demo::load(&app.db).await.unwrap();
        let warrington = app.second_partnership().await;
        let council = warrington.organisation_id.to_string();
        let police = organisation(app, "Cheshire Constabulary").await;
        let draft = police_draft(app).await;
        let missing = id_of(app, "SELECT id FROM indicators WHERE code = $1", "MFH-01").await;
        let ketamine = id_of(app, "SELECT id FROM indicators WHERE code = $1", "KET-01").await;
        let priority: i64 = app
            .count("SELECT MIN(id) FROM business_plan_priorities")
            .await;
        let submitted: i64 = app
            .count("SELECT MIN(id) FROM data_drops WHERE status = 'submitted'")
            .await;

        // Halton's pages are seen first, so anything kept from them would show below.
        let mut halton = app.signed_in("admin@masa.example").await;
        halton
            .get("/dataset")
            .await
            .assert_contains("Return home interviews");
        halton
            .get("/dataset/drops")
            .await
            .assert_contains("Cheshire Constabulary");
        halton.get(&format!("/dataset/indicators/{missing}")).await;
        halton.get("/dataset/periods/2026-07-01").await;
        halton
            .post("/dataset/periods/2026-07-01/reminders", &[])
            .await;

        let mut admin = app
            .signed_in(warrington.email(Role::BusinessUnitAdmin))
            .await;
        // Lists: none of Halton's indicators, organisations, periods, drops or e-mails.
        let scorecard = admin.get("/dataset").await;
        assert_eq!(scorecard.status, StatusCode::OK);
        scorecard
            .assert_lacks("Return home interviews")
            .assert_lacks("MFH-01")
            .assert_lacks("Cheshire Constabulary");
        admin
            .get("/dataset/indicators?archived=yes")
            .await
            .assert_lacks("MFH-01")
            .assert_lacks("Return home interviews");
        let csv = admin.get("/dataset/scorecard.csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(!csv.body.contains("MFH-01"), "{}", csv.body);
        assert_eq!(
            admin.get("/dataset/scorecard.xlsx").await.status,
            StatusCode::OK
        );
        admin
            .get(&format!("/dataset?organisation={police}"))
            .await
            .assert_lacks("Return home interviews");
        admin
            .get("/dataset/periods")
            .await
            .assert_lacks("href=\"/dataset/periods/2026-07-01\"")
            .assert_lacks("href=\"/dataset/periods/2025-04-01\"");
        admin
            .get("/dataset/drops")
            .await
            .assert_lacks("Cheshire Constabulary")
            .assert_lacks("Halton Borough Council");
        admin
            .get("/dataset/outbox")
            .await
            .assert_lacks("police.data@masa.example");
        admin
            .get("/dataset/indicators/new")
            .await
            .assert_lacks("Cheshire Constabulary")
            // The organisation that reports an indicator is picked from the grouped,
            // searchable list, statutory partners first.
            .assert_contains("<optgroup label=\"Statutory partners\"")
            .assert_contains("data-module=\"masa-autocomplete\"");

        // Halton's ids: not found, and nothing changes.
        for path in [
            format!("/dataset/indicators/{missing}"),
            format!("/dataset/indicators/{missing}/edit"),
            format!("/dataset/indicators/{ketamine}/series.csv"),
            format!("/dataset/indicators/{ketamine}/series.xlsx"),
            "/dataset/periods/2026-07-01".to_owned(),
            format!("/dataset/drops/{draft}"),
            format!("/dataset/drops/{draft}/template.csv"),
            format!("/dataset/drops/{draft}/template.xlsx"),
        ] {
            assert_eq!(
                admin.get(&path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let audit_before = app.count("SELECT COUNT(*) FROM audit_events").await;
        let values_before = values_of(app, draft).await;
        let outbox_before = app.count("SELECT COUNT(*) FROM email_outbox").await;
        let value_field = format!("value_{missing}");
        let refused: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                format!("/dataset/indicators/{missing}/edit"),
                indicator_form("MFH-01", "Taken over", &council),
            ),
            (format!("/dataset/indicators/{missing}/archive"), vec![]),
            (format!("/dataset/indicators/{missing}/restore"), vec![]),
            (
                format!("/dataset/indicators/{missing}/comparators"),
                vec![
                    ("period", "2025-26 Q4"),
                    ("name", "England"),
                    ("value", "3"),
                ],
            ),
            ("/dataset/periods/2026-07-01/close".to_owned(), vec![]),
            ("/dataset/periods/2026-07-01/reopen".to_owned(), vec![]),
            ("/dataset/periods/2026-07-01/reminders".to_owned(), vec![]),
            (
                format!("/dataset/drops/{draft}/values"),
                vec![(value_field.as_str(), "99")],
            ),
            (
                format!("/dataset/drops/{submitted}/decision"),
                vec![("decision", "approve")],
            ),
        ];
        for (path, fields) in &refused {
            assert_eq!(
                admin.post(path, fields).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let uploaded = upload(
            &mut admin,
            draft,
            "drop.csv",
            b"indicator_code,period,value\nMFH-01,2026-27 Q2,99\n",
        )
        .await;
        assert_eq!(uploaded.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events").await,
            audit_before
        );
        assert_eq!(values_of(app, draft).await, values_before);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM email_outbox").await,
            outbox_before
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM data_drops WHERE status = 'submitted'")
                .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM collection_periods WHERE closed_at IS NULL")
                .await,
            1
        );

        // Forged ids in forms: Halton's organisation or priority is refused as not in the list.
        let police_id = police.to_string();
        let forged_owner = admin
            .post(
                "/dataset/indicators/new",
                &indicator_form("WAR-01", "Forged owner", &police_id),
            )
            .await;
        assert_eq!(forged_owner.status, StatusCode::UNPROCESSABLE_ENTITY);
        forged_owner.assert_contains("Select the organisation that reports it");
        let priority_id = priority.to_string();
        let mut with_priority = indicator_form("WAR-01", "Forged priority", &council);
        with_priority.retain(|(name, _)| *name != "priority_item_id");
        with_priority.push(("priority_item_id", &priority_id));
        let forged_priority = admin.post("/dataset/indicators/new", &with_priority).await;
        assert_eq!(forged_priority.status, StatusCode::UNPROCESSABLE_ENTITY);
        forged_priority.assert_contains("Select a priority from the list");
        let forged_drop = admin
            .post(
                "/dataset/drops/new",
                &[("period", "2026-27 Q2"), ("organisation_id", &police_id)],
            )
            .await;
        assert_eq!(forged_drop.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM indicators WHERE name LIKE 'Forged%'")
                .await,
            0
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events").await,
            audit_before
        );

        // Warrington's own catalogue may use Halton's codes, and its own period the same quarter.
        let created = admin
            .post(
                "/dataset/indicators/new",
                &indicator_form("MFH-01", "Warrington missing episodes", &council),
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let own_indicator: i64 = created.location_id();
        let opened = admin
            .post(
                "/dataset/periods/new",
                &[
                    ("period", "2026-27 Q2"),
                    ("due_on_day", "15"),
                    ("due_on_month", "11"),
                    ("due_on_year", "2026"),
                ],
            )
            .await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
        let period = admin.get("/dataset/periods/2026-07-01").await;
        period
            .assert_contains("Warrington Borough Council")
            .assert_lacks("Cheshire Constabulary");
        // Its reminders go to its own data lead only, and its audit trail names it.
        let last_email = app
            .count("SELECT COALESCE(MAX(id), 0) FROM email_outbox")
            .await;
        admin
            .post("/dataset/periods/2026-07-01/reminders", &[])
            .await;
        let reminded: Vec<String> =
            sqlx::query_scalar("SELECT to_address FROM email_outbox WHERE id > $1 ORDER BY id")
                .bind(last_email)
                .fetch_all(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(
            reminded,
            vec![warrington.email(Role::PartnerDataLead).to_owned()]
        );
        assert_eq!(
        app.count(
            "SELECT partnership_id FROM audit_events WHERE summary LIKE 'Queued%' ORDER BY id DESC LIMIT 1"
        )
        .await,
        warrington.partnership_id
    );
        admin
            .get("/dataset/outbox")
            .await
            .assert_contains(warrington.email(Role::PartnerDataLead))
            .assert_lacks("police.data@masa.example");

        // Its data lead's drop and API stay within Warrington.
        let mut lead = app.signed_in(warrington.email(Role::PartnerDataLead)).await;
        lead.get("/dataset/drops")
            .await
            .assert_lacks("Cheshire Constabulary");
        let started = lead
            .post("/dataset/drops/new", &[("period", "2026-27 Q2")])
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let own_drop: i64 = started.location_id();
        assert_eq!(
            lead.get(&format!("/dataset/drops/{own_drop}")).await.status,
            StatusCode::OK
        );
        let template = lead
            .get(&format!("/dataset/drops/{own_drop}/template.csv"))
            .await;
        assert!(template.body.contains("MFH-01") && !template.body.contains("KET-01"));
        // A Halton code in Warrington's upload is not in its catalogue.
        let foreign = upload(
            &mut lead,
            own_drop,
            "drop.csv",
            b"indicator_code,period,value\nKET-01,2026-27 Q2,3\n",
        )
        .await;
        assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
        foreign.assert_contains("is not an indicator in the catalogue");
        let token = lead.new_api_token("Nightly export").await;
        let (status, body) = api(app, "GET", "/api/v1/indicators", &token, "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["indicators"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(body["indicators"][0]["name"], "Warrington missing episodes");
        let (status, _) = api(
            app,
            "GET",
            &format!("/api/v1/data-drops/{draft}"),
            &token,
            "",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = api(
            app,
            "POST",
            "/api/v1/data-drops",
            &token,
            r#"{"period": "2026-27 Q2", "values": [{"indicator_code": "KET-01", "value": 3}]}"#,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("not an indicator in the catalogue"),
            "{body}"
        );
        let (status, body) = api(
            app,
            "POST",
            "/api/v1/data-drops",
            &token,
            r#"{"period": "2026-27 Q2", "values": [{"indicator_code": "MFH-01", "value": 12}]}"#,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["id"], own_drop);
        assert_eq!(values_of(app, own_drop).await, vec![(own_indicator, 12.0)]);
        assert_eq!(values_of(app, draft).await, values_before);

        // What Warrington made stays out of Halton's sight, cached pages included.
        halton
            .get("/dataset/indicators")
            .await
            .assert_lacks("Warrington missing episodes");
        halton
            .get("/dataset")
            .await
            .assert_lacks("Warrington missing episodes");
        halton
            .get("/dataset/drops")
            .await
            .assert_lacks("Warrington Borough Council");
        halton
            .get("/dataset/periods/2026-07-01")
            .await
            .assert_lacks("Warrington Borough Council");
        halton
            .get("/dataset/outbox")
            .await
            .assert_lacks("warrington.example");
        for path in [
            format!("/dataset/indicators/{own_indicator}"),
            format!("/dataset/indicators/{own_indicator}/series.csv"),
            format!("/dataset/drops/{own_drop}"),
        ] {
            assert_eq!(
                halton.get(&path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let mut police_lead = app.signed_in("police.data@masa.example").await;
        let police_token = police_lead.new_api_token("Nightly export").await;
        let (status, _) = api(
            app,
            "GET",
            &format!("/api/v1/data-drops/{own_drop}"),
            &police_token,
            "",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

on_both_backends!(
    the_scrutineers_list_of_drops_is_not_cut_short_by_drafts,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        // Make the newest drops drafts: each organisation starts one for every open period.
        police_draft(app).await;
        let seen = app
            .count("SELECT COUNT(*) FROM data_drops WHERE status <> 'draft'")
            .await;
        let drafts = app
            .count("SELECT COUNT(*) FROM data_drops WHERE status = 'draft'")
            .await;
        assert!(drafts > 0, "the demo has drafts");
        let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
        let page = scrutineer.get("/dataset/drops").await;
        assert_eq!(page.status, StatusCode::OK);
        let listed = page.body.matches("'s data drop for ").count() as i64;
        assert_eq!(
            listed,
            seen.min(50),
            "a full page of what the scrutineer may see"
        );
        assert_eq!(
            page.body.contains("The newest "),
            seen > 50,
            "said to be cut short only when it is"
        );
    }
);

on_both_backends!(
    a_storyboard_typed_across_a_session_expiry_is_not_lost,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let draft = police_draft(app).await;
        let mut lead = app.signed_in("police.data@masa.example").await;
        let page = lead.get(&format!("/dataset/drops/{draft}")).await;
        let mut fields = value_fields(&page.body);
        let storyboard = "Return home interviews stayed high all quarter, typed slowly.";
        fields.push(("working_well".into(), storyboard.into()));

        // The session ends while the storyboard is being typed.
        sqlx::query("UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z'")
            .execute(&app.db.pool)
            .await
            .unwrap();
        let kept = post_fields(
            &mut lead,
            &format!("/dataset/drops/{draft}/values"),
            &fields,
        )
        .await;
        assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
        assert_eq!(kept.location(), "/sign-in?return_to=%2Fkept-form");
        assert!(
            lead.kept_form_cookie.is_some(),
            "the browser holds the kept form's token"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM data_drops WHERE working_well LIKE '%typed slowly%'")
                .await,
            0,
            "nothing is saved without a session"
        );

        // Signing in again leads to what was typed, ready to send with a fresh token.
        let sign_in_page = lead.get(kept.location()).await;
        sign_in_page.assert_contains("name=\"return_to\" value=\"/kept-form\"");
        let signed_in = lead
            .post(
                "/sign-in",
                &[
                    ("email", "police.data@masa.example"),
                    ("password", masa::demo::DEMO_PASSWORD),
                    ("return_to", "/kept-form"),
                ],
            )
            .await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        assert_eq!(signed_in.location(), "/kept-form");
        let page = lead.get("/kept-form").await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("Send what you typed")
            .assert_contains(storyboard)
            .assert_contains(&format!("action=\"/dataset/drops/{draft}/values\""));
        let sent = post_fields(
            &mut lead,
            &format!("/dataset/drops/{draft}/values"),
            &fields,
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let saved = lead.get(&format!("/dataset/drops/{draft}")).await;
        saved.assert_contains(storyboard);

        // A form from another site carries no session cookie (SameSite=Lax): refused, not kept.
        let mut stranger = app.browser();
        let refused = stranger
            .post_raw(
                &format!("/dataset/drops/{draft}/values"),
                &[("working_well", "planted")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(stranger.kept_form_cookie.is_none());

        // The kept form is shown once.
        let again = lead.get("/kept-form").await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(again.location(), "/");
    }
);

/// An organisation's drop for the quarter being collected (2026-27 Q2) in a status.
async fn drop_in(app: &TestApp, organisation_name: &str, status: &str) -> i64 {
    let organisation = organisation(app, organisation_name).await;
    sqlx::query_scalar(
        "SELECT id FROM data_drops WHERE organisation_id = $1 AND period_start = '2026-07-01' \
         AND status = $2 ORDER BY version DESC",
    )
    .bind(organisation)
    .bind(status)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn storyboard_of(app: &TestApp, drop_id: i64) -> (String, String, String, String) {
    sqlx::query_as(
        "SELECT working_well, worried_about, doing_about_it, previous_actions FROM data_drops WHERE id = $1",
    )
    .bind(drop_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

const ICB: &str = "NHS Cheshire and Merseyside Integrated Care Board";

on_both_backends!(
    revising_approved_figures_is_its_own_action_and_they_stay_in_force,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let approved = drop_in(app, ICB, "approved").await;
        let mut lead = app.signed_in("icb.data@masa.example").await;

        // Starting "a data drop" for a quarter already approved starts nothing: it leads to
        // the approved drop, whose page offers the revision with its warning.
        lead.get("/dataset/drops")
            .await
            .assert_contains("Your figures for 2026-27 Q2 are approved")
            .assert_contains(&format!("/dataset/drops/{approved}"));
        let drops_before = app.count("SELECT COUNT(*) FROM data_drops").await;
        let start = lead
            .post("/dataset/drops/new", &[("period", "2026-27 Q2")])
            .await;
        assert_eq!(start.status, StatusCode::SEE_OTHER);
        assert_eq!(start.location(), format!("/dataset/drops/{approved}"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM data_drops").await,
            drops_before
        );
        lead.get(&format!("/dataset/drops/{approved}"))
            .await
            .assert_contains("are approved. To change them, choose ‘Revise approved figures’")
            .assert_contains(">Revise approved figures</button>")
            .assert_contains("govuk-warning-text")
            .assert_contains("these figures stay on the scorecard");

        // Revising: a new draft from the approved figures; the approved version stands.
        let revised = lead
            .post(&format!("/dataset/drops/{approved}/revise"), &[])
            .await;
        assert_eq!(revised.status, StatusCode::SEE_OTHER);
        let revision = revised.location_id();
        assert_ne!(revision, approved);
        assert_eq!(
            values_of(app, revision).await,
            values_of(app, approved).await
        );
        let status: String = sqlx::query_scalar("SELECT status FROM data_drops WHERE id = $1")
            .bind(approved)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(status, "approved");
        let page = lead.get(&format!("/dataset/drops/{revision}")).await;
        page.assert_contains("Started version 2 of")
            .assert_contains("from version 1&#39;s figures and storyboard (approved)")
            .assert_contains("This version revises the approved figures")
            // The form's "last approved" is this quarter's approved value, named.
            .assert_contains("Last approved (2026-27 Q2):");
        // The approved page now points to the open revision instead of offering another.
        lead.get(&format!("/dataset/drops/{approved}"))
            .await
            .assert_lacks(">Revise approved figures</button>")
            .assert_contains(&format!("/dataset/drops/{revision}"));
        // Only approved figures are revised.
        let returned = drop_in(app, "Cheshire Constabulary", "returned").await;
        let mut admin = app.signed_in("admin@masa.example").await;
        assert_eq!(
            admin
                .post(&format!("/dataset/drops/{returned}/revise"), &[])
                .await
                .status,
            StatusCode::BAD_REQUEST
        );

        // A changed figure in the revision leaves the scorecard's approved series alone.
        let sm03 = id_of(app, "SELECT id FROM indicators WHERE code = $1", "SM-03").await;
        let mut fields = value_fields(&page.body);
        for field in &mut fields {
            if field.0 == format!("value_{sm03}") {
                field.1 = "50".into();
            }
        }
        let saved = post_fields(
            &mut lead,
            &format!("/dataset/drops/{revision}/values"),
            &fields,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let series = masa::dataset::store::approved_series(
            masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
            masa::dataset::store::SeriesScope::Indicator(masa::kernel::ids::IndicatorId::new(sm03)),
        )
        .await
        .unwrap();
        let latest = series
            .values()
            .next()
            .and_then(|points| points.last())
            .map(|(quarter, value)| (quarter.label(), *value));
        assert_eq!(latest, Some(("2026-27 Q2".to_owned(), 100.0)));

        // Completeness, reminders and the home page: the ICB has sent its figures.
        admin
            .get("/dataset/periods/2026-07-01")
            .await
            .assert_contains("Approved – revision in draft")
            .assert_contains("2 of 7 organisations have submitted");
        admin
            .post("/dataset/periods/2026-07-01/reminders", &[])
            .await;
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM email_outbox WHERE to_address = 'icb.data@masa.example'"
            )
            .await,
            0,
            "approved figures under revision are not chased"
        );
        lead.get("/")
            .await
            .assert_contains("Your revision of the approved 2026-27 Q2 figures is a draft")
            .assert_lacks("Your 2026-27 Q2 data drop is a draft");
    }
);

on_both_backends!(
    a_redraft_after_a_return_leads_with_the_comment_and_starts_from_the_returned_version,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        // The demo's redraft: built by the store function the form uses, from the returned
        // version's figures and storyboard.
        let returned = drop_in(app, "Cheshire Constabulary", "returned").await;
        let redraft = police_draft(app).await;
        assert_eq!(
            values_of(app, redraft).await,
            values_of(app, returned).await
        );
        assert_eq!(
            storyboard_of(app, redraft).await,
            storyboard_of(app, returned).await
        );
        assert!(!storyboard_of(app, redraft).await.0.is_empty());
        let mut lead = app.signed_in("police.data@masa.example").await;
        let page = lead.get(&format!("/dataset/drops/{redraft}")).await;
        page.assert_contains("govuk-notification-banner")
            .assert_contains("Version 1 was returned")
            .assert_contains(masa::dataset::demo::RETURN_COMMENT)
            .assert_contains("This draft starts from version 1's figures and storyboard");
        let banner = page.body.find("govuk-notification-banner").unwrap();
        let heading = page.body.find("<h1").unwrap();
        assert!(banner < heading, "the return comment leads the page");

        // The same through the pages: the business unit returns the council's drop and
        // starts its next version, which says where it came from and carries it.
        let submitted = drop_in(app, "Halton Borough Council", "submitted").await;
        let mut admin = app.signed_in("admin@masa.example").await;
        let decided = admin
            .post(
                &format!("/dataset/drops/{submitted}/decision"),
                &[
                    ("decision", "return"),
                    (
                        "comment",
                        "Please check the re-referral rate against the annual return.",
                    ),
                ],
            )
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER);
        admin
            .get(&format!("/dataset/drops/{submitted}"))
            .await
            .assert_contains("Start a new version from these figures")
            .assert_contains("action=\"/dataset/drops/new\"");
        // The police's returned version already has its redraft: no second start offered.
        admin
            .get(&format!("/dataset/drops/{returned}"))
            .await
            .assert_lacks("Start a new version from these figures");
        let council = organisation(app, "Halton Borough Council")
            .await
            .to_string();
        let started = admin
            .post(
                "/dataset/drops/new",
                &[("period", "2026-27 Q2"), ("organisation_id", &council)],
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER);
        let next = started.location_id();
        assert_eq!(values_of(app, next).await, values_of(app, submitted).await);
        assert_eq!(
            storyboard_of(app, next).await,
            storyboard_of(app, submitted).await
        );
        admin
            .get(&format!("/dataset/drops/{next}"))
            .await
            .assert_contains("Started version 2 of Halton Borough Council&#39;s data drop for 2026-27 Q2, from version 1&#39;s figures and storyboard (returned).")
            .assert_contains("Please check the re-referral rate against the annual return.")
            .assert_lacks("This version revises the approved figures");
    }
);

on_both_backends!(
    reminders_count_e_mails_and_organisations_with_no_one_to_receive_them,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;
        admin
            .get("/dataset/periods/2026-07-01")
            .await
            .assert_contains("no data lead to receive a reminder")
            .assert_contains("href=\"/users/new\"");
        let sent = admin
            .post("/dataset/periods/2026-07-01/reminders", &[])
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        // Only the police, of those not sent, has a data lead.
        let page = admin.get("/dataset/periods/2026-07-01").await;
        page.assert_contains("1 reminder e-mail queued for 1 organisation.")
            .assert_contains("organisations had no one to receive them (no data lead): ")
            .assert_contains("Bridgewater")
            .assert_lacks("1 reminder e-mails");
    }
);

on_both_backends!(
    the_approval_page_compares_with_the_previous_quarter_and_keeps_a_refused_decision,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let submitted = drop_in(app, "Halton Borough Council", "submitted").await;
        let mut admin = app.signed_in("admin@masa.example").await;
        let page = admin.get(&format!("/dataset/drops/{submitted}")).await;
        // Return home interviews: 87.2% now, 89% approved for 2026-27 Q1.
        page.assert_contains(">Previous quarter<")
            .assert_contains(">Change</th>")
            .assert_contains("89%")
            .assert_contains("\u{2212}1.8 points")
            .assert_contains("scope=\"row\"");

        // No choice: the page again, 422, the error beside the radios, the comment kept.
        let refused = admin
            .post(
                &format!("/dataset/drops/{submitted}/decision"),
                &[("comment", "Looks right to me")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("govuk-error-summary")
            .assert_contains("href=\"#decision\"")
            .assert_contains("govuk-form-group govuk-form-group--error")
            .assert_contains("id=\"decision-error\"")
            .assert_contains("Choose whether to approve the data drop or return it for changes")
            .assert_contains(">Looks right to me</textarea>");
        let status: String = sqlx::query_scalar("SELECT status FROM data_drops WHERE id = $1")
            .bind(submitted)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(status, "submitted");
    }
);
