//! Page folders on disk: creating a draft, renaming and renumbering, moving
//! in and out of `_drafts`, copying a page tree and deleting one
//! (storage.md §2, §9).
//!
//! Every change either happens completely or leaves the old state: a new
//! folder is built under a hidden temporary name in the same parent and
//! renamed into place; a group of renames is rolled back when one fails; a
//! deleted folder is first renamed away, so it vanishes in one step. Hidden
//! names start with `.`, which the scan never reads as a page. The caller
//! holds the store's writer lock, so nothing else changes the folders
//! meanwhile.
//!
//! Each multi-step function takes a [`Checkpoint`], called between steps,
//! so tests can inject a failure at every step and check that nothing was
//! half done. Production code passes [`no_faults`].

use std::io;
use std::path::{Path, PathBuf};

use rand::Rng;
use rand::distributions::Alphanumeric;
use thiserror::Error;

use super::content::write_fields;
use crate::format::txt::{self, Fields};

/// Called between the steps of a change with the step's name; an error
/// aborts the change as if that step had failed.
pub type Checkpoint<'a> = &'a dyn Fn(&str) -> io::Result<()>;

/// The checkpoint of normal operation: every step may go ahead.
pub fn no_faults(_step: &str) -> io::Result<()> {
    Ok(())
}

#[derive(Debug, Error)]
pub enum FolderError {
    #[error("`{}` already exists", .0.display())]
    Exists(PathBuf),
    #[error("cannot change `{}`: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> FolderError + '_ {
    move |source| FolderError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A new 16-character UUID as Kirby stores it in the `Uuid` field.
pub fn new_uuid() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// A random RFC 4122 version 4 UUID in lowercase hex with dashes, the form
/// `content.uuid: uuid-v4` asks for.
pub fn new_uuid_v4() -> String {
    let mut bytes: [u8; 16] = rand::thread_rng().r#gen();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A hidden sibling name for `target`, unique enough for one writer. It
/// does not repeat the target's name, so a name near the file-system limit
/// still has a temporary sibling that fits.
fn temp_sibling(target: &Path, purpose: &str) -> PathBuf {
    let tag: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(8)
        .map(char::from)
        .collect();
    target.with_file_name(format!(".folio-{purpose}-{tag}"))
}

/// Creates the page folder `dir` holding only the content file `file_name`
/// (`<template>.txt`, or `<template>.<code>.txt` on a multi-language site).
pub fn create_page(
    dir: &Path,
    file_name: &str,
    fields: &Fields,
    check: Checkpoint,
) -> Result<(), FolderError> {
    if dir.exists() {
        return Err(FolderError::Exists(dir.to_owned()));
    }
    let parent = dir
        .parent()
        .ok_or_else(|| io_at(dir)(io::Error::other("no parent folder")))?;
    std::fs::create_dir_all(parent).map_err(io_at(parent))?;
    let temp = temp_sibling(dir, "new");
    let built = (|| {
        std::fs::create_dir(&temp)?;
        check("write content")?;
        write_fields(&temp.join(file_name), fields)?;
        check("rename into place")?;
        std::fs::rename(&temp, dir)
    })();
    built.map_err(|source| {
        std::fs::remove_dir_all(&temp).ok();
        FolderError::Io {
            path: dir.to_owned(),
            source,
        }
    })
}

/// Renames one page folder (a slug change, a status change). A single
/// rename is atomic; missing parents (`_drafts`) are created.
pub fn move_dir(from: &Path, to: &Path) -> Result<(), FolderError> {
    renumber(&[(from.to_owned(), to.to_owned())], &no_faults)
}

/// Applies a group of folder renames in order. When one fails, the renames
/// already done are undone in reverse order, so the siblings keep their
/// old numbers together.
pub fn renumber(moves: &[(PathBuf, PathBuf)], check: Checkpoint) -> Result<(), FolderError> {
    let moves: Vec<&(PathBuf, PathBuf)> = moves.iter().filter(|(from, to)| from != to).collect();
    if let Some((_, to)) = moves
        .iter()
        .find(|(_, to)| to.exists() && !moves.iter().any(|(f, _)| f == to))
    {
        return Err(FolderError::Exists(to.clone()));
    }
    let mut done: Vec<(&Path, &Path)> = Vec::new();
    for (from, to) in &moves {
        let step = (|| {
            check("rename")?;
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(from, to)
        })();
        if let Err(source) = step {
            for (from, to) in done.iter().rev() {
                if let Err(e) = std::fs::rename(to, from) {
                    tracing::error!(path = %to.display(), "cannot undo a rename: {e}");
                }
            }
            return Err(FolderError::Io {
                path: from.clone(),
                source,
            });
        }
        done.push((from, to));
    }
    Ok(())
}

/// What a page copy takes along besides the page's own content files.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopyOptions {
    pub children: bool,
    pub files: bool,
    /// The copy's new UUIDs are RFC 4122 v4 (`content.uuid: uuid-v4`).
    pub uuid_v4: bool,
}

/// Copies the page folder `from` to the new folder `to` (a draft of the
/// copy), giving every content and meta file in the copy a new `Uuid`.
pub fn copy_page(
    from: &Path,
    to: &Path,
    options: CopyOptions,
    check: Checkpoint,
) -> Result<(), FolderError> {
    if to.exists() {
        return Err(FolderError::Exists(to.to_owned()));
    }
    let parent = to
        .parent()
        .ok_or_else(|| io_at(to)(io::Error::other("no parent folder")))?;
    std::fs::create_dir_all(parent).map_err(io_at(parent))?;
    let temp = temp_sibling(to, "copy");
    let built = (|| {
        copy_tree(from, &temp, options, check)?;
        check("new uuids")?;
        let fresh = if options.uuid_v4 {
            new_uuid_v4
        } else {
            new_uuid
        };
        renew_uuids(&temp, fresh)?;
        check("rename into place")?;
        std::fs::rename(&temp, to)
    })();
    built.map_err(|source| {
        std::fs::remove_dir_all(&temp).ok();
        FolderError::Io {
            path: to.to_owned(),
            source,
        }
    })
}

fn copy_tree(from: &Path, to: &Path, options: CopyOptions, check: Checkpoint) -> io::Result<()> {
    std::fs::create_dir(to)?;
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(from)?.collect::<io::Result<_>>()?;
    let names: Vec<String> = entries
        .iter()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    for entry in &entries {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Locks, temporary files and other hidden entries stay behind.
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if options.children {
                copy_tree(
                    &entry.path(),
                    &to.join(&name),
                    CopyOptions {
                        children: true,
                        files: true,
                        ..options
                    },
                    check,
                )?;
            }
            continue;
        }
        if !options.files && (is_page_file(&name) || is_meta_file(&name, &names)) {
            continue;
        }
        check("copy file")?;
        std::fs::copy(entry.path(), to.join(&name))?;
    }
    Ok(())
}

/// A page's own file (an image, a PDF), as opposed to content and markup.
fn is_page_file(name: &str) -> bool {
    let lower = name.to_lowercase();
    ![".txt", ".htm", ".html", ".php"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// `photo.jpg.txt` (or `photo.jpg.de.txt`) next to an existing `photo.jpg`.
fn is_meta_file(name: &str, names: &[String]) -> bool {
    let Some(stem) = name.strip_suffix(".txt") else {
        return false;
    };
    let candidates = [Some(stem), stem.rsplit_once('.').map(|(s, _)| s)];
    candidates
        .into_iter()
        .flatten()
        .any(|file| is_page_file(file) && names.iter().any(|n| n == file))
}

/// Gives every `.txt` file below `dir` that has a `Uuid` field a new one.
fn renew_uuids(dir: &Path, fresh: fn() -> String) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            renew_uuids(&path, fresh)?;
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let Ok(mut fields) = txt::parse_bytes(&std::fs::read(&path)?) else {
            continue;
        };
        if fields.get("uuid").is_some() {
            fields.set("uuid", fresh());
            write_fields(&path, &fields)?;
        }
    }
    Ok(())
}

/// Deletes a page folder with everything in it. The folder is renamed to a
/// hidden name first, so the page disappears at once even if removing the
/// files takes long or fails half way.
pub fn delete_page(dir: &Path, check: Checkpoint) -> Result<(), FolderError> {
    let trash = temp_sibling(dir, "trash");
    check("hide").map_err(io_at(dir))?;
    std::fs::rename(dir, &trash).map_err(io_at(dir))?;
    if let Err(e) = std::fs::remove_dir_all(&trash) {
        tracing::warn!(path = %trash.display(), "deleted page left files behind: {e}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_files::write;

    #[test]
    fn v4_uuids_carry_version_and_variant() {
        let uuid = new_uuid_v4();
        let groups: Vec<&str> = uuid.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        assert_eq!(lengths, [8, 4, 4, 4, 12], "{uuid}");
        assert!(groups[2].starts_with('4'), "{uuid}");
        assert!(groups[3].starts_with(['8', '9', 'a', 'b']), "{uuid}");
        assert!(
            uuid.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(uuid, new_uuid_v4());
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn fail_at(step: &'static str) -> impl Fn(&str) -> io::Result<()> {
        move |at| {
            if at == step {
                Err(io::Error::other("injected"))
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn creates_a_page_with_one_content_file() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("_drafts/new");
        let fields = Fields(vec![
            ("title".into(), "New".into()),
            ("uuid".into(), "abc".into()),
        ]);
        create_page(&page, "note.txt", &fields, &no_faults).unwrap();
        assert_eq!(
            std::fs::read_to_string(page.join("note.txt")).unwrap(),
            "Title: New\n\n----\n\nUuid: abc"
        );
        assert!(matches!(
            create_page(&page, "note.txt", &fields, &no_faults),
            Err(FolderError::Exists(_))
        ));
    }

    #[test]
    fn a_failed_create_leaves_nothing() {
        for step in ["write content", "rename into place"] {
            let dir = tempfile::tempdir().unwrap();
            let page = dir.path().join("_drafts/new");
            assert!(create_page(&page, "note.txt", &Fields::default(), &fail_at(step)).is_err());
            assert!(names(&dir.path().join("_drafts")).is_empty(), "{step}");
        }
    }

    #[test]
    fn a_failed_renumber_restores_every_folder() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["1_a", "2_b", "3_c"] {
            write(&dir.path().join(name).join("x.txt"), name);
        }
        let moves = vec![
            (dir.path().join("1_a"), dir.path().join("2_a")),
            (dir.path().join("2_b"), dir.path().join("3_b")),
            (dir.path().join("3_c"), dir.path().join("1_c")),
        ];
        let calls = std::cell::Cell::new(0);
        let third = |_: &str| {
            calls.set(calls.get() + 1);
            if calls.get() == 3 {
                Err(io::Error::other("injected"))
            } else {
                Ok(())
            }
        };
        assert!(renumber(&moves, &third).is_err());
        assert_eq!(names(dir.path()), ["1_a", "2_b", "3_c"]);
        renumber(&moves, &no_faults).unwrap();
        assert_eq!(names(dir.path()), ["1_c", "2_a", "3_b"]);
    }

    #[test]
    fn copies_leave_files_and_children_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("1_trees");
        write(&from.join("album.txt"), "Title: Trees\n\n----\n\nUuid: old");
        write(&from.join("a.jpg"), "jpg");
        write(&from.join("a.jpg.txt"), "Uuid: file-old");
        write(&from.join("1_child/album.txt"), "Title: Child");
        write(&from.join(".lock"), "locked");
        let plain = dir.path().join("_drafts/copy");
        copy_page(&from, &plain, CopyOptions::default(), &no_faults).unwrap();
        assert_eq!(names(&plain), ["album.txt"]);
        let text = std::fs::read_to_string(plain.join("album.txt")).unwrap();
        assert!(
            text.starts_with("Title: Trees") && !text.ends_with("Uuid: old"),
            "{text}"
        );
        let full = dir.path().join("_drafts/full");
        copy_page(
            &from,
            &full,
            CopyOptions {
                children: true,
                files: true,
                ..CopyOptions::default()
            },
            &no_faults,
        )
        .unwrap();
        assert_eq!(names(&full), ["1_child", "a.jpg", "a.jpg.txt", "album.txt"]);
        assert_ne!(
            std::fs::read_to_string(full.join("a.jpg.txt")).unwrap(),
            "Uuid: file-old"
        );
    }

    #[test]
    fn a_failed_copy_leaves_only_the_original() {
        for step in ["copy file", "new uuids", "rename into place"] {
            let dir = tempfile::tempdir().unwrap();
            let from = dir.path().join("1_trees");
            write(&from.join("album.txt"), "Title: Trees");
            let to = dir.path().join("trees-2");
            assert!(
                copy_page(
                    &from,
                    &to,
                    CopyOptions {
                        children: true,
                        files: true,
                        ..CopyOptions::default()
                    },
                    &fail_at(step)
                )
                .is_err()
            );
            assert_eq!(names(dir.path()), ["1_trees"], "{step}");
        }
    }

    #[test]
    fn deletes_a_tree_in_one_visible_step() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("1_notes/_drafts/x/note.txt"), "Title: X");
        assert!(delete_page(&dir.path().join("1_notes"), &fail_at("hide")).is_err());
        assert_eq!(names(dir.path()), ["1_notes"]);
        delete_page(&dir.path().join("1_notes"), &no_faults).unwrap();
        assert!(names(dir.path()).is_empty());
    }
}
