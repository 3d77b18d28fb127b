//! Form fields: turning a blueprint's `fields:` map into a list of [`Field`]s.
//!
//! Kirby accepts several short forms for a field: `tags: true` (type from the
//! name), `cover: fields/cover` (a field blueprint to extend), a map with
//! `extends:`, and `type: group` (its fields join the surrounding form). This
//! module resolves all of them, lowercases field names, and also resolves the
//! nested forms a value needs later: structure/object columns, layout settings
//! and block fieldsets.

use serde_json::{Map, Value};

use super::fieldsets;
use super::load::Library;

/// One field of a form, with every shortcut and `extends` resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Field name, lowercased (content keys are lowercase too).
    pub name: String,
    /// Field type (`text`, `blocks`, `files` …), taken from the name when unset.
    pub kind: String,
    /// Whether the field is stored per language (`translate`, default true).
    pub translate: bool,
    /// The blueprint `default`, if any.
    pub default: Option<Value>,
    /// All props as written, after `extends` (includes `type`, `label`, …).
    pub props: Value,
    /// Nested form: structure/object columns, or layout `settings`.
    pub fields: Vec<Field>,
    /// Block types a `blocks` or `layout` field accepts.
    pub fieldsets: Vec<Fieldset>,
}

/// A block type and its form.
#[derive(Debug, Clone, PartialEq)]
pub struct Fieldset {
    /// Block type as stored in the block's `type`.
    pub kind: String,
    pub fields: Vec<Field>,
}

/// Field types that never hold a value (Kirby's `save: false` fields).
const DISPLAY_ONLY_KINDS: [&str; 4] = ["gap", "headline", "info", "line"];

/// Field types Kirby 4 knows; a field of another type cannot hold a value.
const KNOWN_KINDS: [&str; 33] = [
    "blocks",
    "checkboxes",
    "color",
    "date",
    "email",
    "files",
    "gap",
    "headline",
    "hidden",
    "info",
    "layout",
    "line",
    "link",
    "list",
    "multiselect",
    "number",
    "object",
    "pages",
    "radio",
    "range",
    "select",
    "slug",
    "structure",
    "tags",
    "tel",
    "text",
    "textarea",
    "time",
    "toggle",
    "toggles",
    "url",
    "users",
    "writer",
];

impl Field {
    /// Whether the field contributes a value to the model's content.
    pub fn holds_value(&self) -> bool {
        KNOWN_KINDS.contains(&self.kind.as_str())
            && !DISPLAY_ONLY_KINDS.contains(&self.kind.as_str())
    }

    /// A field that only shows something in the Panel (`gap`, `info`, …);
    /// Kirby's form data holds it as `null`.
    pub fn is_display_only(&self) -> bool {
        DISPLAY_ONLY_KINDS.contains(&self.kind.as_str())
    }

    /// A prop as a string, if it is one.
    pub fn prop_str(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(Value::as_str)
    }

    /// A prop as a boolean; Kirby treats `"true"` and `1` as true as well.
    pub fn prop_flag(&self, key: &str) -> bool {
        match self.props.get(key) {
            Some(Value::Bool(flag)) => *flag,
            Some(Value::String(text)) => text == "true",
            Some(Value::Number(number)) => number.as_i64().is_some_and(|n| n != 0),
            _ => false,
        }
    }
}

/// Resolves fields against the blueprint library, collecting problems.
pub(crate) struct Normalizer<'a> {
    pub(crate) library: &'a Library,
    pub(crate) problems: Vec<String>,
    depth: usize,
}

/// Nesting depth (structures in blocks in structures …) at which we stop.
const MAX_NESTING: usize = 12;

impl<'a> Normalizer<'a> {
    pub(crate) fn new(library: &'a Library) -> Normalizer<'a> {
        Normalizer {
            library,
            problems: Vec::new(),
            depth: 0,
        }
    }

    /// A `fields:` map → fields in order; a later duplicate name replaces the
    /// earlier field in place, as Kirby's form does.
    pub(crate) fn fields(&mut self, value: Option<&Value>) -> Vec<Field> {
        let mut fields: Vec<Field> = Vec::new();
        let Some(Value::Object(map)) = value else {
            return fields;
        };
        if self.depth >= MAX_NESTING {
            self.problems
                .push("fields are nested too deeply".to_string());
            return fields;
        }
        self.depth += 1;
        for (name, raw) in map {
            for field in self.field_or_group(name, raw) {
                match fields.iter_mut().find(|known| known.name == field.name) {
                    Some(slot) => *slot = field,
                    None => fields.push(field),
                }
            }
        }
        self.depth -= 1;
        fields
    }

    /// One entry of a `fields:` map; a group yields its own fields, each
    /// under the group's `when` (its own `when` keys win), as in Kirby.
    fn field_or_group(&mut self, name: &str, raw: &Value) -> Vec<Field> {
        let Some(props) = self.field_props(name, raw) else {
            return Vec::new();
        };
        if props.get("type").and_then(Value::as_str) != Some("group") {
            return vec![self.field(name, props)];
        }
        let mut fields = self.fields(props.get("fields"));
        if let Some(when) = props.get("when").filter(|w| w.is_object()) {
            for field in &mut fields {
                let merged = match field.props.get("when") {
                    Some(own @ Value::Object(_)) => super::load::merge(when.clone(), own.clone()),
                    _ => when.clone(),
                };
                if let Value::Object(map) = &mut field.props {
                    map.insert("when".to_string(), merged);
                }
            }
        }
        fields
    }

    /// Expands the short forms into a props map with a `type`.
    fn field_props(&mut self, name: &str, raw: &Value) -> Option<Value> {
        let props = match raw {
            Value::Bool(false) => return None,
            Value::Bool(true) | Value::Null => Value::Object(Map::new()),
            Value::String(_) | Value::Object(_) => {
                self.library.extend(raw.clone(), &mut self.problems)
            }
            _ => return None,
        };
        let Value::Object(mut map) = props else {
            return None;
        };
        if !map.get("type").is_some_and(Value::is_string) {
            map.insert("type".to_string(), Value::String(name.to_lowercase()));
        }
        Some(Value::Object(map))
    }

    fn field(&mut self, name: &str, props: Value) -> Field {
        let kind = props
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        let nested = match kind.as_str() {
            "structure" | "object" => self.fields(props.get("fields")),
            "layout" => self.settings_fields(props.get("settings")),
            _ => Vec::new(),
        };
        let fieldsets = match kind.as_str() {
            "blocks" | "layout" => self.fieldsets(props.get("fieldsets")),
            _ => Vec::new(),
        };
        Field {
            name: name.to_lowercase(),
            translate: props.get("translate") != Some(&Value::Bool(false)),
            default: props.get("default").cloned(),
            kind,
            props,
            fields: nested,
            fieldsets,
        }
    }

    /// Layout `settings`: a fieldset-like map with `fields` or `tabs`.
    fn settings_fields(&mut self, value: Option<&Value>) -> Vec<Field> {
        let Some(value) = value else {
            return Vec::new();
        };
        let props = self.library.extend(value.clone(), &mut self.problems);
        self.form_of(&props)
    }

    /// The fields of a fieldset-like props map: `fields`, or all tabs' `fields`.
    pub(crate) fn form_of(&mut self, props: &Value) -> Vec<Field> {
        if let Some(Value::Object(tabs)) = props.get("tabs") {
            let mut fields = Vec::new();
            for tab in tabs.values() {
                let tab = self.library.extend(tab.clone(), &mut self.problems);
                fields.extend(self.fields(tab.get("fields")));
            }
            return fields;
        }
        self.fields(props.get("fields"))
    }

    /// A `fieldsets` value → block types; absent means Kirby's default set.
    fn fieldsets(&mut self, value: Option<&Value>) -> Vec<Fieldset> {
        let mut sets = Vec::new();
        match value {
            None | Some(Value::Null) => {
                for kind in fieldsets::DEFAULT_TYPES {
                    sets.extend(self.named_fieldset(kind, &Value::Bool(true)));
                }
            }
            Some(Value::Array(items)) => {
                for item in items {
                    if let Some(kind) = item.as_str() {
                        sets.extend(self.named_fieldset(kind, &Value::Bool(true)));
                    }
                }
            }
            Some(Value::Object(map)) => {
                for (kind, raw) in map {
                    sets.extend(self.named_fieldset(kind, raw));
                }
            }
            Some(_) => {}
        }
        sets
    }

    /// One entry of `fieldsets`: `true`, a `blocks/x` reference, a map, or a group.
    fn named_fieldset(&mut self, kind: &str, raw: &Value) -> Vec<Fieldset> {
        let props = match raw {
            Value::Bool(false) => return Vec::new(),
            Value::Bool(true) | Value::Null => self.block_blueprint(kind),
            Value::String(target) => self.block_blueprint(target.trim_start_matches("blocks/")),
            Value::Object(_) => self.library.extend(raw.clone(), &mut self.problems),
            _ => return Vec::new(),
        };
        if props.get("type").and_then(Value::as_str) == Some("group") {
            return self.fieldsets(props.get("fieldsets"));
        }
        let kind = props
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(kind)
            .to_string();
        vec![Fieldset {
            kind,
            fields: self.form_of(&props),
        }]
    }

    /// A block type's blueprint: the site's `blocks/<type>` first, then Kirby's own.
    fn block_blueprint(&mut self, kind: &str) -> Value {
        let name = format!("blocks/{kind}");
        if self.library.get(&name).is_some() {
            return self.library.extend(Value::String(name), &mut self.problems);
        }
        fieldsets::core(kind).unwrap_or_else(|| Value::Object(Map::new()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn normalize(fields: Value, sources: &[(&str, &str)]) -> Vec<Field> {
        let (library, errors) = Library::from_sources(sources);
        assert!(errors.is_empty(), "{errors:?}");
        Normalizer::new(&library).fields(Some(&fields))
    }

    fn names_and_kinds(fields: &[Field]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|f| (f.name.clone(), f.kind.clone()))
            .collect()
    }

    #[test]
    fn shortcuts_resolve_to_typed_fields() {
        let fields = normalize(
            json!({"Cover": "fields/cover", "tags": true, "gap": {"width": "1/2"},
                "date": {"type": "date", "default": "now", "translate": false}}),
            &[("fields/cover", "type: files\nmultiple: false\n")],
        );
        let expected = [
            ("cover", "files"),
            ("tags", "tags"),
            ("gap", "gap"),
            ("date", "date"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, k)| (n.to_string(), k.to_string()))
            .collect();
        assert_eq!(names_and_kinds(&fields), expected);
        assert_eq!(fields[0].props.get("multiple"), Some(&json!(false)));
        assert!(fields[0].translate);
        assert!(!fields[3].translate);
        assert_eq!(fields[3].default, Some(json!("now")));
        assert!(!fields[2].holds_value());
        assert!(fields[1].holds_value());
    }

    #[test]
    fn groups_flatten_and_duplicates_replace_in_place() {
        let fields = normalize(
            json!({"a": {"type": "text"}, "g": {"type": "group", "fields": {"b": true, "a": {"type": "textarea"}}},
                "c": false}),
            &[],
        );
        let expected = vec![
            ("a".to_string(), "textarea".to_string()),
            ("b".into(), "b".into()),
        ];
        assert_eq!(names_and_kinds(&fields), expected);
    }

    #[test]
    fn structure_columns_and_block_fieldsets_are_resolved() {
        let fields = normalize(
            json!({"social": {"type": "structure", "fields": {"platform": {"type": "text"}, "url": true}},
                "text": {"type": "blocks", "fieldsets": ["heading", "custom"]}}),
            &[(
                "blocks/custom",
                "name: Custom\nfields:\n  flag:\n    type: toggle\n",
            )],
        );
        assert_eq!(fields[0].fields.len(), 2);
        let kinds: Vec<&str> = fields[1]
            .fieldsets
            .iter()
            .map(|f| f.kind.as_str())
            .collect();
        assert_eq!(kinds, ["heading", "custom"]);
        assert_eq!(fields[1].fieldsets[1].fields[0].kind, "toggle");
        assert_eq!(fields[1].fieldsets[0].fields[0].name, "level");
    }

    #[test]
    fn blocks_without_fieldsets_get_kirbys_defaults() {
        let fields = normalize(json!({"text": {"type": "blocks"}}), &[]);
        let kinds: Vec<&str> = fields[0]
            .fieldsets
            .iter()
            .map(|f| f.kind.as_str())
            .collect();
        assert!(kinds.contains(&"image") && kinds.contains(&"text") && kinds.contains(&"quote"));
    }

    #[test]
    fn unknown_types_hold_no_value() {
        let fields = normalize(json!({"x": {"type": "fancy-plugin-field"}}), &[]);
        assert!(!fields[0].holds_value());
    }
}
