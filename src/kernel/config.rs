//! Every setting has a default, may be set in a TOML file, and is overridden by the environment.
//! The one place settings are read and documented (see README "Configuration").

use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::private_files;

#[derive(Debug, Clone)]
pub struct Config {
    /// Address the web server listens on. `MASA_BIND`, default `127.0.0.1:8080`.
    pub bind: String,
    /// `sqlite://…` or `postgres://…`. `MASA_DATABASE_URL`, default `sqlite://<data_dir>/masa.db`.
    pub database_url: String,
    /// Key for hashing session tokens. `MASA_SECRET_KEY`; if unset, one is generated and kept in
    /// `<data_dir>/secret.key` so that sessions survive a restart.
    pub secret_key: Vec<u8>,
    /// Where the embedded database and the generated secret live. `MASA_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// Send cookies with the `Secure` flag. `MASA_COOKIE_SECURE`, default `true`
    /// (browsers treat http://localhost as secure, so this holds for the demo too).
    pub cookie_secure: bool,
    /// Hours a signed-in session lasts at most from sign-in, however much it is used.
    /// `MASA_SESSION_HOURS`, default 8.
    pub session_hours: i64,
    /// Minutes without use after which a session ends. `MASA_SESSION_IDLE_MINUTES`, default 60
    /// (at most the absolute lifetime).
    pub session_idle_minutes: i64,
    /// Sign-in attempts one client address may make in 15 minutes, counted in each instance's
    /// memory. `MASA_SIGN_IN_ATTEMPTS_PER_IP`, default 50.
    pub sign_in_attempts_per_ip: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a proxy that
    /// sets it). `MASA_TRUST_FORWARDED_FOR`, default `false`.
    pub trust_forwarded_for: bool,
    /// SMTP server for the e-mail outbox. `MASA_SMTP_HOST` (unset: messages wait in the outbox),
    /// `MASA_SMTP_PORT` (default 25), sender `MASA_MAIL_FROM` (default masa@localhost).
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `MASA_SMTP_TLS`: `none`, `starttls` or `tls`; by default `tls` on port 465, `none` on
    /// port 25 (a relay, as before) and `starttls` on any other port (587, the submission port).
    pub smtp_tls: SmtpTls,
    /// `MASA_SMTP_USERNAME` / `MASA_SMTP_PASSWORD`: sign in to the server (both or neither;
    /// only over TLS, so the password never crosses the network in clear).
    pub smtp_credentials: Option<SmtpCredentials>,
    pub mail_from: String,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP, for a relay on the same host or a trusted network.
    None,
    /// Plain connection upgraded by STARTTLS, which is required (port 587).
    StartTls,
    /// TLS from the first byte ("implicit TLS", port 465).
    Tls,
}

impl SmtpTls {
    pub fn parse(text: &str) -> Option<SmtpTls> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }

    fn default_for(port: u16) -> SmtpTls {
        match port {
            465 => SmtpTls::Tls,
            25 => SmtpTls::None,
            _ => SmtpTls::StartTls,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    pub username: String,
    pub password: String,
}

/// Never prints the password (configuration is logged in errors and debug output).
impl std::fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    bind: Option<String>,
    database_url: Option<String>,
    secret_key: Option<String>,
    data_dir: Option<PathBuf>,
    cookie_secure: Option<bool>,
    session_hours: Option<i64>,
    session_idle_minutes: Option<i64>,
    sign_in_attempts_per_ip: Option<u32>,
    trust_forwarded_for: Option<bool>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_tls: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    mail_from: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("setting {name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("cannot keep the secret key in {path}: {source}")]
    Secret {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the secret key {path} can be read or changed by other users (mode {mode:04o}), and it \
         protects every session and API token: run `chmod 600 {path}` (as the user MASA runs as), \
         then start MASA again"
    )]
    SecretShared { path: PathBuf, mode: u32 },
    #[error(
        "the secret key {path} holds {length} characters, fewer than the {SECRET_MIN_LENGTH} \
         needed. MASA will not replace it, because a new key ends every session and API token. \
         Put a key of {SECRET_MIN_LENGTH} or more characters in it (for example with `openssl rand \
         -hex 32 > {path}`), or delete it to have MASA make one (everyone signs in again and \
         partners need new API tokens)"
    )]
    SecretTooShort { path: PathBuf, length: usize },
}

/// Fewest characters a secret key may have.
pub const SECRET_MIN_LENGTH: usize = 32;

impl Config {
    /// Reads the optional file, then the environment (`MASA_*`), then fills in defaults.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(file, |name| std::env::var(name).ok())
    }

    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.to_owned(),
                    source,
                })?
            }
            None => ConfigFile::default(),
        };
        let data_dir = env("MASA_DATA_DIR")
            .map(PathBuf::from)
            .or(from_file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let bind = env("MASA_BIND")
            .or(from_file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let database_url = env("MASA_DATABASE_URL")
            .or(from_file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}/masa.db", data_dir.display()));
        let cookie_secure = match env("MASA_COOKIE_SECURE") {
            Some(value) => parse_bool("MASA_COOKIE_SECURE", &value)?,
            None => from_file.cookie_secure.unwrap_or(true),
        };
        let session_hours = match env("MASA_SESSION_HOURS") {
            Some(value) => value.parse().map_err(|_| ConfigError::Invalid {
                name: "MASA_SESSION_HOURS",
                reason: format!("{value:?} is not a whole number of hours"),
            })?,
            None => from_file.session_hours.unwrap_or(8),
        };
        if !(1..=24 * 30).contains(&session_hours) {
            return Err(ConfigError::Invalid {
                name: "MASA_SESSION_HOURS",
                reason: "must be between 1 and 720".into(),
            });
        }
        let session_idle_minutes = match env("MASA_SESSION_IDLE_MINUTES") {
            Some(value) => value.parse().map_err(|_| ConfigError::Invalid {
                name: "MASA_SESSION_IDLE_MINUTES",
                reason: format!("{value:?} is not a whole number of minutes"),
            })?,
            None => from_file.session_idle_minutes.unwrap_or(60),
        };
        if !(1..=session_hours * 60).contains(&session_idle_minutes) {
            return Err(ConfigError::Invalid {
                name: "MASA_SESSION_IDLE_MINUTES",
                reason: "must be at least 1 and no more than MASA_SESSION_HOURS in minutes".into(),
            });
        }
        let sign_in_attempts_per_ip = match env("MASA_SIGN_IN_ATTEMPTS_PER_IP") {
            Some(value) => value.parse().map_err(|_| ConfigError::Invalid {
                name: "MASA_SIGN_IN_ATTEMPTS_PER_IP",
                reason: format!("{value:?} is not a whole number"),
            })?,
            None => from_file.sign_in_attempts_per_ip.unwrap_or(50),
        };
        if sign_in_attempts_per_ip == 0 {
            return Err(ConfigError::Invalid {
                name: "MASA_SIGN_IN_ATTEMPTS_PER_IP",
                reason: "must be at least 1".into(),
            });
        }
        let trust_forwarded_for = match env("MASA_TRUST_FORWARDED_FOR") {
            Some(value) => parse_bool("MASA_TRUST_FORWARDED_FOR", &value)?,
            None => from_file.trust_forwarded_for.unwrap_or(false),
        };
        let (secret_key, secret_source) = match env("MASA_SECRET_KEY").or(from_file.secret_key) {
            Some(secret) if secret.len() >= SECRET_MIN_LENGTH => (
                secret.into_bytes(),
                "MASA_SECRET_KEY / secret_key".to_owned(),
            ),
            Some(_) => {
                return Err(ConfigError::Invalid {
                    name: "MASA_SECRET_KEY",
                    reason: format!("must be at least {SECRET_MIN_LENGTH} characters"),
                });
            }
            None => (
                kept_secret(&data_dir)?,
                data_dir.join("secret.key").display().to_string(),
            ),
        };
        if let Some(weakness) = secret_weakness(&secret_key) {
            tracing::warn!(
                secret = %secret_source,
                "the secret key has low variety ({weakness}), so it may be guessed; replace it with \
                 a random one, e.g. `openssl rand -hex 32` (everyone then signs in again and \
                 partners need new API tokens)"
            );
        }
        let smtp_port = match env("MASA_SMTP_PORT") {
            Some(value) => value.parse().map_err(|_| ConfigError::Invalid {
                name: "MASA_SMTP_PORT",
                reason: format!("{value:?} is not a port number"),
            })?,
            None => from_file.smtp_port.unwrap_or(25),
        };
        let smtp_tls = match env("MASA_SMTP_TLS").or(from_file.smtp_tls) {
            Some(value) => SmtpTls::parse(&value).ok_or_else(|| ConfigError::Invalid {
                name: "MASA_SMTP_TLS",
                reason: format!("{value:?} is not none, starttls or tls"),
            })?,
            None => SmtpTls::default_for(smtp_port),
        };
        let non_empty = |value: Option<String>| value.filter(|value| !value.is_empty());
        let smtp_credentials = match (
            non_empty(env("MASA_SMTP_USERNAME").or(from_file.smtp_username)),
            non_empty(env("MASA_SMTP_PASSWORD").or(from_file.smtp_password)),
        ) {
            (None, None) => None,
            (Some(username), Some(password)) => Some(SmtpCredentials { username, password }),
            (Some(_), None) | (None, Some(_)) => {
                return Err(ConfigError::Invalid {
                    name: "MASA_SMTP_USERNAME",
                    reason: "needs MASA_SMTP_PASSWORD with it (set both or neither)".into(),
                });
            }
        };
        if smtp_credentials.is_some() && smtp_tls == SmtpTls::None {
            return Err(ConfigError::Invalid {
                name: "MASA_SMTP_TLS",
                reason: "is none, but a user name and password are set: use starttls or tls so \
                         the password is not sent in clear"
                    .into(),
            });
        }
        Ok(Config {
            bind,
            database_url,
            secret_key,
            data_dir,
            cookie_secure,
            session_hours,
            session_idle_minutes,
            sign_in_attempts_per_ip,
            trust_forwarded_for,
            smtp_host: env("MASA_SMTP_HOST")
                .or(from_file.smtp_host)
                .filter(|host| !host.trim().is_empty()),
            smtp_port,
            smtp_tls,
            smtp_credentials,
            mail_from: env("MASA_MAIL_FROM")
                .or(from_file.mail_from)
                .unwrap_or_else(|| "masa@localhost".to_owned()),
        })
    }
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            name,
            reason: format!("{value:?} is not true or false"),
        }),
    }
}

/// A generated secret kept in the data directory, so sessions survive restarts. A kept key is
/// never replaced (that would end every session and API token): one too short, or open to
/// other users, stops the start with what to do.
fn kept_secret(data_dir: &Path) -> Result<Vec<u8>, ConfigError> {
    let path = data_dir.join("secret.key");
    let fail = |source| ConfigError::Secret {
        path: path.clone(),
        source,
    };
    match std::fs::metadata(&path) {
        Ok(metadata) => {
            if let Some(mode) = private_files::shared_mode(&metadata) {
                return Err(ConfigError::SecretShared { path, mode });
            }
            let kept = std::fs::read_to_string(&path).map_err(fail)?;
            let kept = kept.trim();
            if kept.len() < SECRET_MIN_LENGTH {
                return Err(ConfigError::SecretTooShort {
                    length: kept.len(),
                    path,
                });
            }
            Ok(kept.as_bytes().to_vec())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            private_files::create_dir(data_dir).map_err(fail)?;
            let secret = hex::encode(rand::random::<[u8; 32]>());
            // A new file only: never over one another process has just made.
            let mut file = private_files::create_new(&path).map_err(fail)?;
            let written = file
                .write_all(secret.as_bytes())
                .and_then(|()| file.sync_all());
            if let Err(error) = written {
                let _ = std::fs::remove_file(&path);
                return Err(fail(error));
            }
            Ok(secret.into_bytes())
        }
        Err(error) => Err(fail(error)),
    }
}

/// Why a secret key of enough length may still be guessable, if it is: made of fewer than 8
/// different characters, less than 2.5 bits of Shannon entropy per character (by the
/// characters' own frequencies), or one short piece repeated. A random key (as MASA makes:
/// 64 hexadecimal digits) passes all three; these catch keys typed by hand, not every weak key.
pub fn secret_weakness(secret: &[u8]) -> Option<String> {
    let mut counts = [0usize; 256];
    for &byte in secret {
        counts[usize::from(byte)] += 1;
    }
    let distinct = counts.iter().filter(|&&count| count > 0).count();
    if distinct < 8 {
        return Some(format!("only {distinct} different characters"));
    }
    let length = secret.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let share = count as f64 / length;
            -share * share.log2()
        })
        .sum();
    if entropy < 2.5 {
        return Some(format!(
            "{entropy:.1} bits of entropy per character, fewer than 2.5"
        ));
    }
    let repeated = (1..=secret.len() / 2).find(|&piece| {
        secret.len().is_multiple_of(piece)
            && secret.chunks(piece).all(|chunk| chunk == &secret[..piece])
    });
    repeated.map(|piece| format!("the same {piece} characters repeated"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_file_and_defaults_fill_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("masa.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\nsession_hours = 4\n").unwrap();
        let data_dir = dir.path().display().to_string();
        let config = Config::load_from(Some(&file), |name| match name {
            "MASA_DATA_DIR" => Some(data_dir.clone()),
            "MASA_SESSION_HOURS" => Some("2".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.bind, "0.0.0.0:9000");
        assert_eq!(config.session_hours, 2);
        assert_eq!(config.session_idle_minutes, 60);
        assert_eq!(config.sign_in_attempts_per_ip, 50);
        assert!(!config.trust_forwarded_for);
        assert!(config.database_url.ends_with("/masa.db"));
        assert!(config.cookie_secure);
        // The generated secret is kept and reused.
        let again = Config::load_from(None, |name| {
            (name == "MASA_DATA_DIR").then(|| data_dir.clone())
        })
        .unwrap();
        assert_eq!(config.secret_key, again.secret_key);
    }

    #[test]
    fn bad_settings_are_named() {
        let error = Config::load_from(None, |name| {
            (name == "MASA_COOKIE_SECURE").then(|| "perhaps".into())
        })
        .unwrap_err();
        assert!(error.to_string().contains("MASA_COOKIE_SECURE"));
        let error = Config::load_from(None, |name| {
            (name == "MASA_SECRET_KEY").then(|| "short".into())
        })
        .unwrap_err();
        assert!(error.to_string().contains("at least 32"));
    }

    #[test]
    fn secrets_of_low_variety_are_named() {
        let weakness = |secret: &str| secret_weakness(secret.as_bytes());
        assert_eq!(
            weakness(&"a".repeat(32)).unwrap(),
            "only 1 different characters"
        );
        assert!(weakness(&"ab".repeat(16)).unwrap().contains("only 2"));
        assert!(weakness(&"password".repeat(4)).unwrap().contains("only 7"));
        // Eight or more characters, but one dominates.
        let lopsided = format!("{}abcdefgh", "x".repeat(56));
        assert!(
            weakness(&lopsided).unwrap().contains("bits of entropy"),
            "{lopsided}"
        );
        assert!(
            weakness(&"0123456789".repeat(4))
                .unwrap()
                .contains("the same 10 characters repeated")
        );
        // What MASA generates, and a long passphrase, pass.
        for _ in 0..1000 {
            let generated = hex::encode(rand::random::<[u8; 32]>());
            assert_eq!(weakness(&generated), None, "{generated}");
        }
        assert_eq!(weakness("correct horse battery staple, twice over"), None);
        assert_eq!(
            weakness("test secret key that is at least thirty-two bytes"),
            None
        );
    }

    fn load_in(data_dir: &Path) -> Result<Config, ConfigError> {
        let data_dir = data_dir.display().to_string();
        Config::load_from(None, move |name| {
            (name == "MASA_DATA_DIR").then(|| data_dir.clone())
        })
    }

    #[test]
    fn a_short_kept_secret_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "too short\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let error = load_in(dir.path()).unwrap_err().to_string();
        assert!(error.contains("holds 9 characters"), "{error}");
        assert!(error.contains("will not replace it"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "too short\n");
        // An empty one too (it is not taken for a missing one).
        std::fs::write(&path, "").unwrap();
        assert!(load_in(dir.path()).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
    }

    #[cfg(unix)]
    #[test]
    fn a_kept_secret_open_to_others_is_refused_and_made_ones_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let config = load_in(&data_dir).unwrap();
        let path = data_dir.join("secret.key");
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&data_dir), 0o700);
        for shared in [0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(shared)).unwrap();
            let error = load_in(&data_dir).unwrap_err().to_string();
            assert!(
                error.contains(&format!("chmod 600 {}", path.display())),
                "{error}"
            );
            assert!(error.contains(&format!("mode {shared:04o}")), "{error}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(load_in(&data_dir).unwrap().secret_key, config.secret_key);
    }

    fn smtp(settings: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().display().to_string();
        let settings: Vec<(String, String)> = settings
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Config::load_from(None, move |name| {
            if name == "MASA_DATA_DIR" {
                return Some(data_dir.clone());
            }
            settings
                .iter()
                .find(|(setting, _)| setting == name)
                .map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn smtp_tls_follows_the_port_unless_set() {
        let tls_of = |settings: &[(&str, &str)]| smtp(settings).unwrap().smtp_tls;
        assert_eq!(tls_of(&[]), SmtpTls::None);
        assert_eq!(tls_of(&[("MASA_SMTP_PORT", "465")]), SmtpTls::Tls);
        assert_eq!(tls_of(&[("MASA_SMTP_PORT", "587")]), SmtpTls::StartTls);
        assert_eq!(tls_of(&[("MASA_SMTP_PORT", "2525")]), SmtpTls::StartTls);
        assert_eq!(
            tls_of(&[("MASA_SMTP_PORT", "587"), ("MASA_SMTP_TLS", "none")]),
            SmtpTls::None
        );
        assert_eq!(tls_of(&[("MASA_SMTP_TLS", "STARTTLS")]), SmtpTls::StartTls);
        let error = smtp(&[("MASA_SMTP_TLS", "ssl")]).unwrap_err();
        assert!(error.to_string().contains("MASA_SMTP_TLS"), "{error}");
    }

    #[test]
    fn smtp_credentials_come_in_pairs_and_only_over_tls() {
        let config = smtp(&[
            ("MASA_SMTP_PORT", "587"),
            ("MASA_SMTP_USERNAME", "masa@scp.example"),
            ("MASA_SMTP_PASSWORD", "correct horse"),
        ])
        .unwrap();
        let credentials = config.smtp_credentials.unwrap();
        assert_eq!(credentials.username, "masa@scp.example");
        assert_eq!(credentials.password, "correct horse");
        assert!(!format!("{credentials:?}").contains("correct horse"));
        assert!(smtp(&[]).unwrap().smtp_credentials.is_none());
        let error = smtp(&[("MASA_SMTP_PORT", "587"), ("MASA_SMTP_USERNAME", "masa")]).unwrap_err();
        assert!(error.to_string().contains("MASA_SMTP_PASSWORD"), "{error}");
        let error = smtp(&[
            ("MASA_SMTP_USERNAME", "masa"),
            ("MASA_SMTP_PASSWORD", "secret"),
        ])
        .unwrap_err();
        assert!(error.to_string().contains("in clear"), "{error}");
    }

    #[test]
    fn smtp_settings_are_read_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("masa.toml");
        std::fs::write(
            &file,
            "smtp_host = \"smtp.example.org\"\nsmtp_port = 465\nsmtp_tls = \"starttls\"\n\
             smtp_username = \"masa\"\nsmtp_password = \"from the file\"\n",
        )
        .unwrap();
        let data_dir = dir.path().display().to_string();
        let config = Config::load_from(Some(&file), |name| match name {
            "MASA_DATA_DIR" => Some(data_dir.clone()),
            "MASA_SMTP_PASSWORD" => Some("from the environment".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.smtp_host.as_deref(), Some("smtp.example.org"));
        assert_eq!(config.smtp_tls, SmtpTls::StartTls);
        assert_eq!(
            config.smtp_credentials.map(|c| c.password).as_deref(),
            Some("from the environment")
        );
    }

    #[test]
    fn session_and_sign_in_limits_are_checked() {
        let config = smtp(&[
            ("MASA_SESSION_IDLE_MINUTES", "15"),
            ("MASA_SIGN_IN_ATTEMPTS_PER_IP", "20"),
            ("MASA_TRUST_FORWARDED_FOR", "true"),
        ])
        .unwrap();
        assert_eq!(config.session_idle_minutes, 15);
        assert_eq!(config.sign_in_attempts_per_ip, 20);
        assert!(config.trust_forwarded_for);
        for (name, value) in [
            ("MASA_SESSION_IDLE_MINUTES", "0"),
            ("MASA_SESSION_IDLE_MINUTES", "481"),
            ("MASA_SESSION_IDLE_MINUTES", "an hour"),
            ("MASA_SIGN_IN_ATTEMPTS_PER_IP", "0"),
            ("MASA_TRUST_FORWARDED_FOR", "maybe"),
        ] {
            let error = smtp(&[(name, value)]).unwrap_err();
            assert!(error.to_string().contains(name), "{name}={value}: {error}");
        }
    }
}
