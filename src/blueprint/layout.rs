//! The form layout of a blueprint: tabs, columns and sections.
//!
//! Kirby lets a blueprint put its content under `tabs`, `columns`, `sections`
//! or plain `fields`, nested in any of the documented ways. Folio only needs
//! the result: every section in reading order (for `?section=` lookups and
//! `/blueprints`) and, through the `fields` sections, the form's fields.
//! Fields written directly in a tab or column count as an unnamed fields
//! section there, as they do in Kirby.

use serde_json::{Map, Value};

use super::fields::{Field, Normalizer};

/// One section of a blueprint, with `extends` resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Section name (the key in the blueprint).
    pub name: String,
    /// Section type: `fields`, `pages`, `files`, `info`, `stats` …
    pub kind: String,
    /// All props as written, after `extends`.
    pub props: Value,
    /// The fields of a `fields` section; empty for other types.
    pub fields: Vec<Field>,
}

impl Section {
    /// A list-valued prop that may also be written as a single string.
    pub(crate) fn string_list(&self, key: &str) -> Vec<String> {
        match self.props.get(key) {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Normalizer<'_> {
    /// All sections of a blueprint in reading order.
    pub(crate) fn sections_of_blueprint(&mut self, props: &Value) -> Vec<Section> {
        let mut sections = Vec::new();
        match props.get("tabs") {
            Some(Value::Object(tabs)) => {
                for (name, raw) in tabs {
                    let Some(tab) = self.resolve_part(raw) else {
                        continue;
                    };
                    self.container(name, &tab, &mut sections);
                }
            }
            _ => self.container("main", props, &mut sections),
        }
        sections
    }

    /// A tab (or the blueprint itself): `columns`, else `sections`, else `fields`.
    fn container(&mut self, tab: &str, props: &Value, out: &mut Vec<Section>) {
        if let Some(columns) = props.get("columns") {
            for (index, column) in column_list(columns).into_iter().enumerate() {
                let Some(column) = self.resolve_part(&column) else {
                    continue;
                };
                let fallback = format!("{tab}-col-{index}-fields");
                self.sections_or_fields(&fallback, &column, out);
            }
            return;
        }
        self.sections_or_fields(&format!("{tab}-fields"), props, out);
    }

    /// `sections:` wins; otherwise direct `fields:` become one fields section.
    // FIXME: the generated names of implicit fields sections are our own, not Kirby's.
    fn sections_or_fields(&mut self, implicit: &str, props: &Value, out: &mut Vec<Section>) {
        if let Some(Value::Object(sections)) = props.get("sections") {
            for (name, raw) in sections {
                if let Some(section) = self.section(name, raw) {
                    out.push(section);
                }
            }
        } else if props.get("fields").is_some() {
            let fields = self.fields(props.get("fields"));
            let props = Value::Object(Map::from_iter([("type".into(), "fields".into())]));
            out.push(Section {
                name: implicit.to_string(),
                kind: "fields".into(),
                props,
                fields,
            });
        }
    }

    fn section(&mut self, name: &str, raw: &Value) -> Option<Section> {
        let props = self.resolve_part(raw)?;
        let kind = props
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_string();
        let fields = if kind == "fields" {
            self.fields(props.get("fields"))
        } else {
            Vec::new()
        };
        Some(Section {
            name: name.to_string(),
            kind,
            props,
            fields,
        })
    }

    /// Expands a tab/column/section entry: `false` drops it, `true`/null is
    /// empty, a string or map goes through `extends`. The result is a map.
    fn resolve_part(&mut self, raw: &Value) -> Option<Value> {
        let props = match raw {
            Value::Bool(false) => return None,
            Value::Bool(true) | Value::Null => Value::Object(Map::new()),
            Value::String(_) | Value::Object(_) => {
                self.library.extend(raw.clone(), &mut self.problems)
            }
            _ => return None,
        };
        props.is_object().then_some(props)
    }
}

/// Columns may be a list or a map (whose keys are only names); both give the columns in order.
fn column_list(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Object(map) => map.values().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The form's fields: those of every `fields` section, in order; a later
/// field with the same name replaces the earlier one in place.
pub(crate) fn form_fields(sections: &[Section]) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    for field in sections.iter().flat_map(|section| section.fields.iter()) {
        match fields.iter_mut().find(|known| known.name == field.name) {
            Some(slot) => *slot = field.clone(),
            None => fields.push(field.clone()),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::super::load::{Library, parse_yaml};
    use super::*;

    fn layout(yaml: &str, sources: &[(&str, &str)]) -> Vec<Section> {
        let (library, errors) = Library::from_sources(sources);
        assert!(errors.is_empty());
        let props = parse_yaml(yaml, std::path::Path::new("test.yml")).expect("valid yaml");
        Normalizer::new(&library).sections_of_blueprint(&props)
    }

    fn field_names(sections: &[Section]) -> Vec<String> {
        form_fields(sections).into_iter().map(|f| f.name).collect()
    }

    #[test]
    fn tabs_columns_sections_and_fields_flatten_in_order() {
        let yaml = "
tabs:
  content:
    fields:
      layout: { type: layout }
  contact:
    columns:
      - width: 1/2
        fields:
          address: { type: writer }
          email: { type: email }
      - width: 1/2
        sections:
          side:
            type: fields
            fields:
              social: { type: structure }
          children:
            type: pages
";
        let sections = layout(yaml, &[]);
        assert_eq!(
            field_names(&sections),
            ["layout", "address", "email", "social"]
        );
        let kinds: Vec<&str> = sections.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["fields", "fields", "fields", "pages"]);
        assert_eq!(sections[3].name, "children");
    }

    #[test]
    fn map_columns_and_section_references() {
        let yaml = "
columns:
  main:
    sections:
      fields:
        type: fields
        fields:
          text: { type: textarea }
  sidebar:
    sections:
      albums: sections/albums
      files: true
";
        let sources = [("sections/albums", "type: pages\ntemplate: album\n")];
        let sections = layout(yaml, &sources);
        assert_eq!(field_names(&sections), ["text"]);
        assert_eq!(sections[1].kind, "pages");
        assert_eq!(sections[1].string_list("template"), ["album"]);
        assert_eq!(sections[2].kind, "files");
    }

    #[test]
    fn top_level_fields_and_sections() {
        assert_eq!(
            field_names(&layout("fields:\n  bio: { type: textarea }\n", &[])),
            ["bio"]
        );
        let yaml = "sections:\n  content:\n    type: fields\n    fields:\n      headline: true\n";
        assert_eq!(field_names(&layout(yaml, &[])), ["headline"]);
        assert!(layout("title: Only a title\n", &[]).is_empty());
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for yaml in [
            "tabs: 3\n",
            "columns: x\n",
            "sections: [a, b]\n",
            "tabs:\n  a: false\n  b: 5\n",
            "columns:\n  - 1\n  - null\n",
            "fields: [a]\n",
        ] {
            let _ = layout(yaml, &[]);
        }
    }
}
