//! Who is asking: the request-level authentication flow of auth.md.
//!
//! A request proves itself by a session cookie plus a CSRF token, or by
//! HTTP Basic credentials when `api.basicAuth` is on. Anonymous callers get a
//! session cookie but no session file: their CSRF token is derived from the
//! session id with a server secret, and is stored only once they log in.

mod challenge;
mod login;

use crate::api::error::ApiError;
use crate::app::App;
use crate::auth::cookie;
use crate::auth::session::{
    SessionData, SessionLifetimes, SessionStore, SessionToken, SessionValue, forward,
};
use crate::store::{Site, User};

pub use challenge::{ChallengeRequest, create_challenge, verify_code};
pub use login::{basic_user, check_password};

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
    /// Whether the client named the session in `Authorization: Session`
    /// (auth.md §2.5). Such a session never gets a cookie.
    header_mode: bool,
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
        SessionState::load(app, token, secure, false, now)
    }

    /// Reads the session a client names with `Authorization: Session
    /// <token>` (auth.md §2.5): the bare token, without the cookie's
    /// signature, since the client holds it itself. A malformed, expired or
    /// unknown token counts as no session.
    pub fn from_header_token(app: &App, token: &str, secure: bool, now: i64) -> SessionState {
        let token = SessionToken::parse(token.trim()).filter(|token| token.expiry > now);
        SessionState::load(app, token, secure, true, now)
    }

    /// The state for a token the client sent, with its file if there is one.
    fn load(
        app: &App,
        token: Option<SessionToken>,
        secure: bool,
        header_mode: bool,
        now: i64,
    ) -> SessionState {
        let mut token = token;
        let mut data = token
            .as_ref()
            .and_then(|t| app.sessions.load(t, now).ok().flatten());
        // A renewed session's old token leads to the new session for a few
        // seconds (see `session::forward`); one hop, never a chain.
        let forwarded = token
            .as_ref()
            .zip(data.as_ref())
            .and_then(|(old, record)| forward::target(old, record));
        if let Some(new) = forwarded {
            data = app.sessions.load(&new, now).ok().flatten();
            token = Some(new);
        }
        SessionState {
            token,
            data,
            set_cookies: Vec::new(),
            secure,
            header_mode,
        }
    }

    /// Reads the session file again, for a caller that must see what
    /// requests running alongside it saved since this one started.
    pub fn reload(&mut self, app: &App, now: i64) {
        if let Some(token) = &self.token {
            self.data = app.sessions.load(token, now).ok().flatten();
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
        if self.header_mode {
            return;
        }
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
        if self.header_mode {
            // Kirby looks the token up in a new cookie session, not in the
            // header session (auth.md §3.4), so no token the client holds can
            // match: header sessions work only with a fixed `api.csrf`.
            return SessionToken::generate(now).id;
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
        // A login hands the client a new token, which only a cookie can
        // carry, so it always starts a cookie session.
        self.header_mode = false;
        let mut data = self.fresh_data(app, long, now);
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

    /// Changes this session's data and saves it. A caller without a session
    /// file gets one (normal or long, as `long` says) under a new token,
    /// keeping the CSRF token it already holds; a login challenge starts so.
    pub fn update(
        &mut self,
        app: &App,
        now: i64,
        long: bool,
        change: impl FnOnce(&mut SessionData),
    ) -> Result<(), ApiError> {
        let save_error = |e| ApiError::internal(format!("cannot save the session: {e}"));
        if let (Some(token), Some(data)) = (&self.token, &mut self.data) {
            change(data);
            return app.sessions.save(token, data).map_err(save_error);
        }
        let mut data = self.fresh_data(app, long, now);
        change(&mut data);
        let token = SessionToken::generate(data.expiry_time);
        app.sessions.save(&token, &data).map_err(save_error)?;
        self.push_cookie(app, &token, now);
        self.token = Some(token);
        self.data = Some(data);
        Ok(())
    }

    /// New session data holding only the client's current CSRF token.
    fn fresh_data(&self, app: &App, long: bool, now: i64) -> SessionData {
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
        data
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
        // A renewal changes the token, and a header session has no way to
        // tell the client the new one; it keeps its token until it expires.
        if data.needs_renewal(now) && !self.header_mode {
            data.renew(now);
            data.touch(now);
            let renewed = SessionToken::generate(data.expiry_time);
            if app.sessions.save(&renewed, data).is_ok() {
                // Requests still in flight with the old cookie follow the
                // record to the new session instead of being logged out.
                let record = forward::record(token, &renewed, now);
                if app.sessions.save(token, &record).is_err() {
                    app.sessions.delete(token).ok();
                }
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
