//! What models render into: a JSON tree whose objects are plain lists of
//! key/value pairs.
//!
//! A `serde_json::Value` object is an `IndexMap` that hashes every key it
//! takes. Listings build one small object per item, and building and
//! hashing those maps was the largest single cost of a children listing in
//! the profile (issue 4). Model objects are only ever written out in order,
//! never looked up by key, so they need no map: [`Json::Object`] keeps its
//! pairs in a `Vec`, with keys borrowed from the static views where possible.
//! Everything else (strings, numbers, content maps built with `json!`)
//! travels inside as a [`Value`]; code that wants to edit an answer turns
//! it into a `Value` with [`Json::into_value`].

use std::borrow::Cow;

use serde_json::{Map, Value};

/// A key of a rendered object: a view's static name, or a name the request
/// asked for.
pub type Name = Cow<'static, str>;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// Anything built as a `serde_json` value.
    Value(Value),
    /// An object, its keys in output order.
    Object(Vec<(Name, Json)>),
    /// An array of rendered items.
    Array(Vec<Json>),
}

impl Json {
    /// An object with `fields` sorted by key, as Kirby sorts model data.
    /// A key given twice (`select=title,title`) is kept once, with its
    /// last value, as a PHP array (and a `serde_json` map) keeps it.
    pub fn sorted_object(mut fields: Vec<(Name, Json)>) -> Json {
        // Views list their fields in order already, so this is usually a
        // single pass of comparisons.
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        // The sort is stable, so repeats sit together in the order given.
        fields.dedup_by(|later, kept| {
            let repeat = later.0 == kept.0;
            if repeat {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            repeat
        });
        Json::Object(fields)
    }

    /// The same tree as a `serde_json` value, for code that edits an answer.
    pub fn into_value(self) -> Value {
        match self {
            Json::Value(value) => value,
            Json::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .map(|(key, value)| (key.into_owned(), value.into_value()))
                    .collect::<Map<String, Value>>(),
            ),
            Json::Array(items) => Value::Array(items.into_iter().map(Json::into_value).collect()),
        }
    }

    /// Whether this is an object (of either kind) without keys.
    pub fn is_empty_object(&self) -> bool {
        match self {
            Json::Object(fields) => fields.is_empty(),
            Json::Value(Value::Object(map)) => map.is_empty(),
            _ => false,
        }
    }
}

impl From<Value> for Json {
    fn from(value: Value) -> Self {
        Json::Value(value)
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Json::Value(Value::String(text))
    }
}

impl From<bool> for Json {
    fn from(flag: bool) -> Self {
        Json::Value(Value::Bool(flag))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sorted_objects_turn_into_values_with_the_same_order() {
        let tree = Json::sorted_object(vec![
            ("title".into(), Json::from("A".to_owned())),
            ("id".into(), Json::Array(vec![json!(1).into()])),
        ]);
        let value = tree.into_value();
        assert_eq!(value, json!({"id": [1], "title": "A"}));
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "title"]);
    }

    #[test]
    fn repeated_keys_are_kept_once_with_the_last_value() {
        let tree = Json::sorted_object(vec![
            ("title".into(), Json::from("first".to_owned())),
            ("id".into(), Json::from("x".to_owned())),
            ("title".into(), Json::from("last".to_owned())),
        ]);
        let Json::Object(fields) = &tree else {
            panic!("an object: {tree:?}");
        };
        let keys: Vec<&str> = fields.iter().map(|(key, _)| key.as_ref()).collect();
        assert_eq!(keys, ["id", "title"]);
        assert_eq!(tree.into_value(), json!({"id": "x", "title": "last"}));
    }

    #[test]
    fn empty_objects_are_recognised_in_both_forms() {
        assert!(Json::Object(Vec::new()).is_empty_object());
        assert!(Json::from(json!({})).is_empty_object());
        assert!(!Json::from(json!([])).is_empty_object());
    }
}
