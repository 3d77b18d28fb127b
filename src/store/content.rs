//! Where a model's content file lives, and writing one (storage.md §3.3).
//!
//! A single-language site keeps `<name>.txt`; a multi-language site keeps
//! `<name>.<code>.txt` per language. Values are written in Kirby's exact
//! `.txt` format, atomically.

use std::path::{Path, PathBuf};

use super::fsio::write_atomic;
use crate::format::txt::{self, Fields};

/// The content file `name` (a template name, `site`, `user`, or a file's
/// `<filename>`) in `dir`, for `language` (`None` on a single-language site).
pub fn content_path(dir: &Path, name: &str, language: Option<&str>) -> PathBuf {
    match language {
        Some(code) => dir.join(format!("{name}.{code}.txt")),
        None => dir.join(format!("{name}.txt")),
    }
}

/// Writes `fields` to `path` in Kirby's format, replacing the file in one step.
pub fn write_fields(path: &Path, fields: &Fields) -> std::io::Result<()> {
    let pairs: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    write_atomic(path, txt::write(&pairs).as_bytes())
}
