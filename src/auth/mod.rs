//! Authentication primitives: session tokens and their file store, the signed session cookie,
//! CSRF tokens, password hashes and the `Authorization` header.
//!
//! Everything here is plain data and functions with no HTTP types, so each rule of Kirby's
//! auth contract (spec/auth.md) can be tested on its own. The request-level flow that combines
//! them lives in `flow`.

pub mod cookie;
pub mod csrf;
pub mod phpser;
pub mod session;
