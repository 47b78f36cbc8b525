//! The database: one pool over SQLite (embedded default, WAL) or PostgreSQL, chosen by URL.
//! Modules write portable SQL with `$1` placeholders (both backends accept them) and keep
//! dates and times as ISO-8601 text, so one set of queries serves both.

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

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
    #[error("cannot create the database file or its folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    /// The start-up check failed: the database is unreachable, not a database, or read-only.
    #[error("cannot use the database {url} (setting database_url / MASA_DATABASE_URL): {cause}")]
    Open { url: String, cause: String },
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

/// How long the start-up check waits for the database: an unreachable server fails at once
/// with its cause, instead of after the pool's 30 s with "pool timed out".
pub const START_UP_CHECK: Duration = Duration::from_secs(5);

/// How long a request waits for a free connection once running (sqlx's default, kept): under
/// load requests queue for a connection rather than fail sooner.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

impl Db {
    /// Connects, creating an embedded database file (and its folder) when missing. One
    /// connection is opened first and tried (reachable, a database, writable) within
    /// [`START_UP_CHECK`], so a wrong setting fails fast and says why.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        Db::connect_with(url, Access::ReadWrite).await
    }

    /// Connects for reading only (a backup): a read-only database is no fault here.
    pub async fn connect_to_read(url: &str) -> Result<Db, DbError> {
        Db::connect_with(url, Access::Read).await
    }

    async fn connect_with(url: &str, access: Access) -> Result<Db, DbError> {
        let shown_url = url;
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_file(url)?,
            Backend::Postgres => url.to_owned(),
        };
        check_first_connection(&url, backend, access)
            .await
            .map_err(|cause| DbError::Open {
                url: redacted_url(shown_url),
                cause,
            })?;
        let options = AnyPoolOptions::new()
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .max_connections(match backend {
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

/// What the connecting command will do with the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    ReadWrite,
}

/// Opens one connection outside the pool (whose connects retry until its timeout, hiding the
/// cause) and checks that it reaches a database it can use (write to, unless only reading),
/// within [`START_UP_CHECK`].
async fn check_first_connection(url: &str, backend: Backend, access: Access) -> Result<(), String> {
    let attempt = async {
        let mut connection = AnyConnection::connect(url).await?;
        let read_only = match backend {
            Backend::Sqlite => {
                // Reading the schema reads the file's header ("file is not a database"); taking
                // the write lock and letting it go finds a read-only file or `mode=ro`.
                connection
                    .execute("SELECT COUNT(*) FROM sqlite_master")
                    .await?;
                if access == Access::Read {
                    false
                } else {
                    let result = write_nothing(&mut connection).await;
                    if result.is_err() {
                        let _ = connection.execute("ROLLBACK").await;
                    }
                    match result {
                        Ok(()) => false,
                        Err(sqlx::Error::Database(error))
                            if error.message().contains("readonly")
                                || error.message().contains("read-only") =>
                        {
                            true
                        }
                        // Another process is writing (a running service): writable, then.
                        Err(sqlx::Error::Database(error))
                            if error.message().contains("database is locked") =>
                        {
                            false
                        }
                        Err(error) => return Err(error),
                    }
                }
            }
            Backend::Postgres => {
                // A standby, or a database set default_transaction_read_only.
                let read_only: String =
                    sqlx::query_scalar("SELECT current_setting('transaction_read_only')")
                        .fetch_one(&mut connection)
                        .await?;
                read_only == "on"
            }
        };
        connection.close().await?;
        Ok::<bool, sqlx::Error>(read_only)
    };
    match tokio::time::timeout(START_UP_CHECK, attempt).await {
        Ok(Ok(true)) if access == Access::ReadWrite => {
            Err("it is read-only, and MASA needs to write to it".to_owned())
        }
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!(
            "no answer within {} s (is the server running and reachable?)",
            START_UP_CHECK.as_secs()
        )),
    }
}

/// Writes the database header's user version back unchanged and rolls back: fails on a
/// read-only file (or `mode=ro`) where merely taking the write lock does not.
async fn write_nothing(connection: &mut AnyConnection) -> Result<(), sqlx::Error> {
    // Well inside the check's 5 s (and sqlx's 1 s slow-statement warning): a writer holding
    // the lock reads as "locked", not as silence.
    connection.execute("PRAGMA busy_timeout = 500").await?;
    connection.execute("BEGIN IMMEDIATE").await?;
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut *connection)
        .await?;
    connection
        .execute(sqlx::AssertSqlSafe(format!(
            "PRAGMA user_version = {version}"
        )))
        .await?;
    connection.execute("ROLLBACK").await?;
    Ok(())
}

/// The URL fit for a message or a log: any password replaced by `***`.
pub fn redacted_url(url: &str) -> String {
    if matches!(Backend::from_url(url), Ok(Backend::Sqlite)) {
        return url.to_owned();
    }
    let Ok(mut parsed) = url::Url::parse(url) else {
        // Not parseable: it may still hold a password after "user:", so say only its scheme.
        return match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => "(not a URL)".to_owned(),
        };
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if parsed.query_pairs().any(|(name, _)| name == "password") {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| {
                let value = if name == "password" {
                    "***".into()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

fn sqlite_url_creating_file(url: &str) -> Result<String, DbError> {
    let path_part = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = path_part.split_once('?').unwrap_or((path_part, ""));
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    if path != ":memory:" && query.contains("mode=rwc") {
        let file = std::path::Path::new(path);
        if let Some(parent) = file.parent()
            && !parent.as_os_str().is_empty()
        {
            super::private_files::create_dir(parent).map_err(|source| DbError::DataDir {
                path: parent.display().to_string(),
                source,
            })?;
        }
        // Made here, owner-only, rather than by SQLite (0644): its -wal and -shm files take
        // the database file's mode.
        match super::private_files::create_new(file) {
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                // Made by an earlier MASA (0644), perhaps: said, not changed behind the operator.
                if let Ok(metadata) = std::fs::metadata(file)
                    && let Some(mode) = super::private_files::shared_mode(&metadata)
                {
                    tracing::warn!(
                        "the database file {path} can be read by other users (mode {mode:04o}); \
                         run `chmod 600 {path}*` to keep its records to MASA's own user"
                    );
                }
            }
            Err(error) => {
                return Err(DbError::DataDir {
                    path: file.display().to_string(),
                    source: error,
                });
            }
            Ok(_) => {}
        }
    }
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

/// Did the database refuse a write only because it lost a race with another, so that the
/// same write, tried again from the start, may succeed? PostgreSQL reports a serialisation
/// failure (40001) or a deadlock (40P01); SQLite a busy or locked database (codes 5 and 6 and
/// their extended forms) when the busy timeout ran out.
pub fn is_retryable(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(database_error) = error else {
        return false;
    };
    match database_error.code().as_deref() {
        Some("40001" | "40P01") => true,
        Some(code) => code
            .parse::<i64>()
            .is_ok_and(|code| matches!(code & 0xff, 5 | 6)),
        None => database_error.message().contains("database is locked"),
    }
}

/// An error that may say a write lost a race (see `is_retryable`).
pub trait Retryable {
    fn is_retryable(&self) -> bool;
}

impl Retryable for sqlx::Error {
    fn is_retryable(&self) -> bool {
        is_retryable(self)
    }
}

/// Most attempts `retrying` makes at one write.
pub const WRITE_ATTEMPTS: u32 = 5;

/// Runs a write, and runs it again (up to `WRITE_ATTEMPTS` in all, after a short random pause)
/// while the database refuses it for losing a race, so a serialisation failure or deadlock is
/// never answered as a server error. Each attempt must be a whole transaction that reads what
/// it depends on inside itself: a retry then judges afresh.
pub async fn retrying<T, E, F, Fut>(mut write: F) -> Result<T, E>
where
    E: Retryable,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut attempt = 1;
    loop {
        match write().await {
            Err(error) if attempt < WRITE_ATTEMPTS && error.is_retryable() => {
                tracing::warn!(attempt, "a write lost a race with another; trying it again");
                // Random, growing pauses, so the writers that collided do not collide again.
                let pause =
                    5 * u64::from(attempt) + rand::random::<u64>() % (20 * u64::from(attempt));
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// The clause that locks the rows a SELECT reads until its transaction ends: `FOR UPDATE` on
/// PostgreSQL. SQLite needs none: a write transaction (`Db::begin_write`, BEGIN IMMEDIATE)
/// already holds the database's one write lock, so nothing changes under it.
pub fn for_update(tx: &Transaction) -> &'static str {
    if tx.backend_name().eq_ignore_ascii_case("postgresql") {
        " FOR UPDATE"
    } else {
        ""
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

/// A stored ISO date column, for a derived row: `#[sqlx(try_from = "IsoDate")] due_on: Date`.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct IsoDate(String);

/// A nullable stored ISO date column: `#[sqlx(try_from = "OptionalIsoDate")] closed_on: Option<Date>`.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct OptionalIsoDate(Option<String>);

/// A date column that holds something else: the row is refused with the text it held.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a date")]
pub struct NotADate(String);

impl TryFrom<IsoDate> for time::Date {
    type Error = NotADate;

    fn try_from(stored: IsoDate) -> Result<time::Date, NotADate> {
        super::text::parse_iso_date(&stored.0).ok_or(NotADate(stored.0))
    }
}

impl TryFrom<OptionalIsoDate> for Option<time::Date> {
    type Error = NotADate;

    fn try_from(stored: OptionalIsoDate) -> Result<Option<time::Date>, NotADate> {
        stored
            .0
            .map(|text| time::Date::try_from(IsoDate(text)))
            .transpose()
    }
}

/// A code stored in a column (a status, a kind, a quarter) that names no known value: decoding
/// the row fails with it.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {code:?}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
}

/// Lets a code-stored enum decode from its column in a derived row
/// (`#[sqlx(try_from = "String")]`) through its `from_code` (or the parser given).
#[macro_export]
macro_rules! stored_code {
    ($kind:ty, $what:literal) => {
        $crate::stored_code!($kind, $what, <$kind>::from_code);
    };
    ($kind:ty, $what:literal, $parse:expr) => {
        impl TryFrom<String> for $kind {
            type Error = $crate::kernel::db::UnknownCode;

            fn try_from(code: String) -> ::std::result::Result<Self, Self::Error> {
                ($parse)(&code).ok_or($crate::kernel::db::UnknownCode { what: $what, code })
            }
        }
    };
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &std::path::Path| {
                std::fs::metadata(path).unwrap().permissions().mode() & 0o777
            };
            assert_eq!(mode(&dir.path().join("deep")), 0o700);
            assert_eq!(mode(&dir.path().join("deep/masa.db")), 0o600);
        }
        // A read-only URL creates nothing.
        let url = format!("sqlite://{}/other/masa.db?mode=ro", dir.path().display());
        sqlite_url_creating_file(&url).unwrap();
        assert!(!dir.path().join("other").exists());
        assert!(Backend::from_url("mysql://x").is_err());
    }

    #[derive(Debug, PartialEq)]
    struct Lost(bool);

    impl Retryable for Lost {
        fn is_retryable(&self) -> bool {
            self.0
        }
    }

    #[tokio::test]
    async fn writes_that_lose_a_race_are_tried_again_a_bounded_number_of_times() {
        let mut calls = 0;
        let outcome: Result<u32, Lost> = retrying(|| {
            calls += 1;
            let call = calls;
            async move { if call < 3 { Err(Lost(true)) } else { Ok(call) } }
        })
        .await;
        assert_eq!(outcome, Ok(3));

        let mut calls = 0;
        let outcome: Result<(), Lost> = retrying(|| {
            calls += 1;
            async { Err(Lost(true)) }
        })
        .await;
        assert_eq!(outcome, Err(Lost(true)));
        assert_eq!(calls, WRITE_ATTEMPTS);

        // Any other refusal is final at once.
        let mut calls = 0;
        let outcome: Result<(), Lost> = retrying(|| {
            calls += 1;
            async { Err(Lost(false)) }
        })
        .await;
        assert_eq!((outcome, calls), (Err(Lost(false)), 1));
    }

    #[test]
    fn passwords_never_show_in_database_urls() {
        assert_eq!(
            redacted_url("postgres://masa:hunter2@db.internal:5432/masa"),
            "postgres://masa:***@db.internal:5432/masa"
        );
        assert_eq!(
            redacted_url("postgresql://db/masa?user=masa&password=hunter2&sslmode=require"),
            "postgresql://db/masa?user=masa&password=***&sslmode=require"
        );
        assert_eq!(
            redacted_url("postgres://postgres@127.0.0.1:1/x"),
            "postgres://postgres@127.0.0.1:1/x"
        );
        assert_eq!(
            redacted_url("sqlite://data/masa.db"),
            "sqlite://data/masa.db"
        );
        assert!(!redacted_url("postgres://masa:hunter2@[::1/masa").contains("hunter2"));
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
