//! `/api/roles`: the roles the caller may see.

use std::sync::Arc;

use super::super::access::{role_accessible, user_can};
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::role::{VIEWS, render};
use super::super::reply::{Reply, paginate};
use super::super::select;
use crate::perm::Role;
use crate::store::User;

fn all_roles(call: &Call) -> ApiResult<Vec<Arc<Role>>> {
    call.app
        .roles
        .clone()
        .map_err(|_| ApiError::message(Class::InvalidArgument, "Invalid permissions category"))
}

/// A stand-in user of `role`, to ask what the caller could do to such a user.
pub fn hypothetical(role: &str) -> User {
    User {
        id: String::new(),
        email: String::new(),
        language: "en".into(),
        name: None,
        role: role.to_owned(),
        dir: Default::default(),
        password_hash: String::new(),
        password_modified: None,
        secrets: Default::default(),
        content: Default::default(),
        avatar: None,
    }
}

/// Roles the caller may give a new user (`canBe=created`) or assign to
/// others (`canBe=changed`).
pub fn assignable(call: &Call, action: &str) -> ApiResult<Vec<Arc<Role>>> {
    let roles = all_roles(call)?;
    if call.actor.role.is_admin() {
        return Ok(roles);
    }
    Ok(roles
        .into_iter()
        .filter(|r| {
            role_accessible(call, &r.name) && user_can(call, &hypothetical(&r.name), action)
        })
        .collect())
}

pub fn list(call: &mut Call) -> ApiResult<Reply> {
    let roles = match call.query.get("canBe") {
        Some("created") => assignable(call, "create")?,
        Some("changed") => assignable(call, "changeRole")?,
        _ => all_roles(call)?
            .into_iter()
            .filter(|r| role_accessible(call, &r.name))
            .collect(),
    };
    let (items, pagination) = paginate(call, roles)?;
    let selection = select::for_items(call, &VIEWS, &VIEWS.view("compact")?)?;
    let rendered: ApiResult<Vec<_>> = items.iter().map(|r| render(call, r, &selection)).collect();
    Ok(Reply::Collection(rendered?, pagination))
}

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let name = call.arg(0).to_owned();
    let role = all_roles(call)?
        .into_iter()
        .find(|r| r.name == name && role_accessible(call, &r.name))
        .ok_or_else(|| {
            ApiError::keyed(Class::NotFound, "error.role.notFound").with("name", name.clone())
        })?;
    let selection = select::for_model(call, &VIEWS)?;
    Ok(Reply::Model(render(call, &role, &selection)?))
}
