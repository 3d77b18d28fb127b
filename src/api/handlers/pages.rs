//! `/api/pages/…`: reading pages, their children and their blueprints.

use std::borrow::Cow;

use serde_json::json;

use super::super::access::template_listable;
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult};
use super::super::models::{content, page};
use super::super::reply::{Reply, paginate_slice};
use super::super::select;
use super::find_page;
use super::search::{SearchRequest, Searchable};
use crate::store::PageRef;

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let found = find_page(call, call.arg(0))?;
    let selection = select::for_model(call, &page::VIEWS)?;
    Ok(Reply::Model(page::render(call, found, &selection)?))
}

/// Children filtered by `?status=` (api.md §4.2); listed and unlisted by
/// default. `parent` is `None` for the site's own children.
pub fn by_status<'c>(call: &'c Call, parent: Option<PageRef>) -> ApiResult<Cow<'c, [PageRef]>> {
    let status = call.query.get("status").unwrap_or("");
    with_status(call, parent, status, |_| true)
}

/// The children of `parent` with `status` whose template the actor may
/// list and `shown` lets through. When every template among the children
/// passes, as is usual, the answer is a slice of the parent's index and
/// costs nothing per sibling; otherwise the pages of the refused templates
/// are left out one by one.
pub fn with_status<'c>(
    call: &'c Call,
    parent: Option<PageRef>,
    status: &str,
    shown: impl Fn(&str) -> bool,
) -> ApiResult<Cow<'c, [PageRef]>> {
    let site = &*call.site;
    let (children, drafts, index) = match parent.and_then(|p| site.pages.get(p)) {
        Some(p) => (&p.children, &p.drafts, &p.child_index),
        None => (&site.children, &site.drafts, &site.child_index),
    };
    let pages: Cow<[PageRef]> = match status {
        "all" if drafts.is_empty() => Cow::Borrowed(children),
        "all" => Cow::Owned(children.iter().chain(drafts).copied().collect()),
        "draft" | "drafts" => Cow::Borrowed(drafts),
        "listed" => Cow::Borrowed(&index.listed),
        "unlisted" => Cow::Borrowed(&index.unlisted),
        "published" | "" => Cow::Borrowed(children),
        other => return Err(ApiError::bad_request(format!("Invalid status: {other}"))),
    };
    let hidden: Vec<&str> = index
        .templates
        .iter()
        .filter(|t| !(template_listable(call, t) && shown(t)))
        .map(String::as_str)
        .collect();
    if hidden.is_empty() {
        return Ok(pages);
    }
    let visible = |p: &&PageRef| {
        site.pages
            .get(**p)
            .is_some_and(|page| !hidden.contains(&page.template.as_str()))
    };
    Ok(Cow::Owned(pages.iter().filter(visible).copied().collect()))
}

/// Renders a page collection with pagination and the items' selection.
pub fn collection(call: &Call, pages: &[PageRef]) -> ApiResult<Reply> {
    let (items, pagination) = paginate_slice(call, pages)?;
    let selection = select::for_items(call, &page::VIEWS, &page::VIEWS.view("compact")?)?;
    let rendered: ApiResult<Vec<_>> = items
        .iter()
        .map(|&p| page::render(call, p, &selection))
        .collect();
    Ok(Reply::Collection(rendered?, pagination))
}

pub fn children(call: &mut Call) -> ApiResult<Reply> {
    let parent = find_page(call, call.arg(0))?;
    let pages = by_status(call, Some(parent))?;
    collection(call, &pages)
}

/// What a page search looks at: every content field and the id.
pub fn searchable(call: &Call, page: PageRef) -> Searchable {
    let p = &call.site.pages[page];
    Searchable::from_content(call, &p.content, p.id.clone(), true)
}

pub fn search_children(call: &mut Call) -> ApiResult<Reply> {
    let parent = find_page(call, call.arg(0))?;
    let pages = by_status(call, Some(parent))?.into_owned();
    let found = SearchRequest::from_call(call).run(pages, |&page| searchable(call, page));
    collection(call, &found)
}

pub fn blueprints(call: &mut Call) -> ApiResult<Reply> {
    let found = find_page(call, call.arg(0))?;
    let section = call.query.get("section").map(str::to_owned);
    Ok(Reply::Raw(json!(content::child_blueprints(
        call,
        Some(found),
        section.as_deref()
    ))))
}
