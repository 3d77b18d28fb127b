//! E-mail addresses as Kirby compares and stores them: trimmed, with an
//! internationalised domain in its Unicode form, and lower-cased.
//!
//! Kirby IDN-decodes the domain before it looks a user up or stores one, so
//! `ada@xn--bcher-kva.example` and `ada@bücher.example` are one account.
//! Every place that matches or writes an address goes through [`normalize`],
//! so the login route, Basic auth, the trial counters and the account files
//! cannot disagree about who an address belongs to. [`is_valid`] is the
//! rule an address must pass before it is stored.

/// The form of `email` that Folio compares and stores.
pub fn normalize(email: &str) -> String {
    let trimmed = email.trim();
    match trimmed.rsplit_once('@') {
        Some((local, domain)) if has_punycode_label(domain) => {
            format!("{local}@{}", decode_domain(domain)).to_lowercase()
        }
        _ => trimmed.to_lowercase(),
    }
}

fn has_punycode_label(domain: &str) -> bool {
    domain.split('.').any(|label| {
        label.len() > 4
            && label
                .get(..4)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("xn--"))
    })
}

/// The Unicode form of an ASCII domain; a domain that does not decode
/// cleanly stays as written, so a broken address never matches a real one
/// by accident.
fn decode_domain(domain: &str) -> String {
    match idna::domain_to_unicode(domain) {
        (unicode, Ok(())) => unicode,
        (_, Err(_)) => domain.to_owned(),
    }
}

/// The longest address PHP's `FILTER_VALIDATE_EMAIL` takes, in bytes.
const MAX_ADDRESS: usize = 254;
/// The longest local part (before the `@`), in bytes.
const MAX_LOCAL: usize = 64;
/// The longest domain label, in bytes.
const MAX_LABEL: usize = 63;

/// Whether Kirby would take `email` as a user's address.
///
/// Kirby runs PHP's `FILTER_VALIDATE_EMAIL` on the address with its domain
/// IDN-encoded, so the rule is that filter's, read on the ASCII form:
///
/// * the whole address is at most 254 bytes, the local part at most 64;
/// * the local part is ASCII "atext" (letters, digits and
///   ``!#$%&'*+/=?^_`{|}~-``) in dot-separated runs: no leading, trailing
///   or doubled dot, no non-ASCII letter (`Ω@…` is refused);
/// * every domain label is 1 to 63 of `a-z`, `0-9` and `-`, and does not
///   start or end with `-`; Unicode domains count in their punycode form
///   (`ada@bücher.example` is valid).
///
/// Two forms PHP also accepts are refused, as Folio did before: quoted
/// local parts and comments (`"a b"@x.com`, which smuggle any character into
/// an address), and domains without a dot or given as an IP literal.
pub fn is_valid(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let Some(domain) = ascii_domain(domain) else {
        return false;
    };
    local.len() + 1 + domain.len() <= MAX_ADDRESS
        && valid_local_part(local)
        && domain.contains('.')
        && domain.split('.').all(valid_label)
}

/// The punycode form of a domain; `None` when it has none.
fn ascii_domain(domain: &str) -> Option<String> {
    if domain.is_ascii() {
        return Some(domain.to_ascii_lowercase());
    }
    idna::domain_to_ascii(domain).ok()
}

fn valid_local_part(local: &str) -> bool {
    const ATEXT_SYMBOLS: &str = "!#$%&'*+/=?^_`{|}~-";
    local.len() <= MAX_LOCAL
        && local.split('.').all(|run| {
            !run.is_empty()
                && run
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ATEXT_SYMBOLS.contains(c))
        })
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(normalize("  Ada@Example.COM \n"), "ada@example.com");
        assert_eq!(normalize("ÄDA@example.com"), "äda@example.com");
    }

    #[test]
    fn punycode_domains_are_decoded() {
        assert_eq!(normalize("Ada@XN--BCHER-KVA.example"), "ada@bücher.example");
        assert_eq!(normalize("ada@bücher.example"), "ada@bücher.example");
        assert_eq!(
            normalize("ada@mail.xn--mnchen-3ya.de"),
            "ada@mail.münchen.de"
        );
    }

    #[test]
    fn undecodable_domains_stay_as_written() {
        assert_eq!(normalize("ada@xn--.example"), "ada@xn--.example");
        assert_eq!(normalize("ada@xn--ñ.example"), "ada@xn--ñ.example");
        assert_eq!(normalize("no-at-sign"), "no-at-sign");
    }

    #[test]
    fn kirbys_addresses_are_valid() {
        for email in [
            "admin@example.com",
            "new.editor@example.com",
            "editor-set@example.com",
            "a+tag@mail.example.co.uk",
            "o'hara@example.com",
            "ada@bücher.example",
            "ada@xn--bcher-kva.example",
            "ADA@Example.COM",
        ] {
            assert!(is_valid(email), "{email}");
        }
        assert!(is_valid(&format!("{}@example.com", "x".repeat(64))));
        assert!(is_valid(&format!("x@{}.com", "d".repeat(63))));
    }

    #[test]
    fn what_php_refuses_is_invalid() {
        for email in [
            "\"><script>@x.com",
            "\"a b\"@x.com",
            "x@x..com",
            "../../x@y.com",
            ".x@y.com",
            "x.@y.com",
            "a..b@y.com",
            "Ω@münchen.de",
            "x@-x.com",
            "x@x-.com",
            "x@x.com-",
            "x@x_y.com",
            "x@localhost",
            "x@[127.0.0.1]",
            "x y@x.com",
            "x@x.com\n",
            "@x.com",
            "x@",
            "nope",
            "not an email",
        ] {
            assert!(!is_valid(email), "{email:?}");
        }
        assert!(!is_valid(&format!("{}@example.com", "x".repeat(65))));
        assert!(!is_valid(&format!("x@{}.com", "d".repeat(64))));
        let long = format!("x@{}.com", vec!["d".repeat(60); 5].join("."));
        assert!(!is_valid(&long));
    }

    proptest! {
        #[test]
        fn normalising_never_panics_and_is_idempotent(email in "\\PC{0,40}") {
            let _ = is_valid(&email);
            let once = normalize(&email);
            prop_assert_eq!(normalize(&once), once);
        }
    }
}
