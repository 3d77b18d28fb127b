//! The remote-client example from Kirby's "REST API access" guide: a script
//! reads `/api/pages/example` with HTTP Basic auth over HTTPS and gets
//! `{"data": …}` back. Folio terminates TLS itself here (`--tls-cert`,
//! `--tls-key`), so Basic auth works without `api.allowInsecure`; over plain
//! HTTP the same request is refused, as in Kirby.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use base64::Engine;
use support::{Scratch, Server, copy_dir, fixture_site, write_config};

const ADMIN: &str = "admin@example.com:fixture-admin-1";

struct Certificate {
    der: rustls::pki_types::CertificateDer<'static>,
}

fn make_certificate(dir: &std::path::Path) -> Certificate {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    std::fs::write(dir.join("cert.pem"), generated.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), generated.key_pair.serialize_pem()).unwrap();
    Certificate {
        der: generated.cert.der().clone(),
    }
}

fn request(path: &str, port: &str, credentials: &str) -> String {
    let basic = base64::engine::general_purpose::STANDARD.encode(credentials);
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Basic {basic}\r\nConnection: close\r\n\r\n"
    )
}

/// One HTTPS request trusting only `cert`; returns the raw answer.
fn https_get(base_url: &str, cert: &Certificate, path: &str, credentials: &str) -> String {
    let address = base_url.trim_start_matches("https://");
    let port = address.rsplit(':').next().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let socket = TcpStream::connect(address).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, socket);
    tls.write_all(request(path, port, credentials).as_bytes())
        .unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn http_get(base_url: &str, path: &str, credentials: &str) -> String {
    let address = base_url.trim_start_matches("http://");
    let port = address.rsplit(':').next().unwrap();
    let mut socket = TcpStream::connect(address).unwrap();
    socket
        .write_all(request(path, port, credentials).as_bytes())
        .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    answer
}

fn body_json(answer: &str) -> serde_json::Value {
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {answer}"))
}

fn site_with_basic_auth(scratch: &Scratch) -> std::path::PathBuf {
    let root = scratch.path().join("site");
    copy_dir(&fixture_site(), &root).unwrap();
    write_config(&root, "    'api' => ['basicAuth' => true],");
    root
}

#[test]
fn a_remote_client_reads_a_page_with_basic_auth_over_tls() {
    let scratch = Scratch::new();
    let root = site_with_basic_auth(&scratch);
    let cert = make_certificate(scratch.path());
    let (cert_path, key_path) = (
        scratch.path().join("cert.pem"),
        scratch.path().join("key.pem"),
    );
    let args = [
        "--tls-cert",
        cert_path.to_str().unwrap(),
        "--tls-key",
        key_path.to_str().unwrap(),
    ];
    let server = Server::start(&root, &scratch.path().join("server.log"), &args);
    assert!(
        server.base_url.starts_with("https://"),
        "{}",
        server.base_url
    );

    let answer = https_get(&server.base_url, &cert, "/api/pages/example", ADMIN);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let page = body_json(&answer);
    assert_eq!(page["data"]["id"], "example");
    assert_eq!(page["data"]["title"], "API Example");

    let wrong = https_get(
        &server.base_url,
        &cert,
        "/api/pages/example",
        "admin@example.com:wrong-password",
    );
    assert!(wrong.starts_with("HTTP/1.1 403"), "{wrong}");
    assert_eq!(body_json(&wrong)["key"], "error.access.login");
}

#[test]
fn basic_auth_over_plain_http_is_refused() {
    let scratch = Scratch::new();
    let root = site_with_basic_auth(&scratch);
    let server = Server::start(&root, &scratch.path().join("server.log"), &[]);
    let answer = http_get(&server.base_url, "/api/pages/example", ADMIN);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert_eq!(
        body_json(&answer)["message"],
        "Basic authentication is only allowed over HTTPS"
    );
}
