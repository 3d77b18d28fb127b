//! A blueprint's custom `num:` query (`'{{ page.year }}'`,
//! `'{{ page.date.toDate("Ymd") }}'`): the sorting number of a page that
//! is listed under it.
//!
//! Kirby renders the template with the page in the default language and
//! casts the text to an integer the way PHP's `(int)` does (leading digits,
//! else 0). Folio evaluates the simple forms: text around `{{ … }}` parts
//! that each name a field of the page, optionally as `.toDate("<format>")`
//! with the common PHP date letters. Anything else is refused, so a page is
//! never given a number Kirby would not give it.

// FIXME: other queries (`page.num`, `site.…`, field methods other than
// `toDate`, PHP date letters beyond `d j m n Y y H G i s`) are refused with
// a 400 instead of being evaluated.

use crate::format::txt::Fields;

/// Names that a query resolves to a page method, not to a content field.
const PAGE_METHODS: &[&str] = &[
    "blueprint",
    "children",
    "depth",
    "drafts",
    "files",
    "id",
    "indexof",
    "intendedtemplate",
    "isdraft",
    "islisted",
    "isunlisted",
    "kirby",
    "modified",
    "next",
    "num",
    "parent",
    "prev",
    "root",
    "siblings",
    "site",
    "slug",
    "status",
    "template",
    "uid",
    "url",
    "uuid",
];

/// Why a query cannot be evaluated: the part Folio does not understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// The sorting number `template` gives a page whose default-language
/// content is `fields`.
pub fn evaluate(template: &str, fields: &Fields) -> Result<i64, Unsupported> {
    let mut text = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        text.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + 2..).unwrap_or("");
        let end = after
            .find("}}")
            .ok_or_else(|| Unsupported(rest.to_owned()))?;
        text.push_str(&expression(after.get(..end).unwrap_or("").trim(), fields)?);
        rest = after.get(end + 2..).unwrap_or("");
    }
    text.push_str(rest);
    Ok(php_int(&text))
}

/// `page.<field>` or `page.<field>.toDate("<format>")`.
fn expression(expr: &str, fields: &Fields) -> Result<String, Unsupported> {
    let unsupported = || Unsupported(expr.to_owned());
    let path = expr.strip_prefix("page.").ok_or_else(unsupported)?;
    let (name, method) = match path.split_once('.') {
        Some((name, method)) => (name, Some(method)),
        None => (path, None),
    };
    let is_name =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !is_name(name) || PAGE_METHODS.contains(&name.to_lowercase().as_str()) {
        return Err(unsupported());
    }
    let value = fields.get(name).unwrap_or("").trim();
    let Some(method) = method else {
        return Ok(value.to_owned());
    };
    let format = method
        .strip_prefix("toDate(")
        .and_then(|m| m.strip_suffix(')'))
        .map(str::trim)
        .and_then(|arg| {
            arg.strip_prefix('"')
                .and_then(|a| a.strip_suffix('"'))
                .or_else(|| arg.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))
        })
        .ok_or_else(unsupported)?;
    if value.is_empty() {
        // Kirby's `toDate` gives nothing for an empty field.
        return Ok(String::new());
    }
    let parts = date_parts(value).ok_or_else(|| Unsupported(format!("{expr} of \"{value}\"")))?;
    format_date(format, parts).ok_or_else(unsupported)
}

/// `2024-02-03`, `2024-02-03 10:30:15` → year, month, day, hour, minute, second.
fn date_parts(text: &str) -> Option<[i64; 6]> {
    let numbers: Vec<i64> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map_while(|s| s.parse().ok())
        .collect();
    let at = |i: usize| numbers.get(i).copied();
    let (year, month, day) = (at(0)?, at(1)?, at(2)?);
    let valid =
        (1000..=9999).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day);
    valid.then(|| {
        [
            year,
            month,
            day,
            at(3).unwrap_or(0),
            at(4).unwrap_or(0),
            at(5).unwrap_or(0),
        ]
    })
}

/// PHP's `date()` for the letters Folio knows; `None` for any other letter.
fn format_date(format: &str, [year, month, day, hour, minute, second]: [i64; 6]) -> Option<String> {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        let piece = match c {
            'Y' => year.to_string(),
            'y' => format!("{:02}", year % 100),
            'm' => format!("{month:02}"),
            'n' => month.to_string(),
            'd' => format!("{day:02}"),
            'j' => day.to_string(),
            'H' => format!("{hour:02}"),
            'G' => hour.to_string(),
            'i' => format!("{minute:02}"),
            's' => format!("{second:02}"),
            '\\' => chars.next().map(String::from).unwrap_or_default(),
            c if c.is_ascii_alphabetic() => return None,
            c => c.to_string(),
        };
        out.push_str(&piece);
    }
    Some(out)
}

/// PHP's `(int)` of a string: optional whitespace and sign, then the
/// leading digits; 0 when there are none. Saturates instead of overflowing.
fn php_int(text: &str) -> i64 {
    let text = text.trim_start();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = digits
        .chars()
        .map_while(|c| c.to_digit(10))
        .fold(0i64, |n, d| {
            n.saturating_mul(10).saturating_add(i64::from(d))
        });
    if negative { -value } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::txt;

    fn fields() -> Fields {
        txt::parse("Title: A\n\n----\n\nYear: 2019\n\n----\n\nDate: 2024-02-03 10:30:15")
    }

    #[test]
    fn evaluates_fields_and_dates() {
        let f = fields();
        assert_eq!(evaluate("{{ page.year }}", &f), Ok(2019));
        assert_eq!(evaluate("{{page.date.toDate(\"Ymd\")}}", &f), Ok(20240203));
        assert_eq!(
            evaluate("{{ page.date.toDate('YmdHis') }}", &f),
            Ok(20240203103015)
        );
        assert_eq!(evaluate("{{ page.date.toDate(\"y\") }}0", &f), Ok(240));
        assert_eq!(evaluate("{{ page.missing }}", &f), Ok(0));
        assert_eq!(evaluate("{{ page.title }}", &f), Ok(0));
        assert_eq!(evaluate("7", &f), Ok(7));
    }

    #[test]
    fn refuses_what_it_cannot_evaluate() {
        let f = fields();
        for query in [
            "{{ page.num }}x{{ site.title }}",
            "{{ page.date.toDate(\"D\") }}",
            "{{ page.year.upper }}",
            "{{ page.year",
            "{{ page.title.toDate(\"Y\") }}",
            "{{ page.num }}",
            "{{ page.Slug }}",
        ] {
            assert!(evaluate(query, &f).is_err(), "{query}");
        }
    }

    #[test]
    fn casts_like_php() {
        assert_eq!(php_int(" 42abc"), 42);
        assert_eq!(php_int("-3"), -3);
        assert_eq!(php_int("abc"), 0);
        assert_eq!(php_int(&"9".repeat(40)), i64::MAX);
    }
}
