//! The page model (api.md §5.1).

use serde_json::{Value, json};

use super::{content, file, render_fields};
use crate::api::access::{page_accessible, page_listable, page_options};
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};
use crate::store::{PageRef, Status};

pub static VIEWS: Views = Views {
    default: Some(&[
        ("content", Pick::Default),
        ("id", Pick::Default),
        ("num", Pick::Default),
        ("options", Pick::Default),
        ("parent", Pick::View("compact")),
        ("slug", Pick::Default),
        ("status", Pick::Default),
        ("template", Pick::Default),
        ("title", Pick::Default),
        ("url", Pick::Default),
        ("uuid", Pick::Default),
    ]),
    named: &[
        ("compact", COMPACT),
        (
            "panel",
            &[
                ("id", Pick::Default),
                ("content", Pick::Default),
                ("status", Pick::Default),
                ("options", Pick::Default),
                ("previewUrl", Pick::Default),
                ("slug", Pick::Default),
                ("title", Pick::Default),
                ("url", Pick::Default),
                ("uuid", Pick::Default),
            ],
        ),
    ],
    all: &[
        "blueprints",
        "children",
        "content",
        "drafts",
        "errors",
        "files",
        "hasChildren",
        "hasDrafts",
        "hasFiles",
        "id",
        "isSortable",
        "num",
        "options",
        "parent",
        "parents",
        "previewUrl",
        "siblings",
        "slug",
        "status",
        "template",
        "title",
        "url",
        "uuid",
    ],
};

pub const COMPACT: &[(&str, Pick)] = &[
    ("id", Pick::Default),
    ("num", Pick::Default),
    ("title", Pick::Default),
    ("url", Pick::Default),
    ("uuid", Pick::Default),
];

pub fn render(call: &Call, page: PageRef, selection: &Selection) -> ApiResult<Value> {
    render_fields(call, selection, |call, name, pick| {
        field(call, page, name, pick)
    })
}

/// A nested page, or null when the caller may not see it.
fn nested(call: &Call, page: Option<PageRef>, pick: &Pick) -> ApiResult<Value> {
    match page.filter(|&p| page_accessible(call, p)) {
        Some(p) => render(call, p, &VIEWS.pick(pick)?),
        None => Ok(Value::Null),
    }
}

fn list(call: &Call, pages: impl IntoIterator<Item = PageRef>, pick: &Pick) -> ApiResult<Value> {
    let selection = match pick {
        Pick::Default => VIEWS.view("compact")?,
        other => VIEWS.pick(other)?,
    };
    let items: ApiResult<Vec<Value>> = pages
        .into_iter()
        .filter(|&p| page_listable(call, p))
        .map(|p| render(call, p, &selection))
        .collect();
    Ok(Value::Array(items?))
}

fn field(call: &Call, page: PageRef, name: &str, pick: &Pick) -> ApiResult<Option<Value>> {
    let p = &call.site.pages[page];
    // Values are moved into `Value`s rather than passed through `json!`,
    // which would copy every string once more (listings render these
    // fields for every item).
    let value = match name {
        "id" => Value::String(p.id.clone()),
        "slug" => Value::String(slug_of(call, page).to_owned()),
        "num" => match p.num {
            Some(num) if p.status == Status::Listed => Value::from(num),
            _ => Value::Null,
        },
        "status" => Value::from(p.status.as_str()),
        "template" => Value::String(p.template.clone()),
        "title" => Value::String(title(call, page)),
        "url" | "previewUrl" => Value::String(url(call, page)),
        "uuid" => uuid(call, page)
            .map(|u| Value::String(format!("page://{u}")))
            .unwrap_or(Value::Null),
        "content" => content::page(call, page),
        "options" => page_options(call, page),
        "parent" => nested(call, p.parent, pick)?,
        "parents" => list(call, call.site.parents(page).into_iter().rev(), pick)?,
        "children" => list(call, p.children.clone(), pick)?,
        "drafts" => list(call, p.drafts.clone(), pick)?,
        "siblings" => list(call, siblings(call, page), pick)?,
        "files" => file::list_of_page(call, page, pick)?,
        "hasChildren" => json!(!p.children.is_empty()),
        "hasDrafts" => json!(!p.drafts.is_empty()),
        "hasFiles" => json!(!p.files.is_empty()),
        "isSortable" => json!(crate::api::access::page_can(call, page, "sort")),
        "errors" => crate::api::validation::page_errors_value(call, page),
        "blueprints" => json!(content::child_blueprints(call, Some(page), None)),
        _ => return Ok(None),
    };
    Ok(Some(value))
}

fn siblings(call: &Call, page: PageRef) -> Vec<PageRef> {
    let p = &call.site.pages[page];
    let family = match p.parent {
        Some(parent) => &call.site.pages[parent],
        None => {
            return if p.status == Status::Draft {
                call.site.drafts.clone()
            } else {
                call.site.children.clone()
            };
        }
    };
    if p.status == Status::Draft {
        family.drafts.clone()
    } else {
        family.children.clone()
    }
}

pub fn title(call: &Call, page: PageRef) -> String {
    let p = &call.site.pages[page];
    call.field(&p.content, "title")
        .unwrap_or_else(|| p.slug.clone())
}

pub fn uuid(call: &Call, page: PageRef) -> Option<String> {
    call.default_field(&call.site.pages[page].content, "uuid")
}

/// The page's slug in the current language (a translation may rename it).
pub fn slug(call: &Call, page: PageRef) -> String {
    slug_of(call, page).to_owned()
}

/// [`slug`] without the copy.
fn slug_of<'c>(call: &'c Call, page: PageRef) -> &'c str {
    let p = &call.site.pages[page];
    if let Some(lang) = &call.language
        && let Some(fields) = p.content.get(&lang.code)
        && let Some(slug) = fields.get("slug").filter(|s| !s.is_empty())
    {
        return slug;
    }
    &p.slug
}

/// The page's path in the current language: translated slugs joined by `/`.
pub fn path(call: &Call, page: PageRef) -> String {
    let mut parts: Vec<String> = call
        .site
        .parents(page)
        .into_iter()
        .rev()
        .map(|p| slug(call, p))
        .collect();
    parts.push(slug(call, page));
    parts.join("/")
}

pub fn url(call: &Call, page: PageRef) -> String {
    let mut url = super::site::base_url(call);
    if call.site.pages[page].id == call.app.config.home {
        return url;
    }
    // Built in one string: listings build a URL for every item.
    for p in call.site.parents(page).into_iter().rev().chain([page]) {
        url.push('/');
        url.push_str(slug_of(call, p));
    }
    url
}
