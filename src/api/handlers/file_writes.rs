//! The write routes of files (api.md §4.6) and user avatars (§4.5): upload,
//! replace, meta update, rename, sort, delete.
//!
//! Every disk change runs under the store's writer lock, in the owner's
//! folder as the current snapshot has it (`support::write_owner_files`
//! finds the page again by id, so a concurrent rename of its folder is
//! followed), and only that folder is read again. The answer is rendered
//! from the fresh snapshot. Uploads answer in Kirby's upload envelope,
//! where even a refused upload is a 400 with a bare message.

mod avatar;
mod support;

pub use avatar::{delete_avatar, upload_avatar};
pub use support::{OwnerKey, find_file, fresh_uuid, owner};

use serde_json::Value;

use super::super::access::file_can;
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::file::{self, VIEWS};
use super::super::multipart::Part;
use super::super::reply::{Reply, paginate};
use super::super::select;
use super::super::validation::{self, Form};
use super::languages::content::write_content;
use super::written::{self, Via};
use crate::format::txt::Fields;
use crate::store::files::{self as disk, rules};
use crate::store::media;
use crate::store::model::fields_for;
use support::{
    add_blueprint_fields, envelope, envelope_error, io_error, meta_path, owner_dir, refresh_owner,
    render_file, write_owner_files,
};

/// `POST P/files`: every file part is one upload; `sort` and `template`
/// apply to all of them.
pub fn upload(call: &mut Call) -> ApiResult<Reply> {
    let mut key = owner(call, call.arg(0))?;
    let parts = match support::parts(call) {
        Ok(parts) => parts,
        Err(error) => return envelope_error(call, error),
    };
    let sort = support::form_field(&parts, "sort").map(str::to_owned);
    let template = support::form_field(&parts, "template").map(str::to_owned);
    let files = support::file_parts(&parts);
    if files.is_empty() {
        return envelope_error(call, ApiError::bad_request("No files were uploaded"));
    }
    let mut results = Vec::new();
    for part in files {
        let name = part.filename.clone().unwrap_or_default();
        results.push((
            name,
            create_one(call, &mut key, part, sort.as_deref(), template.as_deref()),
        ));
    }
    envelope(call, results)
}

fn create_one(
    call: &mut Call,
    key: &mut OwnerKey,
    part: &Part,
    sort: Option<&str>,
    template: Option<&str>,
) -> ApiResult<Value> {
    let filename = rules::safe_name(part.filename.as_deref().unwrap_or(""));
    let path = owner_dir(call, key)?.join(&filename);
    let owner = key.as_owner();
    let prospective = support::prospective(call, &filename, path.clone(), template);
    if !file_can(
        call,
        file::owner_templates(call, owner),
        &prospective,
        "create",
    ) {
        return Err(ApiError::message(
            Class::Permission,
            "The file cannot be created",
        ));
    }
    rules::check(&filename, &part.data).map_err(support::rejection)?;
    support::check_accept(call, template, &filename, &part.data)?;
    let existing = file::files_of(call, owner)
        .into_iter()
        .find(|f| f.filename == filename)
        .cloned();
    let duplicate =
        || ApiError::keyed(Class::Duplicate, "error.file.duplicate").with("filename", &filename);
    if path.is_dir() || (existing.is_none() && path.exists()) {
        return Err(duplicate());
    }
    let fields = match &existing {
        Some(found) => {
            let same = std::fs::read(&found.path)
                .map(|bytes| bytes == part.data)
                .unwrap_or(false);
            if !same {
                return Err(duplicate());
            }
            let mut fields = (*fields_for(
                &found.meta,
                call.site.default_language(),
                call.site.default_language(),
            ))
            .clone();
            sort.into_iter()
                .for_each(|s| fields.set("sort", s.to_owned()));
            template
                .filter(|t| *t != "default")
                .into_iter()
                .for_each(|t| fields.set("template", t.to_owned()));
            fields
        }
        None => new_meta(call, sort, template),
    };
    let code = call.default_code();
    write_owner_files(call, key, |dir, current| {
        let path = dir.join(&filename);
        let taken_meanwhile = current.iter().any(|f| f.filename == filename) || path.exists();
        if existing.is_none() && taken_meanwhile {
            return Err(duplicate());
        }
        disk::create(
            &path,
            &part.data,
            &meta_path(&path, code.as_deref()),
            &fields,
        )
        .map_err(io_error)
    })?;
    refresh_owner(call, key)?;
    let mut data = render_file(call, key, &filename, existing.is_none())?;
    if sort.is_none() && !matches!(key, OwnerKey::User(_)) {
        show_unset_sort(&mut data);
    }
    Ok(data)
}

/// A new file's meta content in Kirby's order: `sort` and `template` when
/// given, the UUID, then the blueprint's fields with their defaults.
fn new_meta(call: &Call, sort: Option<&str>, template: Option<&str>) -> Fields {
    let mut fields = Fields::default();
    sort.into_iter()
        .for_each(|s| fields.set("sort", s.to_owned()));
    let template = template.filter(|t| *t != "default");
    template
        .into_iter()
        .for_each(|t| fields.set("template", t.to_owned()));
    if let Some(uuid) = support::fresh_uuid(call) {
        fields.set("uuid", uuid);
    }
    add_blueprint_fields(call, template, &mut fields, true);
    fields
}

/// Kirby answers an upload with the content it was created with, where an
/// unset `sort` is still present as `null`.
fn show_unset_sort(data: &mut Value) {
    if let Some(Value::Object(content)) = data.get_mut("content") {
        let mut with_sort = serde_json::Map::new();
        with_sort.insert("sort".into(), Value::Null);
        with_sort.extend(std::mem::take(content));
        *content = with_sort;
    }
}

/// `POST F`: replaces the binary; the new bytes must have the same MIME type.
pub fn replace(call: &mut Call) -> ApiResult<Reply> {
    let (key, found) = support::find_file(call)?;
    let parts = match support::parts(call) {
        Ok(parts) => parts,
        Err(error) => return envelope_error(call, error),
    };
    let Some(part) = support::file_parts(&parts).into_iter().next().cloned() else {
        return envelope_error(call, ApiError::bad_request("No files were uploaded"));
    };
    let name = part.filename.clone().unwrap_or_default();
    let result = replace_one(call, &key, &found, &part);
    envelope(call, vec![(name, result)])
}

fn replace_one(
    call: &mut Call,
    key: &OwnerKey,
    found: &crate::store::File,
    part: &Part,
) -> ApiResult<Value> {
    if !file_can(
        call,
        file::owner_templates(call, key.as_owner()),
        found,
        "replace",
    ) {
        return Err(ApiError::message(
            Class::Permission,
            "The file cannot be replaced",
        ));
    }
    let upload_name = rules::safe_name(part.filename.as_deref().unwrap_or(""));
    let old_head = std::fs::read(&found.path).unwrap_or_default();
    let old_mime = rules::sniff_mime(&old_head).unwrap_or(media::mime_for(&found.extension));
    let new_mime =
        rules::sniff_mime(&part.data).unwrap_or(media::mime_for(&rules::extension(&upload_name)));
    if old_mime != new_mime {
        return Err(
            ApiError::keyed(Class::InvalidArgument, "error.file.mime.differs")
                .with("mime", old_mime),
        );
    }
    rules::check(&found.filename, &part.data).map_err(support::rejection)?;
    let template = crate::api::access::file_template(call, found);
    support::check_accept(call, template.as_deref(), &found.filename, &part.data)?;
    let mut key = key.clone();
    write_owner_files(call, &key, |dir, current| {
        support::still_there(current, &found.filename)?;
        disk::replace(&dir.join(&found.filename), &part.data).map_err(io_error)
    })?;
    refresh_owner(call, &mut key)?;
    render_file(call, &key, &found.filename, false)
}

/// `PATCH F`: merges the body into the meta content of the request language.
pub fn update(call: &mut Call) -> ApiResult<Reply> {
    let (key, found) = support::find_file(call)?;
    if !file_can(
        call,
        file::owner_templates(call, key.as_owner()),
        &found,
        "update",
    ) {
        return Err(ApiError::message(
            Class::Permission,
            "The file cannot be updated",
        ));
    }
    let template = crate::api::access::file_template(call, &found);
    let form = Form::file(call, key.as_owner(), &found, template.as_deref());
    let input = validation::checked_input(call, &form, support::body_object(call)?)?;
    let changes = meta_changes(call, &found, template.as_deref(), &input);
    // The write moves the call to a newer snapshot, where the page's
    // index may differ (a concurrent status change re-sorts the pages).
    let page_id = support::owner_page_id(call, &key)?;
    write_content(call, &key.file_model(&found.filename), &changes)?;
    let mut key = key;
    support::find_owner_again(call, &mut key, page_id)?;
    let mut data = render_file(call, &key, &found.filename, false)?;
    let bp = call.app.blueprints.file(template.as_deref());
    written::show_written(call, &mut data, bp, Via::Form);
    Ok(Reply::Model(data.into()))
}

/// The submitted fields as stored text, then every blueprint field the
/// meta content does not have yet, written empty (Kirby's form saves them).
fn meta_changes(
    call: &Call,
    found: &crate::store::File,
    template: Option<&str>,
    input: &serde_json::Map<String, Value>,
) -> Vec<(String, Option<String>)> {
    let mut fields = (*fields_for(
        &found.meta,
        call.language.as_ref(),
        call.site.default_language(),
    ))
    .clone();
    let mut changes: Vec<(String, Option<String>)> = Vec::new();
    for (name, value) in input {
        let text = support::stored_text(value);
        match &text {
            Some(text) => fields.set(name, text.clone()),
            None => fields.remove(name),
        }
        changes.push((name.clone(), text));
    }
    let before: Vec<String> = fields.iter().map(|(k, _)| k.to_owned()).collect();
    add_blueprint_fields(call, template, &mut fields, false);
    changes.extend(
        fields
            .iter()
            .filter(|(k, _)| !before.iter().any(|b| b == k))
            .map(|(k, v)| (k.to_owned(), Some(v.to_owned()))),
    );
    changes
}

/// `PATCH F/name`: renames the file and its meta files; the extension stays.
pub fn change_name(call: &mut Call) -> ApiResult<Reply> {
    let (key, found) = support::find_file(call)?;
    if !file_can(
        call,
        file::owner_templates(call, key.as_owner()),
        &found,
        "changeName",
    ) {
        return Err(
            ApiError::keyed(Class::Permission, "error.file.changeName.permission")
                .with("filename", &found.filename),
        );
    }
    let raw = match call.body.get("name") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            return Err(ApiError::keyed(
                Class::InvalidArgument,
                "error.file.changeName.empty",
            ));
        }
    };
    let name = rules::safe_name(&raw);
    if name.is_empty() {
        return Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.file.changeName.empty",
        ));
    }
    if name == found.name() {
        return Ok(Reply::Model(
            render_file(call, &key, &found.filename, false)?.into(),
        ));
    }
    let new_filename = if found.extension.is_empty() {
        name
    } else {
        format!("{name}.{}", found.extension)
    };
    rules::check_name(&new_filename).map_err(support::rejection)?;
    let taken = file::files_of(call, key.as_owner())
        .iter()
        .any(|f| f.filename == new_filename);
    let duplicate = || {
        ApiError::keyed(Class::Duplicate, "error.file.duplicate").with("filename", &new_filename)
    };
    if taken || found.path.with_file_name(&new_filename).exists() {
        return Err(duplicate());
    }
    let codes = support::language_codes(call);
    let mut key = key;
    write_owner_files(call, &key, |dir, current| {
        support::still_there(current, &found.filename)?;
        if current.iter().any(|f| f.filename == new_filename) || dir.join(&new_filename).exists() {
            return Err(duplicate());
        }
        disk::rename(&dir.join(&found.filename), &new_filename, &codes).map_err(io_error)
    })?;
    refresh_owner(call, &mut key)?;
    Ok(Reply::Model(
        render_file(call, &key, &new_filename, true)?.into(),
    ))
}

/// `PATCH P/files/sort`: `files` (file ids) get `Sort: index+n`, counting
/// only the ids found. The answer lists the files in their previous order,
/// as Kirby's does, so it is rendered from the snapshot before the write.
pub fn sort(call: &mut Call) -> ApiResult<Reply> {
    let key = owner(call, call.arg(0))?;
    let offset = match call.body.get("index") {
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| ApiError::bad_request("The index must be an integer"))?,
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request("The index must be an integer"))?,
        _ => return Err(ApiError::bad_request("The sort index is missing")),
    };
    let ids: Vec<String> = match call.body.get("files") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "The files must be a list of file ids",
            ));
        }
    };
    let owner = key.as_owner();
    let code = support::request_code(call);
    let mut positions: Vec<(String, i64)> = Vec::new();
    let mut position = offset;
    let files = file::files_of(call, owner);
    for id in &ids {
        let Some(found) = files
            .iter()
            .copied()
            .find(|f| file::id(call, owner, f) == *id)
        else {
            continue;
        };
        position = position.saturating_add(1);
        positions.push((found.filename.clone(), position));
    }
    // The meta fields are taken under the writer lock, from the files as
    // they are then, so a meta update or hand edit made a moment before is
    // kept; a file deleted meanwhile gets no meta file (it would be an
    // orphan, read as the page's content).
    write_owner_files(call, &key, |dir, current| {
        positions.iter().try_for_each(|(filename, position)| {
            let Some(file) = current.iter().find(|f| f.filename == *filename) else {
                return Ok(());
            };
            let mut fields = file
                .meta
                .get(code.as_deref().unwrap_or(""))
                .map(|f| (**f).clone())
                .unwrap_or_default();
            fields.set("sort", position.to_string());
            disk::write_meta(&meta_path(&dir.join(filename), code.as_deref()), &fields)
                .map_err(io_error)
        })
    })?;
    let files = file::listable(call, owner);
    let (items, pagination) = paginate(call, files)?;
    let selection = select::for_items(call, &VIEWS, &VIEWS.default_selection())?;
    let rendered: ApiResult<Vec<_>> = items
        .into_iter()
        .map(|f| file::render(call, owner, f, &selection))
        .collect();
    let reply = Reply::Collection(rendered?, pagination);
    call.site = call.app.store.site();
    Ok(reply)
}

/// `DELETE F`: removes the file and its meta files.
pub fn delete(call: &mut Call) -> ApiResult<Reply> {
    let (key, found) = support::find_file(call)?;
    if !file_can(
        call,
        file::owner_templates(call, key.as_owner()),
        &found,
        "delete",
    ) {
        return Err(ApiError::message(
            Class::Permission,
            "The file cannot be deleted",
        ));
    }
    support::delete_file(call, &key, &found.filename)
}
