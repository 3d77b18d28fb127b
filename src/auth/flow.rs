//! Who is asking: the request-level authentication flow of auth.md.
//!
//! A request proves itself by a session cookie plus a CSRF token, or by
//! HTTP Basic credentials when `api.basicAuth` is on. Anonymous callers get a
//! session cookie but no session file: their CSRF token is derived from the
//! session id with a server secret, and is stored only once they log in.

use std::net::IpAddr;

use crate::api::error::{ApiError, Class};
use crate::app::App;
use crate::auth::basic::{AuthHeader, parse_authorization};
use crate::auth::basic_cache::BasicCache;
use crate::auth::session::{
    SessionData, SessionLifetimes, SessionStore, SessionToken, SessionValue,
};
use crate::auth::trials::{TrialLimits, pause_after_failure};
use crate::auth::{cookie, password};
use crate::store::{Site, User};

const USER_ID: &str = "kirby.userId";
const LOGIN_TIME: &str = "kirby.loginTimestamp";
const CSRF: &str = "kirby.csrf";

/// The session side of one request: the token the client sent (or one made
/// for it), the stored data if there is a file, and cookies to send back.
pub struct SessionState {
    pub token: Option<SessionToken>,
    pub data: Option<SessionData>,
    pub set_cookies: Vec<String>,
    secure: bool,
}

impl SessionState {
    /// Reads the signed session cookie and its file, if any. A forged,
    /// expired or unknown cookie counts as no session at all.
    pub fn from_cookie_header(
        app: &App,
        cookie_header: Option<&str>,
        secure: bool,
        now: i64,
    ) -> SessionState {
        let name = &app.config.session.cookie_name;
        let token = cookie_header
            .and_then(|header| cookie_value(header, name))
            .and_then(|raw| cookie::verify(raw, &app.config.cookie_key))
            .and_then(|token| SessionToken::parse(&token))
            .filter(|token| token.expiry > now);
        let data = token
            .as_ref()
            .and_then(|t| app.sessions.load(t, now).ok().flatten());
        SessionState {
            token,
            data,
            set_cookies: Vec::new(),
            secure,
        }
    }

    /// Makes sure the client has a session token, creating one (cookie only,
    /// no file) when it has none.
    pub fn ensure(&mut self, app: &App, now: i64) {
        if self.token.is_some() {
            return;
        }
        let token = SessionToken::generate(now + app.config.session.duration_normal as i64);
        self.push_cookie(app, &token, now);
        self.token = Some(token);
    }

    fn push_cookie(&mut self, app: &App, token: &SessionToken, now: i64) {
        let value = cookie::sign(&token.to_string(), &app.config.cookie_key);
        self.set_cookies.push(cookie::set_cookie_header(
            &app.config.session.cookie_name,
            &value,
            token.expiry,
            now,
            "/",
            self.secure,
        ));
    }

    /// The token a session request must send in `X-CSRF` (auth.md §3.1).
    /// Unless `panel.dev` is on, this gives the client a session, as Kirby does.
    pub fn expected_csrf(&mut self, app: &App, now: i64) -> String {
        if !app.config.panel.dev {
            self.ensure(app, now);
        }
        if let Some(fixed) = &app.config.api.csrf {
            return fixed.clone();
        }
        if app.config.panel.dev {
            return "dev".into();
        }
        self.session_csrf(app)
    }

    fn session_csrf(&self, app: &App) -> String {
        if let Some(SessionValue::Str(stored)) = self.data.as_ref().and_then(|d| d.get(CSRF)) {
            return stored.clone();
        }
        self.token
            .as_ref()
            .map(|t| app.csrf_secret.derive(&t.id))
            .unwrap_or_default()
    }

    /// The logged-in user of this session. A password changed after the
    /// login voids the session (auth.md §8).
    pub fn user<'s>(&self, site: &'s Site) -> Option<&'s User> {
        let data = self.data.as_ref()?;
        let Some(SessionValue::Str(id)) = data.get(USER_ID) else {
            return None;
        };
        let user = site.user(id)?;
        let login_time = match data.get(LOGIN_TIME) {
            Some(SessionValue::Int(t)) => Some(*t),
            _ => None,
        };
        match (user.password_modified, login_time) {
            (Some(changed), Some(login)) if login < changed => None,
            (Some(_), None) => None,
            _ => Some(user),
        }
    }

    /// Logs `user` in: a new session id (the old one dies at once), the CSRF
    /// token the client already holds, and a cookie for the new session.
    pub fn login(&mut self, app: &App, user: &User, long: bool, now: i64) -> Result<(), ApiError> {
        let csrf = self.session_csrf(app);
        let lifetimes = lifetimes(app);
        let mut data = if long {
            SessionData::new_long(now, &lifetimes)
        } else {
            SessionData::new_normal(now, &lifetimes)
        };
        if app.config.session.timeout.is_none() {
            data.timeout = None;
            data.last_activity = None;
        }
        if !csrf.is_empty() && !app.config.panel.dev {
            data.set(CSRF, SessionValue::Str(csrf));
        }
        data.set(USER_ID, SessionValue::Str(user.id.clone()));
        // A password written during this request (install, own password
        // change) must not void the session that request starts.
        let login_time = now.max(user.password_modified.unwrap_or(0));
        data.set(LOGIN_TIME, SessionValue::Int(login_time));
        let token = SessionToken::generate(data.expiry_time);
        app.sessions
            .save(&token, &data)
            .map_err(|e| ApiError::internal(format!("cannot save the session: {e}")))?;
        if let Some(old) = self.token.take() {
            app.sessions.delete(&old).ok();
        }
        self.push_cookie(app, &token, now);
        self.token = Some(token);
        self.data = Some(data);
        Ok(())
    }

    /// Ends the session. The file is removed; unless `panel.dev` is on, the
    /// client gets a fresh anonymous session, as Kirby keeps its CSRF token.
    pub fn logout(&mut self, app: &App, now: i64) {
        let Some(old) = self.token.take() else { return };
        let had_file = self.data.take().is_some();
        if had_file {
            app.sessions.delete(&old).ok();
        }
        if app.config.panel.dev {
            if had_file {
                self.set_cookies.extend(cookie::delete_cookie_headers(
                    &app.config.session.cookie_name,
                ));
            }
            return;
        }
        if had_file {
            self.ensure(app, now);
        } else {
            self.token = Some(old);
        }
    }

    /// Records activity (`auth/ping` and every authenticated request), and
    /// renews a session past half its lifetime under a new token (auth.md §2.3).
    pub fn touch(&mut self, app: &App, now: i64) {
        let (Some(token), Some(data)) = (&self.token, &mut self.data) else {
            return;
        };
        if data.needs_renewal(now) {
            data.renew(now);
            data.touch(now);
            let renewed = SessionToken::generate(data.expiry_time);
            if app.sessions.save(&renewed, data).is_ok() {
                app.sessions.delete(token).ok();
                let renewed_token = renewed.clone();
                self.push_cookie(app, &renewed_token, now);
                self.token = Some(renewed);
            }
            return;
        }
        if data.touch(now) {
            app.sessions.save(token, data).ok();
        }
    }

    /// Removes expired session files now and then (1 in `session.gcInterval`
    /// requests that use a session), as Kirby does.
    pub fn maybe_collect_garbage(&self, app: &App, now: i64) {
        let interval = app.config.session.gc_interval.max(1);
        if self.data.is_some()
            && rand::random::<u64>().is_multiple_of(interval)
            && let Err(error) = app.sessions.collect_garbage(now)
        {
            tracing::warn!("cannot remove expired sessions: {error}");
        }
    }
}

fn lifetimes(app: &App) -> SessionLifetimes {
    let options = &app.config.session;
    SessionLifetimes {
        normal: options.duration_normal as i64,
        long: options.duration_long as i64,
        timeout: options.timeout.unwrap_or(0) as i64,
    }
}

fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Basic auth for one request (auth.md §4.1). `Ok(None)` means the header is
/// not Basic auth Folio considers, so the session path applies. `visitor` is
/// the client address failures are counted against.
pub fn basic_user(
    app: &App,
    site: &Site,
    header: Option<&str>,
    is_https: bool,
    visitor: Option<IpAddr>,
) -> Result<Option<User>, ApiError> {
    if !app.config.api.basic_auth {
        return Ok(None);
    }
    let parsed = match header.map(parse_authorization) {
        Some(parsed @ (AuthHeader::Basic { .. } | AuthHeader::BasicUndecodable)) => parsed,
        _ => return Ok(None),
    };
    let methods = &app.config.auth.methods;
    if !methods.iter().any(|m| m.name == "password") {
        return Err(ApiError::message(
            Class::Permission,
            "Login with password is not enabled",
        ));
    }
    if methods.iter().any(|m| m.two_factor) {
        return Err(ApiError::message(
            Class::Permission,
            "Basic authentication cannot be used with 2FA",
        ));
    }
    if !is_https && !app.config.api.allow_insecure {
        return Err(ApiError::message(
            Class::Permission,
            "Basic authentication is only allowed over HTTPS",
        ));
    }
    // Credentials that cannot be decoded match nobody, but still count as a
    // failed login, as every failed Basic request does.
    let (email, password) = match parsed {
        AuthHeader::Basic { email, password } => (email, password),
        _ => (String::new(), String::new()),
    };
    verify_login(
        app,
        site,
        visitor,
        &email,
        &password,
        Some(&app.basic_cache),
    )
    .map(|user| Some(user.clone()))
}

/// Validates an e-mail and password pair (auth.md §6) for a login from
/// `visitor`. Outside `auth.debug` every failure is the same "Invalid login",
/// so callers cannot probe for accounts or for the rate limit.
///
/// This is the login route's check and always runs the full bcrypt verify:
/// its cost is part of the route's defence against guessing.
pub fn check_password<'s>(
    app: &App,
    site: &'s Site,
    email: &str,
    given: &str,
    visitor: Option<IpAddr>,
) -> Result<&'s User, ApiError> {
    verify_login(app, site, visitor, email, given, None)
}

/// [`check_password`], optionally consulting the Basic-auth cache. Only a
/// correct password can hit or be remembered; a wrong one always costs the
/// full verify.
///
/// The rate limit comes first: a blocked visitor or account is refused even
/// with the right password. Every other failure is counted against the
/// visitor (and the account, when the e-mail has one) and followed by a
/// random pause, as Kirby does; the refusal of a blocked caller is not
/// counted again.
fn verify_login<'s>(
    app: &App,
    site: &'s Site,
    visitor: Option<IpAddr>,
    email: &str,
    given: &str,
    cache: Option<&BasicCache>,
) -> Result<&'s User, ApiError> {
    let limits = TrialLimits {
        trials: app.config.auth.trials,
        timeout: app.config.auth.timeout,
    };
    let now = crate::api::call::unix_now();
    let account = site.user_by_email(email).map(|user| user.email.as_str());
    let blocked = app
        .login_trials
        .is_blocked(visitor, account, limits, now)
        .map_err(|error| ApiError::internal(error.to_string()))?;
    let outcome = if blocked {
        Err(rate_limited())
    } else {
        check_credentials(site, email, given, cache)
    };
    let Err(real) = outcome else {
        return outcome;
    };
    if !blocked {
        note_failed_try(app, visitor, account, limits, now);
    }
    pause_after_failure(app.config.folio.login_delay);
    if app.config.auth.debug == crate::config::AuthDebug::On {
        Err(real)
    } else {
        Err(ApiError::invalid_login())
    }
}

/// The checks of auth.md §6 after the rate limit, with the real error of each.
fn check_credentials<'s>(
    site: &'s Site,
    email: &str,
    given: &str,
    cache: Option<&BasicCache>,
) -> Result<&'s User, ApiError> {
    let user = site
        .user_by_email(email)
        .ok_or_else(|| ApiError::user_not_found(email))?;
    if user.password_hash.is_empty() {
        return Err(ApiError::keyed(
            Class::NotFound,
            "error.user.password.undefined",
        ));
    }
    if given.chars().count() < 8 {
        return Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.user.password.invalid",
        ));
    }
    if given.chars().count() > 1000 {
        return Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.user.password.excessive",
        ));
    }
    if cache.is_some_and(|cache| cache.is_verified(email, given, user)) {
        return Ok(user);
    }
    if !password::verify(given, &user.password_hash) {
        return Err(
            ApiError::keyed(Class::InvalidArgument, "error.user.password.wrong").status(401),
        );
    }
    if let Some(cache) = cache {
        cache.remember(email, given, user);
    }
    Ok(user)
}

/// What `auth.debug: true` shows a blocked caller (auth.md §6).
fn rate_limited() -> ApiError {
    ApiError::message(Class::Permission, "Rate limit exceeded")
        .details(serde_json::json!({"reason": "rate-limited"}))
}

/// Counts one failed login, for the login route and Basic auth alike. A
/// count that cannot be written is logged, not shown: the caller's answer
/// is "Invalid login" either way.
fn note_failed_try(
    app: &App,
    visitor: Option<IpAddr>,
    account: Option<&str>,
    limits: TrialLimits,
    now: i64,
) {
    if let Err(error) = app.login_trials.track(visitor, account, limits, now) {
        tracing::warn!("cannot count a failed login: {error}");
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    const ADMIN: (&str, &str) = ("admin@example.com", "fixture-admin-1");

    fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let target = to.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                copy_dir(&entry.path(), &target)?;
            } else {
                std::fs::copy(entry.path(), &target)?;
            }
        }
        Ok(())
    }

    /// The fixture site with Basic auth allowed over plain HTTP.
    fn basic_auth_site() -> (tempfile::TempDir, Arc<App>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site");
        copy_dir(&fixture, dir.path()).expect("copy fixture");
        let config = dir.path().join("site/config");
        std::fs::create_dir_all(&config).expect("config dir");
        std::fs::write(
            config.join("config.php"),
            "<?php\nreturn ['api' => ['basicAuth' => true, 'allowInsecure' => true], \
             'folio' => ['loginDelay' => false]];\n",
        )
        .expect("config");
        let app = App::open(dir.path()).expect("open site");
        (dir, app)
    }

    fn basic(email: &str, password: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{email}:{password}")))
    }

    #[test]
    fn basic_auth_remembers_only_correct_passwords() {
        let (_dir, app) = basic_auth_site();
        let site = app.store.site();
        let wrong = basic(ADMIN.0, "fixture-admin-2");
        assert!(basic_user(&app, &site, Some(&wrong), false, None).is_err());
        assert!(app.basic_cache.is_empty(), "a wrong password is not cached");

        let right = basic(ADMIN.0, ADMIN.1);
        for _ in 0..2 {
            let user = basic_user(&app, &site, Some(&right), false, None).expect("basic auth");
            assert_eq!(user.map(|u| u.email), Some(ADMIN.0.to_owned()));
        }
        assert_eq!(app.basic_cache.len(), 1);
        assert!(
            basic_user(&app, &site, Some(&wrong), false, None).is_err(),
            "a cached login does not let a wrong password in"
        );
    }

    #[test]
    fn the_login_check_never_uses_the_cache() {
        let (_dir, app) = basic_auth_site();
        let site = app.store.site();
        check_password(&app, &site, ADMIN.0, ADMIN.1, None).expect("login");
        assert!(app.basic_cache.is_empty());
    }
}
