//! The request side of login challenges (auth.md §5.2, §6): starting one
//! after `auth/login` and answering it with `auth/code`.
//!
//! Starting a challenge always looks the same to the caller, whether the
//! account exists, the caller is rate-limited or the mail fails: the session
//! gets `kirby.challenge.*`, the answer names a challenge, and a short random
//! pause hides the difference in work. Only `auth.debug: true` shows the real
//! error. Every start counts as a login trial, so an address cannot mail
//! codes without end.
//!
//! Answering is refused once the rate limit is reached, even with the right
//! code. Each wrong code counts as a failed login, and after
//! [`challenge::MAX_FAILURES`] wrong codes the challenge is destroyed, so a
//! six-digit code is never guessable by brute force.

use std::net::IpAddr;

use serde_json::json;

use super::SessionState;
use super::login::{note_failed_try, rate_limited, trial_limits};
use crate::api::error::{ApiError, Class};
use crate::app::App;
use crate::auth::challenge::login_mail::CodeMail;
use crate::auth::challenge::{
    self, FAILURES, Kind, Mode, NewChallenge, Pending, RESET_PASSWORD, email_code,
};
use crate::auth::normalize_email;
use crate::auth::password;
use crate::auth::session::SessionValue;
use crate::auth::trials::{pause_after_challenge, pause_after_failure, take_turn};
use crate::config::AuthDebug;
use crate::store::{Site, User};

/// One request to start a challenge.
pub struct ChallengeRequest<'a> {
    pub email: &'a str,
    pub long: bool,
    pub mode: Mode,
    pub visitor: Option<IpAddr>,
    /// The host the site was asked for: the default sender's domain.
    pub host: &'a str,
    pub site_title: &'a str,
}

/// Starts a challenge and returns the name the API shows for it.
pub fn create_challenge(
    app: &App,
    site: &Site,
    session: &mut SessionState,
    request: &ChallengeRequest,
    now: i64,
) -> Result<String, ApiError> {
    let email = normalize_email(request.email);
    let (kind, code_hash) = match start(app, site, &email, request, now) {
        Ok(started) => started,
        Err(error) => {
            match app.config.auth.debug {
                AuthDebug::On => return Err(error),
                AuthDebug::Log => tracing::info!("no login challenge for {email}: {error:?}"),
                AuthDebug::Off => {}
            }
            (None, None)
        }
    };
    if code_hash.is_none() {
        // Hashing is most of the work of a mailed code; doing it anyway
        // keeps unknown accounts and TOTP users from answering faster.
        let _ = password::hash(&email_code::generate());
    }
    let expires =
        now.saturating_add(i64::try_from(app.config.auth.challenge_timeout).unwrap_or(i64::MAX));
    let stored = NewChallenge {
        email: &email,
        mode: request.mode,
        kind,
        code_hash,
        expires,
        long: request.long,
    };
    session.update(app, now, request.long, |data| stored.write(data))?;
    pause_after_challenge(app.config.folio.login_delay);
    Ok(kind.map_or_else(
        || challenge::fallback_name(&app.config.auth.challenges),
        |kind| kind.as_str().to_owned(),
    ))
}

/// The checks and work of a new challenge: rate limit, account, challenge
/// type, and for e-mail the code, its mail and its hash.
fn start(
    app: &App,
    site: &Site,
    email: &str,
    request: &ChallengeRequest,
    now: i64,
) -> Result<(Option<Kind>, Option<String>), ApiError> {
    let limits = trial_limits(app);
    let account = site.user_by_email(email);
    let account_email = account.map(|user| user.email.as_str());
    {
        // Check and count in one turn, so a burst of requests cannot start
        // (and mail) more challenges than the limit allows.
        let _turn = take_turn(request.visitor, Some(email));
        let blocked = app
            .login_trials
            .is_blocked(request.visitor, account_email, limits, now)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        if blocked {
            return Err(rate_limited());
        }
        note_failed_try(app, request.visitor, account_email, limits, now);
    }
    let user = account.ok_or_else(|| ApiError::user_not_found(email))?;
    let kind = challenge::choose(&app.config.auth.challenges, user).ok_or_else(|| {
        ApiError::message(
            Class::Logic,
            "Could not find a suitable authentication challenge",
        )
    })?;
    if kind == Kind::Totp {
        return Ok((Some(kind), None));
    }
    let code = email_code::generate();
    let hash = password::hash(&code).map_err(|error| ApiError::internal(error.to_string()))?;
    let mail = CodeMail {
        user,
        mode: request.mode,
        code: &email_code::format_for_mail(&code),
        site_title: request.site_title,
        host: request.host,
    }
    .compose(app);
    crate::mail::send_in_background(&app.config.email.transport, mail);
    Ok((Some(kind), Some(hash)))
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No challenge in the session at all.
    NoChallenge,
    RateLimited,
    Expired,
    /// A wrong code, or a challenge for an unknown account.
    Wrong,
}

/// Answers the session's challenge with `code`; on success the user is
/// logged in under a new session token and returned.
pub fn verify_code(
    app: &App,
    site: &Site,
    session: &mut SessionState,
    code: &str,
    visitor: Option<IpAddr>,
    now: i64,
) -> Result<User, ApiError> {
    let email = session
        .data
        .as_ref()
        .and_then(Pending::read)
        .map(|pending| pending.email);
    let outcome = {
        // Answers sent at once must not all pass the checks before any
        // failure is counted: each takes its turn, and reads the session
        // again inside it, so it sees the failures counted before it.
        let _turn = take_turn(visitor, email.as_deref());
        session.reload(app, now);
        check_code(app, site, session, code, visitor, now)
    };
    if outcome.is_err() {
        pause_after_failure(app.config.folio.login_delay);
    }
    outcome
}

/// [`verify_code`] inside the caller's turn.
fn check_code(
    app: &App,
    site: &Site,
    session: &mut SessionState,
    code: &str,
    visitor: Option<IpAddr>,
    now: i64,
) -> Result<User, ApiError> {
    let pending = session.data.as_ref().and_then(Pending::read);
    let Some(pending) = pending else {
        return Err(refuse(app, Refusal::NoChallenge, true));
    };
    let account = site.user_by_email(&pending.email);
    let account_email = account.map(|user| user.email.as_str());
    let blocked = app
        .login_trials
        .is_blocked(visitor, account_email, trial_limits(app), now)
        .map_err(|error| ApiError::internal(error.to_string()))?;
    if blocked {
        return Err(refuse(app, Refusal::RateLimited, false));
    }
    if pending.is_expired(now) {
        // This challenge can never be answered; it goes at once.
        session.update(app, now, false, |data| {
            data.remove_prefixed(challenge::PREFIX)
        })?;
        return Err(refuse(app, Refusal::Expired, true));
    }
    let code = email_code::normalize(code);
    match account {
        Some(user) if pending.accepts(user, &code, now) => {
            let user = user.clone();
            log_in(app, session, &user, &pending, now)?;
            Ok(user)
        }
        _ => {
            note_failed_try(app, visitor, account_email, trial_limits(app), now);
            let failures = pending.failures.saturating_add(1);
            let destroyed = failures >= challenge::MAX_FAILURES;
            session.update(app, now, false, |data| {
                if destroyed {
                    data.remove_prefixed(challenge::PREFIX);
                } else {
                    data.set(FAILURES, SessionValue::Int(failures));
                }
            })?;
            Err(refuse(app, Refusal::Wrong, destroyed))
        }
    }
}

/// The login after a right code. The new session drops the challenge;
/// `long` is the flag of the login request (a challenge a PHP Kirby
/// started has no flag: its session's own lifetime tells).
fn log_in(
    app: &App,
    session: &mut SessionState,
    user: &User,
    pending: &Pending,
    now: i64,
) -> Result<(), ApiError> {
    let long = pending.long.unwrap_or_else(|| {
        session
            .data
            .as_ref()
            .is_some_and(|data| data.timeout.is_none())
    });
    session.login(app, user, long, now)?;
    if pending.mode == Some(Mode::PasswordReset) {
        session.update(app, now, long, |data| {
            data.set(RESET_PASSWORD, SessionValue::Bool(true));
        })?;
    }
    Ok(())
}

/// The one answer to every refused code: 403 `Invalid code`, saying only
/// whether the challenge is gone. The caller pauses before it answers.
fn refuse(app: &App, refusal: Refusal, destroyed: bool) -> ApiError {
    if app.config.auth.debug == AuthDebug::Log {
        tracing::info!("login code refused: {refusal:?}");
    }
    ApiError::keyed(Class::Permission, "error.access.code")
        .status(403)
        .details(json!({"challengeDestroyed": destroyed}))
}
