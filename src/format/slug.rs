//! Kirby's generic slug rule: lowercase, Latin accents to ASCII, everything
//! else to `-`.
//!
//! Content keys are written as `ucfirst(slug(key))` and page slugs use the same
//! rule with a longer cut, so the rule lives in one place. Only the ASCII
//! transliteration without language-specific rules is covered here; language
//! rules (German `ä` → `ae`) belong to whoever slugs in a language's context.

/// Slugs `text`: trimmed, lowercased, transliterated, every character outside
/// `a-z0-9` replaced by `-`, repeated dashes collapsed, dashes trimmed at both
/// ends, then cut to `max_chars` characters.
pub fn slug(text: &str, max_chars: usize) -> String {
    let lowered = trim_php(text).to_lowercase();
    let mut out = String::with_capacity(lowered.len());
    for ch in lowered.chars() {
        match transliterate(ch) {
            Some(ascii) => push_slug_part(&mut out, ascii),
            None if ch.is_ascii_lowercase() || ch.is_ascii_digit() => out.push(ch),
            None => push_dash(&mut out),
        }
    }
    // The cut comes after the trim, as in Kirby, so a cut slug may end in `-`.
    out.trim_matches('-').chars().take(max_chars).collect()
}

/// PHP's `trim()` character set: space, tab, newline, carriage return, NUL and
/// vertical tab (not form feed, not Unicode spaces).
pub fn trim_php(text: &str) -> &str {
    text.trim_matches(is_php_trim_char)
}

/// True for the characters PHP's `trim()` removes by default.
pub fn is_php_trim_char(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0B')
}

fn push_slug_part(out: &mut String, ascii: &str) {
    for ch in ascii.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else {
            push_dash(out);
        }
    }
}

fn push_dash(out: &mut String) {
    if !out.ends_with('-') {
        out.push('-');
    }
}

fn transliterate(ch: char) -> Option<&'static str> {
    super::ascii::transliterate(ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_the_live_examples_from_the_spec() {
        assert_eq!(slug("Über Copy!", 255), "uber-copy");
        assert_eq!(slug("Grüße aus Köln", 255), "grusse-aus-koln");
        assert_eq!(slug("../../site/evil", 255), "site-evil");
        assert_eq!(slug(&"a".repeat(300), 255), "a".repeat(255));
        assert_eq!(slug("..", 255), "");
    }

    #[test]
    fn underscores_and_camel_case_become_plain_slugs() {
        assert_eq!(slug("text_field", 128), "text-field");
        assert_eq!(slug("customField", 128), "customfield");
        assert_eq!(slug("  Weird   Key  ", 128), "weird-key");
    }

    #[test]
    fn cut_comes_after_the_trim_like_kirby() {
        assert_eq!(slug("abc def", 4), "abc-");
    }

    #[test]
    fn php_trim_keeps_form_feed_and_unicode_spaces() {
        assert_eq!(trim_php("\0 x\x0B\n"), "x");
        assert_eq!(trim_php("\x0Cx\u{a0}"), "\x0Cx\u{a0}");
    }
}
