//! The store owns the site folder: it keeps an in-memory snapshot of pages,
//! files and users, and is the only code that writes to the folder.
//!
//! Readers take an `Arc<Site>` and work on that consistent snapshot while a
//! background thread rescans the folder. Rescanning by polling, rather than
//! trusting file-system events, means a lost event can never leave the index
//! stale: a hand edit is visible within one poll interval. Writes made
//! through Folio rescan at once, so the next request sees them.

pub mod accounts;
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

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

pub use model::{File, Language, Page, PageRef, Problem, Site, Status, User};
use scan::{ParseCache, Roots};

/// A write was planned on a snapshot that is no longer current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale;

pub struct Store {
    root: PathBuf,
    roots: Roots,
    languages: bool,
    cache: ParseCache,
    current: RwLock<Arc<Site>>,
    /// Serialises rescans and writes, so a write never races a rescan.
    writer: Mutex<()>,
}

impl Store {
    /// Scans the site once. Broken files are recorded in `Site::problems`.
    pub fn open(root: &Path, languages: bool) -> Arc<Store> {
        let roots = Roots::for_site(root);
        let cache = ParseCache::default();
        languages::recover(&roots);
        let site = scan::scan(&roots, languages, &cache);
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
    pub fn refresh(&self) {
        let _guard = self.writer.lock();
        self.rescan_locked();
    }

    /// Publishes a new snapshot only when the folder changed, so that a
    /// snapshot a request holds stays current until something really changes.
    fn rescan_locked(&self) {
        let site = scan::scan(&self.roots, self.languages, &self.cache);
        if site.fingerprint != self.current.read().fingerprint {
            *self.current.write() = Arc::new(site);
        }
    }

    /// Runs `change` with writes serialised, then rescans so the index shows it.
    pub fn write<T>(&self, change: impl FnOnce(&Site) -> T) -> T {
        let _guard = self.writer.lock();
        let site = self.current.read().clone();
        let result = change(&site);
        self.rescan_locked();
        result
    }

    /// Like [`Store::write`], but only if the folder is still as it was in
    /// `seen`, the snapshot the caller based its change on. A write planned
    /// on an older snapshot (a concurrent request renamed the folder in the
    /// meantime) is refused with [`Stale`] and must be planned again.
    pub fn write_if_current<T>(
        &self,
        seen: &Arc<Site>,
        change: impl FnOnce(&Site) -> T,
    ) -> Result<T, Stale> {
        let _guard = self.writer.lock();
        let site = self.current.read().clone();
        if !Arc::ptr_eq(&site, seen) {
            return Err(Stale);
        }
        let result = change(&site);
        self.rescan_locked();
        Ok(result)
    }

    /// Starts the background rescan. It runs until the process ends.
    // FIXME: every poll lists every folder of the site; that is cheap for
    // ordinary sites but grows with very large ones (issue 4 covers it).
    pub fn watch(self: &Arc<Store>, interval: Duration) {
        let store = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("folio-rescan".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(interval);
                    let Some(store) = store.upgrade() else { return };
                    store.refresh();
                }
            })
            .ok();
    }
}
