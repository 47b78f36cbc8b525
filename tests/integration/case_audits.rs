//! Multi-agency case-file audits (issue 13, point 6): an audit set up through its form with its
//! questions and cases (a name, a date of birth or an NHS number refused naming the field,
//! nothing saved); each agency's auditor answers for its own agency only (another agency's form
//! is not found, nothing saved) and sees only its own answers until the round-table; the
//! round-table fixes the answers; findings, and a recommendation raised in the improvement
//! tracker with the audit as its source page; a re-audit compared with the audit before it; the
//! scrutineer reads and cannot write; forged and other partnerships' ids are not found. On
//! SQLite and PostgreSQL.

use axum::http::StatusCode;

use crate::on_both_backends;
use crate::support::{Browser, TestApp};

const ADMIN: &str = "admin@masa.example";
/// The demo's audit respondent, for Halton Schools and Colleges.
const SCHOOLS: &str = "school.dsl@masa.example";

async fn organisation_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1 AND partnership_id = 1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn latest(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn demo_audit(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM case_audits WHERE title = $1 AND partnership_id = 1")
        .bind(title)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Posts a form from its page, as a browser would (the page first, for its CSRF token).
async fn post_from(
    browser: &mut Browser<'_>,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> crate::support::Response {
    browser.get(page).await;
    browser.post(path, fields).await
}

on_both_backends!(a_case_file_audit_is_set_up_answered_and_discussed, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let schools = organisation_id(app, "Halton Schools and Colleges").await;
    let police = organisation_id(app, "Cheshire Constabulary").await;
    let mut admin = app.signed_in(ADMIN).await;
    let list = admin.get("/assurance/case-audits").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains("Set up a case-file audit");

    // Refused whole: one agency, script in the title, no date; nothing saved.
    let audits = app.count("SELECT COUNT(*) FROM case_audits").await;
    let trail = app.count("SELECT COUNT(*) FROM audit_events").await;
    let refused = post_from(
        &mut admin,
        "/assurance/case-audits/new",
        "/assurance/case-audits/new",
        &[
            ("title", "<script>alert(1)</script>"),
            ("theme", "Strategy meetings"),
            ("lead", "HSCP Business Manager"),
            ("agencies", &schools.to_string()),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("Title must not contain markup")
        .assert_contains("Select at least two participating agencies")
        .assert_contains("Enter date of the audit")
        .assert_lacks("<script>alert(1)</script>");
    // A forged organisation id is refused as well.
    let forged = admin
        .post(
            "/assurance/case-audits/new",
            &[
                ("title", "Strategy meetings"),
                ("theme", "Strategy meetings"),
                ("lead", "HSCP Business Manager"),
                ("held_on_day", "3"),
                ("held_on_month", "2"),
                ("held_on_year", "2026"),
                ("agencies", &schools.to_string()),
                ("agencies", "999999"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    forged.assert_contains("Participating agencies must be organisations of the partnership");
    assert_eq!(app.count("SELECT COUNT(*) FROM case_audits").await, audits);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, trail);

    let created = admin
        .post(
            "/assurance/case-audits/new",
            &[
                ("title", "Strategy meetings in the new year"),
                ("theme", "Strategy meetings"),
                ("lead", "HSCP Business Manager"),
                ("held_on_day", "3"),
                ("held_on_month", "2"),
                ("held_on_year", "2026"),
                ("agencies", &schools.to_string()),
                ("agencies", &police.to_string()),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let audit = latest(app, "SELECT MAX(id) FROM case_audits").await;
    // A double submit is refused, naming the title.
    let twice = admin
        .post(
            "/assurance/case-audits/new",
            &[
                ("title", "Strategy meetings in the new year"),
                ("theme", "Strategy meetings"),
                ("lead", "HSCP Business Manager"),
                ("held_on_day", "3"),
                ("held_on_month", "2"),
                ("held_on_year", "2026"),
                ("agencies", &schools.to_string()),
                ("agencies", &police.to_string()),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    twice.assert_contains("already has a case-file audit with this title");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM case_audits").await,
        audits + 1
    );
    assert_eq!(
        created.location(),
        format!("/assurance/case-audits/{audit}/questions")
    );
    let page = admin.get(&format!("/assurance/case-audits/{audit}")).await;
    page.assert_contains("Strategy meetings in the new year")
        .assert_contains("Cheshire Constabulary")
        .assert_contains("Requires improvement");

    // Questions, authored on the page.
    let questions_page = format!("/assurance/case-audits/{audit}/questions");
    for text in [
        "Did the meeting agree a safety plan?",
        "Were the minutes shared in good time?",
    ] {
        let added = post_from(
            &mut admin,
            &questions_page,
            &questions_page,
            &[("text", text)],
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let too_long = "x".repeat(501);
    let refused = admin
        .post(&questions_page, &[("text", too_long.as_str())])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Question must be 500 characters or fewer");
    let first_question = latest(
        app,
        "SELECT MIN(id) FROM case_audit_questions WHERE audit_id = (SELECT MAX(id) FROM case_audits)",
    )
    .await;
    let second_question = first_question + 1;
    let edit = format!("/assurance/case-audits/questions/{first_question}");
    let changed = post_from(
        &mut admin,
        &edit,
        &edit,
        &[
            (
                "text",
                "Did the meeting agree a safety plan saying who does what?",
            ),
            ("guidance", "Look for named actions and dates."),
        ],
    )
    .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    admin
        .get(&questions_page)
        .await
        .assert_contains("saying who does what")
        .assert_contains("Look for named actions");

    // Cases by pseudonym only: a name, a date of birth, an NHS number are refused, naming the
    // field, and nothing is saved.
    let cases_page = format!("/assurance/case-audits/{audit}/cases");
    let cases = app.count("SELECT COUNT(*) FROM case_audit_cases").await;
    let trail = app.count("SELECT COUNT(*) FROM audit_events").await;
    for (pseudonym, context, field_message) in [
        (
            "John Smith",
            "",
            "The pseudonym must be a pseudonym such as Child A",
        ),
        (
            "Child A DOB 03/04/2015",
            "",
            "The pseudonym seems to contain a date of birth",
        ),
        (
            "Child A",
            "Born on 03/04/2015, known to CSC",
            "Context seems to contain a date of birth",
        ),
        (
            "943 476 5919",
            "",
            "The pseudonym seems to contain an NHS number",
        ),
    ] {
        let refused = post_from(
            &mut admin,
            &cases_page,
            &cases_page,
            &[("pseudonym", pseudonym), ("context", context)],
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{pseudonym}"
        );
        refused
            .assert_contains(field_message)
            .assert_contains("href=\"#");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM case_audit_cases").await,
        cases
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, trail);
    let added = admin
        .post(
            &cases_page,
            &[
                ("pseudonym", "Child A"),
                ("context", "Disclosure at school."),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let case = added.location_id();
    let twice = post_from(
        &mut admin,
        &cases_page,
        &cases_page,
        &[("pseudonym", "Child A")],
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    twice.assert_contains("already has a case with this pseudonym");

    // The schools' auditor answers for its own agency only.
    let mut school = app.signed_in(SCHOOLS).await;
    let own_form = format!("/assurance/case-audits/cases/{case}/agencies/{schools}");
    let police_form = format!("/assurance/case-audits/cases/{case}/agencies/{police}");
    assert_eq!(school.get(&own_form).await.status, StatusCode::OK);
    assert_eq!(school.get(&police_form).await.status, StatusCode::NOT_FOUND);
    let grade_1 = format!("grade-{first_question}");
    let grade_2 = format!("grade-{second_question}");
    let comment_1 = format!("comment-{first_question}");
    school.get(&own_form).await;
    let forged = school
        .post(&police_form, &[(&grade_1, "good"), (&grade_2, "good")])
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM case_audit_answers WHERE case_id IN (SELECT id FROM case_audit_cases WHERE pseudonym = 'Child A' AND audit_id = (SELECT MAX(id) FROM case_audits))").await, 0);
    let missing = school.post(&own_form, &[(&grade_1, "good")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    missing.assert_contains("Select a grade for Question 2");
    let named = school
        .post(
            &own_form,
            &[
                (&grade_1, "good"),
                (&grade_2, "inadequate"),
                (&comment_1, "Spoke to Jane Smith, aged 7, at school"),
            ],
        )
        .await;
    assert_eq!(named.status, StatusCode::UNPROCESSABLE_ENTITY);
    named.assert_contains("The comment on Question 1 seems to contain a person&#39;s name and age");
    let forged_question = school
        .post(
            &own_form,
            &[
                (&grade_1, "good"),
                (&grade_2, "good"),
                ("grade-999999", "good"),
            ],
        )
        .await;
    assert_eq!(forged_question.status, StatusCode::UNPROCESSABLE_ENTITY);
    forged_question.assert_contains("The form named a question this audit does not have");
    let answers = app.count("SELECT COUNT(*) FROM case_audit_answers").await;
    let saved = school
        .post(
            &own_form,
            &[
                (&grade_1, "good"),
                (&grade_2, "requires_improvement"),
                (
                    &comment_1,
                    "Plan shared with the designated safeguarding lead.",
                ),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM case_audit_answers").await,
        answers + 2
    );

    // Once answered, the questions are fixed.
    let fixed = post_from(
        &mut admin,
        &questions_page,
        &questions_page,
        &[("text", "One more?")],
    )
    .await;
    assert_eq!(fixed.status, StatusCode::UNPROCESSABLE_ENTITY);
    fixed.assert_contains("The questions are fixed once an agency has answered");

    // The business unit answers for the police; the schools' auditor does not see it yet.
    let by_admin = post_from(
        &mut admin,
        &police_form,
        &police_form,
        &[
            (&grade_1, "inadequate"),
            (&grade_2, "inadequate"),
            (&comment_1, "No plan recorded on the police system."),
        ],
    )
    .await;
    assert_eq!(by_admin.status, StatusCode::SEE_OTHER, "{}", by_admin.body);
    let case_page = format!("/assurance/case-audits/cases/{case}");
    school
        .get(&case_page)
        .await
        .assert_contains("Plan shared with the designated safeguarding lead.")
        .assert_lacks("No plan recorded on the police system.")
        .assert_contains("Shown after the round-table");
    admin
        .get(&case_page)
        .await
        .assert_contains("No plan recorded on the police system.");

    // The round-table: refused without a grade, then recorded; the answers are then fixed and
    // every agency sees them all.
    let round_table = format!("/assurance/case-audits/cases/{case}/round-table");
    let refused = post_from(
        &mut admin,
        &round_table,
        &round_table,
        &[("learning", "Agreed")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("Select the grade agreed at the round-table")
        .assert_contains("Agreed");
    let recorded = admin
        .post(
            &round_table,
            &[
                ("grade", "requires_improvement"),
                ("learning", "The safety plan did not name who would act."),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    school
        .get(&case_page)
        .await
        .assert_contains("No plan recorded on the police system.")
        .assert_contains("The safety plan did not name who would act.");
    assert_eq!(school.get(&own_form).await.status, StatusCode::NOT_FOUND);

    // Findings, and a recommendation raised in the improvement tracker.
    let findings_page = format!("/assurance/case-audits/{audit}/findings");
    let refused = post_from(
        &mut admin,
        &findings_page,
        &findings_page,
        &[
            ("theme", "Safety planning"),
            ("kind", "to_improve"),
            ("text", "<b>Bold</b>"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Finding must not contain markup");
    let added = admin
        .post(
            &findings_page,
            &[
                ("theme", "Safety planning"),
                ("kind", "to_improve"),
                ("text", "Safety plans did not say who would do what next."),
                (
                    "recommendation",
                    "Every strategy meeting ends with a named safety plan.",
                ),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let again = admin
        .post(
            &findings_page,
            &[
                ("theme", "Safety planning"),
                ("kind", "to_improve"),
                ("text", "Safety plans did not say who would do what next."),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains("The audit already has this finding");
    let finding = latest(app, "SELECT MAX(id) FROM case_audit_findings").await;
    let raise = format!("/assurance/case-audits/findings/{finding}/raise");
    let raised = post_from(&mut admin, &findings_page, &raise, &[]).await;
    assert_eq!(raised.status, StatusCode::SEE_OTHER, "{}", raised.body);
    let (recommendation, kind, source): (i64, String, Option<i64>) = sqlx::query_as(
        "SELECT id, source_kind, source_id FROM recommendations WHERE reference = $1",
    )
    .bind(format!("CFA-{audit}-1"))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(kind, "case_file_audit");
    assert_eq!(source, Some(audit));
    admin
        .get(&format!("/tracker/recommendations/{recommendation}"))
        .await
        .assert_contains("Multi-agency case-file audit")
        .assert_contains(&format!("href=\"/assurance/case-audits/{audit}\""))
        .assert_contains("Every strategy meeting ends with a named safety plan.");
    let recommendations = app.count("SELECT COUNT(*) FROM recommendations").await;
    let again = post_from(&mut admin, &findings_page, &raise, &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recommendations").await,
        recommendations
    );
    admin
        .get(&findings_page)
        .await
        .assert_contains("raised in the improvement tracker already")
        .assert_contains(&format!("/tracker/recommendations/{recommendation}"));

    // The scrutineer reads every page and writes nothing.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    for path in [
        "/assurance/case-audits".to_owned(),
        format!("/assurance/case-audits/{audit}"),
        questions_page.clone(),
        cases_page.clone(),
        case_page.clone(),
        findings_page.clone(),
    ] {
        let page = scrutineer.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "scrutineer reads {path}");
        page.assert_lacks("<form method=\"post\" action=\"/assurance");
    }
    let trail = app.count("SELECT COUNT(*) FROM audit_events").await;
    scrutineer.get("/account").await;
    for path in [
        "/assurance/case-audits/new".to_owned(),
        questions_page.clone(),
        cases_page.clone(),
        findings_page.clone(),
        raise.clone(),
        round_table.clone(),
        own_form.clone(),
        format!("/assurance/case-audits/{audit}/re-audit"),
        edit.clone(),
    ] {
        assert_eq!(
            scrutineer.post(&path, &[("text", "x")]).await.status,
            StatusCode::FORBIDDEN,
            "scrutineer cannot write {path}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, trail);

    // Forged ids are not found, and another partnership sees none of it.
    for path in [
        "/assurance/case-audits/999999",
        "/assurance/case-audits/999999/questions",
        "/assurance/case-audits/999999/comparison",
        "/assurance/case-audits/cases/999999",
        "/assurance/case-audits/questions/999999",
    ] {
        assert_eq!(
            admin.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    admin.get("/account").await;
    assert_eq!(
        admin
            .post("/assurance/case-audits/findings/999999/raise", &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .get(&format!(
                "/assurance/case-audits/cases/{case}/agencies/999999"
            ))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let other = app.second_partnership().await;
    let mut other_admin = app
        .signed_in(other.email(masa::kernel::Role::BusinessUnitAdmin))
        .await;
    other_admin
        .get("/assurance/case-audits")
        .await
        .assert_lacks("Strategy meetings in the new year");
    for path in [format!("/assurance/case-audits/{audit}"), case_page.clone()] {
        assert_eq!(other_admin.get(&path).await.status, StatusCode::NOT_FOUND);
    }
    other_admin.get("/account").await;
    assert_eq!(
        other_admin.post(&raise, &[]).await.status,
        StatusCode::NOT_FOUND
    );
});

on_both_backends!(a_re_audit_is_compared_with_the_audit_before, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let mut admin = app.signed_in(ADMIN).await;

    // The demo's four audits of 2024/25, the second a re-audit of the first.
    let list = admin.get("/assurance/case-audits").await;
    for title in [
        "The quality and effectiveness of strategy meetings and discussions",
        "Compliance in relation to the new Practice Standard and Guidance for Strategy meetings and discussions",
        "Children as Victims of Domestic Abuse",
        "The Quality and Timeliness of our responses in relation to Neglect",
    ] {
        list.assert_contains(title);
    }
    let first = demo_audit(
        app,
        "The quality and effectiveness of strategy meetings and discussions",
    )
    .await;
    let reaudit = demo_audit(
        app,
        "Compliance in relation to the new Practice Standard and Guidance for Strategy meetings and discussions",
    )
    .await;
    let comparison = admin
        .get(&format!("/assurance/case-audits/{reaudit}/comparison"))
        .await;
    assert_eq!(comparison.status, StatusCode::OK);
    comparison
        .assert_contains("Did the meeting agree a safety plan that says what needs to happen next")
        .assert_contains("Graded good: up");
    // The earlier audit's comparison is its re-audit's.
    let from_first = admin
        .get(&format!("/assurance/case-audits/{first}/comparison"))
        .await;
    assert_eq!(from_first.status, StatusCode::SEE_OTHER);
    assert_eq!(
        from_first.location(),
        format!("/assurance/case-audits/{reaudit}/comparison")
    );

    // A re-audit started through its form: refused with a date before the audit, then made
    // with the same questions and cases and no answers.
    let neglect = demo_audit(
        app,
        "The Quality and Timeliness of our responses in relation to Neglect",
    )
    .await;
    let form = format!("/assurance/case-audits/{neglect}/re-audit");
    let audits = app.count("SELECT COUNT(*) FROM case_audits").await;
    let refused = post_from(
        &mut admin,
        &form,
        &form,
        &[
            ("title", "Neglect re-audit"),
            ("held_on_day", "1"),
            ("held_on_month", "1"),
            ("held_on_year", "2025"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("must be after the audit it follows")
        .assert_contains("Neglect re-audit");
    assert_eq!(app.count("SELECT COUNT(*) FROM case_audits").await, audits);
    let started = admin
        .post(
            &form,
            &[
                ("title", "Neglect re-audit"),
                ("held_on_day", "11"),
                ("held_on_month", "6"),
                ("held_on_year", "2025"),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let new = started.location_id();
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM case_audit_questions WHERE audit_id = $1), \
         (SELECT COUNT(*) FROM case_audit_cases WHERE audit_id = $1), \
         (SELECT COUNT(*) FROM case_audit_questions WHERE audit_id = $2)",
    )
    .bind(new)
    .bind(neglect)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(counts.0, counts.2, "the same questions");
    assert_eq!(counts.1, 4, "the same cases");
    admin
        .get(&format!("/assurance/case-audits/{new}"))
        .await
        .assert_contains("Re-audit of")
        .assert_contains("Sibling group N");
    let comparison = admin
        .get(&format!("/assurance/case-audits/{new}/comparison"))
        .await;
    comparison
        .assert_contains("Were the causal factors of neglect")
        .assert_contains("–");
    // Only one re-audit per audit.
    let twice = post_from(
        &mut admin,
        &form,
        &form,
        &[
            ("title", "Neglect re-audit again"),
            ("held_on_day", "11"),
            ("held_on_month", "7"),
            ("held_on_year", "2025"),
        ],
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    twice.assert_contains("re-audited already");
});
