//! JSON shapes of Kirby's models (api.md §5), one module per model. Each
//! module declares its views and renders one model for a [`Selection`].

pub mod blueprint;
pub mod content;
pub mod file;
pub mod language;
pub mod page;
pub mod role;
pub mod site;
pub mod system;
pub mod thumb;
pub mod translation;
pub mod user;

use serde_json::Value;

use super::call::Call;
use super::error::ApiResult;
use super::select::Selection;
use super::tree::Json;

/// Renders the selected fields with `field`, dropping names the model does
/// not have, and sorts the keys as Kirby does.
pub fn render_fields(
    call: &Call,
    selection: &Selection,
    field: impl Fn(&Call, &str, &super::select::Pick) -> ApiResult<Option<Json>>,
) -> ApiResult<Json> {
    let mut out = Vec::with_capacity(selection.len());
    for (name, pick) in selection {
        if let Some(value) = field(call, name, pick)? {
            out.push((name.clone(), value));
        }
    }
    Ok(Json::sorted_object(out))
}

/// [`render_fields`] for models whose fields are all plain values (no
/// nested models).
pub fn render_values(
    call: &Call,
    selection: &Selection,
    field: impl Fn(&Call, &str, &super::select::Pick) -> ApiResult<Option<Value>>,
) -> ApiResult<Json> {
    render_fields(call, selection, |call, name, pick| {
        Ok(field(call, name, pick)?.map(Json::from))
    })
}
