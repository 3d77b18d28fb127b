//! `/api/site…`: the site, its top-level pages, and site-wide search.

use serde_json::{Value, json};

use super::super::access::{page_accessible, site_can};
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::{content, site};
use super::super::reply::Reply;
use super::super::select;
use super::languages::content::{ContentModel, write_content};
use super::pages::{by_status, collection, searchable};
use super::search::SearchRequest;
use super::written::{Via, show_written};

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    if !site_can(call, "access") {
        return Err(ApiError::keyed(Class::NotFound, "error.site.notAccessible"));
    }
    let selection = select::for_model(call, &site::VIEWS)?;
    Ok(Reply::Model(site::render(call, &selection)?))
}

pub fn children(call: &mut Call) -> ApiResult<Reply> {
    let pages = by_status(call, None)?;
    collection(call, &pages)
}

pub fn search_children(call: &mut Call) -> ApiResult<Reply> {
    let pages = by_status(call, None)?.into_owned();
    let found = SearchRequest::from_call(call).run(pages, |&p| searchable(call, p));
    collection(call, &found)
}

/// Searches every page of the site, drafts included.
pub fn search(call: &mut Call) -> ApiResult<Reply> {
    let pages: Vec<usize> = call
        .site
        .index(true)
        .into_iter()
        .filter(|&p| super::super::access::page_listable(call, p))
        .collect();
    let found = SearchRequest::from_call(call).run(pages, |&p| searchable(call, p));
    collection(call, &found)
}

pub fn blueprints(call: &mut Call) -> ApiResult<Reply> {
    let section = call.query.get("section").map(str::to_owned);
    Ok(Reply::Raw(json!(content::child_blueprints(
        call,
        None,
        section.as_deref()
    ))))
}

/// `POST site/find`: a JSON array of page ids; unknown and invisible ones are skipped.
pub fn find(call: &mut Call) -> ApiResult<Reply> {
    let ids: Vec<String> = match &call.body {
        super::super::request::Body::Json(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => {
            return Err(ApiError::bad_request(
                "The body must be a JSON array of page ids",
            ));
        }
    };
    let pages: Vec<usize> = ids
        .iter()
        .filter_map(|id| call.site.page_ref(&id.replace('+', "/")))
        .filter(|&p| {
            call.site.pages[p].status != crate::store::Status::Draft && page_accessible(call, p)
        })
        .collect();
    collection(call, &pages)
}

/// `PATCH site/title`.
pub fn change_title(call: &mut Call) -> ApiResult<Reply> {
    if !site_can(call, "changeTitle") {
        return Err(ApiError::keyed(
            Class::Permission,
            "error.site.changeTitle.permission",
        ));
    }
    let title = match call.body.get("title") {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => {
            if b {
                "1".into()
            } else {
                String::new()
            }
        }
        None | Some(Value::Null) => String::new(),
        Some(_) => return Err(ApiError::bad_request("The title must be a string")),
    };
    if matches!(call.body, super::super::request::Body::Malformed) {
        return Err(ApiError::bad_request("The request body is not valid JSON"));
    }
    if title.trim().is_empty() {
        return Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.site.changeTitle.empty",
        ));
    }
    let changes = [("title".to_owned(), Some(title.trim().to_owned()))];
    write_content(call, &ContentModel::Site, &changes)?;
    let selection = select::for_model(call, &site::VIEWS)?;
    let mut data = site::render(call, &selection)?.into_value();
    let bp = call.app.blueprints.site();
    show_written(call, &mut data, bp, Via::Field);
    Ok(Reply::Model(data.into()))
}
