//! How a content write's answer shows what was written, for every model.
//!
//! Kirby answers a content change with the model's in-memory translation,
//! not with a fresh read: the fields it passed to the save. Two things make
//! that differ from a read. An update goes through the blueprint form, whose
//! data holds every field, with `null` for fields that cannot hold a value
//! (`gap`, `info`, …). And a secondary language's translation is saved with
//! the untranslatable fields and the `uuid` set to `null` (they belong to the
//! default language), which the answer shows as such.

use serde_json::{Map, Value};

use super::super::call::Call;
use super::page_writes::stored_text;
use crate::blueprint::Blueprint;
use crate::format::txt::normalise_key;

/// Whether the model was written through the blueprint form (an update)
/// or as a single field (a title change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Form,
    Field,
}

/// The changes a content update body asks for, as stored text (`None`
/// removes the field); keys that normalise to nothing are dropped.
pub fn page_changes(bp: &Blueprint, input: &Map<String, Value>) -> Vec<(String, Option<String>)> {
    input
        .iter()
        .filter(|(key, _)| !normalise_key(key).is_empty())
        .map(|(key, value)| (key.clone(), stored_text(bp, key, value)))
        .collect()
}

/// True when the call writes a language other than the default one.
pub fn is_secondary(call: &Call) -> bool {
    match (&call.language, call.site.default_language()) {
        (Some(language), Some(default)) => language.code != default.code,
        _ => false,
    }
}

/// Lays what Kirby's answer shows over a rendered model's `content`.
pub fn show_written(call: &Call, data: &mut Value, bp: &Blueprint, via: Via) {
    let secondary = is_secondary(call);
    let Some(content) = data.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if via == Via::Form {
        for field in bp.fields.iter().filter(|f| f.is_display_only()) {
            content.entry(field.name.clone()).or_insert(Value::Null);
        }
    }
    if !secondary {
        return;
    }
    for field in bp.fields.iter().filter(|f| !f.translate) {
        content.insert(field.name.clone(), Value::Null);
    }
    if let Some(uuid) = content.get_mut("uuid") {
        *uuid = Value::Null;
    }
}
