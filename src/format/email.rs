//! E-mail addresses as Kirby compares and stores them: trimmed, with an
//! internationalised domain in its Unicode form, and lower-cased.
//!
//! Kirby IDN-decodes the domain before it looks a user up or stores one, so
//! `ada@xn--bcher-kva.example` and `ada@bücher.example` are one account.
//! Every place that matches or writes an address goes through [`normalize`],
//! so the login route, Basic auth, the trial counters and the account files
//! cannot disagree about who an address belongs to.

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

    proptest! {
        #[test]
        fn normalising_never_panics_and_is_idempotent(email in "\\PC{0,40}") {
            let once = normalize(&email);
            prop_assert_eq!(normalize(&once), once);
        }
    }
}
