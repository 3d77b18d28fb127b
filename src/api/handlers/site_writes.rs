//! `PATCH site`: merging submitted fields into the site's content file
//! (api.md §4.4), in the request's language.

use super::super::access::site_can;
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::site;
use super::super::reply::Reply;
use super::super::select;
use super::super::validation::{self, Form};
use super::languages::content::{ContentModel, write_content};
use super::page_writes::{object_body, show_submitted};
use super::written::{self, Via};

pub fn update(call: &mut Call) -> ApiResult<Reply> {
    if !site_can(call, "update") {
        return Err(ApiError::keyed(
            Class::Permission,
            "error.site.update.permission",
        ));
    }
    let input = validation::checked_input(call, &Form::site(call), object_body(call)?)?;
    let bp = call.app.blueprints.site();
    write_content(
        call,
        &ContentModel::Site,
        &written::page_changes(bp, &input),
    )?;
    let selection = select::for_model(call, &site::VIEWS)?;
    let mut data = site::render(call, &selection)?.into_value();
    written::show_written(call, &mut data, bp, Via::Form);
    show_submitted(&mut data, bp, &input);
    Ok(Reply::Model(data.into()))
}
