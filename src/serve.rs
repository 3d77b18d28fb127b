//! The listener: accepts TCP connections, optionally terminates TLS, and hands
//! each request to the axum router.
//!
//! This module owns everything between the socket and the router: the
//! connection-count limit, the header read timeout, TLS (rustls with the
//! `ring` provider, HTTP/2 offered through ALPN), the per-request timeout and
//! graceful shutdown. It tells the rest of the server how a request arrived by
//! inserting a [`ConnInfo`] (and axum's `ConnectInfo<SocketAddr>`) into every
//! request's extensions, because HTTPS detection (spec auth.md §4.3) and rate
//! limiting by visitor address both need it and neither can see the socket.
//! A broken client (failed handshake, slow headers, bad framing) only loses its
//! own connection; the accept loop never stops for it.

mod clients;
mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::config::IpNet;
use clients::{ClientSlot, ClientSlots};

pub use tls::{TlsError, TlsFiles};

/// Facts about the connection a request came in on, inserted as a request
/// extension by [`serve`].
#[derive(Clone, Copy, Debug)]
pub struct ConnInfo {
    /// The TCP peer (the visitor, or the reverse proxy in front of Folio).
    pub peer: SocketAddr,
    /// Whether Folio itself terminated TLS on this connection.
    pub tls: bool,
}

/// Resource limits applied per connection and per request.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request head (request line plus headers) accepted, in bytes.
    pub max_header_bytes: usize,
    /// Time a client gets to finish its TLS handshake and send a request head.
    pub header_read_timeout: Duration,
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Time a request may take from its head being read to its response head.
    pub request_timeout: Duration,
    /// Connections one client (an IPv4 address, an IPv6 /64) may hold at once;
    /// a further connection from it is closed at once. The default leaves
    /// room for busy scripts that open fresh connections while others are
    /// still closing (the soak run opens up to twice its 32 at once), while
    /// one address can no longer take all 1024 slots.
    pub max_connections_per_client: usize,
    /// Peers exempt from the per-client cap: the proxies the config trusts
    /// (`folio.trustedProxies`), whose address every visitor behind them shares.
    pub trusted_peers: Arc<[IpNet]>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            request_timeout: Duration::from_secs(60),
            max_connections_per_client: 256,
            trusted_peers: Arc::from(Vec::new()),
        }
    }
}

/// How long in-flight connections get to finish once shutdown was asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How often an HTTP/2 connection is pinged, and how long the answer may take.
const H2_PING_INTERVAL: Duration = Duration::from_secs(30);
const H2_PING_TIMEOUT: Duration = Duration::from_secs(20);

/// hyper refuses a read buffer smaller than this (it panics below it).
const MIN_HTTP1_BUFFER: usize = 8192;

/// Binds `listen`, announces the address, serves until `shutdown` resolves,
/// then drains open connections gracefully.
///
/// The announcement is one line `listening on http(s)://ADDR`, logged at info
/// and printed to stdout, so that a parent process can read the bound port
/// when `listen` asked for port 0.
pub async fn serve(
    router: Router,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = Listener::bind(listen, tls.as_ref(), limits).await?;
    let banner = format!("listening on {}", listener.url());
    tracing::info!(listen.addr = %listener.local_addr(), "{banner}");
    println!("{banner}");
    listener.run(router, shutdown).await;
    Ok(())
}

/// A bound socket that is not serving yet: [`serve`] in two steps, for callers
/// (tests, a smoke check) that need the bound address before serving starts.
pub struct Listener {
    tcp: TcpListener,
    local: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    limits: Limits,
}

impl Listener {
    /// Loads the TLS files (if any) and binds the socket.
    pub async fn bind(
        listen: SocketAddr,
        tls: Option<&TlsFiles>,
        limits: Limits,
    ) -> anyhow::Result<Listener> {
        // Reading the PEM files first reports a bad file before the port is taken.
        let acceptor = match tls {
            Some(files) => Some(TlsAcceptor::from(tls::server_config(files)?)),
            None => None,
        };
        let tcp = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on `{listen}`"))?;
        let local = tcp.local_addr().context("cannot read the bound address")?;
        Ok(Listener {
            tcp,
            local,
            acceptor,
            limits,
        })
    }

    /// The address actually bound (the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The base URL of this listener, `http://ADDR` or `https://ADDR`.
    pub fn url(&self) -> String {
        let scheme = if self.acceptor.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.local)
    }

    /// Serves until `shutdown` resolves, then drains open connections.
    pub async fn run(self, router: Router, shutdown: impl Future<Output = ()>) {
        let server = Server {
            router,
            acceptor: self.acceptor,
            http: Arc::new(http_builder(&self.limits)),
            permits: Arc::new(Semaphore::new(self.limits.max_connections.max(1))),
            clients: Arc::default(),
            limits: self.limits,
        };
        let graceful = GracefulShutdown::new();
        server.accept_loop(&self.tcp, &graceful, shutdown).await;

        drop(self.tcp);
        tracing::info!(
            connections = graceful.count(),
            "shutting down, draining connections"
        );
        if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                timeout_s = DRAIN_TIMEOUT.as_secs(),
                "connections still open after the drain timeout, closing them"
            );
        }
    }
}

/// Builds the HTTP/1.1 + HTTP/2 connection builder with the limits applied.
fn http_builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(MIN_HTTP1_BUFFER));
    // Pings find HTTP/2 peers that vanished without closing the connection.
    // FIXME: an idle HTTP/2 client that answers pings keeps its connection slot; there is no
    // idle timeout for HTTP/2 connections yet.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(H2_PING_INTERVAL)
        .keep_alive_timeout(H2_PING_TIMEOUT)
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    builder
}

/// What every connection task needs; cheap to clone.
#[derive(Clone)]
struct Server {
    router: Router,
    acceptor: Option<TlsAcceptor>,
    limits: Limits,
    http: Arc<auto::Builder<TokioExecutor>>,
    permits: Arc<Semaphore>,
    clients: Arc<ClientSlots>,
}

impl Server {
    /// Accepts connections until `shutdown` resolves, one task per connection.
    async fn accept_loop(
        &self,
        listener: &TcpListener,
        graceful: &GracefulShutdown,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            // Waiting for a permit before accepting leaves excess clients in the
            // kernel's backlog instead of holding sockets we will not serve.
            let permit = tokio::select! {
                () = &mut shutdown => return,
                permit = self.permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return,
                },
            };
            let (stream, peer) = tokio::select! {
                () = &mut shutdown => return,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Usually out of file descriptors; pausing lets some close.
                        tracing::warn!(error = %err, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let limits = &self.limits;
            let Some(slot) = self.clients.take(
                peer.ip(),
                limits.max_connections_per_client,
                &limits.trusted_peers,
            ) else {
                tracing::debug!(peer.addr = %peer, "too many connections from this client");
                continue;
            };
            let server = self.clone();
            let watcher = graceful.watcher();
            tokio::spawn(async move {
                server
                    .handle_connection(stream, peer, (permit, slot), watcher)
                    .await;
            });
        }
    }

    /// Serves one connection; its permit is released when this returns.
    async fn handle_connection(
        self,
        stream: TcpStream,
        peer: SocketAddr,
        _slots: (OwnedSemaphorePermit, ClientSlot),
        watcher: hyper_util::server::graceful::Watcher,
    ) {
        // Nagle only delays small API answers; failing to turn it off is harmless.
        let _ = stream.set_nodelay(true);
        match self.acceptor.clone() {
            None => {
                self.serve_io(stream, ConnInfo { peer, tls: false }, watcher)
                    .await
            }
            Some(acceptor) => {
                let handshake = acceptor.accept(stream);
                match tokio::time::timeout(self.limits.header_read_timeout, handshake).await {
                    Ok(Ok(tls_stream)) => {
                        self.serve_io(tls_stream, ConnInfo { peer, tls: true }, watcher)
                            .await;
                    }
                    Ok(Err(err)) => {
                        tracing::debug!(peer.addr = %peer, error = %err, "tls handshake failed");
                    }
                    Err(_) => tracing::debug!(peer.addr = %peer, "tls handshake timed out"),
                }
            }
        }
    }

    /// Runs hyper on an established (plain or TLS) stream.
    ///
    /// hyper's own header timeout starts only once it knows the protocol, and
    /// telling HTTP/1 from HTTP/2 waits for the client's first bytes, so a
    /// client that connects and stays silent would hold its slot forever. The
    /// connection therefore also has to produce its first request within the
    /// header read timeout; after that hyper's timeouts take over.
    async fn serve_io<IO>(
        &self,
        io: IO,
        conn: ConnInfo,
        watcher: hyper_util::server::graceful::Watcher,
    ) where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let first_request = Arc::new(Notify::new());
        let router = self.router.clone();
        let request_timeout = self.limits.request_timeout;
        let seen = first_request.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            seen.notify_one();
            handle_request(router.clone(), conn, request_timeout, request)
        });
        let connection = self
            .http
            .serve_connection_with_upgrades(TokioIo::new(io), service);
        let connection = watcher.watch(connection.into_owned());
        tokio::pin!(connection);

        let first = tokio::time::timeout(self.limits.header_read_timeout, first_request.notified());
        let result = tokio::select! {
            result = &mut connection => result,
            arrived = first => match arrived {
                Ok(()) => connection.await,
                Err(_) => {
                    tracing::debug!(peer.addr = %conn.peer, "no request within the header timeout");
                    return;
                }
            },
        };
        if let Err(err) = result {
            tracing::debug!(peer.addr = %conn.peer, error = %err, "connection ended with an error");
        }
    }
}

/// Tags one request with its connection facts and runs it through the router
/// under the request timeout.
async fn handle_request(
    router: Router,
    conn: ConnInfo,
    timeout: Duration,
    request: Request<Incoming>,
) -> Result<Response<Body>, std::convert::Infallible> {
    let mut request = request.map(Body::new);
    request.extensions_mut().insert(conn);
    request.extensions_mut().insert(ConnectInfo(conn.peer));

    match tokio::time::timeout(timeout, router.oneshot(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_s = timeout.as_secs(), "request timed out");
            Ok(timeout_response())
        }
    }
}

/// The answer for a request that ran past the request timeout, in Kirby's
/// error envelope so API clients can parse it like any other error. The
/// listener knows no translations, hence the fixed English message.
fn timeout_response() -> Response<Body> {
    let body = r#"{"status":"error","message":"The request took too long","code":503,"key":"error.general","details":[]}"#;
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

#[cfg(test)]
mod tests;
