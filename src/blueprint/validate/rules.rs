//! The rules of each field type, in Kirby's order, and the messages they
//! give (`error.validation.*`).
//!
//! First the value is read the way its field type reads it (a list of tags,
//! structure rows, the references that exist …). An empty value fails only
//! `required`, which `min` implies for fields that count entries; a
//! non-empty one goes through its type's rules. A required `toggle` must be
//! on.

use serde_json::{Map, Value, json};

use super::super::fields::Field;
use super::super::values::{decode, is_truthy, list_value, lowercase_keys, references, text_of};
use super::{Checker, formats};

/// Field types whose `min` makes them required (Kirby's `min` mixin).
const COUNTED_KINDS: [&str; 9] = [
    "blocks",
    "checkboxes",
    "files",
    "layout",
    "multiselect",
    "pages",
    "structure",
    "tags",
    "users",
];

/// A value read the way its field type reads it.
enum Shaped {
    Text(String),
    Items(Vec<String>),
    Rows(Vec<Map<String, Value>>),
    /// Entries that are only counted (existing references, blocks, keys).
    Count(usize),
}

impl Shaped {
    fn is_empty(&self) -> bool {
        match self {
            Shaped::Text(text) => text.trim().is_empty(),
            Shaped::Items(items) => items.is_empty(),
            Shaped::Rows(rows) => rows.is_empty(),
            Shaped::Count(count) => *count == 0,
        }
    }

    fn count(&self) -> usize {
        match self {
            Shaped::Text(text) => usize::from(!text.trim().is_empty()),
            Shaped::Items(items) => items.len(),
            Shaped::Rows(rows) => rows.len(),
            Shaped::Count(count) => *count,
        }
    }
}

/// The failed rules of one field: rule name → message.
pub(super) fn check(c: &Checker, field: &Field, raw: Option<&Value>) -> Map<String, Value> {
    let mut errors = Map::new();
    if field.kind == "toggle" {
        if field.prop_flag("required") && !is_truthy(raw) {
            errors.insert("required".into(), json!(c.message("field.required", &[])));
        }
        return errors;
    }
    let value = shape(c, field, raw);
    if value.is_empty() {
        if is_required(field) {
            let message = c.message("error.validation.required", &[]);
            errors.insert("required".into(), json!(message));
        }
        return errors;
    }
    let mut rules = Rules {
        c,
        field,
        errors: &mut errors,
    };
    rules.by_kind(&value);
    errors
}

fn shape(c: &Checker, field: &Field, raw: Option<&Value>) -> Shaped {
    let existing = |exists: &dyn Fn(&str) -> bool| {
        Shaped::Count(references(raw).iter().filter(|r| exists(r)).count())
    };
    match field.kind.as_str() {
        "tags" | "multiselect" | "checkboxes" => Shaped::Items(
            list_value(field, raw)
                .as_array()
                .map(|items| items.iter().map(|item| text_of(Some(item))).collect())
                .unwrap_or_default(),
        ),
        "structure" => match decode(raw) {
            Value::Array(rows) => Shaped::Rows(
                rows.iter()
                    .filter_map(Value::as_object)
                    .map(lowercase_keys)
                    .collect(),
            ),
            _ => Shaped::Rows(Vec::new()),
        },
        "blocks" | "layout" => match decode(raw) {
            Value::Array(items) => Shaped::Count(items.len()),
            _ => Shaped::Count(0),
        },
        "object" => match decode(raw) {
            Value::Object(map) => Shaped::Count(map.len()),
            _ => Shaped::Count(0),
        },
        "pages" => existing(&|r| c.refs.page(r).is_some()),
        "files" => existing(&|r| c.refs.file(r).is_some()),
        "users" => existing(&|r| c.refs.user(r).is_some()),
        _ => Shaped::Text(text_of(raw)),
    }
}

fn is_required(field: &Field) -> bool {
    field.prop_flag("required")
        || (COUNTED_KINDS.contains(&field.kind.as_str())
            && limit(field, "min").is_some_and(|(min, _)| min > 0.0))
}

/// A numeric prop and its text for messages, as written in the blueprint.
fn limit(field: &Field, key: &str) -> Option<(f64, String)> {
    match field.props.get(key)? {
        Value::Number(number) => Some((number.as_f64()?, number.to_string())),
        Value::String(text) => formats::number(text).map(|n| (n, text.trim().to_string())),
        _ => None,
    }
}

struct Rules<'a, 'c> {
    c: &'a Checker<'c>,
    field: &'a Field,
    errors: &'a mut Map<String, Value>,
}

impl Rules<'_, '_> {
    fn fail(&mut self, rule: &str, key: &str, data: &[(&str, String)]) {
        let message = self.c.message(key, data);
        self.errors.insert(rule.to_string(), json!(message));
    }

    fn by_kind(&mut self, value: &Shaped) {
        let text = match value {
            Shaped::Text(text) => text.as_str(),
            _ => "",
        };
        match self.field.kind.as_str() {
            "text" | "slug" | "tel" => {
                self.lengths(text);
                self.pattern(text);
            }
            "textarea" => self.lengths(text),
            "email" => {
                self.lengths(text);
                self.format(text, "email", formats::is_email);
            }
            "url" => {
                self.lengths(text);
                self.format(text, "url", formats::is_url);
            }
            "writer" | "list" => self.lengths(&formats::strip_tags(text)),
            "number" | "range" => self.number(text),
            "tags" | "multiselect" => self.counts(value.count()),
            "checkboxes" => {
                self.options(value);
                self.counts(value.count());
            }
            "structure" => {
                self.counts(value.count());
                self.rows(value);
            }
            "pages" | "files" | "users" => self.counts(value.count()),
            "blocks" => self.blocks(value.count()),
            "select" | "radio" | "toggles" => self.options(value),
            "date" => self.date(text),
            "time" => self.time(text),
            // FIXME: the fields inside blocks, layouts and objects are not validated.
            _ => {}
        }
    }

    /// `minlength`/`maxlength` in characters of the trimmed text.
    fn lengths(&mut self, text: &str) {
        let length = text.trim().chars().count() as f64;
        if let Some((min, shown)) = limit(self.field, "minlength")
            && length < min
        {
            self.fail("minlength", "error.validation.minlength", &[("min", shown)]);
        }
        if let Some((max, shown)) = limit(self.field, "maxlength")
            && length > max
        {
            self.fail("maxlength", "error.validation.maxlength", &[("max", shown)]);
        }
    }

    fn pattern(&mut self, text: &str) {
        let Some(pattern) = self.field.prop_str("pattern").filter(|p| !p.is_empty()) else {
            return;
        };
        if formats::matches_pattern(pattern, text) == Some(false) {
            self.fail("pattern", "error.validation.match", &[]);
        }
    }

    fn format(&mut self, text: &str, rule: &str, valid: fn(&str) -> bool) {
        if !valid(text.trim()) {
            self.fail(rule, &format!("error.validation.{rule}"), &[]);
        }
    }

    /// A number within `min` and `max`; text that is no number fails `num`.
    fn number(&mut self, text: &str) {
        let Some(number) = formats::number(text) else {
            self.fail("num", "error.validation.num", &[]);
            return;
        };
        self.min_max(number);
    }

    fn min_max(&mut self, size: f64) {
        if let Some((min, shown)) = limit(self.field, "min")
            && size < min
        {
            self.fail("min", "error.validation.min", &[("min", shown)]);
        }
        if let Some((max, shown)) = limit(self.field, "max")
            && size > max
        {
            self.fail("max", "error.validation.max", &[("max", shown)]);
        }
    }

    /// `min`/`max` number of entries.
    fn counts(&mut self, count: usize) {
        self.min_max(count as f64);
    }

    /// `min`/`max` blocks, with the blocks field's own messages.
    fn blocks(&mut self, count: usize) {
        let form = |limit: f64| if limit == 1.0 { "singular" } else { "plural" };
        if let Some((min, shown)) = limit(self.field, "min")
            && (count as f64) < min
        {
            let key = format!("error.blocks.min.{}", form(min));
            self.fail("blocks", &key, &[("min", shown)]);
        } else if let Some((max, shown)) = limit(self.field, "max")
            && (count as f64) > max
        {
            let key = format!("error.blocks.max.{}", form(max));
            self.fail("blocks", &key, &[("max", shown)]);
        }
    }

    /// The value (or every entry) is one of the field's static `options`.
    fn options(&mut self, value: &Shaped) {
        let Some(allowed) = static_options(self.field) else {
            return;
        };
        let (rule, valid) = match value {
            Shaped::Text(text) => ("option", allowed.iter().any(|o| o == text.trim())),
            Shaped::Items(items) => ("options", items.iter().all(|i| allowed.contains(i))),
            _ => return,
        };
        if !valid {
            self.fail(rule, "error.validation.option", &[]);
        }
    }

    /// Each structure row goes through the structure's own form; the first
    /// row with an error names the field and the row.
    fn rows(&mut self, value: &Shaped) {
        let Shaped::Rows(rows) = value else {
            return;
        };
        for (index, row) in rows.iter().enumerate() {
            let errors = self.c.form_errors(&self.field.fields, row);
            let label = errors.values().next().and_then(|e| e.get("label"));
            if let Some(label) = label {
                let data = [
                    ("field", text_of(Some(label))),
                    ("index", (index + 1).to_string()),
                ];
                self.fail("structure", "error.structure.validation", &data);
                return;
            }
        }
    }

    /// A date, between the field's `min` and `max` dates.
    // FIXME: relative dates (`today`, `+1 week`) as `min`/`max` are not understood.
    fn date(&mut self, text: &str) {
        let Some(value) = formats::datetime(text) else {
            self.fail("date", "error.validation.date", &[]);
            return;
        };
        let with_time = self.field.prop_flag("time");
        let bound = |key: &str| formats::datetime(&text_of(self.field.props.get(key)));
        let show = |date: &str| formats::show_date(date, with_time);
        let (min, max) = (bound("min"), bound("max"));
        self.range(&value, min.as_deref(), max.as_deref(), "date", &show);
    }

    fn time(&mut self, text: &str) {
        let Some(value) = formats::time(text) else {
            self.fail("time", "error.validation.time", &[]);
            return;
        };
        let bound = |key: &str| formats::time(&text_of(self.field.props.get(key)));
        let (min, max) = (bound("min"), bound("max"));
        self.range(
            &value,
            min.as_deref(),
            max.as_deref(),
            "time",
            &formats::show_time,
        );
    }

    /// Kirby's `minMax` rule of dates and times; `unit` is `date` or `time`.
    fn range(
        &mut self,
        value: &str,
        min: Option<&str>,
        max: Option<&str>,
        unit: &str,
        show: &dyn Fn(&str) -> String,
    ) {
        let below = min.is_some_and(|min| value < min);
        let above = max.is_some_and(|max| value > max);
        match (min, max) {
            (Some(min), Some(max)) if below || above => {
                let key = format!("error.validation.{unit}.between");
                self.fail("minMax", &key, &[("min", show(min)), ("max", show(max))]);
            }
            (Some(min), _) if below => {
                let key = format!("error.validation.{unit}.after");
                self.fail("minMax", &key, &[(unit, show(min))]);
            }
            (_, Some(max)) if above => {
                let key = format!("error.validation.{unit}.before");
                self.fail("minMax", &key, &[(unit, show(max))]);
            }
            _ => {}
        }
    }
}

/// The values of a field's static `options` (a list of values, of
/// `{value, text}` maps, or a map of value → text); `None` when the options
/// come from a query or an API, which are not checked.
fn static_options(field: &Field) -> Option<Vec<String>> {
    match field.props.get("options")? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|item| match item {
                    Value::Object(map) => map.get("value").map(|v| text_of(Some(v))),
                    Value::Null => None,
                    other => Some(text_of(Some(other))),
                })
                .collect(),
        ),
        Value::Object(map)
            if ["type", "query", "api", "fetch"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
        {
            None
        }
        Value::Object(map) => Some(map.keys().cloned().collect()),
        _ => None,
    }
}
