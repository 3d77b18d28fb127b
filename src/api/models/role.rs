//! The role model (api.md §5.5): no default view, so all fields by default.

use serde_json::json;

use super::render_values;
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};
use crate::api::tree::Json;
use crate::perm::Role;

pub static VIEWS: Views = Views {
    default: None,
    named: &[(
        "compact",
        &[
            ("description", Pick::Default),
            ("name", Pick::Default),
            ("title", Pick::Default),
        ],
    )],
    all: &["description", "name", "permissions", "title"],
};

pub fn render(call: &Call, role: &Role, selection: &Selection) -> ApiResult<Json> {
    render_values(call, selection, |_, name, _| {
        Ok(Some(match name {
            "description" => json!(role.description),
            "name" => json!(role.name),
            "title" => json!(role.title),
            "permissions" => role.permissions.to_json(),
            _ => return Ok(None),
        }))
    })
}
