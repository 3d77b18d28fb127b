//! Login challenges (auth.md §5.2): the second step of a login that proves
//! the caller owns an account by a one-time code instead of (or after) a
//! password.
//!
//! A challenge lives in the caller's session under `kirby.challenge.*`, in the
//! keys Kirby uses, so a PHP Kirby on the same session folder understands it.
//! This module owns those keys and the pure rules: which challenge a user
//! gets, what a stored challenge says, and whether a code answers it. The
//! request flow (rate limit, mail, session writes) is `auth::flow::challenge`.
//!
//! Two keys are Folio's own, under the same prefix so that logout and a
//! finished challenge remove them with the rest: `kirby.challenge.long`
//! (the "keep me logged in" flag of the login request, applied when the code
//! is verified) and `kirby.challenge.failures` (wrong codes so far).

pub mod email_code;
pub mod login_mail;
pub mod totp;

use crate::auth::password;
use crate::auth::session::{SessionData, SessionValue};
use crate::store::User;
use totp::Totp;

/// The prefix of every challenge key.
pub const PREFIX: &str = "kirby.challenge.";
pub const EMAIL: &str = "kirby.challenge.email";
pub const MODE: &str = "kirby.challenge.mode";
pub const TYPE: &str = "kirby.challenge.type";
pub const TIMEOUT: &str = "kirby.challenge.timeout";
pub const CODE: &str = "kirby.challenge.code";
pub const LONG: &str = "kirby.challenge.long";
pub const FAILURES: &str = "kirby.challenge.failures";

/// Set after a `password-reset` code: the user may set a new password
/// without the old one (the Panel's reset form reads it).
pub const RESET_PASSWORD: &str = "kirby.resetPassword";

/// Wrong codes after which a challenge is destroyed. The rate limit
/// (`auth.trials`) bounds guesses per address and account; this bounds them
/// per challenge, so one mailed code can be guessed with at most this many
/// tries out of a million.
pub const MAX_FAILURES: i64 = 5;

/// What a challenge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Login without a password (method `code`).
    Login,
    /// Login to set a new password (method `password-reset`).
    PasswordReset,
    /// The second factor after a correct password (`2fa: true`).
    TwoFactor,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Login => "login",
            Mode::PasswordReset => "password-reset",
            Mode::TwoFactor => "2fa",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        [Mode::Login, Mode::PasswordReset, Mode::TwoFactor]
            .into_iter()
            .find(|mode| mode.as_str() == text)
    }
}

/// The challenge types Folio can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A code from the user's authenticator app.
    Totp,
    /// A code mailed to the user.
    Email,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Totp => "totp",
            Kind::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "totp" => Some(Kind::Totp),
            "email" => Some(Kind::Email),
            _ => None,
        }
    }

    /// Whether `user` can answer this challenge: TOTP needs a secret, e-mail
    /// works for everyone.
    pub fn is_available(self, user: &User) -> bool {
        match self {
            Kind::Totp => totp_of(user).is_some(),
            Kind::Email => true,
        }
    }
}

/// The user's TOTP key, when `.htpasswd` holds a well-formed secret.
pub fn totp_of(user: &User) -> Option<Totp> {
    user.secrets
        .get("totp")
        .and_then(|value| value.as_str())
        .and_then(Totp::from_secret)
}

/// The first challenge of `enabled` (option `auth.challenges`) that `user`
/// can answer. Names Folio does not know are skipped.
pub fn choose(enabled: &[String], user: &User) -> Option<Kind> {
    enabled
        .iter()
        .filter_map(|name| Kind::parse(name))
        .find(|kind| kind.is_available(user))
}

/// The name the API shows when no challenge was stored (unknown e-mail, an
/// error): the last enabled one, so the answer looks like any other.
pub fn fallback_name(enabled: &[String]) -> String {
    enabled.last().cloned().unwrap_or_else(|| "email".into())
}

/// A challenge as the session stores it. Only `email` is sure to be there:
/// for an unknown e-mail no type is stored, which makes every code wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub email: String,
    pub kind: Option<String>,
    pub mode: Option<Mode>,
    pub timeout: Option<i64>,
    pub code_hash: Option<String>,
    pub long: Option<bool>,
    pub failures: i64,
}

impl Pending {
    /// The challenge in `data`, if one was started.
    pub fn read(data: &SessionData) -> Option<Pending> {
        let email = data.get_str(EMAIL)?.to_owned();
        Some(Pending {
            email,
            kind: data.get_str(TYPE).map(str::to_owned),
            mode: data.get_str(MODE).and_then(Mode::parse),
            timeout: data.get_int(TIMEOUT),
            code_hash: data.get_str(CODE).map(str::to_owned),
            long: match data.get(LONG) {
                Some(SessionValue::Bool(flag)) => Some(*flag),
                _ => None,
            },
            failures: data.get_int(FAILURES).unwrap_or(0),
        })
    }

    /// Whether the challenge can no longer be answered at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        self.timeout.is_some_and(|timeout| now > timeout)
    }

    /// Whether `code` (whitespace already removed) answers the challenge
    /// for `user`. E-mail codes are checked against their stored hash (on
    /// the bcrypt lane), TOTP codes against the user's secret at `now`.
    pub fn accepts(&self, user: &User, code: &str, now: i64) -> bool {
        match self.kind.as_deref().and_then(Kind::parse) {
            Some(Kind::Email) => self
                .code_hash
                .as_deref()
                .is_some_and(|hash| !code.is_empty() && password::verify(code, hash)),
            Some(Kind::Totp) => totp_of(user).is_some_and(|totp| totp.verify(code, now)),
            None => false,
        }
    }
}

/// Stores a new challenge in `data`, replacing any earlier one.
pub struct NewChallenge<'a> {
    pub email: &'a str,
    pub mode: Mode,
    pub kind: Option<Kind>,
    pub code_hash: Option<String>,
    pub expires: i64,
    pub long: bool,
}

impl NewChallenge<'_> {
    pub fn write(&self, data: &mut SessionData) {
        data.remove_prefixed(PREFIX);
        if let Some(kind) = self.kind {
            data.set(TYPE, SessionValue::Str(kind.as_str().into()));
        }
        if let Some(hash) = &self.code_hash {
            data.set(CODE, SessionValue::Str(hash.clone()));
        }
        data.set(EMAIL, SessionValue::Str(self.email.to_owned()));
        data.set(MODE, SessionValue::Str(self.mode.as_str().into()));
        data.set(TIMEOUT, SessionValue::Int(self.expires));
        data.set(LONG, SessionValue::Bool(self.long));
    }
}

/// What `GET /api/system` shows of an open challenge: its type (or the
/// fallback name) and e-mail. A challenge past its timeout is no longer open.
pub fn open_challenge(
    data: Option<&SessionData>,
    enabled: &[String],
    now: i64,
) -> Option<(String, String)> {
    let pending = Pending::read(data?)?;
    if pending.is_expired(now) {
        return None;
    }
    let name = pending.kind.unwrap_or_else(|| fallback_name(enabled));
    Some((name, pending.email))
}

#[cfg(test)]
mod tests;
