//! Forwarding records: what stays behind under the old token when a session
//! is renewed (auth.md §2.3).
//!
//! A renewal gives the session a new token, but the Panel often has several
//! requests in flight with the old cookie; if the old token died at once,
//! those would answer 401 and log the editor out. So for 30 seconds the old
//! file becomes a record that points to the new session, and a request with
//! the old token uses the new session without being handed the new token.
//!
//! Kirby keeps such records too, sealing the new key with libsodium. Folio
//! writes its own record under `folio.*` data keys: the new token's expiry
//! and id, and the new key XORed with a pad derived from the old key by HMAC.
//! Only a holder of the old token can open it, each old key seals exactly
//! one new key, and the file's own HMAC (keyed by the old key) guards it
//! against edits. A PHP Kirby reading the record sees an anonymous session.
//!
//! Only renewals leave records. Login and logout kill the old token at once,
//! so a planted or stolen token never leads to the new session.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::data::{SessionData, SessionValue};
use super::token::{KEY_HEX_LEN, SessionToken};

/// How long a record forwards, as in Kirby.
pub const FORWARD_SECONDS: i64 = 30;

/// The data key holding the new token's `<expiry>.<id>`.
const TARGET: &str = "folio.forward.token";

/// The data key holding the sealed new key, in hex.
const SEALED_KEY: &str = "folio.forward.key";

/// The record to store under `old` once the session lives on under `new`.
pub fn record(old: &SessionToken, new: &SessionToken, now: i64) -> SessionData {
    let mut data = SessionData {
        start_time: now,
        expiry_time: now.saturating_add(FORWARD_SECONDS),
        duration: FORWARD_SECONDS,
        timeout: None,
        last_activity: None,
        renewable: false,
        data: Vec::new(),
    };
    data.set(
        TARGET,
        SessionValue::Str(format!("{}.{}", new.expiry, new.id)),
    );
    data.set(SEALED_KEY, SessionValue::Str(seal(&old.key, &new.key)));
    data
}

/// The token a record under `old` forwards to, or `None` when `data` is an
/// ordinary session (or a record that does not open with `old`'s key).
pub fn target(old: &SessionToken, data: &SessionData) -> Option<SessionToken> {
    let pointer = data.get_str(TARGET)?;
    let sealed = data.get_str(SEALED_KEY)?;
    let key = seal(&old.key, sealed);
    SessionToken::parse(&format!("{pointer}.{key}"))
}

/// XORs a hex key with a pad made from `old_key`; applying it twice gives
/// the key back. Anything that is not a key of the right shape yields text
/// that no token accepts.
fn seal(old_key: &str, hex_key: &str) -> String {
    let Ok(bytes) = hex::decode(hex_key) else {
        return String::new();
    };
    if bytes.len() != KEY_HEX_LEN / 2 {
        return String::new();
    }
    let Some(pad) = pad(old_key) else {
        return String::new();
    };
    let sealed: Vec<u8> = bytes.iter().zip(pad.iter()).map(|(a, b)| a ^ b).collect();
    hex::encode(sealed)
}

/// The one-time pad for `old_key`: HMAC-SHA256 of a fixed label. (HMAC
/// takes keys of any length, so `None` does not happen in practice.)
fn pad(old_key: &str) -> Option<[u8; KEY_HEX_LEN / 2]> {
    let mut mac = Hmac::<Sha256>::new_from_slice(old_key.as_bytes()).ok()?;
    mac.update(b"folio session forwarding pad");
    Some(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn a_record_opens_with_the_old_token_only() {
        let old = SessionToken::generate(NOW + 3600);
        let new = SessionToken::generate(NOW + 7200);
        let record = record(&old, &new, NOW);

        assert_eq!(target(&old, &record), Some(new.clone()));
        assert!(
            !record
                .data
                .iter()
                .any(|(_, value)| matches!(value, SessionValue::Str(s) if s.contains(&new.key))),
            "the new key is never stored in clear"
        );
        let stranger = SessionToken::generate(NOW + 3600);
        assert_ne!(target(&stranger, &record), Some(new));
        assert!(record.is_valid(NOW + FORWARD_SECONDS));
        assert!(!record.is_valid(NOW + FORWARD_SECONDS + 1));
        assert!(!record.renewable);
    }

    #[test]
    fn ordinary_sessions_and_broken_records_forward_nowhere() {
        let old = SessionToken::generate(NOW + 3600);
        let mut data = record(&old, &SessionToken::generate(NOW + 7200), NOW);
        data.set(SEALED_KEY, SessionValue::Str("zz-not-hex".into()));
        assert_eq!(target(&old, &data), None);
        data.set(SEALED_KEY, SessionValue::Str("abcd".into()));
        assert_eq!(target(&old, &data), None);
        data.remove(TARGET);
        assert_eq!(target(&old, &data), None);
    }
}
