//! Route handlers, one module per resource. Each handler is a few steps:
//! find the model, ask [`crate::api::access`], shape the answer.

pub mod auth;
pub mod blueprints;
pub mod file_writes;
pub mod files;
pub mod languages;
pub mod locks;
pub mod page_writes;
pub mod pages;
pub mod roles;
pub mod search;
pub mod sections;
pub mod site;
pub mod site_writes;
pub mod system;
pub mod translations;
pub mod user_input;
pub mod user_writes;
pub mod users;
pub mod written;

use super::call::Call;
use super::error::{ApiError, ApiResult};
use super::reply::Reply;
use crate::store::PageRef;

pub type Handler = fn(&mut Call) -> ApiResult<Reply>;

/// Finds a page by its URL id (`notes+my-note`): `+` and spaces stand for
/// `/`; the id is not percent-decoded (api.md §1.3). Invisible pages are
/// reported as missing.
pub fn find_page(call: &Call, raw_id: &str) -> ApiResult<PageRef> {
    let id = raw_id.replace(['+', ' '], "/");
    let found = call.site.page_ref(&id).or_else(|| {
        let (dir, last) = id
            .rsplit_once('/')
            .map(|(d, l)| (format!("{d}/"), l))
            .unwrap_or((String::new(), id.as_str()));
        let stem = last.rsplit_once('.').map(|(s, _)| s)?;
        call.site.page_ref(&format!("{dir}{stem}"))
    });
    let found = found.or_else(|| find_translated(call, &id));
    match found {
        Some(page) if super::access::page_accessible(call, page) => Ok(page),
        _ => Err(ApiError::page_not_found(&id)),
    }
}

/// On a multi-language site a page can also be found by its translated path.
fn find_translated(call: &Call, id: &str) -> Option<PageRef> {
    call.language.as_ref()?;
    call.site
        .index(true)
        .into_iter()
        .find(|&p| super::models::page::path(call, p) == id)
}
