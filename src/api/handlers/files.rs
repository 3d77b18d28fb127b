//! `/api/…/files…`: reading the files of pages, the site and users.

use super::super::access::file_accessible;
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult};
use super::super::models::file::{self, Owner, VIEWS};
use super::super::reply::{Reply, paginate};
use super::super::select;
use super::find_page;
use super::search::{SearchRequest, Searchable};
use super::users::find_user;

/// Owned copies of what the owner path names, so the call stays borrowable.
enum OwnerKey {
    Page(usize),
    Site,
    User(String),
}

fn owner(call: &Call, parent: &str) -> ApiResult<OwnerKey> {
    let parent = parent.trim_end_matches('/');
    if parent == "site" || parent.is_empty() {
        return Ok(OwnerKey::Site);
    }
    if let Some(id) = parent.strip_prefix("pages/") {
        return find_page(call, id).map(OwnerKey::Page);
    }
    let id = parent.strip_prefix("users/").unwrap_or(parent);
    find_user(call, id).map(|u| OwnerKey::User(u.id))
}

fn as_owner(key: &OwnerKey) -> Owner<'_> {
    match key {
        OwnerKey::Page(p) => Owner::Page(*p),
        OwnerKey::Site => Owner::Site,
        OwnerKey::User(id) => Owner::User(id),
    }
}

fn collection(call: &Call, owner: Owner, files: Vec<&crate::store::File>) -> ApiResult<Reply> {
    let (items, pagination) = paginate(call, files)?;
    let selection = select::for_items(call, &VIEWS, &VIEWS.default_selection())?;
    let rendered: ApiResult<Vec<_>> = items
        .into_iter()
        .map(|f| file::render(call, owner, f, &selection))
        .collect();
    Ok(Reply::Collection(rendered?, pagination))
}

pub fn list(call: &mut Call) -> ApiResult<Reply> {
    let key = owner(call, call.arg(0))?;
    let owner = as_owner(&key);
    collection(call, owner, file::listable(call, owner))
}

pub fn search(call: &mut Call) -> ApiResult<Reply> {
    let key = owner(call, call.arg(0))?;
    let owner = as_owner(&key);
    let found = SearchRequest::from_call(call).run(file::listable(call, owner), |f| {
        Searchable::from_content(call, &f.meta, file::id(call, owner, f), false)
    });
    collection(call, owner, found)
}

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let raw_name = call.arg(1).to_owned();
    let filename = percent_encoding::percent_decode_str(&raw_name)
        .decode_utf8_lossy()
        .into_owned();
    let key = owner(call, call.arg(0))?;
    let owner = as_owner(&key);
    let templates = file::owner_templates(call, owner);
    let found = file::files_of(call, owner)
        .into_iter()
        .find(|f| f.filename == filename);
    match found {
        Some(f) if file_accessible(call, templates, f) => {
            let selection = select::for_model(call, &VIEWS)?;
            Ok(Reply::Model(file::render(call, owner, f, &selection)?))
        }
        _ => Err(ApiError::file_not_found(&filename)),
    }
}
