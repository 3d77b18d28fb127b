//! What kind of file a file is: MIME type, Kirby's file type, image size.
//!
//! Kirby derives the type from the extension and reads image dimensions from
//! the file header. Only the first few kilobytes are read, and a file that
//! lies about its format simply has no dimensions.

use std::io::Read;
use std::path::Path;

use sha1::{Digest, Sha1};

use super::model::File;

/// The folder name a file's media URL uses: `<token>-<modified>`. The token
/// is a hash of the file's path and modification time, so the URL changes
/// whenever the file does (caches never serve an old copy) and cannot be
/// guessed from the page id and filename alone, as Kirby's cannot.
pub fn media_hash(file: &File) -> String {
    let mut hasher = Sha1::new();
    hasher.update(file.path.to_string_lossy().as_bytes());
    hasher.update(file.modified.to_le_bytes());
    let token: String = hex::encode(hasher.finalize()).chars().take(10).collect();
    format!("{token}-{}", file.modified)
}

/// `(extension, mime, kirby type)`, for the formats a site commonly holds.
const TYPES: &[(&str, &str, &str)] = &[
    ("jpg", "image/jpeg", "image"),
    ("jpeg", "image/jpeg", "image"),
    ("jpe", "image/jpeg", "image"),
    ("png", "image/png", "image"),
    ("gif", "image/gif", "image"),
    ("webp", "image/webp", "image"),
    ("avif", "image/avif", "image"),
    ("svg", "image/svg+xml", "image"),
    ("ico", "image/x-icon", "image"),
    ("bmp", "image/bmp", "image"),
    ("tif", "image/tiff", "image"),
    ("tiff", "image/tiff", "image"),
    ("pdf", "application/pdf", "document"),
    ("doc", "application/msword", "document"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "document",
    ),
    ("xls", "application/vnd.ms-excel", "document"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "document",
    ),
    ("ppt", "application/vnd.ms-powerpoint", "document"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "document",
    ),
    ("odt", "application/vnd.oasis.opendocument.text", "document"),
    ("csv", "text/csv", "document"),
    ("txt", "text/plain", "document"),
    ("md", "text/markdown", "document"),
    ("rtf", "text/rtf", "document"),
    ("zip", "application/zip", "archive"),
    ("gz", "application/gzip", "archive"),
    ("tar", "application/x-tar", "archive"),
    ("mp3", "audio/mpeg", "audio"),
    ("wav", "audio/wav", "audio"),
    ("ogg", "audio/ogg", "audio"),
    ("m4a", "audio/mp4", "audio"),
    ("mp4", "video/mp4", "video"),
    ("webm", "video/webm", "video"),
    ("mov", "video/quicktime", "video"),
    ("ai", "application/postscript", "image"),
    ("eps", "application/postscript", "image"),
    ("ps", "application/postscript", "image"),
    ("psd", "application/x-photoshop", "image"),
    ("jp2", "image/jp2", "image"),
    ("j2k", "image/jp2", "image"),
    (
        "dotx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
        "document",
    ),
    (
        "xltx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        "document",
    ),
    ("xl", "application/excel", "document"),
    ("indd", "application/x-indesign", "document"),
    ("mdown", "text/markdown", "document"),
    ("tgz", "application/x-tar", "archive"),
    ("gzip", "application/gzip", "archive"),
    ("aif", "audio/x-aiff", "audio"),
    ("aiff", "audio/x-aiff", "audio"),
    ("midi", "audio/midi", "audio"),
    ("avi", "video/x-msvideo", "video"),
    ("flv", "video/x-flv", "video"),
    ("m4v", "video/mp4", "video"),
    ("mpg", "video/mpeg", "video"),
    ("mpe", "video/mpeg", "video"),
    ("ogv", "video/ogg", "video"),
    ("movie", "video/x-sgi-movie", "video"),
    ("swf", "application/x-shockwave-flash", "video"),
    ("css", "text/css", "code"),
    ("scss", "text/x-scss", "code"),
    ("yaml", "application/yaml", "code"),
    ("yml", "application/yaml", "code"),
    ("py", "text/x-python", "code"),
    ("rb", "text/x-ruby", "code"),
    ("java", "text/x-java-source", "code"),
    ("js", "text/javascript", "code"),
    ("json", "application/json", "code"),
    ("xml", "text/xml", "code"),
    ("html", "text/html", "code"),
    ("woff", "font/woff", "unknown"),
    ("woff2", "font/woff2", "unknown"),
];

pub fn mime_for(extension: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(ext, _, _)| *ext == extension)
        .map(|(_, mime, _)| *mime)
        .unwrap_or("application/octet-stream")
}

pub fn type_for(extension: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(ext, _, _)| *ext == extension)
        .map(|(_, _, t)| *t)
        .unwrap_or("unknown")
}

/// The MIME types of the extensions of one Kirby file type, in table order.
pub fn mimes_of_type(kind: &str) -> Vec<String> {
    TYPES
        .iter()
        .filter(|(_, _, t)| *t == kind)
        .map(|(_, mime, _)| (*mime).to_owned())
        .collect()
}

/// Width and height of a JPEG, PNG, GIF or WebP, read from its header.
pub fn image_size(path: &Path) -> Option<(u32, u32)> {
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)
        .ok()?
        .take(256 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    image_size_of(&head)
}

/// Width and height from the first bytes of a JPEG, PNG, GIF or WebP.
pub fn image_size_of(head: &[u8]) -> Option<(u32, u32)> {
    png_size(head)
        .or_else(|| gif_size(head))
        .or_else(|| webp_size(head))
        .or_else(|| jpeg_size(head))
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    let word = |at: usize| Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?));
    Some((word(16)?, word(20)?))
}

fn gif_size(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(b"GIF8") {
        return None;
    }
    Some((le16(b, 6)?, le16(b, 8)?))
}

fn webp_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(0..4)? != b"RIFF" || b.get(8..12)? != b"WEBP" {
        return None;
    }
    let le24 = |at: usize| -> Option<u32> {
        Some(
            u32::from(*b.get(at)?)
                | u32::from(*b.get(at + 1)?) << 8
                | u32::from(*b.get(at + 2)?) << 16,
        )
    };
    match b.get(12..16)? {
        b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
        b"VP8 " => Some((le16(b, 26)? & 0x3fff, le16(b, 28)? & 0x3fff)),
        b"VP8L" => {
            let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        _ => None,
    }
}

fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let mut at = 2;
    while at + 9 < b.len() {
        if b[at] != 0xff {
            at += 1;
            continue;
        }
        let marker = b[at + 1];
        let is_frame = matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
        if is_frame {
            return Some((be16(b, at + 7)?, be16(b, at + 5)?));
        }
        if marker == 0xff || marker == 0x01 || (0xd0..=0xd9).contains(&marker) {
            at += 2;
            continue;
        }
        at += 2 + be16(b, at + 2)? as usize;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_common_types() {
        assert_eq!(mime_for("jpg"), "image/jpeg");
        assert_eq!(type_for("pdf"), "document");
        assert_eq!(type_for("xyz"), "unknown");
    }

    #[test]
    fn reads_png_and_gif_headers() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("a.png");
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bytes.extend_from_slice(&7u32.to_be_bytes());
        bytes.extend_from_slice(&5u32.to_be_bytes());
        std::fs::write(&png, bytes).unwrap();
        assert_eq!(image_size(&png), Some((7, 5)));
        let gif = dir.path().join("a.gif");
        std::fs::write(&gif, b"GIF89a\x04\x00\x03\x00").unwrap();
        assert_eq!(image_size(&gif), Some((4, 3)));
    }

    #[test]
    fn garbage_has_no_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jpg");
        std::fs::write(&path, [0xff, 0xd8, 0xff, 0xc0, 0xff, 0xff, 0xff]).unwrap();
        assert_eq!(image_size(&path), None);
    }
}
