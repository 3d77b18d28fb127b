//! `GET …/blueprint`: the blueprint of a page, the site or a user, as the
//! Panel reads it to lay out the model's view (api.md §5.9).

use super::super::call::Call;
use super::super::error::ApiResult;
use super::super::models::blueprint::{self, Subject, VIEWS};
use super::super::reply::Reply;
use super::super::select;
use super::find_page;
use super::users::find_user;

fn answer(call: &Call, subject: Subject) -> ApiResult<Reply> {
    let selection = select::for_model(call, &VIEWS)?;
    Ok(Reply::Model(blueprint::render(call, subject, &selection)?))
}

pub fn page(call: &mut Call) -> ApiResult<Reply> {
    let found = find_page(call, call.arg(0))?;
    answer(call, Subject::Page(found))
}

// FIXME: Kirby checks `site.access` only for `GET site`; the blueprint route is open to every
// Panel user, as here.
pub fn site(call: &mut Call) -> ApiResult<Reply> {
    answer(call, Subject::Site)
}

pub fn user(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, call.arg(0))?;
    answer(call, Subject::User(&target))
}
