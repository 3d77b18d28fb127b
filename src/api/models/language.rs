//! The language model (api.md §5.6): a content language of a multi-language
//! site. All fields are the default view.
//!
//! Two fields are computed the way Kirby computes them: `locale` shows the
//! locale categories by their PHP numbers (`{"6": "de_DE.UTF-8"}` for
//! `LC_ALL`), and `rules` are the slug rules Kirby ships for the locale's
//! language (`kirby/i18n/rules/<lang>.json`) with the language's own `slugs`
//! laid over them.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::render_values;
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Selection, Views};
use crate::api::tree::Json;
use crate::store::Language;
use crate::store::languages::{category_name, category_number};

pub static VIEWS: Views = Views {
    default: None,
    named: &[],
    all: &[
        "code",
        "default",
        "direction",
        "locale",
        "name",
        "rules",
        "url",
    ],
};

pub fn render(call: &Call, language: &Language, selection: &Selection) -> ApiResult<Json> {
    render_values(call, selection, |call, name, _| {
        Ok(Some(match name {
            "code" => json!(language.code),
            "default" => json!(language.default),
            "direction" => json!(language.direction),
            "locale" => locale(language),
            "name" => json!(language.name),
            "rules" => rules(&call.app.root, language),
            "url" => json!(url(call, language)),
            _ => return Ok(None),
        }))
    })
}

/// The locale categories by number; a list when PHP would see one
/// (`[0 => …]` only), as `json_encode` decides.
pub fn locale(language: &Language) -> Value {
    let pairs = locale_pairs(language);
    if pairs.len() == 1 && pairs.first().is_some_and(|(n, _)| *n == 0) {
        return Value::Array(pairs.into_iter().map(|(_, v)| json!(v)).collect());
    }
    Value::Object(
        pairs
            .into_iter()
            .map(|(n, v)| (n.to_string(), json!(v)))
            .collect::<Map<_, _>>(),
    )
}

/// `(category number, locale)` pairs; a language without one uses its code.
fn locale_pairs(language: &Language) -> Vec<(i64, String)> {
    let pairs: Vec<(i64, String)> = match &language.locale {
        Value::String(s) => vec![(6, s.clone())],
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| {
                Some((category_number(category_name(k)?)?, v.as_str()?.to_owned()))
            })
            .collect(),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((i as i64, v.as_str()?.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    if pairs.is_empty() {
        vec![(6, language.code.clone())]
    } else {
        pairs
    }
}

/// The locale Kirby takes slug rules from: `LC_CTYPE`, else `LC_ALL`.
fn ctype_locale(language: &Language) -> String {
    let pairs = locale_pairs(language);
    let find = |n: i64| pairs.iter().find(|(c, _)| *c == n).map(|(_, v)| v.clone());
    find(0)
        .or_else(|| find(6))
        .unwrap_or_else(|| language.code.clone())
}

/// Kirby's rules for the locale (`de_DE.UTF-8` → `de_DE.json`, else
/// `de.json`) merged with the language's own `slugs`. Empty is `[]`.
pub fn rules(root: &Path, language: &Language) -> Value {
    let locale = ctype_locale(language);
    let locale = locale.split('.').next().unwrap_or_default();
    let dir = root.join("kirby/i18n/rules");
    let read = |name: &str| -> Option<Map<String, Value>> {
        let safe = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !safe {
            return None;
        }
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).ok()?;
        serde_json::from_str::<Value>(&text)
            .ok()?
            .as_object()
            .cloned()
    };
    let language_part = locale.split('_').next().unwrap_or_default();
    let mut merged = read(locale)
        .or_else(|| read(language_part))
        .unwrap_or_default();
    if let Value::Object(own) = &language.rules {
        merged.extend(own.clone());
    }
    if merged.is_empty() {
        Value::Array(Vec::new())
    } else {
        Value::Object(merged)
    }
}

/// The language's URL path: its `url` option, else `/<code>`.
pub fn url_path(language: &Language) -> String {
    language
        .url
        .clone()
        .unwrap_or_else(|| format!("/{}", language.code))
}

/// The absolute URL, made from the origin as Kirby's `Url::makeAbsolute` does.
pub fn url(call: &Call, language: &Language) -> String {
    let path = url_path(language);
    if path.contains("://") {
        return path;
    }
    match path.trim_start_matches('/') {
        "" => call.origin.clone(),
        rest => format!("{}/{rest}", call.origin),
    }
}
