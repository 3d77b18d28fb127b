//! Turning the merged config tree into typed options.
//!
//! Each option is read the way Kirby reads it: `null` means the default,
//! booleans follow PHP truthiness except the few security switches Kirby
//! compares with `=== true`, and numbers accept numeric strings. Values of a
//! type Kirby could not use are errors that name the option.

use crate::config::layers::{Layer, lookup, replace_recursive, source_of};
use crate::config::{
    ApiOptions, AuthDebug, AuthOptions, ChallengeEmail, Config, ConfigError, EmailOptions,
    EmailTransport, FolioOptions, IpNet, LoginMethod, PanelOptions, SessionOptions,
    TransportSecurity, UrlOption, UuidOption, dynamic,
};
use crate::format::php::{PhpArray, PhpKey, PhpValue, php_float_to_string};

type Result<T> = std::result::Result<T, ConfigError>;

pub(super) fn from_layers(layers: &[Layer]) -> Result<Config> {
    let mut merged = PhpValue::Array(PhpArray::default());
    for layer in layers {
        if let PhpValue::Array(_) | PhpValue::Dynamic { .. } = layer.value {
            replace_recursive(&mut merged, &layer.value);
        } else {
            let found = layer.value.type_name();
            return Err(ConfigError::NotArray {
                file: layer.file.clone(),
                found,
            });
        }
    }
    let mut warnings = dynamic::check(&merged, layers)?;
    let empty = PhpArray::default();
    let reader = Reader {
        root: merged.as_array().unwrap_or(&empty),
        layers,
    };
    let defaults = Config::default();

    let url = url(&reader)?;
    let folio = folio(&reader, defaults.folio)?;
    if matches!(url, UrlOption::Wildcard | UrlOption::AllowList(_))
        && folio.trusted_proxies.is_none()
    {
        warnings.push(
            "`url` lets forwarded headers set the scheme, and any client can send them: \
             list your reverse proxy in `folio.trustedProxies`"
                .to_string(),
        );
    }

    Ok(Config {
        debug: reader.truthy("debug", false)?,
        api: api(&reader, defaults.api)?,
        panel: panel(&reader, defaults.panel)?,
        auth: auth(&reader, defaults.auth)?,
        session: session(&reader, defaults.session)?,
        url,
        languages: reader.truthy("languages", false)?,
        content_uuid: content_uuid(&reader),
        home: reader.string("home", defaults.home)?,
        error: reader.string("error", defaults.error)?,
        slugs_maxlength: reader.number("slugs.maxlength", defaults.slugs_maxlength)?,
        slugs_language: reader
            .get("slugs")
            .and_then(PhpValue::as_str)
            .map(str::to_string),
        cookie_key: reader.string("cookie.key", defaults.cookie_key)?,
        email: EmailOptions {
            transport: transport(&reader, defaults.email.transport)?,
        },
        folio,
        raw: merged.clone(),
        warnings,
    })
}

fn api(reader: &Reader, defaults: ApiOptions) -> Result<ApiOptions> {
    Ok(ApiOptions {
        enabled: reader.get("api") != Some(&PhpValue::Bool(false)),
        slug: reader.string("api.slug", defaults.slug)?,
        basic_auth: reader.exactly_true("api.basicAuth"),
        allow_insecure: reader.exactly_true("api.allowInsecure"),
        csrf: reader.optional_string("api.csrf")?,
        allow_impersonation: reader.exactly_true("api.allowImpersonation"),
    })
}

fn panel(reader: &Reader, defaults: PanelOptions) -> Result<PanelOptions> {
    Ok(PanelOptions {
        dev: reader.truthy("panel.dev", defaults.dev)?,
        language: reader.string("panel.language", defaults.language)?,
        install: reader.truthy("panel.install", defaults.install)?,
        slug: reader.string("panel.slug", defaults.slug)?,
    })
}

fn auth(reader: &Reader, defaults: AuthOptions) -> Result<AuthOptions> {
    let (methods, method_conflict) = match reader.get("auth.methods") {
        None => (defaults.methods, None),
        Some(value) => login_methods(reader, value)?,
    };
    let debug = match reader.get("auth.debug") {
        None => AuthDebug::Log,
        Some(PhpValue::Str(mode)) if mode == "log" => AuthDebug::Log,
        Some(PhpValue::Bool(true)) => AuthDebug::On,
        Some(_) => AuthDebug::Off,
    };
    Ok(AuthOptions {
        methods,
        method_conflict,
        trials: reader.number("auth.trials", defaults.trials)?,
        timeout: reader.number("auth.timeout", defaults.timeout)?,
        debug,
        challenges: reader.string_list("auth.challenges", defaults.challenges)?,
        challenge_timeout: reader.number("auth.challenge.timeout", defaults.challenge_timeout)?,
        challenge_email: ChallengeEmail {
            from: reader.optional_string("auth.challenge.email.from")?,
            from_name: reader.optional_string("auth.challenge.email.fromName")?,
            subject: reader.optional_string("auth.challenge.email.subject")?,
        },
    })
}

/// Normalises `auth.methods` (auth.md §5.1): `['password', 'code']`,
/// `['password' => true]` and `['password' => ['2fa' => true]]` all work; with
/// 2FA required `code` and `password-reset` are dropped, and `code` gives way
/// to `password-reset`. Returns the methods and Kirby's debug-mode error.
fn login_methods(reader: &Reader, value: &PhpValue) -> Result<(Vec<LoginMethod>, Option<String>)> {
    let entries = match value {
        PhpValue::Str(name) => vec![(PhpKey::Int(0), PhpValue::Str(name.clone()))],
        PhpValue::Array(array) => array.0.clone(),
        other => return Err(reader.wrong_type("auth.methods", "a list of login methods", other)),
    };
    let mut methods: Vec<LoginMethod> = Vec::new();
    for (key, value) in entries {
        let (name, two_factor) = match (key, &value) {
            (PhpKey::Int(_), PhpValue::Str(name)) => (name.clone(), false),
            (PhpKey::Int(_), other) => {
                return Err(reader.wrong_type("auth.methods", "a list of method names", other));
            }
            // FIXME: unconfirmed whether Kirby treats `'password' => false` as enabled; like
            // its normaliser as read, Folio keeps any method listed by name.
            (PhpKey::Str(name), PhpValue::Array(options)) => {
                (name, options.get("2fa") == Some(&PhpValue::Bool(true)))
            }
            (PhpKey::Str(name), _) => (name, false),
        };
        match methods.iter_mut().find(|method| method.name == name) {
            Some(method) => method.two_factor = two_factor,
            None => methods.push(LoginMethod { name, two_factor }),
        }
    }

    let mut conflict = None;
    let mut drop_method = |methods: &mut Vec<LoginMethod>, name: &str, message: String| {
        if methods.iter().any(|method| method.name == name) {
            methods.retain(|method| method.name != name);
            conflict.get_or_insert(message);
        }
    };
    if methods.iter().any(|method| method.two_factor) {
        for name in ["code", "password-reset"] {
            // Wording from Kirby's source; not recorded live.
            let message =
                format!("The \"{name}\" login method cannot be enabled when 2FA is required");
            drop_method(&mut methods, name, message);
        }
    }
    if methods.iter().any(|method| method.name == "password-reset") {
        let message =
            "The \"code\" and \"password-reset\" login methods cannot be enabled together"
                .to_string();
        drop_method(&mut methods, "code", message);
    }
    Ok((methods, conflict))
}

fn folio(reader: &Reader, defaults: FolioOptions) -> Result<FolioOptions> {
    let trusted_proxies = match reader.get("folio.trustedProxies") {
        None => defaults.trusted_proxies,
        Some(_) => Some(trusted_proxies(reader)?),
    };
    Ok(FolioOptions {
        trusted_proxies,
        login_delay: reader.truthy("folio.loginDelay", defaults.login_delay)?,
        max_body_bytes: reader.number("folio.maxBodySize", defaults.max_body_bytes)?,
        max_upload_bytes: reader.number("folio.maxUploadSize", defaults.max_upload_bytes)?,
    })
}

fn trusted_proxies(reader: &Reader) -> Result<Vec<IpNet>> {
    let option = "folio.trustedProxies";
    let expected = "a list of IP addresses or CIDR ranges";
    reader
        .string_list(option, Vec::new())?
        .into_iter()
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .map_err(|_| reader.wrong_type(option, expected, &PhpValue::Str(entry)))
        })
        .collect()
}

fn session(reader: &Reader, defaults: SessionOptions) -> Result<SessionOptions> {
    let timeout = match reader.get("session.timeout") {
        Some(PhpValue::Bool(false)) => None,
        _ => Some(reader.number("session.timeout", defaults.timeout.unwrap_or(1800))?),
    };
    Ok(SessionOptions {
        cookie_name: reader.string("session.cookieName", defaults.cookie_name)?,
        duration_normal: reader.number("session.durationNormal", defaults.duration_normal)?,
        duration_long: reader.number("session.durationLong", defaults.duration_long)?,
        timeout,
        gc_interval: reader.number("session.gcInterval", defaults.gc_interval)?,
    })
}

fn url(reader: &Reader) -> Result<UrlOption> {
    match reader.get("url") {
        None => Ok(UrlOption::Unset),
        Some(PhpValue::Str(url)) if url.is_empty() => Ok(UrlOption::Unset),
        Some(PhpValue::Str(url)) if url == "*" => Ok(UrlOption::Wildcard),
        Some(PhpValue::Str(url)) => Ok(UrlOption::Fixed(url.clone())),
        Some(PhpValue::Array(_)) => {
            Ok(UrlOption::AllowList(reader.string_list("url", Vec::new())?))
        }
        Some(other) => Err(reader.wrong_type("url", "a URL, `*` or a list of URLs", other)),
    }
}

/// Only `false` turns UUIDs off; `uuid-v4` (also as `['format' => 'uuid-v4']`) switches format.
fn content_uuid(reader: &Reader) -> UuidOption {
    let format = match reader.get("content.uuid") {
        Some(PhpValue::Bool(false)) => return UuidOption::Off,
        Some(PhpValue::Array(options)) => options.get("format"),
        other => other,
    };
    match format.and_then(PhpValue::as_str) {
        Some("uuid-v4") => UuidOption::V4,
        _ => UuidOption::On,
    }
}

fn transport(reader: &Reader, defaults: EmailTransport) -> Result<EmailTransport> {
    let security = match reader.get("email.transport.security") {
        None => TransportSecurity::Unset,
        Some(PhpValue::Bool(flag)) => TransportSecurity::Flag(*flag),
        Some(PhpValue::Str(name)) => TransportSecurity::Named(name.clone()),
        Some(other) => {
            let expected = "true, false or a protocol name";
            return Err(reader.wrong_type("email.transport.security", expected, other));
        }
    };
    let port = match reader.get("email.transport.port") {
        None => None,
        Some(_) => Some(reader.number("email.transport.port", 0u16)?),
    };
    Ok(EmailTransport {
        kind: reader.string("email.transport.type", defaults.kind)?,
        host: reader.optional_string("email.transport.host")?,
        port,
        security,
        auth: reader.truthy("email.transport.auth", defaults.auth)?,
        username: reader.optional_string("email.transport.username")?,
        password: reader.optional_string("email.transport.password")?,
    })
}

/// The offending value for a message: scalars shown, arrays by type. Only
/// values of the wrong type get here, so a password string is never shown.
fn describe(value: &PhpValue) -> String {
    match value {
        PhpValue::Int(number) => format!("`{number}`"),
        PhpValue::Float(number) => format!("`{}`", php_float_to_string(*number)),
        PhpValue::Bool(flag) => format!("`{flag}`"),
        PhpValue::Str(text) => format!("the string `{text}`"),
        other => other.type_name().to_string(),
    }
}

/// Typed access to the merged tree, with errors that name the option and file.
struct Reader<'a> {
    root: &'a PhpArray,
    layers: &'a [Layer],
}

impl Reader<'_> {
    fn get(&self, path: &str) -> Option<&PhpValue> {
        lookup(self.root, path)
    }

    fn wrong_type(&self, path: &str, expected: &'static str, found: &PhpValue) -> ConfigError {
        ConfigError::WrongType {
            file: source_of(self.layers, path).to_path_buf(),
            option: path.to_string(),
            expected,
            found: describe(found),
        }
    }

    /// PHP truthiness for scalars; an array is refused, as Kirby's bool-typed options would.
    fn truthy(&self, path: &str, default: bool) -> Result<bool> {
        match self.get(path) {
            None => Ok(default),
            Some(PhpValue::Bool(flag)) => Ok(*flag),
            Some(PhpValue::Int(number)) => Ok(*number != 0),
            Some(PhpValue::Float(number)) => Ok(*number != 0.0),
            Some(PhpValue::Str(text)) => Ok(!text.is_empty() && text != "0"),
            Some(other) => Err(self.wrong_type(path, "true or false", other)),
        }
    }

    /// For switches Kirby compares with `=== true`: anything else is off.
    fn exactly_true(&self, path: &str) -> bool {
        self.get(path) == Some(&PhpValue::Bool(true))
    }

    fn string(&self, path: &str, default: String) -> Result<String> {
        Ok(self.optional_string(path)?.unwrap_or(default))
    }

    /// Strings as they are; numbers as PHP turns them into strings.
    fn optional_string(&self, path: &str) -> Result<Option<String>> {
        match self.get(path) {
            None => Ok(None),
            Some(PhpValue::Str(text)) => Ok(Some(text.clone())),
            Some(PhpValue::Int(number)) => Ok(Some(number.to_string())),
            Some(PhpValue::Float(number)) => Ok(Some(php_float_to_string(*number))),
            Some(other) => Err(self.wrong_type(path, "a string", other)),
        }
    }

    /// A non-negative integer; numeric strings and whole floats count, as PHP
    /// coerces them.
    fn number<T: TryFrom<i64>>(&self, path: &str, default: T) -> Result<T> {
        let expected = "a non-negative integer";
        let number = match self.get(path) {
            None => return Ok(default),
            Some(PhpValue::Int(number)) => Some(*number),
            Some(PhpValue::Float(number)) if number.fract() == 0.0 => Some(*number as i64),
            Some(PhpValue::Str(text)) => text.trim().parse::<i64>().ok(),
            Some(other) => return Err(self.wrong_type(path, expected, other)),
        };
        let found = self.get(path).cloned().unwrap_or(PhpValue::Null);
        number
            .filter(|number| *number >= 0)
            .and_then(|number| T::try_from(number).ok())
            .ok_or_else(|| self.wrong_type(path, expected, &found))
    }

    /// A list of strings; a single string counts as a list of one (Kirby's `A::wrap`).
    fn string_list(&self, path: &str, default: Vec<String>) -> Result<Vec<String>> {
        match self.get(path) {
            None => Ok(default),
            Some(PhpValue::Str(text)) => Ok(vec![text.clone()]),
            Some(PhpValue::Array(array)) => array
                .values()
                .map(|value| match value {
                    PhpValue::Str(text) => Ok(text.clone()),
                    other => Err(self.wrong_type(path, "a list of strings", other)),
                })
                .collect(),
            Some(other) => Err(self.wrong_type(path, "a list of strings", other)),
        }
    }
}
