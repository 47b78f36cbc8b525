//! The database: one pool over SQLite (embedded default, WAL) or PostgreSQL, chosen by URL.
//! Modules write portable SQL with `$1` placeholders (both backends accept them) and keep
//! dates and times as ISO-8601 text, so one set of queries serves both.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

pub type Transaction = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// PostgreSQL only: a small pool of native connections to the same database, for what the
    /// `Any` driver does not expose (COPY, for bulk writes). Connects on first use.
    pub native_postgres: Option<sqlx::PgPool>,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL must start with sqlite:// or postgres://, not {0:?}")]
    UnknownUrl(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnknownUrl(url.to_owned()))
        }
    }
}

impl Db {
    /// Connects, creating an embedded database file (and its folder) when missing.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_file(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyPoolOptions::new().max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        });
        let options = match backend {
            Backend::Sqlite => options.after_connect(|connection, _| {
                Box::pin(async move {
                    connection
                        .execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        let pool = options.connect(&url).await?;
        if backend == Backend::Sqlite {
            // WAL is a property of the file: readers never block the writer.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        let native_postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .connect_lazy(&url)?,
            ),
        };
        Ok(Db {
            pool,
            backend,
            native_postgres,
        })
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// A transaction for changes. On SQLite it takes the write lock at once (BEGIN IMMEDIATE),
    /// so two writers queue on the busy timeout instead of failing on a lock upgrade.
    pub async fn begin_write(&self) -> Result<Transaction, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(native) = &self.native_postgres {
            native.close().await;
        }
    }
}

fn sqlite_url_creating_file(url: &str) -> Result<String, DbError> {
    let path_part = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = path_part.split_once('?').unwrap_or((path_part, ""));
    if path != ":memory:"
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|source| DbError::DataDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// Is this error a unique-constraint violation? (Both backends report it differently.)
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(database_error) => {
            database_error.is_unique_violation()
                || database_error.code().as_deref() == Some("23505")
                || database_error
                    .message()
                    .contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

/// A stored ISO date column as a date; a value that is not one is a decode error naming it.
pub fn date_column(row: &sqlx::any::AnyRow, column: &str) -> Result<time::Date, sqlx::Error> {
    optional_date_column(row, column)?
        .ok_or_else(|| sqlx::Error::Decode(format!("{column} is empty, not a date").into()))
}

/// A nullable stored ISO date column.
pub fn optional_date_column(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Option<time::Date>, sqlx::Error> {
    use sqlx::Row;
    let text: Option<String> = row.try_get(column)?;
    match text {
        Some(text) => super::text::parse_iso_date(&text).map(Some).ok_or_else(|| {
            sqlx::Error::Decode(format!("{column} holds {text:?}, not a date").into())
        }),
        None => Ok(None),
    }
}

/// Current time as stored: RFC 3339 in UTC to the second, which sorts as text.
pub fn now_text() -> String {
    timestamp_text(time::OffsetDateTime::now_utc())
}

pub fn timestamp_text(at: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

pub fn parse_timestamp(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_gain_create_mode() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/deep/masa.db", dir.path().display());
        let made = sqlite_url_creating_file(&url).unwrap();
        assert!(made.ends_with("/deep/masa.db?mode=rwc"));
        assert!(dir.path().join("deep").is_dir());
        assert!(Backend::from_url("mysql://x").is_err());
    }

    #[test]
    fn timestamps_round_trip_and_sort() {
        let at = time::macros::datetime!(2026-11-23 09:05:00 UTC);
        let text = timestamp_text(at);
        assert_eq!(text, "2026-11-23T09:05:00Z");
        assert_eq!(parse_timestamp(&text), Some(at));
        assert!(timestamp_text(time::macros::datetime!(2026-11-23 10:00:00 UTC)) > text);
    }
}
