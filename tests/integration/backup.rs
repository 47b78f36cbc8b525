//! Backup and restore round-trip exactly, on both backends, and across them.

use crate::on_both_backends;
use crate::support::TestApp;
use masa::kernel::backup;

on_both_backends!(backup_and_restore_round_trip_exactly, |app| {
    masa::demo::load(&app.db).await.unwrap();
    // Some work after the demo, including text that needs care.
    let mut admin = app.signed_in("admin@masa.example").await;
    admin
        .post(
            "/partnership/organisations/new",
            &[
                ("name", "Ysgol \"Quotes\" & <Tags> — ünïcödé"),
                ("kind", "school"),
                ("sector", "Education"),
                ("active_from_day", "1"),
                ("active_from_month", "9"),
                ("active_from_year", "2025"),
            ],
        )
        .await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("masa-backup.json");
    let rows = backup::write_file(&app.db, &file).await.unwrap();
    assert!(rows > 300);
    let original = backup::take(&app.db).await.unwrap();

    // Into a fresh database of each kind.
    let mut targets = vec![TestApp::sqlite().await];
    targets.extend(TestApp::postgres().await);
    for target in targets {
        let restored_rows = backup::restore(&target.db, &backup::read_file(&file).unwrap())
            .await
            .unwrap();
        assert_eq!(restored_rows, rows);
        let copy = backup::take(&target.db).await.unwrap();
        assert_eq!(copy.tables, original.tables, "restored data is identical");
        // The restored database works: people can sign in and new records get fresh ids.
        let mut admin = target.signed_in("admin@masa.example").await;
        let created = admin
            .post(
                "/partnership/organisations/new",
                &[
                    ("name", "After Restore"),
                    ("kind", "other"),
                    ("sector", "Other"),
                    ("active_from_day", "1"),
                    ("active_from_month", "1"),
                    ("active_from_year", "2026"),
                ],
            )
            .await;
        assert_eq!(
            created.status,
            axum::http::StatusCode::SEE_OTHER,
            "{}",
            created.body
        );
        // Restoring twice is refused: the target is no longer empty.
        let again = backup::restore(&target.db, &backup::read_file(&file).unwrap()).await;
        assert!(matches!(again, Err(backup::BackupError::NotEmpty(_))));
        target.finish().await;
    }

    // A file that is not a backup is refused with a reason, and nothing is loaded.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, b"{\"hello\": 1}").unwrap();
    assert!(matches!(
        backup::read_file(&junk),
        Err(backup::BackupError::NotABackup(_))
    ));
});

on_both_backends!(a_backup_taken_under_write_load_is_consistent, |app| {
    use masa::kernel::Change;
    use masa::kernel::audit::Actor;
    use masa::partnership::model::{OrganisationDetails, OrganisationKind};
    // A writer adds organisations, each with its audit entry in the same transaction, while
    // backups are taken: every backup must hold each organisation together with its entry.
    let db = app.db.clone();
    let writer = tokio::spawn(async move {
        for n in 0..150 {
            let mut change = Change::begin(
                &db,
                Actor::system("load test", masa::kernel::ids::PartnershipId::new(1)),
            )
            .await
            .unwrap();
            let details = OrganisationDetails {
                name: format!("Load Test Nursery {n}"),
                kind: OrganisationKind::School,
                sector: "Early years".into(),
                active_from: time::macros::date!(2024 - 09 - 01),
                active_to: None,
            };
            masa::partnership::add_organisation(&mut change, &details)
                .await
                .unwrap();
            change.commit().await.unwrap();
        }
    });
    let mut seen = Vec::new();
    while !writer.is_finished() {
        let backup = backup::take(&app.db).await.unwrap();
        let rows = |name: &str| {
            backup
                .tables
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.rows.len())
                .unwrap()
        };
        assert_eq!(
            rows("organisations"),
            rows("audit_events"),
            "a backup caught a half-made change"
        );
        seen.push(rows("organisations"));
    }
    writer.await.unwrap();
    assert!(!seen.is_empty());
    assert_eq!(
        backup::take(&app.db)
            .await
            .unwrap()
            .tables
            .iter()
            .find(|t| t.name == "organisations")
            .unwrap()
            .rows
            .len(),
        150
    );
});

/// The tables whose primary key has more than one column: the old `ORDER BY 1` left their rows
/// in storage order.
const COMPOSITE_KEY_TABLES: [&str; 3] = [
    "indicator_themes",
    "learning_finding_themes",
    "learning_review_agencies",
];

/// Deletes a table's rows and puts the same rows back in reverse, so they are stored in another
/// order while the data stays the same.
async fn store_in_reverse(app: &TestApp, table: &backup::TableData) {
    let mut tx = app.db.begin_write().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", table.name)))
        .execute(&mut *tx)
        .await
        .unwrap();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        table.columns.join(", "),
        (1..=table.columns.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for row in table.rows.iter().rev() {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for value in row {
            query = query.bind(value.as_i64().expect("link tables hold ids"));
        }
        query.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

on_both_backends!(two_backups_of_the_same_state_are_the_same_bytes, |app| {
    use sha2::{Digest, Sha256};
    masa::demo::load(&app.db).await.unwrap();
    // The demo links no indicator to the business plan: link the first to every priority, so
    // indicator_themes has rows sharing their first key column too.
    sqlx::query(
        "INSERT INTO indicator_themes (indicator_id, plan_item_id) \
         SELECT (SELECT MIN(id) FROM indicators), id FROM business_plan_priorities",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    let second = dir.path().join("second.json");
    let sha256 = |path: &std::path::Path| hex::encode(Sha256::digest(std::fs::read(path).unwrap()));

    backup::write_file(&app.db, &first).await.unwrap();
    let taken = backup::read_file(&first).unwrap();
    // The same rows, stored in another order.
    for name in COMPOSITE_KEY_TABLES {
        let table = taken.tables.iter().find(|t| t.name == name).unwrap();
        let first_ids: std::collections::HashSet<_> =
            table.rows.iter().map(|row| row[0].clone()).collect();
        assert!(
            first_ids.len() < table.rows.len(),
            "the demo gives {name} rows sharing their first key column, or this proves nothing"
        );
        store_in_reverse(app, table).await;
    }
    if app.db.backend == masa::kernel::db::Backend::Postgres {
        // As autovacuum would: with statistics, PostgreSQL sorts small tables after a scan in
        // storage order rather than walking the key's index.
        sqlx::query("ANALYZE").execute(&app.db.pool).await.unwrap();
    }
    backup::write_file(&app.db, &second).await.unwrap();
    assert_eq!(
        sha256(&first),
        sha256(&second),
        "two backups of one state differ"
    );

    // Every table's rows come in the order of its whole primary key.
    for name in COMPOSITE_KEY_TABLES {
        let table = taken.tables.iter().find(|t| t.name == name).unwrap();
        let keys: Vec<(i64, i64)> = table
            .rows
            .iter()
            .map(|row| (row[0].as_i64().unwrap(), row[1].as_i64().unwrap()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{name} is not in key order");
    }

    // A restore into a fresh database of either kind backs up to the very same bytes.
    let mut targets = vec![TestApp::sqlite().await];
    targets.extend(TestApp::postgres().await);
    for target in targets {
        backup::restore(&target.db, &taken).await.unwrap();
        let again = dir.path().join(format!("{:?}.json", target.db.backend));
        backup::write_file(&target.db, &again).await.unwrap();
        assert_eq!(
            sha256(&first),
            sha256(&again),
            "the restored {:?} database backs up differently",
            target.db.backend
        );
        target.finish().await;
    }

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&first).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "backups hold personal data: owner only");
    }
});
