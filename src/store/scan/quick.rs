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

use std::fs::DirEntry;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use super::Roots;
use super::split::side_by_side;

/// Folders with at least this many subfolders have them walked by two
/// threads (when the machine has cores to spare): on a site with one page
/// of 100,000 children the walk is a large part of start-up, nearly all
/// of it system calls that run fine side by side.
const SPLIT_AT: usize = 256;

/// The hash of everything a scan of `roots` could read.
///
/// Each folder's hash covers its entries and its subfolders' hashes, so the
/// result does not depend on which thread walked which subtree.
pub fn fingerprint(roots: &Roots) -> u64 {
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(4);
    let mut hasher = DefaultHasher::new();
    for root in [&roots.content, &roots.accounts, &roots.languages] {
        walk(root, threads).hash(&mut hasher);
    }
    hasher.finish()
}

/// One folder's hash, walking its subfolders with up to `threads` threads:
/// every entry's name, size, modification time and inode (of what a link
/// points to) in name order, then the subfolders' own hashes in the same
/// order.
///
/// Only the entries themselves are kept while the subfolders are walked,
/// never their metadata: a folder of 100,000 pages would otherwise hold
/// tens of megabytes for the length of the walk.
fn walk(dir: &Path, threads: usize) -> u64 {
    let mut hasher = DefaultHasher::new();
    let Ok(read) = std::fs::read_dir(dir) else {
        // A missing folder hashes as an empty one; one that appears, or
        // gains entries, changes its parent's hash.
        return hasher.finish();
    };
    let mut entries: Vec<DirEntry> = read
        .flatten()
        .filter(|entry| !ignored(&entry.file_name().to_string_lossy()))
        .collect();
    // Listing order is the file system's; sorting makes the hash depend on
    // the folder's contents only.
    entries.sort_by_cached_key(DirEntry::file_name);
    let mut subfolders = Vec::new();
    for entry in &entries {
        // Through symbolic links, as the scan reads them: a page folder or
        // file behind a link must count too.
        let Some(meta) = super::entry_metadata(entry) else {
            continue;
        };
        entry.file_name().hash(&mut hasher);
        meta.len().hash(&mut hasher);
        meta.modified().ok().hash(&mut hasher);
        #[cfg(unix)]
        std::os::unix::fs::MetadataExt::ino(&meta).hash(&mut hasher);
        if meta.is_dir() {
            subfolders.push(entry);
        }
    }
    walk_all(&subfolders, threads).hash(&mut hasher);
    hasher.finish()
}

/// The hashes of `dirs`, in order; a long list is split between threads.
fn walk_all(dirs: &[&DirEntry], threads: usize) -> Vec<u64> {
    if threads < 2 || dirs.len() < SPLIT_AT {
        return dirs.iter().map(|dir| walk(&dir.path(), threads)).collect();
    }
    let (first, second) = dirs.split_at(dirs.len() / 2);
    let second_threads = threads / 2;
    let (mut hashes, rest) = side_by_side(
        || walk_all(first, threads - second_threads),
        || walk_all(second, second_threads),
    );
    hashes.extend(rest);
    hashes
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

    /// The scan follows links to page folders and files, so a change
    /// behind a link is one a scan could see.
    #[cfg(unix)]
    #[test]
    fn changes_behind_symbolic_links_change_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(elsewhere.join("shared")).unwrap();
        std::fs::write(elsewhere.join("shared/default.txt"), "Title: A").unwrap();
        std::fs::write(elsewhere.join("photo.jpg"), "jpeg").unwrap();
        let content = dir.path().join("content/1_blog");
        std::fs::create_dir_all(&content).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("shared"), content.join("1_shared")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("photo.jpg"), content.join("photo.jpg")).unwrap();
        let roots = roots(dir.path());
        let first = fingerprint(&roots);

        std::fs::write(elsewhere.join("shared/default.txt"), "Title: Longer").unwrap();
        let edited = fingerprint(&roots);
        assert_ne!(edited, first, "an edit inside a linked page folder counts");

        std::fs::write(elsewhere.join("photo.jpg"), "longer jpeg").unwrap();
        assert_ne!(
            fingerprint(&roots),
            edited,
            "an edit of a linked file counts"
        );
    }

    #[test]
    fn a_split_walk_hashes_like_a_single_thread_and_sees_deep_changes() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        for n in 0..SPLIT_AT + 10 {
            let child = big.join(format!("{n}_child"));
            std::fs::create_dir_all(&child).unwrap();
            std::fs::write(child.join("default.txt"), format!("Title: {n}")).unwrap();
        }
        let single = walk(dir.path(), 1);
        assert_eq!(walk(dir.path(), 2), single);
        assert_eq!(walk(dir.path(), 4), single);

        let last = big.join(format!("{}_child", SPLIT_AT + 9));
        std::fs::write(last.join("default.txt"), "Title: changed").unwrap();
        assert_ne!(
            walk(dir.path(), 2),
            single,
            "a file in the second half counts"
        );
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
