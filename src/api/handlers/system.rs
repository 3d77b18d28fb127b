//! `/api/system…`: system information, the PATCH check, and the first install.

use serde_json::{Value, json};

use super::super::call::{Actor, Call};
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::{system, user};
use super::super::reply::Reply;
use super::super::select;
use super::auth::require_csrf;
use crate::store::accounts::{NewUser, create_user};

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let default_view = if call.actor.user.is_some() {
        "panel"
    } else {
        "login"
    };
    let selection = match (call.query.get("view"), call.query.get("select")) {
        (Some(view), _) => system::VIEWS.view(view)?,
        (None, Some(_)) => select::for_model(call, &system::VIEWS)?,
        (None, None) => system::VIEWS.view(default_view)?,
    };
    let selection = selection
        .into_iter()
        .map(|(name, pick)| {
            if name == "user"
                && call.query.get("view").is_none()
                && call.query.get("select").is_some()
            {
                (name, select::Pick::Default)
            } else {
                (name, pick)
            }
        })
        .collect();
    Ok(Reply::Model(system::render(call, &selection)?))
}

pub fn method_test(_call: &mut Call) -> ApiResult<Reply> {
    Ok(Reply::Raw(json!({"status": "ok"})))
}

fn text(call: &Call, key: &str) -> Option<String> {
    match call.body.get(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// `POST system/install`: creates the first user, an admin, and logs them in.
pub fn install(call: &mut Call) -> ApiResult<Reply> {
    require_csrf(call)?;
    if !call.site.users.is_empty() {
        return Err(
            ApiError::message(Class::General, "The Panel is already installed").status(400),
        );
    }
    let is_local = call.client_ip().map(|ip| ip.is_loopback()).unwrap_or(true);
    if !is_local && !call.app.config.panel.install {
        return Err(ApiError::message(Class::General, "The Panel cannot be installed").status(400));
    }
    let new_user = NewUser {
        email: text(call, "email").unwrap_or_default(),
        password: text(call, "password"),
        name: text(call, "name"),
        language: text(call, "language").unwrap_or_else(|| "en".into()),
        role: "admin".into(),
    };
    let language_ok = call.app.translations.exists(&new_user.language);
    let created = create_user(&call.app.store, new_user, language_ok)?;
    call.site = call.app.store.site();
    call.session.login(call.app, &created, false, call.now)?;
    call.actor = Actor {
        role: call.app.role(&created.role),
        user: Some(created.clone()),
    };
    let rendered = user::render(call, &created, &user::VIEWS.view("auth")?)?.into_value();
    Ok(Reply::Raw(
        json!({"status": "ok", "token": true, "user": rendered}),
    ))
}
