//! Session tokens and the signed session cookie: any text is refused or
//! accepted without a panic; an accepted token prints back to the same text;
//! a cookie Folio signs and encodes itself verifies to its token, for any
//! token without a space (`encode_for_header` writes a space as `+`, as PHP's
//! `urlencode` does, and `verify` reads `+` literally; tokens never hold one).
#![no_main]

use libfuzzer_sys::fuzz_target;

use folio::auth::cookie;
use folio::auth::session::SessionToken;

/// A fixed key: the fuzzer cannot forge the HMAC, so it explores the framing.
const COOKIE_KEY: &str = "fuzz-cookie-key";

/// Longest token for the signing round trip (encoded, it must fit the cookie limit).
const MAX_SIGNED_TOKEN_BYTES: usize = 1000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(token) = SessionToken::parse(text) {
        assert_eq!(token.to_string(), text, "a parsed token prints differently");
    }
    let _ = cookie::verify(text, COOKIE_KEY);
    if text.len() <= MAX_SIGNED_TOKEN_BYTES && !text.contains(' ') {
        let signed = cookie::encode_for_header(&cookie::sign(text, COOKIE_KEY));
        assert_eq!(
            cookie::verify(&signed, COOKIE_KEY).as_deref(),
            Some(text),
            "a cookie Folio signed did not verify"
        );
    }
});
