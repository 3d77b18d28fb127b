//! Password checks for the login route and Basic auth (auth.md §4.1, §6):
//! the rate limit first, then the account and the password, with every
//! failure counted and followed by a pause.

use std::net::IpAddr;

use crate::api::error::{ApiError, Class};
use crate::app::App;
use crate::auth::basic::{AuthHeader, parse_authorization};
use crate::auth::basic_cache::BasicCache;
use crate::auth::password;
use crate::auth::trials::{TrialLimits, pause_after_failure, take_turn};
use crate::store::{Site, User};

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
    let limits = trial_limits(app);
    let now = crate::api::call::unix_now();
    let user = site.user_by_email(email);
    let account = user.map(|user| user.email.as_str());
    let outcome = {
        // From the check to the count, no other attempt from this address or
        // for this account may run, or a burst could outrun the limit.
        let _turn = take_turn(visitor, Some(email));
        let blocked = app
            .login_trials
            .is_blocked(visitor, account, limits, now)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        if blocked {
            Err(rate_limited())
        } else {
            let checked = check_credentials(user, email, given, cache);
            if checked.is_err() {
                note_failed_try(app, visitor, account, limits, now);
            }
            checked
        }
    };
    let Err(real) = outcome else {
        return outcome;
    };
    pause_after_failure(app.config.folio.login_delay);
    if app.config.auth.debug == crate::config::AuthDebug::On {
        Err(real)
    } else {
        Err(ApiError::invalid_login())
    }
}

/// The checks of auth.md §6 after the rate limit, with the real error of
/// each; `user` is the account `email` names, if any.
fn check_credentials<'s>(
    user: Option<&'s User>,
    email: &str,
    given: &str,
    cache: Option<&BasicCache>,
) -> Result<&'s User, ApiError> {
    let user = user.ok_or_else(|| ApiError::user_not_found(email))?;
    if user.password_hash.is_empty() {
        return Err(ApiError::keyed(
            Class::NotFound,
            "error.user.password.undefined",
        ));
    }
    if let Err(rule) = password::validate_length(given) {
        let key = match rule {
            password::PasswordRule::Invalid => "error.user.password.invalid",
            password::PasswordRule::Excessive => "error.user.password.excessive",
        };
        return Err(ApiError::keyed(Class::InvalidArgument, key));
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
pub(super) fn rate_limited() -> ApiError {
    ApiError::message(Class::Permission, "Rate limit exceeded")
        .details(serde_json::json!({"reason": "rate-limited"}))
}

/// `auth.trials` and `auth.timeout`.
pub(super) fn trial_limits(app: &App) -> TrialLimits {
    TrialLimits {
        trials: app.config.auth.trials,
        timeout: app.config.auth.timeout,
    }
}

/// Counts one failed login, wrong code or challenge start against the
/// trials, for every login path. A count that cannot be written is logged,
/// not shown: the caller's answer is the same either way.
pub(super) fn note_failed_try(
    app: &App,
    visitor: Option<IpAddr>,
    account: Option<&str>,
    limits: TrialLimits,
    now: i64,
) {
    if let Err(error) = app.login_trials.track(visitor, account, limits, now) {
        tracing::warn!("cannot count a login trial: {error}");
    }
}
