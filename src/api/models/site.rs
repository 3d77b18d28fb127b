//! The site model (api.md §5.2).

use serde_json::{Value, json};

use super::{content, file, page, render_fields};
use crate::api::access::{page_listable, site_options};
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};

pub static VIEWS: Views = Views {
    default: Some(&[
        ("content", Pick::Default),
        ("options", Pick::Default),
        ("title", Pick::Default),
        ("url", Pick::Default),
    ]),
    named: &[(
        "compact",
        &[("title", Pick::Default), ("url", Pick::Default)],
    )],
    all: &[
        "children",
        "content",
        "drafts",
        "files",
        "options",
        "previewUrl",
        "title",
        "url",
    ],
};

pub fn render(call: &Call, selection: &Selection) -> ApiResult<Value> {
    render_fields(call, selection, field)
}

fn field(call: &Call, name: &str, pick: &Pick) -> ApiResult<Option<Value>> {
    let value = match name {
        "title" => json!(title(call)),
        "url" | "previewUrl" => json!(base_url(call)),
        "content" => content::site(call),
        "options" => site_options(call),
        "children" => pages(call, call.site.children.clone(), pick)?,
        "drafts" => pages(call, call.site.drafts.clone(), pick)?,
        "files" => file::list_of_site(call, pick)?,
        _ => return Ok(None),
    };
    Ok(Some(value))
}

fn pages(call: &Call, refs: Vec<usize>, pick: &Pick) -> ApiResult<Value> {
    let selection = match pick {
        Pick::Default => page::VIEWS.view("compact")?,
        other => page::VIEWS.pick(other)?,
    };
    let items: ApiResult<Vec<Value>> = refs
        .into_iter()
        .filter(|&p| page_listable(call, p))
        .map(|p| page::render(call, p, &selection))
        .collect();
    Ok(Value::Array(items?))
}

pub fn title(call: &Call) -> String {
    call.field(&call.site.content, "title").unwrap_or_default()
}

/// The site URL in the current language: the origin, plus the language's
/// URL prefix on a multi-language site.
pub fn base_url(call: &Call) -> String {
    let prefix = call
        .language
        .as_ref()
        .map(super::language::url_path)
        .filter(|u| !u.is_empty() && u != "/")
        .map(|u| format!("/{}", u.trim_matches('/')))
        .unwrap_or_default();
    format!("{}{prefix}", call.origin)
}
