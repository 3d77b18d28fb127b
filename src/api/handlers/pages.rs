//! `/api/pages/…`: reading pages, their children and their blueprints.

use serde_json::json;

use super::super::access::page_listable;
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult};
use super::super::models::{content, page};
use super::super::reply::{Reply, paginate};
use super::super::select;
use super::find_page;
use super::search::{SearchRequest, search};
use crate::store::model::fields_for;
use crate::store::{PageRef, Status};

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let found = find_page(call, &call.arg(0).to_owned())?;
    let selection = select::for_model(call, &page::VIEWS)?;
    Ok(Reply::Model(page::render(call, found, &selection)?))
}

/// Children filtered by `?status=` (api.md §4.2); listed and unlisted by default.
pub fn by_status(call: &Call, children: &[PageRef], drafts: &[PageRef]) -> ApiResult<Vec<PageRef>> {
    let status = call.query.get("status").unwrap_or("");
    let listed = |s: Status| move |p: &&PageRef| call.site.pages[**p].status == s;
    let pages: Vec<PageRef> = match status {
        "all" => children.iter().chain(drafts).copied().collect(),
        "draft" | "drafts" => drafts.to_vec(),
        "listed" => children
            .iter()
            .filter(listed(Status::Listed))
            .copied()
            .collect(),
        "unlisted" => children
            .iter()
            .filter(listed(Status::Unlisted))
            .copied()
            .collect(),
        "published" | "" => children.to_vec(),
        other => return Err(ApiError::bad_request(format!("Invalid status: {other}"))),
    };
    Ok(pages
        .into_iter()
        .filter(|&p| page_listable(call, p))
        .collect())
}

/// Renders a page collection with pagination and the items' selection.
pub fn collection(call: &Call, pages: Vec<PageRef>) -> ApiResult<Reply> {
    let (items, pagination) = paginate(call, pages)?;
    let selection = select::for_items(call, &page::VIEWS, &page::VIEWS.view("compact")?)?;
    let rendered: ApiResult<Vec<_>> = items
        .into_iter()
        .map(|p| page::render(call, p, &selection))
        .collect();
    Ok(Reply::Collection(rendered?, pagination))
}

pub fn children(call: &mut Call) -> ApiResult<Reply> {
    let parent = find_page(call, &call.arg(0).to_owned())?;
    let p = &call.site.pages[parent];
    let pages = by_status(call, &p.children, &p.drafts)?;
    collection(call, pages)
}

/// The fields a page search looks at: every content field and the id.
pub fn search_fields(call: &Call, page: PageRef) -> Vec<String> {
    let p = &call.site.pages[page];
    let fields = fields_for(
        &p.content,
        call.language.as_ref(),
        call.site.default_language(),
    );
    let mut values: Vec<String> = fields.iter().map(|(_, v)| v.to_owned()).collect();
    values.push(p.id.clone());
    values
}

pub fn search_children(call: &mut Call) -> ApiResult<Reply> {
    let parent = find_page(call, &call.arg(0).to_owned())?;
    let p = &call.site.pages[parent];
    let pages = by_status(call, &p.children, &p.drafts)?;
    let request = SearchRequest::from_call(call);
    let found = search(&request.query, pages, |&page| search_fields(call, page));
    collection(call, found)
}

pub fn blueprints(call: &mut Call) -> ApiResult<Reply> {
    let found = find_page(call, &call.arg(0).to_owned())?;
    let section = call.query.get("section").map(str::to_owned);
    Ok(Reply::Raw(json!(content::child_blueprints(
        call,
        Some(found),
        section.as_deref()
    ))))
}
