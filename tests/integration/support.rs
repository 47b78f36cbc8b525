//! The test kit: boots the real application on a fresh SQLite or PostgreSQL database and drives
//! it through its router (real HTTP requests, in process) with a cookie-keeping browser.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use masa::kernel::AppState;
use masa::kernel::config::Config;
use masa::kernel::db::Db;
use tower::ServiceExt;

pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestApp {
    pub db: Db,
    pub state: AppState,
    pub router: Router,
    /// Kept so the SQLite file lives as long as the app.
    _dir: tempfile::TempDir,
    postgres_database: Option<String>,
}

fn test_config(dir: &std::path::Path, database_url: String) -> Config {
    Config {
        bind: "127.0.0.1:0".into(),
        database_url,
        secret_key: b"test secret key that is at least thirty-two bytes".to_vec(),
        data_dir: dir.to_owned(),
        cookie_secure: true,
        session_hours: 8,
        session_idle_minutes: 60,
        // High enough that the suite's many sign-ins from one (unspecified) address pass; the
        // per-address limit's own test builds an app with a low one.
        sign_in_attempts_per_ip: 10_000,
        trust_forwarded_for: false,
        smtp_host: None,
        smtp_port: 25,
        smtp_tls: masa::kernel::config::SmtpTls::None,
        smtp_credentials: None,
        mail_from: "masa@localhost".into(),
    }
}

async fn drop_postgres_database(name: &str) {
    let admin_url = std::env::var("MASA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.into());
    if let Ok(admin) = Db::connect(&admin_url).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin.pool)
        .await;
        admin.close().await;
    }
}

/// A failed test's PostgreSQL database is dropped too: on its own thread and runtime, since a
/// panicking test cannot await.
impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_database.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    runtime.block_on(drop_postgres_database(&name));
                }
            })
            .join();
        }
    }
}

impl TestApp {
    async fn boot(
        database_url: String,
        dir: tempfile::TempDir,
        postgres_database: Option<String>,
    ) -> TestApp {
        let db = Db::connect(&database_url).await.expect("connect");
        db.migrate().await.expect("migrate");
        let state = masa::state(db.clone(), test_config(dir.path(), database_url));
        let router = masa::app(state.clone());
        TestApp {
            db,
            state,
            router,
            _dir: dir,
            postgres_database,
        }
    }

    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/masa.db", dir.path().display());
        TestApp::boot(url, dir, None).await
    }

    /// A fresh PostgreSQL database for this test. Outside CI, a missing server skips the test
    /// with a visible message; in CI (CI=true) it fails it.
    pub async fn postgres() -> Option<TestApp> {
        let admin_url = std::env::var("MASA_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.into());
        let in_ci = std::env::var("CI").is_ok_and(|value| value == "true" || value == "1");
        let admin = match Db::connect(&admin_url).await {
            Ok(admin) => admin,
            Err(error) if !in_ci => {
                eprintln!(
                    "SKIPPED on PostgreSQL: cannot reach {admin_url} ({error}); set MASA_TEST_POSTGRES_URL. In CI this fails."
                );
                return None;
            }
            Err(error) => {
                panic!("PostgreSQL is required in CI but {admin_url} is unreachable: {error}")
            }
        };
        let name = format!("masa_test_{}", hex::encode(rand::random::<[u8; 6]>()));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin.pool)
            .await
            .expect("create database");
        admin.close().await;
        let (base, _) = admin_url
            .rsplit_once('/')
            .expect("database URL has a database name");
        let url = format!("{base}/{name}");
        Some(TestApp::boot(url, tempfile::tempdir().expect("temp dir"), Some(name)).await)
    }

    /// Drops the test's PostgreSQL database (SQLite's goes with its folder). A test that
    /// panics before this still has its database dropped, by `Drop`.
    pub async fn finish(mut self) {
        self.db.close().await;
        if let Some(name) = self.postgres_database.take() {
            drop_postgres_database(&name).await;
        }
    }

    pub async fn with_demo(self) -> TestApp {
        masa::demo::load(&self.db).await.expect("demo data loads");
        self
    }

    pub fn browser(&self) -> Browser<'_> {
        self.browser_on(self.router.clone())
    }

    /// The same application and database with some settings changed (a fresh state, so
    /// in-memory limits start empty); drive it with `browser_on`.
    pub fn router_with(&self, change: impl FnOnce(&mut Config)) -> Router {
        let mut config = (*self.state.config).clone();
        change(&mut config);
        masa::app(masa::state(self.db.clone(), config))
    }

    /// A browser on the given router (see `router_with`).
    pub fn browser_on(&self, router: Router) -> Browser<'_> {
        Browser {
            _app: self,
            router,
            cookie: None,
            sign_in_cookie: None,
            kept_form_cookie: None,
            device_cookie: None,
            csrf: None,
            client: None,
        }
    }

    /// A browser signed in as one of the demo accounts.
    pub async fn signed_in(&self, email: &str) -> Browser<'_> {
        let mut browser = self.browser();
        let response = browser.sign_in(email, masa::demo::DEMO_PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "sign in as {email}: {}",
            response.body
        );
        browser
    }

    /// A second partnership beside the demo's (which is partnership 1), with one organisation
    /// and a sign-in per role, so tests can prove that neither sees the other's records.
    pub async fn second_partnership(&self) -> SecondPartnership {
        use masa::kernel::Role;
        use masa::kernel::auth::{NewUser, insert_user};
        use masa::partnership::model::{OrganisationDetails, OrganisationKind};
        let partnership_id = masa::partnership::create_partnership(
            &self.db,
            "Warrington Safeguarding Partnership",
            "tests",
        )
        .await
        .expect("partnership")
        .get();
        let mut change = masa::kernel::Change::begin(
            &self.db,
            masa::kernel::audit::Actor::system(
                "tests",
                masa::kernel::ids::PartnershipId::new(partnership_id),
            ),
        )
        .await
        .expect("begin");
        let organisation_id = masa::partnership::add_organisation(
            &mut change,
            &OrganisationDetails {
                name: "Warrington Borough Council".into(),
                kind: OrganisationKind::StatutoryPartner,
                sector: "Local authority".into(),
                active_from: time::macros::date!(2019 - 09 - 29),
                active_to: None,
            },
        )
        .await
        .expect("organisation")
        .get();
        let mut emails = Vec::new();
        for role in Role::ALL {
            let email = format!("{}@warrington.example", role.code());
            let scoped = matches!(role, Role::PartnerDataLead | Role::AuditRespondent);
            insert_user(
                &mut change,
                &NewUser {
                    email: &email,
                    display_name: &format!("Warrington {}", role.label()),
                    password: masa::demo::DEMO_PASSWORD,
                    organisation: scoped
                        .then_some(masa::kernel::ids::OrganisationId::new(organisation_id)),
                    roles: &[role],
                    must_change_password: false,
                },
                "",
            )
            .await
            .expect("user");
            emails.push((role, email));
        }
        change.commit().await.expect("commit");
        SecondPartnership {
            partnership_id,
            organisation_id,
            emails,
        }
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db.pool)
            .await
            .expect("count")
    }
}

/// What `TestApp::second_partnership` made.
pub struct SecondPartnership {
    pub partnership_id: i64,
    pub organisation_id: i64,
    /// One sign-in per role (password `masa::demo::DEMO_PASSWORD`).
    pub emails: Vec<(masa::kernel::Role, String)>,
}

impl SecondPartnership {
    pub fn email(&self, role: masa::kernel::Role) -> &str {
        self.emails
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, email)| email.as_str())
            .expect("a sign-in per role")
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The id at the end of the redirect's address: the record a form just created.
    pub fn location_id(&self) -> i64 {
        self.location()
            .rsplit('/')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no record id in the redirect to {:?}", self.location()))
    }

    pub fn assert_contains(&self, text: &str) -> &Response {
        assert!(
            self.body.contains(text),
            "expected {text:?} in a {} page:\n{}",
            self.status,
            self.body
        );
        self
    }

    pub fn assert_lacks(&self, text: &str) -> &Response {
        assert!(
            !self.body.contains(text),
            "did not expect {text:?} in the page:\n{}",
            self.body
        );
        self
    }
}

/// Keeps the session cookie and the page's CSRF token like a browser would.
pub struct Browser<'a> {
    /// Tied to its app, as before the router became its own field.
    _app: &'a TestApp,
    router: Router,
    pub cookie: Option<String>,
    /// The sign-in form's cookie, which its CSRF token is bound to.
    pub sign_in_cookie: Option<String>,
    /// A form kept when its session ended (kernel::kept_forms).
    pub kept_form_cookie: Option<String>,
    /// The device cookie of a browser that has signed in (auth::SignInDevice).
    pub device_cookie: Option<String>,
    pub csrf: Option<String>,
    /// The peer address the server sees (none: as when no connection info is given).
    pub client: Option<std::net::SocketAddr>,
}

fn csrf_in(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

impl Browser<'_> {
    /// Creates a partner API token on the data drop tokens page, as the signed-in data lead, and
    /// returns it (shown once).
    pub async fn new_api_token(&mut self, label: &str) -> String {
        self.get("/dataset/tokens").await;
        let created = self.post("/dataset/tokens/new", &[("label", label)]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        assert_eq!(created.location(), "/dataset/tokens");
        // The new token reaches the tokens page, where it is shown once, in a short-lived cookie.
        let new_token = created
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|value| value.split(';').next()?.strip_prefix("masa_new_api_token="))
            .expect("the new token's cookie")
            .to_owned();
        let session = self.cookie.clone().unwrap_or_default();
        let request = Request::builder()
            .uri("/dataset/tokens")
            .header(
                header::COOKIE,
                format!("masa_session={session}; masa_new_api_token={new_token}"),
            )
            .body(Body::empty())
            .expect("request");
        let page = self.send(request).await;
        assert_eq!(page.status, StatusCode::OK);
        let again = self.get("/dataset/tokens").await;
        again.assert_lacks(&new_token);
        let start = page
            .body
            .find("masa_")
            .expect("the new token is shown once");
        page.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    }

    pub async fn send(&mut self, mut request: Request<Body>) -> Response {
        if let Some(client) = self.client {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(client));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().expect("cookie text");
            let pair = text.split(';').next().unwrap_or("");
            if let Some(value) = pair.strip_prefix("masa_session=") {
                self.cookie = if value.is_empty() {
                    None
                } else {
                    Some(value.to_owned())
                };
            }
            if let Some(value) = pair.strip_prefix("masa_sign_in=") {
                self.sign_in_cookie = (!value.is_empty()).then(|| value.to_owned());
            }
            if let Some(value) = pair.strip_prefix("masa_kept_form=") {
                self.kept_form_cookie = (!value.is_empty()).then(|| value.to_owned());
            }
            if let Some(value) = pair.strip_prefix("masa_device=") {
                self.device_cookie = (!value.is_empty()).then(|| value.to_owned());
            }
        }
        let body = to_bytes(response.into_body(), 50 * 1024 * 1024)
            .await
            .expect("body");
        let body = String::from_utf8_lossy(&body).into_owned();
        if let Some(token) = csrf_in(&body) {
            self.csrf = Some(token);
        }
        Response {
            status,
            headers,
            body,
        }
    }

    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(path);
        let mut cookies = Vec::new();
        if let Some(cookie) = &self.cookie {
            cookies.push(format!("masa_session={cookie}"));
        }
        if let Some(cookie) = &self.sign_in_cookie
            && path.starts_with("/sign-in")
        {
            cookies.push(format!("masa_sign_in={cookie}"));
        }
        if let Some(cookie) = &self.kept_form_cookie {
            cookies.push(format!("masa_kept_form={cookie}"));
        }
        if let Some(cookie) = &self.device_cookie {
            cookies.push(format!("masa_device={cookie}"));
        }
        if !cookies.is_empty() {
            builder = builder.header(header::COOKIE, cookies.join("; "));
        }
        builder
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let request = self
            .request("GET", path)
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// Posts a form with the current CSRF token added, as the page's form would.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token unless given).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let request = self.form_request(path, fields);
        self.send(request).await
    }

    /// The request `post_raw` would send (with this browser's cookies and address), to send
    /// elsewhere: many at once, for example.
    pub fn form_request(&self, path: &str, fields: &[(&str, &str)]) -> Request<Body> {
        let body = serde_urlencoded::to_string(fields).expect("form encodes");
        let mut request = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        if let Some(client) = self.client {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(client));
        }
        request
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Response {
        let page = self.get("/sign-in").await;
        assert_eq!(page.status, StatusCode::OK);
        let response = self
            .post("/sign-in", &[("email", email), ("password", password)])
            .await;
        if response.status == StatusCode::SEE_OTHER {
            // Pick up the new session's CSRF token, as the next page would.
            self.get("/account").await;
        }
        response
    }
}

/// Runs a test body on SQLite and on PostgreSQL, as two tests named `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: &$crate::support::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                let app = $crate::support::TestApp::sqlite().await;
                run(&app).await;
                app.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(app) = $crate::support::TestApp::postgres().await else { return };
                run(&app).await;
                app.finish().await;
            }
        }
    };
}

/// A file-upload form's body as a browser sends it: the text fields (the CSRF token first, as
/// the pages put it), then the file part when there is one.
pub fn multipart_body(
    boundary: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// A file-upload POST to `path` with a session cookie and [`multipart_body`]'s body.
pub fn multipart_request(
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Request<Body> {
    let boundary = "masa-test-boundary";
    Request::builder()
        .method("POST")
        .uri(path)
        .header(header::COOKIE, format!("masa_session={cookie}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(multipart_body(boundary, fields, file)))
        .expect("request")
}
