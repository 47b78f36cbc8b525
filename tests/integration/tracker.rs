//! The learning improvement tracker as its users try it: the business unit records a
//! recommendation and its action, the owning organisation reports progress, completes it,
//! adds evidence and revisits it; others are refused; bad input changes nothing.

use crate::on_both_backends;
use crate::support::{Browser, Response, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

/// A file-upload form as the page's form sends it: the page is read first for its CSRF token,
/// which travels as the form's first field.
async fn post_upload(
    browser: &mut Browser<'_>,
    (page, action): (&str, &str),
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Response {
    browser.get(page).await;
    let token = browser.csrf.clone().unwrap_or_default();
    let boundary = "masa-upload-boundary";
    let all: Vec<(&str, &str)> = [("csrf_token", token.as_str())]
        .into_iter()
        .chain(fields.iter().copied())
        .collect();
    let body = crate::support::multipart_body(boundary, &all, file);
    let mut request = Request::builder().method("POST").uri(action).header(
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
        .assert_contains("report.pdf is not a PDF file: it is a Windows program.");
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
        too_big.assert_contains("big.txt is larger than 5 MB.");
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
    // My actions: the chair owns three, and two closed ones in the 2024/25 history.
    let mine = chair.get("/tracker?view=mine&group=none").await;
    mine.assert_contains("5 actions.")
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
        .assert_contains("procedure.docx is not a DOCX file: it is a text file.");
    let refused = post_policy_document(&mut admin, policy, ("procedure.exe", b"MZ")).await;
    refused.assert_contains("procedure.exe is not a type of file MASA keeps. Upload a PDF");
    // No file chosen (a browser sends an unnamed, empty part), and an empty file.
    let refused = post_policy_document(&mut admin, policy, ("", b"")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Choose a file to upload");
    let refused = post_policy_document(&mut admin, policy, ("procedure.docx", b"")).await;
    refused.assert_contains("procedure.docx is empty");
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
        let label = app
            .state
            .sources
            .resolve(
                masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
                "national_review",
                applies,
            )
            .await
            .unwrap()
            .map(|source| source.label)
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

/// How many rows each table of the tracker, the risk register and the policy tracker holds, and
/// the audit trail's: a refused request changes none of them.
async fn tracker_fingerprint(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM audit_events",
        "SELECT COUNT(*) FROM recommendations",
        "SELECT COUNT(*) FROM tracker_actions",
        "SELECT COUNT(*) FROM action_updates",
        "SELECT COUNT(*) FROM action_evidence",
        "SELECT COUNT(*) FROM stored_files",
        "SELECT COUNT(*) FROM risks",
        "SELECT COUNT(*) FROM risk_scores",
        "SELECT COUNT(*) FROM risk_controls WHERE retired_at IS NULL",
        "SELECT COUNT(*) FROM policies",
        "SELECT COUNT(*) FROM policy_versions",
        "SELECT COUNT(*) FROM policy_documents",
        "SELECT COUNT(*) FROM email_outbox",
    ] {
        counts.push(app.count(sql).await);
    }
    counts
}

async fn text_of(app: &TestApp, sql: &'static str, id: i64) -> String {
    sqlx::query_scalar::<_, String>(sql)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("text")
}

/// The rows of the first sheet of a downloaded workbook.
async fn sheet_rows(browser: &Browser<'_>, app: &TestApp, path: &str) -> Vec<Vec<String>> {
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
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .expect("router answers");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let bytes = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024)
        .await
        .expect("body")
        .to_vec();
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx");
    let range = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("the sheet reads");
    range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

on_both_backends!(
    another_partnership_sees_none_of_the_tracker_risks_or_policies,
    |app| {
        use masa::kernel::Role;
        masa::demo::load(&app.db).await.unwrap();
        let warrington = app.second_partnership().await;

        // Halton's records, and a file behind evidence and behind a policy.
        let halton_recommendation = id_of(
            app,
            "SELECT id FROM recommendations WHERE reference = $1",
            "REC-2025-04",
        )
        .await;
        let halton_action: i64 = sqlx::query_scalar(
            "SELECT MIN(id) FROM tracker_actions WHERE status <> 'closed_with_evidence'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let halton_action_title = text_of(
            app,
            "SELECT title FROM tracker_actions WHERE id = $1",
            halton_action,
        )
        .await;
        let halton_risk = id_of(app, "SELECT id FROM risks WHERE reference = $1", "R-03").await;
        let halton_control: i64 = sqlx::query_scalar(
            "SELECT MIN(id) FROM risk_controls WHERE risk_id = $1 AND retired_at IS NULL",
        )
        .bind(halton_risk)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let halton_policy: i64 = sqlx::query_scalar("SELECT MIN(id) FROM policies")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let halton_policy_title = text_of(
            app,
            "SELECT title FROM policies WHERE id = $1",
            halton_policy,
        )
        .await;
        let halton_police = id_of(
            app,
            "SELECT id FROM organisations WHERE name = $1",
            "Cheshire Constabulary",
        )
        .await;
        let halton_person = id_of(
            app,
            "SELECT id FROM people WHERE email = $1",
            "police.data@masa.example",
        )
        .await;
        let halton_indicator =
            id_of(app, "SELECT id FROM indicators WHERE code = $1", "SM-01").await;
        let halton_review = id_of(
            app,
            "SELECT id FROM learning_reviews WHERE reference = $1",
            "LC-2024-03",
        )
        .await;
        let halton_group: i64 =
            sqlx::query_scalar("SELECT MIN(id) FROM partnership_groups WHERE partnership_id = 1")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        let (halton_priority, halton_priority_title) = masa::partnership::current_priorities(
            masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
        )
        .await
        .unwrap()
        .first()
        .cloned()
        .map(|(id, title)| (id.get(), title))
        .expect("the demo has priorities");
        let mut halton = app.signed_in("admin@masa.example").await;
        let evidence = post_evidence(
            &mut halton,
            &halton_action.to_string(),
            &[("description", "Audit report"), ("link", "")],
            Some(("audit.pdf", b"%PDF-1.4 halton audit")),
        )
        .await;
        assert_eq!(evidence.status, StatusCode::SEE_OTHER, "{}", evidence.body);
        let halton_evidence: i64 = sqlx::query_scalar("SELECT MAX(id) FROM action_evidence")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let document = post_policy_document(
            &mut halton,
            halton_policy,
            ("Procedure.pdf", b"%PDF-1.4 halton procedure"),
        )
        .await;
        assert_eq!(document.status, StatusCode::SEE_OTHER, "{}", document.body);
        let halton_document: i64 = sqlx::query_scalar("SELECT MAX(id) FROM policy_documents")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();

        // Warrington's own group and a named person, to own its records.
        let (warrington_group, warrington_person) = {
            let mut change = masa::kernel::Change::begin(
                &app.db,
                masa::kernel::audit::Actor::system(
                    "test",
                    masa::kernel::ids::PartnershipId::new(warrington.partnership_id),
                ),
            )
            .await
            .unwrap();
            let group = masa::partnership::store::create_group(
                &mut change,
                &masa::partnership::model::GroupDetails {
                    name: "Warrington Policy Sub-Group".into(),
                    kind: masa::partnership::model::GroupKind::SubGroup,
                    parent_group_id: None,
                    meets: "Quarterly".into(),
                    terms_of_reference: String::new(),
                },
            )
            .await
            .unwrap();
            let person = masa::partnership::store::create_person(
                &mut change,
                &masa::partnership::model::PersonDetails {
                    organisation_id: masa::kernel::ids::OrganisationId::new(
                        warrington.organisation_id,
                    ),
                    name: "Wendy Warrington".into(),
                    job_title: "Head of Service".into(),
                    email: "wendy@warrington.example".into(),
                },
            )
            .await
            .unwrap();
            change.commit().await.unwrap();
            (group.get(), person.get())
        };

        // Lists, exports and the heat map hold none of Halton's records.
        let mut admin = app
            .signed_in(warrington.email(Role::BusinessUnitAdmin))
            .await;
        let mut lead = app.signed_in(warrington.email(Role::PartnerDataLead)).await;
        for browser in [&mut admin, &mut lead] {
            let tracker = browser.get("/tracker").await;
            assert_eq!(tracker.status, StatusCode::OK);
            tracker
                .assert_lacks(&halton_action_title)
                .assert_lacks("Cheshire Constabulary")
                .assert_contains("No action shown here is overdue");
            let recommendations = browser.get("/tracker/recommendations").await;
            assert_eq!(recommendations.status, StatusCode::OK);
            recommendations.assert_lacks("REC-2025-04");
            let policies = browser.get("/tracker/policies").await;
            assert_eq!(policies.status, StatusCode::OK);
            policies.assert_lacks(&halton_policy_title);
            browser
                .get("/")
                .await
                .assert_lacks("improvement actions overdue");
            assert_eq!(
                sheet_rows(browser, app, "/tracker/actions.xlsx")
                    .await
                    .len(),
                1,
                "only the header"
            );
        }
        admin
            .get("/tracker/risks?status=all")
            .await
            .assert_lacks("Threshold application is not consistent")
            .assert_lacks("R-03")
            .assert_contains("No risks match.");
        admin
            .get("/tracker/risks/heat-map")
            .await
            .assert_contains("0 risks by likelihood and impact");
        assert_eq!(
            sheet_rows(&admin, app, "/tracker/risks/register.xlsx")
                .await
                .len(),
            1,
            "only the header"
        );
        admin
            .get("/tracker/recommendations/new")
            .await
            .assert_lacks(&halton_priority_title);

        // Halton's ids are not found, for reads, downloads and writes alike; nothing changes.
        let before = tracker_fingerprint(app).await;
        let mut reads = vec![
            format!("/tracker/recommendations/{halton_recommendation}"),
            format!("/tracker/actions/{halton_action}"),
            format!("/tracker/actions/{halton_action}/edit"),
            format!("/tracker/evidence/{halton_evidence}"),
            format!(
                "/tracker/recommendations/new?source_kind=learning_review&source_id={halton_review}"
            ),
            format!("/tracker/recommendations/new?source_kind=risk&source_id={halton_risk}"),
            format!("/tracker/risks/{halton_risk}"),
            format!("/tracker/risks/{halton_risk}/edit"),
            format!("/tracker/risks/{halton_risk}/rescore"),
            format!("/tracker/risks/{halton_risk}/close"),
            format!("/tracker/risks/{halton_risk}/controls/new"),
            format!("/tracker/policies/{halton_policy}"),
            format!("/tracker/policies/{halton_policy}/edit"),
            format!("/tracker/policies/{halton_policy}/approve"),
            format!("/tracker/policies/documents/{halton_document}"),
        ];
        for path in &reads {
            assert_eq!(
                admin.get(path).await.status,
                StatusCode::NOT_FOUND,
                "admin GET {path}"
            );
        }
        reads.retain(|path| !path.contains("/risks") && !path.contains("/new?"));
        for path in &reads {
            if path.ends_with("/edit") || path.ends_with("/approve") {
                continue;
            }
            assert_eq!(
                lead.get(path).await.status,
                StatusCode::NOT_FOUND,
                "data lead GET {path}"
            );
        }
        admin.get("/tracker").await;
        let own_organisation = warrington.organisation_id.to_string();
        let mut action_fields = vec![
            ("title".to_owned(), "Taken over".to_owned()),
            ("owner_organisation_id".to_owned(), own_organisation.clone()),
            ("impact_measure".to_owned(), "Anything".to_owned()),
        ];
        action_fields.extend(as_pairs(&date_fields("due_on", ("31", "3", "2099"))));
        let rescore = [
            ("inherent_likelihood", "1"),
            ("inherent_impact", "1"),
            ("residual_likelihood", "1"),
            ("residual_impact", "1"),
            ("rationale", "Taken over"),
        ];
        let risk_fields = new_risk_fields("R-03", "Taken over", &own_organisation);
        let policy_edit = policy_fields("Taken over", &warrington_group.to_string());
        let control = halton_control.to_string();
        let writes: Vec<(String, Vec<(String, String)>)> = vec![
            (
                format!("/tracker/recommendations/{halton_recommendation}/actions"),
                action_fields.clone(),
            ),
            (
                format!("/tracker/actions/{halton_action}/edit"),
                action_fields,
            ),
            (
                format!("/tracker/actions/{halton_action}/progress"),
                owned(&[("status", "on_track"), ("note", "Taken over")]),
            ),
            (
                format!("/tracker/actions/{halton_action}/complete"),
                owned(&[
                    ("completion_note", "Taken over"),
                    ("completed_on_day", "1"),
                    ("completed_on_month", "1"),
                    ("completed_on_year", "2026"),
                    ("revisit_on_day", "1"),
                    ("revisit_on_month", "1"),
                    ("revisit_on_year", "2099"),
                ]),
            ),
            (
                format!("/tracker/actions/{halton_action}/revisit"),
                owned(&[
                    ("outcome", "not_yet_evident"),
                    ("revisit_note", "Taken over"),
                ]),
            ),
            (format!("/tracker/risks/{halton_risk}/edit"), risk_fields),
            (
                format!("/tracker/risks/{halton_risk}/rescore"),
                owned(&rescore),
            ),
            (
                format!("/tracker/risks/{halton_risk}/close"),
                owned(&[("status", "closed"), ("rationale", "Taken over")]),
            ),
            (
                format!("/tracker/risks/{halton_risk}/controls/new"),
                owned(&[
                    ("description", "Taken over"),
                    ("owner", "Someone"),
                    ("effectiveness", "effective"),
                ]),
            ),
            (
                format!("/tracker/risks/{halton_risk}/controls/{control}/retire"),
                Vec::new(),
            ),
            (
                format!("/tracker/policies/{halton_policy}/edit"),
                policy_edit,
            ),
            (
                format!("/tracker/policies/{halton_policy}/approve"),
                owned(&[
                    ("version", "9.0"),
                    ("approved_on_day", "1"),
                    ("approved_on_month", "1"),
                    ("approved_on_year", "2026"),
                    ("next_review_on_day", "1"),
                    ("next_review_on_month", "1"),
                    ("next_review_on_year", "2029"),
                    ("document_url", ""),
                    ("note", "Taken over"),
                ]),
            ),
        ];
        for (path, fields) in writes {
            let response = post_owned(&mut admin, &path, fields).await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "admin POST {path}");
        }
        let refused = post_evidence(
            &mut admin,
            &halton_action.to_string(),
            &[("description", "Taken over"), ("link", "")],
            Some(("x.pdf", b"%PDF-1.4 x")),
        )
        .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        let refused =
            post_policy_document(&mut admin, halton_policy, ("x.pdf", b"%PDF-1.4 x")).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        lead.get("/tracker").await;
        let refused = lead
            .post(
                &format!("/tracker/actions/{halton_action}/progress"),
                &[("status", "on_track"), ("note", "Taken over")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(tracker_fingerprint(app).await, before, "nothing changed");
        assert_eq!(
            text_of(
                app,
                "SELECT title FROM tracker_actions WHERE id = $1",
                halton_action
            )
            .await,
            halton_action_title
        );

        // Forged Halton ids in Warrington's forms are refused by field, and nothing is saved.
        admin.get("/tracker/recommendations/new").await;
        let priority = halton_priority.to_string();
        let refused = admin
            .post(
                "/tracker/recommendations/new",
                &[
                    ("reference", "REC-2025-04"),
                    ("source_kind", "meeting"),
                    ("source_label", "Warrington Executive"),
                    ("recommendation", "Refresh the neglect toolkit."),
                    ("priority_item_id", priority.as_str()),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Select priority from the list");
        for (kind, id) in [("learning_review", halton_review), ("risk", halton_risk)] {
            let id = id.to_string();
            let refused = admin
                .post(
                    "/tracker/recommendations/new",
                    &[
                        ("reference", "REC-2025-04"),
                        ("source_kind", kind),
                        ("source_id", id.as_str()),
                        ("recommendation", "Refresh the neglect toolkit."),
                    ],
                )
                .await;
            assert_eq!(refused.status, StatusCode::NOT_FOUND, "{kind} source");
        }
        assert_eq!(tracker_fingerprint(app).await, before, "nothing saved");
        // The same reference as Halton's is Warrington's to use.
        let created = admin
            .post(
                "/tracker/recommendations/new",
                &[
                    ("reference", "REC-2025-04"),
                    ("source_kind", "meeting"),
                    ("source_label", "Warrington Executive"),
                    ("recommendation", "Refresh the Warrington neglect toolkit."),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let warrington_recommendation: i64 = created.location_id();
        let actions_path = format!("/tracker/recommendations/{warrington_recommendation}/actions");
        admin
            .get(&format!(
                "/tracker/recommendations/{warrington_recommendation}"
            ))
            .await;
        let actions_before = app.count("SELECT COUNT(*) FROM tracker_actions").await;
        let forged_fields = [
            (
                "owner_organisation_id",
                halton_police.to_string(),
                "Select owning organisation from the list",
            ),
            (
                "owner_person_id",
                halton_person.to_string(),
                "Select owner from the list",
            ),
            (
                "impact_indicator_id",
                halton_indicator.to_string(),
                "Select indicator from the list",
            ),
        ];
        for (field, value, message) in forged_fields {
            let mut fields = vec![
                ("title".to_owned(), "Refresh the toolkit".to_owned()),
                ("owner_organisation_id".to_owned(), own_organisation.clone()),
                ("impact_measure".to_owned(), "Audit of use".to_owned()),
            ];
            fields.extend(as_pairs(&date_fields("due_on", ("31", "3", "2099"))));
            match fields.iter_mut().find(|(name, _)| name == field) {
                Some(existing) => existing.1 = value,
                None => fields.push((field.to_owned(), value)),
            }
            let refused = post_owned(&mut admin, &actions_path, fields).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            refused.assert_contains(message);
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM tracker_actions").await,
            actions_before
        );
        let mut fields = vec![
            (
                "title".to_owned(),
                "Refresh the Warrington toolkit".to_owned(),
            ),
            ("owner_organisation_id".to_owned(), own_organisation.clone()),
            ("owner_person_id".to_owned(), warrington_person.to_string()),
            ("impact_measure".to_owned(), "Audit of use".to_owned()),
        ];
        fields.extend(as_pairs(&date_fields("due_on", ("31", "3", "2099"))));
        let added = post_owned(&mut admin, &actions_path, fields).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let warrington_action: i64 = added.location_id();
        let evidence = post_evidence(
            &mut admin,
            &warrington_action.to_string(),
            &[("description", "Toolkit draft"), ("link", "")],
            Some(("toolkit.pdf", b"%PDF-1.4 warrington")),
        )
        .await;
        assert_eq!(evidence.status, StatusCode::SEE_OTHER, "{}", evidence.body);
        let warrington_evidence: i64 = sqlx::query_scalar("SELECT MAX(id) FROM action_evidence")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(
            admin
                .get(&format!("/tracker/evidence/{warrington_evidence}"))
                .await
                .status,
            StatusCode::OK
        );

        admin.get("/tracker/risks/new").await;
        let risks_before = app.count("SELECT COUNT(*) FROM risks").await;
        let refused = post_owned(
            &mut admin,
            "/tracker/risks/new",
            new_risk_fields(
                "R-03",
                "Warrington threshold risk",
                &halton_police.to_string(),
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Select the organisation that owns the risk");
        assert_eq!(app.count("SELECT COUNT(*) FROM risks").await, risks_before);
        // Halton's reference R-03 is Warrington's to use too.
        let created = post_owned(
            &mut admin,
            "/tracker/risks/new",
            new_risk_fields("R-03", "Warrington threshold risk", &own_organisation),
        )
        .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let warrington_risk: i64 = created.location_id();

        admin.get("/tracker/policies/new").await;
        let policies_before = app.count("SELECT COUNT(*) FROM policies").await;
        let refused = post_owned(
            &mut admin,
            "/tracker/policies/new",
            policy_fields(&halton_policy_title, &halton_group.to_string()),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Select the group that owns the policy");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM policies").await,
            policies_before
        );
        // Halton's title is Warrington's to use too.
        let created = post_owned(
            &mut admin,
            "/tracker/policies/new",
            policy_fields(&halton_policy_title, &warrington_group.to_string()),
        )
        .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let warrington_policy: i64 = created.location_id();

        // What Warrington made stays Warrington's: Halton's users neither list nor reach it.
        admin
            .get("/tracker")
            .await
            .assert_contains("Refresh the Warrington toolkit");
        halton
            .get("/tracker")
            .await
            .assert_lacks("Refresh the Warrington toolkit");
        halton
            .get("/tracker/recommendations")
            .await
            .assert_lacks("Refresh the Warrington neglect toolkit");
        halton
            .get("/tracker/risks?status=all")
            .await
            .assert_lacks("Warrington threshold risk");
        let mut chair = app.signed_in("chair@masa.example").await;
        for path in [
            format!("/tracker/recommendations/{warrington_recommendation}"),
            format!("/tracker/actions/{warrington_action}"),
            format!("/tracker/evidence/{warrington_evidence}"),
            format!("/tracker/risks/{warrington_risk}"),
            format!("/tracker/recommendations/new?source_kind=risk&source_id={warrington_risk}"),
            format!("/tracker/policies/{warrington_policy}"),
        ] {
            assert_eq!(
                halton.get(&path).await.status,
                StatusCode::NOT_FOUND,
                "Halton admin GET {path}"
            );
            assert_eq!(
                chair.get(&path).await.status,
                StatusCode::NOT_FOUND,
                "Halton chair GET {path}"
            );
        }
        assert_eq!(
            sheet_rows(&halton, app, "/tracker/actions.xlsx")
                .await
                .iter()
                .filter(|row| row.iter().any(|cell| cell.contains("Warrington")))
                .count(),
            0
        );

        // The digest: Warrington's goes to Warrington's owner only, about Warrington's action;
        // the weekly run sends each partnership its own, audited in its own trail.
        sqlx::query("UPDATE tracker_actions SET due_on = '2020-01-01' WHERE id = $1")
            .bind(warrington_action)
            .execute(&app.db.pool)
            .await
            .unwrap();
        let outbox_before = app.count("SELECT COUNT(*) FROM email_outbox").await;
        admin.get("/tracker").await;
        let sent = admin.post("/tracker/digest", &[]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM email_outbox").await,
            outbox_before + 1
        );
        let weekly =
            masa::tracker::queue_weekly_digest(&app.db, time::OffsetDateTime::now_utc().date())
                .await
                .unwrap()
                .expect("the week's first run");
        assert_eq!(weekly.emails, 3, "Halton's two owners and Warrington's one");
        let to_wendy: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM email_outbox WHERE to_address = 'wendy@warrington.example'",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(to_wendy.len(), 2);
        for body in &to_wendy {
            assert!(body.contains("Refresh the Warrington toolkit"), "{body}");
            assert!(!body.contains("Neglect Practice Standards"), "{body}");
        }
        let to_halton: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM email_outbox WHERE to_address LIKE '%@masa.example'",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(to_halton.len(), 2);
        assert!(
            to_halton.iter().all(|body| !body.contains("Warrington")),
            "{to_halton:?}"
        );
        let digests = |partnership: i64| {
            let db = app.db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'tracker_digest' AND partnership_id = $1",
                )
                .bind(partnership)
                .fetch_one(&db.pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(digests(1).await, 1);
        assert_eq!(digests(warrington.partnership_id).await, 2);
    }
);

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The fields of a new risk, valid but for what the test changes.
fn new_risk_fields(reference: &str, title: &str, organisation: &str) -> Vec<(String, String)> {
    owned(&[
        ("reference", reference),
        ("title", title),
        ("description", "Partners apply thresholds differently."),
        ("cause", "Guidance not refreshed."),
        ("effect", "Children wait longer for a joint response."),
        ("owner_organisation_id", organisation),
        ("owner_role", "Head of Service"),
        ("theme", "Neglect"),
        ("review_on_day", "31"),
        ("review_on_month", "3"),
        ("review_on_year", "2099"),
        ("inherent_likelihood", "4"),
        ("inherent_impact", "4"),
        ("residual_likelihood", "3"),
        ("residual_impact", "4"),
        ("rationale", "Scored at the Executive."),
    ])
}

/// The fields of a draft policy, valid but for what the test changes.
fn policy_fields(title: &str, group: &str) -> Vec<(String, String)> {
    owned(&[
        ("title", title),
        ("owner_group_id", group),
        ("status", "draft"),
        ("version", "0.1"),
        ("document_url", ""),
    ])
}

// The source directory the modules register in `masa::sources()`: every registered kind is one
// the tracker knows, each names only its own partnership's records, and a kind no module
// registered (named by hand) or an unknown one resolves to nothing.
on_both_backends!(
    the_source_directory_names_only_the_partnerships_own_records,
    |app| {
        use masa::tracker::model::SourceKind;
        masa::demo::load(&app.db).await.unwrap();
        let warrington = app.second_partnership().await;
        let sources = &app.state.sources;
        assert_eq!(
            sources.kinds(),
            [
                "audit",
                "case_file_audit",
                "learning_review",
                "national_review",
                "risk"
            ]
        );
        assert!(
            sources
                .kinds()
                .iter()
                .all(|kind| SourceKind::from_code(kind).is_some())
        );

        let risk: i64 = sqlx::query_scalar(
            "SELECT id FROM risks WHERE partnership_id = 1 AND reference = 'R-03'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let review: i64 =
            sqlx::query_scalar("SELECT MIN(id) FROM learning_reviews WHERE partnership_id = 1")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        let found = sources
            .resolve(
                masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
                "risk",
                risk,
            )
            .await
            .unwrap()
            .expect("the demo's risk R-03");
        assert_eq!(found.page, format!("/tracker/risks/{risk}"));
        assert!(found.label.starts_with("Risk R-03: "), "{}", found.label);
        let found = sources
            .resolve(
                masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
                "learning_review",
                review,
            )
            .await
            .unwrap()
            .expect("the demo's first review");
        assert_eq!(found.page, format!("/learning/reviews/{review}"));

        for (partnership, kind, id) in [
            (warrington.partnership_id, "risk", risk),
            (warrington.partnership_id, "learning_review", review),
            (1, "risk", review + risk + 1_000),
            (warrington.partnership_id, "audit", risk),
            (1, "audit", review + risk + 1_000),
            (1, "meeting", review),
            (1, "no_such_kind", risk),
            (1, "Risk", risk),
        ] {
            assert_eq!(
                sources
                    .resolve(
                        masa::kernel::Scope::new(
                            &app.db,
                            masa::kernel::ids::PartnershipId::new(partnership)
                        ),
                        kind,
                        id
                    )
                    .await
                    .unwrap(),
                None,
                "{kind} {id} in partnership {partnership}"
            );
        }
    }
);

on_both_backends!(
    an_action_is_overseen_by_a_group_and_owned_within_the_chosen_organisation,
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
        let qig = id_of(
            app,
            "SELECT id FROM partnership_groups WHERE name = $1",
            "Quality and Impact Group",
        )
        .await;
        let action = id_of(
            app,
            "SELECT id FROM tracker_actions WHERE title LIKE $1",
            "Add a 'reason for delay'%",
        )
        .await;
        let mut admin = app.signed_in("admin@masa.example").await;
        let edit_path = format!("/tracker/actions/{action}/edit");

        // The organisations: statutory partners first, then a group per kind, searchable; the
        // owners: a group per organisation, narrowed by the organisation chosen.
        let form = admin.get(&edit_path).await;
        assert_eq!(form.status, StatusCode::OK);
        form.assert_contains("id=\"owner_organisation_id\" name=\"owner_organisation_id\" data-module=\"masa-autocomplete\"")
            .assert_contains("data-keyed-by=\"owner_organisation_id\"")
            .assert_contains(&format!(
                "<optgroup label=\"Cheshire Constabulary\" data-key=\"{police}\">"
            ))
            .assert_contains("<label class=\"govuk-label govuk-label--s\" for=\"overseeing_group_id\">Overseeing group</label>");
        let statutory = form
            .body
            .find("<optgroup label=\"Statutory partners\"")
            .unwrap();
        let schools = form
            .body
            .find("<optgroup label=\"Schools and colleges\"")
            .unwrap();
        assert!(statutory < schools);

        let fields = |owner: i64, group: &str| {
            let mut fields = vec![
                (
                    "title".to_owned(),
                    "Add a 'reason for delay' field to police strategy meeting records and audit its use"
                        .to_owned(),
                ),
                ("owner_organisation_id".to_owned(), police.to_string()),
                ("owner_person_id".to_owned(), owner.to_string()),
                ("overseeing_group_id".to_owned(), group.to_owned()),
                (
                    "impact_measure".to_owned(),
                    "Strategy meetings held within 3 working days".to_owned(),
                ),
            ];
            fields.extend(as_pairs(&date_fields("due_on", ("31", "3", "2099"))));
            fields
        };
        // An owner from another organisation, and a group that is not the partnership's, are
        // refused beside their fields, linked from the summary.
        let refused = post_owned(&mut admin, &edit_path, fields(icb_nurse, "999999")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("<a href=\"#owner_person_id\">The owner must work for the organisation that owns the action</a>")
            .assert_contains("id=\"owner_person_id-error\"")
            .assert_contains("<a href=\"#overseeing_group_id\">Select overseeing group from the list</a>")
            .assert_contains("id=\"overseeing_group_id-error\"");

        let saved = post_owned(&mut admin, &edit_path, fields(analyst, &qig.to_string())).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        admin
            .get(&format!("/tracker/actions/{action}"))
            .await
            .assert_contains(&format!(
                "<a class=\"govuk-link\" href=\"/tracker?overseeing_group={qig}\">Quality and Impact Group</a>"
            ));
        admin
            .get(&format!("/tracker?overseeing_group={qig}"))
            .await
            .assert_contains("Add a &#39;reason for delay&#39;")
            .assert_lacks("Health attendance at strategy meetings");

        // The searchable list's script and style are served from the binary with their types.
        for (path, kind) in [
            ("/assets/accessible-autocomplete.min.js", "javascript"),
            ("/assets/accessible-autocomplete.min.css", "text/css"),
        ] {
            let asset = admin.get(path).await;
            assert_eq!(asset.status, StatusCode::OK, "{path}");
            let content_type = asset.headers[header::CONTENT_TYPE].to_str().unwrap();
            assert!(content_type.contains(kind), "{path}: {content_type}");
        }
    }
);
