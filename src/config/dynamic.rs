//! Deciding what a value Folio cannot evaluate means for start-up.
//!
//! A `Dynamic` value that hides an option Folio reads (or sits inside one) is
//! an error, because a silent default could open the API in a way the site
//! owner did not ask for. Anywhere else (`hooks`, `routes`, `panel.menu`, a
//! plugin's options) only PHP would have used it, so it is skipped with a
//! warning.

use std::path::Path;

use crate::config::ConfigError;
use crate::config::layers::{Layer, source_of_keys};
use crate::format::php::{PhpKey, PhpValue};

/// The options Folio reads, in dotted form. A dynamic value whose path is a
/// prefix of one of these, or lies below one, blocks start-up.
const READ_OPTIONS: &[&str] = &[
    "debug",
    "api.slug",
    "api.basicAuth",
    "api.allowInsecure",
    "api.csrf",
    "api.allowImpersonation",
    "panel.dev",
    "panel.language",
    "panel.install",
    "panel.slug",
    "auth.methods",
    "auth.trials",
    "auth.timeout",
    "auth.debug",
    "auth.challenges",
    "auth.challenge.timeout",
    "auth.challenge.email",
    "session.cookieName",
    "session.durationNormal",
    "session.durationLong",
    "session.timeout",
    "session.gcInterval",
    "url",
    "languages",
    "content.uuid",
    "home",
    "error",
    "slugs",
    "cookie.key",
    "email.transport",
    "folio.trustedProxies",
    "folio.loginDelay",
    "folio.maxBodySize",
    "folio.maxUploadSize",
];

/// One dynamic value and where it sits.
struct Found<'a> {
    keys: Vec<PhpKey>,
    line: usize,
    construct: &'a str,
}

/// Errors for the first dynamic value under an option Folio reads; otherwise
/// returns one warning per dynamic value.
pub(super) fn check(merged: &PhpValue, layers: &[Layer]) -> Result<Vec<String>, ConfigError> {
    let mut found = Vec::new();
    collect(merged, &mut Vec::new(), &mut found);

    let mut warnings = Vec::new();
    for item in found {
        let option = dotted(&item.keys);
        let file = source_of_keys(layers, &item.keys).to_path_buf();
        if is_read(&option) {
            let option = if option.is_empty() {
                "the returned value".into()
            } else {
                option
            };
            let construct = item.construct.to_string();
            return Err(ConfigError::Dynamic {
                file,
                line: item.line,
                construct,
                option,
            });
        }
        warnings.push(warning(&file, item.line, item.construct, &option));
    }
    Ok(warnings)
}

fn collect<'a>(value: &'a PhpValue, keys: &mut Vec<PhpKey>, found: &mut Vec<Found<'a>>) {
    match value {
        PhpValue::Dynamic { line, construct } => {
            found.push(Found {
                keys: keys.clone(),
                line: *line,
                construct,
            });
        }
        PhpValue::Array(array) => {
            for (key, inner) in &array.0 {
                keys.push(key.clone());
                collect(inner, keys, found);
                keys.pop();
            }
        }
        _ => {}
    }
}

fn dotted(keys: &[PhpKey]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// True when `option` and a read option are equal or one contains the other.
fn is_read(option: &str) -> bool {
    let segments: Vec<&str> = if option.is_empty() {
        Vec::new()
    } else {
        option.split('.').collect()
    };
    READ_OPTIONS.iter().any(|read| {
        let read: Vec<&str> = read.split('.').collect();
        let common = segments.len().min(read.len());
        segments[..common] == read[..common]
    })
}

fn warning(file: &Path, line: usize, construct: &str, option: &str) -> String {
    format!(
        "skipping `{option}` in `{}`: line {line} has {}, which only PHP can evaluate",
        file.display(),
        super::with_article(construct)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_options_cover_their_parents_and_children() {
        assert!(is_read(""));
        assert!(is_read("api"));
        assert!(is_read("api.basicAuth"));
        assert!(is_read("auth.methods.0"));
        assert!(is_read("auth.challenge.email.from"));
        assert!(is_read("email.transport.password"));
        assert!(!is_read("api.routes"));
        assert!(!is_read("panel.menu"));
        assert!(!is_read("email.beforeSend"));
        assert!(!is_read("hooks"));
        assert!(!is_read("debugbar"));
    }
}
