//! `/media/…`: the files of pages, the site and users, at the URLs the API
//! hands out (`url` of a file model).
//!
//! Kirby copies a file into its `media` folder on the first request to such
//! a URL and lets the web server serve it from there. Folio serves the file
//! from the content folder directly, so nothing is copied and a replaced
//! file is never served stale: the URL's `<token>-<modified>` folder must be
//! the file's current one, else the answer is 404, as it is for drafts,
//! unknown models and names. Only what the API itself can link to is served;
//! a path can never reach beyond the model's own files.
//!
//! A name that is not a file of the model but a version of one of its
//! images (`name-300x.jpg`, `name-38x38-crop.jpg`, the `thumbs` and avatar
//! URLs) is rendered by [`super::thumbs`] under the source's media folder.
//!
//! FIXME: `Range` requests are not supported; the whole file is sent.

use std::sync::LazyLock;

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};

use super::thumbs::{self, Options, ThumbCache};
use crate::app::App;
use crate::store::media::{media_hash, mime_for};
use crate::store::{File, Site, Status};

/// Rendered image versions of every site this process serves.
static THUMBS: LazyLock<ThumbCache> = LazyLock::new(ThumbCache::default);

/// What a media path names: a file itself or a version of an image.
enum Found {
    Original(File),
    Version(File, Options),
}

/// How long browsers may keep a media file: a year, since its URL changes
/// whenever the file does.
const CACHE_FOR: &str = "public, max-age=31536000, immutable";

/// The answer to a `/media/…` path, or `None` when the path is not under
/// `/media/`. `path` is already percent-decoded.
pub async fn serve(app: &App, path: &str, is_head: bool) -> Option<Response<Body>> {
    let rest = path.strip_prefix("/media/")?;
    let found = find(&app.store.site(), rest);
    Some(match found {
        Some(Found::Original(file)) => send(&file, is_head).await,
        Some(Found::Version(source, options)) => send_version(source, options, is_head).await,
        None => not_found(),
    })
}

/// What `rest` (`<parent>/<hash>/<filename>`) names, if its hash is the
/// current one of the file (or of the version's source).
fn find(site: &Site, rest: &str) -> Option<Found> {
    let (before, filename) = rest.rsplit_once('/')?;
    let (parent, hash) = before.rsplit_once('/')?;
    let files: &[File] = if parent == "site" {
        &site.files
    } else if let Some(id) = parent.strip_prefix("pages/") {
        let page = &site.pages[site.page_ref(id)?];
        if page.status == Status::Draft {
            return None;
        }
        &page.files
    } else if let Some(id) = parent.strip_prefix("users/") {
        site.user(id)?.avatar.as_slice()
    } else {
        return None;
    };
    if let Some(file) = files.iter().find(|file| file.filename == filename) {
        return (media_hash(file) == hash).then(|| Found::Original(file.clone()));
    }
    let (source, options) = thumbs::parse(filename, files)?;
    (media_hash(source) == hash).then(|| Found::Version(source.clone(), options))
}

/// A rendered version, in the source's format.
async fn send_version(source: File, options: Options, is_head: bool) -> Response<Body> {
    let mime = mime_for(&source.extension.to_ascii_lowercase());
    let rendered = tokio::task::spawn_blocking(move || THUMBS.get(&source, options)).await;
    let Ok(Some(bytes)) = rendered else {
        return not_found();
    };
    let length = bytes.len();
    let body = if is_head {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    with_media_headers(Response::new(body), mime, length as u64)
}

async fn send(file: &File, is_head: bool) -> Response<Body> {
    let opened = match tokio::fs::File::open(&file.path).await {
        Ok(opened) => opened,
        // Gone since the last scan: the next scan will drop it too.
        Err(_) => return not_found(),
    };
    let length = match opened.metadata().await {
        Ok(meta) => meta.len(),
        Err(_) => return not_found(),
    };
    let body = if is_head {
        Body::empty()
    } else {
        Body::from_stream(tokio_util::io::ReaderStream::new(opened))
    };
    let mime = mime_for(&file.extension.to_ascii_lowercase());
    with_media_headers(Response::new(body), mime, length)
}

/// Type, length, a long cache life and the defences every media answer gets.
fn with_media_headers(
    mut response: Response<Body>,
    mime: &'static str,
    length: u64,
) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_FOR));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if mime == "image/svg+xml" || mime.starts_with("text/html") {
        // An SVG opened directly could run script on the site's origin;
        // the sandbox keeps it a picture even if the sanitiser missed
        // something.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
        );
    }
    response
}

fn not_found() -> Response<Body> {
    super::pages::plain(StatusCode::NOT_FOUND, "Not found\n")
}
