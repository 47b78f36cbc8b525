//! Forms never lose work and never leave a page that Back would send again: a refused form is
//! redirected to its own address and shown there once with its errors and typed values
//! (kernel::post_redirect_get); a file upload's CSRF token travels in its body, never its URL.

use crate::on_both_backends;
use crate::support::{Browser, multipart_request};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

const HOST: &str = "masa.test";

/// A form posted as Chromium posts it: with the page it was on as its `Referer`.
fn posted_from(
    browser: &Browser<'_>,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Request<Body> {
    let token = browser.csrf.clone().unwrap_or_default();
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let mut request = browser.form_request(action, &all);
    let headers = request.headers_mut();
    headers.insert(header::HOST, HOST.parse().unwrap());
    headers.insert(
        header::REFERER,
        format!("https://{HOST}{page}").parse().unwrap(),
    );
    request
}

/// The refused page's cookie, from a redirect.
fn refused_page_cookie(response: &crate::support::Response) -> String {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| value.split(';').next()?.strip_prefix("masa_refused_page="))
        .expect("the refused page's cookie")
        .to_owned()
}

async fn get_with(
    browser: &mut Browser<'_>,
    path: &str,
    refused_page: &str,
) -> crate::support::Response {
    let session = browser.cookie.clone().unwrap_or_default();
    let request = Request::builder()
        .uri(path)
        .header(header::HOST, HOST)
        .header(
            header::COOKIE,
            format!("masa_session={session}; masa_refused_page={refused_page}"),
        )
        .body(Body::empty())
        .unwrap();
    browser.send(request).await
}

on_both_backends!(a_refused_form_is_shown_again_at_its_own_address, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let mut manager = app.signed_in("admin@masa.example").await;
    manager.get("/partnership/groups/new").await;
    let groups_before = app.count("SELECT COUNT(*) FROM partnership_groups").await;
    let request = posted_from(
        &manager,
        "/partnership/groups/new",
        "/partnership/groups/new",
        &[
            ("name", ""),
            ("kind", "sub_group"),
            ("parent_group_id", ""),
            ("meets", "Monthly, first Tuesday"),
            (
                "terms_of_reference",
                "Typed <b>terms</b> that must not be lost",
            ),
        ],
    );
    let refused = manager.send(request).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert_eq!(refused.location(), "/partnership/groups/new");
    let cookie = refused_page_cookie(&refused);

    let shown = get_with(&mut manager, "/partnership/groups/new", &cookie).await;
    assert_eq!(shown.status, StatusCode::UNPROCESSABLE_ENTITY);
    shown
        .assert_contains("govuk-error-summary")
        .assert_contains("Monthly, first Tuesday")
        .assert_contains("Typed &#60;b&#62;terms&#60;/b&#62; that must not be lost")
        .assert_lacks("<b>terms</b>");
    assert!(
        shown
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|value| value.to_str().unwrap().starts_with("masa_refused_page=;")),
        "the cookie is spent"
    );
    // Shown once: Back, Reload or a second visit is the form as it is, never a resubmission.
    let again = get_with(&mut manager, "/partnership/groups/new", &cookie).await;
    assert_eq!(again.status, StatusCode::OK);
    again.assert_lacks("govuk-error-summary");
    // A page kept for one address is not shown at another.
    let elsewhere = posted_from(
        &manager,
        "/partnership/groups/new",
        "/partnership/groups/new",
        &[("name", "")],
    );
    let cookie = refused_page_cookie(&manager.send(elsewhere).await);
    let other = get_with(&mut manager, "/partnership/groups", &cookie).await;
    assert_eq!(other.status, StatusCode::OK);
    other.assert_lacks("govuk-error-summary");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM partnership_groups").await,
        groups_before
    );

    // Another site's page as the Referer, or none: the refusal is answered to the POST.
    let mut foreign = posted_from(
        &manager,
        "/partnership/groups/new",
        "/partnership/groups/new",
        &[("name", "")],
    );
    foreign.headers_mut().insert(
        header::REFERER,
        "https://evil.test/partnership/groups/new".parse().unwrap(),
    );
    assert_eq!(
        manager.send(foreign).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        manager
            .post("/partnership/groups/new", &[("name", "")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A form that succeeds redirects as before, with nothing kept.
    let created = manager
        .send(posted_from(
            &manager,
            "/partnership/groups/new",
            "/partnership/groups/new",
            &[
                ("name", "Neglect Strategy Group"),
                ("kind", "sub_group"),
                ("parent_group_id", ""),
                ("meets", "Quarterly"),
                ("terms_of_reference", "Leads the neglect strategy"),
            ],
        ))
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_ne!(
        created.location(),
        "/partnership/groups/new",
        "the group is created"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM partnership_groups").await,
        groups_before + 1
    );
    assert!(
        created.headers.get(header::SET_COOKIE).is_none()
            || !created
                .headers
                .get_all(header::SET_COOKIE)
                .iter()
                .any(|value| value.to_str().unwrap().starts_with("masa_refused_page=")),
        "nothing is kept for a form that was accepted"
    );
});

on_both_backends!(
    an_uploads_csrf_token_travels_in_its_body_never_its_url,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let draft = crate::dataset::police_draft(app).await;
        let mut lead = app.signed_in("police.data@masa.example").await;
        let page = lead.get(&format!("/dataset/drops/{draft}")).await;
        page.assert_lacks("csrf_token=");
        let token = lead.csrf.clone().unwrap();
        let session = lead.cookie.clone().unwrap();
        let upload = |uri: String, fields: &[(&str, &str)], file: (&str, &[u8])| {
            multipart_request(&uri, &session, fields, Some(file))
        };
        let audit_before = app.count("SELECT COUNT(*) FROM audit_events").await;
        let csv: &[u8] = b"not,a,template\n";
        // The token in the URL, as the upload forms once sent it, is no longer taken.
        let in_url = lead
            .send(upload(
                format!("/dataset/drops/{draft}/upload?csrf_token={token}"),
                &[],
                ("figures.csv", csv),
            ))
            .await;
        assert_eq!(in_url.status, StatusCode::FORBIDDEN);
        let wrong = lead
            .send(upload(
                format!("/dataset/drops/{draft}/upload"),
                &[("csrf_token", "0000")],
                ("figures.csv", csv),
            ))
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events").await,
            audit_before
        );
        // The token as the page's hidden field: the upload is read (and this one refused on its merits).
        let in_body = lead
            .send(upload(
                format!("/dataset/drops/{draft}/upload"),
                &[("csrf_token", &token)],
                ("figures.csv", csv),
            ))
            .await;
        assert_eq!(
            in_body.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            in_body.body
        );
        in_body.assert_contains("govuk-error-summary");
    }
);
