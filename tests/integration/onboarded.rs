//! A second partnership built only through the pages and the JSON data drop API, as a new
//! partnership's business unit and data leads would build it: organisations, people, a group,
//! a business plan, indicators and approved quarterly values, a notification, reviews, a
//! recommendation with its actions, a risk and a policy. Reports are generated for it to prove
//! that no figure comes from demo-only code paths (issue 12).
//!
//! Only `TestApp::second_partnership` (the partnership, its council and one sign-in per role)
//! is test setup; everything else goes through real forms with CSRF tokens, or the API with a
//! token made on its page. Ids are read back from redirects, or from the database by name where
//! a form redirects to a list.

use crate::dataset::api;
use crate::on_both_backends;
use crate::support::{Response, TestApp};
use axum::http::StatusCode;
use masa::kernel::Role;
use time::macros::date;

/// What `onboard_through_pages` made, by id and by the names the pages show.
/// Some fields are for the reports' tests (issue 12), which read what they need.
#[allow(dead_code)]
#[derive(Debug, Clone)]
pub struct Onboarded {
    pub partnership_id: i64,
    /// The business unit's sign-in (password `masa::demo::DEMO_PASSWORD`).
    pub admin_email: String,
    /// The council's data lead (from setup) and the police data lead (made on /users/new;
    /// password [`POLICE_LEAD_PASSWORD`]).
    pub data_lead_emails: Vec<String>,
    /// The council (from setup), then the police force, the ICB and the school.
    pub organisation_names: Vec<String>,
    pub organisation_ids: Vec<i64>,
    pub people_names: Vec<String>,
    pub person_ids: Vec<i64>,
    pub group_name: String,
    pub group_id: i64,
    pub business_plan_name: String,
    pub business_plan_id: i64,
    pub priority_titles: Vec<String>,
    pub priority_ids: Vec<i64>,
    /// The percentage with a target (the council's), then the count (the police's).
    pub indicator_codes: Vec<String>,
    pub indicator_names: Vec<String>,
    pub indicator_ids: Vec<i64>,
    /// Quarter labels, oldest first, like "2024-25 Q3".
    pub periods: Vec<String>,
    /// Every approved drop, as (period, organisation id, drop id).
    pub approved_drops: Vec<(String, i64, i64)>,
    pub incident_reference: String,
    pub incident_id: i64,
    pub theme_name: String,
    /// The rapid review, then the learning circle (their references, as lists show them).
    pub review_names: Vec<String>,
    pub review_ids: Vec<i64>,
    pub recommendation_reference: String,
    pub recommendation_id: i64,
    /// The action completed inside 2024/25, then the one still open.
    pub action_titles: Vec<String>,
    pub action_ids: Vec<i64>,
    pub risk_reference: String,
    pub risk_id: i64,
    pub policy_title: String,
    pub policy_id: i64,
}

/// The police data lead's password after their first sign-in.
pub const POLICE_LEAD_PASSWORD: &str = "saffron harbour lantern";

/// The indicators' approved values, as (period, code, value).
pub const VALUES: [(&str, &str, f64); 6] = [
    ("2023-24 Q4", "WSP-CP-01", 88.0),
    ("2023-24 Q4", "WSP-MFH-01", 41.0),
    ("2024-25 Q3", "WSP-CP-01", 91.5),
    ("2024-25 Q3", "WSP-MFH-01", 37.0),
    ("2024-25 Q4", "WSP-CP-01", 96.2),
    ("2024-25 Q4", "WSP-MFH-01", 29.0),
];

/// A date as the GOV.UK date input sends it: three fields named after it.
fn date_fields(name: &str, date: time::Date) -> Vec<(String, String)> {
    vec![
        (format!("{name}_day"), date.day().to_string()),
        (format!("{name}_month"), u8::from(date.month()).to_string()),
        (format!("{name}_year"), date.year().to_string()),
    ]
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn as_form(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// A form that saves answers 303; anything else fails the step by name, with the page.
#[track_caller]
fn saved(step: &str, response: &Response) {
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{step}: expected 303, got {}:\n{}",
        response.status,
        response.body
    );
}

async fn id_by_name(app: &TestApp, sql: &'static str, key: i64, name: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(key)
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// Builds the partnership through the pages and the API, starting from
/// `TestApp::second_partnership`; see the module's comment.
pub async fn onboard_through_pages(app: &TestApp) -> Onboarded {
    let warrington = app.second_partnership().await;
    let partnership_id = warrington.partnership_id;
    let admin_email = warrington.email(Role::BusinessUnitAdmin).to_owned();
    let council_lead_email = warrington.email(Role::PartnerDataLead).to_owned();
    let mut admin = app.signed_in(&admin_email).await;
    let today = masa::kernel::text::today();

    // Organisations: two statutory partners and a school.
    let council_name = "Warrington Borough Council".to_owned();
    let mut organisation_names = vec![council_name];
    let mut organisation_ids = vec![warrington.organisation_id];
    admin.get("/partnership/organisations/new").await;
    for (name, kind, sector) in [
        ("Cheshire Police", "statutory_partner", "Police"),
        (
            "NHS Cheshire and Merseyside Integrated Care Board",
            "statutory_partner",
            "Health",
        ),
        ("Birchwood Community High School", "school", "Education"),
    ] {
        let mut fields = owned(&[("name", name), ("kind", kind), ("sector", sector)]);
        fields.extend(date_fields("active_from", date!(2019 - 09 - 29)));
        let created = admin
            .post("/partnership/organisations/new", &as_form(&fields))
            .await;
        saved(&format!("organisation {name}"), &created);
        organisation_ids.push(created.location_id());
        organisation_names.push(name.to_owned());
    }
    let council = organisation_ids[0].to_string();
    let police = organisation_ids[1].to_string();
    let icb = organisation_ids[2].to_string();

    // Two people: the council's director chairs, the police's superintendent is a member.
    let mut people_names = Vec::new();
    let mut person_ids = Vec::new();
    admin.get("/partnership/people/new").await;
    for (organisation, name, job_title, email) in [
        (
            &council,
            "Morgan Ellis",
            "Director of Children's Services",
            "morgan.ellis@warrington.example",
        ),
        (
            &police,
            "Priya Shah",
            "Detective Superintendent, Public Protection",
            "priya.shah@cheshire-police.example",
        ),
    ] {
        let created = admin
            .post(
                "/partnership/people/new",
                &[
                    ("organisation_id", organisation),
                    ("name", name),
                    ("job_title", job_title),
                    ("email", email),
                ],
            )
            .await;
        saved(&format!("person {name}"), &created);
        person_ids.push(created.location_id());
        people_names.push(name.to_owned());
    }

    // The executive, chaired by the council's director, with the police as a member.
    let group_name = "Warrington Safeguarding Executive".to_owned();
    admin.get("/partnership/groups/new").await;
    let created = admin
        .post(
            "/partnership/groups/new",
            &[
                ("name", group_name.as_str()),
                ("kind", "executive"),
                ("parent_group_id", ""),
                ("meets", "Quarterly"),
                (
                    "terms_of_reference",
                    "Leads the partnership's arrangements and holds partners to account.",
                ),
            ],
        )
        .await;
    saved("group", &created);
    let group_id = created.location_id();
    for (person, position) in [(person_ids[0], "chair"), (person_ids[1], "member")] {
        let members = format!("/partnership/groups/{group_id}/members/new");
        admin.get(&members).await;
        let mut fields = owned(&[("position", position)]);
        fields.push(("person_id".into(), person.to_string()));
        fields.extend(date_fields("started_on", date!(2024 - 04 - 01)));
        fields.extend(date_fields("term_ends_on", date!(2027 - 03 - 31)));
        let added = admin.post(&members, &as_form(&fields)).await;
        saved(&format!("group {position}"), &added);
    }

    // The business plan 2024–27 and its two priorities.
    let business_plan_name = "Business Plan 2024–27".to_owned();
    admin.get("/partnership/business-plans/new").await;
    let mut fields = owned(&[("name", business_plan_name.as_str())]);
    fields.extend(date_fields("starts_on", date!(2024 - 04 - 01)));
    fields.extend(date_fields("ends_on", date!(2027 - 03 - 31)));
    let created = admin
        .post("/partnership/business-plans/new", &as_form(&fields))
        .await;
    saved("business plan", &created);
    let business_plan_id = created.location_id();
    let plan_path = created.location().to_owned();
    let priority_titles = vec![
        "Neglect".to_owned(),
        "Child exploitation and missing children".to_owned(),
    ];
    let mut priority_ids = Vec::new();
    for (title, description) in [
        (
            priority_titles[0].as_str(),
            "Children living with neglect are seen and helped sooner.",
        ),
        (
            priority_titles[1].as_str(),
            "Children at risk of exploitation or going missing are safer.",
        ),
    ] {
        admin.get(&format!("{plan_path}/items/new")).await;
        let added = admin
            .post(
                &format!("{plan_path}/items/new"),
                &[
                    ("kind", "priority"),
                    ("title", title),
                    ("description", description),
                ],
            )
            .await;
        saved(&format!("priority {title}"), &added);
        priority_ids.push(
            id_by_name(
                app,
                "SELECT id FROM business_plan_priorities WHERE business_plan_id = $1 AND title = $2",
                business_plan_id,
                title,
            )
            .await,
        );
    }

    // Two indicators, each under a priority and owned by an organisation.
    let indicator_codes = vec!["WSP-CP-01".to_owned(), "WSP-MFH-01".to_owned()];
    let indicator_names = vec![
        "Child protection reviews held on time".to_owned(),
        "Missing from home episodes".to_owned(),
    ];
    let mut indicator_ids = Vec::new();
    let neglect = priority_ids[0].to_string();
    let exploitation = priority_ids[1].to_string();
    for (index, (unit, polarity, owner, priority, target, definition)) in [
        (
            "percent",
            "higher_is_better",
            &council,
            &neglect,
            "95",
            "Child protection review conferences held within timescale, as a percentage of all held.",
        ),
        (
            "count",
            "lower_is_better",
            &police,
            &exploitation,
            "",
            "Episodes of children reported missing from home in the quarter.",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        admin.get("/dataset/indicators/new").await;
        let created = admin
            .post(
                "/dataset/indicators/new",
                &[
                    ("code", indicator_codes[index].as_str()),
                    ("name", indicator_names[index].as_str()),
                    ("definition", definition),
                    ("unit", unit),
                    ("polarity", polarity),
                    ("frequency", "quarterly"),
                    ("owner_organisation_id", owner),
                    ("priority_item_id", priority),
                    ("target", target),
                    ("suppression_threshold", "0"),
                    ("decimals", "1"),
                    ("source", "Case management system"),
                ],
            )
            .await;
        saved(&format!("indicator {}", indicator_codes[index]), &created);
        indicator_ids.push(created.location_id());
    }

    // Three quarters opened for data drops.
    let periods = vec![
        "2023-24 Q4".to_owned(),
        "2024-25 Q3".to_owned(),
        "2024-25 Q4".to_owned(),
    ];
    admin.get("/dataset/periods").await;
    for (period, due_on) in [
        (&periods[0], date!(2024 - 05 - 15)),
        (&periods[1], date!(2025 - 02 - 14)),
        (&periods[2], date!(2025 - 05 - 15)),
    ] {
        let mut fields = owned(&[("period", period.as_str())]);
        fields.extend(date_fields("due_on", due_on));
        let opened = admin.post("/dataset/periods/new", &as_form(&fields)).await;
        saved(&format!("period {period}"), &opened);
    }

    // The police's data lead: an account made on the users page, who sets their password.
    let police_lead_email = "data.lead@cheshire-police.example".to_owned();
    admin.get("/users/new").await;
    let created = admin
        .post(
            "/users/new",
            &[
                ("display_name", "Cheshire Police data lead"),
                ("email", police_lead_email.as_str()),
                ("organisation_id", police.as_str()),
                ("roles", "partner_data_lead"),
                ("temporary_password", "granite lantern copper"),
            ],
        )
        .await;
    saved("police data lead account", &created);
    let mut police_lead = app.browser();
    let first = police_lead
        .sign_in(&police_lead_email, "granite lantern copper")
        .await;
    assert_eq!(first.location(), "/account/password", "{}", first.body);
    police_lead.get("/account/password").await;
    let changed = police_lead
        .post(
            "/account/password",
            &[
                ("current_password", "granite lantern copper"),
                ("new_password", POLICE_LEAD_PASSWORD),
                ("confirm_password", POLICE_LEAD_PASSWORD),
            ],
        )
        .await;
    saved("police data lead's new password", &changed);
    // Changing the password ends every session: the data lead signs in again.
    let mut police_lead = app.browser();
    let again = police_lead
        .sign_in(&police_lead_email, POLICE_LEAD_PASSWORD)
        .await;
    saved("police data lead signs in with the new password", &again);

    // Each data lead makes an API token on its page and sends each quarter's value with its
    // storyboard; the business unit approves each drop on its page.
    let mut council_lead = app.signed_in(&council_lead_email).await;
    let council_token = council_lead.new_api_token("Quarterly export").await;
    let police_token = police_lead.new_api_token("Quarterly export").await;
    let mut approved_drops = Vec::new();
    for period in &periods {
        for (token, organisation, code) in [
            (&council_token, organisation_ids[0], &indicator_codes[0]),
            (&police_token, organisation_ids[1], &indicator_codes[1]),
        ] {
            let value = VALUES
                .iter()
                .find(|(p, c, _)| p == period && c == code)
                .map(|(_, _, v)| *v)
                .expect("a value per period and indicator");
            let body = serde_json::json!({
                "period": period,
                "values": [{"indicator_code": code, "value": value}],
                "submit": true,
                "confirm_outliers": true,
                "storyboard": {
                    "working_well": format!("{code}: multi-agency meetings are held on time."),
                    "worried_about": "Capacity in the front door over the school holidays.",
                    "doing_about_it": "A shared rota between the council and the police.",
                    "previous_actions": "The neglect toolkit was relaunched in the autumn.",
                },
            })
            .to_string();
            let (status, answer) = api(app, "POST", "/api/v1/data-drops", token, &body).await;
            assert_eq!(
                status,
                StatusCode::CREATED,
                "API drop {period} {code}: {answer}"
            );
            assert_eq!(answer["status"], "submitted", "{period} {code}: {answer}");
            let drop_id = answer["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("drop id for {period} {code}: {answer}"));
            let drop_page = format!("/dataset/drops/{drop_id}");
            admin
                .get(&drop_page)
                .await
                .assert_contains("Record decision");
            let approved = admin
                .post(
                    &format!("{drop_page}/decision"),
                    &[("decision", "approve"), ("comment", "")],
                )
                .await;
            saved(&format!("approve {period} {code}"), &approved);
            approved_drops.push((period.clone(), organisation, drop_id));
        }
    }

    // A serious incident notification, a theme, and the rapid review it led to, with a finding.
    let incident_reference = "SIN-2024-07".to_owned();
    admin.get("/learning/notifications/new").await;
    let mut fields = owned(&[
        ("reference", incident_reference.as_str()),
        ("subject", "Child A"),
        (
            "summary",
            "Serious harm from neglect; the council, police and health were involved.",
        ),
    ]);
    fields.extend(date_fields("became_aware_on", date!(2024 - 07 - 08)));
    let created = admin
        .post("/learning/notifications/new", &as_form(&fields))
        .await;
    saved("serious incident notification", &created);
    let incident_id = created.location_id();

    let theme_name = "Neglect and home conditions".to_owned();
    admin.get("/learning/themes").await;
    let added = admin
        .post(
            "/learning/themes",
            &[("name", theme_name.as_str()), ("description", "")],
        )
        .await;
    saved("theme", &added);
    let theme = id_by_name(
        app,
        "SELECT id FROM learning_themes WHERE partnership_id = $1 AND name = $2",
        partnership_id,
        &theme_name,
    )
    .await
    .to_string();

    let review_names = vec!["RR-2024-01".to_owned(), "LC-2024-01".to_owned()];
    let mut review_ids = Vec::new();
    let incident = incident_id.to_string();
    admin.get("/learning/reviews/new").await;
    let mut fields = owned(&[
        ("reference", review_names[0].as_str()),
        ("review_type", "rapid_review"),
        ("subject", "Child A"),
        ("serious_incident_id", incident.as_str()),
        ("agencies", council.as_str()),
        ("agencies", police.as_str()),
        ("agencies", icb.as_str()),
        ("chair_role", "Designated Nurse for Safeguarding"),
        (
            "summary",
            "Home conditions had declined for a year before the incident.",
        ),
        (
            "panel_response",
            "The Panel agreed that a local review would not add further learning.",
        ),
        ("decision", "learning_circle"),
        (
            "decision_rationale",
            "The learning is about practice with neglect: a learning circle reaches practitioners.",
        ),
        ("status", "completed"),
    ]);
    fields.extend(date_fields("started_on", date!(2024 - 07 - 10)));
    fields.extend(date_fields("completed_on", date!(2024 - 08 - 02)));
    let created = admin.post("/learning/reviews/new", &as_form(&fields)).await;
    saved("rapid review", &created);
    let rapid_review = created.location_id();
    review_ids.push(rapid_review);
    let findings = format!("/learning/reviews/{rapid_review}/findings");
    admin
        .get(&format!("/learning/reviews/{rapid_review}"))
        .await;
    let tagged = admin
        .post(
            &findings,
            &[
                (
                    "finding",
                    "Home conditions were judged visit by visit, not over time.",
                ),
                ("themes", theme.as_str()),
            ],
        )
        .await;
    saved("finding tagged with a theme", &tagged);

    admin.get("/learning/reviews/new").await;
    let mut fields = owned(&[
        ("reference", review_names[1].as_str()),
        ("review_type", "learning_circle"),
        ("subject", "Child A"),
        ("agencies", council.as_str()),
        ("agencies", police.as_str()),
        ("chair_role", "Learning and Improvement Officer"),
        (
            "summary",
            "Practitioners met to reflect on the rapid review's learning about neglect.",
        ),
        ("status", "completed"),
    ]);
    fields.extend(date_fields("started_on", date!(2024 - 10 - 01)));
    fields.extend(date_fields("completed_on", date!(2024 - 11 - 20)));
    let created = admin.post("/learning/reviews/new", &as_form(&fields)).await;
    saved("learning circle", &created);
    review_ids.push(created.location_id());

    // The rapid review's recommendation in the tracker, with two actions.
    let recommendation_reference = "REC-2024-01".to_owned();
    let source = rapid_review.to_string();
    admin
        .get(&format!(
            "/tracker/recommendations/new?source_kind=learning_review&source_id={rapid_review}"
        ))
        .await
        .assert_contains(&review_names[0]);
    let recorded = admin
        .post(
            "/tracker/recommendations/new",
            &[
                ("reference", recommendation_reference.as_str()),
                ("source_kind", "learning_review"),
                ("source_id", source.as_str()),
                ("source_label", ""),
                (
                    "recommendation",
                    "Practitioners use the neglect toolkit to judge home conditions over time.",
                ),
                ("priority_item_id", neglect.as_str()),
            ],
        )
        .await;
    saved("recommendation", &recorded);
    let recommendation_id = recorded.location_id();
    let recommendation_page = recorded.location().to_owned();
    let action_titles = vec![
        "Relaunch the neglect toolkit with multi-agency briefings".to_owned(),
        "Audit the use of the neglect toolkit in child protection plans".to_owned(),
    ];
    let mut action_ids = Vec::new();
    // A new action must be due in the future (the form refuses a past due date, and an edit may
    // keep but not set one): the earliest the pages allow.
    let due_on = today + time::Duration::days(30);
    for (title, owner, person, measure) in [
        (
            &action_titles[0],
            &council,
            person_ids[0],
            "Practitioners' confidence with the toolkit, before and after the briefings",
        ),
        (
            &action_titles[1],
            &police,
            person_ids[1],
            "Share of plans in the audit that used the toolkit",
        ),
    ] {
        admin.get(&recommendation_page).await;
        let mut fields = owned(&[
            ("title", title.as_str()),
            ("owner_organisation_id", owner.as_str()),
            ("impact_measure", measure),
        ]);
        fields.push(("owner_person_id".into(), person.to_string()));
        fields.push(("overseeing_group_id".into(), group_id.to_string()));
        fields.push(("impact_indicator_id".into(), indicator_ids[0].to_string()));
        fields.extend(date_fields("due_on", due_on));
        let added = admin
            .post(
                &format!("/tracker/recommendations/{recommendation_id}/actions"),
                &as_form(&fields),
            )
            .await;
        saved(&format!("action {title}"), &added);
        action_ids.push(added.location_id());
    }
    // The first is completed inside 2024/25, by the business unit on the action's page.
    let action_page = format!("/tracker/actions/{}", action_ids[0]);
    admin.get(&action_page).await;
    let mut fields = owned(&[(
        "completion_note",
        "Briefings held for 140 practitioners across the partnership.",
    )]);
    fields.extend(date_fields("completed_on", date!(2025 - 02 - 14)));
    fields.extend(date_fields("revisit_on", date!(2025 - 08 - 14)));
    let completed = admin
        .post(&format!("{action_page}/complete"), &as_form(&fields))
        .await;
    saved("complete the first action", &completed);

    // A risk on the register and a policy on the tracker.
    let risk_reference = "WSP-R-01".to_owned();
    admin.get("/tracker/risks/new").await;
    let mut fields = owned(&[
        ("reference", risk_reference.as_str()),
        ("title", "Front door capacity"),
        (
            "description",
            "Referrals rise faster than the front door's capacity to screen them.",
        ),
        ("cause", "Vacancies among experienced social workers."),
        ("effect", "Children wait longer for a decision."),
        ("owner_organisation_id", council.as_str()),
        ("owner_role", "Head of Service, Children's Social Care"),
        ("theme", "Neglect"),
        ("inherent_likelihood", "4"),
        ("inherent_impact", "4"),
        ("residual_likelihood", "3"),
        ("residual_impact", "3"),
        ("rationale", "Scored at the Executive."),
    ]);
    fields.extend(date_fields("review_on", today + time::Duration::days(90)));
    let created = admin.post("/tracker/risks/new", &as_form(&fields)).await;
    saved("risk", &created);
    let risk_id = created.location_id();

    let policy_title = "Neglect Strategy and Toolkit".to_owned();
    admin.get("/tracker/policies/new").await;
    let group = group_id.to_string();
    let mut fields = owned(&[
        ("title", policy_title.as_str()),
        ("owner_group_id", group.as_str()),
        ("status", "approved"),
        ("version", "2.0"),
        ("document_url", "https://warrington.example/neglect-toolkit"),
    ]);
    fields.extend(date_fields("approved_on", date!(2024 - 09 - 12)));
    fields.extend(date_fields("next_review_on", date!(2027 - 09 - 12)));
    let created = admin.post("/tracker/policies/new", &as_form(&fields)).await;
    saved("policy", &created);
    let policy_id = created.location_id();

    Onboarded {
        partnership_id,
        admin_email,
        data_lead_emails: vec![council_lead_email, police_lead_email],
        organisation_names,
        organisation_ids,
        people_names,
        person_ids,
        group_name,
        group_id,
        business_plan_name,
        business_plan_id,
        priority_titles,
        priority_ids,
        indicator_codes,
        indicator_names,
        indicator_ids,
        periods,
        approved_drops,
        incident_reference,
        incident_id,
        theme_name,
        review_names,
        review_ids,
        recommendation_reference,
        recommendation_id,
        action_titles,
        action_ids,
        risk_reference,
        risk_id,
        policy_title,
        policy_id,
    }
}

on_both_backends!(a_partnership_is_onboarded_through_pages_alone, |app| {
    let onboarded = onboard_through_pages(app).await;
    assert_ne!(onboarded.partnership_id, 1, "not the demo's partnership");

    // Nothing was written by demo code: partnership 1 (the migration's) holds no records, and
    // every audited change in Warrington is a signed-in person's or a data lead's API token's,
    // bar the test setup's.
    for sql in [
        "SELECT COUNT(*) FROM organisations WHERE partnership_id = 1",
        "SELECT COUNT(*) FROM users WHERE partnership_id = 1",
        "SELECT COUNT(*) FROM audit_events WHERE partnership_id = 1",
        "SELECT COUNT(*) FROM audit_events WHERE actor = 'demo loader'",
    ] {
        assert_eq!(app.count(sql).await, 0, "{sql}");
    }
    let unsigned: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor, action, summary FROM audit_events WHERE partnership_id = $1 AND actor_user_id IS NULL \
         AND actor <> 'tests' AND actor NOT LIKE 'API token of organisation %'",
    )
    .bind(onboarded.partnership_id)
    .fetch_all(&app.db.pool)
    .await
    .expect("audit events");
    assert!(
        unsigned.is_empty(),
        "every change after setup is a signed-in person's: {unsigned:#?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_drops WHERE status = 'approved'")
            .await,
        6
    );

    let mut admin = app.signed_in(&onboarded.admin_email).await;
    let organisations = admin.get("/partnership/organisations").await;
    for name in &onboarded.organisation_names {
        organisations.assert_contains(name);
    }
    admin
        .get(&format!("/partnership/groups/{}", onboarded.group_id))
        .await
        .assert_contains(&onboarded.people_names[0])
        .assert_contains(&onboarded.people_names[1]);
    let plan = admin
        .get(&format!(
            "/partnership/business-plans/{}",
            onboarded.business_plan_id
        ))
        .await;
    for title in &onboarded.priority_titles {
        plan.assert_contains(title);
    }

    // The scorecard shows both indicators and their latest approved values.
    let scorecard = admin.get("/dataset").await;
    assert_eq!(scorecard.status, StatusCode::OK);
    for name in &onboarded.indicator_names {
        scorecard.assert_contains(name);
    }
    scorecard.assert_contains("96.2").assert_contains("29");

    let reviews = admin.get("/learning/reviews").await;
    for name in &onboarded.review_names {
        reviews.assert_contains(name);
    }
    admin
        .get(&format!("/learning/reviews/{}", onboarded.review_ids[0]))
        .await
        .assert_contains(&onboarded.theme_name)
        .assert_contains(&onboarded.recommendation_reference);
    admin
        .get("/learning/notifications")
        .await
        .assert_contains(&onboarded.incident_reference);

    let tracker = admin.get("/tracker").await;
    for title in &onboarded.action_titles {
        tracker.assert_contains(title);
    }
    admin
        .get("/tracker/risks")
        .await
        .assert_contains(&onboarded.risk_reference);
    admin
        .get("/tracker/policies")
        .await
        .assert_contains(&onboarded.policy_title);
});
