//! The session file format shared with PHP Kirby (auth.md §2.2).
//!
//! A file holds `hex(HMAC_SHA256(payload, key))`, a newline, then the payload: a PHP-serialised
//! array with the keys startTime, expiryTime, duration, timeout, lastActivity, renewable and
//! data, in that order. The HMAC key is the token's secret key (its hex text, as PHP's
//! `hash_hmac` receives it), so only a holder of the full token can have written the file.
//! Any store can use these two functions; they do no I/O.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::data::{SessionData, SessionValue};
use super::token::SessionToken;
use crate::auth::phpser::{self, PhpKey, PhpValue};

/// Files larger than this are not sessions Folio or Kirby wrote; they are refused unread.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Builds the complete file content for `data` signed with `token`'s key.
pub fn encode_file(token: &SessionToken, data: &SessionData) -> String {
    let payload = phpser::serialize(&to_php(data));
    let mut file = sign(&token.key, payload.as_bytes());
    file.push('\n');
    file.push_str(&payload);
    file
}

/// Reads file content signed with `token`'s key. `None` for anything that is not an authentic,
/// well-formed session; validity in time is the caller's question.
pub fn decode_file(token: &SessionToken, content: &[u8]) -> Option<SessionData> {
    if content.len() > MAX_FILE_BYTES {
        return None;
    }
    let newline = content.iter().position(|&b| b == b'\n')?;
    let (mac, payload) = (content.get(..newline)?, content.get(newline + 1..)?);
    // Kirby trims the payload before checking it, so a file with stray whitespace at either
    // end (a hand edit, an editor's final newline) still reads; a serialised array never
    // starts or ends with whitespace itself.
    let payload = php_trim(payload);

    let expected = sign(&token.key, payload);
    if !bool::from(expected.as_bytes().ct_eq(mac)) {
        return None;
    }
    // FIXME: Kirby's forwarding records (old token → new token for 30 s after a regeneration)
    // do not have this shape and are treated as "no session"; a PHP-issued old token presented
    // to Folio within those 30 s therefore counts as logged out.
    from_php(&phpser::unserialize(payload).ok()?)
}

/// PHP's `trim()`: strips spaces, tabs, newlines, carriage returns, NUL and vertical tabs.
fn php_trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | 0x0b);
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |last| last + 1);
    bytes.get(start..end).unwrap_or_default()
}

fn sign(key: &str, payload: &[u8]) -> String {
    // HMAC accepts keys of any length, so this constructor cannot fail; the fallback only keeps
    // the code panic-free.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

fn to_php(data: &SessionData) -> PhpValue {
    let entry = |name: &str, value: PhpValue| (PhpKey::Str(name.to_owned()), value);
    let entries = data
        .data
        .iter()
        .map(|(key, value)| (PhpKey::Str(key.clone()), value_to_php(value)))
        .collect();
    PhpValue::Array(vec![
        entry("startTime", PhpValue::Int(data.start_time)),
        entry("expiryTime", PhpValue::Int(data.expiry_time)),
        entry("duration", PhpValue::Int(data.duration)),
        entry(
            "timeout",
            data.timeout.map_or(PhpValue::Bool(false), PhpValue::Int),
        ),
        entry(
            "lastActivity",
            data.last_activity.map_or(PhpValue::Null, PhpValue::Int),
        ),
        entry("renewable", PhpValue::Bool(data.renewable)),
        entry("data", PhpValue::Array(entries)),
    ])
}

fn value_to_php(value: &SessionValue) -> PhpValue {
    match value {
        SessionValue::Str(s) => PhpValue::Str(s.clone()),
        SessionValue::Int(i) => PhpValue::Int(*i),
        SessionValue::Bool(b) => PhpValue::Bool(*b),
        SessionValue::Php(other) => other.clone(),
    }
}

fn from_php(payload: &PhpValue) -> Option<SessionData> {
    let int = |name: &str| match payload.get(name) {
        Some(PhpValue::Int(i)) => Some(*i),
        _ => None,
    };
    let timeout = match payload.get("timeout")? {
        PhpValue::Int(i) => Some(*i),
        PhpValue::Bool(false) => None,
        _ => return None,
    };
    let last_activity = match payload.get("lastActivity")? {
        PhpValue::Int(i) => Some(*i),
        PhpValue::Null => None,
        _ => return None,
    };
    let PhpValue::Bool(renewable) = payload.get("renewable")? else {
        return None;
    };
    let PhpValue::Array(entries) = payload.get("data")? else {
        return None;
    };

    Some(SessionData {
        start_time: int("startTime")?,
        expiry_time: int("expiryTime")?,
        duration: int("duration")?,
        timeout,
        last_activity,
        renewable: *renewable,
        data: entries
            .iter()
            .map(|(key, value)| (key_text(key), value_from_php(value)))
            .collect(),
    })
}

/// PHP turns numeric string keys into integers; Folio's data keys are always text.
fn key_text(key: &PhpKey) -> String {
    match key {
        PhpKey::Str(s) => s.clone(),
        PhpKey::Int(i) => i.to_string(),
    }
}

fn value_from_php(value: &PhpValue) -> SessionValue {
    match value {
        PhpValue::Str(s) => SessionValue::Str(s.clone()),
        PhpValue::Int(i) => SessionValue::Int(*i),
        PhpValue::Bool(b) => SessionValue::Bool(*b),
        other => SessionValue::Php(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::session::SessionLifetimes;

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn token() -> SessionToken {
        SessionToken {
            expiry: 1_700_007_200,
            id: "0123456789abcdef0123".into(),
            key: KEY.into(),
        }
    }

    /// A payload in exactly the shape of the live example in auth.md §2.2, filled in.
    const KIRBY_PAYLOAD: &str = concat!(
        r#"a:7:{s:9:"startTime";i:1700000000;s:10:"expiryTime";i:1700007200;"#,
        r#"s:8:"duration";i:7200;s:7:"timeout";i:1800;s:12:"lastActivity";i:1700000100;"#,
        r#"s:9:"renewable";b:1;s:4:"data";a:3:{s:10:"kirby.csrf";"#,
        r#"s:64:"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";"#,
        r#"s:12:"kirby.userId";s:8:"mcAvloGF";s:20:"kirby.loginTimestamp";i:1700000000;}}"#
    );

    fn kirby_file() -> String {
        format!("{}\n{KIRBY_PAYLOAD}", sign(KEY, KIRBY_PAYLOAD.as_bytes()))
    }

    #[test]
    fn reads_a_kirby_session_file() {
        let data = decode_file(&token(), kirby_file().as_bytes()).expect("authentic file");
        assert_eq!(
            (data.start_time, data.expiry_time, data.duration),
            (1_700_000_000, 1_700_007_200, 7200)
        );
        assert_eq!(
            (data.timeout, data.last_activity, data.renewable),
            (Some(1800), Some(1_700_000_100), true)
        );
        assert_eq!(data.get_str("kirby.userId"), Some("mcAvloGF"));
        assert_eq!(data.get_int("kirby.loginTimestamp"), Some(1_700_000_000));
        assert_eq!(data.get_str("kirby.csrf").map(str::len), Some(64));
    }

    #[test]
    fn writes_byte_for_byte_what_kirby_writes() {
        let data = decode_file(&token(), kirby_file().as_bytes()).expect("authentic file");
        assert_eq!(encode_file(&token(), &data), kirby_file());
    }

    #[test]
    fn surrounding_whitespace_is_ignored_like_kirby() {
        let padded = format!(
            "{}\n\r\n {KIRBY_PAYLOAD}\n",
            sign(KEY, KIRBY_PAYLOAD.as_bytes())
        );
        assert!(decode_file(&token(), padded.as_bytes()).is_some());
        assert_eq!(php_trim(b" \t\0\x0b\r\n"), b"");
        assert_eq!(php_trim(b" a b "), b"a b");
    }

    #[test]
    fn long_sessions_write_false_and_null() {
        let data = SessionData::new_long(1_700_000_000, &SessionLifetimes::default());
        let file = encode_file(&token(), &data);
        assert!(
            file.contains(r#"s:7:"timeout";b:0;s:12:"lastActivity";N;"#),
            "{file}"
        );
        assert_eq!(decode_file(&token(), file.as_bytes()), Some(data));
    }

    #[test]
    fn round_trips_every_value_kind() {
        let mut data = SessionData::new_normal(1_700_000_000, &SessionLifetimes::default());
        data.set("s", SessionValue::Str("ä \"quoted\";\n".into()));
        data.set("i", SessionValue::Int(-7));
        data.set("b", SessionValue::Bool(false));
        data.set(
            "p",
            SessionValue::Php(PhpValue::Array(vec![(PhpKey::Int(0), PhpValue::Null)])),
        );
        let file = encode_file(&token(), &data);
        assert_eq!(decode_file(&token(), file.as_bytes()), Some(data));
    }

    #[test]
    fn refuses_forged_or_broken_files() {
        let good = kirby_file();
        let other_key = SessionToken {
            key: KEY.replace('0', "1"),
            ..token()
        };
        assert_eq!(decode_file(&other_key, good.as_bytes()), None, "wrong key");

        let tampered = good.replace("i:7200;", "i:9999;");
        assert_eq!(
            decode_file(&token(), tampered.as_bytes()),
            None,
            "payload changed"
        );

        let upper = good.to_uppercase();
        assert_eq!(decode_file(&token(), upper.as_bytes()), None);
        assert_eq!(decode_file(&token(), b""), None);
        assert_eq!(decode_file(&token(), b"\n"), None);
        assert_eq!(
            decode_file(&token(), KIRBY_PAYLOAD.as_bytes()),
            None,
            "no mac line"
        );

        let missing_field = r#"a:1:{s:9:"startTime";i:1;}"#;
        let signed = format!("{}\n{missing_field}", sign(KEY, missing_field.as_bytes()));
        assert_eq!(
            decode_file(&token(), signed.as_bytes()),
            None,
            "authentic but incomplete"
        );

        let huge = vec![b'a'; MAX_FILE_BYTES + 1];
        assert_eq!(decode_file(&token(), &huge), None);
    }

    #[test]
    fn the_mac_is_keyed_with_the_key_text() {
        // Expected value computed independently (Python's hmac module, key as ASCII hex).
        assert_eq!(
            sign(KEY, b"hello"),
            "7abf693c2cd584bc49acdf7a036038919bdff1b4c64282d35185bf352c8490ac"
        );
    }

    #[test]
    fn numeric_data_keys_become_text() {
        let payload = concat!(
            r#"a:7:{s:9:"startTime";i:1;s:10:"expiryTime";i:2;s:8:"duration";i:1;"#,
            r#"s:7:"timeout";b:0;s:12:"lastActivity";N;s:9:"renewable";b:0;"#,
            r#"s:4:"data";a:1:{i:5;d:0.5;}}"#
        );
        let file = format!("{}\n{payload}", sign(KEY, payload.as_bytes()));
        let data = decode_file(&token(), file.as_bytes()).expect("authentic file");
        assert_eq!(
            data.get("5"),
            Some(&SessionValue::Php(PhpValue::Float(0.5)))
        );
    }
}
