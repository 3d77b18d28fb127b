//! Serving the site's own pages (everything outside the API): find the page
//! for the URL path, render its template, and give the visitor the session
//! cookie whose CSRF token `{{ csrf() }}` printed into the page.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Response, StatusCode, header};

use super::{Link, PageData, PageView, RenderError, SiteData, Templates};
use crate::app::App;
use crate::auth::flow::SessionState;
use crate::serve::ConnInfo;
use crate::store::model::fields_for;
use crate::store::{PageRef, Site, Status};

pub async fn handle(app: Arc<App>, request: Request) -> Response<Body> {
    let secure = request
        .extensions()
        .get::<ConnInfo>()
        .is_some_and(|c| c.tls);
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let cookie = request
        .headers()
        .get(header::COOKIE)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let path = percent_encoding::percent_decode_str(request.uri().path())
        .decode_utf8_lossy()
        .into_owned();
    let is_head = request.method() == axum::http::Method::HEAD;
    let is_get = is_head || request.method() == axum::http::Method::GET;
    if is_get && let Some(response) = super::media::serve(&app, &path, is_head).await {
        return response;
    }
    tokio::task::spawn_blocking(move || {
        render(&app, &path, &host, cookie.as_deref(), secure, is_head)
    })
    .await
    .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
}

fn render(
    app: &App,
    path: &str,
    host: &str,
    cookie: Option<&str>,
    secure: bool,
    is_head: bool,
) -> Response<Body> {
    let now = crate::api::call::unix_now();
    let site = app.store.site();
    let origin = crate::api::call::site_origin(app, Some(host), secure);
    let id = path.trim_matches('/');
    let id = if id.is_empty() {
        app.config.home.as_str()
    } else {
        id
    };
    let found = site
        .page_ref(id)
        .filter(|&p| site.pages[p].status != Status::Draft);
    let (page, status) = match found {
        Some(p) => (Some(p), StatusCode::OK),
        None => (site.page_ref(&app.config.error), StatusCode::NOT_FOUND),
    };
    let Some(page) = page else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let mut session = SessionState::from_cookie_header(app, cookie, secure, now);
    let csrf = session.expected_csrf(app, now);
    let view = PageView {
        page: page_data(&site, page, &origin, &app.config.home),
        site: site_data(&site, &origin, &app.config.home),
        csrf,
    };
    let templates = Templates::new(app.root.join("site/templates"));
    let template = site.pages[page].template.clone();
    let mut response = match templates.render(&template, view) {
        Ok(html) => html_response(status, if is_head { String::new() } else { html }),
        Err(RenderError::NoTemplate(_)) => plain(StatusCode::NOT_FOUND, "not found"),
        Err(error) => {
            // The template error itself sits in the source chain.
            let mut reason = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                reason.push_str(": ");
                reason.push_str(&cause.to_string());
                source = cause.source();
            }
            tracing::error!(template = %template, "cannot render page: {reason}");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page cannot be rendered",
            )
        }
    };
    for cookie in &session.set_cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn content(site: &Site, page: PageRef) -> BTreeMap<String, String> {
    let fields = fields_for(
        &site.pages[page].content,
        site.default_language(),
        site.default_language(),
    );
    fields
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn title(site: &Site, page: PageRef) -> String {
    let p = &site.pages[page];
    content(site, page)
        .remove("title")
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| p.slug.clone())
}

fn url(site: &Site, page: PageRef, origin: &str, home: &str) -> String {
    let id = &site.pages[page].id;
    if id == home {
        origin.to_owned()
    } else {
        format!("{origin}/{id}")
    }
}

fn links(site: &Site, pages: &[PageRef], origin: &str, home: &str) -> Vec<Link> {
    pages
        .iter()
        .filter(|&&p| site.pages[p].status == Status::Listed)
        .map(|&p| Link {
            title: title(site, p),
            url: url(site, p, origin, home),
        })
        .collect()
}

fn page_data(site: &Site, page: PageRef, origin: &str, home: &str) -> PageData {
    let p = &site.pages[page];
    PageData {
        id: p.id.clone(),
        title: title(site, page),
        slug: p.slug.clone(),
        url: url(site, page, origin, home),
        template: p.template.clone(),
        status: p.status.as_str().to_owned(),
        content: content(site, page),
        children: links(site, &p.children, origin, home),
    }
}

fn site_data(site: &Site, origin: &str, home: &str) -> SiteData {
    let fields = fields_for(
        &site.content,
        site.default_language(),
        site.default_language(),
    );
    SiteData {
        title: fields.get("title").unwrap_or_default().to_owned(),
        url: origin.to_owned(),
        content: fields
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        children: links(site, &site.children, origin, home),
    }
}

fn html_response(status: StatusCode, html: String) -> Response<Body> {
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    response
}

pub(super) fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(text.to_owned()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
