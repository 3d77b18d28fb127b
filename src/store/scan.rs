//! Building a [`Site`] snapshot from the site folder (storage.md §1–§5).
//!
//! A scan lists folders and stats files; content files are parsed only when
//! their size or modification time changed since the last scan, so a rescan
//! of an unchanged site costs directory listings and nothing more.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use parking_lot::Mutex;

use super::media;
use super::model::{
    ChildIndex, File, Language, Page, PageRef, Problem, Site, Status, Translated, User,
};
use super::natural::natural_cmp;
use crate::format::php::{self, PhpKey, PhpValue};
use crate::format::txt::{self, Fields};

pub mod account_files;
pub mod quick;
pub mod refresh;
mod split;

/// Names that are never pages or files (storage.md §2).
const IGNORED: &[&str] = &[
    ".DS_Store",
    ".gitignore",
    ".git",
    ".svn",
    ".htaccess",
    "Thumb.db",
    "@eaDir",
];

/// Where the parts of a site live.
#[derive(Debug, Clone)]
pub struct Roots {
    pub content: PathBuf,
    pub accounts: PathBuf,
    pub languages: PathBuf,
}

impl Roots {
    pub fn for_site(root: &Path) -> Roots {
        Roots {
            content: root.join("content"),
            accounts: root.join("site/accounts"),
            languages: root.join("site/languages"),
        }
    }
}

/// A parsed content file, or why it could not be parsed.
type Parsed = Result<Arc<Fields>, String>;

/// Parsed content files by path, reused while size and mtime stay the same.
///
/// Files that are gone must not be kept for the life of the process (a
/// site where pages come and go would grow it without end): a full scan
/// keeps only what it asked for, and reading a folder again forgets what
/// was below the page folders that are gone.
#[derive(Default)]
pub struct ParseCache {
    entries: Mutex<HashMap<PathBuf, Cached>>,
    /// Counts full scans; each entry notes the last one that began before
    /// it was asked for.
    scans: std::sync::atomic::AtomicU32,
}

/// A parse result with the stamp and size of the file it came from.
struct Cached {
    stamp: Stamp,
    size: u64,
    parsed: Parsed,
    scan: u32,
}

/// What tells two versions of a file apart besides the size: the mtime in
/// nanoseconds and the inode. Whole seconds are not enough: two writes in
/// one second with the same size would look unchanged. An atomic write
/// replaces the inode, so Folio's own writes always count as changes.
/// Nanoseconds since 1970 fit an `i64` until 2262; a stamp is kept per file
/// and per listed entry, so its size counts on a big site.
type Stamp = (i64, u64);

fn stamp_of(meta: &std::fs::Metadata) -> Stamp {
    let nanos = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    (nanos.unwrap_or(0), inode)
}

impl ParseCache {
    fn fields(&self, path: &Path, modified: Stamp, size: u64) -> Parsed {
        let scan = self.scans.load(std::sync::atomic::Ordering::Acquire);
        if let Some(cached) = self.entries.lock().get_mut(path)
            && cached.stamp == modified
            && cached.size == size
        {
            cached.scan = scan;
            return cached.parsed.clone();
        }
        let parsed = read_sized(path, size)
            .map_err(|e| e.to_string())
            .and_then(|bytes| txt::parse_bytes(&bytes).map_err(|e| e.to_string()))
            .map(Arc::new);
        let cached = Cached {
            stamp: modified,
            size,
            parsed: parsed.clone(),
            scan,
        };
        self.entries.lock().insert(path.to_owned(), cached);
        parsed
    }

    /// Marks the start of a full scan; returns its number for [`Self::end_scan`].
    fn begin_scan(&self) -> u32 {
        self.scans
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel)
            .wrapping_add(1)
    }

    /// Forgets every file not asked for since full scan `scan` began.
    fn end_scan(&self, scan: u32) {
        self.entries.lock().retain(|_, cached| cached.scan == scan);
    }

    /// Forgets every file below the folders `dirs`.
    fn forget_below(&self, dirs: &[&Path]) {
        self.entries
            .lock()
            .retain(|path, _| !dirs.iter().any(|dir| path.starts_with(dir)));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().len()
    }
}

/// The bytes of the file at `path`, up to the size its listing gave.
///
/// `fs::read` asks the open file for its size and position again, and reads
/// once more to find the end: three system calls per page at start-up that
/// the listing makes unnecessary. A file that changed after it was listed
/// has another stamp or size by now, so the next look reads it again.
/// The size is only a capacity hint up to a cap, so that a huge file cannot
/// make one huge allocation up front.
fn read_sized(path: &Path, size: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    const HINT_CAP: u64 = 1 << 20;
    let mut bytes = Vec::with_capacity(size.min(HINT_CAP) as usize);
    std::fs::File::open(path)?
        .take(size)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// One directory entry with the facts a scan needs.
struct Entry {
    name: String,
    path: PathBuf,
    is_dir: bool,
    size: u64,
    modified: i64,
    stamp: Stamp,
}

/// The entries of `dir` in natural order of their names, each added to
/// `print`. A folder that cannot be read has none.
fn list_dir(dir: &Path, print: &mut Fingerprint) -> Vec<Entry> {
    let mut entries = read_entries(dir, print);
    sort_entries(&mut entries);
    entries
}

/// [`list_dir`] in the order the file system lists them: for a caller that
/// may find from the fingerprint alone that it need not look further, and
/// so spare the sort (100,000 names take tens of milliseconds).
fn read_entries(dir: &Path, print: &mut Fingerprint) -> Vec<Entry> {
    let mut entries = Vec::new();
    each_entry(dir, |entry, name, facts| {
        print.add_entry(dir, &name, &facts);
        entries.push(Entry {
            path: entry.path(),
            name,
            is_dir: facts.is_dir,
            size: facts.size,
            modified: facts.modified,
            stamp: facts.stamp,
        });
    });
    entries
}

/// Calls `each` for every entry of `dir` a scan lists, in the order the
/// file system lists them: those with a UTF-8 name whose facts can be read.
/// The one place that says which entries count, for the scan and the look.
fn each_entry(dir: &Path, mut each: impl FnMut(&std::fs::DirEntry, String, Facts)) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if let Some(facts) = entry_facts(&entry) {
            each(&entry, name, facts);
        }
    }
}

fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| natural_cmp(&a.name, &b.name));
}

/// What a scan, and the quick look, know of one directory entry.
struct Facts {
    is_dir: bool,
    size: u64,
    /// In whole seconds, as Kirby reports times.
    modified: i64,
    stamp: Stamp,
}

/// The facts of `entry`, through a symbolic link as `fs::metadata` reads
/// them; `None` when it cannot be read.
///
/// A plain folder is not stat'ed. That it is a folder, and its inode, come
/// with the listing, and everything a scan takes from a folder it reads
/// comes from that folder's own listing, which the fingerprint covers entry
/// by entry; a folder's size and times would add nothing to it but one
/// system call per page at start-up (issue 4's profile). Folders count with
/// size 0 and a stamp of their inode alone: a folder replaced by another of
/// the same name (a deploy by `mv`, a `git checkout`) is another folder. A
/// page folder without a content file, the one case that needs its folder's
/// time, asks for it itself ([`folder_modified`]).
fn entry_facts(entry: &std::fs::DirEntry) -> Option<Facts> {
    let kind = entry.file_type().ok()?;
    if kind.is_dir() {
        #[cfg(unix)]
        let inode = std::os::unix::fs::DirEntryExt::ino(entry);
        #[cfg(not(unix))]
        let inode = 0;
        return Some(Facts {
            is_dir: true,
            size: 0,
            modified: 0,
            stamp: (0, inode),
        });
    }
    // Plain files are asked relative to the open folder, which spares the
    // kernel a walk down the whole path per entry.
    let meta = if kind.is_symlink() {
        let meta = std::fs::metadata(entry.path()).ok()?;
        if meta.is_dir() && leads_back(&entry.path(), &meta) {
            return None;
        }
        meta
    } else {
        entry.metadata().ok()?
    };
    Some(Facts {
        is_dir: meta.is_dir(),
        size: meta.len(),
        modified: seconds(meta.modified().unwrap_or(UNIX_EPOCH)),
        stamp: stamp_of(&meta),
    })
}

/// Whether the folder link at `link` (its target's metadata: `target`)
/// points at the folder holding it or at any folder above that, up to the
/// file system's root: following it would list the same folders again and
/// again (`ln -s .. loop`, `ln -s / root`), and two such links make the
/// walk grow exponentially. Such a link is left out like an unreadable
/// entry, by the one rule the scan, the look and the refresh share.
///
/// The folders above are compared by device and inode as the path names
/// them (through any links on the way), so a cycle of several links is
/// caught too: each pass through it goes one folder deeper, and the link
/// that closes it points at a folder the path has already been through.
/// Only folder links pay for this, never plain entries.
#[cfg(unix)]
fn leads_back(link: &Path, target: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // Absolute (without resolving links), so that a site served by a
    // relative `--root` still sees every folder up to `/`.
    let Ok(link) = std::path::absolute(link) else {
        return false;
    };
    let leads_back = link.ancestors().skip(1).any(|folder| {
        std::fs::metadata(folder)
            .is_ok_and(|above| above.dev() == target.dev() && above.ino() == target.ino())
    });
    if leads_back {
        warn_once_about_loop(&link);
    }
    leads_back
}

#[cfg(not(unix))]
fn leads_back(_link: &Path, _target: &std::fs::Metadata) -> bool {
    false
}

/// Logs a looping link the first time a scan meets it (looks run every
/// minute and would repeat it).
fn warn_once_about_loop(link: &Path) {
    static WARNED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let mut warned = WARNED.lock();
    if !warned.iter().any(|known| known == link) && warned.len() < 1000 {
        tracing::warn!(
            "skipping {}: a link to a folder that holds it would repeat the site forever",
            link.display()
        );
        warned.push(link.to_owned());
    }
}

fn seconds(time: std::time::SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The modification time of the folder at `path`, in seconds; 0 when it
/// cannot be read.
fn folder_modified(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .map(seconds)
        .unwrap_or(0)
}

/// A summary of every listed entry's path, size and stamp: two scans with
/// the same fingerprint saw the same folder, so the old snapshot still holds.
///
/// It is a sum of one hash per entry, so it does not depend on the order in
/// which folders were read or on which thread read them; that lets
/// [`quick::fingerprint`] arrive at the same value by a bare walk, and the
/// start-up scan's fingerprint stand in for a first quick look.
#[derive(Default)]
pub struct Fingerprint(u64);

impl Fingerprint {
    /// Adds the entry `name` of the folder `dir`: its path, and a file's
    /// size and stamp (a folder has neither; see [`entry_facts`]).
    fn add_entry(&mut self, dir: &Path, name: &str, facts: &Facts) {
        use std::hash::{Hash, Hasher};
        if is_scratch(name) {
            return;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        // The path as raw bytes, in two pieces, so that a look need not
        // build it (`Path`'s own hash would also walk its components). No
        // path holds a NUL: it ends each piece.
        hasher.write(dir.as_os_str().as_encoded_bytes());
        hasher.write_u8(0);
        hasher.write(name.as_bytes());
        hasher.write_u8(0);
        facts.size.hash(&mut hasher);
        facts.stamp.hash(&mut hasher);
        self.0 = self.0.wrapping_add(hasher.finish());
    }

    /// Folds in what another scanner saw (a part of a split folder).
    fn add_part(&mut self, part: &Fingerprint) {
        self.0 = self.0.wrapping_add(part.0);
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// Files no snapshot depends on, left out of the fingerprint: the login-trial
/// log (rewritten on every failed login) and the temporary files of atomic
/// writes.
fn is_scratch(name: &str) -> bool {
    name == ".logins" || (name.starts_with('.') && name.ends_with(".tmp"))
}

/// Builds the snapshot. `languages` is on when the `languages` option is.
pub fn scan(roots: &Roots, languages: bool, cache: &ParseCache) -> Site {
    scan_on(roots, languages, cache, split::available_threads())
}

/// [`scan`] with up to `threads` threads for folders with many pages.
fn scan_on(roots: &Roots, languages: bool, cache: &ParseCache, threads: usize) -> Site {
    let scan = cache.begin_scan();
    let site = scan_with(roots, languages, cache, threads);
    cache.end_scan(scan);
    site
}

fn scan_with(roots: &Roots, languages: bool, cache: &ParseCache, threads: usize) -> Site {
    let mut scanner = Scanner {
        cache,
        site: Site::default(),
        print: Fingerprint::default(),
        codes: Vec::new(),
        threads,
    };
    if languages {
        scanner.site.languages = read_languages(
            &roots.languages,
            &mut scanner.site.problems,
            &mut scanner.print,
        );
        scanner.codes = scanner
            .site
            .languages
            .iter()
            .map(|l| l.code.clone())
            .collect();
    }
    let mut listing = Fingerprint::default();
    let top = list_dir(&roots.content, &mut listing);
    scanner.print.add_part(&listing);
    scanner.site.listing_print = listing.finish();
    let (content, files) = scanner.contents_and_files(&top, None);
    scanner.site.content = content
        .into_iter()
        .filter(|(t, _)| t == "site")
        .map(|(_, c)| c)
        .next()
        .unwrap_or_default();
    scanner.site.files = files;
    let (children, drafts, drafts_print) = scanner.child_pages(&top, None, "");
    scanner.site.child_index = ChildIndex::build(&scanner.site.pages, &children, &drafts);
    scanner.site.children = children;
    scanner.site.drafts = drafts;
    scanner.site.drafts_print = drafts_print;
    let before_accounts = scanner.print.finish();
    scanner.site.users = scanner.users(&roots.accounts);
    scanner.site.accounts_print = scanner.print.finish().wrapping_sub(before_accounts);
    scanner.site.fingerprint = scanner.print.finish();
    scanner.site
}

struct Scanner<'a> {
    cache: &'a ParseCache,
    site: Site,
    print: Fingerprint,
    /// Language codes on a multi-language site, else empty.
    codes: Vec<String>,
    /// Threads this scanner may use for folders with many pages ([`split`]).
    threads: usize,
}

impl Scanner<'_> {
    /// Splits `name.txt` / `name.<code>.txt` into `(name, code)`.
    fn content_name<'n>(&self, filename: &'n str) -> Option<(&'n str, &'n str)> {
        let stem = filename.strip_suffix(".txt")?;
        if self.codes.is_empty() {
            return Some((stem, ""));
        }
        let (name, code) = stem.rsplit_once('.')?;
        self.codes.iter().any(|c| c == code).then_some((name, code))
    }

    fn parse(&mut self, entry: &Entry) -> Option<Arc<Fields>> {
        match self.cache.fields(&entry.path, entry.stamp, entry.size) {
            Ok(fields) => Some(fields),
            Err(message) => {
                self.site.problems.push(Problem {
                    path: entry.path.clone(),
                    line: None,
                    message,
                });
                None
            }
        }
    }

    /// The content files (by template name) and the files of one folder.
    fn contents_and_files(
        &mut self,
        entries: &[Entry],
        _owner: Option<PageRef>,
    ) -> (Vec<(String, Translated)>, Vec<File>) {
        let file_names: Vec<&str> = entries
            .iter()
            .filter(|e| !e.is_dir && is_model_file(&e.name))
            .map(|e| e.name.as_str())
            .collect();
        let mut contents: Vec<(String, Translated)> = Vec::new();
        let mut metas: HashMap<String, Translated> = HashMap::new();
        for entry in entries.iter().filter(|e| !e.is_dir && !is_ignored(&e.name)) {
            let Some((name, code)) = self.content_name(&entry.name) else {
                continue;
            };
            let (name, code) = (name.to_owned(), code.to_owned());
            let Some(fields) = self.parse(entry) else {
                // An unreadable content file still names the template, so
                // that no write mistakes the page for one without content;
                // writes refuse to touch it (it is in `Site::problems`).
                if !file_names.contains(&name.as_str()) && !contents.iter().any(|(n, _)| *n == name)
                {
                    contents.push((name, Translated::new()));
                }
                continue;
            };
            if file_names.contains(&name.as_str()) {
                metas.entry(name).or_default().insert(code, fields);
            } else if let Some((_, t)) = contents.iter_mut().find(|(n, _)| *n == name) {
                t.insert(code, fields);
            } else {
                contents.push((name, Translated::from([(code, fields)])));
            }
        }
        let files = entries
            .iter()
            .filter(|e| !e.is_dir && is_model_file(&e.name))
            .map(|e| file_from(e, metas.remove(&e.name).unwrap_or_default()))
            .collect();
        (contents, files)
    }

    /// Reads the page folders among `entries`; returns the children, the
    /// drafts and the `_drafts` folder's share of the fingerprint.
    fn child_pages(
        &mut self,
        entries: &[Entry],
        parent: Option<PageRef>,
        parent_id: &str,
    ) -> (Vec<PageRef>, Vec<PageRef>, u64) {
        let mut children = Vec::new();
        let mut drafts = Vec::new();
        let mut drafts_listing = Fingerprint::default();
        // Page folders are read in runs between `_drafts` folders, so that
        // pages are numbered in folder order however a run is split up.
        let mut run: Vec<&Entry> = Vec::new();
        for entry in entries.iter().filter(|e| e.is_dir) {
            match Folder::Pages.subfolder(&entry.name) {
                Some(Folder::Drafts) => {
                    children.extend(self.pages_in(&run, parent, parent_id));
                    run.clear();
                    let listed = list_dir(&entry.path, &mut drafts_listing);
                    for draft in listed.iter().filter(|e| {
                        e.is_dir && Folder::Drafts.subfolder(&e.name) == Some(Folder::Pages)
                    }) {
                        if let Some(r) = self.page(draft, parent, parent_id, true) {
                            drafts.push(r);
                        }
                    }
                }
                Some(_) => run.push(entry),
                None => {}
            }
        }
        children.extend(self.pages_in(&run, parent, parent_id));
        self.print.add_part(&drafts_listing);
        (children, drafts, drafts_listing.finish())
    }

    /// Indexes the page `at` under `id`, unless a page read before has that
    /// id already (it keeps it, and the site notes the clash).
    fn claim_id(&mut self, id: String, at: PageRef) {
        match Arc::make_mut(&mut self.site.by_id).entry(id) {
            std::collections::hash_map::Entry::Occupied(_) => self.site.duplicate_ids = true,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(at);
            }
        }
    }

    fn page(
        &mut self,
        entry: &Entry,
        parent: Option<PageRef>,
        parent_id: &str,
        draft: bool,
    ) -> Option<PageRef> {
        let (num, slug) = if draft {
            (None, entry.name.clone())
        } else {
            split_num(&entry.name)
        };
        if slug.is_empty() {
            return None;
        }
        let id = if parent_id.is_empty() {
            slug.clone()
        } else {
            format!("{parent_id}/{slug}")
        };
        let status = match (draft, num) {
            (true, _) => Status::Draft,
            (false, Some(_)) => Status::Listed,
            (false, None) => Status::Unlisted,
        };
        let mut listing = Fingerprint::default();
        let entries = list_dir(&entry.path, &mut listing);
        self.print.add_part(&listing);
        let (contents, files) = self.contents_and_files(&entries, None);
        let (template, content, modified) = page_parts(&entry.path, &entries, contents);
        let me = self.site.pages.len();
        self.site.pages.push(Arc::new(Page {
            id: id.clone(),
            slug,
            num,
            status,
            template,
            dir: entry.path.clone(),
            parent,
            children: Vec::new(),
            drafts: Vec::new(),
            child_index: ChildIndex::default(),
            files,
            content,
            modified,
            listing_print: listing.finish(),
            drafts_print: 0,
            inode: entry.stamp.1,
        }));
        self.claim_id(id.clone(), me);
        let (children, drafts, drafts_print) = self.child_pages(&entries, Some(me), &id);
        let index = ChildIndex::build(&self.site.pages, &children, &drafts);
        // The page is not shared yet: only this scan holds it.
        if let Some(page) = self.site.pages.get_mut(me).and_then(Arc::get_mut) {
            page.children = children;
            page.drafts = drafts;
            page.child_index = index;
            page.drafts_print = drafts_print;
        }
        Some(me)
    }

    fn users(&mut self, accounts: &Path) -> Vec<User> {
        let mut users = Vec::new();
        for entry in list_dir(accounts, &mut self.print)
            .iter()
            .filter(|e| e.is_dir && Folder::Accounts.subfolder(&e.name).is_some())
        {
            match self.user(entry) {
                Ok(Some(user)) => users.push(user),
                Ok(None) => {}
                Err(problem) => self.site.problems.push(problem),
            }
        }
        users
    }

    fn user(&mut self, entry: &Entry) -> Result<Option<User>, Problem> {
        // Listed before anything can go wrong, so that every account folder
        // counts in the fingerprint, as in the quick look.
        let entries = list_dir(&entry.path, &mut self.print);
        let index = entry.path.join("index.php");
        let problem = |line, message: String| Problem {
            path: index.clone(),
            line,
            message,
        };
        let source = match std::fs::read(&index) {
            Ok(bytes) => String::from_utf8(bytes)
                .map_err(|_| problem(None, "the account file is not valid UTF-8".into()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(problem(None, "the account folder has no index.php".into()));
            }
            Err(_) => return Ok(None),
        };
        let value = php::parse_return_file(&source)
            .map_err(|e| problem(Some(e.line), e.message.clone()))?;
        let PhpValue::Array(array) = value else {
            return Err(problem(
                None,
                "the account file does not return an array".into(),
            ));
        };
        let text = |key: &str| {
            array
                .0
                .iter()
                .find(|(k, _)| *k == PhpKey::Str(key.into()))
                .and_then(|(_, v)| match v {
                    PhpValue::Str(s) => Some(s.clone()),
                    _ => None,
                })
        };
        let email = crate::format::email::normalize(&text("email").unwrap_or_default());
        if !crate::format::email::is_valid(&email) {
            // Kept: Kirby lists such an account too; it just cannot log in.
            self.site.problems.push(problem(
                None,
                format!("the account has no valid e-mail address (\"{email}\")"),
            ));
        }
        let htpasswd = entries.iter().find(|e| e.name == ".htpasswd");
        let read = htpasswd.and_then(|e| account_files::read_htpasswd(&e.path));
        let (password_hash, secrets) = match read {
            Some(read) => {
                self.site.problems.extend(read.problems);
                (read.hash, read.secrets)
            }
            None => (text("password").unwrap_or_default(), Default::default()),
        };
        let (contents, files) = self.contents_and_files(&entries, None);
        let content = contents
            .into_iter()
            .find(|(n, _)| n == "user")
            .map(|(_, c)| c)
            .unwrap_or_default();
        let avatar = files.into_iter().find(|f| f.name() == "profile");
        Ok(Some(User {
            id: entry.name.clone(),
            email,
            language: text("language").unwrap_or_else(|| "en".into()),
            name: text("name"),
            role: text("role").unwrap_or_else(|| "nobody".into()),
            dir: entry.path.clone(),
            password_hash,
            password_modified: htpasswd.map(|e| e.modified),
            secrets,
            content,
            avatar,
        }))
    }
}

/// What a page takes from its own folder `dir`, given its entries and the
/// content files read from them: the template and content (the last
/// content file in natural order names the template; `default` without
/// one) and the newest modification time of its content files (without
/// one, the folder's own).
fn page_parts(
    dir: &Path,
    entries: &[Entry],
    contents: Vec<(String, Translated)>,
) -> (String, Translated, i64) {
    let modified = entries
        .iter()
        .filter(|e| !e.is_dir && e.name.ends_with(".txt"))
        .map(|e| e.modified)
        .max()
        .unwrap_or_else(|| folder_modified(dir));
    let (template, content) = contents
        .into_iter()
        .last()
        .unwrap_or_else(|| ("default".into(), Translated::new()));
    (template, content, modified)
}

fn file_from(entry: &Entry, meta: Translated) -> File {
    let extension = entry
        .name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    let dimensions = if media::type_for(&extension) == "image" {
        media::image_size(&entry.path)
    } else {
        None
    };
    File {
        filename: entry.name.clone(),
        path: entry.path.clone(),
        extension,
        size: entry.size,
        modified: entry.modified,
        dimensions,
        meta,
    }
}

/// The kinds of folder a scan lists; [`quick`] walks the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Folder {
    /// `content/` or a page folder: its subfolders are pages and `_drafts`.
    Pages,
    /// A `_drafts` folder: its subfolders are draft pages.
    Drafts,
    /// `site/accounts`: its subfolders are accounts.
    Accounts,
    /// One account's folder, or `site/languages`: nothing below is read.
    Leaf,
}

impl Folder {
    /// What the subfolder `name` of this folder is to a scan; `None` when
    /// no scan reads it.
    fn subfolder(self, name: &str) -> Option<Folder> {
        match self {
            Folder::Pages if name == "_drafts" => Some(Folder::Drafts),
            // A folder whose slug would be empty (`1_`) is no page.
            Folder::Pages => {
                (!is_ignored(name) && !split_num(name).1.is_empty()).then_some(Folder::Pages)
            }
            Folder::Drafts => (!is_ignored(name)).then_some(Folder::Pages),
            Folder::Accounts => (!name.starts_with('.')).then_some(Folder::Leaf),
            Folder::Leaf => None,
        }
    }
}

fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || (name.starts_with('_') && name != "_drafts") || IGNORED.contains(&name)
}

/// Plain files that are page files: not content, not markup, not PHP.
fn is_model_file(name: &str) -> bool {
    let lower = name.to_lowercase();
    !is_ignored(name)
        && ![".txt", ".htm", ".html", ".php"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// `1_notes` → (1, notes); `about` → (None, about). Kirby casts the prefix to
/// an integer, so a non-numeric prefix (`foo_bar`) gives num 0.
fn split_num(name: &str) -> (Option<i64>, String) {
    match name.find('_') {
        Some(at) if at > 0 => {
            let prefix = &name[..at];
            let digits: String = prefix.chars().take_while(|c| c.is_ascii_digit()).collect();
            (Some(digits.parse().unwrap_or(0)), name[at + 1..].to_owned())
        }
        _ => (None, name.to_owned()),
    }
}

fn read_languages(
    dir: &Path,
    problems: &mut Vec<Problem>,
    print: &mut Fingerprint,
) -> Vec<Language> {
    let mut languages = Vec::new();
    for entry in list_dir(dir, print)
        .iter()
        .filter(|e| e.name.ends_with(".php"))
    {
        let parsed = std::fs::read_to_string(&entry.path)
            .map_err(|e| (None, e.to_string()))
            .and_then(|src| {
                php::parse_return_file(&src).map_err(|e| (Some(e.line), e.message.clone()))
            });
        match parsed {
            Ok(value) => languages.push(language_from(&entry.name, &value)),
            Err((line, message)) => problems.push(Problem {
                path: entry.path.clone(),
                line,
                message,
            }),
        }
    }
    languages.sort_by(|a, b| a.code.cmp(&b.code));
    languages
}

fn language_from(filename: &str, value: &PhpValue) -> Language {
    let json = php_to_json(value);
    let code = json["code"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| filename.trim_end_matches(".php").to_owned());
    Language {
        name: json["name"].as_str().unwrap_or(&code).to_owned(),
        default: json["default"].as_bool().unwrap_or(false),
        direction: json["direction"]
            .as_str()
            .filter(|d| *d == "rtl")
            .unwrap_or("ltr")
            .to_owned(),
        locale: json
            .get("locale")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
        url: json["url"].as_str().map(str::to_owned),
        rules: json
            .get("slugs")
            .cloned()
            .unwrap_or(serde_json::Value::Array(Vec::new())),
        code,
    }
}

/// A PHP value as JSON; arrays with keys 0..n become lists, `LC_*` keys their numbers.
pub fn php_to_json(value: &PhpValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        PhpValue::Null | PhpValue::Dynamic { .. } => Value::Null,
        PhpValue::Bool(b) => Value::Bool(*b),
        PhpValue::Int(i) => Value::from(*i),
        PhpValue::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        PhpValue::Str(s) => Value::String(s.clone()),
        PhpValue::Array(array) => {
            let is_list = array
                .0
                .iter()
                .enumerate()
                .all(|(i, (k, _))| *k == PhpKey::Int(i as i64));
            if is_list && !array.0.is_empty() {
                Value::Array(array.0.iter().map(|(_, v)| php_to_json(v)).collect())
            } else if array.0.is_empty() {
                Value::Array(Vec::new())
            } else {
                let map = array.0.iter().map(|(k, v)| {
                    let key = match k {
                        PhpKey::Int(i) => i.to_string(),
                        PhpKey::Str(s) => s.clone(),
                    };
                    (key, php_to_json(v))
                });
                Value::Object(map.collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_files::write;

    #[test]
    fn splits_sorting_numbers() {
        assert_eq!(split_num("1_notes"), (Some(1), "notes".into()));
        assert_eq!(
            split_num("20230421_across"),
            (Some(20230421), "across".into())
        );
        assert_eq!(split_num("about"), (None, "about".into()));
        assert_eq!(split_num("foo_bar"), (Some(0), "bar".into()));
        assert_eq!(split_num("_x"), (None, "_x".into()));
    }

    #[test]
    fn reads_a_small_tree() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        write(&c.join("site.txt"), "Title: Site");
        write(&c.join("1_blog/blog.txt"), "Title: Blog");
        write(&c.join("1_blog/2_b/note.txt"), "Title: B");
        write(&c.join("1_blog/10_a/note.txt"), "Title: A");
        write(&c.join("1_blog/_drafts/wip/note.txt"), "Title: WIP");
        write(&c.join("1_blog/photo.jpg"), "x");
        write(&c.join("1_blog/photo.jpg.txt"), "Alt: a photo");
        write(&c.join("about/about.txt"), "Title: About");
        let site = scan(&Roots::for_site(dir.path()), false, &ParseCache::default());
        assert_eq!(site.content[""].get("title"), Some("Site"));
        let blog = site.page("blog").unwrap();
        assert_eq!(
            (blog.num, blog.status, blog.template.as_str()),
            (Some(1), Status::Listed, "blog")
        );
        let ids: Vec<&str> = blog
            .children
            .iter()
            .map(|&r| site.pages[r].id.as_str())
            .collect();
        assert_eq!(ids, ["blog/b", "blog/a"]);
        assert_eq!(site.page("blog/wip").unwrap().status, Status::Draft);
        assert_eq!(blog.files.len(), 1);
        assert_eq!(blog.files[0].meta[""].get("alt"), Some("a photo"));
        assert_eq!(site.page("about").unwrap().status, Status::Unlisted);
    }

    #[cfg(unix)]
    #[test]
    fn follows_symbolic_links_to_page_folders_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        write(&elsewhere.join("shared/note.txt"), "Title: Shared");
        write(&elsewhere.join("photo.jpg"), "jpeg bytes");
        let c = dir.path().join("content");
        write(&c.join("1_blog/blog.txt"), "Title: Blog");
        std::os::unix::fs::symlink(elsewhere.join("shared"), c.join("1_blog/1_shared")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("photo.jpg"), c.join("1_blog/photo.jpg"))
            .unwrap();
        let site = scan(&Roots::for_site(dir.path()), false, &ParseCache::default());
        let shared = site
            .page("blog/shared")
            .expect("the linked folder is a page");
        assert_eq!(shared.content[""].get("title"), Some("Shared"));
        let blog = site.page("blog").unwrap();
        assert_eq!(blog.files.len(), 1);
        assert_eq!(
            blog.files[0].size, 10,
            "the size of the file the link points to"
        );
    }

    /// Links back up the tree (to the folder itself, a parent, the root,
    /// or through a second link) are left out; a link elsewhere is still a
    /// page. Before, one `ln -s ..` made hundreds of pages and two never
    /// finished.
    #[cfg(unix)]
    #[test]
    fn links_that_lead_back_up_the_tree_are_not_followed() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        let elsewhere = dir.path().join("elsewhere");
        write(&c.join("about/about.txt"), "Title: About");
        write(&c.join("home/home.txt"), "Title: Home");
        write(&elsewhere.join("x/note.txt"), "Title: X");
        symlink("..", c.join("about/loop")).unwrap();
        symlink("..", c.join("home/loop")).unwrap();
        symlink(".", c.join("home/self")).unwrap();
        symlink("/", c.join("home/root")).unwrap();
        // content/about/out → elsewhere/x, whose back → content/about
        symlink(elsewhere.join("x"), c.join("about/out")).unwrap();
        symlink(c.join("about"), elsewhere.join("x/back")).unwrap();
        let roots = Roots::for_site(dir.path());
        let site = scan(&roots, false, &ParseCache::default());
        let mut ids: Vec<_> = site.pages.iter().map(|p| p.id.clone()).collect();
        ids.sort();
        assert_eq!(ids, ["about", "about/out", "home"]);
        assert_eq!(
            quick::fingerprint(&roots, false),
            site.fingerprint,
            "the look skips the same links"
        );
    }

    #[test]
    fn indexes_children_by_status_and_template() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        write(&c.join("1_blog/blog.txt"), "Title: Blog");
        write(&c.join("1_blog/1_a/note.txt"), "Title: A");
        write(&c.join("1_blog/b/album.txt"), "Title: B");
        write(&c.join("1_blog/2_c/note.txt"), "Title: C");
        write(&c.join("1_blog/_drafts/d/draft.txt"), "Title: D");
        write(&c.join("about/about.txt"), "Title: About");
        let site = scan(&Roots::for_site(dir.path()), false, &ParseCache::default());
        let ids = |refs: &[PageRef]| -> Vec<String> {
            refs.iter().map(|&r| site.pages[r].id.clone()).collect()
        };
        let index = &site.page("blog").unwrap().child_index;
        assert_eq!(ids(&index.listed), ["blog/a", "blog/c"]);
        assert_eq!(ids(&index.unlisted), ["blog/b"]);
        assert_eq!(index.templates, ["note", "album", "draft"]);
        assert_eq!(ids(&site.child_index.listed), ["blog"]);
        assert_eq!(ids(&site.child_index.unlisted), ["about"]);
    }
}
