//! Kirby-compatible sessions: tokens, session data, lifetimes and where sessions are kept.
//!
//! A session is found by its token (`token`), holds `SessionData` (`data`), and is stored in
//! the format PHP Kirby uses (`codec`), so a PHP Kirby and Folio can share one
//! `site/sessions` folder. `SessionStore` is the small storage seam: the embedded
//! `FileSessionStore` implements it today, and a shared store (Redis) can later.
//!
//! On token regeneration Kirby rewrites the old file as a 30-second forwarding record to the
//! new session. Folio does so only on renewal (`forward`), so requests already in flight with
//! the old cookie keep working; on login and logout the caller deletes the old session at once,
//! so a stolen or fixed old token stops working the moment a new one is issued.

mod codec;
mod data;
mod file_store;
pub mod forward;
mod token;

use thiserror::Error;

pub use codec::{MAX_FILE_BYTES, decode_file, encode_file};
pub use data::{SessionData, SessionLifetimes, SessionValue};
pub use file_store::FileSessionStore;
pub(crate) use file_store::create_private_dir;
pub use token::{ID_HEX_LEN, KEY_HEX_LEN, SessionToken};

/// A storage failure; a missing, forged or expired session is not an error but `None`.
#[derive(Debug, Error)]
pub enum SessionError {
    #[error("cannot access the session store at `{path}`")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Where sessions live. Implementations verify authenticity and validity on `load`, so a caller
/// only ever sees sessions that may be used at `now`.
pub trait SessionStore: Send + Sync {
    /// The session for `token`, or `None` when it is missing, forged, expired or idle too long.
    fn load(&self, token: &SessionToken, now: i64) -> Result<Option<SessionData>, SessionError>;

    /// Writes the session for `token`, replacing any earlier version in one step.
    fn save(&self, token: &SessionToken, data: &SessionData) -> Result<(), SessionError>;

    /// Removes the session for `token`; removing a missing session is not an error.
    fn delete(&self, token: &SessionToken) -> Result<(), SessionError>;

    /// Removes every session that expired before `now`; returns how many were removed.
    fn collect_garbage(&self, now: i64) -> Result<usize, SessionError>;
}
