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
    use masa::kernel::audit::{self, Actor, AuditAction, AuditEntry};
    use masa::partnership::model::{OrganisationDetails, OrganisationKind};
    use masa::partnership::store;
    // A writer adds organisations, each with its audit entry in the same transaction, while
    // backups are taken: every backup must hold each organisation together with its entry.
    let db = app.db.clone();
    let writer = tokio::spawn(async move {
        for n in 0..150 {
            let mut tx = db.begin_write().await.unwrap();
            let details = OrganisationDetails {
                name: format!("Load Test Nursery {n}"),
                kind: OrganisationKind::School,
                sector: "Early years".into(),
                active_from: time::macros::date!(2024 - 09 - 01),
                active_to: None,
            };
            let id = store::insert_organisation(&mut tx, 1, &details)
                .await
                .unwrap();
            audit::record(
                &mut tx,
                &Actor::system("load test", 1),
                AuditEntry {
                    action: AuditAction::Create,
                    entity_type: "organisation",
                    entity_id: Some(id),
                    summary: details.name.clone(),
                    before: None,
                    after: None,
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
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
