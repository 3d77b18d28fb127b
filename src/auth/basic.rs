//! Reading the `Authorization` header (auth.md §1, §2.5, §4).
//!
//! Kirby recognises two schemes, case-insensitively: `Basic` credentials and `Session`
//! tokens. Everything else, including a bare `Basic` with nothing after it, is ignored and the
//! request falls back to the session cookie. A `Basic` header whose payload cannot be decoded
//! into `user:password` is still a Basic attempt, and fails as an invalid login.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Longer Basic payloads cannot hold a valid login (a password is at most 1000 characters).
const MAX_BASIC_PAYLOAD_BYTES: usize = 16 * 1024;

/// PHP's `base64_decode` does not insist on `=` padding, so neither do we.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What an `Authorization` header asks for. `Debug` hides passwords and tokens.
#[derive(Clone, PartialEq, Eq)]
pub enum AuthHeader {
    /// `Basic` with decodable `email:password` credentials (email as sent, not normalised).
    Basic { email: String, password: String },
    /// `Basic` with a payload that is not base64, not UTF-8, or has no colon.
    BasicUndecodable,
    /// `Session <token>`; the token is not checked here.
    Session(String),
    /// Any other scheme, or a scheme with nothing after it.
    Other,
}

/// Classifies an `Authorization` header value.
pub fn parse_authorization(header: &str) -> AuthHeader {
    let header = header.trim();
    let (scheme, rest) = header.split_once([' ', '\t']).unwrap_or((header, ""));
    let rest = rest.trim();
    if rest.is_empty() {
        return AuthHeader::Other;
    }
    if scheme.eq_ignore_ascii_case("basic") {
        decode_basic(rest)
    } else if scheme.eq_ignore_ascii_case("session") {
        AuthHeader::Session(rest.to_owned())
    } else {
        AuthHeader::Other
    }
}

fn decode_basic(payload: &str) -> AuthHeader {
    if payload.len() > MAX_BASIC_PAYLOAD_BYTES {
        return AuthHeader::BasicUndecodable;
    }
    let Ok(bytes) = LENIENT_BASE64.decode(payload) else {
        return AuthHeader::BasicUndecodable;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return AuthHeader::BasicUndecodable;
    };
    match text.split_once(':') {
        Some((email, password)) => AuthHeader::Basic {
            email: email.to_owned(),
            password: password.to_owned(),
        },
        None => AuthHeader::BasicUndecodable,
    }
}

/// Normalises an e-mail address for lookup: trimmed, IDN-decoded and
/// lower-cased (see [`crate::format::email`]).
pub fn normalize_email(email: &str) -> String {
    crate::format::email::normalize(email)
}

impl fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthHeader::Basic { .. } => f.write_str("Basic { <redacted> }"),
            AuthHeader::BasicUndecodable => f.write_str("BasicUndecodable"),
            AuthHeader::Session(_) => f.write_str("Session(<redacted>)"),
            AuthHeader::Other => f.write_str("Other"),
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use proptest::prelude::*;

    use super::*;

    fn basic(credentials: &str) -> String {
        format!("Basic {}", STANDARD.encode(credentials))
    }

    fn creds(email: &str, password: &str) -> AuthHeader {
        AuthHeader::Basic {
            email: email.into(),
            password: password.into(),
        }
    }

    #[test]
    fn decodes_basic_credentials() {
        let header = basic("admin@example.com:Adm-7hQ2xK9vLp4Zr");
        assert_eq!(
            parse_authorization(&header),
            creds("admin@example.com", "Adm-7hQ2xK9vLp4Zr")
        );
    }

    #[test]
    fn splits_at_the_first_colon_and_keeps_empty_parts() {
        assert_eq!(
            parse_authorization(&basic("a@b.c:pa:ss:")),
            creds("a@b.c", "pa:ss:")
        );
        assert_eq!(parse_authorization(&basic("a@b.c:")), creds("a@b.c", ""));
        assert_eq!(parse_authorization(&basic(":")), creds("", ""));
    }

    #[test]
    fn non_ascii_credentials_decode() {
        let header = basic("ädmin@exämple.com:pässwörd-ünïcødé");
        assert_eq!(
            parse_authorization(&header),
            creds("ädmin@exämple.com", "pässwörd-ünïcødé")
        );
    }

    #[test]
    fn scheme_is_case_insensitive() {
        let encoded = STANDARD.encode("a@b.c:x");
        for scheme in ["basic", "BASIC", "bAsIc"] {
            assert_eq!(
                parse_authorization(&format!("{scheme} {encoded}")),
                creds("a@b.c", "x")
            );
        }
        assert_eq!(
            parse_authorization("session abc"),
            AuthHeader::Session("abc".into())
        );
        assert_eq!(
            parse_authorization("SESSION  abc "),
            AuthHeader::Session("abc".into())
        );
    }

    #[test]
    fn padding_is_optional_as_in_php() {
        let unpadded = STANDARD.encode("a@b.c:xy").trim_end_matches('=').to_owned();
        assert_eq!(
            parse_authorization(&format!("Basic {unpadded}")),
            creds("a@b.c", "xy")
        );
    }

    #[test]
    fn undecodable_basic_payloads() {
        let huge = format!("Basic {}", "QUFB".repeat(MAX_BASIC_PAYLOAD_BYTES));
        let latin1 = format!("Basic {}", STANDARD.encode(b"\xe4dmin@example.com:x"));
        for header in ["Basic !!!not-base64!!!", &basic("foo"), &latin1, &huge] {
            assert_eq!(
                parse_authorization(header),
                AuthHeader::BasicUndecodable,
                "{header:.40}"
            );
        }
    }

    #[test]
    fn other_headers_fall_back_to_the_session_path() {
        for header in [
            "",
            " ",
            "Basic",
            "Basic ",
            "basic\t",
            "Session",
            "Bearer x",
            "Digest a=b",
            "Basicx YTpi",
        ] {
            assert_eq!(parse_authorization(header), AuthHeader::Other, "{header:?}");
        }
    }

    #[test]
    fn lossily_decoded_header_bytes_are_handled() {
        // A header that is not UTF-8 reaches us through `from_utf8_lossy`.
        let basic_bytes = String::from_utf8_lossy(b"Basic \xff\xfeYTpi");
        assert_eq!(
            parse_authorization(&basic_bytes),
            AuthHeader::BasicUndecodable
        );
        let scheme_bytes = String::from_utf8_lossy(b"B\xffsic YTpi");
        assert_eq!(parse_authorization(&scheme_bytes), AuthHeader::Other);
        let session_bytes = String::from_utf8_lossy(b"Session \xff");
        assert_eq!(
            parse_authorization(&session_bytes),
            AuthHeader::Session("\u{fffd}".into())
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let shown = format!("{:?}", parse_authorization(&basic("a@b.c:hunter2")));
        assert!(!shown.contains("hunter2") && !shown.contains("a@b.c"));
        assert!(!format!("{:?}", AuthHeader::Session("tok".into())).contains("tok"));
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_email("  ADMIN@Example.COM \t"),
            "admin@example.com"
        );
        assert_eq!(normalize_email("ÄDMIN@EXÄMPLE.COM"), "ädmin@exämple.com");
    }

    proptest! {
        #[test]
        fn any_header_is_classified_without_panicking(header in ".{0,300}") {
            let _ = parse_authorization(&header);
        }

        #[test]
        fn encoded_credentials_round_trip(email in "[^:]{0,50}", password in ".{0,50}") {
            let header = basic(&format!("{email}:{password}"));
            prop_assert_eq!(parse_authorization(&header), creds(&email, &password));
        }
    }
}
