//! `…/lock` and `…/unlock`: Kirby 4's content locks (api.md §4.8).
//!
//! A lock only tells other Panel users that someone is editing a model; it
//! never blocks a write. The routes take any model path (`site`, `account`,
//! `pages/<id>`, `users/<id>`, `<parent>/files/<name>`), find the model the
//! way Kirby's `Find::parent` does, and keep the lock in the `.lock` file of
//! the model's folder ([`crate::store::locks`]).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::super::access::file_accessible;
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::file::{self, Owner};
use super::super::reply::Reply;
use super::find_page;
use super::users::find_user;
use crate::format::php::PhpValue;
use crate::store::locks::{self, Held, LockEntry, LockFile, lock_path};

/// Where a model's lock lives: the folder of its `.lock` file and its key.
struct Target {
    dir: PathBuf,
    key: String,
}

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    if !locking_enabled(call) {
        return Ok(Reply::Raw(json!({"lock": false})));
    }
    let entry = locks::read(&lock_path(&target.dir)).get(&target.key);
    let data = held_by_other(call, &entry);
    let me = my_id(call);
    let state = if data.is_some() {
        json!("lock")
    } else if entry.unlock.contains(&me) {
        json!("unlock")
    } else {
        Value::Null
    };
    Ok(Reply::Raw(
        json!({"lock": {"state": state, "data": data.unwrap_or(Value::Bool(false))}}),
    ))
}

/// `PATCH …/lock`: the caller takes (or refreshes) the lock.
pub fn create(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    let me = my_id(call);
    let now = call.now;
    change(call, &target, |entry| {
        if entry.lock.as_ref().is_some_and(|held| held.user != me) {
            return Err(ApiError::message(
                Class::Duplicate,
                format!("{} is already locked", target.key),
            ));
        }
        entry.lock = Some(Held {
            user: me.clone(),
            time: now,
        });
        Ok(())
    })
}

/// `DELETE …/lock`: the caller gives up their own lock.
pub fn remove(call: &mut Call) -> ApiResult<Reply> {
    let Some(target) = target_or_gone(call)? else {
        return Ok(Reply::Ok);
    };
    let me = my_id(call);
    change(call, &target, |entry| {
        match &entry.lock {
            None => {}
            Some(held) if held.user != me => {
                return Err(ApiError::message(
                    Class::Logic,
                    "The content lock can only be removed by the user who created it. Use unlock instead.",
                )
                .status(409));
            }
            Some(_) => entry.lock = None,
        }
        Ok(())
    })
}

/// `PATCH …/unlock`: the caller takes the lock away from its holder, who
/// is told so on their next lock read.
pub fn unlock(call: &mut Call) -> ApiResult<Reply> {
    let target = target(call)?;
    change(call, &target, |entry| {
        if let Some(held) = entry.lock.take() {
            entry.unlock.push(held.user);
        }
        Ok(())
    })
}

/// `DELETE …/unlock`: the caller acknowledges that their lock was taken.
pub fn resolve(call: &mut Call) -> ApiResult<Reply> {
    let Some(target) = target_or_gone(call)? else {
        return Ok(Reply::Ok);
    };
    let me = my_id(call);
    change(call, &target, |entry| {
        entry.unlock.retain(|u| *u != me);
        Ok(())
    })
}

/// Reads, changes and writes one model's entry under the store's write
/// lock, so two requests never interleave on one `.lock` file.
fn change(
    call: &Call,
    target: &Target,
    edit: impl FnOnce(&mut LockEntry) -> ApiResult<()>,
) -> ApiResult<Reply> {
    // Without locking a model has no lock object, and Kirby answers `null`.
    if !locking_enabled(call) {
        return Ok(Reply::NotFound);
    }
    let path = lock_path(&target.dir);
    call.app.store.write_in(&target.dir, |_| {
        let mut file: LockFile = locks::read(&path);
        let before = file.get(&target.key);
        let mut entry = before.clone();
        edit(&mut entry)?;
        if entry != before {
            file.set(&target.key, entry);
            locks::write(&path, &file).map_err(|e| {
                ApiError::internal(format!("cannot write `{}`: {e}", path.display()))
            })?;
        }
        Ok(Reply::Ok)
    })
}

/// The `content.locking` option (on unless set to `false`).
fn locking_enabled(call: &Call) -> bool {
    let content = call
        .app
        .config
        .raw
        .as_array()
        .and_then(|config| config.get("content"));
    let locking = content
        .and_then(PhpValue::as_array)
        .and_then(|content| content.get("locking"));
    locking != Some(&PhpValue::Bool(false))
}

fn my_id(call: &Call) -> String {
    call.actor
        .user
        .as_ref()
        .map(|u| u.id.clone())
        .unwrap_or_default()
}

/// The lock data another user holds, as Kirby shows it; a lock of a user
/// who no longer exists counts as no lock.
fn held_by_other(call: &Call, entry: &LockEntry) -> Option<Value> {
    let held = entry
        .lock
        .as_ref()
        .filter(|held| held.user != my_id(call))?;
    let user = call.site.user(&held.user)?;
    Some(json!({
        "user": user.id,
        "email": user.email,
        "time": held.time,
        "unlockable": held.time.saturating_add(60) <= call.now,
    }))
}

/// The DELETE routes treat a missing model as nothing to do, as Kirby does.
fn target_or_gone(call: &Call) -> ApiResult<Option<Target>> {
    match target(call) {
        Ok(target) => Ok(Some(target)),
        Err(error) if error.class == Class::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Finds the model a lock path names, as Kirby's `Find::parent` does.
fn target(call: &Call) -> ApiResult<Target> {
    let path = call.arg(0).trim_matches('/').to_owned();
    let kind = match path.as_str() {
        "site" | "account" => path.clone(),
        _ => path
            .rsplit_once('/')
            .map(|(dir, _)| dir.trim_matches('/').to_owned())
            .unwrap_or_else(|| ".".into()),
    };
    let last = path.rsplit('/').next().unwrap_or_default();
    if kind.ends_with("/files") {
        let (parent, filename) = path.split_once("/files/").unwrap_or((&path, ""));
        return file_target(call, parent, filename);
    }
    match kind.as_str() {
        "site" => Ok(Target {
            dir: call.app.store.content_dir().to_owned(),
            key: "/".into(),
        }),
        "account" => {
            let user = call.actor.user.as_ref().ok_or_else(undefined_user)?;
            Ok(Target {
                dir: user.dir.clone(),
                key: format!("/{}", user.id),
            })
        }
        "pages" => {
            let page = &call.site.pages[find_page(call, last)?];
            Ok(Target {
                dir: page.dir.clone(),
                key: format!("/{}", page.id),
            })
        }
        "users" => {
            let found = if last.contains('@') {
                call.site.user_by_email(last)
            } else {
                call.site.user(last)
            };
            let user = found.ok_or_else(undefined_user)?;
            Ok(Target {
                dir: user.dir.clone(),
                key: format!("/{}", user.id),
            })
        }
        other => Err(ApiError::message(
            Class::InvalidArgument,
            format!("Invalid model type: {other}"),
        )),
    }
}

fn undefined_user() -> ApiError {
    ApiError::keyed(Class::NotFound, "error.user.undefined")
}

/// A file's lock lives in its parent's folder under the file's id.
fn file_target(call: &Call, parent: &str, raw_name: &str) -> ApiResult<Target> {
    let filename = percent_encoding::percent_decode_str(raw_name)
        .decode_utf8_lossy()
        .into_owned();
    let user_id;
    let (owner, id_prefix) = match parent {
        "site" => (Owner::Site, String::new()),
        "account" => {
            user_id = find_user(call, "account")?.id;
            (Owner::User(&user_id), format!("{user_id}/"))
        }
        _ if parent.starts_with("pages/") => {
            let page = find_page(call, parent.trim_start_matches("pages/"))?;
            (Owner::Page(page), format!("{}/", call.site.pages[page].id))
        }
        _ if parent.starts_with("users/") => {
            user_id = find_user(call, parent.trim_start_matches("users/"))?.id;
            (Owner::User(&user_id), format!("{user_id}/"))
        }
        other => {
            return Err(ApiError::message(
                Class::InvalidArgument,
                format!("Invalid model type: {other}"),
            ));
        }
    };
    let templates = file::owner_templates(call, owner);
    let found = file::files_of(call, owner)
        .into_iter()
        .find(|f| f.filename == filename);
    match found {
        Some(f) if file_accessible(call, templates, f) => {
            let dir = f.path.parent().map(PathBuf::from).unwrap_or_default();
            Ok(Target {
                dir,
                key: format!("/{id_prefix}{filename}"),
            })
        }
        _ => Err(ApiError::file_not_found(&filename)),
    }
}
