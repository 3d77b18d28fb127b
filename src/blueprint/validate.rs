//! Blueprint form validation: the errors Kirby's form reports for a model's
//! content (api.md §4.2 `Invalid form with errors`, the `errors` of a page).
//!
//! Kirby validates every field of a form against its props (`required`,
//! `minlength`, `pattern`, `min`, `options` …) and collects the failures as
//! `{"<name>": {"label": …, "message": {"<rule>": "<text>"}}}`. A field that
//! is empty only fails `required`; display-only fields, fields marked
//! `disabled` and fields whose `when` condition is not met are not checked.
//! Messages come from the Panel translations ([`crate::i18n`]). The rules of
//! each field type live in [`rules`], the text formats (e-mail, URL, dates)
//! in [`formats`]. Values arrive as Kirby stores them (text at the top
//! level, decoded YAML inside structure rows), so the same code checks a
//! submitted form and stored content.

mod formats;
mod rules;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

use super::fields::Field;
use super::model::ucfirst;
use super::values::{ValueContext, is_truthy, object_or_empty_list, text_of};
use crate::i18n::{Translations, fill};

/// What a validation needs besides the fields and the values.
pub struct Checker<'a> {
    pub translations: &'a Translations,
    /// The Panel language of messages and labels.
    pub language: &'a str,
    /// Resolves the references of `pages`, `files` and `users` fields;
    /// references to models that do not exist do not count.
    pub refs: &'a dyn ValueContext,
}

impl Checker<'_> {
    /// The errors of `fields` over `values` (lowercase field names → stored
    /// values), keyed by field name in form order; empty when all is well.
    pub fn form_errors(&self, fields: &[Field], values: &Map<String, Value>) -> Map<String, Value> {
        let mut errors = Map::new();
        for field in fields.iter().filter(|f| is_checked(f, fields, values)) {
            let messages = rules::check(self, field, values.get(&field.name));
            if !messages.is_empty() {
                errors.insert(
                    field.name.clone(),
                    json!({"label": self.label(field), "message": Value::Object(messages)}),
                );
            }
        }
        errors
    }

    /// A translated message with its `{placeholders}` filled in.
    fn message(&self, key: &str, data: &[(&str, String)]) -> String {
        let template = self
            .translations
            .message(self.language, key)
            .unwrap_or_else(|| key.to_string());
        fill(&template, data)
    }

    /// The field's label in the Panel language, else `ucfirst(name)`.
    fn label(&self, field: &Field) -> String {
        match field.props.get("label") {
            Some(Value::String(label)) => label.clone(),
            Some(Value::Object(labels)) => [self.language, "en"]
                .iter()
                .find_map(|code| labels.get(*code))
                .or_else(|| labels.values().next())
                .map(|label| text_of(Some(label)))
                .unwrap_or_default(),
            Some(Value::Number(number)) => number.to_string(),
            _ => ucfirst(&field.name),
        }
    }
}

/// Errors as the API shows them: an object, or `[]` when there are none.
pub fn errors_value(errors: Map<String, Value>) -> Value {
    object_or_empty_list(errors)
}

/// Stored text fields as validation values: lowercase keys, string values.
pub fn text_values<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Map<String, Value> {
    fields
        .into_iter()
        .map(|(key, value)| (key.to_lowercase(), Value::String(value.to_string())))
        .collect()
}

/// Display-only fields hold nothing to check; `disabled` fields keep their
/// stored value and are left alone, and so are fields `when` hides.
fn is_checked(field: &Field, form: &[Field], values: &Map<String, Value>) -> bool {
    !field.is_display_only() && !field.prop_flag("disabled") && when_met(field, form, values)
}

/// Every `when` condition holds: the named field of the same form has the
/// given value (a field missing from the form counts as `""`).
fn when_met(field: &Field, form: &[Field], values: &Map<String, Value>) -> bool {
    let Some(Value::Object(conditions)) = field.props.get("when") else {
        return true;
    };
    conditions.iter().all(|(name, expected)| {
        let name = name.to_lowercase();
        let Some(other) = form.iter().find(|f| f.name == name) else {
            return expected.as_str() == Some("");
        };
        condition_holds(other, values.get(&name), expected)
    })
}

fn condition_holds(other: &Field, raw: Option<&Value>, expected: &Value) -> bool {
    let text = text_of(raw);
    match expected {
        Value::Bool(wanted) => is_truthy(raw) == *wanted,
        Value::String(wanted) if other.kind == "toggle" => {
            is_truthy(raw) == is_truthy(Some(&json!(wanted)))
        }
        Value::String(wanted) => text.trim() == wanted,
        Value::Number(wanted) => formats::number(&text) == wanted.as_f64(),
        Value::Null => text.trim().is_empty(),
        _ => false,
    }
}
