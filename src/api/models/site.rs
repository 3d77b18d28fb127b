//! The site model (api.md §5.2).

use super::{content, file, page, render_fields};
use crate::api::access::site_options;
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};
use crate::api::tree::Json;

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

pub fn render(call: &Call, selection: &Selection) -> ApiResult<Json> {
    render_fields(call, selection, field)
}

fn field(call: &Call, name: &str, pick: &Pick) -> ApiResult<Option<Json>> {
    let value: Json = match name {
        "title" => title(call).into(),
        "url" | "previewUrl" => base_url(call).into(),
        "content" => content::site(call).into(),
        "options" => site_options(call).into(),
        "children" => page::list(call, &call.site.children, pick)?,
        "drafts" => page::list(call, &call.site.drafts, pick)?,
        "files" => file::list_of_site(call, pick)?,
        _ => return Ok(None),
    };
    Ok(Some(value))
}

pub fn title(call: &Call) -> String {
    call.field(&call.site.content, "title").unwrap_or_default()
}

/// The site URL in the current language: the origin, plus the language's
/// URL prefix on a multi-language site.
pub fn base_url(call: &Call) -> String {
    // Page URLs are built on top of this one per listed item; the spare
    // room saves them a reallocation.
    let mut url = String::with_capacity(call.origin.len() + 64);
    url.push_str(&call.origin);
    let prefix = call.language.as_ref().map(super::language::url_path);
    if let Some(prefix) = prefix.filter(|u| !u.is_empty() && u != "/") {
        url.push('/');
        url.push_str(prefix.trim_matches('/'));
    }
    url
}
