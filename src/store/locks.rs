//! Kirby 4 content locks: the `.lock` file beside a model's content.
//!
//! Kirby keeps one `.lock` file per folder (a page's folder, the content
//! root for the site, an account folder for a user; a file's lock lives in
//! its parent's folder). It is a YAML map from model key (`/` + the model id,
//! so the site is `/`) to that model's lock data:
//!
//! ```yaml
//! /notes/across-the-ocean:
//!   lock:
//!     user: tB1eAcFS
//!     time: 1704067200
//!   unlock:
//!     - AvMhEtBi
//! ```
//!
//! `lock` names the user editing the model and since when (unix seconds);
//! `unlock` lists users whose lock someone else removed, until they
//! acknowledge it. Folio writes this layout the way Kirby's YAML encoder
//! does (two-space indents, `- ` list items, no leading `---`), so Kirby
//! reads Folio's locks and the other way round. A model without lock data
//! has no entry, and a file without entries is deleted, as Kirby does.

use std::path::{Path, PathBuf};

use serde_yaml::Value as Yaml;

use super::fsio::{remove_if_there, write_atomic};

/// The lock data of one model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockEntry {
    /// The user holding the lock and since when.
    pub lock: Option<Held>,
    /// Users whose lock was removed by someone else.
    pub unlock: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub user: String,
    pub time: i64,
}

impl LockEntry {
    fn is_empty(&self) -> bool {
        self.lock.is_none() && self.unlock.is_empty()
    }
}

/// All entries of one `.lock` file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockFile {
    entries: Vec<(String, LockEntry)>,
}

impl LockFile {
    pub fn get(&self, key: &str) -> LockEntry {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    }

    /// Replaces the entry of `key`; an empty entry removes it.
    pub fn set(&mut self, key: &str, entry: LockEntry) {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = entry,
            None => self.entries.push((key.to_owned(), entry)),
        }
        self.entries.retain(|(_, e)| !e.is_empty());
    }
}

/// The `.lock` file of a folder.
pub fn lock_path(dir: &Path) -> PathBuf {
    dir.join(".lock")
}

/// Reads a `.lock` file. A missing or unreadable file holds no locks, as
/// Kirby reads it (`fail: false`): a broken lock must never block editing.
pub fn read(path: &Path) -> LockFile {
    let Ok(text) = std::fs::read_to_string(path) else {
        return LockFile::default();
    };
    parse(&text)
}

fn parse(text: &str) -> LockFile {
    let Ok(Yaml::Mapping(map)) = serde_yaml::from_str::<Yaml>(text) else {
        return LockFile::default();
    };
    let entries = map
        .iter()
        .filter_map(|(key, value)| Some((scalar(key)?, entry_from(value))))
        .filter(|(_, entry)| !entry.is_empty())
        .collect();
    LockFile { entries }
}

fn entry_from(value: &Yaml) -> LockEntry {
    let lock = value.get("lock").and_then(|held| {
        let user = held.get("user").and_then(scalar)?;
        let time = held
            .get("time")
            .and_then(scalar)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(0);
        Some(Held { user, time })
    });
    let unlock = match value.get("unlock") {
        Some(Yaml::Sequence(items)) => items.iter().filter_map(scalar).collect(),
        _ => Vec::new(),
    };
    LockEntry { lock, unlock }
}

fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Writes the file, or deletes it when no entry is left.
pub fn write(path: &Path, file: &LockFile) -> std::io::Result<()> {
    if file.entries.is_empty() {
        return remove_if_there(path);
    }
    write_atomic(path, encode(file).as_bytes())
}

/// The YAML text in the layout of Kirby's encoder.
fn encode(file: &LockFile) -> String {
    let mut out = String::new();
    for (key, entry) in &file.entries {
        out.push_str(&format!("{}:\n", quote(key)));
        if let Some(held) = &entry.lock {
            out.push_str(&format!(
                "  lock:\n    user: {}\n    time: {}\n",
                quote(&held.user),
                held.time
            ));
        }
        if !entry.unlock.is_empty() {
            out.push_str("  unlock:\n");
            for user in &entry.unlock {
                out.push_str(&format!("    - {}\n", quote(user)));
            }
        }
    }
    out
}

/// Model ids and user ids are plain YAML scalars; anything else (a file
/// name with a colon, say) is single-quoted so it reads back unchanged.
fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@()= %".contains(c))
        && !text.starts_with(['-', '@', '%', ' '])
        && !text.ends_with(' ')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "~"
        )
        && matches!(serde_yaml::from_str::<Yaml>(text), Ok(Yaml::String(s)) if s == text);
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn held(user: &str, time: i64) -> LockEntry {
        LockEntry {
            lock: Some(Held {
                user: user.into(),
                time,
            }),
            unlock: Vec::new(),
        }
    }

    #[test]
    fn writes_kirbys_layout() {
        let mut file = LockFile::default();
        file.set("/notes/across-the-ocean", held("tB1eAcFS", 1704067200));
        file.set(
            "/",
            LockEntry {
                lock: None,
                unlock: vec!["AvMhEtBi".into()],
            },
        );
        assert_eq!(
            encode(&file),
            "/notes/across-the-ocean:\n  lock:\n    user: tB1eAcFS\n    time: 1704067200\n/:\n  unlock:\n    - AvMhEtBi\n"
        );
        assert_eq!(parse(&encode(&file)), file);
    }

    #[test]
    fn empty_entries_disappear_and_the_file_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path());
        let mut file = LockFile::default();
        file.set("/a", held("u1", 5));
        write(&path, &file).unwrap();
        assert_eq!(read(&path).get("/a"), held("u1", 5));
        file.set("/a", LockEntry::default());
        write(&path, &file).unwrap();
        assert!(!path.exists());
        write(&path, &file).unwrap();
    }

    #[test]
    fn broken_files_hold_no_locks() {
        assert_eq!(parse("::: [not yaml"), LockFile::default());
        assert_eq!(parse("- a list"), LockFile::default());
        assert_eq!(parse("/a:\n  lock: nonsense\n"), LockFile::default());
    }

    proptest! {
        #[test]
        fn any_key_and_user_round_trip(key in "/[a-zA-Z0-9/._ :#'@%-]{0,30}", user in "[A-Za-z0-9]{1,12}", time in 0i64..4_000_000_000) {
            let mut file = LockFile::default();
            file.set(&key, LockEntry { lock: Some(Held { user: user.clone(), time }), unlock: vec![user] });
            prop_assert_eq!(parse(&encode(&file)), file);
        }
    }
}
