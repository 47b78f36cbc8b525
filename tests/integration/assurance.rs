//! Assurance (issue 13): the shipped frameworks added through the page, a framework exported and
//! imported again as its next version, a bad framework file refused whole with every problem
//! named, and a round opened for a population, each return pre-filled from the organisation's
//! last with every answer "to review". Then the pages of a round: opened through its form (every
//! refusal named), answered standard by standard by the school's respondent (bad input refused
//! naming the question, nothing saved; script kept as typed and shown escaped), submitted once,
//! hidden from other organisations and partnerships, read but not changed by the scrutineer,
//! reopened by the business unit with a reason, and on the home pages. On SQLite and PostgreSQL.

use axum::http::StatusCode;
use masa::assurance::model::{FrameworkVersionId, ReturnId, RoundId};
use masa::assurance::store::{self, NewRound};
use masa::kernel::ids::{OrganisationId, PartnershipId};
use masa::kernel::{Change, Scope};
use time::macros::date;

use crate::on_both_backends;
use crate::support::{Browser, TestApp};

const ADMIN: &str = "admin@masa.example";

async fn upload_framework(
    browser: &mut Browser<'_>,
    name: &str,
    bytes: &[u8],
) -> crate::support::Response {
    browser.get("/assurance/frameworks/import").await;
    let token = browser.csrf.clone().expect("a CSRF token");
    let cookie = browser.cookie.clone().expect("signed in");
    browser
        .send(crate::support::multipart_request(
            "/assurance/frameworks/import",
            &cookie,
            &[("csrf_token", &token)],
            Some((name, bytes)),
        ))
        .await
}

/// The demo partnership's framework with this code, as the frameworks list gives it.
async fn framework(app: &TestApp, code: &str) -> store::FrameworkSummary {
    store::list_frameworks(Scope::new(&app.db, PartnershipId::new(1)))
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("the demo holds the {code} framework"))
}

async fn change(app: &TestApp) -> Change {
    let actor = masa::kernel::audit::Actor::system("tests", PartnershipId::new(1));
    Change::begin(&app.db, actor).await.expect("change")
}

on_both_backends!(frameworks_are_added_exported_and_imported, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let mut admin = app.signed_in(ADMIN).await;
    // A partnership without them is offered the shipped frameworks.
    let other = app.second_partnership().await;
    let mut other_admin = app
        .signed_in(other.email(masa::kernel::Role::BusinessUnitAdmin))
        .await;
    let page = other_admin.get("/assurance").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Add the shipped frameworks");
    let added = other_admin.post("/assurance/frameworks/shipped", &[]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let other_page = other_admin.get("/assurance").await;
    other_page.assert_contains("Section 175 audit");
    assert!(!other_page.body.contains("Add the shipped frameworks"));

    let page = admin.get("/assurance").await;
    page.assert_contains("Section 11 audit")
        .assert_contains("Section 175 audit");
    assert!(!page.body.contains("Add the shipped frameworks"));
    // Twice changes nothing.
    admin.post("/assurance/frameworks/shipped", &[]).await;
    let frameworks = store::list_frameworks(Scope::new(&app.db, PartnershipId::new(1)))
        .await
        .unwrap();
    assert_eq!(frameworks.len(), 2);
    let s175 = frameworks.iter().find(|f| f.code == "s175").unwrap();
    assert_eq!((s175.standards, s175.version_number), (12, Some(1)));
    let version = s175.version_id.unwrap();

    let page = admin.get(&format!("/assurance/frameworks/{version}")).await;
    page.assert_contains("Voice of the child")
        .assert_contains("Evidence expected")
        .assert_contains("Only for:");
    let exported = admin
        .get(&format!("/assurance/frameworks/{version}/export.toml"))
        .await;
    assert_eq!(exported.status, StatusCode::OK);
    assert!(
        exported.body.contains("code = \"s175\""),
        "{}",
        exported.body
    );

    // The export imports again as the framework's next version.
    let edited = exported
        .body
        .replace("Voice of the child", "The voice of the child");
    let imported = upload_framework(&mut admin, "s175.toml", edited.as_bytes()).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let frameworks = store::list_frameworks(Scope::new(&app.db, PartnershipId::new(1)))
        .await
        .unwrap();
    let s175 = frameworks.iter().find(|f| f.code == "s175").unwrap();
    assert_eq!(s175.version_number, Some(2));
    // Version one is kept as it was.
    let first = store::framework_version(Scope::new(&app.db, PartnershipId::new(1)), version)
        .await
        .unwrap()
        .unwrap();
    assert!(
        first
            .standards
            .iter()
            .any(|s| s.title == "Voice of the child")
    );

    // The spreadsheet export imports again too, as the next version.
    let exported = admin
        .get(&format!("/assurance/frameworks/{version}/export.xlsx"))
        .await;
    assert_eq!(
        exported.headers.get("content-type").unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let second = store::framework_version(Scope::new(&app.db, PartnershipId::new(1)), version)
        .await
        .unwrap()
        .unwrap();
    let workbook = masa::assurance::sheet::framework_xlsx(&second).unwrap();
    let imported = upload_framework(&mut admin, "s175.xlsx", &workbook).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let frameworks = store::list_frameworks(Scope::new(&app.db, PartnershipId::new(1)))
        .await
        .unwrap();
    let s175 = frameworks.iter().find(|f| f.code == "s175").unwrap();
    assert_eq!((s175.version_number, s175.questions), (Some(3), 45));

    // A bad file is refused whole, every problem named, nothing saved.
    let bad = "code = \"s175\"\ntitle = \"\"\ndescription = \"x\"\n[[standards]]\nnumber = 1\ntitle = \"<script>alert(1)</script>\"\n[[standards.questions]]\ncode = \"1.1\"\nkind = \"choice\"\ntext = \"Pick\"\n";
    let refused = upload_framework(&mut admin, "bad.toml", bad.as_bytes()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("Nothing was saved")
        .assert_contains("The framework&#39;s title is empty")
        .assert_contains("Standard 1, question 1.1: a choice question needs two or more choices");
    for (name, bytes) in [("framework.xlsx", &b"PK"[..]), ("framework.toml", &b""[..])] {
        let refused = upload_framework(&mut admin, name, bytes).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    }
    let after = store::list_frameworks(Scope::new(&app.db, PartnershipId::new(1)))
        .await
        .unwrap();
    assert_eq!(
        after
            .iter()
            .find(|f| f.code == "s175")
            .unwrap()
            .version_number,
        Some(3)
    );

    // The scrutineer reads frameworks but cannot add or import one.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    assert_eq!(
        scrutineer
            .get(&format!("/assurance/frameworks/{version}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        scrutineer
            .post("/assurance/frameworks/shipped", &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another partnership's framework version is not found.
    assert_eq!(
        other_admin
            .get(&format!("/assurance/frameworks/{version}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});

on_both_backends!(a_new_round_is_prefilled_from_the_last_to_review, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let scope = Scope::new(&app.db, PartnershipId::new(1));
    let s11 = framework(app, "s11").await;
    let (framework, version) = (s11.id, s11.version_id.unwrap());
    // Three schools: the demo's s11 round went to the agencies, so these have no return before.
    let organisations: Vec<OrganisationId> = store::settings(scope)
        .await
        .unwrap()
        .into_keys()
        .take(3)
        .collect();
    assert_eq!(organisations.len(), 3);
    let new_round =
        |title: &str, version: FrameworkVersionId, population: &[OrganisationId]| NewRound {
            framework_id: framework,
            version_id: version,
            title: title.to_owned(),
            opens_on: date!(2024 - 09 - 01),
            due_on: date!(2024 - 11 - 29),
            target_percent: 95,
            organisations: population.to_vec(),
        };
    let mut opening = change(app).await;
    let first: RoundId = store::open_round(
        &mut opening,
        &new_round("s11 2024", version, &organisations),
        "Tests",
    )
    .await
    .unwrap();
    opening.commit().await.unwrap();
    let returns = store::returns_of_round(scope, first).await.unwrap();
    assert_eq!(returns.len(), 3);
    assert!(
        returns
            .iter()
            .all(|r| r.previous_return_id.is_none() && r.graded_answered == 0)
    );

    // An answer in the first round, then a second round for two of them (and one new).
    let question: i64 = sqlx::query_scalar(
        "SELECT id FROM assurance_questions WHERE version_id = $1 AND code = '1.1'",
    )
    .bind(version)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO assurance_answers (return_id, question_id, grade, to_review, answered_by_name, answered_at) VALUES ($1, $2, 'met', 0, 'Tests', '2024-10-01T10:00:00Z')")
        .bind(returns[0].id)
        .bind(question)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        store::find_return(scope, returns[0].id)
            .await
            .unwrap()
            .unwrap()
            .graded_answered,
        1
    );

    let mut opening = change(app).await;
    let second = store::open_round(
        &mut opening,
        &new_round(
            "s11 2026",
            version,
            &[returns[0].organisation_id, returns[1].organisation_id],
        ),
        "Tests",
    )
    .await
    .unwrap();
    opening.commit().await.unwrap();
    let round = store::find_round(scope, second).await.unwrap().unwrap();
    assert_eq!(round.previous_round_id, Some(first));
    let again = store::returns_of_round(scope, second).await.unwrap();
    let carried = again
        .iter()
        .find(|r| r.organisation_id == returns[0].organisation_id)
        .unwrap();
    assert_eq!(carried.previous_return_id, Some(returns[0].id));
    // Pre-filled, but to review: not yet an answer of this round.
    assert_eq!(carried.graded_answered, 0);
    let to_review: (String, i64) =
        sqlx::query_as("SELECT grade, to_review FROM assurance_answers WHERE return_id = $1")
            .bind(carried.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(to_review, ("met".to_owned(), 1));
    // Reviewing the answer makes it this round's; the return is then in progress. A submit
    // counts once; a reopen is audited.
    let carried_return = store::find_return(scope, carried.id)
        .await
        .unwrap()
        .unwrap();
    let mut saving = change(app).await;
    store::save_answers(
        &mut saving,
        &carried_return,
        &[(
            masa::assurance::model::QuestionId::new(question),
            store::AnswerValue::Grade(masa::assurance::grades::Grade::Exceeds),
        )],
        "Tests",
    )
    .await
    .unwrap();
    saving.commit().await.unwrap();
    let answers = store::answers_of(scope, carried.id).await.unwrap();
    let answer = &answers[&masa::assurance::model::QuestionId::new(question)];
    assert_eq!(
        (answer.value.clone(), answer.to_review),
        (
            store::AnswerValue::Grade(masa::assurance::grades::Grade::Exceeds),
            false
        )
    );
    let saved = store::find_return(scope, carried.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (saved.status, saved.graded_answered),
        (store::ReturnStatus::InProgress, 1)
    );
    let mut submitting = change(app).await;
    assert!(
        store::submit_return(&mut submitting, &saved, "Tests")
            .await
            .unwrap()
    );
    assert!(
        !store::submit_return(&mut submitting, &saved, "Tests")
            .await
            .unwrap(),
        "a double submit"
    );
    submitting.commit().await.unwrap();
    let submitted = store::find_return(scope, carried.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(submitted.status, store::ReturnStatus::Submitted);
    let mut reopening = change(app).await;
    assert!(
        store::reopen_return(&mut reopening, &submitted, "a missing policy date")
            .await
            .unwrap()
    );
    reopening.commit().await.unwrap();
    let reopened = store::find_return(scope, carried.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (reopened.status, reopened.reopened_count),
        (store::ReturnStatus::InProgress, 1)
    );
    let trail: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'assurance_return' AND entity_id = $1",
    )
    .bind(carried.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(trail, 3, "answered, submitted, reopened");

    // Another partnership sees neither round nor return.
    let other = app.second_partnership().await;
    let other = Scope::new(&app.db, PartnershipId::new(other.partnership_id));
    assert!(store::find_round(other, second).await.unwrap().is_none());
    assert!(
        store::find_return(other, carried.id)
            .await
            .unwrap()
            .is_none()
    );
});

async fn organisation_named(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .expect("a demo organisation")
}

/// A date's three boxes as the round form posts them.
fn date_fields(name: &str, date: time::Date) -> [(String, String); 3] {
    [
        (format!("{name}_day"), date.day().to_string()),
        (format!("{name}_month"), u8::from(date.month()).to_string()),
        (format!("{name}_year"), date.year().to_string()),
    ]
}

/// The open-a-round form: `organisations` are ticked (used when `population` is "chosen").
fn round_fields(
    version: FrameworkVersionId,
    title: &str,
    opens_on: time::Date,
    due_on: time::Date,
    population: &str,
    organisations: &[i64],
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("version_id".to_owned(), version.to_string()),
        ("title".to_owned(), title.to_owned()),
        ("target_percent".to_owned(), "95".to_owned()),
        ("population".to_owned(), population.to_owned()),
    ];
    fields.extend(date_fields("opens_on", opens_on));
    fields.extend(date_fields("due_on", due_on));
    fields.extend(
        organisations
            .iter()
            .map(|id| ("organisations".to_owned(), id.to_string())),
    );
    fields
}

fn as_pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect()
}

async fn answer_count(app: &TestApp, return_id: ReturnId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM assurance_answers WHERE return_id = $1")
        .bind(return_id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

async fn return_events(app: &TestApp, return_id: ReturnId) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'assurance_return' AND entity_id = $1",
    )
    .bind(return_id)
    .fetch_one(&app.db.pool)
    .await
    .expect("count")
}

on_both_backends!(
    a_round_is_opened_answered_submitted_and_reopened_on_its_pages,
    |app| {
        masa::demo::load(&app.db).await.expect("demo");
        let scope = Scope::new(&app.db, PartnershipId::new(1));
        let s175 = framework(app, "s175").await;
        let version_id = s175.version_id.unwrap();
        let version = store::framework_version(scope, version_id)
            .await
            .unwrap()
            .unwrap();
        let school = organisation_named(app, "Halton Schools and Colleges").await;
        let police = organisation_named(app, "Cheshire Constabulary").await;
        let today = masa::kernel::text::today();
        let opens_on = today - time::Duration::days(7);
        let due_on = today + time::Duration::days(30);

        // The demo's own rounds (s175 2021, 2023, 2025 and s11 2024) come before these.
        let demo_rounds = store::list_rounds(scope).await.unwrap().len();
        let mut admin = app.signed_in(ADMIN).await;
        let page = admin.get("/assurance/rounds/new").await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("Halton Schools and Colleges")
            .assert_contains("All schools and colleges")
            .assert_contains("Section 175 audit");

        // Every refusal names its field, and opens nothing.
        let other = app.second_partnership().await;
        let forged = round_fields(
            version_id,
            "s175 2026",
            opens_on,
            due_on,
            "chosen",
            &[school, other.organisation_id],
        );
        let refused = admin
            .post("/assurance/rounds/new", &as_pairs(&forged))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Organisations: select organisations from the list");
        let backwards = round_fields(
            version_id,
            "s175 2026",
            due_on,
            opens_on,
            "chosen",
            &[school],
        );
        admin
            .post("/assurance/rounds/new", &as_pairs(&backwards))
            .await
            .assert_contains("Due date must be after the opening date");
        let nobody = round_fields(version_id, "s175 2026", opens_on, due_on, "chosen", &[]);
        admin
            .post("/assurance/rounds/new", &as_pairs(&nobody))
            .await
            .assert_contains("select at least one organisation");
        let mut no_target = round_fields(version_id, "", opens_on, due_on, "chosen", &[school]);
        no_target.retain(|(key, _)| key != "target_percent");
        admin
            .post("/assurance/rounds/new", &as_pairs(&no_target))
            .await
            .assert_contains("Enter title")
            .assert_contains("whole number from 1 to 100");
        assert_eq!(store::list_rounds(scope).await.unwrap().len(), demo_rounds);

        // Opened for the school's and the police's returns.
        let fields = round_fields(
            version_id,
            "s175 2026",
            opens_on,
            due_on,
            "chosen",
            &[school, police],
        );
        let opened = admin
            .post("/assurance/rounds/new", &as_pairs(&fields))
            .await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
        let round = RoundId::new(opened.location_id());
        let returns = store::returns_of_round(scope, round).await.unwrap();
        assert_eq!(returns.len(), 2);
        let school_return = returns
            .iter()
            .find(|r| r.organisation_id.get() == school)
            .unwrap()
            .id;
        let police_return = returns
            .iter()
            .find(|r| r.organisation_id.get() == police)
            .unwrap()
            .id;
        let dashboard = admin.get(&format!("/assurance/rounds/{round}")).await;
        assert_eq!(dashboard.status, StatusCode::OK);
        dashboard
            .assert_contains("Opened s175 2026 for 2 organisations")
            .assert_contains("(0 of 2)")
            .assert_contains("Cheshire Constabulary")
            .assert_contains("Halton Schools and Colleges")
            .assert_contains("Not started");

        // The respondent's home page shows the return due; the dashboard shows only its row.
        let mut respondent = app.signed_in("school.dsl@masa.example").await;
        respondent
            .get("/")
            .await
            .assert_contains("Your s175 2026 return is not yet submitted")
            .assert_contains(&format!("/assurance/returns/{school_return}"));
        respondent
            .get(&format!("/assurance/rounds/{round}"))
            .await
            .assert_contains("Halton Schools and Colleges")
            .assert_lacks("Cheshire Constabulary");
        let page = respondent
            .get(&format!("/assurance/returns/{school_return}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains(&version.standards[0].title)
            .assert_contains("Guidance and evidence expected")
            .assert_contains("Last round's answer")
            .assert_contains("Save standard 1");

        // Standard 1: a grade, yes or no, a choice and text.
        let standard = &version.standards[0];
        let question = |code: &str| {
            version
                .questions()
                .find(|q| q.code == code)
                .unwrap_or_else(|| panic!("question {code}"))
                .id
        };
        let field = |code: &str| format!("q-{}", question(code));
        let save_path = format!("/assurance/returns/{school_return}/standards/1");
        let script = "Reviewed by governors <script>alert(1)</script> in September";
        let good = vec![
            (field("1.1"), "met".to_owned()),
            (field("1.2"), "yes".to_owned()),
            (field("1.3"), "Every year".to_owned()),
            (field("1.4"), script.to_owned()),
        ];
        assert_eq!(standard.questions.len(), 4);

        // Bad input: refused naming the question, nothing saved.
        let mut bad_grade = good.clone();
        bad_grade[0].1 = "brilliant".to_owned();
        let refused = respondent.post(&save_path, &as_pairs(&bad_grade)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("Question 1.1: choose a grade from the list")
            .assert_contains("Every year");
        let mut forged = good.clone();
        forged.push((field("2.1"), "met".to_owned()));
        respondent
            .post(&save_path, &as_pairs(&forged))
            .await
            .assert_contains("Question 2.1 is not a question of standard 1");
        let mut unknown = good.clone();
        unknown.push(("q-999999".to_owned(), "met".to_owned()));
        let refused = respondent.post(&save_path, &as_pairs(&unknown)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("999999");
        let mut long = good.clone();
        long[3].1 = "x".repeat(5_001);
        respondent
            .post(&save_path, &as_pairs(&long))
            .await
            .assert_contains("Question 1.4: the answer must be 5,000 characters or fewer");
        let mut bad_choice = good.clone();
        bad_choice[2].1 = "Every week".to_owned();
        respondent
            .post(&save_path, &as_pairs(&bad_choice))
            .await
            .assert_contains("Question 1.3: choose one of the answers listed");
        assert_eq!(answer_count(app, school_return).await, 0, "nothing saved");

        // Saved; the script is kept as typed and shown escaped.
        let saved = respondent.post(&save_path, &as_pairs(&good)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(
            saved.location(),
            format!("/assurance/returns/{school_return}#standard-1")
        );
        let answers = store::answers_of(scope, school_return).await.unwrap();
        assert_eq!(answers.len(), 4);
        assert_eq!(
            answers[&question("1.4")].value,
            store::AnswerValue::Text(script.to_owned())
        );
        let page = respondent
            .get(&format!("/assurance/returns/{school_return}"))
            .await;
        page.assert_contains("Standard 1 saved")
            .assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            .assert_lacks("<script>alert(1)")
            // Partly complete warns before submitting which graded questions are unanswered.
            .assert_contains("11 of 12 graded questions are unanswered: 2.1, 3.1");
        admin
            .get(&format!("/assurance/rounds/{round}"))
            .await
            .assert_contains("In progress")
            .assert_contains("1 of 12");

        // Another organisation's respondent, and another partnership's, find no such return.
        {
            use masa::kernel::auth::{NewUser, insert_user};
            let mut adding = change(app).await;
            insert_user(
                &mut adding,
                &NewUser {
                    email: "police.audit@masa.example",
                    display_name: "Police audit respondent",
                    password: masa::demo::DEMO_PASSWORD,
                    organisation: Some(OrganisationId::new(police)),
                    roles: &[masa::kernel::Role::AuditRespondent],
                    must_change_password: false,
                },
                "",
            )
            .await
            .unwrap();
            adding.commit().await.unwrap();
        }
        let mut police_respondent = app.signed_in("police.audit@masa.example").await;
        for response in [
            police_respondent
                .get(&format!("/assurance/returns/{school_return}"))
                .await,
            police_respondent.post(&save_path, &as_pairs(&good)).await,
            police_respondent
                .post(&format!("/assurance/returns/{school_return}/submit"), &[])
                .await,
        ] {
            assert_eq!(response.status, StatusCode::NOT_FOUND);
        }
        assert_eq!(
            police_respondent
                .get(&format!("/assurance/returns/{police_return}"))
                .await
                .status,
            StatusCode::OK
        );
        let mut other_respondent = app
            .signed_in(other.email(masa::kernel::Role::AuditRespondent))
            .await;
        assert_eq!(
            other_respondent
                .get(&format!("/assurance/returns/{school_return}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Submitted (partly complete); a second submit changes nothing.
        let submit_path = format!("/assurance/returns/{school_return}/submit");
        let submitted = respondent.post(&submit_path, &[]).await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER);
        respondent
            .get(&format!("/assurance/returns/{school_return}"))
            .await
            .assert_contains(
                "Return submitted as partly complete: 1 of 12 graded questions answered",
            )
            .assert_contains("ask the business unit to reopen it")
            .assert_lacks("Save standard 1");
        let first = store::find_return(scope, school_return)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.status, store::ReturnStatus::Submitted);
        let events = return_events(app, school_return).await;
        respondent.post(&submit_path, &[]).await;
        respondent
            .get(&format!("/assurance/returns/{school_return}"))
            .await
            .assert_contains("already submitted: nothing changed");
        let again = store::find_return(scope, school_return)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.submitted_at, first.submitted_at);
        assert_eq!(return_events(app, school_return).await, events);
        // A submitted return refuses changes.
        let mut changed = good.clone();
        changed[0].1 = "exceeds".to_owned();
        let refused = respondent.post(&save_path, &as_pairs(&changed)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("reopen it first");
        assert_eq!(
            store::answers_of(scope, school_return).await.unwrap()[&question("1.1")].value,
            store::AnswerValue::Grade(masa::assurance::grades::Grade::Met)
        );
        // Its home page no longer asks for it.
        respondent
            .get("/")
            .await
            .assert_lacks("Your s175 2026 return is not yet submitted");

        // The scrutineer reads the dashboard and the submitted return but changes nothing; a
        // return not yet submitted is its organisation's draft.
        let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
        assert_eq!(
            scrutineer
                .get(&format!("/assurance/returns/{police_return}"))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "another organisation's draft"
        );
        scrutineer
            .get(&format!("/assurance/rounds/{round}"))
            .await
            .assert_contains("Partly complete")
            .assert_contains("Cheshire Constabulary")
            .assert_lacks("Reason for reopening");
        assert_eq!(
            scrutineer
                .get(&format!("/assurance/returns/{school_return}"))
                .await
                .status,
            StatusCode::OK
        );
        for path in [
            format!("/assurance/returns/{school_return}/reopen"),
            submit_path.clone(),
            save_path.clone(),
            "/assurance/rounds/new".to_owned(),
        ] {
            assert_eq!(
                scrutineer
                    .post(&path, &[("reason", "curious")])
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }

        // The business unit reopens it, with a reason.
        let reopen_path = format!("/assurance/returns/{school_return}/reopen");
        let refused = admin.post(&reopen_path, &[("reason", "  ")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Enter the reason for reopening");
        assert_eq!(
            store::find_return(scope, school_return)
                .await
                .unwrap()
                .unwrap()
                .status,
            store::ReturnStatus::Submitted
        );
        let reopened = admin
            .post(&reopen_path, &[("reason", "Area 2 left blank by mistake")])
            .await;
        assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
        assert_eq!(reopened.location(), format!("/assurance/rounds/{round}"));
        assert_eq!(
            store::find_return(scope, school_return)
                .await
                .unwrap()
                .unwrap()
                .status,
            store::ReturnStatus::InProgress
        );
        let reason: String = sqlx::query_scalar(
        "SELECT summary FROM audit_events WHERE entity_type = 'assurance_return' AND entity_id = $1 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(school_return)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
        assert!(reason.contains("Area 2 left blank by mistake"), "{reason}");
        // The respondent can answer again, and is asked for it on the home page.
        respondent
            .get(&format!("/assurance/returns/{school_return}"))
            .await
            .assert_contains("Save standard 1");
        respondent
            .get("/")
            .await
            .assert_contains("Your s175 2026 return is not yet submitted");

        // A round past its due date below its target is on the business unit's home page.
        let s11 = framework(app, "s11").await;
        let late = round_fields(
            s11.version_id.unwrap(),
            "s11 agencies",
            today - time::Duration::days(60),
            today - time::Duration::days(10),
            "agencies",
            &[],
        );
        let opened = admin.post("/assurance/rounds/new", &as_pairs(&late)).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
        let late_round = RoundId::new(opened.location_id());
        let agencies = store::returns_of_round(scope, late_round).await.unwrap();
        assert!(agencies.iter().any(|r| r.organisation_id.get() == police));
        assert!(agencies.iter().all(|r| r.organisation_id.get() != school));
        admin
            .get("/")
            .await
            .assert_contains("s11 agencies: 0% of returns complete, below the 95% target");
        admin
            .get(&format!("/assurance/rounds/{late_round}"))
            .await
            .assert_contains("Overdue")
            .assert_contains("Below target");

        // The next s175 round: the school's answers carried over to review, last round's beside.
        let next = round_fields(
            version_id,
            "s175 2028",
            today,
            today + time::Duration::days(60),
            "chosen",
            &[school],
        );
        let opened = admin.post("/assurance/rounds/new", &as_pairs(&next)).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
        let next_round = RoundId::new(opened.location_id());
        let next_return = store::returns_of_round(scope, next_round).await.unwrap()[0].id;
        respondent
            .get(&format!("/assurance/returns/{next_return}"))
            .await
            .assert_contains("To review")
            .assert_contains("Last round's answer:</strong> Met")
            .assert_contains("Last round's answer:</strong> Every year");
    }
);

// ---- evidence and actions (issue 13 point 3) ----

/// Sends a question's evidence form as the page does (a file upload), after a GET that gives
/// the browser its CSRF token.
async fn send_evidence(
    browser: &mut Browser<'_>,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> crate::support::Response {
    browser.get("/account").await;
    let token = browser.csrf.clone().expect("a CSRF token");
    let cookie = browser.cookie.clone().expect("signed in");
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    browser
        .send(crate::support::multipart_request(path, &cookie, &all, file))
        .await
}

async fn evidence_count(app: &TestApp, return_id: ReturnId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM assurance_evidence WHERE return_id = $1")
        .bind(return_id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

async fn add_respondent(app: &TestApp, email: &str, organisation: i64) {
    use masa::kernel::auth::{NewUser, insert_user};
    let mut adding = change(app).await;
    insert_user(
        &mut adding,
        &NewUser {
            email,
            display_name: "Another audit respondent",
            password: masa::demo::DEMO_PASSWORD,
            organisation: Some(OrganisationId::new(organisation)),
            roles: &[masa::kernel::Role::AuditRespondent],
            must_change_password: false,
        },
        "",
    )
    .await
    .unwrap();
    adding.commit().await.unwrap();
}

/// Opens an s175 round through its page for these organisations, from a week ago.
async fn open_s175_round(
    admin: &mut Browser<'_>,
    version: FrameworkVersionId,
    title: &str,
    organisations: &[i64],
) -> RoundId {
    let today = masa::kernel::text::today();
    admin.get("/assurance/rounds/new").await;
    let fields = round_fields(
        version,
        title,
        today - time::Duration::days(7),
        today + time::Duration::days(30),
        "chosen",
        organisations,
    );
    let opened = admin
        .post("/assurance/rounds/new", &as_pairs(&fields))
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    RoundId::new(opened.location_id())
}

on_both_backends!(
    evidence_is_added_refused_and_served_only_to_those_who_see_the_return,
    |app| {
        masa::demo::load(&app.db).await.expect("demo");
        let scope = Scope::new(&app.db, PartnershipId::new(1));
        let version_id = framework(app, "s175").await.version_id.unwrap();
        let version = store::framework_version(scope, version_id)
            .await
            .unwrap()
            .unwrap();
        let question = |code: &str| version.questions().find(|q| q.code == code).unwrap().id;
        let school = organisation_named(app, "Halton Schools and Colleges").await;
        let police = organisation_named(app, "Cheshire Constabulary").await;
        let mut admin = app.signed_in(ADMIN).await;
        let round = open_s175_round(&mut admin, version_id, "s175 2026", &[school, police]).await;
        let school_return = store::returns_of_round(scope, round)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.organisation_id.get() == school)
            .unwrap()
            .id;
        let path = format!(
            "/assurance/returns/{school_return}/questions/{}/evidence",
            question("1.1")
        );
        let mut respondent = app.signed_in("school.dsl@masa.example").await;
        respondent
            .get(&format!("/assurance/returns/{school_return}"))
            .await
            .assert_contains("Add evidence to 1.1")
            .assert_contains("Evidence:</strong> none yet");

        // Text (with script, kept as typed and shown escaped), a link, and a file.
        let script = "Governors' minutes <script>alert(2)</script> show the review";
        let added = send_evidence(
            &mut respondent,
            &path,
            &[("text", script), ("link", "")],
            None,
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let added = send_evidence(
            &mut respondent,
            &path,
            &[("text", ""), ("link", "https://school.example/policy.pdf")],
            None,
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let pdf = b"%PDF-1.7 the safeguarding policy";
        let added = send_evidence(
            &mut respondent,
            &path,
            &[("text", "The policy as adopted")],
            Some(("Safeguarding policy.pdf", pdf)),
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        assert_eq!(evidence_count(app, school_return).await, 3);
        let page = respondent
            .get(&format!("/assurance/returns/{school_return}"))
            .await;
        page.assert_contains("Evidence added to question 1.1")
            .assert_contains("&#60;script&#62;alert(2)&#60;/script&#62;")
            .assert_lacks("<script>alert(2)")
            .assert_contains("https://school.example/policy.pdf")
            .assert_contains("Safeguarding policy.pdf");
        let file_evidence: i64 = sqlx::query_scalar(
            "SELECT id FROM assurance_evidence WHERE return_id = $1 AND kind = 'file'",
        )
        .bind(school_return)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let download = respondent
            .get(&format!("/assurance/evidence/{file_evidence}"))
            .await;
        assert_eq!(download.status, StatusCode::OK);
        assert!(
            download
                .headers
                .get("content-disposition")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(download.body.as_bytes(), pdf);

        // Refused naming the field, nothing saved.
        let files_before = app.count("SELECT COUNT(*) FROM stored_files").await;
        let refused = send_evidence(
            &mut respondent,
            &path,
            &[("text", "A program")],
            Some(("run.exe", b"MZ\x90\x00 a program")),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("File: run.exe is not a type of file MASA keeps")
            .assert_contains("A program");
        send_evidence(
            &mut respondent,
            &path,
            &[("text", "")],
            Some(("minutes.pdf", b"MZ\x90\x00 a program")),
        )
        .await
        .assert_contains("File: minutes.pdf is not a PDF file");
        let long = "x".repeat(2_001);
        let refused = send_evidence(&mut respondent, &path, &[("text", &long)], None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Evidence text must be 2,000 characters or fewer");
        let refused = send_evidence(
            &mut respondent,
            &path,
            &[("text", "See the link"), ("link", "javascript:alert(1)")],
            None,
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("Link: enter a web address starting with https://")
            .assert_lacks("href=\"javascript:");
        let refused = send_evidence(&mut respondent, &path, &[("text", " ")], None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("describe the evidence, enter a link or choose a file");
        // A question of another version, or none, is not found.
        let forged = send_evidence(
            &mut respondent,
            &format!("/assurance/returns/{school_return}/questions/999999/evidence"),
            &[("text", "x")],
            None,
        )
        .await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND);
        assert_eq!(evidence_count(app, school_return).await, 3, "nothing saved");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM stored_files").await,
            files_before
        );

        // Another organisation's respondent, and another partnership's, neither add nor read.
        add_respondent(app, "police.audit@masa.example", police).await;
        let mut police_respondent = app.signed_in("police.audit@masa.example").await;
        let refused = send_evidence(
            &mut police_respondent,
            &path,
            &[("text", "Not ours")],
            Some(("notes.txt", b"not ours")),
        )
        .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(
            police_respondent
                .get(&format!("/assurance/evidence/{file_evidence}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let other = app.second_partnership().await;
        let mut other_admin = app
            .signed_in(other.email(masa::kernel::Role::BusinessUnitAdmin))
            .await;
        assert_eq!(
            other_admin
                .get(&format!("/assurance/evidence/{file_evidence}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(evidence_count(app, school_return).await, 3);
        // The scrutineer cannot add evidence.
        let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
        let refused = send_evidence(&mut scrutineer, &path, &[("text", "Curious")], None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    answers_below_met_need_actions_raised_in_the_tracker_once_and_asked_about_next_round,
    |app| {
        masa::demo::load(&app.db).await.expect("demo");
        let scope = Scope::new(&app.db, PartnershipId::new(1));
        let version_id = framework(app, "s175").await.version_id.unwrap();
        let version = store::framework_version(scope, version_id)
            .await
            .unwrap()
            .unwrap();
        let question = |code: &str| version.questions().find(|q| q.code == code).unwrap().id;
        let school = organisation_named(app, "Halton Schools and Colleges").await;
        let mut admin = app.signed_in(ADMIN).await;
        let round = open_s175_round(&mut admin, version_id, "s175 2026", &[school]).await;
        let school_return = store::returns_of_round(scope, round).await.unwrap()[0].id;
        let return_page = format!("/assurance/returns/{school_return}");
        let submit_path = format!("{return_page}/submit");
        let mut respondent = app.signed_in("school.dsl@masa.example").await;
        respondent.get(&return_page).await;
        let q11 = question("1.1");
        let q21 = question("2.1");
        let grade = |q: masa::assurance::model::QuestionId, grade: &str| {
            vec![(format!("q-{q}"), grade.to_owned())]
        };
        let action = |q: masa::assurance::model::QuestionId, owner: &str, what: &str| {
            vec![
                (format!("action-{q}-owner"), owner.to_owned()),
                (format!("action-{q}-what"), what.to_owned()),
                (format!("action-{q}-due_day"), "31".to_owned()),
                (format!("action-{q}-due_month"), "3".to_owned()),
                (format!("action-{q}-due_year"), "2027".to_owned()),
            ]
        };
        let standard_1 = format!("{return_page}/standards/1");
        let standard_2 = format!("{return_page}/standards/2");
        let actions_of = || async {
            masa::assurance::evidence_store::actions_of_return(scope, school_return)
                .await
                .unwrap()
        };

        // Not met without an action may be saved, but blocks the submit naming the question.
        let saved = respondent
            .post(&standard_1, &as_pairs(&grade(q11, "not_met")))
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        respondent
            .get(&return_page)
            .await
            .assert_contains("Answers below met need an action before you submit: 1.1");
        let refused = respondent.post(&submit_path, &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains(
            "Question 1.1: answered not met, so it needs an action (owner, due date and what will change)",
        );
        assert_eq!(
            store::find_return(scope, school_return)
                .await
                .unwrap()
                .unwrap()
                .status,
            store::ReturnStatus::InProgress
        );

        // An action part filled is refused naming the question and box; nothing saved.
        let mut part = grade(q11, "not_met");
        part.push((format!("action-{q11}-owner"), "Head teacher".to_owned()));
        let refused = respondent.post(&standard_1, &as_pairs(&part)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("Question 1.1: enter what will change")
            .assert_contains("Question 1.1: enter the action&#39;s due date")
            .assert_contains("value=\"Head teacher\"");
        let mut long = grade(q11, "not_met");
        long.extend(action(q11, &"x".repeat(201), "Train the governors"));
        respondent
            .post(&standard_1, &as_pairs(&long))
            .await
            .assert_contains(
                "Question 1.1: the action&#39;s owner must be 200 characters or fewer",
            );
        assert!(actions_of().await.is_empty());

        // With its action, the submit raises it in the improvement tracker.
        let mut full = grade(q11, "not_met");
        full.extend(action(
            q11,
            "Head teacher",
            "Train every governor <b>this year</b>",
        ));
        let saved = respondent.post(&standard_1, &as_pairs(&full)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(actions_of().await.len(), 1);
        respondent
            .get(&return_page)
            .await
            .assert_contains("value=\"Head teacher\"")
            .assert_contains("Train every governor &#60;b&#62;this year&#60;/b&#62;")
            .assert_lacks("Answers below met need an action");
        let submitted = respondent.post(&submit_path, &[]).await;
        assert_eq!(
            submitted.status,
            StatusCode::SEE_OTHER,
            "{}",
            submitted.body
        );
        respondent
            .get(&return_page)
            .await
            .assert_contains("1 action added to the improvement tracker")
            .assert_contains("Improvement tracker")
            .assert_contains(&format!("AUD-{round}-{school_return}"))
            .assert_contains("Action:</strong> Head teacher, due 31 March 2027");
        let recommendations: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, reference, source_label FROM recommendations WHERE source_kind = 'audit' AND source_id = $1",
        )
        .bind(school_return)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(recommendations.len(), 1);
        let (recommendation, reference, label) = recommendations[0].clone();
        assert_eq!(reference, format!("AUD-{round}-{school_return}"));
        assert_eq!(label, "s175 2026: Halton Schools and Colleges");
        let tracker_actions: Vec<(i64, String, i64, String)> = sqlx::query_as(
            "SELECT id, title, owner_organisation_id, due_on FROM tracker_actions WHERE recommendation_id = $1 ORDER BY id",
        )
        .bind(recommendation)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(tracker_actions.len(), 1);
        assert_eq!(
            (
                tracker_actions[0].1.as_str(),
                tracker_actions[0].2,
                tracker_actions[0].3.as_str()
            ),
            (
                "Train every governor <b>this year</b>",
                school,
                "2027-03-31"
            )
        );
        // On the tracker's pages, with the audit return as its source.
        admin
            .get(&format!("/tracker/recommendations/{recommendation}"))
            .await
            .assert_contains("s175 2026: Halton Schools and Colleges")
            .assert_contains(&format!("href=\"/assurance/returns/{school_return}\""))
            .assert_contains("Train every governor &#60;b&#62;this year&#60;/b&#62;");
        admin
            .get(&format!("/tracker/actions/{}", tracker_actions[0].0))
            .await
            .assert_contains("Halton Schools and Colleges");

        // Reopened and submitted again: the action edited, one added, nothing duplicated.
        let reopened = admin
            .post(
                &format!("{return_page}/reopen"),
                &[("reason", "Area 2 was left out")],
            )
            .await;
        assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
        respondent.get(&return_page).await;
        let mut edited = grade(q11, "partially_met");
        edited.extend(action(q11, "Head teacher", "Train every governor by March"));
        assert_eq!(
            respondent
                .post(&standard_1, &as_pairs(&edited))
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let mut second = grade(q21, "not_met");
        second.extend(action(
            q21,
            "Designated safeguarding lead",
            "Audit the referrals",
        ));
        assert_eq!(
            respondent
                .post(&standard_2, &as_pairs(&second))
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            respondent.post(&submit_path, &[]).await.status,
            StatusCode::SEE_OTHER
        );
        // A double submit changes nothing.
        respondent.post(&submit_path, &[]).await;
        let count = |sql: &'static str| async move {
            let found: i64 = sqlx::query_scalar(sql)
                .bind(school_return)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            found
        };
        assert_eq!(
            count("SELECT COUNT(*) FROM recommendations WHERE source_kind = 'audit' AND source_id = $1").await,
            1
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM tracker_actions a JOIN recommendations r ON r.id = a.recommendation_id \
                   WHERE r.source_kind = 'audit' AND r.source_id = $1").await,
            2
        );
        let first_title: String =
            sqlx::query_scalar("SELECT title FROM tracker_actions WHERE id = $1")
                .bind(tracker_actions[0].0)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(first_title, "Train every governor by March");

        // Evidence on the return, to be reused next round.
        let evidence_path = format!("{return_page}/questions/{q11}/evidence");
        admin
            .post(
                &format!("{return_page}/reopen"),
                &[("reason", "Evidence to add")],
            )
            .await;
        let added = send_evidence(
            &mut respondent,
            &evidence_path,
            &[("text", "The training record")],
            Some(("training.csv", b"name,date\nGovernor A,2026-01-01\n")),
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        respondent.get(&return_page).await;
        assert_eq!(
            respondent.post(&submit_path, &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM tracker_actions a JOIN recommendations r ON r.id = a.recommendation_id \
                   WHERE r.source_kind = 'audit' AND r.source_id = $1").await,
            2
        );
        let (old_evidence, old_file): (i64, i64) =
            sqlx::query_as("SELECT id, file_id FROM assurance_evidence WHERE return_id = $1")
                .bind(school_return)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();

        // The next round asks whether each action was completed, and offers the evidence.
        let next = open_s175_round(&mut admin, version_id, "s175 2028", &[school]).await;
        let next_return = store::returns_of_round(scope, next).await.unwrap()[0].id;
        let next_page = format!("/assurance/returns/{next_return}");
        let year = (masa::kernel::text::today() - time::Duration::days(7)).year();
        let page = respondent.get(&next_page).await;
        page.assert_contains("Actions from the last audit")
            .assert_contains("Train every governor by March")
            .assert_contains("Audit the referrals")
            .assert_contains(&format!("Reuse from {year}"));
        let previous = masa::assurance::evidence_store::actions_of_return(scope, school_return)
            .await
            .unwrap();
        let (a1, a2) = (previous[0].id, previous[1].id);
        let previous_path = format!("{next_page}/previous-actions");
        let field_1 = format!("completed-{a1}");
        let field_2 = format!("completed-{a2}");
        let refused = respondent
            .post(&previous_path, &[(field_1.as_str(), "yes")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("Action for question 2.1: say whether it was completed");
        let forged = respondent
            .post(
                &previous_path,
                &[
                    (field_1.as_str(), "yes"),
                    (field_2.as_str(), "no"),
                    ("completed-999999", "yes"),
                ],
            )
            .await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
        forged.assert_contains("answer only for the actions listed");
        let counts = || async {
            let found: (i64, i64) = sqlx::query_as(
                "SELECT previous_actions, previous_actions_completed FROM assurance_returns WHERE id = $1",
            )
            .bind(next_return)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
            found
        };
        assert_eq!(counts().await, (0, 0), "nothing saved");
        let saved = respondent
            .post(
                &previous_path,
                &[(field_1.as_str(), "yes"), (field_2.as_str(), "no")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(counts().await, (2, 1));
        respondent
            .get(&next_page)
            .await
            .assert_contains("Saved: 1 of 2 actions from the last audit completed");

        // Reusing last round's evidence shares its file; twice changes nothing.
        let reused = respondent
            .post(
                &format!("{next_page}/evidence/reuse"),
                &[("evidence", &old_evidence.to_string())],
            )
            .await;
        assert_eq!(reused.status, StatusCode::SEE_OTHER, "{}", reused.body);
        respondent
            .post(
                &format!("{next_page}/evidence/reuse"),
                &[("evidence", &old_evidence.to_string())],
            )
            .await;
        let copies: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT id, file_id, reused_from_id FROM assurance_evidence WHERE return_id = $1",
        )
        .bind(next_return)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(copies.len(), 1);
        assert_eq!(
            (copies[0].1, copies[0].2),
            (Some(old_file), Some(old_evidence))
        );
        respondent
            .get(&next_page)
            .await
            .assert_contains("already reused: nothing changed")
            .assert_contains("reused from last round");
        assert_eq!(
            respondent
                .get(&format!("/assurance/evidence/{}", copies[0].0))
                .await
                .status,
            StatusCode::OK
        );
        let forged = respondent
            .post(
                &format!("{next_page}/evidence/reuse"),
                &[("evidence", "999999")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    }
);
