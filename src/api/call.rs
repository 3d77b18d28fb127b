//! One API call from route match to finished body: authentication, the
//! handler, and the envelope, with the session cookies it produced.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use bytes::Bytes;

use super::error::{ApiError, ApiResult, Class, ErrorContext};
use super::reply::{self, Reply};
use super::request::{Body, Query, effective_method, parse_query};
use super::routes::{self, Route};
use crate::app::App;
use crate::auth::basic::{AuthHeader, parse_authorization};
use crate::auth::client_ip::{ForwardingHeaders, client_ip, peer_is_trusted};
use crate::auth::flow::{SessionState, basic_user};
use crate::perm::Role;
use crate::serve::ConnInfo;
use crate::store::{Language, Site, User};

/// The request as handed from the async side to the blocking handler.
pub struct Incoming {
    method: String,
    headers: HeaderMap,
    query: Query,
    path: String,
    body: Bytes,
    conn: Option<ConnInfo>,
}

impl Incoming {
    pub fn new(
        method: &str,
        headers: &HeaderMap,
        query: Option<&str>,
        path: String,
        body: Bytes,
        conn: Option<ConnInfo>,
    ) -> Incoming {
        Incoming {
            method: method.to_owned(),
            headers: headers.clone(),
            query: Query(parse_query(query.unwrap_or(""))),
            path,
            body,
            conn,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What a finished call sends back.
pub struct Done {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    pub route: Option<String>,
    pub user: Option<String>,
}

/// The acting user. Anonymous callers act with the `nobody` role.
#[derive(Clone)]
pub struct Actor {
    pub user: Option<User>,
    pub role: Arc<Role>,
}

impl Actor {
    pub fn anonymous() -> Actor {
        Actor {
            user: None,
            role: Role::shared_nobody(),
        }
    }

    pub fn is(&self, user: &User) -> bool {
        self.user.as_ref().is_some_and(|u| u.id == user.id)
    }
}

/// Everything a handler works with.
pub struct Call<'a> {
    pub app: &'a App,
    pub site: Arc<Site>,
    pub method: String,
    pub args: Vec<String>,
    pub query: Query,
    pub body: Body,
    /// The body bytes as received, for multipart uploads.
    pub raw_body: Bytes,
    pub actor: Actor,
    pub session: SessionState,
    pub language: Option<Language>,
    /// `scheme://host`, the base of every URL in answers.
    pub origin: String,
    pub is_https: bool,
    pub now: i64,
    pub peer: Option<SocketAddr>,
    pub headers: HeaderMap,
}

impl Call<'_> {
    /// A non-empty field of `content` in the request's language.
    pub fn field(&self, content: &crate::store::model::Translated, key: &str) -> Option<String> {
        let default = self.site.default_language();
        crate::store::model::field_in(content, self.language.as_ref(), default, key)
    }

    /// The default language's code, on a multi-language site: the content
    /// file suffix a new page or file meta is created with.
    pub fn default_code(&self) -> Option<String> {
        self.language.as_ref()?;
        self.site.default_language().map(|l| l.code.clone())
    }

    /// A non-empty field of `content` in the default language (UUIDs live there).
    pub fn default_field(
        &self,
        content: &crate::store::model::Translated,
        key: &str,
    ) -> Option<String> {
        let default = self.site.default_language();
        crate::store::model::field_in(content, default, default, key)
    }

    pub fn arg(&self, index: usize) -> &str {
        self.args.get(index).map(String::as_str).unwrap_or("")
    }

    /// The visitor's address: the socket peer, or what a trusted proxy
    /// forwards (`folio.trustedProxies`). Login trials count by it.
    pub fn client_ip(&self) -> Option<IpAddr> {
        client_ip(
            self.peer.map(|p| p.ip()),
            &forwarding_headers(&self.headers),
            self.app.config.folio.proxies(),
        )
    }

    /// The Panel language of error messages: the acting user's, else the
    /// `panel.language` option.
    pub fn ui_language(&self) -> String {
        self.actor
            .user
            .as_ref()
            .map(|u| u.language.clone())
            .unwrap_or_else(|| self.app.config.panel.language.clone())
    }
}

pub fn run(app: &App, incoming: Incoming) -> Done {
    let now = unix_now();
    let method = effective_method(&incoming.method, incoming.header("x-http-method-override"));
    let is_https = is_https(app, &incoming);
    let Some((route, args)) =
        routes::find_registered(&incoming.path, &method, app.config.languages)
    else {
        let error = ApiError::no_route(&incoming.path, &method);
        let session = SessionState::from_cookie_header(app, None, is_https, now);
        return finish(
            &incoming,
            error_reply(app, &error, None, &app.config.panel.language),
            session,
            None,
            None,
        );
    };
    let mut call = Call {
        app,
        site: app.store.site(),
        body: Body::parse(incoming.header("content-type"), &incoming.body),
        raw_body: incoming.body.clone(),
        session: session_of(app, &incoming, is_https, now),
        method,
        args,
        query: incoming.query.clone(),
        actor: Actor::anonymous(),
        language: None,
        origin: origin(app, &incoming, is_https),
        is_https,
        now,
        peer: incoming.conn.map(|c| c.peer),
        headers: incoming.headers.clone(),
    };
    call.language = pick_language(&call, &incoming);
    let outcome = authenticate(&mut call, route, &incoming)
        .and_then(|()| call.body.check_field_count())
        .and_then(|()| match route.handler {
            Some(handler) => run_handler(&mut call, handler),
            None => Err(ApiError::no_route(&incoming.path, &call.method)),
        });
    let language = call.ui_language();
    let rendered = match outcome {
        Ok(reply) => reply::render(&call, reply),
        Err(error) => error_reply(app, &error, Some(route), &language),
    };
    call.session.maybe_collect_garbage(app, now);
    let user = call.actor.user.as_ref().map(|u| u.id.clone());
    finish(
        &incoming,
        rendered,
        call.session,
        Some(route.pattern.to_owned()),
        user,
    )
}

/// How often a write planned on a stale snapshot is planned again before
/// the client is told to retry.
const STALE_RETRIES: usize = 20;

/// Runs the handler; a write that lost a race with another write is planned
/// again on the fresh snapshot (optimistic concurrency: handlers change
/// nothing before their single commit).
fn run_handler(call: &mut Call, handler: super::handlers::Handler) -> ApiResult<Reply> {
    let mut outcome = handler(call);
    for _ in 0..STALE_RETRIES {
        match &outcome {
            Err(error) if error.stale => {
                call.site = call.app.store.site();
                outcome = handler(call);
            }
            _ => break,
        }
    }
    outcome
}

/// The session a request names: `Authorization: Session <token>` wins over
/// the cookie (auth.md §2.5).
fn session_of(app: &App, incoming: &Incoming, is_https: bool, now: i64) -> SessionState {
    match incoming.header("authorization").map(parse_authorization) {
        Some(AuthHeader::Session(token)) => {
            SessionState::from_header_token(app, &token, is_https, now)
        }
        _ => SessionState::from_cookie_header(app, incoming.header("cookie"), is_https, now),
    }
}

fn authenticate(call: &mut Call, route: &Route, incoming: &Incoming) -> ApiResult<()> {
    let app = call.app;
    let authorization = incoming.header("authorization");
    // Only Basic auth counts failures by address; working the address out
    // (forwarding headers and all) is skipped for the rest.
    let visitor = authorization.and_then(|_| call.client_ip());
    let basic = basic_user(app, &call.site, authorization, call.is_https, visitor);
    let user = match basic {
        Err(error) if route.auth => return Err(error),
        Err(_) => None,
        Ok(Some(user)) => Some(user),
        Ok(None) => {
            let given = incoming
                .header("x-csrf")
                .map(str::to_owned)
                .or_else(|| incoming.query.get("csrf").map(str::to_owned));
            let session_user = call.session.user(&call.site).cloned();
            if route.auth {
                let expected = call.session.expected_csrf(app, call.now);
                if !crate::auth::csrf::matches(Some(&expected), given.as_deref()) {
                    return Err(ApiError::unauthenticated());
                }
            }
            session_user
        }
    };
    if let Some(user) = user {
        let role = app.role(&user.role);
        call.actor = Actor {
            user: Some(user),
            role,
        };
        call.session.touch(app, call.now);
    }
    if route.auth {
        if call.actor.user.is_none() {
            return Err(ApiError::unauthenticated());
        }
        if !call.actor.role.permissions.get("access", "panel") {
            return Err(ApiError::keyed(Class::Auth, "error.access.panel"));
        }
    }
    Ok(())
}

pub(super) fn error_reply(
    app: &App,
    error: &ApiError,
    route: Option<&Route>,
    language: &str,
) -> (u16, String) {
    let ctx = ErrorContext {
        translations: &app.translations,
        language,
        debug: app.config.debug,
        route: route.map(|r| r.shown.as_str()),
    };
    let (status, body) = error.to_body(&ctx);
    if status >= 500 {
        tracing::error!(error = ?error, "request failed");
    }
    (status, super::json::encode(&body, false))
}

fn finish(
    incoming: &Incoming,
    (status, body): (u16, String),
    session: SessionState,
    route: Option<String>,
    user: Option<String>,
) -> Done {
    let mut headers = HeaderMap::new();
    for cookie in &session.set_cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    let body = if incoming.query.flag("pretty") {
        reindent(&body)
    } else {
        body
    };
    Done {
        status,
        headers,
        body,
        route,
        user,
    }
}

fn reindent(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .map(|v| super::json::encode(&v, true))
        .unwrap_or_else(|_| body.to_owned())
}

/// Kirby's HTTPS detection (auth.md §4.3): our own TLS, a fixed `url` with
/// `https`, or, only when the `url` option allows it, forwarded headers. On top
/// of Kirby's rule, once `folio.trustedProxies` is set, forwarded headers
/// count only from a peer it lists: anyone else could simply claim HTTPS.
// FIXME: with a `url` allow-list Kirby also refuses requests whose base URL
// is not in the list ("The environment is not allowed"); Folio does not yet.
fn is_https(app: &App, incoming: &Incoming) -> bool {
    use crate::config::UrlOption;
    if incoming.conn.is_some_and(|c| c.tls) {
        return true;
    }
    match &app.config.url {
        UrlOption::Fixed(url) => url.starts_with("https://"),
        UrlOption::Wildcard | UrlOption::AllowList(_) => {
            forwarded_headers_count(app, incoming) && forwarded_https(incoming)
        }
        UrlOption::Unset => false,
    }
}

/// Whether this request's peer may vouch for the scheme: anyone, as in
/// Kirby, until `folio.trustedProxies` names the peers that may.
fn forwarded_headers_count(app: &App, incoming: &Incoming) -> bool {
    match &app.config.folio.trusted_proxies {
        None => true,
        Some(trusted) => peer_is_trusted(incoming.conn.map(|c| c.peer.ip()), trusted),
    }
}

/// Every `X-Forwarded-For` and `Forwarded` line, in order.
fn forwarding_headers(headers: &HeaderMap) -> ForwardingHeaders<'_> {
    let lines = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
    };
    ForwardingHeaders {
        x_forwarded_for: lines("x-forwarded-for"),
        forwarded: lines("forwarded"),
    }
}

fn forwarded_https(incoming: &Incoming) -> bool {
    if let Some(forwarded) = incoming.header("forwarded") {
        let first = forwarded.split(',').next().unwrap_or("");
        return first
            .split(';')
            .any(|p| p.trim().eq_ignore_ascii_case("proto=https"));
    }
    if incoming
        .header("x-forwarded-ssl")
        .is_some_and(|v| v.eq_ignore_ascii_case("on"))
    {
        return true;
    }
    incoming.header("x-forwarded-proto").is_some_and(|v| {
        v.split(',')
            .next()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    })
}

fn origin(app: &App, incoming: &Incoming, is_https: bool) -> String {
    site_origin(app, incoming.header("host"), is_https)
}

/// `scheme://host` of the site: the fixed `url` option when it has one,
/// else the request's (validated) Host header. API answers and rendered
/// pages build their links from it.
pub fn site_origin(app: &App, host: Option<&str>, is_https: bool) -> String {
    use crate::config::UrlOption;
    if let UrlOption::Fixed(url) = &app.config.url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = host.filter(|h| valid_host(h)).unwrap_or("localhost");
    format!("{}://{host}", if is_https { "https" } else { "http" })
}

/// A Host header is used in URLs, so only plain host[:port] values count.
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
}

fn pick_language(call: &Call, incoming: &Incoming) -> Option<Language> {
    if !call.app.config.languages {
        return None;
    }
    let requested = incoming
        .query
        .get("language")
        .or_else(|| incoming.header("x-language"));
    call.site.language(requested).cloned()
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
