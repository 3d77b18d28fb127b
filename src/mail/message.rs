//! One plain-text mail in Internet Message Format (RFC 5322), ready for the
//! SMTP `DATA` command.
//!
//! Everything that goes into a header is made safe first: line breaks in a
//! subject or a name can never start a header of their own, non-ASCII text
//! is sent as RFC 2047 encoded words, and addresses must be plain ASCII
//! `local@domain` (Folio does not speak SMTPUTF8).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::distributions::Alphanumeric;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use super::MailError;

/// A mailbox: an address and an optional display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub email: String,
    pub name: Option<String>,
}

/// A plain-text mail to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub from: Address,
    pub to: Address,
    pub subject: String,
    pub body: String,
}

/// Longest line SMTP allows, without the CRLF.
const MAX_LINE: usize = 998;

impl Mail {
    /// The whole message: headers, a blank line, the body; CRLF line ends.
    /// `domain` names this host in the `Message-ID`.
    pub fn to_rfc5322(&self, domain: &str) -> Result<String, MailError> {
        let date = OffsetDateTime::now_utc()
            .format(&Rfc2822)
            .map_err(|e| MailError::Protocol(e.to_string()))?;
        let token: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        let (encoding, body) = encode_body(&self.body);
        let headers = [
            format!("Date: {date}"),
            format!("From: {}", mailbox(&self.from)?),
            format!("To: {}", mailbox(&self.to)?),
            format!("Subject: {}", header_text(&self.subject)),
            format!("Message-ID: <{token}@{domain}>"),
            "MIME-Version: 1.0".into(),
            "Content-Type: text/plain; charset=utf-8".into(),
            format!("Content-Transfer-Encoding: {encoding}"),
        ];
        Ok(format!("{}\r\n\r\n{body}", headers.join("\r\n")))
    }
}

/// Whether `email` is an address Folio can put on the wire: one `@`, no
/// spaces, brackets or control characters, ASCII only.
pub fn valid_address(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && email.len() <= 254
        && email
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | '"'))
}

fn mailbox(address: &Address) -> Result<String, MailError> {
    if !valid_address(&address.email) {
        return Err(MailError::InvalidAddress(address.email.clone()));
    }
    let name = address
        .name
        .as_deref()
        .map(one_line)
        .filter(|name| !name.is_empty());
    Ok(match name {
        None => address.email.clone(),
        Some(name) if name.is_ascii() => {
            let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{quoted}\" <{}>", address.email)
        }
        Some(name) => format!("{} <{}>", encoded_words(&name), address.email),
    })
}

/// Header text on one line; non-ASCII as encoded words.
fn header_text(text: &str) -> String {
    let line = one_line(text);
    if line.is_ascii() && line.len() <= 900 {
        line
    } else {
        encoded_words(&line)
    }
}

/// Line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// RFC 2047 `=?UTF-8?B?…?=` words of at most 64 characters, folded onto
/// continuation lines. Words never split a character.
fn encoded_words(text: &str) -> String {
    // 39 bytes → 52 base64 characters + 12 around: a line stays under 78
    // characters even after a header name.
    const CHUNK: usize = 39;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > CHUNK {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(chunk);
    }
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", STANDARD.encode(w.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// The body with CRLF line ends: as is when it is short-lined ASCII
/// (`7bit`), else in base64.
fn encode_body(body: &str) -> (&'static str, String) {
    let normalized = body.replace("\r\n", "\n").replace('\r', "\n");
    let plain = normalized.is_ascii()
        && normalized.lines().all(|line| line.len() <= MAX_LINE)
        && !normalized.contains('\0');
    if plain {
        let mut text = normalized.replace('\n', "\r\n");
        if !text.ends_with("\r\n") {
            text.push_str("\r\n");
        }
        return ("7bit", text);
    }
    let encoded = STANDARD.encode(normalized.replace('\n', "\r\n").as_bytes());
    let mut text = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for line in encoded.as_bytes().chunks(76) {
        text.push_str(&String::from_utf8_lossy(line));
        text.push_str("\r\n");
    }
    ("base64", text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(subject: &str, name: Option<&str>, body: &str) -> Mail {
        Mail {
            from: Address {
                email: "noreply@example.com".into(),
                name: name.map(str::to_owned),
            },
            to: Address {
                email: "someone@example.com".into(),
                name: None,
            },
            subject: subject.into(),
            body: body.into(),
        }
    }

    fn headers(text: &str) -> Vec<&str> {
        text.split("\r\n\r\n")
            .next()
            .unwrap()
            .split("\r\n")
            .collect()
    }

    #[test]
    fn ascii_mail_is_readable_as_is() {
        let text = mail("Your code", Some("My Site"), "Hello\nCode: 123 456")
            .to_rfc5322("example.com")
            .unwrap();
        let head = headers(&text);
        assert!(head.contains(&"From: \"My Site\" <noreply@example.com>"));
        assert!(head.contains(&"To: someone@example.com"));
        assert!(head.contains(&"Subject: Your code"));
        assert!(head.contains(&"Content-Transfer-Encoding: 7bit"));
        assert!(head.iter().any(|h| h.starts_with("Date: ")));
        assert!(text.ends_with("\r\n\r\nHello\r\nCode: 123 456\r\n"));
    }

    #[test]
    fn line_breaks_cannot_inject_headers() {
        let text = mail("Hi\r\nBcc: evil@example.com", Some("A\nB"), "x")
            .to_rfc5322("example.com")
            .unwrap();
        let head = headers(&text);
        assert!(head.iter().all(|h| !h.starts_with("Bcc")), "{head:?}");
        assert!(head.contains(&"Subject: Hi  Bcc: evil@example.com"));
        assert!(head.contains(&"From: \"A B\" <noreply@example.com>"));
    }

    #[test]
    fn non_ascii_text_is_encoded() {
        let subject = "Ihr Anmeldecode für die Übersicht ".repeat(3);
        let text = mail(&subject, Some("Bäckerei"), "Grüße")
            .to_rfc5322("example.com")
            .unwrap();
        assert!(text.is_ascii());
        assert!(text.contains("From: =?UTF-8?B?QsOkY2tlcmVp?= <noreply@example.com>"));
        assert!(text.contains("Content-Transfer-Encoding: base64"));
        let body = text.split("\r\n\r\n").nth(1).unwrap().trim();
        assert_eq!(STANDARD.decode(body).unwrap(), "Grüße".as_bytes());
        for line in text.split("\r\n") {
            assert!(line.len() <= 78, "{line}");
        }
    }

    #[test]
    fn bad_addresses_are_refused() {
        for bad in [
            "",
            "no-at",
            "a b@example.com",
            "a@b\r\nRCPT",
            "<a@b>",
            "ü@example.com",
        ] {
            assert!(!valid_address(bad), "{bad:?}");
            let mut m = mail("s", None, "b");
            m.to.email = bad.into();
            assert!(matches!(
                m.to_rfc5322("x"),
                Err(MailError::InvalidAddress(_))
            ));
        }
        assert!(valid_address("first.last+tag@sub.example.com"));
    }
}
