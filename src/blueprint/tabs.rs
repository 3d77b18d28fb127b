//! The normalised layout tree a blueprint answers as `tabs`
//! (`GET …/blueprint`): tabs → columns → sections → fields.
//!
//! Kirby rewrites every shortcut into the full tree before it answers: plain
//! `fields` become a `<tab>-fields` section, plain `sections` one full-width
//! column, plain `columns` a `main` tab. Empty columns and fields sections
//! get Kirby's "getting started" info entries, unknown section types become
//! info sections, and every field gets `label`, `name`, `type` and `width`.
//! The tree is built once at load time (it needs the blueprint library for
//! references); only the per-model tab `link` is left for the API to fill in.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::load::{Library, merge};
use super::model::ucfirst;

/// Section types Kirby 4 ships.
const SECTION_TYPES: [&str; 5] = ["fields", "files", "info", "pages", "stats"];

/// The tree of a blueprint without props (Kirby's built-in fallbacks).
pub(crate) fn empty() -> Value {
    json!([{"columns": [], "icon": null, "label": "Main", "link": null, "name": "main"}])
}

/// Builds the tab list from a blueprint's props (top-level `extends` applied).
pub(crate) fn normalize(library: &Library, props: &Value) -> Value {
    let mut builder = Builder {
        library,
        problems: Vec::new(),
        seen_fields: HashSet::new(),
    };
    let mut top = props.as_object().cloned().unwrap_or_default();
    fields_to_sections("main", &mut top);
    sections_to_columns(&mut top);
    if let Some(columns) = top.shift_remove("columns") {
        top.insert("tabs".into(), json!({"main": {"columns": columns}}));
    }
    let mut tabs = match top.get("tabs") {
        Some(Value::Object(tabs)) if !tabs.is_empty() => tabs.clone(),
        _ => Map::new(),
    };
    if tabs.is_empty() {
        tabs.insert("main".into(), json!({"columns": []}));
    }
    let list: Vec<Value> = tabs
        .iter()
        .filter_map(|(name, raw)| builder.tab(name, raw))
        .collect();
    Value::Array(list)
}

/// Replaces the value of `key` in place, or appends it, as PHP's `array_merge` does.
fn set(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.insert(key.to_string(), value);
}

/// `fields:` becomes one fields section named `<prefix>-fields`.
fn fields_to_sections(prefix: &str, props: &mut Map<String, Value>) {
    if let Some(fields) = props.shift_remove("fields") {
        let section = json!({"type": "fields", "fields": fields});
        let mut sections = Map::new();
        sections.insert(format!("{prefix}-fields"), section);
        props.insert("sections".into(), Value::Object(sections));
    }
}

/// `sections:` become one full-width column (replacing any `columns`).
fn sections_to_columns(props: &mut Map<String, Value>) {
    if let Some(sections) = props.shift_remove("sections") {
        props.insert(
            "columns".into(),
            json!([{"width": "1/1", "sections": sections}]),
        );
    }
}

/// A translatable label: a string, or a map of language → string (`en` first).
fn translated(value: Option<&Value>) -> Option<Value> {
    match value? {
        Value::Object(map) => map.get("en").or_else(|| map.values().next()).cloned(),
        Value::Null => None,
        other => Some(other.clone()),
    }
}

struct Builder<'a> {
    library: &'a Library,
    /// Reference problems; they were already reported when the blueprint loaded.
    problems: Vec<String>,
    /// Field names already used by an earlier fields section of the blueprint.
    seen_fields: HashSet<String>,
}

impl Builder<'_> {
    fn tab(&mut self, name: &str, raw: &Value) -> Option<Value> {
        if raw == &Value::Bool(false) {
            return None;
        }
        let extended = self.library.extend(raw.clone(), &mut self.problems);
        let mut props = extended.as_object().cloned().unwrap_or_default();
        fields_to_sections(name, &mut props);
        sections_to_columns(&mut props);
        let columns = self.columns(name, props.get("columns"));
        let icon = props.get("icon").cloned().unwrap_or(Value::Null);
        let label = translated(props.get("label")).unwrap_or_else(|| json!(ucfirst(name)));
        set(&mut props, "columns", columns);
        set(&mut props, "icon", icon);
        set(&mut props, "label", label);
        // Filled in per model by the API; kept here for Kirby's key order.
        set(&mut props, "link", Value::Null);
        set(&mut props, "name", json!(name));
        Some(Value::Object(props))
    }

    // FIXME: columns written as a map keep their keys in Kirby (a JSON object); Folio lists them.
    fn columns(&mut self, tab: &str, value: Option<&Value>) -> Value {
        let entries: Vec<(String, &Value)> = match value {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, c)| (i.to_string(), c))
                .collect(),
            Some(Value::Object(map)) => map.iter().map(|(k, c)| (k.clone(), c)).collect(),
            _ => Vec::new(),
        };
        let columns = entries
            .into_iter()
            .filter_map(|(key, raw)| self.column(tab, &key, raw))
            .collect();
        Value::Array(columns)
    }

    fn column(&mut self, tab: &str, key: &str, raw: &Value) -> Option<Value> {
        let mut props = raw.as_object()?.clone();
        fields_to_sections(&format!("{tab}-col-{key}"), &mut props);
        let width = props.get("width").cloned().unwrap_or(json!("1/1"));
        let has_sections = match props.get("sections") {
            Some(Value::Object(map)) => !map.is_empty(),
            Some(Value::Array(items)) => !items.is_empty(),
            _ => false,
        };
        if !has_sections {
            let label = format!("Column ({})", width.as_str().unwrap_or("1/1"));
            let info = json!({"label": label, "type": "info", "text": "No sections yet"});
            let mut sections = Map::new();
            sections.insert(format!("{tab}-info-{key}"), info);
            props.insert("sections".into(), Value::Object(sections));
        }
        let sections = self.sections(tab, props.get("sections"));
        set(&mut props, "width", width);
        set(&mut props, "sections", sections);
        Some(Value::Object(props))
    }

    fn sections(&mut self, tab: &str, value: Option<&Value>) -> Value {
        let mut out = Map::new();
        if let Some(Value::Object(sections)) = value {
            for (name, raw) in sections {
                if let Some(section) = self.section(tab, name, raw) {
                    out.insert(name.clone(), section);
                }
            }
        }
        Value::Object(out)
    }

    fn section(&mut self, tab: &str, name: &str, raw: &Value) -> Option<Value> {
        let raw = match raw {
            Value::Bool(false) => return None,
            Value::Bool(true) | Value::Null => Value::Object(Map::new()),
            other => other.clone(),
        };
        let extended = self.library.extend(raw, &mut self.problems);
        let mut props = extended.as_object().cloned().unwrap_or_default();
        let kind = props.get("type").cloned().unwrap_or_else(|| json!(name));
        set(&mut props, "name", json!(name));
        set(&mut props, "type", kind.clone());
        let Some(kind) = kind.as_str().filter(|k| SECTION_TYPES.contains(k)) else {
            let label = match kind.as_str() {
                Some(kind) if !kind.is_empty() => format!("Invalid section type (\"{kind}\")"),
                _ => format!("Invalid section type for section \"{name}\""),
            };
            return Some(json!({
                "name": name,
                "label": label,
                "type": "info",
                "text": format!("The following section types are available: {}", section_help()),
            }));
        };
        if kind == "fields" {
            let fields = self.section_fields(tab, props.get("fields"));
            set(&mut props, "fields", fields);
        }
        Some(Value::Object(props))
    }

    /// A fields section's fields; a name used earlier in the blueprint
    /// becomes an error entry, as Kirby shows it.
    fn section_fields(&mut self, tab: &str, value: Option<&Value>) -> Value {
        let fields = self.fields(value);
        if fields.is_empty() {
            let mut guide = Map::new();
            guide.insert(
                format!("{tab}-info"),
                json!({"label": "Fields", "text": "No fields yet", "type": "info"}),
            );
            return Value::Object(guide);
        }
        let mut out = Map::new();
        for (name, props) in fields {
            if self.seen_fields.insert(name.clone()) {
                out.insert(name, props);
                continue;
            }
            let label = props.get("label").cloned().unwrap_or(json!("Error"));
            let text = format!(
                "The field name <strong>\"{name}\"</strong> already exists in your blueprint."
            );
            out.insert(
                name,
                json!({"type": "info", "label": label, "text": text, "theme": "negative"}),
            );
        }
        Value::Object(out)
    }

    /// A `fields:` map with every field normalised and groups flattened.
    fn fields(&mut self, value: Option<&Value>) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(Value::Object(fields)) = value else {
            return out;
        };
        for (name, raw) in fields {
            let props = match raw {
                Value::Bool(false) => continue,
                Value::Bool(true) | Value::Null => Map::new(),
                Value::String(target) => Map::from_iter([("extends".to_string(), json!(target))]),
                Value::Object(map) => map.clone(),
                _ => continue,
            };
            let props = self.field(name, props);
            if props.get("type").and_then(Value::as_str) == Some("group") {
                for (inner, field) in group_fields(&props) {
                    out.insert(inner, field);
                }
            } else {
                out.insert(name.clone(), Value::Object(props));
            }
        }
        out
    }

    // FIXME: Kirby replaces a field of an unknown type with an error info field; Folio keeps it.
    fn field(&mut self, name: &str, mut props: Map<String, Value>) -> Map<String, Value> {
        props.insert("name".into(), json!(name));
        let extended = self
            .library
            .extend(Value::Object(props), &mut self.problems);
        let mut props = extended.as_object().cloned().unwrap_or_default();
        // The field's key is its name, whatever the extended blueprint says.
        props.insert("name".into(), json!(name));
        let kind = props.get("type").cloned().unwrap_or_else(|| json!(name));
        if let Some(nested) = props.get("fields").cloned() {
            let nested = self.fields(Some(&nested));
            props.insert("fields".into(), Value::Object(nested));
        }
        if kind.as_str() == Some("group") {
            let fields = props.get("fields").cloned().unwrap_or(json!({}));
            let mut group = Map::new();
            group.insert("fields".into(), fields);
            group.insert("name".into(), json!(name));
            group.insert("type".into(), kind);
            if let Some(when) = props.get("when") {
                group.insert("when".into(), when.clone());
            }
            return group;
        }
        let label = props
            .get("label")
            .cloned()
            .unwrap_or_else(|| json!(ucfirst(name)));
        let width = props.get("width").cloned().unwrap_or(json!("1/1"));
        set(&mut props, "label", label);
        set(&mut props, "name", json!(name));
        set(&mut props, "type", kind);
        set(&mut props, "width", width);
        props
    }
}

/// The fields of a normalised group, each given the group's `when` unless it has its own.
fn group_fields(group: &Map<String, Value>) -> Vec<(String, Value)> {
    let Some(Value::Object(fields)) = group.get("fields") else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|(name, field)| {
            let field = match group.get("when") {
                Some(when) => merge(json!({"when": when}), field.clone()),
                None => field.clone(),
            };
            (name.clone(), field)
        })
        .collect()
}

/// The list of section types for the help text of an invalid section.
// FIXME: the exact wording of Kirby's list of available section types was not verified.
fn section_help() -> String {
    let quoted: Vec<String> = SECTION_TYPES.iter().map(|t| format!("\"{t}\"")).collect();
    quoted.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(yaml: &str, sources: &[(&str, &str)]) -> Value {
        let (library, errors) = Library::from_sources(sources);
        assert!(errors.is_empty(), "{errors:?}");
        let props = super::super::load::parse_yaml(yaml, std::path::Path::new("t.yml"))
            .expect("valid yaml");
        normalize(&library, &props)
    }

    #[test]
    fn plain_fields_become_a_main_tab_with_one_section() {
        let tabs = tree("fields:\n  Text: { type: textarea }\n  tags: true\n", &[]);
        assert_eq!(
            tabs,
            json!([{"columns": [{"width": "1/1", "sections": {"main-fields": {
                "type": "fields", "name": "main-fields", "fields": {
                    "Text": {"type": "textarea", "name": "Text", "label": "Text", "width": "1/1"},
                    "tags": {"name": "tags", "label": "Tags", "type": "tags", "width": "1/1"}}}}}],
                "icon": null, "label": "Main", "link": null, "name": "main"}])
        );
        let keys: Vec<&String> = tabs[0]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["columns", "icon", "label", "link", "name"]);
    }

    #[test]
    fn tabs_columns_and_references_resolve() {
        let yaml = "
tabs:
  content:
    label: {de: Inhalt, en: Content}
    icon: text
    columns:
      - width: 2/3
        fields:
          cover: fields/cover
      - width: 1/3
        sections:
          notes: sections/notes
          gone: false
          odd: { type: fancy }
  seo: false
";
        let sources = [
            ("fields/cover", "type: files\nlabel: Cover image\n"),
            ("sections/notes", "type: pages\ntemplate: note\n"),
        ];
        let tabs = tree(yaml, &sources);
        let tab = &tabs[0];
        assert_eq!(tabs.as_array().map(Vec::len), Some(1));
        assert_eq!(tab["label"], "Content");
        assert_eq!(tab["icon"], "text");
        let first = &tab["columns"][0];
        assert_eq!(first["width"], "2/3");
        let cover = &first["sections"]["content-col-0-fields"]["fields"]["cover"];
        assert_eq!(cover["type"], "files");
        assert_eq!(cover["label"], "Cover image");
        let side = &tab["columns"][1]["sections"];
        assert_eq!(
            side["notes"],
            json!({"type": "pages", "template": "note", "name": "notes"})
        );
        assert!(side.get("gone").is_none());
        assert_eq!(side["odd"]["type"], "info");
        assert_eq!(side["odd"]["label"], "Invalid section type (\"fancy\")");
    }

    #[test]
    fn empty_parts_get_kirbys_guides() {
        let tabs = tree(
            "columns:\n  - width: 1/2\n  - sections:\n      a:\n        type: fields\n",
            &[],
        );
        let columns = &tabs[0]["columns"];
        assert_eq!(
            columns[0]["sections"]["main-info-0"],
            json!({"label": "Column (1/2)", "type": "info", "text": "No sections yet", "name": "main-info-0"})
        );
        assert_eq!(columns[1]["width"], "1/1");
        assert_eq!(
            columns[1]["sections"]["a"]["fields"],
            json!({"main-info": {"label": "Fields", "text": "No fields yet", "type": "info"}})
        );
        assert_eq!(tree("title: Bare\n", &[]), empty());
    }

    #[test]
    fn groups_flatten_and_duplicates_become_errors() {
        let yaml = "
sections:
  one:
    type: fields
    fields:
      meta:
        type: group
        when: { hasMeta: true }
        fields:
          author: true
  two:
    type: fields
    fields:
      author: { label: Writer }
";
        let tabs = tree(yaml, &[]);
        let sections = &tabs[0]["columns"][0]["sections"];
        let author = &sections["one"]["fields"]["author"];
        assert_eq!(author["when"], json!({"hasMeta": true}));
        assert_eq!(author["type"], "author");
        let duplicate = &sections["two"]["fields"]["author"];
        assert_eq!(duplicate["type"], "info");
        assert_eq!(duplicate["theme"], "negative");
        assert_eq!(duplicate["label"], "Writer");
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for yaml in [
            "tabs: 3\n",
            "tabs:\n  a: 5\n  b: true\n",
            "columns: x\n",
            "columns:\n  - 1\n  - null\n",
            "sections: [a, b]\n",
            "fields: [a]\n",
            "fields:\n  a: 3\n  b: { type: [x] }\n",
            "sections:\n  s: { type: 4 }\n",
        ] {
            let tabs = tree(yaml, &[]);
            assert!(tabs.is_array(), "{yaml}");
        }
    }
}
