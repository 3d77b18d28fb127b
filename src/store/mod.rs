//! The store owns the site folder: it keeps an in-memory snapshot of pages,
//! files and users, and is the only code that writes to the folder.
//!
//! Readers take an `Arc<Site>` and work on that consistent snapshot while a
//! background thread follows changes made by hand: inotify notices name the
//! folders to read again ([`watch`]), and a slow full rescan backs them up,
//! so a lost notice can never leave the index stale for good (without
//! inotify the thread polls with full rescans). Writes made through Folio
//! refresh the snapshot at once, so the next request sees them; page content
//! writes are group-committed ([`commit`]).

pub mod accounts;
pub mod commit;
pub mod content;
pub mod files;
pub mod fsio;
pub mod languages;
pub mod locks;
pub mod media;
pub mod model;
pub mod natural;
pub mod pages;
pub mod scan;
#[cfg(target_os = "linux")]
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};

pub use model::{File, Language, Page, PageRef, Problem, Site, Status, User};
use scan::refresh::{self, Refreshed};
use scan::{ParseCache, Roots};

/// What a write changed on disk, so that only that is read again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    /// Folders under `content/` (a page's folder, a folder inside one, or
    /// `content/` itself), whose own files or page folders changed, or
    /// `site/accounts` and the folders in it.
    Folders(Vec<PathBuf>),
    /// Anything else: the whole site is scanned again.
    Everything,
}

/// A write was planned on a snapshot that is no longer current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale;

pub struct Store {
    root: PathBuf,
    roots: Roots,
    languages: bool,
    cache: ParseCache,
    current: RwLock<Arc<Site>>,
    /// Serialises writes and the publishing of snapshots.
    writer: Mutex<()>,
    /// Counts published snapshots, so a poll can tell a write overtook it.
    generation: AtomicU64,
    /// Content writes waiting for a leader ([`commit`]).
    queue: Mutex<Vec<commit::Job>>,
}

impl Store {
    /// Scans the site once. Broken files are recorded in `Site::problems`.
    pub fn open(root: &Path, languages: bool) -> Arc<Store> {
        let roots = Roots::for_site(root);
        let cache = ParseCache::default();
        languages::recover(&roots);
        let started = std::time::Instant::now();
        let site = scan::scan(&roots, languages, &cache);
        tracing::info!(
            pages = site.pages.len(),
            users = site.users.len(),
            ms = started.elapsed().as_millis() as u64,
            "indexed the site"
        );
        for problem in &site.problems {
            tracing::warn!(path = %problem.path.display(), line = ?problem.line, "skipping file: {}", problem.message);
        }
        Arc::new(Store {
            root: root.to_owned(),
            roots,
            languages,
            cache,
            current: RwLock::new(Arc::new(site)),
            writer: Mutex::new(()),
            generation: AtomicU64::new(0),
            queue: Mutex::new(Vec::new()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn accounts_dir(&self) -> &Path {
        &self.roots.accounts
    }

    pub fn content_dir(&self) -> &Path {
        &self.roots.content
    }

    /// The current snapshot.
    pub fn site(&self) -> Arc<Site> {
        self.current.read().clone()
    }

    /// Rescans the folder and publishes the new snapshot.
    ///
    /// The scan runs without the writer lock, so a slow poll never holds up
    /// a write; a snapshot that a write overtook is dropped, since the write
    /// published a newer one and the next poll sees everything else.
    ///
    /// A quick look at the folder comes first ([`scan::quick`]): when it
    /// finds the current snapshot's fingerprint, the folder is as the
    /// snapshot shows it and no snapshot is built. Every snapshot keeps its
    /// fingerprint exact (a full scan sums what it listed; reading one page
    /// folder again swaps that folder's share), so neither start-up nor a
    /// write leaves a full rebuild for the next check to do.
    pub fn refresh(&self) {
        let look = scan::quick::fingerprint(&self.roots, self.languages);
        if look != 0 && look == self.current.read().fingerprint {
            return;
        }
        self.full_refresh();
    }

    /// [`Store::refresh`] without the quick look.
    fn full_refresh(&self) {
        let before = self.generation.load(Ordering::Acquire);
        let site = scan::scan(&self.roots, self.languages, &self.cache);
        let _guard = self.writer.lock();
        let unchanged = site.fingerprint == self.current.read().fingerprint;
        if self.generation.load(Ordering::Acquire) == before && !unchanged {
            self.publish(site);
        }
    }

    /// Publishes a new snapshot only when the folder changed, so that a
    /// snapshot a request holds stays current until something really changes.
    fn rescan_locked(&self) {
        let site = scan::scan(&self.roots, self.languages, &self.cache);
        if site.fingerprint != self.current.read().fingerprint {
            self.publish(site);
        }
    }

    /// Publishes a snapshot; the caller holds the writer lock.
    fn publish(&self, site: impl Into<Arc<Site>>) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        *self.current.write() = site.into();
    }

    /// Runs `change` with writes serialised, then reads the folders
    /// `touched` names again so the index shows the change; but only if the
    /// folder is still as it was in `seen`, the snapshot the caller based
    /// its change on. A write planned on an older snapshot (a concurrent
    /// request renamed the folder in the meantime) is refused with [`Stale`]
    /// and must be planned again.
    pub fn write_if_current<T>(
        &self,
        seen: &Arc<Site>,
        touched: &Touched,
        change: impl FnOnce(&Site) -> T,
    ) -> Result<T, Stale> {
        let _guard = self.writer.lock();
        if let Touched::Folders(dirs) = touched {
            self.settle_locked(dirs);
        }
        let site = self.current.read().clone();
        if !Arc::ptr_eq(&site, seen) {
            return Err(Stale);
        }
        let result = change(&site);
        self.refresh_or_rescan_locked(touched);
        Ok(result)
    }

    /// Runs `change` with writes serialised, for a change inside the folder
    /// `dir` (a page's, the site's, `site/accounts` or an account's; see
    /// [`Touched`]): the snapshot is updated for that folder alone instead
    /// of rescanning the site, so such a write costs the same on a site of
    /// any size.
    pub fn write_in<T>(&self, dir: &Path, change: impl FnOnce(&Site) -> T) -> T {
        let dirs = [dir.to_owned()];
        self.write_refreshing(&dirs, |site| {
            (change(site), Touched::Folders(dirs.to_vec()))
        })
    }

    /// Runs `change` with writes serialised; `change` also says what it
    /// touched on disk, and only that is read again. The folders `planned`
    /// (those the change will read from and write to) are first made
    /// current ([`Store::settle_locked`]).
    pub fn write_refreshing<T>(
        &self,
        planned: &[PathBuf],
        change: impl FnOnce(&Site) -> (T, Touched),
    ) -> T {
        let _guard = self.writer.lock();
        self.settle_locked(planned);
        let site = self.current.read().clone();
        let (result, touched) = change(&site);
        self.refresh_or_rescan_locked(&touched);
        result
    }

    /// Writes one page content update with group commit ([`commit`]): it
    /// returns once the update is on disk and in the published snapshot,
    /// possibly written together with updates queued alongside it.
    pub fn commit_content(&self, write: commit::ContentWrite) -> commit::Outcome {
        let ticket = Arc::new(commit::Ticket::default());
        self.queue.lock().push(commit::Job {
            write,
            ticket: ticket.clone(),
        });
        let guard = self.writer.lock();
        if let Some(outcome) = ticket.take() {
            return outcome;
        }
        let jobs = {
            let mut queue = self.queue.lock();
            if !queue.iter().any(|job| Arc::ptr_eq(&job.ticket, &ticket)) {
                // A leader took our job and is syncing its folders.
                drop(queue);
                drop(guard);
                return ticket.wait();
            }
            // No leader took our job before we got the lock: we lead the
            // batch of everything queued so far, ours included.
            std::mem::take(&mut *queue)
        };
        let pages: Vec<PathBuf> = {
            let site = self.current.read();
            jobs.iter()
                .filter_map(|job| site.page(&job.write.page_id))
                .map(|page| page.dir.clone())
                .collect()
        };
        self.settle_locked(&pages);
        let site = self.current.read().clone();
        let (outcomes, dirs) = commit::run_batch(&site, &jobs);
        self.refresh_or_rescan_locked(&Touched::Folders(dirs.clone()));
        drop(guard);
        for dir in &dirs {
            fsio::sync_folder(dir);
        }
        commit::acknowledge(jobs, outcomes);
        ticket.take().unwrap_or_else(|| {
            Err(commit::CommitError::Io(
                PathBuf::new(),
                "the write was not carried out".into(),
            ))
        })
    }

    /// Reads again what `touched` names and publishes the result, or
    /// rescans everything when that cannot be done folder by folder; the
    /// caller holds the writer lock.
    fn refresh_or_rescan_locked(&self, touched: &Touched) {
        if !self.refresh_locked(touched) {
            self.rescan_locked();
        }
    }

    /// Reads again those of the folders `dirs` that changed on disk since
    /// the snapshot saw them, so that a write plans on what is there: a
    /// hand edit made a moment ago, whose notice the watcher has not acted
    /// on yet, is merged rather than overwritten. The caller holds the
    /// writer lock. A look that keeps nothing tells a current folder, so
    /// this costs a listing per folder.
    ///
    /// An edit made between this look and the write itself is still lost;
    /// that window is the time of one write, not the watcher's gathering
    /// delay.
    fn settle_locked(&self, dirs: &[PathBuf]) {
        let site = self.current.read().clone();
        // A batch of group commit names one folder per write, most often
        // the same one: each is looked at once. All of `site/accounts` is
        // looked at once for every folder in it.
        let mut looked: Vec<&Path> = Vec::new();
        let mut stale: Vec<PathBuf> = Vec::new();
        for dir in dirs {
            let dir = if dir.starts_with(&self.roots.accounts) {
                self.roots.accounts.as_path()
            } else {
                dir.as_path()
            };
            if looked.contains(&dir) {
                continue;
            }
            looked.push(dir);
            let current = if dir == self.roots.accounts {
                refresh::accounts_are_current(&site, &self.roots.accounts)
            } else {
                refresh::is_current(&site, &self.roots.content, dir)
            };
            if !current {
                stale.push(dir.to_owned());
            }
        }
        if !stale.is_empty() {
            self.refresh_or_rescan_locked(&Touched::Folders(stale));
        }
    }

    /// Reads again the folders `touched` names ([`scan::refresh`]) and
    /// publishes the result if anything changed; the caller holds the
    /// writer lock. False, with nothing published, when that needs a full
    /// scan.
    fn refresh_locked(&self, touched: &Touched) -> bool {
        let site = self.current.read().clone();
        match self.reread(&site, touched) {
            Refreshed::Unchanged => true,
            Refreshed::Updated(next) => {
                self.publish(*next);
                true
            }
            Refreshed::NeedsScan => false,
        }
    }

    /// `site` with the folders `touched` names read again. A full scan is
    /// needed for [`Touched::Everything`], a folder outside `content/` and
    /// `site/accounts`, and what [`scan::refresh`] cannot settle.
    fn reread(&self, site: &Site, touched: &Touched) -> Refreshed {
        let Touched::Folders(dirs) = touched else {
            return Refreshed::NeedsScan;
        };
        let mut next: Option<Box<Site>> = None;
        for dir in dirs {
            let base = next.as_deref().unwrap_or(site);
            let refreshed = if dir.starts_with(&self.roots.accounts) {
                refresh::refresh_accounts(base, &self.roots.accounts, &self.cache)
            } else if dir.starts_with(&self.roots.content) {
                refresh::refresh_folder(base, &self.roots.content, dir, &self.cache)
            } else {
                Refreshed::NeedsScan
            };
            match refreshed {
                Refreshed::Unchanged => {}
                Refreshed::Updated(site) => next = Some(site),
                Refreshed::NeedsScan => return Refreshed::NeedsScan,
            }
        }
        next.map_or(Refreshed::Unchanged, Refreshed::Updated)
    }

    /// Starts the background watcher. It runs until the process ends.
    ///
    /// With inotify ([`watch::Watcher`]) the store hears which folders
    /// changed and reads only those again ([`scan::refresh`]), a burst of
    /// notices gathered for up to `interval` (at most [`GATHER_MAX`]); what
    /// that cannot follow runs a full check (a quick look, then a rescan if
    /// the folder changed). A full check also runs every [`SAFETY_NET_FACTOR`]
    /// intervals, so a lost notice cannot leave the index stale for good.
    /// Without inotify (or past its watch limit) the store polls with full
    /// rescans every `interval`.
    ///
    /// A full rescan lists every folder, which on a large site costs far more
    /// than any request, so it must never compete with requests: the thread
    /// runs at the lowest CPU priority, and it waits at least
    /// [`RESCAN_IDLE_FACTOR`] times as long as the last scan took, which caps
    /// its share of one core however big the site grows.
    pub fn watch(self: &Arc<Store>, interval: Duration) {
        let store = Arc::downgrade(self);
        let roots = self.roots.clone();
        std::thread::Builder::new()
            .name("folio-rescan".into())
            .spawn(move || {
                lower_thread_priority();
                #[cfg(target_os = "linux")]
                {
                    let dirs = [&*roots.content, &*roots.accounts, &*roots.languages];
                    if let Some(watcher) = watch::Watcher::new(&dirs) {
                        return follow_notices(store, watcher, interval);
                    }
                }
                poll(store, interval);
            })
            .ok();
    }

    /// Reads the folders `dirs` again after change notices; what cannot be
    /// followed folder by folder is a full refresh.
    ///
    /// Most notices are echoes of Folio's own writes, which have read the
    /// folders already: a look that keeps nothing tells so without the
    /// writer lock. Otherwise the folders are read under the lock, after
    /// any write in progress (whose echo this may be) has published.
    fn refresh_folders(&self, dirs: &[PathBuf]) {
        let echoes = || {
            let site = self.site();
            dirs.iter()
                .all(|dir| refresh::is_current(&site, &self.roots.content, dir))
        };
        if echoes() {
            return;
        }
        let guard = self.writer.lock();
        // The write this may echo has published by now.
        if echoes() {
            return;
        }
        if !self.refresh_locked(&Touched::Folders(dirs.to_vec())) {
            drop(guard);
            self.refresh();
        }
    }
}

/// How many times its own duration the poller rests between two rescans.
const RESCAN_IDLE_FACTOR: u32 = 4;

/// With notices, a full check runs every this many intervals.
const SAFETY_NET_FACTOR: u32 = 60;

/// The longest a burst of notices is gathered before it is acted on.
const GATHER_MAX: Duration = Duration::from_millis(50);

/// The watcher loop: targeted refreshes on notices, a slow full check.
#[cfg(target_os = "linux")]
fn follow_notices(weak: std::sync::Weak<Store>, mut watcher: watch::Watcher, interval: Duration) {
    // Changes between the start-up scan and the watches were not noticed.
    let Some(first) = weak.upgrade() else { return };
    first.refresh();
    drop(first);
    let safety_net = interval * SAFETY_NET_FACTOR;
    let mut next_full = Instant::now() + safety_net;
    loop {
        // Wake at least once a second to notice that the store is gone.
        let wait = next_full
            .saturating_duration_since(Instant::now())
            .min(Duration::from_secs(1));
        let mut changes = watcher.wait(wait);
        let Some(store) = weak.upgrade() else { return };
        if !changes.is_empty() {
            std::thread::sleep(interval.min(GATHER_MAX));
            watcher.collect(&mut changes);
        }
        if changes.rewatch && !watcher.rewatch() {
            drop(store);
            return poll(weak, interval);
        }
        if changes.everything || Instant::now() >= next_full {
            // A root that was missing may be there by now.
            if !watcher.watch_roots() {
                drop(store);
                return poll(weak, interval);
            }
            let started = Instant::now();
            store.refresh();
            next_full = Instant::now() + safety_net.max(started.elapsed() * RESCAN_IDLE_FACTOR);
        } else if !changes.dirs.is_empty() {
            store.refresh_folders(&changes.dirs);
        }
    }
}

/// The polling loop, where inotify cannot be used.
fn poll(store: std::sync::Weak<Store>, interval: Duration) {
    let mut wait = interval;
    loop {
        std::thread::sleep(wait);
        let Some(store) = store.upgrade() else { return };
        let started = Instant::now();
        store.refresh();
        wait = interval.max(started.elapsed() * RESCAN_IDLE_FACTOR);
    }
}

/// Gives the calling thread the lowest scheduling priority. On Linux, nice
/// values belong to threads, so this leaves request threads untouched.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: `setpriority` with PRIO_PROCESS and `who = 0` only changes the
    // calling thread's nice value; it reads no memory of ours.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// Helpers for the store's tests.
#[cfg(test)]
pub(crate) mod test_files {
    use std::path::Path;

    /// Writes `text` to `path`, making the folders it needs.
    pub fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_files::write;

    #[test]
    fn a_page_files_write_updates_that_page_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        write(&c.join("1_notes/default.txt"), "Title: Notes");
        write(&c.join("1_notes/1_a/default.txt"), "Title: A");
        write(&c.join("about/default.txt"), "Title: About");
        let store = Store::open(dir.path(), false);
        let before = store.site();
        let notes = c.join("1_notes");
        store.write_in(&notes, |_| {
            fsio::write_atomic(&notes.join("default.txt"), b"Title: Changed").unwrap();
        });
        let after = store.site();
        assert_eq!(
            after.page("notes").unwrap().content[""].get("title"),
            Some("Changed")
        );
        assert_eq!(
            after.page("notes/a").unwrap().content[""].get("title"),
            Some("A")
        );
        let about = before.page_ref("about").unwrap();
        assert!(
            Arc::ptr_eq(&before.pages[about], &after.pages[about]),
            "others are shared"
        );
    }

    /// After a write that read one folder again, the snapshot's
    /// fingerprint is what a full scan would find, so the next check sees
    /// an unchanged folder and builds no second snapshot.
    #[test]
    fn a_page_files_write_keeps_the_fingerprint_exact() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        write(&c.join("1_notes/default.txt"), "Title: Notes");
        write(&c.join("1_notes/1_a/default.txt"), "Title: A");
        write(&c.join("about/default.txt"), "Title: About");
        let store = Store::open(dir.path(), false);
        let notes = c.join("1_notes");
        store.write_in(&notes, |_| {
            fsio::write_atomic(&notes.join("default.txt"), b"Title: Changed").unwrap();
            fsio::write_atomic(&notes.join("photo.jpg"), b"jpeg").unwrap();
        });
        let written = store.site();
        let roots = Roots::for_site(dir.path());
        let fresh = scan::scan(&roots, false, &ParseCache::default());
        assert_eq!(written.fingerprint, fresh.fingerprint);
        assert_eq!(scan::quick::fingerprint(&roots, false), written.fingerprint);
        store.refresh();
        assert!(
            Arc::ptr_eq(&written, &store.site()),
            "the check found nothing to rebuild"
        );

        write(&c.join("about/default.txt"), "Title: By hand");
        store.refresh();
        assert_eq!(
            store.site().page("about").unwrap().content[""].get("title"),
            Some("By hand"),
            "a change the snapshot does not show is still found"
        );
    }

    #[test]
    fn a_page_files_write_that_adds_a_folder_rescans_everything() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        write(&c.join("1_notes/default.txt"), "Title: Notes");
        let store = Store::open(dir.path(), false);
        let notes = c.join("1_notes");
        store.write_in(&notes, |_| {
            write(&notes.join("1_new/default.txt"), "Title: New")
        });
        assert!(store.site().page("notes/new").is_some());
    }
}
