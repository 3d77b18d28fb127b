//! Panel item objects: how a file, page or user referenced by a `files`,
//! `pages` or `users` field appears inside `content`.
//!
//! The facts come from the caller (the site index) as plain structs; this
//! module only shapes them the way Kirby's Panel pickers do, including the
//! preview `image` with its thumbnail `srcset`. Key order follows the
//! recordings (`id, image, info, link, sortable, text, uuid`, then the
//! per-type keys).

use serde_json::{Map, Value, json};

use super::fields::Field;
use super::load::merge;

/// Kirby's transparent 1×1 GIF, shown until the real thumbnail loads.
const PLACEHOLDER: &str =
    "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw";

/// Image formats Kirby can make thumbnails of.
const RESIZABLE: [&str; 6] = ["jpg", "jpeg", "gif", "png", "webp", "avif"];

/// The model a file belongs to, or whose content is being rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Site,
    /// A page, by id with `/` (`photography/trees`).
    Page(String),
    /// A user, by user id (`AvMhEtBi`).
    User(String),
}

/// What an item needs to know about a file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileFacts {
    /// Full file id: `<page id>/<filename>`; for site files just the filename.
    pub id: String,
    pub filename: String,
    /// The site, page or user the file belongs to.
    pub owner: Owner,
    /// `file://<uuid>`, or `None` when UUIDs are off.
    pub uuid: Option<String>,
    /// Absolute media URL, e.g. `http://host/media/pages/about/<token>-<mtime>/team.jpg`.
    /// Thumbnail URLs are derived from it by replacing the last segment.
    pub url: String,
    /// Kirby file type: `image`, `document`, `video`, `audio`, `archive`, `code` or `unknown`.
    pub kind: String,
    /// Lower-case extension without the dot.
    pub extension: String,
    /// `(width, height)` of images.
    pub dimensions: Option<(u32, u32)>,
}

/// What an item needs to know about a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageFacts {
    /// Page id with `/` (`notes/across-the-ocean`).
    pub id: String,
    /// The page title (the slug when it has none).
    pub title: String,
    /// `page://<uuid>`, or `None` when UUIDs are off.
    pub uuid: Option<String>,
    /// Absolute page URL.
    pub url: String,
    pub has_children: bool,
    /// The `icon` of the page's blueprint.
    pub icon: Option<String>,
    /// The page's first image (Kirby's default preview), if any.
    pub image: Option<FileFacts>,
}

/// What an item needs to know about a user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFacts {
    pub id: String,
    pub email: String,
    /// The name, or the e-mail when there is none.
    pub username: String,
    /// The avatar file, if the user has one.
    pub avatar: Option<FileFacts>,
}

/// Field props that change how an item looks.
#[derive(Debug, Clone, Default)]
pub struct ItemSettings {
    /// The field's `image` prop (`false` hides the preview).
    pub image: Option<Value>,
    /// `list` (default), `cards` or `cardlets`: decides thumbnail sizes.
    pub layout: String,
    /// `info` and `text` templates, e.g. `{{ file.dimensions }}`.
    pub info: Option<String>,
    pub text: Option<String>,
}

impl ItemSettings {
    pub fn for_field(field: &Field) -> ItemSettings {
        let text_prop = |key: &str| field.prop_str(key).map(str::to_string);
        ItemSettings {
            image: field.props.get("image").cloned(),
            layout: field.prop_str("layout").unwrap_or("list").to_string(),
            info: text_prop("info"),
            text: text_prop("text"),
        }
    }
}

/// A file as a Panel item. `model` is the model whose content is shown: its
/// own files are named by filename, other files by full id and uuid.
pub fn file_item(file: &FileFacts, model: &Owner, settings: &ItemSettings) -> Value {
    let own = file.owner == *model;
    let reference = if own {
        file.filename.clone()
    } else {
        file.uuid.clone().unwrap_or(file.id.clone())
    };
    let lookup = |key: &str| file_placeholder(file, key);
    let mut item = base_item(
        if own { &file.filename } else { &file.id },
        file_image(file, settings),
        render(settings.info.as_deref().unwrap_or(""), &lookup),
        file_link(file),
        render(
            settings.text.as_deref().unwrap_or("{{ file.filename }}"),
            &lookup,
        ),
        file.uuid.as_deref().unwrap_or(&file.id),
    );
    item.insert(
        "dragText".into(),
        json!(format!("({}: {reference})", drag_tag(&file.kind))),
    );
    item.insert("filename".into(), json!(file.filename));
    item.insert("type".into(), json!(file.kind));
    item.insert("url".into(), json!(file.url));
    Value::Object(item)
}

/// A page as a Panel item.
pub fn page_item(page: &PageFacts, settings: &ItemSettings) -> Value {
    let lookup = |key: &str| page_placeholder(page, key);
    let defaults = image_defaults("gray-500", page.icon.as_deref().unwrap_or("page"));
    let image = panel_image(defaults, settings, page.image.as_ref());
    let mut item = base_item(
        &page.id,
        image,
        render(settings.info.as_deref().unwrap_or(""), &lookup),
        format!("/pages/{}", page.id.replace('/', "+")),
        render(
            settings.text.as_deref().unwrap_or("{{ page.title }}"),
            &lookup,
        ),
        page.uuid.as_deref().unwrap_or(&page.id),
    );
    let link = page.uuid.as_deref().unwrap_or(&page.id);
    item.insert(
        "dragText".into(),
        json!(format!("(link: {link} text: {})", page.title)),
    );
    item.insert("hasChildren".into(), json!(page.has_children));
    item.insert("url".into(), json!(page.url));
    Value::Object(item)
}

/// A user as a Panel item.
pub fn user_item(user: &UserFacts, settings: &ItemSettings) -> Value {
    let lookup = |key: &str| user_placeholder(user, key);
    let image = panel_image(
        image_defaults("gray-500", "user"),
        settings,
        user.avatar.as_ref(),
    );
    let mut item = base_item(
        &user.id,
        image,
        render(settings.info.as_deref().unwrap_or(""), &lookup),
        format!("/users/{}", user.id),
        render(
            settings.text.as_deref().unwrap_or("{{ user.username }}"),
            &lookup,
        ),
        &format!("user://{}", user.id),
    );
    item.insert("email".into(), json!(user.email));
    item.insert("username".into(), json!(user.username));
    Value::Object(item)
}

fn base_item(
    id: &str,
    image: Value,
    info: String,
    link: String,
    text: String,
    uuid: &str,
) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("id".into(), json!(id));
    item.insert("image".into(), image);
    item.insert("info".into(), json!(info));
    item.insert("link".into(), json!(link));
    item.insert("sortable".into(), json!(true));
    item.insert("text".into(), json!(text));
    item.insert("uuid".into(), json!(uuid));
    item
}

/// The Panel path of a file (`/pages/photography+trees/files/x.jpg`).
fn file_link(file: &FileFacts) -> String {
    match &file.owner {
        Owner::Site => format!("/site/files/{}", file.filename),
        Owner::Page(id) => format!("/pages/{}/files/{}", id.replace('/', "+"), file.filename),
        Owner::User(id) => format!("/users/{id}/files/{}", file.filename),
    }
}

fn drag_tag(kind: &str) -> &'static str {
    match kind {
        "image" => "image",
        "video" => "video",
        _ => "file",
    }
}

fn file_image(file: &FileFacts, settings: &ItemSettings) -> Value {
    let (color, icon) = file_look(&file.kind);
    panel_image(image_defaults(color, icon), settings, Some(file))
}

/// Preview colour and icon by file type.
// FIXME: Kirby also picks icons and colours by extension (pdf, docx, xlsx …); only types here.
fn file_look(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "image" => ("orange-500", "image"),
        "video" => ("yellow-500", "video"),
        "audio" => ("aqua-500", "audio"),
        "document" => ("red-500", "document"),
        "archive" => ("gray-500", "archive"),
        "code" => ("blue-500", "code"),
        _ => ("gray-500", "file"),
    }
}

fn image_defaults(color: &str, icon: &str) -> Value {
    json!({"back": "pattern", "color": color, "cover": false, "icon": icon})
}

/// Defaults, then the field's `image` settings, then the preview URLs.
// FIXME: an `image.query` is not evaluated; the default preview source is always used.
fn panel_image(defaults: Value, settings: &ItemSettings, source: Option<&FileFacts>) -> Value {
    let overrides = match &settings.image {
        Some(Value::Bool(false)) => return Value::Null,
        Some(Value::Object(map)) => Value::Object(map.clone()),
        _ => Value::Object(Map::new()),
    };
    let Value::Object(mut image) = merge(defaults, overrides) else {
        return Value::Null;
    };
    image.shift_remove("query");
    if let Some(file) = source {
        image.insert("url".into(), json!(file.url));
        if RESIZABLE.contains(&file.extension.as_str()) {
            image.insert("src".into(), json!(PLACEHOLDER));
            let srcset = srcset(file, &settings.layout, &image);
            image.insert("srcset".into(), json!(srcset));
        } else if file.extension == "svg" {
            image.insert("src".into(), json!(file.url));
        }
    }
    Value::Object(image)
}

/// Thumbnail sizes per item layout, as Kirby's Panel requests them.
fn srcset(file: &FileFacts, layout: &str, image: &Map<String, Value>) -> String {
    let sizes: &[u32] = match layout {
        "cards" => &[352, 864, 1408],
        "cardlets" => &[96, 192],
        _ => &[38, 76],
    };
    let cover = matches!(image.get("cover"), Some(Value::Bool(true)))
        || image.get("cover").and_then(Value::as_str) == Some("true");
    if !cover {
        let each = sizes
            .iter()
            .map(|w| format!("{} {w}w", thumb_url(&file.url, &format!("{w}x"))));
        return each.collect::<Vec<_>>().join(", ");
    }
    if layout == "cards" {
        let ratio = ratio(image.get("ratio").and_then(Value::as_str).unwrap_or("1/1"));
        let each = sizes.iter().map(|w| {
            let h = (f64::from(*w) / ratio).round();
            format!("{} {w}w", thumb_url(&file.url, &format!("{w}x{h}-crop")))
        });
        return each.collect::<Vec<_>>().join(", ");
    }
    let small = sizes.first().copied().unwrap_or(38);
    let large = sizes.get(1).copied().unwrap_or(76);
    format!(
        "{} 1x, {} 2x",
        thumb_url(&file.url, &format!("{small}x{small}-crop")),
        thumb_url(&file.url, &format!("{large}x{large}-crop"))
    )
}

/// `3/2` → 1.5; anything unusable is 1.
fn ratio(text: &str) -> f64 {
    let mut parts = text.split('/').map(|part| part.trim().parse::<f64>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(w), Some(h)) if w > 0.0 && h > 0.0 => w / h,
        (Some(w), None) if w > 0.0 => w,
        _ => 1.0,
    }
}

/// `…/<hash>/team.jpg` + `38x` → `…/<hash>/team-38x.jpg` (thumbs live next to the original).
fn thumb_url(url: &str, suffix: &str) -> String {
    let (folder, name) = url.rsplit_once('/').unwrap_or(("", url));
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, format!(".{ext}")),
        None => (name, String::new()),
    };
    let prefix = if folder.is_empty() {
        String::new()
    } else {
        format!("{folder}/")
    };
    format!("{prefix}{stem}-{suffix}{ext}")
}

fn file_placeholder(file: &FileFacts, key: &str) -> Option<String> {
    Some(match key {
        "file.filename" => file.filename.clone(),
        "file.id" => file.id.clone(),
        "file.extension" => file.extension.clone(),
        "file.type" => file.kind.clone(),
        "file.url" => file.url.clone(),
        "file.name" => file
            .filename
            .rsplit_once('.')
            .map_or(&*file.filename, |(n, _)| n)
            .to_string(),
        "file.dimensions" => file.dimensions.map(|(w, h)| format!("{w} × {h}"))?,
        _ => return None,
    })
}

fn page_placeholder(page: &PageFacts, key: &str) -> Option<String> {
    Some(match key {
        "page.title" => page.title.clone(),
        "page.id" => page.id.clone(),
        "page.url" => page.url.clone(),
        "page.slug" => page.id.rsplit('/').next().unwrap_or_default().to_string(),
        _ => return None,
    })
}

fn user_placeholder(user: &UserFacts, key: &str) -> Option<String> {
    Some(match key {
        "user.username" => user.username.clone(),
        "user.email" => user.email.clone(),
        "user.id" => user.id.clone(),
        _ => return None,
    })
}

/// Fills `{{ … }}` placeholders from `lookup`, HTML-escaping what is inserted;
/// unknown expressions become empty, as in Kirby's safe templates.
// FIXME: only the simple model properties above are known; Kirby evaluates full queries.
fn render(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let expression = rest[start + 2..start + end].trim();
        out.push_str(&escape_html(&lookup(expression).unwrap_or_default()));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "items_tests.rs"]
mod tests;
