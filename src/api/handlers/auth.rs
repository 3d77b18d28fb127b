//! `/api/auth…`: the current user, login (with password or a challenge),
//! the challenge code, logout and ping (auth.md §5).

use serde_json::{Value, json};

use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::user;
use super::super::reply::Reply;
use super::super::select;
use crate::auth::challenge::Mode;
use crate::auth::csrf;
use crate::auth::flow::{ChallengeRequest, check_password, create_challenge, verify_code};

pub fn current(call: &mut Call) -> ApiResult<Reply> {
    let Some(me) = call.actor.user.clone() else {
        return Err(ApiError::keyed(Class::NotFound, "error.user.undefined"));
    };
    let selection = match (call.query.get("view"), call.query.get("select")) {
        (None, None) => user::VIEWS.view("auth")?,
        _ => select::for_model(call, &user::VIEWS)?,
    };
    Ok(Reply::Model(user::render(call, &me, &selection)?))
}

/// The CSRF check of the public routes that change state (login, install):
/// a failure is 400 `Invalid CSRF token`, not 401.
pub fn require_csrf(call: &mut Call) -> ApiResult<()> {
    if call.actor.user.is_some()
        && call.headers.get("authorization").is_some()
        && call.app.config.api.basic_auth
    {
        return Ok(());
    }
    let expected = call.session.expected_csrf(call.app, call.now);
    let given = call
        .headers
        .get("x-csrf")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| call.query.get("csrf").map(str::to_owned));
    if csrf::matches(Some(&expected), given.as_deref()) {
        Ok(())
    } else {
        Err(ApiError::message(
            Class::InvalidArgument,
            "Invalid CSRF token",
        ))
    }
}

/// PHP's loose boolean: `false`, `0`, `""`, `"0"` and null are false.
fn php_bool(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty() && s != "0",
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn text(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

pub fn login(call: &mut Call) -> ApiResult<Reply> {
    require_csrf(call)?;
    let email = text(call.body.get("email"));
    let password = text(call.body.get("password"));
    let long = php_bool(call.body.get("long").as_ref());
    let methods = &call.app.config.auth.methods;
    let enabled = |name: &str| methods.iter().any(|m| m.name == name);
    let Some(password) = password else {
        let mode = if enabled("code") {
            Mode::Login
        } else if enabled("password-reset") {
            Mode::PasswordReset
        } else {
            return Err(ApiError::message(
                Class::InvalidArgument,
                "Login without password is not enabled",
            ));
        };
        let email =
            email.ok_or_else(|| ApiError::bad_request("Please enter a valid email address"))?;
        return start_challenge(call, &email, long, mode);
    };
    if !enabled("password") {
        return Err(ApiError::message(
            Class::InvalidArgument,
            "Login with password is not enabled",
        ));
    }
    let Some(email) = email else {
        return Err(ApiError::bad_request("Please enter a valid email address"));
    };
    let site = call.site.clone();
    let visitor = call.client_ip();
    let me = check_password(call.app, &site, &email, &password, visitor)?.clone();
    if methods.iter().any(|m| m.name == "password" && m.two_factor) {
        return start_challenge(call, &me.email, long, Mode::TwoFactor);
    }
    call.session.login(call.app, &me, long, call.now)?;
    logged_in(call, me)
}

/// Starts a login challenge; the answer only names it (auth.md §5.2).
fn start_challenge(call: &mut Call, email: &str, long: bool, mode: Mode) -> ApiResult<Reply> {
    let site = call.site.clone();
    let host = request_host(&call.origin);
    let site_title = super::super::models::site::title(call);
    let request = ChallengeRequest {
        email,
        long,
        mode,
        visitor: call.client_ip(),
        host: &host,
        site_title: &site_title,
    };
    let name = create_challenge(call.app, &site, &mut call.session, &request, call.now)?;
    Ok(Reply::Raw(
        json!({"code": 200, "status": "ok", "challenge": name}),
    ))
}

/// `POST /api/auth/code`: answers the open challenge with `code`.
pub fn code(call: &mut Call) -> ApiResult<Reply> {
    require_csrf(call)?;
    let code = text(call.body.get("code")).unwrap_or_default();
    let site = call.site.clone();
    let visitor = call.client_ip();
    let me = verify_code(call.app, &site, &mut call.session, &code, visitor, call.now)?;
    logged_in(call, me)
}

/// The answer to a finished login: the user in the auth view.
fn logged_in(call: &mut Call, me: crate::store::User) -> ApiResult<Reply> {
    call.actor = super::super::call::Actor {
        role: call.app.role(&me.role),
        user: Some(me.clone()),
    };
    let rendered = user::render(call, &me, &user::VIEWS.view("auth")?)?.into_value();
    Ok(Reply::Raw(
        json!({"code": 200, "status": "ok", "user": rendered}),
    ))
}

/// The host part of `scheme://host[:port]`.
fn request_host(origin: &str) -> String {
    url::Url::parse(origin)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".into())
}

pub fn logout(call: &mut Call) -> ApiResult<Reply> {
    call.session.logout(call.app, call.now);
    call.actor = super::super::call::Actor::anonymous();
    Ok(Reply::Ok)
}

pub fn ping(call: &mut Call) -> ApiResult<Reply> {
    call.session.touch(call.app, call.now);
    Ok(Reply::Ok)
}
