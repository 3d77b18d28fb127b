//! Panel form values: the typed `content` object of api.md §5.1.
//!
//! Kirby does not show the stored text as it is: every field of the
//! blueprint's form comes first, in blueprint order and present even when
//! not stored, typed by its field type (tags become lists, toggles booleans,
//! files fields Panel items …). Fields that hold no value (`gap`, `info`,
//! unknown types) are skipped. The remaining stored keys follow in file
//! order as plain strings. The same rules apply inside structure rows and
//! block contents, which is why [`form`] takes JSON input.

use serde_json::{Map, Value, json};

use super::Blueprint;
use super::blocks;
use super::fields::Field;
use super::items::{self, FileFacts, ItemSettings, Owner, PageFacts, UserFacts};

/// Facts about the rest of the site that some values need.
pub trait ValueContext {
    /// The current local time as `YYYY-MM-DD HH:MM:SS`, for `default: now`.
    fn now(&self) -> String;
    /// The model whose content is being shown (decides how file items are named).
    fn model(&self) -> Owner;
    /// A file by `file://<uuid>`, by filename relative to the model, or by full id.
    fn file(&self, reference: &str) -> Option<FileFacts>;
    /// A page by `page://<uuid>` or page id.
    fn page(&self, reference: &str) -> Option<PageFacts>;
    /// A user by `user://<id>`, id or e-mail.
    fn user(&self, reference: &str) -> Option<UserFacts>;
}

/// The `content` object of a model: `stored` holds the content file's
/// fields (normalised lowercase keys, values) in file order.
pub fn form_values(bp: &Blueprint, stored: &[(String, String)], ctx: &dyn ValueContext) -> Value {
    let input: Map<String, Value> = stored
        .iter()
        .map(|(key, value)| (key.to_lowercase(), Value::String(value.clone())))
        .collect();
    form(&bp.fields, &input, ctx)
}

/// Form values of `fields` over `input`; an empty result is `[]`, as PHP prints it.
pub(crate) fn form(fields: &[Field], input: &Map<String, Value>, ctx: &dyn ValueContext) -> Value {
    let mut out = Map::new();
    for field in fields.iter().filter(|field| field.holds_value()) {
        out.insert(
            field.name.clone(),
            field_value(field, input.get(&field.name), ctx),
        );
    }
    for (key, value) in input {
        let key = key.to_lowercase();
        // Kirby's form only fills keys it has no (non-null) value for yet.
        if out.get(&key).is_none_or(Value::is_null) {
            out.insert(key, value.clone());
        }
    }
    object_or_empty_list(out)
}

pub(crate) fn object_or_empty_list(map: Map<String, Value>) -> Value {
    if map.is_empty() {
        Value::Array(Vec::new())
    } else {
        Value::Object(map)
    }
}

/// One field's value by type; `raw` is the stored value (a string at the top
/// level, any JSON inside blocks and structures).
fn field_value(field: &Field, raw: Option<&Value>, ctx: &dyn ValueContext) -> Value {
    match field.kind.as_str() {
        "blocks" => blocks::blocks_value(&field.fieldsets, raw, ctx),
        "layout" => blocks::layout_value(field, raw, ctx),
        "structure" => structure_value(field, raw, ctx),
        "object" => object_value(field, raw, ctx),
        "files" => references(raw)
            .iter()
            .filter_map(|r| file_item(field, r, ctx))
            .collect(),
        "pages" => references(raw)
            .iter()
            .filter_map(|r| page_item(field, r, ctx))
            .collect(),
        "users" => references(raw)
            .iter()
            .filter_map(|r| user_item(field, r, ctx))
            .collect(),
        "tags" | "multiselect" | "checkboxes" => list_value(field, raw),
        "toggle" => Value::Bool(is_truthy(raw)),
        "number" | "range" => number_value(raw),
        "date" => json!(date_value(raw, field.prop_flag("time"))),
        "time" => json!(time_value(raw)),
        "writer" => json!(writer_value(&text_of(raw))),
        "text" | "slug" => json!(convert(&text_of(raw), field.prop_str("converter"))),
        _ => json!(text_of(raw)),
    }
}

/// The stored value as text: strings as they are, numbers printed, `true` as `1`.
pub(crate) fn text_of(raw: Option<&Value>) -> String {
    match raw {
        None | Some(Value::Null) | Some(Value::Bool(false)) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Bool(true)) => "1".to_string(),
        Some(Value::Number(number)) => number.to_string(),
        Some(other) => other.to_string(),
    }
}

/// The writer field re-serialises its HTML; libxml writes U+00A0 as `&nbsp;`.
// FIXME: Kirby also sanitises the HTML (drops disallowed tags and attributes); not done here.
fn writer_value(text: &str) -> String {
    text.replace('\u{a0}', "&nbsp;")
}

// FIXME: the `slug` converter is not applied (it needs the slug rules from `crate::i18n`).
fn convert(text: &str, converter: Option<&str>) -> String {
    match converter {
        Some("upper") => text.to_uppercase(),
        Some("lower") => text.to_lowercase(),
        Some("ucfirst") => super::model::ucfirst(text),
        _ => text.to_string(),
    }
}

/// Comma-separated (or YAML/JSON list) values, trimmed, empty ones dropped.
// FIXME: `checkboxes`/`multiselect` limited to their options drop unknown values in Kirby.
pub(crate) fn list_value(field: &Field, raw: Option<&Value>) -> Value {
    let separator = field
        .prop_str("separator")
        .filter(|s| !s.is_empty())
        .unwrap_or(",");
    let items: Vec<String> = match raw {
        Some(Value::Array(items)) => items.iter().map(|item| text_of(Some(item))).collect(),
        other => text_of(other)
            .split(separator)
            .map(str::to_string)
            .collect(),
    };
    items
        .into_iter()
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

/// Kirby's toggle: `true`, `"true"`, `1`, `"1"` and `"on"` are on.
pub(crate) fn is_truthy(raw: Option<&Value>) -> bool {
    match raw {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Number(number)) => number.as_f64() == Some(1.0),
        Some(Value::String(text)) => matches!(text.trim(), "true" | "1" | "on"),
        _ => false,
    }
}

/// A number (decimal comma accepted), or `""` when empty or not a number.
fn number_value(raw: Option<&Value>) -> Value {
    if let Some(Value::Number(number)) = raw {
        return Value::Number(number.clone());
    }
    let text = text_of(raw).trim().replace(',', ".");
    let parsed = text
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64);
    parsed.map_or_else(|| json!(""), Value::Number)
}

/// `YYYY-MM-DD[ HH:MM[:SS]]` → `Y-m-d H:i:s` with `time: true`, else `Y-m-d`;
/// anything unparsable is `""`.
// FIXME: Kirby accepts every `strtotime` format and rounds to the field's `step`.
fn date_value(raw: Option<&Value>, with_time: bool) -> String {
    let text = text_of(raw);
    let Some((date, time)) = parse_datetime(text.trim()) else {
        return String::new();
    };
    if with_time {
        format!("{date} {time}")
    } else {
        date
    }
}

/// `HH:MM[:SS]` → `HH:MM:SS`, or `""`.
// FIXME: the time field's output format is not recorded; `H:i:s` is assumed.
fn time_value(raw: Option<&Value>) -> String {
    parse_time(text_of(raw).trim()).unwrap_or_default()
}

pub(crate) fn parse_datetime(text: &str) -> Option<(String, String)> {
    let date = text.get(..10)?;
    let bytes = date.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    let shaped = digits_at(0..4) && digits_at(5..7) && digits_at(8..10);
    if !shaped || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let (month, day) = (
        date.get(5..7)?.parse::<u32>().ok()?,
        date.get(8..10)?.parse::<u32>().ok()?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let rest = text.get(10..)?.trim_start_matches(['T', ' ']);
    let time = if rest.is_empty() {
        "00:00:00".to_string()
    } else {
        parse_time(rest)?
    };
    Some((date.to_string(), time))
}

pub(crate) fn parse_time(text: &str) -> Option<String> {
    let clock = text.split(['+', 'Z', 'z', '.']).next()?.trim();
    let parts: Vec<u32> = clock
        .split(':')
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<_>>()?;
    let (hour, minute, second) = match parts.as_slice() {
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    (hour < 24 && minute < 60 && second < 60).then(|| format!("{hour:02}:{minute:02}:{second:02}"))
}

/// Stored YAML (or JSON) decoded; a plain string that is no YAML stays a string.
pub(crate) fn decode(raw: Option<&Value>) -> Value {
    match raw {
        Some(Value::String(text)) if text.trim().is_empty() => Value::Null,
        Some(Value::String(text)) => serde_json::from_str(text).unwrap_or_else(|_| {
            serde_yaml::from_str::<serde_yaml::Value>(text)
                .map(super::load::yaml_to_json)
                .unwrap_or_else(|_| Value::String(text.clone()))
        }),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

/// Each row (a map) goes through the structure's own form.
fn structure_value(field: &Field, raw: Option<&Value>, ctx: &dyn ValueContext) -> Value {
    let Value::Array(rows) = decode(raw) else {
        return json!([]);
    };
    let rows = rows
        .iter()
        .filter_map(Value::as_object)
        .map(|row| form(&field.fields, &lowercase_keys(row), ctx));
    Value::Array(rows.collect())
}

// FIXME: the object field's shape when empty is not recorded; `""` is assumed.
fn object_value(field: &Field, raw: Option<&Value>, ctx: &dyn ValueContext) -> Value {
    match decode(raw) {
        Value::Object(map) => form(&field.fields, &lowercase_keys(&map), ctx),
        _ => json!(""),
    }
}

pub(crate) fn lowercase_keys(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(key, value)| (key.to_lowercase(), value.clone()))
        .collect()
}

/// The references a files/pages/users field stores: a YAML list (of strings
/// or of maps with `uuid`/`id`), or one bare reference.
pub(crate) fn references(raw: Option<&Value>) -> Vec<String> {
    let list = match decode(raw) {
        Value::Array(items) => items,
        Value::String(text) => vec![Value::String(text)],
        _ => Vec::new(),
    };
    list.iter().filter_map(reference_of).collect()
}

fn reference_of(item: &Value) -> Option<String> {
    match item {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Object(map) => map
            .get("uuid")
            .or_else(|| map.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

fn file_item(field: &Field, reference: &str, ctx: &dyn ValueContext) -> Option<Value> {
    let facts = ctx.file(reference)?;
    Some(items::file_item(
        &facts,
        &ctx.model(),
        &ItemSettings::for_field(field),
    ))
}

fn page_item(field: &Field, reference: &str, ctx: &dyn ValueContext) -> Option<Value> {
    Some(items::page_item(
        &ctx.page(reference)?,
        &ItemSettings::for_field(field),
    ))
}

fn user_item(field: &Field, reference: &str, ctx: &dyn ValueContext) -> Option<Value> {
    Some(items::user_item(
        &ctx.user(reference)?,
        &ItemSettings::for_field(field),
    ))
}

/// The strings Kirby stores for a new model's form fields: each field's
/// `default` (a date's `now` filled from the clock), else `""`. The caller
/// merges the submitted content over these before writing the new file.
pub fn default_values(bp: &Blueprint, ctx: &dyn ValueContext) -> Vec<(String, String)> {
    let fields = bp.fields.iter().filter(|field| field.holds_value());
    fields
        .map(|field| (field.name.clone(), default_string(field, ctx)))
        .collect()
}

fn default_string(field: &Field, ctx: &dyn ValueContext) -> String {
    let Some(default) = &field.default else {
        return String::new();
    };
    match (field.kind.as_str(), default) {
        ("date", Value::String(text)) if is_now(text) => {
            date_value(Some(&json!(ctx.now())), field.prop_flag("time"))
        }
        ("date", other) => date_value(Some(other), field.prop_flag("time")),
        ("time", Value::String(text)) if is_now(text) => {
            time_value(Some(&json!(ctx.now().get(11..).unwrap_or_default())))
        }
        ("tags" | "multiselect" | "checkboxes", Value::Array(items)) => items
            .iter()
            .map(|item| text_of(Some(item)))
            .collect::<Vec<_>>()
            .join(", "),
        ("blocks" | "layout", value @ Value::Array(_)) => value.to_string(),
        ("toggle", value) => if is_truthy(Some(value)) {
            "true"
        } else {
            "false"
        }
        .to_string(),
        (_, value @ (Value::Array(_) | Value::Object(_))) => serde_yaml::to_string(value)
            .map(|yaml| yaml.trim_end().to_string())
            .unwrap_or_default(),
        (_, value) => text_of(Some(value)),
    }
}

fn is_now(text: &str) -> bool {
    text.trim() == "now"
}

#[cfg(test)]
#[path = "values_tests.rs"]
pub(crate) mod tests;
