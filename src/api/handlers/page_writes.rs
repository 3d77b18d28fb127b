//! The page routes that change something (api.md §4.2): content updates,
//! creating drafts, duplicating, deleting, and changing slug, title and
//! template. Status changes live in [`status`].
//!
//! Each handler finds the page, asks [`crate::api::access`], checks the
//! input, then changes the disk inside `Store::write` through
//! [`crate::store::pages`] and answers with the page as it is now.

mod input;
mod status;

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::super::access::{new_page_can, page_can};
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::page;
use super::super::reply::Reply;
use super::super::select;
use super::super::validation::{self, Form};
use super::find_page;
use super::languages::content::{ContentModel, write_content};
use super::written::{self, Via};
use crate::blueprint::default_values;
use crate::config::UuidOption;
use crate::format::slug::slug as slugify;
use crate::format::txt::Fields;
use crate::store::Stale;
use crate::store::content::content_path;
use crate::store::fsio::write_atomic;
use crate::store::pages::{self as folders, CopyOptions, FolderError, no_faults};
use crate::store::{Page, PageRef, Site, Status};

pub use input::{merge, object_body, read_fields, show_submitted, stored_text};
pub use status::change_status;

/// Kirby's `slugs.maxlength` default for page slugs.
const SLUG_MAX: usize = 255;

/// Top-level slugs that would hide Kirby's own routes.
// FIXME: Kirby derives these from the `api.slug`, `panel.slug` and media
// roots; Folio uses the default names.
const RESERVED: &[&str] = &["api", "assets", "media", "panel"];

/// `PATCH pages/(:any)`: merges the submitted fields into the content file
/// of the request language, once the blueprint form has no errors.
pub fn update(call: &mut Call) -> ApiResult<Reply> {
    let page = find_page(call, call.arg(0))?;
    let p = call.site.pages[page].clone();
    if !page_can(call, page, "update") {
        return Err(denied("error.page.update.permission", &p.slug));
    }
    let input = validation::checked_input(call, &Form::page(call, page), object_body(call)?)?;
    let bp = call.app.blueprints.page(&p.template);
    let changes = written::page_changes(bp, &input);
    write_content(call, &ContentModel::Page(page), &changes)?;
    let mut data = rendered(call, &p.id)?;
    written::show_written(call, &mut data, bp, Via::Form);
    show_submitted(&mut data, bp, &input);
    Ok(Reply::Model(data))
}

/// `DELETE pages/(:any)`: removes the page folder; with children or drafts
/// only when `force` is set.
pub fn delete(call: &mut Call) -> ApiResult<Reply> {
    let page = find_page(call, call.arg(0))?;
    let p = call.site.pages[page].clone();
    if !page_can(call, page, "delete") {
        return Err(denied("error.page.delete.permission", &p.slug));
    }
    let force = input::flag(call.body.get("force")) || call.query.flag("force");
    if (!p.children.is_empty() || !p.drafts.is_empty()) && !force {
        return Err(ApiError::keyed(
            Class::Logic,
            "error.page.delete.hasChildren",
        ));
    }
    let renumbered = status::close_gap(call, page);
    commit(call, |_| {
        folders::delete_page(&p.dir, &no_faults)?;
        folders::renumber(&renumbered, &no_faults)
    })?;
    Ok(Reply::Ok)
}

/// `POST pages/(:any)/children`.
pub fn create_child(call: &mut Call) -> ApiResult<Reply> {
    let parent = find_page(call, call.arg(0))?;
    create(call, Some(parent))
}

/// `POST site/children`.
pub fn create_top_level(call: &mut Call) -> ApiResult<Reply> {
    create(call, None)
}

/// Creates a draft: `<parent>/_drafts/<slug>/<template>.txt` holding the
/// submitted content, then `Uuid`, then the blueprint's defaults.
fn create(call: &mut Call, parent: Option<PageRef>) -> ApiResult<Reply> {
    input::require_object_body(call)?;
    let slug = slugify(
        &input::slug_text(call.body.get("slug")).unwrap_or_default(),
        SLUG_MAX,
    );
    let template = input::template_name(call.body.get("template"))?;
    check_slug(parent, &slug)?;
    if !new_page_can(call, &template) {
        return Err(denied("error.page.create.permission", &slug));
    }
    check_free(&call.site, parent, &slug, None)?;
    let content = match call.body.get("content") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(ApiError::bad_request("The content must be an object")),
    };
    let id = child_id(&call.site, parent, &slug);
    let fields = new_content(call, &template, &id, &content);
    let dir = children_dir(call, parent).join("_drafts").join(&slug);
    let file_name = content_file_name(&template, default_code(call).as_deref());
    commit(call, |_| {
        folders::create_page(&dir, &file_name, &fields, &no_faults)
    })?;
    answer(call, &id)
}

fn new_content(call: &Call, template: &str, id: &str, content: &Map<String, Value>) -> Fields {
    let bp = call.app.blueprints.page(template);
    let mut fields = Fields::default();
    merge(&mut fields, bp, content);
    if call.app.config.content_uuid != UuidOption::Off && fields.get("uuid").is_none() {
        // FIXME: `content.uuid: uuid-v4` asks for v4 UUIDs; Folio writes Kirby's default form.
        fields.set("uuid", folders::new_uuid());
    }
    for (key, value) in default_values(bp, &input::NewModel::page(call, id)) {
        if fields.get(&key).is_none() {
            fields.set(&key, value);
        }
    }
    fields
}

/// `POST pages/(:any)/duplicate`: copies the page as a draft next to it.
// FIXME: Kirby also accepts a `title` for the copy; Folio keeps the original title.
pub fn duplicate(call: &mut Call) -> ApiResult<Reply> {
    let page = find_page(call, call.arg(0))?;
    let p = call.site.pages[page].clone();
    input::require_object_body(call)?;
    let slug = match input::slug_text(call.body.get("slug")) {
        Some(given) => slugify(&given, SLUG_MAX),
        None => format!("{}-copy", p.slug),
    };
    if !page_can(call, page, "duplicate") {
        return Err(denied("error.page.duplicate.permission", &p.slug));
    }
    check_slug(p.parent, &slug)?;
    check_free(&call.site, p.parent, &slug, None)?;
    let options = CopyOptions {
        children: input::flag(call.body.get("children")),
        files: input::flag(call.body.get("files")),
    };
    let to = children_dir(call, p.parent).join("_drafts").join(&slug);
    commit(call, |_| {
        folders::copy_page(&p.dir, &to, options, &no_faults)
    })?;
    answer(call, &child_id(&call.site, p.parent, &slug))
}

/// `PATCH pages/(:any)/slug`: renames the page folder.
// FIXME: on a multi-language site a secondary language keeps its slug in its
// content file (`Slug:`); Folio always renames the folder.
pub fn change_slug(call: &mut Call) -> ApiResult<Reply> {
    let page = find_page(call, call.arg(0))?;
    let p = call.site.pages[page].clone();
    input::require_object_body(call)?;
    let slug = slugify(
        &input::slug_text(call.body.get("slug")).unwrap_or_default(),
        SLUG_MAX,
    );
    if !page_can(call, page, "changeSlug") {
        return Err(denied("error.page.changeSlug.permission", &p.slug));
    }
    check_slug(p.parent, &slug)?;
    if slug == p.slug {
        return answer(call, &p.id);
    }
    check_free(&call.site, p.parent, &slug, Some(page))?;
    let to = p.dir.with_file_name(folder_name(&p, &slug));
    commit(call, |_| folders::move_dir(&p.dir, &to))?;
    answer(call, &child_id(&call.site, p.parent, &slug))
}

/// `PATCH pages/(:any)/title`.
pub fn change_title(call: &mut Call) -> ApiResult<Reply> {
    let page = find_page(call, call.arg(0))?;
    let p = call.site.pages[page].clone();
    let title = title_input(call)?;
    if !page_can(call, page, "changeTitle") {
        return Err(denied("error.page.changeTitle.permission", &p.slug));
    }
    if title.trim().is_empty() {
        return Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.page.changeTitle.empty",
        ));
    }
    let changes = [("title".to_owned(), Some(title))];
    write_content(call, &ContentModel::Page(page), &changes)?;
    let mut data = rendered(call, &p.id)?;
    let bp = call.app.blueprints.page(&p.template);
    written::show_written(call, &mut data, bp, Via::Field);
    Ok(Reply::Model(data))
}

/// The submitted title: a missing or `null` title is an empty one, a number
/// is written out, lists and maps are refused (Kirby crashes on them).
pub fn title_input(call: &Call) -> ApiResult<String> {
    input::require_object_body(call)?;
    match call.body.get("title") {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(if b { "1".into() } else { String::new() }),
        Some(_) => Err(ApiError::bad_request("The title must be a string")),
    }
}

/// `PATCH pages/(:any)/template`: renames the content files.
// FIXME: Kirby also drops fields the new blueprint does not know; Folio keeps them.
pub fn change_template(call: &mut Call) -> ApiResult<Reply> {
    let page = find_page(call, call.arg(0))?;
    let p = call.site.pages[page].clone();
    input::require_object_body(call)?;
    if !page_can(call, page, "changeTemplate") {
        return Err(denied("error.page.changeTemplate.permission", &p.slug));
    }
    let template = match call.body.get("template") {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    let blueprints = &call.app.blueprints;
    let choices = blueprints.page_template_choices(blueprints.page(&p.template), &p.template);
    if !choices.iter().any(|c| c.name == template) {
        return Err(
            ApiError::keyed(Class::InvalidArgument, "error.page.changeTemplate.invalid")
                .with("slug", &p.slug),
        );
    }
    if template != p.template {
        let codes = content_codes(call, &p);
        commit(call, |_| rename_content_files(&p, &template, &codes))?;
    }
    answer(call, &p.id)
}

/// Language codes of the page's content files (`None` on a single-language site).
fn content_codes(call: &Call, p: &Page) -> Vec<Option<String>> {
    if call.site.languages.is_empty() {
        return vec![None];
    }
    p.content
        .keys()
        .filter(|code| !code.is_empty())
        .map(|code| Some(code.clone()))
        .collect()
}

/// Writes every content file under the new template's name, then removes
/// the old ones; a failure on the way removes the new files again.
fn rename_content_files(p: &Page, template: &str, codes: &[Option<String>]) -> std::io::Result<()> {
    let pairs: Vec<(PathBuf, PathBuf)> = codes
        .iter()
        .map(|code| {
            (
                content_path(&p.dir, &p.template, code.as_deref()),
                content_path(&p.dir, template, code.as_deref()),
            )
        })
        .filter(|(old, _)| old.exists())
        .collect();
    let mut written = Vec::new();
    for (old, new) in &pairs {
        let copied = std::fs::read(old).and_then(|bytes| write_atomic(new, &bytes));
        if let Err(e) = copied {
            written
                .iter()
                .for_each(|path: &&PathBuf| drop(std::fs::remove_file(path)));
            return Err(e);
        }
        written.push(new);
    }
    pairs
        .iter()
        .try_for_each(|(old, _)| std::fs::remove_file(old))
}

/// Runs a change with writes serialised and refreshes the call's snapshot,
/// whether or not the change worked.
fn commit<T, E: Into<WriteError>>(
    call: &mut Call,
    change: impl FnOnce(&Site) -> Result<T, E>,
) -> ApiResult<T> {
    let result = call.app.store.write_if_current(&call.site, change);
    call.site = call.app.store.site();
    match result {
        Ok(done) => done.map_err(|e| e.into().into()),
        Err(Stale) => Err(ApiError::stale()),
    }
}

/// The failures a disk change can have, for [`commit`].
enum WriteError {
    Folder(FolderError),
    Io(std::io::Error),
}

impl From<FolderError> for WriteError {
    fn from(e: FolderError) -> Self {
        WriteError::Folder(e)
    }
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> ApiError {
        match e {
            // The index said the name was free; the disk knows better.
            WriteError::Folder(FolderError::Exists(path)) => {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                ApiError::keyed(Class::Duplicate, "error.page.duplicate").with("slug", name)
            }
            WriteError::Folder(FolderError::Io { source, .. }) | WriteError::Io(source)
                if name_too_long(&source) =>
            {
                ApiError::keyed(Class::InvalidArgument, "error.page.slug.maxlength")
                    .with("length", "255")
            }
            WriteError::Folder(e) => ApiError::internal(e.to_string()),
            WriteError::Io(e) => ApiError::internal(format!("cannot write the page: {e}")),
        }
    }
}

/// A folder name (sorting number plus slug) longer than the file system
/// allows: the client's slug is too long, not a server failure.
fn name_too_long(error: &std::io::Error) -> bool {
    error.raw_os_error() == Some(libc::ENAMETOOLONG)
}

/// The page with id `id` as the answer of a write, in the requested view.
fn answer(call: &Call, id: &str) -> ApiResult<Reply> {
    rendered(call, id).map(Reply::Model)
}

fn rendered(call: &Call, id: &str) -> ApiResult<Value> {
    let found = call
        .site
        .page_ref(id)
        .ok_or_else(|| ApiError::page_not_found(id))?;
    let selection = select::for_model(call, &page::VIEWS)?;
    page::render(call, found, &selection)
}

fn denied(key: &str, slug: &str) -> ApiError {
    ApiError::keyed(Class::Permission, key).with("slug", slug)
}

/// An empty slug (also what `..` slugifies to) and Kirby's reserved
/// top-level paths are refused.
fn check_slug(parent: Option<PageRef>, slug: &str) -> ApiResult<()> {
    if slug.is_empty() {
        return Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.page.slug.invalid",
        ));
    }
    if parent.is_none() && RESERVED.contains(&slug) {
        return Err(
            ApiError::keyed(Class::InvalidArgument, "error.page.changeSlug.reserved")
                .with("path", slug),
        );
    }
    Ok(())
}

/// A slug must be free among the parent's children and drafts (`except`
/// is the page being renamed).
fn check_free(
    site: &Site,
    parent: Option<PageRef>,
    slug: &str,
    except: Option<PageRef>,
) -> ApiResult<()> {
    let (children, drafts) = match parent {
        Some(p) => (&site.pages[p].children, &site.pages[p].drafts),
        None => (&site.children, &site.drafts),
    };
    let taken = |list: &[PageRef]| {
        list.iter()
            .any(|&c| Some(c) != except && site.pages[c].slug == slug)
    };
    if taken(children) {
        return Err(ApiError::keyed(Class::Duplicate, "error.page.duplicate").with("slug", slug));
    }
    if taken(drafts) {
        return Err(
            ApiError::keyed(Class::Duplicate, "error.page.draft.duplicate").with("slug", slug),
        );
    }
    Ok(())
}

fn child_id(site: &Site, parent: Option<PageRef>, slug: &str) -> String {
    match parent {
        Some(p) => format!("{}/{slug}", site.pages[p].id),
        None => slug.to_owned(),
    }
}

/// The folder that holds a parent's children: the page folder or `content/`.
fn children_dir(call: &Call, parent: Option<PageRef>) -> PathBuf {
    match parent {
        Some(p) => call.site.pages[p].dir.clone(),
        None => call.app.store.content_dir().to_owned(),
    }
}

/// The folder name of `p` with a new slug: the number prefix stays.
fn folder_name(p: &Page, slug: &str) -> String {
    let current = p
        .dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match current.split_once('_') {
        Some((prefix, _)) if p.status != Status::Draft && !prefix.is_empty() => {
            format!("{prefix}_{slug}")
        }
        _ => slug.to_owned(),
    }
}

fn content_file_name(template: &str, code: Option<&str>) -> String {
    match code {
        Some(code) => format!("{template}.{code}.txt"),
        None => format!("{template}.txt"),
    }
}

/// New models are always created in the default language.
fn default_code(call: &Call) -> Option<String> {
    call.language.as_ref()?;
    call.site.default_language().map(|l| l.code.clone())
}
