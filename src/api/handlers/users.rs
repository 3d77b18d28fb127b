//! `/api/users…` and `/api/account…`: reading users.

use serde_json::json;

use super::super::access::{user_accessible, user_can, user_listable};
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::{file, role, user};
use super::super::reply::{Reply, paginate};
use super::super::select;
use super::roles::assignable;
use super::search::{SearchRequest, Searchable};
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

/// Searches users in folder order, as Kirby's unsorted user collection is.
pub fn search(call: &mut Call) -> ApiResult<Reply> {
    let users: Vec<&User> = call
        .site
        .users
        .iter()
        .filter(|u| user_listable(call, u))
        .collect();
    let found = SearchRequest::from_call(call).run(users, |u| {
        let mut values: Vec<(String, String)> = match u.content.get("") {
            Some(fields) => fields
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            None => Vec::new(),
        };
        values.push(("id".into(), u.id.clone()));
        values.push(("name".into(), u.name.clone().unwrap_or_default()));
        values.push(("email".into(), u.email.clone()));
        values.push(("role".into(), u.role.clone()));
        Searchable {
            id: u.id.clone(),
            values,
            is_page: false,
        }
    });
    collection(call, found)
}

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, call.arg(0))?;
    let selection = select::for_model(call, &user::VIEWS)?;
    Ok(Reply::Model(user::render(call, &target, &selection)?))
}

pub fn avatar(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, call.arg(0))?;
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

/// The page templates the user blueprint's pages sections offer.
pub fn blueprints(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, call.arg(0))?;
    let blueprints = &call.app.blueprints;
    let choices = blueprints.all_section_choices(blueprints.user(&target.role));
    Ok(Reply::Raw(json!(choices)))
}

/// The roles this user could be given: only their own without `changeRole`.
pub fn roles(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, call.arg(0))?;
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
