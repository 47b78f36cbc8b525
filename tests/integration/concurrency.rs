//! Concurrent writers: saves into one data drop from the API, the form and spreadsheet uploads
//! lose no acknowledged value and never answer 5xx; two first saves make one draft; tracker
//! state changes and risk re-scores lose no update. Requests run side by side through the
//! router, in process (futures joined on one task interleave at every database await).

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use futures_util::future::{join, join_all};
use tower::ServiceExt;

use crate::on_both_backends;
use crate::support::{Browser, TestApp};

/// A request through the router, answering its status and body.
async fn call(app: &TestApp, request: Request<Body>) -> (StatusCode, String) {
    let response = app
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn api_request(token: &str, method: &str, path: &str, body: String) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("request")
}

/// Saves one value through the API; the status, and the drop's id when it was acknowledged.
async fn api_save(
    app: &TestApp,
    token: &str,
    period: &str,
    code: &str,
    value: f64,
) -> (StatusCode, Option<i64>) {
    let body = serde_json::json!({
        "period": period,
        "values": [{ "indicator_code": code, "value": value }],
    });
    let (status, text) = call(
        app,
        api_request(token, "POST", "/api/v1/data-drops", body.to_string()),
    )
    .await;
    let id = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|body| body["id"].as_i64());
    (status, id.filter(|_| status == StatusCode::CREATED))
}

/// The organisation's indicator codes, by the API.
async fn indicator_codes(app: &TestApp, token: &str) -> Vec<String> {
    let (status, text) = call(
        app,
        api_request(token, "GET", "/api/v1/indicators", String::new()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    body["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .map(|indicator| indicator["code"].as_str().expect("code").to_owned())
        .collect()
}

async fn organisation(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .expect("organisation")
}

/// The quarter being collected (the demo's open period), as the API names it.
async fn open_period(app: &TestApp) -> String {
    let key: String = sqlx::query_scalar(
        "SELECT period_start FROM collection_periods WHERE closed_at IS NULL ORDER BY period_start DESC",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("an open period");
    masa::dataset::model::Quarter::parse(&key)
        .expect("quarter")
        .label()
}

/// A drop's values by indicator code.
async fn values_by_code(app: &TestApp, drop_id: i64) -> HashMap<String, f64> {
    let rows: Vec<(String, f64)> = sqlx::query_as(
        "SELECT i.code, v.value FROM data_values v JOIN indicators i ON i.id = v.indicator_id \
         WHERE v.data_drop_id = $1",
    )
    .bind(drop_id)
    .fetch_all(&app.db.pool)
    .await
    .expect("values");
    rows.into_iter().collect()
}

fn assert_no_server_error(statuses: &[StatusCode], what: &str) {
    let failed = statuses.iter().filter(|s| s.is_server_error()).count();
    assert_eq!(
        failed,
        0,
        "{what}: {failed} of {} requests answered 5xx",
        statuses.len()
    );
}

const ROUNDS: usize = 6;

on_both_backends!(
    simultaneous_api_saves_keep_every_acknowledged_value,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut lead = app.signed_in("police.data@masa.example").await;
        let token = lead.new_api_token("Concurrency test").await;
        let codes = indicator_codes(app, &token).await;
        let period = open_period(app).await;
        let mut statuses = Vec::new();
        let mut lost = Vec::new();
        for round in 0..ROUNDS {
            // Every indicator at once, each with a value of its own for this round.
            let value = |index: usize| (round * codes.len() + index + 1) as f64;
            let saves = codes
                .iter()
                .enumerate()
                .map(|(index, code)| api_save(app, &token, &period, code, value(index)));
            let answers = join_all(saves).await;
            statuses.extend(answers.iter().map(|(status, _)| *status));
            let mut drops: Vec<i64> = answers.iter().filter_map(|(_, id)| *id).collect();
            drops.dedup();
            assert!(drops.len() <= 1, "one draft takes every save: {drops:?}");
            let Some(&drop_id) = drops.first() else {
                continue;
            };
            let saved = values_by_code(app, drop_id).await;
            for (index, (status, _)) in answers.iter().enumerate() {
                if *status == StatusCode::CREATED && saved.get(&codes[index]) != Some(&value(index))
                {
                    lost.push((round, codes[index].clone()));
                }
            }
        }
        let acknowledged = statuses
            .iter()
            .filter(|status| **status == StatusCode::CREATED)
            .count();
        assert_no_server_error(&statuses, "simultaneous API saves");
        assert!(
            lost.is_empty(),
            "{} of {acknowledged} acknowledged values lost: {lost:?}",
            lost.len()
        );
        assert_eq!(acknowledged, statuses.len(), "every save is acknowledged");
    }
);

fn upload_request(
    path: &str,
    cookie: &str,
    csrf: &str,
    filename: &str,
    bytes: &[u8],
) -> Request<Body> {
    crate::support::multipart_request(
        path,
        cookie,
        &[("csrf_token", csrf)],
        Some((filename, bytes)),
    )
}

on_both_backends!(an_upload_racing_api_saves_keeps_their_values, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let draft = crate::dataset::police_draft(app).await;
    let mut lead = app.signed_in("police.data@masa.example").await;
    let token = lead.new_api_token("Concurrency test").await;
    lead.get(&format!("/dataset/drops/{draft}")).await;
    let cookie = lead.cookie.clone().expect("signed in");
    let csrf = lead.csrf.clone().expect("csrf token");
    let codes = indicator_codes(app, &token).await;
    let period = open_period(app).await;
    let (uploaded, by_api) = codes.split_at(1);
    let upload_path = format!("/dataset/drops/{draft}/upload");
    let mut statuses = Vec::new();
    let mut lost = Vec::new();
    for round in 0..ROUNDS {
        let value = |index: usize| (round * codes.len() + index + 1) as f64;
        let file = format!(
            "indicator_code,indicator_name,period,value,note\n{},,{period},{},\n",
            uploaded[0],
            round + 1
        );
        // Two uploads, each starting while API saves are under way; each API writer saves its
        // indicator three times in turn, so the last of its values must stand.
        let uploads = (0..2).map(|turn| {
            let (file, cookie, csrf, upload_path) = (&file, &cookie, &csrf, &upload_path);
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(5 + 10 * turn)).await;
                let (status, body) = call(
                    app,
                    upload_request(upload_path, cookie, csrf, "drop.csv", file.as_bytes()),
                )
                .await;
                assert!(
                    status == StatusCode::SEE_OTHER || status.is_server_error(),
                    "upload answered {status}: {body}"
                );
                status
            }
        });
        let writers = by_api.iter().enumerate().map(|(index, code)| {
            let (token, period) = (&token, &period);
            async move {
                let mut answers = Vec::new();
                for turn in 0..3 {
                    let value = value(index) + 30.0 * turn as f64;
                    answers.push((api_save(app, token, period, code, value).await, value));
                }
                answers
            }
        });
        let (uploads, writers) = join(join_all(uploads), join_all(writers)).await;
        statuses.extend(uploads);
        let saved = values_by_code(app, draft).await;
        for (index, answers) in writers.iter().enumerate() {
            for ((status, id), _) in answers {
                statuses.push(*status);
                if *status == StatusCode::CREATED {
                    assert_eq!(*id, Some(draft), "the API saves into the open draft");
                }
            }
            let acknowledged = answers
                .iter()
                .rev()
                .find(|((status, _), _)| *status == StatusCode::CREATED)
                .map(|(_, value)| *value);
            if let Some(value) = acknowledged
                && saved.get(&by_api[index]) != Some(&value)
            {
                lost.push((round, by_api[index].clone()));
            }
        }
    }
    assert_no_server_error(&statuses, "uploads racing API saves");
    assert!(lost.is_empty(), "acknowledged API values lost: {lost:?}");
});

on_both_backends!(two_first_saves_make_one_draft_with_both_values, |app| {
    masa::demo::load(&app.db).await.unwrap();
    // The ICB's drop for the quarter is approved, so its next save starts a new version.
    let icb = organisation(app, "NHS Cheshire and Merseyside Integrated Care Board").await;
    let mut lead = app.signed_in("icb.data@masa.example").await;
    let token = lead.new_api_token("Concurrency test").await;
    let codes = indicator_codes(app, &token).await;
    let period = open_period(app).await;
    let racing = &codes[..codes.len().min(4)];
    let answers = join_all(
        racing
            .iter()
            .enumerate()
            .map(|(index, code)| api_save(app, &token, &period, code, (index + 1) as f64)),
    )
    .await;
    let statuses: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
    assert_no_server_error(&statuses, "first saves racing");
    assert!(
        statuses.iter().all(|status| *status == StatusCode::CREATED),
        "every first save is acknowledged: {statuses:?}"
    );
    let drafts: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM data_drops WHERE organisation_id = $1 AND status = 'draft'",
    )
    .bind(icb)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(drafts.len(), 1, "one draft, not {drafts:?}");
    let saved = values_by_code(app, drafts[0]).await;
    for (index, code) in racing.iter().enumerate() {
        assert_eq!(saved.get(code), Some(&((index + 1) as f64)), "{code}");
    }
    // The draft was started once, and its start is in the audit trail once.
    let created: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'data_drop' AND entity_id = $1 AND action = 'create'",
    )
    .bind(drafts[0])
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(created, 1);
});

/// A form post with the page's CSRF token, as a browser that signed in would send it.
fn form_request(path: &str, browser: &Browser<'_>, fields: &[(&str, String)]) -> Request<Body> {
    let csrf = browser.csrf.clone().expect("csrf token");
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
    all.extend(fields.iter().map(|(name, value)| (*name, value.as_str())));
    Request::builder()
        .method("POST")
        .uri(path)
        .header(
            header::COOKIE,
            format!(
                "masa_session={}",
                browser.cookie.clone().expect("signed in")
            ),
        )
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            serde_urlencoded::to_string(&all).expect("form encodes"),
        ))
        .expect("request")
}

/// The audit entries of one record, oldest first: action, before and after.
async fn audit_of(
    app: &TestApp,
    entity_type: &str,
    id: i64,
) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT action, before_values, after_values FROM audit_events \
         WHERE entity_type = $1 AND entity_id = $2 ORDER BY id",
    )
    .bind(entity_type)
    .bind(id)
    .fetch_all(&app.db.pool)
    .await
    .expect("audit entries");
    let json = |text: Option<String>| {
        text.map_or(serde_json::Value::Null, |text| {
            serde_json::from_str(&text).expect("json")
        })
    };
    rows.into_iter()
        .map(|(action, before, after)| (action, json(before), json(after)))
        .collect()
}

on_both_backends!(
    simultaneous_action_updates_and_rescores_lose_nothing,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;
        admin.get("/tracker").await;
        let action: i64 = sqlx::query_scalar(
        "SELECT MIN(id) FROM tracker_actions WHERE status IN ('not_started', 'on_track', 'at_risk')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
        let updates_before = audit_of(app, "tracker_action", action).await.len();
        let reports = (0..6).map(|index| {
            let status = if index % 2 == 0 {
                "on_track"
            } else {
                "at_risk"
            };
            let request = form_request(
                &format!("/tracker/actions/{action}/progress"),
                &admin,
                &[
                    ("status", status.to_owned()),
                    ("note", format!("Progress report {index}")),
                ],
            );
            call(app, request)
        });
        let answers = join_all(reports).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
        assert_no_server_error(&statuses, "simultaneous progress reports");
        for (status, body) in &answers {
            assert!(
                *status == StatusCode::SEE_OTHER
                    || (*status == StatusCode::UNPROCESSABLE_ENTITY
                        && body.contains("Someone else updated this action")),
                "{status}: {body}"
            );
        }
        // Each accepted change was judged against the state the one before it left.
        let entries = audit_of(app, "tracker_action", action).await;
        let accepted = statuses
            .iter()
            .filter(|status| **status == StatusCode::SEE_OTHER)
            .count();
        assert_eq!(entries.len(), updates_before + accepted);
        for pair in entries[updates_before..].windows(2) {
            assert_eq!(pair[1].1, pair[0].2["state"], "a change over a stale state");
        }

        let mut chair = app.signed_in("chair@masa.example").await;
        let risk: i64 = sqlx::query_scalar("SELECT MIN(id) FROM risks WHERE status <> 'closed'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        chair.get(&format!("/tracker/risks/{risk}/rescore")).await;
        let scorings_before = audit_of(app, "risk", risk).await.len();
        let rescores = (1..=5).map(|level| {
            let request = form_request(
                &format!("/tracker/risks/{risk}/rescore"),
                &chair,
                &[
                    ("inherent_likelihood", "5".to_owned()),
                    ("inherent_impact", "5".to_owned()),
                    ("residual_likelihood", level.to_string()),
                    ("residual_impact", level.to_string()),
                    (
                        "rationale",
                        format!("Re-scored to {level} at the same moment"),
                    ),
                ],
            );
            call(app, request)
        });
        let answers = join_all(rescores).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
        assert_no_server_error(&statuses, "simultaneous re-scores");
        assert!(
            statuses
                .iter()
                .all(|status| *status == StatusCode::SEE_OTHER),
            "{answers:?}"
        );
        // Every re-score is in the history, the risk holds the last, and each entry's "before"
        // is what the one before it left.
        let entries = audit_of(app, "risk", risk).await;
        assert_eq!(entries.len(), scorings_before + 5);
        for pair in entries[scorings_before..].windows(2) {
            assert_eq!(
                pair[1].1["residual"], pair[0].2["residual"],
                "a re-score recorded over a stale score"
            );
        }
        let (likelihood, impact): (i64, i64) =
            sqlx::query_as("SELECT residual_likelihood, residual_impact FROM risks WHERE id = $1")
                .bind(risk)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        let last = &entries.last().expect("entries").2["residual"];
        assert_eq!(
            (Some(likelihood), Some(impact)),
            (last["likelihood"].as_i64(), last["impact"].as_i64())
        );
    }
);

// ---- every way into a draft records the same change (issue 9, item 7) ----

/// The police draft's form as its page would post it, with one value changed.
async fn form_fields(
    app: &TestApp,
    draft: i64,
    organisation_id: i64,
    changed: (i64, f64),
) -> Vec<(String, String)> {
    let indicators: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM indicators WHERE owner_organisation_id = $1 AND archived_at IS NULL",
    )
    .bind(organisation_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let values: Vec<(i64, f64, String)> =
        sqlx::query_as("SELECT indicator_id, value, note FROM data_values WHERE data_drop_id = $1")
            .bind(draft)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let storyboard: (String, String, String, String) = sqlx::query_as(
        "SELECT working_well, worried_about, doing_about_it, previous_actions FROM data_drops WHERE id = $1",
    )
    .bind(draft)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let mut fields = Vec::new();
    for id in indicators {
        let saved = values.iter().find(|(indicator, ..)| *indicator == id);
        let value = if id == changed.0 {
            Some(changed.1)
        } else {
            saved.map(|(_, value, _)| *value)
        };
        fields.push((
            format!("value_{id}"),
            value.map(|v| v.to_string()).unwrap_or_default(),
        ));
        fields.push((
            format!("note_{id}"),
            saved.map(|(.., note)| note.clone()).unwrap_or_default(),
        ));
    }
    fields.push(("working_well".into(), storyboard.0));
    fields.push(("worried_about".into(), storyboard.1));
    fields.push(("doing_about_it".into(), storyboard.2));
    fields.push(("previous_actions".into(), storyboard.3));
    fields
}

/// An audit entry without what legitimately differs by the way the change came: its channel.
fn without_channel(
    entry: &(String, serde_json::Value, serde_json::Value),
) -> (String, serde_json::Value, serde_json::Value) {
    let strip = |value: &serde_json::Value| {
        let mut value = value.clone();
        if let Some(object) = value.as_object_mut() {
            object.remove("channel");
        }
        value
    };
    (entry.0.clone(), strip(&entry.1), strip(&entry.2))
}

on_both_backends!(
    the_form_the_upload_and_the_api_record_the_same_change,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let police = organisation(app, "Cheshire Constabulary").await;
        let draft = crate::dataset::police_draft(app).await;
        let mut lead = app.signed_in("police.data@masa.example").await;
        let token = lead.new_api_token("Concurrency test").await;
        let period = open_period(app).await;
        let (indicator, code): (i64, String) = sqlx::query_as(
        "SELECT id, code FROM indicators WHERE owner_organisation_id = $1 AND archived_at IS NULL ORDER BY code",
    )
    .bind(police)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
        let original: f64 = sqlx::query_scalar(
            "SELECT value FROM data_values WHERE data_drop_id = $1 AND indicator_id = $2",
        )
        .bind(draft)
        .bind(indicator)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let changed = original + 1.0;
        lead.get(&format!("/dataset/drops/{draft}")).await;
        let form_save = |value: f64| {
            let lead = &lead;
            async move {
                let fields = form_fields(app, draft, police, (indicator, value)).await;
                let fields: Vec<(&str, String)> = fields
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.clone()))
                    .collect();
                let (status, body) = call(
                    app,
                    form_request(&format!("/dataset/drops/{draft}/values"), lead, &fields),
                )
                .await;
                assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
            }
        };
        let last_entry = || async {
            without_channel(
                audit_of(app, "data_drop", draft)
                    .await
                    .last()
                    .expect("an entry"),
            )
        };
        form_save(changed).await;
        let by_form = last_entry().await;
        form_save(original).await;

        let file = format!(
            "indicator_code,indicator_name,period,value,note\n{code},,{period},{changed},\n"
        );
        let (status, body) = call(
            app,
            upload_request(
                &format!("/dataset/drops/{draft}/upload"),
                lead.cookie.as_deref().expect("signed in"),
                lead.csrf.as_deref().expect("csrf"),
                "drop.csv",
                file.as_bytes(),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let by_upload = last_entry().await;
        form_save(original).await;

        let (status, _) = api_save(app, &token, &period, &code, changed).await;
        assert_eq!(status, StatusCode::CREATED);
        let by_api = last_entry().await;

        assert_eq!(by_form.0, "update");
        assert!(
            by_form.2["values"].as_array().is_some_and(|values| values
                .iter()
                .any(|v| v["indicator_id"] == indicator && v["value"] == changed)),
            "the entry records the values after: {}",
            by_form.2
        );
        assert!(by_form.1["storyboard"].is_object() && by_form.2["storyboard"].is_object());
        assert_eq!(
            by_upload, by_form,
            "the upload records what the form records"
        );
        assert_eq!(by_api, by_form, "the API records what the form records");

        // A storyboard set through the API is recorded.
        let storyboard = serde_json::json!({
            "period": period,
            "storyboard": {
                "working_well": "Joint visits",
                "worried_about": "Late strategy meetings",
                "doing_about_it": "A dip sample",
                "previous_actions": "None open",
            },
        });
        let (status, _) = call(
            app,
            api_request(&token, "POST", "/api/v1/data-drops", storyboard.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let entry = last_entry().await;
        assert_eq!(
            entry.2["storyboard"]["worried_about"],
            "Late strategy meetings"
        );

        // A draft started through the API is recorded as started, as one started in the form is.
        let started_in_form: i64 = sqlx::query_scalar(
        "SELECT MIN(i.owner_organisation_id) FROM indicators i WHERE i.archived_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM data_drops d WHERE d.organisation_id = i.owner_organisation_id \
         AND d.period_start = (SELECT MAX(period_start) FROM collection_periods WHERE closed_at IS NULL))",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
        let mut admin = app.signed_in("admin@masa.example").await;
        admin.get("/dataset/drops").await;
        let started = admin
            .post(
                "/dataset/drops/new",
                &[
                    ("period", period.as_str()),
                    ("organisation_id", &started_in_form.to_string()),
                ],
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let by_form = audit_of(app, "data_drop", started.location_id()).await;
        let mut icb = app.signed_in("icb.data@masa.example").await;
        let icb_token = icb.new_api_token("Concurrency test").await;
        let icb_code = indicator_codes(app, &icb_token).await.remove(0);
        let (status, id) = api_save(app, &icb_token, &period, &icb_code, 1.0).await;
        assert_eq!(status, StatusCode::CREATED);
        let by_api = audit_of(app, "data_drop", id.expect("a drop")).await;
        let keys = |entries: &[(String, serde_json::Value, serde_json::Value)]| {
            let created = entries
                .iter()
                .find(|entry| entry.0 == "create")
                .expect("a create entry");
            let mut keys: Vec<String> = created
                .2
                .as_object()
                .expect("fields")
                .keys()
                .cloned()
                .collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(&by_api), keys(&by_form));
        assert!(keys(&by_form).contains(&"period".to_owned()));
    }
);

on_both_backends!(
    a_reference_taken_at_the_same_moment_is_refused_not_a_server_error,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let council = organisation(app, "Halton Borough Council")
            .await
            .to_string();
        let mut chair = app.signed_in("chair@masa.example").await;
        chair.get("/tracker/risks/new").await;
        let fields: Vec<(&str, String)> = vec![
            ("reference", "R-77".into()),
            ("title", "Strategy discussions delayed".into()),
            (
                "description",
                "Partners report different thresholds.".into(),
            ),
            ("cause", "Guidance not refreshed since 2022.".into()),
            (
                "effect",
                "Children wait longer for a joint response.".into(),
            ),
            ("owner_organisation_id", council),
            ("owner_role", "Head of Service".into()),
            ("theme", "Neglect".into()),
            ("review_on_day", "31".into()),
            ("review_on_month", "3".into()),
            ("review_on_year", "2030".into()),
            ("inherent_likelihood", "4".into()),
            ("inherent_impact", "4".into()),
            ("residual_likelihood", "3".into()),
            ("residual_impact", "4".into()),
            (
                "rationale",
                "Scored at the Quality and Impact Group.".into(),
            ),
        ];
        let answers = join_all(
            (0..4).map(|_| call(app, form_request("/tracker/risks/new", &chair, &fields))),
        )
        .await;
        let statuses: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
        assert_no_server_error(&statuses, "the same risk added four times at once");
        let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM risks WHERE reference = 'R-77'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(made, 1);
        assert_eq!(
            statuses
                .iter()
                .filter(|status| **status == StatusCode::SEE_OTHER)
                .count(),
            1,
            "{statuses:?}"
        );
    }
);

on_both_backends!(chairs_added_at_the_same_moment_make_one_chair, |app| {
    masa::demo::load(&app.db).await.unwrap();
    // A live group whose chair has stepped down.
    let group: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM partnership_groups WHERE archived_at IS NULL")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    sqlx::query(
        "UPDATE group_memberships SET ended_on = '2026-11-01' WHERE group_id = $1 AND position = 'chair'",
    )
    .bind(group)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let people: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p WHERE p.archived_at IS NULL AND p.partnership_id = \
         (SELECT partnership_id FROM partnership_groups WHERE id = $1) AND NOT EXISTS \
         (SELECT 1 FROM group_memberships m WHERE m.group_id = $1 AND m.person_id = p.id AND m.ended_on IS NULL) \
         ORDER BY p.id LIMIT 4",
    )
    .bind(group)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(people.len() >= 2, "people to add");
    let mut admin = app.signed_in("admin@masa.example").await;
    admin
        .get(&format!("/partnership/groups/{group}/members/new"))
        .await;
    let answers = join_all(people.iter().map(|person| {
        let fields: Vec<(&str, String)> = vec![
            ("person_id", person.to_string()),
            ("position", "chair".into()),
            ("started_on_day", "1".into()),
            ("started_on_month", "12".into()),
            ("started_on_year", "2026".into()),
            ("term_ends_on_day", "31".into()),
            ("term_ends_on_month", "12".into()),
            ("term_ends_on_year", "2028".into()),
        ];
        call(
            app,
            form_request(
                &format!("/partnership/groups/{group}/members/new"),
                &admin,
                &fields,
            ),
        )
    }))
    .await;
    let statuses: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
    assert_no_server_error(&statuses, "chairs added at once");
    let chairs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM group_memberships WHERE group_id = $1 AND ended_on IS NULL AND position = 'chair'",
    )
    .bind(group)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(chairs, 1, "{statuses:?}");
});
