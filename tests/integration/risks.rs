//! The risk register and the policy tracker, as the business unit, a group chair, the
//! scrutineer and a practitioner use them: bad input refused by field with nothing saved,
//! re-scores kept, the heat map counted from the records, the register read back from its
//! spreadsheet, access, and every change in the audit trail.

use crate::on_both_backends;
use crate::support::TestApp;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use masa::kernel::Access;
use tower::ServiceExt;

fn new_risk<'a>(
    reference: &'a str,
    title: &'a str,
    organisation: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("reference", reference),
        ("title", title),
        (
            "description",
            "Partners report different thresholds for strategy discussions.",
        ),
        ("cause", "Guidance not refreshed since 2022."),
        ("effect", "Children wait longer for a joint response."),
        ("owner_organisation_id", organisation),
        ("owner_role", "Head of Service, Children's Social Care"),
        ("theme", "Neglect"),
        ("review_on_day", "31"),
        ("review_on_month", "3"),
        ("review_on_year", "2027"),
        ("inherent_likelihood", "4"),
        ("inherent_impact", "4"),
        ("residual_likelihood", "3"),
        ("residual_impact", "4"),
        ("rationale", "Scored at the Quality and Impact Group."),
    ]
}

fn with<'a>(
    mut fields: Vec<(&'a str, &'a str)>,
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    for (name, value) in changes {
        match fields.iter_mut().find(|(field, _)| field == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
}

async fn organisation_id(app: &TestApp, name: &str) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    id.to_string()
}

async fn risk_id(app: &TestApp, reference: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM risks WHERE reference = $1")
        .bind(reference)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn audit_count(app: &TestApp, entity_type: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE entity_type = $1")
        .bind(entity_type)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

on_both_backends!(
    bad_risk_input_is_refused_by_field_and_nothing_is_saved,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let council = organisation_id(app, "Halton Borough Council").await;
        let mut admin = app.signed_in("admin@masa.example").await;
        admin
            .get("/tracker/risks/new")
            .await
            .assert_contains("Add a risk");
        let risks = app.count("SELECT COUNT(*) FROM risks").await;
        let scores = app.count("SELECT COUNT(*) FROM risk_scores").await;
        let audits = app.count("SELECT COUNT(*) FROM audit_events").await;

        let levels = admin
            .post(
                "/tracker/risks/new",
                &with(
                    new_risk("R-20", "Levels out of range", &council),
                    &[
                        ("inherent_likelihood", "0"),
                        ("inherent_impact", "6"),
                        ("residual_likelihood", "abc"),
                        ("residual_impact", ""),
                    ],
                ),
            )
            .await;
        assert_eq!(levels.status, StatusCode::UNPROCESSABLE_ENTITY);
        levels
            .assert_contains("Inherent likelihood must be from 1 to 5")
            .assert_contains("Inherent impact must be from 1 to 5")
            .assert_contains("Residual likelihood must be a whole number from 1 to 5")
            .assert_contains("Enter the residual impact, from 1 to 5")
            .assert_contains("href=\"#inherent_likelihood\"")
            // What was typed is kept.
            .assert_contains("value=\"Levels out of range\"");

        let above = admin
            .post(
                "/tracker/risks/new",
                &with(
                    new_risk("R-20", "Residual above inherent", &council),
                    &[
                        ("inherent_likelihood", "2"),
                        ("inherent_impact", "2"),
                        ("residual_likelihood", "5"),
                        ("residual_impact", "5"),
                    ],
                ),
            )
            .await;
        assert_eq!(above.status, StatusCode::UNPROCESSABLE_ENTITY);
        above.assert_contains(
            "The residual score (25) cannot be higher than the inherent score (4)",
        );

        let personal = admin
            .post(
                "/tracker/risks/new",
                &with(
                    new_risk("R-20", "Personal data", &council),
                    &[("description", "Seen at home, DOB 03/04/2015")],
                ),
            )
            .await;
        assert_eq!(personal.status, StatusCode::UNPROCESSABLE_ENTITY);
        personal.assert_contains("Description seems to contain a date of birth");

        let forged_owner = admin
            .post(
                "/tracker/risks/new",
                &with(
                    new_risk("R-20", "Forged owner", &council),
                    &[("owner_organisation_id", "999999")],
                ),
            )
            .await;
        assert_eq!(forged_owner.status, StatusCode::UNPROCESSABLE_ENTITY);
        forged_owner.assert_contains("Select the organisation that owns the risk");

        let taken = admin
            .post(
                "/tracker/risks/new",
                &new_risk("r-01", "Taken reference", &council),
            )
            .await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        taken.assert_contains("A risk with this reference already exists");

        assert_eq!(app.count("SELECT COUNT(*) FROM risks").await, risks);
        assert_eq!(app.count("SELECT COUNT(*) FROM risk_scores").await, scores);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, audits);

        // Script in text is stored as typed and shown escaped.
        let created = admin
            .post(
                "/tracker/risks/new",
                &new_risk("R-20", "<script>alert('risk')</script>", &council),
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let page = admin.get(created.location()).await;
        page.assert_contains("&#60;script&#62;alert(")
            .assert_lacks("<script>alert(")
            .assert_contains("Risk R-20 added to the register")
            .assert_contains("4 × 4 = 16 (high)")
            .assert_contains("3 × 4 = 12 (high)");
        assert_eq!(app.count("SELECT COUNT(*) FROM risks").await, risks + 1);
        let id = risk_id(app, "R-20").await;
        page.assert_contains(&format!(
            "/tracker/recommendations/new?source_kind=risk&amp;source_id={id}"
        ));
        assert_eq!(
            app.state
                .sources
                .resolve(
                    masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
                    "risk",
                    id
                )
                .await
                .unwrap()
                .map(|source| source.label),
            Some("Risk R-20: <script>alert('risk')</script>".to_owned())
        );
        assert_eq!(
            app.state
                .sources
                .resolve(
                    masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(1)),
                    "risk",
                    999_999
                )
                .await
                .unwrap()
                .map(|source| source.label),
            None
        );

        // An edit refused for personal data changes nothing.
        let edit = admin
            .post(
                &format!("/tracker/risks/{id}/edit"),
                &with(
                    new_risk("R-20", "Renamed", &council),
                    &[("owner_role", "Mrs Jones, team manager")],
                ),
            )
            .await;
        assert_eq!(edit.status, StatusCode::UNPROCESSABLE_ENTITY);
        edit.assert_contains("seems to contain a person&#39;s name");
        let title: String = sqlx::query_scalar("SELECT title FROM risks WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(title, "<script>alert('risk')</script>");
    }
);

on_both_backends!(rescoring_keeps_history_and_every_change_is_audited, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let council = organisation_id(app, "Halton Borough Council").await;
    // A group chair manages the register too.
    let mut chair = app.signed_in("chair@masa.example").await;
    chair.get("/tracker/risks/new").await;
    let audits = audit_count(app, "risk").await;
    let created = chair
        .post(
            "/tracker/risks/new",
            &new_risk("R-30", "Strategy discussions delayed", &council),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = risk_id(app, "R-30").await;
    assert_eq!(audit_count(app, "risk").await, audits + 1);

    let rescore = |l: &'static str,
                   i: &'static str,
                   rl: &'static str,
                   ri: &'static str,
                   why: &'static str| {
        vec![
            ("inherent_likelihood", l),
            ("inherent_impact", i),
            ("residual_likelihood", rl),
            ("residual_impact", ri),
            ("rationale", why),
        ]
    };
    chair.get(&format!("/tracker/risks/{id}/rescore")).await;
    let refused = chair
        .post(
            &format!("/tracker/risks/{id}/rescore"),
            &rescore("3", "3", "4", "4", "Worse than before"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("cannot be higher than the inherent score");
    let no_reason = chair
        .post(
            &format!("/tracker/risks/{id}/rescore"),
            &rescore("4", "4", "2", "4", ""),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_reason.assert_contains("Enter rationale");
    for (residual, why) in [
        ("2", "Audit found better timeliness."),
        ("1", "Timescales met for two quarters."),
    ] {
        let saved = chair
            .post(
                &format!("/tracker/risks/{id}/rescore"),
                &rescore("4", "4", residual, "4", why),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    let history: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM risk_scores WHERE risk_id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        history, 3,
        "the first scores and two re-scores are all kept"
    );
    let page = chair.get(&format!("/tracker/risks/{id}")).await;
    page.assert_contains("Scored at the Quality and Impact Group.")
        .assert_contains("Audit found better timeliness.")
        .assert_contains("Timescales met for two quarters.")
        .assert_contains("1 × 4 = 4 (low)")
        .assert_contains("Quality and Impact Group Chair");
    assert_eq!(audit_count(app, "risk").await, audits + 3);

    // Controls are added and retired, never deleted.
    chair
        .get(&format!("/tracker/risks/{id}/controls/new"))
        .await;
    let bad_control = chair
        .post(
            &format!("/tracker/risks/{id}/controls/new"),
            &[
                ("description", ""),
                ("owner", "Chair"),
                ("effectiveness", "brilliant"),
            ],
        )
        .await;
    assert_eq!(bad_control.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad_control
        .assert_contains("Enter control")
        .assert_contains("Select how effective the control is");
    let control = chair
        .post(
            &format!("/tracker/risks/{id}/controls/new"),
            &[
                ("description", "Monthly strategy meeting timeliness report"),
                ("owner", "Performance Manager"),
                ("effectiveness", "effective"),
            ],
        )
        .await;
    assert_eq!(control.status, StatusCode::SEE_OTHER, "{}", control.body);
    let control_id: i64 = sqlx::query_scalar("SELECT id FROM risk_controls WHERE risk_id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    chair
        .get(&format!("/tracker/risks/{id}"))
        .await
        .assert_contains("Monthly strategy meeting timeliness report");
    let retired = chair
        .post(
            &format!("/tracker/risks/{id}/controls/{control_id}/retire"),
            &[],
        )
        .await;
    assert_eq!(retired.status, StatusCode::SEE_OTHER);
    chair
        .get(&format!("/tracker/risks/{id}"))
        .await
        .assert_lacks("Monthly strategy meeting timeliness report");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM risk_controls WHERE retired_at IS NOT NULL")
            .await,
        1
    );
    assert!(audit_count(app, "risk_control").await >= 2);

    // Closing needs a rationale; a closed risk stays on the register and leaves the heat map.
    chair.get(&format!("/tracker/risks/{id}/close")).await;
    let no_rationale = chair
        .post(
            &format!("/tracker/risks/{id}/close"),
            &[("status", "closed"), ("rationale", "")],
        )
        .await;
    assert_eq!(no_rationale.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = chair
        .post(
            &format!("/tracker/risks/{id}/close"),
            &[
                ("status", "closed"),
                ("rationale", "Timescales embedded in practice standards."),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let again = chair
        .post(
            &format!("/tracker/risks/{id}/close"),
            &[("status", "tolerated"), ("rationale", "Again")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rescore_closed = chair
        .post(
            &format!("/tracker/risks/{id}/rescore"),
            &rescore("4", "4", "1", "1", "Closed"),
        )
        .await;
    assert_eq!(rescore_closed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM risks WHERE reference = 'R-30'")
            .await,
        1
    );
    chair
        .get("/tracker/risks?status=closed")
        .await
        .assert_contains("R-30")
        .assert_contains("R-08");
    chair
        .get("/tracker/risks")
        .await
        .assert_lacks(">R-30<")
        .assert_contains("Reviews overdue")
        .assert_contains("R-03");
    assert_eq!(audit_count(app, "risk").await, audits + 4);
    let trail = chair.get(&format!("/tracker/risks/{id}")).await;
    trail.assert_contains("Timescales embedded in practice standards.");
});

// The heat map's cells, as its text alternative names them, match a count made in SQL.
on_both_backends!(the_heat_map_counts_come_from_the_records, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut reviewer = app.signed_in("reviewer@masa.example").await;
    for basis in ["residual", "inherent"] {
        let page = reviewer
            .get(&format!("/tracker/risks/heat-map?basis={basis}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let sql = format!(
            "SELECT {basis}_likelihood AS l, {basis}_impact AS i, COUNT(*) AS n FROM risks \
             WHERE status <> 'closed' GROUP BY {basis}_likelihood, {basis}_impact"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
        assert!(rows.len() > 2, "the demo spreads over several cells");
        let mut total = 0;
        for row in &rows {
            use sqlx::Row;
            let (l, i, n): (i64, i64, i64) = (row.get("l"), row.get("i"), row.get("n"));
            total += n;
            page.assert_contains(&format!("likelihood {l}, impact {i}: {n}"));
        }
        page.assert_contains(&format!("Heat map of likelihood by impact: {total} risks."))
            .assert_contains(&format!("{total} risks by likelihood and impact ({basis})"))
            .assert_contains("<svg")
            .assert_lacks("style=");
    }
    // The demo has seven live risks (one is closed).
    assert_eq!(
        app.count("SELECT COUNT(*) FROM risks WHERE status <> 'closed'")
            .await,
        7
    );
});

async fn download(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let request = Request::builder()
        .method("GET")
        .uri(path)
        .header(header::COOKIE, format!("masa_session={cookie}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = to_bytes(response.into_body(), 20 * 1024 * 1024)
        .await
        .unwrap();
    (status, content_type, body.to_vec())
}

on_both_backends!(
    the_register_downloads_as_a_spreadsheet_without_formulas,
    |app| {
        use calamine::{Data, Reader, Xlsx};
        masa::demo::load(&app.db).await.unwrap();
        let council = organisation_id(app, "Halton Borough Council").await;
        let mut admin = app.signed_in("admin@masa.example").await;
        admin.get("/tracker/risks/new").await;
        let created = admin
            .post(
                "/tracker/risks/new",
                &new_risk(
                    "R-40",
                    "=HYPERLINK(\"https://evil.example\",\"Click\")",
                    &council,
                ),
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);

        let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
        scrutineer.get("/tracker/risks").await;
        let cookie = scrutineer.cookie.clone().unwrap();
        let (status, content_type, bytes) =
            download(app, &cookie, "/tracker/risks/register.xlsx").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let mut workbook = Xlsx::new(std::io::Cursor::new(bytes)).expect("an xlsx workbook");
        let sheet = workbook.worksheet_range("Risk register").unwrap();
        let rows: Vec<Vec<Data>> = sheet.rows().map(|row| row.to_vec()).collect();
        assert_eq!(rows[0][0], Data::String("Reference".into()));
        assert_eq!(rows[0][12], Data::String("Residual score".into()));
        assert_eq!(rows.len(), 1 + 9, "a header and nine risks");
        let row = rows
            .iter()
            .find(|row| row[0] == Data::String("R-40".into()))
            .expect("the new risk");
        assert_eq!(
            row[1],
            Data::String("'=HYPERLINK(\"https://evil.example\",\"Click\")".into())
        );
        assert_eq!(row[8], Data::Float(16.0));
        assert_eq!(row[12], Data::Float(12.0));
        assert_eq!(row[13], Data::String("High".into()));
        let formulas = workbook.worksheet_formula("Risk register").unwrap();
        assert!(
            formulas.cells().all(|(_, _, formula)| formula.is_empty()),
            "no cell holds a formula"
        );
        // The overdue demo risk is flagged, and the history sheet holds every scoring.
        let r03 = rows
            .iter()
            .find(|row| row[0] == Data::String("R-03".into()))
            .unwrap();
        assert_eq!(r03[15], Data::String("Yes".into()));
        let history = workbook.worksheet_range("Score history").unwrap();
        assert_eq!(
            history.rows().count() as i64 - 1,
            app.count("SELECT COUNT(*) FROM risk_scores").await
        );

        // A practitioner cannot download it.
        let mut practitioner = app.signed_in("practitioner@masa.example").await;
        practitioner.get("/account").await;
        let cookie = practitioner.cookie.clone().unwrap();
        let (status, _, _) = download(app, &cookie, "/tracker/risks/register.xlsx").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    the_scrutineer_reads_and_the_practitioner_sees_only_policies,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
        for path in [
            "/tracker/risks",
            "/tracker/risks/heat-map",
            "/tracker/risks/1",
            "/tracker/policies",
            "/tracker/policies/1",
        ] {
            let page = scrutineer.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "scrutineer reads {path}");
            page.assert_lacks("Add a risk")
                .assert_lacks("Re-score")
                .assert_lacks("Approve a new version");
        }
        let audits = app.count("SELECT COUNT(*) FROM audit_events").await;
        let posts: Vec<&'static str> = masa::routes()
            .specs()
            .iter()
            .filter(|spec| spec.method == Method::POST && spec.path.starts_with("/tracker/"))
            .filter(|spec| {
                matches!(
                    spec.access,
                    Access::Requires(masa::kernel::Permission::ManageRiskRegister)
                        | Access::Requires(masa::kernel::Permission::ManagePolicies)
                )
            })
            .map(|spec| spec.path)
            .collect();
        assert!(posts.len() >= 9, "{posts:?}");
        for path in posts {
            let path = path.replace("{id}", "1").replace("{item_id}", "1");
            scrutineer.get("/tracker/risks").await;
            let response = scrutineer
                .post(
                    &path,
                    &[("rationale", "x"), ("status", "closed"), ("title", "x")],
                )
                .await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "scrutineer cannot POST {path}"
            );
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events").await,
            audits,
            "nothing changed"
        );

        let mut practitioner = app.signed_in("practitioner@masa.example").await;
        assert_eq!(
            practitioner.get("/tracker/risks").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            practitioner.get("/tracker/risks/1").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            practitioner.get("/tracker/risks/heat-map").await.status,
            StatusCode::FORBIDDEN
        );
        let policies = practitioner.get("/tracker/policies").await;
        assert_eq!(policies.status, StatusCode::OK);
        policies
            .assert_contains("Halton Neglect Strategy")
            .assert_lacks("href=\"/tracker/risks\"")
            .assert_lacks("Add a policy");
        assert_eq!(
            practitioner.get("/tracker/policies/new").await.status,
            StatusCode::FORBIDDEN
        );

        // Forged ids answer 404, for reads and writes alike.
        let mut admin = app.signed_in("admin@masa.example").await;
        for path in [
            "/tracker/risks/999999",
            "/tracker/risks/999999/edit",
            "/tracker/risks/999999/rescore",
            "/tracker/policies/999999",
            "/tracker/policies/999999/approve",
        ] {
            assert_eq!(
                admin.get(path).await.status,
                StatusCode::NOT_FOUND,
                "GET {path}"
            );
        }
        admin.get("/tracker/risks").await;
        for path in [
            "/tracker/risks/999999/rescore",
            "/tracker/risks/999999/close",
            "/tracker/risks/999999/controls/new",
            "/tracker/risks/1/controls/999999/retire",
            "/tracker/policies/999999/edit",
            "/tracker/policies/999999/approve",
        ] {
            assert_eq!(
                admin.post(path, &[("rationale", "x")]).await.status,
                StatusCode::NOT_FOUND,
                "POST {path}"
            );
        }
        // Another risk's control cannot be retired through this risk.
        let other_control: i64 = sqlx::query_scalar(
        "SELECT MIN(c.id) FROM risk_controls c JOIN risks r ON r.id = c.risk_id WHERE r.reference = 'R-02'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
        let r01 = risk_id(app, "R-01").await;
        assert_eq!(
            admin
                .post(
                    &format!("/tracker/risks/{r01}/controls/{other_control}/retire"),
                    &[]
                )
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);

on_both_backends!(policies_keep_their_versions_and_reviews_come_first, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let group: i64 = sqlx::query_scalar("SELECT id FROM partnership_groups WHERE name = $1")
        .bind("Quality and Impact Group")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let group = group.to_string();
    let mut admin = app.signed_in("admin@masa.example").await;
    let list = admin.get("/tracker/policies").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains("Reviews overdue")
        .assert_contains("Reviews due within 90 days")
        .assert_contains("Pan Cheshire Professional Challenge and Escalation Policy")
        .assert_contains("Review overdue by 20 days")
        .assert_contains("Review due in 12 days");

    admin.get("/tracker/policies/new").await;
    let policies = app.count("SELECT COUNT(*) FROM policies").await;
    let policy = |title: &'static str, url: &'static str, status: &'static str| {
        vec![
            ("title", title),
            ("owner_group_id", group.as_str()),
            ("status", status),
            ("version", "1.0"),
            ("document_url", url),
            ("approved_on_day", "2"),
            ("approved_on_month", "11"),
            ("approved_on_year", "2026"),
            ("next_review_on_day", "2"),
            ("next_review_on_month", "11"),
            ("next_review_on_year", "2028"),
        ]
    };
    let bad = admin
        .post(
            "/tracker/policies/new",
            &policy("Home Conditions Tool", "javascript:alert(1)", "approved"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("starting https://");
    let taken = admin
        .post(
            "/tracker/policies/new",
            &policy("halton neglect strategy", "", "draft"),
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    taken.assert_contains("already tracked");
    assert_eq!(app.count("SELECT COUNT(*) FROM policies").await, policies);

    let created = admin
        .post(
            "/tracker/policies/new",
            &policy(
                "Home Conditions Tool",
                "https://hscp.example/policies/home-conditions.pdf",
                "approved",
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let path = created.location().to_owned();
    admin
        .get(&path)
        .await
        .assert_contains("2 November 2028")
        .assert_contains("https://hscp.example/policies/home-conditions.pdf");

    let approve = |version: &'static str| {
        vec![
            ("version", version),
            ("approved_on_day", "20"),
            ("approved_on_month", "11"),
            ("approved_on_year", "2026"),
            ("next_review_on_day", "20"),
            ("next_review_on_month", "11"),
            ("next_review_on_year", "2029"),
            (
                "document_url",
                "https://hscp.example/policies/home-conditions-v2.pdf",
            ),
            ("note", "Screening questions added."),
        ]
    };
    admin.get(&format!("{path}/approve")).await;
    let same = admin
        .post(&format!("{path}/approve"), &approve("1.0"))
        .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    same.assert_contains("Version 1.0 has already been recorded");
    let next = admin
        .post(&format!("{path}/approve"), &approve("2.0"))
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let page = admin.get(&path).await;
    page.assert_contains("Version 2.0 of Home Conditions Tool approved")
        .assert_contains("Screening questions added.")
        .assert_contains("First version recorded")
        .assert_contains("20 November 2029");
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let versions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM policy_versions WHERE policy_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(versions, 2);

    // Withdrawing is an edit; the record and its versions stay.
    admin.get(&format!("{path}/edit")).await;
    let withdrawn = admin
        .post(
            &format!("{path}/edit"),
            &[
                ("title", "Home Conditions Tool"),
                ("owner_group_id", group.as_str()),
                ("status", "withdrawn"),
                ("document_url", ""),
            ],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    admin.get(&path).await.assert_contains("Withdrawn");
    let trail = admin
        .get(&format!("/audit-trail?entity_type=policy&entity_id={id}"))
        .await;
    trail
        .assert_contains("Added policy Home Conditions Tool")
        .assert_contains("Approved version 2.0 of Home Conditions Tool")
        .assert_contains("Updated policy Home Conditions Tool");
    assert!(audit_count(app, "policy").await >= 3);
});
