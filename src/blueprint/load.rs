//! Reading blueprint files and resolving `extends:` references.
//!
//! Every `*.yml`/`*.yaml` below `site/blueprints` is parsed once into a JSON
//! value (JSON is what the rest of Folio speaks, and `serde_json` keeps map
//! order). A [`Library`] holds those documents by name (`pages/note`,
//! `fields/cover`) so that `extends: sections/notes` and string shortcuts such
//! as `cover: fields/cover` can be merged in later. A broken file becomes a
//! [`BlueprintError`] and is left out; nothing here panics on bad input.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::BlueprintError;

/// How deep `extends` chains may go before we call it a loop.
const MAX_EXTENDS_DEPTH: usize = 16;

/// Every parsed blueprint document, keyed by its name without extension.
#[derive(Debug, Default, Clone)]
pub(crate) struct Library {
    docs: HashMap<String, Value>,
    paths: HashMap<String, PathBuf>,
}

impl Library {
    /// Reads every blueprint file below `dir`, collecting the broken ones as errors.
    pub(crate) fn read_dir(dir: &Path) -> (Library, Vec<BlueprintError>) {
        let mut library = Library::default();
        let mut errors = Vec::new();
        let mut files = Vec::new();
        collect_yaml_files(dir, &mut files, &mut errors);
        files.sort();

        for path in files {
            let Some(name) = doc_name(dir, &path) else {
                continue;
            };
            // `.yml` sorts before `.yaml`, so a `.yml` twin wins, as in Kirby.
            if library.docs.contains_key(&name) {
                continue;
            }
            match parse_file(&path) {
                Ok(doc) => {
                    library.docs.insert(name.clone(), doc);
                    library.paths.insert(name, path);
                }
                Err(error) => errors.push(error),
            }
        }
        (library, errors)
    }

    /// Builds a library from in-memory YAML sources (used for built-in and test data).
    #[cfg(test)]
    pub(crate) fn from_sources(sources: &[(&str, &str)]) -> (Library, Vec<BlueprintError>) {
        let mut library = Library::default();
        let mut errors = Vec::new();
        for (name, text) in sources {
            match parse_yaml(text, Path::new(name)) {
                Ok(doc) => {
                    library.docs.insert((*name).to_string(), doc);
                }
                Err(error) => errors.push(error),
            }
        }
        (library, errors)
    }

    /// Names of all documents in one folder (`pages`), sorted, without the folder prefix.
    pub(crate) fn names_in(&self, folder: &str) -> Vec<String> {
        let prefix = format!("{folder}/");
        let mut names: Vec<String> = self
            .docs
            .keys()
            .filter_map(|name| name.strip_prefix(&prefix))
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.docs.get(name)
    }

    pub(crate) fn path_of(&self, name: &str) -> PathBuf {
        self.paths
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(name))
    }

    /// Applies `extends` (recursively) to a props object and drops the key.
    ///
    /// The extended document comes first and the local props override it; maps
    /// merge key by key, lists and scalars are replaced. A missing target keeps
    /// the props as they are (Kirby does the same) and is reported.
    pub(crate) fn extend(&self, props: Value, problems: &mut Vec<String>) -> Value {
        self.extend_at_depth(props, 0, problems)
    }

    fn extend_at_depth(&self, props: Value, depth: usize, problems: &mut Vec<String>) -> Value {
        let mut props = match props {
            Value::String(target) => object_with("extends", Value::String(target)),
            other => other,
        };
        let Some(map) = props.as_object_mut() else {
            return props;
        };
        let Some(targets) = map.shift_remove("extends") else {
            return props;
        };
        if depth >= MAX_EXTENDS_DEPTH {
            problems.push("`extends` chain is too deep (a loop?)".to_string());
            return props;
        }

        let mut result = props;
        for target in extends_targets(&targets) {
            let Some(mixin) = self.docs.get(&target) else {
                problems.push(format!("`extends` target `{target}` not found"));
                continue;
            };
            let mixin = self.extend_at_depth(mixin.clone(), depth + 1, problems);
            result = merge(mixin, result);
        }
        result
    }
}

/// The names an `extends` value points to: one string or a list of strings.
fn extends_targets(value: &Value) -> Vec<String> {
    match value {
        Value::String(name) => vec![name.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Recursive merge: `over` wins, maps merge key by key, everything else is replaced.
pub(crate) fn merge(base: Value, over: Value) -> Value {
    match (base, over) {
        (Value::Object(mut base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(&key) {
                    Some(slot) => *slot = merge(std::mem::take(slot), value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
            Value::Object(base)
        }
        (_, over) => over,
    }
}

fn object_with(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_string(), value);
    Value::Object(map)
}

fn collect_yaml_files(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<BlueprintError>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            // A site without a blueprints folder is normal; anything else is worth a word.
            if error.kind() != std::io::ErrorKind::NotFound {
                errors.push(BlueprintError::new(
                    dir,
                    None,
                    format!("cannot read folder: {error}"),
                ));
            }
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect_yaml_files(&path, files, errors);
        } else if is_yaml(&path) {
            files.push(path);
        }
    }
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|ext| ext.to_str()),
        Some("yml" | "yaml")
    )
}

/// `dir/pages/note.yml` → `pages/note`, always with `/` separators.
fn doc_name(dir: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(dir).ok()?.with_extension("");
    let parts: Vec<&str> = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn parse_file(path: &Path) -> Result<Value, BlueprintError> {
    let text = fs::read_to_string(path)
        .map_err(|error| BlueprintError::new(path, None, format!("cannot read file: {error}")))?;
    parse_yaml(&text, path)
}

/// Parses one YAML document. An empty file is an empty blueprint; a document
/// that is not a map is an error, because no blueprint can be a list or a scalar.
pub(crate) fn parse_yaml(text: &str, path: &Path) -> Result<Value, BlueprintError> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|error| {
        let line = error.location().map(|location| location.line());
        BlueprintError::new(path, line, error.to_string())
    })?;
    match yaml_to_json(yaml) {
        Value::Null => Ok(Value::Object(Map::new())),
        doc @ Value::Object(_) => Ok(doc),
        _ => Err(BlueprintError::new(
            path,
            Some(1),
            "a blueprint must be a map of options".into(),
        )),
    }
}

/// Converts YAML to JSON: map keys become strings, tags are dropped.
pub(crate) fn yaml_to_json(yaml: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Yaml;
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(flag) => Value::Bool(flag),
        Yaml::Number(number) => yaml_number(&number),
        Yaml::String(text) => Value::String(text),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Yaml::Mapping(mapping) => {
            let map = mapping
                .into_iter()
                .map(|(key, value)| (yaml_key(key), yaml_to_json(value)));
            Value::Object(map.collect())
        }
        Yaml::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn yaml_number(number: &serde_yaml::Number) -> Value {
    if let Some(int) = number.as_i64() {
        Value::from(int)
    } else if let Some(uint) = number.as_u64() {
        Value::from(uint)
    } else {
        number
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number)
    }
}

fn yaml_key(key: serde_yaml::Value) -> String {
    match yaml_to_json(key) {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn extends_merges_maps_and_replaces_lists() {
        let (library, errors) = Library::from_sources(&[(
            "sections/notes",
            "type: pages\nlabel: Notes\nimage:\n  cover: true\n  ratio: 3/2\ntemplates: [a, b]\n",
        )]);
        assert!(errors.is_empty());
        let props = json!({"extends": "sections/notes", "label": "Drafts",
            "image": {"ratio": "1/1"}, "templates": ["c"]});
        let mut problems = Vec::new();
        let merged = library.extend(props, &mut problems);
        assert!(problems.is_empty());
        assert_eq!(
            merged,
            json!({"type": "pages", "label": "Drafts", "image": {"cover": true, "ratio": "1/1"},
                "templates": ["c"]})
        );
        let keys: Vec<&String> = merged
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["type", "label", "image", "templates"]);
    }

    #[test]
    fn extends_loops_stop_and_are_reported() {
        let (library, _) = Library::from_sources(&[
            ("fields/a", "extends: fields/b\n"),
            ("fields/b", "extends: fields/a\n"),
        ]);
        let mut problems = Vec::new();
        let merged = library.extend(json!("fields/a"), &mut problems);
        assert!(merged.is_object());
        assert!(problems.iter().any(|p| p.contains("loop")), "{problems:?}");
    }

    #[test]
    fn missing_extends_target_keeps_local_props() {
        let library = Library::default();
        let mut problems = Vec::new();
        let merged = library.extend(
            json!({"extends": "fields/nope", "type": "text"}),
            &mut problems,
        );
        assert_eq!(merged, json!({"type": "text"}));
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn broken_yaml_reports_path_and_line() {
        let error = parse_yaml(
            "title: ok\nfields:\n  a: [unclosed\n",
            Path::new("pages/x.yml"),
        )
        .err()
        .map(|e| (e.path, e.line));
        let (path, line) = error.unwrap_or_default();
        assert_eq!(path, PathBuf::from("pages/x.yml"));
        assert!(line.is_some());
    }

    #[test]
    fn non_map_documents_are_errors_and_empty_files_are_empty() {
        assert!(parse_yaml("- a\n- b\n", Path::new("x.yml")).is_err());
        assert_eq!(parse_yaml("", Path::new("x.yml")).ok(), Some(json!({})));
        assert_eq!(
            parse_yaml("# only a comment\n", Path::new("x.yml")).ok(),
            Some(json!({}))
        );
    }

    #[test]
    fn reads_a_folder_and_skips_broken_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pages = dir.path().join("pages");
        fs::create_dir_all(&pages).expect("mkdir");
        fs::write(pages.join("note.yml"), "title: Note\n").expect("write");
        fs::write(pages.join("broken.yml"), "title: [\n").expect("write");
        fs::write(dir.path().join("site.yaml"), "title: Site\n").expect("write");
        let (library, errors) = Library::read_dir(dir.path());
        assert_eq!(library.names_in("pages"), ["note"]);
        assert!(library.get("site").is_some());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].path.ends_with("broken.yml"));
    }
}
