//! Accounts, passwords, sessions and sign-in throttling. The kernel owns the `users`,
//! `sessions` and `sign_in_attempts` tables; the accounts module builds pages on these functions,
//! and the CLI and the demo loader create accounts through the same ones.
//!
//! Accounts belong to a partnership: reads take a [`Store`] (`find_user_by_id(scope, id)`), writes
//! a [`Change`] and record their own audit entry. Sessions, sign-in attempts and locks are found
//! by a token or an e-mail address before any partnership is known, so they take the [`Db`].

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::Row;
use subtle::ConstantTimeEq;

use super::audit::{AuditAction, AuditEntry};
use super::db::{Db, now_text, timestamp_text};
use super::ids::{OrganisationId, PartnershipId, UserId};
use super::roles::{Permission, Role};
use super::store::{Change, Store};

pub const MIN_PASSWORD_LENGTH: usize = 12;
pub const MAX_PASSWORD_LENGTH: usize = 256;
/// Wrong passwords in a row an address may make with no wait between them (see
/// [`sign_in_delay`]).
pub const SIGN_IN_FREE_FAILURES: i64 = 3;
/// The wait after the first failure past the free ones; each further failure doubles it.
pub const SIGN_IN_FIRST_DELAY_SECONDS: i64 = 1;
/// The longest wait between attempts for one address: an attacker can never hold the real
/// person out for longer than this after their own last guess.
pub const SIGN_IN_MAX_DELAY_SECONDS: i64 = 15 * 60;
/// An address's failures are forgotten this long after its last one.
pub const SIGN_IN_FAILURES_KEPT_HOURS: i64 = 24;
/// The window of the per-client-address limit (`MASA_SIGN_IN_ATTEMPTS_PER_IP` attempts in it,
/// `kernel::throttle`).
pub const SIGN_IN_WINDOW_MINUTES: i64 = 15;

/// A signed-in person, as every handler sees them.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentUser {
    pub id: super::ids::UserId,
    /// The Safeguarding Children Partnership the account belongs to: everything it reads or
    /// writes is that partnership's.
    pub partnership_id: super::ids::PartnershipId,
    /// Shown in the header, so someone working for two partnerships knows which one this is.
    pub partnership_name: String,
    pub email: String,
    pub display_name: String,
    pub organisation_id: Option<super::ids::OrganisationId>,
    pub roles: Vec<Role>,
    pub must_change_password: bool,
}

impl CurrentUser {
    /// The account's partnership, typed: what every store call of the request is scoped to.
    pub fn partnership(&self) -> super::ids::PartnershipId {
        self.partnership_id
    }

    pub fn user_id(&self) -> super::ids::UserId {
        self.id
    }

    /// The organisation the account acts for, if its role is one organisation's.
    pub fn organisation(&self) -> Option<super::ids::OrganisationId> {
        self.organisation_id
    }

    pub fn can(&self, permission: Permission) -> bool {
        permission.granted_to_any(&self.roles)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::BusinessUnitAdmin)
    }
}

/// A signed-in browser session (the sign-in form needs none: see `sign_in_form_token`).
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub csrf_token: String,
    pub user: Option<CurrentUser>,
    pub flash: Option<String>,
}

// ---- passwords ----

pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| format!("could not hash password: {error}"))
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Password hashing (argon2id, about 19 MiB and tens of milliseconds each) runs at most this many
/// at once across the instance, so a burst of sign-ins from many addresses queues instead of
/// taking the blocking pool's hundreds of threads and their memory.
pub const PASSWORD_WORK_AT_ONCE: usize = 4;

static PASSWORD_WORK: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(PASSWORD_WORK_AT_ONCE);

/// Runs one piece of password work off the async workers, waiting for a free slot first.
pub async fn in_password_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let _slot = PASSWORD_WORK
        .acquire()
        .await
        .map_err(|_| "password work is shut down".to_owned())?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| format!("password work failed: {error}"))
}

async fn hash_password_in_slot(password: &str) -> Result<String, String> {
    let password = password.to_owned();
    in_password_slot(move || hash_password(&password)).await?
}

/// A hash of nothing anyone knows, checked when the e-mail is unknown so that the time taken
/// does not reveal which addresses have accounts.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| hash_password(&hex::encode(rand::random::<[u8; 16]>())).unwrap_or_default())
}

/// NCSC guidance: length over complexity, no composition rules, and a deny-list of the
/// passwords attackers try first.
pub fn check_password_policy(password: &str, email: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(format!(
            "Password must be {MIN_PASSWORD_LENGTH} characters or more. Three random words make a strong, memorable password"
        ));
    }
    if length > MAX_PASSWORD_LENGTH {
        return Err(format!(
            "Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
        ));
    }
    let lowered = password.to_lowercase();
    let squeezed: String = lowered.chars().filter(|c| !c.is_whitespace()).collect();
    let base: &str =
        squeezed.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let common = include_str!("common_passwords.txt");
    if common
        .lines()
        .any(|line| line == squeezed || (base.len() >= 4 && line == base))
    {
        return Err("Password is too common. Choose one that is harder to guess, such as three random words".into());
    }
    let first = squeezed.chars().next();
    if squeezed.chars().all(|c| Some(c) == first) {
        return Err("Password must not be one character repeated".into());
    }
    let local_part = email.split('@').next().unwrap_or("").to_lowercase();
    if local_part.len() >= 4 && squeezed.contains(&local_part) {
        return Err("Password must not contain your e-mail address".into());
    }
    Ok(())
}

// ---- tokens ----

pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Sessions are stored by a keyed hash of the cookie, so a copy of the database cannot be
/// used to sign in.
pub fn token_hash(secret: &[u8], token: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

// ---- users ----

/// A new account; its partnership is the change's.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub organisation: Option<OrganisationId>,
    pub roles: &'a [Role],
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserRecord {
    pub id: UserId,
    pub partnership_id: PartnershipId,
    pub partnership_name: String,
    pub email: String,
    pub display_name: String,
    pub organisation_id: Option<OrganisationId>,
    pub roles: Vec<Role>,
    pub must_change_password: bool,
    pub created_at: String,
    pub archived_at: Option<String>,
}

const USER_COLUMNS: &str = "id, partnership_id, \
    (SELECT name FROM partnerships p WHERE p.id = users.partnership_id) AS partnership_name, email, display_name, organisation_id, roles, must_change_password, created_at, archived_at";

/// A `users` row as stored: roles as their codes and the flag as a number, converted once.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: UserId,
    partnership_id: PartnershipId,
    partnership_name: String,
    email: String,
    display_name: String,
    organisation_id: Option<OrganisationId>,
    roles: String,
    must_change_password: i64,
    created_at: String,
    archived_at: Option<String>,
}

impl From<UserRow> for UserRecord {
    fn from(row: UserRow) -> UserRecord {
        UserRecord {
            id: row.id,
            partnership_id: row.partnership_id,
            partnership_name: row.partnership_name,
            email: row.email,
            display_name: row.display_name,
            organisation_id: row.organisation_id,
            roles: Role::parse_list(&row.roles),
            must_change_password: row.must_change_password != 0,
            created_at: row.created_at,
            archived_at: row.archived_at,
        }
    }
}

impl UserRecord {
    pub fn current_user(&self) -> CurrentUser {
        CurrentUser {
            id: self.id,
            partnership_id: self.partnership_id,
            partnership_name: self.partnership_name.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            organisation_id: self.organisation_id,
            roles: self.roles.clone(),
            must_change_password: self.must_change_password,
        }
    }
}

/// Why an account's password could not be written: the hashing (not the database's failure)
/// or the database.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    PasswordHashing(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// An audit entry about an account that records no values (passwords never enter the trail).
fn account_event(action: AuditAction, user: UserId, summary: String) -> AuditEntry<'static> {
    AuditEntry::new(action, "user", user, summary)
}

/// Creates an account in the change's partnership, with its entry ("Created account for …",
/// then `how`: empty from the pages, " from the command line" from the CLI).
pub async fn insert_user(
    change: &mut Change,
    new_user: &NewUser<'_>,
    how: &str,
) -> Result<UserId, AccountError> {
    let hash = hash_password_in_slot(new_user.password)
        .await
        .map_err(AccountError::PasswordHashing)?;
    let now = now_text();
    let partnership = change.partnership();
    let id: UserId = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, password_hash, organisation_id, roles, \
         must_change_password, created_at, updated_at, partnership_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(new_user.email.trim())
    .bind(new_user.display_name.trim())
    .bind(hash)
    .bind(new_user.organisation)
    .bind(Role::format_list(new_user.roles))
    .bind(i64::from(new_user.must_change_password))
    .bind(now)
    .bind(partnership)
    .fetch_one(change.conn())
    .await?;
    let email = new_user.email;
    change
        .record(AuditEntry::created(
            "user",
            id,
            format!("Created account for {email}{how}"),
            &serde_json::json!({
                "email": email, "display_name": new_user.display_name,
                "organisation_id": new_user.organisation,
                "roles": Role::format_list(new_user.roles),
            }),
        ))
        .await?;
    Ok(id)
}

/// An account of the store's partnership (another partnership's is not found).
pub async fn find_user_by_id(
    mut store: impl Store,
    id: UserId,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND partnership_id = $2");
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(store.partnership())
        .fetch_optional(store.conn())
        .await?;
    Ok(row.map(UserRecord::from))
}

pub async fn list_users(mut store: impl Store) -> Result<Vec<UserRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE partnership_id = $1 ORDER BY lower(display_name), id"
    );
    let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(store.partnership())
        .fetch_all(store.conn())
        .await?;
    Ok(rows.into_iter().map(UserRecord::from).collect())
}

/// Whether any account, in any partnership, signs in with this address: an address is one
/// person's across the installation.
pub async fn email_in_use(mut store: impl Store, email: &str) -> Result<bool, sqlx::Error> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE lower(email) = lower($1)")
            .bind(email.trim())
            .fetch_one(store.conn())
            .await?;
    Ok(count > 0)
}

/// Writes a password (and ends every session of that account).
async fn set_password(
    change: &mut Change,
    user: UserId,
    password: &str,
    must_change_password: bool,
) -> Result<(), AccountError> {
    let hash = hash_password_in_slot(password)
        .await
        .map_err(AccountError::PasswordHashing)?;
    let partnership = change.partnership();
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 \
         WHERE id = $4 AND partnership_id = $5",
    )
    .bind(hash)
    .bind(i64::from(must_change_password))
    .bind(now_text())
    .bind(user)
    .bind(partnership)
    .execute(change.conn())
    .await?;
    // A new password ends every other session of that account.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user)
        .execute(change.conn())
        .await?;
    Ok(())
}

/// The person's own new password (checked by the caller against their current one).
pub async fn change_own_password(
    change: &mut Change,
    user: UserId,
    email: &str,
    password: &str,
) -> Result<(), AccountError> {
    set_password(change, user, password, false).await?;
    change
        .record(account_event(
            AuditAction::PasswordChange,
            user,
            format!("{email} changed their password"),
        ))
        .await?;
    Ok(())
}

/// A temporary password set by the business unit, to be changed at the next sign-in.
pub async fn reset_password(
    change: &mut Change,
    user: &UserRecord,
    temporary_password: &str,
) -> Result<(), AccountError> {
    set_password(change, user.id, temporary_password, true).await?;
    // The person will sign in with the new password: a lock from the old one's guesses goes.
    let unlocked = sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1")
        .bind(user.email.trim().to_lowercase())
        .execute(change.conn())
        .await?
        .rows_affected()
        > 0;
    let summary = if unlocked {
        format!(
            "Reset the password of {} and cleared its sign-in lock",
            user.email
        )
    } else {
        format!("Reset the password of {}", user.email)
    };
    change
        .record(account_event(AuditAction::PasswordReset, user.id, summary))
        .await?;
    Ok(())
}

/// Changes an account's name, organisation and roles, recording them before and after.
pub async fn update_user(
    change: &mut Change,
    user: &UserRecord,
    display_name: &str,
    organisation: Option<OrganisationId>,
    roles: &[Role],
) -> Result<(), sqlx::Error> {
    let partnership = change.partnership();
    sqlx::query(
        "UPDATE users SET display_name = $1, organisation_id = $2, roles = $3, updated_at = $4 \
         WHERE id = $5 AND partnership_id = $6",
    )
    .bind(display_name)
    .bind(organisation)
    .bind(Role::format_list(roles))
    .bind(now_text())
    .bind(user.id)
    .bind(partnership)
    .execute(change.conn())
    .await?;
    change
        .record(AuditEntry::updated(
            "user",
            user.id,
            format!("Updated the account of {}", user.email),
            &serde_json::json!({
                "display_name": user.display_name, "organisation_id": user.organisation_id,
                "roles": Role::format_list(&user.roles),
            }),
            &serde_json::json!({
                "display_name": display_name, "organisation_id": organisation,
                "roles": Role::format_list(roles),
            }),
        ))
        .await
}

/// Archives a live account and ends its sessions (its tokens are the caller's to revoke:
/// `api_tokens::revoke_tokens_of_leaver`).
pub async fn archive_user(change: &mut Change, user: &UserRecord) -> Result<(), sqlx::Error> {
    let now = now_text();
    let partnership = change.partnership();
    sqlx::query(
        "UPDATE users SET archived_at = $1, updated_at = $1 \
         WHERE id = $2 AND partnership_id = $3 AND archived_at IS NULL",
    )
    .bind(now)
    .bind(user.id)
    .bind(partnership)
    .execute(change.conn())
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .execute(change.conn())
        .await?;
    change
        .record(AuditEntry::archived(
            "user",
            user.id,
            format!("Archived the account of {}", user.email),
            user,
        ))
        .await
}

/// How many live accounts other than `except_user` are data leads of the organisation (read
/// inside the archiving change, so the answer holds for its writes).
pub async fn other_live_data_leads(
    mut store: impl Store,
    organisation: OrganisationId,
    except_user: UserId,
) -> Result<usize, sqlx::Error> {
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT roles FROM users WHERE organisation_id = $1 AND id <> $2 AND partnership_id = $3 \
         AND archived_at IS NULL",
    )
    .bind(organisation)
    .bind(except_user)
    .bind(store.partnership())
    .fetch_all(store.conn())
    .await?;
    Ok(roles
        .iter()
        .filter(|roles| Role::parse_list(roles).contains(&Role::PartnerDataLead))
        .count())
}

/// The entry of a sign-in, in a change made by the person who just signed in.
pub async fn record_sign_in(change: &mut Change, user: &UserRecord) -> Result<(), sqlx::Error> {
    change
        .record(account_event(
            AuditAction::SignIn,
            user.id,
            format!("{} signed in", user.email),
        ))
        .await
}

/// The entry of a sign-out, in a change made by the person signing out.
pub async fn record_sign_out(change: &mut Change) -> Result<(), sqlx::Error> {
    let actor = change.actor();
    let summary = format!("{} signed out", actor.label);
    let entry = match actor.user_id {
        Some(user) => account_event(AuditAction::SignOut, user, summary),
        None => AuditEntry::about_none(AuditAction::SignOut, "user", summary),
    };
    change.record(entry).await
}

pub enum SignInOutcome {
    SignedIn(UserRecord),
    WrongDetails,
    /// Too soon after the address's last failure: no password was checked.
    Delayed {
        wait: time::Duration,
    },
}

/// The wait an address must leave after its last failed attempt, when it has made `failures`
/// in a row: none for the first [`SIGN_IN_FREE_FAILURES`] (a person mistyping), then 1 s, 2 s,
/// 4 s… doubling with each failure, at most [`SIGN_IN_MAX_DELAY_SECONDS`].
pub fn sign_in_delay(failures: i64) -> time::Duration {
    let past_free = failures - SIGN_IN_FREE_FAILURES;
    if past_free < 0 {
        return time::Duration::ZERO;
    }
    // 2^past_free, without overflowing for a long run of failures.
    let seconds = u32::try_from(past_free)
        .ok()
        .and_then(|doublings| 2_i64.checked_pow(doublings))
        .and_then(|factor| SIGN_IN_FIRST_DELAY_SECONDS.checked_mul(factor))
        .map_or(SIGN_IN_MAX_DELAY_SECONDS, |seconds| {
            seconds.min(SIGN_IN_MAX_DELAY_SECONDS)
        });
    time::Duration::seconds(seconds)
}

/// The fewest failures whose delay is the longest: every count from here waits the cap.
fn failures_at_max_delay() -> i64 {
    let mut failures = SIGN_IN_FREE_FAILURES;
    while sign_in_delay(failures) < time::Duration::seconds(SIGN_IN_MAX_DELAY_SECONDS) {
        failures += 1;
    }
    failures
}

/// The time `delay` after `at`, rounded up to the whole second (timestamps are stored to the
/// second, so a wait is never cut short by the rounding).
fn after_delay(at: time::OffsetDateTime, delay: time::Duration) -> String {
    let next = at + delay;
    let next = if delay.is_positive() && next.nanosecond() > 0 {
        next + time::Duration::seconds(1)
    } else {
        next
    };
    timestamp_text(next)
}

/// "Wait 4 seconds" or "Wait 3 minutes": a wait in words, rounded up.
pub fn wait_in_words(wait: time::Duration) -> String {
    let seconds = (wait.whole_milliseconds() + 999).div_euclid(1000).max(1);
    let seconds = i64::try_from(seconds).unwrap_or(SIGN_IN_MAX_DELAY_SECONDS);
    if seconds < 60 {
        super::filters::count_of(seconds, "second", "seconds")
    } else {
        super::filters::count_of((seconds + 59) / 60, "minute", "minutes")
    }
}

/// Where a sign-in attempt comes from, for its delay. A browser that has signed in to the
/// address before carries a device cookie for it (OWASP's "device cookies"): its attempts have
/// a delay of their own, so a stranger's guesses never keep the person out, however long they
/// go on. Every other attempt, from anywhere, shares the address's one delay, so guessing from
/// many networks gains nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInDevice {
    /// A browser this address has signed in from, by its cookie's nonce.
    Known(String),
    Unknown,
}

impl SignInDevice {
    fn key(&self) -> String {
        match self {
            SignInDevice::Known(nonce) => format!("device {nonce}"),
            SignInDevice::Unknown => "anyone".to_owned(),
        }
    }

    /// The device a cookie value names for `email`: a nonce and its keyed hash with the
    /// address, so a cookie neither forged nor taken from another address's browser counts.
    pub fn from_cookie(secret: &[u8], email: &str, cookie: Option<&str>) -> SignInDevice {
        let email = email.trim().to_lowercase();
        cookie
            .filter(|value| value.len() == 128 && value.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|value| value.split_at(64))
            .filter(|(nonce, signature)| {
                bool::from(
                    device_signature(secret, &email, nonce)
                        .as_bytes()
                        .ct_eq(signature.as_bytes()),
                )
            })
            .map_or(SignInDevice::Unknown, |(nonce, _)| {
                SignInDevice::Known(nonce.to_owned())
            })
    }

    /// A new device cookie's value for `email`, set at a successful sign-in.
    pub fn new_cookie_value(secret: &[u8], email: &str) -> String {
        let nonce = new_token();
        let signature = device_signature(secret, &email.trim().to_lowercase(), &nonce);
        format!("{nonce}{signature}")
    }
}

fn device_signature(secret: &[u8], email: &str, nonce: &str) -> String {
    token_hash(secret, &format!("sign-in device\n{email}\n{nonce}"))
}

/// Reserves one attempt for the address from this device (a known browser's own delay, or the
/// one every other attempt shares: [`SignInDevice`]), in one atomic statement, if its delay has
/// passed:
/// the attempt is counted as a failure (and the next delay set) before any password is
/// checked, and a correct password then clears it. Returns `None`, changing nothing, when the
/// address is still inside its delay, so an attempt there does not lengthen it. Parallel
/// attempts are serialised on the address's row: once one has taken the slot the others see its
/// new delay, so only one password is checked per delay.
async fn reserve_attempt(db: &Db, email: &str, client: &str) -> Result<Option<i64>, sqlx::Error> {
    let now = time::OffsetDateTime::now_utc();
    let forgotten_before = now - time::Duration::hours(SIGN_IN_FAILURES_KEPT_HOURS);
    // The next attempt's time for each count the upsert can reach: $4 for one failure, $5 for
    // two, …, and the last placeholder for every count from the cap on.
    let at_cap = failures_at_max_delay();
    // The client's placeholder follows the delays'.
    let client_at = at_cap + 4;
    let failures = "CASE WHEN sign_in_attempts.last_failure_at <= $3 THEN 1 \
                    ELSE sign_in_attempts.failures + 1 END";
    let mut next = format!("CASE {failures}");
    for count in 1..at_cap {
        next.push_str(&format!(" WHEN {count} THEN ${}", count + 3));
    }
    next.push_str(&format!(" ELSE ${} END", at_cap + 3));
    let sql = format!(
        "INSERT INTO sign_in_attempts (email, client, failures, last_failure_at, next_attempt_at) \
         VALUES ($1, ${client_at}, 1, $2, $4) \
         ON CONFLICT (email, client) DO UPDATE SET failures = {failures}, last_failure_at = $2, \
         next_attempt_at = {next} \
         WHERE sign_in_attempts.next_attempt_at <= $2 \
         RETURNING failures"
    );
    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .bind(email)
        .bind(timestamp_text(now))
        .bind(timestamp_text(forgotten_before));
    for count in 1..=at_cap {
        query = query.bind(after_delay(now, sign_in_delay(count)));
    }
    query.bind(client).fetch_optional(&db.pool).await
}

/// How long until the address may try again (at least a second: it was refused just now).
async fn wait_for(db: &Db, email: &str, client: &str) -> Result<time::Duration, sqlx::Error> {
    let next: Option<String> = sqlx::query_scalar(
        "SELECT next_attempt_at FROM sign_in_attempts WHERE email = $1 AND client = $2",
    )
    .bind(email)
    .bind(client)
    .fetch_optional(&db.pool)
    .await?;
    let now = time::OffsetDateTime::now_utc();
    Ok(next
        .as_deref()
        .and_then(super::db::parse_timestamp)
        .map_or(time::Duration::SECOND, |next| {
            (next - now).max(time::Duration::SECOND)
        }))
}

/// Checks an e-mail and password. The attempt is counted before the (slow) password check;
/// after [`SIGN_IN_FREE_FAILURES`] failures in a row each attempt must wait
/// [`sign_in_delay`] after the last failure, and one made sooner is refused without a password
/// being checked and without lengthening the wait. The delay is the same for known and unknown
/// addresses. A correct password clears the address's failures.
pub async fn attempt_sign_in(
    db: &Db,
    email: &str,
    password: &str,
    device: &SignInDevice,
) -> Result<SignInOutcome, sqlx::Error> {
    let email = email.trim().to_lowercase();
    let client = device.key();
    if reserve_attempt(db, &email, &client).await?.is_none() {
        return Ok(SignInOutcome::Delayed {
            wait: wait_for(db, &email, &client).await?,
        });
    }
    let row = sqlx::query(
        "SELECT id, partnership_id, password_hash FROM users WHERE lower(email) = $1 AND archived_at IS NULL",
    )
    .bind(&email)
    .fetch_optional(&db.pool)
    .await?;
    let (user_id, stored_hash) = match &row {
        Some(row) => (
            Some((
                row.try_get::<PartnershipId, _>("partnership_id")?,
                row.try_get::<UserId, _>("id")?,
            )),
            row.try_get::<String, _>("password_hash")?,
        ),
        None => (None, decoy_hash().to_owned()),
    };
    let password = password.to_owned();
    let matches = in_password_slot(move || verify_password(&password, &stored_hash))
        .await
        .unwrap_or(false);
    match (user_id, matches) {
        (Some((partnership_id, user_id)), true) => {
            sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1")
                .bind(&email)
                .execute(&db.pool)
                .await?;
            match find_user_by_id(super::store::Scope::new(db, partnership_id), user_id).await? {
                Some(user) => Ok(SignInOutcome::SignedIn(user)),
                None => Ok(SignInOutcome::WrongDetails),
            }
        }
        // The reserved attempt stands as a failure.
        _ => Ok(SignInOutcome::WrongDetails),
    }
}

/// An address that is being slowed down: its failures in a row and, while it must still wait,
/// when its next attempt may be made.
#[derive(Debug, Clone, Serialize)]
pub struct SignInLock {
    pub failures: i64,
    pub until: Option<String>,
}

/// The delay on an address, if it has failed more than the free attempts and its failures
/// are not yet forgotten.
pub async fn sign_in_lock(db: &Db, email: &str) -> Result<Option<SignInLock>, sqlx::Error> {
    let now = time::OffsetDateTime::now_utc();
    let forgotten_before = timestamp_text(now - time::Duration::hours(SIGN_IN_FAILURES_KEPT_HOURS));
    // The most slowed-down of the places the address was tried from.
    let row = sqlx::query(
        "SELECT MAX(failures) AS failures, MAX(next_attempt_at) AS next_attempt_at \
         FROM sign_in_attempts \
         WHERE email = $1 AND last_failure_at > $2 AND failures >= $3 HAVING COUNT(*) > 0",
    )
    .bind(email.trim().to_lowercase())
    .bind(forgotten_before)
    .bind(SIGN_IN_FREE_FAILURES)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let next: String = row.try_get("next_attempt_at")?;
    Ok(Some(SignInLock {
        failures: row.try_get("failures")?,
        until: Some(next).filter(|next| next.as_str() > timestamp_text(now).as_str()),
    }))
}

/// Forgets an account's failed sign-ins, ending any delay (the business unit, for a person it
/// knows); records it, and says so, only if there were any.
pub async fn clear_sign_in_lock(
    change: &mut Change,
    user: &UserRecord,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1")
        .bind(user.email.trim().to_lowercase())
        .execute(change.conn())
        .await?
        .rows_affected();
    if done > 0 {
        change
            .record(account_event(
                AuditAction::Update,
                user.id,
                format!("Cleared the sign-in lock of {}", user.email),
            ))
            .await?;
    }
    Ok(done > 0)
}

// ---- the sign-in form's CSRF token ----

/// Minutes a sign-in form may be left open before it must be reloaded.
pub const SIGN_IN_FORM_MINUTES: i64 = 60;

fn sign_in_form_mac(secret: &[u8], nonce: &str, expires: i64) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(format!("sign-in form|{nonce}|{expires}").as_bytes());
    Some(mac)
}

/// The sign-in form's CSRF token: needs no stored row. It binds the random `nonce` kept in the
/// browser's sign-in cookie to an expiry, under the secret key, so a forged form (which cannot
/// read or set that cookie) and an old one are both refused.
pub fn sign_in_form_token(secret: &[u8], nonce: &str, now: time::OffsetDateTime) -> String {
    let expires = (now + time::Duration::minutes(SIGN_IN_FORM_MINUTES)).unix_timestamp();
    match sign_in_form_mac(secret, nonce, expires) {
        Some(mac) => format!("{expires}.{}", hex::encode(mac.finalize().into_bytes())),
        None => String::new(),
    }
}

/// Whether `token` was made by `sign_in_form_token` for this nonce and has not expired.
pub fn sign_in_form_token_is_valid(
    secret: &[u8],
    nonce: &str,
    token: &str,
    now: time::OffsetDateTime,
) -> bool {
    let Some((expires, signature)) = token.split_once('.') else {
        return false;
    };
    let (Ok(expires), Ok(signature)) = (expires.parse::<i64>(), hex::decode(signature)) else {
        return false;
    };
    if expires <= now.unix_timestamp() {
        return false;
    }
    sign_in_form_mac(secret, nonce, expires).is_some_and(|mac| mac.verify_slice(&signature).is_ok())
}

// ---- sessions ----

/// How long a session lasts: at most `absolute_hours` from sign-in, and no more than
/// `idle_minutes` without use.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub absolute_hours: i64,
    pub idle_minutes: i64,
}

/// The last-used time is written at most this often, not on every request.
pub const SESSION_TOUCH_SECONDS: i64 = 60;

/// Starts a signed-in session and returns the cookie token (only its hash is stored).
pub async fn start_session(
    db: &Db,
    secret: &[u8],
    user_id: UserId,
    limits: SessionLimits,
) -> Result<String, sqlx::Error> {
    let token = new_token();
    let now = time::OffsetDateTime::now_utc();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(token_hash(secret, &token))
    .bind(user_id)
    .bind(new_token())
    .bind(timestamp_text(now))
    .bind(timestamp_text(
        now + time::Duration::hours(limits.absolute_hours),
    ))
    .execute(&db.pool)
    .await?;
    Ok(token)
}

pub async fn end_session(db: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Whether a session last used at `last_used_at` is still alive at `now`.
fn session_is_live(
    expires_at: &str,
    last_used_at: Option<&str>,
    now: time::OffsetDateTime,
    idle_minutes: i64,
) -> bool {
    let idle_since = timestamp_text(now - time::Duration::minutes(idle_minutes));
    expires_at > timestamp_text(now).as_str()
        && last_used_at.is_some_and(|used| used > idle_since.as_str())
}

/// Whether the last-used time is old enough to be written again.
fn session_needs_touch(last_used_at: Option<&str>, now: time::OffsetDateTime) -> bool {
    let stale = timestamp_text(now - time::Duration::seconds(SESSION_TOUCH_SECONDS));
    last_used_at.is_none_or(|used| used <= stale.as_str())
}

pub async fn load_session(
    db: &Db,
    secret: &[u8],
    token: &str,
    limits: SessionLimits,
) -> Result<Option<Session>, sqlx::Error> {
    let hash = token_hash(secret, token);
    let row = sqlx::query(
        "SELECT s.csrf_token, s.user_id, s.expires_at, s.last_used_at, s.flash, u.email, u.display_name, \
         u.organisation_id, u.roles, u.must_change_password, u.archived_at, u.partnership_id, \
         p.name AS partnership_name \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         LEFT JOIN partnerships p ON p.id = u.partnership_id WHERE s.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let now = time::OffsetDateTime::now_utc();
    let expires_at: String = row.try_get("expires_at")?;
    let last_used_at: Option<String> = row.try_get("last_used_at")?;
    let archived_at: Option<String> = row.try_get("archived_at")?;
    if archived_at.is_some()
        || !session_is_live(
            &expires_at,
            last_used_at.as_deref(),
            now,
            limits.idle_minutes,
        )
    {
        end_session(db, &hash).await?;
        return Ok(None);
    }
    if session_needs_touch(last_used_at.as_deref(), now) {
        sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE token_hash = $2")
            .bind(timestamp_text(now))
            .bind(&hash)
            .execute(&db.pool)
            .await?;
    }
    let user = CurrentUser {
        id: row.try_get("user_id")?,
        partnership_id: row.try_get("partnership_id")?,
        partnership_name: row.try_get("partnership_name")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        organisation_id: row.try_get("organisation_id")?,
        roles: Role::parse_list(&row.try_get::<String, _>("roles")?),
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    };
    Ok(Some(Session {
        token_hash: hash,
        csrf_token: row.try_get("csrf_token")?,
        user: Some(user),
        flash: row.try_get("flash")?,
    }))
}

/// Deletes sessions past their lifetime or idle too long, and failed sign-ins old enough to be
/// forgotten, so neither table grows without bound. Run periodically by `serve`.
pub async fn purge_expired(db: &Db, limits: SessionLimits) -> Result<u64, sqlx::Error> {
    let now = time::OffsetDateTime::now_utc();
    let idle_since = timestamp_text(now - time::Duration::minutes(limits.idle_minutes));
    let sessions = sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1 OR last_used_at IS NULL OR last_used_at <= $2",
    )
    .bind(timestamp_text(now))
    .bind(idle_since)
    .execute(&db.pool)
    .await?
    .rows_affected();
    let forgotten_before = timestamp_text(now - time::Duration::hours(SIGN_IN_FAILURES_KEPT_HOURS));
    let attempts = sqlx::query("DELETE FROM sign_in_attempts WHERE last_failure_at <= $1")
        .bind(forgotten_before)
        .execute(&db.pool)
        .await?
        .rows_affected();
    Ok(sessions + attempts)
}

/// A one-time message shown on the next page (GOV.UK notification banner).
pub async fn set_flash(db: &Db, token_hash: &str, message: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET flash = $1 WHERE token_hash = $2")
        .bind(message)
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn clear_flash(db: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET flash = NULL WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn password_work_waits_for_a_free_slot() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let burst = (0..24).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            tokio::spawn(in_password_slot(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
            }))
        });
        for task in burst.collect::<Vec<_>>() {
            task.await.unwrap().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= PASSWORD_WORK_AT_ONCE, "{most} at once");
        assert!(most > 1, "the slots are used in parallel");
    }

    #[test]
    fn policy_prefers_length_and_refuses_common_passwords() {
        assert!(check_password_policy("short", "a@b.example").is_err());
        assert!(check_password_policy("Password1234!", "a@b.example").is_err());
        assert!(check_password_policy("safeguarding2026", "a@b.example").is_err());
        assert!(check_password_policy("aaaaaaaaaaaaaaa", "a@b.example").is_err());
        assert!(check_password_policy("xjordansmithx-blue", "jordansmith@b.example").is_err());
        // No composition rules: three random lower-case words are fine.
        assert!(check_password_policy("kettle orbit marmalade", "a@b.example").is_ok());
        assert!(check_password_policy(&"a1".repeat(200), "a@b.example").is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("kettle orbit marmalade").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("kettle orbit marmalade", &hash));
        assert!(!verify_password("kettle orbit marmalad", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn the_delay_doubles_after_the_free_failures_up_to_its_cap() {
        let seconds = |failures| sign_in_delay(failures).whole_seconds();
        assert_eq!([0, 1, 2].map(seconds), [0, 0, 0], "three mistypes are free");
        assert_eq!([3, 4, 5, 6].map(seconds), [1, 2, 4, 8]);
        assert_eq!(seconds(12), 512);
        assert_eq!(seconds(13), 900, "1,024 s is over the 15-minute cap");
        assert_eq!(seconds(1_000), 900);
        assert_eq!(seconds(i64::MAX), 900, "no overflow however long the run");
        assert_eq!(failures_at_max_delay(), 13);
    }

    #[test]
    fn waits_are_rounded_up_to_whole_seconds_and_said_in_words() {
        let at = time::macros::datetime!(2026-11-29 12:00:00.250 UTC);
        assert_eq!(
            after_delay(at, time::Duration::seconds(1)),
            "2026-11-29T12:00:02Z",
            "never less than the delay"
        );
        assert_eq!(
            after_delay(at, time::Duration::ZERO),
            "2026-11-29T12:00:00Z"
        );
        assert_eq!(wait_in_words(time::Duration::milliseconds(300)), "1 second");
        assert_eq!(wait_in_words(time::Duration::seconds(4)), "4 seconds");
        assert_eq!(wait_in_words(time::Duration::seconds(59)), "59 seconds");
        assert_eq!(wait_in_words(time::Duration::seconds(60)), "1 minute");
        assert_eq!(wait_in_words(time::Duration::seconds(61)), "2 minutes");
        assert_eq!(wait_in_words(time::Duration::seconds(900)), "15 minutes");
    }

    #[test]
    fn sign_in_form_tokens_are_bound_to_the_cookie_and_expire() {
        let now = time::macros::datetime!(2026-11-29 12:00 UTC);
        let token = sign_in_form_token(b"secret one", "nonce-a", now);
        assert!(sign_in_form_token_is_valid(
            b"secret one",
            "nonce-a",
            &token,
            now
        ));
        let later = now + time::Duration::minutes(SIGN_IN_FORM_MINUTES - 1);
        assert!(sign_in_form_token_is_valid(
            b"secret one",
            "nonce-a",
            &token,
            later
        ));
        let expired = now + time::Duration::minutes(SIGN_IN_FORM_MINUTES);
        assert!(!sign_in_form_token_is_valid(
            b"secret one",
            "nonce-a",
            &token,
            expired
        ));
        assert!(!sign_in_form_token_is_valid(
            b"secret one",
            "nonce-b",
            &token,
            now
        ));
        assert!(!sign_in_form_token_is_valid(
            b"secret two",
            "nonce-a",
            &token,
            now
        ));
        // A later expiry written in by hand does not match the signature.
        let (_, signature) = token.split_once('.').unwrap();
        let stretched = format!("{}.{signature}", now.unix_timestamp() + 86_400);
        assert!(!sign_in_form_token_is_valid(
            b"secret one",
            "nonce-a",
            &stretched,
            now
        ));
        for junk in ["", ".", "abc.def", "123", "99999999999.zz"] {
            assert!(!sign_in_form_token_is_valid(
                b"secret one",
                "nonce-a",
                junk,
                now
            ));
        }
    }

    #[test]
    fn sessions_end_when_idle_or_past_their_lifetime() {
        let now = time::macros::datetime!(2026-11-29 12:00 UTC);
        let expires = "2026-11-29T18:00:00Z";
        assert!(session_is_live(
            expires,
            Some("2026-11-29T11:30:00Z"),
            now,
            60
        ));
        assert!(!session_is_live(
            expires,
            Some("2026-11-29T11:00:00Z"),
            now,
            60
        ));
        assert!(!session_is_live(
            "2026-11-29T12:00:00Z",
            Some("2026-11-29T11:59:00Z"),
            now,
            60
        ));
        assert!(!session_is_live(expires, None, now, 60));
        assert!(!session_needs_touch(Some("2026-11-29T11:59:30Z"), now));
        assert!(session_needs_touch(Some("2026-11-29T11:59:00Z"), now));
        assert!(session_needs_touch(None, now));
    }

    #[test]
    fn token_hashes_depend_on_the_secret() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(
            token_hash(b"one secret", &token),
            token_hash(b"two secret", &token)
        );
        assert_eq!(
            token_hash(b"one secret", &token),
            token_hash(b"one secret", &token)
        );
    }
}
