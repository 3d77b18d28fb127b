//! The file model (api.md §5.3), for files of pages, the site and users.

use serde_json::{Value, json};

use super::{content, page, render_fields, site};
use crate::api::access::{file_listable, file_options};
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};
use crate::api::tree::Json;
use crate::store::model::fields_for;
use crate::store::{File, PageRef, media};

/// Whose file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    Page(PageRef),
    Site,
    User(&'a str),
}

pub static VIEWS: Views = Views {
    default: Some(&[
        ("content", Pick::Default),
        ("dimensions", Pick::Default),
        ("exists", Pick::Default),
        ("extension", Pick::Default),
        ("filename", Pick::Default),
        ("id", Pick::Default),
        ("link", Pick::Default),
        ("mime", Pick::Default),
        ("modified", Pick::Default),
        ("name", Pick::Default),
        ("next", Pick::View("compact")),
        ("niceSize", Pick::Default),
        ("options", Pick::Default),
        ("parent", Pick::View("compact")),
        ("prev", Pick::View("compact")),
        ("size", Pick::Default),
        ("template", Pick::Default),
        ("type", Pick::Default),
        ("url", Pick::Default),
        ("uuid", Pick::Default),
    ]),
    named: &[("compact", COMPACT)],
    all: &[
        "content",
        "dimensions",
        "dragText",
        "exists",
        "extension",
        "filename",
        "id",
        "link",
        "mime",
        "modified",
        "name",
        "next",
        "niceSize",
        "options",
        "parent",
        "prev",
        "size",
        "template",
        "thumbs",
        "type",
        "url",
        "uuid",
    ],
};

const COMPACT: &[(&str, Pick)] = &[
    ("filename", Pick::Default),
    ("id", Pick::Default),
    ("link", Pick::Default),
    ("type", Pick::Default),
    ("url", Pick::Default),
    ("uuid", Pick::Default),
];

/// The files of an owner in Kirby's order: by `sort` field, then filename.
pub fn files_of<'s>(call: &'s Call, owner: Owner) -> Vec<&'s File> {
    let files: &'s [File] = match owner {
        Owner::Page(p) => &call.site.pages[p].files,
        Owner::Site => &call.site.files,
        Owner::User(id) => match call.site.user(id) {
            Some(user) => user.avatar.as_slice(),
            None => &[],
        },
    };
    let mut sorted: Vec<&File> = files.iter().collect();
    sorted.sort_by_key(|f| sort_key(call, f));
    sorted
}

fn sort_key(call: &Call, file: &File) -> (i64, String) {
    let fields = fields_for(
        &file.meta,
        call.language.as_ref(),
        call.site.default_language(),
    );
    let sort = fields
        .get("sort")
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(i64::MAX);
    (sort, file.filename.clone())
}

/// The file templates an owner offers, for deciding whether one of its
/// files can change its template.
#[derive(Debug, Clone, Copy)]
pub struct FileTemplates<'a> {
    owner: Option<&'a crate::blueprint::Blueprint>,
}

impl FileTemplates<'_> {
    /// How many templates a file with template `own` can choose from: the
    /// owner's (its files sections and upload fields) plus the file's own
    /// (`default` when it has none), as Kirby counts them.
    // FIXME: Kirby drops templates whose blueprint does not accept the
    // file; Folio counts them all.
    pub fn count_for(&self, own: Option<&str>) -> usize {
        let mut names = self
            .owner
            .map(crate::blueprint::Blueprint::file_templates)
            .unwrap_or_default();
        let own = own.unwrap_or("default");
        if !names.iter().any(|t| t == own) {
            names.push(own.to_owned());
        }
        names.len()
    }
}

/// The file templates the owner offers; a user offers none.
pub fn owner_templates<'a>(call: &Call<'a>, owner: Owner) -> FileTemplates<'a> {
    let blueprints = &call.app.blueprints;
    let owner = match owner {
        Owner::Page(p) => Some(blueprints.page(&call.site.pages[p].template)),
        Owner::Site => Some(blueprints.site()),
        Owner::User(_) => None,
    };
    FileTemplates { owner }
}

pub fn listable<'s>(call: &'s Call, owner: Owner) -> Vec<&'s File> {
    let templates = owner_templates(call, owner);
    files_of(call, owner)
        .into_iter()
        .filter(|f| file_listable(call, templates, f))
        .collect()
}

pub fn render(call: &Call, owner: Owner, file: &File, selection: &Selection) -> ApiResult<Json> {
    render_fields(call, selection, |call, name, pick| {
        field(call, owner, file, name, pick)
    })
}

pub fn list_of_page(call: &Call, page: PageRef, pick: &Pick) -> ApiResult<Json> {
    list(call, Owner::Page(page), pick)
}

pub fn list_of_site(call: &Call, pick: &Pick) -> ApiResult<Json> {
    list(call, Owner::Site, pick)
}

fn list(call: &Call, owner: Owner, pick: &Pick) -> ApiResult<Json> {
    let selection = VIEWS.pick(pick)?;
    let items: ApiResult<Vec<Json>> = listable(call, owner)
        .into_iter()
        .map(|f| render(call, owner, f, &selection))
        .collect();
    Ok(Json::Array(items?))
}

/// The file before or after `file`. Kirby's siblings are the owner's files
/// as the folder lists them (by filename): only listings are sorted by the
/// `sort` field (`files-lang-meta` shows this for a page whose `sort` order
/// differs from the names).
fn neighbour(call: &Call, owner: Owner, file: &File, step: isize, pick: &Pick) -> ApiResult<Json> {
    let mut files = listable(call, owner);
    files.sort_by(|a, b| a.filename.cmp(&b.filename));
    let Some(at) = files.iter().position(|f| f.filename == file.filename) else {
        return Ok(Value::Null.into());
    };
    let Some(other) = at.checked_add_signed(step).and_then(|i| files.get(i)) else {
        return Ok(Value::Null.into());
    };
    render(call, owner, other, &VIEWS.pick(pick)?)
}

fn field(
    call: &Call,
    owner: Owner,
    file: &File,
    name: &str,
    pick: &Pick,
) -> ApiResult<Option<Json>> {
    let value: Json = match name {
        "filename" => json!(file.filename).into(),
        "name" => json!(file.name()).into(),
        "extension" => json!(file.extension).into(),
        "id" => json!(id(call, owner, file)).into(),
        "link" => json!(link(call, owner, file)).into(),
        "mime" => json!(media::mime_for(&file.extension)).into(),
        "type" => json!(media::type_for(&file.extension)).into(),
        "size" => json!(file.size).into(),
        "niceSize" => json!(nice_size(file.size)).into(),
        "exists" => json!(file.path.exists()).into(),
        "modified" => json!(iso_time(file.modified)).into(),
        "url" => json!(url(call, owner, file)).into(),
        "uuid" => uuid(call, file)
            .map(|u| json!(format!("file://{u}")))
            .unwrap_or(Value::Null)
            .into(),
        "template" => json!(crate::api::access::file_template(call, file)).into(),
        "dimensions" => dimensions(file).into(),
        "thumbs" => thumbs(call, owner, file).into(),
        "dragText" => json!(drag_text(file)).into(),
        "content" => content::file(call, owner, file).into(),
        "options" => file_options(call, owner_templates(call, owner), file).into(),
        "next" => neighbour(call, owner, file, 1, pick)?,
        "prev" => neighbour(call, owner, file, -1, pick)?,
        "parent" => parent(call, owner, pick)?,
        _ => return Ok(None),
    };
    Ok(Some(value))
}

fn parent(call: &Call, owner: Owner, pick: &Pick) -> ApiResult<Json> {
    match owner {
        Owner::Page(p) => page::render(call, p, &page::VIEWS.pick(pick)?),
        Owner::Site => site::render(call, &site::VIEWS.pick(pick)?),
        Owner::User(id) => match call.site.user(id) {
            Some(user) => super::user::render(call, user, &super::user::VIEWS.pick(pick)?),
            None => Ok(Value::Null.into()),
        },
    }
}

pub fn id(call: &Call, owner: Owner, file: &File) -> String {
    match owner {
        Owner::Page(p) => format!("{}/{}", call.site.pages[p].id, file.filename),
        Owner::Site => file.filename.clone(),
        Owner::User(id) => format!("{id}/{}", file.filename),
    }
}

pub fn link(call: &Call, owner: Owner, file: &File) -> String {
    match owner {
        Owner::Page(p) => format!(
            "/pages/{}/files/{}",
            call.site.pages[p].id.replace('/', "+"),
            file.filename
        ),
        Owner::Site => format!("/site/files/{}", file.filename),
        Owner::User(id) => format!("/users/{id}/files/{}", file.filename),
    }
}

/// The public media URL. The folder token changes with the file, as
/// Kirby's does, so caches never serve an old copy.
pub fn url(call: &Call, owner: Owner, file: &File) -> String {
    let parent = match owner {
        Owner::Page(p) => format!("pages/{}", call.site.pages[p].id),
        Owner::Site => "site".to_owned(),
        Owner::User(id) => format!("users/{id}"),
    };
    format!(
        "{}/media/{parent}/{}/{}",
        call.origin,
        media::media_hash(file),
        file.filename
    )
}

/// Kirby's preset sizes of the `thumbs` key: name and width.
const THUMB_PRESETS: [(&str, u32); 5] = [
    ("tiny", 128),
    ("small", 256),
    ("medium", 512),
    ("large", 768),
    ("huge", 1024),
];

/// The URLs of the preset versions (`<name>-<width>x.<ext>`), served by
/// `/media/…`; `null` for files that cannot be resized.
fn thumbs(call: &Call, owner: Owner, file: &File) -> Value {
    if !crate::web::is_resizable(&file.extension) {
        return Value::Null;
    }
    let original = url(call, owner, file);
    let presets = THUMB_PRESETS.iter().map(|(name, width)| {
        let version = super::thumb::Thumb {
            source: file,
            width: *width,
            height: None,
            crop: false,
        };
        let version_url = super::thumb::with_name(&original, file, &version.filename());
        ((*name).to_owned(), Value::String(version_url))
    });
    Value::Object(presets.collect())
}

pub fn uuid(call: &Call, file: &File) -> Option<String> {
    call.default_field(&file.meta, "uuid")
}

fn dimensions(file: &File) -> Value {
    match file.dimensions {
        Some((width, height)) => dimensions_json(width, height),
        // FIXME: Kirby's answer for files without dimensions was not recorded;
        // zeros and `false` are what its dimension object holds when empty.
        None => json!({"width": 0, "height": 0, "ratio": 0, "orientation": false}),
    }
}

/// Kirby's dimension object: size, ratio and orientation.
pub fn dimensions_json(width: u32, height: u32) -> Value {
    let ratio = if height == 0 {
        0.0
    } else {
        f64::from(width) / f64::from(height)
    };
    let orientation = match width.cmp(&height) {
        std::cmp::Ordering::Greater => "landscape",
        std::cmp::Ordering::Less => "portrait",
        std::cmp::Ordering::Equal => "square",
    };
    json!({"width": width, "height": height, "ratio": ratio, "orientation": orientation})
}

fn drag_text(file: &File) -> String {
    let kind = if media::type_for(&file.extension) == "image" {
        "image"
    } else {
        "file"
    };
    format!("({kind}: {})", file.filename)
}

/// `693 B`, `1.5 KB`: base 1024, two decimals at most, a no-break space.
pub fn nice_size(size: u64) -> String {
    const UNITS: &[&str] = &["B", "KB", "MB", "GB", "TB"];
    let mut unit = 0;
    let mut value = size as f64;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let rounded = (value * 100.0).round() / 100.0;
    let text = format!("{rounded:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}\u{a0}{}", UNITS[unit])
}

/// ISO 8601 with an explicit offset, as PHP's `c` date format writes it.
pub fn iso_time(unix: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+00:00");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_sizes_match_kirby() {
        assert_eq!(nice_size(693), "693\u{a0}B");
        assert_eq!(nice_size(1536), "1.5\u{a0}KB");
        assert_eq!(nice_size(1024 * 1024), "1\u{a0}MB");
    }

    #[test]
    fn iso_times_carry_an_offset() {
        assert_eq!(iso_time(1_704_067_200), "2024-01-01T00:00:00+00:00");
    }
}
