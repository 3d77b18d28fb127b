//! Pages and files sections: the section's models as Panel items, with
//! the section's options, min/max errors and its own pagination.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use super::super::super::access::file_listable;
use super::super::super::call::Call;
use super::super::super::error::{ApiError, ApiResult, Class};
use super::super::super::models::blueprint::{Subject, panel_path};
use super::super::super::models::file::{self, Owner};
use super::super::super::models::page;
use super::super::pages;
use super::props::Props;
use crate::blueprint::{self as bp, FileFacts, ItemSettings, PageFacts};
use crate::store::files::accept::AcceptRules;
use crate::store::{File, PageRef, media};

/// Where a section takes its models from.
#[derive(Clone, Copy)]
enum Parent<'a> {
    Page(PageRef),
    Site,
    Other(Subject<'a>),
}

/// Resolves the `parent` query of a section against the model.
// FIXME: only `page`, `site`, `kirby.site`, `page.parent`, `kirby.page("id")`, `site.page("id")`
// and `site.find("id")` are understood; other queries answer "cannot be found".
fn parent<'a>(call: &Call, subject: Subject<'a>, props: &Props) -> ApiResult<Parent<'a>> {
    let Some(query) = props.str("parent").map(str::trim) else {
        return Ok(match subject {
            Subject::Page(p) => Parent::Page(p),
            Subject::Site => Parent::Site,
            other => Parent::Other(other),
        });
    };
    let model_page = match subject {
        Subject::Page(p) => Some(p),
        _ => None,
    };
    let by_id = |id: &str| -> Option<Parent> { call.site.page_ref(id).map(Parent::Page) };
    let found = match query {
        "page" => model_page.map(Parent::Page),
        "site" | "kirby.site" => Some(Parent::Site),
        "page.parent" => model_page
            .and_then(|p| call.site.pages[p].parent)
            .map(Parent::Page),
        _ => quoted_argument(query).and_then(by_id),
    };
    found.ok_or_else(|| {
        ApiError::message(
            Class::General,
            format!(
                "The parent for the query \"{query}\" cannot be found in the section \"{}\"",
                props.name
            ),
        )
    })
}

/// `kirby.page("notes")`, `site.page('notes')`, `site.find("notes")` → `notes`.
fn quoted_argument(query: &str) -> Option<&str> {
    let rest = ["kirby.page(", "site.page(", "site.find("]
        .iter()
        .find_map(|prefix| query.strip_prefix(prefix))?;
    let inner = rest.strip_suffix(')')?.trim();
    let quote = inner.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    inner.strip_prefix(quote)?.strip_suffix(quote)
}

fn parent_path(call: &Call, parent: Parent) -> String {
    match parent {
        Parent::Page(p) => panel_path(call, Subject::Page(p)),
        Parent::Site => panel_path(call, Subject::Site),
        Parent::Other(subject) => panel_path(call, subject),
    }
}

/// The Panel link of the parent when it is not the model itself.
fn link(call: &Call, subject: Subject, parent: Parent) -> Value {
    let own = panel_path(call, subject);
    let theirs = parent_path(call, parent);
    if own == theirs {
        Value::Null
    } else {
        json!(theirs)
    }
}

/// One page of `items`: the section's `limit` (20) and the `?page=` query.
/// A sub-slice, so its cost does not grow with the number of items.
fn paginate<'a, T>(call: &Call, props: &Props, items: &'a [T]) -> ApiResult<(&'a [T], Value)> {
    let limit = props.int("limit").filter(|l| *l > 0).unwrap_or(20) as usize;
    let requested = match call.query.get("page").map(str::trim) {
        None | Some("") => 1,
        Some(raw) => raw
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request("Invalid page: the value must be a number"))?,
    }
    .max(1) as usize;
    let total = items.len();
    let pages = total.div_ceil(limit);
    if requested > pages.max(1) {
        let first = if pages == 0 { 0 } else { 1 };
        return Err(ApiError::message(
            Class::ErrorPage,
            format!("Pagination page {requested} does not exist, expected {first}-{pages}"),
        )
        .status(404));
    }
    let offset = (requested - 1).saturating_mul(limit);
    let page = if total == 0 { 0 } else { requested };
    let start = offset.min(total);
    let items = items
        .get(start..start.saturating_add(limit).min(total))
        .unwrap_or(&[]);
    let pagination = json!({"limit": limit, "offset": offset, "page": page, "total": total});
    Ok((items, pagination))
}

/// `min`/`max` violations, keyed by the section name; `[]` when none.
fn errors(call: &Call, props: &Props, kind: &str, total: usize) -> Value {
    let mut messages = Map::new();
    let headline = props.headline();
    let mut check = |which: &str, limit: Option<i64>, broken: bool| {
        let Some(limit) = limit.filter(|l| *l > 0) else {
            return;
        };
        if !broken {
            return;
        }
        let form = if limit == 1 { "singular" } else { "plural" };
        let key = format!("error.section.{kind}.{which}.{form}");
        let template = call
            .app
            .translations
            .message(&call.ui_language(), &key)
            .unwrap_or(key);
        let text = crate::i18n::fill(
            &template,
            &[(which, limit.to_string()), ("section", headline.clone())],
        );
        messages.insert(which.to_owned(), json!(text));
    };
    let max = props.int("max");
    let min = props.int("min");
    check("max", max, max.is_some_and(|m| total as i64 > m));
    check("min", min, min.is_some_and(|m| m > total as i64));
    if messages.is_empty() {
        return json!([]);
    }
    json!({props.name: {"label": headline, "message": messages}})
}

fn is_full(props: &Props, total: usize) -> bool {
    props
        .int("max")
        .is_some_and(|max| max > 0 && total as i64 >= max)
}

fn settings(props: &Props) -> ItemSettings {
    ItemSettings {
        image: props.map.get("image").cloned(),
        layout: props.layout().to_owned(),
        info: props.str("info").map(str::to_owned),
        text: props.str("text").map(str::to_owned),
    }
}

/// The options every list section shares, in Kirby's order; `extra` adds
/// the type's own keys at their sorted place.
fn options(
    call: &Call,
    subject: Subject,
    parent: Parent,
    props: &Props,
    extra: Vec<(&str, Value)>,
) -> Value {
    let mut out: Vec<(String, Value)> = vec![
        // FIXME: the `table` layout's columns are not built.
        ("columns".into(), json!([])),
        ("empty".into(), json!(props.translated("empty"))),
        ("headline".into(), json!(props.headline())),
        // FIXME: `help` is not rendered with KirbyText.
        ("help".into(), json!(props.translated("help"))),
        ("layout".into(), json!(props.layout())),
        ("link".into(), link(call, subject, parent)),
        ("max".into(), json!(props.int("max"))),
        ("min".into(), json!(props.int("min"))),
        ("search".into(), json!(props.flag("search", false))),
        ("size".into(), json!(props.str("size").unwrap_or("auto"))),
    ];
    out.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(out.into_iter().collect())
}

fn envelope(data: Vec<Value>, errors: Value, options: Value, pagination: Value) -> Value {
    json!({"data": data, "errors": errors, "options": options, "pagination": pagination})
}

/// The section's pages by its `status`, listable and of its templates,
/// taken from the parent's child index like `/children` (issue 4).
// FIXME: `sortBy`, `query` and the `searchterm` search of sections are not applied.
fn section_pages<'c>(
    call: &'c Call,
    props: &Props,
    status: &str,
    parent: Parent,
) -> ApiResult<Cow<'c, [PageRef]>> {
    let parent = match parent {
        Parent::Page(p) => Some(p),
        Parent::Site => None,
        Parent::Other(_) => return Ok(Cow::Borrowed(&[])),
    };
    let mut templates = props.list("templates");
    if templates.is_empty() {
        templates = props.list("template");
    }
    let ignored = props.list("templatesIgnore");
    let shown = |template: &str| {
        (templates.is_empty() || templates.iter().any(|t| t == template))
            && !ignored.iter().any(|t| t == template)
    };
    let mut pages = pages::with_status(call, parent, status, shown)?;
    if props.flag("flip", false) {
        pages.to_mut().reverse();
    }
    Ok(pages)
}

/// The `min`/`max` errors of a pages or files section (see [`errors`]),
/// counted as the section lists its models, without rendering them.
pub fn errors_only(call: &Call, subject: Subject, props: &Props) -> ApiResult<Value> {
    let parent = parent(call, subject, props)?;
    let (kind, total) = match props.str("type") {
        Some("pages") if !matches!(parent, Parent::Other(_)) => {
            let status = status_of(props);
            ("pages", section_pages(call, props, status, parent)?.len())
        }
        Some("files") => ("files", section_files(call, props, parent).len()),
        _ => return Ok(json!([])),
    };
    Ok(errors(call, props, kind, total))
}

/// The section's `status` prop as one of the names [`section_pages`] knows.
fn status_of<'p>(props: &'p Props) -> &'p str {
    match props.str("status").unwrap_or("") {
        "drafts" => "draft",
        s @ ("draft" | "listed" | "unlisted" | "published") => s,
        _ => "all",
    }
}

pub fn pages(call: &Call, subject: Subject, props: &Props) -> ApiResult<Value> {
    let parent = parent(call, subject, props)?;
    if matches!(parent, Parent::Other(_)) {
        return Err(ApiError::bad_request(
            "The parent is invalid. You must choose the site or a page as parent.",
        ));
    }
    let status = status_of(props);
    let found = section_pages(call, props, status, parent)?;
    let total = found.len();
    let (items, pagination) = paginate(call, props, &found)?;
    let settings = settings(props);
    let data = items
        .iter()
        .map(|&p| page_entry(call, p, &settings))
        .collect();
    let sortable = ["listed", "published", "all"].contains(&status)
        && props.flag("sortable", true)
        && props.str("sortBy").is_none()
        && props.str("query").is_none()
        && !props.flag("flip", false);
    // FIXME: Kirby 4 may also look at the `create.status` of the offered blueprints for `add`.
    let add = props.map.get("create") != Some(&Value::Bool(false))
        && ["draft", "all"].contains(&status)
        && !is_full(props, total);
    let extra = vec![("add", json!(add)), ("sortable", json!(sortable))];
    let options = options(call, subject, parent, props, extra);
    Ok(envelope(
        data,
        errors(call, props, "pages", total),
        options,
        pagination,
    ))
}

/// A page as a pages section item.
// FIXME: the item keys follow Kirby 4's pages section as remembered, not a recording.
fn page_entry(call: &Call, p: PageRef, settings: &ItemSettings) -> Value {
    let page = &call.site.pages[p];
    let item = bp::page_item(&page_facts(call, p), settings);
    let pick = |key: &str| item.get(key).cloned().unwrap_or(Value::Null);
    let can = |action: &str| json!(super::super::super::access::page_can(call, p, action));
    let parent = page.parent.map(|parent| call.site.pages[parent].id.clone());
    json!({
        "dragText": pick("dragText"),
        "id": page.id,
        "image": pick("image"),
        "info": pick("info"),
        "link": pick("link"),
        "parent": parent,
        "permissions": {
            "delete": can("delete"),
            "changeSlug": can("changeSlug"),
            "changeStatus": can("changeStatus"),
            "changeTitle": can("changeTitle"),
            "sort": can("sort"),
        },
        "status": page.status.as_str(),
        "template": page.template,
        "text": pick("text"),
    })
}

fn page_facts(call: &Call, p: PageRef) -> PageFacts {
    let page = &call.site.pages[p];
    let image = page
        .files
        .iter()
        .find(|f| media::type_for(&f.extension) == "image")
        .map(|f| file_facts(call, Owner::Page(p), f));
    PageFacts {
        id: page.id.clone(),
        title: page::title(call, p),
        uuid: page::uuid(call, p).map(|u| format!("page://{u}")),
        url: page::url(call, p),
        has_children: !page.children.is_empty(),
        icon: call.app.blueprints.page(&page.template).icon.clone(),
        image,
    }
}

fn file_facts(call: &Call, owner: Owner, f: &File) -> FileFacts {
    FileFacts {
        id: file::id(call, owner, f),
        filename: f.filename.clone(),
        owner: item_owner(call, owner),
        uuid: file::uuid(call, f).map(|u| format!("file://{u}")),
        url: file::url(call, owner, f),
        kind: media::type_for(&f.extension).to_owned(),
        extension: f.extension.clone(),
        dimensions: f.dimensions,
    }
}

fn item_owner(call: &Call, owner: Owner) -> bp::Owner {
    match owner {
        Owner::Page(p) => bp::Owner::Page(call.site.pages[p].id.clone()),
        Owner::Site => bp::Owner::Site,
        Owner::User(id) => bp::Owner::User(id.to_owned()),
    }
}

fn file_owner(parent: Parent) -> Option<Owner> {
    match parent {
        Parent::Page(p) => Some(Owner::Page(p)),
        Parent::Site => Some(Owner::Site),
        Parent::Other(Subject::User(u)) => Some(Owner::User(&u.id)),
        Parent::Other(Subject::File(owner, _)) => Some(owner),
        Parent::Other(_) => None,
    }
}

pub fn files(call: &Call, subject: Subject, props: &Props) -> ApiResult<Value> {
    let parent = parent(call, subject, props)?;
    let owner = file_owner(parent).unwrap_or(Owner::Site);
    let template = props.str("template").filter(|t| !t.is_empty());
    let found = section_files(call, props, parent);
    let total = found.len();
    let (items, pagination) = paginate(call, props, &found)?;
    let settings = settings(props);
    let model_owner = match subject {
        Subject::Page(p) => Owner::Page(p),
        Subject::Site => Owner::Site,
        Subject::User(u) => Owner::User(&u.id),
        Subject::File(owner, _) => owner,
    };
    let data = items
        .iter()
        .map(|f| file_entry(call, owner, model_owner, f, &settings))
        .collect();
    let sortable =
        props.flag("sortable", true) && props.str("sortBy").is_none() && !props.flag("flip", false);
    let accept = template.map(|t| accept(call, t));
    let api = parent_api(call, owner);
    let upload = if is_full(props, total) {
        json!(false)
    } else {
        let max = props
            .int("max")
            .filter(|m| *m > 0)
            .map(|m| m - total as i64);
        let mut attributes = Map::new();
        if sortable {
            attributes.insert("sort".into(), json!(total + 1));
        }
        if let Some(t) = template.filter(|t| *t != "default") {
            attributes.insert("template".into(), json!(t));
        }
        let attributes = if attributes.is_empty() {
            json!([])
        } else {
            Value::Object(attributes)
        };
        json!({"accept": accept, "multiple": max.is_none_or(|m| m > 1), "max": max,
            "api": format!("{api}/files"), "attributes": attributes})
    };
    let extra = vec![
        ("accept", json!(accept)),
        ("apiUrl", json!(format!("{api}/sections/{}", props.name))),
        ("sortable", json!(sortable)),
        ("upload", upload),
    ];
    let options = options(call, subject, parent, props, extra);
    Ok(envelope(
        data,
        errors(call, props, "files", total),
        options,
        pagination,
    ))
}

/// The files of the section's parent that it lists: listable, of its `template`.
fn section_files<'c>(call: &'c Call, props: &Props, parent: Parent<'c>) -> Vec<&'c File> {
    let owner = file_owner(parent).unwrap_or(Owner::Site);
    let template = props.str("template").filter(|t| !t.is_empty());
    let templates = file::owner_templates(call, owner);
    let mut found: Vec<&File> = file::files_of(call, owner)
        .into_iter()
        .filter(|f| file_listable(call, templates, f))
        .filter(|f| {
            let own = super::super::super::access::file_template(call, f);
            match template {
                None => true,
                Some("default") => own.is_none_or(|t| t == "default"),
                Some(wanted) => own.as_deref() == Some(wanted),
            }
        })
        .collect();
    // FIXME: `sortBy` and the `searchterm` search are not applied.
    if props.flag("flip", false) {
        found.reverse();
    }
    found
}

/// The owner's API path relative to the API root (`pages/notes+a`, `site`, `users/<id>`).
fn parent_api(call: &Call, owner: Owner) -> String {
    match owner {
        Owner::Page(p) => format!("pages/{}", call.site.pages[p].id.replace('/', "+")),
        Owner::Site => "site".to_owned(),
        Owner::User(id) => format!("users/{id}"),
    }
}

/// The MIME types a file template accepts, `*` when it does not restrict them.
fn accept(call: &Call, template: &str) -> String {
    let blueprint = call.app.blueprints.file(Some(template));
    AcceptRules::parse(blueprint.raw.get("accept")).attribute()
}

/// A file as a files section item.
// FIXME: the item keys follow Kirby 4's files section as remembered, not a recording.
fn file_entry(call: &Call, owner: Owner, model: Owner, f: &File, settings: &ItemSettings) -> Value {
    let facts = file_facts(call, owner, f);
    let item = bp::file_item(&facts, &item_owner(call, model), settings);
    let pick = |key: &str| item.get(key).cloned().unwrap_or(Value::Null);
    let parent = parent_api(call, owner);
    json!({
        "dragText": pick("dragText"),
        "extension": f.extension,
        "filename": f.filename,
        "id": facts.id,
        "image": pick("image"),
        "info": pick("info"),
        "link": pick("link"),
        "mime": media::mime_for(&f.extension),
        "parent": parent,
        "template": super::super::super::access::file_template(call, f),
        "text": pick("text"),
        "url": facts.url,
    })
}
