//! `PATCH site`: merging submitted fields into the site's content file
//! (api.md §4.4), in the request's language.

use super::super::access::site_can;
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::site;
use super::super::reply::Reply;
use super::super::select;
use super::page_writes::{merge, object_body, read_fields, show_submitted};
use crate::store::content::{content_path, write_fields};

pub fn update(call: &mut Call) -> ApiResult<Reply> {
    if !site_can(call, "update") {
        return Err(ApiError::keyed(
            Class::Permission,
            "error.site.update.permission",
        ));
    }
    let input = object_body(call)?;
    let bp = call.app.blueprints.site();
    let code = call.language.as_ref().map(|l| l.code.clone());
    let path = content_path(call.app.store.content_dir(), "site", code.as_deref());
    let written = call.app.store.write(|_| {
        let mut fields = read_fields(&path)?;
        merge(&mut fields, bp, &input);
        write_fields(&path, &fields)
    });
    call.site = call.app.store.site();
    written.map_err(|e| ApiError::internal(format!("cannot write `{}`: {e}", path.display())))?;
    let selection = select::for_model(call, &site::VIEWS)?;
    let mut data = site::render(call, &selection)?;
    show_submitted(&mut data, bp, &input);
    Ok(Reply::Model(data))
}
