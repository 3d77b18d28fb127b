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
//! FIXME: thumbnail URLs (`name-300x.jpg`, `name-38x38-crop.jpg` in srcsets)
//! answer 404: Folio does not resize images yet.
//! FIXME: `Range` requests are not supported; the whole file is sent.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};

use crate::app::App;
use crate::store::media::{media_hash, mime_for};
use crate::store::{File, Site, Status};

/// How long browsers may keep a media file: a year, since its URL changes
/// whenever the file does.
const CACHE_FOR: &str = "public, max-age=31536000, immutable";

/// The answer to a `/media/…` path, or `None` when the path is not under
/// `/media/`. `path` is already percent-decoded.
pub async fn serve(app: &App, path: &str, is_head: bool) -> Option<Response<Body>> {
    let rest = path.strip_prefix("/media/")?;
    let site = app.store.site();
    let Some(file) = find(&site, rest).cloned() else {
        return Some(not_found());
    };
    Some(send(&file, is_head).await)
}

/// The file `rest` (`<parent>/<hash>/<filename>`) names, if it is current.
fn find<'s>(site: &'s Site, rest: &str) -> Option<&'s File> {
    let (parent, tail) = rest.rsplit_once('/').and_then(|(before, filename)| {
        let (parent, hash) = before.rsplit_once('/')?;
        Some((parent, (hash, filename)))
    })?;
    let (hash, filename) = tail;
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
    files
        .iter()
        .find(|file| file.filename == filename && media_hash(file) == hash)
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
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    let mime = mime_for(&file.extension.to_ascii_lowercase());
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
    let mut response = Response::new(Body::from("Not found\n"));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
