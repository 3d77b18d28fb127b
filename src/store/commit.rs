//! Group commit of page content writes (issue 4).
//!
//! A content update must be on disk before it is acknowledged, and putting a
//! file on disk safely costs two fsyncs (the file, then its folder). Done one
//! write at a time under the store's writer lock, those fsyncs capped PATCH
//! at a few hundred requests a second. Here a write is queued instead; the
//! first writer to get the lock becomes the leader and applies every queued
//! write in arrival order to the content in memory, as if each had been
//! written and read back, writes each touched file once, refreshes the
//! snapshot once, and only then acknowledges them all. Each write still
//! sees exactly the content the writes before it produced, so no update is
//! lost, and every acknowledged write is on disk.
//!
//! The leader lets go of the writer lock before the second fsync: once the
//! files are written, synced and renamed and the snapshot is published, the
//! next batch may start writing while this one syncs its folders. Only
//! then are its writes acknowledged, so an acknowledged write is still on
//! disk; the snapshot may show a write a moment before it is durable, as a
//! database shows a commit in flight to its own later transactions. With
//! an fsync near a millisecond, the two fsyncs were most of a batch.
//!
//! A follower waits on the writer lock; when it gets it, its job is either
//! still queued (it leads the next batch) or taken by a leader, whose
//! acknowledgement it then waits for on its ticket.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::content::content_path;
use super::fsio::replace_before_folder_sync;
use super::languages::translation_fields;
use super::model::{Page, PageRef, Site};
use crate::format::txt::{self, Fields};

/// One content update of a page in one language.
#[derive(Debug, Clone)]
pub struct ContentWrite {
    /// The page, by id: references index one snapshot, ids survive a rescan.
    pub page_id: String,
    /// The template `untranslatable` was worked out for.
    pub template: String,
    /// The language's code; `None` on a single-language site.
    pub code: Option<String>,
    /// Field changes; `None` removes the field.
    pub changes: Vec<(String, Option<String>)>,
    /// Fields a secondary language does not keep (the blueprint's
    /// `translate: false`).
    pub untranslatable: Vec<String>,
}

/// What became of a [`ContentWrite`].
#[derive(Debug, Clone, PartialEq)]
pub enum CommitError {
    PageNotFound,
    /// The page's template changed since the write was planned: plan again.
    Stale,
    /// The content file could not be parsed; it is left alone.
    Unreadable(PathBuf),
    Io(PathBuf, String),
}

/// The fields as written, and the page's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub fields: Fields,
    pub dir: PathBuf,
}

pub type Outcome = Result<Written, CommitError>;

/// Where a leader leaves a write's outcome.
#[derive(Default)]
pub struct Ticket {
    outcome: Mutex<Option<Outcome>>,
    filled: Condvar,
}

impl Ticket {
    pub fn take(&self) -> Option<Outcome> {
        self.outcome.lock().take()
    }

    /// Waits until a leader has filled the ticket, and takes the outcome.
    pub fn wait(&self) -> Outcome {
        let mut outcome = self.outcome.lock();
        loop {
            if let Some(done) = outcome.take() {
                return done;
            }
            self.filled.wait(&mut outcome);
        }
    }

    fn fill(&self, outcome: Outcome) {
        *self.outcome.lock() = Some(outcome);
        self.filled.notify_all();
    }
}

/// A queued write and the ticket its requester waits for.
pub struct Job {
    pub write: ContentWrite,
    pub ticket: Arc<Ticket>,
}

/// One content file of a batch: its final text and the jobs that wrote it.
struct PlannedFile {
    path: PathBuf,
    dir: PathBuf,
    text: String,
    jobs: Vec<usize>,
}

/// The pages of a batch as the earlier writes of the batch left them.
#[derive(Default)]
struct Overlay(HashMap<PageRef, Arc<Page>>);

impl Overlay {
    fn page<'a>(&'a self, site: &'a Site, at: PageRef) -> Option<&'a Page> {
        self.0.get(&at).or_else(|| site.pages.get(at)).map(|p| &**p)
    }
}

/// Applies `jobs` in order on top of `site` and writes every touched file
/// once, all but the folders' fsync. Returns each job's outcome (in order)
/// and the folders whose files were written, for the caller to refresh and
/// to sync ([`super::fsio::sync_folder`]) before it hands out the outcomes.
pub fn run_batch(site: &Site, jobs: &[Job]) -> (Vec<Outcome>, Vec<PathBuf>) {
    let mut overlay = Overlay::default();
    let mut files: Vec<PlannedFile> = Vec::new();
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let outcome = plan(site, &mut overlay, &job.write).map(|(path, text, written)| {
            match files.iter_mut().find(|f| f.path == path) {
                Some(file) => {
                    file.text = text;
                    file.jobs.push(index);
                }
                None => files.push(PlannedFile {
                    path,
                    dir: written.dir.clone(),
                    text,
                    jobs: vec![index],
                }),
            }
            written
        });
        outcomes.push(outcome);
    }
    let mut dirs = Vec::new();
    for file in &files {
        match replace_before_folder_sync(&file.path, file.text.as_bytes()) {
            Ok(()) => {
                if !dirs.contains(&file.dir) {
                    dirs.push(file.dir.clone());
                }
            }
            Err(e) => {
                for &job in &file.jobs {
                    if let Some(outcome) = outcomes.get_mut(job) {
                        *outcome = Err(CommitError::Io(file.path.clone(), e.to_string()));
                    }
                }
            }
        }
    }
    (outcomes, dirs)
}

/// Hands each job its outcome.
pub fn acknowledge(jobs: Vec<Job>, outcomes: Vec<Outcome>) {
    for (job, outcome) in jobs.into_iter().zip(outcomes) {
        job.ticket.fill(outcome);
    }
}

/// Works out one write on the batch's current content; returns the file,
/// its new text and the fields as written, and updates `overlay`.
fn plan(
    site: &Site,
    overlay: &mut Overlay,
    write: &ContentWrite,
) -> Result<(PathBuf, String, Written), CommitError> {
    let at = site
        .page_ref(&write.page_id)
        .ok_or(CommitError::PageNotFound)?;
    let page = overlay.page(site, at).ok_or(CommitError::PageNotFound)?;
    if page.template != write.template {
        return Err(CommitError::Stale);
    }
    let default_code = site
        .default_language()
        .map(|l| l.code.clone())
        .unwrap_or_default();
    let own_code = write.code.clone().unwrap_or_default();
    let untranslatable: Vec<&str> = write.untranslatable.iter().map(String::as_str).collect();
    let fields = translation_fields(
        page.content.get(&default_code).map(|f| &**f),
        page.content.get(&own_code).map(|f| &**f),
        &write.changes,
        &untranslatable,
        own_code == default_code,
    );
    let path = content_path(&page.dir, &page.template, write.code.as_deref());
    if site.is_unreadable(&path) {
        return Err(CommitError::Unreadable(path));
    }
    let text = fields.to_text();
    // The next write of the batch must see what a rescan would read back
    // from this text, not the fields as given (parsing trims values).
    let read_back = txt::parse_bytes(text.as_bytes()).unwrap_or_else(|_| fields.clone());
    let mut content = page.content.clone();
    content.insert(own_code, Arc::new(read_back));
    let dir = page.dir.clone();
    let next = Page {
        content,
        ..page.clone()
    };
    overlay.0.insert(at, Arc::new(next));
    Ok((path, text, Written { fields, dir }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::test_files::write;

    fn job(page: &str, changes: &[(&str, Option<&str>)]) -> Job {
        Job {
            write: ContentWrite {
                page_id: page.into(),
                template: "note".into(),
                code: None,
                changes: changes
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
                    .collect(),
                untranslatable: Vec::new(),
            },
            ticket: Arc::default(),
        }
    }

    fn site() -> (tempfile::TempDir, Arc<Store>) {
        let dir = tempfile::tempdir().unwrap();
        write(
            &dir.path().join("content/1_a/note.txt"),
            "Title: A\n\n----\n\nText: old",
        );
        write(&dir.path().join("content/2_b/note.txt"), "Title: B");
        let store = Store::open(dir.path(), false);
        (dir, store)
    }

    #[test]
    fn a_batch_applies_writes_in_order_and_writes_each_file_once() {
        let (dir, store) = site();
        let jobs = vec![
            job("a", &[("text", Some("  first  "))]),
            job("b", &[("text", Some("other page"))]),
            job("a", &[("extra", Some("x"))]),
            job("a", &[("text", Some("last")), ("title", None)]),
        ];
        let (outcomes, dirs) = run_batch(&store.site(), &jobs);
        assert_eq!(dirs.len(), 2);
        let second = outcomes[2].as_ref().unwrap();
        // The third write saw the first as read back from its file: trimmed.
        assert_eq!(second.fields.get("text"), Some("first"));
        assert_eq!(second.fields.get("extra"), Some("x"));
        let a = std::fs::read_to_string(dir.path().join("content/1_a/note.txt")).unwrap();
        assert_eq!(a, "Text: last\n\n----\n\nExtra: x");
        let b = std::fs::read_to_string(dir.path().join("content/2_b/note.txt")).unwrap();
        assert_eq!(b, "Title: B\n\n----\n\nText: other page");
    }

    #[test]
    fn a_missing_page_or_a_changed_template_fails_only_that_write() {
        let (_dir, store) = site();
        let mut changed = job("a", &[("text", Some("x"))]);
        changed.write.template = "article".into();
        let jobs = vec![
            job("gone", &[("text", Some("x"))]),
            changed,
            job("a", &[("text", Some("y"))]),
        ];
        let (outcomes, _) = run_batch(&store.site(), &jobs);
        assert_eq!(outcomes[0], Err(CommitError::PageNotFound));
        assert_eq!(outcomes[1], Err(CommitError::Stale));
        assert_eq!(outcomes[2].as_ref().unwrap().fields.get("text"), Some("y"));
    }

    /// Sixteen writers queued behind one holder of the writer lock are
    /// committed as one batch: one snapshot is published for all of them,
    /// and every field is in the file.
    #[test]
    fn queued_writers_share_one_commit() {
        let (dir, store) = site();
        let before = store.generation.load(std::sync::atomic::Ordering::Acquire);
        let guard = store.writer.lock();
        let writers: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let field = format!("field{i}");
                    let value = format!("value {i}");
                    store.commit_content(job("a", &[(&field, Some(&value))]).write)
                })
            })
            .collect();
        while store.queue.lock().len() < 16 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        drop(guard);
        for writer in writers {
            assert!(writer.join().unwrap().is_ok());
        }
        let after = store.generation.load(std::sync::atomic::Ordering::Acquire);
        assert_eq!(after - before, 1, "one published snapshot for the batch");
        let text = std::fs::read_to_string(dir.path().join("content/1_a/note.txt")).unwrap();
        let fields = txt::parse(&text);
        for i in 0..16 {
            assert_eq!(
                fields.get(&format!("field{i}")),
                Some(format!("value {i}").as_str())
            );
        }
        let page = store.site().page("a").unwrap().content[""].clone();
        assert_eq!(page.get("field15"), Some("value 15"));
    }

    /// Writers that keep coming while batches sync their folders outside
    /// the lock: each one is acknowledged once, with its own outcome, and
    /// every last value is in the file and the snapshot.
    #[test]
    fn writers_arriving_while_a_batch_syncs_are_all_acknowledged() {
        let (dir, store) = site();
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let field = format!("field{i}");
                    for round in 0..40 {
                        let value = format!("value {i} {round}");
                        let written = store
                            .commit_content(job("a", &[(&field, Some(&value))]).write)
                            .expect("acknowledged");
                        assert_eq!(written.fields.get(&field), Some(value.as_str()));
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let text = std::fs::read_to_string(dir.path().join("content/1_a/note.txt")).unwrap();
        let fields = txt::parse(&text);
        let page = store.site().page("a").unwrap().content[""].clone();
        for i in 0..8 {
            let last = format!("value {i} 39");
            assert_eq!(fields.get(&format!("field{i}")), Some(last.as_str()));
            assert_eq!(page.get(&format!("field{i}")), Some(last.as_str()));
        }
    }
}
