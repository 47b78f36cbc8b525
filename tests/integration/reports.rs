//! The reports' workflow and pages: generate a draft, read it, write its narrative, comment,
//! approve (refused while a check fails, naming both sides), and the freeze: an approved version
//! never changes while a new draft shows the records as they are now. Access route by route,
//! CSRF, other partnerships' ids, escaping. On SQLite and PostgreSQL.

use std::sync::Arc;

use axum::http::StatusCode;
use masa::kernel::Role;
use masa::kernel::ids::{PartnershipId, UserId};
use masa::kernel::report::{
    Figure, FigureCheck, FigureDefinition, FigureFuture, FigureRef, Parts, RecordRef,
    ReportContribution, ReportInput, ReportPeriod, SharedLoads,
};
use masa::kernel::{Change, Scope};
use masa::reports::store::{self, ReportVersionId};

use crate::on_both_backends;
use crate::support::TestApp;

const ADMIN: &str = "admin@masa.example";

/// The version id a generate answered with.
fn version_id(location: &str) -> i64 {
    location
        .trim_start_matches("/reports/")
        .parse()
        .unwrap_or_else(|_| panic!("a report version's address: {location}"))
}

async fn generate(browser: &mut crate::support::Browser<'_>, kind: &str, period: &str) -> i64 {
    let response = browser
        .post("/reports/generate", &[("kind", kind), ("period", period)])
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "generate: {}",
        response.body
    );
    version_id(response.location())
}

async fn admin_change(app: &TestApp) -> Change {
    let user = masa::kernel::audit::Actor::system("tests", PartnershipId::new(1));
    Change::begin(&app.db, user).await.expect("change")
}

on_both_backends!(generate_comment_approve_and_freeze, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let mut admin = app.signed_in(ADMIN).await;

    let page = admin.get("/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Generate a draft")
        .assert_contains("2024-25");

    // A bad period is refused at the form, naming the field.
    let refused = admin
        .post(
            "/reports/generate",
            &[("kind", "yearly"), ("period", "2024-26")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("Enter the period as a financial year")
        .assert_contains("href=\"#period\"");
    let refused = admin
        .post(
            "/reports/generate",
            &[("kind", "yearly"), ("period", "2025-26-Q2")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("A yearly report covers a financial year");

    // The narrative: empty and over-long text refused; saved text kept as data.
    let narrative = "/reports/narrative/yearly/2024-25/foreword";
    let empty = admin.post(narrative, &[("text", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("Enter foreword");
    let long = "a".repeat(20_001);
    let too_long = admin.post(narrative, &[("text", &long)]).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    too_long.assert_contains("20000 characters or fewer");
    let saved = admin
        .post(
            narrative,
            &[(
                "text",
                "First words <script>alert(1)</script>\n\nA second paragraph.",
            )],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        admin
            .get("/reports/narrative/yearly/2024-26/foreword")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .get("/reports/narrative/yearly/2024-25/nonsense")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let first = generate(&mut admin, "yearly", "2024-25").await;
    let page = admin.get(&format!("/reports/{first}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Yearly report 2024/25, version 1")
        .assert_contains("First words &lt;script&gt;alert(1)&lt;/script&gt;")
        .assert_lacks("<script>alert(1)")
        .assert_contains("A second paragraph.")
        .assert_contains("1. Foreword")
        .assert_contains("15. Glossary")
        .assert_contains("Rapid review")
        .assert_contains("Not yet held in MASA (the finance module)")
        .assert_contains("This part of the report is not yet written")
        .assert_contains("Appendix: figure provenance")
        .assert_contains("Approve this version")
        .assert_contains("/reports/narrative/yearly/2024-25/achievements");

    // The narrative page suggests and lists its history.
    let page = admin.get(narrative).await;
    page.assert_contains("Suggested sentences")
        .assert_contains("Saved versions")
        .assert_contains("First words &#60;script&#62;");

    // Comments, escaped.
    let mut member = app.signed_in("member@masa.example").await;
    let home = member.get("/").await;
    home.assert_contains("is waiting for your comments");
    let comment = member
        .post(
            &format!("/reports/{first}/comments"),
            &[("body", "<script>x()</script> Reads well")],
        )
        .await;
    assert_eq!(comment.status, StatusCode::SEE_OTHER, "{}", comment.body);
    let empty = member
        .post(&format!("/reports/{first}/comments"), &[("body", "")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = admin.get(&format!("/reports/{first}")).await;
    page.assert_contains("&#60;script&#62;x()&#60;/script&#62; Reads well")
        .assert_lacks("<script>x()");
    admin
        .get("/")
        .await
        .assert_contains("1 comment on Yearly report 2024/25, version 1");

    // Approve: frozen from now on.
    let before = store::find_version(
        Scope::new(&app.db, PartnershipId::new(1)),
        ReportVersionId::new(first),
    )
    .await
    .expect("read")
    .expect("version");
    let approved = admin.post(&format!("/reports/{first}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = admin.get(&format!("/reports/{first}")).await;
    page.assert_contains("Approved")
        .assert_lacks("Approve this version")
        .assert_lacks("Add a comment");
    let again = admin.post(&format!("/reports/{first}/approve"), &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains("already approved");
    let late = member
        .post(
            &format!("/reports/{first}/comments"),
            &[("body", "Too late")],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The store refuses to change an approved version.
    let frozen = store::find_version(
        Scope::new(&app.db, PartnershipId::new(1)),
        ReportVersionId::new(first),
    )
    .await
    .expect("read")
    .expect("version");
    let mut change = admin_change(app).await;
    assert!(
        !store::replace_draft_document(&mut change, &frozen.summary, &before.document)
            .await
            .expect("refused, not failed")
    );
    let approval = store::Approval {
        by: UserId::new(1),
        by_name: "Someone else",
        at: "2030-01-01T00:00:00Z",
        pdf: None,
    };
    assert!(
        !store::approve_version(&mut change, &frozen.summary, &approval)
            .await
            .expect("refused")
    );
    assert!(
        store::insert_comment(&mut change, &frozen.summary, "sneaked", UserId::new(1), "x")
            .await
            .expect("refused")
            .is_none()
    );
    change.rollback().await.expect("rollback");

    // Change the records: a new draft shows them; the approved version does not.
    let saved = admin
        .post(narrative, &[("text", "Second words, rewritten.")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let second = generate(&mut admin, "yearly", "2024-25").await;
    assert_ne!(first, second);
    admin
        .get(&format!("/reports/{second}"))
        .await
        .assert_contains("version 2")
        .assert_contains("Second words, rewritten.")
        .assert_lacks("First words");
    admin
        .get(&format!("/reports/{first}"))
        .await
        .assert_contains("First words")
        .assert_lacks("Second words");
    let after = store::find_version(
        Scope::new(&app.db, PartnershipId::new(1)),
        ReportVersionId::new(first),
    )
    .await
    .expect("read")
    .expect("version");
    assert_eq!(
        after.document, before.document,
        "the approved JSON is unchanged"
    );
    assert_eq!(
        after.summary.approved_by_name.as_deref(),
        Some(frozen.summary.approved_by_name.as_deref().unwrap_or(""))
    );

    let list = admin.get("/reports").await;
    list.assert_contains("Yearly report 2024/25")
        .assert_contains(&format!("/reports/{first}"))
        .assert_contains(&format!("/reports/{second}"));

    // The PDF's JSON and the standalone HTML.
    let json = masa::reports::pdf::report_json(&after.document);
    assert_eq!(json["period"], "2024/25");
    assert_eq!(json["kind"], "yearly");
    let sections = json["sections"].as_array().expect("sections");
    assert!(
        sections.iter().all(|s| s["title"] != "Budget"),
        "not-yet-held sections are left out"
    );
    assert_eq!(sections[0]["blocks"][0]["type"], "paragraph");
    assert!(
        sections[0]["blocks"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("First words <script>")
    );
    let html = masa::reports::standalone_html(&after.document).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("First words &lt;script&gt;"));
    assert!(!html.contains("<script>alert"));
    // The approved PDF was kept with its SHA-256 when approved, is served as kept, and is made
    // again byte for byte from the frozen JSON and the approval.
    let pdf = admin.get(&format!("/reports/{first}/report.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(
        pdf.headers[axum::http::header::CONTENT_TYPE],
        "application/pdf"
    );
    let again = masa::reports::pdf::render_approved(
        &after.document,
        first,
        after.summary.approved_at.as_deref().expect("approved at"),
        after
            .summary
            .approved_by_name
            .as_deref()
            .expect("approved by"),
    )
    .expect("the PDF renders again");
    assert_eq!(
        Some(masa::reports::model::sha256_hex(&again)),
        after.summary.pdf_sha256,
        "the approved PDF is made again byte for byte"
    );
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_versions WHERE id = $1 AND pdf_file_id IS NOT NULL",
    )
    .bind(first)
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(stored, 1, "the approved PDF is kept");
});

/// The demo's organisations, as a figure with records.
fn test_organisations<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let scope = input.scope;
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, name FROM organisations WHERE partnership_id = $1 ORDER BY id",
        )
        .bind(scope.partnership())
        .fetch_all(&scope.db().pool)
        .await?;
        let records = rows
            .into_iter()
            .map(|(id, name)| {
                RecordRef::new(
                    "organisation",
                    id,
                    name,
                    format!("/partnership/organisations/{id}"),
                    "",
                )
            })
            .collect();
        Ok(vec![Figure::count("", "Test organisations", records)])
    })
}

/// A part that does not add up to the total.
fn test_parts<'a>(_input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        Ok(vec![Figure::value(
            "only",
            "Test parts",
            Some(1.0),
            masa::kernel::report::Unit::Count,
            Vec::new(),
        )])
    })
}

fn failing_contribution() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: "test.organisations",
            version: 1,
            title: "Test organisations",
            definition: "Every organisation of the partnership.",
            compute: test_organisations,
        })
        .figure(FigureDefinition {
            key: "test.parts",
            version: 1,
            title: "Test parts",
            definition: "A part that does not add up.",
            compute: test_parts,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single("test.organisations"),
            parts: Parts::EveryInstanceOf("test.parts"),
        })
}

on_both_backends!(a_failed_check_blocks_approval_naming_both_sides, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let mut state = app.state.clone();
    state.reports = Arc::new(masa::reports().merge(failing_contribution()));
    let router = masa::app(state);
    let mut admin = app.browser_on(router);
    admin.sign_in(ADMIN, masa::demo::DEMO_PASSWORD).await;
    let id = generate(&mut admin, "yearly", "2024-25").await;
    let page = admin.get(&format!("/reports/{id}")).await;
    page.assert_contains("this version cannot be approved")
        .assert_contains("The parts of Test organisations add up to it")
        .assert_contains("the parts add up to 1 (Test parts 1)");
    let refused = admin.post(&format!("/reports/{id}/approve"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains("Cannot approve")
        .assert_contains("Test organisations");
    let version = store::find_version(
        Scope::new(&app.db, PartnershipId::new(1)),
        ReportVersionId::new(id),
    )
    .await
    .expect("read")
    .expect("version");
    assert!(version.summary.is_draft());
    admin.get("/").await.assert_contains("failed check");

    // The figure page: value, definition, records linked; unknown key or instance not found.
    let figure = admin
        .get(&format!("/reports/{id}/figures/test.organisations"))
        .await;
    assert_eq!(figure.status, StatusCode::OK);
    figure
        .assert_contains("Every organisation of the partnership.")
        .assert_contains("/partnership/organisations/")
        .assert_contains("Hash of the records");
    let parts = admin
        .get(&format!("/reports/{id}/figures/test.parts?instance=only"))
        .await;
    assert_eq!(parts.status, StatusCode::OK);
    for missing in [
        format!("/reports/{id}/figures/test.nothing"),
        format!("/reports/{id}/figures/test.parts?instance=other"),
        format!("/reports/{id}/figures/test.parts"),
        "/reports/999999/figures/test.organisations".to_string(),
    ] {
        assert_eq!(
            admin.get(&missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
});

on_both_backends!(access_route_by_route, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let mut admin = app.signed_in(ADMIN).await;
    let id = generate(&mut admin, "quarterly", "2024-25-Q3").await;
    let page = format!("/reports/{id}");
    let comments = format!("/reports/{id}/comments");
    let approve = format!("/reports/{id}/approve");
    let narrative = "/reports/narrative/yearly/2024-25/foreword";

    // CSRF: refused without the token, nothing changed.
    let versions = app.count("SELECT COUNT(*) FROM report_versions").await;
    let forged = admin
        .post_raw(
            "/reports/generate",
            &[("kind", "yearly"), ("period", "2024-25")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let forged = admin.post_raw(&approve, &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM report_versions").await,
        versions
    );

    // The scrutineer reads, and can do nothing else.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    assert_eq!(scrutineer.get("/reports").await.status, StatusCode::OK);
    let read = scrutineer.get(&page).await;
    assert_eq!(read.status, StatusCode::OK);
    read.assert_lacks("Approve this version")
        .assert_lacks("Add a comment");
    for (path, fields) in [
        (
            "/reports/generate",
            vec![("kind", "yearly"), ("period", "2024-25")],
        ),
        (comments.as_str(), vec![("body", "A view")]),
        (approve.as_str(), vec![]),
        (narrative, vec![("text", "Words")]),
    ] {
        assert_eq!(
            scrutineer.post(path, &fields).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        scrutineer.get(narrative).await.status,
        StatusCode::FORBIDDEN
    );

    // A data lead reads; cannot approve or comment.
    let mut data_lead = app.signed_in("police.data@masa.example").await;
    assert_eq!(data_lead.get(&page).await.status, StatusCode::OK);
    assert_eq!(
        data_lead.post(&approve, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        data_lead.post(&comments, &[("body", "x")]).await.status,
        StatusCode::FORBIDDEN
    );

    // A chair comments; cannot approve.
    let mut chair = app.signed_in("chair@masa.example").await;
    assert_eq!(
        chair.post(&approve, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        chair.post(&comments, &[("body", "Fine")]).await.status,
        StatusCode::SEE_OTHER
    );

    // A practitioner reaches none of it.
    let mut practitioner = app.signed_in("practitioner@masa.example").await;
    for path in [
        "/reports".to_string(),
        page.clone(),
        format!("/reports/{id}/report.pdf"),
        format!("/reports/{id}/figures/anything"),
        narrative.to_string(),
    ] {
        assert_eq!(
            practitioner.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        practitioner.post(&comments, &[("body", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    practitioner
        .get("/")
        .await
        .assert_lacks("href=\"/reports\"");

    // Another partnership: the id is not found anywhere; its own report builds from nothing.
    let second = app.second_partnership().await;
    let mut other = app.signed_in(second.email(Role::BusinessUnitAdmin)).await;
    for path in [
        page.clone(),
        format!("/reports/{id}/report.pdf"),
        "/reports/424242".to_string(),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        other.post(&approve, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.post(&comments, &[("body", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
    let own = generate(&mut other, "yearly", "2024-25").await;
    other
        .get(&format!("/reports/{own}"))
        .await
        .assert_contains("Warrington Safeguarding Partnership")
        .assert_contains("This part of the report is not yet written")
        .assert_contains("version 1");
    other
        .get("/reports")
        .await
        .assert_lacks(&format!("/reports/{id}\""));
    assert!(
        store::find_version(
            Scope::new(&app.db, PartnershipId::new(second.partnership_id)),
            ReportVersionId::new(id)
        )
        .await
        .expect("read")
        .is_none()
    );
});

/// A load shared through `ReportInput::shared` runs once per generation and period, and a
/// failed load is not kept (the next reader tries again).
#[tokio::test]
async fn a_shared_load_runs_once_per_period() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let app = TestApp::sqlite().await;
    let loads = SharedLoads::default();
    let year = ReportPeriod::financial_year(2024);
    let input = ReportInput::new(Scope::new(&app.db, PartnershipId::new(1)), year, &loads);
    let before = input.for_period(year.previous());
    let runs = AtomicUsize::new(0);
    let load = |value: i64| {
        let runs = &runs;
        move || async move {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<_, sqlx::Error>(value)
        }
    };
    assert_eq!(*input.shared("test.value", load(7)).await.unwrap(), 7);
    assert_eq!(
        *input.shared("test.value", load(8)).await.unwrap(),
        7,
        "the first load is kept"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(
        *before.shared("test.value", load(5)).await.unwrap(),
        5,
        "per period"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    let failed = input
        .shared("test.failing", || async {
            Err::<i64, _>(sqlx::Error::RowNotFound)
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(*input.shared("test.failing", load(3)).await.unwrap(), 3);
    app.finish().await;
}
