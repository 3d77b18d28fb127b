use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

use super::*;

fn transport(security: TransportSecurity, port: Option<u16>) -> EmailTransport {
    EmailTransport {
        kind: "smtp".into(),
        host: Some("mail.example.com".into()),
        port,
        security,
        auth: false,
        username: None,
        password: None,
    }
}

#[test]
fn security_follows_kirbys_names() {
    let cases = [
        (TransportSecurity::Unset, None, Security::Opportunistic, 25),
        (
            TransportSecurity::Flag(false),
            None,
            Security::Opportunistic,
            25,
        ),
        (TransportSecurity::Flag(true), None, Security::StartTls, 587),
        (
            TransportSecurity::Flag(true),
            Some(465),
            Security::Implicit,
            465,
        ),
        (
            TransportSecurity::Flag(true),
            Some(2525),
            Security::StartTls,
            2525,
        ),
        (
            TransportSecurity::Named("ssl".into()),
            None,
            Security::Implicit,
            465,
        ),
        (
            TransportSecurity::Named("TLS".into()),
            None,
            Security::StartTls,
            587,
        ),
    ];
    for (security, port, expected, expected_port) in cases {
        let settings = Settings::from_transport(&transport(security.clone(), port)).unwrap();
        assert_eq!(
            (settings.security, settings.port),
            (expected, expected_port),
            "{security:?} {port:?}"
        );
    }
    assert!(matches!(
        Settings::from_transport(&transport(
            TransportSecurity::Named("starttls".into()),
            None
        )),
        Err(MailError::Config(_))
    ));
}

#[test]
fn auth_needs_both_credentials() {
    let mut t = transport(TransportSecurity::Unset, None);
    t.auth = true;
    t.username = Some("user".into());
    assert!(matches!(
        Settings::from_transport(&t),
        Err(MailError::Config(_))
    ));
    t.password = Some("secret".into());
    assert_eq!(
        Settings::from_transport(&t).unwrap().login,
        Some(("user".into(), "secret".into()))
    );
    t.host = None;
    assert_eq!(Settings::from_transport(&t).unwrap().host, "localhost");
}

#[test]
fn leading_dots_are_doubled() {
    assert_eq!(dot_stuffed("a\r\n.b\r\n..c"), "a\r\n..b\r\n...c\r\n");
    assert_eq!(dot_stuffed("."), "..\r\n");
}

/// A scripted server on 127.0.0.1: answers each client line with the next
/// reply and returns the lines the client sent (of a message, its first).
fn scripted(replies: &'static [&'static str]) -> (u16, thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        let mut seen = Vec::new();
        writer.write_all(b"220 test ready\r\n").unwrap();
        for reply in replies {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let line = line.trim_end().to_owned();
            if seen.last().is_some_and(|l: &String| l == "DATA") {
                // The message itself: read up to the lone dot, then answer.
                let mut text = line.clone();
                while text != "." {
                    text.clear();
                    reader.read_line(&mut text).unwrap();
                    text = text.trim_end().to_owned();
                }
            }
            seen.push(line);
            writer.write_all(reply.as_bytes()).unwrap();
        }
        seen
    });
    (port, handle)
}

fn local(port: u16, login: Option<(&str, &str)>) -> Settings {
    Settings {
        host: "127.0.0.1".into(),
        port,
        security: Security::Opportunistic,
        login: login.map(|(u, p)| (u.into(), p.into())),
        ca_file: None,
    }
}

fn send(settings: &Settings) -> Result<(), MailError> {
    deliver(
        settings,
        "example.com",
        "a@example.com",
        "b@example.com",
        "x",
    )
}

#[test]
fn a_refused_recipient_is_an_error_naming_the_command() {
    let (port, server) = scripted(&[
        "250-test\r\n250 SIZE 1000\r\n",
        "250 ok\r\n",
        "550 no such user\r\n",
    ]);
    match send(&local(port, None)) {
        Err(MailError::Refused { command, reply }) => {
            assert_eq!(command, "RCPT TO:<b@example.com>");
            assert_eq!(reply, "550 no such user");
        }
        other => panic!("{other:?}"),
    }
    let seen = server.join().unwrap();
    assert_eq!(seen[0], "EHLO example.com");
    assert_eq!(seen[1], "MAIL FROM:<a@example.com>");
}

#[test]
fn auth_plain_is_used_when_offered_and_the_password_stays_out_of_errors() {
    let (port, server) = scripted(&["250-test\r\n250 AUTH LOGIN PLAIN\r\n", "535 bad\r\n"]);
    let error = send(&local(port, Some(("user", "hunter22"))))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("AUTH PLAIN") && !error.contains("hunter22"),
        "{error}"
    );
    let seen = server.join().unwrap();
    assert_eq!(
        seen[1],
        format!("AUTH PLAIN {}", STANDARD.encode("\0user\0hunter22"))
    );
}

#[test]
fn auth_login_is_used_when_plain_is_not_offered() {
    let (port, server) = scripted(&[
        "250-test\r\n250 AUTH LOGIN\r\n",
        "334 VXNlcm5hbWU6\r\n",
        "334 UGFzc3dvcmQ6\r\n",
        "235 ok\r\n",
        "250 ok\r\n",
        "250 ok\r\n",
        "354 go\r\n",
        "250 queued\r\n",
        "221 bye\r\n",
    ]);
    send(&local(port, Some(("user", "pw")))).unwrap();
    let seen = server.join().unwrap();
    assert_eq!(seen[1..4], ["AUTH LOGIN", "dXNlcg==", "cHc="]);
    assert_eq!(seen.last().map(String::as_str), Some("QUIT"));
}

#[test]
fn only_loopback_servers_may_get_a_password_in_clear_text() {
    let mut settings = local(1, Some(("user", "pw")));
    assert!(settings.is_loopback());
    settings.host = "localhost".into();
    assert!(settings.is_loopback());
    settings.host = "mail.example.com".into();
    assert!(!settings.is_loopback());
    settings.host = "[::1]".into();
    assert!(settings.is_loopback());
}

#[test]
fn starttls_is_required_when_asked_for() {
    let (port, server) = scripted(&["250 test\r\n"]);
    let mut settings = local(port, None);
    settings.security = Security::StartTls;
    let result = send(&settings);
    assert!(matches!(result, Err(MailError::Tls(_))), "{result:?}");
    server.join().unwrap();
}

#[test]
fn garbage_replies_are_protocol_errors() {
    let (port, server) = scripted(&["hello there\r\n"]);
    let result = send(&local(port, None));
    assert!(matches!(result, Err(MailError::Protocol(_))), "{result:?}");
    server.join().unwrap();
}

/// A self-signed certificate for `localhost`: the PEM file a client may
/// trust, and the server's configuration.
struct TestCert {
    pem: std::path::PathBuf,
    config: std::sync::Arc<rustls::ServerConfig>,
}

fn certificate(dir: &std::path::Path) -> TestCert {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let pem = dir.join("cert.pem");
    std::fs::write(&pem, generated.cert.pem()).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(generated.key_pair.serialize_der().into());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![generated.cert.der().clone()], key)
        .unwrap();
    TestCert {
        pem,
        config: std::sync::Arc::new(config),
    }
}

/// A server on 127.0.0.1 that offers STARTTLS and, after the upgrade,
/// accepts one mail; returns the message it got (or the TLS failure).
fn starttls_server(
    config: std::sync::Arc<rustls::ServerConfig>,
) -> (u16, thread::JoinHandle<Result<String, String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut plain = BufReader::new(tcp.try_clone().unwrap());
        let mut line = String::new();
        tcp.write_all(b"220 ready\r\n").unwrap();
        plain.read_line(&mut line).unwrap();
        tcp.write_all(b"250-test\r\n250 STARTTLS\r\n").unwrap();
        line.clear();
        plain.read_line(&mut line).unwrap();
        assert_eq!(line, "STARTTLS\r\n");
        tcp.write_all(b"220 go ahead\r\n").unwrap();
        let server = rustls::ServerConnection::new(config).unwrap();
        let mut reader = BufReader::new(rustls::StreamOwned::new(server, tcp));
        let mut message = String::new();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) => return Err("closed".to_owned()),
                Ok(_) => {}
                Err(error) => return Err(error.to_string()),
            }
            let reply: &[u8] = if in_data {
                if line != ".\r\n" {
                    message.push_str(&line);
                    continue;
                }
                in_data = false;
                b"250 queued\r\n"
            } else if line.starts_with("DATA") {
                in_data = true;
                b"354 go\r\n"
            } else if line.starts_with("AUTH PLAIN") {
                b"235 welcome\r\n"
            } else if line.starts_with("QUIT") {
                reader.get_mut().write_all(b"221 bye\r\n").ok();
                return Ok(message);
            } else {
                b"250 ok\r\n"
            };
            reader.get_mut().write_all(reply).unwrap();
            reader.get_mut().flush().unwrap();
        }
    });
    (port, handle)
}

#[test]
fn starttls_upgrades_and_checks_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = certificate(dir.path());
    let (port, server) = starttls_server(cert.config.clone());
    let mut settings = local(port, Some(("user", "pw")));
    settings.host = "localhost".into();
    settings.security = Security::StartTls;
    settings.ca_file = Some(cert.pem.clone());
    deliver(
        &settings,
        "example.com",
        "a@example.com",
        "b@example.com",
        "over TLS",
    )
    .unwrap();
    assert_eq!(server.join().unwrap().unwrap(), "over TLS\r\n");

    // A certificate the client does not trust ends the exchange.
    let other = tempfile::tempdir().unwrap();
    let untrusted = certificate(other.path());
    let (port, server) = starttls_server(cert.config);
    settings.port = port;
    settings.ca_file = Some(untrusted.pem);
    let result = deliver(
        &settings,
        "example.com",
        "a@example.com",
        "b@example.com",
        "x",
    );
    assert!(matches!(result, Err(MailError::Tls(_))), "{result:?}");
    assert!(server.join().unwrap().is_err());
}
