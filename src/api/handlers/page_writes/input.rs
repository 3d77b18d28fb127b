//! Turning request bodies into content fields: the checks every write route
//! shares, the stored text of a submitted value (storage.md §3.1), and the
//! way a write answer shows the submitted values (api.md §5.1).

use serde_json::{Map, Value};

use crate::api::call::Call;
use crate::api::error::{ApiError, ApiResult, Class};
use crate::api::request::Body;
use crate::blueprint::{Blueprint, FileFacts, Owner, PageFacts, UserFacts, ValueContext};
use crate::format::txt::{Fields, normalise_key};

/// The body of a content update: a JSON object or form fields; an empty
/// body is an empty update. Anything else changes nothing and is refused.
pub fn object_body(call: &Call) -> ApiResult<Map<String, Value>> {
    match &call.body {
        Body::Empty => Ok(Map::new()),
        Body::Json(Value::Object(map)) => Ok(map.clone()),
        Body::Form(_) => Ok(call.body.object()),
        Body::Malformed => Err(ApiError::bad_request("The request body is not valid JSON")),
        Body::Json(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object",
        )),
    }
}

/// Refuses bodies that are not an object before a single field is read.
pub fn require_object_body(call: &Call) -> ApiResult<()> {
    object_body(call).map(|_| ())
}

/// The text stored for one submitted value; `None` for `null`, which Kirby
/// leaves out of the file. Blueprint fields that keep lists store them the
/// way their field type does; other lists and maps are written as YAML.
pub fn stored_text(bp: &Blueprint, key: &str, value: &Value) -> Option<String> {
    let kind = bp.field(key).map(|f| f.kind.as_str()).unwrap_or("");
    let text = match value {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Bool(b) if kind == "toggle" => b.to_string(),
        Value::Bool(true) => "1".into(),
        Value::Bool(false) => String::new(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if matches!(kind, "tags" | "multiselect" | "checkboxes") => {
            items.iter().map(plain_text).collect::<Vec<_>>().join(", ")
        }
        Value::Array(_) if matches!(kind, "blocks" | "layout") => value.to_string(),
        other => serde_yaml::to_string(other)
            .map(|y| y.trim_end().to_owned())
            .unwrap_or_default(),
    };
    Some(text)
}

fn plain_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Merges `input` over `fields`: new keys are appended, `null` removes one.
pub fn merge(fields: &mut Fields, bp: &Blueprint, input: &Map<String, Value>) {
    for (key, value) in input {
        if normalise_key(key).is_empty() {
            continue;
        }
        match stored_text(bp, key, value) {
            Some(text) => fields.set(key, text),
            None => fields.remove(key),
        }
    }
}

/// Kirby answers a content update before reading the file back, so keys
/// outside the blueprint show as submitted: lowercased but not normalised
/// (`Weird Key` → `weird key`), with their JSON type (`null`, `1.5`).
pub fn show_submitted(data: &mut Value, bp: &Blueprint, input: &Map<String, Value>) {
    let Some(content) = data.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for (key, value) in input.iter().filter(|(k, _)| bp.field(k).is_none()) {
        let shown = key.to_lowercase();
        let stored = normalise_key(key);
        if stored != shown {
            content.remove(&stored);
        }
        content.remove(&shown);
        content.insert(shown, value.clone());
    }
}

/// A slug as submitted: a string, or a number written out (`12345`).
pub fn slug_text(value: Option<Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// PHP truthiness of a flag such as `force` or `children`.
pub fn flag(value: Option<Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !matches!(s.as_str(), "" | "0" | "false"),
        _ => false,
    }
}

/// A template name that is safe as a file name: no path separators, no
/// leading dot. Kirby stores unknown templates as given; Folio does too,
/// as long as the name cannot point outside the page folder.
pub fn template_name(value: Option<Value>) -> ApiResult<String> {
    let name = match value {
        None | Some(Value::Null) => return Ok("default".into()),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok("default".into()),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => return Err(ApiError::bad_request("The template must be a string")),
    };
    let safe = !name.starts_with('.')
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !safe {
        return Err(ApiError::message(
            Class::InvalidArgument,
            format!("Invalid template: {name}"),
        ));
    }
    Ok(name)
}

/// Facts for blueprint defaults of a new page: only the clock matters.
pub struct NewModel {
    pub now: String,
    pub model: Owner,
}

impl NewModel {
    pub fn page(call: &Call, id: &str) -> NewModel {
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        let now = time::OffsetDateTime::from_unix_timestamp(call.now)
            .ok()
            .and_then(|t| t.format(&format).ok());
        NewModel {
            now: now.unwrap_or_default(),
            model: Owner::Page(id.to_owned()),
        }
    }
}

impl ValueContext for NewModel {
    fn now(&self) -> String {
        self.now.clone()
    }

    fn model(&self) -> Owner {
        self.model.clone()
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
    use crate::format::txt;
    use serde_json::json;

    use super::*;

    fn blueprint() -> Blueprint {
        let dir = tempfile::tempdir().unwrap();
        let pages = dir.path().join("pages");
        std::fs::create_dir_all(&pages).unwrap();
        std::fs::write(
            pages.join("note.yml"),
            "title: Note\nfields:\n  tags:\n    type: tags\n  on:\n    type: toggle\n",
        )
        .unwrap();
        let (blueprints, _) = crate::blueprint::Blueprints::load(dir.path());
        blueprints.page("note").clone()
    }

    #[test]
    fn stores_values_as_kirby_writes_them() {
        let bp = blueprint();
        assert_eq!(stored_text(&bp, "x", &json!(1.5)).as_deref(), Some("1.5"));
        assert_eq!(stored_text(&bp, "x", &json!(true)).as_deref(), Some("1"));
        assert_eq!(
            stored_text(&bp, "on", &json!(true)).as_deref(),
            Some("true")
        );
        assert_eq!(
            stored_text(&bp, "tags", &json!(["a", "b"])).as_deref(),
            Some("a, b")
        );
        assert_eq!(
            stored_text(&bp, "list", &json!(["a", "b"])).as_deref(),
            Some("- a\n- b")
        );
        assert_eq!(stored_text(&bp, "x", &Value::Null), None);
    }

    #[test]
    fn merging_keeps_order_and_drops_nulls() {
        let bp = blueprint();
        let mut fields = txt::parse("Title: A\n\n----\n\nOld: x\n\n----\n\nUuid: u");
        let input = json!({"old": null, "Title": "B", "Weird Key": "w"});
        merge(&mut fields, &bp, input.as_object().unwrap());
        assert_eq!(
            txt::write(&fields.0),
            "Title: B\n\n----\n\nUuid: u\n\n----\n\nWeird-key: w"
        );
    }

    #[test]
    fn template_names_cannot_leave_the_folder() {
        assert_eq!(template_name(None).unwrap(), "default");
        assert_eq!(template_name(Some(json!("note"))).unwrap(), "note");
        for bad in ["../evil", "a/b", ".hidden", "a\\b"] {
            assert!(template_name(Some(json!(bad))).is_err(), "{bad}");
        }
        assert!(template_name(Some(json!(["x"]))).is_err());
    }
}
