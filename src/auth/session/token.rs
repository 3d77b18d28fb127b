//! Session tokens: `<expiry>.<id>.<key>`, the only handle a client has on a session.
//!
//! A token arrives in a cookie or an `Authorization: Session` header, so it is attacker input.
//! `parse` accepts only the exact shape Kirby generates; a parsed token is then safe to turn
//! into a file name, which is why the store takes `&SessionToken` and never a string.

use std::fmt;

use rand::RngCore;
use rand::rngs::OsRng;

/// Length of the public session id in hex characters (10 random bytes).
pub const ID_HEX_LEN: usize = 20;

/// Length of the secret session key in hex characters (32 random bytes).
pub const KEY_HEX_LEN: usize = 64;

/// A parsed session token. The key is secret: `Debug` hides it and it never reaches disk.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken {
    /// Unix time (seconds) at which the session expires.
    pub expiry: i64,
    /// Public id, part of the file name: 20 lowercase hex characters.
    pub id: String,
    /// Secret key the session file is signed with: 64 lowercase hex characters.
    pub key: String,
}

impl SessionToken {
    /// Parses `expiry.id.key`, refusing everything Kirby would not have generated.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.');
        let (expiry, id, key) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }

        // The expiry must survive a round trip through an integer, as in Kirby: this refuses
        // signs, leading zeros and whitespace.
        let expiry_value: i64 = expiry.parse().ok()?;
        if expiry_value < 0 || expiry_value.to_string() != expiry {
            return None;
        }
        if !is_lower_hex(id, ID_HEX_LEN) || !is_lower_hex(key, KEY_HEX_LEN) {
            return None;
        }
        Some(SessionToken {
            expiry: expiry_value,
            id: id.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Makes a fresh token from the operating system's random source.
    pub fn generate(expiry: i64) -> Self {
        let mut id = [0u8; ID_HEX_LEN / 2];
        let mut key = [0u8; KEY_HEX_LEN / 2];
        OsRng.fill_bytes(&mut id);
        OsRng.fill_bytes(&mut key);
        SessionToken {
            expiry,
            id: hex::encode(id),
            key: hex::encode(key),
        }
    }

    /// The public part, `expiry.id`: the session file's name without `.sess`.
    pub fn file_stem(&self) -> String {
        format!("{}.{}", self.expiry, self.id)
    }
}

impl fmt::Display for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.expiry, self.id, self.key)
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionToken")
            .field("expiry", &self.expiry)
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .finish()
    }
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ID: &str = "0123456789abcdef0123";
    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn parses_and_displays_kirby_tokens() {
        let text = format!("1796397497.{ID}.{KEY}");
        let token = SessionToken::parse(&text).expect("valid token");
        assert_eq!(token.expiry, 1_796_397_497);
        assert_eq!(token.id, ID);
        assert_eq!(token.key, KEY);
        assert_eq!(token.to_string(), text);
        assert_eq!(token.file_stem(), format!("1796397497.{ID}"));
    }

    #[test]
    fn refuses_malformed_tokens() {
        let bad = [
            String::new(),
            format!("1.{ID}"),
            format!("1.{ID}.{KEY}.x"),
            format!("01.{ID}.{KEY}"),
            format!("+1.{ID}.{KEY}"),
            format!("-1.{ID}.{KEY}"),
            format!(" 1.{ID}.{KEY}"),
            format!("1.{ID}.{KEY} "),
            format!("99999999999999999999.{ID}.{KEY}"),
            format!("1.{}.{KEY}", ID.to_uppercase()),
            format!("1.{}.{KEY}", &ID[1..]),
            format!("1.{ID}0.{KEY}"),
            format!("1.{ID}.{}", &KEY[1..]),
            format!("1.{ID}.{}g", &KEY[1..]),
            format!("1.../{ID}.{KEY}"),
            format!("1.{}.{KEY}", "../../../../etc/passw"),
            format!("1.{ID}.{}", "é".repeat(32)),
        ];
        for text in bad {
            assert_eq!(SessionToken::parse(&text), None, "accepted {text:?}");
        }
        assert_eq!(SessionToken::parse(&"1.".repeat(100_000)), None);
    }

    #[test]
    fn generated_tokens_parse_and_differ() {
        let a = SessionToken::generate(1_700_000_000);
        let b = SessionToken::generate(1_700_000_000);
        assert_eq!(SessionToken::parse(&a.to_string()), Some(a.clone()));
        assert_ne!(a.id, b.id);
        assert_ne!(a.key, b.key);
    }

    #[test]
    fn debug_hides_the_key() {
        let token = SessionToken::generate(5);
        let shown = format!("{token:?}");
        assert!(!shown.contains(&token.key));
        assert!(shown.contains(&token.id));
    }

    proptest! {
        #[test]
        fn parse_accepts_only_what_it_can_print(text in "[0-9a-f.]{0,100}|.{0,100}") {
            if let Some(token) = SessionToken::parse(&text) {
                prop_assert_eq!(token.to_string(), text);
            }
        }
    }
}
