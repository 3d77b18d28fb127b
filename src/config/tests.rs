use std::path::Path;

use serde_json::Value as Json;
use tempfile::TempDir;

use super::*;
use crate::format::txt::tests::conformance_dir;

/// A temp site root with `site/config/<name>` files.
fn site(files: &[(&str, &str)]) -> TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join(CONFIG_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    root
}

fn config(src: &str) -> Config {
    let root = site(&[("config.php", &format!("<?php\nreturn {src};"))]);
    load(root.path(), None).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn config_error(src: &str) -> String {
    let root = site(&[("config.php", &format!("<?php\nreturn {src};"))]);
    load(root.path(), None).expect_err(src).to_string()
}

/// The conformance runner's PHP writer (`php_literal` in run.py), rebuilt:
/// tabs, `null`/`true`/`false`, single-quoted strings, `[]` when empty.
fn php_literal(value: &Json, indent: usize) -> String {
    let pad = "\t".repeat(indent);
    let close = "\t".repeat(indent - 1);
    match value {
        Json::Null => "null".into(),
        Json::Bool(flag) => flag.to_string(),
        Json::Number(number) => number.to_string(),
        Json::String(text) => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
        Json::Array(items) if items.is_empty() => "[]".into(),
        Json::Object(items) if items.is_empty() => "[]".into(),
        Json::Array(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|v| format!("{pad}{}", php_literal(v, indent + 1)))
                .collect();
            format!("[\n{}\n{close}]", inner.join(",\n"))
        }
        Json::Object(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|(k, v)| {
                    let key = php_literal(&Json::String(k.clone()), 1);
                    format!("{pad}{key} => {}", php_literal(v, indent + 1))
                })
                .collect();
            format!("[\n{}\n{close}]", inner.join(",\n"))
        }
    }
}

fn json_at<'a>(value: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(value, |value, key| value.get(key))
}

#[test]
fn no_config_file_means_defaults() {
    let root = tempfile::tempdir().unwrap();
    let config = load(root.path(), None).unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.api.slug, "api");
    assert_eq!(
        config.auth.methods,
        vec![LoginMethod {
            name: "password".into(),
            two_factor: false
        }]
    );
    assert_eq!(config.session.timeout, Some(1800));
}

#[test]
fn every_runner_config_loads_with_its_values() {
    let Some(dir) = conformance_dir() else { return };
    let cases = dir.join("cases");
    let mut count = 0;
    for entry in std::fs::read_dir(&cases).unwrap() {
        let path = entry.unwrap().path();
        let case: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let empty = Json::Object(Default::default());
        let json = case.get("config").unwrap_or(&empty);
        let php = format!("<?php\n\nreturn {};\n", php_literal(json, 1));
        let root = site(&[("config.php", &php)]);
        let config = load(root.path(), None).unwrap_or_else(|e| panic!("{}: {e}", path.display()));

        let name = path.display();
        let csrf = json_at(json, "api.csrf")
            .and_then(Json::as_str)
            .map(str::to_string);
        assert_eq!(config.api.csrf, csrf, "{name}");
        let flag = |path| json_at(json, path) == Some(&Json::Bool(true));
        assert_eq!(config.api.basic_auth, flag("api.basicAuth"), "{name}");
        assert_eq!(
            config.api.allow_insecure,
            flag("api.allowInsecure"),
            "{name}"
        );
        assert_eq!(config.debug, flag("debug"), "{name}");
        assert_eq!(config.panel.dev, flag("panel.dev"), "{name}");
        assert_eq!(config.languages, flag("languages"), "{name}");
        if let Some(methods) = json_at(json, "auth.methods").and_then(Json::as_array) {
            let names: Vec<&str> = config
                .auth
                .methods
                .iter()
                .map(|m| m.name.as_str())
                .collect();
            let expected: Vec<&str> = methods.iter().filter_map(Json::as_str).collect();
            assert_eq!(names, expected, "{name}");
        }
        assert!(config.warnings.is_empty(), "{name}");
        count += 1;
    }
    assert!(count > 50, "expected the recorded cases, found {count}");
}

#[test]
fn reads_each_option() {
    let config = config(
        "[
        'debug' => true,
        'api' => ['slug' => 'rest', 'basicAuth' => true, 'allowInsecure' => true,
                  'csrf' => 'token', 'allowImpersonation' => true],
        'panel' => ['dev' => 'http://localhost:3000', 'language' => 'de', 'install' => true,
                    'slug' => 'admin'],
        'auth' => ['trials' => 3, 'timeout' => '60', 'debug' => true,
                   'challenges' => 'email', 'challenge' => ['timeout' => 120]],
        'session' => ['cookieName' => 'sess', 'durationNormal' => 10, 'durationLong' => 20,
                      'timeout' => false, 'gcInterval' => 5],
        'url' => 'https://example.com',
        'languages' => true,
        'content' => ['uuid' => 'uuid-v4'],
        'home' => 'start', 'error' => 'oops',
        'slugs' => ['maxlength' => 100],
        'cookie' => ['key' => 'secret-key'],
        'email' => ['transport' => ['type' => 'smtp', 'host' => 'mail.test', 'port' => 587,
                    'security' => 'tls', 'auth' => true, 'username' => 'u', 'password' => 'p']],
    ]",
    );
    let api = &config.api;
    assert!(config.debug && api.enabled && api.basic_auth && api.allow_insecure);
    assert!(api.allow_impersonation);
    assert_eq!(
        (api.slug.as_str(), api.csrf.as_deref()),
        ("rest", Some("token"))
    );
    let panel = &config.panel;
    assert!(panel.dev && panel.install);
    assert_eq!(
        (panel.language.as_str(), panel.slug.as_str()),
        ("de", "admin")
    );
    let auth = &config.auth;
    assert_eq!(
        (auth.trials, auth.timeout, auth.challenge_timeout),
        (3, 60, 120)
    );
    assert_eq!(
        (auth.debug, auth.challenges.clone()),
        (AuthDebug::On, vec!["email".to_string()])
    );
    let session = &config.session;
    assert_eq!(session.cookie_name, "sess");
    assert_eq!(
        (
            session.duration_normal,
            session.duration_long,
            session.timeout
        ),
        (10, 20, None)
    );
    assert_eq!(session.gc_interval, 5);
    assert_eq!(config.url, UrlOption::Fixed("https://example.com".into()));
    assert!(config.languages);
    assert_eq!(config.content_uuid, UuidOption::V4);
    assert_eq!(
        (config.home.as_str(), config.error.as_str()),
        ("start", "oops")
    );
    assert_eq!(
        (config.slugs_maxlength, config.slugs_language.clone()),
        (100, None)
    );
    assert_eq!(config.cookie_key, "secret-key");
    let transport = &config.email.transport;
    assert_eq!(
        (transport.kind.as_str(), transport.host.as_deref()),
        ("smtp", Some("mail.test"))
    );
    assert_eq!(
        (transport.port, transport.security.clone()),
        (Some(587), TransportSecurity::Named("tls".into()))
    );
    assert!(transport.auth);
    assert_eq!(
        (transport.username.as_deref(), transport.password.as_deref()),
        (Some("u"), Some("p"))
    );
}

#[test]
fn challenge_mail_options() {
    let unset = config("[]").auth.challenge_email;
    assert_eq!(unset, crate::config::ChallengeEmail::default());
    let set = config(
        "['auth' => ['challenge' => ['email' => ['from' => 'login@example.com', \
         'fromName' => 'Login', 'subject' => 'Code']]]]",
    )
    .auth
    .challenge_email;
    assert_eq!(set.from.as_deref(), Some("login@example.com"));
    assert_eq!(set.from_name.as_deref(), Some("Login"));
    assert_eq!(set.subject.as_deref(), Some("Code"));
}

#[test]
fn smaller_option_forms() {
    assert!(!config("['api' => false]").api.enabled);
    assert!(config("['api' => null]").api.enabled);
    assert!(!config("['api' => ['basicAuth' => 1]]").api.basic_auth);
    assert!(config("['debug' => 'yes']").debug);
    assert!(!config("['debug' => '0']").debug);
    assert_eq!(config("['url' => '*']").url, UrlOption::Wildcard);
    let allow = config("['url' => ['https://a.test', 'http://b.test']]").url;
    assert_eq!(
        allow,
        UrlOption::AllowList(vec!["https://a.test".into(), "http://b.test".into()])
    );
    assert_eq!(
        config("['content' => ['uuid' => false]]").content_uuid,
        UuidOption::Off
    );
    assert_eq!(
        config("['content.uuid' => ['format' => 'uuid-v4']]").content_uuid,
        UuidOption::V4
    );
    assert_eq!(
        config("['content' => ['uuid' => true]]").content_uuid,
        UuidOption::On
    );
    assert_eq!(
        config("['slugs' => 'de']").slugs_language.as_deref(),
        Some("de")
    );
    assert_eq!(config("['slugs' => 'de']").slugs_maxlength, 255);
    assert_eq!(
        config("['auth' => ['debug' => 'log']]").auth.debug,
        AuthDebug::Log
    );
    assert_eq!(
        config("['auth' => ['debug' => false]]").auth.debug,
        AuthDebug::Off
    );
}

#[test]
fn login_methods_are_normalised() {
    let names = |src: &str| -> Vec<(String, bool)> {
        let methods = config(src).auth.methods;
        methods
            .into_iter()
            .map(|m| (m.name, m.two_factor))
            .collect()
    };
    let plain = |name: &str| (name.to_string(), false);
    assert_eq!(
        names("['auth' => ['methods' => ['password', 'code']]]"),
        [plain("password"), plain("code")]
    );
    assert_eq!(
        names("['auth' => ['methods' => ['password' => true]]]"),
        [plain("password")]
    );
    assert_eq!(names("['auth.methods' => 'code']"), [plain("code")]);
    let two_factor =
        config("['auth' => ['methods' => ['password' => ['2fa' => true], 'code' => true]]]");
    assert_eq!(
        two_factor.auth.methods,
        [LoginMethod {
            name: "password".into(),
            two_factor: true
        }]
    );
    let message = "The \"code\" login method cannot be enabled when 2FA is required";
    assert_eq!(two_factor.auth.method_conflict.as_deref(), Some(message));
    let both = config("['auth' => ['methods' => ['code', 'password-reset', 'password']]]");
    assert_eq!(names_of(&both), ["password-reset", "password"]);
    let message = "The \"code\" and \"password-reset\" login methods cannot be enabled together";
    assert_eq!(both.auth.method_conflict.as_deref(), Some(message));
}

fn names_of(config: &Config) -> Vec<&str> {
    config
        .auth
        .methods
        .iter()
        .map(|m| m.name.as_str())
        .collect()
}

#[test]
fn dotted_top_level_keys_equal_nested_ones() {
    let dotted = config(
        "['api.basicAuth' => true, 'session.durationNormal' => 60, 'auth.challenge.timeout' => 9]",
    );
    let nested = config(
        "['api' => ['basicAuth' => true], 'session' => ['durationNormal' => 60], 'auth' => ['challenge' => ['timeout' => 9]]]",
    );
    assert!(dotted.api.basic_auth);
    assert_eq!(dotted.session.duration_normal, 60);
    assert_eq!(dotted.auth.challenge_timeout, 9);
    assert_eq!(
        (dotted.api, dotted.session, dotted.auth),
        (nested.api, nested.session, nested.auth)
    );
}

#[test]
fn host_config_merges_over_the_main_one() {
    let root = site(&[
        (
            "config.php",
            "<?php return ['debug' => true, 'api' => ['csrf' => 'a', 'slug' => 'x'], 'auth' => ['methods' => ['password', 'code']]];",
        ),
        (
            "config.example.com.php",
            "<?php return ['api' => ['csrf' => 'b'], 'auth' => ['methods' => ['code']]];",
        ),
    ]);
    let config = load(root.path(), Some("example.com")).unwrap();
    assert!(config.debug);
    assert_eq!(
        (config.api.csrf.as_deref(), config.api.slug.as_str()),
        (Some("b"), "x")
    );
    // PHP merges lists by index: ['code'] over ['password', 'code'] is ['code', 'code'].
    assert_eq!(names_of(&config), ["code"]);
    assert_eq!(
        load(root.path(), Some("other.test"))
            .unwrap()
            .api
            .csrf
            .as_deref(),
        Some("a")
    );
    assert_eq!(
        load(root.path(), None).unwrap().api.csrf.as_deref(),
        Some("a")
    );
}

#[test]
fn host_names_cannot_leave_the_config_folder() {
    let root = site(&[]);
    for host in ["../x", "a/b", "", ".hidden", "a\\b"] {
        assert!(
            matches!(
                load(root.path(), Some(host)),
                Err(ConfigError::InvalidHost { .. })
            ),
            "{host}"
        );
    }
}

#[test]
fn dynamic_values_under_read_options_are_errors() {
    let src = "<?php\n\nreturn [\n    'debug' => false,\n    'api' => [\n        'csrf' => 'x',\n        'basicAuth' => env('BASIC'),\n    ],\n];";
    let root = site(&[("config.php", src)]);
    let message = load(root.path(), None).unwrap_err().to_string();
    let expected = "cannot use `site/config/config.php`: line 7 has a function call `env()` under `api.basicAuth`, which Folio cannot evaluate";
    assert_eq!(message, expected);
    assert!(config_error("['url' => $url]").contains("has a variable `$url` under `url`"));
    assert!(config_error("['api' => fn () => []]").contains("has a closure under `api`"));
    assert!(config_error("['auth.methods' => [PASSWORD]]").contains("under `auth.methods.0`"));
    assert!(config_error("array_merge([], [])").contains("under `the returned value`"));
    let root = site(&[
        ("config.php", "<?php return [];"),
        ("config.h.test.php", "<?php return ['debug' => DEBUG];"),
    ]);
    let message = load(root.path(), Some("h.test")).unwrap_err().to_string();
    assert!(
        message.starts_with(
            "cannot use `site/config/config.h.test.php`: line 1 has a constant `DEBUG`"
        ),
        "{message}"
    );
}

#[test]
fn dynamic_values_elsewhere_are_warnings() {
    let config = config(
        "[
        'hooks' => ['page.update:after' => function () {}],
        'routes' => [['pattern' => 'x', 'action' => fn () => 'y']],
        'panel' => ['menu' => fn () => [], 'language' => 'de'],
        'my.plugin' => ['key' => MY_KEY],
    ]",
    );
    assert_eq!(config.panel.language, "de");
    assert_eq!(config.warnings.len(), 4, "{:?}", config.warnings);
    let first = "skipping `hooks.page.update:after` in `site/config/config.php`: line 3 has a closure, which only PHP can evaluate";
    assert_eq!(config.warnings[0], first);
    assert!(config.warnings[1].starts_with("skipping `routes.0.action`"));
    assert!(config.warnings[3].contains("has a constant `MY_KEY`"));
}

#[test]
fn dynamic_values_overridden_by_the_host_file_do_not_count() {
    let root = site(&[
        (
            "config.php",
            "<?php return ['api' => ['csrf' => env('CSRF')]];",
        ),
        (
            "config.h.test.php",
            "<?php return ['api' => ['csrf' => 'fixed']];",
        ),
    ]);
    assert_eq!(
        load(root.path(), Some("h.test"))
            .unwrap()
            .api
            .csrf
            .as_deref(),
        Some("fixed")
    );
}

#[test]
fn wrong_types_are_clear_errors() {
    let expected =
        "cannot use `site/config/config.php`: `debug` must be true or false, not an array";
    assert_eq!(config_error("['debug' => []]"), expected);
    assert!(
        config_error("['auth' => ['trials' => -1]]")
            .ends_with("`auth.trials` must be a non-negative integer, not `-1`")
    );
    assert!(
        config_error("['session.durationNormal' => 'long']").ends_with("not the string `long`")
    );
    assert!(
        config_error("['api' => ['slug' => true]]")
            .ends_with("`api.slug` must be a string, not `true`")
    );
    assert!(config_error("['url' => true]").contains("`url` must be a URL"));
    assert!(
        config_error("['auth' => ['methods' => [1]]]")
            .contains("`auth.methods` must be a list of method names")
    );
    assert!(config_error("'debug'").ends_with("it returns a string instead of an array"));
}

#[test]
fn syntax_errors_name_the_file_and_line() {
    let root = site(&[(
        "config.php",
        "<?php\nreturn [\n  'debug' => true\n  'x' => 1,\n];",
    )]);
    let message = load(root.path(), None).unwrap_err().to_string();
    assert_eq!(
        message,
        "cannot read `site/config/config.php`: line 4: expected `,` or `]`, found `'`"
    );
}

#[test]
fn from_value_names_its_source() {
    let value = crate::format::php::parse_return_file("<?php return ['home' => 5];").unwrap();
    let config = from_value(&value, Path::new("x/config.php")).unwrap();
    assert_eq!(config.home, "5");
    let value = crate::format::php::parse_return_file("<?php return ['home' => []];").unwrap();
    let message = from_value(&value, Path::new("x/config.php"))
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("cannot use `x/config.php`"),
        "{message}"
    );
}

#[test]
fn folio_options_default_to_no_proxies_and_a_login_delay() {
    let defaults = config("[]");
    assert_eq!(defaults.folio.trusted_proxies, None);
    assert!(defaults.folio.proxies().is_empty());
    let none = config("['folio' => ['trustedProxies' => []]]");
    assert_eq!(none.folio.trusted_proxies, Some(Vec::new()));
    assert!(defaults.folio.login_delay);
}

#[test]
fn folio_options_are_read() {
    let options = config(
        "['folio' => ['trustedProxies' => ['127.0.0.1', '10.0.0.0/8', 'fd00::/8'], \
         'loginDelay' => false]]",
    );
    let shown: Vec<String> = options
        .folio
        .proxies()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"]);
    assert!(!options.folio.login_delay);
    let single = config("['folio.trustedProxies' => '::1']");
    assert_eq!(single.folio.proxies().len(), 1);
}

#[test]
fn a_bad_trusted_proxy_stops_start_up() {
    let message = config_error("['folio' => ['trustedProxies' => ['10.0.0.0/8', 'proxy.lan']]]");
    assert!(message.contains("folio.trustedProxies"), "{message}");
    assert!(message.contains("proxy.lan"), "{message}");
    assert!(config_error("['folio' => ['trustedProxies' => [1]]]").contains("trustedProxies"));
}

#[test]
fn forwarded_schemes_without_trusted_proxies_are_warned_about() {
    let open = config("['url' => '*']");
    assert_eq!(open.warnings.len(), 1, "{:?}", open.warnings);
    assert!(open.warnings[0].contains("folio.trustedProxies"));
    let listed = config("['url' => '*', 'folio' => ['trustedProxies' => ['127.0.0.1']]]");
    assert!(listed.warnings.is_empty());
    assert!(
        config("['url' => 'https://example.com']")
            .warnings
            .is_empty()
    );
}
