//! The HTTP face of Folio: Kirby's REST API under `/<api.slug>/` and the
//! site's rendered pages everywhere else.
//!
//! One request flows: parse ([`request`]), match a route ([`routes`]),
//! authenticate ([`crate::auth::flow`]), run the handler ([`handlers`]), and
//! render the envelope ([`reply`]). Handlers are synchronous and run on the
//! blocking pool, since they work on the in-memory index and may hash
//! passwords.

pub mod access;
pub mod body;
pub mod call;
pub mod error;
pub mod handlers;
pub mod json;
pub mod models;
pub mod multipart;
pub mod reply;
pub mod request;
pub mod routes;
pub mod select;
pub mod tree;
pub mod validation;

use std::sync::Arc;

use axum::Router;
use axum::body::Body as HttpBody;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Response, StatusCode, header};

use crate::app::App;
use crate::serve::ConnInfo;
use call::Incoming;
use error::ApiError;

pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(entry).with_state(app)
}

async fn entry(State(app): State<Arc<App>>, mut request: Request) -> Response<HttpBody> {
    let started = std::time::Instant::now();
    host_from_authority(&mut request);
    let method = request.method().to_string();
    let slug = app.config.api.slug.trim_matches('/').to_owned();
    let path = request.uri().path().to_owned();
    let api_path = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(slug.as_str()))
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        .map(|rest| rest.trim_matches('/').to_owned());
    let (response, route, user) = match api_path {
        Some(sub) if app.config.api.enabled => api_request(app.clone(), request, sub).await,
        _ => (crate::web::handle(app.clone(), request).await, None, None),
    };
    tracing::info!(
        http.method = %method,
        http.route = route.as_deref().unwrap_or(path.as_str()),
        http.status = response.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        user.id = user.as_deref().unwrap_or("-"),
        "request"
    );
    response
}

async fn api_request(
    app: Arc<App>,
    request: Request,
    sub_path: String,
) -> (Response<HttpBody>, Option<String>, Option<String>) {
    let conn = request.extensions().get::<ConnInfo>().copied();
    let (parts, body) = request.into_parts();
    let limit = body_limit(&app, &parts, &sub_path);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    // A declared length over the limit is refused before a byte is read.
    if declared.is_some_and(|length| length > limit as u64) {
        return (
            body::refusal(&app, body::BodyError::TooLarge { limit }),
            None,
            None,
        );
    }
    let bytes = match body::read(body, limit).await {
        Ok(bytes) => bytes,
        Err(error) => return (body::refusal(&app, error), None, None),
    };
    let incoming = Incoming::new(
        parts.method.as_str(),
        &parts.headers,
        parts.uri.query(),
        sub_path,
        bytes,
        conn,
    );
    let result = if runs_inline(&parts) {
        Ok(call::run(&app, incoming))
    } else {
        let app = app.clone();
        tokio::task::spawn_blocking(move || call::run(&app, incoming)).await
    };
    match result {
        Ok(done) => (
            build_response(done.status, done.headers, done.body),
            done.route,
            done.user,
        ),
        // A handler that panicked (a bug; the panic hook has logged it)
        // still answers in Kirby's envelope, as any unexpected error does.
        Err(_) => {
            let error = ApiError::internal("the request's handler panicked");
            let (status, body) = call::error_reply(&app, &error, None, "en");
            (build_response(status, HeaderMap::new(), body), None, None)
        }
    }
}

/// HTTP/2 (and absolute-form HTTP/1.1 targets) name the host in the
/// request's authority rather than a `Host` header. Every URL Folio builds
/// comes from `Host`, so the authority is copied there when `Host` is
/// missing; without it links would point at `localhost` without the port.
fn host_from_authority(request: &mut Request) {
    if request.headers().contains_key(header::HOST) {
        return;
    }
    let authority = request.uri().authority().map(|a| a.as_str().to_owned());
    if let Some(value) = authority.and_then(|a| header::HeaderValue::from_str(&a).ok()) {
        request.headers_mut().insert(header::HOST, value);
    }
}

/// How many body bytes this request may send. Only multipart posts to the
/// routes that take files (upload, replace, avatar) get the upload limit, so
/// an anonymous client cannot make every route buffer an upload-sized body.
fn body_limit(app: &App, parts: &axum::http::request::Parts, sub_path: &str) -> usize {
    let options = &app.config.folio;
    let is_multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if parts.method == axum::http::Method::POST && is_multipart && takes_files(sub_path) {
        options.max_upload_bytes
    } else {
        options.max_body_bytes
    }
}

/// Whether an API path is one of the routes that accept uploaded files:
/// `…/files` (upload), `…/files/<name>` (replace) and `users/<id>/avatar`.
fn takes_files(sub_path: &str) -> bool {
    let mut segments = sub_path.rsplit('/');
    let last = segments.next().unwrap_or_default();
    let before = segments.next().unwrap_or_default();
    last == "files" || before == "files" || (last == "avatar" && !before.is_empty())
}

/// Whether a call is cheap enough to run on the async worker itself. Handing
/// a call to the blocking pool costs two thread switches, which the profile
/// showed to be most of a small read's time. Plain reads only work on the
/// in-memory index; anything that may write (fsync) or carries credentials
/// (bcrypt, unless cached) still goes to the blocking pool.
fn runs_inline(parts: &axum::http::request::Parts) -> bool {
    use axum::http::Method;
    (parts.method == Method::GET || parts.method == Method::HEAD)
        && !parts.headers.contains_key(header::AUTHORIZATION)
        && !parts.headers.contains_key("x-http-method-override")
}

pub(crate) fn build_response(status: u16, headers: HeaderMap, body: String) -> Response<HttpBody> {
    let mut response = Response::new(HttpBody::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    *response.headers_mut() = headers;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}
