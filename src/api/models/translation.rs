//! The translation model (api.md §5.7): a Panel language.

use serde_json::{Map, Value, json};

use super::render_values;
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};
use crate::api::tree::Json;
use crate::i18n::Translation;

pub static VIEWS: Views = Views {
    default: None,
    named: &[(
        "compact",
        &[
            ("direction", Pick::Default),
            ("id", Pick::Default),
            ("name", Pick::Default),
        ],
    )],
    all: &["author", "data", "direction", "id", "name"],
};

pub fn render(call: &Call, translation: &Translation, selection: &Selection) -> ApiResult<Json> {
    render_values(call, selection, |call, name, _| {
        Ok(Some(match name {
            "author" => json!(translation.author),
            "data" => data(call, translation),
            "direction" => json!(translation.direction),
            "id" => json!(translation.id),
            "name" => json!(translation.name),
            _ => return Ok(None),
        }))
    })
}

/// All UI strings, with English filling the gaps, as Kirby sends them.
fn data(call: &Call, translation: &Translation) -> Value {
    let mut strings: Map<String, Value> = call.app.translations.english().strings;
    for (key, value) in &translation.strings {
        strings.insert(key.clone(), value.clone());
    }
    Value::Object(strings)
}
