//! Password hashes and the `.htpasswd` secrets file (auth.md §6, storage.md §5).
//!
//! Kirby hashes with PHP's `password_hash(PASSWORD_DEFAULT)`: bcrypt, cost 10, prefix `$2y$`.
//! Folio verifies those hashes and writes new ones in the same form, so a PHP Kirby on the
//! same folder accepts them. It also verifies the argon2 hashes PHP writes with
//! `PASSWORD_ARGON2I`/`PASSWORD_ARGON2ID`, within cost limits, since `password_verify` accepts
//! them too. Verification is total: a broken or foreign hash is a mismatch, never an error or
//! a panic.

use parking_lot::Mutex;
use serde_json::{Map, Value};
use thiserror::Error;

/// The one lane bcrypt runs in. A hash costs tens of milliseconds of CPU; with a lane per
/// request a login flood would take every core and starve reads (issue 4). Waiting callers
/// sleep on the lock instead of spinning, so at most one core ever hashes.
static HASHING: Mutex<()> = Mutex::new(());

/// PHP's default bcrypt cost.
pub const BCRYPT_COST: u32 = 10;

/// Fewest characters a password may have.
pub const MIN_LENGTH: usize = 8;

/// Most characters a password may have.
pub const MAX_LENGTH: usize = 1000;

/// Why a password or secrets file could not be processed.
#[derive(Debug, Error)]
pub enum PasswordError {
    #[error("cannot hash a password that contains a NUL byte")]
    NulByte,
    #[error("bcrypt failed")]
    Bcrypt(#[source] bcrypt::BcryptError),
    #[error("line 2 of `.htpasswd` is not a JSON object")]
    SecretsNotObject,
    #[error("line 2 of `.htpasswd` is not valid JSON")]
    SecretsJson(#[source] serde_json::Error),
}

/// Which length rule a password breaks; Kirby answers `error.user.password.<rule>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PasswordRule {
    #[error("password is shorter than {MIN_LENGTH} characters")]
    Invalid,
    #[error("password is longer than {MAX_LENGTH} characters")]
    Excessive,
}

/// Whether `password` matches `hash`. Unknown, empty or malformed hashes never match.
pub fn verify(password: &str, hash: &str) -> bool {
    // PHP's bcrypt stops reading at a NUL byte, so "secret\0anything" would match the hash of
    // "secret" there. Refusing such passwords closes that hole instead of copying it.
    if password.contains('\0') {
        return false;
    }
    if hash.starts_with("$argon2") {
        return verify_argon2(password, hash);
    }
    if !is_bcrypt_hash(hash) {
        return false;
    }
    let _lane = HASHING.lock();
    bcrypt::verify(password, hash).unwrap_or(false)
}

/// Largest argon2 memory cost Folio agrees to spend on one verify, in KiB.
/// PHP's default is 64 MiB; a hash asking for far more would let one
/// edited `.htpasswd` exhaust the server's memory at every login.
const ARGON2_MAX_MEMORY_KIB: u32 = 256 * 1024;

/// Largest argon2 time cost (passes) Folio agrees to run; PHP's default is 4.
const ARGON2_MAX_PASSES: u32 = 16;

/// Verifies a PHC-format argon2 hash (`$argon2i$` or `$argon2id$`), which
/// PHP writes for `PASSWORD_ARGON2I`/`PASSWORD_ARGON2ID`. Kirby accepts
/// them through `password_verify`, so accounts moved from such a setup
/// keep working. New hashes are still bcrypt, like Kirby's default.
fn verify_argon2(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};

    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > ARGON2_MAX_MEMORY_KIB || params.t_cost() > ARGON2_MAX_PASSES {
        tracing::warn!("refusing an argon2 hash whose cost exceeds Folio's limits");
        return false;
    }
    // The same lane as bcrypt: argon2 is as costly, and worse for memory.
    let _lane = HASHING.lock();
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Hashes `password` as PHP's `password_hash` does by default: bcrypt, cost 10, `$2y$`.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    if password.contains('\0') {
        return Err(PasswordError::NulByte);
    }
    let _lane = HASHING.lock();
    let parts = bcrypt::hash_with_result(password, BCRYPT_COST).map_err(PasswordError::Bcrypt)?;
    Ok(parts.format_for_version(bcrypt::Version::TwoY))
}

/// Checks Kirby's length rules; length counts characters, as PHP's `mb_strlen` does.
pub fn validate_length(password: &str) -> Result<(), PasswordRule> {
    // Counting stops early, so a huge input costs no more than MAX_LENGTH + 1 steps.
    let length = password.chars().take(MAX_LENGTH + 1).count();
    if length < MIN_LENGTH {
        Err(PasswordRule::Invalid)
    } else if length > MAX_LENGTH {
        Err(PasswordRule::Excessive)
    } else {
        Ok(())
    }
}

/// `$2y$`, `$2b$` or `$2a$`, a two-digit cost from 04 to 31, then 53 bcrypt-base64 characters.
fn is_bcrypt_hash(hash: &str) -> bool {
    let bytes = hash.as_bytes();
    let Some((prefix, rest)) = bytes.split_at_checked(4) else {
        return false;
    };
    let Some((cost, body)) = rest.split_at_checked(3) else {
        return false;
    };
    let cost_ok = match cost {
        [tens @ b'0'..=b'3', ones @ b'0'..=b'9', b'$'] => {
            (4..=31).contains(&((tens - b'0') * 10 + (ones - b'0')))
        }
        _ => false,
    };
    let body_ok = body.len() == 53
        && body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/'));
    matches!(prefix, b"$2y$" | b"$2b$" | b"$2a$") && cost_ok && body_ok
}

/// The contents of a user's `.htpasswd`: the password hash and other secrets (e.g. `totp`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Htpasswd {
    /// The password hash; empty when the user has no password.
    pub hash: String,
    /// Secrets from the optional JSON line, in file order.
    pub secrets: Map<String, Value>,
}

impl Htpasswd {
    /// Reads the file: line 1 is the hash, an optional line 2 is a JSON object.
    ///
    /// Whitespace around either line is ignored, so a hand-edited file with a trailing
    /// newline still reads; bcrypt hashes never contain whitespace.
    pub fn parse(content: &str) -> Result<Self, PasswordError> {
        let (first, second) = content.split_once('\n').unwrap_or((content, ""));
        let secrets = match second.trim() {
            "" => Map::new(),
            json => match serde_json::from_str(json).map_err(PasswordError::SecretsJson)? {
                Value::Object(map) => map,
                _ => return Err(PasswordError::SecretsNotObject),
            },
        };
        Ok(Htpasswd {
            hash: first.trim().to_owned(),
            secrets,
        })
    }

    /// The file content: the hash, then the secrets line only if there are any; no trailing
    /// newline. Kirby's files are exactly this (a bare 60-byte hash in the common case).
    pub fn to_file_string(&self) -> String {
        if self.secrets.is_empty() {
            return self.hash.clone();
        }
        // serde_json writes `/` and non-ASCII unescaped, as Kirby's JSON encoder does.
        let json = Value::Object(self.secrets.clone()).to_string();
        format!("{}\n{json}", self.hash)
    }

    /// Whether a password is set.
    pub fn has_password(&self) -> bool {
        !self.hash.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Hashes PHP Kirby 4.9.5 wrote (via `POST /api/system/install` and `POST /api/users`) for
    /// the conformance fixture accounts, with the passwords the fixture tool chose.
    const PHP_HASHES: [(&str, &str); 3] = [
        (
            "Adm-7hQ2xK9vLp4Zr",
            "$2y$10$GLB4Tlj8xyc5NpTDmTAUjeR7Wd6BTPz/SSf07Gh1V82p8fPFpglbG",
        ),
        (
            "Edt-3mW8cN5tYq1Bv",
            "$2y$10$iIlnceJ2Sk7SgE7rzUiXIeybhTI5qXSOYFfk/TI/nxTc0e9.RL40O",
        ),
        (
            "Cli-9fR4pS6jHd2Gx",
            "$2y$10$E8t5EKkCZ82ZXXM0RQalqeH0FzlwX3qABWTKeorBIR6S9tFIJAPyq",
        ),
    ];

    #[test]
    fn verifies_hashes_written_by_php() {
        for (password, hash) in PHP_HASHES {
            assert!(verify(password, hash), "{password}");
        }
        let (admin, admin_hash) = PHP_HASHES[0];
        assert!(!verify(PHP_HASHES[1].0, admin_hash));
        assert!(!verify(&admin.to_lowercase(), admin_hash));
        assert!(!verify("", admin_hash));
        assert!(
            !verify(&format!("{admin}\0"), admin_hash),
            "NUL tail refused"
        );
    }

    /// Hashes made by libargon2 (the library behind PHP's `PASSWORD_ARGON2*`),
    /// through Python's argon2-cffi, in the PHC form PHP writes.
    const ARGON2_HASHES: [(&str, &str); 2] = [
        (
            "folio-argon2-test",
            "$argon2id$v=19$m=19456,t=2,p=1$HmWGaWH609N17wcfg/CF2A$VbifNykhq7UhlPpHl0oi+mSpJq/imEHL1ZCYUSgzlsQ",
        ),
        (
            "folio-argon2i",
            "$argon2i$v=19$m=4096,t=3,p=2$c2FsdHNhbHRzYWx0$v+AS3fm4ZMBIVUXam+hlgcOlsWqBdZFy0ARULPPxR9c",
        ),
    ];

    #[test]
    fn verifies_argon2_hashes_from_libargon2() {
        for (password, hash) in ARGON2_HASHES {
            assert!(verify(password, hash), "{hash}");
            assert!(!verify(&format!("{password}!"), hash), "{hash}");
        }
    }

    #[test]
    fn other_bcrypt_prefixes_verify() {
        let (password, hash) = PHP_HASHES[0];
        assert!(verify(password, &hash.replacen("$2y$", "$2b$", 1)));
        assert!(verify(password, &hash.replacen("$2y$", "$2a$", 1)));
        assert!(!verify(password, &hash.replacen("$2y$", "$2x$", 1)));
    }

    #[test]
    fn garbage_hashes_never_verify() {
        let (password, hash) = PHP_HASHES[0];
        let bad = [
            String::new(),
            "$".into(),
            "$2y$".into(),
            "$2y$10$".into(),
            hash[..59].to_owned(),
            format!("{hash}x"),
            hash.replacen("$10$", "$03$", 1),
            hash.replacen("$10$", "$32$", 1),
            hash.replacen("$10$", "$1a$", 1),
            hash.replacen("$10$", "$$10", 1),
            hash.replacen('G', "!", 1),
            hash.replacen('G', "é", 1),
            "$argon2id$v=19$m=19456,t=2,p=1$HmWGaWH609N17wcfg/CF2A$Vbif".into(),
            "$argon2id$v=19$m=9999999,t=2,p=1$HmWGaWH609N17wcfg/CF2A$VbifNykhq7UhlPpHl0oi+mSpJq/imEHL1ZCYUSgzlsQ".into(),
            "plain-text-password".into(),
            "\u{0}".repeat(60),
        ];
        for hash in bad {
            assert!(!verify(password, &hash), "{hash:?}");
        }
    }

    #[test]
    fn new_hashes_look_like_phps_and_verify() {
        let hashed = hash("correct horse battery").expect("hash");
        assert!(hashed.starts_with("$2y$10$"), "{hashed}");
        assert_eq!(hashed.len(), 60);
        assert!(is_bcrypt_hash(&hashed));
        assert!(verify("correct horse battery", &hashed));
        assert!(!verify("correct horse battery!", &hashed));
        assert!(matches!(hash("a\0b"), Err(PasswordError::NulByte)));
    }

    #[test]
    fn length_rules_count_characters() {
        assert_eq!(validate_length(""), Err(PasswordRule::Invalid));
        assert_eq!(validate_length("1234567"), Err(PasswordRule::Invalid));
        assert_eq!(validate_length("12345678"), Ok(()));
        assert_eq!(
            validate_length("äöüäöüä"),
            Err(PasswordRule::Invalid),
            "7 chars, 14 bytes"
        );
        assert_eq!(validate_length(&"x".repeat(1000)), Ok(()));
        assert_eq!(
            validate_length(&"x".repeat(1001)),
            Err(PasswordRule::Excessive)
        );
        assert_eq!(validate_length(&"ä".repeat(1000)), Ok(()));
        assert_eq!(
            validate_length(&"x".repeat(10_000_000)),
            Err(PasswordRule::Excessive)
        );
    }

    #[test]
    fn htpasswd_with_only_a_hash_is_byte_exact() {
        let (_, hash) = PHP_HASHES[0];
        let file = Htpasswd::parse(hash).expect("parse");
        assert_eq!(file.hash, hash);
        assert!(file.secrets.is_empty() && file.has_password());
        assert_eq!(file.to_file_string(), hash);
    }

    #[test]
    fn htpasswd_with_secrets_is_byte_exact() {
        let (_, hash) = PHP_HASHES[1];
        let content =
            format!("{hash}\n{{\"totp\":\"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\",\"x\":\"a/ä\"}}");
        let file = Htpasswd::parse(&content).expect("parse");
        assert_eq!(
            file.secrets.get("totp").and_then(Value::as_str),
            Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        );
        assert_eq!(file.to_file_string(), content);
    }

    #[test]
    fn htpasswd_without_password_keeps_the_empty_line() {
        let file = Htpasswd::parse("\n{\"totp\":\"ABC\"}").expect("parse");
        assert!(!file.has_password());
        assert_eq!(file.to_file_string(), "\n{\"totp\":\"ABC\"}");
        assert_eq!(Htpasswd::default().to_file_string(), "");
    }

    #[test]
    fn htpasswd_tolerates_hand_edits_and_refuses_bad_json() {
        let (_, hash) = PHP_HASHES[2];
        let file = Htpasswd::parse(&format!("{hash}\r\n\n")).expect("parse");
        assert_eq!(file.hash, hash);
        assert!(file.secrets.is_empty());
        assert!(matches!(
            Htpasswd::parse(&format!("{hash}\n[1]")),
            Err(PasswordError::SecretsNotObject)
        ));
        assert!(matches!(
            Htpasswd::parse(&format!("{hash}\n{{")),
            Err(PasswordError::SecretsJson(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_hash_text_never_panics(hash in ".{0,80}") {
            // Random text essentially never has the strict bcrypt shape, so this stays fast
            // while still driving `verify` through its rejection paths.
            prop_assert!(!verify("password", &hash));
            let _ = Htpasswd::parse(&hash);
        }
    }
}
