//! The `masa` command as an operator uses it: migrate, user add, backup and restore, on files.

use std::process::Command;

fn masa(data_dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    masa_with(data_dir, &[], args)
}

/// `masa` with more settings in its environment.
fn masa_with(data_dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    run(
        Command::new(env!("CARGO_BIN_EXE_masa")),
        data_dir,
        env,
        args,
    )
}

fn run(
    mut command: Command,
    data_dir: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (bool, String) {
    let output = command
        .args(args)
        .env("MASA_DATA_DIR", data_dir)
        .env("MASA_LOG", "warn")
        .env_remove("MASA_DATABASE_URL")
        .env_remove("MASA_SECRET_KEY")
        // `serve` in a test must fail before serving; never on a port another program holds.
        .env("MASA_BIND", "127.0.0.1:0")
        .env_remove("MASA_CONFIG")
        .envs(env.iter().copied())
        .output()
        .expect("masa runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn operators_migrate_add_users_back_up_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = masa(dir.path(), &["migrate"]);
    assert!(ok, "{text}");
    assert!(dir.path().join("masa.db").exists());
    assert!(
        dir.path().join("secret.key").exists(),
        "a secret is generated and kept"
    );

    let (ok, text) = masa(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "manager@scp.example",
            "--name",
            "Business Manager",
            "--role",
            "business_unit_admin",
        ],
    );
    assert!(ok, "{text}");
    assert!(text.contains("Temporary password"), "{text}");
    let (ok, text) = masa(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "manager@scp.example",
            "--name",
            "Again",
            "--role",
            "reviewer",
        ],
    );
    assert!(!ok && text.contains("already exists"), "{text}");
    let (ok, text) = masa(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "x@scp.example",
            "--name",
            "X",
            "--role",
            "overlord",
        ],
    );
    assert!(!ok && text.contains("unknown role"), "{text}");

    let backup_file = dir.path().join("backup.json");
    let (ok, text) = masa(dir.path(), &["backup", backup_file.to_str().unwrap()]);
    assert!(ok, "{text}");
    let restored_dir = tempfile::tempdir().unwrap();
    let (ok, text) = masa(
        restored_dir.path(),
        &["restore", backup_file.to_str().unwrap()],
    );
    assert!(ok, "{text}");
    assert!(text.contains("Restored"), "{text}");
    // Restoring onto a database that already has data is refused, and says why.
    let (ok, text) = masa(
        restored_dir.path(),
        &["restore", backup_file.to_str().unwrap()],
    );
    assert!(!ok && text.contains("needs an empty database"), "{text}");
    let (ok, text) = masa(
        dir.path(),
        &["restore", dir.path().join("missing.json").to_str().unwrap()],
    );
    assert!(
        !ok && text.contains("cannot read or write the backup file"),
        "{text}"
    );
}

#[test]
fn operators_add_partnerships_and_their_first_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = masa(dir.path(), &["partnership", "list"]);
    assert!(ok, "{text}");
    assert!(text.contains("1\tOur partnership"), "{text}");

    let (ok, text) = masa(
        dir.path(),
        &[
            "partnership",
            "add",
            "--name",
            "Warrington Safeguarding Partnership",
        ],
    );
    assert!(ok, "{text}");
    assert!(text.contains("Added partnership 2"), "{text}");
    let (ok, text) = masa(
        dir.path(),
        &[
            "partnership",
            "add",
            "--name",
            "warrington safeguarding partnership",
        ],
    );
    assert!(!ok && text.contains("already a partnership"), "{text}");
    let (ok, text) = masa(dir.path(), &["partnership", "add", "--name", "  "]);
    assert!(!ok && text.contains("needs a name"), "{text}");

    let (ok, text) = masa(
        dir.path(),
        &[
            "user",
            "add",
            "--partnership",
            "2",
            "--email",
            "bu@warrington.example",
            "--name",
            "Warrington Business Unit",
            "--role",
            "business_unit_admin",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = masa(
        dir.path(),
        &[
            "user",
            "add",
            "--partnership",
            "9",
            "--email",
            "nobody@example.org",
            "--name",
            "Nobody",
            "--role",
            "reviewer",
        ],
    );
    assert!(!ok && text.contains("no partnership with id 9"), "{text}");

    let (ok, text) = masa(dir.path(), &["partnership", "list"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("2\tWarrington Safeguarding Partnership"),
        "{text}"
    );
}

/// Runs `masa` and says how long it took.
fn timed(
    data_dir: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (bool, String, std::time::Duration) {
    let started = std::time::Instant::now();
    let (ok, text) = masa_with(data_dir, env, args);
    (ok, text, started.elapsed())
}

const FAST: std::time::Duration = std::time::Duration::from_secs(6);

#[test]
fn an_unreachable_postgresql_fails_fast_naming_the_setting_not_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text, took) = timed(
        dir.path(),
        &[(
            "MASA_DATABASE_URL",
            "postgres://postgres:hunter2@127.0.0.1:1/x",
        )],
        &["migrate"],
    );
    assert!(!ok, "{text}");
    assert!(took < FAST, "took {took:?}: {text}");
    assert!(text.contains("database_url / MASA_DATABASE_URL"), "{text}");
    assert!(
        text.contains("postgres://postgres:***@127.0.0.1:1/x"),
        "{text}"
    );
    assert!(text.contains("Connection refused"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("pool timed out"), "{text}");

    // A server that takes the connection but never answers: given up on after 5 s.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "postgres://postgres:hunter2@{}/x",
        silent.local_addr().unwrap()
    );
    let (ok, text, took) = timed(dir.path(), &[("MASA_DATABASE_URL", &url)], &["serve"]);
    assert!(!ok, "{text}");
    assert!(took < FAST, "took {took:?}: {text}");
    assert!(text.contains("no answer within 5 s"), "{text}");
    assert!(text.contains("MASA_DATABASE_URL"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn a_file_that_is_not_a_database_is_named_at_once_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.db");
    let junk = "Minutes of the executive group, not a database. ".repeat(40);
    std::fs::write(&file, &junk).unwrap();
    let url = format!("sqlite://{}", file.display());
    let (ok, text, took) = timed(dir.path(), &[("MASA_DATABASE_URL", &url)], &["serve"]);
    assert!(!ok, "{text}");
    assert!(took < FAST, "took {took:?}: {text}");
    assert!(text.contains("file is not a database"), "{text}");
    assert!(text.contains("MASA_DATABASE_URL"), "{text}");
    assert!(text.contains(&url), "{text}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), junk);
}

#[test]
fn a_read_only_database_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = masa(dir.path(), &["migrate"]);
    assert!(ok, "{text}");
    // Opened read-only by its URL (which root, whom permission bits do not stop, can test).
    let url = format!("sqlite://{}/masa.db?mode=ro", dir.path().display());
    refused_as_read_only_but_backed_up(dir.path(), &url);
}

/// A read-only database stops `migrate` at once, naming the setting; backing up only reads, so
/// it still works.
fn refused_as_read_only_but_backed_up(dir: &std::path::Path, url: &str) {
    let (ok, text, took) = timed(dir, &[("MASA_DATABASE_URL", url)], &["migrate"]);
    assert!(!ok, "{text}");
    assert!(took < FAST, "took {took:?}: {text}");
    assert!(text.contains("read-only"), "{text}");
    assert!(text.contains("MASA_DATABASE_URL"), "{text}");
    let file = dir.join("backup.json");
    let (ok, text) = masa_with(
        dir,
        &[("MASA_DATABASE_URL", url)],
        &["backup", file.to_str().unwrap()],
    );
    assert!(ok, "{text}");
}

/// The database file made read-only (chmod 0444). Permission bits do not stop root, so as root
/// this runs MASA as `nobody` (with setpriv) on files that user owns.
#[cfg(unix)]
#[test]
fn a_database_file_without_write_permission_is_refused_at_once() {
    use std::os::unix::fs::PermissionsExt;
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0");
    let outer = tempfile::tempdir().unwrap();
    std::fs::set_permissions(outer.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data_dir = outer.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    let key = [("MASA_SECRET_KEY", "0f3c9a77e1d24b5a8c6e2f0d9b1a7c34")];
    let as_owner = |args: &[&str]| {
        let command = if is_root {
            let mut command = Command::new("setpriv");
            command.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_masa"),
            ]);
            command
        } else {
            Command::new(env!("CARGO_BIN_EXE_masa"))
        };
        run(command, &data_dir, &key, args)
    };
    if is_root {
        if Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("SKIPPED: running as root without setpriv, so chmod 0444 cannot be tested");
            return;
        }
        std::os::unix::fs::chown(&data_dir, Some(65534), Some(65534)).unwrap();
    }
    let (ok, text) = as_owner(&["migrate"]);
    assert!(ok, "{text}");
    let database = data_dir.join("masa.db");
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o444)).unwrap();
    let started = std::time::Instant::now();
    let (ok, text) = as_owner(&["serve"]);
    let took = started.elapsed();
    assert!(!ok, "{text}");
    assert!(took < FAST, "took {took:?}: {text}");
    assert!(text.contains("read-only"), "{text}");
    assert!(text.contains("MASA_DATABASE_URL"), "{text}");
}

#[test]
fn a_port_in_use_is_named_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (ok, text, took) = timed(dir.path(), &[("MASA_BIND", &address)], &["serve"]);
    assert!(!ok, "{text}");
    assert!(took < FAST, "took {took:?}: {text}");
    assert!(text.contains("MASA_BIND"), "{text}");
    assert!(text.contains(&address), "{text}");
    assert!(
        !dir.path().join("masa.db").exists(),
        "serve made or migrated a database it could not serve"
    );
}

#[cfg(unix)]
#[test]
fn the_database_secret_key_and_backups_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let outer = tempfile::tempdir().unwrap();
    let data_dir = outer.path().join("data");
    let (ok, text) = masa(&data_dir, &["migrate"]);
    assert!(ok, "{text}");
    let backup_file = data_dir.join("backup.json");
    let (ok, text) = masa(&data_dir, &["backup", backup_file.to_str().unwrap()]);
    assert!(ok, "{text}");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir), 0o700, "the data directory MASA made");
    for name in ["masa.db", "secret.key", "backup.json"] {
        assert_eq!(mode(&data_dir.join(name)), 0o600, "{name}");
    }
    for name in ["masa.db-wal", "masa.db-shm"] {
        let path = data_dir.join(name);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
    // A database file an earlier MASA made world-readable is named at start.
    let database = data_dir.join("masa.db");
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, text) = masa(&data_dir, &["migrate"]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("run `chmod 600 {}*`", database.display())),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn a_secret_key_others_can_read_or_too_short_stops_the_start_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.key");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;

    let kept = "5d0e8b1f2a9c4e7d6b3a0f1e2d4c6b8a";
    std::fs::write(&path, kept).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (ok, text) = masa(dir.path(), &["serve"]);
    assert!(!ok, "{text}");
    assert!(
        text.contains(&format!("chmod 600 {}", path.display())),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), kept);
    assert_eq!(mode(&path), 0o640, "MASA does not change the mode itself");
    assert!(!dir.path().join("masa.db").exists());

    std::fs::write(&path, "short\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (ok, text) = masa(dir.path(), &["serve"]);
    assert!(!ok, "{text}");
    assert!(text.contains("holds 5 characters"), "{text}");
    assert!(text.contains("will not replace it"), "{text}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "short\n");
    assert!(!dir.path().join("masa.db").exists());

    // Fixed as the message says, it starts.
    std::fs::write(&path, kept).unwrap();
    let (ok, text) = masa(dir.path(), &["migrate"]);
    assert!(ok, "{text}");
}

#[test]
fn a_secret_of_low_variety_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let weak = "a".repeat(32);
    let (ok, text) = masa_with(dir.path(), &[("MASA_SECRET_KEY", &weak)], &["migrate"]);
    assert!(ok, "{text}");
    assert!(text.contains("low variety"), "{text}");
    assert!(text.contains("only 1 different characters"), "{text}");
    assert!(text.contains("WARN"), "{text}");
    assert!(
        !text.contains(&weak),
        "the secret itself is never logged: {text}"
    );
    assert_eq!(text.matches("low variety").count(), 1, "once: {text}");

    let (ok, text) = masa(dir.path(), &["migrate"]);
    assert!(ok, "{text}");
    assert!(
        !text.contains("low variety"),
        "a generated key passes: {text}"
    );
}

/// A PostgreSQL database that takes no writes (a standby, or set read-only) is refused at
/// start, and can still be backed up.
#[tokio::test]
async fn a_read_only_postgresql_database_is_refused_at_once() {
    use crate::support::TestApp;
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    let name: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} SET default_transaction_read_only = on"
    )))
    .execute(&app.db.pool)
    .await
    .unwrap();
    let admin_url = std::env::var("MASA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| crate::support::DEFAULT_POSTGRES_ADMIN_URL.into());
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let dir = tempfile::tempdir().unwrap();
    refused_as_read_only_but_backed_up(dir.path(), &url);
    app.finish().await;
}

#[test]
fn the_report_command_writes_the_pdf_and_the_html_and_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    // The demo partnership and a second one: the command must then be told which.
    let (ok, text) = masa(
        dir.path(),
        &[
            "generate",
            "--with-demo",
            "--indicators",
            "12",
            "--organisations",
            "2",
            "--quarters",
            "8",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = masa(
        dir.path(),
        &["partnership", "add", "--name", "Second Partnership"],
    );
    assert!(ok, "{text}");

    let pdf = dir.path().join("yearly.pdf");
    let html = dir.path().join("yearly.html");
    let (pdf_arg, html_arg) = (pdf.to_str().unwrap(), html.to_str().unwrap());
    let (ok, text) = masa(
        dir.path(),
        &["report", "yearly", "2024-25", "--pdf", pdf_arg],
    );
    assert!(!ok, "two partnerships and none chosen");
    assert!(
        text.contains("--partnership") && text.contains("Second Partnership"),
        "{text}"
    );

    let (ok, text) = masa(
        dir.path(),
        &[
            "report",
            "yearly",
            "2024-25",
            "--partnership",
            "1",
            "--pdf",
            pdf_arg,
            "--html",
            html_arg,
        ],
    );
    assert!(ok, "{text}");
    assert!(text.contains("Yearly report 2024/25"), "{text}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF is written");
    assert!(
        text.contains(&masa::reports::model::sha256_hex(&bytes)),
        "its SHA-256 is printed: {text}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<!DOCTYPE html>") || page.contains("<!doctype html>"),
        "a whole HTML document"
    );
    assert!(
        page.contains("Learning from case reviews"),
        "the HTML holds the sections"
    );

    for (args, says) in [
        (
            vec!["report", "monthly", "2024-25", "--pdf", pdf_arg],
            "use yearly or quarterly",
        ),
        (
            vec!["report", "yearly", "2024-26", "--pdf", pdf_arg],
            "not a period",
        ),
        (
            vec!["report", "yearly", "2025-26-Q2", "--pdf", pdf_arg],
            "financial year such as 2024-25",
        ),
        (
            vec!["report", "quarterly", "2025-26-Q2", "--partnership", "1"],
            "nothing to write",
        ),
        (
            vec![
                "report",
                "yearly",
                "2024-25",
                "--partnership",
                "99",
                "--pdf",
                pdf_arg,
            ],
            "no partnership with id 99",
        ),
    ] {
        let (ok, text) = masa(dir.path(), &args);
        assert!(!ok, "{args:?} is refused");
        assert!(text.contains(says), "{args:?} says {says:?}: {text}");
    }
}
