//! Authentication primitives: session tokens and their file store, the signed session cookie,
//! CSRF tokens, password hashes and the `Authorization` header.
//!
//! Everything here is plain data and functions with no HTTP types, so each rule of Kirby's
//! auth contract (spec/auth.md) can be tested on its own. The request-level flow that combines
//! them into "who is asking" is built on top of these pieces.

pub mod basic;
pub mod basic_cache;
pub mod challenge;
pub mod client_ip;
pub mod cookie;
pub mod csrf;
pub mod password;
pub mod phpser;
pub mod session;
pub mod trials;

pub use basic::{AuthHeader, normalize_email, parse_authorization};
pub use basic_cache::BasicCache;
pub use csrf::{CsrfPolicy, CsrfSecret};
pub use password::{Htpasswd, PasswordError, PasswordRule};
pub use session::{
    FileSessionStore, SessionData, SessionError, SessionLifetimes, SessionStore, SessionToken,
    SessionValue,
};
pub mod flow;
