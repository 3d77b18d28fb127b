//! Reading a section's blueprint props with Kirby's defaults and lenient types.

use serde_json::{Map, Value};

use crate::blueprint::{translated_text, ucfirst};

pub struct Props<'a> {
    pub map: &'a Map<String, Value>,
    pub name: &'a str,
}

impl Props<'_> {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.map.get(key).and_then(Value::as_str)
    }

    /// A flag; `"true"` and non-zero numbers count as true, as PHP's bool cast does.
    pub fn flag(&self, key: &str, default: bool) -> bool {
        match self.map.get(key) {
            Some(Value::Bool(flag)) => *flag,
            Some(Value::String(text)) => text == "true" || text == "1",
            Some(Value::Number(number)) => number.as_f64().is_some_and(|n| n != 0.0),
            _ => default,
        }
    }

    /// A whole number (also written as a string), if set and usable.
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.map.get(key)? {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// A list prop that may also be written as one string.
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.map.get(key) {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A translatable text: a string, or language → string (`en` first).
    // FIXME: Kirby picks the caller's Panel language from a translation map; Folio picks `en`.
    pub fn translated(&self, key: &str) -> Option<String> {
        translated_text(self.map.get(key))
    }

    /// `label`, else the older `headline`, else the section name.
    // FIXME: `{{ … }}` queries in a headline are not evaluated.
    pub fn headline(&self) -> String {
        self.translated("label")
            .or_else(|| self.translated("headline"))
            .unwrap_or_else(|| ucfirst(self.name))
    }

    /// `list`, `cardlets`, `cards` or `table`; anything else is `list`.
    pub fn layout(&self) -> &str {
        match self.str("layout") {
            Some(layout @ ("list" | "cardlets" | "cards" | "table")) => layout,
            _ => "list",
        }
    }
}
