//! The pieces the file write routes share: which owner and folder a route
//! names, reading multipart uploads, building meta content, and Kirby's
//! upload envelope (api.md §4.7).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::api::call::Call;
use crate::api::error::{ApiError, ApiResult, Class, ErrorContext};
use crate::api::handlers::find_page;
use crate::api::handlers::languages::content::ContentModel;
use crate::api::handlers::users::find_user;
use crate::api::models::file::{self, Owner, VIEWS};
use crate::api::multipart::{self, Part};
use crate::api::request::Body;
use crate::config::UuidOption;
use crate::format::txt::Fields;
use crate::store::files::accept::{AcceptRules, Candidate, Refusal};
use crate::store::files::rules::Rejection;
use crate::store::files::{self as disk};
use crate::store::media;
use crate::store::model::Translated;
use crate::store::{File, PageRef, Touched};

/// Owned copies of what an owner path names, so the call stays borrowable.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnerKey {
    Page(PageRef),
    Site,
    User(String),
}

impl OwnerKey {
    /// The content model of the owner's file `filename`.
    pub fn file_model(&self, filename: &str) -> ContentModel {
        let filename = filename.to_owned();
        match self {
            OwnerKey::Page(p) => ContentModel::PageFile(Some(*p), filename),
            OwnerKey::Site => ContentModel::PageFile(None, filename),
            OwnerKey::User(id) => ContentModel::UserFile(id.clone(), filename),
        }
    }

    pub fn as_owner(&self) -> Owner<'_> {
        match self {
            OwnerKey::Page(p) => Owner::Page(*p),
            OwnerKey::Site => Owner::Site,
            OwnerKey::User(id) => Owner::User(id),
        }
    }
}

/// The owner a route's parent path (`pages/a+b/`, `site`, `account`, …) names.
pub fn owner(call: &Call, parent: &str) -> ApiResult<OwnerKey> {
    let parent = parent.trim_end_matches('/');
    if parent == "site" || parent.is_empty() {
        return Ok(OwnerKey::Site);
    }
    if let Some(id) = parent.strip_prefix("pages/") {
        return find_page(call, id).map(OwnerKey::Page);
    }
    let id = parent.strip_prefix("users/").unwrap_or(parent);
    find_user(call, id).map(|u| OwnerKey::User(u.id))
}

/// The folder that holds the owner's files.
pub fn owner_dir(call: &Call, key: &OwnerKey) -> ApiResult<PathBuf> {
    match key {
        OwnerKey::Page(p) => call
            .site
            .pages
            .get(*p)
            .map(|p| p.dir.clone())
            .ok_or_else(|| ApiError::internal("page vanished")),
        OwnerKey::Site => Ok(call.app.store.content_dir().to_owned()),
        OwnerKey::User(id) => call
            .site
            .user(id)
            .map(|u| u.dir.clone())
            .ok_or_else(|| ApiError::user_not_found(id)),
    }
}

/// The file a `F` route names (`arg(0)` the parent path, `arg(1)` the
/// percent-encoded file name), if the caller may see it.
pub fn find_file(call: &Call) -> ApiResult<(OwnerKey, File)> {
    let filename = percent_encoding::percent_decode_str(call.arg(1))
        .decode_utf8_lossy()
        .into_owned();
    let key = owner(call, call.arg(0))?;
    let owner = key.as_owner();
    let templates = file::owner_templates(call, owner);
    let found = file::files_of(call, owner)
        .into_iter()
        .find(|f| f.filename == filename)
        .cloned();
    match found {
        Some(f) if crate::api::access::file_accessible(call, templates, &f) => Ok((key, f)),
        _ => Err(ApiError::file_not_found(&filename)),
    }
}

/// Language codes of the site (empty on a single-language site).
pub fn language_codes(call: &Call) -> Vec<String> {
    call.site.languages.iter().map(|l| l.code.clone()).collect()
}

/// The language code content is written in: the request's language, or
/// `None` on a single-language site.
pub fn request_code(call: &Call) -> Option<String> {
    call.language.as_ref().map(|l| l.code.clone())
}

/// The meta file of `path` for `code`.
pub fn meta_path(path: &std::path::Path, code: Option<&str>) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = path.parent().unwrap_or(std::path::Path::new(""));
    crate::store::content::content_path(dir, name, code)
}

/// The parts of a multipart upload body.
pub fn parts(call: &Call) -> ApiResult<Vec<Part>> {
    let content_type = call
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    multipart::parse(content_type, &call.raw_body).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// A form field of the upload, as text.
pub fn form_field<'p>(parts: &'p [Part], name: &str) -> Option<&'p str> {
    parts
        .iter()
        .find(|p| p.filename.is_none() && p.name.eq_ignore_ascii_case(name))
        .and_then(|p| std::str::from_utf8(&p.data).ok())
        .filter(|v| !v.is_empty())
}

/// The file parts of an upload, in request order.
pub fn file_parts(parts: &[Part]) -> Vec<&Part> {
    parts.iter().filter(|p| p.filename.is_some()).collect()
}

/// The `Uuid` a new page or file gets, per the `content.uuid` option:
/// none, Kirby's 16-character form, or an RFC 4122 v4 UUID.
pub fn fresh_uuid(call: &Call) -> Option<String> {
    match call.app.config.content_uuid {
        UuidOption::Off => None,
        UuidOption::On => Some(disk::new_uuid()),
        UuidOption::V4 => Some(crate::store::pages::new_uuid_v4()),
    }
}

/// A value from a request body as it is stored in a content file; `None`
/// for `null`, which removes the field.
// FIXME: arrays and objects are stored as YAML whatever the field type;
// Kirby's form would format some field types (tags, pages) differently.
pub fn stored_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "1".into() } else { String::new() }),
        Value::Number(n) => Some(n.to_string()),
        other => serde_yaml::to_string(other)
            .ok()
            .map(|y| y.trim_end().to_owned()),
    }
}

/// The fields of `template`'s file blueprint that are not in `fields` yet,
/// appended with their default (`with_defaults`) or empty.
pub fn add_blueprint_fields(
    call: &Call,
    template: Option<&str>,
    fields: &mut Fields,
    with_defaults: bool,
) {
    let blueprint = call.app.blueprints.file(template);
    for field in blueprint.fields.iter().filter(|f| f.holds_value()) {
        if fields.get(&field.name).is_none() {
            let default = if with_defaults {
                field.default.as_ref().and_then(stored_text)
            } else {
                None
            };
            fields.set(&field.name, default.unwrap_or_default());
        }
    }
}

/// A file that does not exist yet, for asking permissions about it.
pub fn prospective(call: &Call, filename: &str, path: PathBuf, template: Option<&str>) -> File {
    let mut fields = Fields::default();
    if let Some(t) = template {
        fields.set("template", t.to_owned());
    }
    let code = call.default_code().unwrap_or_default();
    File {
        filename: filename.to_owned(),
        path,
        extension: crate::store::files::rules::extension(filename),
        size: 0,
        modified: 0,
        dimensions: None,
        meta: Translated::from([(code, Arc::new(fields))]),
    }
}

/// Checks an upload's bytes against the `accept` rules of its file
/// blueprint (`template`, else the default one).
pub fn check_accept(
    call: &Call,
    template: Option<&str>,
    filename: &str,
    bytes: &[u8],
) -> ApiResult<()> {
    let blueprint = call.app.blueprints.file(template);
    let rules = AcceptRules::parse(blueprint.raw.get("accept"));
    let extension = crate::store::files::rules::extension(filename);
    let mime = crate::store::files::rules::sniff_mime(bytes)
        .unwrap_or_else(|| media::mime_for(&extension));
    let kind = Some(media::type_for(&extension)).filter(|k| *k != "unknown");
    let candidate = Candidate {
        extension: &extension,
        mime,
        kind,
        size: bytes.len() as u64,
        dimensions: media::image_size_of(bytes),
    };
    rules.check(&candidate).map_err(refusal)
}

/// Kirby's error for a file its blueprint does not accept.
fn refusal(reason: Refusal) -> ApiError {
    let invalid = |key: &str| ApiError::keyed(Class::InvalidArgument, key);
    match reason {
        Refusal::Mime(mime) => invalid("error.file.mime.invalid").with("mime", mime),
        Refusal::Extension(ext) => invalid("error.file.extension.invalid").with("extension", ext),
        Refusal::Kind(kind) => invalid("error.file.type.invalid").with("type", kind),
        Refusal::Limit(limit, bound) => {
            invalid(&format!("error.file.{}", limit.name())).with(limit.property(), bound)
        }
        Refusal::Orientation(wanted) => {
            invalid("error.file.orientation").with("orientation", wanted)
        }
    }
}

/// Kirby's error for a refused upload.
pub fn rejection(reason: Rejection) -> ApiError {
    match reason {
        Rejection::ForbiddenType(kind) => {
            ApiError::keyed(Class::InvalidArgument, "error.file.type.forbidden").with("type", kind)
        }
        Rejection::ForbiddenExtension(ext) => {
            ApiError::keyed(Class::InvalidArgument, "error.file.extension.forbidden")
                .with("extension", ext)
        }
        Rejection::MissingExtension(name) => {
            ApiError::keyed(Class::InvalidArgument, "error.file.extension.missing")
                .with("filename", name)
        }
        Rejection::MissingName => {
            ApiError::keyed(Class::InvalidArgument, "error.file.name.missing")
        }
        Rejection::DotName => ApiError::keyed(Class::InvalidArgument, "error.file.name.invalid"),
        Rejection::UnsafeSvg(message) => ApiError::message(Class::InvalidArgument, message),
    }
}

pub fn io_error(error: disk::FileError) -> ApiError {
    ApiError::internal(error.to_string())
}

/// Renders a file in its default view. A file Kirby has just created or
/// renamed is appended to its siblings, so its answer shows the last other
/// file as `prev` and no `next`; `appended` reproduces that.
pub fn render_file(
    call: &Call,
    key: &OwnerKey,
    filename: &str,
    appended: bool,
) -> ApiResult<Value> {
    let owner = key.as_owner();
    let found = file::files_of(call, owner)
        .into_iter()
        .find(|f| f.filename == filename);
    let Some(found) = found else {
        return Err(ApiError::file_not_found(filename));
    };
    let mut data = file::render(call, owner, found, &VIEWS.default_selection())?.into_value();
    if appended && let Value::Object(map) = &mut data {
        let others: Vec<&File> = file::listable(call, owner)
            .into_iter()
            .filter(|f| f.filename != filename)
            .collect();
        let prev = match others.last() {
            Some(last) => file::render(call, owner, last, &VIEWS.view("compact")?)?.into_value(),
            None => Value::Null,
        };
        map.insert("prev".into(), prev);
        map.insert("next".into(), Value::Null);
    }
    Ok(data)
}

/// The message of an error in the acting user's Panel language.
fn message(call: &Call, error: &ApiError) -> String {
    let language = call.ui_language();
    let ctx = ErrorContext {
        translations: &call.app.translations,
        language: &language,
        debug: call.app.config.debug,
        route: None,
    };
    let (_, body) = error.to_body(&ctx);
    body.get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// The upload envelope: one part answers `data`/`message` directly, several
/// parts answer by original file name. Internal failures keep the normal
/// error envelope, since they are not the client's doing.
pub fn envelope(
    call: &Call,
    results: Vec<(String, ApiResult<Value>)>,
) -> ApiResult<crate::api::reply::Reply> {
    use crate::api::reply::Reply;
    if let Some((_, Err(error))) = results
        .iter()
        .find(|(_, r)| r.as_ref().is_err_and(|e| e.status >= 500))
    {
        return Err(error.clone());
    }
    if let [(_, single)] = results.as_slice() {
        return Ok(Reply::Raw(match single {
            Ok(data) => json!({"status": "ok", "data": data}),
            Err(error) => json!({"status": "error", "message": message(call, error)}),
        }));
    }
    let mut data = Map::new();
    let mut errors = Map::new();
    for (name, result) in results {
        match result {
            Ok(value) => {
                data.insert(name, value);
            }
            Err(error) => {
                errors.insert(name, json!(message(call, &error)));
            }
        }
    }
    if errors.is_empty() {
        Ok(Reply::Raw(json!({"status": "ok", "data": data})))
    } else {
        Ok(Reply::Raw(json!({"status": "error", "errors": errors})))
    }
}

/// An upload envelope error for the whole request.
pub fn envelope_error(call: &Call, error: ApiError) -> ApiResult<crate::api::reply::Reply> {
    envelope(call, vec![(String::new(), Err(error))])
}

/// The JSON object body of a write; a malformed or non-object body is refused.
pub fn body_object(call: &Call) -> ApiResult<Map<String, Value>> {
    match &call.body {
        Body::Malformed => Err(ApiError::bad_request("The request body is not valid JSON")),
        Body::Json(Value::Object(map)) => Ok(map.clone()),
        Body::Json(_) => Err(ApiError::bad_request("The request body must be an object")),
        Body::Form(_) | Body::Empty => Ok(call.body.object()),
    }
}

/// Replaces the call's snapshot with the current one after a write, and
/// `key` with the same owner in it: a page reference indexes one snapshot
/// only (after a rename of the page or a parent, the page sits in another
/// arena slot), so the page is found again by the id it had.
pub fn refresh_owner(call: &mut Call, key: &mut OwnerKey) -> ApiResult<()> {
    let page_id = owner_page_id(call, key)?;
    call.site = call.app.store.site();
    find_owner_again(call, key, page_id)
}

/// The id of the page `key` names in the call's snapshot (`None` for the
/// site and users, whose keys hold no snapshot index): what finds the
/// owner again after the snapshot has moved on.
pub fn owner_page_id(call: &Call, key: &OwnerKey) -> ApiResult<Option<String>> {
    match key {
        OwnerKey::Page(p) => call
            .site
            .pages
            .get(*p)
            .map(|page| Some(page.id.clone()))
            .ok_or_else(|| ApiError::internal("page vanished")),
        OwnerKey::Site | OwnerKey::User(_) => Ok(None),
    }
}

/// Points `key` at the page `page_id` (from [`owner_page_id`]) in the
/// call's current snapshot.
pub fn find_owner_again(call: &Call, key: &mut OwnerKey, page_id: Option<String>) -> ApiResult<()> {
    if let Some(id) = page_id {
        let page = call
            .site
            .page_ref(&id)
            .ok_or_else(|| ApiError::page_not_found(&id))?;
        *key = OwnerKey::Page(page);
    }
    Ok(())
}

/// Runs a file write under the store's writer lock, in the owner's folder
/// as it is then: the page is found again by id in the current snapshot,
/// so a concurrent rename of its folder (or a parent's, by a status or
/// slug change) is followed instead of writing to a path that is gone.
/// `write` gets that folder, to derive its paths from, and the owner's
/// files as they are then (hand edits of the folder already read), to
/// check again what the request checked in its snapshot: another request
/// may have taken a name or removed a file since. The call keeps its
/// snapshot: [`refresh_owner`] moves it and `key` to the current one.
pub fn write_owner_files<T>(
    call: &mut Call,
    key: &OwnerKey,
    write: impl FnOnce(&Path, &[File]) -> ApiResult<T>,
) -> ApiResult<T> {
    let planned = [owner_dir(call, key)?];
    let page_id = owner_page_id(call, key)?;
    let store = &call.app.store;
    let written = store.write_refreshing(&planned, |site| {
        let owner = match key {
            OwnerKey::Page(_) => page_id
                .as_deref()
                .and_then(|id| site.page(id))
                .map(|page| (page.dir.clone(), page.files.as_slice())),
            OwnerKey::Site => Some((store.content_dir().to_owned(), site.files.as_slice())),
            OwnerKey::User(id) => site
                .user(id)
                .map(|user| (user.dir.clone(), user.avatar.as_slice())),
        };
        match owner {
            Some((dir, files)) => (Ok(write(&dir, files)), Touched::Folders(vec![dir])),
            None => (Err(()), Touched::Folders(Vec::new())),
        }
    });
    match written {
        Ok(result) => result,
        Err(()) => Err(match (key, page_id) {
            (OwnerKey::User(id), _) => ApiError::user_not_found(id),
            (_, id) => ApiError::page_not_found(&id.unwrap_or_default()),
        }),
    }
}

/// Fails with the file's not-found error unless `filename` is among the
/// owner's `current` files: for a write planned on a file that a
/// concurrent request has deleted or renamed.
pub fn still_there(current: &[File], filename: &str) -> ApiResult<()> {
    if current.iter().any(|f| f.filename == filename) {
        Ok(())
    } else {
        Err(ApiError::file_not_found(filename))
    }
}

/// Removes the owner's file `filename` with its meta files in every
/// language, and refreshes the call's snapshot.
pub fn delete_file(
    call: &mut Call,
    key: &OwnerKey,
    filename: &str,
) -> ApiResult<crate::api::reply::Reply> {
    let codes = language_codes(call);
    write_owner_files(call, key, |dir, current| {
        still_there(current, filename)?;
        crate::store::files::delete(&dir.join(filename), &codes).map_err(io_error)
    })?;
    call.site = call.app.store.site();
    Ok(crate::api::reply::Reply::Ok)
}
