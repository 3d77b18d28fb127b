//! Time-based one-time passwords (RFC 6238) as Kirby's TOTP challenge uses
//! them: HMAC-SHA-1, a 30-second step, 6 digits, and a secret of 32 base32
//! characters (160 bits) in the user's `.htpasswd` (storage.md §5).
//!
//! A code is accepted for the current step and one step either side, so a
//! phone clock that is a little off still works.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Seconds per TOTP step.
pub const STEP: i64 = 30;

/// Digits of a code.
pub const DIGITS: u32 = 6;

/// Characters of a stored secret.
pub const SECRET_LEN: usize = 32;

/// A TOTP key, decoded from the stored base32 secret.
pub struct Totp {
    key: Vec<u8>,
}

impl Totp {
    /// The key of a stored secret: exactly 32 base32 characters (case does
    /// not matter). Anything else is no secret at all.
    pub fn from_secret(secret: &str) -> Option<Totp> {
        if secret.len() != SECRET_LEN {
            return None;
        }
        base32_decode(secret).map(|key| Totp { key })
    }

    /// The code for the step that contains `unix_time`.
    pub fn code_at(&self, unix_time: i64, digits: u32) -> String {
        hotp(&self.key, step_of(unix_time), digits)
    }

    /// Whether `code` (6 digits, spaces already removed) is the code of the
    /// step of `now` or of the step before or after it.
    pub fn verify(&self, code: &str, now: i64) -> bool {
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let step = step_of(now);
        // Every candidate is computed and compared, so the time taken does
        // not tell which window matched.
        let mut matched = subtle::Choice::from(0);
        for offset in [-1i64, 0, 1] {
            let Some(counter) = step.checked_add_signed(offset) else {
                continue;
            };
            let expected = hotp(&self.key, counter, DIGITS);
            matched |= expected.as_bytes().ct_eq(code.as_bytes());
        }
        matched.into()
    }
}

/// The step counter of `unix_time`; times before 1970 count as step 0.
fn step_of(unix_time: i64) -> u64 {
    u64::try_from(unix_time.max(0) / STEP).unwrap_or(0)
}

/// HOTP (RFC 4226) with HMAC-SHA-1: the dynamically truncated MAC of the
/// counter, as `digits` decimal digits with leading zeros.
fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        // HMAC takes keys of any length; this cannot happen.
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.last().copied().unwrap_or(0) & 0x0f);
    let word = digest
        .get(offset..offset + 4)
        .map(|b| u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]))
        .unwrap_or(0);
    let modulus = 10u64.pow(digits.min(9));
    format!(
        "{:0width$}",
        u64::from(word) % modulus,
        width = digits as usize
    )
}

/// Decodes RFC 4648 base32 (`A`–`Z`, `2`–`7`, any case, optional `=` padding).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut count = 0u32;
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u64::from(value);
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push(((bits >> count) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SHA-1 seed of RFC 6238 appendix B, "12345678901234567890", in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn base32_decodes_the_rfc_4648_examples() {
        assert_eq!(base32_decode("").unwrap(), b"");
        assert_eq!(base32_decode("MY======").unwrap(), b"f");
        assert_eq!(base32_decode("MZXQ====").unwrap(), b"fo");
        assert_eq!(base32_decode("MZXW6===").unwrap(), b"foo");
        assert_eq!(base32_decode("MZXW6YQ=").unwrap(), b"foob");
        assert_eq!(base32_decode("MZXW6YTB").unwrap(), b"fooba");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        assert_eq!(base32_decode(RFC_SECRET).unwrap(), b"12345678901234567890");
        assert!(base32_decode("MZXW6YT1").is_none(), "1 is not base32");
        assert!(base32_decode("MZ W6").is_none());
    }

    #[test]
    fn matches_the_rfc_6238_sha1_vectors() {
        let totp = Totp::from_secret(RFC_SECRET).unwrap();
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, code) in vectors {
            assert_eq!(totp.code_at(time, 8), code, "T = {time}");
            // Six digits are the last six of the eight.
            assert_eq!(totp.code_at(time, 6), code[2..], "T = {time}");
        }
    }

    #[test]
    fn accepts_the_neighbouring_steps_only() {
        let totp = Totp::from_secret(RFC_SECRET).unwrap();
        let now = 1_234_567_890;
        for offset in [-STEP, 0, STEP] {
            assert!(totp.verify(&totp.code_at(now + offset, 6), now), "{offset}");
        }
        for offset in [-2 * STEP, 2 * STEP] {
            assert!(
                !totp.verify(&totp.code_at(now + offset, 6), now),
                "{offset}"
            );
        }
        assert!(totp.verify("005924", 1_234_567_890));
    }

    #[test]
    fn refuses_malformed_codes_and_secrets() {
        let totp = Totp::from_secret(RFC_SECRET).unwrap();
        let now = 1_234_567_890;
        for code in ["", "5924", "0059245", "00592a", " 005924", "８９００５９"] {
            assert!(!totp.verify(code, now), "{code:?}");
        }
        assert!(Totp::from_secret("GEZDGNBVGY3TQOJQ").is_none(), "16 chars");
        assert!(Totp::from_secret(&"1".repeat(32)).is_none());
        assert!(Totp::from_secret(&RFC_SECRET.to_lowercase()).is_some());
        assert_eq!(step_of(-5), 0);
    }
}
