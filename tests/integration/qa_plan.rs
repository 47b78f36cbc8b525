//! The QA plan on a page (issue 13, point 8): the demo's year read by the business unit, a
//! partner and the scrutineer; activities added, changed and taken off by the business unit only
//! (bad input refused naming the field, nothing saved; script shown escaped; each change in the
//! audit trail); another partnership's activity not found; and the calendar feeds: the download
//! for the signed-in and the personal subscription address, which a forged token does not open.
//! On SQLite and PostgreSQL.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masa::kernel::Role;

use crate::on_both_backends;

const ADMIN: &str = "admin@masa.example";
const PARTNER: &str = "police.data@masa.example";
const SCRUTINEER: &str = "scrutineer@masa.example";
const PRACTITIONER: &str = "practitioner@masa.example";

const ACTIVITIES: &str = "SELECT COUNT(*) FROM assurance_plan_activities WHERE removed_at IS NULL";
const PLAN_EVENTS: &str =
    "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'assurance_plan_activity'";

fn activity<'a>(
    kind: &'a str,
    title: &'a str,
    starts: [&'a str; 3],
    ends: [&'a str; 3],
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", kind),
        ("title", title),
        ("starts_on_day", starts[0]),
        ("starts_on_month", starts[1]),
        ("starts_on_year", starts[2]),
        ("ends_on_day", ends[0]),
        ("ends_on_month", ends[1]),
        ("ends_on_year", ends[2]),
        ("lead", "Quality and Impact Group"),
        ("notes", ""),
    ]
}

/// The subscription address shown on the plan page.
fn feed_address(page: &str) -> String {
    let start = page
        .find("/assurance/plan/feed/")
        .expect("a subscription address");
    let end = page[start..].find('<').expect("the address ends") + start;
    page[start..end].to_owned()
}

on_both_backends!(
    the_plan_is_read_by_partners_and_kept_by_the_business_unit,
    |app| {
        masa::demo::load(&app.db).await.expect("demo");
        let mut admin = app.signed_in(ADMIN).await;

        // The seed's year: the rounds of the year are on it by themselves, beside what was planned.
        let page = admin.get("/assurance/plan?year=2024").await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("QA plan on a page 2024/25")
            .assert_contains("s11 audit 2024")
            .assert_contains("Section 11 moderation panel")
            .assert_contains("Pan-Cheshire section 11 peer challenge")
            .assert_contains("CSPR triage: quarter 3")
            // The case-file audits held are on it from their own records.
            .assert_contains("Children as Victims of Domestic Abuse")
            .assert_contains("Runs in November")
            .assert_contains("Month by month");
        // A year that is not one is not a page.
        assert_eq!(
            admin.get("/assurance/plan?year=twenty").await.status,
            StatusCode::NOT_FOUND
        );

        // Partners and the scrutineer read it; a practitioner does not; only the business unit plans.
        for email in [PARTNER, SCRUTINEER] {
            let mut reader = app.signed_in(email).await;
            let page = reader.get("/assurance/plan?year=2024").await;
            assert_eq!(page.status, StatusCode::OK, "{email} reads the plan");
            page.assert_contains("Section 11 moderation panel")
                .assert_lacks("Add an activity");
            assert_eq!(
                reader.get("/assurance/plan/activities/new").await.status,
                StatusCode::FORBIDDEN
            );
            let before = app.count(ACTIVITIES).await;
            let refused = reader
                .post(
                    "/assurance/plan/activities/new",
                    &activity("other", "Not theirs", ["1", "5", "2025"], ["", "", ""]),
                )
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{email} cannot plan");
            assert_eq!(app.count(ACTIVITIES).await, before);
        }
        let mut practitioner = app.signed_in(PRACTITIONER).await;
        assert_eq!(
            practitioner.get("/assurance/plan").await.status,
            StatusCode::FORBIDDEN
        );

        // Bad input: every field at fault named, what was typed kept, nothing saved.
        let before = app.count(ACTIVITIES).await;
        let events = app.count(PLAN_EVENTS).await;
        admin.get("/assurance/plan/activities/new").await;
        let refused = admin
            .post(
                "/assurance/plan/activities/new",
                &activity(
                    "meeting",
                    "Neglect re-audit",
                    ["31", "2", "2025"],
                    ["", "", ""],
                ),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused
            .assert_contains("Select the kind of activity")
            .assert_contains("Neglect re-audit")
            .assert_contains("href=\"#starts_on");
        let refused = admin
            .post(
                "/assurance/plan/activities/new",
                &activity(
                    "case_file_audit",
                    "Neglect re-audit",
                    ["3", "2", "2025"],
                    ["1", "2", "2025"],
                ),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        refused.assert_contains("End date must be the same as or after the start date");
        let long = "x".repeat(201);
        let refused = admin
            .post(
                "/assurance/plan/activities/new",
                &activity("case_file_audit", &long, ["3", "2", "2025"], ["", "", ""]),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count(ACTIVITIES).await, before, "nothing saved");
        assert_eq!(app.count(PLAN_EVENTS).await, events);

        // Added, with script in its title kept as typed and shown as text.
        let added = admin
            .post(
                "/assurance/plan/activities/new",
                &activity(
                    "case_file_audit",
                    "Neglect re-audit <script>alert(1)</script>",
                    ["3", "2", "2025"],
                    ["28", "2", "2025"],
                ),
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        assert_eq!(added.location(), "/assurance/plan?year=2024");
        assert_eq!(app.count(ACTIVITIES).await, before + 1);
        let page = admin.get("/assurance/plan?year=2024").await;
        page.assert_contains("Neglect re-audit &#60;script&#62;alert(1)&#60;/script&#62;")
            .assert_lacks("<script>alert(1)");
        let id: i64 = sqlx::query_scalar(
            "SELECT id FROM assurance_plan_activities WHERE title LIKE 'Neglect re-audit%'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

        // Changed on its own page: a bad date refused there, then saved into the next year.
        let path = format!("/assurance/plan/activities/{id}");
        admin.get(&path).await.assert_contains("Neglect re-audit");
        let refused = admin
            .post(
                &path,
                &activity(
                    "case_file_audit",
                    "Neglect re-audit",
                    ["3", "14", "2025"],
                    ["", "", ""],
                ),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let saved = admin
            .post(
                &path,
                &activity(
                    "case_file_audit",
                    "Neglect re-audit",
                    ["5", "5", "2025"],
                    ["", "", ""],
                ),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(saved.location(), "/assurance/plan?year=2025");
        admin
            .get("/assurance/plan?year=2025")
            .await
            .assert_contains("Neglect re-audit")
            .assert_contains("5 May 2025");

        // Another partnership's business unit does not find it, to read, change or take off.
        let other = app.second_partnership().await;
        let mut other_admin = app.signed_in(other.email(Role::BusinessUnitAdmin)).await;
        assert_eq!(other_admin.get(&path).await.status, StatusCode::NOT_FOUND);
        other_admin.get("/assurance/plan").await;
        let forged = other_admin.post(&format!("{path}/remove"), &[]).await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND);
        assert_eq!(app.count(ACTIVITIES).await, before + 1);
        other_admin
            .get("/assurance/plan?year=2025")
            .await
            .assert_lacks("Neglect re-audit");

        // Taken off: gone from the plan, kept in the audit trail with every change.
        let removed = admin.post(&format!("{path}/remove"), &[]).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count(ACTIVITIES).await, before);
        admin
            .get("/assurance/plan?year=2025")
            .await
            .assert_contains("Took Neglect re-audit off the QA plan");
        admin
            .get("/assurance/plan?year=2025")
            .await
            .assert_lacks("Neglect re-audit");
        assert_eq!(
            app.count(PLAN_EVENTS).await,
            events + 3,
            "added, changed, taken off"
        );
        assert_eq!(admin.get(&path).await.status, StatusCode::NOT_FOUND);
    }
);

on_both_backends!(the_plan_is_a_calendar_feed, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let mut partner = app.signed_in(PARTNER).await;
    let download = partner.get("/assurance/plan.ics").await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(
        download.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar"),
        "served as a calendar"
    );
    assert!(download.body.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(
        download
            .body
            .contains("SUMMARY:Section 11 moderation panel")
    );
    assert!(download.body.contains("DTSTART;VALUE=DATE:20240717"));
    assert!(download.body.contains("SUMMARY:s11 audit 2024"));
    let events = download.body.matches("BEGIN:VEVENT").count();
    assert!(
        events >= 14 + 4,
        "every planned activity and every round: {events}"
    );

    // The personal subscription address answers a calendar application with no session.
    let page = partner.get("/assurance/plan").await;
    let address = feed_address(&page.body);
    let mut calendar_app = app.browser();
    let polled = calendar_app.get(&address).await;
    assert_eq!(polled.status, StatusCode::OK, "{address}");
    assert_eq!(polled.body.matches("BEGIN:VEVENT").count(), events);
    // Another person's address, or a changed check, is not found.
    let forged = address.replacen("-", "-9", 1);
    assert_eq!(
        calendar_app.get(&forged).await.status,
        StatusCode::NOT_FOUND
    );
    let mut tampered = address.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        calendar_app.get(&tampered).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        calendar_app
            .get("/assurance/plan/feed/nonsense")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A practitioner may not view assurance, so their address (made by hand) opens nothing.
    let practitioner: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(PRACTITIONER)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let request = Request::get(format!("/assurance/plan/feed/1-{practitioner}-00"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        calendar_app.send(request).await.status,
        StatusCode::NOT_FOUND
    );
});
