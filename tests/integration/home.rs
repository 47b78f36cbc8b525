//! Each person's home page shows the work waiting for them, gathered from every module, most
//! urgent first, and a card for each area they may use; with nothing waiting, it says what they
//! will do here and who to ask.

use crate::on_both_backends;
use axum::http::StatusCode;

/// The home page's "waiting for you" list, as text, in its order.
fn waiting_items(body: &str) -> Vec<String> {
    let Some(start) = body.find("data-testid=\"work-waiting\"") else {
        return Vec::new();
    };
    let end = body[start..]
        .find("</ul>")
        .map_or(body.len(), |end| start + end);
    body[start..end]
        .split("<li>")
        .skip(1)
        .map(|item| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in item.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

on_both_backends!(each_role_sees_its_own_work_on_its_home_page, |app| {
    masa::demo::load(&app.db).await.unwrap();

    let mut admin = app.signed_in("admin@masa.example").await;
    let home = admin.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let items = waiting_items(&home.body);
    println!("business unit: {items:#?}");
    assert!(
        items
            .iter()
            .any(|item| item.contains("improvement actions overdue")),
        "{items:?}"
    );
    assert!(
        items.iter().any(|item| item.contains("chair term")),
        "{items:?}"
    );
    // Most urgent first: every overdue item before every other.
    let first_not_overdue = items
        .iter()
        .position(|item| !item.starts_with("Overdue"))
        .unwrap_or(items.len());
    assert!(
        items[first_not_overdue..]
            .iter()
            .all(|item| !item.starts_with("Overdue")),
        "{items:?}"
    );
    for area in [
        "/partnership",
        "/dataset",
        "/dataset/drops",
        "/learning",
        "/tracker",
        "/tracker/risks",
        "/tracker/policies",
        "/audit-trail",
        "/users",
    ] {
        home.assert_contains(&format!("<a class=\"govuk-link\" href=\"{area}\">"));
    }

    assert!(
        items
            .iter()
            .any(|item| item.contains("waiting for your decision")),
        "{items:?}"
    );

    // The police's data lead: their own drop for the quarter being collected.
    let mut lead = app.signed_in("police.data@masa.example").await;
    let home = lead.get("/").await;
    let items = waiting_items(&home.body);
    println!("data lead: {items:#?}");
    assert!(
        items
            .iter()
            .any(|item| item.contains("Your 2026-27 Q2 data drop")),
        "{items:?}"
    );
    home.assert_lacks("href=\"/users\"")
        .assert_lacks("/partnership/rotations");

    // The scrutineer: what others changed since the last visit.
    let mut scrutineer = app.signed_in("scrutineer@masa.example").await;
    let first = scrutineer.get("/").await;
    assert!(
        waiting_items(&first.body).is_empty(),
        "a first visit has no last visit"
    );
    first.assert_contains("Nothing has changed since your last visit");
    admin
        .post(
            "/partnership/organisations/new",
            &[
                ("name", "Halton Young Carers"),
                ("kind", "voluntary"),
                ("sector", "Voluntary and community"),
                ("active_from_day", "1"),
                ("active_from_month", "4"),
                ("active_from_year", "2025"),
            ],
        )
        .await;
    let mut again = app.signed_in("scrutineer@masa.example").await;
    let items = waiting_items(&again.get("/").await.body);
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(
        items[0].contains("1 change since your last visit"),
        "{items:?}"
    );

    // Those with nothing to do here are told what they will do and who to ask.
    for (email, says) in [
        ("practitioner@masa.example", "policies and procedures"),
        ("school.dsl@masa.example", "section 11 or section 175 audit"),
    ] {
        let mut person = app.signed_in(email).await;
        let home = person.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(waiting_items(&home.body).is_empty(), "{email}");
        home.assert_contains(says)
            .assert_contains("Ask the partnership business unit");
    }
});

on_both_backends!(
    a_chair_sees_their_groups_actions_and_their_rotation,
    |app| {
        masa::demo::load(&app.db).await.unwrap();

        // The demo chair chairs the Quality and Impact Group, which oversees some demo actions.
        let mut chair = app.signed_in("chair@masa.example").await;
        let home = chair.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        let items = waiting_items(&home.body);
        println!("chair: {items:#?}");
        assert!(
            items.iter().any(|item| item
                .contains("1 improvement action overseen by Quality and Impact Group overdue")),
            "{items:?}"
        );
        assert!(
            items.iter().any(|item| item
                .contains("1 completed action overseen by Quality and Impact Group due a revisit")),
            "{items:?}"
        );
        assert!(
            items.iter().any(|item| item
                .contains("Hand over as chair of Quality and Impact Group – due 31 January 2027")),
            "{items:?}"
        );
        // The action their group oversees is not counted again as their organisation's.
        assert!(
            items
                .iter()
                .all(|item| !item.contains("of your organisation")),
            "{items:?}"
        );
        // The item links to the tracker narrowed to the group's overdue actions.
        let start = home
            .body
            .find("/tracker?overseeing_group=")
            .expect("a link to the group's actions");
        let href = &home.body[start..start + home.body[start..].find('"').unwrap()];
        let href = href.replace("&#38;", "&").replace("&amp;", "&");
        assert!(href.ends_with("&status=overdue"), "{href}");
        let list = chair.get(&href).await;
        assert_eq!(list.status, StatusCode::OK);
        list.assert_contains("Report every learning recommendation")
            // Overdue, but overseen by the Health Operational Group.
            .assert_lacks("Health attendance at strategy meetings");

        // The business unit sees every action already: no group's items beside them.
        let mut admin = app.signed_in("admin@masa.example").await;
        let items = waiting_items(&admin.get("/").await.body);
        assert!(
            items.iter().all(|item| !item.contains("overseen by")),
            "{items:?}"
        );
    }
);
