//! The partnership module as the business unit uses it: create, list, view, edit and archive
//! organisations, people, groups, memberships and business plans; and the bad input each refuses.

use crate::on_both_backends;
use axum::http::StatusCode;

const NEW_AGENCY: [(&str, &str); 6] = [
    ("name", "Halton Young Carers"),
    ("kind", "voluntary"),
    ("sector", "Voluntary and community"),
    ("active_from_day", "1"),
    ("active_from_month", "4"),
    ("active_from_year", "2025"),
];

on_both_backends!(
    organisations_are_created_listed_edited_archived_and_audited,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;
        admin
            .get("/partnership/organisations/new")
            .await
            .assert_contains("Add an organisation");
        let created = admin
            .post("/partnership/organisations/new", &NEW_AGENCY)
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let page = admin.get(created.location()).await;
        page.assert_contains("Halton Young Carers added")
            .assert_contains("1 April 2025")
            .assert_contains("Voluntary and community sector");
        // The notification shows once.
        admin
            .get(created.location())
            .await
            .assert_lacks("Halton Young Carers added");
        admin
            .get("/partnership/organisations?kind=voluntary")
            .await
            .assert_contains("Halton Young Carers")
            .assert_lacks("Cheshire Constabulary");
        admin
            .get("/partnership/organisations?q=young+carers")
            .await
            .assert_contains("Halton Young Carers");

        let id = created.location().rsplit('/').next().unwrap().to_owned();
        admin
            .get(&format!("/partnership/organisations/{id}/edit"))
            .await
            .assert_contains("value=\"Halton Young Carers\"");
        let mut edited = NEW_AGENCY.to_vec();
        edited[0] = ("name", "Halton Young Carers Service");
        assert_eq!(
            admin
                .post(&format!("/partnership/organisations/{id}/edit"), &edited)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let archived = admin
            .post(&format!("/partnership/organisations/{id}/archive"), &[])
            .await;
        assert_eq!(archived.status, StatusCode::SEE_OTHER);
        admin
            .get(archived.location())
            .await
            .assert_contains("Halton Young Carers Service archived");
        admin
            .get("/partnership/organisations")
            .await
            .assert_lacks("Halton Young Carers Service");
        admin
            .get("/partnership/organisations?archived=yes")
            .await
            .assert_contains("Halton Young Carers Service");
        assert_eq!(
            admin
                .post(&format!("/partnership/organisations/{id}/restore"), &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );

        // Every change is in the trail with its before and after values.
        let trail = admin
            .get(&format!(
                "/audit-trail?entity_type=organisation&entity_id={id}"
            ))
            .await;
        trail
            .assert_contains("4 entries")
            .assert_contains("Created organisation Halton Young Carers")
            .assert_contains("Archived organisation");
        let (event_id, before, after) = sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(
        "SELECT id, before_values, after_values FROM audit_events WHERE entity_type = 'organisation' AND action = 'update' AND entity_id = $1",
    )
    .bind(id.parse::<i64>().unwrap())
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
        assert!(before.unwrap().contains("\"name\":\"Halton Young Carers\""));
        assert!(
            after
                .unwrap()
                .contains("\"name\":\"Halton Young Carers Service\"")
        );
        let detail = admin.get(&format!("/audit-trail/{event_id}")).await;
        detail
            .assert_contains("Values before and after")
            .assert_contains("Halton Young Carers Service")
            .assert_contains("admin@masa.example");
    }
);

on_both_backends!(
    bad_organisation_input_is_named_and_nothing_is_saved,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;
        let before = app.count("SELECT COUNT(*) FROM organisations").await;
        let long_name = "x".repeat(151);
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (
                vec![("name", ""), ("kind", ""), ("sector", "")],
                "Enter name",
            ),
            (
                vec![
                    ("name", &long_name),
                    ("kind", "school"),
                    ("sector", "Education"),
                ],
                "Name must be 150 characters or fewer",
            ),
            (
                vec![
                    ("name", "halton borough council"),
                    ("kind", "school"),
                    ("sector", "Education"),
                    ("active_from_day", "1"),
                    ("active_from_month", "1"),
                    ("active_from_year", "2020"),
                ],
                "An organisation with this name already exists",
            ),
            (
                vec![
                    ("name", "Somewhere"),
                    ("kind", "pirate"),
                    ("sector", "Other"),
                ],
                "Select the type of organisation",
            ),
            (
                vec![
                    ("name", "Somewhere"),
                    ("kind", "other"),
                    ("sector", "Other"),
                    ("active_from_day", "31"),
                    ("active_from_month", "2"),
                    ("active_from_year", "2025"),
                ],
                "Active from must be a real date",
            ),
            (
                vec![
                    ("name", "Somewhere"),
                    ("kind", "other"),
                    ("sector", "Other"),
                    ("active_from_day", "1"),
                    ("active_from_month", "2"),
                    ("active_from_year", ""),
                ],
                "Active from must include a year",
            ),
        ];
        for (fields, message) in cases {
            let response = admin.post("/partnership/organisations/new", &fields).await;
            assert_eq!(
                response.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{message}"
            );
            response
                .assert_contains("govuk-error-summary")
                .assert_contains(message);
        }
        // What was typed comes back, escaped.
        let script = admin
            .post(
                "/partnership/organisations/new",
                &[("name", "<script>alert(1)</script>"), ("kind", "")],
            )
            .await;
        script
            .assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            .assert_lacks("<script>alert(1)");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM organisations").await,
            before
        );

        // Script saved as a name is shown as text everywhere.
        let mut fields = NEW_AGENCY.to_vec();
        fields[0] = ("name", "<img src=x onerror=alert(1)> Agency");
        let created = admin.post("/partnership/organisations/new", &fields).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER);
        admin
            .get(created.location())
            .await
            .assert_contains("&#60;img src=x onerror=alert(1)&#62; Agency")
            .assert_lacks("<img src=x");
        admin
            .get("/partnership/organisations")
            .await
            .assert_lacks("<img src=x");
        admin.get("/audit-trail").await.assert_lacks("<img src=x");

        // Unknown and non-numeric ids are "not found", not errors.
        assert_eq!(
            admin.get("/partnership/organisations/987654").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            admin.get("/partnership/organisations/abc").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

async fn id_of(app: &crate::support::TestApp, sql: &'static str, name: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

on_both_backends!(groups_memberships_and_rotations, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let slg = id_of(
        app,
        "SELECT id FROM partnership_groups WHERE name LIKE $1",
        "%Strategic Leadership%",
    )
    .await;
    let slg_text = slg.to_string();
    let created = admin
        .post(
            "/partnership/groups/new",
            &[
                ("name", "Neglect Strategy Task and Finish Group"),
                ("kind", "task_and_finish_group"),
                ("parent_group_id", &slg_text),
                ("meets", "Monthly until March 2027"),
                (
                    "terms_of_reference",
                    "Refresh the neglect strategy and toolkit.",
                ),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let group = created.location().to_owned();
    admin
        .get(&group)
        .await
        .assert_contains("Refresh the neglect strategy and toolkit.")
        .assert_contains("Task and finish group");
    admin
        .get("/partnership/groups")
        .await
        .assert_contains("Neglect Strategy Task and Finish Group");

    // A group cannot report to one that reports to it.
    let group_id = group.rsplit('/').next().unwrap();
    let executive = id_of(
        app,
        "SELECT id FROM partnership_groups WHERE kind = $1",
        "executive",
    )
    .await;
    let circular = admin
        .post(
            &format!("/partnership/groups/{executive}/edit"),
            &[
                ("name", "HSCP Executive"),
                ("kind", "executive"),
                ("parent_group_id", group_id),
                ("meets", "Quarterly"),
                ("terms_of_reference", "Leads."),
            ],
        )
        .await;
    assert_eq!(circular.status, StatusCode::UNPROCESSABLE_ENTITY);
    circular.assert_contains("cannot report to itself or to a group that reports to it");

    let person = id_of(app, "SELECT id FROM people WHERE email LIKE $1", "%")
        .await
        .to_string();
    let chair = [
        ("person_id", person.as_str()),
        ("position", "chair"),
        ("started_on_day", "1"),
        ("started_on_month", "12"),
        ("started_on_year", "2026"),
        ("term_ends_on_day", "31"),
        ("term_ends_on_month", "1"),
        ("term_ends_on_year", "2027"),
    ];
    let added = admin
        .post(
            &format!("/partnership/groups/{group_id}/members/new"),
            &chair,
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    // The same person again, as a second chair: both refused, nothing added.
    let memberships = app.count("SELECT COUNT(*) FROM group_memberships").await;
    let again = admin
        .post(
            &format!("/partnership/groups/{group_id}/members/new"),
            &chair,
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again
        .assert_contains("already a member")
        .assert_contains("already has a chair");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM group_memberships").await,
        memberships
    );
    // A term that ends within 90 days shows on the rotations page.
    admin
        .get("/partnership/rotations")
        .await
        .assert_contains("Neglect Strategy Task and Finish Group")
        .assert_contains("Due within 90 days")
        .assert_contains("Term ended");

    // Ending a membership through another group's URL is refused.
    let membership: i64 = sqlx::query_scalar("SELECT MAX(id) FROM group_memberships")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        admin
            .post(
                &format!("/partnership/groups/{executive}/members/{membership}/end"),
                &[]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .post(
                &format!("/partnership/groups/{group_id}/members/{membership}/end"),
                &[]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let ended: Option<String> =
        sqlx::query_scalar("SELECT ended_on FROM group_memberships WHERE id = $1")
            .bind(membership)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(ended.is_some());
});

on_both_backends!(people_and_business_plans, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let police = id_of(
        app,
        "SELECT id FROM organisations WHERE name = $1",
        "Cheshire Constabulary",
    )
    .await
    .to_string();
    // The organisation pick-list: statutory partners first, then a group per kind (schools
    // together), searchable where scripts run.
    let form = admin.get("/partnership/people/new").await;
    form.assert_contains("data-module=\"masa-autocomplete\"");
    let statutory = form
        .body
        .find("<optgroup label=\"Statutory partners\"")
        .expect("statutory partners");
    let police_option = form
        .body
        .find(&format!("<option value=\"{police}\""))
        .expect("the police");
    let schools = form
        .body
        .find("<optgroup label=\"Schools and colleges\"")
        .expect("schools");
    assert!(statutory < police_option && police_option < schools);
    let bad = admin
        .post(
            "/partnership/people/new",
            &[
                ("organisation_id", "424242"),
                ("name", ""),
                ("job_title", "Analyst"),
                ("email", "not an email"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Select the organisation this person works for")
        .assert_contains("Enter name or role title")
        .assert_contains("correct format");
    let person = admin
        .post(
            "/partnership/people/new",
            &[
                ("organisation_id", &police),
                ("name", "Missing From Home Coordinator"),
                ("job_title", "Coordinator"),
                ("email", "mfh@police.example"),
            ],
        )
        .await;
    assert_eq!(person.status, StatusCode::SEE_OTHER, "{}", person.body);
    admin
        .get(person.location())
        .await
        .assert_contains("Missing From Home Coordinator")
        .assert_contains("Cheshire Constabulary");
    let duplicate = admin
        .post(
            "/partnership/people/new",
            &[
                ("organisation_id", &police),
                ("name", "Someone Else"),
                ("job_title", "Coordinator"),
                ("email", "MFH@police.example"),
            ],
        )
        .await;
    duplicate.assert_contains("Someone with this email address is already recorded");
    admin
        .get(&format!("/partnership/people?organisation={police}"))
        .await
        .assert_contains("Missing From Home Coordinator");

    let plans = admin.get("/partnership/business-plans").await;
    plans.assert_contains("2024");
    let plan = admin
        .post(
            "/partnership/business-plans/new",
            &[
                ("name", "Business Plan 2027–30"),
                ("starts_on_day", "1"),
                ("starts_on_month", "4"),
                ("starts_on_year", "2027"),
                ("ends_on_day", "31"),
                ("ends_on_month", "3"),
                ("ends_on_year", "2027"),
            ],
        )
        .await;
    assert_eq!(plan.status, StatusCode::UNPROCESSABLE_ENTITY);
    plan.assert_contains("End date must be after the start date");
    let plan = admin
        .post(
            "/partnership/business-plans/new",
            &[
                ("name", "Business Plan 2027–30"),
                ("starts_on_day", "1"),
                ("starts_on_month", "4"),
                ("starts_on_year", "2027"),
                ("ends_on_day", "31"),
                ("ends_on_month", "3"),
                ("ends_on_year", "2030"),
            ],
        )
        .await;
    assert_eq!(plan.status, StatusCode::SEE_OTHER);
    let plan_path = plan.location().to_owned();
    let item = admin
        .post(
            &format!("{plan_path}/items/new"),
            &[
                ("kind", "priority"),
                ("title", "Neglect"),
                (
                    "description",
                    "Improving the quality and timeliness of practice.",
                ),
            ],
        )
        .await;
    assert_eq!(item.status, StatusCode::SEE_OTHER);
    let theme = admin
        .post(
            &format!("{plan_path}/items/new"),
            &[
                ("kind", "cross_cutting_theme"),
                ("title", "Voice of the child"),
                ("description", "Children shape what we do."),
            ],
        )
        .await;
    assert_eq!(theme.status, StatusCode::SEE_OTHER);
    admin
        .get(&plan_path)
        .await
        .assert_contains("Neglect")
        .assert_contains("Voice of the child");
    let empty = admin
        .post(
            &format!("{plan_path}/items/new"),
            &[("kind", "motto"), ("title", ""), ("description", "")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("Select whether this is a priority or a cross-cutting theme");
    // An item of one plan cannot be edited through another plan's URL.
    let demo_plan = id_of(
        app,
        "SELECT id FROM business_plans WHERE name LIKE $1",
        "%2024%",
    )
    .await;
    let item_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM business_plan_priorities")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        admin
            .get(&format!(
                "/partnership/business-plans/{demo_plan}/items/{item_id}/edit"
            ))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});

on_both_backends!(
    the_overview_shows_structure_rotations_and_the_current_plan,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut chair = app.signed_in("chair@masa.example").await;
        let overview = chair.get("/partnership").await;
        assert_eq!(overview.status, StatusCode::OK);
        overview
            .assert_contains("in relation to neglect")
            .assert_contains("Term ended");
        // Rotation warnings go to the business unit and the group's own chair only; this chair
        // chairs none of the groups whose terms are ending.
        chair.get("/").await.assert_lacks("/partnership/rotations");
        let mut admin = app.signed_in("admin@masa.example").await;
        admin
            .get("/")
            .await
            .assert_contains("href=\"/partnership/rotations\"");
    }
);

/// A date as the GOV.UK date input sends it: three fields named after it.
fn date_fields(name: &str, date: time::Date) -> [(String, String); 3] {
    [
        (format!("{name}_day"), date.day().to_string()),
        (format!("{name}_month"), u8::from(date.month()).to_string()),
        (format!("{name}_year"), date.year().to_string()),
    ]
}

/// A membership form: a position and a term end, and when adding, the person and start date.
fn membership_fields(
    person: Option<(i64, time::Date)>,
    position: &str,
    term_ends: time::Date,
) -> Vec<(String, String)> {
    let mut fields = vec![("position".to_owned(), position.to_owned())];
    if let Some((person_id, started)) = person {
        fields.push(("person_id".to_owned(), person_id.to_string()));
        fields.extend(date_fields("started_on", started));
    }
    fields.extend(date_fields("term_ends_on", term_ends));
    fields
}

fn as_form(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// The rotations page's row for a group's chair or vice-chair.
fn rotation_row<'a>(page: &'a str, group: &str) -> &'a str {
    let start = page
        .find(&format!(">{group}</a>"))
        .expect("the group is on the rotations page");
    let end = start + page[start..].find("</tr>").expect("the row ends");
    &page[start..end]
}

on_both_backends!(
    a_chairs_term_is_extended_and_a_second_chair_refused,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;
        let today = time::OffsetDateTime::now_utc().date();
        let started = today - time::Duration::days(300);
        let ends_soon = today + time::Duration::days(30);
        let extended = today + time::Duration::days(3 * 365);
        let name = "Child Exploitation Task and Finish Group";
        let created = admin
            .post(
                "/partnership/groups/new",
                &[
                    ("name", name),
                    ("kind", "task_and_finish_group"),
                    ("parent_group_id", ""),
                    ("meets", "Monthly"),
                    ("terms_of_reference", "Review the exploitation pathway."),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let group = created.location().to_owned();
        let group_id: i64 = group.rsplit('/').next().unwrap().parse().unwrap();
        let email = "SELECT id FROM people WHERE email = $1";
        let chair_person = id_of(app, email, "chief.executive@halton-council.example").await;
        let member_person = id_of(app, email, "chief.constable@cheshire-police.example").await;
        for (person, position) in [(chair_person, "chair"), (member_person, "member")] {
            let fields = membership_fields(Some((person, started)), position, ends_soon);
            let added = admin
                .post(&format!("{group}/members/new"), &as_form(&fields))
                .await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        }
        let membership_of = |person: i64| async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM group_memberships WHERE group_id = $1 AND person_id = $2",
            )
            .bind(group_id)
            .bind(person)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
        };
        let chair = membership_of(chair_person).await;
        let member = membership_of(member_person).await;
        let rotations = admin.get("/partnership/rotations").await;
        let row = rotation_row(&rotations.body, name);
        assert!(row.contains("Due within 90 days"), "{row}");
        assert!(
            row.contains(&masa::kernel::text::long_date(ends_soon)),
            "{row}"
        );

        // The group page links to each member's edit page; the person is shown, not chosen.
        admin
            .get(&group)
            .await
            .assert_contains(&format!("{group}/members/{chair}/edit"))
            .assert_contains("membership of Chief Executive of Halton Borough Council</span>");
        admin
            .get(&format!("{group}/members/{chair}/edit"))
            .await
            .assert_contains("Change Chief Executive of Halton Borough Council's membership")
            .assert_contains("name=\"term_ends_on_day\"")
            .assert_lacks("name=\"person_id\"")
            .assert_lacks("name=\"started_on_day\"");

        // Extending the chair's term moves it off the rotations due.
        let extend = membership_fields(None, "chair", extended);
        let saved = admin
            .post(&format!("{group}/members/{chair}/edit"), &as_form(&extend))
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(saved.location(), group);
        admin
            .get(&group)
            .await
            .assert_contains(&format!("membership of {name} updated"));
        let rotations = admin.get("/partnership/rotations").await;
        let row = rotation_row(&rotations.body, name);
        assert!(row.contains("Later"), "{row}");
        assert!(
            row.contains(&masa::kernel::text::long_date(extended)),
            "{row}"
        );
        assert!(!row.contains("Due within 90 days"), "{row}");
        let (before, after) = sqlx::query_as::<_, (String, String)>(
            "SELECT before_values, after_values FROM audit_events \
         WHERE entity_type = 'group_membership' AND action = 'update' AND entity_id = $1",
        )
        .bind(chair)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let before: serde_json::Value = serde_json::from_str(&before).unwrap();
        let after: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(
            before["term_ends_on"],
            serde_json::to_value(ends_soon).unwrap()
        );
        assert_eq!(
            after["term_ends_on"],
            serde_json::to_value(extended).unwrap()
        );
        assert_eq!(after["person_id"], chair_person);

        // A membership of this group through another group's URL is not found, and unchanged.
        let executive = id_of(
            app,
            "SELECT id FROM partnership_groups WHERE kind = $1",
            "executive",
        )
        .await;
        let forged = format!("/partnership/groups/{executive}/members/{chair}/edit");
        assert_eq!(admin.get(&forged).await.status, StatusCode::NOT_FOUND);
        let member_edit = membership_fields(None, "member", ends_soon);
        admin.get("/account").await;
        assert_eq!(
            admin.post(&forged, &as_form(&member_edit)).await.status,
            StatusCode::NOT_FOUND
        );

        // A second chair, by changing a member's position, is refused and nothing changes.
        let audit_rows = app.count("SELECT COUNT(*) FROM audit_events").await;
        admin.get("/account").await;
        let second = admin
            .post(&format!("{group}/members/{member}/edit"), &as_form(&extend))
            .await;
        assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
        second
            .assert_contains("govuk-error-summary")
            .assert_contains("The group already has a chair. End their membership first");
        let positions: Vec<String> = sqlx::query_scalar(
            "SELECT position FROM group_memberships WHERE group_id = $1 ORDER BY position",
        )
        .bind(group_id)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(positions, ["chair", "member"]);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events").await,
            audit_rows
        );

        // An ended membership is history: it cannot be changed.
        let end = admin
            .post(&format!("{group}/members/{member}/end"), &[])
            .await;
        assert_eq!(end.status, StatusCode::SEE_OTHER);
        let ended = admin.get(&format!("{group}/members/{member}/edit")).await;
        assert_eq!(ended.status, StatusCode::BAD_REQUEST);
        ended.assert_contains("This membership has ended and cannot be changed");
    }
);

on_both_backends!(archived_people_groups_and_plans_are_restored, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut admin = app.signed_in("admin@masa.example").await;
    let person = id_of(
        app,
        "SELECT id FROM people WHERE email = $1",
        "chief.constable@cheshire-police.example",
    )
    .await;
    let group = id_of(
        app,
        "SELECT id FROM partnership_groups WHERE name = $1",
        "Vulnerable Learners Board",
    )
    .await;
    let plan_name: String = sqlx::query_scalar("SELECT name FROM business_plans")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let plan = id_of(
        app,
        "SELECT id FROM business_plans WHERE name = $1",
        &plan_name,
    )
    .await;
    let records = [
        (
            "people",
            "person",
            person,
            "Chief Constable of Cheshire Constabulary",
        ),
        ("groups", "group", group, "Vulnerable Learners Board"),
        ("business-plans", "business_plan", plan, plan_name.as_str()),
    ];
    for (pages, _, id, name) in records {
        let page = format!("/partnership/{pages}/{id}");
        let archived = admin.post(&format!("{page}/archive"), &[]).await;
        assert_eq!(archived.status, StatusCode::SEE_OTHER);
        admin
            .get(archived.location())
            .await
            .assert_contains(&format!("{name} archived"));
        admin
            .get(&format!("/partnership/{pages}"))
            .await
            .assert_lacks(name);
        admin
            .get(&page)
            .await
            .assert_contains(&format!("action=\"{page}/restore\""));
    }

    // A scrutineer sees no Restore button and is refused; nothing changes.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    let audit_rows = app.count("SELECT COUNT(*) FROM audit_events").await;
    for (pages, _, id, _) in records {
        let page = format!("/partnership/{pages}/{id}");
        scrutineer.get(&page).await.assert_lacks("/restore\"");
        let refused = scrutineer.post(&format!("{page}/restore"), &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{page}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        audit_rows
    );

    // The business unit restores each: listed again, editable, and in the trail.
    for (pages, entity_type, id, name) in records {
        let page = format!("/partnership/{pages}/{id}");
        let restored = admin.post(&format!("{page}/restore"), &[]).await;
        assert_eq!(restored.status, StatusCode::SEE_OTHER);
        assert_eq!(restored.location(), page);
        admin
            .get(&page)
            .await
            .assert_contains(&format!("{name} restored"))
            .assert_contains(&format!("{page}/edit"))
            .assert_lacks(&format!("{page}/restore"));
        admin
            .get(&format!("/partnership/{pages}"))
            .await
            .assert_contains(name);
        let restores: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events \
             WHERE entity_type = $1 AND entity_id = $2 AND action = 'restore'",
        )
        .bind(entity_type)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(restores, 1, "{entity_type}");
        // Restoring what is not archived changes nothing.
        admin.get("/account").await;
        assert_eq!(
            admin.post(&format!("{page}/restore"), &[]).await.status,
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'restore'")
            .await,
        3
    );
    admin
        .get(&format!("/audit-trail?entity_type=group&entity_id={group}"))
        .await
        .assert_contains("Restored group Vulnerable Learners Board");
});

on_both_backends!(each_partnership_keeps_its_own_structure, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let warrington = app.second_partnership().await;
    let mut admin = app
        .signed_in(warrington.email(masa::kernel::Role::BusinessUnitAdmin))
        .await;
    let own = warrington.organisation_id.to_string();
    let halton_police = id_of(
        app,
        "SELECT id FROM organisations WHERE name = $1",
        "Cheshire Constabulary",
    )
    .await
    .to_string();
    let halton_group = id_of(
        app,
        "SELECT id FROM partnership_groups WHERE name LIKE $1",
        "%Strategic Leadership%",
    )
    .await
    .to_string();
    let halton_person = id_of(app, "SELECT id FROM people WHERE email LIKE $1", "%")
        .await
        .to_string();

    // The header names the partnership; the overview counts only its own.
    let overview = admin.get("/partnership").await;
    overview
        .assert_contains("Warrington Safeguarding Partnership")
        .assert_lacks("Halton");

    // Names unique in one partnership are free in another.
    let same_name = admin
        .post(
            "/partnership/organisations/new",
            &[
                ("name", "Cheshire Constabulary"),
                ("kind", "statutory_partner"),
                ("sector", "Police"),
                ("active_from_day", "1"),
                ("active_from_month", "4"),
                ("active_from_year", "2019"),
            ],
        )
        .await;
    assert_eq!(
        same_name.status,
        StatusCode::SEE_OTHER,
        "{}",
        same_name.body
    );

    // Another partnership's organisation, group or person named in a form: refused, nothing saved.
    let people_before = app.count("SELECT COUNT(*) FROM people").await;
    let forged_person = admin
        .post(
            "/partnership/people/new",
            &[
                ("organisation_id", &halton_police),
                ("name", "Data Analyst"),
                ("job_title", "Analyst"),
                ("email", "analyst@warrington.example"),
            ],
        )
        .await;
    assert_eq!(forged_person.status, StatusCode::UNPROCESSABLE_ENTITY);
    forged_person.assert_contains("Select the organisation this person works for");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM people").await,
        people_before
    );

    let groups_before = app.count("SELECT COUNT(*) FROM partnership_groups").await;
    let forged_parent = admin
        .post(
            "/partnership/groups/new",
            &[
                ("name", "Warrington Neglect Group"),
                ("kind", "task_and_finish_group"),
                ("parent_group_id", &halton_group),
                ("meets", "Monthly"),
                ("terms_of_reference", "Neglect."),
            ],
        )
        .await;
    assert_eq!(forged_parent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM partnership_groups").await,
        groups_before
    );

    let group = admin
        .post(
            "/partnership/groups/new",
            &[
                ("name", "Warrington Executive"),
                ("kind", "executive"),
                ("parent_group_id", ""),
                ("meets", "Quarterly"),
                ("terms_of_reference", "Leads."),
            ],
        )
        .await;
    assert_eq!(group.status, StatusCode::SEE_OTHER, "{}", group.body);
    let group_id = group.location().rsplit('/').next().unwrap().to_owned();
    let memberships_before = app.count("SELECT COUNT(*) FROM group_memberships").await;
    let forged_member = admin
        .post(
            &format!("/partnership/groups/{group_id}/members/new"),
            &[
                ("person_id", halton_person.as_str()),
                ("position", "member"),
                ("started_on_day", "1"),
                ("started_on_month", "12"),
                ("started_on_year", "2026"),
            ],
        )
        .await;
    assert_eq!(forged_member.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM group_memberships").await,
        memberships_before
    );

    // Its own records show; Halton's do not, and Halton's never show Warrington's.
    admin
        .get("/partnership/organisations")
        .await
        .assert_contains("Warrington Borough Council")
        .assert_lacks("Halton Borough Council");
    admin
        .get(&format!("/partnership/organisations/{own}"))
        .await
        .assert_contains("Warrington Borough Council");
    let mut halton = app.signed_in("admin@masa.example").await;
    halton
        .get("/partnership/groups")
        .await
        .assert_contains("Strategic Leadership")
        .assert_lacks("Warrington Executive");
    assert_eq!(
        halton
            .get(&format!("/partnership/groups/{group_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    halton
        .get("/partnership")
        .await
        .assert_contains("Halton Safeguarding Children Partnership");
});
