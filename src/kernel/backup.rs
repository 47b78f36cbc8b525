//! Online, consistent backup and restore, the same on both backends: every table is read inside
//! one read-only snapshot transaction and written as JSON; restore loads that into an empty,
//! migrated database of either kind (so it also moves a partnership from SQLite to PostgreSQL).

use serde::{Deserialize, Serialize};
use sqlx::any::AnyTypeInfoKind;
use sqlx::{Row, TypeInfo, ValueRef};

use super::db::{Backend, Db};

pub const FORMAT: &str = "masa-backup";
pub const FORMAT_VERSION: i64 = 1;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Backup {
    pub format: String,
    pub version: i64,
    /// When the backup was taken: written by earlier versions only. A backup holds nothing but
    /// the data (the file's own time says when), so two backups of the same state are the same
    /// bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The newest migration applied to the database backed up.
    pub schema_version: i64,
    pub tables: Vec<TableData>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct TableData {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("cannot read or write the backup file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is not a MASA backup: {0}")]
    NotABackup(String),
    #[error(
        "the backup is from schema version {backup}, but this MASA has {current}: use the matching MASA version"
    )]
    SchemaMismatch { backup: i64, current: i64 },
    #[error("restore needs an empty database, but table {0} already has rows")]
    NotEmpty(String),
}

/// Tables named with this prefix are working copies (a bulk import's staging table on
/// PostgreSQL), never data: they are left out of backups.
pub const STAGING_PREFIX: &str = "staging_";

/// The one table the migrations fill (with the first partnership): an otherwise empty database
/// is still empty enough to restore into.
const SEEDED_BY_MIGRATION: &str = "partnerships";

/// Application tables (not the migration bookkeeping nor staging tables), in creation order.
async fn table_names(db: &Db, conn: &mut sqlx::AnyConnection) -> Result<Vec<String>, sqlx::Error> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' AND substr(name, 1, 8) <> 'staging_' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' AND NOT starts_with(table_name, 'staging_') ORDER BY table_name"
        }
    };
    sqlx::query_scalar(sql).fetch_all(&mut *conn).await
}

/// The columns of the table's primary key, in the key's order; every column if it has none.
/// Rows are written in this order, so a backup of the same data is the same bytes.
async fn key_columns(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[(String, ColumnKind)],
) -> Result<Vec<(String, ColumnKind)>, sqlx::Error> {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk",
        Backend::Postgres => {
            "SELECT kcu.column_name::text FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu ON kcu.constraint_schema = tc.constraint_schema \
             AND kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name \
             WHERE tc.table_schema = current_schema() AND tc.table_name = $1 \
             AND tc.constraint_type = 'PRIMARY KEY' ORDER BY kcu.ordinal_position"
        }
    };
    let names: Vec<String> = sqlx::query_scalar(sql)
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
    if names.is_empty() {
        return Ok(columns.to_vec());
    }
    Ok(names
        .into_iter()
        .map(|name| {
            let kind = columns
                .iter()
                .find(|(column, _)| *column == name)
                .map_or(ColumnKind::Text, |(_, kind)| *kind);
            (name, kind)
        })
        .collect())
}

/// `ORDER BY` for the key columns, the same on both backends: text by its bytes (SQLite's
/// BINARY; PostgreSQL's "C" collation rather than the locale's), nulls first.
fn order_by(db: &Db, key: &[(String, ColumnKind)]) -> String {
    key.iter()
        .map(|(column, kind)| match (db.backend, kind) {
            (Backend::Sqlite, _) => format!("\"{column}\""),
            (Backend::Postgres, ColumnKind::Text) => {
                format!("\"{column}\" COLLATE \"C\" NULLS FIRST")
            }
            (Backend::Postgres, _) => format!("\"{column}\" NULLS FIRST"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Column names and whether each holds integers, real numbers or text.
async fn column_kinds(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    table: &str,
) -> Result<Vec<(String, ColumnKind)>, sqlx::Error> {
    let rows = match db.backend {
        Backend::Sqlite => sqlx::query("SELECT name, type FROM pragma_table_info($1) ORDER BY cid").bind(table).fetch_all(&mut *conn).await?,
        Backend::Postgres => sqlx::query("SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position").bind(table).fetch_all(&mut *conn).await?,
    };
    rows.iter()
        .map(|row| {
            let name: String = row.try_get("name")?;
            let declared: String = row.try_get("type")?;
            let declared = declared.to_lowercase();
            let kind = if declared.contains("int") {
                ColumnKind::Integer
            } else if declared.contains("real")
                || declared.contains("double")
                || declared.contains("numeric")
            {
                ColumnKind::Real
            } else {
                ColumnKind::Text
            };
            Ok((name, kind))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ColumnKind {
    Integer,
    Real,
    Text,
}

async fn schema_version(conn: &mut sqlx::AnyConnection) -> Result<i64, sqlx::Error> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = true")
            .fetch_one(&mut *conn)
            .await
            .or_else(|_| Ok::<_, sqlx::Error>(None))?;
    Ok(version.unwrap_or(0))
}

fn cell(row: &sqlx::any::AnyRow, index: usize) -> Result<serde_json::Value, sqlx::Error> {
    let (kind, name) = {
        let raw = row.try_get_raw(index)?;
        if raw.is_null() {
            return Ok(serde_json::Value::Null);
        }
        (raw.type_info().kind(), raw.type_info().name().to_owned())
    };
    Ok(match kind {
        AnyTypeInfoKind::SmallInt
        | AnyTypeInfoKind::Integer
        | AnyTypeInfoKind::BigInt
        | AnyTypeInfoKind::Bool => serde_json::Value::from(row.try_get::<i64, _>(index)?),
        AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => {
            serde_json::Value::from(row.try_get::<f64, _>(index)?)
        }
        AnyTypeInfoKind::Text => serde_json::Value::from(row.try_get::<String, _>(index)?),
        _ => {
            return Err(sqlx::Error::Decode(
                format!("column type {name} cannot be backed up").into(),
            ));
        }
    })
}

/// Reads every table inside one snapshot, so the backup is consistent while the service runs.
pub async fn take(db: &Db) -> Result<Backup, BackupError> {
    let mut tx = match db.backend {
        // A read transaction in WAL mode sees one snapshot and never blocks writers.
        Backend::Sqlite => db.pool.begin().await?,
        Backend::Postgres => {
            db.pool
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?
        }
    };
    let schema_version = schema_version(&mut tx).await?;
    let mut tables = Vec::new();
    for name in table_names(db, &mut tx).await? {
        let kinds = column_kinds(db, &mut tx, &name).await?;
        let key = key_columns(db, &mut tx, &name, &kinds).await?;
        let columns: Vec<String> = kinds.into_iter().map(|(column, _)| column).collect();
        let sql = format!(
            "SELECT {} FROM {name} ORDER BY {}",
            columns
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", "),
            order_by(db, &key)
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?;
        let rows = rows
            .iter()
            .map(|row| {
                (0..row.columns().len())
                    .map(|index| cell(row, index))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        tables.push(TableData {
            name,
            columns,
            rows,
        });
    }
    tx.commit().await?;
    Ok(Backup {
        format: FORMAT.to_owned(),
        version: FORMAT_VERSION,
        created_at: None,
        schema_version,
        tables,
    })
}

pub async fn write_file(db: &Db, path: &std::path::Path) -> Result<usize, BackupError> {
    let backup = take(db).await?;
    let rows = backup.tables.iter().map(|table| table.rows.len()).sum();
    // Owner-only (it holds personal data), written beside the target and renamed, so a crash
    // never leaves half a backup under its name.
    super::private_files::write_atomically(
        path,
        &serde_json::to_vec(&backup).map_err(|e| BackupError::NotABackup(e.to_string()))?,
    )?;
    Ok(rows)
}

pub fn read_file(path: &std::path::Path) -> Result<Backup, BackupError> {
    let bytes = std::fs::read(path)?;
    let backup: Backup = serde_json::from_slice(&bytes)
        .map_err(|error| BackupError::NotABackup(error.to_string()))?;
    if backup.format != FORMAT || backup.version != FORMAT_VERSION {
        return Err(BackupError::NotABackup(format!(
            "format {} version {}",
            backup.format, backup.version
        )));
    }
    Ok(backup)
}

/// Loads a backup into this (migrated, empty) database in one transaction: all or nothing.
pub async fn restore(db: &Db, backup: &Backup) -> Result<usize, BackupError> {
    let mut conn = db.pool.acquire().await?;
    let current = schema_version(&mut conn).await?;
    if current != backup.schema_version {
        return Err(BackupError::SchemaMismatch {
            backup: backup.schema_version,
            current,
        });
    }
    if db.backend == Backend::Sqlite {
        // Rows go in table by table; references are checked once everything is in.
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut *conn)
            .await?;
    }
    let result = restore_rows(db, &mut conn, backup).await;
    if db.backend == Backend::Sqlite {
        sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn restore_rows(
    db: &Db,
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    backup: &Backup,
) -> Result<usize, BackupError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    if db.backend == Backend::Postgres {
        // Defer reference and trigger checks to the end of this transaction's load.
        sqlx::query("SET LOCAL session_replication_role = replica")
            .execute(&mut *tx)
            .await?;
    }
    let existing = table_names(db, &mut tx).await?;
    for table in &existing {
        if table == SEEDED_BY_MIGRATION {
            continue;
        }
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut *tx)
                .await?;
        if count > 0 {
            return Err(BackupError::NotEmpty(table.clone()));
        }
    }
    // The migrations make the first partnership so a new installation works at once; the
    // backup brings its own (with its name), so that placeholder gives way.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {SEEDED_BY_MIGRATION}"
    )))
    .execute(&mut *tx)
    .await?;
    let mut restored = 0;
    for table in &backup.tables {
        if !existing.contains(&table.name) {
            return Err(BackupError::NotABackup(format!(
                "unknown table {}",
                table.name
            )));
        }
        let kinds = column_kinds(db, &mut tx, &table.name).await?;
        let column_kind = |column: &str| {
            kinds
                .iter()
                .find(|(name, _)| name == column)
                .map(|(_, kind)| *kind)
        };
        let mut column_list = Vec::new();
        for column in &table.columns {
            if column_kind(column).is_none() {
                return Err(BackupError::NotABackup(format!(
                    "unknown column {}.{column}",
                    table.name
                )));
            }
            column_list.push(format!("\"{column}\""));
        }
        let placeholders: Vec<String> =
            (1..=table.columns.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name,
            column_list.join(", "),
            placeholders.join(", ")
        );
        for row in &table.rows {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (column, value) in table.columns.iter().zip(row) {
                query = match (column_kind(column), value) {
                    (Some(ColumnKind::Integer), serde_json::Value::Null) => query.bind(None::<i64>),
                    (Some(ColumnKind::Real), serde_json::Value::Null) => query.bind(None::<f64>),
                    (_, serde_json::Value::Null) => query.bind(None::<String>),
                    (Some(ColumnKind::Integer), value) => {
                        query.bind(value.as_i64().ok_or_else(|| {
                            BackupError::NotABackup(format!(
                                "{}.{column} holds {value}",
                                table.name
                            ))
                        })?)
                    }
                    (Some(ColumnKind::Real), value) => {
                        query.bind(value.as_f64().ok_or_else(|| {
                            BackupError::NotABackup(format!(
                                "{}.{column} holds {value}",
                                table.name
                            ))
                        })?)
                    }
                    (_, serde_json::Value::String(text)) => query.bind(text.clone()),
                    (_, value) => query.bind(value.to_string()),
                };
            }
            // Not cached: a NULL in a real column would otherwise fix the parameter's type
            // (sqlx's Any driver declares NULL f64 as float4 on PostgreSQL).
            query.persistent(false).execute(&mut *tx).await?;
            restored += 1;
        }
        if db.backend == Backend::Postgres && table.columns.iter().any(|c| c == "id") {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)",
                table.name
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
        }
    }
    if db.backend == Backend::Sqlite {
        let broken: Vec<String> =
            sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(&mut *tx)
                .await?;
        if let Some(table) = broken.first() {
            return Err(BackupError::NotABackup(format!(
                "rows in {table} refer to records the backup does not hold"
            )));
        }
    }
    tx.commit().await?;
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_made_before_they_were_reproducible_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let older = dir.path().join("older.json");
        std::fs::write(
            &older,
            r#"{"format":"masa-backup","version":1,"created_at":"2026-11-01T09:00:00Z","schema_version":12,"tables":[]}"#,
        )
        .unwrap();
        let backup = read_file(&older).unwrap();
        assert_eq!(backup.created_at.as_deref(), Some("2026-11-01T09:00:00Z"));
        // A backup written now holds no time of its own.
        let text = serde_json::to_string(&Backup {
            created_at: None,
            ..backup
        })
        .unwrap();
        assert!(!text.contains("created_at"), "{text}");
    }
}
