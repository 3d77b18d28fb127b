//! A cheap look at whether the site folder changed at all, before a full
//! rescan.
//!
//! A full scan rebuilds the whole snapshot: on a 100,000-page site that is
//! seconds of CPU and, while both snapshots exist, twice the memory. The
//! periodic check that backs up the change watcher runs every minute, and
//! almost always finds nothing. So it first walks the folders Folio reads
//! (content, accounts, languages), hashing each entry's path, size,
//! modification time and inode, and holding nothing else; only when that
//! hash differs from the last one does the full scan run.
//!
//! The walk sees a superset of what the scan reads, so a change the scan
//! would pick up always changes the hash. It skips `.logins` (rewritten on
//! every failed login, never part of a snapshot) and the temporary files of
//! atomic writes.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use super::Roots;

/// The hash of everything a scan of `roots` could read.
pub fn fingerprint(roots: &Roots) -> u64 {
    let mut hasher = DefaultHasher::new();
    for root in [&roots.content, &roots.accounts, &roots.languages] {
        walk(root, &mut hasher);
    }
    hasher.finish()
}

fn walk(dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(read) = std::fs::read_dir(dir) else {
        // A missing folder hashes as nothing; one that appears changes the hash.
        return;
    };
    let mut entries: Vec<_> = read.flatten().collect();
    // Listing order is the file system's; sorting makes the hash depend on
    // the folder's contents only.
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name();
        if ignored(&name.to_string_lossy()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        name.hash(hasher);
        meta.len().hash(hasher);
        meta.modified().ok().hash(hasher);
        #[cfg(unix)]
        std::os::unix::fs::MetadataExt::ino(&meta).hash(hasher);
        if meta.is_dir() {
            walk(&entry.path(), hasher);
        }
    }
}

/// Entries no scan reads: the login-trial log and temporary files.
fn ignored(name: &str) -> bool {
    name == ".logins" || (name.starts_with('.') && name.ends_with(".tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(dir: &Path) -> Roots {
        Roots::for_site(dir)
    }

    #[test]
    fn any_change_a_scan_could_see_changes_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("content/1_notes");
        std::fs::create_dir_all(&page).unwrap();
        std::fs::write(page.join("note.txt"), "Title: A").unwrap();
        std::fs::create_dir_all(dir.path().join("site/accounts/abc")).unwrap();
        let roots = roots(dir.path());
        let first = fingerprint(&roots);
        assert_eq!(fingerprint(&roots), first, "nothing changed");

        std::fs::write(page.join("note.txt"), "Title: Longer").unwrap();
        let edited = fingerprint(&roots);
        assert_ne!(edited, first);

        std::fs::write(dir.path().join("site/accounts/abc/.htpasswd"), "x").unwrap();
        let password = fingerprint(&roots);
        assert_ne!(password, edited, "a password file counts");

        std::fs::rename(&page, dir.path().join("content/2_notes")).unwrap();
        assert_ne!(fingerprint(&roots), password, "a renamed folder counts");
    }

    #[test]
    fn the_trial_log_and_temp_files_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site/accounts")).unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        let roots = roots(dir.path());
        let before = fingerprint(&roots);
        std::fs::write(dir.path().join("site/accounts/.logins"), "{}").unwrap();
        std::fs::write(dir.path().join("content/.a1b2.tmp"), "half").unwrap();
        assert_eq!(fingerprint(&roots), before);
    }
}
