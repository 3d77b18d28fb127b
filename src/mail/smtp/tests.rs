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
