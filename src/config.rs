//! The options of `site/config/config.php` that Folio acts on, typed.
//!
//! Kirby's config is PHP, so it is read with the literal parser in
//! `format::php`: `config.php`, then `config.<host>.php` merged over it the way
//! PHP's `array_replace_recursive` merges. Options are looked up the way Kirby
//! looks them up, so `'api.basicAuth' => true` at the top level means the same
//! as `'api' => ['basicAuth' => true]`. A value Folio cannot evaluate (a
//! closure, `env()`, a constant) is a start-up error when Folio needs it, and a
//! warning when only PHP code would have used it (`hooks`, `routes`, plugins).
//! Everything else stays reachable through [`Config::raw`].

mod build;
mod dynamic;
mod layers;
mod net;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::format::php::{self, PhpArray, PhpError, PhpValue};
use layers::Layer;
pub use net::{InvalidIpNet, IpNet, any_contains};

/// Where the config lives, relative to the site root.
const CONFIG_DIR: &str = "site/config";

/// Everything Folio reads from the config, with Kirby's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub debug: bool,
    pub api: ApiOptions,
    pub panel: PanelOptions,
    pub auth: AuthOptions,
    pub session: SessionOptions,
    pub url: UrlOption,
    pub languages: bool,
    pub content_uuid: UuidOption,
    pub home: String,
    pub error: String,
    pub slugs_maxlength: usize,
    /// `'slugs' => 'de'`: the language whose transliteration rules slugs use.
    pub slugs_language: Option<String>,
    /// Option `cookie.key`, the HMAC key of the session cookie.
    pub cookie_key: String,
    pub email: EmailOptions,
    /// Folio's own options, under `folio` (Kirby ignores them).
    pub folio: FolioOptions,
    /// The whole merged tree, for anything else.
    pub raw: PhpValue,
    /// One per skipped dynamic value under an option only PHP code uses.
    pub warnings: Vec<String>,
}

/// Options under `api`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiOptions {
    /// False only for `'api' => false`.
    pub enabled: bool,
    pub slug: String,
    /// `api.basicAuth`, honoured only when exactly `true`.
    pub basic_auth: bool,
    /// `api.allowInsecure`, honoured only when exactly `true`.
    pub allow_insecure: bool,
    /// A fixed CSRF token, replacing the per-session one.
    pub csrf: Option<String>,
    /// `api.allowImpersonation`, honoured only when exactly `true`.
    pub allow_impersonation: bool,
}

/// Options under `panel`.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelOptions {
    /// `panel.dev`, truthy (it may hold the dev server's URL).
    pub dev: bool,
    pub language: String,
    pub install: bool,
    pub slug: String,
}

/// Options under `auth`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthOptions {
    /// `auth.methods` normalised (auth.md §5.1), in config order.
    pub methods: Vec<LoginMethod>,
    /// The error Kirby throws in debug mode for methods that cannot be combined
    /// (the offending method is already dropped from `methods`).
    pub method_conflict: Option<String>,
    pub trials: u32,
    pub timeout: u64,
    pub debug: AuthDebug,
    pub challenges: Vec<String>,
    pub challenge_timeout: u64,
    pub challenge_email: ChallengeEmail,
}

/// Options under `auth.challenge.email`: the sender and subject of login
/// code mails. Unset, the sender is `noreply@<host>` named after the site,
/// and the subject comes from the translations.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChallengeEmail {
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub subject: Option<String>,
}

/// One enabled login method.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginMethod {
    pub name: String,
    pub two_factor: bool,
}

/// Option `auth.debug`: what a failed login tells the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthDebug {
    /// `'log'` (default): generic error to the client, real one to the log.
    Log,
    /// `true`: the real error goes to the client.
    On,
    /// Anything else: generic error, nothing logged.
    Off,
}

/// Options under `session` (auth.md §2.3); durations in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOptions {
    pub cookie_name: String,
    pub duration_normal: u64,
    pub duration_long: u64,
    /// Inactivity timeout; `None` for `'timeout' => false`.
    pub timeout: Option<u64>,
    pub gc_interval: u64,
}

/// Options under `folio`: switches of Folio's own, which Kirby does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct FolioOptions {
    /// `folio.trustedProxies`: the peers whose forwarding headers Folio
    /// believes. The client address is taken from `X-Forwarded-For` or
    /// `Forwarded` only from these peers. Unset (the default), the socket peer
    /// is the client, and forwarded proto headers count as Kirby counts them
    /// (only the `url` option decides); once set, they count only from these
    /// peers too.
    pub trusted_proxies: Option<Vec<IpNet>>,
    /// `folio.loginDelay`: the random 10 ms–2 s pause after a failed login
    /// (auth.md §6). On by default; tests turn it off to run fast.
    pub login_delay: bool,
    /// `folio.maxBodySize`: the largest request body, in bytes, the API reads
    /// for anything but an upload. PHP's own default (`post_max_size`) is 8 MiB.
    pub max_body_bytes: usize,
    /// `folio.maxUploadSize`: the largest multipart body, in bytes, the file
    /// upload, replace and avatar routes read. PHP caps uploads with
    /// `upload_max_filesize`; Folio has one option instead.
    pub max_upload_bytes: usize,
}

impl FolioOptions {
    /// The trusted proxies as a list; unset trusts nobody.
    pub fn proxies(&self) -> &[IpNet] {
        self.trusted_proxies.as_deref().unwrap_or(&[])
    }
}

/// Option `url` (auth.md §4.3).
#[derive(Debug, Clone, PartialEq)]
pub enum UrlOption {
    Unset,
    Fixed(String),
    /// `'*'`: detect from the request, forwarded headers included.
    Wildcard,
    AllowList(Vec<String>),
}

/// Option `content.uuid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UuidOption {
    On,
    Off,
    V4,
}

/// Options under `email`: how login codes are mailed.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailOptions {
    pub transport: EmailTransport,
}

/// `email.transport`.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailTransport {
    /// `type`: `mail` (default) or `smtp`.
    pub kind: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: TransportSecurity,
    pub auth: bool,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// `email.transport.security`: a flag or a named protocol (`ssl`, `tls`).
#[derive(Debug, Clone, PartialEq)]
pub enum TransportSecurity {
    Unset,
    Flag(bool),
    Named(String),
}

/// Why the config cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    // The causes are part of the message and deliberately not `source`s, so
    // that an error chain does not print them twice.
    #[error("cannot read `{}`: {cause}", file.display())]
    Io {
        file: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot read `{}`: {cause}", file.display())]
    Syntax { file: PathBuf, cause: PhpError },
    #[error("cannot use `{}`: it returns {found} instead of an array", file.display())]
    NotArray { file: PathBuf, found: &'static str },
    #[error(
        "cannot use `{}`: line {line} has {} under `{option}`, which Folio cannot evaluate",
        file.display(),
        with_article(construct)
    )]
    Dynamic {
        file: PathBuf,
        line: usize,
        construct: String,
        option: String,
    },
    #[error("cannot use `{}`: `{option}` must be {expected}, not {found}", file.display())]
    WrongType {
        file: PathBuf,
        option: String,
        expected: &'static str,
        found: String,
    },
    #[error("cannot use `{host}` as a host name for a config file")]
    InvalidHost { host: String },
}

impl Default for Config {
    fn default() -> Self {
        Config {
            debug: false,
            api: ApiOptions {
                enabled: true,
                slug: "api".into(),
                basic_auth: false,
                allow_insecure: false,
                csrf: None,
                allow_impersonation: false,
            },
            panel: PanelOptions {
                dev: false,
                language: "en".into(),
                install: false,
                slug: "panel".into(),
            },
            auth: AuthOptions {
                methods: vec![LoginMethod {
                    name: "password".into(),
                    two_factor: false,
                }],
                method_conflict: None,
                trials: 10,
                timeout: 3600,
                debug: AuthDebug::Log,
                challenges: vec!["totp".into(), "email".into()],
                challenge_timeout: 600,
                challenge_email: ChallengeEmail::default(),
            },
            session: SessionOptions {
                cookie_name: "kirby_session".into(),
                duration_normal: 7200,
                duration_long: 1_209_600,
                timeout: Some(1800),
                gc_interval: 100,
            },
            url: UrlOption::Unset,
            languages: false,
            content_uuid: UuidOption::On,
            home: "home".into(),
            error: "error".into(),
            slugs_maxlength: 255,
            slugs_language: None,
            cookie_key: "KirbyHttpCookieKey".into(),
            email: EmailOptions {
                transport: EmailTransport {
                    kind: "mail".into(),
                    host: None,
                    port: None,
                    security: TransportSecurity::Unset,
                    auth: false,
                    username: None,
                    password: None,
                },
            },
            folio: FolioOptions {
                trusted_proxies: None,
                login_delay: true,
                max_body_bytes: 8 * 1024 * 1024,
                max_upload_bytes: 64 * 1024 * 1024,
            },
            raw: PhpValue::Array(PhpArray::default()),
            warnings: Vec::new(),
        }
    }
}

/// Reads `<root>/site/config/config.php` and, when `host` is given and the file
/// exists, `config.<host>.php` over it. No config file means all defaults.
/// `host` is a bare host name such as `example.com` (no scheme, no path).
pub fn load(root: &Path, host: Option<&str>) -> Result<Config, ConfigError> {
    let mut names = vec!["config.php".to_string()];
    if let Some(host) = host {
        if !is_safe_host(host) {
            return Err(ConfigError::InvalidHost {
                host: host.to_string(),
            });
        }
        names.push(format!("config.{host}.php"));
    }

    let mut layers = Vec::new();
    for name in names {
        let display = Path::new(CONFIG_DIR).join(&name);
        let text = match std::fs::read_to_string(root.join(&display)) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(cause) => {
                return Err(ConfigError::Io {
                    file: display,
                    cause,
                });
            }
        };
        let value = php::parse_return_file(&text).map_err(|cause| ConfigError::Syntax {
            file: display.clone(),
            cause,
        })?;
        layers.push(Layer {
            value,
            file: display,
        });
    }
    build::from_layers(&layers)
}

/// Builds the config from an already parsed value; `source` names it in messages.
pub fn from_value(value: &PhpValue, source: &Path) -> Result<Config, ConfigError> {
    build::from_layers(&[Layer {
        value: value.clone(),
        file: source.to_path_buf(),
    }])
}

/// Host names become part of a file name, so only host characters pass.
fn is_safe_host(host: &str) -> bool {
    !host.is_empty()
        && !host.starts_with('.')
        && !host.contains("..")
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
}

/// "a closure", "an arithmetic expression", "an `@` expression".
fn with_article(construct: &str) -> String {
    let first = construct
        .trim_start_matches('`')
        .chars()
        .next()
        .unwrap_or('x');
    let article = if "aeiouAEIOU@".contains(first) {
        "an"
    } else {
        "a"
    };
    format!("{article} {construct}")
}

#[cfg(test)]
mod tests;
