//! Outgoing mail: the login codes of the e-mail challenge (auth.md §5.2).
//!
//! Mail goes out over SMTP as option `email.transport` describes it, with
//! the option names Kirby uses (`type`, `host`, `port`, `security`, `auth`,
//! `username`, `password`). Kirby's default transport, PHP's `mail()`, has no
//! counterpart here: with `type: mail` nothing can be sent and each attempt
//! is logged as a failure.
//!
//! Sending runs on a thread of its own, so a slow or dead mail server neither
//! holds up the API answer nor tells a caller whether an account exists (an
//! unknown e-mail sends nothing). At most [`MAX_IN_FLIGHT`] mails are on
//! their way at once; beyond that a mail is dropped with a warning, so a
//! flood of logins cannot pile up threads.

mod message;
mod smtp;
mod tls;

use std::sync::atomic::{AtomicUsize, Ordering};

use thiserror::Error;

use crate::config::EmailTransport;
pub use message::{Address, Mail};

/// Mails that may be in flight at once.
pub const MAX_IN_FLIGHT: usize = 16;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Why a mail was not sent.
#[derive(Debug, Error)]
pub enum MailError {
    #[error(
        "email.transport type `{0}` cannot send from Folio (it has no PHP mail()); set 'type' => 'smtp'"
    )]
    NoTransport(String),
    #[error("`{0}` is not an address Folio can send to or from")]
    InvalidAddress(String),
    #[error("email.transport: {0}")]
    Config(String),
    #[error("cannot reach the mail server {server}: {source}")]
    Connect {
        server: String,
        source: std::io::Error,
    },
    #[error("the connection to the mail server failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS with the mail server failed: {0}")]
    Tls(String),
    #[error("the mail server refused `{command}`: {reply}")]
    Refused { command: String, reply: String },
    #[error("the mail server broke the protocol: {0}")]
    Protocol(String),
    #[error("too many mails are being sent already")]
    Busy,
}

/// Sends `mail` now, on the calling thread; every step has a timeout.
pub fn send(transport: &EmailTransport, mail: &Mail) -> Result<(), MailError> {
    if transport.kind != "smtp" {
        return Err(MailError::NoTransport(transport.kind.clone()));
    }
    let settings = smtp::Settings::from_transport(transport)?;
    // The sender's domain names this client in EHLO and in the Message-ID;
    // `to_rfc5322` has checked the address, so it is safe on the wire.
    let domain = mail
        .from
        .email
        .rsplit_once('@')
        .map_or("localhost", |(_, domain)| domain);
    let text = mail.to_rfc5322(domain)?;
    smtp::deliver(&settings, domain, &mail.from.email, &mail.to.email, &text)
}

/// Sends `mail` on a thread of its own; failures are logged, never returned.
/// What cannot be sent at all (`type: mail`) is logged at once.
pub fn send_in_background(transport: &EmailTransport, mail: Mail) {
    if transport.kind != "smtp" {
        tracing::warn!("{}", MailError::NoTransport(transport.kind.clone()));
        return;
    }
    if IN_FLIGHT.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!("mail to {} dropped: {}", mail.to.email, MailError::Busy);
        return;
    }
    let transport = transport.clone();
    let spawned = std::thread::Builder::new()
        .name("folio-mail".into())
        .spawn(move || {
            if let Err(error) = send(&transport, &mail) {
                tracing::warn!("cannot send mail to {}: {error}", mail.to.email);
            }
            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        });
    if let Err(error) = spawned {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!("cannot start sending mail: {error}");
    }
}
