//! Assurance deep dives (issue 13, point 5): a round's sample drawn by stated criteria with a
//! seed (the same seed draws the same sample, every draw kept) or chosen by hand; bad input
//! refused naming the field, nothing saved. Two panel members moderate a sampled return (not
//! the scrutineer, not respondents, not a member of the return's own organisation), their
//! agreement shown; the business unit marks it moderated, edits the drafted feedback letter and
//! sends it (an e-mail queued to the respondents); the school's respondent reads it and its PDF
//! (read back with pdftotext), another school's finds neither. On SQLite and PostgreSQL.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use masa::assurance::deep_dive_store as deep;
use masa::assurance::grades::Grade;
use masa::assurance::model::{ReturnId, RoundId};
use masa::assurance::moderation::{ModeratedStandard, moderated_standards};
use masa::assurance::store::{self, AuditReturn, ReturnStatus};
use masa::kernel::ids::{OrganisationId, PartnershipId};
use masa::kernel::{Change, Role, Scope};
use tower::ServiceExt;

use crate::on_both_backends;
use crate::support::{Browser, TestApp};

const ADMIN: &str = "admin@masa.example";
const CHAIR: &str = "chair@masa.example";
const MEMBER: &str = "member@masa.example";
const SCRUTINEER: &str = "scrutineer@masa.example";
/// The demo's respondent, for Halton Schools and Colleges.
const OTHER_RESPONDENT: &str = "school.dsl@masa.example";

async fn change(app: &TestApp) -> Change {
    let actor = masa::kernel::audit::Actor::system("tests", PartnershipId::new(1));
    Change::begin(&app.db, actor).await.expect("change")
}

fn scope(app: &TestApp) -> Scope<'_> {
    Scope::new(&app.db, PartnershipId::new(1))
}

/// The demo's s175 round of 2023, which has no deep-dive sample yet (the demo's own deep dive
/// is of the 2025 round, its sample fixed once moderation began: `assurance::deep_dive_demo`).
async fn s175_2023(app: &TestApp) -> store::Round {
    store::list_rounds(scope(app))
        .await
        .unwrap()
        .into_iter()
        .find(|round| round.title == "s175 audit 2023")
        .expect("the demo's s175 round of 2023")
}

async fn submitted_returns(app: &TestApp, round: RoundId) -> Vec<AuditReturn> {
    let other_school: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind("Halton Schools and Colleges")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    store::returns_of_round(scope(app), round)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            matches!(r.status, ReturnStatus::Submitted) && r.organisation_id.get() != other_school
        })
        .collect()
}

async fn current_ids(app: &TestApp, round: RoundId) -> Vec<(ReturnId, String)> {
    deep::current_sample(scope(app), round)
        .await
        .unwrap()
        .map(|(_, returns)| {
            returns
                .into_iter()
                .map(|r| (r.return_id, r.reason))
                .collect()
        })
        .unwrap_or_default()
}

async fn add_user(app: &TestApp, email: &str, organisation: OrganisationId, role: Role) {
    use masa::kernel::auth::{NewUser, insert_user};
    let mut adding = change(app).await;
    insert_user(
        &mut adding,
        &NewUser {
            email,
            display_name: email,
            password: masa::demo::DEMO_PASSWORD,
            organisation: Some(organisation),
            roles: &[role],
            must_change_password: false,
        },
        "",
    )
    .await
    .unwrap();
    adding.commit().await.unwrap();
}

fn draw_fields(seed: &str) -> Vec<(&'static str, String)> {
    vec![
        ("method", "draw".to_owned()),
        ("fraction_percent", "10".to_owned()),
        ("stratify", "yes".to_owned()),
        ("criteria", "new_provision".to_owned()),
        ("criteria", "inspection_grade".to_owned()),
        ("grade_at_least", "3".to_owned()),
        ("seed", seed.to_owned()),
    ]
}

/// Text as the pages print it (askama's escaping).
fn html(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn pairs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

on_both_backends!(a_sample_is_drawn_reproduced_and_chosen_by_hand, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let round = s175_2023(app).await;
    let submitted = submitted_returns(app, round.id).await;
    assert!(submitted.len() > 20, "{}", submitted.len());
    let path = format!("/assurance/rounds/{}/sample", round.id);
    let mut admin = app.signed_in(ADMIN).await;
    admin
        .get(&path)
        .await
        .assert_contains("No sample has been drawn for this round yet")
        .assert_contains("Draw the sample");

    // Drawn by criteria with a seed: stored with its criteria, seed and reasons.
    let drawn = admin.post(&path, &pairs(&draw_fields("2025"))).await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
    let first = current_ids(app, round.id).await;
    assert!(!first.is_empty());
    let page = admin.get(&path).await;
    page.assert_contains("Drew a sample of")
        .assert_contains("with seed 2025")
        .assert_contains("taken first: every new provision, then inspection grade 3")
        .assert_contains(&first[0].1);
    // The store's sample is the pure rule's draw over the submitted returns.
    let (sample, _) = deep::current_sample(scope(app), round.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sample.seed.as_deref(), Some("2025"));
    assert_eq!(sample.drawn_by_name, "Partnership Business Manager");

    // The same seed and criteria draw the same sample; the first draw is kept, replaced.
    let again = admin.post(&path, &pairs(&draw_fields("2025"))).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(current_ids(app, round.id).await, first);
    let samples = deep::samples_of_round(scope(app), round.id).await.unwrap();
    assert_eq!(samples.len(), 2);
    assert!(samples[1].replaced_at.is_some() && samples[0].replaced_at.is_none());
    admin.get(&path).await.assert_contains("Earlier draws");
    // A blank seed is chosen at random and stored.
    admin.post(&path, &pairs(&draw_fields(""))).await;
    let (random, _) = deep::current_sample(scope(app), round.id)
        .await
        .unwrap()
        .unwrap();
    let random_seed: u64 = random.seed.unwrap().parse().unwrap();
    assert!(random_seed < 1_000_000);

    // Bad input refused naming the field; nothing saved.
    let mut bad = draw_fields("twenty");
    bad[1].1 = "0".to_owned();
    let refused = admin.post(&path, &pairs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("Seed must be a whole number")
        .assert_contains("Share of each stratum must be a whole number from 1 to 100");
    assert_eq!(
        deep::samples_of_round(scope(app), round.id)
            .await
            .unwrap()
            .len(),
        3
    );

    // Chosen by hand: only the round's submitted returns.
    let (a, b) = (submitted[0].id.to_string(), submitted[1].id.to_string());
    let other_round = store::list_rounds(scope(app))
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.framework_code == "s175" && r.id != round.id)
        .unwrap();
    let foreign = store::returns_of_round(scope(app), other_round.id)
        .await
        .unwrap()[0]
        .id
        .to_string();
    for forged in [foreign.as_str(), "999999", "x"] {
        let refused = admin
            .post(
                &path,
                &[("method", "by_hand"), ("returns", &a), ("returns", forged)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{forged}");
        refused.assert_contains("choose submitted returns of this round from the list");
    }
    admin
        .post(&path, &[("method", "by_hand")])
        .await
        .assert_contains("choose at least one return");
    assert_eq!(
        deep::samples_of_round(scope(app), round.id)
            .await
            .unwrap()
            .len(),
        3
    );
    let chosen = admin
        .post(
            &path,
            &[("method", "by_hand"), ("returns", &b), ("returns", &a)],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    assert_eq!(
        current_ids(app, round.id).await,
        vec![
            (submitted[1].id, "Chosen by hand".to_owned()),
            (submitted[0].id, "Chosen by hand".to_owned()),
        ]
    );
    admin
        .get(&path)
        .await
        .assert_contains("Chose a sample of 2 returns by hand")
        .assert_contains(&html(&submitted[0].organisation_name));

    // The scrutineer reads the sample but draws none; a respondent does not see it.
    let mut scrutineer = app.signed_in(SCRUTINEER).await;
    scrutineer
        .get(&path)
        .await
        .assert_contains(&html(&submitted[0].organisation_name))
        .assert_lacks("Draw the sample again");
    assert_eq!(
        scrutineer
            .post(&path, &pairs(&draw_fields("1")))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut respondent = app.signed_in(OTHER_RESPONDENT).await;
    assert_eq!(respondent.get(&path).await.status, StatusCode::NOT_FOUND);
    // Another partnership finds no such round.
    let other = app.second_partnership().await;
    let mut other_admin = app.signed_in(other.email(Role::BusinessUnitAdmin)).await;
    assert_eq!(other_admin.get(&path).await.status, StatusCode::NOT_FOUND);
});

/// The form fields that record these decisions: "agree" where there is a self-grade, "met"
/// with a comment otherwise; `changes` overrides (standard number, decision, comment).
fn moderation_fields(
    standards: &[ModeratedStandard],
    changes: &[(i64, &str, &str)],
) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for standard in standards {
        let (decision, comment) = match changes.iter().find(|c| c.0 == standard.number) {
            Some((_, decision, comment)) => ((*decision).to_owned(), (*comment).to_owned()),
            None if standard.self_grade.is_some() => ("agree".to_owned(), String::new()),
            None => ("met".to_owned(), "No self-grade given".to_owned()),
        };
        fields.push((format!("decision-{}", standard.number), decision));
        fields.push((format!("comment-{}", standard.number), comment));
    }
    fields
}

fn as_pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The bytes of a GET, for a PDF (the test browser keeps text only).
async fn get_bytes(app: &TestApp, browser: &Browser<'_>, path: &str) -> (StatusCode, Vec<u8>) {
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
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 20 << 20)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

on_both_backends!(two_panel_members_moderate_and_the_letter_is_sent, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let round = s175_2023(app).await;
    let submitted = submitted_returns(app, round.id).await;
    let school = submitted[0].clone();
    let unsampled = submitted[1].clone();
    let mut admin = app.signed_in(ADMIN).await;
    let chosen = admin
        .post(
            &format!("/assurance/rounds/{}/sample", round.id),
            &[("method", "by_hand"), ("returns", &school.id.to_string())],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    add_user(
        app,
        "sampled.dsl@masa.example",
        school.organisation_id,
        Role::AuditRespondent,
    )
    .await;
    add_user(
        app,
        "sampled.governor@masa.example",
        school.organisation_id,
        Role::GroupMember,
    )
    .await;

    let version = store::framework_version(scope(app), round.version_id)
        .await
        .unwrap()
        .unwrap();
    let setting = store::settings(scope(app))
        .await
        .unwrap()
        .get(&school.organisation_id)
        .map(|s| s.setting);
    let answers = store::answers_of(scope(app), school.id).await.unwrap();
    let standards = moderated_standards(&version, setting, &answers);
    assert_eq!(standards.len(), 12);
    let first = standards[0].number;
    let second = standards[1].number;
    let path = format!("/assurance/returns/{}/moderation", school.id);
    let good_chair = moderation_fields(&standards, &[(first, "exceeds", "Superb induction.")]);

    // The panel member's home page asks for it.
    let mut member = app.signed_in(MEMBER).await;
    let to_moderate = format!("/assurance/returns/{}/moderation", school.id);
    member
        .get("/")
        .await
        .assert_contains("return to moderate")
        .assert_contains(&to_moderate);

    // Not the scrutineer, not respondents: refused by their role.
    let mut scrutineer = app.signed_in(SCRUTINEER).await;
    let mut respondent = app.signed_in("sampled.dsl@masa.example").await;
    for browser in [&mut scrutineer, &mut respondent] {
        browser.get("/account").await;
        assert_eq!(
            browser.post(&path, &as_pairs(&good_chair)).await.status,
            StatusCode::FORBIDDEN
        );
    }
    // Not a member of the school's own organisation.
    let mut governor = app.signed_in("sampled.governor@masa.example").await;
    governor
        .get(&path)
        .await
        .assert_contains("You cannot moderate your own organisation&#39;s return")
        .assert_lacks("Save your moderation");
    let refused = governor.post(&path, &as_pairs(&good_chair)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Nothing was saved");

    // Bad input: refused naming the field, nothing saved.
    let mut chair = app.signed_in(CHAIR).await;
    chair
        .get(&path)
        .await
        .assert_contains("Save your moderation")
        .assert_contains(&standards[0].title);
    let long = "x".repeat(2_001);
    let bad = moderation_fields(
        &standards,
        &[(first, "brilliant", ""), (second, "not_met", &long)],
    );
    let refused = chair.post(&path, &as_pairs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains(&format!(
            "Standard {first}: choose agree or a moderated grade from the list"
        ))
        .assert_contains(&format!(
            "Standard {second}: the comment must be 2,000 characters or fewer"
        ));
    let mut forged = good_chair.clone();
    forged.push(("decision-99".to_owned(), "met".to_owned()));
    chair
        .post(&path, &as_pairs(&forged))
        .await
        .assert_contains("Standard 99 is not a standard of this return");
    assert_eq!(
        chair
            .post(
                "/assurance/returns/999999/moderation",
                &as_pairs(&good_chair)
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A return outside the sample is not moderated.
    chair
        .post(
            &format!("/assurance/returns/{}/moderation", unsampled.id),
            &as_pairs(&good_chair),
        )
        .await
        .assert_contains("not in its round&#39;s deep-dive sample");
    assert!(
        deep::moderations_of(scope(app), school.id)
            .await
            .unwrap()
            .is_empty(),
        "nothing saved"
    );

    // The chair records every standard; one is not yet enough to mark it moderated.
    let saved = chair.post(&path, &as_pairs(&good_chair)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let refused = admin
        .post(&format!("/assurance/returns/{}/moderated", school.id), &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Two or more panel members must each record every standard first");

    // The member records every standard, differing from the chair on one.
    let chair_second = standards[1].self_grade.unwrap_or(Grade::Met);
    let member_second = if chair_second == Grade::PartiallyMet {
        Grade::NotMet
    } else {
        Grade::PartiallyMet
    };
    let good_member = moderation_fields(
        &standards,
        &[
            (first, "exceeds", "Pupils lead the induction."),
            (
                second,
                member_second.code(),
                "Training records are incomplete.",
            ),
        ],
    );
    let saved = member.post(&path, &as_pairs(&good_member)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    member.get("/").await.assert_lacks(&to_moderate);
    let records = deep::moderations_of(scope(app), school.id).await.unwrap();
    assert_eq!(records.len(), 24);
    let page = admin.get(&path).await;
    page.assert_contains("Agreement between panel members")
        .assert_contains("11 of 12 standards (91.7%)")
        .assert_contains("Superb induction.")
        .assert_contains("Training records are incomplete.");
    admin
        .get(&format!("/assurance/rounds/{}/sample", round.id))
        .await
        .assert_contains("11 of 12 standards (91.7%)");

    // The business unit marks it moderated (audited); then a letter waits to be sent.
    let events_before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'assurance_return' AND entity_id = $1",
    )
    .bind(school.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let marked = admin
        .post(&format!("/assurance/returns/{}/moderated", school.id), &[])
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
    let school_now = store::find_return(scope(app), school.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(school_now.status, ReturnStatus::Moderated);
    let events_after: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'assurance_return' AND entity_id = $1",
    )
    .bind(school.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(events_after, events_before + 1);
    // Moderation is final once marked.
    assert_eq!(
        chair.post(&path, &as_pairs(&good_chair)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    admin
        .get("/")
        .await
        .assert_contains("Feedback letter to")
        .assert_contains(&format!("/assurance/returns/{}/letter", school.id));

    // The drafted letter: strengths and areas to develop from the moderated grades.
    let letter_path = format!("/assurance/returns/{}/letter", school.id);
    let pdf_path = format!("/assurance/returns/{}/letter.pdf", school.id);
    assert_eq!(
        respondent.get(&letter_path).await.status,
        StatusCode::NOT_FOUND,
        "not before it is sent"
    );
    let page = admin.get(&letter_path).await;
    page.assert_contains("Superb induction.")
        .assert_contains("Pupils lead the induction.")
        .assert_contains("Training records are incomplete.")
        .assert_contains("Send the letter");
    let (status, draft_pdf) = get_bytes(app, &admin, &pdf_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(draft_pdf.starts_with(b"%PDF-"));

    // Edited: bad input refused naming the field, nothing saved; script kept as text.
    let opening = "Dear colleagues <script>alert(1)</script>,\n\nThank you.";
    let strengths = format!("Standard {first}: exceeds. Superb induction.");
    let areas = format!("Standard {second}: partially met. Training records are incomplete.");
    let too_long = "y".repeat(10_001);
    let refused = admin
        .post(
            &letter_path,
            &[
                ("opening", opening),
                ("strengths", &too_long),
                ("areas_to_develop", ""),
                ("closing", "With thanks"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("The strengths must be 10000 characters or fewer")
        .assert_contains("Enter the areas to develop");
    assert!(
        deep::letter_of(scope(app), school.id)
            .await
            .unwrap()
            .is_none()
    );
    let fields = [
        ("opening", opening),
        ("strengths", strengths.as_str()),
        ("areas_to_develop", areas.as_str()),
        ("closing", "With thanks"),
    ];
    let mut save = fields.to_vec();
    save.push(("action", "save"));
    let saved = admin.post(&letter_path, &save).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let mut send = fields.to_vec();
    send.push(("action", "send"));
    let sent = admin.post(&letter_path, &send).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let letter = deep::letter_of(scope(app), school.id)
        .await
        .unwrap()
        .unwrap();
    assert!(letter.is_sent());
    assert_eq!(letter.opening, opening);
    admin
        .get(&letter_path)
        .await
        .assert_contains("1 respondent e-mailed")
        .assert_lacks("Send the letter");
    let queued: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE to_address = 'sampled.dsl@masa.example' \
         AND subject LIKE '%feedback letter is ready%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(queued, 1);
    // A second send changes nothing and sends nothing.
    admin.post(&letter_path, &send).await;
    admin
        .get(&letter_path)
        .await
        .assert_contains("already sent: nothing changed");
    let queued_again: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE to_address = 'sampled.dsl@masa.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(queued_again, 1);

    // The school's respondent: on the home page, the letter with the script as text, the PDF.
    respondent
        .get("/")
        .await
        .assert_contains(&format!("Your {} feedback letter has arrived", round.title));
    respondent
        .get(&letter_path)
        .await
        .assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;")
        .assert_lacks("<script>alert(1)")
        .assert_contains("Superb induction.");
    let (status, pdf) = get_bytes(app, &respondent, &pdf_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = crate::report_acceptance::pdf_text(&pdf) {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(&school.organisation_name), "{text}");
        assert!(text.contains("Superb induction."), "{text}");
        assert!(text.contains("<script>alert(1)</script>"), "{text}");
    }

    // Another school's respondent, and another partnership, find neither.
    let mut other_school = app.signed_in(OTHER_RESPONDENT).await;
    assert_eq!(
        other_school.get(&letter_path).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_bytes(app, &other_school, &pdf_path).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_bytes(app, &scrutineer, &pdf_path).await.0,
        StatusCode::NOT_FOUND
    );
    let other = app.second_partnership().await;
    let other_admin = app.signed_in(other.email(Role::BusinessUnitAdmin)).await;
    assert_eq!(
        get_bytes(app, &other_admin, &pdf_path).await.0,
        StatusCode::NOT_FOUND
    );
});
