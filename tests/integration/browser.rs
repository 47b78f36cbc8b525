//! Runs tests/browser/run.mjs (Playwright driving Debian's headless Chromium, with axe-core)
//! against the real application served over HTTP on a local port, with the demo data loaded.
//! Outside CI, a machine without Chromium or the npm packages skips it with a message; in CI
//! (CI=true) their absence fails the test (.ci/run installs them).

use crate::support::TestApp;
use std::path::Path;

#[tokio::test]
async fn browser_signs_in_creates_an_organisation_and_passes_axe() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser_dir = root.join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let in_ci = std::env::var("CI").is_ok_and(|value| value == "true" || value == "1");
    if !browser_dir.join("node_modules/playwright-core").exists() {
        // Fetch the pinned npm packages (package-lock.json) the first time, as .ci/run does.
        let installed = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&browser_dir)
            .status();
        eprintln!("npm ci in tests/browser: {installed:?}");
    }
    let missing = if !Path::new(&chromium).exists() {
        Some(format!(
            "Chromium is not at {chromium} (apt-get install chromium)"
        ))
    } else if !browser_dir.join("node_modules/playwright-core").exists() {
        Some("the npm packages could not be installed: run `npm ci` in tests/browser".to_owned())
    } else {
        None
    };
    if let Some(reason) = missing {
        assert!(!in_ci, "the browser test is required in CI: {reason}");
        eprintln!("SKIPPED browser test: {reason}");
        return;
    }

    let app = TestApp::sqlite().await.with_demo().await;
    // Secure cookies as in production: Chromium treats http://localhost as a secure context.
    let state = app.state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, masa::app(state)).await });

    let output = tokio::process::Command::new("node")
        .arg("run.mjs")
        .current_dir(&browser_dir)
        .env("MASA_URL", format!("http://localhost:{}", address.port()))
        .env("MASA_DEMO_PASSWORD", masa::demo::DEMO_PASSWORD)
        .env("MASA_SCREENSHOTS", root.join("target/browser-screenshots"))
        .env("CHROMIUM", &chromium)
        .output()
        .await
        .expect("node runs");
    server.abort();
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the browser test failed (see above)"
    );
}
