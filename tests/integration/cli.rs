//! The `masa` command as an operator uses it: migrate, user add, backup and restore, on files.

use std::process::Command;

fn masa(data_dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_masa"))
        .args(args)
        .env("MASA_DATA_DIR", data_dir)
        .env("MASA_LOG", "warn")
        .env_remove("MASA_DATABASE_URL")
        .env_remove("MASA_CONFIG")
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
