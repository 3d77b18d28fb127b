//! Listener tests: each one binds 127.0.0.1:0, talks to it over real sockets
//! and stops the server through a guard, so a failing assertion still stops it.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::{Extension, Router};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

use super::{ConnInfo, Limits, Listener, TlsFiles};

/// Answers with what the listener told the request about its connection.
fn echo_router() -> Router {
    let conn_info = |Extension(conn): Extension<ConnInfo>| async move {
        format!("tls={} peer={}", conn.tls, conn.peer.ip())
    };
    let slow = || async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "too late"
    };
    Router::new()
        .route("/", get(conn_info))
        .route("/slow", get(slow))
}

/// A running server; dropping it asks for shutdown and then aborts the task.
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    async fn start(tls: Option<&TlsFiles>, limits: Limits) -> Running {
        let listener = Listener::bind("127.0.0.1:0".parse().unwrap(), tls, limits)
            .await
            .unwrap();
        let addr = listener.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(listener.run(echo_router(), async {
            let _ = stopped.await;
        }));
        Running {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Asks for shutdown and waits for the server task to finish.
    async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(15), task)
                .await
                .expect("server did not stop after shutdown")
                .unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A self-signed certificate for `localhost`, written as PEM files.
struct TestCert {
    _dir: tempfile::TempDir,
    files: TlsFiles,
    der: rustls::pki_types::CertificateDer<'static>,
}

fn test_cert() -> TestCert {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::File::create(&files.cert)
        .unwrap()
        .write_all(generated.cert.pem().as_bytes())
        .unwrap();
    std::fs::write(&files.key, generated.key_pair.serialize_pem()).unwrap();
    TestCert {
        _dir: dir,
        files,
        der: generated.cert.der().clone(),
    }
}

fn tls_connector(cert: &TestCert, alpn: &[&[u8]]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

/// Sends one HTTP/1.1 request with `Connection: close` and returns the raw answer.
async fn http1_exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, head: &str) -> String {
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

const GET_ROOT: &str = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn plain_request_is_marked_not_tls() {
    let server = Running::start(None, Limits::default()).await;

    let answer = http1_exchange(TcpStream::connect(server.addr).await.unwrap(), GET_ROOT).await;

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("tls=false peer=127.0.0.1"), "{answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn tls_request_over_http1_is_marked_tls() {
    let cert = test_cert();
    let server = Running::start(Some(&cert.files), Limits::default()).await;

    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = tls_connector(&cert, &[b"http/1.1"])
        .connect(name, tcp)
        .await
        .unwrap();
    let answer = http1_exchange(tls, GET_ROOT).await;

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("tls=true peer=127.0.0.1"), "{answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn tls_offers_http2_through_alpn() {
    let cert = test_cert();
    let server = Running::start(Some(&cert.files), Limits::default()).await;

    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = tls_connector(&cert, &[b"h2", b"http/1.1"])
        .connect(name, tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

    let io = hyper_util::rt::TokioIo::new(tls);
    let executor = hyper_util::rt::TokioExecutor::new();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(executor, io)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get("https://localhost/")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), hyper::Version::HTTP_2);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"tls=true peer=127.0.0.1");

    drop(sender);
    driver.abort();
    server.shut_down().await;
}

#[tokio::test]
async fn failed_handshake_only_drops_that_connection() {
    let cert = test_cert();
    let server = Running::start(Some(&cert.files), Limits::default()).await;

    // A plain-text request on the TLS port is a broken handshake.
    let garbage = http1_exchange(TcpStream::connect(server.addr).await.unwrap(), GET_ROOT).await;
    assert!(!garbage.contains("tls="), "{garbage}");

    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = tls_connector(&cert, &[b"http/1.1"])
        .connect(name, tcp)
        .await
        .unwrap();
    let answer = http1_exchange(tls, GET_ROOT).await;
    assert!(answer.ends_with("tls=true peer=127.0.0.1"), "{answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn oversized_headers_are_refused() {
    let limits = Limits {
        max_header_bytes: 8192,
        ..Limits::default()
    };
    let server = Running::start(None, limits).await;

    let filler = "a".repeat(20_000);
    let head =
        format!("GET / HTTP/1.1\r\nHost: x\r\nX-Filler: {filler}\r\nConnection: close\r\n\r\n");
    let answer = http1_exchange(TcpStream::connect(server.addr).await.unwrap(), &head).await;

    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn slow_handler_gets_the_timeout_answer() {
    let limits = Limits {
        request_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let server = Running::start(None, limits).await;

    let head = "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let answer = http1_exchange(TcpStream::connect(server.addr).await.unwrap(), head).await;

    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let envelope: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(envelope["status"], "error");
    assert_eq!(envelope["code"], 503);
    server.shut_down().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let limits = Limits {
        max_connections: 1,
        ..Limits::default()
    };
    let server = Running::start(None, limits).await;

    // The first connection holds the only slot while it stays open and idle.
    let holder = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waiting = tokio::spawn(http1_exchange(
        TcpStream::connect(server.addr).await.unwrap(),
        GET_ROOT,
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "second connection was served while the slot was taken"
    );

    drop(holder);
    let answer = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .unwrap()
        .unwrap();
    assert!(answer.ends_with("tls=false peer=127.0.0.1"), "{answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn silent_connection_is_closed_after_the_header_timeout() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = Running::start(None, limits).await;

    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buffer)).await;

    // Closed by the server (EOF or reset), and well before our own 5 s guard.
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    server.shut_down().await;
}

#[tokio::test]
async fn idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = Running::start(None, limits).await;

    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = idle.read(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));

    // The connection stays open for a next request, but not forever.
    let read = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut answer)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    server.shut_down().await;
}

#[tokio::test]
async fn one_client_cannot_hold_more_than_its_share_of_connections() {
    let limits = Limits {
        max_connections_per_client: 2,
        ..Limits::default()
    };
    let server = Running::start(None, limits).await;

    // Two connections that say nothing hold this client's two slots.
    let _first = TcpStream::connect(server.addr).await.unwrap();
    let _second = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buffer)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "closed at once: {read:?}"
    );

    // Once a slot is free again, the client is served.
    drop(_first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let head = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let answer = http1_exchange(TcpStream::connect(server.addr).await.unwrap(), head).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.shut_down().await;
}

#[tokio::test]
async fn shutdown_stops_accepting_and_ends_run() {
    let server = Running::start(None, Limits::default()).await;
    let addr = server.addr;

    server.shut_down().await;

    assert!(
        TcpStream::connect(addr).await.is_err(),
        "port still accepts after shutdown"
    );
}

#[tokio::test]
async fn bad_pem_files_are_reported_before_binding() {
    let dir = tempfile::tempdir().unwrap();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, "not a certificate").unwrap();
    std::fs::write(&files.key, "not a key").unwrap();

    let result = Listener::bind(
        "127.0.0.1:0".parse().unwrap(),
        Some(&files),
        Limits::default(),
    )
    .await;

    let message = format!(
        "{:#}",
        result.err().expect("bind accepted garbage pem files")
    );
    assert!(message.contains("holds no PEM certificate"), "{message}");
}
