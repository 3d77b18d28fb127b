//! A file blueprint's `accept` rules: which MIME types, extensions, file
//! types, sizes, image dimensions and orientations a template takes.
//!
//! Kirby checks them when a file is created or replaced, after the general
//! upload rules of [`super::rules`]. A blueprint that names no MIME type,
//! extension or type still restricts uploads to Kirby's default types
//! (image, document, archive, audio, video), so no template silently takes
//! code files. The rules are read from the blueprint's raw props; this
//! module decides, [`crate::api`] turns a refusal into Kirby's error.

// FIXME: no conformance case records an `accept` refusal; the parsing and the
// checks follow Kirby 4's documented behaviour and are unverified against it.

use serde_json::{Map, Value};

use crate::store::media;

/// The file types a blueprint without type restrictions accepts.
const DEFAULT_TYPES: &[&str] = &["image", "document", "archive", "audio", "video"];

/// The parsed `accept` option of one file blueprint.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AcceptRules {
    mime: Option<Vec<String>>,
    extension: Option<Vec<String>>,
    kind: Option<Vec<String>>,
    limits: Vec<(Limit, f64)>,
    orientation: Option<String>,
    /// The type list is Kirby's default, not the blueprint's.
    default_kinds: bool,
}

/// A numeric limit and the property it bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    MaxSize,
    MinSize,
    MaxWidth,
    MinWidth,
    MaxHeight,
    MinHeight,
}

impl Limit {
    /// Kirby's checking order, with the option names.
    const ALL: [(Limit, &'static str); 6] = [
        (Limit::MaxSize, "maxsize"),
        (Limit::MinSize, "minsize"),
        (Limit::MaxWidth, "maxwidth"),
        (Limit::MinWidth, "minwidth"),
        (Limit::MaxHeight, "maxheight"),
        (Limit::MinHeight, "minheight"),
    ];

    /// The option name, which is also the last part of the error key.
    pub fn name(self) -> &'static str {
        Limit::ALL
            .iter()
            .find(|(limit, _)| *limit == self)
            .map_or("", |(_, name)| name)
    }

    /// The placeholder of the error message: `size`, `width` or `height`.
    pub fn property(self) -> &'static str {
        match self {
            Limit::MaxSize | Limit::MinSize => "size",
            Limit::MaxWidth | Limit::MinWidth => "width",
            Limit::MaxHeight | Limit::MinHeight => "height",
        }
    }
}

/// What is known about the file being checked.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The lowercase extension.
    pub extension: &'a str,
    /// The detected MIME type.
    pub mime: &'a str,
    /// Kirby's file type (`image`, `document`, …), `None` when unknown.
    pub kind: Option<&'a str>,
    pub size: u64,
    pub dimensions: Option<(u32, u32)>,
}

/// Why a file does not fit the rules, with the data of Kirby's message.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// `error.file.mime.invalid`, with the file's MIME type.
    Mime(String),
    /// `error.file.extension.invalid`, with the file's extension.
    Extension(String),
    /// `error.file.type.invalid`, with the file's type (empty when unknown).
    Kind(String),
    /// `error.file.<limit>`, with the limit as written in the blueprint.
    Limit(Limit, String),
    /// `error.file.orientation`, with the required orientation.
    Orientation(String),
}

impl AcceptRules {
    /// Reads the `accept` prop: a string is a MIME list, `true` accepts
    /// everything, a missing or empty value keeps only the default types.
    pub fn parse(accept: Option<&Value>) -> AcceptRules {
        match accept {
            Some(Value::Bool(true)) => AcceptRules::default(),
            Some(Value::String(s)) if !php_empty_string(s) => AcceptRules {
                mime: Some(mime_list(s)),
                ..AcceptRules::default()
            },
            Some(Value::Object(map)) if !map.is_empty() => from_map(map),
            _ => AcceptRules::default_types(),
        }
    }

    fn default_types() -> AcceptRules {
        AcceptRules {
            kind: Some(DEFAULT_TYPES.iter().map(|t| (*t).to_owned()).collect()),
            default_kinds: true,
            ..AcceptRules::default()
        }
    }

    /// The MIME types an upload dialog offers (the files section's
    /// `accept`): the explicit MIME list, else the MIME types of the allowed
    /// extensions and types (those both allow when both are set); `*` for
    /// no restriction and for Kirby's default types, which it does not disclose.
    // FIXME: the list comes from Folio's own extension table, in its order;
    // Kirby's MIME table is larger, so its list may be longer and ordered otherwise.
    pub fn attribute(&self) -> String {
        let mimes: Vec<String> = match &self.mime {
            Some(mime) => mime.clone(),
            None => {
                let by_extension: Option<Vec<String>> = self
                    .extension
                    .as_ref()
                    .map(|exts| exts.iter().map(|e| media::mime_for(e).to_owned()).collect());
                let by_kind: Option<Vec<String>> = self
                    .kind
                    .as_ref()
                    .filter(|_| !self.default_kinds)
                    .map(|kinds| kinds.iter().flat_map(|k| media::mimes_of_type(k)).collect());
                match (by_extension, by_kind) {
                    (Some(a), Some(b)) => a.into_iter().filter(|m| b.contains(m)).collect(),
                    (Some(a), None) => a,
                    (None, Some(b)) => b,
                    (None, None) => return "*".to_owned(),
                }
            }
        };
        let mut unique: Vec<String> = Vec::new();
        for mime in mimes.into_iter().filter(|m| !m.is_empty()) {
            if !unique.contains(&mime) {
                unique.push(mime);
            }
        }
        unique.join(", ")
    }

    /// Checks a file in Kirby's order: MIME type, extension, type, then the
    /// size and dimension limits, then the orientation.
    pub fn check(&self, file: &Candidate) -> Result<(), Refusal> {
        if let Some(patterns) = &self.mime
            && !patterns.iter().any(|p| mime_matches(file.mime, p))
        {
            return Err(Refusal::Mime(file.mime.to_owned()));
        }
        if let Some(extensions) = &self.extension
            && !extensions.iter().any(|e| e == file.extension)
        {
            return Err(Refusal::Extension(file.extension.to_owned()));
        }
        if let Some(kinds) = &self.kind
            && !file.kind.is_some_and(|k| kinds.iter().any(|t| t == k))
        {
            return Err(Refusal::Kind(file.kind.unwrap_or("").to_owned()));
        }
        let (width, height) = file.dimensions.unwrap_or((0, 0));
        for (limit, bound) in &self.limits {
            let value = match limit.property() {
                "size" => file.size as f64,
                "width" => f64::from(width),
                _ => f64::from(height),
            };
            let fits = match limit {
                Limit::MaxSize | Limit::MaxWidth | Limit::MaxHeight => value <= *bound,
                Limit::MinSize | Limit::MinWidth | Limit::MinHeight => value >= *bound,
            };
            if !fits {
                return Err(Refusal::Limit(*limit, number_text(*bound)));
            }
        }
        if let Some(wanted) = &self.orientation
            && orientation(file.dimensions) != Some(wanted.as_str())
        {
            return Err(Refusal::Orientation(wanted.clone()));
        }
        Ok(())
    }
}

/// PHP's `empty()` for strings: `""` and `"0"`.
fn php_empty_string(s: &str) -> bool {
    s.is_empty() || s == "0"
}

fn from_map(map: &Map<String, Value>) -> AcceptRules {
    let map: Map<String, Value> = map
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect();
    // The default types apply only when none of the three type options is
    // present at all; `mime: ~` switches them off too.
    let restricts_types = ["mime", "extension", "type"]
        .iter()
        .any(|k| map.contains_key(*k));
    let mut rules = if restricts_types {
        AcceptRules::default()
    } else {
        AcceptRules::default_types()
    };
    if let Some(list) = map.get("mime").and_then(|v| list_of(v, mime_list)) {
        rules.mime = Some(list);
    }
    if let Some(list) = map.get("extension").and_then(|v| list_of(v, comma_list)) {
        rules.extension = Some(list);
    }
    if let Some(list) = map.get("type").and_then(|v| list_of(v, comma_list)) {
        rules.kind = Some(list);
        rules.default_kinds = false;
    }
    rules.limits = Limit::ALL
        .iter()
        .filter_map(|(limit, name)| Some((*limit, number(map.get(*name)?)?)))
        .collect();
    rules.orientation = map.get("orientation").and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        _ => None,
    });
    rules
}

/// A string option split into a list, or a YAML list taken as it is.
fn list_of(value: &Value, split: fn(&str) -> Vec<String>) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(split(s)),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim().to_owned()).collect()
}

/// An accept-header style list: `image/jpeg, image/png;q=0.8`.
fn mime_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|part| part.split(';').next().unwrap_or("").trim().to_lowercase())
        .filter(|part| !part.is_empty())
        .collect()
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A limit as PHP prints it: `100000`, not `100000.0`.
fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// `landscape`, `portrait` or `square`; nothing without dimensions.
pub fn orientation(dimensions: Option<(u32, u32)>) -> Option<&'static str> {
    let (width, height) = dimensions.filter(|(w, h)| *w > 0 && *h > 0)?;
    Some(match width.cmp(&height) {
        std::cmp::Ordering::Greater => "landscape",
        std::cmp::Ordering::Less => "portrait",
        std::cmp::Ordering::Equal => "square",
    })
}

/// Shell-style matching of a MIME type against a pattern (`image/*`), where
/// `*` and `?` do not cross the `/`, as PHP's `fnmatch` with `FNM_PATHNAME`.
pub fn mime_matches(mime: &str, pattern: &str) -> bool {
    glob(
        mime.to_lowercase().as_bytes(),
        pattern.to_lowercase().as_bytes(),
    )
}

fn glob(text: &[u8], pattern: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => {
            let mut at = 0;
            loop {
                if glob(text.get(at..).unwrap_or_default(), rest) {
                    return true;
                }
                match text.get(at) {
                    Some(b'/') | None => return false,
                    Some(_) => at += 1,
                }
            }
        }
        Some((b'?', rest)) => match text.split_first() {
            Some((c, tail)) if *c != b'/' => glob(tail, rest),
            _ => false,
        },
        Some((p, rest)) => match text.split_first() {
            Some((c, tail)) if c == p => glob(tail, rest),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn jpeg(size: u64, dimensions: Option<(u32, u32)>) -> Candidate<'static> {
        Candidate {
            extension: "jpg",
            mime: "image/jpeg",
            kind: Some("image"),
            size,
            dimensions,
        }
    }

    fn check(accept: Value, file: &Candidate) -> Result<(), Refusal> {
        AcceptRules::parse(Some(&accept)).check(file)
    }

    #[test]
    fn without_type_options_only_the_default_types_pass() {
        let script = Candidate {
            extension: "js",
            mime: "text/javascript",
            kind: Some("code"),
            size: 10,
            dimensions: None,
        };
        assert_eq!(
            AcceptRules::parse(None).check(&script),
            Err(Refusal::Kind("code".into()))
        );
        assert_eq!(
            check(json!(false), &script),
            Err(Refusal::Kind("code".into()))
        );
        assert_eq!(
            check(json!({"maxsize": 5}), &script),
            Err(Refusal::Kind("code".into()))
        );
        assert_eq!(check(json!(true), &script), Ok(()));
        assert_eq!(check(json!({"mime": null}), &script), Ok(()));
        let unknown = Candidate {
            kind: None,
            ..script
        };
        assert_eq!(
            AcceptRules::parse(None).check(&unknown),
            Err(Refusal::Kind(String::new()))
        );
        assert_eq!(AcceptRules::parse(None).check(&jpeg(1, None)), Ok(()));
    }

    #[test]
    fn a_string_is_a_mime_list_with_wildcards() {
        let file = jpeg(1, None);
        assert_eq!(check(json!("image/*"), &file), Ok(()));
        assert_eq!(check(json!("image/png, image/jpeg;q=0.5"), &file), Ok(()));
        assert_eq!(
            check(json!("image/png"), &file),
            Err(Refusal::Mime("image/jpeg".into()))
        );
        assert_eq!(
            check(json!("*"), &file),
            Err(Refusal::Mime("image/jpeg".into()))
        );
        assert_eq!(check(json!("*/*"), &file), Ok(()));
    }

    #[test]
    fn checks_extension_and_type_lists() {
        let file = jpeg(1, None);
        assert_eq!(check(json!({"extension": "png, jpg"}), &file), Ok(()));
        assert_eq!(
            check(json!({"extension": ["png"]}), &file),
            Err(Refusal::Extension("jpg".into()))
        );
        assert_eq!(
            check(json!({"type": "document"}), &file),
            Err(Refusal::Kind("image".into()))
        );
        assert_eq!(check(json!({"TYPE": "image"}), &file), Ok(()));
    }

    #[test]
    fn checks_limits_and_orientation() {
        let file = jpeg(500, Some((40, 30)));
        let limits = json!({"maxsize": 400, "type": "image"});
        assert_eq!(
            check(limits, &file),
            Err(Refusal::Limit(Limit::MaxSize, "400".into()))
        );
        assert_eq!(
            check(json!({"minsize": "600"}), &file),
            Err(Refusal::Limit(Limit::MinSize, "600".into()))
        );
        assert_eq!(
            check(json!({"maxwidth": 39}), &file),
            Err(Refusal::Limit(Limit::MaxWidth, "39".into()))
        );
        assert_eq!(
            check(json!({"minheight": 31}), &file),
            Err(Refusal::Limit(Limit::MinHeight, "31".into()))
        );
        assert_eq!(
            check(json!({"maxwidth": 40, "minheight": 30}), &file),
            Ok(())
        );
        assert_eq!(
            check(json!({"orientation": "portrait"}), &file),
            Err(Refusal::Orientation("portrait".into()))
        );
        assert_eq!(check(json!({"orientation": "landscape"}), &file), Ok(()));
        let flat = jpeg(500, None);
        assert_eq!(
            check(json!({"minwidth": 1}), &flat),
            Err(Refusal::Limit(Limit::MinWidth, "1".into()))
        );
    }

    #[test]
    fn offers_the_mime_types_of_extensions_and_types() {
        let attribute = |accept: Value| AcceptRules::parse(Some(&accept)).attribute();
        assert_eq!(
            attribute(json!("image/jpeg, image/png")),
            "image/jpeg, image/png"
        );
        assert_eq!(
            attribute(json!({"extension": "jpg, jpeg, png"})),
            "image/jpeg, image/png"
        );
        assert!(attribute(json!({"type": "image"})).contains("image/webp"));
        assert_eq!(
            attribute(json!({"type": "image", "extension": "png, pdf"})),
            "image/png"
        );
        assert_eq!(attribute(json!({"maxsize": 10})), "*");
        assert_eq!(attribute(json!(true)), "*");
        assert_eq!(AcceptRules::parse(None).attribute(), "*");
    }

    #[test]
    fn matches_like_fnmatch_with_pathname() {
        assert!(mime_matches("image/jpeg", "image/*"));
        assert!(mime_matches("image/svg+xml", "image/svg?xml"));
        assert!(!mime_matches("image/jpeg", "*"));
        assert!(!mime_matches("image/jpeg", "image/png"));
        assert!(mime_matches("IMAGE/JPEG", "image/jpeg"));
    }

    #[test]
    fn orientation_follows_the_ratio() {
        assert_eq!(orientation(Some((4, 3))), Some("landscape"));
        assert_eq!(orientation(Some((3, 4))), Some("portrait"));
        assert_eq!(orientation(Some((3, 3))), Some("square"));
        assert_eq!(orientation(None), None);
        assert_eq!(orientation(Some((0, 3))), None);
    }
}
