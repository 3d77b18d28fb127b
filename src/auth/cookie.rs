//! The signed `kirby_session` cookie (auth.md §2.4).
//!
//! The cookie's value is `hex(HMAC_SHA1(token, cookie.key)) + "+" + token`, so a client cannot
//! swap in a token it made up without knowing the server's cookie key. PHP URL-encodes the
//! value on the wire (`+` becomes `%2B`), and this module produces and accepts exactly that.
//! Header strings are built here with Kirby's attribute set, leaving HTTP types to the caller.

use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha1::Sha1;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::macros::format_description;

/// Kirby's default `cookie.key`; an empty `cookie.key` option also means this default.
pub const DEFAULT_COOKIE_KEY: &str = "KirbyHttpCookieKey";

/// Kirby's default `session.cookieName`.
pub const DEFAULT_COOKIE_NAME: &str = "kirby_session";

/// Longer cookie values are not ours (a token plus its HMAC is under 150 bytes).
const MAX_COOKIE_VALUE_BYTES: usize = 4096;

/// Latest time an `expires` attribute can name (9999-12-31T23:59:59Z).
const MAX_EXPIRES: i64 = 253_402_300_799;

/// Signs a session token for the cookie: `<40 hex HMAC-SHA1>+<token>`.
pub fn sign(token: &str, cookie_key: &str) -> String {
    format!("{}+{token}", hmac_hex(token, cookie_key))
}

/// Checks a raw cookie value as it arrived in the `Cookie` header and returns the token.
///
/// The value is percent-decoded first; both the encoded `%2B` and a literal `+` count as the
/// separator. `None` unless the HMAC before the first `+` matches the rest.
pub fn verify(raw_cookie_value: &str, cookie_key: &str) -> Option<String> {
    if raw_cookie_value.len() > MAX_COOKIE_VALUE_BYTES {
        return None;
    }
    // Not form decoding: a `+` must stay a `+`, since it is the separator.
    let decoded = percent_decode_str(raw_cookie_value).decode_utf8().ok()?;
    let (given_mac, token) = decoded.split_once('+')?;
    let expected = hmac_hex(token, cookie_key);
    bool::from(expected.as_bytes().ct_eq(given_mac.as_bytes())).then(|| token.to_owned())
}

/// URL-encodes a cookie value the way PHP's `setcookie` does (`urlencode`): letters, digits and
/// `-_.` stay, a space becomes `+`, every other byte becomes `%XX`.
pub fn encode_for_header(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A `Set-Cookie` header value with Kirby's attributes.
///
/// `value` is the raw value (as `sign` returns it) and is URL-encoded here. `name` and `path`
/// come from configuration and are used as given. Attributes follow PHP's order:
/// `expires`, `Max-Age`, `path`, `secure`, `HttpOnly`, `SameSite=Lax`.
pub fn set_cookie_header(
    name: &str,
    value: &str,
    expires_unix: i64,
    now: i64,
    path: &str,
    secure: bool,
) -> String {
    let max_age = expires_unix.saturating_sub(now).max(0);
    let secure = if secure { "; secure" } else { "" };
    format!(
        "{name}={}; expires={}; Max-Age={max_age}; path={path}{secure}; HttpOnly; SameSite=Lax",
        encode_for_header(value),
        http_date(expires_unix),
    )
}

/// The two headers Kirby sends to delete the cookie: one with `path=/`, one without.
pub fn delete_cookie_headers(name: &str) -> [String; 2] {
    let base = format!("{name}=deleted; expires={}; Max-Age=0", http_date(1));
    [format!("{base}; path=/"), base]
}

fn hmac_hex(message: &str, key: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps it panic-free
    // and can never equal a real 40-character HMAC.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// RFC 1123 date in GMT as PHP writes it: `Thu, 01 Jan 1970 00:00:01 GMT`.
fn http_date(unix: i64) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    OffsetDateTime::from_unix_timestamp(unix.clamp(0, MAX_EXPIRES))
        .ok()
        .and_then(|date| date.format(&format).ok())
        .unwrap_or_else(|| "Thu, 01 Jan 1970 00:00:00 GMT".to_owned())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const TOKEN: &str = "1796397497.0123456789abcdef0123.\
                         00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn sign_matches_a_known_hmac_sha1() {
        // HMAC-SHA1("The quick brown fox jumps over the lazy dog", "key"), a published vector.
        let signed = sign("The quick brown fox jumps over the lazy dog", "key");
        assert_eq!(
            signed,
            "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9+The quick brown fox jumps over the lazy dog"
        );
    }

    #[test]
    fn verify_accepts_encoded_and_literal_separators() {
        let signed = sign(TOKEN, DEFAULT_COOKIE_KEY);
        let encoded = encode_for_header(&signed);
        assert!(encoded.contains("%2B") && !encoded.contains('+'));
        assert_eq!(verify(&encoded, DEFAULT_COOKIE_KEY).as_deref(), Some(TOKEN));
        assert_eq!(verify(&signed, DEFAULT_COOKIE_KEY).as_deref(), Some(TOKEN));
    }

    #[test]
    fn verify_refuses_bad_values() {
        let signed = sign(TOKEN, DEFAULT_COOKIE_KEY);
        assert_eq!(verify(&signed, "another key"), None);
        assert_eq!(verify(TOKEN, DEFAULT_COOKIE_KEY), None, "bare token");
        assert_eq!(
            verify(&signed.replace("1796", "1797"), DEFAULT_COOKIE_KEY),
            None
        );
        assert_eq!(verify(&signed.to_uppercase(), DEFAULT_COOKIE_KEY), None);
        assert_eq!(verify("", DEFAULT_COOKIE_KEY), None);
        assert_eq!(verify("+", DEFAULT_COOKIE_KEY), None);
        assert_eq!(verify("%ff%fe+x", DEFAULT_COOKIE_KEY), None, "not UTF-8");
        let lossy = String::from_utf8_lossy(b"\xff+\xfe");
        assert_eq!(verify(&lossy, DEFAULT_COOKIE_KEY), None);
        let huge = format!("{signed}{}", "a".repeat(MAX_COOKIE_VALUE_BYTES));
        assert_eq!(verify(&huge, DEFAULT_COOKIE_KEY), None);
    }

    #[test]
    fn encode_matches_php_urlencode() {
        assert_eq!(encode_for_header("aZ09-_."), "aZ09-_.");
        assert_eq!(encode_for_header("a+b c/~ä"), "a%2Bb+c%2F%7E%C3%A4");
    }

    #[test]
    fn set_cookie_has_kirbys_attributes() {
        let header = set_cookie_header("kirby_session", "ab+cd", 7201, 1, "/", false);
        assert_eq!(
            header,
            "kirby_session=ab%2Bcd; expires=Thu, 01 Jan 1970 02:00:01 GMT; Max-Age=7200; \
             path=/; HttpOnly; SameSite=Lax"
        );
        let secure = set_cookie_header("kirby_session", "x", 10, 20, "/sub/", true);
        assert!(
            secure.contains("Max-Age=0; path=/sub/; secure; HttpOnly"),
            "{secure}"
        );
    }

    #[test]
    fn extreme_expiry_times_still_format() {
        let far = set_cookie_header("n", "v", i64::MAX, i64::MIN, "/", false);
        assert!(
            far.contains("expires=Fri, 31 Dec 9999 23:59:59 GMT"),
            "{far}"
        );
        assert!(far.contains(&format!("Max-Age={}", i64::MAX)));
        let past = set_cookie_header("n", "v", i64::MIN, 0, "/", false);
        assert!(
            past.contains("expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"),
            "{past}"
        );
    }

    #[test]
    fn deletion_sends_two_headers() {
        assert_eq!(
            delete_cookie_headers("kirby_session"),
            [
                "kirby_session=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/",
                "kirby_session=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0",
            ]
        );
    }

    proptest! {
        #[test]
        // Tokens never hold spaces; PHP would encode one as `+`, which reads back as the separator.
        fn signed_values_verify_after_encoding(token in "[^ ]{0,200}", key in ".{0,50}") {
            let encoded = encode_for_header(&sign(&token, &key));
            prop_assert_eq!(verify(&encoded, &key), Some(token));
        }

        #[test]
        fn arbitrary_cookies_never_panic(raw in ".{0,300}") {
            let _ = verify(&raw, DEFAULT_COOKIE_KEY);
        }
    }
}
