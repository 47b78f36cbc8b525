//! One s11 return for several partnerships (issue 13, point 7): the demo's Cheshire West and
//! Chester partnership asks Halton's police, ICB and probation for the same audit. A return
//! shared from Halton is followed there: copied when submitted (answers, evidence, actions),
//! reopened when reopened, read, analysed and moderated by that partnership's business unit,
//! and never changed there. Sharing refuses what may not follow, forged ids and people who may
//! not answer the return. On SQLite and PostgreSQL.

use axum::http::StatusCode;
use masa::assurance::model::ReturnId;
use masa::assurance::shared_demo;
use masa::assurance::store::{self, AuditReturn, ReturnStatus, Round};
use masa::kernel::Scope;
use masa::kernel::ids::PartnershipId;

use crate::on_both_backends;
use crate::support::TestApp;

const ADMIN: &str = "admin@masa.example";
const SCRUTINEER: &str = "scrutineer@masa.example";
const SCHOOL: &str = "school.dsl@masa.example";

fn halton(app: &TestApp) -> Scope<'_> {
    Scope::new(&app.db, PartnershipId::new(1))
}

async fn cheshire_west(app: &TestApp) -> Scope<'_> {
    let id: i64 = sqlx::query_scalar("SELECT id FROM partnerships WHERE name = $1")
        .bind(shared_demo::PARTNERSHIP_NAME)
        .fetch_one(&app.db.pool)
        .await
        .expect("the demo's second partnership");
    Scope::new(&app.db, PartnershipId::new(id))
}

async fn s11_round(scope: Scope<'_>) -> Round {
    store::list_rounds(scope)
        .await
        .unwrap()
        .into_iter()
        .find(|round| round.framework_code == "s11")
        .expect("an s11 round")
}

async fn return_of(scope: Scope<'_>, round: &Round, organisation: &str) -> AuditReturn {
    store::returns_of_round(scope, round.id)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.organisation_name == organisation)
        .unwrap_or_else(|| panic!("{organisation}'s return"))
}

async fn answer_count(app: &TestApp, id: ReturnId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM assurance_answers WHERE return_id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn shares(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM assurance_return_shares")
        .await
}

const POLICE: &str = "Cheshire Constabulary";
const PROBATION: &str = "Cheshire Probation Service";

on_both_backends!(
    a_shared_return_is_followed_read_and_moderated_elsewhere,
    |app| {
        masa::demo::load(&app.db).await.expect("demo");
        let west = cheshire_west(app).await;
        let halton_round = s11_round(halton(app)).await;
        let west_round = s11_round(west).await;
        let halton_police = return_of(halton(app), &halton_round, POLICE).await;
        let west_police = return_of(west, &west_round, POLICE).await;

        // The demo shared the police's Halton return: the copy is submitted with the same answers.
        assert_eq!(west_police.status, ReturnStatus::Submitted);
        assert_eq!(
            answer_count(app, west_police.id).await,
            answer_count(app, halton_police.id).await
        );
        assert!(answer_count(app, west_police.id).await > 0);
        assert_eq!(west_police.graded_answered, halton_police.graded_answered);

        // Cheshire West's business unit reads it as its own, and is told where it is answered.
        let mut west_admin = app.signed_in(shared_demo::LOGIN_EMAIL).await;
        let page = west_admin
            .get(&format!("/assurance/returns/{}", west_police.id))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("answers this audit once for several partnerships")
            .assert_contains(
                "<strong>Halton Safeguarding Children Partnership</strong> (s11 audit 2024)",
            )
            .assert_lacks("Save standard 1");
        // Its analysis counts the copied answers; the dashboard shows the copy submitted.
        west_admin
            .get(&format!("/assurance/rounds/{}", west_round.id))
            .await
            .assert_contains(POLICE)
            .assert_contains("Answered in Halton Safeguarding Children Partnership")
            .assert_contains("Changed only in Halton Safeguarding Children Partnership");
        let analysis = west_admin
            .get(&format!("/assurance/rounds/{}/analysis", west_round.id))
            .await;
        assert_eq!(analysis.status, StatusCode::OK);

        // Never changed there: answers, submit, evidence and reopen are all refused, nothing saved.
        let before = answer_count(app, west_police.id).await;
        for (path, fields) in [
            (
                format!("/assurance/returns/{}/standards/1", west_police.id),
                vec![("anything", "met")],
            ),
            (
                format!("/assurance/returns/{}/submit", west_police.id),
                vec![],
            ),
            (
                format!("/assurance/returns/{}/reopen", west_police.id),
                vec![("reason", "We want to change it here")],
            ),
        ] {
            let refused = west_admin.post(&path, &fields).await;
            assert_eq!(
                refused.status,
                StatusCode::BAD_REQUEST,
                "{path}: {}",
                refused.body
            );
            refused.assert_contains("can be changed only there");
        }
        assert_eq!(answer_count(app, west_police.id).await, before);
        assert_eq!(
            return_of(west, &west_round, POLICE).await.status,
            ReturnStatus::Submitted
        );

        // Its panel moderates it: chosen for the deep dive by hand, its moderation page opens.
        let chosen = west_admin
            .post(
                &format!("/assurance/rounds/{}/sample", west_round.id),
                &[
                    ("method", "by_hand"),
                    ("returns", &west_police.id.to_string()),
                ],
            )
            .await;
        assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
        let moderation = west_admin
            .get(&format!("/assurance/returns/{}/moderation", west_police.id))
            .await;
        assert_eq!(moderation.status, StatusCode::OK, "{}", moderation.body);
        moderation.assert_contains(POLICE);

        // Halton's police return lists the partnership that follows it.
        let mut admin = app.signed_in(ADMIN).await;
        admin
            .get(&format!("/assurance/returns/{}", halton_police.id))
            .await
            .assert_contains("Other partnerships asking for this audit")
            .assert_contains(shared_demo::PARTNERSHIP_NAME);

        // Reopened in Halton: the copy is reopened too. Submitted again: copied and submitted again.
        let reopened = admin
            .post(
                &format!("/assurance/returns/{}/reopen", halton_police.id),
                &[("reason", "The force restructured its safeguarding unit")],
            )
            .await;
        assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
        assert_eq!(
            return_of(west, &west_round, POLICE).await.status,
            ReturnStatus::InProgress
        );
        let resubmitted = admin
            .post(
                &format!("/assurance/returns/{}/submit", halton_police.id),
                &[],
            )
            .await;
        assert_eq!(
            resubmitted.status,
            StatusCode::SEE_OTHER,
            "{}",
            resubmitted.body
        );
        admin
            .get(&format!("/assurance/returns/{}", halton_police.id))
            .await
            .assert_contains("Copied to the 1 partnership that share it");
        assert_eq!(
            return_of(west, &west_round, POLICE).await.status,
            ReturnStatus::Submitted
        );
        assert_eq!(answer_count(app, west_police.id).await, before);
        let trail: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE partnership_id = $1 AND entity_id = $2 \
         AND summary LIKE '%answering return in%'",
        )
        .bind(west.partnership())
        .bind(west_police.id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(trail, 1, "the reopen is in Cheshire West's trail");

        // Cheshire West's business unit has the ICB's return answered there instead: it keeps
        // what was copied, and a reopen in Halton no longer reaches it. Halton's business unit
        // cannot do this to Cheshire West's return (not found in Halton).
        let icb = "NHS Cheshire and Merseyside Integrated Care Board";
        let west_icb = return_of(west, &west_round, icb).await;
        let halton_icb = return_of(halton(app), &halton_round, icb).await;
        let answer_here = format!("/assurance/returns/{}/answer-here", west_icb.id);
        assert_eq!(
            admin.post(&answer_here, &[]).await.status,
            StatusCode::NOT_FOUND
        );
        let shares_before = shares(app).await;
        let stopped = west_admin.post(&answer_here, &[]).await;
        assert_eq!(stopped.status, StatusCode::SEE_OTHER, "{}", stopped.body);
        assert_eq!(shares(app).await, shares_before - 1);
        west_admin
            .get(&format!("/assurance/returns/{}", west_icb.id))
            .await
            .assert_contains("is answered here from now on")
            .assert_lacks("answers this audit once for several partnerships");
        admin
            .post(
                &format!("/assurance/returns/{}/reopen", halton_icb.id),
                &[("reason", "A correction")],
            )
            .await;
        assert_eq!(
            return_of(west, &west_round, icb).await.status,
            ReturnStatus::Submitted
        );
        assert_eq!(
            answer_count(app, west_icb.id).await,
            answer_count(app, halton_icb.id).await
        );
        // A second time changes nothing and says so.
        west_admin.post(&answer_here, &[]).await;
        west_admin
            .get(&format!("/assurance/returns/{}", west_icb.id))
            .await
            .assert_contains("does not follow another partnership");
    }
);

on_both_backends!(a_return_is_shared_once_and_refusals_change_nothing, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let west = cheshire_west(app).await;
    let halton_round = s11_round(halton(app)).await;
    let west_round = s11_round(west).await;
    let halton_probation = return_of(halton(app), &halton_round, PROBATION).await;
    let west_probation = return_of(west, &west_round, PROBATION).await;
    let west_council = return_of(west, &west_round, "Cheshire West and Chester Council").await;
    assert_eq!(west_probation.status, ReturnStatus::NotStarted);
    let path = format!("/assurance/returns/{}/shares", halton_probation.id);
    let shared_before = shares(app).await;

    // The scrutineer reads but cannot share; another organisation's respondent finds nothing.
    let mut scrutineer = app.signed_in(SCRUTINEER).await;
    scrutineer.get("/account").await;
    let target = west_probation.id.to_string();
    assert_eq!(
        scrutineer
            .post(&path, &[("share-with", &target)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut school = app.signed_in(SCHOOL).await;
    school.get("/account").await;
    assert_eq!(
        school.post(&path, &[("share-with", &target)]).await.status,
        StatusCode::NOT_FOUND
    );

    // Offered on the return's page: probation's return in Cheshire West, not the council's.
    let mut admin = app.signed_in(ADMIN).await;
    let page = admin
        .get(&format!("/assurance/returns/{}", halton_probation.id))
        .await;
    page.assert_contains("Answer their round with this return")
        .assert_contains(&format!("value=\"{}\"", west_probation.id))
        .assert_lacks(&format!("value=\"{}\"", west_council.id));

    // Forged, missing or another organisation's return: refused at the form, nothing shared.
    let foreign = west_council.id.to_string();
    let own = halton_probation.id.to_string();
    for forged in [foreign.as_str(), own.as_str(), "999999", "x", ""] {
        let refused = admin.post(&path, &[("share-with", forged)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{forged}");
        refused.assert_contains("Choose one of the partnerships listed");
    }
    assert_eq!(shares(app).await, shared_before);

    // Shared: the copy takes the submitted answers and is submitted there.
    let shared = admin.post(&path, &[("share-with", &target)]).await;
    assert_eq!(shared.status, StatusCode::SEE_OTHER, "{}", shared.body);
    assert_eq!(shares(app).await, shared_before + 1);
    let copy = return_of(west, &west_round, PROBATION).await;
    assert_eq!(copy.status, ReturnStatus::Submitted);
    assert_eq!(
        answer_count(app, copy.id).await,
        answer_count(app, halton_probation.id).await
    );
    // Twice: the second is refused and changes nothing.
    let again = admin.post(&path, &[("share-with", &target)]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(shares(app).await, shared_before + 1);

    // A return that has answers of its own there is not overwritten.
    let west_fire = return_of(west, &west_round, "Cheshire Fire and Rescue Service").await;
    let halton_fire = return_of(
        halton(app),
        &halton_round,
        "Cheshire Fire and Rescue Service",
    )
    .await;
    let mut west_admin = app.signed_in(shared_demo::LOGIN_EMAIL).await;
    let version = store::framework_version(west, west_round.version_id)
        .await
        .unwrap()
        .unwrap();
    let first = version.questions().next().expect("a question");
    let answered = west_admin
        .post(
            &format!("/assurance/returns/{}/standards/1", west_fire.id),
            &[(&format!("q-{}", first.id), "met")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let refused = admin
        .post(
            &format!("/assurance/returns/{}/shares", halton_fire.id),
            &[("share-with", &west_fire.id.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("already has answers of its own");
    assert_eq!(shares(app).await, shared_before + 1);
});
