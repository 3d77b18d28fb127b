//! The page routes that change something (api.md §4.2): content updates,
//! creating drafts, duplicating, deleting, and changing slug, title and
//! template. Status changes live in [`status`].
//!
//! Each handler finds the page, asks [`crate::api::access`], checks the
//! input, then changes the disk inside `Store::write_if_current` through
//! [`crate::store::pages`] and answers with the page as it is now.

mod input;
mod num_query;
mod status;
mod template;

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::super::access::{new_page_can, page_can};
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::page;
use super::super::reply::Reply;
use super::super::select;
use super::super::tree::Json;
use super::super::validation::{self, Form};
use super::find_page;
use super::languages::content::{ContentModel, write_content};
use super::written::{self, Via};
use crate::blueprint::default_values;
use crate::config::UuidOption;
use crate::format::slug::slug as slugify;
use crate::format::txt::Fields;
use crate::store::pages::{self as folders, CopyOptions, FolderError, no_faults};
use crate::store::{Page, PageRef, Site, Status};
use crate::store::{Stale, Touched};

pub use input::{merge, object_body, show_submitted, stored_text};
pub use status::change_status;
pub use template::change_template;

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
    Ok(Reply::Model(data.into()))
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
    let siblings = children_dir(call, p.parent);
    commit(call, &[siblings], |_| {
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
    let siblings = children_dir(call, parent);
    let dir = siblings.join("_drafts").join(&slug);
    let file_name = content_file_name(&template, call.default_code().as_deref());
    commit(call, &[siblings], |_| {
        folders::create_page(&dir, &file_name, &fields, &no_faults)
    })?;
    answer(call, &id)
}

fn new_content(call: &Call, template: &str, id: &str, content: &Map<String, Value>) -> Fields {
    let bp = call.app.blueprints.page(template);
    let mut fields = Fields::default();
    merge(&mut fields, bp, content);
    if fields.get("uuid").is_none()
        && let Some(uuid) = crate::api::handlers::file_writes::fresh_uuid(call)
    {
        fields.set("uuid", uuid);
    }
    for (key, value) in default_values(bp, &input::NewModel::page(call, id)) {
        if fields.get(&key).is_none() {
            fields.set(&key, value);
        }
    }
    fields
}

/// `POST pages/(:any)/duplicate`: copies the page as a draft next to it;
/// a `title` then becomes the copy's title in the request language.
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
    let title = copy_title(call, page)?;
    let options = CopyOptions {
        children: input::flag(call.body.get("children")),
        files: input::flag(call.body.get("files")),
        uuid_v4: call.app.config.content_uuid == UuidOption::V4,
    };
    let siblings = children_dir(call, p.parent);
    let to = siblings.join("_drafts").join(&slug);
    // Worked out before the write: page references index the call's
    // snapshot, which the write replaces.
    let id = child_id(&call.site, p.parent, &slug);
    commit(call, &[siblings], |_| {
        folders::copy_page(&p.dir, &to, options, &no_faults)
    })?;
    if let Some(title) = title {
        retitle_copy(call, &id, &to, title)?;
    }
    answer(call, &id)
}

/// The `title` of a duplicate, checked before anything is copied: Kirby
/// copies first and then fails on an empty title or a missing
/// `changeTitle` permission, leaving the copy behind; Folio refuses first.
fn copy_title(call: &Call, page: PageRef) -> ApiResult<Option<String>> {
    if matches!(call.body.get("title"), None | Some(Value::Null)) {
        return Ok(None);
    }
    let title = title_input(call)?;
    if !page_can(call, page, "changeTitle") {
        let slug = &call.site.pages[page].slug;
        return Err(denied("error.page.changeTitle.permission", slug));
    }
    if title.trim().is_empty() {
        return Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.page.changeTitle.empty",
        ));
    }
    Ok(Some(title))
}

/// Writes the title of a fresh copy like a title change; if that fails the
/// copy is removed again, so a duplicate either has its title or is not there.
fn retitle_copy(call: &mut Call, id: &str, dir: &std::path::Path, title: String) -> ApiResult<()> {
    let copy = call
        .site
        .page_ref(id)
        .ok_or_else(|| ApiError::page_not_found(id))?;
    let changes = [("title".to_owned(), Some(title))];
    if let Err(error) = write_content(call, &ContentModel::Page(copy), &changes) {
        commit(call, &[dir.to_owned()], |_| {
            folders::delete_page(dir, &no_faults)
        })?;
        return Err(error);
    }
    Ok(())
}

/// `PATCH pages/(:any)/slug`: renames the page folder; in a secondary
/// language it writes the translated slug into that language's content
/// file instead ([`change_translated_slug`]).
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
    if written::is_secondary(call) {
        return change_translated_slug(call, page, &slug);
    }
    if slug == p.slug {
        return answer(call, &p.id);
    }
    check_free(&call.site, p.parent, &slug, Some(page))?;
    let to = p.dir.with_file_name(folder_name(&p, &slug));
    let siblings = children_dir(call, p.parent);
    let new_id = child_id(&call.site, p.parent, &slug);
    commit(call, &[siblings], |_| folders::move_dir(&p.dir, &to))?;
    answer(call, &new_id)
}

/// A secondary language keeps its slug as the `Slug` field of its content
/// file; the folder keeps its name. A slug equal to the folder's is removed
/// from the file, as Kirby does. The slug must be free among the siblings'
/// folder slugs and their slugs in this language.
fn change_translated_slug(call: &mut Call, page: PageRef, slug: &str) -> ApiResult<Reply> {
    let p = call.site.pages[page].clone();
    let (children, drafts) = match p.parent {
        Some(parent) => (
            call.site.pages[parent].children.clone(),
            call.site.pages[parent].drafts.clone(),
        ),
        None => (call.site.children.clone(), call.site.drafts.clone()),
    };
    let taken = |list: &[PageRef]| {
        list.iter()
            .any(|&c| c != page && (call.site.pages[c].slug == slug || page::slug(call, c) == slug))
    };
    if taken(&children) {
        return Err(ApiError::keyed(Class::Duplicate, "error.page.duplicate").with("slug", slug));
    }
    if taken(&drafts) {
        return Err(
            ApiError::keyed(Class::Duplicate, "error.page.draft.duplicate").with("slug", slug),
        );
    }
    let stored = (slug != p.slug).then(|| slug.to_owned());
    write_content(
        call,
        &ContentModel::Page(page),
        &[("slug".to_owned(), stored)],
    )?;
    answer(call, &p.id)
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
    Ok(Reply::Model(data.into()))
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

/// Runs a change with writes serialised and refreshes the call's snapshot,
/// whether or not the change worked. `touched` are the folders the change
/// may alter (a page's own folder, or the folder its siblings live in):
/// only those are read again. Page references taken before it index the
/// old snapshot: work out ids first and find pages again by id after.
fn commit<T, E: Into<WriteError>>(
    call: &mut Call,
    touched: &[PathBuf],
    change: impl FnOnce(&Site) -> Result<T, E>,
) -> ApiResult<T> {
    let touched = Touched::Folders(touched.to_vec());
    let result = call
        .app
        .store
        .write_if_current(&call.site, &touched, change);
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
    render_written(call, id).map(Reply::Model)
}

/// [`answer`]'s data as a value, for writes that add to it.
fn rendered(call: &Call, id: &str) -> ApiResult<Value> {
    render_written(call, id).map(Json::into_value)
}

fn render_written(call: &Call, id: &str) -> ApiResult<Json> {
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
