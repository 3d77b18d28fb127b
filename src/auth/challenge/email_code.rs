//! The e-mail challenge's one-time code: six random digits, shown to the
//! user as `123 456`, kept in the session only as a password hash.

use rand::Rng;
use rand::rngs::OsRng;

/// Digits of a code.
pub const LENGTH: usize = 6;

/// A new code: six digits from the operating system's CSPRNG.
pub fn generate() -> String {
    let number: u32 = OsRng.gen_range(0..1_000_000);
    format!("{number:06}")
}

/// The code as the mail shows it: two groups of three, for easier reading.
pub fn format_for_mail(code: &str) -> String {
    match (code.get(..3), code.get(3..)) {
        (Some(head), Some(tail)) if !tail.is_empty() => format!("{head} {tail}"),
        _ => code.to_owned(),
    }
}

/// What the user typed, without any whitespace: `123 456` and ` 123456 `
/// are the same code.
pub fn normalize(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..50).map(|_| generate()).collect();
        for code in &codes {
            assert_eq!(code.len(), LENGTH, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        }
        let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
        assert!(
            distinct.len() > 40,
            "50 random codes are nearly all different"
        );
    }

    #[test]
    fn mail_format_splits_in_the_middle() {
        assert_eq!(format_for_mail("123456"), "123 456");
        assert_eq!(format_for_mail("000042"), "000 042");
        assert_eq!(format_for_mail("12"), "12");
    }

    #[test]
    fn whitespace_is_ignored() {
        assert_eq!(normalize("123 456"), "123456");
        assert_eq!(normalize(" 12\t34 56\n"), "123456");
        assert_eq!(normalize(""), "");
    }
}
