//! A small SMTP client (RFC 5321): enough to hand one message to a
//! submission server. EHLO (HELO for old servers), STARTTLS or TLS from the
//! start, AUTH PLAIN or LOGIN, MAIL, RCPT, DATA, QUIT.
//!
//! Every read and write has a timeout and the whole exchange has a deadline,
//! so a server that stalls costs one mail thread for a bounded time. Replies
//! are read with a bound on line length and line count, so a hostile server
//! cannot make Folio buffer without end.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::MailError;
use super::tls::{self, TlsStream};
use crate::config::{EmailTransport, TransportSecurity};

/// How long connecting to one address may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one read or write may stall.
const IO_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the whole exchange may take.
const DEADLINE: Duration = Duration::from_secs(60);
/// Longest reply line Folio reads.
const MAX_REPLY_LINE: usize = 2048;
/// Most lines of one reply.
const MAX_REPLY_LINES: usize = 64;

/// How the connection is protected, from `email.transport.security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `ssl`: TLS from the first byte (usually port 465).
    Implicit,
    /// `tls`: plain connect, then STARTTLS, which the server must offer.
    StartTls,
    /// Unset or `false`: STARTTLS if the server offers it, else plain text,
    /// as PHPMailer's automatic TLS does.
    Opportunistic,
}

/// Everything needed to reach and log in to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// User name and password when `auth` is on.
    pub login: Option<(String, String)>,
    /// Trusted roots instead of the system's; no option sets it, tests do.
    pub ca_file: Option<PathBuf>,
}

impl Settings {
    /// Reads Kirby's option names. `security: true` picks TLS by port, as
    /// Kirby does: 465 is `ssl`, anything else `tls` (port 587 by default).
    pub fn from_transport(transport: &EmailTransport) -> Result<Settings, MailError> {
        let security = match &transport.security {
            TransportSecurity::Unset | TransportSecurity::Flag(false) => Security::Opportunistic,
            TransportSecurity::Flag(true) if transport.port == Some(465) => Security::Implicit,
            TransportSecurity::Flag(true) => Security::StartTls,
            TransportSecurity::Named(name) => match name.to_ascii_lowercase().as_str() {
                "ssl" => Security::Implicit,
                "tls" => Security::StartTls,
                "" => Security::Opportunistic,
                other => {
                    return Err(MailError::Config(format!(
                        "security `{other}` is neither 'tls' nor 'ssl'"
                    )));
                }
            },
        };
        let default_port = match security {
            Security::Implicit => 465,
            Security::StartTls => 587,
            Security::Opportunistic => 25,
        };
        let login = if transport.auth {
            match (&transport.username, &transport.password) {
                (Some(user), Some(password)) => Some((user.clone(), password.clone())),
                _ => {
                    return Err(MailError::Config(
                        "auth is on but username or password is missing".into(),
                    ));
                }
            }
        } else {
            None
        };
        Ok(Settings {
            host: transport
                .host
                .clone()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "localhost".into()),
            port: transport.port.unwrap_or(default_port),
            security,
            login,
            ca_file: None,
        })
    }

    /// Whether the server is this machine, where plain text cannot be read
    /// by anyone else on the network.
    fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// Delivers `message` (RFC 5322 text, CRLF line ends) from `from` to `to`.
/// `hello` is the name this client gives in EHLO.
pub fn deliver(
    settings: &Settings,
    hello: &str,
    from: &str,
    to: &str,
    message: &str,
) -> Result<(), MailError> {
    let mut conn = Connection::open(settings)?;
    conn.expect(None, 220)?;
    let mut features = conn.hello(hello)?;
    let wants_tls = match settings.security {
        Security::Implicit => false,
        Security::StartTls => true,
        Security::Opportunistic => features.starttls,
    };
    if wants_tls {
        if !features.starttls {
            return Err(MailError::Tls("the server does not offer STARTTLS".into()));
        }
        conn.expect(Some("STARTTLS"), 220)?;
        conn.start_tls(settings)?;
        features = conn.hello(hello)?;
    }
    if let Some((user, password)) = &settings.login {
        if !conn.is_tls() && !settings.is_loopback() {
            return Err(MailError::Config(
                "refusing to send the SMTP password without TLS; set 'security' => true".into(),
            ));
        }
        conn.authenticate(&features, user, password)?;
    }
    conn.expect(Some(&format!("MAIL FROM:<{from}>")), 250)?;
    conn.expect(Some(&format!("RCPT TO:<{to}>")), 250)?;
    conn.expect(Some("DATA"), 354)?;
    conn.write_all(dot_stuffed(message).as_bytes())?;
    conn.expect(Some("."), 250)?;
    // The mail is accepted; a failed goodbye changes nothing.
    conn.expect(Some("QUIT"), 221).ok();
    Ok(())
}

/// Lines that start with a dot get a second one (RFC 5321 §4.5.2), and the
/// text ends with CRLF before the final `.` the caller sends.
fn dot_stuffed(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 16);
    for line in message.split_inclusive("\r\n") {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
    }
    if !out.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out
}

/// What the server offers after EHLO.
#[derive(Debug, Default)]
struct Features {
    starttls: bool,
    auth_plain: bool,
    auth_login: bool,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream>),
}

struct Connection {
    stream: Option<Stream>,
    buffer: Vec<u8>,
    deadline: Instant,
}

/// One server reply: the code and the text of each line.
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
    }
}

impl Connection {
    fn open(settings: &Settings) -> Result<Connection, MailError> {
        let server = format!("{}:{}", settings.host, settings.port);
        let connect_error = |source| MailError::Connect {
            server: server.clone(),
            source,
        };
        let addresses = (settings.host.trim_matches(['[', ']']), settings.port)
            .to_socket_addrs()
            .map_err(connect_error)?;
        let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
        let mut tcp = None;
        for address in addresses {
            match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
                Ok(stream) => {
                    tcp = Some(stream);
                    break;
                }
                Err(error) => last = error,
            }
        }
        let tcp = tcp.ok_or_else(|| connect_error(last))?;
        tcp.set_read_timeout(Some(IO_TIMEOUT))?;
        tcp.set_write_timeout(Some(IO_TIMEOUT))?;
        let stream = match settings.security {
            Security::Implicit => Stream::Tls(Box::new(tls::wrap(
                &settings.host,
                tcp,
                settings.ca_file.as_deref(),
            )?)),
            _ => Stream::Plain(tcp),
        };
        Ok(Connection {
            stream: Some(stream),
            buffer: Vec::new(),
            deadline: Instant::now() + DEADLINE,
        })
    }

    fn is_tls(&self) -> bool {
        matches!(self.stream, Some(Stream::Tls(_)))
    }

    fn start_tls(&mut self, settings: &Settings) -> Result<(), MailError> {
        // Anything the server sent after its STARTTLS answer would be read
        // as if it came over TLS: a known injection, so it is refused.
        if !self.buffer.is_empty() {
            return Err(MailError::Protocol("data after the STARTTLS reply".into()));
        }
        match self.stream.take() {
            Some(Stream::Plain(tcp)) => {
                let tls = tls::wrap(&settings.host, tcp, settings.ca_file.as_deref())?;
                self.stream = Some(Stream::Tls(Box::new(tls)));
                Ok(())
            }
            other => {
                self.stream = other;
                Err(MailError::Protocol("STARTTLS on a TLS connection".into()))
            }
        }
    }

    /// EHLO, falling back to HELO; returns what the server offers.
    fn hello(&mut self, name: &str) -> Result<Features, MailError> {
        self.send_line(&format!("EHLO {name}"))?;
        let reply = self.read_reply()?;
        if reply.code != 250 {
            self.expect(Some(&format!("HELO {name}")), 250)?;
            return Ok(Features::default());
        }
        let mut features = Features::default();
        for line in reply.lines.iter().skip(1) {
            let words: Vec<String> = line
                .split_whitespace()
                .map(str::to_ascii_uppercase)
                .collect();
            match words.first().map(String::as_str) {
                Some("STARTTLS") => features.starttls = true,
                Some("AUTH") => {
                    features.auth_plain |= words.iter().any(|w| w == "PLAIN");
                    features.auth_login |= words.iter().any(|w| w == "LOGIN");
                }
                _ => {}
            }
        }
        Ok(features)
    }

    fn authenticate(
        &mut self,
        features: &Features,
        user: &str,
        password: &str,
    ) -> Result<(), MailError> {
        if features.auth_plain || !features.auth_login {
            let token = STANDARD.encode(format!("\0{user}\0{password}"));
            return self.secret(&format!("AUTH PLAIN {token}"), "AUTH PLAIN", 235);
        }
        self.expect(Some("AUTH LOGIN"), 334)?;
        self.secret(&STANDARD.encode(user), "AUTH LOGIN (user name)", 334)?;
        self.secret(&STANDARD.encode(password), "AUTH LOGIN (password)", 235)
    }

    /// Sends a line that must not appear in errors or logs.
    fn secret(&mut self, line: &str, shown: &str, code: u16) -> Result<(), MailError> {
        self.send_line(line)?;
        self.check(shown, code)
    }

    /// Sends `command` (if any) and requires reply `code`.
    fn expect(&mut self, command: Option<&str>, code: u16) -> Result<(), MailError> {
        if let Some(command) = command {
            self.send_line(command)?;
        }
        self.check(command.unwrap_or("connect"), code)
    }

    fn check(&mut self, shown: &str, code: u16) -> Result<(), MailError> {
        let reply = self.read_reply()?;
        if reply.code == code {
            Ok(())
        } else {
            Err(MailError::Refused {
                command: shown.to_owned(),
                reply: reply.text(),
            })
        }
    }

    fn send_line(&mut self, line: &str) -> Result<(), MailError> {
        self.write_all(format!("{line}\r\n").as_bytes())
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), MailError> {
        self.check_deadline()?;
        let stream = self.stream()?;
        let result = match stream {
            Stream::Plain(tcp) => tcp.write_all(bytes).and_then(|()| tcp.flush()),
            Stream::Tls(tls) => tls.write_all(bytes).and_then(|()| tls.flush()),
        };
        result.map_err(|e| self.io_error(e))
    }

    fn read_reply(&mut self) -> Result<Reply, MailError> {
        let mut lines = Vec::new();
        loop {
            let line = self.read_line()?;
            let code = line
                .get(..3)
                .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| MailError::Protocol(format!("not a reply: {line:?}")))?;
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line.get(4..).unwrap_or("").to_owned());
            if !more {
                return Ok(Reply { code, lines });
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(MailError::Protocol("reply too long".into()));
            }
        }
    }

    fn read_line(&mut self) -> Result<String, MailError> {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let raw: Vec<u8> = self.buffer.drain(..=end).collect();
                let text = String::from_utf8_lossy(&raw);
                return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
            }
            if self.buffer.len() > MAX_REPLY_LINE {
                return Err(MailError::Protocol("reply line too long".into()));
            }
            self.check_deadline()?;
            let mut chunk = [0u8; 1024];
            let stream = self.stream()?;
            let read = match stream {
                Stream::Plain(tcp) => tcp.read(&mut chunk),
                Stream::Tls(tls) => tls.read(&mut chunk),
            };
            let count = read.map_err(|e| self.io_error(e))?;
            if count == 0 {
                return Err(MailError::Protocol(
                    "the server closed the connection".into(),
                ));
            }
            self.buffer
                .extend_from_slice(chunk.get(..count).unwrap_or(&[]));
        }
    }

    fn stream(&mut self) -> Result<&mut Stream, MailError> {
        self.stream
            .as_mut()
            .ok_or_else(|| MailError::Protocol("the connection is gone".into()))
    }

    fn check_deadline(&self) -> Result<(), MailError> {
        if Instant::now() > self.deadline {
            Err(MailError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the mail exchange took too long",
            )))
        } else {
            Ok(())
        }
    }

    /// TLS failures surface as I/O errors from rustls; they are named so.
    fn io_error(&self, error: std::io::Error) -> MailError {
        if self.is_tls() && error.kind() == std::io::ErrorKind::InvalidData {
            MailError::Tls(error.to_string())
        } else {
            MailError::Io(error)
        }
    }
}

#[cfg(test)]
mod tests;
