//! The audit trail's pages: filters and CSV export.

use crate::on_both_backends;
use axum::http::StatusCode;

on_both_backends!(the_trail_filters_and_exports, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let all = admin.get("/audit-trail").await;
    assert_eq!(all.status, StatusCode::OK);
    all.assert_contains("Page 1 of")
        .assert_contains("admin@masa.example signed in");
    let groups = admin
        .get("/audit-trail?entity_type=group&action=create")
        .await;
    groups
        .assert_contains("Created group")
        .assert_lacks("Created organisation");
    let by_actor = admin
        .get("/audit-trail?actor=demo+loader&entity_type=business_plan")
        .await;
    by_actor.assert_contains("1 entry");
    let future = admin.get("/audit-trail?from=2099-01-01").await;
    future.assert_contains("0 entries");
    let bad_date = admin.get("/audit-trail?from=31/02/2026").await;
    assert_eq!(
        bad_date.status,
        StatusCode::OK,
        "a bad date is named, not a failure"
    );
    bad_date.assert_contains("From date must be a real date");
    // Record types in words, in the filter and on each entry.
    all.assert_contains(r#"<option value="tracker_action">Tracker action</option>"#)
        .assert_contains(
            r#"<option value="business_plan_item">Business plan priority or theme</option>"#,
        )
        .assert_lacks(">tracker_action<")
        .assert_contains("User account · Signed in by admin@masa.example");
    // GOV.UK date inputs: a bad date is named on its field and the form keeps what was typed.
    let typed = admin
        .get("/audit-trail?entity_type=group&from_day=30&from_month=2&from_year=2026&to_day=1&to_month=12&to_year=2099")
        .await;
    assert_eq!(typed.status, StatusCode::OK);
    typed
        .assert_contains(r##"<a href="#from">From date must be a real date</a>"##)
        .assert_contains(r#"id="from-error""#)
        .assert_contains(r#"name="from_day" type="text" inputmode="numeric" value="30""#)
        .assert_contains(r#"name="to_year" type="text" inputmode="numeric" value="2099""#)
        .assert_contains(r#"<option value="group" selected>Group</option>"#)
        .assert_lacks(r#"type="date""#);
    let dated = admin
        .get("/audit-trail?from_day=1&from_month=1&from_year=2099")
        .await;
    dated
        .assert_contains("0 entries")
        .assert_contains("/audit-trail/export.csv?from_day=1&#38;from_month=1&#38;from_year=2099");
    let dated_export = admin
        .get("/audit-trail/export.csv?from_day=1&from_month=1&from_year=2099")
        .await;
    assert_eq!(
        csv_rows(&dated_export.body).len(),
        0,
        "the export takes the same dates"
    );

    let export = admin
        .get("/audit-trail/export.csv?entity_type=business_plan_item")
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(
        export.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let mut reader = csv::Reader::from_reader(export.body.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("id"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6, "three priorities and three themes");
    assert!(
        rows.iter()
            .all(|row| row.get(3) == Some("create") && row.get(2) == Some("demo loader"))
    );

    // A data lead cannot read the trail.
    let mut lead = app.signed_in("police.data@masa.example").await;
    assert_eq!(lead.get("/audit-trail").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        lead.get("/audit-trail/export.csv").await.status,
        StatusCode::FORBIDDEN
    );
});

/// A storyboard answer no other entry contains, to find the draft's values in the trail.
const MARKER: &str = "Draft-only worry about the WA8 missing episodes";

async fn count_of(app: &crate::support::TestApp, sql: &'static str, value: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(value)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// A person holding two roles: the ICB's data lead and the independent scrutineer.
async fn icb_lead_and_scrutineer(app: &crate::support::TestApp) -> &'static str {
    use masa::kernel::Role;
    use masa::kernel::auth::{NewUser, insert_user};
    let icb: i64 = sqlx::query_scalar(
        "SELECT id FROM organisations WHERE name = 'NHS Cheshire and Merseyside Integrated Care Board'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let mut change = masa::kernel::Change::begin(
        &app.db,
        masa::kernel::audit::Actor::system("tests", masa::demo::DEMO_PARTNERSHIP),
    )
    .await
    .unwrap();
    insert_user(
        &mut change,
        &NewUser {
            email: "icb.scrutiny@masa.example",
            display_name: "ICB lead and scrutineer",
            password: masa::demo::DEMO_PASSWORD,
            organisation: Some(masa::kernel::ids::OrganisationId::new(icb)),
            roles: &[Role::PartnerDataLead, Role::IndependentScrutineer],
            must_change_password: false,
        },
        "",
    )
    .await
    .unwrap();
    change.commit().await.unwrap();
    "icb.scrutiny@masa.example"
}

fn csv_rows(body: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

/// "N entries" from the search page's caption.
fn entries(body: &str) -> i64 {
    let caption = body
        .split("govuk-table__caption--m\">")
        .nth(1)
        .expect("a caption");
    caption
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

on_both_backends!(the_trail_hides_what_the_drop_pages_hide, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let draft = crate::dataset::police_draft(app).await;
    let both = icb_lead_and_scrutineer(app).await;

    // The police fill in their draft's storyboard: the trail records its values.
    let mut lead = app.signed_in("police.data@masa.example").await;
    let page = lead.get(&format!("/dataset/drops/{draft}")).await;
    let mut fields: Vec<(String, String)> = Vec::new();
    for part in page.body.split("name=\"value_").skip(1) {
        let id: String = part.chars().take_while(char::is_ascii_digit).collect();
        let value = part
            .split("value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .filter(|value| !value.is_empty())
            .unwrap_or("12")
            .to_owned();
        fields.push((format!("value_{id}"), value));
    }
    for (name, answer) in [
        ("working_well", "Return home interviews stay high."),
        ("worried_about", MARKER),
        ("doing_about_it", "Weekly meetings review every referral."),
        (
            "previous_actions",
            "The task and finish group has reported.",
        ),
        ("confirm_outliers", "yes"),
    ] {
        fields.push((name.into(), answer.into()));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = lead
        .post(&format!("/dataset/drops/{draft}/values"), &borrowed)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let about_draft = format!("/audit-trail?entity_type=data_drop&entity_id={draft}");
    let event: i64 = count_of(
        app,
        "SELECT MAX(id) FROM audit_events WHERE entity_type = 'data_drop' AND entity_id = $1",
        draft,
    )
    .await;

    // The business unit sees all of it.
    let mut admin = app.signed_in("admin@masa.example").await;
    admin.get(&about_draft).await.assert_contains("Saved");
    admin
        .get(&format!("/audit-trail/{event}"))
        .await
        .assert_contains("Saved 6 values");
    admin
        .get("/audit-trail/export.csv")
        .await
        .assert_contains(MARKER);
    let admin_total = entries(&admin.get("/audit-trail").await.body);

    // The scrutineer, and a data lead of another organisation who is also a scrutineer, see
    // none of it: not in the search, not by its number, not in the export; and the counts
    // leave it out.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    let mut other = app.signed_in(both).await;
    for browser in [&mut scrutineer, &mut other] {
        let search = browser.get(&about_draft).await;
        assert_eq!(search.status, StatusCode::OK);
        search.assert_contains("0 entries").assert_lacks("Saved");
        assert_eq!(
            browser.get(&format!("/audit-trail/{event}")).await.status,
            StatusCode::NOT_FOUND
        );
        let export = browser.get("/audit-trail/export.csv").await;
        export.assert_lacks(MARKER);
        let rows = csv_rows(&export.body);
        assert!(
            !rows
                .iter()
                .any(|row| row.get(4) == Some("data_drop")
                    && row.get(5) == Some(&*draft.to_string())),
            "no entry about the draft"
        );
        assert!(
            !rows.iter().any(|row| row.get(4) == Some("user")),
            "account entries are the users pages' (business unit only)"
        );
        let all = browser.get("/audit-trail").await;
        all.assert_lacks(MARKER);
        let total = entries(&all.body);
        assert!(total < admin_total, "{total} of {admin_total}");
        assert_eq!(
            total,
            i64::try_from(rows.len()).unwrap(),
            "the page's count is the export's rows"
        );
        assert!(
            !all.body.contains("<option value=\"user\""),
            "the record types offered are those shown"
        );
    }
    // A data lead of another organisation cannot open the trail at all.
    let mut icb = app.signed_in("icb.data@masa.example").await;
    assert_eq!(
        icb.get(&format!("/audit-trail/{event}")).await.status,
        StatusCode::FORBIDDEN
    );

    // Once submitted, the drop pages show it to the scrutineer, and so does the trail.
    fields.push(("submit".into(), "yes".into()));
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let submitted = lead
        .post(&format!("/dataset/drops/{draft}/values"), &borrowed)
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    for browser in [&mut scrutineer, &mut other] {
        assert_eq!(
            browser.get(&format!("/dataset/drops/{draft}")).await.status,
            StatusCode::OK
        );
        browser.get(&about_draft).await.assert_contains("Saved");
        browser
            .get(&format!("/audit-trail/{event}"))
            .await
            .assert_contains("Saved 6 values");
        browser
            .get("/audit-trail/export.csv")
            .await
            .assert_contains(MARKER);
    }
});

on_both_backends!(
    every_kind_of_record_in_the_trail_names_who_reads_it,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let kinds: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT entity_type FROM audit_events ORDER BY entity_type",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert!(kinds.len() > 10, "{kinds:?}");
        for kind in kinds {
            assert!(
                masa::audit_trail::RECORD_PAGES
                    .iter()
                    .any(|(listed, _)| *listed == kind),
                "{kind} is not in audit_trail::RECORD_PAGES, so only the business unit reads it"
            );
            assert!(
                masa::audit_trail::record_type_is_named(&kind),
                "{kind} has no words in audit_trail::RECORD_TYPES"
            );
        }
    }
);
