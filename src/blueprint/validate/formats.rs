//! The text formats the validation rules recognise: numbers, e-mail
//! addresses, URLs, dates and times, and text without its HTML tags.

use std::sync::LazyLock;

use regex::Regex;

use super::super::values::{parse_datetime, parse_time};

/// A number as the number field reads it (a decimal comma is accepted).
pub(super) fn number(text: &str) -> Option<f64> {
    let text = text.trim().replace(',', ".");
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// An e-mail address: a local part, `@`, and a domain of at least two
/// labels whose last one starts with a letter (IDN labels allowed).
pub(super) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@()<>[]\\,;:\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .and_then(|tld| tld.chars().next())
        .is_some_and(char::is_alphabetic);
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok && text.len() <= 254
}

/// Kirby's URL rule: an optional `http(s)://` or `ftp://`, optional
/// credentials, then an IPv4 address, `localhost` or a host name with a
/// top-level domain of two letters or more, an optional port and a path.
static URL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let label = r"(?:[a-z\x{a1}-\x{ffff}0-9]+-?)*[a-z\x{a1}-\x{ffff}0-9]+";
    let ipv4 = r"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4])";
    let host = format!(r"{label}(?:\.{label})*\.[a-z\x{{a1}}-\x{{ffff}}]{{2,}}");
    let pattern = format!(
        r"(?i)^(?:(?:https?|ftp)://)?(?:\S+(?::\S*)?@)?(?:{ipv4}|{host}|localhost)(?::\d{{2,5}})?(?:/\S*)?$"
    );
    Regex::new(&pattern).ok()
});

pub(super) fn is_url(text: &str) -> bool {
    URL.as_ref().is_some_and(|url| url.is_match(text))
}

/// `Y-m-d H:i:s` of a date (with or without a time), if it is one.
pub(super) fn datetime(text: &str) -> Option<String> {
    parse_datetime(text.trim()).map(|(date, time)| format!("{date} {time}"))
}

/// `H:i:s` of a time of day, if it is one.
pub(super) fn time(text: &str) -> Option<String> {
    parse_time(text.trim())
}

/// A `Y-m-d H:i:s` date shown as Kirby's messages do: `d.m.Y`, with
/// ` H:i` when the field has a time.
pub(super) fn show_date(datetime: &str, with_time: bool) -> String {
    let part = |range: std::ops::Range<usize>| datetime.get(range).unwrap_or_default();
    let date = format!("{}.{}.{}", part(8..10), part(5..7), part(0..4));
    if with_time {
        format!("{date} {}", part(11..16))
    } else {
        date
    }
}

/// A `H:i:s` time shown as `H:i`.
pub(super) fn show_time(time: &str) -> String {
    time.get(..5).unwrap_or(time).to_string()
}

/// The text of some HTML without its tags, as the writer field counts it.
pub(super) fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Whether `text` matches a blueprint `pattern`, case-insensitively and
/// anywhere in the text, as Kirby's `/<pattern>/i` does. `None` when the
/// pattern cannot be compiled.
// FIXME: PCRE-only syntax (look-around, back-references) does not compile
// with the `regex` crate; such patterns are not checked.
pub(super) fn matches_pattern(pattern: &str, text: &str) -> Option<bool> {
    let regex = regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .ok()?;
    Some(regex.is_match(text))
}
