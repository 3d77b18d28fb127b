//! The blueprint models (api.md §5.9): PageBlueprint, SiteBlueprint,
//! FileBlueprint and UserBlueprint as `…/blueprint` answers them.
//!
//! All four have `name`, `options` (Kirby's option defaults for the model
//! kind, overridden by what the blueprint writes), `tabs` (the normalised
//! tree of [`crate::blueprint::Blueprints::tabs`], with each tab's Panel
//! `link` filled in for the model) and `title`; the page blueprint adds
//! `num`, `preview` and `status`. They have no default view: without
//! `select` every field is shown.

use serde_json::{Map, Value, json};

use super::file::{self, Owner};
use super::render_values;
use crate::api::access::USER_ACTIONS;
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Selection, Views};
use crate::api::tree::Json;
use crate::blueprint::{Blueprint, translated_text};
use crate::perm::actions;
use crate::store::{File, PageRef, User};

pub static VIEWS: Views = Views {
    default: None,
    named: &[],
    all: &[
        "name", "num", "options", "preview", "status", "tabs", "title",
    ],
};

/// The model whose blueprint is shown.
#[derive(Clone, Copy)]
pub enum Subject<'a> {
    Page(PageRef),
    Site,
    File(Owner<'a>, &'a File),
    User(&'a User),
}

/// Kirby 2 option names a page blueprint may still use.
const PAGE_ALIASES: [(&str, &str); 4] = [
    ("status", "changeStatus"),
    ("template", "changeTemplate"),
    ("title", "changeTitle"),
    ("url", "changeSlug"),
];

const SITE_ALIASES: [(&str, &str); 1] = [("title", "changeTitle")];

/// The blueprint a model is shown with.
pub fn blueprint_of<'c>(call: &'c Call, subject: Subject) -> &'c Blueprint {
    let blueprints = &call.app.blueprints;
    match subject {
        Subject::Page(p) => blueprints.page(&call.site.pages[p].template),
        Subject::Site => blueprints.site(),
        Subject::File(_, f) => {
            blueprints.file(crate::api::access::file_template(call, f).as_deref())
        }
        Subject::User(u) => blueprints.user(&u.role),
    }
}

pub fn render(call: &Call, subject: Subject, selection: &Selection) -> ApiResult<Json> {
    let bp = blueprint_of(call, subject);
    let is_page = matches!(subject, Subject::Page(_));
    render_values(call, selection, |call, name, _| {
        Ok(match name {
            "name" => Some(json!(bp.name)),
            "title" => Some(json!(bp.title)),
            "options" => Some(options(subject, bp)),
            "tabs" => Some(tabs(call, subject, bp)),
            "num" if is_page => Some(json!(bp.num.as_str())),
            "preview" if is_page => Some(preview(bp)),
            "status" => match subject {
                Subject::Page(p) => Some(status(call, p, bp)),
                _ => None,
            },
            _ => None,
        })
    })
}

/// The Panel path of the model (`/pages/notes+a`, `/site`, `/account` …),
/// as Kirby's relative Panel URL.
pub fn panel_path(call: &Call, subject: Subject) -> String {
    match subject {
        Subject::Page(p) => format!("/pages/{}", call.site.pages[p].id.replace('/', "+")),
        Subject::Site => "/site".to_owned(),
        Subject::File(owner, f) => file::link(call, owner, f),
        Subject::User(u) if call.actor.is(u) => "/account".to_owned(),
        Subject::User(u) => format!("/users/{}", u.id),
    }
}

fn tabs(call: &Call, subject: Subject, bp: &Blueprint) -> Value {
    let base = panel_path(call, subject);
    let mut tabs = call.app.blueprints.tabs(bp);
    if let Value::Array(list) = &mut tabs {
        for tab in list.iter_mut() {
            let name = tab.get("name").and_then(Value::as_str).unwrap_or("main");
            let link = format!("{base}/?tab={name}");
            if let Value::Object(map) = tab {
                map.insert("link".into(), json!(link));
            }
        }
    }
    tabs
}

/// Kirby's option defaults (all `null`), overridden by the blueprint's
/// `options`; `options: false` turns every one off.
// FIXME: an `options` value written as a reference (`options: options/x`) is not resolved here.
fn options(subject: Subject, bp: &Blueprint) -> Value {
    let (defaults, aliases): (&[&str], &[(&str, &str)]) = match subject {
        Subject::Page(_) => (actions("pages"), &PAGE_ALIASES),
        Subject::Site => (actions("site"), &SITE_ALIASES),
        Subject::File(..) => (actions("files"), &[]),
        Subject::User(_) => (USER_ACTIONS, &[]),
    };
    let written = bp.raw.get("options");
    let mut out: Map<String, Value> = defaults
        .iter()
        .map(|key| (key.to_string(), Value::Null))
        .collect();
    match written {
        Some(Value::Bool(false)) => {
            out.values_mut().for_each(|v| *v = Value::Bool(false));
        }
        Some(Value::Object(map)) => {
            let mut given = map.clone();
            for (alias, target) in aliases {
                if let Some(value) = given.shift_remove(*alias)
                    && given.get(*target).is_none_or(|v| v.is_null())
                {
                    given.insert(target.to_string(), value);
                }
            }
            for (key, value) in given {
                out.insert(key, value);
            }
        }
        _ => {}
    }
    Value::Object(out)
}

/// `options.preview`, `true` when unset.
// FIXME: a preview written as a query string (`{{ page.url }}?x`) is not evaluated.
fn preview(bp: &Blueprint) -> Value {
    match bp.raw.get("options") {
        Some(Value::Object(map)) => match map.get("preview") {
            None | Some(Value::Null) => Value::Bool(true),
            Some(other) => other.clone(),
        },
        Some(Value::Bool(false)) => Value::Bool(false),
        _ => Value::Bool(true),
    }
}

/// The page statuses with label and text, `draft` always first (and left
/// out for the home and error pages).
// FIXME: the treatment of a status written as a plain string (taken as its label) is not verified.
fn status(call: &Call, page: PageRef, bp: &Blueprint) -> Value {
    let keys = ["draft", "unlisted", "listed"];
    let written: Vec<(String, Value)> = match bp.raw.get("status") {
        None | Some(Value::Null) | Some(Value::Bool(true)) => {
            keys.iter().map(|k| (k.to_string(), Value::Null)).collect()
        }
        Some(Value::String(one)) => vec![(one.clone(), Value::Null)],
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(_) => Vec::new(),
    };
    let mut out = Map::new();
    for (key, options) in written {
        if !keys.contains(&key.as_str()) || options == Value::Bool(false) {
            continue;
        }
        let mut options = match options {
            Value::Object(map) => map,
            Value::String(label) => Map::from_iter([("label".to_string(), json!(label))]),
            _ => Map::new(),
        };
        let label = translated_text(options.get("label"))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| status_text(call, &format!("page.status.{key}")));
        let text = translated_text(options.get("text"));
        options.insert("label".into(), json!(label));
        options.insert("text".into(), json!(text));
        out.insert(key, Value::Object(options));
    }
    if !out.contains_key("draft") {
        let draft = json!({
            "label": status_text(call, "page.status.draft"),
            "text": status_text(call, "page.status.draft.description"),
        });
        out.shift_insert(0, "draft".into(), draft);
    }
    let id = &call.site.pages[page].id;
    if *id == call.app.config.home || *id == call.app.config.error {
        out.shift_remove("draft");
    }
    Value::Object(out)
}

/// A Panel string in the caller's language, with English built in for
/// sites that ship no translation files.
fn status_text(call: &Call, key: &str) -> String {
    let english = match key {
        "page.status.draft" => "Draft",
        "page.status.draft.description" => {
            "The page is in draft mode and only visible for logged in editors or via secret link"
        }
        "page.status.listed" => "Public",
        "page.status.unlisted" => "Unlisted",
        _ => key,
    };
    call.app
        .translations
        .message(&call.ui_language(), key)
        .filter(|m| m != key)
        .unwrap_or_else(|| english.to_owned())
}
