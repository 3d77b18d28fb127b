//! `/api/users…` and `/api/account…`: reading users.

use serde_json::json;

use super::super::access::{user_accessible, user_can, user_listable};
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::{file, role, user};
use super::super::reply::{Reply, paginate};
use super::super::select;
use super::roles::assignable;
use super::search::SearchRequest;
use crate::store::User;

/// The user a route names: `account` is the caller; an id, or anything with
/// `@` as an e-mail address.
pub fn find_user(call: &Call, raw: &str) -> ApiResult<User> {
    if raw == "account" {
        return call
            .actor
            .user
            .clone()
            .ok_or_else(|| ApiError::keyed(Class::NotFound, "error.user.undefined"));
    }
    let found = if raw.contains('@') {
        call.site.user_by_email(raw)
    } else {
        call.site.user(raw)
    };
    match found {
        Some(u) if user_accessible(call, u) => Ok(u.clone()),
        _ => Err(ApiError::user_not_found(raw)),
    }
}

fn collection(call: &Call, users: Vec<&User>) -> ApiResult<Reply> {
    let (items, pagination) = paginate(call, users)?;
    let selection = select::for_items(call, &user::VIEWS, &user::VIEWS.view("compact")?)?;
    let rendered: ApiResult<Vec<_>> = items
        .into_iter()
        .map(|u| user::render(call, u, &selection))
        .collect();
    Ok(Reply::Collection(rendered?, pagination))
}

pub fn list(call: &mut Call) -> ApiResult<Reply> {
    let users: Vec<&User> = user::sorted_users(call)
        .into_iter()
        .filter(|u| user_listable(call, u))
        .collect();
    collection(call, users)
}

pub fn search(call: &mut Call) -> ApiResult<Reply> {
    let users: Vec<&User> = user::sorted_users(call)
        .into_iter()
        .filter(|u| user_listable(call, u))
        .collect();
    let request = SearchRequest::from_call(call);
    let found = super::search::search(&request.query, users, |u| {
        let mut values = vec![
            u.id.clone(),
            u.email.clone(),
            u.role.clone(),
            u.name.clone().unwrap_or_default(),
        ];
        if let Some(fields) = u.content.get("") {
            values.extend(fields.iter().map(|(_, v)| v.to_owned()));
        }
        values
    });
    collection(call, found)
}

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, &call.arg(0).to_owned())?;
    let selection = select::for_model(call, &user::VIEWS)?;
    Ok(Reply::Model(user::render(call, &target, &selection)?))
}

pub fn avatar(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, &call.arg(0).to_owned())?;
    let Some(avatar) = &target.avatar else {
        return Ok(Reply::NotFound);
    };
    let selection = select::for_model(call, &file::VIEWS)?;
    Ok(Reply::Model(file::render(
        call,
        file::Owner::User(&target.id),
        avatar,
        &selection,
    )?))
}

pub fn blueprints(call: &mut Call) -> ApiResult<Reply> {
    find_user(call, &call.arg(0).to_owned())?;
    Ok(Reply::Raw(json!([])))
}

/// The roles this user could be given: only their own without `changeRole`.
pub fn roles(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, &call.arg(0).to_owned())?;
    let roles = if user_can(call, &target, "changeRole") {
        assignable(call, "create")?
    } else {
        vec![call.app.role(&target.role)]
    };
    let (items, pagination) = paginate(call, roles)?;
    let selection = select::for_items(call, &role::VIEWS, &role::VIEWS.view("compact")?)?;
    let rendered: ApiResult<Vec<_>> = items
        .iter()
        .map(|r| role::render(call, r, &selection))
        .collect();
    Ok(Reply::Collection(rendered?, pagination))
}
