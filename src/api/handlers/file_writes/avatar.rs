//! User avatars (api.md §4.5): one image per user, stored as
//! `profile.<ext>` in the account folder with a `Template: avatar` meta file.

use serde_json::Value;

use super::support::{
    self, OwnerKey, envelope, envelope_error, io_error, meta_path, render_file, write_owner_files,
};
use crate::api::access::user_can;
use crate::api::call::Call;
use crate::api::error::{ApiError, ApiResult, Class};
use crate::api::handlers::users::find_user;
use crate::api::multipart::Part;
use crate::api::reply::Reply;
use crate::format::txt::Fields;
use crate::store::files::{self as disk, rules};
use crate::store::media;

/// `POST users/(:any)/avatar`: the first file part becomes `profile.<ext>`,
/// replacing any earlier avatar. It must be an image.
pub fn upload_avatar(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, call.arg(0))?;
    let parts = match support::parts(call) {
        Ok(parts) => parts,
        Err(error) => return envelope_error(call, error),
    };
    let Some(part) = support::file_parts(&parts).into_iter().next().cloned() else {
        return envelope_error(call, ApiError::bad_request("No files were uploaded"));
    };
    let name = part.filename.clone().unwrap_or_default();
    let result = avatar_one(call, &target, &part);
    envelope(call, vec![(name, result)])
}

fn avatar_one(call: &mut Call, target: &crate::store::User, part: &Part) -> ApiResult<Value> {
    if !user_can(call, target, "update") {
        return Err(ApiError::message(
            Class::Permission,
            "The file cannot be created",
        ));
    }
    let extension = rules::extension(&rules::safe_name(part.filename.as_deref().unwrap_or("")));
    let kind = media::type_for(&extension);
    if kind != "image" {
        return Err(
            ApiError::keyed(Class::InvalidArgument, "error.file.type.invalid").with("type", kind),
        );
    }
    let filename = format!("profile.{extension}");
    rules::check(&filename, &part.data).map_err(support::rejection)?;
    let path = target.dir.join(&filename);
    let mut fields = Fields::default();
    if let Some(uuid) = support::fresh_uuid(call) {
        fields.set("uuid", uuid);
    }
    fields.set("template", "avatar".to_owned());
    let meta = meta_path(&path, call.default_code().as_deref());
    let created = target.avatar.is_none();
    let codes = support::language_codes(call);
    let key = OwnerKey::User(target.id.clone());
    // The avatar to replace is the one the account has under the writer
    // lock (another upload may have changed it since this request looked).
    // The new one is written before the old one goes, so a failure never
    // leaves the user without one.
    write_owner_files(call, &key, |dir, current| {
        disk::create(&path, &part.data, &meta, &fields).map_err(io_error)?;
        match current.iter().find(|old| old.filename != filename) {
            Some(old) => disk::delete(&dir.join(&old.filename), &codes).map_err(io_error),
            None => Ok(()),
        }
    })?;
    call.site = call.app.store.site();
    let mut data = render_file(call, &key, &filename, false)?;
    // Kirby creates a first avatar with the template as a model property,
    // not as content, so that answer's content lacks the `template` it stores.
    if created && let Some(Value::Object(content)) = data.get_mut("content") {
        content.remove("template");
    }
    Ok(data)
}

/// `DELETE users/(:any)/avatar`.
pub fn delete_avatar(call: &mut Call) -> ApiResult<Reply> {
    let target = find_user(call, call.arg(0))?;
    let Some(avatar) = target.avatar.clone() else {
        return Err(ApiError::file_not_found("avatar"));
    };
    if !user_can(call, &target, "update") {
        return Err(ApiError::message(
            Class::Permission,
            "The file cannot be deleted",
        ));
    }
    let key = OwnerKey::User(target.id.clone());
    support::delete_file(call, &key, &avatar.filename)
}
