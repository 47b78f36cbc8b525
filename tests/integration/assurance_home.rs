//! Assurance work on people's home pages (`assurance::work`): a case-file audit's cases waiting
//! for an agency's answers, and the cases every agency has answered whose round-table outcome is
//! to record, each appearing and going when the work is done; and the demo's deep dive of the
//! s175 audit 2025 (`assurance::deep_dive_demo`), which gives the panel a return to moderate,
//! the business unit a letter to send and a sampled school its letter. On SQLite and PostgreSQL.

use masa::assurance::deep_dive_store as deep;
use masa::assurance::store::{self, ReturnStatus};
use masa::kernel::Scope;
use masa::kernel::ids::PartnershipId;

use crate::on_both_backends;
use crate::support::{Browser, TestApp};

const ADMIN: &str = "admin@masa.example";
const CHAIR: &str = "chair@masa.example";
const MEMBER: &str = "member@masa.example";
/// The demo's auditor for Halton Schools and Colleges.
const SCHOOLS: &str = "school.dsl@masa.example";

fn scope(app: &TestApp) -> Scope<'_> {
    Scope::new(&app.db, PartnershipId::new(1))
}

async fn organisation_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1 AND partnership_id = 1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Posts a form from its page, as a browser would (the page first, for its CSRF token).
async fn post_from(browser: &mut Browser<'_>, path: &str, fields: &[(&str, &str)]) {
    browser.get(path).await;
    let response = browser.post(path, fields).await;
    assert_eq!(
        response.status,
        axum::http::StatusCode::SEE_OTHER,
        "{path}: {}",
        response.body
    );
}

on_both_backends!(case_file_audit_work_comes_and_goes_on_home_pages, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let schools = organisation_id(app, "Halton Schools and Colleges").await;
    let police = organisation_id(app, "Cheshire Constabulary").await;
    let mut admin = app.signed_in(ADMIN).await;
    let mut school = app.signed_in(SCHOOLS).await;
    // The demo's audits are all discussed: nothing waits.
    school
        .get("/")
        .await
        .assert_lacks("waiting for your agency&#39;s answers");
    admin
        .get("/")
        .await
        .assert_lacks("round-table outcome to record");

    post_from(
        &mut admin,
        "/assurance/case-audits/new",
        &[
            ("title", "Neglect re-audit"),
            ("theme", "Neglect"),
            ("lead", "HSCP Business Manager"),
            ("held_on_day", "3"),
            ("held_on_month", "2"),
            ("held_on_year", "2026"),
            ("agencies", &schools.to_string()),
            ("agencies", &police.to_string()),
        ],
    )
    .await;
    let audit = app.count("SELECT MAX(id) FROM case_audits").await;
    let cases_page = format!("/assurance/case-audits/{audit}/cases");
    // Cases without a question template ask nothing of anyone yet.
    for pseudonym in ["Child A", "Child B"] {
        post_from(&mut admin, &cases_page, &[("pseudonym", pseudonym)]).await;
    }
    school
        .get("/")
        .await
        .assert_lacks("waiting for your agency&#39;s answers");
    let questions_page = format!("/assurance/case-audits/{audit}/questions");
    for text in [
        "Was the neglect recognised early?",
        "Was the plan reviewed?",
    ] {
        post_from(&mut admin, &questions_page, &[("text", text)]).await;
    }
    let first_question = app
        .count(
            "SELECT MIN(id) FROM case_audit_questions WHERE audit_id = (SELECT MAX(id) FROM case_audits)",
        )
        .await;
    let first_case = app
        .count("SELECT MIN(id) FROM case_audit_cases WHERE audit_id = (SELECT MAX(id) FROM case_audits)")
        .await;
    let second_case = first_case + 1;
    let (grade_1, grade_2) = (
        format!("grade-{first_question}"),
        format!("grade-{}", first_question + 1),
    );
    let answers: [(&str, &str); 2] = [(&grade_1, "good"), (&grade_2, "requires_improvement")];

    // The schools' auditor: both cases wait for its answers, with a link to them.
    let home = school.get("/").await;
    home.assert_contains("2 cases waiting for your agency&#39;s answers")
        .assert_contains(&format!("href=\"{cases_page}\""))
        .assert_contains("Neglect re-audit");
    post_from(
        &mut school,
        &format!("/assurance/case-audits/cases/{first_case}/agencies/{schools}"),
        &answers,
    )
    .await;
    school
        .get("/")
        .await
        .assert_contains("1 case waiting for your agency&#39;s answers");
    // One agency's answers are not enough for the round-table.
    admin
        .get("/")
        .await
        .assert_lacks("round-table outcome to record");

    // The business unit answers for the police; the first case is ready for the round-table.
    post_from(
        &mut admin,
        &format!("/assurance/case-audits/cases/{first_case}/agencies/{police}"),
        &answers,
    )
    .await;
    admin
        .get("/")
        .await
        .assert_contains("1 case answered by every agency, round-table outcome to record")
        .assert_contains(&format!("href=\"{cases_page}\""));

    // The schools answer the second case: nothing waits for them.
    post_from(
        &mut school,
        &format!("/assurance/case-audits/cases/{second_case}/agencies/{schools}"),
        &answers,
    )
    .await;
    school
        .get("/")
        .await
        .assert_lacks("waiting for your agency&#39;s answers");

    // The round-table recorded: the business unit's item goes (the second case still waits for
    // the police).
    post_from(
        &mut admin,
        &format!("/assurance/case-audits/cases/{first_case}/round-table"),
        &[
            ("grade", "requires_improvement"),
            ("learning", "Neglect was recognised late by every agency."),
        ],
    )
    .await;
    admin
        .get("/")
        .await
        .assert_lacks("round-table outcome to record");
});

on_both_backends!(
    the_demo_deep_dive_gives_each_role_its_moderation_work,
    |app| {
        masa::demo::load(&app.db).await.expect("demo");
        let round = store::list_rounds(scope(app))
            .await
            .unwrap()
            .into_iter()
            .find(|round| round.title == "s175 audit 2025")
            .expect("the demo's 2025 round");
        let (sample, sampled) = deep::current_sample(scope(app), round.id)
            .await
            .unwrap()
            .expect("the demo's sample");
        assert_eq!(sample.seed.as_deref(), Some("2025"));
        assert_eq!(sample.drawn_by_name, "Partnership Business Manager");
        assert!(sampled.len() >= 3, "{}", sampled.len());
        let mut returns = Vec::new();
        for sampled in &sampled[..3] {
            returns.push(
                store::find_return(scope(app), sampled.return_id)
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        let [sent, drafted, waiting] = returns.as_slice() else {
            unreachable!("three returns")
        };
        assert_eq!(sent.status, ReturnStatus::Moderated);
        assert!(
            deep::letter_of(scope(app), sent.id)
                .await
                .unwrap()
                .unwrap()
                .is_sent()
        );
        assert_eq!(drafted.status, ReturnStatus::Moderated);
        assert!(
            !deep::letter_of(scope(app), drafted.id)
                .await
                .unwrap()
                .unwrap()
                .is_sent()
        );
        assert_eq!(waiting.status, ReturnStatus::Submitted);
        let moderators: Vec<String> = deep::moderations_of(scope(app), waiting.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.moderator_name)
            .collect();
        assert!(!moderators.is_empty());
        assert!(
            moderators
                .iter()
                .all(|m| m == "Partnership Business Manager")
        );

        // The chair and the member each have the waiting return to moderate, not the moderated ones.
        let moderation = |id| format!("/assurance/returns/{id}/moderation");
        for email in [CHAIR, MEMBER] {
            let mut panel = app.signed_in(email).await;
            panel
                .get("/")
                .await
                .assert_contains("return to moderate")
                .assert_contains(&moderation(waiting.id))
                .assert_lacks(&moderation(sent.id))
                .assert_lacks(&moderation(drafted.id));
        }
        // The business unit has the drafted letter to send, not the sent one.
        let letter = |id| format!("/assurance/returns/{id}/letter");
        let mut admin = app.signed_in(ADMIN).await;
        admin
            .get("/")
            .await
            .assert_contains("Feedback letter to")
            .assert_contains(&letter(drafted.id))
            .assert_lacks(&letter(sent.id));
        admin
            .get(&format!("/assurance/rounds/{}/sample", round.id))
            .await
            .assert_contains("2025")
            .assert_contains("Moderated");

        // The sampled school's demo respondent finds its letter arrived.
        let pathways: i64 = sqlx::query_scalar(
            "SELECT organisation_id FROM users WHERE email = 'pathways.dsl@masa.example'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(pathways, sent.organisation_id.get());
        let mut respondent = app.signed_in("pathways.dsl@masa.example").await;
        respondent
            .get("/")
            .await
            .assert_contains("Your s175 audit 2025 feedback letter has arrived")
            .assert_contains(&letter(sent.id));
        respondent
            .get(&letter(sent.id))
            .await
            .assert_contains("The evidence did not show that every member of staff");
    }
);
