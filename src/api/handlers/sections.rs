//! `GET …/sections/<name>`: the data of one blueprint section, as the Panel
//! loads it for a model's view (api.md §4.2).
//!
//! The section is looked up in the model's normalised blueprint tree (the
//! one `…/blueprint` shows), so every name the Panel saw there answers here.
//! The answer has its own envelope: `status, code, name, type`, then the
//! section's own keys. An unknown section is Kirby's `null` answer (404).

mod lists;
mod props;

use serde_json::{Map, Value, json};

use super::super::access::{file_can, page_can, site_can, user_can};
use super::super::call::Call;
use super::super::error::ApiResult;
use super::super::models::blueprint::{Subject, blueprint_of};
use super::super::models::file;
use super::super::reply::Reply;
use super::find_page;
use super::users::find_user;
use crate::blueprint::Section;
use props::Props;

pub fn page(call: &mut Call) -> ApiResult<Reply> {
    let found = find_page(call, call.arg(0))?;
    answer(call, Subject::Page(found), call.arg(1))
}

pub fn site(call: &mut Call) -> ApiResult<Reply> {
    answer(call, Subject::Site, call.arg(0))
}

pub fn user(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, call.arg(0))?;
    answer(call, Subject::User(&target), call.arg(1))
}

pub fn file(call: &mut Call) -> ApiResult<Reply> {
    let section = call.arg(2).to_owned();
    let (key, found) = super::file_writes::find_file(call)?;
    answer(call, Subject::File(key.as_owner(), &found), &section)
}

/// The `min`/`max` errors of a pages or files section of the model's
/// blueprint, keyed by section name; empty for other sections and for a
/// section whose parent cannot be found.
pub fn list_errors(call: &Call, subject: Subject, section: &Section) -> Map<String, Value> {
    let mut map = section.props.as_object().cloned().unwrap_or_default();
    map.insert("type".into(), json!(section.kind));
    let props = Props {
        map: &map,
        name: &section.name,
    };
    match lists::errors_only(call, subject, &props) {
        Ok(Value::Object(errors)) => errors,
        _ => Map::new(),
    }
}

fn answer(call: &Call, subject: Subject, name: &str) -> ApiResult<Reply> {
    let bp = blueprint_of(call, subject);
    let tabs = call.app.blueprints.tabs(bp);
    let Some(section) = find_section(&tabs, name) else {
        return Ok(Reply::NotFound);
    };
    let props = Props {
        map: &section,
        name,
    };
    let kind = props.str("type").unwrap_or("info").to_owned();
    let body = match kind.as_str() {
        "pages" => lists::pages(call, subject, &props)?,
        "files" => lists::files(call, subject, &props)?,
        "fields" => fields(call, subject, &props),
        "info" => info(&props),
        // FIXME: stats sections answer without their reports.
        _ => {
            json!({"label": props.headline(), "reports": [], "size": props.str("size").unwrap_or("large")})
        }
    };
    let mut out = Map::new();
    out.insert("status".into(), json!("ok"));
    out.insert("code".into(), json!(200));
    out.insert("name".into(), json!(name));
    out.insert("type".into(), json!(kind));
    if let Value::Object(body) = body {
        out.extend(body);
    }
    Ok(Reply::Raw(Value::Object(out)))
}

/// A section of the tree by name, in any tab and column.
fn find_section(tabs: &Value, name: &str) -> Option<Map<String, Value>> {
    let tabs = tabs.as_array()?;
    let columns = tabs
        .iter()
        .filter_map(|tab| tab.get("columns")?.as_array())
        .flatten();
    columns
        .filter_map(|column| column.get("sections")?.get(name)?.as_object())
        .next()
        .cloned()
}

/// Whether the caller may update the model (fields sections disable their fields otherwise).
fn may_update(call: &Call, subject: Subject) -> bool {
    match subject {
        Subject::Page(p) => page_can(call, p, "update"),
        Subject::Site => site_can(call, "update"),
        Subject::File(owner, f) => file_can(call, file::owner_templates(call, owner), f, "update"),
        Subject::User(u) => user_can(call, u, "update"),
    }
}

/// A fields section: its normalised fields, keys sorted as Kirby's form
/// fields are, without `title` on pages and the site.
// FIXME: Kirby's form adds every field type's computed props (defaults, `signature`,
// `saveable`, `hidden` …) and validation `errors`; Folio answers the blueprint props only.
fn fields(call: &Call, subject: Subject, props: &Props) -> Value {
    let disabled = !may_update(call, subject);
    let skip_title = matches!(subject, Subject::Page(_) | Subject::Site);
    let mut out = Map::new();
    if let Some(Value::Object(fields)) = props.map.get("fields") {
        for (name, field) in fields {
            if skip_title && name.eq_ignore_ascii_case("title") {
                continue;
            }
            let mut field: Vec<(String, Value)> = match field {
                Value::Object(map) => map
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                _ => continue,
            };
            if disabled {
                field.retain(|(k, _)| k != "disabled");
                field.push(("disabled".into(), json!(true)));
            }
            field.sort_by(|a, b| a.0.cmp(&b.0));
            out.insert(
                name.to_lowercase(),
                Value::Object(field.into_iter().collect()),
            );
        }
    }
    let fields = if out.is_empty() {
        json!([])
    } else {
        Value::Object(out)
    };
    json!({"fields": fields, "errors": []})
}

/// An info section: its headline and text.
// FIXME: Kirby renders `text` with KirbyText and resolves queries in it; Folio answers it as written.
fn info(props: &Props) -> Value {
    json!({
        "icon": props.map.get("icon").cloned().unwrap_or(Value::Null),
        "label": props.headline(),
        "text": props.translated("text"),
        "theme": props.map.get("theme").cloned().unwrap_or(Value::Null),
    })
}
