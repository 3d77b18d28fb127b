//! Slugs: turning titles and names into URL-safe ASCII (storage.md §2.2).
//!
//! Letters with accents lose them (`Ü` → `U`, via Unicode decomposition);
//! a few letters that do not decompose have fixed spellings (`ß` → `ss`).
//! Languages may add their own rules, such as German `ä` → `ae`.

use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

/// Letters that Unicode decomposition does not reduce to ASCII.
const SPECIAL: &[(char, &str)] = &[
    ('ß', "ss"),
    ('ẞ', "SS"),
    ('æ', "ae"),
    ('Æ', "AE"),
    ('œ', "oe"),
    ('Œ', "OE"),
    ('ø', "o"),
    ('Ø', "O"),
    ('đ', "d"),
    ('Đ', "D"),
    ('ð', "d"),
    ('Ð', "D"),
    ('þ', "th"),
    ('Þ', "TH"),
    ('ł', "l"),
    ('Ł', "L"),
    ('ı', "i"),
    ('ħ', "h"),
    ('Ħ', "H"),
];

/// Transliterates `text` to ASCII, applying `rules` (a language's map) first.
pub fn to_ascii(text: &str, rules: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if let Some((_, to)) = rules
            .iter()
            .find(|(from, _)| from.chars().eq(std::iter::once(ch)))
        {
            out.push_str(to);
        } else if ch.is_ascii() {
            out.push(ch);
        } else if let Some((_, to)) = SPECIAL.iter().find(|(from, _)| *from == ch) {
            out.push_str(to);
        } else {
            out.extend(ch.to_string().nfd().filter(char::is_ascii));
        }
    }
    out
}

/// Kirby's slug: lowercase ASCII letters and digits joined by single dashes,
/// cut to `max_len` characters.
pub fn slugify(text: &str, rules: &[(String, String)], max_len: usize) -> String {
    let ascii = to_ascii(text.trim(), rules).to_lowercase();
    let mut slug = String::with_capacity(ascii.len());
    for ch in ascii.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let trimmed = slug.trim_matches('-');
    let cut: String = trimmed.chars().take(max_len).collect();
    cut.trim_end_matches('-').to_owned()
}

/// The transliteration table as the Panel receives it in `/api/system`
/// (`ascii`): pattern → replacement.
// FIXME: Kirby sends its own, much longer table here; Folio sends the
// special letters it transliterates by hand (the rest follow from Unicode
// decomposition), so this field differs from Kirby's.
pub fn ascii_table() -> Value {
    let map: Map<String, Value> = SPECIAL
        .iter()
        .map(|(from, to)| (format!("/{from}/"), Value::String((*to).to_owned())))
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_match_the_spec_examples() {
        assert_eq!(slugify("Über Copy!", &[], 255), "uber-copy");
        assert_eq!(slugify("Grüße aus Köln", &[], 255), "grusse-aus-koln");
        assert_eq!(slugify("../../site/evil", &[], 255), "site-evil");
        assert_eq!(slugify("a/b", &[], 255), "a-b");
        assert_eq!(slugify("..", &[], 255), "");
        assert_eq!(slugify(&"a".repeat(300), &[], 255).len(), 255);
    }

    #[test]
    fn language_rules_come_first() {
        let rules = vec![("ä".to_owned(), "ae".to_owned())];
        assert_eq!(slugify("Bäume", &rules, 255), "baeume");
    }
}
