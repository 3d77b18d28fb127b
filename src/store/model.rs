//! The site as Folio holds it in memory: pages, files, users, languages.
//!
//! A [`Site`] is an immutable snapshot built by `scan`. Pages live in one
//! arena and refer to each other by index, so a lookup by id, a parent walk
//! or a list of children never touches the disk.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::format::txt::Fields;

/// Index of a page in [`Site::pages`].
pub type PageRef = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Listed,
    Unlisted,
    Draft,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Listed => "listed",
            Status::Unlisted => "unlisted",
            Status::Draft => "draft",
        }
    }
}

/// Content of one model per language code; `""` is the single-language file.
///
/// A map in key order, like the `BTreeMap` it replaced, kept as a sorted
/// list: a model has one entry per language, mostly just one, and a
/// `BTreeMap` allocates a node of eleven slots for the first (over 350
/// bytes a page, twice over while a rescan builds its snapshot beside the
/// old one; issue 4's memory profile).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Translated(Vec<(String, Arc<Fields>)>);

impl Translated {
    pub fn new() -> Translated {
        Translated::default()
    }

    fn position(&self, code: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(key, _)| key.as_str().cmp(code))
    }

    pub fn get(&self, code: &str) -> Option<&Arc<Fields>> {
        self.position(code).ok().map(|at| &self.0[at].1)
    }

    pub fn contains_key(&self, code: &str) -> bool {
        self.position(code).is_ok()
    }

    /// Sets the content of `code`; returns what it replaces.
    pub fn insert(&mut self, code: String, fields: Arc<Fields>) -> Option<Arc<Fields>> {
        match self.position(&code) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, fields)),
            Err(at) => {
                self.0.insert(at, (code, fields));
                None
            }
        }
    }

    pub fn remove(&mut self, code: &str) -> Option<Arc<Fields>> {
        self.position(code).ok().map(|at| self.0.remove(at).1)
    }

    /// The entries in code order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Arc<Fields>)> {
        self.0.iter().map(|(code, fields)| (code, fields))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(code, _)| code)
    }

    pub fn values(&self) -> impl Iterator<Item = &Arc<Fields>> {
        self.0.iter().map(|(_, fields)| fields)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Index<&str> for Translated {
    type Output = Arc<Fields>;

    /// Like a map's index: panics when `code` is missing, so only for
    /// codes the caller knows are there.
    fn index(&self, code: &str) -> &Arc<Fields> {
        self.get(code)
            .unwrap_or_else(|| panic!("no content for language {code:?}"))
    }
}

impl<const N: usize> From<[(String, Arc<Fields>); N]> for Translated {
    fn from(entries: [(String, Arc<Fields>); N]) -> Translated {
        entries.into_iter().collect()
    }
}

impl FromIterator<(String, Arc<Fields>)> for Translated {
    fn from_iter<I: IntoIterator<Item = (String, Arc<Fields>)>>(entries: I) -> Translated {
        let mut map = Translated::new();
        for (code, fields) in entries {
            map.insert(code, fields);
        }
        map
    }
}

impl<'a> IntoIterator for &'a Translated {
    type Item = (&'a String, &'a Arc<Fields>);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Arc<Fields>)>,
        fn(&'a (String, Arc<Fields>)) -> (&'a String, &'a Arc<Fields>),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(code, fields)| (code, fields))
    }
}

#[derive(Debug, Clone)]
pub struct Page {
    /// `parent/child`, with real slashes; drafts and numbers are not part of it.
    pub id: String,
    pub slug: String,
    pub num: Option<i64>,
    pub status: Status,
    /// The name of the content file, which is the page's intended template.
    pub template: String,
    pub dir: PathBuf,
    pub parent: Option<PageRef>,
    /// Listed and unlisted children, in natural order of their folder names.
    pub children: Vec<PageRef>,
    pub drafts: Vec<PageRef>,
    pub child_index: ChildIndex,
    pub files: Vec<File>,
    pub content: Translated,
    /// Newest modification time (unix seconds) of the folder's content files.
    pub modified: i64,
    /// The folder's own entries' share of [`Site::fingerprint`], and that
    /// of its `_drafts` folder's entries (0 without one), so that reading
    /// the folder again keeps the fingerprint exact without a full scan
    /// (`scan::refresh`).
    pub listing_print: u64,
    pub drafts_print: u64,
    /// The inode of the page's folder (of what a link points to): a folder
    /// of the same name with another inode is another page.
    pub inode: u64,
}

/// What listings of one parent need without walking every child: the
/// children split by status and the templates among children and drafts.
/// With these a listing slices instead of filtering, so its cost does not
/// grow with the number of siblings (issue 4).
#[derive(Debug, Clone, Default)]
pub struct ChildIndex {
    pub listed: Vec<PageRef>,
    pub unlisted: Vec<PageRef>,
    /// Distinct templates of children and drafts, in order of first use.
    pub templates: Vec<String>,
}

impl ChildIndex {
    pub fn build(pages: &[Arc<Page>], children: &[PageRef], drafts: &[PageRef]) -> ChildIndex {
        let mut index = ChildIndex::default();
        for &r in children.iter().chain(drafts) {
            let Some(page) = pages.get(r) else { continue };
            match page.status {
                Status::Listed => index.listed.push(r),
                Status::Unlisted => index.unlisted.push(r),
                Status::Draft => {}
            }
            if !index.templates.contains(&page.template) {
                index.templates.push(page.template.clone());
            }
        }
        index
    }
}

#[derive(Debug, Clone)]
pub struct File {
    pub filename: String,
    pub path: PathBuf,
    pub extension: String,
    pub size: u64,
    pub modified: i64,
    pub dimensions: Option<(u32, u32)>,
    /// Meta content (`<file>.txt`) per language.
    pub meta: Translated,
}

impl File {
    pub fn name(&self) -> &str {
        self.filename
            .rsplit_once('.')
            .map(|(n, _)| n)
            .unwrap_or(&self.filename)
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub language: String,
    pub name: Option<String>,
    /// The role stored in the account file, which may name a missing role.
    pub role: String,
    pub dir: PathBuf,
    /// The bcrypt hash from `.htpasswd` (or a Kirby 3 `index.php`); empty when none.
    pub password_hash: String,
    /// Modification time of `.htpasswd`: sessions older than this are void.
    pub password_modified: Option<i64>,
    pub secrets: serde_json::Map<String, serde_json::Value>,
    pub content: Translated,
    pub avatar: Option<File>,
}

impl User {
    /// Kirby's `username`: the name, or else the e-mail address.
    pub fn username(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.email)
    }
}

#[derive(Debug, Clone)]
pub struct Language {
    pub code: String,
    pub name: String,
    pub default: bool,
    pub direction: String,
    pub locale: serde_json::Value,
    pub url: Option<String>,
    pub rules: serde_json::Value,
}

/// A file Folio could not read; reported by `folio check` and logged, never fatal.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Pages behind `Arc`s, so a write that changes one page publishes a new
    /// snapshot without copying the others.
    pub pages: Vec<Arc<Page>>,
    /// Top-level listed and unlisted pages.
    pub children: Vec<PageRef>,
    pub drafts: Vec<PageRef>,
    pub child_index: ChildIndex,
    /// Shared between snapshots that differ only in page contents.
    pub by_id: Arc<HashMap<String, PageRef>>,
    pub content: Translated,
    pub files: Vec<File>,
    /// Users in folder order.
    pub users: Vec<User>,
    pub languages: Vec<Language>,
    pub problems: Vec<Problem>,
    /// What the scans behind this snapshot saw of the folder (paths, sizes,
    /// stamps), to tell an unchanged folder from a changed one without
    /// comparing snapshots: a quick look (`scan::quick`) that finds this
    /// value finds the folder as the snapshot shows it. 0 when unknown.
    pub fingerprint: u64,
    /// The shares of `content/`'s own entries, of `content/_drafts`, and of
    /// `site/accounts` (with every account folder) in the fingerprint, as
    /// [`Page::listing_print`] for pages.
    pub listing_print: u64,
    pub drafts_print: u64,
    pub accounts_print: u64,
    /// Two page folders gave one id (say `1_a` and `_drafts/a`): the first
    /// read keeps it. Only a full scan knows which that is, so such a site
    /// is not updated folder by folder.
    pub duplicate_ids: bool,
    /// Arena slots of pages whose folders are gone since the last full
    /// scan (`scan::refresh`): they hold an empty page that nothing refers
    /// to, so that the references of every other page stay valid.
    pub tombstones: usize,
}

impl Site {
    /// Whether `path` is a file the scan could not read (a write must not
    /// replace what Folio could not read).
    pub fn is_unreadable(&self, path: &std::path::Path) -> bool {
        self.problems.iter().any(|p| p.path == path)
    }

    pub fn page(&self, id: &str) -> Option<&Page> {
        self.by_id
            .get(id)
            .and_then(|&r| self.pages.get(r))
            .map(|p| &**p)
    }

    pub fn page_ref(&self, id: &str) -> Option<PageRef> {
        self.by_id.get(id).copied()
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = crate::format::email::normalize(email);
        self.users.iter().find(|u| u.email == email)
    }

    pub fn default_language(&self) -> Option<&Language> {
        self.languages
            .iter()
            .find(|l| l.default)
            .or(self.languages.first())
    }

    /// The language whose content a request reads: the requested one when it
    /// exists, else the default. `None` on a single-language site.
    pub fn language(&self, requested: Option<&str>) -> Option<&Language> {
        let wanted = requested.map(str::to_lowercase);
        wanted
            .and_then(|code| self.languages.iter().find(|l| l.code == code))
            .or_else(|| self.default_language())
    }

    /// All pages in the order Kirby's site index walks them: each page, then
    /// its children, then its drafts, depth first.
    pub fn index(&self, with_drafts: bool) -> Vec<PageRef> {
        let mut out = Vec::new();
        let mut stack: Vec<PageRef> = Vec::new();
        let top: Vec<PageRef> = if with_drafts {
            self.children.iter().chain(&self.drafts).copied().collect()
        } else {
            self.children.clone()
        };
        stack.extend(top.iter().rev());
        while let Some(r) = stack.pop() {
            out.push(r);
            let page = &self.pages[r];
            if with_drafts {
                stack.extend(page.drafts.iter().rev());
            }
            stack.extend(page.children.iter().rev());
        }
        out
    }

    /// The parents of a page, nearest first.
    pub fn parents(&self, page: PageRef) -> Vec<PageRef> {
        let mut out = Vec::new();
        let mut at = self.pages[page].parent;
        while let Some(p) = at {
            out.push(p);
            at = self.pages[p].parent;
        }
        out
    }
}

/// The content a model shows in `language`. A secondary language shows the
/// default language's fields overwritten by its own, as Kirby merges them; a
/// single-language site has only the `""` file.
pub fn fields_for(
    content: &Translated,
    language: Option<&Language>,
    default: Option<&Language>,
) -> Arc<Fields> {
    let Some(lang) = language else {
        return content.get("").cloned().unwrap_or_default();
    };
    let base = default
        .and_then(|d| content.get(&d.code))
        .or_else(|| content.get(""));
    let own = content.get(&lang.code);
    match (base, own) {
        (Some(base), Some(own)) if !Arc::ptr_eq(base, own) => {
            let mut merged = Fields::clone(base);
            for (key, value) in own.iter() {
                merged.set(key, value.to_owned());
            }
            Arc::new(merged)
        }
        (_, Some(own)) => own.clone(),
        (Some(base), None) => base.clone(),
        (None, None) => Arc::default(),
    }
}

/// A non-empty field of a model's content in `language` (see [`fields_for`]).
///
/// Looks the key up where [`fields_for`] would take it from, without
/// building the merged fields: listings ask for a title and a UUID per
/// item, and the merge copied a secondary language's whole content each time.
pub fn field_in(
    content: &Translated,
    language: Option<&Language>,
    default: Option<&Language>,
    key: &str,
) -> Option<String> {
    let base = match language {
        None => content.get(""),
        Some(_) => default
            .and_then(|d| content.get(&d.code))
            .or_else(|| content.get("")),
    };
    let own = language.and_then(|lang| content.get(&lang.code));
    // A translation's own entry wins, even when it is empty, as in the merge.
    let value = match own {
        Some(own) => own.get(key).or_else(|| base.and_then(|b| b.get(key))),
        None => base.and_then(|b| b.get(key)),
    };
    value.filter(|value| !value.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn language(code: &str, default: bool) -> Language {
        Language {
            code: code.to_owned(),
            name: code.to_owned(),
            default,
            direction: "ltr".to_owned(),
            locale: serde_json::Value::Null,
            url: None,
            rules: serde_json::Value::Null,
        }
    }

    /// Fields over the keys `a`, `b`, `c`, each maybe present and maybe empty.
    fn fields() -> impl Strategy<Value = Option<Fields>> {
        let value = prop_oneof![
            Just(None),
            Just(Some(String::new())),
            "[xy]{1,2}".prop_map(Some)
        ];
        proptest::option::of([value.clone(), value.clone(), value].prop_map(|values| {
            let pairs = ["a", "b", "c"]
                .into_iter()
                .zip(values)
                .filter_map(|(key, value)| value.map(|v| (key.to_owned(), v)))
                .collect();
            Fields(pairs)
        }))
    }

    proptest! {
        /// `field_in` skips the merge; it must still answer what the merged
        /// fields answer, for every language a request may ask for.
        #[test]
        fn field_in_answers_like_the_merged_fields(
            plain in fields(),
            english in fields(),
            german in fields(),
            key in "[abc]",
        ) {
            let mut content = Translated::new();
            for (code, fields) in [("", plain), ("en", english), ("de", german)] {
                if let Some(fields) = fields {
                    content.insert(code.to_owned(), Arc::new(fields));
                }
            }
            let (en, de) = (language("en", true), language("de", false));
            for (asked, default) in [(None, None), (Some(&en), Some(&en)), (Some(&de), Some(&en)), (Some(&de), None)] {
                let merged = fields_for(&content, asked, default)
                    .get(&key)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned);
                prop_assert_eq!(field_in(&content, asked, default, &key), merged);
            }
        }
    }
}
