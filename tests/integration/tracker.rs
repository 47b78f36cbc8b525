//! The learning improvement tracker as its users try it: the business unit records a
//! recommendation and its action, the owning organisation reports progress, completes it,
//! adds evidence and revisits it; others are refused; bad input changes nothing.

use crate::on_both_backends;
use crate::support::{Browser, Response, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

/// A file-upload form as the page's form sends it: the page is read first for its CSRF token,
/// which travels in the form's action URL.
async fn post_upload(
    browser: &mut Browser<'_>,
    (page, action): (&str, &str),
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Response {
    browser.get(page).await;
    let token = browser.csrf.clone().unwrap_or_default();
    let boundary = "masa-upload-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut request = Request::builder()
        .method("POST")
        .uri(format!("{action}?csrf_token={token}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
    if let Some(cookie) = &browser.cookie {
        request = request.header(header::COOKIE, format!("masa_session={cookie}"));
    }
    browser
        .send(request.body(Body::from(body)).expect("request"))
        .await
}

/// The evidence form of an action's page.
async fn post_evidence(
    browser: &mut Browser<'_>,
    action: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Response {
    let page = format!("/tracker/actions/{action}");
    let target = format!("{page}/evidence");
    post_upload(browser, (&page, &target), fields, file).await
}

async fn id_of(app: &TestApp, sql: &str, value: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(value.to_owned())
        .fetch_one(&app.db.pool)
        .await
        .expect("id")
}

async fn status_of(app: &TestApp, action: &str) -> String {
    sqlx::query_scalar::<_, String>("SELECT status FROM tracker_actions WHERE id = $1")
        .bind(action.parse::<i64>().expect("id"))
        .fetch_one(&app.db.pool)
        .await
        .expect("status")
}

fn date_fields<'a>(
    field: &str,
    (day, month, year): (&'a str, &'a str, &'a str),
) -> Vec<(String, &'a str)> {
    vec![
        (format!("{field}_day"), day),
        (format!("{field}_month"), month),
        (format!("{field}_year"), year),
    ]
}

fn as_pairs(fields: &[(String, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), (*v).to_owned()))
        .collect()
}

async fn post_owned(
    browser: &mut Browser<'_>,
    path: &str,
    fields: Vec<(String, String)>,
) -> Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(path, &borrowed).await
}

on_both_backends!(
    a_recommendation_becomes_an_action_closed_with_evidence,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let police = id_of(
            app,
            "SELECT id FROM organisations WHERE name = $1",
            "Cheshire Constabulary",
        )
        .await;
        let analyst = id_of(
            app,
            "SELECT id FROM people WHERE email = $1",
            "police.data@masa.example",
        )
        .await;
        let icb_nurse = id_of(
            app,
            "SELECT id FROM people WHERE email = $1",
            "icb.data@masa.example",
        )
        .await;
        let indicator = id_of(app, "SELECT id FROM indicators WHERE code = $1", "SM-01").await;
        let demo_actions = app.count("SELECT COUNT(*) FROM tracker_actions").await;
        let mut admin = app.signed_in("admin@masa.example").await;

        // A recommendation with bad input is refused, naming each field, and nothing is saved.
        let before = app.count("SELECT COUNT(*) FROM recommendations").await;
        admin.get("/tracker/recommendations/new").await;
        let refused = admin
            .post(
                "/tracker/recommendations/new",
                &[
                    ("reference", "REC 2026 <b>"),
                    ("source_kind", "gossip"),
                    ("source_label", ""),
                    (
                        "recommendation",
                        "Child seen by Dr Smith, NHS number 943 476 5919",
                    ),
                    ("priority_item_id", "99999"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("Reference must use only letters")
            .assert_contains("Select where the recommendation came from")
            .assert_contains("Enter source")
            .assert_contains("seems to contain an NHS number")
            .assert_contains("Select priority from the list")
            .assert_contains("REC 2026 &#60;b&#62;");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM recommendations").await,
            before
        );
        // The demo's reference is taken.
        let duplicate = admin
            .post(
                "/tracker/recommendations/new",
                &[
                    ("reference", "rec-2025-04"),
                    ("source_kind", "meeting"),
                    ("source_label", "Executive, October 2026"),
                    ("recommendation", "Anything"),
                ],
            )
            .await;
        duplicate.assert_contains("already exists");
        // A forged source record is not found.
        let forged = admin
            .get("/tracker/recommendations/new?source_kind=learning_review&source_id=999999")
            .await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND);

        let review = id_of(
            app,
            "SELECT id FROM learning_reviews WHERE reference = $1",
            "LC-2024-03",
        )
        .await;
        let from_review = admin
            .get(&format!(
                "/tracker/recommendations/new?source_kind=learning_review&source_id={review}"
            ))
            .await;
        assert_eq!(from_review.status, StatusCode::OK);
        from_review.assert_contains("LC-2024-03");
        // The source's name comes from its module, whatever the form says.
        let review_source = review.to_string();
        let recorded = admin
            .post(
                "/tracker/recommendations/new",
                &[
                    ("reference", "REC-2026-08"),
                    ("source_kind", "learning_review"),
                    ("source_id", review_source.as_str()),
                    ("source_label", "Forged label"),
                    (
                        "recommendation",
                        "Share the learning from this review with schools.",
                    ),
                ],
            )
            .await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
        admin
            .get(recorded.location())
            .await
            .assert_contains(&format!("href=\"/learning/reviews/{review}\""))
            .assert_lacks("Forged label");
        admin
            .get(&format!("/learning/reviews/{review}"))
            .await
            .assert_contains("REC-2026-08")
            .assert_contains("No actions");

        let created = admin
        .post(
            "/tracker/recommendations/new",
            &[
                ("reference", "REC-2026-09"),
                ("source_kind", "scrutiny"),
                ("source_label", "Independent Scrutineer's quarterly report, Q2 2026-27"),
                ("recommendation", "Evidence <script>alert(1)</script> the rationale when strategy meetings are late."),
            ],
        )
        .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let recommendation_path = created.location().to_owned();
        let page = admin.get(&recommendation_path).await;
        page.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            .assert_lacks("<script>alert(1)")
            .assert_contains("No action answers this recommendation yet");
        let recommendation = recommendation_path.rsplit('/').next().unwrap().to_owned();

        // An action: a forged organisation, an owner from another organisation, a past due date
        // and no impact measure are each refused by name.
        let actions_path = format!("/tracker/recommendations/{recommendation}/actions");
        let mut bad = vec![
            (
                "title".to_owned(),
                "Audit late strategy meetings".to_owned(),
            ),
            ("owner_organisation_id".to_owned(), "999999".to_owned()),
            ("owner_person_id".to_owned(), icb_nurse.to_string()),
            ("impact_indicator_id".to_owned(), String::new()),
            ("impact_measure".to_owned(), String::new()),
        ];
        bad.extend(as_pairs(&date_fields("due_on", ("1", "1", "2020"))));
        let refused = post_owned(&mut admin, &actions_path, bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("Select owning organisation from the list")
            .assert_contains("Due date must be in the future")
            .assert_contains("Choose an indicator or describe how impact will be measured");
        let mut wrong_owner = vec![
            (
                "title".to_owned(),
                "Audit late strategy meetings".to_owned(),
            ),
            ("owner_organisation_id".to_owned(), police.to_string()),
            ("owner_person_id".to_owned(), icb_nurse.to_string()),
            ("impact_indicator_id".to_owned(), indicator.to_string()),
        ];
        wrong_owner.extend(as_pairs(&date_fields("due_on", ("31", "3", "2099"))));
        post_owned(&mut admin, &actions_path, wrong_owner)
            .await
            .assert_contains("The owner must work for the organisation that owns the action");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM tracker_actions").await,
            demo_actions,
            "only the demo's actions"
        );
        let mut good = vec![
            (
                "title".to_owned(),
                "Audit the recorded reasons for late strategy meetings".to_owned(),
            ),
            ("owner_organisation_id".to_owned(), police.to_string()),
            ("owner_person_id".to_owned(), analyst.to_string()),
            ("impact_indicator_id".to_owned(), indicator.to_string()),
            (
                "impact_measure".to_owned(),
                "Quarterly dip sample of late meetings".to_owned(),
            ),
        ];
        good.extend(as_pairs(&date_fields("due_on", ("31", "3", "2099"))));
        let added = post_owned(&mut admin, &actions_path, good).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let action = added.location().rsplit('/').next().unwrap().to_owned();
        let action_path = format!("/tracker/actions/{action}");
        admin
            .get(&action_path)
            .await
            .assert_contains("Impact against the data")
            .assert_contains("SM-01");

        // The scrutineer reads but cannot write; another organisation cannot update it.
        let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
        assert_eq!(scrutineer.get(&action_path).await.status, StatusCode::OK);
        for path in ["progress", "complete", "revisit"] {
            let refused = scrutineer
                .post(
                    &format!("{action_path}/{path}"),
                    &[("status", "on_track"), ("note", "x")],
                )
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "scrutineer {path}");
        }
        let mut icb = app.signed_in("icb.data@masa.example").await;
        icb.get(&action_path)
            .await
            .assert_lacks("Report progress")
            .assert_lacks("Add evidence");
        let refused = icb
            .post(
                &format!("{action_path}/progress"),
                &[("status", "on_track"), ("note", "Not ours")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(
            post_evidence(
                &mut icb,
                &action,
                &[("description", "x"), ("link", "https://example.org")],
                None
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(status_of(app, &action).await, "not_started");

        // The owning organisation reports progress.
        let mut police_lead = app.signed_in("police.data@masa.example").await;
        police_lead
            .get("/tracker?view=mine")
            .await
            .assert_contains("Audit the recorded reasons for late strategy meetings");
        let no_note = police_lead
            .post(
                &format!("{action_path}/progress"),
                &[("status", "on_track"), ("note", " ")],
            )
            .await;
        assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
        no_note.assert_contains("Enter progress note");
        let closing_by_progress = police_lead
            .post(
                &format!("{action_path}/progress"),
                &[("status", "closed_with_evidence"), ("note", "Done")],
            )
            .await;
        assert_eq!(closing_by_progress.status, StatusCode::UNPROCESSABLE_ENTITY);
        closing_by_progress.assert_contains("use Complete the action");
        assert_eq!(status_of(app, &action).await, "not_started");
        let progress = police_lead
            .post(
                &format!("{action_path}/progress"),
                &[
                    ("status", "on_track"),
                    ("note", "Dip sample of 12 late meetings under way."),
                ],
            )
            .await;
        assert_eq!(progress.status, StatusCode::SEE_OTHER, "{}", progress.body);
        assert_eq!(status_of(app, &action).await, "on_track");

        // Completing needs a revisit date after completion.
        let today = time::OffsetDateTime::now_utc().date();
        let (d, m, y) = (
            today.day().to_string(),
            (today.month() as u8).to_string(),
            today.year().to_string(),
        );
        let mut early = vec![(
            "completion_note".to_owned(),
            "Reasons now recorded on every late meeting.".to_owned(),
        )];
        early.extend(as_pairs(&date_fields("completed_on", (&d, &m, &y))));
        early.extend(as_pairs(&date_fields("revisit_on", (&d, &m, &y))));
        let refused = post_owned(&mut police_lead, &format!("{action_path}/complete"), early).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Revisit date must be after the date completed");
        assert_eq!(status_of(app, &action).await, "on_track");
        let revisit = today + time::Duration::days(90);
        let (rd, rm, ry) = (
            revisit.day().to_string(),
            (revisit.month() as u8).to_string(),
            revisit.year().to_string(),
        );
        let mut complete = vec![(
            "completion_note".to_owned(),
            "Reasons now recorded on every late meeting.".to_owned(),
        )];
        complete.extend(as_pairs(&date_fields("completed_on", (&d, &m, &y))));
        complete.extend(as_pairs(&date_fields("revisit_on", (&rd, &rm, &ry))));
        let completed = post_owned(
            &mut police_lead,
            &format!("{action_path}/complete"),
            complete,
        )
        .await;
        assert_eq!(
            completed.status,
            StatusCode::SEE_OTHER,
            "{}",
            completed.body
        );
        assert_eq!(status_of(app, &action).await, "complete");

        // It cannot be closed without evidence.
        let no_evidence = police_lead
            .post(
                &format!("{action_path}/revisit"),
                &[
                    ("outcome", "impact_evidenced"),
                    ("revisit_note", "Looks better"),
                ],
            )
            .await;
        assert_eq!(no_evidence.status, StatusCode::UNPROCESSABLE_ENTITY);
        no_evidence.assert_contains("cannot be closed without evidence");
        assert_eq!(status_of(app, &action).await, "complete");

        // Bad evidence is refused and nothing is stored: a program renamed as a PDF, a
        // javascript: link, an oversize file, nothing at all.
        let files_before = app.count("SELECT COUNT(*) FROM stored_files").await;
        post_evidence(
            &mut police_lead,
            &action,
            &[("description", "Audit report")],
            Some(("report.pdf", b"MZ\x90\x00program")),
        )
        .await
        .assert_contains("is not a real PDF file");
        post_evidence(
            &mut police_lead,
            &action,
            &[
                ("description", "Audit report"),
                ("link", "javascript:alert(1)"),
            ],
            None,
        )
        .await
        .assert_contains("Enter a web address starting with https://");
        let oversize = vec![b'a'; 5 * 1024 * 1024 + 10];
        let too_big = post_evidence(
            &mut police_lead,
            &action,
            &[("description", "Audit report")],
            Some(("big.txt", &oversize)),
        )
        .await;
        assert_eq!(too_big.status, StatusCode::UNPROCESSABLE_ENTITY);
        too_big.assert_contains("must be smaller than 5 MB");
        post_evidence(
            &mut police_lead,
            &action,
            &[("description", "Audit report")],
            None,
        )
        .await
        .assert_contains("Choose a file or enter a link");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM stored_files").await,
            files_before
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM action_evidence WHERE action_id = (SELECT MAX(id) FROM tracker_actions)")
                .await,
            0
        );

        let pdf = b"%PDF-1.4\n% dip sample of late strategy meetings\n%%EOF\n";
        let stored = post_evidence(
            &mut police_lead,
            &action,
            &[(
                "description",
                "Dip sample: reasons recorded in 12 of 12 late meetings",
            )],
            Some(("C:\\reports\\dip sample.pdf", pdf)),
        )
        .await;
        assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
        let page = police_lead.get(&action_path).await;
        page.assert_contains("dip sample.pdf");
        let evidence = sqlx::query_scalar::<_, i64>("SELECT MAX(id) FROM action_evidence")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        // Anyone who reads the tracker can open it, as an attachment with its stored type.
        let download = scrutineer
            .get(&format!("/tracker/evidence/{evidence}"))
            .await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
        assert!(
            download.headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"dip sample.pdf\"")
        );
        assert_eq!(download.body.as_bytes(), pdf);
        assert_eq!(
            scrutineer.get("/tracker/evidence/999999").await.status,
            StatusCode::NOT_FOUND
        );

        // Now the revisit closes it.
        let closed = police_lead
            .post(
                &format!("{action_path}/revisit"),
                &[
                    ("outcome", "impact_evidenced"),
                    (
                        "revisit_note",
                        "Every late meeting has its reason recorded.",
                    ),
                ],
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        assert_eq!(status_of(app, &action).await, "closed_with_evidence");
        let page = admin.get(&action_path).await;
        page.assert_contains("Closed with evidence")
            .assert_lacks("Record the revisit")
            .assert_lacks("Add evidence");
        // Closed is final, even for the business unit.
        let again = admin
            .post(
                &format!("{action_path}/progress"),
                &[("status", "on_track"), ("note", "Reopen")],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Every step is in the audit trail and the action's story.
        let audited = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type IN ('tracker_action', 'action_evidence', 'recommendation') AND actor <> 'demo loader'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
        assert_eq!(
            audited, 7,
            "two recommendations, action, progress, complete, evidence, revisit"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM action_updates WHERE action_id = (SELECT MAX(id) FROM tracker_actions)")
                .await,
            3
        );
        admin
            .get(&format!(
                "/audit-trail?entity_type=tracker_action&entity_id={action}"
            ))
            .await
            .assert_contains("Revisited action");
    }
);

on_both_backends!(open_loops_come_first_and_owners_get_a_digest, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut chair = app.signed_in("chair@masa.example").await;
    let page = chair.get("/tracker").await;
    assert_eq!(page.status, StatusCode::OK);
    // The demo has two overdue actions and one completed action never revisited.
    page.assert_contains("2 actions past their due date and not complete")
        .assert_contains("1 action whose revisit date has come")
        .assert_contains("Revisit overdue by 40 days");
    // My actions: the chair owns three.
    let mine = chair.get("/tracker?view=mine&group=none").await;
    mine.assert_contains("3 actions.")
        .assert_lacks("police strategy meeting records");
    let filtered = chair
        .get("/tracker?status=overdue&organisation=999999")
        .await;
    filtered.assert_contains("No actions match.");
    // By source, organisation and priority.
    for group in ["source", "organisation", "priority", "none"] {
        assert_eq!(
            chair.get(&format!("/tracker?group={group}")).await.status,
            StatusCode::OK
        );
    }

    let outbox_before = app.count("SELECT COUNT(*) FROM email_outbox").await;
    let sent = chair.post("/tracker/digest", &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    // Three actions need attention, owned by two people.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_outbox").await,
        outbox_before + 2
    );
    let body = sqlx::query_scalar::<_, String>(
        "SELECT body FROM email_outbox WHERE to_address = 'chair@masa.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        body.contains("Publish revised Neglect Practice Standards"),
        "{body}"
    );
    assert!(body.contains("Revisit overdue by 40 days"), "{body}");
    chair
        .get("/tracker")
        .await
        .assert_contains("2 e-mails queued to owners about 3 actions");

    // The export holds the same actions, readable as a spreadsheet.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    let request = Request::builder()
        .uri("/tracker/actions.xlsx?status=overdue")
        .header(
            header::COOKIE,
            format!("masa_session={}", scrutineer.cookie.clone().unwrap()),
        )
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .expect("router answers");
    let response = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024)
        .await
        .expect("body")
        .to_vec();
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(response)).expect("an xlsx");
    let sheet = workbook
        .worksheet_range("Improvement tracker")
        .expect("the sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect();
    assert_eq!(rows[0][4], "Action");
    assert_eq!(
        rows.len(),
        3,
        "a header and the two overdue actions: {rows:?}"
    );
    assert!(
        rows.iter().any(|row| row[9] == "Overdue by 21 days"),
        "{rows:?}"
    );
    // The scrutineer cannot send the digest or record recommendations.
    assert_eq!(
        scrutineer.post("/tracker/digest", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        scrutineer.get("/tracker/recommendations/new").await.status,
        StatusCode::FORBIDDEN
    );
    // Practitioners do not see the tracker; forged ids are not found.
    let mut practitioner = app.signed_in("practitioner@masa.example").await;
    assert_eq!(
        practitioner.get("/tracker").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        chair.get("/tracker/actions/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        chair
            .post("/tracker/recommendations/999999/actions", &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});

on_both_backends!(the_weekly_digest_goes_once_a_week, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let monday = today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let before = app.count("SELECT COUNT(*) FROM email_outbox").await;
    let sent = masa::tracker::queue_weekly_digest(&app.db, today)
        .await
        .unwrap()
        .expect("the first run of the week sends");
    assert_eq!(sent.emails, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_outbox").await,
        before + 2
    );
    // Later in the same week, or a second instance: nothing more.
    for day in [today, monday + time::Duration::days(6)] {
        assert!(
            masa::tracker::queue_weekly_digest(&app.db, day)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_outbox").await,
        before + 2
    );
    // The next week it goes again.
    assert!(
        masa::tracker::queue_weekly_digest(&app.db, monday + time::Duration::days(7))
            .await
            .unwrap()
            .is_some()
    );
});

/// The document form of a policy's page.
async fn post_policy_document(
    browser: &mut Browser<'_>,
    policy: i64,
    file: (&str, &[u8]),
) -> Response {
    let page = format!("/tracker/policies/{policy}");
    let target = format!("{page}/document");
    post_upload(browser, (&page, &target), &[], Some(file)).await
}

on_both_backends!(a_policy_keeps_its_uploaded_documents, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let policy: i64 = sqlx::query_scalar("SELECT MIN(id) FROM policies")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let files_before = app.count("SELECT COUNT(*) FROM stored_files").await;
    let refused = post_policy_document(&mut admin, policy, ("procedure.docx", b"not a zip")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("There is a problem")
        .assert_contains("is not a real DOCX file");
    let refused = post_policy_document(&mut admin, policy, ("procedure.exe", b"MZ")).await;
    refused.assert_contains("must be a PDF");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM stored_files").await,
        files_before
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM policy_documents").await, 0);

    let docx = b"PK\x03\x04 escalation procedure";
    let stored =
        post_policy_document(&mut admin, policy, ("Escalation procedure.docx", docx)).await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    admin
        .get(&format!("/tracker/policies/{policy}"))
        .await
        .assert_contains("Escalation procedure.docx");
    let document: i64 = sqlx::query_scalar("SELECT MAX(id) FROM policy_documents")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // Practitioners read the procedures they work to; the file comes back exactly.
    let mut practitioner = app.signed_in("practitioner@masa.example").await;
    let download = practitioner
        .get(&format!("/tracker/policies/documents/{document}"))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.as_bytes(), docx);
    assert!(
        download.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        practitioner
            .get("/tracker/policies/documents/999999")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The scrutineer cannot upload; a forged policy id is not found.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    assert_eq!(
        post_policy_document(&mut scrutineer, policy, ("a.pdf", b"%PDF-1.4"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_policy_document(&mut admin, 999999, ("a.pdf", b"%PDF-1.4"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM policy_documents").await, 1);
    let audited = app
        .count("SELECT COUNT(*) FROM audit_events WHERE entity_type = 'policy_document'")
        .await;
    assert_eq!(audited, 1);
});

on_both_backends!(a_reopened_action_needs_new_evidence_to_close, |app| {
    masa::demo::load(&app.db).await.unwrap();
    // The demo's water safety action (ICB) is complete and awaiting its revisit.
    let action = id_of(
        app,
        "SELECT id FROM tracker_actions WHERE title LIKE $1",
        "Add water safety%",
    )
    .await
    .to_string();
    let path = format!("/tracker/actions/{action}");
    let mut icb = app.signed_in("icb.data@masa.example").await;
    let added = post_evidence(
        &mut icb,
        &action,
        &[
            ("description", "Briefing"),
            ("link", "https://example.org/water-safety-briefing.pdf"),
        ],
        None,
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let next_year = (time::OffsetDateTime::now_utc().year() + 1).to_string();
    let reopened = icb
        .post(
            &format!("{path}/revisit"),
            &[
                ("outcome", "not_sustained"),
                (
                    "revisit_note",
                    "Only half of contacts covered water safety.",
                ),
                ("new_due_on_day", "30"),
                ("new_due_on_month", "6"),
                ("new_due_on_year", next_year.as_str()),
            ],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
    assert_eq!(status_of(app, &action).await, "on_track");
    // A manager's edit cannot move the due date into the past.
    let mut admin = app.signed_in("admin@masa.example").await;
    let edit = admin.get(&format!("{path}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    let icb_id = id_of(
        app,
        "SELECT id FROM organisations WHERE name = $1",
        "NHS Cheshire and Merseyside Integrated Care Board",
    )
    .await
    .to_string();
    let past = admin
        .post(
            &format!("{path}/edit"),
            &[
                ("title", "Add water safety to health visiting contacts"),
                ("owner_organisation_id", icb_id.as_str()),
                ("due_on_day", "1"),
                ("due_on_month", "1"),
                ("due_on_year", "2020"),
                ("impact_measure", "Health visiting audit"),
            ],
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    past.assert_contains("Due date must be today or in the future");

    // Completed again, it cannot be closed on the evidence from before it was reopened.
    let today = time::OffsetDateTime::now_utc().date();
    let (d, m, y) = (
        today.day().to_string(),
        (today.month() as u8).to_string(),
        today.year().to_string(),
    );
    let completed = icb
        .post(
            &format!("{path}/complete"),
            &[
                (
                    "completion_note",
                    "Checklist re-issued to every health visitor.",
                ),
                ("completed_on_day", d.as_str()),
                ("completed_on_month", m.as_str()),
                ("completed_on_year", y.as_str()),
                ("revisit_on_day", "1"),
                ("revisit_on_month", "9"),
                ("revisit_on_year", next_year.as_str()),
            ],
        )
        .await;
    assert_eq!(
        completed.status,
        StatusCode::SEE_OTHER,
        "{}",
        completed.body
    );
    let close = [
        ("outcome", "impact_evidenced"),
        ("revisit_note", "Audit shows water safety discussed."),
    ];
    icb.post(&format!("{path}/revisit"), &close)
        .await
        .assert_contains("cannot be closed without evidence");
    assert_eq!(status_of(app, &action).await, "complete");
});

on_both_backends!(
    a_triaged_national_recommendation_becomes_a_tracker_recommendation,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let applies: i64 = sqlx::query_scalar(
            "SELECT MIN(id) FROM national_review_recommendations WHERE triage_decision = 'applies'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let label = masa::learning::source_label(&app.db, 1, "national_review", applies)
            .await
            .unwrap()
            .expect("a label");
        let mut admin = app.signed_in("admin@masa.example").await;
        let form = admin
            .get(&format!(
                "/tracker/recommendations/new?source_kind=national_review&source_id={applies}"
            ))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        let source = applies.to_string();
        let created = admin
            .post(
                "/tracker/recommendations/new",
                &[
                    ("reference", "REC-2026-NR1"),
                    ("source_kind", "national_review"),
                    ("source_id", source.as_str()),
                    ("recommendation", "Apply the national learning locally."),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let stored: String = sqlx::query_scalar(
            "SELECT source_label FROM recommendations WHERE reference = 'REC-2026-NR1'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(stored, label, "the learning module names the source");
    }
);
