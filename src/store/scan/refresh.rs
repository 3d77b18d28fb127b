//! Reading one folder of a snapshot again, instead of the whole site.
//!
//! Writes know which folders they touched, and change notices name the
//! folder a change happened in. On a site of 100,000 pages a full scan
//! takes more than a second and, while it builds its snapshot beside the
//! current one, half as much memory again (issue 4), so a folder is read
//! on its own whenever that gives what a full scan would give:
//!
//! - the folder's own files: its content, files and modification time;
//! - the pages it holds: child and draft folders that are still there keep
//!   their pages as they are (a folder's name carries the page's number
//!   and status, so the same folder is the same page); new folders are read
//!   as whole subtrees and appended to the arena; the pages of folders that
//!   are gone stay in the arena as tombstones that nothing refers to, so
//!   every other page keeps its reference;
//! - the fingerprint: the folder's old shares leave the sum and the new
//!   ones join it, so the next quick look still finds the snapshot current.
//!
//! What only a full scan can settle is answered with
//! [`Refreshed::NeedsScan`]: a folder outside `content/`, a site with two
//! pages of one id, a change that would give two pages one id, or an arena
//! that is more than half tombstones (the full scan compacts it).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, LazyLock};

use super::quick;
use super::split::{append_pages, available_threads};
use super::{
    Entry, Fingerprint, Folder, ParseCache, Scanner, each_entry, page_parts, read_entries,
    sort_entries, split_num,
};
use crate::store::model::{ChildIndex, Page, PageRef, Site, Status, Translated};

/// What reading a folder again gave.
pub enum Refreshed {
    /// The folder is as the snapshot shows it.
    Unchanged,
    /// The snapshot with the folder read again.
    Updated(Box<Site>),
    /// Something only a full scan can settle.
    NeedsScan,
}

/// The snapshot with the folder `dir` read again: its own files and the
/// pages it holds. `dir` is a page folder, or any folder inside one (a
/// `_drafts` folder, a new folder not yet in the snapshot), or `content/`
/// itself: the nearest page folder that holds it is read, or the site's.
pub fn refresh_folder(site: &Site, content: &Path, dir: &Path, cache: &ParseCache) -> Refreshed {
    let Some(owner) = owner_of(site, content, dir) else {
        return Refreshed::NeedsScan;
    };
    let old = Old::of(site, owner, content);
    let mut listing = Fingerprint::default();
    let mut entries = read_entries(old.dir, &mut listing);
    let mut drafts_listing = Fingerprint::default();
    let mut draft_entries = entries
        .iter()
        .find(|e| e.is_dir && Folder::Pages.subfolder(&e.name) == Some(Folder::Drafts))
        .map(|e| read_entries(&e.path, &mut drafts_listing))
        .unwrap_or_default();
    let (listing, drafts_print) = (listing.finish(), drafts_listing.finish());
    if listing == old.listing_print && drafts_print == old.drafts_print {
        return Refreshed::Unchanged;
    }
    sort_entries(&mut entries);
    sort_entries(&mut draft_entries);

    let mut scanner = Scanner {
        cache,
        site: Site::default(),
        print: Fingerprint::default(),
        codes: site.languages.iter().map(|l| l.code.clone()).collect(),
        threads: available_threads(),
    };
    let (contents, files) = scanner.contents_and_files(&entries, None);

    // The pages the folder holds now: those of folders already known are
    // kept, new folders are read (into the scanner, numbered from 0).
    // Known pages by folder name, children and drafts apart: the folder
    // they are in is known, and names hash far faster than whole paths.
    let by_name = |refs: &'_ [PageRef]| -> HashMap<&str, PageRef> {
        refs.iter()
            .filter_map(|&r| Some((site.pages[r].dir.file_name()?.to_str()?, r)))
            .collect()
    };
    let (known_children, known_drafts) = (by_name(old.children), by_name(old.drafts));
    let parent_id = match owner {
        Owner::Site => "",
        Owner::Page(at) => site.pages[at].id.as_str(),
    };
    let read = |entry: &Entry, draft: bool, scanner: &mut Scanner| {
        let known = if draft {
            &known_drafts
        } else {
            &known_children
        };
        match known.get(entry.name.as_str()) {
            Some(&kept) if site.pages[kept].inode == entry.stamp.1 => Some(Slot::Kept(kept)),
            _ => scanner.page(entry, None, parent_id, draft).map(Slot::New),
        }
    };
    let children: Vec<Slot> = entries
        .iter()
        .filter(|e| e.is_dir && Folder::Pages.subfolder(&e.name) == Some(Folder::Pages))
        .filter_map(|e| read(e, false, &mut scanner))
        .collect();
    let drafts: Vec<Slot> = draft_entries
        .iter()
        .filter(|e| e.is_dir && Folder::Drafts.subfolder(&e.name) == Some(Folder::Pages))
        .filter_map(|e| read(e, true, &mut scanner))
        .collect();
    let kept: HashSet<PageRef> = children
        .iter()
        .chain(&drafts)
        .filter_map(|slot| match slot {
            Slot::Kept(r) => Some(*r),
            Slot::New(_) => None,
        })
        .collect();
    let gone: Vec<PageRef> = old
        .children
        .iter()
        .chain(old.drafts)
        .filter(|r| !kept.contains(r))
        .copied()
        .collect();
    let reshaped = !gone.is_empty() || !scanner.site.pages.is_empty();
    if reshaped && (site.duplicate_ids || scanner.site.duplicate_ids) {
        return Refreshed::NeedsScan;
    }

    let mut next = site.clone();
    let mut print = site
        .fingerprint
        .wrapping_sub(old.listing_print)
        .wrapping_sub(old.drafts_print)
        .wrapping_add(listing)
        .wrapping_add(drafts_print);
    // The folder's own files are read again: their old problems go.
    next.problems
        .retain(|problem| problem.path.parent() != Some(old.dir));
    if reshaped {
        let gone_pages = subtrees(site, &gone);
        let by_id = Arc::make_mut(&mut next.by_id);
        for &r in &gone_pages {
            let page = &site.pages[r];
            print = print
                .wrapping_sub(page.listing_print)
                .wrapping_sub(page.drafts_print);
            if by_id.get(&page.id) == Some(&r) {
                by_id.remove(&page.id);
            }
            next.pages[r] = TOMBSTONE.clone();
        }
        next.tombstones += gone_pages.len();
        let gone_dirs: Vec<&Path> = gone.iter().map(|&r| site.pages[r].dir.as_path()).collect();
        next.problems
            .retain(|problem| !gone_dirs.iter().any(|dir| problem.path.starts_with(dir)));
        if !gone_dirs.is_empty() {
            cache.forget_below(&gone_dirs);
        }
        // The pages just read are appended below, after the arena's end.
        let offset = next.pages.len();
        for (id, local) in scanner.site.by_id.iter() {
            if by_id.contains_key(id) {
                // Another page has this id already: which one keeps it
                // depends on the order a full scan reads them in.
                return Refreshed::NeedsScan;
            }
            by_id.insert(id.clone(), local + offset);
        }
        if next.tombstones > next.pages.len() / 2 {
            return Refreshed::NeedsScan;
        }
    }
    print = print.wrapping_add(scanner.print.finish());
    next.problems.append(&mut scanner.site.problems);
    let owner_ref = match owner {
        Owner::Site => None,
        Owner::Page(at) => Some(at),
    };
    let offset = append_pages(&mut next.pages, scanner.site.pages, owner_ref);
    let resolve = |slots: Vec<Slot>| -> Vec<PageRef> {
        slots
            .into_iter()
            .map(|slot| match slot {
                Slot::Kept(r) => r,
                Slot::New(local) => local + offset,
            })
            .collect()
    };
    let (children, drafts) = (resolve(children), resolve(drafts));
    let child_index = ChildIndex::build(&next.pages, &children, &drafts);
    match owner {
        Owner::Site => {
            next.content = contents
                .into_iter()
                .filter(|(template, _)| template == "site")
                .map(|(_, content)| content)
                .next()
                .unwrap_or_default();
            next.files = files;
            next.children = children;
            next.drafts = drafts;
            next.child_index = child_index;
            next.listing_print = listing;
            next.drafts_print = drafts_print;
        }
        Owner::Page(at) => {
            let page = &site.pages[at];
            let (template, content, modified) = page_parts(&page.dir, &entries, contents);
            let template_changed = template != page.template;
            next.pages[at] = Arc::new(Page {
                id: page.id.clone(),
                slug: page.slug.clone(),
                num: page.num,
                status: page.status,
                template,
                dir: page.dir.clone(),
                parent: page.parent,
                children,
                drafts,
                child_index,
                files,
                content,
                modified,
                listing_print: listing,
                drafts_print,
                inode: page.inode,
            });
            if template_changed {
                reindex_parent_of(&mut next, at);
            }
        }
    }
    next.fingerprint = if site.fingerprint == 0 { 0 } else { print };
    Refreshed::Updated(Box::new(next))
}

/// Whether the folder `dir` (as for [`refresh_folder`]) is as `site` shows
/// it, by a look that keeps nothing: most folders asked about are echoes of
/// a write that has read them already, and on a page with 100,000 children
/// [`refresh_folder`] would hold tens of megabytes of entries to find that
/// out.
pub fn is_current(site: &Site, content: &Path, dir: &Path) -> bool {
    owner_of(site, content, dir).is_some_and(|owner| Old::of(site, owner, content).is_current())
}

/// Whether `site/accounts` and its account folders are as `site` shows
/// them, by a look that keeps nothing.
pub fn accounts_are_current(site: &Site, accounts: &Path) -> bool {
    let mut print = quick::listing(accounts);
    each_entry(accounts, |entry, name, facts| {
        if facts.is_dir && Folder::Accounts.subfolder(&name).is_some() {
            print = print.wrapping_add(quick::listing(&entry.path()));
        }
    });
    print == site.accounts_print
}

/// The snapshot with the accounts in `accounts` read again.
pub fn refresh_accounts(site: &Site, accounts: &Path, cache: &ParseCache) -> Refreshed {
    let mut scanner = Scanner {
        cache,
        site: Site::default(),
        print: Fingerprint::default(),
        codes: site.languages.iter().map(|l| l.code.clone()).collect(),
        threads: 1,
    };
    let users = scanner.users(accounts);
    let accounts_print = scanner.print.finish();
    if accounts_print == site.accounts_print {
        return Refreshed::Unchanged;
    }
    let mut next = site.clone();
    next.users = users;
    next.problems
        .retain(|problem| !problem.path.starts_with(accounts));
    next.problems.append(&mut scanner.site.problems);
    if site.fingerprint != 0 {
        next.fingerprint = site
            .fingerprint
            .wrapping_sub(site.accounts_print)
            .wrapping_add(accounts_print);
    }
    next.accounts_print = accounts_print;
    Refreshed::Updated(Box::new(next))
}

/// The folder whose pages are read again: the site's or a page's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Site,
    Page(PageRef),
}

/// The nearest folder at or above `dir` that is the site's or a known
/// page's and is still there; `None` outside `content/`.
fn owner_of(site: &Site, content: &Path, dir: &Path) -> Option<Owner> {
    let mut at = dir;
    loop {
        if at == content {
            return Some(Owner::Site);
        }
        if !at.starts_with(content) {
            return None;
        }
        if at.is_dir()
            && let Some(page) = page_in(site, content, at)
        {
            return Some(Owner::Page(page));
        }
        at = at.parent()?;
    }
}

/// The page whose folder is `dir`, found through the id its path spells
/// (slugs without their numbers, `_drafts` skipped) rather than by walking
/// the arena: on a site of 100,000 pages a walk costs milliseconds, and
/// every write and change notice asks. Only when two folders give one id
/// (the index holds one of them) is the arena walked.
fn page_in(site: &Site, content: &Path, dir: &Path) -> Option<PageRef> {
    let by_id = id_of_folder(content, dir)
        .and_then(|id| site.page_ref(&id))
        .filter(|&r| site.pages[r].dir == dir);
    if by_id.is_some() || !site.duplicate_ids {
        return by_id;
    }
    site.pages.iter().position(|p| p.dir == dir)
}

/// The page id the folder `dir` below `content` would have, as the scan
/// names pages (see `Scanner::page`).
fn id_of_folder(content: &Path, dir: &Path) -> Option<String> {
    let mut slugs: Vec<String> = Vec::new();
    let mut in_drafts = false;
    for part in dir.strip_prefix(content).ok()?.iter() {
        let name = part.to_str()?;
        if name == "_drafts" && !in_drafts {
            in_drafts = true;
            continue;
        }
        slugs.push(if in_drafts {
            name.to_owned()
        } else {
            split_num(name).1
        });
        in_drafts = false;
    }
    (!slugs.is_empty()).then(|| slugs.join("/"))
}

/// What the snapshot holds for the folder being read again.
struct Old<'a> {
    dir: &'a Path,
    listing_print: u64,
    drafts_print: u64,
    children: &'a [PageRef],
    drafts: &'a [PageRef],
}

impl<'a> Old<'a> {
    /// Whether the folder's and its `_drafts` folder's entries are as the
    /// snapshot saw them.
    fn is_current(&self) -> bool {
        quick::listing(self.dir) == self.listing_print
            && quick::listing(&self.dir.join("_drafts")) == self.drafts_print
    }

    fn of(site: &'a Site, owner: Owner, content: &'a Path) -> Old<'a> {
        match owner {
            Owner::Site => Old {
                dir: content,
                listing_print: site.listing_print,
                drafts_print: site.drafts_print,
                children: &site.children,
                drafts: &site.drafts,
            },
            Owner::Page(at) => {
                let page = &site.pages[at];
                Old {
                    dir: &page.dir,
                    listing_print: page.listing_print,
                    drafts_print: page.drafts_print,
                    children: &page.children,
                    drafts: &page.drafts,
                }
            }
        }
    }
}

/// A page the folder holds: one the snapshot had, or one just read.
enum Slot {
    Kept(PageRef),
    /// A reference into the scanner that read it.
    New(PageRef),
}

/// `tops` and every page below them.
fn subtrees(site: &Site, tops: &[PageRef]) -> Vec<PageRef> {
    let mut all = Vec::new();
    let mut pending = tops.to_vec();
    while let Some(r) = pending.pop() {
        all.push(r);
        let page = &site.pages[r];
        pending.extend(&page.children);
        pending.extend(&page.drafts);
    }
    all
}

/// Builds the child index of the page's parent (or the site's) again, after
/// the page's template changed.
fn reindex_parent_of(site: &mut Site, page: PageRef) {
    match site.pages[page].parent {
        None => site.child_index = ChildIndex::build(&site.pages, &site.children, &site.drafts),
        Some(parent) => {
            let old = &site.pages[parent];
            let child_index = ChildIndex::build(&site.pages, &old.children, &old.drafts);
            site.pages[parent] = Arc::new(Page {
                child_index,
                ..Page::clone(old)
            });
        }
    }
}

/// What the arena slot of a page whose folder is gone holds: a page with no
/// id, folder, content or files, which no lookup can find.
static TOMBSTONE: LazyLock<Arc<Page>> = LazyLock::new(|| {
    Arc::new(Page {
        id: String::new(),
        slug: String::new(),
        num: None,
        status: Status::Draft,
        template: String::new(),
        dir: Default::default(),
        parent: None,
        children: Vec::new(),
        drafts: Vec::new(),
        child_index: ChildIndex::default(),
        files: Vec::new(),
        content: Translated::new(),
        modified: 0,
        listing_print: 0,
        drafts_print: 0,
        inode: 0,
    })
});

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::super::{Roots, scan};
    use super::*;
    use crate::store::test_files::write;

    /// Everything a snapshot says about the site, by id rather than by
    /// arena slot, walked from the top so that tombstones are not seen.
    fn shape(site: &Site) -> Vec<String> {
        let ids = |refs: &[PageRef]| -> Vec<String> {
            refs.iter().map(|&r| site.pages[r].id.clone()).collect()
        };
        let fields = |content: &Translated| -> Vec<String> {
            content
                .iter()
                .flat_map(|(code, fields)| {
                    fields.iter().map(move |(k, v)| format!("{code}:{k}={v}"))
                })
                .collect()
        };
        let mut lines = vec![format!(
            "site children={:?} drafts={:?} listed={:?} unlisted={:?} templates={:?} content={:?} files={:?}",
            ids(&site.children),
            ids(&site.drafts),
            ids(&site.child_index.listed),
            ids(&site.child_index.unlisted),
            site.child_index.templates,
            fields(&site.content),
            site.files.iter().map(|f| &f.filename).collect::<Vec<_>>(),
        )];
        let live = site.index(true);
        for &r in &live {
            let p = &site.pages[r];
            lines.push(format!(
                "{} slug={} num={:?} status={:?} template={} dir={} parent={:?} children={:?} drafts={:?} \
                 listed={:?} unlisted={:?} templates={:?} content={:?} files={:?} modified={} found={:?}",
                p.id,
                p.slug,
                p.num,
                p.status,
                p.template,
                p.dir.display(),
                p.parent.map(|parent| site.pages[parent].id.clone()),
                ids(&p.children),
                ids(&p.drafts),
                ids(&p.child_index.listed),
                ids(&p.child_index.unlisted),
                p.child_index.templates,
                fields(&p.content),
                p.files.iter().map(|f| &f.filename).collect::<Vec<_>>(),
                p.modified,
                site.page(&p.id).map(|found| found.dir.display().to_string()),
            ));
        }
        lines.push(format!("ids={}", site.by_id.len()));
        // Slots nothing refers to must be tombstones: a lookup over the
        // arena (by folder, by UUID) must not find a page that is gone.
        let reachable: HashSet<PageRef> = live.iter().copied().collect();
        let stale = (0..site.pages.len())
            .filter(|r| !reachable.contains(r))
            .filter(|&r| !site.pages[r].dir.as_os_str().is_empty())
            .count();
        lines.push(format!("unreachable pages with a folder={stale}"));
        let mut problems: Vec<String> = site
            .problems
            .iter()
            .map(|p| p.path.display().to_string())
            .collect();
        problems.sort();
        lines.push(format!("problems={problems:?}"));
        lines.push(format!("fingerprint={}", site.fingerprint));
        lines
    }

    /// A small site: a few levels of pages, drafts, files.
    fn site(root: &Path) {
        let c = root.join("content");
        write(&c.join("site.txt"), "Title: Site");
        write(&c.join("1_blog/blog.txt"), "Title: Blog");
        write(&c.join("1_blog/1_a/note.txt"), "Title: A");
        write(&c.join("1_blog/2_b/note.txt"), "Title: B");
        write(&c.join("1_blog/2_b/photo.jpg"), "jpeg");
        write(&c.join("1_blog/_drafts/wip/note.txt"), "Title: WIP");
        write(&c.join("about/about.txt"), "Title: About");
        write(&c.join("2_big/big.txt"), "Title: Big");
        for n in 1..=5 {
            write(&c.join(format!("2_big/{n}_c{n}/note.txt")), "Title: C");
        }
        write(
            &root.join("site/accounts/abc/index.php"),
            "<?php return ['email' => 'a@example.com'];",
        );
    }

    /// The small site in a temporary folder (kept while the first value
    /// lives), scanned.
    fn scanned_site() -> (tempfile::TempDir, Roots, ParseCache, Site) {
        let dir = tempfile::tempdir().unwrap();
        site(dir.path());
        let roots = Roots::for_site(dir.path());
        let cache = ParseCache::default();
        let scanned = scan(&roots, false, &cache);
        (dir, roots, cache, scanned)
    }

    /// Every page is found from its folder, drafts and nested pages too,
    /// and with two folders of one id each folder gives its own page.
    #[test]
    fn pages_are_found_from_their_folders() {
        let (dir, roots, _cache, site) = scanned_site();
        for (at, page) in site.pages.iter().enumerate() {
            assert_eq!(
                page_in(&site, &roots.content, &page.dir),
                Some(at),
                "{}",
                page.id
            );
        }
        assert_eq!(
            page_in(&site, &roots.content, &roots.content.join("2_gone")),
            None
        );
        write(&dir.path().join("content/big/big.txt"), "Title: Twin");
        let twins = scan(&roots, false, &ParseCache::default());
        assert!(twins.duplicate_ids);
        for name in ["2_big", "big"] {
            let folder = roots.content.join(name);
            let found = page_in(&twins, &roots.content, &folder).expect(name);
            assert_eq!(twins.pages[found].dir, folder);
        }
    }

    /// Copies `from` to `to`, adding every folder it makes to `made`.
    fn copy_tree(from: &Path, to: &Path, made: &mut Vec<PathBuf>) {
        std::fs::create_dir_all(to).unwrap();
        made.push(to.to_owned());
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_tree(&entry.path(), &target, made);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }

    /// The folders of every page the snapshot shows.
    fn page_dirs(site: &Site) -> Vec<PathBuf> {
        site.index(true)
            .into_iter()
            .map(|r| site.pages[r].dir.clone())
            .collect()
    }

    /// One random change on disk; returns what it did and the folder a
    /// write doing it would name. A change only the watcher could follow
    /// (a folder replaced by a copy under the same name, whose inode may be
    /// the old one's) adds to `noticed` the new folders whose watches the
    /// watcher would set up and report.
    fn change(
        rng: &mut StdRng,
        content: &Path,
        site: &Site,
        step: usize,
        noticed: &mut Vec<PathBuf>,
    ) -> (String, PathBuf) {
        let dirs = page_dirs(site);
        let pick = |rng: &mut StdRng| -> PathBuf {
            if dirs.is_empty() || rng.gen_bool(0.2) {
                content.to_owned()
            } else {
                dirs[rng.gen_range(0..dirs.len())].clone()
            }
        };
        let holder = |dir: &Path| -> PathBuf {
            // The folder a page's siblings live in.
            let parent = dir.parent().unwrap();
            if parent.file_name().is_some_and(|n| n == "_drafts") {
                parent.parent().unwrap().to_owned()
            } else {
                parent.to_owned()
            }
        };
        let templates = ["note", "album", "default"];
        match rng.gen_range(0..11) {
            0 | 1 => {
                let parent = pick(rng);
                let name = match rng.gen_range(0..3) {
                    0 => format!("{}_p{step}", rng.gen_range(1..20)),
                    1 => format!("p{step}"),
                    _ => format!("_drafts/d{step}"),
                };
                let template = templates[rng.gen_range(0..3)];
                write(
                    &parent.join(&name).join(format!("{template}.txt")),
                    &format!("Title: {step}"),
                );
                if rng.gen_bool(0.3) {
                    write(&parent.join(&name).join("1_deep/note.txt"), "Title: deep");
                }
                (format!("create {}", parent.join(&name).display()), parent)
            }
            2 if !dirs.is_empty() => {
                let dir = dirs[rng.gen_range(0..dirs.len())].clone();
                std::fs::remove_dir_all(&dir).unwrap();
                (format!("delete {}", dir.display()), holder(&dir))
            }
            3 if !dirs.is_empty() => {
                let dir = dirs[rng.gen_range(0..dirs.len())].clone();
                let slug = dir
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .rsplit('_')
                    .next()
                    .unwrap()
                    .to_owned();
                let holder = holder(&dir);
                let to = match rng.gen_range(0..3) {
                    0 => holder.join(format!("{}_{slug}", rng.gen_range(1..30))),
                    1 => holder.join(format!("{slug}-{step}")),
                    _ => holder.join("_drafts").join(&slug),
                };
                if to.exists() || to.starts_with(&dir) {
                    return ("nothing".into(), holder);
                }
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::rename(&dir, &to).unwrap();
                (
                    format!("move {} to {}", dir.display(), to.display()),
                    holder,
                )
            }
            4 => {
                let dir = pick(rng);
                let file = std::fs::read_dir(&dir)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .find(|p| p.extension().is_some_and(|e| e == "txt"));
                let file = file.unwrap_or_else(|| dir.join("default.txt"));
                write(
                    &file,
                    &format!("Title: edited {step}\n\n----\n\nText: {}", "x".repeat(step)),
                );
                (format!("edit {}", file.display()), dir)
            }
            5 if !dirs.is_empty() => {
                let dir = dirs[rng.gen_range(0..dirs.len())].clone();
                let file = std::fs::read_dir(&dir)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .find(|p| p.extension().is_some_and(|e| e == "txt"));
                let Some(file) = file else {
                    return ("nothing".into(), dir);
                };
                let to = dir.join(format!("{}.txt", templates[rng.gen_range(0..3)]));
                std::fs::rename(&file, &to).unwrap();
                (
                    format!("template {} to {}", file.display(), to.display()),
                    dir,
                )
            }
            6 => {
                let dir = pick(rng);
                let photo = dir.join(format!("photo-{step}.jpg"));
                write(&photo, "jpeg");
                if rng.gen_bool(0.5) {
                    write(&dir.join(format!("photo-{step}.jpg.txt")), "Alt: a photo");
                }
                (format!("file {}", photo.display()), dir)
            }
            7 => {
                let dir = pick(rng);
                let name = if rng.gen_bool(0.5) {
                    "_private/x.txt"
                } else {
                    ".lock"
                };
                write(&dir.join(name), "ignored");
                (format!("ignored {}", dir.join(name).display()), dir)
            }
            9 | 10 if !dirs.is_empty() => {
                // A folder replaced by another under the same name: swapped
                // with a sibling, or removed and copied from one.
                let dir = dirs[rng.gen_range(0..dirs.len())].clone();
                let holder = holder(&dir);
                let siblings: Vec<PathBuf> = dirs
                    .iter()
                    .filter(|d| *d != &dir && d.parent() == dir.parent())
                    .cloned()
                    .collect();
                let Some(other) = siblings.first() else {
                    return ("nothing".into(), holder);
                };
                let aside = dir.with_file_name(format!(".aside-{step}"));
                if rng.gen_bool(0.5) {
                    std::fs::rename(&dir, &aside).unwrap();
                    std::fs::rename(other, &dir).unwrap();
                    std::fs::rename(&aside, other).unwrap();
                    (
                        format!("swap {} and {}", dir.display(), other.display()),
                        holder,
                    )
                } else {
                    std::fs::remove_dir_all(&dir).unwrap();
                    copy_tree(other, &dir, noticed);
                    (
                        format!("replace {} by a copy of {}", dir.display(), other.display()),
                        holder,
                    )
                }
            }
            _ => {
                let dir = pick(rng);
                let broken = dir.join(format!("broken-{step}.txt"));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&broken, b"Title: \xff\xfe").unwrap();
                (format!("broken {}", broken.display()), dir)
            }
        }
    }

    /// The oracle: after any change, reading the folder a write names gives
    /// what a full scan gives, fingerprint included.
    #[test]
    fn reading_the_touched_folder_gives_what_a_full_scan_gives() {
        let mut updated = 0;
        let mut scans = 0;
        for seed in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            site(dir.path());
            let roots = Roots::for_site(dir.path());
            let cache = ParseCache::default();
            let mut current = scan(&roots, false, &cache);
            let mut rng = StdRng::seed_from_u64(seed);
            let mut log = Vec::new();
            for step in 0..25 {
                let mut noticed = Vec::new();
                let (what, touched) =
                    change(&mut rng, &roots.content, &current, step, &mut noticed);
                log.push(what);
                let fresh = scan(&roots, false, &ParseCache::default());
                for dir in std::iter::once(&touched).chain(&noticed) {
                    current = match refresh_folder(&current, &roots.content, dir, &cache) {
                        Refreshed::Unchanged => current,
                        Refreshed::Updated(next) => {
                            updated += 1;
                            *next
                        }
                        Refreshed::NeedsScan => {
                            scans += 1;
                            scan(&roots, false, &cache)
                        }
                    };
                }
                assert_eq!(
                    shape(&current),
                    shape(&fresh),
                    "seed {seed}, after:\n{}",
                    log.join("\n")
                );
            }
        }
        eprintln!("{updated} folder updates, {scans} full scans");
        assert!(
            updated > scans * 4,
            "{updated} folder updates, {scans} full scans"
        );
    }

    #[test]
    fn a_folder_that_is_gone_is_read_through_the_page_that_held_it() {
        let (_dir, roots, cache, before) = scanned_site();
        let gone = roots.content.join("1_blog/2_b");
        std::fs::remove_dir_all(&gone).unwrap();
        let Refreshed::Updated(after) = refresh_folder(&before, &roots.content, &gone, &cache)
        else {
            panic!("the blog is read again");
        };
        assert!(after.page("blog/b").is_none());
        assert_eq!(after.tombstones, 1);
        assert_eq!(shape(&after), shape(&scan(&roots, false, &cache)));
        assert!(matches!(
            refresh_folder(&after, &roots.content, &gone, &cache),
            Refreshed::Unchanged
        ));
    }

    /// Pages that come and go leave nothing behind in the parse cache, be
    /// they followed folder by folder or by a full scan.
    #[test]
    fn the_parse_cache_forgets_the_files_of_pages_that_are_gone() {
        let (_dir, roots, cache, mut current) = scanned_site();
        let before = cache.len();
        let blog = roots.content.join("1_blog");
        for n in 0..20 {
            let page = blog.join(format!("_drafts/churn-{n}"));
            write(&page.join("note.txt"), "Title: churn");
            for _ in 0..2 {
                // As the store does: a full scan where this cannot follow
                // (here, once the arena is half tombstones).
                current = match refresh_folder(&current, &roots.content, &blog, &cache) {
                    Refreshed::Updated(next) => *next,
                    Refreshed::Unchanged => current,
                    Refreshed::NeedsScan => scan(&roots, false, &cache),
                };
                std::fs::remove_dir_all(&page).ok();
            }
        }
        assert_eq!(cache.len(), before, "folder by folder");

        write(&blog.join("3_c/note.txt"), "Title: C");
        scan(&roots, false, &cache);
        std::fs::remove_dir_all(blog.join("3_c")).unwrap();
        scan(&roots, false, &cache);
        assert_eq!(cache.len(), before, "by full scans");
    }

    #[test]
    fn two_pages_with_one_id_need_a_full_scan() {
        let (_dir, roots, cache, before) = scanned_site();
        write(
            &roots.content.join("1_blog/_drafts/a/note.txt"),
            "Title: twin",
        );
        assert!(matches!(
            refresh_folder(
                &before,
                &roots.content,
                &roots.content.join("1_blog"),
                &cache
            ),
            Refreshed::NeedsScan
        ));
    }

    #[test]
    fn accounts_are_read_again_on_their_own() {
        let (_dir, roots, cache, before) = scanned_site();
        write(
            &roots.accounts.join("def/index.php"),
            "<?php return ['email' => 'b@example.com'];",
        );
        let Refreshed::Updated(after) = refresh_accounts(&before, &roots.accounts, &cache) else {
            panic!("a new account");
        };
        assert!(after.user("def").is_some());
        assert!(
            Arc::ptr_eq(&after.pages[0], &before.pages[0]),
            "pages are shared"
        );
        assert_eq!(after.fingerprint, scan(&roots, false, &cache).fingerprint);
    }
}
