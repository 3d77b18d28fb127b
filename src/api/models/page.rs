//! The page model (api.md §5.1).

use serde_json::{Value, json};

use super::{content, file, render_fields};
use crate::api::access::{page_accessible, page_listable, page_options};
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};
use crate::api::tree::Json;
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

pub fn render(call: &Call, page: PageRef, selection: &Selection) -> ApiResult<Json> {
    render_fields(call, selection, |call, name, pick| {
        field(call, page, name, pick)
    })
}

/// A nested page, or null when the caller may not see it.
fn nested(call: &Call, page: Option<PageRef>, pick: &Pick) -> ApiResult<Json> {
    match page.filter(|&p| page_accessible(call, p)) {
        Some(p) => render(call, p, &VIEWS.pick(pick)?),
        None => Ok(Value::Null.into()),
    }
}

/// The pages among `pages` the caller may list, rendered for `pick`.
pub fn list(call: &Call, pages: &[PageRef], pick: &Pick) -> ApiResult<Json> {
    let selection = match pick {
        Pick::Default => VIEWS.view("compact")?,
        other => VIEWS.pick(other)?,
    };
    let items: ApiResult<Vec<Json>> = pages
        .iter()
        .filter(|&&p| page_listable(call, p))
        .map(|&p| render(call, p, &selection))
        .collect();
    Ok(Json::Array(items?))
}

fn field(call: &Call, page: PageRef, name: &str, pick: &Pick) -> ApiResult<Option<Json>> {
    let p = &call.site.pages[page];
    // Values are moved into `Value`s rather than passed through `json!`,
    // which would copy every string once more (listings render these
    // fields for every item).
    let value: Json = match name {
        "id" => p.id.clone().into(),
        "slug" => slug_of(call, page).to_owned().into(),
        "num" => match p.num {
            Some(num) if p.status == Status::Listed => Value::from(num).into(),
            _ => Value::Null.into(),
        },
        "status" => Value::from(p.status.as_str()).into(),
        "template" => p.template.clone().into(),
        "title" => title(call, page).into(),
        "url" | "previewUrl" => url(call, page).into(),
        "uuid" => uuid(call, page)
            .map(|u| Value::String(["page://", &u].concat()))
            .unwrap_or(Value::Null)
            .into(),
        "content" => content::page(call, page).into(),
        "options" => page_options(call, page).into(),
        "parent" => nested(call, p.parent, pick)?,
        "parents" => {
            let mut parents = call.site.parents(page);
            parents.reverse();
            list(call, &parents, pick)?
        }
        "children" => list(call, &p.children, pick)?,
        "drafts" => list(call, &p.drafts, pick)?,
        "siblings" => list(call, siblings(call, page), pick)?,
        "files" => file::list_of_page(call, page, pick)?,
        "hasChildren" => (!p.children.is_empty()).into(),
        "hasDrafts" => (!p.drafts.is_empty()).into(),
        "hasFiles" => (!p.files.is_empty()).into(),
        "isSortable" => crate::api::access::page_can(call, page, "sort").into(),
        "errors" => crate::api::validation::page_errors_value(call, page).into(),
        "blueprints" => json!(content::child_blueprints(call, Some(page), None)).into(),
        _ => return Ok(None),
    };
    Ok(Some(value))
}

fn siblings<'c>(call: &'c Call, page: PageRef) -> &'c [PageRef] {
    let p = &call.site.pages[page];
    let family = match p.parent {
        Some(parent) => &call.site.pages[parent],
        None => {
            return if p.status == Status::Draft {
                &call.site.drafts
            } else {
                &call.site.children
            };
        }
    };
    if p.status == Status::Draft {
        &family.drafts
    } else {
        &family.children
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
