//! `/api/users…` and `/api/account…`: every route that changes a user.
//!
//! Each handler follows Kirby's `UserRules`: find the user, check the body,
//! apply the rules in Kirby's order (validation or permission first, as
//! Kirby does, so the same bad request gets the same error key), then write
//! through [`crate::store::accounts`] inside `Store::write_in` (which reads
//! `site/accounts` again, and nothing else) and answer with
//! the refreshed user. Permissions come from [`crate::api::access`].

use serde_json::{Map, Value};

use super::super::access::{is_last_admin, user_can};
use super::super::call::{Actor, Call, unix_now};
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::user;
use super::super::reply::Reply;
use super::super::request::Body;
use super::super::select;
use super::super::validation::{self, Form};
use super::roles::{assignable, hypothetical};
use super::user_input::{DefaultsOnly, apply_input, scalar};
use super::users::find_user;
use crate::blueprint::default_values;
use crate::format::php::PhpValue;
use crate::format::txt::Fields;
use crate::store::User;
use crate::store::accounts::{self, AccountError, NewUser};

/// Roles that stand for "no role chosen": the user is stored as `nobody`.
const NO_ROLE: &[&str] = &["default", "nobody"];

/// The user named by the route, after refusing a body that is not JSON.
fn target(call: &Call) -> ApiResult<User> {
    let target = find_user(call, call.arg(0))?;
    if matches!(call.body, Body::Malformed) {
        return Err(ApiError::bad_request("The request body is not valid JSON"));
    }
    Ok(target)
}

/// Refuses `action` on `target` with Kirby's `error.user.<action>.permission`.
fn require(call: &Call, target: &User, action: &str) -> ApiResult<()> {
    if user_can(call, target, action) {
        return Ok(());
    }
    Err(ApiError::keyed(
        Class::Permission,
        &format!("error.user.{action}.permission"),
    )
    .with("name", target.username()))
}

/// The updated user in the default view. When the caller changed their own
/// account, later decisions in this call see the new state too.
fn answer(call: &mut Call, id: &str) -> ApiResult<Reply> {
    call.site = call.app.store.site();
    let fresh = call
        .site
        .user(id)
        .cloned()
        .ok_or_else(|| ApiError::user_not_found(id))?;
    if call.actor.user.as_ref().is_some_and(|me| me.id == fresh.id) {
        call.actor = Actor {
            role: call.app.role(&fresh.role),
            user: Some(fresh.clone()),
        };
    }
    let selection = select::for_model(call, &user::VIEWS)?;
    Ok(Reply::Model(user::render(call, &fresh, &selection)?))
}

/// Runs one account write under the store's writer lock.
fn write(call: &Call, change: impl FnOnce() -> Result<(), AccountError>) -> ApiResult<()> {
    let store = &call.app.store;
    store
        .write_in(store.accounts_dir(), |_| change())
        .map_err(ApiError::from)
}

/// `POST users`.
pub fn create(call: &mut Call) -> ApiResult<Reply> {
    if matches!(call.body, Body::Malformed) {
        return Err(ApiError::bad_request("The request body is not valid JSON"));
    }
    let invalid_role = || ApiError::keyed(Class::InvalidArgument, "error.user.role.invalid");
    let email = scalar(call.body.get("email"))
        .map_err(|_| AccountError::InvalidEmail)?
        .unwrap_or_default();
    let password = scalar(call.body.get("password")).map_err(|_| AccountError::PasswordTooShort)?;
    let name = scalar(call.body.get("name"))
        .map_err(|_| ApiError::bad_request("The name must be a string"))?;
    let language = scalar(call.body.get("language")).map_err(|_| AccountError::InvalidLanguage)?;
    let requested = scalar(call.body.get("role"))
        .map_err(|_| invalid_role())?
        .map(|r| r.trim().to_lowercase());
    let requested = requested
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "default".into());
    let role = call.app.role(&requested);
    let new_user = NewUser {
        email,
        password,
        name: name.map(|n| n.trim().to_owned()),
        language: language.unwrap_or_else(|| "en".into()),
        role: role.name.clone(),
    };
    let language_ok = call.app.translations.exists(&new_user.language);
    accounts::validate(&new_user, &call.site.users, language_ok)?;
    if !call.actor.role.is_admin() {
        let denied = || ApiError::keyed(Class::Permission, "error.user.create.permission");
        if requested == "admin"
            || (!call.site.users.is_empty() && !user_can(call, &hypothetical(&role.name), "create"))
        {
            return Err(denied());
        }
        let offered = assignable(call, "create")?;
        if !NO_ROLE.contains(&requested.as_str()) && !offered.iter().any(|r| r.name == requested) {
            return Err(invalid_role());
        }
    }
    let content = new_content(call, &role.name)?;
    let created =
        accounts::create_user_with_content(&call.app.store, new_user, &content, language_ok)?;
    answer(call, &created.id)
}

/// `user.txt` of a new account: the submitted `content`, then every other
/// field of the role's form with its default, as Kirby fills a new model.
fn new_content(call: &Call, role: &str) -> ApiResult<Fields> {
    let blueprint = call.app.blueprints.user(role);
    let input = match call.body.get("content") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(Value::Array(items)) if items.is_empty() => Map::new(),
        Some(_) => return Err(ApiError::bad_request("The content must be an object")),
    };
    let mut fields = Fields::default();
    apply_input(&mut fields, blueprint, &input);
    let context = DefaultsOnly { now: call.now };
    for (key, value) in default_values(blueprint, &context) {
        if fields.get(&key).is_none() {
            fields.set(&key, value);
        }
    }
    Ok(fields)
}

/// `PATCH users/(:any)`: merges the body into the content file of the
/// request's language, keeping every field it does not name.
pub fn update(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    require(call, &target, "update")?;
    let input = match &call.body {
        Body::Json(Value::Object(map)) => map.clone(),
        Body::Json(Value::Array(items)) if items.is_empty() => Map::new(),
        Body::Json(_) => {
            return Err(ApiError::bad_request(
                "The request body must be an object of fields",
            ));
        }
        other => other.object(),
    };
    let input = validation::checked_input(call, &Form::user(call, &target), input)?;
    let code = call.language.as_ref().map(|l| l.code.clone());
    let is_default = !super::written::is_secondary(call);
    let blueprint = call.app.blueprints.user(&call.app.role(&target.role).name);
    let id = target.id.clone();
    call.app
        .store
        .write_in(call.app.store.accounts_dir(), |site| {
            let current = site
                .user(&id)
                .ok_or_else(|| AccountError::Unwritable(id.clone()))?;
            let stored = current
                .content
                .get(code.as_deref().unwrap_or(""))
                .map(|f| (**f).clone());
            let mut fields = stored.unwrap_or_default();
            apply_input(&mut fields, blueprint, &input);
            // Kirby's form writes every field of the blueprint; a secondary
            // language file holds only the translatable ones.
            for field in blueprint
                .fields
                .iter()
                .filter(|f| f.holds_value() && (is_default || f.translate))
            {
                if fields.get(&field.name).is_none() {
                    fields.set(&field.name, String::new());
                }
            }
            accounts::write_content(&current.dir, code.as_deref(), &fields)
        })
        .map_err(ApiError::from)?;
    answer(call, &id)
}

/// `DELETE users/(:any)`: the last admin and the last user stay.
pub fn delete(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    if is_last_admin(call, &target) {
        return Err(ApiError::keyed(Class::Logic, "error.user.delete.lastAdmin"));
    }
    if call.site.users.len() <= 1 {
        return Err(ApiError::keyed(Class::Logic, "error.user.delete.lastUser"));
    }
    require(call, &target, "delete")?;
    write(call, || accounts::delete_account(&target.dir))?;
    call.site = call.app.store.site();
    if call.actor.is(&target) {
        call.session.logout(call.app, call.now);
        call.actor = Actor::anonymous();
    }
    Ok(Reply::Ok)
}

/// `PATCH …/email`: normalised (trimmed, IDN-decoded, lower-cased), valid, not taken by another user.
pub fn change_email(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    require(call, &target, "changeEmail")?;
    let email = scalar(call.body.get("email"))
        .map_err(|_| AccountError::InvalidEmail)?
        .unwrap_or_default();
    let email = crate::format::email::normalize(&email);
    if !accounts::valid_email(&email) {
        return Err(AccountError::InvalidEmail.into());
    }
    let dir = target.dir.clone();
    let id = target.id.clone();
    call.app
        .store
        .write_in(call.app.store.accounts_dir(), |site| {
            if site.users.iter().any(|u| u.email == email && u.id != id) {
                return Err(AccountError::Duplicate(email.clone()));
            }
            accounts::update_credentials(&dir, &[("email", PhpValue::Str(email.clone()))])
        })
        .map_err(ApiError::from)?;
    answer(call, &target.id)
}

/// `PATCH …/language`: the Panel language, one of the installed translations.
pub fn change_language(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    require(call, &target, "changeLanguage")?;
    let language = scalar(call.body.get("language"))
        .map_err(|_| AccountError::InvalidLanguage)?
        .unwrap_or_default();
    if language.is_empty() || !call.app.translations.exists(&language) {
        return Err(AccountError::InvalidLanguage.into());
    }
    write(call, || {
        accounts::update_credentials(&target.dir, &[("language", PhpValue::Str(language))])
    })?;
    answer(call, &target.id)
}

/// `PATCH …/name`: stored trimmed; an empty name is allowed.
pub fn change_name(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    require(call, &target, "changeName")?;
    let name = match scalar(call.body.get("name")) {
        Ok(Some(name)) => name.trim().to_owned(),
        _ => return Err(ApiError::bad_request("The name must be a string")),
    };
    write(call, || {
        accounts::update_credentials(&target.dir, &[("name", PhpValue::Str(name))])
    })?;
    answer(call, &target.id)
}

/// `PATCH …/password`. Changing your own password keeps you logged in with
/// a new session; every other session of the user is void from now on,
/// because it started before the new `.htpasswd` was written.
pub fn change_password(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    require(call, &target, "changePassword")?;
    let password = match scalar(call.body.get("password")) {
        Ok(Some(password)) => password,
        _ => return Err(AccountError::PasswordTooShort.into()),
    };
    accounts::check_password(&password)?;
    write(call, || accounts::write_password(&target.dir, &password))?;
    call.site = call.app.store.site();
    let own_session = call.actor.is(&target) && call.session.data.is_some();
    if let (true, Some(fresh)) = (own_session, call.site.user(&target.id).cloned()) {
        let long = call
            .session
            .data
            .as_ref()
            .is_some_and(|d| d.duration > call.app.config.session.duration_normal as i64);
        // The login time must not be older than the new file's mtime, and
        // hashing took a while since the call began.
        let now = unix_now().max(fresh.password_modified.unwrap_or(0));
        call.session.login(call.app, &fresh, long, now)?;
    }
    answer(call, &target.id)
}

/// `PATCH …/role`, with Kirby's rules in Kirby's order.
pub fn change_role(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    let invalid_role = || ApiError::keyed(Class::InvalidArgument, "error.user.role.invalid");
    let role = scalar(call.body.get("role"))
        .map_err(|_| invalid_role())?
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let actor_is_admin = call.actor.role.is_admin();
    if !actor_is_admin && target.role == "admin" {
        return Err(
            ApiError::keyed(Class::Permission, "error.user.changeRole.permission")
                .with("name", target.username()),
        );
    }
    if !actor_is_admin && role == "admin" {
        return Err(ApiError::keyed(
            Class::Permission,
            "error.user.changeRole.toAdmin",
        ));
    }
    let offered = assignable(call, "create")?;
    if !offered.iter().any(|r| r.name == role) {
        return Err(invalid_role());
    }
    if role != "admin" && is_last_admin(call, &target) {
        return Err(ApiError::keyed(
            Class::Logic,
            "error.user.changeRole.lastAdmin",
        ));
    }
    require(call, &target, "changeRole")?;
    write(call, || {
        accounts::update_credentials(&target.dir, &[("role", PhpValue::Str(role))])
    })?;
    answer(call, &target.id)
}
