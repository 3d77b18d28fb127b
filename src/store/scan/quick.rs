//! A cheap look at whether the site folder changed at all, before a full
//! rescan.
//!
//! A full scan rebuilds the whole snapshot: on a 100,000-page site that is
//! seconds of CPU and, while both snapshots exist, twice the memory. The
//! periodic check that backs up the change watcher runs every minute, and
//! almost always finds nothing. So it first walks the folders a scan lists
//! (content, accounts, languages), summing one hash per entry (its path,
//! and a file's size, modification time and inode) and holding nothing
//! else; only when that sum differs from the last one does the full scan
//! run.
//!
//! The walk lists exactly the folders a scan lists, by the same rules
//! ([`Folder`]), and sums the same [`Fingerprint`], so an unchanged folder
//! gives the scan's own fingerprint. That is what spares start-up a walk of
//! its own: the first look to compare against is the start-up scan's
//! fingerprint. Were the two ever to disagree, the first check would only
//! rebuild the snapshot once, needlessly.

use std::path::{Path, PathBuf};

use super::split::{available_threads, side_by_side};
use super::{Fingerprint, Folder, Roots, each_entry};

/// Folders with at least this many subfolders have them walked by two
/// threads (when the machine has cores to spare): the walk of a page with
/// 100,000 children is nearly all system calls, which run fine side by side.
const SPLIT_AT: usize = 256;

/// The fingerprint a scan of `roots` would have now. `languages` is on when
/// the `languages` option is, as for the scan.
pub fn fingerprint(roots: &Roots, languages: bool) -> u64 {
    let threads = available_threads();
    let mut print = Fingerprint::default();
    if languages {
        print.add_part(&walk(&roots.languages, Folder::Leaf, threads));
    }
    print.add_part(&walk(&roots.content, Folder::Pages, threads));
    print.add_part(&walk(&roots.accounts, Folder::Accounts, threads));
    print.finish()
}

/// The entries of the folder `dir` of kind `kind`, and of the subfolders a
/// scan would read, with up to `threads` threads.
///
/// Only the paths of the subfolders to walk are kept while they are walked,
/// never the entries' metadata: a folder of 100,000 pages would otherwise
/// hold tens of megabytes for the length of the walk.
fn walk(dir: &Path, kind: Folder, threads: usize) -> Fingerprint {
    let mut print = Fingerprint::default();
    let mut below = Vec::new();
    each_entry(dir, |entry, name, facts| {
        print.add_entry(dir, &name, &facts);
        if facts.is_dir
            && let Some(sub) = kind.subfolder(&name)
        {
            below.push((entry.path(), sub));
        }
    });
    print.add_part(&walk_all(&below, threads));
    print
}

/// The share of the folder `dir`'s own entries in a fingerprint, without
/// looking below it or keeping anything: what `scan::refresh` compares
/// first, since most folders it is asked about have not changed.
pub(super) fn listing(dir: &Path) -> u64 {
    let mut print = Fingerprint::default();
    each_entry(dir, |_, name, facts| print.add_entry(dir, &name, &facts));
    print.finish()
}

/// The sum over `dirs`; a long list is split between threads.
fn walk_all(dirs: &[(PathBuf, Folder)], threads: usize) -> Fingerprint {
    let mut print = Fingerprint::default();
    if threads < 2 || dirs.len() < SPLIT_AT {
        for (dir, kind) in dirs {
            print.add_part(&walk(dir, *kind, threads));
        }
        return print;
    }
    let (first, second) = dirs.split_at(dirs.len() / 2);
    let second_threads = threads / 2;
    let (one, other) = side_by_side(
        || walk_all(first, threads - second_threads),
        || walk_all(second, second_threads),
    );
    print.add_part(&one);
    print.add_part(&other);
    print
}

#[cfg(test)]
mod tests {
    use super::super::{ParseCache, scan_on};
    use super::*;
    use crate::store::test_files::write;

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
        let first = fingerprint(&roots, false);
        assert_eq!(fingerprint(&roots, false), first, "nothing changed");

        std::fs::write(page.join("note.txt"), "Title: Longer").unwrap();
        let edited = fingerprint(&roots, false);
        assert_ne!(edited, first);

        std::fs::write(dir.path().join("site/accounts/abc/.htpasswd"), "x").unwrap();
        let password = fingerprint(&roots, false);
        assert_ne!(password, edited, "a password file counts");

        std::fs::rename(&page, dir.path().join("content/2_notes")).unwrap();
        assert_ne!(
            fingerprint(&roots, false),
            password,
            "a renamed folder counts"
        );
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
        let first = fingerprint(&roots, false);

        std::fs::write(elsewhere.join("shared/default.txt"), "Title: Longer").unwrap();
        let edited = fingerprint(&roots, false);
        assert_ne!(edited, first, "an edit inside a linked page folder counts");

        std::fs::write(elsewhere.join("photo.jpg"), "longer jpeg").unwrap();
        assert_ne!(
            fingerprint(&roots, false),
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
        let walk = |threads| walk(dir.path(), Folder::Pages, threads).finish();
        let single = walk(1);
        assert_eq!(walk(2), single);
        assert_eq!(walk(4), single);

        let last = big.join(format!("{}_child", SPLIT_AT + 9));
        std::fs::write(last.join("default.txt"), "Title: changed").unwrap();
        assert_ne!(walk(2), single, "a file in the second half counts");
    }

    #[test]
    fn the_trial_log_and_temp_files_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site/accounts")).unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        let roots = roots(dir.path());
        let before = fingerprint(&roots, false);
        std::fs::write(dir.path().join("site/accounts/.logins"), "{}").unwrap();
        std::fs::write(dir.path().join("content/.a1b2.tmp"), "half").unwrap();
        assert_eq!(fingerprint(&roots, false), before);
    }

    /// Start-up takes the scan's fingerprint as its first look, so the two
    /// must agree on every kind of folder: pages, drafts, folders no scan
    /// reads, broken accounts, languages, and scratch files.
    #[test]
    fn an_unchanged_folder_looks_like_its_scan() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        write(&c.join("site.txt"), "Title: Site");
        write(&c.join("1_blog/blog.txt"), "Title: Blog");
        write(&c.join("1_blog/photo.jpg"), "jpeg");
        write(&c.join("1_blog/2_b/note.txt"), "Title: B");
        write(&c.join("1_blog/_drafts/wip/note.txt"), "Title: WIP");
        write(&c.join("1_blog/_drafts/_drafts/note.txt"), "Title: odd");
        write(&c.join("1_blog/_private/note.txt"), "Title: not read");
        write(&c.join("1_/note.txt"), "Title: no slug");
        write(&c.join(".git/HEAD"), "ref");
        write(&c.join("about/about.txt"), "Title: About");
        write(&c.join("about/.a1b2.tmp"), "half a write");
        let accounts = dir.path().join("site/accounts");
        write(
            &accounts.join("abc/index.php"),
            "<?php return ['email' => 'a@example.com', 'role' => 'admin'];",
        );
        write(
            &accounts.join("abc/.htpasswd"),
            "$2y$10$xxxxxxxxxxxxxxxxxxxxxx",
        );
        write(&accounts.join("abc/deeper/file.txt"), "not read");
        write(&accounts.join("broken/index.php"), "<?php return [");
        write(&accounts.join("empty/user.txt"), "Name: none");
        write(&accounts.join(".logins"), "{}");
        write(
            &dir.path().join("site/languages/en.php"),
            "<?php return ['code' => 'en', 'default' => true];",
        );
        let roots = roots(dir.path());
        for languages in [false, true] {
            for threads in [1, 2] {
                let site = scan_on(&roots, languages, &ParseCache::default(), threads);
                assert_eq!(
                    fingerprint(&roots, languages),
                    site.fingerprint,
                    "languages {languages}, {threads} thread(s)"
                );
            }
        }
    }

    #[test]
    fn a_big_folder_looks_like_its_split_scan() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("content/1_big");
        for n in 0..SPLIT_AT + 10 {
            write(&big.join(format!("{n}_child/note.txt")), "Title: child");
        }
        let roots = roots(dir.path());
        let site = scan_on(&roots, false, &ParseCache::default(), 2);
        assert_eq!(fingerprint(&roots, false), site.fingerprint);
    }
}
