//! The parts of an HTTP request the API reads, parsed once.
//!
//! Kirby matches routes on the raw path, so the path is kept percent-encoded.
//! Query and body keys are looked up case-insensitively, as Kirby does.

use serde_json::{Map, Value};

/// The nine methods Kirby's router knows; anything else is treated as GET.
pub const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// Most top-level fields a request body may have.
pub const MAX_BODY_FIELDS: usize = 5_000;

/// A request body after Kirby's decoding rules (api.md §1.4).
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    /// A JSON document (object, array, or scalar).
    Json(Value),
    /// Form fields, or a raw body that looked like a query string.
    Form(Vec<(String, String)>),
    /// A body that claimed to be JSON but does not parse. Kirby treats it as
    /// empty; Folio refuses it on writes so nothing is overwritten by mistake.
    Malformed,
}

impl Body {
    pub fn parse(content_type: Option<&str>, bytes: &[u8]) -> Body {
        if bytes.is_empty() {
            return Body::Empty;
        }
        let content_type = content_type.unwrap_or("").to_ascii_lowercase();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            return Body::Form(parse_query(&String::from_utf8_lossy(bytes)));
        }
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            return Body::Json(value);
        }
        let text = String::from_utf8_lossy(bytes);
        if content_type.starts_with("application/json") {
            return Body::Malformed;
        }
        if text.contains('=') {
            return Body::Form(parse_query(&text));
        }
        Body::Malformed
    }

    /// Refuses bodies with more than [`MAX_BODY_FIELDS`] top-level fields.
    /// Content files are small lists, and merging tens of thousands of new
    /// keys into one would keep the page's write lock for minutes; no
    /// blueprint comes near the limit.
    pub fn check_field_count(&self) -> Result<(), super::error::ApiError> {
        let count = match self {
            Body::Json(Value::Object(map)) => map.len(),
            Body::Form(pairs) => pairs.len(),
            _ => 0,
        };
        if count > MAX_BODY_FIELDS {
            return Err(super::error::ApiError::bad_request(
                "The request body has too many fields",
            )
            .details(serde_json::json!({"limit": MAX_BODY_FIELDS})));
        }
        Ok(())
    }

    /// A field of an object body or a form, by case-insensitive key.
    pub fn get(&self, key: &str) -> Option<Value> {
        match self {
            Body::Json(Value::Object(map)) => map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone()),
            Body::Form(pairs) => pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| Value::String(v.clone())),
            _ => None,
        }
    }

    /// The body as a JSON object of fields (an empty map when it is not one).
    pub fn object(&self) -> Map<String, Value> {
        match self {
            Body::Json(Value::Object(map)) => map.clone(),
            Body::Form(pairs) => pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
            _ => Map::new(),
        }
    }
}

/// Decodes `a=1&b=%20x+y` into pairs, `+` meaning a space as in PHP.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (decode_component(key), decode_component(value))
        })
        .collect()
}

fn decode_component(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// The query string of an API request.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

/// A query parameter as PHP reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param<'a> {
    /// `name=value`.
    Plain(&'a str),
    /// `name[a][]=value` pairs: the bracketed key parts (`["a", ""]`) and
    /// the value of each, in query order.
    Array(Vec<(Vec<&'a str>, &'a str)>),
}

impl Query {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The parameter `name` in either form. As in PHP, a later plain
    /// `name=` replaces an earlier array and the other way round.
    pub fn param(&self, name: &str) -> Option<Param<'_>> {
        let mut found: Option<Param<'_>> = None;
        for (key, value) in &self.0 {
            let Some(rest) = key
                .get(..name.len())
                .filter(|head| head.eq_ignore_ascii_case(name))
                .and_then(|_| key.get(name.len()..))
            else {
                continue;
            };
            if rest.is_empty() {
                found = Some(Param::Plain(value));
            } else if let Some(parts) = bracket_parts(rest) {
                match &mut found {
                    Some(Param::Array(pairs)) => pairs.push((parts, value)),
                    _ => found = Some(Param::Array(vec![(parts, value)])),
                }
            }
        }
        found
    }

    /// PHP truthiness of a flag such as `?pretty`: any value but `""` and `0`.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !v.is_empty() && v != "0")
    }
}

/// `[a][]` → `["a", ""]`; `None` when the text is not only bracket pairs.
fn bracket_parts(mut text: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    while !text.is_empty() {
        let inner = text.strip_prefix('[')?;
        let end = inner.find(']')?;
        parts.push(inner.get(..end)?);
        text = inner.get(end + 1..)?;
    }
    Some(parts)
}

/// The method Kirby's router sees: `X-HTTP-Method-Override` wins when it
/// names a known method (any case); unknown methods become GET.
pub fn effective_method(method: &str, override_header: Option<&str>) -> String {
    let known = |m: &str| {
        METHODS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(m))
            .map(|k| k.to_string())
    };
    override_header
        .and_then(known)
        .or_else(|| known(method))
        .unwrap_or_else(|| "GET".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_is_marked() {
        assert!(matches!(
            Body::parse(Some("application/json"), b"{oops"),
            Body::Malformed
        ));
        assert!(matches!(Body::parse(None, b"a=1&b=2"), Body::Form(_)));
        assert!(matches!(Body::parse(None, b"[1]"), Body::Json(_)));
    }

    #[test]
    fn form_and_json_keys_are_case_insensitive() {
        let body = Body::parse(
            Some("application/x-www-form-urlencoded"),
            b"Email=a%40b.c&long=False",
        );
        assert_eq!(body.get("email"), Some(Value::String("a@b.c".into())));
        let body = Body::parse(None, br#"{"EMAIL":"x"}"#);
        assert_eq!(body.get("email"), Some(Value::String("x".into())));
    }

    #[test]
    fn method_override_accepts_known_methods_only() {
        assert_eq!(effective_method("POST", Some("patch")), "PATCH");
        assert_eq!(effective_method("POST", Some("FETCH")), "POST");
        assert_eq!(effective_method("BREW", None), "GET");
    }

    #[test]
    fn array_parameters_are_read_like_php() {
        let q = Query(parse_query(
            "select%5B%5D=id&SELECT[parent][]=slug&select[files]=compact",
        ));
        assert_eq!(
            q.param("select"),
            Some(Param::Array(vec![
                (vec![""], "id"),
                (vec!["parent", ""], "slug"),
                (vec!["files"], "compact"),
            ]))
        );
        let q = Query(parse_query("select[]=id&select=title"));
        assert_eq!(q.param("select"), Some(Param::Plain("title")));
        let q = Query(parse_query(
            "select=title&select[]=id&selection=x&select[x=y",
        ));
        assert_eq!(
            q.param("select"),
            Some(Param::Array(vec![(vec![""], "id")]))
        );
        assert_eq!(q.param("view"), None);
    }

    #[test]
    fn pretty_flag_follows_php_truthiness() {
        let q = Query(parse_query("pretty=false&x=0"));
        assert!(q.flag("pretty"));
        assert!(!q.flag("x"));
        assert!(!q.flag("missing"));
    }
}
