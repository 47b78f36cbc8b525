//! Assurance (issue 13): the shipped frameworks added through the page, a framework exported and
//! imported again as its next version, a bad framework file refused whole with every problem
//! named, and a round opened for a population, each return pre-filled from the organisation's
//! last with every answer "to review". On SQLite and PostgreSQL.

use axum::http::StatusCode;
use masa::assurance::model::{FrameworkVersionId, RoundId};
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
    let s11 = store::list_frameworks(scope)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.code == "s11")
        .expect("the demo holds the s11 framework");
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
