//! Serious incident notifications and their statutory clocks, as the business unit and a
//! reviewer use them.

use crate::on_both_backends;
use axum::http::StatusCode;

on_both_backends!(notifications_start_clocks_and_bad_input_is_refused, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut reviewer = app.signed_in("reviewer@masa.example").await;
    let list = reviewer.get("/learning/notifications").await;
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
    page.assert_contains("Was due 9 November 2026");
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
    let warrington = app.second_partnership().await;
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
    // The installation's calendar moved every partnership's clocks, so every trail shows it.
    for partnership in [1, warrington.partnership_id] {
        let entries: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'bank_holiday' AND partnership_id = $1",
        )
        .bind(partnership)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(entries, 1, "partnership {partnership}'s trail");
    }
    // A practitioner cannot see learning reviews.
    let mut practitioner = app.signed_in("practitioner@masa.example").await;
    assert_eq!(
        practitioner.get("/learning").await.status,
        StatusCode::FORBIDDEN
    );
});

async fn id_of(app: &crate::support::TestApp, sql: &'static str, key: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(key.to_owned())
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

fn id_from(location: &str) -> String {
    location
        .split('#')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

on_both_backends!(
    reviews_are_recorded_edited_archived_and_bad_input_refused,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let police = id_of(
            app,
            "SELECT id FROM organisations WHERE name = $1",
            "Cheshire Constabulary",
        )
        .await;
        let council = id_of(
            app,
            "SELECT id FROM organisations WHERE name = $1",
            "Halton Borough Council",
        )
        .await;
        let incident = id_of(
            app,
            "SELECT id FROM serious_incidents WHERE reference = $1",
            "SIN-2026-07",
        )
        .await;
        let (police, council, incident) = (
            police.to_string(),
            council.to_string(),
            incident.to_string(),
        );
        let mut reviewer = app.signed_in("reviewer@masa.example").await;

        // The landing reaches every part; the list filters by type and status.
        reviewer
            .get("/learning")
            .await
            .assert_contains("/learning/notifications")
            .assert_contains("/learning/reviews")
            .assert_contains("/learning/themes")
            .assert_contains("/learning/triage")
            .assert_contains("SIN-2026-05");
        reviewer
            .get("/learning/reviews")
            .await
            .assert_contains("LC-2024-01")
            .assert_contains("RR-2026-01");
        reviewer
            .get("/learning/reviews?review_type=rapid_review&status=")
            .await
            .assert_contains("RR-2024-01")
            .assert_lacks("LC-2024-01");
        reviewer
            .get("/learning/reviews?review_type=&status=in_progress")
            .await
            .assert_contains("RR-2026-01")
            .assert_lacks("RR-2024-01");

        reviewer.get("/learning/reviews/new").await;
        let before = app.count("SELECT COUNT(*) FROM learning_reviews").await;
        let bad = reviewer
            .post(
                "/learning/reviews/new",
                &[
                    ("reference", "RR-2026-02"),
                    ("review_type", "learning_circle"),
                    ("subject", "Tommy Smith"),
                    ("serious_incident_id", "99999"),
                    ("agencies", "99999"),
                    ("chair_role", "Mr Jones"),
                    ("summary", "DOB 03/04/2019"),
                    ("started_on_day", "1"),
                    ("started_on_month", "1"),
                    ("started_on_year", "2099"),
                    ("panel_response", "Agreed"),
                    ("decision", "local_cspr"),
                    ("status", "completed"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        bad.assert_contains("never a name")
            .assert_contains("Select a serious incident notification from the list")
            .assert_contains("Select agencies from the list")
            .assert_contains("The chair seems to contain")
            .assert_contains("The summary seems to contain a date of birth")
            .assert_contains("today or in the past")
            .assert_contains("Only a rapid review")
            .assert_contains("Enter the rationale")
            .assert_contains("govuk-error-summary");
        let taken = reviewer
            .post(
                "/learning/reviews/new",
                &[
                    ("reference", "lc-2024-01"),
                    ("review_type", "learning_circle"),
                    ("subject", "Child Z"),
                    ("chair_role", "Principal Social Worker"),
                    ("started_on_day", "1"),
                    ("started_on_month", "10"),
                    ("started_on_year", "2026"),
                    ("status", "in_progress"),
                ],
            )
            .await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        taken.assert_contains("already exists");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM learning_reviews").await,
            before
        );

        let created = reviewer
            .post(
                "/learning/reviews/new",
                &[
                    ("reference", "RR-2026-02"),
                    ("review_type", "rapid_review"),
                    ("subject", "Sibling Group Q"),
                    ("serious_incident_id", &incident),
                    ("agencies", &police),
                    ("agencies", &council),
                    ("chair_role", "Designated Nurse <b>for</b> Safeguarding"),
                    ("summary", "<script>alert(1)</script> home conditions"),
                    ("started_on_day", "18"),
                    ("started_on_month", "11"),
                    ("started_on_year", "2026"),
                    ("status", "in_progress"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let id = id_from(created.location());
        let page = reviewer.get(created.location()).await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            .assert_lacks("<script>alert(1)")
            .assert_lacks("<b>for</b>")
            .assert_contains("Cheshire Constabulary")
            .assert_contains("SIN-2026-07 (Sibling Group Q)")
            .assert_contains(&format!(
                "/tracker/recommendations/new?source_kind=learning_review&amp;source_id={id}"
            ));
        // The notification lists the review that came from it.
        reviewer
            .get(&format!("/learning/notifications/{incident}"))
            .await
            .assert_contains("RR-2026-02");
        assert_eq!(
            app.state
                .sources
                .resolve(
                    masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
                    "learning_review",
                    id.parse().unwrap()
                )
                .await
                .unwrap()
                .map(|source| source.label)
                .as_deref(),
            Some("Rapid review RR-2026-02 (Sibling Group Q)")
        );
        assert_eq!(
            app.state
                .sources
                .resolve(
                    masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
                    "learning_review",
                    99999
                )
                .await
                .unwrap()
                .map(|source| source.label),
            None
        );
        assert_eq!(
            app.state
                .sources
                .resolve(
                    masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
                    "something_else",
                    1
                )
                .await
                .unwrap()
                .map(|source| source.label),
            None
        );

        // Edit: completing it needs a date; then the Panel's response and decision are kept.
        reviewer
            .get(&format!("/learning/reviews/{id}/edit"))
            .await
            .assert_contains("RR-2026-02");
        let edit = |status: &'static str, day: &'static str| {
            vec![
                ("reference", "RR-2026-02"),
                ("review_type", "rapid_review"),
                ("subject", "Sibling Group Q"),
                ("chair_role", "Designated Nurse for Safeguarding Children"),
                ("summary", "Home conditions and attendance."),
                ("started_on_day", "18"),
                ("started_on_month", "11"),
                ("started_on_year", "2026"),
                ("completed_on_day", day),
                ("completed_on_month", if day.is_empty() { "" } else { "11" }),
                (
                    "completed_on_year",
                    if day.is_empty() { "" } else { "2026" },
                ),
                ("panel_response", "The Panel agreed with the decision."),
                ("decision", "learning_circle"),
                (
                    "decision_rationale",
                    "Learning is about practice, not systems.",
                ),
                ("status", status),
            ]
        };
        let refused = reviewer
            .post(
                &format!("/learning/reviews/{id}/edit"),
                &edit("completed", ""),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Enter the date the review was completed or published");
        let saved = reviewer
            .post(
                &format!("/learning/reviews/{id}/edit"),
                &edit("completed", "20"),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        reviewer
            .get(&format!("/learning/reviews/{id}"))
            .await
            .assert_contains("20 November 2026")
            .assert_contains("The Panel agreed with the decision.")
            .assert_contains("Learning circle")
            .assert_lacks("Cheshire Constabulary");
        assert_eq!(
        app.count("SELECT COUNT(*) FROM learning_review_agencies WHERE review_id = (SELECT id FROM learning_reviews WHERE reference = 'RR-2026-02')").await,
        0
    );

        // Forged ids are 404, for pages and for posts.
        assert_eq!(
            reviewer.get("/learning/reviews/99999").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            reviewer.get("/learning/reviews/99999/edit").await.status,
            StatusCode::NOT_FOUND
        );
        reviewer.get("/learning/reviews").await;
        assert_eq!(
            reviewer
                .post("/learning/reviews/99999/edit", &edit("completed", "20"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            reviewer
                .post("/learning/reviews/99999/archive", &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // The scrutineer reads but changes nothing; a practitioner cannot read.
        let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
        scrutineer
            .get(&format!("/learning/reviews/{id}"))
            .await
            .assert_lacks("Edit review")
            .assert_lacks("Add a finding");
        for path in [
            format!("/learning/reviews/{id}/edit"),
            format!("/learning/reviews/{id}/archive"),
            format!("/learning/reviews/{id}/findings"),
            "/learning/reviews/new".to_owned(),
            "/learning/themes".to_owned(),
            "/learning/triage/new".to_owned(),
        ] {
            assert_eq!(
                scrutineer
                    .post(&path, &edit("completed", "20"))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
        let mut practitioner = app.signed_in("practitioner@masa.example").await;
        for path in ["/learning/reviews", "/learning/themes", "/learning/triage"] {
            assert_eq!(practitioner.get(path).await.status, StatusCode::FORBIDDEN);
        }

        // Archived: off the list, kept with its history, and restorable.
        let archived = reviewer
            .post(&format!("/learning/reviews/{id}/archive"), &[])
            .await;
        assert_eq!(archived.status, StatusCode::SEE_OTHER);
        reviewer
            .get(&format!("/learning/reviews/{id}"))
            .await
            .assert_contains("This review is archived");
        reviewer
            .get("/learning/reviews")
            .await
            .assert_lacks("RR-2026-02");
        assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE entity_type = 'learning_review' AND action IN ('create', 'update', 'archive') AND summary LIKE '%RR-2026-02%'").await,
        3
    );
        let restored = reviewer
            .post(&format!("/learning/reviews/{id}/restore"), &[])
            .await;
        assert_eq!(restored.status, StatusCode::SEE_OTHER);
        reviewer
            .get("/learning/reviews")
            .await
            .assert_contains("RR-2026-02");
    }
);

on_both_backends!(
    findings_are_tagged_and_the_themes_chart_counts_reviews,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;
        // With no year chosen, the page opens on the latest year with findings: the demo's 2024-25.
        admin
            .get("/learning/themes")
            .await
            .assert_contains("2024-25: 6 reviews with tagged findings");
        // The demo's 2024-25, as the yearly report tells it, hand-counted from the demo findings:
        // professional challenge and escalation in 5 of the 6 reviews, home conditions in 4.
        admin
        .get("/learning/themes?year=2024-25")
        .await
        .assert_contains("2024-25: 6 reviews with tagged findings")
        .assert_contains("role=\"img\"")
        .assert_contains(
            "Bar chart of 10 items. Professional challenge and escalation: 5; Home conditions (neglect): 4; \
             Information sharing: 3; Voice of the child: 3; Threshold application (levels of need): 2; \
             Domestic abuse: 1; Strategy meetings: 1; Substance misuse (ketamine): 1; \
             Transitional safeguarding: 1; Water safety in the home: 1.",
        );

        // The business unit adds a theme; a reviewer may not, nor may anyone add one twice.
        let mut reviewer = app.signed_in("reviewer@masa.example").await;
        reviewer
            .get("/learning/themes")
            .await
            .assert_lacks("Add a theme");
        assert_eq!(
            reviewer
                .post("/learning/themes", &[("name", "Adultification")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        admin
            .get("/learning/themes")
            .await
            .assert_contains("Add a theme");
        let added = admin
            .post(
                "/learning/themes",
                &[("name", "Adultification"), ("description", "")],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let again = admin
            .post(
                "/learning/themes",
                &[("name", "adultification"), ("description", "")],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        again.assert_contains("already on the list");
        let theme = id_of(
            app,
            "SELECT id FROM learning_themes WHERE name = $1",
            "Adultification",
        )
        .await
        .to_string();
        let escalation = id_of(
            app,
            "SELECT id FROM learning_themes WHERE name = $1",
            "Professional challenge and escalation",
        )
        .await
        .to_string();

        // A review of this year (2026-27) with two findings.
        let created = reviewer
            .post(
                "/learning/reviews/new",
                &[
                    ("reference", "LC-2026-01"),
                    ("review_type", "learning_circle"),
                    ("subject", "Young Person S"),
                    ("chair_role", "Learning and Improvement Officer"),
                    ("started_on_day", "10"),
                    ("started_on_month", "4"),
                    ("started_on_year", "2026"),
                    ("status", "in_progress"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let id = id_from(created.location());
        reviewer
            .get(created.location())
            .await
            .assert_contains("Adultification");
        let findings = format!("/learning/reviews/{id}/findings");
        let no_theme = reviewer
            .post(&findings, &[("finding", "Seen as older than she was.")])
            .await;
        assert_eq!(no_theme.status, StatusCode::UNPROCESSABLE_ENTITY);
        no_theme.assert_contains("Select at least one theme");
        let forged = reviewer
            .post(&findings, &[("finding", "x"), ("themes", "99999")])
            .await;
        forged.assert_contains("Select themes from the list");
        let personal = reviewer
            .post(
                &findings,
                &[("finding", "Mrs Jones was not told"), ("themes", &theme)],
            )
            .await;
        assert_eq!(personal.status, StatusCode::UNPROCESSABLE_ENTITY);
        personal.assert_contains("The finding seems to contain");
        assert_eq!(app.count("SELECT COUNT(*) FROM learning_findings WHERE review_id = (SELECT id FROM learning_reviews WHERE reference = 'LC-2026-01')").await, 0);
        for fields in [
            vec![
                ("finding", "Seen as older than she was."),
                ("themes", theme.as_str()),
                ("themes", escalation.as_str()),
            ],
            vec![
                ("finding", "Exploitation risk read as choice."),
                ("themes", theme.as_str()),
            ],
            vec![
                ("finding", "Withdrawn later."),
                ("themes", escalation.as_str()),
            ],
        ] {
            let added = reviewer.post(&findings, &fields).await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        }
        // Archiving the third finding takes it out of the count.
        let third: i64 = sqlx::query_scalar(
            "SELECT id FROM learning_findings WHERE finding = 'Withdrawn later.'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(
            reviewer
                .post(
                    &format!("/learning/reviews/1/findings/{third}/archive"),
                    &[]
                )
                .await
                .status,
            StatusCode::NOT_FOUND,
            "a finding is archived only through its own review"
        );
        let archived = reviewer
            .post(
                &format!("/learning/reviews/{id}/findings/{third}/archive"),
                &[],
            )
            .await;
        assert_eq!(archived.status, StatusCode::SEE_OTHER);
        reviewer
            .get(&format!("/learning/reviews/{id}"))
            .await
            .assert_lacks("Withdrawn later.")
            .assert_contains("2 findings and their themes");

        // 2026-27: one review; Adultification on 2 findings, escalation on 1 (the archived one is not counted).
        let page = admin.get("/learning/themes?year=2026-27").await;
        page.assert_contains("2026-27: 1 review with tagged findings")
        .assert_contains("Bar chart of 2 items. Adultification: 1; Professional challenge and escalation: 1.");
        let adultification_row = page.body.split("Adultification</th>").nth(1).unwrap();
        let cells: Vec<&str> = adultification_row
            .split("<td")
            .skip(1)
            .take(3)
            .map(|cell| cell.split('>').nth(1).unwrap().split('<').next().unwrap())
            .collect();
        assert_eq!(cells, vec!["1", "2", "LC-2026-01"]);
        // An unknown year falls back to this year's chart rather than failing.
        assert_eq!(
            admin.get("/learning/themes?year=nonsense").await.status,
            StatusCode::OK
        );

        // An archived theme is no longer offered for new findings.
        let archive = admin
            .post(&format!("/learning/themes/{theme}/archive"), &[])
            .await;
        assert_eq!(archive.status, StatusCode::SEE_OTHER);
        reviewer
            .post(&findings, &[("finding", "More."), ("themes", &theme)])
            .await
            .assert_contains("Select themes from the list");
        assert_eq!(
            admin
                .post("/learning/themes/99999/archive", &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);

on_both_backends!(national_reviews_are_triaged, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut reviewer = app.signed_in("reviewer@masa.example").await;
    reviewer
        .get("/learning/triage")
        .await
        .assert_contains("Safeguarding children with disabilities");
    reviewer.get("/learning/triage/new").await;
    let bad = reviewer
        .post(
            "/learning/triage/new",
            &[
                ("title", ""),
                ("source", "Rumour"),
                ("published_on_day", "31"),
                ("published_on_month", "2"),
                ("published_on_year", "2025"),
                ("link", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Enter title")
        .assert_contains("Select source")
        .assert_contains("must be a real date")
        .assert_contains("Enter the link in the correct format");
    let created = reviewer
        .post(
            "/learning/triage/new",
            &[
                ("title", "Learning from a neighbouring area's review"),
                ("source", "Other partnership"),
                ("published_on_day", "12"),
                ("published_on_month", "6"),
                ("published_on_year", "2025"),
                ("link", "https://example.org/review"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = id_from(created.location());
    let recommendations = format!("/learning/triage/{id}/recommendations");
    reviewer.get(created.location()).await;
    let empty = reviewer
        .post(&recommendations, &[("recommendation", "")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let added = reviewer
        .post(
            &recommendations,
            &[(
                "recommendation",
                "Audit the use of <i>escalation</i> by schools.",
            )],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let recommendation: i64 = sqlx::query_scalar(
        "SELECT id FROM national_review_recommendations WHERE recommendation LIKE 'Audit the use%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let page = reviewer.get(created.location()).await;
    page.assert_contains("&#60;i&#62;escalation&#60;/i&#62;")
        .assert_contains("Not triaged yet")
        .assert_lacks("source_kind=national_review");
    let decide = format!("/learning/triage/{id}/recommendations/{recommendation}");
    let undecided = reviewer
        .post(&decide, &[("decision", ""), ("rationale", "")])
        .await;
    assert_eq!(undecided.status, StatusCode::UNPROCESSABLE_ENTITY);
    undecided
        .assert_contains(&format!("#decision-{recommendation}"))
        .assert_contains("Select whether the recommendation applies here")
        .assert_contains("Enter rationale");
    // A recommendation of another review, or none, by forged id: 404.
    assert_eq!(
        reviewer
            .post(
                &format!("/learning/triage/1/recommendations/{recommendation}"),
                &[("decision", "applies"), ("rationale", "x")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reviewer
            .post(
                &format!("/learning/triage/{id}/recommendations/99999"),
                &[("decision", "applies"), ("rationale", "x")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reviewer.get("/learning/triage/99999").await.status,
        StatusCode::NOT_FOUND
    );
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    scrutineer
        .get(created.location())
        .await
        .assert_lacks("Save decision");
    assert_eq!(
        scrutineer
            .post(&decide, &[("decision", "applies"), ("rationale", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        scrutineer
            .post(&recommendations, &[("recommendation", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    reviewer.get(created.location()).await;
    let decided = reviewer
        .post(
            &decide,
            &[
                ("decision", "applies"),
                ("rationale", "Our schools' escalation is uneven."),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    reviewer
        .get(created.location())
        .await
        .assert_contains("Applies here")
        .assert_contains("Learning Review Lead")
        .assert_contains(&format!(
            "/tracker/recommendations/new?source_kind=national_review&amp;source_id={recommendation}"
        ));
    let label = app
        .state
        .sources
        .resolve(
            masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
            "national_review",
            recommendation,
        )
        .await
        .unwrap()
        .map(|source| source.label)
        .unwrap();
    assert!(
        label.starts_with(
            "Learning from a neighbouring area's review (Other partnership): recommendation"
        ),
        "{label}"
    );
    // The demo's own triage decisions have their entries too: count this recommendation's.
    let triaged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'national_review_recommendation' \
         AND action = 'update' AND entity_id = $1",
    )
    .bind(recommendation)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(triaged, 1);
});

on_both_backends!(clock_warnings_are_queued_once, |app| {
    use time::macros::date;
    masa::demo::load(&app.db).await.unwrap();
    let admins = masa::kernel::auth::list_users(masa::kernel::Scope::new(
        &app.db,
        masa::demo::DEMO_PARTNERSHIP,
    ))
    .await
    .unwrap()
    .into_iter()
    .filter(|user| {
        user.archived_at.is_none() && user.roles.contains(&masa::kernel::Role::BusinessUnitAdmin)
    })
    .count() as i64;
    assert!(admins >= 1);
    let outbox = || app.count("SELECT COUNT(*) FROM email_outbox");
    let before = outbox().await;
    // Monday 23 November 2026: SIN-2026-05's rapid review (notified 8 October) is overdue, and
    // SIN-2026-07 (aware Tuesday 17 November) must be notified to the Panel by Tuesday 24th:
    // 1 working day left. SIN-2025-03's clocks were all met.
    let sent = masa::learning::queue_clock_warnings(&app.db, date!(2026 - 11 - 23))
        .await
        .unwrap();
    assert_eq!(sent, 2);
    assert_eq!(outbox().await, before + 2 * admins);
    let subjects: Vec<String> = sqlx::query_scalar("SELECT subject FROM email_outbox ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Overdue: Rapid review") && s.ends_with("SIN-2026-05")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Due soon: Notify the national Panel")
                && s.ends_with("SIN-2026-07")),
        "{subjects:?}"
    );
    // Running again the same day, or the next, sends nothing new.
    assert_eq!(
        masa::learning::queue_clock_warnings(&app.db, date!(2026 - 11 - 23))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        masa::learning::queue_clock_warnings(&app.db, date!(2026 - 11 - 24))
            .await
            .unwrap(),
        0
    );
    assert_eq!(outbox().await, before + 2 * admins);
    // Wednesday 25th: SIN-2026-07's Panel notification is now overdue: one new kind of warning.
    assert_eq!(
        masa::learning::queue_clock_warnings(&app.db, date!(2026 - 11 - 25))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        masa::learning::queue_clock_warnings(&app.db, date!(2026 - 11 - 25))
            .await
            .unwrap(),
        0
    );
    assert_eq!(outbox().await, before + 3 * admins);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM learning_clock_warnings")
            .await,
        3
    );
});

on_both_backends!(learning_is_kept_to_its_partnership, |app| {
    use masa::kernel::Role;
    masa::demo::load(&app.db).await.unwrap();
    let warrington = app.second_partnership().await;
    // Halton's records, by id.
    let incident = app
        .count("SELECT id FROM serious_incidents WHERE reference = 'SIN-2026-05'")
        .await;
    let review = app
        .count("SELECT id FROM learning_reviews WHERE reference = 'RR-2024-01'")
        .await;
    let finding = app.count("SELECT MIN(id) FROM learning_findings").await;
    let finding_review = app.count("SELECT review_id FROM learning_findings WHERE id = (SELECT MIN(id) FROM learning_findings)",
    )
    .await;
    let theme = app
        .count(
            "SELECT id FROM learning_themes WHERE name = 'Professional challenge and escalation'",
        )
        .await;
    let national = app.count("SELECT id FROM national_reviews WHERE title LIKE 'Safeguarding children with disabilities%'",
    )
    .await;
    let recommendation = app.count("SELECT MIN(id) FROM national_review_recommendations WHERE national_review_id = \
         (SELECT id FROM national_reviews WHERE title LIKE 'Safeguarding children with disabilities%')",
    )
    .await;
    let police = app
        .count("SELECT id FROM organisations WHERE name = 'Cheshire Constabulary'")
        .await;

    // Warrington's business unit sees none of Halton's learning in its lists.
    let mut admin = app
        .signed_in(warrington.email(Role::BusinessUnitAdmin))
        .await;
    admin
        .get("/learning")
        .await
        .assert_lacks("SIN-2026-05")
        .assert_contains("/learning/notifications");
    admin
        .get("/learning/notifications")
        .await
        .assert_lacks("SIN-2026-05")
        .assert_lacks("SIN-2025-03")
        .assert_lacks("Sibling Group Q");
    admin
        .get("/learning/reviews")
        .await
        .assert_lacks("RR-2024-01")
        .assert_lacks("LC-2024-01");
    admin
        .get("/learning/themes?year=2024-25")
        .await
        .assert_contains("2024-25: 0 reviews with tagged findings")
        .assert_lacks("Home conditions (neglect)")
        .assert_lacks("Voice of the child");
    admin
        .get("/learning/triage")
        .await
        .assert_lacks("Safeguarding children with disabilities");
    let new_review = admin.get("/learning/reviews/new").await;
    new_review
        .assert_lacks("SIN-2026-05")
        .assert_lacks("Cheshire Constabulary")
        .assert_contains("Warrington Borough Council");

    // Halton's ids are answered as missing, for pages and for posts, and nothing changes.
    let audit_before = app.count("SELECT COUNT(*) FROM audit_events").await;
    let findings_before = app
        .count("SELECT COUNT(*) FROM learning_findings WHERE archived_at IS NULL")
        .await;
    let recommendations_before = app
        .count("SELECT COUNT(*) FROM national_review_recommendations")
        .await;
    for path in [
        format!("/learning/notifications/{incident}"),
        format!("/learning/reviews/{review}"),
        format!("/learning/reviews/{review}/edit"),
        format!("/learning/triage/{national}"),
    ] {
        assert_eq!(
            admin.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let review_fields = [
        ("reference", "RR-2024-01"),
        ("review_type", "rapid_review"),
        ("subject", "Child N"),
        ("chair_role", "Designated Nurse"),
        ("started_on_day", "1"),
        ("started_on_month", "4"),
        ("started_on_year", "2026"),
        ("status", "in_progress"),
    ];
    let theme_text = theme.to_string();
    for (path, fields) in [
        (
            format!("/learning/notifications/{incident}/dates"),
            vec![
                ("notified_on_day", "9"),
                ("notified_on_month", "10"),
                ("notified_on_year", "2026"),
            ],
        ),
        (
            format!("/learning/reviews/{review}/edit"),
            review_fields.to_vec(),
        ),
        (format!("/learning/reviews/{review}/archive"), vec![]),
        (format!("/learning/reviews/{review}/restore"), vec![]),
        (
            format!("/learning/reviews/{review}/findings"),
            vec![("finding", "Forged."), ("themes", theme_text.as_str())],
        ),
        (
            format!("/learning/reviews/{finding_review}/findings/{finding}/archive"),
            vec![],
        ),
        (format!("/learning/themes/{theme}/archive"), vec![]),
        (format!("/learning/themes/{theme}/restore"), vec![]),
        (
            format!("/learning/triage/{national}/recommendations"),
            vec![("recommendation", "Forged.")],
        ),
        (
            format!("/learning/triage/{national}/recommendations/{recommendation}"),
            vec![("decision", "not_applicable"), ("rationale", "Forged.")],
        ),
    ] {
        assert_eq!(
            admin.post(&path, &fields).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        audit_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM learning_findings WHERE archived_at IS NULL")
            .await,
        findings_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM national_review_recommendations")
            .await,
        recommendations_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM serious_incidents WHERE reference = 'SIN-2026-05' AND notified_on = '2026-10-08'").await,
        1,
        "Halton's dates are untouched"
    );

    // A Halton notification or agency named in Warrington's review form is refused, unsaved.
    let incident_text = incident.to_string();
    let police_text = police.to_string();
    let mut forged = review_fields.to_vec();
    forged.push(("serious_incident_id", incident_text.as_str()));
    forged.push(("agencies", police_text.as_str()));
    let refused = admin.post("/learning/reviews/new", &forged).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("Select a serious incident notification from the list")
        .assert_contains("Select agencies from the list");
    let warrington_reviews = "SELECT COUNT(*) FROM learning_reviews WHERE partnership_id <> 1";
    assert_eq!(app.count(warrington_reviews).await, 0);

    // References and theme names are Warrington's own: Halton's are free to use here.
    let created = admin
        .post(
            "/learning/notifications/new",
            &[
                ("reference", "SIN-2026-05"),
                ("subject", "Child W"),
                ("summary", "Warrington's own notification."),
                ("became_aware_on_day", "2"),
                ("became_aware_on_month", "11"),
                ("became_aware_on_year", "2026"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let own_incident = id_from(created.location());
    let own_agency = warrington.organisation_id.to_string();
    let created = admin
        .post(
            "/learning/reviews/new",
            &[
                ("reference", "RR-2024-01"),
                ("review_type", "learning_circle"),
                ("subject", "Young Person W"),
                ("agencies", &own_agency),
                ("chair_role", "Learning and Improvement Officer"),
                ("started_on_day", "10"),
                ("started_on_month", "4"),
                ("started_on_year", "2026"),
                ("status", "in_progress"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let own_review = id_from(created.location());
    let added = admin
        .post(
            "/learning/themes",
            &[
                ("name", "Professional challenge and escalation"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let own_theme = app
        .count("SELECT id FROM learning_themes WHERE partnership_id <> 1")
        .await
        .to_string();
    // Halton's theme on Warrington's finding is refused; Warrington's own is taken.
    let findings = format!("/learning/reviews/{own_review}/findings");
    admin
        .post(
            &findings,
            &[("finding", "Escalation was slow."), ("themes", &theme_text)],
        )
        .await
        .assert_contains("Select themes from the list");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM learning_findings f JOIN learning_reviews r ON r.id = f.review_id WHERE r.partnership_id <> 1").await,
        0
    );
    let tagged = admin
        .post(
            &findings,
            &[("finding", "Escalation was slow."), ("themes", &own_theme)],
        )
        .await;
    assert_eq!(tagged.status, StatusCode::SEE_OTHER, "{}", tagged.body);
    let created = admin
        .post(
            "/learning/triage/new",
            &[
                ("title", "Warrington's neighbouring review"),
                ("source", "Other partnership"),
                ("published_on_day", "12"),
                ("published_on_month", "6"),
                ("published_on_year", "2025"),
                ("link", "https://example.org/warrington"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let own_national = id_from(created.location());

    // Warrington's chart counts only its own review.
    admin
        .get("/learning/themes?year=2026-27")
        .await
        .assert_contains("2026-27: 1 review with tagged findings")
        .assert_contains("Bar chart of 1 item. Professional challenge and escalation: 1.");
    admin
        .get(&format!("/learning/reviews/{own_review}"))
        .await
        .assert_contains("Young Person W")
        .assert_contains("Warrington Borough Council")
        .assert_contains("Escalation was slow.");
    admin
        .get("/learning/reviews")
        .await
        .assert_contains("Young Person W");

    // Halton's users see none of it, and Halton's chart is as before.
    let mut halton = app.signed_in("admin@masa.example").await;
    halton
        .get("/learning/notifications")
        .await
        .assert_lacks("Child W");
    halton
        .get("/learning/reviews")
        .await
        .assert_lacks("Young Person W");
    halton
        .get("/learning/triage")
        .await
        .assert_lacks("Warrington's neighbouring review");
    halton
        .get("/learning/themes?year=2026-27")
        .await
        .assert_contains("2026-27: 0 reviews with tagged findings");
    halton
        .get("/learning/themes?year=2024-25")
        .await
        .assert_contains("2024-25: 6 reviews with tagged findings")
        .assert_contains("Bar chart of 10 items. Professional challenge and escalation: 5;");
    for path in [
        format!("/learning/notifications/{own_incident}"),
        format!("/learning/reviews/{own_review}"),
        format!("/learning/reviews/{own_review}/edit"),
        format!("/learning/triage/{own_national}"),
    ] {
        assert_eq!(
            halton.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        halton
            .post(&format!("/learning/themes/{own_theme}/archive"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // What the improvement tracker names: only the asking partnership's records.
    let own_review: i64 = own_review.parse().unwrap();
    let p = warrington.partnership_id;
    assert!(
        app.state
            .sources
            .resolve(
                masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(p)),
                "learning_review",
                own_review
            )
            .await
            .unwrap()
            .map(|source| source.label)
            .is_some()
    );
    for (partnership, kind, id) in [
        (1, "learning_review", own_review),
        (p, "learning_review", review),
        (p, "national_review", recommendation),
    ] {
        assert_eq!(
            app.state
                .sources
                .resolve(
                    masa::kernel::Scope::new(
                        &app.db,
                        masa::kernel::ids::PartnershipId::new(partnership)
                    ),
                    kind,
                    id
                )
                .await
                .unwrap()
                .map(|source| source.label),
            None
        );
        assert_eq!(
            app.state
                .sources
                .resolve(
                    masa::kernel::Scope::new(
                        &app.db,
                        masa::kernel::ids::PartnershipId::new(partnership)
                    ),
                    kind,
                    id
                )
                .await
                .unwrap()
                .map(|source| source.page),
            None
        );
    }
});

on_both_backends!(clock_warnings_go_to_each_partnership_alone, |app| {
    use masa::kernel::Role;
    use time::macros::date;
    masa::demo::load(&app.db).await.unwrap();
    let warrington = app.second_partnership().await;
    let mut admin = app
        .signed_in(warrington.email(Role::BusinessUnitAdmin))
        .await;
    admin.get("/learning/notifications/new").await;
    // Aware Tuesday 17 November 2026, like Halton's SIN-2026-07: the Panel is due by the 24th.
    let created = admin
        .post(
            "/learning/notifications/new",
            &[
                ("reference", "WAR-2026-01"),
                ("subject", "Child W"),
                ("summary", "Warrington's own notification."),
                ("became_aware_on_day", "17"),
                ("became_aware_on_month", "11"),
                ("became_aware_on_year", "2026"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let sent = masa::learning::queue_clock_warnings(&app.db, date!(2026 - 11 - 23))
        .await
        .unwrap();
    assert_eq!(sent, 3, "Halton's two and Warrington's one");
    let mails: Vec<(String, String)> =
        sqlx::query_as("SELECT to_address, subject FROM email_outbox ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let warrington_admin = warrington.email(Role::BusinessUnitAdmin);
    let to_warrington: Vec<&String> = mails
        .iter()
        .filter(|(to, _)| to.ends_with("@warrington.example"))
        .map(|(_, subject)| subject)
        .collect();
    assert_eq!(to_warrington.len(), 1, "{mails:?}");
    assert!(
        to_warrington[0].starts_with("Due soon: Notify the national Panel")
            && to_warrington[0].ends_with("WAR-2026-01"),
        "{mails:?}"
    );
    assert!(mails.iter().any(|(to, _)| to == warrington_admin));
    assert!(
        mails
            .iter()
            .filter(|(_, subject)| subject.contains("WAR-2026-01"))
            .all(|(to, _)| to == warrington_admin),
        "{mails:?}"
    );
});
