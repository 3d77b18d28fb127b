//! Folders with many pages, read by more than one thread.
//!
//! Start-up on a site with one page of 100,000 children is nearly all
//! system calls (listing folders, reading content files), which run fine
//! side by side on a second core. So when a run of page folders is long,
//! its second half goes to another [`Scanner`] on a scoped thread, and the
//! pages it read are adopted afterwards: appended after the first half's,
//! their references renumbered. Pages end up numbered exactly as one
//! thread would have numbered them, since one thread reads the first half
//! before the second too.

use std::sync::Arc;

use super::{Entry, Fingerprint, Scanner};
use crate::store::{Page, PageRef, Site};

/// A run of at least this many page folders is split.
const SPLIT_AT: usize = 256;

/// Threads a full scan may use: the machine's cores, at most four.
///
/// Asked once per process: the standard library reads the cgroup's CPU
/// quota from `/proc` and `/sys` on every call, which was 2.6% of the CPU
/// of a PATCH flood (every write refreshes its folder).
pub fn available_threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .min(4)
    })
}

/// Runs `first` on this thread and `second` on another, side by side.
/// When the system will not start another thread, `second` runs here
/// afterwards: the work is the same, only slower.
pub(super) fn side_by_side<A, B: Send>(
    first: impl FnOnce() -> A,
    mut second: impl FnMut() -> B + Send,
) -> (A, B) {
    let (first_result, from_thread) = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new().spawn_scoped(scope, &mut second);
        let first_result = first();
        let from_thread = match spawned {
            Ok(handle) => match handle.join() {
                Ok(result) => Some(result),
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(error) => {
                tracing::debug!(%error, "cannot start a thread; reading on one");
                None
            }
        };
        (first_result, from_thread)
    });
    // `second` has not run when its thread did not start.
    let second_result = match from_thread {
        Some(result) => result,
        None => second(),
    };
    (first_result, second_result)
}

impl Scanner<'_> {
    /// The pages in `folders` (page folders of one parent, in folder order).
    pub(super) fn pages_in(
        &mut self,
        folders: &[&Entry],
        parent: Option<PageRef>,
        parent_id: &str,
    ) -> Vec<PageRef> {
        if self.threads < 2 || folders.len() < SPLIT_AT {
            return folders
                .iter()
                .filter_map(|entry| self.page(entry, parent, parent_id, false))
                .collect();
        }
        let (first, second) = folders.split_at(folders.len() / 2);
        let all_threads = self.threads;
        let mut helper = Scanner {
            cache: self.cache,
            site: Site::default(),
            print: Fingerprint::default(),
            codes: self.codes.clone(),
            threads: all_threads / 2,
        };
        self.threads = all_threads - helper.threads;
        let (mut refs, helper_refs) = side_by_side(
            || self.pages_in(first, parent, parent_id),
            // The helper's top pages get no parent here; `adopt` sets it.
            || helper.pages_in(second, None, parent_id),
        );
        self.threads = all_threads;
        refs.extend(self.adopt(helper, helper_refs, parent));
        refs
    }

    /// Moves the pages `helper` read into this scanner. Its references
    /// count from 0, so they are shifted past the pages already here; its
    /// top pages become children of `parent`. Returns `refs` shifted.
    fn adopt(
        &mut self,
        helper: Scanner,
        refs: Vec<PageRef>,
        parent: Option<PageRef>,
    ) -> Vec<PageRef> {
        let offset = append_pages(&mut self.site.pages, helper.site.pages, parent);
        for (id, local) in helper.site.by_id.iter() {
            // The first page with an id keeps it, as in a one-thread scan.
            self.claim_id(id.clone(), local + offset);
        }
        self.site.duplicate_ids |= helper.site.duplicate_ids;
        self.site.problems.extend(helper.site.problems);
        self.print.add_part(&helper.print);
        refs.into_iter().map(|r| r + offset).collect()
    }
}

/// Appends pages read by another scanner to `arena`. Their references
/// count from 0, so they are shifted past the pages already there; pages
/// without a parent (the other scanner's top pages) get `parent`. Returns
/// the shift.
pub(super) fn append_pages(
    arena: &mut Vec<Arc<Page>>,
    pages: Vec<Arc<Page>>,
    parent: Option<PageRef>,
) -> usize {
    let offset = arena.len();
    let shifted = |list: &mut Vec<PageRef>| list.iter_mut().for_each(|r| *r += offset);
    for mut page in pages {
        let p = Arc::make_mut(&mut page);
        p.parent = match p.parent {
            Some(local) => Some(local + offset),
            None => parent,
        };
        shifted(&mut p.children);
        shifted(&mut p.drafts);
        shifted(&mut p.child_index.listed);
        shifted(&mut p.child_index.unlisted);
        arena.push(page);
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::super::{ParseCache, Roots, scan_on};
    use super::*;
    use crate::store::test_files::write;

    /// Everything about the pages that references depend on, by id.
    fn shape(site: &Site) -> Vec<String> {
        let id = |r: &PageRef| site.pages[*r].id.clone();
        let mut lines: Vec<String> = site
            .pages
            .iter()
            .enumerate()
            .map(|(at, p)| {
                let children: Vec<String> = p.children.iter().map(id).collect();
                let drafts: Vec<String> = p.drafts.iter().map(id).collect();
                let listed: Vec<String> = p.child_index.listed.iter().map(id).collect();
                format!(
                    "{at} {} parent={:?} children={children:?} drafts={drafts:?} listed={listed:?} by_id={:?}",
                    p.id,
                    p.parent.map(|r| id(&r)),
                    site.page_ref(&p.id),
                )
            })
            .collect();
        lines.push(format!(
            "top={:?}",
            site.children.iter().map(id).collect::<Vec<_>>()
        ));
        lines.push(format!("problems={}", site.problems.len()));
        lines
    }

    #[test]
    fn a_split_scan_numbers_pages_like_one_thread() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("content/1_big");
        write(&big.join("big.txt"), "Title: Big");
        for n in 0..SPLIT_AT * 2 + 3 {
            // Every seventh page is unlisted; a few have children and drafts of their own.
            let folder = if n % 7 == 0 {
                format!("child-{n}")
            } else {
                format!("{n}_child-{n}")
            };
            write(&big.join(&folder).join("note.txt"), &format!("Title: {n}"));
            if n % 100 == 5 {
                write(&big.join(&folder).join("1_sub/note.txt"), "Title: Sub");
                write(
                    &big.join(&folder).join("_drafts/wip/note.txt"),
                    "Title: WIP",
                );
            }
        }
        write(&big.join("_drafts/draft/note.txt"), "Title: Draft");
        // Two folders with one slug: the first keeps the id in either scan.
        write(&big.join("9999_child-1/note.txt"), "Title: Twin");
        write(&dir.path().join("content/about/about.txt"), "Title: About");
        let roots = Roots::for_site(dir.path());

        let one = scan_on(&roots, false, &ParseCache::default(), 1);
        assert!(one.pages.len() > SPLIT_AT * 2, "the big folder was read");
        for threads in [2, 3, 4] {
            let split = scan_on(&roots, false, &ParseCache::default(), threads);
            assert_eq!(shape(&split), shape(&one), "{threads} threads");
        }
    }
}
