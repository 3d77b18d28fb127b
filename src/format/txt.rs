//! Kirby's content file format: `Key: value` fields separated by `----` lines.
//!
//! Every page, file, user and the site keep their fields in such a file
//! (storage.md §3). Reading normalises keys the way Kirby's API shows them
//! (`Weird-key` → `weird_key`); writing produces exactly the bytes Kirby writes,
//! so a file Folio saves is indistinguishable from one Kirby saved. The format
//! is lossy in two places Kirby also has: values are trimmed, and a value line
//! that itself starts with `\----` reads back as `----`.

use std::collections::HashMap;

use thiserror::Error;

use crate::format::slug::{slug, trim_php};

/// Kirby's generic slug helper cuts at 128 characters, and content keys use it.
const KEY_MAX_CHARS: usize = 128;

/// Written between two fields.
const SEPARATOR: &str = "\n\n----\n\n";

/// One parsed content file: normalised keys (lowercase, `-`/space → `_`) in file order, values
/// trimmed and unescaped. Later duplicate keys overwrite the earlier value in place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Vec<(String, String)>);

/// Why a content file could not be read.
#[derive(Debug, Error, PartialEq)]
pub enum TxtError {
    #[error("line {line} is not valid UTF-8")]
    InvalidUtf8 { line: usize },
}

impl Fields {
    /// The value of `key`, compared after [`normalise_key`].
    pub fn get(&self, key: &str) -> Option<&str> {
        // Callers mostly ask for literal keys that are normal already
        // (`title`, `uuid`); comparing those as they are saves an
        // allocation per lookup, which showed in the listing profile.
        let normalised;
        let key = if is_normal_key(key) {
            key
        } else {
            normalised = normalise_key(key);
            normalised.as_str()
        };
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `key` (normalised), keeping its position when present, else appending.
    pub fn set(&mut self, key: &str, value: String) {
        let key = normalise_key(key);
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Removes `key` (normalised) if present.
    pub fn remove(&mut self, key: &str) {
        let key = normalise_key(key);
        self.0.retain(|(k, _)| *k != key);
    }

    /// The fields in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Serialises these fields with [`write()`].
    pub fn to_text(&self) -> String {
        write(&self.0)
    }
}

/// Parses a content file. A leading BOM is stripped; CRLF line endings work
/// because the separator rule tolerates the `\r` and values are trimmed.
pub fn parse(text: &str) -> Fields {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut fields = Vec::new();

    for chunk in split_fields(text) {
        // A chunk without a colon, or with nothing before it, is not a field.
        let Some((raw_key, raw_value)) = chunk.split_once(':') else {
            continue;
        };
        let key = normalise_key(raw_key);
        if key.is_empty() {
            continue;
        }
        let value = unescape(trim_php(raw_value));
        match index.get(&key) {
            Some(&at) => fields[at] = (key, value),
            None => {
                index.insert(key.clone(), fields.len());
                fields.push((key, value));
            }
        }
    }
    Fields(fields)
}

/// Parses raw file bytes; invalid UTF-8 is an error naming its 1-based line.
pub fn parse_bytes(bytes: &[u8]) -> Result<Fields, TxtError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(parse(text)),
        Err(err) => {
            let before = bytes.get(..err.valid_up_to()).unwrap_or_default();
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            Err(TxtError::InvalidUtf8 { line })
        }
    }
}

/// The reading rule for keys: PHP-trimmed, ASCII-lowercased (PHP's `strtolower`
/// leaves other letters alone), `-` and space replaced by `_`.
pub fn normalise_key(key: &str) -> String {
    trim_php(key)
        .chars()
        .map(|ch| match ch {
            '-' | ' ' => '_',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// Whether [`normalise_key`] would return `key` unchanged.
fn is_normal_key(key: &str) -> bool {
    key.bytes().all(|b| {
        !b.is_ascii_uppercase() && !matches!(b, b'-' | b' ' | b'\t' | b'\n' | b'\r' | 0 | 0x0b)
    })
}

/// The writing rule for keys: `ucfirst(slug(key))`, so `customField` →
/// `Customfield`, `Weird Key` → `Weird-key`, `text_field` → `Text-field`.
pub fn storage_key(key: &str) -> String {
    let slugged = slug(key, KEY_MAX_CHARS);
    let mut chars = slugged.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Serialise in Kirby's exact format: `Key: value` or `Key:\n\nmultiline`, joined by
/// "\n\n----\n\n", `\----` escaping, no trailing newline. Input is (storage key or any key, value);
/// keys go through storage_key; empty keys skipped; two keys that slug alike collapse (later value,
/// earlier position).
pub fn write(fields: &[(String, String)]) -> String {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut encoded: Vec<(String, String)> = Vec::new();

    for (key, value) in fields {
        let key = storage_key(key);
        if key.is_empty() {
            continue;
        }
        let field = encode_field(&key, value);
        match index.get(&key) {
            Some(&at) => encoded[at].1 = field,
            None => {
                index.insert(key.clone(), encoded.len());
                encoded.push((key, field));
            }
        }
    }

    let parts: Vec<&str> = encoded.iter().map(|(_, field)| field.as_str()).collect();
    parts.join(SEPARATOR)
}

/// One `Key: value` block. Kirby escapes first and trims afterwards; when the
/// trim uncovers a `----` at the start of a multi-line value, Kirby's file would
/// split there on reading, so Folio escapes that line too (a deliberate
/// deviation that only changes files Kirby would have corrupted).
fn encode_field(key: &str, value: &str) -> String {
    let escaped = escape(value);
    let value = trim_php(&escaped);
    if has_line_break(value) {
        let guard = if value.starts_with("----") { "\\" } else { "" };
        format!("{key}:\n\n{guard}{value}")
    } else {
        format!("{key}: {value}")
    }
}

// FIXME: Kirby may test for line breaks with PCRE `\R` without the `u` flag, which would
// also match the byte 0x85 inside UTF-8 letters such as `х`; unconfirmed, so Folio writes
// such values on one line (both layouts read back the same value).
fn has_line_break(value: &str) -> bool {
    value.contains(['\n', '\r', '\x0B', '\x0C', '\u{85}', '\u{2028}', '\u{2029}'])
}

/// Splits at every newline followed by `----` and any whitespace, the way
/// Kirby's reader does (the dashes need not end the line).
fn split_fields(text: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\n----") {
        chunks.push(&rest[..at]);
        rest = rest[at + "\n----".len()..].trim_start_matches(is_pcre_space);
    }
    chunks.push(rest);
    chunks
}

/// PCRE's `\s` without the `u` flag.
fn is_pcre_space(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
}

/// Prefixes a backslash to every line that starts with `----`.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for line in value.split_inclusive('\n') {
        if line.starts_with("----") {
            out.push('\\');
        }
        out.push_str(line);
    }
    out
}

/// Turns `\----` at the start of a line back into `----`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for line in value.split_inclusive('\n') {
        out.push_str(line.strip_prefix("\\----").map_or(line, |_| &line[1..]));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests;
