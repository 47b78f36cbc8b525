//! The returns dashboard at scale (issue 13): its stage counts and return rate come from the
//! database's tallies (the analysis's), so they are the whole round's on every page and agree
//! with the analysis and the yearly report ("96% (64 of 67)" for the demo's 2025 s175 round,
//! not "95.5%"); the table reads only its page of returns, by organisation name; a refused
//! reopen shows the page holding its return; a respondent sees only its own organisation's row.
//! On SQLite and PostgreSQL.

use axum::http::StatusCode;
use masa::assurance::grades::{RETURNS_PLACES, Share, percent};
use masa::assurance::progress::{ReturnProgress, ReturnStage, is_submitted};
use masa::assurance::store;
use masa::kernel::ids::{OrganisationId, PartnershipId};
use masa::kernel::{Change, Scope};

use crate::on_both_backends;
use crate::support::TestApp;

const ADMIN: &str = "admin@masa.example";

fn scope(app: &TestApp) -> Scope<'_> {
    Scope::new(&app.db, PartnershipId::new(1))
}

/// The ids of the returns listed in the dashboard's table, in order.
fn listed(body: &str) -> Vec<i64> {
    const ROW: &str = "<th scope=\"row\" class=\"govuk-table__header\"><a class=\"govuk-link\" href=\"/assurance/returns/";
    body.split(ROW)
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

/// The count beside a stage in the "Returns by stage" table.
fn stage_count(body: &str, label: &str) -> i64 {
    let table = &body[body.find("Returns by stage").expect("the stages table")..];
    let row = &table[table
        .find(&format!(">{label}</strong>"))
        .unwrap_or_else(|| panic!("a row for {label}"))..];
    let cell = &row[row.find("numeric\">").expect("its count") + "numeric\">".len()..];
    cell.split('<')
        .next()
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("a number for {label}"))
}

async fn add_respondent(app: &TestApp, email: &str, organisation: OrganisationId) {
    use masa::kernel::auth::{NewUser, insert_user};
    let actor = masa::kernel::audit::Actor::system("tests", PartnershipId::new(1));
    let mut adding = Change::begin(&app.db, actor).await.expect("change");
    insert_user(
        &mut adding,
        &NewUser {
            email,
            display_name: "A school's audit respondent",
            password: masa::demo::DEMO_PASSWORD,
            organisation: Some(organisation),
            roles: &[masa::kernel::Role::AuditRespondent],
            must_change_password: false,
        },
        "",
    )
    .await
    .unwrap();
    adding.commit().await.unwrap();
}

on_both_backends!(the_dashboard_counts_the_whole_round_on_every_page, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let round = store::list_rounds(scope(app))
        .await
        .unwrap()
        .into_iter()
        .find(|round| round.title == "s175 audit 2025")
        .expect("the demo's 2025 s175 round");
    // What the page should say, worked out the long way: every return loaded, each one's stage
    // by the pure rule.
    let version = store::framework_version(scope(app), round.version_id)
        .await
        .unwrap()
        .unwrap();
    let settings = store::settings(scope(app)).await.unwrap();
    let today = masa::kernel::text::today();
    let all: Vec<ReturnProgress> = store::returns_of_round(scope(app), round.id)
        .await
        .unwrap()
        .into_iter()
        .map(|audit_return| {
            let setting = settings
                .get(&audit_return.organisation_id)
                .map(|s| s.setting);
            ReturnProgress::of(audit_return, &version, setting, today)
        })
        .collect();
    assert_eq!(all.len(), 67, "the seed's 67 schools");
    let complete = all
        .iter()
        .filter(|r| is_submitted(r.audit_return.status) && r.answered_graded >= r.required_graded)
        .count() as i64;
    assert_eq!(complete, 64);
    let rate = percent(Share { count: 64, of: 67 }, RETURNS_PLACES);
    assert_eq!(rate, "96%", "whole percent, as the yearly report prints it");

    let path = format!("/assurance/rounds/{}", round.id);
    let mut admin = app.signed_in(ADMIN).await;
    let first = admin.get(&path).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = admin.get(&format!("{path}?page=2")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    second.assert_contains("Page 2 of 2");
    for page in [&first, &second] {
        page.assert_contains("<strong>96%</strong> of returns submitted complete (64 of 67)")
            .assert_contains("Returns by stage, of 67")
            .assert_lacks("95.5%");
        for stage in ReturnStage::ALL {
            let expected = all.iter().filter(|r| r.stage == stage).count() as i64;
            assert_eq!(
                stage_count(&page.body, stage.label()),
                expected,
                "{}",
                stage.label()
            );
        }
    }
    // The analysis says the same.
    admin
        .get(&format!("{path}/analysis"))
        .await
        .assert_contains("96% (64 of 67)");

    // Each page lists its returns by organisation name: 50, then the other 17.
    let by_name: Vec<i64> = all.iter().map(|r| r.audit_return.id.get()).collect();
    assert_eq!(listed(&first.body), by_name[..50].to_vec());
    assert_eq!(listed(&second.body), by_name[50..].to_vec());
    // Each row as the pure rule has it: its stage and graded questions answered.
    let row = &all[60];
    let at = second
        .body
        .find(&format!(
            "href=\"/assurance/returns/{}\">",
            row.audit_return.id
        ))
        .expect("the row");
    let cells = &second.body[at..at + second.body[at..].find("</tr>").expect("its end")];
    assert!(cells.contains(row.stage.label()), "{cells}");
    assert!(
        cells.contains(&format!(
            "{} of {}",
            row.answered_graded, row.required_graded
        )),
        "{cells}"
    );

    // A reopen refused for want of a reason shows the page holding its return.
    let submitted = all[50..]
        .iter()
        .find(|r| is_submitted(r.audit_return.status))
        .expect("a submitted return on page 2");
    let refused = admin
        .post(
            &format!("/assurance/returns/{}/reopen", submitted.audit_return.id),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("Page 2 of 2")
        .assert_contains(&format!(
            "id=\"reason-{}-error\"",
            submitted.audit_return.id
        ));
    assert_eq!(listed(&refused.body), by_name[50..].to_vec());

    // A school's respondent sees its own row only, whichever page it asks for, beside the
    // whole round's counts.
    let own = &all[55].audit_return;
    add_respondent(app, "page.two.school@masa.example", own.organisation_id).await;
    let mut respondent = app.signed_in("page.two.school@masa.example").await;
    for asked in [path.clone(), format!("{path}?page=2")] {
        let page = respondent.get(&asked).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(listed(&page.body), vec![own.id.get()], "{asked}");
        page.assert_contains("Your organisation's return")
            .assert_contains("(64 of 67)")
            .assert_lacks("Page 1 of");
    }
});
