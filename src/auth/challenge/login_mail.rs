//! The mail that carries an e-mail challenge's code (auth.md §5.2).
//!
//! Subject and text come from the Panel translations of the user's language
//! (`login.email.<mode>.subject` / `.body`, with the placeholders
//! `{user.nameOrEmail}`, `{site}`, `{code}` and `{timeout}`) when the site has
//! them, else from Folio's own English below. A 2FA code uses the login
//! text, as Kirby's does. Option `auth.challenge.email.subject` replaces the
//! subject, `.from` and `.fromName` the sender.

use super::Mode;
use crate::app::App;
use crate::i18n::fill;
use crate::mail::{Address, Mail};
use crate::store::User;

/// What the mail says besides the code.
pub struct CodeMail<'a> {
    pub user: &'a User,
    pub mode: Mode,
    /// The code as shown, e.g. `123 456`.
    pub code: &'a str,
    pub site_title: &'a str,
    /// The host name the site was asked for, for the default sender.
    pub host: &'a str,
}

impl CodeMail<'_> {
    pub fn compose(&self, app: &App) -> Mail {
        let options = &app.config.auth.challenge_email;
        let text_mode = match self.mode {
            Mode::PasswordReset => "password-reset",
            Mode::Login | Mode::TwoFactor => "login",
        };
        let translated = |part: &str| {
            app.translations.message(
                &self.user.language,
                &format!("login.email.{text_mode}.{part}"),
            )
        };
        let subject = options
            .subject
            .clone()
            .or_else(|| translated("subject"))
            .unwrap_or_else(|| own_subject(self.mode).to_owned());
        let template = translated("body").unwrap_or_else(|| own_body(self.mode).to_owned());
        let minutes = (app.config.auth.challenge_timeout as f64 / 60.0).round();
        let body = fill(
            &template,
            &[
                ("user.nameOrEmail", self.user.username().to_owned()),
                ("site", self.site_title.to_owned()),
                ("code", self.code.to_owned()),
                ("timeout", format!("{minutes}")),
            ],
        );
        let from_name = options
            .from_name
            .clone()
            .or_else(|| Some(self.site_title.to_owned()).filter(|t| !t.is_empty()));
        Mail {
            from: Address {
                email: options
                    .from
                    .clone()
                    .unwrap_or_else(|| format!("noreply@{}", self.host)),
                name: from_name,
            },
            to: Address {
                email: self.user.email.clone(),
                name: self.user.name.clone().filter(|n| !n.is_empty()),
            },
            subject,
            body,
        }
    }
}

fn own_subject(mode: Mode) -> &'static str {
    match mode {
        Mode::PasswordReset => "Your code to reset your password",
        Mode::Login | Mode::TwoFactor => "Your code to sign in",
    }
}

fn own_body(mode: Mode) -> &'static str {
    match mode {
        Mode::PasswordReset => {
            "Hello {user.nameOrEmail},\n\nsomeone, hopefully you, asked to reset the password \
             of your account on {site}. Enter this code to go on; it works for {timeout} \
             minutes:\n\n{code}\n\nIf you did not ask for it, ignore this mail; your password \
             stays as it is. Never pass the code on to anyone."
        }
        Mode::Login | Mode::TwoFactor => {
            "Hello {user.nameOrEmail},\n\nsomeone, hopefully you, asked to sign in to {site}. \
             Enter this code to go on; it works for {timeout} minutes:\n\n{code}\n\nIf you did \
             not ask for it, ignore this mail. Never pass the code on to anyone."
        }
    }
}
