//! `/api/…/files…`: reading the files of pages, the site and users.

use super::super::call::Call;
use super::super::error::ApiResult;
use super::super::models::file::{self, Owner, VIEWS};
use super::super::reply::{Reply, paginate};
use super::super::select;
use super::file_writes::{find_file, owner};
use super::search::{SearchRequest, Searchable};

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
    let owner = key.as_owner();
    collection(call, owner, file::listable(call, owner))
}

pub fn search(call: &mut Call) -> ApiResult<Reply> {
    let key = owner(call, call.arg(0))?;
    let owner = key.as_owner();
    let found = SearchRequest::from_call(call).run(file::listable(call, owner), |f| {
        Searchable::from_content(call, &f.meta, file::id(call, owner, f), false)
    });
    collection(call, owner, found)
}

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let (key, found) = find_file(call)?;
    let selection = select::for_model(call, &VIEWS)?;
    Ok(Reply::Model(file::render(
        call,
        key.as_owner(),
        &found,
        &selection,
    )?))
}
