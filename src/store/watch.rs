//! Change notices for the site folder, from Linux's inotify.
//!
//! Listing every folder of a big site on each poll cost a tenth of the CPU
//! of the read benchmark and more during writes (issue 4). With inotify the
//! store hears which folders changed, files or subfolders alike, and reads
//! only those again (`scan::refresh`); a lost notice, or a root folder
//! that is itself removed or moved, means a full rescan. The store still
//! runs a slow full check as a safety net, so a notice that never comes can
//! not leave the index stale for good.
//!
//! Where inotify is missing or its watch limit is reached, [`Watcher::new`]
//! gives up and the store polls as before.

use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What changed since the last look.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    /// Folders in which files or folders were written, created, removed
    /// or renamed.
    pub dirs: Vec<PathBuf>,
    /// Something a folder-by-folder update cannot follow happened.
    pub everything: bool,
    /// A root folder was removed or replaced: the watches must be set up
    /// again ([`Watcher::rewatch`]), since they follow the old folders.
    pub rewatch: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty() && !self.everything
    }

    fn dir(&mut self, dir: &Path) {
        if !self.dirs.iter().any(|d| d == dir) {
            self.dirs.push(dir.to_owned());
        }
    }
}

/// An inotify instance with a watch on every folder below the roots.
pub struct Watcher {
    fd: OwnedFd,
    dirs: HashMap<i32, PathBuf>,
    roots: Vec<PathBuf>,
}

const MASK: u32 = libc::IN_CREATE
    | libc::IN_DELETE
    | libc::IN_CLOSE_WRITE
    | libc::IN_MODIFY
    | libc::IN_ATTRIB
    | libc::IN_MOVED_FROM
    | libc::IN_MOVED_TO
    | libc::IN_DELETE_SELF
    | libc::IN_MOVE_SELF
    | libc::IN_ONLYDIR;

/// A new inotify instance; `None` when the system will not give one.
fn inotify() -> Option<OwnedFd> {
    // SAFETY: inotify_init1 takes flags only and returns a new fd or -1.
    let raw = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
    if raw < 0 {
        return None;
    }
    // SAFETY: `raw` is a fresh fd that nothing else owns.
    Some(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// The fixed part of an event: wd, mask, cookie, len.
const HEADER: usize = 16;

/// Names the scan never reads start with a dot: `.logins` (rewritten by
/// every login attempt), content locks, the temp files of
/// `fsio::write_atomic` (the rename that follows is the change), `.git`.
/// Their notices would only cost rescans. The one dot file the snapshot
/// does read is an account's `.htpasswd`: a password changed on disk must
/// void that user's sessions and cached Basic logins at once.
fn is_hidden(name: &[u8]) -> bool {
    name.first() == Some(&b'.') && name != b".htpasswd"
}

impl Watcher {
    /// Watches every folder below `roots` (missing roots are skipped).
    /// `None` when inotify cannot be used or a watch cannot be added.
    pub fn new(roots: &[&Path]) -> Option<Watcher> {
        let mut watcher = Watcher {
            fd: inotify()?,
            dirs: HashMap::new(),
            roots: roots.iter().map(|root| root.to_path_buf()).collect(),
        };
        watcher.watch_roots().then_some(watcher)
    }

    /// Drops every watch and watches the roots afresh, after a root folder
    /// was removed or replaced; false when that fails (poll instead).
    pub fn rewatch(&mut self) -> bool {
        let Some(fd) = inotify() else {
            return false;
        };
        self.fd = fd;
        self.dirs.clear();
        self.watch_roots()
    }

    /// Watches the roots that exist and are not watched yet (one missing at
    /// start-up may have appeared since); false when a watch fails.
    pub fn watch_roots(&mut self) -> bool {
        let missing: Vec<PathBuf> = self
            .roots
            .iter()
            .filter(|root| root.is_dir() && !self.dirs.values().any(|dir| dir == *root))
            .cloned()
            .collect();
        for root in missing {
            if !self.add_tree(&root, None) {
                tracing::warn!("cannot watch the site folder (inotify limit?); polling instead");
                return false;
            }
        }
        true
    }

    /// Adds a watch on `dir` and every folder below it; false when one fails
    /// for another reason than the folder being gone already. Each folder
    /// watched is added to `report`: what happened in it before its watch
    /// existed (a file written into a folder just created) was not noticed.
    fn add_tree(&mut self, dir: &Path, mut report: Option<&mut Changes>) -> bool {
        let mut pending = vec![dir.to_owned()];
        while let Some(dir) = pending.pop() {
            let Ok(name) = CString::new(dir.as_os_str().as_bytes()) else {
                continue;
            };
            // SAFETY: the fd is ours and `name` is a NUL-terminated path.
            let wd = unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), name.as_ptr(), MASK) };
            if wd < 0 {
                let gone = std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT);
                if gone {
                    continue;
                }
                return false;
            }
            // FIXME: folders behind symbolic links are not watched (`file_type` does not
            // follow links), so edits inside a linked page folder, or of a linked file,
            // show up only at the periodic full check, not at once.
            if let Ok(entries) = std::fs::read_dir(&dir) {
                pending.extend(
                    entries
                        .flatten()
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                        .filter(|e| !is_hidden(e.file_name().as_bytes()))
                        .map(|e| e.path()),
                );
            }
            if let Some(changes) = report.as_deref_mut() {
                changes.dir(&dir);
            }
            self.dirs.insert(wd, dir);
        }
        true
    }

    /// Drops the watches of `dir` and every folder below it, once it has
    /// been moved away: they would follow it and report its new contents
    /// under its old path. A move within the site watches it again where
    /// it lands.
    fn forget_tree(&mut self, dir: &Path) {
        let fd = self.fd.as_raw_fd();
        self.dirs.retain(|&wd, path| {
            let below = path.starts_with(dir);
            if below {
                // SAFETY: removes one watch of our own fd; an error (already gone) is harmless.
                unsafe { libc::inotify_rm_watch(fd, wd) };
            }
            !below
        });
    }

    /// Waits up to `timeout` for the first notice, then collects what has
    /// arrived. Empty changes mean the time ran out.
    pub fn wait(&mut self, timeout: Duration) -> Changes {
        let mut changes = Changes::default();
        if self.ready(timeout) {
            self.drain(&mut changes);
        }
        changes
    }

    /// Collects the notices that are already there, without waiting.
    pub fn collect(&mut self, changes: &mut Changes) {
        self.drain(changes);
    }

    fn ready(&self, timeout: Duration) -> bool {
        let mut poll = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd for the duration of the call.
        unsafe { libc::poll(&mut poll, 1, millis) > 0 }
    }

    fn drain(&mut self, changes: &mut Changes) {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: reads at most `buffer.len()` bytes into our buffer.
            let read = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                )
            };
            let Ok(read) = usize::try_from(read) else {
                return; // EAGAIN: nothing more for now
            };
            if read == 0 {
                return;
            }
            self.parse(buffer.get(..read).unwrap_or_default(), changes);
        }
    }

    /// Reads a buffer of `struct inotify_event`s.
    fn parse(&mut self, mut bytes: &[u8], changes: &mut Changes) {
        while bytes.len() >= HEADER {
            let word = |at: usize| {
                bytes
                    .get(at..at + 4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_ne_bytes)
                    .unwrap_or(0)
            };
            let (wd, mask, len) = (word(0) as i32, word(4), word(12) as usize);
            let name = bytes.get(HEADER..HEADER + len).unwrap_or_default();
            let name = name.split(|&b| b == 0).next().unwrap_or_default();
            self.event(wd, mask, name, changes);
            bytes = bytes.get(HEADER + len..).unwrap_or_default();
        }
    }

    fn event(&mut self, wd: i32, mask: u32, name: &[u8], changes: &mut Changes) {
        if mask & libc::IN_Q_OVERFLOW != 0 {
            changes.everything = true;
            return;
        }
        if mask & libc::IN_IGNORED != 0 {
            self.dirs.remove(&wd);
            return;
        }
        let Some(dir) = self.dirs.get(&wd).cloned() else {
            return;
        };
        if is_hidden(name) {
            return;
        }
        if mask & (libc::IN_DELETE_SELF | libc::IN_MOVE_SELF) != 0 {
            // A folder inside a root was removed or moved: its parent is
            // watched too and names it (below). A root itself has no
            // watched parent, and its watches follow the old folder.
            if self.roots.contains(&dir) {
                changes.everything = true;
                changes.rewatch = true;
            }
            return;
        }
        if mask & libc::IN_ISDIR != 0 {
            let path = dir.join(std::ffi::OsStr::from_bytes(name));
            if mask & libc::IN_MOVED_FROM != 0 {
                self.forget_tree(&path);
            }
            if mask & (libc::IN_CREATE | libc::IN_MOVED_TO) != 0
                && !self.add_tree(&path, Some(changes))
            {
                tracing::warn!(path = %path.display(), "cannot watch a new folder");
            }
        }
        changes.dir(&dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle(watcher: &mut Watcher) -> Changes {
        let mut changes = watcher.wait(Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(50));
        watcher.collect(&mut changes);
        changes
    }

    #[test]
    fn reports_the_folder_of_a_changed_file_and_follows_new_folders() {
        let root = tempfile::tempdir().unwrap();
        let page = root.path().join("1_a");
        std::fs::create_dir_all(&page).unwrap();
        std::fs::write(page.join("note.txt"), "Title: A").unwrap();
        let mut watcher = Watcher::new(&[root.path()]).expect("inotify");

        std::fs::write(page.join("note.txt"), "Title: B").unwrap();
        let changes = settle(&mut watcher);
        assert_eq!(changes.dirs, vec![page.clone()]);
        assert!(!changes.everything);

        let added = page.join("1_child");
        std::fs::create_dir(&added).unwrap();
        let changes = settle(&mut watcher);
        assert_eq!(
            changes.dirs,
            vec![added.clone(), page.clone()],
            "the new folder (watched only now) and the folder that holds it"
        );
        assert!(!changes.everything);

        std::fs::write(added.join("note.txt"), "Title: C").unwrap();
        assert_eq!(settle(&mut watcher).dirs, vec![added.clone()]);

        std::fs::write(page.join(".folio-1-1.tmp"), "x").unwrap();
        std::fs::remove_file(page.join(".folio-1-1.tmp")).unwrap();
        std::fs::write(root.path().join(".logins"), "{}").unwrap();
        std::fs::create_dir(root.path().join(".git")).unwrap();
        assert!(watcher.wait(Duration::from_millis(100)).is_empty());

        std::fs::write(page.join(".htpasswd"), "$2y$10$hash").unwrap();
        assert_eq!(
            settle(&mut watcher).dirs,
            vec![page.clone()],
            "a password file counts"
        );

        std::fs::rename(&added, page.join("2_child")).unwrap();
        let changes = settle(&mut watcher);
        assert!(changes.dirs.contains(&page), "a rename names its folder");
        assert!(!changes.everything);
        std::fs::remove_dir_all(page.join("2_child")).unwrap();
        let changes = settle(&mut watcher);
        assert!(changes.dirs.contains(&page), "a removal names its folder");
        assert!(!changes.everything);

        std::fs::rename(root.path(), root.path().with_extension("moved")).unwrap();
        let changes = settle(&mut watcher);
        assert!(changes.everything && changes.rewatch, "a root moved away");
        std::fs::rename(root.path().with_extension("moved"), root.path()).unwrap();
    }

    /// A file written into a folder in the moment before the folder's watch
    /// exists is still followed: the new folder itself is reported.
    #[test]
    fn a_folder_made_with_its_contents_at_once_is_reported_itself() {
        let root = tempfile::tempdir().unwrap();
        let mut watcher = Watcher::new(&[root.path()]).expect("inotify");
        let deep = root.path().join("1_a/1_b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("note.txt"), "Title: B").unwrap();
        let changes = settle(&mut watcher);
        assert!(changes.dirs.contains(&root.path().join("1_a")));
        assert!(changes.dirs.contains(&deep), "{:?}", changes.dirs);
    }

    /// A root replaced by another folder (a deploy by `mv`) is watched again
    /// once the watcher is told to, and a folder moved out of the site says
    /// nothing more.
    #[test]
    fn replaced_roots_are_watched_again_and_moved_out_folders_forgotten() {
        let outside = tempfile::tempdir().unwrap();
        let site = tempfile::tempdir().unwrap();
        let root = site.path().join("content");
        std::fs::create_dir_all(root.join("1_a")).unwrap();
        let mut watcher = Watcher::new(&[root.as_path()]).expect("inotify");

        std::fs::rename(root.join("1_a"), outside.path().join("1_a")).unwrap();
        settle(&mut watcher);
        std::fs::write(outside.path().join("1_a/note.txt"), "Title: gone").unwrap();
        assert!(watcher.wait(Duration::from_millis(100)).is_empty());

        std::fs::create_dir_all(site.path().join("content.new/2_b")).unwrap();
        std::fs::rename(&root, site.path().join("content.old")).unwrap();
        std::fs::rename(site.path().join("content.new"), &root).unwrap();
        let changes = settle(&mut watcher);
        assert!(changes.rewatch);
        assert!(watcher.rewatch());
        std::fs::write(root.join("2_b/note.txt"), "Title: B").unwrap();
        assert_eq!(settle(&mut watcher).dirs, vec![root.join("2_b")]);
        std::fs::write(site.path().join("content.old/x.txt"), "old").unwrap();
        assert!(watcher.wait(Duration::from_millis(100)).is_empty());
    }
}
