//! `multipart/form-data` bodies, parsed from the bytes the API pipeline has
//! already read (the body limit applies before this runs).
//!
//! Uploads are the only multipart requests Kirby's API takes. The parser is
//! deliberately small and strict: a body that does not follow the format is
//! an error, never a panic, and the number of parts and the size of part
//! headers are capped so a hostile body cannot make it do unbounded work.

use bytes::Bytes;
use thiserror::Error;

/// More parts than this in one request are refused.
const MAX_PARTS: usize = 200;
/// The headers of one part may not be longer than this.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The file name the client gave, for file parts.
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

#[derive(Debug, Error, PartialEq)]
pub enum MultipartError {
    #[error("the request is not multipart/form-data")]
    NotMultipart,
    #[error("the multipart body has no boundary")]
    NoBoundary,
    #[error("the multipart body is malformed")]
    Malformed,
    #[error("the multipart body has too many parts")]
    TooManyParts,
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut params = content_type.split(';');
    let kind = params.next().unwrap_or("").trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotMultipart);
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 200)
        .ok_or(MultipartError::NoBoundary)
}

/// Splits `body` into its parts.
pub fn parse(content_type: &str, body: &Bytes) -> Result<Vec<Part>, MultipartError> {
    let boundary = boundary(content_type)?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or(MultipartError::Malformed)?;
    let mut parts = Vec::new();
    loop {
        at += delimiter.len();
        let rest = body.get(at..).ok_or(MultipartError::Malformed)?;
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        at += line_end(rest).ok_or(MultipartError::Malformed)?;
        let next_delimiter = [b"\r\n".as_slice(), &delimiter].concat();
        let end = find(body, &next_delimiter, at).ok_or(MultipartError::Malformed)?;
        if parts.len() >= MAX_PARTS {
            return Err(MultipartError::TooManyParts);
        }
        parts.push(part(body.slice(at..end))?);
        at = end + 2;
    }
}

/// The length of the (optional whitespace and) line break after a delimiter.
fn line_end(rest: &[u8]) -> Option<usize> {
    let spaces = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    rest.get(spaces..)?
        .starts_with(b"\r\n")
        .then_some(spaces + 2)
}

fn part(raw: Bytes) -> Result<Part, MultipartError> {
    let split = find(&raw, b"\r\n\r\n", 0).ok_or(MultipartError::Malformed)?;
    if split > MAX_HEADER_BYTES {
        return Err(MultipartError::Malformed);
    }
    let head = std::str::from_utf8(raw.get(..split).unwrap_or_default())
        .map_err(|_| MultipartError::Malformed)?;
    let mut part = Part {
        name: String::new(),
        filename: None,
        content_type: None,
        data: raw.slice(split + 4..),
    };
    let mut disposition = false;
    for line in head.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("content-disposition") {
            disposition = true;
            read_disposition(value, &mut part);
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            part.content_type = Some(value.trim().to_owned());
        }
    }
    if !disposition {
        return Err(MultipartError::Malformed);
    }
    Ok(part)
}

/// Reads `form-data; name="file"; filename="a.jpg"` (and `filename*=UTF-8''…`).
fn read_disposition(value: &str, part: &mut Part) {
    for (key, val) in params(value) {
        match key.to_ascii_lowercase().as_str() {
            "name" => part.name = val,
            "filename" if part.filename.is_none() => part.filename = Some(val),
            "filename*" => {
                let encoded = val.split_once("''").map(|(_, v)| v).unwrap_or(&val);
                part.filename = Some(
                    percent_encoding::percent_decode_str(encoded)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
            }
            _ => {}
        }
    }
}

/// `key=value` and `key="quoted \" value"` parameters after the first `;`.
fn params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    // skip the disposition type
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        let key: String = chars
            .by_ref()
            .take_while(|&c| c != '=')
            .collect::<String>()
            .trim()
            .trim_start_matches(';')
            .trim()
            .to_owned();
        if key.is_empty() {
            return out;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => val.extend(chars.next()),
                    '"' => break,
                    other => val.push(other),
                }
            }
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            val = chars
                .by_ref()
                .take_while(|&c| c != ';')
                .collect::<String>()
                .trim()
                .to_owned();
        }
        out.push((key, val));
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TYPE: &str = "multipart/form-data; boundary=XyZ";

    fn body(text: &str) -> Bytes {
        Bytes::from(text.replace('\n', "\r\n"))
    }

    #[test]
    fn reads_fields_and_files() {
        let raw = body(
            "--XyZ\nContent-Disposition: form-data; name=\"sort\"\n\n3\n--XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".jpg\"\nContent-Type: image/jpeg\n\nJPEG\nDATA\n--XyZ--\n",
        );
        let parts = parse(TYPE, &raw).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "sort");
        assert_eq!(parts[0].filename, None);
        assert_eq!(&parts[0].data[..], b"3");
        assert_eq!(parts[1].filename.as_deref(), Some("a \"b\".jpg"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(&parts[1].data[..], b"JPEG\r\nDATA");
    }

    #[test]
    fn reads_encoded_file_names() {
        let raw = body(
            "--XyZ\nContent-Disposition: form-data; name=file; filename*=UTF-8''Gr%C3%BC%C3%9Fe.jpg\n\nx\n--XyZ--",
        );
        assert_eq!(
            parse(TYPE, &raw).unwrap()[0].filename.as_deref(),
            Some("Grüße.jpg")
        );
    }

    #[test]
    fn refuses_broken_bodies() {
        assert_eq!(
            parse("application/json", &body("x")),
            Err(MultipartError::NotMultipart)
        );
        assert_eq!(
            parse("multipart/form-data", &body("x")),
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(
            parse(
                TYPE,
                &body("--XyZ\nContent-Disposition: form-data; name=a\n\nno end")
            ),
            Err(MultipartError::Malformed)
        );
        assert_eq!(
            parse(TYPE, &body("--XyZ\nX-Other: 1\n\nv\n--XyZ--")),
            Err(MultipartError::Malformed)
        );
    }

    proptest! {
        #[test]
        fn never_panics(raw in proptest::collection::vec(any::<u8>(), 0..400), boundary in "[a-z]{0,5}") {
            let _ = parse(&format!("multipart/form-data; boundary={boundary}"), &Bytes::from(raw));
        }

        #[test]
        fn never_panics_on_near_valid_input(head in "[ -~\r\n]{0,80}", data in "[ -~\r\n]{0,80}") {
            let raw = format!("--XyZ\r\n{head}\r\n\r\n{data}\r\n--XyZ--");
            let _ = parse(TYPE, &Bytes::from(raw));
        }
    }
}
