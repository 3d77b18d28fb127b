//! Writing the files of pages, the site and users: the binary next to its
//! meta files (`<file>.txt`, or `<file>.<code>.txt` per language).
//!
//! A meta file without its binary would be read as a page's content file
//! (and could change the page's template), so every change orders its steps
//! to make such an orphan impossible: uploads write the binary first, deletes
//! remove the meta files first, and renames undo what they did when a later
//! step fails. The upload policy (which names and contents Kirby accepts)
//! lives in [`rules`], a blueprint's `accept` rules in [`accept`].

pub mod accept;
pub mod rules;
pub mod svg;

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::content::write_fields;
use super::fsio::{remove_if_there, write_atomic};
use crate::format::txt::Fields;

#[derive(Debug, Error)]
pub enum FileError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Files get their UUIDs the way pages do.
pub use super::pages::new_uuid;

/// Every meta file a file may have: `<file>.txt` on a single-language site
/// (`codes` empty), else `<file>.<code>.txt` for each language.
pub fn meta_paths(file: &Path, codes: &[String]) -> Vec<PathBuf> {
    let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    if codes.is_empty() {
        return vec![file.with_file_name(format!("{name}.txt"))];
    }
    codes
        .iter()
        .map(|code| file.with_file_name(format!("{name}.{code}.txt")))
        .collect()
}

/// Writes a new (or identical re-uploaded) file and its meta file.
pub fn create(path: &Path, bytes: &[u8], meta: &Path, fields: &Fields) -> Result<(), FileError> {
    write_atomic(path, bytes).map_err(io(path))?;
    write_fields(meta, fields).map_err(io(meta))
}

/// Replaces the binary of an existing file; its meta files stay as they are.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic(path, bytes).map_err(io(path))
}

/// Rewrites one meta file.
pub fn write_meta(meta: &Path, fields: &Fields) -> Result<(), FileError> {
    write_fields(meta, fields).map_err(io(meta))
}

/// Renames a file and its meta files to `new_name` in the same folder.
/// When a step fails, the renames already done are undone.
pub fn rename(path: &Path, new_name: &str, codes: &[String]) -> Result<PathBuf, FileError> {
    let target = path.with_file_name(new_name);
    let mut moves: Vec<(PathBuf, PathBuf)> = vec![(path.to_owned(), target.clone())];
    let old_metas = meta_paths(path, codes);
    let new_metas = meta_paths(&target, codes);
    moves.extend(
        old_metas
            .into_iter()
            .zip(new_metas)
            .filter(|(from, _)| from.exists()),
    );
    let mut done: Vec<&(PathBuf, PathBuf)> = Vec::new();
    for step in &moves {
        if let Err(source) = std::fs::rename(&step.0, &step.1) {
            for (from, to) in done.iter().rev() {
                std::fs::rename(to, from).ok();
            }
            return Err(FileError::Io {
                path: step.0.clone(),
                source,
            });
        }
        done.push(step);
    }
    sync_dir(path);
    Ok(target)
}

/// Deletes a file's meta files, then the file itself.
pub fn delete(path: &Path, codes: &[String]) -> Result<(), FileError> {
    for meta in meta_paths(path, codes) {
        if let Err(source) = remove_if_there(&meta) {
            return Err(FileError::Io { path: meta, source });
        }
    }
    std::fs::remove_file(path).map_err(io(path))?;
    sync_dir(path);
    Ok(())
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().and_then(|d| std::fs::File::open(d).ok()) {
        dir.sync_all().ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn uuids_are_sixteen_alphanumerics() {
        let uuid = new_uuid();
        assert_eq!(uuid.len(), 16);
        assert!(uuid.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(uuid, new_uuid());
    }

    #[test]
    fn create_rename_delete_keep_meta_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.jpg");
        create(
            &file,
            b"bytes",
            &dir.path().join("a.jpg.txt"),
            &fields(&[("uuid", "X")]),
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.jpg.txt")).unwrap(),
            "Uuid: X"
        );
        let moved = rename(&file, "b.jpg", &[]).unwrap();
        assert_eq!(std::fs::read(&moved).unwrap(), b"bytes");
        assert!(dir.path().join("b.jpg.txt").exists());
        assert!(!file.exists() && !dir.path().join("a.jpg.txt").exists());
        delete(&moved, &[]).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn renames_every_language_meta_file() {
        let dir = tempfile::tempdir().unwrap();
        let codes = vec!["en".to_string(), "de".to_string()];
        let file = dir.path().join("a.jpg");
        std::fs::write(&file, b"x").unwrap();
        std::fs::write(dir.path().join("a.jpg.en.txt"), b"Alt: en").unwrap();
        std::fs::write(dir.path().join("a.jpg.de.txt"), b"Alt: de").unwrap();
        rename(&file, "c.jpg", &codes).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("c.jpg.de.txt")).unwrap(),
            b"Alt: de"
        );
        assert_eq!(
            std::fs::read(dir.path().join("c.jpg.en.txt")).unwrap(),
            b"Alt: en"
        );
    }

    #[test]
    fn a_failed_rename_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.jpg");
        std::fs::write(&file, b"x").unwrap();
        std::fs::write(dir.path().join("a.jpg.txt"), b"Alt: a").unwrap();
        // the meta file's target is a non-empty folder, so its rename fails
        std::fs::create_dir_all(dir.path().join("b.jpg.txt/inner")).unwrap();
        assert!(rename(&file, "b.jpg", &[]).is_err());
        assert!(file.exists() && dir.path().join("a.jpg.txt").exists());
        assert!(!dir.path().join("b.jpg").exists());
    }
}
