//! Turning the JSON a client sends for a user into the strings Kirby stores.
//!
//! The content file holds strings only. Kirby's form turns each submitted
//! value into its stored form by the field's type (tags joined by commas,
//! blocks as JSON, toggles as `true`/`false`); values of keys that are not
//! fields are stored as plain text or YAML. A `null` removes the key, as
//! Kirby's writer skips null values.

use serde_json::{Map, Value};

use crate::blueprint::{Blueprint, FileFacts, Owner, PageFacts, UserFacts, ValueContext};
use crate::format::php::php_float_to_string;
use crate::format::txt::Fields;

/// A body value that cannot be a single text: an array or an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText;

/// A single text value from the body: strings as they are, numbers in PHP's
/// notation, booleans as PHP prints them. `Ok(None)` for a missing or null
/// value; `Err` for arrays and objects, which no text field accepts.
pub fn scalar(value: Option<Value>) -> Result<Option<String>, NotText> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(number)) => Ok(Some(number_text(&number))),
        Some(Value::Bool(flag)) => Ok(Some(if flag { "1".into() } else { String::new() })),
        Some(Value::Array(_) | Value::Object(_)) => Err(NotText),
    }
}

fn number_text(number: &serde_json::Number) -> String {
    match (number.as_i64(), number.as_f64()) {
        (Some(int), _) => int.to_string(),
        (None, Some(float)) => php_float_to_string(float),
        (None, None) => number.to_string(),
    }
}

/// Merges `input` into `fields`: known keys keep their place, new keys are
/// appended, `null` removes a key.
pub fn apply_input(fields: &mut Fields, blueprint: &Blueprint, input: &Map<String, Value>) {
    for (key, value) in input {
        let kind = blueprint.field(key).map(|f| f.kind.as_str());
        match stored_value(kind, value) {
            Some(text) => fields.set(key, text),
            None => fields.remove(key),
        }
    }
}

/// The string Kirby stores for `value` in a field of type `kind` (`None`
/// when the key is not a field of the form).
pub fn stored_value(kind: Option<&str>, value: &Value) -> Option<String> {
    match (kind, value) {
        (_, Value::Null) => None,
        (Some("toggle"), value) => Some(if truthy(value) { "true" } else { "false" }.into()),
        (Some("tags" | "multiselect" | "checkboxes"), Value::Array(items)) => {
            let texts: Vec<String> = items
                .iter()
                .filter_map(|item| scalar(Some(item.clone())).ok().flatten())
                .collect();
            Some(texts.join(", "))
        }
        (Some("blocks" | "layout"), value @ (Value::Array(_) | Value::Object(_))) => {
            Some(crate::api::json::encode(value, false))
        }
        // FIXME: Kirby writes structures and other nested values with its own
        // YAML encoder; serde_yaml's layout differs in details (quoting).
        (_, value @ (Value::Array(_) | Value::Object(_))) => Some(
            serde_yaml::to_string(value)
                .map(|yaml| yaml.trim_end().to_owned())
                .unwrap_or_default(),
        ),
        (_, scalar_value) => scalar(Some(scalar_value.clone())).ok().flatten(),
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::String(text) => matches!(text.as_str(), "true" | "1" | "on" | "yes"),
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        _ => false,
    }
}

/// The value context for a new account's default field values: only the
/// clock matters there (`default: now`); there are no references to resolve.
pub struct DefaultsOnly {
    pub now: i64,
}

impl ValueContext for DefaultsOnly {
    fn now(&self) -> String {
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        time::OffsetDateTime::from_unix_timestamp(self.now)
            .ok()
            .and_then(|t| t.format(&format).ok())
            .unwrap_or_default()
    }

    fn model(&self) -> Owner {
        Owner::User(String::new())
    }

    fn file(&self, _reference: &str) -> Option<FileFacts> {
        None
    }

    fn page(&self, _reference: &str) -> Option<PageFacts> {
        None
    }

    fn user(&self, _reference: &str) -> Option<UserFacts> {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scalars_become_php_text() {
        assert_eq!(scalar(Some(json!("a"))), Ok(Some("a".into())));
        assert_eq!(scalar(Some(json!(12))), Ok(Some("12".into())));
        assert_eq!(scalar(Some(json!(1.5))), Ok(Some("1.5".into())));
        assert_eq!(scalar(Some(json!(true))), Ok(Some("1".into())));
        assert_eq!(scalar(Some(json!(false))), Ok(Some(String::new())));
        assert_eq!(scalar(Some(Value::Null)), Ok(None));
        assert_eq!(scalar(None), Ok(None));
        assert!(scalar(Some(json!(["a"]))).is_err());
        assert!(scalar(Some(json!({"a": 1}))).is_err());
    }

    #[test]
    fn field_types_decide_the_stored_form() {
        assert_eq!(
            stored_value(Some("tags"), &json!(["a", "b"])).as_deref(),
            Some("a, b")
        );
        assert_eq!(
            stored_value(Some("toggle"), &json!(true)).as_deref(),
            Some("true")
        );
        assert_eq!(
            stored_value(Some("toggle"), &json!(false)).as_deref(),
            Some("false")
        );
        assert_eq!(
            stored_value(Some("blocks"), &json!([{"type": "text"}])).as_deref(),
            Some(r#"[{"type":"text"}]"#)
        );
        assert_eq!(
            stored_value(None, &json!(["a", "b"])).as_deref(),
            Some("- a\n- b")
        );
        assert_eq!(stored_value(Some("text"), &Value::Null), None);
    }

    #[test]
    fn input_merges_in_place_and_null_removes() {
        let mut fields = crate::format::txt::parse("Bio: old\n\n----\n\nCity: Rome");
        let dir = tempfile::tempdir().unwrap();
        let (blueprints, _) = crate::blueprint::Blueprints::load(dir.path());
        let blueprint = blueprints.user("nobody");
        let input = json!({"City": "Oslo", "bio": null, "Zip": 123});
        apply_input(&mut fields, blueprint, input.as_object().unwrap());
        assert_eq!(fields.to_text(), "City: Oslo\n\n----\n\nZip: 123");
    }
}
